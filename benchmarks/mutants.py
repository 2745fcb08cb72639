"""Fault injection: mutants of each derivation's mathematics must make the tests fail naming its id.

For every mutant a fresh copy of the committed project (``git archive HEAD``) gets one text
replacement; then the topic's tests, ``python -m derivations check ID`` and the id's golden LaTeX
test run in that copy. A mutant is *killed* when any of them fails, *killed naming the id* when
a failing command's output contains the id; a run past the timeout counts separately. A mutant
is *killed by a proof* when the tests or the check failed: a proof or a numeric check noticed.
The report also counts the mutants only the golden LaTeX caught: the published equation changed,
but no proof or numeric check noticed. The unmutated copy of each topic runs first as a control,
so that a broken environment cannot pass for kills.

Mutants come from two places, and neither needs editing when a derivation is added or copied:

* **Declared** (:data:`DECLARED`): for each id, hand-written changes of its mathematics (a sign, a
  transpose, a diagonal, an order, an exponent, a constant, a display). Each is *scoped*: its old
  text is looked up only inside the id's own function (:data:`OWN`, found by the ``@derivation`` or
  ``@definition`` decorator that carries the id) or inside the top-level object it names
  (``"STEP_JACOBIAN"`` in the id's topic module, ``"gated:TANH_PRIME"`` in another module), and
  must occur exactly once there. A line copied into another derivation never makes it ambiguous.
* **Generated** (:func:`generated`), for every registered id, from the derivations themselves: for
  each clause that a result's ``d.result(...)`` shows, a "display" mutant that flips the clause's
  closed form at run time (c becomes −1 − c, or −c for a matrix: a line inserted at the top of the
  function, in the copy, wraps ``d`` so that ``d.result`` receives the changed part, see
  :func:`perturbing`); and, for an id that still has fewer than :data:`MINIMUM` mutants, more of
  the same kind (clause 1's closed form offset, its left side negated) or, for a definition, the
  top-level objects that its ``d.define(...)`` names negated, doubled and zeroed. So a new id has
  mutants, and a display mutant if it is a result, at once.

    python benchmarks/mutants.py [--only ID_PREFIX] [--jobs N] [--timeout S] [--strict] [--worktree]

``--worktree`` copies derivations/, tests/ and pyproject.toml from the working tree instead of
HEAD, to try mutants of uncommitted code, and pins the copy's golden LaTeX to the display the
working tree derives; ``--strict`` exits 1 if any mutant survived or was killed only by the golden
LaTeX.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from derivations.dependencies import defines, derivation_id

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("sign", "transpose", "diag", "order", "exponent", "constant", "display")
"""What a mutant changes; "display": a part, index range, exponent or relation shown by ``d.result``."""
MINIMUM = 3
"""Mutants every id gets at least: generated ones fill up what the declared ones leave."""
OWN = ""
"""The scope of a declared mutant whose old text is in the id's own derivation function."""

