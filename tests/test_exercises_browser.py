"""The exercises in a real headless Chromium: every exercise of every chapter answered right, in another
form, wrong and malformed, in both languages, with the messages ``python -m derivations exercise`` gives;
mathjs is fetched from the site itself, only once the reader checks an answer; axe-core finds nothing
serious or critical on a page with exercises."""

from __future__ import annotations

import re

import pytest

from derivations import exercises
from derivations.site.exercises import dom_id
from test_browser import AXE, browser, server  # noqa: F401 - fixtures: a Chromium, and the built site served
from test_exercises import CHAPTERS, other_form, right_answer, wrong_answer

BY_PAGE = {chapter: [e for e in exercises.exercises().values() if e.page == chapter] for chapter in CHAPTERS}


def answer(tab, exercise, text: str) -> tuple[str, str]:
    """Type ``text`` into the exercise's box, check it, and return (outcome, message) as the page shows them."""
    box = tab.locator(f"#{dom_id(exercise.id)}")
    field = box.locator("input")
    field.fill(text)
    box.locator("button[type=submit]").click()
    result = box.locator(".exercise-result[data-outcome]")
    result.wait_for(timeout=15_000)
    return result.get_attribute("data-outcome"), result.text_content().strip()


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_exercise_answered_right_other_form_wrong_and_malformed(browser, server, chapter, lang):  # noqa: F811
    requests: list[str] = []
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.on("request", lambda request: requests.append(request.url))
    tab.goto(f"{server}/{'' if lang == 'en' else 'zh/'}{chapter}/", wait_until="networkidle")
    try:
        assert not [url for url in requests if url.endswith("/mathjs/math.js")], "mathjs is loaded before any check"
        messages = exercises.MESSAGES[lang]
        for exercise in BY_PAGE[chapter]:
            box = tab.locator(f"#{dom_id(exercise.id)}")
            assert box.count() == 1, exercise.id
            label = box.locator("label")
            assert label.text_content().strip() == messages["label"]
            assert box.locator("input").get_attribute("id") == label.get_attribute("for")

            outcome, message = answer(tab, exercise, right_answer(exercise))
            assert (outcome, message) == ("right", messages["right"]), exercise.id

            outcome, message = answer(tab, exercise, other_form(exercise))
            assert (outcome, message) == ("equivalent", messages["equivalent"].format(
                reference=exercises.reference_text(exercise))), exercise.id

            outcome, message = answer(tab, exercise, wrong_answer(exercise))
            assert outcome == "wrong", (exercise.id, message)
            expected = exercises.decide(exercise, wrong_answer(exercise), lang).message
            if exercise.variables:  # the random point differs; the message's shape does not
                pattern = re.escape(messages["wrong"]).replace(r"\{point\}", ".+").replace(r"\{mine\}", ".+")
                assert re.fullmatch(pattern, message), (exercise.id, message)
            else:
                assert message == expected, exercise.id

            malformed = "(" + right_answer(exercise)
            outcome, message = answer(tab, exercise, malformed)
            assert (outcome, message) == ("syntax", exercises.decide(exercise, malformed, lang).message), exercise.id

            outcome, message = answer(tab, exercise, "x = 1")
            assert (outcome, message) == ("character", exercises.decide(exercise, "x = 1", lang).message), exercise.id

            outcome, message = answer(tab, exercise, "q")
            assert (outcome, message) == ("unknown", exercises.decide(exercise, "q", lang).message), exercise.id
        loads = [url for url in requests if url.endswith("/mathjs/math.js")]
        assert len(loads) == 1 and loads[0].startswith(server), loads
    finally:
        tab.close()


def test_latex_answers_are_read(browser, server):  # noqa: F811
    tab = browser.new_page()
    tab.goto(f"{server}/backprop-through-time/", wait_until="networkidle")
    try:
        exercise = exercises.lookup("bptt.tanh-derivative")
        assert answer(tab, exercise, r"1 - \tanh^{2}(x)") == ("right", "Right.")
        assert answer(tab, exercise, r"\frac{1}{\cosh^{2}(x)}")[0] == "equivalent"
        assert answer(tab, exercises.lookup("bptt.sigmoid-maximum"), r"\frac{1}{4}")[0] == "equivalent"
    finally:
        tab.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_axe_finds_nothing_serious_on_a_page_with_exercises(browser, server, lang):  # noqa: F811
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(f"{server}/{'' if lang == 'en' else 'zh/'}remedies/", wait_until="networkidle")
    try:
        exercise = exercises.lookup("remedies.clipped-norm")
        answer(tab, exercise, "g")  # a verdict on the page, in its colour
        tab.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        tab.add_style_tag(content="* { content-visibility: visible !important; transition: none !important; }")
        tab.add_script_tag(path=str(AXE))
        for scheme in ("default", "slate"):
            tab.evaluate(f"document.body.setAttribute('data-md-color-scheme', '{scheme}')")
            violations = tab.evaluate("""async () => (await axe.run(document.querySelector('#exercises').parentElement,
                {resultTypes: ['violations']})).violations
                .filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))""")
            assert violations == [], (scheme, violations)
    finally:
        tab.close()
