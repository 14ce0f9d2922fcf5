"""Review of the wide p × p metric (c1d935c..de96405): X of 513-2048 coordinates, n >= p.

Checked on dense X (1,200-1,500 × 600, correlated factor columns at raw scales 0.1-10) and
CSR X (3,000 × 642 one-hot levels), two and 4-5 classes, at one thread:

Held: a weight of 2 and a repeated row give the same path (same n_iter_, coef within 1e-9;
on dense X since the wide metric's factor, within rounding carried apart: the test);
float32 X stays float32 and its fit is within the promise of J* (in float64); C=np.inf with
duplicated and constant columns gives finite coefficients (dense X: the separation stop);
warm_start refits converge to the cold fit's J; l1_ratio > 0 takes no metric; rows of weight
0, class_weight='balanced' and fit_intercept=False on CSR X hold (J - J*)/J* <= tol/10;
a fit's tracemalloc peak stays within a few times X's bytes.

Found:
- Dense two-class X of 600 coordinates (1,500 rows) stops with converged_=True above the
  promise (J - J*)/J* <= 1e-6: 1.25e-5 (seed 1, C=1e3), 4.3e-6 (seed 2, C=1e3), 7.2e-6
  (seed 6, C=100); 7 of 16 (seed, C) pairs above 1e-6; J* from newton-cholesky, tol=1e-12.
  The wide metric confirms no stop (``FactoredMetric.decrement`` False) and the gradient tests
  stop early; before the change the
  same fits ran to max_iter unconverged (honestly). 500 and 1,000 coordinates hold.
  Fixed: one dense column's wide metric confirms stops (its take costs dozens of
  iterations; CSR X's and K classes' blocks, hundreds, still do not): all 16 within 3.9e-7.
- A leaked RuntimeWarning in the unconverged warning's separation check (class weights
  5e-324 and 1e300: a share of 0 times an overflowed exp), found by test_hostile's fuzz in
  the review's run: fixed (the pair is not near certainty, as the rows of no pull).
- Left: the wide price counts rows as the other whitening rules do (the larger of Σw and
  the rows of positive weight: a weight of 2 is two rows), so weights of 1e8 price the
  take as for 3e11 rows and take it at once (slower, not wrong).
- CSR X with weights ~1e8 (uniform 0.5-2 times 1e8) stops 1.7e-6 above J* at C=1 (before
  the change too: 4.4e-7 at C=1, 1.2e-6 at C=1e3), and _wide_price counts Σw = 3e11 rows, so
  the metric is taken at once: 0.044 s against 0.015 s before (0.39 s vs 0.10 s, 4 classes).
- GradientDescentLogisticRegressionCV's neg_log_loss fold scores differ from GridSearchCV
  over the single estimator by 1.55e-5 on CSR X of 4 classes at C=1e3 (the same before the
  change: 9343103). Dense 1,200 × 600 held (7.9e-7).
"""

import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_limits

import gdlogreg._objective as objective_module
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV


def _dense(n=1500, p=600, seed=0, factors=30):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, factors)) @ rng.normal(size=(factors, p))
    X += 0.3 * rng.normal(size=(n, p))
    X *= rng.uniform(0.1, 10, p)
    w = rng.normal(size=p) / np.sqrt(p) / X.std(0) * 3
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ w)))).astype(int)
    return X, y


def _one_hot(n=3000, levels=(600, 40), seed=0, k=2):
    rng = np.random.default_rng(seed)
    blocks, z = [], np.zeros(n)
    for count in levels:
        q = 1.0 / np.arange(1, count + 1) ** 1.1
        codes = rng.choice(count, n, p=q / q.sum())
        blocks.append(sp.csr_matrix((np.ones(n), (np.arange(n), codes)), shape=(n, count)))
        z += rng.normal(0.0, 2.0, count)[codes]
    num = rng.normal(size=(n, 2))
    z += num @ np.array([1.0, -0.5])
    if k == 2:
        y = (rng.random(n) < 1.0 / (1.0 + np.exp(-z))).astype(int)
    else:
        y = np.digitize(z + rng.logistic(size=n),
                        np.quantile(z, np.linspace(0, 1, k + 1)[1:-1]))
    return sp.hstack([sp.csr_matrix(num), *blocks]).tocsr(), y


