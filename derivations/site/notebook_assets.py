"""What notebook pages share instead of carrying it inline: one stylesheet and their figures as files.

mkdocs-jupyter inlines JupyterLab's stylesheets (about 600 kB) into every notebook page, and nbconvert
embeds each figure as a base64 ``data:`` URI. The notebook hook moves both out of the pages:

- :func:`split_styles` takes the ``<style>`` blocks out of a notebook page's content, and
  :func:`trim_css` keeps of them only the rules whose selectors match an element of a notebook page;
  the hook writes the result once, as :data:`STYLESHEET`, which only notebook pages link.
- :func:`figure_files` replaces each embedded SVG figure by a file named by the hash of its content
  (the same figure in both editions is one file), written through :func:`optimise_svg`: the same
  drawing with coordinates rounded to :data:`PLACES` decimals of a point, no metadata, no unused ids
  and the style that every marker of a scatter plot repeats said once by the group that holds them.
"""

from __future__ import annotations

import base64
import hashlib
import re
import xml.etree.ElementTree as ET
from functools import lru_cache

STYLESHEET = "assets/stylesheets/jupyter.css"
"""Where the stylesheet shared by the notebook pages is written, under the site directory."""
FIGURES = "assets/figures"
"""Where notebook figures are written, under the site directory, each as ``<hash>.svg``."""
PLACES = 2
"""Decimals kept of an SVG coordinate, in points: 0.005 pt is far below a pixel on any screen."""

STYLE_BLOCK = re.compile(r"\s*<style\b[^>]*>(.*?)</style>\s*", re.S)
SVG_IMAGE = re.compile(r'(<img\b[^>]*?\bsrc=")data:image/svg\+xml;base64,([A-Za-z0-9+/=\s]+)(")')


# --- The shared stylesheet ------------------------------------------------------------------------

def split_styles(content: str) -> tuple[str, list[str]]:
    """``content`` without its ``<style>`` blocks, and their CSS in order."""
    found: list[str] = []

    def take(match: re.Match) -> str:
        found.append(match[1])
        return "\n"

    return STYLE_BLOCK.sub(take, content), found


def link(href: str) -> str:
    return f'<link rel="stylesheet" href="{href}">'


def with_stylesheet(output: str, href: str) -> str:
    """The page ``output`` linking the stylesheet at ``href`` last in its head: the rules keep their
    place in the cascade, after every other stylesheet, as when they were inline in the body."""
    at = output.find("</head>")
    if at < 0:
        raise ValueError("the page has no </head>")
    return output[:at] + link(href) + "\n" + output[at:]


PSEUDO_ELEMENT = re.compile(r"::?(?:before|after|first-letter|first-line|selection|placeholder|marker|backdrop"
                            r"|file-selector-button|-(?:webkit|moz|ms)-[\w-]+)(?:\([^()]*\))?", re.I)
STATE = re.compile(r":(?:hover|focus|focus-within|focus-visible|active|visited|link|any-link|target|checked"
                   r"|disabled|enabled|indeterminate|invalid|valid|required|optional|read-only|read-write"
                   r"|placeholder-shown|fullscreen|autofill|defined|open)\b", re.I)
ATTRIBUTE_VALUE = re.compile(r"\[\s*([\w-]+)\s*[~|^$*]?=\s*(?:\"[^\"]*\"|'[^']*'|[^\]\s]+)(?:\s+[is])?\s*\]")
"""An attribute compared with a value: the value can be set by scripts (the palette's
``data-md-color-scheme``), so only the attribute's presence is required of the static page."""
SCRIPTED = re.compile(r"\.md-")
"""Classes of Material's that its scripts add once the page has loaded (the wrappers of a table,
``.md-typeset__scrollwrap``): a selector naming one is kept, as no static page shows them."""
NAMES = re.compile(r"([.#]?)(-?[A-Za-z_][\w-]*)")


