"""What each derivation can depend on, read from the source without importing it.

A topic module's derivations are the functions decorated ``@derivation("<id>", ...)`` or
``@definition("<id>", ...)``. An id's *reach* is its function plus every top-level statement
that defines a name the reach uses, followed across ``from .module import name`` and
``module.name`` into sibling modules; a statement that defines no name (a top-level call) is in
the reach of every id of its module, and a statement that assigns into ``NAME[...]`` counts as
defining ``NAME``. The engine modules (:data:`ENGINE`) are taken whole. Editing one derivation
therefore changes the reach of that id and of the ids that use what it defines, and no other.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .registry import PACKAGE_DIR, TOPICS

ENGINE = ("registry", "derivation", "instances", "lemmas", "notation", "errors")
"""Modules every derivation runs through; an edit to one of them reaches every id."""
DECORATORS = {"derivation": "result", "definition": "definition"}


@dataclass(frozen=True)
class Statement:
    """One top-level statement: its source, the names it defines and the names it uses.

    ``uses`` holds ``(module, name)`` pairs, ``module`` being this module for a local name."""

    module: str
    source: str
    defines: frozenset[str]
    uses: frozenset[tuple[str, str]]
    whole_modules: frozenset[str]
    value: bool = False
    """Whether it assigns a value that a derivation can state (not a symbol, function, class or import)."""
    keys: frozenset[tuple[str, str, str | int]] = frozenset()
    """``(module, name, key)`` for each ``name["key"]`` it reads with a literal key."""


@dataclass(frozen=True)
class Placement:
    """Where a derivation's function is: the fields of a record's ``source``, read from the file."""

    id: str
    topic: str
    kind: str
    function: str
    line: int
    end_line: int
    code: str
    statement: int
    texts: tuple[str, ...] = ()
    """The title and the literal step texts of the function, in source order."""
    math_source: str = ""
    """The function's source with those texts and its ``uses=`` declaration blanked: what its mathematics
    depends on."""
    uses: tuple[str, ...] = ()
    """The ids it declares it uses: the literal ``uses=`` of its decorator."""
    states: tuple[tuple, ...] = ()
    """What its ``d.define``/``d.result`` clauses state: ``(module, name)`` for a top-level object, or
    ``(module, name, key)`` for the entry ``name["key"]`` of one (see :func:`owners`)."""

    @property
    def source(self) -> dict:
        return {"file": f"derivations/{self.topic}.py", "line": self.line, "end_line": self.end_line,
                "function": self.function, "code": self.code, "test": f"tests/test_{self.topic}.py"}


def _path(module: str, package: Path) -> Path:
    return package / f"{module}.py"


def stamp(module: str, package: Path = PACKAGE_DIR) -> tuple[int, int]:
    """What changes when a module's file is saved: its modification time and size."""
    stat = _path(module, package).stat()
    return stat.st_mtime_ns, stat.st_size


def derivation_id(node: ast.AST) -> tuple[str, str] | None:
    """``(id, kind)`` if ``node`` is a function decorated as a derivation or a definition."""
    if not isinstance(node, ast.FunctionDef):
        return None
    for decorator in node.decorator_list:
        if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Name)
                and decorator.func.id in DECORATORS and decorator.args
                and isinstance(decorator.args[0], ast.Constant) and isinstance(decorator.args[0].value, str)):
            return decorator.args[0].value, DECORATORS[decorator.func.id]
    return None


def declared(function: ast.FunctionDef) -> tuple[str, ...]:
    """The literal ``uses=(...)`` ids of a derivation function's decorator."""
    for decorator in function.decorator_list:
        for kw in getattr(decorator, "keywords", ()):
            if kw.arg == "uses":
                try:
                    value = ast.literal_eval(kw.value)
                except ValueError:
                    raise SyntaxError("uses= must be a literal tuple of ids",
                                      ("", kw.value.lineno, kw.value.col_offset + 1, "")) from None
                return tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return ()


