"""Exceptions that name the culprit: the equation id, and what went wrong with it."""

from __future__ import annotations

import difflib


class DerivationError(Exception):
    """A derivation could not be registered, run, or proved."""


class UnknownIdError(DerivationError, KeyError):
    """An equation id that no derivation registers."""

    def __init__(self, equation_id: str, known: list[str]):
        self.equation_id = equation_id
        close = difflib.get_close_matches(equation_id, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        super().__init__(f"unknown equation id {equation_id!r}{hint}")

    def __str__(self) -> str:  # KeyError would otherwise add quotes around the message
        return self.args[0]


class ProofError(DerivationError, AssertionError):
    """A derived result is not equal to the closed form its derivation states."""
