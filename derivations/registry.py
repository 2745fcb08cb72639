"""The registry of derivations, each under a stable, public, dotted id.

Ids are cited in course notes (``…#eq-rnn.step-jacobian``): never rename one.
"""

from __future__ import annotations

import importlib
import inspect
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .errors import DerivationError, UnknownIdError

TOPICS = ("activation", "rnn", "example", "bounds", "remedies", "lstm", "gru")
"""Topic modules in reading order; ``derivations/<topic>.py`` pairs with ``tests/test_<topic>.py``."""

ID_PATTERN = re.compile(r"^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$")
PACKAGE_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Entry:
    """One registered derivation: its id, title, the function that derives it, the ids whose
    results it declares it uses and the works it cites (keys of :data:`derivations.references.WORKS`)."""

    id: str
    title: str
    function: Callable
    kind: str = "result"
    uses: tuple[str, ...] = ()
    cites: tuple[str, ...] = ()

    @property
    def topic(self) -> str:
        return self.function.__module__.rsplit(".", 1)[-1]

    @property
    def source(self) -> dict:
        """Where the derivation lives and which test module checks it."""
        lines, first = inspect.getsourcelines(self.function)
        path = Path(inspect.getsourcefile(self.function)).resolve()
        return {
            "file": path.relative_to(PACKAGE_DIR.parent).as_posix(),
            "line": first,
            "end_line": first + len(lines) - 1,
            "function": self.function.__qualname__,
            "code": "".join(lines),
            "test": f"tests/test_{self.topic}.py",
        }


_REGISTRY: dict[str, Entry] = {}


def derivation(equation_id: str, *, title: str, kind: str = "result", uses: tuple[str, ...] = (),
               cites: tuple[str, ...] = ()):
    """Register ``function(d)`` as the derivation of ``equation_id``: a result it proves, or with
    ``kind="definition"`` a definition it states (see :func:`definition`). ``uses`` names the ids
    whose results it uses; :func:`derivations.dependencies.undeclared` checks them against the source.
    ``cites`` names the works (keys of :data:`derivations.references.WORKS`) the derivation cites."""
    from .references import WORKS

    if not ID_PATTERN.match(equation_id):
        raise DerivationError(
            f"equation id {equation_id!r} is not a lowercase dotted id such as 'rnn.step-jacobian'"
        )
    if isinstance(uses, str) or not all(isinstance(u, str) and ID_PATTERN.match(u) for u in uses):
        raise DerivationError(f"{equation_id}: uses= must be a tuple of equation ids, not {uses!r}")
    if isinstance(cites, str) or any(key not in WORKS for key in cites):
        unknown = [cites] if isinstance(cites, str) else [key for key in cites if key not in WORKS]
        raise DerivationError(f"{equation_id}: cites= names unknown work(s) {', '.join(map(repr, unknown))}; "
                              f"known: {', '.join(WORKS)} (derivations/references.py)")

    def register(function: Callable) -> Callable:
        previous = _REGISTRY.get(equation_id)
        if previous is not None and previous.function.__qualname__ != function.__qualname__:
            raise DerivationError(
                f"duplicate equation id {equation_id!r}: registered by "
                f"{previous.function.__module__}.{previous.function.__qualname__} and "
                f"{function.__module__}.{function.__qualname__}"
            )
        _REGISTRY[equation_id] = Entry(equation_id, title, function, kind, tuple(uses), tuple(cites))
        return function

    return register


def definition(equation_id: str, *, title: str, uses: tuple[str, ...] = (), cites: tuple[str, ...] = ()):
    """Register ``function(d)`` as the definition ``equation_id``: the model or rule the derivations use."""
    return derivation(equation_id, title=title, kind="definition", uses=uses, cites=cites)


def load(topics: tuple[str, ...] = TOPICS) -> None:
    """Import the topic modules so that their derivations register."""
    for topic in topics:
        importlib.import_module(f"{__package__}.{topic}")


def entries(topic: str | None = None) -> list[Entry]:
    """Every derivation of the published topics (or of the one topic given, published or not):
    topics in reading order, then derivations in the order their module defines them.

    A topic module imported but not yet in ``TOPICS`` stays out of the full list, so the site
    and the golden files need not place it."""
    load(TOPICS if topic is None else (topic,))
    chosen = [e for e in _REGISTRY.values() if (e.topic in TOPICS if topic is None else e.topic == topic)]
    return sorted(chosen, key=lambda e: TOPICS.index(e.topic) if e.topic in TOPICS else len(TOPICS))


def lookup(equation_id: str, topic: str | None = None) -> Entry:
    """The entry for ``equation_id`` (importing only ``topic`` when it is given); an unknown id
    raises with the closest known ids."""
    load(TOPICS if topic is None else (topic,))
    try:
        return _REGISTRY[equation_id]
    except KeyError:
        raise UnknownIdError(equation_id, sorted(_REGISTRY)) from None
