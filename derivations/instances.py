"""Instances: a displayed result evaluated at concrete objects, so that what a page shows is what is proved.

A published result is written with notation objects (∂a/∂b, ordered products, norms, sums over
time, quantities at a time index). An :class:`Instance` says what they stand for in one case:
general n with the model's definitions substituted, explicit n×n matrices at a given span, or
random numbers. :func:`evaluate` turns a displayed part into a SymPy object there, and
:meth:`derivations.derivation.Derivation.result` proves each relation the page shows on it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
import sympy as sp
from sympy.calculus.util import maximum
from sympy.core.function import AppliedUndef
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.diagonal import DiagMatrix

from .notation import (Approximately, At, AtMatrix, AtMost, Chain, Juxtaposed, Maximum, Norm, OrderedProduct,
                       Partial, Power, Transposed)

KINDS = ("symbolic", "induction", "explicit", "lemma", "numeric")
"""How a claim is proved, strongest first: symbolically (general n, exact arithmetic); by induction with a proved
inductive step; on explicit sizes; a cited lemma with a randomized numeric check; a numeric instance."""


@dataclass(frozen=True)
class Instance:
    """One case in which a displayed result is evaluated and its relations proved.

    ``subs`` is applied to the displayed part first, all at once (time indices, sizes, matrix
    symbols); ``values`` then gives what remaining atoms stand for (``At("h", 2)``, a ``Partial``);
    ``functions`` replaces undefined functions such as σ by a ``Lambda``. With ``explicit``, a matrix
    symbol of concrete shape becomes a matrix of symbols. With ``tolerance``, numbers are compared
    to that relative tolerance instead of symbolically.
    """

    label: str
    kind: str
    subs: Mapping = field(default_factory=dict)
    values: Mapping = field(default_factory=dict)
    functions: Mapping = field(default_factory=dict)
    explicit: bool = False
    tolerance: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"instance {self.label!r}: kind {self.kind!r} is not one of {', '.join(KINDS)}")


class Unresolved(Exception):
    """The instance does not say what a part stands for: it proves nothing about that part."""


def substitute(expr, subs: Mapping):
    """``expr`` with ``subs`` applied until no key is left, so a definition substituted for a symbol
    is itself substituted into (a size inside it, say)."""
    expr, rule = sp.sympify(expr), dict(subs)
    for _ in range(16):
        replaced = _replace(expr, rule) if rule else expr
        if replaced == expr:
            return expr
        expr = replaced
    raise ValueError("substitutions that never end: a definition contains the symbol it defines")


def _replace(node, rule: dict):
    """``node.xreplace(rule)``, except that an entrywise function of a column that becomes 1×1 stays
    entrywise (SymPy would apply the function to the whole 1×1 matrix)."""
    if isinstance(node, sp.MatrixBase):
        return sp.ImmutableMatrix(node).xreplace(rule)
    if node in rule:
        return rule[node]
    if not node.args or isinstance(node, sp.core.symbol.Str):
        return node
    if isinstance(node, sp.Subs):  # its variables are bound: only the expression's other symbols and the point move
        inner, variables, point = node.args
        free = {k: v for k, v in rule.items() if k not in variables}
        return sp.Subs(_replace(inner, free), variables, _replace(point, rule))
    if isinstance(node, sp.Derivative) and any(v in rule for v in node.variables):
        # a point substituted for the variable of differentiation: differentiate, then evaluate there
        points = [v for v in node.variables if v in rule]
        inner = _replace(node, {k: v for k, v in rule.items() if k not in points})
        return sp.Subs(inner, tuple(points), tuple(rule[v] for v in points))
    args = [_replace(a, rule) for a in node.args]
    if all(a is b for a, b in zip(args, node.args)):
        return node
    if isinstance(node, ElementwiseApplyFunction):
        return sp.Basic.__new__(ElementwiseApplyFunction, *args)
    return node.func(*args)


def evaluate(expr, instance: Instance):
    """The displayed ``expr`` at ``instance``: an explicit matrix, a number or a SymPy expression."""
    value = _evaluate(substitute(expr, instance.subs), instance)
    for function, body in instance.functions.items():
        value = value.replace(function, body)
    return value.doit() if isinstance(value, sp.Basic) else value


def _integer(value) -> int:
    if not (isinstance(value, sp.Integer) or (isinstance(value, sp.Basic) and value.is_Integer)):
        raise Unresolved(f"the index {value} is not a concrete integer")
    return int(value)


def _explicit(value) -> bool:
    return isinstance(value, sp.MatrixBase)


def _product(factors):
    if not factors:
        raise ValueError("an empty product: the index range has no terms")
    result = factors[0]
    for factor in factors[1:]:
        result = result * factor
    return result


def _derivative(num, den):
    """∂num/∂den in numerator layout; the gradient of a scalar has the shape of ``den``."""
    if _explicit(den):
        if _explicit(num):
            return num.jacobian(den)
        return sp.Matrix(den.rows, den.cols, lambda a, b: sp.diff(num, den[a, b]))
    if isinstance(den, sp.MatrixExpr):
        derived = num.diff(den)
        return derived.T if isinstance(num, sp.MatrixExpr) and num.shape[1] == 1 else derived
    if isinstance(den, (sp.Symbol, sp.Function)) or den.is_Symbol:
        return sp.diff(num, den)
    raise Unresolved(f"cannot differentiate with respect to {den}")


def _norm(value):
    if _explicit(value):
        if all(entry.is_number for entry in value):
            return sp.Float(np.linalg.norm(np.array(value.evalf(30), dtype=float), 2), 30)
        raise Unresolved("the spectral norm of a matrix with symbolic entries")
    if isinstance(value, sp.MatrixExpr):
        raise Unresolved("the norm of a symbolic matrix")
    return sp.Abs(value)


def _maximum_over_entries(expr, index, instance: Instance):
    """``max_index expr`` where ``expr`` reads entries ``x[index]`` of columns that ``instance.values`` gives
    (keyed by their ``IndexedBase``): the largest value over the entries."""
    entries = [e for e in expr.atoms(sp.Indexed) if e.indices == (index,)]
    columns = {e.base: instance.values.get(e.base) for e in entries}
    if not entries or any(column is None for column in columns.values()):
        raise Unresolved(f"a maximum over {index} with no column for its entries")
    size = {len(column) for column in columns.values()}
    if len(size) != 1:
        raise ValueError(f"the columns read by a maximum over {index} differ in length")
    values = [_evaluate(expr.xreplace({e: columns[e.base][k] for e in entries}), instance) for k in range(size.pop())]
    return sp.Max(*values)


def _at(node, time):
    return node.func(node.args[0], time, *node.args[2:])


def _evaluate(node, instance: Instance):
    ev = lambda e: _evaluate(e, instance)  # noqa: E731
    if isinstance(node, sp.MatrixBase):
        return sp.ImmutableMatrix(node)
    if node in instance.values:
        value = substitute(instance.values[node], instance.subs)
        return value if _explicit(value) else ev(value)
    if isinstance(node, (At, AtMatrix)):
        raise Unresolved(f"{node} has no value at {instance.label}")
    if isinstance(node, (Approximately, AtMost)):
        return ev(node.args[0])
    if isinstance(node, Partial):
        return _derivative(ev(node.args[0]), ev(node.args[1]))
    if isinstance(node, Transposed):
        return ev(node.args[0]).T
    if isinstance(node, Juxtaposed):
        return _product([ev(f) for f in node.args])
    if isinstance(node, Chain):
        first, _, last = node.args
        return _product([ev(_at(first, time)) for time in range(_integer(first.time), _integer(last.time) - 1, -1)])
    if isinstance(node, OrderedProduct):
        term, index, lo, hi = node.args
        return _product([ev(_replace(term, {index: sp.Integer(v)})) for v in range(_integer(lo), _integer(hi) + 1)])
    if isinstance(node, sp.Sum):
        term, (index, lo, hi) = node.args[0], node.args[1]
        terms = [ev(_replace(term, {index: sp.Integer(v)})) for v in range(_integer(lo), _integer(hi) + 1)]
        if not terms:
            raise ValueError("an empty sum: the index range has no terms")
        return sum(terms[1:], terms[0])
    if isinstance(node, Power):
        return ev(node.args[0]) ** ev(node.args[1])
    if isinstance(node, sp.MatPow):
        base, exponent = ev(node.args[0]), ev(node.args[1])
        return base ** _integer(exponent) if _explicit(base) else sp.MatPow(base, exponent)
    if isinstance(node, Norm):
        return _norm(ev(node.args[0]))
    if isinstance(node, Maximum):
        expr, var = node.args
        if var.is_Symbol and var.is_real:
            return maximum(ev(expr).doit(), var, sp.Reals)
        return _maximum_over_entries(expr, var, instance)
    if isinstance(node, sp.Limit):
        expr, var, point = node.args[:3]
        return sp.limit(ev(expr), var, point)
    if isinstance(node, ElementwiseApplyFunction):
        column = ev(node.expr)
        if _explicit(column):
            (var,), body = node.function.variables, node.function.expr
            return column.applyfunc(lambda entry: body.subs(var, entry))
        return ElementwiseApplyFunction(node.function, column)
    if isinstance(node, DiagMatrix):
        column = ev(node.args[0])
        return sp.diag(*column) if _explicit(column) else DiagMatrix(column)
    if isinstance(node, sp.MatrixSymbol):
        rows, cols = node.shape
        if instance.explicit and rows.is_Integer and cols.is_Integer:
            return sp.ImmutableMatrix(rows, cols, lambda a, b: sp.Symbol(f"{node.name}[{a},{b}]"))
        return node
    if isinstance(node, (sp.Identity, sp.ZeroMatrix, sp.OneMatrix)) and all(d.is_Integer for d in node.shape):
        return sp.ImmutableMatrix(node.as_explicit())
    if isinstance(node, sp.BlockMatrix):
        blocks = [[ev(b) for b in row] for row in node.blocks.tolist()]
        if all(_explicit(b) for row in blocks for b in row):
            return sp.ImmutableMatrix(sp.BlockMatrix(blocks).as_explicit())
        return sp.BlockMatrix(blocks)
    if not node.args or isinstance(node, (sp.Lambda, sp.core.symbol.Str)):
        return node
    args = [ev(a) for a in node.args]
    if isinstance(node, sp.MatrixExpr) and any(_explicit(a) for a in args):
        return sp.ImmutableMatrix(node.func(*[sp.ImmutableMatrix(a) if _explicit(a) else a for a in args]).doit())
    if isinstance(node, (sp.Derivative, sp.Subs)):
        return node.func(*args).doit()
    if isinstance(node, AppliedUndef) or not any(_explicit(a) for a in args):
        return node.func(*args)
    if isinstance(node, sp.Add):
        return sum(args[1:], args[0])
    if isinstance(node, sp.Mul):
        return _product(args)
    raise Unresolved(f"{type(node).__name__} of explicit matrices")
