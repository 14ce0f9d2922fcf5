"""Same-process A/B of the default fit on real8_sweep's CSR preparations (and two of their
standardized twins), against another git revision: iterations, J new / base - 1, process
time (medians of 5 interleaved, the order reversed every other round), one BLAS thread.
``all``: every configuration of real8_sweep.py (59), each timed only where one fit of each
gives other iterations or another J (else a row "same").

    PYTHONPATH=$PWD python benchmarks/experiments/csr_real_ab.py REV [reddit,ames | all]
"""

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import real8_sweep as r8  # noqa: E402
from bench_ab import load_base  # noqa: E402

import gdlogreg  # noqa: E402
from gdlogreg._cli import objective  # noqa: E402

CASES = [
    ("openintro/reddit_finance", "csr", 1.0), ("openintro/reddit_finance", "std", 1.0),
    ("openintro/ames", "csr", 1.0), ("openintro/ames", "std", 1.0),
    ("nlme/Quinidine", "csr", 1.0), ("nlme/Quinidine", "csr", 100.0),
    ("plm/LaborSupply", "csr", 1.0), ("plm/LaborSupply", "csr", 100.0),
    ("AER/Municipalities", "csr", 1.0), ("causaldata/gapminder", "csr", 1.0),
    ("gt/countrypops", "csr", 1.0), ("dragracer/rpdr_contep", "csr", 1.0),
    ("fpp3/us_employment", "csr", 1.0), ("survival/nafld3", "csr", 1.0),
]


def compare(base, name, prep, C, repeats=5, only_changed=False):
    X, y = r8.build(name, prep)
    fits = {"new": lambda: gdlogreg.GradientDescentLogisticRegression(C=C).fit(X, y),
            "base": lambda: base.GradientDescentLogisticRegression(C=C).fit(X, y)}
    if only_changed:
        a, b = fits["new"](), fits["base"]()
        if np.array_equal(a.n_iter_, b.n_iter_) and objective(a, X, y) == objective(b, X, y):
            print(f"| {name} | {prep} | {C:g} | {X.shape[0]}×{X.shape[1]} | same |", flush=True)
            return None
    outs, times = {}, {k: [] for k in fits}
    for r in range(repeats):
        for k in fits if r % 2 == 0 else list(fits)[::-1]:
            t0 = time.process_time()
            outs[k] = fits[k]()
            times[k].append(time.process_time() - t0)
    J = {k: objective(m, X, y) for k, m in outs.items()}
    tn, tb = statistics.median(times["new"]), statistics.median(times["base"])
    it = f"{outs['new'].n_iter_.max()} / {outs['base'].n_iter_.max()}"
    print(f"| {name} | {prep} | {C:g} | {X.shape[0]}×{X.shape[1]}, {len(np.unique(y))} | {it}"
          f" | {J['new'] / J['base'] - 1:.1e} | {1e3 * tn:.1f} | {1e3 * tb:.1f} | {tn / tb:.2f} |",
          flush=True)
    return tn / tb


def main(argv):
    base = load_base(argv[0])
    cases, every = CASES, len(argv) > 1 and argv[1] == "all"
    if every:
        cases = [(name, *c) for name in r8.SETS for c in r8.configs(name)]
    elif len(argv) > 1:
        cases = [c for c in CASES if any(k in c[0] for k in argv[1].split(","))]
    warnings.simplefilter("ignore")
    print("| set | prep | C | shape, K | iterations new / base | J new / base - 1"
          " | ms new | ms base | new / base |")
    print("|---|---|---|---|---|---|---|---|---|")
    with threadpool_limits(1):
        ratios = [compare(base, *case, only_changed=every) for case in cases]
    ratios = [r for r in ratios if r is not None] or [1.0]
    print(f"median new / base {statistics.median(ratios):.2f},"
          f" range {min(ratios):.2f}-{max(ratios):.2f}")


if __name__ == "__main__":
    main(sys.argv[1:])
