"""MkDocs hook: notebooks are executed (cached by content), translated and typeset around
mkdocs-jupyter's rendering. See :mod:`derivations.site.notebooks`.

Notebooks run in worker processes from the moment the files are collected, while the chapters
are rendered; a notebook page waits for its own run only when its turn comes.

Under ``mkdocs serve`` a notebook page does not wait for a run of changed code: it keeps its
previous outputs, under a note that says so, while the run goes on in the background, and the
end of the run triggers the reload that shows the new outputs. A run that fails fails the next
build, as ``mkdocs build`` does, until the code changes again.

The pages stay light (:mod:`derivations.site.notebook_assets`): the stylesheets mkdocs-jupyter
inlines into each of them become one file, trimmed to the rules that can apply, which only notebook
pages link; their figures, and the chapters' (embedded by the ``::: figure`` Markdown extension),
become SVG files named by their content, which both editions share.

MkDocs-only by necessity: notebook pages come from the mkdocs-jupyter plugin, which Zensical
does not run; the chapters rely on Markdown extensions only.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from functools import cache
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.utils import get_relative_url

from derivations.cache import stored
from derivations.site import notebook_assets, notebooks

_runs: dict[str, tuple[Path, str, Future]] = {}
"""Per notebook (path under ``docs/``): its source, the execution key of the code it runs, and its run."""
_announced: set[Future] = set()
_serving = False
_stale: set[str] = set()
"""Pages of this build that show the previous outputs of a notebook still running."""
STALE_NOTE = {
    "en": "These outputs are from before your last edit: the notebook is running again with the changed code, "
          "and this page reloads when it has finished.",
    "zh": "以下输出来自你上一次修改之前：笔记本正在用修改后的代码重新运行，运行结束后本页会自动重新加载。",
}


@cache
def _pool() -> ProcessPoolExecutor:
    """Two workers at a lower priority (their kernels inherit it), so that the derivations and the
    pages that do not wait for a notebook get the processor first."""
    # By its package name: spawn pickles the initializer by name, and MkDocs loads this hook by its path.
    from derivations.site.notebook_hook import _start_worker

    return ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(os.getpid(),))


def _start_worker(build: int) -> None:
    """In each worker: a lower priority, and an exit as soon as the process ``build`` that started it is
    gone. A build ended by a signal (``mkdocs serve`` stopped by SIGTERM) never shuts the pool down, and
    an idle worker would otherwise wait for work forever, re-parented to init, keeping alive with it
    multiprocessing's resource tracker, which ignores SIGTERM. A kernel that the worker was running
    exits by itself once the worker is gone (ipykernel watches its parent)."""
    if hasattr(os, "nice"):  # POSIX only
        os.nice(10)

    def exit_with_the_build():
        while os.getppid() == build:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=exit_with_the_build, name="exit-with-the-build", daemon=True).start()


def _reload_dir() -> Path:
    """Watched under ``mkdocs serve``: a run that ends writes here, which triggers a rebuild."""
    return notebooks.cache_dir() / "reload"


def on_startup(command, dirty):
    global _serving
    _serving = command == "serve"


def on_serve(server, config, builder):
    _reload_dir().mkdir(parents=True, exist_ok=True)
    server.watch(str(_reload_dir()))
    return server


def on_shutdown():
    if _pool.cache_info().currsize:
        _pool().shutdown()


def _submit(file) -> None:
    """Start publishing ``file``'s notebook, unless a run of the same code is still going or has failed."""
    source = Path(file.abs_src_path)
    key = notebooks.source_key(source)
    previous = _runs.get(file.src_uri)
    if previous and previous[1] == key and (not previous[2].done() or previous[2].exception()):
        return
    _runs[file.src_uri] = source, key, _pool().submit(notebooks.publish, source, file.src_uri)


def _announce(run: Future) -> None:
    """Trigger one rebuild once no run is left, rather than one per notebook."""
    if all(other.done() for *_, other in list(_runs.values())):
        (_reload_dir() / "ran").write_text(str(time.time_ns()), encoding="utf-8")


def _is_notebook(file) -> bool:
    return file.src_uri.endswith(".ipynb")


@event_priority(-110)  # after mkdocs-static-i18n, which rebuilds every file and so drops mkdocs-jupyter's wrapping
def on_files(files, config):
    from mkdocs_jupyter.plugin import NotebookFile  # here, so that the workers can import this module cheaply

    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n else "en"
    prefix = "" if not i18n or lang == i18n.default_language else f"{lang}/"
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter and jupyter.config["cache"]:  # one folder per language: each build evicts what it did not use
        jupyter.config["cache_dir"] = str(notebooks.cache_dir().parent / "mkdocs-jupyter" / lang)
    for file in [f for f in files if _is_notebook(f)]:
        _submit(file)
        if not isinstance(file, NotebookFile):  # rebuilt by mkdocs-static-i18n: wrap it again, in its language
            page = NotebookFile(file, **config)
            page.dest_path = prefix + page.dest_path
            page.abs_dest_path = os.path.normpath(os.path.join(config["site_dir"], page.dest_path))
            page.url = prefix + page.url
            files.remove(file)
            files.append(page)
            file = page
        file.abs_src_path = str(notebooks.edition_path(file.src_uri, lang))  # a cached property of the wrapper
    return files


