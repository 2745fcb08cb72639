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

from . import activation, bounds, lstm, remedies, rnn

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


def _gated_constant() -> str:
    """The LSTM cell path stays near I over 100 steps only while the forget gates are open."""
    n, m, k = 3, 2, 100
    rng = np.random.default_rng(3)
    weight_ih, weight_hh = 0.3 * rng.standard_normal((4 * n, m)), 0.3 * rng.standard_normal((4 * n, n))
    h, c, x = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(m)

    def cell_path(forget_bias: float) -> float:
        bias = np.zeros(4 * n)
        bias[n:2 * n] = forget_bias
        block = lstm.step_jacobian(weight_ih, weight_hh, bias, np.zeros(4 * n), h, c, x)[n:, n:]
        return float(np.linalg.norm(np.linalg.matrix_power(block, k), 2))

    open_gates, default_gates = cell_path(8.0), cell_path(0.0)
    if open_gates > 0.9 and default_gates > 0.9:
        return "verified"
    return "refined" if open_gates > 0.9 else "corrected"


def _xavier_norm() -> str:
    """Square Gaussian Xavier: spectral radius near 1, but spectral norm near 2."""
    W = remedies.xavier_normal(400, 400, np.random.default_rng(4))
    radius, norm = max(abs(np.linalg.eigvals(W))), np.linalg.norm(W, 2)
    if abs(norm - 1) < 0.1:
        return "verified"
    return "corrected" if abs(radius - 1) < 0.1 and abs(norm - 2) < 0.15 else "refined"


def _clipping() -> str:
    """Clipping leaves a small gradient as it is and never enlarges any gradient."""
    rng = np.random.default_rng(5)
    grads = [10.0 ** e * rng.standard_normal(50) for e in range(-8, 3)]
    clipped = [remedies.clip_by_norm(g, 1.0) for g in grads]
    never_larger = all(np.linalg.norm(c) <= np.linalg.norm(g) * (1 + 1e-12) for g, c in zip(grads, clipped))
    small_unchanged = np.array_equal(clipped[0], grads[0])
    return "corrected" if never_larger and small_unchanged else "verified"


def _residual() -> str:
    """The residual Jacobian keeps an identity path, yet its product can still grow."""
    W_hh, W_xh, b_h, h, x = _random_rnn(3, 2, 6, scale=3.0)
    residual = remedies.residual_step_jacobian(W_hh, W_xh, b_h, h, x)
    direct = np.allclose(residual - np.eye(3), rnn.step_jacobian(W_hh, W_xh, b_h, h, x))
    saturated = remedies.residual_step_jacobian(W_hh, W_xh, np.full(3, 40.0), h, x)
    identity_when_saturated = np.allclose(saturated, np.eye(3))
    grows = np.linalg.norm(np.linalg.matrix_power(np.eye(3) + W_hh, 30), 2) > 1e3
    if direct and identity_when_saturated:
        return "refined" if grows else "verified"
    return "corrected"


def _exploding_condition() -> str:
    """λ₁ > 1/γ permits explosion but does not force it: the saturated counterexample vanishes."""
    example = bounds.counterexample()
    lam = np.linalg.norm(example["W_hh"], 2)
    gamma = float(activation.SUPREMUM[example["activation"]])
    vanishes = rnn.span_log_norms(**example)[-1] < -20
    return "refined" if lam > 1 / gamma and vanishes else "verified"


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
    Claim(
        "weights-explode", "Large recurrent weights make gradients explode",
        "When the modulus of $W_{hh}$ exceeds $1$ the product grows, and gradients explode.",
        "Pascanu, Mikolov and Bengio (2013) show that a largest singular value above $1/\\gamma$ is necessary for "
        "explosion but not sufficient: saturated units can make the slopes so small that the product still vanishes.",
        "refined", ("bounds.span-norm", "bounds.pascanu-conditions"), _exploding_condition),
    Claim(
        "gated-constant", "LSTM and GRU pass gradients nearly unchanged",
        "LSTM and GRU control the flow with gates so that gradients pass back at a nearly constant size.",
        "Only along the cell path (the direct path for a GRU), whose one-step Jacobian is $\\operatorname{diag}(f_t)$, "
        "and only while the forget gates stay near 1. Other paths carry recurrent weights and slopes as in a simple RNN.",
        "refined", ("lstm.cell-path", "lstm.step-jacobian", "gru.direct-path"), _gated_constant),
    Claim(
        "xavier-norm", "Xavier initialisation and the norm of the weights",
        "Initialising $W_{hh}$ with Xavier's scheme makes its modulus close to $1$, which slows the decay.",
        "For a square Gaussian $W_{hh}$ with Xavier's variance the spectral radius approaches $1$, but the spectral "
        "norm, which the bound on the gradient uses, approaches $2$. Orthogonal initialisation gives exactly $1$.",
        "corrected", ("remedies.xavier-variance", "remedies.orthogonal-singular-values"), _xavier_norm),
    Claim(
        "clipping", "Gradient clipping and vanishing",
        "Clipping limits the size of the gradient, prevents explosion, and also partly relieves vanishing.",
        "Clipping rescales a gradient only when its norm exceeds the threshold, and never enlarges one; "
        "it tames explosion but cannot help a vanishing gradient.",
        "corrected", ("remedies.clipping",), _clipping),
    Claim(
        "residual", "Residual connections",
        "Skip connections, as in ResNet, let the gradient reach earlier steps directly.",
        "The step Jacobian becomes $I + \\operatorname{diag}(\\sigma'(z_t))\\,W_{hh}$: an identity path that survives "
        "even when every unit saturates. The product of such factors can still grow without bound, so the remedy for "
        "vanishing can open the door to explosion.",
        "refined", ("remedies.residual-jacobian",), _residual),
)
