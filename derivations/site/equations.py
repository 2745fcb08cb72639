"""Python-Markdown extension: ``::: eq <id>`` places a derived equation or a definition, and inline
markers show what a derivation holds, so that a page never retypes it.

A whole line ``::: eq rnn.step-jacobian`` becomes the numbered equation with the anchor
``eq-rnn.step-jacobian``, its id, the kinds of proof it passed, its source and LaTeX for copying;
``::: eq <id> steps`` also shows the derivation steps. A definition (``rnn.model``) is placed the same
way and shown as a definition, without a number. Inline:

- ``{eq:<id>}`` links to an equation: on the same page as ``(N)``, on another page as ``(N) in <chapter>``
  (a definition: by its title), and carries a card with the equation, its title, its kinds of proof
  and copy buttons, shown on hover or focus by ``references.js`` (one card per id per page);
- ``{eq-rhs:<id>}`` typesets an equation's closed form (the right-hand side of its first clause);
- ``{eq-tex:<id>}`` typesets the whole equation, ``{eq-tex:<id>#<name>}`` one named clause of it;
- ``{num:<id>#<name>}`` typesets a number the derivation computed.

Everything shown comes from the derivation's cached record (:mod:`derivations.cache`). Errors name
the id: an unknown id (with the closest known ids), an unknown clause or number name (with the
known ones), an id placed twice on a page, a reference to an equation placed on no page, and a
marker the extension could not process.

A cross-page reference is an ``<a href="<page>.md#eq-<id>">`` element relative to the page's own
source, so MkDocs (and mkdocs-static-i18n, per edition) resolves and validates it like a link
written by hand. Markdown extensions are not told which page they convert: the page's source path
is read from MkDocs' link processor, from Zensical's rendering context, or from the serve hook
(:func:`page_context`); without any, the page is taken to sit at the top of the docs folder.
"""

from __future__ import annotations

import difflib
import html
import os
import posixpath
import re
import xml.etree.ElementTree as etree
from pathlib import Path

from markdown import Extension
from markdown.blockprocessors import BlockProcessor
from markdown.inlinepatterns import InlineProcessor
from markdown.postprocessors import Postprocessor
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from .. import cache, published, serving
from ..errors import DerivationError
from ..references import WORKS
from ..translations import translate
from . import cite_formats, katex, numeric_tests
from .chapters import RESTART