class _Vocabulary:
    """The tag names, classes, ids and attribute names that occur in some notebook page, and the pages,
    to run :mod:`soupsieve` on the selectors that these names do not rule out."""

    def __init__(self, pages: list[str]):
        from bs4 import BeautifulSoup

        self.soups = [BeautifulSoup(page, "html.parser") for page in pages]
        self.tags: set[str] = set()
        self.classes: set[str] = set()
        self.ids: set[str] = set()
        self.attributes: set[str] = set()
        for soup in self.soups:
            for element in soup.find_all(True):
                self.tags.add(element.name.lower())
                self.attributes.update(name.lower() for name in element.attrs)
                self.classes.update(element.get("class", ()))
                if element.get("id"):
                    self.ids.add(element["id"])

    def possible(self, selector: str) -> bool:
        """Whether every name that ``selector`` requires occurs somewhere (a quick, necessary test)."""
        bare = re.sub(r"\[[^\]]*\]", " ", re.sub(r":(?:not|is|where|has)\([^()]*\)", " ", selector))
        for attribute in re.findall(r"\[\s*([\w-]+)", re.sub(r":(?:not)\([^()]*\)", " ", selector)):
            if attribute.lower() not in self.attributes:
                return False
        bare = re.sub(r":[\w-]+(?:\([^()]*\))?", " ", bare)
        for kind, name in NAMES.findall(bare):
            if kind == "." and name not in self.classes:
                return False
            if kind == "#" and name not in self.ids:
                return False
            if not kind and name.lower() not in self.tags and name.lower() not in ("html", "body", "root"):
                return False
        return True

    @lru_cache(maxsize=None)
    def matches(self, selector: str) -> bool:
        """Whether ``selector``, in any state of hover, focus or palette, can match an element of a page.
        A selector that soupsieve cannot read, or that names what Material's scripts add, is kept."""
        import soupsieve

        static = ATTRIBUTE_VALUE.sub(r"[\1]", STATE.sub("", PSEUDO_ELEMENT.sub("", selector))).strip()
        static = re.sub(r"(^|[\s>+~(,])(?=$|[\s>+~),])", r"\1*", static)  # `:hover` alone becomes `*`
        if not static or static in ("*", ":root", "html", "body") or SCRIPTED.search(static):
            return True
        if not self.possible(static):
            return False
        try:
            compiled = soupsieve.compile(static)
        except Exception:  # noqa: BLE001 - anything soupsieve cannot parse, a browser may: keep it
            return True
        return any(compiled.select_one(soup) is not None for soup in self.soups)


def _selectors(prelude) -> list[str]:
    """The selectors of a rule's prelude, split at its top-level commas."""
    import tinycss2

    parts, current = [], []
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append(current)
            current = []
        else:
            current.append(token)
    parts.append(current)
    return [tinycss2.serialize(part).strip() for part in parts]


def _trim(rules, vocabulary: _Vocabulary) -> list[str]:
    import tinycss2

    kept: list[str] = []
    for rule in rules:
        if rule.type == "qualified-rule":
            selectors = [s for s in _selectors(rule.prelude) if s and vocabulary.matches(s)]
            if selectors:
                kept.append(",".join(selectors) + "{" + tinycss2.serialize(rule.content).strip() + "}")
        elif rule.type == "at-rule" and rule.lower_at_keyword in ("media", "supports", "layer", "container") \
                and rule.content is not None:
            inner = _trim(tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True),
                          vocabulary)
            if inner:
                kept.append(f"@{rule.at_keyword} {tinycss2.serialize(rule.prelude).strip()}{{{''.join(inner)}}}")
        elif rule.type == "at-rule" and rule.lower_at_keyword != "charset":
            kept.append(tinycss2.serialize([rule]).strip())  # @font-face, @keyframes, @import: kept as they are
    return kept


def trim_css(css: list[str], pages: list[str]) -> str:
    """The rules of the stylesheets ``css`` that can apply to an element of one of the ``pages``, in
    their order; a selector list keeps only the selectors that can. Comments and blank space go."""
    import tinycss2

    vocabulary = _Vocabulary(pages)
    out: list[str] = []
    for sheet in dict.fromkeys(css):  # the same stylesheet inlined twice is kept once
        rules = tinycss2.parse_stylesheet(sheet, skip_comments=True, skip_whitespace=True)
        out.extend(_trim(rules, vocabulary))
    return "\n".join(out) + "\n"


