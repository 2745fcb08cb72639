"""The builder a derivation function receives: steps to show, proofs to pass, one result."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import sympy as sp
from sympy.core.function import AppliedUndef

from .errors import DerivationError, ProofError
from .instances import KINDS, Instance, Unresolved, evaluate
from .notation import latex
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


def _numbers(value) -> np.ndarray:
    return np.array(sp.Matrix(value).evalf(30) if isinstance(value, sp.MatrixBase) else [value.evalf(30)], dtype=float)


def _significant_digits(shown) -> int:
    """How many significant digits a displayed decimal carries, read off its printed mantissa."""
    mantissa = latex(shown).split(r"\cdot")[0].strip().lstrip("-").replace(".", "").lstrip("0")
    return max(len(mantissa), 1)


SIDE_BY_SIDE = 2
"""A result with at most this many clauses shows them side by side; one with more stacks them."""

def rounded(value, digits: int | None):
    """``value`` to ``digits`` significant digits, or as it is when ``digits`` is None."""
    return sp.Float(sp.N(value, digits + 15), digits) if digits else sp.sympify(value)


UNDERFLOW = 1e-100
"""Below this, two floats that should agree may not: one route to a tiny number underflows to 0
where another does not. Numeric comparisons are relative to the larger side, plus this much."""


def holds(relation: str, left, right, tolerance: float | None) -> bool:
    """Whether ``left relation right`` holds: exactly, or to ``tolerance`` for numeric instances."""
    if relation == "=":
        if tolerance is None:
            return left == right or equal(left, right)  # ∞ = ∞ holds, though ∞ − ∞ is undefined
        a, b = _numbers(left), _numbers(right)
        scale = max(np.linalg.norm(a), np.linalg.norm(b))
        return a.shape == b.shape and bool(np.linalg.norm(a - b) <= tolerance * scale + UNDERFLOW)
    if relation == r"\leq":
        if tolerance is None:
            return left == right or bool(sp.simplify(right - left).is_nonnegative)
        a, b = float(left), float(right)
        return a <= b + tolerance * max(abs(a), abs(b)) + UNDERFLOW
    if relation == r"\approx" and isinstance(right, sp.MatrixBase):  # entry by entry
        return sp.Matrix(left).shape == right.shape and all(
            holds(relation, a, b, tolerance) for a, b in zip(sp.Matrix(left), right))
    if relation == r"\approx":  # the shown decimal is the value, correctly rounded to the digits shown
        value, shown = sp.N(left, 60), sp.N(right, 60)
        unit = sp.Float(10, 60) ** (sp.floor(sp.log(abs(shown), 10)) - _significant_digits(right) + 1)
        return bool(abs(value - shown) <= unit / 2)
    raise DerivationError(f"unknown relation {relation!r}")


def _brief(value, limit: int = 300) -> str:
    """``value`` for an error message: its plain text, cut to ``limit`` characters."""
    text = sp.sstr(value)
    return text if len(text) <= limit else text[:limit] + " …"


class Derivation:
    """Collects the steps of one derivation, checks its proofs and holds its result."""

    def __init__(self, entry: Entry):
        self.entry = entry
        self.steps: list[Step] = []
        self.proofs: list[dict] = []
        self.clauses: list[dict] = []
        self.numbers: dict[str, str] = {}
        self.equation: str | None = None
        self.closed_form: str | None = None

    def step(self, text: str, lhs, rhs=None) -> None:
        """Show ``lhs = rhs`` (or ``lhs`` alone) with an explanation."""
        shown = lhs if rhs is None else sp.Eq(lhs, rhs, evaluate=False)
        self.steps.append(Step(text, latex(shown)))

    def _proved(self, claim: str, kind: str, instances: list[str] | None = None) -> None:
        if kind not in KINDS:
            raise DerivationError(f"{self.entry.id}: {claim}: proof kind {kind!r} is not one of {', '.join(KINDS)}")
        self.proofs.append({"claim": claim, "kind": kind, **({"instances": instances} if instances else {})})

    def prove(self, derived, stated, *, claim: str, kind: str) -> None:
        """Check that the derived expression equals the stated closed form, or fail naming the id."""
        if not equal(derived, stated):
            raise ProofError(
                f"{self.entry.id}: {claim}: the derivation gives {latex(derived)} "
                f"but the stated closed form is {latex(stated)}"
            )
        self._proved(claim, kind)

    def check(self, condition: bool, *, claim: str, kind: str) -> None:
        """Check a fact that is not an equation (a sign, an inequality), or fail naming the id."""
        if not bool(condition):
            raise ProofError(f"{self.entry.id}: {claim}: does not hold")
        self._proved(claim, kind)

    def lemma(self, lemma, *, claim: str) -> None:
        """Rest a step on a standard lemma, cited, after checking it on random matrices."""
        from .lemmas import LemmaError, verify

        try:
            count = verify(lemma)
        except LemmaError as error:
            raise ProofError(f"{self.entry.id}: {claim}: {error}") from error
        self._proved(f"{claim}: ${lemma.statement}$, a standard lemma ({lemma.citation}), "
                     f"checked on {count} random matrices", "lemma")

    def number(self, name: str, value, digits: int | None = None) -> None:
        """Publish a computed number (or a vector or matrix of them, entry by entry) under ``name``, for
        prose to insert with ``{num:<id>#<name>}``."""
        if isinstance(value, (np.ndarray, sp.MatrixBase)):
            self.numbers[name] = latex(sp.Matrix(value).applyfunc(lambda v: rounded(v, digits)))
        else:
            self.numbers[name] = latex(rounded(value, digits))

    def define(self, *clauses: tuple) -> None:
        """State a definition: each clause ``(lhs, rhs)`` or ``(name, lhs, rhs)``, with the same SymPy
        objects the derivations differentiate. A definition is not proved; it is what proofs start from."""
        if self.entry.kind != "definition":
            raise DerivationError(f"{self.entry.id}: only a definition entry defines; a derivation states a result")
        self._publish(clauses)

    def result(self, *clauses: tuple, at: tuple[Instance, ...] = ()) -> None:
        """State the published result and prove every relation it shows at the instances ``at``.

        Each clause is a chain ``a = b = …`` (a part wrapped in :class:`AtMost` follows ``≤``, one in
        :class:`Approximately` follows ``≈``), optionally named by a leading string. Every relation
        must hold at each instance that evaluates both its sides and be evaluated by at least one,
        so a part that no proof covers, or one changed after the proofs, fails naming the id.
        """
        if self.entry.kind != "result":
            raise DerivationError(f"{self.entry.id}: a definition states no result; use d.define")
        for number, parts in enumerate(self._publish(clauses), 1):
            for left, right in zip(parts, parts[1:]):
                self._prove_relation(number, left, right, at)

    def _prove_relation(self, number: int, left, right, instances) -> None:
        relation = getattr(right, "relation", "=")
        shown = f"{latex(left)} {relation} {latex(right)}"
        covered = []
        for instance in instances:
            try:
                a, b = evaluate(left, instance), evaluate(right, instance)
            except Unresolved:
                continue
            except Exception as error:  # a part that cannot mean anything here: wrong shapes, empty ranges
                raise ProofError(f"{self.entry.id}: the displayed result, clause {number}, ${shown}$ cannot be "
                                 f"evaluated at {instance.label}: {type(error).__name__}: {error}") from error
            if not holds(relation, a, b, instance.tolerance):
                raise ProofError(f"{self.entry.id}: the displayed result, clause {number}, ${shown}$ does not hold "
                                 f"at {instance.label}: the left side is {_brief(a)}, the right side {_brief(b)}")
            covered.append(instance)
        if not covered:
            raise DerivationError(f"{self.entry.id}: the displayed ${shown}$ (clause {number}) is covered by no "
                                  f"proof: no instance of the result evaluates both sides")
        for kind in KINDS:
            labels = [i.label for i in covered if i.kind == kind]
            named = labels if len(labels) <= 4 else [f"{len(labels)} instances, among them {labels[0]}",
                                                      labels[len(labels) // 2], labels[-1]]
            if labels:
                self._proved(f"as displayed, ${shown}$: {'; '.join(named)}", kind, labels)

    def _publish(self, clauses: tuple) -> list[tuple]:
        """Record the clauses' LaTeX; return each clause's parts without its name."""
        shown, chains = [], []
        for clause in clauses:
            name, parts = (clause[0], clause[1:]) if isinstance(clause[0], str) else (None, clause)
            if len(parts) < 2:
                raise DerivationError(f"{self.entry.id}: a clause needs both sides of an equation")
            text = latex(parts[0])
            for part in parts[1:]:
                text += f" {getattr(part, 'relation', '=')} " + latex(part)
            self.clauses.append({"name": name, "latex": text, "parts": [latex(p) for p in parts]})
            shown.append(text)
            chains.append(parts)
        self.closed_form = self.clauses[0]["parts"][-1]
        # Two clauses sit side by side; more are stacked, one per line, so that none overflows.
        self.equation = (r", \qquad ".join(shown) if len(shown) <= SIDE_BY_SIDE else
                         r"\begin{gathered} " + r" \\ ".join(shown) + r" \end{gathered}")
        return chains

    def record(self) -> dict:
        """The JSON-ready outcome: id, kind, title, equation and its clauses, steps, proofs, numbers,
        the ids it declares it uses, the works it cites, source."""
        if self.equation is None:
            raise DerivationError(f"{self.entry.id}: the {self.entry.kind} states nothing")
        if self.entry.kind == "result" and not self.proofs:
            raise DerivationError(f"{self.entry.id}: the derivation proves nothing")
        return {
            "id": self.entry.id,
            "kind": self.entry.kind,
            "title": self.entry.title,
            "equation": self.equation,
            "closed_form": self.closed_form,
            "clauses": self.clauses,
            "numbers": self.numbers,
            "steps": [asdict(s) for s in self.steps],
            "proofs": self.proofs,
            "proof_kinds": [k for k in KINDS if any(p["kind"] == k for p in self.proofs)],
            "uses": list(self.entry.uses),
            "cites": list(self.entry.cites),
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
