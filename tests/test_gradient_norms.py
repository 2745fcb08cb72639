"""Gradient-norm curves: log-space accumulation against plain products and an independent autograd
unroll, the bound (γλ₁)^k of ``bounds.span-norm``, its tightness in the linear regime, and the LSTM
cell path against a vanilla RNN."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
from numpy.testing import assert_allclose

import numeric_reference
import reference_gates as ref
from derivations import rnn
from derivations.experiments import gradient_norms as gn

ACCUMULATION = {"rtol": 1e-10, "atol": 1e-10}
"""Log norms from the rescaled product against the log of the plain product's norm."""
BOUND_SLACK = 1e-9
"""Rounding allowed above the bound k·log(γλ₁), per unit of |bound| + 1."""
FACTORS = (0.8, 1.0, 1.2)
"""λ₁ as a multiple of the threshold 1/γ: below, at and above it."""


def _rng(seed=0):
    return np.random.default_rng(seed)


@pytest.mark.parametrize("activation", ("sigmoid", "tanh", "relu"))
def test_gamma_is_the_largest_derivative(activation):
    """Against autograd's σ' of the hand-written activation on a grid through its maximum (ReLU's
    supremum 1 is attained for every x > 0)."""
    grid = np.linspace(-10, 10, 20001)
    derivative = autograd.elementwise_grad(numeric_reference.ACTIVATIONS[activation])(grid)
    assert gn.GAMMA[activation] == pytest.approx(derivative.max(), rel=1e-12)


@pytest.mark.parametrize("lambda_1", (0.5, 2.0))
def test_recurrent_weight_has_every_singular_value_lambda_1(lambda_1):
    assert_allclose(np.linalg.svd(gn.recurrent_weight(16, lambda_1, _rng()), compute_uv=False), lambda_1, rtol=1e-12)


def test_log_norm_products_match_the_plain_product_without_underflow():
    rng = _rng()
    jacobians = rng.normal(size=(30, 6, 6)) / 3
    logs = gn.log_norm_products(jacobians, {"all": np.s_[:, :], "corner": np.s_[3:, 3:]})
    product, plain = np.eye(6), {"all": [], "corner": []}
    for jacobian in jacobians:
        product = jacobian @ product
        plain["all"].append(np.linalg.norm(product, 2))
        plain["corner"].append(np.linalg.norm(product[3:, 3:], 2))
    for name, norms in plain.items():
        assert min(norms) > 1e-300  # no underflow: the plain product is a valid reference
        assert_allclose(logs[name], np.log(norms), **ACCUMULATION)


@pytest.mark.parametrize("activation", ("sigmoid", "tanh", "relu"))
def test_rnn_log_norms_match_the_plain_span_jacobian(activation):
    rng = _rng()
    args = gn.rnn_arguments(gn.recurrent_weight(8, 1.0, rng), 40, rng)
    plain = [np.linalg.norm(rnn.span_jacobian(**(args | {"xs": args["xs"][:k]}), activation=activation), 2)
             for k in range(1, 41)]
    assert_allclose(gn.rnn_log_norms(activation, 8, 1.0, 40, _rng()), np.log(plain), **ACCUMULATION)


def test_log_space_stays_finite_where_the_plain_product_underflows():
    rng = _rng()
    args = gn.rnn_arguments(gn.recurrent_weight(8, 1.0, rng), 1000, rng)
    assert np.linalg.norm(rnn.span_jacobian(**args, activation="sigmoid"), 2) == 0.0
    logs = gn.rnn_log_norms("sigmoid", 8, 1.0, 1000, _rng())
    assert np.all(np.isfinite(logs))
    assert logs[-1] < np.log(np.finfo(float).smallest_subnormal)


def _unrolled(cell, p, xs, n):
    """The reference cell's map from the start state to the state after len(xs) steps."""
    params = [p[k] for k in ref.PARAMETERS]

    def run(state):
        for x in xs:
            state = (ref.lstm_step(*params, state[:n], state[n:], x) if cell == "lstm"
                     else ref.gru_step(*params, state, x))
        return state

    return run


@pytest.mark.parametrize("cell", ("lstm", "gru"))
def test_cell_log_norms_match_an_autograd_unroll(cell):
    n, steps, seed = 3, 8, 4
    p = gn.cell_arguments(4 if cell == "lstm" else 3, n, steps, _rng(seed))
    if cell == "lstm":  # lstm_log_norms' default forget bias 1, all in bias_ih
        p["bias_ih"][n:2 * n], p["bias_hh"][n:2 * n] = 1.0, 0.0
    start = np.zeros(2 * n if cell == "lstm" else n)
    spans = [autograd.jacobian(_unrolled(cell, p, p["xs"][:k], n))(start) for k in range(1, steps + 1)]
    if cell == "lstm":
        got = gn.lstm_log_norms(n, steps, _rng(seed))
        assert_allclose(got["state"], [np.log(np.linalg.norm(s, 2)) for s in spans], **ACCUMULATION)
        assert_allclose(got["cell"], [np.log(np.linalg.norm(s[n:, n:], 2)) for s in spans], **ACCUMULATION)
    else:
        got = gn.gru_log_norms(n, steps, _rng(seed))
        assert_allclose(got, [np.log(np.linalg.norm(s, 2)) for s in spans], **ACCUMULATION)


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("activation", ("sigmoid", "tanh", "relu"))
def test_log_norms_obey_the_span_bound(activation, factor):
    gamma = gn.GAMMA[activation]
    lambda_1 = factor / gamma
    logs = gn.rnn_log_norms(activation, 16, lambda_1, 1000, _rng())
    rate = np.log(gamma * lambda_1)
    bound = np.arange(1, 1001) * rate
    assert np.all(logs <= bound + BOUND_SLACK * (1 + np.abs(bound)))
    assert gn.slope(logs) <= rate + BOUND_SLACK