# --- Figures --------------------------------------------------------------------------------------

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
NUMBER = re.compile(r"-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
PATH_TOKEN = re.compile(r"[MmLlHhVvCcSsQqTtAaZz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
INHERITED = {"fill", "fill-opacity", "fill-rule", "stroke", "stroke-opacity", "stroke-width", "stroke-linecap",
             "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset"}
"""Presentation properties that an SVG element inherits from its group (``opacity`` is not one)."""


def _number(text: str) -> str:
    value = round(float(text), PLACES)
    out = f"{value:.{PLACES}f}".rstrip("0").rstrip(".")
    return "0" if out in ("-0", "") else out


def _path(d: str) -> str:
    out: list[str] = []
    previous_number = False
    for token in PATH_TOKEN.findall(d):
        if token[0].isalpha():
            out.append(token)
            previous_number = False
        else:
            number = _number(token)
            out.append((" " if previous_number and not number.startswith("-") else "") + number)
            previous_number = True
    return "".join(out)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _declarations(style: str) -> dict[str, str]:
    return {name.strip(): value.strip() for name, _, value in
            (part.partition(":") for part in style.split(";") if part.strip())}


def optimise_svg(text: str) -> str:
    """Matplotlib's SVG ``text`` drawn the same with fewer bytes (see the module's description)."""
    root = ET.fromstring(text)
    for parent in list(root.iter()):
        for child in list(parent):
            if _local(child.tag) == "metadata":
                parent.remove(child)
    text_of = " ".join(f"{k}={v}" for element in root.iter() for k, v in element.attrib.items()
                       if k != "id") + " ".join(element.text or "" for element in root.iter())
    referenced = set(re.findall(r"#([\w.-]+)", text_of))
    for element in root.iter():
        element.text = element.text if element.text and element.text.strip() else None
        element.tail = None
        attrib = element.attrib
        if attrib.get("id") and attrib["id"] not in referenced:
            del attrib["id"]
        href = attrib.pop(f"{{{XLINK}}}href", None)
        if href is not None:
            attrib["href"] = href  # SVG 2: every current browser reads a plain href
        if "d" in attrib:
            attrib["d"] = _path(attrib["d"])
        for name in ("x", "y", "width", "height") if _local(element.tag) != "svg" else ():
            if name in attrib and NUMBER.fullmatch(attrib[name]):
                attrib[name] = _number(attrib[name])
        if "style" in attrib:
            attrib["style"] = ";".join(f"{k}:{v}" for k, v in _declarations(attrib["style"]).items())
    _hoist_styles(root)
    _unwrap_bare_groups(root)
    _short_ids(root)
    ET.register_namespace("", SVG)
    return ET.tostring(root, encoding="unicode").replace(" />", "/>") + "\n"


def _short_ids(root: ET.Element) -> None:
    """Ids (of glyphs, markers, clip paths) renamed a, b, …, z, a0, …, in the order they are defined."""
    names = {}
    for element in root.iter():
        if "id" in element.attrib:
            n = len(names)
            names[element.attrib["id"]] = "abcdefghijklmnopqrstuvwxyz"[n % 26] + (f"{n // 26 - 1:x}" if n >= 26 else "")
            element.attrib["id"] = names[element.attrib["id"]]
    reference = re.compile(r"#([\w.-]+)")
    for element in root.iter():
        for key, value in element.attrib.items():
            if key != "id" and "#" in value:
                element.attrib[key] = reference.sub(lambda m: "#" + names.get(m[1], m[1]), value)


def _hoist_styles(root: ET.Element) -> None:
    """A group whose children are all ``<use>`` elements with one inherited style takes that style once."""
    for group in root.iter(f"{{{SVG}}}g"):
        children = list(group)
        if len(children) < 2 or "style" in group.attrib or any(_local(c.tag) != "use" for c in children):
            continue
        styles = {c.attrib.get("style") for c in children}
        if len(styles) != 1 or None in styles or not set(_declarations(next(iter(styles)))) <= INHERITED:
            continue
        group.attrib["style"] = styles.pop()
        for child in children:
            del child.attrib["style"]


def _unwrap_bare_groups(root: ET.Element) -> None:
    """A group with no attribute changes nothing: its children take its place."""
    for parent in list(root.iter()):
        index = 0
        while index < len(parent):
            child = parent[index]
            if _local(child.tag) == "g" and not child.attrib:
                parent[index:index + 1] = list(child)
            else:
                index += 1


def figure_files(content: str) -> tuple[str, dict[str, str]]:
    """``content`` with each embedded SVG figure pointing at ``{FIGURES}/<hash>.svg`` (relative to the
    site's root; the caller makes it relative to the page), and those files' texts by that path."""
    files: dict[str, str] = {}

    def extract(match: re.Match) -> str:
        svg = optimise_svg(base64.b64decode(re.sub(r"\s", "", match[2])).decode("utf-8"))
        path = f"{FIGURES}/{hashlib.sha256(svg.encode()).hexdigest()[:16]}.svg"
        files[path] = svg
        return match[1] + path + match[3]

    return SVG_IMAGE.sub(extract, content), files
