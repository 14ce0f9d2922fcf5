"""The softmax's rows of weight 0 that overflow (a held-out fold's, far off at a weak
penalty) take the class-major form of the loss, not the general path's three passes."""

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp, softmax
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._loss import MultinomialLogLoss


def _block(rng, n, K, dtype):
    """A class-major block whose rows 0, 3, 6, ... have weight 0 and the first three of
    them margins far beyond the unshifted form's range (one inf, one nan)."""
    z = rng.standard_normal((n, K)) * 3.0
    t = rng.integers(0, K, n)
    s = rng.random(n) / n
    s[::3] = 0.0
    z[0, (t[0] + 1) % K] = 5e3  # another class far above the row's own
    z[3, :] = -np.inf
    z[6, 0] = np.nan
    return np.asfortranarray(z.astype(dtype)), t, s.astype(dtype)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_weightless_rows_that_overflow_keep_the_class_major_form(monkeypatch, dtype):
    rng = np.random.default_rng(0)
    n, K = 60, 7
    z, t, s = _block(rng, n, K, dtype)
    loss = MultinomialLogLoss(K, np)

    def general(*args, **kwargs):
        raise AssertionError("the general path was taken")

    monkeypatch.setattr(MultinomialLogLoss, "_unshifted", general)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        value, R = loss.terms(z, t, s, np)
    pos = s > 0
    # the rows of weight 0 add nothing: exactly the sums of the weighted rows alone
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        alone, R_alone = loss.terms(np.asfortranarray(z[pos]), t[pos], s[pos], np)
    assert value == alone
    np.testing.assert_array_equal(R[pos], R_alone)
    assert np.all(R[~pos] == 0.0)
    # and the textbook's, in float64
    z64, s64 = z[pos].astype(np.float64), s[pos].astype(np.float64)
    rows = np.arange(len(z64))
    text = float(s64 @ (logsumexp(z64, axis=1) - z64[rows, t[pos]]))
    rtol = 1e-12 if dtype == np.float64 else 2e-6
    assert value == pytest.approx(text, rel=rtol)
    P = softmax(z64, axis=1)
    P[rows, t[pos]] -= 1.0
    np.testing.assert_allclose(R[pos], s64[:, None] * P, rtol=10 * rtol, atol=10 * rtol / n)


def test_a_weighted_row_that_overflows_still_takes_the_shifted_form():
    rng = np.random.default_rng(1)
    n, K = 30, 5
    z, t, s = _block(rng, n, K, np.float64)
    z[1, (t[1] + 1) % K] = 5e3  # row 1 has weight > 0
    assert s[1] > 0
    loss = MultinomialLogLoss(K, np)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        value, R = loss.terms(z, t, s, np)
    pos = s > 0
    z64 = z[pos]
    text = float(s[pos] @ (logsumexp(z64, axis=1) - z64[np.arange(len(z64)), t[pos]]))
    assert np.isfinite(value) and value == pytest.approx(text, rel=1e-12)
    assert np.all(np.isfinite(R)) and np.all(R[~pos] == 0.0)


def test_a_search_of_many_classes_at_a_weak_penalty_keeps_the_class_major_form(monkeypatch):
    # one training row a class: at C = 1e6 the held-out rows' other classes score far
    # above their own (the helper's search of 1,000 classes took three times its fits)
    rng = np.random.default_rng(0)
    K = 60
    X = rng.standard_normal((2 * K, 2))
    y = np.repeat(np.arange(K), 2)
    folds = list(StratifiedKFold(2).split(X, y))
    calls = {"general": 0}
    unshifted = MultinomialLogLoss._unshifted

    def counted(self, *args):
        calls["general"] += 1
        return unshifted(self, *args)

    monkeypatch.setattr(MultinomialLogLoss, "_unshifted", counted)
    search = GradientDescentLogisticRegressionCV(Cs=[1e6], cv=folds, max_iter=300,
                                                 refit=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # max_iter is reached: not the point here
        search.fit(X, y)
        # the held-out rows did overflow the unshifted form: their margins are far off
        tr, te = folds[0]
        one = GradientDescentLogisticRegression(C=1e6, max_iter=300).fit(X[tr], y[tr])
    margins = one.decision_function(X[te])
    own = margins[np.arange(len(te)), y[te]]
    assert np.max(margins.max(axis=1) - own) > 354.0
    assert calls["general"] == 0
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))
