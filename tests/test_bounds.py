"""Norm bounds: every displayed relation proved by the engine, a changed display failing naming its id,
the definitions and published numbers, the numeric cases the proofs use, and the numeric span log-norms
(``rnn.span_log_norms``) against the proved bound, on random networks and on a counterexample above the
threshold."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import sympy as sp

import numeric_reference as ref
from derivations import activation as act
from derivations import bounds, lemmas, registry, rnn
from derivations.derivation import run
from derivations.errors import DerivationError, ProofError
from derivations.notation import AtMost, Chain, Juxtaposed, Norm, OrderedProduct, Power, latex

IDS = ["bounds.spectral-norm", "bounds.norm-facts", "bounds.step-norm", "bounds.span-norm", "bounds.pascanu-model",
       "bounds.pascanu-conditions", "bounds.linear-spectral-radius"]
PROOF_KINDS = {
    "bounds.norm-facts": ["lemma"],
    "bounds.step-norm": ["symbolic", "explicit", "lemma"],
    "bounds.span-norm": ["symbolic", "induction", "lemma"],
    "bounds.pascanu-conditions": ["symbolic", "explicit", "lemma", "numeric"],
    "bounds.linear-spectral-radius": ["symbolic", "induction", "explicit", "lemma"],
}
CLAUSE_NAMES = {
    "bounds.spectral-norm": ["definition", "singular"],
    "bounds.norm-facts": ["submultiplicative", "transpose", "operator", "diagonal", "radius"],
    "bounds.pascanu-model": ["step"],
    "bounds.pascanu-conditions": ["vanish", "explode"],
    "bounds.linear-spectral-radius": ["span", "limit", "radius", "non-normal"],
}


@pytest.fixture(scope="module")
def records():
    return {entry.id: run(entry) for entry in registry.entries("bounds")}


def test_the_topic_registers_its_ids_in_reading_order():
    entries = registry.entries("bounds")
    assert [e.id for e in entries] == IDS
    assert [e.id for e in entries if e.kind == "definition"] == ["bounds.spectral-norm", "bounds.pascanu-model"]


@pytest.mark.parametrize("equation_id", PROOF_KINDS)
def test_every_displayed_relation_is_proved(records, equation_id):
    record = records[equation_id]
    assert record["proof_kinds"] == PROOF_KINDS[equation_id]
    relations = sum(len(clause["parts"]) - 1 for clause in record["clauses"])
    proved = {p["claim"].split("$")[1] for p in record["proofs"] if p["claim"].startswith("as displayed, $")}
    assert len(proved) == relations and all(shown in record["equation"] for shown in proved)


@pytest.mark.parametrize("equation_id", CLAUSE_NAMES)
def test_clauses_are_named_for_the_pages(records, equation_id):
    assert [c["name"] for c in records[equation_id]["clauses"]] == CLAUSE_NAMES[equation_id]


def test_the_spectral_norm_is_defined_as_a_textbook_writes_it(records):
    record = records["bounds.spectral-norm"]
    clauses = {c["name"]: c["latex"] for c in record["clauses"]}
    norm = r"\left\lVert A \right\rVert_{2}"
    quotient = r"\frac{\left\lVert A v \right\rVert_{2}}{\left\lVert v \right\rVert_{2}}"
    assert clauses == {
        "definition": norm + r" = \max_{v \neq 0} " + quotient,
        "singular": norm + r" = \sigma_{\max}\left(A\right)",
    }
    assert record["kind"] == "definition" and record["proofs"] == []


def test_the_conditions_start_from_the_model_as_defined(records):
    (step,) = records["bounds.pascanu-model"]["clauses"]
    assert step["parts"] == [latex(bounds.PASCANU_STATE), latex(bounds.PASCANU_STEP)]
    assert step["latex"] == r"x_{t} = W_{rec} \sigma\left(x_{t-1}\right) + W_{in} u_{t} + b"
    assert records["bounds.pascanu-conditions"]["steps"][0]["latex"] == step["latex"]


def test_published_numbers_come_from_the_proofs(records):
    assert records["bounds.pascanu-conditions"]["numbers"] == {"sigmoid-threshold": "4", "tanh-threshold": "1"}
    numbers = records["bounds.linear-spectral-radius"]["numbers"]
    example = np.array(bounds.NON_NORMAL, dtype=float)
    assert numbers["non-normal-radius"] == latex(sp.nsimplify(np.max(np.abs(np.linalg.eigvals(example)))))
    assert numbers["non-normal-norm"] == f"{np.linalg.norm(example, 2):.3}"


def test_the_squeeze_and_lemmas_are_cited(records):
    claims = [p["claim"] for p in records["bounds.pascanu-conditions"]["proofs"] if p["kind"] == "lemma"]
    assert any("squeeze theorem with bounds.span-norm" in claim for claim in claims)
    assert any("Horn & Johnson" in p["claim"] for p in records["bounds.linear-spectral-radius"]["proofs"])
    step_norm = records["bounds.step-norm"]
    assert any(p["kind"] == "lemma" and lemmas.SUBMULTIPLICATIVE.statement in p["claim"] for p in step_norm["proofs"])
    assert not any("explicit $2 \\times 2$ product" in step["text"] for step in step_norm["steps"])


# --- A changed display fails naming its id ---

W, GAMMA, k, j, t = bounds.W_HH, bounds.GAMMA, bounds.k, bounds.j, bounds.t
SPAN_PRODUCT = Norm(Chain(bounds.J(t + k), bounds.J(t + k - 1), bounds.J(t + 1)))
MUTANTS = {
    "bounds.norm-facts": [
        ("NORM_FACTS", "submultiplicative",
         (Juxtaposed(Norm(bounds.A), Norm(bounds.B)), AtMost(Norm(bounds.A * bounds.B)))),  # ≤ reversed
        ("NORM_FACTS", "radius", (bounds.rho(bounds.A_SQUARE), Norm(bounds.A_SQUARE))),  # ≤ made =
    ],
    "bounds.step-norm": [
        ("STEP_NORM", None, (*bounds.STEP_NORM[:3], AtMost(Juxtaposed(GAMMA**2, Norm(W))))),  # γ² for γ
        ("STEP_NORM", None, (Norm(bounds.J(t)), Norm(W), *bounds.STEP_NORM[2:])),  # the diagonal dropped
    ],
    "bounds.span-norm": [
        ("SPAN_NORM", None, (*bounds.SPAN_NORM[:3], AtMost(Power(Juxtaposed(GAMMA, Norm(W)), k + 1)))),  # k → k+1
        ("SPAN_NORM", None, (*bounds.SPAN_NORM[:2], AtMost(OrderedProduct(Norm(bounds.J(t + k - j)), j, 1, k - 1)),
                             bounds.SPAN_NORM[3])),  # a factor missing from the product
    ],
    "bounds.pascanu-conditions": [
        ("PASCANU_LIMITS", "explode", (bounds.PASCANU_LIMITS["explode"][0], sp.Piecewise(
            (0, bounds.RATE < 1), (0, sp.Eq(bounds.RATE, 1)), (sp.oo, bounds.RATE > 1)))),  # 1 → 0 on the threshold
        ("PASCANU_LIMITS", "explode", (bounds.PASCANU_LIMITS["explode"][0], sp.Piecewise(
            (0, bounds.RATE < 1), (1, sp.Eq(bounds.RATE, 1)), (0, bounds.RATE > 1)))),  # ∞ → 0 above it
        ("PASCANU_LIMITS", "vanish", (bounds.PASCANU_LIMITS["vanish"][0], sp.Piecewise((1, bounds.RATE < 1)))),
    ],
    "bounds.linear-spectral-radius": [
        ("LINEAR", "span", (bounds.LINEAR["span"][0], sp.MatPow(W, k + 1))),
        ("LINEAR", "radius", (bounds.LAMBDA_1, AtMost(bounds.MAX_ABS_MU))),  # λ₁ ≤ ρ
        ("LINEAR", "non-normal", (bounds.LINEAR["non-normal"][0], Juxtaposed(
            sp.Integer(2) ** -bounds.K_EXAMPLE, sp.ImmutableMatrix([[1, 10 * bounds.K_EXAMPLE], [0, 1]])))),
        ("LINEAR", "limit", (sp.Limit(Norm(sp.MatPow(W, k + 1)), k, sp.oo), bounds.LINEAR["limit"][1])),
    ],
}


@pytest.mark.parametrize(("equation_id", "constant", "clause", "shown"), [
    pytest.param(equation_id, *mutant, id=f"{equation_id}-{index}")
    for equation_id, mutants in MUTANTS.items() for index, mutant in enumerate(mutants)
])
def test_a_changed_display_fails_naming_the_id(monkeypatch, equation_id, constant, clause, shown):
    if clause is None:
        monkeypatch.setattr(bounds, constant, shown)
    else:
        monkeypatch.setitem(getattr(bounds, constant), clause, shown)
    with pytest.raises(DerivationError, match=rf"^{equation_id}: "):
        run(registry.lookup(equation_id))


def test_wrong_threshold_fails_naming_the_id(monkeypatch):
    monkeypatch.setitem(bounds.THRESHOLD, "sigmoid", sp.Integer(2))
    with pytest.raises(ProofError, match=r"^bounds\.pascanu-conditions: sigmoid: λ₁ threshold 1/γ = 2"):
        run(registry.lookup("bounds.pascanu-conditions"))


# --- The numeric cases are what their labels say ---

def test_networks_cover_both_activations_every_regime_size_and_span():
    networks = bounds.networks()
    labels = {(net.activation, net.label.split(", ")[1]) for net in networks}
    assert labels == set(itertools.product(bounds.ACTIVATIONS, bounds.REGIMES))
    assert {len(net.h0) for net in networks} == set(range(1, 6))
    assert {len(net.xs) for net in networks} == set(range(1, 7))


@pytest.mark.parametrize("activation", bounds.ACTIVATIONS)
def test_regimes_put_the_slopes_where_their_names_say(activation):
    gamma = float(act.SUPREMUM[activation])
    for regime in bounds.REGIMES:
        net = bounds.network(activation, regime, 3, 4, seed=7)
        states, _ = net.unrolled()
        for J in net.step_jacobians(states):  # J = diag(σ'(z)) W_hh
            if regime == "saturated":
                assert np.all(np.abs(J) <= 1e-20 * np.abs(net.W_hh)), regime
            elif regime == "tiny slopes":
                assert np.any(J != 0) and np.all(np.abs(J) <= 1e-8 * np.abs(net.W_hh)), regime
            elif regime.endswith("at the bound"):
                assert np.allclose(J, gamma * net.W_hh, rtol=1e-12, atol=0), regime
    assert np.isclose(np.linalg.norm(bounds.network(activation, "W_hh × 1e6", 3, 1, seed=0).W_hh, 2), 1e6)
    assert np.isclose(np.linalg.norm(bounds.network(activation, "W_hh × 1e-6", 3, 1, seed=0).W_hh, 2), 1e-6)


@pytest.mark.parametrize("activation", bounds.ACTIVATIONS)
def test_the_complex_step_span_is_the_numeric_api_span(activation):
    net = bounds.network(activation, "random", 4, 6, seed=3)
    _, span = net.unrolled()
    expected = rnn.span_jacobian(net.W_hh, net.W_xh, net.b_h, net.h0, net.xs, activation)
    assert np.allclose(span, expected, rtol=1e-12, atol=1e-14)


# --- The numeric API against the proved bound ---

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
