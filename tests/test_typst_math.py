"""The Typst version of every equation and step: Typst typesets it, showing what KaTeX shows.

tex2typst translates the printer's LaTeX; Typst then typesets each translation on a page of its
own, and the letters and digits read back from that PDF must be those of KaTeX's MathML for the
same LaTeX, so a translation that drops, adds or misreads a symbol fails naming the equation.
"""

from __future__ import annotations

import html
import io
import re
import unicodedata
from collections import Counter

import pypdf
import pytest
import typst

from derivations import cache
from derivations.site import katex, typst_math

# A brace built from pieces reads back from the PDF as stray letters; the test leaves it out.
PREAMBLE = "#set page(width: 60cm, height: auto)\n#set math.cases(delim: none)\n"


def shown(text: str) -> Counter:
    """The letters and digits of ``text``, math italic and bold read as plain letters."""
    return Counter(c for c in unicodedata.normalize("NFKC", text) if unicodedata.category(c)[0] in "LN")


def katex_text(latex: str, where: str) -> str:
    mathml = re.search(r"<math.*?</math>", katex.render(latex, True, where), re.S)[0]
    return html.unescape(re.sub(r"<[^>]+>", "", re.sub(r"<annotation.*?</annotation>", "", mathml, flags=re.S)))


@pytest.fixture(scope="module")
def translations() -> list[tuple[str, str, str]]:
    """(where, LaTeX, Typst) for every equation and every step of every derivation."""
    found = []
    for eid, record in cache.records().items():
        found.append((f"equation {eid!r}", record["equation"], typst_math.equation(record)))
        for i, step in enumerate(record["steps"], 1):
            where = f"equation {eid!r}, step {i}"
            found.append((where, step["latex"], typst_math.math(step["latex"], where)))
    return found


def test_typst_typesets_every_translation_with_the_symbols_katex_shows(translations):
    source = PREAMBLE + "\n#pagebreak()\n".join(f"$ {typ} $" for _, _, typ in translations)
    pdf, warnings = typst.compile_with_warnings(source.encode())
    assert not warnings, warnings
    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) == len(translations)
    wrong = []
    for (where, latex, typ), page in zip(translations, pages):
        expected, got = shown(katex_text(latex, where)), shown(page.extract_text())
        if expected != got:
            wrong.append(f"{where}: {typ}\n  only in KaTeX: {dict(expected - got)}; only in Typst: {dict(got - expected)}")
    assert not wrong, "\n".join(wrong)


def test_the_check_notices_a_dropped_symbol(translations):
    """The comparison above is not blind: a translation that loses a subscript differs."""
    where, latex, typ = next(t for t in translations if t[0] == "equation 'rnn.step-jacobian'")
    broken = typ.replace("W_(h h)", "W")
    pdf = typst.compile((PREAMBLE + f"$ {broken} $").encode())
    assert shown(pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()) != shown(katex_text(latex, where))


def test_a_whole_equation_keeps_the_sites_layout_of_its_clauses():
    side_by_side, stacked = cache.record("activation.sigmoid-derivative"), cache.record("rnn.model")
    assert len(side_by_side["clauses"]) == 2 and ", wide " in typst_math.equation(side_by_side)
    assert typst_math.equation(stacked).count(" \\\n") == len(stacked["clauses"]) - 1


def test_latex_that_cannot_be_translated_fails_naming_where():
    with pytest.raises(typst_math.TypstMathError, match=r"^step 3 of 'my.id': tex2typst [\d.]+ cannot translate"):
        typst_math.math(r"\frac{1}{", "step 3 of 'my.id'")
