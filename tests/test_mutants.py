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
    assert all(harness.MUTANTS.values())


@pytest.mark.parametrize("mutant", harness.mutants(), ids=str)
def test_old_text_occurs_exactly_once_in_its_module(mutant):
    text = (ROOT / mutant.module).read_text(encoding="utf-8")
    assert text.count(mutant.old) == 1
    assert mutant.new != mutant.old
    assert mutant.kind in harness.KINDS


def test_only_selects_by_id_prefix():
    chosen = harness.mutants("lstm.")
    assert chosen and {m.id for m in chosen} == {"lstm.cell-path", "lstm.step-jacobian"}


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


def test_a_copy_imports_its_own_derivations(tmp_path):
    project = harness.copy_project(ROOT, tmp_path / "copy")
    assert Path(harness.check_isolation(project)).is_relative_to(project)


def test_a_timeout_ends_the_command(tmp_path):
    status, _ = harness.execute([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path, 1)
    assert status is None


def test_verdicts_and_report():
    outcomes = [harness.Outcome("a", ("x.a",), failed=["check"], named=True),
                harness.Outcome("b", ("x.a",), failed=["golden"]),
                harness.Outcome("c", ("x.a",), failed=["tests"], timed_out=True),
                harness.Outcome("d", ("x.a",))]
    assert [o.verdict for o in outcomes] == ["killed+id", "killed", "timeout", "survived"]
    counts = harness.tally(outcomes)
    assert [counts[c] for c in ("killed", "named", "golden", "timeout", "survived")] == [2, 1, 1, 1, 1]
    text = harness.report(outcomes, 1.0)
    assert "killed 2/4 = 50%" in text and "SURVIVED d" in text