DECLARED: dict[str, list[tuple[str, str, str, str]]] = {
    "activation.functions": [
        ("DEFINITIONS", '"sigmoid": 1 / (1 + sp.exp(-x)),', '"sigmoid": 1 / (1 + sp.exp(x)),', "sign"),
        ("DEFINITIONS", '"sigmoid": 1 / (1 + sp.exp(-x)),', '"sigmoid": 1 / (1 + sp.exp(-x)) ** 2,', "exponent"),
        ("DEFINITIONS", '"tanh": sp.tanh(x),', '"tanh": sp.tanh(2 * x),', "constant"),
        ("DEFINITIONS", '"relu": sp.Max(0, x),', '"relu": sp.Max(0, -x),', "sign"),
    ],
    "activation.sigmoid-derivative": [
        ("DERIVATIVES", '"sigmoid": DEFINITIONS["sigmoid"] * (1 - DEFINITIONS["sigmoid"]),',
         '"sigmoid": DEFINITIONS["sigmoid"] * (1 + DEFINITIONS["sigmoid"]),', "sign"),
        ("DERIVATIVES", '"sigmoid": DEFINITIONS["sigmoid"] * (1 - DEFINITIONS["sigmoid"]),',
         '"sigmoid": DEFINITIONS["sigmoid"] ** 2 * (1 - DEFINITIONS["sigmoid"]),', "exponent"),
        ("SUPREMUM", '{"sigmoid": sp.Rational(1, 4),', '{"sigmoid": sp.Rational(1, 2),', "constant"),
        ("maximum_at_critical_point", "d.check(curvature < 0,", "d.check(curvature > 0,", "sign"),
        (OWN, "shown = sp.Mul(sigma(x), 1 - sigma(x), evaluate=False)",
         "shown = sp.Mul(sigma(x), 1 + sigma(x), evaluate=False)", "display"),
        (OWN, "sp.Subs(sp.Derivative(sigma(x), x), x, 0),", "sp.Subs(sp.Derivative(sigma(x), x), x, 1),", "display"),
    ],
    "activation.tanh-derivative": [
        ("DERIVATIVES", '"tanh": 1 - sp.tanh(x) ** 2,', '"tanh": 1 - sp.tanh(x) ** 3,', "exponent"),
        ("DERIVATIVES", '"tanh": 1 - sp.tanh(x) ** 2,', '"tanh": 1 + sp.tanh(x) ** 2,', "sign"),
        ("SUPREMUM", '"tanh": sp.Integer(1),', '"tanh": sp.Integer(2),', "constant"),
        (OWN, 'DERIVATIVES["tanh"].subs(x, 0)),', 'DERIVATIVES["tanh"].subs(x, 1)),', "display"),
        (OWN, '("derivative", sp.Derivative(sp.tanh(x), x), DERIVATIVES["tanh"]),',
         '("derivative", sp.Derivative(sp.tanh(x), x, 2), DERIVATIVES["tanh"]),', "display"),
    ],
    "activation.relu-derivative": [
        ("DERIVATIVES", '"relu": sp.Heaviside(x, 0),', '"relu": sp.Heaviside(-x, 0),', "sign"),
        ("DERIVATIVES", '"relu": sp.Heaviside(x, 0),', '"relu": sp.Heaviside(x, 1),', "constant"),
        (OWN, "indicator = sp.Piecewise((1, x > 0), (0, True))",
         "indicator = sp.Piecewise((1, x < 0), (0, True))", "display"),
        (OWN, "indicator = sp.Piecewise((1, x > 0), (0, True))",
         "indicator = sp.Piecewise((1, x > 0), (1, True))", "display"),
    ],
    "rnn.model": [
        ("PRE_ACTIVATION", "PRE_ACTIVATION = W_HH * H_PREV + W_XH * X_T + B_H",
         "PRE_ACTIVATION = W_HH.T * H_PREV + W_XH * X_T + B_H", "transpose"),
        ("PRE_ACTIVATION", "PRE_ACTIVATION = W_HH * H_PREV + W_XH * X_T + B_H",
         "PRE_ACTIVATION = W_HH * H_PREV - W_XH * X_T + B_H", "sign"),
        ("STATE", "STATE = elementwise(sigma, Z_T)", "STATE = elementwise(sigma, 2 * Z_T)", "constant"),
        ("STATE", "STATE = elementwise(sigma, Z_T)", "STATE = elementwise(sigma, elementwise(sigma, Z_T))", "exponent"),
        ("LOSS", 'sp.Sum(at("L", t), (t, 1, T))', 'sp.Sum(at("L", t), (t, 2, T))', "constant"),
    ],
    "rnn.step-jacobian": [
        ("STEP_JACOBIAN", "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
         "STEP_JACOBIAN = W_HH * DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION))", "order"),
        ("STEP_JACOBIAN", "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
         "STEP_JACOBIAN = W_HH", "diag"),
        ("STEP_JACOBIAN", "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
         "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH.T", "transpose"),
        ("STEP_JACOBIAN", "STEP_JACOBIAN = DiagMatrix(", "STEP_JACOBIAN = -DiagMatrix(", "sign"),
        ("SIGMA_PRIME", "SIGMA_PRIME = sp.Lambda(_u, sigma(_u).diff(_u))",
         "SIGMA_PRIME = sp.Lambda(_u, sigma(_u).diff(_u, 2))", "exponent"),
        (OWN, "d.result((Partial(h(t), h(t - 1)), STEP_JACOBIAN",
         "d.result((Transposed(Partial(h(t), h(t - 1))), STEP_JACOBIAN", "display"),
        (OWN, "d.result((Partial(h(t), h(t - 1)), STEP_JACOBIAN",
         "d.result((Partial(h(t), h(t - 2)), STEP_JACOBIAN", "display"),
    ],
    "rnn.chain-rule": [
        ("CHAIN_RULE", 'Juxtaposed(Partial(sp.Symbol("a"), sp.Symbol("b")), Partial(sp.Symbol("b"), sp.Symbol("c"))))',
         'Juxtaposed(Partial(sp.Symbol("b"), sp.Symbol("c")), Partial(sp.Symbol("a"), sp.Symbol("b"))))', "order"),
        ("CHAIN_RULE", 'CHAIN_RULE = (Partial(sp.Symbol("a"), sp.Symbol("c")),',
         'CHAIN_RULE = (Transposed(Partial(sp.Symbol("a"), sp.Symbol("c"))),', "transpose"),
        ("chain_rule_instances", "Partial(a, b): F.jacobian(y).xreplace(at_G)",
         "Partial(a, b): F.jacobian(y).T.xreplace(at_G)", "transpose"),
        (OWN, "d.result(CHAIN_RULE, at=chain_rule_instances())",
         'd.result((CHAIN_RULE[0], Partial(sp.Symbol("a"), sp.Symbol("b"))), at=chain_rule_instances())', "display"),
    ],
    "rnn.span-jacobian": [
        (OWN, 'at("z", t + k - j, (n, 1))', 'at("z", t + j + 1, (n, 1))', "order"),
        (OWN, "(n, 1)))) * W_HH,\n", "(n, 1)))) * W_HH.T,\n", "transpose"),
        (OWN, 'OrderedProduct(DiagMatrix(elementwise(SIGMA_PRIME, at("z", t + k - j, (n, 1)))) * W_HH,',
         "OrderedProduct(W_HH,", "diag"),
        (OWN, "j, 0, k - 1)), at=span_instances())", "j, 1, k)), at=span_instances())", "display"),
        (OWN, "d.result((Partial(h(t + k), h(t)), Chain(", "d.result((Partial(h(t + k + 1), h(t)), Chain(", "display"),
        ("explicit_step_jacobian", "return sp.diag(*[sigma_prime(entry) for entry in z]) * W",
         "return W * sp.diag(*[sigma_prime(entry) for entry in z])", "order"),
        ("span_jacobian", 'product = _evaluate("jacobian", activation, step_args) @ product',
         'product = product @ _evaluate("jacobian", activation, step_args)', "order"),
        ("span_jacobian", "product = np.eye(args[0].shape[0])", "product = 2 * np.eye(args[0].shape[0])", "constant"),
    ],
    "rnn.order-matters": [
        (OWN, '("AB", A * B, ORDER_EXAMPLE[A] * ORDER_EXAMPLE[B])',
         '("AB", A * B, ORDER_EXAMPLE[B] * ORDER_EXAMPLE[A])', "order"),
        (OWN, '("BA", B * A, ORDER_EXAMPLE[B] * ORDER_EXAMPLE[A])',
         '("BA", B * A, ORDER_EXAMPLE[B] * ORDER_EXAMPLE[A].T)', "transpose"),
        ("ORDER_EXAMPLE", "ORDER_B: sp.Matrix([[1, 0], [1, 1]])", "ORDER_B: sp.Matrix([[1, 0], [0, 1]])", "constant"),
        (OWN, '("A", A, ORDER_EXAMPLE[A])', '("A", A, ORDER_EXAMPLE[B])', "display"),
    ],
    "rnn.hidden-gradient": [
        ("later_terms", "return Juxtaposed(Transposed(Partial(h(t + 1), h(t))), Partial(L, h(t + 1)))",
         "return Juxtaposed(Partial(h(t + 1), h(t)), Partial(L, h(t + 1)))", "transpose"),
        ("later_terms", "return Juxtaposed(Transposed(Partial(h(t + 1), h(t))), Partial(L, h(t + 1)))",
         "return Juxtaposed(Transposed(Partial(L, h(t + 1))), Partial(h(t + 1), h(t)))", "order"),
        (OWN, 'd.result((Partial(L, h(t)), sp.Add(Partial(at("L", t), h(t)), later_terms(),',
         'd.result((Partial(L, h(t)), sp.Add(Partial(at("L", t), h(t)), -later_terms(),', "sign"),
        (OWN, 'd.result((Partial(L, h(t)), sp.Add(Partial(at("L", t), h(t)), later_terms(),',
         'd.result((Partial(L, h(t)), sp.Add(Partial(at("L", t + 1), h(t)), later_terms(),', "display"),
        ("_tail_loss", "states.append((W * states[-1] + _column(",
         "states.append((W.T * states[-1] + _column(", "transpose"),
    ],
    "rnn.whh-gradient": [
        (OWN, "Partial(L, h(t)),\n                         h(t - 1, (n, 1)).T)",
         "Partial(L, h(t)),\n                         h(t - 1, (n, 1)))", "transpose"),
        (OWN, "Partial(L, h(t)),\n                         h(t - 1, (n, 1)).T)",
         "h(t - 1, (n, 1)),\n                         Transposed(Partial(L, h(t))))", "order"),
        (OWN, 'summand = Juxtaposed(DiagMatrix(elementwise(SIGMA_PRIME, at("z", t, (n, 1)))), Partial(L, h(t)),',
         "summand = Juxtaposed(Partial(L, h(t)),", "diag"),
        (OWN, "summand = Juxtaposed(", "summand = -Juxtaposed(", "sign"),
        (OWN, 'elementwise(SIGMA_PRIME, at("z", t, (n, 1))))',
         'elementwise(SIGMA_PRIME, at("z", t - 1, (n, 1))))', "constant"),
        (OWN, "d.result((Partial(L, W_HH), sp.Sum(summand, (t, 1, T)))",
         "d.result((Partial(L, W_HH), sp.Sum(summand, (t, 2, T)))", "display"),
    ],
    "example.sigmoid-100-steps": [
        (OWN, "value = gamma**STEPS", "value = gamma**(STEPS + 1)", "exponent"),
        (OWN, "Power(2, -2 * STEPS)", "Power(2, 2 * STEPS)", "sign"),
        (OWN, 'gamma = SUPREMUM["sigmoid"]', 'gamma = SUPREMUM["tanh"]', "constant"),
        (OWN, "factor = Power(gamma, STEPS)", "factor = Power(gamma, STEPS - 1)", "display"),
        (OWN, "Power(2, -2 * STEPS)", "Power(2, -3 * STEPS)", "display"),
        (OWN, "Approximately(sp.Float(sp.N(value, 20), 3))", "Approximately(sp.Float(sp.N(value, 1), 3))", "display"),
    ],
    "example.adding-baseline": [
        (OWN, 'Uniform("b", 0, 1)', 'Uniform("b", 0, 2)', "constant"),
        (OWN, "2 * uniform, sp.Rational(1, 6)", "-2 * uniform, sp.Rational(1, 6)", "sign"),
        (OWN, "2 * uniform, sp.Rational(1, 6)", "uniform, sp.Rational(1, 6)", "display"),
        (OWN, "2 * uniform, sp.Rational(1, 6)", "2 * uniform, sp.Rational(1, 12)", "display"),
    ],
    "bounds.spectral-norm": [
        ("spectral_norm", "return sp.Max(*[sp.sqrt(value) for value in (M.T * M).eigenvals()])",
         "return sp.Max(*[value for value in (M.T * M).eigenvals()])", "exponent"),
        ("spectral_norm", "for value in (M.T * M).eigenvals()", "for value in (M * M).eigenvals()", "transpose"),
        ("instances:_norm", "dtype=float), 2), 30)", 'dtype=float), "fro"), 30)', "constant"),
    ],
    "bounds.norm-facts": [
        ("NORM_FACTS", '"submultiplicative": (Norm(A * B), AtMost(Juxtaposed(Norm(A), Norm(B)))),',
         '"submultiplicative": (Norm(A * B), Juxtaposed(Norm(A), Norm(B))),', "display"),
        ("NORM_FACTS", '"radius": (rho(A_SQUARE), AtMost(Norm(A_SQUARE))),',
         '"radius": (Norm(A_SQUARE), AtMost(rho(A_SQUARE))),', "order"),
        ("NORM_FACTS", '"transpose": (Norm(A.T), Norm(A)),',
         '"transpose": (Norm(A.T), Power(Norm(A), 2)),', "exponent"),
        ("NORM_FACTS", '"operator": (Norm(A.T * G),', '"operator": (Norm(A * G),', "transpose"),
        ("MAX_ABS_D", "MAX_ABS_D = Maximum(sp.Abs(ENTRIES_D[i]), i)", "MAX_ABS_D = Maximum(ENTRIES_D[i], i)", "sign"),
    ],
    "bounds.step-norm": [
        ("STEP_NORM", "Norm(DIAG * W_HH), AtMost(", "Norm(W_HH * DIAG), AtMost(", "order"),
        ("STEP_NORM", "Norm(DIAG * W_HH), AtMost(", "Norm(W_HH), AtMost(", "diag"),
        ("STEP_NORM", "Norm(DIAG * W_HH), AtMost(", "Norm(DIAG * W_HH.T), AtMost(", "transpose"),
        ("STEP_NORM", "AtMost(Juxtaposed(GAMMA, Norm(W_HH))))", "Juxtaposed(GAMMA, Norm(W_HH)))", "display"),
        ("STEP_NORM", "AtMost(Juxtaposed(GAMMA, Norm(W_HH))))",
         "AtMost(Juxtaposed(Power(GAMMA, 2), Norm(W_HH))))", "exponent"),
        ("SLOPES", "sp.Lambda(act.x, act.STABLE[name])", "sp.Lambda(act.x, 2 * act.STABLE[name])", "constant"),
        ("derivative_range", "derivative = act.DERIVATIVES[name].rewrite(sp.Piecewise)",
         "derivative = (-act.DERIVATIVES[name]).rewrite(sp.Piecewise)", "sign"),
    ],
    "bounds.span-norm": [
        ("SPAN_NORM", "AtMost(Power(Juxtaposed(GAMMA, Norm(W_HH)), k)))",
         "AtMost(Power(Juxtaposed(GAMMA, Norm(W_HH)), k + 1)))", "exponent"),
        ("SPAN_NORM", "OrderedProduct(Norm(J(t + k - j)), j, 0, k - 1))",
         "OrderedProduct(Norm(J(t + k - j)), j, 1, k - 1))", "display"),
        ("SPAN_NORM", "SPAN_NORM = (Norm(SPAN), Norm(Chain(J(t + k), J(t + k - 1), J(t + 1))),",
         "SPAN_NORM = (Norm(SPAN), Norm(Chain(J(t + k), J(t + k - 1), J(t + 2))),", "display"),
        ("Network", "columns = activate(self.W_hh @ columns", "columns = activate(self.W_hh.T @ columns", "transpose"),
        (OWN, "d.prove(sp.limit((1 + s) ** -k, k, sp.oo), 0,", "d.prove(sp.limit((1 + s) ** k, k, sp.oo), 0,", "sign"),
        (OWN, ".subs(bound, x + p) - x * y", ".subs(bound, x + p) - 2 * x * y", "constant"),
        ("rnn:span_log_norms", "product = np.asarray(jacobian(*arguments), dtype=float) @ product",
         "product = product @ np.asarray(jacobian(*arguments), dtype=float)", "order"),
    ],
    "bounds.pascanu-model": [
        ("PASCANU_STEP", "elementwise(sigma, X_PREV), W_IN * U_T, BIAS,", "elementwise(sigma, X_PREV), -W_IN * U_T, BIAS,",
         "sign"),
        ("PASCANU_STEP", "PASCANU_STEP = sp.MatAdd(W_REC * elementwise(sigma, X_PREV),",
         "PASCANU_STEP = sp.MatAdd(elementwise(sigma, W_REC * X_PREV),", "order"),
        ("PASCANU_STEP", "PASCANU_STEP = sp.MatAdd(W_REC * elementwise(sigma, X_PREV),",
         "PASCANU_STEP = sp.MatAdd(W_REC.T * elementwise(sigma, X_PREV),", "transpose"),
        ("PASCANU_STEP", "W_IN * U_T, BIAS, evaluate=False)", "W_IN * U_T, 2 * BIAS, evaluate=False)", "constant"),
    ],
    "bounds.pascanu-conditions": [
        ("PASCANU_JACOBIAN", "PASCANU_JACOBIAN = W_REC * DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV))",
         "PASCANU_JACOBIAN = DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV)) * W_REC", "order"),
        ("PASCANU_JACOBIAN", "PASCANU_JACOBIAN = W_REC * DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV))",
         "PASCANU_JACOBIAN = W_REC", "diag"),
        (OWN, "derived = PASCANU_STEP.diff(X_PREV).T", "derived = PASCANU_STEP.diff(X_PREV)", "transpose"),
        ("THRESHOLD", 'THRESHOLD = {"sigmoid": sp.Integer(4)', 'THRESHOLD = {"sigmoid": sp.Integer(2)', "constant"),
        ("PASCANU_LIMITS", "(1, sp.Eq(RATE, 1))", "(0, sp.Eq(RATE, 1))", "display"),
        ("PASCANU_LIMITS", "sp.Piecewise((0, RATE < 1))),", "sp.Piecewise((0, RATE > 1))),", "display"),
        ("PASCANU_LIMITS", '"explode": (sp.Limit(Power(RATE, k), k, sp.oo),',
         '"explode": (sp.Limit(Power(RATE, -k), k, sp.oo),', "sign"),
    ],
    "bounds.linear-spectral-radius": [
        ("LINEAR", '"span": (Partial(h(t + k), h(t)), sp.MatPow(W_HH, k)),',
         '"span": (Partial(h(t + k), h(t)), sp.MatPow(W_HH, k + 1)),', "exponent"),
        ("LINEAR", '"radius": (rho(W_HH), MAX_ABS_MU, AtMost(LAMBDA_1)),',
         '"radius": (rho(W_HH), MAX_ABS_MU, LAMBDA_1),', "display"),
        ("LINEAR", "sp.Piecewise((0, rho(W_HH) < 1),", "sp.Piecewise((0, rho(W_HH) < 2),", "display"),
        ("LINEAR", '"radius": (rho(W_HH), MAX_ABS_MU, AtMost(LAMBDA_1)),',
         '"radius": (LAMBDA_1, MAX_ABS_MU, AtMost(rho(W_HH))),', "order"),
        ("NON_NORMAL_POWER", "NON_NORMAL_POWER = Juxtaposed(sp.Integer(2) ** -K_EXAMPLE,",
         "NON_NORMAL_POWER = Juxtaposed(sp.Integer(2) ** K_EXAMPLE,", "sign"),
        ("NON_NORMAL_POWER", "[[1, 20 * K_EXAMPLE], [0, 1]]", "[[1, 10 * K_EXAMPLE], [0, 1]]", "constant"),
        (OWN, "power = P * sp.diag(*[m**k for m in mu]) * P.inv()",
         "power = P * sp.diag(*[m**(k + 1) for m in mu]) * P.inv()", "exponent"),
        (OWN, "power = P * sp.diag(*[m**k for m in mu]) * P.inv()",
         "power = P * sp.diag(*[m**k for m in mu]) * P.T", "transpose"),
        ("EXAMPLE_EIGENVALUES", "EXAMPLE_EIGENVALUES = sp.diag(sp.Rational(1, 2),",
         "EXAMPLE_EIGENVALUES = sp.diag(sp.Rational(3, 2),", "constant"),
    ],
    "remedies.relu-step-jacobian": [
        ("RELU_STEP_JACOBIAN", "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH",
         "RELU_STEP_JACOBIAN = W_HH * DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION))", "order"),
        ("RELU_STEP_JACOBIAN", "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH",
         "RELU_STEP_JACOBIAN = W_HH", "diag"),
        ("RELU_STEP_JACOBIAN", "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH",
         "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH.T", "transpose"),
        ("HEAVISIDE", 'act.DERIVATIVES["relu"].subs(act.x, _u))', 'act.DERIVATIVES["relu"].subs(act.x, -_u))', "sign"),
        (OWN, "[1 if sign > 0 else 0 for sign in pattern]", "[1 if sign < 0 else 0 for sign in pattern]", "sign"),
        ("RELU_MASK", 'RELU_MASK = DiagMatrix(elementwise(HEAVISIDE, at("z", t, (n, 1))))',
         'RELU_MASK = DiagMatrix(elementwise(RELU, at("z", t, (n, 1))))', "display"),
        (OWN, "d.result((step_partial(), RELU_STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),",
         "d.result((step_partial(), STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),", "display"),
    ],
    "remedies.residual-model": [
        ("RESIDUAL_STATE", "RESIDUAL_STATE = sp.MatAdd(H_PREV, STATE, evaluate=False)",
         "RESIDUAL_STATE = sp.MatAdd(-H_PREV, STATE, evaluate=False)", "sign"),
        ("RESIDUAL_STATE", "RESIDUAL_STATE = sp.MatAdd(H_PREV, STATE, evaluate=False)",
         "RESIDUAL_STATE = sp.MatAdd(2 * H_PREV, STATE, evaluate=False)", "constant"),
        ("RESIDUAL_MODEL", "RESIDUAL_MODEL = RESIDUAL_STATE.subs(Z_T, PRE_ACTIVATION)",
         "RESIDUAL_MODEL = RESIDUAL_STATE.subs(Z_T, PRE_ACTIVATION.subs(W_HH, W_HH.T))", "transpose"),
    ],
    "remedies.residual-jacobian": [
        ("RESIDUAL_STEP_JACOBIAN", "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)",
         "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), -STEP_JACOBIAN, evaluate=False)", "sign"),
        ("RESIDUAL_STEP_JACOBIAN", "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)",
         "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(2 * sp.Identity(n), STEP_JACOBIAN, evaluate=False)", "constant"),
        ("RESIDUAL_STEP_JACOBIAN", "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)",
         "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), W_HH, evaluate=False)", "diag"),
        (OWN, "numerator = sp.MatAdd(identity.T, update.T, evaluate=False)",
         "numerator = sp.MatAdd(identity.T, update, evaluate=False)", "transpose"),
        (OWN, "d.prove(saturated_jacobian, sp.eye(2),", "d.prove(saturated_jacobian, sp.zeros(2),", "constant"),
        (OWN, "d.result((step_partial(), RESIDUAL_STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),",
         "d.result((step_partial(), STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),", "display"),
    ],
    "remedies.xavier-variance": [
        ("XAVIER_VARIANCE", "XAVIER_VARIANCE = 2 / (FAN_IN + FAN_OUT)",
         "XAVIER_VARIANCE = 1 / (FAN_IN + FAN_OUT)", "constant"),
        ("XAVIER_BOUND", "XAVIER_BOUND = sp.sqrt(6 / (FAN_IN + FAN_OUT))",
         "XAVIER_BOUND = sp.sqrt(3 / (FAN_IN + FAN_OUT))", "constant"),
        ("XAVIER_BOUND", "XAVIER_BOUND = sp.sqrt(6 / (FAN_IN + FAN_OUT))",
         "XAVIER_BOUND = 6 / (FAN_IN + FAN_OUT)", "exponent"),
        (OWN, "d.prove(uniform_variance, a ** 2 / 3,", "d.prove(uniform_variance, a ** 3 / 3,", "exponent"),
        (OWN, "uniform_variance = sp.integrate(x ** 2 * density, (x, -a, a))",
         "uniform_variance = sp.integrate(x ** 2 * density, (x, a, -a))", "sign"),
        (OWN, '("bound", a, XAVIER_BOUND)', '("bound", a, sp.sqrt(XAVIER_VARIANCE))', "display"),
    ],
    "remedies.orthogonal-singular-values": [
        ("ORTHOGONALITY", "ORTHOGONALITY = (Q.T * Q, sp.Identity(n))",
         "ORTHOGONALITY = (Q * Q, sp.Identity(n))", "display"),
        ("SINGULAR_VALUES", "sp.sqrt(EIGEN(Q.T * Q))", "sp.sqrt(EIGEN(Q * Q))", "transpose"),
        ("SINGULAR_VALUES", "sp.sqrt(EIGEN(sp.Identity(n))), sp.Integer(1))",
         "sp.sqrt(EIGEN(sp.Identity(n))), sp.Integer(2))", "constant"),
        ("_rotation", "return sp.Matrix([[sp.cos(angle), -sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])",
         "return sp.Matrix([[sp.cos(angle), sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])", "sign"),
        ("_reflection", "[sp.sin(angle), -sp.cos(angle)]]", "[sp.sin(angle), sp.cos(angle)]]", "sign"),
        ("orthogonal", "return q * np.sign(np.diag(r))", "return q * np.diag(r)", "diag"),
    ],
    "remedies.clipping-rule": [
        ("CLIPPING_RULE", "CLIPPING_RULE = sp.Piecewise((Juxtaposed(THRESHOLD / NORM, G),",
         "CLIPPING_RULE = sp.Piecewise((Juxtaposed(NORM / THRESHOLD, G),", "order"),
        ("CLIPPING_RULE", "NORM >= THRESHOLD), (G, True))", "NORM <= THRESHOLD), (G, True))", "sign"),
        ("CLIPPING_RULE", "CLIPPING_RULE = sp.Piecewise((Juxtaposed(THRESHOLD / NORM, G),",
         "CLIPPING_RULE = sp.Piecewise((Juxtaposed(2 * THRESHOLD / NORM, G),", "constant"),
    ],
    "remedies.clipping": [
        ("CLIP_FACTOR", "CLIP_FACTOR = sp.Min(1, THRESHOLD / NORM)",
         "CLIP_FACTOR = sp.Min(1, NORM / THRESHOLD)", "order"),
        ("CLIPPED_NORM", "CLIPPED_NORM = sp.Min(NORM, THRESHOLD)",
         "CLIPPED_NORM = sp.Min(NORM, 2 * THRESHOLD)", "constant"),
        (OWN, "factor = sp.Piecewise((THRESHOLD / NORM,", "factor = sp.Piecewise((-THRESHOLD / NORM,", "sign"),
        (OWN, "(c * column).norm(), c * column.norm(),", "(c * column).norm(), c**2 * column.norm(),", "exponent"),
        ("clip_by_norm", "_clip_factor(np.linalg.norm(g), threshold) * g",
         "_clip_factor(np.linalg.norm(g, 1), threshold) * g", "constant"),
        (OWN, "d.result((CLIP_NORM, CLIPPED_NORM),", "d.result((CLIP_NORM, THRESHOLD),", "display"),
    ],
    "lstm.model": [
        ("CELL", "CELL = hadamard(F, C_PREV) + hadamard(I, G)", "CELL = hadamard(F, C_PREV) - hadamard(I, G)", "sign"),
        ("CELL", "CELL = hadamard(F, C_PREV) + hadamard(I, G)",
         "CELL = hadamard(F, F, C_PREV) + hadamard(I, G)", "exponent"),
        ("PRE", "W_H[k] * H_PREV, B_H[k]) for k in GATES}", "W_H[k].T * H_PREV, B_H[k]) for k in GATES}", "transpose"),
        ("GATES", 'GATES = "ifgo"', 'GATES = "ifog"', "order"),
    ],
    "lstm.cell-path": [
        ("CELL_PATH", "CELL_PATH = DiagMatrix(F)", "CELL_PATH = sp.Identity(n)", "diag"),
        ("CELL_PATH", "CELL_PATH = DiagMatrix(F)", "CELL_PATH = DiagMatrix(one_minus(F))", "sign"),
        ("CELL_PATH", "CELL_PATH = DiagMatrix(F)", "CELL_PATH = DiagMatrix(hadamard(F, F))", "exponent"),
        ("OPEN_GATE", "OPEN_GATE = Evaluated(Partial(C, C_PREV), 1, F)",
         "OPEN_GATE = Evaluated(Partial(C, C_PREV), 0, F)", "display"),
        (OWN, "d.result((Partial(C, C_PREV), CELL_PATH),", "d.result((Partial(C, H_PREV), CELL_PATH),", "display"),
    ],
    "lstm.step-jacobian": [
        ("BLOCKS", 'W_H["f"] + DiagMatrix(hadamard(G, I_P))', 'W_H["f"] - DiagMatrix(hadamard(G, I_P))', "sign"),
        ("BLOCKS", "D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME, F)),",
         "D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME)),", "diag"),
        ("BLOCKS", "DiagMatrix(hadamard(O, TANH_C_PRIME)) * D_C_H,",
         "D_C_H * DiagMatrix(hadamard(O, TANH_C_PRIME)),", "order"),
        ("BLOCKS", 'hadamard(C_PREV, F_P)) * W_H["f"]', 'hadamard(C_PREV, F_P)) * W_H["f"].T', "transpose"),
        ("gated:TANH_SQUARED", "TANH_SQUARED = sp.Lambda(_u, sp.tanh(_u) ** 2)",
         "TANH_SQUARED = sp.Lambda(_u, sp.tanh(_u) ** 3)", "exponent"),
        ("BLOCKS", 'DiagMatrix(hadamard(G, I_P)) * W_H["i"]', 'DiagMatrix(hadamard(G, I_P)) * W_H["g"]', "constant"),
        ("STEP_JACOBIAN", "STEP_JACOBIAN = sp.BlockMatrix([[D_H_H, D_H_C], [D_C_H, D_C_C]])",
         "STEP_JACOBIAN = sp.BlockMatrix([[D_H_H, D_C_H], [D_H_C, D_C_C]])", "display"),
    ],
    "gru.model": [
        ("HIDDEN", "HIDDEN = sp.MatAdd(hadamard(one_minus(Z), N),", "HIDDEN = sp.MatAdd(hadamard(Z, N),", "sign"),
        ("HIDDEN", "hadamard(Z, H_PREV), evaluate=False)", "hadamard(Z, Z, H_PREV), evaluate=False)", "exponent"),
        ("PRE", 'W_H[k] * H_PREV, B_H[k]) for k in "rz"}', 'W_H[k].T * H_PREV, B_H[k]) for k in "rz"}', "transpose"),
        ("GATES", 'GATES = "rzn"', 'GATES = "zrn"', "order"),
        ("PRE", "hadamard(R, RECURRENT_N))", "hadamard(Z, RECURRENT_N))", "constant"),
    ],
    "gru.direct-path": [
        ("DIRECT_PATH", "DIRECT_PATH = DiagMatrix(Z)", "DIRECT_PATH = sp.Identity(Z.shape[0])", "diag"),
        ("DIRECT_PATH", "DIRECT_PATH = DiagMatrix(Z)", "DIRECT_PATH = DiagMatrix(one_minus(Z))", "sign"),
        ("DIRECT_PATH", "DIRECT_PATH = DiagMatrix(Z)", "DIRECT_PATH = DiagMatrix(hadamard(Z, Z))", "exponent"),
        ("CUT", 'CUT = (W_H["r"], W_H["z"], W_H["n"])', 'CUT = (W_H["r"], W_H["n"])', "constant"),
        (OWN, "d.result((cut(D_H_H), cut(DIRECT_PATH)),", "d.result((D_H_H, cut(DIRECT_PATH)),", "display"),
    ],
    "gru.step-jacobian": [
        ("STEP_JACOBIAN", "hadamard(minus(H_PREV, N), Z_P)", "hadamard(minus(N, H_PREV), Z_P)", "sign"),
        ("STEP_JACOBIAN", 'sp.MatAdd(DiagMatrix(R) * W_H["n"],', 'sp.MatAdd(W_H["n"] * DiagMatrix(R),', "order"),
        ("STEP_JACOBIAN", "DiagMatrix(hadamard(one_minus(Z), N_P))", "DiagMatrix(N_P)", "diag"),
        ("STEP_JACOBIAN", 'hadamard(RECURRENT_N, R_P)) * W_H["r"]',
         'hadamard(RECURRENT_N, R_P)) * W_H["r"].T', "transpose"),
        ("gated:TANH_PRIME", "TANH_PRIME = sp.Lambda(_u, 1 - sp.tanh(_u) ** 2)",
         "TANH_PRIME = sp.Lambda(_u, 1 - sp.tanh(_u) ** 3)", "exponent"),
        ("STEP_JACOBIAN", "DIRECT_PATH, DiagMatrix(hadamard(minus(H_PREV, N), Z_P))",
         "DiagMatrix(hadamard(minus(H_PREV, N), Z_P))", "display"),
    ],
}
"""For each equation id, hand-written mutants of its mathematics: (scope, old text, new text, kind).

The scope is :data:`OWN` (the id's own function), a top-level name of the id's topic module (a
function, a class, or a name a statement assigns, ``NAME[...] = …`` included), or ``"module:NAME"``
for one in another module of ``derivations/``; the old text must occur exactly once in it."""


