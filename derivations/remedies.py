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
from . import lemmas
from .instances import Instance, Unresolved, evaluate, substitute
from .notation import AtMost, Juxtaposed, Norm, Partial, Power, Transposed, at, elementwise
from .numeric import Shapes, check_activation, concrete, generator, integer, lambdify_matrix, positive
from .registry import definition, derivation
from .rnn import (B_H, H_PREV, MODEL, PRE_ACTIVATION, SIGMA_PRIME, STATE, STEP_JACOBIAN, W_HH, W_XH, X_T, Z_T,
                  explicit_states, explicit_step_jacobian, m, n, sigma_prime, t)
from .rnn import _u as _u_rnn
from .rnn import step_jacobian as rnn_step_jacobian
from .notation import sigma

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


GAMMA = sp.Symbol("gamma", positive=True)
"""γ = sup |σ'|, as ``bounds.step-norm`` names it."""
K_SPAN = sp.Symbol("k", integer=True, positive=True)
SLOPES_T = DiagMatrix(elementwise(SIGMA_PRIME, at("z", t, (n, 1))))
"""diag(σ'(z_t)), the diagonal factor of the step Jacobian J_t = diag(σ'(z_t)) W_hh."""
STEP_J = at("J", t, (n, n))
ORTHOGONAL_STEP = {
    "gram": (STEP_J * STEP_J.T, SLOPES_T * W_HH * W_HH.T * SLOPES_T, sp.MatPow(SLOPES_T, 2)),
    "norm": (Norm(STEP_J), Norm(SLOPES_T), AtMost(GAMMA)),
    "linear": (Juxtaposed(Transposed(Partial(at("h", t + K_SPAN), at("h", t))), Partial(at("h", t + K_SPAN), at("h", t))),
               Juxtaposed(Transposed(sp.MatPow(W_HH, K_SPAN)), sp.MatPow(W_HH, K_SPAN)), sp.Identity(n)),
}
"""The displayed result of ``remedies.orthogonal-step-jacobian``, by clause name: with W_hh orthogonal, J_t J_tᵀ is
diag(σ'(z_t))², so the singular values of J_t are the |σ'(z_{t,i})|; and with σ the identity every span keeps norms."""
ORTHOGONAL_SPANS = (1, 2, 3)
"""k at which the linear span is proved on explicit orthogonal matrices with symbolic angles (the 3×3 one up to 2)."""


def _orthogonal_step_instances() -> tuple[Instance, ...]:
    """J_t = diag(σ'(z_t)) W_hh (rnn.step-jacobian) at explicit orthogonal W_hh with symbolic angles and symbolic z_t
    and a generic σ; at random orthogonal W_hh, n = 1 … 8, with tanh and sigmoid, by the numeric API; and linear
    networks h_{j} = W_hh h_{j-1} + u_j unrolled from h_0 at explicit orthogonal W_hh."""
    theta, beta = sp.Symbol("theta", real=True), sp.Symbol("beta", real=True)
    about_x = sp.Matrix([[1, 0, 0], [0, sp.cos(beta), -sp.sin(beta)], [0, sp.sin(beta), sp.cos(beta)]])
    exact = {"rotation by θ": _rotation(theta), "reflection by θ": _reflection(theta),
             "rotation about z by θ times rotation about x by β": sp.diag(_rotation(theta), 1) * about_x}
    out = []
    for label, W in exact.items():
        size = W.rows
        z = sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"z_{a}"))
        out.append(Instance(f"{label}, symbolic z_t, every σ", "explicit", subs={n: size, W_HH: W},
                            values={at("J", t, (size, size)): explicit_step_jacobian(W, z),
                                    at("z", t, (size, 1)): z}))
        for steps in ORTHOGONAL_SPANS[:2] if size > 2 else ORTHOGONAL_SPANS:  # simplify gives up on a 3×3 cube
            states = [sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"h_{a}"))]
            for j in range(1, steps + 1):
                states.append(W * states[-1] + sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"u_{j}{a}")))
            out.append(Instance(f"{label}, σ the identity, k = {steps}", "explicit",
                                subs={n: size, W_HH: W, t: 0, K_SPAN: steps},
                                values={at("h", j): state for j, state in enumerate(states)}))
    rng = np.random.default_rng(3)
    for size in ORTHOGONAL_SIZES:
        for name in ("tanh", "sigmoid"):
            W = orthogonal(size, rng)
            W_xh, b_h, h_prev, x_t = (rng.standard_normal(shape) for shape in ((size, 2), size, size, 2))
            b_h = b_h * 3
            z = W @ h_prev + W_xh @ x_t + b_h
            J = rnn_step_jacobian(W, W_xh, b_h, h_prev, x_t, name)
            out.append(Instance(f"random orthogonal {size}×{size}, {name}", "numeric",
                                subs={n: size, W_HH: sp.Matrix(W), SIGMA_PRIME: sp.Lambda(act.x, act.STABLE[name])},
                                values={at("J", t, (size, size)): sp.Matrix(J), at("z", t, (size, 1)): sp.Matrix(z),
                                        GAMMA: act.SUPREMUM[name]}, tolerance=1e-12))
    return tuple(out)


