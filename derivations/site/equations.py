"""Python-Markdown extension: ``::: eq <id>`` places a derived equation, ``{eq:<id>}`` cites it.

A whole line ``::: eq rnn.step-jacobian`` becomes the numbered equation with the anchor
``eq-rnn.step-jacobian``, its id, proofs, source and LaTeX for copying; ``::: eq <id> steps``
also shows the derivation steps. ``{eq:<id>}`` in prose links to an equation on the same page.
Everything shown comes from the derivation's cached record (:mod:`derivations.cache`).

Errors name the id: an unknown id (with the closest known ids), an id placed twice on a page,
a reference to an equation not on the page, and a marker the extension could not process.
"""

from __future__ import annotations

import html
import re
import xml.etree.ElementTree as etree

from markdown import Extension
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor

from .. import cache
from ..errors import DerivationError
from . import katex

MARKER = re.compile(r"^::: eq (?P<id>\S+)(?P<options>(?: +\S+)*) *$")
OPTIONS = {"steps"}
REFERENCE = r"\{eq:(?P<id>[^}\s]+)\}"
LEFTOVER = re.compile(r"::: ?eq\b|\{eq:")
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S)


class EquationError(ValueError):
    """A page's use of an equation is wrong; the message names the id."""


INLINE_MATH = re.compile(r"\$([^$]+)\$")


def _math(latex: str, equation_id: str, what: str) -> str:
    return katex.render(latex, True, f"equation {equation_id!r} ({what})")


def _text(text: str, equation_id: str, what: str) -> str:
    """A step's explanation as HTML: plain text, with ``$…$`` typeset inline."""
    pieces = INLINE_MATH.split(text)
    return "".join(
        katex.render(piece, False, f"equation {equation_id!r} ({what})") if i % 2 else html.escape(piece)
        for i, piece in enumerate(pieces)
    )


def equation_html(record: dict, number: int, steps: bool) -> str:
    """The HTML inside one placed equation's ``<div class="eq" id="eq-<id>">``."""
    eid, esc = record["id"], html.escape
    src = record["source"]
    parts = [
        '<div class="eq-row">',
        f'<div class="eq-math">{_math(record["equation"], eid, "result")}</div>',
        f'<a class="eq-number" href="#eq-{esc(eid)}" title="Permalink to {esc(eid)}">({number})</a>',
        "</div>",
    ]
    if steps:
        items = "".join(
            f'<li><p>{_text(step["text"], eid, f"step {i}")}</p>{_math(step["latex"], eid, f"step {i}")}</li>'
            for i, step in enumerate(record["steps"], 1)
        )
        parts.append(f'<details class="abstract eq-steps" open><summary>Derivation</summary><ol>{items}</ol></details>')
    proofs = "".join(f"<li>{_text(claim, eid, 'proof')}</li>" for claim in record["proofs"])
    parts.append(
        f'<details class="info eq-meta"><summary>Equation <code>{esc(eid)}</code>: proof, source, LaTeX</summary>'
        f"<p>SymPy proved, on every build of this page:</p><ul>{proofs}</ul>"
        f'<p>Derived by <code>{esc(src["function"])}</code> in <code>{esc(src["file"])}</code>, '
        f'lines {src["line"]}–{src["end_line"]}; checked numerically by <code>{esc(src["test"])}</code>.</p>'
        f'<pre class="eq-source"><code class="language-python">{esc(src["code"])}</code></pre>'
        f'<p>LaTeX:</p><pre class="eq-latex"><code class="language-latex">{esc(record["equation"])}</code></pre>'
        "</details>"
    )
    return "".join(parts)


class EquationBlockProcessor(BlockProcessor):
    """Replaces a ``::: eq <id> [steps]`` line with the equation."""

    def __init__(self, parser, extension: EquationExtension):
        super().__init__(parser)
        self.extension = extension

    def test(self, parent, block):
        return bool(MARKER.match(block.split("\n", 1)[0].strip()))

    def run(self, parent, blocks):
        first, _, rest = blocks.pop(0).partition("\n")
        if rest.strip():
            blocks.insert(0, rest)
        match = MARKER.match(first.strip())
        eid, options = match["id"], set(match["options"].split())
        unknown = options - OPTIONS
        if unknown:
            raise EquationError(f"'{first.strip()}': unknown option(s) {', '.join(sorted(unknown))}; known: steps")
        numbers = self.extension.numbers
        if eid in numbers:
            raise EquationError(f"equation id {eid!r} is placed twice on this page ('{first.strip()}')")
        try:
            record = cache.record(eid)
        except DerivationError as error:
            raise EquationError(f"'{first.strip()}': {error}") from None
        numbers[eid] = len(numbers) + 1
        # The anchor is an element, not raw HTML, so that MkDocs' link validation sees it.
        div = etree.SubElement(parent, "div", {"class": "eq", "id": f"eq-{eid}", "data-eq-id": eid})
        etree.SubElement(div, "p").text = self.parser.md.htmlStash.store(
            equation_html(record, numbers[eid], "steps" in options))


class EquationReferenceProcessor(InlineProcessor):
    """``{eq:<id>}`` → a link ``(N)`` to the equation on this page."""

    def __init__(self, pattern, md, extension: EquationExtension):
        super().__init__(pattern, md)
        self.extension = extension

    def handleMatch(self, m, data):
        eid = m["id"]
        if eid not in self.extension.numbers:
            placed = ", ".join(sorted(self.extension.numbers)) or "none"
            raise EquationError(f"'{{eq:{eid}}}' refers to an equation not placed on this page (placed: {placed})")
        a = etree.Element("a", {"class": "eq-ref", "href": f"#eq-{eid}"})
        a.text = f"({self.extension.numbers[eid]})"
        return a, m.start(0), m.end(0)


class LeftoverMarkerCheck(Postprocessor):
    """Fails when an equation marker reaches the HTML unprocessed (outside code)."""

    def run(self, text):
        found = LEFTOVER.search(CODE.sub("", text))
        if found:
            line = CODE.sub("", text)[found.start():].split("\n", 1)[0][:80]
            raise EquationError(
                f"an equation marker was not processed: {line!r}; a '::: eq <id>' marker must be a line of "
                "its own with blank lines around it"
            )
        return text


class EquationExtension(Extension):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.numbers: dict[str, int] = {}

    def extendMarkdown(self, md):
        md.registerExtension(self)
        self.reset()
        md.parser.blockprocessors.register(EquationBlockProcessor(md.parser, self), "derived-equation", 96)
        md.inlinePatterns.register(EquationReferenceProcessor(REFERENCE, md, self), "equation-reference", 187)
        md.postprocessors.register(LeftoverMarkerCheck(md), "equation-leftover-check", 0)

    def reset(self):
        self.numbers = {}


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return EquationExtension(**kwargs)