def _uses_span(function: ast.FunctionDef) -> tuple[int, int, int, int] | None:
    """Where the decorator's ``, uses=(...)`` is, from the end of the argument before it: (line, column,
    end line, end column), so that cutting it leaves the source as it was before the declaration."""
    for decorator in function.decorator_list:
        if not isinstance(decorator, ast.Call):
            continue
        arguments = sorted([*decorator.args, *(kw.value for kw in decorator.keywords)],
                           key=lambda a: (a.lineno, a.col_offset))
        for kw in decorator.keywords:
            if kw.arg == "uses" and arguments.index(kw.value) > 0:
                before = arguments[arguments.index(kw.value) - 1]
                return before.end_lineno, before.end_col_offset, kw.value.end_lineno, kw.value.end_col_offset
    return None


def _texts(function: ast.FunctionDef, lines: list[str], first: int) -> tuple[tuple[str, ...], str]:
    """The literal title and ``d.step("…", …)`` texts of a derivation function, in source order, and
    its source with each of them blanked and its ``uses=`` declaration cut (so that an edit to a text
    or a declaration alone leaves the rest equal)."""
    literals = [kw.value for d in function.decorator_list if isinstance(d, ast.Call)
                for kw in d.keywords if kw.arg == "title"]
    literals += [call.args[0] for call in ast.walk(function)
                 if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "step"
                 and call.args]
    literals = sorted((c for c in literals if isinstance(c, ast.Constant) and isinstance(c.value, str)),
                      key=lambda c: (c.lineno, c.col_offset))
    source = [line for line in lines[first - 1:function.end_lineno]]
    cuts = [(c.lineno, c.col_offset, c.end_lineno, c.end_col_offset, '"…"') for c in literals]
    span = _uses_span(function)
    if span:
        cuts.append((*span, ""))
    for line, column, end_line, end_column, blank in sorted(cuts, reverse=True):  # from the end: positions stay valid
        start, end = line - first, end_line - first
        head, tail = source[start][:column], source[end][end_column:]
        source[start:end + 1] = [head + blank + tail]
    return tuple(c.value for c in literals), "".join(source)


NOTATION = frozenset({"Symbol", "symbols", "MatrixSymbol", "Dummy", "Function", "IndexedBase", "Idx", "Wild"})
"""SymPy constructors of bare symbols: an object made by one is notation, not a stated result."""


def _is_value(node: ast.stmt) -> bool:
    """Whether a top-level statement assigns an object a derivation can state: not a symbol of the notation."""
    if not isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) or node.value is None:
        return False
    parts = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
    return not all(isinstance(p, ast.Call) and isinstance(p.func, ast.Attribute) and p.func.attr in NOTATION
                   for p in parts)


def _literal_key(node: ast.AST):
    """The key of ``name["key"]`` (a string or integer literal), else None."""
    if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
        if isinstance(node.slice.value, (str, int)):
            return node.slice.value
    return None


def _root(node: ast.AST, aliases: dict[str, str]) -> tuple | None:
    """The top-level object a clause part is made from: ``X``, ``X[i]``, ``X.attribute``, ``X.method(…)``
    give ``(None, "X")``, ``module.X`` gives ``(module, "X")``, and ``X["key"]…`` gives
    ``(None, "X", "key")``; any other expression gives None."""
    key = None
    while True:
        if isinstance(node, ast.Name):
            return (None, node.id) if key is None else (None, node.id, key)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            return (aliases[node.value.id], node.attr) if key is None else (aliases[node.value.id], node.attr, key)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            node = node.func.value
        elif isinstance(node, ast.Subscript):
            key = _literal_key(node)
            node = node.value
        elif isinstance(node, ast.Attribute):
            node = node.value
        else:
            return None


def _states(function: ast.FunctionDef, module: str, imported: dict, aliases: dict) -> tuple[tuple[str, str], ...]:
    """The top-level objects the clauses of a function's ``d.define(…)``/``d.result(…)`` are made from."""
    found = []
    for call in ast.walk(function):
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
                and call.func.attr in ("define", "result")):
            continue
        for clause in call.args:
            while isinstance(clause, (ast.Starred, ast.GeneratorExp, ast.ListComp)):  # d.define(*(… for …))
                clause = clause.value if isinstance(clause, ast.Starred) else clause.elt
            parts = clause.elts if isinstance(clause, ast.Tuple) else [clause]
            if parts and isinstance(parts[0], ast.Constant) and isinstance(parts[0].value, str):
                parts = parts[1:]  # the clause's name
            for part in parts[1:]:  # what is stated, not the symbol it is stated for
                root = _root(part, aliases)
                if root is None:
                    continue
                where, name, *key = root
                found.append((*((where, name) if where else imported.get(name, (module, name))), *key))
    return tuple(dict.fromkeys(found))


