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
