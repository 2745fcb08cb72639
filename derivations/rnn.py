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

from . import activation as act
from . import lemmas
from .instances import Instance, evaluate
from .notation import (AtMost, Chain, Juxtaposed, Norm, OrderedProduct, Partial, Power, Transposed, at, elementwise,
                       sigma)
from .numeric import Shapes, check_activation, concrete, lambdify_matrix
from .registry import definition, derivation

n, m, p = sp.symbols("n m p", integer=True, positive=True)
t, k, j = sp.symbols("t k j", integer=True)
T = sp.Symbol("T", integer=True, positive=True)
L = sp.Symbol("L")
W_HH = sp.MatrixSymbol("W_hh", n, n)
W_XH = sp.MatrixSymbol("W_xh", n, m)
W_HY = sp.MatrixSymbol("W_hy", p, n)
B_H = sp.MatrixSymbol("b_h", n, 1)
B_Y = sp.MatrixSymbol("b_y", p, 1)
H_PREV = sp.MatrixSymbol("h_{t-1}", n, 1)
X_T = sp.MatrixSymbol("x_t", m, 1)
Z_T = sp.MatrixSymbol("z_t", n, 1)
PRE_ACTIVATION = W_HH * H_PREV + W_XH * X_T + B_H
_u = sp.Dummy("u")
SIGMA_PRIME = sp.Lambda(_u, sigma(_u).diff(_u))

STATE = elementwise(sigma, Z_T)
"""h_t = σ(z_t), the state as the page defines it (``rnn.model``)."""
MODEL = STATE.subs(Z_T, PRE_ACTIVATION)
"""h_t = σ(W_hh h_{t-1} + W_xh x_t + b_h) as a matrix expression in the parameters, h_{t-1} and x_t."""

LOSS = sp.Sum(at("L", t), (t, 1, T))
"""L = Σ_t L_t, the loss as ``rnn.model`` defines it; ``rnn.whh-gradient`` differentiates this sum."""

STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH
"""The stated closed form ∂h_t/∂h_{t-1} = diag(σ'(z_t)) W_hh, proved by ``rnn.step-jacobian``."""

CHAIN_RULE = (Partial(sp.Symbol("a"), sp.Symbol("c")),
              Juxtaposed(Partial(sp.Symbol("a"), sp.Symbol("b")), Partial(sp.Symbol("b"), sp.Symbol("c"))))
"""∂a/∂c = (∂a/∂b)(∂b/∂c), proved by ``rnn.chain-rule``."""

GRID = tuple(itertools.product((1, 2, 3), (1, 2, 3)))
"""(n, k) pairs on which the explicit n×n, k-step identities are verified symbolically."""


def h(time, shape=None):
    """The hidden state at ``time``."""
    return at("h", time, shape)


@definition("rnn.model", title="The simple RNN")
def model_definition(d):
    d.define(("pre-activation", Z_T, PRE_ACTIVATION), ("state", h(t), STATE),
             ("output", at("y", t), W_HY * h(t, (n, 1)) + B_Y), ("loss", L, LOSS))


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


def model_instances(jacobian_sizes=(1, 2, 3)) -> tuple[Instance, ...]:
    """h_t and h_{t-1} as the model defines them: for general n, and explicitly for each size."""
    values = {h(t): MODEL, h(t - 1): H_PREV}
    general = Instance("general n", "symbolic", subs={Z_T: PRE_ACTIVATION}, values=values)
    return (general, *(Instance(f"explicit n = {size}", "explicit", subs={Z_T: PRE_ACTIVATION, n: size, m: 1},
                                values=values, explicit=True) for size in jacobian_sizes))


@derivation("rnn.step-jacobian", title="Jacobian of one RNN step", uses=("rnn.model",))
def step_jacobian_derivation(d):
    h_t = sp.MatrixSymbol("h_t", n, 1)
    d.step("Name the pre-activation (rnn.model).", Z_T, PRE_ACTIVATION)
    d.step("One step of the RNN applies $\\sigma$ entry by entry.", h_t, STATE)
    derived = MODEL.diff(H_PREV)
    d.step("SymPy's matrix calculus differentiates the step for general $n$. It answers in "
           "denominator layout, with one row per entry of $h_{t-1}$:",
           Transposed(Partial(h_t, H_PREV)), derived.subs(PRE_ACTIVATION, Z_T))
    d.step("Transpose to numerator layout, one row per entry of $h_t$; a diagonal matrix is its own transpose.",
           Partial(h_t, H_PREV), derived.T.subs(PRE_ACTIVATION, Z_T))
    d.result((Partial(h(t), h(t - 1)), STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)), at=model_instances())


