"""``mkdocs serve`` never gets stuck: a served tiny site, edited while it runs, shows a missing
translation as marked English and an error on the open page, and recovers when the edit is undone;
``mkdocs build`` stays strict about the same edits."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from derivations.cache import cache_dir
from derivations.translations import UNTRANSLATED

from conftest import TINY_CONFIG, served_page, wait_for_page

STEP = '"Its decimal exponent is $-200 \\\\log_{10} 2$."'
EDITED_STEP = '"Its exponent in base ten is $-200 \\\\log_{10} 2$."'


EDITIONS_CONFIG = """\
site_name: tiny
theme: {name: material}
plugins:
  - material/search
  - i18n:
      docs_structure: suffix
      reconfigure_search: false
      languages:
        - {locale: en, name: English, default: true, build: true}
        - {locale: zh, name: 简体中文, build: true}
markdown_extensions: [derivations.site.equations, derivations.site.math, derivations.site.chapters]
"""


@pytest.fixture
def served(tmp_path, project_copy):
    """Serve a tiny site built from a copy of the package; returns (url, edit, log path, project)."""
    yield from _serve(tmp_path, project_copy, TINY_CONFIG, ("serve_hook.py",), {
        "index.md": textwrap.dedent("""\
            # Home

            ::: eq example.sigmoid-100-steps steps lang=zh

            ::: eq example.adding-baseline
            """),
        "other.md": "# Other\n\nProse only.\n"})


@pytest.fixture
def served_editions(tmp_path, project_copy):
    """A served tiny site in two editions, each with a print edition and its own search index."""
    yield from _serve(tmp_path, project_copy, EDITIONS_CONFIG, ("serve_hook.py", "search_hook.py"), {
        "index.md": "# Home\n\n::: eq example.adding-baseline\n\nProse.\n",
        "index.zh.md": "# 首页\n\n::: eq example.adding-baseline lang=zh\n\n正文。\n",
        "print.md": "# Print\n\n::: chapter index.md\n", "print.zh.md": "# 打印\n\n::: chapter index.zh.md\n"})


def _serve(tmp_path, project_copy, config_text: str, hooks: tuple[str, ...], pages: dict[str, str]):
    project = project_copy("example.py", "from __future__ import annotations\n",
                           "from __future__ import annotations\n")
    shutil.copytree(cache_dir(), tmp_path / "cache", dirs_exist_ok=True)
    site = tmp_path / "served"  # apart from the folder the tiny_site fixture builds in
    docs = site / "docs"
    docs.mkdir(parents=True)
    for name, text in pages.items():
        (docs / name).write_text(text, encoding="utf-8")
    config = site / "mkdocs.yml"
    config.write_text(config_text + "hooks:\n" + "".join(f"  - {project / 'derivations' / 'site' / hook}\n"
                                                          for hook in hooks)
                      + f"watch:\n  - {project / 'derivations'}\n", encoding="utf-8")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(project), "DERIVATIONS_CACHE": str(tmp_path / "cache"),
           "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    log = site / "serve.log"
    with open(log, "w") as out:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "--dirty", "-f", str(config),
                                   "--dev-addr", f"127.0.0.1:{port}"], cwd=site, env=env, stdout=out, stderr=out)

    def edit(path: Path, old: str, new: str) -> None:
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, old
        path.write_text(text.replace(old, new), encoding="utf-8")

    try:
        yield f"http://127.0.0.1:{port}/", edit, log, project
    finally:
        server.terminate()
        server.wait(30)


def test_an_edited_step_text_shows_marked_english_while_serving_and_fails_the_build(served, tiny_site):
    url, edit, log, project = served
    wait_for_page(url, lambda page: "它的十进制指数为" in page)
    example = project / "derivations" / "example.py"
    edit(example, STEP, EDITED_STEP)
    page = wait_for_page(url, lambda page: "Its exponent in base ten is" in page)
    assert UNTRANSLATED + "Its exponent in base ten is" in page
    assert "equation 'example.sigmoid-100-steps' (step 2)" in log.read_text(encoding="utf-8")

    built = tiny_site({"index.md": "# Page\n\n::: eq example.sigmoid-100-steps steps lang=zh\n"}, project=project)
    assert built.returncode != 0 and "Its exponent in base ten is" in built.stderr and "is missing" in built.stderr

    edit(example, EDITED_STEP, STEP)
    wait_for_page(url, lambda page: "它的十进制指数为" in page and UNTRANSLATED not in page)


def test_a_failing_derivation_shows_on_the_open_page_and_clears_when_fixed(served):
    url, edit, log, project = served
    wait_for_page(url, lambda page: 'id="eq-example.adding-baseline"' in page)
    example = project / "derivations" / "example.py"
    edit(example, "sp.Rational(1, 6)", "sp.Rational(1, 7)")
    page = wait_for_page(url, lambda page: "build-error" in page)
    assert "example.adding-baseline" in page and "does not hold" in page
    assert 'id="eq-example.sigmoid-100-steps"' in page, "the rest of the page still renders"
    edit(example, "sp.Rational(1, 7)", "sp.Rational(1, 6)")
    wait_for_page(url, lambda page: "build-error" not in page and 'id="eq-example.adding-baseline"' in page)


def test_a_failed_build_shows_on_every_page_and_the_site_recovers(served):
    url, edit, log, project = served
    wait_for_page(url + "other/", lambda page: "Prose only." in page)
    docs = Path(log).parent / "docs"
    (docs / "other.md").write_text("# Other\n\n::: chapter missing.md\n", encoding="utf-8")
    page = wait_for_page(url, lambda page: "build-error" in page)
    assert "other.md" in page and "missing.md" in page
    (docs / "other.md").write_text("# Other\n\nProse again.\n", encoding="utf-8")
    wait_for_page(url + "other/", lambda page: "Prose again." in page and "build-error" not in page)
    wait_for_page(url, lambda page: "build-error" not in page)


def test_print_editions_follow_in_a_second_build_and_the_search_index_stays_one_size(served_editions):
    """A save shows on its page first; the print edition that inlines the page follows in the build
    that starts right after. Each save replaces the page's entries in each edition's search index
    (mkdocs-static-i18n used to stack them, doubling the index with every save)."""
    url, _, log, _ = served_editions
    wait_for_page(url + "print/", lambda page: "Prose." in page)
    home = Path(log).parent / "docs" / "index.md"
    builds = log.read_text(encoding="utf-8").count("Reloading browsers")
    sizes = []
    for n in range(3):
        home.write_text(home.read_text(encoding="utf-8") + f"\nSaved {n}.\n", encoding="utf-8")
        wait_for_page(url, lambda page: f"Saved {n}." in page)
        wait_for_page(url + "print/", lambda page: f"Saved {n}." in page)
        wait_for_page(url + "search/search_index.json", lambda index: f"Saved {n}." in index)
        sizes.append(len(json.loads(served_page(url + "search/search_index.json"))["docs"]))
    assert sizes[0] == sizes[1] == sizes[2], f"the index grew with each save: {sizes} entries"
    assert log.read_text(encoding="utf-8").count("Reloading browsers") >= builds + 6, "no follow-up builds"
    time.sleep(5)
    settled = log.read_text(encoding="utf-8").count("Reloading browsers")
    time.sleep(5)
    assert log.read_text(encoding="utf-8").count("Reloading browsers") == settled, "the server keeps rebuilding"
