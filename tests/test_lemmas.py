"""The cited matrix lemmas: property-based tests on badly scaled, saturated and non-normal matrices
(Hypothesis, derandomized), the random cases ``verify`` draws, and how ``verify`` reports a failure."""

from __future__ import annotations

import re

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from derivations import lemmas
from derivations.errors import DerivationError
from derivations.lemmas import Lemma, LemmaError, verify
from derivations.site import katex

settings.register_profile("lemmas-deterministic", derandomize=True, database=None, deadline=None)
DETERMINISTIC = settings.get_profile("lemmas-deterministic")
"""The same examples on every run and machine, and no example database written into the tree."""

sizes = st.integers(1, lemmas.MAX_SIZE)


@st.composite
def badly_scaled(draw, rows: int, cols: int) -> np.ndarray:
    """Entries m · 10^e with m in [-1, 1] and e in -8…8 drawn per entry: sixteen orders of magnitude."""
    mantissa = draw(hnp.arrays(np.float64, (rows, cols), elements=st.floats(-1, 1, allow_subnormal=False)))
    exponent = draw(hnp.arrays(np.int64, (rows, cols), elements=st.integers(-8, 8)))
    return mantissa * 10.0 ** exponent


@st.composite
def saturated(draw, rows: int, cols: int, gamma: float) -> np.ndarray:
    """diag(d) (rectangular if rows ≠ cols) with each dᵢ exactly 0, 1e-12, γ, or in [0, γ]."""
    entries = st.sampled_from([0.0, 1e-12, gamma]) | st.floats(0, gamma)
    out = np.zeros((rows, cols))
    np.fill_diagonal(out, draw(hnp.arrays(np.float64, min(rows, cols), elements=entries)))
    return out


@st.composite
def non_normal(draw, rows: int, cols: int) -> np.ndarray:
    """A badly scaled upper triangular matrix, strictly so (nilpotent) half of the time."""
    return np.triu(draw(badly_scaled(rows, cols)), draw(st.sampled_from([0, 1])))


def any_saturated(rows: int, cols: int) -> st.SearchStrategy[np.ndarray]:
    return st.sampled_from(lemmas.GAMMAS).flatmap(lambda gamma: saturated(rows, cols, gamma))


def matrices(rows: int, cols: int) -> st.SearchStrategy[np.ndarray]:
    return badly_scaled(rows, cols) | any_saturated(rows, cols) | non_normal(rows, cols)


@st.composite
def any_matrix(draw) -> np.ndarray:
    return draw(matrices(draw(sizes), draw(sizes)))


@st.composite
def square_matrix(draw) -> np.ndarray:
    n = draw(sizes)
    return draw(matrices(n, n))


@st.composite
def conformable(draw) -> tuple[np.ndarray, np.ndarray]:
    m, k, p = draw(sizes), draw(sizes), draw(sizes)
    return draw(matrices(m, k)), draw(matrices(k, p))


@st.composite
def matrix_and_vector(draw) -> tuple[np.ndarray, np.ndarray]:
    m, n = draw(sizes), draw(sizes)
    return draw(matrices(m, n)), draw(badly_scaled(n, 1) | any_saturated(n, 1))


@st.composite
def diagonals(draw) -> np.ndarray:
    n = draw(sizes)
    return np.diag(draw(any_saturated(n, n) | badly_scaled(n, n))).copy()


@settings(DETERMINISTIC, max_examples=200)
@given(conformable())
def test_submultiplicative(ab):
    lemmas.submultiplicative(*ab)


@settings(DETERMINISTIC, max_examples=100)
@given(st.sampled_from(lemmas.GAMMAS), sizes, st.data())
def test_saturated_step_jacobian_is_at_most_gamma_times_the_weights(gamma, n, data):
    """‖diag(d) W‖₂ ≤ ‖diag(d)‖₂ ‖W‖₂ = max dᵢ ‖W‖₂ ≤ γ ‖W‖₂: the step bound the lemmas are for."""
    d, w = data.draw(saturated(n, n, gamma)), data.draw(badly_scaled(n, n))
    lemmas.submultiplicative(d, w)
    lemmas.diagonal_norm(np.diag(d))
    lemmas.at_most(lemmas.spectral_norm(d @ w), gamma * lemmas.spectral_norm(w))