MARKER = re.compile(r"^::: eq (?P<id>\S+)(?P<options>(?: +\S+)*) *$")
OPTIONS = {"steps", "lang=en", "lang=zh"}
LABELS = {
    "en": {"derivation": "Derivation", "meta": "Equation {id} ({title}): proof, source, citing and copying",
           "definition-meta": "Definition {id} ({title}): source, citing and copying", "definition": cite_formats.NAMES["en"]["definition"],
           "defined": "A definition: the derivations start from these very SymPy objects; there is nothing to prove.",
           "proved": "SymPy proved, on every build of this page:",
           "kinds": "Kinds of proof: {kinds}.",
           "source": "Derived by {function} in {file}, lines {lines}; {tests}.",
           "numeric": "checked numerically against finite differences or autograd by {names} in {test}",
           "tested": "its other tests are in {test}",
           "defined-in": "Defined by {function} in {file}, lines {lines}.",
           "uses": "Uses: {links}.", "used-by": "Used by: {links}.", "none": "no other equation",
           "cites": "Cites: {works}."},
    "zh": {"derivation": "推导过程", "meta": "公式 {id}（{title}）：证明、源代码、引用与复制",
           "definition-meta": "定义 {id}（{title}）：源代码、引用与复制", "definition": cite_formats.NAMES["zh"]["definition"],
           "defined": "这是定义：推导正是从这些 SymPy 对象出发的，无需证明。",
           "proved": "每次构建本页时，SymPy 都会重新证明：",
           "kinds": "证明方式：{kinds}。",
           "source": "推导函数 {function}，位于 {file} 第 {lines} 行；{tests}。",
           "numeric": "{test} 中的 {names} 用有限差分或 autograd 对其做数值检验",
           "tested": "其余测试见 {test}",
           "defined-in": "定义函数 {function}，位于 {file} 第 {lines} 行。",
           "uses": "用到：{links}。", "used-by": "被以下公式用到：{links}。", "none": "无",
           "cites": "引用：{works}。"},
}
KIND_LABELS = {
    "en": {"symbolic": "symbolic, exact for every value (general n)", "induction": "by induction (SymPy proves the inductive step)",
           "explicit": "on explicit sizes", "lemma": "a cited standard lemma, checked on random matrices",
           "numeric": "numeric instances"},
    "zh": {"symbolic": "符号证明，对所有取值（一般的 n）精确成立", "induction": "归纳法（归纳步由 SymPy 证明）",
           "explicit": "在具体维数上验证", "lemma": "引用的标准引理，并在随机矩阵上数值检验",
           "numeric": "数值实例"},
}
"""How each kind of proof (:data:`derivations.instances.KINDS`) is named in the proof panel."""
REFERENCE = r"\{eq:(?P<id>[^}@\s]+)(?:@(?P<chapter>[^}\s]+))?\}"
"""``{eq:<id>}``; a print edition's preprocessor appends ``@<chapter page>`` (:class:`ChapterReferences`)."""
REFERENCE_LABELS = {
    "en": {"elsewhere": "({number}) in {chapter}", "copy-id": "Copy id", "copy-link": "Copy link"},
    "zh": {"elsewhere": "{chapter}一章的式 ({number})", "copy-id": "复制 id", "copy-link": "复制链接"},
}
"""A reference to an equation of another chapter, and the card's copy buttons, in each language."""
EDITION = re.compile(r"\.(?P<lang>[a-z]{2})\.md$")
HEADING = re.compile(r"^# (?P<title>.+?)(?: *\{[^}]*\})? *$", re.M)
CLOSED_FORM = r"\{eq-rhs:(?P<id>[^}\s]+)\}"
TEX = r"\{eq-tex:(?P<id>[^}#\s]+)(?:#(?P<name>[^}\s]+))?\}"
NUMBER = r"\{num:(?P<id>[^}#\s]+)#(?P<name>[^}\s]+)\}"
LEFTOVER = re.compile(r"::: ?eq\b|\{(eq|eq-rhs|eq-tex|num):")
CODE = re.compile(r"<(pre|code)\b.*?</\1>", re.S)


class EquationError(ValueError):
    """A page's use of an equation is wrong; the message names the id."""


INLINE_MATH = re.compile(r"\$([^$]+)\$")


def _math(latex: str, equation_id: str, what: str) -> str:
    return katex.render(latex, True, f"equation {equation_id!r} ({what})")


DISPLAY = '<span class="katex-display">'


def _step_math(latex: str, equation_id: str, what: str) -> str:
    """A derivation step's display math, its own scroll container: like the equation, a wide step
    scrolls sideways on a narrow screen, and must be reachable from the keyboard to do so."""
    out = _math(latex, equation_id, what)
    if not out.startswith(DISPLAY):
        raise katex.MathError(f"equation {equation_id!r} ({what}): KaTeX no longer starts display math "
                              f"with {DISPLAY!r}; update derivations/site/equations.py")
    return DISPLAY[:-1] + ' tabindex="0">' + out[len(DISPLAY):]


def _text(text: str, equation_id: str, what: str, lang: str = "en") -> str:
    """A step's explanation as HTML in ``lang``: plain text, with ``$…$`` typeset inline."""
    pieces = INLINE_MATH.split(translate(text, lang, f"equation {equation_id!r} ({what})"))
    return "".join(
        katex.render(piece, False, f"equation {equation_id!r} ({what})") if i % 2 else html.escape(piece)
        for i, piece in enumerate(pieces)
    )


def kinds_text(record: dict, lang: str) -> str:
    """The kinds of proof an equation passed, named in ``lang``."""
    return ("；" if lang == "zh" else "; ").join(KIND_LABELS[lang][kind] for kind in record["proof_kinds"])


