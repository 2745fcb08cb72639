"""Fault injection: mutants of each derivation's mathematics must make the tests fail naming its id.

For every mutant a fresh copy of the committed project (``git archive HEAD``) gets one text
replacement; then the topic's tests, ``python -m derivations check ID`` and the id's golden LaTeX
test run in that copy. A mutant is *killed* when any of them fails, *killed naming the id* when
a failing command's output contains the id; a run past the timeout counts separately. A mutant
is *killed by a proof* when the tests or the check failed: a proof or a numeric check noticed.
The report also counts the mutants only the golden LaTeX caught: the published equation changed,
but no proof or numeric check noticed. The unmutated copy of each topic runs first as a control,
so that a broken environment cannot pass for kills.

Every registered id has mutants: those of a definition change the model object itself and must
break the derivations or numeric tests that use it; each result has "display" mutants, changes to
what its ``d.result(...)`` shows, which the engine's proof of the display must catch.

    python benchmarks/mutants.py [--only ID_PREFIX] [--jobs N] [--timeout S] [--strict] [--worktree]

``--worktree`` copies derivations/, tests/ and pyproject.toml from the working tree instead of
HEAD, to try mutants of uncommitted code, and pins the copy's golden LaTeX to the display the
working tree derives; ``--strict`` exits 1 if any mutant survived or was killed only by the golden
LaTeX.
"""

from __future__ import annotations

import argparse
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

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("sign", "transpose", "diag", "order", "exponent", "constant", "display")
"""What a mutant changes; "display": a part, index range, exponent or relation shown by ``d.result``."""

ACT, RNN, EXAMPLE, BOUNDS, REMEDIES, LSTM, GRU, GATED, INSTANCES = (
    f"derivations/{name}.py" for name in ("activation", "rnn", "example", "bounds", "remedies", "lstm", "gru", "gated",
                                          "instances"))

