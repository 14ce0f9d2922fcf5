"""Review 109: bb's curvature-fall confirmation (commit 43dbd83) and the stopping promise.

Draws small seeded problems of the kinds the authors of the newest stopping code did not
check: K = 2 and 3 to 20 classes, one feature, more features than rows, constant columns,
class_weight dicts with zeros, sample weights with zeros, raw or standardized features, C
1e-3 to 1e5, fit_intercept True/False, a few with an L1 part; fits each with solver "bb"
and "lbfgs" at tol 1e-3, 1e-5 (the default) and 1e-7 on dense float64 X (the Newton
decrement's confirmation runs in float64 only) and, at the default tol, on CSR X. J* is
the lowest J of LogisticRegression (newton-cholesky and lbfgs at tol=1e-12 for L2), of
ours at tol=1e-13 (bb and lbfgs) and of the fits. A fit "misses" where it says converged
above tol/10/(1 - tol/10), or does not converge and no ConvergenceWarning came.

bb's ``confirms`` is wrapped to count, at every gradient-test stop it is asked about, the
retakes of the metric that only the curvature fall forced (the held metric's decrement
alone was within CONFIRM·target, times the fall it was not) and of those the ones the
fresh metric then accepted (a Gram that the stop did not need).

One JSON line a fit on stdout (problem, solver, tol, form, n_iter, converged, stop, gap,
warned, forced, needless); run it once at this tree and once at the parent of 43dbd83
(``git worktree add --detach /tmp/wt-base109 43dbd83~1``) and compare with ``--compare``::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=. python \
        benchmarks/experiments/curvature_fall.py --problems 150 > /tmp/new.jsonl
    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 PYTHONPATH=/tmp/wt-base109 python \
        benchmarks/experiments/curvature_fall.py --problems 150 > /tmp/base.jsonl
    python benchmarks/experiments/curvature_fall.py --compare /tmp/base.jsonl /tmp/new.jsonl
"""

import argparse
import json
import math
import sys
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._steps import bb as bbmod
from gdlogreg._steps._base import vdot

TOLS = (1e-3, 1e-5, 1e-7)
COUNTS = {"forced": 0, "needless": 0}


def _counting(confirms):
    """bb's confirms, counting the retakes only the curvature fall forced."""
    fall_of = getattr(bbmod, "curvature_fall", None)

    def wrapped(self, objective, point, target, H=None, **kwargs):
        forced = False
        if (self._P is not None and self._refused < bbmod.CONFIRMS
                and bbmod.decrement(self._P) and fall_of is not None):
            held = 0.5 * vdot(point.grad, self._metric_of(point, objective.xp), objective.xp)
            fall = fall_of(self._curv, H)
            forced = held <= bbmod.CONFIRM * target < held * fall
        out = confirms(self, objective, point, target, H, **kwargs) if (
            H is not None or fall_of) else confirms(self, objective, point, target, **kwargs)
        if forced:
            COUNTS["forced"] += 1
            COUNTS["needless"] += bool(out)
        return out

    return wrapped


bbmod.BarzilaiBorwein.confirms = _counting(bbmod.BarzilaiBorwein.confirms)


