"""Course packs: chosen equations and everything they use, as a handout for a course.

``python -m derivations pack ID... [--lang en|zh] [--steps] [--format pdf|tex|typ|md]`` takes the
closure of the ids over the results each derivation declares it uses (``uses=``), in dependency
order: an equation comes after those it uses, otherwise in the site's reading order. Each one
shows its title, its number and chapter as on the site, its id, the kinds of check it passed,
optionally its derivation steps, and its permalink; the works the derivations cite (``cites=``)
close the handout. Everything shown comes from the cached records, as on the site.

PDF is typeset by Typst (the ``typst`` package from PyPI, pinned), from the same source that
``--format typ`` writes. The Chinese handout sets its text in Noto Serif CJK SC, which Debian's
``fonts-noto-cjk`` installs (``.ci/run`` installs it); Typst brings its own Latin and math fonts.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from . import cache, published, registry
from .errors import DerivationError
from .references import WORKS
from .translations import translate

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ("pdf", "tex", "typ", "md")
INLINE_MATH = re.compile(r"\$([^$]+)\$")
CJK_FONT = "Noto Serif CJK SC"
TEXT = {
    "en": {"title": "Vanishing and exploding gradients in RNNs: a course pack",
           "intro": "Each result below is derived by SymPy and proved equal to the closed form shown, on every "
                    "build of the site; the definitions are the models the results start from. Equations come "
                    "after the results they use. Numbers, ids and links are "
                    "those of the site; the kinds of check say how each result was proved.",
           "chosen": "chosen", "added": "used by a chosen equation",
           "kinds": "Kinds of check", "definition-kinds": "A definition: nothing to prove.",
           "steps": "Derivation", "references": "References",
           "cited-by": "The works the derivations above cite.",
           "unplaced": "not yet on a page of the site", "definition": "Definition"},
    "zh": {"title": "循环神经网络中的梯度消失与梯度爆炸：课程讲义",
           "intro": "下列每个结果都由 SymPy 推导，并在网站每次构建时证明它等于所示的闭式；定义则是这些结果出发的模型。"
                    "每个公式排在它所用到的结果之后。"
                    "编号、id 与链接均与网站一致；“检验方式”说明每个结果是如何证明的。",
           "chosen": "所选", "added": "被所选公式用到",
           "kinds": "检验方式", "definition-kinds": "这是定义，无需证明。",
           "steps": "推导过程", "references": "参考文献", "cited-by": "以上各推导引用的文献。",
           "unplaced": "尚未放入网站页面", "definition": "定义"},
}


class PackError(DerivationError):
    """A course pack that cannot be made; the message names the id, format or font."""


@dataclass(frozen=True)
class Item:
    """One equation of a pack, as the site shows it in one language."""

    id: str
    title: str
    number: int | None
    definition: bool
    chapter: str | None
    link: str | None
    kinds: str
    latex: str
    typst: str
    steps: tuple[tuple[str, str], ...]
    chosen: bool


def closure(ids: list[str]) -> list[str]:
    """``ids`` and every id they use, directly or not, each after the ids it uses (ties: reading order)."""
    records = cache.records()
    order = {eid: i for i, eid in enumerate(records)}
    for eid in ids:
        registry.lookup(eid)  # an unknown id fails naming it, with the closest ids
    needed, todo = set(), list(ids)
    while todo:
        eid = todo.pop()
        if eid not in needed:
            needed.add(eid)
            todo += records[eid]["uses"]
    done: list[str] = []
    while len(done) < len(needed):
        ready = [e for e in needed - set(done) if set(records[e]["uses"]) <= set(done)]
        if not ready:
            raise PackError(f"the uses= declarations of {', '.join(sorted(needed - set(done)))} form a cycle")
        done.append(min(ready, key=order.__getitem__))
    return done


def _site(config_file: Path) -> tuple[str, Path]:
    from mkdocs.utils.yaml import yaml_load

    config = yaml_load(config_file.read_text(encoding="utf-8"))
    return config.get("site_url") or "", config_file.parent / config.get("docs_dir", "docs")


def _edition(page: str, lang: str, docs: Path) -> Path:
    translated = docs / page.replace(".md", f".{lang}.md")
    return translated if lang != "en" and translated.exists() else docs / page


def items(ids: list[str], lang: str = "en", steps: bool = False,
          config_file: Path = ROOT / "mkdocs.yml") -> tuple[list[Item], list[str]]:
    """The pack's equations in order, and the keys of the works their derivations cite."""
    from .site import typst_math
    from .site.citation import numbers
    from .site.claims import equation_pages
    from .site.equations import chapter_title, kinds_text, permalink

    if lang not in TEXT:
        raise PackError(f"unknown language {lang!r}; known: {', '.join(TEXT)}")
    site_url, docs = _site(config_file)
    pages, records, ids_published = equation_pages(docs), cache.records(), published.load()["equations"]
    placed = {page: numbers(docs / page) for page in set(pages.values())}
    chosen, found, works = set(ids), [], []
    for eid in closure(ids):
        record, page = records[eid], pages.get(eid)
        source = _edition(page, lang, docs) if page else None
        works += [key for key in record["cites"] if key not in works]
        where = f"equation {eid!r}"
        found.append(Item(
            id=eid, title=translate(record["title"], lang, f"{where} (title)"),
            number=placed[page][eid] if page else None, definition=record["kind"] == "definition",
            chapter=chapter_title(source) if source else None,
            link=permalink(eid, site_url, lang) if eid in ids_published else None,
            kinds=kinds_text(record, lang), latex=record["equation"], typst=typst_math.equation(record),
            steps=tuple((translate(s["text"], lang, f"{where} (step {i})"), s["latex"])
                        for i, s in enumerate(record["steps"], 1)) if steps else (),
            chosen=eid in chosen,
        ))
    return found, works


