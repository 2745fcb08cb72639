"""Every claim of the source notes, quoted and paraphrased, with a status that the mathematics decides.

Each claim quotes the notes' own words with the line they are on. Its ``decide`` recomputes the
status from the derivations and the numeric API; the test suite asserts that it still equals the
published ``status``. A decision first checks the facts it rests on (that the numeric API computes
what the derivations state, that a bound holds on numbers) and raises :class:`PremiseError`
naming the claim when one fails, so a broken premise never passes for a verdict.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable

import numpy as np
import sympy as sp

from . import activation, bounds, example, gru, lstm, remedies, rnn

STATUSES = ("verified", "refined", "corrected")


class PremiseError(RuntimeError):
    """A fact that a claim's decision rests on does not hold: a derivation or the numeric API is broken."""


def _require(holds, premise: str) -> None:
    if not holds:
        raise PremiseError(f"premise failed: {premise}")


@dataclass(frozen=True)
class Claim:
    """A claim of the notes: their words (``quote`` on ``line``), a paraphrase that claims no more
    (``notes``), what is true, and the evidence for it."""

    id: str
    title: str
    line: int
    quote: str
    notes: str
    verdict: str
    status: str
    evidence: tuple[str, ...]
    rule: Callable[[], str]

    def decide(self) -> str:
        """The status the mathematics gives today; any failure while deciding names this claim."""
        try:
            return self.rule()
        except PremiseError as error:
            raise PremiseError(f"claim {self.id!r}: {error}") from error
        except Exception as error:
            error.add_note(f"while deciding claim {self.id!r}")
            raise


def _random_rnn(n: int, m: int, seed: int, scale: float = 1.0):
    rng = np.random.default_rng(seed)
    W_hh = scale * rng.standard_normal((n, n)) / np.sqrt(n)
    return W_hh, rng.standard_normal((n, m)), rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(m)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _require_span_bound(name: str, lam: float, steps: int = 60) -> None:
    """bounds.span-norm on numbers: with ‖W_hh‖₂ = ``lam``, log ‖∂h_{t+j}/∂h_t‖₂ ≤ j log(γ lam) for every j."""
    W_hh, W_xh, b_h, h, _ = _random_rnn(4, 2, 1)
    W_hh *= lam / np.linalg.norm(W_hh, 2)
    xs = np.random.default_rng(2).standard_normal((steps, 2))
    logs = rnn.span_log_norms(W_hh, W_xh, b_h, h, xs, activation=name)
    ceiling = np.arange(1, steps + 1) * np.log(float(activation.SUPREMUM[name]) * lam)
    _require(np.all(logs <= ceiling + 1e-9),
             f"{name} spans with ‖W_hh‖₂ = {lam} stay below (γ‖W_hh‖₂)^k (bounds.span-norm)")


def _unrolling() -> str:
    """∂L/∂h_1 for L = Σ_s w_s·h_s by central differences: the recurrence of rnn.hidden-gradient must
    reproduce it (premise); the later steps are needed unless the direct term w_1 alone does."""
    W_hh, W_xh, b_h, h_1, _ = _random_rnn(3, 2, 7)
    rng = np.random.default_rng(8)
    xs, weights = rng.standard_normal((5, 2)), rng.standard_normal((6, 3))

    def states(h):
        path = [h]
        for x in xs:
            path.append(rnn.step(W_hh, W_xh, b_h, path[-1], x))
        return path

    def loss(h):
        return sum(w @ state for w, state in zip(weights, states(h)))

    eps = 1e-6
    numeric = np.array([(loss(h_1 + eps * e) - loss(h_1 - eps * e)) / (2 * eps) for e in np.eye(3)])
    path, gradient = states(h_1), weights[-1]
    for i in range(len(xs) - 1, -1, -1):
        gradient = weights[i] + rnn.step_jacobian(W_hh, W_xh, b_h, path[i], xs[i]).T @ gradient
    _require(np.allclose(gradient, numeric, atol=1e-7),
             "∂L/∂h_t = ∂L_t/∂h_t + J_{t+1}ᵀ ∂L/∂h_{t+1} with rnn.step_jacobian matches central differences")
    return "corrected" if np.allclose(gradient, weights[0], atol=1e-7) else "verified"


