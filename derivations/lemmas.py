"""Standard matrix lemmas that the derivations use but SymPy cannot prove for general n: each one
cited from a textbook and checked numerically on many random, deliberately awkward matrices.

A check draws its matrices from :data:`KINDS`: Gaussian and badly scaled ones at scales from 1e-8
to 1e8, rank-deficient ones, strictly triangular (non-normal) ones, and saturated diagonal factors
diag(d) whose entries are exactly 0, about 1e-12, or the activation bound γ (1/4 or 1). Sizes run
from 1 to 8, non-square wherever the lemma allows. :func:`verify` runs a lemma's check many times.

Comparisons allow a relative error of :data:`RTOL`: numpy's norms and eigenvalues come from
backward-stable LAPACK routines, whose error on matrices up to 8×8 is a small multiple of the
float64 unit roundoff (1.1e-16) times the larger side, four orders of magnitude below 1e-12.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from .errors import DerivationError

RTOL = 1e-12
"""Relative tolerance of every comparison, as a fraction of the larger side's magnitude."""

MAX_SIZE = 8
"""Matrices have between 1 and this many rows and columns."""

GAMMAS = (0.25, 1.0)
"""The activation bounds γ = sup |σ'|: 1/4 for the sigmoid, 1 for tanh and ReLU."""

HORN_JOHNSON = "Horn & Johnson, Matrix Analysis, 2nd ed., Cambridge University Press 2013"
GOLUB_VAN_LOAN = "Golub & Van Loan, Matrix Computations, 4th ed., Johns Hopkins University Press 2013"


class LemmaError(DerivationError):
    """A lemma's randomized check found a case where the lemma does not hold."""


class Counterexample(AssertionError):
    """A comparison in a check failed; :func:`verify` turns it into a :class:`LemmaError`."""


@dataclass(frozen=True)
class Lemma:
    """A cited fact and a randomized check of it: ``check(rng)`` draws one case and raises
    :class:`Counterexample` (an ``AssertionError``) if the fact fails on it."""

    name: str
    statement: str
    citation: str
    check: Callable[[np.random.Generator], None]


@dataclass(frozen=True, eq=False)
class Case:
    """One drawn array, with how it was drawn, to name it when a check fails."""

    label: str
    kind: str
    scale: float
    array: np.ndarray

    def __str__(self) -> str:
        shape = "×".join(map(str, self.array.shape))
        return f"{self.label}: {shape} {self.kind}, scale {self.scale:.3g}"


def at_most(lhs: float, rhs: float) -> None:
    """Raise :class:`Counterexample` unless ``lhs ≤ rhs`` up to ``RTOL · max(|lhs|, |rhs|)``."""
    if not lhs <= rhs + RTOL * max(abs(lhs), abs(rhs)):
        raise Counterexample(f"{lhs!r} > {rhs!r}")


def close(lhs: float, rhs: float) -> None:
    """Raise :class:`Counterexample` unless ``|lhs − rhs| ≤ RTOL · max(|lhs|, |rhs|)``."""
    if not abs(lhs - rhs) <= RTOL * max(abs(lhs), abs(rhs)):
        raise Counterexample(f"{lhs!r} ≠ {rhs!r}")


def spectral_norm(a: np.ndarray) -> float:
    """‖a‖₂, the largest singular value of a 2-D array (the Euclidean norm of a column)."""
    return float(np.linalg.norm(a, 2))


def _scale(rng: np.random.Generator) -> float:
    return float(10.0 ** rng.uniform(-8, 8))


def gaussian(rng: np.random.Generator, rows: int, cols: int) -> tuple[np.ndarray, float]:
    """Independent N(0, s²) entries, s log-uniform in [1e-8, 1e8]; returns the matrix and s."""
    s = _scale(rng)
    return s * rng.standard_normal((rows, cols)), s


def badly_scaled(rng: np.random.Generator, rows: int, cols: int) -> tuple[np.ndarray, float]:
    """A Gaussian matrix at scale s with rows and columns multiplied by independent factors
    log-uniform in [1e-4, 1e4], so its entries span up to sixteen orders of magnitude."""
    g, s = gaussian(rng, rows, cols)
    return 10.0 ** rng.uniform(-4, 4, (rows, 1)) * g * 10.0 ** rng.uniform(-4, 4, (1, cols)), s


