"""H's diagonal metric on and off: which fits it helps and which it hurts.

Where no H⁻¹ applies (sparse X of more than MAX_WHITENED coordinates or of few rows, dense
X too wide for both the p × p and the factored metric), bb's steps take H's diagonal
(:meth:`gdlogreg._objective.Objective._diagonal_metric`). This runs each fit of
iteration_ab.py's groups twice in this process, as the code is ("diag") and with that metric refused
("plain"), and prints the fits whose iterations differ: iterations, J's relative
difference, and with ``--repeats`` the median process times.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/diagonal_ab.py --groups oh,sparse,r6 [--repeats 3]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

import iteration_ab  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression, _objective  # noqa: E402

ON = _objective.Objective._diagonal_metric


def _off(self, keep, rows, z, previous=None):
    return None


def fit(mode, C, X, y, sw, solver):
    _objective.Objective._diagonal_metric = ON if mode == "diag" else _off
    try:
        t = time.process_time()
        m = GradientDescentLogisticRegression(C=C, solver=solver).fit(X, y, sample_weight=sw)
        return m, time.process_time() - t
    finally:
        _objective.Objective._diagonal_metric = ON


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--groups", default="oh,sparse,r6")
    ap.add_argument("--C", default="1,1000")
    ap.add_argument("--solver", default="bb")
    ap.add_argument("--repeats", type=int, default=0)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    rows, differ, total, ratios = 0, 0, {"diag": 0, "plain": 0}, []
    print("set | prep | C | shape, K | iterations diag → plain | J plain/diag - 1 | times")
    for name, X, y, sw in iteration_ab.sets(set(a.groups.split(","))):
        dense = not hasattr(X, "toarray")
        for prep in ("raw", "std") if dense else ("as built",):
            Xp = StandardScaler().fit_transform(X) if prep == "std" else X
            for C in (float(c) for c in a.C.split(",")):
                r = {mode: fit(mode, C, Xp, y, sw, a.solver) for mode in total}
                it = {k: int(m.n_iter_.max()) for k, (m, _) in r.items()}
                rows += 1
                for k in total:
                    total[k] += it[k]
                if it["diag"] == it["plain"]:
                    continue
                differ += 1
                J = {k: m.loss_curve_[-1] for k, (m, _) in r.items()}
                timed = ""
                if a.repeats:
                    t = {k: float(np.median([fit(k, C, Xp, y, sw, a.solver)[1]
                                             for _ in range(a.repeats)])) for k in total}
                    ratios.append(t["plain"] / t["diag"])
                    timed = f" {t['diag']:.3f} → {t['plain']:.3f} s ({ratios[-1]:.2f})"
                print(f"{name} | {prep} | C={C:g} | {Xp.shape[0]} × {Xp.shape[1]}, "
                      f"{len(np.unique(y))} | {it['diag']} → {it['plain']} | "
                      f"{(J['plain'] - J['diag']) / abs(J['diag']):.1e} |{timed}", flush=True)
    print(f"\n{rows} fits, {differ} differ; iterations diag {total['diag']}, plain "
          f"{total['plain']}")
    if ratios:
        print(f"time plain / diag where they differ: median {np.median(ratios):.2f}, "
              f"range {min(ratios):.2f}-{max(ratios):.2f}")


if __name__ == "__main__":
    main()
