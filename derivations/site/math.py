"""Python-Markdown extension: ``$…$`` and ``$$ … $$`` in prose, typeset at build time by KaTeX.

Use it for notation in running text. Equations that a derivation produces are placed with
``::: eq <id>`` (see :mod:`derivations.site.equations`), never typed here.

It also keeps every inline formula of a page, whichever extension typeset it, on one line with a
closing Chinese punctuation mark that follows it (:class:`KeepClosingPunctuationWithMath`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor

from . import katex

INLINE = r"(?<![\\$])\$(?![\s$])((?:\\.|[^\\$])+?)(?<!\s)\$(?!\d)"
"""``$x$``: no space just inside the dollars, not followed by a digit (so ``$5 and $6`` is prose)."""


def _stash(md, html: str) -> str:
    return md.htmlStash.store(html)


class InlineMathProcessor(InlineProcessor):
    def handleMatch(self, m, data):
        latex = m.group(1)
        html = katex.render(latex, False, f"inline math ${latex}$")
        return _stash(self.md, html), m.start(0), m.end(0)


class EscapedDollarProcessor(InlineProcessor):
    """``\\$`` is a literal dollar sign."""

    def handleMatch(self, m, data):
        return "$", m.start(0), m.end(0)


class DisplayMathProcessor(BlockProcessor):
    """A block that starts with ``$$`` and ends with ``$$`` (it may span several blocks)."""

    def test(self, parent, block):
        return block.lstrip().startswith("$$")

    def run(self, parent, blocks):
        text = blocks.pop(0).strip()[2:]
        while not text.rstrip().endswith("$$"):
            if not blocks:
                raise katex.MathError(f"display math starting '$${text[:40]}' has no closing $$")
            text += "\n\n" + blocks.pop(0)
        latex = text.rstrip()[:-2].strip()
        html = katex.render(latex, True, f"display math $${latex}$$")
        p = etree.SubElement(parent, "p")
        p.text = _stash(self.parser.md, html)


CLOSING_PUNCTUATION = "，。、；：？！）」』”’》〉】〕〗］｝"
"""Full-width marks that must never begin a line (Chinese typesetting's line-start prohibition)."""

INLINE_KATEX = '<span class="katex">'
KATEX_HTML = '<span class="katex-html" aria-hidden="true">'
NOBREAK = '<span class="katex-nobreak" style="white-space:nowrap">'
BREAKABLE = '<span class="katex-breakable" style="white-space:normal">'
SPAN_TAG = re.compile(r"<span\b|</span>")


def _span_end(html: str, start: int) -> int:
    """The index just after the ``</span>`` that closes the ``<span`` at ``start``."""
    depth = 0
    for tag in SPAN_TAG.finditer(html, start):
        depth += 1 if tag[0] == "<span" else -1
        if depth == 0:
            return tag.end()
    raise katex.MathError(f"unbalanced KaTeX HTML: {html[start:start + 80]!r}")


def _glued(formula: str, marks: str) -> str:
    """``formula`` (one inline KaTeX span) and the closing ``marks`` after it, unbreakable between them."""
    inner = formula.find(KATEX_HTML)
    if inner < 0:
        return NOBREAK + formula + marks + "</span>"
    boxes, at = [], inner + len(KATEX_HTML)
    html_end = _span_end(formula, inner)
    while formula.startswith("<span", at) and at < html_end:
        boxes.append(at)
        at = _span_end(formula, at)
    if len(boxes) > 1:  # every box but the last may still end a line, as without the marks
        formula = formula[:boxes[0]] + BREAKABLE + formula[boxes[0]:boxes[-1]] + "</span>" + formula[boxes[-1]:]
    return NOBREAK + formula + marks + "</span>"


class KeepClosingPunctuationWithMath(Postprocessor):
    """No line may start with a closing mark such as "，" that follows an inline formula.

    Between two characters, line breaking never puts a break before "，". KaTeX, though, sets a
    formula as a row of inline-block boxes (``katex-base``), and Chromium offers a break after an
    inline-block box whatever character follows it: a formula followed by "，" could end a line and
    leave "，" to start the next. A word joiner (U+2060) between them does not stop it, and neither
    does a ``white-space: nowrap`` span around the formula and the mark alone while the formula's
    own spans allow wrapping. So the formula and the marks go into a ``nowrap`` span, and the
    formula's boxes except the last into a span that allows wrapping again: a long formula can still
    break between its boxes as before, but never just before the mark.

    It runs on the page's finished HTML, after the stashed formulas are back in place, so that it
    reaches inline formulas from every extension (``$…$``, ``{eq-tex:…}``, ``{num:…}``).
    """

    def run(self, text: str) -> str:
        if INLINE_KATEX not in text:
            return text
        out, done = [], 0
        start = text.find(INLINE_KATEX)
        while start >= 0:
            end = _span_end(text, start)
            marks = end
            while marks < len(text) and text[marks] in CLOSING_PUNCTUATION:
                marks += 1
            if marks > end:
                out += [text[done:start], _glued(text[start:end], text[end:marks])]
                done = marks
            start = text.find(INLINE_KATEX, marks)
        out.append(text[done:])
        return "".join(out)


class MathExtension(Extension):
    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.inlinePatterns.register(EscapedDollarProcessor(r"\\\$", md), "escaped-dollar", 186)
        md.inlinePatterns.register(InlineMathProcessor(INLINE, md), "inline-math", 185)
        md.parser.blockprocessors.register(DisplayMathProcessor(md.parser), "display-math", 95)
        # after the raw HTML postprocessor (30), which puts the stashed formulas back
        md.postprocessors.register(KeepClosingPunctuationWithMath(md), "math-closing-punctuation", 25)


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return MathExtension(**kwargs)


__all__ = ["MathExtension", "makeExtension"]
