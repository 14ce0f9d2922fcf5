"""Outside review of the sparse fused first trial (``Ray.trial`` moving Z by
X (t·d) inside the pass, ``NumpyBackend._block_step``) and hostile input on angles
the earlier reviews (test_hostile.py, test_search_hostile.py, test_review*.py,
test_sklearn_checks.py) do not cover (helper "review5").

One defect was found (it failed before its fix): a CSR matrix whose indptr is
int64 and indices int32 made scipy's kernels copy X.indices in every block
(test_index_arrays_of_two_dtypes_are_not_copied_block_by_block). The other tests
lock in outcomes found to be right: a sensible model, or a clear ValueError
naming the problem; never a NaN model, a leaked RuntimeWarning or a mutated input.
"""

import os
import pickle
import tracemalloc
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV
from gdlogreg._backends import _array
from gdlogreg._objective import Objective, Ray
from gdlogreg._problem import Identity, make_problem


def strict(fn, *args, **kwargs):
    """Call with every warning an error but ConvergenceWarning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        return fn(*args, **kwargs)


# ====================================================== the sparse fused first trial
def _sparse_data(n=300, d=10, seed=1):
    """Dense data with empty rows and long rows across the 37-row block boundaries."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.35) * 2.0
    X[5] = 0.0
    X[100:110] = 0.0
    X[35:39] = rng.standard_normal((4, d))  # dense rows across the block at 37
    y = (X @ rng.standard_normal(d) + 0.5 * rng.standard_normal(n) > 0).astype(int)
    sw = rng.random(n) * 2.0
    sw[::7] = 0.0
    return X, y, sw


def _quirky_csr(X, dtype):
    """X as CSR with every quirk scipy allows at once: each entry split in two halves
    (duplicates), in reversed then sorted order (unsorted), an explicit zero per row,
    int64 indptr next to int32 indices, and read-only arrays."""
    counts, cols, vals = [], [], []
    for row in X:
        j = np.flatnonzero(row)
        cols += [*j[::-1], *j, 0]
        vals += [*(row[j[::-1]] / 2), *(row[j] / 2), 0.0]
        counts.append(2 * len(j) + 1)
    A = sp.csr_matrix(X.shape, dtype=dtype)
    A.data = np.asarray(vals, dtype)
    A.indices = np.asarray(cols, np.int32)
    A.indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    A.has_sorted_indices = False
    for a in (A.data, A.indices, A.indptr):
        a.flags.writeable = False
    return A


