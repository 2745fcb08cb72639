"""Norm bounds on RNN Jacobians: why long spans vanish, and when they cannot explode.

Every bound rests on two facts: ‖diag(d)‖₂ = max |dᵢ|, proved below, and the submultiplicativity
‖AB‖₂ ≤ ‖A‖₂ ‖B‖₂ of the spectral norm, a standard fact checked on explicit matrices here and
on random ones in ``tests/test_bounds.py``.
"""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.calculus.util import function_range
from sympy.matrices.expressions.diagonal import DiagMatrix

from . import activation as act
from . import rnn
from .notation import (Chain, Juxtaposed, Maximum, Norm, OrderedProduct, Partial, Power, at, elementwise, latex,
                       sigma)
from .registry import derivation

t, j, n = rnn.t, rnn.j, rnn.n
k = sp.Symbol("k", integer=True, positive=True)
i = sp.Symbol("i")
GAMMA = sp.Symbol("gamma", positive=True)
LAMBDA_1 = sp.Symbol("lambda_1", positive=True)
W_HH = rnn.W_HH
DIAG = DiagMatrix(elementwise(rnn.SIGMA_PRIME, rnn.Z_T))
"""diag(σ'(z_t)), the left factor of the step Jacobian J_t = diag(σ'(z_t)) W_hh."""

THRESHOLD = {"sigmoid": sp.Integer(4), "tanh": sp.Integer(1), "relu": sp.Integer(1)}
"""The stated 1/γ per activation: λ₁ below it makes long spans vanish (``bounds.pascanu-conditions``)."""

EXAMPLE_W = sp.Matrix([[1, 2], [-3, 1]])
EXAMPLE_DIAGS = (sp.diag(sp.Rational(1, 4), sp.Rational(1, 5)), sp.diag(sp.Rational(1, 8), sp.Rational(1, 4)))
"""An explicit W_hh and two diag(σ'(z)) with sigmoid-sized entries (≤ γ = 1/4), for exact checks."""


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
    """``parts[0] ≤ parts[1] ≤ …`` as one printed relation."""
    relation = parts[0]
    for part in parts[1:]:
        relation = sp.Le(relation, part, evaluate=False)
    return relation


@derivation("bounds.step-norm", title="Norm of one step's Jacobian")
def step_norm(d):
    W = Norm(W_HH)
    d.step("The step Jacobian is a diagonal matrix times $W_{hh}$ (rnn.step-jacobian).", J(t), DIAG * W_HH)
    d.step("The spectral norm $\\lVert A \\rVert_2$ is the largest singular value of $A$, the square root of "
           "the largest eigenvalue of $A^{\\top} A$. For a diagonal matrix $A^{\\top} A$ is diagonal with "
           "entries $d_i^2$, so its singular values are $|d_i|$; SymPy shows this for $n = 2, 3$.",
           Norm(DIAG), Maximum(sp.Abs(rnn.sigma_prime(sp.Symbol("z_{t,i}"))), i))
    for size in (2, 3):
        entries = sp.symbols(f"d_1:{size + 1}", real=True)
        D = sp.diag(*entries)
        d.prove(D.T * D, sp.diag(*[e**2 for e in entries]), claim=f"n = {size}: diag(d)ᵀ diag(d) = diag(d_i²)")
        d.prove(spectral_norm(D), sp.Max(*map(sp.Abs, entries)), claim=f"n = {size}: ‖diag(d)‖₂ = max |d_i|")
    d.step("Each $|\\sigma'|$ is at most $\\gamma$: $1/4$ for the sigmoid, $1$ for tanh and ReLU "
           "(activation.*-derivative). SymPy finds the range of each $\\sigma'$ on the real line.",
           chain(Norm(DIAG), GAMMA))
    for name, gamma in act.SUPREMUM.items():
        values = derivative_range(name)
        d.check(values.inf >= 0, claim=f"{name}' ≥ 0, so |{name}'| = {name}'")
        d.prove(values.sup, gamma, claim=f"sup {name}' = γ = {gamma}")
    d.step("The spectral norm is submultiplicative, "
           "$\\lVert AB \\rVert_2 \\le \\lVert A \\rVert_2 \\lVert B \\rVert_2$, checked exactly "
           "on an explicit $2 \\times 2$ product.",
           chain(Norm(DIAG * W_HH), Juxtaposed(Norm(DIAG), W)))
    D, Wm = EXAMPLE_DIAGS[0], EXAMPLE_W
    d.check(spectral_norm(D * Wm) <= spectral_norm(D) * spectral_norm(Wm),
            claim="‖DW‖₂ ≤ ‖D‖₂ ‖W‖₂ for the explicit D, W")
    d.check(spectral_norm(D * Wm) <= act.SUPREMUM["sigmoid"] * spectral_norm(Wm),
            claim="‖DW‖₂ ≤ γ ‖W‖₂ for the explicit D, W with sigmoid γ = 1/4")
    d.result((Norm(J(t)), chain(Norm(DIAG * W_HH), Juxtaposed(Norm(DIAG), W), Juxtaposed(GAMMA, W))))


