"""Notebook execution for the site: content-keyed cache, errors that name the notebook and the cell,
translations, math typeset at build time, and no third-party requests."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from conftest import ROOT, RUN_MARK, left_behind, marked_processes, mkdocs_build, wait_for_page
from derivations.site import katex, notebooks


def _markdown(en: str, zh: str | None = "中文", source: str | None = None):
    cell = new_markdown_cell(en)
    if zh is not None:
        cell.metadata["translation"] = {"zh": zh, "source": source or notebooks.source_sha(en)}
    return cell


def _notebook(path, *cells):
    nb = new_notebook(cells=list(cells))
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("NOTEBOOKS_CACHE", str(folder))
    return folder


@pytest.fixture
def executions(monkeypatch):
    """Counts kernel runs, so a test can tell a cache hit from a re-execution."""
    runs = []
    real = notebooks._execute

    def counting(nb, name):
        runs.append(name)
        return real(nb, name)

    monkeypatch.setattr(notebooks, "_execute", counting)
    return runs


def test_outputs_are_cached_by_code_and_prose_edits_do_not_re_execute(tmp_path, cache, executions):
    path = _notebook(tmp_path / "demo.ipynb", _markdown("# Demo"), new_code_cell("print(6 * 7)"))
    paths = notebooks.publish(path, "demo.ipynb")
    assert executions == ["demo.ipynb"]
    en = nbformat.read(paths["en"], as_version=4)
    assert en.cells[1].outputs[0]["text"] == "42\n"
    assert "translation" not in en.cells[0].metadata
    assert nbformat.read(paths["zh"], as_version=4).cells[0].source == "中文"

    _notebook(path, _markdown("# Demo, reworded", zh="中文，改写"), new_code_cell("print(6 * 7)"))
    notebooks.publish(path, "demo.ipynb")
    assert executions == ["demo.ipynb"], "a prose edit re-executed the code"
    assert nbformat.read(paths["en"], as_version=4).cells[0].source == "# Demo, reworded"

    _notebook(path, _markdown("# Demo"), new_code_cell("print(6 * 9)"))
    notebooks.publish(path, "demo.ipynb")
    assert executions == ["demo.ipynb"] * 2
    assert nbformat.read(paths["en"], as_version=4).cells[1].outputs[0]["text"] == "54\n"


def test_the_key_covers_the_package_the_notebooks_import():
    nb = new_notebook(cells=[new_code_cell("import derivations")])
    files = notebooks._package_files()
    assert ROOT / "derivations" / "rnn.py" in files
    assert ROOT / "derivations" / "experiments" / "adding.py" in files
    assert not any("site" in f.relative_to(ROOT / "derivations").parts for f in files)
    assert notebooks.execution_key(nb) != notebooks.execution_key(new_notebook(cells=[new_code_cell("pass")]))


def test_a_truncated_cache_entry_is_executed_again_never_served(tmp_path, cache, executions):
    path = _notebook(tmp_path / "demo.ipynb", _markdown("# Demo"), new_code_cell("print(1)"))
    notebooks.publish(path, "demo.ipynb")
    (stored,) = (cache / "executions").iterdir()
    stored.write_text(stored.read_text()[:40])
    paths = notebooks.publish(path, "demo.ipynb")
    assert len(executions) == 2
    assert nbformat.read(paths["en"], as_version=4).cells[1].outputs[0]["text"] == "1\n"


def test_a_cell_that_raises_names_the_notebook_and_the_cell(tmp_path, cache):
    path = _notebook(tmp_path / "bad.ipynb", _markdown("# Bad"), new_code_cell("x = 1"),
                     new_code_cell("raise ValueError('no convergence')"), new_code_cell("print('never')"))
    with pytest.raises(notebooks.NotebookError) as error:
        notebooks.publish(path, "experiments/bad.ipynb")
    message = str(error.value)
    assert "experiments/bad.ipynb" in message
    assert "cell 3 (\"raise ValueError('no convergence')\")" in message
    assert "ValueError: no convergence" in message
    assert not (cache / "site").exists(), "a failed notebook must not be published"


@pytest.mark.parametrize("cell, expected", [
    (_markdown("Prose", zh=None), "markdown cell 1 ('Prose') has no 'zh' translation"),
    (_markdown("Prose", source="0123456789ab"), "set metadata.translation.source to "
                                                 f"{notebooks.source_sha('Prose')!r}"),
])
def test_a_missing_or_outdated_translation_names_the_cell(tmp_path, cache, cell, expected):
    path = _notebook(tmp_path / "t.ipynb", cell)
    with pytest.raises(notebooks.NotebookError, match="t.ipynb") as error:
        notebooks.publish(path, "t.ipynb")
    assert expected in str(error.value)


MARKDOWN_CELL = ('<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown jp-MarkdownOutput" '
                 'data-mime-type="text/markdown">{}</div>')


def test_math_in_markdown_cells_is_typeset_and_code_is_left_alone():
    page = MARKDOWN_CELL.format("<p>The bound $a_{hh} &lt; b$ costs $5 and $6.</p>"
                                "<p>$$\\prod_{j=1}^k J_{t+j}$$</p><p><code>$x$</code></p>")
    out = notebooks.typeset(page, "n.ipynb")
    assert out.count('class="katex"') == 2
    assert 'class="katex-display"' in out
    assert katex.render("a_{hh} < b", False, "test") in out
    assert "$5 and $6" in out and "<code>$x$</code>" in out
    assert "$$" not in out


def test_math_that_does_not_parse_names_the_notebook_and_cell():
    page = MARKDOWN_CELL.format("<p>fine $x$</p>") + MARKDOWN_CELL.format("<p>broken $\\frac{1}{$</p>")
    with pytest.raises(katex.MathError, match=r"n\.ipynb, markdown cell 2: math"):
        notebooks.typeset(page, "n.ipynb")


def test_headings_take_the_ids_of_the_table_of_contents():
    page = ('<h1 id="">加法问题<a class="anchor-link" href="#">¶</a></h1>'
            '<h2 id="">训练<a class="anchor-link" href="#">¶</a></h2>')
    out = notebooks.typeset(page, "n.ipynb", ["_1", "_2"])
    assert '<h1 id="_1">加法问题<a class="anchor-link" href="#_1">' in out
    assert '<h2 id="_2">训练<a class="anchor-link" href="#_2">' in out
    with pytest.raises(notebooks.NotebookError, match="n.ipynb: 2 headings but 1 table-of-contents entries"):
        notebooks.typeset(page, "n.ipynb", ["_1"])


def test_third_party_scripts_are_removed_and_any_left_fails():
    mathjax = ('<script src="https://cdnjs.cloudflare.com/ajax/libs/mathjax/2.7.7/latest.js?config=TeX">'
               '</script>\n<!-- MathJax configuration -->\n<script type="text/x-mathjax-config">init();</script>')
    assert "mathjax" not in notebooks.typeset(f"<p>a</p>{mathjax}<p>b</p>", "n.ipynb").lower()
    with pytest.raises(notebooks.NotebookError, match="n.ipynb: the rendered page still loads from another host"):
        notebooks.typeset('<script src="https://example.org/x.js"></script>', "n.ipynb")


TINY = """\
site_name: tiny
theme: {{name: mkdocs}}
hooks: [{hook}]
plugins:
  - mkdocs-jupyter:
      include: ["*.ipynb"]
      execute: false
      allow_errors: false
      include_source: true
