"""The whole Hessian of K classes up to 2,048 coordinates: this checkout against a base
revision on review 141's nearly separable classes, raw digits and synthetic softmax sets
(iterations, stop, relative gap to a newton-cholesky J*, process time: medians of
interleaved repeats).

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/class_whole_ab.py REV [REPEATS]
"""

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1] / "tests"))

from bench_ab import load_base  # noqa: E402
from test_review141 import _rel_gap, _weighted_data  # noqa: E402

import gdlogreg  # noqa: E402


def synth(n, p, K, sep, seed):
    """Raw features of lognormal scales, labels drawn from a softmax of separation sep."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * rng.lognormal(0, 1, p)
    Z = (X / X.std(0)) @ rng.standard_normal((p, K)) * sep / np.sqrt(p)
    return X, np.argmax(Z + rng.gumbel(size=Z.shape), 1)


def cases():
    Xd, yd = load_digits(return_X_y=True)
    for C in (1.0, 1e3, 1e5):
        yield f"digits raw C={C:g}", Xd, yd, None, C
    for seed in range(12):
        X, y, s = _weighted_data(10, 60, seed)
        yield f"review 141 seed {seed} C=1e4", X, y, s, 1e4
    shapes = [(1000, 60, 10, 6), (2000, 100, 8, 8), (3000, 50, 20, 5), (800, 120, 6, 10),
              (5000, 200, 5, 6)]
    for n, p, K, sep in shapes:
        X, y = synth(n, p, K, sep, 0)
        for C in (1.0, 1e4):
            yield f"synth {n}x{p} K={K} C={C:g}", X, y, None, C


def main():
    base = load_base(sys.argv[1])
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    warnings.simplefilter("ignore")
    ratios = []
    for name, X, y, s, C in cases():
        times, out = {"new": [], "base": []}, {}
        for r in range(repeats):
            for key in ("new", "base") if r % 2 == 0 else ("base", "new"):
                est = (gdlogreg if key == "new" else base).GradientDescentLogisticRegression(C=C)
                t = time.process_time()
                out[key] = est.fit(X, y, sample_weight=s)
                times[key].append(time.process_time() - t)
        live = np.ones(len(y), bool) if s is None else s > 0
        sl = None if s is None else s[live]
        gap = {k: _rel_gap(m, X[live], y[live], C, sl) for k, m in out.items()}
        med = {k: statistics.median(v) for k, v in times.items()}
        ratios.append(med["new"] / med["base"])
        a, b = out["base"], out["new"]
        print(f"{name:32s} its {a.n_iter_[0]:5d} -> {b.n_iter_[0]:5d}  "
              f"{a.stop_reason_}/{b.stop_reason_}  gap {gap['base']:.1e} -> {gap['new']:.1e}  "
              f"{med['base']:.3f} -> {med['new']:.3f} s ({ratios[-1]:.2f})", flush=True)
    print(f"median {statistics.median(ratios):.2f}, range {min(ratios):.2f}-{max(ratios):.2f}")


if __name__ == "__main__":
    main()
