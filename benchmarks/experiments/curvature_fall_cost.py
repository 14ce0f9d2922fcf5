"""Review 109: what bb's curvature-fall rule (commit 43dbd83) costs on the benchmark sets.

Each set of benchmarks/datasets.py (raw and standardized; CSR sets as they are) is fitted
by the default solver "bb" at C = 1, 100 and 1e4 (max_iter 3000), once with the rule as
it is and once as it was before 43dbd83 (in the same process: ``curvature_fall`` made 1
and ``BarzilaiBorwein._whiten`` without the curvatures' pass at a take), interleaved,
``--repeats`` times each, process time, one thread; the medians are compared. bb's
``confirms`` is wrapped to count the retakes only the fall forced (the held metric's
decrement alone within CONFIRM·target) and of those the ones the fresh metric accepted
(the Gram was not needed: the held metric would have let the same stop through).

Run (one thread; the large sets take minutes: ``--sets`` picks some)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 GDLOGREG_BENCH_CACHE=/work/devcache \\
        PYTHONPATH=. python benchmarks/experiments/curvature_fall_cost.py --repeats 3
"""

import argparse
import math
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from datasets import LOADERS, load

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._steps import bb as bbm
from gdlogreg._steps._base import vdot

NEW = {"fall": bbm.curvature_fall, "whiten": bbm.BarzilaiBorwein._whiten}
COUNTS = {"forced": 0, "needless": 0}
_confirms = bbm.BarzilaiBorwein.confirms


def _old_whiten(self, objective, point):
    """BarzilaiBorwein._whiten before 43dbd83 (no curvatures' pass at a take)."""
    self.rho = objective.curvature_share(point) if bbm.WHITEN_RHO > 0 else math.nan
    P = bbm.metric_at(objective, point, self._P, self._k, diagonal=True) if not (
        self.rho < bbm.WHITEN_RHO) else None
    if P is not None:
        self._install(P)


def _counting(self, objective, point, target, H=None, **kwargs):
    forced = False
    if self._P is not None and self._refused < bbm.CONFIRMS and bbm.decrement(self._P):
        held = 0.5 * vdot(point.grad, self._metric_of(point, objective.xp), objective.xp)
        forced = held <= bbm.CONFIRM * target < held * bbm.curvature_fall(self._curv, H)
    out = _confirms(self, objective, point, target, H, **kwargs)
    if forced:
        COUNTS["forced"] += 1
        COUNTS["needless"] += bool(out)
    return out


bbm.BarzilaiBorwein.confirms = _counting


def use(version):
    """Make bb's code the rule as it is ("new") or as it was before 43dbd83 ("old")."""
    bbm.curvature_fall = NEW["fall"] if version == "new" else (lambda before, now: 1.0)
    bbm.BarzilaiBorwein._whiten = NEW["whiten"] if version == "new" else _old_whiten


def fit(X, y, C, version):
    use(version)
    COUNTS["forced"] = COUNTS["needless"] = 0
    model = GradientDescentLogisticRegression(C=C, max_iter=3000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.process_time()
        model.fit(X, y)
        t = time.process_time() - t
    return t, int(model.n_iter_[0]), model.stop_reason_, dict(COUNTS)


def cases(names, preps=("raw", "std")):
    for name in names:
        X, y, _ = load(name)
        if "raw" in preps:
            yield name, "raw", X, y
        if "std" in preps and not sp.issparse(X):
            sd = X.std(0)
            yield name, "std", (X - X.mean(0)) / np.where(sd > 0, sd, 1.0), y


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", nargs="*", default=list(LOADERS))
    parser.add_argument("--Cs", nargs="*", type=float, default=[1.0, 100.0, 1e4])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--preps", nargs="*", default=["raw", "std"])
    args = parser.parse_args()
    print("set prep C | n_iter old new | stop | forced needless | s old new (median) | ratio")
    for name, prep, X, y in cases(args.sets, args.preps):
        for C in args.Cs:
            times = {"old": [], "new": []}
            out = {}
            for _ in range(args.repeats):
                for version in ("old", "new"):
                    t, n_iter, stop, counts = fit(X, y, C, version)
                    times[version].append(t)
                    out[version] = (n_iter, stop, counts)
            old, new = (statistics.median(times[v]) for v in ("old", "new"))
            c = out["new"][2]
            print(f"{name} {prep} {C:g} | {out['old'][0]} {out['new'][0]} | {out['new'][1]} | "
                  f"{c['forced']} {c['needless']} | {old:.3f} {new:.3f} | {new / old:.3f}",
                  flush=True)


if __name__ == "__main__":
    main()
