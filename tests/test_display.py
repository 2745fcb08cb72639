"""What a derivation displays is what its proofs checked: the engine proves every relation of a
published result at its instances, and refuses a part that no instance covers."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sympy as sp

from derivations import rnn
from derivations.derivation import run
from derivations.errors import DerivationError, ProofError
from derivations.instances import Instance
from derivations.notation import Approximately, AtMost, Juxtaposed, Norm, Power
from derivations.registry import Entry

x = sp.Symbol("x", real=True)
EXACT = Instance("exact arithmetic", "symbolic")


def _result(*clauses, at=(EXACT,)):
    return run(Entry("test.display", "A display", lambda d: d.result(*clauses, at=at)))


def test_each_relation_is_recorded_with_its_kind():
    record = _result((Power(2, 3), 8), ("named", Power(sp.Rational(1, 4), 2), AtMost(sp.Rational(1, 10))))
    assert record["proof_kinds"] == ["symbolic"]
    assert [c["name"] for c in record["clauses"]] == [None, "named"]
    assert record["clauses"][1]["latex"] == r"\left(\frac{1}{4}\right)^{2} \leq \frac{1}{10}"


@pytest.mark.parametrize(("clause", "why"), [
    ((Power(2, 3), 9), "does not hold"),
    ((Power(sp.Rational(1, 4), 2), AtMost(sp.Rational(1, 20))), "does not hold"),
    ((sp.Rational(1, 3), Approximately(sp.Float("0.334", 3))), "does not hold"),
    ((Juxtaposed(sp.Matrix([[1, 2]]), sp.Matrix([[1, 2]])), 1), "cannot be evaluated"),
])
def test_a_wrong_display_fails_naming_the_id(clause, why):
    with pytest.raises(ProofError, match=rf"^test\.display: the displayed result, clause 1, .* {why}"):
        _result(clause)


def test_an_approximation_must_be_the_correctly_rounded_value():
    assert _result((sp.Rational(1, 3), Approximately(sp.Float("0.333", 3))))["proof_kinds"] == ["symbolic"]


def test_a_part_that_no_instance_evaluates_is_refused():
    with pytest.raises(DerivationError, match=r"^test\.display: the displayed .* is covered by no proof"):
        _result((Norm(rnn.W_HH), 1))


def test_a_proof_must_say_its_kind():
    def derive(d):
        d.prove(x, x, claim="x is x", kind="obvious")
    with pytest.raises(DerivationError, match=r"proof kind 'obvious' is not one of symbolic, induction"):
        run(Entry("test.kind", "Kind", derive))


def test_a_definition_states_no_result():
    with pytest.raises(DerivationError, match="a definition states no result"):
        run(Entry("test.def", "Def", lambda d: d.result((x, x), at=(EXACT,)), kind="definition"))


@pytest.mark.parametrize(("module", "equation_id", "old", "new"), [
    # the new user's edit from the issue: the summand's h_{t-1}^T without its transpose
    ("rnn.py", "rnn.whh-gradient", "h(t - 1, (n, 1)).T)", "h(t - 1, (n, 1)))"),
    ("rnn.py", "rnn.span-jacobian", "j, 0, k - 1)), at=span_instances())", "j, 1, k)), at=span_instances())"),
    ("rnn.py", "rnn.step-jacobian", "(Partial(h(t), h(t - 1)), STEP_JACOBIAN.subs",
     "(Partial(h(t), h(t - 1)), W_HH * STEP_JACOBIAN.subs"),
    ("rnn.py", "rnn.hidden-gradient", "return Juxtaposed(Transposed(Partial(h(t + 1), h(t))), Partial(L, h(t + 1)))",
     "return Juxtaposed(Partial(h(t + 1), h(t)), Partial(L, h(t + 1)))"),
    ("example.py", "example.sigmoid-100-steps", "Approximately(sp.Float(sp.N(value, 20), 3))",
     "Approximately(sp.Float(sp.N(value, 20), 3) * sp.Rational(101, 100))"),
])
def test_a_changed_display_fails_the_check_naming_the_id(project_copy, tmp_path, module, equation_id, old, new):
    project = project_copy(module, old, new)
    done = subprocess.run([sys.executable, "-m", "derivations", "check", equation_id], cwd=project,
                          env={**os.environ, "PYTHONPATH": str(project), "DERIVATIONS_CACHE": str(tmp_path / "cache")},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"FAILED {equation_id}: {equation_id}: the displayed " in done.stderr
