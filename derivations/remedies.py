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
from .instances import Instance, Unresolved
from .notation import Juxtaposed, Partial, Transposed, at, elementwise
from .numeric import Shapes, check_activation, concrete, generator, integer, lambdify_matrix, positive
from .registry import definition, derivation
from .rnn import (B_H, H_PREV, MODEL, PRE_ACTIVATION, STATE, STEP_JACOBIAN, W_HH, W_XH, X_T, Z_T,
                  explicit_states, explicit_step_jacobian, m, n, sigma_prime, t)

_u, _v = sp.Dummy("u"), sp.Dummy("v")
RELU = sp.Lambda(_u, act.DEFINITIONS["relu"].subs(act.x, _u))
HEAVISIDE = sp.Lambda(_u, act.DERIVATIVES["relu"].subs(act.x, _u))
"""ReLU' = H, the Heaviside step with H(0) = 0, proved by ``activation.relu-derivative``."""
KINK_AS_ZERO = {sp.Heaviside: sp.Lambda((_u, _v), sp.Heaviside(_u, 0))}
"""SymPy differentiates max(0, x) to H(x) with H(0) = 1/2; this takes ReLU'(0) = 0 instead, as
``activation.relu-derivative`` and the display do. It changes nothing where no entry is zero."""

RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH
"""∂h_t/∂h_{t-1} = diag(H(z_t)) W_hh for σ = ReLU, proved by ``remedies.relu-step-jacobian``."""
RELU_MASK = DiagMatrix(elementwise(HEAVISIDE, at("z", t, (n, 1))))
"""diag(1[z_t > 0]), the Jacobian of max(0, z_t) (clause "mask" of ``remedies.relu-step-jacobian``)."""

RESIDUAL_STATE = sp.MatAdd(H_PREV, STATE, evaluate=False)
"""h_t = h_{t-1} + σ(z_t), the residual step as ``remedies.residual-model`` defines it."""
RESIDUAL_MODEL = RESIDUAL_STATE.subs(Z_T, PRE_ACTIVATION)
"""The residual step in the parameters, h_{t-1} and x_t: what ``remedies.residual-jacobian`` differentiates."""
RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)
"""∂h_t/∂h_{t-1} = I + diag(σ'(z_t)) W_hh for h_t = h_{t-1} + σ(z_t), proved by ``remedies.residual-jacobian``."""

FAN_IN = sp.Symbol(r"n_{\mathrm{in}}", positive=True, integer=True)
FAN_OUT = sp.Symbol(r"n_{\mathrm{out}}", positive=True, integer=True)
XAVIER_VARIANCE = 2 / (FAN_IN + FAN_OUT)
"""Glorot & Bengio's Var(W) = 2/(fan_in + fan_out)."""
XAVIER_BOUND = sp.sqrt(6 / (FAN_IN + FAN_OUT))
"""The a of U(−a, a) with that variance, proved by ``remedies.xavier-variance``."""

Q = sp.MatrixSymbol("Q", n, n)
SINGULAR, EIGEN = sp.Function("s_i"), sp.Function("mu_i")
"""The i-th largest singular value and eigenvalue (σ and λ₁ name the activation and ‖W_hh‖₂ on the site)."""
"""σ_i and λ_i: the i-th largest singular value and eigenvalue."""
ORTHOGONALITY = (Q.T * Q, sp.Identity(n))
"""QᵀQ = I, clause "orthogonal" of ``remedies.orthogonal-singular-values``."""
SINGULAR_VALUES = (SINGULAR(Q), sp.sqrt(EIGEN(Q.T * Q)), sp.sqrt(EIGEN(sp.Identity(n))), sp.Integer(1))
"""σ_i(Q) = √λ_i(QᵀQ) = √λ_i(I) = 1, clause "singular" of ``remedies.orthogonal-singular-values``."""