def chain_rule_instances(sizes=(1, 2, 3)) -> tuple[Instance, ...]:
    """a = F(G(x)), b = G(x), c = x for arbitrary smooth maps F, G of ℝ^size (undefined functions)."""
    a, b, c = sp.symbols("a b c")
    out = []
    for size in sizes:
        x = sp.Matrix(sp.symbols(f"x_1:{size + 1}"))
        y = sp.Matrix(sp.symbols(f"y_1:{size + 1}"))
        G = sp.Matrix([sp.Function(f"g_{i}")(*x) for i in range(1, size + 1)])
        F = sp.Matrix([sp.Function(f"f_{i}")(*y) for i in range(1, size + 1)])
        at_G = dict(zip(y, G))
        values = {a: F.xreplace(at_G), b: G, c: x, Partial(a, b): F.jacobian(y).xreplace(at_G)}
        out.append(Instance(f"every smooth F, G on ℝ^{size}", "explicit", values=values))
    return tuple(out)


@derivation("rnn.chain-rule", title="The chain rule in numerator layout")
def chain_rule_derivation(d):
    d.step("If $a$ depends on $c$ only through $b$, say $a = F(b)$ and $b = G(c)$, entry $(i, j)$ of "
           "$\\partial a / \\partial c$ sums over the entries of $b$; SymPy differentiates $F(G(c))$ for "
           "arbitrary smooth $F$ and $G$.", *CHAIN_RULE)
    d.result(CHAIN_RULE, at=chain_rule_instances())


def span_instances(grid=GRID) -> tuple[Instance, ...]:
    """The span at explicit sizes and lengths, t = 0: states, step Jacobians and pre-activations."""
    out = []
    for size, steps in grid:
        W, states, pre = explicit_states(size, steps)
        values = {h(i): states[i] for i in range(steps + 1)}
        values.update({at("J", i): explicit_step_jacobian(W, pre[i - 1]) for i in range(1, steps + 1)})
        values.update({at("z", i, (size, 1)): pre[i - 1] for i in range(1, steps + 1)})
        out.append(Instance(f"n = {size}, k = {steps}", "explicit", subs={n: size, t: 0, k: steps, W_HH: W},
                            values=values))
    return tuple(out)


@derivation("rnn.span-jacobian", title="Jacobian across k steps: an ordered product",
            uses=("rnn.step-jacobian", "rnn.chain-rule"))
def span_jacobian_derivation(d):
    J = lambda time: at("J", time)  # noqa: E731 - a local shorthand for the printed factor
    d.step("Base case $k = 1$: the span is one step, whose Jacobian $J_{t+1}$ is rnn.step-jacobian.", Partial(h(t + 1), h(t)), J(t + 1))
    d.step("Inductive step: $h_{t+k+1}$ depends on $h_t$ only through $h_{t+k}$, so the chain rule "
           "(rnn.chain-rule) puts the new factor on the left. SymPy proves that chain rule for arbitrary "
           "smooth maps of $\\mathbb{R}^n$, $n = 1, 2, 3$, whatever map $h_{t+k}$ is of $h_t$, so the step "
           "holds for every $k$.",
           Partial(h(t + k + 1), h(t)),
           Juxtaposed(Partial(h(t + k + 1), h(t + k)), Partial(h(t + k), h(t))))
    for instance in chain_rule_instances():
        left, right = (evaluate(part, instance) for part in CHAIN_RULE)
        d.prove(left, right, kind="induction",
                claim=f"inductive step by rnn.chain-rule, {instance.label}: the step holds whatever k is")
    d.result((Partial(h(t + k), h(t)), Chain(J(t + k), J(t + k - 1), J(t + 1)),
              OrderedProduct(DiagMatrix(elementwise(SIGMA_PRIME, at("z", t + k - j, (n, 1)))) * W_HH,
                             j, 0, k - 1)), at=span_instances())


ORDER_A, ORDER_B = sp.MatrixSymbol("A", 2, 2), sp.MatrixSymbol("B", 2, 2)
ORDER_EXAMPLE = {ORDER_A: sp.Matrix([[1, 1], [0, 1]]), ORDER_B: sp.Matrix([[1, 0], [1, 1]])}
"""Two 2×2 matrices whose products in the two orders differ."""


