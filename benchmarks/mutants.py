"""Fault injection: mutants of each derivation's mathematics must make the tests fail naming its id.

For every mutant a fresh copy of the committed project (``git archive HEAD``) gets one text
replacement; then the topic's tests, ``python -m derivations check ID`` and the id's golden LaTeX
test run in that copy. A mutant is *killed* when any of them fails, *killed naming the id* when
a failing command's output contains the id; a run past the timeout counts separately. The report
also counts the mutants only the golden LaTeX caught: the published equation changed, but no proof
or numeric check noticed. The unmutated copy of each topic runs first as a control, so that a
broken environment cannot pass for kills.

    python benchmarks/mutants.py [--only ID_PREFIX] [--jobs N] [--timeout S] [--strict]
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("sign", "transpose", "diag", "order", "exponent", "constant")

ACT, RNN, EXAMPLE, BOUNDS, REMEDIES, LSTM, GRU, GATED = (
    f"derivations/{name}.py" for name in ("activation", "rnn", "example", "bounds", "remedies", "lstm", "gru", "gated"))

MUTANTS: dict[str, list[tuple[str, str, str, str]]] = {
    "activation.sigmoid-derivative": [
        (ACT, '"sigmoid": 1 / (1 + sp.exp(-x)),', '"sigmoid": 1 / (1 + sp.exp(x)),', "sign"),
        (ACT, '"sigmoid": DEFINITIONS["sigmoid"] * (1 - DEFINITIONS["sigmoid"]),',
         '"sigmoid": DEFINITIONS["sigmoid"] * (1 + DEFINITIONS["sigmoid"]),', "sign"),
        (ACT, '{"sigmoid": sp.Rational(1, 4),', '{"sigmoid": sp.Rational(1, 2),', "constant"),
    ],
    "activation.tanh-derivative": [
        (ACT, '"tanh": 1 - sp.tanh(x) ** 2,', '"tanh": 1 - sp.tanh(x) ** 3,', "exponent"),
        (ACT, '"tanh": 1 - sp.tanh(x) ** 2,', '"tanh": 1 + sp.tanh(x) ** 2,', "sign"),
        (ACT, '"tanh": sp.Integer(1),', '"tanh": sp.Integer(2),', "constant"),
    ],
    "activation.relu-derivative": [
        (ACT, '"relu": sp.Heaviside(x, 0),', '"relu": sp.Heaviside(-x, 0),', "sign"),
        (ACT, '"relu": sp.Max(0, x),', '"relu": sp.Max(0, -x),', "sign"),
        (ACT, "indicator = sp.Piecewise((1, x > 0), (0, True))", "indicator = sp.Piecewise((1, x < 0), (0, True))",
         "sign"),
    ],
    "rnn.step-jacobian": [
        (RNN, "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
         "STEP_JACOBIAN = W_HH * DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION))", "order"),
        (RNN, "STEP_JACOBIAN = DiagMatrix(elementwise(SIGMA_PRIME, PRE_ACTIVATION)) * W_HH",
         "STEP_JACOBIAN = W_HH", "diag"),
        (RNN, "STEP_JACOBIAN = DiagMatrix(", "STEP_JACOBIAN = -DiagMatrix(", "sign"),
        (RNN, "numerator = derived.T", "numerator = derived", "transpose"),
        (RNN, "return sp.diag(*[sigma_prime(entry) for entry in z]) * W",
         "return W * sp.diag(*[sigma_prime(entry) for entry in z])", "order"),
        (RNN, "SIGMA_PRIME = sp.Lambda(_u, sigma(_u).diff(_u))", "SIGMA_PRIME = sp.Lambda(_u, sigma(_u).diff(_u, 2))",
         "exponent"),
    ],
    "rnn.span-jacobian": [
        (RNN, "product = explicit_step_jacobian(W, z) * product", "product = product * explicit_step_jacobian(W, z)",
         "order"),
        (RNN, "product = explicit_step_jacobian(W, z) * product", "product = explicit_step_jacobian(W.T, z) * product",
         "transpose"),
        (RNN, 'product = _evaluate("jacobian", activation, step_args) @ product',
         'product = product @ _evaluate("jacobian", activation, step_args)', "order"),
        (RNN, "product = np.eye(args[0].shape[0])", "product = 2 * np.eye(args[0].shape[0])", "constant"),
        (RNN, "j, 0, k - 1)))", "j, 1, k - 1)))", "constant"),
    ],
    "rnn.hidden-gradient": [
        (RNN, "explicit_step_jacobian(W, z_next).T * unrolled", "explicit_step_jacobian(W, z_next) * unrolled",
         "transpose"),
        (RNN, "+ explicit_step_jacobian(W, z_next).T * unrolled", "- explicit_step_jacobian(W, z_next).T * unrolled",
         "sign"),
        (RNN, "z_next = W * h_free", "z_next = W.T * h_free", "transpose"),
        (RNN, "Juxtaposed(Transposed(Partial(h(t + 1), h(t))),", "Juxtaposed(Partial(h(t + 1), h(t)),", "transpose"),
    ],
    "rnn.whh-gradient": [
        (RNN, "for entry in pre[i - 1]]) * g * states[i - 1].T", "for entry in pre[i - 1]]) * states[i - 1] * g.T",
         "order"),
        (RNN, "total += sp.diag(*[sigma_prime(entry) for entry in pre[i - 1]]) * g * states[i - 1].T",
         "total += g * states[i - 1].T", "diag"),
        (RNN, "for entry in pre[i - 1]]) * g", "for entry in pre[i - 2]]) * g", "constant"),
        (RNN, "total += sp.diag(", "total -= sp.diag(", "sign"),
        (RNN, "Partial(L, h(s)), H_PREV.T)", "Partial(L, h(s)), H_PREV)", "transpose"),
    ],
    "example.sigmoid-100-steps": [
        (EXAMPLE, "value = gamma**STEPS", "value = gamma**(STEPS + 1)", "exponent"),
        (EXAMPLE, "sp.Integer(2) ** (-2 * STEPS)", "sp.Integer(2) ** (-3 * STEPS)", "exponent"),
        (EXAMPLE, "ratio = sp.Rational(1, 10**60) / value", "ratio = sp.Rational(1, 10**61) / value", "constant"),
        (EXAMPLE, "exact = Power(2, -2 * STEPS)", "exact = Power(2, 2 * STEPS)", "sign"),
    ],
    "bounds.step-norm": [
        (BOUNDS, "sp.diag(*[e**2 for e in entries])", "sp.diag(*[e**3 for e in entries])", "exponent"),
        (BOUNDS, "sp.Max(*[sp.sqrt(value) for value in (M.T * M).eigenvals()])",
         "sp.Max(*[value for value in (M.T * M).eigenvals()])", "exponent"),
        (BOUNDS, "for value in (M.T * M).eigenvals()", "for value in (M * M).eigenvals()", "transpose"),
        (BOUNDS, "derivative = act.DERIVATIVES[name].rewrite(sp.Piecewise)",
         "derivative = (-act.DERIVATIVES[name]).rewrite(sp.Piecewise)", "sign"),
        (BOUNDS, "EXAMPLE_DIAGS = (sp.diag(sp.Rational(1, 4),", "EXAMPLE_DIAGS = (sp.diag(sp.Rational(1, 2),",
         "constant"),
        (BOUNDS, "d.result((Norm(J(t)), chain(Norm(DIAG * W_HH),", "d.result((Norm(J(t)), chain(Norm(W_HH),", "diag"),
    ],
    "bounds.span-norm": [
        (BOUNDS, "bound * bound**k, bound ** (k + 1)", "bound * bound**k, bound ** (k + 2)", "exponent"),
        (BOUNDS, "sp.Product(bound, (j, 0, k - 1))", "sp.Product(bound, (j, 0, k))", "constant"),
        (BOUNDS, "d.prove(sp.limit((1 + s) ** -k, k, sp.oo), 0", "d.prove(sp.limit((1 + s) ** k, k, sp.oo), 0", "sign"),
        (RNN, "np.asarray(jacobian(*arguments), dtype=float) @ product",
         "np.asarray(jacobian(*arguments), dtype=float).T @ product", "transpose"),
        (RNN, "total += np.log(scale)", "total += 2 * np.log(scale)", "constant"),
    ],
    "bounds.pascanu-conditions": [
        (BOUNDS, "PASCANU_JACOBIAN = W_REC * DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV))",
         "PASCANU_JACOBIAN = DiagMatrix(elementwise(rnn.SIGMA_PRIME, X_PREV)) * W_REC", "order"),
        (BOUNDS, "derived = PASCANU_STEP.diff(X_PREV).T", "derived = PASCANU_STEP.diff(X_PREV)", "transpose"),
        (BOUNDS, "W2 * sp.diag(*map(rnn.sigma_prime, x2))", "sp.diag(*map(rnn.sigma_prime, x2)) * W2", "order"),
        (BOUNDS, 'THRESHOLD = {"sigmoid": sp.Integer(4)', 'THRESHOLD = {"sigmoid": sp.Integer(2)', "constant"),
        (BOUNDS, "(A * A.T).charpoly(lam)", "(A * A).charpoly(lam)", "transpose"),
        (BOUNDS, "elementwise(sigma, X_PREV) + W_IN * U_T + BIAS", "elementwise(sigma, X_PREV) - W_IN * U_T + BIAS",
         "sign"),
    ],
    "bounds.linear-spectral-radius": [
        (BOUNDS, "power = P * sp.diag(*[m**k for m in mu])", "power = P * sp.diag(*[m**(k + 1) for m in mu])",
         "exponent"),
        (BOUNDS, "power = P * sp.diag(*[m**k for m in mu]) * P.inv()", "power = P * sp.diag(*[m**k for m in mu]) * P.T",
         "transpose"),
        (BOUNDS, "state = W * state + sp.Matrix(", "state = W.T * state + sp.Matrix(", "transpose"),
        (BOUNDS, "EXAMPLE_EIGENVALUES = sp.diag(sp.Rational(1, 2),", "EXAMPLE_EIGENVALUES = sp.diag(sp.Rational(3, 2),",
         "constant"),
        (BOUNDS, "NON_NORMAL = sp.Matrix([[sp.Rational(1, 2), 10],", "NON_NORMAL = sp.Matrix([[sp.Rational(1, 2), 1],",
         "constant"),
    ],
    "remedies.relu-step-jacobian": [
        (REMEDIES, "RELU_STEP_JACOBIAN = DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION)) * W_HH",
         "RELU_STEP_JACOBIAN = W_HH * DiagMatrix(elementwise(HEAVISIDE, PRE_ACTIVATION))", "order"),
        (REMEDIES, "stated = sp.diag(*[HEAVISIDE(entry) for entry in z]) * W", "stated = W", "diag"),
        (REMEDIES, "[1 if sign > 0 else 0 for sign in pattern]", "[1 if sign < 0 else 0 for sign in pattern]", "sign"),
        (REMEDIES, 'act.DERIVATIVES["relu"].subs(act.x, _u))', 'act.DERIVATIVES["relu"].subs(act.x, -_u))', "sign"),
    ],
    "remedies.residual-jacobian": [
        (REMEDIES, "sp.MatAdd(sp.Identity(n), STEP_JACOBIAN, evaluate=False)",
         "sp.MatAdd(sp.Identity(n), -STEP_JACOBIAN, evaluate=False)", "sign"),
        (REMEDIES, "numerator = sp.MatAdd(identity.T, update.T, evaluate=False)",
         "numerator = sp.MatAdd(identity.T, update, evaluate=False)", "transpose"),
        (REMEDIES, "sp.eye(size) + explicit_step_jacobian(W, z)", "2 * sp.eye(size) + explicit_step_jacobian(W, z)",
         "constant"),
        (REMEDIES, "d.prove(saturated_jacobian, sp.eye(2),", "d.prove(saturated_jacobian, sp.zeros(2),", "diag"),
    ],
    "remedies.xavier-variance": [
        (REMEDIES, "XAVIER_VARIANCE = 2 / (FAN_IN + FAN_OUT)", "XAVIER_VARIANCE = 1 / (FAN_IN + FAN_OUT)", "constant"),
        (REMEDIES, "XAVIER_BOUND = sp.sqrt(6 / (FAN_IN + FAN_OUT))", "XAVIER_BOUND = sp.sqrt(3 / (FAN_IN + FAN_OUT))",
         "constant"),
        (REMEDIES, "d.prove(uniform_variance, a ** 2 / 3,", "d.prove(uniform_variance, a ** 3 / 3,", "exponent"),
    ],
    "remedies.orthogonal-singular-values": [
        (REMEDIES, "[[sp.cos(angle), -sp.sin(angle)]", "[[sp.cos(angle), sp.sin(angle)]", "sign"),
        (REMEDIES, "[sp.sin(angle), -sp.cos(angle)]]", "[sp.sin(angle), sp.cos(angle)]]", "sign"),
        (REMEDIES, "gram = sp.simplify(Q2.T * Q2)", "gram = sp.simplify(Q2 * Q2)", "transpose"),
    ],
    "remedies.clipping": [
        (REMEDIES, "CLIP_FACTOR = sp.Min(1, THRESHOLD / NORM)", "CLIP_FACTOR = sp.Min(1, NORM / THRESHOLD)", "order"),
        (REMEDIES, "CLIPPED_NORM = sp.Min(NORM, THRESHOLD)", "CLIPPED_NORM = sp.Min(NORM, 2 * THRESHOLD)", "constant"),
        (REMEDIES, "factor = sp.Piecewise((THRESHOLD / NORM,", "factor = sp.Piecewise((-THRESHOLD / NORM,", "sign"),
        (REMEDIES, "(c * column).norm(), c * column.norm(),", "(c * column).norm(), c**2 * column.norm(),", "exponent"),
    ],
    "lstm.cell-path": [
        (LSTM, "CELL_PATH = DiagMatrix(F)", "CELL_PATH = sp.Identity(n)", "diag"),
        (LSTM, "CELL = hadamard(F, C_PREV)", "CELL = hadamard(F, F, C_PREV)", "exponent"),
        (LSTM, "CELL = hadamard(F, C_PREV)", "CELL = hadamard(one_minus(F), C_PREV)", "sign"),
    ],
    "lstm.step-jacobian": [
        (LSTM, "hadamard(F, C_PREV) + hadamard(I, G)", "hadamard(F, C_PREV) - hadamard(I, G)", "sign"),
        (LSTM, "D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME, F)),", "D_H_C: DiagMatrix(hadamard(O, TANH_C_PRIME)),",
         "diag"),
        (LSTM, "DiagMatrix(hadamard(O, TANH_C_PRIME)) * D_C_H,", "D_C_H * DiagMatrix(hadamard(O, TANH_C_PRIME)),",
         "order"),
        (LSTM, 'hadamard(C_PREV, F_P)) * W_H["f"]', 'hadamard(C_PREV, F_P)) * W_H["f"].T', "transpose"),
        (GATED, "TANH_SQUARED = sp.Lambda(_u, sp.tanh(_u) ** 2)", "TANH_SQUARED = sp.Lambda(_u, sp.tanh(_u) ** 3)",
         "exponent"),
    ],
    "gru.direct-path": [
        (GRU, "DIRECT_PATH = DiagMatrix(Z)", "DIRECT_PATH = sp.Identity(n)", "diag"),
        (GRU, "hadamard(Z, H_PREV), evaluate=False)", "hadamard(one_minus(Z), H_PREV), evaluate=False)", "sign"),
        (GRU, "hadamard(Z, H_PREV), evaluate=False)", "hadamard(Z, Z, H_PREV), evaluate=False)", "exponent"),
    ],
    "gru.step-jacobian": [
        (GRU, "hadamard(minus(H_PREV, N), Z_P)", "hadamard(minus(N, H_PREV), Z_P)", "sign"),
        (GRU, 'sp.MatAdd(DiagMatrix(R) * W_H["n"],', 'sp.MatAdd(W_H["n"] * DiagMatrix(R),', "order"),
        (GRU, "DiagMatrix(hadamard(one_minus(Z), N_P))", "DiagMatrix(N_P)", "diag"),
        (GRU, 'hadamard(RECURRENT_N, R_P)) * W_H["r"]', 'hadamard(RECURRENT_N, R_P)) * W_H["r"].T', "transpose"),
        (GRU, "HIDDEN = sp.MatAdd(hadamard(one_minus(Z), N),", "HIDDEN = sp.MatAdd(hadamard(Z, N),", "sign"),
        (GATED, "TANH_PRIME = sp.Lambda(_u, 1 - sp.tanh(_u) ** 2)", "TANH_PRIME = sp.Lambda(_u, 1 - sp.tanh(_u) ** 3)",
         "exponent"),
    ],
}
"""For each equation id, mutants of its mathematics: (module file, old text, new text, kind)."""


@dataclass(frozen=True)
class Mutant:
    """One text replacement in one module, meant to break the derivation ``id``."""

    id: str
    module: str
    old: str
    new: str
    kind: str

    @property
    def topic(self) -> str:
        return self.id.split(".", 1)[0]

    def __str__(self) -> str:
        return f"{self.id} [{self.kind}] {Path(self.module).name}: {self.old!r} -> {self.new!r}"


def mutants(prefix: str = "") -> list[Mutant]:
    """The mutants of every id that starts with ``prefix``, in table order."""
    return [Mutant(equation_id, *row) for equation_id, rows in MUTANTS.items() if equation_id.startswith(prefix)
            for row in rows]


# --- Snapshot ---

PARTS = ("derivations", "tests", "pyproject.toml")
"""What the tests of a topic need from the project."""


def snapshot(dest: Path) -> Path:
    """Extract the committed project (HEAD) into ``dest``, pristine whatever the working tree holds,
    and fill its derivation cache, so that a mutant's copy re-derives only the topics it touches."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "HEAD", *PARTS], capture_output=True, check=True)
    dest.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    status, output = execute([sys.executable, "-c", "from derivations import cache; cache.records()"], dest, 600)
    if status != 0:
        raise SystemExit(f"the committed project does not derive:\n{output}")
    return dest


