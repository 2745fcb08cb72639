"""Python-Markdown extension: ``::: map`` draws the map of the derivations, and each equation's
"uses"/"used by" links point at the page that places the other equation.

The map is the graph of the ``uses=`` declarations (checked against the source by
:func:`derivations.dependencies.undeclared`): one node per id, linked to its equation, labelled with
its id, titled with its title and coloured by the weakest kind of proof it passed; an arrow from
``B`` to ``A`` reads "A uses B". Graphviz's ``dot`` layout (Viz.js: Graphviz compiled to WebAssembly,
pinned in ``package-lock.json`` and run by the same Node.js as KaTeX) lays it out at build time into inline SVG, cached
by the content of the graph, so an unchanged graph is never laid out again. Under the SVG, a
collapsible list gives every edge as text, with links.
"""

from __future__ import annotations

import html
import posixpath
import re
import subprocess
import xml.etree.ElementTree as etree
from pathlib import Path

from markdown import Extension
from markdown.blockprocessors import BlockProcessor
from markdown.postprocessors import Postprocessor

from .. import cache, published
from ..errors import DerivationError
from ..instances import KINDS
from ..translations import translate
from . import katex
from .claims import equation_pages
from .equations import page_context

MARKER = re.compile(r"^::: map *$")
LAYOUT = Path(__file__).with_name("layout.mjs")
VIZ_DIR = katex.ROOT / "node_modules" / "@viz-js" / "viz"
EDITION = re.compile(r"\.(?P<lang>[a-z]{2})\.md$")
FORMAT = 2
"""Bumped when the drawing changes: part of each cached layout's key."""

COLOURS = {"definition": "#d9d9d9", "symbolic": "#a8dcb0", "induction": "#9fd8e8", "explicit": "#fbe58a",
           "lemma": "#f7c08a", "numeric": "#f2a6a6"}
"""Fill of a node by the weakest kind of proof it passed (a definition proves nothing). Light fills under
black text, and a dark outline: the node reads the same on the light and the dark palette."""
LABELS = {
    "en": {"aria": "The map of the derivations: {nodes} equations, {edges} arrows; an arrow from B to A reads "
                   "\u201cA uses B\u201d. Each node links to its equation.",
           "legend": "Colour: the weakest kind of proof an equation passed.", "definition": "a definition, nothing to prove",
           "edges": "Every arrow as text: which equation uses which ({edges})", "uses": "{a} uses {b}",
           "alone": "{a} uses no other equation",
           "kinds": {"symbolic": "symbolic, for every n", "induction": "by induction", "explicit": "on explicit sizes",
                     "lemma": "a cited lemma, checked numerically", "numeric": "numeric instances"}},
    "zh": {"aria": "推导关系图：共 {nodes} 个公式、{edges} 条箭头；从 B 指向 A 的箭头表示“A 用到 B”。每个节点都链接到对应的公式。",
           "legend": "颜色：该公式所通过的最弱一种证明方式。", "definition": "定义，无需证明",
           "edges": "以文字列出全部箭头：哪个公式用到哪个（共 {edges} 条）", "uses": "{a} 用到 {b}",
           "alone": "{a} 不用到其他公式",
           "kinds": {"symbolic": "符号证明，对所有 n 成立", "induction": "归纳法", "explicit": "在具体维数上验证",
                     "lemma": "引用引理，并经数值检验", "numeric": "数值实例"}},
}


def weakest(record: dict) -> str:
    """The weakest kind of proof ``record`` passed (:data:`KINDS` runs from strongest to weakest), or
    ``"definition"``."""
    if record["kind"] == "definition" or not record["proof_kinds"]:
        return "definition"
    return max(record["proof_kinds"], key=KINDS.index)


def edition(page: str | None) -> tuple[str, str | None]:
    """The language of a page source such as ``map.zh.md``, and the default-language page it translates."""
    if page is None:
        return "en", None
    match = EDITION.search(page)
    return (match["lang"], page[:match.start()] + ".md") if match else ("en", page)


