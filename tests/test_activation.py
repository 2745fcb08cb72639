"""Activation derivatives: the symbolic proofs, and their closed forms checked against autograd."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy as sp
from autograd import elementwise_grad
from numpy.testing import assert_allclose

import numeric_reference as ref
from derivations import activation as act
from derivations import registry
from derivations.derivation import run
from derivations.errors import DerivationError, ProofError
from derivations.numeric import ACTIVATIONS
from derivations.registry import Entry

GRID = np.linspace(-8.0, 8.0, 1601)
FINE_GRID = np.arange(-100_000, 100_001) / 10_000
"""−10 … 10 in steps of 10⁻⁴, containing 0 exactly."""


def numeric(expr):
    """A NumPy function of x evaluating the SymPy expression ``expr``."""
    return sp.lambdify(act.x, expr, "numpy")


@pytest.mark.parametrize("entry", registry.entries("activation"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id and record["equation"]
    assert record["proofs"] or record["kind"] == "definition"


def test_reference_covers_every_activation():
    assert set(ref.ACTIVATIONS) == set(ACTIVATIONS) == set(act.DERIVATIVES) == set(act.SUPREMUM)


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_definition_matches_reference(name):
    assert_allclose(numeric(act.DEFINITIONS[name])(GRID), ref.ACTIVATIONS[name](GRID), rtol=1e-13, atol=1e-15)


@pytest.mark.checks("activation.sigmoid-derivative", "activation.tanh-derivative", "activation.relu-derivative")
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_derivative_matches_autograd(name):
    grid = GRID[np.abs(GRID) > ref.KINK_MARGIN] if name == "relu" else GRID
    expected = elementwise_grad(ref.ACTIVATIONS[name])(grid)
    assert_allclose(numeric(act.DERIVATIVES[name])(grid), expected, rtol=1e-10, atol=1e-14)
    assert_allclose(numeric(act.STABLE[name])(grid), expected, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("name", ["sigmoid", "tanh"])
def test_the_numeric_form_keeps_its_digits_deep_in_saturation(name):
    """Where σ(1 − σ) and 1 − tanh² cancel to nothing, the form the numeric API uses keeps full precision."""
    far = np.array([-40.0, 25.0, 40.0, 300.0])
    textbook = {"sigmoid": lambda s: s * (1 - s), "tanh": lambda s: 1 - s**2}[name]
    function = {"sigmoid": lambda z: 1 / (1 + mpmath.exp(-z)), "tanh": mpmath.tanh}[name]
    with mpmath.workdps(300):  # enough digits for the textbook forms to survive their cancellation
        exact = [float(textbook(function(mpmath.mpf(z)))) for z in far]
    assert_allclose(numeric(act.STABLE[name])(far), exact, rtol=1e-13, atol=0)


def test_relu_derivative_at_the_kink_is_zero():
    assert numeric(act.DERIVATIVES["relu"])(np.array([0.0]))[0] == 0.0


@pytest.mark.parametrize(("name", "gamma"), [("sigmoid", 0.25), ("tanh", 1.0)])
def test_derivative_maximum_is_gamma_at_zero_only(name, gamma):
    assert float(act.SUPREMUM[name]) == gamma
    values = numeric(act.DERIVATIVES[name])(FINE_GRID)
    assert values[FINE_GRID == 0.0].tolist() == [gamma]
    assert np.all(values[FINE_GRID != 0.0] < gamma)


def _wrong_sigmoid_derivative(d):
    sigma = act.sigma
    d.result((sp.Derivative(sigma(act.x), act.x), sigma(act.x) * (1 + sigma(act.x))), at=(act.defined("sigmoid"),))


def _covers_nothing(d):
    d.step("A step without a proof.", act.x, act.x)
    d.result((act.x, act.x))


def test_wrong_closed_form_fails_naming_the_id():
    entry = Entry("test.wrong-closed-form", "A wrong derivative", _wrong_sigmoid_derivative)
    with pytest.raises(ProofError, match=r"^test\.wrong-closed-form: the displayed result, clause 1, .* does not hold "
                                         r"at σ = sigmoid"):
        run(entry)


def test_a_result_no_instance_covers_fails_naming_the_id():
    entry = Entry("test.no-proof", "No proof", _covers_nothing)
    with pytest.raises(DerivationError, match=r"^test\.no-proof: the displayed \$x = x\$ \(clause 1\) is covered by no proof"):
        run(entry)
