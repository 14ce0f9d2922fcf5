"""Review 92: do the tests catch a wrong change in today's new code? (02d9944..HEAD)

Seventy-eight small, plausible mutations of the code new since 02d9944 (the stop on
separated rows, the weight floor, the messages, the no-minimum test of a converged fit,
LossCurveDisplay's J*, the CLI and the search's float32 grid), one at a time, against
test_separated, test_review89, 91, 44, 83, 47, 85, 23 and 87 (with the module's own:
test_objective, test_search_lbfgs, test_plot, test_cli, test_review90,
test_search_routing; each with -x). 46 killed; of the 32 survivors 12 change public
behaviour and are killed here, one (L1) is killed by test_review89 (outside its set),
19 are equivalent, unreachable, cost-only or not seen:

=====  ==========================================================  ===========================
id     mutation                                                    result
=====  ==========================================================  ===========================
O4     least_weights: 1.0, not 1/n, where no row is weighted        SURVIVED -> killed here
P4     normalised_in: the array-API branch's floor removed          SURVIVED -> killed here
M3     "iteration(s)" plural flipped                                SURVIVED -> killed here
M4     the separated message's J: the first, not the last           SURVIVED -> killed here
M5     small-gradient message: the least weight, not the largest    SURVIVED -> killed here
M8     _SEARCH_REASONS without "separated" (Dask: the bare code)    SURVIVED -> killed here
L2     J* = 0 for a separated fit over a given ``reference``        SURVIVED -> killed here
E2     _separation: the null-space test for unconverged fits too    SURVIVED -> killed here
E6     LP_WORK 10x smaller                                          SURVIVED -> killed here
E7     the residual gate shifted by the row's least z (overflow)    SURVIVED -> killed here
E32    _gram_units: a column's top without its negative side       SURVIVED -> killed here
E24    N's program over LP_ENTRIES: False, not None                 SURVIVED -> killed here
L1     LossCurveDisplay: J* = 0 for separated fits removed          killed by test_review89
S2     separated(): tol, not GAP_SHARE·tol                          equivalent (both callers
                                                                    test GAP_SHARE·tol first)
S7     J < SEPARATED·s_min for <=                                   equivalent (boundary)
B3     batch: "converged" over "separated" where both hold          not seen (60 search/single
                                                                    comparisons agreed)
B4     batch: "separated" over "diverged"                           equivalent (a diverged J
                                                                    is never that small)
P5     the floor: float tiny, not the least subnormal               invisible (both positive,
                                                                    far below any J reached)
M2     (cause or SEPARABLE) -> (cause or "")                        equivalent (at a separated
                                                                    stop every row is fitted:
                                                                    the cause is SEPARABLE)
C2     _outcome without "separated"                                 unreachable (c-search
                                                                    refuses --Cs inf)
N2     np.float64 grid values kept as np.float64                    equivalent (==, float64
                                                                    column, GridSearchCV's)
E14    _gram_units' range 1e-6..1e6, not 1e-60..1e60                equivalent (powers of 2,
                                                                    undone by unit diagonal)
E17    NULL_TOL 1e-9 or 1e-11                                       not seen on these data
E20    N not projected off A's null space (M)                       cost only (M moves no
                                                                    margin)
E21    sv > 0.05, not 0.5                                           cost only (as E20)
E23    the program's answer not checked on all pairs               equivalent (unmoved pairs
                                                                    are 1e-12 of the largest)
E25    no moved pair: True                                          unreachable (sv > 0.5)
E26    the program's margins.min() check removed                    equivalent (HiGHS's 1e-10
                                                                    feasibility)
E28    the Grams' finite check removed                              unreachable since
                                                                    _gram_units (columns in
                                                                    range)
E30    the null tolerance over rest's top, not every's              not seen on these data
E31    moved pairs above 1e-6, not 1e-12, of the largest           not seen (the answer is
                                                                    checked on all pairs)
=====  ==========================================================  ===========================
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_iris, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import gdlogreg._backends._separation as est
from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _std(load):
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _fit_warning(X, y, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = GradientDescentLogisticRegression(**params).fit(X, y)
    texts = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    return model, texts


def test_an_unweighted_misclassified_row_is_no_separation_at_a_loose_tol():
    """Without sample weights the rows' least share is 1/n, not 1: at tol = 0.1 the stop's
    first bound (J <= 0.1·tol·J(0) = 6.9e-3) lets the J of a row misclassified deep in the
    other class through (J* = 4.2e-3); only J <= SEPARATED / n keeps the stop off."""
    r = np.random.default_rng(0)
    y = np.arange(2000) % 2
    X = r.standard_normal((2000, 2)) * 0.5 + np.where(y == 1, 3.0, -3.0)[:, None]
    y[0] = 1 - y[0]  # one row deep in the other class
    for solver in ("bb", "lbfgs"):
        model, _ = _fit_warning(X, y, C=np.inf, tol=0.1, solver=solver)
        assert model.stop_reason_ == "converged"  # the mutant: "separated", margin -5.8


def test_an_array_api_fit_keeps_a_weight_whose_share_rounds_to_0():
    """Review 89's weight floor on the array-API path (numpy and Dask are pinned there)."""
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    X, y = _std(load_wine)
    X, y = np.vstack([X, X[:1]]), np.append(y, (y[0] + 1) % 3)  # row 0 again, mislabelled
    w = np.full(len(y), 1e10)
    w[-1] = 1e-320
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GradientDescentLogisticRegression(C=np.inf, max_iter=60).fit(
            xp.asarray(X), xp.asarray(y), sample_weight=xp.asarray(w))
    assert model.stop_reason_ != "separated"


