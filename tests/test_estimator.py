"""The estimator against scikit-learn's LogisticRegression and the textbook algorithm."""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_iris, load_wine, make_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder, StandardScaler

from gdlogreg import GradientDescentLogisticRegression

SOLVERS = ["bb", "nesterov", "backtracking", "gd"]


def _standardized(loader):
    X, y = loader(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def binary():
    return _standardized(load_breast_cancer)


@pytest.fixture(scope="module")
def multiclass():
    return _standardized(load_wine)


def _reference(X, y, **params):
    return LogisticRegression(tol=1e-10, max_iter=10_000, **params).fit(X, y)


def _gap(J, model, ref, X, y, **kw):
    Jm = J(X, y, model.coef_, model.intercept_, model.classes_, **kw)
    Jr = J(X, y, ref.coef_, ref.intercept_, ref.classes_, **kw)
    return (Jm - Jr) / abs(Jr)


# ------------------------------------------------------------- agreement
@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("data", ["binary", "multiclass"])
def test_same_optimum_as_logistic_regression(J, request, data, C):
    X, y = request.getfixturevalue(data)
    ref = _reference(X, y, C=C)
    model = GradientDescentLogisticRegression(C=C, tol=1e-8, max_iter=5000).fit(X, y)
    assert model.converged_
    assert abs(_gap(J, model, ref, X, y, C=C)) < 1e-6
    assert model.coef_.shape == ref.coef_.shape
    assert model.intercept_.shape == ref.intercept_.shape
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))
    np.testing.assert_allclose(model.predict_proba(X), ref.predict_proba(X), atol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("data", ["binary", "multiclass"])
def test_every_solver_reaches_the_optimum(J, request, data, solver):
    X, y = request.getfixturevalue(data)
    ref = _reference(X, y)
    model = GradientDescentLogisticRegression(solver=solver, tol=1e-7, max_iter=50_000)
    model.fit(X, y)
    assert model.converged_, model.stop_reason_
    assert abs(_gap(J, model, ref, X, y)) < 1e-6
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))


@pytest.mark.parametrize("C", [0.01, 1.0, 100.0])
@pytest.mark.parametrize("data", ["binary", "multiclass"])
def test_default_fit_is_accurate_on_standardized_data(J, request, data, C):
    # C = 100 is nearly separable: J* is small and the relative gap demanding.
    X, y = request.getfixturevalue(data)
    ref = _reference(X, y, C=C)
    model = GradientDescentLogisticRegression(C=C).fit(X, y)
    assert model.converged_
    assert abs(_gap(J, model, ref, X, y, C=C)) < 1e-6


# Exactly collinear features: the loss is flat along the direction that moves
# weight between them, and the descent crosses a stretch where the gradient is
# small and the gap is not (a looser gradient test alone stops there, at a gap
# of 1.3e-5 on the binary set at C = 1).
COLLINEAR = {
    "binary": dict(n_samples=5000, n_features=40, n_informative=10, n_redundant=2,
                   shuffle=False, random_state=1),
    "3 classes": dict(n_samples=3000, n_features=30, n_informative=6, n_redundant=4,
                      n_classes=3, random_state=5),
}


@pytest.mark.parametrize("C", [0.1, 1.0])
@pytest.mark.parametrize("data", list(COLLINEAR))
def test_default_fit_is_accurate_with_collinear_features(J, data, C):
    X, y = make_classification(**COLLINEAR[data])
    ref = _reference(X, y, C=C)
    model = GradientDescentLogisticRegression(C=C).fit(X, y)
    assert model.converged_
    assert abs(_gap(J, model, ref, X, y, C=C)) < 1e-6


def test_default_fit_on_small_nearly_separable_data(J):
    # 150 rows, 7 of 10 features redundant, well separated, C = 100: the
    # penalty-gap estimate dips to 1/28 of the gap at one iterate, and a test
    # on that iterate alone stopped at 8.0e-6 (LogisticRegression(): 6.0e-6).
    X, y = make_classification(150, 10, n_informative=2, n_redundant=7,
                               n_clusters_per_class=1, class_sep=2.0, random_state=682848)
    X = StandardScaler().fit_transform(X)
    ref = _reference(X, y, C=100.0)
    lr = LogisticRegression(C=100.0).fit(X, y)
    model = GradientDescentLogisticRegression(C=100.0).fit(X, y)
    assert model.converged_
    allowed = max(_gap(J, lr, ref, X, y, C=100.0), 1e-6)
    assert _gap(J, model, ref, X, y, C=100.0) <= allowed


