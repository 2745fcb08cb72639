"""Every notebook of the site, executed as the build executes it (sharing its cache), with its headline
numbers checked against theory, so that neither a figure nor the prose beside it can drift.

Each notebook ends with a ``plotting.headline`` table; the prose of the notebook states what the table
shows, and these tests are the statements, with explicit tolerances.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from conftest import ROOT
from derivations.experiments import adding, plotting
from derivations.experiments.gradient_norms import GAMMA
from derivations.site import notebooks

NOTEBOOKS = sorted((ROOT / "docs" / "experiments").glob("*.ipynb"))


def executed(name: str):
    return notebooks.executed(ROOT / "docs" / "experiments" / f"{name}.ipynb", f"experiments/{name}.ipynb")


def headline(name: str) -> dict[str, float]:
    """The headline numbers of notebook ``name`` (its last table)."""
    found = [out["data"][plotting.HEADLINE] for cell in executed(name).cells if cell.cell_type == "code"
             for out in cell.outputs if plotting.HEADLINE in out.get("data", {})]
    assert len(found) == 1, f"{name}: expected one headline table, found {len(found)}"
    return found[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_runs_and_shows_figures_without_errors(path):
    nb = executed(path.stem)
    outputs = [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]
    assert not [out for out in outputs if out.output_type == "error"]
    assert not [out for out in outputs if out.output_type == "stream" and out.name == "stderr"], \
        f"{path.name} writes warnings to stderr"
    figures = [out["data"]["image/svg+xml"] for out in outputs if "image/svg+xml" in out.get("data", {})]
    assert len(figures) >= 2, f"{path.name}: expected SVG figures"
    for svg in figures:
        assert "<dc:date>" not in svg, "figures must not carry a date: builds must be reproducible"


def test_the_notebooks_are_all_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert NOTEBOOKS and all(f"experiments/{p.name}" in nav for p in NOTEBOOKS)


# --- Gradient norms over time --------------------------------------------------------------------

@pytest.fixture(scope="module")
def norms():
    return headline("gradient-norms")


FACTORS = (0.5, 1.0, 1.5)


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("activation", sorted(GAMMA))
def test_every_measured_curve_stays_under_the_bound(norms, activation, factor):
    """``bounds.span-norm``: ‖∂h_T/∂h_t‖ ≤ (γλ₁)^k at every k, hence also the fitted slope ≤ log(γλ₁)."""
    label = f"{activation}, λ₁ = {factor:g}/γ"
    assert norms[f"{label}: largest excess over the bound (log10)"] <= 1e-9
    assert norms[f"{label}: measured slope (log per step)"] <= math.log(factor) + 1e-9


@pytest.mark.parametrize("activation", ["sigmoid", "tanh"])
def test_saturating_activations_vanish_even_above_one_over_gamma(norms, activation):
    assert norms[f"{activation}, λ₁ = 1.5/γ: measured slope (log per step)"] < -0.05


def test_relu_grows_above_one_over_gamma_but_slower_than_the_bound(norms):
    assert 0.05 < norms["relu, λ₁ = 1.5/γ: measured slope (log per step)"] < math.log(1.5)


def test_the_bound_is_tight_in_the_linear_range(norms):
    assert norms["tanh, tiny inputs, λ₁ = 0.9: measured slope"] == pytest.approx(math.log(0.9), abs=1e-4)


def test_log_space_keeps_norms_that_float64_cannot_hold(norms):
    value = norms["sigmoid, λ₁ = 0.5/γ: log10 norm at k = 1000"]
    assert math.isfinite(value) and value < math.log10(np.finfo(float).tiny)


def test_the_lstm_cell_path_keeps_far_more_gradient_than_the_rnn_at_100_steps(norms):
    assert norms["LSTM cell path: log10 norm at k = 100"] > norms["tanh RNN, λ₁ = 1: log10 norm at k = 100"] + 8


def test_the_untrained_gru_decays_about_as_fast_as_the_tanh_rnn(norms):
    assert norms["GRU: log10 norm at k = 100"] == pytest.approx(norms["tanh RNN, λ₁ = 1: log10 norm at k = 100"], abs=3)


# --- Initialization spectra ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def spectra_numbers():
    return headline("initialization-spectra")


@pytest.mark.parametrize("init", ["Xavier, Gaussian", "Xavier, uniform"])
def test_square_xavier_approaches_its_random_matrix_limits(spectra_numbers, init):
    """Marchenko–Pastur edge 2 for the spectral norm, circular law 1 for the spectral radius (n = 1024)."""
    assert spectra_numbers[f"{init}, n = 1024: spectral norm λ₁"] == pytest.approx(2, rel=0.05)
    assert spectra_numbers[f"{init}, n = 1024: spectral radius ρ"] == pytest.approx(1, rel=0.1)


def test_orthogonal_is_exactly_norm_preserving(spectra_numbers):
    """``remedies.orthogonal-singular-values``: every singular value and |eigenvalue| is 1."""
    assert spectra_numbers["orthogonal: largest distance of a singular value from 1, every n"] < 1e-12
    assert spectra_numbers["orthogonal: largest distance of an eigenvalue modulus from 1, every n"] < 1e-12
    assert abs(spectra_numbers["orthogonal: log10 ‖W^k‖₂ at k = 1000"]) < 1e-9


@pytest.mark.parametrize("scale", ["0.1", "1"])
def test_the_orthogonal_rnn_never_exceeds_its_bound_of_one(spectra_numbers, scale):
    assert spectra_numbers[f"orthogonal, W_xh = {scale} I: log10 norm at k = 1000"] < 0


def test_xavier_powers_grow_slowly_and_offset_part_of_the_contraction(spectra_numbers):
    for init in ("Xavier, Gaussian", "Xavier, uniform"):
        assert 0 < spectra_numbers[f"{init}: log10 ‖W^k‖₂ at k = 1000"] < 1000 * math.log10(2)
        assert (spectra_numbers[f"{init}, W_xh = 0.1 I: log10 norm at k = 1000"]
                > spectra_numbers["orthogonal, W_xh = 0.1 I: log10 norm at k = 1000"])


def test_with_unit_inputs_saturation_dominates_every_initialization(spectra_numbers):
    values = [spectra_numbers[f"{init}, W_xh = 1 I: log10 norm at k = 1000"]
              for init in ("Xavier, Gaussian", "Xavier, uniform", "orthogonal")]
    assert max(values) - min(values) < 0.1 * abs(min(values))


# --- Training on the adding problem -------------------------------------------------------------

@pytest.fixture(scope="module")
def adding_numbers():
    return headline("adding-problem")


def final(numbers, model: str, length: int, clipped: bool = False) -> float:
    return numbers[f"{model}, T = {length}{', clipped' if clipped else ''}: final loss / baseline"]


@pytest.mark.parametrize("clipped", [False, True])
@pytest.mark.parametrize("model", ["tanh RNN", "LSTM", "GRU"])
def test_every_model_learns_the_short_sequences(adding_numbers, model, clipped):
    assert final(adding_numbers, model, 10, clipped) < 0.15


@pytest.mark.parametrize("length", [50, 100, 200])
def test_the_vanilla_rnn_stays_at_the_baseline_from_length_50(adding_numbers, length):
    for clipped in (False, True):
        assert final(adding_numbers, "tanh RNN", length, clipped) > 0.9


def test_the_gru_learns_every_length_and_the_lstm_up_to_100(adding_numbers):
    lengths = adding.CONFIG["lengths"]
    assert max(lengths) >= 200
    assert all(final(adding_numbers, "GRU", length) < 0.1 for length in lengths)
    assert all(final(adding_numbers, "LSTM", length) < 0.1 for length in lengths if length <= 100)
    assert final(adding_numbers, "LSTM", 200) > 0.9


def test_the_rnn_first_step_gradient_vanishes_while_it_trains_and_the_learning_gru_s_grows(adding_numbers):
    start = adding_numbers["tanh RNN, T = 200: first-step gradient at the start"]
    end = adding_numbers["tanh RNN, T = 200: first-step gradient at the end"]
    assert end < start * 1e-3
    gru_start = adding_numbers["GRU, T = 200: first-step gradient at the start"]
    gru_end = adding_numbers["GRU, T = 200: first-step gradient at the end"]
    assert gru_end > gru_start * 1e6


def test_at_initialization_the_gated_models_pass_no_larger_first_step_gradient(adding_numbers):
    rnn = adding_numbers["tanh RNN, T = 200: first-step gradient at the start"]
    assert adding_numbers["LSTM, T = 200: first-step gradient at the start"] < rnn
    assert adding_numbers["GRU, T = 200: first-step gradient at the start"] < rnn


def test_clipping_changes_little(adding_numbers):
    for model in ("tanh RNN", "LSTM", "GRU"):
        for length in adding.CONFIG["lengths"]:
            unclipped, clipped = final(adding_numbers, model, length), final(adding_numbers, model, length, True)
            learned = unclipped < 0.1
            assert (clipped < 0.1) == learned, f"{model}, T = {length}: clipping changed whether it learns"
            assert math.isclose(math.log10(clipped), math.log10(unclipped), abs_tol=0.5)


# --- Truncated backpropagation through time ------------------------------------------------------

@pytest.fixture(scope="module")
def truncation_numbers():
    return headline("truncated-bptt")


HORIZONS = (5, 10, 25)
RUNS = ("full BPTT", *(f"truncated, τ = {tau}" for tau in HORIZONS))


@pytest.mark.parametrize("model", ["GRU", "LSTM"])
def test_the_truncated_gradient_keeps_more_of_the_full_one_as_the_horizon_grows(truncation_numbers, model):
    """At initialization: share of the norm and cosine rise with τ, and at the edge of the band that misses
    the first marked value (τ = 25 of 50) the truncated gradient is almost the full one."""
    for measure in ("share of the full gradient's norm", "cosine with the full gradient"):
        values = [truncation_numbers[f"{model} at initialization, τ = {tau}: {measure}"] for tau in HORIZONS]
        assert values == sorted(values) and 0 < values[0] and values[-1] <= 1 + 1e-12
    assert truncation_numbers[f"{model} at initialization, τ = 25: share of the full gradient's norm"] > 0.9
    assert truncation_numbers[f"{model} at initialization, τ = 25: cosine with the full gradient"] > 0.99


def test_the_lstm_keeps_less_than_the_gru_at_every_horizon(truncation_numbers):
    for tau in HORIZONS:
        for measure in ("share of the full gradient's norm", "cosine with the full gradient"):
            assert (truncation_numbers[f"LSTM at initialization, τ = {tau}: {measure}"]
                    <= truncation_numbers[f"GRU at initialization, τ = {tau}: {measure}"])


def test_full_and_truncated_training_all_learn_the_task(truncation_numbers):
    """Far below half the baseline (the error of knowing only the second value): the first is carried."""
    for run in RUNS:
        assert truncation_numbers[f"GRU, {run}: final loss / baseline"] < 0.1


def test_no_gradient_reaches_the_first_step_under_truncation(truncation_numbers):
    assert truncation_numbers["GRU, full BPTT: largest gradient reaching the first step"] > 0
    for tau in HORIZONS:
        assert truncation_numbers[f"GRU, truncated, τ = {tau}: largest gradient reaching the first step"] == 0


def test_the_shorter_the_horizon_the_later_the_loss_falls_below_half_the_baseline(truncation_numbers):
    """In horizon order 5, 10, 25, then full BPTT (no horizon): strictly later for the shorter horizons."""
    steps = [truncation_numbers[f"GRU, {run}: first step below half the baseline"] for run in (*RUNS[1:], RUNS[0])]
    assert steps[0] > steps[1] > steps[2] >= steps[3]
