"""The chapters' exercises: every reference answer is what its derivation proved (a wrong one fails
naming the exercise), each chapter places three to six in both languages, and
``python -m derivations exercise`` judges answers with the messages the page shows."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sympy as sp

from derivations import exercises
from derivations.exercises import Exercise
from test_cli import cli

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ("backprop-through-time", "why-vanish-explode", "remedies", "gated-units")
MARKER = re.compile(r"^::: exercise (\S+)(?: lang=(en|zh))? *$", re.M)
IDS = list(exercises.exercises())


def right_answer(exercise: Exercise) -> str:
    return exercises.reference_text(exercise)


def other_form(exercise: Exercise) -> str:
    """A right answer written differently: the reference times 1, spelled out."""
    return f"1*({right_answer(exercise)})" if not exercise.shape else right_answer(exercise).replace("[[", "[[0 + ")


def wrong_answer(exercise: Exercise) -> str:
    if exercise.shape:
        rows, cols = exercise.shape
        return "[" + ", ".join("[" + ", ".join("7" for _ in range(cols)) + "]" for _ in range(rows)) + "]"
    return f"({right_answer(exercise)}) + 1/2"


@pytest.mark.parametrize("exercise_id", IDS)
def test_the_reference_answer_is_what_the_derivation_proved(exercise_id):
    exercise = exercises.lookup(exercise_id)
    answer = exercises.verify(exercise)
    assert exercises.decide(exercise, right_answer(exercise), seed=0).outcome == "right"
    assert exercises.decide(exercise, right_answer(exercise), "zh", seed=0).message == "正确。"
    assert isinstance(answer, (sp.Basic, sp.MatrixBase))


@pytest.mark.parametrize("exercise_id", ["bptt.tanh-derivative", "why.sigmoid-threshold", "gated.open-forget-gate",
                                         "bptt.float32-underflow"])
def test_a_wrong_reference_answer_fails_naming_the_exercise(exercise_id):
    exercise = exercises.lookup(exercise_id)
    wrong = exercise.answer() + (sp.ones(*exercise.shape) if exercise.shape else 1)
    broken = Exercise(**{**exercise.__dict__, "answer": lambda: wrong})
    with pytest.raises(exercises.ExerciseError, match=rf"exercise {re.escape(exercise_id)}: the reference answer .* "
                                                      rf"is not what {re.escape(exercise.derivation)} proved"):
        exercises.verify(broken)


def test_a_proved_object_that_does_not_exist_fails_naming_it():
    exercise = exercises.lookup("why.tanh-threshold")
    broken = Exercise(**{**exercise.__dict__, "proved": exercises.Proved(exercise.derivation, number="relu-threshold")})
    with pytest.raises(exercises.ExerciseError, match=r"bounds.pascanu-conditions has no 'relu-threshold'"):
        exercises.verify(broken)


def test_every_chapter_has_three_to_six_exercises_in_both_languages_each_placed_once():
    placed = []
    for chapter in CHAPTERS:
        english = [m[0] for m in MARKER.findall((ROOT / "docs" / f"{chapter}.md").read_text(encoding="utf-8"))]
        chinese = MARKER.findall((ROOT / "docs" / f"{chapter}.zh.md").read_text(encoding="utf-8"))
        assert 3 <= len(english) <= 6, f"{chapter}: {len(english)} exercises"
        assert [i for i, _ in chinese] == english and all(lang == "zh" for _, lang in chinese), chapter
        assert all(exercises.lookup(i).page == chapter for i in english), chapter
        placed += english
    assert sorted(placed) == sorted(IDS), "every exercise is placed once, on its own chapter"


def test_exercises_come_last_before_the_references():
    for chapter in CHAPTERS:
        for suffix in (".md", ".zh.md"):
            text = (ROOT / "docs" / f"{chapter}{suffix}").read_text(encoding="utf-8")
            after = text[text.index("{#exercises}"):]
            assert "\n## " not in after, f"{chapter}{suffix}: a section follows the exercises"
            tail = text.rstrip().splitlines()[-1]
            assert tail.startswith(("::: exercise", "::: references")), f"{chapter}{suffix}: ends with {tail!r}"


@pytest.mark.parametrize(("text", "outcome"), [
    ("1 - tanh(x)^2", "right"), ("1 - tanh(x)**2", "right"), (r"1 - \tanh^2(x)", "right"),
    ("1/cosh(x)^2", "equivalent"), (r"\frac{1}{\cosh^{2}(x)}", "equivalent"), (r"\operatorname{sech}", "unknown"),
    ("tanh(x)", "wrong"), ("1 - tanh(x", "syntax"), ("y", "unknown"), ("x = 1", "character"), ("", "empty"),
    ("[[1, 0], [0, 1]]", "shape"),
])
def test_decisions(text, outcome):
    assert exercises.decide(exercises.lookup("bptt.tanh-derivative"), text, seed=1).outcome == outcome


def test_numbers_are_accepted_within_the_stated_tolerance():
    exercise = exercises.lookup("gated.forget-bias")
    assert exercise.tolerance and exercises.decide(exercise, "0.7311").outcome == "equivalent"
    verdict = exercises.decide(exercise, "0.73")
    assert verdict.outcome == "wrong" and verdict.message == ("Not right: your answer 0.73 is not within ±0.0005 of "
                                                              "the right value.")
    assert "±0.0005" in exercises.help_text(exercise, "en") and "±0.0005" in exercises.help_text(exercise, "zh")


def test_the_float32_span_is_computed_by_numpy_and_agrees_with_the_derivations_number():
    import numpy as np

    exercise = exercises.lookup("bptt.float32-underflow")
    k = int(exercises.verify(exercise))
    assert np.float32(0.25) ** np.float32(k - 1) != 0 and np.float32(np.float32(0.25) ** (k - 1) * np.float32(0.25)) == 0


def test_reference_text_reads_back_as_the_answer():
    for exercise in exercises.exercises().values():
        read = exercises.read(exercise, exercises.reference_text(exercise))
        expected = exercise.answer().xreplace({v.symbol: sp.Symbol(v.name) for v in exercise.variables})
        if exercise.shape:
            assert sp.simplify(sp.Matrix(read) - expected) == sp.zeros(*exercise.shape), exercise.id
        else:
            assert sp.simplify(read - expected) == 0, exercise.id


def test_cli_lists_the_exercises():
    done = cli("exercise")
    assert done.returncode == 0
    assert [line.split("\t")[0] for line in done.stdout.splitlines()] == IDS


def test_cli_right_wrong_and_unreadable():
    right = cli("exercise", "bptt.tanh-derivative", "--answer", "1 - tanh(x)^2")
    assert (right.returncode, right.stdout.strip()) == (0, "Right.")
    other = cli("exercise", "bptt.tanh-derivative", "--answer", r"\frac{1}{\cosh^2(x)}")
    assert (other.returncode, other.stdout.strip()) == (0, "Right, written differently from the derivation's "
                                                           "1 - tanh(x)^2.")
    wrong = cli("exercise", "why.sigmoid-threshold", "--answer", "1/4")
    assert (wrong.returncode, wrong.stdout.strip()) == (1, "Not right: your answer is 0.25, which is not the right value.")
    bad = cli("exercise", "why.sigmoid-threshold", "--answer", "4 +", "--lang", "zh")
    assert bad.returncode == 1 and bad.stdout.strip() == "无法读懂“4 +”。请按 3/8 + sqrt(2)/4 的写法书写：乘号用 *，乘方用 ^。"


def test_cli_unknown_exercise_says_did_you_mean():
    done = cli("exercise", "bptt.tanh-derivativ", "--answer", "x")
    assert done.returncode == 2
    assert "unknown exercise 'bptt.tanh-derivativ'; did you mean 'bptt.tanh-derivative'" in done.stderr
