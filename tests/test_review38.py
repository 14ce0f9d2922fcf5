"""Review 38: the estimators inside scikit-learn's own machinery (meta-estimators,
metadata routing, the fitted-state contract), dropped in where LogisticRegression was."""

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_breast_cancer
from sklearn.feature_selection import SelectFromModel
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import log_loss, make_scorer
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV

X_BC, Y_BC = load_breast_cancer(return_X_y=True)
X_BC = StandardScaler().fit_transform(X_BC)
SW = np.random.RandomState(0).rand(len(Y_BC)) * 3
_SKLEARN = tuple(int(v) for v in sklearn.__version__.split(".")[:2])


# ------------------------------------------------- SelectFromModel on an L1 fit
@pytest.mark.slow
def test_select_from_model_keeps_every_nonzero_weight_of_an_l1_fit():
    # Was: SelectFromModel(LogisticRegression(l1_ratio=1)) keeps every feature of
    # nonzero weight (threshold 1e-5, read from the estimator), ours kept those above
    # the mean |coef| (threshold "mean"): 6 of the 8 features the L1 fit kept on
    # breast cancer at C=0.1. scikit-learn reads an L1 fit from `penalty == "l1"`
    # (or LogisticRegression's own class name).
    # an L1 LogisticRegression: penalty="l1" before scikit-learn 1.8 (l1_ratio alone is
    # ignored there), l1_ratio=1 from 1.8 on (penalty deprecated)
    l1 = {"penalty": "l1"} if _SKLEARN < (1, 8) else {"l1_ratio": 1.0}
    lr = LogisticRegression(C=0.1, solver="saga", tol=1e-8, max_iter=100_000, **l1)
    ref = SelectFromModel(lr).fit(X_BC, Y_BC)
    ours = SelectFromModel(GD(C=0.1, l1_ratio=1.0, tol=1e-10, max_iter=100_000))
    ours.fit(X_BC, Y_BC)
    assert ours.threshold_ == ref.threshold_ == 1e-5
    np.testing.assert_array_equal(ours.get_support(), ref.get_support())
    np.testing.assert_array_equal(ours.get_support(), ours.estimator_.coef_[0] != 0)
    # and the search, as for LogisticRegressionCV(l1_ratios=[1.0])
    search = SelectFromModel(CV(Cs=[0.1], l1_ratios=[1.0], cv=3, tol=1e-8)).fit(X_BC, Y_BC)
    np.testing.assert_array_equal(search.get_support(), search.estimator_.coef_[0] != 0)


@pytest.mark.parametrize("l1_ratio, penalty", [(0.0, "l2"), (0.5, "elasticnet"),
                                               (1.0, "l1")])
def test_penalty_is_read_only_and_not_a_parameter(l1_ratio, penalty):
    model = GD(l1_ratio=l1_ratio)
    assert model.penalty == penalty
    assert "penalty" not in model.get_params()
    with pytest.raises(AttributeError):
        model.penalty = "l1"
    assert CV(l1_ratios=[l1_ratio]).penalty == penalty


# ------------------------------------- routing of sample_weight to the search's scorer
@pytest.mark.parametrize("request_", [True, False])
def test_search_scores_follow_the_scorers_sample_weight_request(request_):
    # Was: under enable_metadata_routing the search weighted its validation scores
    # even where the scorer said set_score_request(sample_weight=False), where
    # LogisticRegressionCV (and GridSearchCV) score unweighted.
    def search(E, request):
        scorer = make_scorer(log_loss, response_method="predict_proba",
                             greater_is_better=False).set_score_request(sample_weight=request)
        return E(Cs=[0.1], cv=3, scoring=scorer).fit(X_BC, Y_BC, sample_weight=SW)

    with sklearn.config_context(enable_metadata_routing=True), warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # LogisticRegressionCV's 1.10 notes
        ours, ref = search(CV, request_), search(LogisticRegressionCV, request_)
        other = search(CV, not request_)
    np.testing.assert_allclose(ours.scores_[1][:, 0], ref.scores_[1][:, 0], rtol=1e-3)
    assert not np.allclose(ours.scores_[1], other.scores_[1], rtol=1e-2)


# ------------------------------------ warm_start on data of another shape, documented
def test_a_warm_refit_of_another_shape_is_documented_as_it_behaves():
    # Was: LogisticRegression(warm_start=True) refitted on data of another number of
    # features or classes raises ValueError ("Initialization coef is of shape (3, 5),
    # expected shape (3, 3)"); ours starts from zeros (tests/test_review4.py), and
    # neither README.md, docs/reference.rst nor the docstring said so.
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    model = GD(warm_start=True).fit(X_BC, Y_BC)
    model.fit(X_BC[:, :3], Y_BC)
    assert model.coef_.shape == (1, 3) and model.n_iter_[0] > 0
    with pytest.raises(ValueError, match="Initialization coef is of shape"):
        LogisticRegression(warm_start=True).fit(X_BC[:, :5], Y_BC).fit(X_BC[:, :3], Y_BC)
    docstring = " ".join(GD.__doc__.split())
    assert "another number of features or classes" in docstring
    for page in ("README.md", "docs/reference.rst"):
        text = " ".join((root / page).read_text().split())
        assert "another number of features or classes starts from zeros" in text, page
