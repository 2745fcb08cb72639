"""Norm bounds on RNN Jacobians: why long spans vanish, and when they cannot explode.

``bounds.spectral-norm`` defines the norm. The standard facts about it that the bounds use
(submultiplicativity, ‖Aᵀ‖₂ = ‖A‖₂, ‖Av‖₂ ≤ ‖A‖₂ ‖v‖₂, ‖diag(d)‖₂ = max |dᵢ|, ρ(A) ≤ ‖A‖₂) are cited
lemmas (``derivations/lemmas.py``), checked on random matrices; ``bounds.norm-facts`` proves them as
displayed at random instances. Each displayed bound is proved at numeric instances: sigmoid and tanh
networks with random, saturated (σ' below 1e-20 or about 1e-10) and maximal (σ' = γ) slopes, and W_hh
scaled by 1e-6 and 1e6.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import sympy as sp
from sympy.calculus.util import function_range
from sympy.matrices.expressions.diagonal import DiagMatrix

from . import activation as act
from . import lemmas, rnn
from .instances import Instance, evaluate, substitute
from .notation import (AtMost, Chain, Juxtaposed, Maximum, Norm, OrderedProduct, Partial, Power, at, elementwise,
                       latex, sigma)
from .registry import definition, derivation

t, j, n, m = rnn.t, rnn.j, rnn.n, rnn.m
k = sp.Symbol("k", integer=True, positive=True)
i = sp.Symbol("i")
s = sp.Symbol("s", positive=True)
GAMMA = sp.Symbol("gamma", positive=True)
LAMBDA_1 = sp.Symbol("lambda_1", positive=True)
W_HH = rnn.W_HH
DIAG = DiagMatrix(elementwise(rnn.SIGMA_PRIME, rnn.Z_T))
"""diag(σ'(z_t)), the left factor of the step Jacobian J_t = diag(σ'(z_t)) W_hh."""
rho = sp.Function("rho", real=True)
"""The spectral radius ρ(A) = max |μᵢ|, the largest absolute value of an eigenvalue of a square A."""

THRESHOLD = {"sigmoid": sp.Integer(4), "tanh": sp.Integer(1), "relu": sp.Integer(1)}
"""The stated 1/γ per activation: λ₁ below it makes long spans vanish (``bounds.pascanu-conditions``)."""

TOLERANCE = 1e-10
"""Relative tolerance of the numeric instances. The values compared are norms of products of at most six
5×5 float64 factors, computed two ways; their rounding errors are about 1e-15 relative."""


def h(time):
    """The hidden state h at ``time``."""
    return at("h", time)


def J(time):
    """The step Jacobian J at ``time``."""
    return at("J", time)


def spectral_norm(M: sp.Matrix):
    """‖M‖₂ of an explicit matrix: the largest singular value, √ of an eigenvalue of MᵀM."""
    return sp.Max(*[sp.sqrt(value) for value in (M.T * M).eigenvals()])


def derivative_range(name: str) -> sp.Set:
    """The set of values σ' takes on the real line."""
    derivative = act.DERIVATIVES[name].rewrite(sp.Piecewise)
    if derivative.has(sp.Piecewise):
        return sp.imageset(sp.Lambda(act.x, derivative), sp.Reals)
    return function_range(derivative, act.x, sp.Reals)


def chain(*parts):
    """``parts[0] ≤ parts[1] ≤ …`` printed as one relation, for a step (a result joins its parts with
    :class:`AtMost`, which the engine proves)."""
    relation = parts[0]
    for part in parts[1:]:
        relation = sp.Le(relation, part, evaluate=False)
    return relation


# --- The spectral norm: its definition, and the standard facts the bounds rest on ---

class MaxOverNonzero(sp.Expr):
    """``max_{v ≠ 0} num / den`` (notation only)."""

    def __new__(cls, num, den, var):
        return super().__new__(cls, *map(sp.sympify, (num, den, var)))

    def _latex(self, printer):
        num, den, var = (printer._print(a) for a in self.args)
        return rf"\max_{{{var} \neq 0}} \frac{{{num}}}{{{den}}}"


class LargestSingularValue(sp.Expr):
    """``σ_max(A)``, the largest singular value of A (notation only)."""

    def __new__(cls, matrix):
        return super().__new__(cls, sp.sympify(matrix))

    def _latex(self, printer):
        return rf"\sigma_{{\max}}\left({printer._print(self.args[0])}\right)"


A = sp.MatrixSymbol("A", m, n)
B = sp.MatrixSymbol("B", n, rnn.p)
V = sp.MatrixSymbol("v", n, 1)
G = sp.MatrixSymbol("g", m, 1)
D = sp.MatrixSymbol("d", n, 1)
A_SQUARE = sp.MatrixSymbol("A", n, n)
"""Generic matrices: A is m×n, B n×p, v and d columns of length n, g one of length m; the spectral
radius needs a square A."""
ENTRIES_D = sp.IndexedBase("d")
MAX_ABS_D = Maximum(sp.Abs(ENTRIES_D[i]), i)
"""max_i |d_i|, the largest absolute entry of d."""


@definition("bounds.spectral-norm", title="The spectral norm")
def spectral_norm_definition(d):
    d.define(("definition", Norm(A), MaxOverNonzero(Norm(A * V), Norm(V), V)),
             ("singular", Norm(A), LargestSingularValue(A)))


