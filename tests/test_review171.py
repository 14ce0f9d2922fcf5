"""Review 171, an outside review of this stop's own changes: a header of pandas' column
numbers with some dropped; coefficients set by hand on a search with a scorer and on Dask
X; the float32 offset warning where the column's weight is 0; a number as sample_weight
with a callback that scores."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._cli import load_data
from gdlogreg._compat import HAS_CALLBACKS


def test_a_header_of_column_numbers_with_some_dropped_is_a_header(tmp_path):
    rows = "".join(f"{i}.5,{i % 3},{i % 5},{i % 2}\n" for i in range(20))
    path = tmp_path / "data.csv"
    path.write_text("0,1,3,7\n" + rows)  # pandas' columns 0..7 with 2, 4, 5, 6 dropped
    X, y, name = load_data(csv_path=str(path))
    assert X.shape == (20, 3) and "target '7'" in name


def _hand_set(est):
    X, y = load_iris(return_X_y=True)
    ref = LogisticRegression(max_iter=1000).fit(X, y)
    est.coef_, est.intercept_, est.classes_ = ref.coef_, ref.intercept_, ref.classes_
    return est, ref, X, y


def test_a_search_set_by_hand_scores_with_its_scorer():
    search, ref, X, y = _hand_set(GradientDescentLogisticRegressionCV(scoring="accuracy"))
    assert search.score(X, y) == ref.score(X, y)


def test_coefficients_set_by_hand_predict_dask_x():
    da = pytest.importorskip("dask.array")
    est, ref, X, _ = _hand_set(GradientDescentLogisticRegression())
    got = est.predict_proba(da.from_array(X, chunks=50)).compute()
    np.testing.assert_allclose(got, ref.predict_proba(X), rtol=1e-10)
    with pytest.raises(ValueError, match="X has 3 features, but .* expecting 4"):
        est.predict(da.from_array(X[:, :3], chunks=50)).compute()


def test_no_offset_warning_where_the_columns_weight_is_zero():
    # an irrelevant float32 column of mean 1e5 that the L1 penalty sets to 0 plays no part
    # in z: the stop is certified, no warning, and its gap is kept
    rng = np.random.default_rng(1)
    Xn = rng.standard_normal((500, 4))
    y = (Xn[:, 1:] @ np.array([-2.0, 0.5, 1.0]) + rng.standard_normal(500) > 0).astype(int)
    X = (Xn + np.array([1e5, 0.0, 0.0, 0.0])).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = GradientDescentLogisticRegression(C=0.05, l1_ratio=1.0).fit(X, y)
    assert est.coef_[0, 0] == 0.0 and np.isfinite(est.dual_gap_)


@pytest.mark.skipif(not HAS_CALLBACKS, reason="scikit-learn's callback API: >= 1.9")
def test_a_number_as_sample_weight_reaches_a_scoring_callback_as_one_per_row():
    from sklearn.callback import ScoringMonitor

    X, y = load_iris(return_X_y=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GradientDescentLogisticRegression(max_iter=5).set_callbacks(
            ScoringMonitor(scoring="accuracy")).fit(X, y, sample_weight=2.0)
    assert model.n_iter_[0] == 5
