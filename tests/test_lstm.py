"""LSTM Jacobians: the symbolic proofs, and the numeric API against an independent autograd
implementation and finite differences."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
import sympy as sp
from numpy.testing import assert_allclose
from sympy.matrices.expressions.diagonal import DiagMatrix

import derivations.lstm as lstm
import numeric_reference
import reference_gates as ref
from reference_gates import EXACT, FINITE_DIFFERENCE, PARAMETERS, numeric_cases
from derivations import registry
from derivations.derivation import run
from derivations.errors import ProofError
from derivations.gated import Evaluated, hadamard
from derivations.notation import Partial

PROOF_KINDS = {"lstm.model": [], "lstm.cell-path": ["symbolic", "explicit"],
               "lstm.original-cell-path": ["symbolic", "explicit"], "lstm.step-jacobian": ["symbolic", "explicit"]}
"""What each id rests on: the cell paths also for general n, the slopes σ' and tanh' symbolically."""


@pytest.mark.parametrize("entry", registry.entries("lstm"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id
    assert record["proofs"] or record["kind"] == "definition"
    assert all({"claim", "kind"} <= set(proof) <= {"claim", "kind", "instances"} for proof in record["proofs"])
    assert record["proof_kinds"] == PROOF_KINDS[entry.id]


def test_the_topic_publishes_its_ids():
    assert [e.id for e in registry.entries("lstm")] == ["lstm.model", "lstm.cell-path", "lstm.original-cell-path",
                                                         "lstm.step-jacobian"]
    assert "lstm" in registry.TOPICS


def test_the_model_names_its_clauses_and_reads_like_pytorch():
    record = run(registry.lookup("lstm.model"))
    assert record["kind"] == "definition" and record["title"] == "The LSTM cell (PyTorch's nn.LSTMCell)"
    clauses = {c["name"]: c["latex"] for c in record["clauses"]}
    assert list(clauses) == ["input-gate", "forget-gate", "candidate", "output-gate", "cell", "state"]
    assert clauses["input-gate"] == r"i_{t} = \sigma\left(W_{ii} x_{t} + b_{ii} + W_{hi} h_{t-1} + b_{hi}\right)"
    assert clauses["candidate"].startswith(r"g_{t} = \tanh")
    assert clauses["state"] == r"h_{t} = o_{t} \odot \tanh{\left(c_{t} \right)}"


def _fails(monkeypatch, equation_id, name, value, match):
    """Running ``equation_id`` with the module constant ``name`` changed fails naming the id."""
    monkeypatch.setattr(lstm, name, value)
    with pytest.raises(ProofError, match=rf"^{equation_id}: the displayed result, clause {match}"):
        run(registry.lookup(equation_id))


def test_a_wrong_cell_path_fails_naming_the_id(monkeypatch):
    _fails(monkeypatch, "lstm.cell-path", "CELL_PATH", DiagMatrix(lstm.I), r"1, .* does not hold at general n")


def test_a_wrong_open_gate_fails_naming_the_id(monkeypatch):
    half_open = Evaluated(Partial(lstm.C, lstm.C_PREV), sp.Rational(1, 2), lstm.F)
    _fails(monkeypatch, "lstm.cell-path", "OPEN_GATE", half_open, r"2, .* does not hold at explicit n = 1")


def test_the_original_cell_with_a_forget_gate_is_no_longer_the_identity(monkeypatch):
    _fails(monkeypatch, "lstm.original-cell-path", "ORIGINAL_CELL", lstm.CELL, r"1, .* does not hold at general n")


def test_a_wrong_block_fails_naming_the_id(monkeypatch):
    blocks = lstm.BLOCKS | {lstm.D_H_C: DiagMatrix(hadamard(lstm.O, lstm.TANH_C_PRIME))}
    _fails(monkeypatch, "lstm.step-jacobian", "BLOCKS", blocks, r"3, .* does not hold at explicit n = 1")


def test_the_block_symbols_stand_for_the_blocks_of_the_model(monkeypatch):
    swapped = sp.BlockMatrix([[lstm.D_H_H, lstm.D_C_H], [lstm.D_H_C, lstm.D_C_C]])
    _fails(monkeypatch, "lstm.step-jacobian", "STEP_JACOBIAN", swapped, r"1, .* does not hold at explicit n = 1")


def _state_step(p):
    """(h_{t-1}, c_{t-1}) ↦ (h_t, c_t) of the reference cell, with p's parameters and input."""
    n = len(p["h_prev"])
    return lambda s: ref.lstm_step(*(p[k] for k in PARAMETERS), s[:n], s[n:], p["x_t"])


