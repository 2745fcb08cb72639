"""The adding-problem experiment: hand-written BPTT against an independent autograd forward pass, the
task's data and baseline, argument checks, learning, clipping, and the committed results."""

from __future__ import annotations

import itertools
import json
import re

import autograd
import autograd.numpy as anp
import numpy as np
import pytest
from numpy.testing import assert_allclose

from derivations.experiments import adding

KINDS = ("rnn", "lstm", "gru")
EXACT = {"rtol": 1e-7, "atol": 1e-12}


# An independent forward pass in autograd.numpy, in PyTorch's layouts; state = (h,) or (h, c).

def _sigmoid(a):
    return 1 / (1 + anp.exp(-a))


def _rnn_step(p, state, x):
    (h,) = state
    return (anp.tanh(anp.dot(h, p["W_hh"].T) + anp.dot(x, p["W_xh"].T) + p["b_h"]),)


def _lstm_step(p, state, x):
    h, c = state
    n = h.shape[1]
    a = anp.dot(x, p["weight_ih"].T) + p["bias_ih"] + anp.dot(h, p["weight_hh"].T) + p["bias_hh"]
    i, f, g, o = _sigmoid(a[:, :n]), _sigmoid(a[:, n:2 * n]), anp.tanh(a[:, 2 * n:3 * n]), _sigmoid(a[:, 3 * n:])
    c_t = f * c + i * g
    return (o * anp.tanh(c_t), c_t)


def _gru_step(p, state, x):
    (h,) = state
    n = h.shape[1]
    u = anp.dot(x, p["weight_ih"].T) + p["bias_ih"]
    w = anp.dot(h, p["weight_hh"].T) + p["bias_hh"]
    r = _sigmoid(u[:, :n] + w[:, :n])
    z = _sigmoid(u[:, n:2 * n] + w[:, n:2 * n])
    candidate = anp.tanh(u[:, 2 * n:] + r * w[:, 2 * n:])
    return ((1 - z) * candidate + z * h,)


STEPS = {"rnn": _rnn_step, "lstm": _lstm_step, "gru": _gru_step}


def _first_state(kind, p, xs):
    """(h_1,) or (h_1, c_1): the state after reading x_1 from zero."""
    zeros = anp.zeros((xs.shape[1], p["weight_out"].shape[1]))
    return STEPS[kind](p, (zeros, zeros)[:2 if kind == "lstm" else 1], xs[0])


def _squared_errors(kind, p, state, xs, targets):
    """(ŷ_b − y_b)² per example, reading xs on from ``state``."""
    for x in xs:
        state = STEPS[kind](p, state, x)
    return (anp.dot(state[0], p["weight_out"][0]) + p["bias_out"][0] - targets) ** 2


def _loss(kind, p, xs, targets):
    return anp.mean(_squared_errors(kind, p, _first_state(kind, p, xs), xs[1:], targets))


def _tiny(kind, seed=0):
    """Hidden 3, length 5, batch 4; parameters moved off their initial values so no bias is zero."""
    rng = np.random.default_rng(seed)
    params = {name: value + rng.normal(scale=0.5, size=value.shape) for name, value in adding.init(kind, 3, rng).items()}
    return params, *adding.batch(5, 4, rng)


@pytest.mark.parametrize("seed", (0, 1))
@pytest.mark.parametrize("kind", KINDS)
def test_gradients_match_autograd(kind, seed):
    params, xs, targets = _tiny(kind, seed)
    loss, grads, _ = adding.loss_and_gradients(kind, params, xs, targets)
    expected = autograd.grad(lambda p: _loss(kind, p, xs, targets))(params)
    assert_allclose(loss, _loss(kind, params, xs, targets), **EXACT)
    assert sorted(grads) == sorted(params)
    for name in params:
        assert_allclose(grads[name], expected[name], **EXACT, err_msg=name)


@pytest.mark.parametrize("seed", (0, 1))
@pytest.mark.parametrize("kind", KINDS)
def test_first_step_norm_is_the_gradient_reaching_h1(kind, seed):
    """The batch mean of ‖∂ℓ_b/∂h_1‖ with h_1 (and, for the LSTM, c_1 held fixed) made an input."""
    params, xs, targets = _tiny(kind, seed)
    first = _first_state(kind, params, xs)
    total = lambda h_1: anp.sum(_squared_errors(kind, params, (h_1, *first[1:]), xs[1:], targets))  # noqa: E731
    per_example = autograd.grad(total)(first[0])  # row b: ∂ℓ_b/∂h_1, since h_1 of b reaches ℓ_b alone
    _, _, first_step_norm = adding.loss_and_gradients(kind, params, xs, targets)
    assert_allclose(first_step_norm, np.linalg.norm(per_example, axis=1).mean(), **EXACT)