@dataclass(frozen=True)
class Mutant:
    """One text replacement, inside one scope, meant to break the derivation ``id``.

    ``hook``: the new text calls :func:`perturbing`, so the copy needs this file as ``mutant_hook.py``."""

    id: str
    scope: str
    old: str
    new: str
    kind: str
    generated: str = ""
    hook: bool = False

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def module(self) -> str:
        """The file the scope is in, relative to the project."""
        module = self.scope.split(":", 1)[0] if ":" in self.scope else self.topic
        return f"derivations/{module}.py"

    @property
    def where(self) -> str:
        """The scope as a reader finds it: ``rnn.py:STEP_JACOBIAN``, or the id's own function."""
        name = self.scope.split(":", 1)[-1] or f"@{self.id}"
        return f"{Path(self.module).name}:{name}"

    def __str__(self) -> str:
        if self.generated:
            return f"{self.id} [{self.kind}, generated] {self.where}: {self.generated}"
        return f"{self.id} [{self.kind}] {self.where}: {self.old!r} -> {self.new!r}"


# --- Scopes: where a mutant's old text is looked up ---

def _statements(text: str) -> list[tuple[ast.stmt, int, int]]:
    """Each top-level statement of a module with its character span (decorators included)."""
    lines = text.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    out = []
    for node in ast.parse(text).body:
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        out.append((node, offsets[first - 1], offsets[node.end_lineno]))
    return out


