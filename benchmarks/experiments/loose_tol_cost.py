"""What a loose tol buys (review 79): iterations, time and J per solver at tol 1e-2 to 1e-5.

Run under the tree to measure (PYTHONPATH); one JSON line per fit on stdout, so that two
trees (before and after a change) can be compared line by line. Real sets of
``benchmarks/datasets.py``, raw and standardized, CSR (standardized) and float32
(standardized); C in {1, 100}; l1_ratio in {0, 0.5, 1} (lbfgs: 0); one thread.

Usage::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 GDLOGREG_BENCH_CACHE=... PYTHONPATH=<tree> \\
        python benchmarks/experiments/loose_tol_cost.py [--sets a,b] [--solvers a,b] > out.jsonl
"""

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

sys.path.append(str(Path(__file__).resolve().parents[2]))  # after PYTHONPATH: the tree measured
from benchmarks.datasets import load
from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._cli import objective

TOLS = [1e-2, 1e-3, 1e-4, 1e-5]


def variants(X):
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)
    Xs = StandardScaler().fit_transform(X)
    return {"raw": X, "std": Xs, "csr": sp.csr_matrix(Xs), "f32": Xs.astype(np.float32)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sets", default="breast_cancer,wine,digits,cells,credit")
    ap.add_argument("--solvers", default="bb,lbfgs,nesterov,gd,backtracking")
    ap.add_argument("--Cs", default="1,100")
    args = ap.parse_args()
    import gdlogreg
    print(gdlogreg.__file__, file=sys.stderr)
    for name in args.sets.split(","):
        X0, y, _ = load(name)
        for var, X in variants(X0).items():
            for solver in args.solvers.split(","):
                for C in map(float, args.Cs.split(",")):
                    for r in [0.0] if solver == "lbfgs" else [0.0, 0.5, 1.0]:
                        for tol in TOLS:
                            clf = GradientDescentLogisticRegression(
                                C=C, l1_ratio=r, solver=solver, tol=tol)
                            with warnings.catch_warnings():
                                warnings.simplefilter("ignore", ConvergenceWarning)
                                t = time.perf_counter()
                                clf.fit(X, y)
                                t = time.perf_counter() - t
                            print(json.dumps(dict(
                                set=name, var=var, solver=solver, C=C, r=r, tol=tol,
                                it=int(np.max(clf.n_iter_)), t=t, conv=bool(clf.converged_),
                                J=float(objective(clf, X, y)))), flush=True)


if __name__ == "__main__":
    main()
