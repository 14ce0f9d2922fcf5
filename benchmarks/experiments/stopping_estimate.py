"""How well does a curvature-based estimate of J - J* predict the true gap? (issue #16, cause 1)

Along one long path of the default solver (bb) it records, at every iterate k,
J, the minimum-norm (sub)gradient g in standardized coordinates and the
Rayleigh quotient r = sᵀy/sᵀs of the last step (s = Δcoef, y = Δg, the
curvature of J's smooth part along it). The estimate

    E_k = ‖g_k‖² / (2 min(r over the last W steps))

is ½ gᵀH⁻¹g for a quadratic whose smallest curvature the recent steps saw.
J* is the lowest J of the long path and of LogisticRegression(newton-cholesky,
tol=1e-12) where that is cheap. Printed per set: the default fit's iterations
and true relative gap, and for each window W the first iterate with
E_k <= target · J_k, its true gap, and the worst ratio true/E over the
iterates with a true gap below 1e-4 (above 1: E underestimated).

    python benchmarks/experiments/stopping_estimate.py [--real] [--target 1e-6]
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import (
    make_classification,
)
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, _solver
from gdlogreg._objective import standardized

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
WINDOWS = (20,)
AITKEN = (5, 10, 20)


def record(X, y, long_iter, **params):
    """J, ‖g‖² and r along a path of ``long_iter`` iterations."""
    rows = []
    orig = _solver.Monitor.__call__

    def spy(self, k, point, step):
        obj = self.objective
        g, c = standardized(point, obj.T, obj.std)
        d = obj.problem.n_features
        sub = obj.penalty.subgradient(g[:d], c[:d], np, obj.std.D)
        gg = float(np.sum(sub**2)) + (float(np.sum(g[d:] ** 2)) if obj.fit_intercept else 0.0)
        prev = getattr(self, "_spy_prev", None)
        r = np.nan
        if prev is not None:
            s, yv = point.coef - prev[0], point.grad - prev[1]
            ss = float(np.vdot(s, s))
            r = float(np.vdot(s, yv)) / ss if ss > 0 else np.nan
        self._spy_prev = (point.coef, point.grad)
        rows.append((point.J, gg, r))
        return orig(self, k, point, step)

    return spied_path(spy, X, y, long_iter, params, rows)


def spied_path(spy, X, y, long_iter, params, rows):
    """The rows ``spy`` (in place of ``Monitor.__call__``) records along a long path."""
    orig = _solver.Monitor.__call__
    _solver.Monitor.__call__ = spy
    try:
        GradientDescentLogisticRegression(tol=0.0, max_iter=long_iter, **params).fit(X, y)
    finally:
        _solver.Monitor.__call__ = orig
    return np.array(rows)


def reference(X, y, params):
    wide = X.shape[1] * max(len(np.unique(y)) - 1, 1) > 2000
    if sp.issparse(X) or wide or params.get("l1_ratio"):
        return np.inf
    C = params.get("C", 1.0)
    lr = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=500)
    lr.fit(X, y)
    # J of LR's model in our own objective: a warm start that makes no step
    w = GradientDescentLogisticRegression(C=C, max_iter=0, tol=0.0, warm_start=True)
    w.fit(X, y)
    w.coef_, w.intercept_ = lr.coef_.copy(), lr.intercept_.copy()
    w.fit(X, y)
    return w.loss_curve_[0]


def analyse(name, X, y, target, long_iter, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = GradientDescentLogisticRegression(**params).fit(X, y)
        rows = record(X, y, long_iter, **params)
        Jstar = min(rows[:, 0].min(), reference(X, y, params))
    J, gg, r = rows.T
    gap = (J - Jstar) / abs(Jstar)
    k0 = int(np.ravel(default.n_iter_)[0])
    out = [f"{name} {params or ''}".strip(), f"{k0}, {gap[min(k0, len(gap) - 1)]:.1e}"]
    best = np.minimum.accumulate(J)
    estimates = {}
    for W in WINDOWS:
        mu = np.array([np.nanmin(r[max(1, k - W + 1): k + 1]) if k >= 1 else np.nan
                       for k in range(len(r))])
        with np.errstate(all="ignore"):
            estimates[f"curv{W}"] = gg / (2.0 * np.where(mu > 0, mu, np.nan))
    for m in AITKEN:
        E = np.full(len(J), np.nan)
        k = np.arange(2 * m, len(J))
        d1, d2 = best[k - m] - best[k], best[k - 2 * m] - best[k - m]
        ok = (d1 > 0) & (d2 > d1)
        with np.errstate(all="ignore"):
            E[k] = np.where(ok, d1 * d1 / (d2 - d1), np.nan)
        estimates[f"aitken{m}"] = E
    for E in estimates.values():
        E = E / abs(Jstar)
        hit = np.flatnonzero(E <= target * J / abs(Jstar))
        close = (gap < 1e-4) & (gap > 1e-10)
        with np.errstate(all="ignore"):
            ratio = np.where(close, gap / E, np.nan)
            worst = np.nanmax(ratio) if np.isfinite(ratio).any() else np.nan
        cell = f"{hit[0]}, {gap[hit[0]]:.1e}" if hit.size else "-, -"
        out.append(f"{cell}, {worst:.1f}")
    return "| " + " | ".join(out) + " |"


def datasets(real):
    from bench_stopping import bundled_sets

    yield from bundled_sets("raw", "std")
    X, y = make_classification(20000, 50, n_informative=20, random_state=0)
    yield "synthetic 20000×50", X, y
    X, y = make_classification(20000, 200, n_informative=40, n_classes=3, random_state=0)
    X[np.abs(X) < 1.5] = 0.0
    yield "synthetic CSR 3 classes", sp.csr_matrix(X), y
    X, y = make_classification(5000, 500, n_informative=50, random_state=1)
    yield "synthetic 5000×500", X, y
    if real:
        import datasets as ds

        for key in ("pd_speech", "tissue", "cells", "credit", "movies", "diamonds"):
            X, y, _ = getattr(ds, key)()
            yield f"{key} raw", X, y
            yield f"{key} std", StandardScaler(with_mean=not sp.issparse(X)).fit_transform(X), y


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--real", action="store_true")
    p.add_argument("--target", type=float, default=1e-6)
    p.add_argument("--long-iter", type=int, default=3000)
    p.add_argument("--settings", default="default")
    a = p.parse_args()
    settings = {"default": [{}], "all": [{}, {"C": 0.01}, {"C": 100.0},
                                         {"l1_ratio": 0.5}]}[a.settings]
    print(f"target {a.target:g}: | set | default: iter, true gap | "
          + " | ".join(f"{e}: iter, true gap, worst true/E"
                       for e in [f"curv{w}" for w in WINDOWS] + [f"aitken{m}" for m in AITKEN])
          + " |")
    for name, X, y in datasets(a.real):
        for params in settings:
            print(analyse(name, X, y, a.target, a.long_iter, **params), flush=True)


if __name__ == "__main__":
    main()
