"""Benchmark GradientDescentLogisticRegression against scikit-learn and a textbook loop.

Run from the repository root::

    python benchmarks/run_benchmarks.py            # full run, rewrites benchmarks/README.md
    python benchmarks/run_benchmarks.py --quick    # small data: a smoke run in seconds

Everything runs in one process and the contenders are interleaved (repeat 1 of
every contender, then repeat 2, ...), so that the ratios between them are
measured under the same load; medians of the repeats are reported. Every model
is scored with the same function, :func:`objective` (float64 weighted log-loss
plus the L2 penalty), against the reference objective J* of the data set. See
benchmarks/README.md for what each table measures.
"""

import argparse
import contextlib
import gc
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy.linalg import LinAlgWarning
from scipy.sparse.linalg import LinearOperator, eigsh
from scipy.special import expit, softmax
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.preprocessing import StandardScaler, normalize
from threadpoolctl import threadpool_info, threadpool_limits

import gdlogreg
from gdlogreg import GradientDescentLogisticRegression

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from log_loss import log_loss_rows  # noqa: E402

START_MARK = "<!-- benchmark-results:start -->"
END_MARK = "<!-- benchmark-results:end -->"

C = 1.0
GAPS = (1e-4, 1e-6)
OUR_SOLVERS = ("bb", "nesterov", "backtracking", "gd")
OURS = tuple(f"ours({s})" for s in OUR_SOLVERS)
LRS = ("LR(lbfgs)", "LR(newton-cholesky)")
SGD = "SGD(log_loss)"
NUMPY_GD = "numpy GD (α=1/L)"
DEFAULT_METHODS = (*OURS, *LRS, SGD)
GAP_METHODS = (*OURS, *LRS, SGD, NUMPY_GD)
PER_ITER_METHODS = (*OURS, NUMPY_GD)
# The memory target is taken on data sets whose X has at least this many MB.
MEMORY_MIN_MB = 10


# --------------------------------------------------------------------------- data
@dataclass
class Dataset:
    key: str
    title: str
    X: object
    y: np.ndarray
    repeats: int = 3
    classes: np.ndarray = field(init=False)
    t: np.ndarray = field(init=False)

    def __post_init__(self):
        self.classes = np.unique(self.y)
        if self.n_classes == 2:
            self.t = (self.y == self.classes[1]).astype(self.X.dtype)
        else:
            self.t = np.searchsorted(self.classes, self.y)

    @property
    def n(self):
        return self.X.shape[0]

    @property
    def d(self):
        return self.X.shape[1]

    @property
    def n_classes(self):
        return len(self.classes)

    @property
    def n_outputs(self):
        return 1 if self.n_classes == 2 else self.n_classes

    @property
    def nbytes(self):
        return x_nbytes(self.X)

    @property
    def fmt(self):
        kind = "CSR" if sp.issparse(self.X) else "dense"
        return f"{kind} {self.X.dtype}"


def x_nbytes(X):
    if sp.issparse(X):
        return X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
    return X.nbytes


def make_sparse(n, d, nnz_per_row, seed):
    """Text-like CSR data: Zipf-popular columns, positive values, unit-norm rows."""
    rng = np.random.default_rng(seed)
    popularity = 1.0 / (np.arange(d) + 10.0)
    cols = rng.choice(d, size=n * nnz_per_row, p=popularity / popularity.sum())
    rows = np.repeat(np.arange(n), nnz_per_row)
    vals = rng.exponential(1.0, size=n * nnz_per_row)
    X = normalize(sp.csr_matrix((vals, (rows, cols)), shape=(n, d)), norm="l2")
    X.sort_indices()
    z = X @ (3.0 * rng.standard_normal(d))
    y = (rng.random(n) < expit(z - np.median(z))).astype(np.int64)
    return X, y