def copy_project(source: Path, dest: Path) -> Path:
    """Copy the parts of the project at ``source`` that the tests need, and its cache, into ``dest``."""
    dest.mkdir(parents=True, exist_ok=True)
    for part in (*PARTS, ".cache"):
        if (source / part).is_dir():
            shutil.copytree(source / part, dest / part, ignore=shutil.ignore_patterns("__pycache__"))
        elif (source / part).exists():
            shutil.copy2(source / part, dest / part)
    return dest


def apply(mutant: Mutant, project: Path) -> None:
    """Replace the mutant's old text, which must occur exactly once, by its new text."""
    path = project / mutant.module
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.old) != 1:
        raise ValueError(f"{mutant}: the old text occurs {text.count(mutant.old)} times in {mutant.module}")
    path.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")


# --- Run one ---

@dataclass
class Outcome:
    """What the commands made of one mutant or control; ``named``: a failing command's output names the ids."""

    label: str
    ids: tuple[str, ...]
    failed: list[str] = field(default_factory=list)
    timed_out: bool = False
    named: bool = False
    seconds: float = 0.0
    output: str = ""

    @property
    def verdict(self) -> str:
        if self.timed_out:
            return "timeout"
        if not self.failed:
            return "survived"
        return "killed+id" if self.named else "killed"


