"""What ``tol`` promises, at every tol a user sets (review 78).

For each problem (real sets of ``benchmarks/datasets.py``, raw and standardized, dense
and CSR, float64 and float32, with and without sample weights, and synthetic
ill-conditioned ones), each C in {1e-3, 1, 100, 1e4}, each l1_ratio in {0, 0.5, 1}
(``"lbfgs"`` takes 0 only), each solver and each tol in {1e-2, 1e-3, 1e-4, 1e-5, 1e-6,
1e-8, 1e-10}, one fit at one thread. J* is the lowest J (``gdlogreg._cli.objective``) of
LogisticRegression(newton-cholesky or lbfgs, tol 1e-12; pure L2 only) and of our bb fit at
tol 1e-12, max_iter 20000. One line per fit that breaks something:

- ``PROMISE``: ``converged_`` with (J - J*)/J* above tol/10 / (1 - tol/10) (the user
  guide's "When does it stop?"; the float32 floor of tol, 50 ε, applied), the ratio
  printed;
- ``ORDER``: a looser tol that took more iterations than a tighter one (same problem and
  solver, both converged); ``IGNORED``: tol >= 1e-3 that stops at the iteration of the
  default 1e-5;
- ``DUALGAP``: ``dual_gap_`` below the true J - J* (it is a certified bound);
  ``CURVE``: len(loss_curve_) not n_iter_ + 1 (+2 with a rollback), loss_curve_[-1] not J
  of the model, ``converged_`` not ``stop_reason_ == "converged"``;
- ``WARN``: a ConvergenceWarning without a max_iter stop, or a max_iter stop without one;
  ``RUNTIME``: a RuntimeWarning leaked.

At the end, a table per tol and solver: fits, converged, the largest and median
(J - J*)/J* of converged fits, the promise, the breaks, the median n_iter_.

Usage::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 GDLOGREG_BENCH_CACHE=... \\
        python benchmarks/experiments/tol_sweep.py [--quick] [--problems a,b]
"""

import argparse
import sys
import time
import warnings
from collections import defaultdict
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from benchmarks.datasets import load  # noqa: E402
from gdlogreg import GradientDescentLogisticRegression  # noqa: E402
from gdlogreg._cli import objective  # noqa: E402

TOLS = [1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-8, 1e-10]
SOLVERS = ["bb", "lbfgs", "gd", "nesterov", "backtracking"]
CS = [1e-3, 1.0, 100.0, 1e4]
RATIOS = [0.0, 0.5, 1.0]


def _std(X):
    return StandardScaler().fit_transform(X)


def _illcond(seed, n=400, d=30, classes=2, decades=4):
    """make_classification with columns spread over ``decades`` decades of scale."""
    X, y = make_classification(n, d, n_informative=d // 3, n_classes=classes,
                               n_clusters_per_class=1, random_state=seed)
    return X * np.logspace(-decades / 2, decades / 2, d), y


def problems():
    """name -> (X, y, sample_weight)."""
    rng = np.random.default_rng(0)
    bc = load_breast_cancer(return_X_y=True)
    wine = load_wine(return_X_y=True)
    out = {
        "bc_std": (_std(bc[0]), bc[1], None),
        "bc_raw": (bc[0], bc[1], None),
        "bc_std_f32": (_std(bc[0]).astype(np.float32), bc[1], None),
        "bc_std_w": (_std(bc[0]), bc[1], rng.uniform(0.1, 3.0, len(bc[1]))),
        "wine_std": (_std(wine[0]), wine[1], None),
        "wine_raw": (wine[0], wine[1], None),
        "wine_std_f32w": (_std(wine[0]).astype(np.float32), wine[1],
                          rng.integers(1, 4, len(wine[1])).astype(float)),
        "ill2": (*_illcond(1), None),
        "ill3": (*_illcond(2, classes=3), None),
        "ill2_f32": (_illcond(3)[0].astype(np.float32), _illcond(3)[1], None),
    }
    X, y, _ = load("digits")
    out["digits_csr"] = (sp.csr_matrix(X), y, None)
    X, y, _ = load("cells")
    out["cells_std"] = (_std(X), y, None)
    X, y, _ = load("tissue")
    out["tissue_std"] = (_std(X), y, None)
    return out


def _J(clf, X, y, w):
    return objective(clf, X.astype(np.float64) if not sp.issparse(X) else X.astype(np.float64),
                     y, w)


def reference(X, y, w, C, r):
    """J*: the lowest of the tight fits."""
    best = np.inf
    Xd = X.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ours = GradientDescentLogisticRegression(C=C, l1_ratio=r, tol=1e-12,
                                                 max_iter=20000).fit(Xd, y, sample_weight=w)
        best = min(best, _J(ours, Xd, y, w))
        if r == 0.0:
            binary = len(np.unique(y)) == 2
            for solver in (["newton-cholesky"] if binary or not sp.issparse(X) else []) + ["lbfgs"]:
                lr = LogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=100000)
                lr.fit(Xd, y, sample_weight=w)
                lr.l1_ratio = 0.0
                best = min(best, _J(lr, Xd, y, w))
    return best


