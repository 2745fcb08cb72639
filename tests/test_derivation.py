"""The proof engine: a true identity is proved by SymPy alone; a false one is refused at once, with a
numeric witness, instead of leaving ``simplify`` to search for minutes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sympy as sp

from derivations.derivation import _clearly_nonzero, is_zero
from derivations.notation import sigma

x, y = sp.symbols("x y")


@pytest.mark.parametrize("identity", [
    sp.tanh(x) ** 2 + 1 / sp.cosh(x) ** 2 - 1,
    sp.diff(sigma(x * y), x) - y * sp.Subs(sp.Derivative(sigma(x), x), x, x * y).doit(),
    (sp.exp(x) + 1) ** 2 - sp.exp(2 * x) - 2 * sp.exp(x) - 1,
])
def test_a_true_identity_is_never_called_nonzero(identity):
    assert not _clearly_nonzero(identity)
    assert is_zero(identity)


@pytest.mark.parametrize("difference", [
    sigma(x) - sigma(x) ** 2,
    sp.diff(sigma(x) * (1 - sigma(x)), x) - sp.diff(sigma(x), x),
    sp.tanh(x) ** 3 - sp.tanh(x) ** 2,
])
def test_a_false_identity_has_a_numeric_witness(difference):
    assert _clearly_nonzero(difference)
    assert not is_zero(difference)


def test_a_wrong_lstm_closed_form_fails_in_seconds_naming_the_id(project_copy, tmp_path):
    """Before the witness, SymPy's simplify ran for over ten minutes on this mutant."""
    project = project_copy("lstm.py", "D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME, F)),",
                           "D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME)),")
    done = subprocess.run([sys.executable, "-m", "derivations", "check", "lstm.step-jacobian"], cwd=project,
                          env={**os.environ, "PYTHONPATH": str(project), "DERIVATIONS_CACHE": str(tmp_path / "cache")},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "FAILED lstm.step-jacobian" in done.stdout + done.stderr


def test_a_matrix_shown_to_a_few_digits_must_be_correctly_rounded_entry_by_entry():
    from derivations.derivation import holds

    value = sp.Matrix([[0.05394, -0.18049], [0.21213, 0.069321]])
    shown = sp.Matrix([[sp.Float("0.0539", 3), sp.Float("-0.180", 3)], [sp.Float("0.212", 3), sp.Float("0.0693", 3)]])
    assert holds(r"\approx", value, shown, None)
    wrong = shown.copy()
    wrong[1, 1] = sp.Float("0.0694", 3)
    assert not holds(r"\approx", value, wrong, None)
    assert not holds(r"\approx", value, shown[:, 0], None)  # another shape
