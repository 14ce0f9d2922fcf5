"""Default fits on real data sets: GradientDescentLogisticRegression() against LogisticRegression().

Run from the repository root (needs ``pip install -e ".[bench]"``)::

    python benchmarks/bench_real.py                          # every set, 1 thread and default
    python benchmarks/bench_real.py --datasets wine,cells --threads 1 --repeats 5

For each set of :mod:`datasets`, as it is ("raw") and after StandardScaler
("scaled"; without centring for sparse X), both estimators with C = 1 and
their defaults, in this process, interleaved (the order reversed every other
round), medians of the repeats:

- the time ratio ours/LR, each one's n_iter_;
- each one's relative gap (J - J*)/J*, J = mean log-loss + ‖W‖²/(2 C n)
  (LogisticRegression's objective divided by C·n), in float64; J* the lowest
  J of tight reference fits (LogisticRegression newton-cholesky and lbfgs at
  tol=1e-12 where affordable, ours(bb) at tol=1e-12);
- "ours to LR's gap": the time of our fit stopped at the first iterate whose
  gap is at most LR()'s (read from ``loss_curve_`` of a tight fit, then timed
  as ``max_iter=k, tol=0``: our path does not depend on max_iter), over LR()'s
  time.

Prints a markdown table per thread setting (``--threads 1,0``: 1 BLAS thread
with threadpoolctl, then the libraries' default).
"""

import argparse
import json
import math
import statistics
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder, StandardScaler
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from datasets import LOADERS, load  # noqa: E402
from log_loss import log_loss_rows  # noqa: E402
from run_benchmarks import machine_info, timed  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

C = 1.0


def objective(X, t, K, coef, intercept):
    """J = mean log-loss + ‖W‖²/(2 C n) in float64 (t: class indices)."""
    coef = np.asarray(coef, dtype=np.float64)
    Z = np.asarray(X @ coef.T) + np.asarray(intercept, dtype=np.float64)
    n = X.shape[0]
    loss = log_loss_rows(Z, t)
    return float(loss.mean() + np.sum(coef * coef) / (2.0 * C * n))


def ours(**params):
    return GradientDescentLogisticRegression(C=C, **params)


def lr(**params):
    return LogisticRegression(C=C, **params)


def fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)  # newton-cholesky's ill-conditioned Hessian
        return est.fit(X, y)


def reference(X, y, t, K, log):
    """J* = the lowest J of the tight fits that are affordable here.

    Returns (J*, the name of the fit that reached it, our tightest fit).
    newton-cholesky where its Hessian is small; lbfgs and ours(bb) at
    tol=1e-12 on small problems, at tol=1e-10 with at most 2,000 iterations
    on large ones without newton-cholesky (there J* is the best found).
    """
    n, d = X.shape
    p = (d + 1) * (1 if K == 2 else K)
    cands = {}
    newton = n * p * p <= 2e11 and p <= 3000
    if newton:
        cands["LR(newton-cholesky, tol=1e-12)"] = lr(
            solver="newton-cholesky", tol=1e-12, max_iter=300
        )
    if n * p <= 3e7:
        cands["LR(lbfgs, tol=1e-12)"] = lr(tol=1e-12, max_iter=10_000)
        cands["ours(bb, tol=1e-12)"] = ours(tol=1e-12, max_iter=20_000)
    elif not newton:
        cands["LR(lbfgs, tol=1e-10, max_iter=2000)"] = lr(tol=1e-10, max_iter=2000)
        cands["ours(bb, tol=1e-10, max_iter=2000)"] = ours(tol=1e-10, max_iter=2000)
    Js, tight = {}, None
    for name, est in cands.items():
        m = fit(est, X, y)
        Js[name] = objective(X, t, K, m.coef_, m.intercept_)
        if name.startswith("ours"):
            tight = m
    best = min(Js, key=Js.get)
    spread = ", ".join(f"{k}: +{(v - Js[best]) / abs(Js[best]):.1e}" for k, v in Js.items())
    log(f"    J* = {Js[best]:.15g} by {best}; {spread}")
    return Js[best], best, tight


def gap(J, J_star):
    return max(J - J_star, 0.0) / abs(J_star)


def interleaved(jobs, repeats):
    times = {k: [] for k in jobs}
    outs = {}
    names = list(jobs)
    for r in range(repeats):
        for k in names if r % 2 == 0 else names[::-1]:
            dt, outs[k] = timed(jobs[k])
            times[k].append(dt)
    return {k: statistics.median(v) for k, v in times.items()}, outs


def first_within(curve, J_star, target):
    for k, J in enumerate(curve):
        if gap(J, J_star) <= target:
            return k
    return None


