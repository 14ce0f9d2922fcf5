"""Does GradientDescentLogisticRegression reach LogisticRegression's minimiser on real data?

For the same C, l1_ratio, class_weight, sample_weight and fit_intercept both
estimators minimise the same function (ours is LR's objective divided by C·Σs,
README "What it computes"), so on every case below it compares, in float64,

    J(w, b) = Σ s L / Σ s + (1 - ρ)/(2 C Σs) ‖W‖² + ρ/(C Σs) ‖W‖₁

(s = sample weights × class weights, as LogisticRegression folds them) at

- ours at its default stop, and ours at tol=1e-10 (max_iter=20,000);
- LogisticRegression() at its defaults (lbfgs, or saga for L1/elastic net);
- tight references: LR(newton-cholesky, tol=1e-12) and LR(lbfgs, tol=1e-12) for
  L2; LR(saga, tol=1e-12, large max_iter) and L-BFGS-B on the split variables
  W = P - N, P, N >= 0 (scipy, an independent smooth reformulation) for L1 and
  elastic net. J* is the lowest J of any tight fit, ours at tol=1e-10 included.

Per case: relative gaps (J - J*)/J*, max |Δcoef| / ‖coef*‖∞ and max |Δ
predict_proba| of ours (default stop) against the fit that reached J*, the share
of equal predictions, converged_, warnings, n_iter_ and the fit time. Flags:

- ``gap``: ours at its default stop above max(LR()'s default gap, 1e-6);
- ``tight``: ours at tol=1e-10 more than 1e-9 above J*;
- ``sign``: the coefficients' scale <w, w*>/<w*, w*> outside [0.9, 1.1], a
  flipped sign on a coefficient with |w*_j| > 0.1 ‖w*‖∞, or a (class-centered)
  intercept off by more than 0.1 (1 + |b*|);
- ``warn``: a warning or converged_=False on standardized data.

Data: scikit-learn's bundled iris, wine, breast cancer and digits, raw and
standardized; with ``--real`` also the sets of benchmarks/datasets.py whose
packages are installed (L2 at C=1 only there, references that fit in time).

    python benchmarks/experiments/parity_real.py [--real] [--sets wine,iris] [--quick]
"""

import argparse
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy.optimize import minimize
from scipy.special import expit, softmax
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils.class_weight import compute_class_weight

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from log_loss import log_loss_rows  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402
from gdlogreg._compat import logistic_penalty  # noqa: E402

TIGHT = 1e-9  # ours at tol=1e-10 must reach J* within this relative gap
FLOOR = 1e-6  # the default stop may always be this close

BUNDLED = {
    "iris": load_iris,
    "wine": load_wine,
    "breast_cancer": load_breast_cancer,
    "digits": load_digits,
}

#: name -> (estimator params shared by both, input variant)
CASES = {
    "L2 C=1e-3": (dict(C=1e-3), None),
    "L2 C=1e-1": (dict(C=1e-1), None),
    "L2 C=1": (dict(C=1.0), None),
    "L2 C=1e1": (dict(C=10.0), None),
    "L2 C=1e3": (dict(C=1e3), None),
    "L1 C=1": (dict(C=1.0, l1_ratio=1.0), None),
    "EN ρ=.5 C=1": (dict(C=1.0, l1_ratio=0.5), None),
    "no intercept": (dict(C=1.0, fit_intercept=False), None),
    "balanced": (dict(C=1.0, class_weight="balanced"), None),
    "sample_weight": (dict(C=1.0), "sample_weight"),
    "float32": (dict(C=1.0), "float32"),
    "CSR": (dict(C=1.0), "csr"),
}


# ------------------------------------------------------------------ the cost
def weights(y, params, sample_weight):
    """s = sample weights × class weights, as LogisticRegression builds them."""
    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float).copy()
    if params.get("class_weight") is not None:
        classes = np.unique(y)
        cw = compute_class_weight(params["class_weight"], classes=classes, y=y, sample_weight=s)
        s *= cw[np.searchsorted(classes, y)]
    return s


