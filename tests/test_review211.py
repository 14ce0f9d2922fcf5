"""Review 211: an outside audit of stop 87's changes.

float32 L1 stops ask J's decrement on the support from a float64 gradient and, where it
refuses, step to the proximal Newton point over every coordinate
(``_solver.support_verdict``). The take was priced, the step's solve was not: on wide X
without an L2 part its flat directions (the eigenvalues of a p × p Hessian and an SVD
of their restriction at each sign step) cost 2.3 s an ask for two classes of a
276 × 1,848 CSR whose iterations cost 0.15 ms (7.2 s against 0.38 s in float64). The
solve is now priced (``Objective.support_newton_price``); where it is not paid the
Newton step on the support alone is taken, as where the solve gives none.
"""

import warnings

import numpy as np
import scipy.sparse as sp

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import _objective


def _wide():
    r = np.random.RandomState(9)
    n, d = r.randint(150, 400), r.randint(1500, 3000)
    X = sp.random(n, d, density=0.01, random_state=9, format="csr")
    X.data[:] = r.poisson(2, X.nnz) + 1.0
    y = np.argmax(X @ r.randn(d, 2) + 0.3 * r.randn(n, 2), axis=1)
    sw = np.where(r.rand(n) < 0.2, 0.0, r.uniform(0.5, 2, n))
    return X, y, sw


def _J(X, y, model, C, sw):
    w, b = model.coef_.astype(np.float64).ravel(), float(model.intercept_[0])
    z = X.astype(np.float64) @ w + b
    loss = sw @ np.logaddexp(0.0, -np.where(y == 1, 1.0, -1.0) * z)
    return (loss + np.abs(w).sum() / C) / sw.sum()


def test_float32_wide_l1_stop_does_not_solve_an_unpaid_model(monkeypatch):
    X, y, sw = _wide()
    C = 1e4
    solves, real = [], _objective.Objective.support_newton

    def spy(self, point):
        solves.append(self.coef_shape)
        return real(self, point)

    monkeypatch.setattr(_objective.Objective, "support_newton", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = GD(C=C, l1_ratio=1.0).fit(X.astype(np.float32), y, sample_weight=sw)
    assert not solves  # (1,849 coordinates, 276 rows: priced at about 1e5 iterations)
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = GD(C=C, l1_ratio=1.0, tol=0.0, max_iter=20_000).fit(X, y, sample_weight=sw)
    J_star = min(_J(X, y, ref, C, sw), _J(X, y, model, C, sw))
    assert model.converged_
    assert (_J(X, y, model, C, sw) - J_star) / J_star <= 1e-6


def _objective_of(X, y, sw):
    from gdlogreg._objective import Objective
    from gdlogreg._problem import make_problem

    problem = make_problem(X, y, sw, 2, C=1e4, l1_ratio=1.0, fit_intercept=True)
    return Objective(problem, problem.standardization)


def test_support_newton_price_counts_flat_directions_where_the_loss_may_be_flat():
    """Wide X without an L2 part: its flat directions' eigenvalues and SVDs (20 m³) far
    above its iterations; tall dense X: the Gram's and factors' flops, an iteration or
    two (the screen finds no flat direction there)."""
    from sklearn.datasets import load_breast_cancer

    X, y, sw = _wide()
    Xc, yc = load_breast_cancer(return_X_y=True)
    assert _objective_of(X, y, sw).support_newton_price() > 1e4
    assert _objective_of(Xc, yc, None).support_newton_price() < 10
