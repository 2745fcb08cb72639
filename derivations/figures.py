"""The chapters' figures, drawn from the numeric API: each a function of the page's language that
returns the figure, its caption and its alt text, and names the equation ids its numbers come from.

Labels, captions and alt text are in the page's language; every number they state is computed here.
Figures are white cards in both palettes, like the notebooks' (``experiments.plotting.STYLE``), with
their text drawn as outlines, so they need no font on the reader's machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import activation
from .experiments import gradient_norms, spectra

COLORS = ("#1f6fb2", "#d9622b", "#2a9d6f", "#8e44ad")
"""Line colours that keep their contrast on the white card."""
CJK_FONTS = ["DejaVu Sans", "Noto Sans CJK SC"]
"""Latin glyphs from DejaVu Sans, Chinese ones from Noto Sans CJK SC (Debian's fonts-noto-cjk)."""


@dataclass(frozen=True)
class Figure:
    """A chapter's figure: ``draw(lang)`` returns (matplotlib figure, caption, alt text)."""

    name: str
    uses: tuple[str, ...]
    draw: Callable


STYLE = {"font.family": CJK_FONTS, "figure.figsize": (7.5, 3.6), "figure.constrained_layout.use": True}
"""The notebooks' style (``experiments.plotting.STYLE``) with these changes; figures are drawn within it."""


def _axes():
    import matplotlib.pyplot as plt

    return plt.subplots()


def activation_slopes(lang: str):
    """σ' and tanh' over [−6, 6], each with its maximum γ at 0 (``activation.*-derivative``)."""
    x = np.linspace(-6, 6, 241)
    figure, axes = _axes()
    for (name, label), color in zip((("sigmoid", "σ′(x)"), ("tanh", "tanh′(x)")), COLORS):
        slope = _lambdified(name)(x)
        gamma = float(activation.SUPREMUM[name])
        axes.plot(x, slope, color=color, label=label)
        axes.plot([0], [gamma], "o", color=color)
        axes.annotate(f"γ = {gamma:g}", (0, gamma), xytext=(10, -4), textcoords="offset points", color=color)
    axes.set_xlabel("x")
    axes.set_ylabel({"en": "slope", "zh": "斜率"}[lang])
    axes.legend(loc="upper right")
    gammas = {name: float(activation.SUPREMUM[name]) for name in ("sigmoid", "tanh")}
    caption = {"en": "The slopes of the logistic sigmoid and of tanh; each is largest at 0.",
               "zh": "logistic sigmoid 与 tanh 的斜率；两者都在 0 处最大。"}[lang]
    alt = {"en": f"Two bell-shaped curves over x from −6 to 6: the sigmoid's slope peaks at {gammas['sigmoid']:g} "
                 f"and tanh's at {gammas['tanh']:g}, both at x = 0, and both fall towards 0 as |x| grows.",
           "zh": f"x 从 −6 到 6 的两条钟形曲线：sigmoid 的斜率在 x = 0 处达到最大值 {gammas['sigmoid']:g}，"
                 f"tanh 的斜率在 x = 0 处达到最大值 {gammas['tanh']:g}；随着 |x| 增大，两者都趋于 0。"}[lang]
    return figure, caption, alt


def _lambdified(name: str):
    import sympy as sp

    return sp.lambdify(activation.x, activation.STABLE[name], "numpy")


SPAN_N, SPAN_STEPS, SPAN_SEED = 32, 200, 0
SPAN_LAMBDAS = (0.9, 1.5)
"""λ₁ of the tanh RNNs drawn (γ = 1): below 1/γ the bound forces vanishing; above it, it allows growth."""


def span_norms(lang: str):
    """log₁₀ ‖∂h_{t+k}/∂h_t‖₂ of tanh RNNs (``rnn.span_log_norms``) beside the bound k·log₁₀(γλ₁)
    of ``bounds.span-norm``."""
    k = np.arange(1, SPAN_STEPS + 1)
    gamma = gradient_norms.GAMMA["tanh"]
    figure, axes = _axes()
    final = {}
    for lam, color in zip(SPAN_LAMBDAS, COLORS):
        logs = gradient_norms.rnn_log_norms("tanh", SPAN_N, lam, SPAN_STEPS, np.random.default_rng(SPAN_SEED))
        if np.any(logs > k * np.log(gamma * lam) + 1e-9):  # the caption says so: bounds.span-norm
            raise ValueError(f"span-norms: a measured norm exceeds the bound (γλ₁)^k at λ₁ = {lam}")
        final[lam] = (logs[-1] / np.log(10), SPAN_STEPS * np.log10(gamma * lam))
        axes.plot(k, logs / np.log(10), color=color, label={"en": "measured", "zh": "实测"}[lang] + f", λ₁ = {lam:g}")
        axes.plot(k, k * np.log10(gamma * lam), "--", color=color, label={"en": "bound", "zh": "上界"}[lang]
                  + f" k·log₁₀(γλ₁), λ₁ = {lam:g}")
    axes.set_xlabel({"en": "span k (steps)", "zh": "跨度 k（步）"}[lang])
    axes.set_ylabel("log₁₀ ‖∂hₜ₊ₖ/∂hₜ‖₂")
    axes.legend(loc="lower left", fontsize=9)
    low, high = SPAN_LAMBDAS
    caption = {"en": f"A tanh RNN with {SPAN_N} units and W_hh a scaled orthogonal matrix: the measured norm never "
                     "rises above the bound; below λ₁ = 1/γ the bound forces it to vanish.",
               "zh": f"{SPAN_N} 个单元的 tanh RNN，W_hh 为缩放的正交矩阵：实测范数从不超过上界；λ₁ 小于 1/γ 时，"
                     "上界迫使它消失。"}[lang]
    alt = {"en": f"Log-norm against span k up to {SPAN_STEPS}. For λ₁ = {low:g} the measured curve falls to "
                 f"{final[low][0]:.0f} at k = {SPAN_STEPS}, under its bound's {final[low][1]:.1f}; for λ₁ = {high:g} "
                 f"the bound climbs to {final[high][1]:.0f} while the measured curve ends at {final[high][0]:.1f}.",
           "zh": f"对数范数随跨度 k 的变化，k 至 {SPAN_STEPS}。λ₁ = {low:g} 时，实测曲线在 k = {SPAN_STEPS} 处降到 "
                 f"{final[low][0]:.0f}，低于上界的 {final[low][1]:.1f}；λ₁ = {high:g} 时，上界升到 "
                 f"{final[high][1]:.0f}，而实测曲线止于 {final[high][0]:.1f}。"}[lang]
    return figure, caption, alt


def pascanu_regions(lang: str):
    """The (γ, λ₁) plane split by λ₁ = 1/γ (``bounds.pascanu-conditions``), with the sigmoid's and tanh's γ
    (``activation.*-derivative``) marked on the curve."""
    gamma = np.linspace(0.1, 1.2, 221)
    figure, axes = _axes()
    axes.plot(gamma, 1 / gamma, color="black", label="λ₁ = 1/γ")
    axes.fill_between(gamma, 0, 1 / gamma, color=COLORS[0], alpha=0.15,
                      label={"en": "λ₁ < 1/γ: long spans vanish (sufficient)", "zh": "λ₁ < 1/γ：长跨度必然消失（充分条件）"}[lang])
    axes.fill_between(gamma, 1 / gamma, 10.5, color=COLORS[1], alpha=0.15,
                      label={"en": "λ₁ > 1/γ: explosion possible (necessary)", "zh": "λ₁ > 1/γ：可能爆炸（必要条件）"}[lang])
    thresholds = {}
    for name, color in zip(("sigmoid", "tanh"), COLORS[2:]):
        g = float(activation.SUPREMUM[name])
        thresholds[name] = 1 / g
        axes.plot([g], [1 / g], "o", color=color)
        axes.annotate(f"{name}: γ = {g:g}, 1/γ = {1 / g:g}", (g, 1 / g), xytext=(8, 6), textcoords="offset points",
                      color=color)
    axes.set_xlim(gamma[0], gamma[-1])
    axes.set_ylim(0, 10.5)
    axes.set_xlabel({"en": "γ, the largest slope of the activation", "zh": "γ：激活函数的最大斜率"}[lang])
    axes.set_ylabel({"en": "λ₁, the largest singular value of W_hh", "zh": "λ₁：W_hh 的最大奇异值"}[lang])
    axes.legend(loc="upper right", fontsize=9)
    caption = {"en": "Pascanu, Mikolov and Bengio's conditions as regions of the (γ, λ₁) plane.",
               "zh": "Pascanu、Mikolov 与 Bengio 的条件在 (γ, λ₁) 平面上划出的区域。"}[lang]
    alt = {"en": f"The curve λ₁ = 1/γ divides the plane. Below it the gradients over long spans must vanish; above "
                 f"it they may explode but need not. The sigmoid sits at γ = {float(activation.SUPREMUM['sigmoid']):g}, "
                 f"where the curve is at λ₁ = {thresholds['sigmoid']:g}; tanh at γ = {float(activation.SUPREMUM['tanh']):g}, "
                 f"where it is at λ₁ = "
                 f"{thresholds['tanh']:g}.",
           "zh": f"曲线 λ₁ = 1/γ 把平面分成两部分：曲线下方，长跨度上的梯度必然消失；曲线上方，梯度可能爆炸，但不一定。"
                 f"sigmoid 位于 γ = {float(activation.SUPREMUM['sigmoid']):g}，曲线在此处为 λ₁ = {thresholds['sigmoid']:g}；"
                 f"tanh 位于 γ = {float(activation.SUPREMUM['tanh']):g}，曲线在此处为 λ₁ = {thresholds['tanh']:g}。"}[lang]
    return figure, caption, alt


SPECTRA_N, SPECTRA_SEED = 128, 0


def init_spectra(lang: str):
    """The singular values of a square W_hh under Xavier-uniform and orthogonal initialization."""
    rng = np.random.default_rng(SPECTRA_SEED)
    figure, axes = _axes()
    shown = {}
    for init, color in zip(("xavier-uniform", "orthogonal"), COLORS):
        values = spectra.spectrum(spectra.weight(init, SPECTRA_N, rng))["singular_values"]
        shown[init] = values
        axes.plot(np.arange(1, SPECTRA_N + 1), values, color=color,
                  label={"xavier-uniform": "Xavier (uniform)", "orthogonal": {"en": "orthogonal", "zh": "正交"}[lang]}[init])
    axes.set_xlabel({"en": "index i (largest first)", "zh": "序号 i（从大到小）"}[lang])
    axes.set_ylabel({"en": "singular value", "zh": "奇异值"}[lang])
    axes.legend(loc="upper right")
    xavier = shown["xavier-uniform"]
    if not np.allclose(shown["orthogonal"], 1):  # the caption says so: remedies.orthogonal-singular-values
        raise ValueError("init-spectra: an orthogonal matrix's singular value is not 1")
    caption = {"en": f"Singular values of a {SPECTRA_N}×{SPECTRA_N} W_hh: Xavier spreads them out, orthogonal "
                     "sets every one to 1.",
               "zh": f"{SPECTRA_N}×{SPECTRA_N} 的 W_hh 的奇异值：Xavier 初始化使它们散开，正交初始化使每一个都等于 1。"}[lang]
    alt = {"en": f"Xavier's singular values fall from {xavier[0]:.2f} to {xavier[-1]:.3f}; the orthogonal matrix's "
                 f"are a flat line at {shown['orthogonal'].mean():.0f}.",
           "zh": f"Xavier 的奇异值从 {xavier[0]:.2f} 降到 {xavier[-1]:.3f}；正交矩阵的奇异值是一条位于 "
                 f"{shown['orthogonal'].mean():.0f} 的水平线。"}[lang]
    return figure, caption, alt


CELL_N, CELL_STEPS, CELL_SEED = 32, 200, 0
CELL_FORGET_BIAS, CELL_LAMBDA = 1.0, 1.0
"""The LSTM's total forget-gate bias, and λ₁ of the simple RNN drawn beside it."""


def cell_path(lang: str):
    """log₁₀ ‖∂c_{t+k}/∂c_t‖₂ of an LSTM (``lstm.step_jacobian``) beside ‖∂h_{t+k}/∂h_t‖₂ of a tanh RNN
    with λ₁ = 1 (``rnn.span_log_norms``)."""
    k = np.arange(1, CELL_STEPS + 1)
    lstm = gradient_norms.lstm_log_norms(CELL_N, CELL_STEPS, np.random.default_rng(CELL_SEED),
                                         forget_bias=CELL_FORGET_BIAS)["cell"] / np.log(10)
    rnn = gradient_norms.rnn_log_norms("tanh", CELL_N, CELL_LAMBDA, CELL_STEPS, np.random.default_rng(CELL_SEED)) / np.log(10)
    figure, axes = _axes()
    axes.plot(k, lstm, color=COLORS[0], label={"en": "LSTM cell path", "zh": "LSTM 细胞通路"}[lang] + " ‖∂cₜ₊ₖ/∂cₜ‖₂")
    axes.plot(k, rnn, color=COLORS[1], label={"en": f"tanh RNN, λ₁ = {CELL_LAMBDA:g}", "zh": f"tanh RNN，λ₁ = {CELL_LAMBDA:g}"}[lang]
              + " ‖∂hₜ₊ₖ/∂hₜ‖₂")
    axes.set_xlabel({"en": "span k (steps)", "zh": "跨度 k（步）"}[lang])
    axes.set_ylabel("log₁₀ ‖·‖₂")
    axes.legend(loc="lower left")
    caption = {"en": f"{CELL_N} units each, PyTorch's default initialization for the LSTM with forget-gate bias "
                     f"{CELL_FORGET_BIAS:g}.",
               "zh": f"各 {CELL_N} 个单元；LSTM 用 PyTorch 的默认初始化，遗忘门偏置为 {CELL_FORGET_BIAS:g}。"}[lang]
    alt = {"en": f"Log-norm against span k up to {CELL_STEPS}: the LSTM's cell path ends at {lstm[-1]:.1f}, "
                 f"the simple RNN's at {rnn[-1]:.1f}.",
           "zh": f"对数范数随跨度 k 的变化，k 至 {CELL_STEPS}：LSTM 细胞通路止于 {lstm[-1]:.1f}，"
                 f"简单 RNN 止于 {rnn[-1]:.1f}。"}[lang]
    return figure, caption, alt


FIGURES = {f.name: f for f in (
    Figure("activation-slopes", ("activation.sigmoid-derivative", "activation.tanh-derivative"), activation_slopes),
    Figure("span-norms", ("rnn.span-jacobian", "bounds.span-norm"), span_norms),
    Figure("pascanu-regions", ("bounds.pascanu-conditions", "activation.sigmoid-derivative",
                               "activation.tanh-derivative"), pascanu_regions),
    Figure("init-spectra", ("remedies.xavier-variance", "remedies.orthogonal-singular-values"), init_spectra),
    Figure("cell-path", ("lstm.cell-path", "rnn.span-jacobian"), cell_path),
)}
"""Every figure a page can place with ``::: figure <name>``."""