def objective(X, t, K, coef, intercept, s, C, rho):
    """J in float64 (t: class indices; X float64)."""
    W = np.asarray(coef, np.float64)
    Z = np.asarray(X @ W.T) + np.asarray(intercept, np.float64)
    loss = log_loss_rows(Z, t)
    S = s.sum()
    pen = (0.5 * (1 - rho) * np.sum(W * W) + rho * np.abs(W).sum()) / (C * S)
    return float(s @ loss / S + pen)


def proba(X, K, coef, intercept):
    Z = np.asarray(X @ np.asarray(coef, np.float64).T) + np.asarray(intercept, np.float64)
    if K == 2:
        p = expit(Z[:, 0])
        return np.column_stack([1 - p, p])
    return softmax(Z, axis=1)


# ------------------------------------------------------------- the references
def split_lbfgsb(X, t, K, s, C, rho, fit_intercept, maxiter=20_000):
    """L1/elastic net by L-BFGS-B on W = P - N, P, N >= 0 (smooth, bound-constrained)."""
    n, d = X.shape
    m = 1 if K == 2 else K
    S = s.sum()
    l2, l1 = (1 - rho) / (C * S), rho / (C * S)
    Y = np.eye(K)[t] if K > 2 else t[:, None].astype(float)
    nb = m if fit_intercept else 0

    def unpack(v):
        P = v[: d * m].reshape(d, m)
        N = v[d * m : 2 * d * m].reshape(d, m)
        b = v[2 * d * m :] if fit_intercept else np.zeros(m)
        return P, N, b

    def fg(v):
        P, N, b = unpack(v)
        W = P - N
        Z = X @ W + b
        loss = log_loss_rows(Z, t)
        if K == 2:
            R = expit(Z) - Y
        else:
            R = softmax(Z, axis=1) - Y
        R = R * (s / S)[:, None]
        GW = np.asarray(X.T @ R) + l2 * W
        f = s @ loss / S + 0.5 * l2 * np.sum(W * W) + l1 * (P.sum() + N.sum())
        g = [(GW + l1).ravel(), (-GW + l1).ravel()]
        if fit_intercept:
            g.append(R.sum(axis=0))
        return f, np.concatenate(g)

    v0 = np.zeros(2 * d * m + nb)
    bounds = [(0, None)] * (2 * d * m) + [(None, None)] * nb
    res = minimize(fg, v0, jac=True, method="L-BFGS-B", bounds=bounds,
                   options=dict(maxiter=maxiter, maxfun=2 * maxiter, ftol=1e-16, gtol=1e-14,
                                maxcor=30))
    P, N, b = unpack(res.x)
    return (P - N).T, b


def quiet_fit(est, X, y, sample_weight=None):
    """(fitted estimator, seconds, warning messages)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = time.perf_counter()
        est.fit(X, y, sample_weight=sample_weight)
        dt = time.perf_counter() - t0
    return est, dt, [f"{w.category.__name__}: {str(w.message)[:80]}" for w in caught]


def lr_params(params):
    """``params`` with l1_ratio as this scikit-learn takes it (before 1.8 it counts only
    with penalty="elasticnet")."""
    rest = {k: v for k, v in params.items() if k != "l1_ratio"}
    return rest | logistic_penalty(params.get("l1_ratio", 0.0))


def references(X, y, t, K, params, sw, big=False):
    """{name: (coef, intercept)} of the tight fits (float64 X)."""
    rho, lrp = params.get("l1_ratio", 0.0), lr_params(params)
    n, d = X.shape
    p = (d + 1) * (1 if K == 2 else K)
    out = {}
    if rho == 0:
        if p <= 2000 and n * p * p <= 5e10:
            lr = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=500, **lrp)
            m = quiet_fit(lr, X, y, sw)[0]
            out["LR newton-cholesky"] = (m.coef_, m.intercept_)
        if not big or not out:
            lr = LogisticRegression(tol=1e-12, max_iter=20_000 if not big else 3000, **lrp)
            m = quiet_fit(lr, X, y, sw)[0]
            out["LR lbfgs"] = (m.coef_, m.intercept_)
    else:
        lr = LogisticRegression(solver="saga", tol=1e-12, max_iter=5000, **lrp)
        m = quiet_fit(lr, X, y, sw)[0]
        out["LR saga"] = (m.coef_, m.intercept_)
        s = weights(y, params, sw)
        out["L-BFGS-B split"] = split_lbfgsb(
            X, t, K, s, params["C"], rho, params.get("fit_intercept", True)
        )
    return out


# --------------------------------------------------------------------- a case
def sign_scale(coef, intercept, ref_coef, ref_intercept, K):
    """True when ours has the reference's sign and scale (see the module doc)."""
    W, Wr = np.ravel(coef), np.ravel(ref_coef)
    nr = float(Wr @ Wr)
    if nr > 0:
        scale = float(W @ Wr) / nr
        big = np.abs(Wr) > 0.1 * np.abs(Wr).max()
        if not 0.9 <= scale <= 1.1 or np.any(np.sign(W[big]) != np.sign(Wr[big])):
            return False
    b, br = np.ravel(intercept).astype(float), np.ravel(ref_intercept).astype(float)
    if K > 2:  # softmax intercepts are defined up to a common shift
        b, br = b - b.mean(), br - br.mean()
    return bool(np.all(np.abs(b - br) <= 0.1 * (1 + np.abs(br))))


