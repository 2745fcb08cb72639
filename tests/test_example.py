"""The worked example: (1/4)^100, derived symbolically and recomputed without SymPy."""

from __future__ import annotations

import math

import mpmath
import pytest

from derivations import registry
from derivations.derivation import run


@pytest.mark.parametrize("entry", registry.entries("example"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id
    assert record["proofs"]


def test_value_is_two_to_the_minus_200():
    assert 0.25**100 == 2.0**-200 == math.ldexp(1.0, -200)
    assert math.isclose(0.25**100, 6.22e-61, rel_tol=5e-3)
    assert math.isclose(math.log10(0.25**100), -200 * math.log10(2))


def test_value_to_three_digits_with_mpmath():
    with mpmath.workdps(50):
        value = mpmath.mpf(1) / 4**100
        assert value == mpmath.mpf(2) ** -200
        assert mpmath.nstr(value, 3) == "6.22e-61"


def test_record_shows_the_rounded_value():
    equation = run(registry.lookup("example.sigmoid-100-steps"))["equation"]
    assert "6.22" in equation
    assert "2^{-200}" in equation


@pytest.mark.checks("example.two-unit-rnn")
def test_worked_example_matches_autograd():
    """The 2-unit example's states, step Jacobians, hidden gradients and the gradient its lag terms add up
    to, against the independent autograd RNN of ``numeric_reference``."""
    import autograd
    import autograd.numpy as anp
    import numpy as np

    import numeric_reference as ref
    from derivations.example import WORKED, worked_example

    W, U, b, h0 = (np.array(WORKED[name], dtype=float) for name in ("W_hh", "W_xh", "b_h", "h_0"))
    b, h0, xs = b[:, 0], h0[:, 0], [np.array([float(x)]) for x in WORKED["x"]]

    def loss(W, offsets):  # L = Σ_t ½‖h_t‖²; its gradient in offsets[t - 1] at zero is ∂L/∂h_t
        return sum(anp.dot(h, h) / 2 for h in ref.unroll(W, U, b, h0, xs, "tanh", offsets)[1])

    numbers, zero = worked_example(), np.zeros((3, 2))
    states = [h0, *ref.unroll(W, U, b, h0, xs, "tanh")[1]]
    hidden = autograd.grad(loss, 1)(W, zero)
    for t in range(1, 4):
        step = autograd.jacobian(lambda h, t=t: ref.step(W, U, b, h, xs[t - 1], "tanh"))(states[t - 1])
        assert np.allclose(numbers["h"][t], states[t], rtol=1e-12)
        assert np.allclose(numbers["J"][t - 1], step, rtol=1e-12)
        assert np.allclose(numbers["hidden"][t], hidden[t - 1], rtol=1e-10)
    assert np.allclose(numbers["gradient"], autograd.grad(loss)(W, zero), rtol=1e-10)
