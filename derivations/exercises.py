"""The chapters' exercises: each answer is a SymPy object that a derivation proved, never typed here.

An :class:`Exercise` names the derivation its answer comes from and how to reach the proved object
(:class:`Proved`: a clause of its result, a number it computed, or the closed form of one of its proofs).
:func:`verify` runs that derivation, takes the object it proved and proves the exercise's reference
answer equal to it, so a wrong reference answer fails naming the exercise. :func:`decide` judges a
reader's answer (plain syntax such as ``1 - tanh(x)^2``, or simple LaTeX) by evaluating it and the
reference at random points of the stated domain, or within the stated tolerance for numbers; the
site's script (``docs/assets/javascripts/exercises.js``) does the same in the browser with mathjs,
from the reference that :func:`reference_text` prints, and shows the same :data:`MESSAGES`.

The prompts and hints are prose on the chapter pages (``docs/<chapter>.md`` and ``.zh.md``), like the
rest of the site's prose; ``::: exercise <id>`` places the answer box and the worked solution.
"""

from __future__ import annotations

import difflib
import math
import random
import re
from dataclasses import dataclass, field
from typing import Callable

import sympy as sp
from sympy.printing.str import StrPrinter

from .errors import DerivationError


class ExerciseError(DerivationError):
    """An exercise whose reference answer is not what its derivation proved, or that is declared wrongly."""


class UnknownExerciseError(DerivationError, KeyError):
    """An exercise id that does not exist; the message names the closest ids."""

    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class Proved:
    """Where a derivation holds the object an answer must equal: the last part of a clause of its result
    (``clause``, a name or an index), a number it computed (``number``), or the closed form of one of its
    proofs (``claim``); ``then`` turns that object into the answer's shape (e.g. an entry of a matrix)."""

    derivation: str
    clause: str | int | None = None
    number: str | None = None
    claim: str | None = None
    then: Callable | None = None


@dataclass(frozen=True)
class Variable:
    """A name the reader may use, the symbol it stands for in the answer, and where it is sampled."""

    name: str
    symbol: sp.Symbol
    low: float
    high: float
    integer: bool = False


@dataclass(frozen=True)
class Exercise:
    """One exercise: ``answer()`` builds the reference answer from the derivations' own objects; ``proved``
    says which proved object it must equal. ``tolerance`` (numbers) is shown to the reader; ``steps`` are
    the beginnings of the texts of the derivation's steps that the worked solution shows (None: all), so
    that a step added to the derivation does not shift them, and a step removed fails the build."""

    id: str
    page: str
    proved: Proved
    answer: Callable[[], sp.Basic]
    variables: tuple[Variable, ...] = ()
    tolerance: float | None = None
    steps: tuple[str, ...] | None = None
    shape: tuple[int, int] | None = field(default=None)

    @property
    def derivation(self) -> str:
        return self.proved.derivation


# --- The exercises -------------------------------------------------------------------------------------------

def _tanh_derivative():
    from . import activation

    return activation.DERIVATIVES["tanh"]


def _supremum(name: str):
    def answer():
        from . import activation

        return activation.SUPREMUM[name]
    return answer


def _worked_symbols():
    return sp.symbols("z_1 z_2", real=True)


def _worked_jacobian():
    """diag(tanh'(z)) W_hh of the worked example's network, with tanh' from its proved closed form."""
    from . import activation, example

    z = _worked_symbols()
    return sp.diag(*[activation.DERIVATIVES["tanh"].subs(activation.x, entry) for entry in z]) * example.WORKED["W_hh"]


def _proved_worked_jacobian(closed_form):
    """The closed form rnn.step-jacobian proved, diag(σ'(z_t)) W_hh, at the worked example's W_hh, with
    σ = tanh and z_t = (z_1, z_2)."""
    from . import activation, example, rnn
    from .notation import sigma

    z = _worked_symbols()
    Z, W = rnn.Z_T.subs(rnn.n, 2), rnn.W_HH.subs(rnn.n, 2)
    entries = {Z[i, 0]: z[i] for i in range(2)}
    entries.update({W[i, j]: example.WORKED["W_hh"][i, j] for i in range(2) for j in range(2)})
    explicit = sp.Matrix(closed_form.subs(rnn.n, 2).as_explicit()).xreplace(entries)
    return explicit.replace(sigma, sp.Lambda(activation.x, activation.DEFINITIONS["tanh"])).doit()


