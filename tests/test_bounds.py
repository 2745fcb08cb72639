"""Norm bounds: the symbolic proofs, and the numeric span log-norms (``rnn.span_log_norms``) against
the proved bound, on random networks and on a counterexample above the threshold."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

import numeric_reference as ref
from derivations import activation as act
from derivations import bounds, registry, rnn
from derivations.derivation import run
from derivations.errors import ProofError
from derivations.notation import Norm, latex

IDS = ["bounds.step-norm", "bounds.span-norm", "bounds.pascanu-conditions", "bounds.linear-spectral-radius"]


@pytest.mark.parametrize("entry", registry.entries("bounds"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id
    assert record["proofs"] and record["equation"]


def test_norm_printer():
    assert latex(Norm(rnn.W_HH)) == r"\left\lVert W_{hh} \right\rVert_{2}"


def test_wrong_threshold_fails_naming_the_id(monkeypatch):
    monkeypatch.setitem(bounds.THRESHOLD, "sigmoid", sp.Integer(2))
    with pytest.raises(ProofError, match=r"^bounds\.pascanu-conditions: sigmoid: λ₁ threshold 1/γ = 2"):
        run(registry.lookup("bounds.pascanu-conditions"))


@pytest.mark.parametrize("seed", range(5))
def test_spectral_norm_is_submultiplicative(seed):
    rng = np.random.default_rng(seed)
    A, B = rng.normal(size=(2, 4, 4))
    assert np.linalg.norm(A @ B, 2) <= np.linalg.norm(A, 2) * np.linalg.norm(B, 2) * (1 + 1e-12)


@pytest.mark.parametrize(("activation", "n", "seed", "scale"), [
    pytest.param(a, n, seed, scale, id=f"{a}-n{n}-seed{seed}-gamma-lambda{scale}")
    for a, n, seed, scale in itertools.product(act.SUPREMUM, (1, 3, 6), (0, 1), (0.5, 1.0, 3.0))
])
def test_span_norms_obey_the_bound(activation, n, seed, scale):
    gamma = float(act.SUPREMUM[activation])
    p = ref.rescaled_rnn(seed, n, 2, 30, activation, scale / gamma)
    logs = rnn.span_log_norms(p["W_hh"], p["W_xh"], p["b_h"], p["h0"], p["xs"], activation)
    steps = np.arange(1, 31)
    assert np.all(logs <= steps * np.log(gamma * np.linalg.norm(p["W_hh"], 2)) + 1e-9), \
        "bounds.span-norm: a log norm exceeds k·log(γ‖W_hh‖₂)"


def test_counterexample_vanishes_above_the_threshold():
    example = bounds.counterexample()
    gamma = act.SUPREMUM[example["activation"]]
    assert np.linalg.norm(example["W_hh"], 2) > 1 / gamma
    logs = rnn.span_log_norms(**example)
    assert np.all(np.isfinite(logs)) and logs[-1] < -20