NORM_FACTS = {
    "submultiplicative": (Norm(A * B), AtMost(Juxtaposed(Norm(A), Norm(B)))),
    "transpose": (Norm(A.T), Norm(A)),
    "operator": (Norm(A.T * G), AtMost(Juxtaposed(Norm(A), Norm(G)))),
    "diagonal": (Norm(DiagMatrix(D)), MAX_ABS_D),
    "radius": (rho(A_SQUARE), AtMost(Norm(A_SQUARE))),
}
"""The facts ``bounds.norm-facts`` displays, by clause name."""
FACT_LEMMAS = {"submultiplicative": (lemmas.SUBMULTIPLICATIVE,), "transpose": (lemmas.TRANSPOSE_NORM,),
               "operator": (lemmas.OPERATOR_BOUND, lemmas.TRANSPOSE_NORM), "diagonal": (lemmas.DIAGONAL_NORM,),
               "radius": (lemmas.RADIUS_BELOW_NORM,)}
"""The cited lemmas each fact rests on (the operator bound applied to Aᵀ, whose norm is A's)."""


def fact_instances(count: int = 40, seed: int = 1) -> tuple[Instance, ...]:
    """Random A, B, g, d and a square A, sizes 1 to 5 (d up to 8), each drawn as lemmas.py draws: Gaussian at a
    scale from 1e-8 to 1e8, badly scaled, rank-deficient, strictly triangular, or a saturated diagonal
    (entries exactly 0, about 1e-12, or γ). ρ stands for its definition, the largest |eigenvalue|."""
    out = []
    for index in range(count):
        rng = np.random.default_rng((seed, index))
        rows, cols, inner, side = (int(size) for size in rng.integers(1, 6, 4))
        drawn = {A: lemmas.matrix(rng, rows, cols, "A"), B: lemmas.matrix(rng, cols, inner, "B"),
                 G: lemmas.matrix(rng, rows, 1, "g"), A_SQUARE: lemmas.matrix(rng, side, side, "square A")}
        d = lemmas.diagonal(rng)[0].array
        d = d * rng.choice((-1.0, 1.0), size=d.shape)  # signed entries: the |·| in max_i |d_i| matters
        values = {symbol: sp.Matrix(case.array) for symbol, case in drawn.items()}
        values.update({D: sp.Matrix(d), ENTRIES_D: sp.Matrix(d),
                       rho(A_SQUARE): sp.Float(np.max(np.abs(np.linalg.eigvals(drawn[A_SQUARE].array))))})
        out.append(Instance(f"random case {index} ({drawn[A].kind} A)", "lemma", values=values, tolerance=TOLERANCE))
    return tuple(out)


@derivation("bounds.norm-facts", title="Facts about the spectral norm")
def norm_facts(d):
    for name, cited in FACT_LEMMAS.items():
        for lemma in cited:
            d.lemma(lemma, claim=f"{name}: {lemma.name}")
    d.result(*((name, *parts) for name, parts in NORM_FACTS.items()), at=fact_instances())


# --- Numeric networks: the cases at which the bounds are proved as displayed ---

ACTIVATIONS = ("sigmoid", "tanh")
REGIMES = ("random", "saturated", "tiny slopes", "at the bound", "orthogonal at the bound", "W_hh × 1e-6",
           "W_hh × 1e6", "W_hh × 1e6 at the bound")
"""How a numeric network is drawn. Saturated: a bias that puts σ' below 1e-20 (where 1 − σ(z) or
1 − tanh²(z) would round to 0; the numeric API's forms do not); tiny slopes: σ' about 1e-10; at the bound: z_t = 0 at every step, so σ'(z_t) = γ; orthogonal at the bound: W_hh = 3Q, Q
orthogonal, where every inequality of the bounds is an equality."""
SATURATING_BIAS = {"sigmoid": (60.0, 22.0), "tanh": (40.0, 12.0)}
"""Biases for the saturated regime (σ' below 1e-20) and the tiny-slopes one (σ' about 1e-10)."""
SLOPES = {name: sp.Lambda(act.x, act.STABLE[name]) for name in ACTIVATIONS}
"""σ' of each activation (activation.*-derivative), substituted for the generic σ' of the display."""


@dataclass(frozen=True)
class Network:
    """A concrete RNN run from h0 over the inputs xs (one row per step)."""

    label: str
    activation: str
    W_hh: np.ndarray
    W_xh: np.ndarray
    b_h: np.ndarray
    h0: np.ndarray
    xs: np.ndarray

    def pre_activation(self) -> np.ndarray:
        """z_1 = W_hh h_0 + W_xh x_1 + b_h."""
        return self.W_hh @ self.h0 + self.W_xh @ self.xs[0] + self.b_h

    def unrolled(self) -> tuple[list[np.ndarray], np.ndarray]:
        """The states h_0 … h_k and ∂h_k/∂h_0, by complex-step differentiation of the unrolled states: one
        column per unit, each started at h_0 plus a tiny imaginary multiple of that unit's basis vector. This
        is independent of the product of step Jacobians, and exact to rounding since no difference is taken;
        the step keeps every imaginary part below 1e-20, far inside the linear regime. Every column follows
        the same real trajectory, whose states are returned."""
        gamma = float(act.SUPREMUM[self.activation])
        size = len(self.h0)
        step = 1e-20 / max(1.0, gamma * np.linalg.norm(self.W_hh, 2)) ** len(self.xs)
        # the sigmoid as (1 + tanh(z/2))/2: the same function, and free of overflow at a complex argument
        activate = {"tanh": np.tanh, "sigmoid": lambda z: (1 + np.tanh(z / 2)) / 2}[self.activation]
        columns = self.h0[:, None] + 1j * step * np.eye(size)
        states = [self.h0]
        for x in self.xs:
            columns = activate(self.W_hh @ columns + (self.W_xh @ x + self.b_h)[:, None])
            states.append(columns[:, 0].real)
        return states, columns.imag / step

    def step_jacobians(self, states: list[np.ndarray]) -> list[np.ndarray]:
        """J_1, J_2, … by the numeric API (rnn.step-jacobian), J_s at states[s - 1] and x_s."""
        return [rnn.step_jacobian(self.W_hh, self.W_xh, self.b_h, state, x, self.activation)
                for state, x in zip(states, self.xs)]


