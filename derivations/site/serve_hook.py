"""MkDocs hook for ``mkdocs serve``: an edit shows quickly, and an error shows on the open page.

- Serving switches :mod:`derivations.serving` on: a failing equation or a missing translation
  shows in place on the page, marked, and the terminal names it; ``mkdocs build`` stays strict.
- ``make serve`` builds dirty: MkDocs rebuilds the pages whose Markdown changed, and this hook
  adds the pages whose other inputs changed since they were built (an equation whose derivation
  can have changed, the translation catalogue, a chapter the print edition inlines, what the
  claims show, code of this package that the build runs in-process, which it reloads first).
  The print editions, which inline every chapter, the course packs and, when an edit reached pages
  of the default edition, the other editions' pages follow in a second build that starts as soon
  as the first ends, so that the page being edited shows first.
- A build that fails anyway (a notebook that raises, a broken template) does not leave the
  browser waiting: the error, with the page being built, is written on top of every served page,
  the browser reloads to show it, and the next good build replaces every page.
- Templates are compiled once, into a bytecode cache under ``.cache/``, and the theme's files are
  listed once. Every build, served or not, reads the derivations' source state once
  (:func:`derivations.dependencies.freeze`) rather than at each of its equation look-ups.

MkDocs-only by nature: it is about MkDocs' own development server. What must last from one build
to the next is kept in :mod:`derivations.serving`, which is never reloaded.
"""

from __future__ import annotations

import html
import importlib
import logging
import os
import re
import sys
import traceback
from pathlib import Path

import jinja2
from mkdocs.plugins import event_priority

from derivations import cache, dependencies, serving, translations
from derivations.errors import DerivationError
from derivations.site import claims, equations
from derivations.site.chapters import PRINT_PAGES

KEEP = {"derivations", "derivations.serving", "derivations.site"}
"""Modules never reloaded: the package roots, and the one that holds what pages read."""
PAGE_CODE = ("derivations.site.", "derivations.translations", "derivations.cache", "derivations.dependencies",
             "derivations.published")
"""Modules every page runs: an edit to one of them rebuilds every page. An edit to a derivation
module rebuilds only the pages that show what it changed."""
BANNER = ("<div class=\"admonition failure build-error\" role=\"alert\" style=\"margin:1em\">"
          "<p class=\"admonition-title\">Build error{where}</p><pre>{message}</pre><p>This page is from the last "
          "good build. Fix the error and save: the page reloads by itself.</p></div>")

BANNER_AT = re.compile(r"<!--build-error-->.*?<!--/build-error-->", re.S)



def _stamp(path: str) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size


def _ours() -> dict[str, object]:
    return {name: module for name, module in list(sys.modules.items())
            if name.startswith("derivations.") and name not in KEEP and getattr(module, "__file__", None)}


def _uses(module, others: set[str]) -> bool:
    """Whether ``module`` holds a module or an object defined in one of ``others``."""
    for value in vars(module).values():
        name = value.__name__ if isinstance(value, type(sys)) else getattr(value, "__module__", None)
        if name in others:
            return True
    return False


def _reload_changed() -> set[str]:
    """Reload the modules of this package whose files changed, then every loaded module that uses
    one of them, each after the reloaded modules it uses; returns their names."""
    modules = _ours()
    loaded = serving.loaded
    changed = {name for name, module in modules.items() if loaded.setdefault(name, _stamp(module.__file__))
               != _stamp(module.__file__)}
    affected = set(changed)
    while True:
        more = {name for name, module in modules.items() if name not in affected and _uses(module, affected)}
        if not more:
            break
        affected |= more
    done: set[str] = set()
    while affected - done:
        ready = [n for n in affected - done if not _uses(modules[n], affected - done - {n})] or sorted(affected - done)
        for name in sorted(ready):
            importlib.reload(modules[name])
            loaded[name] = _stamp(modules[name].__file__)
            done.add(name)
    return changed


def _fingerprint(kind: str, name: str, docs_dir: Path):
    """What the input ``name`` is now, as :func:`derivations.serving.depends` recorded it."""
    if kind == "equation":
        return cache.key(name) if name in cache.placements() else None
    if kind == "inline":
        return equations.inline_fingerprint(name)
    if kind == "card":
        try:
            return equations.card_fingerprint(cache.record(name))
        except DerivationError:
            return None
    if kind == "catalogue":
        return _stamp(str(translations.CATALOGUE))
    if kind == "claims":
        return claims.shown_fields()
    path = docs_dir / name  # kind "page": a chapter the print edition inlines
    return path.read_text(encoding="utf-8") if path.is_file() else None


class _DirtyNotice(logging.Filter):
    """Drops MkDocs' warning that a dirty build may leave stale links: this hook rebuilds what an edit reaches."""

    def filter(self, record):
        return "'dirty' build" not in record.getMessage()


