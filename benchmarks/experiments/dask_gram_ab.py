"""Dask fits of this checkout against another revision's, in one process.

Five sets (tall binary L2 and L1, tall 5 classes, wide 2,000 x 600, 5,000 x 200 of 3
classes with L1), X a persisted Dask array of 8 row chunks, the threaded scheduler at one
worker and one BLAS thread; medians of 3 interleaved fits: time, iterations, passes over X.
Written for Dask's centred Gram (benchmarks/README.md, "Dask's Gram in one pass").

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/dask_gram_ab.py [REV]
"""

import statistics
import sys
import time
import warnings
from pathlib import Path

import dask
import dask.array as da
import numpy as np
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench_ab import load_base

import gdlogreg

base = load_base(sys.argv[1] if len(sys.argv) > 1 else "37bc5ac")
warnings.simplefilter("ignore")



def data(n, d, K, seed=0, scale=True):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * (rng.uniform(0.1, 10, d) if scale else 1.0)
    X[:, 0] = X[:, 0] + 3 * X[:, 1]
    Z = X @ rng.standard_normal((d, K)) / np.sqrt(d)
    if K > 2:
        return X, np.argmax(Z + rng.gumbel(size=Z.shape), axis=1)
    return X, (Z[:, 0] + rng.logistic(size=n) > 0).astype(int)


cases = [("tall 200k x 50 binary", data(200_000, 50, 2), {}),
         ("tall 200k x 50 binary l1=0.5", data(200_000, 50, 2), {"l1_ratio": 0.5}),
         ("tall 100k x 30 K=5", data(100_000, 30, 5), {}),
         ("2000 x 600 binary (between)", data(2000, 600, 2), {"C": 10.0}),
         ("5000 x 200 K=3 l1", data(5000, 200, 3), {"l1_ratio": 1.0})]
with threadpool_limits(1), dask.config.set(scheduler="threads", num_workers=1):
    for name, (X, y), kw in cases:
        Xd = da.from_array(X, chunks=(max(X.shape[0] // 8, 1), X.shape[1])).persist()
        res = {}
        for _ in range(3):
            for tag, mod in (("new", gdlogreg), ("base", base)):
                t = time.perf_counter()
                m = mod.GradientDescentLogisticRegression(**kw).fit(Xd, y)
                res.setdefault(tag, []).append(time.perf_counter() - t)
                res[tag + "_m"] = m
        a, b = res["new_m"], res["base_m"]
        tn, tb = statistics.median(res["new"]), statistics.median(res["base"])
        print(f"{name}: new {tn:.3f}s ({a.n_iter_[0]} its, {a._dask_passes} passes,"
              f" {a.stop_reason_})  base {tb:.3f}s ({b.n_iter_[0]} its, {b._dask_passes}"
              f" passes, {b.stop_reason_})  ratio {tn / tb:.2f}"
              f"  J new-base {a.loss_curve_[-1] - b.loss_curve_[-1]:.1e}", flush=True)
