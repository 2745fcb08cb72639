"""Fixtures that build sites: the real one (once per session; a failed build is reported once) and tiny
ones in ``tmp_path``; and a check that the run leaves no process behind."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import urllib.request
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


REAL_CONFIG = Path(os.environ.get("DERIVATIONS_TEST_SITE_CONFIG", ROOT / "mkdocs.yml"))
"""The configuration of "the real site"; tests/test_conftest.py points it at one that fails to build."""

SITE_FAILED = "site.failed"
"""Next to the shared build: the error of a build that failed, so that no other worker builds again."""


class SiteNotBuilt(pytest.skip.Exception):
    """Raised for every test that needs the real site after its build failed; the first such test of the
    process that ran the build reports the failure instead (see :func:`pytest_runtest_makereport`)."""


_site_failure: dict = {}
"""In the process that ran a failed build of the real site: ``message``, until a test has reported it."""


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The real site, built strictly once for the whole session, also when pytest-xdist runs it in
    several workers: the first to take the lock builds, the others wait and share the result.

    A failed build is reported once, as the setup error of the first test that needed the site, with
    the build's own error; every other test that needs the site is skipped with one line that says why.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") is None:
        site, failure = _build_or_failure(tmp_path_factory.mktemp("site"))
    else:
        shared = tmp_path_factory.getbasetemp().parent  # one folder per session, common to its workers
        with FileLock(shared / "site.lock"):
            site, failed = shared / "site", shared / SITE_FAILED
            if failed.exists():  # another worker built and failed, and reports it
                failure = json.loads(failed.read_text(encoding="utf-8"))
            elif site.exists():
                failure = None
            else:
                built, failure = _build_or_failure(shared / "site.tmp")
                if failure:
                    failed.write_text(json.dumps(failure), encoding="utf-8")
                else:
                    built.rename(site)
    if failure:
        raise SiteNotBuilt(f"the real site did not build ({failure['headline']}); "
                           "the build's error is reported once, as the ERROR of the first test that needed it")
    return site


def _build_or_failure(site: Path) -> tuple[Path, dict | None]:
    """Build the real site into ``site``; on failure, note it for this process's first test to report."""
    try:
        done = mkdocs_build(REAL_CONFIG, site, env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
        stderr, failed = done.stderr, done.returncode != 0
    except OSError as error:
        stderr, failed = f"{type(error).__name__}: {error}", True
    if not failed:
        return site, None
    lines = stderr.rstrip().splitlines()
    logged = [line for line in lines[:-30] if line.startswith(("ERROR", "WARNING"))][:10]  # e.g. the page
    failure = {"headline": _headline(lines), "tail": "\n".join([*logged, *(["[…]"] if logged else []), *lines[-30:]])}
    _site_failure["message"] = (f"the real site did not build: {failure['headline']}\n"
                                f"every other test that needs the site is skipped. "
                                f"The errors and last lines of `mkdocs build --strict -f {REAL_CONFIG}`:\n\n{failure['tail']}")
    return site, failure


def _headline(lines: list[str]) -> str:
    """The line of a build's stderr that says what failed: the exception that ended it, else the first
    error or warning that strict mode aborted on, else its last line."""
    raised = [line for line in lines if re.match(r"[\w.]+(Error|Exception|Abort)\b.*?: ", line)]
    logged = [line for line in lines if line.startswith(("ERROR", "WARNING"))]
    line = raised[-1] if raised else logged[0] if logged else lines[-1] if lines else "no output"
    return re.sub(r"^[\w.]+\.(?=\w+: )", "", line.strip())  # derivations.errors.ProofError: → ProofError:


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Report a failed build of the real site once: the first test of the process that ran the build
    fails at setup with the build's error, instead of being skipped like the others, whose skips are
    all given the fixture's location so that the summary folds them into one line."""
    skipped = call.when == "setup" and call.excinfo is not None and call.excinfo.errisinstance(SiteNotBuilt)
    if skipped and "message" in _site_failure:
        try:
            pytest.fail(_site_failure.pop("message"), pytrace=False)
        except pytest.fail.Exception:
            call.excinfo = pytest.ExceptionInfo.from_current()
        skipped = False
    report = yield
    if skipped and report.skipped:
        report.longrepr = (__file__, None, call.excinfo.value.msg)
    return report


SOURCE_DATE_EPOCH = "1767225600"
"""The build date of every test build of the real site (2026-01-01), as ``make build`` takes it from the last commit."""


def build_real_site(site: Path) -> Path:
    """Build the real site strictly into ``site``, dated :data:`SOURCE_DATE_EPOCH`."""
    done = mkdocs_build(REAL_CONFIG, site, env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH})
    assert done.returncode == 0, done.stderr
    return site


