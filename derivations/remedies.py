"""Remedies for vanishing and exploding gradients: ReLU, residual connections, Xavier and orthogonal
initialization, and gradient clipping.

Each derivation proves what a remedy does to the factors of the backpropagated product, and what it
does not do; the numeric helpers below are generated from the proved expressions.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from . import activation as act
from .notation import Juxtaposed, Partial, Transposed, at, elementwise, sigma
from .numeric import Shapes, check_activation, concrete, generator, integer, lambdify_matrix, positive
from .registry import derivation
from .rnn import (B_H, H_PREV, MODEL, PRE_ACTIVATION, STEP_JACOBIAN, W_HH, W_XH, X_T, Z_T,
                  explicit_states, explicit_step_jacobian, n, sigma_prime, t)

_u = sp.Dummy("u")
RELU = sp.Lambda(_u, act.DEFINITIONS["relu"].subs(act.x, _u))
HEAVISIDE = sp.Lambda(_u, act.DERIVATIVES["relu"].subs(act.x, _u))
"""ReLU' = H, the Heaviside step with H(0) = 0, proved by ``activation.relu-derivative``."""

RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH
"""∂h_t/∂h_{t-1} = diag(H(z_t)) W_hh for σ = ReLU, proved by ``remedies.relu-step-jacobian``."""

RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)
"""∂h_t/∂h_{t-1} = I + diag(σ'(z_t)) W_hh for h_t = h_{t-1} + σ(z_t), proved by ``remedies.residual-jacobian``."""

FAN_IN = sp.Symbol(r"n_{\mathrm{in}}", positive=True, integer=True)
FAN_OUT = sp.Symbol(r"n_{\mathrm{out}}", positive=True, integer=True)
XAVIER_VARIANCE = 2 / (FAN_IN + FAN_OUT)
"""Glorot & Bengio's Var(W) = 2/(fan_in + fan_out)."""
XAVIER_BOUND = sp.sqrt(6 / (FAN_IN + FAN_OUT))
"""The a of U(−a, a) with that variance, proved by ``remedies.xavier-variance``."""

NORM = sp.Symbol(r"\lVert g \rVert", positive=True)
THRESHOLD = sp.Symbol(r"\theta", positive=True)
CLIP_FACTOR = sp.Min(1, THRESHOLD / NORM)
"""clip(g) = c g with c = min(1, θ/‖g‖), proved by ``remedies.clipping``."""
CLIPPED_NORM = sp.Min(NORM, THRESHOLD)
"""‖clip(g)‖ = min(‖g‖, θ), proved by ``remedies.clipping``."""

SIZES = (1, 2)
"""n for which the ReLU Jacobian is verified on every sign pattern of z_t."""


def _step_partial():
    return Partial(at("h", t), at("h", t - 1))


