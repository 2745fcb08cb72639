"""Golden LaTeX: the printer's notation, and every published equation and step, pinned exactly.

After an intended change of notation, run ``pytest tests/test_notation.py --update-golden``
and review the diff of ``tests/golden/``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from derivations import cache, registry
from derivations.notation import (Chain, OrderedProduct, Partial, Power, Transposed, at, elementwise, latex,
                                  sigma, subscript)

GOLDEN = Path(__file__).resolve().parent / "golden"
n, t, k, j, x = sp.symbols("n t k j x")
W = sp.MatrixSymbol("W_hh", n, n)
z = sp.MatrixSymbol("z_t", n, 1)
u = sp.Dummy("u")


@pytest.mark.parametrize(("expr", "expected"), [
    (DiagMatrix(elementwise(sp.Lambda(u, sigma(u).diff(u)), z)) * W,
     r"\operatorname{diag}\big(\sigma'\left(z_{t}\right)\big) W_{hh}"),
    (W.T, r"W_{hh}^{\top}"),
    (sigma(x).diff(x), r"\sigma'\left(x\right)"),
    (sp.Derivative(sp.tanh(x), x), r"\tanh'\left(x\right)"),
    (Partial(at("h", t + k), at("h", t)), r"\frac{\partial h_{t+k}}{\partial h_{t}}"),
    (Transposed(Partial(at("h", t + 1), at("h", t))), r"\left(\frac{\partial h_{t+1}}{\partial h_{t}}\right)^{\top}"),
    (Chain(at("J", t + k), at("J", t + k - 1), at("J", t + 1)), r"J_{t+k} J_{t+k-1} \cdots J_{t+1}"),
    (OrderedProduct(at("J", t + k - j), j, 0, k - 1), r"\prod_{j=0}^{k-1} J_{t+k-j}"),
    (Power(sp.Rational(1, 4), 100), r"\left(\frac{1}{4}\right)^{100}"),
    (Power(2, -200), r"2^{-200}"),
], ids=["diag-jacobian", "transpose", "sigma-prime", "tanh-prime", "partial", "transposed-partial",
        "chain", "ordered-product", "power-fraction", "power-negative"])
def test_printer(expr, expected):
    assert latex(expr) == expected


@pytest.mark.parametrize(("time", "expected"), [(t - 1, "t-1"), (t + k - j, "t+k-j"), (k - 1, "k-1"), (t, "t")])
def test_time_subscripts_read_like_a_textbook(time, expected):
    assert subscript(time) == expected


def published(record: dict) -> str:
    lines = [f"% {record['id']}: {record['title']}", record["equation"], ""]
    lines += [f"% step {i}: {s['text']}\n{s['latex']}" for i, s in enumerate(record["steps"], 1)]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("equation_id", [e.id for e in registry.entries()])
def test_published_latex_is_pinned(equation_id, request):
    path = GOLDEN / f"{equation_id}.tex"
    text = published(cache.record(equation_id))
    if request.config.getoption("--update-golden"):
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"no golden file for {equation_id}: run pytest --update-golden"
    assert text == path.read_text(encoding="utf-8")


def test_no_raw_sympy_notation_is_published():
    for record in cache.records().values():
        for text in [record["equation"], *(s["latex"] for s in record["steps"])]:
            assert "DiagMatrix" not in text and r"\mapsto" not in text and "Dummy" not in text, record["id"]


def test_golden_files_all_belong_to_registered_ids():
    assert {p.stem for p in GOLDEN.glob("*.tex")} == {e.id for e in registry.entries()}
