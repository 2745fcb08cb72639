"""The worked example of the notes: a sigmoid RNN across 100 steps, and where floating point gives up."""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.stats import Uniform, variance

from .activation import SUPREMUM
from .instances import Instance
from .notation import Approximately, Juxtaposed, Log10, Power
from .registry import derivation

STEPS = 100
LONG_STEPS = 1000
"""The span of the experiments' longest curves."""


@derivation("example.sigmoid-100-steps", title="Best case for a sigmoid RNN over 100 steps",
            uses=("activation.sigmoid-derivative",))
def sigmoid_100_steps(d):
    gamma = SUPREMUM["sigmoid"]
    factor = Power(gamma, STEPS)
    value = gamma**STEPS
    d.step("Each step multiplies by at most $\\gamma = \\max \\sigma' = 1/4$ "
           "(activation.sigmoid-derivative); take $\\lVert W_{hh} \\rVert = 1$ and the best case, "
           "$\\sigma'(z) = 1/4$, at every one of the 100 steps.",
           Power(sp.Symbol(r"\gamma"), STEPS), factor)
    exponent = sp.log(value, 10)
    d.step("Its decimal exponent is $-200 \\log_{10} 2$.", Log10(factor), sp.N(exponent, 5))
    ratio = sp.Rational(1, 10**60) / value
    d.step("The notes round this to $10^{-60}$; the factor by which that is larger:", Juxtaposed(
        Power(10, -60), sp.Symbol(r"\big/"), factor), sp.N(ratio, 3))
    d.check(sp.floor(sp.log(ratio, 10)) == 0 and ratio > sp.Rational(3, 2), kind="symbolic",
            claim="the notes' 10^-60 has the right power of ten but overstates the value by more than half")
    d.number("notes-ratio", ratio, digits=2)
    d.number("float32-smallest", np.finfo(np.float32).smallest_subnormal, digits=2)
    d.number("float64-smallest-normal", np.finfo(np.float64).tiny, digits=2)
    d.number("float64-smallest", np.finfo(np.float64).smallest_subnormal, digits=2)
    d.number("thousand-steps", gamma**LONG_STEPS, digits=2)
    d.check(value > np.finfo(np.float64).tiny and sp.Float(value) != 0, kind="numeric",
            claim="(1/4)^100 is a normal float64 number")
    d.check(np.float32(float(value)) == 0, kind="numeric", claim="(1/4)^100 underflows to 0 in float32")
    d.check(float(gamma**LONG_STEPS) == 0, kind="numeric", claim="(1/4)^1000 underflows to 0 even in float64")
    d.result((factor, Power(2, -2 * STEPS), Approximately(sp.Float(sp.N(value, 20), 3))),
             at=(Instance("exact rational arithmetic", "symbolic"),))


VARIANCE = sp.Function(r"\operatorname{Var}")


@derivation("example.adding-baseline", title="The adding problem's baseline loss", cites=("hochreiter1997",))
def adding_baseline(d):
    a, b = sp.symbols("a b")
    d.step("The target is the sum of two values drawn independently from $U(0, 1)$; a model that ignores "
           "the input can do no better than predict its mean, and its squared error is then the variance.",
           VARIANCE(a + b), VARIANCE(a) + VARIANCE(b))
    uniform = VARIANCE(sp.Symbol("U(0, 1)"))
    first, second = Uniform("a", 0, 1), Uniform("b", 0, 1)
    values = {VARIANCE(a + b): variance(first + second), uniform: variance(first)}
    d.result((VARIANCE(a + b), 2 * uniform, sp.Rational(1, 6)),
             at=(Instance("a, b independent, uniform on (0, 1)", "symbolic", values=values),))