@numeric_cases
def test_step_jacobian_matches_autograd(n, m, seed):
    p = ref.random_cell(seed, n, m, 4)
    state = np.concatenate([p["h_prev"], p["c_prev"]])
    jacobian = lstm.step_jacobian(**p)
    assert jacobian.shape == (2 * n, 2 * n)
    assert_allclose(jacobian, autograd.jacobian(_state_step(p))(state), **EXACT)


@numeric_cases
def test_step_jacobian_matches_finite_differences(n, m, seed):
    p = ref.random_cell(seed, n, m, 4)
    state = np.concatenate([p["h_prev"], p["c_prev"]])
    expected = numeric_reference.central_difference(_state_step(p), state)
    assert_allclose(lstm.step_jacobian(**p), expected, **FINITE_DIFFERENCE)


@pytest.mark.parametrize("seed", (0, 1))
def test_cell_block_is_the_forget_gate(seed):
    n = 3
    p = ref.random_cell(seed, n, 2, 4)
    gates = p["weight_ih"] @ p["x_t"] + p["bias_ih"] + p["weight_hh"] @ p["h_prev"] + p["bias_hh"]
    forget = 1 / (1 + np.exp(-gates[n:2 * n]))
    assert_allclose(lstm.step_jacobian(**p)[n:, n:], np.diag(forget), **EXACT)


def test_open_forget_gate_carries_the_cell_error_unchanged():
    n = 2
    p = ref.random_cell(0, n, 1, 4)
    p["bias_hh"][n:2 * n] = 1e3  # σ(a_f) rounds to 1: the constant error carousel
    assert_allclose(lstm.step_jacobian(**p)[n:, n:], np.eye(n), rtol=0, atol=0)


@pytest.mark.checks("lstm.original-cell-path")
@numeric_cases
def test_original_cell_path_is_the_identity_by_autograd(n, m, seed):
    """Hochreiter and Schmidhuber's cell, written here without a forget gate: c_t = c_{t-1} + i_t ⊙ g_t with
    PyTorch's other gates, differentiated by autograd in c_{t-1} with h_{t-1} held fixed."""
    import autograd.numpy as anp

    p = ref.random_cell(seed, n, m, 4)
    gates = p["weight_ih"] @ p["x_t"] + p["bias_ih"] + p["weight_hh"] @ p["h_prev"] + p["bias_hh"]
    i, g = 1 / (1 + np.exp(-gates[:n])), np.tanh(gates[2 * n:3 * n])
    cell = autograd.jacobian(lambda c: c + anp.multiply(i, g))(p["c_prev"])
    closed_form = np.eye(n)  # the displayed result: ∂c_t/∂c_{t-1} = I
    assert run(registry.lookup("lstm.original-cell-path"))["closed_form"] == "I"
    assert_allclose(cell, closed_form, rtol=0, atol=0)


@numeric_cases
def test_step_matches_the_reference_cell(n, m, seed):
    p = ref.random_cell(seed, n, m, 4)
    h_t, c_t = lstm.step(**p)
    assert h_t.shape == c_t.shape == (n,)
    expected = ref.lstm_step(*(p[k] for k in PARAMETERS), p["h_prev"], p["c_prev"], p["x_t"])
    assert_allclose(np.concatenate([h_t, c_t]), expected, **EXACT)


N, M = 3, 2
VALID = ref.random_cell(0, N, M, 4)
WRONG_SHAPES = {
    "weight_ih": [(4 * N + 1, M), (4 * N, M, 1)], "weight_hh": [(4 * N, N + 1), (4 * N,)],
    "bias_ih": [(4 * N + 1,), (4 * N, 1)], "bias_hh": [(4 * N - 1,), ()],
    "h_prev": [(N + 1,), (N, 1)], "c_prev": [(N - 1,), (1, N)], "x_t": [(M + 1,), (M, 1)],
}


@pytest.mark.parametrize(("name", "value"), list(ref.bad_inputs(VALID, WRONG_SHAPES)))
def test_bad_argument_is_named(name, value):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        lstm.step_jacobian(**(VALID | {name: value}))


@pytest.mark.parametrize(("name", "value"), list(ref.bad_inputs(VALID, WRONG_SHAPES)))
def test_bad_step_argument_is_named(name, value):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        lstm.step(**(VALID | {name: value}))
