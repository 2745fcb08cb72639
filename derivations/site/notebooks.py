"""Executed, translated and typeset notebooks for the site, cached by content.

A notebook in ``docs/`` is kept without outputs. Its code cells run once per *execution key*: a
hash of the code cells, every module of the ``derivations`` package (the site extensions
excepted, and the titles and step texts of derivations blanked, which no code reads) with the
results files they read, and the versions of the numeric libraries. The
outputs are stored under ``.cache/notebooks`` and merged into the current markdown, so editing
prose never re-executes anything.

A Chinese edition is made from the same executed notebook: each markdown cell carries its
translation in ``metadata.translation`` as ``{"zh": text, "source": sha}``, where ``sha`` is
:func:`source_sha` of the English text it translates; a missing or outdated translation is an
error naming the cell.
"""

from __future__ import annotations

import copy
import hashlib
import html
import os
import re
import subprocess
import tempfile
from pathlib import Path

import nbformat

from .. import cache, dependencies
from . import katex
from .equations import expand
from .math import INLINE

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "derivations"
FORMAT = 1
LANGUAGES = ("en", "zh")
LIBRARIES = ("numpy", "matplotlib", "sympy", "ipykernel")


class NotebookError(RuntimeError):
    """A notebook that cannot be executed, translated or typeset; the message names it and the cell."""


def cache_dir() -> Path:
    """``$NOTEBOOKS_CACHE`` or ``.cache/notebooks`` in the project."""
    return Path(os.environ.get("NOTEBOOKS_CACHE", ROOT / ".cache" / "notebooks"))


def _package_files() -> list[Path]:
    """The modules and data the notebooks can import or read; the site extensions cannot change outputs."""
    site = PACKAGE / "site"
    return sorted(p for p in PACKAGE.rglob("*") if p.suffix in (".py", ".json") and site not in p.parents)


def execution_key(nb: nbformat.NotebookNode) -> str:
    """The hash that a cached execution of ``nb`` must carry to be reused."""
    digest = hashlib.sha256(f"format {FORMAT}\n".encode())
    for name in LIBRARIES:
        digest.update(f"{name} {cache.installed(name)}\n".encode())
    for path in _package_files():  # a derivation's title or step text cannot change what a notebook computes
        text = (dependencies.without_texts(path.stem, PACKAGE).encode() if path.parent == PACKAGE and path.suffix == ".py"
                else path.read_bytes())
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + text + b"\0")
    for cell in nb.cells:
        if cell.cell_type == "code":
            digest.update(b"cell\0" + cell.source.encode())
    return digest.hexdigest()


def source_sha(text: str) -> str:
    """The short hash that a translation records of the English text it was made from."""
    return hashlib.sha256(text.strip().encode()).hexdigest()[:12]


def _cell_name(nb: nbformat.NotebookNode, index: int) -> str:
    first = nb.cells[index].source.strip().splitlines()[:1]
    return f"cell {index + 1} ({first[0][:60]!r})" if first else f"cell {index + 1}"


def _write_atomic(path: Path, nb: nbformat.NotebookNode) -> None:
    """Write ``nb`` so that a reader sees the old file or the new one, never half; unchanged files are left alone."""
    text = nbformat.writes(nb) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as f:
        f.write(text)
    os.replace(f.name, path)


def _cached_outputs(path: Path, key: str) -> nbformat.NotebookNode | None:
    """The executed notebook stored at ``path`` if it is intact and was made for ``key``."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError, KeyError):
        return None
    return nb if nb.metadata.get("execution_key") == key else None


def _execute(nb: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Run every code cell in a fresh kernel; the first error fails, naming the notebook and the cell."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    done = copy.deepcopy(nb)
    client = NotebookClient(done, timeout=600, kernel_name="python3", allow_errors=False, record_timing=False,
                            resources={"metadata": {"path": str(ROOT)}})
    try:
        # One BLAS thread per kernel: notebooks run side by side, and threaded OpenBLAS can be far slower here.
        env = {**os.environ, "PYTHONHASHSEED": "0", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
        client.execute(env=env, stderr=subprocess.DEVNULL)  # a cell's error arrives as its output
    except (CellExecutionError, CellTimeoutError) as error:
        failed = next((i for i, cell in enumerate(done.cells) for out in cell.get("outputs", [])
                       if out.output_type == "error"), None)
        where = _cell_name(done, failed) if failed is not None else "a cell"
        detail = getattr(error, "ename", type(error).__name__) + ": " + str(getattr(error, "evalue", "timed out"))
        raise NotebookError(f"{name}: {where} raised {detail}") from None
    return done


def _stored(source: Path, key: str) -> Path:
    return cache_dir() / "executions" / f"{source.stem}-{key[:16]}.ipynb"


def source_key(source: Path) -> str:
    """The :func:`execution_key` of the notebook file ``source`` as it is saved now."""
    return execution_key(nbformat.read(source, as_version=4))


def is_executed(source: Path) -> bool:
    """Whether a cached run matches ``source`` as it is saved now."""
    key = source_key(source)
    return _cached_outputs(_stored(source, key), key) is not None


def executed(source: Path, name: str) -> nbformat.NotebookNode:
    """``source`` with the outputs of its code cells, executing it only when no cached run matches."""
    nb = nbformat.read(source, as_version=4)
    key = execution_key(nb)
    stored = _stored(source, key)
    run = _cached_outputs(stored, key)
    if run is None:
        run = _execute(nb, name)
        run.metadata["execution_key"] = key
        _write_atomic(stored, run)
    code = iter(cell for cell in run.cells if cell.cell_type == "code")
    for cell in nb.cells:
        if cell.cell_type == "code":
            ran = next(code)
            cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    return nb


def edition(nb: nbformat.NotebookNode, lang: str, name: str) -> nbformat.NotebookNode:
    """The notebook in ``lang``: markdown cells replaced by their translations, translation metadata removed."""
    out = copy.deepcopy(nb)
    for index, cell in enumerate(out.cells):
        translation = cell.metadata.pop("translation", None)
        if cell.cell_type != "markdown":
            continue
        if lang == "en":
            cell.source = expand(cell.source, f"{name}: markdown {_cell_name(nb, index)}")
            continue
        if not translation or not translation.get(lang):
            raise NotebookError(f"{name}: markdown {_cell_name(nb, index)} has no {lang!r} translation "
                                f"in metadata.translation")
        if translation.get("source") != source_sha(cell.source):
            raise NotebookError(
                f"{name}: markdown {_cell_name(nb, index)}: the {lang!r} translation was made for another "
                f"English text; update it and set metadata.translation.source to {source_sha(cell.source)!r}")
        cell.source = expand(translation[lang], f"{name}: markdown {_cell_name(nb, index)} ({lang})")
    out.metadata.pop("execution_key", None)
    return out


def edition_path(name: str, lang: str) -> Path:
    """Where the ``lang`` edition of notebook ``name`` (its path under ``docs/``) is published; the file
    keeps the notebook's own name, which is also the name readers download it by."""
    return cache_dir() / "site" / lang / name


