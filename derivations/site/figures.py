"""Python-Markdown extension: ``::: figure <name> [lang=zh]`` places one of the chapters' figures
(:data:`derivations.figures.FIGURES`), drawn at build time from the numeric API with its labels,
caption and alt text in the page's language.

A drawn figure is kept under ``.cache/figures`` by a hash of everything it is made from (the drawing
code, the experiments it calls, the cache keys of the equations it declares it uses, Matplotlib's
version and the language), so an unchanged figure is not drawn again. An unknown name fails the
build naming it and the known ones.
"""

from __future__ import annotations

import base64
import difflib
import hashlib
import html
import io
import json
import os
import re
import warnings
from pathlib import Path

from markdown import Extension

from .. import cache, serving
from ..errors import DerivationError
from .docs_extension import MarkerPreprocessor
from .notebook_assets import optimise_svg

MARKER = re.compile(r"^::: figure (?P<name>[a-z0-9-]+)(?: +lang=(?P<lang>en|zh))? *$")
PACKAGE = Path(__file__).resolve().parents[1]
SOURCES = ("figures.py", "experiments/gradient_norms.py", "experiments/spectra.py", "experiments/plotting.py")
"""The code a figure is drawn by, relative to the package: part of every figure's cache key."""


class FigureError(DerivationError):
    """A page names a figure that does not exist, or a figure cannot be drawn."""


def key(name: str, lang: str) -> str:
    """The content hash a drawn figure is kept under."""
    from ..figures import FIGURES

    parts = [name, lang, cache.installed("matplotlib"), *(cache.key(eid) for eid in FIGURES[name].uses)]
    parts += [(PACKAGE / source).read_text(encoding="utf-8") for source in SOURCES]
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def drawn(name: str, lang: str) -> dict:
    """The figure ``name`` in ``lang``: its optimised SVG, caption and alt text, drawn or from the cache."""
    from ..figures import FIGURES

    if name not in FIGURES:
        close = difflib.get_close_matches(name, list(FIGURES), n=3)
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else ""
        raise FigureError(f"'::: figure {name}': unknown figure {name!r}{hint} (known: {', '.join(FIGURES)})")
    path = cache.cache_dir().parent / "figures" / f"{key(name, lang)}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..experiments.plotting import STYLE as NOTEBOOKS
    from ..figures import STYLE

    with warnings.catch_warnings(record=True) as caught, plt.rc_context({**NOTEBOOKS, **STYLE}):
        warnings.simplefilter("always")
        try:
            figure, caption, alt = FIGURES[name].draw(lang)
        except (ValueError, ArithmeticError) as error:  # a check of what the caption says, or bad numbers
            raise FigureError(f"figure {name!r} ({lang}) cannot be drawn: {error}") from error
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
        plt.close(figure)
    missing = sorted({str(w.message) for w in caught if "missing from font" in str(w.message)})
    if missing:
        raise FigureError(f"figure {name!r} ({lang}): {missing[0]} (and {len(missing) - 1} more); install Noto Sans "
                          "CJK SC (Debian: fonts-noto-cjk), and if Matplotlib ran before it was installed, delete its "
                          "font list (~/.cache/matplotlib/fontlist-*.json)")
    entry = {"svg": optimise_svg(buffer.getvalue()), "caption": caption, "alt": alt}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
    return entry


def figure_html(name: str, lang: str) -> str:
    """A ``<figure>`` holding the SVG as an image (so that figures never share ids on a page) with its
    alt text, and its caption."""
    entry = drawn(name, lang)
    size = re.search(r'<svg[^>]*\bwidth="([\d.]+)pt"[^>]*\bheight="([\d.]+)pt"', entry["svg"])
    width, height = (round(float(v) * 4 / 3) for v in size.groups())
    source = "data:image/svg+xml;base64," + base64.b64encode(entry["svg"].encode("utf-8")).decode("ascii")
    return (f'<figure class="chapter-figure" id="figure-{name}"><img src="{source}" alt="{html.escape(entry["alt"])}" '
            f'width="{width}" height="{height}"><figcaption>{html.escape(entry["caption"])}</figcaption></figure>')


class FigurePreprocessor(MarkerPreprocessor):
    marker = MARKER

    def expand(self, match) -> list[str]:
        try:
            shown = figure_html(match["name"], match["lang"] or "en")
        except FigureError as error:
            if not serving.active():
                raise
            shown = serving.failure(error)
        return ["", self.md.htmlStash.store(shown), ""]


class FiguresExtension(Extension):
    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.preprocessors.register(FigurePreprocessor(md), "figures", 7)


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return FiguresExtension(**kwargs)
