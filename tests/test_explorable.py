"""The explorable on "Why gradients vanish or explode": its script's formulas are printed from the proved
SymPy objects and agree with the numeric API; in Chromium, the values it draws for slider settings agree
with ``rnn.span_log_norms`` on the same matrix and inputs, in both languages, and what the page says about
the settings holds."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from derivations import activation, bounds, explorable, rnn
from derivations.site import explorable as extension
from derivations.site.katex import node
from test_browser import AXE, browser, server  # noqa: F401 (the module's own Chromium and local server)

pytestmark = pytest.mark.checks(*explorable.USES)

RELATIVE = 1e-9
"""Largest relative difference (against max(1, |value|)) allowed between a drawn log-norm and NumPy's."""
STABLE_UP_TO = 4.0
"""Compare only while log₁₀ of the norm stays at most this: past it the states are chaotic, and rounding
differences between two programs grow by the same factor as the norm (10⁴ × 10⁻¹⁶ is still far below 1e-9)."""


def run_node(code: str) -> dict:
    done = subprocess.run([node()], input=explorable.script() + "\n" + code, capture_output=True, text=True,
                          encoding="utf-8")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("name", explorable.ACTIVATIONS)
def test_the_printed_step_and_jacobian_agree_with_the_numeric_api(name):
    rng = np.random.default_rng(3)
    n = 5
    W_hh, W_xh, b_h, h, x = rng.normal(size=(n, n)), rng.normal(size=(n, 1)), rng.normal(size=n), rng.normal(size=n), \
        rng.normal(size=1)
    arguments = [{"rows": a.shape[0], "cols": a.shape[1] if a.ndim == 2 else 1, "data": a.ravel().tolist()}
                 for a in (W_hh, W_xh, b_h, h, x)]
    got = run_node(f"""const model = globalThis.RnnExplorable.MODEL.activations[{json.dumps(name)}];
        const args = {json.dumps(arguments)}.map((a) => ({{...a, data: Float64Array.from(a.data)}}));
        process.stdout.write(JSON.stringify({{step: Array.from(model.step(...args).data),
            jacobian: Array.from(model.jacobian(...args).data), gamma: model.gamma}}));""")
    np.testing.assert_allclose(got["step"], rnn.step(W_hh, W_xh, b_h, h, x, name), rtol=1e-13)
    np.testing.assert_allclose(np.reshape(got["jacobian"], (n, n)), rnn.step_jacobian(W_hh, W_xh, b_h, h, x, name),
                               rtol=1e-13)
    assert got["gamma"] == float(activation.SUPREMUM[name])


def test_the_printed_bound_and_region_agree_with_the_bounds_module():
    got = run_node("""const m = globalThis.RnnExplorable.MODEL;
        process.stdout.write(JSON.stringify({log: m.logBound(7, 0.25, 3), limits: [m.boundLimit(0.25, 3.9),
            m.boundLimit(0.25, 4), m.boundLimit(1, 1.5)].map(String)}));""")
    gamma, lambda_1 = bounds.GAMMA, bounds.LAMBDA_1
    assert got["log"] == pytest.approx(7 * np.log10(0.25 * 3), rel=1e-14)
    limit = bounds.PASCANU_LIMITS["explode"][1]
    expected = [limit.subs({gamma: 0.25, lambda_1: value}) for value in (3.9, 4, 1.5 / 0.25)]
    assert got["limits"] == ["0", "1", "Infinity"] and [str(e) for e in expected] == ["0", "1", "oo"]


def test_the_script_names_the_ids_it_is_printed_from():
    script = explorable.script()
    assert all(equation_id in script for equation_id in explorable.USES)
    assert "__MODEL__" not in script and "__MESSAGES__" not in script


def test_a_failing_script_fails_the_build_naming_the_explorable(tmp_path, monkeypatch):
    from derivations import cache

    monkeypatch.setattr(cache, "cache_dir", lambda: tmp_path / "derivations")
    monkeypatch.setattr(cache, "record", lambda equation_id: {})
    with pytest.raises(extension.ExplorableError, match="::: explorable.*Node.js"):
        extension.static_figure(explorable.script().replace("M.mul(", "M.multiply("), "en")


