"""The bulk's check from the candidate columns' non-zeros, against the base revision
(same process).

Where a fit stops "converged" with a duality gap that certifies nothing (a large C), the
estimator asks whether a few far rows set some column's spread
(:func:`gdlogreg._problem.bulk_moments`). On one-hot and count columns every rare id or
word is a candidate. The base read each candidate over all n rows and sorted them twice;
the new code skips a column whose zeros hold more than half the weight and reads the
others' non-zeros (CSR: one read for all). Prints, per set: the check alone and the
default fit, new and base interleaved (process time, medians of ``--repeats``), and the
fits' J apart.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/bulk_samples_ab.py --base d371ee3
"""

import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench_ab import ab_setup  # noqa: E402
from datasets import _rdata, load  # noqa: E402

import gdlogreg  # noqa: E402
import gdlogreg._problem  # noqa: E402


def sets():
    from sklearn.feature_extraction.text import CountVectorizer

    X, y, _ = load("movielens")
    yield "movielens 100,004 × 9,753 CSR one-hot", X, y, 1e6
    yield "movielens 100,004 × 9,753 CSR one-hot", X, y, 1e4
    df = _rdata("dslabs", "trump_tweets")
    df = df[df["source"].isin(["Twitter for Android", "Twitter for iPhone"])]
    y = (df["source"] == "Twitter for Android").to_numpy(int)
    X = CountVectorizer(max_features=4000).fit_transform(df["text"].astype(str))
    yield "trump tweets 8,614 × 4,000 CSR counts", X.astype(np.float64).tocsr(), y, 1e4
    rng = np.random.default_rng(0)
    n, ids = 200_000, 2_000
    codes = rng.integers(0, ids, size=n)
    X = np.zeros((n, 12))
    X[:, :10] = rng.normal(size=(n, 10))
    X[:, 10] = (codes < 5).astype(float)  # rare ids, dense
    X[:, 11] = rng.poisson(0.01, size=n)
    y = (X[:, 0] + rng.normal(size=n) < 0).astype(int)
    yield "dense 200,000 × 12 with rare indicator and count columns", X, y, 1e6


def timed(fn):
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def main(argv=None):
    args, base = ab_setup(__doc__, argv)
    print("| set | check new s | check base s | fit new s | fit base s | iterations | J apart |")
    print("|---|---|---|---|---|---|---|")
    for name, X, y, C in sets():
        times = {k: [] for k in ("cn", "cb", "fn", "fb")}
        for _ in range(args.repeats):
            for key, mod in (("n", gdlogreg), ("b", base)):
                problem = sys.modules[mod.__name__ + "._problem"]
                p = problem.make_problem(X, y, None, 2, C=C, l1_ratio=0.0, fit_intercept=True)
                t, bulk = timed(lambda problem=problem, p=p: problem.bulk_moments(p))
                times["c" + key].append(t)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    t, est = timed(lambda mod=mod, C=C, X=X, y=y:
                                   mod.GradientDescentLogisticRegression(C=C).fit(X, y))
                times["f" + key].append(t)
                if key == "n":
                    new, found = est, sorted(bulk)
                else:
                    old, found_base = est, sorted(bulk)
        assert found == found_base, (found, found_base)
        med = {k: statistics.median(v) for k, v in times.items()}
        J0, J1 = new.loss_curve_[-1], old.loss_curve_[-1]
        print(f"| {name}, C = {C:g} | {med['cn']:.3f} | {med['cb']:.3f} | {med['fn']:.2f} | "
              f"{med['fb']:.2f} | {new.n_iter_[0]}, {old.n_iter_[0]} | "
              f"{abs(J0 - J1) / J1:.1e} |", flush=True)


if __name__ == "__main__":
    main()
