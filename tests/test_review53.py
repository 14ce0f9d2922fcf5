"""Review 53: wide data of K classes, each class's own block in the factored metric (fe4507a).

Checked and held: P q against a dense (I - Π) diag(H_kk⁻¹) (I - Π) + Π diag(shift) Π built
from J's own class blocks (with and without an intercept, held columns, weights of 0 and
2, class weights, C from 1e-4 to 1e6; symmetric positive definite, finite where a class's
probability is e^-700 everywhere); numpy, torch CPU and array_api_strict take the same
(n, K) weights and iterations; float32 keeps the mean block and sparse X no factored
metric; the batched search (bb and lbfgs) follows its single fits to 1e-10.
The defect: the search's memory budget (``metric_bytes``) counted the K factors but not
the blocks' p × K means μ̃ and μ' the metric holds beside them: 40 classes of 3,000
coordinates held 1.8 times what was counted.
"""

import numpy as np
import pytest
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._objective import LowRankMetric, Objective, metric_bytes
from gdlogreg._problem import make_problem


def _softmax_data(n, d, K, seed=0):
    """Raw correlated features of spread e^±1.5 and offsets, softmax labels
    (benchmarks/experiments/wide_classes.py's generator)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) @ (np.eye(d) + 0.3 * rng.standard_normal((d, d)) / d**0.5)
    X = X * rng.lognormal(0, 1.5, d) + rng.normal(0, 2, d)
    S = (X - X.mean(axis=0)) / X.std(axis=0)
    Z = S @ rng.standard_normal((d, K)) * (2.5 / d**0.5)
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X, (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)


def _objective(X, y, s=None, fit_intercept=True, C=1.0):
    t = np.unique(y, return_inverse=True)[1]
    problem = make_problem(X, t, s, t.max() + 1, C=C, l1_ratio=0.0, fit_intercept=fit_intercept)
    return Objective(problem, problem.standardization)


def _held_bytes(P):
    """The bytes of the arrays a metric holds (each buffer once)."""
    seen, total = set(), 0
    for value in vars(P).values():
        for a in value if isinstance(value, list) else [value]:
            if isinstance(a, np.ndarray):
                b = a if a.base is None else a.base
                if id(b) not in seen:
                    seen.add(id(b))
                    total += b.nbytes
    return total


@pytest.mark.parametrize("shape", [(40, 1500, 30), (100, 400, 10)])
def test_the_search_budget_counts_what_the_class_blocks_metric_holds(shape):
    """metric_bytes(n, p, K) is at least what the metric of K blocks holds: its rows, Gram
    and K factors, and the blocks' μ̃ and μ' (p × K each), which it left out (1.8 times
    the count at 40 × 1,500, 30 classes)."""
    n, d, K = shape
    X, y = _softmax_data(n, d, K)
    obj = _objective(X, y)
    p, k = obj.coef_shape
    P = obj.whitening(obj.T.to_base(np.zeros((p, k))), spent=100)
    assert isinstance(P, LowRankMetric) and P.shift is not None  # each class's own block
    assert _held_bytes(P) <= metric_bytes(n, p, k)


def _dense(P, p, k):
    return np.column_stack([np.ravel(P @ e.reshape(p, k)) for e in np.eye(p * k)])


@pytest.mark.parametrize("fit_intercept", [True, False])
def test_the_blocks_are_j_s_own_with_class_weights_and_weights_of_0_and_2(fit_intercept):
    """P against the dense (I - Π) diag(H_kk⁻¹) (I - Π) + Π diag(shift) Π, the blocks
    H_kk built here from J's definition (rows weighted by s·w_class/Σ, the penalty
    l2·D² in standardized coordinates), the shift 1/(l2·D² + mean trace/p)."""
    rng = np.random.default_rng(4)
    n, d, K = 30, 45, 3
    X = rng.standard_normal((n, d)) * np.logspace(-2, 2, d) + 3.0
    y = rng.integers(0, K, n)
    s = rng.choice([0.0, 1.0, 2.0], n, p=[0.2, 0.5, 0.3]) * np.array([1.0, 4.0, 0.25])[y]
    obj = _objective(X, y, s, fit_intercept=fit_intercept, C=0.3)
    p, k = obj.coef_shape
    coef = rng.standard_normal((p, k)) * 0.4
    P = obj.whitening(obj.T.to_base(coef), spent=100)
    assert isinstance(P, LowRankMetric) and P.shift is not None
    D, mean = np.asarray(obj.std.D), np.asarray(obj.std.mean)
    A = (X - mean) * D if fit_intercept else X * D
    A = np.column_stack([A, np.ones(n)]) if fit_intercept else A
    Z = np.asarray(obj.backend.linear(obj.T.to_base(coef), fit_intercept))
    prob = np.exp(Z - Z.max(axis=1, keepdims=True))
    prob /= prob.sum(axis=1, keepdims=True)
    w = s / s.sum()
    lam = np.zeros(p)
    lam[:d] = obj.penalty.l2 * D**2
    blocks = [(A * (w * prob[:, c] * (1 - prob[:, c]))[:, None]).T @ A + np.diag(lam)
              for c in range(k)]
    shift = 1.0 / (lam + np.mean([np.trace(B) for B in blocks]) / p)
    Pi = np.kron(np.eye(p), np.full((k, k), 1.0 / k))
    B = np.zeros((p * k, p * k))
    for c, H in enumerate(blocks):
        B[c::k, c::k] = np.linalg.inv(H)
    eye = np.eye(p * k)
    ref = (eye - Pi) @ B @ (eye - Pi) + Pi @ np.kron(np.diag(shift), np.eye(k)) @ Pi
    got = _dense(P, p, k)
    np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9 * np.abs(ref).max())
    assert np.linalg.eigvalsh(0.5 * (got + got.T)).min() > 0


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_a_search_on_wide_classes_follows_its_single_fits_on_the_blocks(solver):
    """Each (C, fold) column of the batched search takes each class's own block as its
    single fit does, and its curve is the single fit's to rounding (raw units)."""
    X, y = _softmax_data(90, 300, 4, seed=2)
    cv, Cs = StratifiedKFold(3), [0.1, 10.0]
    search = GradientDescentLogisticRegressionCV(Cs=Cs, cv=cv, solver=solver,
                                                 refit=False).fit(X, y)
    for c, C in enumerate(Cs):
        for f, (train, _) in enumerate(cv.split(X, y)):
            single = GradientDescentLogisticRegression(C=C, solver=solver).fit(X[train],
                                                                                 y[train])
            curve = search.loss_curves_[c * 3 + f]
            assert len(curve) == len(single.loss_curve_) and single.converged_
            np.testing.assert_allclose(curve, single.loss_curve_, rtol=1e-9)