def fit(X, y, w, C, r, solver, tol):
    clf = GradientDescentLogisticRegression(C=C, l1_ratio=r, solver=solver, tol=tol)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y, sample_weight=w)
    conv = sum(issubclass(c.category, ConvergenceWarning) for c in caught)
    rt = sum(issubclass(c.category, RuntimeWarning) for c in caught)
    return clf, conv, rt


def check_fit(clf, J, Jstar, conv, rt, tol, dtype):
    """The breaks of one fit (list of strings) and its relative gap."""
    breaks = []
    rel = (J - Jstar) / Jstar
    eff = max(tol, 50 * np.finfo(dtype).eps)
    promise = 0.1 * eff / (1 - 0.1 * eff)
    slack = 1e-9 if dtype == np.float64 else 1e-6  # J's own rounding
    if clf.converged_ and rel > promise + slack:
        breaks.append(f"PROMISE x{rel / promise:.3g}")
    if not np.isnan(clf.dual_gap_) and clf.dual_gap_ < (J - Jstar) - slack * Jstar:
        breaks.append(f"DUALGAP {clf.dual_gap_:.3g}<{J - Jstar:.3g}")
    n = int(clf.n_iter_[0])
    if len(clf.loss_curve_) not in (n + 1, n + 2):
        breaks.append(f"CURVE len {len(clf.loss_curve_)} n_iter {n}")
    if abs(clf.loss_curve_[-1] - J) > 1e-6 * abs(J) + (1e-10 if dtype == np.float64 else 1e-5):
        breaks.append(f"CURVE last {clf.loss_curve_[-1]:.10g} J {J:.10g}")
    if clf.converged_ != (clf.stop_reason_ == "converged"):
        breaks.append("CURVE converged_/stop_reason_")
    if (conv > 0) != (clf.stop_reason_ == "max_iter"):
        breaks.append(f"WARN {conv} ConvergenceWarning, stop {clf.stop_reason_}")
    if rt:
        breaks.append(f"RUNTIME {rt}")
    return breaks, rel


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="bc_std and wine_std only")
    parser.add_argument("--problems", default="", help="comma-separated names")
    parser.add_argument("--solvers", default=",".join(SOLVERS))
    args = parser.parse_args()
    probs = problems()
    names = args.problems.split(",") if args.problems else list(probs)
    if args.quick:
        names = ["bc_std", "wine_std"]
    solvers = args.solvers.split(",")
    table = defaultdict(list)
    t0 = time.perf_counter()
    for name in names:
        X, y, w = probs[name]
        dtype = X.dtype
        for C in CS:
            for r in RATIOS:
                Jstar = reference(X, y, w, C, r)
                for solver in solvers:
                    if solver == "lbfgs" and r > 0:
                        continue
                    iters = {}
                    for tol in TOLS:
                        clf, conv, rt = fit(X, y, w, C, r, solver, tol)
                        J = _J(clf, X, y, w)
                        breaks, rel = check_fit(clf, J, Jstar, conv, rt, tol, dtype)
                        iters[tol] = (int(clf.n_iter_[0]), clf.converged_)
                        table[tol, solver].append((clf.converged_, rel, int(clf.n_iter_[0]),
                                                   bool(breaks)))
                        for b in breaks:
                            print(f"{name} C={C:g} l1={r:g} {solver} tol={tol:g}: {b}"
                                  f" (rel {rel:.3g}, n_iter {clf.n_iter_[0]},"
                                  f" {clf.stop_reason_}, dual_gap {clf.dual_gap_:.3g})",
                                  flush=True)
                    for loose, tight in zip(TOLS, TOLS[1:], strict=False):
                        (nl, cl), (nt, ct) = iters[loose], iters[tight]
                        if cl and ct and nl > nt:
                            print(f"{name} C={C:g} l1={r:g} {solver}: ORDER tol={loose:g}"
                                  f" {nl} iterations > tol={tight:g} {nt}", flush=True)
                    for loose in (1e-2, 1e-3):
                        (nl, cl), (nd, cd) = iters[loose], iters[1e-5]
                        if cl and cd and nl >= nd and nd > 1:
                            print(f"{name} C={C:g} l1={r:g} {solver}: IGNORED tol={loose:g}"
                                  f" {nl} iterations, default {nd}", flush=True)
        print(f"# {name} done at {time.perf_counter() - t0:.0f} s", flush=True)
    print(f"\n{'tol':>7} {'solver':>12} {'fits':>5} {'conv':>5} {'max rel':>9} "
          f"{'med rel':>9} {'promise':>9} {'breaks':>6} {'med it':>6}")
    for tol in TOLS:
        for solver in solvers:
            rows = table[tol, solver]
            if not rows:
                continue
            rels = [rel for c, rel, _, _ in rows if c]
            print(f"{tol:7.0e} {solver:>12} {len(rows):5d} {len(rels):5d} "
                  f"{max(rels, default=np.nan):9.2e} {np.median(rels) if rels else np.nan:9.2e}"
                  f" {0.1 * tol:9.1e} {sum(b for *_, b in rows):6d}"
                  f" {int(np.median([n for _, _, n, _ in rows])):6d}")


if __name__ == "__main__":
    with threadpool_limits(1):
        main()
