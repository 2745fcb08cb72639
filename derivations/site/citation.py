"""Citations from the command line: BibTeX for a page of the site, and BibTeX, biblatex, Markdown or
the permalink for one equation, found by its id (:mod:`derivations.site.cite_formats` writes them)."""

from __future__ import annotations

import re
from pathlib import Path

from .. import cache, registry
from ..errors import DerivationError, UnknownIdError
from ..translations import translate
from . import equations
from .cite_formats import entry, markdown_link, render, site
from .claims import equation_pages

ROOT = Path(__file__).resolve().parents[2]
FORMATS = ("bibtex", "biblatex", "md", "url")


def _site(config_file: Path, lang: str) -> tuple[dict, Path]:
    from mkdocs.config import load_config

    config = load_config(str(config_file))
    return site(config["extra"]["cite"], config["site_name"], config["site_url"], lang), Path(config["docs_dir"])


def _page(equation_id: str, docs: Path) -> tuple[str, str]:
    """The (English) page source that places ``equation_id``, and its MkDocs directory URL."""
    registry.lookup(equation_id)
    pages = equation_pages(docs)
    if equation_id not in pages:
        raise UnknownIdError(equation_id, sorted(pages))
    source = pages[equation_id]
    return source, "" if source == "index.md" else source.removesuffix(".md") + "/"


def page_bibtex(equation_id: str, config_file: Path = ROOT / "mkdocs.yml") -> str:
    """The BibTeX entry of the (English) page that places ``equation_id``."""
    config, docs = _site(config_file, "en")
    source, url = _page(equation_id, docs)
    heading = re.search(r"^# (.+)$", (docs / source).read_text(encoding="utf-8"), re.M)
    return render(config, {"title": heading[1].strip() if heading else source, "url": url})


def numbers(source: Path) -> dict[str, int | None]:
    """Each equation the page ``source`` places, in order, with the number the page gives it (a definition: None)."""
    placed, count, records = {}, 0, cache.records()
    for line in source.read_text(encoding="utf-8").splitlines():
        match = equations.MARKER.match(line.strip())
        if match:  # an id that is not in the records fails in cache.record, naming it
            definition = (records.get(match["id"]) or cache.record(match["id"]))["kind"] == "definition"
            count += not definition
            placed[match["id"]] = None if definition else count
    return placed


def cite(equation_id: str, form: str = "bibtex", lang: str = "en", config_file: Path = ROOT / "mkdocs.yml") -> str:
    """One equation cited in ``form`` (one of :data:`FORMATS`), pointing at its anchor in the ``lang`` edition."""
    if form not in FORMATS:
        raise DerivationError(f"unknown citation format {form!r}; known: {', '.join(FORMATS)}")
    config, docs = _site(config_file, lang)
    source, _ = _page(equation_id, docs)
    record = cache.record(equation_id)
    link = equations.permalink(equation_id, config["site_url"], lang)
    if link is None:
        raise DerivationError(f"{equation_id!r} is not in derivations/published.json yet: "
                              "run python -m derivations published")
    title = translate(record["title"], lang, f"equation {equation_id!r} (title)")
    number = numbers(docs / source)[equation_id]
    if form == "url":
        return link
    if form == "md":
        return markdown_link(title, number, link, lang)
    return entry(config, record, title, number, link, biblatex=form == "biblatex")
