"""Wide data of K classes: the factored metric on each class's own block against their mean.

Same process, interleaved: ``GradientDescentLogisticRegression(C=C)`` of this checkout
against the same estimator at ``--base`` (default 9218077, the last commit whose factored
metric of K classes was the mean of the class blocks), on data with more coordinates than
a quarter of the rows (gdlogreg's LowRankMetric): the benchmark's tissue set (189 × 500, 7
classes), the first 100 and 200 rows of scikit-learn's digits (10 classes, 64 pixels), and
synthetic softmax sets of 100 to 1000 rows, 200 to 3000 features and 3 to 50 classes, raw
(features of spread e^±1.5 and offsets) and standardized, at C = 1 and 100. Per row:
process time (median of ``--repeats``), iterations, and each fit's relative gap to a tight
reference J* (this checkout at tol = 1e-12).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/wide_classes.py [--base REV] [--repeats 3] [--quick]
"""

import argparse
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import datasets as skd
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

#: (rows, features, classes) of the synthetic sets
SHAPES = [(100, 200, 3), (100, 400, 10), (200, 300, 5), (200, 800, 8), (300, 600, 8),
          (300, 300, 20), (400, 200, 5), (500, 1000, 4), (600, 400, 10), (800, 1600, 3),
          (1000, 1000, 6), (250, 250, 50)]
QUICK = [(100, 400, 10), (200, 300, 5), (300, 300, 20), (500, 1000, 4)]


def synthetic(n, d, K, seed=0):
    """Correlated Gaussian features, labels drawn from a softmax of the standardized ones."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) @ (np.eye(d) + 0.3 * rng.standard_normal((d, d)) / d**0.5)
    X = X * rng.lognormal(0, 1.5, d) + rng.normal(0, 2, d)
    Z = StandardScaler().fit_transform(X) @ rng.standard_normal((d, K)) * (2.5 / d**0.5)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X, (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)


def sets(quick):
    """(name, X raw, y) of every set."""
    try:
        from datasets import load

        X, y, _ = load("tissue")
        yield "tissue", X, y
    except Exception as exc:  # the bench extra or its cache is missing
        print(f"# tissue skipped: {exc}")
    X, y = skd.load_digits(return_X_y=True)
    for n in (100, 200):
        yield f"digits[:{n}]", X[:n], y[:n]
    for n, d, K in QUICK if quick else SHAPES:
        yield f"syn{n}x{d}K{K}", *synthetic(n, d, K)


def timed(cls, X, y, C, repeats):
    """(median process seconds, the last fitted model)."""
    times = []
    for _ in range(repeats):
        t = time.process_time()
        model = cls(C=C).fit(X, y)
        times.append(time.process_time() - t)
    return float(np.median(times)), model


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="9218077")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    Base = load_base(args.base).GradientDescentLogisticRegression
    warnings.simplefilter("ignore")
    print("| set | scaled | C | iterations base, new | gap base, new | ms base, new | new/base |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for (name, X, y), scaled, C in itertools.product(sets(args.quick), (False, True),
                                                     (1.0, 100.0)):
        Xs = StandardScaler().fit_transform(X) if scaled else X
        ref = GradientDescentLogisticRegression(C=C, tol=1e-12, max_iter=20_000).fit(Xs, y)
        J = ref.loss_curve_[-1]
        t0, m0 = timed(Base, Xs, y, C, args.repeats)
        t1, m1 = timed(GradientDescentLogisticRegression, Xs, y, C, args.repeats)
        gaps = [(m.loss_curve_[-1] - J) / abs(J) for m in (m0, m1)]
        ratios.append(t1 / t0)
        print(f"| {name} | {'yes' if scaled else 'no'} | {C:g} | {m0.n_iter_[0]}, "
              f"{m1.n_iter_[0]} | {gaps[0]:.0e}, {gaps[1]:.0e} | {1e3 * t0:.1f}, "
              f"{1e3 * t1:.1f} | {t1 / t0:.2f} |", flush=True)
    print(f"\nnew/base: median {np.median(ratios):.2f}, range {min(ratios):.2f}-"
          f"{max(ratios):.2f} over {len(ratios)} rows")


if __name__ == "__main__":
    main()