def commands(topic: str, ids: list[str]) -> list[tuple[str, list[str]]]:
    """The topic's tests, the derivation check of ``ids`` and their golden LaTeX tests."""
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider"]
    golden = [f"tests/test_notation.py::test_published_latex_is_pinned[{i}]" for i in ids]
    return [("tests", [*pytest, f"tests/test_{topic}.py"]),
            ("check", [sys.executable, "-m", "derivations", "check", *ids]),
            ("golden", [*pytest, *golden])]


def environment(project: Path) -> dict[str, str]:
    """Make the copy's ``derivations`` win over the editable install, with caches of its own."""
    return {**os.environ, "PYTHONPATH": str(project), "PYTHONDONTWRITEBYTECODE": "1",
            "DERIVATIONS_CACHE": str(project / ".cache" / "derivations"),
            "NOTEBOOKS_CACHE": str(project / ".cache" / "notebooks")}


def execute(argv: list[str], project: Path, timeout: float) -> tuple[int | None, str]:
    """Run ``argv`` in ``project``; return its exit status (None after a timeout) and its output.

    It runs in a session of its own, so that a timeout also ends the interpreters it starts."""
    with subprocess.Popen(argv, cwd=project, env=environment(project), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, start_new_session=True) as process:
        try:
            output, _ = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            return None, output
        return process.returncode, output


