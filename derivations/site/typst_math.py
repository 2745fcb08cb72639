"""LaTeX math to Typst math with the pinned tex2typst release, for the panels' Typst version of each
equation and for course packs typeset with Typst.

Typst is not trusted to read every translation the same way: ``tests/test_typst_math.py`` typesets
every equation and step with Typst and checks that it shows the same letters and digits as KaTeX.
"""

from __future__ import annotations

import atexit
import json
import subprocess
from functools import cache
from pathlib import Path

from ..derivation import SIDE_BY_SIDE
from . import katex

SCRIPT = Path(__file__).with_name("typst_math.mjs")
PACKAGE_DIR = katex.ROOT / "node_modules" / "tex2typst"


class TypstMathError(ValueError):
    """LaTeX that tex2typst cannot translate; the message names where it came from."""


class _Translator:
    """A long-lived Node.js process running ``typst_math.mjs``."""

    def __init__(self):
        katex.check_installed()
        self.process = subprocess.Popen(
            [katex.node(), str(SCRIPT), str(PACKAGE_DIR)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )
        atexit.register(self.process.kill)
        self.version = json.loads(self.process.stdout.readline())["version"]

    def __call__(self, latex: str) -> dict:
        self.process.stdin.write(json.dumps({"latex": latex}) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


@cache
def _translator() -> _Translator:
    return _Translator()


@cache
def math(latex: str, where: str) -> str:
    """The Typst math for ``latex`` (without ``$``); ``where`` names the source in errors."""
    answer = _translator()(latex)
    if "error" in answer:
        raise TypstMathError(f"{where}: tex2typst {_translator().version} cannot translate the LaTeX: {answer['error']}")
    return answer["typst"]


def equation(record: dict) -> str:
    """The Typst math of a whole equation, its clauses laid out as on the site: side by side, or
    one per line when there are more than :data:`derivations.derivation.SIDE_BY_SIDE`."""
    lines = [math(c["latex"], f"equation {record['id']!r}, clause {i}") for i, c in enumerate(record["clauses"], 1)]
    return ", wide ".join(lines) if len(lines) <= SIDE_BY_SIDE else " \\\n".join(lines)