def href(page: str | None, target_page: str, equation_id: str) -> str:
    """The link from ``page`` (a source path) to the anchor of ``equation_id`` on ``target_page``, relative,
    so that each edition links within itself."""
    here = published.page_url(edition(page)[1] or "index.md")
    there = published.page_url(target_page)
    relative = posixpath.relpath(there or ".", here or ".")
    relative = "" if relative == "." else relative + "/"
    return f"{relative}#eq-{equation_id}"


def graph(records: dict[str, dict]) -> list[tuple[str, str]]:
    """Every edge ``(user, used)``, in reading order."""
    return [(eid, used) for eid, record in records.items() for used in record["uses"]]


def dot_source(records: dict[str, dict], links: dict[str, str], lang: str) -> str:
    """The Graphviz source of the map, left to right from used to user: one box per topic, each node
    labelled with its id's name inside the topic, so that the drawing fits a page's column."""
    quote = lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'  # noqa: E731
    lines = ["digraph derivations {", 'graph [rankdir=LR, nodesep=0.2, ranksep=0.5, bgcolor="transparent", '
             'fontname="Helvetica,Arial,sans-serif", fontsize=12, style=rounded, color="#999999"];',
             'node [shape=box, style="rounded,filled", fontname="Helvetica,Arial,sans-serif", fontsize=11, '
             'fontcolor="#000000", color="#333333", penwidth=1, height=0.3, margin="0.12,0.04"];',
             'edge [arrowsize=0.6, penwidth=0.9];']
    topics: dict[str, list[str]] = {}
    for eid in records:
        topics.setdefault(eid.split(".", 1)[0], []).append(eid)
    for topic, ids in topics.items():
        lines.append(f"subgraph {quote('cluster_' + topic)} {{ label={quote(topic)};")
        for eid in ids:
            kind = weakest(records[eid])
            title = translate(records[eid]["title"], lang, f"equation {eid!r} (title)").replace("$", "")
            lines.append(f"  {quote(eid)} [label={quote(eid.split('.', 1)[1])}, id={quote('map-' + eid)}, "
                         f"class={quote('map-' + kind)}, fillcolor={quote(COLOURS[kind])}, URL={quote(links[eid])}, "
                         f"tooltip={quote(eid + ': ' + title)}, target=\"_self\"];")
        lines.append("}")
    for user, used in graph(records):
        lines.append(f"{quote(used)} -> {quote(user)} [class={quote('map-edge')}, id={quote(f'map-{user}--{used}')}];")
    lines.append("}")
    return "\n".join(lines)


def layout(source: str) -> str:
    """The SVG Graphviz's ``dot`` draws from ``source``, from the cache when the same source was laid out before."""
    return cache.stored("depmap", [f"format {FORMAT}", source], lambda: _draw(source), ".svg")


def _draw(source: str) -> str:
    done = subprocess.run([katex.node(), str(LAYOUT), str(VIZ_DIR)], input=source, capture_output=True,
                          text=True, encoding="utf-8", check=False)
    if done.returncode != 0:
        raise DerivationError(f"Graphviz (Viz.js) failed to draw the map: {done.stderr.strip()}")
    svg = done.stdout[done.stdout.index("<svg"):]
    return re.sub(r"<!--.*?-->\s*", "", svg, flags=re.S)


STYLE = """<style>
.depmap-scroll{overflow-x:auto;margin:1em 0}
.depmap-scroll svg{max-width:none;height:auto}
.depmap .map-edge path{stroke:var(--md-default-fg-color--light)}
.depmap .cluster > path{stroke:var(--md-default-fg-color--lighter)}
.depmap .cluster > text{fill:var(--md-default-fg-color);font-weight:bold}
.depmap .map-edge polygon{fill:var(--md-default-fg-color--light);stroke:var(--md-default-fg-color--light)}
.depmap a:focus polygon,.depmap a:hover polygon,.depmap a:focus path,.depmap a:hover path{stroke-width:3;stroke:var(--md-accent-fg-color)}
.depmap-legend{list-style:none;padding:0;margin-left:0}
.depmap-legend li{margin-left:0}
.depmap-swatch{display:inline-block;width:1.4em;height:0.9em;border:1px solid #333;border-radius:3px;vertical-align:middle;margin-right:.5em}
</style>"""


