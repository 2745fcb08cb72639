"""``python -m derivations new``: ids are checked naming the culprit, every topic's skeleton derives and
its test passes, the id tables of a test module follow, and the command leaves a project whose tests of
the new id pass, or, when something fails, the project as it was."""

from __future__ import annotations

import ast
import importlib
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from derivations import dependencies, registry, scaffold
from derivations.derivation import Derivation
from derivations.registry import Entry

ROOT = Path(__file__).resolve().parents[1]
SKELETONS = [pytest.param(topic, definition, id=f"{topic}-{'definition' if definition else 'result'}")
             for topic in registry.TOPICS for definition in (False, True)]


# --- The id ---

@pytest.mark.parametrize(("equation_id", "message"), [
    ("RNN.Input", r"'RNN.Input' is not an id: ids are lowercase, dotted"),
    ("rnn", r"'rnn' is not an id"),
    ("rnn.step-jacobian", r"rnn.step-jacobian already exists: derivations/rnn.py:\d+, function step_jacobian_derivation"),
    ("gated.update", r"no topic 'gated' \(it is a module the topics share, not a topic\)"),
    ("attention.score", r"no topic 'attention'; .* To add a topic: create derivations/attention.py .* add 'attention' "
                        r"to TOPICS in derivations/registry.py"),
])
def test_an_id_new_cannot_create_is_refused_naming_why(equation_id, message):
    with pytest.raises(scaffold.ScaffoldError, match=message):
        scaffold.topic_of(equation_id)


def test_the_names_come_from_the_id():
    assert scaffold.names_for("rnn.input-jacobian", False) == {
        "FUNCTION": "input_jacobian_derivation", "CONSTANT": "INPUT_JACOBIAN",
        "TEST": "test_input_jacobian_matches_autograd", "CLAUSE": "input-jacobian"}
    assert scaffold.names_for("gru.2-step", True)["FUNCTION"] == "eq_2_step_definition"


def test_names_already_taken_are_refused():
    with pytest.raises(scaffold.ScaffoldError, match="derivations/rnn.py already defines STEP_JACOBIAN: choose"):
        scaffold._taken((ROOT / "derivations" / "rnn.py").read_text(encoding="utf-8"), ["STEP_JACOBIAN"],
                        "derivations/rnn.py")


# --- Every skeleton derives, and its test passes ---

def test_every_topic_has_a_result_and_a_definition_skeleton():
    assert set(scaffold.RESULTS) == set(scaffold.DEFINITIONS) == set(registry.TOPICS)


def _namespace(text: str, code: str, known: dict[str, str], base: dict) -> dict:
    """``base`` plus the imports ``code`` needs beyond what ``text`` has, executed."""
    namespace = dict(base)
    missing = scaffold._free(code) - scaffold._bound(ast.parse(text)) - set(base)
    for name in missing:
        exec(known[name], namespace)  # noqa: S102 - the scaffold's own import lines
    return namespace


@pytest.mark.parametrize(("topic", "definition"), SKELETONS)
def test_every_skeleton_derives_and_its_test_passes(topic, definition):
    """Render the skeleton as ``new`` would, derive it in its module's namespace (registering nothing), and
    run its test; the lines stay within 120 characters and the module still parses with it."""
    equation_id = f"{topic}.skeleton-probe"
    recipe = (scaffold.DEFINITIONS if definition else scaffold.RESULTS)[topic]
    names = scaffold.names_for(equation_id, definition)
    code, test = scaffold.render(recipe, equation_id, "A probe", definition, "module")
    module = importlib.import_module(f"derivations.{topic}")
    text = Path(module.__file__).read_text(encoding="utf-8")
    ast.parse(scaffold._after_last_derivation(scaffold._with_imports(text, code, scaffold.MODULE_IMPORTS, topic), code)[0])
    assert [line for line in (code + test).splitlines() if len(line) > 120] == []

    namespace = _namespace(text, code, scaffold.MODULE_IMPORTS, vars(module))
    namespace["derivation"] = namespace["definition"] = lambda *args, **kwargs: (lambda function: function)
    exec(compile(code, f"<skeleton of {topic}>", "exec"), namespace)  # noqa: S102
    entry = Entry(equation_id, "A probe", namespace[names["FUNCTION"]], "definition" if definition else "result")
    d = Derivation(entry)
    entry.function(d)
    assert d.equation and (definition or d.proofs)

    tests = _namespace("", test, scaffold.TEST_IMPORTS, {"module": types.SimpleNamespace(**namespace)})
    exec(compile(test, f"<skeleton test of {topic}>", "exec"), tests)  # noqa: S102
    tests[names["TEST"]]()
    assert ("@pytest.mark.checks" in test) is not definition


