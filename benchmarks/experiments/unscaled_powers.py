"""Default fits on unscaled powers of one column (review 190): how many stop "converged"
above the promise (J - J* > tol/10 · J*), this tree against a base revision.

Engel-like data (tests/test_review190.py's ``_powers``): a lognormal column f (its median
about 665, like Engel's food expenditure), X = f¹ … f⁶ raw (up to 1e19), y = a noisy
income above its median, 235 rows; per seed C = 1 and 1e4, with and without exponential
sample weights (a fifth of them 0). J* is the lower of the default fit's J and a fit at
tol = 1e-10 (max_iter 20,000) of the same tree. Deterministic (no timing).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/unscaled_powers.py \\
        [--base REV] [--seeds 40]

The findings are in benchmarks/README.md, "Plateaus in float64".
"""

import argparse
import sys
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parents[1] / "tests"))

from test_review190 import _powers  # noqa: E402

import gdlogreg  # noqa: E402


def above_promise(mod, seeds):
    """The fits (seed, C, weighted, gap, iterations) that say converged above tol/10."""
    bad, iterations = [], 0
    for seed in range(seeds):
        X, y, sw = _powers(seed)
        for C, w in ((1.0, sw), (1e4, sw), (1e4, None), (1.0, None)):
            model = mod.GradientDescentLogisticRegression(C=C).fit(X, y, sample_weight=w)
            tight = mod.GradientDescentLogisticRegression(C=C, tol=1e-10, max_iter=20_000).fit(
                X, y, sample_weight=w)
            J = model.loss_curve_[-1]
            J_star = min(J, tight.loss_curve_[-1])
            iterations += int(model.n_iter_[0])
            gap = (J - J_star) / J_star
            if model.converged_ and gap > 1e-6:
                bad.append((seed, C, w is not None, float(f"{gap:.2g}"), int(model.n_iter_[0])))
    return bad, iterations


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", help="a git revision to compare with")
    ap.add_argument("--seeds", type=int, default=40)
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    variants = [("this tree", gdlogreg)]
    if a.base:
        from bench_ab import load_base

        variants.insert(0, (a.base, load_base(a.base)))
    for name, mod in variants:
        bad, iterations = above_promise(mod, a.seeds)
        print(f"{name}: {len(bad)} of {4 * a.seeds} fits 'converged' above the promise "
              f"(default fits' iterations: {iterations})")
        for seed, C, weighted, gap, n_iter in bad:
            print(f"   seed {seed}, C = {C:g}, weighted {weighted}: {gap:.2g} above J*, "
                  f"{n_iter} iterations")


if __name__ == "__main__":
    main()
