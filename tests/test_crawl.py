"""Clean pages: every page of both editions crawled in Chromium, the language switcher, per-language
search, and the theme's templates.

The crawl loads each HTML page of the built site once, in one tab, and records what it asks the
server for: no request may fail or leave the local server, and no page may log an error. What
needs no browser (the search index files, the published files) is read from the built site.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import ROOT
from test_browser import browser, search, server  # noqa: F401 (the module's own Chromium and local server)

DOCS = ROOT / "docs"
THEME = ROOT / "derivations" / "site" / "theme"
LANGUAGES = {"en": "", "zh": "zh/"}
"""Each edition's folder in the site."""
HAN = re.compile(r"[\u3400-\u9fff]")


def _site_path(page: Path, site: Path) -> str:
    """``zh/remedies/index.html`` → ``/zh/remedies/``; ``404.html`` → ``/404.html``."""
    path = page.relative_to(site).as_posix()
    return "/" + path.removesuffix("index.html")


def _language(path: str) -> str:
    return "zh" if path.startswith("/zh/") else "en"


def _notebook_code_lines() -> set[str]:
    """The lines of the notebooks' code cells (``plotting.setup()``, …) that no Markdown page
    shows too, which no search snippet may show."""
    lines = set()
    for notebook in (DOCS / "experiments").glob("*.ipynb"):
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            if cell["cell_type"] == "code":
                source = "".join(cell["source"])
                lines.update(line.strip() for line in source.splitlines() if len(line.strip()) >= 12)
    prose = "\n".join(page.read_text(encoding="utf-8") for page in DOCS.glob("*.md"))
    return {line for line in lines if line not in prose}


def _search_excluded() -> set[str]:
    """Site folders of the pages whose front matter excludes them from search (the print editions)."""
    excluded = set()
    for source in DOCS.glob("*.md"):
        if re.match(r"---\n(?:.*\n)*?search:\n\s+exclude: true\n", source.read_text(encoding="utf-8")):
            name = source.name.removesuffix(".md")
            language = "zh/" if name.endswith(".zh") else ""
            excluded.add(language + name.removesuffix(".zh") + "/")
    return excluded


# --- The crawl -------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def crawl(browser, server, built_site):  # noqa: F811
    """Load every HTML page once, waiting until the network is idle so that requests made after
    the load (the search index, sitemap look-ups) are seen too."""
    pages = sorted(_site_path(page, built_site) for page in built_site.rglob("*.html"))
    record: dict[str, list[str]] = {"failed": [], "console": [], "foreign": []}
    host = urlsplit(server).netloc
    current = [""]
    tab = browser.new_page(viewport={"width": 1280, "height": 900})

    def on_response(response):
        if response.status >= 400:
            record["failed"].append(f"{current[0]}: {response.status} {response.url}")

    def on_request_failed(request):
        if "ERR_ABORTED" not in (request.failure or ""):  # cancelled by the next navigation
            record["failed"].append(f"{current[0]}: {request.failure} {request.url}")

    def on_request(request):
        if urlsplit(request.url).scheme in ("http", "https") and urlsplit(request.url).netloc != host:
            record["foreign"].append(f"{current[0]}: {request.url}")

    tab.on("response", on_response)
    tab.on("requestfailed", on_request_failed)
    tab.on("request", on_request)
    tab.on("console", lambda message: message.type == "error" and record["console"].append(
        f"{current[0]}: {message.text} ({message.location.get('url')})"))
    tab.on("pageerror", lambda error: record["console"].append(f"{current[0]}: {error}"))
    for path in pages:
        current[0] = path
        tab.goto(server + path, wait_until="networkidle")
    tab.close()
    return pages, record


def test_crawl_covers_both_editions(crawl):
    pages, _ = crawl
    assert "/" in pages and "/zh/" in pages and "/zh/experiments/gradient-norms/" in pages
    assert len([p for p in pages if _language(p) == "zh"]) >= 12


def test_no_request_fails(crawl):
    """No 404 or other error status, sitemap look-ups included."""
    _, record = crawl
    assert record["failed"] == []


def test_no_page_logs_an_error(crawl):
    _, record = crawl
    assert record["console"] == []


def test_no_request_leaves_the_local_server(crawl):
    _, record = crawl
    assert record["foreign"] == []


# --- The language switcher -------------------------------------------------------------------

@pytest.mark.parametrize(("start", "target", "arrival"), [
    ("/backprop-through-time/", "zh", "/zh/backprop-through-time/"),
    ("/zh/gated-units/", "en", "/gated-units/"),
])
def test_switching_language_keeps_the_fragment(browser, server, built_site, start, target, arrival):  # noqa: F811
    html = (built_site / start.strip("/") / "index.html").read_text(encoding="utf-8")
    anchor = re.findall(r'id="(eq-[^"]+)"', html)[1]  # not the first: the page must scroll to it
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(f"{server}{start}#{anchor}", wait_until="networkidle")
    tab.hover(".md-header__option .md-select")  # the language menu opens on hover
    with tab.expect_navigation():
        tab.locator(f'a.md-select__link[hreflang="{target}"]').click()
    tab.wait_for_load_state("networkidle")
    url = urlsplit(tab.url)
    present = tab.locator(f'[id="{anchor}"]').count()
    tab.close()
    assert (url.path, url.fragment) == (arrival, anchor)
    assert present == 1, f"{arrival} has no element #{anchor}"