def load_datasets(quick, only=None):
    std = StandardScaler()
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xd, yd = load_digits(return_X_y=True)
    small = dict(repeats=9)
    if quick:
        n_dense, d_dense, n_sp, d_sp = 2_000, 20, 2_000, 200
        Xd, yd = Xd[:600], yd[:600]
    else:
        n_dense, d_dense, n_sp, d_sp = 200_000, 100, 300_000, 2_000
    Xm, ym = make_classification(n_dense, d_dense, n_informative=d_dense // 5, random_state=0)
    Xs, ys = make_sparse(n_sp, d_sp, 20, seed=1)
    makers = {
        "breast_cancer": lambda: Dataset(
            "breast_cancer", "breast cancer (std)", std.fit_transform(Xb), yb, **small
        ),
        "digits": lambda: Dataset(
            "digits",
            f"digits{' 600' if quick else ''} (std, 10 classes)",
            std.fit_transform(Xd),
            yd,
            **small,
        ),
        "dense": lambda: Dataset(
            "dense", f"make_classification {n_dense // 1000}k×{d_dense}", Xm, ym
        ),
        "csr": lambda: Dataset("csr", f"sparse CSR {n_sp // 1000}k×{d_sp}, 20 nnz/row", Xs, ys),
        "float32": lambda: Dataset(
            "float32",
            f"make_classification {n_dense // 1000}k×{d_dense}, float32",
            Xm.astype(np.float32),
            ym,
        ),
    }
    keys = list(makers) if not only else only
    return [makers[k]() for k in keys]


# ---------------------------------------------------------------- the shared J
def decision(X, coef):
    """X @ coef.T in float64, in row blocks (no float64 copy of a float32 X)."""
    if sp.issparse(X) or X.dtype == np.float64:
        return np.asarray(X @ coef.T)
    out = np.empty((X.shape[0], coef.shape[0]))
    for start in range(0, X.shape[0], 16384):
        out[start : start + 16384] = X[start : start + 16384].astype(np.float64) @ coef.T
    return out


def objective(ds, coef, intercept):
    """J = mean log-loss + ‖W‖²/(2 C n), in float64, for every model alike.

    This is LogisticRegression's objective divided by C·n (and SGDClassifier's
    with alpha = 1/(C n)), the cost GradientDescentLogisticRegression minimises.
    """
    coef = np.asarray(coef, dtype=np.float64).reshape(ds.n_outputs, ds.d)
    intercept = np.asarray(intercept, dtype=np.float64).reshape(ds.n_outputs)
    Z = decision(ds.X, coef) + intercept
    loss = log_loss_rows(Z, ds.t)
    return float(loss.mean() + np.sum(coef * coef) / (2.0 * C * ds.n))


# ------------------------------------------------------------------ contenders
@dataclass
class Fit:
    coef: np.ndarray
    intercept: np.ndarray
    n_iter: int
    curve: object = None


def fit_ours(ds, solver, **params):
    m = GradientDescentLogisticRegression(C=C, solver=solver, **params).fit(ds.X, ds.y)
    return Fit(m.coef_, m.intercept_, int(np.max(m.n_iter_)), m.loss_curve_)


def fit_lr(ds, solver, **params):
    m = LogisticRegression(C=C, solver=solver, **params).fit(ds.X, ds.y)
    return Fit(m.coef_, m.intercept_, int(np.max(m.n_iter_)))


def fit_sgd(ds, **params):
    m = SGDClassifier(loss="log_loss", alpha=1.0 / (C * ds.n), random_state=0, **params)
    m.fit(ds.X, ds.y)
    return Fit(m.coef_, m.intercept_, int(np.max(m.n_iter_)))


def fitter(ds, method):
    """``run(**params) -> Fit`` for a method name (None where it does not apply)."""
    if method.startswith("ours("):
        solver = method[5:-1]
        return lambda **p: fit_ours(ds, solver, **p)
    if method.startswith("LR("):
        solver = method[3:-1]
        return lambda **p: fit_lr(ds, solver, **p)
    if method == SGD:
        # SGDClassifier fits one-vs-rest models, not the multinomial model.
        return (lambda **p: fit_sgd(ds, **p)) if ds.n_classes == 2 else None
    raise ValueError(method)


# --------------------------------------------------------- the textbook loop
def numpy_gd(X, t, n_classes, alpha, n_iter, record=None):
    """Plain batch gradient descent from zeros: w -= α·dw, b -= α·db.

    ``record(k, z, w, b)`` (optional) sees iterate k before its update and
    returns True to stop.
    """
    n, d = X.shape
    lam = 1.0 / (C * n)
    if n_classes == 2:
        w, b = np.zeros(d, X.dtype), X.dtype.type(0)
        for k in range(n_iter + 1):
            z = X @ w + b
            if (record is not None and record(k, z, w, b)) or k == n_iter:
                break
            r = (expit(z) - t) / n
            w -= alpha * (X.T @ r + lam * w)
            b -= alpha * r.sum()
        return w[None, :], np.array([b])
    Y = np.zeros((n, n_classes), X.dtype)
    Y[np.arange(n), t] = 1
    W, b = np.zeros((n_classes, d), X.dtype), np.zeros(n_classes, X.dtype)
    for k in range(n_iter + 1):
        Z = X @ W.T + b
        if (record is not None and record(k, Z, W, b)) or k == n_iter:
            break
        R = (softmax(Z, axis=1) - Y) / n
        W -= alpha * ((X.T @ R).T + lam * W)
        b -= alpha * R.sum(axis=0)
    return W, b


def textbook_step(ds):
    """α = 1/L, L = c‖[X, 1]‖₂²/n + 1/(C n) (c = 1/4 sigmoid, 1/2 softmax)."""
    X, n = ds.X, ds.n
    ones = np.ones(n)

    def matvec(v):
        v = np.ravel(v)
        u = X @ v[:-1] + v[-1]
        return np.append(X.T @ u, u.sum())

    op = LinearOperator((ds.d + 1, ds.d + 1), matvec=matvec, dtype=np.float64)
    top = eigsh(op, k=1, which="LA", tol=1e-8, v0=np.append(X.T @ ones, n))[0][0]
    c = 0.25 if ds.n_classes == 2 else 0.5
    # A Python float: a numpy float64 scalar would turn float32 arrays into float64.
    return float(1.0 / (c * top * (1.0 + 1e-6) / n + 1.0 / (C * n)))


def run_numpy_gd(ds, alpha, n_iter, record=None):
    W, b = numpy_gd(ds.X, ds.t, ds.n_classes, alpha, n_iter, record)
    return Fit(W, b, n_iter)


# --------------------------------------------------------------------- timing
def timed(fn):
    """(seconds, output) of ``fn()``, with the garbage collector off (as timeit)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = time.perf_counter()
        out = fn()
        return time.perf_counter() - t0, out
    finally:
        if enabled:
            gc.enable()


def interleaved(jobs, repeats, long_s):
    """Run ``jobs`` (name -> callable) round-robin ``repeats`` times.

    The order is reversed every other round. A job whose first run took longer
    than ``long_s`` seconds is run once (its noise is small relative to it).
    Returns (median seconds per job, last output per job).
    """
    times = {name: [] for name in jobs}
    outs = {}
    names = list(jobs)
    for r in range(repeats):
        gc.collect()
        for name in names if r % 2 == 0 else names[::-1]:
            if times[name] and times[name][0] > long_s:
                continue
            dt, outs[name] = timed(jobs[name])
            times[name].append(dt)
    return {k: statistics.median(v) for k, v in times.items()}, outs


def matvec_floor(ds, min_time=0.05):
    """Median time of one ``X @ v`` plus one ``X.T @ r`` (the shapes the solvers use)."""
    rng = np.random.default_rng(0)
    K = ds.n_outputs
    dt = ds.X.dtype
    if K == 1:
        v, r = rng.standard_normal(ds.d).astype(dt), rng.standard_normal(ds.n).astype(dt)
    else:
        v = rng.standard_normal((K, ds.d)).astype(dt).T
        r = rng.standard_normal((ds.n, K)).astype(dt)
    X = ds.X
    samples = []
    start = time.perf_counter()
    while len(samples) < 5 or (time.perf_counter() - start < min_time and len(samples) < 2000):
        t0 = time.perf_counter()
        X @ v
        X.T @ r
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


# ------------------------------------------------------------------- sections
def reference(ds, log):
    """J* = the lowest J of two tight LogisticRegression fits (tol=1e-12).

    A float32 X is fitted as float64 (the same values): the reference is the
    exact minimiser of J on the data, not a float32 approximation of it.
    """
    if ds.X.dtype != np.float64:
        ds = Dataset(ds.key, ds.title, ds.X.astype(np.float64), ds.y, ds.repeats)
    cands = {
        "LR(newton-cholesky, tol=1e-12)": fit_lr(ds, "newton-cholesky", tol=1e-12, max_iter=500)
    }
    if ds.n * ds.d <= 1e6:  # a second opinion where it is cheap
        cands["LR(lbfgs, tol=1e-12)"] = fit_lr(ds, "lbfgs", tol=1e-12, max_iter=20_000)
    Js = {k: objective(ds, f.coef, f.intercept) for k, f in cands.items()}
    best = min(Js, key=Js.get)
    for k, v in Js.items():
        log(f"  reference {k}: J = {v:.15g} (rel. to min: {(v - Js[best]) / Js[best]:.1e})")
    return Js[best], best, Js


def rel_gap(J, J_star):
    return max(J - J_star, 0.0) / abs(J_star)


# M of the large sets' marginal per-iteration time.
M_LARGE = 30


@contextlib.contextmanager
def plain_steps(*packages):
    """bb without its switch to whitened steps (in each of ``packages``, gdlogreg by default):
    the per-iteration time is that of the loop's kernels. The switch's one-off H (after 20
    iterations) is set-up, not an iteration's cost, and after it a fit of these sets may
    stop at once at its floor (float32 at tol=0), which leaves no iterations to time."""
    import importlib

    modules = []
    for name in (f"{p}.{m}" for p in packages or ("gdlogreg",) for m in ("_steps.bb", "_batch")):
        try:  # (a revision before the step rules' package, in bench_ab.py: no switch)
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError:
            continue
    modules = [m for m in modules if hasattr(m, "WHITEN_RHO")]
    saved = [m.WHITEN_RHO for m in modules]
    for m in modules:
        m.WHITEN_RHO = math.inf
    try:
        yield
    finally:
        for m, v in zip(modules, saved, strict=True):
            m.WHITEN_RHO = v


#: The shorter fit of the interior per-iteration time: its set-up and first iterations (the
#: first steps' refusals and guesses) are subtracted with it.
M_FIRST = 5


def interior_bounds(run, M):
    """``(M₁, M₂)``: the ``max_iter`` of the two fits whose difference times the loop's
    iterations alone, (T(M₂) − T(M₁)) / (n₂ − n₁), for ``run(max_iter)`` a fit at tol=0
    returning its iterations. M₂ = M, or one iteration before a probe fit's stop where it
    stops sooner: a float32 fit at tol=0 stops at its rounding floor, and its stop's
    checks (float64 gradients, a Hessian take) are not an iteration's cost (counted as
    iterations they read 2.3 floors, where its iterations take 1.07); M₁ = min(M_FIRST,
    M₂ // 2)."""
    n = run(M)
    M2 = M if n >= M else max(n - 1, 2)
    return min(M_FIRST, M2 // 2), M2


def interior_time(times, iters, lo="@M1", hi="@M2"):
    """The interior per-iteration time (:func:`interior_bounds`) from the fits' ``times``
    and ``iters`` under the keys ``lo`` and ``hi``."""
    return (times[hi] - times[lo]) / max(iters[hi] - iters[lo], 1)


# Repeats of the per-iteration section in a full run: each is a single fit per
# solver, so its ratio moves by ±0.1 from run to run on the shared machine, and
# a repeat costs a few seconds even on the large sets.
PER_ITER_REPEATS = 7


def per_iteration(ds, cfg, log):
    """Marginal per-iteration time of each solver, in units of the two-matvec floor."""
    with plain_steps():
        return _per_iteration(ds, cfg, log)


def _per_iteration(ds, cfg, log):
    big = ds.n * ds.d > 1e6
    M = cfg.M_small if not big else M_LARGE
    alpha = textbook_step(ds)
    jobs = {"ours(bb)@0": lambda: fit_ours(ds, "bb", tol=0.0, max_iter=0)}
    for s in OUR_SOLVERS:
        bounds = interior_bounds(lambda k, s=s: fit_ours(ds, s, tol=0.0, max_iter=k).n_iter, M)
        for tag, k in zip(("@M1", "@M2"), bounds, strict=True):
            jobs[f"ours({s}){tag}"] = lambda s=s, k=k: fit_ours(ds, s, tol=0.0, max_iter=k)
    jobs[NUMPY_GD] = lambda: run_numpy_gd(ds, alpha, M)
    ratios = {m: [] for m in PER_ITER_METHODS}
    setup = []
    per_iter_s = {m: [] for m in PER_ITER_METHODS}
    floors = []
    repeats = cfg.repeats or (
        ds.repeats if getattr(cfg, "quick", False) else max(ds.repeats, PER_ITER_REPEATS)
    )
    for _ in range(repeats):
        before = matvec_floor(ds)
        times, outs = interleaved(jobs, 1, math.inf)
        floor = statistics.median([before, matvec_floor(ds)])
        floors.append(floor)
        iters = {k: f.n_iter for k, f in outs.items() if k != NUMPY_GD}
        for s in OUR_SOLVERS:
            m = f"ours({s})"
            pit = interior_time(times, iters, f"{m}@M1", f"{m}@M2")
            per_iter_s[m].append(pit)
            ratios[m].append(pit / floor)
        setup.append(times["ours(bb)@0"] / floor)
        per_iter_s[NUMPY_GD].append(times[NUMPY_GD] / M)
        ratios[NUMPY_GD].append(times[NUMPY_GD] / M / floor)
    res = {
        "floor_ms": 1e3 * statistics.median(floors),
        "M": M,
        "ratio": {m: statistics.median(v) for m, v in ratios.items()},
        "seconds": {m: statistics.median(v) for m, v in per_iter_s.items()},
        "bb_setup_floors": statistics.median(setup),
        "alpha": alpha,
    }
    log(
        f"  per-iteration (floor {res['floor_ms']:.3f} ms): "
        + ", ".join(f"{m} {r:.2f}x" for m, r in res["ratio"].items())
        + f"; bb setup {res['bb_setup_floors']:.1f} floors"
    )
    return res


# The sets whose per-iteration time is a target, timed at every thread count.
THREAD_SETS = ("dense", "csr", "float32")


def thread_counts():
    """1, 2, ... up to the cores this process may run on."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return list(range(1, (cores or 1) + 1))


def per_iteration_threads(ds, cfg, log):
    """ours(bb)'s per-iteration time / two-matvec floor at each thread count
    (:func:`_per_iteration_threads`, bb without its switch to whitened steps)."""
    with plain_steps():
        return _per_iteration_threads(ds, cfg, log)


def _per_iteration_threads(ds, cfg, log):
    """ours(bb)'s per-iteration time / two-matvec floor at each thread count.

    Each count limits the BLAS, OpenMP and gdlogreg's own O(n) passes
    (threadpoolctl); the floor is taken under the same limit. The counts are
    interleaved (1, 2, ..., then back), a repeat being the two fits of
    :func:`interior_bounds` between two floors; medians of the repeats.
    """
    M = cfg.M_small if ds.n * ds.d <= 1e6 else M_LARGE
    bounds = interior_bounds(lambda k: fit_ours(ds, "bb", tol=0.0, max_iter=k).n_iter, M)
    jobs = {tag: lambda k=k: fit_ours(ds, "bb", tol=0.0, max_iter=k)
            for tag, k in zip(("@M1", "@M2"), bounds, strict=True)}
    counts = getattr(cfg, "counts", None) or thread_counts()
    got = {k: {"ratio": [], "floor": [], "iter": []} for k in counts}
    repeats = cfg.repeats or (
        ds.repeats if getattr(cfg, "quick", False) else max(ds.repeats, PER_ITER_REPEATS)
    )
    for r in range(repeats):
        for k in counts if r % 2 == 0 else counts[::-1]:
            with threadpool_limits(k):
                before = matvec_floor(ds)
                times, outs = interleaved(jobs, 1, math.inf)
                floor = statistics.median([before, matvec_floor(ds)])
            pit = interior_time(times, {k: f.n_iter for k, f in outs.items()})
            got[k]["ratio"].append(pit / floor)
            got[k]["floor"].append(floor)
            got[k]["iter"].append(pit)
    res = {
        str(k): {
            "ratio": statistics.median(v["ratio"]),
            "floor_ms": 1e3 * statistics.median(v["floor"]),
            "iter_ms": 1e3 * statistics.median(v["iter"]),
        }
        for k, v in got.items()
    }
    log(
        "  bb per-iteration / floor by threads: "
        + ", ".join(
            f"{k}: {v['ratio']:.2f}x ({v['iter_ms']:.2f} / {v['floor_ms']:.2f} ms)"
            for k, v in res.items()
        )
    )
    return res


def default_fits(ds, cfg, J_star, log):
    jobs = {}
    for m in OURS:
        jobs[m] = lambda m=m: fitter(ds, m)()
    for m in LRS:
        jobs[m] = lambda m=m: fitter(ds, m)()
    if fitter(ds, SGD) is not None:
        jobs[SGD] = fitter(ds, SGD)
    times, outs = interleaved(jobs, cfg.repeats or ds.repeats, cfg.long_s)
    res = {}
    for m in jobs:
        J = objective(ds, outs[m].coef, outs[m].intercept)
        res[m] = {"time": times[m], "gap": rel_gap(J, J_star), "n_iter": outs[m].n_iter}
        log(
            f"  default {m:22s} {times[m]:8.4f} s  gap {res[m]['gap']:.1e}  n_iter {outs[m].n_iter}"
        )
    return res


def _first_within(curve, target):
    best = math.inf
    for k, J in enumerate(curve):
        best = min(best, J)
        if best <= target:
            return k
    return None


def _verify(run, k, ds, target, k_max):
    """Smallest k' >= k (stepping up) whose model is within target; (k', seconds)."""
    for _ in range(8):
        dt, f = timed(lambda k=k: run(k))
        if objective(ds, f.coef, f.intercept) <= target:
            return k, dt
        k = min(k + max(1, k // 50), k_max)
    return None, None


def _ladder(run, ds, targets, cap_s, k_max):
    """Smallest max_iter reaching each target, by a geometric ladder then bisection."""
    probes = {}

    def probe(k):
        if k not in probes:
            dt, f = timed(lambda: run(k))
            probes[k] = (dt, objective(ds, f.coef, f.intercept), f.n_iter)
        return probes[k]

    spent, k, n_prev = 0.0, 1, -1
    while k <= k_max:
        dt, J, n_it = probe(k)
        spent += dt
        # The iteration count stopped growing: the solver stops by itself (a
        # newton-cholesky that fell back to lbfgs reports k - 1 iterations).
        if J <= min(targets) or (n_it < k and n_it == n_prev) or spent > cap_s:
            break
        n_prev = n_it
        k = max(k + 1, int(round(k * 1.5)))
    found = {}
    for target in targets:
        hits = [q for q, p in probes.items() if p[1] <= target]
        if not hits:
            found[target] = None
            continue
        hi = min(hits)
        lo = max([q for q in probes if q < hi], default=0)
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if probe(mid)[1] <= target:
                hi = mid
            else:
                lo = mid
        found[target] = hi
    best_J = min(p[1] for p in probes.values())
    k_last = max(probes)
    return found, best_J, (probes[k_last][0], probes[k_last][2])


def time_to_gap(ds, cfg, J_star, per_iter, log, default=None):
    """Fastest fit (smallest max_iter, tol=0) within each gap of J*, per method."""
    targets = {g: J_star * (1.0 + g) for g in GAPS}
    tight = min(targets.values())
    settings = {}  # (method, gap) -> zero-argument callable
    info = {}  # method -> {"k": {gap: k}, "best_gap": ...}

    # Ours: the path does not depend on tol, so one long run gives J after every
    # iteration (loss_curve_); a fit with max_iter=k then stops at iterate k.
    bb_time = None
    for m in OURS:
        s = m[5:-1]
        pit = per_iter["seconds"][m]
        cap = cfg.cap_bb if m == "ours(bb)" else _cap(cfg, bb_time)
        k_cap = int(max(50, min(200_000, cap / max(pit, 1e-7))))
        # The path does not depend on max_iter: double it until the curve
        # reaches the tightest target, the fit stops by itself, or k_cap.
        k = 16
        while True:
            k = min(k, k_cap)
            probe_s, probe = timed(lambda s=s, k=k: fit_ours(ds, s, tol=0.0, max_iter=k))
            curve = probe.curve
            if np.min(curve) <= tight or probe.n_iter < k or k >= k_cap:
                break
            k *= 2
        ks = {}
        for g, target in targets.items():
            k = _first_within(curve, target)
            if k is not None:
                k, dt = _verify(
                    lambda k, s=s: fit_ours(ds, s, tol=0.0, max_iter=k), k, ds, target, k_cap
                )
                if m == "ours(bb)" and g == min(GAPS) and k is not None:
                    bb_time = dt
            ks[g] = k
            if k is not None:
                settings[m, g] = lambda s=s, k=k: fit_ours(ds, s, tol=0.0, max_iter=k)
        info[m] = {
            "k": ks,
            "best_gap": rel_gap(float(np.min(curve)), J_star),
            "tried": (probe_s, probe.n_iter),
        }

    # LogisticRegression and SGD: a ladder of max_iter (tol=0), then bisection.
    for m in (*LRS, SGD):
        base = fitter(ds, m)
        if base is None:
            continue
        if m == SGD:
            params = {"tol": None}
        else:
            params = {"tol": 0.0}
        cap = _cap(cfg, bb_time)
        if default and m in default:  # room for a few of its default fits
            cap = min(max(cap, 2.5 * default[m]["time"]), cfg.cap_hi)

        def run(k, base=base, params=params):
            return base(max_iter=k, **params)

        found, best_J, tried = _ladder(
            run, ds, sorted(targets.values(), reverse=True), cap, 100_000
        )
        ks = {g: found[targets[g]] for g in GAPS}
        for g, k in ks.items():
            if k is not None:
                settings[m, g] = lambda run=run, k=k: run(k)
        info[m] = {"k": ks, "best_gap": rel_gap(best_J, J_star), "tried": tried}

    # The textbook loop: record J at every iterate once, then time k iterations.
    alpha = per_iter["alpha"]
    cap = _cap(cfg, bb_time, textbook=True)
    k_cap = int(max(100, cap / max(per_iter["seconds"][NUMPY_GD], 1e-7)))
    curve = []

    def record(k, z, w, b):
        J = _J_from_z(ds, z, w)
        curve.append(J)
        return J <= tight * (1 - 1e-9)

    run_numpy_gd(ds, alpha, k_cap, record)
    ks = {}
    for g, target in targets.items():
        k = _first_within(curve, target)
        if k is not None:
            k, _ = _verify(lambda k: run_numpy_gd(ds, alpha, k), k, ds, target, k_cap)
        ks[g] = k
        if k is not None:
            settings[NUMPY_GD, g] = lambda k=k: run_numpy_gd(ds, alpha, k)
    # Time of the iterations made, at the per-iteration time measured without
    # the recording of J (a lower bound of the loop's time, in its favour).
    done = len(curve) - 1
    info[NUMPY_GD] = {
        "k": ks,
        "best_gap": rel_gap(float(np.min(curve)), J_star),
        "tried": (done * per_iter["seconds"][NUMPY_GD], done),
    }

    jobs = {f"{m}|{g}": fn for (m, g), fn in settings.items()}
    times, _ = interleaved(jobs, cfg.repeats or ds.repeats, cfg.long_s)
    res = {}
    for m in GAP_METHODS:
        if m not in info:
            continue
        res[m] = {"best_gap": info[m]["best_gap"], "tried": info[m]["tried"]}
        for g in GAPS:
            key = f"{m}|{g}"
            res[m][g] = {"time": times.get(key), "k": info[m]["k"][g]}
        log(
            f"  to-gap {m:22s} "
            + "  ".join(
                f"{g:.0e}: "
                + (
                    f"{res[m][g]['time']:.4f} s (k={res[m][g]['k']})"
                    if res[m][g]["time"]
                    else f"not reached (best {res[m]['best_gap']:.1e})"
                )
                for g in GAPS
            )
        )
    return res


def _cap(cfg, bb_time, textbook=False):
    """Probe budget (s) of a method: a multiple of our bb time to 1e-6, clamped."""
    lo, hi = (cfg.cap_lo, cfg.cap_hi_textbook if textbook else cfg.cap_hi)
    mult = 15.0 if textbook else 10.0
    return min(max(mult * (bb_time or 0.0), lo), hi)


def _J_from_z(ds, z, w):
    z = np.asarray(z, dtype=np.float64)
    w = np.asarray(w, dtype=np.float64)
    loss = log_loss_rows(z.reshape(ds.n, -1), ds.t)
    return float(loss.mean() + np.sum(w * w) / (2.0 * C * ds.n))


def peak_bytes(fn):
    """Peak of the memory allocated while ``fn()`` runs (tracemalloc), in bytes."""
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return peak


def peak_memory(ds, log, X=None, label=None):
    """Peak of the memory allocated during a default fit (tracemalloc), over X."""
    X = ds.X if X is None else X
    res = {"X_MB": x_nbytes(X) / 2**20, "label": label or ds.title}
    for m, fn in (
        ("ours(bb)", lambda: GradientDescentLogisticRegression(C=C).fit(X, ds.y)),
        ("LR(lbfgs)", lambda: LogisticRegression(C=C).fit(X, ds.y)),
    ):
        peak = peak_bytes(fn)
        res[m] = peak / x_nbytes(X)
        if m == "ours(bb)":
            res["ours_MB"] = peak / 2**20
            res["n_vectors"] = peak / (ds.n * X.dtype.itemsize)
    log(
        f"  memory {res['label']}: X {res['X_MB']:.1f} MB, ours peak {res['ours_MB']:.1f} MB"
        f" = {res['ours(bb)']:.3f} X = {res['n_vectors']:.1f} n-vectors;"
        f" LR(lbfgs) {res['LR(lbfgs)']:.3f} X"
    )
    return res


# --------------------------------------------------------------------- report
def machine_info():
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    blas = []
    for lib in threadpool_info():
        if lib.get("user_api") == "blas":
            owner = (
                "numpy"
                if "numpy" in lib["filepath"]
                else ("scipy" if "scipy" in lib["filepath"] else Path(lib["filepath"]).name)
            )
            blas.append(
                f"{owner}: {lib['internal_api']} {lib['version']}"
                f" ({lib.get('architecture')}, {lib['num_threads']} threads)"
            )
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=HERE
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "gdlogreg"],
            capture_output=True,
            text=True,
            cwd=HERE.parent,
        ).stdout.strip()
        if dirty:
            commit += " + uncommitted changes in gdlogreg/"
    except OSError:
        commit = "unknown"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "blas": blas,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "sklearn": sklearn.__version__,
        "gdlogreg": gdlogreg.__version__,
        "commit": commit,
    }


def _fmt_t(s):
    if s is None:
        return "–"
    if s < 1e-2:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.3f} s"


def _fmt_g(g):
    return "0" if g == 0 else f"{g:.1e}"


def table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def render(results):
    dss = results["datasets"]
    cols = [d["title"] for d in dss]
    mi = results["machine"]
    parts = [
        "### Machine and run",
        "",
        f"- CPU: {mi['cpu']}, {mi['cores']} cores (shared with other jobs: timings are noisy,"
        " compare ratios taken in the same run)",
        "- BLAS (threadpoolctl, during the run): "
        + "; ".join(mi["blas"])
        + (
            f"; BLAS and OpenMP limited to {results['threads']} thread(s) by --blas-threads"
            if results.get("threads")
            else ""
        ),
        f"- Python {mi['python']}, numpy {mi['numpy']}, scipy {mi['scipy']},"
        f" scikit-learn {mi['sklearn']}, gdlogreg {mi['gdlogreg']} (commit {mi['commit']})",
        f"- mode: {results['mode']}, repeats: {results['repeats']}, C = {C},"
        f" total run time {results['total_s']:.0f} s; load average (1 min) at start / end:"
        f" {results['load'][0]:.1f} / {results['load'][1]:.1f}",
        "",
        "### Data sets and reference objective",
        "",
        table(
            ["data set", "n × d", "classes", "format", "X (MB)", "J*", "J* from"],
            [
                [
                    d["title"],
                    f"{d['n']} × {d['d']}",
                    d["n_classes"],
                    d["format"],
                    f"{d['X_MB']:.1f}",
                    f"{d['J_star']:.10g}",
                    d["J_star_from"],
                ]
                for d in dss
            ],
        ),
        "",
        "### Default fits: wall time (median) and relative objective gap (J − J*)/J*",
        "",
        "Each cell: time / gap. Defaults: ours `tol=1e-5, max_iter=1000`;"
        " `LogisticRegression()` `tol=1e-4, max_iter=100`; SGD `tol=1e-3`.",
        "",
    ]
    rows = []
    for m in DEFAULT_METHODS:
        row = [m]
        for d in dss:
            r = d["default"].get(m)
            row.append("n/a (OvR)" if r is None else f"{_fmt_t(r['time'])} / {_fmt_g(r['gap'])}")
        rows.append(row)
    rows.append(["**ours(bb) / LR(lbfgs) time**"] + [f"**{d['default_ratio']:.2f}**" for d in dss])
    parts += [table(["method", *cols], rows), ""]

    for g in GAPS:
        parts += [
            f"### Time to reach J* within {g:.0e} (relative), fastest max_iter, median",
            "",
            "Each cell: time (iterations). '> t (k) [gap]': not reached; the longest fit"
            " tried took t for k iterations and ended at that gap.",
            "",
        ]
        rows = []
        for m in GAP_METHODS:
            row = [m]
            for d in dss:
                r = d["to_gap"].get(m)
                if r is None:
                    row.append("n/a (OvR)")
                elif r[str(g)]["time"] is None:
                    t_s, k = r["tried"]
                    row.append(f"> {_fmt_t(t_s)} ({k}) [{_fmt_g(r['best_gap'])}]")
                else:
                    row.append(f"{_fmt_t(r[str(g)]['time'])} ({r[str(g)]['k']})")
            rows.append(row)
        rows.append(["**numpy GD / ours(bb)**"] + [f"**{_speedup_str(d, g)}**" for d in dss])
        parts += [table(["method", *cols], rows), ""]

    parts += [
        "### Per-iteration time / two-matvec floor (one `X @ v` + one `X.T @ r`)",
        "",
        "Interior time of an iteration: (fit with max_iter=M₂ − fit with max_iter=M₁) over"
        " their difference in n_iter_, M₁ = 5 and M₂ = M, or one iteration before the stop"
        " where a fit stops sooner (its stop's checks are not an iteration's cost), tol=0, bb"
        " without its switch to whitened steps (whose one-off H is set-up), divided by the"
        " floor measured right before and after on the same X; medians. 'bb setup' is the"
        " max_iter=0 fit in floors.",
        "",
    ]
    rows = [
        [d["title"], f"{d['per_iter']['floor_ms']:.3f}", d["per_iter"]["M"]]
        + [f"{d['per_iter']['ratio'][m]:.2f}" for m in PER_ITER_METHODS]
        + [f"{d['per_iter']['bb_setup_floors']:.1f}"]
        for d in dss
    ]
    parts += [
        table(["data set", "floor (ms)", "M", *PER_ITER_METHODS, "bb setup (floors)"], rows),
        "",
    ]
    parts += _threads_section(dss)
    parts += [
        "### Peak memory of the default fit (tracemalloc), relative to the size of X",
        "",
        "Extra memory allocated by `fit` at its peak (X itself excluded);"
        " 'n-vectors' is the same peak in units of one length-n vector of X's dtype.",
        "",
    ]
    rows = [
        [
            r["label"],
            f"{r['X_MB']:.1f}",
            f"{r['ours_MB']:.1f}",
            f"{r['ours(bb)']:.3f}",
            f"{r['n_vectors']:.1f}",
            f"{r['LR(lbfgs)']:.3f}",
        ]
        for r in results["memory"]
    ]
    parts += [
        table(
            [
                "data set",
                "X (MB)",
                "ours peak (MB)",
                "ours peak / X",
                "ours peak (n-vectors)",
                "LR(lbfgs) peak / X",
            ],
            rows,
        ),
        "",
        "### Targets",
        "",
        table(["target", "measured", "met"], results["targets"]),
        "",
    ]
    return "\n".join(parts)


def _threads_section(dss):
    """The table of ours(bb)'s per-iteration time / floor at each thread count."""
    dss = [d for d in dss if d.get("per_iter_threads")]
    if not dss:
        return []
    counts = list(dss[0]["per_iter_threads"])
    last = counts[-1]
    rows = []
    for d in dss:
        res = d["per_iter_threads"]
        rows.append(
            [d["title"]]
            + [
                f"{res[k]['ratio']:.2f} ({res[k]['iter_ms']:.2f} / {res[k]['floor_ms']:.2f} ms)"
                for k in counts
            ]
            + [f"{res['1']['iter_ms'] / res[last]['iter_ms']:.2f}×"]
        )
    return [
        "### Threads: ours(bb) per-iteration time / two-matvec floor at each thread count",
        "",
        "Each cell: ratio (time of an iteration / floor, both under the same limit of BLAS,"
        " OpenMP and gdlogreg threads, set by threadpoolctl); medians of interleaved repeats."
        " scipy.sparse's products run on one thread, so the CSR floor does not fall with"
        " threads while gdlogreg's blocks of X do.",
        "",
        table(
            ["data set", *[f"{k} thread{'s' if k != '1' else ''}" for k in counts],
             f"iteration 1 → {last} threads"],
            rows,
        ),
        "",
    ]


def _speedup(d, g):
    """(ratio, is_lower_bound) of numpy GD time over ours(bb) time to gap g."""
    ours = d["to_gap"]["ours(bb)"][str(g)]["time"]
    tb = d["to_gap"][NUMPY_GD]
    if ours is None:
        return None, False
    if tb[str(g)]["time"] is not None:
        return tb[str(g)]["time"] / ours, False
    return tb["tried"][0] / ours, True


def _speedup_str(d, g):
    r, lower = _speedup(d, g)
    if r is None:
        return "–"
    return f"{'> ' if lower else ''}{r:.1f}×"


def evaluate_targets(results):
    dss = results["datasets"]
    rows = []
    gap_ok = [
        d["default"]["ours(bb)"]["gap"] <= max(d["default"]["LR(lbfgs)"]["gap"], 1e-6) for d in dss
    ]
    rows.append(
        [
            "default fit gap <= max(LR() gap, 1e-6) on every data set",
            ", ".join(
                f"{d['key']}: {_fmt_g(d['default']['ours(bb)']['gap'])} vs "
                f"{_fmt_g(max(d['default']['LR(lbfgs)']['gap'], 1e-6))}"
                for d in dss
            ),
            _yes(all(gap_ok)),
        ]
    )
    ratios = [d["default_ratio"] for d in dss]
    med, worst = statistics.median(ratios), max(ratios)
    rows.append(
        [
            "default fit time ours / LR(): median <= 1.0, worst <= 2.0",
            f"median {med:.2f}, worst {worst:.2f}",
            _yes(med <= 1.0 and worst <= 2.0),
        ]
    )
    big = [d for d in dss if d["key"] in ("dense", "csr", "float32")] or dss
    pit = {d["key"]: d["per_iter"]["ratio"]["ours(bb)"] for d in big}
    rows.append(
        [
            "per-iteration time (bb) <= 1.15 × floor (dense f64, f32, CSR)",
            ", ".join(f"{k}: {v:.2f}" for k, v in pit.items()),
            _yes(all(v <= 1.15 for v in pit.values())),
        ]
    )
    pit_all = {m: max(d["per_iter"]["ratio"][m] for d in big) for m in OURS}
    rows.append(
        [
            "same, worst over those sets, each solver (not a target: Nesterov's"
            " second O(n) pass at y and backtracking's extra trials are work of their own)",
            ", ".join(f"{m}: {v:.2f}" for m, v in pit_all.items()),
            "–",
        ]
    )
    # Where X has at least MEMORY_MIN_MB: on smaller data fixed costs (validation,
    # per-feature arrays, Python objects) outweigh X; those rows are shown apart.
    large = {r["label"]: r["ours(bb)"] for r in results["memory"] if r["X_MB"] >= MEMORY_MIN_MB}
    small = [r for r in results["memory"] if r["X_MB"] < MEMORY_MIN_MB]
    rows.append(
        [
            f"peak memory of fit <= 10% of X (no copy of X), sets with X >= {MEMORY_MIN_MB} MB",
            ", ".join(f"{k}: {v:.3f}" for k, v in large.items()) or "no such set in this run",
            _yes(all(v <= 0.10 for v in large.values())) if large else "–",
        ]
    )
    if small:
        rows.append(
            [
                f"same, sets with X < {MEMORY_MIN_MB} MB (not a target: fixed costs dominate)",
                ", ".join(
                    f"{r['label']}: {r['ours(bb)']:.3f} (LR(lbfgs) {r['LR(lbfgs)']:.3f})"
                    for r in small
                ),
                "–",
            ]
        )
    sp_vals = [_speedup(d, min(GAPS)) for d in dss]
    rows.append(
        [
            "≥ 10× faster than numpy GD to a 1e-6 gap on every data set",
            ", ".join(
                f"{d['key']}: {'–' if r is None else ('> ' if lb else '') + f'{r:.1f}×'}"
                for d, (r, lb) in zip(dss, sp_vals, strict=True)
            ),
            _yes(all(r is not None and r >= 10 for r, _ in sp_vals)),
        ]
    )
    return rows


def _yes(ok):
    return "yes" if ok else "**no**"


def write_markdown(path, text):
    block = f"{START_MARK}\n{text}\n{END_MARK}\n"
    path = Path(path)
    if path.exists():
        old = path.read_text()
        if START_MARK in old and END_MARK in old:
            head, rest = old.split(START_MARK, 1)
            tail = rest.split(END_MARK, 1)[1].lstrip("\n")
            path.write_text(head + block + tail)
            return
        path.write_text(old.rstrip("\n") + "\n\n" + block)
        return
    path.write_text(block)


# ----------------------------------------------------------------------- main
class Clock:
    """Logs the wall time of each section."""

    def __init__(self, log):
        self.log, self.t = log, time.perf_counter()

    def __call__(self, what):
        now = time.perf_counter()
        self.log(f"  [{what}: {now - self.t:.1f} s]")
        self.t = now


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="small data, short budgets (smoke run)")
    p.add_argument(
        "--repeats",
        type=int,
        default=None,
        help="repeats per measurement (default: 9 for small sets, 3 for large;"
        f" at least {PER_ITER_REPEATS} for the per-iteration times of a full run)",
    )
    p.add_argument(
        "--datasets",
        default=None,
        help="comma-separated subset of breast_cancer,digits,dense,csr,float32",
    )
    p.add_argument(
        "--output",
        default=str(HERE / "README.md"),
        help="markdown file whose results block is rewritten",
    )
    p.add_argument("--json", default=None, help="also write the raw results here")
    p.add_argument(
        "--blas-threads",
        type=int,
        default=1,
        help="limit the BLAS and OpenMP threads (default 1: on a shared machine, threads"
        " that spin-wait for a descheduled sibling make timings erratic); 0: no limit",
    )
    p.add_argument(
        "--threads-only",
        action="store_true",
        help="only the per-iteration times by thread count, on the dense, CSR and float32"
        " sets (printed, and written to --json): for a machine with more cores",
    )
    p.add_argument(
        "--counts",
        default=None,
        help="comma-separated thread counts for the by-threads times (default: 1, 2, ..."
        " up to the cores available)",
    )
    args = p.parse_args(argv)
    args.counts = [int(k) for k in args.counts.split(",")] if args.counts else None
    # Probe budgets (seconds) for the time-to-gap search and the long-job threshold.
    if args.quick:
        args.cap_lo, args.cap_hi, args.cap_hi_textbook, args.cap_bb = 0.05, 0.3, 0.5, 1.0
        args.long_s, args.M_small = 0.5, 30
    else:
        args.cap_lo, args.cap_hi, args.cap_hi_textbook, args.cap_bb = 1.0, 20.0, 40.0, 30.0
        args.long_s, args.M_small = 2.0, 200
    return args