def run_one(pristine: Path, work: Path, mutant: Mutant | None, ids: list[str], timeout: float) -> Outcome:
    """Copy ``pristine`` into ``work``, apply ``mutant`` (none for a control) and run the commands of ``ids``.

    A timeout ends the run: the later commands would hang on the same mutant."""
    start = time.monotonic()
    project = copy_project(pristine, work)
    if mutant is not None:
        apply(mutant, project)
    topic = ids[0].split(".", 1)[0]
    outcome = Outcome(str(mutant) if mutant else f"control {topic}", tuple(ids))
    for name, argv in commands(topic, ids):
        status, output = execute(argv, project, timeout)
        outcome.output += f"$ {name}\n{output}\n"
        if status is None:
            outcome.timed_out = True
            break
        if status != 0:
            outcome.failed.append(name)
            outcome.named = outcome.named or all(i in output for i in ids)
    outcome.seconds = time.monotonic() - start
    shutil.rmtree(work, ignore_errors=True)
    return outcome


# --- Run all ---

def check_isolation(pristine: Path) -> str:
    """Where the copies import ``derivations`` from; it must be the copy, not the editable install."""
    status, output = execute([sys.executable, "-c", "import derivations; print(derivations.__file__)"], pristine, 60)
    where = output.strip()
    if status != 0 or not Path(where).resolve().is_relative_to(pristine.resolve()):
        raise SystemExit(f"the snapshot's derivations package does not win: {where}")
    return where


