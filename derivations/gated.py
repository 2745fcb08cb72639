"""Shared pieces of the gated cells (LSTM, GRU): gate blocks in PyTorch's stacked layout, the
explicit instances the proofs use, the evaluation bar, and argument checking for the numeric API."""

from __future__ import annotations

import numpy as np
import sympy as sp

from .instances import Instance, Unresolved, substitute
from .notation import Partial, latex
from .numeric import Shapes, concrete, lambdify_matrix

n, m = sp.symbols("n m", integer=True, positive=True)
_u = sp.Dummy("u")
TANH = sp.Lambda(_u, sp.tanh(_u))
TANH_PRIME = sp.Lambda(_u, 1 - sp.tanh(_u) ** 2)
"""tanh' = 1 − tanh², the closed form proved by ``activation.tanh-derivative``."""
TANH_SQUARED = sp.Lambda(_u, sp.tanh(_u) ** 2)
ONE = sp.OneMatrix(n, 1)
H_PREV = sp.MatrixSymbol("h_{t-1}", n, 1)
X_T = sp.MatrixSymbol("x_t", m, 1)


def at_t(name: str) -> sp.MatrixSymbol:
    """The n×1 column ``name_t``, e.g. ``f_t`` or ``f'_t``."""
    return sp.MatrixSymbol(f"{name}_{{t}}", n, 1)


def jacobian_symbol(num, den) -> sp.MatrixSymbol:
    """An n×n matrix symbol that prints as ∂num/∂den, standing for a block of a Jacobian."""
    return sp.MatrixSymbol(latex(Partial(num, den)), n, n)


def blocks(gates: str):
    """Per-gate parameter blocks of PyTorch's stacked weight_ih, weight_hh, bias_ih, bias_hh."""
    return (
        {g: sp.MatrixSymbol(f"W_i{g}", n, m) for g in gates},
        {g: sp.MatrixSymbol(f"W_h{g}", n, n) for g in gates},
        {g: sp.MatrixSymbol(f"b_i{g}", n, 1) for g in gates},
        {g: sp.MatrixSymbol(f"b_h{g}", n, 1) for g in gates},
    )


def hadamard(*factors):
    """The entrywise product of n×1 columns."""
    return sp.HadamardProduct(*factors)


def minus(a, b):
    """a − b, written in that order."""
    return sp.MatAdd(a, -b, evaluate=False)


def one_minus(column):
    """1 − column, written in that order."""
    return minus(ONE, column)


def plus(*terms):
    """The sum of ``terms``, written in that order."""
    return sp.MatAdd(*terms, evaluate=False)


class Evaluated(sp.MatrixExpr):
    """``expr|_{a = b = … = value}``: ``expr`` where every entry of the matrices a, b, … equals ``value``.

    A derivative is taken first, then evaluated there. The engine evaluates the parts to explicit
    matrices and calls :meth:`doit`, which substitutes entry by entry; on symbolic parts it is unresolved.
    """

    def __new__(cls, expr, value, *names):
        return super().__new__(cls, *map(sp.sympify, (expr, value, *names)))

    @property
    def shape(self):
        expr = self.args[0]
        return (expr.args[0].shape[0], expr.args[1].shape[0]) if isinstance(expr, Partial) else expr.shape

    def _latex(self, printer):
        expr, value, *names = (printer._print(a) for a in self.args)
        return rf"\left.{expr}\right|_{{{' = '.join([*names, value])}}}"

    def doit(self, **hints):
        expr, value, *names = self.args
        if not all(isinstance(a, sp.MatrixBase) for a in (expr, *names)):
            raise Unresolved(f"{latex(self)} is evaluated on explicit matrices only")
        return expr.xreplace({entry: value for name in names for entry in name})


def explicit_instances(definitions: dict, sizes, jacobians=()) -> tuple[Instance, ...]:
    """The model for n in ``sizes`` and m = 1: every matrix symbol a matrix of symbols, every shown
    symbol its definition, and the block symbol of each (num, den) in ``jacobians`` the derivative
    ∂num/∂den of the model."""
    return tuple(Instance(f"explicit n = {size}", "explicit", subs=definitions | {n: size, m: 1}, explicit=True,
                          values={substitute(jacobian_symbol(a, b), {n: size}): Partial(a, b) for a, b in jacobians})
                 for size in sizes)


def prove_slopes(d) -> None:
    """Prove the slopes the closed forms write with gate values: σ' = σ(1 − σ) and tanh' = 1 − tanh²."""
    x = sp.Symbol("x", real=True)
    logistic = 1 / (1 + sp.exp(-x))
    d.prove(sp.diff(logistic, x), logistic * (1 - logistic), claim="for the logistic σ, σ' = σ(1 − σ)",
            kind="symbolic")
    d.prove(sp.diff(sp.tanh(x), x), TANH_PRIME(x), claim="tanh' = 1 − tanh²", kind="symbolic")


def compile_sigmoid(arguments: list, expr, size: int):
    """A NumPy function of ``arguments`` evaluating ``expr`` for n = ``size`` (so that the all-ones
    column has a concrete shape) with σ the logistic sigmoid.

    The arguments are renamed to identifiers first: lambdify would otherwise replace a name such
    as ``h_{t-1}`` by a scalar dummy, which an entrywise product rejects.
    """
    renamed = {a: sp.MatrixSymbol(f"arg{i}", *(sp.sympify(d).subs(n, size) for d in a.shape))
               for i, a in enumerate(arguments)}
    expr = concrete(expr, "sigmoid").xreplace({ONE: sp.OneMatrix(size, 1)} | renamed)
    return lambdify_matrix(list(renamed.values()), expr)


def stacked(shapes: Shapes, count: int, weight_ih, weight_hh, bias_ih, bias_hh) -> list[np.ndarray]:
    """Check PyTorch's stacked parameters (``count`` gates) and split them into gate blocks:
    the weight_ih blocks, then weight_hh, bias_ih and bias_hh blocks, biases as columns."""
    rows = f"{count}n"
    weight_ih = shapes.array("weight_ih", weight_ih, (rows, "m"))
    if weight_ih.shape[0] % count:
        raise ValueError(f"weight_ih: {weight_ih.shape[0]} rows is not {count} gate blocks of n rows each")
    weight_hh = shapes.array("weight_hh", weight_hh, (rows, "n"))
    if weight_hh.shape[0] != count * weight_hh.shape[1]:
        raise ValueError(f"weight_hh: expected shape ({count}·n, n), got {weight_hh.shape}")
    bias_ih = shapes.array("bias_ih", bias_ih, (rows,))
    bias_hh = shapes.array("bias_hh", bias_hh, (rows,))
    return [block for array in (weight_ih, weight_hh, bias_ih[:, None], bias_hh[:, None])
            for block in np.split(array, count)]


def column(shapes: Shapes, name: str, value, dim: str) -> np.ndarray:
    """``value`` checked as a vector of length ``dim``, returned as a column."""
    return shapes.array(name, value, (dim,))[:, None]


def evaluate(function, args: list[np.ndarray]) -> np.ndarray:
    """Call a compiled closed form; exp overflow in the sigmoid saturates correctly to 0 or 1."""
    with np.errstate(over="ignore"):
        return np.asarray(function(*args), dtype=float)