def run_case(X, y, params, variant, standardized, big=False):
    """One row of the table (a dict)."""
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    rho, lrp = params.get("l1_ratio", 0.0), lr_params(params)
    sw = None
    if variant == "sample_weight":
        sw = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
    Xin = X
    if variant == "float32":
        Xin = X.astype(np.float32)
    elif variant == "csr":
        Xin = sp.csr_matrix(X)
    s = weights(y, params, sw)

    def J(c, b):
        return objective(X, t, K, c, b, s, params["C"], rho)

    ours, t_ours, w_ours = quiet_fit(GradientDescentLogisticRegression(**params), Xin, y, sw)
    tight, _, w_tight = quiet_fit(
        GradientDescentLogisticRegression(tol=1e-10, max_iter=2000 if big else 20_000, **params),
        Xin, y, sw,
    )
    lr_solver = "lbfgs" if rho == 0 else "saga"
    lrd, t_lr, _ = quiet_fit(LogisticRegression(solver=lr_solver, **lrp), Xin, y, sw)
    refs = references(X, y, t, K, params, sw, big=big)
    if variant == "float32":  # what LR reaches in float32 arithmetic, for comparison
        m = quiet_fit(LogisticRegression(tol=1e-12, max_iter=20_000, **lrp), Xin, y, sw)[0]
        refs["LR lbfgs float32"] = (m.coef_, m.intercept_)
    refs["ours tol=1e-10"] = (tight.coef_, tight.intercept_)
    Js = {k: J(*v) for k, v in refs.items()}
    best = min(Js, key=Js.get)
    J_star = Js[best]

    def gap(j):
        return (j - J_star) / abs(J_star)

    c_star, b_star = refs[best]
    g_def, g_lr = gap(J(ours.coef_, ours.intercept_)), gap(J(lrd.coef_, lrd.intercept_))
    g_tight = gap(Js["ours tol=1e-10"])
    P, P_star = proba(X, K, ours.coef_, ours.intercept_), proba(X, K, c_star, b_star)
    flags = []
    if g_def > max(g_lr, FLOOR):
        flags.append("gap")
    if g_tight > TIGHT:
        flags.append("tight")
    if not sign_scale(ours.coef_, ours.intercept_, c_star, b_star, K):
        flags.append("sign")
    if standardized and (w_ours or not ours.converged_):
        flags.append("warn")
    return dict(
        K=K, J_star=J_star, best=best, gap_def=g_def, gap_lr=g_lr, gap_tight=g_tight,
        spread={k: gap(v) for k, v in Js.items()},
        dcoef=float(np.abs(ours.coef_ - c_star).max() / max(np.abs(c_star).max(), 1e-300)),
        dproba=float(np.abs(P - P_star).max()),
        agree=float(np.mean(P.argmax(1) == P_star.argmax(1))),
        converged=bool(ours.converged_), warnings=w_ours, warnings_tight=w_tight,
        n_iter=int(ours.n_iter_[0]), n_iter_tight=int(tight.n_iter_[0]),
        time=t_ours, time_lr=t_lr, flags=flags,
    )


