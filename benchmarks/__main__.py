"""`make bench`: every benchmark of the project, printed as one table and kept in
``benchmarks/results.json`` with the machine it ran on, for the Performance page.

Figures are measured, never asserted: a miss is printed with its target, and the page explains it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from benchmarks import builds, edit_loop, explorable, long_spans, math_render

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).with_name("results.json")


def machine() -> dict:
    """What the figures depend on: processor, cores, memory, Python."""
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30 if hasattr(os, "sysconf") else None
    return {"processor": cpu, "cores": os.cpu_count(), "memory GiB": round(memory, 1) if memory else None,
            "python": platform.python_version(), "system": platform.platform(terse=True)}


def test_suite() -> float:
    """Seconds for ``make test`` after set-up (a failure is reported, and still timed)."""
    start = time.perf_counter()
    done = subprocess.run(["make", "--no-print-directory", "test"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        print(f"the test suite failed while being timed:\n{done.stdout[-1500:]}", file=sys.stderr)
    return time.perf_counter() - start


def attempt(failed: list[str], name: str, benchmark, *args):
    """``benchmark(*args)``, or None when it fails: the failure is printed and ``name`` noted in ``failed``,
    so that one broken benchmark does not cost the figures of the others."""
    try:
        return benchmark(*args)
    except Exception as error:  # noqa: BLE001 - any failure of a benchmark is reported, and the run goes on
        print(f"benchmark {name} failed, its figures are left out: {error}", file=sys.stderr)
        failed.append(name)
        return None


def rows(runs: int, with_tests: bool, failed: list[str]) -> list[dict]:
    """One row per figure: what, measured, unit, target, and whether it is met; the names of the benchmarks
    that failed are added to ``failed``."""
    found = []

    def row(name, value, unit, target=None):
        found.append({"name": name, "value": round(value, 3), "unit": unit, "target": target,
                      "met": None if target is None else value <= target})

    spans = long_spans.run(runs)
    row("long spans: span_log_norms / bare loop (k = 10 000, n = 128)", spans["ratio"], "×", long_spans.TARGET)
    build = builds.cold_and_warm(runs)
    row("cold build (both languages, every derivation and notebook)", build["cold"], "s", builds.TARGETS["cold"])
    row("warm rebuild", build["warm"], "s")
    row("floor: bare build of the finished pages", build["floor"], "s")
    row("warm rebuild / floor", build["warm / floor"], "×", builds.TARGETS["warm / floor"])
    loop = attempt(failed, "edit_loop", edit_loop.run, runs)
    if loop:
        row("make serve: prose saved → page shows it", loop["prose"], "s", edit_loop.TARGETS["prose"])
        row("make serve: step text saved → page shows it", loop["text"], "s", edit_loop.TARGETS["text"])
        row("make serve: derivation saved → page shows it", loop["derivation"], "s",
            round(loop["derivation alone"] + edit_loop.TARGETS["derivation slack"], 3))
        row("rnn.step-jacobian derived alone", loop["derivation alone"], "s")
        row("floor: bare mkdocs-material serve, prose saved → page shows it", loop["floor"], "s")
        for name, what in (("prose", "prose"), ("text", "step text"), ("derivation", "derivation")):
            row(f"make serve: {what} / floor", loop[f"{name} / floor"], "×")
    with tempfile.TemporaryDirectory() as tmp:
        builds.build(ROOT / "mkdocs.yml", Path(tmp) / "site", ROOT / ".cache")
        variants = math_render.run(Path(tmp) / "site", runs)
        explored = explorable.run(Path(tmp) / "site", runs)
    row("explorable: bytes it adds to its page (figure, script, stylesheet)", explored["bytes"] / 1000, "KB", 60.0)
    row("explorable: the same, gzipped", explored["gzipped"] / 1000, "KB")
    row("explorable: slider change → plot redrawn (k = 1000, n = 64)", explored["redrawn"], "ms", explorable.TARGET_MS)
    row("explorable: slider change → plot complete (k = 1000, n = 64)", explored["complete"], "ms")
    for variant in variants:
        row(f"time to math, {variant['variant']} ({variant['page']})", variant["ms"], "ms")
        row(f"bytes, {variant['variant']} ({variant['page']})", variant["bytes"] / 1000, "KB")
        row(f"transferred, {variant['variant']} ({variant['page']})", variant["transferred"] / 1000, "KB")
    for variant in variants:
        for column, _, baseline, target in math_render.TARGETS:
            if column in variant:
                row(f"{column.split('/')[0]}: {variant['variant']} / {baseline}", variant[column]["ratio"], "×",
                    target if variant["variant"] == math_render.BUILD else None)
    if with_tests:
        row("make test after set-up", test_suite(), "s", 120.0)
    else:
        failed.append("test_suite (--no-tests)")
    return found


def table(figures: list[dict]) -> str:
    width = max(len(f["name"]) for f in figures)
    lines = []
    for f in figures:
        verdict = "" if f["target"] is None else f"  target ≤ {f['target']:g}  {'met' if f['met'] else 'MISSED'}"
        lines.append(f"{f['name']:<{width}}  {f['value']:>10.3f} {f['unit']}{verdict}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (the median is kept); at least 5")
    parser.add_argument("--no-tests", action="store_true", help="skip timing the test suite")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs: the issue asks for the median of at least 5 runs")
    failed: list[str] = []
    figures = rows(args.runs, not args.no_tests, failed)
    print(table(figures))
    if failed:
        print(f"not measured (failed): {', '.join(failed)}", file=sys.stderr)
    result = {"date": datetime.now(timezone.utc).strftime("%Y-%m-%d"), "machine": machine(), "runs": args.runs,
              "figures": figures, "failed": failed}
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"written to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