def _state_after(kind, p, xs):
    """The state after reading all of ``xs`` from zero, computed outside any autograd trace: a constant."""
    zeros = np.zeros((xs.shape[1], p["weight_out"].shape[1]))
    state = (zeros, zeros)[:2 if kind == "lstm" else 1]
    for x in xs:
        state = STEPS[kind](p, state, x)
    return state


def _detached_loss(kind, p, start, xs, targets):
    """The loss read on from the constant state ``start``: autograd sees no path back through it."""
    return anp.mean(_squared_errors(kind, p, start, xs, targets))


@pytest.mark.parametrize("horizon", (1, 2, 4))
@pytest.mark.parametrize("kind", KINDS)
def test_a_truncated_gradient_is_the_gradient_with_the_early_state_detached(kind, horizon):
    """Williams & Peng's truncated BPTT: the gradient of L with h_{T−τ} (and c_{T−τ}) held constant."""
    params, xs, targets = _tiny(kind)
    loss, grads, first_step_norm = adding.loss_and_gradients(kind, params, xs, targets, horizon=horizon)
    start = _state_after(kind, params, xs[:len(xs) - horizon])  # h_{T−τ} from the plain parameters
    expected = autograd.grad(lambda p: _detached_loss(kind, p, start, xs[len(xs) - horizon:], targets))(params)
    full_loss, full, full_first_step_norm = adding.loss_and_gradients(kind, params, xs, targets)
    assert loss == full_loss
    for name in params:
        assert_allclose(grads[name], expected[name], **EXACT, err_msg=name)
    weight_in = "W_xh" if kind == "rnn" else "weight_ih"
    assert not np.allclose(grads[weight_in], full[weight_in])  # x_1 … x_{T−τ} no longer receive a gradient
    # h_1 lies T − 1 = 4 steps back: within the horizon 4 it gets the full ∂L/∂h_1, beyond it nothing
    assert first_step_norm == (full_first_step_norm if horizon >= len(xs) - 1 else 0)


@pytest.mark.parametrize("kind", KINDS)
def test_a_horizon_of_the_whole_sequence_is_full_bptt_exactly(kind):
    params, xs, targets = _tiny(kind, 1)
    full = adding.loss_and_gradients(kind, params, xs, targets)
    for horizon in (len(xs), len(xs) + 1, 1000):
        loss, grads, first_step_norm = adding.loss_and_gradients(kind, params, xs, targets, horizon=horizon)
        assert (loss, first_step_norm) == full[::2]
        for name in params:
            assert np.array_equal(grads[name], full[1][name]), name
    # τ = T − 1 stops at h_1 itself: every parameter gradient changes, the gradient reaching h_1 does not
    _, _, first_step_norm = adding.loss_and_gradients(kind, params, xs, targets, horizon=len(xs) - 1)
    assert first_step_norm == full[2]
    assert adding.train(kind, 6, steps=3, horizon=6) == adding.train(kind, 6, steps=3)
    assert adding.train(kind, 6, steps=3, horizon=2) != adding.train(kind, 6, steps=3)


@pytest.mark.parametrize("length", (2, 7, 10))
def test_batch_marks_one_value_in_each_half(length):
    xs, targets = adding.batch(length, 50, np.random.default_rng(length))
    assert xs.shape == (length, 50, 2) and targets.shape == (50,)
    values, markers = xs[..., 0], xs[..., 1]
    assert np.all((0 <= values) & (values < 1))
    assert np.isin(markers, (0, 1)).all()
    half = length // 2
    assert np.all(markers[:half].sum(axis=0) == 1) and np.all(markers[half:].sum(axis=0) == 1)
    assert_allclose(targets, (values * markers).sum(axis=0), **EXACT)


def test_baseline_is_the_variance_of_the_target():
    """Predicting the mean target 1 scores the baseline; a sample of 10⁵ agrees to ~5 standard errors."""
    _, targets = adding.batch(2, 100_000, np.random.default_rng(0))
    assert abs(targets.mean() - 1) < 0.005
    assert abs(np.mean((targets - 1) ** 2) - adding.BASELINE) < 0.003


def test_everything_is_determined_by_the_seed():
    a, b, c = (adding.train("gru", 6, steps=3, seed=seed) for seed in (4, 4, 5))
    assert a == b and a != c


def _valid_params(kind="lstm"):
    return adding.init(kind, 2, np.random.default_rng(0))


def _with(params, name, value):
    return {**params, name: value}


