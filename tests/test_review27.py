"""Review 27: an outside review of 3836b30 (the low-rank metric of wide data retaken from
its rows' Gram A'A'ᵀ kept for the fit: n² and a Cholesky a retake, not n²·p)."""

import numpy as np

from gdlogreg._objective import LowRankMetric, Objective
from gdlogreg._problem import make_problem


def test_a_metric_whose_every_column_is_held_calls_no_blas_with_no_columns(capfd):
    """Every feature constant (held: the intercept alone is free): the rows' Gram has no
    columns to sum. dsyrk was called with k = 0 (OpenBLAS: "On entry to DSYRK parameter
    number 7 had an illegal value" on stdout, at every take; a reference BLAS stops the
    process); the metric is then 1/σ on the intercept, the identity elsewhere."""
    rng = np.random.default_rng(0)
    X = np.tile(rng.standard_normal(80), (12, 1))
    y = np.r_[np.zeros(3), np.ones(9)].astype(int)
    problem = make_problem(X, y, None, 2, C=1.0, l1_ratio=0.0, fit_intercept=True)
    obj = Objective(problem, problem.standardization)
    coef = np.zeros(obj.coef_shape)
    coef[-1] = 0.7
    first = obj.whitening(obj.T.to_base(coef))
    coef[-1] = 1.1
    again = obj.whitening(obj.T.to_base(coef), previous=first)
    out, err = capfd.readouterr()
    assert "DSYRK" not in out + err
    assert isinstance(again, LowRankMetric)
    q = rng.standard_normal((obj.coef_shape[0], 1))
    p = 1.0 / (1.0 + np.exp(-1.1))
    sigma = obj.curvature * p * (1.0 - p) * 4.0  # κ = σ(1 - σ), over its bound ¼, rows' mean 1
    expected = q.copy()
    expected[-1] /= sigma
    np.testing.assert_allclose(np.asarray(again @ q), expected, rtol=1e-9)
