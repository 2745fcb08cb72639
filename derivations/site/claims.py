"""Python-Markdown extension: a line ``::: claims`` becomes the adjudicated claims of the notes.

Each claim of :data:`derivations.claims.CLAIMS` is written out as Markdown (a heading with the
anchor ``claim-<id>`` and an admonition coloured by its status), with links to the pages that
place its evidence, found by scanning ``docs_dir`` for ``::: eq <id>`` lines. Because the links
are Markdown, MkDocs resolves and validates them like any other link.
"""

from __future__ import annotations

from pathlib import Path

from markdown import Extension
from markdown.preprocessors import Preprocessor

from ..claims import CLAIMS
from .equations import MARKER, EquationError

ADMONITION = {"verified": "success", "refined": "info", "corrected": "warning"}


def equation_pages(docs_dir: Path) -> dict[str, str]:
    """Which page (path relative to ``docs_dir``) places each equation id."""
    pages = {}
    for path in sorted(docs_dir.rglob("*.md")):
        for line in path.read_text(encoding="utf-8").splitlines():
            match = MARKER.match(line.strip())
            if match:
                pages.setdefault(match["id"], path.relative_to(docs_dir).as_posix())
    return pages


class ClaimsPreprocessor(Preprocessor):
    def __init__(self, md, docs_dir: str):
        super().__init__(md)
        self.docs_dir = Path(docs_dir)

    def run(self, lines):
        if not any(line.strip() == "::: claims" for line in lines):
            return lines
        pages = equation_pages(self.docs_dir)
        out = []
        for line in lines:
            out.extend(self._claims(pages) if line.strip() == "::: claims" else [line])
        return out

    def _claims(self, pages: dict[str, str]) -> list[str]:
        lines = []
        for number, claim in enumerate(CLAIMS, 1):
            links = []
            for eid in claim.evidence:
                if eid not in pages:
                    raise EquationError(f"claim {claim.id!r} cites equation {eid!r}, which no page in "
                                        f"{self.docs_dir} places")
                links.append(f"[`{eid}`]({pages[eid]}#eq-{eid})")
            lines += [
                f"## {number}. {claim.title} {{#claim-{claim.id}}}",
                "",
                f'!!! {ADMONITION[claim.status]} "{claim.status.capitalize()}"',
                "",
                f"    **The notes:** {claim.notes}",
                "",
                f"    **Checked:** {claim.verdict}",
                "",
                f"    **Evidence:** {', '.join(links)}; the status is recomputed by "
                f"`tests/test_claims.py::test_status_is_decided_by_the_mathematics[{claim.id}]`.",
                "",
            ]
        return lines


class ClaimsExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"docs_dir": ["docs", "The folder of the pages, to find where each equation is placed."]}
        super().__init__(**kwargs)

    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.preprocessors.register(ClaimsPreprocessor(md, self.getConfig("docs_dir")), "claims", 5)


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return ClaimsExtension(**kwargs)