MUTANTS: dict[str, list[tuple[str, str, str, str]]] = {
    "activation.functions": [
        (ACT, '"sigmoid": 1 / (1 + sp.exp(-x)),', '"sigmoid": 1 / (1 + sp.exp(x)),', "sign"),
        (ACT, '"sigmoid": 1 / (1 + sp.exp(-x)),', '"sigmoid": 1 / (1 + sp.exp(-x)) ** 2,', "exponent"),
        (ACT, '"tanh": sp.tanh(x),', '"tanh": sp.tanh(2 * x),', "constant"),
        (ACT, '"relu": sp.Max(0, x),', '"relu": sp.Max(0, -x),', "sign"),
    ],
    "activation.sigmoid-derivative": [
        (ACT, '"sigmoid": DEFINITIONS["sigmoid"] * (1 - DEFINITIONS["sigmoid"]),',
         '"sigmoid": DEFINITIONS["sigmoid"] * (1 + DEFINITIONS["sigmoid"]),', "sign"),
        (ACT, '"sigmoid": DEFINITIONS["sigmoid"] * (1 - DEFINITIONS["sigmoid"]),',
         '"sigmoid": DEFINITIONS["sigmoid"] ** 2 * (1 - DEFINITIONS["sigmoid"]),', "exponent"),
        (ACT, '{"sigmoid": sp.Rational(1, 4),', '{"sigmoid": sp.Rational(1, 2),', "constant"),
        (ACT, "d.check(curvature < 0,", "d.check(curvature > 0,", "sign"),
        (ACT, "shown = sp.Mul(sigma(x), 1 - sigma(x), evaluate=False)",
         "shown = sp.Mul(sigma(x), 1 + sigma(x), evaluate=False)", "display"),
        (ACT, "sp.Subs(sp.Derivative(sigma(x), x), x, 0),", "sp.Subs(sp.Derivative(sigma(x), x), x, 1),", "display"),
    ],
    "activation.tanh-derivative": [
        (ACT, '"tanh": 1 - sp.tanh(x) ** 2,', '"tanh": 1 - sp.tanh(x) ** 3,', "exponent"),
        (ACT, '"tanh": 1 - sp.tanh(x) ** 2,', '"tanh": 1 + sp.tanh(x) ** 2,', "sign"),
        (ACT, '"tanh": sp.Integer(1),', '"tanh": sp.Integer(2),', "constant"),
        (ACT, 'DERIVATIVES["tanh"].subs(x, 0)),', 'DERIVATIVES["tanh"].subs(x, 1)),', "display"),
        (ACT, '("derivative", sp.Derivative(sp.tanh(x), x), DERIVATIVES["tanh"]),',
         '("derivative", sp.Derivative(sp.tanh(x), x, 2), DERIVATIVES["tanh"]),', "display"),
    ],
    "activation.relu-derivative": [
        (ACT, '"relu": sp.Heaviside(x, 0),', '"relu": sp.Heaviside(-x, 0),', "sign"),
        (ACT, '"relu": sp.Heaviside(x, 0),', '"relu": sp.Heaviside(x, 1),', "constant"),
        (ACT, "indicator = sp.Piecewise((1, x > 0), (0, True))", "indicator = sp.Piecewise((1, x < 0), (0, True))",
         "display"),
        (ACT, "indicator = sp.Piecewise((1, x > 0), (0, True))", "indicator = sp.Piecewise((1, x > 0), (1, True))",
         "display"),
    ],
    "rnn.model": [
        (RNN, "PRE_ACTIVATION = W_HH * H_PREV + W_XH * X_T + B_H",
         "PRE_ACTIVATION = W_HH.T * H_PREV + W_XH * X_T + B_H", "transpose"),
        (RNN, "PRE_ACTIVATION = W_HH * H_PREV + W_XH * X_T + B_H", "PRE_ACTIVATION = W_HH * H_PREV - W_XH * X_T + B_H",
         "sign"),
        (RNN, "STATE = elementwise(sigma, Z_T)", "STATE = elementwise(sigma, 2 * Z_T)", "constant"),
        (RNN, "STATE = elementwise(sigma, Z_T)", "STATE = elementwise(sigma, elementwise(sigma, Z_T))", "exponent"),
        (RNN, 'sp.Sum(at("L", t), (t, 1, T))', 'sp.Sum(at("L", t), (t, 2, T))', "constant"),
    ],
    "rnn.step-jacobian": [
        (RNN, "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
         "STEP_JACOBIAN = W_HH * DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION))", "order"),
        (RNN, "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
         "STEP_JACOBIAN = W_HH", "diag"),
        (RNN, "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
         "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH.T", "transpose"),
        (RNN, "STEP_JACOBIAN = DiagMatrix(", "STEP_JACOBIAN = -DiagMatrix(", "sign"),
        (RNN, "SIGMA_PRIME = sp.Lambda(_u, sigma(_u).diff(_u))", "SIGMA_PRIME = sp.Lambda(_u, sigma(_u).diff(_u, 2))",
         "exponent"),
        (RNN, "d.result((Partial(h(t), h(t - 1)), STEP_JACOBIAN",
         "d.result((Transposed(Partial(h(t), h(t - 1))), STEP_JACOBIAN", "display"),
        (RNN, "d.result((Partial(h(t), h(t - 1)), STEP_JACOBIAN", "d.result((Partial(h(t), h(t - 2)), STEP_JACOBIAN",
         "display"),
    ],
    "rnn.chain-rule": [
        (RNN, 'Juxtaposed(Partial(sp.Symbol("a"), sp.Symbol("b")), Partial(sp.Symbol("b"), sp.Symbol("c"))))',
         'Juxtaposed(Partial(sp.Symbol("b"), sp.Symbol("c")), Partial(sp.Symbol("a"), sp.Symbol("b"))))', "order"),
        (RNN, 'CHAIN_RULE = (Partial(sp.Symbol("a"), sp.Symbol("c")),',
         'CHAIN_RULE = (Transposed(Partial(sp.Symbol("a"), sp.Symbol("c"))),', "transpose"),
        (RNN, "Partial(a, b): F.jacobian(y).xreplace(at_G)", "Partial(a, b): F.jacobian(y).T.xreplace(at_G)",
         "transpose"),
        (RNN, "d.result(CHAIN_RULE, at=chain_rule_instances())",
         'd.result((CHAIN_RULE[0], Partial(sp.Symbol("a"), sp.Symbol("b"))), at=chain_rule_instances())', "display"),
    ],
    "rnn.span-jacobian": [
        (RNN, 'at("z", t + k - j, (n, 1))', 'at("z", t + j + 1, (n, 1))', "order"),
        (RNN, "(n, 1)))) * W_HH,\n", "(n, 1)))) * W_HH.T,\n", "transpose"),
        (RNN, 'OrderedProduct(DiagMatrix(elementwise(SIGMA_PRIME, at("z", t + k - j, (n, 1)))) * W_HH,',
         "OrderedProduct(W_HH,", "diag"),
        (RNN, "j, 0, k - 1)), at=span_instances())", "j, 1, k)), at=span_instances())", "display"),
        (RNN, "d.result((Partial(h(t + k), h(t)), Chain(", "d.result((Partial(h(t + k + 1), h(t)), Chain(", "display"),
        (RNN, "return sp.diag(*[sigma_prime(entry) for entry in z]) * W",
         "return W * sp.diag(*[sigma_prime(entry) for entry in z])", "order"),
        (RNN, 'product = _evaluate("jacobian", activation, step_args) @ product',
         'product = product @ _evaluate("jacobian", activation, step_args)', "order"),
        (RNN, "product = np.eye(args[0].shape[0])", "product = 2 * np.eye(args[0].shape[0])", "constant"),
    ],
    "rnn.order-matters": [
        (RNN, '("AB", A * B, ORDER_EXAMPLE[A] * ORDER_EXAMPLE[B])',
         '("AB", A * B, ORDER_EXAMPLE[B] * ORDER_EXAMPLE[A])', "order"),
        (RNN, '("BA", B * A, ORDER_EXAMPLE[B] * ORDER_EXAMPLE[A])',
         '("BA", B * A, ORDER_EXAMPLE[B] * ORDER_EXAMPLE[A].T)', "transpose"),
        (RNN, "ORDER_B: sp.Matrix([[1, 0], [1, 1]])", "ORDER_B: sp.Matrix([[1, 0], [0, 1]])", "constant"),
        (RNN, '("A", A, ORDER_EXAMPLE[A])', '("A", A, ORDER_EXAMPLE[B])', "display"),
    ],
    "rnn.hidden-gradient": [
        (RNN, "return Juxtaposed(Transposed(Partial(h(t + 1), h(t))), Partial(L, h(t + 1)))",
         "return Juxtaposed(Partial(h(t + 1), h(t)), Partial(L, h(t + 1)))", "transpose"),
        (RNN, "return Juxtaposed(Transposed(Partial(h(t + 1), h(t))), Partial(L, h(t + 1)))",
         "return Juxtaposed(Transposed(Partial(L, h(t + 1))), Partial(h(t + 1), h(t)))", "order"),
        (RNN, 'd.result((Partial(L, h(t)), sp.Add(Partial(at("L", t), h(t)), later_terms(),',
         'd.result((Partial(L, h(t)), sp.Add(Partial(at("L", t), h(t)), -later_terms(),', "sign"),
        (RNN, 'd.result((Partial(L, h(t)), sp.Add(Partial(at("L", t), h(t)), later_terms(),',
         'd.result((Partial(L, h(t)), sp.Add(Partial(at("L", t + 1), h(t)), later_terms(),', "display"),
        (RNN, "states.append((W * states[-1] + _column(", "states.append((W.T * states[-1] + _column(", "transpose"),
    ],
    "rnn.whh-gradient": [
        (RNN, "Partial(L, h(t)),\n                         h(t - 1, (n, 1)).T)",
         "Partial(L, h(t)),\n                         h(t - 1, (n, 1)))", "transpose"),
        (RNN, "Partial(L, h(t)),\n                         h(t - 1, (n, 1)).T)",
         "h(t - 1, (n, 1)),\n                         Transposed(Partial(L, h(t))))", "order"),
        (RNN, 'summand = Juxtaposed(DiagMatrix(elementwise(SIGMA_PRIME, at("z", t, (n, 1)))), Partial(L, h(t)),',
         "summand = Juxtaposed(Partial(L, h(t)),", "diag"),
        (RNN, "summand = Juxtaposed(", "summand = -Juxtaposed(", "sign"),
        (RNN, 'elementwise(SIGMA_PRIME, at("z", t, (n, 1))))', 'elementwise(SIGMA_PRIME, at("z", t - 1, (n, 1))))',
         "constant"),
        (RNN, "d.result((Partial(L, W_HH), sp.Sum(summand, (t, 1, T)))",
         "d.result((Partial(L, W_HH), sp.Sum(summand, (t, 2, T)))", "display"),
    ],
    "example.sigmoid-100-steps": [
        (EXAMPLE, "value = gamma**STEPS", "value = gamma**(STEPS + 1)", "exponent"),
        (EXAMPLE, "Power(2, -2 * STEPS)", "Power(2, 2 * STEPS)", "sign"),
        (EXAMPLE, 'gamma = SUPREMUM["sigmoid"]', 'gamma = SUPREMUM["tanh"]', "constant"),
        (EXAMPLE, "factor = Power(gamma, STEPS)", "factor = Power(gamma, STEPS - 1)", "display"),
        (EXAMPLE, "Power(2, -2 * STEPS)", "Power(2, -3 * STEPS)", "display"),
        (EXAMPLE, "Approximately(sp.Float(sp.N(value, 20), 3))", "Approximately(sp.Float(sp.N(value, 1), 3))",
         "display"),
    ],
    "example.adding-baseline": [
        (EXAMPLE, 'Uniform("b", 0, 1)', 'Uniform("b", 0, 2)', "constant"),
        (EXAMPLE, "2 * uniform, sp.Rational(1, 6)", "-2 * uniform, sp.Rational(1, 6)", "sign"),
        (EXAMPLE, "2 * uniform, sp.Rational(1, 6)", "uniform, sp.Rational(1, 6)", "display"),
        (EXAMPLE, "2 * uniform, sp.Rational(1, 6)", "2 * uniform, sp.Rational(1, 12)", "display"),
    ],
    "bounds.spectral-norm": [
        (BOUNDS, "return sp.Max(*[sp.sqrt(value) for value in (M.T * M).eigenvals()])",
         "return sp.Max(*[value for value in (M.T * M).eigenvals()])", "exponent"),
        (BOUNDS, "for value in (M.T * M).eigenvals()", "for value in (M * M).eigenvals()", "transpose"),
        (INSTANCES, "dtype=float), 2), 30)", 'dtype=float), "fro"), 30)', "constant"),
    ],
    "bounds.norm-facts": [
        (BOUNDS, '"submultiplicative": (Norm(A * B), AtMost(Juxtaposed(Norm(A), Norm(B)))),',
         '"submultiplicative": (Norm(A * B), Juxtaposed(Norm(A), Norm(B))),', "display"),
        (BOUNDS, '"radius": (rho(A_SQUARE), AtMost(Norm(A_SQUARE))),',
         '"radius": (Norm(A_SQUARE), AtMost(rho(A_SQUARE))),', "order"),
        (BOUNDS, '"transpose": (Norm(A.T), Norm(A)),', '"transpose": (Norm(A.T), Power(Norm(A), 2)),', "exponent"),
        (BOUNDS, '"operator": (Norm(A.T * G),', '"operator": (Norm(A * G),', "transpose"),
        (BOUNDS, 'MAX_ABS_D = Maximum(sp.Abs(ENTRIES_D[i]), i)', 'MAX_ABS_D = Maximum(ENTRIES_D[i], i)',
         "sign"),
    ],
    "bounds.step-norm": [
        (BOUNDS, "Norm(DIAG * W_HH), AtMost(", "Norm(W_HH * DIAG), AtMost(", "order"),
        (BOUNDS, "Norm(DIAG * W_HH), AtMost(", "Norm(W_HH), AtMost(", "diag"),
        (BOUNDS, "Norm(DIAG * W_HH), AtMost(", "Norm(DIAG * W_HH.T), AtMost(", "transpose"),
        (BOUNDS, "AtMost(Juxtaposed(GAMMA, Norm(W_HH))))", "Juxtaposed(GAMMA, Norm(W_HH)))", "display"),
        (BOUNDS, "AtMost(Juxtaposed(GAMMA, Norm(W_HH))))", "AtMost(Juxtaposed(Power(GAMMA, 2), Norm(W_HH))))",
         "exponent"),
        (BOUNDS, "sp.Lambda(act.x, act.STABLE[name])", "sp.Lambda(act.x, 2 * act.STABLE[name])", "constant"),
        (BOUNDS, "derivative = act.DERIVATIVES[name].rewrite(sp.Piecewise)",
         "derivative = (-act.DERIVATIVES[name]).rewrite(sp.Piecewise)", "sign"),
    ],
    "bounds.span-norm": [
        (BOUNDS, "AtMost(Power(Juxtaposed(GAMMA, Norm(W_HH)), k)))",
         "AtMost(Power(Juxtaposed(GAMMA, Norm(W_HH)), k + 1)))", "exponent"),
        (BOUNDS, "OrderedProduct(Norm(J(t + k - j)), j, 0, k - 1))", "OrderedProduct(Norm(J(t + k - j)), j, 1, k - 1))",
         "display"),
        (BOUNDS, "SPAN_NORM = (Norm(SPAN), Norm(Chain(J(t + k), J(t + k - 1), J(t + 1))),",
         "SPAN_NORM = (Norm(SPAN), Norm(Chain(J(t + k), J(t + k - 1), J(t + 2))),", "display"),
        (BOUNDS, "columns = activate(self.W_hh @ columns", "columns = activate(self.W_hh.T @ columns", "transpose"),
        (BOUNDS, "d.prove(sp.limit((1 + s) ** -k, k, sp.oo), 0,", "d.prove(sp.limit((1 + s) ** k, k, sp.oo), 0,",
         "sign"),
        (BOUNDS, ".subs(bound, x + p) - x * y", ".subs(bound, x + p) - 2 * x * y", "constant"),
        (RNN, "product = np.asarray(jacobian(*arguments), dtype=float) @ product",
         "product = product @ np.asarray(jacobian(*arguments), dtype=float)", "order"),
    ],
    "bounds.pascanu-model": [
        (BOUNDS, "PASCANU_STEP = sp.MatAdd(W_REC * elementwise(sigma, X_PREV), W_IN * U_T, BIAS, evaluate=False)",
         "PASCANU_STEP = sp.MatAdd(W_REC * elementwise(sigma, X_PREV), -W_IN * U_T, BIAS, evaluate=False)", "sign"),
        (BOUNDS, "PASCANU_STEP = sp.MatAdd(W_REC * elementwise(sigma, X_PREV),",
         "PASCANU_STEP = sp.MatAdd(elementwise(sigma, W_REC * X_PREV),", "order"),
        (BOUNDS, "PASCANU_STEP = sp.MatAdd(W_REC * elementwise(sigma, X_PREV),",
         "PASCANU_STEP = sp.MatAdd(W_REC.T * elementwise(sigma, X_PREV),", "transpose"),
        (BOUNDS, "W_IN * U_T, BIAS, evaluate=False)", "W_IN * U_T, 2 * BIAS, evaluate=False)", "constant"),
    ],
    "bounds.pascanu-conditions": [
        (BOUNDS, "PASCANU_JACOBIAN = W_REC * DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV))",
         "PASCANU_JACOBIAN = DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV)) * W_REC", "order"),
        (BOUNDS, "PASCANU_JACOBIAN = W_REC * DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV))",
         "PASCANU_JACOBIAN = W_REC", "diag"),
        (BOUNDS, "derived = PASCANU_STEP.diff(X_PREV).T", "derived = PASCANU_STEP.diff(X_PREV)", "transpose"),
        (BOUNDS, 'THRESHOLD = {"sigmoid": sp.Integer(4)', 'THRESHOLD = {"sigmoid": sp.Integer(2)', "constant"),
        (BOUNDS, "(1, sp.Eq(RATE, 1))", "(0, sp.Eq(RATE, 1))", "display"),
        (BOUNDS, "sp.Piecewise((0, RATE < 1))),", "sp.Piecewise((0, RATE > 1))),", "display"),
        (BOUNDS, '"explode": (sp.Limit(Power(RATE, k), k, sp.oo),', '"explode": (sp.Limit(Power(RATE, -k), k, sp.oo),',
         "sign"),
    ],
    "bounds.linear-spectral-radius": [
        (BOUNDS, '"span": (Partial(h(t + k), h(t)), sp.MatPow(W_HH, k)),',
         '"span": (Partial(h(t + k), h(t)), sp.MatPow(W_HH, k + 1)),', "exponent"),
        (BOUNDS, '"radius": (rho(W_HH), MAX_ABS_MU, AtMost(LAMBDA_1)),', '"radius": (rho(W_HH), MAX_ABS_MU, LAMBDA_1),',
         "display"),
        (BOUNDS, "sp.Piecewise((0, rho(W_HH) < 1),", "sp.Piecewise((0, rho(W_HH) < 2),", "display"),
        (BOUNDS, '"radius": (rho(W_HH), MAX_ABS_MU, AtMost(LAMBDA_1)),',
         '"radius": (LAMBDA_1, MAX_ABS_MU, AtMost(rho(W_HH))),', "order"),
        (BOUNDS, "NON_NORMAL_POWER = Juxtaposed(sp.Integer(2) ** -K_EXAMPLE,",
         "NON_NORMAL_POWER = Juxtaposed(sp.Integer(2) ** K_EXAMPLE,", "sign"),
        (BOUNDS, "[[1, 20 * K_EXAMPLE], [0, 1]]", "[[1, 10 * K_EXAMPLE], [0, 1]]", "constant"),
        (BOUNDS, "power = P * sp.diag(*[m**k for m in mu]) * P.inv()",
         "power = P * sp.diag(*[m**(k + 1) for m in mu]) * P.inv()", "exponent"),
        (BOUNDS, "power = P * sp.diag(*[m**k for m in mu]) * P.inv()", "power = P * sp.diag(*[m**k for m in mu]) * P.T",
         "transpose"),
        (BOUNDS, "EXAMPLE_EIGENVALUES = sp.diag(sp.Rational(1, 2),", "EXAMPLE_EIGENVALUES = sp.diag(sp.Rational(3, 2),",
         "constant"),
    ],
    "remedies.relu-step-jacobian": [
        (REMEDIES, "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH",
         "RELU_STEP_JACOBIAN = W_HH * DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION))", "order"),
        (REMEDIES, "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH",
         "RELU_STEP_JACOBIAN = W_HH", "diag"),
        (REMEDIES, "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH",
         "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH.T", "transpose"),
        (REMEDIES, 'act.DERIVATIVES["relu"].subs(act.x, _u))', 'act.DERIVATIVES["relu"].subs(act.x, -_u))', "sign"),
        (REMEDIES, "[1 if sign > 0 else 0 for sign in pattern]", "[1 if sign < 0 else 0 for sign in pattern]", "sign"),
        (REMEDIES, 'RELU_MASK = DiagMatrix(elementwise(HEAVISIDE, at("z", t, (n, 1))))',
         'RELU_MASK = DiagMatrix(elementwise(RELU, at("z", t, (n, 1))))', "display"),
        (REMEDIES, "d.result((_step_partial(), RELU_STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),",
         "d.result((_step_partial(), STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),", "display"),
    ],
    "remedies.residual-model": [
        (REMEDIES, "RESIDUAL_STATE = sp.MatAdd(H_PREV, STATE, evaluate=False)",
         "RESIDUAL_STATE = sp.MatAdd(-H_PREV, STATE, evaluate=False)", "sign"),
        (REMEDIES, "RESIDUAL_STATE = sp.MatAdd(H_PREV, STATE, evaluate=False)",
         "RESIDUAL_STATE = sp.MatAdd(2 * H_PREV, STATE, evaluate=False)", "constant"),
        (REMEDIES, "RESIDUAL_MODEL = RESIDUAL_STATE.subs(Z_T, PRE_ACTIVATION)",
         "RESIDUAL_MODEL = RESIDUAL_STATE.subs(Z_T, PRE_ACTIVATION.subs(W_HH, W_HH.T))", "transpose"),
    ],
    "remedies.residual-jacobian": [
        (REMEDIES, "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)",
         "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), -STEP_JACOBIAN, evaluate=False)", "sign"),
        (REMEDIES, "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)",
         "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(2 * sp.Identity(n), STEP_JACOBIAN, evaluate=False)", "constant"),
        (REMEDIES, "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)",
         "RESIDUAL_STEP_JACOBIAN = sp.MatAdd(sp.Identity(n), W_HH, evaluate=False)", "diag"),
        (REMEDIES, "numerator = sp.MatAdd(identity.T, update.T, evaluate=False)",
         "numerator = sp.MatAdd(identity.T, update, evaluate=False)", "transpose"),
        (REMEDIES, "d.prove(saturated_jacobian, sp.eye(2),", "d.prove(saturated_jacobian, sp.zeros(2),", "constant"),
        (REMEDIES, "d.result((_step_partial(), RESIDUAL_STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),",
         "d.result((_step_partial(), STEP_JACOBIAN.subs(PRE_ACTIVATION, Z_T)),", "display"),
    ],
    "remedies.xavier-variance": [
        (REMEDIES, "XAVIER_VARIANCE = 2 / (FAN_IN + FAN_OUT)", "XAVIER_VARIANCE = 1 / (FAN_IN + FAN_OUT)", "constant"),
        (REMEDIES, "XAVIER_BOUND = sp.sqrt(6 / (FAN_IN + FAN_OUT))", "XAVIER_BOUND = sp.sqrt(3 / (FAN_IN + FAN_OUT))",
         "constant"),
        (REMEDIES, "XAVIER_BOUND = sp.sqrt(6 / (FAN_IN + FAN_OUT))", "XAVIER_BOUND = 6 / (FAN_IN + FAN_OUT)",
         "exponent"),
        (REMEDIES, "d.prove(uniform_variance, a ** 2 / 3,", "d.prove(uniform_variance, a ** 3 / 3,", "exponent"),
        (REMEDIES, "uniform_variance = sp.integrate(x ** 2 * density, (x, -a, a))",
         "uniform_variance = sp.integrate(x ** 2 * density, (x, a, -a))", "sign"),
        (REMEDIES, '("bound", a, XAVIER_BOUND)', '("bound", a, sp.sqrt(XAVIER_VARIANCE))', "display"),
    ],
    "remedies.orthogonal-singular-values": [
        (REMEDIES, "ORTHOGONALITY = (Q.T * Q, sp.Identity(n))", "ORTHOGONALITY = (Q * Q, sp.Identity(n))", "display"),
        (REMEDIES, "sp.sqrt(EIGEN(Q.T * Q))", "sp.sqrt(EIGEN(Q * Q))", "transpose"),
        (REMEDIES, "sp.sqrt(EIGEN(sp.Identity(n))), sp.Integer(1))", "sp.sqrt(EIGEN(sp.Identity(n))), sp.Integer(2))",
         "constant"),
        (REMEDIES, "return sp.Matrix([[sp.cos(angle), -sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])",
         "return sp.Matrix([[sp.cos(angle), sp.sin(angle)], [sp.sin(angle), sp.cos(angle)]])", "sign"),
        (REMEDIES, "[sp.sin(angle), -sp.cos(angle)]]", "[sp.sin(angle), sp.cos(angle)]]", "sign"),
        (REMEDIES, "return q * np.sign(np.diag(r))", "return q * np.diag(r)", "diag"),
    ],
    "remedies.clipping-rule": [
        (REMEDIES, "CLIPPING_RULE = sp.Piecewise((Juxtaposed(THRESHOLD / NORM, G),",
         "CLIPPING_RULE = sp.Piecewise((Juxtaposed(NORM / THRESHOLD, G),", "order"),
        (REMEDIES, "NORM >= THRESHOLD), (G, True))", "NORM <= THRESHOLD), (G, True))", "sign"),
        (REMEDIES, "CLIPPING_RULE = sp.Piecewise((Juxtaposed(THRESHOLD / NORM, G),",
         "CLIPPING_RULE = sp.Piecewise((Juxtaposed(2 * THRESHOLD / NORM, G),", "constant"),
    ],
    "remedies.clipping": [
        (REMEDIES, "CLIP_FACTOR = sp.Min(1, THRESHOLD / NORM)", "CLIP_FACTOR = sp.Min(1, NORM / THRESHOLD)", "order"),
        (REMEDIES, "CLIPPED_NORM = sp.Min(NORM, THRESHOLD)", "CLIPPED_NORM = sp.Min(NORM, 2 * THRESHOLD)", "constant"),
        (REMEDIES, "factor = sp.Piecewise((THRESHOLD / NORM,", "factor = sp.Piecewise((-THRESHOLD / NORM,", "sign"),
        (REMEDIES, "(c * column).norm(), c * column.norm(),", "(c * column).norm(), c**2 * column.norm(),", "exponent"),
        (REMEDIES, "_clip_factor(np.linalg.norm(g), threshold) * g",
         "_clip_factor(np.linalg.norm(g, 1), threshold) * g", "constant"),
        (REMEDIES, "d.result((CLIP_NORM, CLIPPED_NORM),", "d.result((CLIP_NORM, THRESHOLD),", "display"),
    ],
    "lstm.model": [
        (LSTM, "CELL = hadamard(F, C_PREV) + hadamard(I, G)", "CELL = hadamard(F, C_PREV) - hadamard(I, G)", "sign"),
        (LSTM, "CELL = hadamard(F, C_PREV) + hadamard(I, G)", "CELL = hadamard(F, F, C_PREV) + hadamard(I, G)",
         "exponent"),
        (LSTM, "W_H[k] * H_PREV, B_H[k]) for k in GATES}", "W_H[k].T * H_PREV, B_H[k]) for k in GATES}", "transpose"),
        (LSTM, 'GATES = "ifgo"', 'GATES = "ifog"', "order"),
    ],
    "lstm.cell-path": [
        (LSTM, "CELL_PATH = DiagMatrix(F)", "CELL_PATH = sp.Identity(n)", "diag"),
        (LSTM, "CELL_PATH = DiagMatrix(F)", "CELL_PATH = DiagMatrix(one_minus(F))", "sign"),
        (LSTM, "CELL_PATH = DiagMatrix(F)", "CELL_PATH = DiagMatrix(hadamard(F, F))", "exponent"),
        (LSTM, "OPEN_GATE = Evaluated(Partial(C, C_PREV), 1, F)", "OPEN_GATE = Evaluated(Partial(C, C_PREV), 0, F)",
         "display"),
        (LSTM, "d.result((Partial(C, C_PREV), CELL_PATH),", "d.result((Partial(C, H_PREV), CELL_PATH),", "display"),
    ],
    "lstm.step-jacobian": [
        (LSTM, 'W_H["f"] + DiagMatrix(hadamard(G, I_P))', 'W_H["f"] - DiagMatrix(hadamard(G, I_P))', "sign"),
        (LSTM, "D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME, F)),", "D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME)),",
         "diag"),
        (LSTM, "DiagMatrix(hadamard(O, TANH_C_PRIME)) * D_C_H,", "D_C_H * DiagMatrix(hadamard(O, TANH_C_PRIME)),",
         "order"),
        (LSTM, 'hadamard(C_PREV, F_P)) * W_H["f"]', 'hadamard(C_PREV, F_P)) * W_H["f"].T', "transpose"),
        (GATED, "TANH_SQUARED = sp.Lambda(_u, sp.tanh(_u) ** 2)", "TANH_SQUARED = sp.Lambda(_u, sp.tanh(_u) ** 3)",
         "exponent"),
        (LSTM, 'DiagMatrix(hadamard(G, I_P)) * W_H["i"]', 'DiagMatrix(hadamard(G, I_P)) * W_H["g"]', "constant"),
        (LSTM, "STEP_JACOBIAN = sp.BlockMatrix([[D_H_H, D_H_C], [D_C_H, D_C_C]])",
         "STEP_JACOBIAN = sp.BlockMatrix([[D_H_H, D_C_H], [D_H_C, D_C_C]])", "display"),
    ],
    "gru.model": [
        (GRU, "HIDDEN = sp.MatAdd(hadamard(one_minus(Z), N),", "HIDDEN = sp.MatAdd(hadamard(Z, N),", "sign"),
        (GRU, "hadamard(Z, H_PREV), evaluate=False)", "hadamard(Z, Z, H_PREV), evaluate=False)", "exponent"),
        (GRU, 'W_H[k] * H_PREV, B_H[k]) for k in "rz"}', 'W_H[k].T * H_PREV, B_H[k]) for k in "rz"}', "transpose"),
        (GRU, 'GATES = "rzn"', 'GATES = "zrn"', "order"),
        (GRU, "hadamard(R, RECURRENT_N))", "hadamard(Z, RECURRENT_N))", "constant"),
    ],
    "gru.direct-path": [
        (GRU, "DIRECT_PATH = DiagMatrix(Z)", "DIRECT_PATH = sp.Identity(Z.shape[0])", "diag"),
        (GRU, "DIRECT_PATH = DiagMatrix(Z)", "DIRECT_PATH = DiagMatrix(one_minus(Z))", "sign"),
        (GRU, "DIRECT_PATH = DiagMatrix(Z)", "DIRECT_PATH = DiagMatrix(hadamard(Z, Z))", "exponent"),
        (GRU, 'CUT = (W_H["r"], W_H["z"], W_H["n"])', 'CUT = (W_H["r"], W_H["n"])', "constant"),
        (GRU, "d.result((cut(D_H_H), cut(DIRECT_PATH)),", "d.result((D_H_H, cut(DIRECT_PATH)),", "display"),
    ],
    "gru.step-jacobian": [
        (GRU, "hadamard(minus(H_PREV, N), Z_P)", "hadamard(minus(N, H_PREV), Z_P)", "sign"),
        (GRU, 'sp.MatAdd(DiagMatrix(R) * W_H["n"],', 'sp.MatAdd(W_H["n"] * DiagMatrix(R),', "order"),
        (GRU, "DiagMatrix(hadamard(one_minus(Z), N_P))", "DiagMatrix(N_P)", "diag"),
        (GRU, 'hadamard(RECURRENT_N, R_P)) * W_H["r"]', 'hadamard(RECURRENT_N, R_P)) * W_H["r"].T', "transpose"),
        (GATED, "TANH_PRIME = sp.Lambda(_u, 1 - sp.tanh(_u) ** 2)", "TANH_PRIME = sp.Lambda(_u, 1 - sp.tanh(_u) ** 3)",
         "exponent"),
        (GRU, "DIRECT_PATH, DiagMatrix(hadamard(minus(H_PREV, N), Z_P))", "DiagMatrix(hadamard(minus(H_PREV, N), Z_P))",
         "display"),
    ],
}
"""For each equation id, mutants of its mathematics: (module file, old text, new text, kind)."""


