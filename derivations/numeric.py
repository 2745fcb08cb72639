"""Numeric evaluation of proved closed forms: ``lambdify`` plus argument checking.

The numeric API never re-types a formula: it substitutes a concrete activation into the
SymPy expression a derivation proved, and lets SymPy write the NumPy code.
"""

from __future__ import annotations

import numbers

import numpy as np
import sympy as sp
from sympy.matrices.expressions.diagonal import DiagMatrix
from sympy.printing.numpy import NumPyPrinter

from . import activation as act
from .notation import sigma

ACTIVATIONS = tuple(act.DEFINITIONS)


def check_activation(name) -> str:
    """``name`` if it is a known activation, else a ``ValueError`` naming the argument."""
    if not isinstance(name, str) or name not in act.DEFINITIONS:
        raise ValueError(f"activation: unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}")
    return name


def concrete(expr, activation: str):
    """``expr`` with the generic σ (and σ') replaced by the named activation's closed forms (σ' in the
    form :data:`derivations.activation.STABLE` that is exact far into saturation)."""
    u = sp.Dummy("u")
    f = sp.Lambda(u, act.DEFINITIONS[activation].subs(act.x, u))
    fprime = sp.Lambda(u, act.STABLE[activation].subs(act.x, u))

    def is_sigma_prime(e):
        return (isinstance(e, sp.Lambda) and isinstance(e.expr, sp.Derivative)
                and e.expr.expr.func == sigma and e.expr.variables == e.variables)

    expr = expr.replace(is_sigma_prime, lambda e: fprime)
    return expr.replace(lambda e: isinstance(e, sp.Lambda) and e.expr == sigma(e.variables[0]), lambda e: f)


class _ArrayPrinter(NumPyPrinter):
    """NumPy printer that also knows entrywise application of a lambda to a column."""

    def _print_ElementwiseApplyFunction(self, expr):
        (var,), body = expr.function.variables, expr.function.expr
        return f"(lambda {self._print(var)}: {self._print(body)})({self._print(expr.expr)})"

    def _print_Dummy(self, expr):
        return f"_{expr.name}{expr.dummy_index}"

    def _print_MatMul(self, expr):
        """diag(v) M as the row scaling v * M (v a column): O(n²) where a diagonal matrix product is O(n³)."""
        first, *rest = expr.args
        if isinstance(first, DiagMatrix) and rest:
            return f"({self._print(first.args[0])} * {self._print(sp.MatMul(*rest))})"
        return super()._print_MatMul(expr)


def lambdify_matrix(arguments: list, expr):
    """A NumPy function of the matrix symbols ``arguments`` that evaluates ``expr``.

    The printer is passed as an instance so that lambdify imports what it registers
    (``functools.reduce`` for ReLU's ``Max``); a printer class would register nothing.
    """
    printer = _ArrayPrinter({"fully_qualified_modules": False})
    return sp.lambdify(arguments, expr, modules="numpy", printer=printer)


class Shapes:
    """Checks arrays against named dimensions (``("n", "m")``), binding each name on first use."""

    def __init__(self):
        self.dims: dict[str, int] = {}

    def array(self, name: str, value, dims: tuple[str, ...]) -> np.ndarray:
        """``value`` as a float array of shape ``dims``, or a ``ValueError`` naming ``name``."""
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{name}: not an array of numbers ({error})") from None
        if arr.ndim != len(dims):
            raise ValueError(f"{name}: expected {len(dims)} dimension(s) {self._describe(dims)}, got shape {arr.shape}")
        for axis, (dim, size) in enumerate(zip(dims, arr.shape)):
            expected = self.dims.setdefault(dim, size)
            if size != expected:
                raise ValueError(
                    f"{name}: axis {axis} has length {size} but {dim} = {expected} from the arguments before it; "
                    f"expected shape {self._describe(dims)}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name}: contains a non-finite value (nan or inf)")
        return arr

    def _describe(self, dims: tuple[str, ...]) -> str:
        return "(" + ", ".join(f"{d}={self.dims[d]}" if d in self.dims else d for d in dims) + ("," if len(dims) == 1 else "") + ")"


def integer(name: str, value, least: int = 1) -> int:
    """``value`` as an int ≥ ``least``, or a ``ValueError`` naming ``name``."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool) or value < least:
        raise ValueError(f"{name}: expected an integer ≥ {least}, got {value!r}")
    return int(value)


def positive(name: str, value) -> float:
    """``value`` as a finite float > 0, or a ``ValueError`` naming ``name``."""
    if not isinstance(value, numbers.Real) or isinstance(value, bool) or not 0 < value < np.inf:
        raise ValueError(f"{name}: expected a finite number > 0, got {value!r}")
    return float(value)


def generator(rng) -> np.random.Generator:
    """``rng`` if it is a ``numpy.random.Generator``, else a ``ValueError`` naming it."""
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator, got {type(rng).__name__}")
    return rng
