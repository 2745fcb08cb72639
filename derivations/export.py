"""Every equation as one LaTeX document, labelled by id: the site's ``derivations.tex`` download.

Sections follow the site's chapters in reading order, and each equation carries the number its
chapter's page gives it (``\\tag``), so ``\\eqref{rnn.step-jacobian}`` prints what the site shows.
An equation too wide for the text block is scaled down to fit it.
"""

from __future__ import annotations

from pathlib import Path

from . import cache

ROOT = Path(__file__).resolve().parents[1]

FIT_DISPLAY = r"""% A display wider than the text block (less room for its number) is scaled down to fit it.
\newcommand{\fitdisplay}[1]{\resizebox{\ifdim\width>\dimexpr\linewidth-5em\relax\dimexpr\linewidth-5em\relax\else\width\fi}{!}{$\displaystyle #1$}}
"""
PREAMBLE = r"""\documentclass{article}
\usepackage[utf8]{inputenc}
\usepackage{amsmath,amssymb,graphicx}
\usepackage[a4paper,margin=25mm]{geometry}
""" + FIT_DISPLAY + r"""\title{Vanishing and exploding gradients in RNNs: the derived equations}
\date{}
\begin{document}
\maketitle
Every equation below is derived by SymPy and proved equal to the closed form shown. Its label is
its public id, so \verb|\eqref{rnn.step-jacobian}| cites it. Sections follow the site's chapters,
and each equation carries the number it has on its chapter's page: as on the site, numbers start
again at 1 in each section.
"""


def _text(text: str) -> str:
    """Plain text made safe for LaTeX (titles may contain underscores)."""
    return text.replace("\\", r"\textbackslash{}").replace("_", r"\_").replace("&", r"\&").replace("%", r"\%")


def _pages(nav: list) -> list[tuple[str, str]]:
    """The Markdown pages of a MkDocs nav, in reading order, with their titles."""
    found = []
    for item in nav:
        for title, target in item.items() if isinstance(item, dict) else [(None, item)]:
            if isinstance(target, list):
                found += _pages(target)
            elif str(target).endswith(".md"):
                found.append((title, target))
    return found


def _equation(record: dict, tag: str) -> str:
    return (f"\\paragraph{{{_text(record['title'])}}} \\texttt{{{_text(record['id'])}}}\n"
            f"\\begin{{equation}}\\label{{{record['id']}}}{tag}\n\\fitdisplay{{{record['equation']}}}\n\\end{{equation}}\n")


def tex(config_file: Path = ROOT / "mkdocs.yml") -> str:
    """A complete LaTeX document with every equation, labelled by its id and numbered as on its page."""
    from mkdocs.utils.yaml import yaml_load

    from .site.citation import numbers
    from .site.claims import equation_pages

    records = cache.records()
    config = yaml_load(config_file.read_text(encoding="utf-8"))  # the nav only: no plugin is loaded
    docs = config_file.parent / config.get("docs_dir", "docs")
    home = equation_pages(docs)
    parts = [PREAMBLE]
    for title, page in _pages(config["nav"]):
        placed = {eid: n for eid, n in numbers(docs / page).items() if home[eid] == page}
        if placed:
            parts.append(f"\n\\section*{{{_text(title)}}}\n")
            parts += [_equation(records[eid], "\\tag*{Definition}" if n is None else f"\\tag{{{n}}}")
                      for eid, n in placed.items()]
    unplaced = [eid for eid in records if eid not in home]
    if unplaced:
        parts.append("\n\\section*{Not yet placed on a page}\n")
        parts += [_equation(records[eid], f"\\tag{{\\text{{{_text(eid)}}}}}") for eid in unplaced]
    parts.append("\\end{document}\n")
    return "".join(parts)