# --- Editing the test module and the imports ---

TABLES = '''\
IDS = ["x.a", "x.b"]
PROOF_KINDS = {"x.a": [], "x.b": ["symbolic"]}
CLAUSES = {
    "x.a": ["m"],
    "x.b": [None],
}
OTHER = {"x.a": 1, "x.b": 2}
DEFINITIONS = ["x.a"]


def test_ids():
    assert [e.id for e in entries("x")] == ["x.a",
                                            "x.b"]
'''
RECORDS = {"x.a": {"proof_kinds": [], "clauses": [{"name": "m"}]},
           "x.b": {"proof_kinds": ["symbolic"], "clauses": [{"name": None}]}}


def test_the_tables_that_list_the_topics_ids_get_the_new_one():
    new = {"proof_kinds": ["explicit"], "clauses": [{"name": None}, {"name": "c"}]}
    text, added, manual = scaffold.add_to_tables(TABLES, "x.c", "result", {"x.a": "definition", "x.b": "result"},
                                                 RECORDS, new)
    assert text == TABLES.replace('IDS = ["x.a", "x.b"]', 'IDS = ["x.a", "x.b", "x.c"]').replace(
        '"x.b": ["symbolic"]}', '"x.b": ["symbolic"], "x.c": ["explicit"]}').replace(
        '    "x.b": [None],\n', '    "x.b": [None],\n    "x.c": [None, "c"],\n').replace(
        '                                            "x.b"]', '                                            "x.b",\n'
        '                                            "x.c"]')
    assert added == ["IDS (line 1)", "PROOF_KINDS (line 2), with its proof kinds", "CLAUSES (line 3), with its "
                     "clause names", "a list (line 12)"]
    assert manual == ["OTHER (line 7)"]


def test_a_new_definition_joins_the_list_of_definitions():
    text, added, _ = scaffold.add_to_tables(TABLES, "x.d", "definition", {"x.a": "definition", "x.b": "result"},
                                            RECORDS, {"proof_kinds": [], "clauses": [{"name": "d"}]})
    assert 'DEFINITIONS = ["x.a", "x.d"]' in text and "DEFINITIONS (line 8)" in added


def test_a_long_table_line_is_broken_at_its_first_key():
    text = 'KINDS = {"x.a": ["symbolic", "explicit", "lemma"], "x.b": ["symbolic", "induction", "explicit", "lemma"]}\n'
    records = {"x.a": {"proof_kinds": ["symbolic", "explicit", "lemma"]},
               "x.b": {"proof_kinds": ["symbolic", "induction", "explicit", "lemma"]}}
    out, _, _ = scaffold.add_to_tables(text, "x.c", "result", {"x.a": "result", "x.b": "result"}, records,
                                       {"proof_kinds": ["numeric"]})
    assert out == text[:-2] + ',\n         "x.c": ["numeric"]}\n'


def test_imports_join_their_module_or_their_kind():
    text = ("import numpy as np\nimport pytest\n\nfrom .gated import (H_PREV, TANH,\n                    stacked)\n"
            "from .rnn import SIGMA_PRIME\n\nX = 1\n")
    assert scaffold._import(text, "from .gated import n") == text.replace("stacked)", "stacked, n)")
    assert scaffold._import(text, "import autograd") == text.replace("import pytest\n", "import pytest\nimport autograd\n")
    assert scaffold._import(text, "from .notation import Partial") == text.replace(
        "from .rnn import SIGMA_PRIME\n", "from .rnn import SIGMA_PRIME\nfrom .notation import Partial\n")


def test_a_name_no_import_provides_is_a_recipe_bug_named_as_such():
    with pytest.raises(scaffold.ScaffoldError, match="the skeleton uses UNKNOWN_OBJECT, which derivations/rnn.py "
                                                     "does not define; derivations/scaffold.py's recipe"):
        scaffold._with_imports("import sympy as sp\n", "X = UNKNOWN_OBJECT\n", scaffold.MODULE_IMPORTS,
                               "derivations/rnn.py")


# --- The whole command, in a copy of the project ---

