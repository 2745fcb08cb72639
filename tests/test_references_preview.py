"""Equation references ``{eq:<id>}`` across pages and their cards: a reference to an equation placed on
another page links to its anchor there, numbered as there and naming that chapter (a definition: its
title); an id placed on no page fails naming the page and the id. Each referenced id has one card on the
page (the typeset equation, its title, the kinds of proof it passed, copy buttons), which hover and
focus show in Chromium, Escape hides, and screen readers get as the reference's description."""

from __future__ import annotations

import re

import pytest

from derivations import cache
from derivations.site.equations import LABELS, REFERENCE_LABELS, kinds_text, permalink
from derivations.translations import translate
from test_browser import AXE, browser, server  # noqa: F401 (the module's own Chromium and local server)

CHAPTER_A = "# Chapter A\n\n::: eq rnn.model\n\n::: eq rnn.span-jacobian\n\n::: eq rnn.step-jacobian\n"
LINK = re.compile(r'<a [^>]*class="eq-ref"[^>]*>[^<]*</a>')


def references(html: str) -> list[tuple[str, str]]:
    """Each equation reference of a page as (href, text)."""
    return [(re.search(r'href="([^"]*)"', a)[1], re.search(r">([^<]*)</a>", a)[1]) for a in LINK.findall(html)]


def test_a_reference_to_another_page_links_to_its_anchor_numbered_as_there(tiny_site, tmp_path):
    done = tiny_site({"a.md": CHAPTER_A, "index.md": "# Home\n\nSee {eq:rnn.step-jacobian} and {eq:rnn.step-jacobian}.\n",
                      "deep.md": "# Deep\n\nSee {eq:rnn.span-jacobian}.\n"})
    assert done.returncode == 0, done.stderr
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert references(home) == [("a/#eq-rnn.step-jacobian", "(2) in Chapter A")] * 2
    assert home.count('class="eq-card"') == 1  # one card per referenced id, not per reference
    deep = (tmp_path / "site" / "deep" / "index.html").read_text(encoding="utf-8")
    assert references(deep) == [("../a/#eq-rnn.span-jacobian", "(1) in Chapter A")]


def test_a_reference_from_a_nested_page_climbs_to_the_chapter(tiny_site, tmp_path):
    (tmp_path / "docs" / "sub").mkdir(parents=True)
    done = tiny_site({"a.md": CHAPTER_A, "sub/deep.md": "# Deep\n\nSee {eq:rnn.step-jacobian}.\n"})
    assert done.returncode == 0, done.stderr
    deep = (tmp_path / "site" / "sub" / "deep" / "index.html").read_text(encoding="utf-8")
    assert references(deep) == [("../../a/#eq-rnn.step-jacobian", "(2) in Chapter A")]


def test_a_definition_on_another_page_is_referenced_by_its_title(tiny_site, tmp_path):
    done = tiny_site({"a.md": CHAPTER_A, "index.md": "# Home\n\nThe model is {eq:rnn.model}.\n"})
    assert done.returncode == 0, done.stderr
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert references(home) == [("a/#eq-rnn.model", "The simple RNN")]


def test_a_same_page_reference_keeps_its_plain_number(tiny_site, tmp_path):
    done = tiny_site({"index.md": "# Home\n\n::: eq rnn.span-jacobian\n\n::: eq rnn.step-jacobian\n\nSee {eq:rnn.step-jacobian}.\n"})
    assert done.returncode == 0, done.stderr
    assert references((tmp_path / "site" / "index.html").read_text(encoding="utf-8")) == [("#eq-rnn.step-jacobian", "(2)")]


def test_the_print_edition_names_the_chapter_of_another_chapters_equation(tiny_site, tmp_path):
    done = tiny_site({"a.md": CHAPTER_A + "\nSee {eq:rnn.step-jacobian}.\n",
                      "b.md": "# Chapter B\n\n::: eq rnn.chain-rule\n\nAs {eq:rnn.step-jacobian} and {eq:rnn.chain-rule}.\n",
                      "print.md": "# Print\n\n::: chapter a.md\n\n::: chapter b.md\n"})
    assert done.returncode == 0, done.stderr
    printed = (tmp_path / "site" / "print" / "index.html").read_text(encoding="utf-8")
    assert references(printed) == [("#eq-rnn.step-jacobian", "(2)"), ("#eq-rnn.step-jacobian", "(2) in Chapter A"),
                                   ("#eq-rnn.chain-rule", "(1)")]


