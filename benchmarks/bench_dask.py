"""Benchmark of the Dask backend: scaling with workers, and memory per worker.

Run from the repository root (needs ``pip install -e ".[dask]" dask-ml``)::

    python benchmarks/bench_dask.py                 # both parts, about 5 minutes
    python benchmarks/bench_dask.py --quick         # small data, about a minute
    python benchmarks/bench_dask.py --part scaling  # or --part memory

Part 1, ``scaling``: fit time of ``GradientDescentLogisticRegression`` on a
``dask.array`` of many row chunks, on ``LocalCluster``s of 1, 2 and 4 worker
processes (one thread each), against the in-memory fit of the same numbers
(numpy, in this process) and against dask-ml's ``LogisticRegression``
(``solver="lbfgs"``, the fastest of its solvers here) on the same persisted
data. The data are generated on the cluster and persisted before the clock
starts, so the times are those of the fits. Every model is scored with the same
objective J (the weighted mean log-loss plus the L2 penalty, as in
scikit-learn's LogisticRegression with C=1, divided by C·n).

Part 2, ``memory``: a data set larger than one worker's memory limit is fitted
by a cluster of such workers, with spilling to disk switched off (a worker that
went over its limit would be paused, then killed, and the fit would fail). For
each worker it reports its share of the data, its resident memory before the
fit (the data plus the Python process) and its peak during the fit: the fit
adds a few chunk-sized temporaries, never a copy of the worker's data.

Results are printed as Markdown; ``--output FILE`` also writes them there.
"""

import argparse
import os
import platform
import resource
import sys
import time
import warnings

import numpy as np

C = 1.0


def _n(est):
    """n_iter_ as an int (an array of shape (1,))."""
    return int(np.max(est.n_iter_))


def make_data(n, d, chunk, seed=0):
    """A logistic model on correlated features of mixed scales, built chunk-wise.

    Features with correlation 0.9^|i-j| (an ill-conditioned problem: about 90
    iterations at the default tol), scales from 0.1 to 10 and offsets up to
    ±3; y is drawn from the logistic model itself. Lazy: nothing is computed
    here.
    """
    import dask.array as da

    rng = np.random.default_rng(seed)
    lags = np.abs(np.subtract.outer(np.arange(d), np.arange(d)))
    L = np.linalg.cholesky(0.9**lags)
    scale = np.geomspace(0.1, 10.0, d)
    offset = rng.uniform(-3.0, 3.0, d)
    w = 3.0 * rng.standard_normal(d) / np.sqrt(d) / scale
    drng = da.random.default_rng(seed)
    G = drng.standard_normal((n, d), chunks=(chunk, d))
    X = (G @ L.T) * scale + offset
    u = drng.uniform(1e-12, 1.0 - 1e-12, size=n, chunks=chunk)
    y = ((X - offset) @ w + 0.5 + da.log(u / (1.0 - u)) > 0).astype(np.int64)
    return X.astype(np.float64), y


def objective(X, y, coef, intercept):
    """J = mean log-loss + ||w||² / (2 C n), in float64, for any fitted model."""
    z = X @ np.asarray(coef, np.float64).ravel() + float(np.ravel(intercept)[0])
    loss = np.logaddexp(0.0, z) - y * z
    return float(loss.mean() + 0.5 * np.sum(np.square(coef)) / (C * len(y)))


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if "model name" in line)
    except (OSError, StopIteration):
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import dask
    import sklearn

    return (
        f"{os.cpu_count()} CPU cores ({cpu}), {mem:.0f} GiB RAM; Python"
        f" {platform.python_version()}, numpy {np.__version__}, dask {dask.__version__},"
        f" scikit-learn {sklearn.__version__}"
    )


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


# ---------------------------------------------------------------- scaling
def scaling(n, d, chunk, workers, tol, dask_ml):
    import dask
    from distributed import Client, LocalCluster

    from gdlogreg import GradientDescentLogisticRegression

    X, y = make_data(n, d, chunk)
    Xn, yn = dask.compute(X, y, scheduler="threads")
    mib = Xn.nbytes / 2**20
    lines = [
        f"Data: {n:,} rows × {d} features, float64 ({mib:.0f} MiB), in"
        f" {X.numblocks[0]} row chunks of {chunk:,} rows ({chunk * d * 8 / 2**20:.1f} MiB);"
        f" tol={tol:g}, C={C:g}.",
        "",
        "| fit | workers | time (s) | of which set-up (s) | iterations | s / iteration"
        " | passes over X | J | max abs Δcoef vs in-memory |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]

    def model(max_iter=500):
        return GradientDescentLogisticRegression(C=C, tol=tol, max_iter=max_iter)

    def per_iter(t, setup, est):
        return f"{(t - setup) / max(_n(est), 1):.3f}"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter=0: the set-up alone
        setup, _ = timed(lambda: model(0).fit(Xn, yn))
    t, ref = timed(lambda: model().fit(Xn, yn))
    J_ref = objective(Xn, yn, ref.coef_, ref.intercept_)
    lines.append(
        f"| gdlogreg, numpy in memory | (this process) | {t:.2f} | {setup:.2f} | {_n(ref)}"
        f" | {per_iter(t, setup, ref)} | | {J_ref:.10f} | 0 |"
    )
    print(lines[-1], flush=True)
    for n_workers in workers:
        with (
            LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
            ) as cluster,
            Client(cluster),
        ):
            Xp, yp = dask.persist(X, y)
            dask.compute(Xp.sum(), yp.sum())  # generated and held by the workers
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model(0).fit(Xp[:chunk], yp[:chunk])  # warm the workers' imports
                setup, _ = timed(lambda Xp=Xp, yp=yp: model(0).fit(Xp, yp))
            t, est = timed(lambda Xp=Xp, yp=yp: model().fit(Xp, yp))
            dcoef = np.abs(est.coef_ - ref.coef_).max()
            lines.append(
                f"| gdlogreg, dask.array | {n_workers} | {t:.2f} | {setup:.2f} | {_n(est)}"
                f" | {per_iter(t, setup, est)} | {est._dask_passes} |"
                f" {objective(Xn, yn, est.coef_, est.intercept_):.10f} | {dcoef:.1e} |"
            )
            print(lines[-1], flush=True)
            if dask_ml:
                from dask_ml.linear_model import LogisticRegression

                lr = LogisticRegression(C=C, solver="lbfgs", max_iter=500, tol=tol)
                t, lr = timed(lambda Xp=Xp, yp=yp, lr=lr: lr.fit(Xp, yp))
                J = objective(Xn, yn, lr.coef_, lr.intercept_)
                dcoef = np.abs(np.ravel(lr.coef_) - ref.coef_.ravel()).max()
                lines.append(
                    f"| dask-ml LogisticRegression(solver='lbfgs') | {n_workers} | {t:.2f} |"
                    f" | | | | {J:.10f} | {dcoef:.1e} |"
                )
                print(lines[-1], flush=True)
    return lines


