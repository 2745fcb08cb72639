"""The derivation cache: one entry per id, reused when nothing it can reach changed, re-derived when
something did, and a failing derivation cached as its own error without breaking the others."""

from __future__ import annotations

import json
import shutil

import pytest

from derivations import cache, dependencies, registry
from derivations.errors import DerivationError


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVATIONS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture
def package_copy(tmp_path, monkeypatch, isolated_cache):
    """A copy of the package that the cache reads (and re-derives from) instead of the real one."""
    copy = tmp_path / "project" / "derivations"
    shutil.copytree(registry.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)

    def edit(module: str, old: str, new: str) -> None:
        path = copy / f"{module}.py"
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur once in {module}.py"
        path.write_text(text.replace(old, new), encoding="utf-8")

    return edit


def keys() -> dict[str, str]:
    return {eid: cache.key(eid) for eid in dependencies.placements(cache.PACKAGE_DIR)}


def changed(before: dict[str, str]) -> set[str]:
    return {eid for eid, k in keys().items() if before[eid] != k}


def test_unchanged_id_is_not_re_derived(isolated_cache):
    first = cache.records(("example",))
    stamp = (isolated_cache / "example.adding-baseline.json").stat().st_mtime_ns
    assert cache.records(("example",)) == first
    assert (isolated_cache / "example.adding-baseline.json").stat().st_mtime_ns == stamp


def test_corrupt_or_truncated_entry_is_recomputed(isolated_cache):
    good = cache.records(("example",))
    path = isolated_cache / "example.adding-baseline.json"
    path.write_text(path.read_text()[:50], encoding="utf-8")
    assert cache.records(("example",)) == good
    assert json.loads(path.read_text())["key"] == cache.key("example.adding-baseline")


def test_an_edited_derivation_makes_only_itself_stale(package_copy):
    before = keys()
    package_copy("rnn", 'title="Matrix products depend on the order of the factors"',
                 'title="Matrix products depend on the order of their factors"')
    assert changed(before) == {"rnn.order-matters"}


def test_an_edited_shared_object_makes_stale_exactly_the_ids_that_use_it(package_copy):
    before = keys()
    package_copy("activation", '"tanh": sp.tanh(x),', '"tanh": sp.tanh(x) ,')
    stale = changed(before)
    assert {"activation.functions", "activation.tanh-derivative", "bounds.step-norm"} <= stale
    assert not stale & {"rnn.chain-rule", "rnn.order-matters", "example.adding-baseline", "remedies.xavier-variance"}


def test_moving_a_derivation_re_derives_nothing_and_its_source_lines_follow(package_copy, isolated_cache):
    cache.records(("example",))
    before = keys()
    package_copy("example", "from __future__ import annotations\n", "from __future__ import annotations\n\n\n\n")
    assert changed(before) == set()
    stamp = (isolated_cache / "example.adding-baseline.json").stat().st_mtime_ns
    moved = cache.records(("example",))["example.adding-baseline"]["source"]
    assert (isolated_cache / "example.adding-baseline.json").stat().st_mtime_ns == stamp
    placed = dependencies.placements(cache.PACKAGE_DIR)["example.adding-baseline"]
    assert (moved["line"], moved["end_line"]) == (placed.line, placed.end_line)
    assert (cache.PACKAGE_DIR / "example.py").read_text().splitlines()[moved["line"] - 1].startswith("@derivation")


@pytest.mark.parametrize("engine", dependencies.ENGINE)
def test_an_edited_engine_module_makes_every_id_stale(package_copy, engine):
    before = keys()
    path = cache.PACKAGE_DIR / f"{engine}.py"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert changed(before) == set(before)


def test_a_failing_derivation_fails_alone_and_names_its_id(package_copy):
    package_copy("example", "sp.Rational(1, 6)", "sp.Rational(1, 7)")
    found = cache.entries(("example",))
    assert "record" in found["example.sigmoid-100-steps"]
    assert found["example.adding-baseline"]["error"].startswith("example.adding-baseline:")
    assert cache.record("example.sigmoid-100-steps")["id"] == "example.sigmoid-100-steps"
    with pytest.raises(DerivationError, match=r"^example\.adding-baseline: .*does not hold"):
        cache.record("example.adding-baseline")
    with pytest.raises(DerivationError, match="example.adding-baseline"):
        cache.records(("example",))


def test_an_edited_title_or_step_text_is_applied_without_deriving_again(package_copy, monkeypatch):
    before = cache.record("example.sigmoid-100-steps")
    package_copy("example", '"Its decimal exponent is $-200', '"Its exponent in base ten is $-200')
    package_copy("example", 'title="Best case for a sigmoid RNN over 100 steps"', 'title="The best case over 100 steps"')
    monkeypatch.setattr(cache, "_export", lambda stale: pytest.fail(f"re-derived {stale}"))
    after = cache.record("example.sigmoid-100-steps")
    assert after["title"] == "The best case over 100 steps"
    assert [s["text"] for s in after["steps"]] == [
        s["text"].replace("Its decimal exponent is", "Its exponent in base ten is") for s in before["steps"]]
    assert {k: v for k, v in after.items() if k not in ("title", "steps", "source")} == \
        {k: v for k, v in before.items() if k not in ("title", "steps", "source")}


def test_a_text_edit_together_with_a_change_of_mathematics_derives_again(package_copy):
    cache.record("example.adding-baseline")
    package_copy("example", "sp.Rational(1, 6)", "sp.Rational(1, 7)")
    package_copy("example", "title=\"The adding problem's baseline loss\"", "title=\"The baseline loss\"")
    with pytest.raises(DerivationError, match="example.adding-baseline"):
        cache.record("example.adding-baseline")
