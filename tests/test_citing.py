"""Citing: downloads in step with the derivations, BibTeX per page, bibliographies, CITATION.cff."""

from __future__ import annotations

import hashlib
import html
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
    equations = dict(re.findall(r"\\begin\{equation\}\\label\{([^}]+)\}\\tag\*?\{(?:[^{}]|\{[^{}]*\})+\}\n\\fitdisplay\{(.*?)\}\n"
                                r"\\end\{equation\}", document, re.S))
    assert set(equations) == {e.id for e in registry.entries()}
    for eid, latex in equations.items():
        katex.render(latex, True, f"derivations.tex, equation {eid!r}")


def run_tex(tool: str, *args: str, cwd) -> subprocess.CompletedProcess:
    """Run a TeX Live program, failing clearly where it is not installed (.ci/run installs it)."""
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed (Debian: apt-get install --no-install-recommends texlive-latex-recommended)")
    return subprocess.run([tool, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_derivations_tex_compiles_without_overfull_boxes_numbered_as_on_the_site(tmp_path, built_site):
    """A document that \\inputs derivations.tex's equations and \\eqrefs an id compiles with every
    equation inside the text block, and each label carries the number its chapter's page shows."""
    shutil.copy(DOWNLOADS / "derivations.tex", tmp_path)
    done = run_tex("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "derivations.tex", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / "derivations.log").read_text(encoding="latin-1")
    assert "Overfull" not in log, [line for line in log.splitlines() if "Overfull" in line]
    labels = dict(re.findall(r"\\newlabel\{([^}]+)\}\{\{\{?([^{}]+)\}?\}",
                             (tmp_path / "derivations.aux").read_text(encoding="utf-8")))
    shown = {}
    for page in built_site.glob("*/index.html"):
        if page.parent.name != "print":
            for block in page.read_text(encoding="utf-8").split('<div class="eq" data-eq-id="')[1:]:
                number = re.search(r'class="eq-number[^"]*"[^>]*>([^<]+)<', block)[1]
                shown[block.split('"', 1)[0]] = number.strip("()")
    assert labels == shown


def test_a_document_can_eqref_an_equation_by_its_id(tmp_path):
    body = (DOWNLOADS / "derivations.tex").read_text(encoding="utf-8").replace(
        "\\end{document}", "See \\eqref{rnn.step-jacobian}.\n\\end{document}")
    (tmp_path / "notes.tex").write_text(body, encoding="utf-8")
    for _ in range(2):
        done = run_tex("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "notes.tex", cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / "notes.log").read_text(encoding="latin-1")
    assert "undefined" not in log and "Overfull" not in log


def test_bib_prints_the_page_entry_for_an_equation():
    done = cli("bib", "remedies.clipping")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("@misc{rnn-gradients-remedies,")
    assert re.search(r"howpublished = \{\\url\{https?://[^}]+/remedies/\}\}", done.stdout)
    assert "title = {{Remedies}}" in done.stdout


def test_bib_of_an_unknown_id_names_it():
    done = cli("bib", "remedies.cliping")
    assert done.returncode == 2 and "remedies.cliping" in done.stderr and "remedies.clipping" in done.stderr


def test_every_page_has_a_cite_block_with_its_own_url(built_site):
    for page in ("", "remedies/", "zh/remedies/"):
        html = (built_site / page / "index.html").read_text(encoding="utf-8")
        block = html.split('class="quote cite-page"', 1)[1].split("</details>", 1)[0]
        assert "@misc{" in block and f"/{page}}}" in block.replace("&#34;", '"')


PERMALINK = "http://127.0.0.1:8000/backprop-through-time/#eq-rnn.step-jacobian"


@pytest.mark.parametrize("form, expected", [
    ("url", PERMALINK),
    ("md", f"[Jacobian of one RNN step, Equation (3)]({PERMALINK})"),
])
def test_cite_gives_an_equations_permalink_and_markdown_link(form, expected):
    done = cli("cite", "rnn.step-jacobian", "--format", form, SITE_URL="http://127.0.0.1:8000/")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_cite_in_chinese_points_at_the_chinese_edition():
    done = cli("cite", "activation.functions", "--format", "md", "--lang", "zh", SITE_URL="https://example.org/rnn/")
    assert done.stdout.strip() == "[激活函数，定义](https://example.org/rnn/zh/backprop-through-time/#eq-activation.functions)"


def test_cited_version_is_the_hash_of_the_latex_the_page_shows(built_site):
    """The version a citation carries is the hash of the proved result exactly as the page displays it."""
    page = (built_site / "why-vanish-explode" / "index.html").read_text(encoding="utf-8")
    shown = page.split('id="eq-bounds.span-norm"', 1)[1].split('<pre class="eq-latex"><code class="language-latex">', 1)[1]
    latex = html.unescape(shown.split("</code>", 1)[0])
    bibtex = cli("cite", "bounds.span-norm").stdout
    biblatex = cli("cite", "bounds.span-norm", "--format", "biblatex").stdout
    version = "sha256:" + hashlib.sha256(latex.encode()).hexdigest()[:12]
    assert f"Verified result {version}}}" in bibtex and f"version = {{{version}}}" in biblatex


def test_cite_rejects_an_unknown_id_or_format():
    done = cli("cite", "rnn.step-jacobain")
    assert done.returncode == 2 and "rnn.step-jacobain" in done.stderr and "rnn.step-jacobian" in done.stderr
    done = cli("cite", "rnn.step-jacobian", "--format", "ris")
    assert done.returncode == 2 and "invalid choice: 'ris'" in done.stderr


def test_plain_bibtex_prints_a_cited_equations_address(tmp_path):
    """Plain BibTeX styles know no @online and drop unknown fields: the entry is @misc with the
    address in howpublished, and the bibliography that plain.bst writes holds it."""
    (tmp_path / "cited.bib").write_text(cli("cite", "rnn.step-jacobian", SITE_URL="https://example.org/rnn/").stdout,
                                        encoding="utf-8")
    (tmp_path / "notes.tex").write_text(
        "\\documentclass{article}\n\\usepackage{url}\n\\begin{document}\n"
        "The step Jacobian~\\cite{rnn-gradients-rnn.step-jacobian}.\n"
        "\\bibliographystyle{plain}\n\\bibliography{cited}\n\\end{document}\n", encoding="utf-8")
    for tool, *args in (["pdflatex", "-interaction=nonstopmode", "notes"], ["bibtex", "notes"],
                        ["pdflatex", "-interaction=nonstopmode", "notes"]):
        done = run_tex(tool, *args, cwd=tmp_path)
        assert done.returncode == 0, f"{tool}: {done.stdout[-1500:]}"
    assert "Warning" not in (tmp_path / "notes.blg").read_text(), (tmp_path / "notes.blg").read_text()
    bbl = (tmp_path / "notes.bbl").read_text(encoding="utf-8")
    assert "\\url{https://example.org/rnn/backprop-through-time/#eq-rnn.step-jacobian}" in bbl, bbl
    assert "Jacobian of one RNN step" in bbl and "Equation (3)" in bbl


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


PANEL_BLOCK = re.compile(r'<pre class="eq-(\w+)"><code class="language-\w+">(.*?)</code></pre>', re.S)


@pytest.mark.parametrize(("page", "lang"), [("backprop-through-time", "en"), ("zh/backprop-through-time", "zh")])
def test_the_panel_offers_what_cite_prints_with_the_latex_and_typst(built_site, page, lang):
    """The "Cite or copy" tabs hold, in this order, exactly what ``python -m derivations cite`` prints
    (permalink, Markdown, BibTeX) and the equation's LaTeX and Typst."""
    from derivations import cache
    from derivations.site import typst_math
    from derivations.site.citation import cite

    built = (built_site / page / "index.html").read_text(encoding="utf-8")
    equation = built.split('id="eq-rnn.step-jacobian"', 1)[1].split('<div class="eq" ', 1)[0]
    tabs = equation.split('class="tabbed-set tabbed-alternate eq-cite"', 1)[1]
    record = cache.record("rnn.step-jacobian")
    assert [(kind, html.unescape(text)) for kind, text in PANEL_BLOCK.findall(tabs)] == [
        ("text", cite("rnn.step-jacobian", "url", lang)), ("markdown", cite("rnn.step-jacobian", "md", lang)),
        ("bibtex", cite("rnn.step-jacobian", "bibtex", lang)), ("latex", record["equation"]),
        ("typst", typst_math.equation(record))]