def equation_html(record: dict, number: int | None, steps: bool, lang: str = "en", permalink: str | None = None,
                  site: dict | None = None) -> str:
    """The HTML inside one placed equation's ``<div class="eq" id="eq-<id>">``, labelled in ``lang``;
    a definition (``number`` None) is marked as such instead of numbered. The ``permalink``, if
    given, is printed under the equation on paper, where a link cannot be followed, and offered in
    the panel's citation tabs, with BibTeX when ``site`` (:func:`cite_formats.site`) is given."""
    eid, esc, label = record["id"], html.escape, LABELS[lang]
    src, definition = record["source"], record["kind"] == "definition"
    tag = (f'<span class="eq-number eq-definition">{label["definition"]}</span>' if definition else
           f'<a class="eq-number" href="#eq-{esc(eid)}" title="{esc(eid)}">({number})</a>')
    parts = [
        f'<div class="eq-row" data-permalink="{esc(permalink)}">' if permalink else '<div class="eq-row">',
        # tabindex: a wide equation scrolls sideways, and must be reachable from the keyboard to do so
        f'<div class="eq-math" tabindex="0">{_math(record["equation"], eid, "result")}</div>',
        tag,
        "</div>",
    ]
    if steps:
        items = "".join(
            f'<li><p>{_text(step["text"], eid, f"step {i}", lang)}</p>{_step_math(step["latex"], eid, f"step {i}")}</li>'
            for i, step in enumerate(record["steps"], 1)
        )
        parts.append(f'<details class="abstract eq-steps" open><summary>{label["derivation"]}</summary>'
                     f"<ol>{items}</ol></details>")
    title = _text(record["title"], eid, "title", lang)
    lines = f'{src["line"]}–{src["end_line"]}'
    test = f'<code>{esc(src["test"])}</code>'
    checks = numeric_tests.marked(src["test"]).get(eid)
    tests = (label["numeric"].format(names=", ".join(f"<code>{t.name}</code>" for t in checks), test=test)
             if checks else label["tested"].format(test=test))
    where = label["defined-in" if definition else "source"].format(
        function=f'<code>{esc(src["function"])}</code>', file=f'<code>{esc(src["file"])}</code>',
        lines=lines, tests=tests)
    if definition:
        body = f"<p>{label['defined']}</p>"
    else:
        proofs = "".join(f'<li data-kind="{p["kind"]}"><strong>{KIND_LABELS[lang][p["kind"]]}:</strong> '
                         f'{_text(p["claim"], eid, "proof")}</li>' for p in record["proofs"])
        body = (f'<p class="eq-kinds">{esc(label["kinds"].format(kinds=kinds_text(record, lang)))}</p>'
                f"<p>{label['proved']}</p><ul>{proofs}</ul>")
    summary = label["definition-meta" if definition else "meta"].format(
        id=f"<code>{esc(eid)}</code>", title=f"<span class=eq-title>{title}</span>")
    parts.append(
        f'<details class="info eq-meta"><summary>{summary}</summary>{body}{_uses_html(record, lang)}<p>{where}</p>'
        f'<pre class="eq-source"><code class="language-python">{esc(src["code"])}</code></pre>'
        + cite_formats.tabs(record, number, translate(record["title"], lang, f"equation {eid!r} (title)"), lang,
                        permalink, site)
        + "</details>"
    )
    return "".join(parts)


def _uses_html(record: dict, lang: str) -> str:
    """The panel's lines "Uses: …" and "Used by: …", each id a link to its equation: ``#eq-<id>``, which
    :class:`derivations.site.depmap.PanelLinks` points at the page placing it when this page does not."""
    label, esc = LABELS[lang], html.escape
    users = [eid for eid, other in cache.records().items() if record["id"] in other.get("uses", ())]
    links = lambda ids: (", " if lang == "en" else "、").join(  # noqa: E731
        f'<a class="eq-link" href="#eq-{esc(i)}" data-eq="{esc(i)}"><code>{esc(i)}</code></a>' for i in ids
    ) or esc(label["none"])
    return (f'<p class="eq-uses">{label["uses"].format(links=links(record.get("uses", ())))}</p>'
            f'<p class="eq-used-by">{label["used-by"].format(links=links(users))}</p>' + _cites_html(record, lang))


def _cites_html(record: dict, lang: str) -> str:
    """The panel's line naming the works its derivation cites (``cites=``), each linked to its DOI or arXiv page."""
    if not record.get("cites"):
        return ""
    works = [WORKS[key] for key in record["cites"]]
    shown = (", " if lang == "en" else "、").join(
        f'<a href="{html.escape(w.address())}">{html.escape(w.short())}</a>' if w.address() else html.escape(w.short())
        for w in works)
    return f'<p class="eq-cites">{LABELS[lang]["cites"].format(works=shown)}</p>'


