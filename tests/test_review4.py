"""Outside hostile-input review of the public API, round 4 (helper "review4").

Inputs a demanding scikit-learn user may throw at the estimator, the search
and the command line that the earlier reviews (test_hostile.py,
test_search_hostile.py, test_review*.py) do not cover. The first part holds
the defects found (each test failed before its fix); the second locks in odd
inputs that were found to behave (so that they keep behaving).
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV
from gdlogreg._cli import main

RNG = np.random.default_rng(4)
X = RNG.standard_normal((40, 3))
Y = (X[:, 0] + 0.5 * RNG.standard_normal(40) > 0).astype(int)
Y3 = np.digitize(X[:, 1], [-0.5, 0.5])


def strict(fn, *args, **kwargs):
    """Call with every warning an error but ConvergenceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


def strict_but_convergence(fn, *args, **kwargs):
    """Call with every warning an error but ConvergenceWarning, which is left to the
    caller (pytest.warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("default", ConvergenceWarning)
        return fn(*args, **kwargs)


# ============================================================ defects found
# ------------------------------------------- probabilities of huge, finite rows
def _huge_rows(model):
    """Finite rows whose decision values reach ±1.5e308: z is finite, z - max(z) is not."""
    return X * (1.5e308 / np.abs(X @ model.coef_.T).max())


@pytest.mark.parametrize("method", ["predict_proba", "predict_log_proba"])
def test_multiclass_probabilities_of_huge_rows_leak_no_overflow(method):
    """softmax(z) subtracts max(z): for z of ±1e308 that overflows to -inf, a correct
    0 probability (-inf log), but numpy's 'overflow encountered in subtract' leaked;
    the binary case (expit) and decision_function were already quiet."""
    model = strict(GD().fit, X, Y3)
    H = _huge_rows(model)
    z = strict(model.decision_function, H)
    assert np.isfinite(z).all()
    out = strict(getattr(model, method), H)
    proba = np.exp(out) if method == "predict_log_proba" else out
    assert not np.isnan(out).any()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(H))


@pytest.mark.parametrize("method", ["predict_proba", "predict_log_proba"])
def test_multiclass_probabilities_of_huge_rows_with_array_api(method):
    """The same overflow in the log-sum-exp of other namespaces, through numpy's
    ufuncs where the namespace wraps numpy (array_api_strict)."""
    xp = pytest.importorskip("array_api_strict")
    from sklearn import config_context

    try:
        with config_context(array_api_dispatch=True):
            model = strict(GD().fit, xp.asarray(X), xp.asarray(Y3))
            H = xp.asarray(_huge_rows(GD().fit(X, Y3)))
            out = strict(getattr(model, method), H)
    except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
        pytest.skip(str(exc))
    out = np.asarray(out)
    proba = np.exp(out) if method == "predict_log_proba" else out
    assert not np.isnan(out).any()
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def _infinite_rows():
    """A 3-class model on one feature, and rows whose decision values are ±inf
    (beyond the float range), none nan: one feature, so no inf - inf in X·w."""
    x = np.linspace(-3.0, 3.0, 30)[:, None]
    model = strict(GD(C=10.0).fit, x, np.digitize(x[:, 0], [-1.0, 1.0]))
    rows = np.array([[1.7e308], [-1.7e308]])
    z = strict(model.decision_function, rows)
    assert np.isinf(z).any() and not np.isnan(z).any(), z
    return model, rows


@pytest.mark.parametrize("method", ["predict_proba", "predict_log_proba"])
def test_probabilities_of_infinite_decision_values(method):
    """softmax of [-inf, ..., inf] computed inf - inf: nan probabilities and numpy's
    'invalid value encountered in subtract'. The class whose value is +inf has
    probability 1 (the binary case, expit(±inf), already said so)."""
    model, rows = _infinite_rows()
    out = strict(getattr(model, method), rows)
    proba = np.exp(out) if method == "predict_log_proba" else out
    assert not np.isnan(out).any(), out
    np.testing.assert_array_equal(proba, np.eye(3)[[2, 0]])
    np.testing.assert_array_equal(model.predict(rows), [2, 0])


def test_array_api_probabilities_of_huge_tied_decision_values():
    """The array API log-sum-exp computed z - (max(z) + log Σ exp(z - max(z))): beside
    a max(z) of 1e17 the log term is lost, and two classes of equal z got probability
    1 each (rows summed to 2). Now as scipy's softmax of the same decision values."""
    xp = pytest.importorskip("array_api_strict")
    from scipy.special import softmax
    from sklearn import config_context

    x = X[:, :2]
    try:
        with config_context(array_api_dispatch=True):
            model = strict(GD().fit, xp.asarray(x), xp.asarray(Y3))
            W = np.asarray(model.coef_)
            d = W[0] - W[1]
            v = np.array([-d[1], d[0]])  # z_0 - z_1 is the same along v
            v = v if (W[0] - W[2]) @ v > 0 else -v
            rows = np.vstack([t * v / np.abs(W[0] @ v) for t in (1e17, 1e20, 1e300)])
            z = np.asarray(strict(model.decision_function, xp.asarray(rows)))
            proba = np.asarray(strict(model.predict_proba, xp.asarray(rows)))
    except (ImportError, RuntimeError) as exc:  # no dispatch on this stack
        pytest.skip(str(exc))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba, softmax(z, axis=1), rtol=1e-12, atol=1e-300)