def test_the_explorable_is_not_drawn_when_an_equation_it_is_printed_from_fails(monkeypatch):
    """A wrong closed form in rnn.STEP_JACOBIAN fails rnn.step-jacobian's proof (tests/test_rnn.py and the
    mutants check that); the explorable loads the record of every id it is printed from, so it then fails too."""
    from derivations import cache
    from derivations.errors import DerivationError

    def record(equation_id):
        if equation_id == "rnn.step-jacobian":
            raise DerivationError("rnn.step-jacobian: proof failed")
        return {}

    monkeypatch.setattr(cache, "record", record)
    with pytest.raises(DerivationError, match="rnn.step-jacobian"):
        extension.explorable_html("en")


# --- In Chromium ---

def explorable_page(browser, server, lang: str, **options):  # noqa: F811 - the fixture imported above
    tab = browser.new_page(viewport={"width": 1280, "height": 900}, **options)
    requests: list[str] = []
    tab.on("request", lambda request: requests.append(request.url))
    tab.goto(f"{server}/{'zh/' if lang == 'zh' else ''}why-vanish-explode/#try-it", wait_until="load")
    return tab, requests


def wait_done(tab) -> dict:
    tab.wait_for_function("document.querySelector('figure.explorable').dataset.state === 'done'", timeout=60_000)
    return tab.evaluate("globalThis.RnnExplorable.current()")


def set_slider(tab, name: str, value) -> None:
    tab.locator(f"#explorable-{name}").fill(str(value))


def numpy_log10(drawn: dict) -> np.ndarray:
    s = drawn["settings"]
    n = s["width"]
    logs = rnn.span_log_norms(np.reshape(drawn["W_hh"], (n, n)), np.reshape(drawn["W_xh"], (n, 1)), np.zeros(n),
                              np.zeros(n), np.reshape(drawn["xs"], (-1, 1)), s["activation"])
    return logs / np.log(10)


def assert_agrees(drawn: dict) -> np.ndarray:
    expected = numpy_log10(drawn)
    got = np.array(drawn["log10"])
    assert len(got) == drawn["settings"]["span"] == len(expected)
    stable = np.maximum.accumulate(expected) <= STABLE_UP_TO
    assert stable[:10].all(), "the settings leave no stable prefix to compare"
    error = np.abs(got - expected) / np.maximum(1, np.abs(expected))
    assert error[stable].max() <= RELATIVE, f"largest relative error {error[stable].max():.3g}"
    return expected


SETTINGS = [
    {},
    {"activation": "sigmoid", "ratio": 1.5, "scale": 1, "span": 300, "width": 8},
    {"activation": "tanh", "ratio": 2, "scale": 0.2, "span": 400, "width": 16},  # grows: chaotic past the prefix
    {"activation": "tanh", "ratio": 0.8, "scale": 3, "span": 1000, "width": 64},
]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(map(str, s.values())) or "defaults")
def test_the_values_drawn_agree_with_span_log_norms(browser, server, lang, settings):  # noqa: F811
    tab, requests = explorable_page(browser, server, lang)
    drawn = wait_done(tab)
    if "activation" in settings:
        tab.locator(f"input[name=activation][value={settings['activation']}]").check()
    for name in ("ratio", "scale", "width", "span"):
        if name in settings:
            set_slider(tab, name, settings[name])
    drawn = wait_done(tab)
    tab.close()
    assert drawn["settings"] == {**explorable_defaults(), **settings}
    assert_agrees(drawn)
    assert all(url.startswith(server) for url in requests), "a request left the site"


def explorable_defaults() -> dict:
    defaults = {name: values[3] for name, values in explorable.SLIDERS.items()}
    return {"activation": explorable.ACTIVATIONS[0], **defaults}


def drawn_for(tab, **settings) -> dict:
    if "activation" in settings:
        tab.locator(f"input[name=activation][value={settings['activation']}]").check()
    for name, value in settings.items():
        if name != "activation":
            set_slider(tab, name, value)
    return wait_done(tab)


def test_what_the_page_says_about_the_settings_holds(browser, server):  # noqa: F811
    """The three "things to try" of the page, in the values the explorable draws."""
    tab, _ = explorable_page(browser, server, "en")
    wait_done(tab)
    for ratio in (0.8, 1.2):  # tanh, no input: the measured line is the bound, on both sides of the threshold
        drawn = drawn_for(tab, activation="tanh", ratio=ratio, scale=0, span=300)
        bound = np.arange(1, 301) * np.log10(ratio)
        np.testing.assert_allclose(drawn["log10"], bound, rtol=1e-9, atol=1e-9)
        if ratio < 1:
            assert_agrees(drawn)
    for scale in (0.5, 1, 2):  # inputs: slopes below γ, the norm below the bound
        drawn = drawn_for(tab, activation="tanh", ratio=0.95, scale=scale, span=300)
        assert drawn["log10"][-1] < 300 * np.log10(0.95) - 1
    for name in explorable.ACTIVATIONS:  # above the threshold at input scale 1, γλ₁ = 1.5: the norm falls
        drawn = drawn_for(tab, activation=name, ratio=1.5, scale=1, width=16, span=200)
        assert drawn["log10"][-1] < -5
        assert_agrees(drawn)
    drawn = drawn_for(tab, activation="tanh", ratio=2, scale=1, width=16, span=200)  # towards 2 with tanh: it grows
    assert drawn["log10"][-1] > 0
    tab.close()