def clause(record: dict, name: str | None) -> str:
    """The LaTeX of the whole equation, or of its clause ``name``; an unknown name lists the known ones."""
    if name is None:
        return record["equation"]
    for found in record["clauses"]:
        if found["name"] == name:
            return found["latex"]
    known = ", ".join(c["name"] for c in record["clauses"] if c["name"]) or "none"
    raise EquationError(f"equation {record['id']!r} has no clause named {name!r} (named clauses: {known})")


def number(record: dict, name: str) -> str:
    """The LaTeX of the computed number ``name``; an unknown name lists the known ones."""
    if name not in record["numbers"]:
        known = ", ".join(sorted(record["numbers"])) or "none"
        raise EquationError(f"equation {record['id']!r} computes no number named {name!r} (numbers: {known})")
    return record["numbers"][name]


def card_fingerprint(record: dict) -> tuple:
    """What a reference's card shows of ``record`` (:func:`card_html`), in any language."""
    return record["kind"], record["title"], record["equation"], tuple(record["proof_kinds"])


def inline_fingerprint(marker: str) -> str | None:
    """The LaTeX an inline marker (``{eq-tex:…}``, ``{eq-rhs:…}``, ``{num:…}``) shows now; None if it fails."""
    for pattern, select in INLINE_MARKERS.items():
        if match := re.fullmatch(pattern, marker):
            try:
                return select(cache.record(match["id"]), match)
            except (EquationError, DerivationError):
                return None
    return None


def lookup(marker: str, equation_id: str, card: bool = False) -> dict:
    """The record behind ``marker``; an unknown id fails naming the marker and the closest ids. For a
    reference (``card``) or an inline marker, the page depends on what it shows of the record, not on
    all of it: a page that only refers to an equation or quotes its LaTeX is not rebuilt for an edit
    to its steps."""
    try:
        if card:
            record = cache.record(equation_id)
            serving.depends("card", equation_id, card_fingerprint(record))
            return record
        if any(re.fullmatch(pattern, marker) for pattern in INLINE_MARKERS):
            serving.depends("inline", marker, inline_fingerprint(marker))
            return cache.record(equation_id)
        serving.depends("equation", equation_id, cache.key(equation_id) if equation_id in cache.placements() else None)
        return cache.record(equation_id)
    except DerivationError as error:
        raise EquationError(f"'{marker}': {error}") from None


FAILURES = (EquationError, DerivationError, katex.MathError, KeyError)
"""What a page's use of an equation can fail with (a missing translation is a KeyError); while
serving, each shows on the page in place of the marker instead of stopping the build."""


def shown(error: Exception) -> str:
    """The HTML that shows ``error`` in place while serving; outside ``mkdocs serve``, re-raise it."""
    if not serving.active():
        raise error
    return serving.failure(error)


def validate(text: str, where: str) -> None:
    """Fail naming ``where`` if ``text`` (a page about to be inlined elsewhere) uses an unknown id,
    clause or number, so that the error names the page its author wrote. (While serving, each
    error shows in place on the page instead.)"""
    if serving.active():
        return
    for line in text.splitlines():
        match = MARKER.match(line.strip())
        if match:
            try:
                lookup(line.strip(), match["id"])
            except EquationError as error:
                raise EquationError(f"{where}: {error}") from None
    expand(text, where)


INLINE_MARKERS = {CLOSED_FORM: lambda r, m: r["closed_form"], TEX: lambda r, m: clause(r, m["name"]),
                  NUMBER: lambda r, m: number(r, m["name"])}
"""Each inline marker that shows a derivation's LaTeX, and what it selects from the record."""


def expand(text: str, where: str) -> str:
    """``text`` with every inline LaTeX marker replaced by ``$…$`` math (for notebook Markdown, which
    is typeset later); an unknown id or name fails naming ``where``."""
    for pattern, select in INLINE_MARKERS.items():
        try:
            text = re.sub(pattern, lambda m: f"${select(lookup(m[0], m['id']), m)}$", text)
        except EquationError as error:
            raise EquationError(f"{where}: {error}") from None
    return text