def rank_deficient(rng: np.random.Generator, rows: int, cols: int) -> tuple[np.ndarray, float]:
    """A product of Gaussian factors of inner size r < min(rows, cols), so rank r (r = 0: zero)."""
    rank = int(rng.integers(0, min(rows, cols)))
    left, s = gaussian(rng, rows, rank)
    return left @ rng.standard_normal((rank, cols)), s


def strictly_triangular(rng: np.random.Generator, rows: int, cols: int) -> tuple[np.ndarray, float]:
    """A Gaussian matrix with its diagonal and everything below zeroed: nilpotent, far from normal."""
    g, s = gaussian(rng, rows, cols)
    return np.triu(g, 1), s


def saturated(rng: np.random.Generator, rows: int, cols: int) -> tuple[np.ndarray, float]:
    """diag(d) (rectangular if rows ≠ cols) for a random γ in :data:`GAMMAS`, each dᵢ exactly 0, about
    1e-12, exactly γ, or uniform in [0, γ]: a saturated activation derivative; returns it and γ."""
    gamma = float(rng.choice(GAMMAS))
    count = min(rows, cols)
    choices = np.stack([np.zeros(count), 1e-12 * rng.uniform(0.5, 2, count), np.full(count, gamma),
                        rng.uniform(0, gamma, count)])
    d = choices[rng.integers(0, len(choices), count), np.arange(count)]
    out = np.zeros((rows, cols))
    np.fill_diagonal(out, d)
    return out, gamma


KINDS = {"gaussian": gaussian, "badly scaled": badly_scaled, "rank-deficient": rank_deficient,
         "strictly triangular": strictly_triangular, "saturated diagonal": saturated}
"""Every way a check draws a matrix, by name."""


def size(rng: np.random.Generator) -> int:
    """A matrix dimension, uniform in 1…:data:`MAX_SIZE`."""
    return int(rng.integers(1, MAX_SIZE + 1))


def matrix(rng: np.random.Generator, rows: int, cols: int, label: str) -> Case:
    """A ``rows × cols`` matrix of a kind drawn uniformly from :data:`KINDS`."""
    kind = list(KINDS)[rng.integers(0, len(KINDS))]
    array, scale = KINDS[kind](rng, rows, cols)
    return Case(label, kind, scale, array)


def _other(rng: np.random.Generator, n: int) -> int:
    """``n`` half of the time (a square matrix), else a fresh :func:`size`."""
    return n if rng.random() < 0.5 else size(rng)


def pair(rng: np.random.Generator) -> tuple[Case, Case]:
    """Conformable A (m × k) and B (k × p), each square half of the time."""
    m = size(rng)
    k = _other(rng, m)
    return matrix(rng, m, k, "A"), matrix(rng, k, _other(rng, k), "B")


def one(rng: np.random.Generator) -> tuple[Case]:
    """One matrix A, square half of the time."""
    m = size(rng)
    return (matrix(rng, m, _other(rng, m), "A"),)


def square(rng: np.random.Generator) -> tuple[Case]:
    """One square matrix A."""
    n = size(rng)
    return (matrix(rng, n, n, "A"),)


def diagonal(rng: np.random.Generator) -> tuple[Case]:
    """A vector d: the diagonal of a square matrix of any kind (exactly d for a saturated diagonal)."""
    a = square(rng)[0]
    return (replace(a, label="d (diagonal of A)", array=np.diag(a.array).copy()),)


def operand(rng: np.random.Generator) -> tuple[Case, Case]:
    """A (m × n, square half of the time) and a column v (n × 1), each of any kind."""
    a = one(rng)[0]
    return a, matrix(rng, a.array.shape[1], 1, "v")


def randomized(draw: Callable[[np.random.Generator], tuple[Case, ...]],
               claim: Callable[..., None]) -> Callable[[np.random.Generator], None]:
    """A lemma's check: draw cases with ``draw(rng)``, test ``claim`` on their arrays, and name the
    cases in the :class:`Counterexample` if it fails."""
    def check(rng: np.random.Generator) -> None:
        cases = draw(rng)
        try:
            claim(*(case.array for case in cases))
        except Counterexample as failure:
            raise Counterexample(f"{failure} for {'; '.join(map(str, cases))}") from None
    return check


def submultiplicative(a: np.ndarray, b: np.ndarray) -> None:
    """‖AB‖₂ ≤ ‖A‖₂ ‖B‖₂."""
    at_most(spectral_norm(a @ b), spectral_norm(a) * spectral_norm(b))


