"""The explorable on "Why gradients vanish or explode": sliders for the activation, γλ₁, the input scale, the
span k and the width n, and a plot of log₁₀‖∂h_{t+k}/∂h_t‖₂ measured on a fixed random orthogonal W_hh beside
the bound k·log₁₀(γλ₁).

Its JavaScript model is printed here from the proved SymPy objects, never typed: the step and the step
Jacobian (``rnn.model``, ``rnn.step-jacobian``) with each activation's closed forms (``activation.*``), γ
(``activation.SUPREMUM``), the log of the bound (``bounds.span-norm``) and the limit of the bound that
names Pascanu's region (``bounds.pascanu-conditions``). The page's script (``site/explorable.js``)
multiplies the step Jacobians and accumulates their norms in log space as :func:`rnn.span_log_norms` does.
"""

from __future__ import annotations

import json
from pathlib import Path

import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.printing.jscode import JavascriptCodePrinter

from . import activation as act
from . import bounds, rnn
from .numeric import concrete

ACTIVATIONS = ("tanh", "sigmoid")
"""The activations offered, first the default."""
USES = ("activation.functions", "activation.tanh-derivative", "activation.sigmoid-derivative", "rnn.model",
        "rnn.step-jacobian", "rnn.span-jacobian", "bounds.span-norm", "bounds.pascanu-conditions")
"""The equations whose objects the generated model is printed from."""
SLIDERS = {  # name: (least, most, step, default)
    "ratio": (0.5, 2.0, 0.05, 0.95),
    "scale": (0.0, 3.0, 0.1, 0.2),
    "span": (1, 1000, 1, 200),
    "width": (1, 64, 1, 16),
}
"""The sliders: γλ₁ (λ₁ as a multiple of 1/γ), the input scale, the span k and the width n."""
SEEDS = {"inputs": 7, "weights": 1000}
"""The input sequence is drawn from the first seed; W_hh and W_xh of width n from the second plus n."""

_NAMES = {rnn.W_HH: "W_hh", rnn.W_XH: "W_xh", rnn.B_H: "b_h", rnn.H_PREV: "h_prev", rnn.X_T: "x_t"}


class MatrixJavascriptPrinter(JavascriptCodePrinter):
    """SymPy's JavaScript printer, extended to the matrix expressions of the model: products, sums,
    diagonal matrices and entrywise functions become calls to the page's small matrix runtime ``M``."""

    def _print_MatrixSymbol(self, expr):
        return _NAMES[expr]

    def _print_Dummy(self, expr):
        return expr.name

    def _print_MatMul(self, expr):
        """diag(v) A as a row scaling (as the NumPy printer of :mod:`derivations.numeric` does); other
        products pair by pair from the left."""
        first, *rest = expr.args
        if isinstance(first, DiagMatrix) and rest:
            return f"M.scaleRows({self._print(first.args[0])}, {self._print(sp.MatMul(*rest))})"
        printed = self._print(first)
        for factor in rest:
            printed = f"M.mul({printed}, {self._print(factor)})"
        return printed

    def _print_MatAdd(self, expr):
        first, *rest = expr.args
        printed = self._print(first)
        for term in rest:
            printed = f"M.add({printed}, {self._print(term)})"
        return printed

    def _print_ElementwiseApplyFunction(self, expr):
        (var,), body = expr.function.variables, expr.function.expr
        return f"M.map(({self._print(var)}) => {self._print(body)}, {self._print(expr.expr)})"

    def _print_Piecewise(self, expr):
        """The last piece as the default: the conditions printed here cover every case between them."""
        *pieces, last = expr.args
        return super()._print_Piecewise(sp.Piecewise(*pieces, (last.expr, True)))


