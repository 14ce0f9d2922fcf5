"""CSC X's Grams by blocks of rows, against the base revision (same process).

CSC X of sorted row indices now gives its blocks of rows as CSR (binary searches in each
column, ``_backends._array._sparse_rows``), so that its metric takes are CSR X's (before:
p products with X a take, or no take). Default fits of CSC X, new and base, interleaved,
process time, medians of ``--repeats``; iterations and the relative gap of the final J
to the lower of the two.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/csc_rows_ab.py --base 60b762c
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parent.parent))
sys.path.insert(0, str(HERE.parent.parent / "tests"))

from bench_ab import load_base  # noqa: E402
from datasets import load  # noqa: E402

import gdlogreg  # noqa: E402


def sets():
    from sklearn.datasets import load_digits
    from test_review174 import _routes

    rng = np.random.default_rng(0)
    X, y = _routes(5)
    yield "routes 4,000 × 83, 16 classes, C = 100", X, y, {"C": 100.0}
    yield "routes, solver='lbfgs', C = 100", X, y, {"C": 100.0, "solver": "lbfgs"}
    Xd, yd = load_digits(return_X_y=True)
    yield "digits 1,797 × 64, 10 classes", Xd, yd, {}
    A = sp.random(100_000, 1_000, density=0.01, random_state=1, format="csr")
    z = A @ rng.normal(size=1_000)
    yield "random 100,000 × 1,000 (1 %), binary", A, (z > 0).astype(int), {}
    yield "random 100,000 × 1,000 (1 %), 5 classes", A, np.digitize(
        z, np.quantile(z, [0.2, 0.4, 0.6, 0.8])), {}
    for name in ("flights_carrier", "tweets", "movielens"):
        X, y, description = load(name)
        yield description.split(":")[0][:60], sp.csr_matrix(X), y, {}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    base = load_base(args.base)
    print("| data (CSC) | iterations new, base | J new vs base | s new, base | new / base |")
    print("|---|---|---|---|---|")
    for name, X, y, kw in sets():
        X = sp.csc_matrix(X)
        times, fits = {"new": [], "base": []}, {}
        for r in range(args.repeats):
            order = [("new", gdlogreg), ("base", base)]
            for tag, mod in order if r % 2 == 0 else order[::-1]:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t = time.process_time()
                    fits[tag] = mod.GradientDescentLogisticRegression(**kw).fit(X, y)
                    times[tag].append(time.process_time() - t)
        Jn, Jb = fits["new"].loss_curve_[-1], fits["base"].loss_curve_[-1]
        tn, tb = statistics.median(times["new"]), statistics.median(times["base"])
        print(f"| {name} | {fits['new'].n_iter_[0]}, {fits['base'].n_iter_[0]} | "
              f"{(Jn - Jb) / Jb:+.1e} | {tn:.3f}, {tb:.3f} | {tn / tb:.2f} |", flush=True)


if __name__ == "__main__":
    main()
