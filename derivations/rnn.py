"""The simple RNN and backpropagation through time: step Jacobian, span Jacobian, gradients.

Model (numerator layout: a Jacobian ∂a/∂b has one row per entry of a)::

    z_t = W_hh h_{t-1} + W_xh x_t + b_h,   h_t = σ(z_t),   y_t = W_hy h_t + b_y,   L = Σ_t L_t
"""

from __future__ import annotations

import functools
import itertools

import numpy as np
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix

from .notation import Chain, Juxtaposed, OrderedProduct, Partial, Transposed, at, elementwise, sigma
from .numeric import Shapes, check_activation, concrete, lambdify_matrix
from .registry import derivation

n, m = sp.symbols("n m", integer=True, positive=True)
t, k, j = sp.symbols("t k j", integer=True)
W_HH = sp.MatrixSymbol("W_hh", n, n)
W_XH = sp.MatrixSymbol("W_xh", n, m)
B_H = sp.MatrixSymbol("b_h", n, 1)
H_PREV = sp.MatrixSymbol("h_{t-1}", n, 1)
X_T = sp.MatrixSymbol("x_t", m, 1)
Z_T = sp.MatrixSymbol("z_t", n, 1)
PRE_ACTIVATION = W_HH * H_PREV + W_XH * X_T + B_H
_u = sp.Dummy("u")
SIGMA_PRIME = sp.Lambda(_u, sigma(_u).diff(_u))

MODEL = elementwise(sigma, PRE_ACTIVATION)
"""h_t = σ(z_t) as a matrix expression in the parameters, h_{t-1} and x_t."""

STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH
"""The stated closed form ∂h_t/∂h_{t-1} = diag(σ'(z_t)) W_hh, proved by ``rnn.step-jacobian``."""

GRID = tuple(itertools.product((1, 2, 3), (1, 2, 3)))
"""(n, k) pairs on which the explicit n×n, k-step identities are verified symbolically."""


def explicit_states(size: int, steps: int):
    """Explicit states h_0 … h_steps of an RNN with symbolic entries and a generic σ.

    The input term W_XH x_i + B_H does not depend on the state, so it enters as one symbolic
    column u_i per step; that keeps the expressions small without losing generality.
    """
    W = sp.Matrix(size, size, lambda a, b: sp.Symbol(f"w_{a}{b}"))
    h0 = sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"h_{a}"))
    states, pre = [h0], []
    for i in range(1, steps + 1):
        u = sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"u_{i}{a}"))
        pre.append(W * states[-1] + u)
        states.append(pre[-1].applyfunc(sigma))
    return W, states, pre


def sigma_prime(argument):
    """σ'(argument) for an explicit scalar argument."""
    return sigma(_u).diff(_u).subs(_u, argument)


def explicit_step_jacobian(W: sp.Matrix, z: sp.Matrix) -> sp.Matrix:
    """diag(σ'(z)) W for explicit matrices: the closed form, entry by entry."""
    return sp.diag(*[sigma_prime(entry) for entry in z]) * W


@derivation("rnn.step-jacobian", title="Jacobian of one RNN step")
def step_jacobian_derivation(d):
    h_t = sp.MatrixSymbol("h_t", n, 1)
    d.step("Name the pre-activation.", Z_T, PRE_ACTIVATION)
    d.step("One step of the RNN applies $\\sigma$ entry by entry.", h_t, elementwise(sigma, Z_T))
    derived = MODEL.diff(H_PREV)
    d.step("SymPy's matrix calculus differentiates the step for general $n$. It answers in "
           "denominator layout, with one row per entry of $h_{t-1}$:",
           Transposed(Partial(h_t, H_PREV)), derived.subs(PRE_ACTIVATION, Z_T))
    numerator = derived.T
    d.step("Transpose to numerator layout, one row per entry of $h_t$; a diagonal matrix is its own transpose.",
           Partial(h_t, H_PREV), numerator.subs(PRE_ACTIVATION, Z_T))
    d.prove(numerator, STEP_JACOBIAN,
            claim=r"$\partial h_t / \partial h_{t-1} = \operatorname{diag}(\sigma'(z_t))\,W_{hh}$ for general $n$")
    for size in (1, 2, 3):
        W, (h0, h1), (z1,) = explicit_states(size, 1)
        d.prove(h1.jacobian(h0), explicit_step_jacobian(W, z1),
                claim=f"the explicit {size}×{size} Jacobian agrees entry by entry")
    d.result((Partial(at("h", t), at("h", t - 1)), STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)))


