"""The worked example: (1/4)^100, derived symbolically and recomputed without SymPy."""

from __future__ import annotations

import math

import mpmath
import pytest

from derivations import registry
from derivations.derivation import run


@pytest.mark.parametrize("entry", registry.entries("example"), ids=lambda e: e.id)
def test_derivation_proves(entry):
    record = run(entry)
    assert record["id"] == entry.id
    assert record["proofs"]


def test_value_is_two_to_the_minus_200():
    assert 0.25**100 == 2.0**-200 == math.ldexp(1.0, -200)
    assert math.isclose(0.25**100, 6.22e-61, rel_tol=5e-3)
    assert math.isclose(math.log10(0.25**100), -200 * math.log10(2))


def test_value_to_three_digits_with_mpmath():
    with mpmath.workdps(50):
        value = mpmath.mpf(1) / 4**100
        assert value == mpmath.mpf(2) ** -200
        assert mpmath.nstr(value, 3) == "6.22e-61"


def test_record_shows_the_rounded_value():
    equation = run(registry.lookup("example.sigmoid-100-steps"))["equation"]
    assert "6.22" in equation
    assert "2^{-200}" in equation
