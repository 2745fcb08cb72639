"""``python -m derivations``: list, latex, check; failures exit non-zero naming the id."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import ROOT
from derivations import registry


def cli(*args, project=ROOT, tmp_path=None, **environment):
    env = {**os.environ, "PYTHONPATH": str(project), **environment}
    if tmp_path is not None:
        env["DERIVATIONS_CACHE"] = str(tmp_path / "cache")
    return subprocess.run([sys.executable, "-m", "derivations", *args], cwd=project,
                          capture_output=True, text=True, env=env)


def test_list_prints_every_id_with_its_title():
    done = cli("list")
    assert done.returncode == 0
    assert done.stdout.splitlines() == [f"{e.id}\t{e.title}" for e in registry.entries()]


def test_latex_prints_the_published_equation():
    done = cli("latex", "rnn.step-jacobian")
    assert done.returncode == 0
    assert done.stdout.strip().endswith(r"\operatorname{diag}\big(\sigma'\left(z_{t}\right)\big) W_{hh}")


def test_unknown_id_exits_non_zero_naming_it():
    for command in ("latex", "check"):
        done = cli(command, "rnn.step-jacobain")
        assert done.returncode == 2
        assert "rnn.step-jacobain" in done.stderr and "did you mean 'rnn.step-jacobian'" in done.stderr


def test_check_passes_for_one_id():
    done = cli("check", "example.sigmoid-100-steps")
    assert done.returncode == 0 and "ok     example.sigmoid-100-steps" in done.stdout


def test_check_fails_naming_the_id_whose_proof_breaks(project_copy, tmp_path):
    project = project_copy("activation.py", '"tanh": 1 - sp.tanh(x) ** 2,', '"tanh": 1 + sp.tanh(x) ** 2,')
    done = cli("check", "activation.sigmoid-derivative", "activation.tanh-derivative", project=project,
               tmp_path=tmp_path)
    assert done.returncode == 1
    assert "FAILED activation.tanh-derivative" in done.stderr
    assert "ok     activation.sigmoid-derivative" in done.stdout


def test_check_cross_checks_the_numeric_api():
    done = cli("check", "rnn.step-jacobian")
    assert done.returncode == 0 and "rnn.step-jacobian (2 proofs: symbolic, explicit, numeric cross-check passed)" in done.stdout


def test_check_fails_when_the_numeric_api_drifts_from_the_proof(project_copy, tmp_path):
    project = project_copy("rnn.py", "product = _evaluate(\"jacobian\", activation, step_args) @ product",
                           "product = product @ _evaluate(\"jacobian\", activation, step_args)")
    done = cli("check", "rnn.span-jacobian", project=project, tmp_path=tmp_path)
    assert done.returncode == 1 and "FAILED rnn.span-jacobian: rnn.span-jacobian: numeric cross-check failed" in done.stderr
