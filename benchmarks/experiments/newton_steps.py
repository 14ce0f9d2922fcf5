"""Would Newton's method (the metric retaken at every iteration) beat bb's spectral steps
between takes? Three variants of ``GradientDescentLogisticRegression()`` against the
default, interleaved in one process at one BLAS thread (process time, medians):

- ``lowrank1``: the factored metric of two classes (:class:`LowRankMetric`, few rows or
  more coordinates than rows) retaken at every iteration, where its rent-or-buy ``every``
  retakes it once the iterations have cost a take;
- ``newton``: every metric that is J's Hessian where taken (two classes; bb's
  ``exact_metric``) retaken at every iteration: damped Newton from the first take on;
- ``unit``: the step 1 (Newton's) in a held exact metric instead of the spectral one.

The variants patch the library's rules in this process (``bb.stale_metric``,
``LowRankMetric.__init__``, ``BarzilaiBorwein.next_step``); each row prints the
iterations, the relative gap to J* (ours at tol=1e-12) and the time of each, and the
ratio of the variant's time to the default's.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/newton_steps.py --variant lowrank1
    python benchmarks/experiments/newton_steps.py --variant newton --sets breast_cancer,cells
"""

import argparse
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

import gdlogreg._objective as objective_module  # noqa: E402
import gdlogreg._steps.bb as bb  # noqa: E402
from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

SETS = "pd_speech,breast_cancer,cells,credit,wine,tissue,digits"
# (n, p) of the synthetic two-class sets: raw (columns of 1e-1.3 to 1e1.3), standardized
# normal, and correlated columns with an offset
SHAPES = [(200, 800), (400, 1200), (100, 2000), (250, 250), (150, 100), (800, 1000),
          (1000, 3000), (60, 300), (500, 700)]
ON = {"flag": False}


def _patch(variant):
    """Install the variant's rule, active while ON["flag"] is set."""
    if variant == "lowrank1":
        init = objective_module.LowRankMetric.__init__

        def patched(self, *args, **kw):
            init(self, *args, **kw)
            if ON["flag"] and math.isfinite(self.every):
                self.every = 1
        objective_module.LowRankMetric.__init__ = patched
    elif variant == "newton":
        stale = bb.stale_metric

        def patched(has_metric, step, since, exact, every=math.inf, gap=0):
            if ON["flag"]:
                return has_metric & exact & (since >= 1)
            return stale(has_metric, step, since, exact, every, gap)
        bb.stale_metric = patched
    else:
        step = bb.BarzilaiBorwein.next_step

        def patched(self, objective, point, new, q, qq, lam):
            t = step(self, objective, point, new, q, qq, lam)
            held = self._P is not None and bb.exact_metric(self._P, objective.coef_shape[1])
            return 1.0 if ON["flag"] and held and bb.decrement(self._P) else t
        bb.BarzilaiBorwein.next_step = patched


def _real(names):
    import bench_real_ab

    for name in names:
        X, y = bench_real_ab.load(name)
        yield name, X, y
        yield f"{name} std", StandardScaler().fit_transform(X), y


def _synthetic():
    rng = np.random.default_rng(0)
    for n, p in SHAPES:
        for kind in ("raw", "std", "corr"):
            X = rng.standard_normal((n, p))
            if kind == "raw":
                X *= np.exp(rng.uniform(-3, 3, p))
            if kind == "corr":
                mix = np.eye(p) + 0.3 * rng.standard_normal((p, p)) / np.sqrt(p)
                X = X @ mix + rng.standard_normal((n, 1))
            s = (X[:, :10] / X[:, :10].std(axis=0)).sum(axis=1) + rng.standard_normal(n)
            yield f"{n}x{p} {kind}", X, (s > np.median(s)).astype(int)


def _row(name, X, y, C, repeats):
    J_star = GradientDescentLogisticRegression(C=C, tol=1e-12, max_iter=5000).fit(
        X, y).loss_curve_[-1]
    times, last = {False: [], True: []}, {}
    for r in range(repeats):
        for flag in (False, True) if r % 2 == 0 else (True, False):
            ON["flag"] = flag
            t = time.process_time()
            m = GradientDescentLogisticRegression(C=C).fit(X, y)
            times[flag].append(time.process_time() - t)
            last[flag] = (int(np.max(m.n_iter_)), (m.loss_curve_[-1] - J_star) / J_star)
    ON["flag"] = False
    ratio = statistics.median(times[True]) / statistics.median(times[False])
    cells = "  ".join(f"{'variant' if f else 'default'}: {last[f][0]} it, gap {last[f][1]:.0e}, "
                      f"{1e3 * statistics.median(times[f]):.1f} ms" for f in (False, True))
    print(f"{name:>24} C={C:g}  {cells}  ratio {ratio:.2f}", flush=True)
    return ratio


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", choices=("lowrank1", "newton", "unit"), default="lowrank1")
    ap.add_argument("--sets", default=SETS, help="real sets ('' for none)")
    ap.add_argument("--synthetic", action="store_true", help="the synthetic shapes too")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    _patch(a.variant)
    warnings.simplefilter("ignore")
    sets = list(_real([s for s in a.sets.split(",") if s]))
    if a.synthetic:
        sets += list(_synthetic())
    ratios = []
    with threadpool_limits(1):
        for name, X, y in sets:
            for C in (0.01, 1.0, 100.0):
                ratios.append(_row(name, X, y, C, a.repeats))
    print(f"variant / default over {len(ratios)} fits: median {np.median(ratios):.2f}, "
          f"best {min(ratios):.2f}, worst {max(ratios):.2f}")


if __name__ == "__main__":
    main()
