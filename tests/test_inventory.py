"""The Sphinx inventories (``objects.inv``, ``zh/objects.inv``): every published equation by its id, and
a real Sphinx project that links to one through intersphinx."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from urllib.parse import unquote, urlsplit

import pytest
import sphobjinv

from conftest import ROOT
from derivations import cache, published
from derivations.site import inventory
from derivations.translations import translate

EDITIONS = {"en": "", "zh": "zh/"}


def _objects(site, folder):
    inv = sphobjinv.Inventory(site / folder / "objects.inv")
    return inv, {o.name: o for o in inv.objects}


@pytest.mark.parametrize("lang", EDITIONS)
def test_every_published_id_is_listed_with_its_page_anchor_and_title(built_site, lang):
    inv, objects = _objects(built_site, EDITIONS[lang])
    assert inv.version == inventory.VERSION and inv.project
    expected = published.load()["equations"]
    assert sorted(objects) == sorted(expected)
    for eid, page in expected.items():
        obj = objects[eid]
        assert (obj.domain, obj.role) == ("std", "label"), eid
        assert obj.uri_expanded == f"{page}#eq-{eid}", eid  # relative to the edition's root
        assert obj.dispname_expanded == translate(cache.record(eid)["title"], lang, eid), eid


@pytest.mark.parametrize("lang", EDITIONS)
def test_every_listed_anchor_is_on_its_built_page(built_site, lang):
    root = built_site / EDITIONS[lang]
    _, objects = _objects(built_site, EDITIONS[lang])
    for name, obj in objects.items():
        page, anchor = obj.uri_expanded.split("#")
        html = (root / page / "index.html").read_text(encoding="utf-8")
        assert f'id="{anchor}"' in html, f"{name}: no #{anchor} in {EDITIONS[lang]}{page}"


def test_inventories_are_deterministic():
    rows = inventory.entries(ROOT / "docs")
    assert inventory.inventory_bytes("p", rows) == inventory.inventory_bytes("p", rows)


def test_an_id_placed_on_no_page_is_left_out(monkeypatch):
    record = published.load()
    record["equations"] = {**record["equations"], "rnn.nowhere": "backprop-through-time/"}
    monkeypatch.setattr(published, "load", lambda: record)
    assert "rnn.nowhere" not in {eid for eid, _, _ in inventory.entries(ROOT / "docs")}


def test_a_published_id_without_a_title_fails_naming_it(monkeypatch):
    found = cache.entries()
    monkeypatch.setattr(cache, "entries", lambda: {k: v for k, v in found.items() if k != "rnn.step-jacobian"})
    with pytest.raises(inventory.InventoryError, match=r"'rnn\.step-jacobian'"):
        inventory.entries(ROOT / "docs")


def _sphinx(tmp_path, site, text):
    """Build a Sphinx project whose page is ``text``, mapping ``rnn`` and ``rnnzh`` to the site's editions."""
    src = tmp_path / "src"
    src.mkdir()
    mapping = {name: (f"{(site / folder).as_uri().rstrip('/')}/", str(site / folder / "objects.inv"))
               for name, folder in (("rnn", ""), ("rnnzh", "zh"))}
    (src / "conf.py").write_text(f"extensions = ['sphinx.ext.intersphinx']\nintersphinx_mapping = {mapping!r}\n",
                                 encoding="utf-8")
    (src / "index.rst").write_text(textwrap.dedent(text), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", "-E", str(src), str(tmp_path / "out")],
                          capture_output=True, text=True, cwd=tmp_path)
    return done, tmp_path / "out" / "index.html"


def test_sphinx_links_to_an_equation_through_intersphinx(built_site, tmp_path):
    done, out = _sphinx(tmp_path, built_site, """\
        Notes
        =====

        See :ref:`rnn:rnn.step-jacobian`, :ref:`rnnzh:rnn.step-jacobian` and :ref:`this one <rnn:remedies.clipping>`.
        """)
    assert done.returncode == 0, done.stderr
    links = dict(re.findall(r'<a class="reference external" href="([^"]+)"[^>]*>(?:<span[^>]*>)?([^<]*)<', out.read_text("utf-8")))
    title = cache.record("rnn.step-jacobian")["title"]
    expected = {
        (built_site / "backprop-through-time").as_uri() + "/#eq-rnn.step-jacobian": title,
        (built_site / "zh" / "backprop-through-time").as_uri() + "/#eq-rnn.step-jacobian":
            translate(title, "zh", "rnn.step-jacobian"),
        (built_site / "remedies").as_uri() + "/#eq-remedies.clipping": "this one",
    }
    assert links == expected
    for href in links:  # each link reaches its anchor in the built site
        path, anchor = unquote(urlsplit(href).path), urlsplit(href).fragment
        assert f'id="{anchor}"' in open(f"{path}index.html", encoding="utf-8").read()


def test_sphinx_warns_about_an_unknown_id(built_site, tmp_path):
    done, _ = _sphinx(tmp_path, built_site, """\
        Notes
        =====

        See :ref:`rnn:rnn.step-jacobain`.
        """)
    assert done.returncode != 0
    assert "undefined label: 'rnn:rnn.step-jacobain'" in done.stderr