G = sp.Symbol("g")
NORM = sp.Symbol(r"\lVert g \rVert", positive=True)
THRESHOLD = sp.Symbol(r"\theta", positive=True)
CLIP = sp.Function(r"\operatorname{clip}")(G)
CLIP_NORM = sp.Symbol(r"\lVert \operatorname{clip}(g) \rVert")
CLIPPING_RULE = sp.Piecewise((Juxtaposed(THRESHOLD / NORM, G), NORM >= THRESHOLD), (G, True))
"""Pascanu et al.'s clip(g), as ``remedies.clipping-rule`` defines it."""
CLIP_FACTOR = sp.Min(1, THRESHOLD / NORM)
"""clip(g) = c g with c = min(1, θ/‖g‖), proved by ``remedies.clipping``."""
CLIPPED_NORM = sp.Min(NORM, THRESHOLD)
"""‖clip(g)‖ = min(‖g‖, θ), proved by ``remedies.clipping``."""

SIZES = (1, 2)
"""n for which the ReLU Jacobian is verified on every sign pattern of z_t."""
JACOBIAN_SIZES = (1, 2, 3)
"""n at which the ReLU and residual step Jacobians are proved on explicit n×n matrices."""
ORTHOGONAL_SIZES = range(1, 9)
"""n of the random orthogonal matrices on which the singular values are checked numerically."""
CLIPPING_SCALES = (1e-8, 1e-4, 1.0, 1e4, 1e8)
"""Scales of the random gradients on which ``clip_by_norm`` is checked against the display."""


def step_partial():
    """∂h_t/∂h_{t-1} as the page writes it: the left side of every step Jacobian of this chapter."""
    return Partial(at("h", t), at("h", t - 1))


def explicit_instances(model, note: str = "", functions=None) -> tuple[Instance, ...]:
    """h_t as ``model`` defines it and h_{t-1}, on explicit n×n matrices."""
    return tuple(Instance(f"explicit n = {size}{note}", "explicit", subs={Z_T: PRE_ACTIVATION, n: size, m: 1},
                          values={at("h", t): model, at("h", t - 1): H_PREV}, functions=functions or {},
                          explicit=True) for size in JACOBIAN_SIZES)


def _signs(pattern) -> str:
    return "".join("+" if sign > 0 else "−" for sign in pattern)


def _mask_instances() -> tuple[Instance, ...]:
    """z_t for general n, and for n in SIZES as a column of positive and negative symbols, one per sign pattern."""
    z = at("z", t, (n, 1))
    out = [Instance("general n, ReLU'(0) taken as 0", "symbolic", values={z: Z_T}, functions=KINK_AS_ZERO)]
    for size in SIZES:
        for pattern in itertools.product((1, -1), repeat=size):
            column = sp.Matrix([sp.Symbol(f"z_{a}", positive=True) if sign > 0 else sp.Symbol(f"z_{a}", negative=True)
                                for a, sign in enumerate(pattern)])
            out.append(Instance(f"n = {size}, signs of z_t {_signs(pattern)}", "explicit", subs={n: size},
                                values={at("z", t, (size, 1)): column}))
    return tuple(out)


@derivation("remedies.relu-step-jacobian", title="ReLU: the step Jacobian is a masked W_hh",
            uses=("activation.functions", "activation.relu-derivative", "rnn.model", "rnn.step-jacobian",
                  "bounds.linear-spectral-radius"), cites=("le2015",))
