"""Numeric cross-checks run by ``python -m derivations check`` after each symbolic proof.

Each check evaluates the numeric API, which is generated from the proved closed form, against
central finite differences of the model itself, so a proof and its code cannot drift apart.
(The test suite checks far more cases, and against an independent autodiff engine too.)
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from . import remedies, rnn
from .activation import SUPREMUM
from .errors import ProofError
from .numeric import ACTIVATIONS

CHECKS: dict[str, Callable[[], None]] = {}


def crosscheck(equation_id: str):
    """Register ``function`` as the numeric cross-check of ``equation_id``."""

    def register(function: Callable[[], None]) -> Callable[[], None]:
        CHECKS[equation_id] = function
        return function

    return register


def central_jacobian(f: Callable[[np.ndarray], np.ndarray], x: np.ndarray, step: float = 1e-6) -> np.ndarray:
    """∂f/∂x by central differences, one column per entry of x."""
    columns = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = step
        columns.append((f(x + e) - f(x - e)) / (2 * step))
    return np.stack(columns, axis=1)


def _agree(equation_id: str, what: str, expected: np.ndarray, actual: np.ndarray, tol: float = 1e-6) -> None:
    error = float(np.max(np.abs(expected - actual))) if expected.size else 0.0
    if not error <= tol * (1 + float(np.max(np.abs(expected), initial=0.0))):
        raise ProofError(f"{equation_id}: numeric cross-check failed for {what}: max error {error:.3g}")


def _network(seed: int, n: int = 4, m: int = 3, k: int = 5):
    """Random parameters whose pre-activations stay away from ReLU's kink at 0."""
    rng = np.random.default_rng(seed)
    W_hh, W_xh = rng.standard_normal((n, n)) / np.sqrt(n), rng.standard_normal((n, m))
    h, xs = rng.standard_normal(n), rng.standard_normal((k, m))
    b_h = rng.standard_normal(n) + np.sign(rng.standard_normal(n)) * 0.5
    return W_hh, W_xh, b_h, h, xs


@crosscheck("rnn.step-jacobian")
def _step_jacobian() -> None:
    for activation in ACTIVATIONS:
        W_hh, W_xh, b_h, h, xs = _network(1)
        fd = central_jacobian(lambda v: rnn.step(W_hh, W_xh, b_h, v, xs[0], activation), h)
        _agree("rnn.step-jacobian", activation, fd, rnn.step_jacobian(W_hh, W_xh, b_h, h, xs[0], activation))


@crosscheck("rnn.span-jacobian")
def _span_jacobian() -> None:
    def unroll(v, W_hh, W_xh, b_h, xs, activation):
        for x in xs:
            v = rnn.step(W_hh, W_xh, b_h, v, x, activation)
        return v

    for activation in ("sigmoid", "tanh"):
        W_hh, W_xh, b_h, h, xs = _network(2)
        fd = central_jacobian(lambda v: unroll(v, W_hh, W_xh, b_h, xs, activation), h)
        _agree("rnn.span-jacobian", activation, fd, rnn.span_jacobian(W_hh, W_xh, b_h, h, xs, activation))


@crosscheck("remedies.residual-jacobian")
def _residual() -> None:
    W_hh, W_xh, b_h, h, xs = _network(3)
    fd = central_jacobian(lambda v: v + rnn.step(W_hh, W_xh, b_h, v, xs[0]), h)
    _agree("remedies.residual-jacobian", "tanh", fd, remedies.residual_step_jacobian(W_hh, W_xh, b_h, h, xs[0]))


@crosscheck("remedies.clipping")
def _clipping() -> None:
    g = np.random.default_rng(4).standard_normal(50)
    for threshold in (0.1 * np.linalg.norm(g), 10 * np.linalg.norm(g)):
        clipped = remedies.clip_by_norm(g, threshold)
        expected = min(np.linalg.norm(g), threshold)
        _agree("remedies.clipping", f"threshold {threshold:.3g}", np.array([expected]),
               np.array([np.linalg.norm(clipped)]), 1e-12)


@crosscheck("bounds.span-norm")
def _span_norm() -> None:
    for activation in ACTIVATIONS:
        W_hh, W_xh, b_h, h, xs = _network(5, k=40)
        logs = rnn.span_log_norms(W_hh, W_xh, b_h, h, xs, activation)
        with np.errstate(divide="ignore"):  # a ReLU span whose units all die is exactly zero: log 0 = −∞
            direct = [np.log(np.linalg.norm(rnn.span_jacobian(W_hh, W_xh, b_h, h, xs[:j], activation), 2))
                      for j in range(1, 9)]
        if not np.allclose(logs[:8], direct, rtol=1e-9, atol=1e-12):
            raise ProofError(f"bounds.span-norm: numeric cross-check failed for {activation}: span_log_norms "
                             f"{logs[:8]} differs from log ‖span_jacobian‖₂ {direct}")
        rate = np.log(float(SUPREMUM[activation]) * np.linalg.norm(W_hh, 2))
        excess = np.max(logs - rate * np.arange(1, len(logs) + 1))
        if excess > 1e-9:
            raise ProofError(f"bounds.span-norm: numeric cross-check failed for {activation}: "
                             f"a log norm exceeds k·log(γ‖W_hh‖₂) by {excess:.3g}")
