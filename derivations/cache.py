"""Content-addressed cache of derivation records, one entry per equation id.

An id's key hashes what its derivation can reach (:mod:`derivations.dependencies`: its function,
the top-level code that function uses, followed into sibling modules, and the engine modules
whole), the cache format and the SymPy version; so an edit re-derives the ids it can change and
no others. Stale ids are re-derived in fresh interpreters, one per core, so a long-running
``mkdocs serve`` always sees the edited source, never a stale import. A derivation that fails is
cached as its error: looking that id up raises, every other id still loads.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Callable, Iterable

from . import dependencies
from .errors import DerivationError, UnknownIdError
from .registry import PACKAGE_DIR, TOPICS

FORMAT = 5
SALT = f"format {FORMAT}; sympy {version('sympy')}"


def cache_dir() -> Path:
    """Where records are kept: ``$DERIVATIONS_CACHE`` or ``.cache/derivations`` in the project."""
    return Path(os.environ.get("DERIVATIONS_CACHE", PACKAGE_DIR.parent / ".cache" / "derivations"))


@functools.cache
def installed(name: str) -> str:
    """The installed version of the Python package ``name``, read once: reading it parses the
    package's metadata, and cache keys ask for it on every look-up."""
    return version(name)


def stored(kind: str, inputs: Iterable[str], make: Callable[[], str], suffix: str = ".txt") -> str:
    """The text ``make()`` returns for ``inputs``, kept in ``.cache/<kind>/`` under the hash of the inputs'
    content: made once for each state of them, written atomically."""
    digest = hashlib.sha256("\0".join(inputs).encode("utf-8")).hexdigest()
    path = cache_dir().parent / kind / f"{digest}{suffix}"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    text = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return text


def placements() -> dict[str, dependencies.Placement]:
    """Where each published derivation is, by id, read from the source as it is now."""
    try:
        return dependencies.placements(PACKAGE_DIR)
    except SyntaxError as error:
        raise DerivationError(f"derivations/{Path(error.filename or '?').name}, line {error.lineno}: "
                              f"{error.msg}") from None


def check_uses() -> None:
    """Fail naming both ids when a derivation uses another's result without declaring it in ``uses=``,
    or declares one it does not use (:func:`derivations.dependencies.undeclared`); read from the source,
    so it costs nothing once the modules are parsed."""
    placements()
    problems = dependencies.undeclared(PACKAGE_DIR)
    if problems:
        raise DerivationError("; ".join(problems))


def key(equation_id: str) -> str:
    """The content hash that the cached entry of ``equation_id`` must carry to be reused."""
    keys = dependencies.fingerprints(SALT, PACKAGE_DIR)
    if equation_id not in keys:
        raise UnknownIdError(equation_id, list(keys))
    return keys[equation_id]


def _path(equation_id: str) -> Path:
    return cache_dir() / f"{equation_id}.json"


_loaded: dict[tuple[Path, str, int, int], dict] = {}
"""Entries read in this process, by file, key and file state: a rewritten file is read again."""


def _cached(equation_id: str, expected: str) -> dict | None:
    """The cached entry (``{"record": …}`` or ``{"error": …}``) if present, intact and current."""
    path = _path(equation_id)
    try:
        stat = path.stat()
        memo = (path, expected, stat.st_mtime_ns, stat.st_size)
        if memo in _loaded:
            return _loaded[memo]
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("key") != expected or not (
            isinstance(data.get("record"), dict) or isinstance(data.get("error"), str)):
        return None
    _loaded[memo] = data
    return data