@pytest.mark.parametrize(("page", "message"), [
    ("See {eq:rnn.hidden-gradient}.", "'{eq:rnn.hidden-gradient}' refers to an equation not placed on this page nor on any other"),
    ("See {eq:rnn.step-jacobain}.", "'{eq:rnn.step-jacobain}' refers to an unknown id; "),
])
def test_a_reference_to_an_equation_placed_nowhere_fails_naming_page_and_id(tiny_site, page, message):
    done = tiny_site({"a.md": CHAPTER_A, "other.md": f"# Other\n\n{page}\n"})
    assert done.returncode != 0
    assert f"other.md: {message}" in done.stderr
    assert "did you mean 'rnn.s" in done.stderr


# The real site: the chapters refer to equations of the chapter before.
CROSS = [("remedies/", "bounds.span-norm", "why-vanish-explode", "en"),
         ("zh/remedies/", "bounds.span-norm", "why-vanish-explode", "zh"),
         ("why-vanish-explode/", "example.sigmoid-100-steps", "backprop-through-time", "en"),
         ("zh/why-vanish-explode/", "example.sigmoid-100-steps", "backprop-through-time", "zh")]


def placed_number(site, url: str, eid: str) -> str:
    """The number the page at ``url`` shows next to ``eid``."""
    html = (site / url / "index.html").read_text(encoding="utf-8")
    return re.search(rf'class="eq-number" href="#eq-{re.escape(eid)}"[^>]*>\((\d+)\)</a>', html)[1]


@pytest.mark.parametrize(("url", "eid", "chapter", "lang"), CROSS)
def test_the_chapters_link_to_another_chapters_equation(built_site, url, eid, chapter, lang):
    html = (built_site / url / "index.html").read_text(encoding="utf-8")
    target = f"{'zh/' if lang == 'zh' else ''}{chapter}/"
    title = re.search(r"<h1[^>]*>(.*?)<", (built_site / target / "index.html").read_text(encoding="utf-8"))[1].strip()
    number = placed_number(built_site, target, eid)
    text = REFERENCE_LABELS[lang]["elsewhere"].format(number=number, chapter=title)
    assert (f"../{chapter}/#eq-{eid}", text) in references(html)
    assert html.count(f'id="eq-card-{eid}"') == 1
    # the cards are in the page once: not in the table of contents, whose titles the postprocessors render
    assert html.count(REFERENCE_LABELS[lang]["copy-id"]) == html.count('class="eq-card"')


@pytest.mark.parametrize(("edition", "lang"), [("print/", "en"), ("zh/print/", "zh")])
def test_the_print_edition_names_the_chapter_of_a_reference_to_another_chapter(built_site, edition, lang):
    html = (built_site / edition / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<h1[^>]*>(.*?)<", (built_site / edition.replace("print", "why-vanish-explode") / "index.html")
                      .read_text(encoding="utf-8"))[1].strip()
    number = placed_number(built_site, edition.replace("print", "why-vanish-explode"), "bounds.span-norm")
    assert ("#eq-bounds.span-norm", REFERENCE_LABELS[lang]["elsewhere"].format(number=number, chapter=title)) in references(html)


@pytest.mark.parametrize(("url", "eid", "chapter", "lang"), CROSS[:2])
def test_a_card_holds_the_equation_title_kinds_and_copy_buttons(built_site, url, eid, chapter, lang):
    html = (built_site / url / "index.html").read_text(encoding="utf-8")
    card = re.search(rf'<span class="eq-card" id="eq-card-{re.escape(eid)}"[^>]*hidden>.*?</button></span></span>', html, re.S)[0]
    record = cache.record(eid)
    assert 'class="katex-display"' in card and 'class="eq-card-title"' in card
    assert LABELS[lang]["kinds"].format(kinds=kinds_text(record, lang)) in card
    assert f'data-clipboard-text="{eid}"' in card
    link = permalink(eid, "http://127.0.0.1:8000/", lang)
    assert link and f'data-clipboard-text="{link}"' in card
    assert translate(record["title"], lang, eid).split("$")[0].strip() in card


