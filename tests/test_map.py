"""The map of the derivations: declared uses match the source, the build fails on a wrong declaration,
the map page draws every id and declaration, and each panel lists what it uses and what uses it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from derivations import cache, dependencies
from derivations.instances import KINDS
from derivations.site import depmap

from conftest import ROOT
from test_cli import cli


def test_declarations_match_the_detected_uses():
    found = dependencies.uses()
    for eid, place in dependencies.placements().items():
        assert set(place.uses) == set(found[eid]), eid
    assert dependencies.undeclared() == []


def test_records_carry_the_declarations():
    records = cache.records()
    assert records["rnn.step-jacobian"]["uses"] == ["rnn.model"]
    assert all(set(r["uses"]) <= set(records) for r in records.values())


@pytest.mark.parametrize("old, new, words", [
    ('uses=("rnn.chain-rule",))', 'uses=())', ["rnn.span-jacobian", "rnn.chain-rule", "does not declare"]),
    ('title="Gradient of the loss with respect to W_hh", uses=("rnn.model",))',
     'title="Gradient of the loss with respect to W_hh", uses=("rnn.model", "rnn.order-matters"))',
     ["rnn.whh-gradient", "rnn.order-matters", "does not use"]),
])
def test_a_wrong_declaration_fails_the_build(project_copy, tiny_site, old, new, words):
    if old.startswith("uses=(\"rnn.chain"):
        old, new = '"rnn.step-jacobian", "rnn.chain-rule"))', '"rnn.step-jacobian",))'
    project = project_copy("rnn.py", old, new)
    done = tiny_site({"index.md": "# Tiny\n\n::: eq rnn.model\n"}, project)
    assert done.returncode != 0
    checked = cli("check", "rnn.model", project=project)
    assert checked.returncode == 1, checked.stdout
    for word in words:
        assert word in done.stderr and word in checked.stderr


def test_a_declaration_is_cut_from_the_key_of_the_mathematics(tmp_path):
    package = tmp_path / "derivations"
    import shutil
    shutil.copytree(ROOT / "derivations", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = dependencies.math_fingerprints(cache.SALT, package)
    path = package / "rnn.py"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(', uses=("rnn.model",))\ndef step_jacobian', ')\ndef step_jacobian', 1)
                    if False else text.replace('title="Jacobian of one RNN step", uses=("rnn.model",))',
                                               'title="Jacobian of one RNN step")'), encoding="utf-8")
    assert dependencies.math_fingerprints(cache.SALT, package) == before
    assert dependencies.fingerprints(cache.SALT, package)["rnn.step-jacobian"] != \
        dependencies.fingerprints(cache.SALT, ROOT / "derivations")["rnn.step-jacobian"]


def test_weakest_kind():
    assert depmap.weakest({"kind": "result", "proof_kinds": ["symbolic", "explicit"]}) == "explicit"
    assert depmap.weakest({"kind": "definition", "proof_kinds": []}) == "definition"


def _anchors(site: Path, page: Path, link: str) -> bool:
    path, _, anchor = link.partition("#")
    target = (page.parent / path / "index.html").resolve() if path else page
    return f'id="{anchor}"' in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("edition", ["", "zh/"])
def test_the_map_draws_every_id_and_declaration(built_site, edition):
    page = built_site / edition / "map" / "index.html"
    text = html.unescape(page.read_text(encoding="utf-8"))
    records = cache.records()
    nodes = re.findall(r'<g id="map-([a-z0-9.-]+)" class="node map-([a-z]+)">', text)
    assert sorted(n for n, _ in nodes) == sorted(records)
    for eid, kind in nodes:
        assert kind == depmap.weakest(records[eid]) and (kind == "definition" or kind in KINDS)
    links = dict(re.findall(r'<g id="map-([a-z0-9.-]+)" class="node[^"]*">\s*<title>[^<]*</title>\s*'
                            r'<g id="[^"]*"><a xlink:href="([^"]+)"', text))
    assert sorted(links) == sorted(records)
    for eid, link in links.items():
        assert link.endswith(f"#eq-{eid}") and _anchors(built_site, page, link), (eid, link)
    edges = set(re.findall(r'<li data-user="([^"]+)" data-used="([^"]+)">', text))
    assert edges == {(eid, used) for eid, r in records.items() for used in r["uses"]}
    drawn = set(re.findall(r'<g id="map-([a-z0-9.-]+)--([a-z0-9.-]+)" class="edge', text))
    assert drawn == edges
    assert 'role="img" aria-label=' in text


def test_panels_list_uses_and_used_by(built_site):
    records, checked = cache.records(), 0
    for page in [*built_site.glob("*/index.html"), *built_site.glob("zh/*/index.html")]:
        if "print" in page.parts:
            continue
        text = html.unescape(page.read_text(encoding="utf-8"))
        for block in text.split('<div class="eq" data-eq-id="')[1:]:
            eid, body = block.split('"', 1)[0], block.split('<details class="info eq-meta">', 1)[1].split("</details>", 1)[0]
            checked += 1
            uses = re.search(r'<p class="eq-uses">(.*?)</p>', body, re.S)[1]
            used_by = re.search(r'<p class="eq-used-by">(.*?)</p>', body, re.S)[1]
            assert re.findall(r'data-eq="([^"]+)"', uses) == records[eid]["uses"]
            assert set(re.findall(r'data-eq="([^"]+)"', used_by)) == {
                other for other, r in records.items() if eid in r["uses"]}
            for link in re.findall(r'class="eq-link" href="([^"]+)"', uses + used_by):
                assert _anchors(built_site, page, link), (page, link)
    assert checked >= 2 * len(records), "panels not found"
