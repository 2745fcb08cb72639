"""LaTeX math to Typst math with the pinned tex2typst release, for the panels' Typst version of each
equation and for course packs typeset with Typst.

Typst is not trusted to read every translation the same way: ``tests/test_typst_math.py`` typesets
every equation and step with Typst and checks that it shows the same letters and digits as KaTeX.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ..derivation import SIDE_BY_SIDE
from . import katex

SCRIPT = Path(__file__).with_name("typst_math.mjs")
PACKAGE_DIR = katex.ROOT / "node_modules" / "tex2typst"


class TypstMathError(ValueError):
    """LaTeX that tex2typst cannot translate; the message names where it came from."""


@cache
def _translator() -> katex.NodeProcess:
    """tex2typst, running ``typst_math.mjs``."""
    return katex.NodeProcess(SCRIPT, PACKAGE_DIR)


@cache
def math(latex: str, where: str) -> str:
    """The Typst math for ``latex`` (without ``$``); ``where`` names the source in errors."""
    answer = _translator()(latex=latex)
    if "error" in answer:
        raise TypstMathError(f"{where}: tex2typst {_translator().version} cannot translate the LaTeX: {answer['error']}")
    return answer["typst"]


def equation(record: dict) -> str:
    """The Typst math of a whole equation, its clauses laid out as on the site: side by side, or
    one per line when there are more than :data:`derivations.derivation.SIDE_BY_SIDE`."""
    lines = [math(c["latex"], f"equation {record['id']!r}, clause {i}") for i, c in enumerate(record["clauses"], 1)]
    return ", wide ".join(lines) if len(lines) <= SIDE_BY_SIDE else " \\\n".join(lines)