# ------------------------------------------------------- a scorer that says inf
def test_a_scorer_returning_inf_leaks_no_runtime_warning():
    """std over folds of inf scores is inf - inf: numpy's 'invalid value encountered in
    subtract' leaked from the search (GridSearchCV leaks it too). The search still
    says the scores are non-finite, with GridSearchCV's results."""
    def inf_scorer(est, X, y):
        return np.inf

    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.warns(UserWarning, match="non-finite"):
            search = CV(Cs=[0.1, 1.0], cv=3, scoring=inf_scorer).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        grid = GridSearchCV(GD(), {"C": [0.1, 1.0]}, cv=3, scoring=inf_scorer).fit(X, Y)
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        np.testing.assert_array_equal(search.cv_results_[key], grid.cv_results_[key])
    assert search.best_params_ == grid.best_params_


# ----------------------------------------------- a C beyond float32's range
def test_a_c_beyond_float32_range_with_float32_x():
    """Casting C = 1e300 to float32 (Cs_ and C_ were in X's dtype) leaked numpy's
    'overflow encountered in cast'. Cs_ and C_ are float64 now, as LogisticRegressionCV's
    (review 81: a float32 C_ of 0.1 was not the grid's 0.1); the candidate fits as
    C = inf does; best_params_ and C_ keep the exact value."""
    X32 = X.astype(np.float32)
    search = strict(CV(Cs=[1e300, 1e-3], cv=3).fit, X32, Y)
    assert search.Cs_.dtype == np.float64
    np.testing.assert_array_equal(search.Cs_, [1e300, 1e-3])
    assert search.best_params_ == {"C": 1e300}
    assert (search.C_ == 1e300).all()
    no_penalty = strict(GD(C=np.inf).fit, X32, Y)
    np.testing.assert_allclose(search.coef_, no_penalty.coef_, rtol=1e-4)


# ------------------------------------------------- a divergence to J = nan
def test_the_divergence_warning_says_j_became_nan():
    """A step of 1e308 on raw digits makes J nan (inf - inf in the scores), and
    max(loss_curve) skipped the nan: 'J rose from 2.303 to 2.303'."""
    from sklearn.datasets import load_digits

    Xd, yd = load_digits(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="made the cost diverge") as caught:
        model = strict_but_convergence(GD(solver="gd", learning_rate=1e308, max_iter=2).fit,
                                       Xd[:50], yd[:50])
    assert np.isnan(model.loss_curve_).any() and model.stop_reason_ == "diverged"
    message = str(caught[0].message)
    assert "J rose from 2.303 to nan" in message, message
    assert np.isfinite(model.coef_).all()


# ------------------------------------------------------- odd sample weights
def test_zero_dimensional_sample_weight_is_a_scalar_for_the_single_fit_too():
    """The search takes np.array(2.0) as the number 2 (test_search_hostile.py); the
    single fit raised 'Input should have at least 1 dimension', naming no parameter."""
    model = strict(GD().fit, X, Y, sample_weight=np.array(2.0))
    reference = strict(GD().fit, X, Y, sample_weight=2.0)
    np.testing.assert_array_equal(model.coef_, reference.coef_)
    with pytest.raises(ValueError, match="sample_weight must be finite"):
        GD().fit(X, Y, sample_weight=np.array(np.inf))