def publish(source: Path, name: str) -> dict[str, Path]:
    """Write every language edition of the executed ``source`` to its :func:`edition_path`."""
    nb = executed(source, name)
    editions = {lang: edition(nb, lang, name) for lang in LANGUAGES}  # all translations checked before any write
    for lang, translated in editions.items():
        _write_atomic(edition_path(name, lang), translated)
    return {lang: edition_path(name, lang) for lang in LANGUAGES}


MARKDOWN_OUTPUT = re.compile(r'(<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown[^"]*"[^>]*>)(.*?)(</div>)', re.S)
VERBATIM = re.compile(r"(<code>.*?</code>|<pre>.*?</pre>)", re.S)
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.S)
THIRD_PARTY_SCRIPTS = re.compile(
    r'<script src="https?://[^"]*mathjax[^"]*">\s*</script>\s*'
    r'(?:<!-- MathJax configuration -->\s*)?<script type="text/x-mathjax-config">.*?</script>\s*'
    r'|<script type="module">\s*document\.addEventListener\("DOMContentLoaded", async \(\) => \{\s*'
    r'const diagrams = document\.querySelectorAll\("\.jp-Mermaid.*?</script>', re.S)
SCROLLING_CODE = re.compile(r'(<div class="highlight-ipynb[^"]*")>')
HEADING = re.compile(r'<(h[1-6]) id="[^"]*">(.*?)<a class="anchor-link" href="#[^"]*">', re.S)
REMOTE = re.compile(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="(?:https?:)?//[^"]+"')


def _typeset(text: str, where: str) -> str:
    def math(match, display):
        return katex.render(html.unescape(match[1]).strip(), display, f"{where}: math {match[0]!r}")

    parts = VERBATIM.split(text)
    for i in range(0, len(parts), 2):  # even parts are outside <code> and <pre>
        parts[i] = DISPLAY.sub(lambda m: math(m, True), parts[i])
        parts[i] = re.sub(INLINE, lambda m: math(m, False), parts[i])
    return "".join(parts)


def _align_headings(page_html: str, anchors: list[str], name: str) -> str:
    """Give the headings the ids of the table of contents, in order: nbconvert drops every character
    outside ASCII from an id, so Chinese headings would all get the empty id."""
    found = HEADING.findall(page_html)
    if len(found) != len(anchors):
        raise NotebookError(f"{name}: {len(found)} headings but {len(anchors)} table-of-contents entries")
    ids = iter(anchors)

    def heading(match):
        anchor = next(ids)
        return f'<{match[1]} id="{anchor}">{match[2]}<a class="anchor-link" href="#{anchor}">'

    return HEADING.sub(heading, page_html)


def typeset(page_html: str, name: str, anchors: list[str] | None = None) -> str:
    """The HTML that mkdocs-jupyter made of notebook ``name``, with the math of its markdown cells typeset
    by KaTeX, the scripts it would load from third-party hosts (MathJax, Mermaid) removed, its
    scrolling code cells reachable by keyboard, and, given the table of contents' ``anchors`` in
    order, its headings carrying those ids."""
    count = iter(range(1, 10**6))
    out = MARKDOWN_OUTPUT.sub(lambda m: m[1] + _typeset(m[2], f"{name}, markdown cell {next(count)}") + m[3],
                              page_html)
    out = THIRD_PARTY_SCRIPTS.sub("", out)
    out = SCROLLING_CODE.sub(r'\1 tabindex="0">', out)  # a wide code cell scrolls: keyboards must reach it
    if anchors is not None:
        out = _align_headings(out, anchors, name)
    remote = REMOTE.search(out)
    if remote:
        raise NotebookError(f"{name}: the rendered page still loads from another host: {remote[0]}")
    return out