"""


def test_a_site_with_a_failing_notebook_does_not_build_and_says_where(tmp_path, cache):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# Home\n")
    _notebook(docs / "broken.ipynb", _markdown("# Broken"), new_code_cell("1 / 0"))
    config = tmp_path / "mkdocs.yml"
    config.write_text(TINY.format(hook=ROOT / "derivations" / "site" / "notebook_hook.py"))
    done = mkdocs_build(config, tmp_path / "site", cwd=tmp_path, env={"NOTEBOOKS_CACHE": str(cache)})
    assert done.returncode != 0
    assert "broken.ipynb: cell 2 ('1 / 0') raised ZeroDivisionError: division by zero" in done.stderr
    assert not (tmp_path / "site" / "broken").exists()


def test_a_tiny_site_renders_an_executed_notebook_with_typeset_math(tmp_path, cache):
    docs = tmp_path / "docs"
    docs.mkdir()
    _notebook(docs / "index.ipynb", _markdown("# Home\n\nWith $\\lambda_1$."), new_code_cell("print(2 ** 10)"))
    config = tmp_path / "mkdocs.yml"
    config.write_text(TINY.format(hook=ROOT / "derivations" / "site" / "notebook_hook.py"))
    done = mkdocs_build(config, tmp_path / "site", cwd=tmp_path, env={"NOTEBOOKS_CACHE": str(cache)})
    assert done.returncode == 0, done.stderr
    html = (tmp_path / "site" / "index.html").read_text()
    assert "1024" in html and 'class="katex"' in html and "$\\lambda_1$" not in html
    download = nbformat.read(tmp_path / "site" / "index.ipynb", as_version=4)
    assert download.cells[1].outputs[0]["text"] == "1024\n", "the download is the executed notebook"
    assert textwrap.dedent(download.cells[0].source).startswith("# Home")


def test_under_serve_a_page_keeps_its_outputs_while_changed_code_runs_again(tmp_path, cache):
    """``mkdocs serve`` does not hold every page back for a notebook whose code changed: the page
    shows the previous outputs under a note until the new run ends, then reloads with its outputs."""
    docs = tmp_path / "docs"
    docs.mkdir()

    def save(value: int) -> None:
        code = f"import time\ntime.sleep(8)\nprint('value', {value})"
        _notebook(docs / "index.ipynb", _markdown("# Home"), new_code_cell(code))

    save(1)
    config = tmp_path / "mkdocs.yml"
    config.write_text(TINY.format(hook=ROOT / "derivations" / "site" / "notebook_hook.py"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "NOTEBOOKS_CACHE": str(cache), "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    with open(tmp_path / "serve.log", "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "--dev-addr",
                                   f"127.0.0.1:{port}"], cwd=tmp_path, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_page(url, lambda page: "value 1" in page, 120)
        save(2)
        stale = wait_for_page(url, lambda page: "notebook-stale" in page, 60)
        assert "value 1" in stale and "value 2" not in stale
        wait_for_page(url, lambda page: "value 2" in page and "notebook-stale" not in page, 120)
    finally:
        server.terminate()
        server.wait(30)


@pytest.mark.parametrize("when", ["idle", "running a notebook"])
def test_a_server_stopped_by_sigterm_leaves_no_process_behind(tmp_path, cache, when):
    """``mkdocs serve`` ended by SIGTERM never shuts its notebook pool down: its workers, their kernels
    and multiprocessing's resource tracker (which ignores SIGTERM) must still end with it."""
    docs = tmp_path / "docs"
    docs.mkdir()
    code = "print('value', 42)" if when == "idle" else "import time\ntime.sleep(60)"
    _notebook(docs / "index.ipynb", _markdown("# Home"), new_code_cell(code))
    config = tmp_path / "mkdocs.yml"
    config.write_text(TINY.format(hook=ROOT / "derivations" / "site" / "notebook_hook.py"))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    mark = f"serve-{os.getpid()}-{port}"
    env = {**os.environ, RUN_MARK: mark, "NOTEBOOKS_CACHE": str(cache), "NO_MKDOCS_2_WARNING": "1",
           "DISABLE_MKDOCS_2_WARNING": "true"}
    with open(tmp_path / "serve.log", "w") as log:
        server = subprocess.Popen([sys.executable, "-m", "mkdocs", "serve", "-f", str(config), "--dev-addr",
                                   f"127.0.0.1:{port}"], cwd=tmp_path, env=env, stdout=log, stderr=log)
    stray = {}
    try:
        if when == "idle":
            wait_for_page(f"http://127.0.0.1:{port}/", lambda page: "value 42" in page, 120)
        else:
            deadline = time.monotonic() + 120
            while not any("ipykernel" in command for command in marked_processes(mark).values()):
                assert time.monotonic() < deadline and server.poll() is None, "no kernel started"
                time.sleep(0.2)
        server.terminate()
        server.wait(30)
        stray = left_behind(mark)
        assert stray == {}, f"left behind after SIGTERM: {stray}"
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(30)
        for pid in {**stray, **left_behind(mark, grace=0)}:  # so that a failure leaves nothing either
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


