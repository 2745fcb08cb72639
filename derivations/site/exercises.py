"""Python-Markdown extension: ``::: exercise <id> [lang=zh]`` places the answer box and the worked solution
of one of the chapters' exercises (:mod:`derivations.exercises`).

The answer box carries the reference answer as the reader would type it, printed from the SymPy object
its derivation proved (:func:`derivations.exercises.reference_text`), the variables' sampling domain,
the tolerance and the messages in the page's language; ``docs/assets/javascripts/exercises.js`` loads
mathjs from the site's own assets (``docs/assets/mathjs/``, copied from the pinned npm package by
``python -m derivations assets``) the first time the reader checks an answer, and judges it as
``python -m derivations exercise`` does. The worked solution shows the derivation's steps, typeset,
and the answer.

Each reference answer is proved equal to what its derivation proved (:func:`derivations.exercises.verify`)
before it is shown, once per content: the outcome is kept under ``.cache/exercises`` by a hash of the
derivation's cache key, the exercises module and SymPy's version. An unknown id fails the build naming
the closest ids; a wrong reference answer fails it naming the exercise.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
from pathlib import Path

from markdown import Extension

from .. import cache, exercises, serving
from ..errors import DerivationError
from ..notation import latex
from .docs_extension import MarkerPreprocessor
from .katex import ROOT

MARKER = re.compile(r"^::: exercise (?P<id>[a-z0-9.-]+)(?: +lang=(?P<lang>en|zh))? *$")
MATHJS_DIR = ROOT / "node_modules" / "mathjs"
ASSETS_DIR = ROOT / "docs" / "assets" / "mathjs"
SCRIPT = "math.js"
"""mathjs's browser bundle (UMD, minified), served from the site's assets and loaded on the first check."""
RUNTIME_MESSAGES = ("empty", "character", "syntax", "unknown", "shape-number", "shape-matrix", "wrong", "wrong-number",
                    "wrong-tolerance", "right", "equivalent", "loading", "unavailable")


def pinned_version() -> str:
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/mathjs"]["version"]


def install_assets() -> str:
    """Copy mathjs's browser bundle and its licence notice into ``docs/assets/mathjs`` (npm packages are
    installed first by :func:`derivations.site.katex.install_assets`)."""
    wanted = pinned_version()
    stamp = ASSETS_DIR / "VERSION"
    if not stamp.exists() or stamp.read_text().strip() != wanted:
        staging = ASSETS_DIR.with_name("mathjs.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        for name in (SCRIPT, f"{SCRIPT}.LICENSE.txt"):
            shutil.copy2(MATHJS_DIR / "lib" / "browser" / name, staging / name)
        shutil.copy2(MATHJS_DIR / "LICENSE", staging / "LICENSE")
        (staging / "VERSION").write_text(wanted + "\n")
        shutil.rmtree(ASSETS_DIR, ignore_errors=True)
        staging.rename(ASSETS_DIR)
    return wanted


class ExercisePlacementError(DerivationError):
    """A page places an exercise that does not exist, twice, or while mathjs is not in the assets."""


def check_installed() -> None:
    stamp = ASSETS_DIR / "VERSION"
    if not stamp.exists() or stamp.read_text().strip() != pinned_version():
        raise ExercisePlacementError(f"mathjs {pinned_version()} (the exercises' answer checker) is missing or outdated "
                                     f"in {ASSETS_DIR.relative_to(ROOT)}; run `python -m derivations assets`")


def key(exercise: exercises.Exercise) -> str:
    parts = [exercise.id, cache.key(exercise.derivation), cache.installed("sympy"),
             Path(exercises.__file__).read_text(encoding="utf-8")]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def verified(exercise_id: str) -> dict:
    """The exercise's reference answer, proved equal to what its derivation proved: its text and LaTeX."""
    exercise = exercises.lookup(exercise_id)
    path = cache.cache_dir().parent / "exercises" / f"{key(exercise)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    answer = exercises.verify(exercise)
    entry = {"reference": exercises.reference_text(exercise, answer), "latex": latex(answer)}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
    return entry


def dom_id(exercise_id: str) -> str:
    return "exercise-" + exercise_id.replace(".", "-")


def help_html(exercise: exercises.Exercise, lang: str) -> str:
    """The help text under the answer box, with what the reader would type set as code."""
    shown = html.escape(exercises.help_text(exercise, lang))
    for typed in (exercises.EXAMPLES[exercises.kind(exercise)], r"\frac{1}{4}"):
        shown = shown.replace(html.escape(typed), f"<code>{html.escape(typed)}</code>")
    return shown


