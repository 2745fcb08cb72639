"""``python -m derivations new ID``: a new derivation's skeleton, its test, and every registration.

The skeleton really derives and proves something small from the topic's own objects, so that the
suite passes at once and the author has a working example to replace. ``new`` writes it into
``derivations/<topic>.py`` (after the topic's last derivation), appends a numeric cross-check marked
``@pytest.mark.checks(ID)`` to ``tests/test_<topic>.py``, adds the id to the tables of that test
module that list every id of the topic, writes the golden LaTeX of the id and ``derivations.tex``,
and checks that the id derives and its test passes; if anything fails, every file is put back. It
then prints what only the author can do: the Chinese text, the place on a page, the mathematics.
The fault-injection harness (``benchmarks/mutants.py``) generates the new id's mutants by itself.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import cache, dependencies, registry
from .errors import DerivationError

ROOT = registry.PACKAGE_DIR.parent


class ScaffoldError(DerivationError):
    """``new`` cannot create the id; the message names the culprit and what to do."""


@dataclass(frozen=True)
class Recipe:
    """A skeleton: the code inserted into the topic module and the test appended to its test module.

    Placeholders: ``<<ID>>``, ``<<TITLE>>`` (a string literal), ``<<FUNCTION>>``, ``<<CONSTANT>>``,
    ``<<CLAUSE>>`` (a clause name), ``<<TEST>>`` (the test's name) and ``<<MODULE>>`` (the name the
    test module knows the topic module by)."""

    what: str
    code: str
    test: str


_DOC = '"""<<WHAT>>, proved by ``<<ID>>``.\n\nA skeleton from ``python -m derivations new``: replace it with yours."""'
_DEF_DOC = '"""<<WHAT>>, as ``<<ID>>`` defines it.\n\nA skeleton from ``python -m derivations new``: replace it with yours."""'
_TEST_DOC = '"""<<ID>>: <<CHECK>>.\n\n    A skeleton from ``python -m derivations new``: check your own closed form here."""'

def _gate_recipe(gate: str, name: str, order: str) -> Recipe:
    """The skeleton of a gated unit: ∂a/∂h_{t-1} = W_h for the gate ``gate`` (called ``name``), whose
    rows PyTorch stacks in ``order``."""
    count, row = len(order.split(", ")), order.split(", ").index(gate)
    return Recipe(f"∂a_{gate}/∂h_{{t-1}} = W_h{gate}", f'''
<<CONSTANT>> = W_H["{gate}"]
<<DOC>>


@derivation("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    show_model(d)
    a_{gate} = sp.MatrixSymbol("a_{{{gate}}}", n, 1)
    d.step("Differentiate the {name} gate's pre-activation with SymPy's matrix calculus, then transpose to "
           "numerator layout.", Partial(a_{gate}, H_PREV), PRE["{gate}"].diff(H_PREV).T)
    d.result((Partial(a_{gate}, H_PREV), <<CONSTANT>>), at=explicit_instances(DEFINITIONS | {{a_{gate}: PRE["{gate}"]}}, SIZES))
''', f'''
@pytest.mark.checks("<<ID>>")
def <<TEST>>():
    <<TEST_DOC>>
    rng, n, m = np.random.default_rng(0), 3, 2
    shapes = (({count} * n, m), ({count} * n, n), {count} * n, {count} * n)
    weight_ih, weight_hh, bias_ih, bias_hh = (rng.normal(size=shape) for shape in shapes)
    h_prev, x_t = rng.normal(size=n), rng.normal(size=m)
    {gate} = slice({row} * n, {row + 1} * n)  # PyTorch stacks the gates {order}
    closed_form = lambdify_matrix([<<MODULE>>.W_H["{gate}"]], <<MODULE>>.<<CONSTANT>>)
    expected = autograd.jacobian(
        lambda h: anp.dot(weight_ih[{gate}], x_t) + bias_ih[{gate}] + anp.dot(weight_hh[{gate}], h) + bias_hh[{gate}])(h_prev)
    assert_allclose(closed_form(weight_hh[{gate}]), expected, rtol=1e-12)
''')


RESULTS = {
    "activation": Recipe("d/dx tanh(2x) = 2 tanh'(2x)", r'''
<<CONSTANT>> = 2 * DERIVATIVES["tanh"].subs(x, 2 * x)
<<DOC>>


@derivation("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    shown = sp.Derivative(sp.tanh(2 * x), x)
    derived = sp.diff(DEFINITIONS["tanh"].subs(x, 2 * x), x)
    d.step("Differentiate $\\tanh(2x)$: the chain rule gives the factor 2.", shown, derived)
    d.result((shown, <<CONSTANT>>), at=(Instance("every real x", "symbolic"),))
''', r'''
@pytest.mark.checks("<<ID>>")
def <<TEST>>():
    <<TEST_DOC>>
    grid = np.linspace(-4.0, 4.0, 161)
    closed_form = sp.lambdify(<<MODULE>>.x, <<MODULE>>.<<CONSTANT>>, "numpy")
    expected = autograd.elementwise_grad(lambda v: anp.tanh(2 * v))(grid)
    assert_allclose(closed_form(grid), expected, rtol=1e-10, atol=1e-14)
'''),
    "rnn": Recipe("∂z_t/∂h_{t-1} = W_hh", r'''
<<CONSTANT>> = W_HH
<<DOC>>


@derivation("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    derived = PRE_ACTIVATION.diff(H_PREV).T
    d.step("Differentiate the pre-activation (rnn.model) with SymPy's matrix calculus, then transpose to "
           "numerator layout.", Partial(Z_T, H_PREV), derived)
    d.result((Partial(Z_T, H_PREV), <<CONSTANT>>), at=model_instances())
''', r'''
@pytest.mark.checks("<<ID>>")
def <<TEST>>():
    <<TEST_DOC>>
    rng = np.random.default_rng(0)
    W_hh, W_xh, b_h, h_prev, x_t = (rng.normal(size=shape) for shape in ((3, 3), (3, 2), (3,), (3,), (2,)))
    closed_form = lambdify_matrix([<<MODULE>>.W_HH, <<MODULE>>.W_XH, <<MODULE>>.B_H, <<MODULE>>.H_PREV, <<MODULE>>.X_T],
                                  <<MODULE>>.<<CONSTANT>>)
    expected = autograd.jacobian(lambda h: anp.dot(W_hh, h) + anp.dot(W_xh, x_t) + b_h)(h_prev)
    assert_allclose(closed_form(W_hh, W_xh, b_h[:, None], h_prev[:, None], x_t[:, None]), expected, rtol=1e-12)
'''),
    "example": Recipe("d(γ^100)/dγ = 100 γ^99", r'''
<<CONSTANT>> = STEPS * sp.Symbol(r"\gamma", positive=True) ** (STEPS - 1)
<<DOC>>


@derivation("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    gamma = sp.Symbol(r"\gamma", positive=True)
    shown = sp.Derivative(gamma**STEPS, gamma)
    d.step("Differentiate the example's best-case factor with respect to $\\gamma$.", shown,
           sp.diff(gamma**STEPS, gamma))
    d.result((shown, <<CONSTANT>>), at=(Instance("every γ > 0", "symbolic"),))
''', r'''
@pytest.mark.checks("<<ID>>")
def <<TEST>>():
    <<TEST_DOC>>
    (gamma,) = <<MODULE>>.<<CONSTANT>>.free_symbols
    closed_form = sp.lambdify(gamma, <<MODULE>>.<<CONSTANT>>)
    for value in (0.25, 0.9, 1.0):
        assert_allclose(closed_form(value), autograd.grad(lambda g: g ** <<MODULE>>.STEPS)(value), rtol=1e-12)
'''),
    "bounds": Recipe("d(γλ₁)^k/dλ₁ = kγ(γλ₁)^(k−1)", r'''
<<CONSTANT>> = k * GAMMA * (GAMMA * LAMBDA_1) ** (k - 1)
<<DOC>>


@derivation("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    shown = sp.Derivative((GAMMA * LAMBDA_1) ** k, LAMBDA_1)
    d.step("Differentiate the bound $(\\gamma \\lambda_1)^k$ of bounds.span-norm with respect to $\\lambda_1$.",
           shown, sp.diff((GAMMA * LAMBDA_1) ** k, LAMBDA_1))
    d.result((shown, <<CONSTANT>>), at=(Instance("every γ, λ₁ > 0 and k ≥ 1", "symbolic"),))
''', r'''
@pytest.mark.checks("<<ID>>")
def <<TEST>>():
    <<TEST_DOC>>
    closed_form = sp.lambdify((<<MODULE>>.GAMMA, <<MODULE>>.LAMBDA_1, <<MODULE>>.k), <<MODULE>>.<<CONSTANT>>)
    for gamma, lambda_1, steps in ((0.25, 2.0, 5), (1.0, 0.5, 3), (0.5, 3.0, 1)):
        expected = autograd.grad(lambda lam: (gamma * lam) ** steps)(lambda_1)
        assert_allclose(closed_form(gamma, lambda_1, steps), expected, rtol=1e-12)
'''),
    "remedies": Recipe("d(θ/‖g‖)/d‖g‖ = −θ/‖g‖²", r'''
<<CONSTANT>> = -THRESHOLD / NORM**2
<<DOC>>


@derivation("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    shown = sp.Derivative(THRESHOLD / NORM, NORM)
    d.step("Differentiate the clipping factor $\\theta / \\lVert g \\rVert$ (remedies.clipping) with respect to "
           "the norm.", shown, sp.diff(THRESHOLD / NORM, NORM))
    d.result((shown, <<CONSTANT>>), at=(Instance("every θ > 0 and ‖g‖ > 0", "symbolic"),))
''', r'''
@pytest.mark.checks("<<ID>>")
def <<TEST>>():
    <<TEST_DOC>>
    closed_form = sp.lambdify((<<MODULE>>.THRESHOLD, <<MODULE>>.NORM), <<MODULE>>.<<CONSTANT>>)
    for threshold, norm in ((1.0, 3.0), (0.1, 0.2), (5.0, 1e3)):
        assert_allclose(closed_form(threshold, norm), autograd.grad(lambda r: threshold / r)(norm), rtol=1e-12)
'''),
    "lstm": _gate_recipe("f", "forget", "i, f, g, o"),
    "gru": _gate_recipe("r", "reset", "r, z, n"),
}
"""The skeleton of a result, per topic: a small derivative of the topic's objects, and its check against autograd."""