def run_all(pristine: Path, work: Path, chosen: list[Mutant], jobs: int, timeout: float) -> list[Outcome]:
    """Run one control per topic, stop if any fails, then every mutant, ``jobs`` at a time."""
    ids_by_topic = {m.topic: list(dict.fromkeys(c.id for c in chosen if c.topic == m.topic)) for m in chosen}
    with ThreadPoolExecutor(jobs) as pool:
        controls = [pool.submit(run_one, pristine, work / f"control-{topic}", None, ids, timeout)
                    for topic, ids in ids_by_topic.items()]
        for future in as_completed(controls):
            control = future.result()
            print(f"{control.verdict:9} {control.seconds:6.1f}s  {control.label}", flush=True)
            if control.verdict != "survived":
                raise SystemExit(f"the unmutated project fails, so no mutant can be judged:\n{control.output}")
        futures = [pool.submit(run_one, pristine, work / f"{index:03d}", m, [m.id], timeout)
                   for index, m in enumerate(chosen)]
        for done, future in enumerate(as_completed(futures), 1):
            print(line(future.result(), done, len(chosen)), flush=True)
    return [future.result() for future in futures]


# --- Report ---

def line(outcome: Outcome, done: int, total: int) -> str:
    """One mutant's result, as it finishes."""
    caught = f" caught by {', '.join(outcome.failed)}" if outcome.failed else ""
    return f"[{done:3}/{total}] {outcome.verdict:9} {outcome.seconds:6.1f}s  {outcome.label}{caught}"


