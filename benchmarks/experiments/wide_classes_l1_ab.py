"""K-class L1 fits of sparse X: the support's Hessian from the Gram of its columns.

J's Hessian on the weights' support confirms an L1 stop (review 189). For K classes of
sparse X it was never taken (the class Hessian of sparse X is built by products, p of
them), so the gradient tests stopped alone and pure L1 at a large C stood "converged" up
to 7e-6 above J* on wide CSR. It is now taken on the support from K(K + 1)/2 Grams of
the support's columns (stop 86, ``Objective._class_bound_on_support``). Each fit runs at
``--base`` (imported in the same process) and at this tree. ``--unsorted-csc``: X given
as CSC whose row indices run backwards in each column (stop 87: such X took no support
take in K classes, and in two classes one by products that was never paid).

Data: random CSR X (n rows in [200, 600), d columns in [2,200, 4,000), density 1 %, values
Poisson(2) + 1; K classes from a noisy linear model), seeds ``--seeds``, K in
``--classes``; C = 100 and 1e4; l1_ratio 1 and 0.5; float64 and float32. J* the least J
of a fit at ``tol=0`` (``max_iter`` 20,000) and the two. Per mode: fits "converged" more
than 1e-6 above J*, fits at ``max_iter``, iterations, process time.

    OMP_NUM_THREADS=1 python benchmarks/experiments/wide_classes_l1_ab.py \\
        [--base REV] [--seeds 0:6] [--classes 3,5] [--unsorted-csc]
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from wide_sparse_l1_ab import ab_fit, ab_modes, report  # noqa: E402

import gdlogreg  # noqa: E402


def synthetic(seed, k):
    r = np.random.RandomState(seed)
    n, d = r.randint(200, 600), r.randint(2200, 4000)
    X = sp.random(n, d, density=0.01, random_state=seed, format="csr")
    X.data[:] = r.poisson(2, X.nnz) + 1.0
    y = np.argmax(X @ r.randn(d, k) + 0.3 * r.randn(n, k), axis=1)
    return f"random{seed} K={k} {n}x{d}", X, y


def backwards_csc(X):
    """X as CSC whose row indices run backwards in each column (unsorted)."""
    C = sp.csc_matrix(X)
    order = np.concatenate([np.arange(C.indptr[j], C.indptr[j + 1])[::-1]
                            for j in range(C.shape[1])])
    return sp.csc_matrix((C.data[order], C.indices[order], C.indptr), shape=C.shape)


def J_of(X, y, model, C, rho):
    W, b = model.coef_.astype(np.float64).T, model.intercept_.astype(np.float64)
    Z = X @ W + b
    if W.shape[1] == 1:  # two classes: the logistic loss of the one column
        loss = np.logaddexp(0.0, -np.where(y == 1, 1.0, -1.0) * Z[:, 0]).mean()
        return loss + (0.5 * (1 - rho) * (W * W).sum() + rho * np.abs(W).sum()) / (C * len(y))
    Z -= Z.max(axis=1, keepdims=True)
    loss = (np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), y]).mean()
    return loss + (0.5 * (1 - rho) * (W * W).sum() + rho * np.abs(W).sum()) / (C * len(y))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="abe5ad6")
    ap.add_argument("--seeds", default="0:6")
    ap.add_argument("--classes", default="3,5")
    ap.add_argument("--unsorted-csc", action="store_true")
    args = ap.parse_args()
    lo, hi = map(int, args.seeds.split(":"))
    modes, tot = ab_modes(args.base)
    fits = 0
    for k in map(int, args.classes.split(",")):
        for seed in range(lo, hi):
            name, X, y = synthetic(seed, k)
            if args.unsorted_csc:
                X = backwards_csc(X)
            for C in (100.0, 1e4):
                for rho in (1.0, 0.5):
                    ref = gdlogreg.GradientDescentLogisticRegression(
                        C=C, l1_ratio=rho, tol=0.0, max_iter=20000).fit(X, y)
                    for dtype in (np.float64, np.float32):
                        ab_fit(modes, tot, f"{name:26s} C={C:<6g} l1={rho}", X, y, C, rho,
                               dtype, J_of, J_of(X, y, ref, C, rho))
                        fits += 1
    print(f"\n{fits} fits")
    report(tot)


if __name__ == "__main__":
    main()
