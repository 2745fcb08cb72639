"""Course packs: the closure of the chosen ids in dependency order, numbered as on the site; the PDF
handouts (both languages, as the site offers them) read back from the outside: their text holds every
id and title, every font is embedded, and nothing is printed in the page margins."""

from __future__ import annotations

import io
import re

import pypdf
import pytest
import typst
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from derivations import cache, pack, registry
from derivations.errors import UnknownIdError
from derivations.site.cite_formats import NAMES
from derivations.translations import translate
from test_citing import run_tex
from test_cli import cli

IDS = [entry.id for entry in registry.entries()]
MARGIN_CM, A4_WIDTH_CM = 2, 21  # pack.TYP_PREAMBLE: margin (x: 2cm) on A4


def used(eid: str) -> set[str]:
    """Everything ``eid`` uses, directly or not, read from the records' declarations."""
    found, todo = set(), list(cache.record(eid)["uses"])
    while todo:
        other = todo.pop()
        if other not in found:
            found.add(other)
            todo += cache.record(other)["uses"]
    return found


def test_a_pack_holds_what_its_equations_use_before_them():
    assert pack.closure(["remedies.clipping"]) == ["remedies.clipping-rule", "remedies.clipping"]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(IDS), min_size=1, max_size=5, unique=True))
def test_the_closure_is_complete_and_in_dependency_order(chosen):
    order = pack.closure(chosen)
    assert set(order) == set(chosen).union(*(used(e) for e in chosen))
    assert len(order) == len(set(order))
    for i, eid in enumerate(order):
        assert used(eid) <= set(order[:i]), f"{eid} comes before what it uses"


def test_an_unknown_id_a_format_or_no_id_fails_naming_it():
    with pytest.raises(UnknownIdError, match=r"unknown equation id 'rnn.step-jacobain'; did you mean 'rnn.step-jacobian'"):
        pack.pack(["rnn.step-jacobain"])
    with pytest.raises(pack.PackError, match=r"unknown pack format 'docx'; known: pdf, tex, typ, md"):
        pack.pack(["rnn.step-jacobian"], form="docx")
    with pytest.raises(pack.PackError, match="at least one equation id"):
        pack.pack([])


def test_the_command_line_names_an_unknown_id_and_writes_nothing(tmp_path):
    out = tmp_path / "notes.pdf"
    done = cli("pack", "rnn.step-jacobain", "--output", str(out))
    assert done.returncode == 2 and "unknown equation id 'rnn.step-jacobain'" in done.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def site_numbers(built_site) -> dict[str, str]:
    """Each placed equation's number as its chapter page shows it ("Definition" for a definition)."""
    shown = {}
    for page in built_site.glob("*/index.html"):
        if page.parent.name != "print":
            for block in page.read_text(encoding="utf-8").split('<div class="eq" data-eq-id="')[1:]:
                shown[block.split('"', 1)[0]] = re.search(r'class="eq-number[^"]*"[^>]*>([^<]+)<', block)[1]
    return shown


def test_the_markdown_pack_numbers_and_links_each_equation_as_the_site_does(built_site):
    text = pack.pack(["gru.step-jacobian", "bounds.pascanu-conditions"], "en", True, "md")
    shown = site_numbers(built_site)
    for eid in pack.closure(["gru.step-jacobian", "bounds.pascanu-conditions"]):
        section = text.split(f"`{eid}`", 1)[1].split("\n## ", 1)[0]
        number = shown[eid]
        if number == NAMES["en"]["definition"]:
            assert "\\tag" not in section.split("$$")[1]
        else:
            assert f"\\tag{{{number.strip('()')}}}" in section, eid
        page = next(p for p in built_site.glob("*/index.html") if f'id="eq-{eid}"' in p.read_text(encoding="utf-8"))
        assert f"/{page.parent.name}/#eq-{eid}>" in section
    assert "Pascanu" in text.split("## References", 1)[1] and "Cho" in text.split("## References", 1)[1]


