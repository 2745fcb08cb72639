"""Python-Markdown extension: ``::: explorable [lang=zh]`` places the explorable of
:mod:`derivations.explorable`: its script (the runtime with the model printed from SymPy), an empty form
that the script fills with the sliders, and the plot and sentence for the default settings, computed at
build time by the same script in Node.js, which is what a reader without JavaScript sees.

The equations the model is printed from must derive and prove (their records are loaded first), and the
static figure is kept under ``.cache/explorable`` by a hash of the script, their cache keys and the
language, so an unchanged explorable costs no Node.js run.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import subprocess

from markdown import Extension

from .. import cache, explorable, serving
from ..errors import DerivationError
from .docs_extension import MarkerPreprocessor
from .katex import node

MARKER = re.compile(r"^::: explorable(?: +lang=(?P<lang>en|zh))? *$")


class ExplorableError(DerivationError):
    """The explorable's script fails, or an equation it is printed from does not prove."""


def static_figure(script: str, lang: str) -> dict:
    """The plot (SVG) and sentence for the default settings, from the cache or by running ``script``."""
    for equation_id in explorable.USES:
        cache.record(equation_id)
    digest = hashlib.sha256("\0".join([script, lang, *map(cache.key, explorable.USES)]).encode("utf-8")).hexdigest()
    path = cache.cache_dir().parent / "explorable" / f"{digest}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    run = subprocess.run([node()], input=f"{script}\nprocess.stdout.write(JSON.stringify("
                         f"globalThis.RnnExplorable.staticFigure({json.dumps(lang)})));",
                         capture_output=True, text=True, encoding="utf-8")
    if run.returncode:
        raise ExplorableError(f"'::: explorable': its script fails in Node.js: {run.stderr.strip()[-800:]}")
    entry = json.loads(run.stdout)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
    partial.replace(path)
    return entry


def explorable_html(lang: str) -> str:
    """The figure: a form the script fills (hidden until it runs), the static plot and sentence, the script."""
    script = explorable.script()
    shown = static_figure(script, lang)
    return (f'<figure class="explorable" id="explorable" data-lang="{lang}" data-ids="{" ".join(explorable.USES)}" data-search-exclude>'
            '<form class="explorable-controls" hidden></form>'
            f'<div class="explorable-plot">{shown["svg"]}</div>'
            f'<figcaption class="explorable-summary" aria-live="polite">{html.escape(shown["summary"])}</figcaption>'
            f"<script>{script}</script></figure>")


class ExplorablePreprocessor(MarkerPreprocessor):
    marker = MARKER

    def expand(self, match) -> list[str]:
        try:
            shown = explorable_html(match["lang"] or "en")
        except DerivationError as error:
            if not serving.active():
                raise
            shown = serving.failure(error)
        return ["", self.md.htmlStash.store(shown), ""]


class ExplorableExtension(Extension):
    def extendMarkdown(self, md):
        md.registerExtension(self)
        md.preprocessors.register(ExplorablePreprocessor(md), "explorable", 7)


def makeExtension(**kwargs):  # noqa: N802 - the name Python-Markdown looks up
    return ExplorableExtension(**kwargs)
