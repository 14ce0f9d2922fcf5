"""Review 197: GradientDescentLogisticRegressionCV against GridSearchCV (an outside audit).

Checked and held (scratch scripts in /work/scratch/r197/): 360 searches on 20 unseen real
sets (binary and 3 to 7 classes, raw and standardized, CSR, float32; bb, lbfgs and gd;
every scoring, weights, class weights, fit_intercept=False, int, splitter and explicit
folds, refit=False): 314 agree fully (best index, ranks, every fold score within 1e-6,
the refit coef_ bit for bit); the others differ only in columns that ran to max_iter, or
by exact decision ties of equal J; no converged column stopped measurably above the single
fit's J. The attributes' shapes, key order and dtypes are LogisticRegressionCV's.

Found, and fixed (their tests below fail on 8cd0828):

1. ``scoring="top_k_accuracy"`` where a training fold lacks a class: scikit-learn's
   "Input contains infinity" (the absent class was scored with b = -inf, which the
   scorer's check of decision_function refuses).
2. Dask X with numpy labels that are strings (or Dask labels): the probability scorers
   (neg_log_loss, Brier's, d2_log_loss_score, average_precision) raised from Dask
   ("Can not use auto rechunking with object dtype"): the scorer got a Dask fold of y.

Left as it is: ``scoring="roc_auc_ovr"`` (its macro average) of a fold whose training and
test rows both lack a class is NaN (the average over the classes includes the absent one);
GridSearchCV's fold model, which knows only the present classes, scores a binary AUC.
"""

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

X3, Y3 = make_classification(180, 4, n_informative=3, n_redundant=0, n_classes=3,
                             n_clusters_per_class=1, random_state=0)


def _short_folds():
    """Fold 0 without class 2 on either side; folds 1, 2 stratified halves."""
    two = np.random.default_rng(0).permutation(np.flatnonzero(Y3 != 2))
    return [(np.sort(two[:80]), np.sort(two[80:]))] + list(
        StratifiedKFold(2).split(X3, Y3))


def test_top_k_accuracy_with_a_class_absent_from_a_fold():
    folds = _short_folds()
    s = GDCV(Cs=[0.1, 1.0], cv=folds, scoring="top_k_accuracy").fit(X3, Y3)
    g = GridSearchCV(GD(), {"C": [0.1, 1.0]}, cv=folds, scoring="top_k_accuracy").fit(X3, Y3)
    for k in range(3):
        np.testing.assert_allclose(s.cv_results_[f"split{k}_test_score"],
                                   g.cv_results_[f"split{k}_test_score"], atol=1e-6)
    assert s.best_params_ == g.best_params_


def test_fold_model_of_an_absent_class_has_finite_scores():
    folds = _short_folds()
    s = GDCV(Cs=[1.0], cv=folds, scoring="neg_log_loss").fit(X3, Y3)
    # the absent class's probability is 0 and its decision is finite
    assert np.isfinite(s.cv_results_["split0_test_score"]).all()


@pytest.fixture
def da():
    da = pytest.importorskip("dask.array")
    import dask

    with dask.config.set(scheduler="synchronous"):
        yield da


@pytest.mark.parametrize("scoring", ["neg_log_loss", "neg_brier_score", "d2_log_loss_score"])
@pytest.mark.parametrize("labels", ["numpy", "dask"])
def test_dask_x_with_string_labels_scores_as_numpy(da, scoring, labels):
    y = np.array(["A", "N", "Y"], dtype=object)[Y3]
    folds = list(StratifiedKFold(3).split(X3, y))
    ref = GDCV(Cs=[0.1, 1.0], cv=folds, scoring=scoring).fit(X3, y)
    yy = da.from_array(y, chunks=60) if labels == "dask" else y
    s = GDCV(Cs=[0.1, 1.0], cv=folds, scoring=scoring).fit(
        da.from_array(X3, chunks=(60, -1)), yy)
    np.testing.assert_allclose(s.cv_results_["mean_test_score"],
                               ref.cv_results_["mean_test_score"], rtol=1e-9)


def test_dask_x_binary_string_labels_average_precision(da):
    y = np.array(["no", "yes"], dtype=object)[(Y3 > 0).astype(int)]
    folds = list(StratifiedKFold(3).split(X3, y))
    ref = GDCV(Cs=[0.1, 1.0], cv=folds, scoring="average_precision").fit(X3, y)
    s = GDCV(Cs=[0.1, 1.0], cv=folds, scoring="average_precision").fit(
        da.from_array(X3, chunks=(60, -1)), y)
    np.testing.assert_allclose(s.cv_results_["mean_test_score"],
                               ref.cv_results_["mean_test_score"], rtol=1e-9)