@derivation("rnn.span-jacobian", title="Jacobian across k steps: an ordered product")
def span_jacobian_derivation(d):
    J = lambda time: at("J", time)  # noqa: E731 - a local shorthand for the printed factor
    h = lambda time: at("h", time)  # noqa: E731
    d.step("Base case $k = 1$: the span is one step, whose Jacobian $J_{t+1}$ is rnn.step-jacobian.", Partial(h(t + 1), h(t)), J(t + 1))
    d.step("Inductive step: $h_{t+k+1}$ depends on $h_t$ only through $h_{t+k}$, so the chain rule "
           "puts the new factor on the left. SymPy checks the result entry by entry for "
           "$n, k \\in \\{1, 2, 3\\}$.",
           Partial(h(t + k + 1), h(t)),
           Juxtaposed(Partial(h(t + k + 1), h(t + k)), Partial(h(t + k), h(t))))
    for size, steps in GRID:
        W, states, pre = explicit_states(size, steps)
        product = sp.eye(size)
        for z in pre:
            product = explicit_step_jacobian(W, z) * product
        d.prove(states[-1].jacobian(states[0]), product,
                claim=f"n = {size}, k = {steps}: the explicit Jacobian equals the ordered product")
    d.result((Partial(h(t + k), h(t)), Chain(J(t + k), J(t + k - 1), J(t + 1)),
              OrderedProduct(DiagMatrix(elementwise(SIGMA_PRIME, at("z", t + k - j, (n, 1)))) * W_HH,
                             j, 0, k - 1)))


def _column(name: str, size: int) -> sp.Matrix:
    return sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"{name}{a}"))


def _tail_loss(W: sp.Matrix, h_start: sp.Matrix, start: int, horizon: int):
    """Σ_{s=start}^{horizon} ℓ_s(h_s) with h_start free, later states unrolled from it."""
    states, total = [h_start], ell(start, h_start)
    for s in range(start + 1, horizon + 1):
        states.append((W * states[-1] + _column(f"u_{s}", W.rows)).applyfunc(sigma))
        total += ell(s, states[-1])
    return total, states


def ell(s: int, h: sp.Matrix):
    """The loss at step s as an undefined function of h_s (it stands for L_s(W_hy h_s + b_y))."""
    return sp.Function(f"ell_{s}")(*h)


def _gradient(expr, column: sp.Matrix) -> sp.Matrix:
    return sp.Matrix([expr.diff(entry) for entry in column])


def hidden_gradients(W: sp.Matrix, horizon: int) -> dict[int, tuple[sp.Matrix, sp.Matrix]]:
    """For each t: ∂L/∂h_t computed directly, with h_t a free column, and that column."""
    out = {}
    for start in range(1, horizon + 1):
        h_free = _column(f"g_{start}", W.rows)
        total, _ = _tail_loss(W, h_free, start, horizon)
        out[start] = (_gradient(total, h_free), h_free)
    return out


HIDDEN_GRID = ((1, 3), (2, 2), (2, 3))
"""(n, T) pairs on which the gradient identities are verified symbolically."""


@derivation("rnn.hidden-gradient", title="Gradient of the loss with respect to a hidden state")
def hidden_gradient_derivation(d):
    h = lambda time: at("h", time)  # noqa: E731
    L = sp.Symbol("L")
    d.step("$L_s$ depends on $h_t$ only for $s \\ge t$, through $h_s$.", Partial(L, h(t)),
           sp.Sum(Partial(at("L", sp.Symbol("s")), h(t)), (sp.Symbol("s"), t, sp.Symbol("T"))))
    d.step("Split off $s = t$; every later term reaches $h_t$ through $h_{t+1}$. With gradients "
           "written as columns the chain rule transposes the Jacobian.", Partial(L, h(t)),
           sp.Add(Partial(at("L", t), h(t)), later_terms(h), evaluate=False))
    for size, horizon in HIDDEN_GRID:
        W = sp.Matrix(size, size, lambda a, b: sp.Symbol(f"w_{a}{b}"))
        grads = hidden_gradients(W, horizon)
        for s in range(1, horizon):
            direct, h_free = grads[s]
            later, h_next = grads[s + 1]
            z_next = W * h_free + _column(f"u_{s + 1}", size)
            unrolled = later.xreplace(dict(zip(h_next, z_next.applyfunc(sigma))))
            stated = _gradient(ell(s, h_free), h_free) + explicit_step_jacobian(W, z_next).T * unrolled
            d.prove(direct, stated, claim=f"n = {size}, T = {horizon}, t = {s}: the recurrence holds")
    d.result((Partial(L, h(t)), sp.Add(Partial(at("L", t), h(t)), later_terms(h), evaluate=False)))