@pytest.fixture
def step_calls(monkeypatch):
    """Counts the passes that moved Z by X V in place (``_block_step``)."""
    calls = []
    original = _array.NumpyBackend._block_step

    def counted(self, V, fit_intercept):
        calls.append(V.shape)
        return original(self, V, fit_intercept)

    monkeypatch.setattr(_array.NumpyBackend, "_block_step", counted)
    return calls


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("fit_intercept", [True, False])
def test_quirky_csr_fits_as_dense_and_as_logistic_regression(blocks, step_calls, solver, dtype,
                                                             fit_intercept):
    """Duplicates, unsorted indices, explicit zeros, mixed index dtypes, read-only
    arrays, empty rows, zero weights: the fused CSR trial gives the dense model;
    the matrix is left as it was."""
    X, y, sw = _sparse_data()
    A = _quirky_csr(X, dtype)
    before = [a.copy() for a in (A.data, A.indices, A.indptr)]
    tol, rtol = (1e-10, 1e-7) if dtype == np.float64 else (1e-6, 2e-3)
    params = dict(solver=solver, tol=tol, C=0.5, fit_intercept=fit_intercept, max_iter=3000)
    model = strict(GD(**params).fit, A, y, sample_weight=sw)
    assert step_calls, "the fused CSR first trial was not taken"
    dense = strict(GD(**params).fit, X.astype(dtype), y, sample_weight=sw)
    assert model.coef_.dtype == dtype and model.converged_
    np.testing.assert_allclose(model.coef_, dense.coef_, rtol=rtol, atol=rtol * 1e-2)
    np.testing.assert_allclose(model.intercept_, dense.intercept_, rtol=rtol, atol=rtol * 1e-2)
    for a, b in zip((A.data, A.indices, A.indptr), before, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype
    if dtype == np.float64:
        ref = LogisticRegression(C=0.5, fit_intercept=fit_intercept, tol=1e-12, max_iter=10_000)
        ref.fit(X, y, sample_weight=sw)
        np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(model.intercept_, ref.intercept_, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_overflowing_first_trial_is_refused_and_the_ray_restored(blocks, dtype,
                                                                    fit_intercept):
    """A first trial so long that X (t·d) is ±inf, and nan where +inf meets -inf or an
    explicit zero meets inf: J is not finite, the trial is refused, Z is X coef
    again bit for bit, no D was made, and the next trials are those of a new ray."""
    X, y, sw = _sparse_data()
    A = _quirky_csr(X, dtype)
    problem = make_problem(A, y, sw, 2, C=0.5, l1_ratio=0.0, fit_intercept=fit_intercept)
    obj = Objective(problem, Identity(fit_intercept))
    be, p = obj.backend, X.shape[1] + fit_intercept
    rng = np.random.default_rng(2)
    coef = (0.1 * rng.standard_normal((p, 1))).astype(dtype)
    huge = np.finfo(dtype).max / 4
    d = (huge * np.sign(rng.standard_normal((p, 1)))).astype(dtype)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):  # as the fit runs
        Z0 = be.linear(coef, fit_intercept).copy()
        point = obj.evaluate(coef)
        ray = obj.along(point, d)
        seen = []
        assert ray.trial(1.0, lambda J: seen.append(J) or J <= point.J, likely=True)[0] is None
        assert not np.isfinite(seen[0])
        np.testing.assert_array_equal(ray.Z, Z0)
        assert ray.D is None
        small = (1e-3 * d / huge).astype(dtype)
        ray = obj.along(obj.evaluate(coef), small)
        new = ray.trial(1.0, lambda J: True, likely=True)[0]
        fresh = obj.evaluate(coef + small)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert new.J == pytest.approx(fresh.J, rel=rtol)
    np.testing.assert_allclose(new.z, fresh.z, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(new.grad, fresh.grad, rtol=1e3 * rtol, atol=rtol)


@pytest.mark.parametrize("solver, learning_rate", [("bb", 1e4), ("lbfgs", 100.0)])
def test_csr_fit_through_refused_first_trials_is_the_dense_fit(blocks, monkeypatch, solver,
                                                                learning_rate):
    """A constant step far too long: fused CSR first trials are refused, the ray is
    restored and backtracks, later ones are accepted; the loss curve and model are
    the dense fit's."""
    outcomes = []
    original = Ray.trial

    def counted(self, t, accept, likely=False):
        new, J = original(self, t, accept, likely)
        if likely:  # a first trial: fused
            outcomes.append(new is not None)
        return new, J

    monkeypatch.setattr(Ray, "trial", counted)
    X, y, sw = _sparse_data()
    params = dict(solver=solver, learning_rate=learning_rate, C=1.0, tol=1e-9, max_iter=500)
    model = strict(GD(**params).fit, _quirky_csr(X, np.float64), y, sample_weight=sw)
    assert False in outcomes and True in outcomes
    dense = strict(GD(**params).fit, X, y, sample_weight=sw)
    assert model.converged_ and model.n_iter_[0] == dense.n_iter_[0]
    np.testing.assert_allclose(model.loss_curve_, dense.loss_curve_, rtol=1e-12)
    np.testing.assert_allclose(model.coef_, dense.coef_, rtol=1e-8)


def test_warm_started_csr_refits_end_at_the_dense_model(blocks, step_calls):
    """Refits from a few iterations, then on float32 CSR and back: each ends at the
    dense model of its data, with the input left as it was."""
    X, y, sw = _sparse_data()
    A = _quirky_csr(X, np.float64)
    ref = strict(GD(tol=1e-10).fit, X, y, sample_weight=sw)
    model = GD(warm_start=True, max_iter=3, tol=1e-10)
    strict(model.fit, A, y, sample_weight=sw)
    assert not model.converged_
    model.set_params(max_iter=1000)
    strict(model.fit, A, y, sample_weight=sw)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-7)
    strict(model.set_params(tol=1e-6).fit, _quirky_csr(X, np.float32), y, sample_weight=sw)
    assert model.coef_.dtype == np.float32
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=2e-3)
    strict(model.set_params(tol=1e-10).fit, A, y, sample_weight=sw)
    assert model.coef_.dtype == np.float64
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-7)
    assert step_calls