def spans(mutant: Mutant, text: str) -> list[tuple[int, int]]:
    """The character spans of ``text`` (the mutant's module) that make up its scope."""
    name = mutant.scope.split(":", 1)[-1]
    found = [(start, end) for node, start, end in _statements(text)
             if ((derivation_id(node) or (None,))[0] == mutant.id if not name else name in defines(node))]
    if not found:
        what = f"no function decorated with {mutant.id!r}" if not name else f"no top-level {name!r}"
        raise ValueError(f"{mutant}: {mutant.module} has {what}")
    return found


def locate(mutant: Mutant, project: Path) -> tuple[Path, int]:
    """The mutant's module and the offset of its old text, which must occur exactly once in its scope."""
    path = project / mutant.module
    text = path.read_text(encoding="utf-8")
    hits = [start + i for start, end in spans(mutant, text) for i in _occurrences(text[start:end], mutant.old)]
    if len(hits) != 1:
        raise ValueError(f"{mutant}: the old text occurs {len(hits)} times in its scope {mutant.where}, not once")
    return path, hits[0]


def _occurrences(text: str, old: str) -> list[int]:
    found, at = [], text.find(old)
    while at >= 0:
        found.append(at)
        at = text.find(old, at + 1)
    return found


def apply(mutant: Mutant, project: Path) -> None:
    """Replace the mutant's old text, which must occur exactly once in its scope, by its new text; a
    generated display mutant also gets this file as ``mutant_hook.py`` beside the copy's package."""
    path, at = locate(mutant, project)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[:at] + mutant.new + text[at + len(mutant.old):], encoding="utf-8")
    if mutant.hook:
        shutil.copy2(Path(__file__), project / "mutant_hook.py")


