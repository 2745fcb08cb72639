"""Citations: BibTeX for a page of the site, and BibTeX, biblatex, Markdown or the permalink for one
equation, all from the template of the pages' "Cite this page" block."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import jinja2

from .. import cache, registry
from ..errors import DerivationError, UnknownIdError
from ..translations import translate
from .claims import equation_pages
from .equations import LABELS, MARKER
from .equations import permalink as equation_permalink

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("theme") / "partials" / "cite.bib.html"
FORMATS = ("bibtex", "biblatex", "md", "url")


def _site(config_file: Path, lang: str) -> tuple[dict, Path]:
    from mkdocs.config import load_config

    config = load_config(str(config_file))
    site = {"extra": config["extra"], "site_name": config["site_name"], "site_url": config["site_url"],
            "theme": {"language": lang}}
    return site, Path(config["docs_dir"])


def _page(equation_id: str, docs: Path) -> tuple[str, str]:
    """The (English) page source that places ``equation_id``, and its MkDocs directory URL."""
    registry.lookup(equation_id)
    pages = equation_pages(docs)
    if equation_id not in pages:
        raise UnknownIdError(equation_id, sorted(pages))
    source = pages[equation_id]
    return source, "" if source == "index.md" else source.removesuffix(".md") + "/"


def _render(site: dict, page: dict, equation: dict | None = None, biblatex: bool = False) -> str:
    template = jinja2.Template(TEMPLATE.read_text(encoding="utf-8"))
    return template.render(page=page, config=site, equation=equation, biblatex=biblatex).strip()


def page_bibtex(equation_id: str, config_file: Path = ROOT / "mkdocs.yml") -> str:
    """The BibTeX entry of the (English) page that places ``equation_id``."""
    site, docs = _site(config_file, "en")
    source, url = _page(equation_id, docs)
    heading = re.search(r"^# (.+)$", (docs / source).read_text(encoding="utf-8"), re.M)
    return _render(site, {"title": heading[1].strip() if heading else source, "url": url})


def numbers(source: Path) -> dict[str, int | None]:
    """Each equation the page ``source`` places, in order, with the number the page gives it (a definition: None)."""
    placed, count = {}, 0
    for line in source.read_text(encoding="utf-8").splitlines():
        match = MARKER.match(line.strip())
        if match:
            definition = cache.record(match["id"])["kind"] == "definition"
            count += not definition
            placed[match["id"]] = None if definition else count
    return placed


def version(record: dict) -> str:
    """A short content hash of the proved result as displayed, so that notes can say which verified
    version they cite: it changes exactly when the equation shown changes."""
    return "sha256:" + hashlib.sha256(record["equation"].encode("utf-8")).hexdigest()[:12]


def cite(equation_id: str, form: str = "bibtex", lang: str = "en", config_file: Path = ROOT / "mkdocs.yml") -> str:
    """One equation cited in ``form`` (one of :data:`FORMATS`), pointing at its anchor in the ``lang`` edition."""
    if form not in FORMATS:
        raise DerivationError(f"unknown citation format {form!r}; known: {', '.join(FORMATS)}")
    site, docs = _site(config_file, lang)
    source, url = _page(equation_id, docs)
    record = cache.record(equation_id)
    link = equation_permalink(equation_id, site["site_url"], lang)
    if link is None:
        raise DerivationError(f"{equation_id!r} is not in derivations/published.json yet: "
                              "run python -m derivations published")
    title = translate(record["title"], lang, f"equation {equation_id!r} (title)")
    shown = numbers(docs / source)[equation_id]
    label = LABELS[lang]["definition"] if shown is None else f"{'式' if lang == 'zh' else 'Equation'} ({shown})"
    if form == "url":
        return link
    if form == "md":
        return f"[{title}{'，' if lang == 'zh' else ', '}{label}]({link})"
    equation = {"id": equation_id, "title": title, "url": link, "version": version(record),
                "label": f"{label}, {equation_id}"}
    return _render(site, {"url": url}, equation, biblatex=form == "biblatex")
