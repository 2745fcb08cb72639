"""The public promise: every equation id ever published, and the page URL that holds it.

``derivations/published.json`` is committed. A test fails when a published id disappears or
changes page, unless the change is declared: an id renamed in ``"renamed"`` (its old anchor
stays on the page as an alias), a page moved in ``"moved"`` (with a redirect in ``mkdocs.yml``).
``python -m derivations published`` adds newly placed ids to the file.
"""

from __future__ import annotations

import json
from pathlib import Path

from .registry import PACKAGE_DIR

PATH = PACKAGE_DIR / "published.json"


def load() -> dict:
    """The committed record: ``{"equations": {id: url}, "renamed": {old: new}, "moved": {old: new}}``."""
    data = json.loads(PATH.read_text(encoding="utf-8"))
    return {key: data.get(key, {}) for key in ("equations", "renamed", "moved")}


def aliases(equation_id: str) -> list[str]:
    """Old ids renamed to ``equation_id``, whose anchors must keep resolving on its page."""
    return sorted(old for old, new in load()["renamed"].items() if new == equation_id)


def page_url(page: str) -> str:
    """MkDocs' directory URL of a page path such as ``remedies.md``."""
    return "" if page == "index.md" else page.removesuffix(".md") + "/"


def current(docs_dir: Path) -> dict[str, str]:
    """Each placed id and the URL of the page that places it now."""
    from .site.claims import equation_pages

    return {eid: page_url(page) for eid, page in sorted(equation_pages(docs_dir).items())}


def update(docs_dir: Path) -> list[str]:
    """Record ids placed for the first time; never rewrites or drops an existing entry."""
    data = load()
    new = {eid: url for eid, url in current(docs_dir).items() if eid not in data["equations"]}
    data["equations"].update(new)
    PATH.write_text(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return sorted(new)
