"""Review 33: an outside check of the answers at the edges of the numerics.

For each case (scale, shape, separability, weights, dtypes, penalties, no intercept) fit
``GradientDescentLogisticRegression()`` at its defaults and with ``solver="lbfgs"`` and
compare J (weighted mean log-loss + (1-ρ)||W||²/(2CΣs) + ρ||W||₁/(CΣs), computed here in
float64, independently of gdlogreg) with J*, the least J of tight references:
``LogisticRegression(solver="newton-cholesky"/"lbfgs", tol=1e-12, max_iter=10000)`` where it
applies and ours at tol=1e-12, max_iter=100000. A row is flagged (``!``) where a fit says
``converged_`` but ends more than 1e-6 (1e-4 in float32) above J* relatively, or where its
predictions differ from the reference's on rows.

    python benchmarks/experiments/edges.py [--only SUBSTRING] [--cv]
"""

import argparse
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def objective(coef, intercept, X, y, C, l1_ratio=0.0, sw=None, class_weight=None):
    """J of LogisticRegression's minimiser, in float64, from the fitted coefficients."""
    X = X.astype(np.float64) if not sp.issparse(X) else X.astype(np.float64)
    classes, yi = np.unique(y, return_inverse=True)
    n = X.shape[0]
    s = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64).copy()
    if class_weight == "balanced":
        cnt = np.bincount(yi)
        s = s * (n / (len(classes) * cnt))[yi]
    W = np.asarray(coef, dtype=np.float64)
    b = np.asarray(intercept, dtype=np.float64)
    Z = np.asarray(X @ W.T) + b
    if len(classes) == 2:
        z = Z[:, 0]
        t = 2.0 * yi - 1.0
        L = np.logaddexp(0.0, -t * z)
    else:
        m = Z.max(axis=1, keepdims=True)
        lse = (m[:, 0] + np.log(np.exp(Z - m).sum(axis=1)))
        L = lse - Z[np.arange(n), yi]
    S = s.sum()
    J = (s * L).sum() / S
    if np.isfinite(C):
        J += (1 - l1_ratio) * (W**2).sum() / (2 * C * S) + l1_ratio * np.abs(W).sum() / (C * S)
    return J


def fit(est, X, y, sw):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        t = time.perf_counter()
        est.fit(X, y, sample_weight=sw)
        dt = time.perf_counter() - t
    return est, [f"{x.category.__name__}: {str(x.message)[:90]}" for x in w], dt


def references(X, y, kw, sw):
    """Tight fits: (name, coef, intercept, predictions)."""
    out = []
    C, r = kw.get("C", 1.0), kw.get("l1_ratio", 0.0)
    dense = X.toarray() if sp.issparse(X) else X
    if r == 0.0:
        for solver in ("newton-cholesky", "lbfgs"):
            lr = LogisticRegression(C=C, solver=solver, tol=1e-12, max_iter=10000,
                                    fit_intercept=kw.get("fit_intercept", True),
                                    class_weight=kw.get("class_weight"))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    lr.fit(dense.astype(np.float64), y, sample_weight=sw)
                except Exception as e:
                    print("   ref", solver, "failed:", e)
                    continue
            out.append((solver, lr.coef_, lr.intercept_, lr.predict(dense.astype(np.float64))))
    for solver in ("bb", "lbfgs") if r == 0.0 else ("bb",):
        ours = GradientDescentLogisticRegression(**{**kw, "solver": solver, "tol": 1e-12,
                                                    "max_iter": 100000})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ours.fit(X.astype(np.float64), y, sample_weight=sw)
        out.append(("ours-" + solver, ours.coef_, ours.intercept_,
                    ours.predict(X.astype(np.float64))))
    return out


