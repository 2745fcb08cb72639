"""Build times: a cold build, and a warm rebuild against its floor (the edit loop under ``make serve``
is :mod:`benchmarks.edit_loop`).

- Cold: empty derivation and notebook caches, both languages, every notebook executed. Target ≤ 60 s.
- Warm: the same build again, nothing changed. Its floor is a bare `mkdocs build` of the same pages
  with their finished HTML already in place: the same theme, plugins and languages, each page's HTML
  put in as is by a one-line hook, no Markdown to convert, no project extension, no mkdocs-jupyter.
  Target ≤ 1.3× the floor; both are run interleaved and the ratio of the medians is reported.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
TARGETS = {"cold": 60.0, "warm / floor": 1.3}
ARTICLE = re.compile(r'<article class="md-content__inner md-typeset">(.*?)</article>', re.S)
THEME_PARTS = re.compile(r'<details class="quote cite-page">.*?</details>|<a href="[^"]*" class="md-content__button[^>]*>.*?</a>',
                         re.S)


def build(config: Path, site: Path, caches: Path) -> float:
    """Seconds for one strict build of ``config`` into ``site`` with its caches in ``caches``."""
    env = {**ENV, "DERIVATIONS_CACHE": str(caches / "derivations"), "NOTEBOOKS_CACHE": str(caches / "notebooks")}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config), "-d", str(site)],
                          cwd=config.parent, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"building {config} failed:\n{done.stderr[-2000:]}")
    return time.perf_counter() - start


FLOOR_HOOK = """import json, pathlib
PAGES = json.loads(pathlib.Path(__file__).with_name("pages.json").read_text(encoding="utf-8"))
def on_page_content(html, page, config, files):
    return PAGES[page.file.src_uri]
"""
TITLE = re.compile(r"<h1[^>]*>(.*?)<", re.S)


def floor_project(site: Path, folder: Path) -> Path:
    """A project whose pages are the finished HTML of ``site``, each put in place as is by a one-line
    hook (its Markdown is only the page's title): the floor of a warm rebuild."""
    docs = folder / "docs"
    shutil.copytree(ROOT / "docs", docs, ignore=shutil.ignore_patterns("*.md", "*.ipynb"), symlinks=False)
    pages = {}
    for page in site.rglob("index.html"):
        relative = page.parent.relative_to(site)
        lang = "zh" if relative.parts[:1] == ("zh",) else None
        parts = relative.parts[1:] if lang else relative.parts
        match = ARTICLE.search(page.read_text(encoding="utf-8"))
        if not match or parts[:1] == ("404",):
            continue
        source = f"{'/'.join(parts) or 'index'}{'.zh' if lang else ''}.md"
        content = THEME_PARTS.sub("", match[1])
        pages[source] = content
        (docs / source).parent.mkdir(parents=True, exist_ok=True)
        (docs / source).write_text(f"# {TITLE.search(content)[1].strip()}\n", encoding="utf-8")
    (folder / "pages.json").write_text(json.dumps(pages, ensure_ascii=False), encoding="utf-8")
    (folder / "floor_hook.py").write_text(FLOOR_HOOK, encoding="utf-8")
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = re.sub(r"^  - derivations\.site\.\w+\n", "", config, flags=re.M)
    config = re.sub(r"^(hooks|watch):.*\n(  - .*\n)+", "", config, flags=re.M)
    config = re.sub(r"^  - mkdocs-jupyter:\n(      .*\n)+", "", config, flags=re.M)
    for path in ("derivations/site/theme", "derivations/site/jieba-user.txt"):
        config = config.replace(path, str(ROOT / path))
    config = config.replace(".ipynb", ".md") + "\nhooks:\n  - floor_hook.py\n"
    (folder / "mkdocs.yml").write_text(config, encoding="utf-8")
    return folder / "mkdocs.yml"


def cold_and_warm(runs: int) -> dict:
    """Cold build once; then warm rebuilds and floor builds, interleaved."""
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        cold = build(ROOT / "mkdocs.yml", tmp / "site", tmp / "caches")
        floor = floor_project(tmp / "site", tmp / "floor")
        build(floor, tmp / "floor-site", tmp / "caches")  # the floor's first build warms jieba and the theme
        warm, bare = [], []
        for _ in range(runs):
            warm.append(build(ROOT / "mkdocs.yml", tmp / "site", tmp / "caches"))
            bare.append(build(floor, tmp / "floor-site", tmp / "caches"))
    return {"cold": cold, "warm": statistics.median(warm), "floor": statistics.median(bare),
            "warm / floor": statistics.median(warm) / statistics.median(bare)}


def run(runs: int = 5) -> dict:
    return cold_and_warm(runs)


def main() -> None:
    result = run()
    for name in ("cold", "warm", "floor", "warm / floor"):
        target = f" (target ≤ {TARGETS[name]:g})" if name in TARGETS else ""
        print(f"{name}: {result[name]:.2f}{'' if name == 'warm / floor' else ' s'}{target}")


if __name__ == "__main__":
    main()