DEFINITIONS = {
    "activation": Recipe("the softplus log(1 + eˣ)", r'''
<<CONSTANT>> = sp.log(1 + sp.exp(x))
<<DOC>>


@definition("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    d.define(("<<CLAUSE>>", sp.Function(r"\operatorname{softplus}")(x), <<CONSTANT>>))
''', r'''
def <<TEST>>():
    <<TEST_DOC>>
    grid = np.linspace(-4.0, 4.0, 161)
    closed_form = sp.lambdify(<<MODULE>>.x, <<MODULE>>.<<CONSTANT>>, "numpy")
    assert_allclose(closed_form(grid), np.log1p(np.exp(grid)), rtol=1e-12)
'''),
    "rnn": Recipe("the recurrent term W_hh h_{t-1}", r'''
<<CONSTANT>> = W_HH * H_PREV
<<DOC>>


@definition("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    d.define(("<<CLAUSE>>", sp.MatrixSymbol("r_t", n, 1), <<CONSTANT>>))
''', r'''
def <<TEST>>():
    <<TEST_DOC>>
    rng = np.random.default_rng(0)
    W_hh, h_prev = rng.normal(size=(3, 3)), rng.normal(size=(3, 1))
    closed_form = lambdify_matrix([<<MODULE>>.W_HH, <<MODULE>>.H_PREV], <<MODULE>>.<<CONSTANT>>)
    assert_allclose(closed_form(W_hh, h_prev), W_hh @ h_prev, rtol=1e-12)
'''),
    "example": Recipe("the best-case factor γ^100", r'''
<<CONSTANT>> = sp.Symbol(r"\gamma", positive=True) ** STEPS
<<DOC>>


@definition("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    d.define(("<<CLAUSE>>", sp.Symbol("p"), <<CONSTANT>>))
''', r'''
def <<TEST>>():
    <<TEST_DOC>>
    (gamma,) = <<MODULE>>.<<CONSTANT>>.free_symbols
    assert_allclose(sp.lambdify(gamma, <<MODULE>>.<<CONSTANT>>)(0.9), 0.9 ** <<MODULE>>.STEPS, rtol=1e-12)
'''),
    "bounds": Recipe("the rate γλ₁", r'''
<<CONSTANT>> = GAMMA * LAMBDA_1
<<DOC>>


@definition("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    d.define(("<<CLAUSE>>", sp.Symbol("r"), <<CONSTANT>>))
''', r'''
def <<TEST>>():
    <<TEST_DOC>>
    closed_form = sp.lambdify((<<MODULE>>.GAMMA, <<MODULE>>.LAMBDA_1), <<MODULE>>.<<CONSTANT>>)
    assert_allclose(closed_form(0.25, 3.0), 0.75, rtol=1e-12)
'''),
    "remedies": Recipe("the clipping factor θ/‖g‖", r'''
<<CONSTANT>> = THRESHOLD / NORM
<<DOC>>


@definition("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    d.define(("<<CLAUSE>>", sp.Symbol("c"), <<CONSTANT>>))
''', r'''
def <<TEST>>():
    <<TEST_DOC>>
    closed_form = sp.lambdify((<<MODULE>>.THRESHOLD, <<MODULE>>.NORM), <<MODULE>>.<<CONSTANT>>)
    assert_allclose(closed_form(1.0, 4.0), 0.25, rtol=1e-12)
'''),
    "lstm": Recipe("the kept cell f_t ⊙ c_{t-1}", r'''
<<CONSTANT>> = hadamard(F, C_PREV)
<<DOC>>


@definition("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    d.define(("<<CLAUSE>>", sp.MatrixSymbol("k_{t}", n, 1), <<CONSTANT>>))
''', r'''
def <<TEST>>():
    <<TEST_DOC>>
    rng = np.random.default_rng(0)
    f, c_prev = rng.uniform(size=(3, 1)), rng.normal(size=(3, 1))
    closed_form = compile_sigmoid([<<MODULE>>.F, <<MODULE>>.C_PREV], <<MODULE>>.<<CONSTANT>>, 3)
    assert_allclose(closed_form(f, c_prev), f * c_prev, rtol=1e-12)
'''),
    "gru": Recipe("the kept state z_t ⊙ h_{t-1}", r'''
<<CONSTANT>> = hadamard(Z, H_PREV)
<<DOC>>


@definition("<<ID>>", title=<<TITLE>>)
def <<FUNCTION>>(d):
    d.define(("<<CLAUSE>>", sp.MatrixSymbol("k_{t}", n, 1), <<CONSTANT>>))
''', r'''
def <<TEST>>():
    <<TEST_DOC>>
    rng = np.random.default_rng(0)
    z, h_prev = rng.uniform(size=(3, 1)), rng.normal(size=(3, 1))
    closed_form = compile_sigmoid([<<MODULE>>.Z, <<MODULE>>.H_PREV], <<MODULE>>.<<CONSTANT>>, 3)
    assert_allclose(closed_form(z, h_prev), z * h_prev, rtol=1e-12)
'''),
}
"""The skeleton of a definition, per topic: one object built from the topic's objects, and its check against NumPy."""

