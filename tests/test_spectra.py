"""Spectra of W_hh under Xavier and orthogonal initialization against theory: orthogonal matrices have
every singular value and |eigenvalue| 1; square Xavier (variance 1/n) approaches spectral norm 2 (the
upper edge of the Marchenko–Pastur quarter-circle law, ratio 1) and spectral radius 1 (the circular
law) as n grows."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from derivations.experiments import spectra as S

XAVIER = ("xavier-normal", "xavier-uniform")
NORM_TOLERANCE, RADIUS_TOLERANCE = 0.05, 0.10
"""Relative distance from the limits allowed at n = 1024. Over seeds 0–7 the spectral norm stays within
0.01 of 2 (it fluctuates on the Tracy–Widom scale n^(−2/3) ≈ 0.01) and the spectral radius within
0.066 of 1: it converges more slowly, and a real matrix's largest real eigenvalues fluctuate widely."""


def _rng(seed=0):
    return np.random.default_rng(seed)


SIZES = (64, 256)


@pytest.fixture(scope="module")
def rows():
    return {(row["init"], row["n"]): row for row in S.summary(SIZES, _rng())}


def test_summary_has_one_row_per_init_and_size(rows):
    assert sorted(rows) == sorted((init, n) for init in S.INITS for n in SIZES)
    for (init, n), row in rows.items():
        assert row["singular_values"].shape == row["eigenvalues"].shape == (n,)


@pytest.mark.parametrize("n", SIZES)
def test_orthogonal_singular_values_and_eigenvalues_have_modulus_one(rows, n):
    row = rows["orthogonal", n]
    assert_allclose(row["singular_values"], 1, rtol=0, atol=1e-12)
    assert_allclose(np.abs(row["eigenvalues"]), 1, rtol=0, atol=1e-12)


@pytest.mark.parametrize("init", XAVIER)
def test_xavier_reaches_the_marchenko_pastur_edge_and_the_unit_disc(init):
    row = S.spectrum(S.weight(init, 1024, _rng()))
    assert row["spectral_norm"] == pytest.approx(2, rel=NORM_TOLERANCE)
    assert row["spectral_radius"] == pytest.approx(1, rel=RADIUS_TOLERANCE)


@pytest.mark.parametrize("init", XAVIER)
def test_xavier_moves_toward_the_limits_as_n_grows(init):
    """Mean distance from the limits over 10 seeded draws: smaller at n = 256 than at n = 32
    (measured 0.12 → 0.03 for the norm and 0.06 → 0.04 for the radius)."""
    def mean_distance(n):
        rng = _rng(1)
        spectra = [S.spectrum(S.weight(init, n, rng)) for _ in range(10)]
        return (np.mean([abs(s["spectral_norm"] - 2) for s in spectra]),
                np.mean([abs(s["spectral_radius"] - 1) for s in spectra]))

    (norm_small, radius_small), (norm_large, radius_large) = mean_distance(32), mean_distance(256)
    assert norm_large < norm_small / 2
    assert radius_large < radius_small


def test_spectrum_of_an_explicit_matrix():
    """A rotation by 90° scaled by 2 beside 0.5: eigenvalues ±2i and 0.5, singular values 2, 2, 0.5."""
    got = S.spectrum([[0, -2, 0], [2, 0, 0], [0, 0, 0.5]])
    assert_allclose(got["singular_values"], [2, 2, 0.5], rtol=1e-14)
    assert_allclose(sorted(got["eigenvalues"], key=np.imag), [-2j, 0.5, 2j], atol=1e-14)
    assert (got["spectral_norm"], got["spectral_radius"]) == pytest.approx((2, 2), rel=1e-14)


def test_singular_values_are_roots_of_the_gram_eigenvalues():
    W = _rng().normal(size=(20, 20))
    expected = np.sqrt(np.linalg.eigvalsh(W.T @ W))[::-1]
    assert_allclose(S.spectrum(W)["singular_values"], expected, rtol=1e-10)


def test_tanh_curves_follow_the_powers_of_w_in_the_linear_regime():
    """Tiny inputs keep tanh' = 1 − h² ≈ 1, so ∂h_{t+k}/∂h_t ≈ W^k (``bounds.linear-spectral-radius``):
    flat at log 1 = 0 for orthogonal W, log ‖W^k‖₂ for Xavier. Xavier's ρ > 1 at this n makes h grow
    like ρ^k, so the span stays short enough that h ≪ 1."""
    n, steps = 16, 80
    curves = S.gradient_curves(_rng(), n=n, steps=steps, input_scale=1e-12)
    rng = _rng()  # the documented draws: each init's W_hh, then its inputs
    for init in S.INITS:
        W = S.weight(init, n, rng)
        rng.standard_normal((steps, n))
        power, expected = np.eye(n), []
        for _ in range(steps):
            power = W @ power
            expected.append(np.log(np.linalg.norm(power, 2)))
        assert_allclose(curves[init], expected, rtol=0, atol=1e-5)
    assert_allclose(curves["orthogonal"], 0, rtol=0, atol=1e-5)


@pytest.mark.parametrize(("call", "name"), [
    pytest.param(lambda: S.weight("he-normal", 8, _rng()), "init", id="weight-init"),
    pytest.param(lambda: S.weight(None, 8, _rng()), "init", id="weight-init-none"),
    pytest.param(lambda: S.weight("xavier-normal", 0, _rng()), "n", id="weight-n"),
    pytest.param(lambda: S.weight("orthogonal", 2.5, _rng()), "n", id="weight-n-float"),
    pytest.param(lambda: S.weight("xavier-uniform", 8, 0), "rng", id="weight-rng"),
    pytest.param(lambda: S.spectrum(np.ones((3, 4))), "W", id="spectrum-not-square"),
    pytest.param(lambda: S.spectrum([[np.nan]]), "W", id="spectrum-nan"),
    pytest.param(lambda: S.summary((8, 0), _rng()), "sizes", id="summary-sizes"),
    pytest.param(lambda: S.summary((8,), None), "rng", id="summary-rng"),
    pytest.param(lambda: S.gradient_curves(_rng(), n=-1), "n", id="curves-n"),
    pytest.param(lambda: S.gradient_curves(_rng(), steps=0), "steps", id="curves-steps"),
    pytest.param(lambda: S.gradient_curves(_rng(), input_scale=-1.0), "input_scale", id="curves-input-scale"),
])
def test_bad_argument_is_named(call, name):
    with pytest.raises(ValueError, match=rf"^{name}:"):
        call()