@derivation("bounds.span-norm", title="Norm of the Jacobian across k steps")
def span_norm(d):
    b = Juxtaposed(GAMMA, Norm(W_HH))
    span = Partial(h(t + k), h(t))
    d.step("The span Jacobian is the ordered product of step Jacobians (rnn.span-jacobian).",
           span, Chain(J(t + k), J(t + k - 1), J(t + 1)))
    d.step("Base case $k = 1$: bounds.step-norm.", Norm(Partial(h(t + 1), h(t))), chain(Norm(J(t + 1)), b))
    d.step("Inductive step: one more factor on the left, submultiplicativity, then the base case and "
           "the hypothesis.", Norm(Partial(h(t + k + 1), h(t))),
           chain(Norm(Juxtaposed(J(t + k + 1), span)), Juxtaposed(Norm(J(t + k + 1)), Norm(span)),
                 Power(b, sp.Add(k, 1, evaluate=False))))
    bound = sp.Symbol("b", positive=True)
    d.prove(bound * bound**k, bound ** (k + 1), claim="b · b^k = b^(k+1), closing the induction")
    d.prove(sp.Product(bound, (j, 0, k - 1)).doit(), bound**k, claim="k equal per-step bounds multiply to b^k")
    (D1, D2), Wm = EXAMPLE_DIAGS, EXAMPLE_W
    gamma_norm = act.SUPREMUM["sigmoid"] * spectral_norm(Wm)
    d.check(spectral_norm(D2 * Wm * D1 * Wm) <= spectral_norm(D2 * Wm) * spectral_norm(D1 * Wm) <= gamma_norm**2,
            claim="explicit k = 2: ‖J₂J₁‖₂ ≤ ‖J₂‖₂ ‖J₁‖₂ ≤ (γ‖W‖₂)²")
    s = sp.Symbol("s", positive=True)
    d.step("If $\\gamma \\lVert W_{hh} \\rVert_2 < 1$, write it as $1/(1+s)$ with $s > 0$: the bound is "
           "geometric and tends to zero.", sp.Limit(Power(b, k), k, sp.oo), sp.Limit((1 + s) ** -k, k, sp.oo))
    d.prove(sp.limit((1 + s) ** -k, k, sp.oo), 0, claim="(γ‖W_hh‖₂)^k → 0 when γ‖W_hh‖₂ < 1")
    d.result((Norm(span), chain(Norm(Chain(J(t + k), J(t + k - 1), J(t + 1))),
                                OrderedProduct(Norm(J(t + k - j)), j, 0, k - 1), Power(b, k))))