MODULE_IMPORTS = {
    "sp": "import sympy as sp",
    "Instance": "from .instances import Instance",
    "Partial": "from .notation import Partial",
    "n": "from .gated import n",
    "derivation": "from .registry import derivation",
    "definition": "from .registry import definition",
}
"""How a topic module imports a name a skeleton uses, if it does not yet."""
TEST_IMPORTS = {
    "autograd": "import autograd",
    "anp": "import autograd.numpy as anp",
    "np": "import numpy as np",
    "pytest": "import pytest",
    "sp": "import sympy as sp",
    "assert_allclose": "from numpy.testing import assert_allclose",
    "lambdify_matrix": "from derivations.numeric import lambdify_matrix",
    "compile_sigmoid": "from derivations.gated import compile_sigmoid",
}
"""How a test module imports a name a skeleton's test uses, if it does not yet."""


# --- Checking the id ---

def topic_of(equation_id: str) -> str:
    """The topic of a new id, which must be well formed, unregistered, and name an existing topic module."""
    if not registry.ID_PATTERN.match(equation_id):
        raise ScaffoldError(f"{equation_id!r} is not an id: ids are lowercase, dotted, the topic first, such as "
                            "'rnn.input-jacobian' (letters, digits and hyphens)")
    existing = {entry.id: entry for entry in registry.entries()}
    if equation_id in existing:
        source = existing[equation_id].source
        raise ScaffoldError(f"{equation_id} already exists: {source['file']}:{source['line']}, "
                            f"function {source['function']}")
    topic = equation_id.split(".", 1)[0]
    if topic not in registry.TOPICS:
        shared = " (it is a module the topics share, not a topic)" if (registry.PACKAGE_DIR / f"{topic}.py").exists() else ""
        raise ScaffoldError(
            f"{equation_id}: no topic {topic!r}{shared}; an id starts with its topic, one of {', '.join(registry.TOPICS)}. "
            f"To add a topic: create derivations/{topic}.py (with a docstring) and tests/test_{topic}.py, add {topic!r} "
            f"to TOPICS in derivations/registry.py, and a skeleton recipe for it in derivations/scaffold.py")
    for path in (registry.PACKAGE_DIR / f"{topic}.py", ROOT / "tests" / f"test_{topic}.py"):
        if not path.is_file():
            raise ScaffoldError(f"{equation_id}: {path.relative_to(ROOT)} is missing; every topic pairs "
                                f"derivations/{topic}.py with tests/test_{topic}.py")
    return topic


