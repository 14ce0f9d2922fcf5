"""Gaps to J* of ``GradientDescentLogisticRegression(C=C, solver=...)`` of this checkout
and of a base revision, on rows that ``iteration_ab.py`` printed (its sets, by name,
preparation and C):
J* is the least of the two fits' J and of our lbfgs and bb at tol = 1e-13 (20,000
iterations).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 GDLOGREG_BENCH_CACHE=... \\
        python benchmarks/experiments/gap_ab.py --base REV [--solver S] "dplyr/storms|raw|1000" ...
"""

import argparse
import sys
import warnings
from pathlib import Path

from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

import iteration_ab  # noqa: E402
from bench_ab import load_base  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

GROUPS = "bench,wide,mid,u1,u2,um,oh,sparse"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("rows", nargs="+", help='"name|raw or std or as built|C"')
    ap.add_argument("--solver", default="bb")
    a = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    base = load_base(a.base).GradientDescentLogisticRegression
    new = GradientDescentLogisticRegression
    want = {}
    for row in a.rows:
        name, prep, C = row.split("|")
        want.setdefault(name, []).append((prep, float(C)))
    print("set | prep | C | base: iterations, gap | new: iterations, gap")
    for name, X, y, sw in iteration_ab.sets(set(GROUPS.split(","))):
        for prep, C in want.get(name, ()):
            Xp = StandardScaler().fit_transform(X) if prep == "std" else X
            fits = [cls(C=C, solver=a.solver).fit(Xp, y, sample_weight=sw)
                    for cls in (base, new)]
            J = [m.loss_curve_[-1] for m in fits]
            J_star = min(J + [new(C=C, solver=s, tol=1e-13, max_iter=20000).fit(
                Xp, y, sample_weight=sw).loss_curve_[-1] for s in ("lbfgs", "bb")])
            cells = [f"{int(m.n_iter_.max())}, {(j - J_star) / J_star:.1e}"
                     for m, j in zip(fits, J, strict=True)]
            print(f"{name} | {prep} | {C:g} | {cells[0]} | {cells[1]}", flush=True)


if __name__ == "__main__":
    main()
