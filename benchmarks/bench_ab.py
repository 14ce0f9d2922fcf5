"""Same-process A/B of this checkout's gdlogreg against the code of another git revision.

The other revision's ``gdlogreg/`` is extracted with ``git archive`` into a
temporary folder and imported as ``gdlogreg_base`` (the package imports itself
relatively), so both run in one process on the same data, interleaved, with
the same BLAS threads. For every benchmark set (``run_benchmarks.py``'s, or
those ``--datasets`` names, which may add the multinomial ``classes10`` and
``classes100``) it reports, as new / base:

- the default fit time (median of interleaved repeats) and both final J;
- the interior per-iteration time of each solver over the two-matvec floor
  (:func:`run_benchmarks.interior_bounds`), and new/base;
- the peak memory of a default fit (tracemalloc) over the size of X.

    python benchmarks/bench_ab.py --base 5e3ff87 [--quick] [--repeats 9] [--blas-threads 1]
"""

import argparse
import importlib
import math
import statistics
import subprocess
import sys
import tarfile
import tempfile
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_benchmarks as rb  # noqa: E402


def load_base(rev):
    """The package at git revision ``rev``, imported as ``gdlogreg_base``."""
    tmp = Path(tempfile.mkdtemp(prefix="gdlogreg_ab_"))
    archive = tmp / "base.tar"
    subprocess.run(
        ["git", "archive", "--format=tar", "-o", str(archive), rev, "gdlogreg"],
        cwd=HERE.parent, check=True,
    )
    with tarfile.open(archive) as tar:
        tar.extractall(tmp, filter="data")
    (tmp / "gdlogreg").rename(tmp / "gdlogreg_base")
    sys.path.insert(0, str(tmp))
    return importlib.import_module("gdlogreg_base")


def ab_setup(doc, argv=None, **extra):
    """``(args, base)`` of an experiment's A/B: its command line (``--base`` REV,
    ``--repeats`` N, and ``extra`` options, name: default) and the base package
    (:func:`load_base`); ``doc`` the script's docstring, whose first paragraph is its
    description."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument("--base", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    for name, default in extra.items():
        ap.add_argument(f"--{name}", default=default)
    args = ap.parse_args(argv)
    return args, load_base(args.base)


def many_classes(K, n=50_000, d=50, seed=0):
    """X standard normal, labels drawn from a softmax with W ~ N(0, 9/d) per class (the
    generator of experiments/iterations.py, the iteration study's K = 10 ... 100 sets)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Z = X @ (rng.standard_normal((d, K)) * 3.0 / np.sqrt(d))
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    y = (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return rb.Dataset(f"classes{K}", f"{n // 1000}k×{d}, {K} classes", X, y)


#: Sets beyond run_benchmarks.py's, by name in ``--datasets`` only.
EXTRA = {"classes10": lambda: many_classes(10), "classes100": lambda: many_classes(100)}


def load(quick, only):
    """run_benchmarks.py's sets (all of them without ``only``), and the EXTRA ones named."""
    if not only:
        return rb.load_datasets(quick, None)
    keys = [k for k in only if k not in EXTRA]
    sets = rb.load_datasets(quick, keys) if keys else []
    return sets + [EXTRA[k]() for k in only if k in EXTRA]


def fit(cls, ds, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return cls(**params).fit(ds.X, ds.y)


def n_iter(model):
    """A fitted model's iterations (its first column's)."""
    return int(np.ravel(model.n_iter_)[0])


def compare(ds, new, old, repeats, solvers):
    big = ds.n * ds.d > 1e6
    rep = max(3, repeats // 3) if big else repeats
    row = {"set": ds.key}
    jobs = {"new": lambda: fit(new, ds), "base": lambda: fit(old, ds)}
    times, outs = rb.interleaved(jobs, rep, math.inf)
    row["fit"] = times["new"] / times["base"]
    row["fit_ms"] = (1e3 * times["new"], 1e3 * times["base"])
    Jn, Jb = outs["new"].loss_curve_[-1], outs["base"].loss_curve_[-1]
    row["dJ"] = abs(Jn - Jb) / abs(Jb)
    row["n_iter"] = (n_iter(outs["new"]), n_iter(outs["base"]))
    M = rb.M_LARGE if big else 200
    row["per_iter"] = {}
    for s in solvers:
        jobs = {}
        with rb.plain_steps("gdlogreg", "gdlogreg_base"):  # per-iteration: no switch
            for tag, cls in (("new", new), ("base", old)):
                bounds = rb.interior_bounds(lambda k, cls=cls, s=s: n_iter(
                    fit(cls, ds, solver=s, tol=0.0, max_iter=k)), M)
                for end, k in zip(("@M1", "@M2"), bounds, strict=True):
                    jobs[f"{tag}{end}"] = lambda cls=cls, s=s, k=k: fit(
                        cls, ds, solver=s, tol=0.0, max_iter=k)
        ratios = {"new": [], "base": []}
        for _ in range(rep):
            floor0 = rb.matvec_floor(ds)
            with rb.plain_steps("gdlogreg", "gdlogreg_base"):
                t, o = rb.interleaved(jobs, 1, math.inf)
            floor = statistics.median([floor0, rb.matvec_floor(ds)])
            iters = {k: n_iter(m) for k, m in o.items()}
            for tag in ratios:
                ratios[tag].append(rb.interior_time(t, iters, f"{tag}@M1", f"{tag}@M2") / floor)
        row["per_iter"][s] = tuple(statistics.median(ratios[k]) for k in ("new", "base"))
    nb = rb.x_nbytes(ds.X)
    row["memory"] = tuple(rb.peak_bytes(lambda c=c: fit(c, ds)) / nb for c in (new, old))
    return row


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--base", required=True, help="git revision of the baseline")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=9)
    p.add_argument("--datasets", default=None,
                   help="comma-separated: run_benchmarks.py's keys, or " + ", ".join(EXTRA))
    p.add_argument("--solvers", default="bb,gd")
    p.add_argument("--blas-threads", type=int, default=1, help="0: the libraries' default")
    args = p.parse_args(argv)
    from threadpoolctl import threadpool_limits

    import gdlogreg

    base = load_base(args.base)
    new_cls = gdlogreg.GradientDescentLogisticRegression
    old_cls = base.GradientDescentLogisticRegression
    limits = threadpool_limits(args.blas_threads) if args.blas_threads else None
    only = args.datasets.split(",") if args.datasets else None
    solvers = args.solvers.split(",")
    print(f"# A/B: this checkout vs {args.base}; BLAS threads: {args.blas_threads or 'default'}")
    print(rb.machine_info() if hasattr(rb, "machine_info") else "")
    head = "| set | fit new/base | fit ms new, base | n_iter new, base | ΔJ rel |"
    head += "".join(f" {s}/floor new, base |" for s in solvers) + " peak/X new, base |"
    print(head)
    print("|" + "---|" * (5 + len(solvers) + 1))
    for ds in load(args.quick, only):
        r = compare(ds, new_cls, old_cls, args.repeats, solvers)
        cells = [
            r["set"], f"{r['fit']:.3f}", "{:.2f}, {:.2f}".format(*r["fit_ms"]),
            "{}, {}".format(*r["n_iter"]), f"{r['dJ']:.1e}",
        ]
        cells += ["{:.3f}, {:.3f}".format(*r["per_iter"][s]) for s in solvers]
        cells.append("{:.3f}, {:.3f}".format(*r["memory"]))
        print("| " + " | ".join(cells) + " |", flush=True)
    del limits
    return 0


if __name__ == "__main__":
    sys.exit(main())