class EquationBlockProcessor(BlockProcessor):
    """Replaces a ``::: eq <id> [steps]`` line with the equation."""

    def __init__(self, parser, extension: EquationExtension):
        super().__init__(parser)
        self.extension = extension

    def test(self, parent, block):
        first = block.split("\n", 1)[0].strip()
        return bool(MARKER.match(first)) or first.startswith(RESTART)

    def run(self, parent, blocks):
        first, _, rest = blocks.pop(0).partition("\n")
        if rest.strip():
            blocks.insert(0, rest)
        if first.strip().startswith(RESTART):  # a new chapter of a print edition: numbers start again at 1
            self.extension.offset = self.extension.count
            self.extension.chapter = first.strip()[len(RESTART):].strip()
            return
        try:
            self.place(parent, first.strip())
        except FAILURES as error:
            etree.SubElement(parent, "div").text = self.parser.md.htmlStash.store(shown(error))

    def place(self, parent, first: str) -> None:
        match = MARKER.match(first)
        eid, options = match["id"], set(match["options"].split())
        unknown = options - OPTIONS
        if unknown:
            raise EquationError(f"'{first}': unknown option(s) {', '.join(sorted(unknown))}; "
                                f"known: {', '.join(sorted(OPTIONS))}")
        lang = next((o.split("=", 1)[1] for o in options if o.startswith("lang=")), "en")
        self.extension.lang = lang
        numbers = self.extension.numbers
        if eid in numbers:
            raise EquationError(f"equation id {eid!r} is placed twice on this page ('{first}')")
        record = lookup(first, eid)
        config = self.extension.getConfigs()
        self.extension.chapters[eid] = self.extension.chapter
        if record["kind"] == "definition":
            numbers[eid] = None
        else:
            self.extension.count += 1
            numbers[eid] = self.extension.count - self.extension.offset
        # The anchor is an element, not raw HTML, so that MkDocs' link validation sees it.
        div = etree.SubElement(parent, "div", {"class": "eq", "id": f"eq-{eid}", "data-eq-id": eid})
        for old in published.aliases(eid):  # a renamed id keeps its published anchor
            etree.SubElement(div, "span", {"id": f"eq-{old}", "class": "eq-alias"})
        etree.SubElement(div, "p").text = self.parser.md.htmlStash.store(
            equation_html(record, numbers[eid], "steps" in options, lang, permalink(eid, config["site_url"], lang),
                          cite_formats.site(config["cite"], config["site_name"], config["site_url"], lang)
                          if config["cite"] else None))


def page_context(md) -> tuple[str | None, Path]:
    """The source path of the page ``md`` converts (relative to the docs folder, None if unknown) and
    the docs folder: from MkDocs' link processor, else Zensical's rendering context, else the serve hook."""
    relpath = md.treeprocessors["relpath"] if "relpath" in md.treeprocessors else None
    if relpath is not None and hasattr(relpath, "file"):  # MkDocs
        return relpath.file.src_uri, Path(relpath.config["docs_dir"])
    context = md.preprocessors["rendering_context"] if "rendering_context" in md.preprocessors else None
    if context is not None and hasattr(context, "page"):  # Zensical
        docs = Path(context.config.get("docs_dir", "docs"))
        path = Path(context.page.path)
        return (os.path.relpath(path, docs) if path.is_absolute() else str(path)).replace(os.sep, "/"), docs
    return serving.building_page(), Path("docs")


def chapter_title(path: Path) -> str:
    """A page's first-level heading, without its attributes (the file name if it has none)."""
    found = HEADING.search(path.read_text(encoding="utf-8"))
    return found["title"].strip() if found else path.name


def card_html(record: dict, lang: str, link: str | None) -> str:
    """The card a reference to ``record`` shows on hover or focus: the equation, its title, the kinds
    of proof it passed, and buttons that copy its id and ``link`` (its permalink; when None, the
    script copies the reference's own address). Hidden until the script shows it."""
    eid, esc, label = record["id"], html.escape, LABELS[lang]
    card = f"eq-card-{eid}"
    kinds = (label["defined"] if record["kind"] == "definition"
             else label["kinds"].format(kinds=kinds_text(record, lang)))
    copy = REFERENCE_LABELS[lang]
    target = f' data-clipboard-text="{esc(link)}"' if link else ""
    return (f'<span class="eq-card" id="{esc(card)}" popover="manual" hidden>'
            f'<span class="eq-card-text" id="{esc(card)}-text" role="tooltip">'
            f'<span class="eq-card-title">{_text(record["title"], eid, "title", lang)}</span>'
            f'{_step_math(record["equation"], eid, "card")}'
            f'<span class="eq-card-kinds">{esc(kinds)}</span></span>'
            f'<span class="eq-card-copy"><code>{esc(eid)}</code>'
            f'<button type="button" class="eq-card-button" data-clipboard-text="{esc(eid)}">{copy["copy-id"]}</button>'
            f'<button type="button" class="eq-card-button eq-card-link"{target}>{copy["copy-link"]}</button>'
            "</span></span>")