def defines(node: ast.stmt) -> set[str]:
    """The top-level names a statement defines: a function or class, what it imports, or what it
    assigns (``NAME[...] = …`` assigns into NAME); names bound inside a comprehension do not count."""
    if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
    names = set()
    for target in filter(None, targets):
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
            elif isinstance(sub, (ast.Subscript, ast.Attribute)) and isinstance(sub.ctx, ast.Store):
                base = sub.value
                while isinstance(base, (ast.Subscript, ast.Attribute)):
                    base = base.value
                if isinstance(base, ast.Name):
                    names.add(base.id)
    return names


@dataclass(frozen=True)
class Module:
    """A parsed sibling module: its statements, which statements define each name, its derivations."""

    name: str
    statements: tuple[Statement, ...]
    definers: dict[str, tuple[int, ...]]
    placements: tuple[Placement, ...]


@functools.lru_cache(maxsize=None)
def _parse(module: str, package: Path, file_stamp: tuple[int, int]) -> Module:
    text = _path(module, package).read_text(encoding="utf-8")
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    imported: dict[str, tuple[str, str]] = {}  # local name → (sibling module, its name there)
    aliases: dict[str, str] = {}  # local name → sibling module
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            for alias in node.names:
                if node.module:
                    imported[alias.asname or alias.name] = (node.module.split(".")[0], alias.name)
                else:
                    aliases[alias.asname or alias.name] = alias.name

    statements, placements, definers = [], [], {}
    for node in tree.body:
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # a docstring
        if isinstance(node, ast.ImportFrom) and (node.level == 1 or node.module == "__future__"):
            continue  # resolved through ``imported`` and ``aliases``
        first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
        source = "".join(lines[first - 1:node.end_lineno])
        defined = defines(node)
        uses, whole = set(), set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and sub.value.id in aliases:
                uses.add((aliases[sub.value.id], sub.attr))
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                if sub.id in imported:
                    uses.add(imported[sub.id])
                elif sub.id not in aliases:
                    uses.add((module, sub.id))
        bare = {sub.id for sub in ast.walk(node) if isinstance(sub, ast.Name) and sub.id in aliases}
        attribute_bases = {sub.value.id for sub in ast.walk(node)
                           if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name)}
        whole = {aliases[name] for name in bare - attribute_bases}
        index = len(statements)
        keys = set()
        for sub in ast.walk(node):
            key = _literal_key(sub)
            if key is not None and isinstance(sub.value, ast.Name) and sub.value.id not in aliases:
                keys.add((*imported.get(sub.value.id, (module, sub.value.id)), key))
        statements.append(Statement(module, source, frozenset(defined), frozenset(uses), frozenset(whole),
                                    _is_value(node), frozenset(keys)))
        for name in defined:
            definers.setdefault(name, []).append(index)
        found = derivation_id(node)
        if found:
            texts, blanked = _texts(node, lines, first)
            placements.append(Placement(found[0], module, found[1], node.name, first, node.end_lineno, source, index,
                                        texts, blanked, declared(node), _states(node, module, imported, aliases)))
    return Module(module, tuple(statements), {k: tuple(v) for k, v in definers.items()}, tuple(placements))


def module(name: str, package: Path = PACKAGE_DIR) -> Module:
    """The parsed module ``name``, parsed again only when its file changes."""
    return _parse(name, package, stamp(name, package))


def placements(package: Path = PACKAGE_DIR) -> dict[str, Placement]:
    """Every derivation of the published topics by id, in reading order (as :func:`registry.entries`)."""
    return {p.id: p for topic in TOPICS for p in module(topic, package).placements}


