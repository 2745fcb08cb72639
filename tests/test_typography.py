"""Chinese typography: the Chinese pages and the Chinese texts of derivations, claims and figures.

The rules, checked on the source without building the site:

- **Punctuation.** Chinese text takes full-width punctuation: “” for quotations (‘’ inside them),
  ，。、；：？！ and （）. ASCII quotes may not enclose or touch Chinese text, and a half-width
  , . : ; ? ! or a half-width parenthesis may not stand next to it. Markdown syntax is exempt:
  admonition titles are written ``!!! note "标题"`` (their text is checked, not the quotes), and
  code, maths, link targets, HTML attributes and ``::: `` directive lines are not prose.
- **Spacing, one rule.** Exactly one half-width space separates a Chinese character from Latin
  letters, digits, inline maths (``$…$``, ``{eq-tex:…}``, ``{num:…}``, ``{eq:…}``) and code spans,
  on either side, also when the Latin text is a link's or a bold span's text. A full-width
  punctuation mark carries its own spacing: no space before or after it, whatever its neighbour.
  Two Chinese characters are never separated by a space. A line break inside a paragraph renders
  as a space, so it counts as one.

And in Chromium, on the built Chinese chapters: no line begins with a closing punctuation mark
(see :class:`derivations.site.math.KeepClosingPunctuationWithMath` for why a formula could push one
there).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conftest import ROOT
from derivations.site.math import CLOSING_PUNCTUATION, INLINE
from derivations.translations import CATALOGUE

try:  # the module's own Chromium and local server, as in tests/test_crawl.py
    from test_browser import browser, server  # noqa: F401
except pytest.skip.Exception:  # no Playwright: the checks on the source still run
    @pytest.fixture(scope="module")
    def browser():
        pytest.skip("Playwright is not installed")

    @pytest.fixture(scope="module")
    def server():
        pytest.skip("Playwright is not installed")


DOCS = ROOT / "docs"
CHINESE_PAGES = sorted(DOCS.glob("*.zh.md"))

HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
FULL_WIDTH = "，。、；：？！“”‘’（）《》〈〉「」『』【】〔〕"
CHINESE = HAN + FULL_WIDTH
MATH, CODE, REF = "\ue000", "\ue001", "\ue002"
"""Stand-ins for an inline formula, a code span and an equation marker: for spacing they are Latin."""
LATIN = "A-Za-z0-9" + MATH + CODE + REF

CHECKS = {
    "ASCII quotes with Chinese text (use “” and ‘’)": re.compile(
        rf'"[^"\n]*[{HAN}][^"\n]*"|[{CHINESE}]["\']|["\'][{CHINESE}]'),
    "half-width punctuation next to Chinese text (use ，。：；？！)": re.compile(
        rf"[{CHINESE}][,.:;?!]|[,:;?!] ?[{HAN}]"),
    "half-width parenthesis next to Chinese text (use （）)": re.compile(
        rf"[{CHINESE}] ?[()]|[()] ?[{CHINESE}]"),
    "no space between Chinese and Latin, digits, maths or code": re.compile(
        rf"[{HAN}][{LATIN}]|[{LATIN}][{HAN}]"),
    "more than one space between Chinese and Latin, digits, maths or code": re.compile(
        rf"[{HAN}]\s{{2,}}[{LATIN}]|[{LATIN}]\s{{2,}}[{HAN}]"),
    "space next to full-width punctuation": re.compile(rf"\s[{FULL_WIDTH}]|[{FULL_WIDTH}]\s"),
    "space between Chinese characters": re.compile(rf"[{HAN}]\s+[{HAN}]"),
}


def prose(text: str) -> str:
    """Markdown or a catalogue text as the reader sees its characters: maths, code and equation
    markers become one stand-in each, links their text, emphasis marks and attribute lists go."""
    text = re.sub(r"`+[^`]*`+", CODE, text)
    text = re.sub(INLINE, MATH, text)
    text = re.sub(r"\{(?:eq|eq-rhs|eq-tex|num):[^}\s]*\}", REF, text)
    text = re.sub(r"!?\[([^\]]*)\]\([^)\s]*\)", r"\1", text)
    text = re.sub(r"<[^>\n]+>", "", text)
    text = re.sub(r"\s*\{[#:][^}]*\}", "", text)
    text = text.replace("*", "")
    return re.sub(r"\n[ \t]+", "\n", text).strip()


def problems(text: str) -> list[tuple[int, str, str]]:
    """``(line offset, check, snippet)`` for each place where ``text`` (one paragraph, title, table
    cell or catalogue text) breaks a rule."""
    shown = prose(text)
    found = []
    for check, pattern in CHECKS.items():
        for hit in pattern.finditer(shown):
            snippet = shown[max(0, hit.start() - 8):hit.end() + 8].replace("\n", "⏎")
            for mark, readable in ((MATH, "$…$"), (CODE, "`…`"), (REF, "{…}")):
                snippet = snippet.replace(mark, readable)
            found.append((shown.count("\n", 0, hit.start()), check, snippet))
    return found


BLOCK_START = re.compile(r"\s*(?:[-*+] |\d+\. |#|\||!!!|\?\?\?|:::|```|~~~|$)")
ADMONITION = re.compile(r'\s*(?:!!!|\?\?\?\+?)\s+[\w-]+(?:\s+[\w-]+)?\s+"(?P<title>[^"]*)"')


def markdown_units(text: str) -> list[tuple[int, str]]:
    """``(first line, text)`` of every piece of prose of a Markdown page: paragraphs and list items
    (with their continuation lines), headings, table cells and admonition titles. Front matter,
    fenced code and ``::: `` directive lines are left out."""
    lines = text.splitlines()
    units: list[list] = []
    current = None
    fence = None
    start = 0
    if lines and lines[0] == "---":
        start = lines.index("---", 1) + 1
    for number, line in enumerate(lines[start:], start + 1):
        stripped = line.strip()
        if fence:
            fence = None if stripped.startswith(fence) else fence
            continue
        if stripped.startswith(("```", "~~~")):
            fence, current = stripped[:3], None
            continue
        if not stripped or stripped.startswith(":::"):
            current = None
            continue
        if title := ADMONITION.match(line):
            units.append([number, title["title"]])
            current = None
        elif stripped.startswith("|"):
            if not re.fullmatch(r"[|:\- ]+", stripped):
                units += [[number, cell] for cell in re.split(r"(?<!\\)\|", stripped.strip("|"))]
            current = None
        elif stripped.startswith("#"):
            units.append([number, stripped.lstrip("#")])
            current = None
        elif current is not None and not BLOCK_START.match(line):
            current[1] += "\n" + stripped
        else:
            current = [number, re.sub(r"^(?:[-*+]|\d+\.)\s+", "", stripped)]
            units.append(current)
    return [(number, unit) for number, unit in units]


def catalogue_units() -> list[tuple[int, str]]:
    """``(line, msgstr)`` of every translated entry of the Chinese catalogue."""
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    lines = CATALOGUE.read_text(encoding="utf-8").splitlines()
    msgstr = [number for number, line in enumerate(lines, 1) if line.startswith("msgstr ")]
    return [(next(n for n in msgstr if n > message.lineno), message.string)
            for message in catalog if message.id and message.string]


SOURCES = [*CHINESE_PAGES, CATALOGUE]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.name)
def test_chinese_text_follows_the_punctuation_and_spacing_rules(source: Path):
    units = catalogue_units() if source.suffix == ".po" else markdown_units(source.read_text(encoding="utf-8"))
    found = [f"{source.relative_to(ROOT)}:{number + offset}: {check}: «{snippet}»"
             for number, text in units for offset, check, snippet in problems(text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("sample, check", [
    ('笔记说梯度"以接近恒定的方式传递"。', "ASCII quotes"),
    ('能使"$W_{hh}$ 的模接近 1"。', "ASCII quotes"),
    ("称它为'传送带'。", "ASCII quotes"),
    ("这是错误的,因为乘积会缩小.", "half-width punctuation"),
    ("结论: 成立", "half-width punctuation"),
    ("Glorot 与 Bengio (2010)：若", "half-width parenthesis"),
    ("使用RNN计算", "no space"),
    ("第 $t$步", "no space"),
    ("函数`tanh` 的导数", "no space"),
    ("见公式{eq:rnn.chain-rule}", "no space"),
    ("共有 100个单元", "no space"),
    ("隐藏层大小  $n$", "more than one space"),
    ("结果 ，然后", "space next to full-width"),
    ("**长跨度。** 对一个", "space next to full-width"),
    ("斜率，\n$\\lambda_1$", "space next to full-width"),
    ("平坦\n区", "space between Chinese"),
])
def test_each_check_flags_a_bad_sample(sample, check):
    assert any(name.startswith(check) for _, name, _ in problems(sample)), (sample, problems(sample))


def test_good_text_passes():
    good = ("第 $t$ 步的损失，例如 `float32` 与 3.14；见[门控单元](gated-units.md#eq-lstm.cell-path)、"
            "公式 {eq:rnn.chain-rule} 和 [sigmoid 的导数](a.md)。Hochreiter 和 Schmidhuber（1997）称之为"
            "“恒定误差传送带”：激活函数取 `\"sigmoid\"` 之一，即\n{eq-tex:rnn.step-jacobian}，**行**向量。")
    assert problems(good) == []


def test_markdown_syntax_is_not_prose():
    page = '\n'.join([
        "---", "search:", '  exclude: "yes"', "---", "",
        '!!! notes some-id "标题,错误" lang=zh', '    正文"引号"。', "",
        "```python", 'x = "中文"', "```", "",
        "::: eq rnn.model lang=zh", "",
        "| 中文 | English |", "|---|---|", "| 术语 | term |",
    ])
    flagged = {(number + offset, check.split(" ")[0]) for number, text in markdown_units(page)
               for offset, check, _ in problems(text)}
    assert flagged == {(6, "half-width"), (7, "ASCII")}


# -- In Chromium: no line of a built Chinese chapter begins with a closing punctuation mark ------

LINE_STARTS = """async (closing) => {
  await document.fonts.ready;
  const root = document.querySelector(".md-content");
  root.querySelectorAll("details").forEach(d => { d.open = true; });
  const skipped = el => el.closest("pre, code, .katex, script, style, .headerlink");
  const blockOf = el => {
    for (let e = el; e && e !== root; e = e.parentElement) {
      const display = getComputedStyle(e).display;
      if (!display.startsWith("inline") && display !== "contents") return e;
    }
    return root;
  };
  const found = [];
  let checked = 0;
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (![...node.data].some(ch => closing.includes(ch)) || skipped(node.parentElement)) continue;
    const block = blockOf(node.parentElement);
    for (let i = 0; i < node.data.length; i++) {
      if (!closing.includes(node.data[i])) continue;
      const mark = document.createRange();
      mark.setStart(node, i);
      mark.setEnd(node, i + 1);
      const box = [...mark.getClientRects()].find(r => r.width > 0.5);
      if (!box) continue;  // not rendered
      checked++;
      const middle = (box.top + box.bottom) / 2;
      const before = document.createRange();
      before.setStart(block, 0);
      before.setEnd(node, i);
      const company = [...before.getClientRects()].some(
        r => r.width > 0.5 && r.top <= middle && r.bottom >= middle && r.right <= box.left + 1);
      if (!company) {
        const previous = node.previousSibling;
        const after = previous && previous.nodeType === 1
          ? (previous.classList.contains("katex") || previous.classList.contains("katex-nobreak")
             ? "$" + (previous.querySelector("annotation") || previous).textContent + "$" : previous.textContent)
          : "";
        found.push(`«${after.slice(-30)}${node.data.slice(Math.max(0, i - 15), i + 10)}» (${block.tagName.toLowerCase()})`);
      }
    }
  }
  return {checked, found};
}"""
CHAPTERS = [page for page in CHINESE_PAGES if page.name != "print.zh.md"]


def _address(page: Path) -> str:
    stem = page.name.removesuffix(".zh.md")
    return "zh/" if stem == "index" else f"zh/{stem}/"


@pytest.fixture(scope="module")
def tabs(browser):  # noqa: F811 - the fixture imported from test_browser
    """One tab per window width, reused for every chapter."""
    opened = {width: browser.new_page(viewport={"width": width, "height": 900}) for width in (390, 1280)}
    yield opened
    for tab in opened.values():
        tab.close()


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("page", CHAPTERS, ids=lambda p: p.name)
def test_no_line_begins_with_closing_punctuation(tabs, server, page, width):  # noqa: F811
    tab = tabs[width]
    tab.goto(f"{server}/{_address(page)}", wait_until="load")
    result = tab.evaluate(LINE_STARTS, CLOSING_PUNCTUATION)
    assert result["checked"] > 0, f"no closing punctuation found on {_address(page)}: is it the Chinese page?"
    assert not result["found"], (f"{_address(page)} at {width} px: a line begins with a closing punctuation mark "
                                 "(shown with what precedes it):\n" + "\n".join(result["found"]))