class EquationReferenceProcessor(InlineProcessor):
    """``{eq:<id>}`` → a link ``(N)`` to the equation on this page (a definition: its title), or
    ``(N) in <chapter>`` to the page that places it, described by the id's card."""

    def __init__(self, pattern, md, extension: EquationExtension):
        super().__init__(pattern, md)
        self.extension = extension

    def handleMatch(self, m, data):
        try:
            return self.reference(m["id"], m["chapter"]), m.start(0), m.end(0)
        except FAILURES as error:
            return self.md.htmlStash.store(shown(error)), m.start(0), m.end(0)

    def reference(self, eid: str, chapter: str | None = None) -> etree.Element:
        ext = self.extension
        page, docs = ext.context(self.md)
        lang = ext.page_lang(page)
        if eid in ext.numbers:  # on this page (in a print edition: perhaps in another chapter of it)
            href, number = f"#eq-{eid}", ext.numbers[eid]
            elsewhere = ext.chapters.get(eid) if chapter and ext.chapters.get(eid) != chapter else None
        else:
            source = ext.placements(docs).get(eid)
            if source is None:
                placed = sorted(set(ext.numbers) | set(ext.placements(docs)))
                close = difflib.get_close_matches(eid, placed, n=3, cutoff=0.5)
                hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
                known = "" if eid in cache.placements() else "an unknown id; "
                raise EquationError(f"{page or 'this page'}: '{{eq:{eid}}}' refers to {known}an equation not placed "
                                    f"on this page nor on any other ({hint}placed on this page: "
                                    f"{', '.join(sorted(ext.numbers)) or 'none'})")
            elsewhere = ext.edition_source(source, lang, docs)
            from .citation import numbers  # citation imports this module

            text = (docs / elsewhere).read_text(encoding="utf-8")
            serving.depends("page", elsewhere, text)
            number = numbers(docs / elsewhere).get(eid)
            here = posixpath.dirname(page) if page else ""
            href = f"{posixpath.relpath(source, here or '.')}#eq-{eid}"
        record = lookup(f"{{eq:{eid}}}", eid, card=True)
        a = etree.Element("a", {"class": "eq-ref", "href": href, "data-eq-card": f"eq-card-{eid}",
                                "aria-describedby": f"eq-card-{eid}-text"})
        if number is None:
            a.text = translate(record["title"], lang, f"equation {eid!r} (title)")
        elif elsewhere:
            a.text = REFERENCE_LABELS[lang]["elsewhere"].format(number=number, chapter=chapter_title(docs / elsewhere))
        else:
            a.text = f"({number})"
        if eid not in ext.cards:
            ext.cards[eid] = card_html(record, lang, permalink(eid, ext.getConfig("site_url"), lang))
        return a


class ChapterReferences(Preprocessor):
    """In a print edition, marks each ``{eq:<id>}`` with the chapter it is written in
    (``{eq:<id>@<page>}``), so that a reference to another chapter's equation names that chapter:
    numbers start again in each chapter."""

    def run(self, lines):
        chapter, fence, out = None, None, []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith(RESTART):
                chapter = stripped[len(RESTART):].strip()
            elif stripped.startswith(("```", "~~~")):
                fence = None if fence and stripped.startswith(fence) else fence or stripped[:3]
            elif chapter and not fence:
                line = re.sub(REFERENCE, lambda m: f"{{eq:{m['id']}@{chapter}}}" if not m["chapter"] else m[0], line)
            out.append(line)
        return out