@derivation("remedies.relu-step-jacobian", title="ReLU: the step Jacobian is a masked W_hh")
def relu_step_jacobian_derivation(d):
    d.step("ReLU' is the Heaviside step $H$ ($H(x) = 1$ for $x > 0$, else $0$: the indicator "
           "$1[x > 0]$; activation.relu-derivative).", sp.Derivative(act.DEFINITIONS["relu"], act.x),
           act.DERIVATIVES["relu"])
    derived = concrete(STEP_JACOBIAN, "relu")
    d.step("Substitute it for $\\sigma'$ in rnn.step-jacobian.", _step_partial(), derived.subs(PRE_ACTIVATION, Z_T))
    d.prove(derived, RELU_STEP_JACOBIAN,
            claim=r"with $\sigma = \mathrm{ReLU}$, $\partial h_t / \partial h_{t-1} = \operatorname{diag}(\mathbf{1}[z_t > 0])\,W_{hh}$ for general $n$")
    signs = {}
    for size in SIZES:
        W, (h0, _), (z,) = explicit_states(size, 1)
        direct = z.applyfunc(RELU).jacobian(h0)
        stated = sp.diag(*[HEAVISIDE(entry) for entry in z]) * W
        drive = z - W * h0
        for pattern in itertools.product((1, -1), repeat=size):
            region = {u: sign * sp.Symbol(f"s_{a}", positive=True) - (W * h0)[a]
                      for a, (u, sign) in enumerate(zip(drive, pattern))}
            shown = "".join("+" if sign > 0 else "−" for sign in pattern)
            mask = sp.diag(*[1 if sign > 0 else 0 for sign in pattern]) * W
            d.prove(direct.subs(region), stated.subs(region),
                    claim=f"n = {size}, signs of z_t {shown}: SymPy's Jacobian of max(0, z_t) is diag(H(z_t)) W_hh")
            d.prove(stated.subs(region), mask, claim=f"n = {size}, signs {shown}: diag(H(z_t)) is the 0/1 mask of the active units")
            signs[size, shown] = mask
    for size, shown in signs:
        W = sp.Matrix(size, size, lambda a, b: sp.Symbol(f"w_{a}{b}"))
        if "−" not in shown:
            d.prove(signs[size, shown], W, claim=f"n = {size}: with every unit active the Jacobian is exactly W_hh")
        for row, sign in enumerate(shown):
            if sign == "−":
                d.check(all(e == 0 for e in signs[size, shown].row(row)),
                        claim=f"n = {size}, signs {shown}: inactive unit {row} has a zero row (a dead unit passes no gradient)")
    d.step("Where the first entry of $z_t$ is positive and the second negative ($n = 2$), the active row is copied from $W_{hh}$ and the "
           "inactive row is zero. SymPy checks every sign pattern for $n \\in \\{1, 2\\}$ against its "
           "own Jacobian of $\\max(0, z_t)$.", _step_partial(), signs[2, "+−"])
    k, w = sp.Symbol("k", integer=True, positive=True), 1 + sp.Symbol("delta", positive=True)
    d.step("Nothing is squashed: while every unit stays active, the Jacobian across $k$ steps is "
           "$W_{hh}^k$, so it grows without bound when $\\lVert W_{hh} \\rVert > 1$ — for $n = 1$, "
           "$w = 1 + \\delta$ with $\\delta > 0$:", sp.Limit(w ** k, k, sp.oo), sp.limit(w ** k, k, sp.oo))
    d.check(sp.limit(w ** k, k, sp.oo) == sp.oo, claim="n = 1, all active: (1 + δ)^k → ∞, so ReLU can explode")
    d.result((_step_partial(), RELU_STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)))


@derivation("remedies.residual-jacobian", title="Residual connection: an identity path through every step")
def residual_jacobian_derivation(d):
    h_t = sp.MatrixSymbol("h_t", n, 1)
    d.step("A residual step adds the update to the previous state.", h_t,
           sp.MatAdd(H_PREV, elementwise(sigma, Z_T), evaluate=False))
    identity, update = H_PREV.diff(H_PREV), MODEL.diff(H_PREV)
    derived = sp.MatAdd(identity, update, evaluate=False)
    d.step("Differentiate term by term with SymPy's matrix calculus for general $n$ (denominator layout, "
           "one row per entry of $h_{t-1}$): $h_{t-1}$ gives the identity.", Transposed(Partial(h_t, H_PREV)),
           derived.subs(PRE_ACTIVATION, Z_T))
    numerator = sp.MatAdd(identity.T, update.T, evaluate=False)
    d.step("Transpose to numerator layout.", Partial(h_t, H_PREV), numerator.subs(PRE_ACTIVATION, Z_T))
    d.prove(numerator, RESIDUAL_STEP_JACOBIAN, claim=r"$\partial h_t / \partial h_{t-1} = I + \operatorname{diag}(\sigma'(z_t))\,W_{hh}$ for general $n$")
    for size in (1, 2, 3):
        W, (h0, h1), (z,) = explicit_states(size, 1)
        d.prove((h0 + h1).jacobian(h0), sp.eye(size) + explicit_step_jacobian(W, z),
                claim=f"the explicit {size}×{size} Jacobian agrees entry by entry")
    W, (h0, _), (z,) = explicit_states(2, 1)
    saturated = {sigma_prime(entry): 0 for entry in z}
    d.prove(explicit_step_jacobian(W, z).xreplace(saturated), sp.zeros(2),
            claim="n = 2, σ'(z_t) = 0: the plain step Jacobian is zero")
    saturated_jacobian = (sp.eye(2) + explicit_step_jacobian(W, z)).xreplace(saturated)
    d.step("Where every unit saturates ($\\sigma' = 0$) the plain step Jacobian is zero, but the "
           "residual one is the identity: the gradient still flows back unchanged.", _step_partial(),
           saturated_jacobian)
    d.prove(saturated_jacobian, sp.eye(2), claim="n = 2, σ'(z_t) = 0: the residual Jacobian is I")
    d.result((_step_partial(), RESIDUAL_STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)))