def check(name, X, y, kw=None, sw=None, solvers=("bb", "lbfgs"), rows=None):
    kw = dict(kw or {})
    C, r = kw.get("C", 1.0), kw.get("l1_ratio", 0.0)
    cw = kw.get("class_weight")
    refs = references(X, y, kw, sw)
    Js = [(objective(c, b, X, y, C, r, sw, cw), nm, p, c) for nm, c, b, p in refs]
    Jstar, refname, pref, cref = min(Js, key=lambda t: t[0])
    f32 = X.dtype == np.float32
    bound = 1e-4 if f32 else 1e-6
    for solver in solvers:
        if solver == "lbfgs" and r > 0:
            continue
        est, warns, dt = fit(GradientDescentLogisticRegression(**{**kw, "solver": solver}),
                             X, y, sw)
        J = objective(est.coef_, est.intercept_, X, y, C, r, sw, cw)
        gap = (J - Jstar) / Jstar if Jstar > 0 else J - Jstar
        diff = int((est.predict(X) != pref).sum())
        supp = ""
        if r > 0:
            a, b = est.coef_ != 0, np.abs(cref) > 1e-10
            supp = f" supp±{int((a != b).sum())}"
        flag = "!" if (est.converged_ and gap > bound) or diff else " "
        keep = "f32" if est.coef_.dtype == np.float32 else ""
        print(f"{flag}{name:46s} {solver:6s} conv={est.converged_!s:5s} it={est.n_iter_[0]:6d} "
              f"gap={gap:9.2e} pred±{diff}{supp} {keep} {dt:.2f}s ref={refname}"
              + (f" warns={warns}" if warns else ""))
        if rows is not None:
            rows.append((gap, name, solver, est.converged_))


def check_cv(name, X, y, kw=None, sw=None, Cs=(1e-2, 1.0, 1e2, 1e4), rows=None):
    """GradientDescentLogisticRegressionCV: each (fold, C) column of ``coefs_paths_``
    against a tight single fit on the fold's training rows, and the refit's predictions."""
    kw = dict(kw or {})
    folds = [(tr, te) for tr, te in _folds(len(y), 3)]
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        search = GradientDescentLogisticRegressionCV(Cs=list(Cs), cv=folds, **kw)
        search.fit(X, y, sample_weight=sw)
    warns = sorted({f"{x.category.__name__}: {str(x.message)[:70]}" for x in w})
    classes = list(search.coefs_paths_)
    K = len(np.unique(y))
    worst = (0.0, None)
    for f, (tr, _) in enumerate(folds):
        Xf, yf = X[tr], y[tr]
        swf = None if sw is None else sw[tr]
        for c, C in enumerate(Cs):
            if K == 2:
                path = search.coefs_paths_[classes[0]][f, c]
                W = path[None, : X.shape[1]]
                b = path[X.shape[1]:] if kw.get("fit_intercept", True) else np.zeros(1)
            else:
                P = np.stack([search.coefs_paths_[k][f, c] for k in classes])
                W, b = P[:, : X.shape[1]], (P[:, X.shape[1]] if kw.get("fit_intercept", True)
                                            else np.zeros(K))
            refs = references(Xf, yf, {**kw, "C": C}, swf)
            cw = kw.get("class_weight")
            Jstar = min(objective(rc, rb, Xf, yf, C, kw.get("l1_ratio", 0.0), swf, cw)
                        for _, rc, rb, _ in refs)
            J = objective(W, b, Xf, yf, C, kw.get("l1_ratio", 0.0), swf, cw)
            gap = (J - Jstar) / Jstar
            it = int(np.asarray(search.n_iter_).reshape(-1, len(folds), len(Cs))[0, f, c])
            if gap > worst[0]:
                worst = (gap, (f, C, it))
    bound = 1e-4 if X.dtype == np.float32 else 1e-6
    flag = "!" if worst[0] > bound and worst[1][2] < kw.get("max_iter", 1000) else " "
    print(f"{flag}CV {name:43s} worst column gap={worst[0]:9.2e} at (fold, C, n_iter)="
          f"{worst[1]} best={search.best_params_}" + (f" warns={warns}" if warns else ""))
    if rows is not None:
        rows.append((worst[0], "CV " + name, str(worst[1]), worst[1] and worst[1][2] < 1000))