@settings(DETERMINISTIC, max_examples=200)
@given(diagonals())
def test_diagonal_norm(d):
    lemmas.diagonal_norm(d)


@settings(DETERMINISTIC, max_examples=200)
@given(any_matrix())
def test_transpose_norm(a):
    lemmas.transpose_norm(a)


@settings(DETERMINISTIC, max_examples=200)
@given(square_matrix())
def test_radius_below_norm(a):
    lemmas.radius_below_norm(a)


@settings(DETERMINISTIC, max_examples=200)
@given(matrix_and_vector())
def test_operator_bound(av):
    lemmas.operator_bound(*av)


@pytest.mark.parametrize("lemma", lemmas.LEMMAS, ids=lambda lemma: lemma.name)
def test_every_lemma_verifies(lemma):
    assert verify(lemma) == 300


def test_lemmas_are_exported_by_name():
    names = ["SUBMULTIPLICATIVE", "DIAGONAL_NORM", "TRANSPOSE_NORM", "RADIUS_BELOW_NORM", "OPERATOR_BOUND"]
    assert [lemma.name for lemma in lemmas.LEMMAS] == names
    assert lemmas.BY_NAME == {name: getattr(lemmas, name) for name in names}


@pytest.mark.parametrize("lemma", lemmas.LEMMAS, ids=lambda lemma: lemma.name)
def test_lemma_cites_a_textbook_section(lemma):
    assert re.match(r"(Horn & Johnson, Matrix Analysis, 2nd ed\., Cambridge University Press 2013"
                    r"|Golub & Van Loan, Matrix Computations, 4th ed\., Johns Hopkins University Press 2013)"
                    r", §\d+\.\d+ \(", lemma.citation)


@pytest.mark.parametrize("lemma", lemmas.LEMMAS, ids=lambda lemma: lemma.name)
def test_statement_parses_in_katex(lemma):
    assert "katex" in katex.render(lemma.statement, True, f"lemma {lemma.name}")


HALF = Lemma("HALF", r"\lVert A B \rVert_2 \le \tfrac12 \lVert A \rVert_2 \lVert B \rVert_2", "false on purpose",
             lemmas.randomized(lemmas.pair, lambda a, b: lemmas.at_most(
                 lemmas.spectral_norm(a @ b), lemmas.spectral_norm(a) * lemmas.spectral_norm(b) / 2)))


HALF_FAILURE = re.compile(r"lemma HALF fails at case (\d+) of seed 27: \S+ > \S+ for "
                          r"A: \d×\d [a-z -]+, scale \S+; B: \d×\d [a-z -]+, scale \S+ \(replay")


def test_false_lemma_fails_naming_it_and_the_case():
    with pytest.raises(LemmaError) as info:
        verify(HALF, seed=27)
    found = HALF_FAILURE.match(str(info.value))
    assert found, str(info.value)
    assert isinstance(info.value, DerivationError)
    index = int(found.group(1))
    with pytest.raises(lemmas.Counterexample):
        HALF.check(np.random.default_rng((27, index)))
    assert verify(HALF, samples=index, seed=27) == index > 0  # the first failure is the one named


def test_verify_runs_each_case_on_its_own_seeded_generator():
    draws = []
    recording = Lemma("RECORDING", "x", "none", lambda rng: draws.append(rng.random()))
    assert verify(recording, samples=7, seed=3) == 7
    assert draws == [np.random.default_rng((3, i)).random() for i in range(7)]


def test_verify_names_the_case_of_a_plain_assertion():
    calls = []

    def sixth_fails(rng):
        calls.append(rng)
        assert len(calls) < 6, "sixth call"

    with pytest.raises(LemmaError, match=r"^lemma SIXTH fails at case 5 of seed 0: sixth call"):
        verify(Lemma("SIXTH", "x", "none", sixth_fails))


