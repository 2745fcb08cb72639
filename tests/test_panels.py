"""The proof panel's words are true: it names the kinds of proof each equation passed, and says an
equation is checked numerically only where a marked test compares it with an independent reference."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from derivations import cache, registry
from derivations.site.equations import KIND_LABELS, equation_html
from derivations.site.numeric_tests import marked

TESTS = sorted(Path(__file__).parent.glob("test_*.py"))
REFERENCE = re.compile(r"autograd|elementwise_grad|central_difference|central_jacobian")
"""What a numeric check must call: the autograd engine or central finite differences."""
RESULTS = [e for e in registry.entries() if e.kind == "result"]


def _marked_tests():
    for path in TESTS:
        for eid, functions in marked(f"tests/{path.name}").items():
            for function in functions:
                yield pytest.param(path.name, eid, function, id=f"{path.name}::{function.name}[{eid}]")


@pytest.mark.parametrize(("module", "equation_id", "function"), list(_marked_tests()))
def test_a_marked_test_compares_with_an_independent_reference(module, equation_id, function):
    called = {ast.unparse(node) for node in ast.walk(function) if isinstance(node, (ast.Name, ast.Attribute))}
    assert any(REFERENCE.search(name) for name in called), f"{function.name} calls neither autograd nor central differences"
    entry = registry.lookup(equation_id)
    assert entry.source["test"] == f"tests/{module}", f"{equation_id} is tested in {entry.source['test']}, not {module}"


@pytest.mark.parametrize("entry", RESULTS, ids=lambda e: e.id)
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_panel_names_the_kinds_and_says_numeric_only_when_marked(entry, lang):
    record = cache.record(entry.id)
    panel = equation_html(record, 1, False, lang)
    for kind in record["proof_kinds"]:
        assert KIND_LABELS[lang][kind] in panel
    numeric = entry.id in marked(entry.source["test"])
    assert ("autograd" in panel) == numeric, entry.id


def test_the_equations_checked_numerically():
    """The ids whose numeric form the suite compares with autograd or finite differences; a test that
    loses its mark (or a mark that moves to the wrong module) changes this list."""
    checked = {e.id for e in RESULTS if e.id in marked(e.source["test"])}
    assert {"rnn.step-jacobian", "rnn.span-jacobian", "rnn.hidden-gradient", "rnn.whh-gradient",
            "rnn.chain-rule", "activation.sigmoid-derivative", "activation.tanh-derivative"} <= checked


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_panel_names_the_works_a_result_comes_from(lang):
    from derivations.references import WORKS

    for entry in registry.entries():
        panel = equation_html(cache.record(entry.id), 1, False, lang)
        found = re.search(r'<p class="eq-cites">(.*?)</p>', panel)
        assert bool(found) == bool(entry.cites), entry.id
        for key in entry.cites:
            assert WORKS[key].short() in found[1], (entry.id, key)
            assert WORKS[key].address() is None or f'href="{WORKS[key].address()}"' in found[1]