# ----------------------------------------------------------------- memory
def _worker_memory(dask_worker):
    import psutil

    data = 0
    for key in list(dask_worker.data.keys()):
        data += dask_worker.state.tasks[key].nbytes if key in dask_worker.state.tasks else 0
    return {
        "rss": psutil.Process().memory_info().rss,
        "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "data": data,
    }


def _reset_peak():
    # Linux: writing 5 to clear_refs resets the peak RSS (VmHWM) of the process.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _vm_hwm():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def memory(n, d, chunk, n_workers, limit_mib, max_iter):
    import dask
    from distributed import Client, LocalCluster

    from gdlogreg import GradientDescentLogisticRegression

    X, y = make_data(n, d, chunk, seed=1)
    data_mib = (X.nbytes + y.nbytes) / 2**20
    settings = {
        # No spilling to disk: the data must stay in the workers' memory.
        "distributed.worker.memory.target": False,
        "distributed.worker.memory.spill": False,
        "distributed.worker.memory.pause": 0.9,
        "distributed.worker.memory.terminate": 0.95,
    }
    with (
        dask.config.set(settings),
        LocalCluster(
            n_workers=n_workers,
            threads_per_worker=1,
            processes=True,
            memory_limit=f"{limit_mib}MiB",
            dashboard_address=None,
        ) as cluster,
        Client(cluster) as client,
    ):
        Xp, yp = dask.persist(X, y)
        dask.compute(Xp.sum(), yp.sum())
        client.run(lambda: __import__("gdlogreg._dask"))  # imports before the baseline
        before = client.run(_worker_memory)
        client.run(_reset_peak)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a max_iter cap on purpose
            t, est = timed(
                lambda: GradientDescentLogisticRegression(C=C, max_iter=max_iter).fit(Xp, yp)
            )
        peaks = client.run(_vm_hwm)
        lines = [
            f"Data: {n:,} rows × {d} features, float64: {data_mib:.0f} MiB with the labels,"
            f" in {X.numblocks[0]} row chunks of {chunk * d * 8 / 2**20:.1f} MiB;"
            f" {n_workers} worker processes with a memory limit of {limit_mib} MiB each"
            f" (the data are {data_mib / limit_mib:.1f}× one worker's limit), spilling to"
            " disk off.",
            f"Fit: {_n(est)} iterations ({est.stop_reason_}), {est._dask_passes} passes"
            f" over X, {t:.1f} s.",
            "",
            "| worker | data held (MiB) | memory before the fit (MiB) | peak during the fit"
            " (MiB) | peak − before (MiB) | peak / limit |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for i, addr in enumerate(sorted(before)):
            b, p = before[addr], peaks[addr]
            lines.append(
                f"| {i} | {b['data'] / 2**20:.0f} | {b['rss'] / 2**20:.0f} | {p / 2**20:.0f}"
                f" | {(p - b['rss']) / 2**20:.0f} | {p / (limit_mib * 2**20):.0%} |"
            )
            print(lines[-1], flush=True)
    return lines


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--part", choices=["scaling", "memory", "both"], default="both")
    p.add_argument("--quick", action="store_true", help="small data, for a smoke run")
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    p.add_argument("--no-dask-ml", dest="dask_ml", action="store_false")
    p.add_argument("--output", help="also write the Markdown results to this file")
    args = p.parse_args(argv)
    if args.quick:
        scale_args = (100_000, 16, 12_500, args.workers, 1e-5, args.dask_ml)
        mem_args = (600_000, 16, 50_000, 2, 600, 10)
    else:
        scale_args = (400_000, 32, 25_000, args.workers, 1e-5, args.dask_ml)
        mem_args = (3_900_000, 32, 100_000, 4, 800, 10)

    out = ["Machine: " + machine(), ""]
    if args.part in ("scaling", "both"):
        out += ["#### Fit time against workers", ""] + scaling(*scale_args) + [""]
    if args.part in ("memory", "both"):
        out += ["#### Memory per worker", ""] + memory(*mem_args) + [""]
    text = "\n".join(out)
    print("\n" + text)
    if args.output:
        with open(args.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    sys.exit(main())