@derivation("rnn.order-matters", title="Matrix products depend on the order of the factors")
def order_matters_derivation(d):
    A, B = ORDER_A, ORDER_B
    d.check(ORDER_EXAMPLE[A] * ORDER_EXAMPLE[B] != ORDER_EXAMPLE[B] * ORDER_EXAMPLE[A], kind="explicit",
            claim="AB ≠ BA for the example")
    d.result(("A", A, ORDER_EXAMPLE[A]), ("B", B, ORDER_EXAMPLE[B]), ("AB", A * B, ORDER_EXAMPLE[A] * ORDER_EXAMPLE[B]),
             ("BA", B * A, ORDER_EXAMPLE[B] * ORDER_EXAMPLE[A]),
             at=(Instance("the example's A and B", "explicit", subs=ORDER_EXAMPLE),))


def _column(name: str, size: int) -> sp.Matrix:
    return sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"{name}{a}"))


def _tail_loss(W: sp.Matrix, h_start: sp.Matrix, start: int, horizon: int):
    """Σ_{s=start}^{horizon} ℓ_s(h_s) with h_start free, later states unrolled from it."""
    states, total = [h_start], ell(start, h_start)
    for s in range(start + 1, horizon + 1):
        states.append((W * states[-1] + _column(f"u_{s}", W.rows)).applyfunc(sigma))
        total += ell(s, states[-1])
    return total, states


def ell(s: int, state: sp.Matrix):
    """The loss at step s as an undefined function of h_s (it stands for L_s(W_hy h_s + b_y))."""
    return sp.Function(f"ell_{s}")(*state)


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


def hidden_gradient_instances() -> tuple[Instance, ...]:
    """∂L/∂h_s with h_s a free column and the later states unrolled from it, for each explicit (n, T, s)."""
    out = []
    for size, horizon in HIDDEN_GRID:
        W = sp.Matrix(size, size, lambda a, b: sp.Symbol(f"w_{a}{b}"))
        grads = hidden_gradients(W, horizon)
        for s in range(1, horizon):
            h_free = grads[s][1]
            later, h_next = grads[s + 1]
            following = (W * h_free + _column(f"u_{s + 1}", size)).applyfunc(sigma)
            values = {L: _tail_loss(W, h_free, s, horizon)[0], h(s): h_free, h(s + 1): following,
                      at("L", s): ell(s, h_free), Partial(L, h(s + 1)): later.xreplace(dict(zip(h_next, following)))}
            out.append(Instance(f"n = {size}, T = {horizon}, t = {s}", "explicit", subs={t: s}, values=values))
    return tuple(out)


@derivation("rnn.hidden-gradient", title="Gradient of the loss with respect to a hidden state")
def hidden_gradient_derivation(d):
    s = sp.Symbol("s", integer=True)
    d.step("$L_s$ depends on $h_t$ only for $s \\ge t$, through $h_s$.", Partial(L, h(t)),
           sp.Sum(Partial(at("L", s), h(t)), (s, t, T)))
    d.step("Split off $s = t$; every later term reaches $h_t$ through $h_{t+1}$. With gradients "
           "written as columns the chain rule transposes the Jacobian.", Partial(L, h(t)),
           sp.Add(Partial(at("L", t), h(t)), later_terms(), evaluate=False))
    d.result((Partial(L, h(t)), sp.Add(Partial(at("L", t), h(t)), later_terms(), evaluate=False)),
             at=hidden_gradient_instances())


def later_terms():
    """(∂h_{t+1}/∂h_t)^⊤ ∂L/∂h_{t+1}, the part of the gradient that flows back one step."""
    return Juxtaposed(Transposed(Partial(h(t + 1), h(t))), Partial(L, h(t + 1)))


def whh_gradient_instances() -> tuple[Instance, ...]:
    """The loss of explicit (n, T) unrolled from h_0, its per-step gradients and states."""
    out = []
    for size, horizon in HIDDEN_GRID:
        W, states, pre = explicit_states(size, horizon)
        grads = hidden_gradients(W, horizon)
        values = {L: LOSS, **{at("L", i): ell(i, states[i]) for i in range(1, horizon + 1)}}
        for i in range(1, horizon + 1):
            gradient, h_free = grads[i]
            values[Partial(L, h(i))] = gradient.xreplace(dict(zip(h_free, states[i])))
            values[at("z", i, (size, 1))] = pre[i - 1]
            values[h(i - 1, (size, 1))] = states[i - 1]
        out.append(Instance(f"n = {size}, T = {horizon}", "explicit", subs={n: size, T: horizon, W_HH: W},
                            values=values))
    return tuple(out)


