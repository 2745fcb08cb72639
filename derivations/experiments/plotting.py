"""The notebooks' shared set-up: SVG figures that are identical from run to run, and headline numbers
that readers see as a table and tests read as JSON."""

from __future__ import annotations

import matplotlib as mpl
from IPython import get_ipython
from IPython.display import display

HEADLINE = "application/vnd.rnn-gradients.headline+json"
"""The MIME type under which a notebook's headline numbers are stored for the tests."""

STYLE = {
    "figure.figsize": (7.5, 4.2),
    "figure.facecolor": "white",   # a white card on the dark palette too, so every colour keeps its contrast
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "font.size": 12,            # figures are scaled down to the text column: keep labels legible
    "legend.fontsize": 10,
    "svg.fonttype": "path",        # glyphs as outlines: the figure needs no font on the reader's machine
    "svg.hashsalt": "rnn-gradients",
}


def setup() -> None:
    """Inline figures as SVG without a date stamp, in the site's style."""
    mpl.rcParams.update(STYLE)
    shell = get_ipython()
    if shell is not None:
        shell.run_line_magic("config", "InlineBackend.figure_formats = ['svg']")
        shell.run_line_magic("config", "InlineBackend.print_figure_kwargs = "
                                       "{'bbox_inches': 'tight', 'metadata': {'Date': None}}")


def headline(numbers: dict[str, float]) -> None:
    """Show ``numbers`` (keyed by what they are) as a table; the tests read the same numbers from the
    output's :data:`HEADLINE` entry."""
    rows = "\n".join(f"| {name} | {value:.4g} |" for name, value in numbers.items())
    display({HEADLINE: {name: float(value) for name, value in numbers.items()},
             "text/markdown": f"| Headline number | Value |\n|---|---|\n{rows}"}, raw=True)
