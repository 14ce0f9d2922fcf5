"""Same-process A/B of the default fit on the real data sets, against another git revision.

For each set of ``datasets.py`` (and scikit-learn's breast_cancer, wine, digits), raw and
after ``StandardScaler`` (without centring for sparse X), three contenders fit with their
defaults, interleaved (order reversed every other round), in one process at one BLAS
thread (``--threads 0``: the machine's default): this checkout's
``GradientDescentLogisticRegression``, the other revision's (``bench_ab.load_base``) and
``LogisticRegression``. Printed per row (markdown): the iterations of new and base, the
relative gaps (J − J*)/J* of the three (J* their lowest J, or a tight fit's on small sets),
the median times, new/base and both over LR(); then the median and worst time ratio
over LR().

    python benchmarks/bench_real_ab.py --base 6b3a20a --datasets breast_cancer,digits --repeats 5
    python benchmarks/bench_real_ab.py --base b99bf4a --solver lbfgs   # ours with another solver
"""

import argparse
import contextlib
import functools
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

SKLEARN_SETS = ("breast_cancer", "wine", "digits")
# J* is the lowest J of the contenders and, on sets of at most this many entries, of ours
# at tol=1e-12 (the contenders can all stop above J*: raw pd_speech, 1e-2 both).
REFERENCE_ENTRIES = 1_000_000


def load(name):
    """(X, y) of a set of datasets.py or of scikit-learn's bundled ones."""
    if name in SKLEARN_SETS:
        import sklearn.datasets

        return getattr(sklearn.datasets, f"load_{name}")(return_X_y=True)
    import datasets

    X, y, _ = datasets.load(name)
    return X, y


def compare(name, X, y, contenders, repeats, objective):
    """The markdown rows of one set (raw and scaled) and their time ratios over LR()."""
    from sklearn.preprocessing import StandardScaler

    out = []
    for scaled in (False, True):
        Xs = StandardScaler(with_mean=not hasattr(X, "toarray")).fit_transform(X) if scaled else X
        rounds = repeats if X.shape[0] * X.shape[1] < 3e6 else 1
        times, fits = {k: [] for k in contenders}, {}
        for r in range(rounds):
            for key, cls in list(contenders.items())[:: 1 if r % 2 == 0 else -1]:
                t0 = time.perf_counter()
                fits[key] = cls().fit(Xs, y)
                times[key].append(time.perf_counter() - t0)
        J = {k: objective(m, Xs, y) for k, m in fits.items()}
        J_star = min(J.values())
        if X.shape[0] * X.shape[1] <= REFERENCE_ENTRIES:  # J* of a tight fit too (untimed)
            tight = contenders["new"](tol=1e-12, max_iter=20_000).fit(Xs, y)
            J_star = min(J_star, objective(tight, Xs, y))
        gap = {k: (v - J_star) / abs(J_star) for k, v in J.items()}
        it = {k: int(np.max(m.n_iter_)) for k, m in fits.items()}
        t = {k: statistics.median(v) for k, v in times.items()}
        out.append((
            f"| {name} | {'scaled' if scaled else 'raw'} | {it['new']}, {it['base']} | "
            f"{gap['new']:.0e}, {gap['base']:.0e}, {gap['LR']:.0e} | "
            f"{t['new'] * 1e3:,.1f}, {t['base'] * 1e3:,.1f}, {t['LR'] * 1e3:,.1f} | "
            f"{t['new'] / t['base']:.2f} | {t['new'] / t['LR']:.2f}, {t['base'] / t['LR']:.2f} |",
            t["new"] / t["LR"], t["base"] / t["LR"],
        ))
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="git revision of the baseline")
    p.add_argument("--datasets", default="breast_cancer,wine,digits,cells,credit,tissue,"
                   "pd_speech,movies,diamonds,flights_delay")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--solver", default=None, help="ours (new and base) with this solver")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS threads (threadpoolctl); 0: the machine's default")
    args = p.parse_args(argv)
    if args.threads:  # (at the default, scipy's OpenBLAS must start with its own threads)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", str(args.threads))
    from bench_ab import load_base
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    import gdlogreg
    from gdlogreg._cli import objective

    base = load_base(args.base)
    ours = {} if args.solver is None else {"solver": args.solver}
    contenders = {"new": functools.partial(gdlogreg.GradientDescentLogisticRegression, **ours),
                  "base": functools.partial(base.GradientDescentLogisticRegression, **ours),
                  "LR": LogisticRegression}
    print("| set | data | iterations new, before | gap new, before, LR() | "
          "ms new, before, LR() | new / before | new / LR(), before / LR() |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    limit = threadpool_limits(args.threads) if args.threads else contextlib.nullcontext()
    with limit, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in filter(None, args.datasets.split(",")):
            X, y = load(name)
            for line, a, b in compare(name, X, y, contenders, args.repeats, objective):
                print(line, flush=True)
                ratios.append((a, b))
    new, old = [r[0] for r in ratios], [r[1] for r in ratios]
    print(f"\nTime over LogisticRegression()'s, {len(ratios)} rows: median "
          f"{statistics.median(new):.2f} (before {statistics.median(old):.2f}), worst "
          f"{max(new):.2f} ({max(old):.2f})")


if __name__ == "__main__":
    main()