def test_sparse_sample_weight_is_named_by_the_search():
    """The search raised numpy's 'setting an array element with a sequence.' (a
    ValueError naming nothing); the single fit says dense data is required."""
    w = sp.csr_matrix(np.ones((1, 40)))
    with pytest.raises(TypeError, match="[Ss]parse"):
        GD().fit(X, Y, sample_weight=w)
    with pytest.raises(TypeError, match="sample_weight must be dense"):
        strict(CV(Cs=[1.0]).fit, X, Y, sample_weight=w)


# --------------------------------------------------------------------- Dask
@pytest.mark.parametrize("method", ["fit", "predict", "decision_function"])
def test_complex_dask_x_is_refused(method):
    """Dask X of complex numbers was cast to float64 for the fit with numpy's
    ComplexWarning (the imaginary part dropped), and predicted complex scores; numpy X
    gets scikit-learn's 'Complex data not supported'."""
    da = pytest.importorskip("dask.array")
    Xc = da.from_array(X.astype(complex), chunks=10)
    model = strict(GD().fit, X, Y)
    with pytest.raises(ValueError, match="Complex data not supported"):
        if method == "fit":
            strict(GD().fit, Xc, Y)
        else:
            strict(getattr(model, method), Xc)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_dask_labels_are_named_without_a_runtime_warning(bad):
    """check_classification_targets cast the nan class to int first: numpy's
    'invalid value encountered in cast' leaked before its error."""
    da = pytest.importorskip("dask.array")
    y = da.from_array(np.where(Y, 1.0, bad), chunks=10)
    with pytest.raises(ValueError, match="y contains NaN or infinity"):
        strict(GD().fit, da.from_array(X, chunks=10), y)
    with pytest.raises(ValueError, match="y contains NaN or infinity"):
        strict(CV(Cs=[1.0], cv=2).fit, da.from_array(X, chunks=10), y)


def test_the_search_display_of_inf_scores_leaks_no_runtime_warning():
    """The legend placement samples each drawn segment: an inf score made inf - inf
    and numpy's 'invalid value encountered in subtract' leaked from the display."""
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from gdlogreg import SearchScoreDisplay

    def inf_scorer(est, X, y):
        return np.inf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        search = CV(Cs=[0.1, 1.0], cv=3, scoring=inf_scorer).fit(X, Y)
    display = strict(SearchScoreDisplay.from_estimator, search)
    plt.close(display.figure_)


# ------------------------------------------------------- a refit that raises
def test_a_failed_refit_does_not_relabel_the_previous_model():
    """A refit that raises on its weights (after validating y) had set classes_ to the
    new labels while coef_ stayed the previous fit's: predict answered the new labels
    with the old model. classes_ is now set once the labels and weights pass."""
    model = strict(GD().fit, X, Y)
    # scikit-learn's weight check or ours (older versions) names the zero weights
    with pytest.raises(ValueError, match="non-zero|sum to zero"):
        model.fit(X, np.where(Y, "yes", "no"), sample_weight=np.zeros(40))
    from sklearn.exceptions import NotFittedError

    try:
        labels = model.predict(X)
    except NotFittedError:
        return
    assert set(labels.tolist()) <= {0, 1}, labels[:4]


# ------------------------------------------------------------------ the CLI
def _exit_code(argv):
    try:
        return main(argv)
    except SystemExit as exc:  # argparse errors
        return exc.code


def _never_fit(monkeypatch):
    """Make any fit fail loudly: an option must be refused before fitting."""
    def boom(self, *args, **kwargs):
        raise AssertionError("fitted before the options were checked")

    monkeypatch.setattr(GD, "fit", boom)
    monkeypatch.setattr(CV, "fit", boom)


@pytest.mark.parametrize(
    "argv",
    [["compare", "--solver", "lbfgs", "--l1-ratio", "0.5"],
     ["c-search", "--solver", "lbfgs", "--l1-ratios", "0", "0.5"]],
    ids=["compare", "c-search"],
)
def test_cli_refuses_lbfgs_with_an_l1_penalty_before_fitting(argv, monkeypatch, capsys):
    """The estimator's ValueError escaped main() as a traceback (exit status 1)."""
    _never_fit(monkeypatch)
    assert _exit_code(argv + ["--dataset", "iris"]) == 2
    err = capsys.readouterr().err
    assert "lbfgs" in err and "L2 penalty only" in err


def test_cli_lbfgs_with_l1_ratio_and_no_penalty_still_runs(capsys):
    """Without a penalty (--C inf) l1_ratio changes nothing and the estimator accepts it."""
    argv = ["--dataset", "iris", "--solver", "lbfgs", "--l1-ratio", "0.5", "--C", "inf",
            "--test-size", "0"]
    assert strict(main, argv) == 0


