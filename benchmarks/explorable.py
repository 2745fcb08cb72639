"""The explorable on "Why gradients vanish or explode": the bytes it adds to the page, and the time from a
slider change to the redrawn plot at the largest settings (k = 1000, n = 64), in Chromium.

The plot is redrawn after the first slice of computing and then after every slice until the k products of
n×n step Jacobians are done; both moments are measured, each up to the next painted frame. Target for the
redrawn plot: 50 ms.
"""

from __future__ import annotations

import gzip
import re
import shutil
import statistics
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks.math_render import serve

ROOT = Path(__file__).resolve().parents[1]
TARGET_MS = 50.0
LARGEST = {"width": 64, "span": 1000}
FIGURE = re.compile(r'<figure class="explorable".*?</figure>', re.S)

CHANGE = """async (value) => {
    const input = document.querySelector('#explorable-ratio'), figure = input.closest('figure');
    const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
    const start = performance.now();
    input.value = value;
    input.dispatchEvent(new Event('input', {bubbles: true}));
    await frame();
    const redrawn = performance.now() - start;
    while (figure.dataset.state !== 'done') await frame();
    return {redrawn, complete: performance.now() - start};
}"""


def added_bytes(site: Path) -> dict:
    """What the explorable adds to its page: the figure with its inline script, and its stylesheet."""
    page = (site / "why-vanish-explode" / "index.html").read_text(encoding="utf-8")
    figure = FIGURE.search(page)[0].encode("utf-8")
    css = (site / "assets" / "stylesheets" / "explorable.css").read_bytes()
    return {"bytes": len(figure) + len(css), "gzipped": len(gzip.compress(figure)) + len(gzip.compress(css))}


def run(site: Path, runs: int = 5) -> dict:
    """Median times over ``runs`` changes of the γλ₁ slider at the largest settings, and the bytes."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    samples = []
    with serve(site) as url, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
        tab = browser.new_page()
        tab.goto(f"{url}why-vanish-explode/", wait_until="load")
        for name, value in LARGEST.items():
            tab.locator(f"#explorable-{name}").fill(str(value))
        tab.wait_for_function("document.querySelector('figure.explorable').dataset.state === 'done'", timeout=120_000)
        for index in range(runs):
            samples.append(tab.evaluate(CHANGE, "1.2" if index % 2 else "0.8"))
        browser.close()
    return {**added_bytes(site), "redrawn": statistics.median(s["redrawn"] for s in samples),
            "complete": statistics.median(s["complete"] for s in samples)}


def main() -> None:
    """``python -m benchmarks.explorable``: build the site and print the explorable's figures alone."""
    import tempfile

    from benchmarks import builds

    with tempfile.TemporaryDirectory() as tmp:
        builds.build(ROOT / "mkdocs.yml", Path(tmp) / "site", ROOT / ".cache")
        figures = run(Path(tmp) / "site")
    print(f"bytes it adds: {figures['bytes'] / 1000:.1f} KB ({figures['gzipped'] / 1000:.1f} KB gzipped)")
    print(f"slider change → plot redrawn: {figures['redrawn']:.1f} ms (target ≤ {TARGET_MS:g} ms)")
    print(f"slider change → plot complete: {figures['complete']:.1f} ms")


if __name__ == "__main__":
    main()