EXPERIMENTS = sorted((ROOT / "docs" / "experiments").glob("*.ipynb"))


@pytest.mark.parametrize("language", ["", "zh/"])
@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_every_notebook_page_shows_its_run_and_offers_it_for_download(built_site, path, language):
    folder = built_site / language / "experiments" / path.stem
    html = (folder / "index.html").read_text(encoding="utf-8")
    assert "Traceback" not in html and "jp-OutputArea-error" not in html
    assert html.count("<svg") > html.count('class="md-icon"') and 'class="katex"' in html
    assert f'href="{path.name}" class="md-content__button md-icon notebook-download"' in html, "no download button"
    download = nbformat.read(folder / path.name, as_version=4)
    assert all(cell.outputs for cell in download.cells if cell.cell_type == "code"), "download not executed"
    assert all("translation" not in cell.metadata for cell in download.cells)
    chinese = any("\u4e00" <= ch <= "\u9fff" for cell in download.cells if cell.cell_type == "markdown"
                  for ch in cell.source)
    assert chinese == (language == "zh/")


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_every_markdown_cell_of_every_notebook_has_a_current_chinese_translation(path):
    nb = nbformat.read(path, as_version=4)
    translated = notebooks.edition(nb, "zh", path.name)
    for cell, chinese in zip(nb.cells, translated.cells):
        if cell.cell_type == "markdown":
            assert chinese.source != cell.source


@pytest.mark.parametrize("path", EXPERIMENTS, ids=lambda p: p.stem)
def test_the_chinese_notebook_page_keeps_the_english_heading_ids(built_site, path):
    """Anchors into a notebook section are the same in both languages, as on the chapters, instead of
    the _1, _2, … that the table of contents makes of Chinese headings."""
    def heading_ids(language):
        html = (built_site / language / "experiments" / path.stem / "index.html").read_text(encoding="utf-8")
        return re.findall(r'<h[1-6] id="([^"]+)"', html.split('<article', 1)[1])

    english, chinese = heading_ids(""), heading_ids("zh/")
    assert english and chinese == english
    assert not any(re.fullmatch(r"_\d+", anchor) for anchor in english)

