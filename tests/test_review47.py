"""Review 47: sample-weight equivalence, everywhere.

Weighting a row by an integer k and repeating it k times, a weight of 0 and the row
removed, all weights scaled by a constant with C scaled inversely (the same J), and
class weights against the same sample weights should give the same fit, along the same
path. The tests pin the statistics found counting rows or raw weights where the promise
needs the weights' meaning, and a few properties that held.
"""

import warnings

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression


def _collinear(n=1200, seed=0):
    """Raw, nearly collinear features of very different scales: the plain steps crawl,
    the whitened ones (the dense p × p metric here: n ≥ 4p) do not."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, 3))
    X = np.column_stack([base[:, 0] * 1e3 + 5e3,
                         base[:, 0] * 1e3 + 5e3 + 10.0 * rng.standard_normal(n),
                         base[:, 1], base[:, 1] + 0.05 * base[:, 2],
                         rng.standard_normal(n)])
    y = (base[:, 0] + base[:, 1] + rng.logistic(size=n) > 0).astype(int)
    return X, y


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
@pytest.mark.parametrize("scale", ["sum to 1", 1e-3])
def test_weights_scaled_down_keep_the_whitened_steps(solver, scale):
    """Weights summing to 1 (or all 1e-3) with C scaled up by as much are the same J as no
    weights. The dense metric's rule counted the rows as Σ of the raw weights: 1.2 rows
    here (digits: 1.8, so 993 iterations instead of 146; breast cancer 482 instead of 21),
    and the whitened steps were never taken. Rows are counted as the larger of Σw and the
    rows of positive weight, as the factored metric's rule already did."""
    X, y = _collinear()
    n = len(y)
    c = 1.0 / n if scale == "sum to 1" else scale
    plain = GradientDescentLogisticRegression(solver=solver).fit(X, y)
    scaled = GradientDescentLogisticRegression(solver=solver, C=1.0 / c).fit(
        X, y, sample_weight=np.full(n, c))
    assert plain.converged_ and plain.n_iter_[0] < 100, plain.n_iter_
    assert scaled.n_iter_[0] == plain.n_iter_[0]
    np.testing.assert_allclose(scaled.loss_curve_, plain.loss_curve_, rtol=1e-9)
    np.testing.assert_allclose(scaled.coef_, plain.coef_, rtol=1e-8)


def _partly_separable(n=1000, p=30, extra=6000):
    """Random labels, and 50 positive rows that a positive weight on column 0 (zero
    elsewhere) separates: J has no minimum at C=inf. ``extra`` rows more of noise."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n + extra, p))
    y = rng.integers(0, 2, n + extra)
    X[:, 0] = 0.0
    X[np.flatnonzero(y[:n] == 1)[:50], 0] = 1.0
    return X, y


@pytest.mark.parametrize("sparse", [False, True])
def test_rows_of_weight_0_do_not_count_against_the_separability_program(sparse):
    """The no-minimum warning's linear program is asked only where its constraints hold at
    most LP_ENTRIES entries. They were counted over all of X, rows of weight 0 too (which
    the program leaves out): 6000 such rows hid the separation that the same fit without
    them reports, and gave the advice to raise max_iter instead."""
    import scipy.sparse as sp

    X, y = _partly_separable()
    n = 1000
    w = np.r_[np.ones(n), np.zeros(len(y) - n)]
    X = sp.csr_matrix(X) if sparse else X
    texts = []
    for args, weights in [((X, y), w), ((X[:n], y[:n]), None)]:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            GradientDescentLogisticRegression(C=np.inf, max_iter=50).fit(
                *args, sample_weight=weights)
        texts.append([str(r.message) for r in rec])
    assert len(texts[0]) == 1 and "separable" in texts[0][0]
    assert texts[0] == texts[1]


def test_the_search_with_weights_summing_to_1_keeps_each_folds_whitened_path():
    """Each fold's J with weights summing to 1 and C scaled by n is that fold's J without
    weights: the same path, fold by fold (it took 27 to 236 iterations instead of 12
    to 13 while its rows were counted as Σ of the fold's raw weights)."""
    from sklearn.model_selection import StratifiedKFold

    from gdlogreg import GradientDescentLogisticRegressionCV

    X, y = _collinear()
    n = len(y)
    folds = list(StratifiedKFold(4).split(X, y))
    plain = GradientDescentLogisticRegressionCV(Cs=[0.1, 10.0], cv=folds).fit(X, y)
    scaled = GradientDescentLogisticRegressionCV(Cs=[0.1 * n, 10.0 * n], cv=folds).fit(
        X, y, sample_weight=np.full(n, 1.0 / n))
    assert max(map(len, plain.loss_curves_)) < 30
    for a, b in zip(scaled.loss_curves_, plain.loss_curves_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9)
    np.testing.assert_allclose(scaled.scores_[1], plain.scores_[1])
    np.testing.assert_allclose(scaled.coef_, plain.coef_, rtol=1e-8)


def _gaussian(n, p, K, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, p)) * np.logspace(-1, 1, p)
    y = np.argmax(X @ rng.standard_normal((p, K)) + rng.gumbel(size=(n, K)), axis=1)
    return X, y


