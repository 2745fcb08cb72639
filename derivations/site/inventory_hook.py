"""MkDocs hook: each edition's Sphinx inventory of the published equations, written once the edition is
built: ``objects.inv`` at the site's root, ``zh/objects.inv`` for the Chinese edition
(:mod:`derivations.site.inventory` says what they hold and why)."""

from __future__ import annotations

from derivations.site import inventory


def on_post_build(config):
    # mkdocs-static-i18n builds each other edition from within its own post_build (priority -100),
    # after this one has run for the default edition: each run writes the edition just built.
    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n else "en"
    folder = "" if i18n is None or lang == i18n.default_language else f"{lang}/"
    inventory.write(config["site_dir"], folder, config["site_name"], config["docs_dir"], lang)