PARTS = ("derivations", "tests", "docs", "benchmarks", "pyproject.toml", "mkdocs.yml", ".cache")


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the parts of the project that ``new`` and the tests of one topic use."""
    for part in PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__", "katex"))
        elif source.exists():
            shutil.copy2(source, tmp_path / part)
    return tmp_path


def _run(project: Path, *argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(project), "DERIVATIONS_CACHE": str(project / ".cache" / "derivations")}
    return subprocess.run([sys.executable, *argv], cwd=project, capture_output=True, text=True, env=env, timeout=900)


def test_new_writes_a_skeleton_whose_tests_pass_at_once(project):
    done = _run(project, "-m", "derivations", "new", "example.factor-slope", "--title", "Slope of the best-case factor")
    assert done.returncode == 0, done.stdout + done.stderr
    for expected in ("created example.factor-slope (result", "tests/golden/example.factor-slope.tex",
                     "Left to do:", "::: eq example.factor-slope steps lang=zh", "python -m derivations published",
                     '"Slope of the best-case factor"'):
        assert expected in done.stdout
    assert "def factor_slope_derivation(d):" in (project / "derivations" / "example.py").read_text(encoding="utf-8")
    assert (project / "tests" / "golden" / "example.factor-slope.tex").is_file()
    assert "{example.factor-slope}" in (project / "docs" / "downloads" / "derivations.tex").read_text(encoding="utf-8")
    tests = _run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist", "tests/test_example.py",
                 "tests/test_notation.py::test_published_latex_is_pinned[example.factor-slope]",
                 "tests/test_notation.py::test_golden_files_all_belong_to_registered_ids",
                 "tests/test_citing.py::test_derivations_tex_is_up_to_date",
                 "tests/test_panels.py::test_a_marked_test_compares_with_an_independent_reference",
                 "tests/test_mutants.py::test_every_registered_id_has_at_least_the_minimum_and_no_unregistered_id_is_declared")
    assert tests.returncode == 0, tests.stdout[-4000:]


def test_a_skeleton_that_fails_leaves_the_project_as_it_was(project):
    files = [project / "derivations" / "example.py", project / "tests" / "test_example.py",
             project / "docs" / "downloads" / "derivations.tex"]
    before = [path.read_text(encoding="utf-8") for path in files]
    broken = ("import sys\nfrom derivations import __main__, scaffold\n"
              "scaffold.RESULTS['example'] = scaffold.Recipe('nothing', '''\n"
              "@derivation(\"<<ID>>\", title=<<TITLE>>)\ndef <<FUNCTION>>(d):\n"
              "    d.result((sp.Integer(1), sp.Integer(2)), at=(Instance('one', 'symbolic'),))\n''', '''\n"
              "def <<TEST>>():\n    pass\n''')\n"
              "sys.exit(__main__.main(['new', 'example.broken']))\n")
    done = _run(project, "-c", broken)
    assert done.returncode == 2
    assert "error: the skeleton of example.broken does not derive" in done.stderr
    assert "example.broken: the displayed result, clause 1, $1 = 2$ does not hold" in done.stderr
    assert [path.read_text(encoding="utf-8") for path in files] == before
    assert not (project / "tests" / "golden" / "example.broken.tex").exists()


@pytest.mark.parametrize("definition", [False, True], ids=["result", "definition"])
@pytest.mark.parametrize("topic", sorted(scaffold.RESULTS))
def test_every_skeleton_declares_the_ids_it_uses(tmp_path, topic, definition):
    """``new`` declares in ``uses=`` what the skeleton uses, read from the source with the skeleton written in,
    so that the check on every load of the records (``dependencies.undeclared``) finds nothing to add or remove."""
    package = tmp_path / "derivations"
    shutil.copytree(ROOT / "derivations", package, ignore=shutil.ignore_patterns("__pycache__"))
    equation_id = f"{topic}.skeleton-probe"
    code, _ = scaffold.render((scaffold.DEFINITIONS if definition else scaffold.RESULTS)[topic], equation_id,
                              "A probe", definition, "module")
    module = package / f"{topic}.py"
    text = module.read_text(encoding="utf-8")

    def write(skeleton: str) -> None:
        module.write_text(scaffold._after_last_derivation(
            scaffold._with_imports(text, skeleton, scaffold.MODULE_IMPORTS, topic), skeleton)[0], encoding="utf-8")

    write(code)
    declared = scaffold.declare_uses(code, equation_id, package)
    write(declared)
    assert [problem for problem in dependencies.undeclared(package) if equation_id in problem] == []
    assert all(len(line) <= 120 for line in declared.splitlines())
