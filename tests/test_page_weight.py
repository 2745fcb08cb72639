"""Notebook pages stay light: JupyterLab's stylesheet is one shared file, figures are files of their own,
and both weigh little; a notebook page still looks the part in a real Chromium, in both palettes."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from derivations.site import notebook_assets

from test_browser import browser, server  # noqa: F401 - fixtures: a Chromium, and the built site served

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = sorted((ROOT / "docs" / "experiments").glob("*.ipynb"))
NOTEBOOK_PAGES = [f"{language}experiments/{path.stem}/" for language in ("", "zh/") for path in EXPERIMENTS]
HTML_LIMIT = 300_000
"""Bytes of a notebook page's HTML."""
FIGURES_LIMIT = 300_000
"""Bytes of a notebook page's figures: inline SVG, embedded images and the figure files it shows."""
STYLESHEET_LIMIT = 100_000
"""Bytes of the shared stylesheet, trimmed from the 600 kB that mkdocs-jupyter inlines."""

INLINE_SVG = re.compile(r'<div class="[^"]*\bjp-RenderedSVG\b[^"]*"[^>]*>\s*(<svg\b.*?</svg>)', re.S)
"""A figure output as inline SVG (nbconvert's markup); not the icons of the copy buttons, nor KaTeX's."""
IMAGE = re.compile(r'<img\b[^>]*\bsrc="([^"]+)"')
LINK = re.compile(r'<link rel="stylesheet" href="([^"]*jupyter\.css)"')


def _notebook(html: str) -> str:
    """The notebook's part of a page: mkdocs-jupyter's wrapper, without the theme's icons around it."""
    start = html.index('<div class="jupyter-wrapper">')
    return html[start:html.index("<!-- jupyter-wrapper -->", start)]


def figure_bytes(site: Path, url: str, html: str) -> dict[str, int]:
    """Each figure of the notebook page at ``url`` by where it is, with its size in bytes."""
    notebook = _notebook(html)
    sizes = {f"inline <svg> #{i + 1}": len(svg.encode()) for i, svg in enumerate(INLINE_SVG.findall(notebook))}
    for i, src in enumerate(IMAGE.findall(notebook)):
        if src.startswith("data:"):
            sizes[f"embedded image #{i + 1}"] = len(base64.b64decode(src.split(",", 1)[1]))
        else:
            path = unquote(urlsplit(urljoin(f"/{url}", src)).path).lstrip("/")
            assert (site / path).is_file(), f"{url}: figure {src} is missing from the site"
            sizes[path] = (site / path).stat().st_size
    return sizes


@pytest.mark.parametrize("url", NOTEBOOK_PAGES)
def test_a_notebook_page_weighs_at_most_300_kb_of_html(built_site, url):
    size = (built_site / url / "index.html").stat().st_size
    assert size <= HTML_LIMIT, f"{url}index.html is {size:,} bytes of HTML, over {HTML_LIMIT:,}"


@pytest.mark.parametrize("url", NOTEBOOK_PAGES)
def test_a_notebook_pages_figures_weigh_at_most_300_kb(built_site, url):
    html = (built_site / url / "index.html").read_text(encoding="utf-8")
    sizes = figure_bytes(built_site, url, html)
    assert len(sizes) >= 2, f"{url}: expected figures, found {sizes}"
    assert sum(sizes.values()) <= FIGURES_LIMIT, \
        f"{url}: figures weigh {sum(sizes.values()):,} bytes, over {FIGURES_LIMIT:,}: {sizes}"


def test_one_trimmed_stylesheet_is_shared_by_the_notebook_pages_and_no_other(built_site):
    stylesheet = built_site / notebook_assets.STYLESHEET
    assert stylesheet.is_file(), f"{notebook_assets.STYLESHEET} was not written"
    css = stylesheet.read_text(encoding="utf-8")
    assert ".jupyter-wrapper" in css and ".jp-OutputArea" in css and "--jp-cell-editor-background" in css
    assert len(css.encode()) <= STYLESHEET_LIMIT, f"the shared stylesheet is {len(css.encode()):,} bytes"
    assert ".jp-Toolbar" not in css and ".lm-Menu" not in css, "rules for JupyterLab's own interface were kept"
    for url in NOTEBOOK_PAGES:
        html = (built_site / url / "index.html").read_text(encoding="utf-8")
        links = LINK.findall(html)
        assert len(links) == 1, f"{url}: {len(links)} links to the shared stylesheet"
        assert (built_site / url / links[0]).resolve() == stylesheet.resolve()
        assert html.index(links[0]) < html.index("</head>")
        inline = [len(block) for block in re.findall(r"<style\b.*?</style>", html, re.S)]
        assert sum(inline) < 2_000, f"{url}: {sum(inline):,} bytes of CSS are still inline"
    notebook_pages = {built_site / url / "index.html" for url in NOTEBOOK_PAGES}
    others = [p for p in built_site.rglob("*.html") if p not in notebook_pages]
    assert others, "no chapter pages found"
    linking = [p.relative_to(built_site).as_posix() for p in others if "jupyter.css" in p.read_text(encoding="utf-8")]
    assert linking == [], f"pages that are not notebooks fetch the notebook stylesheet: {linking}"