def test_the_separated_message_gives_the_iterations_and_the_last_J():
    X, y = _std(load_breast_cancer)
    model, texts = _fit_warning(X, y, C=np.inf)
    assert model.stop_reason_ == "separated" and model.n_iter_[0] > 1 and len(texts) == 1
    assert f"stopped after {model.n_iter_[0]} iterations, where" in texts[0]
    assert f"J = {model.loss_curve_[-1]:.3g} is within tol" in texts[0]


def test_the_small_gradient_message_gives_the_largest_weight():
    """iris at C = inf: setosa separates, the fit stops on its gradient; the warning gives
    the size of the weights that grew along the separation (their largest)."""
    X, y = load_iris(return_X_y=True)
    model, texts = _fit_warning(X, y, C=np.inf)
    assert model.converged_ and len(texts) == 1
    assert f"weights of size up to {np.abs(model.coef_).max():.3g}." in texts[0]
    assert f"{np.abs(model.coef_).max():.3g}" != f"{np.abs(model.coef_).min():.3g}"


def test_a_dask_search_names_its_separated_columns():
    """On Dask X the search asks no no-minimum test; its separated columns are told by
    their reason's words, not the bare code."""
    da = pytest.importorskip("dask.array")
    X, y = _std(load_wine)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search = GradientDescentLogisticRegressionCV(Cs=[np.inf], cv=3).fit(
            da.from_array(X, chunks=60), y)
    assert set(search.stop_reasons_) == {"separated"}
    texts = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert any("stopped where a margin classifies every training row" in t for t in texts)


def test_a_given_reference_is_J_star_for_a_separated_fit_too():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gdlogreg import LossCurveDisplay

    X, y = _std(load_wine)
    model, _ = _fit_warning(X, y, C=np.inf)
    assert model.stop_reason_ == "separated"
    ref = 0.5 * model.loss_curve_[-1]
    display = LossCurveDisplay.from_estimator([model], log_scale=True, reference=ref)
    np.testing.assert_allclose(display.lines_[0].get_ydata(),
                               np.asarray(model.loss_curve_[: model.n_iter_[0] + 1]) - ref)
    plt.close("all")


