"""GRU Jacobians: the symbolic proofs, and the numeric API against an independent autograd
implementation and finite differences."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
from numpy.testing import assert_allclose
from sympy.matrices.expressions.diagonal import DiagMatrix

import derivations.gru as gru
import numeric_reference
import reference_gates as ref
from reference_gates import EXACT, FINITE_DIFFERENCE, PARAMETERS, numeric_cases
from derivations import registry
from derivations.derivation import run
from derivations.errors import ProofError
from derivations.gated import one_minus

PROOF_KINDS = {"gru.model": [], "gru.direct-path": ["explicit"], "gru.step-jacobian": ["symbolic", "explicit"]}
"""What each id rests on: explicit sizes, and for the step Jacobian the slopes σ' and tanh' symbolically."""


def _cell(seed, n, m):
    p = ref.random_cell(seed, n, m, 3)
    del p["c_prev"]
    return p


@pytest.mark.parametrize("entry", registry.entries("gru"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id
    assert record["proofs"] or record["kind"] == "definition"
    assert all({"claim", "kind"} <= set(proof) <= {"claim", "kind", "instances"} for proof in record["proofs"])
    assert record["proof_kinds"] == PROOF_KINDS[entry.id]


def test_the_topic_publishes_its_ids():
    assert [e.id for e in registry.entries("gru")] == ["gru.model", "gru.direct-path", "gru.step-jacobian"]
    assert "gru" in registry.TOPICS


def test_the_model_names_its_clauses_and_reads_like_pytorch():
    record = run(registry.lookup("gru.model"))
    assert record["kind"] == "definition" and record["title"] == "The GRU cell (PyTorch's nn.GRUCell)"
    clauses = {c["name"]: c["latex"] for c in record["clauses"]}
    assert list(clauses) == ["reset-gate", "update-gate", "candidate", "state"]
    assert clauses["update-gate"] == r"z_{t} = \sigma\left(W_{iz} x_{t} + b_{iz} + W_{hz} h_{t-1} + b_{hz}\right)"
    assert r"b_{in} + r_{t} \odot \left(W_{hn} h_{t-1} + b_{hn}\right)" in clauses["candidate"]
    assert clauses["state"] == r"h_{t} = \left(1 - z_{t}\right) \odot n_{t} + z_{t} \odot h_{t-1}"


def test_the_direct_path_shows_the_cut_weights():
    record = run(registry.lookup("gru.direct-path"))
    assert record["equation"].startswith(r"\left.\frac{\partial h_{t}}{\partial h_{t-1}}\right|_{W_{hr} = W_{hz} = "
                                         r"W_{hn} = 0} = \left.\operatorname{diag}\big(z_{t}\big)\right|")


def _fails(monkeypatch, equation_id, name, value, where):
    """Running ``equation_id`` with the module constant ``name`` changed fails naming the id."""
    monkeypatch.setattr(gru, name, value)
    with pytest.raises(ProofError, match=rf"^{equation_id}: the displayed result, clause 1, .* does not hold at {where}"):
        run(registry.lookup(equation_id))


def test_the_direct_path_differentiates_the_update_gate(monkeypatch):
    """Left uncut, W_hz brings in the update gate's own term: z_t is not held fixed."""
    _fails(monkeypatch, "gru.direct-path", "CUT", (gru.W_H["r"], gru.W_H["n"]), "explicit n = 1")


def test_a_wrong_direct_path_fails_naming_the_id(monkeypatch):
    _fails(monkeypatch, "gru.direct-path", "DIRECT_PATH", DiagMatrix(one_minus(gru.Z)), "explicit n = 1")


def test_a_wrong_step_jacobian_fails_naming_the_id(monkeypatch):
    transposed = gru.STEP_JACOBIAN.xreplace({gru.W_H["z"]: gru.W_H["z"].T})
    _fails(monkeypatch, "gru.step-jacobian", "STEP_JACOBIAN", transposed, "explicit n = 2")


def _state_step(p):
    """h_{t-1} ↦ h_t of the reference cell, with p's parameters and input."""
    return lambda h: ref.gru_step(*(p[k] for k in PARAMETERS), h, p["x_t"])


@numeric_cases
def test_step_jacobian_matches_autograd(n, m, seed):
    p = _cell(seed, n, m)
    jacobian = gru.step_jacobian(**p)
    assert jacobian.shape == (n, n)
    assert_allclose(jacobian, autograd.jacobian(_state_step(p))(p["h_prev"]), **EXACT)


@numeric_cases
def test_step_jacobian_matches_finite_differences(n, m, seed):
    p = _cell(seed, n, m)
    expected = numeric_reference.central_difference(_state_step(p), p["h_prev"])
    assert_allclose(gru.step_jacobian(**p), expected, **FINITE_DIFFERENCE)


@pytest.mark.parametrize("seed", (0, 1))
def test_without_recurrent_weights_only_the_direct_path_remains(seed):
    n = 3
    p = _cell(seed, n, 2)
    p["weight_hh"] = np.zeros((3 * n, n))
    pre_z = p["weight_ih"][n:2 * n] @ p["x_t"] + p["bias_ih"][n:2 * n] + p["bias_hh"][n:2 * n]
    assert_allclose(gru.step_jacobian(**p), np.diag(1 / (1 + np.exp(-pre_z))), **EXACT)


@numeric_cases
def test_step_matches_the_reference_cell(n, m, seed):
    p = _cell(seed, n, m)
    h_t = gru.step(**p)
    assert h_t.shape == (n,)
    assert_allclose(h_t, _state_step(p)(p["h_prev"]), **EXACT)


N, M = 3, 2
VALID = _cell(0, N, M)
WRONG_SHAPES = {
    "weight_ih": [(3 * N + 1, M), (3 * N, M, 1)], "weight_hh": [(3 * N, N + 1), (3 * N,)],
    "bias_ih": [(3 * N + 1,), (3 * N, 1)], "bias_hh": [(3 * N - 1,), ()],
    "h_prev": [(N + 1,), (N, 1)], "x_t": [(M + 1,), (M, 1)],
}


@pytest.mark.parametrize(("name", "value"), list(ref.bad_inputs(VALID, WRONG_SHAPES)))
def test_bad_argument_is_named(name, value):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        gru.step_jacobian(**(VALID | {name: value}))


@pytest.mark.parametrize(("name", "value"), list(ref.bad_inputs(VALID, WRONG_SHAPES)))
def test_bad_step_argument_is_named(name, value):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        gru.step(**(VALID | {name: value}))