@derivation("remedies.orthogonal-step-jacobian", title="Orthogonal W_hh: the slopes are the singular values",
            uses=("activation.functions", "rnn.model", "rnn.step-jacobian", "rnn.span-jacobian", "bounds.norm-facts",
                  "bounds.step-norm",
                  "bounds.linear-spectral-radius", "remedies.orthogonal-singular-values"),
            cites=("saxe2014", "arjovsky2016", "vorontsov2017"))
def orthogonal_step_jacobian_derivation(d):
    Wt = W_HH
    d.step("The step Jacobian is the slopes times $W_{hh}$ (rnn.step-jacobian); multiply it by its transpose. A "
           "diagonal matrix is its own transpose.", STEP_J * STEP_J.T, SLOPES_T * Wt * Wt.T * SLOPES_T)
    gram = (SLOPES_T * Wt) * (SLOPES_T * Wt).T
    d.prove(gram.doit(), SLOPES_T * Wt * Wt.T * SLOPES_T, kind="symbolic",
            claim="(D W)(D W)^⊤ = D W W^⊤ D for diagonal D, general n")
    d.step("An orthogonal $W_{hh}$ has $W_{hh}^{\\top} W_{hh} = I$ (remedies.orthogonal-singular-values); for a "
           "square matrix a left inverse is also a right inverse, so $W_{hh} W_{hh}^{\\top} = I$ too, and the "
           "weights drop out.", SLOPES_T * Wt * Wt.T * SLOPES_T, sp.MatPow(SLOPES_T, 2))
    d.prove(gram.doit().subs(Wt * Wt.T, sp.Identity(n)), sp.MatPow(SLOPES_T, 2), kind="symbolic",
            claim="W W^⊤ = I gives J_t J_t^⊤ = diag(σ'(z_t))², general n")
    d.step("The singular values of $J_t$ are the square roots of the eigenvalues of $J_t J_t^{\\top}$, here the "
           "diagonal entries $\\sigma'(z_{t,i})^2$: they are exactly the $|\\sigma'(z_{t,i})|$. The largest is the "
           "spectral norm, the norm of the diagonal factor, at most $\\gamma$ (bounds.step-norm, bounds.norm-facts): "
           "the weights no longer stretch anything, and only the slopes shrink.", Norm(STEP_J), Norm(SLOPES_T))
    d.lemma(lemmas.DIAGONAL_NORM, claim="‖diag(σ'(z_t))‖₂ = max_i |σ'(z_(t,i))|")
    d.step("With $\\sigma$ the identity every slope is 1 and the span Jacobian is $W_{hh}^k$ "
           "(rnn.span-jacobian, bounds.linear-spectral-radius). Base case $k = 1$ is orthogonality; inductive step: "
           "if $P = W_{hh}^k$ has $P^{\\top} P = I$, then so does $W_{hh} P$.",
           (Wt * sp.MatrixSymbol("P", n, n)).T * (Wt * sp.MatrixSymbol("P", n, n)), sp.Identity(n))
    P = sp.MatrixSymbol("P", n, n)
    step_up = ((Wt * P).T * (Wt * P)).doit()
    d.prove(step_up.subs(Wt.T * Wt, sp.Identity(n)).subs(P.T * P, sp.Identity(n)), sp.Identity(n), kind="induction",
            claim="W^⊤W = I and P^⊤P = I give (W P)^⊤ (W P) = I, so (W^k)^⊤ W^k = I for every k, general n")
    d.step("So every singular value of a linear orthogonal RNN's span Jacobian is 1: the gradient keeps its norm "
           "over any number of steps. Arjovsky, Shah and Bengio (2016) and Vorontsov et al. (2017) keep "
           "$W_{hh}$ unitary or close to orthogonal during training for this reason.",
           *ORTHOGONAL_STEP["linear"][::2])
    d.result(*((name, *parts) for name, parts in ORTHOGONAL_STEP.items()), at=_orthogonal_step_instances())


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


