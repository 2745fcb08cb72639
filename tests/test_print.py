"""The print edition on paper: each language's whole site, printed to A4 PDF by Chromium as a reader's
print dialog would, fits in 45 pages, numbers its pages, keeps every equation whole and on the page
with its permalink, and prints each box's icon as an image."""

from __future__ import annotations

import io
import re

import pytest

from derivations import published
from derivations.site.equations import LABELS
from test_browser import browser, server  # noqa: F401 (the module's own Chromium and local server)

pypdf = pytest.importorskip("pypdf")

MAX_PAGES = 45
EDITIONS = {"en": "print/", "zh": "zh/print/"}

LAYOUT = """() => {
  const column = document.querySelector('.md-content__inner').getBoundingClientRect();
  const name = el => el.closest('.eq')?.id || el.closest('h1, h2, h3, p, li, details')?.textContent.slice(0, 60);
  const outside = [...document.querySelectorAll('.md-content .katex-display, .md-content .eq-row')]
    .filter(el => el.getBoundingClientRect().right > column.right + 1 || el.scrollWidth > el.clientWidth + 1)
    .map(el => `${name(el)}: ${Math.round(el.scrollWidth)} px in ${Math.round(column.width)} px`);
  const cut = [...document.querySelectorAll('.md-content .katex-display, .md-content .eq-row')]
    .filter(el => getComputedStyle(el).breakInside !== 'avoid').map(name);
  const permalinks = [...document.querySelectorAll('.eq-row')].map(row => [
    row.closest('.eq').dataset.eqId, getComputedStyle(row, '::after').content]);
  const icons = [...document.querySelectorAll('.md-content :is(.admonition > .admonition-title, details > summary)')]
    .map(title => [title.parentElement.className, getComputedStyle(title, '::before')])
    .filter(([, icon]) => icon.display !== 'none')
    .map(([kind, icon]) => [kind, icon.backgroundImage.slice(0, 30), icon.maskImage]);
  const unmeasured = [...document.querySelectorAll('.md-content .katex-display > .katex')]
    .filter(math => math.offsetParent && !(parseFloat(math.style.getPropertyValue('--natural-width')) > 0)).map(name);
  return {outside, cut, permalinks, icons, unmeasured,
          sidebars: [...document.querySelectorAll('.md-sidebar')].filter(s => s.offsetWidth > 0).length,
          columnShare: column.width / document.documentElement.clientWidth};
}"""


@pytest.fixture(scope="module", params=list(EDITIONS), ids=list(EDITIONS))
def printed(request, browser, server):  # noqa: F811 (fixtures imported above)
    """One edition printed to A4 PDF, its text by page, and its layout as the print stylesheet set it."""
    language = request.param
    page = browser.new_page()
    page.goto(f"{server}/{EDITIONS[language]}", wait_until="networkidle")
    page.evaluate("document.fonts.ready")
    page.evaluate("dispatchEvent(new Event('beforeprint'))")  # as the print dialog does
    page.emulate_media(media="print")
    page.set_viewport_size({"width": 680, "height": 1123})  # A4 at 96 dpi inside print.css's 15 mm margins
    layout = page.evaluate(LAYOUT)
    pdf = pypdf.PdfReader(io.BytesIO(page.pdf(format="A4", prefer_css_page_size=True)))
    page.close()
    return language, [p.extract_text() for p in pdf.pages], layout


def test_each_edition_prints_on_at_most_45_a4_pages(printed):
    language, pages, _ = printed
    assert len(pages) <= MAX_PAGES, f"the {language} print edition takes {len(pages)} A4 pages (at most {MAX_PAGES})"


def test_pages_are_numbered(printed):
    _, pages, _ = printed
    for number, text in enumerate(pages, 1):
        assert re.search(rf"\b{number}\s*/\s*{len(pages)}\b", text), f"page {number} carries no '{number} / {len(pages)}'"


def test_one_column_and_every_equation_whole_on_the_page(printed):
    language, _, layout = printed
    assert layout["sidebars"] == 0 and layout["columnShare"] > 0.9, "the printout is not one full-width column"
    assert not layout["unmeasured"], f"{language}: print-fit.js measured no width for: {layout['unmeasured']}"
    assert not layout["outside"], f"{language}: math runs off the printed column: {layout['outside']}"
    assert not layout["cut"], f"{language}: math a page break may cut: {layout['cut']}"


def test_no_box_starts_a_page_apart_from_its_equation(printed):
    """A derivation's steps or its panel at the top of a page would have left their equation on the
    page before."""
    language, pages, _ = printed
    label = LABELS[language]
    titles = (label["derivation"], label["meta"].split("{")[0], label["definition-meta"].split("{")[0])
    for number, text in enumerate(pages, 1):
        lines = [line for line in text.splitlines() if line.strip() and not re.fullmatch(r"\s*\d+\s*/\s*\d+\s*", line)]
        assert lines and not lines[0].strip().startswith(titles), f"page {number} starts with a box: {lines[0]!r}"


def test_every_numbered_equation_prints_its_permalink(printed):
    """On paper a link cannot be followed, so each equation prints the address of its published anchor;
    the text extracted from the PDF holds every one of them."""
    language, pages, layout = printed
    text = re.sub(r"\s+", "", "".join(pages))
    assert len(layout["permalinks"]) >= 30
    pages_of = published.load()["equations"]
    for equation_id, content in layout["permalinks"]:
        edition = "" if language == "en" else f"{language}/"
        assert content.endswith(f'/{edition}{pages_of[equation_id]}#eq-{equation_id}"'), (equation_id, content)
        assert f"{edition}{pages_of[equation_id]}#eq-{equation_id}" in text, f"{equation_id}: permalink not in the PDF"


def test_box_icons_print_as_images_not_masks(printed):
    """A masked icon comes out of some printers and PDF readers as a solid square: every box's icon is
    an SVG image on paper (a new kind of box needs its icon in print.css)."""
    language, _, layout = printed
    kinds = {kind for kind, _, _ in layout["icons"]}
    assert {"admonition warning", "abstract eq-steps", "info eq-meta"} <= kinds, kinds
    for kind, image, mask in layout["icons"]:
        assert image.startswith('url("data:image/svg+xml') and mask == "none", f"{language}: {kind}: {image} {mask}"