def relu_step_jacobian_derivation(d):
    d.step("ReLU' is the Heaviside step $H$ ($H(x) = 1$ for $x > 0$, else $0$: the indicator "
           "$1[x > 0]$; activation.relu-derivative).", sp.Derivative(act.DEFINITIONS["relu"], act.x),
           act.DERIVATIVES["relu"])
    derived = concrete(STEP_JACOBIAN, "relu")
    d.step("Substitute it for $\\sigma'$ in rnn.step-jacobian.", step_partial(), derived.subs(PRE_ACTIVATION, Z_T))
    signs = {}
    for size in SIZES:
        W, (h0, _), (z,) = explicit_states(size, 1)
        direct = z.applyfunc(RELU).jacobian(h0)
        drive = z - W * h0
        for pattern in itertools.product((1, -1), repeat=size):
            region = {u: sign * sp.Symbol(f"s_{a}", positive=True) - (W * h0)[a]
                      for a, (u, sign) in enumerate(zip(drive, pattern))}
            signs[size, _signs(pattern)] = mask = sp.diag(*[1 if sign > 0 else 0 for sign in pattern]) * W
            d.prove(direct.subs(region), mask, kind="explicit",
                    claim=f"n = {size}, signs of z_t {_signs(pattern)}: SymPy's Jacobian of max(0, z_t) with respect "
                          "to $h_{t-1}$ is $W_{hh}$ with the rows of the inactive units zeroed")
    for size, shown in signs:
        W = sp.Matrix(size, size, lambda a, b: sp.Symbol(f"w_{a}{b}"))
        if "−" not in shown:
            d.prove(signs[size, shown], W, kind="explicit",
                    claim=f"n = {size}: with every unit active the Jacobian is exactly W_hh")
        for row, sign in enumerate(shown):
            if sign == "−":
                d.check(all(e == 0 for e in signs[size, shown].row(row)), kind="explicit",
                        claim=f"n = {size}, signs {shown}: inactive unit {row} has a zero row (a dead unit passes no gradient)")
    d.step("Where the first entry of $z_t$ is positive and the second negative ($n = 2$), the active row is copied from $W_{hh}$ and the "
           "inactive row is zero. SymPy checks every sign pattern for $n \\in \\{1, 2\\}$ against its "
           "own Jacobian of $\\max(0, z_t)$.", step_partial(), signs[2, "+−"])
    k, w = sp.Symbol("k", integer=True, positive=True), 1 + sp.Symbol("delta", positive=True)
    d.step("Nothing is squashed: while every unit stays active, the Jacobian across $k$ steps is "
           "$W_{hh}^k$, which grows without bound when the spectral radius $\\rho(W_{hh})$ exceeds 1 "
           "(a norm above 1 only allows growth; bounds.linear-spectral-radius) — for $n = 1$, "
           "$w = 1 + \\delta$ with $\\delta > 0$:", sp.Limit(w ** k, k, sp.oo), sp.limit(w ** k, k, sp.oo))
    d.check(sp.limit(w ** k, k, sp.oo) == sp.oo, kind="symbolic",
            claim="n = 1, all active: (1 + δ)^k → ∞ for every δ > 0, so ReLU can explode")
    relu_model, kink = concrete(MODEL, "relu"), ", ReLU'(0) taken as 0"
    general = Instance(f"general n{kink}", "symbolic", subs={Z_T: PRE_ACTIVATION}, functions=KINK_AS_ZERO,
                       values={at("h", t): relu_model, at("h", t - 1): H_PREV})
    d.result((step_partial(), RELU_STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),
             ("mask", Partial(elementwise(RELU, at("z", t, (n, 1))), at("z", t, (n, 1))), RELU_MASK),
             at=(general, *explicit_instances(relu_model, kink, KINK_AS_ZERO), *_mask_instances()))


IRNN_PRE_ACTIVATION = H_PREV + W_XH * X_T + B_H
"""z_t with W_hh = I, as Le, Jaitly and Hinton's IRNN starts."""
IRNN_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, Z_T))
"""∂h_t/∂h_{t-1} = diag(1[z_t > 0]) at W_hh = I, proved by ``remedies.identity-relu``."""


@derivation("remedies.identity-relu", title="A ReLU RNN started at W_hh = I: the step Jacobian is the mask",
            uses=("activation.functions", "activation.relu-derivative", "rnn.model", "remedies.relu-step-jacobian"),
            cites=("le2015",))
