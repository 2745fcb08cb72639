"""The worked example of the notes: a sigmoid RNN across 100 steps."""

from __future__ import annotations

import sympy as sp

from .activation import SUPREMUM
from .notation import Approximately, Juxtaposed, Log10, Power
from .registry import derivation

STEPS = 100


@derivation("example.sigmoid-100-steps", title="Best case for a sigmoid RNN over 100 steps")
def sigmoid_100_steps(d):
    gamma = SUPREMUM["sigmoid"]
    factor = Power(gamma, STEPS)
    value = gamma**STEPS
    d.step("Each step multiplies by at most $\\gamma = \\max \\sigma' = 1/4$ "
           "(activation.sigmoid-derivative); take $\\lVert W_{hh} \\rVert = 1$ and the best case, "
           "$\\sigma'(z) = 1/4$, at every one of the 100 steps.",
           Power(sp.Symbol(r"\gamma"), STEPS), factor)
    exact = Power(2, -2 * STEPS)
    d.prove(value, sp.Integer(2) ** (-2 * STEPS), claim="(1/4)^100 = 2^-200 exactly")
    exponent = sp.log(value, 10)
    d.step("Its decimal exponent is $-200 \\log_{10} 2$.", Log10(factor), sp.N(exponent, 5))
    approx = sp.Float(sp.N(value, 3), 3)
    d.check(abs(approx - value) / value < sp.Rational(1, 100), claim="6.22e-61 is (1/4)^100 to 3 digits")
    ratio = sp.Rational(1, 10**60) / value
    d.step("The notes round this to $10^{-60}$, which is larger by a factor of about 1.6:", Juxtaposed(
        Power(10, -60), sp.Symbol(r"\big/"), factor), sp.N(ratio, 3))
    d.check(ratio > sp.Rational(3, 2), claim="the notes' ≈ 10^-60 overstates the value by more than 50%")
    d.result((factor, exact, Approximately(approx)))