DELTA = sp.MatrixSymbol(r"\delta_t", n, 1)
"""δ_t = ∂L/∂h_t, the error arriving at h_t from the loss."""
OMEGA = at(r"\Omega", t)
V_T = sp.MatrixSymbol("v_t", n, 1)
SIGMA_SECOND = sp.Function(r"\sigma''")
_w = sp.Dummy("w")
SECOND = sp.Lambda(_w, SIGMA_SECOND(_w))
"""σ'' entry by entry; an instance replaces σ'' by the second derivative of its σ."""
SLOPES = DiagMatrix(elementwise(SIGMA_PRIME, Z_T))
BACK = W_HH.T * SLOPES * DELTA
"""v_t = J_tᵀ δ_t = W_hhᵀ diag(σ'(z_t)) δ_t, the error carried back one step: ∂L/∂h_{t-1}'s share from later steps."""


class Ratio(sp.Expr):
    """``num / den`` printed as a fraction (notation only: ``doit`` divides). SymPy prints a quotient of notation
    objects, which it does not know to commute, with a power −1."""

    def __new__(cls, num, den):
        return super().__new__(cls, sp.sympify(num), sp.sympify(den))

    def doit(self, **hints):
        num, den = (a.doit(**hints) if isinstance(a, sp.Basic) else a for a in self.args)
        return num / den

    def _latex(self, printer):
        num, den = (printer._print(a) for a in self.args)
        return rf"\frac{{{num}}}{{{den}}}"


class Parenthesized(Juxtaposed):
    """``(expr)``, for a sum that is a factor: one factor juxtaposed, which the engine evaluates as that factor."""

    def _latex(self, printer):
        return rf"\left({printer._print(self.args[0])}\right)"


def _norm_ratio_term(carried):
    """(‖carried‖₂/‖δ_t‖₂ − 1)², one term of Pascanu et al.'s regularizer."""
    return Power(sp.Add(Ratio(carried, Norm(DELTA)), -1, evaluate=False), 2)


PASCANU_TERM = _norm_ratio_term(Norm(Juxtaposed(Transposed(Partial(at("h", t), at("h", t - 1))), DELTA)))
"""Pascanu, Mikolov & Bengio's Ω_t with our step Jacobian ∂h_t/∂h_{t-1} (their eq. for Ω, in our notation)."""
REGULARIZER = {
    "term": (OMEGA, PASCANU_TERM, _norm_ratio_term(Norm(BACK))),
    "v": (V_T, BACK),
    "gradient": (Partial(OMEGA, W_HH),
                 Juxtaposed(Ratio(Juxtaposed(2, Parenthesized(sp.Add(Ratio(Norm(V_T), Norm(DELTA)), -1, evaluate=False))),
                                  Juxtaposed(Norm(DELTA), Norm(V_T))),
                            Parenthesized(sp.MatAdd(
                                SLOPES * DELTA * V_T.T,
                                DiagMatrix(sp.HadamardProduct(DELTA, elementwise(SECOND, Z_T))) * W_HH * V_T * H_PREV.T,
                                evaluate=False)))),
}
"""The displayed result of ``remedies.pascanu-regularizer``: one term, the error carried back, and the term's
gradient with δ_t and h_{t-1} held fixed."""
REGULARIZER_SIZES = (1, 2)
"""n at which the regularizer's gradient is proved on explicit symbolic matrices."""


def _euclidean(column) -> sp.Expr:
    return sp.sqrt(sum(entry ** 2 for entry in column))


def _with_norms(instance: Instance, *columns) -> Instance:
    """``instance`` with each ‖column‖₂ given as the square root of its sum of squares: the spectral norm of one
    column, which the engine leaves unresolved while the entries are symbols."""
    values = dict(instance.values)
    for column in columns:
        values[substitute(Norm(column), instance.subs)] = _euclidean(evaluate(column, instance))
    return Instance(instance.label, instance.kind, subs=instance.subs, values=values, functions=instance.functions,
                    explicit=instance.explicit, tolerance=instance.tolerance)