@dataclass(frozen=True)
class Mutant:
    """One text replacement in one module, meant to break the derivation ``id``."""

    id: str
    module: str
    old: str
    new: str
    kind: str

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    def __str__(self) -> str:
        return f"{self.id} [{self.kind}] {Path(self.module).name}: {self.old!r} -> {self.new!r}"


def mutants(prefix: str = "") -> list[Mutant]:
    """The mutants of every id that starts with ``prefix``, in table order."""
    return [Mutant(equation_id, *row) for equation_id, rows in MUTANTS.items() if equation_id.startswith(prefix)
            for row in rows]


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


def apply(mutant: Mutant, project: Path) -> None:
    """Replace the mutant's old text, which must occur exactly once, by its new text."""
    path = project / mutant.module
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.old) != 1:
        raise ValueError(f"{mutant}: the old text occurs {text.count(mutant.old)} times in {mutant.module}")
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


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
    outcome = Outcome(str(mutant) if mutant else f"control {topic}", tuple(ids))
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
    chosen = mutants(args.only)
    if not chosen:
        parser.error(f"no equation id starts with {args.only!r}")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        pristine = snapshot(Path(tmp) / "head", args.worktree)
        print(f"derivations imported from {check_isolation(pristine)}", flush=True)
        outcomes = run_all(pristine, Path(tmp), chosen, args.jobs, args.timeout)
    print(report(outcomes, time.monotonic() - start))
    return 1 if args.strict and strict_failure(outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
