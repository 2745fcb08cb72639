"""The chapter in a real headless Chromium: every equation typeset, nothing fetched from elsewhere."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from derivations.site import font_preload
from test_site import CHAPTER_IDS

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # the server outlives each test's output capture
        pass


@pytest.fixture(scope="module")
def server(built_site):
    handler = functools.partial(_QuietHandler, directory=str(built_site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed (Debian: apt-get install chromium); the browser test needs it")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def chapter(browser, server):
    requests: list[str] = []
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{server}/backprop-through-time/", wait_until="networkidle")
    page.evaluate("document.fonts.ready")
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator("#eq-rnn\\.step-jacobian").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "chapter.png"))
    yield page, requests, server
    page.close()


@pytest.mark.parametrize("equation_id", CHAPTER_IDS)
def test_equation_is_typeset(chapter, equation_id):
    page, _, _ = chapter
    equation = page.locator(f"#eq-{equation_id.replace('.', chr(92) + '.')}")
    assert equation.count() == 1
    math = equation.locator(".eq-math .katex-html")
    assert math.count() == 1 and math.bounding_box()["width"] > 20
    assert equation.locator(".katex-error").count() == 0
    assert equation.locator("pre.eq-latex [data-md-type=copy]").count() == 1, "no copy button for the LaTeX"


@pytest.mark.parametrize("equation_id", CHAPTER_IDS)
def test_screen_readers_get_each_equation_once_as_math(chapter, equation_id):
    """Chromium's accessibility tree holds the equation as one MathML node (role math); KaTeX's
    visual layer, which would read as a jumble of glyphs, is hidden from it."""
    page, _, _ = chapter
    tree = page.locator(f"#eq-{equation_id.replace('.', chr(92) + '.')} .eq-math").aria_snapshot()
    assert tree.startswith("- math: ") and "\n" not in tree.strip(), tree


def test_no_raw_tex_is_visible(chapter):
    page, _, _ = chapter
    text = page.locator("article").inner_text()
    assert "\\frac" not in text and "\\operatorname" not in text.split("LaTeX:")[0]


def test_katex_fonts_are_loaded_from_the_site(chapter):
    page, requests, server = chapter
    assert page.evaluate("document.fonts.check('16px KaTeX_Main')")
    assert any(url.startswith(server) and url.endswith(".woff2") for url in requests)


def test_no_request_leaves_the_local_server(chapter):
    _, requests, server = chapter
    assert requests, "the page made no requests at all"
    foreign = [url for url in requests if urlsplit(url).netloc != urlsplit(server).netloc
               and not url.startswith("data:")]
    assert foreign == []


def test_screenshot_was_saved(chapter):
    assert (ARTIFACTS / "chapter.png").stat().st_size > 10_000


def search(tab, query: str) -> list[str]:
    """Type ``query`` into the open page's search box; the paths of the results it lists."""
    box = tab.locator("input.md-search__input")
    box.click()
    box.press_sequentially(query)
    box.press("End")  # typed CJK text arrives without key-up events; Material searches on key-up
    results = tab.locator(".md-search-result__item > a")
    results.first.wait_for(timeout=15_000)
    return [urlsplit(results.nth(i).get_attribute("href")).path for i in range(results.count())]


@pytest.mark.parametrize("edition", ["", "zh/"])
def test_the_search_index_is_fetched_only_when_the_reader_goes_to_search(browser, server, edition):
    tab = browser.new_page()
    fetched: list[str] = []
    tab.on("request", lambda request: fetched.append(urlsplit(request.url).path))
    tab.goto(f"{server}/{edition}remedies/", wait_until="networkidle")
    tab.wait_for_timeout(500)
    assert not any(path.endswith("search_index.json") for path in fetched), "a page load fetched the search index"
    found = search(tab, "clipping" if not edition else "梯度裁剪")
    tab.close()
    assert f"/{edition}search/search_index.json" in fetched and f"/{edition}remedies/" in found


@pytest.mark.parametrize(("query", "page"), [
    ("雅可比矩阵", "/zh/backprop-through-time/"),
    ("梯度裁剪", "/zh/remedies/"),
    ("遗忘门", "/zh/gated-units/"),
])
def test_chinese_search_finds_the_page(browser, server, query, page):
    tab = browser.new_page()
    tab.goto(f"{server}/zh/", wait_until="networkidle")
    hrefs = search(tab, query)
    tab.close()
    assert any(href.endswith(page) for href in hrefs), f"{query!r} found {hrefs}"


AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"
DOCS = Path(__file__).resolve().parents[1] / "docs"


def _page_urls(source: Path) -> list[str]:
    """The site paths of a docs page: ``remedies.zh.md`` → ``zh/remedies/``, ``index.md`` → ````; a
    notebook is one source for both languages."""
    parts = list(source.relative_to(DOCS).with_suffix("").parts)
    languages = ["", "zh/"] if source.suffix == ".ipynb" else ["zh/" if parts[-1].endswith(".zh") else ""]
    parts[-1] = parts[-1].removesuffix(".zh")
    if parts[-1] == "index":
        parts.pop()
    return [language + "".join(f"{part}/" for part in parts) for language in languages]


PAGES = sorted(url for source in DOCS.rglob("*") if source.suffix in (".md", ".ipynb")
               and not source.stem.startswith("print") for url in _page_urls(source))
"""Every page but the print editions, which repeat the chapters' markup and take axe minutes."""


def test_axe_covers_every_built_page(built_site):
    built = {f"{p.parent.relative_to(built_site).as_posix()}/".removeprefix("./") for p in built_site.rglob("index.html")
             if p.parent.name != "print"}
    assert built == set(PAGES)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("url", PAGES, ids=lambda url: url or "home")
def test_no_serious_accessibility_violation(browser, server, scheme, url):
    """axe-core in both of Material's palettes: no serious or critical violation."""
    tab = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    tab.goto(f"{server}/{url}", wait_until="load")
    # Off-screen blocks skip layout (content-visibility: auto); axe must see every element laid out, in
    # its final colours: a block laid out late would otherwise fade into the palette's (Material's
    # link colour transition) while axe measures its contrast.
    tab.add_style_tag(content="* { content-visibility: visible !important; transition: none !important; }")
    tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => `${v.id} (${v.nodes.length}): ${v.nodes[0].target.join(' ')}`)""")
    tab.close()
    assert violations == []


@pytest.mark.parametrize("url", PAGES, ids=lambda url: url or "home")
def test_each_page_preloads_exactly_the_fonts_it_uses(browser, server, url):
    """The preload links that derivations/site/font_preload.py reads off KaTeX's stylesheet against
    the faces Chromium actually loaded to draw the page: none missing, none fetched for nothing."""
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(f"{server}/{url}", wait_until="load")
    used = tab.evaluate("""document.fonts.ready.then(set => [...set].filter(face => face.status === "loaded")
        .map(face => [face.family.replaceAll('"', ''), face.style, face.weight]))""")
    preloaded = tab.eval_on_selector_all('link[rel="preload"][as="font"]', "links => links.map(l => l.href)")
    tab.close()
    files = font_preload.font_rules()[0]
    assert sorted(files[tuple(face)] for face in used if face[0].startswith("KaTeX_")) == \
        sorted(href.rsplit("/", 1)[-1] for href in preloaded)



@pytest.mark.parametrize(("url", "scheme"), [("backprop-through-time/", "light"), ("zh/backprop-through-time/", "dark")])
def test_the_panels_typst_tab_shows_and_copies_the_typst(browser, server, url, scheme):
    from derivations import cache
    from derivations.site import typst_math

    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=scheme,
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.goto(f"{server}/{url}", wait_until="load")
    equation = page.locator("#eq-rnn\\.step-jacobian")
    equation.locator("details.eq-meta > summary").click()
    typst = equation.locator("pre.eq-typst")
    assert not typst.is_visible(), "the first tab, not the Typst one, is open at first"
    equation.locator(".eq-cite label", has_text="Typst").click()
    wanted = typst_math.equation(cache.record("rnn.step-jacobian"))
    assert typst.is_visible() and typst.inner_text().strip() == wanted
    typst.hover()
    typst.locator("[data-md-type=copy], .md-clipboard").first.click()
    page.wait_for_function("async wanted => (await navigator.clipboard.readText()).trim() === wanted", arg=wanted)
    context.close()
