"""Python-Markdown extension: a line ``::: claims [lang=zh]`` becomes the adjudicated claims of the notes,
and a line ``!!! notes <claim-id> "subtitle" [lang=zh]`` becomes a chapter's box about one claim.

Each claim of :data:`derivations.claims.CLAIMS` is written out as Markdown (a heading with the
anchor ``claim-<id>`` and an admonition coloured by its status), with the notes' own words and
their line, and links to the pages that place its evidence, found by scanning ``docs_dir`` for
``::: eq <id>`` lines. Because the links are Markdown, MkDocs resolves and validates them like
any other link. A chapter's box takes its type and the start of its heading from the claim's
status, so a chapter cannot call a refinement a correction; an unknown claim id fails the build.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path


from .. import serving
from ..claims import CLAIMS
from ..translations import translate
from .chapters import PRINT_PAGES
from .docs_extension import DocsExtension, DocsPreprocessor, MarkerPreprocessor
from .equations import MARKER as EQUATION_MARKER
from .equations import EquationError

MARKER = re.compile(r"^::: claims(?: lang=(?P<lang>en|zh))? *$")
ADMONITION = {"verified": "success", "refined": "info", "corrected": "warning"}
LABELS = {
    "en": {"verified": "Verified", "refined": "Refined", "corrected": "Corrected", "notes": "The notes, line {line}:",
           "paraphrase": " — in our words:", "checked": "Checked:", "evidence": "Evidence:",
           "test": "the status is recomputed by"},
    "zh": {"verified": "已验证", "refined": "已细化", "corrected": "已更正", "notes": "原笔记第 {line} 行：",
           "paraphrase": "——转述：", "checked": "核查结论：", "evidence": "依据：", "test": "该结论由以下测试重新计算："},
}
BOX = re.compile(r'^!!! notes (?P<id>\S+) "(?P<subtitle>[^"]+)"(?: lang=(?P<lang>en|zh))? *$')
BOX_HEADINGS = {
    "en": {"verified": "Confirmation of the source notes: ", "refined": "Refinement of the source notes: ",
           "corrected": "Correction to the source notes: "},
    "zh": {"verified": "对原笔记的验证：", "refined": "对原笔记的细化：", "corrected": "对原笔记的更正："},
}
INLINE_LATEX = re.compile(r"\\\(\s*(.+?)\s*\\\)")
CHINESE = re.compile(r"[\u4e00-\u9fff]")


class ClaimError(ValueError):
    """A page names a claim that :data:`derivations.claims.CLAIMS` does not have."""


def quote_markdown(quote: str) -> str:
    """The notes' words as Markdown: ``\\( … \\)`` becomes ``$…$``, and a quote without Chinese is one formula."""
    if not CHINESE.search(quote):
        return f"${quote}$"
    return INLINE_LATEX.sub(lambda match: f"${match[1]}$", quote)


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


def shown_fields() -> tuple:
    """What pages show of the claims (not the rules that decide them): a page that shows claims is
    rebuilt while serving only when this changes."""
    return tuple((c.id, c.title, c.line, c.quote, c.notes, c.verdict, c.status, c.evidence) for c in CLAIMS)


class ClaimsPreprocessor(DocsPreprocessor):
    def run(self, lines):
        if not any(MARKER.match(line.strip()) for line in lines):
            return lines
        serving.depends("claims", "all", shown_fields())
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
                f"    **{label['notes'].format(line=claim.line)}** 「{quote_markdown(claim.quote)}」"
                f"{label['paraphrase']} {text['notes']}",
                "",
                f"    **{label['checked']}** {text['verdict']}",
                "",
                f"    **{label['evidence']}** {', '.join(links)}; {label['test']} "
                f"`tests/test_claims.py::test_status_is_decided_by_the_mathematics[{claim.id}]`.",
                "",
            ]
        return lines


class BoxPreprocessor(MarkerPreprocessor):
    """``!!! notes <claim-id> "subtitle" [lang=zh]`` → the admonition for that claim's status, in that language."""

    marker = BOX

    def expand(self, match):
        serving.depends("claims", "all", shown_fields())
        claims = {claim.id: claim for claim in CLAIMS}
        claim = claims.get(match["id"])
        if claim is None:
            close = difflib.get_close_matches(match["id"], claims, n=3)
            hint = f"did you mean {', '.join(close)}?" if close else f"known: {', '.join(claims)}"
            raise ClaimError(f"'{match[0]}': no claim {match['id']!r} in derivations/claims.py; {hint}")
        heading = BOX_HEADINGS[match["lang"] or "en"][claim.status] + match["subtitle"]
        return [f'!!! {ADMONITION[claim.status]} "{heading}"']


class ClaimsExtension(DocsExtension):
    processor, name, priority = ClaimsPreprocessor, "claims", 5

    def extendMarkdown(self, md):
        super().extendMarkdown(md)
        md.preprocessors.register(BoxPreprocessor(md), "claim-boxes", 6)  # after ::: chapter (7) inlines pages


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return ClaimsExtension(**kwargs)