def _fit_peak(X, y):
    """Peak bytes traced while a few iterations are fitted on X."""
    tracemalloc.start()
    try:
        strict(GD(max_iter=3).fit, X, y)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("ptr, ind", [(np.int64, np.int32), (np.int32, np.int64)])
def test_index_arrays_of_two_dtypes_are_not_copied_block_by_block(ptr, ind):
    """A CSR matrix whose indptr is int64 and indices int32 (scipy's constructors make
    them alike; assigning them does not): scipy's kernels take one index type, so
    each block's product converted all of X.indices to int64, a copy of X's largest
    index array in every block of every pass. Its peak must be the canonical one's."""
    X = sp.random(60_000, 40, density=0.2, format="csr", random_state=0)
    y = (X @ np.random.default_rng(0).standard_normal(40) > 0).astype(int)
    mixed = X.copy()
    mixed.indptr, mixed.indices = X.indptr.astype(ptr), X.indices.astype(ind)
    canonical = X.copy()
    canonical.indptr, canonical.indices = X.indptr.astype(ind), X.indices.astype(ind)
    for A in (mixed, canonical):  # scipy's own check converts once; its answer is kept
        assert A.has_canonical_format
    assert _fit_peak(mixed, y) < _fit_peak(canonical, y) + 0.5 * mixed.indices.nbytes


# ============================================ hostile input on angles not yet covered
RNG = np.random.default_rng(5)
XS = RNG.standard_normal((90, 3))
YS = (XS[:, 0] + 0.5 * RNG.standard_normal(90) > 0).astype(int)
Y3 = np.digitize(XS[:, 1], [-0.5, 0.5])
SW = RNG.random(90) * 3.0