def diagonal_norm(d: np.ndarray) -> None:
    """‖diag(d)‖₂ = max |dᵢ|."""
    close(spectral_norm(np.diag(d)), float(np.max(np.abs(d))))


def transpose_norm(a: np.ndarray) -> None:
    """‖Aᵀ‖₂ = ‖A‖₂."""
    close(spectral_norm(a.T), spectral_norm(a))


def radius_below_norm(a: np.ndarray) -> None:
    """ρ(A) ≤ ‖A‖₂ for square A."""
    at_most(float(np.max(np.abs(np.linalg.eigvals(a)))), spectral_norm(a))


def operator_bound(a: np.ndarray, v: np.ndarray) -> None:
    """‖Av‖₂ ≤ ‖A‖₂ ‖v‖₂."""
    at_most(spectral_norm(a @ v), spectral_norm(a) * spectral_norm(v))


SUBMULTIPLICATIVE = Lemma(
    "SUBMULTIPLICATIVE",
    r"\lVert A B \rVert_2 \le \lVert A \rVert_2 \, \lVert B \rVert_2 "
    r"\quad (A \in \mathbb{R}^{m \times k},\ B \in \mathbb{R}^{k \times p})",
    f"{GOLUB_VAN_LOAN}, §2.3 (Matrix Norms): the p-norms are submultiplicative, "
    "‖AB‖_p ≤ ‖A‖_p ‖B‖_p, for conformable rectangular A and B.",
    randomized(pair, submultiplicative),
)
DIAGONAL_NORM = Lemma(
    "DIAGONAL_NORM",
    r"\lVert \operatorname{diag}(d) \rVert_2 = \max_i \lvert d_i \rvert",
    f"{GOLUB_VAN_LOAN}, §2.4 (The Singular Value Decomposition): ‖A‖₂ is the largest singular "
    "value σ₁(A), and the singular values of diag(d) are the |dᵢ|.",
    randomized(diagonal, diagonal_norm),
)
TRANSPOSE_NORM = Lemma(
    "TRANSPOSE_NORM",
    r"\lVert A^{\top} \rVert_2 = \lVert A \rVert_2 \quad (A \in \mathbb{R}^{m \times n})",
    f"{GOLUB_VAN_LOAN}, §2.4 (The Singular Value Decomposition): A = UΣVᵀ gives Aᵀ = VΣᵀUᵀ, so A "
    "and Aᵀ have the same singular values, and ‖A‖₂ = σ₁(A).",
    randomized(one, transpose_norm),
)
RADIUS_BELOW_NORM = Lemma(
    "RADIUS_BELOW_NORM",
    r"\rho(A) = \max_i \lvert \mu_i(A) \rvert \le \lVert A \rVert_2 \quad (A \in \mathbb{R}^{n \times n})",
    f"{HORN_JOHNSON}, §5.6 (Matrix norms): the spectral radius is at most any matrix norm, "
    "ρ(A) ≤ |||A|||, in particular the spectral norm.",
    randomized(square, radius_below_norm),
)
OPERATOR_BOUND = Lemma(
    "OPERATOR_BOUND",
    r"\lVert A v \rVert_2 \le \lVert A \rVert_2 \, \lVert v \rVert_2 "
    r"\quad (A \in \mathbb{R}^{m \times n},\ v \in \mathbb{R}^{n})",
    f"{HORN_JOHNSON}, §5.6 (Matrix norms): the spectral norm is the matrix norm induced by the "
    "Euclidean vector norm, |||A|||₂ = max over ‖x‖₂ = 1 of ‖Ax‖₂.",
    randomized(operand, operator_bound),
)

LEMMAS = (SUBMULTIPLICATIVE, DIAGONAL_NORM, TRANSPOSE_NORM, RADIUS_BELOW_NORM, OPERATOR_BOUND)
BY_NAME = {lemma.name: lemma for lemma in LEMMAS}


def verify(lemma: Lemma, samples: int = 300, seed: int = 0) -> int:
    """Run ``lemma.check`` on ``samples`` cases, case i with ``np.random.default_rng((seed, i))`` (so
    one case can be replayed alone), and return ``samples``; raise :class:`LemmaError` naming the
    lemma and the first failing case."""
    for index in range(samples):
        try:
            lemma.check(np.random.default_rng((seed, index)))
        except AssertionError as failure:
            raise LemmaError(
                f"lemma {lemma.name} fails at case {index} of seed {seed}: {failure} "
                f"(replay: check(np.random.default_rng(({seed}, {index}))))"
            ) from failure
    return samples