def network(activation: str, regime: str, size: int, steps: int, seed: int) -> Network:
    """A network of ``size`` units and 2 inputs over ``steps`` steps, drawn in ``regime`` (see :data:`REGIMES`)."""
    rng = np.random.default_rng(seed)
    W_hh = rng.standard_normal((size, size)) / np.sqrt(size) * 10 ** rng.uniform(-1, 1)
    W_xh, xs = rng.standard_normal((size, 2)), rng.standard_normal((steps, 2))
    b_h, h0 = rng.standard_normal(size), rng.uniform(-1, 1, size)
    saturated, tiny = SATURATING_BIAS[activation]
    if regime == "saturated":
        b_h = np.full(size, saturated)
    elif regime == "tiny slopes":
        b_h = np.full(size, tiny)
    elif regime == "orthogonal at the bound":
        W_hh = 3 * np.linalg.qr(W_hh)[0]
    elif regime.startswith("W_hh × 1e"):
        W_hh = W_hh / np.linalg.norm(W_hh, 2) * (1e-6 if "1e-6" in regime else 1e6)
    if regime.endswith("at the bound"):  # start at σ(0) and cancel the rest: z_t = 0 at every step
        grid = 2.0 ** (np.floor(np.log2(np.abs(W_hh).max())) - 30)  # W_hh h_0 is then exact, so z_t is exactly 0
        W_hh = np.round(W_hh / grid) * grid
        h0 = np.full(size, float(act.DEFINITIONS[activation].subs(act.x, 0)))
        xs, b_h = np.zeros_like(xs), -W_hh @ h0
    return Network(f"{activation}, {regime}, n = {size}, k = {steps}", activation, W_hh, W_xh, b_h, h0, xs)


def networks(per_regime: int = 3) -> list[Network]:
    """``per_regime`` networks per activation and regime, sizes n = 1 … 5 and spans k = 1 … 6 in turn."""
    cases = [(a, r, c) for a in ACTIVATIONS for r in REGIMES for c in range(per_regime)]
    return [network(a, r, index % 5 + 1, index % 6 + 1, seed=index) for index, (a, r, _) in enumerate(cases)]


def _known(net: Network) -> dict:
    """W_hh and γ of a network, as instance values."""
    return {W_HH: sp.Matrix(net.W_hh), GAMMA: act.SUPREMUM[net.activation]}


# --- The bounds ---

STEP_NORM = (Norm(J(t)), Norm(DIAG * W_HH), AtMost(Juxtaposed(Norm(DIAG), Norm(W_HH))),
             AtMost(Juxtaposed(GAMMA, Norm(W_HH))))
"""The displayed bound on one step's Jacobian."""


def step_instances() -> tuple[Instance, ...]:
    """Each network's first step: J_t by the numeric API, z_t, W_hh, γ, and σ' of its activation."""
    return tuple(Instance(net.label, "lemma", subs={rnn.SIGMA_PRIME: SLOPES[net.activation]},
                          values={J(t): sp.Matrix(net.step_jacobians([net.h0])[0]),
                                  rnn.Z_T: sp.Matrix(net.pre_activation()), **_known(net)}, tolerance=TOLERANCE)
                 for net in networks())


@derivation("bounds.step-norm", title="Norm of one step's Jacobian",
            uses=("activation.functions", "rnn.model", "rnn.step-jacobian", "bounds.norm-facts"))
def step_norm(d):
    d.step("The step Jacobian is a diagonal matrix times $W_{hh}$ (rnn.step-jacobian).", J(t), DIAG * W_HH)
    d.step("The spectral norm $\\lVert A \\rVert_2$ is the largest singular value of $A$, the square root of "
           "the largest eigenvalue of $A^{\\top} A$. For a diagonal matrix $A^{\\top} A$ is diagonal with "
           "entries $d_i^2$, so its singular values are $|d_i|$; SymPy shows this for $n = 2, 3$.",
           Norm(DIAG), Maximum(sp.Abs(rnn.sigma_prime(sp.Symbol("z_{t,i}"))), i))
    for size in (2, 3):
        entries = sp.symbols(f"d_1:{size + 1}", real=True)
        diagonal = sp.diag(*entries)
        d.prove(diagonal.T * diagonal, sp.diag(*[e**2 for e in entries]), kind="explicit",
                claim=f"n = {size}: diag(d)ᵀ diag(d) = diag(d_i²)")
        d.prove(spectral_norm(diagonal), sp.Max(*map(sp.Abs, entries)), kind="explicit",
                claim=f"n = {size}: ‖diag(d)‖₂ = max |d_i|")
    d.lemma(lemmas.DIAGONAL_NORM, claim="‖diag(σ'(z_t))‖₂ = max_i |σ'(z_(t,i))| for every n")
    d.step("Each $|\\sigma'|$ is at most $\\gamma$: $1/4$ for the sigmoid, $1$ for tanh and ReLU "
           "(activation.*-derivative). SymPy finds the range of each $\\sigma'$ on the real line.",
           chain(Norm(DIAG), GAMMA))
    for name, gamma in act.SUPREMUM.items():
        values = derivative_range(name)
        d.check(values.inf >= 0, kind="symbolic", claim=f"{name}' ≥ 0, so |{name}'| = {name}'")
        d.prove(values.sup, gamma, kind="symbolic", claim=f"sup {name}' = γ = {gamma}")
    d.step("The spectral norm is submultiplicative, "
           "$\\lVert AB \\rVert_2 \\le \\lVert A \\rVert_2 \\lVert B \\rVert_2$, a standard lemma "
           "(bounds.norm-facts) checked here on random matrices.",
           chain(Norm(DIAG * W_HH), Juxtaposed(Norm(DIAG), Norm(W_HH))))
    d.lemma(lemmas.SUBMULTIPLICATIVE, claim="‖diag(σ'(z_t)) W_hh‖₂ ≤ ‖diag(σ'(z_t))‖₂ ‖W_hh‖₂")
    d.result(STEP_NORM, at=step_instances())


