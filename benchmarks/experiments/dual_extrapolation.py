"""Does Celer's dual extrapolation give a tighter certified gap along our paths? (issue #16)

Celer (Massias, Gramfort and Salmon, ICML 2018; for GLMs, Massias et al., JMLR 2020)
builds the dual point from the last K + 1 residuals rₖ = p(zₖ) - y rather than the last
one: with U the K differences rₖ₊₁ - rₖ (n × K), c = (UᵀU)⁻¹1 / 1ᵀ(UᵀU)⁻¹1 and
r_acc = Σ cₖ rₖ₊₁, the limit of a residual sequence that converges linearly as a
vector autoregression (coordinate descent, ISTA). Where that holds, the extrapolated
dual point is far closer to the optimum's than the model's own residual, and the gap
falls with it.

For binary data this script records one long path of the default solver (bb, tol=0)
and, at every iterate, the certified lower bound on J* of the plain dual point and of
the extrapolated one (K = 5), each made feasible the same way: p = y + r clipped to
[0, 1]; mixed with q - y (q = 0 or 1) until Σ s r = 0 for the unpenalised intercept;
for pure L1, scaled until ‖Xᵀ(s r)‖_∞ <= l1. The dual value is exact (numpy, one pass
each). Printed per set: the default fit's stop (iterations, true relative gap), then
for each dual point the first iterate whose certified relative gap is <= 1e-6 with its
true gap, and the median ratio certified / true gap over iterates with a true gap in
(1e-11, 1e-4).

    python benchmarks/experiments/dual_extrapolation.py

Result (2026-12-01, benchmarks/README.md "Can a cheap estimate of J − J* stop
earlier?"): no gain; BB's iterates are not a vector autoregression.
"""

import warnings

import numpy as np
from scipy.special import expit, xlogy
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, _solver

K, TARGET = 5, 1e-6


def path(X, y, long_iter, **params):
    """(J, [w; b] in the original units) at every iterate of a tol=0 run."""
    rows = []
    orig = _solver.Monitor.__call__

    def spy(self, k, point, step):
        obj = self.objective
        base = obj.T.to_base(point.coef) if point.base is None else point.base
        rows.append((point.J, np.array(base).ravel().copy()))
        return orig(self, k, point, step)

    _solver.Monitor.__call__ = spy
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            GradientDescentLogisticRegression(tol=0.0, max_iter=long_iter, **params).fit(X, y)
    finally:
        _solver.Monitor.__call__ = orig
    return rows


class Dual:
    """The dual of J = mean log-loss + l2/2 ‖w‖² + l1 ‖w‖₁ (unit weights, an intercept)."""

    def __init__(self, X, y, C, l1_ratio):
        n = X.shape[0]
        self.X, self.y, self.s = X, y.astype(float), np.full(n, 1.0 / n)
        self.l1, self.l2 = l1_ratio / (C * n), (1.0 - l1_ratio) / (C * n)

    def residual(self, coef):
        return expit(self.X @ coef[:-1] + coef[-1]) - self.y

    def value(self, r):
        """D(r) of the feasible point made from r (a lower bound on J*)."""
        y, s = self.y, self.s
        r = np.clip(y + r, 0.0, 1.0) - y
        total = float(s @ r)
        if total != 0.0:  # mix with q - y, q in {0, 1}, until Σ s r = 0
            q = 0.0 if total > 0 else 1.0
            tau = total / (total - (q - y.mean()))
            r = (1.0 - tau) * r + tau * (q - y)
        V = self.X.T @ (s * r)
        if self.l2 == 0.0:
            theta = min(1.0, self.l1 / np.abs(V).max())
            r, conj = theta * r, 0.0
        else:
            conj = float(np.sum(np.maximum(np.abs(V) - self.l1, 0.0) ** 2)) / (2 * self.l2)
        p = y + r
        return -float(s @ (xlogy(p, p) + xlogy(1 - p, 1 - p))) - conj


def extrapolated(R):
    """Celer's r_acc from the last K + 1 residuals, or None where UᵀU is singular."""
    U = np.diff(np.stack(R), axis=0)
    G = U @ U.T
    try:
        z = np.linalg.solve(G + 1e-14 * np.trace(G) * np.eye(K), np.ones(K))
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(z)) or z.sum() == 0.0:
        return None
    return (z / z.sum()) @ np.stack(R[1:])


def analyse(name, X, y, C=1.0, l1_ratio=0.0, long_iter=1500):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio).fit(X, y)
    rows = path(X, y, long_iter, C=C, l1_ratio=l1_ratio)
    dual = Dual(X, y, C, l1_ratio)
    J = np.array([r[0] for r in rows])
    R, low_plain, low_acc, lows = [], -np.inf, -np.inf, []
    for _, coef in rows:
        R = [*R[-K:], dual.residual(coef)]
        low_plain = max(low_plain, dual.value(R[-1]))
        acc = extrapolated(R) if len(R) == K + 1 else None
        if acc is not None:
            low_acc = max(low_acc, dual.value(acc))
        lows.append((low_plain, max(low_plain, low_acc)))
    lows = np.array(lows)
    true = (J - J.min()) / J.min()
    k0 = min(int(np.max(fit.n_iter_)), len(J) - 1)
    cells = [f"{name}: default stop {k0}, {true[k0]:.1e}"]
    close = (true > 1e-11) & (true < 1e-4)
    for label, low in (("plain", lows[:, 0]), ("extrapolated", lows[:, 1])):
        cert = (J - low) / J
        hit = np.flatnonzero(cert <= TARGET)
        first = f"{hit[0]}, {true[hit[0]]:.1e}" if hit.size else "none"
        ratio = np.median(cert[close] / true[close]) if close.any() else np.nan
        cells.append(f"{label}: first certified {first}, median cert/true {ratio:.3g}")
    print(" | ".join(cells), flush=True)


def main():
    Xb, yb = load_breast_cancer(return_X_y=True)
    Xs = StandardScaler().fit_transform(Xb)
    Xm, ym = make_classification(400, 30, n_informative=5, class_sep=3, random_state=0)
    analyse("breast cancer raw, L2", Xb, yb)
    analyse("breast cancer std, L2", Xs, yb, long_iter=600)
    analyse("breast cancer std, l1_ratio=0.5", Xs, yb, l1_ratio=0.5)
    analyse("breast cancer std, L1", Xs, yb, l1_ratio=1.0)
    analyse("separable 400x30, C=1e3, l1_ratio=0.5", Xm, ym, C=1e3, l1_ratio=0.5, long_iter=3000)


if __name__ == "__main__":
    main()
