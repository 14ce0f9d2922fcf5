"""Iteration study: why ours(bb) needs more iterations than LogisticRegression() as d and K grow.

Run from the repository root (1 BLAS thread)::

    python benchmarks/experiments/iterations.py wide      # n=20,000, d = 10 ... 5,000
    python benchmarks/experiments/iterations.py classes   # n=50,000, d=50, K = 2 ... 100
    python benchmarks/experiments/iterations.py spectrum  # the Hessian the step rule sees
    python benchmarks/experiments/iterations.py real diamonds  # sets of datasets.py, scaled
    python benchmarks/experiments/iterations.py timing    # times at LR()'s gap, interleaved
    python benchmarks/experiments/iterations.py memory    # where the multinomial's peak goes
    python benchmarks/experiments/iterations.py chunk     # row blocks sized in entries

Environment: ``RULES=bb,cg`` the rules of ``wide``/``classes``/``real``;
``TIGHT_TOL`` the tolerance of the fit whose loss curve gives the iterations
to LR()'s gap; ``REF_MAX_ITER`` the reference fits' iteration limit. The
findings are in benchmarks/README.md, "Iteration study".

Data: X standard normal (i.i.d. columns), labels drawn from the model
(logistic with w ~ N(0, 9/d), or multinomial with W ~ N(0, 9/d) per class).
For each rule: n_iter, the relative gap (J - J*)/J* at its default stop, the
time; and at matched accuracy, the iterations and time to reach the gap of
LogisticRegression() (first iterate of a tight fit's ``loss_curve_``, timed
as ``max_iter=k, tol=0``). J* the lowest J of LR(lbfgs, tol=1e-12) and
ours(bb, tol=1e-12). The candidate rules are in :mod:`rules`. Times measured
while other jobs run are not comparable; iteration counts and gaps are.
"""

import gc
import os
import sys
import time
import tracemalloc
import warnings
from pathlib import Path

import numpy as np
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parent))

import rules  # noqa: E402, F401  (registers the candidate rules)
from log_loss import log_loss_rows  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402

#: The tolerance of the fit whose loss curve gives the iterations to LR()'s gap.
TIGHT_TOL = float(os.environ.get("TIGHT_TOL", "1e-10"))
RULE_NAMES = ("bb", "bb1", "bb2", "bbsz", "cg", "lbfgs_ray", "lbfgs")  # bbcol: see README


