"""Same-process A/B of GradientDescentLogisticRegressionCV: a git revision against the tree.

Cs = logspace(-4, 4, 10), 5 shuffled stratified folds, the default solver; user + system
CPU time (page faults of the batch's large arrays count), medians of interleaved repeats,
one BLAS thread. Sets: text-like CSR (``run_benchmarks.make_sparse``) of 10 and 30 stored
entries a row, dense ``make_classification`` 20,000 × 50, standardized breast cancer and
digits. Also says whether the fold scores, ``n_iter_`` and every loss curve are equal.

Usage (from the repository root)::

    PYTHONPATH=$PWD python benchmarks/experiments/search_ab.py --base REV [--repeats 5]
"""

import argparse
import resource
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.model_selection import StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import run_benchmarks as rb
from bench_ab import load_base

import gdlogreg


def sets():
    std = StandardScaler()
    yield "csr 100,000 × 1,000, 10 a row", *rb.make_sparse(100_000, 1000, 10, seed=0)
    yield "csr 50,000 × 2,000, 30 a row", *rb.make_sparse(50_000, 2000, 30, seed=0)
    yield "dense 20,000 × 50", *make_classification(20000, 50, n_informative=10, random_state=0)
    X, y = load_breast_cancer(return_X_y=True)
    yield "breast cancer (std)", std.fit_transform(X), y
    X, y = load_digits(return_X_y=True)
    yield "digits (std)", std.fit_transform(X), y


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    base = load_base(a.base)
    Cs = np.logspace(-4, 4, 10)
    for name, X, y in sets():
        folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
        jobs = {"base": base.GradientDescentLogisticRegressionCV,
                "new": gdlogreg.GradientDescentLogisticRegressionCV}
        times, fits = {k: [] for k in jobs}, {}
        with threadpool_limits(1):
            for r in range(a.repeats):
                for k in list(jobs) if r % 2 == 0 else list(jobs)[::-1]:
                    t = cpu()
                    fits[k] = jobs[k](Cs=Cs, cv=folds).fit(X, y)
                    times[k].append(cpu() - t)
        b, n = fits["base"], fits["new"]
        same = (all(np.array_equal(b.cv_results_[f"split{f}_test_score"],
                                   n.cv_results_[f"split{f}_test_score"]) for f in range(5))
                and np.array_equal(b.n_iter_, n.n_iter_)
                and all(np.array_equal(p, q)
                        for p, q in zip(b.loss_curves_, n.loss_curves_, strict=True)))
        tb, tn = np.median(times["base"]), np.median(times["new"])
        print(f"{name}: base {tb:.3f} s, new {tn:.3f} s, new / base {tn / tb:.2f}; "
              f"same scores, n_iter_ and loss curves: {same}", flush=True)


if __name__ == "__main__":
    main()
