"""Fixtures that build sites: the real one (once per session) and tiny ones in ``tmp_path``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from filelock import FileLock

from derivations.cache import cache_dir

ROOT = Path(__file__).resolve().parents[1]


def mkdocs_build(config: Path, site_dir: Path, *, cwd: Path = ROOT, env: dict | None = None):
    """Run ``mkdocs build --strict`` and return the finished process (never raises on failure)."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site_dir)],
        cwd=cwd, capture_output=True, text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", **(env or {})},
    )


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, worker_id) -> Path:
    """The real site, built strictly once for the whole session, also when pytest-xdist runs it in
    several workers: the first to take the lock builds, the others wait and share the result."""
    if worker_id == "master":
        return build_real_site(tmp_path_factory.mktemp("site"))
    shared = tmp_path_factory.getbasetemp().parent  # one folder per session, common to its workers
    with FileLock(shared / "site.lock"):
        site = shared / "site"
        if not site.exists():
            build_real_site(shared / "site.tmp").rename(site)
    return site


SOURCE_DATE_EPOCH = "1767225600"
"""The build date of every test build of the real site (2026-01-01), as ``make build`` takes it from the last commit."""


def build_real_site(site: Path) -> Path:
    """Build the real site strictly into ``site``, dated :data:`SOURCE_DATE_EPOCH`."""
    done = mkdocs_build(ROOT / "mkdocs.yml", site, env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    assert done.returncode == 0, done.stderr
    return site


TINY_CONFIG = """\
site_name: tiny
theme: {name: mkdocs}
extra_css: [assets/katex/katex.min.css]
markdown_extensions:
  - derivations.site.equations
  - derivations.site.math
  - derivations.site.claims
  - derivations.site.references
  - derivations.site.chapters
  - derivations.site.catalog
  - derivations.site.benchmarks
"""


@pytest.fixture
def tiny_site(tmp_path):
    """Build a tiny real site from ``{page: markdown}`` with the project's extensions.

    Returns ``build(pages, project=ROOT)``; pass ``project`` to build against a mutated copy of
    the package made by :func:`project_copy`. Derivations come from the project's cache, whose
    entries carry the content hash of the modules they were derived from.
    """

    def build(pages: dict[str, str], project: Path = ROOT):
        docs = tmp_path / "docs"
        docs.mkdir(exist_ok=True)
        for name, text in pages.items():
            (docs / name).write_text(textwrap.dedent(text), encoding="utf-8")
        config = tmp_path / "mkdocs.yml"
        config.write_text(TINY_CONFIG, encoding="utf-8")
        env = {"PYTHONPATH": str(project)}
        if project != ROOT:  # a mutated copy starts from the project's cache but never writes into it
            env["DERIVATIONS_CACHE"] = str(tmp_path / "cache")
            if cache_dir().is_dir():
                shutil.copytree(cache_dir(), tmp_path / "cache", dirs_exist_ok=True)
        return mkdocs_build(config, tmp_path / "site", cwd=tmp_path, env=env)

    return build


@pytest.fixture
def project_copy(tmp_path):
    """A copy of the ``derivations`` package with one text replacement applied, for fault injection.

    ``project_copy("rnn.py", old, new)`` returns the folder to pass as ``project``; KaTeX is
    shared with the real project by symbolic links.
    """

    def make(module: str, old: str, new: str) -> Path:
        project = tmp_path / "project"
        shutil.copytree(ROOT / "derivations", project / "derivations",
                        ignore=shutil.ignore_patterns("__pycache__"))
        path = project / "derivations" / module
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} must occur exactly once in {module}"
        path.write_text(text.replace(old, new), encoding="utf-8")
        for name in ("node_modules", "package-lock.json"):
            (project / name).symlink_to(ROOT / name)
        (project / "docs" / "assets").mkdir(parents=True)
        (project / "docs" / "assets" / "katex").symlink_to(ROOT / "docs" / "assets" / "katex")
        return project

    return make


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/*.tex from the current derivations instead of comparing")
