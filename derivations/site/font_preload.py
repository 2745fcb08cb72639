"""MkDocs hook: each page preloads the KaTeX fonts its formulas use.

The browser finds a web font only after it has parsed the stylesheet and laid out text that needs
it, and KaTeX's fonts block text until they arrive; a ``<link rel="preload">`` in the head starts
the download while the page is still being parsed. Which fonts a page uses is read from KaTeX's
own stylesheet: each rule that sets a ``KaTeX_*`` family applies to the elements carrying its
classes, and the ``@font-face`` rules name the WOFF2 file for that family, style and weight.
Every formula uses KaTeX_Main through the root ``.katex`` rule.

A site-only hook rather than a Markdown extension because the links belong in ``<head>``; a site
built without it (Zensical) loads the same fonts, later.
"""

from __future__ import annotations

import functools
import re

from derivations.site import katex

FACE = re.compile(r"@font-face\{([^}]*)\}")
RULE = re.compile(r"(?:(?<=[{}])|^)([^{}@]+)\{([^}]*font-family:(KaTeX_\w+)[^}]*)\}")
DECLARATION = re.compile(r"(font-family|font-style|font-weight|src):([^;]+)")
WOFF2 = re.compile(r"url\(fonts/([\w-]+\.woff2)\)")
COMPOUND = re.compile(r"(?:\.[\w-]+)+")
CLASSES = re.compile(r'class="([^"]*)"')
STYLESHEET = re.compile(r'<link rel="stylesheet" href="([^"]*)katex\.min\.css">')
BASE_FONT = ("KaTeX_Main", "normal", "400")


@functools.cache
def font_rules() -> tuple[dict[tuple[str, str, str], str], list[tuple[frozenset[str], tuple[str, str, str]]]]:
    """From KaTeX's stylesheet: the WOFF2 file of each (family, style, weight), and for each rule that
    sets a family, the classes an element must carry (the selector's last compound with classes)
    and the face it asks for. Style and weight default to normal and 400."""
    css = (katex.ASSETS_DIR / "katex.min.css").read_text(encoding="utf-8")
    files = {}
    for face in FACE.findall(css):
        found = dict(DECLARATION.findall(face))
        files[(found["font-family"], found["font-style"], found["font-weight"])] = WOFF2.search(found["src"])[1]
    rules = []
    for selectors, body, family in RULE.findall(css):
        found = dict(DECLARATION.findall(body))
        face = (family, found.get("font-style", "normal"), found.get("font-weight", "400"))
        for selector in selectors.split(","):
            compounds = COMPOUND.findall(selector)
            classes = frozenset(compounds[-1].split(".")[1:]) - {"katex"} if compounds else frozenset()
            if classes:
                rules.append((classes, face))
    return files, rules


def fonts_used(html: str) -> list[str]:
    """The WOFF2 files of the KaTeX fonts that the formulas in ``html`` use, sorted; none without math."""
    if 'class="katex' not in html:
        return []
    files, rules = font_rules()
    elements = {frozenset(value.split()) for value in CLASSES.findall(html)}
    faces = {BASE_FONT} | {face for classes, face in rules if any(classes <= element for element in elements)}
    return sorted(files[face] for face in faces if face in files)


def with_preloads(html: str) -> str:
    """``html`` with a font preload for each KaTeX font it uses, ahead of KaTeX's stylesheet."""
    stylesheet = STYLESHEET.search(html)
    fonts = fonts_used(html)
    if not stylesheet or not fonts:
        return html
    links = "".join(f'<link rel="preload" href="{stylesheet[1]}fonts/{font}" as="font" type="font/woff2" crossorigin>'
                    for font in fonts)
    return html[:stylesheet.start()] + links + html[stylesheet.start():]


def on_post_page(output: str, page, config) -> str:
    return with_preloads(output)