def names_for(equation_id: str, definition: bool) -> dict[str, str]:
    """The Python names of a new id's skeleton: ``rnn.input-jacobian`` → ``input_jacobian_derivation``,
    ``INPUT_JACOBIAN``, ``test_input_jacobian_…``, clause ``input-jacobian``."""
    rest = equation_id.split(".", 1)[1]
    base = rest.replace(".", "_").replace("-", "_")
    if base[0].isdigit():
        base = f"eq_{base}"
    return {"FUNCTION": f"{base}_{'definition' if definition else 'derivation'}", "CONSTANT": base.upper(),
            "TEST": f"test_{base}_{'matches_numpy' if definition else 'matches_autograd'}",
            "CLAUSE": rest.rsplit(".", 1)[-1]}


# --- Editing source text ---

def _bound(tree: ast.Module) -> set[str]:
    """The names a module binds at its top level."""
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                names |= {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}
    return names


def _free(code: str) -> set[str]:
    """The names ``code`` reads but does not bind itself (nor are builtins)."""
    tree = ast.parse(code)
    bound = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and not isinstance(n.ctx, ast.Load)}
    bound |= {a.arg for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.Lambda)) for a in n.args.args}
    bound |= {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    read = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    return read - bound - set(dir(builtins))


def _with_imports(text: str, code: str, known: dict[str, str], where: str) -> str:
    """``text`` with the imports ``code`` needs and ``text`` lacks: a name is added to an existing
    ``from X import …`` of its module, or a line is added after the imports of its kind."""
    missing = sorted(_free(code) - _bound(ast.parse(text)))
    unknown = [name for name in missing if name not in known]
    if unknown:
        raise ScaffoldError(f"the skeleton uses {', '.join(unknown)}, which {where} does not define; "
                            "derivations/scaffold.py's recipe for this topic needs updating")
    for name in missing:
        text = _import(text, known[name])
    return text


def _import(text: str, statement: str) -> str:
    """``text`` with ``statement`` (``import a.b as c`` or ``from .m import name``) added."""
    tree, lines = ast.parse(text), text.splitlines(keepends=True)
    (new,) = ast.parse(statement).body
    imports = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    if isinstance(new, ast.ImportFrom):
        same = [node for node in imports if isinstance(node, ast.ImportFrom)
                and (node.module, node.level) == (new.module, new.level)]
        if same and not any(alias.asname for alias in new.names):
            node, name = same[-1], new.names[0].name
            last = lines[node.end_lineno - 1].rstrip("\n")
            closing = last.endswith(")")
            joined = last[:-1] + f", {name})" if closing else last + f", {name}"
            if len(joined) <= 120:
                lines[node.end_lineno - 1] = joined + "\n"
                return "".join(lines)
        kind = [node for node in imports if isinstance(node, ast.ImportFrom) and node.module != "__future__"]
    else:
        kind = [node for node in imports if isinstance(node, ast.Import)]
    after = max(node.end_lineno for node in (kind or imports))
    return "".join(lines[:after]) + statement + "\n" + "".join(lines[after:])


def _taken(text: str, names: list[str], where: str) -> None:
    clash = sorted(set(names) & _bound(ast.parse(text)))
    if clash:
        raise ScaffoldError(f"{where} already defines {', '.join(clash)}: choose another id (the names come from it)")


def _after_last_derivation(text: str, code: str) -> tuple[str, int]:
    """``text`` with ``code`` inserted after the last derivation or definition function; and the line
    (from 1) where ``code`` starts."""
    tree = ast.parse(text)
    ends = [node.end_lineno for node in tree.body if isinstance(node, ast.FunctionDef) and any(
        isinstance(d, ast.Call) and getattr(d.func, "id", "") in ("derivation", "definition") for d in node.decorator_list)]
    lines = text.splitlines(keepends=True)
    end = max(ends) if ends else len(lines)
    head = "".join(lines[:end])
    block = "\n\n" + code.strip("\n") + "\n"
    return head + block + "".join(lines[end:]), head.count("\n") + 3


def declare_uses(code: str, equation_id: str, package: Path = registry.PACKAGE_DIR) -> str:
    """``code`` with its decorator declaring the ids the skeleton uses (``uses=``), read from ``package``'s
    source with the skeleton already written into it, as the check on every load of the records reads them."""
    found = sorted(dependencies.uses(package).get(equation_id, {}))
    if not found:
        return code
    listed = ", ".join(map(_literal, found)) + ("," if len(found) == 1 else "")
    head, _, rest = code.partition("\n@")
    decorator, _, body = rest.partition("\n")  # one line, closing with ")"
    return f"{head}\n@{decorator.removesuffix(')')},\n            uses=({listed}))\n{body}"


def _offset(lines: list[str], line: int, column: int) -> int:
    """The character offset of an AST position (``column`` counts UTF-8 bytes)."""
    return sum(len(text) for text in lines[:line - 1]) + len(lines[line - 1].encode()[:column].decode())


def _literal(value) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return "None" if value is None else json.dumps(value, ensure_ascii=False)


def add_to_tables(text: str, equation_id: str, kind: str, topic_ids: dict[str, str], records: dict[str, dict],
                  new_record: dict) -> tuple[str, list[str], list[str]]:
    """Add ``equation_id`` to the literal tables of a test module that list the topic's ids.

    ``topic_ids`` maps the topic's ids (before the new one) to their kinds, ``records`` holds their
    records. A list equal to all of them, to their results or to their definitions gets the new id if
    it is of that kind; a dict keyed by exactly those ids gets it with the value that the new record
    has where every existing value equals the same field of its record (proof kinds, clause names).
    Returns the new text, what was added (``"IDS (line 21)"``) and tables it could not fill."""
    groups = [list(topic_ids), [i for i, k in topic_ids.items() if k == "result"],
              [i for i, k in topic_ids.items() if k == "definition"]]
    fields = {"proof kinds": lambda r: r["proof_kinds"], "clause names": lambda r: [c["name"] for c in r["clauses"]]}
    names = {}
    tree = ast.parse(text)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            names[id(node.value)] = node.targets[0].id
    edits, added, manual = [], [], []
    for node in ast.walk(tree):
        keys = (node.elts if isinstance(node, (ast.List, ast.Tuple)) else node.keys if isinstance(node, ast.Dict)
                else None)
        if not keys or not all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in keys):
            continue
        listed = [k.value for k in keys]
        group = next((g for g in groups if g and (listed == g if not isinstance(node, ast.Dict) else
                                                  sorted(listed) == sorted(g))), None)
        if group is None or (group is groups[1] and kind != "result") or (group is groups[2] and kind != "definition"):
            continue
        label = f"{names.get(id(node), 'a list')} (line {node.lineno})"
        if isinstance(node, ast.Dict):
            values = {k.value: ast.literal_eval(v) for k, v in zip(node.keys, node.values)}
            field = next((f for f, get in fields.items() if all(get(records[i]) == values[i] for i in values)), None)
            if field is None:
                manual.append(label)
                continue
            entry, last = f"{_literal(equation_id)}: {_literal(fields[field](new_record))}", node.values[-1]
            label += f", with its {field}"
        else:
            entry, last = _literal(equation_id), node.elts[-1]
        lines = text.splitlines()
        tail = lines[last.end_lineno - 1]
        fits = len(tail) + len(entry) + 2 <= 120
        key = keys[-1] if last.lineno != node.lineno else keys[0]
        indent = len(lines[key.lineno - 1].encode()[:key.col_offset].decode())
        separator = ", " if last.lineno == node.lineno and fits else ",\n" + " " * indent
        edits.append(((last.end_lineno, last.end_col_offset), separator + entry))
        added.append(label)
    lines = text.splitlines(keepends=True)
    for (line, column), insert in sorted(edits, reverse=True):
        at = _offset(lines, line, column)
        text = text[:at] + insert + text[at:]
        lines = text.splitlines(keepends=True)
    return text, added, manual