@pytest.mark.parametrize("data", ["binary", "multiclass"])
def test_penalty_gap_test_stops_earlier_where_it_is_safe(J, request, monkeypatch, data):
    from gdlogreg import _solver
    from gdlogreg._steps import bb

    # the stopping tests alone: bb's whitened steps would converge before either matters
    monkeypatch.setattr(bb, "WHITEN_RHO", np.inf)
    X, y = request.getfixturevalue(data)
    ref = _reference(X, y)
    both = GradientDescentLogisticRegression().fit(X, y)
    monkeypatch.setattr(_solver, "PENALTY_GAP", 0.0)  # the gradient test alone
    monkeypatch.setattr(_solver.Monitor, "_gap_passes", lambda self, *a: False)
    strict = GradientDescentLogisticRegression().fit(X, y)
    assert both.converged_ and strict.converged_
    assert both.n_iter_ < strict.n_iter_
    assert abs(_gap(J, both, ref, X, y)) < 1e-6


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_matches_dense_and_reference(J, fmt):
    X, y = make_classification(300, 40, n_informative=10, random_state=0)
    X[np.abs(X) < 1.0] = 0.0
    Xs = sp.csr_matrix(X) if fmt == "csr" else sp.csc_matrix(X)
    ref = _reference(Xs, y)
    model = GradientDescentLogisticRegression(tol=1e-8).fit(Xs, y)
    dense = GradientDescentLogisticRegression(tol=1e-8).fit(X, y)
    assert abs(_gap(J, model, ref, X, y)) < 1e-6
    np.testing.assert_allclose(model.coef_, dense.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_array_equal(model.predict(Xs), ref.predict(Xs))


def test_sparse_input_is_never_densified():
    class NoDense(sp.csr_matrix):
        def toarray(self, *a, **k):
            raise AssertionError("densified")

        todense = toarray

    X, y = make_classification(200, 30, random_state=1)
    X[np.abs(X) < 0.8] = 0
    GradientDescentLogisticRegression().fit(NoDense(X), y)


@pytest.mark.parametrize("data", ["binary", "multiclass"])
def test_sample_weight_agrees_with_reference(J, request, data):
    X, y = request.getfixturevalue(data)
    sw = np.random.RandomState(0).uniform(0.1, 3.0, size=len(y))
    ref = LogisticRegression(tol=1e-10, max_iter=10_000).fit(X, y, sample_weight=sw)
    model = GradientDescentLogisticRegression(tol=1e-8).fit(X, y, sample_weight=sw)
    assert abs(_gap(J, model, ref, X, y, sample_weight=sw)) < 1e-6
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))


