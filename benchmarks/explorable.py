"""The explorable on "Why gradients vanish or explode": the bytes it adds to the page, and the time from a
slider change to the redrawn plot at the largest settings (k = 1000, n = 64), in Chromium.

The plot is redrawn after the first slice of computing and then after every slice until the k products of
n×n step Jacobians are done. The slider is moved from the keyboard, as a reader would (one arrow key press,
one step of γλ₁), and the browser's own Event Timing reports the time from the key press to the next painted
frame, the measure behind Interaction to Next Paint; it reports nothing under 16 ms, which is then counted as
16 ms. Target for the redrawn plot: 50 ms. The complete curve is timed to the figure's "done" state.
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

DONE = "document.querySelector('figure.explorable').dataset.state === 'done'"
COMPLETE = "document.querySelector('figure.explorable').dataset.milliseconds"  # from the change to the whole curve
OBSERVE = """() => {
    window.interactions = new Map();  // interactionId: the longest event duration (key press to next paint)
    new PerformanceObserver((list) => {
        for (const e of list.getEntries())
            if (e.interactionId) interactions.set(e.interactionId, Math.max(e.duration, interactions.get(e.interactionId) || 0));
    }).observe({type: 'event', durationThreshold: 16});
}"""
LATENCY = """async () => {
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 100)));  // entries arrive after the paint
    const latencies = [...interactions.values()]; interactions.clear();
    return latencies.length ? Math.max(...latencies) : 16;
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
        tab.wait_for_function(DONE, timeout=120_000)
        tab.evaluate(OBSERVE)
        slider = tab.locator("#explorable-ratio")
        for index in range(runs):
            slider.focus()
            tab.keyboard.press("ArrowLeft" if index % 2 else "ArrowRight")
            tab.wait_for_function(DONE, polling="raf", timeout=120_000)
            samples.append({"redrawn": tab.evaluate(LATENCY), "complete": float(tab.evaluate(COMPLETE))})
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