def _module_alias(text: str, topic: str) -> tuple[str, str | None]:
    """The name the test module knows ``derivations.<topic>`` by, and the import to add if it does not."""
    for node in ast.parse(text).body:
        if isinstance(node, ast.ImportFrom) and node.module == "derivations":
            for alias in node.names:
                if alias.name == topic:
                    return alias.asname or topic, None
    return topic, f"from derivations import {topic}"


# --- Running ---

def _run(argv: list[str]) -> subprocess.CompletedProcess:
    """Run ``argv`` in the project, with this project's ``derivations`` first on the path."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": path})


def _pytest(*args: str) -> list[str]:
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", *args]


RECORD = """import json, sys
from derivations import registry
from derivations.derivation import run
print(json.dumps(run(registry.lookup(sys.argv[1]))))
"""


class Files:
    """The files ``new`` changes, with their text before, so that a failure puts every one back."""

    def __init__(self):
        self.before: dict[Path, str | None] = {}

    def write(self, path: Path, text: str) -> None:
        self.keep(path)
        path.write_text(text, encoding="utf-8")

    def keep(self, path: Path) -> None:
        self.before.setdefault(path, path.read_text(encoding="utf-8") if path.exists() else None)

    def restore(self) -> None:
        for path, text in self.before.items():
            if text is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(text, encoding="utf-8")


def render(recipe: Recipe, equation_id: str, title: str, definition: bool, alias: str) -> tuple[str, str]:
    """The skeleton's code and its test, for a test module that knows the topic module as ``alias``."""
    check = "its value against NumPy" if definition else "its closed form against autograd"
    fill = {"DOC": _DEF_DOC if definition else _DOC, "TEST_DOC": _TEST_DOC, "WHAT": recipe.what, "CHECK": check,
            "ID": equation_id, "TITLE": _literal(title), "MODULE": alias, **names_for(equation_id, definition)}
    out = []
    for template in (recipe.code, recipe.test):
        for _ in range(2):  # the docstrings hold placeholders themselves
            for key, value in fill.items():
                template = template.replace(f"<<{key}>>", value)
        out.append(template)
    return out[0], out[1]