def test_cli_refuses_a_plot_format_matplotlib_cannot_write(monkeypatch, capsys, tmp_path):
    """matplotlib's ValueError 'Format 'txt' is not supported' escaped as a traceback,
    after the whole fit."""
    pytest.importorskip("matplotlib")
    _never_fit(monkeypatch)
    target = tmp_path / "figure.txt"
    assert _exit_code(["--dataset", "iris", "--plot", str(target)]) == 2
    err = capsys.readouterr().err
    assert "--plot" in err and "'txt'" in err and "png" in err
    assert not target.exists()


def test_cli_names_the_file_the_plot_is_saved_to(capsys, tmp_path):
    """Without an extension matplotlib writes NAME.png, but the CLI said 'Plot saved
    to NAME', a file that does not exist."""
    pytest.importorskip("matplotlib")
    target = tmp_path / "figure"
    argv = ["c-search", "--dataset", "iris", "--cv", "2", "--Cs", "1", "--plot", str(target)]
    assert strict(main, argv) == 0
    out = capsys.readouterr().out
    assert f"Plot saved to {target}.png" in out
    assert (tmp_path / "figure.png").exists() and not target.exists()


def _huge_csv(tmp_path, rows=12, big=1e308):
    """A feature near the float limit: its sum (1e308) or its squares (1e200) overflow
    in StandardScaler."""
    lines = ["a,b,y"] + [f"{s * big:g},{(i % 5) - 2},{i % 2}"
                         for i, s in zip(range(rows), [1, -1, 1, 1, -1, 1] * rows, strict=False)]
    path = tmp_path / "huge.csv"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


@pytest.mark.parametrize("command", [["compare", "--test-size", "0"],
                                     ["c-search", "--cv", "2", "--Cs", "1"],
                                     ["lr-search", "--cv", "2", "--learning-rates", "0.1"]])
@pytest.mark.parametrize("big", [1e308, 1e200])
def test_cli_standardizing_features_near_the_float_limit_is_one_line(
        command, big, tmp_path, capsys):
    """StandardScaler's 'overflow encountered' RuntimeWarnings leaked; the nan mean it
    made (1e308) ended in the estimator's 'Input X contains NaN' traceback (exit
    status 1), the inf variance (1e200) left the feature silently unscaled."""
    path = _huge_csv(tmp_path, big=big)
    status = strict(_exit_code, command + ["--csv", path])
    assert status == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert "--no-standardize" in err


