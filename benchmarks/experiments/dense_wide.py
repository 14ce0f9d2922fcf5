"""Dense X of 513 to 2,048 coordinates and at least as many rows, against a base revision.

Such X had no metric of whitened steps (too wide for the p × p one, too tall for the
factored one) until the wide metric (``Objective._wide_kind``); this runs the default fit of
this checkout and of ``--base`` in one process on synthetic families of that shape, and
``LogisticRegression()`` beside them: Gaussian columns (``iid``), a factor model of p/10
factors (``factor``, correlated like embeddings), the same on raw scales 1e-2 to 1e2
(``scaled``), 0/1 columns of Zipf frequencies (``binary``: bag of words kept dense); raw and
standardized, C = 0.01, 1, 1e3. Prints iterations, the relative J change, process times
(medians of interleaved repeats) and LR()'s time.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/dense_wide.py --base REV [--repeats 3] [--quick]
            [--solver lbfgs]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

SHAPES = [(3000, 600, 2), (6000, 784, 10), (2500, 1000, 2), (8000, 1024, 3), (4000, 1500, 2),
          (2100, 2000, 5)]
QUICK = [(3000, 600, 2), (2500, 1000, 3)]


def make(family, n, p, K, seed=0):
    rng = np.random.default_rng(seed)
    if family == "binary":
        freq = 0.3 / np.arange(1, p + 1) ** 0.7
        X = (rng.random((n, p)) < freq).astype(np.float64)
    else:
        X = rng.standard_normal((n, p))
        if family in ("factor", "scaled"):
            f = max(p // 10, 1)
            L = rng.standard_normal((p, f)) / np.sqrt(f)
            X = 0.3 * X + rng.standard_normal((n, f)) @ L.T
        if family == "scaled":
            X *= np.exp(rng.uniform(np.log(1e-2), np.log(1e2), p))
    W = rng.standard_normal((p, K)) * 3.0 / np.sqrt(p)
    Z = StandardScaler().fit_transform(X) @ W
    y = np.argmax(Z + rng.gumbel(size=Z.shape), axis=1)
    return X, y


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--C", default="0.01,1,1000")
    ap.add_argument("--solver", default="bb")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    base = load_base(a.base).GradientDescentLogisticRegression
    contenders = {"base": base, "new": GradientDescentLogisticRegression}
    ratios, over_lr = [], {"base": [], "new": []}
    print("family | prep | C | n × p, K | iterations base → new | J new/base - 1 | "
          "time base → new s (ratio) | LR() s")
    for n, p, K in QUICK if a.quick else SHAPES:
        for family in ("iid", "factor", "scaled", "binary"):
            X0, y = make(family, n, p, K)
            for prep in ("raw", "std"):
                X = StandardScaler().fit_transform(X0) if prep == "std" else X0
                for C in (float(c) for c in a.C.split(",")):
                    times = {k: [] for k in (*contenders, "LR")}
                    fits = {}
                    for _ in range(a.repeats):
                        for k, cls in contenders.items():
                            t = time.process_time()
                            fits[k] = cls(C=C, solver=a.solver).fit(X, y)
                            times[k].append(time.process_time() - t)
                        t = time.process_time()
                        LogisticRegression(C=C).fit(X, y)
                        times["LR"].append(time.process_time() - t)
                    t = {k: float(np.median(v)) for k, v in times.items()}
                    it = {k: int(m.n_iter_.max()) for k, m in fits.items()}
                    J = {k: m.loss_curve_[-1] for k, m in fits.items()}
                    ratios.append(t["new"] / t["base"])
                    for k in over_lr:
                        over_lr[k].append(t[k] / t["LR"])
                    print(f"{family} | {prep} | {C:g} | {n} × {p}, {K} | {it['base']} → "
                          f"{it['new']} | {(J['new'] - J['base']) / abs(J['base']):.1e} | "
                          f"{t['base']:.3f} → {t['new']:.3f} ({ratios[-1]:.2f}) | "
                          f"{t['LR']:.3f}", flush=True)
    print(f"\n{len(ratios)} fits; time new / base median {np.median(ratios):.2f}, range "
          f"{min(ratios):.2f}-{max(ratios):.2f}; over LR(): base median "
          f"{np.median(over_lr['base']):.2f} (worst {max(over_lr['base']):.2f}), new "
          f"{np.median(over_lr['new']):.2f} (worst {max(over_lr['new']):.2f})")


if __name__ == "__main__":
    main()