def served_page(url: str) -> str:
    """The page at ``url`` as a server sends it now, or "" while it cannot."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def wait_for_page(url: str, wanted, seconds: float = 120) -> str:
    """The page at ``url`` once ``wanted(page)`` holds; fails after ``seconds`` showing the last one."""
    deadline = time.monotonic() + seconds
    while not wanted(page := served_page(url)):
        assert time.monotonic() < deadline, f"gave up waiting; last page served: {page[-400:]!r}"
        time.sleep(0.2)
    return page


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
        for name in ("node_modules", "package.json", "package-lock.json"):
            (project / name).symlink_to(ROOT / name)
        (project / "docs" / "assets").mkdir(parents=True)
        (project / "docs" / "assets" / "katex").symlink_to(ROOT / "docs" / "assets" / "katex")
        return project

    return make


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/*.tex from the current derivations instead of comparing")


# --- Processes left behind ------------------------------------------------------------------------
# Every process that this test run starts, directly or not, inherits RUN_MARK in its environment. When
# the run ends (after pytest-xdist has stopped its workers), a marked process that no longer descends
# from the run was left behind: it is listed, killed and the run fails. Linux only (/proc).

RUN_MARK = "DERIVATIONS_TEST_RUN"
LEFT_BEHIND_GRACE = float(os.environ.get("DERIVATIONS_TEST_LEFT_BEHIND_GRACE", 10))
"""Seconds that a process whose parent ended may take to notice and exit by itself."""


def pytest_configure(config):
    if not hasattr(config, "workerinput"):  # the controller, or a run without workers: a mark of its own
        os.environ[RUN_MARK] = f"{os.getpid()}-{os.urandom(8).hex()}"


def marked_processes(mark: str) -> dict[int, str]:
    """The live processes whose environment carries ``RUN_MARK=mark``, as pid → command line."""
    needle = f"{RUN_MARK}={mark}".encode()
    found = {}
    for entry in Path("/proc").iterdir() if Path("/proc/self/environ").exists() else ():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):  # a zombie's environ is empty
                continue
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        found[int(entry.name)] = command
    return found


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return 0


def _descends_from(pid: int, ancestor: int) -> bool:
    while pid > 1:
        if pid == ancestor:
            return True
        pid = _parent(pid)
    return False


def left_behind(mark: str, grace: float = LEFT_BEHIND_GRACE) -> dict[int, str]:
    """Marked processes that do not descend from this process, once ``grace`` seconds have not ended them."""
    deadline = time.monotonic() + grace
    while True:
        stray = {pid: command for pid, command in marked_processes(mark).items()
                 if not _descends_from(pid, os.getpid())}
        if not stray or time.monotonic() > deadline:
            return stray
        time.sleep(0.2)


_left_behind: dict[int, str] = {}


@pytest.hookimpl(trylast=True)  # after pytest-xdist has stopped its workers
def pytest_sessionfinish(session):
    if hasattr(session.config, "workerinput") or RUN_MARK not in os.environ:
        return
    _left_behind.update(left_behind(os.environ[RUN_MARK]))
    for pid in _left_behind:
        try:
            os.kill(pid, signal.SIGKILL)  # SIGKILL: multiprocessing's resource tracker ignores SIGTERM
        except OSError:
            pass
    if _left_behind and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    if _left_behind:
        terminalreporter.section("processes left behind", red=True)
        terminalreporter.line(f"{len(_left_behind)} process(es) started by this run outlived it "
                              f"(re-parented away from pytest); killed now:")
        for pid, command in sorted(_left_behind.items()):
            terminalreporter.line(f"  {pid}  {command[:200]}")
