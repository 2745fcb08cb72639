"""The real site builds strictly and offline; bad pages fail the build naming the culprit."""

from __future__ import annotations

import json
import re

import pytest

from derivations import registry

CHAPTER_IDS = [
    "activation.sigmoid-derivative", "activation.tanh-derivative", "rnn.step-jacobian",
    "rnn.span-jacobian", "rnn.hidden-gradient", "rnn.whh-gradient", "example.sigmoid-100-steps",
]


def pages(site):
    return {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in site.rglob("*.html")}


def chapters(site):
    """The English chapter pages (not the Chinese edition, not the print edition)."""
    return {name: html for name, html in pages(site).items() if not name.startswith(("zh/", "print/"))}


def test_every_registered_equation_is_placed_exactly_once(built_site):
    placed = [m for html in chapters(built_site).values()
              for m in re.findall(r'<div class="eq"[^>]*\bid="eq-([^"]+)"', html)]
    assert sorted(placed) == sorted(e.id for e in registry.entries())


@pytest.mark.parametrize("equation_id", CHAPTER_IDS)
def test_chapter_places_the_issue_ids(built_site, equation_id):
    html = (built_site / "backprop-through-time" / "index.html").read_text(encoding="utf-8")
    block = html.split(f'id="eq-{equation_id}"', 1)[1].split('<div class="eq" ', 1)[0]
    assert 'class="katex-display"' in block and "katex-error" not in block
    assert "<math" in block, "KaTeX's MathML must be there for screen readers"


def test_no_raw_tex_or_leftover_markers(built_site):
    for name, html in pages(built_site).items():
        text = re.sub(r"<(pre|code|annotation|script|style)\b.*?</\1>", "", html, flags=re.S)
        text = re.sub(r'<div class="clipboard-copy-txt"[^>]*>.*?</div>', "", text, flags=re.S)  # a notebook cell's code, hidden
        text = re.sub(r"<[^>]+>", "", text)
        assert "\\frac" not in text and "$$" not in text, name
        assert not re.search(r"(?<!\\)\$[^$\s][^$]*\$", text), f"raw $…$ in {name}"
        assert "::: eq" not in text and "{eq:" not in text, name
        assert "_{" not in text and "^{" not in text, f"TeX source in the text of {name} (a heading with math?)"


def test_pages_request_nothing_from_other_hosts(built_site):
    for name, html in pages(built_site).items():
        for tag, attr, url in re.findall(r"<(script|link|img|iframe|source)\b[^>]*?\b(src|href)=\"([^\"]+)\"", html):
            if tag == "link" and re.search(r'rel="(canonical|alternate)"', html):
                continue
            assert not re.match(r"(https?:)?//", url), f"{name}: <{tag} {attr}={url}> loads from another host"
        assert "fonts.googleapis" not in html and "fonts.gstatic" not in html, name


def test_katex_css_and_fonts_ship_with_the_site(built_site):
    css = (built_site / "assets" / "katex" / "katex.min.css").read_text(encoding="utf-8")
    fonts = set(re.findall(r"url\((fonts/[^)]+\.woff2)\)", css))
    assert fonts and all((built_site / "assets" / "katex" / f).exists() for f in fonts)


def test_equation_shows_id_source_test_and_latex(built_site):
    html = (built_site / "backprop-through-time" / "index.html").read_text(encoding="utf-8")
    block = html.split('id="eq-rnn.step-jacobian"', 1)[1].split('<div class="eq" ', 1)[0]
    assert "derivations/rnn.py" in block and "tests/test_rnn.py" in block
    assert "step_jacobian_derivation" in block
    assert r"\operatorname{diag}\big(\sigma&#x27;\left(z_{t}\right)\big) W_{hh}" in block


# --- Bad input fails the build and names the culprit ---------------------------------------