# ------------------------------------------------------------------ the sweep
def bundled(names):
    for name in names:
        X, y = BUNDLED[name](return_X_y=True)
        X = X.astype(np.float64)
        yield name, "raw", X, y, CASES
        yield name, "std", StandardScaler().fit_transform(X), y, CASES


def real(names):
    from datasets import LOADERS, load

    for name in names:
        if name in BUNDLED or name not in LOADERS:
            continue
        try:
            X, y, _ = load(name)
        except ImportError as exc:
            print(f"skip {name}: {exc}", file=sys.stderr)
            continue
        cases = {"L2 C=1": CASES["L2 C=1"]}
        if sp.issparse(X):
            yield name, "raw", X, y, cases  # sparse sets stay unscaled (never densified)
            continue
        yield name, "raw", X, y, cases
        yield name, "std", StandardScaler().fit_transform(X), y, cases


def fmt(g):
    return "0" if g <= 0 else f"{g:.0e}"


def row(name, prep, case, r):
    warn = "; ".join(sorted(set(r["warnings"])))[:60]
    return (
        f"| {name} | {prep} | {case} | {r['K']} | {fmt(r['gap_def'])} | {fmt(r['gap_lr'])}"
        f" | {fmt(r['gap_tight'])} | {r['dcoef']:.0e} | {r['dproba']:.0e} | {r['agree']:.4f}"
        f" | {'yes' if r['converged'] else 'NO'} | {r['n_iter']} | {r['n_iter_tight']}"
        f" | {r['time'] * 1e3:.0f} | {r['best']} | {' '.join(r['flags'])} | {warn} |"
    )


HEADER = (
    "| set | X | case | K | gap default | gap LR() | gap tol=1e-10 | Δcoef | Δproba"
    " | same predict | converged_ | n_iter | n_iter tight | ms | J* by | flags | warnings |\n"
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|---|--:|--:|--:|---|---|---|"
)


def preamble():
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, cwd=HERE, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    cpu = platform.machine()
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
        names = [ln.split(":", 1)[1].strip() for ln in lines if ln.startswith("model name")]
        cpu = f"{len(names)} x {names[0]}" if names else cpu
    except OSError:
        pass
    return (f"Machine: {cpu}, {platform.system()}; Python {platform.python_version()}, numpy"
            f" {np.__version__}, scipy {scipy.__version__}, scikit-learn {sklearn.__version__};"
            f" gdlogreg commit {commit}.")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(BUNDLED))
    ap.add_argument("--cases", default=",".join(CASES))
    ap.add_argument("--real", action="store_true", help="also the sets of benchmarks/datasets.py")
    ap.add_argument("--real-sets", default="")
    args = ap.parse_args(argv)
    cases = args.cases.split(",")
    sources = [bundled([s for s in args.sets.split(",") if s in BUNDLED])]
    if args.real:
        from datasets import LOADERS

        sources.append(real(args.real_sets.split(",") if args.real_sets else list(LOADERS)))
    print(preamble())
    print()
    print(HEADER, flush=True)
    flagged = []
    for source in sources:
        for name, prep, X, y, table in source:
            for case, (params, variant) in table.items():
                if case not in cases:
                    continue
                big = X.shape[0] * X.shape[1] > 2e6
                r = run_case(X, y, params, variant, prep == "std", big=big)
                print(row(name, prep, case, r), flush=True)
                if r["flags"]:
                    flagged.append((name, prep, case, r))
    print()
    print(f"{len(flagged)} flagged case(s).")
    for name, prep, case, r in flagged:
        spread = ", ".join(f"{k}: {fmt(v)}" for k, v in r["spread"].items())
        print(f"- {name} {prep} {case}: {' '.join(r['flags'])}; J* = {r['J_star']:.15g};"
              f" gaps of the tight fits: {spread}; tight-fit warnings: {r['warnings_tight'][:2]}")


if __name__ == "__main__":
    main()