def reach(equation_id: str, package: Path = PACKAGE_DIR) -> list[Statement]:
    """The statements the derivation ``equation_id`` can depend on, outside the engine modules."""
    place = placements(package)[equation_id]
    seen: set[tuple[str, int]] = set()
    todo: list[tuple[str, int]] = [(place.topic, place.statement)]
    modules_seen: set[str] = set()
    while todo:
        name, index = todo.pop()
        if (name, index) in seen or name in ENGINE:
            continue
        seen.add((name, index))
        parsed = module(name, package)
        if name not in modules_seen:  # statements that define nothing run on import: always in reach
            modules_seen.add(name)
            todo.extend((name, i) for i, s in enumerate(parsed.statements) if not s.defines)
        statement = parsed.statements[index]
        for whole in statement.whole_modules - set(ENGINE):
            todo.extend((whole, i) for i in range(len(module(whole, package).statements)))
        for used_module, used in statement.uses:
            if used_module in ENGINE or not _path(used_module, package).exists():
                continue
            todo.extend((used_module, i) for i in module(used_module, package).definers.get(used, ()))
    return [module(name, package).statements[index] for name, index in sorted(seen)]


def without_texts(name: str, package: Path = PACKAGE_DIR) -> str:
    """Module ``name``'s source with the literal title and step texts of its derivations blanked:
    what code that imports the module (a notebook) can depend on."""
    text = _path(name, package).read_text(encoding="utf-8")
    for place in module(name, package).placements:
        text = text.replace(place.code, place.math_source, 1)
    return text


_frozen: dict[Path, tuple] = {}


def freeze(package: Path = PACKAGE_DIR) -> None:
    """Read the package's :func:`state` once until :func:`thaw`: for one site build, during which the
    sources are taken as they were when it started (a save during it starts another build)."""
    _frozen.pop(package, None)
    _frozen[package] = state(package)


def thaw() -> None:
    _frozen.clear()


def frozen(package: Path = PACKAGE_DIR) -> bool:
    return package in _frozen


def state(package: Path = PACKAGE_DIR) -> tuple:
    """What changes when any module of the package is saved: every file's name, time and size."""
    if package in _frozen:
        return _frozen[package]
    with os.scandir(package) as listing:  # one listing and a stat per module: looked up many times a build
        return tuple(sorted((entry.name, (stat := entry.stat()).st_mtime_ns, stat.st_size)
                            for entry in listing if entry.name.endswith(".py")))


def fingerprints(salt: str, package: Path = PACKAGE_DIR) -> dict[str, str]:
    """The content hash of everything each published id can depend on: the engine modules whole,
    its reach, and ``salt`` (the cache format and the SymPy version). Computed again only when
    a module of the package is saved, so the many look-ups of one build cost a ``stat`` per module."""
    return _fingerprints(salt, package, state(package))


@functools.lru_cache(maxsize=8)
def _fingerprints(salt: str, package: Path, _state: tuple) -> dict[str, str]:
    return _hashes(salt, package, texts=True)


def math_fingerprints(salt: str, package: Path = PACKAGE_DIR) -> dict[str, str]:
    """As :func:`fingerprints`, but blind to the literal title and step texts of each id's own
    function: equal before and after an edit that changed only those texts."""
    return _math_fingerprints(salt, package, state(package))


@functools.lru_cache(maxsize=8)
def _math_fingerprints(salt: str, package: Path, _state: tuple) -> dict[str, str]:
    return _hashes(salt, package, texts=False)


def _hashes(salt: str, package: Path, texts: bool) -> dict[str, str]:
    engine = hashlib.sha256(salt.encode() + b"\0")
    for name in ENGINE:
        engine.update(name.encode() + b"\0" + _path(name, package).read_bytes() + b"\0")
    keys = {}
    for equation_id, place in placements(package).items():
        digest = engine.copy()
        for statement in reach(equation_id, package):
            own = statement.module == place.topic and statement.source == place.code
            source = place.math_source if own and not texts else statement.source
            digest.update(statement.module.encode() + b"\0" + source.encode() + b"\0")
        keys[equation_id] = digest.hexdigest()
    return keys


