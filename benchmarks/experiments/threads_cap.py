"""Does capping the threads of gdlogreg's own passes help where the BLAS has many?

At the BLAS's default threads, bb's time per iteration over the two-matvec floor on
dense 200k × 100 (float64, float32), with the passes' threads capped at each of
``--caps`` (the BLAS keeps its threads for the floor). Interleaved, medians.

    python benchmarks/experiments/threads_cap.py [--caps 1,4,8,12,16] [--repeats 5]
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from sklearn.datasets import make_classification

from gdlogreg import GradientDescentLogisticRegression as G
from gdlogreg._backends import _threads
from gdlogreg._steps import bb

REAL = _threads.thread_limit


def capped(k):
    _threads.thread_limit = lambda: min(k, REAL())


def fit_time(X, y, k):
    t = time.perf_counter()
    est = G(max_iter=k, tol=0).fit(X, y)
    return time.perf_counter() - t, int(est.n_iter_[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--caps", default="1,4,8,12,16")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--n", type=int, default=200_000)
    a = ap.parse_args()
    caps = [int(c) for c in a.caps.split(",")]
    warnings.simplefilter("ignore")  # the short fits' ConvergenceWarning
    bb.WHITEN_RHO = np.inf  # plain iterations: the metric's Gram is not an iteration's cost
    X, y = make_classification(a.n, 100, n_informative=20, random_state=0)
    print(f"BLAS threads (default): {REAL()}", flush=True)
    for dtype in (np.float64, np.float32):
        Xd = np.ascontiguousarray(X, dtype=dtype)
        w, r = np.ones(100, dtype), np.ones(a.n, dtype)
        floors, per = [], {k: [] for k in caps}
        for _ in range(a.repeats):
            for k in caps:
                capped(k)
                t1, n1 = fit_time(Xd, y, 5)
                t2, n2 = fit_time(Xd, y, 15)
                per[k].append((t2 - t1) / max(n2 - n1, 1))
            _threads.thread_limit = REAL
            ts = []
            for _ in range(10):
                t = time.perf_counter()
                Xd @ w
                Xd.T @ r
                ts.append(time.perf_counter() - t)
            floors.append(statistics.median(ts))
        f = statistics.median(floors)
        cells = ", ".join(f"{k}: {statistics.median(per[k]) / f:.2f}"
                          f" ({statistics.median(per[k]) * 1e3:.2f} ms)" for k in caps)
        print(f"{np.dtype(dtype).name}: floor {f * 1e3:.2f} ms; iteration/floor by cap: {cells}",
              flush=True)


if __name__ == "__main__":
    main()