class EquationCards(Treeprocessor):
    """Appends the cards of the equations the page references, one per id, hidden and out of search.
    (A tree processor after the inline one: the table of contents runs the postprocessors on each
    heading, so a postprocessor would append the cards to every heading too.)"""

    def __init__(self, md, extension: EquationExtension):
        super().__init__(md)
        self.extension = extension

    def run(self, root):
        if self.extension.cards:
            cards = etree.SubElement(root, "div", {"class": "eq-cards", "data-search-exclude": ""})
            cards.text = self.md.htmlStash.store("".join(self.extension.cards.values()))


class InlineLatexProcessor(InlineProcessor):
    """``{eq-rhs:<id>}``, ``{eq-tex:<id>[#<name>]}`` and ``{num:<id>#<name>}`` → the derivation's LaTeX, inline."""

    def __init__(self, pattern, md, select):
        super().__init__(pattern, md)
        self.select = select

    def handleMatch(self, m, data):
        try:
            html = katex.render(self.select(lookup(m[0], m["id"]), m), False, f"equation {m['id']!r} ({m[0]})")
        except FAILURES as error:
            html = shown(error)
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


def permalink(equation_id: str, site_url: str, lang: str) -> str | None:
    """The published address of an equation in the ``lang`` edition, if the id is published."""
    page = published.load()["equations"].get(equation_id)
    if not site_url or page is None:
        return None
    edition = "" if lang == "en" else f"{lang}/"
    return f"{site_url.rstrip('/')}/{edition}{page}#eq-{equation_id}"


class EquationExtension(Extension):
    def __init__(self, **kwargs):
        self.config = {"site_url": ["", "the site's address (mkdocs.yml's site_url), for each equation's permalink"],
                       "site_name": ["", "the site's name (mkdocs.yml's site_name), for each equation's BibTeX"],
                       "cite": [{}, "mkdocs.yml's extra.cite (key, author, year), for each equation's BibTeX"]}
        super().__init__(**kwargs)
        self.numbers: dict[str, int | None] = {}
        self.count = 0
        self.offset = 0
        self.lang = "en"
        self.chapter: str | None = None
        self.chapters: dict[str, str | None] = {}
        self.cards: dict[str, str] = {}
        self._context: tuple[str | None, Path] | None = None
        self._placements: dict[str, str] | None = None

    def extendMarkdown(self, md):
        md.registerExtension(self)
        self.reset()
        md.parser.blockprocessors.register(EquationBlockProcessor(md.parser, self), "derived-equation", 96)
        md.inlinePatterns.register(EquationReferenceProcessor(REFERENCE, md, self), "equation-reference", 187)
        for priority, (pattern, select) in enumerate(INLINE_MARKERS.items(), 188):
            md.inlinePatterns.register(InlineLatexProcessor(pattern, md, select), f"equation-latex-{priority}", priority)
        md.preprocessors.register(ChapterReferences(md), "equation-chapter-references", 6.5)  # after chapters (7)
        md.treeprocessors.register(EquationCards(md, self), "equation-cards", 15)  # after "inline" (20)
        md.postprocessors.register(LeftoverMarkerCheck(md), "equation-leftover-check", 0)

    def reset(self):
        self.numbers = {}
        self.count = 0
        self.offset = 0
        self.chapter = None
        self.chapters = {}
        self.cards = {}
        self._context = None
        self._placements = None

    def context(self, md) -> tuple[str | None, Path]:
        """The page being converted and the docs folder (:func:`page_context`), once per page."""
        if self._context is None:
            self._context = page_context(md)
        return self._context

    def page_lang(self, page: str | None) -> str:
        """The page's language: its source's suffix (``.zh.md``), else that of its placed equations."""
        found = EDITION.search(page or "")
        if found and found["lang"] in REFERENCE_LABELS:
            return found["lang"]
        return "en" if page else self.lang

    def placements(self, docs: Path) -> dict[str, str]:
        """Which page source (default language) places each id, read once per page."""
        if self._placements is None:
            from .claims import equation_pages  # claims imports this module

            self._placements = equation_pages(docs) if docs.is_dir() else {}
        return self._placements

    @staticmethod
    def edition_source(source: str, lang: str, docs: Path) -> str:
        """The source of page ``source`` in the ``lang`` edition (``x.zh.md``), if it has one."""
        translated = f"{source.removesuffix('.md')}.{lang}.md"
        return translated if lang != "en" and (docs / translated).is_file() else source


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return EquationExtension(**kwargs)