def test_the_english_latex_pack_compiles_with_no_overfull_box(tmp_path):
    (tmp_path / "pack.tex").write_text(pack.pack(["gru.step-jacobian", "lstm.step-jacobian"], "en", True, "tex"),
                                       encoding="utf-8")
    done = run_tex("pdflatex", "-interaction=nonstopmode", "-halt-on-error", "pack.tex", cwd=tmp_path)
    assert done.returncode == 0, done.stdout[-2000:]
    log = (tmp_path / "pack.log").read_text(encoding="latin-1")
    assert "Overfull" not in log, [line for line in log.splitlines() if "Overfull" in line]


@pytest.fixture(scope="module", params=["en", "zh"])
def handout(request, built_site):
    """The full handout of one language, as the site offers it for download."""
    lang = request.param
    path = built_site / ("" if lang == "en" else f"{lang}/") / "downloads" / f"course-pack-{lang}.pdf"
    return lang, path.read_bytes()


def test_the_site_offers_the_handout_typeset_from_this_builds_derivations(handout):
    lang, data = handout
    recorded = pypdf.PdfReader(io.BytesIO(data)).metadata["/Keywords"]
    assert recorded == re.search(r'keywords: \("([^"]+)"', pack.full_source(lang))[1]


def test_the_handout_text_holds_every_id_and_title(handout):
    lang, data = handout
    text = re.sub(r"\s+", "", "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages))
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')  # Typst sets typographic quotes
    for eid in IDS:
        assert eid in text, f"{lang}: {eid} is missing"
        title = translate(cache.record(eid)["title"], lang, eid).split("$")[0]
        assert re.sub(r"\s+", "", title) in text, f"{lang}: the title of {eid} ({title!r}) is missing"


def test_every_font_of_the_handout_is_embedded(handout):
    lang, data = handout
    reader, missing = pypdf.PdfReader(io.BytesIO(data)), set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)["/FontDescriptor"]
            if not any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.add(str(font["/BaseFont"]))
    assert not missing, f"{lang}: fonts not embedded: {missing}"
    if lang == "zh":
        fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages for f in p["/Resources"]["/Font"].values()}
        assert any(pack.CJK_FONT.replace(" ", "").lower() in f.lower() for f in fonts), fonts


def ink_in_margins(source: str) -> list[int]:
    """The pages of ``source``, typeset by Typst as images, that draw anything in a side margin."""
    crowded = []
    pages = typst.compile(source.encode("utf-8"), format="png", ppi=40)
    for number, png in enumerate(pages if isinstance(pages, list) else [pages], 1):
        image = Image.open(io.BytesIO(png)).convert("L")
        edge = round(image.width * (MARGIN_CM - 0.1) / A4_WIDTH_CM)
        for box in ((0, 0, edge, image.height), (image.width - edge, 0, image.width, image.height)):
            if image.crop(box).getextrema()[0] < 200:
                crowded.append(number)
                break
    return crowded


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_wide_equations_fit_the_page(lang):
    assert ink_in_margins(pack.full_source(lang)) == []


def test_the_margin_check_sees_an_equation_that_runs_off_the_page():
    source = pack.pack(["gru.step-jacobian"], "en", False, "typ")
    unfitted = source.replace("fit(body), number", "body, number")
    assert unfitted != source and ink_in_margins(unfitted)


def test_a_pack_without_its_font_fails_naming_it(monkeypatch):
    monkeypatch.setattr(pack, "CJK_FONT", "No Such CJK Font")
    with pytest.raises(pack.PackError, match="unknown font family: no such cjk font.*fonts-noto-cjk"):
        pack.pack(["rnn.model"], "zh", False, "pdf")


def test_the_command_line_writes_a_pdf(tmp_path):
    out = tmp_path / "notes.pdf"
    done = cli("pack", "rnn.step-jacobian", "--lang", "zh", "--steps", "--output", str(out))
    assert done.returncode == 0, done.stderr
    text = "".join(page.extract_text() for page in pypdf.PdfReader(out).pages)
    assert "rnn.step-jacobian" in text and "rnn.model" in text and "推导过程" in text


def test_a_derivation_citing_an_unknown_work_fails_naming_the_id_and_the_key():
    from derivations.errors import DerivationError

    with pytest.raises(DerivationError, match=r"^rnn\.new-result: cites= names unknown work\(s\) 'pascanu2031'; "
                                              r"known: .*pascanu2013"):
        registry.derivation("rnn.new-result", title="A new result", cites=("pascanu2031",))
