"""The instructor's edit loop: from a saved edit to the served page that shows it, as ``make serve`` runs.

Each save is made with the server idle (no build for 1.5 s), as after reading the page that the last
save changed: the print editions, course packs and other edition's pages that a save reached are
rebuilt by a follow-up build, which is then done.

A copy of the working tree is served the way ``make serve`` serves it (dirty builds, errors on the
page), after one build of the copy has warmed the derivation and notebook caches; the chapter "Backpropagation through
time" is polled as an open page would be reloaded. Three kinds of save, each repeated and reported
as the median:

- prose: a sentence appended to the English chapter (target ≤ 1.5 s);
- text: a step text of ``rnn.step-jacobian`` edited in ``derivations/rnn.py`` (target ≤ 2 s);
- derivation: a line added inside that derivation's function, which re-derives it (target: its own
  derivation time, measured alone in the same run, + 1.5 s).

Each figure is also given as a ratio to the floor: the same prose save in a bare mkdocs-material
site of the same pages' Markdown (no plugins, extensions or hooks), served in the same run.
"""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true", "MKDOCS_STRICT": "false"}
TARGETS = {"prose": 1.5, "text": 2.0, "derivation slack": 1.5}
PAGE = "backprop-through-time"
STEP = "Transpose to numerator layout, one row per entry of $h_t$"
FUNCTION = "def step_jacobian_derivation(d):\n"
BARE = "site_name: bare\ntheme:\n  name: material\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _page(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8")
    except OSError:
        return ""


def _copy(tmp: Path) -> Path:
    """The working tree's project files, with its generated assets and warm caches."""
    copy = tmp / "project"
    top = {".venv", ".git", "site", "site.tmp", ".cache"}

    def ignore(folder: str, names: list[str]) -> set[str]:
        return {n for n in names if n == "__pycache__" or (Path(folder) == ROOT and n in top)}

    shutil.copytree(ROOT, copy, ignore=ignore, symlinks=True)
    if (ROOT / ".cache").is_dir():
        shutil.copytree(ROOT / ".cache", copy / ".cache", symlinks=True)
    return copy


class Server:
    """``mkdocs serve`` of ``config``; ``save(path, text, marker)`` times a save until the page shows ``marker``."""

    def __init__(self, config: Path, env: dict, args: tuple[str, ...] = ()):
        self.config, self.port = config, _free_port()
        self.process = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", *args, "-f", str(config),
                                         "--dev-addr", f"127.0.0.1:{self.port}"], cwd=config.parent, env=env,
                                        stdout=subprocess.DEVNULL, stderr=open(config.parent / "serve.log", "w"))
        self.url = f"http://127.0.0.1:{self.port}/{PAGE}/"

    def wait_for(self, marker: str, timeout: float = 300) -> float:
        start = time.monotonic()
        while marker not in _page(self.url):
            if time.monotonic() - start > timeout or self.process.poll() is not None:
                log = (self.config.parent / "serve.log").read_text(encoding="utf-8")[-2000:]
                raise RuntimeError(f"the served page never showed {marker!r}:\n{log}")
            time.sleep(0.02)
        return time.monotonic() - start

    def idle(self, quiet: float = 1.5, timeout: float = 300) -> None:
        """Wait until no build has run for ``quiet`` seconds: the follow-up build of the last save is done."""
        log, start = self.config.parent / "serve.log", time.monotonic()
        while time.monotonic() - start < timeout:
            text = log.read_text(encoding="utf-8")
            if text.count("Building documentation") <= 1 + text.count("Reloading browsers"):  # the first has none
                time.sleep(quiet)
                if log.read_text(encoding="utf-8") == text:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"the server never went idle:\n{log.read_text(encoding='utf-8')[-2000:]}")

    def save(self, path: Path, text: str, marker: str) -> float:
        self.idle()
        path.write_text(text, encoding="utf-8")
        return self.wait_for(marker)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def _saves(server: Server, path: Path, edit, runs: int) -> list[float]:
    """Time ``runs`` saves of ``path``, each ``edit(original, marker)`` with a new marker."""
    original = path.read_text(encoding="utf-8")
    times = []
    for i in range(runs):
        marker = f"edit{i}x{time.time_ns()}"
        times.append(server.save(path, edit(original, marker), marker))
    path.write_text(original, encoding="utf-8")
    return times


def prose(original: str, marker: str) -> str:
    return original + f"\nA sentence saved for the benchmark, {marker}.\n"


def derivation_time(project: Path, env: dict, runs: int) -> float:
    """Median seconds to re-derive ``rnn.step-jacobian`` alone, out of process, as the cache does."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "derivations", "export", "rnn.step-jacobian"], cwd=project, env=env,
                       check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def bare_site(tmp: Path) -> Path:
    """A bare mkdocs-material project of the same English chapter's Markdown: the floor."""
    folder = tmp / "bare"
    (folder / "docs").mkdir(parents=True)
    shutil.copy(ROOT / "docs" / f"{PAGE}.md", folder / "docs" / f"{PAGE}.md")
    (folder / "docs" / "index.md").write_text("# Bare\n", encoding="utf-8")
    (folder / "mkdocs.yml").write_text(BARE, encoding="utf-8")
    return folder / "mkdocs.yml"


def run(runs: int = 5) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        project = _copy(tmp)
        env = {**ENV, "PYTHONPATH": str(project), "DERIVATIONS_CACHE": str(project / ".cache" / "derivations"),
               "NOTEBOOKS_CACHE": str(project / ".cache" / "notebooks")}
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-d", str(tmp / "warm")], cwd=project,
                       env={**env, "MKDOCS_STRICT": "true"}, check=True, capture_output=True)  # caches warm, as while editing
        derive = derivation_time(project, env, runs)
        bare = Server(bare_site(tmp), ENV)
        try:
            bare.wait_for("</html>")
            floor = statistics.median(_saves(bare, tmp / "bare" / "docs" / f"{PAGE}.md", prose, runs))
        finally:
            bare.stop()
        served = Server(project / "mkdocs.yml", env, ("--dirty",))
        try:
            served.wait_for("eq-rnn.step-jacobian")
            chapter = project / "docs" / f"{PAGE}.md"
            module = project / "derivations" / "rnn.py"
            figures = {
                "prose": statistics.median(_saves(served, chapter, prose, runs)),
                "text": statistics.median(_saves(served, module, lambda s, m: s.replace(STEP, f"{STEP} {m}", 1), runs)),
                "derivation": statistics.median(_saves(
                    served, module, lambda s, m: s.replace(FUNCTION, f"{FUNCTION}    # {m}\n", 1), runs)),
            }
        finally:
            served.stop()
    return {**figures, "derivation alone": derive, "floor": floor,
            **{f"{name} / floor": figures[name] / floor for name in figures}}


def main() -> None:
    result = run()
    for name, value in result.items():
        print(f"{name}: {value:.2f}{'×' if '/' in name else ' s'}")


if __name__ == "__main__":
    main()