def write(equation_id: str, topic_key: str, *, record: dict | None = None, error: str | None = None) -> None:
    """Store a record or an error atomically: a reader sees the old file or the new one, never half.

    A record is stored with the key of its mathematics alone and the literal texts it was derived
    with, so that an edit to a title or a step text alone is applied without deriving again."""
    path = _path(equation_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    texts = {"math_key": dependencies.math_fingerprints(SALT, PACKAGE_DIR)[equation_id],
             "texts": list(placements()[equation_id].texts)}
    entry = {"key": topic_key, **({"record": record, **texts} if error is None else {"error": error})}
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as f:
        json.dump(entry, f, ensure_ascii=False, indent=1, sort_keys=True)
    os.replace(f.name, path)


_entries: dict[tuple, tuple[dict, dict, tuple]] = {}
"""The placements and cache entries :func:`entries` found, and the state of their files, by topics,
source state and cache folder: the many look-ups of one build read the cache once, and outside a
build (:func:`derivations.dependencies.freeze`) a cache file rewritten or damaged since is read again."""


def _stamps(places: dict) -> tuple:
    folder = os.fspath(cache_dir())

    def stamp(eid: str):
        try:
            stat = os.stat(os.path.join(folder, f"{eid}.json"))
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size
    return tuple(stamp(eid) for eid in places)


def entries(topics: tuple[str, ...] = TOPICS) -> dict[str, dict]:
    """The cache entry of every id of ``topics``, re-deriving (out of process) only the stale ids.

    A record's ``source`` (file, lines, code) is read from the file as it is now, so an edit that
    only moves a derivation down its module re-derives nothing. So are the ids it declares it ``uses``
    (checked first by :func:`check_uses`): its declaration is cut from the key of its mathematics, and
    an edit to it alone derives nothing again."""
    memo = (topics, dependencies.state(PACKAGE_DIR), cache_dir())
    if memo not in _entries or (not dependencies.frozen() and _entries[memo][2] != _stamps(_entries[memo][0])):
        check_uses()
        places = {eid: p for eid, p in placements().items() if p.topic in topics}
        every_key = dependencies.fingerprints(SALT, PACKAGE_DIR)
        keys = {eid: every_key[eid] for eid in places}
        found = {eid: _cached(eid, keys[eid]) or _retexted(places[eid], keys[eid]) for eid in places}
        stale = [eid for eid, entry in found.items() if entry is None]
        if stale:
            _export(stale)
            for eid in stale:
                found[eid] = _cached(eid, keys[eid])
                if found[eid] is None:
                    raise DerivationError(f"re-deriving {eid!r} wrote no usable cache entry")
        if len(_entries) >= 8:
            _entries.clear()
        _entries[memo] = places, found, _stamps(places)
    places, found, _ = _entries[memo]
    return {eid: ({"record": {**entry["record"], "uses": list(places[eid].uses), "source": places[eid].source}}
                  if "record" in entry else entry) for eid, entry in found.items()}


def _retexted(place: dependencies.Placement, new_key: str) -> dict | None:
    """The stored record of ``place`` with its title and step texts replaced, when only those
    literal texts changed since it was derived (its mathematics' key is the same); else None."""
    try:
        data = json.loads(_path(place.id).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    old = data.get("texts") if isinstance(data, dict) else None
    if (not isinstance(data.get("record"), dict) or not isinstance(old, list) or len(old) != len(place.texts)
            or data.get("math_key") != dependencies.math_fingerprints(SALT, PACKAGE_DIR)[place.id]):
        return None
    renamed: dict[str, str] = {}
    for before, after in zip(old, place.texts):
        if renamed.setdefault(before, after) != after:
            return None  # one old text became two different ones: derive again
    record = data["record"]
    record = {**record, "title": renamed.get(record["title"], record["title"]),
              "steps": [{**step, "text": renamed.get(step["text"], step["text"])} for step in record["steps"]],
              "uses": list(place.uses)}
    write(place.id, new_key, record=record)
    return _cached(place.id, new_key)


def records(topics: tuple[str, ...] = TOPICS) -> dict[str, dict]:
    """Every record of ``topics`` by id; fails naming every id whose derivation fails."""
    found = entries(topics)
    failed = [entry["error"] for entry in found.values() if "error" in entry]
    if failed:
        raise DerivationError("; ".join(failed))
    return {eid: entry["record"] for eid, entry in found.items()}


def record(equation_id: str) -> dict:
    """The record of one equation, from the cache when it is fresh; fails only if this id fails."""
    found = entries()
    if equation_id not in found:
        raise UnknownIdError(equation_id, list(found))
    if "error" in found[equation_id]:
        raise DerivationError(found[equation_id]["error"])
    return found[equation_id]["record"]


def _export(stale: list[str]) -> None:
    """Re-derive the ``stale`` ids in fresh interpreters, one per core, each taking every n-th id."""
    cores = os.cpu_count() or 1
    groups = [stale[i::cores] for i in range(min(len(stale), cores))]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # no .pyc churn under `mkdocs serve`
    runs = [subprocess.Popen([sys.executable, "-m", "derivations", "export", *group], cwd=PACKAGE_DIR.parent,
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            for group in groups]
    errors = [run.communicate()[1].strip() for run in runs]  # every interpreter ends before any error is raised
    for group, run, stderr in zip(groups, runs, errors):
        if run.returncode != 0:
            raise DerivationError(stderr.splitlines()[-1] if stderr else f"re-deriving {', '.join(group)} failed")
