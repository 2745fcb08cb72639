"""Citing: downloads in step with the derivations, BibTeX per page, bibliographies, CITATION.cff."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from conftest import ROOT
from derivations import registry
from derivations.export import tex
from derivations.references import WORKS, bibliography
from derivations.site import katex
from test_cli import cli

DOWNLOADS = ROOT / "docs" / "downloads"


def test_derivations_tex_is_up_to_date():
    assert (DOWNLOADS / "derivations.tex").read_text(encoding="utf-8") == tex(), \
        "run: python -m derivations tex"


def test_references_bib_is_up_to_date():
    assert (DOWNLOADS / "references.bib").read_text(encoding="utf-8") == bibliography(), \
        "run: python -m derivations references"


def test_every_equation_is_labelled_by_its_id_and_typesets():
    document = (DOWNLOADS / "derivations.tex").read_text(encoding="utf-8")
    equations = dict(re.findall(r"\\begin\{equation\}\\label\{([^}]+)\}\n(.*?)\n\\end\{equation\}", document, re.S))
    assert set(equations) == {e.id for e in registry.entries()}
    for eid, latex in equations.items():
        katex.render(latex, True, f"derivations.tex, equation {eid!r}")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="no LaTeX engine on this machine")
def test_derivations_tex_compiles_with_a_minimal_preamble(tmp_path):
    shutil.copy(DOWNLOADS / "derivations.tex", tmp_path)
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "derivations.tex"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:]


def test_bib_prints_the_page_entry_for_an_equation():
    done = cli("bib", "remedies.clipping")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("@online{rnn-gradients-remedies,")
    assert re.search(r"url = \{https?://[^}]+/remedies/\}", done.stdout)
    assert "title = {Remedies}" in done.stdout


def test_bib_of_an_unknown_id_names_it():
    done = cli("bib", "remedies.cliping")
    assert done.returncode == 2 and "remedies.cliping" in done.stderr and "remedies.clipping" in done.stderr


def test_every_page_has_a_cite_block_with_its_own_url(built_site):
    for page in ("", "remedies/", "zh/remedies/"):
        html = (built_site / page / "index.html").read_text(encoding="utf-8")
        block = html.split('class="quote cite-page"', 1)[1].split("</details>", 1)[0]
        assert "@online{" in block and f"/{page}}}" in block.replace("&#34;", '"')


def test_pages_list_the_works_they_cite(built_site):
    html = (built_site / "gated-units" / "index.html").read_text(encoding="utf-8")
    section = html.split('id="references"', 1)[1]
    for key in ("hochreiter1997", "gers2000", "cho2014"):
        assert WORKS[key].fields["title"] in section
    assert 'href="../downloads/references.bib"' in section


def test_an_unknown_reference_key_fails_naming_it(tiny_site):
    done = tiny_site({"index.md": "# Page\n\n::: references pascanu2031\n"})
    assert done.returncode != 0 and "pascanu2031" in done.stderr and "pascanu2013" in done.stderr


def test_citation_cff_names_the_work():
    data = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert data["cff-version"] == "1.2.0" and data["title"] and data["authors"]