def _scalar_jacobian() -> str:
    """Is the step Jacobian a scalar multiple of W_hh, as σ'(z_t)·W_hh with a number σ'(z_t) would be?"""
    W_hh, W_xh, b_h, h, x = _random_rnn(1, 2, 0)
    slope = 1 - np.tanh(W_hh @ h + W_xh @ x + b_h) ** 2
    _require(np.allclose(rnn.step_jacobian(W_hh, W_xh, b_h, h, x), slope * W_hh),
             "for one unit rnn.step_jacobian is σ'(z_t) W_hh")
    W_hh, W_xh, b_h, h, x = _random_rnn(3, 2, 0)
    slope = 1 - np.tanh(W_hh @ h + W_xh @ x + b_h) ** 2
    exact = rnn.step_jacobian(W_hh, W_xh, b_h, h, x)
    _require(np.allclose(exact, slope[:, None] * W_hh), "rnn.step_jacobian is diag(σ'(z_t)) W_hh (rnn.step-jacobian)")
    nearest = np.sum(exact * W_hh) / np.sum(W_hh * W_hh)  # the scalar c minimising ‖J − c W_hh‖_F
    return "verified" if np.allclose(exact, nearest * W_hh) else "corrected"


def _span_product() -> str:
    """The span Jacobian is the product latest-step-first (premise); does the order of the factors matter?"""
    W_hh, W_xh, b_h, h, _ = _random_rnn(3, 2, 8)
    xs = np.random.default_rng(9).standard_normal((4, 2))
    path, steps = [h], []
    for x in xs:
        steps.append(rnn.step_jacobian(W_hh, W_xh, b_h, path[-1], x))
        path.append(rnn.step(W_hh, W_xh, b_h, path[-1], x))
    latest_left = functools.reduce(lambda product, J: J @ product, steps)
    earliest_left = functools.reduce(lambda product, J: product @ J, steps)
    _require(np.allclose(rnn.span_jacobian(W_hh, W_xh, b_h, h, xs), latest_left),
             "rnn.span_jacobian is J_{t+k} ⋯ J_{t+1} of rnn.step_jacobian (rnn.span-jacobian)")
    return "verified" if np.allclose(latest_left, earliest_left) else "refined"


def _modulus_decay() -> str:
    """Spectral norms below 1 force decay (premise); do spectral radii below 1, the other reading, as well?"""
    _require_span_bound("tanh", 0.9)
    W_hh, W_xh, x = np.array([[0.0, 2.0], [2.0, 0.0]]), np.zeros((2, 1)), np.zeros(1)
    # Saturating one unit of two zeros its slope: each step Jacobian keeps one row of W_hh.
    first = rnn.step_jacobian(W_hh, W_xh, np.array([0.0, 30.0]), np.zeros(2), x)
    second = rnn.step_jacobian(W_hh, W_xh, np.array([30.0, 0.0]), np.zeros(2), x)
    _require(max(abs(np.linalg.eigvals(J)).max() for J in (first, second)) < 1,
             "a tanh step with one of two units saturated has spectral radius below 1")
    alternating = np.linalg.matrix_power(second @ first, 10)
    return "refined" if np.linalg.norm(alternating, 2) > 1 else "verified"


def _slope(name: str, stated: sp.Expr, peak: sp.Expr, at: sp.Expr | None = None) -> str:
    """The notes' derivative ``stated`` of activation ``name``, its maximum ``peak`` and where (``at``),
    against SymPy; the evidence's closed form and supremum must agree with SymPy and a grid (premise)."""
    x = activation.x
    derivative = sp.diff(activation.DEFINITIONS[name], x)
    _require(sp.simplify(derivative - activation.DERIVATIVES[name]) == 0,
             f"activation.DERIVATIVES[{name!r}] is the derivative of the definition")
    values = sp.lambdify(x, derivative, "numpy")(np.linspace(-20, 20, 400_001))
    _require(abs(values.max() - float(activation.SUPREMUM[name])) < 1e-12,
             f"activation.SUPREMUM[{name!r}] is the largest value of {name}' on a fine grid")
    critical = sp.solve(sp.diff(derivative, x), x)
    _require(len(critical) == 1, f"{name}' has a single critical point")
    formula_right = sp.simplify(derivative - stated) == 0
    peak_right = sp.simplify(derivative.subs(x, critical[0]) - peak) == 0 and at in (None, critical[0])
    return "verified" if formula_right and peak_right else "corrected"


