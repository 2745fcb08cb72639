"""MkDocs hook: each edition offers its full course pack, ``downloads/course-pack-<lang>.pdf``: every
equation with its derivation, typeset by Typst from this build's derivations (:mod:`derivations.pack`).
A pack is cached by the content of its Typst source, so an unchanged one is not typeset again.
While serving, a pack that an edit changed is typeset by the build that follows (the page being
edited shows first; the last pack is published meanwhile), and a pack that cannot be made is
reported and left out instead of stopping the server."""

from __future__ import annotations

from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

from derivations import pack, serving


@event_priority(-110)  # after mkdocs-static-i18n, which builds each edition's files afresh
def on_files(files, config):
    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n else "en"
    prefix = "" if not i18n or lang == i18n.default_language else f"{lang}/"
    name = f"downloads/course-pack-{lang}.pdf"
    try:
        source = pack.full_source(lang)
        content = pack.cached_pdf(source, typeset=False)
        if content is None and name in serving.kept and serving.defer(name):
            content = serving.kept[name]  # the last pack, until the follow-up build typesets this one
        elif content is None:
            content = pack.cached_pdf(source)
        else:
            serving.later.discard(name)
        if serving.active():
            serving.kept[name] = content
    except pack.PackError as error:
        if not serving.active():
            raise
        serving.warn(f"{name} is left out: {error}")
        return files
    made = File.generated(config, name, content=content)
    made.dest_uri = prefix + made.dest_uri
    files.append(made)
    return files
