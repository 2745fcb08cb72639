"""Python-Markdown extension: ``::: benchmarks [lang=zh]`` becomes the table of the latest ``make bench``
(``benchmarks/results.json`` beside the pages' folder), with the date and the machine it ran on.

The figures are never typed into a page: the page shows what the benchmark wrote.
"""

from __future__ import annotations

import json
import re

from ..translations import translate
from .docs_extension import DocsExtension, DocsPreprocessor, MarkerPreprocessor

MARKER = re.compile(r"^::: benchmarks(?: lang=(?P<lang>en|zh))? *$")
HEADER = {"en": "| Figure | Measured | Target | |\n|---|---:|---:|---|",
          "zh": "| 指标 | 测量值 | 目标 | |\n|---|---:|---:|---|"}
VERDICT = {"en": {True: "met", False: "**missed**", None: ""}, "zh": {True: "达到", False: "**未达到**", None: ""}}
MISSING = {"en": "No benchmark results yet: run `make bench`.", "zh": "尚无基准测试结果：请运行 `make bench`。"}
FAILED = {"en": "Not measured in this run (a benchmark that failed prints its reason in the output of "
                "`make bench`): {names}.",
          "zh": "本次运行未测得以下基准（失败的基准会在 `make bench` 的输出中给出原因）：{names}。"}
MACHINE = {"en": "Measured on {date} with the median of {runs} runs, on {processor}, {cores} cores, "
                 "{memory} GiB of memory, Python {python}.",
           "zh": "测量于 {date}，取 {runs} 次运行的中位数；机器：{processor}，{cores} 核，内存 {memory} GiB，Python {python}。"}


class BenchmarksPreprocessor(MarkerPreprocessor, DocsPreprocessor):
    marker = MARKER

    def expand(self, match) -> list[str]:
        lang = match["lang"] or "en"
        path = self.docs_dir.parent / "benchmarks" / "results.json"
        if not path.is_file():  # before the first `make bench` (tests/test_benchmarks.py requires the file)
            return ["", MISSING[lang], ""]
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [HEADER[lang]]
        for figure in data["figures"]:
            name = translate(figure["name"], lang, "benchmarks/results.json")
            target = "" if figure["target"] is None else f"≤ {figure['target']:g} {figure['unit']}"
            value = f"{figure['value']:.0f}" if abs(figure["value"]) >= 100 else f"{figure['value']:.3g}"
            rows.append(f"| {name} | {value} {figure['unit']} | {target} | {VERDICT[lang][figure['met']]} |")
        machine = data["machine"]
        note = MACHINE[lang].format(date=data["date"], runs=data["runs"], processor=machine["processor"],
                                    cores=machine["cores"], memory=machine["memory GiB"], python=machine["python"])
        failed = [FAILED[lang].format(names=", ".join(f"`{name}`" for name in data["failed"]))] if data.get("failed") else []
        return ["", *rows, "", note, "", *failed, ""]


class BenchmarksExtension(DocsExtension):
    processor, name, priority = BenchmarksPreprocessor, "benchmarks", 5


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return BenchmarksExtension(**kwargs)
