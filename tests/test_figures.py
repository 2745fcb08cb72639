"""The chapters' figures: one at least per chapter in both languages, with alt text and caption in the
page's language whose numbers are computed; drawn once per content; an unknown name or a missing glyph
fails naming the figure."""

from __future__ import annotations

import re

import markdown
import numpy as np
import pytest

from derivations import figures
from derivations.experiments import gradient_norms
from derivations.site import figures as site_figures
from test_browser import browser, server  # noqa: F401 (the module's own Chromium and local server)

CHAPTERS = ("backprop-through-time", "why-vanish-explode", "remedies", "gated-units")
FIGURE = re.compile(r'<figure class="chapter-figure" id="figure-([a-z-]+)"><img src="((?:\.\./)*assets/figures/'
                    r'[0-9a-f]+\.svg)" alt="([^"]+)"[^>]*><figcaption>([^<]+)</figcaption></figure>')
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_has_a_figure_with_alt_text_and_caption_in_its_language(built_site, chapter, lang):
    page = built_site / ("" if lang == "en" else "zh/") / chapter / "index.html"
    found = FIGURE.findall(page.read_text(encoding="utf-8"))
    assert found, f"{chapter} ({lang}) places no figure"
    for name, source, alt, caption in found:  # the notebook hook made the embedded SVG a file
        assert (page.parent / source).resolve().read_text(encoding="utf-8").startswith("<svg"), name
        assert len(alt) > 40 and len(caption) > 20, name
        assert bool(CJK.search(alt)) == (lang == "zh") and bool(CJK.search(caption)) == (lang == "zh"), name


def test_the_alt_text_states_the_numbers_the_numeric_api_gives():
    """The span-norms figure's alt text quotes the measured log-norm at the last span, recomputed here."""
    alt = site_figures.drawn("span-norms", "en")["alt"]
    low = figures.SPAN_LAMBDAS[0]
    logs = gradient_norms.rnn_log_norms("tanh", figures.SPAN_N, low, figures.SPAN_STEPS,
                                        np.random.default_rng(figures.SPAN_SEED))
    assert f"falls to {logs[-1] / np.log(10):.0f} at k = {figures.SPAN_STEPS}" in alt


def test_a_figure_is_drawn_once_per_content(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVATIONS_CACHE", str(tmp_path / "derivations"))
    calls = []
    original = figures.FIGURES["init-spectra"]
    monkeypatch.setitem(figures.FIGURES, "init-spectra", figures.Figure(
        original.name, original.uses, lambda lang: calls.append(lang) or original.draw(lang)))
    first = site_figures.drawn("init-spectra", "en")
    assert site_figures.drawn("init-spectra", "en") == first and calls == ["en"]
    site_figures.drawn("init-spectra", "zh")
    assert calls == ["en", "zh"], "another language is another figure"


def test_an_unknown_figure_fails_naming_it():
    with pytest.raises(site_figures.FigureError, match=r"'::: figure span-norm': unknown figure 'span-norm'; "
                                                       r"did you mean 'span-norms'"):
        markdown.markdown("::: figure span-norm", extensions=[site_figures.makeExtension()])


def test_a_glyph_no_font_has_fails_naming_the_figure(tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVATIONS_CACHE", str(tmp_path / "derivations"))
    monkeypatch.setitem(figures.STYLE, "font.family", ["DejaVu Sans"])
    with pytest.raises(site_figures.FigureError, match=r"figure 'init-spectra' \(zh\): Glyph .* missing.*fonts-noto-cjk"):
        site_figures.drawn("init-spectra", "zh")


def test_a_figure_whose_caption_would_be_false_is_not_drawn(tmp_path, monkeypatch):
    """span-norms says the measured norm never rises above the bound; with the bound lowered it does."""
    monkeypatch.setenv("DERIVATIONS_CACHE", str(tmp_path / "derivations"))
    monkeypatch.setitem(gradient_norms.GAMMA, "tanh", 0.5)
    with pytest.raises(site_figures.FigureError, match=r"figure 'span-norms' \(en\) cannot be drawn: .*exceeds the bound"):
        site_figures.drawn("span-norms", "en")


def _luminance(rgb) -> np.ndarray:
    """WCAG relative luminance of sRGB values in 0…255 (any shape ending in 3)."""
    c = np.asarray(rgb, dtype=float) / 255
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return c @ [0.2126, 0.7152, 0.0722]


def _contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize(("lang", "chapter"), [(lang, chapter) for lang in ("en", "zh") for chapter in CHAPTERS])
def test_every_figure_reads_in_both_palettes(browser, server, lang, chapter, scheme):  # noqa: F811
    """Each figure as Chromium paints it: a light card, whatever the palette, whose text (the darkest
    pixels) has at least 4.5:1 contrast against it, and whose lines keep 3:1 (WCAG 1.4.3 and 1.4.11)."""
    import io

    from PIL import Image

    tab = browser.new_page(viewport={"width": 1280, "height": 900}, color_scheme=scheme)
    tab.goto(f"{server}/{'zh/' if lang == 'zh' else ''}{chapter}/", wait_until="load")
    images = tab.locator("figure.chapter-figure img")
    assert images.count() > 0
    for index in range(images.count()):
        image = images.nth(index)
        image.scroll_into_view_if_needed()
        tab.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
        shot = np.asarray(Image.open(io.BytesIO(image.screenshot())).convert("RGB"))
        pixels = shot.reshape(-1, 3)
        card = float(np.median(_luminance(shot[2:6, 2:6])))  # the card's own colour, at its corner
        assert card > 0.85, f"figure {index} of {chapter} ({lang}, {scheme}): its card is not light"
        darkest = np.percentile(_luminance(pixels), 0.5)
        assert _contrast(card, darkest) >= 4.5, f"figure {index} of {chapter} ({lang}, {scheme}): text too faint"
    tab.close()


def test_the_figures_line_colours_keep_their_contrast_on_the_card():
    white = _luminance([255, 255, 255])
    for colour in figures.COLORS:
        rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
        assert _contrast(white, _luminance(rgb)) >= 3, colour