SPAN = Partial(h(t + k), h(t))
SPAN_NORM = (Norm(SPAN), Norm(Chain(J(t + k), J(t + k - 1), J(t + 1))),
             AtMost(OrderedProduct(Norm(J(t + k - j)), j, 0, k - 1)), AtMost(Power(Juxtaposed(GAMMA, Norm(W_HH)), k)))
"""The displayed bound on the span Jacobian."""


def span_instances() -> tuple[Instance, ...]:
    """Each network's span, t = 0: ∂h_k/∂h_0 by complex step, J_1 … J_k by the numeric API, W_hh and γ."""
    out = []
    for net in networks():
        steps = len(net.xs)
        states, span = net.unrolled()
        values = {J(time): sp.Matrix(jacobian) for time, jacobian in enumerate(net.step_jacobians(states), 1)}
        values[Partial(h(steps), h(0))] = sp.Matrix(span)
        out.append(Instance(net.label, "lemma", subs={t: 0, k: steps}, values={**values, **_known(net)},
                            tolerance=TOLERANCE))
    return tuple(out)


@derivation("bounds.span-norm", title="Norm of the Jacobian across k steps",
            uses=("activation.functions", "rnn.model", "rnn.step-jacobian", "rnn.span-jacobian", "bounds.step-norm"), cites=("pascanu2013",))
def span_norm(d):
    b = Juxtaposed(GAMMA, Norm(W_HH))
    d.step("The span Jacobian is the ordered product of step Jacobians (rnn.span-jacobian).",
           SPAN, Chain(J(t + k), J(t + k - 1), J(t + 1)))
    d.step("Base case $k = 1$: bounds.step-norm.", Norm(Partial(h(t + 1), h(t))), chain(Norm(J(t + 1)), b))
    d.step("Inductive step: one more factor on the left, submultiplicativity, then the base case and "
           "the hypothesis.", Norm(Partial(h(t + k + 1), h(t))),
           chain(Norm(Juxtaposed(J(t + k + 1), SPAN)), Juxtaposed(Norm(J(t + k + 1)), Norm(SPAN)),
                 Power(b, sp.Add(k, 1, evaluate=False))))
    d.lemma(lemmas.SUBMULTIPLICATIVE, claim="‖J_(t+k+1) ∂h_(t+k)/∂h_t‖₂ ≤ ‖J_(t+k+1)‖₂ ‖∂h_(t+k)/∂h_t‖₂")
    # ‖J_{t+k+1}‖₂ = x ≤ bound = x + p (the base case) and ‖∂h_{t+k}/∂h_t‖₂ = y ≤ bound^k = y + q (the
    # hypothesis), with x, y, p, q ≥ 0: then bound^(k+1) − x y is a sum of nonnegative terms.
    x, y, p, q = sp.symbols("x y p q", nonnegative=True)
    bound = sp.Symbol("b", positive=True)
    closing = sp.expand_power_exp(bound ** (k + 1)).subs(bound**k, y + q).subs(bound, x + p) - x * y
    d.check(sp.expand(closing).is_nonnegative, kind="induction",
            claim="inductive step, every k: ‖J‖ ≤ b and ‖∂h_(t+k)/∂h_t‖ ≤ b^k give ‖J‖ ‖∂h_(t+k)/∂h_t‖ ≤ b^(k+1)")
    d.step("If $\\gamma \\lVert W_{hh} \\rVert_2 < 1$, write it as $1/(1+s)$ with $s > 0$: the bound is "
           "geometric and tends to zero.", sp.Limit(Power(b, k), k, sp.oo), sp.Limit((1 + s) ** -k, k, sp.oo))
    d.prove(sp.limit((1 + s) ** -k, k, sp.oo), 0, kind="symbolic", claim="(γ‖W_hh‖₂)^k → 0 when γ‖W_hh‖₂ < 1")
    d.result(SPAN_NORM, at=span_instances())


# --- Pascanu, Mikolov and Bengio's conditions ---

X_PREV = sp.MatrixSymbol("x_{t-1}", n, 1)
W_REC = sp.MatrixSymbol("W_rec", n, n)
W_IN = sp.MatrixSymbol("W_in", n, m)
U_T = sp.MatrixSymbol("u_t", m, 1)
BIAS = sp.MatrixSymbol("b", n, 1)
PASCANU_STATE = sp.MatrixSymbol("x_t", n, 1)
PASCANU_STEP = sp.MatAdd(W_REC * elementwise(sigma, X_PREV), W_IN * U_T, BIAS, evaluate=False)
"""Pascanu, Mikolov & Bengio (2013): x_t = W_rec σ(x_{t-1}) + W_in u_t + b, in the order they write it."""
PASCANU_JACOBIAN = W_REC * DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV))
"""Their step Jacobian ∂x_t/∂x_{t-1} = W_rec diag(σ'(x_{t-1})): the same factors in the other order."""


