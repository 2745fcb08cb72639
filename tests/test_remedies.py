"""Remedies: the symbolic proofs, and the numeric helpers against an independent autograd residual
step, finite differences and sampling statistics."""

from __future__ import annotations

import functools
import itertools
import re

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
from derivations.instances import KINDS
from derivations.notation import Juxtaposed, at, latex

IDS = ["remedies.relu-step-jacobian", "remedies.identity-relu", "remedies.residual-model", "remedies.residual-jacobian",
       "remedies.xavier-variance", "remedies.orthogonal-singular-values", "remedies.orthogonal-step-jacobian",
       "remedies.clipping-rule", "remedies.clipping", "remedies.pascanu-regularizer"]
PROOF_KINDS = {
    "remedies.relu-step-jacobian": ["symbolic", "explicit"],
    "remedies.identity-relu": ["symbolic", "explicit"],
    "remedies.residual-model": [],
    "remedies.residual-jacobian": ["symbolic", "explicit"],
    "remedies.xavier-variance": ["symbolic"],
    "remedies.orthogonal-singular-values": ["explicit", "numeric"],
    "remedies.orthogonal-step-jacobian": ["symbolic", "induction", "explicit", "lemma", "numeric"],
    "remedies.clipping-rule": [],
    "remedies.clipping": ["symbolic", "explicit", "numeric"],
    "remedies.pascanu-regularizer": ["symbolic", "explicit", "numeric"],
}
CLAUSE_NAMES = {
    "remedies.relu-step-jacobian": [None, "mask"],
    "remedies.identity-relu": [None],
    "remedies.residual-model": ["step"],
    "remedies.residual-jacobian": [None],
    "remedies.xavier-variance": ["variance", "bound"],
    "remedies.orthogonal-singular-values": ["orthogonal", "singular"],
    "remedies.orthogonal-step-jacobian": ["gram", "norm", "linear"],
    "remedies.clipping-rule": ["rule"],
    "remedies.clipping": [None, None],
    "remedies.pascanu-regularizer": ["term", "v", "gradient"],
}
EXACT = {"rtol": 1e-9, "atol": 1e-12}
FINITE_DIFFERENCE = {"rtol": 1e-6, "atol": 1e-8}


ENTRIES = {e.id: e for e in registry.entries("remedies")}


@functools.cache
def record(equation_id: str) -> dict:
    """The record of an unmodified derivation, derived once for the tests that only read it."""
    return run(ENTRIES[equation_id])


def test_ids_are_registered_in_order():
    assert list(ENTRIES) == IDS


@pytest.mark.parametrize("entry", ENTRIES.values(), ids=lambda e: e.id)
def test_derivation_proves_with_honest_kinds(entry):
    derived = record(entry.id)
    assert derived["id"] == entry.id and derived["equation"]
    assert derived["proof_kinds"] == PROOF_KINDS[entry.id]
    assert all({"claim", "kind"} <= set(proof) <= {"claim", "kind", "instances"} and proof["kind"] in KINDS for proof in derived["proofs"])
    assert [clause["name"] for clause in derived["clauses"]] == CLAUSE_NAMES[entry.id]
    assert (entry.kind == "definition") == (not derived["proofs"])


def _proved(equation_id: str, shown: str, kind: str) -> list[str]:
    """For each proof of kind ``kind`` of the displayed relation containing ``shown``, its instances."""
    return ["; ".join(p["instances"]) for p in record(equation_id)["proofs"]
            if p["kind"] == kind and p["claim"].startswith("as displayed") and shown in p["claim"]]


def test_the_mask_is_proved_on_every_sign_pattern():
    (claim,) = _proved("remedies.relu-step-jacobian", r"\frac{\partial \max\left(0, z_{t}\right)}", "explicit")
    assert all(f"signs of z_t {signs}" in claim for signs in ("+", "−", "++", "+−", "−+", "−−"))


def test_singular_values_are_checked_on_random_orthogonal_matrices_up_to_8x8():
    (claim,) = _proved("remedies.orthogonal-singular-values", r"s_{i}\left(Q\right) = ", "numeric")
    assert "random orthogonal 8×8, i = 8" in claim