def _regularizer_instances() -> tuple[Instance, ...]:
    """Explicit n×n matrices of symbols with a generic σ: Ω_t as Pascanu et al. define it, with ∂h_t/∂h_{t-1}
    differentiated from the model, and its gradient by differentiating that in the entries of W_hh (δ_t and h_{t-1}
    are separate symbols, so they are held fixed); and random tanh and sigmoid networks, with ∂h_t/∂h_{t-1} from the
    numeric API and the gradient by complex-step differentiation of Ω_t."""
    out = []
    second = {SIGMA_SECOND: sp.Lambda(_w, sp.Subs(sp.Derivative(sigma(_u_rnn), (_u_rnn, 2)), _u_rnn, _w))}
    step_jacobian = Partial(at("h", t), at("h", t - 1))
    carried = Juxtaposed(Transposed(step_jacobian), DELTA)
    for size in REGULARIZER_SIZES:
        base = Instance(f"explicit n = {size}, every σ", "explicit", subs={Z_T: PRE_ACTIVATION, n: size, m: 1},
                        values={at("h", t): MODEL, at("h", t - 1): H_PREV, V_T.subs(n, size): BACK},
                        functions=second, explicit=True)
        base = _with_norms(base, DELTA, carried, BACK, V_T)
        omega = substitute(PASCANU_TERM, base.subs)
        out.append(Instance(base.label, "explicit", subs=base.subs, values={**base.values, OMEGA: omega},
                            functions=second, explicit=True))
    rng = np.random.default_rng(5)
    for index, (name, size) in enumerate(itertools.product(("tanh", "sigmoid"), (1, 2, 3, 5))):
        W_hh = rng.standard_normal((size, size)) / np.sqrt(size) * (1 + index % 3)
        W_xh, b_h, h_prev, x_t, delta = (rng.standard_normal(shape) for shape in ((size, 2), size, size, 2, size))
        omega, gradient = _complex_regularizer(name, W_hh, W_xh, b_h, h_prev, x_t, delta)
        J = rnn_step_jacobian(W_hh, W_xh, b_h, h_prev, x_t, name)
        subs = {n: size, m: 2, Z_T: PRE_ACTIVATION, W_HH: sp.ImmutableMatrix(W_hh), W_XH: sp.Matrix(W_xh),
                B_H: sp.Matrix(b_h), H_PREV: sp.Matrix(h_prev), X_T: sp.Matrix(x_t), DELTA: sp.Matrix(delta),
                SIGMA_PRIME: sp.Lambda(act.x, act.STABLE[name])}
        out.append(Instance(f"{name}, n = {size}, random network {index}", "numeric", subs=subs,
                            values={OMEGA: sp.Float(omega), step_jacobian: sp.Matrix(J), V_T.subs(n, size): BACK,
                                    substitute(Partial(OMEGA, W_HH), subs): sp.Matrix(gradient)},
                            functions={SIGMA_SECOND: sp.Lambda(act.x, sp.diff(act.DEFINITIONS[name], act.x, 2))},
                            tolerance=1e-10))
    return tuple(out)


_COMPLEX_SLOPES = {"tanh": lambda z: 1 / np.cosh(z) ** 2,
                   "sigmoid": lambda z: (1 + np.tanh(z / 2)) * (1 - np.tanh(z / 2)) / 4}
"""tanh' and σ' = σ(z)σ(−z), written with functions that accept a complex argument."""


def _complex_regularizer(name, W_hh, W_xh, b_h, h_prev, x_t, delta) -> tuple[float, np.ndarray]:
    """Ω_t and its gradient in W_hh by complex-step differentiation, with δ_t and h_{t-1} held fixed."""
    def omega(W):
        carried = W.T @ (_COMPLEX_SLOPES[name](W @ h_prev + W_xh @ x_t + b_h) * delta)
        return (np.sqrt(np.sum(carried ** 2)) / np.sqrt(np.sum(delta ** 2)) - 1) ** 2
    step = 1e-30
    gradient = np.zeros_like(W_hh)
    for index in np.ndindex(W_hh.shape):
        bumped = W_hh.astype(complex)
        bumped[index] += 1j * step
        gradient[index] = omega(bumped).imag / step
    return float(omega(W_hh)), gradient