BAD = [
    ("length", lambda: adding.batch(1, 3, np.random.default_rng())),
    ("length", lambda: adding.batch(2.0, 3, np.random.default_rng())),
    ("size", lambda: adding.batch(4, 0, np.random.default_rng())),
    ("size", lambda: adding.batch(4, True, np.random.default_rng())),
    ("rng", lambda: adding.batch(4, 3, 0)),
    ("kind", lambda: adding.init("xx", 2, np.random.default_rng())),
    ("hidden", lambda: adding.init("rnn", 0, np.random.default_rng())),
    ("kind", lambda: adding.loss_and_gradients("LSTM", _valid_params(), np.zeros((3, 1, 2)), np.zeros(1))),
    ("params", lambda: adding.loss_and_gradients("gru", _valid_params("rnn"), np.zeros((3, 1, 2)), np.zeros(1))),
    ("params", lambda: adding.loss_and_gradients("lstm", [1, 2], np.zeros((3, 1, 2)), np.zeros(1))),
    ("params['weight_hh']", lambda: adding.loss_and_gradients(
        "lstm", _with(_valid_params(), "weight_hh", np.zeros((6, 2))), np.zeros((3, 1, 2)), np.zeros(1))),
    ("params['W_hh']", lambda: adding.loss_and_gradients(
        "rnn", _with(_valid_params("rnn"), "W_hh", np.zeros((3, 3))), np.zeros((3, 1, 2)), np.zeros(1))),
    ("params['bias_ih']", lambda: adding.loss_and_gradients(
        "lstm", _with(_valid_params(), "bias_ih", np.full(8, np.nan)), np.zeros((3, 1, 2)), np.zeros(1))),
    ("xs", lambda: adding.loss_and_gradients("lstm", _valid_params(), np.zeros((3, 1, 3)), np.zeros(1))),
    ("xs", lambda: adding.loss_and_gradients("lstm", _valid_params(), np.zeros((0, 1, 2)), np.zeros(1))),
    ("xs", lambda: adding.loss_and_gradients("lstm", _valid_params(), np.full((3, 1, 2), np.inf), np.zeros(1))),
    ("targets", lambda: adding.loss_and_gradients("lstm", _valid_params(), np.zeros((3, 1, 2)), np.zeros(2))),
    ("horizon", lambda: adding.loss_and_gradients("lstm", _valid_params(), np.zeros((3, 1, 2)), np.zeros(1),
                                                  horizon=0)),
    ("horizon", lambda: adding.loss_and_gradients("rnn", _valid_params("rnn"), np.zeros((3, 1, 2)), np.zeros(1),
                                                  horizon=2.0)),
    ("horizon", lambda: adding.train("rnn", 10, steps=1, horizon=True)),
    ("horizon", lambda: adding.train("gru", 10, steps=1, horizon=-3)),
    ("kind", lambda: adding.train("xx", 10, steps=1)),
    ("length", lambda: adding.train("rnn", 1, steps=1)),
    ("steps", lambda: adding.train("rnn", 10, steps=0)),
    ("clip", lambda: adding.train("rnn", 10, steps=1, clip=0)),
    ("clip", lambda: adding.train("rnn", 10, steps=1, clip=float("inf"))),
    ("learning_rate", lambda: adding.train("rnn", 10, steps=1, learning_rate=-0.1)),
    ("hidden", lambda: adding.train("rnn", 10, steps=1, hidden=1.5)),
    ("batch_size", lambda: adding.train("rnn", 10, steps=1, batch_size=0)),
    ("seed", lambda: adding.train("rnn", 10, steps=1, seed=-1)),
    ("grads", lambda: adding.clip_gradients({}, 1.0)),
    ("grads", lambda: adding.clip_gradients({"w": np.array([1.0, np.nan])}, 1.0)),
    ("threshold", lambda: adding.clip_gradients({"w": np.ones(2)}, 0)),
]


@pytest.mark.parametrize(("name", "call"), BAD, ids=[f"{name}-{i}" for i, (name, _) in enumerate(BAD)])
def test_bad_input_raises_naming_the_argument(name, call):
    with pytest.raises(ValueError, match=rf"^{re.escape(name)}: "):
        call()


def test_kind_error_lists_the_kinds():
    with pytest.raises(ValueError, match=r"^kind: expected one of 'rnn', 'lstm', 'gru', got 'xx'$"):
        adding.init("xx", 2, np.random.default_rng())


def test_lstm_forget_bias_starts_at_one():
    params = adding.init("lstm", 3, np.random.default_rng(0))
    total = params["bias_ih"] + params["bias_hh"]
    assert_allclose(total[3:6], 1)
    assert_allclose(np.delete(total, np.s_[3:6]), 0)