def later_terms(h):
    """(∂h_{t+1}/∂h_t)^⊤ ∂L/∂h_{t+1}, the part of the gradient that flows back one step."""
    return Juxtaposed(Transposed(Partial(h(t + 1), h(t))), Partial(sp.Symbol("L"), h(t + 1)))


@derivation("rnn.whh-gradient", title="Gradient of the loss with respect to W_hh")
def whh_gradient_derivation(d):
    h = lambda time: at("h", time)  # noqa: E731
    L, s = sp.Symbol("L"), sp.Symbol("t")
    summand = Juxtaposed(DiagMatrix(elementwise(SIGMA_PRIME, Z_T)), Partial(L, h(s)), H_PREV.T)
    d.step("$W_{hh}$ acts at every step, so its gradient sums one contribution per step; at step $t$ "
           "it enters only through $z_t = W_{hh} h_{t-1} + \\dots$, and "
           "$\\partial z_{t,i} / \\partial (W_{hh})_{ij} = h_{t-1,j}$.",
           Partial(L, W_HH), sp.Sum(summand, (s, 1, sp.Symbol("T"))))
    for size, horizon in HIDDEN_GRID:
        W, states, pre = explicit_states(size, horizon)
        loss = sum((ell(i, states[i]) for i in range(1, horizon + 1)), sp.Integer(0))
        direct = sp.Matrix(size, size, lambda a, b: loss.diff(W[a, b]))
        grads = hidden_gradients(W, horizon)
        total = sp.zeros(size, size)
        for i in range(1, horizon + 1):
            gradient, h_free = grads[i]
            g = gradient.xreplace(dict(zip(h_free, states[i])))
            total += sp.diag(*[sigma_prime(entry) for entry in pre[i - 1]]) * g * states[i - 1].T
        d.prove(direct, total, claim=f"n = {size}, T = {horizon}: the sum over steps equals the direct derivative")
    d.result((Partial(L, W_HH), sp.Sum(summand, (s, 1, sp.Symbol("T")))))


# --- Numeric API: the closed forms above, lambdified for a concrete activation. ---

_SYMBOLS = [W_HH, W_XH, B_H, H_PREV, X_T]


@functools.cache
def compiled(which: str, activation: str):
    """The lambdified "step" (MODEL) or "jacobian" (STEP_JACOBIAN) for a checked activation name, taking
    W_hh, W_xh, the bias and the state as columns, and x_t as a column."""
    expr = {"step": MODEL, "jacobian": STEP_JACOBIAN}[which]
    return lambdify_matrix(_SYMBOLS, concrete(expr, activation))


def _columns(shapes: Shapes, W_hh, W_xh, b_h, h, h_name: str) -> list[np.ndarray]:
    W_hh = shapes.array("W_hh", W_hh, ("n", "n"))
    W_xh = shapes.array("W_xh", W_xh, ("n", "m"))
    b_h = shapes.array("b_h", b_h, ("n",))
    h = shapes.array(h_name, h, ("n",))
    return [W_hh, W_xh, b_h[:, None], h[:, None]]


def _evaluate(which: str, activation: str, args: list[np.ndarray]) -> np.ndarray:
    with np.errstate(over="ignore"):  # exp overflow in the sigmoid saturates correctly to 0 or 1
        return np.asarray(compiled(which, check_activation(activation))(*args), dtype=float)


def step(W_hh, W_xh, b_h, h_prev, x_t, activation: str = "tanh") -> np.ndarray:
    """h_t = σ(W_hh h_{t-1} + W_xh x_t + b_h), shape (n,)."""
    shapes = Shapes()
    args = _columns(shapes, W_hh, W_xh, b_h, h_prev, "h_prev")
    x = shapes.array("x_t", x_t, ("m",))
    return _evaluate("step", activation, args + [x[:, None]])[:, 0]