def test_figures_are_shared_files_named_by_content(built_site):
    """The same figure in both editions is one file, named by the hash of what it holds."""
    english, chinese = ({src for url in NOTEBOOK_PAGES if url.startswith("zh/") == (prefix == "zh/")
                         for src in figure_bytes(built_site, url, (built_site / url / "index.html")
                                                 .read_text(encoding="utf-8"))}
                        for prefix in ("", "zh/"))
    assert english and english == chinese
    assert all(path.startswith(notebook_assets.FIGURES + "/") for path in english), english
    for path in english:
        data = (built_site / path).read_bytes()
        assert Path(path).stem == hashlib.sha256(data).hexdigest()[:16]
        assert data.startswith(b"<svg") and b"base64" not in data


# --- What the site's build does, on small inputs --------------------------------------------------

PAGE = """<html><head></head><body data-md-color-scheme="default"><div class="jupyter-wrapper">
<div class="jp-Cell"><div class="jp-InputArea"><pre>x</pre></div></div><table><tr><td>1</td></tr></table></div></body></html>"""


def test_the_stylesheet_keeps_the_rules_that_can_apply_and_drops_the_others():
    css = """.jupyter-wrapper .jp-Cell{padding:5px}
        .jupyter-wrapper .jp-Toolbar{display:flex}
        .jupyter-wrapper .jp-Cell:hover, .lm-Menu{color:red}
        [data-md-color-scheme=slate] .jupyter-wrapper{--x:1}
        .jupyter-wrapper .jp-InputArea>pre::before{content:""}
        .jupyter-wrapper .md-typeset__scrollwrap{margin:0}
        @media print{.jp-Toolbar{display:none}.jp-Cell{break-inside:avoid}}
        @keyframes spin{to{transform:rotate(1turn)}}"""
    trimmed = notebook_assets.trim_css([css], [PAGE])
    assert ".jupyter-wrapper .jp-Cell{padding:5px}" in trimmed
    assert ".jp-Toolbar" not in trimmed and ".lm-Menu" not in trimmed
    assert ".jupyter-wrapper .jp-Cell:hover{color:red}" in trimmed  # a state the reader can put it in
    assert "[data-md-color-scheme=slate] .jupyter-wrapper{--x:1}" in trimmed  # the other palette
    assert 'pre::before{content:""}' in trimmed
    assert ".md-typeset__scrollwrap{margin:0}" in trimmed  # Material's script wraps tables in it
    assert "@media print{.jp-Cell{break-inside:avoid}}" in trimmed and "@keyframes spin" in trimmed


def test_an_optimised_figure_draws_the_same_shapes_with_fewer_bytes():
    svg = ('<?xml version="1.0"?><svg xmlns:xlink="http://www.w3.org/1999/xlink" xmlns="http://www.w3.org/2000/svg" '
           'width="10pt" height="10pt" viewBox="0 0 10 10"><metadata>date</metadata><g id="figure_1">'
           '<defs><path id="m0123456789" d="M 0 0.866025 L 1.234567 -2.5 z" style="stroke: #1f77b4"/></defs>'
           '<g clip-path="url(#p1)"><use xlink:href="#m0123456789" x="1.123456" y="2.987654" style="fill: #1f77b4; '
           'fill-opacity: 0.5"/><use xlink:href="#m0123456789" x="3" y="4" style="fill: #1f77b4; fill-opacity: 0.5"/>'
           '</g></g><defs><clipPath id="p1"><rect x="0" y="0" width="10" height="10"/></clipPath></defs></svg>')
    out = notebook_assets.optimise_svg(svg)
    assert len(out) < len(svg) and "metadata" not in out and "figure_1" not in out
    assert 'd="M0 0.87L1.23-2.5z"' in out and 'x="1.12" y="2.99"' in out
    assert out.count("fill-opacity") == 1, "the markers' common style is said once, by their group"
    ids = re.findall(r'id="([^"]+)"', out)
    assert len(ids) == 2 and all(f"#{i}" in out for i in ids), "every id still referenced, and only those"


# --- In Chromium ----------------------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_a_notebook_page_still_styles_its_cells_and_shows_its_figures(browser, server, scheme):  # noqa: F811
    tab = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    fetched: list[str] = []
    tab.on("request", lambda request: fetched.append(request.url))
    tab.goto(f"{server}/{NOTEBOOK_PAGES[0]}", wait_until="networkidle")
    found = tab.evaluate("""() => {
        const probe = document.createElement('div');
        probe.style.background = 'var(--md-code-bg-color)';
        document.querySelector('.md-content').appendChild(probe);
        const code = document.querySelector('.jp-CodeCell .jp-InputArea-editor');
        const cell = document.querySelector('.jp-Cell');
        const images = [...document.querySelectorAll('.jp-OutputArea-output img')];
        return {
            scheme: document.body.getAttribute('data-md-color-scheme'),
            material: getComputedStyle(probe).backgroundColor,
            code: getComputedStyle(code).backgroundColor,
            area: getComputedStyle(code.parentElement).display,
            padding: getComputedStyle(cell).paddingTop,
            images: images.map(img => [img.complete && img.naturalWidth, img.getBoundingClientRect().width,
                                       img.getBoundingClientRect().height, getComputedStyle(img).maxWidth]),
        };
    }""")
    tab.close()
    assert found["scheme"] == {"light": "default", "dark": "slate"}[scheme]
    assert found["code"] == found["material"] != "rgba(0, 0, 0, 0)", \
        f"a code cell's background is {found['code']}, Material's code background {found['material']}"
    assert found["area"] == "flex" and found["padding"] == "5px", "JupyterLab's cell layout is not applied"
    assert found["images"] and all(natural and width > 100 and height > 50 and max_width == "100%"
                                   for natural, width, height, max_width in found["images"]), found["images"]
    assert any(url.endswith(notebook_assets.STYLESHEET) for url in fetched)
