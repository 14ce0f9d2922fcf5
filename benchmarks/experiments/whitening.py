"""Would descent in whitened coordinates need fewer iterations than standardized? (issue #16)

LeCun, Bottou, Orr and Müller ("Efficient BackProp", 1998, section 4.3) ask three
things of a gradient method's inputs: zero mean, equal variance, and no correlation
between them. gdlogreg's standardization (``gdlogreg._problem.Standardization``) gives
the first two; this experiment adds the third. With Böhning and Lindsay's bound on the
Hessian (1988; ``curvature`` c = ¼ binary, ½ multinomial), in the standardized
coordinates w' of one column of W,

    H = c · Σᵢ sᵢ aᵢ aᵢᵀ + l2 · D²,        aᵢ the centred, standardized row xᵢ,

a fixed matrix with ∇²J ≼ H everywhere (the penalty's curvature included), whose
Cholesky factor H = L Lᵀ gives whitened coordinates u = Lᵀ w': there the bound is the
identity. ``Whitening`` below is that change of variables (a transform of the same
interface as the standardization: ``to_base``, ``from_base``, ``grad_from_base``), and
the package's own step rule (``solver="bb"``) descends in it, unchanged, through the
package's objective and solver. H costs one pass over X (d products, compute-bound) and
a d × d Cholesky factorisation; each iteration two d × d triangular solves.

For each set (raw and standardized, C = 1, pure L2), the path of each coordinate
system is run for ``--iters`` iterations at ``tol=0``; printed: the first iteration
whose relative gap (J - J*)/J* is at most 1e-4, 1e-6 and 1e-8 (J* the lowest J of
both paths; -1: not reached), and the mean curvature ratio ρ after 20 iterations
and at the default stop (:func:`curvature_ratio`). The stopping tests and the
duality gap are left out (the monitor's measures assume standardized coordinates).

    python benchmarks/experiments/whitening.py [--sets cells,digits] [--iters 3000] [--ridge 0]
"""

import argparse
import os
import sys
import warnings
from pathlib import Path

import numpy as np
from scipy.linalg import cho_factor, solve_triangular
from sklearn.preprocessing import LabelEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression, _solver
from gdlogreg._objective import Objective
from gdlogreg._problem import make_problem
from gdlogreg._steps import RULES

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SETS = "breast_cancer,wine,digits,cells,credit,tissue,pd_speech,movies,diamonds"


class Whitening:
    """u = Lᵀ w' (w' the standardized weights), H = L Lᵀ the Hessian bound above; the
    intercept as the standardization leaves it (centring decouples it from w')."""

    def __init__(self, problem, ridge=0.0):
        std, d = problem.standardization, problem.n_features
        self.std, self.fit_intercept, self.D, self.mean = std, problem.fit_intercept, None, None
        E = np.zeros((d + int(self.fit_intercept), d))
        E[:d] = np.eye(d)
        # Σ s aᵢ aᵢᵀ: the Gram of the standardized, centred columns (T Aᵀ S A T)
        gram = std.grad_from_base(problem.backend.gram(std.to_base(E), self.fit_intercept))[:d]
        c = problem.loss.curvature
        H = c * gram + problem.penalty.l2 * np.diag(std.D**2)
        H = 0.5 * (H + H.T)
        # ridge·c·I (0 by default), and a hair more where H is singular to rounding
        H[np.diag_indices(d)] += ridge * c + 1e-14 * max(np.trace(H) / max(d, 1), 1e-300)
        self.L = np.tril(cho_factor(H, lower=True)[0])

    def _w(self, a):
        d = self.L.shape[0]
        return a[:d], a[d:]

    def to_base(self, u):
        head, tail = self._w(u)
        return self.std.to_base(np.vstack([solve_triangular(self.L.T, head), tail]))

    def from_base(self, coef):
        head, tail = self._w(self.std.from_base(coef))
        return np.vstack([self.L.T @ head, tail])

    def grad_from_base(self, grad):
        head, tail = self._w(self.std.grad_from_base(grad))
        return np.vstack([solve_triangular(self.L, head, lower=True), tail])


def path(X, y, whiten, iters, ridge=0.0):
    """J along ``iters`` iterations of bb in standardized or whitened coordinates."""
    y_idx = LabelEncoder().fit_transform(y)
    problem = make_problem(X, y_idx, None, int(y_idx.max()) + 1, C=1.0, l1_ratio=0.0,
                           fit_intercept=True)
    T = Whitening(problem, ridge) if whiten else problem.standardization
    objective = Objective(problem, T)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        result = _solver.minimize(objective, T.from_base(problem.zeros()), RULES["bb"]("auto"),
                                  max_iter=iters, tol=0.0)
    return np.asarray(result.loss_curve)


def curvature_ratio(X, y, max_iter):
    """ρ: Σ s p(1 - p) over the rows of the default fit after ``max_iter`` iterations
    (None: at its default stop), over its value at the zero start (Σₖ pₖ(1 - pₖ) against
    1 - 1/K for K classes)."""
    params = {} if max_iter is None else {"max_iter": max_iter, "tol": 0.0}
    P = GradientDescentLogisticRegression(**params).fit(X, y).predict_proba(X)
    return float(np.mean(np.sum(P * (1.0 - P), axis=1))) / (1.0 - 1.0 / P.shape[1])


def first(curve, J_star, gap):
    hit = np.flatnonzero((curve - J_star) / J_star <= gap)
    return int(hit[0]) if hit.size else -1


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sets", default=SETS)
    p.add_argument("--iters", type=int, default=3000)
    p.add_argument("--ridge", type=float, default=0.0, help="γ: H + γ·c·I is factored")
    args = p.parse_args()
    import datasets  # benchmarks/datasets.py

    warnings.simplefilter("ignore")
    # no certified gap: its dual point reads the coordinates as standardized ones
    _solver.Monitor._gap_passes = lambda self, opt, point, bound: False
    print("| set | n × d, K | data | standardized: to 1e-4, 1e-6, 1e-8 | whitened | ρ |")
    print("|---|---|---|---|---|---|")
    with threadpool_limits(1):
        for name in args.sets.split(","):
            X, y, _ = datasets.load(name)
            if hasattr(X, "toarray"):
                continue  # dense X only: H is a dense d × d matrix
            for scaled in (False, True):
                Xs = StandardScaler().fit_transform(X) if scaled else np.asarray(X, float)
                curves = [path(Xs, y, w, args.iters, args.ridge) for w in (False, True)]
                J_star = min(float(np.min(c)) for c in curves)
                cells = [", ".join(str(first(c, J_star, g)) for g in (1e-4, 1e-6, 1e-8))
                         for c in curves]
                print(f"| {name} | {X.shape[0]:,} × {X.shape[1]}, {len(np.unique(y))} | "
                      f"{'scaled' if scaled else 'raw'} | {cells[0]} | {cells[1]} | "
                      f"{curvature_ratio(Xs, y, 20):.2f} / {curvature_ratio(Xs, y, None):.2f} |",
                      flush=True)


if __name__ == "__main__":
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    main()