@derivation("rnn.whh-gradient", title="Gradient of the loss with respect to W_hh", uses=("rnn.model",))
def whh_gradient_derivation(d):
    summand = Juxtaposed(DiagMatrix(elementwise(SIGMA_PRIME, at("z", t, (n, 1)))), Partial(L, h(t)),
                         h(t - 1, (n, 1)).T)
    d.step("$W_{hh}$ acts at every step, so its gradient sums one contribution per step; at step $t$ "
           "it enters only through $z_t = W_{hh} h_{t-1} + \\dots$, and "
           "$\\partial z_{t,i} / \\partial (W_{hh})_{ij} = h_{t-1,j}$.",
           Partial(L, W_HH), sp.Sum(summand, (t, 1, T)))
    d.result((Partial(L, W_HH), sp.Sum(summand, (t, 1, T))), at=whh_gradient_instances())


TAU = sp.Symbol("tau", integer=True, positive=True)
"""τ, the number of steps truncated backpropagation through time carries each loss term back."""
TRUNCATED = sp.Symbol(r"\tilde{g}_{\tau}")
"""What truncated BPTT returns in place of ∂L/∂W_hh."""
GAMMA = sp.Symbol("gamma", positive=True)
LAMBDA_1 = sp.Symbol("lambda_1", positive=True)
"""γ = sup |σ'| and λ₁ = ‖W_hh‖₂, the symbols of ``bounds.step-norm`` and ``bounds.span-norm``."""
RATE = GAMMA * LAMBDA_1
LOSS_GRADIENT_BOUND = sp.Symbol("E", positive=True)
STATE_BOUND = sp.Symbol("H", positive=True)
"""E ≥ ‖∂L_s/∂h_s‖₂ for every s, and H ≥ ‖h_{t-1}‖₂ for every t."""


def lag_term(time, lag):
    """The term of ∂L/∂W_hh that links the loss L_{time+lag} to the use of W_hh at step ``time``."""
    return Juxtaposed(DiagMatrix(elementwise(SIGMA_PRIME, at("z", time, (n, 1)))),
                      Transposed(Partial(h(time + lag), h(time))), Partial(at("L", time + lag), h(time + lag)),
                      h(time - 1, (n, 1)).T)


def _norm_bound(time, lag):
    """γ (γλ₁)^lag ‖∂L_{time+lag}/∂h_{time+lag}‖₂ ‖h_{time-1}‖₂, the bound on the norm of :func:`lag_term`."""
    return Juxtaposed(GAMMA, Power(RATE, lag), Norm(Partial(at("L", time + lag), h(time + lag))),
                      Norm(h(time - 1, (n, 1))))


def _double_sum(term, lags: tuple, steps: tuple):
    """Σ_t Σ_k term, the inner sum kept whole (SymPy would merge two nested sums into one)."""
    return sp.Sum(Juxtaposed(sp.Sum(term, (k, *lags))), (t, *steps))


def _truncation_display():
    """The three clauses of ``rnn.truncated-bptt``: the truncated sum, the bias, and its bound."""
    last = sp.Min(sp.Add(TAU, -1, evaluate=False), sp.Add(T, -t, evaluate=False), evaluate=False)
    kept = _double_sum(lag_term(t, k), (0, last), (1, T))
    bias = sp.Add(Partial(L, W_HH), -TRUNCATED, evaluate=False)
    dropped = _double_sum(lag_term(t, k), (TAU, T - t), (1, T - TAU))
    bound = _double_sum(_norm_bound(t, k), (TAU, T - t), (1, T - TAU))
    tail = sp.Mul(sp.Add(T, -TAU, evaluate=False), GAMMA, LOSS_GRADIENT_BOUND, STATE_BOUND, Power(RATE, TAU),
                  sp.Pow(sp.Add(1, -RATE, evaluate=False), -1), evaluate=False)
    return (("truncated", TRUNCATED, kept), ("bias", bias, dropped),
            ("bound", Norm(bias), AtMost(bound), AtMost(tail)))


