"""How an equation is cited: its label, a Markdown link, a BibTeX or biblatex entry (from the template of
the pages' "Cite this page" block) with a content hash of the proved result, and the "Cite or copy"
tabs of its panel, which add its LaTeX and its Typst."""

from __future__ import annotations

import functools
import hashlib
import html
from pathlib import Path

import jinja2

from . import typst_math

TEMPLATE = Path(__file__).with_name("theme") / "partials" / "cite.bib.html"
NAMES = {"en": {"definition": "Definition", "equation": "Equation"}, "zh": {"definition": "定义", "equation": "式"}}
TAB_LABELS = {"en": {"cite": "Cite or copy", "url": "Link"}, "zh": {"cite": "引用或复制", "url": "链接"}}


def site(cite: dict, site_name: str, site_url: str, lang: str) -> dict:
    """What the citation template reads of ``mkdocs.yml``: ``extra.cite``, the site's name and address."""
    return {"extra": {"cite": cite}, "site_name": site_name, "site_url": site_url, "theme": {"language": lang}}


@functools.lru_cache(maxsize=4)
def _compiled(source: str) -> jinja2.Template:
    return jinja2.Template(source)


def render(site: dict, page: dict, equation: dict | None = None, biblatex: bool = False) -> str:
    template = _compiled(TEMPLATE.read_text(encoding="utf-8"))  # compiled again only when the file changes
    return template.render(page=page, config=site, equation=equation, biblatex=biblatex).strip()


def version(record: dict) -> str:
    """A short content hash of the proved result as displayed, so that notes can say which verified
    version they cite: it changes exactly when the equation shown changes."""
    return "sha256:" + hashlib.sha256(record["equation"].encode("utf-8")).hexdigest()[:12]


def label(number: int | None, lang: str) -> str:
    """How a citation names an equation: "Equation (3)", or "Definition" for a definition."""
    return NAMES[lang]["definition"] if number is None else f"{NAMES[lang]['equation']} ({number})"


def markdown_link(title: str, number: int | None, link: str, lang: str) -> str:
    return f"[{title}{'，' if lang == 'zh' else ', '}{label(number, lang)}]({link})"


def entry(site: dict, record: dict, title: str, number: int | None, link: str, biblatex: bool = False) -> str:
    """The BibTeX (or biblatex) entry of one equation at ``link``."""
    equation = {"id": record["id"], "title": title, "url": link, "version": version(record),
                "label": f"{label(number, site['theme']['language'])}, {record['id']}"}
    return render(site, {"url": link}, equation, biblatex=biblatex)


def tabs(record: dict, number: int | None, title: str, lang: str, link: str | None = None, site: dict | None = None) -> str:
    """The panel's "Cite or copy" tabs (pymdownx.tabbed's markup, which Material styles): the
    permalink, a Markdown link and BibTeX (when the id is published), the LaTeX and the Typst. Each
    is a code block, so Material gives it a copy button."""
    eid, esc = record["id"], html.escape
    blocks = [(TAB_LABELS[lang]["url"], "text", link), ("Markdown", "markdown", markdown_link(title, number, link, lang))
              ] if link else []
    if link and site:
        blocks.append(("BibTeX", "bibtex", entry(site, record, title, number, link)))
    blocks += [("LaTeX", "latex", record["equation"]), ("Typst", "typst", typst_math.equation(record))]
    name = f"eq-{eid}-cite"
    inputs = "".join(f'<input{" checked" if i == 0 else ""} id="{esc(name)}-{i}" name="{esc(name)}" type="radio">'
                     for i in range(len(blocks)))
    labels = "".join(f'<label for="{esc(name)}-{i}">{tab}</label>' for i, (tab, _, _) in enumerate(blocks))
    contents = "".join(f'<div class="tabbed-block"><pre class="eq-{language}"><code class="language-{language}">'
                       f"{esc(text)}</code></pre></div>" for _, language, text in blocks)
    return (f'<p>{TAB_LABELS[lang]["cite"]}:</p><div class="tabbed-set tabbed-alternate eq-cite" data-tabs="1:{len(blocks)}">'
            f'{inputs}<div class="tabbed-labels">{labels}</div><div class="tabbed-content">{contents}</div></div>')