def test_an_early_stop_asks_the_full_program():
    """A fit stopped by max_iter has not gone far along a separation: few pairs are near
    certainty, and the null-space test (for converged fits) would miss it; the program
    over all pairs names setosa's separation."""
    X, y = load_iris(return_X_y=True)
    _, texts = _fit_warning(X, y, C=np.inf, max_iter=15)
    assert len(texts) == 1 and "linearly separable" in texts[0]


def test_a_program_of_moderate_work_is_asked():
    """300 x 20, 3 classes: 24,000 entries of 63 columns, 1.5e6 units, under LP_WORK; a
    fit stopped early on rows with a separable category is told so."""
    X, y = make_classification(300, 19, n_informative=5, n_classes=3, random_state=0)
    col = np.zeros(len(y))
    col[np.flatnonzero(y == 2)[:3]] = 1.0  # a category of class 2 alone
    X = np.c_[X, col]
    assert 1e6 < np.count_nonzero(X) * 4 * 63 <= est.LP_WORK
    _, texts = _fit_warning(X, y, C=np.inf, max_iter=20)
    assert len(texts) == 1 and "linearly separable" in texts[0]


def test_the_residual_gate_takes_margins_past_exp_range():
    """A row predicted with z_y - z_k = 800 has 1 - p_y = 0 (below LP_RESIDUAL): the
    max-shift keeps exp in range (a shift by the row's least z overflowed to 1)."""
    keep, X = np.ones(2, bool), np.zeros((2, 1))
    z = np.array([[800.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert est._lp_worth_it(X, keep, np.array([0, 1]), z, True)


@pytest.mark.parametrize("size", [-1e-165, -1e155])
def test_a_negative_category_column_far_from_1_is_still_a_separation(size):
    """Review 91's column of extreme size, its entries negative: the column's largest
    magnitude is -min, and the Grams must rescale it as they do a positive one (1e-165
    squared reads 0, 1e155 squared inf)."""
    r = np.random.default_rng(1)
    x = r.standard_normal((400, 2))
    y = (x[:, 0] + r.standard_normal(400) > 0).astype(int)
    x[0, 0], y[0] = 40.0, 1  # a far row: a residual below LP_RESIDUAL
    col = np.zeros(400)
    col[np.flatnonzero(y == 1)[1:6]] = size  # a category of class 1 alone
    X = np.c_[x, col]
    assert 0.5 <= np.abs(est._gram_units(X)[:, -1]).max() < 1.0
    model, texts = _fit_warning(X, y, C=np.inf, max_iter=5000)
    assert model.converged_ and any("linearly separable" in t for t in texts)


def test_a_null_space_program_over_the_cap_falls_back_to_the_full_program():
    """Sparse one-hot, 30,000 rows: 30 levels found in class 1 alone (10,000 rows near
    certainty) and 20 mixed. N has 30 columns over the 10,000 pairs it moves (3e5 entries,
    above LP_ENTRIES), but the full program has 60,000 entries of 52 columns (under
    LP_ENTRIES and LP_WORK): the null-space test gives up (None), not "not separable"."""
    r = np.random.default_rng(0)
    n = 30_000
    x = r.standard_normal(n)
    y = (x + r.standard_normal(n) > 0).astype(int)
    level = r.integers(30, 50, n)  # the mixed levels
    ones = np.flatnonzero(y == 1)
    pure = ones[: 2 * len(ones) // 3]
    level[pure] = r.integers(0, 30, len(pure))  # levels of class 1 alone
    X = sp.hstack([sp.csr_matrix(x[:, None]),
                   sp.csr_matrix((np.ones(n), (np.arange(n), level)), shape=(n, 50))],
                  format="csr")
    model, texts = _fit_warning(X, y, C=np.inf)
    assert model.converged_ and len(texts) == 1 and "linearly separable" in texts[0]