@pytest.mark.parametrize("solver, rate", [("bb", "auto"), ("gd", "auto"), ("gd", 0.5),
                                          ("nesterov", "auto"), ("backtracking", "auto"),
                                          ("lbfgs", "auto")])
@pytest.mark.parametrize("shape", [(240, 6), (120, 60)])  # dense metric, factored metric
@pytest.mark.parametrize("K", [2, 4])
def test_weights_of_0_to_3_are_rows_removed_or_repeated_for_every_solver(solver, rate, shape, K):
    """Held: integer weights (0 included, on rows holding values 1e4 times the others') give
    the path of the rows removed and repeated, for each solver and metric, plain or
    sparse, L2 or elastic net, and a class weight the path of those sample weights."""
    import scipy.sparse as sp

    X, y = _gaussian(*shape, K)
    n = len(y)
    w = np.random.default_rng(1).integers(0, 4, n)
    w[[np.flatnonzero(y == k)[0] for k in range(K)]] = 1
    rep = np.repeat(np.arange(n), w)
    Xz = X.copy()
    Xz[w == 0] *= 1e4
    runs = [(np.asarray, 0.0), (sp.csr_matrix, 0.0 if solver == "lbfgs" else 0.5)]
    # sparse wide X takes no metric: its plain paths, 150 iterations from converged, drift
    # apart by rounding (L-BFGS: 4e-9 in J, 2e-5 in coef, whatever rows of weight 0 hold)
    for fmt, l1 in runs[: 2 if shape[1] < 10 else 1]:
        kw = dict(solver=solver, learning_rate=rate, l1_ratio=l1, max_iter=150)
        a = GradientDescentLogisticRegression(**kw).fit(fmt(Xz), y, sample_weight=w * 1.0)
        b = GradientDescentLogisticRegression(**kw).fit(fmt(X[rep]), y[rep])
        assert a.n_iter_[0] == b.n_iter_[0], (fmt, a.n_iter_, b.n_iter_)
        np.testing.assert_allclose(a.loss_curve_, b.loss_curve_, rtol=1e-7)  # rounding
        np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-8, atol=1e-10 * abs(b.coef_).max())
    cw = {0: 3.0, K - 1: 0.25}
    c = GradientDescentLogisticRegression(class_weight=cw, **kw).fit(X, y)
    d = GradientDescentLogisticRegression(**kw).fit(
        X, y, sample_weight=np.vectorize(lambda k: cw.get(k, 1.0))(y))
    assert c.n_iter_[0] == d.n_iter_[0]
    np.testing.assert_allclose(c.coef_, d.coef_, rtol=1e-10, atol=1e-13)


def test_a_weight_of_2_and_a_repeated_row_give_the_same_no_minimum_warning():
    """Was a strict xfail: the program's cap (LP_ENTRIES) counts rows, and 4000 rows of
    weight 2 (120,000 entries) got the separation named where the same rows repeated
    (240,000) did not. A converged fit's null-space test (_separable_near) has a cap ten
    times higher and names it for both."""
    X, y = _partly_separable(n=4000, extra=0)
    rep = np.repeat(np.arange(len(y)), 2)
    texts = []
    for args, weights in [((X, y), np.full(len(y), 2.0)), ((X[rep], y[rep]), None)]:
        with warnings.catch_warnings(record=True) as rec:
            warnings.simplefilter("always")
            GradientDescentLogisticRegression(C=np.inf, max_iter=50).fit(
                *args, sample_weight=weights)
        texts.append([str(r.message) for r in rec])
    assert "separable" in texts[0][0]
    assert texts[0] == texts[1]
