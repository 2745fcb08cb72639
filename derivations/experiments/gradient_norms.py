"""How ‖∂h_T/∂h_t‖₂ decays or grows with the distance k = T − t: simple RNNs against the bound
(γλ₁)^k of ``bounds.span-norm``, an LSTM and a GRU. Every norm is kept as its logarithm, since
products such as 0.25^1000 underflow float64.

Inputs x_t ~ N(0, I) drive every model; the input size m equals the hidden size n.
"""

from __future__ import annotations

import numbers

import numpy as np

from .. import gru, lstm, rnn
from ..activation import SUPREMUM
from ..numeric import check_activation, generator, integer, positive
from ..remedies import orthogonal

GAMMA = {name: float(value) for name, value in SUPREMUM.items()}
"""γ = sup |σ'| per activation, as proved by ``activation.*-derivative``."""


def recurrent_weight(n, lambda_1, rng) -> np.ndarray:
    """A random n×n W_hh with every singular value λ₁: a scaled orthogonal matrix, for which
    ‖J‖₂ ≤ γλ₁ is the tightest step bound any W with ‖W‖₂ = λ₁ allows."""
    return positive("lambda_1", lambda_1) * orthogonal(n, rng)


def rnn_arguments(W_hh, steps, rng, input_scale=1.0) -> dict:
    """Arguments for ``rnn.span_log_norms`` (activation aside) around ``W_hh``: W_xh = input_scale · I,
    b_h = 0, h_start = 0 and ``steps`` inputs x ~ N(0, I)."""
    size = len(W_hh)
    return {"W_hh": W_hh, "W_xh": positive("input_scale", input_scale) * np.eye(size), "b_h": np.zeros(size),
            "h_start": np.zeros(size), "xs": generator(rng).standard_normal((integer("steps", steps), size))}


def rnn_log_norms(activation, n, lambda_1, steps, rng, input_scale=1.0) -> np.ndarray:
    """log ‖∂h_{t+k}/∂h_t‖₂ for k = 1 … steps (``rnn.span_log_norms``), shape (steps,), with W_hh
    from :func:`recurrent_weight` and the rest from :func:`rnn_arguments`."""
    check_activation(activation)
    args = rnn_arguments(recurrent_weight(n, lambda_1, rng), steps, rng, input_scale)
    return rnn.span_log_norms(**args, activation=activation)


def log_norm_products(jacobians, blocks: dict) -> dict[str, np.ndarray]:
    """log ‖(J_k ⋯ J_1)[index]‖₂ for k = 1 … len(jacobians), for each ``name: index`` of ``blocks``
    (``np.s_[:, :]`` for the whole product), without underflow.

    The running product is rescaled to Frobenius norm 1 after every step and the logs of the scales
    are summed: log ‖block‖ = that sum + log ‖block of the rescaled product‖. Once the product is
    exactly zero every log norm is −∞ from then on.
    """
    logs: dict[str, list[float]] = {name: [] for name in blocks}
    product, total = None, 0.0
    with np.errstate(divide="ignore"):  # log 0 = −∞ once the product or a block is exactly zero
        for jacobian in jacobians:
            product = jacobian if product is None else jacobian @ product
            scale = np.linalg.norm(product)
            total += np.log(scale)
            if scale > 0:
                product = product / scale
            for name, index in blocks.items():
                logs[name].append(total + np.log(np.linalg.norm(product[index], 2)))
    return {name: np.array(values) for name, values in logs.items()}


def cell_arguments(gates, n, steps, rng) -> dict:
    """PyTorch's default parameters of a cell with ``gates`` gate blocks, every entry U(−1/√n, 1/√n),
    and ``steps`` inputs "xs" of size m = n."""
    size, steps, rng = integer("n", n), integer("steps", steps), generator(rng)
    bound = 1 / np.sqrt(size)
    shapes = {"weight_ih": (gates * size, size), "weight_hh": (gates * size, size),
              "bias_ih": (gates * size,), "bias_hh": (gates * size,)}
    return {name: rng.uniform(-bound, bound, shape) for name, shape in shapes.items()} | {
        "xs": rng.standard_normal((steps, size))}


def lstm_log_norms(n, steps, rng, forget_bias=1.0) -> dict[str, np.ndarray]:
    """For k = 1 … steps, from h_t = c_t = 0: "state", log ‖∂(h_{t+k}, c_{t+k})/∂(h_t, c_t)‖₂, and
    "cell", log ‖∂c_{t+k}/∂c_t‖₂ through every path, the c–c block of the product of
    ``lstm.step_jacobian``. Parameters from :func:`cell_arguments`, with the forget gate's total bias
    b_if + b_hf set to ``forget_bias``."""
    if not isinstance(forget_bias, numbers.Real) or isinstance(forget_bias, bool) or not np.isfinite(forget_bias):
        raise ValueError(f"forget_bias: expected a finite number, got {forget_bias!r}")
    params = cell_arguments(len(lstm.GATES), n, steps, rng)
    xs = params.pop("xs")
    params["bias_ih"][n:2 * n], params["bias_hh"][n:2 * n] = forget_bias, 0.0

    def jacobians():
        h = c = np.zeros(n)
        for x in xs:
            yield lstm.step_jacobian(**params, h_prev=h, c_prev=c, x_t=x)
            h, c = lstm.step(**params, h_prev=h, c_prev=c, x_t=x)

    return log_norm_products(jacobians(), {"state": np.s_[:, :], "cell": np.s_[n:, n:]})


def gru_log_norms(n, steps, rng) -> np.ndarray:
    """log ‖∂h_{t+k}/∂h_t‖₂ for k = 1 … steps of a GRU from h_t = 0 (``gru.step_jacobian``), shape
    (steps,); parameters from :func:`cell_arguments`."""
    params = cell_arguments(len(gru.GATES), n, steps, rng)
    xs = params.pop("xs")

    def jacobians():
        h = np.zeros(n)
        for x in xs:
            yield gru.step_jacobian(**params, h_prev=h, x_t=x)
            h = gru.step(**params, h_prev=h, x_t=x)

    return log_norm_products(jacobians(), {"state": np.s_[:, :]})["state"]


def slope(log_norms, start=1, stop=None) -> float:
    """The least-squares slope, per step, of log ‖∂h_{t+k}/∂h_t‖₂ against k for start ≤ k ≤ stop
    (``log_norms[k - 1]``; default stop: the last k), ignoring −∞ entries."""
    log_norms = np.asarray(log_norms, dtype=float)
    if log_norms.ndim != 1:
        raise ValueError(f"log_norms: expected one dimension (k,), got shape {log_norms.shape}")
    start, stop = integer("start", start), integer("stop", len(log_norms) if stop is None else stop)
    if not start <= stop <= len(log_norms):
        raise ValueError(f"stop: expected start = {start} ≤ stop ≤ {len(log_norms)}, got {stop}")
    k = np.arange(start, stop + 1)
    values = log_norms[k - 1]
    finite = np.isfinite(values)
    if finite.sum() < 2:
        raise ValueError(f"log_norms: fewer than 2 finite values for {start} ≤ k ≤ {stop}")
    return float(np.polyfit(k[finite], values[finite], 1)[0])