@pytest.mark.parametrize("kind", KINDS)
def test_short_sequences_are_learned(kind):
    """Length 10: within 600 steps the loss falls far below the mean-predicting baseline."""
    loss = adding.train(kind, 10, steps=600, seed=1)["loss"]
    assert np.mean(loss[:20]) > adding.BASELINE / 2
    assert np.mean(loss[-50:]) < adding.BASELINE / 4


def _global_norm(grads):
    return np.sqrt(sum(np.sum(np.square(g)) for g in grads.values()))


@pytest.mark.parametrize("scale", (1e-3, 1e3))
def test_clip_gradients_scales_all_by_one_factor(scale):
    rng = np.random.default_rng(0)
    grads = {"a": scale * rng.normal(size=(3, 4)), "b": scale * rng.normal(size=5)}
    clipped = adding.clip_gradients(grads, 1.0)
    norm = _global_norm(grads)
    factor = min(1.0, 1.0 / norm)
    assert _global_norm(clipped) <= 1.0 * (1 + 1e-12)
    for name in grads:
        assert clipped[name].shape == grads[name].shape
        assert_allclose(clipped[name], factor * grads[name], **EXACT)


def test_training_applies_the_clipped_gradient(monkeypatch):
    """Every update train() makes uses clip_gradients' output, whose global norm never exceeds θ."""
    threshold, applied = 0.05, []
    clip = adding.clip_gradients

    def spy(grads, limit):
        clipped = clip(grads, limit)
        applied.append(_global_norm(clipped))
        return clipped

    monkeypatch.setattr(adding, "clip_gradients", spy)
    history = adding.train("lstm", 10, steps=30, clip=threshold)
    assert len(applied) == 30
    assert max(history["gradient_norm"]) > threshold  # the threshold was active
    assert max(applied) <= threshold * (1 + 1e-12)
    assert adding.train("lstm", 10, steps=30, clip=1e9) == adding.train("lstm", 10, steps=30)
    assert history != adding.train("lstm", 10, steps=30)


TINY = {"kinds": ("rnn", "gru"), "lengths": (3, 4), "clips": (None, 0.5), "steps": 7, "hidden": 2,
        "batch_size": 3, "learning_rate": 0.01, "seed": 2, "every": 3}


def _combinations(config):
    return set(itertools.product(config["kinds"], config["lengths"], config["clips"]))


def _check_runs(runs, config):
    assert {(run["kind"], run["length"], run["clip"]) for run in runs} == _combinations(config)
    stored = list(range(0, config["steps"], config["every"]))
    for run in runs:
        assert run["step"] == stored
        for name in ("loss", "first_step_norm", "gradient_norm"):
            assert len(run[name]) == len(stored) and all(np.isfinite(run[name]))


def test_sweep_keeps_every_kth_step_rounded():
    runs = adding.sweep(TINY)
    _check_runs(runs, TINY)
    run = next(r for r in runs if (r["kind"], r["length"], r["clip"]) == ("gru", 4, 0.5))
    history = adding.train("gru", 4, steps=7, clip=0.5, hidden=2, batch_size=3, learning_rate=0.01, seed=2)
    for name, values in history.items():
        assert_allclose(run[name], values[::3], rtol=5e-6)
        assert all(float(f"{v:.6g}") == v for v in run[name])


def test_cached_sweep_reuses_a_current_file_and_redoes_a_stale_one(monkeypatch, tmp_path):
    monkeypatch.setattr(adding, "CONFIG", TINY)
    path = tmp_path / "results.json"
    written = adding.cached_sweep(path)
    assert json.loads(path.read_text(encoding="utf-8")) == written
    assert written["key"] == adding.cache_key()
    _check_runs(written["runs"], TINY)
    assert not list(tmp_path.glob("*.tmp"))

    def no_sweep(config):
        raise AssertionError("the sweep ran although the file was current")

    monkeypatch.setattr(adding, "sweep", no_sweep)
    assert adding.cached_sweep(path) == written
    path.write_text(path.read_text(encoding="utf-8").replace(written["key"], "stale"), encoding="utf-8")
    with pytest.raises(AssertionError, match="the sweep ran"):
        adding.cached_sweep(path)


def test_committed_results_are_current_and_complete():
    """The committed file carries the key of the present code and CONFIG, so results cannot drift."""
    data = json.loads(adding.RESULTS.read_text(encoding="utf-8"))
    assert data["key"] == adding.cache_key()
    assert data["config"] == json.loads(json.dumps(adding.CONFIG))
    _check_runs(data["runs"], adding.CONFIG)
    assert adding.RESULTS.stat().st_size < 300_000