def test_clipping_is_checked_numerically_from_1e_8_to_1e8():
    (claim,) = _proved("remedies.clipping", r"\operatorname{clip}\left(g\right) = ", "numeric")
    assert "e-08" in claim and "e+08" in claim


def test_the_definitions_show_the_objects_the_derivations_use():
    step, = record("remedies.residual-model")["clauses"]
    assert step["parts"] == [latex(at("h", rnn.t)), latex(remedies.RESIDUAL_STATE)]
    assert remedies.RESIDUAL_MODEL == remedies.RESIDUAL_STATE.subs(rnn.Z_T, rnn.PRE_ACTIVATION)
    rule, = record("remedies.clipping-rule")["clauses"]
    assert rule["parts"] == [latex(remedies.CLIP), latex(remedies.CLIPPING_RULE)]


WRONG_DISPLAYS = {
    "relu-jacobian": ("remedies.relu-step-jacobian", "RELU_STEP_JACOBIAN", rnn.W_HH),
    "relu-mask": ("remedies.relu-step-jacobian", "RELU_MASK", sp.Identity(rnn.n)),
    "residual-jacobian": ("remedies.residual-jacobian", "RESIDUAL_STEP_JACOBIAN", rnn.STEP_JACOBIAN),
    "xavier-variance": ("remedies.xavier-variance", "XAVIER_VARIANCE", 1 / remedies.FAN_IN),
    "xavier-bound": ("remedies.xavier-variance", "XAVIER_BOUND",
                     sp.sqrt(3 / (remedies.FAN_IN + remedies.FAN_OUT))),
    "orthogonal": ("remedies.orthogonal-singular-values", "ORTHOGONALITY",
                   (remedies.Q * remedies.Q, sp.Identity(rnn.n))),
    "singular-values": ("remedies.orthogonal-singular-values", "SINGULAR_VALUES",
                        (*remedies.SINGULAR_VALUES[:3], sp.Integer(2))),
    "clipped-norm": ("remedies.clipping", "CLIPPED_NORM", sp.Min(remedies.NORM, remedies.THRESHOLD / 2)),
    "clip-factor": ("remedies.clipping", "CLIP_FACTOR", sp.Min(1, 2 * remedies.THRESHOLD / remedies.NORM)),
    "orthogonal-gram": ("remedies.orthogonal-step-jacobian", "ORTHOGONAL_STEP",
                        {**remedies.ORTHOGONAL_STEP, "gram": (*remedies.ORTHOGONAL_STEP["gram"][:2], remedies.SLOPES_T)}),
    "regularizer-gradient": ("remedies.pascanu-regularizer", "REGULARIZER",
                             {**remedies.REGULARIZER, "gradient": (
                                 remedies.REGULARIZER["gradient"][0],
                                 Juxtaposed(remedies.REGULARIZER["gradient"][1].args[0],
                                            remedies.SLOPES * remedies.DELTA * remedies.V_T.T))}),
}


@pytest.mark.parametrize("case", WRONG_DISPLAYS)
def test_a_wrong_display_fails_naming_the_id(monkeypatch, case):
    equation_id, name, wrong = WRONG_DISPLAYS[case]
    monkeypatch.setattr(remedies, name, wrong)
    with pytest.raises(ProofError, match=rf"^{re.escape(equation_id)}: the displayed result, clause \d, .* does not hold"):
        run(ENTRIES[equation_id])


def test_a_scale_factor_above_one_fails_the_clipping_proof(monkeypatch):
    monkeypatch.setattr(remedies, "CLIP_FACTOR", sp.Max(1, remedies.THRESHOLD / remedies.NORM))
    with pytest.raises(ProofError, match=r"^remedies\.clipping: the displayed result, clause 2, .* does not hold"):
        run(ENTRIES["remedies.clipping"])


