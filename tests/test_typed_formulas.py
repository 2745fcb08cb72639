"""Pages place the formulas that derivations produce; they never type a result by hand.

Every ``$…$`` and ``$$ … $$`` span of every page (``page.md`` and ``page.zh.md``) and of every
notebook's markdown cells (the English source and its Chinese translation, as written) is checked,
code ignored.
A span fails when it states a relation (:data:`RELATION`) or types a result number
(:data:`NUMBER`, which also applies to prose). Markers (``::: eq``, ``{eq:…}``, ``{eq-rhs:…}``,
``{eq-tex:…}``, ``{num:…}``) insert derived content and are never flagged. Reviewed exceptions are
in ``typed_formulas_allowed.toml``. A notebook location reads ``cell.line``; the Chinese edition
of a notebook is named ``<path>#zh``.
"""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import nbformat
import pytest

from derivations.site.equations import CODE
from derivations.site.math import INLINE
from derivations.site.notebooks import DISPLAY

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = Path(__file__).with_name("typed_formulas_allowed.toml")
MAX_ALLOWED = 12

FENCE = re.compile(r"^[ \t>]*(`{3,}|~{3,})[^\n]*\n.*?^[ \t>]*\1[ \t]*$", re.S | re.M)
CODE_SPAN = re.compile(r"(`+)(?!`).+?(?<!`)\1(?!`)", re.S)
MARKER = re.compile(r"^[ \t]*::: [^\n]*$|\{(?:eq|eq-rhs|eq-tex|num):[^}\s]+\}", re.M)

DELIMITER = re.compile(r"\\(?:left|right|middle|[bB]igg?[lrm]?)\s*[<>]")
"""``\\left<`` and friends: a bracket, not a comparison."""
BINDER = re.compile(r"\\(?:sum|prod|max|min|sup|inf|lim|bigcup|bigcap)\s*(?:\\limits\s*)?"
                    r"_\s*\{(?:[^{}]|\{[^{}]*\})*\}")
"""``\\sum_{j=1}``, ``\\max_{v \\neq 0}``: the subscript binds a variable, it asserts nothing."""
RELATION = re.compile(
    r"[=<>≤≥≈≠→∼≪≫⇒≡∝]"
    r"|\\(?:le|leq|ge|geq|lt|gt|ne|neq|approx|sim|simeq|to|rightarrow|longrightarrow|Rightarrow|implies"
    r"|iff|ll|gg|leqslant|geqslant|lesssim|gtrsim|equiv|propto|coloneqq|cong|asymp)(?![A-Za-z])"
    r"|\\in(?![A-Za-z])\s*(?:\\left\s*)?[(\[]"  # x \in (0, 1/4] states a range; x \in \mathbb{R}^n is typing
)
SUPERSCRIPT = "[⁰¹²³⁴⁵⁶⁷⁸⁹]"
BASE = r"(?<![\w.^_])(?:\d+(?:\.\d+)?|\(\d+/\d+\)|(?:\\left)?\(\\[dt]?frac\{\d+\}\{\d+\}(?:\\right)?\))"
NUMBER = re.compile(
    rf"{BASE}\s*\^\s*\{{?\s*(?:[-−]\s*\d|\d{{2}})"  # 0.25^{100}, 10^{-60}, (1/4)^{100}; not 2^k, 10^3
    rf"|{BASE}(?:[⁻⁺]{SUPERSCRIPT}+|{SUPERSCRIPT}{{2,}})"  # 10⁻⁶⁰, (1/4)¹⁰⁰
    r"|\d(?:\.\d+)?\s*(?:\\times|\\cdot|×|·)\s*10\s*\^"  # 1.4 \times 10^{-45}
    r"|(?<![\w.])\d+(?:\.\d+)?[eE][-+]?\d+(?![\w.])"  # 2.2e-308
)
"""A typed result: scientific notation, or a power with a large or negative exponent."""


def _blank(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match[0])


def normalize(span: str) -> str:
    return " ".join(span.split())


def flagged(latex: str) -> bool:
    """Whether the math span ``latex`` states a relation or types a result number."""
    bare = BINDER.sub(" ", DELIMITER.sub(" ", latex))
    return bool(RELATION.search(bare) or NUMBER.search(latex))


def offences(markdown: str) -> list[tuple[int, str]]:
    """``(line, span)`` of each typed relation or result number in ``markdown``, lines from 1."""
    text = markdown
    for pattern in (CODE, FENCE, CODE_SPAN, MARKER):
        text = pattern.sub(_blank, text)
    found = []
    for pattern in (DISPLAY, re.compile(INLINE)):
        found += [(m.start(), m[1]) for m in pattern.finditer(text) if flagged(m[1])]
        text = pattern.sub(_blank, text)
    found += [(m.start(), m[0]) for m in NUMBER.finditer(text)]
    return [(text.count("\n", 0, start) + 1, normalize(span)) for start, span in sorted(found)]


PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md"))
PAGES += [f"{p.relative_to(ROOT).as_posix()}{lang}" for p in sorted((ROOT / "docs").rglob("*.ipynb"))
          for lang in ("", "#zh")]


def page_offences(page: str) -> list[tuple[str, str]]:
    """``(location, span)`` of each offence on ``page``, in reading order."""
    path, _, lang = page.partition("#")
    if path.endswith(".md"):
        return [(f"{page}:{line}", span) for line, span in offences((ROOT / path).read_text(encoding="utf-8"))]
    nb = nbformat.read(ROOT / path, as_version=4)
    return [(f"{page}:{cell}.{line}", span) for cell, c in enumerate(nb.cells, 1) if c.cell_type == "markdown"
            for line, span in offences(written(c, lang))]


def written(cell, lang: str) -> str:
    """The markdown an author wrote for ``lang``, before the build expands its markers: the cell's
    English source, or the translation it carries."""
    return cell.metadata["translation"][lang] if lang else cell.source


def allowlist() -> list[dict]:
    return tomllib.loads(ALLOWED.read_text(encoding="utf-8")).get("allow", [])


def allows(entry: dict, page: str, span: str) -> bool:
    return normalize(entry["span"]) == span and any(fnmatch.fnmatchcase(page, glob) for glob in entry["pages"])


@pytest.mark.parametrize("page", PAGES, ids=PAGES)
def test_page_types_no_formula(page):
    entries = allowlist()
    todo = [f"{where}: {span}" for where, span in page_offences(page)
            if not any(allows(entry, page, span) for entry in entries)]
    if todo:
        pytest.fail(f"{len(todo)} typed relation(s) or result number(s); place derived ones with ::: eq, "
                    "{eq-tex:<id>} or {num:<id>#<name>}, or review an exception in "
                    f"{ALLOWED.name}:\n" + "\n".join(todo), pytrace=False)


def test_allowlist_is_small_and_explained():
    entries = allowlist()
    assert len(entries) <= MAX_ALLOWED, f"{len(entries)} exceptions; at most {MAX_ALLOWED}"
    for entry in entries:
        assert entry.get("span", "").strip() and entry.get("pages"), entry
        assert entry.get("why", "").strip(), f"exception {entry['span']!r} has no why"


def test_allowlist_has_no_stale_entries():
    found = [(page, span) for page in PAGES for _, span in page_offences(page)]
    stale = [entry["span"] for entry in allowlist() if not any(allows(entry, *hit) for hit in found)]
    assert not stale, "exceptions that match no flagged span on any page:\n" + "\n".join(stale)


@pytest.mark.parametrize("latex", [
    r"\lVert AB \rVert_2 \le \lVert A \rVert_2 \lVert B \rVert_2", "J_t =", r"k \to \infty", r"a<b",
    r"\gamma \lambda_1 \geq 1", r"f_t \approx 0.73", r"x \ne y", r"\sigma'(z) \in (0, 1/4]",
])
def test_relation_is_caught(latex):
    assert flagged(latex)


@pytest.mark.parametrize("latex", [
    r"\left\lVert A \right\rVert_2", r"\left< u, v \right>", r"\prod_{j=1}^{k} J_{t+j}",
    r"\max_{v \neq 0} \lVert Av \rVert", r"a \in \mathbb{R}^p", r"(\gamma \lambda_1)^k", r"n \times n",
    r"2^k", r"W_{hh}^{10}", r"\lVert v \rVert_2", r"[0, 1)", r"\leftarrow",
])
def test_notation_is_not_caught(latex):
    assert not flagged(latex)


@pytest.mark.parametrize("text", [
    r"about $1.4 \times 10^{-45}$", r"near $10^{-60}$", r"$0.25^{1000}$", "about 2.2e-308 in float64",
    "the value of (1/4)¹⁰⁰", "roughly 10⁻⁶⁰", r"$\left(\frac{1}{4}\right)^{100}$",
])
def test_result_number_is_caught(text):
    assert offences(text)


@pytest.mark.parametrize("text", [
    "{eq-tex:rnn.step-jacobian} and {eq-tex:bounds.span-norm#rhs}, {num:example.sigmoid-100-steps#value}",
    "{eq:rnn.step-jacobian} and {eq-rhs:rnn.step-jacobian}\n\n::: eq example.sigmoid-100-steps steps\n",
    "`$a = b$` and ``x = 1e-8``", "```python\nx = 2.2e-308  # $a = b$\n```\n", "<code>$a = b$</code>",
    "for $k$ up to 1000 steps with 64 units, $n \\times n$, at 1.5 times the threshold",
])
def test_markers_code_and_prose_are_not_caught(text):
    assert offences(text) == []


def test_offence_names_its_line():
    assert offences("one\n\n$$\nx = 1\n$$\nand $y \\le 2$\n") == [(3, "x = 1"), (6, r"y \le 2")]
