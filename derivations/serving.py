"""Whether the site is being served for editing or built for publishing.

``mkdocs serve`` (the hook :mod:`derivations.site.serve_hook` switches this on) must never get
stuck: a missing translation or a failing equation shows on the page, marked, and is reported on
the terminal, while ``mkdocs build`` and the tests stay strict and fail naming the culprit.
"""

from __future__ import annotations

import html
import logging
import os

log = logging.getLogger("derivations")
"""Reports made while serving; not under ``mkdocs.``, so MkDocs' strict mode does not count them."""
if not log.handlers:
    _handler = logging.StreamHandler()
    _handler.setFormatter(logging.Formatter("WARNING -  %(message)s"))
    log.addHandler(_handler)
    log.propagate = False

VARIABLE = "DERIVATIONS_SERVING"


def active() -> bool:
    """True while serving: errors in a page are shown on it instead of failing the build."""
    return os.environ.get(VARIABLE) == "1"


def activate(on: bool = True) -> None:
    """Serve (or stop serving); an environment variable, so that worker processes inherit it."""
    if on:
        os.environ[VARIABLE] = "1"
    else:
        os.environ.pop(VARIABLE, None)


def warn(message: str) -> None:
    """Report on the terminal something a served page shows in place of what it should."""
    log.warning(message)


def failure(error: Exception) -> str:
    """While serving: report ``error`` and return the HTML that shows it where the page needed the
    failed part, so the rest of the page still renders and the error clears on the next good save."""
    page = f"{_page} (being built): " if _page else ""
    warn(f"{page}{error}")
    return ('<div class="admonition failure build-error" role="alert"><p class="admonition-title">'
            f"Build error{' in ' + html.escape(_page) if _page else ''}</p><pre>{html.escape(str(error))}</pre></div>")


_page: str | None = None
_output: str | None = None
_inputs: dict[str, dict[tuple[str, str], object]] = {}
"""Per built page (its path in the site): what its last build read, each with the fingerprint it had."""


def building(page: str | None, output: str | None = None) -> None:
    """The page whose Markdown is being converted now (``None`` between pages), and the file it
    is built into, which tells the editions of one page apart."""
    global _page, _output
    _page, _output = page, output
    if output is not None:
        _inputs[output] = {}


def depends(kind: str, name: str, fingerprint: object) -> None:
    """Record that the page being built read ``name`` (an equation id, a file) as ``fingerprint``."""
    if _output is not None:
        _inputs[_output][(kind, name)] = fingerprint


def inputs() -> dict[str, dict[tuple[str, str], object]]:
    """What each page's last build read (only pages built while serving)."""
    return _inputs


def building_page() -> str | None:
    """The page being converted now, if any."""
    return _page


loaded: dict[str, tuple[int, int]] = {}
"""The file state of each module of this package as it was (re)loaded in this process."""
rebuild_all = False
"""Set when every page must be rebuilt on the next build (page code changed, or a build failed)."""

later: set[str] = set()
"""While serving, what a build left to the build that follows it (:func:`defer`)."""
first_edition_changed = False
"""Whether the build under way rebuilds a page of the default edition: the other editions' pages
that the same edit reached then follow in the next build."""
kept: dict[str, object] = {}
"""While serving, the last output of each deferred part, published meanwhile (a course pack's PDF)."""


def defer(name: str) -> bool:
    """While serving: whether the part ``name`` (a print edition, a course pack), which an edit
    reached, waits for a follow-up build so that the page being edited shows sooner. True the
    first time it is asked, False in the build that follows, which then does it."""
    if not active():
        return False
    global follow_up
    if name in later:
        later.discard(name)
        return False
    later.add(name)
    follow_up = True
    return True


follow_up = False
"""Whether the build under way deferred something: the serve hook then starts the follow-up build."""

