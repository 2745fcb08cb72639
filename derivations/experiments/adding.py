"""The adding problem (Hochreiter & Schmidhuber 1997) learned by a vanilla tanh RNN, an LSTM and a GRU,
with backpropagation through time written out by hand.

A model reads x_1 … x_T, x_t = (value, marker), from the zero state h_0 = 0 and predicts the sum of
the two marked values by a linear read-out of h_T. The loss is the batch-mean squared error, minimised
with Adam, optionally clipping the gradient by its global norm. Cells follow PyTorch's layouts:
LSTM gates i, f, g, o and GRU gates r, z, n stacked in ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import sympy as sp

from ..numeric import Shapes, generator, integer, positive
from ..remedies import clip_by_norm, orthogonal, xavier_uniform

INPUTS = 2
"""Features per time step: a value and a marker."""

_u = sp.Symbol("u")
BASELINE = float(2 * sp.integrate((_u - sp.Rational(1, 2)) ** 2, (_u, 0, 1)))
"""MSE of always predicting the mean target 1: Var(a + b) = 2 Var U(0, 1) = 1/6."""

CONFIG = {
    "kinds": ("rnn", "lstm", "gru"),
    "lengths": (10, 50, 100, 200),
    "clips": (None, 1.0),
    "steps": 1000,
    "hidden": 16,
    "batch_size": 32,
    "learning_rate": 0.01,
    "seed": 0,
    "every": 5,
}
"""The sweep behind the committed results; ``every``: keep every so many steps."""

RESULTS = Path(__file__).with_name("adding-results.json")

ADAM = (0.9, 0.999, 1e-8)
"""Adam's β1, β2 and ε (Kingma & Ba 2015)."""


