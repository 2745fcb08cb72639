"""Python-Markdown extension: a line ``::: claims [lang=zh]`` becomes the adjudicated claims of the notes.

Each claim of :data:`derivations.claims.CLAIMS` is written out as Markdown (a heading with the
anchor ``claim-<id>`` and an admonition coloured by its status), with links to the pages that
place its evidence, found by scanning ``docs_dir`` for ``::: eq <id>`` lines. Because the links
are Markdown, MkDocs resolves and validates them like any other link.
"""

from __future__ import annotations

import re
from pathlib import Path


from ..claims import CLAIMS
from ..translations import translate
from .chapters import PRINT_PAGES
from .docs_extension import DocsExtension, DocsPreprocessor
from .equations import MARKER as EQUATION_MARKER
from .equations import EquationError

MARKER = re.compile(r"^::: claims(?: lang=(?P<lang>en|zh))? *$")
ADMONITION = {"verified": "success", "refined": "info", "corrected": "warning"}
LABELS = {
    "en": {"verified": "Verified", "refined": "Refined", "corrected": "Corrected", "notes": "The notes:",
           "checked": "Checked:", "evidence": "Evidence:", "test": "the status is recomputed by"},
    "zh": {"verified": "已验证", "refined": "已细化", "corrected": "已更正", "notes": "原笔记：",
           "checked": "核查结论：", "evidence": "依据：", "test": "该结论由以下测试重新计算："},
}


def equation_pages(docs_dir: Path) -> dict[str, str]:
    """Which page (path relative to ``docs_dir``, default language) places each equation id."""
    pages = {}
    for path in sorted(docs_dir.rglob("*.md")):
        if len(path.suffixes) > 1 or PRINT_PAGES.match(path.name):  # translations and print editions
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            match = EQUATION_MARKER.match(line.strip())
            if match:
                pages.setdefault(match["id"], path.relative_to(docs_dir).as_posix())
    return pages


class ClaimsPreprocessor(DocsPreprocessor):
    def run(self, lines):
        if not any(MARKER.match(line.strip()) for line in lines):
            return lines
        pages = equation_pages(self.docs_dir)
        out = []
        for line in lines:
            match = MARKER.match(line.strip())
            out.extend(self._claims(pages, match["lang"] or "en") if match else [line])
        return out

    def _claims(self, pages: dict[str, str], lang: str) -> list[str]:
        label, lines = LABELS[lang], []
        for number, claim in enumerate(CLAIMS, 1):
            links = []
            for eid in claim.evidence:
                if eid not in pages:
                    raise EquationError(f"claim {claim.id!r} cites equation {eid!r}, which no page in "
                                        f"{self.docs_dir} places")
                links.append(f"[`{eid}`]({pages[eid]}#eq-{eid})")
            text = {field: translate(getattr(claim, field), lang, f"claim {claim.id!r} ({field})")
                    for field in ("title", "notes", "verdict")}
            lines += [
                f"## {number}. {text['title']} {{#claim-{claim.id}}}",
                "",
                f'!!! {ADMONITION[claim.status]} "{label[claim.status]}"',
                "",
                f"    **{label['notes']}** {text['notes']}",
                "",
                f"    **{label['checked']}** {text['verdict']}",
                "",
                f"    **{label['evidence']}** {', '.join(links)}; {label['test']} "
                f"`tests/test_claims.py::test_status_is_decided_by_the_mathematics[{claim.id}]`.",
                "",
            ]
        return lines


class ClaimsExtension(DocsExtension):
    processor, name, priority = ClaimsPreprocessor, "claims", 5


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return ClaimsExtension(**kwargs)
