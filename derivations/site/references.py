"""Python-Markdown extension: ``::: references KEY [KEY …] [lang=zh]`` becomes the page's bibliography.

Entries come from :data:`derivations.references.WORKS`, the same records that produce the
site's ``references.bib``; an unknown key fails the build naming it.
"""

from __future__ import annotations

import difflib
import re

from markdown import Extension

from ..references import WORKS
from .docs_extension import MarkerPreprocessor

MARKER = re.compile(r"^::: references((?: +[a-z0-9]+)+?)(?: +lang=(?P<lang>en|zh))? *$")
HEADING = {"en": "References", "zh": "参考文献"}
DOWNLOAD = {"en": "All references as BibTeX", "zh": "全部参考文献（BibTeX）"}


class ReferencesPreprocessor(MarkerPreprocessor):
    marker = MARKER

    def expand(self, match) -> list[str]:
        keys, lang = match[1].split(), match["lang"] or "en"
        lines = [f"## {HEADING[lang]} {{#references}}", ""]
        for key in keys:
            if key not in WORKS:
                close = difflib.get_close_matches(key, list(WORKS), n=3)
                hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
                raise KeyError(f"'::: references': unknown reference key {key!r}{hint}")
            lines.append(f"- {WORKS[key].text()}")
        return lines + ["", f"[{DOWNLOAD[lang]}](downloads/references.bib)", ""]


class ReferencesExtension(Extension):
    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.preprocessors.register(ReferencesPreprocessor(md), "references", 6)


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return ReferencesExtension(**kwargs)
