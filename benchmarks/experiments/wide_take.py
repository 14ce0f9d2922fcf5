"""The wide CSR metric's price against measured times (``Objective._wide_price``).

For CSR X of more than MAX_WHITENED coordinates the p × p metric (K classes: their
diagonal blocks) is taken once the iterations have cost RENT times a take, both priced by
the WIDE_* model in ``gdlogreg/_objective.py``. This measures, per set of iteration_ab.py's
groups where that metric applies, an iteration's time (a fit of 100 plain iterations under
H's diagonal, tol = 0) and a take's (the metric forced at the first take, K classes' blocks
for K classes, the best of two), and prints them beside the model's.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/wide_take.py [--groups oh,r6,u2] [--C 1000]
"""

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

import iteration_ab  # noqa: E402

import gdlogreg._objective as O  # noqa: E402
import gdlogreg._steps.bb as bb  # noqa: E402
from gdlogreg import GradientDescentLogisticRegression  # noqa: E402


def model(X, k):
    """(take, iteration) in ms by the WIDE_* model, uniform weights."""
    p = X.shape[1] + 1
    per_row = np.diff(X.indptr).astype(np.float64)
    n = len(per_row)
    take = k * (7.0 * p**3 / 3.0 / O.WIDE_BLAS + O.WIDE_ENTRY * p * p
                + O.WIDE_PAIR * float(per_row @ per_row))
    iteration = k * (O.WIDE_STORED * per_row.sum() + O.WIDE_ROW * n) + O.WIDE_FIXED
    return take / 1e6, iteration / 1e6


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", default="oh,r6,u2")
    ap.add_argument("--C", type=float, default=1000.0)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    takes = []
    whiten = bb.BarzilaiBorwein._whiten

    def timed(self, objective, point):
        t = time.perf_counter()
        whiten(self, objective, point)
        takes.append((type(self._P).__name__, time.perf_counter() - t))

    bb.BarzilaiBorwein._whiten = timed
    price, pays = O.Objective._wide_price, O.Objective._class_metric_pays
    print("set | n × p, K | iteration ms (model) | take ms (model) | metric | "
          "take / iteration (model) | price")
    ratios = []
    for name, X, y, _ in iteration_ab.sets(set(a.groups.split(","))):
        if not hasattr(X, "indptr") or X.format != "csr":
            continue
        p, K = X.shape[1] + 1, len(np.unique(y))
        k = 1 if K == 2 else K
        if not (O.MAX_WHITENED < p <= O.MAX_WIDE_WHITENED and p <= X.shape[0]):
            continue
        try:
            O.Objective._wide_price = lambda self: 10**9
            t = time.perf_counter()
            GradientDescentLogisticRegression(C=a.C, tol=0, max_iter=100).fit(X, y)
            iteration = (time.perf_counter() - t) / 100 * 1e3
            O.Objective._wide_price = lambda self: 0
            if k > 1:  # the classes' blocks, which their price counts (at 10 not yet paid)
                O.Objective._class_metric_pays = lambda self, spent=0, blocks=False: blocks
            best, kind = math.inf, None
            for _ in range(2):
                takes.clear()
                GradientDescentLogisticRegression(C=a.C, tol=0, max_iter=11).fit(X, y)
                if takes[0][1] < best:
                    best, kind = takes[0][1], takes[0][0]
        finally:
            O.Objective._wide_price, O.Objective._class_metric_pays = price, pays
        take = best * 1e3
        m_take, m_iter = model(X, k)
        ratios.append((take / iteration) / (m_take / m_iter))
        print(f"{name} | {X.shape[0]} × {p}, {K} | {iteration:.3f} ({m_iter:.3f}) | "
              f"{take:.1f} ({m_take:.1f}) | {kind} | {take / iteration:.0f} "
              f"({m_take / m_iter:.0f}) | {math.ceil(O.RENT * m_take / m_iter)}", flush=True)
    if ratios:
        print(f"\nmeasured / model take in iterations: median {np.median(ratios):.2f}, "
              f"range {min(ratios):.2f}-{max(ratios):.2f} over {len(ratios)} sets")


if __name__ == "__main__":
    main()