def test_pyarrow_backed_frames_fit_as_numpy_arrays():
    """float64 and float32 Arrow columns, Arrow labels and Arrow weights: the numpy
    model; the column names are kept and checked at predict time."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    ref = strict(GD(tol=1e-10).fit, XS, YS, sample_weight=SW)
    frame = pd.DataFrame(XS, columns=["a", "b", "c"]).astype("float64[pyarrow]")
    labels = pd.Series(np.where(YS, "yes", "no")).astype("string[pyarrow]")
    weights = pd.Series(SW).astype("double[pyarrow]")
    model = strict(GD(tol=1e-10).fit, frame, labels, sample_weight=weights)
    np.testing.assert_allclose(model.coef_, ref.coef_, rtol=1e-10)
    assert model.classes_.tolist() == ["no", "yes"]
    assert model.feature_names_in_.tolist() == ["a", "b", "c"]
    np.testing.assert_allclose(model.predict_proba(frame), ref.predict_proba(XS), rtol=1e-9)
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame[["c", "b", "a"]])
    # Arrow float32 columns: scikit-learn's validation makes them float64 (as for
    # LogisticRegression): the model of the float32 numbers in float64.
    frame32 = frame.astype("float[pyarrow]")
    f32 = strict(GD(tol=1e-10).fit, frame32, YS)
    assert f32.coef_.dtype == LogisticRegression().fit(frame32, YS).coef_.dtype
    rounded = XS.astype(np.float32).astype(np.float64)
    np.testing.assert_allclose(f32.coef_, GD(tol=1e-10).fit(rounded, YS).coef_, rtol=1e-10)


def test_feature_names_through_set_output_and_column_transformer():
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    frame = pd.DataFrame(XS, columns=["a", "b", "c"]).assign(kind=np.where(Y3 == 1, "u", "v"))
    dense = ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"]),
                               ("cat", OneHotEncoder(sparse_output=False), ["kind"])])
    pipe = strict(make_pipeline(dense, GD(tol=1e-10)).set_output(transform="pandas").fit,
                  frame, YS)
    assert pipe[-1].feature_names_in_.tolist() == [
        "num__a", "num__b", "num__c", "cat__kind_u", "cat__kind_v"]
    # The same columns as a CSR matrix (sparse_threshold=1): the same model, no names.
    sparse = ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"]),
                                ("cat", OneHotEncoder(), ["kind"])], sparse_threshold=1.0)
    pipe_sp = strict(make_pipeline(sparse, GD(tol=1e-10)).fit, frame, YS)
    assert sp.issparse(pipe_sp[0].transform(frame))
    assert not hasattr(pipe_sp[-1], "feature_names_in_")
    np.testing.assert_allclose(pipe_sp[-1].coef_, pipe[-1].coef_, rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(pipe_sp.predict_proba(frame), pipe.predict_proba(frame), rtol=1e-9)


def test_the_search_in_cross_validate_clone_and_pickle():
    from sklearn.base import clone
    from sklearn.model_selection import cross_validate

    search = CV(Cs=[0.01, 1.0], cv=3, scoring="neg_log_loss")
    scores = strict(cross_validate, search, XS, Y3, cv=3)["test_score"]
    again = strict(cross_validate, clone(search), XS, Y3, cv=3)["test_score"]
    np.testing.assert_array_equal(scores, again)
    assert np.all(np.isfinite(scores))
    fitted = strict(clone(search).fit, XS, Y3)
    loaded = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(loaded.predict_proba(XS), fitted.predict_proba(XS))
    refit = strict(clone(loaded).fit, XS[:, :2], Y3)  # clone of a fitted search: unfitted
    assert refit.coef_.shape == (3, 2) and loaded.coef_.shape == (3, 3)


def test_sample_weight_and_groups_routed_by_metadata_routing():
    """With enable_metadata_routing, weights (and a CV's groups) reach the fits as
    when they are passed by hand."""
    import sklearn
    from sklearn.model_selection import GroupKFold, cross_validate

    groups = np.arange(90) % 6
    folds = list(GroupKFold(3).split(XS, YS, groups))
    by_hand = [GD().fit(XS[tr], YS[tr], sample_weight=SW[tr]).score(XS[te], YS[te])
               for tr, te in folds]
    direct = CV(Cs=[0.01, 1.0], cv=GroupKFold(3)).fit(XS, YS, sample_weight=SW, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        est = GD().set_fit_request(sample_weight=True).set_score_request(sample_weight=False)
        routed = strict(cross_validate, est, XS, YS, cv=folds, params={"sample_weight": SW})
        search = CV(Cs=[0.01, 1.0], cv=GroupKFold(3)).set_fit_request(
            sample_weight=True, groups=True)
        strict(search.fit, XS, YS, sample_weight=SW, groups=groups)
    np.testing.assert_allclose(routed["test_score"], by_hand)
    np.testing.assert_array_equal(search.scores_[1], direct.scores_[1])
    np.testing.assert_array_equal(search.coef_, direct.coef_)


@pytest.mark.parametrize("y", [YS, Y3], ids=["binary", "3 classes"])
@pytest.mark.parametrize("fmt", ["dense", "csr", "sparsified"])
def test_predictions_on_one_row_and_on_none(y, fmt):
    """One row: one answer of the right shape (the same as inside a larger X); no
    row: the ValueError LogisticRegression gives."""
    model = strict(GD().fit, XS, y)
    if fmt == "sparsified":
        model.sparsify()
    one = XS[4:5] if fmt == "dense" else sp.csr_matrix(XS[4:5])
    k = len(model.classes_)
    for method, shape in [("decision_function", (1,) if k == 2 else (1, k)),
                          ("predict_proba", (1, k)), ("predict_log_proba", (1, k)),
                          ("predict", (1,))]:
        got = strict(getattr(model, method), one)
        assert got.shape == shape
        whole = getattr(model, method)(XS)[4:5]
        if method == "predict":
            np.testing.assert_array_equal(got, whole)
        else:  # a one-row product may round its last bit unlike the whole X's
            np.testing.assert_allclose(got, whole, rtol=1e-12, atol=1e-12)
        with pytest.raises(ValueError, match="0 sample"):
            getattr(model, method)(one[:0])
        with pytest.raises(ValueError, match="0 sample"):
            getattr(LogisticRegression().fit(XS, y), method)(one[:0])


def test_a_class_seen_once():
    """A class of one sample: the single fit keeps it (finite probabilities that sum to
    1, LogisticRegression's model); a search fits the fold that lacks it as GridSearchCV
    does (it refused that fold before)."""
    y = Y3.copy()
    y[7] = 9
    model = strict(GD(tol=1e-10).fit, XS, y)
    ref = LogisticRegression(tol=1e-12, max_iter=10_000).fit(XS, y)
    assert model.classes_.tolist() == [0, 1, 2, 9]
    proba = model.predict_proba(XS)
    assert np.all(np.isfinite(proba)) and np.allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_allclose(proba, ref.predict_proba(XS), atol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # StratifiedKFold's own
        search = CV(Cs=[1.0], cv=3).fit(XS, y)
        grid = GridSearchCV(GD(), {"C": [1.0]}, cv=3).fit(XS, y)
    for f in range(3):
        np.testing.assert_array_equal(search.cv_results_[f"split{f}_test_score"],
                                      grid.cv_results_[f"split{f}_test_score"])
    assert search.best_estimator_.classes_.tolist() == [0, 1, 2, 9]


@pytest.mark.parametrize("est", [GD(), CV(Cs=[0.1, 1.0], cv=3)], ids=["single", "search"])
def test_float_labels_that_are_whole_numbers(est):
    """Labels 1.0 / 2.0 (and float16): the classes and predictions are those floats."""
    for y in (YS + 1.0, (YS + 1).astype(np.float16)):
        model = strict(est.fit, XS, y)
        assert model.classes_.tolist() == [1.0, 2.0]
        assert model.predict(XS).dtype == y.dtype
        np.testing.assert_array_equal(model.predict(XS), np.where(model.predict(XS) == 2, 2, 1))
        np.testing.assert_array_equal(
            model.predict(XS) == 2.0, strict(est.fit, XS, YS).predict(XS) == 1)
    with pytest.raises(ValueError, match="continuous"):
        est.fit(XS, YS + 0.5)


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["dense", "csr"])
def test_fifty_thousand_features_and_twenty_rows(fmt):
    """d = 50,000 and n = 20: a converged model, LogisticRegression's."""
    rng = np.random.default_rng(0)
    if fmt == "dense":
        X = rng.standard_normal((20, 50_000))
    else:
        X = sp.random(20, 50_000, density=0.01, format="csr", random_state=0)
    for y in (np.arange(20) % 2, np.arange(20) % 3):
        model = strict(GD(tol=1e-8).fit, X, y)
        ref = LogisticRegression(tol=1e-10, max_iter=5000).fit(X, y)
        assert model.converged_
        np.testing.assert_allclose(model.coef_, ref.coef_, atol=1e-6)
        np.testing.assert_array_equal(model.predict(X), ref.predict(X))


@pytest.mark.parametrize(
    "content, argv, status, message",
    [
        # Quoted fields, CRLF line ends and trailing blank lines (as spreadsheets write).
        ('"a","b","y"\r\n' + "".join(f'"{i}","{(7 * i) % 5}","{i % 2}"\r\n' for i in range(12))
         + "\r\n\r\n", ["--test-size", "0"], 0, None),
        ("", [], 2, "needs a header row and at least two data rows"),
        ("a,b,y\n1,1e400,0\n3,4,1\n5,6,0\n7,8,1\n", ["--test-size", "0"], 2,
         "nan or infinite"),
        ("a,b,y\n1,2,1e400\n3,4,1\n5,6,0\n7,8,1\n", ["--test-size", "0"], 2,
         "holds 1e400, not a class label"),
        ("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n", ["--random-state", "-1"], 2,
         "random_state"),
        ("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,8,2\n", [], 2, "cannot split the data"),
    ],
    ids=["quoted-crlf", "empty-file", "feature-overflows", "label-overflows",
         "negative-seed", "class-seen-once"],
)
def test_cli_on_unusual_files(tmp_path, capsys, content, argv, status, message):
    from gdlogreg._cli import main

    path = tmp_path / "data.csv"
    path.write_bytes(content.encode())
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        assert main(["--csv", str(path), *argv]) == status
    err = capsys.readouterr().err
    if message is None:
        assert "error" not in err
    else:
        assert len(err.strip().splitlines()) == 1 and message in err, err


def test_cli_on_a_directory_and_an_empty_device(tmp_path, capsys):
    from gdlogreg._cli import main

    for path, message in [(tmp_path, "cannot read"),
                          (os.devnull, "needs a header row")]:
        assert main(["--csv", str(path)]) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and message in err, err