def report(outcomes: list[Outcome], wall: float) -> str:
    """A table per id (mutants, killed, killed naming the id, killed only by the golden LaTeX,
    timeouts, survived, seconds), the overall share killed, and every survivor."""
    rows = [f"{'id':36} {'mutants':>7} {'killed':>6} {'w/ id':>6} {'golden':>6} {'timeout':>7} {'survived':>8} "
            f"{'seconds':>7}"]
    totals: Counter = Counter()
    for equation_id in dict.fromkeys(o.ids[0] for o in outcomes):
        mine = [o for o in outcomes if o.ids[0] == equation_id]
        counts = tally(mine)
        totals.update(counts)
        rows.append(f"{equation_id:36} {counts['mutants']:7} {counts['killed']:6} {counts['named']:6} "
                    f"{counts['golden']:6} {counts['timeout']:7} {counts['survived']:8} {counts['seconds']:7.0f}")
    rows.append(f"{'total':36} {totals['mutants']:7} {totals['killed']:6} {totals['named']:6} "
                f"{totals['golden']:6} {totals['timeout']:7} {totals['survived']:8} {totals['seconds']:7.0f}")
    share = totals["killed"] / max(totals["mutants"], 1)
    rows.append(f"killed {totals['killed']}/{totals['mutants']} = {share:.0%} "
                f"({totals['named']} naming the id; {totals['golden']} only by the golden LaTeX); "
                f"{totals['timeout']} timed out; {totals['survived']} survived; wall time {wall:.0f} s")
    rows += [f"SURVIVED {o.label}" for o in outcomes if o.verdict == "survived"]
    return "\n".join(rows)


