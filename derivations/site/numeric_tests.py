"""Which tests check an equation numerically, read from the test modules.

A test marked ``@pytest.mark.checks("<id>", …)`` evaluates that equation's numeric form against an
independent reference (central finite differences or the autograd engine). The proof panel says that
an equation is checked numerically by its test module only when the module holds such a test, and
``tests/test_panels.py`` checks that every marked test calls such a reference.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _marked_ids(decorator: ast.expr) -> list[str]:
    """The ids of a ``pytest.mark.checks("<id>", …)`` decorator, or none."""
    if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr == "checks" and ast.unparse(decorator.func.value) == "pytest.mark"):
        return [arg.value for arg in decorator.args if isinstance(arg, ast.Constant)]
    return []


@functools.lru_cache(maxsize=None)
def _parsed(path: Path, stamp: tuple[int, int]) -> dict[str, tuple[ast.FunctionDef, ...]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: dict[str, list[ast.FunctionDef]] = {}
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            for eid in (i for d in node.decorator_list for i in _marked_ids(d)):
                found.setdefault(eid, []).append(node)
    return {eid: tuple(nodes) for eid, nodes in found.items()}


def marked(test_file: str) -> dict[str, tuple[ast.FunctionDef, ...]]:
    """Equation id → the test functions of ``test_file`` (relative to the project) marked as checking it."""
    path = ROOT / test_file
    if not path.is_file():
        return {}
    stat = path.stat()
    return _parsed(path, (stat.st_mtime_ns, stat.st_size))
