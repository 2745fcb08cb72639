"""Activation functions and their derivatives: the factor every step of backpropagation multiplies by.

The bounds proved here (σ' ≤ 1/4, tanh' ≤ 1) are what make long products shrink.
"""

from __future__ import annotations

import sympy as sp

from .instances import Instance
from .notation import Maximum, sigma
from .registry import definition, derivation

x = sp.Symbol("x", real=True)

DEFINITIONS = {
    "sigmoid": 1 / (1 + sp.exp(-x)),
    "tanh": sp.tanh(x),
    "relu": sp.Max(0, x),
}
"""Each activation as a SymPy expression in ``x``; the numeric API is lambdified from these."""

DERIVATIVES = {
    "sigmoid": DEFINITIONS["sigmoid"] * (1 - DEFINITIONS["sigmoid"]),
    "tanh": 1 - sp.tanh(x) ** 2,
    "relu": sp.Heaviside(x, 0),
}
"""The closed forms the derivations below prove (ReLU's derivative at 0 is taken as 0, as PyTorch does)."""

STABLE = {
    "sigmoid": DEFINITIONS["sigmoid"] * DEFINITIONS["sigmoid"].subs(x, -x),
    "tanh": 1 / sp.cosh(x) ** 2,
    "relu": DERIVATIVES["relu"],
}
"""The same derivatives in the form the numeric API evaluates, proved equal below: σ(1 − σ) and 1 − tanh²
lose every digit to cancellation once |x| exceeds about 20, where σ(x)σ(−x) and 1/cosh² stay exact."""

SUPREMUM = {"sigmoid": sp.Rational(1, 4), "tanh": sp.Integer(1), "relu": sp.Integer(1)}
"""γ = sup |σ'|, proved below for each activation."""


def maximum_at_critical_point(d, name: str, shown) -> None:
    """Find σ'’s critical point, prove it is the global maximum, and prove the maximum value."""
    derivative = sp.diff(DEFINITIONS[name], x)
    critical = sp.solve(sp.diff(derivative, x), x)
    d.step(f"Set the derivative of {name}' to zero: its only real critical point is $x = 0$.",
           sp.Derivative(shown, x), 0)
    d.prove(sp.Matrix([critical]), sp.Matrix([[0]]), claim="x = 0 is the only critical point", kind="symbolic")
    curvature = sp.diff(derivative, x, 2).subs(x, 0)
    d.check(curvature < 0, claim=f"{name}''(0) < 0, so x = 0 is a local maximum of {name}'", kind="symbolic")
    for end, shown_end in ((sp.oo, "+∞"), (-sp.oo, "−∞")):
        d.prove(sp.limit(derivative, x, end), 0, claim=f"{name}' tends to 0 as x → {shown_end}", kind="symbolic")
    peak = sp.simplify(derivative.subs(x, 0))
    d.step("A single critical point, a local maximum, and zero at both ends: it is the global maximum.",
           Maximum(shown, x), peak)
    d.prove(peak, SUPREMUM[name], claim=f"max {name}' = {SUPREMUM[name]}", kind="symbolic")


def defined(name: str) -> Instance:
    """σ as the activation ``name`` (σ(x) replaced by its definition), for every real x."""
    return Instance(f"σ = {name}, every real x", "symbolic", subs={sigma(x): DEFINITIONS[name]})


NAMES = {"sigmoid": sigma, "tanh": sp.Function(r"\tanh"), "relu": sp.Function(r"\operatorname{ReLU}")}
"""How each activation is written on the page."""


@definition("activation.functions", title="The activation functions")
def functions_definition(d):
    d.define(*((name, NAMES[name](x), DEFINITIONS[name].rewrite(sp.exp)) for name in DEFINITIONS))


@derivation("activation.sigmoid-derivative", title="Derivative of the logistic sigmoid, and its maximum",
            uses=("activation.functions",))
def sigmoid_derivative(d):
    s = DEFINITIONS["sigmoid"]
    d.step("The logistic sigmoid.", sigma(x), s)
    derived = sp.diff(s, x)
    d.step("Differentiate (quotient rule).", sp.Derivative(sigma(x), x), derived)
    shown = sp.Mul(sigma(x), 1 - sigma(x), evaluate=False)
    d.step("Rewrite with $\\sigma$ itself: the derivative is $\\sigma(1-\\sigma)$.", sp.Derivative(sigma(x), x), shown)
    maximum_at_critical_point(d, "sigmoid", sp.Derivative(sigma(x), x))
    d.prove(STABLE["sigmoid"], DERIVATIVES["sigmoid"], kind="symbolic",
            claim="σ(x)σ(−x) = σ(x)(1 − σ(x)), the form the numeric API evaluates without cancellation")
    d.number("at-zero", s.subs(x, 0))
    d.number("at-one", s.subs(x, 1), digits=2)
    d.result(("derivative", sp.Derivative(sigma(x), x), shown),
             ("maximum", Maximum(sp.Derivative(sigma(x), x), x), sp.Subs(sp.Derivative(sigma(x), x), x, 0),
              SUPREMUM["sigmoid"]), at=(defined("sigmoid"),))


@derivation("activation.tanh-derivative", title="Derivative of tanh, and its maximum", uses=("activation.functions",))
def tanh_derivative(d):
    derived = sp.diff(DEFINITIONS["tanh"], x)
    d.step("Differentiate the hyperbolic tangent.", sp.Derivative(sp.tanh(x), x), derived)
    maximum_at_critical_point(d, "tanh", DERIVATIVES["tanh"])
    d.prove(STABLE["tanh"], DERIVATIVES["tanh"], kind="symbolic",
            claim="1/cosh²(x) = 1 − tanh²(x), the form the numeric API evaluates without cancellation")
    d.result(("derivative", sp.Derivative(sp.tanh(x), x), DERIVATIVES["tanh"]),
             ("maximum", Maximum(DERIVATIVES["tanh"], x), DERIVATIVES["tanh"].subs(x, 0)),
             at=(Instance("every real x", "symbolic"),))


@derivation("activation.relu-derivative", title="Derivative of ReLU", uses=("activation.functions",))
def relu_derivative(d):
    derived = sp.diff(DEFINITIONS["relu"], x)
    d.step("Differentiate $\\max(0, x)$ away from the kink at $x = 0$ ($H$ is the Heaviside step).",
           sp.Derivative(DEFINITIONS["relu"], x), derived)
    p = sp.Symbol("p", positive=True)
    d.prove(DERIVATIVES["relu"].subs(x, p), 1, claim="the closed form H(x) is 1 for x > 0", kind="symbolic")
    d.prove(DERIVATIVES["relu"].subs(x, -p), 0, claim="the closed form H(x) is 0 for x < 0", kind="symbolic")
    d.prove(DERIVATIVES["relu"].subs(x, 0), 0, claim="at the kink the closed form takes PyTorch's value, 0",
            kind="symbolic")
    indicator = sp.Piecewise((1, x > 0), (0, True))
    sides = (Instance("every x > 0", "symbolic", subs={x: p}), Instance("every x < 0", "symbolic", subs={x: -p}))
    d.result((sp.Derivative(DEFINITIONS["relu"], x), indicator), at=sides)
