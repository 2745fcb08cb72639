"""The test run itself: a real site that does not build is reported once, not by every test that needs
it, and a process that a test run leaves behind fails the run. Each case runs pytest on a small
generated test file with the project's conftest and pytest configuration."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import ROOT

BROKEN_HOOK = '''\
import os


class ProofError(AssertionError):
    pass


def on_config(config):
    with open(os.environ["BUILD_COUNT"], "a") as count:
        count.write("built\\n")
    raise ProofError("demo.broken-id: the displayed closed form is not what the derivation gives")
'''

NEEDS_THE_SITE = '''\
import pytest


@pytest.fixture(scope="module")
def served(built_site):
    return built_site


@pytest.mark.parametrize("n", range(4))
def test_reads_the_site(built_site, n):
    assert built_site.is_dir()


@pytest.mark.parametrize("n", range(3))
def test_through_a_module_fixture(served, n):
    assert served.is_dir()


def test_needs_no_site():
    pass
'''


def run_pytest(folder: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    """pytest on ``folder`` with the project's conftest (linked) and configuration; not this run's workers."""
    (folder / "conftest.py").symlink_to(ROOT / "tests" / "conftest.py")
    environment = {name: value for name, value in os.environ.items() if not name.startswith("PYTEST_")}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(folder),
         "--basetemp", str(folder / "tmp"), "-p", "no:cacheprovider", *args, str(folder)],
        cwd=folder, capture_output=True, text=True, timeout=300,
        env={**environment, "COLUMNS": "200", **env},
    )


@pytest.mark.parametrize("workers", [["-n", "2", "--dist", "each"], ["-p", "no:xdist"]],
                         ids=["two xdist workers", "no xdist"])
def test_a_site_that_does_not_build_is_reported_once_and_skips_the_rest(tmp_path, workers):
    site = tmp_path / "broken-site"
    (site / "docs").mkdir(parents=True)
    (site / "docs" / "index.md").write_text("# Home\n")
    (site / "broken_hook.py").write_text(BROKEN_HOOK)
    (site / "mkdocs.yml").write_text("site_name: broken\nhooks: [broken_hook.py]\n")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_needs_site.py").write_text(NEEDS_THE_SITE)
    count = tmp_path / "builds.txt"

    done = run_pytest(tests, *workers, DERIVATIONS_TEST_SITE_CONFIG=str(site / "mkdocs.yml"), BUILD_COUNT=str(count))
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert count.read_text().count("built") == 1, "the workers must share one build, failed or not"
    runs = 2 if "-n" in workers else 1
    assert re.search(rf"\b{runs} passed, {7 * runs - 1} skipped, 1 error\b", out), out

    # Reported once: the build's own error, which names the id, under the first test that needed the site.
    assert out.count("ERROR at setup of") == 1, out
    report = out.split("ERROR at setup of", 1)[1].split("short test summary info", 1)[0]
    assert "the real site did not build: ProofError: demo.broken-id: the displayed closed form" in report
    assert "in on_config" in report, "the report shows the end of the build's traceback"
    (error,) = [line for line in out.splitlines() if line.startswith("ERROR ")]
    assert "demo.broken-id" in error, "the summary line names the id"
    # Every other test that needs the site: skipped, for one reason, on one summary line.
    (skipped,) = [line for line in out.splitlines() if line.startswith("SKIPPED ")]
    assert skipped.startswith(f"SKIPPED [{7 * runs - 1}] ") and "did not build (ProofError: demo.broken-id" in skipped
    assert "reported once" in skipped
    # Short: at most 30 lines of the build's tail and 10 of its logged errors, with a few lines of frame.
    # (Only the report is measured: the rest of pytest's output varies with the machine's warnings.)
    assert len(report.splitlines()) <= 30 + 11 + 8, report


LEAVES_A_PROCESS = '''\
import subprocess
import sys

ORPHAN = """
import os, signal, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)  # as multiprocessing's resource tracker does
if os.fork():
    os._exit(0)  # the grandchild is re-parented away from pytest
print(os.getpid(), flush=True)
time.sleep(300)
"""


def test_starts_a_process_that_outlives_it():
    with subprocess.Popen([sys.executable, "-c", ORPHAN], stdout=subprocess.PIPE, text=True) as child:
        print("orphan", child.stdout.readline().strip())
        child.wait()
'''


def test_a_process_left_behind_fails_the_run_and_is_killed(tmp_path):
    (tmp_path / "test_leaves.py").write_text(LEAVES_A_PROCESS)
    done = run_pytest(tmp_path, "-n", "1", "-rP", DERIVATIONS_TEST_LEFT_BEHIND_GRACE="1")
    out = done.stdout
    orphan = re.search(r"^orphan (\d+)$", out, re.M)
    assert orphan, out + done.stderr
    pid = int(orphan[1])
    assert done.returncode == 1, out
    assert "1 passed" in out
    section = out.split("processes left behind", 1)[1]
    assert re.search(rf"^  {pid}  \S*python\S* -c ", section, re.M), section
    for _ in range(50):  # killed, then reaped by whichever process adopted it
        if not Path(f"/proc/{pid}").exists():
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists(), "the process left behind is killed"


def test_a_run_that_leaves_nothing_behind_passes(tmp_path):
    (tmp_path / "test_clean.py").write_text(textwrap.dedent('''\
        import subprocess, sys

        def test_runs_a_process_to_its_end():
            subprocess.run([sys.executable, "-c", "pass"], check=True)
    '''))
    done = run_pytest(tmp_path, "-n", "1", DERIVATIONS_TEST_LEFT_BEHIND_GRACE="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "processes left behind" not in done.stdout