def _float32_underflow_span():
    """The first k at which (1/4)^k, multiplied out in float32 with numpy, is exactly zero."""
    import numpy as np

    value, quarter, k = np.float32(1), np.float32(0.25), 0
    while value != 0:
        value, k = np.float32(value * quarter), k + 1
    return sp.Integer(k)


def _underflow_from_smallest(smallest):
    """The first k with 4^{-k} at most half the smallest float32 subnormal (which rounds to 0, ties to even)."""
    exact = sp.Rational(float(smallest))  # a float is a dyadic rational: exact
    return sp.ceiling(sp.log(2 / exact, 4))


def _threshold(name: str):
    def answer():
        from . import bounds

        return bounds.THRESHOLD[name]
    return answer


def _threshold_formula():
    from . import bounds

    return 1 / bounds.GAMMA


def _non_normal_entry():
    """The top-right entry of NON_NORMAL^k, as SymPy computes the power for every k."""
    from . import bounds

    return sp.simplify((bounds.NON_NORMAL ** bounds.K_EXAMPLE)[0, 1])


def _juxtaposed_entry(part):
    scale, matrix = part.args
    return scale * matrix[0, 1]


XAVIER_FANS = {"variance": (256, 512), "bound": (100, 200)}
"""The fan-in and fan-out of each Xavier exercise."""


def _xavier(which: str):
    def answer():
        from . import remedies

        fan_in, fan_out = XAVIER_FANS[which]
        form = remedies.XAVIER_VARIANCE if which == "variance" else remedies.XAVIER_BOUND
        return form.subs({remedies.FAN_IN: fan_in, remedies.FAN_OUT: fan_out})
    return answer


def _at_fans(which: str):
    def then(part):
        from . import remedies

        fan_in, fan_out = XAVIER_FANS[which]
        return part.subs({remedies.FAN_IN: fan_in, remedies.FAN_OUT: fan_out})
    return then


def _clipped_norm():
    from . import remedies

    return remedies.CLIPPED_NORM


def _open_forget_gate():
    """∂c_t/∂c_{t-1} = diag(f_t) (lstm.CELL_PATH) for n = 2 with every forget gate open, f_t = 1."""
    from . import lstm

    return sp.Matrix(lstm.CELL_PATH.func(sp.ones(2, 1)).as_explicit())


def _explicit_identity(part):
    from . import lstm

    return sp.Matrix(part.subs(lstm.n, 2).as_explicit())


def _forget_at_bias_one():
    from . import activation

    return activation.DEFINITIONS["sigmoid"].subs(activation.x, 1)


def _adding_baseline():
    from sympy.stats import Uniform, variance

    return variance(Uniform("a", 0, 1) + Uniform("b", 0, 1))


def _variables() -> dict[str, tuple[Variable, ...]]:
    from . import activation, bounds, remedies

    z1, z2 = _worked_symbols()
    return {
        "x": (Variable("x", activation.x, -3, 3),),
        "z": (Variable("z1", z1, -2, 2), Variable("z2", z2, -2, 2)),
        "gamma": (Variable("gamma", bounds.GAMMA, 0.1, 2),),
        "k": (Variable("k", bounds.K_EXAMPLE, 0, 30, integer=True),),
        "clip": (Variable("g", remedies.NORM, 0.1, 10), Variable("theta", remedies.THRESHOLD, 0.1, 10)),
    }


