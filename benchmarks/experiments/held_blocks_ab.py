"""Held class blocks that may not confirm a stop where a class block's diagonal fell (review 174).

Same-process A/B of this checkout against git revision BASE (``bench_ab.load_base``): the
default fit of K-class data sets at C = 0.01, 1 and 100: iterations, (J - J*)/J* (J* the
fit at tol=1e-11) and process time (best of REPS, one BLAS thread). Sets: scikit-learn's
digits, wine and iris, tissue and diamonds (datasets.py), raw and standardized;
flights_carrier subsamples of 5,000 to 20,000 rows (16 carriers, some of 3 to 19 rows),
raw; two synthetic many-class sets. Rows are marked where a stop above 1e-6 is fixed, or
stays.

    OPENBLAS_NUM_THREADS=1 REPS=3 python benchmarks/experiments/held_blocks_ab.py BASE
"""

import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import datasets
from bench_ab import load_base, many_classes

import gdlogreg


def sets():
    for name, load in (("digits", load_digits), ("wine", load_wine), ("iris", load_iris)):
        X, y = load(return_X_y=True)
        yield name, X, y
        yield name + " std", StandardScaler().fit_transform(X), y
    for name in ("tissue", "diamonds"):
        X, y, _ = datasets.load(name)
        X = np.asarray(X, dtype=np.float64)
        if X.shape[0] > 20000:
            idx = np.sort(np.random.default_rng(0).choice(X.shape[0], 20000, replace=False))
            X, y = X[idx], y[idx]
        yield name, X, y
        yield name + " std", StandardScaler().fit_transform(X), y
    Xf, yf, _ = datasets.load("flights_carrier")
    for n, seed in ((5000, 1), (10000, 0), (20000, 0), (20000, 1)):
        idx = np.sort(np.random.default_rng(seed).choice(Xf.shape[0], n, replace=False))
        yield f"fc{n}s{seed}", np.asarray(Xf[idx], dtype=np.float64), yf[idx]
    for K in (10, 30):
        data = many_classes(K, n=20000)
        yield f"many{K}", data.X, data.y


def fit_times(module, X, y, C, reps):
    times = []
    for _ in range(reps):
        t0 = time.process_time()
        model = module.GradientDescentLogisticRegression(C=C).fit(X, y)
        times.append(time.process_time() - t0)
    return model, min(times)


def main():
    base = load_base(sys.argv[1] if len(sys.argv) > 1 else "HEAD")
    reps = int(os.environ.get("REPS", "3"))
    warnings.simplefilter("ignore")
    for name, X, y in sets():
        for C in (0.01, 1.0, 100.0):
            J_star = gdlogreg.GradientDescentLogisticRegression(
                C=C, tol=1e-11, max_iter=5000).fit(X, y).loss_curve_[-1]
            row = []
            for module in (base, gdlogreg):
                model, t = fit_times(module, X, y, C, reps)
                row.append((model.n_iter_[0], (model.loss_curve_[-1] - J_star) / J_star, t))
            (i0, g0, t0), (i1, g1, t1) = row
            flag = " <-- fixed" if g0 > 1e-6 >= g1 else (" <-- stays" if g1 > 1e-6 else "")
            print(f"{name:12s} C={C:<5g} base {i0:4d} {g0:.1e} {t0 * 1e3:7.1f} ms | new {i1:4d}"
                  f" {g1:.1e} {t1 * 1e3:7.1f} ms | {t1 / t0:.2f}{flag}", flush=True)


if __name__ == "__main__":
    main()