# --- Search ----------------------------------------------------------------------------------

def _index(site: Path, language: str) -> dict:
    path = site / LANGUAGES[language] / "search" / "search_index.json"
    assert path.is_file(), f"no search index of its own for {language!r}: {path.relative_to(site)}"
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_its_own_search_index(built_site, language):
    """Each index holds exactly its edition's searchable pages; locations are relative to the
    edition's root, where the edition's pages look the index up."""
    root = built_site / LANGUAGES[language]
    indexed = {doc["location"].split("#")[0] for doc in _index(built_site, language)["docs"]}
    pages = {_site_path(page, built_site).removeprefix("/" + LANGUAGES[language])
             for page in root.rglob("index.html")
             if _language(_site_path(page, built_site)) == language}
    excluded = {p.removeprefix(LANGUAGES[language]) for p in _search_excluded() if _language("/" + p) == language}
    assert indexed == pages - excluded


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_index_is_in_its_language(built_site, language):
    """English titles only in the English index (its claims page quotes Chinese notes in its text);
    Chinese in every entry of the Chinese one."""
    docs = _index(built_site, language)["docs"]
    if language == "en":
        assert [doc["title"] for doc in docs if HAN.search(doc["title"])] == []
    else:
        assert [doc["title"] for doc in docs if not HAN.search(doc["title"] + doc["text"])] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_index_holds_prose_not_notebook_code(built_site, language):
    code = _notebook_code_lines()
    assert "plotting.setup()" in code
    docs = _index(built_site, language)["docs"]
    notebook_docs = [doc for doc in docs if doc["location"].startswith("experiments/")]
    assert notebook_docs, "the notebooks' prose is not indexed"
    shown = {doc["location"]: sorted(line for line in code if line in doc["text"]) for doc in notebook_docs}
    assert {location: lines for location, lines in shown.items() if lines} == {}
    assert not any("from derivations.experiments import" in doc["text"] for doc in docs)
    assert any(HAN.search(doc["text"]) if language == "zh" else "singular value" in doc["text"]
               for doc in notebook_docs)


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_index_holds_no_displayed_math_or_panel_code(built_site, language):
    """A displayed formula would index as a jumble of glyphs, and an equation panel's source code and
    citations are not prose: neither is indexed. The panel's title, with the equation's id, is."""
    docs = _index(built_site, language)["docs"]
    text = "".join(doc["text"] for doc in docs if doc["location"].startswith("backprop-through-time/"))
    assert "rnn.step-jacobian" in text
    assert "tanh(x)=ex+e−x" not in text, "the displayed definition of the activations is indexed"
    assert "def step_jacobian_derivation" not in text and not re.search(r"@\w+\{", text), "a panel's code is indexed"


@pytest.mark.parametrize("language", LANGUAGES)
def test_search_titles_are_clean(built_site, language):
    """What a result shows as its title: no zero-width spaces (from segmenting Chinese for the
    index) and no pilcrow (the notebooks' heading anchors)."""
    titles = [doc["title"] for doc in _index(built_site, language)["docs"]]
    assert [t for t in titles if "\u200b" in t or "¶" in t or t != t.strip() or not t] == []


@pytest.mark.parametrize(("home", "query"), [("/", "sigmoid"), ("/zh/", "遗忘门"), ("/zh/", "sigmoid")])
def test_search_lists_only_pages_of_its_language(browser, server, home, query):  # noqa: F811
    """``sigmoid`` is on the pages of both editions; each edition's search lists its own."""
    tab = browser.new_page()
    tab.goto(f"{server}{home}", wait_until="networkidle")
    paths = search(tab, query)
    titles = tab.eval_on_selector_all(".md-search-result__article :is(h1, h2)", "els => els.map(e => e.textContent)")
    snippets = tab.eval_on_selector_all(".md-search-result__article", "els => els.map(e => e.textContent)")
    tab.close()
    assert paths and all(_language(path) == _language(home) for path in paths), paths
    assert [t for t in titles if "\u200b" in t or "¶" in t] == []
    code = _notebook_code_lines()
    assert [line for line in code for snippet in snippets if line in snippet] == []


# --- Published files -------------------------------------------------------------------------

JINJA = re.compile(r"\{\{|\{%|\{#")


def test_no_theme_template_is_published_unrendered(built_site):
    """A file of the theme that MkDocs copies as it is (anything but ``*.html``) must not be a
    template: ``cite.bib``, rendered into each page's "Cite this page" block, is not a download."""
    assert not (built_site / "cite.bib").exists()
    raw = [path.relative_to(THEME).as_posix() for path in THEME.rglob("*")
           if path.is_file() and (built_site / path.relative_to(THEME)).is_file()
           and JINJA.search((built_site / path.relative_to(THEME)).read_text(encoding="utf-8", errors="replace"))]
    assert raw == []
    bib = [path.relative_to(built_site).as_posix() for path in built_site.rglob("*.bib")
           if JINJA.search(path.read_text(encoding="utf-8"))]
    assert bib == []
