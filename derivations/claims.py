"""Every claim of the source notes, paraphrased, with a status that the mathematics decides.

Each claim's ``decide`` recomputes its status from the derivations and the numeric API; the
test suite asserts that it still equals the published ``status``, so a change in the
mathematics that flips a status fails the build of trust, not silently the page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from . import activation, rnn

STATUSES = ("verified", "refined", "corrected")


@dataclass(frozen=True)
class Claim:
    """A claim of the notes: what they say, what is true, and the evidence for it."""

    id: str
    title: str
    notes: str
    verdict: str
    status: str
    evidence: tuple[str, ...]
    decide: Callable[[], str]


def _random_rnn(n: int, m: int, seed: int, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    W_hh = scale * rng.standard_normal((n, n)) / np.sqrt(n)
    return W_hh, rng.standard_normal((n, m)), rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(m)


def _scalar_jacobian() -> str:
    """The notes' σ'(z_t)·W_hh agrees with the matrix form for n = 1 and fails for n > 1."""
    W_hh, W_xh, b_h, h, x = _random_rnn(1, 2, 0)
    z = W_hh @ h + W_xh @ x + b_h
    slope = 1 - np.tanh(z) ** 2
    scalar_ok = np.allclose(rnn.step_jacobian(W_hh, W_xh, b_h, h, x), slope * W_hh)
    W_hh, W_xh, b_h, h, x = _random_rnn(3, 2, 0)
    z = W_hh @ h + W_xh @ x + b_h
    slope = 1 - np.tanh(z) ** 2
    exact = rnn.step_jacobian(W_hh, W_xh, b_h, h, x)
    no_scalar_fits = all(not np.allclose(exact, s * W_hh) for s in slope)
    return "corrected" if scalar_ok and no_scalar_fits else "verified"


def _hundred_steps() -> str:
    """10^-60 against (1/4)^100: within 5% is verified, the right power of ten is refined."""
    ratio = sp.Rational(1, 10**60) / sp.Rational(1, 4) ** 100
    if abs(ratio - 1) < sp.Rational(1, 20):
        return "verified"
    return "refined" if sp.floor(sp.log(ratio, 10)) == 0 else "corrected"


def _activation_bounds() -> str:
    """max σ' = 1/4 and max tanh' = 1, as derived, and no grid point exceeds them."""
    grid = np.linspace(-20, 20, 400_001)
    ok = activation.SUPREMUM["sigmoid"] == sp.Rational(1, 4) and activation.SUPREMUM["tanh"] == 1
    for name in ("sigmoid", "tanh"):
        slope = sp.lambdify(activation.x, activation.DERIVATIVES[name], "numpy")(grid)
        ok &= bool(np.max(slope) <= float(activation.SUPREMUM[name]) + 1e-15)
    return "verified" if ok else "corrected"


def _tanh_decay() -> str:
    """With tanh, ‖W_hh‖₂ < 1 forces decay; an entrywise-small W_hh need not decay."""
    W_hh, W_xh, b_h, h, _ = _random_rnn(4, 2, 1)
    W_hh *= 0.9 / np.linalg.norm(W_hh, 2)
    xs = np.random.default_rng(2).standard_normal((60, 2))
    spectral_decays = np.linalg.norm(rnn.span_jacobian(W_hh, W_xh, b_h, h, xs), 2) <= 0.9**60
    entrywise = np.full((4, 4), 0.9)  # every entry below 1, spectral norm 3.6
    small = np.zeros(4)
    grows = np.linalg.norm(rnn.span_jacobian(entrywise, np.zeros((4, 2)), small, small, np.zeros((5, 2))), 2) > 1
    if spectral_decays and not grows:
        return "verified"
    return "refined" if spectral_decays else "corrected"


def _relu() -> str:
    """ReLU passes W_hh unchanged through active units (so it can grow) and zeros inactive rows."""
    W_hh = 1.5 * np.eye(3)
    W_xh, x = np.zeros((3, 1)), np.zeros(1)
    active = rnn.step_jacobian(W_hh, W_xh, np.ones(3), np.ones(3), x, activation="relu")
    grows = np.allclose(active, W_hh) and np.linalg.norm(active, 2) > 1
    dead = rnn.step_jacobian(W_hh, W_xh, np.array([1.0, 1.0, -10.0]), np.ones(3), x, activation="relu")
    kills = np.allclose(dead[2], 0) and not np.allclose(dead[:2], 0)
    return "verified" if grows and kills else "corrected"


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "step-jacobian-scalar", "The step Jacobian as a scalar times the weights",
        "The Jacobian of one step is $\\sigma'(z_t) \\cdot W_{hh}$.",
        "The slope is a vector with one entry per unit, so the Jacobian is $\\operatorname{diag}(\\sigma'(z_t))\\,W_{hh}$: "
        "row $i$ of $W_{hh}$ scaled by unit $i$'s slope. The scalar form is right only for one unit, or when all slopes are equal.",
        "corrected", ("rnn.step-jacobian",), _scalar_jacobian),
    Claim(
        "hundred-steps", "A hundred sigmoid steps",
        "With the sigmoid over 100 steps, $0.25^{100} \\approx 10^{-60}$.",
        "The exact value, derived in the evidence, has the power of ten right but not the leading digit; "
        "and the case is the best one (slope exactly $1/4$ at every step), not a typical one.",
        "refined", ("example.sigmoid-100-steps",), _hundred_steps),
    Claim(
        "activation-bounds", "The slopes of sigmoid and tanh",
        "The sigmoid's derivative is at most $0.25$ and the tanh's at most $1$, both at $0$.",
        "Both maxima are derived through the critical point and confirmed as global maxima.",
        "verified", ("activation.sigmoid-derivative", "activation.tanh-derivative"), _activation_bounds),
    Claim(
        "tanh-decay", "Decay with tanh when the weights are small",
        "With tanh, gradients still decay when the modulus of $W_{hh}$ is below $1$.",
        "True when the modulus is the spectral norm (largest singular value): the span Jacobian is then at most "
        "$\\lVert W_{hh} \\rVert_2^k$. It is false for other readings: a matrix whose entries are all below $1$ "
        "can have spectral norm above $1$ and let the gradient grow.",
        "refined", ("rnn.span-jacobian", "activation.tanh-derivative"), _tanh_decay),
    Claim(
        "relu", "ReLU: no compression, but explosion and dead units",
        "ReLU has derivative $1$ for positive inputs, so it does not compress the gradient, "
        "but it can make gradients explode or units die.",
        "For active units the step Jacobian is exactly $W_{hh}$, so nothing damps a large $W_{hh}$; "
        "an inactive unit zeros its row of the Jacobian and blocks every path through it.",
        "verified", ("activation.relu-derivative", "rnn.step-jacobian"), _relu),
)
