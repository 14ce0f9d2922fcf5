"""Wide L1 fits: the stop's take on the weights' support, against a base revision.

Random wide Gaussian data (rows n in [20, 150), columns d in [n/2, 3n), labels of a noisy
linear model of K classes, C log-uniform in [1, 1e4], l1_ratio in {1, 0.5, 0.1}; the
generator of tests/test_review189.py): default fits of this checkout and of ``--base``,
each fit's relative gap to J* (the lower of a tight fit, tol = 1e-12, and the two), its
iterations and whether it claimed convergence (no ConvergenceWarning); process time,
medians of ``--repeats`` interleaved fits. Prints the seeds where either claims
convergence above the promise (tol/10 relative) or the two differ, and the totals.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/wide_l1_stops.py --base REV \\
        --classes 2 --seeds 0:60
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench_ab import load_base  # noqa: E402

import gdlogreg  # noqa: E402


def wide(seed, k):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 150))
    d = int(rng.integers(n // 2, 3 * n))
    X = rng.normal(size=(n, d))
    y = (X @ rng.normal(size=(d, k)) + 2.0 * rng.normal(size=(n, k))).argmax(axis=1)
    C, rho = float(10 ** rng.uniform(0, 4)), float(rng.choice([1.0, 0.5, 0.1]))
    return X, y, C, rho


def _fit(mod, X, y, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        t = time.process_time()
        est = mod.GradientDescentLogisticRegression(**kw).fit(X, y)
        spent = time.process_time() - t
    claimed = not any(w.category is ConvergenceWarning for w in caught)
    return est, spent, claimed


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--classes", type=int, default=2)
    ap.add_argument("--seeds", default="0:60")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    base = load_base(args.base)
    lo, hi = map(int, args.seeds.split(":"))
    print("| seed | n × d | C, l1_ratio | iterations new, base | gap new, base "
          "| claimed new, base | s new, base |")
    print("|---|---|---|---|---|---|---|")
    fits, bad, times = 0, {"new": 0, "base": 0}, {"new": 0.0, "base": 0.0}
    for seed in range(lo, hi):
        X, y, C, rho = wide(seed, args.classes)
        if len(np.unique(y)) < args.classes:
            continue
        fits += 1
        kw = {"C": C, "l1_ratio": rho}
        runs = {"new": [], "base": []}
        for r in range(args.repeats):
            order = [("new", gdlogreg), ("base", base)]
            for tag, mod in order if r % 2 == 0 else order[::-1]:
                est, spent, claimed = _fit(mod, X, y, **kw)
                runs[tag].append((spent, est, claimed))
        tight = gdlogreg.GradientDescentLogisticRegression(
            tol=1e-12, max_iter=30_000, **kw).fit(X, y).loss_curve_[-1]
        row = {}
        for tag, got in runs.items():
            est, claimed = got[-1][1], got[-1][2]
            row[tag] = (int(est.n_iter_.max()), est.loss_curve_[-1], claimed,
                        statistics.median(g[0] for g in got))
            times[tag] += row[tag][3]
        star = min(tight, row["new"][1], row["base"][1])
        gap = {tag: (r[1] - star) / star for tag, r in row.items()}
        over = {tag: row[tag][2] and gap[tag] > 1e-6 for tag in row}
        for tag in row:
            bad[tag] += over[tag]
        if over["new"] or over["base"] or row["new"][0] != row["base"][0]:
            print(f"| {seed} | {X.shape[0]} × {X.shape[1]} | {C:.3g}, {rho:g} | "
                  f"{row['new'][0]}, {row['base'][0]} | {gap['new']:.1e}, {gap['base']:.1e} | "
                  f"{'yes' if row['new'][2] else 'no'}, {'yes' if row['base'][2] else 'no'} | "
                  f"{row['new'][3]:.3f}, {row['base'][3]:.3f} |", flush=True)
    print(f"\n{fits} fits of {args.classes} classes; claimed convergence above the promise: "
          f"new {bad['new']}, base {bad['base']}; time of all fits new {times['new']:.2f} s, "
          f"base {times['base']:.2f} s ({times['new'] / times['base']:.2f})")


if __name__ == "__main__":
    main()
