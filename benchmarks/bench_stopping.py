"""Same-process A/B of the stopping rules: gradient tests alone, certified gap alone, both.

For each data set: the relative objective gap (J - J*)/J* of LogisticRegression()
and of the default GradientDescentLogisticRegression() under three stopping
rules, with the iteration count and the fit time (median of interleaved
repeats) at ``--blas-threads`` BLAS threads. J* from LogisticRegression's
Newton solver at tol=1e-12. The rules are switched by replacing one method of
the solver's Monitor:

- ``gradient``: the gradient tests only, and no ``dual_gap_`` (the code before the gap);
- ``gap``: the certified duality gap only (gap <= tol · J);
- ``both``: the default, whichever passes first.

    python benchmarks/bench_stopping.py [--repeats 5] [--blas-threads 1]
"""

import argparse
import contextlib
import statistics
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import log_expit, log_softmax
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    load_wine,
    make_classification,
)
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression, _solver


def J(model, X, y, C=1.0):
    """J of LogisticRegression's objective over C·n, in float64."""
    W = np.asarray(model.coef_, dtype=np.float64)
    b = np.asarray(model.intercept_, dtype=np.float64)
    X = X.astype(np.float64)
    classes, n = np.unique(y), len(y)
    if len(classes) == 2:
        z = X @ W[0] + b[0]
        loss = -np.mean(np.where(y == classes[1], log_expit(z), log_expit(-z)))
    else:
        idx = np.searchsorted(classes, y)
        loss = -np.mean(log_softmax(X @ W.T + b, axis=1)[np.arange(n), idx])
    return loss + 0.5 / (C * n) * np.sum(W**2)


def bundled_sets(raw="(raw)", std="(standardized)"):
    """scikit-learn's four bundled sets, each as it is and standardized (labelled so)."""
    for name, load in [("breast_cancer", load_breast_cancer), ("digits", load_digits),
                       ("iris", load_iris), ("wine", load_wine)]:
        X, y = load(return_X_y=True)
        yield f"{name} {raw}", X, y
        yield f"{name} {std}", StandardScaler().fit_transform(X), y


def datasets():
    yield from bundled_sets()
    X, y = make_classification(20000, 50, n_informative=20, random_state=0)
    yield "synthetic 20000×50 dense", X, y
    yield "synthetic 20000×50 float32", X.astype(np.float32), y
    X, y = make_classification(20000, 200, n_informative=40, n_classes=3, random_state=0)
    X[np.abs(X) < 1.5] = 0.0
    yield "synthetic 20000×200 CSR, 3 classes", sp.csr_matrix(X), y


@contextlib.contextmanager
def rule(name):
    """Switch the Monitor's stopping rule (see the module docstring)."""
    M = _solver.Monitor
    off = lambda self, *a: False  # noqa: E731
    saved = M._gap_passes, M._gradient_passes, M.duality_gap
    if name == "gradient":  # as before the gap: no test, no dual_gap_ (NaN)
        M._gap_passes, M.duality_gap = off, lambda self, *a: float("nan")
    elif name == "gap":
        M._gradient_passes = off
    try:
        yield
    finally:
        M._gap_passes, M._gradient_passes, M.duality_gap = saved


RULES = ["gradient", "both", "gap"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--blas-threads", type=int, default=1)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print("| data set | LR() gap | " + " | ".join(
        f"{r}: iter, gap, time" for r in RULES) + " | time both/gradient |")
    print("|---" * (3 + len(RULES)) + "|")
    with threadpool_limits(args.blas_threads):
        for name, X, y in datasets():
            Xd = X.toarray() if sp.issparse(X) else X
            star = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000)
            Js = J(star.fit(X, y), Xd, y)
            lr = (J(LogisticRegression().fit(X, y), Xd, y) - Js) / Js
            times = {r: [] for r in RULES}
            fits = {}
            for _ in range(args.repeats):  # interleaved
                for r in RULES:
                    with rule(r):
                        t = time.perf_counter()
                        fits[r] = GradientDescentLogisticRegression(max_iter=5000).fit(X, y)
                        times[r].append(time.perf_counter() - t)
            cells = []
            for r in RULES:
                gap = (J(fits[r], Xd, y) - Js) / Js
                cells.append(f"{fits[r].n_iter_[0]}, {gap:.1e}, "
                             f"{1e3 * statistics.median(times[r]):.1f} ms")
            ratio = statistics.median(times["both"]) / statistics.median(times["gradient"])
            print(f"| {name} | {lr:.1e} | " + " | ".join(cells) + f" | {ratio:.2f} |", flush=True)


if __name__ == "__main__":
    main()
