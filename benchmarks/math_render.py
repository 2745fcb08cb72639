"""Time-to-math and bytes of the heaviest chapter page: build-time KaTeX against client-side renderers.

The built site is copied to a temporary folder, where the heaviest English chapter page (most
``class="katex"`` elements, its KaTeX fonts preloaded as on the site) gets two variants with the
same formulas: Material for MkDocs' documented MathJax recipe and client-side KaTeX (auto-render),
both on the TeX source that pymdownx.arithmatex's generic mode emits. All are served from
127.0.0.1, text gzip-compressed as static hosts send it, and loaded in headless Chromium,
interleaved, each run in a fresh browser context (empty cache). Time-to-math runs from navigation
start until every formula is rendered and ``document.fonts.ready`` has resolved; bytes are the
response bodies of every request the page made until the network went idle, uncompressed (the
targets) and as transferred.

    python benchmarks/math_render.py [--site site/] [--runs 5]

The exit status is 1 when build-time KaTeX (without preload) misses a target.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import mimetypes
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import Browser, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]

MATHJAX, CLIENT, BUILD = "MathJax recipe", "client-side KaTeX", "build-time KaTeX"
TARGETS = (  # (column, measure, baseline, largest passing ratio, or None for a figure without target)
    ("time/MathJax", "ms", MATHJAX, 0.5),
    ("time/client KaTeX", "ms", CLIENT, 0.9),
    ("bytes/MathJax", "bytes", MATHJAX, 0.5),
    ("transferred/MathJax", "transferred", MATHJAX, None),
)
COMPRESSED = ("text/", "application/javascript", "application/json", "image/svg+xml")

FORMULA = re.compile(r'<span class="katex(-display)?">')
SPAN_TAG = re.compile(r"<span\b|</span>")
TEX = re.compile(r'<annotation encoding="application/x-tex">(.*?)</annotation>', re.S)
KATEX_CSS = re.compile(r'<link rel="stylesheet" href="[^"]*katex\.min\.css">')
FONT_PRELOAD = re.compile(r'<link rel="preload" [^>]*as="font"[^>]*>')

MATHJAX_CONFIG = """window.MathJax = {
  tex: {inlineMath: [["\\\\(", "\\\\)"]], displayMath: [["\\\\[", "\\\\]"]],
        processEscapes: true, processEnvironments: true},
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"}
};
"""
AUTO_RENDER = """document.addEventListener("DOMContentLoaded", () => renderMathInElement(document.body, {
  delimiters: [{left: "\\\\(", right: "\\\\)", display: false}, {left: "\\\\[", right: "\\\\]", display: true}],
  throwOnError: true
}));
"""

# Installed before any page script; resolves to performance.now() once the math is typeset and its fonts loaded.
PROBE = """window.__timeToMath = (async () => {
  if (document.readyState === "loading") await new Promise(r => document.addEventListener("DOMContentLoaded", r));
  const rendered = () => [...document.querySelectorAll(".arithmatex")]
    .every(e => e.querySelector("mjx-container, .katex"));
  while (!rendered()) await new Promise(r => setTimeout(r, 5));
  if (window.MathJax?.startup?.promise) await window.MathJax.startup.promise;
  do { document.body.offsetHeight; await document.fonts.ready; } while (document.fonts.status !== "loaded");
  return performance.now();
})();
"""
RENDERED_COUNT = "document.querySelectorAll('.katex, mjx-container').length"
ERROR_COUNT = "document.querySelectorAll('.katex-error, mjx-merror').length"


def heaviest_page(site: Path) -> Path:
    """The English chapter page with the most ``class="katex"`` elements (no print or notebook pages)."""
    def weight(page: Path) -> int:
        html = page.read_text(encoding="utf-8")
        chapter = ('<html lang="en"' in html and page.relative_to(site).parts[0] != "print"
                   and not any(page.parent.glob("*.ipynb")))
        return html.count('class="katex"') if chapter else -1
    return max(site.rglob("index.html"), key=weight)


def formula_end(html: str, start: int) -> int:
    """The end of the ``<span>`` element opening at ``start``."""
    depth = 0
    for tag in SPAN_TAG.finditer(html, start):
        depth += 1 if tag.group() == "<span" else -1
        if depth == 0:
            return tag.end()
    raise ValueError(f"unclosed <span> at {start}")


def tex_source(html: str) -> tuple[str, int]:
    """``html`` with each KaTeX formula replaced by its TeX as arithmatex emits it, and the formula count."""
    parts, pos, count = [], 0, 0
    while match := FORMULA.search(html, pos):
        end = formula_end(html, match.start())
        tex = TEX.search(html, match.start(), end).group(1)
        left, right = (r"\[", r"\]") if match.group(1) else (r"\(", r"\)")
        parts += [html[pos:match.start()], f'<span class="arithmatex">{left}{tex}{right}</span>']
        pos, count = end, count + 1
    source = "".join(parts) + html[pos:]
    assert not FORMULA.search(source.split("<body", 1)[1]), "a KaTeX formula was left unconverted"
    return source, count


def with_scripts(html: str, head: str, body: str) -> str:
    """``html`` without the KaTeX stylesheet and font preloads, ``head`` in their place and ``body``
    before ``</body>``."""
    html, replaced = KATEX_CSS.subn(lambda _: head, FONT_PRELOAD.sub("", html))
    assert replaced == 1, "expected one KaTeX stylesheet link"
    return html.replace("</body>", body + "</body>", 1)


def mathjax_page(source: str, up: str) -> str:
    """Material's documented MathJax recipe: a config script, then ``tex-mml-chtml.js``."""
    return with_scripts(source, "", f'<script src="{up}_bench/mathjax-config.js"></script>'
                                    f'<script src="{up}_bench/mathjax/tex-mml-chtml.js"></script>')