def test_unknown_id_names_page_id_and_close_matches(tiny_site):
    done = tiny_site({"index.md": "# A\n\n::: eq rnn.step-jacobain\n"})
    assert done.returncode != 0
    assert "index.md" in done.stderr and "rnn.step-jacobain" in done.stderr
    assert "did you mean 'rnn.step-jacobian'" in done.stderr


def test_an_id_placed_twice_fails(tiny_site):
    done = tiny_site({"index.md": "::: eq rnn.step-jacobian\n\ntext\n\n::: eq rnn.step-jacobian\n"})
    assert done.returncode != 0 and "placed twice" in done.stderr and "rnn.step-jacobian" in done.stderr


def test_reference_to_an_equation_not_on_the_page_fails(tiny_site):
    done = tiny_site({"index.md": "See {eq:rnn.step-jacobian}.\n"})
    assert done.returncode != 0 and "not placed on this page" in done.stderr


def test_a_mistyped_reference_gets_the_closest_placed_ids(tiny_site):
    done = tiny_site({"index.md": "::: eq rnn.step-jacobian\n\nSee {eq:rnn.step-jacobain}.\n"})
    assert done.returncode != 0 and "an unknown id" in done.stderr
    assert "did you mean 'rnn.step-jacobian'" in done.stderr


@pytest.mark.parametrize("marker", ["::: eq rnn.step-jacobain", "{eq-tex:rnn.step-jacobain}"])
def test_an_error_in_an_inlined_chapter_names_that_chapter(tiny_site, marker):
    # remedies.md sorts after print.md, so MkDocs reaches the print edition first
    done = tiny_site({"remedies.md": f"# Remedies\n\n{marker}\n", "print.md": "# Print\n\n::: chapter remedies.md\n"})
    assert done.returncode != 0
    assert "remedies.md (inlined by the print edition)" in done.stderr and "rnn.step-jacobain" in done.stderr


def test_marker_that_is_not_a_line_of_its_own_fails(tiny_site):
    done = tiny_site({"index.md": "Some text\n::: eq rnn.step-jacobian\n"})
    assert done.returncode != 0 and "was not processed" in done.stderr


def test_prose_latex_that_does_not_parse_names_it(tiny_site):
    done = tiny_site({"index.md": "# Page\n\nThis is $\\frac{a$ broken.\n"})
    assert done.returncode != 0 and "does not parse" in done.stderr and "\\frac{a" in done.stderr


def test_reference_numbers_follow_placement(tiny_site):
    done = tiny_site({"index.md": "::: eq rnn.span-jacobian\n\n::: eq rnn.step-jacobian\n\nSee {eq:rnn.step-jacobian}.\n"})
    assert done.returncode == 0, done.stderr


def test_a_closed_form_that_does_not_match_fails_naming_the_id(tiny_site, project_copy):
    project = project_copy("rnn.py", "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
                           "STEP_JACOBIAN = W_HH * DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION))")
    done = tiny_site({"index.md": "::: eq rnn.step-jacobian\n"}, project=project)
    assert done.returncode != 0
    assert "rnn.step-jacobian: the displayed result, clause 1" in done.stderr and "does not hold" in done.stderr


def test_derived_latex_that_does_not_parse_names_the_equation(tiny_site, project_copy):
    project = project_copy("notation.py", r'return rf"\operatorname{{diag}}\big({self._print(expr.args[0])}\big)"',
                           r'return rf"\operatorname{{diag}}\big({self._print(expr.args[0])}\big)}}"')
    done = tiny_site({"index.md": "::: eq rnn.step-jacobian\n"}, project=project)
    assert done.returncode != 0
    assert "equation 'rnn.step-jacobian'" in done.stderr and "does not parse" in done.stderr


