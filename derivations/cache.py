"""Content-addressed cache of derivation records, so an unchanged derivation is not re-derived.

A topic's key hashes its module, the engine modules and every sibling module it imports
(transitively), plus the SymPy version. Stale topics are re-derived in fresh interpreters, one
per core, so a long-running ``mkdocs serve`` always sees the edited source, never a stale import.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import DerivationError, UnknownIdError
from .registry import PACKAGE_DIR, TOPICS

ENGINE = ("registry", "derivation", "instances", "lemmas", "notation", "errors")
FORMAT = 3


def cache_dir() -> Path:
    """Where records are kept: ``$DERIVATIONS_CACHE`` or ``.cache/derivations`` in the project."""
    return Path(os.environ.get("DERIVATIONS_CACHE", PACKAGE_DIR.parent / ".cache" / "derivations"))


def _stamp(name: str) -> tuple[int, int]:
    """What changes when a sibling module's file is saved: its modification time and size."""
    stat = (PACKAGE_DIR / f"{name}.py").stat()
    return stat.st_mtime_ns, stat.st_size


@functools.lru_cache(maxsize=None)
def _direct_imports(name: str, stamp: tuple[int, int]) -> frozenset[str]:
    """The sibling modules that module ``name``, as saved at ``stamp``, imports itself."""
    tree = ast.parse((PACKAGE_DIR / f"{name}.py").read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module.split(".")[0]] if node.module else (alias.name for alias in node.names))
    return frozenset(found)


def _imports(module: str) -> set[str]:
    """Sibling modules that ``module`` imports, transitively, itself included."""
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo.extend(_direct_imports(name, _stamp(name)))
    return seen


@functools.lru_cache(maxsize=None)
def _key(topic: str, stamps: tuple[tuple[str, tuple[int, int]], ...]) -> str:
    import sympy

    digest = hashlib.sha256(f"format {FORMAT}; sympy {sympy.__version__}\n".encode())
    for name, _ in stamps:
        digest.update(name.encode() + b"\0" + (PACKAGE_DIR / f"{name}.py").read_bytes() + b"\0")
    return digest.hexdigest()


def key(topic: str) -> str:
    """The content hash that a topic's cached records must carry to be reused.

    Parsing and hashing are remembered per file state, so the many look-ups of one build cost
    a ``stat`` per module, while a saved edit (under ``mkdocs serve``) is seen at once.
    """
    names = sorted(_imports(topic) | set(ENGINE))
    return _key(topic, tuple((name, _stamp(name)) for name in names))


def _path(topic: str) -> Path:
    return cache_dir() / f"{topic}.json"


_loaded: dict[tuple[Path, str, int, int], list[dict]] = {}
"""Records read in this process, by file, key and file state: a rewritten file is read again."""


def _cached(topic: str, expected: str) -> list[dict] | None:
    """The cached records of ``topic`` if present, intact and made from the current source."""
    path = _path(topic)
    try:
        stat = path.stat()
        memo = (path, expected, stat.st_mtime_ns, stat.st_size)
        if memo in _loaded:
            return _loaded[memo]
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != expected or not isinstance(data.get("records"), list):
        return None
    _loaded[memo] = data["records"]
    return data["records"]


def write(topic: str, records: list[dict], topic_key: str) -> None:
    """Store ``records`` atomically: a reader sees the old file or the new one, never half."""
    path = _path(topic)
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as f:
        json.dump({"key": topic_key, "records": records}, f, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(f.name, path)


def records(topics: tuple[str, ...] = TOPICS) -> dict[str, dict]:
    """Every record of ``topics`` by id, re-deriving (out of process) only the stale topics."""
    keys = {topic: key(topic) for topic in topics}
    found = {topic: _cached(topic, keys[topic]) for topic in topics}
    stale = [topic for topic, recs in found.items() if recs is None]
    if stale:
        _export(stale)
        for topic in stale:
            found[topic] = _cached(topic, keys[topic])
            if found[topic] is None:
                raise DerivationError(f"re-deriving topic {topic!r} wrote no usable cache entry")
    return {record["id"]: record for topic in topics for record in found[topic]}


def _export(stale: list[str]) -> None:
    """Re-derive the ``stale`` topics in fresh interpreters, one per core, each taking every n-th topic."""
    groups = [stale[i::os.cpu_count() or 1] for i in range(min(len(stale), os.cpu_count() or 1))]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # no .pyc churn under `mkdocs serve`
    runs = [subprocess.Popen([sys.executable, "-m", "derivations", "export", *group], cwd=PACKAGE_DIR.parent,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for group in groups]
    errors = [run.communicate()[1].strip() for run in runs]  # every interpreter ends before any error is raised
    for group, run, stderr in zip(groups, runs, errors):
        if run.returncode != 0:
            raise DerivationError(stderr.splitlines()[-1] if stderr else f"re-deriving {', '.join(group)} failed")


def record(equation_id: str) -> dict:
    """The record of one equation, from the cache when it is fresh."""
    everything = records()
    if equation_id not in everything:
        raise UnknownIdError(equation_id, sorted(everything))
    return everything[equation_id]
