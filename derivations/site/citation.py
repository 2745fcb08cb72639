"""BibTeX for a page of the site, from the same template as the pages' "Cite this page" block."""

from __future__ import annotations

import re
from pathlib import Path

import jinja2

from .. import registry
from ..errors import UnknownIdError
from .claims import equation_pages

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = Path(__file__).with_name("theme") / "partials" / "cite.bib.html"


def page_bibtex(equation_id: str, config_file: Path = ROOT / "mkdocs.yml") -> str:
    """The BibTeX entry of the (English) page that places ``equation_id``."""
    from mkdocs.config import load_config

    registry.lookup(equation_id)
    config = load_config(str(config_file))
    docs = Path(config["docs_dir"])
    pages = equation_pages(docs)
    if equation_id not in pages:
        raise UnknownIdError(equation_id, sorted(pages))
    source = pages[equation_id]
    heading = re.search(r"^# (.+)$", (docs / source).read_text(encoding="utf-8"), re.M)
    url = "" if source == "index.md" else source.removesuffix(".md") + "/"  # MkDocs' directory URLs
    page = {"title": heading[1].strip() if heading else source, "url": url}
    site = {"extra": config["extra"], "site_name": config["site_name"], "site_url": config["site_url"],
            "theme": {"language": "en"}}
    return jinja2.Template(TEMPLATE.read_text(encoding="utf-8")).render(page=page, config=site).strip()