@derivation("remedies.xavier-variance", title="Xavier (Glorot) initialization: variance and uniform bound")
def xavier_variance_derivation(d):
    variance = sp.Function(r"\operatorname{Var}")(sp.Symbol("W"))
    d.step("Glorot & Bengio (2010): a layer keeps the variance of activations forward if "
           "$n_{\\mathrm{in}} \\operatorname{Var}(W) = 1$ and of gradients backward if "
           "$n_{\\mathrm{out}} \\operatorname{Var}(W) = 1$; they compromise on the average fan.",
           variance, XAVIER_VARIANCE)
    square = sp.Symbol("n", positive=True, integer=True)
    d.prove(XAVIER_VARIANCE.subs({FAN_IN: square, FAN_OUT: square}), 1 / square,
            claim="for n_in = n_out = n it is 1/n, meeting both conditions")
    x, a = sp.Symbol("x", real=True), sp.Symbol("a", positive=True)
    density = 1 / (2 * a)
    mean = sp.integrate(x * density, (x, -a, a))
    d.step("$U(-a, a)$ has density $1/(2a)$ on $[-a, a]$; its mean is zero.",
           sp.Integral(x * density, (x, -a, a)), mean)
    d.prove(mean, 0, claim="U(−a, a) has mean 0")
    uniform_variance = sp.integrate(x ** 2 * density, (x, -a, a))
    d.step("So its variance is the second moment.", sp.Integral(x ** 2 * density, (x, -a, a)), uniform_variance)
    d.prove(uniform_variance, a ** 2 / 3, claim="Var U(−a, a) = a²/3")
    solutions = sp.solve(sp.Eq(uniform_variance, XAVIER_VARIANCE), a)
    d.step("Solve $a^2/3 = 2/(n_{\\mathrm{in}} + n_{\\mathrm{out}})$ for $a > 0$.", a, solutions[0])
    d.prove(sp.Matrix([solutions]), sp.Matrix([[XAVIER_BOUND]]),
            claim="the only positive a is √(6/(n_in + n_out))")
    d.result((variance, XAVIER_VARIANCE), (a, XAVIER_BOUND))


