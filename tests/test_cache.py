"""The derivation cache: reused when nothing changed, invalidated by any source it depends on."""

from __future__ import annotations

import json
import shutil

import pytest

from derivations import cache, registry


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVATIONS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_unchanged_topic_is_not_re_derived(isolated_cache):
    first = cache.records(("example",))
    stamp = (isolated_cache / "example.json").stat().st_mtime_ns
    assert cache.records(("example",)) == first
    assert (isolated_cache / "example.json").stat().st_mtime_ns == stamp


def test_corrupt_or_truncated_entry_is_recomputed(isolated_cache):
    good = cache.records(("example",))
    path = isolated_cache / "example.json"
    path.write_text(path.read_text()[:50], encoding="utf-8")
    assert cache.records(("example",)) == good
    assert json.loads(path.read_text())["key"] == cache.key("example")


def test_key_follows_the_modules_a_topic_imports(tmp_path, monkeypatch):
    copy = tmp_path / "derivations"
    shutil.copytree(registry.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)
    before = {topic: cache.key(topic) for topic in registry.TOPICS}
    (copy / "rnn.py").write_text((copy / "rnn.py").read_text() + "\n# edited\n")
    after_rnn = {topic: cache.key(topic) for topic in registry.TOPICS}
    assert after_rnn["rnn"] != before["rnn"]
    assert after_rnn["activation"] == before["activation"] and after_rnn["example"] == before["example"]
    (copy / "activation.py").write_text((copy / "activation.py").read_text() + "\n# edited\n")
    after_activation = {topic: cache.key(topic) for topic in registry.TOPICS}
    assert all(after_activation[t] != after_rnn[t] for t in registry.TOPICS), "rnn and example import activation"


@pytest.mark.parametrize("engine", ["instances", "lemmas"])
def test_an_edited_proof_engine_module_makes_every_topic_stale(tmp_path, monkeypatch, engine):
    copy = tmp_path / "derivations"
    shutil.copytree(registry.PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(cache, "PACKAGE_DIR", copy)
    before = {topic: cache.key(topic) for topic in registry.TOPICS}
    (copy / f"{engine}.py").write_text((copy / f"{engine}.py").read_text() + "\n# edited\n")
    assert all(cache.key(topic) != before[topic] for topic in registry.TOPICS)