@pytest.mark.parametrize(("lang", "words"), [("en", ("Pascanu's vanishing region", "possible here, not certain",
                                                      "on the threshold")),
                                              ("zh", ("消失区域", "但并非必然", "恰在阈值上"))])
def test_the_sentence_names_the_region_in_the_pages_language(browser, server, lang, words):  # noqa: F811
    tab, _ = explorable_page(browser, server, lang)
    wait_done(tab)
    said = []
    for ratio in (0.5, 1.5, 1):
        set_slider(tab, "ratio", ratio)
        wait_done(tab)
        said.append(tab.locator(".explorable-summary").inner_text())
    labels = tab.locator(".explorable-controls label").all_inner_texts()
    tab.close()
    assert [word in sentence for word, sentence in zip(words, said)] == [True] * 3, said
    assert explorable.MESSAGES[lang]["width"] in labels


def test_the_keyboard_moves_a_slider_and_the_plot_follows(browser, server):  # noqa: F811
    tab, _ = explorable_page(browser, server, "en")
    wait_done(tab)
    tab.locator("#explorable-width").focus()
    for _ in range(3):
        tab.keyboard.press("ArrowRight")
    drawn = wait_done(tab)
    assert drawn["settings"]["width"] == explorable.SLIDERS["width"][3] + 3
    assert tab.locator("#explorable-width + output").inner_text() == str(drawn["settings"]["width"])
    assert_agrees(drawn)
    tab.close()


def test_without_javascript_the_page_shows_the_default_plot(browser, server):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    tab = context.new_page()
    tab.goto(f"{server}/why-vanish-explode/", wait_until="load")
    figure = tab.locator("figure.explorable")
    assert figure.locator("svg polyline.measured").count() == 1
    assert not figure.locator("form").is_visible()
    assert f"At k = {explorable.SLIDERS['span'][3]}" in figure.locator(".explorable-summary").inner_text()
    context.close()


@pytest.mark.parametrize(("lang", "scheme"), [("en", "light"), ("zh", "dark")])
def test_the_explorable_has_no_serious_accessibility_violation(browser, server, lang, scheme):  # noqa: F811
    tab, _ = explorable_page(browser, server, lang, color_scheme=scheme)
    wait_done(tab)
    tab.add_script_tag(path=str(AXE))
    violations = tab.evaluate("""async () => (await axe.run('figure.explorable', {resultTypes: ['violations']}))
        .violations.filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id)""")
    tab.close()
    assert violations == []


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_plots_lines_and_text_keep_their_contrast_in_both_palettes(browser, server, scheme):  # noqa: F811
    """The two lines 3:1 against the page (WCAG 1.4.11), the labels 4.5:1 (1.4.3), as Chromium computes them."""
    from test_figures import _contrast, _luminance

    tab, _ = explorable_page(browser, server, "en", color_scheme=scheme)
    wait_done(tab)
    colours = tab.evaluate("""() => {
        const rgb = (c) => c.match(/[\\d.]+/g).map(Number);
        const svg = document.querySelector('.explorable-plot svg');
        const pick = (selector, property) => rgb(getComputedStyle(svg.querySelector(selector))[property]);
        return {page: rgb(getComputedStyle(document.body).backgroundColor),
                measured: pick('polyline.measured', 'stroke'), bound: pick('line.bound', 'stroke'), text: pick('text', 'fill')};
    }""")
    tab.close()
    page = np.array(colours["page"][:3], dtype=float)

    def seen(colour):  # an rgba colour as painted over the page
        alpha = colour[3] if len(colour) == 4 else 1.0
        return _luminance(alpha * np.array(colour[:3]) + (1 - alpha) * page)

    assert len(colours["page"]) == 3, "the page's background is not opaque"
    assert _contrast(seen(page), seen(colours["measured"])) >= 3 and _contrast(seen(page), seen(colours["bound"])) >= 3
    assert _contrast(seen(page), seen(colours["text"])) >= 4.5
