"""Simplified Chinese for the English text that derivations, claims and benchmark figures carry.

The translations are a gettext catalogue, ``derivations/locale/zh/LC_MESSAGES/derivations.po``,
read with Babel: translators can use Poedit, Weblate or any PO editor, and
``python -m derivations translations`` brings the catalogue up to date with the English texts,
keeping an edited text's old translation as *fuzzy* (outdated) beside its previous English.
Keys are the English texts exactly as written, so an edited English text has no current
translation until the catalogue follows: ``mkdocs build`` then fails naming the equation and the
text, while ``mkdocs serve`` shows the English on the Chinese page, marked, and warns.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from . import serving

LANGUAGES = ("en", "zh")
PACKAGE_DIR = Path(__file__).resolve().parent
CATALOGUE = PACKAGE_DIR / "locale" / "zh" / "LC_MESSAGES" / "derivations.po"
UNTRANSLATED = "【未翻译】"
"""Marks, on a served Chinese page, English text whose translation is missing or outdated."""


@functools.lru_cache(maxsize=4)
def _read(path: Path, _stamp: tuple[int, int]) -> Catalog:
    with path.open("rb") as f:
        return read_po(f, locale="zh_Hans_CN", domain="derivations")


def catalogue() -> Catalog:
    """The Chinese catalogue as saved now (read again whenever the file changes)."""
    stat = CATALOGUE.stat()
    return _read(CATALOGUE, (stat.st_mtime_ns, stat.st_size))


class _Translations(Mapping):
    """English → Chinese for every current (translated, not fuzzy) entry of the catalogue."""

    def _current(self) -> dict[str, str]:
        return {m.id: m.string for m in catalogue() if m.id and m.string and not m.fuzzy}

    def __getitem__(self, text: str) -> str:
        return self._current()[text]

    def __iter__(self) -> Iterator[str]:
        return iter(self._current())

    def __len__(self) -> int:
        return len(self._current())


ZH: Mapping[str, str] = _Translations()


class TranslationError(KeyError):
    """A text shown on a page of another language has no current translation."""

    def __str__(self) -> str:
        return self.args[0]


def translate(text: str, lang: str, where: str) -> str:
    """``text`` in ``lang``; ``where`` names the equation or claim in the error (or, while serving,
    in the warning, and the English text comes back marked)."""
    if lang == "en":
        return text
    if lang != "zh":
        raise TranslationError(f"{where}: unknown language {lang!r}; known: {', '.join(LANGUAGES)}")
    message = catalogue().get(text)
    if message is not None and message.string and not message.fuzzy:
        return message.string
    state = "is outdated (marked fuzzy)" if message is not None and message.string else "is missing"
    shown = CATALOGUE.relative_to(PACKAGE_DIR.parent) if CATALOGUE.is_relative_to(PACKAGE_DIR.parent) else CATALOGUE
    problem = (f"{where}: the Chinese translation of {text!r} {state} in {shown}; run `python -m derivations translations` and "
               "translate it")
    if serving.active():
        serving.warn(problem)
        return UNTRANSLATED + text
    raise TranslationError(problem)


def source_texts() -> dict[str, list[tuple[str, str]]]:
    """Every English text a Chinese page shows, with the files and ids it comes from."""
    from . import cache
    from .claims import CLAIMS

    texts: dict[str, list[tuple[str, str]]] = {}
    for eid, record in cache.records().items():
        for text in [record["title"], *(step["text"] for step in record["steps"])]:
            texts.setdefault(text, []).append((record["source"]["file"], eid))
    for claim in CLAIMS:
        for field in ("title", "notes", "verdict"):
            texts.setdefault(getattr(claim, field), []).append(("derivations/claims.py", f"claim {claim.id}"))
    results = json.loads((PACKAGE_DIR.parent / "benchmarks" / "results.json").read_text(encoding="utf-8"))
    for figure in results["figures"]:
        texts.setdefault(figure["name"], []).append(("benchmarks/results.json", "make bench"))
    return texts


def update() -> tuple[list[str], list[str]]:
    """Bring the catalogue up to date with :func:`source_texts`, as ``msgmerge`` would: new texts
    are added untranslated, an edited text keeps its old translation marked fuzzy (with the
    previous English beside it), texts no page shows any more are dropped. Returns the texts
    still untranslated and those fuzzy."""
    template = Catalog(locale="zh_Hans_CN", domain="derivations")
    for text, sources in source_texts().items():
        template.add(text, locations=sorted({(file, None) for file, _ in sources}),
                     auto_comments=list(dict.fromkeys(used for _, used in sources)))
    current = catalogue()
    current.update(template, update_header_comment=False, update_creation_date=False)
    current.obsolete.clear()
    CATALOGUE.write_bytes(_po_bytes(current))
    untranslated = [m.id for m in current if m.id and not m.string]
    fuzzy = [m.id for m in current if m.id and m.string and m.fuzzy]
    return untranslated, fuzzy


def _po_bytes(catalog: Catalog) -> bytes:
    import io

    out = io.BytesIO()
    write_po(out, catalog, width=0, include_previous=True, sort_output=False)
    return out.getvalue()
