"""MkDocs hook: notebooks are executed (cached by content), translated and typeset around
mkdocs-jupyter's rendering. See :mod:`derivations.site.notebooks`.

Notebooks run in worker processes from the moment the files are collected, while the chapters
are rendered; a notebook page waits for its own run only when its turn comes.

MkDocs-only by necessity: notebook pages come from the mkdocs-jupyter plugin, which Zensical
does not run; the chapters rely on Markdown extensions only.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Future, ProcessPoolExecutor
from functools import cache
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs_jupyter.plugin import NotebookFile

from derivations.site import notebooks

_runs: dict[str, Future] = {}


@cache
def _pool() -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"))


def on_shutdown():
    if _pool.cache_info().currsize:
        _pool().shutdown()


def _is_notebook(file) -> bool:
    return file.src_uri.endswith(".ipynb")


@event_priority(-110)  # after mkdocs-static-i18n, which rebuilds every file and so drops mkdocs-jupyter's wrapping
def on_files(files, config):
    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n else "en"
    prefix = "" if not i18n or lang == i18n.default_language else f"{lang}/"
    jupyter = config.plugins.get("mkdocs-jupyter")
    if jupyter and jupyter.config["cache"]:  # one folder per language: each build evicts what it did not use
        jupyter.config["cache_dir"] = str(notebooks.cache_dir().parent / "mkdocs-jupyter" / lang)
    for file in [f for f in files if _is_notebook(f)]:
        _runs[file.src_uri] = _pool().submit(notebooks.publish, Path(file.abs_src_path), file.src_uri)
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
    if _is_notebook(page.file):
        try:
            _runs.pop(page.file.src_uri).result()
        except notebooks.NotebookError as error:
            raise PluginError(str(error)) from None
    return page


def _anchors(items) -> list[str]:
    return [anchor for item in items for anchor in [item.id, *_anchors(item.children)]]


def on_page_content(html, page, config, files):
    if not _is_notebook(page.file):
        return html
    try:
        return notebooks.typeset(html, page.file.src_uri, _anchors(page.toc))
    except (notebooks.NotebookError, ValueError) as error:
        raise PluginError(str(error)) from None
