"""Review 50: the K-class metric's class-blocks tier (8da5262, ddc9e8e) from outside.

The blocks' metric, (I - Π) diag(H_kk⁻¹) (I - Π) plus a step along the classes' common
shifts, held as the user guide says (symmetric positive definite, exact on held columns,
weights of 0 as rows removed). The defect: the blocks' kernel cut X into blocks of rows
sized for the whole Hessian's factor (rows × Kq entries), though a block's temporaries are
rows × max(K, q): 13 rows a block at 200 classes of 200 features, each block adding a
(K, q, q) stack, so the take cost ten times what the rent-or-buy rule priced and the fit
ran 15 times slower than on the mean block (5,000 × 200, 200 classes: 33 s for 2.2 s).
"""

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression, _loss
from gdlogreg._objective import Objective
from gdlogreg._problem import make_problem


def _softmax_data(n, d, K, seed=0):
    """benchmarks/bench_ab.many_classes's generator: softmax labels, W ~ N(0, 9/d)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    Z = X @ (rng.standard_normal((d, K)) * 3.0 / np.sqrt(d))
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    return X, (P.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)


def _objective(X, y, s=None, **kw):
    params = dict(C=1.0, l1_ratio=0.0, fit_intercept=True) | kw
    t = np.unique(y, return_inverse=True)[1]
    problem = make_problem(X, t, s, len(np.unique(y)), **params)
    return Objective(problem, problem.standardization)


def _blocks_only(monkeypatch):
    monkeypatch.setattr(Objective, "_class_metric_pays",
                        lambda self, spent=0, blocks=False: blocks)


def test_the_blocks_kernel_reads_x_in_blocks_sized_for_the_blocks(monkeypatch):
    """100 classes of 100 features: a block's temporaries are rows × max(K, q), so the
    kernel's blocks of rows hold thousands of rows, not the 51 the whole Hessian's factor
    (rows × Kq) allowed: each block adds a (K, q, q) stack, as costly as the Grams of
    that many rows."""
    X, y = _softmax_data(3000, 100, 100)
    obj = _objective(X, y)
    _blocks_only(monkeypatch)
    sizes = []
    part = _loss.SoftmaxCurvature.gram_part

    def counted(self, A, z, w, xp):
        sizes.append(A.shape[0])
        return part(self, A, z, w, xp)

    monkeypatch.setattr(_loss.SoftmaxCurvature, "gram_part", counted)
    p, k = obj.coef_shape
    P = obj.whitening(obj.T.to_base(np.zeros((p, k))))
    assert type(P).__name__ == "ClassMetric" and not P.exact
    assert sum(sizes) == len(X) and min(sizes[:-1] or sizes) >= 1000, sizes[:5]
