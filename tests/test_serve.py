"""``mkdocs serve`` never gets stuck: a served tiny site, edited while it runs, shows a missing
translation as marked English and an error on the open page, and recovers when the edit is undone;
``mkdocs build`` stays strict about the same edits."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from derivations.cache import cache_dir
from derivations.translations import UNTRANSLATED

from conftest import TINY_CONFIG, wait_for_page

STEP = '"Its decimal exponent is $-200 \\\\log_{10} 2$."'
EDITED_STEP = '"Its exponent in base ten is $-200 \\\\log_{10} 2$."'


@pytest.fixture
def served(tmp_path, project_copy):
    """Serve a tiny site built from a copy of the package; returns (url, edit, log path, project)."""
    project = project_copy("example.py", "from __future__ import annotations\n",
                           "from __future__ import annotations\n")
    shutil.copytree(cache_dir(), tmp_path / "cache", dirs_exist_ok=True)
    site = tmp_path / "served"  # apart from the folder the tiny_site fixture builds in
    docs = site / "docs"
    docs.mkdir(parents=True)
    (docs / "index.md").write_text(textwrap.dedent("""\
        # Home

        ::: eq example.sigmoid-100-steps steps lang=zh

        ::: eq example.adding-baseline
        """), encoding="utf-8")
    (docs / "other.md").write_text("# Other\n\nProse only.\n", encoding="utf-8")
    config = site / "mkdocs.yml"
    config.write_text(TINY_CONFIG + f"hooks:\n  - {project / 'derivations' / 'site' / 'serve_hook.py'}\n"
                      f"watch:\n  - {project / 'derivations'}\n", encoding="utf-8")
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