@definition("bounds.pascanu-model", title="Pascanu, Mikolov and Bengio's recurrence", cites=("pascanu2013",))
def pascanu_model(d):
    d.define(("step", PASCANU_STATE, PASCANU_STEP))


RATE = GAMMA * LAMBDA_1
"""γλ₁, the factor by which the bound of ``bounds.span-norm`` grows per step when λ₁ = ‖W_hh‖₂."""
PASCANU_LIMITS = {
    "vanish": (sp.Limit(Norm(SPAN), k, sp.oo), sp.Piecewise((0, RATE < 1))),
    "explode": (sp.Limit(Power(RATE, k), k, sp.oo),
                sp.Piecewise((0, RATE < 1), (1, sp.Eq(RATE, 1)), (sp.oo, RATE > 1))),
}
"""The displayed conditions: the span vanishes when γλ₁ < 1; its bound grows only when γλ₁ > 1."""
RATES = {"below": 1 / (1 + s), "on": sp.Integer(1), "above": 1 + s}
"""γλ₁ below, on and above the threshold, for a positive symbol s: every positive value is one of them."""


def rate_instance(where: str) -> Instance:
    """λ₁ = γλ₁/γ with γλ₁ as in :data:`RATES`, for every γ > 0 and s > 0."""
    return Instance(f"γλ₁ = {RATES[where]}, s > 0", "symbolic", subs={LAMBDA_1: RATES[where] / GAMMA})


def squeeze_instance() -> Instance:
    """Below the threshold: 0 ≤ ‖∂h_{t+k}/∂h_t‖₂ ≤ (γλ₁)^k (bounds.span-norm, λ₁ = ‖W_hh‖₂) and the bound
    tends to 0, so by the squeeze theorem the norm's limit is the bound's."""
    return Instance(r"squeeze theorem with bounds.span-norm, $0 \le \lVert \partial h_{t+k} / \partial h_t \rVert_2 \le "
                    r"(\gamma \lambda_1)^k$, at $\gamma \lambda_1 = 1/(1+s)$, $s > 0$", "lemma",
                    subs={LAMBDA_1: RATES["below"] / GAMMA}, values={Norm(SPAN): Power(RATE, k)})


def vanishing_networks(steps: int = 400) -> dict[str, dict]:
    """Arguments for :func:`rnn.span_log_norms`, by label: sigmoid and tanh networks with γλ₁ = 0.9, random and
    at the bound."""
    out = {}
    for index, (name, regime) in enumerate((a, r) for a in ACTIVATIONS for r in ("random", "at the bound")):
        net = network(name, regime, 4, steps, seed=100 + index)
        W_hh = net.W_hh * 0.9 / (float(act.SUPREMUM[name]) * np.linalg.norm(net.W_hh, 2))
        b_h = -W_hh @ net.h0 if regime == "at the bound" else net.b_h
        out[f"{name} network, {regime}"] = {"W_hh": W_hh, "W_xh": net.W_xh, "b_h": b_h, "h_start": net.h0,
                                            "xs": net.xs, "activation": name}
    return out


@derivation("bounds.pascanu-conditions", title="Pascanu et al.: when long spans vanish or can explode",
            uses=("activation.functions", "rnn.model", "rnn.step-jacobian", "bounds.norm-facts", "bounds.step-norm",
                  "bounds.span-norm", "bounds.pascanu-model"), cites=("pascanu2013",))
