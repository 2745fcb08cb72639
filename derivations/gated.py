"""Shared pieces of the gated cells (LSTM, GRU): gate blocks in PyTorch's stacked layout,
explicit instantiation for the proofs, and argument checking for the numeric API."""

from __future__ import annotations

import numpy as np
import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

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


def substitute(expr, definitions: dict):
    """``expr`` with each shown symbol replaced by its definition, repeatedly, until none is left."""
    while expr.has(*definitions):
        expr = expr.xreplace(definitions)
    return expr


def instantiate(expr, size: int):
    """``expr`` for n = ``size`` and m = 1, every matrix symbol an explicit matrix of symbols.

    Rebuilt bottom-up, so that SymPy never calls an entrywise function on a whole 1×1 matrix; entrywise
    functions are applied with ``subs``, so σ'(a) becomes the same ``Subs`` object that
    differentiating σ(a) produces.
    """
    if isinstance(expr, sp.MatrixSymbol):
        rows, cols = (sp.sympify(d).subs({n: size, m: 1}) for d in expr.shape)
        return sp.ImmutableMatrix(rows, cols, lambda a, b: sp.Symbol(f"{expr.name}[{a},{b}]"))
    if isinstance(expr, ElementwiseApplyFunction):
        (var,), body = expr.function.variables, expr.function.expr
        return instantiate(expr.expr, size).applyfunc(lambda entry: body.subs(var, entry))
    if isinstance(expr, sp.BlockMatrix):
        return sp.ImmutableMatrix(sp.BlockMatrix([[instantiate(b, size) for b in row]
                                                  for row in expr.blocks.tolist()]).as_explicit())
    if not expr.args:
        return expr.subs({n: size, m: 1})
    rebuilt = expr.func(*(instantiate(a, size) for a in expr.args))
    return sp.ImmutableMatrix(rebuilt.as_explicit()) if isinstance(rebuilt, sp.MatrixExpr) else rebuilt


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