# --- Generated mutants ---

RELATIONS = ("=", r"\leq", r"\approx")


def describe(records: dict) -> dict:
    """What generation needs from the derivation records: each id's kind and, per clause of a result,
    the relation before each part (``=``, ``\\leq`` or ``\\approx``)."""
    out = {}
    for eid, record in records.items():
        clauses = []
        for clause in record["clauses"] if record["kind"] == "result" else ():
            text, parts, relations = clause["latex"], clause["parts"], []
            at = len(parts[0])
            for part in parts[1:]:
                relation = next(r for r in RELATIONS if text.startswith(f" {r} {part}", at))
                relations.append(relation)
                at += len(relation) + 2 + len(part)
            clauses.append(relations)
        out[eid] = {"kind": record["kind"], "clauses": clauses}
    return out


def describe_project(project: Path) -> dict:
    """:func:`describe` of the records the copy ``project`` derives (from its cache when it is filled)."""
    script = (f"import json, sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); import mutants; "
              "from derivations import cache; print(json.dumps(mutants.describe(cache.records())))")
    status, output = execute([sys.executable, "-c", script], project, 900)
    if status != 0:
        raise SystemExit(f"the project at {project} does not derive:\n{output}")
    return json.loads(output.strip().splitlines()[-1])


def _function(text: str, equation_id: str) -> ast.FunctionDef:
    for node, _, _ in _statements(text):
        if (derivation_id(node) or (None,))[0] == equation_id:
            return node
    raise ValueError(f"{equation_id}: no function in its topic module is decorated with this id")


