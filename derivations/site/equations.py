"""Python-Markdown extension: ``::: eq <id>`` places a derived equation, ``{eq:<id>}`` cites it.

A whole line ``::: eq rnn.step-jacobian`` becomes the numbered equation with the anchor
``eq-rnn.step-jacobian``, its id, proofs, source and LaTeX for copying; ``::: eq <id> steps``
also shows the derivation steps. ``{eq:<id>}`` in prose links to an equation on the same page;
``{eq-rhs:<id>}`` typesets an equation's closed form inline, so prose never retypes a result.
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

from .. import cache, published
from ..errors import DerivationError
from ..translations import translate
from . import katex
from .chapters import RESTART

MARKER = re.compile(r"^::: eq (?P<id>\S+)(?P<options>(?: +\S+)*) *$")
OPTIONS = {"steps", "lang=en", "lang=zh"}
LABELS = {
    "en": {"derivation": "Derivation", "meta": "Equation {id} ({title}): proof, source, LaTeX",
           "proved": "SymPy proved, on every build of this page:",
           "source": "Derived by {function} in {file}, lines {lines}; checked numerically by {test}."},
    "zh": {"derivation": "推导过程", "meta": "公式 {id}（{title}）：证明、源代码与 LaTeX",
           "proved": "每次构建本页时，SymPy 都会重新证明：",
           "source": "推导函数 {function}，位于 {file} 第 {lines} 行；数值检验见 {test}。"},
}
REFERENCE = r"\{eq:(?P<id>[^}\s]+)\}"
CLOSED_FORM = r"\{eq-rhs:(?P<id>[^}\s]+)\}"
LEFTOVER = re.compile(r"::: ?eq\b|\{eq(:|-rhs:)")
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S)


class EquationError(ValueError):
    """A page's use of an equation is wrong; the message names the id."""


INLINE_MATH = re.compile(r"\$([^$]+)\$")


def _math(latex: str, equation_id: str, what: str) -> str:
    return katex.render(latex, True, f"equation {equation_id!r} ({what})")


def _text(text: str, equation_id: str, what: str, lang: str = "en") -> str:
    """A step's explanation as HTML in ``lang``: plain text, with ``$…$`` typeset inline."""
    pieces = INLINE_MATH.split(translate(text, lang, f"equation {equation_id!r} ({what})"))
    return "".join(
        katex.render(piece, False, f"equation {equation_id!r} ({what})") if i % 2 else html.escape(piece)
        for i, piece in enumerate(pieces)
    )


def equation_html(record: dict, number: int, steps: bool, lang: str = "en") -> str:
    """The HTML inside one placed equation's ``<div class="eq" id="eq-<id>">``, labelled in ``lang``."""
    eid, esc, label = record["id"], html.escape, LABELS[lang]
    src = record["source"]
    parts = [
        '<div class="eq-row">',
        # tabindex: a wide equation scrolls sideways, and must be reachable from the keyboard to do so
        f'<div class="eq-math" tabindex="0">{_math(record["equation"], eid, "result")}</div>',
        f'<a class="eq-number" href="#eq-{esc(eid)}" title="{esc(eid)}">({number})</a>',
        "</div>",
    ]
    if steps:
        items = "".join(
            f'<li><p>{_text(step["text"], eid, f"step {i}", lang)}</p>{_math(step["latex"], eid, f"step {i}")}</li>'
            for i, step in enumerate(record["steps"], 1)
        )
        parts.append(f'<details class="abstract eq-steps" open><summary>{label["derivation"]}</summary>'
                     f"<ol>{items}</ol></details>")
    proofs = "".join(f"<li>{_text(claim, eid, 'proof')}</li>" for claim in record["proofs"])
    title = _text(record["title"], eid, "title", lang)
    where = label["source"].format(function=f'<code>{esc(src["function"])}</code>',
                                   file=f'<code>{esc(src["file"])}</code>',
                                   lines=f'{src["line"]}–{src["end_line"]}', test=f'<code>{esc(src["test"])}</code>')
    parts.append(
        f'<details class="info eq-meta"><summary>'
        f'{label["meta"].format(id=f"<code>{esc(eid)}</code>", title=f"<span class=eq-title>{title}</span>")}'
        "</summary>"
        f"<p>{label['proved']}</p><ul>{proofs}</ul><p>{where}</p>"
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
        first = block.split("\n", 1)[0].strip()
        return bool(MARKER.match(first)) or first == RESTART

    def run(self, parent, blocks):
        first, _, rest = blocks.pop(0).partition("\n")
        if first.strip() == RESTART:  # a new chapter of a print edition: numbers start again at 1
            self.extension.offset = len(self.extension.numbers)
            if rest.strip():
                blocks.insert(0, rest)
            return
        if rest.strip():
            blocks.insert(0, rest)
        match = MARKER.match(first.strip())
        eid, options = match["id"], set(match["options"].split())
        unknown = options - OPTIONS
        if unknown:
            raise EquationError(f"'{first.strip()}': unknown option(s) {', '.join(sorted(unknown))}; "
                                f"known: {', '.join(sorted(OPTIONS))}")
        lang = next((o.split("=", 1)[1] for o in options if o.startswith("lang=")), "en")
        numbers = self.extension.numbers
        if eid in numbers:
            raise EquationError(f"equation id {eid!r} is placed twice on this page ('{first.strip()}')")
        try:
            record = cache.record(eid)
        except DerivationError as error:
            raise EquationError(f"'{first.strip()}': {error}") from None
        numbers[eid] = len(numbers) + 1 - self.extension.offset
        # The anchor is an element, not raw HTML, so that MkDocs' link validation sees it.
        div = etree.SubElement(parent, "div", {"class": "eq", "id": f"eq-{eid}", "data-eq-id": eid})
        for old in published.aliases(eid):  # a renamed id keeps its published anchor
            etree.SubElement(div, "span", {"id": f"eq-{old}", "class": "eq-alias"})
        etree.SubElement(div, "p").text = self.parser.md.htmlStash.store(
            equation_html(record, numbers[eid], "steps" in options, lang))


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


class ClosedFormProcessor(InlineProcessor):
    """``{eq-rhs:<id>}`` → the equation's closed form (the right-hand side of its result), inline."""

    def handleMatch(self, m, data):
        try:
            record = cache.record(m["id"])
        except DerivationError as error:
            raise EquationError(f"'{m[0]}': {error}") from None
        html = katex.render(record["closed_form"], False, f"equation {m['id']!r} (closed form)")
        return self.md.htmlStash.store(html), m.start(0), m.end(0)


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
        self.offset = 0

    def extendMarkdown(self, md):
        md.registerExtension(self)
        self.reset()
        md.parser.blockprocessors.register(EquationBlockProcessor(md.parser, self), "derived-equation", 96)
        md.inlinePatterns.register(EquationReferenceProcessor(REFERENCE, md, self), "equation-reference", 187)
        md.inlinePatterns.register(ClosedFormProcessor(CLOSED_FORM, md), "equation-closed-form", 188)
        md.postprocessors.register(LeftoverMarkerCheck(md), "equation-leftover-check", 0)

    def reset(self):
        self.numbers = {}
        self.offset = 0


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return EquationExtension(**kwargs)