def create(equation_id: str, title: str | None = None, definition: bool = False) -> str:
    """Create the skeleton of ``equation_id`` with every registration; return what is left to do."""
    topic = topic_of(equation_id)
    kind = "definition" if definition else "result"
    recipe = (DEFINITIONS if definition else RESULTS)[topic]
    title = title or equation_id.split(".", 1)[1].replace("-", " ").replace(".", ", ").capitalize()
    names = names_for(equation_id, definition)
    module_path, test_path = registry.PACKAGE_DIR / f"{topic}.py", ROOT / "tests" / f"test_{topic}.py"
    module_text, test_text = module_path.read_text(encoding="utf-8"), test_path.read_text(encoding="utf-8")
    _taken(module_text, [names["FUNCTION"], names["CONSTANT"]], f"derivations/{topic}.py")
    _taken(test_text, [names["TEST"]], f"tests/test_{topic}.py")
    topic_ids = {entry.id: entry.kind for entry in registry.entries(topic)}
    records = {eid: cache.record(eid) for eid in topic_ids}

    alias, alias_import = _module_alias(test_text, topic)
    code, test = render(recipe, equation_id, title, definition, alias)
    new_module, line = _after_last_derivation(_with_imports(module_text, code, MODULE_IMPORTS, f"derivations/{topic}.py"),
                                              code)
    test_imports = dict(TEST_IMPORTS, **({alias: alias_import} if alias_import else {}))
    new_test = _with_imports(test_text, test, test_imports, f"tests/test_{topic}.py").rstrip("\n") + "\n\n\n" + \
        test.strip("\n") + "\n"

    files = Files()
    try:
        files.write(module_path, new_module)
        declared = declare_uses(code, equation_id)
        if declared != code:
            new_module, line = _after_last_derivation(
                _with_imports(module_text, declared, MODULE_IMPORTS, f"derivations/{topic}.py"), declared)
            files.write(module_path, new_module)
        files.write(test_path, new_test)
        done = _run([sys.executable, "-c", RECORD, equation_id])
        if done.returncode != 0:
            raise ScaffoldError(f"the skeleton of {equation_id} does not derive (a bug in derivations/scaffold.py's "
                                f"recipe for {topic}):\n{done.stdout}{done.stderr}")
        record = json.loads(done.stdout.strip().splitlines()[-1])
        tabled, added, manual = add_to_tables(new_test, equation_id, kind, topic_ids, records, record)
        files.write(test_path, tabled)
        test_line = next(min([f.lineno, *(d.lineno for d in f.decorator_list)]) for f in ast.parse(tabled).body
                         if isinstance(f, ast.FunctionDef) and f.name == names["TEST"])
        node = f"tests/test_{topic}.py::{names['TEST']}"
        done = _run(_pytest(node))
        if done.returncode != 0:
            raise ScaffoldError(f"the skeleton's test {node} fails:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        golden = ROOT / "tests" / "golden" / f"{equation_id}.tex"
        files.keep(golden)
        done = _run(_pytest(f"tests/test_notation.py::test_published_latex_is_pinned[{equation_id}]", "--update-golden"))
        if done.returncode != 0 or not golden.exists():
            raise ScaffoldError(f"could not write {golden.relative_to(ROOT)}:\n{done.stdout[-3000:]}{done.stderr[-2000:]}")
        tex = ROOT / "docs" / "downloads" / "derivations.tex"
        files.keep(tex)
        done = _run([sys.executable, "-m", "derivations", "tex", "--output", str(tex)])
        if done.returncode != 0:
            raise ScaffoldError(f"python -m derivations tex failed:\n{done.stdout}{done.stderr}")
    except BaseException:
        files.restore()
        raise
    return summary(equation_id, kind, title, topic, names, line, test_line, record, added, manual, recipe.what)


def _page(topic: str) -> str:
    """The page that places most of the topic's equations (docs/<page>.md)."""
    from . import published

    urls = Counter(url for eid, url in published.load()["equations"].items() if eid.split(".", 1)[0] == topic)
    url = urls.most_common(1)[0][0] if urls else "index/"
    return "index" if url in ("", "index/") else url.rstrip("/")


def _po(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def translation_step(number: int, texts: list[str], equation_id: str, topic: str) -> list[str]:
    """The step that asks for the Chinese of ``texts``: entries of the gettext catalogue."""
    from .translations import CATALOGUE

    out = [f"{number}. Translate into Simplified Chinese: add these entries to {CATALOGUE.relative_to(ROOT)} "
           "(any PO editor; `python -m derivations translations` adds them untranslated), each msgstr the "
           "Chinese, every $…$ kept as it is:"]
    for text in texts:
        out += ["", f"       #. {equation_id}", f"       #: derivations/{topic}.py", f"       msgid {_po(text)}",
                '       msgstr "…"']
    return out + [""]


def summary(equation_id: str, kind: str, title: str, topic: str, names: dict, line: int, test_line: int,
            record: dict, added: list[str], manual: list[str], what: str) -> str:
    """What ``new`` did and the steps left to the author, in order."""
    from .translations import ZH

    texts = [t for t in [record["title"], *(s["text"] for s in record["steps"])] if t not in ZH]
    page = _page(topic)
    steps = " steps" if kind == "result" else ""
    kinds = ", ".join(record["proof_kinds"]) or "none, a definition"
    out = [f"created {equation_id} ({kind}, {title!r}): a skeleton that {'defines' if kind == 'definition' else 'proves'} "
           f"{what}",
           f"  derivations/{topic}.py:{line}  {names['CONSTANT']} and {names['FUNCTION']}",
           f"  tests/test_{topic}.py:{test_line}  {names['TEST']}"
           + ("" if kind == "definition" else f', marked @pytest.mark.checks("{equation_id}")')]
    if added:
        out.append(f"  tests/test_{topic}.py  the id added to {'; '.join(added)}")
    out += [f"  tests/golden/{equation_id}.tex and docs/downloads/derivations.tex written",
            f"  checked: it derives (proof kinds: {kinds}) and {names['TEST']} passes; benchmarks/mutants.py "
            "generates its mutants by itself", "", "Left to do:"]
    number = 1
    if manual:
        out.append(f"{number}. In tests/test_{topic}.py, add {equation_id} to {'; '.join(manual)}: they list the "
                   "topic's ids, and new could not tell what value it takes.")
        number += 1
    out += translation_step(number, texts, equation_id, topic)
    out += [f"{number + 1}. Place it on a page, in both languages, where the reader needs it (the topic's equations "
            f"are on docs/{page}.md):",
            f"       docs/{page}.md:     ::: eq {equation_id}{steps}",
            f"       docs/{page}.zh.md:  ::: eq {equation_id}{steps} lang=zh",
            "   then record it as published:  python -m derivations published",
            f"{number + 2}. Replace the skeleton with your mathematics: {names['FUNCTION']} and {names['CONSTANT']} "
            f"(derivations/{topic}.py:{line}) and its check {names['TEST']} (tests/test_{topic}.py:{test_line}).",
            "   Then refresh what is generated from it, and translate the texts that changed (and remove the old ones):",
            f'       python -m pytest "tests/test_notation.py::test_published_latex_is_pinned[{equation_id}]" '
            "--update-golden",
            "       python -m derivations tex",
            f"{number + 3}. Check:  python -m derivations check {equation_id}",
            f"           python -m pytest tests/test_{topic}.py tests/test_i18n.py tests/test_published.py "
            "tests/test_notation.py tests/test_citing.py tests/test_panels.py tests/test_mutants.py",
            "           make serve   (the page shows it in English and in Chinese)"]
    return "\n".join(out)