def client_katex_page(source: str, up: str) -> str:
    """KaTeX's CSS, script and auto-render, rendering on DOMContentLoaded."""
    return with_scripts(source, f'<link rel="stylesheet" href="{up}_bench/katex/katex.min.css">',
                        f'<script src="{up}_bench/katex/katex.min.js"></script>'
                        f'<script src="{up}_bench/katex/contrib/auto-render.min.js"></script>'
                        f'<script src="{up}_bench/katex-render.js"></script>')


def up_to_root(path: str) -> str:
    """The relative URL prefix from the page at ``path`` to the site root."""
    return "../" * path.count("/")


def prepare(site: Path, copy: Path) -> tuple[dict[str, str], int]:
    """Copy ``site`` and the client renderers into ``copy``; the variants' paths there and the formula count."""
    shutil.copytree(site, copy)
    page = heaviest_page(copy)
    bench = copy / "_bench"
    shutil.copytree(ROOT / "node_modules/mathjax/es5", bench / "mathjax")
    shutil.copytree(ROOT / "node_modules/katex/dist", bench / "katex")
    (bench / "mathjax-config.js").write_text(MATHJAX_CONFIG, encoding="utf-8")
    (bench / "katex-render.js").write_text(AUTO_RENDER, encoding="utf-8")

    build = page.relative_to(copy).as_posix()
    up = up_to_root(build)
    source, count = tex_source(page.read_text(encoding="utf-8"))
    pages = {}
    for variant, name, html in ((MATHJAX, "mathjax.html", mathjax_page(source, up)),
                                (CLIENT, "katex-client.html", client_katex_page(source, up))):
        assert html.count('class="arithmatex"') == count
        (page.parent / name).write_text(html, encoding="utf-8")
        pages[variant] = page.with_name(name).relative_to(copy).as_posix()
    return {**pages, BUILD: build}, count


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """A threaded HTTP server on 127.0.0.1 for ``folder`` that gzips text for clients that accept it;
    yields its base URL."""
    class Gzipping(SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.translate_path(self.path)
            if os.path.isdir(path):
                path = os.path.join(path, "index.html")
            kind = mimetypes.guess_type(path)[0] or ""
            if "gzip" not in self.headers.get("Accept-Encoding", "") or not os.path.isfile(path) \
                    or not kind.startswith(COMPRESSED):
                return super().do_GET()
            body = gzip.compress(Path(path).read_bytes(), compresslevel=6, mtime=0)
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Gzipping, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


def load(browser: Browser, url: str, formulas: int) -> dict:
    """One cold load of ``url``: time-to-math (ms), and bytes uncompressed and as transferred."""
    context = browser.new_context()
    try:
        page = context.new_page()
        responses = []
        page.on("response", lambda response: responses.append(response))  # a bound method is refused
        page.add_init_script(PROBE)
        page.goto(url, wait_until="commit")
        ms = page.evaluate("window.__timeToMath")
        assert page.evaluate(RENDERED_COUNT) == formulas, f"not every formula rendered: {url}"
        assert page.evaluate(ERROR_COUNT) == 0, f"a formula failed to render: {url}"
        page.wait_for_load_state("networkidle")
        urls = [r.url for r in responses]
        assert all(urlsplit(u).hostname == "127.0.0.1" for u in urls), f"a request left 127.0.0.1: {urls}"
        return {"ms": ms, "bytes": sum(len(r.body()) for r in responses),
                "transferred": sum(r.request.sizes()["responseBodySize"] for r in responses)}
    finally:
        context.close()


def summary(samples: dict[str, list[dict]]) -> list[dict]:
    """One row per variant with its medians; the build-time row carries, per target, the median of
    the per-round ratios (each against the baseline's load in the same round) and the verdict."""
    rows = []
    for variant, loads in samples.items():
        row = {"variant": variant, **{measure: statistics.median(load[measure] for load in loads)
                                      for measure in ("ms", "bytes", "transferred")}}
        if variant == BUILD:
            for column, measure, baseline, target in TARGETS:
                ratio = statistics.median(a[measure] / b[measure] for a, b in zip(loads, samples[baseline]))
                row[column] = {"ratio": ratio, "target": target, "pass": None if target is None else ratio <= target}
        rows.append(row)
    return rows


def run(site_dir: Path, runs: int = 5) -> list[dict]:
    """Median time-to-math and bytes per variant over ``runs`` interleaved cold loads, with the target ratios."""
    with tempfile.TemporaryDirectory(prefix="math-render-") as tmp, sync_playwright() as pw:
        copy = Path(tmp) / "site"
        pages, formulas = prepare(Path(site_dir), copy)
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        with serve(copy) as base:
            load(browser, base + pages[BUILD], formulas)  # a warm-up load
            samples = {variant: [] for variant in pages}
            for _ in range(runs):
                for variant, path in pages.items():
                    samples[variant].append(load(browser, base + path, formulas))
        browser.close()
    rows = summary(samples)
    for row in rows:
        row.update(page=pages[BUILD], formulas=formulas, runs=runs)
    return rows


def table(rows: list[dict]) -> str:
    """The rows as a text table, with each target and PASS/MISS."""
    first = rows[0]
    verdicts = {True: "PASS", False: "MISS", None: "    "}
    lines = [f"{first['page']}: {first['formulas']} formulas, median of {first['runs']} interleaved cold loads",
             f"{'variant':<20}{'ms':>8}{'KB':>8}{'KB sent':>9}"
             + "".join(f"{c + ' <= ' + str(t) if t else c:>28}" for c, _, _, t in TARGETS)]
    for row in rows:
        cells = "".join(f"{row[c]['ratio']:>23.2f} {verdicts[row[c]['pass']]}" if c in row else " " * 28
                        for c, _, _, _ in TARGETS)
        lines.append(f"{row['variant']:<20}{row['ms']:>8.0f}{row['bytes'] / 1000:>8.0f}"
                     f"{row['transferred'] / 1000:>9.0f}{cells}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="an already built site (default: site/)")
    parser.add_argument("--runs", type=int, default=5, help="cold loads per variant (default: 5)")
    args = parser.parse_args(argv)
    rows = run(args.site, args.runs)
    print(table(rows))
    return 0 if all(row[c]["pass"] is not False for row in rows if row["variant"] == BUILD for c, _, _, _ in TARGETS) else 1


if __name__ == "__main__":
    sys.exit(main())