def draw(rng):
    """One problem: a dict of X, y, sw, cw, C, l1_ratio, fit_intercept, and its labels."""
    kind = str(rng.choice(["plain", "one_feature", "wide", "constant", "cw_zero",
                           "sw_zero", "many_classes"]))
    n = int(rng.integers(15, 250))
    d = {"one_feature": 1, "wide": int(n + rng.integers(1, 40))}.get(
        kind, int(rng.integers(2, 15)))
    K = int(rng.integers(3, 21)) if kind == "many_classes" else int(rng.choice([2, 2, 3, 4]))
    K = min(K, max(2, n // 4))
    sep = float(rng.choice([0.0, 0.5, 1.5, 4.0]))
    raw = bool(rng.random() < 0.4)
    C = float(10.0 ** rng.uniform(-3, 5))
    l1_ratio = float(rng.choice([0.0] * 6 + [0.5, 1.0]))
    fit_intercept = bool(rng.random() < 0.8)
    y = np.concatenate([np.arange(K), rng.integers(0, K, n - K)])
    rng.shuffle(y)
    X = rng.standard_normal((n, d)) + rng.standard_normal((K, d))[y] * sep
    if raw:
        X = X * 10.0 ** rng.uniform(-2, 2, d) + 10.0 ** rng.uniform(-1, 2, d)
    else:
        X = (X - X.mean(0)) / np.where(X.std(0) > 0, X.std(0), 1.0)
    if kind == "constant":
        X[:, rng.integers(d)] = float(rng.choice([0.0, 1.0, 7.5]))
    sw = cw = None
    if kind == "cw_zero":  # one class weighs nothing (its rows stay); another is heavy
        cw = {k: 1.0 for k in range(K)}
        cw[int(rng.integers(K))] = 0.0
        cw[int(rng.integers(K))] = float(10.0 ** rng.uniform(-2, 3))
        if sum(v > 0 for v in cw.values()) < 2:
            cw = {k: 1.0 for k in range(K)}
    if kind == "sw_zero":
        sw = rng.uniform(0.2, 3.0, n) * (rng.random(n) < 0.6)
        for k in range(K):  # every class keeps a row of weight
            sw[np.flatnonzero(y == k)[0]] = 1.0
    return {"X": X, "y": y, "sw": sw, "cw": cw, "C": C, "l1_ratio": l1_ratio,
            "fit_intercept": fit_intercept, "kind": kind, "K": K, "n": n, "d": d, "raw": raw}


def weights(p):
    s = np.ones(len(p["y"])) if p["sw"] is None else np.asarray(p["sw"], dtype=np.float64)
    if p["cw"] is not None:
        s = s * np.array([p["cw"][int(k)] for k in p["y"]])
    return s


def J_of(model, p, s):
    """J of the user guide in float64, without logsumexp's cancellation."""
    W = np.asarray(model.coef_, dtype=np.float64)
    Z = np.asarray(p["X"], dtype=np.float64) @ W.T + np.asarray(model.intercept_, np.float64)
    if Z.shape[1] == 1:
        Z = np.hstack([np.zeros_like(Z), Z])
    y = np.searchsorted(model.classes_, p["y"])
    rows = np.arange(len(y))
    D = Z - Z[rows, y][:, None]
    top = D.max(axis=1)
    E = np.exp(D - top[:, None])
    E[rows, y] = 0.0
    others = E.sum(axis=1)
    with np.errstate(divide="ignore"):
        loss = np.where(top > 0, top + np.log(others + np.exp(-top)), np.log1p(others))
    a = p["l1_ratio"]
    penalty = (1 - a) / 2 * np.vdot(W, W) + a * np.abs(W).sum()
    return float((s @ loss) / s.sum() + penalty / (p["C"] * s.sum()))


def fit(p, solver, tol, form="dense", max_iter=3000):
    X = sp.csr_matrix(p["X"]) if form == "csr" else p["X"]
    model = GradientDescentLogisticRegression(
        solver=solver, tol=tol, max_iter=max_iter, C=p["C"], l1_ratio=p["l1_ratio"],
        class_weight=p["cw"], fit_intercept=p["fit_intercept"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, p["y"], sample_weight=p["sw"])
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    other = [str(w.message)[:80] for w in caught
             if not issubclass(w.category, ConvergenceWarning)]
    return model, warned, other


def J_star(p, s):
    Js = []
    common = {"C": p["C"], "class_weight": p["cw"], "fit_intercept": p["fit_intercept"]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if p["l1_ratio"] == 0.0:
            for solver in ("newton-cholesky", "lbfgs"):
                try:
                    ref = LogisticRegression(solver=solver, tol=1e-12, max_iter=1000,
                                             **common).fit(p["X"], p["y"], sample_weight=p["sw"])
                    Js.append(J_of(ref, p, s))
                except Exception:  # a reference that fails is no reference
                    pass
        for solver in (("lbfgs", "bb") if p["l1_ratio"] == 0.0 else ("bb",)):
            Js.append(J_of(fit(p, solver, 1e-13, max_iter=20000)[0], p, s))
    return min(J for J in Js if math.isfinite(J))


def run(problems, seed):
    rng = np.random.default_rng(seed)
    for i in range(problems):
        p = draw(rng)
        s = weights(p)
        rows = []
        for solver in ("bb", "lbfgs"):
            if solver == "lbfgs" and p["l1_ratio"] > 0:
                continue
            for tol, form in [(t, "dense") for t in TOLS] + [(1e-5, "csr")]:
                COUNTS["forced"] = COUNTS["needless"] = 0
                model, warned, other = fit(p, solver, tol, form)
                rows.append({"i": i, "solver": solver, "tol": tol, "form": form,
                             "n_iter": int(model.n_iter_[0]), "conv": bool(model.converged_),
                             "stop": model.stop_reason_, "J": J_of(model, p, s),
                             "warned": warned, "other": other, **COUNTS})
        Js = min([J_star(p, s)] + [r["J"] for r in rows])
        meta = {k: p[k] for k in ("kind", "K", "n", "d", "raw", "C", "l1_ratio",
                                  "fit_intercept")}
        for r in rows:
            r["gap"] = (r.pop("J") - Js) / abs(Js)
            print(json.dumps({**r, **meta}), flush=True)


def run_warm(problems, seed, factor=10.0):
    """Each problem fitted at C/factor, then again at C with warm_start=True (default tol):
    one JSON line a solver, as :func:`run`'s (form "warm")."""
    rng = np.random.default_rng(seed)
    for i in range(problems):
        p = draw(rng)
        s = weights(p)
        rows = []
        for solver in ("bb", "lbfgs"):
            if solver == "lbfgs" and p["l1_ratio"] > 0:
                continue
            COUNTS["forced"] = COUNTS["needless"] = 0
            kw = {"solver": solver, "l1_ratio": p["l1_ratio"], "class_weight": p["cw"],
                  "fit_intercept": p["fit_intercept"], "max_iter": 3000}
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = GradientDescentLogisticRegression(C=p["C"] / factor, warm_start=True,
                                                          **kw).fit(p["X"], p["y"], p["sw"])
                caught.clear()
                model.set_params(C=p["C"])
                model.fit(p["X"], p["y"], sample_weight=p["sw"])
            warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
            rows.append({"i": i, "solver": solver, "tol": 1e-5, "form": "warm",
                         "n_iter": int(model.n_iter_[0]), "conv": bool(model.converged_),
                         "stop": model.stop_reason_, "J": J_of(model, p, s), "warned": warned,
                         "other": [], **COUNTS})
        Js = min([J_star(p, s)] + [r["J"] for r in rows])
        meta = {k: p[k] for k in ("kind", "K", "n", "d", "raw", "C", "l1_ratio",
                                  "fit_intercept")}
        for r in rows:
            r["gap"] = (r.pop("J") - Js) / abs(Js)
            print(json.dumps({**r, **meta}), flush=True)


def promise(tol):
    return tol / 10 / (1 - tol / 10)


def summary(path):
    rows = [json.loads(line) for line in open(path)]
    # (a converged fit that warned: J has no minimum, a class weighs nothing, and says so)
    miss = [r for r in rows if (r["conv"] and r["gap"] > promise(r["tol"]) and not r["warned"])
            or (not r["conv"] and not r["warned"])]
    print(f"{path}: {len(rows)} fits, {sum(r['conv'] for r in rows)} converged, "
          f"{len(miss)} misses; forced retakes {sum(r['forced'] for r in rows)}, "
          f"needless {sum(r['needless'] for r in rows)}, "
          f"fits with other warnings {sum(bool(r['other']) for r in rows)}")
    return rows, miss


def compare(base, new):
    rb, mb = summary(base)
    rn, mn = summary(new)
    key = lambda r: (r["i"], r["solver"], r["tol"], r["form"])  # noqa: E731
    b = {key(r): r for r in rb}
    diff = [(b[key(r)], r) for r in rn if key(r) in b and b[key(r)]["n_iter"] != r["n_iter"]]
    print(f"{len(diff)} fits changed their n_iter:")
    for x, r in diff:
        print(f"  {key(r)} {r['kind']} K={r['K']} n_iter {x['n_iter']} -> {r['n_iter']}, gap "
              f"{x['gap']:.2e} -> {r['gap']:.2e} conv {x['conv']} -> {r['conv']}, "
              f"forced {r['forced']} needless {r['needless']}")
    for name, miss in (("base", mb), ("new", mn)):
        print(f"{name} misses:")
        for r in miss:
            print(f"  {key(r)} {r['kind']} K={r['K']} n={r['n']} d={r['d']} C={r['C']:.3g} "
                  f"l1={r['l1_ratio']} fi={r['fit_intercept']} raw={r['raw']} "
                  f"{r['stop']} n_iter={r['n_iter']} gap={r['gap']:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--warm", action="store_true",
                        help="fit at C/10, then warm-started at C (run_warm)")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "NEW"))
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
    elif args.warm:
        run_warm(args.problems, args.seed)
    else:
        run(args.problems, args.seed)


if __name__ == "__main__":
    sys.exit(main())