def owners(package: Path = PACKAGE_DIR) -> dict[tuple, str]:
    """Which id states each top-level object: ``(module, name)``, or ``(module, name, key)`` for one
    entry of a dictionary, → the first id, in reading order, whose ``d.define``/``d.result`` states it
    on the right of a clause. Only values count (:func:`_is_value`): a symbol such as ``n`` or
    ``W_HH`` is shared notation, not anyone's result."""
    found: dict[tuple, str] = {}
    for place in placements(package).values():
        for stated in place.states:
            where, name = stated[:2]
            if not _path(where, package).exists():
                continue
            parsed = module(where, package)
            indices = parsed.definers.get(name, ())
            if indices and all(parsed.statements[i].value for i in indices):
                found.setdefault(stated, place.id)
    return found


def mentions(place: Placement, ids) -> set[str]:
    """The other ids that the title or a step text of ``place`` names, such as "… (rnn.model)"."""
    text = "\n".join(place.texts)
    return {other for other in ids if other != place.id
            and re.search(rf"(?<![\w.-]){re.escape(other)}(?![\w-])", text)}


def uses(package: Path = PACKAGE_DIR) -> dict[str, dict[str, set[str]]]:
    """What each id uses of the others, read from the source: ``id → {used id: evidence}``.

    ``X`` uses ``Y`` when ``X``'s title or a step text names ``Y``, or when ``X``'s function reaches an
    object that ``Y`` states (:func:`owners`; for a dictionary whose entries different ids state, an
    entry read with a literal key), following top-level names as :func:`reach` does but stopping at each
    object another id states: what that object is made from is its owner's use, not ``X``'s.
    The evidence is ``module.NAME`` (or ``module.NAME[key]``), or ``"text"``."""
    return _uses(package, state(package))


@functools.lru_cache(maxsize=8)
def _uses(package: Path, _state: tuple) -> dict[str, dict[str, set[str]]]:
    places = placements(package)
    owner = owners(package)
    keyed = {stated[:2] for stated in owner if len(stated) == 3}
    found: dict[str, dict[str, set[str]]] = {}
    for equation_id, place in places.items():
        used: dict[str, set[str]] = {other: {"text"} for other in mentions(place, places)}
        seen: set[tuple[str, int]] = set()
        todo = [(place.topic, place.statement)]
        while todo:
            name, index = todo.pop()
            if (name, index) in seen or name in ENGINE:
                continue
            seen.add((name, index))
            statement = module(name, package).statements[index]
            for whole in statement.whole_modules - set(ENGINE):
                todo.extend((whole, i) for i in range(len(module(whole, package).statements)))
            for used_module, used_name in statement.uses:
                if used_module in ENGINE or not _path(used_module, package).exists():
                    continue
                other = owner.get((used_module, used_name), equation_id)
                if other != equation_id:  # another's result: its use, not followed further
                    used.setdefault(other, set()).add(f"{used_module}.{used_name}")
                    continue
                if (used_module, used_name) in keyed:
                    for where, key_name, key in statement.keys:
                        other = owner.get((where, key_name, key), equation_id)
                        if (where, key_name) == (used_module, used_name) and other != equation_id:
                            used.setdefault(other, set()).add(f"{where}.{key_name}[{key!r}]")
                todo.extend((used_module, i) for i in module(used_module, package).definers.get(used_name, ()))
        found[equation_id] = used
    return found


def undeclared(package: Path = PACKAGE_DIR) -> list[str]:
    """Every mismatch between the ids each derivation declares with ``uses=`` and what it uses
    (:func:`uses`), one sentence each naming both ids; empty when every declaration is right."""
    places, found = placements(package), uses(package)
    problems = []
    for equation_id, place in places.items():
        for other in sorted(set(found[equation_id]) - set(place.uses)):
            evidence = ", ".join(sorted(found[equation_id][other]))
            how = "names it in a step text" if evidence == "text" else f"reaches {evidence}"
            problems.append(f"{equation_id} uses {other} ({how}) but does not declare it: add "
                            f"uses=(…, {other!r}) to its decorator in derivations/{place.topic}.py")
        for other in sorted(set(place.uses) - set(found[equation_id])):
            why = "no such id" if other not in places else "its function reaches nothing that id states"
            problems.append(f"{equation_id} declares uses={other!r} but does not use {other} ({why}): "
                            f"remove it from the decorator in derivations/{place.topic}.py")
    return problems
