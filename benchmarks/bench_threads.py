"""Same-process A/B of gdlogreg's threaded O(n) passes against the same passes on one thread.

On tall data (default: 1e6 × 50 dense float64 and float32, and a text-like CSR
1e6 × 1000 with 20 non-zeros a row), with the BLAS at ``--threads`` threads
for both sides, it times, interleaved (threaded, serial, serial, threaded, ...),
medians of ``--repeats``:

- a loss pass at a trial point, value only (what a rejected line-search trial costs);
- a loss pass with its gradient, Z moved in place (an accepted trial: for CSR
  X it includes Xᵀ R, summed block by block);
- ``linear`` (Z = X w + b; for CSR X on gdlogreg's threads, for dense X the BLAS's);
- an iteration of ``solver="bb"``: (fit at ``max_iter=M`` − fit at ``max_iter=0``) / M.

"serial" forces gdlogreg's passes on one thread (the BLAS keeps its threads).

    python benchmarks/bench_threads.py [--n 1000000] [--threads 2] [--repeats 9]
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_benchmarks as rb  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402
from gdlogreg._backends import _threads  # noqa: E402
from gdlogreg._backends._array import NumpyBackend  # noqa: E402
from gdlogreg._loss import BinaryLogLoss  # noqa: E402


def datasets(n, quick):
    from sklearn.datasets import make_classification

    d_dense, d_sp = (10, 100) if quick else (50, 1000)
    X, y = make_classification(n, d_dense, n_informative=d_dense // 5, random_state=0)
    Xs, ys = rb.make_sparse(n, d_sp, 20, seed=1)
    return [
        (f"dense {n}×{d_dense} float64", X, y),
        (f"dense {n}×{d_dense} float32", X.astype(np.float32), y),
        (f"CSR {n}×{d_sp}, 20 nnz/row", Xs, ys),
    ]


def serial(on):
    """Force gdlogreg's passes on one thread (``on``) or let them use the limit."""
    real = serial.real
    _threads.thread_limit = (lambda: 1) if on else real


serial.real = _threads.thread_limit


def ab(jobs, repeats):
    """{(name, side): median seconds}, sides interleaved and alternated."""
    times = {}
    for r in range(repeats):
        order = ("threads", "serial") if r % 2 == 0 else ("serial", "threads")
        for name, fn in jobs.items():
            for side in order:
                serial(side == "serial")
                fn()  # warm
                t0 = time.perf_counter()
                fn()
                times.setdefault((name, side), []).append(time.perf_counter() - t0)
    serial(False)
    return {k: statistics.median(v) for k, v in times.items()}


def run(title, X, y, args):
    n, d = X.shape
    loss = BinaryLogLoss()
    be = NumpyBackend(X, loss.encode(y, np), 1.0 / n)
    rng = np.random.default_rng(0)
    coef = (rng.standard_normal((d + 1, 1)) * 0.1).astype(X.dtype)
    Z0, D0 = be.linear(coef, True), be.linear(coef, True)
    Z, D = Z0.copy(), D0.copy()

    def moved():
        Z[:] = Z0
        D[:] = D0
        be.loss_pass(loss, Z, D, 1.0, gradient=True, move=True)

    def restore():
        Z[:] = Z0
        D[:] = D0

    M = args.M

    def fit(k):
        GradientDescentLogisticRegression(solver="bb", tol=0.0, max_iter=k).fit(X, y)

    jobs = {
        "trial (value)": lambda: be.loss_pass(loss, Z0, D0, 0.5),
        "copies of Z, D": restore,
        "trial + gradient (moved)": moved,
        "linear": lambda: be.linear(coef, True, out=Z),
    }
    t = ab(jobs, args.repeats)
    fits = ab({"@0": lambda: fit(0), "@M": lambda: fit(M)}, max(args.repeats // 3, 3))
    rows = []
    for name in jobs:
        if name == "copies of Z, D":
            continue
        a, b = t[(name, "threads")], t[(name, "serial")]
        if name.startswith("trial + gradient"):  # without the two copies that reset Z and D
            a -= t[("copies of Z, D", "threads")]
            b -= t[("copies of Z, D", "serial")]
        rows.append([name, f"{b * 1e3:.2f}", f"{a * 1e3:.2f}", f"{b / a:.2f}×"])
    it = {s: (fits[("@M", s)] - fits[("@0", s)]) / M for s in ("threads", "serial")}
    rows.append(
        [
            "bb iteration",
            f"{it['serial'] * 1e3:.2f}",
            f"{it['threads'] * 1e3:.2f}",
            f"{it['serial'] / it['threads']:.2f}×",
        ]
    )
    return f"#### {title}\n\n" + rb.table(
        ["", "serial passes (ms)", f"{args.threads} threads (ms)", "speed-up"], rows
    )


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--M", type=int, default=20, help="iterations of the timed fits (at most 20:"
                   " past them bb may switch to whitened steps, whose one-off H is set-up)")
    p.add_argument("--quick", action="store_true", help="small data (smoke run)")
    args = p.parse_args(argv)
    if args.quick:
        args.n, args.repeats, args.M = min(args.n, 100_000), 3, 5
    warnings.simplefilter("ignore")  # ConvergenceWarning of the fits at max_iter=M
    mi = rb.machine_info()
    print(f"{mi['cpu']}, {mi['cores']} cores; numpy {mi['numpy']}, scipy {mi['scipy']};"
          f" commit {mi['commit']}; BLAS and passes limited to {args.threads} threads\n")
    with threadpool_limits(args.threads):
        for title, X, y in datasets(args.n, args.quick):
            print(run(title, X, y, args), "\n", flush=True)


if __name__ == "__main__":
    main()