@derivation("remedies.pascanu-regularizer", title="Pascanu et al.'s regularizer for vanishing gradients",
            uses=("activation.functions", "rnn.model", "rnn.step-jacobian", "rnn.hidden-gradient", "bounds.pascanu-model"),
            cites=("pascanu2013",))
def pascanu_regularizer_derivation(d):
    d.step("Write $\\delta_t$ for $\\partial L / \\partial h_t$. By rnn.hidden-gradient the error that reaches "
           "$h_{t-1}$ from later steps is the transposed step Jacobian times $\\delta_t$; by rnn.step-jacobian:",
           V_T, BACK)
    d.step("Pascanu, Mikolov and Bengio (2013) add $\\Omega = \\sum_t \\Omega_t$ to the cost, one term per "
           "step, which asks the step Jacobian to keep the norm of the error it carries back, in the direction "
           "of that error only, not in every direction. They write it for their state (bounds.pascanu-model); in "
           "ours, with rnn.model's step:", OMEGA, REGULARIZER["term"][2])
    x, a = sp.Symbol("x", nonnegative=True), sp.Symbol("a", positive=True)
    d.check(sp.solve((x / a - 1) ** 2, x) == [a], kind="symbolic",
            claim="(x/a − 1)² = 0 exactly when x = a, for x ≥ 0 and a > 0")
    d.step("A square is zero only where its base is, so $\\Omega_t = 0$ exactly when "
           "$\\lVert v_t \\rVert_2 = \\lVert \\delta_t \\rVert_2$: the step passes the error back with its norm "
           "unchanged. It grows as the norm ratio moves away from 1 either way, so it penalizes a step that "
           "stretches the error as well as one that shrinks it.",
           sp.Equivalent(sp.Eq(OMEGA, 0, evaluate=False), sp.Eq(Norm(V_T), Norm(DELTA), evaluate=False)))
    d.step("Pascanu et al. treat $\\delta_t$ as a constant when they differentiate $\\Omega_t$; we also hold "
           "$h_{t-1}$ fixed, so the gradient counts only this step's use of $W_{hh}$, directly in "
           "$W_{hh}^{\\top}$ and through $z_t = W_{hh} h_{t-1} + \\dots$ in the slopes. SymPy differentiates "
           "$\\Omega_t$ entry by entry for $n = 1, 2$:", *REGULARIZER["gradient"])
    d.result(*((name, *parts) for name, parts in REGULARIZER.items()), at=_regularizer_instances())


def pascanu_regularizer(W_hh, W_xh, b_h, h_prev, x_t, delta, activation: str = "tanh") -> tuple[float, np.ndarray]:
    """Ω_t and ∂Ω_t/∂W_hh with δ_t = ``delta`` and h_{t-1} held fixed (``remedies.pascanu-regularizer``): the
    displayed closed forms, evaluated at these numbers by the same engine that proves them."""
    shapes = Shapes()
    W_hh = shapes.array("W_hh", W_hh, ("n", "n"))
    W_xh = shapes.array("W_xh", W_xh, ("n", "m"))
    b_h = shapes.array("b_h", b_h, ("n",))
    h_prev = shapes.array("h_prev", h_prev, ("n",))
    x_t = shapes.array("x_t", x_t, ("m",))
    delta = shapes.array("delta", delta, ("n",))
    name = check_activation(activation)
    size, inputs = W_xh.shape
    subs = {n: size, m: inputs, Z_T: PRE_ACTIVATION, W_HH: sp.ImmutableMatrix(W_hh), W_XH: sp.Matrix(W_xh),
            B_H: sp.Matrix(b_h), H_PREV: sp.Matrix(h_prev), X_T: sp.Matrix(x_t), DELTA: sp.Matrix(delta),
            SIGMA_PRIME: sp.Lambda(act.x, act.STABLE[name])}
    here = Instance("numbers", "numeric", subs=subs, values={V_T.subs(n, size): BACK},
                    functions={SIGMA_SECOND: sp.Lambda(act.x, sp.diff(act.DEFINITIONS[name], act.x, 2))})
    term = float(evaluate(REGULARIZER["term"][2], here))
    gradient = np.array(evaluate(REGULARIZER["gradient"][1], here).evalf(), dtype=float)
    return term, gradient


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
