"""Python-Markdown extension: ``::: equation-index [lang=zh]`` becomes a table of every equation.

One row per registered id, linked to the page that places it, with the equation's title, so
the list of citable ids is generated, never maintained by hand.
"""

from __future__ import annotations

import re

from .. import cache
from ..translations import translate
from .claims import equation_pages
from .docs_extension import DocsExtension, DocsPreprocessor, MarkerPreprocessor

MARKER = re.compile(r"^::: equation-index(?: lang=(?P<lang>en|zh))? *$")
HEADER = {"en": "| Id | Result |\n|---|---|", "zh": "| Id | 结果 |\n|---|---|"}


class EquationIndexPreprocessor(MarkerPreprocessor, DocsPreprocessor):
    marker = MARKER

    def expand(self, match) -> list[str]:
        lang = match["lang"] or "en"
        pages = equation_pages(self.docs_dir)
        rows = [HEADER[lang]]
        for eid, record in cache.records().items():
            title = translate(record["title"], lang, f"equation {eid!r} (title)")
            target = f"{pages[eid]}#eq-{eid}" if eid in pages else None
            rows.append(f"| [`{eid}`]({target}) | {title} |" if target else f"| `{eid}` | {title} |")
        return ["", *rows, ""]


class EquationIndexExtension(DocsExtension):
    processor, name, priority = EquationIndexPreprocessor, "equation-index", 5


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return EquationIndexExtension(**kwargs)
