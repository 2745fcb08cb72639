"""Zensical, the successor of Material for MkDocs, builds the derivation chapters with typeset math.

Zensical reads ``mkdocs.yml`` and runs its Markdown extensions, but no MkDocs plugin or hook code;
the equation, math and citation processing is done by Markdown extensions so that it carries
over. This builds the four chapters in ``tmp_path`` with the ``markdown_extensions`` list of the
real ``mkdocs.yml`` and the project's KaTeX stylesheet and fonts, and checks every placed
equation came out typeset.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import yaml

from conftest import ROOT

CHAPTERS = ("backprop-through-time", "why-vanish-explode", "remedies", "gated-units")
MARKER = re.compile(r"^::: eq (\S+)", re.M)


class _IgnoreTags(yaml.SafeLoader):
    """Reads mkdocs.yml without resolving ``!ENV`` and similar tags."""


_IgnoreTags.add_multi_constructor("!", lambda loader, suffix, node: None)


def _markdown_extensions() -> list:
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_IgnoreTags)
    return config["markdown_extensions"]


def test_zensical_typesets_the_chapters(tmp_path):
    katex_assets = ROOT / "docs" / "assets" / "katex"
    assert (katex_assets / "katex.min.css").is_file(), "KaTeX assets missing: build the site once with mkdocs"
    docs = tmp_path / "docs"
    # Copied, not linked: Zensical does not copy a symbolically linked folder into the site.
    shutil.copytree(katex_assets, docs / "assets" / "katex")
    for name in CHAPTERS:
        shutil.copy2(ROOT / "docs" / f"{name}.md", docs / f"{name}.md")
    config = {
        "site_name": "zensical check",
        "docs_dir": "docs",
        "site_dir": "site",
        "extra_css": ["assets/katex/katex.min.css"],
        "nav": [f"{name}.md" for name in CHAPTERS],
        "markdown_extensions": _markdown_extensions(),
    }
    (tmp_path / "mkdocs.yml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")

    # The derivation records come from the project's content-addressed cache, as for ``built_site``:
    # what is under test is Zensical running the extensions, not SymPy (cold, 15-30 s more).
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "zensical", "build", "-f", "mkdocs.yml"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr

    site = tmp_path / "site"
    assert (site / "assets" / "katex" / "katex.min.css").is_file()
    assert list((site / "assets" / "katex" / "fonts").glob("*.woff2"))
    for name in CHAPTERS:
        page = (site / name / "index.html").read_text(encoding="utf-8")
        ids = MARKER.findall((docs / f"{name}.md").read_text(encoding="utf-8"))
        assert ids, f"{name}.md places no equation"
        for equation_id in ids:
            assert f'id="eq-{equation_id}"' in page, f"{name}: equation {equation_id} not placed"
        assert page.count('class="katex"') > len(ids), f"{name}: math not typeset"
        assert "katex-error" not in page, f"{name}: KaTeX reported an error"
        leftover = re.search(r"::: ?eq\b|\{eq(:|-rhs:)|\$\$", page)
        assert leftover is None, f"{name}: unprocessed markup {leftover and leftover[0]!r} left"
        assert "assets/katex/katex.min.css" in page, f"{name}: KaTeX stylesheet not linked"
