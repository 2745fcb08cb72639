"""MkDocs hook: each edition offers its full course pack, ``downloads/course-pack-<lang>.pdf``: every
equation with its derivation, typeset by Typst from this build's derivations (:mod:`derivations.pack`).
A pack is cached by the content of its Typst source, so an unchanged one is not typeset again.
While serving, a pack that cannot be made is reported and left out instead of stopping the server."""

from __future__ import annotations

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

from derivations import pack, serving


@event_priority(-110)  # after mkdocs-static-i18n, which builds each edition's files afresh
def on_files(files, config):
    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n else "en"
    prefix = "" if not i18n or lang == i18n.default_language else f"{lang}/"
    try:
        content = pack.cached_pdf(pack.full_source(lang))
    except pack.PackError as error:
        if not serving.active():
            raise
        serving.warn(f"downloads/course-pack-{lang}.pdf is left out: {error}")
        return files
    made = File.generated(config, f"downloads/course-pack-{lang}.pdf", content=content)
    made.dest_uri = prefix + made.dest_uri
    files.append(made)
    return files