TRUNCATION_GRID = ((1, 2), (1, 3), (2, 3))
"""(n, T) pairs on which truncation is proved on explicit symbolic networks, for every τ = 1 … T − 1."""


def _detached_gradient(W: sp.Matrix, states: list, pre: list, horizon: int, steps: int) -> sp.Matrix:
    """Σ_s ∂ℓ_s/∂W_hh with h_{s-steps} held constant (detached): the states before it are computed with a copy
    W' of the weights, the last ``steps`` steps with W; differentiate in W, then set W' = W."""
    size = W.rows
    copy = sp.Matrix(size, size, lambda a, b: sp.Symbol(f"w'_{a}{b}"))
    to_copy, back = dict(zip(W, copy)), dict(zip(copy, W))
    total = sp.zeros(size, size)
    for s_ in range(1, horizon + 1):
        start = max(0, s_ - steps)
        state = states[start].xreplace(to_copy)
        for i in range(start + 1, s_ + 1):
            state = (W * state + (pre[i - 1] - W * states[i - 1])).applyfunc(sigma)
        loss = ell(s_, state)
        total += sp.Matrix(size, size, lambda a, b: loss.diff(W[a, b]))
    return total.xreplace(back)


def truncation_instances() -> tuple[Instance, ...]:
    """Explicit networks with a generic σ and generic losses ℓ_s, for each (n, T) and τ < T: the exact gradient
    by differentiating the loss, the truncated one by differentiating it with h_{s-τ} detached, the span
    Jacobians as products of step Jacobians (rnn.span-jacobian) and ∂ℓ_s/∂h_s at the states."""
    out = []
    for size, horizon in TRUNCATION_GRID:
        W, states, pre = explicit_states(size, horizon)
        values = {L: LOSS, **{at("L", i): ell(i, states[i]) for i in range(1, horizon + 1)}}
        for i in range(1, horizon + 1):
            free = _column(f"g_{i}", size)
            values[Partial(at("L", i), h(i))] = _gradient(ell(i, free), free).xreplace(dict(zip(free, states[i])))
            values[at("z", i, (size, 1))] = pre[i - 1]
            values[h(i - 1, (size, 1))] = states[i - 1]
            product = sp.eye(size)
            values[Partial(h(i), h(i))] = product
            for later in range(i + 1, horizon + 1):
                product = explicit_step_jacobian(W, pre[later - 1]) * product
                values[Partial(h(later), h(i))] = product
        for steps in range(1, horizon):
            truncated = _detached_gradient(W, states, pre, horizon, steps)
            out.append(Instance(f"n = {size}, T = {horizon}, τ = {steps}", "explicit",
                                subs={n: size, T: horizon, TAU: steps, W_HH: W},
                                values={**values, TRUNCATED: truncated}))
    return tuple(out)


NUMERIC_TRUNCATION = tuple((activation, size, horizon, rate, seed)
                           for seed, (activation, size, horizon, rate) in enumerate(
                               itertools.product(("tanh", "sigmoid"), (3, 5), (6, 8), (0.5, 0.9))))
"""Numeric networks (activation, n, T, γλ₁, seed) on which truncation and the bound are checked, every τ < T."""
TRUNCATION_TOLERANCE = 1e-6
"""Relative tolerance of the numeric instances: the bias is a difference of two gradients of order one, so at
γλ₁ = 1/2 and τ = 7 (a bias near 1e-8) it keeps only about eight of the sixteen digits."""
COMPLEX_STEP = 1e-30
"""The step of complex-step differentiation: no difference is taken, so nothing cancels."""


def truncation_network(activation: str, size: int, horizon: int, rate: float, seed: int) -> dict:
    """A random network with ‖W_hh‖₂ = rate/γ, inputs over ``horizon`` steps and targets y_s for the losses
    ℓ_s(h) = ½‖h − y_s‖²."""
    rng = np.random.default_rng(seed)
    W_hh = rng.standard_normal((size, size))
    W_hh *= rate / (float(act.SUPREMUM[activation]) * np.linalg.norm(W_hh, 2))
    return {"W_hh": W_hh, "W_xh": rng.standard_normal((size, 2)), "b_h": rng.standard_normal(size),
            "h0": rng.uniform(-1, 1, size), "xs": rng.standard_normal((horizon, 2)),
            "targets": rng.uniform(-1, 1, (horizon, size)), "activation": activation}