def test_integer_weights_equal_repeated_rows():
    X, y = _standardized(load_iris)
    sw = np.random.RandomState(3).randint(0, 4, size=len(y))
    weighted = GradientDescentLogisticRegression().fit(X, y, sample_weight=sw)
    repeated = GradientDescentLogisticRegression().fit(X.repeat(sw, 0), y.repeat(sw))
    assert weighted.n_iter_ == repeated.n_iter_
    np.testing.assert_allclose(weighted.coef_, repeated.coef_, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("class_weight", ["balanced", {0: 3.0, 1: 0.5, 2: 1.0}])
def test_class_weight_agrees_with_reference(J, multiclass, class_weight):
    X, y = multiclass
    ref = _reference(X, y, class_weight=class_weight)
    model = GradientDescentLogisticRegression(class_weight=class_weight, tol=1e-8).fit(X, y)
    sw = clone(model).set_params(class_weight=None)
    # class weights are sample weights: same J as the reference with those weights
    from sklearn.utils.class_weight import compute_class_weight

    cw = compute_class_weight(class_weight, classes=np.unique(y), y=y)[y]
    assert abs(_gap(J, model, ref, X, y, sample_weight=cw)) < 1e-6
    np.testing.assert_array_equal(model.predict(X), ref.predict(X))
    by_weights = sw.set_params(tol=1e-8).fit(X, y, sample_weight=cw)
    np.testing.assert_allclose(by_weights.coef_, model.coef_, rtol=1e-5, atol=1e-7)


def test_float32_stays_float32(J, binary):
    X, y = binary
    X32 = X.astype(np.float32)
    model = GradientDescentLogisticRegression().fit(X32, y)
    assert model.coef_.dtype == np.float32
    assert model.intercept_.dtype == np.float32
    assert model.decision_function(X32).dtype == np.float32
    ref = _reference(X, y)
    assert abs(_gap(J, model, ref, X, y)) < 1e-5
    np.testing.assert_array_equal(model.predict(X32), ref.predict(X))


def test_no_intercept(J, binary):
    X, y = binary
    ref = _reference(X, y, fit_intercept=False)
    model = GradientDescentLogisticRegression(fit_intercept=False, tol=1e-8).fit(X, y)
    np.testing.assert_array_equal(model.intercept_, [0.0])
    assert abs(_gap(J, model, ref, X, y)) < 1e-6


def test_no_penalty_C_inf(J):
    X, y = make_classification(
        400, 5, n_informative=3, n_redundant=0, flip_y=0.2, random_state=0
    )
    ref = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    model = GradientDescentLogisticRegression(C=np.inf, tol=1e-8).fit(X, y)
    assert abs(_gap(J, model, ref, X, y, C=np.inf)) < 1e-6
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("l1_ratio", [1.0, 0.5])
@pytest.mark.parametrize("solver", SOLVERS)
def test_l1_and_elastic_net_match_saga(J, binary, l1_ratio, solver):
    X, y = binary
    C = 0.1
    # Before scikit-learn 1.8, l1_ratio counts only with penalty="elasticnet".
    penalty = {"penalty": "elasticnet"} if LogisticRegression().penalty == "l2" else {}
    ref = LogisticRegression(
        C=C, l1_ratio=l1_ratio, solver="saga", tol=1e-10, max_iter=100_000, **penalty
    ).fit(X, y)
    model = GradientDescentLogisticRegression(
        C=C, l1_ratio=l1_ratio, solver=solver, tol=1e-7, max_iter=50_000
    ).fit(X, y)
    assert abs(_gap(J, model, ref, X, y, C=C, l1_ratio=l1_ratio)) < 1e-6
    # exact zeros where the reference has them
    assert np.sum(model.coef_ == 0) > 0
    np.testing.assert_array_equal(model.coef_ == 0, np.abs(ref.coef_) < 1e-8)


# ---------------------------------------------------- the textbook algorithm
def test_two_iterations_are_the_textbook_update():
    X, y = make_classification(50, 4, random_state=0)
    alpha = 0.3
    model = GradientDescentLogisticRegression(
        solver="gd", learning_rate=alpha, max_iter=2, C=2.0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    m = len(y)
    w, b = np.zeros(4), 0.0
    for _ in range(2):
        yhat = 1.0 / (1.0 + np.exp(-(X @ w + b)))
        dw = X.T @ (yhat - y) / m + w / (2.0 * m)  # penalty ½‖w‖²/(C m), C = 2
        db = np.mean(yhat - y)
        w, b = w - alpha * dw, b - alpha * db
    assert model.n_iter_ == 2
    assert len(model.loss_curve_) == 3
    np.testing.assert_allclose(model.coef_[0], w, rtol=1e-12)
    np.testing.assert_allclose(model.intercept_[0], b, rtol=1e-12)


def test_loss_curve_records_J(J, multiclass):
    X, y = multiclass
    model = GradientDescentLogisticRegression().fit(X, y)
    curve = model.loss_curve_
    assert curve.shape == (model.n_iter_ + 1,)
    assert curve[0] == pytest.approx(np.log(3))  # J at the zero start
    assert curve[-1] == pytest.approx(J(X, y, model.coef_, model.intercept_, model.classes_))
    assert curve[-1] < curve[0]


def test_constant_step_decreases_J_monotonically(binary):
    X, y = binary
    model = GradientDescentLogisticRegression(solver="gd", learning_rate=0.5, max_iter=200)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert np.all(np.diff(model.loss_curve_) <= 1e-15)


# ------------------------------------------------------------- divergence
def test_diverging_learning_rate_keeps_best_finite_iterate(J, binary):
    X, y = binary
    model = GradientDescentLogisticRegression(solver="gd", learning_rate=1e4)
    with pytest.warns(ConvergenceWarning, match=r"learning_rate=10000.0.*2/L ≈"):
        model.fit(X, y)
    assert model.stop_reason_ == "diverged"
    assert np.all(np.isfinite(model.coef_)) and np.all(np.isfinite(model.intercept_))
    assert max(model.loss_curve_) > 10 * model.loss_curve_[0]  # the curve shows it
    assert model.loss_curve_[-1] == pytest.approx(
        J(X, y, model.coef_, model.intercept_, model.classes_)
    )
    assert model.loss_curve_[-1] <= model.loss_curve_[0]


def test_stable_step_in_warning_is_stable(binary):
    X, y = binary
    with pytest.warns(ConvergenceWarning) as record:
        GradientDescentLogisticRegression(solver="gd", learning_rate=1e3).fit(X, y)
    msg = str(record[0].message)
    stable = float(msg.split("2/L ≈ ")[1].split(" ")[0])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ok = GradientDescentLogisticRegression(
            solver="gd", learning_rate=0.9 * stable, max_iter=300
        ).fit(X, y)
    assert ok.stop_reason_ != "diverged"
    assert np.all(np.diff(ok.loss_curve_) <= 1e-12)


# ----------------------------------------------- scikit-learn integration
def test_grid_search_over_learning_rate_with_a_diverging_one():
    X, y = load_breast_cancer(return_X_y=True)
    pipe = make_pipeline(
        StandardScaler(), GradientDescentLogisticRegression(solver="gd", max_iter=300)
    )
    grid = {"gradientdescentlogisticregression__learning_rate": [0.01, 0.1, 1.0, 1e4]}
    search = GridSearchCV(pipe, grid, cv=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    scores = search.cv_results_["mean_test_score"]
    assert np.all(np.isfinite(scores))
    assert search.best_params_["gradientdescentlogisticregression__learning_rate"] < 1e4
    assert search.best_score_ > 0.95


def test_one_grid_drives_both_estimators():
    X, y = load_breast_cancer(return_X_y=True)
    grid = {"logisticregression__C": [0.1, 1.0]}
    for est in [LogisticRegression(max_iter=1000), GradientDescentLogisticRegression()]:
        pipe = make_pipeline(StandardScaler(), est)
        name = type(est).__name__.lower()
        search = GridSearchCV(pipe, {f"{name}__C": grid["logisticregression__C"]}, cv=3)
        assert search.fit(X, y).best_score_ > 0.95


def test_cross_val_score():
    X, y = load_iris(return_X_y=True)
    pipe = make_pipeline(StandardScaler(), GradientDescentLogisticRegression())
    scores = cross_val_score(pipe, X, y, cv=5)
    ref = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression()), X, y, cv=5)
    np.testing.assert_allclose(scores, ref, atol=0.035)
    assert scores.mean() > 0.9


def test_clone_and_pickle_round_trip(multiclass):
    X, y = multiclass
    model = GradientDescentLogisticRegression(C=0.5, solver="nesterov").fit(X, y)
    cloned = clone(model)
    assert cloned.get_params() == model.get_params()
    assert not hasattr(cloned, "coef_")
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.coef_, model.coef_)
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(restored.loss_curve_, model.loss_curve_)