@pytest.mark.parametrize("language", ["", "zh/"])
def test_print_edition_numbers_every_equation_as_its_chapter_does(built_site, language):
    number = re.compile(r'class="eq-number" href="#eq-([^"]+)"[^>]*>\((\d+)\)')
    printed = dict(number.findall((built_site / language / "print" / "index.html").read_text(encoding="utf-8")))
    on_chapters = {}
    for name, html in pages(built_site).items():
        if name.startswith(language + ("" if language else "")) and "print/" not in name and \
                (language or not name.startswith("zh/")):
            on_chapters.update(number.findall(html))
    assert printed == on_chapters
    assert len(printed) == len([e for e in registry.entries() if e.kind == "result"])


def test_closed_form_reference_typesets_the_derived_result(tiny_site):
    done = tiny_site({"index.md": "# Page\n\nThe Jacobian is {eq-rhs:rnn.step-jacobian}.\n"})
    assert done.returncode == 0, done.stderr


def test_closed_form_reference_to_an_unknown_id_names_it(tiny_site):
    done = tiny_site({"index.md": "# Page\n\nThe Jacobian is {eq-rhs:rnn.step-jacobain}.\n"})
    assert done.returncode != 0 and "rnn.step-jacobain" in done.stderr and "rnn.step-jacobian" in done.stderr


def test_a_page_shows_a_named_clause_a_definition_and_a_computed_number(tiny_site, tmp_path):
    done = tiny_site({"index.md": "# Page\n\n::: eq rnn.model\n\nThe state is {eq-tex:rnn.model#state}, "
                                  "below {num:example.sigmoid-100-steps#float32-smallest}; {eq:rnn.model}.\n"})
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'class="eq-number eq-definition">Definition<' in html and ">The simple RNN</a>" in html
    assert html.count('<span class="katex">') >= 3 and "{eq-tex:" not in html and "{num:" not in html


@pytest.mark.parametrize(("marker", "message"), [
    ("{eq-tex:rnn.model#states}", "equation 'rnn.model' has no clause named 'states' (named clauses: pre-activation"),
    ("{num:example.sigmoid-100-steps#float16-smallest}",
     "computes no number named 'float16-smallest' (numbers: float32-smallest"),
    ("{eq-tex:rnn.modle}", "did you mean 'rnn.model'"),
])
def test_a_missing_clause_number_or_id_fails_naming_the_page_and_the_id(tiny_site, marker, message):
    done = tiny_site({"index.md": "# Page\n\nSee the formula.\n", "other.md": f"# Other\n\nIt is {marker}.\n"})
    assert done.returncode != 0 and message in done.stderr and "other.md" in done.stderr


def test_search_index_holds_each_formula_once(built_site):
    """KaTeX writes a formula three times (MathML, its TeX annotation, the visual layer); search
    indexes the visual layer alone, so results read "the state ht" rather than "the state hth_tht"."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    text = "".join(doc["text"] for doc in index["docs"] if doc["location"].startswith("backprop-through-time/"))
    assert "The state ht\u200b influences the loss in two ways: directly, through Lt\u200b, and" in text
    assert "hth" not in text


def test_no_internal_link_or_anchor_is_broken(built_site):
    """Every relative link of every page, notebooks included (whose links MkDocs does not check),
    reaches a file of the site and, with a fragment, an element with that id."""
    ids: dict = {}
    broken = []
    for page in sorted(built_site.rglob("*.html")):
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'<a\b[^>]*?\bhref="([^"]+)"', html):
            if re.match(r"[a-z]+:|//|#$", href) or href.startswith("mailto:"):
                continue
            path, _, fragment = href.partition("#")
            base = built_site if path.startswith("/") else page.parent  # the site is served from its root
            target = (base / path.lstrip("/")).resolve() if path else page
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file():
                broken.append(f"{page.relative_to(built_site)}: {href} (no such file)")
            elif fragment and target.suffix == ".html":
                if target not in ids:
                    ids[target] = set(re.findall(r'\bid="([^"]+)"', target.read_text(encoding="utf-8")))
                if fragment not in ids[target]:
                    broken.append(f"{page.relative_to(built_site)}: {href} (no id {fragment!r})")
    assert broken == []
