"""Textbook notation: SymPy objects for the symbols the pages use, and the printer.

Every LaTeX string the site shows comes from :func:`latex`, so a change of notation
happens here once and the golden tests in ``tests/test_notation.py`` pin the result.
"""

from __future__ import annotations

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.printing.latex import LatexPrinter
from sympy.printing.precedence import PRECEDENCE

sigma = sp.Function("sigma")
"""The activation function, left undefined so that a proof holds for every choice."""


class Partial(sp.Expr):
    """The Jacobian or gradient ``∂num/∂den`` as written on the page (notation only)."""

    def __new__(cls, num, den):
        return super().__new__(cls, sp.sympify(num), sp.sympify(den))

    def _latex(self, printer):
        num, den = (printer._print(a) for a in self.args)
        return rf"\frac{{\partial {num}}}{{\partial {den}}}"


class Transposed(sp.Expr):
    """``(expr)^⊤`` for notation objects such as :class:`Partial` (notation only)."""

    def __new__(cls, expr):
        return super().__new__(cls, sp.sympify(expr))

    def _latex(self, printer):
        return rf"\left({printer._print(self.args[0])}\right)^{{\top}}"


class Chain(sp.Expr):
    """An ordered product written out: first, second, ``\\cdots``, last (notation only)."""

    def __new__(cls, first, second, last):
        return super().__new__(cls, *map(sp.sympify, (first, second, last)))

    def _latex(self, printer):
        first, second, last = (printer._print(a) for a in self.args)
        return rf"{first} {second} \cdots {last}"


class OrderedProduct(sp.Expr):
    """``∏_{j=lo}^{hi} term`` with the factors multiplied left to right as j increases."""

    def __new__(cls, term, index, lo, hi):
        return super().__new__(cls, *map(sp.sympify, (term, index, lo, hi)))

    def _latex(self, printer):
        term, index = (printer._print(a) for a in self.args[:2])
        lo, hi = (subscript(a) for a in self.args[2:])
        return rf"\prod_{{{index}={lo}}}^{{{hi}}} {term}"


class Juxtaposed(sp.Expr):
    """Factors written side by side in the given order, e.g. a matrix times a gradient (notation only)."""

    def __new__(cls, *factors):
        return super().__new__(cls, *map(sp.sympify, factors))

    def _latex(self, printer):
        return " ".join(printer._print(f) for f in self.args)


class Power(sp.Expr):
    """``base^{exponent}`` exactly as written, e.g. ``2^{-200}`` (notation only)."""

    def __new__(cls, base, exponent):
        return super().__new__(cls, sp.sympify(base), sp.sympify(exponent))

    def _latex(self, printer):
        base, exponent = self.args
        shown = printer._print(base)
        if not (base.is_Integer and base >= 0) and not isinstance(base, sp.Symbol):
            shown = rf"\left({shown}\right)"
        return rf"{shown}^{{{printer._print(exponent)}}}"


class Log10(sp.Expr):
    """``log₁₀ expr`` (notation only)."""

    def __new__(cls, expr):
        return super().__new__(cls, sp.sympify(expr))

    def _latex(self, printer):
        return rf"\log_{{10}} {printer._print(self.args[0])}"


class Maximum(sp.Expr):
    """``max_x expr`` (notation only)."""

    def __new__(cls, expr, var):
        return super().__new__(cls, sp.sympify(expr), sp.sympify(var))

    def _latex(self, printer):
        expr = printer._print(self.args[0])
        if isinstance(self.args[0], sp.Add):
            expr = rf"\left({expr}\right)"
        return rf"\max_{{{printer._print(self.args[1])}}} {expr}"


class Norm(sp.Expr):
    """``‖expr‖₂``, the spectral norm: the largest singular value (notation only)."""

    def __new__(cls, expr):
        return super().__new__(cls, sp.sympify(expr))

    def _latex(self, printer):
        return rf"\left\lVert {printer._print(self.args[0])} \right\rVert_{{2}}"


class Approximately(sp.Expr):
    """A value joined to the previous part of a result by ``≈`` instead of ``=``; the engine proves
    that it is the value to the digits shown."""

    relation = r"\approx"

    def __new__(cls, value):
        return super().__new__(cls, sp.sympify(value))

    def _latex(self, printer):
        return printer._print(self.args[0])


class AtMost(sp.Expr):
    """A bound joined to the previous part of a result by ``≤`` instead of ``=``."""

    relation = r"\leq"

    def __new__(cls, value):
        return super().__new__(cls, sp.sympify(value))

    def _latex(self, printer):
        return printer._print(self.args[0])


def _name(name) -> sp.core.symbol.Str:
    """``name`` as the atom SymPy keeps in a rebuilt expression."""
    return name if isinstance(name, sp.core.symbol.Str) else sp.core.symbol.Str(name)


class At(sp.Expr):
    """A scalar quantity at a time index, ``name_{time}``; substituting the index moves it in time."""

    def __new__(cls, name, time):
        return super().__new__(cls, _name(name), sp.sympify(time))

    name = property(lambda self: self.args[0].name)
    time = property(lambda self: self.args[1])

    def _latex(self, printer):
        return f"{self.name}_{{{subscript(self.time)}}}"


