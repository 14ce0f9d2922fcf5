"""One class holding all the weight, with a penalty: the intercepts shifted to the stop,
against the base revision (same process).

Where every row of the other classes weighs nothing, J's infimum is 0 whatever the penalty
(the weights at 0, the one class's intercept without bound). Each fit weighs the rows of
one class by 1 and the others' by 0 (each class in turn), for every solver and C, new and
base interleaved; process time, medians of ``--repeats``. Prints, per solver, the fits,
those stopped "separated" and at ``max_iter``, the iterations and the time in all.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/one_class_shift_ab.py --base c563e01
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench_ab import load_base  # noqa: E402

import gdlogreg  # noqa: E402

SOLVERS = ("bb", "lbfgs", "nesterov", "backtracking", "gd")


def sets():
    import scipy.sparse as sp
    from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine

    yield "breast_cancer 569 × 30", *load_breast_cancer(return_X_y=True)
    yield "wine 178 × 13, 3 classes", *load_wine(return_X_y=True)
    yield "iris 150 × 4, 3 classes", *load_iris(return_X_y=True)
    X, y = load_digits(return_X_y=True)
    yield "digits 1,797 × 64 (CSR), 10 classes", sp.csr_matrix(X), y


def fit(module, solver, C, X, y, sw):
    est = module.GradientDescentLogisticRegression(solver=solver, C=C)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.process_time()
        est.fit(X, y, sample_weight=sw)
        return time.process_time() - t, est


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--Cs", default="1,0.01")
    args = ap.parse_args(argv)
    base = load_base(args.base)
    Cs = [float(c) for c in args.Cs.split(",")]
    totals = {}  # (solver, which): [fits, separated, max_iter, iterations, seconds]
    for name, X, y in sets():
        for cls in np.unique(y):
            sw = (y == cls).astype(np.float64)
            for solver in SOLVERS:
                for C in Cs:
                    times, ests = {"new": [], "base": []}, {}
                    for r in range(args.repeats):
                        order = [("new", gdlogreg), ("base", base)]
                        for which, module in order if r % 2 == 0 else order[::-1]:
                            seconds, ests[which] = fit(module, solver, C, X, y, sw)
                            times[which].append(seconds)
                    for which, est in ests.items():
                        row = totals.setdefault((solver, which), [0, 0, 0, 0, 0.0])
                        row[0] += 1
                        row[1] += est.stop_reason_ == "separated"
                        row[2] += est.stop_reason_ == "max_iter"
                        row[3] += int(est.n_iter_[0])
                        row[4] += statistics.median(times[which])
        print(f"done: {name}", file=sys.stderr)
    print(f"# one class holds the weight; new vs {args.base}; Cs {Cs}; medians of "
          f"{args.repeats}")
    print("| solver | fits | separated new, base | at max_iter new, base "
          "| iterations new, base | time s new, base |")
    print("|---|---|---|---|---|---|")
    for solver in SOLVERS:
        n, b = totals[(solver, "new")], totals[(solver, "base")]
        print(f"| {solver} | {n[0]} | {n[1]}, {b[1]} | {n[2]}, {b[2]} | {n[3]:,}, {b[3]:,} "
              f"| {n[4]:.2f}, {b[4]:.2f} |")


if __name__ == "__main__":
    main()