X_PREV = sp.MatrixSymbol("x_{t-1}", n, 1)
W_REC = sp.MatrixSymbol("W_rec", n, n)
W_IN = sp.MatrixSymbol("W_in", n, rnn.m)
U_T = sp.MatrixSymbol("u_t", rnn.m, 1)
BIAS = sp.MatrixSymbol("b", n, 1)
PASCANU_STEP = W_REC * elementwise(sigma, X_PREV) + W_IN * U_T + BIAS
"""Pascanu, Mikolov & Bengio (2013): x_t = W_rec σ(x_{t-1}) + W_in u_t + b."""
PASCANU_JACOBIAN = W_REC * DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV))
"""Their step Jacobian ∂x_t/∂x_{t-1} = W_rec diag(σ'(x_{t-1})): the same factors in the other order."""


@derivation("bounds.pascanu-conditions", title="Pascanu et al.: when long spans vanish or can explode")
def pascanu_conditions(d):
    x_t = sp.MatrixSymbol("x_t", n, 1)
    z_prev = sp.MatrixSymbol("z_{t-1}", n, 1)
    d.step("Pascanu, Mikolov & Bengio (2013, “On the difficulty of training recurrent neural networks”) "
           "iterate the pre-activation:",
           x_t, sp.MatAdd(W_REC * elementwise(sigma, X_PREV), W_IN * U_T, BIAS, evaluate=False))
    ours = rnn.PRE_ACTIVATION.subs(rnn.H_PREV, elementwise(sigma, z_prev))
    d.step("Ours is the same recurrence once $h_{t-1} = \\sigma(z_{t-1})$ is substituted: their $x_t$ is our "
           "$z_t$, $W_{rec} = W_{hh}$, $W_{in} = W_{xh}$, $u_t$ is our input $x_t$ and $b = b_h$.",
           rnn.Z_T, ours)
    renamed = PASCANU_STEP.subs({W_REC: W_HH, X_PREV: z_prev, W_IN: rnn.W_XH, U_T: rnn.X_T, BIAS: rnn.B_H})
    d.prove(renamed, ours, claim="their x_t is our z_t under the renaming")
    derived = PASCANU_STEP.diff(X_PREV).T
    d.step("SymPy differentiates their step (transposed to numerator layout): $W_{rec}$ now stands left "
           "of the diagonal.", Partial(x_t, X_PREV), derived)
    d.prove(derived, PASCANU_JACOBIAN,
            claim=r"$\partial x_t / \partial x_{t-1} = W_{\mathrm{rec}} \operatorname{diag}(\sigma'(x_{t-1}))$ for general $n$")
    W2 = sp.Matrix(2, 2, sp.symbols("w_1:5"))
    x2 = sp.Matrix(sp.symbols("x_1:3"))
    d.prove((W2 * x2.applyfunc(sigma)).jacobian(x2), W2 * sp.diag(*map(rnn.sigma_prime, x2)),
            claim="the explicit 2×2 Jacobian agrees entry by entry")
    A = sp.Matrix(2, 2, sp.symbols("a_1:5", real=True))
    d.step("$A^{\\top} A$ and $A A^{\\top}$ have the same characteristic polynomial, so $A$ and $A^{\\top}$ "
           "have the same singular values; with $\\lambda_1 = \\lVert W_{hh} \\rVert_2$ their factor obeys "
           "bounds.step-norm's bound, and their span bounds.span-norm's.",
           Norm(PASCANU_JACOBIAN), chain(Norm(PASCANU_JACOBIAN.T), Juxtaposed(GAMMA, LAMBDA_1)))
    lam = sp.Symbol("lambda")
    d.prove((A.T * A).charpoly(lam).as_expr(), (A * A.T).charpoly(lam).as_expr(),
            claim="AᵀA and AAᵀ share their characteristic polynomial (2×2)")
    d.step("The threshold: solve $\\gamma \\lambda_1 = 1$.", LAMBDA_1, 1 / GAMMA)
    d.prove(sp.Matrix(sp.solve(sp.Eq(GAMMA * LAMBDA_1, 1), LAMBDA_1)), sp.Matrix([1 / GAMMA]),
            claim="γ λ₁ = 1 ⟺ λ₁ = 1/γ")
    for name, gamma in act.SUPREMUM.items():
        solved = sp.solve(sp.Eq(gamma * LAMBDA_1, 1), LAMBDA_1)
        d.step(f"For {name}, $\\gamma = {latex(gamma)}$:", LAMBDA_1, solved[0])
        d.prove(sp.Matrix(solved), sp.Matrix([THRESHOLD[name]]),
                claim=f"{name}: λ₁ threshold 1/γ = {THRESHOLD[name]}")
    s = sp.Symbol("s", positive=True)
    limit = sp.Limit(Power(GAMMA * LAMBDA_1, k), k, sp.oo)
    cases = sp.Piecewise((0, LAMBDA_1 < 1 / GAMMA), (1, sp.Eq(LAMBDA_1, 1 / GAMMA)), (sp.oo, True))
    d.step("Write $\\gamma \\lambda_1$ as $1/(1+s)$, $1$ or $1+s$ with $s > 0$: the bound vanishes below the "
           "threshold, stays at 1 on it, and grows without limit only above it. The norm never exceeds the "
           "bound, so $\\lambda_1 < 1/\\gamma$ suffices for vanishing and $\\lambda_1 > 1/\\gamma$ is "
           "necessary for exploding.", limit, cases)
    for value, branch, shown in (((1 + s) ** -1, 0, "below"), (sp.Integer(1), 1, "on"), (1 + s, sp.oo, "above")):
        d.check(sp.limit(value**k, k, sp.oo) == branch, claim=f"(γλ₁)^k → {branch} {shown} the threshold")
    a = sp.Symbol("a", positive=True)
    W = sp.Matrix([[0, a], [0, 0]])
    D1, D2 = (sp.diag(*sp.symbols(f"d_{step}1:{step}3", real=True)) for step in (1, 2))
    d.step("Above the threshold an explosion is possible, not certain: a strictly upper-triangular "
           "$W_{hh}$ has $\\lambda_1 = a$, as large as we like, yet any two step Jacobians multiply to zero. "
           "bounds.counterexample gives a saturated tanh RNN whose spans vanish numerically.",
           Juxtaposed(D2 * W, D1 * W), D2 * W * D1 * W)
    d.prove(spectral_norm(W), a, claim="λ₁ of [[0, a], [0, 0]] is a")
    d.prove(D2 * W * D1 * W, sp.zeros(2, 2), claim="J₂ J₁ = 0 for all diagonal D₁, D₂, at any λ₁")
    span = Norm(Partial(h(t + k), h(t)))
    d.result((sp.Limit(span, k, sp.oo), sp.Piecewise((0, LAMBDA_1 < 1 / GAMMA))), (limit, cases))


