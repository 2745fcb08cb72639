"""RNN Jacobians and gradients: the symbolic proofs, and the numeric API against an independent
autograd implementation and finite differences."""

from __future__ import annotations

import itertools

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
import sympy as sp
from numpy.testing import assert_allclose

import numeric_reference as ref
from derivations import activation as act
from derivations import registry, rnn
from derivations.derivation import run
from derivations.errors import DerivationError, ProofError, UnknownIdError
from derivations.notation import Partial, elementwise
from derivations.registry import Entry

CASES = [
    pytest.param(a, n, m, seed, id=f"{a}-n{n}-m{m}-seed{seed}")
    for a, n, m, seed in itertools.product(ref.ACTIVATIONS, (1, 3, 5), (1, 2), (0, 1, 2))
]
numeric_cases = pytest.mark.parametrize(("activation", "n", "m", "seed"), CASES)
EXACT = {"rtol": 1e-9, "atol": 1e-12}
"""Tolerance between two exact evaluations of the same derivative."""
FINITE_DIFFERENCE = {"rtol": 1e-6, "atol": 1e-8}
"""Tolerance against central differences with step 10⁻⁶."""


@pytest.mark.parametrize("entry", registry.entries("rnn"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id and record["equation"]
    assert record["proofs"] or record["kind"] == "definition"


@numeric_cases
def test_step_matches_reference(activation, n, m, seed):
    p = ref.random_rnn(seed, n, m, 1, activation)
    expected = ref.step(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"][0], activation)
    actual = rnn.step(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"][0], activation)
    assert actual.shape == (n,)
    assert_allclose(actual, expected, **EXACT)


@numeric_cases
@pytest.mark.checks("rnn.step-jacobian")
def test_step_jacobian_matches_finite_differences(activation, n, m, seed):
    p = ref.random_rnn(seed, n, m, 1, activation)
    W_hh, W_xh, b_h, x_t = p["W_hh"], p["W_xh"], p["b_h"], p["xs"][0]
    jacobian = rnn.step_jacobian(W_hh, W_xh, b_h, p["h0"], x_t, activation)
    assert jacobian.shape == (n, n)
    of_api = ref.central_difference(lambda h: rnn.step(W_hh, W_xh, b_h, h, x_t, activation), p["h0"])
    of_reference = ref.central_difference(lambda h: ref.step(W_hh, W_xh, b_h, h, x_t, activation), p["h0"])
    assert_allclose(jacobian, of_api, **FINITE_DIFFERENCE)
    assert_allclose(jacobian, of_reference, **FINITE_DIFFERENCE)


@numeric_cases
@pytest.mark.checks("rnn.step-jacobian")
def test_step_jacobian_matches_autograd(activation, n, m, seed):
    p = ref.random_rnn(seed, n, m, 1, activation)
    W_hh, W_xh, b_h, x_t = p["W_hh"], p["W_xh"], p["b_h"], p["xs"][0]
    expected = autograd.jacobian(lambda h: ref.step(W_hh, W_xh, b_h, h, x_t, activation))(p["h0"])
    assert_allclose(rnn.step_jacobian(W_hh, W_xh, b_h, p["h0"], x_t, activation), expected, **EXACT)


@pytest.mark.parametrize("k", (1, 2, 5))
@numeric_cases
@pytest.mark.checks("rnn.span-jacobian")
def test_span_jacobian_matches_autograd(activation, n, m, seed, k):
    p = ref.random_rnn(seed, n, m, k, activation)
    W_hh, W_xh, b_h, xs = p["W_hh"], p["W_xh"], p["b_h"], p["xs"]
    expected = autograd.jacobian(lambda h: ref.unroll(W_hh, W_xh, b_h, h, xs, activation)[1][-1])(p["h0"])
    assert_allclose(rnn.span_jacobian(W_hh, W_xh, b_h, p["h0"], xs, activation), expected, **EXACT)


@pytest.mark.parametrize("activation", ref.ACTIVATIONS)
@pytest.mark.parametrize(("n", "m"), [(1, 1), (3, 2), (5, 1)])
def test_span_jacobian_over_zero_steps_is_identity(activation, n, m):
    p = ref.random_rnn(0, n, m, 0, activation)
    span = rnn.span_jacobian(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"], activation)
    assert p["xs"].shape == (0, m)
    assert_allclose(span, np.eye(n), rtol=0, atol=0)


def test_relu_step_jacobian_at_the_kink_is_zero():
    jacobian = rnn.step_jacobian(np.eye(2), np.ones((2, 1)), [0.0, 1.0], [0.0, 0.0], [0.0], "relu")
    assert_allclose(jacobian, [[0.0, 0.0], [0.0, 1.0]], rtol=0, atol=0)


def _problem(activation, n, m, seed, steps=4, outputs=2):
    """An RNN with a squared-error readout: its parameters, W_hy, b_y and targets."""
    p = ref.random_rnn(seed, n, m, steps, activation)
    rng = np.random.default_rng(seed + 1000)
    p.update(W_hy=rng.normal(size=(outputs, n)), b_y=rng.normal(size=outputs),
             targets=rng.normal(size=(steps, outputs)))
    return p


def _loss(p, activation, W_hh=None, offsets=None):
    return ref.loss(p["W_hh"] if W_hh is None else W_hh, p["W_xh"], p["b_h"], p["h0"], p["xs"],
                    p["W_hy"], p["b_y"], p["targets"], activation, offsets)


def _hidden_gradients(p, activation):
    """∂L/∂h_1 … ∂L/∂h_T by the recurrence of rnn.hidden-gradient, with the project's step Jacobian."""
    _, hs = ref.unroll(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"], activation)
    steps = len(hs)
    direct = [p["W_hy"].T @ (p["W_hy"] @ h + p["b_y"] - target) for h, target in zip(hs, p["targets"])]
    grads = [direct[-1]]
    for t in range(steps - 1, 0, -1):  # h_{t+1} = step(h_t, x_{t+1}), and xs[t] is x_{t+1}
        J = rnn.step_jacobian(p["W_hh"], p["W_xh"], p["b_h"], hs[t - 1], p["xs"][t], activation)
        grads.insert(0, direct[t - 1] + J.T @ grads[0])
    return np.array(grads)


@numeric_cases
@pytest.mark.checks("rnn.hidden-gradient")
def test_hidden_gradient_recurrence_matches_autograd(activation, n, m, seed):
    p = _problem(activation, n, m, seed)
    expected = autograd.grad(lambda offsets: _loss(p, activation, offsets=offsets))(np.zeros((4, n)))
    assert_allclose(_hidden_gradients(p, activation), expected, **EXACT)


@numeric_cases
@pytest.mark.checks("rnn.whh-gradient")
def test_whh_gradient_formula_matches_autograd_and_finite_differences(activation, n, m, seed):
    p = _problem(activation, n, m, seed)
    zs, hs = ref.unroll(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"], activation)
    sigma_prime = sp.lambdify(act.x, act.DERIVATIVES[activation], "numpy")
    grads = _hidden_gradients(p, activation)
    formula = sum(np.outer(sigma_prime(z) * g, h_prev) for z, g, h_prev in zip(zs, grads, [p["h0"]] + hs[:-1]))
    assert_allclose(formula, autograd.grad(lambda W: _loss(p, activation, W_hh=W))(p["W_hh"]), **EXACT)
    for i, j in {(0, 0), (n - 1, 0), (0, n - 1)}:
        def entry_loss(w, i=i, j=j):
            W = p["W_hh"].copy()
            W[i, j] = w
            return _loss(p, activation, W_hh=W)
        assert_allclose(formula[i, j], ref.central_difference(entry_loss, p["W_hh"][i, j]), **FINITE_DIFFERENCE)


N, M, K = 3, 2, 2
VALID = {
    "W_hh": np.eye(N), "W_xh": np.ones((N, M)), "b_h": np.zeros(N),
    "h_prev": np.zeros(N), "h_start": np.zeros(N), "x_t": np.ones(M), "xs": np.ones((K, M)),
}
WRONG_SHAPES = {
    "W_hh": [(N, N + 1), (N,)], "W_xh": [(N + 1, M), (N, M, 1)], "b_h": [(N + 1,), (N, 1)],
    "h_prev": [(N + 1,), (N, 1)], "h_start": [(N - 1,), ()], "x_t": [(M + 1,), (M, 1)], "xs": [(K, M + 1), (M,)],
}
FUNCTIONS = {
    "step": (rnn.step, ["W_hh", "W_xh", "b_h", "h_prev", "x_t"]),
    "step_jacobian": (rnn.step_jacobian, ["W_hh", "W_xh", "b_h", "h_prev", "x_t"]),
    "span_jacobian": (rnn.span_jacobian, ["W_hh", "W_xh", "b_h", "h_start", "xs"]),
    "span_log_norms": (rnn.span_log_norms, ["W_hh", "W_xh", "b_h", "h_start", "xs"]),
}


def _with_non_finite(value, bad):
    arr = np.array(value, dtype=float)
    arr.flat[-1] = bad
    return arr


def _bad_inputs():
    for function, (_, names) in FUNCTIONS.items():
        for name in names:
            for shape in WRONG_SHAPES[name]:
                yield pytest.param(function, name, np.ones(shape), id=f"{function}-{name}-shape{shape}")
            for bad in (np.nan, np.inf, -np.inf):
                yield pytest.param(function, name, _with_non_finite(VALID[name], bad), id=f"{function}-{name}-{bad}")
            yield pytest.param(function, name, "not numbers", id=f"{function}-{name}-text")
        for bad in ("softmax", "Tanh", ""):
            yield pytest.param(function, "activation", bad, id=f"{function}-activation-{bad!r}")


@pytest.mark.parametrize(("function", "name", "value"), list(_bad_inputs()))
def test_bad_argument_is_named(function, name, value):
    call, names = FUNCTIONS[function]
    kwargs = {arg: VALID[arg] for arg in names} | {"activation": "tanh", name: value}
    with pytest.raises(ValueError, match=rf"^{name}:"):
        call(**kwargs)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_valid_arguments_are_accepted(function):
    call, names = FUNCTIONS[function]
    assert np.all(np.isfinite(call(**{arg: VALID[arg] for arg in names}, activation="relu")))


@pytest.mark.parametrize("span", [rnn.span_jacobian, rnn.span_log_norms], ids=lambda f: f.__name__)
def test_unknown_activation_is_rejected_over_zero_steps(span):
    with pytest.raises(ValueError, match=r"^activation:"):
        span(np.eye(N), np.ones((N, M)), np.zeros(N), np.zeros(N), np.zeros((0, M)), "softmax")


# --- span_log_norms: the span Jacobian's norms in log space, past where the plain product underflows ---

def _log_norms(p, activation):
    return rnn.span_log_norms(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"], activation)


@pytest.mark.parametrize(("activation", "seed"), list(itertools.product(ref.ACTIVATIONS, (0, 1, 2))))
def test_log_norms_match_the_span_jacobian(activation, seed):
    p = ref.rescaled_rnn(seed, 3, 2, 6, activation, 2.0)
    with np.errstate(divide="ignore"):  # a ReLU span whose units all die is exactly zero: log 0 = −∞
        direct = [np.log(np.linalg.norm(rnn.span_jacobian(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"][:j],
                                                          activation), 2)) for j in range(1, 7)]
    assert_allclose(_log_norms(p, activation), direct, rtol=1e-9, atol=1e-12,
                    err_msg="rnn.span-jacobian: span_log_norms differs from log ‖span_jacobian‖₂")


def test_no_underflow_over_2000_steps():
    p = ref.rescaled_rnn(0, 4, 2, 2000, "tanh", 0.5)
    logs = _log_norms(p, "tanh")
    plain = rnn.span_jacobian(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"], "tanh")
    assert np.all(plain == 0)  # the plain product underflows …
    assert np.all(np.isfinite(logs)) and logs[-1] < -1100 * np.log(2)  # … the log norm does not
    assert np.all(np.diff(logs) <= np.log(0.5) + 1e-9)  # each step shrinks by at least γλ₁ = 1/2


def test_exactly_zero_product_gives_minus_infinity():
    logs = rnn.span_log_norms(np.eye(2), np.ones((2, 1)), [-5.0, -5.0], [0.0, 0.0], np.zeros((3, 1)), "relu")
    assert logs.shape == (3,) and np.all(logs == -np.inf)


def test_zero_steps_give_no_norms():
    assert rnn.span_log_norms(np.eye(2), np.ones((2, 1)), np.zeros(2), np.zeros(2), np.zeros((0, 1))).shape == (0,)


@pytest.mark.parametrize("activation", ["tanh", "sigmoid"])
def test_span_log_norms_match_a_50_digit_reference(activation):
    """The power-iteration norms against mpmath: the ordered product in 50 digits, whose range no float
    underflows, and its spectral norm from the eigenvalues of PᵀP."""
    import mpmath

    mpmath.mp.dps = 50
    p = ref.rescaled_rnn(3, 3, 2, 600, activation, 1.0 / float(act.SUPREMUM[activation]))
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


@pytest.mark.checks("rnn.chain-rule")
@pytest.mark.parametrize("seed", range(3))
def test_chain_rule_matches_autograd(seed):
    rng = np.random.default_rng(seed)
    A, B = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    inner = lambda c: anp.tanh(B @ c)  # noqa: E731 - b = G(c)
    outer = lambda b: anp.sin(A @ b)  # noqa: E731 - a = F(b)
    c = rng.standard_normal(2)
    expected = autograd.jacobian(lambda v: outer(inner(v)))(c)
    assert_allclose(autograd.jacobian(outer)(inner(c)) @ autograd.jacobian(inner)(c), expected, **EXACT)


WRONG_ORDER = rnn.W_HH * sp.matrices.expressions.diagonal.DiagMatrix(elementwise(rnn.SIGMA_PRIME, rnn.PRE_ACTIVATION))
"""W_hh diag(σ'(z_t)): the factors of the step Jacobian in the wrong order."""


def _step_jacobian_stating(stated):
    def derive(d):
        d.result((Partial(rnn.h(rnn.t), rnn.h(rnn.t - 1)), stated), at=rnn.model_instances())
    return derive


def test_wrong_closed_form_fails_naming_the_id():
    with pytest.raises(ProofError, match=r"^test\.wrong-closed-form: the displayed result, clause 1, .* does not "
                                         r"hold at general n"):
        run(Entry("test.wrong-closed-form", "Wrong order", _step_jacobian_stating(WRONG_ORDER)))


def test_right_closed_form_passes_the_same_harness():
    record = run(Entry("test.right-closed-form", "Right order", _step_jacobian_stating(rnn.STEP_JACOBIAN)))
    assert record["proof_kinds"] == ["symbolic", "explicit"]


def test_derivation_without_result_fails_naming_the_id():
    def derive(d):
        d.prove(rnn.MODEL.diff(rnn.H_PREV).T, rnn.STEP_JACOBIAN, claim="the step Jacobian", kind="symbolic")
    with pytest.raises(DerivationError, match=r"^test\.no-result: the result states nothing"):
        run(Entry("test.no-result", "No result", derive))


def test_derivation_that_raises_fails_naming_the_id():
    def derive(d):
        d.step("Multiply a 2×2 by a 3×1 matrix: the shapes do not match.", sp.eye(2) * sp.ones(3, 1))
    with pytest.raises(DerivationError, match=r"^test\.raises: the derivation raised ShapeError"):
        run(Entry("test.raises", "Raises", derive))


def test_misspelt_id_suggests_the_registered_one():
    with pytest.raises(UnknownIdError, match=r"did you mean 'rnn\.step-jacobian'"):
        registry.lookup("rnn.step-jacobain")
    assert registry.lookup("rnn.step-jacobian").function is rnn.step_jacobian_derivation


def _truncation_problem(activation, seed, n=3, m=2, steps=6, rate=0.8):
    """A random network with γ‖W_hh‖₂ = ``rate``, its states h_0 … h_T and targets for L_s = ½‖h_s − y_s‖²."""
    p = ref.random_rnn(seed, n, m, steps, activation)
    p["W_hh"] = p["W_hh"] * rate / (float(act.SUPREMUM[activation]) * np.linalg.norm(p["W_hh"], 2))
    targets = np.random.default_rng(seed).uniform(-1, 1, (steps, n))
    _, hs = ref.unroll(**p, activation=activation)
    return p, targets, [p["h0"], *hs]


def _detached_loss(p, targets, states, activation, W, tau):
    """Σ_s ½‖h_s − y_s‖² with each h_s unrolled from h_{s-τ} as a plain array: a constant to autograd (detached)."""
    total = 0.0
    for s in range(1, len(targets) + 1):
        start = max(0, s - tau)
        h = states[start]
        for i in range(start + 1, s + 1):
            h = ref.step(W, p["W_xh"], p["b_h"], h, p["xs"][i - 1], activation)
        total = total + 0.5 * anp.sum((h - targets[s - 1]) ** 2)
    return total


@pytest.mark.checks("rnn.truncated-bptt")
@pytest.mark.parametrize(("activation", "seed"), [("tanh", 0), ("sigmoid", 1), ("tanh", 2), ("sigmoid", 3)])
def test_truncated_bptt_matches_autograd_with_detached_states(activation, seed):
    """Autograd through a graph cut τ steps back agrees with the lags k < τ of the gradient; the exact gradient minus
    it is the dropped lags, and its norm stays below the geometric bound."""
    p, targets, states = _truncation_problem(activation, seed)
    steps, W = len(targets), p["W_hh"]
    slope = autograd.elementwise_grad(ref.ACTIVATIONS[activation])
    lags = [np.zeros_like(W) for _ in range(steps)]
    for t in range(1, steps + 1):
        z = W @ states[t - 1] + p["W_xh"] @ p["xs"][t - 1] + p["b_h"]
        carried = np.eye(len(W))
        for later in range(t, steps + 1):
            if later > t:
                carried = rnn.step_jacobian(W, p["W_xh"], p["b_h"], states[later - 1], p["xs"][later - 1],
                                            activation) @ carried
            error = states[later] - targets[later - 1]
            lags[later - t] += np.outer(np.diag(slope(z)) @ carried.T @ error, states[t - 1])
    exact = autograd.grad(lambda V: _detached_loss(p, targets, states, activation, V, steps))(W)
    assert_allclose(exact, sum(lags), **EXACT)
    gamma, rate = float(act.SUPREMUM[activation]), float(act.SUPREMUM[activation]) * np.linalg.norm(W, 2)
    E = max(np.linalg.norm(states[s] - targets[s - 1]) for s in range(1, steps + 1))
    H = max(np.linalg.norm(state) for state in states[:-1])
    for tau in range(1, steps):
        truncated = autograd.grad(lambda V: _detached_loss(p, targets, states, activation, V, tau))(W)
        assert_allclose(truncated, sum(lags[:tau]), **EXACT)
        assert_allclose(exact - truncated, sum(lags[tau:]), rtol=1e-8, atol=1e-13)
        bound = (steps - tau) * gamma * E * H * rate ** tau / (1 - rate)
        assert np.linalg.norm(exact - truncated, 2) <= bound


def test_truncation_keeps_everything_once_tau_reaches_the_length():
    p, targets, states = _truncation_problem("tanh", 5)
    full = autograd.grad(lambda V: _detached_loss(p, targets, states, "tanh", V, len(targets)))(p["W_hh"])
    longer = autograd.grad(lambda V: _detached_loss(p, targets, states, "tanh", V, 10 * len(targets)))(p["W_hh"])
    assert_allclose(full, longer, rtol=0, atol=0)
    of_loss = ref.central_difference(
        lambda V: ref.loss(V, p["W_xh"], p["b_h"], p["h0"], p["xs"], np.eye(3), np.zeros(3), targets, "tanh"), p["W_hh"])
    assert_allclose(full, of_loss, **FINITE_DIFFERENCE)


def test_a_bias_that_drops_one_lag_too_few_fails_naming_the_id(monkeypatch):
    shown = rnn._truncation_display()
    wrong = rnn._double_sum(rnn.lag_term(rnn.t, rnn.k), (rnn.TAU + 1, rnn.T - rnn.t), (1, rnn.T - rnn.TAU - 1))
    monkeypatch.setattr(rnn, "_truncation_display", lambda: (shown[0], ("bias", shown[1][1], wrong), shown[2]))
    with pytest.raises(ProofError, match=r"^rnn\.truncated-bptt: the displayed result, clause 2, .* "
                                         r"(does not hold|cannot be evaluated)"):
        run(registry.lookup("rnn.truncated-bptt"))