def identity_relu_derivation(d):
    d.step("Le, Jaitly and Hinton's IRNN uses ReLU units and starts with $W_{hh} = I$ and $b_h = 0$; "
           "with $W_{hh} = I$ the pre-activation adds the input to the previous state.", Z_T, IRNN_PRE_ACTIVATION)
    d.step("Put $W_{hh} = I$ into remedies.relu-step-jacobian, with ReLU' the step function of "
           "activation.relu-derivative: the Jacobian is the mask of the active units alone, so an active unit "
           "passes its entry of the gradient back unchanged and an inactive one passes nothing.",
           step_partial(), IRNN_JACOBIAN)
    relu_model = concrete(STATE.subs(Z_T, IRNN_PRE_ACTIVATION), "relu")
    kink = ", ReLU'(0) taken as 0"
    general = Instance(f"general n, W_hh = I{kink}", "symbolic", subs={Z_T: IRNN_PRE_ACTIVATION},
                       functions=KINK_AS_ZERO, values={at("h", t): relu_model, at("h", t - 1): H_PREV})
    explicit = tuple(Instance(f"explicit n = {size}, W_hh = I{kink}", "explicit",
                              subs={Z_T: IRNN_PRE_ACTIVATION, n: size, m: 1}, functions=KINK_AS_ZERO,
                              values={at("h", t): relu_model, at("h", t - 1): H_PREV}, explicit=True)
                     for size in JACOBIAN_SIZES)
    d.result((step_partial(), IRNN_JACOBIAN), at=(general, *explicit))


@definition("remedies.residual-model", title="A residual recurrent step", uses=("rnn.model",), cites=("he2016",))
def residual_model_definition(d):
    d.define(("step", at("h", t), RESIDUAL_STATE))


@derivation("remedies.residual-jacobian", title="Residual connection: an identity path through every step",
            uses=("rnn.model", "rnn.step-jacobian", "remedies.residual-model"), cites=("he2016",))
def residual_jacobian_derivation(d):
    h_t = sp.MatrixSymbol("h_t", n, 1)
    d.step("A residual step adds the update to the previous state.", h_t, RESIDUAL_STATE)
    identity, update = (term.diff(H_PREV) for term in RESIDUAL_MODEL.args)
    derived = sp.MatAdd(identity, update, evaluate=False)
    d.step("Differentiate term by term with SymPy's matrix calculus for general $n$ (denominator layout, "
           "one row per entry of $h_{t-1}$): $h_{t-1}$ gives the identity.", Transposed(Partial(h_t, H_PREV)),
           derived.subs(PRE_ACTIVATION, Z_T))
    numerator = sp.MatAdd(identity.T, update.T, evaluate=False)
    d.step("Transpose to numerator layout.", Partial(h_t, H_PREV), numerator.subs(PRE_ACTIVATION, Z_T))
    W, (h0, _), (z,) = explicit_states(2, 1)
    saturated = {sigma_prime(entry): 0 for entry in z}
    d.prove(explicit_step_jacobian(W, z).xreplace(saturated), sp.zeros(2), kind="explicit",
            claim="n = 2, σ'(z_t) = 0: the plain step Jacobian is zero")
    saturated_jacobian = (sp.eye(2) + explicit_step_jacobian(W, z)).xreplace(saturated)
    d.step("Where every unit saturates ($\\sigma' = 0$) the plain step Jacobian is zero, but the "
           "residual one is the identity: the gradient still flows back unchanged.", step_partial(),
           saturated_jacobian)
    d.prove(saturated_jacobian, sp.eye(2), kind="explicit", claim="n = 2, σ'(z_t) = 0: the residual Jacobian is I")
    general = Instance("general n, SymPy's matrix calculus term by term (it cannot differentiate the sum at once)",
                       "symbolic", subs={Z_T: PRE_ACTIVATION}, values={step_partial(): numerator})
    d.result((step_partial(), RESIDUAL_STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),
             at=(general, *explicit_instances(RESIDUAL_MODEL)))