@pytest.mark.slow
@pytest.mark.parametrize("solver", SOLVERS)
def test_warm_start_resumes(binary, solver):
    X, y = binary
    cold = GradientDescentLogisticRegression(solver=solver, tol=1e-7, max_iter=50_000).fit(X, y)
    warm = GradientDescentLogisticRegression(
        solver=solver, warm_start=True, tol=1e-7, max_iter=50_000
    )
    warm.fit(X, y)
    first = warm.coef_.copy()
    warm.fit(X, y)
    assert warm.n_iter_ < 3  # already at the optimum
    np.testing.assert_allclose(warm.coef_, first, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(warm.coef_, cold.coef_, rtol=1e-4, atol=1e-6)
    # and resumes a truncated run: fewer iterations than from zeros
    part = GradientDescentLogisticRegression(solver=solver, warm_start=True, max_iter=10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        part.fit(X, y)
    # tol=1e-9: the coefficients' 1e-3 is the gradient test's at 1e-7; the duality
    # gap stops the resumed run at a relative gap of 1e-8, coefficients 2e-3 off
    part.set_params(max_iter=50_000, tol=1e-9).fit(X, y)
    assert part.loss_curve_[0] < cold.loss_curve_[0]
    np.testing.assert_allclose(part.coef_, cold.coef_, rtol=1e-3, atol=1e-5)


def test_metadata_routing_of_sample_weight(binary):
    X, y = binary
    sw = np.random.RandomState(0).uniform(0.2, 2.0, len(y))
    with config_context(enable_metadata_routing=True):
        est = GradientDescentLogisticRegression().set_fit_request(sample_weight=True)
        est.set_score_request(sample_weight=False)
        search = GridSearchCV(est, {"C": [1.0]}, cv=3, refit=True)
        search.fit(X, y, sample_weight=sw)
        routed = search.best_estimator_
        direct = GradientDescentLogisticRegression().fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(routed.coef_, direct.coef_, rtol=1e-10)
        unweighted = GradientDescentLogisticRegression().fit(X, y)
        assert not np.allclose(routed.coef_, unweighted.coef_)


def test_inputs_pandas_lists_and_string_labels():
    pd = pytest.importorskip("pandas")
    X, y = load_iris(return_X_y=True, as_frame=True)
    labels = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    model = GradientDescentLogisticRegression().fit(X, labels)
    assert list(model.feature_names_in_) == list(X.columns)
    assert model.n_features_in_ == 4
    assert set(model.predict(X)) <= set(labels)
    assert model.score(X, labels) > 0.9
    as_lists = GradientDescentLogisticRegression().fit(X.values.tolist(), list(labels))
    np.testing.assert_allclose(as_lists.coef_, model.coef_)
    binary = pd.Series(np.where(labels == "setosa", "yes", "no"))
    m2 = GradientDescentLogisticRegression().fit(X, binary)
    assert list(m2.classes_) == ["no", "yes"]
    assert m2.coef_.shape == (1, 4)


def test_fit_does_not_mutate_inputs(binary):
    X, y = binary
    X = X.copy()
    y = y.copy()
    sw = np.linspace(0.5, 2.0, len(y))
    copies = X.copy(), y.copy(), sw.copy()
    for flag in (X, y, sw):
        flag.setflags(write=False)
    GradientDescentLogisticRegression(class_weight="balanced").fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(X, copies[0])
    np.testing.assert_array_equal(y, copies[1])
    np.testing.assert_array_equal(sw, copies[2])


def test_fit_does_not_change_public_parameters(binary):
    X, y = binary
    model = GradientDescentLogisticRegression(learning_rate=1e4, solver="gd")
    params = model.get_params()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    assert model.get_params() == params


def test_predict_log_proba_is_stable():
    X = np.array([[-1.0], [1.0], [-2.0], [2.0]])
    y = np.array([0, 1, 0, 1])
    model = GradientDescentLogisticRegression(C=np.inf, max_iter=50)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    far = np.array([[1e6], [-1e6]])
    logp = model.predict_log_proba(far)
    assert np.all(np.isfinite(logp))
    assert logp[0, 0] < -100  # log of a probability far below 1e-300, not -inf
    np.testing.assert_allclose(np.exp(model.predict_log_proba(X)), model.predict_proba(X))


def test_verbose_prints_progress(binary, capsys):
    X, y = binary
    GradientDescentLogisticRegression(verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "iter" in out and "J =" in out
    assert "converged" in out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_zero_start_already_optimal_stops_at_once(dtype):
    # Every row appears once with each label: the optimum is w = 0, b = 0, and
    # the gradient at the zero start is rounding noise, not a scale for tol.
    A = np.random.RandomState(0).normal(size=(50, 4))
    X = np.vstack([A, A]).astype(dtype)
    y = np.r_[np.zeros(50), np.ones(50)]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = GradientDescentLogisticRegression().fit(X, y)
    assert model.converged_
    assert model.n_iter_ <= 1
    np.testing.assert_allclose(model.coef_, 0.0, atol=1e-6)


@pytest.mark.parametrize("l1_ratio", [0.0, 0.5])
@pytest.mark.parametrize("solver", ["bb", "backtracking"])
def test_line_searches_converge_in_float32(J, multiclass, solver, l1_ratio):
    # J is only known to float32 rounding: the line search must not stall on it.
    X, y = multiclass
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        model = GradientDescentLogisticRegression(
            solver=solver, l1_ratio=l1_ratio, max_iter=20_000
        ).fit(X.astype(np.float32), y)
    assert model.converged_
    ref = GradientDescentLogisticRegression(solver=solver, l1_ratio=l1_ratio, tol=1e-8)
    ref.fit(X, y)
    assert abs(_gap(J, model, ref, X, y, l1_ratio=l1_ratio)) < 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("solver", ["bb", "backtracking", "nesterov", "gd"])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_last_loss_is_the_cost_of_the_returned_model(J, solver, n_classes):
    # Loose tolerances stop early, where Nesterov returns its extrapolated point:
    # loss_curve_[-1] must be J of coef_ / intercept_, whatever the stopping point.
    from sklearn.datasets import make_classification

    for seed in range(6):
        X, y = make_classification(
            300, 8, n_informative=4, n_classes=n_classes, random_state=seed, class_sep=3.5
        )
        for tol in (0.3, 1e-2, 1e-5):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model = GradientDescentLogisticRegression(solver=solver, tol=tol, C=10.0)
                model.fit(X, y)
            expected = J(X, y, model.coef_, model.intercept_, model.classes_, C=10.0)
            assert model.loss_curve_[-1] == pytest.approx(expected, rel=1e-10), (seed, tol)


def test_a_stable_step_that_runs_out_of_iterations_is_not_called_too_large():
    """α = 1 on standardized breast cancer: J falls at every step, but slowly."""
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = GradientDescentLogisticRegression(solver="gd", learning_rate=1.0, max_iter=200)
    with pytest.warns(ConvergenceWarning) as record:
        model.fit(X, y)
    msg = str(record[0].message)
    assert np.all(np.diff(model.loss_curve_) <= 0)
    assert "J fell at every iteration" in msg and "is stable" in msg
    assert "too large" not in msg


def test_a_step_that_makes_J_rise_is_called_too_large():
    from sklearn.datasets import load_breast_cancer
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    model = GradientDescentLogisticRegression(solver="gd", learning_rate=16.0, max_iter=300)
    with pytest.warns(ConvergenceWarning, match=r"J rose .* is too large") as record:
        model.fit(X, y)
    assert np.any(np.diff(model.loss_curve_) > 0)
    assert "2/L ≈" in str(record[0].message)


def test_convergence_warnings_point_at_the_users_call():
    X, y = make_classification(60, 4, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:
        GradientDescentLogisticRegression(max_iter=2).fit(X, y)
    assert record[0].filename == __file__
    from sklearn.pipeline import make_pipeline

    with pytest.warns(ConvergenceWarning) as record:
        make_pipeline(GradientDescentLogisticRegression(max_iter=2)).fit(X, y)
    assert record[0].filename == __file__


def test_n_iter_is_an_array_as_in_logistic_regression():
    X, y = make_classification(60, 4, random_state=0)
    model = GradientDescentLogisticRegression().fit(X, y)
    assert isinstance(model.n_iter_, np.ndarray) and model.n_iter_.shape == (1,)
    assert model.n_iter_[0] == len(model.loss_curve_) - 1


@pytest.mark.parametrize("n_classes", [2, 3])
def test_sparsify_and_densify(n_classes):
    X, y = make_classification(
        120, 8, n_informative=4, n_classes=n_classes, random_state=0
    )
    model = GradientDescentLogisticRegression(l1_ratio=1.0, C=0.05).fit(X, y)
    dense = model.coef_.copy()
    proba = model.predict_proba(X)
    model.sparsify()
    assert sp.issparse(model.coef_)
    np.testing.assert_allclose(model.predict_proba(X), proba)
    np.testing.assert_array_equal(model.coef_.toarray(), dense)
    model.set_params(warm_start=True).fit(X, y)  # a warm start from sparse coef_
    assert not sp.issparse(model.coef_)
    model.sparsify().densify()
    assert isinstance(model.coef_, np.ndarray)
    with pytest.raises(NotFittedError):
        GradientDescentLogisticRegression().sparsify()


def test_verbose_prints_every_iteration_of_a_short_fit_and_always_the_last(capsys):
    X, y = make_classification(100, 5, random_state=0)
    model = GradientDescentLogisticRegression(verbose=1).fit(X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("iter")]
    n = int(model.n_iter_[0])
    assert len(lines) == n + 1 if n < 20 else len(lines) <= 42
    assert lines[-1].split()[1] == str(n)
    GradientDescentLogisticRegression(verbose=1, solver="gd", learning_rate=0.01,
                                      max_iter=237).fit(X, y)
    lines = [ln for ln in capsys.readouterr().out.splitlines() if ln.startswith("iter")]
    assert len(lines) <= 45 and lines[-1].split()[1] == "237"


@pytest.mark.parametrize("n_classes", [1, 2, 3, 8, 9, 40])
@pytest.mark.parametrize("n", [1, 7, 500])
def test_string_labels_encoded_as_numpy_unique(n, n_classes):
    """The peeled encoding of unicode labels (_encode_strings: the first classes by
    comparison, the rest by one sort) is np.unique's, classes and indices, in its order
    (code points: '' < 'A' < 'a' < 'é')."""
    from gdlogreg._estimator import _encode, _encode_strings

    rng = np.random.default_rng(n * 100 + n_classes)
    pool = np.array(["", "A", "a", "é", "b "] + [f"c{i:03d}" for i in range(40)])
    y = rng.choice(rng.permutation(pool)[:n_classes], n)
    classes, y_idx = _encode_strings(y)
    expected, inverse = np.unique(y, return_inverse=True)
    assert classes.dtype == y.dtype
    np.testing.assert_array_equal(classes, expected)
    np.testing.assert_array_equal(y_idx, inverse.reshape(-1))
    classes, y_idx = _encode(y)
    if len(expected) == 2:
        np.testing.assert_array_equal(y_idx, inverse.reshape(-1) == 1)
    # a pandas column of text: objects, encoded as LabelEncoder does (classes of objects)
    encoder = LabelEncoder().fit(y.astype(object))
    classes, y_idx = _encode_strings(y.astype(object))
    assert classes.dtype == object and all(type(c) is str for c in classes)
    np.testing.assert_array_equal(classes, encoder.classes_)
    np.testing.assert_array_equal(y_idx, encoder.transform(y.astype(object)))


@pytest.mark.parametrize("labels", [
    ["b", np.nan, "a"], ["b", 1, "a"], [np.str_("b"), "a", "a"], [np.str_("b"), "a", 2.5],
])
def test_object_labels_not_all_str_take_label_encoder(labels):
    """Objects that are not all str (nan, numbers, numpy strings) are left to
    scikit-learn's checks and LabelEncoder: refused as LogisticRegression refuses them,
    or its classes (None has its own message: _refuse_none_labels)."""
    y = np.array(labels * 5, dtype=object)
    X = np.arange(len(y), dtype=float)[:, None]
    try:
        expected = LogisticRegression().fit(X, y).classes_
    except (TypeError, ValueError) as exc:
        with pytest.raises(type(exc)):
            GradientDescentLogisticRegression().fit(X, y)
    else:
        model = GradientDescentLogisticRegression().fit(X, y)
        assert model.classes_.dtype == expected.dtype
        np.testing.assert_array_equal(model.classes_, expected)


def test_object_label_with_trailing_nul_stays_its_own_class():
    """An object label 'a\\x00' is not 'a' (a str scalar compared with an array becomes
    numpy's unicode, which drops trailing NULs): three classes, as LabelEncoder and
    LogisticRegression have them, whichever label comes first."""
    from gdlogreg._estimator import _encode_strings

    for first in (["a\x00", "a", "b"], ["a", "a\x00", "b"], ["b", "a", "a\x00"]):
        y = np.array(first * 10, dtype=object)
        encoder = LabelEncoder().fit(y)
        classes, y_idx = _encode_strings(y)
        assert classes.tolist() == encoder.classes_.tolist() == ["a", "a\x00", "b"]
        np.testing.assert_array_equal(y_idx, encoder.transform(y))
        X = np.random.default_rng(0).normal(size=(len(y), 3))
        model = GradientDescentLogisticRegression().fit(X, y)
        assert model.classes_.tolist() == ["a", "a\x00", "b"]
        assert model.coef_.shape == (3, 3)


@pytest.mark.parametrize("kind", ["int", "unicode", "object", "float"])
def test_many_classes_warn_as_logistic_regression(kind):
    """More classes than half of more than 20 samples: scikit-learn's type_of_target warns
    that y could be a regression target; the labels whose check is skipped
    (_compat.check_classification_targets) warn the same, once, and 20 samples do not."""
    def labels(n):
        y = np.arange(n) % (n - 2)
        return {"int": y, "unicode": y.astype(str), "object": y.astype(str).astype(object),
                "float": y.astype(float)}[kind]

    X = np.random.default_rng(0).normal(size=(24, 2))
    y = labels(24)
    with pytest.warns(UserWarning, match="greater than 50% of the number of samples") as ours:
        GradientDescentLogisticRegression(max_iter=5).fit(X, y)
    with pytest.warns(UserWarning, match="greater than 50% of the number") as theirs:
        LogisticRegression(max_iter=5).fit(X, y)
    def n(record):
        return sum("50%" in str(w.message) for w in record)
    assert n(ours) == n(theirs) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        warnings.filterwarnings("ignore", category=ConvergenceWarning)  # (a UserWarning)
        GradientDescentLogisticRegression(max_iter=5).fit(X[:20], labels(20))


@pytest.mark.parametrize("how", ["none", "list", "object"])
def test_warm_start_from_a_hand_set_coef_as_logistic_regression(how):
    """coef_ set to None starts cold; a list or an object array of numbers is a start (as
    LogisticRegression takes them); each raised AttributeError or numpy's TypeError."""
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = (X[:, 0] > 0).astype(int)
    model = GradientDescentLogisticRegression(warm_start=True).fit(X, y)
    fitted = model.coef_.copy()
    model.coef_ = {"none": None, "list": fitted.tolist(), "object": fitted.astype(object)}[how]
    model.fit(X, y)
    np.testing.assert_allclose(model.coef_, fitted, rtol=1e-6, atol=1e-8)
    assert model.coef_.dtype == np.float64
    if how != "none":  # started at the optimum: nothing left to do
        assert model.n_iter_[0] <= 1


def test_warm_start_from_a_coef_of_text_is_a_value_error():
    rng = np.random.RandomState(0)
    X = rng.randn(60, 3)
    y = (X[:, 0] > 0).astype(int)
    model = GradientDescentLogisticRegression(warm_start=True).fit(X, y)
    model.coef_ = np.array([["a", "b", "c"]], dtype=object)
    with pytest.raises(ValueError, match="coef_, which holds values that are not numbers"):
        model.fit(X, y)


def test_offset_column_warning_asks_for_float64_only_of_float32():
    from gdlogreg import _messages

    assert "pass X as float64" in _messages.offset_column(3, 1e6, "float32", 1.2e-7)
    text = _messages.offset_column(3, 1e14, "float64", 2.2e-16)
    assert "pass X as float64" not in text and text.endswith("StandardScaler).")