def on_startup(command, dirty):
    serving.activate(command == "serve")
    if serving.active():
        logging.getLogger("mkdocs.commands.build").addFilter(_DirtyNotice())


def on_pre_build(config):
    dependencies.freeze()  # every build, served or not: its many look-ups read the sources' state once


def on_post_build(config):
    dependencies.thaw()


def on_build_error(error):
    dependencies.thaw()


def on_config(config):
    if not serving.active():
        return config
    if any(name.startswith(PAGE_CODE) for name in _reload_changed()):
        serving.rebuild_all = True
    _list_theme_once(config.theme)
    return config


_listings: dict[tuple, list[str]] = {}


def _list_theme_once(theme) -> None:
    """Let every build's template environment reuse the listing of the theme's files (thousands of
    icons that MkDocs would otherwise walk and filter on every build), listed again when a file of
    the project's own theme folder changes."""
    get_env = theme.get_env

    def get_env_listing_once():
        env = get_env()
        list_templates = env.list_templates
        state = tuple((str(path), *_stamp(str(path))) for d in theme.dirs if "site-packages" not in d
                      for path in sorted(Path(d).rglob("*")))

        def listed(extensions=None, filter_func=None):
            key = (tuple(theme.dirs), state, extensions, filter_func.__code__ if filter_func else None)
            if key not in _listings:
                _listings[key] = list_templates(extensions, filter_func)
            return _listings[key]

        env.list_templates = listed
        return env

    theme.get_env = get_env_listing_once


@event_priority(-100)  # after mkdocs-static-i18n has given each edition's pages their place in the site
def on_files(files, config):
    """Under a dirty build, make MkDocs rebuild the pages whose inputs changed since they were built."""
    if not serving.active():
        return files
    docs_dir, stale = Path(config.docs_dir), serving.rebuild_all
    serving.rebuild_all = False
    i18n = config.plugins.get("i18n")
    first = i18n is None or i18n.current_language == i18n.default_language
    pages = files.documentation_pages()
    for file in pages:
        read = serving.inputs().get(file.dest_uri)
        changed = stale or (read and any(_fingerprint(kind, name, docs_dir) != was for (kind, name), was in read.items()))
        follows = PRINT_PAGES.match(file.src_uri) or (not first and serving.first_edition_changed)
        if changed and not stale and follows and serving.defer(file.dest_uri):
            continue  # in the follow-up build
        serving.later.discard(file.dest_uri)
        if changed and os.path.exists(file.abs_dest_path):
            os.utime(file.abs_dest_path, (0, 0))  # older than its source: MkDocs rebuilds it
    if first:
        serving.first_edition_changed = any(f.is_modified() for f in pages if not PRINT_PAGES.match(f.src_uri))
    return files


def on_env(env, config, files):
    env.bytecode_cache = jinja2.FileSystemBytecodeCache(str(_bytecode_dir()))
    return env


def _bytecode_dir() -> Path:
    path = cache.cache_dir().parent / "templates"
    path.mkdir(parents=True, exist_ok=True)
    return path


def on_page_markdown(markdown, page, config, files):
    serving.building(page.file.src_uri, page.file.dest_uri)
    if page.file.src_uri.endswith(".zh.md"):
        serving.depends("catalogue", "zh", _stamp(str(translations.CATALOGUE)))
    return markdown


def on_page_content(content, page, config, files):
    serving.building(None)
    return content


def on_serve(server, config, builder):
    """Keep serving through a failed build: show the error on every served page until a good one."""
    build = server.builder

    def build_or_show():
        try:
            build()
        except Exception as error:  # noqa: BLE001 - any failure is shown, and the server keeps going
            traceback.print_exc()
            page = serving.building_page()
            logging.getLogger("mkdocs").error("The build failed; every served page shows the error until it is fixed.")
            _show(Path(server.root), error, page)
            serving.rebuild_all = True
        serving.building(None)
        if serving.follow_up:  # this build deferred some of its work: the watcher starts the follow-up build
            serving.follow_up = False
            (_follow_up_dir() / "later").write_text("\n".join(sorted(serving.later)), encoding="utf-8")

    _follow_up_dir().mkdir(parents=True, exist_ok=True)
    server.watch(str(_follow_up_dir()))
    server.builder = build_or_show
    return server


def _follow_up_dir() -> Path:
    return cache.cache_dir().parent / "serve"


def _show(site: Path, error: Exception, page: str | None) -> None:
    banner = BANNER.format(where=f" in {html.escape(page)}" if page else "",
                           message=html.escape(f"{type(error).__name__}: {error}"))
    for path in site.rglob("*.html"):
        text = BANNER_AT.sub("", path.read_text(encoding="utf-8"))
        start = text.find("<body")
        if start >= 0:
            end = text.index(">", start) + 1
            path.write_text(f"{text[:end]}<!--build-error-->{banner}<!--/build-error-->{text[end:]}", encoding="utf-8")