P_SYMBOL = sp.MatrixSymbol("P", 2, 2)
EXAMPLE_P = sp.Matrix([[1, 1], [1, 2]])
EXAMPLE_EIGENVALUES = sp.diag(sp.Rational(1, 2), sp.Rational(1, 3))
EXAMPLE_POWER = EXAMPLE_P * EXAMPLE_EIGENVALUES.applyfunc(lambda e: e**k) * EXAMPLE_P.inv()
"""A diagonalizable W_hh = P diag(1/2, 1/3) P⁻¹ and the stated closed form of its k-th power."""
NON_NORMAL = sp.Matrix([[sp.Rational(1, 2), 10], [0, sp.Rational(1, 2)]])
"""ρ = 1/2 but λ₁ > 10: powers vanish although the norm bound grows for a while."""


@derivation("bounds.linear-spectral-radius", title="Linear RNN: powers of W_hh and the spectral radius")
def linear_spectral_radius(d):
    d.step("With $\\sigma$ the identity, $\\sigma' = 1$: every step Jacobian is $W_{hh}$ and the span is its "
           "power. SymPy unrolls $h_{t+1} = W_{hh} h_t + u_{t+1}$ for $n, k \\in \\{1, 2, 3\\}$.",
           Partial(h(t + k), h(t)), sp.MatPow(W_HH, k))
    for size, steps in rnn.GRID:
        W = sp.Matrix(size, size, lambda r, c: sp.Symbol(f"w_{r}{c}"))
        start = sp.Matrix(sp.symbols(f"h_0:{size}"))
        state = start
        for step in range(steps):
            state = W * state + sp.Matrix(sp.symbols(f"u_{step}_0:{size}"))
        d.prove(state.jacobian(start), W**steps, claim=f"n = {size}, k = {steps}: ∂h_(t+k)/∂h_t = W^k")
    P = sp.Matrix(2, 2, sp.symbols("p_1:5"))
    mu = sp.symbols("mu_1:3")
    W = P * sp.diag(*mu) * P.inv()
    power = P * sp.diag(*[m**k for m in mu]) * P.inv()
    d.step("Diagonalise $W_{hh} = P \\operatorname{diag}(\\mu_1, \\mu_2) P^{-1}$; by induction on $k$ its "
           "power keeps $P$ and raises the eigenvalues.",
           sp.MatPow(W_HH, k), Juxtaposed(P_SYMBOL, sp.diag(*[m**k for m in mu]), P_SYMBOL.inv()))
    d.prove(power.subs(k, 0), sp.eye(2), claim="k = 0: P diag(1, 1) P⁻¹ = I")
    d.prove(W * power, power.subs(k, k + 1), claim="W · P diag(μᵢ^k) P⁻¹ = P diag(μᵢ^(k+1)) P⁻¹")
    for col in range(2):
        d.prove(power * P[:, col], mu[col] ** k * P[:, col], claim=f"$W^k v_{col + 1} = \\mu_{col + 1}^k v_{col + 1}$")
    d.step("So $W_{hh}^k \\to 0$ exactly when every $|\\mu_i| < 1$: a $|\\mu_i| \\ge 1$ keeps its eigenvector "
           "$v_i$ from shrinking. The spectral radius $\\rho(W_{hh}) = \\max_i |\\mu_i|$ decides; an "
           "explicit example:", sp.MatPow(W_HH, k), EXAMPLE_POWER)
    EW = EXAMPLE_P * EXAMPLE_EIGENVALUES * EXAMPLE_P.inv()
    d.prove(EW**k, EXAMPLE_POWER, claim="SymPy's W^k of the example equals P diag(μᵢ^k) P⁻¹")
    d.prove(EXAMPLE_POWER.applyfunc(lambda e: sp.limit(e, k, sp.oo)), sp.zeros(2, 2),
            claim="the example's W^k → 0: ρ = 1/2 < 1")
    eigenvalue = sp.Symbol("mu_i")
    radius = sp.Function("rho", real=True)(W_HH)
    d.step("$|\\mu_i| \\lVert v_i \\rVert = \\lVert W v_i \\rVert \\le \\lambda_1 \\lVert v_i \\rVert$, so "
           "$\\rho \\le \\lambda_1$, and it can be far smaller: this $W_{hh}$ has $\\rho = 1/2$, "
           "$\\lambda_1 > 10$, and its powers still vanish.", sp.MatPow(W_HH, k), NON_NORMAL**k)
    d.check(max(map(abs, EXAMPLE_EIGENVALUES.diagonal())) <= spectral_norm(EW), claim="example: ρ ≤ λ₁")
    d.check(spectral_norm(NON_NORMAL) > 10, claim="non-normal example: λ₁ > 10 although ρ = 1/2")
    d.prove((NON_NORMAL**k).applyfunc(lambda e: sp.limit(e, k, sp.oo)), sp.zeros(2, 2),
            claim="non-normal example: W^k → 0")
    d.result((Partial(h(t + k), h(t)), sp.MatPow(W_HH, k)),
             (sp.Limit(sp.MatPow(W_HH, k), k, sp.oo), sp.Piecewise((0, radius < 1))),
             (radius, chain(Maximum(sp.Abs(eigenvalue), i), LAMBDA_1)))


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