def _sigmoid_slope() -> str:
    s = activation.DEFINITIONS["sigmoid"]
    return _slope("sigmoid", s * (1 - s), sp.Rational(1, 4), at=sp.Integer(0))


def _tanh_slope() -> str:
    return _slope("tanh", 1 - sp.tanh(activation.x) ** 2, sp.Integer(1))


def _sigmoid_compression() -> str:
    """With ‖W_hh‖₂ = 1 a sigmoid step keeps at most a quarter (premise); with spectral radius 1, does it?"""
    rng = np.random.default_rng(10)
    Q = remedies.orthogonal(4, rng)
    kept = [np.linalg.norm(rnn.step_jacobian(Q, rng.standard_normal((4, 2)), 3 * rng.standard_normal(4),
                                             rng.standard_normal(4), rng.standard_normal(2), activation="sigmoid"), 2)
            for _ in range(200)]
    _require(max(kept) <= 0.25 + 1e-12, "a sigmoid step with ‖W_hh‖₂ = 1 has norm at most 1/4 (bounds.step-norm)")
    W_hh = np.array([[1.0, 2.0], [0.0, 1.0]])  # both eigenvalues 1, spectral norm 1 + √2
    at_zero = rnn.step_jacobian(W_hh, np.zeros((2, 1)), np.zeros(2), np.zeros(2), np.zeros(1), activation="sigmoid")
    return "refined" if np.linalg.norm(at_zero, 2) > 0.25 else "verified"


def _tanh_decay() -> str:
    """‖W_hh‖₂ < 1 forces decay (premise); does an entrywise-small W_hh, another reading of the modulus, too?"""
    _require_span_bound("tanh", 0.9)
    entrywise = np.full((4, 4), 0.9)  # every entry below 1, spectral norm 3.6
    small = np.zeros(4)
    span = rnn.span_jacobian(entrywise, np.zeros((4, 2)), small, small, np.zeros((5, 2)))
    return "refined" if np.linalg.norm(span, 2) > 1 else "verified"


def _hundred_steps() -> str:
    """10^-60 against (1/4)^100, which the numeric API must reproduce (premise): within 5% is verified,
    the nearest power of ten is refined, anything else corrected."""
    exact = activation.SUPREMUM["sigmoid"] ** example.STEPS
    # One sigmoid unit with W_hh = 1, h = 1/2 and b_h = −1/2: z = 0 and σ'(z) = 1/4 at every step.
    span = rnn.span_jacobian(np.ones((1, 1)), np.zeros((1, 1)), np.array([-0.5]), np.array([0.5]),
                             np.zeros((example.STEPS, 1)), activation="sigmoid")
    _require(np.isclose(span[0, 0], float(exact), rtol=1e-9, atol=0),
             "a one-unit sigmoid RNN at z = 0 has span Jacobian (1/4)^100")
    ratio = sp.Rational(1, 10**60) / exact
    if abs(ratio - 1) < sp.Rational(1, 20):
        return "verified"
    return "refined" if abs(sp.N(sp.log(ratio, 10))) < 0.5 else "corrected"


def _relu_step(W_hh: np.ndarray, b_h: np.ndarray, h: np.ndarray) -> np.ndarray:
    """rnn.step_jacobian for ReLU without input, which must be diag(H(z_t)) W_hh (premise)."""
    J = rnn.step_jacobian(W_hh, np.zeros((len(h), 1)), b_h, h, np.zeros(1), activation="relu")
    active = (W_hh @ h + b_h > 0).astype(float)
    _require(np.allclose(J, active[:, None] * W_hh),
             "the ReLU step Jacobian is diag(H(z_t)) W_hh (remedies.relu-step-jacobian)")
    return J