def tally(outcomes: list[Outcome]) -> Counter:
    """Counts of one id's outcomes; ``killed`` includes those naming the id, not the timeouts."""
    verdicts = Counter(o.verdict for o in outcomes)
    return Counter(mutants=len(outcomes), killed=verdicts["killed"] + verdicts["killed+id"],
                   named=verdicts["killed+id"], timeout=verdicts["timeout"], survived=verdicts["survived"],
                   golden=sum(o.failed == ["golden"] for o in outcomes), seconds=sum(o.seconds for o in outcomes))


# --- Main ---

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", metavar="ID_PREFIX", help="only the ids that start with this")
    parser.add_argument("--jobs", type=int, default=2, help="mutants run at a time (default 2)")
    parser.add_argument("--timeout", type=float, default=240, help="seconds per command (default 240)")
    parser.add_argument("--strict", action="store_true", help="exit 1 if any mutant survived")
    args = parser.parse_args(argv)
    chosen = mutants(args.only)
    if not chosen:
        parser.error(f"no equation id starts with {args.only!r}")
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        pristine = snapshot(Path(tmp) / "head")
        print(f"derivations imported from {check_isolation(pristine)}", flush=True)
        outcomes = run_all(pristine, Path(tmp), chosen, args.jobs, args.timeout)
    print(report(outcomes, time.monotonic() - start))
    return 1 if args.strict and any(o.verdict == "survived" for o in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