def _complex_loss(net: dict, W, states: list[np.ndarray], steps: int | None) -> complex:
    """Σ_s ℓ_s with W_hh = W (complex), each h_s unrolled from the real state h_{s-steps} (all the way from h_0
    when ``steps`` is None): a detached start is a constant, so no gradient flows into it."""
    activate = {"tanh": np.tanh, "sigmoid": lambda z: (1 + np.tanh(z / 2)) / 2}[net["activation"]]
    total = 0
    for s_ in range(1, len(net["xs"]) + 1):
        start = 0 if steps is None else max(0, s_ - steps)
        state = states[start].astype(complex)
        for i in range(start + 1, s_ + 1):
            state = activate(W @ state + net["W_xh"] @ net["xs"][i - 1] + net["b_h"])
        total = total + 0.5 * np.sum((state - net["targets"][s_ - 1]) ** 2)
    return total


def complex_step_gradient(net: dict, states: list[np.ndarray], steps: int | None) -> np.ndarray:
    """∂/∂W_hh of :func:`_complex_loss` by complex-step differentiation, entry by entry."""
    W = net["W_hh"]
    out = np.zeros_like(W)
    for index in np.ndindex(W.shape):
        bumped = W.astype(complex)
        bumped[index] += 1j * COMPLEX_STEP
        out[index] = _complex_loss(net, bumped, states, steps).imag / COMPLEX_STEP
    return out


def numeric_truncation_instances() -> tuple[Instance, ...]:
    """Each numeric network at every τ < T: gradients by complex step (exact and detached), states, step and span
    Jacobians by the numeric API, γ, λ₁, E and H as their definitions give them."""
    out = []
    for activation, size, horizon, rate, seed in NUMERIC_TRUNCATION:
        net = truncation_network(activation, size, horizon, rate, seed)
        W_hh, W_xh, b_h, xs = net["W_hh"], net["W_xh"], net["b_h"], net["xs"]
        states = [net["h0"]]
        for x_t in xs:
            states.append(step(W_hh, W_xh, b_h, states[-1], x_t, activation))
        values = {Partial(L, W_HH.subs(n, size)): sp.Matrix(complex_step_gradient(net, states, None)),
                  GAMMA: act.SUPREMUM[activation], LAMBDA_1: sp.Float(np.linalg.norm(W_hh, 2))}
        loss_gradients = [states[i] - net["targets"][i - 1] for i in range(1, horizon + 1)]
        values[LOSS_GRADIENT_BOUND] = sp.Float(max(np.linalg.norm(g) for g in loss_gradients))
        values[STATE_BOUND] = sp.Float(max(np.linalg.norm(state) for state in states[:-1]))
        for i in range(1, horizon + 1):
            values[Partial(at("L", i), h(i))] = sp.Matrix(loss_gradients[i - 1])
            values[at("z", i, (size, 1))] = sp.Matrix(W_hh @ states[i - 1] + W_xh @ xs[i - 1] + b_h)
            values[h(i - 1, (size, 1))] = sp.Matrix(states[i - 1])
            product = np.eye(size)
            values[Partial(h(i), h(i))] = sp.Matrix(product)
            for later in range(i + 1, horizon + 1):
                product = step_jacobian(W_hh, W_xh, b_h, states[later - 1], xs[later - 1], activation) @ product
                values[Partial(h(later), h(i))] = sp.Matrix(product)
        for steps in range(1, horizon):
            out.append(Instance(f"{activation}, n = {size}, T = {horizon}, γλ₁ = {rate}, τ = {steps}", "numeric",
                                subs={n: size, T: horizon, TAU: steps, SIGMA_PRIME: sp.Lambda(act.x, act.STABLE[activation])},
                                values={**values, TRUNCATED: sp.Matrix(complex_step_gradient(net, states, steps))},
                                tolerance=TRUNCATION_TOLERANCE))
    return tuple(out)


@derivation("rnn.truncated-bptt", title="Truncated backpropagation through time and its bias",
            uses=("activation.functions", "rnn.model", "rnn.step-jacobian", "rnn.hidden-gradient", "rnn.whh-gradient",
                  "rnn.span-jacobian", "bounds.norm-facts", "bounds.step-norm", "bounds.span-norm"),
            cites=("williams1990",))
