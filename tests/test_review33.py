"""Review 33: an outside check of the answers at the edges of the numerics
(benchmarks/experiments/edges.py)."""

import warnings

import numpy as np

from gdlogreg import GradientDescentLogisticRegression


def _objective(fit, X, y, C, l1_ratio):
    """LogisticRegression's J / (C n), in float64, outside gdlogreg."""
    z = X @ fit.coef_[0] + fit.intercept_[0]
    loss = np.logaddexp(0.0, -(2.0 * y - 1.0) * z).mean()
    w = fit.coef_[0]
    n = len(y)
    return loss + ((1 - l1_ratio) * w @ w / 2 + l1_ratio * np.abs(w).sum()) / (C * n)

def _fit_and_gap(X, y, C, l1_ratio, max_iter):
    """The default fit, and its relative gap to a tight fit's J (tol=1e-12)."""
    fit = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio, tol=1e-12,
                                                  max_iter=max_iter).fit(X, y)
    J, J_star = _objective(fit, X, y, C, l1_ratio), _objective(tight, X, y, C, l1_ratio)
    return fit, (J - J_star) / J_star



def test_an_elastic_net_fit_called_converged_is_within_tol_of_J_star():
    """An elastic net (l1_ratio=0.9, C=1e3) of 300 standardized rows, 10 informative
    features of 50, stopped 'converged' by the gradient test at 156 iterations 1.15e-5
    above J* relatively (above tol = 1e-5, and ten times the 1e-6 the certified test
    aims at; its own dual_gap_ was 7.8e-4 J): the flat-gap condition that guarded the
    pure-L2 gradient test (_solver.Monitor._gradient_passes) was skipped with an L1
    part. Taken with the minimum-norm subgradient and the L2 part, it stops at 211
    iterations 3.9e-8 above J*."""
    rng = np.random.default_rng(7)
    rng.standard_normal(18263)  # (the draws of edges.py's earlier cases)
    X = rng.standard_normal((300, 50))
    w = np.zeros(50)
    w[:10] = rng.standard_normal(10) * 2
    y = (X @ w + rng.logistic(size=300) > 0).astype(int)
    fit, gap = _fit_and_gap(X, y, 1000.0, 0.9, 100_000)
    assert fit.converged_
    assert gap <= 1e-6, gap


def test_a_weak_elastic_net_on_separable_classes_called_converged_is_within_tol():
    """Was a non-strict xfail, fixed by review 149's take at the stop (J's Hessian on the
    weights' support). Found after review 33's fix (2026-12-01): make_classification's well
    separated classes (class_sep=3), C = 1e3, l1_ratio = 0.5 stop 'converged' at 730
    iterations 9.3e-5 above J*: the plain gradient test passes at one iterate of a
    plateau; the rows' curvature is not spent there, so the flat gap is not asked, and
    the certified gap (3e-3 of J) is too loose to tell (benchmarks/README.md, "The
    flat gap with an L2 part")."""
    from sklearn.datasets import make_classification

    X, y = make_classification(400, 30, n_informative=5, class_sep=3, random_state=0)
    fit, gap = _fit_and_gap(X, y, 1000.0, 0.5, 50_000)
    assert not fit.converged_ or gap <= 1e-5, gap
