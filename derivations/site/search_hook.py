"""MkDocs hook: one search index per edition, holding prose under clean titles.

* mkdocs-static-i18n builds the editions one after the other and leaves a single index that
  holds them all (Material looks one up, under the site's root), so an English query listed
  Chinese pages and a Chinese one English pages. Once it has written that index, it is split:
  ``search/search_index.json`` keeps the default edition's entries, and each other edition
  gets its own under its root (``zh/search/search_index.json``, locations relative to
  ``zh/``), where its pages look it up (``main.html`` points Material's "base" there).
* A notebook's code and the pilcrows of its headings are marked ``data-search-exclude``,
  Material's own marker, so that its results show the notebook's prose under clean titles.
* The index is read from the page with its math and equation panels left out: a displayed
  formula's KaTeX markup (most of a chapter's bytes) and MathML would index as a jumble of glyphs,
  and a panel's source code and citations are not prose. An inline formula is indexed as the text
  of its visual layer, once; a panel as its title. Parsing a chapter for its index so takes a fraction of the time.
* Material segments Chinese with jieba for its index and joins the words of a title with
  zero-width spaces, which then show in the result's title. A title is stored as written; its
  Chinese words go into a field of their own that is searched as the title is and never shown.
"""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

from mkdocs.plugins import event_priority

ZWSP = "\u200b"
HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
TITLE_WORDS = "title_words"
"""The field of an index entry that holds its title's Chinese words, searched with the title's boost."""


def on_env(env, config, files):
    env.globals["edition_search_index"] = True  # main.html: the pages of an edition look up its own index
    return env


NOTEBOOK_UNSEARCHED = re.compile(
    r'<div class="(?:highlight-ipynb|clipboard-copy-txt)\b[^"]*"|<clipboard-copy\b|<a class="anchor-link"')
"""Where a notebook page shows what search should not: a code cell's source, highlighted and as the
copy button's text, the button's "Copied!", and each heading's pilcrow. None holds an element of its
own tag: Material's search compares elements by tag, so an excluded element ends at the first
closing tag of its kind (a code cell's wrapper would end at its first inner </div>)."""


@event_priority(-50)  # after notebook_hook.py, which reads the headings' anchor links as nbconvert wrote them
def on_page_content(html, page, config, files):
    if not page.file.src_uri.endswith(".ipynb"):
        return html
    return NOTEBOOK_UNSEARCHED.sub(lambda start: f"{start[0]} data-search-exclude", html)


UNINDEXED = re.compile(r'<span class="katex-display"|<span class="katex">|<details class="[^"]*\beq-meta\b'
                       r'|<div class="eq-cards"')
"""Where a formula, an equation's panel or the cards of a page's equation references start."""
NESTING = {tag: re.compile(rf"<{tag}\b|</{tag}>") for tag in ("span", "details", "div")}
TAG = re.compile(r"<[^>]*>")
SUMMARY = re.compile(r"<summary>(.*?)</summary>", re.S)


def _end(html: str, start: int, tag: str) -> int:
    """Where the element ``tag`` that opens at ``start`` ends (elements of one tag may nest)."""
    depth = 0
    for mark in NESTING[tag].finditer(html, start):
        depth += -1 if mark[0].startswith("</") else 1
        if depth == 0:
            return mark.end()
    return len(html)


def searchable(html: str) -> str:
    """``html`` as the search index reads it: displayed math and the cards left out, an inline
    formula as the text it shows, an equation's panel as its title."""
    out, at = [], 0
    while start := UNINDEXED.search(html, at):
        tag = start[0][1:].split(" ", 1)[0]
        end = _end(html, start.start(), tag)
        element = html[start.start():end]
        if start[0] == '<span class="katex">':  # its visual layer's text: "the state ht", as a reader types it
            out.append(html[at:start.start()] + TAG.sub("", element[element.find('<span class="katex-html"'):]))
        elif tag == "details":
            out.append(html[at:start.start()] + "".join(f"<p>{title}</p>" for title in SUMMARY.findall(element)[:1]))
        else:
            out.append(html[at:start.start()])
        at = end
    return "".join(out) + html[at:]


@event_priority(50)  # before Material's search plugin
def on_page_context(context, page, config, nav):
    """Index the page as :func:`searchable` reads it; Material's plugin then finds it indexed."""
    search = config.plugins.get("material/search")
    if search is None or not search.config.enabled or (page.meta.get("search") or {}).get("exclude"):
        return context
    light = copy.copy(page)
    light.content = searchable(page.content)
    search.search_index.add_entry_from_context(light)
    page.meta = {**page.meta, "search": {**(page.meta.get("search") or {}), "exclude": True}}
    return context


def _clean_title(entry: dict) -> dict:
    title = entry["title"]
    words = [word for word in re.split(rf"[\s{ZWSP}]+", title) if HAN.search(word)]
    entry = {**entry, "title": title.replace(ZWSP, "").strip()}
    if words:
        entry[TITLE_WORDS] = " ".join(words)
    return entry


def split_index(index: dict, default: str, others: list[str]) -> dict[str, dict]:
    """``{folder: index}`` for each edition ("" for the default one, "zh/" for Chinese) from the
    index of all editions, whose Chinese locations start with ``zh/``."""
    folders = {language: f"{language}/" for language in others}
    languages = index["config"]["lang"]
    split = {}
    for language, folder in [(default, ""), *folders.items()]:
        if folder:
            entries = [{**e, "location": e["location"].removeprefix(folder)}
                       for e in index["docs"] if e["location"].startswith(folder)]
        else:
            entries = [e for e in index["docs"] if not e["location"].startswith(tuple(folders.values()))]
        entries = [_clean_title(entry) for entry in entries]
        fields = dict(index["config"]["fields"])
        if any(TITLE_WORDS in entry for entry in entries):
            fields[TITLE_WORDS] = fields["title"]
        lang = [code for code in languages if code in (default, language)] or languages
        split[folder] = {"config": {**index["config"], "lang": lang, "fields": fields}, "docs": entries}
    return split


def _forget_stacked_entries(config, i18n) -> None:
    """Under ``mkdocs serve`` the plugins live from one build to the next. mkdocs-static-i18n stacks
    each build's index entries onto what it stacked before, and Material's search starts a dirty
    build from the last index, which shares that list: without this the index doubled with every
    save (1.4 MB, then 2.9, 5.8 and 11.7 MB over four saves of one chapter, each rebuild slower)."""
    i18n.search_entries = []
    search = config.plugins.get("material/search")
    if search is not None and search.config.enabled:
        entries = search.search_index.entries
        entries[:] = {entry["location"]: entry for entry in entries}.values()


@event_priority(-110)  # after mkdocs-static-i18n (-100), which writes the index of all editions last
def on_post_build(config):
    i18n = config.plugins.get("i18n")
    if i18n is None or i18n.building:  # an edition built from within mkdocs-static-i18n's own post_build
        return
    site = Path(config.site_dir)
    path = site / "search" / "search_index.json"
    if not path.is_file():
        return
    _forget_stacked_entries(config, i18n)
    index = json.loads(path.read_text(encoding="utf-8"))
    index["docs"] = list({doc["location"]: doc for doc in index["docs"]}.values())
    others = [language for language in i18n.build_languages if language != i18n.default_language]
    for folder, edition in split_index(index, i18n.default_language, others).items():
        out = site / folder / "search" / "search_index.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(edition, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