def pascanu_conditions(d):
    z_prev = sp.MatrixSymbol("z_{t-1}", n, 1)
    d.step("Pascanu, Mikolov & Bengio (2013, “On the difficulty of training recurrent neural networks”) "
           "iterate the pre-activation:", PASCANU_STATE, PASCANU_STEP)
    ours = rnn.PRE_ACTIVATION.subs(rnn.H_PREV, elementwise(sigma, z_prev))
    d.step("Ours is the same recurrence once $h_{t-1} = \\sigma(z_{t-1})$ is substituted: their $x_t$ is our "
           "$z_t$, $W_{rec} = W_{hh}$, $W_{in} = W_{xh}$, $u_t$ is our input $x_t$ and $b = b_h$.",
           rnn.Z_T, ours)
    renamed = PASCANU_STEP.subs({W_REC: W_HH, X_PREV: z_prev, W_IN: rnn.W_XH, U_T: rnn.X_T, BIAS: rnn.B_H})
    d.prove(renamed, ours, kind="symbolic", claim="their x_t is our z_t under the renaming")
    derived = PASCANU_STEP.diff(X_PREV).T
    d.step("SymPy differentiates their step (transposed to numerator layout): $W_{rec}$ now stands left "
           "of the diagonal.", Partial(PASCANU_STATE, X_PREV), derived)
    d.prove(derived, PASCANU_JACOBIAN, kind="symbolic",
            claim=r"$\partial x_t / \partial x_{t-1} = W_{\mathrm{rec}} \operatorname{diag}(\sigma'(x_{t-1}))$ "
                  "for general $n$")
    W2 = sp.Matrix(2, 2, sp.symbols("w_1:5"))
    x2 = sp.Matrix(sp.symbols("x_1:3"))
    d.prove((W2 * x2.applyfunc(sigma)).jacobian(x2), W2 * sp.diag(*map(rnn.sigma_prime, x2)), kind="explicit",
            claim="the explicit 2×2 Jacobian agrees entry by entry")
    d.step("A matrix and its transpose have the same spectral norm (bounds.norm-facts); with "
           "$\\lambda_1 = \\lVert W_{hh} \\rVert_2$ their factor obeys bounds.step-norm's bound, and their span "
           "bounds.span-norm's.",
           Norm(PASCANU_JACOBIAN), chain(Norm(PASCANU_JACOBIAN.T), Juxtaposed(GAMMA, LAMBDA_1)))
    d.lemma(lemmas.TRANSPOSE_NORM, claim="‖W_rec diag(σ'(x_(t-1)))‖₂ = ‖diag(σ'(x_(t-1))) W_recᵀ‖₂")
    d.step("The threshold: solve $\\gamma \\lambda_1 = 1$.", LAMBDA_1, 1 / GAMMA)
    d.prove(sp.Matrix(sp.solve(sp.Eq(RATE, 1), LAMBDA_1)), sp.Matrix([1 / GAMMA]), kind="symbolic",
            claim="γ λ₁ = 1 ⟺ λ₁ = 1/γ")
    for name, gamma in act.SUPREMUM.items():
        solved = sp.solve(sp.Eq(gamma * LAMBDA_1, 1), LAMBDA_1)
        d.step(f"For {name}, $\\gamma = {latex(gamma)}$:", LAMBDA_1, solved[0])
        d.prove(sp.Matrix(solved), sp.Matrix([THRESHOLD[name]]), kind="symbolic",
                claim=f"{name}: λ₁ threshold 1/γ = {THRESHOLD[name]}")
        if name in ACTIVATIONS:
            d.number(f"{name}-threshold", solved[0])
    limit, cases = PASCANU_LIMITS["explode"]
    d.step("Write $\\gamma \\lambda_1$ as $1/(1+s)$, $1$ or $1+s$ with $s > 0$: the bound vanishes below the "
           "threshold, stays at 1 on it, and grows without limit only above it. The norm never exceeds the "
           "bound, so $\\lambda_1 < 1/\\gamma$ suffices for vanishing and $\\lambda_1 > 1/\\gamma$ is "
           "necessary for exploding.", limit, cases)
    # derivation.equal cannot compare ∞ with ∞, so the engine's evaluation above the threshold is compared here.
    above = rate_instance("above")
    d.check(evaluate(limit, above) == evaluate(cases, above) == sp.oo, kind="symbolic",
            claim=f"as displayed, ${latex(limit)} = {latex(cases)}$ at {above.label}: both sides are ∞")
    for label, arguments in vanishing_networks().items():
        logs = rnn.span_log_norms(**arguments)
        d.check(logs[-1] < len(logs) * np.log(0.9) + 1e-9, kind="numeric",
                claim=f"{label} with γλ₁ = 0.9: ‖∂h_(t+k)/∂h_t‖₂ ≤ 0.9^k at k = {len(logs)}")
    a = sp.Symbol("a", positive=True)
    W = sp.Matrix([[0, a], [0, 0]])
    D1, D2 = (sp.diag(*sp.symbols(f"d_{step}1:{step}3", real=True)) for step in (1, 2))
    d.step("Above the threshold an explosion is possible, not certain: a strictly upper-triangular "
           "$W_{hh}$ has $\\lambda_1 = a$, as large as we like, yet any two step Jacobians multiply to zero. "
           "bounds.counterexample gives a saturated tanh RNN whose spans vanish numerically.",
           Juxtaposed(D2 * W, D1 * W), D2 * W * D1 * W)
    d.prove(spectral_norm(W), a, kind="explicit", claim="λ₁ of [[0, a], [0, 0]] is a")
    d.prove(D2 * W * D1 * W, sp.zeros(2, 2), kind="explicit", claim="J₂ J₁ = 0 for all diagonal D₁, D₂, at any λ₁")
    d.result(*((name, *parts) for name, parts in PASCANU_LIMITS.items()),
             at=(squeeze_instance(), rate_instance("below"), rate_instance("on")))


# --- The linear case ---

P_SYMBOL = sp.MatrixSymbol("P", 2, 2)
EXAMPLE_P = sp.Matrix([[1, 1], [1, 2]])
EXAMPLE_EIGENVALUES = sp.diag(sp.Rational(1, 2), sp.Rational(1, 3))
EXAMPLE_POWER = EXAMPLE_P * EXAMPLE_EIGENVALUES.applyfunc(lambda e: e**k) * EXAMPLE_P.inv()
"""A diagonalizable W_hh = P diag(1/2, 1/3) P⁻¹ and the stated closed form of its k-th power."""
NON_NORMAL = sp.ImmutableMatrix([[sp.Rational(1, 2), 10], [0, sp.Rational(1, 2)]])
"""ρ = 1/2 but λ₁ > 10: powers vanish although the norm bound grows for a while."""
K_EXAMPLE = sp.Symbol("k", integer=True, nonnegative=True)
"""The exponent of the example's displayed power. It prints as k but is its own symbol, so that the instances
that fix the span's k = 1 … 6 leave the example to the instance that proves it for every k."""
NON_NORMAL_POWER = Juxtaposed(sp.Integer(2) ** -K_EXAMPLE, sp.ImmutableMatrix([[1, 20 * K_EXAMPLE], [0, 1]]))
"""The stated closed form of NON_NORMAL^k: 2^{-k} [[1, 20k], [0, 1]]."""
EIGENVALUES = sp.IndexedBase("mu")
MAX_ABS_MU = Maximum(sp.Abs(EIGENVALUES[i]), i)
"""max_i |μ_i| over the eigenvalues μ_i of W_hh."""
LINEAR = {
    "span": (Partial(h(t + k), h(t)), sp.MatPow(W_HH, k)),
    "limit": (sp.Limit(Norm(sp.MatPow(W_HH, k)), k, sp.oo), sp.Piecewise((0, rho(W_HH) < 1), (sp.oo, rho(W_HH) > 1))),
    "radius": (rho(W_HH), MAX_ABS_MU, AtMost(LAMBDA_1)),
    "non-normal": (sp.MatPow(NON_NORMAL, K_EXAMPLE), NON_NORMAL_POWER),
}
"""The displayed result of ``bounds.linear-spectral-radius``, by clause name."""
SPANS = range(1, 7)


