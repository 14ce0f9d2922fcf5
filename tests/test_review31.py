"""Review 31: an outside review of 476e7ce (the factored metric for 257 to 1024 rows and
p >= n, its first take delayed: ``Objective.whitening_start``)."""

import traceback
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._objective import Objective


@pytest.fixture
def positive_row_counts(monkeypatch):
    """The callers of ``Objective._positive_rows`` (with array weights: a sum on the device)."""
    calls = []
    count = Objective._positive_rows

    def spy(self):
        calls.append(traceback.extract_stack()[-2].name)
        return count(self)

    monkeypatch.setattr(Objective, "_positive_rows", spy)
    return calls


def test_an_array_api_fit_with_the_dense_metric_sums_no_weights_on_the_device(
        positive_row_counts):
    """2000 rows of 20 features, sample weights, array-API X: the dense metric applies
    (p <= 512, rows >= 4p), which counts the rows from the penalty's Σ of the weights on the
    host. ``whitening_start`` summed the rows of positive weight on the device first, once a
    fit and once a column of a search (13 sums for 4 Cs × 3 folds and the refit), where
    before it none did."""
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    X, y = make_classification(2000, 20, random_state=0)
    sw = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    with config_context(array_api_dispatch=True):
        try:
            GradientDescentLogisticRegression().fit(
                xp.asarray(X), xp.asarray(y), sample_weight=xp.asarray(sw))
            GradientDescentLogisticRegressionCV(Cs=4, cv=3).fit(xp.asarray(X), xp.asarray(y))
        except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
            pytest.skip(str(exc))
    assert positive_row_counts == []


@pytest.mark.slow
def test_a_dask_search_makes_no_single_objectives_to_start_its_metrics(monkeypatch):
    """A Dask backend has no centred rows (no factored metric: nothing to delay), yet the
    batch's start made every group's single objective, each persisting its column of
    weights on the cluster: 30 persists more for 10 Cs × 3 folds (91 for 61)."""
    da = pytest.importorskip("dask.array")
    from gdlogreg._backends._dask import DaskBackend

    starts = []
    with_weights = DaskBackend.with_weights

    def spy(self, s):
        if any(f.name == "_start_metrics" for f in traceback.extract_stack()):
            starts.append(s.shape)
        return with_weights(self, s)

    monkeypatch.setattr(DaskBackend, "with_weights", spy)
    X, y = make_classification(2000, 20, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GradientDescentLogisticRegressionCV(Cs=10, cv=3).fit(
            da.from_array(X, chunks=500), y)
    assert starts == []
    ref = GradientDescentLogisticRegressionCV(Cs=10, cv=3).fit(X, y)
    np.testing.assert_allclose(search.coef_, ref.coef_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n, d, first", [(400, 1500, 21), (300, 310, 10), (500, 500, 27),
                                           (300, 200, 35)])
def test_the_delayed_start_is_unchanged_on_numpy(n, d, first):
    """The reordered checks give the same first take (the user guide's 400 × 1500: 21, 65
    before the take's BLAS-3 flops were counted at BLAS3_RATE). 300 × 200 had no metric
    then; the p × p one between the two waits for RENT times its take's cost now."""
    from test_whitened_steps import _objective

    X, y = make_classification(n, d, n_informative=20, random_state=0)
    assert _objective(X, y).whitening_start(10) == first