def map_html(records: dict[str, dict], pages: dict[str, str], page: str | None) -> str:
    """The map for the page ``page``: style, SVG, legend and the edges as text."""
    lang = edition(page)[0]
    label = LABELS[lang]
    unplaced = sorted(set(records) - set(pages))
    if unplaced:
        raise DerivationError(f"the map links every equation, but {', '.join(unplaced)} is placed on no page")
    links = {eid: href(page, pages[eid], eid) for eid in records}
    edges = graph(records)
    svg = layout(dot_source(records, links, lang))
    aria = label["aria"].format(nodes=len(records), edges=len(edges))
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(aria)}" class="depmap" ', 1)
    esc = html.escape
    legend = "".join(
        f'<li><span class="depmap-swatch" style="background:{COLOURS[kind]}"></span>'
        f'{esc(label["definition"] if kind == "definition" else label["kinds"][kind])}</li>'
        for kind in ("definition", *KINDS) if any(weakest(r) == kind for r in records.values()))
    link = lambda eid: f'<a href="{esc(links[eid])}"><code>{esc(eid)}</code></a>'  # noqa: E731
    items = "".join(f'<li data-user="{esc(a)}" data-used="{esc(b)}">{label["uses"].format(a=link(a), b=link(b))}</li>'
                    for a, b in edges)
    alone = "".join(f"<li>{label['alone'].format(a=link(eid))}</li>" for eid, r in records.items() if not r["uses"])
    return (f'{STYLE}<div class="depmap-scroll" tabindex="0">{svg}</div>'
            f'<p>{esc(label["legend"])}</p><ul class="depmap-legend">{legend}</ul>'
            f'<details class="depmap-edges"><summary>{esc(label["edges"].format(edges=len(edges)))}</summary>'
            f'<ul>{items}{alone}</ul></details>')


class MapBlockProcessor(BlockProcessor):
    """Replaces a ``::: map`` line with the map of the derivations."""

    def test(self, parent, block):
        return bool(MARKER.match(block.split("\n", 1)[0].strip()))

    def run(self, parent, blocks):
        _first, _, rest = blocks.pop(0).partition("\n")
        if rest.strip():
            blocks.insert(0, rest)
        page, docs = page_context(self.parser.md)
        shown = map_html(cache.records(), equation_pages(docs), page)
        etree.SubElement(parent, "div").text = self.parser.md.htmlStash.store(shown)


PANEL_LINK = re.compile(r'<a class="eq-link" href="#eq-(?P<id>[^"]+)" data-eq="(?P=id)">')


PLACED = re.compile(r'id="eq-([^"]+)"')
"""The ids of the equations a page places."""


class PanelLinks(Postprocessor):
    """Points each ``uses``/``used by`` link of an equation's panel at the page that places that equation,
    unless this page places it (as the print edition places them all)."""

    def run(self, text):
        if 'class="eq-link"' not in text:
            return text
        page, docs = page_context(self.md)
        pages = equation_pages(docs)
        placed = set(PLACED.findall(text))

        def point(match):
            eid = match["id"]
            if eid in placed or eid not in pages:
                return match[0]
            return f'<a class="eq-link" href="{html.escape(href(page, pages[eid], eid))}" data-eq="{eid}">'

        return PANEL_LINK.sub(point, text)


class MapExtension(Extension):
    def extendMarkdown(self, md):
        md.parser.blockprocessors.register(MapBlockProcessor(md.parser), "derivations-map", 106)
        md.postprocessors.register(PanelLinks(md), "derivations-panel-links", 5)


def makeExtension(**kwargs):
    return MapExtension(**kwargs)