def form_html(exercise: exercises.Exercise, entry: dict, lang: str) -> str:
    """The answer box: a labelled input with its help text, a button, and a polite live region."""
    esc, m, base = html.escape, exercises.MESSAGES[lang], dom_id(exercise.id)
    variables = [[v.name, v.low, v.high, v.integer] for v in exercise.variables]
    data = {
        "exercise": exercise.id, "answer": entry["reference"], "variables": json.dumps(variables),
        "tolerance": "" if exercise.tolerance is None else repr(exercise.tolerance),
        "shape": ",".join(map(str, exercise.shape)) if exercise.shape else "",
        "functions": json.dumps(list(exercises.FUNCTIONS + exercises.CONSTANTS)),
        "names": exercises._names_text(exercise, lang), "example": exercises.EXAMPLES[exercises.kind(exercise)],
        "tolerance-text": exercises.tolerance_text(exercise.tolerance) if exercise.tolerance else "",
        "messages": json.dumps({k: m[k] for k in RUNTIME_MESSAGES}, ensure_ascii=False),
    }
    attributes = " ".join(f'data-{name}="{esc(value)}"' for name, value in data.items())
    return (f'<div class="exercise-check" id="{base}" {attributes}>'
            f'<form class="exercise-form" novalidate>'
            f'<label for="{base}-answer">{esc(m["label"])}</label>'
            f'<input id="{base}-answer" name="answer" type="text" autocomplete="off" autocapitalize="off" '
            f'spellcheck="false" aria-describedby="{base}-help">'
            f'<button type="submit" class="exercise-button">{esc(m["check"])}</button>'
            f'<p class="exercise-help" id="{base}-help">{help_html(exercise, lang)}</p>'
            f'</form><p class="exercise-result" id="{base}-result" role="status" aria-live="polite"></p></div>')


def solution_html(exercise: exercises.Exercise, entry: dict, lang: str) -> str:
    """The worked solution's body: the derivation's steps (all, or those the exercise names), typeset."""
    from .equations import _step_math, _text

    record = cache.record(exercise.derivation)
    chosen = list(range(len(record["steps"])))
    if exercise.steps is not None:
        chosen = []
        for start in exercise.steps:
            found = [i for i, step in enumerate(record["steps"]) if step["text"].startswith(start)]
            if len(found) != 1:
                raise ExercisePlacementError(f"exercise {exercise.id}: {len(found)} steps of {exercise.derivation} "
                                             f"begin with {start!r}; the worked solution needs exactly one")
            chosen += found
    items = "".join(
        f'<li><p>{_text(record["steps"][i]["text"], exercise.derivation, f"step {i + 1}", lang)}</p>'
        f'{_step_math(record["steps"][i]["latex"], exercise.derivation, f"step {i + 1}")}</li>' for i in chosen)
    return f'<ol class="exercise-steps">{items}</ol>' if items else ""


class ExercisePreprocessor(MarkerPreprocessor):
    marker = MARKER

    def __init__(self, md):
        super().__init__(md)
        self.placed: set[str] = set()

    def run(self, lines):
        self.placed = set()
        return super().run(lines)

    def expand(self, match) -> list[str]:
        from .equations import _step_math
        from .katex import render

        lang = match["lang"] or "en"
        try:
            check_installed()
            exercise = exercises.lookup(match["id"])
            if exercise.id in self.placed:
                raise ExercisePlacementError(f"'::: exercise {exercise.id}': placed twice on this page")
            self.placed.add(exercise.id)
            serving.depends("equation", exercise.derivation, cache.key(exercise.derivation))  # served: rebuilt with it
            entry = verified(exercise.id)
            form = form_html(exercise, entry, lang)
            steps = solution_html(exercise, entry, lang)
            answer = (_step_math(entry["latex"], exercise.id, "answer") if exercise.shape  # a matrix: displayed
                      else render(entry["latex"], False, f"exercise {exercise.id} (answer)"))
        except DerivationError as error:
            if not serving.active():
                raise
            return ["", self.md.htmlStash.store(serving.failure(error)), ""]
        m, stash = exercises.MESSAGES[lang], self.md.htmlStash.store
        title = m["solution"]
        lines = ["", stash(form), "", f'??? success exercise-solution "{title}"', ""]
        if steps:
            lines += [f"    {stash(steps)}", ""]
        link = m["from"].format(link=f"{{eq:{exercise.derivation}}}")
        if exercise.shape:  # a displayed matrix, between its label and its source
            lines += [f"    {m['answer']}", "", f"    {stash(answer)}", "", f"    {link}", ""]
        else:
            lines += [f"    {m['answer']}{stash(answer)}。{link}" if lang == "zh" else
                      f"    {m['answer']} {stash(answer)}. {link}", ""]
        return lines


class ExercisesExtension(Extension):
    def extendMarkdown(self, md):
        md.registerExtension(self)
        # after ::: chapter (7) inlines a page for the print edition, before its references are marked (6.5)
        md.preprocessors.register(ExercisePreprocessor(md), "exercises", 6.6)


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return ExercisesExtension(**kwargs)
