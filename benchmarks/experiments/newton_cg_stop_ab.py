"""A stop that no metric confirms asks J's fall along the Newton step of conjugate
gradients in X's own coordinates, against the base revision (same process).

Wide sparse X takes no Hessian at a stop (its price), and the gradient's own direction
does not see the valley of rare words whose rows are certain at a large C. Prints, per
set and solver: the relative gap to J* (a fit at tol=1e-13), the stop reason and the
iterations, new and base, and the default fit's time (process time, medians of
``--repeats``, interleaved; ``--only`` a part of the sets' names).

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/newton_cg_stop_ab.py --base a5b6ffa
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


def counts(seed, classes=2):
    """Word counts of 3,000 texts over a Zipf vocabulary of 1,500, of two classes or
    three: the test's sets."""
    sys.path.insert(0, str(HERE.parents[1] / "tests"))
    from test_jacobi_stop import _counts, _counts_of_classes

    return _counts(seed) if classes == 2 else _counts_of_classes(seed)


def sets():
    from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

    df = _rdata("dslabs", "trump_tweets")
    df = df[df["source"].isin(["Twitter for Android", "Twitter for iPhone"])]
    y = (df["source"] == "Twitter for Android").to_numpy(int)
    text = df["text"].astype(str)
    for mf in (1500, 4000):
        X = CountVectorizer(max_features=mf).fit_transform(text).astype(np.float64).tocsr()
        for C in (1.0, 1e2, 1e4, 1e6):
            yield f"trump counts {mf}", X, y, C
    X = TfidfVectorizer(min_df=2).fit_transform(text).tocsr()
    for C in (1.0, 1e2, 1e4):
        yield "trump TF-IDF", X, y, C
    for seed in range(4):
        yield f"Zipf counts seed {seed}", *counts(seed), 1e4
    for seed in range(3):
        yield f"Zipf counts, 3 classes, seed {seed}", *counts(seed, 3), 1e4
    for name in ("breast_cancer", "digits", "pd_speech", "tissue", "tweets"):
        X, y, _ = load(name)
        yield name, X, y, 1.0


def main(argv=None):
    args, base = ab_setup(__doc__, argv, solvers="bb,lbfgs", only="")
    print("| set | C | solver | gap new, base | stop new, base | iterations new, base "
          "| time s new, base |")
    print("|---|---|---|---|---|---|---|")
    warnings.simplefilter("ignore")
    for name, X, y, C in sets():
        if args.only not in name:
            continue
        J_star = gdlogreg.GradientDescentLogisticRegression(
            C=C, tol=1e-13, max_iter=30_000).fit(X, y).loss_curve_[-1]
        for solver in args.solvers.split(","):
            times, fits = {"n": [], "b": []}, {}
            for _ in range(args.repeats):
                for key, mod in (("n", gdlogreg), ("b", base)):
                    est = mod.GradientDescentLogisticRegression(C=C, solver=solver)
                    t = time.process_time()
                    fits[key] = est.fit(X, y)
                    times[key].append(time.process_time() - t)
            gap = {k: (m.loss_curve_[-1] - J_star) / J_star for k, m in fits.items()}
            print(f"| {name} | {C:g} | {solver} | {gap['n']:.1e}, {gap['b']:.1e} | "
                  f"{fits['n'].stop_reason_}, {fits['b'].stop_reason_} | "
                  f"{fits['n'].n_iter_[0]}, {fits['b'].n_iter_[0]} | "
                  f"{statistics.median(times['n']):.3f}, "
                  f"{statistics.median(times['b']):.3f} |", flush=True)


if __name__ == "__main__":
    main()