@derivation("remedies.xavier-variance", title="Xavier (Glorot) initialization: variance and uniform bound", cites=("glorot2010",))
def xavier_variance_derivation(d):
    W, V = sp.Symbol("W"), sp.Symbol("V", positive=True)
    variance = sp.Function(r"\operatorname{Var}")(W)
    d.step("Glorot & Bengio (2010): a layer keeps the variance of activations forward if "
           "$n_{\\mathrm{in}} \\operatorname{Var}(W) = 1$ and of gradients backward if "
           "$n_{\\mathrm{out}} \\operatorname{Var}(W) = 1$; they compromise on the average fan.",
           variance, XAVIER_VARIANCE)
    x, a = sp.Symbol("x", real=True), sp.Symbol("a", positive=True)
    density = 1 / (2 * a)
    mean = sp.integrate(x * density, (x, -a, a))
    d.step("$U(-a, a)$ has density $1/(2a)$ on $[-a, a]$; its mean is zero.",
           sp.Integral(x * density, (x, -a, a)), mean)
    d.prove(mean, 0, kind="symbolic", claim="U(−a, a) has mean 0")
    uniform_variance = sp.integrate(x ** 2 * density, (x, -a, a))
    d.step("So its variance is the second moment.", sp.Integral(x ** 2 * density, (x, -a, a)), uniform_variance)
    d.prove(uniform_variance, a ** 2 / 3, kind="symbolic", claim="Var U(−a, a) = a²/3")
    solutions = sp.solve(sp.Eq(uniform_variance, XAVIER_VARIANCE), a)
    d.step("Solve $a^2/3 = 2/(n_{\\mathrm{in}} + n_{\\mathrm{out}})$ for $a > 0$.", a, solutions[0])
    d.check(len(solutions) == 1, kind="symbolic", claim="a²/3 = 2/(n_in + n_out) has exactly one positive root a")
    square = sp.Symbol("n", positive=True, integer=True)
    compromise = Instance("every n_in, n_out: Var(W) solves ½(n_in + n_out) Var(W) = 1 and a is the positive root",
                          "symbolic", values={variance: sp.solve(sp.Eq((FAN_IN + FAN_OUT) / 2 * V, 1), V)[0],
                                              a: solutions[0]})
    fans = {FAN_IN: square, FAN_OUT: square}
    (both,) = sp.solve([sp.Eq(FAN_IN * V, 1).subs(fans), sp.Eq(FAN_OUT * V, 1).subs(fans)], V, dict=True)
    balanced = Instance("n_in = n_out = n: Var(W) solves n_in Var(W) = 1 and n_out Var(W) = 1 together, a as above",
                        "symbolic", subs=fans, values={variance: both[V], a: solutions[0]})
    d.result(("variance", variance, XAVIER_VARIANCE), ("bound", a, XAVIER_BOUND), at=(compromise, balanced))