class AtMatrix(sp.MatrixExpr):
    """A matrix quantity at a time index, e.g. the column ``z_{t+k-j}``."""

    def __new__(cls, name, time, rows, cols):
        return super().__new__(cls, _name(name), *map(sp.sympify, (time, rows, cols)))

    name = property(lambda self: self.args[0].name)
    time = property(lambda self: self.args[1])
    shape = property(lambda self: tuple(self.args[2:]))

    def _entry(self, i, j, **kwargs):
        return sp.MatrixElement(self, i, j)

    def _latex(self, printer):
        return f"{self.name}_{{{subscript(self.time)}}}"


def at(name: str, time, shape: tuple | None = None):
    """The quantity ``name`` at time ``time``, e.g. ``at("h", t - 1)`` prints ``h_{t-1}``;
    with ``shape``, a matrix of that shape."""
    return At(name, time) if shape is None else AtMatrix(name, time, *shape)


def subscript(time) -> str:
    """A time index as a textbook writes it: ``t+k-1``, not SymPy's ``-1+k+t``."""
    terms = sp.Add.make_args(sp.sympify(time))
    symbols = [term for term in terms if not term.is_number]
    order = ["t", "k", "i", "j", "T"]

    def key(term):
        name = str(term.free_symbols.pop())
        return (term.could_extract_minus_sign(), order.index(name) if name in order else len(order), name)

    text = ""
    for term in sorted(symbols, key=key) + [term for term in terms if term.is_number]:
        piece = sp.latex(term).replace(" ", "")
        text += piece if not text or piece.startswith("-") else "+" + piece
    return text


class TextbookPrinter(LatexPrinter):
    """LaTeX printer for the site: ``\\operatorname{diag}``, ``^{\\top}``, ``\\sigma'(z)``, ``⊙`` for the
    entrywise product."""

    printmethod = "_latex"

    def __init__(self, settings=None):
        super().__init__({"order": "none", "mat_str": "pmatrix", "mat_delim": "", **(settings or {})})

    def _print_Transpose(self, expr):
        arg = self._print(expr.arg)
        if not isinstance(expr.arg, (sp.MatrixSymbol, sp.Symbol, AtMatrix)):
            arg = rf"\left({arg}\right)"
        return rf"{arg}^{{\top}}"

    def _print_HadamardProduct(self, expr):
        return r" \odot ".join(self.parenthesize(arg, PRECEDENCE["Pow"], strict=True) for arg in expr.args)

    def _print_Indexed(self, expr):
        indices = ",".join(map(self._print, expr.indices))
        return rf"{self._print(expr.base.label)}_{{{indices}}}"

    def _print_DiagMatrix(self, expr):
        return rf"\operatorname{{diag}}\big({self._print(expr.args[0])}\big)"

    def _print_ElementwiseApplyFunction(self, expr):
        return self._applied(expr.function, self._print(expr.expr))

    def _print_Subs(self, expr):
        inner, (var,), (point,) = expr.args
        return self._applied(sp.Lambda(var, inner), self._print(point))

    def _print_Derivative(self, expr):
        (var, *more) = expr.variables
        if not more and isinstance(expr.expr, sp.core.function.AppliedUndef):
            return self._applied(sp.Lambda(var, expr), self._print(var))
        if not more and isinstance(expr.expr, sp.Function) and expr.expr.args == (var,):
            name = self._print(expr.expr.func(sp.Symbol("PLACEHOLDER"))).split("{")[0]
            return rf"{name}'\left({self._print(var)}\right)"
        return super()._print_Derivative(expr)

    def _print_Heaviside(self, expr, exp=None):
        argument, at_zero = expr.args[0], expr.args[1] if len(expr.args) > 1 else None
        if at_zero == 0:  # exactly the indicator of a positive argument
            return rf"\mathbf{{1}}\left[{self._print(argument)} > 0\right]"
        return rf"H\left({self._print(argument)}\right)"

    def _print_Identity(self, expr):
        return "I"

    def _print_Function(self, expr, exp=None):
        if isinstance(expr, sp.core.function.AppliedUndef):
            text = rf"{self._print(sp.Symbol(expr.func.__name__))}\left({', '.join(map(self._print, expr.args))}\right)"
            return text if exp is None else rf"{text}^{{{exp}}}"
        return super()._print_Function(expr, exp)

    def _applied(self, function: sp.Lambda, argument: str) -> str:
        """Print ``function(argument)``, writing ``σ'`` for the derivative of an undefined σ."""
        (var,), body = function.variables, function.expr
        if isinstance(body, sp.Derivative) and body.variables == (var,) and isinstance(
            body.expr, sp.core.function.AppliedUndef
        ) and body.expr.args == (var,):
            name = self._print(sp.Symbol(body.expr.func.__name__))
            return rf"{name}'\left({argument}\right)"
        if isinstance(body, sp.core.function.AppliedUndef) and body.args == (var,):
            return rf"{self._print(sp.Symbol(body.func.__name__))}\left({argument}\right)"
        placeholder = sp.Symbol("PLACEHOLDER")
        return self._print(body.subs(var, placeholder)).replace("PLACEHOLDER", argument)


def latex(expr) -> str:
    """The textbook LaTeX of a SymPy expression or relation."""
    return TextbookPrinter().doprint(expr)


def elementwise(function, argument):
    """``function`` applied entry by entry to the column ``argument`` (a matrix expression)."""
    return ElementwiseApplyFunction(function, argument)