def test_the_clipping_factor_is_proved_at_most_one_in_both_regions():
    claims = {p["claim"]: p["kind"] for p in record("remedies.clipping")["proofs"]}
    for region in ("‖g‖ ≥ θ: θ = ‖g‖ (1 − ε), ε ≥ 0", "‖g‖ < θ: θ = ‖g‖ (1 + δ), δ > 0"):
        assert claims[f"{region}: c ≤ 1"] == claims[f"{region}: ‖clip(g)‖ ≤ ‖g‖"] == "symbolic"


WRONG_MODELS = {
    "residual-step": ("remedies.residual-jacobian", "RESIDUAL_MODEL", sp.MatAdd(2 * rnn.H_PREV, rnn.MODEL)),
    "clipping-rule": ("remedies.clipping", "CLIPPING_RULE",
                      sp.Piecewise((Juxtaposed(remedies.THRESHOLD / remedies.NORM, remedies.G),
                                    remedies.NORM <= remedies.THRESHOLD), (remedies.G, True))),
}


@pytest.mark.parametrize("case", WRONG_MODELS)
def test_the_derivation_proves_the_defined_model(monkeypatch, case):
    equation_id, name, wrong = WRONG_MODELS[case]
    monkeypatch.setattr(remedies, name, wrong)
    with pytest.raises(ProofError, match=rf"^{re.escape(equation_id)}: the displayed result"):
        run(ENTRIES[equation_id])


def test_a_wrong_clip_by_norm_fails_the_numeric_instance(monkeypatch):
    monkeypatch.setattr(remedies, "_clip_factor", lambda norm, threshold: np.minimum(1.0, threshold / norm) * 1.001)
    with pytest.raises(ProofError, match=r"^remedies\.clipping: the displayed result, clause 1, .* does not hold at "
                                         r"clip_by_norm"):
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


@pytest.mark.checks("remedies.identity-relu")
@pytest.mark.parametrize("seed", range(4))
def test_a_relu_rnn_at_the_identity_has_the_mask_as_its_step_jacobian(seed):
    """The IRNN's step, written here with W_hh = I, differentiated by autograd: diag(1[z_t > 0])."""
    rng = np.random.default_rng(seed)
    n, m = 4, 2
    W_xh, h_prev, x_t = rng.normal(size=(n, m)), rng.normal(size=n), rng.normal(size=m)
    z = rng.permutation([1.5, 0.5, -0.5, -1.5])  # two active units and two inactive ones
    b_h = z - h_prev - W_xh @ x_t
    jacobian = autograd.jacobian(lambda h: anp.maximum(anp.dot(np.eye(n), h) + anp.dot(W_xh, x_t) + b_h, 0.0))(h_prev)
    assert_allclose(jacobian, np.diag((z > 0).astype(float)), rtol=0, atol=0)
    assert record("remedies.identity-relu")["closed_form"] == r"\operatorname{diag}\big(\mathbf{1}\left[z_{t} > 0\right]\big)"


def test_an_identity_relu_jacobian_stated_as_the_identity_fails_naming_the_id(monkeypatch):
    monkeypatch.setattr(remedies, "IRNN_JACOBIAN", sp.Identity(rnn.n))
    with pytest.raises(ProofError, match=r"^remedies.identity-relu: the displayed result, clause 1, .* does not hold"):
        run(ENTRIES["remedies.identity-relu"])


@pytest.mark.checks("remedies.orthogonal-step-jacobian")
@pytest.mark.parametrize(("activation", "n", "seed"), [(a, n, seed) for a in ("tanh", "sigmoid") for n in (1, 3, 6)
                                                       for seed in (0, 1)])
