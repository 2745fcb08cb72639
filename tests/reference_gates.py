"""Independent numeric LSTM and GRU cells in PyTorch's conventions, for cross-checking the proved
Jacobians. Written directly with ``autograd.numpy``; nothing comes from the project's SymPy."""

from __future__ import annotations

import itertools

import autograd.numpy as anp
import numpy as np
import pytest

CASES = [pytest.param(n, m, seed, id=f"n{n}-m{m}-seed{seed}")
         for n, m, seed in itertools.product((1, 3), (1, 2), (0, 1))]
numeric_cases = pytest.mark.parametrize(("n", "m", "seed"), CASES)
"""Hidden sizes, input sizes and seeds on which both cells are checked."""
EXACT = {"rtol": 1e-9, "atol": 1e-12}
FINITE_DIFFERENCE = {"rtol": 1e-6, "atol": 1e-8}
PARAMETERS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def _sigmoid(a):
    return 1 / (1 + anp.exp(-a))


def lstm_step(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, c_prev, x_t):
    """One ``nn.LSTMCell`` step: the concatenation (h_t, c_t), shape (2n,)."""
    gates = anp.dot(weight_ih, x_t) + bias_ih + anp.dot(weight_hh, h_prev) + bias_hh
    a_i, a_f, a_g, a_o = anp.split(gates, 4)
    c_t = _sigmoid(a_f) * c_prev + _sigmoid(a_i) * anp.tanh(a_g)
    h_t = _sigmoid(a_o) * anp.tanh(c_t)
    return anp.concatenate([h_t, c_t])


def gru_step(weight_ih, weight_hh, bias_ih, bias_hh, h_prev, x_t):
    """One ``nn.GRUCell`` step: h_t, shape (n,)."""
    x_r, x_z, x_n = anp.split(anp.dot(weight_ih, x_t) + bias_ih, 3)
    h_r, h_z, h_n = anp.split(anp.dot(weight_hh, h_prev) + bias_hh, 3)
    r = _sigmoid(x_r + h_r)
    z = _sigmoid(x_z + h_z)
    candidate = anp.tanh(x_n + r * h_n)
    return (1 - z) * candidate + z * h_prev


def random_cell(seed, n, m, gates):
    """Random PyTorch-layout parameters for a cell with ``gates`` gate blocks, h_prev, c_prev, x_t."""
    rng = np.random.default_rng(seed)
    scale = 1 / np.sqrt(n)
    return {
        "weight_ih": rng.normal(scale=scale, size=(gates * n, m)),
        "weight_hh": rng.normal(scale=scale, size=(gates * n, n)),
        "bias_ih": rng.normal(scale=scale, size=gates * n),
        "bias_hh": rng.normal(scale=scale, size=gates * n),
        "h_prev": rng.normal(size=n),
        "c_prev": rng.normal(size=n),
        "x_t": rng.normal(size=m),
    }


def bad_inputs(valid: dict, wrong_shapes: dict):
    """``(argument, value)`` cases that must raise a ``ValueError`` naming the argument: each
    wrong shape, a NaN and an infinity in an otherwise valid value, and text."""
    for name, shapes in wrong_shapes.items():
        for shape in shapes:
            yield pytest.param(name, np.ones(shape), id=f"{name}-shape{shape}")
        for bad in (np.nan, np.inf):
            value = np.array(valid[name], dtype=float)
            value.flat[-1] = bad
            yield pytest.param(name, value, id=f"{name}-{bad}")
        yield pytest.param(name, "not numbers", id=f"{name}-text")
