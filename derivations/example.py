"""The worked example of the notes: a sigmoid RNN across 100 steps, and where floating point gives up."""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.stats import Uniform, variance

from . import activation, rnn
from .activation import SUPREMUM
from .instances import Instance
from .numeric import lambdify_matrix
from .notation import Approximately, Juxtaposed, Log10, Partial, Power
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


WORKED = {
    "W_hh": sp.Matrix([[sp.Rational(1, 2), sp.Rational(-1, 4)], [sp.Rational(1, 4), sp.Rational(1, 2)]]),
    "W_xh": sp.Matrix([[1], [sp.Rational(-1, 2)]]),
    "b_h": sp.Matrix([[0], [sp.Rational(1, 10)]]),
    "h_0": sp.Matrix([[sp.Rational(1, 2)], [sp.Rational(-1, 2)]]),
    "x": (sp.Integer(1), sp.Rational(1, 2), sp.Integer(-1)),
}
"""A 2-unit tanh RNN with one input over T = 3 steps, with small rational weights; W_hy = I, b_y = 0 and
L_t = ½‖y_t‖², so that ∂L_t/∂h_t = h_t."""
DIGITS = 3


def worked_example() -> dict:
    """Every quantity of the worked example, computed with the numeric API: the model's pre-activation
    and step (``rnn.model``), the step Jacobian (``rnn.step-jacobian``) and tanh' (``activation.tanh-derivative``),
    all lambdified from the proved expressions; ∂L/∂h_t by the recurrence of ``rnn.hidden-gradient``, and
    the terms of ``rnn.whh-gradient`` grouped by lag k = s − t, the steps between the loss term L_s and the
    step t whose weights it reaches."""
    W, U, b, h0 = (np.array(WORKED[name], dtype=float) for name in ("W_hh", "W_xh", "b_h", "h_0"))
    pre_activation = lambdify_matrix(rnn._SYMBOLS, rnn.PRE_ACTIVATION)
    tanh_prime = sp.lambdify(activation.x, activation.STABLE["tanh"], "numpy")
    states, zs, jacobians = [h0[:, 0]], [], []
    for x in WORKED["x"]:
        column = np.array([float(x)])
        zs.append(np.asarray(pre_activation(W, U, b, states[-1][:, None], column[:, None]), dtype=float)[:, 0])
        jacobians.append(rnn.step_jacobian(W, U, b[:, 0], states[-1], column))
        states.append(rnn.step(W, U, b[:, 0], states[-1], column))
    steps = len(WORKED["x"])
    hidden = {steps: states[steps]}
    for time in range(steps - 1, 0, -1):
        hidden[time] = states[time] + jacobians[time].T @ hidden[time + 1]
    lags = [np.zeros((2, 2)) for _ in range(steps)]
    for time in range(1, steps + 1):
        carried = np.eye(2)  # ∂h_s/∂h_t = J_s ⋯ J_{t+1} for s = t, t + 1, …
        for later in range(time, steps + 1):
            if later > time:
                carried = jacobians[later - 1] @ carried
            lags[later - time] += np.diag(tanh_prime(zs[time - 1])) @ carried.T @ states[later][:, None] @ \
                states[time - 1][None, :]
    return {"z": zs, "h": states, "J": jacobians, "hidden": hidden, "lags": lags,
            "gradient": sum(lags), "product": jacobians[2] @ jacobians[1]}


def _loss(W: np.ndarray) -> float:
    """L = Σ_t ½‖h_t‖² of the worked example with W_hh replaced by ``W``, by the numeric API's step."""
    U, b, h = (np.array(WORKED[name], dtype=float) for name in ("W_xh", "b_h", "h_0"))
    h, total = h[:, 0], 0.0
    for x in WORKED["x"]:
        h = rnn.step(W, U, b[:, 0], h, np.array([float(x)]))
        total += h @ h / 2
    return total


