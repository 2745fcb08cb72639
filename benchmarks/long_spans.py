"""Long spans: ``rnn.span_log_norms`` for k = 10 000, n = 128 against the limit, a bare NumPy loop of
the same k matrix products.

Target: at most 1.2× the bare loop. Both run in the same process, interleaved, single-threaded BLAS
(set before NumPy loads), median of the runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from derivations import rnn  # noqa: E402

STEPS, SIZE, TARGET = 10_000, 128, 1.2


def arguments(rng) -> dict:
    """A tanh RNN at the edge of stability: orthogonal W_hh, unit inputs."""
    q, _ = np.linalg.qr(rng.standard_normal((SIZE, SIZE)))
    return {"W_hh": q, "W_xh": np.eye(SIZE), "b_h": np.zeros(SIZE), "h_start": np.zeros(SIZE),
            "xs": rng.standard_normal((STEPS, SIZE))}


def jacobians(args: dict, count: int = 64) -> list[np.ndarray]:
    """Step Jacobians of the same network, reused cyclically by the bare loop."""
    h, out = args["h_start"], []
    for x in args["xs"][:count]:
        out.append(rnn.step_jacobian(args["W_hh"], args["W_xh"], args["b_h"], h, x))
        h = rnn.step(args["W_hh"], args["W_xh"], args["b_h"], h, x)
    return out


def bare_loop(js: list[np.ndarray]) -> np.ndarray:
    """The limit: k products J @ P and nothing else."""
    product = np.eye(SIZE)
    for index in range(STEPS):
        product = js[index % len(js)] @ product
    return product


def run(runs: int = 5) -> dict:
    """Median seconds of both, and their ratio."""
    args = arguments(np.random.default_rng(0))
    js = jacobians(args)
    rnn.span_log_norms(**{**args, "xs": args["xs"][:10]})  # compile the closed forms first
    timings = {"span_log_norms": [], "bare loop": []}
    for _ in range(runs):
        start = time.perf_counter()
        logs = rnn.span_log_norms(**args)
        timings["span_log_norms"].append(time.perf_counter() - start)
        start = time.perf_counter()
        bare_loop(js)
        timings["bare loop"].append(time.perf_counter() - start)
    assert np.all(np.isfinite(logs)), "long spans must not underflow"
    medians = {name: statistics.median(values) for name, values in timings.items()}
    return {**medians, "ratio": medians["span_log_norms"] / medians["bare loop"], "target": TARGET}


def main() -> None:
    result = run()
    print(f"span_log_norms, k = {STEPS}, n = {SIZE}: {result['span_log_norms']:.2f} s; bare loop "
          f"{result['bare loop']:.2f} s; ratio {result['ratio']:.2f} (target ≤ {TARGET})")


if __name__ == "__main__":
    main()
