"""Remedies: the symbolic proofs, and the numeric helpers against an independent autograd residual
step, finite differences and sampling statistics."""

from __future__ import annotations

import itertools

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
import sympy as sp
from numpy.testing import assert_allclose

import numeric_reference as ref
from derivations import registry, remedies, rnn
from derivations.derivation import run
from derivations.errors import ProofError

IDS = ["remedies.relu-step-jacobian", "remedies.residual-jacobian", "remedies.xavier-variance",
       "remedies.orthogonal-singular-values", "remedies.clipping"]
EXACT = {"rtol": 1e-9, "atol": 1e-12}
FINITE_DIFFERENCE = {"rtol": 1e-6, "atol": 1e-8}


ENTRIES = {e.id: e for e in registry.entries("remedies")}


def test_ids_are_registered_in_order():
    assert list(ENTRIES) == IDS


@pytest.mark.parametrize("entry", ENTRIES.values(), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id
    assert record["proofs"] and record["equation"]


WRONG_CLOSED_FORMS = {
    "remedies.relu-step-jacobian": ("RELU_STEP_JACOBIAN", rnn.W_HH),
    "remedies.residual-jacobian": ("RESIDUAL_STEP_JACOBIAN", rnn.STEP_JACOBIAN),
    "remedies.xavier-variance": ("XAVIER_VARIANCE", 1 / remedies.FAN_IN),
    "remedies.clipping": ("CLIPPED_NORM", sp.Max(remedies.NORM, remedies.THRESHOLD)),
}


@pytest.mark.parametrize("equation_id", WRONG_CLOSED_FORMS)
def test_wrong_closed_form_fails_naming_the_id(monkeypatch, equation_id):
    name, wrong = WRONG_CLOSED_FORMS[equation_id]
    monkeypatch.setattr(remedies, name, wrong)
    with pytest.raises(ProofError, match=rf"^{equation_id}:"):
        run(ENTRIES[equation_id])


def test_a_scale_factor_above_one_fails_the_clipping_proof(monkeypatch):
    monkeypatch.setattr(remedies, "CLIP_FACTOR", sp.Max(1, remedies.THRESHOLD / remedies.NORM))
    with pytest.raises(ProofError, match=r"^remedies\.clipping: ‖g‖ ≥ θ: c = min\(1, θ/‖g‖\)"):
        run(ENTRIES["remedies.clipping"])


def residual_step(W_hh, W_xh, b_h, h_prev, x_t, activation):
    """h_t = h_{t-1} + σ(W_hh h_{t-1} + W_xh x_t + b_h), written independently of the project."""
    return h_prev + ref.ACTIVATIONS[activation](anp.dot(W_hh, h_prev) + anp.dot(W_xh, x_t) + b_h)


CASES = [pytest.param(a, n, m, seed, id=f"{a}-n{n}-m{m}-seed{seed}")
         for a, n, m, seed in itertools.product(ref.ACTIVATIONS, (1, 3, 5), (1, 2), (0, 1))]


@pytest.mark.parametrize(("activation", "n", "m", "seed"), CASES)
def test_residual_step_jacobian_matches_autograd_and_finite_differences(activation, n, m, seed):
    p = ref.random_rnn(seed, n, m, 1, activation)
    W_hh, W_xh, b_h, x_t = p["W_hh"], p["W_xh"], p["b_h"], p["xs"][0]
    jacobian = remedies.residual_step_jacobian(W_hh, W_xh, b_h, p["h0"], x_t, activation)
    assert jacobian.shape == (n, n)
    step = lambda h: residual_step(W_hh, W_xh, b_h, h, x_t, activation)  # noqa: E731
    assert_allclose(jacobian, autograd.jacobian(step)(p["h0"]), **EXACT)
    assert_allclose(jacobian, ref.central_difference(step, p["h0"]), **FINITE_DIFFERENCE)
    plain = rnn.step_jacobian(W_hh, W_xh, b_h, p["h0"], x_t, activation)
    assert_allclose(jacobian - plain, np.eye(n), **EXACT)


GRADIENTS = {
    "large-vector": np.array([3.0, -4.0, 12.0]),
    "small-vector": np.array([1e-3, -2e-3]),
    "matrix": np.arange(1.0, 7.0).reshape(2, 3),
    "one-entry": np.array([-5.0]),
}


@pytest.mark.parametrize("threshold", (1e-4, 0.5, 1.0, 13.0, 100.0))
@pytest.mark.parametrize("name", GRADIENTS)
def test_clip_by_norm(name, threshold):
    g = GRADIENTS[name]
    clipped = remedies.clip_by_norm(g, threshold)
    norm, clipped_norm = np.linalg.norm(g), np.linalg.norm(clipped)
    assert clipped.shape == g.shape
    assert_allclose(clipped_norm, min(norm, threshold), rtol=1e-12)
    assert clipped_norm <= norm * (1 + 1e-12)
    assert_allclose(np.vdot(clipped, g) / (clipped_norm * norm), 1.0, rtol=1e-12)
    if norm < threshold:
        assert np.array_equal(clipped, g)


def test_clip_by_norm_leaves_a_zero_gradient_zero():
    with np.errstate(all="raise"):
        assert np.array_equal(remedies.clip_by_norm(np.zeros(3), 1.0), np.zeros(3))


@pytest.mark.parametrize(("fan_in", "fan_out"), [(300, 500), (1000, 200)])
@pytest.mark.parametrize("sampler", (remedies.xavier_normal, remedies.xavier_uniform), ids=lambda f: f.__name__)
def test_xavier_sample_variance(sampler, fan_in, fan_out):
    W = sampler(fan_in, fan_out, np.random.default_rng(0))
    assert W.shape == (fan_out, fan_in)
    assert_allclose(W.var(), 2 / (fan_in + fan_out), rtol=0.03)
    assert abs(W.mean()) < 0.01 * W.std()


def test_xavier_uniform_stays_inside_the_derived_bound():
    bound = np.sqrt(6 / (200 + 300))
    W = remedies.xavier_uniform(200, 300, np.random.default_rng(1))
    assert np.abs(W).max() <= bound
    assert np.abs(W).max() > 0.99 * bound


def test_xavier_square_matrix_has_spectral_radius_one_but_norm_two():
    # A square n×n matrix of i.i.d. entries with variance 1/n (Xavier's 2/(n + n)) has its
    # eigenvalues spread uniformly over the unit disc (circular law), so its spectral radius is ≈ 1,
    # but its largest singular value sits at the Bai–Yin edge 2: ‖W_hh‖ ≈ 2, not 1.
    W = remedies.xavier_normal(400, 400, np.random.default_rng(0))
    assert abs(np.abs(np.linalg.eigvals(W)).max() - 1) < 0.1
    assert abs(np.linalg.norm(W, 2) - 2) < 0.15


@pytest.mark.parametrize("n", (1, 2, 7, 64))
def test_orthogonal_has_unit_singular_values(n):
    Q = remedies.orthogonal(n, np.random.default_rng(n))
    assert Q.shape == (n, n)
    assert_allclose(np.linalg.svd(Q, compute_uv=False), np.ones(n), rtol=0, atol=1e-12)
    assert_allclose(Q.T @ Q, np.eye(n), rtol=0, atol=1e-12)


def test_orthogonal_is_random():
    rng = np.random.default_rng(0)
    assert not np.allclose(remedies.orthogonal(5, rng), remedies.orthogonal(5, rng))


def _relu_step_jacobian(pre_activation):
    """rnn.step_jacobian with ReLU, b_h chosen so that z_t equals ``pre_activation``; and its W_hh."""
    rng = np.random.default_rng(0)
    n = len(pre_activation)
    W_hh, W_xh, h_prev, x_t = rng.normal(size=(n, n)), rng.normal(size=(n, 2)), rng.normal(size=n), rng.normal(size=2)
    b_h = np.asarray(pre_activation) - W_hh @ h_prev - W_xh @ x_t
    return rnn.step_jacobian(W_hh, W_xh, b_h, h_prev, x_t, "relu"), W_hh


def test_relu_step_jacobian_with_every_unit_active_is_w_hh():
    jacobian, W_hh = _relu_step_jacobian([0.5, 1.0, 2.0, 0.1])
    assert_allclose(jacobian, W_hh, rtol=0, atol=0)


@pytest.mark.parametrize("dead", range(4))
def test_relu_step_jacobian_zeroes_the_row_of_an_inactive_unit(dead):
    z = np.array([0.5, 1.0, 2.0, 0.1])
    z[dead] = -0.7
    jacobian, W_hh = _relu_step_jacobian(z)
    expected = W_hh.copy()
    expected[dead] = 0.0
    assert_allclose(jacobian, expected, rtol=0, atol=0)


N, M = 3, 2
VALID = {"W_hh": np.eye(N), "W_xh": np.ones((N, M)), "b_h": np.zeros(N), "h_prev": np.zeros(N), "x_t": np.ones(M)}
WRONG_SHAPES = {"W_hh": (N, N + 1), "W_xh": (N + 1, M), "b_h": (N, 1), "h_prev": (N + 1,), "x_t": (M, 1)}


def _bad_calls():
    for name, shape in WRONG_SHAPES.items():
        yield pytest.param(remedies.residual_step_jacobian, VALID | {name: np.ones(shape)}, name, id=f"{name}-shape")
        bad = np.array(VALID[name], dtype=float)
        bad.flat[-1] = np.nan
        yield pytest.param(remedies.residual_step_jacobian, VALID | {name: bad}, name, id=f"{name}-nan")
    yield pytest.param(remedies.residual_step_jacobian, VALID | {"activation": "softmax"}, "activation", id="activation")
    for g in ("not numbers", [1.0, np.inf]):
        yield pytest.param(remedies.clip_by_norm, {"g": g, "threshold": 1.0}, "g", id=f"g-{g!r}")
    for threshold in (0.0, -1.0, np.nan, np.inf, "1", True, None):
        yield pytest.param(remedies.clip_by_norm, {"g": [1.0], "threshold": threshold}, "threshold",
                           id=f"threshold-{threshold!r}")
    for sampler in (remedies.xavier_normal, remedies.xavier_uniform):
        for name, value in itertools.product(("fan_in", "fan_out"), (0, -3, 2.5, True, "4")):
            kwargs = {"fan_in": 3, "fan_out": 4, "rng": np.random.default_rng(0)} | {name: value}
            yield pytest.param(sampler, kwargs, name, id=f"{sampler.__name__}-{name}-{value!r}")
        yield pytest.param(sampler, {"fan_in": 3, "fan_out": 4, "rng": 0}, "rng", id=f"{sampler.__name__}-rng")
    for value in (0, 2.0, None):
        yield pytest.param(remedies.orthogonal, {"n": value, "rng": np.random.default_rng(0)}, "n", id=f"orthogonal-n-{value!r}")
    yield pytest.param(remedies.orthogonal, {"n": 3, "rng": np.random}, "rng", id="orthogonal-rng")


@pytest.mark.parametrize(("function", "kwargs", "name"), list(_bad_calls()))
def test_bad_argument_is_named(function, kwargs, name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        function(**kwargs)


def test_valid_arguments_are_accepted():
    assert np.all(np.isfinite(remedies.residual_step_jacobian(**VALID, activation="sigmoid")))
    assert remedies.clip_by_norm([3, 4], 1).dtype == float
    assert remedies.xavier_normal(np.int64(2), 3, np.random.default_rng(0)).shape == (3, 2)