def test_an_orthogonal_step_jacobian_has_the_slopes_as_singular_values(activation, n, seed):
    """autograd's Jacobian of a step with orthogonal W_hh: its singular values are the |σ'(z_{t,i})|, its norm at most γ."""
    p = ref.random_rnn(seed, n, 2, 1, activation)
    W = remedies.orthogonal(n, np.random.default_rng(seed))
    step = lambda h: ref.step(W, p["W_xh"], p["b_h"], h, p["xs"][0], activation)  # noqa: E731
    jacobian = autograd.jacobian(step)(p["h0"])
    z = W @ p["h0"] + p["W_xh"] @ p["xs"][0] + p["b_h"]
    slopes = autograd.elementwise_grad(ref.ACTIVATIONS[activation])(z)
    assert_allclose(jacobian @ jacobian.T, np.diag(slopes ** 2), rtol=1e-12, atol=1e-15)
    assert_allclose(np.linalg.svd(jacobian, compute_uv=False), np.sort(np.abs(slopes))[::-1], rtol=1e-12, atol=1e-15)
    assert np.linalg.norm(jacobian, 2) <= {"tanh": 1.0, "sigmoid": 0.25}[activation] * (1 + 1e-12)


@pytest.mark.checks("remedies.orthogonal-step-jacobian")
@pytest.mark.parametrize("k", (1, 5, 40))
def test_a_linear_orthogonal_span_keeps_every_singular_value_at_one(k):
    rng = np.random.default_rng(k)
    W, us = remedies.orthogonal(5, rng), rng.standard_normal((k, 5))

    def unrolled(h):
        for u in us:
            h = anp.dot(W, h) + u
        return h

    span = autograd.jacobian(unrolled)(rng.standard_normal(5))
    assert_allclose(np.linalg.svd(span, compute_uv=False), np.ones(5), rtol=1e-12)


def _omega(W, W_xh, b_h, h_prev, x_t, delta, activation):
    """Pascanu et al.'s Ω_t, written here: (‖(∂h_t/∂h_{t-1})ᵀ δ‖ / ‖δ‖ − 1)² with the step Jacobian taken by autograd
    of a step whose W_hh is ``W``; δ and h_{t-1} are constants."""
    jacobian = autograd.jacobian(lambda h: ref.step(W, W_xh, b_h, h, x_t, activation))(h_prev)
    carried = anp.dot(anp.transpose(jacobian), delta)
    return (anp.sqrt(anp.sum(carried ** 2)) / anp.sqrt(anp.sum(delta ** 2)) - 1) ** 2


@pytest.mark.checks("remedies.pascanu-regularizer")
@pytest.mark.parametrize(("activation", "n", "seed"), [(a, n, seed) for a in ("tanh", "sigmoid") for n in (1, 2, 4)
                                                       for seed in (0, 1)])
def test_pascanu_regularizer_and_its_gradient_match_autograd(activation, n, seed):
    p = ref.random_rnn(seed, n, 2, 1, activation)
    delta = np.random.default_rng(seed + 10).standard_normal(n)
    args = (p["W_xh"], p["b_h"], p["h0"], p["xs"][0], delta, activation)
    term, gradient = remedies.pascanu_regularizer(p["W_hh"], *args)
    assert_allclose(term, _omega(p["W_hh"], *args), **EXACT)
    assert gradient.shape == (n, n)
    assert_allclose(gradient, autograd.grad(lambda W: _omega(W, *args))(p["W_hh"]), **EXACT)
    assert_allclose(gradient, ref.central_difference(lambda W: _omega(W, *args), p["W_hh"]), **FINITE_DIFFERENCE)


def test_pascanu_regularizer_is_zero_where_the_step_keeps_the_norm():
    """A ReLU-free check of "zero exactly when the norm is kept": tanh units at z_t = 0 have slope 1, so an orthogonal
    W_hh keeps every norm, and Ω_t and its gradient vanish."""
    W = remedies.orthogonal(3, np.random.default_rng(0))
    h_prev = np.array([0.3, -0.2, 0.5])
    term, gradient = remedies.pascanu_regularizer(W, np.zeros((3, 1)), -W @ h_prev, h_prev, [0.0], [1.0, 2.0, -1.0])
    assert abs(term) < 1e-24 and np.abs(gradient).max() < 1e-12
    scaled, _ = remedies.pascanu_regularizer(0.5 * W, np.zeros((3, 1)), -0.5 * W @ h_prev, h_prev, [0.0], [1.0, 2.0, -1.0])
    assert_allclose(scaled, 0.25, rtol=1e-12)