def javascript() -> str:
    """The model as a JavaScript object expression, with a comment naming the ids it is printed from."""
    printer = MatrixJavascriptPrinter()
    gamma, lambda_1 = bounds.GAMMA, bounds.LAMBDA_1
    activations = ",\n".join(
        f"    {name}: {{\n"
        f"      step: (W_hh, W_xh, b_h, h_prev, x_t) => {printer.doprint(concrete(rnn.MODEL, name))},\n"
        f"      jacobian: (W_hh, W_xh, b_h, h_prev, x_t) => {printer.doprint(concrete(rnn.STEP_JACOBIAN, name))},\n"
        f"      gamma: {printer.doprint(act.SUPREMUM[name])},\n"
        f"    }}" for name in ACTIVATIONS)
    log_bound = sp.expand_log(sp.log(bounds.RATE ** rnn.k, 10), force=True)
    limit = bounds.PASCANU_LIMITS["explode"][1]
    return (f"/* Printed by derivations/explorable.py from {', '.join(USES)}. */\n"
            "{\n"
            f"  activations: {{\n{activations}\n  }},\n"
            f"  logBound: (k, gamma, lambda_1) => {printer.doprint(log_bound)},\n"
            f"  boundLimit: (gamma, lambda_1) => {' '.join(printer.doprint(limit).split())},\n"
            f"  sliders: {json.dumps(SLIDERS)}, seeds: {json.dumps(SEEDS)}, ids: {json.dumps(USES)},\n"
            "}")


def symbol_names() -> tuple[str, str]:
    """The names γ and λ₁ have in the generated code (checked by the tests against ``bounds``)."""
    printer = MatrixJavascriptPrinter()
    return printer.doprint(bounds.GAMMA), printer.doprint(bounds.LAMBDA_1)


MESSAGES = {
    "en": {
        "activation": "Activation", "ratio": "γλ₁, that is λ₁ as a multiple of 1/γ", "scale": "Input scale",
        "span": "Span k", "width": "Width n", "xLabel": "span k", "yLabel": "log₁₀ ‖∂hₜ₊ₖ/∂hₜ‖₂",
        "measured": "measured", "bound": "bound k·log₁₀(γλ₁)",
        "plotLabel": "Plot of log₁₀ of the span Jacobian's norm against the span k: the measured values as a solid "
                     "line, the bound k·log₁₀(γλ₁) as a dashed line.",
        "vanish": "γλ₁ = {rate} < 1: Pascanu's vanishing region. The bound shrinks by the factor {rate} at every "
                  "step, so the gradient across a long span must vanish, whatever the inputs.",
        "threshold": "γλ₁ = 1: on the threshold. The bound stays at 1, so it neither forces the gradient to vanish "
                     "nor lets it grow.",
        "explode": "γλ₁ = {rate} > 1: explosion is possible here, not certain. The bound grows by the factor {rate} "
                   "at every step and no longer rules out large gradients.",
        "values": "At k = {k} the measured log₁₀ norm is {measured}; the bound is {bound}.",
        "zero": "The product of step Jacobians is exactly zero from k = {k} on.",
        "computing": "Computing: {done} of {k} steps so far.", "space": " ",
    },
    "zh": {
        "activation": "激活函数", "ratio": "γλ₁，即以 1/γ 为单位的 λ₁", "scale": "输入尺度",
        "span": "跨度 k", "width": "宽度 n", "xLabel": "跨度 k", "yLabel": "log₁₀ ‖∂hₜ₊ₖ/∂hₜ‖₂",
        "measured": "实测值", "bound": "上界 k·log₁₀(γλ₁)",
        "plotLabel": "跨度雅可比矩阵范数的 log₁₀ 随跨度 k 变化的图：实线为实测值，虚线为上界 k·log₁₀(γλ₁)。",
        "vanish": "γλ₁ = {rate} < 1：处于 Pascanu 等人所说的消失区域。上界每一步都乘以 {rate}，"
                  "所以无论输入如何，跨越长距离的梯度都必然消失。",
        "threshold": "γλ₁ = 1：恰在阈值上。上界始终为 1，既不迫使梯度消失，也不允许它增长。",
        "explode": "γλ₁ = {rate} > 1：这里可能发生梯度爆炸，但并非必然。上界每一步乘以 {rate}，"
                   "不再排除很大的梯度。",
        "values": "在 k = {k} 处，实测的 log₁₀ 范数为 {measured}，上界为 {bound}。",
        "zero": "从 k = {k} 起，步雅可比矩阵的乘积恰好为零。",
        "computing": "正在计算：已完成 {k} 步中的 {done} 步。", "space": "",
    },
}
"""The explorable's words in each language; ``{name}`` stands for a number the script computes."""


def script() -> str:
    """The page's script: the runtime (``site/explorable.js``) with the printed model and the words."""
    runtime = (Path(__file__).parent / "site" / "explorable.js").read_text(encoding="utf-8")
    return (runtime.replace("__MODEL__", javascript().replace("\n", "\n  "))
            .replace("__MESSAGES__", json.dumps(MESSAGES, ensure_ascii=False)))