def _display(equation_id: str, function: ast.FunctionDef, lines: list[str], clause: int, part: int, how: str,
             note: str) -> Mutant:
    """A mutant that inserts, as the first line of the derivation function, a call that makes ``d.result``
    see part ``part`` of clause ``clause`` changed by ``how`` (:func:`perturb`)."""
    header = lines[function.lineno - 1]
    if function.body[0].lineno == function.lineno or not header.rstrip().endswith(":"):
        raise ValueError(f"{equation_id}: its function's signature is not one line ending in ':'")
    builder = function.args.args[0].arg
    indent = " " * function.body[0].col_offset
    call = f'{builder} = __import__("mutant_hook").perturbing({builder}, {clause}, {part}, "{how}")\n'
    return Mutant(equation_id, OWN, header, header + indent + call, "display", note, hook=True)


CONSTRUCTORS = ("Symbol", "symbols", "MatrixSymbol", "Function", "Dummy", "IndexedBase", "Lambda", "Matrix",
                "blocks", "at_t", "dataclass")
"""Calls that make a symbol or a table rather than a model object: generation leaves their assignments alone."""


def _objects(text: str, call: str, function: ast.FunctionDef, equation_id: str) -> list[Mutant]:
    """Sign and constant mutants of the top-level objects that the function's ``d.<call>(...)`` names,
    each a single assignment of an expression (not of a symbol, a table or a function)."""
    used = []
    for node in ast.walk(function):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == call):
            used += [n.id for n in ast.walk(node) if isinstance(n, ast.Name) and n.id not in used]
    assignments = {}
    for node, _, _ in _statements(text):
        for name in defines(node):
            assignments.setdefault(name, []).append(node)
    out = []
    for name in used:
        nodes = assignments.get(name, [])
        if len(nodes) != 1 or not isinstance(nodes[0], ast.Assign) or len(nodes[0].targets) != 1:
            continue
        node = nodes[0]
        if not isinstance(node.targets[0], ast.Name) or not _is_expression(node.value):
            continue
        old, value = ast.get_source_segment(text, node), ast.get_source_segment(text, node.value)
        for how, kind, new in (("negated", "sign", f"-({value})"), ("doubled", "constant", f"2 * ({value})"),
                               ("zeroed", "constant", f"0 * ({value})")):
            out.append(Mutant(equation_id, name, old, f"{name} = {new}", kind, f"{name} {how}"))
    return out


def _is_expression(value: ast.expr) -> bool:
    if isinstance(value, ast.Call):
        func = value.func.attr if isinstance(value.func, ast.Attribute) else getattr(value.func, "id", "")
        return func not in CONSTRUCTORS
    return isinstance(value, (ast.BinOp, ast.UnaryOp, ast.Name, ast.Attribute, ast.Subscript))