def bench_one(X, y, t, K, repeats, log):
    J_star, ref, tight = reference(X, y, t, K, log)
    times, models = interleaved(
        {"ours": lambda: fit(ours(), X, y), "LR": lambda: fit(lr(), X, y)}, repeats
    )
    row = {"J*": J_star, "ref": ref}
    for k, m in models.items():
        row[f"{k}_s"] = times[k]
        row[f"{k}_iter"] = int(np.max(m.n_iter_))
        row[f"{k}_gap"] = gap(objective(X, t, K, m.coef_, m.intercept_), J_star)
    # Ours, stopped at LR()'s gap: the first iterate within it on our path.
    target = max(row["LR_gap"], 1e-13)
    k = None
    for m in (models["ours"], tight):
        if m is not None and k is None:
            k = first_within(m.loss_curve_[: int(m.n_iter_[0]) + 1], J_star, target)
    if k is None:
        row["to_LR_gap_iter"], row["to_LR_gap_s"] = None, math.nan
    else:
        dt, _ = interleaved({"ours": lambda: fit(ours(max_iter=k, tol=0.0), X, y)}, repeats)
        row["to_LR_gap_iter"], row["to_LR_gap_s"] = k, dt["ours"]
    row["ratio"] = row["ours_s"] / row["LR_s"]
    row["ratio_to_LR_gap"] = row["to_LR_gap_s"] / row["LR_s"]
    log(
        f"    ours {row['ours_s']:.4f}s {row['ours_iter']} it gap {row['ours_gap']:.1e} |"
        f" LR {row['LR_s']:.4f}s {row['LR_iter']} it gap {row['LR_gap']:.1e} |"
        f" ratio {row['ratio']:.2f} | ours to LR's gap: {row['to_LR_gap_iter']} it,"
        f" ratio {row['ratio_to_LR_gap']:.2f}"
    )
    return row


def scaled(X):
    if sp.issparse(X):
        return StandardScaler(with_mean=False).fit_transform(X).tocsr()
    return StandardScaler().fit_transform(X)


def repeats_for(X, K, default):
    """Fewer repeats on the large sets (their noise is small relative to them)."""
    work = X.nnz if sp.issparse(X) else X.size
    work *= 1 if K == 2 else K
    return default if work < 5e6 else max(3, default // 3) if work < 1e8 else 1


def run(names, threads, repeats, log, save=None):
    """The rows of every set, scaling and thread setting; ``save(results)`` after each set."""
    results = []
    for name in names:
        X, y, description = load(name)
        t = LabelEncoder().fit_transform(y)
        K = len(np.unique(t))
        log(f"{name}: {description}")
        for scaling in ("raw", "scaled"):
            Xs = X if scaling == "raw" else scaled(X)
            for th in threads:
                log(f"  {scaling}, threads={th or 'default'}")
                with threadpool_limits(th) if th else _nothing():
                    row = bench_one(Xs, y, t, K, repeats_for(X, K, repeats), log)
                row.update(set=name, scaling=scaling, threads=th, n=X.shape[0], d=X.shape[1],
                           K=K, sparse=sp.issparse(X))
                results.append(row)
        if save is not None:
            save(results)
    return results


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False


def fmt_gap(g):
    return "0" if g == 0 else f"{g:.0e}"


def table(results, th):
    head = (
        "| set | n × d, K | data | ours/LR time | ms ours, LR | n_iter ours, LR |"
        " gap ours, LR | ours to LR's gap: n_iter, time/LR |"
    )
    lines = [head, "|" + "---|" * 8]
    for r in results:
        if r["threads"] != th:
            continue
        to = (
            "not reached" if r["to_LR_gap_iter"] is None
            else f"{r['to_LR_gap_iter']}, {r['ratio_to_LR_gap']:.2f}"
        )
        lines.append(
            f"| {r['set']} | {r['n']:,} × {r['d']:,}{' CSR' if r['sparse'] else ''}, {r['K']} |"
            f" {r['scaling']} | {r['ratio']:.2f} | {1e3 * r['ours_s']:.1f}, {1e3 * r['LR_s']:.1f} |"
            f" {r['ours_iter']}, {r['LR_iter']} | {fmt_gap(r['ours_gap'])}, {fmt_gap(r['LR_gap'])}"
            f" | {to} |"
        )
    ratios = [r["ratio"] for r in results if r["threads"] == th]
    if ratios:
        lines.append("")
        lines.append(
            f"Time ratio ours/LR over the {len(ratios)} rows:"
            f" median {statistics.median(ratios):.2f}, worst {max(ratios):.2f},"
            f" best {min(ratios):.2f}."
        )
        to = [r["ratio_to_LR_gap"] for r in results
              if r["threads"] == th and r["to_LR_gap_iter"] is not None]
        lines.append(
            f"Ours stopped at LR()'s gap, time over LR()'s: median {statistics.median(to):.2f},"
            f" worst {max(to):.2f}, best {min(to):.2f}; LR() reached its max_iter on"
            f" {sum(r['LR_iter'] >= 100 for r in results if r['threads'] == th)} rows, ours on"
            f" {sum(r['ours_iter'] >= 1000 for r in results if r['threads'] == th)}."
        )
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", default=",".join(LOADERS))
    ap.add_argument("--threads", default="1,0", help="BLAS threads, 0 = the default")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--json", default=None, help="write the raw numbers here (after each set)")
    ap.add_argument("--render", default=None, help="only print the tables of this JSON file")
    args = ap.parse_args(argv)
    names = [s for s in args.datasets.split(",") if s]
    threads = [int(s) for s in args.threads.split(",")]

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    if args.render:
        results = json.loads(Path(args.render).read_text())["results"]
        threads = sorted({r["threads"] for r in results}, key=lambda th: (th == 0, th))
    else:
        info = machine_info()
        log(json.dumps(info))

        def save(results):
            if args.json:
                Path(args.json).write_text(
                    json.dumps({"machine": info, "results": results}, indent=1)
                )

        results = run(names, threads, args.repeats, log, save)
    for th in threads:
        title = "1 BLAS thread" if th == 1 else f"{th} threads" if th else "default threads"
        print(f"\n{title}:\n")
        print(table(results, th))


if __name__ == "__main__":
    main()
