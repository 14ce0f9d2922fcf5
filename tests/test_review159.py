"""Review 159 (an outside audit of the Dask and array-API paths, 2026-12-05).

The search told its probability scorers every class (``labels=classes_``, as
LogisticRegressionCV does) on numpy and Dask data only: on array-API data a test fold
that lacked a rare class raised scikit-learn's "y_true and y_prob contain different
number of classes". The labels now go in y's namespace and on its device.
"""

import numpy as np
import pytest
from sklearn import config_context
from test_review81 import _array_api_ready as _ready  # shared

from gdlogreg import GradientDescentLogisticRegressionCV as GDCV


def _rare_class():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 5))
    y = np.digitize(X[:, 0], [-1.0, 1.0])
    y[[10, 20, 30]] = 3  # three rows: two of five stratified test folds lack it
    return X, y


@pytest.mark.slow
@pytest.mark.parametrize("scoring", ["neg_log_loss", "neg_brier_score"])
def test_array_api_folds_without_a_class_are_scored_as_numpys(scoring):
    xps = pytest.importorskip("array_api_strict")
    if not _ready():
        pytest.skip("array-API dispatch needs SCIPY_ARRAY_API=1")
    X, y = _rare_class()
    ref = GDCV(Cs=3, cv=5, scoring=scoring).fit(X, y)
    with config_context(array_api_dispatch=True):
        search = GDCV(Cs=3, cv=5, scoring=scoring).fit(xps.asarray(X), xps.asarray(y))
    got = np.asarray(search.cv_results_["mean_test_score"])
    np.testing.assert_allclose(got, ref.cv_results_["mean_test_score"], rtol=1e-10)
    assert search.best_params_ == ref.best_params_


# --- Dask took other paths than the in-memory fit where those needed X's Gram ----------
# (the same audit): two classes with an L1 part took no Newton steps on the support
# (2,000 × 40, l1_ratio=1: 77 iterations in memory, max_iter on Dask), and X between the
# two metrics (more features than a quarter of the rows, no more than the rows) no p × p
# metric (1,000 × 300 of 3 classes at C=100: 163 iterations in memory, max_iter on
# Dask). The Dask backend now has the centred Gram, in one pass.
def _l1_data():
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((2000, 40))
    X = Z + 2.7 * Z[:, :1]
    X[:, 1] = X[:, 1] * 100 + 50
    y = (X @ rng.standard_normal(40) / 10 + rng.logistic(size=2000) > 0).astype(int)
    return X, y


def _wide_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1000, 300)) * rng.uniform(0.1, 10.0, 300)
    y = np.argmax(X[:, :30] @ rng.standard_normal((30, 3)) + rng.gumbel(size=(1000, 3)),
                  axis=1)
    return X, y, {"C": 100.0}


@pytest.mark.parametrize("case", ["l1", "elasticnet", "between the metrics"])
def test_dask_takes_the_in_memory_path(case):
    da = pytest.importorskip("dask.array")
    from gdlogreg import GradientDescentLogisticRegression as GD

    if case == "between the metrics":
        X, y, kw = _wide_data()
    else:
        X, y = _l1_data()
        kw = {"C": 1.0, "l1_ratio": 1.0 if case == "l1" else 0.3}
    ref = GD(**kw).fit(X, y)
    model = GD(**kw).fit(da.from_array(X, chunks=(X.shape[0] // 5, X.shape[1])), y)
    assert ref.converged_ and model.converged_
    assert model.n_iter_[0] == ref.n_iter_[0]
    scale = np.abs(ref.coef_).max()
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=0, atol=1e-10 * scale)


def test_dask_centred_gram_is_the_in_memory_one():
    da = pytest.importorskip("dask.array")
    from gdlogreg._backends import make_backend
    from gdlogreg._loss import make_loss

    X, y = _l1_data()
    s = np.linspace(0.0, 2.0, len(y))  # a weight of 0 too
    s /= s.sum()
    loss = make_loss(2, np)
    mean, scale = X.mean(axis=0), 1.0 / X.std(axis=0)
    host = make_backend(X, loss, y, s)
    dask = make_backend(da.from_array(X, chunks=(300, 40)), loss, da.from_array(y, chunks=300),
                        da.from_array(s, chunks=300))
    np.testing.assert_allclose(dask.centred_gram(mean, scale), host.centred_gram(mean, scale),
                               rtol=1e-12, atol=1e-12)


@pytest.mark.slow
@pytest.mark.parametrize("shape", [(400, 150, 3), (600, 300, 2)])
def test_dask_search_between_the_metrics_is_numpys(shape):
    """X between the two metrics: each column of the batch waits for the p × p metric's
    price as its single fit does, on Dask too (the batch asked each group's objective for
    it only where the factored metric may wait: on Dask the columns took it at once, and the
    fold log-losses were 1.5e-5 to 2.6e-5 off numpy's)."""
    da = pytest.importorskip("dask.array")
    n, p, K = shape
    rng = np.random.default_rng(2)
    X = rng.standard_normal((n, p)) * rng.uniform(0.1, 10.0, p)
    y = np.argmax(X[:, :20] @ rng.standard_normal((20, K)) + rng.gumbel(size=(n, K)), axis=1)
    kw = {"Cs": [0.1, 10.0], "cv": 3, "scoring": "neg_log_loss"}
    ref = GDCV(**kw).fit(X, y)
    got = GDCV(**kw).fit(da.from_array(X, chunks=(n // 4, p)), y)
    np.testing.assert_array_equal(np.asarray(got.n_iter_), np.asarray(ref.n_iter_))
    for f in range(3):
        key = f"split{f}_test_score"
        np.testing.assert_allclose(got.cv_results_[key], ref.cv_results_[key], rtol=1e-10)


def test_dask_centred_gram_holds_few_parts():
    """Each chunk's (d + 1)² part waited in memory for the reduction tree: 64 chunks held
    64 Grams (537 MiB at d = 1,024 for 16 MiB of X; review 161). The chunks are added in
    lanes now, two parts a lane at most."""
    import tracemalloc

    da = pytest.importorskip("dask.array")
    from gdlogreg._backends import make_backend
    from gdlogreg._loss import make_loss

    rng = np.random.default_rng(0)
    n, d = 64 * 32, 512
    X = rng.standard_normal((n, d))
    y = rng.integers(0, 2, n)
    be = make_backend(da.from_array(X, chunks=(32, d)), make_loss(2, np),
                      da.from_array(y, chunks=32), 1.0 / n)
    mean, scale = X.mean(axis=0), 1.0 / X.std(axis=0)
    tracemalloc.start()
    try:
        G = be.centred_gram(mean, scale)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    gram = 8 * (d + 1) ** 2
    assert G.shape == (d + 1, d + 1)
    assert peak < 24 * gram  # 64 parts before
