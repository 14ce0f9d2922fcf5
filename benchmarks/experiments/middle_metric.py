"""Between the two metrics: the p × p metric paid for by rent or buy, against none.

Same process, interleaved: ``GradientDescentLogisticRegression(C=C)`` of this checkout
against the same estimator at ``--base`` (default bba1bcf, the last commit without a metric
for more than 256 rows and between a quarter of them and as many coordinates) and
``LogisticRegression(C=C)``, on synthetic softmax sets of that shape (300 to 2000 rows, 200
to 600 features, 2 to 10 classes; raw: features of spread e^±1.5 and offsets, as
experiments/wide_classes.py makes them) raw and standardized, at C = 1 and 100. Per row:
process time (median of ``--repeats``), iterations, each of ours' relative gap to a tight
J* (this checkout at tol = 1e-12), and the time ratios.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/middle_metric.py [--base REV] [--repeats 3] [--quick]
"""

import argparse
import itertools
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402
from wide_classes import synthetic  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

#: (rows, features, classes)
SHAPES = [(600, 400, 10), (400, 200, 5), (1000, 500, 2), (2000, 500, 2), (800, 300, 3),
          (500, 300, 2), (1500, 600, 2), (300, 200, 4)]
QUICK = [(600, 400, 10), (500, 300, 2), (300, 200, 4)]


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="bba1bcf")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    Base = load_base(args.base).GradientDescentLogisticRegression
    New = GradientDescentLogisticRegression
    warnings.simplefilter("ignore")
    print("| set | scaled | C | iterations base, new, LR() | gap base, new | ms base, new, LR() "
          "| new/base | new/LR(), base/LR() |")
    print("|---|---|---|---|---|---|---|---|")
    ratios = []
    for (n, d, K), scaled, C in itertools.product(QUICK if args.quick else SHAPES,
                                                  (False, True), (1.0, 100.0)):
        X, y = synthetic(n, d, K)
        if scaled:
            X = StandardScaler().fit_transform(X)
        J = New(C=C, tol=1e-12, max_iter=20_000).fit(X, y).loss_curve_[-1]
        times = {name: [] for name in ("base", "new", "lr")}
        for _ in range(args.repeats):  # interleaved
            for name, cls in (("base", Base), ("new", New), ("lr", LogisticRegression)):
                t = time.process_time()
                model = cls(C=C).fit(X, y)
                times[name].append(time.process_time() - t)
                times[name + "_model"] = model
        t = {name: float(np.median(times[name])) for name in ("base", "new", "lr")}
        m = {name: times[name + "_model"] for name in ("base", "new", "lr")}
        gap = {name: (m[name].loss_curve_[-1] - J) / abs(J) for name in ("base", "new")}
        ratios.append(t["new"] / t["base"])
        print(f"| {n} × {d}, {K} classes | {'yes' if scaled else 'no'} | {C:g} | "
              f"{m['base'].n_iter_[0]}, {m['new'].n_iter_[0]}, {m['lr'].n_iter_[0]} | "
              f"{gap['base']:.0e}, {gap['new']:.0e} | {1e3 * t['base']:.1f}, "
              f"{1e3 * t['new']:.1f}, {1e3 * t['lr']:.1f} | {t['new'] / t['base']:.2f} | "
              f"{t['new'] / t['lr']:.2f}, {t['base'] / t['lr']:.2f} |", flush=True)
    print(f"\nnew/base: median {np.median(ratios):.2f}, range {min(ratios):.2f}-"
          f"{max(ratios):.2f} over {len(ratios)} rows")


if __name__ == "__main__":
    main()