def _exercises() -> dict[str, Exercise]:
    v = _variables()
    listed = (
        # Chapter 1: backpropagation through time
        Exercise("bptt.tanh-derivative", "backprop-through-time",
                 Proved("activation.tanh-derivative", clause="derivative"), _tanh_derivative, v["x"],
                 steps=("Differentiate the hyperbolic tangent",)),
        Exercise("bptt.tanh-maximum", "backprop-through-time",
                 Proved("activation.tanh-derivative", clause="maximum"), _supremum("tanh")),
        Exercise("bptt.sigmoid-maximum", "backprop-through-time",
                 Proved("activation.sigmoid-derivative", clause="maximum"), _supremum("sigmoid")),
        Exercise("bptt.step-jacobian", "backprop-through-time",
                 Proved("rnn.step-jacobian", clause=0, then=_proved_worked_jacobian), _worked_jacobian, v["z"],
                 shape=(2, 2)),
        Exercise("bptt.float32-underflow", "backprop-through-time",
                 Proved("example.sigmoid-100-steps", number="float32-smallest", then=_underflow_from_smallest),
                 _float32_underflow_span, tolerance=0, steps=("Each step multiplies by at most",)),
        # Chapter 2: why gradients vanish or explode
        Exercise("why.tanh-threshold", "why-vanish-explode",
                 Proved("bounds.pascanu-conditions", number="tanh-threshold"), _threshold("tanh"),
                 steps=("A matrix and its transpose", "The threshold: solve", "For tanh,")),
        Exercise("why.sigmoid-threshold", "why-vanish-explode",
                 Proved("bounds.pascanu-conditions", number="sigmoid-threshold"), _threshold("sigmoid"),
                 steps=("A matrix and its transpose", "The threshold: solve", "For sigmoid,")),
        Exercise("why.threshold-formula", "why-vanish-explode",
                 Proved("bounds.pascanu-conditions", claim="γ λ₁ = 1 ⟺ λ₁ = 1/γ", then=lambda m: m[0]),
                 _threshold_formula, v["gamma"], steps=("A matrix and its transpose", "The threshold: solve")),
        Exercise("why.non-normal-power", "why-vanish-explode",
                 Proved("bounds.linear-spectral-radius", clause="non-normal", then=_juxtaposed_entry),
                 _non_normal_entry, v["k"]),
        # Chapter 3: remedies
        Exercise("remedies.xavier-variance", "remedies",
                 Proved("remedies.xavier-variance", clause="variance", then=_at_fans("variance")), _xavier("variance"),
                 tolerance=1e-6),
        Exercise("remedies.xavier-bound", "remedies",
                 Proved("remedies.xavier-variance", clause="bound", then=_at_fans("bound")), _xavier("bound"),
                 tolerance=5e-4),
        Exercise("remedies.clipped-norm", "remedies", Proved("remedies.clipping", clause=0), _clipped_norm, v["clip"]),
        # Chapter 4: gated units
        Exercise("gated.open-forget-gate", "gated-units",
                 Proved("lstm.cell-path", clause=1, then=_explicit_identity), _open_forget_gate, shape=(2, 2),
                 steps=("The cell keeps a gated share", "The gates read", "With the forget gate open")),
        Exercise("gated.forget-bias", "gated-units", Proved("activation.sigmoid-derivative", number="at-one"),
                 _forget_at_bias_one, tolerance=5e-4, steps=("The logistic sigmoid.",)),
        Exercise("gated.adding-baseline", "gated-units", Proved("example.adding-baseline", clause=0),
                 _adding_baseline, tolerance=1e-4),
    )
    return {exercise.id: exercise for exercise in listed}


_CACHE: dict[str, Exercise] = {}


def exercises() -> dict[str, Exercise]:
    """Every exercise by id, in the order of the chapters."""
    if not _CACHE:
        _CACHE.update(_exercises())
    return _CACHE


