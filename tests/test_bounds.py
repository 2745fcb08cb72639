"""Norm bounds: the symbolic proofs, and the numeric span log-norms against the proved bound,
against the plain span Jacobian, and far past the point where the plain product underflows."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp
from numpy.testing import assert_allclose

import numeric_reference as ref
from derivations import activation as act
from derivations import bounds, registry, rnn
from derivations.derivation import run
from derivations.errors import ProofError
from derivations.notation import Norm, latex

IDS = ["bounds.step-norm", "bounds.span-norm", "bounds.pascanu-conditions", "bounds.linear-spectral-radius"]


def _rnn(seed, n, m, k, activation, top_singular_value):
    """ref.random_rnn with W_hh rescaled so that its largest singular value is ``top_singular_value``."""
    p = ref.random_rnn(seed, n, m, k, activation)
    p["W_hh"] *= top_singular_value / np.linalg.norm(p["W_hh"], 2)
    return p


def _log_norms(p, activation):
    return bounds.span_log_norms(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"], activation)


def test_ids_are_registered_in_order():
    assert [e.id for e in registry.entries("bounds")] == IDS


@pytest.mark.parametrize("entry", registry.entries("bounds"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id
    assert record["proofs"] and record["equation"]


def test_norm_printer():
    assert latex(Norm(rnn.W_HH)) == r"\left\lVert W_{hh} \right\rVert_{2}"


def test_wrong_threshold_fails_naming_the_id(monkeypatch):
    monkeypatch.setitem(bounds.THRESHOLD, "sigmoid", sp.Integer(2))
    with pytest.raises(ProofError, match=r"^bounds\.pascanu-conditions: sigmoid: λ₁ threshold 1/γ = 2"):
        run(registry.lookup("bounds.pascanu-conditions"))


@pytest.mark.parametrize("seed", range(5))
def test_spectral_norm_is_submultiplicative(seed):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(2, 4, 4))
    assert np.linalg.norm(A @ B, 2) <= np.linalg.norm(A, 2) * np.linalg.norm(B, 2) * (1 + 1e-12)


@pytest.mark.parametrize(("activation", "n", "seed", "scale"), [
    pytest.param(a, n, seed, scale, id=f"{a}-n{n}-seed{seed}-gamma-lambda{scale}")
    for a, n, seed, scale in itertools.product(act.SUPREMUM, (1, 3, 6), (0, 1), (0.5, 1.0, 3.0))
])
def test_span_norms_obey_the_bound(activation, n, seed, scale):
    gamma = float(act.SUPREMUM[activation])
    p = _rnn(seed, n, 2, 30, activation, scale / gamma)
    logs = _log_norms(p, activation)
    steps = np.arange(1, 31)
    assert np.all(logs <= steps * np.log(gamma * np.linalg.norm(p["W_hh"], 2)) + 1e-9)


@pytest.mark.parametrize(("activation", "seed"), list(itertools.product(act.SUPREMUM, (0, 1, 2))))
def test_log_norms_match_the_span_jacobian(activation, seed):
    p = _rnn(seed, 3, 2, 6, activation, 2.0)
    with np.errstate(divide="ignore"):  # a ReLU span whose units all die is exactly zero: log 0 = −∞
        direct = [np.log(np.linalg.norm(rnn.span_jacobian(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"][:j],
                                                          activation), 2)) for j in range(1, 7)]
    assert_allclose(_log_norms(p, activation), direct, rtol=1e-9, atol=1e-12)


def test_no_underflow_over_2000_steps():
    p = _rnn(0, 4, 2, 2000, "tanh", 0.5)
    logs = _log_norms(p, "tanh")
    plain = rnn.span_jacobian(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"], "tanh")
    assert np.all(plain == 0)  # the plain product underflows …
    assert np.all(np.isfinite(logs)) and logs[-1] < -1100 * np.log(2)  # … the log norm does not
    assert np.all(np.diff(logs) <= np.log(0.5) + 1e-9)  # each step shrinks by at least γλ₁ = 1/2


def test_exactly_zero_product_gives_minus_infinity():
    logs = bounds.span_log_norms(np.eye(2), np.ones((2, 1)), [-5.0, -5.0], [0.0, 0.0], np.zeros((3, 1)), "relu")
    assert logs.shape == (3,) and np.all(logs == -np.inf)


def test_zero_steps_give_no_norms():
    assert bounds.span_log_norms(np.eye(2), np.ones((2, 1)), np.zeros(2), np.zeros(2), np.zeros((0, 1))).shape == (0,)


def test_counterexample_vanishes_above_the_threshold():
    example = bounds.counterexample()
    gamma = act.SUPREMUM[example["activation"]]
    assert np.linalg.norm(example["W_hh"], 2) > 1 / gamma
    logs = bounds.span_log_norms(**example)
    assert np.all(np.isfinite(logs)) and logs[-1] < -20


N, M, K = 3, 2, 2
VALID = {"W_hh": np.eye(N), "W_xh": np.ones((N, M)), "b_h": np.zeros(N), "h_start": np.zeros(N), "xs": np.ones((K, M))}
WRONG_SHAPES = {"W_hh": [(N, N + 1), (N,)], "W_xh": [(N + 1, M), (N, M, 1)], "b_h": [(N + 1,), (N, 1)],
                "h_start": [(N - 1,), ()], "xs": [(K, M + 1), (M,)]}


def _bad_inputs():
    for name, valid in VALID.items():
        for shape in WRONG_SHAPES[name]:
            yield pytest.param(name, np.ones(shape), id=f"{name}-shape{shape}")
        nan = np.array(valid, dtype=float)
        nan.flat[-1] = np.nan
        yield pytest.param(name, nan, id=f"{name}-nan")
        yield pytest.param(name, "not numbers", id=f"{name}-text")
    for bad in ("softmax", "Tanh"):
        yield pytest.param("activation", bad, id=f"activation-{bad}")


@pytest.mark.parametrize(("name", "value"), list(_bad_inputs()))
def test_bad_argument_is_named(name, value):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        bounds.span_log_norms(**(VALID | {"activation": "tanh", name: value}))


def test_unknown_activation_is_rejected_over_zero_steps():
    with pytest.raises(ValueError, match=r"^activation:"):
        bounds.span_log_norms(np.eye(2), np.ones((2, 1)), np.zeros(2), np.zeros(2), np.zeros((0, 1)), "softmax")


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_span_log_norms_match_a_50_digit_reference(activation):
    """The power-iteration norms against mpmath: the ordered product in 50 digits, whose range no float
    underflows, and its spectral norm from the eigenvalues of PᵀP."""
    import mpmath

    mpmath.mp.dps = 50
    p = _rnn(3, 3, 2, 600, activation, 1.0 / float(act.SUPREMUM[activation]))
    logs = _log_norms(p, activation)
    product, h = mpmath.eye(3), p["h0"]
    for k, x in enumerate(p["xs"], start=1):
        J = rnn.step_jacobian(p["W_hh"], p["W_xh"], p["b_h"], h, x, activation)
        h = rnn.step(p["W_hh"], p["W_xh"], p["b_h"], h, x, activation)
        product = mpmath.matrix(J.tolist()) * product
        if k % 50 == 0:
            top = max(mpmath.eigsy(product.T * product)[0])
            assert float(mpmath.log(top) / 2) == pytest.approx(logs[k - 1], rel=1e-10, abs=1e-10), k
    assert logs[-1] < np.log(np.finfo(float).tiny), "the reference must reach where float64 underflows"