def batch(length, size, rng) -> tuple[np.ndarray, np.ndarray]:
    """``size`` sequences: xs of shape (length, size, 2), values U(0, 1) in column 0 and in column 1 a
    marker that is 1 once in the first half and once in the second; targets (size,), the marked sums."""
    length, size, rng = integer("length", length, 2), integer("size", size, 1), generator(rng)
    values = rng.random((length, size))
    examples = np.arange(size)
    first = rng.integers(0, length // 2, size)
    second = rng.integers(length // 2, length, size)
    markers = np.zeros((length, size))
    markers[first, examples] = markers[second, examples] = 1
    return np.stack([values, markers], axis=-1), values[first, examples] + values[second, examples]


def _sigmoid(a):
    return 0.5 * (1 + np.tanh(a / 2))  # = 1/(1 + e^{−a}), without overflow


def _blocks(a, count):
    """The ``count`` equal column blocks of a (batch, count·n) array, as views."""
    return a.reshape(len(a), count, -1).swapaxes(0, 1)


def _rnn_init(n, rng):
    """Orthogonal W_hh (Saxe, McClelland & Ganguli 2014), Xavier-uniform W_xh, zero b_h."""
    return {"W_hh": orthogonal(n, rng), "W_xh": xavier_uniform(INPUTS, n, rng), "b_h": np.zeros(n)}


def _rnn_step(p, state, u):
    (h,) = state
    h_t = np.tanh(h @ p["W_hh"].T + u)
    return (h_t,), (h, h_t)


def _rnn_back(p, cache, d_state, grads):
    h, h_t = cache
    d_a = d_state[0] * (1 - h_t ** 2)
    grads["W_hh"] += d_a.T @ h
    return (d_a @ p["W_hh"],), d_a


def _gated_init(blocks, n, rng):
    """Per gate block Xavier-uniform input and orthogonal recurrent weights; zero biases."""
    return {"weight_ih": np.vstack([xavier_uniform(INPUTS, n, rng) for _ in range(blocks)]),
            "weight_hh": np.vstack([orthogonal(n, rng) for _ in range(blocks)]),
            "bias_ih": np.zeros(blocks * n), "bias_hh": np.zeros(blocks * n)}


def _recurrent_back(p, grads, h, d_recurrent):
    """Add the gradients of W_hh and b_hh in h W_hhᵀ + b_hh given its gradient; return the one of h."""
    grads["weight_hh"] += d_recurrent.T @ h
    grads["bias_hh"] += d_recurrent.sum(axis=0)
    return d_recurrent @ p["weight_hh"]


def _lstm_init(n, rng):
    """Gated initialization with the forget-gate bias at 1 (Jozefowicz, Zaremba & Sutskever 2015), so
    that f_t ≈ σ(1) ≈ 0.73 and the cell path starts mostly open."""
    params = _gated_init(4, n, rng)
    params["bias_ih"][n:2 * n] = 1
    return params


def _lstm_step(p, state, u):
    h, c = state
    a = u + h @ p["weight_hh"].T + p["bias_hh"]
    i, f, _, o = _blocks(_sigmoid(a), 4)
    g = np.tanh(_blocks(a, 4)[2])
    c_t = f * c + i * g
    tanh_c = np.tanh(c_t)
    return (o * tanh_c, c_t), (h, c, i, f, g, o, tanh_c)


def _lstm_back(p, cache, d_state, grads):
    h, c, i, f, g, o, tanh_c = cache
    d_h, d_c = d_state
    d_c = d_c + d_h * o * (1 - tanh_c ** 2)
    d_a = np.hstack([d_c * g * i * (1 - i), d_c * c * f * (1 - f), d_c * i * (1 - g ** 2), d_h * tanh_c * o * (1 - o)])
    return (_recurrent_back(p, grads, h, d_a), d_c * f), d_a


def _gru_step(p, state, u):
    (h,) = state
    u_r, u_z, u_n = _blocks(u, 3)
    h_r, h_z, h_n = _blocks(h @ p["weight_hh"].T + p["bias_hh"], 3)
    r, z = _sigmoid(u_r + h_r), _sigmoid(u_z + h_z)
    n = np.tanh(u_n + r * h_n)
    return ((1 - z) * n + z * h,), (h, r, z, n, h_n)


def _gru_back(p, cache, d_state, grads):
    h, r, z, n, h_n = cache
    (d_h,) = d_state
    d_n = d_h * (1 - z) * (1 - n ** 2)
    d_r = d_n * h_n * r * (1 - r)
    d_z = d_h * (h - n) * z * (1 - z)
    through_weights = _recurrent_back(p, grads, h, np.hstack([d_r, d_z, d_n * r]))
    return (through_weights + d_h * z,), np.hstack([d_r, d_z, d_n])


@dataclass(frozen=True)
class _Model:
    """A cell. ``layout``: parameter name -> named dimensions, the input weight and bias first; ``blocks``
    gate blocks; ``states`` arrays in its state, (h,) or (h, c). ``step(p, state, u)`` -> (next state,
    cache) takes u = x_t W_inᵀ + b_in, computed for all steps at once; ``back(p, cache, ∂L/∂next state,
    grads)`` -> (∂L/∂state, ∂L/∂u) adds the recurrent parameters' gradients to ``grads``."""

    layout: dict[str, tuple[str, ...]]
    blocks: int
    states: int
    init: Callable
    step: Callable
    back: Callable


def _gated_layout(blocks: int) -> dict[str, tuple[str, ...]]:
    rows = f"{blocks}n"
    return {"weight_ih": (rows, "m"), "bias_ih": (rows,), "weight_hh": (rows, "n"), "bias_hh": (rows,)}


READ_OUT = {"weight_out": ("1", "n"), "bias_out": ("1",)}
"""ŷ = weight_out h_T + bias_out."""

MODELS = {
    "rnn": _Model({"W_xh": ("n", "m"), "b_h": ("n",), "W_hh": ("n", "n")}, 1, 1, _rnn_init, _rnn_step, _rnn_back),
    "lstm": _Model(_gated_layout(4), 4, 2, _lstm_init, _lstm_step, _lstm_back),
    "gru": _Model(_gated_layout(3), 3, 1, lambda n, rng: _gated_init(3, n, rng), _gru_step, _gru_back),
}


def _model(kind) -> _Model:
    if kind not in MODELS:
        raise ValueError(f"kind: expected one of {', '.join(map(repr, MODELS))}, got {kind!r}")
    return MODELS[kind]


def init(kind, hidden, rng) -> dict[str, np.ndarray]:
    """Initial parameters of a ``kind`` model with ``hidden`` units and its read-out (Xavier-uniform, zero bias)."""
    model, hidden, rng = _model(kind), integer("hidden", hidden, 1), generator(rng)
    return {"weight_out": xavier_uniform(hidden, 1, rng), "bias_out": np.zeros(1), **model.init(hidden, rng)}


def _parameters(model: _Model, params) -> dict[str, np.ndarray]:
    names = [*READ_OUT, *model.layout]
    if not isinstance(params, dict) or sorted(params) != sorted(names):
        got = sorted(params) if isinstance(params, dict) else type(params).__name__
        raise ValueError(f"params: expected the keys {sorted(names)}, got {got}")
    shapes = Shapes()
    shapes.dims.update({"1": 1, "m": INPUTS})
    checked = {name: shapes.array(f"params[{name!r}]", params[name], dims) for name, dims in READ_OUT.items()}
    shapes.dims[f"{model.blocks}n"] = model.blocks * shapes.dims["n"]
    return checked | {name: shapes.array(f"params[{name!r}]", params[name], dims) for name, dims in model.layout.items()}


def loss_and_gradients(kind, params, xs, targets, horizon=None) -> tuple[float, dict[str, np.ndarray], float]:
    """(L, ∂L/∂params, first-step norm), L the batch mean of (ŷ − y)², by backpropagation through time.

    The first-step norm is the batch mean of ‖∂ℓ_b/∂h_1‖, ℓ_b = (ŷ_b − y_b)² one example's squared error
    and h_1 the hidden state after reading x_1 (for the LSTM with the cell state c_1 held fixed): the
    gradient that reaches the first time step, T − 1 steps back from the read-out.

    With a ``horizon`` τ (a positive integer) the pass is truncated backpropagation through time
    (Williams & Peng 1990, ``rnn.truncated-bptt``): it carries the error back through the last τ steps
    only, so the gradient is that of L with the state τ steps before the read-out, h_{T−τ} (and c_{T−τ}),
    held constant; the first-step norm is then that of the gradient this pass brings to h_1, zero when h_1
    lies more than τ steps back. A horizon of T or more is full backpropagation through time.
    """
    model = _model(kind)
    if horizon is not None:
        horizon = integer("horizon", horizon, 1)
    params = _parameters(model, params)
    shapes = Shapes()
    shapes.dims["m"] = INPUTS
    xs = shapes.array("xs", xs, ("length", "size", "m"))
    targets = shapes.array("targets", targets, ("size",))
    if 0 in xs.shape:
        raise ValueError(f"xs: expected at least one time step and one example, got shape {xs.shape}")
    weight_in, bias_in = list(model.layout)[:2]
    inputs = xs @ params[weight_in].T + params[bias_in]
    state = tuple(np.zeros((len(targets), params["weight_out"].shape[1])) for _ in range(model.states))
    caches = []
    for u in inputs:
        state, cache = model.step(params, state, u)
        caches.append(cache)
    error = state[0] @ params["weight_out"][0] + params["bias_out"][0] - targets
    d_prediction = 2 * error / len(error)
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    grads["weight_out"] = d_prediction[None] @ state[0]
    grads["bias_out"] = np.array([d_prediction.sum()])
    d_state = (np.outer(d_prediction, params["weight_out"][0]), *map(np.zeros_like, state[1:]))
    stop = 0 if horizon is None else max(0, len(inputs) - horizon)  # h_stop: where the backward pass ends
    d_inputs = np.zeros_like(inputs)
    for t in reversed(range(stop, len(inputs))):
        d_first = d_state[0]  # ∂L/∂h_{t+1}; after the loop, ∂L/∂h_{stop+1}
        d_state, d_inputs[t] = model.back(params, caches[t], d_state, grads)
    if stop:  # the pass ended at h_stop: h_1 got ∂L/∂h_1 if it is h_stop, and nothing if it lies further back
        d_first = d_state[0] if stop == 1 else np.zeros_like(d_state[0])
    grads[weight_in] = np.einsum("tbk,tbm->km", d_inputs, xs)
    grads[bias_in] = d_inputs.sum(axis=(0, 1))
    first_step_norm = len(error) * np.linalg.norm(d_first, axis=1).mean()  # ∂ℓ_b/∂h_1 = B ∂L/∂h_1
    return float(np.mean(error ** 2)), grads, float(first_step_norm)


def clip_gradients(grads, threshold) -> dict[str, np.ndarray]:
    """Every gradient scaled by the one factor min(1, θ/‖g‖), ‖g‖ the global norm of all of them
    (``remedies.clipping`` applied to their concatenation)."""
    if not isinstance(grads, dict) or not grads:
        raise ValueError(f"grads: expected a non-empty dict of arrays, got {type(grads).__name__}")
    arrays = {name: np.asarray(value, dtype=float) for name, value in grads.items()}
    flat = np.concatenate([value.ravel() for value in arrays.values()])
    if not np.all(np.isfinite(flat)):
        raise ValueError("grads: contains a non-finite value (nan or inf)")
    parts = np.split(clip_by_norm(flat, threshold), np.cumsum([value.size for value in arrays.values()])[:-1])
    return {name: part.reshape(value.shape) for (name, value), part in zip(arrays.items(), parts)}


def _global_norm(grads) -> float:
    return float(np.linalg.norm([np.linalg.norm(value) for value in grads.values()]))


def _adam(params, grads, moments, step, learning_rate) -> None:
    """One Adam update of ``params`` in place; ``moments`` holds each parameter's (m, v), ``step`` counts from 1."""
    beta1, beta2, eps = ADAM
    for name, g in grads.items():
        m, v = moments[name]
        m += (1 - beta1) * (g - m)
        v += (1 - beta2) * (g ** 2 - v)
        params[name] -= learning_rate * (m / (1 - beta1 ** step)) / (np.sqrt(v / (1 - beta2 ** step)) + eps)


def train(kind, length, *, steps, clip=None, hidden=16, batch_size=32, learning_rate=0.01, seed=0,
          horizon=None) -> dict[str, list[float]]:
    """Train a fresh ``kind`` model on ``steps`` new batches; the per-step "loss" (before that step's
    update), "first_step_norm" and "gradient_norm" (global, before clipping to norm ``clip``). With a
    ``horizon`` τ every gradient is truncated to the last τ steps (see :func:`loss_and_gradients`)."""
    _model(kind)
    integer("length", length, 2)
    if horizon is not None:
        integer("horizon", horizon, 1)
    integer("batch_size", batch_size, 1)
    steps, seed = integer("steps", steps, 1), integer("seed", seed, 0)
    learning_rate = positive("learning_rate", learning_rate)
    if clip is not None:
        positive("clip", clip)
    rng = np.random.default_rng(seed)
    params = init(kind, hidden, rng)
    moments = {name: (np.zeros_like(value), np.zeros_like(value)) for name, value in params.items()}
    history = {"loss": [], "first_step_norm": [], "gradient_norm": []}
    for step in range(1, steps + 1):
        loss, grads, first_step_norm = loss_and_gradients(kind, params, *batch(length, batch_size, rng), horizon)
        history["loss"].append(loss)
        history["first_step_norm"].append(first_step_norm)
        history["gradient_norm"].append(_global_norm(grads))
        _adam(params, grads if clip is None else clip_gradients(grads, clip), moments, step, learning_rate)
    return history


def _rounded(value: float) -> float:
    return float(f"{value:.6g}")


def sweep(config=CONFIG) -> list[dict]:
    """Train every (kind, length, clip) of ``config``, keeping every ``config["every"]``-th step
    ("step": updates made before it) to 6 significant digits."""
    every = integer("every", config["every"], 1)
    settings = {name: config[name] for name in ("steps", "hidden", "batch_size", "learning_rate", "seed")}
    runs = []
    for kind, length, clip in itertools.product(config["kinds"], config["lengths"], config["clips"]):
        history = train(kind, length, clip=clip, **settings)
        runs.append({"kind": kind, "length": length, "clip": clip, "step": list(range(0, config["steps"], every)),
                     **{name: [_rounded(v) for v in values[::every]] for name, values in history.items()}})
    return runs


SOURCES = (Path(__file__), Path(__file__).parents[1] / "remedies.py", Path(__file__).parents[1] / "numeric.py")
"""The code a sweep runs: this module, and the project modules whose functions it calls."""


def cache_key() -> str:
    """sha256 of :data:`SOURCES` and ``repr(CONFIG)``: the key the committed results must carry."""
    source = "".join(path.read_text(encoding="utf-8") for path in SOURCES)
    return hashlib.sha256((source + repr(CONFIG)).encode()).hexdigest()


def cached_sweep(path=RESULTS) -> dict:
    """{"key", "config", "baseline", "runs"}: read from ``path`` if its key is current, otherwise
    ``sweep()`` written there atomically (a temporary file, then ``os.replace``)."""
    path, key = Path(path), cache_key()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and data.get("key") == key:
            return data
    except (OSError, ValueError):
        pass
    data = {"key": key, "config": CONFIG, "baseline": BASELINE, "runs": sweep(CONFIG)}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(text + "\n")
    os.replace(f.name, path)
    return json.loads(text)