def generated(equation_id: str, description: dict, declared: int, project: Path = ROOT) -> list[Mutant]:
    """The generated mutants of one id (see the module's docstring): a display mutant per clause of a
    result, then, while the id has fewer than :data:`MINIMUM` mutants with ``declared`` ones, more."""
    topic = equation_id.split(".", 1)[0]
    text = (project / "derivations" / f"{topic}.py").read_text(encoding="utf-8")
    function, lines = _function(text, equation_id), text.splitlines(keepends=True)
    clauses = description["clauses"]
    out = [_display(equation_id, function, lines, number, -1, "flip", f"clause {number}'s closed form flipped")
           for number, _ in enumerate(clauses, 1)]
    more = []
    if clauses and clauses[0][-1] != r"\leq":
        more.append(_display(equation_id, function, lines, 1, -1, "offset", "clause 1's closed form offset"))
    if clauses and clauses[0][0] != r"\leq":
        more.append(_display(equation_id, function, lines, 1, 0, "negate", "clause 1's left side negated"))
    more += _objects(text, "result" if clauses else "define", function, equation_id)
    return out + more[:max(0, MINIMUM - declared - len(out))]


def mutants(prefix: str = "", descriptions: dict | None = None, project: Path = ROOT) -> list[Mutant]:
    """The mutants of every id that starts with ``prefix``, declared then generated, id by id in the order
    of ``descriptions`` (:func:`describe` of the records; by default derived from ``project``)."""
    descriptions = describe_project(project) if descriptions is None else descriptions
    unknown = sorted(set(DECLARED) - set(descriptions))
    if unknown:
        raise ValueError(f"mutants declared for ids that are not registered: {', '.join(unknown)}")
    out = []
    for eid, description in descriptions.items():
        if eid.startswith(prefix):
            declared = [Mutant(eid, *row) for row in DECLARED.get(eid, ())]
            out += declared + generated(eid, description, len(declared), project)
    return out


# --- The hook a generated display mutant inserts (run in the copy, imported as mutant_hook) ---

PERTURBATIONS = ("flip", "offset", "negate")


def perturbing(d, clause: int, part: int, how: str):
    """``d`` as a derivation function uses it, except that ``d.result`` receives part ``part`` (0: the
    left side, -1: the closed form) of clause ``clause`` (from 1) changed by ``how`` (:func:`perturb`)."""
    return _Perturbing(d, clause, part, how)


class _Perturbing:
    def __init__(self, d, clause: int, part: int, how: str):
        self._d, self._change = d, (clause, part, how)

    def __getattr__(self, name):
        return getattr(self._d, name)

    def result(self, *clauses, **kwargs):
        return self._d.result(*perturb(clauses, *self._change), **kwargs)


def perturb(clauses: tuple, clause: int, part: int, how: str) -> list:
    """``clauses`` (as given to ``d.result``) with one part changed: "flip" makes a matrix c into −c
    and anything else into −1 − c (so that 0 and ∞ change too), "offset" doubles a matrix and adds 1
    to anything else, "negate" makes c into −c (for a left side, which may be a Jacobian written as
    notation). A part that follows ``≤`` or ``≈`` keeps its relation: its value changes."""
    if how not in PERTURBATIONS:
        raise ValueError(f"unknown perturbation {how!r}; known: {', '.join(PERTURBATIONS)}")
    clauses = [tuple(c) for c in clauses]
    if not 1 <= clause <= len(clauses):
        raise ValueError(f"no clause {clause}: the result shows {len(clauses)}")
    chosen = clauses[clause - 1]
    name, parts = (chosen[:1], list(chosen[1:])) if isinstance(chosen[0], str) else ((), list(chosen))
    parts[part] = _changed(parts[part], how)
    clauses[clause - 1] = (*name, *parts)
    return clauses


def _changed(part, how: str):
    import sympy as sp

    if getattr(part, "relation", None) and len(part.args) == 1:  # AtMost, Approximately: change the value
        return type(part)(_changed(part.args[0], how))
    value = part if isinstance(part, (sp.Basic, sp.MatrixBase)) else sp.sympify(part)
    matrix = isinstance(value, (sp.MatrixBase, sp.MatrixExpr))
    if how == "negate" or (how == "flip" and matrix):
        return -value
    if how == "flip":
        return -1 - value
    return 2 * value if matrix else value + 1


# --- Snapshot ---

PARTS = ("derivations", "tests", "pyproject.toml")
"""What the tests of a topic need from the project."""


def snapshot(dest: Path, worktree: bool = False) -> Path:
    """Extract the committed project (HEAD) into ``dest``, pristine whatever the working tree holds,
    and fill its derivation cache, so that a mutant's copy re-derives only the topics it touches.

    With ``worktree``, copy the working tree's parts as they are now instead, and pin its golden
    LaTeX to the display they derive: an uncommitted display has no reviewed golden file yet, and
    the golden test is to catch what a mutant changes in it."""
    if worktree:
        copy_project(ROOT, dest, cache=False)
    else:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", *PARTS], capture_output=True, check=True)
        dest.mkdir(parents=True, exist_ok=True)
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    steps = [[sys.executable, "-c", "from derivations import cache; cache.records()"]]
    if worktree:
        steps.append([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--update-golden",
                      "tests/test_notation.py::test_published_latex_is_pinned"])
    for argv in steps:
        status, output = execute(argv, dest, 600)
        if status != 0:
            raise SystemExit(f"the {'working tree' if worktree else 'committed project'} does not derive:\n{output}")
    return dest


def copy_project(source: Path, dest: Path, cache: bool = True) -> Path:
    """Copy the parts of the project at ``source`` that the tests need, and its cache, into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in (*PARTS, ".cache") if cache else PARTS:
        if (source / part).is_dir():
            shutil.copytree(source / part, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif (source / part).exists():
            shutil.copy2(source / part, dest / part)
    return dest


# --- Run one ---

@dataclass
class Outcome:
    """What the commands made of one mutant or control; ``named``: a failing command's output names the ids."""

    label: str
    ids: tuple[str, ...]
    failed: list[str] = field(default_factory=list)
    timed_out: bool = False
    named: bool = False
    seconds: float = 0.0
    output: str = ""
    generated: bool = False

    @property
    def proved(self) -> bool:
        """Whether a proof or a numeric check caught it: the tests or the derivation check failed."""
        return any(name in self.failed for name in ("tests", "check"))

    @property
    def verdict(self) -> str:
        if self.timed_out:
            return "timeout"
        if not self.failed:
            return "survived"
        return "killed+id" if self.named else "killed"


def commands(topic: str, ids: list[str]) -> list[tuple[str, list[str]]]:
    """The topic's tests, the derivation check of ``ids`` and their golden LaTeX tests."""
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    golden = [f"tests/test_notation.py::test_published_latex_is_pinned[{i}]" for i in ids]
    return [("tests", [*pytest, f"tests/test_{topic}.py"]),
            ("check", [sys.executable, "-m", "derivations", "check", *ids]),
            ("golden", [*pytest, *golden])]


def environment(project: Path) -> dict[str, str]:
    """Make the copy's ``derivations`` win over the editable install, with caches of its own."""
    return {**os.environ, "PYTHONPATH": str(project), "PYTHONDONTWRITEBYTECODE": "1",
            "DERIVATIONS_CACHE": str(project / ".cache" / "derivations"),
            "NOTEBOOKS_CACHE": str(project / ".cache" / "notebooks")}


