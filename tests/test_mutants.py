"""The fault-injection harness (benchmarks/mutants.py): its table cannot rot, and its parts work."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from derivations import registry

ROOT = Path(__file__).resolve().parents[1]


def _load_harness():
    spec = importlib.util.spec_from_file_location("mutants", ROOT / "benchmarks" / "mutants.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


harness = _load_harness()
EXAMPLE = next(m for m in harness.mutants("example.") if m.kind == "exponent")


def test_every_registered_id_has_mutants_and_no_other_id_does():
    assert list(harness.MUTANTS) == [entry.id for entry in registry.entries()]
    assert all(len(rows) >= 3 for rows in harness.MUTANTS.values())


@pytest.mark.parametrize("entry", [e for e in registry.entries() if e.kind == "result"], ids=lambda e: e.id)
def test_every_result_has_a_mutant_of_its_display(entry):
    assert "display" in {kind for *_, kind in harness.MUTANTS[entry.id]}


@pytest.mark.parametrize("mutant", harness.mutants(), ids=str)
def test_old_text_occurs_exactly_once_in_its_module(mutant):
    text = (ROOT / mutant.module).read_text(encoding="utf-8")
    assert text.count(mutant.old) == 1
    assert mutant.new != mutant.old
    assert mutant.kind in harness.KINDS


def test_only_selects_by_id_prefix():
    chosen = harness.mutants("lstm.")
    assert chosen and {m.id for m in chosen} == {entry.id for entry in registry.entries("lstm")}


def test_a_mutant_is_applied_to_a_copy_only(tmp_path):
    project = harness.copy_project(ROOT, tmp_path / "copy")
    original = (ROOT / EXAMPLE.module).read_text(encoding="utf-8")
    harness.apply(EXAMPLE, project)
    assert (project / EXAMPLE.module).read_text(encoding="utf-8") == original.replace(EXAMPLE.old, EXAMPLE.new)
    assert (ROOT / EXAMPLE.module).read_text(encoding="utf-8") == original


def test_an_ambiguous_old_text_is_refused(tmp_path):
    project = harness.copy_project(ROOT, tmp_path / "copy")
    ambiguous = harness.Mutant(EXAMPLE.id, EXAMPLE.module, "sp.", "np.", "constant")
    with pytest.raises(ValueError, match="occurs"):
        harness.apply(ambiguous, project)


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
            "tests": harness.Outcome("e", ("x.b",), failed=["tests", "golden"], named=True)}


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
    assert "SURVIVED d" in text and "GOLDEN ONLY b" in text and "TIMEOUT c" in text


@pytest.mark.parametrize(("names", "fails"), [(("check", "tests"), False), (("check", "timeout"), False),
                                              (("check", "golden"), True), (("tests", "survived"), True)])
def test_strict_fails_on_a_survivor_or_a_kill_by_the_golden_latex_only(names, fails):
    assert harness.strict_failure([OUTCOMES[name] for name in names]) is fails