def linear_span_instances() -> tuple[Instance, ...]:
    """A linear RNN h_{t+1} = W_hh h_t + u_{t+1} unrolled from h_0 for general n, t = 0 and k = 1 … 6."""
    out = []
    for steps in SPANS:
        states = [sp.MatrixSymbol("h_0", n, 1)]
        for time in range(1, steps + 1):
            states.append(W_HH * states[-1] + sp.MatrixSymbol(f"u_{time}", n, 1))
        out.append(Instance(f"general n, k = {steps}", "symbolic", subs={t: 0, k: steps},
                            values={h(time): state for time, state in enumerate(states)}))
    return tuple(out)


def largest_singular_value(M: sp.Matrix):
    """‖M‖₂ of an explicit 2×2 M, exactly: √ of the larger root of MᵀM's characteristic polynomial."""
    gram = M.T * M
    return sp.sqrt((gram.trace() + sp.sqrt(gram.trace() ** 2 - 4 * gram.det())) / 2)


def example_instances() -> tuple[Instance, ...]:
    """The two examples with ρ as constructed (the diagonal of their eigenvalue or triangular factor), their
    eigenvalues as SymPy finds them and λ₁ exactly; for the non-normal one also ‖W^k‖₂ exactly, and W^k as
    SymPy computes it for every k."""
    diagonalizable = sp.ImmutableMatrix(EXAMPLE_P * EXAMPLE_EIGENVALUES * EXAMPLE_P.inv())
    out = []
    for label, W, triangular in (("diagonalizable example P diag(1/2, 1/3) P⁻¹", diagonalizable, EXAMPLE_EIGENVALUES),
                                 ("non-normal example", NON_NORMAL, NON_NORMAL)):
        values = {rho(W): max(map(abs, triangular.diagonal())), EIGENVALUES: sp.Matrix(W.eigenvals(multiple=True)),
                  LAMBDA_1: largest_singular_value(W)}
        if W == NON_NORMAL:  # W^k = 2^{-k} U with U unipotent, so ‖W^k‖₂ = 2^{-k} ‖U‖₂
            unipotent = sp.simplify(W**k * 2**k)
            values[substitute(Norm(sp.MatPow(W_HH, k)), {W_HH: W})] = 2**-k * largest_singular_value(unipotent)
        out.append(Instance(label, "explicit", subs={W_HH: W}, values=values))
    power = sp.MatPow(NON_NORMAL, K_EXAMPLE)
    out.append(Instance("non-normal example, every k", "explicit", values={power: NON_NORMAL**K_EXAMPLE}))
    return tuple(out)


def growth_radius_instance() -> Instance:
    """Every W_hh with ρ(W_hh) = 1 + s > 1: ‖W_hh^k‖₂ ≥ ρ(W_hh^k) = ρ(W_hh)^k (bounds.norm-facts, radius),
    which grows without bound."""
    radius = 1 + s
    return Instance(r"$\lVert W_{hh}^k \rVert_2 \ge \rho(W_{hh})^k$ (bounds.norm-facts) and the squeeze theorem, "
                    r"$\rho(W_{hh}) = 1 + s$, $s > 0$", "lemma",
                    subs={rho(W_HH): radius}, values={Norm(sp.MatPow(W_HH, k)): radius**k})


def squeeze_radius_instance() -> Instance:
    """Every W_hh with ρ(W_hh) = 1/(1+s) < 1: some matrix norm has |||W_hh||| ≤ ρ + ε for any ε > 0, and norms
    on matrices are equivalent, so ‖W_hh^k‖₂ ≤ C (ρ + ε)^k; with ε = (1 − ρ)/2 the squeeze theorem applies."""
    radius = 1 / (1 + s)
    C = sp.Symbol("C", positive=True)
    return Instance(r"squeeze theorem with $\lVert W_{hh}^k \rVert_2 \le C ((1 + \rho)/2)^k$ "
                    f"({lemmas.HORN_JOHNSON}, Lemma 5.6.10 and the equivalence of norms, §5.4), "
                    r"$\rho(W_{hh}) = 1/(1+s)$, $s > 0$", "lemma",
                    subs={rho(W_HH): radius}, values={Norm(sp.MatPow(W_HH, k)): C * ((1 + radius) / 2) ** k})


