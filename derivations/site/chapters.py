"""Python-Markdown extension: ``::: chapter <page.md>`` inlines a whole page, for the print edition.

Each inlined page starts a new equation numbering, so equations carry the numbers they have on
the site. A missing page fails the build naming it, and so does an unknown id, clause or number
in an inlined page: the error names that page, not the print edition. Pages that use this marker are print
editions: the site's scans for where an equation lives skip them (:data:`PRINT_PAGES`).
"""

from __future__ import annotations

import re

from .. import serving
from .docs_extension import DocsExtension, DocsPreprocessor


MARKER = re.compile(r"^::: chapter (?P<page>\S+\.md) *$")
RESTART = "::: eq-numbering restart"
PRINT_PAGES = re.compile(r"^print(\.\w+)?\.md$")


class ChapterPreprocessor(DocsPreprocessor):
    def run(self, lines):
        out = []
        for line in lines:
            match = MARKER.match(line.strip())
            if not match:
                out.append(line)
                continue
            path = self.docs_dir / match["page"]
            if not path.is_file():
                raise FileNotFoundError(f"'::: chapter {match['page']}': no such page in {self.docs_dir}")
            text = path.read_text(encoding="utf-8")
            serving.depends("page", match["page"], text)
            from .equations import validate  # the equations extension marks chapter starts with RESTART

            validate(text, f"{match['page']} (inlined by the print edition)")
            out += ["", f"{RESTART} {match['page']}", "", *text.splitlines(), ""]
        return out


class ChapterExtension(DocsExtension):
    processor, name, priority = ChapterPreprocessor, "chapters", 7


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return ChapterExtension(**kwargs)