def step_jacobian(W_hh, W_xh, b_h, h_prev, x_t, activation: str = "tanh") -> np.ndarray:
    """∂h_t/∂h_{t-1} = diag(σ'(z_t)) W_hh (``rnn.step-jacobian``), shape (n, n)."""
    shapes = Shapes()
    args = _columns(shapes, W_hh, W_xh, b_h, h_prev, "h_prev")
    x = shapes.array("x_t", x_t, ("m",))
    return _evaluate("jacobian", activation, args + [x[:, None]])


def span_jacobian(W_hh, W_xh, b_h, h_start, xs, activation: str = "tanh") -> np.ndarray:
    """∂h_{t+k}/∂h_t with h_t = h_start and xs = x_{t+1..t+k} (``rnn.span-jacobian``), shape (n, n).

    The ordered product J_{t+k} ⋯ J_{t+1}: each new step's Jacobian multiplies on the left.
    """
    shapes = Shapes()
    args = _columns(shapes, W_hh, W_xh, b_h, h_start, "h_start")
    xs = shapes.array("xs", xs, ("k", "m"))
    check_activation(activation)  # also when k = 0 and no step evaluates it
    product = np.eye(args[0].shape[0])
    for x in xs:
        step_args = args + [x[:, None]]
        product = _evaluate("jacobian", activation, step_args) @ product
        args[3] = _evaluate("step", activation, step_args)
    return product


EXACT_EVERY = 256
"""Steps between exact (SVD) spectral norms in :func:`span_log_norms`; power iteration in between."""
TOLERANCE = 1e-12
"""Relative change of the power-iteration estimate below which it is taken as converged."""
ITERATIONS = 32
"""Power iterations per step before falling back to an SVD."""


def _spectral_norm(matrix: np.ndarray, v: np.ndarray | None, exact: bool) -> tuple[float, np.ndarray]:
    """‖matrix‖₂ and its top right singular vector: power iteration from ``v`` (the previous step's
    vector, which moves little from step to step) until two estimates agree to :data:`TOLERANCE`;
    by SVD when ``exact``, when there is no ``v``, or when :data:`ITERATIONS` do not converge."""
    if not exact and v is not None:
        estimate = np.linalg.norm(matrix @ v)
        for _ in range(ITERATIONS):
            w = matrix.T @ (matrix @ v)
            size = np.linalg.norm(w)
            if size == 0:
                break
            v = w / size
            previous, estimate = estimate, np.linalg.norm(matrix @ v)
            if estimate - previous <= TOLERANCE * estimate:  # power iteration never lowers the estimate
                return estimate, v
    _, singular_values, vt = np.linalg.svd(matrix)
    return singular_values[0], vt[0]


def span_log_norms(W_hh, W_xh, b_h, h_start, xs, activation: str = "tanh") -> np.ndarray:
    """log ‖∂h_{t+j}/∂h_t‖₂ for j = 1 … k, the norms of ``rnn.span-jacobian`` that ``bounds.span-norm``
    bounds, shape (k,), without underflow.

    The running product J_{t+j} ⋯ J_{t+1} is rescaled to norm 1 after every step and the logs of
    the scales are summed; once the product is exactly zero the log norm is −∞ from then on. Each
    step costs one n×n matrix product: the norm is followed by warm-started power iteration and
    recomputed exactly every :data:`EXACT_EVERY` steps. A norm that is slightly off changes only
    that step's value, since the next step rescales by the norm it measures.
    """
    shapes = Shapes()
    columns = _columns(shapes, W_hh, W_xh, b_h, h_start, "h_start")
    xs = shapes.array("xs", xs, ("k", "m"))
    jacobian, next_state = compiled("jacobian", check_activation(activation)), compiled("step", activation)
    logs = np.full(len(xs), -np.inf)
    product, total, v = np.eye(columns[0].shape[0]), 0.0, None
    with np.errstate(over="ignore"):  # exp overflow in the sigmoid saturates correctly to 0 or 1
        for index, x in enumerate(xs):
            arguments = columns + [x[:, None]]
            product = np.asarray(jacobian(*arguments), dtype=float) @ product
            columns[3] = np.asarray(next_state(*arguments), dtype=float)
            scale, v = _spectral_norm(product, v, exact=index % EXACT_EVERY == 0)
            if scale == 0:
                break
            total += np.log(scale)
            product /= scale
            logs[index] = total
    return logs