def _relu_slope() -> str:
    """ReLU' = 1 for positive inputs, as the notes say? And does a unit with a negative input still compress?"""
    x, p = activation.x, sp.Symbol("p", positive=True)
    derivative = sp.diff(activation.DEFINITIONS["relu"], x)
    for side in (p, -p):
        _require(sp.simplify(derivative.subs(x, side) - activation.DERIVATIVES["relu"].subs(x, side)) == 0,
                 "activation.DERIVATIVES['relu'] is the derivative of max(0, x) away from 0")
    if derivative.subs(x, p) != 1:
        return "corrected"
    W_hh = np.random.default_rng(11).standard_normal((3, 3))
    J = _relu_step(W_hh, np.array([5.0, 5.0, -50.0]), np.zeros(3))  # the third unit's input is negative
    return "refined" if np.allclose(J.T @ np.eye(3)[2], 0) else "verified"


def _relu() -> str:
    """With W_hh = 1.5 I over 20 steps: do the active units' spans explode, and does a unit pushed below 0 stay dead?"""
    W_hh, b_h, h = 1.5 * np.eye(3), np.array([0.0, 0.0, -10.0]), np.ones(3)
    _relu_step(W_hh, b_h, h)
    span = rnn.span_jacobian(W_hh, np.zeros((3, 1)), b_h, h, np.zeros((20, 1)), activation="relu")
    explodes, dead = np.linalg.norm(span[:2, :2], 2) > 1e3, np.allclose(span[2], 0)
    if explodes and dead:
        return "verified"
    return "refined" if explodes or dead else "corrected"


def _keeps(step: np.ndarray, steps: int = 100) -> bool:
    """Whether ``steps`` repetitions of one step's Jacobian keep more than 90% of a gradient's norm."""
    return float(np.linalg.norm(np.linalg.matrix_power(step, steps), 2)) > 0.9


def _gated_status(kept_open: bool, kept_default: bool) -> str:
    """Kept with default gates too: verified; only with the gate held open: refined; not even then: corrected."""
    if not kept_open:
        return "corrected"
    return "verified" if kept_default else "refined"


def _lstm_cell_path(forget_bias: float) -> np.ndarray:
    """∂c_t/∂c_{t-1} of a small LSTM with forget bias ``forget_bias``, which must be diag(f_t) (premise)."""
    n, m = 3, 2
    rng = np.random.default_rng(3)
    weight_ih, weight_hh = 0.3 * rng.standard_normal((4 * n, m)), 0.3 * rng.standard_normal((4 * n, n))
    h, c, x = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(m)
    bias = np.zeros(4 * n)
    bias[n:2 * n] = forget_bias
    block = lstm.step_jacobian(weight_ih, weight_hh, bias, np.zeros(4 * n), h, c, x)[n:, n:]
    forget = _sigmoid(weight_ih[n:2 * n] @ x + weight_hh[n:2 * n] @ h + forget_bias)
    _require(np.allclose(block, np.diag(forget)), "the LSTM's ∂c_t/∂c_{t-1} is diag(f_t) (lstm.cell-path)")
    return block


def _gated_constant() -> str:
    """Does the LSTM cell path keep the gradient over 100 steps with forget gates open, and with default gates?"""
    return _gated_status(_keeps(_lstm_cell_path(8.0)), _keeps(_lstm_cell_path(0.0)))


def _gru_simplified() -> str:
    """The GRU's direct path is diag(z_t) (premise); does its whole step keep the gradient over 100 steps
    with the update gate open, and with default gates, as the LSTM's cell path does?"""
    n, m = 3, 2
    rng = np.random.default_rng(12)
    weight_ih, weight_hh = 0.3 * rng.standard_normal((3 * n, m)), 0.3 * rng.standard_normal((3 * n, n))
    h, x = rng.standard_normal(n), rng.standard_normal(m)

    def step(update_bias: float, recurrent: np.ndarray) -> np.ndarray:
        bias = np.zeros(3 * n)
        bias[n:2 * n] = update_bias
        return gru.step_jacobian(weight_ih, recurrent, bias, np.zeros(3 * n), h, x)

    update = _sigmoid(weight_ih[n:2 * n] @ x)
    _require(np.allclose(step(0.0, np.zeros_like(weight_hh)), np.diag(update)),
             "without recurrent weights the GRU's step Jacobian is diag(z_t) (gru.direct-path)")
    return _gated_status(_keeps(step(8.0, weight_hh)), _keeps(step(0.0, weight_hh)))


