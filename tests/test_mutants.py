"""The fault-injection harness (benchmarks/mutants.py): every id has mutants without a hand-kept entry,
a declared mutant is found in its own scope whatever is copied elsewhere, and the parts work."""

from __future__ import annotations

import ast
import importlib.util
import shutil
import sys
from collections import Counter
from pathlib import Path

import pytest
import sympy as sp

from derivations import cache, registry
from derivations.dependencies import derivation_id
from derivations.notation import AtMost

ROOT = Path(__file__).resolve().parents[1]


def _load_harness():
    spec = importlib.util.spec_from_file_location("mutants", ROOT / "benchmarks" / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


harness = _load_harness()
DESCRIPTIONS = harness.describe(cache.records())
ALL = harness.mutants("", DESCRIPTIONS)
EXAMPLE = next(m for m in ALL if m.id.startswith("example.") and m.kind == "exponent")
RESULTS = [e for e in registry.entries() if e.kind == "result"]


def _package(tmp_path: Path) -> Path:
    """A copy of the project's ``derivations`` package, to edit as an author would."""
    shutil.copytree(ROOT / "derivations", tmp_path / "derivations", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


# --- Every id has mutants, without a hand-kept entry ---

def test_every_registered_id_has_at_least_the_minimum_and_no_unregistered_id_is_declared():
    registered = [e.id for e in registry.entries()]
    assert list(DESCRIPTIONS) == registered
    assert set(harness.DECLARED) <= set(registered)
    counts = Counter(m.id for m in ALL)
    assert {i: counts[i] for i in registered if counts[i] < harness.MINIMUM} == {}
    assert harness.MINIMUM >= 3


@pytest.mark.parametrize("entry", RESULTS, ids=lambda e: e.id)
def test_every_clause_of_every_result_has_a_generated_display_mutant(entry):
    clauses = len(cache.record(entry.id)["clauses"])
    flipped = [m for m in ALL if m.id == entry.id and m.generated.endswith("closed form flipped")]
    assert len(flipped) == clauses >= 1
    assert all(m.kind == "display" and m.hook for m in flipped)


@pytest.mark.parametrize("mutant", ALL, ids=str)
def test_old_text_occurs_exactly_once_in_its_scope(mutant):
    harness.locate(mutant, ROOT)
    assert mutant.new != mutant.old
    assert mutant.kind in harness.KINDS


def test_only_selects_by_id_prefix():
    chosen = harness.mutants("lstm.", DESCRIPTIONS)
    assert chosen and {m.id for m in chosen} == {entry.id for entry in registry.entries("lstm")}


def test_a_declaration_for_an_unknown_id_is_refused():
    with pytest.raises(ValueError, match="not registered: rnn.step-jacobian"):
        harness.mutants("", {k: v for k, v in DESCRIPTIONS.items() if k != "rnn.step-jacobian"})


# --- Copying never breaks another id's mutants ---

def _derivation_functions(text: str) -> list[ast.FunctionDef]:
    return [node for node in ast.parse(text).body if derivation_id(node)]


def test_lines_copied_into_every_other_derivation_break_no_mutant(tmp_path):
    """Each line that holds a declared mutant's old text is copied into every other derivation of its
    module; every mutant is still found exactly once in its scope (a lookup in the whole module
    would now find most of them several times)."""
    project = _package(tmp_path)
    ambiguous_module_wide = 0
    for module in sorted({m.module for m in ALL if not m.generated}):
        path = project / module
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        copied = {}  # line number (from 1) → the line's text
        for mutant in (m for m in ALL if m.module == module and not m.generated):
            _, at = harness.locate(mutant, project)
            first, last = text.count("\n", 0, at), text.count("\n", 0, at + len(mutant.old))
            copied.update({number + 1: lines[number].strip() for number in range(first, last + 1)})
        for function in sorted(_derivation_functions(text), key=lambda f: -f.body[0].lineno):
            indent = " " * function.body[0].col_offset
            block = "".join(f"{indent}# copied: {line}\n" for number, line in copied.items()
                            if not function.lineno <= number <= function.end_lineno)
            lines.insert(function.body[0].lineno - 1, block)
        path.write_text("".join(lines), encoding="utf-8")
        pasted = path.read_text(encoding="utf-8")
        for mutant in (m for m in ALL if m.module == module and not m.generated):
            harness.locate(mutant, project)
            ambiguous_module_wide += pasted.count(mutant.old) != 1
    assert ambiguous_module_wide > 100


def test_a_derivation_copied_under_a_new_id_breaks_no_mutant(tmp_path):
    """What a newcomer does: copy rnn.step-jacobian's function whole and change only the id and the name."""
    project = _package(tmp_path)
    path = project / "derivations" / "rnn.py"
    text = path.read_text(encoding="utf-8")
    function = next(f for f in _derivation_functions(text) if (derivation_id(f) or (None,))[0] == "rnn.step-jacobian")
    source = "".join(text.splitlines(keepends=True)[function.decorator_list[0].lineno - 1:function.end_lineno])
    copy = source.replace('"rnn.step-jacobian"', '"rnn.step-jacobian-copy"').replace(
        "def step_jacobian_derivation", "def step_jacobian_copy_derivation")
    path.write_text(text + "\n\n" + copy, encoding="utf-8")
    for mutant in (m for m in ALL if m.module == "derivations/rnn.py"):
        harness.locate(mutant, project)


# --- Applying a mutant ---

def test_a_mutant_is_applied_to_a_copy_only_and_inside_its_scope(tmp_path):
    project = harness.copy_project(ROOT, tmp_path / "copy", cache=False)
    original = (ROOT / EXAMPLE.module).read_text(encoding="utf-8")
    _, at = harness.locate(EXAMPLE, ROOT)
    harness.apply(EXAMPLE, project)
    expected = original[:at] + EXAMPLE.new + original[at + len(EXAMPLE.old):]
    assert (project / EXAMPLE.module).read_text(encoding="utf-8") == expected
    assert (ROOT / EXAMPLE.module).read_text(encoding="utf-8") == original


def test_an_ambiguous_old_text_is_refused_naming_its_scope(tmp_path):
    project = _package(tmp_path)
    ambiguous = harness.Mutant(EXAMPLE.id, harness.OWN, "sp.", "np.", "constant")
    with pytest.raises(ValueError, match=r"occurs \d+ times in its scope example.py:@example"):
        harness.apply(ambiguous, project)


def test_an_unknown_scope_is_named():
    missing = harness.Mutant("rnn.step-jacobian", "NO_SUCH_OBJECT", "x", "y", "constant")
    with pytest.raises(ValueError, match="derivations/rnn.py has no top-level 'NO_SUCH_OBJECT'"):
        harness.locate(missing, ROOT)


def test_a_generated_display_mutant_fails_the_check_naming_the_id(tmp_path):
    mutant = next(m for m in ALL if m.id == "activation.tanh-derivative" and m.generated)
    project = harness.copy_project(ROOT, tmp_path / "copy", cache=False)
    harness.apply(mutant, project)
    assert (project / "mutant_hook.py").is_file()
    status, output = harness.execute([sys.executable, "-m", "derivations", "check", mutant.id], project, 300)
    assert status == 1, output
    assert f"FAILED {mutant.id}: " in output and "the displayed result, clause 1" in output
    assert "does not hold" in output


def test_generation_fills_a_new_result_and_a_new_definition_up_to_the_minimum(tmp_path):
    project = _package(tmp_path)
    path = project / "derivations" / "rnn.py"
    path.write_text(path.read_text(encoding="utf-8") + '''

NEW_CLOSED_FORM = W_HH


@derivation("rnn.new-result", title="A new result")
def new_result_derivation(d):
    d.result((Partial(Z_T, H_PREV), NEW_CLOSED_FORM), at=model_instances())


NEW_OBJECT = W_HH * H_PREV


@definition("rnn.new-definition", title="A new definition")
def new_definition(d):
    d.define(("term", sp.MatrixSymbol("r_t", n, 1), NEW_OBJECT))
''', encoding="utf-8")
    result = harness.generated("rnn.new-result", {"kind": "result", "clauses": [["="]]}, 0, project)
    assert [m.generated for m in result] == ["clause 1's closed form flipped", "clause 1's closed form offset",
                                             "clause 1's left side negated"]
    definition = harness.generated("rnn.new-definition", {"kind": "definition", "clauses": []}, 0, project)
    assert [(m.kind, m.new) for m in definition] == [("sign", "NEW_OBJECT = -(W_HH * H_PREV)"),
                                                     ("constant", "NEW_OBJECT = 2 * (W_HH * H_PREV)"),
                                                     ("constant", "NEW_OBJECT = 0 * (W_HH * H_PREV)")]
    for mutant in result + definition:
        harness.locate(mutant, project)
    assert harness.generated("rnn.new-result", {"kind": "result", "clauses": [["="]]}, 5, project) == result[:1]


def test_perturb_changes_one_part_and_keeps_its_relation():
    a, b, c = sp.symbols("a b c")
    M = sp.MatrixSymbol("M", 2, 2)
    clauses = (("bound", a, AtMost(b)), (c, M))
    assert harness.perturb(clauses, 1, -1, "flip") == [("bound", a, AtMost(-1 - b)), (c, M)]
    assert harness.perturb(clauses, 2, -1, "flip") == [("bound", a, AtMost(b)), (c, -M)]
    assert harness.perturb(clauses, 2, -1, "offset") == [("bound", a, AtMost(b)), (c, 2 * M)]
    assert harness.perturb(clauses, 1, 0, "negate") == [("bound", -a, AtMost(b)), (c, M)]
    with pytest.raises(ValueError, match="no clause 3: the result shows 2"):
        harness.perturb(clauses, 3, -1, "flip")


def test_perturbing_passes_everything_but_the_result_through():
    class Builder:
        def step(self, text):
            return f"step {text}"

        def result(self, *clauses, at=()):
            return clauses, at

    d = harness.perturbing(Builder(), 1, -1, "offset")
    assert d.step("x") == "step x"
    assert d.result((sp.Symbol("a"), sp.Integer(1)), at=("i",)) == (((sp.Symbol("a"), sp.Integer(2)),), ("i",))


# --- Running and reporting ---

def test_a_snapshot_of_the_working_tree_leaves_its_cache_behind(tmp_path):
    source = tmp_path / "source"
    for part in ("derivations", "tests", ".cache"):
        (source / part).mkdir(parents=True)
        (source / part / "file").write_text(part, encoding="utf-8")
    (source / "pyproject.toml").write_text("", encoding="utf-8")
    copy = harness.copy_project(source, tmp_path / "copy", cache=False)
    assert sorted(p.name for p in copy.iterdir()) == ["derivations", "pyproject.toml", "tests"]


def test_a_copy_imports_its_own_derivations(tmp_path):
    project = harness.copy_project(ROOT, tmp_path / "copy")
    assert Path(harness.check_isolation(project)).is_relative_to(project)


def test_a_timeout_ends_the_command(tmp_path):
    status, _ = harness.execute([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path, 1)
    assert status is None


OUTCOMES = {"check": harness.Outcome("a", ("x.a",), failed=["check"], named=True),
            "golden": harness.Outcome("b", ("x.a",), failed=["golden"]),
            "timeout": harness.Outcome("c", ("x.a",), failed=["tests"], timed_out=True),
            "survived": harness.Outcome("d", ("x.a",)),
            "tests": harness.Outcome("e", ("x.b",), failed=["tests", "golden"], named=True, generated=True)}


def test_verdicts_and_report():
    outcomes = list(OUTCOMES.values())
    assert [o.verdict for o in outcomes] == ["killed+id", "killed", "timeout", "survived", "killed+id"]
    counts = harness.tally(outcomes[:4])
    assert [counts[c] for c in ("killed", "named", "proof", "golden", "timeout", "survived")] == [2, 1, 1, 1, 1, 1]
    text = harness.report(outcomes, 1.0)
    assert text.splitlines()[0].split()[:9] == ["id", "mutants", "killed", "w/", "id", "proof", "golden", "timeout",
                                                "survived"]
    assert text.splitlines()[3].split()[:8] == ["total", "5", "3", "2", "2", "1", "1", "1"]
    assert "killed 3/5 = 60%" in text and "killed by a proof or numeric check 2/5 = 40%" in text
    assert "generated 1 of the 5: 1 killed, 1 by a proof or numeric check" in text
    assert "SURVIVED d" in text and "GOLDEN ONLY b" in text and "TIMEOUT c" in text


@pytest.mark.parametrize(("names", "fails"), [(("check", "tests"), False), (("check", "timeout"), False),
                                              (("check", "golden"), True), (("tests", "survived"), True)])
def test_strict_fails_on_a_survivor_or_a_kill_by_the_golden_latex_only(names, fails):
    assert harness.strict_failure([OUTCOMES[name] for name in names]) is fails
