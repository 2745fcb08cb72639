"""Every equation as one LaTeX document, labelled by id: the site's ``derivations.tex`` download."""

from __future__ import annotations

from . import cache
from .registry import TOPICS

PREAMBLE = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb}
\title{Vanishing and exploding gradients in RNNs: the derived equations}
\date{}
\begin{document}
\maketitle
Every equation below is derived by SymPy and proved equal to the closed form shown; its label
is its public id, so \verb|\eqref{rnn.step-jacobian}| cites it.
"""


def _text(text: str) -> str:
    """Plain text made safe for LaTeX (titles may contain underscores)."""
    return text.replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("&", r"\&").replace("%", r"\%")


def tex() -> str:
    """A complete LaTeX document with every equation, labelled by its id, topic by topic."""
    records = cache.records()
    parts = [PREAMBLE]
    for topic in TOPICS:
        parts.append(f"\n\\section*{{{_text(topic)}}}\n")
        for record in (r for r in records.values() if r["id"].split(".")[0] == topic):
            parts.append(
                f"\\paragraph{{{_text(record['title'])}}} \\texttt{{{_text(record['id'])}}}\n"
                f"\\begin{{equation}}\\label{{{record['id']}}}\n{record['equation']}\n\\end{{equation}}\n"
            )
    parts.append("\\end{document}\n")
    return "".join(parts)