def radius_instances(count: int = 40, seed: int = 2) -> tuple[Instance, ...]:
    """Random square W_hh, sizes 1 to 5, drawn as lemmas.py draws (also strictly triangular, so nilpotent and
    far from normal, and at scales 1e-8 to 1e8); ρ and max|μᵢ| stand for the definition, λ₁ for ‖W_hh‖₂."""
    out = []
    for index in range(count):
        rng = np.random.default_rng((seed, index))
        size = int(rng.integers(1, 6))
        case = lemmas.matrix(rng, size, size, "W_hh")
        radius = sp.Float(np.max(np.abs(np.linalg.eigvals(case.array))))
        values = {W_HH: sp.Matrix(case.array), rho(W_HH): radius, LAMBDA_1: Norm(W_HH),
                  EIGENVALUES: sp.Matrix(np.linalg.eigvals(case.array).astype(complex))}
        out.append(Instance(f"random W_hh {index} ({case.kind})", "lemma", values=values, tolerance=TOLERANCE))
    return tuple(out)


@derivation("bounds.linear-spectral-radius", title="Linear RNN: powers of W_hh and the spectral radius", cites=("pascanu2013",))
def linear_spectral_radius(d):
    d.step("With $\\sigma$ the identity, $\\sigma' = 1$: every step Jacobian is $W_{hh}$ and the span is its "
           "power. SymPy unrolls $h_{t+1} = W_{hh} h_t + u_{t+1}$ for general $n$ and $k = 1, \\dots, 6$.",
           Partial(h(t + k), h(t)), sp.MatPow(W_HH, k))
    P = sp.Matrix(2, 2, sp.symbols("p_1:5"))
    mu = sp.symbols("mu_1:3")
    W = P * sp.diag(*mu) * P.inv()
    power = P * sp.diag(*[m**k for m in mu]) * P.inv()
    d.step("Diagonalise $W_{hh} = P \\operatorname{diag}(\\mu_1, \\mu_2) P^{-1}$; by induction on $k$ its "
           "power keeps $P$ and raises the eigenvalues.",
           sp.MatPow(W_HH, k), Juxtaposed(P_SYMBOL, sp.diag(*[m**k for m in mu]), P_SYMBOL.inv()))
    d.prove(power.subs(k, 0), sp.eye(2), kind="explicit", claim="k = 0: P diag(1, 1) P⁻¹ = I")
    d.prove(W * power, power.subs(k, k + 1), kind="induction", claim="W · P diag(μᵢ^k) P⁻¹ = P diag(μᵢ^(k+1)) P⁻¹")
    for col in range(2):
        d.prove(power * P[:, col], mu[col] ** k * P[:, col], kind="explicit",
                claim=f"$W^k v_{col + 1} = \\mu_{col + 1}^k v_{col + 1}$")
    d.step("So $W_{hh}^k \\to 0$ exactly when every $|\\mu_i| < 1$: a $|\\mu_i| \\ge 1$ keeps its eigenvector "
           "$v_i$ from shrinking. The spectral radius $\\rho(W_{hh}) = \\max_i |\\mu_i|$ decides; an "
           "explicit example:", sp.MatPow(W_HH, k), EXAMPLE_POWER)
    EW = EXAMPLE_P * EXAMPLE_EIGENVALUES * EXAMPLE_P.inv()
    d.prove(EW**k, EXAMPLE_POWER, kind="explicit", claim="SymPy's W^k of the example equals P diag(μᵢ^k) P⁻¹")
    d.prove(EXAMPLE_POWER.applyfunc(lambda e: sp.limit(e, k, sp.oo)), sp.zeros(2, 2), kind="explicit",
            claim="the example's W^k → 0: ρ = 1/2 < 1")
    d.step("$|\\mu_i| \\lVert v_i \\rVert = \\lVert W v_i \\rVert \\le \\lambda_1 \\lVert v_i \\rVert$, so "
           "$\\rho \\le \\lambda_1$, and it can be far smaller: this $W_{hh}$ has $\\rho = 1/2$, "
           "$\\lambda_1 > 10$, and its powers still vanish.", sp.MatPow(W_HH, k), sp.Matrix(NON_NORMAL) ** k)
    d.lemma(lemmas.RADIUS_BELOW_NORM, claim="ρ(W_hh) ≤ ‖W_hh‖₂ = λ₁")
    closed_form = sp.Mul(*NON_NORMAL_POWER.args)
    d.prove(closed_form.subs(K_EXAMPLE, 0), sp.eye(2), kind="explicit", claim="non-normal example, k = 0: I")
    d.prove(NON_NORMAL * closed_form, closed_form.subs(K_EXAMPLE, K_EXAMPLE + 1), kind="induction",
            claim="non-normal example: W · 2^(-k) [[1, 20k], [0, 1]] = 2^(-k-1) [[1, 20(k+1)], [0, 1]]")
    radius = max(map(abs, NON_NORMAL.eigenvals()))
    norm = largest_singular_value(NON_NORMAL)
    d.check(norm > 10, kind="explicit", claim="non-normal example: λ₁ > 10 although ρ = 1/2")
    d.number("non-normal-radius", radius)
    d.number("non-normal-norm", norm.evalf(30), digits=3)
    d.result(*((name, *parts) for name, parts in LINEAR.items()),
             at=(*linear_span_instances(), *example_instances(), squeeze_radius_instance(), growth_radius_instance(),
                 *radius_instances()))


# --- Numeric example ---

def counterexample() -> dict:
    """Arguments for :func:`rnn.span_log_norms` with λ₁(W_hh) = 3 > 1/γ = 1 whose span norms vanish:
    a large bias saturates both tanh units, and σ'(z) ≈ 10⁻⁶ outweighs the large weights."""
    return {
        "W_hh": np.array([[2.0, 1.0], [1.0, 2.0]]),
        "W_xh": np.array([[0.5], [-0.5]]),
        "b_h": np.array([4.0, 4.0]),
        "h_start": np.zeros(2),
        "xs": np.ones((10, 1)),
        "activation": "tanh",
    }