def _J(m, X, y, C, sw=None):
    """Mean (weighted) log-loss + ||w||²/(2 C Σw), in float64."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, float)
    sw = np.ones(len(y)) if sw is None else np.asarray(sw, float)
    z = X @ m.coef_.astype(float).T + m.intercept_.astype(float)
    if z.shape[1] == 1:
        z = np.hstack([np.zeros_like(z), z])
    loss = logsumexp(z, 1) - z[np.arange(len(y)), np.searchsorted(m.classes_, y)]
    pen = 0.0 if np.isinf(C) else (m.coef_.astype(float) ** 2).sum() / (2 * C * sw.sum())
    return float(sw @ loss / sw.sum() + pen)


def _fit(est, X, y, **kw):
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y, **kw)


def _ref(X, y, C, sw=None, **kw):
    X = X.toarray() if sp.issparse(X) else np.asarray(X, float)
    return _fit(LogisticRegression(solver="newton-cholesky", C=C, tol=1e-12, max_iter=1000,
                                   **kw), X, y, sample_weight=sw)


def _gap(m, r, X, y, C, sw=None):
    Jm, Jr = _J(m, X, y, C, sw), _J(r, X, y, C, sw)
    return (Jm - Jr) / Jr


# --- defects ---------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("seed,C", [(1, 1e3), (2, 1e3), (6, 100.0)])
def test_dense_wide_converged_fit_within_promise(seed, C):
    """Dense 1500 x 600, two classes: converged_=True 1.25e-5 (seed 1, C=1e3), 4.3e-6
    (seed 2, C=1e3), 7.2e-6 (seed 6, C=100) above J* (promise 1e-6) while the wide metric
    confirmed no stop; since one dense column's does (its Newton decrement, retaken where
    stale), 3.5e-8, 1.9e-9, 1.9e-8 (16 seeds × C: at most 3.9e-7; +10 % of the time)."""
    X, y = _dense(seed=seed)
    m = _fit(GD(C=C), X, y)
    assert objective_module.MAX_WHITENED < X.shape[1] <= objective_module.MAX_WIDE_WHITENED
    assert m.converged_
    assert _gap(m, _ref(X, y, C), X, y, C) <= 1e-6


def test_csr_wide_huge_weights_within_promise():
    """CSR 3000 × 642, sample_weight ~1e8: converged 1.7e-6 above J* at C = 1 (4.4e-7
    before review 133's change, 1.2e-6 there at C = 1e3); within the promise since stop
    89's Newton step of conjugate gradients at stops no metric confirms."""
    X, y = _one_hot()
    sw = 1e8 * np.random.default_rng(5).uniform(0.5, 2, X.shape[0])
    tight = _fit(GD(C=1.0, tol=1e-12, max_iter=100_000), X, y, sample_weight=sw)
    m = _fit(GD(C=1.0), X, y, sample_weight=sw)
    assert tight.converged_ and m.converged_
    assert _gap(m, tight, X, y, 1.0, sw) <= 1e-6


def _cv_vs_grid(X, y, Cs):
    cv = StratifiedKFold(3)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = GDCV(Cs=Cs, cv=cv, scoring="neg_log_loss").fit(X, y)
        g = GridSearchCV(GD(), {"C": Cs}, cv=cv, scoring="neg_log_loss").fit(X, y)
    scores = np.asarray(list(a.scores_.values())[0])
    return np.abs(scores.mean(0) - g.cv_results_["mean_test_score"]).max()


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "CV neg_log_loss fold scores vs GridSearchCV: 1.55e-5 apart on CSR 3000 x 642, 4 "
    "classes, C=1e3 (the same at 9343103, before the change)"))
def test_cv_scores_match_grid_search_csr_multiclass():
    X, y = _one_hot(k=4)
    assert _cv_vs_grid(X, y, [0.1, 1e3]) <= 1e-6


@pytest.mark.slow
def test_cv_scores_match_grid_search_dense():
    """The batch's log-loss scores are GridSearchCV's on dense wide X where the fits are
    well posed. (At C = 1e3 these 800 training rows of 600 columns are nearly separable:
    a fold's test log-loss, -4.06, moved by 6e-4 between the batch's column and its single
    fit at the same 421 iterations, and the mean over folds by 7.9e-7 here and 3.4e-6 on
    the oldest supported numpy and scipy: rounding on a flat valley, not a path apart.)"""
    X, y = _dense(n=1200)
    assert _cv_vs_grid(X, y, [0.1, 1.0]) <= 1e-6


# --- held ------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_weight_two_is_a_repeated_row(kind):
    X, y = _dense(n=1200) if kind == "dense" else _one_hot()
    n = X.shape[0]
    idx = np.random.default_rng(1).choice(n, n // 3, replace=False)
    sw = np.ones(n)
    sw[idx] = 2
    Xr = sp.vstack([X, X[idx]]).tocsr() if sp.issparse(X) else np.vstack([X, X[idx]])
    a = _fit(GD(C=1e3), X, y, sample_weight=sw)
    b = _fit(GD(C=1e3), Xr, np.r_[y, y[idx]])
    if kind == "csr":
        assert a.n_iter_[0] == b.n_iter_[0]
        np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8)
        return
    # Dense X: the same decisions (every statistic weighted: the metric's takes at the same
    # iterations), but the Grams of 1,200 weighted rows and of 1,600 rows round apart by
    # 1e-16, which this nearly separable fit's spectral steps carry apart after the wide
    # metric's take at iteration 39 (its factor's price; at 61 before, by the inverse's,
    # they stayed within 1e-9): both end within the promise of J*, with the same labels.
    assert abs(int(a.n_iter_[0]) - int(b.n_iter_[0])) <= 0.05 * a.n_iter_[0]
    r = _ref(X, y, 1e3, sw)
    assert max(_gap(a, r, X, y, 1e3, sw), _gap(b, r, X, y, 1e3, sw)) <= 1e-6
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


