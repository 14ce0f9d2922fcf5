"""Batched search: GradientDescentLogisticRegressionCV against the searches it replaces.

For each data set, the same 5 folds and the same grid Cs = logspace(-4, 4, 10):

- ``ours``: ``GradientDescentLogisticRegressionCV(Cs=Cs, cv=folds)`` (one batch);
- ``LRCV``: ``LogisticRegressionCV(Cs=Cs, cv=folds, solver="lbfgs")``;
- ``GS1``, ``GS2``: ``GridSearchCV(GradientDescentLogisticRegression(), {"C": Cs},
  cv=folds)`` with ``n_jobs=1`` and ``n_jobs=2``.

All refit the best C on all the data and score by accuracy. Reported: the median
time of interleaved repeats, each contender's time over ours, the chosen C, the
best mean score, and the largest difference of a (C, fold) validation score
between ours and GS1 (the same model class, so it should be 0 up to ties).

Then a learning-rate search (``solver="gd"``, 8 constant rates × 5 folds, C=1)
against one ``GradientDescentLogisticRegression(solver="gd")`` fit on all the data
at the slowest stable rate of the grid (the one whose folds took the most
iterations without diverging): how many single fits the whole search costs.

With ``--warm`` the C search compares instead ``ours`` (cold: every column from
zero, one batch), ``warm`` (``warm_start_path=True``: a batch per C, each column
from the previous C's solution) and ``LRCV``, and reports their iterations; no
learning-rate search (it has one C). ``--cpu`` times by the process's CPU time
(``time.process_time``, for a machine shared with other jobs: at one BLAS
thread it is the search's own time; not for ``n_jobs=2``, whose workers it
misses).

``--solver lbfgs`` runs the C search with L-BFGS (ours batched, GridSearchCV's
estimator the same solver; no learning-rate search).

Run ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_cv.py`` (the default
threads on a quiet machine too, if you like); ``--quick`` runs small data once;
``--real cells,credit,movies`` runs the real sets of ``datasets.py`` (the ``bench``
extra) instead, standardized.
"""

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import run_benchmarks as rb  # noqa: E402

from gdlogreg import (  # noqa: E402
    GradientDescentLogisticRegression,
    GradientDescentLogisticRegressionCV,
)
from gdlogreg._solver import DIVERGENCE_FACTOR  # noqa: E402

CS = np.logspace(-4, 4, 10)
RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