def _xavier_norm() -> str:
    """Is the spectral norm of a square Xavier W_hh close to 1, as the notes say, or near Bai–Yin's 2?"""
    n, rng = 400, np.random.default_rng(4)
    W = remedies.xavier_normal(n, n, rng)
    _require(abs(W.var() * n - 1) < 0.05,
             "remedies.xavier_normal draws entries of variance 2/(n + n) (remedies.xavier-variance)")
    _require(abs(max(abs(np.linalg.eigvals(W))) - 1) < 0.1, "the spectral radius of a square Xavier matrix is near 1")
    _require(np.allclose(np.linalg.svd(remedies.orthogonal(50, rng), compute_uv=False), 1),
             "every singular value of remedies.orthogonal is 1 (remedies.orthogonal-singular-values)")
    norm = np.linalg.norm(W, 2)
    if abs(norm - 1) < 0.1:
        return "verified"
    _require(abs(norm - 2) < 0.15, "the spectral norm of a square Xavier matrix is near 2 (Bai–Yin)")
    return "corrected"


def _clipping() -> str:
    """remedies.clip_by_norm must follow the derived factor (premise); the derivation then says whether
    clipping caps a large gradient at θ and whether it could enlarge a small, vanishing one."""
    rng = np.random.default_rng(5)
    for exponent in range(-8, 3):
        g = 10.0**exponent * rng.standard_normal(50)
        factor = float(remedies.CLIP_FACTOR.subs({remedies.NORM: np.linalg.norm(g), remedies.THRESHOLD: 1}))
        _require(np.allclose(remedies.clip_by_norm(g, 1.0), factor * g, rtol=1e-12, atol=0),
                 f"remedies.clip_by_norm multiplies by the derived factor (‖g‖ ≈ 1e{exponent})")
    delta = sp.Symbol("delta", positive=True)
    norm, threshold = remedies.NORM, remedies.THRESHOLD
    caps = sp.simplify(remedies.CLIPPED_NORM.subs(norm, threshold * (1 + delta)) - threshold).is_zero
    enlarges_small = sp.simplify(remedies.CLIP_FACTOR.subs(threshold, norm * (1 + delta)) - 1).is_positive
    _require(caps is not None and enlarges_small is not None,
             "SymPy decides the clipped norm above θ and the sign of the factor minus 1 below θ")
    return "verified" if caps and enlarges_small else "corrected"


def _residual() -> str:
    """The residual Jacobian is I plus the plain one (premise); does its identity survive saturation, and
    can its products still grow?"""
    W_hh, W_xh, b_h, h, x = _random_rnn(3, 2, 6, scale=3.0)
    residual = remedies.residual_step_jacobian(W_hh, W_xh, b_h, h, x)
    _require(np.allclose(residual - np.eye(3), rnn.step_jacobian(W_hh, W_xh, b_h, h, x)),
             "remedies.residual_step_jacobian is I + rnn.step_jacobian (remedies.residual-jacobian)")
    if not np.allclose(remedies.residual_step_jacobian(W_hh, W_xh, np.full(3, 40.0), h, x), np.eye(3)):
        return "corrected"
    at_zero = remedies.residual_step_jacobian(W_hh, np.zeros((3, 2)), np.zeros(3), np.zeros(3), np.zeros(2))
    return "refined" if np.linalg.norm(np.linalg.matrix_power(at_zero, 30), 2) > 1e3 else "verified"


