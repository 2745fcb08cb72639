"""Python-Markdown extension: ``$…$`` and ``$$ … $$`` in prose, typeset at build time by KaTeX.

Use it for notation in running text. Equations that a derivation produces are placed with
``::: eq <id>`` (see :mod:`derivations.site.equations`), never typed here.
"""

from __future__ import annotations

import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor

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


class MathExtension(Extension):
    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.inlinePatterns.register(EscapedDollarProcessor(r"\\\$", md), "escaped-dollar", 186)
        md.inlinePatterns.register(InlineMathProcessor(INLINE, md), "inline-math", 185)
        md.parser.blockprocessors.register(DisplayMathProcessor(md.parser), "display-math", 95)


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return MathExtension(**kwargs)


__all__ = ["MathExtension", "makeExtension"]
