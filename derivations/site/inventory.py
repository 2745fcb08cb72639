"""A Sphinx inventory (``objects.inv``) of the published equations, one per edition, so that Sphinx and
MyST (through intersphinx) and mkdocstrings' autorefs link to an equation by its id.

Each published id placed on a page is an object of the ``std`` domain with the role ``label``, the
role Sphinx's own section labels have, which ``:ref:`` resolves: ``:ref:`rnn:rnn.step-jacobian```
with ``intersphinx_mapping = {"rnn": ("https://…/", None)}`` (the Chinese edition: ``"https://…/zh/"``).
The display name is the equation's title in the edition's language; intersphinx shows it as the
link's text unless the reference gives its own. A renamed id (``published.json``'s ``"renamed"``)
keeps its entry, pointing at the alias anchor its old id keeps on the new id's page.

URIs are relative to the edition's root (``backprop-through-time/#eq-rnn.step-jacobian``), as
intersphinx joins them to the mapping's base URL: the inventory holds wherever the site is published.
The version is ``latest``: the site is one living edition whose ids never change, and a constant
keeps two builds of one commit byte-identical (zlib at a fixed level is deterministic too).
The file is written with ``sphobjinv``.
"""

from __future__ import annotations

from pathlib import Path

import sphobjinv

from .. import cache, published, serving
from ..translations import translate
from .claims import equation_pages

VERSION = "latest"
FILENAME = "objects.inv"


class InventoryError(RuntimeError):
    """A published equation cannot be listed; the message names the id."""


def entries(docs_dir: Path, lang: str = "en") -> list[tuple[str, str, str]]:
    """``(id, uri, title)`` of each published id placed on a page (directly, or as a renamed id's
    alias anchor), sorted by id; the URI relative to the ``lang`` edition's root, the title in ``lang``.
    A placed id without a title fails naming it (while serving: a warning, and the id is left out)."""
    record = published.load()
    placed = equation_pages(Path(docs_dir))
    found = cache.entries()
    rows = []
    for eid in sorted(record["equations"]):
        target = record["renamed"].get(eid, eid)
        if target not in placed:
            continue
        entry = found.get(target, {})
        title = entry.get("record", {}).get("title")
        if not title:
            problem = (f"{FILENAME}: published equation {eid!r} has no title: "
                       f"{entry.get('error') or f'{target!r} is not a known derivation'}")
            if serving.active():
                serving.warn(problem)
                continue
            raise InventoryError(problem)
        title = translate(title, lang, f"equation {target!r} (title)").replace("$", "")
        rows.append((eid, f"{published.page_url(placed[target])}#eq-{eid}", title))
    return rows


def inventory_bytes(project: str, rows: list[tuple[str, str, str]], version: str = VERSION) -> bytes:
    """The compressed ``objects.inv`` listing ``rows`` as ``std:label`` objects."""
    inventory = sphobjinv.Inventory()
    inventory.project, inventory.version = project, version
    for eid, uri, title in rows:
        inventory.objects.append(sphobjinv.DataObjStr(
            name=eid, domain="std", role="label", priority="-1", uri=uri, dispname=title))
    return sphobjinv.compress(inventory.data_file(contract=True))


def write(site_dir: Path, folder: str, project: str, docs_dir: Path, lang: str) -> Path:
    """Write the ``lang`` edition's inventory into ``site_dir/folder`` ("" or "zh/") and return its path."""
    path = Path(site_dir) / folder / FILENAME
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(inventory_bytes(project, entries(docs_dir, lang)))
    return path