def truncated_bptt_derivation(d):
    d.step("Substitute rnn.hidden-gradient into itself: the loss $L_s$ reaches $h_t$ through the span Jacobian "
           "(rnn.span-jacobian), so $\\partial L / \\partial h_t$ is a sum over the lag $k = s - t$.",
           Partial(L, h(t)), sp.Sum(Juxtaposed(Transposed(Partial(h(t + k), h(t))), Partial(at("L", t + k), h(t + k))),
                                    (k, 0, T - t)))
    d.step("Put it into rnn.whh-gradient: every term of $\\partial L / \\partial W_{hh}$ links one loss term to "
           "one use of $W_{hh}$, $k$ steps earlier.", Partial(L, W_HH),
           _double_sum(lag_term(t, k), (0, T - t), (1, T)))
    d.step("Truncated backpropagation through time (Williams and Peng 1990) carries the error of each loss term "
           "back $\\tau$ steps only: the state $\\tau$ steps before it is treated as a constant, as if detached "
           "from the graph. Only the lags $k < \\tau$ survive; write $\\tilde{g}_{\\tau}$ for the result. SymPy "
           "differentiates the loss with those states detached, for $n = 1, 2$ and every $\\tau < T \\le 3$.",
           *_truncation_display()[0][1:])
    d.step("The bias of the truncated gradient is what it leaves out: every term of lag $k \\ge \\tau$, none of "
           "which exists unless $t \\le T - \\tau$.", *_truncation_display()[1][1:])
    d.step("Bound each dropped term: the norm of a product is at most the product of the norms "
           "(bounds.norm-facts), $\\lVert \\operatorname{diag}(\\sigma'(z_t)) \\rVert_2 \\le \\gamma$ "
           "(bounds.step-norm) and the span's norm is at most $(\\gamma \\lambda_1)^k$ (bounds.span-norm), "
           "with $\\lambda_1 = \\lVert W_{hh} \\rVert_2$; the norm of a sum is at most the sum of the norms.",
           sp.Le(Norm(lag_term(t, k)), _norm_bound(t, k), evaluate=False))
    d.lemma(lemmas.SUBMULTIPLICATIVE, claim="‖D P^⊤ g h^⊤‖₂ ≤ ‖D‖₂ ‖P‖₂ ‖g‖₂ ‖h‖₂")
    d.lemma(lemmas.TRANSPOSE_NORM, claim="‖(∂h_(t+k)/∂h_t)^⊤‖₂ = ‖∂h_(t+k)/∂h_t‖₂")
    r, upper = sp.Symbol("r", positive=True), sp.Symbol("N", integer=True, positive=True)
    tail = sp.summation(r ** k, (k, TAU, upper))
    d.step("With $E$ at least every $\\lVert \\partial L_s / \\partial h_s \\rVert_2$ and $H$ at least every "
           "$\\lVert h_{t-1} \\rVert_2$, what is left is a geometric tail in $r = \\gamma \\lambda_1$; SymPy sums it.",
           sp.Sum(r ** k, (k, TAU, upper)), tail)
    ratio = 1 / (1 + sp.Symbol("delta", positive=True))
    closed = (ratio ** TAU - ratio ** (upper + 1)) / (1 - ratio)
    d.prove(sp.summation(ratio ** k, (k, TAU, upper)), closed, kind="symbolic",
            claim="Σ_(k=τ)^N r^k = (r^τ − r^(N+1))/(1 − r) for every r = 1/(1 + δ) < 1, δ > 0")
    gap = r ** (upper + 1) / (1 - r)
    d.prove(r ** TAU / (1 - r) - (r ** TAU - r ** (upper + 1)) / (1 - r), gap, kind="symbolic",
            claim="r^τ/(1 − r) − (r^τ − r^(N+1))/(1 − r) = r^(N+1)/(1 − r)")
    d.check(gap.subs(r, ratio).is_positive, kind="symbolic",
            claim="r^(N+1)/(1 − r) > 0 for r = 1/(1 + δ): the tail is below r^τ/(1 − r)")
    d.step("So for $\\gamma \\lambda_1 < 1$ each of the $T - \\tau$ inner sums is below "
           "$\\gamma E H (\\gamma \\lambda_1)^{\\tau} / (1 - \\gamma \\lambda_1)$: the bias shrinks geometrically "
           "in $\\tau$, as fast as the bound on the spans it cuts.",
           sp.Le(_truncation_display()[2][1], _truncation_display()[2][3].args[0], evaluate=False))
    d.result(*_truncation_display(), at=(*truncation_instances(), *numeric_truncation_instances()))


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