def run(args, log=None):
    log = log or (lambda *a: print(*a, flush=True))
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0]
    # The commit and the state of gdlogreg/ when the package was imported (now).
    commit = machine_info()["commit"]
    only = args.datasets.split(",") if args.datasets else None
    limit = threadpool_limits(args.blas_threads) if args.blas_threads else nullcontext()
    with warnings.catch_warnings(), limit:
        warnings.simplefilter("ignore", ConvergenceWarning)
        # newton-cholesky on float32 data falls back to lbfgs, with a warning.
        warnings.simplefilter("ignore", LinAlgWarning)
        datasets = load_datasets(args.quick, only)
        out = []
        memory = []
        for ds in datasets:
            log(f"{ds.title}: {ds.n} × {ds.d}, {ds.fmt}, {ds.nbytes / 2**20:.1f} MB")
            clock = Clock(log)
            J_star, J_from, _ = reference(ds, log)
            clock("reference")
            per_iter = per_iteration(ds, args, log)
            clock("per-iteration")
            by_threads = per_iteration_threads(ds, args, log) if ds.key in THREAD_SETS else None
            clock("per-iteration by threads")
            default = default_fits(ds, args, J_star, log)
            clock("default fits")
            to_gap = time_to_gap(ds, args, J_star, per_iter, log, default)
            clock("time to gap")
            memory.append(peak_memory(ds, log))
            if ds.key == "dense":
                memory.append(
                    peak_memory(ds, log, X=np.asfortranarray(ds.X), label=f"{ds.title}, F-ordered")
                )
            clock("memory")
            out.append(
                {
                    "key": ds.key,
                    "title": ds.title,
                    "n": ds.n,
                    "d": ds.d,
                    "n_classes": ds.n_classes,
                    "format": ds.fmt,
                    "X_MB": ds.nbytes / 2**20,
                    "J_star": J_star,
                    "J_star_from": J_from,
                    "per_iter": per_iter,
                    "per_iter_threads": by_threads,
                    "default": default,
                    "default_ratio": default["ours(bb)"]["time"] / default["LR(lbfgs)"]["time"],
                    "to_gap": {m: {str(k): v for k, v in r.items()} for m, r in to_gap.items()},
                }
            )
            del ds
            gc.collect()
        machine = machine_info()
        machine["commit"] = commit
    results = {
        "machine": machine,
        "mode": "quick" if args.quick else "full",
        "repeats": args.repeats
        or f"9 (small sets) / 3 (large sets), {PER_ITER_REPEATS} for the per-iteration times",
        "datasets": out,
        "memory": memory,
        "total_s": time.perf_counter() - t_start,
        "load": (load_start, os.getloadavg()[0]),
        "threads": args.blas_threads,
    }
    results["targets"] = evaluate_targets(results)
    return results


def threads_only(args, log=None):
    """Only ours(bb)'s per-iteration time / floor at each thread count (``--threads-only``)."""
    log = log or (lambda *a: print(*a, flush=True))
    only = args.datasets.split(",") if args.datasets else list(THREAD_SETS)
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for ds in load_datasets(args.quick, only):
            log(f"{ds.title}: {ds.n} × {ds.d}, {ds.fmt}")
            out.append({"key": ds.key, "title": ds.title,
                        "per_iter_threads": per_iteration_threads(ds, args, log)})
    return {"machine": machine_info(), "datasets": out}


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.threads_only:
        results = threads_only(args)
        print("\n".join(_threads_section(results["datasets"])))
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=1, default=str))
        return results
    results = run(args)
    text = render(results)
    write_markdown(args.output, text)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, default=str))
    print(text)
    return results


if __name__ == "__main__":
    main()