def _rotation(angle):
    return sp.Matrix([[sp.cos(angle), -sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])


def _reflection(angle):
    return sp.Matrix([[sp.cos(angle), sp.sin(angle)], [sp.sin(angle), -sp.cos(angle)]])


@derivation("remedies.orthogonal-singular-values", title="Orthogonal matrices: every singular value is 1")
def orthogonal_singular_values_derivation(d):
    Q = sp.MatrixSymbol("Q", n, n)
    singular, eigen = sp.Function("sigma_i"), sp.Function("lambda_i")
    d.step("The singular values of any matrix $Q$ are the square roots of the eigenvalues of $Q^{\\top} Q$.",
           singular(Q), sp.sqrt(eigen(Q.T * Q)))
    d.step("$Q$ is orthogonal when $Q^{\\top} Q = I$; every eigenvalue of $I$ is 1, so every singular "
           "value is 1 and $\\lVert Q v \\rVert = \\lVert v \\rVert$ for every $v$. Saxe, McClelland & "
           "Ganguli (2014) initialize $W_{hh}$ this way so that the linear part of a step neither "
           "shrinks nor stretches the gradient.", Q.T * Q, sp.Identity(n))
    theta, alpha, beta = (sp.Symbol(name, real=True) for name in ("theta", "alpha", "beta"))
    for name, Q2 in (("rotation", _rotation(theta)), ("reflection", _reflection(theta))):
        gram = sp.simplify(Q2.T * Q2)
        d.step(f"Every 2×2 orthogonal matrix is a rotation or a reflection; for the {name}, "
               "$\\cos^2 \\theta + \\sin^2 \\theta = 1$ gives", sp.MatMul(Q2.T, Q2, evaluate=False), gram)
        d.prove(gram, sp.eye(2), claim=f"2×2 {name} by θ: QᵀQ = I")
        d.prove(sp.Matrix(sorted(gram.eigenvals(multiple=True))), sp.Matrix([1, 1]),
                claim=f"2×2 {name}: both eigenvalues of QᵀQ are 1")
        d.prove(sp.Matrix([sp.simplify(s) for s in Q2.singular_values()]), sp.Matrix([1, 1]),
                claim=f"2×2 {name}: SymPy's singular values are 1, 1")
    product = _rotation(alpha) * _reflection(beta)
    d.prove(sp.simplify(product.T * product), sp.eye(2),
            claim="a product of orthogonal matrices is orthogonal, so ‖Q^k‖ = 1 for every k")
    d.result((Q.T * Q, sp.Identity(n)),
             (singular(Q), sp.sqrt(eigen(Q.T * Q)), sp.sqrt(eigen(sp.Identity(n))), 1))


@derivation("remedies.clipping", title="Gradient clipping by norm: it only ever shrinks a gradient")
def clipping_derivation(d):
    g = sp.Symbol("g")
    clip = sp.Function(r"\operatorname{clip}")(g)
    clip_norm = sp.Symbol(r"\lVert \operatorname{clip}(g) \rVert")
    d.step("Pascanu, Mikolov & Bengio (2013), Algorithm 1: if $\\lVert g \\rVert \\ge \\theta$, rescale $g$ "
           "to norm $\\theta$; otherwise leave it.", clip,
           sp.Piecewise((Juxtaposed(THRESHOLD / NORM, g), NORM >= THRESHOLD), (g, True)))
    column = sp.Matrix(sp.symbols("g_1:4", real=True))
    c = sp.Symbol("c", positive=True)
    d.prove((c * column).norm(), c * column.norm(), claim="‖c g‖ = c ‖g‖ for c > 0 (explicit g ∈ ℝ³)")
    d.prove((THRESHOLD * column / column.norm()).norm(), THRESHOLD,
            claim="‖θ g / ‖g‖‖ = θ (explicit g ∈ ℝ³)")
    d.prove((c * column).dot(column) / (c * column.norm() * column.norm()), 1,
            claim="by ‖c g‖ = c ‖g‖, c g has cosine 1 with g for c > 0: the direction is kept")
    factor = sp.Piecewise((THRESHOLD / NORM, NORM >= THRESHOLD), (1, True))
    clipped_norm = sp.Piecewise((THRESHOLD, NORM >= THRESHOLD), (NORM, True))
    d.step("So clipping multiplies $g$ by a positive factor $c$, and $\\lVert \\operatorname{clip}(g) "
           "\\rVert = c \\lVert g \\rVert$; by $\\lVert \\theta g / \\lVert g \\rVert \\rVert = \\theta$:",
           clip_norm, clipped_norm)
    eps, delta = sp.Symbol("epsilon", nonnegative=True), sp.Symbol("delta", positive=True)
    regions = {"‖g‖ ≥ θ": {THRESHOLD: NORM * (1 - eps)}, "‖g‖ < θ": {THRESHOLD: NORM * (1 + delta)}}
    for name, region in regions.items():
        d.prove(factor.subs(region), CLIP_FACTOR.subs(region), claim=f"{name}: c = min(1, θ/‖g‖)")
        d.prove(clipped_norm.subs(region), CLIPPED_NORM.subs(region), claim=f"{name}: ‖clip(g)‖ = min(‖g‖, θ)")
        d.check(sp.expand(CLIP_FACTOR.subs(region) - 1).is_nonpositive, claim=f"{name}: c ≤ 1")
        d.check(sp.expand(CLIPPED_NORM.subs(region) - NORM).is_nonpositive, claim=f"{name}: ‖clip(g)‖ ≤ ‖g‖")
    d.prove(CLIP_FACTOR.subs(regions["‖g‖ < θ"]), 1, claim="‖g‖ < θ: clip(g) = g, a small gradient is unchanged")
    d.check(CLIP_FACTOR.is_positive, claim="c > 0, so c ∈ (0, 1]")
    d.step("The factor lies in $(0, 1]$: clipping keeps the direction and never increases the norm. "
           "It tames exploding gradients but cannot relieve vanishing ones, which it passes unchanged.",
           clip, Juxtaposed(CLIP_FACTOR, g))
    d.result((clip_norm, CLIPPED_NORM), (clip, Juxtaposed(CLIP_FACTOR, g)))


# --- Numeric API: the proved expressions, lambdified. ---

_RNN_ARGUMENTS = [W_HH, W_XH, B_H, H_PREV, X_T]


@functools.cache
def _residual_jacobian(activation: str, size: int):
    """The residual step Jacobian with its identity made n = ``size``, which NumPy needs; the rest
    keeps the symbolic n, so that no 1×1 entrywise function collapses to a scalar one."""
    expr = concrete(RESIDUAL_STEP_JACOBIAN, activation).xreplace({sp.Identity(n): sp.Identity(size)})
    return lambdify_matrix(_RNN_ARGUMENTS, expr)


def residual_step_jacobian(W_hh, W_xh, b_h, h_prev, x_t, activation: str = "tanh") -> np.ndarray:
    """∂h_t/∂h_{t-1} = I + diag(σ'(z_t)) W_hh of h_t = h_{t-1} + σ(z_t) (``remedies.residual-jacobian``), shape (n, n)."""
    shapes = Shapes()
    W_hh = shapes.array("W_hh", W_hh, ("n", "n"))
    W_xh = shapes.array("W_xh", W_xh, ("n", "m"))
    b_h = shapes.array("b_h", b_h, ("n",))
    h_prev = shapes.array("h_prev", h_prev, ("n",))
    x_t = shapes.array("x_t", x_t, ("m",))
    compiled = _residual_jacobian(check_activation(activation), W_hh.shape[0])
    with np.errstate(over="ignore"):  # exp overflow in the sigmoid saturates correctly to 0 or 1
        return np.asarray(compiled(W_hh, W_xh, b_h[:, None], h_prev[:, None], x_t[:, None]), dtype=float)


_clip_factor = sp.lambdify((NORM, THRESHOLD), CLIP_FACTOR, "numpy")


def clip_by_norm(g, threshold) -> np.ndarray:
    """min(1, θ/‖g‖) g with ‖g‖ the Euclidean norm of all entries (``remedies.clipping``), shape of ``g``."""
    try:
        g = np.asarray(g, dtype=float)
    except (TypeError, ValueError) as error:
        raise ValueError(f"g: not an array of numbers ({error})") from None
    if not np.all(np.isfinite(g)):
        raise ValueError("g: contains a non-finite value (nan or inf)")
    threshold = positive("threshold", threshold)
    with np.errstate(divide="ignore"):  # g = 0 gives θ/0 = inf and min(1, inf) = 1: zero stays zero
        return _clip_factor(np.linalg.norm(g), threshold) * g


_xavier_variance = sp.lambdify((FAN_IN, FAN_OUT), XAVIER_VARIANCE)
_xavier_bound = sp.lambdify((FAN_IN, FAN_OUT), XAVIER_BOUND)


def xavier_normal(fan_in, fan_out, rng) -> np.ndarray:
    """A (fan_out, fan_in) weight with N(0, 2/(fan_in + fan_out)) entries (``remedies.xavier-variance``)."""
    fan_in, fan_out = integer("fan_in", fan_in), integer("fan_out", fan_out)
    return generator(rng).normal(0.0, np.sqrt(_xavier_variance(fan_in, fan_out)), size=(fan_out, fan_in))


def xavier_uniform(fan_in, fan_out, rng) -> np.ndarray:
    """A (fan_out, fan_in) weight with U(−a, a) entries, a = √(6/(fan_in + fan_out)) (``remedies.xavier-variance``)."""
    fan_in, fan_out = integer("fan_in", fan_in), integer("fan_out", fan_out)
    bound = _xavier_bound(fan_in, fan_out)
    return generator(rng).uniform(-bound, bound, size=(fan_out, fan_in))


def orthogonal(n, rng) -> np.ndarray:
    """A random n×n orthogonal matrix: Q of the QR factorization of a Gaussian matrix, each column's sign
    fixed so that R has a positive diagonal (which makes Q Haar-distributed; ``remedies.orthogonal-singular-values``)."""
    size = integer("n", n)
    q, r = np.linalg.qr(generator(rng).standard_normal((size, size)))
    return q * np.sign(np.diag(r))