def lookup(exercise_id: str) -> Exercise:
    known = exercises()
    if exercise_id not in known:
        close = difflib.get_close_matches(exercise_id, list(known), n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise UnknownExerciseError(f"unknown exercise {exercise_id!r}{hint} (`python -m derivations exercise` "
                                   "lists them)")
    return known[exercise_id]


# --- Proving the reference answers ---------------------------------------------------------------------------

def _capture(derivation_id: str):
    """Run the derivation ``derivation_id`` and keep the SymPy objects it published and proved."""
    from . import registry
    from .derivation import Derivation

    class Capturing(Derivation):
        def __init__(self, entry):
            super().__init__(entry)
            self.chains, self.values, self.stated = {}, {}, {}

        def _publish(self, clauses):
            chains = super()._publish(clauses)
            for index, (clause, parts) in enumerate(zip(clauses, chains)):
                self.chains[index] = parts
                if isinstance(clause[0], str):
                    self.chains[clause[0]] = parts
            return chains

        def number(self, name, value, digits=None):
            super().number(name, value, digits)
            self.values[name] = value

        def prove(self, derived, stated, *, claim, kind):
            super().prove(derived, stated, claim=claim, kind=kind)
            self.stated[claim] = stated

    entry = registry.lookup(derivation_id)
    d = Capturing(entry)
    try:
        entry.function(d)
    except DerivationError:
        raise
    except Exception as error:  # noqa: BLE001 - as derivation.run reports it
        raise DerivationError(f"{derivation_id}: the derivation raised {type(error).__name__}: {error}") from error
    return d


def proved_object(exercise: Exercise, captured=None):
    """The object the exercise's derivation proved, in the answer's shape."""
    p = exercise.proved
    d = captured or _capture(p.derivation)
    try:
        if p.clause is not None:
            found = d.chains[p.clause][-1]
        elif p.number is not None:
            found = d.values[p.number]
        else:
            found = d.stated[p.claim]
    except KeyError as error:
        raise ExerciseError(f"exercise {exercise.id}: {p.derivation} has no {error.args[0]!r} "
                            f"(clauses: {', '.join(map(str, d.chains))}; numbers: {', '.join(d.values)})") from None
    found = p.then(found) if p.then else found
    if not isinstance(found, sp.Basic):
        found = sp.Matrix(found) if hasattr(found, "shape") and getattr(found, "shape", ()) else sp.sympify(found)
    return found


def verify(exercise: Exercise, captured=None) -> sp.Basic:
    """Prove the exercise's reference answer equal to what its derivation proved; return the answer."""
    from .derivation import equal

    answer = exercise.answer()
    proved = proved_object(exercise, captured)
    symbols = {variable.symbol for variable in exercise.variables}
    if answer.free_symbols - symbols:
        raise ExerciseError(f"exercise {exercise.id}: the reference answer uses {answer.free_symbols - symbols}, "
                            f"which are not its variables")
    if isinstance(answer, sp.MatrixBase) != (exercise.shape is not None):
        raise ExerciseError(f"exercise {exercise.id}: declared shape {exercise.shape} but the answer is {answer}")
    numeric = proved.is_Float if isinstance(proved, sp.Expr) else False
    if numeric:  # a computed floating-point number: equal to the last bit it carries
        same = abs(sp.N(answer - proved, 30)) <= abs(proved) * sp.Float(2.0**-50)
    else:
        same = equal(answer, proved)
    if not same:
        raise ExerciseError(f"exercise {exercise.id}: the reference answer {_Printer().doprint(answer)} is not what "
                            f"{exercise.derivation} proved, {_Printer().doprint(proved)}")
    return answer


# --- Printing and reading answers ----------------------------------------------------------------------------

FUNCTIONS = ("sin", "cos", "tan", "sinh", "cosh", "tanh", "exp", "log", "sqrt", "abs", "min", "max")
"""The functions an answer may use, in the browser and on the command line alike."""
CONSTANTS = ("pi", "e")
ALLOWED = re.compile(r"[A-Za-z0-9+\-*/^()\[\],. ]*")
"""The characters an answer may hold once its LaTeX is translated."""
NUMBER = r"(?<![A-Za-z0-9])\d*\.?\d+(?:[eE][+-]?\d+)?"
"""A number literal, skipped when the names an answer uses are read (``1e-5`` names nothing)."""
EXAMPLES = {"number": "3/8 + sqrt(2)/4", "expression": "2*x^3 - exp(-x)/4", "matrix": "[[1, 2*x], [0, 1]]"}


class _Printer(StrPrinter):
    """SymPy's str printer with mathjs's spelling: ``^``, ``e``, ``min``/``max``/``abs``, ``[[…], […]]``."""

    def _print_Pow(self, expr, rational=False):
        return super()._print_Pow(expr, rational).replace("**", "^")

    def _print_Exp1(self, expr):
        return "e"

    def _print_Min(self, expr):
        return f"min({', '.join(self._print(a) for a in expr.args)})"

    def _print_Max(self, expr):
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_Abs(self, expr):
        return f"abs({self._print(expr.args[0])})"

    def _print_MatrixBase(self, expr):
        return "[" + ", ".join("[" + ", ".join(self._print(v) for v in expr.row(i)) + "]" for i in range(expr.rows)) + "]"

    _print_MutableDenseMatrix = _print_ImmutableDenseMatrix = _print_MatrixBase


def kind(exercise: Exercise) -> str:
    return "matrix" if exercise.shape else ("expression" if exercise.variables else "number")


def reference_text(exercise: Exercise, answer=None) -> str:
    """The reference answer in the syntax the reader types (and mathjs reads), variables by their names."""
    answer = exercise.answer() if answer is None else answer
    renamed = answer.xreplace({v.symbol: sp.Symbol(v.name) for v in exercise.variables})
    return _Printer().doprint(renamed).replace("**", "^")


def plain(text: str) -> str:
    """Simple LaTeX to plain syntax: ``\\frac{a}{b}``, ``\\sqrt{a}``, ``\\tanh``, ``\\cdot``, ``^{…}``, ``\\left(``,
    Greek letters by name, ``\\theta``, ``\\lambda_1``, ``pmatrix``; the same rules as ``exercises.js``."""
    text = text.strip().strip("$").strip()
    text = re.sub(r"\\begin\{[pb]matrix\}(.*?)\\end\{[pb]matrix\}",
                  lambda m: "[" + ", ".join("[" + row.replace("&", ",") + "]" for row in re.split(r"\\\\", m[1])) + "]",
                  text, flags=re.S)
    text = re.sub(r"\\(left|right|big|Big|bigl|bigr|Bigl|Bigr)\b\s*", "", text)
    text = re.sub(r"\\operatorname\{(\w+)\}", r"\1", text)
    text = text.replace(r"\cdot", "*").replace(r"\times", "*").replace(r"\,", " ").replace(r"\ ", " ")
    for _ in range(10):  # innermost first, so that nested fractions and roots translate
        text = re.sub(r"\\[dt]?frac\{([^{}]*)\}\{([^{}]*)\}", r"((\1)/(\2))", text)
        text = re.sub(r"\\sqrt\{([^{}]*)\}", r"sqrt(\1)", text)
        text = re.sub(r"([\^_])\{([^{}]*)\}", lambda m: "^(" + m[2] + ")" if m[1] == "^" else m[2], text)
    text = re.sub(r"\\(sin|cos|tan|sinh|cosh|tanh|exp|log|ln|min|max|pi|gamma|theta|lambda)\b",
                  lambda m: "log" if m[1] == "ln" else m[1], text)
    text = re.sub(r"\b(sin|cos|tan|sinh|cosh|tanh)\^\(?(\d+)\)?\(([^()]*)\)", r"\1(\3)^\2", text)
    text = re.sub(r"lambda_?1", "lambda1", text)
    return text.replace("{", "(").replace("}", ")").replace("\\", "").replace("**", "^")


def normalised(text: str) -> str:
    """The text as compared for "the same form": no spaces, ``**`` as ``^``."""
    return re.sub(r"\s+", "", text).replace("**", "^")


MESSAGES = {
    "en": {
        "empty": "Type an answer first.",
        "character": "“{char}” cannot appear in an answer. Write it like {example}, with * for products and ^ for powers.",
        "syntax": "Could not read “{answer}”. Write it like {example}, with * for products and ^ for powers.",
        "unknown": "“{name}” is not a name this answer can use. It may use {names}.",
        "shape-number": "Expected a number, not a matrix.",
        "shape-matrix": "Expected a {rows}×{cols} matrix, written like [[a, b], [c, d]].",
        "wrong": "Not right: at {point}, your answer gives {mine}, which is not the value it should have.",
        "wrong-number": "Not right: your answer is {mine}, which is not the right value.",
        "wrong-tolerance": "Not right: your answer {mine} is not within ±{tolerance} of the right value.",
        "right": "Right.",
        "equivalent": "Right, written differently from the derivation's {reference}.",
        "variables": "variables {names}", "none": "no variables", "functions": "the functions {names}",
        "and": " and ",
        # on the page
        "label": "Your answer", "check": "Check", "solution": "Worked solution", "answer": "Answer:",
        "from": "Derived in {link}.",
        "help-expression": "Use the variables {variables}; write it like {example} (LaTeX such as \\frac{{1}}{{4}} is also read).",
        "help-number": "A number or an expression without variables, like {example}.",
        "help-tolerance": " It is accepted within ±{tolerance}.",
        "help-matrix": "A {rows}×{cols} matrix, row by row, like {example}.", "help-variables": " Variables: {names}.",
        "loading": "Loading the checker…", "unavailable": "The checker could not be loaded: {error}",
    },
    "zh": {
        "empty": "请先输入答案。",
        "character": "答案中不能出现“{char}”。请按 {example} 的写法书写：乘号用 *，乘方用 ^。",
        "syntax": "无法读懂“{answer}”。请按 {example} 的写法书写：乘号用 *，乘方用 ^。",
        "unknown": "本题答案不能使用“{name}”。可用的有：{names}。",
        "shape-number": "答案应是一个数，而不是矩阵。",
        "shape-matrix": "答案应是 {rows}×{cols} 矩阵，写作 [[a, b], [c, d]]。",
        "wrong": "不对：在 {point} 处，你的答案等于 {mine}，不是应有的值。",
        "wrong-number": "不对：你的答案是 {mine}，不是正确的值。",
        "wrong-tolerance": "不对：你的答案 {mine} 与正确值之差超过了 ±{tolerance}。",
        "right": "正确。",
        "equivalent": "正确，只是写法与推导给出的 {reference} 不同。",
        "variables": "变量 {names}", "none": "无变量", "functions": "函数 {names}",
        "and": "，以及",
        "label": "你的答案", "check": "检查", "solution": "详细解答", "answer": "答案：",
        "from": "推导见 {link}。",
        "help-expression": "可用变量 {variables}；写法如 {example}（也可以写 \\frac{{1}}{{4}} 这样的 LaTeX）。",
        "help-number": "一个数，或不含变量的表达式，如 {example}。",
        "help-tolerance": "误差在 ±{tolerance} 以内即算正确。",
        "help-matrix": "{rows}×{cols} 矩阵，逐行书写，如 {example}。", "help-variables": "可用变量 {names}。",
        "loading": "正在加载检查程序……", "unavailable": "无法加载检查程序：{error}",
    },
}
"""What the reader is told, in each language: the command line and ``exercises.js`` use the same texts."""


def number_text(value: float) -> str:
    """A value as messages show it: four significant digits (the same as ``exercises.js``)."""
    if value == 0:
        return "0"
    text = f"{value:.4g}"
    return re.sub(r"e([+-])0*(\d)", lambda m: "e" + ("-" if m[1] == "-" else "+") + m[2], text)


def tolerance_text(tolerance: float) -> str:
    return f"{tolerance:g}"


@dataclass(frozen=True)
class Verdict:
    outcome: str  # right, equivalent, wrong, syntax, character, unknown, shape, empty
    message: str

    @property
    def correct(self) -> bool:
        return self.outcome in ("right", "equivalent")


def _names_text(exercise: Exercise, lang: str) -> str:
    m = MESSAGES[lang]
    names = [v.name for v in exercise.variables]
    variables = m["variables"].format(names=", ".join(names)) if names else m["none"]
    return variables + m["and"] + m["functions"].format(names=", ".join(FUNCTIONS + CONSTANTS))


def read(exercise: Exercise, text: str):
    """The reader's answer as a SymPy object, or a (outcome, format arguments) pair saying why not."""
    from sympy.parsing.sympy_parser import (convert_xor, implicit_multiplication, parse_expr,
                                            standard_transformations)

    source = plain(text)
    if not source.strip():
        return ("empty", {})
    bad = next((c for c in source if not ALLOWED.fullmatch(c)), None)
    if bad is not None:
        return ("character", {"char": bad})
    local = {v.name: sp.Symbol(v.name) for v in exercise.variables}
    local.update({"sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
                  "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt, "abs": sp.Abs, "min": sp.Min, "max": sp.Max,
                  "pi": sp.pi, "e": sp.E})
    names = re.findall(r"[A-Za-z][A-Za-z0-9]*", re.sub(NUMBER, " ", source))
    for name in names:
        if name not in local:
            return ("unknown", {"name": name})
    glob = {"Integer": sp.Integer, "Float": sp.Float, "Rational": sp.Rational, "Symbol": sp.Symbol,
            "Function": sp.Function, "__builtins__": {}}
    try:
        value = parse_expr(source, local_dict=local, global_dict=glob,
                           transformations=standard_transformations + (implicit_multiplication, convert_xor))
    except Exception:  # noqa: BLE001 - any failure to read is a syntax error to the reader
        return ("syntax", {"answer": text.strip()})
    if isinstance(value, list):  # a matrix, row by row; a bare tuple such as "1, 2" is no answer (nor in mathjs)
        try:
            value = sp.ImmutableMatrix(value)
        except Exception:  # noqa: BLE001
            return ("syntax", {"answer": text.strip()})
        if not all(isinstance(entry, sp.Expr) for entry in value):
            return ("syntax", {"answer": text.strip()})
        return value
    return value if isinstance(value, sp.Expr) else ("syntax", {"answer": text.strip()})


def sample_points(exercise: Exercise, count: int = 8, seed: int | None = None) -> list[dict[str, float]]:
    if not exercise.variables:
        return [{}]
    rng = random.Random(seed)
    points = []
    for _ in range(count):
        points.append({v.name: (rng.randint(int(v.low), int(v.high)) if v.integer
                                else round(rng.uniform(v.low, v.high), 3)) for v in exercise.variables})
    return points


def _values(expr, point: dict[str, float]) -> list[complex] | None:
    try:
        at = expr.subs({sp.Symbol(k): sp.Integer(v) if isinstance(v, int) else sp.Float(v) for k, v in point.items()})
        entries = list(at) if isinstance(at, sp.MatrixBase) else [at]
        out = [complex(sp.N(e, 30)) for e in entries]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return out if all(math.isfinite(v.real) and math.isfinite(v.imag) for v in out) else None


def _point_text(point: dict) -> str:
    return ", ".join(f"{k} = {number_text(v)}" for k, v in point.items())


def decide(exercise: Exercise, text: str, lang: str = "en", seed: int | None = None) -> Verdict:
    """Judge the reader's answer ``text`` against the reference answer, in ``lang``."""
    m = MESSAGES[lang]
    example = EXAMPLES[kind(exercise)]
    read_ = read(exercise, text)
    if isinstance(read_, tuple):
        outcome, args = read_
        if outcome == "unknown":
            args["names"] = _names_text(exercise, lang)
        return Verdict(outcome, m[outcome].format(example=example, **args))
    mine = read_
    reference = reference_text(exercise)
    expected = exercise.answer().xreplace({v.symbol: sp.Symbol(v.name) for v in exercise.variables})
    if isinstance(mine, sp.MatrixBase) != isinstance(expected, sp.MatrixBase) or (
            isinstance(mine, sp.MatrixBase) and mine.shape != expected.shape):
        if exercise.shape:
            return Verdict("shape", m["shape-matrix"].format(rows=exercise.shape[0], cols=exercise.shape[1]))
        return Verdict("shape", m["shape-number"])
    for point in sample_points(exercise, seed=seed):
        want, got = _values(expected, point), _values(mine, point)
        if got is None or want is None or not all(
                abs(a - b) <= (exercise.tolerance if exercise.tolerance is not None else 1e-9 * max(1, abs(a), abs(b)))
                for a, b in zip(want, got)):
            shown = ("—" if got is None else ", ".join(number_text(v.real) if not v.imag else "NaN" for v in got))
            if isinstance(mine, sp.MatrixBase) and got is not None:
                shown = "[" + shown + "]"
            if exercise.variables:
                return Verdict("wrong", m["wrong"].format(point=_point_text(point), mine=shown))
            if exercise.tolerance:
                return Verdict("wrong", m["wrong-tolerance"].format(mine=shown, tolerance=tolerance_text(exercise.tolerance)))
            return Verdict("wrong", m["wrong-number"].format(mine=shown))
    if normalised(plain(text)) == normalised(reference):
        return Verdict("right", m["right"])
    return Verdict("equivalent", m["equivalent"].format(reference=reference))


def help_text(exercise: Exercise, lang: str) -> str:
    """What the page says under the answer box: the variables, the syntax, the tolerance."""
    m, k = MESSAGES[lang], kind(exercise)
    if k == "matrix":
        text = m["help-matrix"].format(rows=exercise.shape[0], cols=exercise.shape[1], example=EXAMPLES[k])
        if exercise.variables:
            text += m["help-variables"].format(names=", ".join(v.name for v in exercise.variables))
    elif k == "expression":
        text = m["help-expression"].format(variables=", ".join(v.name for v in exercise.variables), example=EXAMPLES[k])
    else:
        text = m["help-number"].format(example=EXAMPLES[k])
    if exercise.tolerance:
        text += m["help-tolerance"].format(tolerance=tolerance_text(exercise.tolerance))
    return text
