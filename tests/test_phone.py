"""Every page of both editions on a phone (390 × 844 CSS px) in Chromium: each equation either fits
its column or scrolls sideways inside it, shows that it does (a shadow at each edge where math is cut
off, drawn by equations.css) and can be scrolled from the keyboard."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from test_browser import AXE, ARTIFACTS, browser, server  # noqa: F401 (the module's own Chromium and local server)

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
LAID_OUT = "* { content-visibility: visible !important; transition: none !important; }"
"""Blocks off screen skip layout (content-visibility: auto), and Material fades colours in; measure
every block laid out, in its final colours."""


def phone_pages(site: Path) -> list[str]:
    """The site path of every page of both editions: not the print editions, 404 or redirect stubs."""
    found = []
    for page in site.rglob("index.html"):
        path = page.parent.relative_to(site).as_posix()
        path = "" if path == "." else f"{path}/"
        if path in ("print/", "zh/print/") or 'http-equiv="refresh"' in page.read_text(encoding="utf-8")[:2000]:
            continue
        found.append(path)
    return sorted(found)


@pytest.fixture(scope="module")
def phone(browser):  # noqa: F811
    """A new phone-sized tab in the light (``"light"``) or dark (``"dark"``) palette."""
    contexts = []

    def open_tab(scheme: str = "light"):
        context = browser.new_context(**PHONE, color_scheme=scheme)
        contexts.append(context)
        return context.new_page()

    yield open_tab
    for context in contexts:
        context.close()


# One call per page. A math box is every `.eq-math` (a numbered equation or a definition) and every
# `.katex-display` outside one (display math in prose, in a derivation's steps, in a notebook); each
# is its own scroll container. Closed <details> are opened first, so that their math is laid out too.
MEASURE = """async () => {
  await document.fonts.ready;
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  await new Promise(requestAnimationFrame);
  const boxes = [...document.querySelectorAll('.eq-math, .katex-display')]
    .filter(box => !(box.matches('.katex-display') && box.closest('.eq-math')));
  return boxes.map((box, index) => {
    const eq = box.closest('.eq');
    const tex = box.querySelector('annotation[encoding="application/x-tex"]');
    const steps = eq && box.closest('.eq-steps');
    const label = !eq ? `display math #${index} (${(tex ? tex.textContent : '').trim().slice(0, 40)})`
      : box.matches('.eq-math') ? `#${eq.id}`
      : `#${eq.id} ${steps ? 'step ' + ([...steps.querySelectorAll('.katex-display')].indexOf(box) + 1) : 'display'}`;
    const style = getComputedStyle(box);
    const found = {label, index, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
                   right: Math.round(box.getBoundingClientRect().right), viewport: innerWidth};
    if (box.scrollWidth <= box.clientWidth + 1) return found;
    box.dataset.phoneWide = '';  // for axe
    const attachments = style.backgroundAttachment.split(',').map(s => s.trim());
    found.scrolls = ['auto', 'scroll'].includes(style.overflowX);
    found.gradients = (style.backgroundImage.match(/gradient\\(/g) || []).length;
    found.cue = found.gradients >= 4 && attachments.includes('local') && attachments.includes('scroll');
    found.tabIndex = box.tabIndex;
    box.focus({preventScroll: true});
    found.focused = document.activeElement === box;
    found.outline = found.focused && getComputedStyle(box).outlineStyle !== 'none';
    box.blur();
    return found;
  });
}"""

AXE_SCROLLERS = """async () => (await axe.run(document.querySelectorAll('[data-phone-wide]'),
    {runOnly: ['scrollable-region-focusable'], resultTypes: ['violations']}))
  .violations.flatMap(v => v.nodes.map(node => node.target.join(' ')))"""
"""axe-core's verdict on the math boxes that :data:`MEASURE` found scrolling (marked ``data-phone-wide``)."""


def problems(url: str, box: dict) -> list[str]:
    """What is wrong with one math box of the page at ``url``, each naming the page, the box and its widths."""
    where = f"{url} {box['label']}: scrollWidth {box['scrollWidth']} px in clientWidth {box['clientWidth']} px"
    found = []
    if box["right"] > box["viewport"] + 1:
        found.append(f"{where}: its box ends at x = {box['right']} px, past the {box['viewport']} px screen")
    if box["scrollWidth"] <= box["clientWidth"] + 1:
        return found
    if not box["scrolls"]:
        found.append(f"{where}: too wide, and not a scroll container (overflow-x)")
    if not box["cue"]:
        found.append(f"{where}: no scroll cue (equations.css's shadows and covers: gradients with "
                     f"background-attachment scroll and local; found {box['gradients']} gradients)")
    if box["tabIndex"] < 0 or not box["focused"]:
        found.append(f"{where}: a keyboard cannot reach it to scroll it (tabIndex {box['tabIndex']})")
    elif not box["outline"]:
        found.append(f"{where}: no focus outline")
    return found


def test_phone_pages_are_every_page_of_both_editions(built_site):
    pages = phone_pages(built_site)
    assert len(pages) >= 20
    for page in ("", "gated-units/", "experiments/gradient-norms/"):
        assert page in pages and f"zh/{page}" in pages
    assert not any(page.endswith("print/") for page in pages)


def test_every_equation_fits_or_shows_that_it_scrolls(phone, server, built_site):  # noqa: F811
    """On every page, every equation (those in closed derivation steps and notebooks too) fits the
    phone's column, or scrolls inside it with the scroll cue and a keyboard stop; axe agrees."""
    tab = phone()
    failures, wide, measured = [], [], 0
    for url in phone_pages(built_site):
        tab.goto(f"{server}/{url}", wait_until="load")
        tab.add_style_tag(content=LAID_OUT)
        boxes = tab.evaluate(MEASURE)
        measured += len(boxes)
        wide += [box for box in boxes if box["scrollWidth"] > box["clientWidth"] + 1]
        failures += [problem for box in boxes for problem in problems(f"/{url}", box)]
        if any(box["scrollWidth"] > box["clientWidth"] + 1 for box in boxes):
            tab.add_script_tag(path=str(AXE))
            failures += [f"/{url} {target}: axe scrollable-region-focusable" for target in tab.evaluate(AXE_SCROLLERS)]
    assert measured > 100, "the phone test found almost no math: are the selectors still right?"
    assert wide, "no equation is wider than a phone's column, so nothing here tested the scroll cue"
    assert failures == [], "\n".join(failures)


CUE_STRIP = 4
"""CSS px at each edge of a scrolling equation where its cue is looked for."""


def edge_shades(png: bytes, scale: int) -> tuple[float, float, float]:
    """The mean brightness (0–255) of the left edge strip, the middle and the right edge strip of the
    middle third of ``png``'s rows."""
    from PIL import Image, ImageStat

    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    rows = (height // 3, 2 * height // 3)
    strip = CUE_STRIP * scale

    def mean(left: int, right: int) -> float:
        return ImageStat.Stat(image.crop((left, rows[0], right, rows[1]))).mean[0]

    return mean(0, strip), mean(width // 2 - strip, width // 2 + strip), mean(width - strip, width)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_scroll_cue_is_drawn_only_where_math_is_cut_off(phone, server, scheme):  # noqa: F811
    """The widest equation of the gated-units page, with its glyphs hidden so that only the cue is
    seen: at the start a shadow at the right edge only, part-way at both edges, at the end at the left
    edge only. Without equations.css's cue the edges are the page's colour and this fails. Saves a
    screenshot of the LSTM's gates (definition lstm.model) as they look on a phone."""
    tab = phone(scheme)
    tab.goto(f"{server}/gated-units/", wait_until="load")
    tab.add_style_tag(content=LAID_OUT)
    tab.evaluate("document.fonts.ready")

    gates = tab.locator("#eq-lstm\\.model")
    gates.scroll_into_view_if_needed()
    box = gates.bounding_box()
    ARTIFACTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(ARTIFACTS / f"phone-lstm-gates-{scheme}.png"),
                   clip={"x": 0, "y": max(box["y"] - 24, 0), "width": 390, "height": box["height"] + 48})

    math = tab.locator("#eq-gru\\.step-jacobian .eq-math")
    math.scroll_into_view_if_needed()
    width, scroll = math.evaluate("box => { box.querySelector('.katex').style.visibility = 'hidden';"
                                  " return [box.clientWidth, box.scrollWidth]; }")
    assert scroll > width + 100, f"gru.step-jacobian ({scroll} px) now fits {width} px: pick a wider equation"
    scale = PHONE["device_scale_factor"]
    shades = {}
    for where, left in (("start", 0), ("middle", (scroll - width) // 2), ("end", scroll)):
        math.evaluate("(box, left) => { box.scrollLeft = left; }", left)
        tab.evaluate("new Promise(requestAnimationFrame)")
        shades[where] = edge_shades(math.screenshot(), scale)
    contrast = 8  # of 255: the faintest shadow edge still seen against the page; no shadow differs by ~0

    def shaded(edge: float, middle: float) -> bool:
        return abs(edge - middle) >= contrast

    (l0, m0, r0), (l1, m1, r1), (l2, m2, r2) = shades["start"], shades["middle"], shades["end"]
    assert not shaded(l0, m0) and shaded(r0, m0), f"at the start: only the right edge is shaded, {shades}"
    assert shaded(l1, m1) and shaded(r1, m1), f"part-way: both edges are shaded, {shades}"
    assert shaded(l2, m2) and not shaded(r2, m2), f"at the end: only the left edge is shaded, {shades}"


def test_scroll_cue_is_not_printed(phone, server):  # noqa: F811
    """On paper nothing scrolls (print.css lets wide math run to the page's width): no shadow prints."""
    tab = phone()
    tab.goto(f"{server}/gated-units/", wait_until="load")
    tab.emulate_media(media="print")
    images = tab.evaluate("[...document.querySelectorAll('.eq-math, .katex-display')]"
                          ".map(box => getComputedStyle(box).backgroundImage)")
    assert images and set(images) == {"none"}, set(images)