def _rotation(angle):
    return sp.Matrix([[sp.cos(angle), -sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])


def _reflection(angle):
    return sp.Matrix([[sp.cos(angle), sp.sin(angle)], [sp.sin(angle), -sp.cos(angle)]])


def _spectrum(matrix, *, i: int, singular: bool):
    """The i-th largest singular value (``singular``) or eigenvalue of an explicit matrix."""
    return _descending(sp.ImmutableMatrix(matrix), singular)[i - 1]


@functools.lru_cache(maxsize=64)
def _descending(matrix: sp.ImmutableMatrix, singular: bool) -> tuple:
    """All singular values or eigenvalues of ``matrix``, largest first: by LAPACK for a matrix of floats;
    else exactly, the eigenvalues of the simplified matrix, and the singular values as the square roots of
    those of MᵀM."""
    if matrix.atoms(sp.Float):
        array = np.array(matrix.evalf(), dtype=float)
        values = np.linalg.svd(array, compute_uv=False) if singular else np.linalg.eigvals(array)
        if np.iscomplexobj(values) and np.any(values.imag):
            raise Unresolved("complex eigenvalues have no order")
        return tuple(sp.Float(float(v)) for v in np.sort(values.real)[::-1])
    if singular:
        return tuple(sp.sqrt(v) for v in _descending(sp.ImmutableMatrix(matrix.T * matrix), False))
    simplified = sp.simplify(matrix)
    if simplified.free_symbols and not simplified.is_diagonal():  # SymPy's cubic formulas can run for minutes
        raise Unresolved("the eigenvalues of a full matrix with symbolic entries")
    values = [sp.simplify(v) for v in simplified.eigenvals(multiple=True)]
    if not all(v.is_number and v.is_real for v in values):
        raise Unresolved(f"the spectrum {values} has no order")
    return tuple(sorted(values, reverse=True))


def _orthogonal_instances() -> tuple[Instance, ...]:
    """Q at explicit orthogonal matrices of symbolic angles and at random ones (QR of a Gaussian), one
    instance per index i, with s_i and μ_i their actual i-th largest singular values and eigenvalues."""
    theta, alpha, beta = (sp.Symbol(name, real=True) for name in ("theta", "alpha", "beta"))
    about_x = sp.Matrix([[1, 0, 0], [0, sp.cos(beta), -sp.sin(beta)], [0, sp.sin(beta), sp.cos(beta)]])
    exact = {"rotation by θ": _rotation(theta), "rotation by π/2": _rotation(sp.pi / 2),
             "reflection by θ": _reflection(theta),
             "3×3 rotation about z by α times rotation about x by β": sp.diag(_rotation(alpha), 1) * about_x}
    rng = np.random.default_rng(0)
    cases = [(label, matrix, "explicit", None) for label, matrix in exact.items()]
    cases += [(f"random orthogonal {size}×{size}", sp.Matrix(orthogonal(size, rng)), "numeric", 1e-9)
              for size in ORTHOGONAL_SIZES]
    return tuple(Instance(f"{label}, i = {i}", kind, subs={Q: matrix, n: matrix.rows}, tolerance=tolerance,
                          functions={SINGULAR: functools.partial(_spectrum, i=i, singular=True),
                                     EIGEN: functools.partial(_spectrum, i=i, singular=False)})
                 for label, matrix, kind, tolerance in cases for i in range(1, matrix.rows + 1))


@derivation("remedies.orthogonal-singular-values", title="Orthogonal matrices: every singular value is 1", cites=("saxe2014",))
def orthogonal_singular_values_derivation(d):
    d.step("The singular values of any matrix $Q$ are the square roots of the eigenvalues of $Q^{\\top} Q$.",
           *SINGULAR_VALUES[:2])
    d.step("$Q$ is orthogonal when $Q^{\\top} Q = I$; every eigenvalue of $I$ is 1, so every singular "
           "value is 1 and $\\lVert Q v \\rVert = \\lVert v \\rVert$ for every $v$. Saxe, McClelland & "
           "Ganguli (2014) initialize $W_{hh}$ this way so that the linear part of a step neither "
           "shrinks nor stretches the gradient.", *ORTHOGONALITY)
    theta = sp.Symbol("theta", real=True)
    for name, Q2 in (("rotation", _rotation(theta)), ("reflection", _reflection(theta))):
        d.step(f"Every 2×2 orthogonal matrix is a rotation or a reflection; for the {name}, "
               "$\\cos^2 \\theta + \\sin^2 \\theta = 1$ gives", sp.MatMul(Q2.T, Q2, evaluate=False),
               sp.simplify(Q2.T * Q2))
    d.result(("orthogonal", *ORTHOGONALITY), ("singular", *SINGULAR_VALUES), at=_orthogonal_instances())


@definition("remedies.clipping-rule", title="Gradient clipping by norm (Pascanu et al. 2013)", cites=("pascanu2013",))
def clipping_rule_definition(d):
    d.define(("rule", CLIP, CLIPPING_RULE))


def _clipping_instances() -> tuple[Instance, ...]:
    """``clip_by_norm`` on random gradients from 1e-8 to 1e8, with θ fixed at 1 and at ‖g‖/2 and 2‖g‖."""
    rng, out = np.random.default_rng(0), []
    for scale in CLIPPING_SCALES:
        g = scale * rng.standard_normal(5)
        norm = np.linalg.norm(g)
        for threshold in (1.0, norm / 2, 2 * norm):
            clipped = clip_by_norm(g, threshold)
            out.append(Instance(f"clip_by_norm, ‖g‖ = {norm:.1e}, θ = {threshold:.1e}", "numeric",
                                subs={NORM: sp.Float(norm), THRESHOLD: sp.Float(threshold)},
                                values={G: sp.Matrix(g), CLIP: sp.Matrix(clipped),
                                        CLIP_NORM: sp.Float(np.linalg.norm(clipped))},
                                tolerance=1e-12))
    return tuple(out)


@derivation("remedies.clipping", title="Gradient clipping by norm: it only ever shrinks a gradient",
            uses=("remedies.clipping-rule",), cites=("pascanu2013",))
def clipping_derivation(d):
    d.step("Pascanu, Mikolov & Bengio (2013), Algorithm 1: if $\\lVert g \\rVert \\ge \\theta$, rescale $g$ "
           "to norm $\\theta$; otherwise leave it.", CLIP, CLIPPING_RULE)
    column = sp.Matrix(sp.symbols("g_1:4", real=True))
    c = sp.Symbol("c", positive=True)
    d.prove((c * column).norm(), c * column.norm(), kind="explicit", claim="‖c g‖ = c ‖g‖ for c > 0 (explicit g ∈ ℝ³)")
    d.prove((THRESHOLD * column / column.norm()).norm(), THRESHOLD, kind="explicit",
            claim="‖θ g / ‖g‖‖ = θ (explicit g ∈ ℝ³)")
    d.prove((c * column).dot(column) / (c * column.norm() * column.norm()), 1, kind="explicit",
            claim="by ‖c g‖ = c ‖g‖, c g has cosine 1 with g for c > 0: the direction is kept (explicit g ∈ ℝ³)")
    factor = sp.Piecewise((THRESHOLD / NORM, NORM >= THRESHOLD), (1, True))
    clipped_norm = sp.piecewise_fold(factor * NORM)
    d.step("So clipping multiplies $g$ by a positive factor $c$, and $\\lVert \\operatorname{clip}(g) "
           "\\rVert = c \\lVert g \\rVert$; by $\\lVert \\theta g / \\lVert g \\rVert \\rVert = \\theta$:",
           CLIP_NORM, clipped_norm)
    eps, delta = sp.Symbol("epsilon", nonnegative=True), sp.Symbol("delta", positive=True)
    above, below = {THRESHOLD: NORM * (1 - eps)}, {THRESHOLD: NORM * (1 + delta)}
    regions = {"‖g‖ ≥ θ: θ = ‖g‖ (1 − ε), ε ≥ 0": above, "‖g‖ < θ: θ = ‖g‖ (1 + δ), δ > 0": below}
    d.step("The factor lies in $(0, 1]$: clipping keeps the direction and never increases the norm. "
           "It tames exploding gradients but cannot relieve vanishing ones, which it passes unchanged.",
           CLIP, Juxtaposed(CLIP_FACTOR, G))
    sides = tuple(Instance(f"{name}, every ‖g‖ > 0", "symbolic", subs=region,
                           values={CLIP: CLIPPING_RULE, CLIP_NORM: clipped_norm}) for name, region in regions.items())
    d.result((CLIP_NORM, CLIPPED_NORM), (CLIP, Juxtaposed(CLIP_FACTOR, G)), at=(*sides, *_clipping_instances()))
    for name, region in regions.items():
        d.check(sp.expand(CLIP_FACTOR.subs(region) - 1).is_nonpositive, kind="symbolic", claim=f"{name}: c ≤ 1")
        d.check(sp.expand(CLIPPED_NORM.subs(region) - NORM).is_nonpositive, kind="symbolic",
                claim=f"{name}: ‖clip(g)‖ ≤ ‖g‖")
    d.prove(CLIP_FACTOR.subs(below), 1, kind="symbolic",
            claim="‖g‖ < θ: clip(g) = g, a small gradient is unchanged")
    d.check(CLIP_FACTOR.is_positive, kind="symbolic", claim="c > 0, so c ∈ (0, 1]")


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