@derivation("example.two-unit-rnn", title="A 2-unit tanh RNN over three steps, in numbers",
            uses=("activation.functions", "activation.tanh-derivative", "rnn.model", "rnn.step-jacobian",
                  "rnn.hidden-gradient", "rnn.whh-gradient"))
def two_unit_rnn(d):
    d.step("Two tanh units and one input; the recurrent weights are small and not symmetric.",
           rnn.W_HH, WORKED["W_hh"])
    d.step("The input weights and the bias.", Juxtaposed(rnn.W_XH, sp.Symbol(","), rnn.B_H),
           Juxtaposed(WORKED["W_xh"], sp.Symbol(","), WORKED["b_h"]))
    d.step("The initial state, and the inputs $x_1, x_2, x_3$ are $1, 1/2, -1$.", sp.Symbol("h_0"), WORKED["h_0"])
    d.step("With $W_{hy} = I$, $b_y = 0$ and $L_t = \\frac{1}{2} \\lVert y_t \\rVert^2$, the gradient of each loss "
           "term is the state itself. The gradients $\\partial L / \\partial h_t$ then follow from the recurrence "
           "rnn.hidden-gradient, and $\\partial L / \\partial W_{hh}$ from rnn.whh-gradient, with tanh' from "
           "activation.tanh-derivative; its terms are grouped by lag, the number of steps between the loss term "
           "and the step whose weights it reaches.", Partial(rnn.at("L", rnn.t), rnn.h(rnn.t)), rnn.h(rnn.t))
    numbers = worked_example()
    for time in range(1, 4):
        for name in ("z", "h", "J"):
            d.number(f"{name}{time}", numbers[name][time - 1 if name != "h" else time], DIGITS)
        d.number(f"dL-dh{time}", numbers["hidden"][time], DIGITS)
        d.number(f"x{time}", WORKED["x"][time - 1])
    d.number("J3J2", numbers["product"], DIGITS)
    step_norms = [np.linalg.norm(jacobian, 2) for jacobian in numbers["J"]]
    for time, size in enumerate(step_norms, 1):
        d.number(f"J{time}-norm", size, DIGITS)
    d.number("J3J2-norm", np.linalg.norm(numbers["product"], 2), DIGITS)
    d.check(max(step_norms) < 1 and np.linalg.norm(numbers["product"], 2) < min(step_norms[1:]), kind="numeric",
            claim="every step Jacobian shrinks vectors, and J_3 J_2 shrinks them more than either factor")
    norms = [np.linalg.norm(lag, 2) for lag in numbers["lags"]]
    for lag, (term, size) in enumerate(zip(numbers["lags"], norms)):
        d.number(f"lag{lag}", term, DIGITS)
        d.number(f"lag{lag}-norm", size, DIGITS)
        d.number(f"lag{lag}-share", round(100 * size / sum(norms)))
    d.check(norms[0] > norms[1] > norms[2], kind="numeric",
            claim="the farther the lag, the smaller its term of the gradient")
    W = np.array(WORKED["W_hh"], dtype=float)
    step, central = 1e-6, np.zeros((2, 2))
    for index in np.ndindex(2, 2):
        bump = np.zeros((2, 2))
        bump[index] = step
        central[index] = (_loss(W + bump) - _loss(W - bump)) / (2 * step)
    d.check(np.allclose(numbers["gradient"], central, rtol=1e-7, atol=1e-9), kind="numeric",
            claim="the lag terms add up to the gradient that central finite differences of the loss give")
    shown = sp.Matrix(numbers["gradient"]).applyfunc(lambda v: sp.Float(sp.N(v, DIGITS + 15), DIGITS))
    d.result((Partial(rnn.L, rnn.W_HH), Approximately(shown)),
             at=(Instance("the worked example, computed by the numeric API", "numeric",
                          values={Partial(rnn.L, rnn.W_HH): sp.Matrix(numbers["gradient"])}),))
