"""Activation functions and their derivatives: the factor every step of backpropagation multiplies by.

The bounds proved here (σ' ≤ 1/4, tanh' ≤ 1) are what make long products shrink.
"""

from __future__ import annotations

import sympy as sp

from .notation import Maximum, sigma
from .registry import derivation

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

SUPREMUM = {"sigmoid": sp.Rational(1, 4), "tanh": sp.Integer(1), "relu": sp.Integer(1)}
"""γ = sup |σ'|, proved below for each activation."""


def _maximum_at_critical_point(d, name: str, shown) -> None:
    """Find σ'’s critical point, prove it is the global maximum, and prove the maximum value."""
    derivative = sp.diff(DEFINITIONS[name], x)
    critical = sp.solve(sp.diff(derivative, x), x)
    d.step(f"Set the derivative of {name}' to zero: its only real critical point is $x = 0$.",
           sp.Derivative(shown, x), 0)
    d.prove(sp.Matrix([critical]), sp.Matrix([[0]]), claim="x = 0 is the only critical point")
    curvature = sp.diff(derivative, x, 2).subs(x, 0)
    d.check(curvature < 0, claim=f"{name}''(0) < 0, so x = 0 is a local maximum of {name}'")
    for end, shown_end in ((sp.oo, "+∞"), (-sp.oo, "−∞")):
        d.prove(sp.limit(derivative, x, end), 0, claim=f"{name}' tends to 0 as x → {shown_end}")
    peak = sp.simplify(derivative.subs(x, 0))
    d.step("A single critical point, a local maximum, and zero at both ends: it is the global maximum.",
           Maximum(shown, x), peak)
    d.prove(peak, SUPREMUM[name], claim=f"max {name}' = {SUPREMUM[name]}")


@derivation("activation.sigmoid-derivative", title="Derivative of the logistic sigmoid, and its maximum")
def sigmoid_derivative(d):
    s = DEFINITIONS["sigmoid"]
    d.step("The logistic sigmoid.", sigma(x), s)
    derived = sp.diff(s, x)
    d.step("Differentiate (quotient rule).", sp.Derivative(sigma(x), x), derived)
    d.prove(derived, DERIVATIVES["sigmoid"], claim="σ' = σ(1 − σ)")
    shown = sp.Mul(sigma(x), 1 - sigma(x), evaluate=False)
    d.step("Rewrite with $\\sigma$ itself: the derivative is $\\sigma(1-\\sigma)$.", sp.Derivative(sigma(x), x), shown)
    _maximum_at_critical_point(d, "sigmoid", sp.Derivative(sigma(x), x))
    d.result((sp.Derivative(sigma(x), x), shown), (Maximum(sp.Derivative(sigma(x), x), x),
             sp.Subs(sp.Derivative(sigma(x), x), x, 0), SUPREMUM["sigmoid"]))


@derivation("activation.tanh-derivative", title="Derivative of tanh, and its maximum")
def tanh_derivative(d):
    derived = sp.diff(DEFINITIONS["tanh"], x)
    d.step("Differentiate the hyperbolic tangent.", sp.Derivative(sp.tanh(x), x), derived)
    d.prove(derived, DERIVATIVES["tanh"], claim="tanh' = 1 − tanh²")
    _maximum_at_critical_point(d, "tanh", DERIVATIVES["tanh"])
    d.result((sp.Derivative(sp.tanh(x), x), DERIVATIVES["tanh"]),
             (Maximum(DERIVATIVES["tanh"], x), DERIVATIVES["tanh"].subs(x, 0)))


@derivation("activation.relu-derivative", title="Derivative of ReLU")
def relu_derivative(d):
    derived = sp.diff(DEFINITIONS["relu"], x)
    d.step("Differentiate $\\max(0, x)$ away from the kink at $x = 0$ ($H$ is the Heaviside step).", sp.Derivative(DEFINITIONS["relu"], x), derived)
    p = sp.Symbol("p", positive=True)
    d.prove(derived.subs(x, p), 1, claim="ReLU' = 1 for x > 0")
    d.prove(derived.subs(x, -p), 0, claim="ReLU' = 0 for x < 0")
    d.prove(DERIVATIVES["relu"].subs(x, p), 1, claim="the closed form is 1 for x > 0")
    d.prove(DERIVATIVES["relu"].subs(x, -p), 0, claim="the closed form is 0 for x < 0")
    indicator = sp.Piecewise((1, x > 0), (0, True))
    d.result((sp.Derivative(DEFINITIONS["relu"], x), indicator))