@pytest.mark.parametrize(("compare", "lhs", "rhs", "holds"), [
    (lemmas.at_most, 1 + 5e-13, 1.0, True),
    (lemmas.at_most, 1 + 2e-12, 1.0, False),
    (lemmas.at_most, -1e300, 1e-300, True),
    (lemmas.at_most, float("nan"), 1.0, False),
    (lemmas.close, 1e8 * (1 + 5e-13), 1e8, True),
    (lemmas.close, 1e-8, 1e-8 * (1 + 2e-12), False),
    (lemmas.close, 0.0, 0.0, True),
    (lemmas.close, 0.0, 1e-300, False),
])
def test_tolerance_is_relative_to_the_larger_side(compare, lhs, rhs, holds):
    if holds:
        compare(lhs, rhs)
    else:
        with pytest.raises(lemmas.Counterexample):
            compare(lhs, rhs)


DRAWS = [lemmas.pair, lemmas.one, lemmas.square, lemmas.diagonal, lemmas.operand]


@pytest.mark.parametrize("draw", DRAWS, ids=lambda draw: draw.__name__)
def test_verify_cases_cover_every_kind_scale_and_size(draw):
    cases = [case for i in range(300) for case in draw(np.random.default_rng((0, i)))]
    assert {case.kind for case in cases} == set(lemmas.KINDS)
    scales = [case.scale for case in cases if case.kind != "saturated diagonal"]
    assert 1e-8 <= min(scales) < 1e-7 and 1e7 < max(scales) <= 1e8
    assert {case.array.shape[0] for case in cases} == set(range(1, lemmas.MAX_SIZE + 1))


@pytest.mark.parametrize(("draw", "square"), [(lemmas.pair, False), (lemmas.one, False), (lemmas.operand, False),
                                              (lemmas.square, True)], ids=["pair", "one", "operand", "square"])
def test_verify_cases_are_non_square_where_allowed(draw, square):
    shapes = {case.array.shape for i in range(300) for case in draw(np.random.default_rng((0, i))) if case.label == "A"}
    assert any(rows == cols for rows, cols in shapes)
    assert any(rows != cols for rows, cols in shapes) == (not square)


def kind_samples(kind):
    rng = np.random.default_rng(0)
    return [lemmas.KINDS[kind](rng, lemmas.size(rng), lemmas.size(rng)) for _ in range(300)]


def test_badly_scaled_entries_span_many_orders():
    spreads = [np.ptp(np.log10(np.abs(a))) for a, _ in kind_samples("badly scaled")]
    assert max(spreads) > 10


def test_rank_deficient_is_rank_deficient():
    ranks = [(np.linalg.matrix_rank(a), min(a.shape)) for a, _ in kind_samples("rank-deficient")]
    assert all(rank < full for rank, full in ranks)
    assert any(rank == 0 for rank, _ in ranks) and any(rank > 1 for rank, _ in ranks)


def test_strictly_triangular_is_nilpotent_and_non_normal():
    samples = [a for a, _ in kind_samples("strictly triangular")]
    assert all(not np.tril(a).any() for a in samples)
    square = [a for a in samples if a.shape[0] == a.shape[1] > 1]
    assert square and all(np.linalg.norm(a @ a.T - a.T @ a) > 1e-3 * np.linalg.norm(a) ** 2 for a in square)


def test_saturated_diagonal_holds_zeros_tiny_values_and_gamma():
    samples = kind_samples("saturated diagonal")
    assert {gamma for _, gamma in samples} == set(lemmas.GAMMAS)
    for a, gamma in samples:
        d = np.diag(a)
        assert not a[~np.eye(*a.shape, dtype=bool)].any()
        assert np.all((d >= 0) & (d <= gamma))
    entries = np.concatenate([np.diag(a) for a, _ in samples])
    assert (entries == 0).any() and ((entries > 5e-13) & (entries < 2e-12)).any()
    assert (entries == 0.25).any() and (entries == 1.0).any()
