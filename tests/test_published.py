"""Published ids never break: a removed or moved equation fails unless the change is declared."""

from __future__ import annotations

import yaml

from conftest import ROOT
from derivations import published, registry

DOCS = ROOT / "docs"


def test_every_placed_id_is_published():
    unpublished = set(published.current(DOCS)) - set(published.load()["equations"])
    assert not unpublished, f"run `python -m derivations published` to publish {sorted(unpublished)}"


def test_published_ids_still_resolve_where_they_were_published():
    record, now = published.load(), published.current(DOCS)
    known = {e.id for e in registry.entries()}
    for eid, url in record["equations"].items():
        if eid in record["renamed"]:
            assert record["renamed"][eid] in known, f"{eid} was renamed to an unknown id"
            continue
        assert eid in now, f"published id {eid!r} is no longer on any page; declare a rename instead"
        if now[eid] != url:
            assert record["moved"].get(url) == now[eid], f"{eid} moved from {url} to {now[eid]} undeclared"


def test_moved_pages_have_redirects():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    redirects = next(p["redirects"] for p in config["plugins"] if isinstance(p, dict) and "redirects" in p)
    for old in published.load()["moved"]:
        assert f"{old.rstrip('/')}.md" in redirects["redirect_maps"], f"moved page {old} has no redirect"


def test_a_renamed_id_keeps_its_old_anchor(tiny_site, project_copy):
    project = project_copy("published.json", '"renamed": {}', '"renamed": {"rnn.one-step-jacobian": "rnn.step-jacobian"}')
    done = tiny_site({"index.md": "# Page\n\n::: eq rnn.step-jacobian\n\n[old](#eq-rnn.one-step-jacobian)\n"},
                     project=project)
    assert done.returncode == 0, done.stderr