def execute(argv: list[str], project: Path, timeout: float) -> tuple[int | None, str]:
    """Run ``argv`` in ``project``; return its exit status (None after a timeout) and its output.

    It runs in a session of its own, so that a timeout also ends the interpreters it starts."""
    with subprocess.Popen(argv, cwd=project, env=environment(project), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return None, output
        return process.returncode, output


def run_one(pristine: Path, work: Path, mutant: Mutant | None, ids: list[str], timeout: float) -> Outcome:
    """Copy ``pristine`` into ``work``, apply ``mutant`` (none for a control) and run the commands of ``ids``.

    A timeout ends the run: the later commands would hang on the same mutant."""
    start = time.monotonic()
    project = copy_project(pristine, work)
    if mutant is not None:
        apply(mutant, project)
    topic = ids[0].split(".", 1)[0]
    outcome = Outcome(str(mutant) if mutant else f"control {topic}", tuple(ids),
                      generated=bool(mutant and mutant.generated))
    for name, argv in commands(topic, ids):
        status, output = execute(argv, project, timeout)
        outcome.output += f"$ {name}\n{output}\n"
        if status is None:
            outcome.timed_out = True
            break
        if status != 0:
            outcome.failed.append(name)
            outcome.named = outcome.named or all(i in output for i in ids)
    outcome.seconds = time.monotonic() - start
    shutil.rmtree(work, ignore_errors=True)
    return outcome


# --- Run all ---

def check_isolation(pristine: Path) -> str:
    """Where the copies import ``derivations`` from; it must be the copy, not the editable install."""
    status, output = execute([sys.executable, "-c", "import derivations; print(derivations.__file__)"], pristine, 60)
    where = output.strip()
    if status != 0 or not Path(where).resolve().is_relative_to(pristine.resolve()):
        raise SystemExit(f"the snapshot's derivations package does not win: {where}")
    return where


def run_all(pristine: Path, work: Path, chosen: list[Mutant], jobs: int, timeout: float) -> list[Outcome]:
    """Run one control per topic, stop if any fails, then every mutant, ``jobs`` at a time."""
    ids_by_topic = {m.topic: list(dict.fromkeys(c.id for c in chosen if c.topic == m.topic)) for m in chosen}
    with ThreadPoolExecutor(jobs) as pool:
        controls = [pool.submit(run_one, pristine, work / f"control-{topic}", None, ids, timeout)
                    for topic, ids in ids_by_topic.items()]
        for future in as_completed(controls):
            control = future.result()
            print(f"{control.verdict:9} {control.seconds:6.1f}s  {control.label}", flush=True)
            if control.verdict != "survived":
                raise SystemExit(f"the unmutated project fails, so no mutant can be judged:\n{control.output}")
        futures = [pool.submit(run_one, pristine, work / f"{index:03d}", m, [m.id], timeout)
                   for index, m in enumerate(chosen)]
        for done, future in enumerate(as_completed(futures), 1):
            print(line(future.result(), done, len(chosen)), flush=True)
    return [future.result() for future in futures]


# --- Report ---

def line(outcome: Outcome, done: int, total: int) -> str:
    """One mutant's result, as it finishes."""
    caught = f" caught by {', '.join(outcome.failed)}" if outcome.failed else ""
    return f"[{done:3}/{total}] {outcome.verdict:9} {outcome.seconds:6.1f}s  {outcome.label}{caught}"


COLUMNS = ("mutants", "killed", "named", "proof", "golden", "timeout", "survived")
"""The counts of the report's table, in order; "named" is headed "w/ id"."""


def report(outcomes: list[Outcome], wall: float) -> str:
    """A table per id (mutants, killed, killed naming the id, killed by a proof or numeric check,
    killed only by the golden LaTeX, timeouts, survived, seconds), the overall shares killed and
    killed by a proof, and every mutant that no proof caught."""
    heads = [{"named": "w/ id"}.get(c, c) for c in COLUMNS]
    rows = [f"{'id':36} " + " ".join(f"{h:>8}" for h in heads) + f" {'seconds':>7}"]
    per_id = {i: tally([o for o in outcomes if o.ids[0] == i]) for i in dict.fromkeys(o.ids[0] for o in outcomes)}
    totals = sum(per_id.values(), Counter())
    for equation_id, counts in [*per_id.items(), ("total", totals)]:
        rows.append(f"{equation_id:36} " + " ".join(f"{counts[c]:8}" for c in COLUMNS) + f" {counts['seconds']:7.0f}")
    mutants = max(totals["mutants"], 1)
    rows.append(f"killed {totals['killed']}/{totals['mutants']} = {totals['killed'] / mutants:.0%} "
                f"({totals['named']} naming the id; {totals['golden']} only by the golden LaTeX); "
                f"{totals['timeout']} timed out; {totals['survived']} survived; wall time {wall:.0f} s")
    rows.append(f"killed by a proof or numeric check {totals['proof']}/{totals['mutants']} = "
                f"{totals['proof'] / mutants:.0%}")
    generated = tally([o for o in outcomes if o.generated])
    rows.append(f"generated {generated['mutants']} of the {totals['mutants']}: {generated['killed']} killed, "
                f"{generated['proof']} by a proof or numeric check")
    rows += [f"SURVIVED {o.label}" for o in outcomes if o.verdict == "survived"]
    rows += [f"GOLDEN ONLY {o.label}" for o in outcomes if golden_only(o)]
    rows += [f"TIMEOUT {o.label}" for o in outcomes if o.verdict == "timeout"]
    return "\n".join(rows)


def golden_only(outcome: Outcome) -> bool:
    """Whether only the golden LaTeX caught the mutant: the display changed and no proof noticed."""
    return outcome.failed == ["golden"] and not outcome.timed_out


def tally(outcomes: list[Outcome]) -> Counter:
    """Counts of one id's outcomes; ``killed`` includes those naming the id, not the timeouts, and
    ``proof`` those of them that the tests or the check caught."""
    verdicts = Counter(o.verdict for o in outcomes)
    return Counter(mutants=len(outcomes), killed=verdicts["killed"] + verdicts["killed+id"],
                   named=verdicts["killed+id"], timeout=verdicts["timeout"], survived=verdicts["survived"],
                   proof=sum(o.proved and not o.timed_out for o in outcomes),
                   golden=sum(map(golden_only, outcomes)), seconds=sum(o.seconds for o in outcomes))


def strict_failure(outcomes: list[Outcome]) -> bool:
    """Whether any mutant survived or was killed only by the golden LaTeX (``--strict``)."""
    return any(o.verdict == "survived" or golden_only(o) for o in outcomes)


# --- Main ---

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", metavar="ID_PREFIX", help="only the ids that start with this")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at a time (default 2)")
    parser.add_argument("--timeout", type=float, default=240, help="seconds per command (default 240)")
    parser.add_argument("--strict", action="store_true",
                        help="exit 1 if any mutant survived or was killed only by the golden LaTeX")
    parser.add_argument("--worktree", action="store_true",
                        help="mutate a copy of the working tree instead of the last commit (HEAD)")
    args = parser.parse_args(argv)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        pristine = snapshot(Path(tmp) / "head", args.worktree)
        print(f"derivations imported from {check_isolation(pristine)}", flush=True)
        chosen = mutants(args.only, describe_project(pristine), pristine)
        if not chosen:
            parser.error(f"no equation id starts with {args.only!r}")
        print(f"{len(chosen)} mutants: {sum(not m.generated for m in chosen)} declared, "
              f"{sum(bool(m.generated) for m in chosen)} generated", flush=True)
        outcomes = run_all(pristine, Path(tmp), chosen, args.jobs, args.timeout)
    print(report(outcomes, time.monotonic() - start))
    return 1 if args.strict and strict_failure(outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
