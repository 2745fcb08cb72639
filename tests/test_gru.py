"""GRU Jacobians: the symbolic proofs, and the numeric API against an independent autograd
implementation and finite differences."""

from __future__ import annotations

import autograd
import numpy as np
import pytest
from numpy.testing import assert_allclose

import derivations.gru as gru
import numeric_reference
import reference_gates as ref
from reference_gates import EXACT, FINITE_DIFFERENCE, PARAMETERS, numeric_cases
from derivations import registry
from derivations.derivation import run



def _cell(seed, n, m):
    p = ref.random_cell(seed, n, m, 3)
    del p["c_prev"]
    return p


@pytest.mark.parametrize("entry", registry.entries("gru"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id
    assert record["proofs"]


def test_the_topic_publishes_its_ids():
    assert [e.id for e in registry.entries("gru")] == ["gru.direct-path", "gru.step-jacobian"]
    assert "gru" in registry.TOPICS


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