def wide(d, n=20_000, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    w = rng.standard_normal(d) * 3.0 / np.sqrt(d)
    y = (rng.random(n) < 1.0 / (1.0 + np.exp(-(X @ w)))).astype(np.int64)
    return X, y


def classes(K, n=50_000, d=50, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    if K == 2:
        return wide(d, n, seed)
    W = rng.standard_normal((d, K)) * 3.0 / np.sqrt(d)
    Z = X @ W
    P = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
    y = (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return X, y


def J(X, y, coef, intercept):
    """mean log-loss + ‖W‖²/(2n) (C = 1), float64."""
    n = X.shape[0]
    Z = X @ np.asarray(coef).T + intercept
    loss = log_loss_rows(Z, (y == y.max()) if Z.shape[1] == 1 else y)
    return float(loss.mean() + np.sum(np.asarray(coef) ** 2) / (2.0 * n))


def fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        est.fit(X, y)
        return est, time.perf_counter() - t0


def gap(j, j_star):
    return max(j - j_star, 0.0) / j_star


def study(X, y, rule_names=None, log=print):
    """One data set: LR() and each rule, at their defaults and at LR()'s gap."""
    cap = int(os.environ.get("REF_MAX_ITER", "10000"))
    refs = [fit(LogisticRegression(tol=1e-12, max_iter=cap), X, y)[0],
            fit(GD(tol=1e-12, max_iter=2 * cap), X, y)[0]]
    j_star = min(J(X, y, m.coef_, m.intercept_) for m in refs)
    lr, t_lr = fit(LogisticRegression(), X, y)
    lr2, t_lr2 = fit(LogisticRegression(), X, y)
    t_lr = min(t_lr, t_lr2)
    g_lr = gap(J(X, y, lr.coef_, lr.intercept_), j_star)
    out = {"LR": (int(lr.n_iter_[0]), g_lr, t_lr, None, None)}
    rule_names = rule_names or os.environ.get("RULES", ",".join(RULE_NAMES)).split(",")
    log(f"    LR(): {out['LR'][0]} it, gap {g_lr:.1e}, {t_lr:.3f} s")
    for name in rule_names:
        m, t = fit(GD(solver=name), X, y)
        _, t2 = fit(GD(solver=name), X, y)
        t = min(t, t2)
        g = gap(J(X, y, m.coef_, m.intercept_), j_star)
        tight, _ = fit(GD(solver=name, tol=TIGHT_TOL, max_iter=3000), X, y)
        curve = tight.loss_curve_[: int(tight.n_iter_[0]) + 1]
        k = next((i for i, v in enumerate(curve) if gap(v, j_star) <= max(g_lr, 1e-14)), None)
        t_k = None
        if k is not None:
            _, t_k = fit(GD(solver=name, max_iter=k, tol=0.0), X, y)
            _, t_k2 = fit(GD(solver=name, max_iter=k, tol=0.0), X, y)
            t_k = min(t_k, t_k2)
        out[name] = (int(m.n_iter_[0]), g, t, k, t_k)
        log(
            f"    {name:6s}: {out[name][0]} it, gap {g:.1e}, {t:.3f} s = {t / t_lr:.2f} LR;"
            f" to LR's gap: {k} it, {t_k if t_k is None else round(t_k, 3)} s"
            f" = {t_k / t_lr if t_k else float('nan'):.2f} LR"
        )
    return out


def table(rows, key_name):
    names = [k for k in next(iter(rows.values())) if k != "LR"]
    lines = [
        f"| {key_name} | LR(): n_iter, gap | "
        + " | ".join(f"{n}: n_iter, gap; to LR's gap: n_iter, time/LR" for n in names)
        + " |",
        "|" + "---|" * (len(names) + 2),
    ]
    for key, r in rows.items():
        it, g, t_lr, _, _ = r["LR"]
        cells = [f"{it}, {g:.0e}"]
        for n in names:
            it, g, t, k, t_k = r[n]
            to = "not reached" if k is None else f"{k}, {t_k / t_lr:.2f}"
            cells.append(f"{it}, {g:.0e}; {to}")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# ------------------------------------------------------------------ spectrum
def spectrum(X, y, log=print):
    """Extreme eigenvalues of the Hessian of J at J*, in the coordinates the rule descends in.

    Hessian-vector products by central differences of the objective's gradient
    (``Objective.evaluate``, standardized coordinates), eigenvalues by Lanczos
    (``eigsh``); for K > 2 restricted to the sum-zero subspace (each row of
    coef orthogonal to the vector of ones), where the iterates from zero stay.
    """
    from scipy.sparse.linalg import LinearOperator, eigsh

    from gdlogreg._objective import Objective
    from gdlogreg._problem import make_problem

    classes_ = np.unique(y)
    K = len(classes_)
    y_idx = np.searchsorted(classes_, y)
    m, _ = fit(GD(tol=1e-12, max_iter=20_000), X, y)
    problem = make_problem(X, y_idx, None, K, C=1.0, l1_ratio=0.0, fit_intercept=True)
    obj = Objective(problem, problem.standardization)
    W = m.coef_.T
    b = m.intercept_[None, :]
    coef = problem.standardization.from_base(np.vstack([W, b]))
    shape = coef.shape

    def project(v):
        v = v.reshape(shape)
        return (v - v.mean(axis=1, keepdims=True)) if K > 2 else v

    def hv(v):
        v = project(v)
        eps = 1e-4 / max(np.linalg.norm(v), 1e-300)
        gp = obj.evaluate(coef + eps * v).grad
        gm = obj.evaluate(coef - eps * v).grad
        return project((gp - gm) / (2 * eps)).ravel()

    p = coef.size
    H = LinearOperator((p, p), matvec=hv, dtype=np.float64)
    v0 = project(np.random.default_rng(0).standard_normal(p)).ravel()
    top = eigsh(H, k=1, which="LA", v0=v0, tol=1e-4)[0][0]
    shifted = LinearOperator((p, p), matvec=lambda v: top * project(v).ravel() - hv(v))
    bottom = top - eigsh(shifted, k=1, which="LA", v0=v0, tol=1e-6, maxiter=5000)[0][0]
    # Share of rows whose predicted probability of their most likely class is
    # above 0.99 (they hardly curve J), and the class shares of the rows.
    proba = m.predict_proba(X)
    confident = float(np.mean(proba.max(axis=1) > 0.99))
    log(
        f"    at J*: λmax {top:.3e}, λmin {bottom:.3e}, condition {top / bottom:.3e};"
        f" rows with max p > 0.99: {confident:.1%}; penalty l2 = {problem.penalty.l2:.1e}"
    )
    return top, bottom


# -------------------------------------------------------------------- memory
def memory(X, y, log=print):
    """Peak traced memory of a default multinomial fit, and the arrays live at the peak.

    tracemalloc (which sees numpy's allocations) gives the peak; a profile hook
    takes a snapshot whenever the memory in use at a Python-level event
    (call, return, C call return) in gdlogreg's code passes its maximum so
    far, so the snapshot shows which n×K arrays are alive together; what
    remains of the peak is the temporaries inside one numpy call.
    """
    gc.collect()
    tracemalloc.start(12)
    base = tracemalloc.get_traced_memory()[0]
    best = {"current": 0, "snap": None, "where": None}

    def hook(frame, event, arg):
        if "gdlogreg" not in frame.f_code.co_filename:
            return
        cur = tracemalloc.get_traced_memory()[0]
        if cur > best["current"] * 1.01:
            best["current"] = cur
            best["snap"] = tracemalloc.take_snapshot()
            best["where"] = f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno} ({event})"

    sys.setprofile(hook)
    try:
        GD().fit(X, y)
    finally:
        sys.setprofile(None)
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    nk = X.shape[0] * len(np.unique(y)) * 8
    log(
        f"    peak {peak / 2**20:.1f} MB = {peak / X.nbytes:.2f} X = {peak / nk:.2f} n×K arrays;"
        f" largest in use at a Python event: {(best['current'] - base) / nk:.2f} n×K,"
        f" at {best['where']}"
    )
    stats = best["snap"].statistics("traceback")
    for st in stats[:10]:
        if st.size < nk / 20:
            continue
        frames = [f for f in st.traceback if "gdlogreg" in f.filename][-4:]
        where = " <- ".join(f"{Path(f.filename).name}:{f.lineno}" for f in frames[::-1])
        log(f"      {st.size / nk:5.2f} n×K  {where}")
    return peak


#: The sets of ``timing`` and the rules it times.
TIMED_SETS = ("classes 10", "classes 100", "wide 1000")
TIMED_RULES = ("bb", "cg", "lbfgs_ray", "lbfgs")


def matched_iterations(X, y, names):
    """(LR()'s gap, {rule: the first iteration of its path within that gap})."""
    ref = fit(LogisticRegression(tol=1e-12, max_iter=5000), X, y)[0]
    tight = {name: fit(GD(solver=name, tol=1e-12, max_iter=3000), X, y)[0] for name in names}
    j_star = min(J(X, y, m.coef_, m.intercept_) for m in [ref, *tight.values()])
    lr = fit(LogisticRegression(), X, y)[0]
    g_lr = max(gap(J(X, y, lr.coef_, lr.intercept_), j_star), 1e-14)
    ks = {}
    for name, m in tight.items():
        curve = m.loss_curve_[: int(m.n_iter_[0]) + 1]
        ks[name] = next(i for i, v in enumerate(curve) if gap(v, j_star) <= g_lr)
    return g_lr, ks


def timing(repeats=3, log=print):
    """Interleaved times of LR() and of each rule stopped at LR()'s gap."""
    from run_benchmarks import timed

    for key in TIMED_SETS:
        kind, arg = key.split()
        X, y = (classes if kind == "classes" else wide)(int(arg))
        g_lr, ks = matched_iterations(X, y, TIMED_RULES)
        jobs = {"LR()": lambda X=X, y=y: fit(LogisticRegression(), X, y)}
        for name, k in ks.items():
            jobs[name] = lambda name=name, k=k, X=X, y=y: fit(
                GD(solver=name, max_iter=k, tol=0.0), X, y
            )
        times = {j: [] for j in jobs}
        for r in range(repeats):
            for j in list(jobs) if r % 2 == 0 else list(jobs)[::-1]:
                times[j].append(timed(jobs[j])[0])
        med = {j: float(np.median(v)) for j, v in times.items()}
        log(f"{key}: LR() {med['LR()']:.3f} s at gap {g_lr:.0e}; " + "; ".join(
            f"{j} {ks[j]} it {med[j]:.3f} s = {med[j] / med['LR()']:.2f} LR"
            f" ({1e3 * med[j] / max(ks[j], 1):.1f} ms/it)" for j in ks
        ), flush=True)


def chunk(K=100, repeats=3, log=print):
    """The backend's row blocks sized in entries (32,768 // K rows), by monkeypatching CHUNK.

    Peak memory (``memory``) and the time of 40 bb iterations, interleaved,
    with the rows per block at the backend's CHUNK, at 32,768 // K and at 1,024.
    """
    import statistics

    from run_benchmarks import timed

    import gdlogreg._backends._array as backend_module

    X, y = classes(K)
    original = backend_module.CHUNK
    sizes = (original, max(1, 32_768 // K), 1024)
    try:
        for rows in sizes[:2]:
            backend_module.CHUNK = rows
            log(f"  rows per block {rows}:")
            memory(X, y, log)
        times = {rows: [] for rows in sizes}
        for r in range(repeats):
            for rows in sizes if r % 2 == 0 else sizes[::-1]:
                backend_module.CHUNK = rows
                times[rows].append(timed(lambda: fit(GD(max_iter=40, tol=0.0), X, y))[0])
    finally:
        backend_module.CHUNK = original
    log("  40 bb iterations: " + ", ".join(
        f"{rows} rows a block {statistics.median(v):.3f} s" for rows, v in times.items()
    ))


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else "wide"
    with threadpool_limits(1):
        if what == "wide":
            rows = {}
            for d in [int(a) for a in (sys.argv[2:] or ["10", "100", "1000", "5000"])]:
                print(f"d = {d}", flush=True)
                rows[d] = study(*wide(d))
            print(table(rows, "d"))
        elif what == "classes":
            rows = {}
            for K in [int(a) for a in (sys.argv[2:] or ["2", "10", "30", "100"])]:
                print(f"K = {K}", flush=True)
                rows[K] = study(*classes(K))
            print(table(rows, "K"))
        elif what == "spectrum":
            for d in (10, 100, 1000):
                print(f"wide d = {d}", flush=True)
                spectrum(*wide(d))
            for K in (2, 10, 30, 100):
                print(f"classes K = {K}", flush=True)
                spectrum(*classes(K))
            print("wide d = 5000", flush=True)
            spectrum(*wide(5000))
        elif what == "real":  # real sets of benchmarks/datasets.py, standardized
            sys.path.insert(0, str(HERE.parent))
            from datasets import load
            from sklearn.preprocessing import StandardScaler

            rows = {}
            for name in sys.argv[2:]:
                X, y, description = load(name)
                print(description, flush=True)
                y = np.unique(y, return_inverse=True)[1]
                rows[name] = study(StandardScaler().fit_transform(X), y)
            print(table(rows, "set (scaled)"))
        elif what == "timing":
            sys.path.insert(0, str(HERE.parent))
            timing()
        elif what == "chunk":
            sys.path.insert(0, str(HERE.parent))
            chunk()
        elif what == "memory":
            for K in (10, 100):
                print(f"K = {K}")
                memory(*classes(K))


if __name__ == "__main__":
    main()