def _number(item: Item, lang: str) -> str:
    return TEXT[lang]["definition"] if item.definition else f"({item.number})" if item.number else ""


def _where(item: Item, lang: str) -> str:
    """"Backpropagation through time, (3)": the chapter and number, as a reader finds it on the site."""
    chapter = item.chapter or TEXT[lang]["unplaced"]
    return f"{chapter}{'，' if lang == 'zh' else ', '}{_number(item, lang)}" if _number(item, lang) else chapter


def _heading(item: Item, found: list[Item], lang: str) -> list[str]:
    """What a reader is told of an equation under its title: chapter and number, id, and, when the pack
    holds equations no one chose, whether this one was chosen or is there because a chosen one uses it."""
    role = [] if all(i.chosen for i in found) else [TEXT[lang]["chosen" if item.chosen else "added"]]
    return [_where(item, lang), item.id, *role]


def _kinds(item: Item, lang: str) -> str:
    colon = "：" if lang == "zh" else ": "
    return TEXT[lang]["definition-kinds"] if item.definition else f"{TEXT[lang]['kinds']}{colon}{item.kinds}"


def markdown(found: list[Item], works: list[str], lang: str) -> str:
    """The pack as Markdown, math in ``$…$`` and ``$$…$$`` (LaTeX), as on the site's pages."""
    text = TEXT[lang]
    out = [f"# {text['title']}", "", text["intro"], ""]
    for item in found:
        where, eid, *role = _heading(item, found, lang)
        out += [f"## {item.title}", "", " · ".join([where, f"`{eid}`", *role]), "",
                "$$", item.latex + (rf" \tag{{{item.number}}}" if item.number else ""), "$$", "", _kinds(item, lang), ""]
        if item.steps:
            out += [f"**{text['steps']}**", ""]
            for i, (step, latex) in enumerate(item.steps, 1):
                out += [f"{i}. {step}", "", "    $$", f"    {latex}", "    $$", ""]
        if item.link:
            out += [f"<{item.link}>", ""]
    if works:
        out += [f"## {text['references']}", "", text["cited-by"], "", *(f"- {WORKS[k].text()}" for k in works), ""]
    return "\n".join(out)