def test_cli_features_near_the_float_limit_fit_without_standardizing(tmp_path, capsys):
    path = _huge_csv(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(["--csv", path, "--test-size", "0", "--no-standardize"]) == 0


# ============================================== odd inputs found to behave
pd = pytest.importorskip("pandas")


def _reference():
    return strict(GD(tol=1e-10).fit, X, Y)


@pytest.mark.parametrize(
    "make_X",
    [
        lambda: pd.DataFrame(X, columns=list("abc")).astype("Float64"),
        lambda: X[::-1][::-1],  # a view with negative strides of a view
        lambda: np.repeat(X, 2, axis=1)[:, ::2],  # non-contiguous columns
        lambda: np.frombuffer(X.tobytes()).reshape(X.shape),  # read-only
        lambda: X.tolist(),
        lambda: sp.coo_matrix(X).tocsr()[:, [0, 1, 2]],  # fancy-indexed csr
        lambda: sp.csr_array(X),
        lambda: sp.dia_matrix(X),
        lambda: sp.bsr_matrix(X),
    ],
    ids=["Float64-frame", "neg-stride", "strided", "read-only", "list", "csr-indexed",
         "csr_array", "dia", "bsr"],
)
def test_containers_of_the_same_numbers_give_the_same_model(make_X):
    ref = _reference()
    model = strict(GD(tol=1e-10).fit, make_X(), Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10, atol=1e-12)


def test_sparse_with_unsorted_indices_duplicates_and_int64_indices():
    """Each format quirk scipy allows: the model of the summed, canonical matrix;
    the input matrix is left as it was (no in-place sort or sum)."""
    ref = _reference()
    half = np.concatenate([X / 2, X / 2], axis=1)[:, [3, 0, 4, 1, 5, 2]]  # unsorted
    cols = np.tile(np.array([0, 0, 1, 1, 2, 2])[[1, 0, 3, 2, 5, 4]], 40).astype(np.int64)
    A = sp.csr_matrix((half.ravel(), cols, np.arange(0, 241, 6, dtype=np.int64)),
                      shape=(40, 3))
    A.has_sorted_indices = False
    before = A.data.copy(), A.indices.copy(), A.indptr.copy()
    model = strict(GD(tol=1e-10).fit, A, Y)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10, atol=1e-12)
    for a, b in zip((A.data, A.indices, A.indptr), before, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(model.decision_function(A), ref.decision_function(X))


@pytest.mark.parametrize(
    "y",
    [pd.Series(Y, dtype="Int64"), pd.Series(Y.astype(bool), dtype="boolean"),
     pd.Series(pd.Categorical(np.where(Y, "b", "a"), categories=["a", "b", "unused"]))],
    ids=["Int64", "boolean", "categorical-with-unused"],
)
def test_pandas_nullable_and_categorical_labels(y):
    model = strict(GD().fit, X, y)
    assert len(model.classes_) == 2
    np.testing.assert_array_equal(model.predict(X) == model.classes_[1],
                                  _reference().predict(X) == 1)


@pytest.mark.parametrize(
    "X_bad, y_bad, match",
    [
        (X.astype(complex), Y, "Complex"),
        (X, Y.astype(complex), "Complex"),
        (X[:, :, None], Y, "dim 3"),
        (X[:, :0], Y, "0 feature"),
        (pd.DataFrame(X).astype("Float64").mask(X > 1.5), Y, "NaN"),
        (X, pd.Series(np.where(Y, True, None), dtype="boolean"), "NaN"),
        (X, np.array([1, "a"] * 20, dtype=object), "Unknown label type"),
    ],
    ids=["complex-X", "complex-y", "3d", "no-columns", "pd.NA-in-X", "pd.NA-in-y",
         "mixed-labels"],
)
def test_unusable_inputs_are_named(X_bad, y_bad, match):
    for est in (GD(), CV(Cs=[1.0], cv=2)):
        with pytest.raises(ValueError, match=match):
            strict(est.fit, X_bad, y_bad)


def test_np_matrix_is_refused_as_scikit_learn_refuses_it():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        M = np.matrix(X)
    with pytest.raises(TypeError, match="np.matrix"):
        GD().fit(M, Y)


def test_weights_of_one_row_per_class_fit_as_those_two_rows():
    """All weights zero but one row of each class: the model of those two rows."""
    i, j = int(np.flatnonzero(Y == 0)[0]), int(np.flatnonzero(Y == 1)[0])
    w = np.zeros(40)
    w[[i, j]] = 1.0
    weighted = strict(GD(tol=1e-10).fit, X, Y, sample_weight=w)
    two = strict(GD(tol=1e-10).fit, X[[i, j]], Y[[i, j]])
    np.testing.assert_allclose(weighted.coef_, two.coef_, rtol=1e-8)
    np.testing.assert_allclose(weighted.intercept_, two.intercept_, rtol=1e-8, atol=1e-12)


def test_warm_start_with_new_classes_or_features_starts_cold():
    model = strict(GD(warm_start=True).fit, X, Y)
    strict(model.fit, X, Y3)
    cold = strict(GD().fit, X, Y3)
    assert model.coef_.shape == (3, 3)
    np.testing.assert_allclose(model.coef_, cold.coef_)
    strict(model.fit, X[:, :2], Y)
    assert model.coef_.shape == (1, 2) and model.n_features_in_ == 2


def test_warm_start_from_a_sparsified_model_and_pickle_of_it():
    model = strict(GD(warm_start=True).fit, X, Y).sparsify()
    again = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(again.predict_proba(X), model.predict_proba(X))
    strict(again.fit, X, Y)  # from the sparse coef_: at the optimum already
    assert isinstance(again.coef_, np.ndarray) and again.n_iter_[0] == 0


def test_weights_as_strings_or_nullable_floats_fit_as_logistic_regression_does():
    """scikit-learn converts such sample weights; so does the single fit."""
    w = np.linspace(0.5, 2.0, 40)
    ref = strict(GD(tol=1e-10).fit, X, Y, sample_weight=w)
    for given in (w.astype(str), pd.Series(w, dtype="Float64"), list(w)):
        model = strict(GD(tol=1e-10).fit, X, Y, sample_weight=given)
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-9)
    LogisticRegression().fit(X, Y, sample_weight=w.astype(str))  # scikit-learn agrees