def _summary_condition() -> str:
    """Spans obey (γλ₁)^k (premise); is the notes' ‖W_hh‖ < 1 the sigmoid's threshold 1/γ, or stronger?"""
    threshold = 1 / activation.SUPREMUM["sigmoid"]
    _require(threshold == bounds.THRESHOLD["sigmoid"], "the sigmoid's threshold is 1/γ (bounds.pascanu-conditions)")
    for lam in (0.9, 3.0):
        _require_span_bound("sigmoid", lam)
    if threshold < 1:
        return "corrected"
    return "verified" if threshold == 1 else "refined"


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "unroll-all-steps", "Unrolling every time step", 47,
        "由于 \\( h_t \\) 依赖于 \\( h_{t-1} \\)，而 \\( h_{t-1} \\) 依赖于 \\( h_{t-2} \\)，以此类推，"
        "梯度计算需要考虑整个时间序列的依赖关系。因此，完整的梯度计算需要展开所有时间步。",
        "Since $h_t$ depends on $h_{t-1}$, which depends on $h_{t-2}$, and so on, the gradient has to account for "
        "the dependencies across the whole sequence, so computing it in full means unrolling every time step.",
        "The gradient with respect to $h_t$ is the direct term of $L_t$ plus, through the transposed step Jacobian, "
        "the gradient with respect to $h_{t+1}$; the gradient with respect to $W_{hh}$ then sums one term per step. "
        "Leaving out the later steps changes the result, so the unrolling is needed.",
        "verified", ("rnn.hidden-gradient", "rnn.whh-gradient"), _unrolling),
    Claim(
        "step-jacobian-scalar", "The step Jacobian as a scalar times the weights", 62,
        "\\frac{\\partial h_t}{\\partial h_{t-1}} = \\sigma'(z_t) \\cdot W_{hh}",
        "The Jacobian of one step is $\\sigma'(z_t) \\cdot W_{hh}$.",
        "The slope is a vector with one entry per unit, so the Jacobian is $\\operatorname{diag}(\\sigma'(z_t))\\,W_{hh}$: "
        "row $i$ of $W_{hh}$ scaled by unit $i$'s slope. The scalar form is right only for one unit, or when all slopes are equal.",
        "corrected", ("rnn.step-jacobian",), _scalar_jacobian),
    Claim(
        "span-product", "Many steps: a product of step Jacobians", 66,
        "\\frac{\\partial h_{t+k}}{\\partial h_t} = \\prod_{i=t+1}^{t+k} \\frac{\\partial h_i}{\\partial h_{i-1}}",
        "The Jacobian across $k$ steps is the product of the $k$ step Jacobians.",
        "True when the product is taken in order, the latest step leftmost: $J_{t+k} \\cdots J_{t+1}$. The factors are "
        "matrices, which in general do not commute, and the $\\prod$ sign leaves the order open; the notes' own chain "
        "rule, on line 56, writes the factors in the right order.",
        "refined", ("rnn.span-jacobian",), _span_product),
    Claim(
        "modulus-decay", "Factors whose modulus stays below one", 70,
        "梯度消失的关键在于 \\(\\sigma'(z_i) \\cdot W_{hh}\\) 的值。如果这个值的模长期小于1，梯度会随着时间步的增加指数级衰减",
        "The key to vanishing is the value of $\\sigma'(z_i) \\cdot W_{hh}$: if its modulus stays below $1$, the "
        "gradient decays exponentially as the number of steps grows.",
        "True when the modulus is the spectral norm (or another operator norm) and stays below some $\\eta < 1$: the "
        "span Jacobian is then at most $\\eta^k$. Not for the spectral radius, the other usual size of a matrix: step "
        "Jacobians of one $W_{hh}$, each with spectral radius below $1$, can multiply to a product that grows.",
        "refined", ("bounds.step-norm", "bounds.span-norm"), _modulus_decay),
    Claim(
        "sigmoid-slope", "The slope of the sigmoid", 73,
        "Sigmoid函数的导数为：\\(\\sigma'(x) = \\sigma(x)(1 - \\sigma(x))\\)，最大值在 \\( x=0 \\) 时为 0.25",
        "The sigmoid's derivative is $\\sigma'(x) = \\sigma(x)(1 - \\sigma(x))$, with its maximum $0.25$ at $x = 0$.",
        "SymPy differentiates the sigmoid to $\\sigma(1 - \\sigma)$, finds $x = 0$ as the only critical point, and "
        "proves that the value there, $1/4$, is the global maximum.",
        "verified", ("activation.sigmoid-derivative",), _sigmoid_slope),
    Claim(
        "sigmoid-compression", "A quarter or less at every sigmoid step", 74,
        "如果 \\( W_{hh} \\) 的模接近1，梯度在每个时间步会被压缩至原来的 0.25 或更小",
        "If the modulus of $W_{hh}$ is close to $1$, the gradient is compressed at every step to $0.25$ of its size or less.",
        "A sigmoid step scales the gradient's norm by at most $\\lVert W_{hh} \\rVert_2 / 4$, so the claim holds when the "
        "modulus is the spectral norm and at most $1$ (slightly above $1$, the factor may slightly exceed $0.25$). It "
        "fails for the spectral radius: a $W_{hh}$ with spectral radius $1$ but a larger spectral norm lets a step keep "
        "more than a quarter of the gradient.",
        "refined", ("bounds.step-norm", "activation.sigmoid-derivative"), _sigmoid_compression),
    Claim(
        "tanh-slope", "The slope of tanh", 77,
        "Tanh的导数为：\\(\\tanh'(x) = 1 - \\tanh^2(x)\\)，最大值为1",
        "The derivative of tanh is $\\tanh'(x) = 1 - \\tanh^2(x)$, with maximum $1$.",
        "SymPy differentiates tanh to $1 - \\tanh^2$ and proves that its maximum, at the only critical point $x = 0$, is $1$.",
        "verified", ("activation.tanh-derivative",), _tanh_slope),
    Claim(
        "tanh-decay", "Decay with tanh when the weights are small", 78,
        "但如果 \\( W_{hh} \\) 的模小于1，梯度仍会逐渐衰减",
        "With tanh, gradients still decay when the modulus of $W_{hh}$ is below $1$.",
        "True when the modulus is the spectral norm (largest singular value): the span Jacobian is then at most "
        "$\\lVert W_{hh} \\rVert_2^k$. It is false for other readings: a matrix whose entries are all below $1$ "
        "can have spectral norm above $1$ and let the gradient grow.",
        "refined", ("rnn.span-jacobian", "activation.tanh-derivative"), _tanh_decay),
    Claim(
        "hundred-steps", "A hundred sigmoid steps", 87,
        "0.25^{100} \\approx 10^{-60}",
        "The worked example evaluates $0.25^{100} \\approx 10^{-60}$.",
        "Right to the nearest power of ten, but not in the leading digit: the exact value, derived in the evidence, is "
        "about $6.2 \\times 10^{-61}$. And the case is the best one (slope exactly $1/4$ at every step), not a typical one.",
        "refined", ("example.sigmoid-100-steps",), _hundred_steps),
    Claim(
        "relu-slope", "The slope of ReLU", 95,
        "ReLU的导数为1（当输入大于0时），避免了梯度压缩",
        "ReLU's derivative is $1$ when its input is positive, which avoids compressing the gradient.",
        "The derivative is $1$ for positive inputs, so an active unit passes its row of $W_{hh}$ on unscaled. For "
        "negative inputs it is $0$, and an inactive unit removes the gradient along its direction entirely; $W_{hh}$ "
        "itself still shrinks or stretches whatever passes.",
        "refined", ("activation.relu-derivative", "remedies.relu-step-jacobian"), _relu_slope),
    Claim(
        "relu", "ReLU: explosion and dead units", 96,
        "但ReLU可能导致梯度爆炸或“死亡神经元”问题",
        "But ReLU can lead to exploding gradients or to “dead neurons”.",
        "For active units the step Jacobian is exactly $W_{hh}$, so nothing damps a large $W_{hh}$; "
        "an inactive unit zeros its row of the Jacobian and blocks every path through it.",
        "verified", ("activation.relu-derivative", "remedies.relu-step-jacobian"), _relu),
    Claim(
        "gated-constant", "The LSTM passes gradients nearly unchanged", 99,
        "LSTM通过遗忘门、输入门和输出门控制信息流，允许梯度以接近恒定的方式传递",
        "An LSTM controls the flow of information with its forget, input and output gates, which lets gradients "
        "pass back in a nearly constant way.",
        "Only along the cell path, whose one-step Jacobian is $\\operatorname{diag}(f_t)$, and only while the forget "
        "gates stay near 1. Other paths carry recurrent weights and slopes as in a simple RNN.",
        "refined", ("lstm.cell-path", "lstm.step-jacobian"), _gated_constant),
    Claim(
        "gru-simplified", "The GRU, a simplified LSTM", 100,
        "GRU是LSTM的简化版，同样有效",
        "The GRU is a simplified version of the LSTM and just as effective.",
        "It has the same kind of path. With PyTorch's $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$ the direct path's "
        "one-step Jacobian is $\\operatorname{diag}(z_t)$, so the gradient passes nearly unchanged while the update gate "
        "stays near 1 and decays when it does not, the same proviso as for the LSTM. Whether a GRU trains as well as an "
        "LSTM on a given task is an empirical question that no derivation here settles.",
        "refined", ("gru.direct-path", "gru.step-jacobian"), _gru_simplified),
    Claim(
        "xavier-norm", "Xavier initialisation and the norm of the weights", 103,
        "使用适当的权重初始化（如Xavier初始化）使 \\( W_{hh} \\) 的模接近1，减缓梯度衰减",
        "Initialising $W_{hh}$ with Xavier's scheme makes its modulus close to $1$, which slows the decay.",
        "For a square Gaussian $W_{hh}$ with Xavier's variance the spectral radius approaches $1$, but the spectral "
        "norm, which the bound on the gradient uses, approaches $2$. Orthogonal initialisation gives exactly $1$.",
        "corrected", ("remedies.xavier-variance", "remedies.orthogonal-singular-values"), _xavier_norm),
    Claim(
        "clipping", "Gradient clipping and vanishing", 106,
        "限制梯度的最大值，防止梯度爆炸，同时缓解部分梯度消失问题",
        "Clipping limits the maximum value of the gradient, prevents explosion, and also partly relieves vanishing.",
        "Clipping rescales a gradient only when its norm exceeds the threshold, and never enlarges one; "
        "it tames explosion but cannot help a vanishing gradient.",
        "corrected", ("remedies.clipping",), _clipping),
    Claim(
        "residual", "Residual connections", 109,
        "通过添加“跳跃连接”，允许梯度直接传递到早期层，类似ResNet的结构",
        "Adding skip connections lets the gradient pass directly to early layers, as in ResNet.",
        "In an RNN the early layers are the early time steps. With $h_t = h_{t-1} + \\sigma(z_t)$ the step Jacobian "
        "becomes $I + \\operatorname{diag}(\\sigma'(z_t))\\,W_{hh}$: an identity path that survives even when every unit "
        "saturates. The product of such factors can still grow without bound, so the remedy for vanishing can open the "
        "door to explosion.",
        "refined", ("remedies.residual-jacobian",), _residual),
    Claim(
        "summary-condition", "The summary's condition for vanishing", 115,
        "激活函数（如sigmoid）的导数小于1以及权重矩阵 \\( W_{hh} \\) 的模小于1会使梯度快速趋于0",
        "An activation derivative below $1$ (as for the sigmoid) together with a modulus of $W_{hh}$ below $1$ makes "
        "the gradient go to $0$ quickly.",
        "True with the spectral norm as the modulus: each step then scales by at most $\\gamma \\lVert W_{hh} \\rVert_2 "
        "< 1$, with $\\gamma$ the largest slope, and the span shrinks geometrically. For the sigmoid the condition is "
        "stronger than needed: its slope is at most $1/4$, so $\\lVert W_{hh} \\rVert_2 < 4$ already forces vanishing.",
        "refined", ("bounds.span-norm", "bounds.pascanu-conditions"), _summary_condition),
)