def _tex_escape(text: str) -> str:
    table = {"\\": r"\textbackslash{}", "_": r"\_", "&": r"\&", "%": r"\%", "#": r"\#", "{": r"\{", "}": r"\}",
             "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
    return "".join(table.get(c, c) for c in text)


def _tex_text(text: str) -> str:
    """Prose with ``$…$`` math, for LaTeX: the prose escaped, the math kept."""
    pieces = INLINE_MATH.split(text)
    return "".join(f"${p}$" if i % 2 else _tex_escape(p) for i, p in enumerate(pieces))


TEX_PREAMBLE = {
    "en": "\\documentclass[11pt]{article}\n\\usepackage[utf8]{inputenc}\n",
    "zh": "% Compile with XeLaTeX: the Chinese text needs xeCJK and a CJK font (here Noto Serif CJK SC).\n"
          "\\documentclass[11pt]{article}\n\\usepackage{xeCJK}\n\\setCJKmainfont{" + CJK_FONT + "}\n",
}


def tex(found: list[Item], works: list[str], lang: str) -> str:
    """The pack as a LaTeX document (pdfLaTeX for English, XeLaTeX for Chinese)."""
    from .export import FIT_DISPLAY

    text = TEXT[lang]
    out = [TEX_PREAMBLE[lang] + "\\usepackage{amsmath,amssymb,graphicx}\n\\usepackage[a4paper,margin=25mm]{geometry}\n"
           "\\usepackage{url}\n\\emergencystretch=2em\n" + FIT_DISPLAY + "\n\\begin{document}\n",
           f"\\section*{{{_tex_escape(text['title'])}}}\n{_tex_escape(text['intro'])}\n"]
    for item in found:
        tag = f"\\tag{{{item.number}}}" if item.number else "\\tag*{" + _tex_escape(_number(item, lang) or "") + "}"
        where, eid, *role = _heading(item, found, lang)
        out.append(f"\n\\subsection*{{{_tex_text(item.title)}}}\n"
                   + " \\quad ".join([_tex_escape(where), f"\\texttt{{{_tex_escape(eid)}}}", *map(_tex_escape, role)]) + "\n"
                   f"\\begin{{equation}}{tag}\n\\fitdisplay{{{item.latex}}}\n\\end{{equation}}\n"
                   f"{_tex_text(_kinds(item, lang))}\n")
        if item.steps:
            out.append(f"\n\\paragraph{{{_tex_escape(text['steps'])}}}\n\\begin{{enumerate}}\n" + "".join(
                f"\\item {_tex_text(step)}\n\\[\\fitdisplay{{{latex}}}\\]\n" for step, latex in item.steps)
                + "\\end{enumerate}\n")
        if item.link:
            out.append(f"\n\\noindent\\url{{{item.link}}}\n")
    if works:
        out.append(f"\n\\section*{{{_tex_escape(text['references'])}}}\n{_tex_escape(text['cited-by'])}\n"
                   "\\begin{itemize}\\raggedright\n" + "".join(
                       f"\\item {_tex_escape(WORKS[k].text()).replace('*', '')}\n" for k in works) + "\\end{itemize}\n")
    out.append("\\end{document}\n")
    return "".join(out)


def _typ_escape(text: str) -> str:
    """Typst markup for prose; an ASCII ' becomes the apostrophe ’, which Typst's smart quotes would turn
    into an opening quote after a full stop ("et al.'s")."""
    return re.sub(r"([\\#$*_`<>@\[\]~=/+-])", r"\\\1", text).replace("'", "\u2019")


def _typ_text(text: str, where: str) -> str:
    """Prose with ``$…$`` math, for Typst: the prose escaped, the math translated."""
    from .site import typst_math

    pieces = INLINE_MATH.split(text)
    return "".join(f"${typst_math.math(p, where)}$" if i % 2 else _typ_escape(p) for i, p in enumerate(pieces))


TYP_PREAMBLE = """#set document(title: "{title}", date: none, keywords: ("{version}",))
#set page(paper: "a4", margin: (x: 2cm, y: 2.2cm), numbering: "1 / 1")
#set text(font: ("Libertinus Serif", "{cjk}"), size: 10.5pt, lang: "{lang}")
#set par(justify: true)
#show link: set text(fill: rgb("#1f5fa8"))
// A display wider than its column is scaled down to fit it.
#let fit(body) = layout(size => {{
  let natural = measure(body).width
  if natural <= size.width {{ body }} else {{ scale(size.width / natural * 100%, reflow: true, body) }}
}})
#let numbered(number, body) = block(breakable: false, grid(columns: (1fr, auto), column-gutter: 1em,
  align: (center + horizon, right + horizon), fit(body), number))
"""


def typst_source(found: list[Item], works: list[str], lang: str) -> str:
    """The pack as a Typst document; its keywords carry a hash of everything after the preamble."""
    text = TEXT[lang]
    body = [f"= {_typ_escape(text['title'])}\n\n{_typ_escape(text['intro'])}\n"]
    for item in found:
        where = f"equation {item.id!r}"
        chapter, eid, *role = _heading(item, found, lang)
        body.append(f"\n== {_typ_text(item.title, where)}\n\n"
                    # sticky: the heading and this line stay on the page of the equation
                    + "#block(sticky: true)[" + " #h(1em) ".join(
                        [_typ_escape(chapter), f"`{eid}`", *(f"_{_typ_escape(r)}_" for r in role)]) + "]\n\n"
                    f"#numbered[{_typ_escape(_number(item, lang))}][$ {item.typst} $]\n\n"
                    f"{_typ_text(_kinds(item, lang), where)}\n")
        if item.steps:
            from .site import typst_math

            body.append(f"\n*{_typ_escape(text['steps'])}*\n\n" + "".join(
                f"+ {_typ_text(step, where)}\n  #numbered[][$ {typst_math.math(latex, f'{where}, step {i}')} $]\n"
                for i, (step, latex) in enumerate(item.steps, 1)))
        if item.link:
            body.append(f'\n#link("{item.link}")\n')
    if works:
        body.append(f"\n= {_typ_escape(text['references'])}\n\n{_typ_escape(text['cited-by'])}\n\n" + "".join(
            f"- {_typ_escape(WORKS[k].text().replace('*', ''))}\n" for k in works))
    content = "".join(body)
    return TYP_PREAMBLE.format(title=text["title"], version=version(content), cjk=CJK_FONT, lang=lang) + content


def version(content: str) -> str:
    """What a pack's PDF records of the Typst source it was typeset from."""
    return "source sha256:" + hashlib.sha256(content.encode("utf-8")).hexdigest()[:16]


def pdf(source: str) -> bytes:
    """Typeset a pack's Typst source; any warning (an unknown font, say) fails."""
    import typst

    try:
        out, warnings = typst.compile_with_warnings(source.encode("utf-8"))
    except typst.TypstError as error:
        raise PackError(f"Typst cannot typeset the pack: {getattr(error, 'diagnostic', None) or error}") from None
    if warnings:
        fonts = f"; the Chinese text needs {CJK_FONT} (Debian: apt-get install fonts-noto-cjk)" \
            if any("font" in str(w).lower() for w in warnings) else ""
        raise PackError(f"Typst warns: {'; '.join(map(str, warnings))}{fonts}")
    return out


def full_source(lang: str, config_file: Path = ROOT / "mkdocs.yml") -> str:
    """The Typst source of the site's full pack in ``lang``: every equation, with its steps."""
    return typst_source(*items([entry.id for entry in registry.entries()], lang, True, config_file), lang)


def cached_pdf(source: str, typeset: bool = True) -> bytes | None:
    """:func:`pdf` of ``source``, kept under ``.cache/packs`` by the hash of the source; ``None`` if it
    is not kept yet and ``typeset`` is false."""
    from .cache import cache_dir

    path = cache_dir().parent / "packs" / f"{hashlib.sha256(source.encode('utf-8')).hexdigest()}.pdf"
    if path.exists():
        return path.read_bytes()
    if not typeset:
        return None
    made = pdf(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(made)
    partial.replace(path)
    return made


def pack(ids: list[str], lang: str = "en", steps: bool = False, form: str = "md",
         config_file: Path = ROOT / "mkdocs.yml") -> str | bytes:
    """The course pack of ``ids`` in ``form`` (one of :data:`FORMATS`): text, or PDF bytes."""
    if form not in FORMATS:
        raise PackError(f"unknown pack format {form!r}; known: {', '.join(FORMATS)}")
    if not ids:
        raise PackError("a pack needs at least one equation id (or --all)")
    found, works = items(ids, lang, steps, config_file)
    if form == "md":
        return markdown(found, works, lang)
    if form == "tex":
        return tex(found, works, lang)
    source = typst_source(found, works, lang)
    return source if form == "typ" else pdf(source)
