"""Each claim quotes the notes' own words, keeps the status the mathematics gives it, and raises on a broken
premise; the claims page shows them all, and chapter boxes about the notes take their headings from them."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import pytest
import sympy as sp

from derivations import activation, bounds, gru, lstm, registry, remedies, rnn
from derivations.claims import CLAIMS, STATUSES, PremiseError
from derivations.site.claims import ADMONITION, BOX

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed"
DOCS = ROOT / "docs"
BY_ID = {claim.id: claim for claim in CLAIMS}
INLINE_LATEX = re.compile(r"\\\(.*?\\\)")


def seed_lines() -> list[str]:
    """The lines of the source notes: the one ``*.txt`` file in ``../shared/seed/`` from the project root."""
    if not SEED.is_dir():
        pytest.fail(f"the source notes are missing: no folder {SEED} (../shared/seed/ from the project root), "
                    "so the claims' quotes cannot be checked")
    files = sorted(SEED.glob("*.txt"))
    if len(files) != 1:
        pytest.fail(f"expected exactly one file of source notes in {SEED}, found {[f.name for f in files]}")
    return files[0].read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_quote_is_the_notes_own_words_on_the_stated_line(claim):
    lines = seed_lines()
    assert 1 <= claim.line <= len(lines), f"{claim.id}: line {claim.line} is outside the notes (1–{len(lines)})"
    assert claim.quote and claim.quote in lines[claim.line - 1], (
        f"{claim.id}: {claim.quote!r} is not on line {claim.line}, which reads {lines[claim.line - 1]!r}")


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_status_is_decided_by_the_mathematics(claim):
    assert claim.status in STATUSES
    assert claim.decide() == claim.status


def _replace(module, name: str, broken):
    """A patch that replaces ``module.name`` by ``broken(original)``."""
    return lambda monkeypatch: monkeypatch.setattr(module, name, broken(getattr(module, name)))


def _set(table: dict, key: str, value):
    return lambda monkeypatch: monkeypatch.setitem(table, key, value)


BROKEN_PREMISES = [
    ("unroll-all-steps", "step Jacobian transposed", _replace(rnn, "step_jacobian", lambda J: lambda *a, **k: J(*a, **k).T)),
    ("step-jacobian-scalar", "step Jacobian without slopes",
     _replace(rnn, "step_jacobian", lambda J: lambda W_hh, *a, **k: np.asarray(W_hh, dtype=float))),
    ("span-product", "span Jacobian transposed", _replace(rnn, "span_jacobian", lambda S: lambda *a, **k: S(*a, **k).T)),
    ("modulus-decay", "span norms reported e times too large",
     _replace(rnn, "span_log_norms", lambda L: lambda *a, **k: L(*a, **k) + 1.0)),
    ("sigmoid-slope", "sigmoid supremum 1/2", _set(activation.SUPREMUM, "sigmoid", sp.Rational(1, 2))),
    ("sigmoid-compression", "orthogonal matrices of norm 2",
     _replace(remedies, "orthogonal", lambda Q: lambda *a, **k: 2 * Q(*a, **k))),
    ("tanh-slope", "tanh derivative 1 - tanh", _set(activation.DERIVATIVES, "tanh", 1 - sp.tanh(activation.x))),
    ("tanh-decay", "span norms reported e times too large",
     _replace(rnn, "span_log_norms", lambda L: lambda *a, **k: L(*a, **k) + 1.0)),
    ("hundred-steps", "sigmoid supremum 1/2", _set(activation.SUPREMUM, "sigmoid", sp.Rational(1, 2))),
    ("relu-slope", "ReLU derivative 1 everywhere", _set(activation.DERIVATIVES, "relu", sp.Integer(1))),
    ("relu", "step Jacobian without the mask",
     _replace(rnn, "step_jacobian", lambda J: lambda W_hh, *a, **k: np.asarray(W_hh, dtype=float))),
    ("gated-constant", "LSTM Jacobian flipped", _replace(lstm, "step_jacobian", lambda J: lambda *a: np.flip(J(*a)))),
    ("gru-simplified", "GRU Jacobian plus I", _replace(gru, "step_jacobian", lambda J: lambda *a: J(*a) + np.eye(3))),
    ("xavier-norm", "Xavier entries twice as large",
     _replace(remedies, "xavier_normal", lambda X: lambda *a, **k: 2 * X(*a, **k))),
    ("clipping", "clipping enlarges a gradient",
     _replace(remedies, "clip_by_norm", lambda C: lambda g, threshold: 2 * np.asarray(g, dtype=float))),
    ("residual", "residual Jacobian without I",
     _replace(remedies, "residual_step_jacobian", lambda R: lambda *a, **k: rnn.step_jacobian(*a, **k))),
    ("summary-condition", "sigmoid threshold 1", _set(bounds.THRESHOLD, "sigmoid", sp.Integer(1))),
]


@pytest.mark.parametrize("claim_id, broken", [(c, b) for c, _, b in BROKEN_PREMISES],
                         ids=[f"{c}: {what}" for c, what, _ in BROKEN_PREMISES])
def test_a_broken_premise_raises_naming_the_claim(monkeypatch, claim_id, broken):
    broken(monkeypatch)
    with pytest.raises(PremiseError, match=re.escape(f"claim {claim_id!r}: premise failed")):
        BY_ID[claim_id].decide()


def test_any_other_failure_while_deciding_names_the_claim(monkeypatch):
    def fails(*args, **kwargs):
        raise ValueError("no Jacobian today")

    monkeypatch.setattr(rnn, "step_jacobian", fails)
    with pytest.raises(ValueError, match="no Jacobian today") as raised:
        BY_ID["step-jacobian-scalar"].decide()
    assert "while deciding claim 'step-jacobian-scalar'" in raised.value.__notes__


def test_every_claim_has_a_broken_premise_test():
    assert {claim_id for claim_id, _, _ in BROKEN_PREMISES} == set(BY_ID)


def test_claims_cite_registered_equations():
    known = {e.id for e in registry.entries()}
    for claim in CLAIMS:
        assert claim.evidence and set(claim.evidence) <= known, claim.id


def test_claim_ids_are_unique():
    assert len(BY_ID) == len(CLAIMS)


def _words(quote: str) -> list[str]:
    """The parts of a quote outside its inline formulas, which the page shows as they are."""
    return [part.strip() for part in INLINE_LATEX.split(quote) if re.search(r"[\u4e00-\u9fff]", part)]


@pytest.mark.parametrize("language, quoted", [("", "The notes, line {line}:"), ("zh/", "原笔记第 {line} 行：")],
                         ids=["en", "zh"])
def test_claims_page_shows_every_claim_with_its_quote_and_status(built_site, language, quoted):
    page = html.unescape((built_site / language / "claims" / "index.html").read_text(encoding="utf-8"))
    for claim in CLAIMS:
        section = page.split(f'id="claim-{claim.id}"', 1)[1].split("<h2", 1)[0]
        assert f'admonition {ADMONITION[claim.status]}' in section, claim.id
        assert quoted.format(line=claim.line) in section, claim.id
        text = re.sub(r"<[^>]+>", "", section)  # a formula and the mark after it share a no-break span
        for words in _words(claim.quote):
            assert words in text, (claim.id, words)
        for eid in claim.evidence:
            assert f"#eq-{eid}" in section


def test_a_claim_citing_an_unplaced_equation_fails_the_build(tiny_site):
    done = tiny_site({"index.md": "# Claims\n\n::: claims\n"})
    assert done.returncode != 0 and "which no page" in done.stderr


BOX_STYLE = {
    "corrected": ("warning", {"en": "Correction to the source notes: ", "zh": "对原笔记的更正："}),
    "refined": ("info", {"en": "Refinement of the source notes: ", "zh": "对原笔记的细化："}),
    "verified": ("success", {"en": "Confirmation of the source notes: ", "zh": "对原笔记的验证："}),
}
"""The admonition type and heading prefix a box about a claim of each status must get."""


def test_a_box_takes_its_type_and_heading_from_the_claims_status(tiny_site, tmp_path):
    one_of_each = {claim.status: claim for claim in CLAIMS}
    boxes = "".join(f'!!! notes {claim.id} "about {claim.id}"\n    Text.\n\n'
                    f'!!! notes {claim.id} "关于 {claim.id}" lang=zh\n    正文。\n\n' for claim in one_of_each.values())
    done = tiny_site({"index.md": f"# Boxes\n\n{boxes}"})
    assert done.returncode == 0, done.stderr
    page = html.unescape((tmp_path / "site" / "index.html").read_text(encoding="utf-8"))
    for status, claim in one_of_each.items():
        kind, prefix = BOX_STYLE[status]
        assert f'!!! {kind} "{prefix["en"]}about {claim.id}"' in page
        assert f'!!! {kind} "{prefix["zh"]}关于 {claim.id}"' in page


def test_a_box_naming_an_unknown_claim_fails_the_build_naming_page_and_id(tiny_site):
    done = tiny_site({"index.md": "# Home\n", "chapter.md": '# Chapter\n\n!!! notes hundred-step "the value"\n    Text.\n'})
    assert done.returncode != 0
    assert "chapter.md" in done.stderr and "'hundred-step'" in done.stderr and "did you mean hundred-steps" in done.stderr


def test_chapter_boxes_about_the_notes_come_from_the_ledger():
    hand_typed = re.compile(r'^!!! \w+ "(Correction to|Refinement of|Confirmation of) the source notes|^!!! \w+ "对原笔记的',
                            re.M)
    for page in sorted(DOCS.glob("*.md")):
        text = page.read_text(encoding="utf-8")
        assert not hand_typed.search(text), f"{page.name}: a hand-typed heading about the notes; write !!! notes <claim-id>"
        for line in text.splitlines():
            if line.startswith("!!! notes "):
                match = BOX.match(line.strip())
                assert match and match["id"] in BY_ID, f"{page.name}: {line!r}"
                assert (match["lang"] == "zh") == page.name.endswith(".zh.md"), f"{page.name}: {line!r} has the wrong lang"


def test_built_chapters_show_each_box_with_its_claims_status(built_site):
    for page in sorted(DOCS.glob("*.md")):
        lang = "zh" if page.name.endswith(".zh.md") else "en"
        boxes = [BOX.match(line.strip()) for line in page.read_text(encoding="utf-8").splitlines()
                 if line.startswith("!!! notes ")]
        if not boxes:
            continue
        stem = page.name.split(".")[0]
        built = built_site / ("zh" if lang == "zh" else "") / ("" if stem == "index" else stem) / "index.html"
        text = html.unescape(built.read_text(encoding="utf-8"))
        for box in boxes:
            kind, prefix = BOX_STYLE[BY_ID[box["id"]].status]
            heading = prefix[lang] + box["subtitle"]
            assert re.search(rf'<div class="admonition {kind}">\s*<p class="admonition-title">{re.escape(heading)}</p>',
                             text), f"{page.name}: {heading}"