@event_priority(100)  # before mkdocs-jupyter reads the executed notebook
def on_pre_page(page, config, files):
    if not _is_notebook(page.file):
        return page
    source, _, run = _runs[page.file.src_uri]
    if _serving and not run.done() and Path(page.file.abs_src_path).is_file() and not notebooks.is_executed(source):
        _stale.add(page.file.dest_uri)  # the edition published by the last run is read meanwhile
        if run not in _announced:
            _announced.add(run)
            run.add_done_callback(_announce)
        return page
    try:
        run.result()
    except notebooks.NotebookError as error:
        raise PluginError(str(error)) from None
    return page


def _entries(items) -> list:
    return [entry for item in items for entry in [item, *_entries(item.children)]]


_english_anchors: dict[str, list[str]] = {}
"""The heading ids of each notebook's English page, which its other editions take in the same order:
the table of contents drops Chinese characters from an id and would number the headings _1, _2, …"""


def _figure_files(html: str, page, config) -> str:
    """``html`` with each embedded SVG figure written once to a file named by its content, and linked."""
    html, figures = notebook_assets.figure_files(html)
    for path, svg in figures.items():
        _write_once(Path(config["site_dir"]) / path, svg)
        html = html.replace(f'src="{path}"', f'src="{get_relative_url(path, page.url)}"')
    return html


def on_page_content(html, page, config, files):
    if not _is_notebook(page.file):  # a chapter's figures (``::: figure``) are embedded SVG too
        return _figure_files(html, page, config)
    entries = _entries(page.toc)
    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n else "en"
    if lang == "en":
        _english_anchors[page.file.src_uri] = [entry.id for entry in entries]
    elif len(_english_anchors.get(page.file.src_uri, ())) == len(entries):
        for entry, anchor in zip(entries, _english_anchors[page.file.src_uri]):
            entry.id = anchor
    try:
        html = notebooks.typeset(html, page.file.src_uri, [entry.id for entry in entries])
    except (notebooks.NotebookError, ValueError) as error:
        raise PluginError(str(error)) from None
    html, styles = notebook_assets.split_styles(html)  # into the one stylesheet they all share
    _styles.update(dict.fromkeys(styles))
    _rendered.add(page.file.dest_uri)
    html = _figure_files(html, page, config)
    if page.file.dest_uri in _stale:
        _stale.discard(page.file.dest_uri)
        note = STALE_NOTE[lang]
        html = f'<div class="admonition warning notebook-stale"><p>{note}</p></div>\n' + html
    return html


_styles: dict[str, None] = {}
"""The stylesheets mkdocs-jupyter inlined into the notebook pages it rendered, in order."""
_rendered: set[str] = set()
"""The notebook pages rendered since the shared stylesheet was last written."""
SHARED_STYLESHEET = re.compile(r'<link rel="stylesheet" href="[^"]*' + re.escape(notebook_assets.STYLESHEET) + '"')


def _write_once(path: Path, text: str) -> None:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def on_post_page(output, page, config):
    if not _is_notebook(page.file):
        return output
    return notebook_assets.with_stylesheet(output, get_relative_url(notebook_assets.STYLESHEET, page.url))


def on_post_build(config):
    """Write the stylesheet the notebook pages share: of what mkdocs-jupyter inlined, the rules that can
    apply to a notebook page of the site as it is now, read from the site directory (a page this build
    did not rewrite included). mkdocs-static-i18n builds the other editions after this event, and each
    ends here again: the last writes the stylesheet for the pages of every edition."""
    if not _rendered:  # no notebook page rendered (a dirty rebuild): the stylesheet written before stands
        return
    _rendered.clear()
    site = Path(config["site_dir"])
    pages = [text for path in sorted(site.rglob("*.html"))
             if SHARED_STYLESHEET.search(text := path.read_text(encoding="utf-8"))]
    styles = list(_styles)
    code = Path(notebook_assets.__file__).read_text(encoding="utf-8")  # the trimming, as it is now
    trimmed = stored("notebook-css", [code, *styles, "\0", *pages],
                     lambda: notebook_assets.trim_css(styles, pages), ".css")
    _write_once(site / notebook_assets.STYLESHEET, trimmed)