def test_the_pages_load_the_reference_cards_style_and_script(built_site):
    """mkdocs.yml lists references.css and references.js (extra_css, extra_javascript)."""
    html = (built_site / "remedies" / "index.html").read_text(encoding="utf-8")
    assert "assets/stylesheets/references.css" in html and "assets/javascripts/references.js" in html


# In Chromium.
REFERENCE = {"en": "remedies/", "zh": "zh/remedies/"}
LINK_SELECTOR = 'a.eq-ref[href$="why-vanish-explode/#eq-bounds.span-norm"]'
CARD = "#eq-card-bounds\\.span-norm"


@pytest.fixture
def tab(browser, server):  # noqa: F811
    """Open a page of references in a new tab: ``open(lang, scheme)``; the tab may read the clipboard."""
    contexts = []

    def open_tab(lang: str, scheme: str):
        context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme,
                                      permissions=["clipboard-read", "clipboard-write"])
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{server}/{REFERENCE[lang]}", wait_until="load")
        page.locator(LINK_SELECTOR).scroll_into_view_if_needed()
        return page

    yield open_tab
    for context in contexts:
        context.close()


def expected_kinds(lang: str) -> str:
    return LABELS[lang]["kinds"].format(kinds=kinds_text(cache.record("bounds.span-norm"), lang))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_hover_shows_the_card_and_escape_hides_it(tab, lang, scheme):
    page = tab(lang, scheme)
    card = page.locator(CARD)
    assert not card.is_visible()
    page.hover(LINK_SELECTOR)
    card.wait_for(state="visible")
    assert card.locator(".katex-display .katex-html").is_visible()
    assert card.locator(".eq-card-title").inner_text().strip()
    assert card.locator(".eq-card-kinds").inner_text() == expected_kinds(lang)
    box, link = card.bounding_box(), page.locator(LINK_SELECTOR).bounding_box()
    assert abs(box["y"] - (link["y"] + link["height"])) < 20 or abs(box["y"] + box["height"] - link["y"]) < 20
    page.keyboard.press("Escape")
    card.wait_for(state="hidden")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_focus_shows_the_card_and_tab_reaches_its_copy_buttons(tab, lang):
    page = tab(lang, "light")
    card, link = page.locator(CARD), page.locator(LINK_SELECTOR)
    link.focus()
    card.wait_for(state="visible")
    for _ in range(3):  # past the equation (a scroll container, focusable) to the first copy button
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('eq-card-button')"):
            break
    assert page.evaluate("document.activeElement.dataset.clipboardText") == "bounds.span-norm"
    assert card.is_visible()
    page.keyboard.press("Enter")
    page.wait_for_function("async () => (await navigator.clipboard.readText()) === 'bounds.span-norm'")
    page.keyboard.press("Escape")
    card.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.classList.contains('eq-ref')")


def test_the_copy_link_button_copies_the_permalink(tab):
    page = tab("en", "light")
    page.hover(LINK_SELECTOR)
    page.locator(f"{CARD} .eq-card-link").click()
    wanted = permalink("bounds.span-norm", "http://127.0.0.1:8000/", "en")
    page.wait_for_function(f"async () => (await navigator.clipboard.readText()) === {wanted!r}")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_card_is_the_references_description(tab, lang):
    from playwright.sync_api import expect

    page = tab(lang, "light")
    kinds = expected_kinds(lang)
    expect(page.locator(LINK_SELECTOR).first).to_have_accessible_description(re.compile(re.escape(kinds)))


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_no_serious_accessibility_violation_with_a_card_shown(tab, lang, scheme):
    page = tab(lang, scheme)
    page.hover(LINK_SELECTOR)
    page.locator(CARD).wait_for(state="visible")
    page.hover(f"{CARD} .eq-card-title")  # the card stays while the pointer is on it; the link is not hovered
    page.wait_for_timeout(500)
    assert page.locator(CARD).is_visible()
    page.add_style_tag(content="* { content-visibility: visible !important; transition: none !important; }")
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`)""")
    assert violations == []