def _folds(n, k):
    idx = np.arange(n)
    for j in range(k):
        te = idx[j::k]
        yield np.setdiff1d(idx, te), te


def cases(rng):
    """(name, X, y, kwargs, sample_weight)"""
    def base(n=200, p=5, k=2, sep=1.0, seed=0):
        r = np.random.default_rng(seed)
        X = r.standard_normal((n, p))
        W = r.standard_normal((p, k)) * sep
        y = np.argmax(X @ W + r.gumbel(size=(n, k)), axis=1)
        return X, y

    X, y = base()
    for f in (1e8, 1e-8):
        Z = X.copy()
        Z[:, 0] *= f
        yield f"col0*{f:g}", Z, y, {}, None
    yield "all*1e6", X * 1e6, y, {}, None
    yield "offset+1e6", X + 1e6, y, {}, None
    Z = X.copy()
    Z[:, 1] = 1e-12 * rng.standard_normal(len(X))
    yield "col1=1e-12 noise", Z, y, {}, None
    # shape
    for n, p in ((2, 1), (3, 2), (5, 3), (10, 3), (4, 100), (10, 3000), (6, 50)):
        Xs, ys = base(n, p, seed=n + p)
        if len(np.unique(ys)) < 2:
            ys[0] = 1 - ys[1]
        yield f"n={n},p={p}", Xs, ys, {}, None
    for n, p in ((256, 64), (257, 64), (256, 65), (257, 300), (256, 300), (1024, 256),
                 (1025, 256), (1024, 257), (1024, 1100), (1025, 1100), (2048, 512),
                 (2052, 513), (2048, 513), (200, 800), (200, 801), (300, 1200)):
        Xs, ys = base(n, p, seed=n * 7 + p)
        Xs[:, 0] *= 30.0
        yield f"n={n},p={p}", Xs, ys, {}, None
    for k in (3, 30):
        Xs, ys = base(300, 10, k, seed=k)
        ys[:3] = k  # a class of 3
        ys[3] = k + 1  # a class of 1
        yield f"K={k + 2} tiny classes", Xs, ys, {}, None
    Xs, ys = base(60, 10, 30, seed=3)
    yield "K=30,n=60", Xs, ys, {}, None
    # separability
    Xs = rng.standard_normal((100, 4))
    ys = (Xs[:, 0] + Xs[:, 1] > 0).astype(int)
    yield "separable C=1e4", Xs, ys, {"C": 1e4}, None
    yield "separable C=1e4 raw*100+5", Xs * 100 + 5, ys, {"C": 1e4}, None
    yf = ys.copy()
    yf[np.argmax(Xs[:, 0] + Xs[:, 1])] ^= 1
    yield "nearly separable C=1e4", Xs, yf, {"C": 1e4}, None
    yield "nearly separable C=inf", Xs, yf, {"C": np.inf}, None
    y3 = np.digitize(Xs[:, 0] + Xs[:, 1], [-0.5, 0.5])
    yield "separable K=3 C=1e4", Xs, y3, {"C": 1e4}, None
    # weights
    sw = 10.0 ** rng.uniform(-8, 8, len(X))
    yield "sw 1e-8..1e8", X, y, {}, sw
    yield "sw 1e-8..1e8 C=100", X, y, {"C": 100.0}, sw
    Xi, yi = base(1000, 5, seed=5)
    yi[:] = 0
    yi[0] = 1  # one row of class 1 in 1000
    Xi[0] += 2.0
    yield "balanced 1:999", Xi, yi, {"class_weight": "balanced"}, None
    # penalties
    Xr = X.copy()
    Xr[:, 0] *= 100
    Xr[:, 2] += 50
    for C in (1e-3, 1e-1, 1.0, 1e3):
        for r in (1.0, 0.1, 0.9):
            yield f"raw C={C:g} l1_ratio={r}", Xr, y, {"C": C, "l1_ratio": r}, None
            yield f"std C={C:g} l1_ratio={r}", X, y, {"C": C, "l1_ratio": r}, None
    # the findings of review 33: an elastic net stopped 'converged' 1.15e-5 above J*;
    # solver="lbfgs" crawling where its metric is dropped (K = 30 classes, 40 rows; raw
    # 256 x 1024 and 128 x 600, features 1e-2 to 1e2)
    r7 = np.random.default_rng(7)
    r7.standard_normal(18263)
    Xe = r7.standard_normal((300, 50))
    we = np.zeros(50)
    we[:10] = r7.standard_normal(10) * 2
    ye = (Xe @ we + r7.logistic(size=300) > 0).astype(int)
    for C, r in ((1e3, 0.9), (1e3, 0.5), (1e3, 1.0)):
        yield f"p=50 C={C:g} l1_ratio={r}", Xe, ye, {"C": C, "l1_ratio": r}, None
    Xk = r7.standard_normal((40, 100))
    yield "K=30 n=40,p=100 C=1e4", Xk, np.arange(40) % 30, {"C": 1e4}, None
    for seed, (n, p) in ((100, (128, 600)), (103, (128, 600))):
        rs = np.random.default_rng(seed)
        Xw = rs.standard_normal((n, p)) * 10.0 ** rs.uniform(-2, 2, p)
        yw = (Xw[:, :5].sum(1) / Xw[:, :5].std() + rs.logistic(size=n) > 0).astype(int)
        yield f"raw n={n},p={p} seed={seed}", Xw, yw, {}, None
    # no intercept
    yield "no intercept", X + 1, y, {"fit_intercept": False}, None
    Z = np.hstack([X, np.ones((len(X), 1))])
    yield "no intercept + ones col", Z, y, {"fit_intercept": False}, None
    Xk, yk = base(300, 10, 3, seed=9)
    yield "no intercept K=3 + ones col", np.hstack([Xk, np.ones((300, 1))]), yk, \
        {"fit_intercept": False}, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="run the cases whose name holds this")
    ap.add_argument("--no-f32", action="store_true", help="skip the float32 copies")
    ap.add_argument("--no-csr", action="store_true", help="skip the CSR copies")
    ap.add_argument("--no-cv", action="store_true", help="skip the CV searches")
    ap.add_argument("--cv-f32", action="store_true", help="the CV searches in float32 too")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    for name, X, y, kw, sw in cases(rng):
        if a.only not in name:
            continue
        check(name, X, y, kw, sw, rows=rows)
        if not a.no_f32 and np.all(np.isfinite(X.astype(np.float32))):
            check(name + " f32", X.astype(np.float32), y, kw, sw, rows=rows)
        if not a.no_csr and X.shape[0] * X.shape[1] < 2e5:
            check(name + " csr", sp.csr_matrix(X), y, kw, sw, solvers=("bb",), rows=rows)
        if not a.no_cv and "C" not in kw and X.shape[0] >= 30 and X.shape[0] * X.shape[1] < 1e5:
            try:
                check_cv(name, X, y, kw, sw, rows=rows)
                if a.cv_f32 and np.all(np.isfinite(X.astype(np.float32))):
                    check_cv(name + " f32", X.astype(np.float32), y, kw, sw, rows=rows)
            except ValueError as e:  # a class missing from a fold: refused on purpose
                print(f" CV {name:43s} refused: {str(e)[:100]}")
    rows.sort(reverse=True)
    print("\nworst relative gaps:")
    for g, nm, s, c in rows[:10]:
        print(f"  {g:9.2e} {nm} {s} converged={c}")


if __name__ == "__main__":
    main()
