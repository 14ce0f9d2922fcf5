"""Is a convex combination of recent dual points a much tighter certified gap? (issue #16)

Each iterate i gives a feasible dual point αᵢ (``Objective.dual_point``) with
Vᵢ = Xᵀ(s ⊙ αᵢ) and a certified lower bound Dᵢ = Jᵢ - gapᵢ on J*. The dual
D(α) = -Σ s L*(α) - P*(-Xᵀ(s ⊙ α)) is concave, so for θ in the simplex

    D(Σ θᵢ αᵢ) >= Σ θᵢ aᵢ - P*(-Σ θᵢ Vᵢ),   aᵢ = Dᵢ + P*(-Vᵢ) = -Σ s L*(αᵢ),

a certified lower bound on J* that needs only (aᵢ, Vᵢ) of the last M iterates,
no pass over X. For pure L2, P*(-v) = ‖v‖²/(2 l2) and the best θ solves a small
concave QP on the simplex. The single point's bound is loose by about the
condition number (it credits the loss with no curvature); the combination
averages out the high-curvature error that flips sign from step to step.

Printed per set: default fit's iterations and true relative gap; for the single
point (as the solver has it, exact loss share) and for the bundle of the last M
iterates: the first iterate whose certified relative gap is <= target, its true
relative gap, and the worst ratio certified / true gap over iterates with a true
gap in (1e-10, 1e-4).

    python benchmarks/experiments/bundle_gap.py [--real] [--target 1e-6] [--M 10]
"""

import argparse
import sys
import warnings
from pathlib import Path

import numpy as np
from scipy.optimize import minimize as sp_minimize

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stopping_estimate import datasets, reference, spied_path

from gdlogreg import GradientDescentLogisticRegression, _solver
from gdlogreg._objective import _host


def dual_parts(obj, point, constants):
    """(J, gap of the single dual point with the exact loss share, a, V) of a point."""
    be, pen, d = obj.backend, obj.penalty, obj.problem.n_features
    dual = obj.dual_point(point, constants)
    share = obj.dual_divergence(point, dual)
    gap = dual.penalty_share + min(share, dual.loss_bound)
    coef = _host(be, obj.T.to_base(point.coef))
    grad = obj._base_gradient(_host(be, point.grad))
    W = coef[:d]
    V = grad[:d] - pen.l2 * W
    if constants is not None:
        ybar, xbar, G0 = constants
        tau, q = obj.loss.dual_mix(ybar, grad[d])
        H = G0 + np.outer(xbar, q - obj.loss.p_zero(W.shape[1]))
        V = (1.0 - tau) * V + tau * H
    V = dual.theta * V
    a = (point.J - gap) + 0.5 * float(np.vdot(V, V)) / pen.l2
    return point.J, gap, a, V


def bundle_bound(a, Vs, l2):
    """max over the simplex of Σ θ a - ‖Σ θ V‖² / (2 l2) (a certified lower bound)."""
    M = len(a)
    A = np.array(a)
    F = np.stack([v.ravel() for v in Vs])
    G = F @ F.T / l2
    shift = A.max()

    def f(t):
        return -(t @ (A - shift) - 0.5 * t @ G @ t)

    def g(t):
        return -((A - shift) - G @ t)

    t0 = np.zeros(M)
    t0[-1] = 1.0
    res = sp_minimize(f, t0, jac=g, bounds=[(0, 1)] * M, method="SLSQP",
                      constraints=[{"type": "eq", "fun": lambda t: t.sum() - 1,
                                    "jac": lambda t: np.ones(M)}],
                      options={"ftol": 1e-15, "maxiter": 200})
    t = np.clip(res.x, 0, None)
    t /= t.sum()
    v = F.T @ t
    return float(t @ A - 0.5 * v @ v / l2), t


def record(X, y, long_iter, M, **params):
    rows = []
    orig = _solver.Monitor.__call__
    state = {}

    def spy(self, k, point, step):
        obj = self.objective
        if "const" not in state:
            state["const"] = obj.dual_constants()
            state["hist"] = []
        J, gap, a, V = dual_parts(obj, point, state["const"])
        hist = state["hist"]
        hist.append((a, V))
        del hist[:-M]
        lb, t = bundle_bound([h[0] for h in hist], [h[1] for h in hist], obj.penalty.l2)
        rows.append((J, J - gap, lb))
        return orig(self, k, point, step)

    return spied_path(spy, X, y, long_iter, params, rows)


def analyse(name, X, y, target, long_iter, M, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        default = GradientDescentLogisticRegression(**params).fit(X, y)
        rows = record(X, y, long_iter, M, **params)
        Jstar = min(rows[:, 0].min(), reference(X, y, params))
    J, lo1, loB = rows.T
    gap = (J - Jstar) / abs(Jstar)
    k0 = int(np.ravel(default.n_iter_)[0])
    out = [name, f"{k0}, {gap[min(k0, len(gap) - 1)]:.1e}"]
    for lo in (np.maximum.accumulate(lo1), np.maximum.accumulate(loB)):
        cert = (J - lo) / J
        hit = np.flatnonzero(cert <= target)
        close = (gap < 1e-4) & (gap > 1e-10)
        with np.errstate(all="ignore"):
            ratio = np.where(close, cert / gap, np.nan)
            worst = np.nanmax(ratio) if np.isfinite(ratio).any() else np.nan
            med = np.nanmedian(ratio) if np.isfinite(ratio).any() else np.nan
        cell = f"{hit[0]}, {gap[hit[0]]:.1e}" if hit.size else "-, -"
        out.append(f"{cell}, {med:.0f}/{worst:.0f}")
    return "| " + " | ".join(out) + " |"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--real", action="store_true")
    p.add_argument("--target", type=float, default=1e-6)
    p.add_argument("--long-iter", type=int, default=1500)
    p.add_argument("--M", type=int, default=10)
    p.add_argument("--only", default="")
    a = p.parse_args()
    print(f"target {a.target:g}, M = {a.M}: | set | default: iter, true gap | single: iter, "
          "true gap, median/worst cert/true | bundle: same |")
    for name, X, y in datasets(a.real):
        if a.only and a.only not in name:
            continue
        print(analyse(name, X, y, a.target, a.long_iter, a.M), flush=True)


if __name__ == "__main__":
    main()