@pytest.mark.parametrize("lambda_1", (0.5, 0.9, 1.0))
def test_tanh_bound_is_tight_in_the_linear_regime(lambda_1):
    """Tiny inputs, zero bias and h_t = 0 keep z ≈ 0, so tanh'(z) = 1 − h² ≈ 1 and J ≈ W_hh = λ₁ Q:
    the log norm is k·log λ₁ up to Σ h² = O(10⁻¹² k²) ≤ 10⁻⁶ at k = 1000."""
    logs = gn.rnn_log_norms("tanh", 16, lambda_1, 1000, _rng(), input_scale=1e-6)
    assert abs(gn.slope(logs) - np.log(lambda_1)) < 1e-6
    assert_allclose(logs, np.arange(1, 1001) * np.log(lambda_1), rtol=0, atol=1e-5)


@pytest.mark.parametrize("lambda_1", (0.8, 1.0))
def test_lstm_cell_path_outlasts_a_vanilla_tanh_rnn(lambda_1):
    """At T − t = 100 ‖∂c_T/∂c_t‖ of an LSTM with forget bias 1 exceeds ‖∂h_T/∂h_t‖ of a tanh RNN
    with λ₁ ≤ 1/γ = 1, same n and inputs N(0, I), by at least 10¹⁰ (seeds 0–3 give 10^10.5 to 10^12.9)."""
    cell = gn.lstm_log_norms(16, 100, _rng())["cell"][99]
    vanilla = gn.rnn_log_norms("tanh", 16, lambda_1, 100, _rng())[99]
    assert cell - vanilla >= np.log(1e10)


def test_slope_ignores_minus_infinity_and_fits_a_line():
    logs = -0.3 * np.arange(1, 11) + 2.0
    logs[[2, 7]] = -np.inf
    assert gn.slope(logs) == pytest.approx(-0.3, abs=1e-12)
    assert gn.slope(logs, start=4, stop=6) == pytest.approx(-0.3, abs=1e-12)


BAD_CALLS = [
    pytest.param(gn.rnn_log_norms, {"activation": "softsign"}, "activation", id="rnn-activation"),
    pytest.param(gn.rnn_log_norms, {"n": 0}, "n", id="rnn-n"),
    pytest.param(gn.rnn_log_norms, {"lambda_1": -1.0}, "lambda_1", id="rnn-lambda-negative"),
    pytest.param(gn.rnn_log_norms, {"lambda_1": np.nan}, "lambda_1", id="rnn-lambda-nan"),
    pytest.param(gn.rnn_log_norms, {"steps": 0}, "steps", id="rnn-steps"),
    pytest.param(gn.rnn_log_norms, {"rng": 42}, "rng", id="rnn-rng"),
    pytest.param(gn.rnn_log_norms, {"input_scale": 0.0}, "input_scale", id="rnn-input-scale"),
    pytest.param(gn.lstm_log_norms, {"n": 2.5}, "n", id="lstm-n"),
    pytest.param(gn.lstm_log_norms, {"steps": -1}, "steps", id="lstm-steps"),
    pytest.param(gn.lstm_log_norms, {"rng": None}, "rng", id="lstm-rng"),
    pytest.param(gn.lstm_log_norms, {"forget_bias": np.inf}, "forget_bias", id="lstm-forget-bias"),
    pytest.param(gn.gru_log_norms, {"n": "3"}, "n", id="gru-n"),
    pytest.param(gn.gru_log_norms, {"steps": True}, "steps", id="gru-steps"),
    pytest.param(gn.gru_log_norms, {"rng": np.random.RandomState(0)}, "rng", id="gru-rng"),
    pytest.param(gn.slope, {"log_norms": np.zeros((3, 3))}, "log_norms", id="slope-2d"),
    pytest.param(gn.slope, {"log_norms": np.full(5, -np.inf)}, "log_norms", id="slope-all-inf"),
    pytest.param(gn.slope, {"start": 0}, "start", id="slope-start"),
    pytest.param(gn.slope, {"stop": 11}, "stop", id="slope-stop-too-large"),
    pytest.param(gn.slope, {"start": 6, "stop": 5}, "stop", id="slope-stop-before-start"),
]
VALID = {
    gn.rnn_log_norms: {"activation": "tanh", "n": 4, "lambda_1": 1.0, "steps": 3, "rng": _rng()},
    gn.lstm_log_norms: {"n": 2, "steps": 3, "rng": _rng()},
    gn.gru_log_norms: {"n": 2, "steps": 3, "rng": _rng()},
    gn.slope: {"log_norms": np.arange(10.0)},
}


@pytest.mark.parametrize(("function", "change", "name"), BAD_CALLS)
def test_bad_argument_is_named(function, change, name):
    function(**VALID[function])  # the valid call succeeds
    with pytest.raises(ValueError, match=rf"^{name}:"):
        function(**(VALID[function] | change))