def test_float32_stays_float32_within_promise():
    X, y = _dense()
    X32 = X.astype(np.float32)
    m = _fit(GD(C=1e3), X32, y)
    assert m.coef_.dtype == np.float32 and m.converged_
    tight = _fit(GD(C=1e3, tol=1e-12, max_iter=20_000), X32.astype(float), y)
    assert _gap(m, tight, X32, y, 1e3) <= 1e-6


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_unpenalized_duplicated_and_constant_columns(kind):
    X, y = _dense(n=1200) if kind == "dense" else _one_hot()
    n = X.shape[0]
    if sp.issparse(X):
        Xd = sp.hstack([X, X[:, :5], sp.csr_matrix(np.full((n, 2), 3.0))]).tocsr()
    else:
        Xd = np.hstack([X, X[:, :5], np.full((n, 2), 3.0)])
    m = _fit(GD(C=np.inf), Xd, y)
    assert np.isfinite(m.coef_).all() and np.isfinite(m.intercept_).all()
    np.testing.assert_allclose(m.coef_[0, -2:], 0.0, atol=1e-8)  # constant columns


@pytest.mark.slow
def test_csr_weights_balanced_no_intercept_within_promise():
    X, y = _one_hot()
    sw = np.where(np.random.default_rng(5).random(X.shape[0]) < 0.3, 0.0, 1.0)
    for C, kw, w in [(1e3, {}, sw), (1e3, {"class_weight": "balanced"}, None),
                     (1e3, {"fit_intercept": False}, None)]:
        m = _fit(GD(C=C, **kw), X, y, sample_weight=w)
        r = _ref(X, y, C, w, **kw)
        if "class_weight" in kw:
            from sklearn.utils.class_weight import compute_sample_weight
            w = compute_sample_weight("balanced", y)
        assert m.converged_ and _gap(m, r, X, y, C, w) <= 1e-6, kw


def test_warm_start_and_l1_take_no_wrong_turn(monkeypatch):
    X, y = _one_hot()
    m = _fit(GD(C=1e3, warm_start=True, max_iter=30), X, y)
    m.set_params(max_iter=1000)
    _fit(m, X, y)
    cold = _fit(GD(C=1e3), X, y)
    assert m.converged_ and abs(_J(m, X, y, 1e3) - _J(cold, X, y, 1e3)) <= 1e-6 * _J(
        cold, X, y, 1e3)
    taken = []
    original = objective_module.Objective.whitening

    def spy(self, *args, **kwargs):
        P = original(self, *args, **kwargs)
        taken.append(P)
        return P

    monkeypatch.setattr(objective_module.Objective, "whitening", spy)
    Xd, yd = _dense(n=1200)
    for XX, yy in [(X, y), (Xd, yd)]:
        _fit(GD(C=1.0, l1_ratio=0.5, max_iter=100), XX, yy)
    assert all(P is None for P in taken)


@pytest.mark.parametrize("kind", ["dense", "csr"])
def test_memory_peak_near_x(kind):
    X, y = _dense(n=1200) if kind == "dense" else _one_hot()
    xb = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes if sp.issparse(X) else X.nbytes
    tracemalloc.start()
    try:
        _fit(GD(C=1e3), X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak <= 4 * xb + 4 * X.shape[1] ** 2 * 8


@pytest.mark.parametrize("y", [[0, 1, 2, 0, 1], [0, 1, 0, 0, 1]])
def test_an_underflowed_class_weight_leaks_no_runtime_warning(y):
    """Found by tests/test_hostile.py's fuzz during this review's run: class weights of
    5e-324 and 1e300 give a row of share 0 beside an overflowed exp in the separation
    check of the unconverged warning (inf × 0): "invalid value encountered in multiply"
    leaked. Now the pair is read as not near certainty, as the rows of no pull."""
    X = np.array([[0.0, 0.0, 1e5], [0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 1e5]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", UserWarning)  # the ConvergenceWarning asked for
        m = GD(C=1e20, solver="gd", fit_intercept=False, learning_rate=0.001, max_iter=30,
               class_weight={0: 5e-324, 1: 1e300}).fit(X, np.array(y))
    assert np.all(np.isfinite(m.coef_))
