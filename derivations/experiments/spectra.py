"""Spectra of a square W_hh under Xavier and orthogonal initialization, and what each does to the
gradient-norm curve of a tanh RNN.

Square Xavier has i.i.d. entries of variance 1/n: as n grows its eigenvalues fill the unit disc
(circular law, spectral radius → 1) and its singular values follow the quarter-circle law of
Marchenko–Pastur with ratio 1, whose upper edge is 2 (spectral norm → 2). An orthogonal W has every
singular value and every |eigenvalue| exactly 1 (``remedies.orthogonal-singular-values``).
"""

from __future__ import annotations

import numpy as np

from .. import remedies, rnn
from ..numeric import Shapes, integer
from .gradient_norms import rnn_arguments

INITS = ("xavier-normal", "xavier-uniform", "orthogonal")
_WEIGHTS = {
    "xavier-normal": lambda n, rng: remedies.xavier_normal(n, n, rng),
    "xavier-uniform": lambda n, rng: remedies.xavier_uniform(n, n, rng),
    "orthogonal": remedies.orthogonal,
}


def weight(init, n, rng) -> np.ndarray:
    """A random n×n W_hh initialized by ``init``, one of :data:`INITS` (fan_in = fan_out = n)."""
    if not isinstance(init, str) or init not in _WEIGHTS:
        raise ValueError(f"init: unknown initialization {init!r}; choose one of {', '.join(INITS)}")
    return _WEIGHTS[init](integer("n", n), rng)


def spectrum(W) -> dict:
    """Singular values (descending), eigenvalues, spectral norm λ₁ and spectral radius ρ of a square W."""
    W = Shapes().array("W", W, ("n", "n"))
    singular_values = np.linalg.svd(W, compute_uv=False)
    eigenvalues = np.linalg.eigvals(W)
    return {"singular_values": singular_values, "eigenvalues": eigenvalues,
            "spectral_norm": float(singular_values[0]), "spectral_radius": float(np.abs(eigenvalues).max())}


def summary(sizes, rng) -> list[dict]:
    """One row per size n and init (in that order, each W drawn in turn from ``rng``): "init", "n" and
    the :func:`spectrum` of a fresh W_hh."""
    sizes = [integer("sizes", size) for size in sizes]
    return [{"init": init, "n": size, **spectrum(weight(init, size, rng))} for size in sizes for init in INITS]


def gradient_curves(rng, n=128, steps=1000, input_scale=1.0) -> dict[str, np.ndarray]:
    """For each init in turn: W_hh = weight(init, n, rng), then log ‖∂h_{t+k}/∂h_t‖₂ of a tanh RNN for
    k = 1 … steps (``rnn.span_log_norms`` on ``gradient_norms.rnn_arguments``)."""
    return {init: rnn.span_log_norms(**rnn_arguments(weight(init, n, rng), steps, rng, input_scale),
                                        activation="tanh")
            for init in INITS}