def datasets(quick):
    """(name, X, y, repeats) of each data set; fewer repeats on the large ones."""
    std = StandardScaler()
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xd, yd = load_digits(return_X_y=True)
    n_dense = 2000 if quick else 20_000
    Xs, ys = make_classification(n_dense, 50, n_informative=20, random_state=0)
    Xs = std.fit_transform(Xs)
    n_csr, d_csr = (5000, 200) if quick else (100_000, 1000)
    Xc, yc = rb.make_sparse(n_csr, d_csr, max(1, d_csr // 100), seed=0)
    r = 1 if quick else None
    return [
        ("breast_cancer", std.fit_transform(Xb), yb, r or 5),
        ("digits", std.fit_transform(Xd), yd, r or 3),
        (f"dense {n_dense}×50", Xs, ys, r or 3),
        (f"dense {n_dense}×50 float32", Xs.astype(np.float32), ys, r or 3),
        (f"CSR {n_csr}×{d_csr} 1%", Xc, yc, 1),
    ]


def real_datasets(keys):
    """(name, X, y, repeats) of real sets of ``datasets.py`` (the ``bench`` extra),
    standardized as in ``bench_real.py``'s "scaled" rows (no centring for sparse X);
    one repeat above 10,000 rows."""
    import datasets as real
    from scipy import sparse

    out = []
    for key in keys:
        X, y, _ = real.load(key)
        X = StandardScaler(with_mean=not sparse.issparse(X)).fit_transform(X)
        kind = "CSR" if sparse.issparse(X) else "dense"
        name = f"{key} {X.shape[0]:,}×{X.shape[1]} {kind}, {len(np.unique(y))} classes (real)"
        out.append((name, X, y, 3 if X.shape[0] <= 10_000 else 1))
    return out


def contenders(X, y, folds, warm=False, solver="bb"):
    def ours(**params):
        return lambda: GradientDescentLogisticRegressionCV(
            Cs=CS, cv=folds, solver=solver, **params).fit(X, y)

    # scikit-learn >= 1.9 warns unless these are given; older versions lack them
    recent = "use_legacy_attributes" in LogisticRegressionCV().get_params()
    extra = {"l1_ratios": (0.0,), "use_legacy_attributes": False} if recent else {}

    def lrcv():
        return LogisticRegressionCV(
            Cs=CS, cv=folds, solver="lbfgs", scoring="accuracy", **extra
        ).fit(X, y)

    def grid(n_jobs):
        return lambda: GridSearchCV(
            GradientDescentLogisticRegression(solver=solver), {"C": list(CS)}, cv=folds,
            n_jobs=n_jobs
        ).fit(X, y)

    if warm:
        return {"ours": ours(), "warm": ours(warm_start_path=True), "LRCV": lrcv}
    return {"ours": ours(), "LRCV": lrcv, "GS1": grid(1), "GS2": grid(2)}


def interleaved(jobs, repeats, long_s, cpu=False):
    """:func:`run_benchmarks.interleaved`; with ``cpu``, medians of the CPU time of each run."""
    if not cpu:
        return rb.interleaved(jobs, repeats, long_s)
    spent = {name: [] for name in jobs}

    def clocked(name, fn):
        def run():
            t0 = time.process_time()
            out = fn()
            spent[name].append(time.process_time() - t0)
            return out
        return run

    _, outs = rb.interleaved({k: clocked(k, f) for k, f in jobs.items()}, repeats, long_s)
    return {k: statistics.median(v) for k, v in spent.items()}, outs


def chosen(name, est):
    """(C, best mean CV accuracy) of a fitted search."""
    if name == "LRCV":  # scores_ of shape (folds, l1_ratios, Cs) (use_legacy_attributes=False)
        C = float(np.ravel(est.C_)[0])
        # (legacy, scikit-learn < 1.9: a dict class -> (folds, Cs), the same for each class)
        scores = est.scores_ if not isinstance(est.scores_, dict) else next(
            iter(est.scores_.values()))
        mean = np.asarray(scores).reshape(5, -1).mean(axis=0)
        return C, float(mean[int(np.argmin(np.abs(CS - C)))])
    return float(est.best_params_["C"]), float(est.best_score_)


def fold_scores(est):
    cv = est.cv_results_
    return np.column_stack([cv[f"split{f}_test_score"] for f in range(5)])


def c_search(name, X, y, repeats, long_s, warm=False, cpu=False, solver="bb"):
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    times, outs = interleaved(contenders(X, y, folds, warm, solver), repeats, long_s, cpu)
    row = {"data": name, "times": times}
    row["picks"] = {k: chosen(k, v) for k, v in outs.items()}
    other = "warm" if warm else "GS1"
    row["diff"] = float(np.max(np.abs(fold_scores(outs["ours"]) - fold_scores(outs[other]))))
    if warm:
        row["iters"] = {k: int(outs[k].n_iter_.sum()) for k in ("ours", "warm")}
    return row


def lr_search(name, X, y, repeats, long_s):
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    probe = GradientDescentLogisticRegressionCV(
        Cs=[1.0], solver="gd", learning_rates=RATES, cv=folds
    ).fit(X, y)
    n_iter = probe.n_iter_[0, :, 0, :]  # (folds, rates)
    curves = probe.loss_curves_  # candidate-major: rate j, fold f at j * 5 + f
    stable = [all(np.all(np.isfinite(c)) and max(c) <= DIVERGENCE_FACTOR * (c[0] + 1)
                  for c in curves[5 * j : 5 * j + 5]) for j in range(len(RATES))]
    slowest = max((j for j in range(len(RATES)) if stable[j]),
                  key=lambda j: (n_iter[:, j].max(), -j))
    rate = RATES[slowest]
    jobs = {
        "search": lambda: GradientDescentLogisticRegressionCV(
            Cs=[1.0], solver="gd", learning_rates=RATES, cv=folds
        ).fit(X, y),
        "single": lambda: GradientDescentLogisticRegression(
            solver="gd", learning_rate=rate
        ).fit(X, y),
    }
    times, outs = rb.interleaved(jobs, repeats, long_s)
    return {"data": name, "times": times, "rate": rate,
            "iters": int(outs["single"].n_iter_[0]),
            "best": probe.best_params_["learning_rate"]}


def blas_threads():
    n = [lib["num_threads"] for lib in threadpool_info() if lib.get("user_api") == "blas"]
    return max(n) if n else "?"


def _machine(info):
    return (
        f"Machine: {info['cpu']}, {info['cores']} cores (shared with other processes:"
        f" interleaved repeats, medians); BLAS threads: {blas_threads()}"
        f" (OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')});"
        f" numpy {info['numpy']}, scipy {info['scipy']}, scikit-learn {info['sklearn']},"
        f" commit {info['commit']}."
    )


def _preamble(info, clock, columns, solver="bb"):
    """The lines above a table: the machine, the search and how it was timed."""
    return [
        _machine(info),
        "",
        f"solver={solver!r} (ours and GridSearchCV's estimator)."
        " 5-fold stratified CV (shuffled, seed 0) over Cs = logspace(-4, 4, 10), accuracy,"
        f" refit on all the data. Times: median {clock} of interleaved repeats (1 on the"
        f" CSR set). {columns}",
        "",
    ]


def report_warm(c_rows, info, cpu, solver="bb"):
    """The table of ``--warm``: cold and warm batches against LogisticRegressionCV."""
    t = rb._fmt_t
    lines = [
        *_preamble(
            info, ("CPU time (time.process_time)" if cpu else "wall time"),
            "cold: one batch, every column from zero; warm: warm_start_path=True."
            " Iterations: the sum of n_iter_ over the 50 columns. max |Δ fold score|:"
            " over every (C, fold), warm against cold.", solver,
        ),
        "| data | cold | warm | LogisticRegressionCV (lbfgs) | warm / cold | LRCV / warm |"
        " iterations cold / warm | C: cold / warm / LRCV | max \\|Δ fold score\\| |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in c_rows:
        tm, p, it = r["times"], r["picks"], r["iters"]
        lines.append(
            f"| {r['data']} | {t(tm['ours'])} | {t(tm['warm'])} | {t(tm['LRCV'])} |"
            f" {tm['warm'] / tm['ours']:.2f} | {tm['LRCV'] / tm['warm']:.2f} |"
            f" {it['ours']} / {it['warm']} |"
            f" {p['ours'][0]:.3g} / {p['warm'][0]:.3g} / {p['LRCV'][0]:.3g} |"
            f" {r['diff']:.1e} |"
        )
    return "\n".join(lines)


def report(c_rows, lr_rows, info, solver="bb"):
    t = rb._fmt_t
    lines = [
        *_preamble(
            info, "wall time",
            "Ratios are time / time of ours. C and score: the chosen C and its mean CV"
            " accuracy. max |Δ fold score|: over every (C, fold), ours against GridSearchCV.",
            solver,
        ),
        "| data | ours | LogisticRegressionCV (lbfgs) | GridSearchCV n_jobs=1 |"
        " GridSearchCV n_jobs=2 | C: ours / LRCV / GS | score: ours / LRCV / GS |"
        " max \\|Δ fold score\\| |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in c_rows:
        tm, p = r["times"], r["picks"]
        ratio = {k: tm[k] / tm["ours"] for k in tm}
        lines.append(
            f"| {r['data']} | {t(tm['ours'])} | {t(tm['LRCV'])} ({ratio['LRCV']:.2f}×) |"
            f" {t(tm['GS1'])} ({ratio['GS1']:.2f}×) | {t(tm['GS2'])} ({ratio['GS2']:.2f}×) |"
            f" {p['ours'][0]:.3g} / {p['LRCV'][0]:.3g} / {p['GS1'][0]:.3g} |"
            f" {p['ours'][1]:.4f} / {p['LRCV'][1]:.4f} / {p['GS1'][1]:.4f} |"
            f" {r['diff']:.1e} |"
        )
    if not lr_rows:
        return "\n".join(lines)
    lines += [
        "",
        "Learning-rate search: solver='gd', C=1, rates " + ", ".join(f"{a:g}" for a in RATES)
        + ", 5 folds (40 columns, then the refit of the best rate on all the data), against"
        " one fit on all the data at the slowest stable rate of the grid.",
        "",
        "| data | search (40 columns) | one fit at the slowest stable rate | search / fit |"
        " best rate |",
        "|---|---|---|---|---|",
    ]
    for r in lr_rows:
        tm = r["times"]
        lines.append(
            f"| {r['data']} | {t(tm['search'])} | {t(tm['single'])} (α = {r['rate']:g},"
            f" {r['iters']} iterations) | {tm['search'] / tm['single']:.2f} |"
            f" {r['best']:g} |"
        )
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="small data, one repeat")
    p.add_argument("--long", type=float, default=10.0,
                   help="a contender whose first run takes longer runs once (seconds)")
    p.add_argument("--warm", action="store_true",
                   help="the C search cold, warm (warm_start_path=True) and LogisticRegressionCV")
    p.add_argument("--cpu", action="store_true", help="time by CPU time, not wall time")
    p.add_argument("--real", default=None, metavar="KEYS",
                   help="comma-separated keys of datasets.py (e.g. cells,credit,movies):"
                        " those real sets, standardized, instead of the bundled ones")
    p.add_argument("--solver", default="bb", choices=["bb", "lbfgs", "gd"],
                   help="the solver of ours and of GridSearchCV's estimator (default bb);"
                        " not bb: no learning-rate search")
    args = p.parse_args(argv)
    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", FutureWarning)
    info = rb.machine_info()
    c_rows, lr_rows = [], []
    sets = real_datasets(args.real.split(",")) if args.real else datasets(args.quick)
    for name, X, y, repeats in sets:
        print(f"{name}: C search ...", file=sys.stderr, flush=True)
        c_rows.append(c_search(name, X, y, repeats, args.long, args.warm, args.cpu,
                               args.solver))
        if not (args.warm or name.startswith("CSR") or args.solver != "bb"):
            print(f"{name}: learning-rate search ...", file=sys.stderr, flush=True)
            lr_rows.append(lr_search(name, X, y, repeats, args.long))
    print(report_warm(c_rows, info, args.cpu, args.solver) if args.warm
          else report(c_rows, lr_rows, info, args.solver))


if __name__ == "__main__":
    main()
