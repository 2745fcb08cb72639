"""An independent numeric RNN for cross-checking the proved closed forms.

Everything here is written directly with ``autograd.numpy``; nothing comes from the
project's SymPy expressions, so autograd derivatives of these functions are an
independent reference for the lambdified Jacobians.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np

ACTIVATIONS = {
    "sigmoid": lambda z: 1 / (1 + anp.exp(-z)),
    "tanh": anp.tanh,
    "relu": lambda z: anp.maximum(z, 0.0),
}
"""Each activation, written by hand."""

KINK_MARGIN = 1e-3
"""Smallest |z| allowed for ReLU, so that finite differences never straddle the kink at 0."""


def step(W_hh, W_xh, b_h, h_prev, x_t, activation):
    """h_t = σ(W_hh h_{t-1} + W_xh x_t + b_h)."""
    return ACTIVATIONS[activation](anp.dot(W_hh, h_prev) + anp.dot(W_xh, x_t) + b_h)


def unroll(W_hh, W_xh, b_h, h0, xs, activation, offsets=None):
    """Pre-activations z_1 … z_k and states h_1 … h_k from h_0 = h0.

    ``offsets[t - 1]``, if given, is added to h_t as it is formed; the gradient of a loss
    with respect to these offsets at zero is ∂L/∂h_t.
    """
    zs, hs, h = [], [], h0
    for t, x in enumerate(xs):
        z = anp.dot(W_hh, h) + anp.dot(W_xh, x) + b_h
        h = ACTIVATIONS[activation](z)
        if offsets is not None:
            h = h + offsets[t]
        zs.append(z)
        hs.append(h)
    return zs, hs


def loss(W_hh, W_xh, b_h, h0, xs, W_hy, b_y, targets, activation, offsets=None):
    """L = Σ_t ½‖W_hy h_t + b_y − target_t‖² over t = 1 … k."""
    _, hs = unroll(W_hh, W_xh, b_h, h0, xs, activation, offsets)
    return sum(0.5 * anp.sum((anp.dot(W_hy, h) + b_y - target) ** 2) for h, target in zip(hs, targets))


def central_difference(f, x, eps=1e-6):
    """Jacobian of ``f`` at ``x`` by central differences, shape f(x).shape + x.shape."""
    x = np.asarray(x, dtype=float)
    columns = []
    for index in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[index] = eps
        columns.append((np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * eps))
    out_shape = np.shape(columns[0])
    return np.stack(columns, axis=-1).reshape(out_shape + x.shape)


def random_rnn(seed, n, m, k, activation):
    """Random parameters W_hh, W_xh, b_h, h0 and inputs xs of shape (k, m).

    For ReLU the draw is repeated until every pre-activation on the trajectory is at
    least ``KINK_MARGIN`` away from 0.
    """
    rng = np.random.default_rng(seed)
    for _ in range(1000):
        params = {
            "W_hh": rng.normal(scale=1 / np.sqrt(n), size=(n, n)),
            "W_xh": rng.normal(size=(n, m)),
            "b_h": rng.normal(size=n),
            "h0": rng.normal(size=n),
            "xs": rng.normal(size=(k, m)),
        }
        zs, _ = unroll(**params, activation=activation)
        if activation != "relu" or all(np.min(np.abs(z)) > KINK_MARGIN for z in zs):
            return params
    raise RuntimeError(f"no ReLU draw away from the kink for seed {seed}, n={n}, m={m}, k={k}")


def rescaled_rnn(seed, n, m, k, activation, top_singular_value):
    """:func:`random_rnn` with W_hh rescaled so that its largest singular value is ``top_singular_value``."""
    params = random_rnn(seed, n, m, k, activation)
    params["W_hh"] *= top_singular_value / np.linalg.norm(params["W_hh"], 2)
    return params
