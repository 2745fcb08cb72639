"""The builder a derivation function receives: steps to show, proofs to pass, one result."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import sympy as sp
from sympy.core.function import AppliedUndef

from .errors import DerivationError, ProofError
from .notation import Approximately, latex
from .registry import Entry


@dataclass(frozen=True)
class Step:
    """One line of a derivation: what is done, and the equation it gives."""

    text: str
    latex: str


def _canonical(expr):
    """``expr`` with every bound variable renamed the same way, so equal lambdas compare equal."""
    if not isinstance(expr, sp.Basic):
        return expr
    x = sp.Symbol("_bound")
    return expr.replace(
        lambda e: isinstance(e, sp.Lambda) and len(e.variables) == 1,
        lambda e: sp.Lambda(x, e.expr.xreplace({e.variables[0]: x})),
    )


def _instance(arity: int) -> sp.Lambda:
    """A smooth, non-polynomial stand-in for an undefined function such as σ or a loss ℓ."""
    args = sp.symbols(f"_a0:{arity}")
    return sp.Lambda(args, sp.exp(sum(args) / 5) + sp.Mul(*args) / 7 + sp.sin(args[0]) / 3)


def _clearly_nonzero(expr) -> bool:
    """Whether ``expr`` evaluates far from zero at one point, with every undefined
    function replaced by :func:`_instance` (an identity holds for every function, so for that one).

    A cheap early "no" before ``simplify``, which can run for many minutes on a large difference that
    is not zero; it never answers "zero", so a proof still rests on SymPy alone. The point has small
    coordinates, and the value must stand at two precisions, which a rounding residue would not.
    """
    try:
        concrete = expr.replace(lambda e: isinstance(e, AppliedUndef), lambda e: _instance(len(e.args))(*e.args)).doit()
        point = {s: sp.Rational((7 * i) % 11 + 1, 13) for i, s in enumerate(sorted(concrete.free_symbols, key=str))}
        at = concrete.xreplace(point)
        low, high = sp.N(at, 60), sp.N(at, 120)
    except (TypeError, ValueError, ZeroDivisionError, AttributeError):
        return False
    if not (low.is_number and high.is_number and low.is_finite and high.is_finite):
        return False
    return abs(high) > sp.Float("1e-30") and abs(low - high) < abs(high) * sp.Float("1e-40")


def is_zero(expr) -> bool:
    """Whether ``expr`` (a scalar, an explicit matrix or a matrix expression) is zero."""
    if isinstance(expr, sp.MatrixBase):
        return all(is_zero(entry) for entry in expr)
    if isinstance(expr, sp.MatrixExpr):
        return isinstance(_canonical(expr).doit(), sp.ZeroMatrix)
    expr = sp.sympify(expr)
    if expr.expand() == 0:
        return True
    return not _clearly_nonzero(expr) and sp.simplify(expr) == 0


def equal(derived, stated) -> bool:
    """Whether the derived expression is identically the stated closed form."""
    if isinstance(derived, sp.MatrixExpr) or isinstance(stated, sp.MatrixExpr):
        derived, stated = _canonical(derived), _canonical(stated)
        if derived.shape != stated.shape:
            return False
        return derived.doit() == stated.doit() or is_zero(derived - stated)
    if isinstance(derived, sp.MatrixBase) or isinstance(stated, sp.MatrixBase):
        return sp.Matrix(derived).shape == sp.Matrix(stated).shape and is_zero(
            sp.Matrix(derived) - sp.Matrix(stated)
        )
    return is_zero(sp.sympify(derived) - sp.sympify(stated))


class Derivation:
    """Collects the steps of one derivation, checks its proofs and holds its result."""

    def __init__(self, entry: Entry):
        self.entry = entry
        self.steps: list[Step] = []
        self.proofs: list[str] = []
        self.equation: str | None = None
        self.closed_form: str | None = None

    def step(self, text: str, lhs, rhs=None) -> None:
        """Show ``lhs = rhs`` (or ``lhs`` alone) with an explanation."""
        shown = lhs if rhs is None else sp.Eq(lhs, rhs, evaluate=False)
        self.steps.append(Step(text, latex(shown)))

    def prove(self, derived, stated, *, claim: str) -> None:
        """Check that the derived expression equals the stated closed form, or fail naming the id."""
        if not equal(derived, stated):
            raise ProofError(
                f"{self.entry.id}: {claim}: the derivation gives {latex(derived)} "
                f"but the stated closed form is {latex(stated)}"
            )
        self.proofs.append(claim)

    def check(self, condition: bool, *, claim: str) -> None:
        """Check a fact that is not an equation (a sign, an inequality), or fail naming the id."""
        if not bool(condition):
            raise ProofError(f"{self.entry.id}: {claim}: does not hold")
        self.proofs.append(claim)

    def result(self, *clauses: tuple) -> None:
        """State the published equation: each clause a chain ``a = b = …`` (``≈`` before an
        :class:`Approximately` part); several clauses are set side by side."""
        shown = []
        if clauses and clauses[0]:
            self.closed_form = latex(clauses[0][-1])
        for parts in clauses:
            if len(parts) < 2:
                raise DerivationError(f"{self.entry.id}: a result needs both sides of an equation")
            text = latex(parts[0])
            for part in parts[1:]:
                text += (r" \approx " if isinstance(part, Approximately) else " = ") + latex(part)
            shown.append(text)
        # Two clauses sit side by side; more are stacked, one per line, so that none overflows.
        self.equation = (r", \qquad ".join(shown) if len(shown) <= 2 else
                         r"\begin{gathered} " + r" \\ ".join(shown) + r" \end{gathered}")

    def record(self) -> dict:
        """The JSON-ready outcome: id, title, equation, its closed form, steps, proofs and source."""
        if self.equation is None:
            raise DerivationError(f"{self.entry.id}: the derivation states no result")
        if not self.proofs:
            raise DerivationError(f"{self.entry.id}: the derivation proves nothing")
        return {
            "id": self.entry.id,
            "title": self.entry.title,
            "equation": self.equation,
            "closed_form": self.closed_form,
            "steps": [asdict(s) for s in self.steps],
            "proofs": self.proofs,
            "source": self.entry.source,
        }


def run(entry: Entry) -> dict:
    """Derive ``entry`` afresh and return its record; a failed proof raises naming the id."""
    d = Derivation(entry)
    try:
        entry.function(d)
    except DerivationError:
        raise
    except Exception as error:
        raise DerivationError(f"{entry.id}: the derivation raised {type(error).__name__}: {error}") from error
    return d.record()
