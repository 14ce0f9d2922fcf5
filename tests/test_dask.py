"""Dask input: chunk-wise fits that match the in-memory fit, lazy predictions.

Skipped when Dask is not installed (``pip install gdlogreg[dask]``).
"""

import inspect
import re
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sparse
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

import gdlogreg._solver
from gdlogreg import GradientDescentLogisticRegression

da = pytest.importorskip("dask.array")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

CHUNK = 70  # rows per chunk: every data set below has several chunks


def _data(n_classes=2, n=400, d=6, seed=0):
    X, y = make_classification(
        n, d, n_informative=4, n_redundant=0, n_classes=n_classes, random_state=seed
    )
    X[:, 0] = 50.0 * X[:, 0] + 20.0  # a feature of another unit and offset
    sw = np.random.default_rng(seed).uniform(0.2, 3.0, n)
    return X, y, sw


def _close(a, b, tol=1e-6):
    np.testing.assert_allclose(a, b, rtol=tol, atol=tol)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_fit_matches_in_memory_fit(n_classes, weighted):
    X, y, sw = _data(n_classes)
    sw = sw if weighted else None
    params = {"tol": 1e-8}
    ref = GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sw)
    Xd = da.from_array(X, chunks=(CHUNK, 3))  # column chunks are merged
    yd = da.from_array(y, chunks=CHUNK + 13)  # y is rechunked like X
    swd = None if sw is None else da.from_array(sw, chunks=CHUNK)
    model = GradientDescentLogisticRegression(**params).fit(Xd, yd, sample_weight=swd)
    assert Xd.numblocks[0] > 1
    _close(model.coef_, ref.coef_)
    _close(model.intercept_, ref.intercept_)
    _close(model.loss_curve_[-1], ref.loss_curve_[-1], 1e-10)
    np.testing.assert_array_equal(model.classes_, ref.classes_)
    assert model.converged_ and model.n_features_in_ == X.shape[1]
    assert model.coef_.dtype == np.float64 and isinstance(model.coef_, np.ndarray)


@pytest.mark.parametrize(
    "params",
    [
        {"solver": "gd", "learning_rate": 0.001},
        {"solver": "gd"},
        {"solver": "nesterov"},
        {"solver": "backtracking"},
        {"solver": "bb", "l1_ratio": 0.5, "C": 0.05},
        {"solver": "bb", "fit_intercept": False, "class_weight": "balanced"},
        {"solver": "nesterov", "class_weight": {0: 2.0, 1: 0.5, 2: 1.0}},
    ],
)
def test_every_solver_follows_the_in_memory_path(params):
    """A few iterations of each step rule: the same iterates as in memory."""
    X, y, sw = _data(3)
    params = {"max_iter": 30, **params}
    ref = GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sw)
    model = GradientDescentLogisticRegression(**params).fit(
        da.from_array(X, chunks=CHUNK), y, sample_weight=sw
    )
    assert model.n_iter_ == ref.n_iter_
    _close(model.coef_, ref.coef_)
    _close(model.intercept_, ref.intercept_)
    _close(model.loss_curve_, ref.loss_curve_, 1e-9)


def test_float32_is_fitted_in_float32():
    X, y, _ = _data()
    X = X.astype(np.float32)
    ref = GradientDescentLogisticRegression().fit(X, y)
    model = GradientDescentLogisticRegression().fit(da.from_array(X, chunks=CHUNK), y)
    assert model.coef_.dtype == np.float32
    _close(model.coef_, ref.coef_, 1e-3)


@pytest.mark.parametrize("fit_intercept", [True, False])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_exact_gradient_is_the_in_memory_one(n_classes, fit_intercept):
    """float32 chunks read in float64 for a stop's check: the value and gradient of the
    in-memory float32 backend's ``exact_gradient``, weights included."""
    from gdlogreg._backends import make_backend
    from gdlogreg._loss import BinaryLogLoss, MultinomialLogLoss

    X, y, sw = _data(n_classes)
    X = X.astype(np.float32)
    s = (sw / sw.sum()).astype(np.float32)
    loss = BinaryLogLoss() if n_classes == 2 else MultinomialLogLoss(n_classes, np)
    m = 1 if n_classes == 2 else n_classes
    base = np.random.default_rng(1).standard_normal((X.shape[1] + fit_intercept, m)) * 0.05
    want = make_backend(X, loss, y, s).exact_gradient(loss, base, fit_intercept)
    got = make_backend(da.from_array(X, chunks=CHUNK), loss, y,
                       da.from_array(s, chunks=CHUNK)).exact_gradient(loss, base, fit_intercept)
    assert got[1].dtype == np.float64 and got[1].shape == want[1].shape
    np.testing.assert_allclose(got[0], want[0], rtol=1e-12)
    np.testing.assert_allclose(got[1], want[1], rtol=1e-9, atol=1e-12)


def test_float32_l1_stop_is_confirmed_from_the_float64_gradient():
    """Review 209: Dask float32 chunks made no float64 gradient, so their L1 stops took
    no support take and stood "converged" 8.4e-6 above J* (numpy float32: 3e-11). Two
    classes of 300 × 2,200, 40 % of the weights 0, the others integers, L1 at C = 1e3."""
    r = np.random.RandomState(8)
    n, d = 300, 2200
    X = (r.randn(n, d) * (r.rand(n, d) < 0.05) * 3).astype(np.float32)
    y = np.argmax(X @ (r.randn(d, 2) * (r.rand(d, 1) < 0.1)) + 0.3 * r.randn(n, 2), axis=1)
    sw = np.where(r.rand(n) < 0.4, 0.0, r.randint(1, 5, n).astype(float))
    C = 1e3

    def J(model):
        w, b = model.coef_.astype(np.float64).ravel(), float(model.intercept_[0])
        t = np.where(y == 1, 1.0, -1.0)
        loss = np.logaddexp(0.0, -t * (X.astype(np.float64) @ w + b))
        return (sw @ loss + np.abs(w).sum() / C) / sw.sum()

    model = GradientDescentLogisticRegression(C=C, l1_ratio=1.0).fit(
        da.from_array(X, chunks=64), y, sample_weight=da.from_array(sw, chunks=64))
    ref = GradientDescentLogisticRegression(C=C, l1_ratio=1.0, tol=0.0, max_iter=20_000).fit(
        X.astype(np.float64), y, sample_weight=sw)
    J_star = min(J(ref), J(model))
    assert model.converged_ and model.coef_.dtype == np.float32
    assert (J(model) - J_star) / J_star <= 1e-6


@pytest.mark.parametrize("n_classes", [2, 3])
def test_predictions_are_lazy_dask_arrays(n_classes):
    X, y, _ = _data(n_classes)
    labels = np.array(["ant", "bee", "cat"])[y]  # string labels
    model = GradientDescentLogisticRegression().fit(X, labels)
    Xd = da.from_array(X, chunks=CHUNK)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        lazy = getattr(model, method)(Xd)
        assert isinstance(lazy, da.Array), method
        assert lazy.chunks[0] == Xd.chunks[0]
        expected = getattr(model, method)(X)
        if method == "predict":
            np.testing.assert_array_equal(lazy.compute(), expected)
        else:
            _close(lazy.compute(), expected, 1e-12)
    assert model.score(Xd, labels) == model.score(X, labels)


def test_dask_dataframe_input():
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y, sw = _data(3)
    columns = [f"f{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns).assign(target=y, weight=sw)
    ddf = dd.from_pandas(frame, npartitions=4)
    ref = GradientDescentLogisticRegression(tol=1e-8).fit(
        frame[columns], frame["target"], sample_weight=frame["weight"]
    )
    model = GradientDescentLogisticRegression(tol=1e-8).fit(
        ddf[columns], ddf["target"], sample_weight=ddf["weight"]
    )
    np.testing.assert_array_equal(model.feature_names_in_, columns)
    _close(model.coef_, ref.coef_)
    pred = model.predict(ddf[columns])
    assert isinstance(pred, da.Array)
    np.testing.assert_array_equal(pred.compute(), ref.predict(frame[columns]))
    with pytest.raises(ValueError, match="feature names"):
        model.predict(ddf[columns[::-1]])


def test_predictions_from_a_dask_dataframe_have_known_chunks():
    """Row counts are known, so predictions combine with the labels and score works."""
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y, _ = _data(3)
    columns = [f"f{j}" for j in range(X.shape[1])]
    frame = pd.DataFrame(X, columns=columns).assign(target=y)
    ddf = dd.from_pandas(frame, npartitions=4)
    model = GradientDescentLogisticRegression().fit(ddf[columns], ddf["target"])
    expected = model.score(frame[columns], y)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        lazy = getattr(model, method)(ddf[columns])
        assert not np.isnan(lazy.shape[0]), method
        assert sum(lazy.chunks[0]) == len(y), method
    pred = model.predict(ddf[columns])
    for y_dask in (ddf["target"].to_dask_array(lengths=True), da.from_array(y, chunks=CHUNK)):
        assert float((pred == y_dask).mean().compute()) == pytest.approx(expected)
    assert model.score(ddf[columns], ddf["target"]) == pytest.approx(expected)


def test_data_are_persisted_once_not_recomputed_per_iteration():
    """Every chunk of X is produced once, whatever the number of iterations."""
    X, y, _ = _data(n=500)
    calls = []
    lock = threading.Lock()

    def produce(block):
        with lock:
            calls.append(block.shape)
        return block

    Xd = da.from_array(X, chunks=CHUNK).map_blocks(produce, meta=np.empty((0, 0)))
    model = GradientDescentLogisticRegression(tol=1e-8).fit(Xd, y)
    assert model.n_iter_ > 5  # many passes, each reading the persisted chunks
    assert len(calls) == Xd.numblocks[0]
    # About one pass over X per iteration: the loss and X.T @ r in the same tasks.
    assert model._dask_passes <= model.n_iter_ + 10


def test_warm_start_from_the_previous_fit():
    X, y, _ = _data()
    Xd = da.from_array(X, chunks=CHUNK)
    model = GradientDescentLogisticRegression(warm_start=True, tol=1e-8).fit(Xd, y)
    n_first = model.n_iter_
    model.fit(Xd, y)
    assert model.n_iter_ < max(n_first // 4, 3)


def test_verbose_and_keep_path(capsys):
    X, y, _ = _data()
    params = {"verbose": 2, "keep_path": True, "max_iter": 5}
    ref = GradientDescentLogisticRegression(**params).fit(X, y)
    capsys.readouterr()
    model = GradientDescentLogisticRegression(**params).fit(da.from_array(X, chunks=CHUNK), y)
    out = capsys.readouterr().out
    assert out.count("iter ") == 6 and "stopped after 5 iterations: max_iter" in out
    assert model.coef_path_.shape == ref.coef_path_.shape == (6, 1, X.shape[1])
    _close(model.coef_path_, ref.coef_path_)
    _close(model.intercept_path_, ref.intercept_path_)


@pytest.mark.parametrize(
    "change, match",
    [
        ({"X": "nan"}, "NaN or infinity"),
        ({"X": "1d"}, "Expected 2D array"),
        ({"y": "one-class"}, "only one class"),
        ({"y": "continuous"}, "Unknown label type"),
        ({"y": "short"}, "inconsistent numbers of samples"),
        ({"sample_weight": "negative"}, "Negative values"),
        ({"sample_weight": "zero"}, "sum to zero"),
    ],
)
def test_invalid_input(change, match):
    X, y, sw = _data(n=100)
    X = X.copy()
    kind = next(iter(change.values()))
    if kind == "nan":
        X[3, 1] = np.nan
    Xd = da.from_array(X, chunks=30)
    if kind == "1d":
        Xd = Xd[:, 0]
    y = {"one-class": np.zeros(100), "continuous": X[:, 1], "short": y[:50]}.get(kind, y)
    sw = {"negative": -sw, "zero": 0 * sw}.get(kind, sw)
    with pytest.raises(ValueError, match=match):
        GradientDescentLogisticRegression().fit(Xd, da.from_array(y, chunks=30), sample_weight=sw)


@pytest.mark.parametrize(
    "sample_weight, match",
    [
        (np.inf, "sample_weight must be finite, got inf"),
        (-np.inf, "sample_weight must be finite, got -inf"),
        (np.nan, "sample_weight must be finite, got nan"),
        (np.float32(np.inf), "sample_weight must be finite"),
        ("nan-in-array", "Input sample_weight contains NaN"),
        ("inf-in-array", "Input sample_weight contains infinity"),
        ("-inf-in-array", "Input sample_weight contains infinity"),
        ("negative-in-array", "Negative values in data passed to `sample_weight`"),
    ],
)
def test_non_finite_or_negative_sample_weight_is_refused(sample_weight, match):
    """Scalars are checked before they are broadcast; Dask arrays in the one checking pass."""
    X, y, sw = _data(n=100)
    if isinstance(sample_weight, str):
        sw = sw.copy()
        sw[37] = {"nan": np.nan, "inf": np.inf, "-inf": -np.inf, "negative": -1.0}[
            sample_weight.removesuffix("-in-array")
        ]
        sample_weight = da.from_array(sw, chunks=30)
    with pytest.raises(ValueError, match=re.escape(match)):
        GradientDescentLogisticRegression().fit(
            da.from_array(X, chunks=30), y, sample_weight=sample_weight
        )


def _sparse_chunks(X, how):
    if how == "from_array":
        return da.from_array(sparse.csr_matrix(X), chunks=(CHUNK, 4))
    Xd = da.from_array(X, chunks=(CHUNK, 4))
    if how == "map_blocks":
        return Xd.map_blocks(sparse.csr_matrix)
    if how == "sparse array":
        return Xd.map_blocks(sparse.csr_array)
    # Dense metadata, sparse chunks: only the chunks themselves tell.
    return Xd.map_blocks(sparse.csr_matrix, meta=np.empty((0, 0)))


@pytest.mark.parametrize("how", ["from_array", "map_blocks", "sparse array", "dense meta"])
def test_fit_on_sparse_chunks_says_what_to_do(how):
    X, y, _ = _data()
    Xs = _sparse_chunks(X, how)
    with pytest.raises(TypeError, match=r"(?s)sparse.*not supported.*toarray.*scipy\.sparse"):
        GradientDescentLogisticRegression().fit(Xs, y)
    # What the message suggests works: densified chunks, the dense fit.
    dense = Xs.map_blocks(lambda b: b.toarray(), dtype=Xs.dtype)
    model = GradientDescentLogisticRegression().fit(dense, y)
    _close(model.coef_, GradientDescentLogisticRegression().fit(X, y).coef_)


@pytest.mark.parametrize("how", ["from_array", "map_blocks", "sparse array", "dense meta"])
def test_predictions_on_sparse_chunks(how):
    """Predicting needs only X w per chunk: sparse chunks give the dense results."""
    X, y, _ = _data(3)
    model = GradientDescentLogisticRegression().fit(X, y)
    Xs = _sparse_chunks(X, how)
    for method in ("predict", "predict_proba", "predict_log_proba", "decision_function"):
        lazy = getattr(model, method)(Xs)
        assert isinstance(lazy, da.Array), method
        result = lazy.compute()
        assert isinstance(result, np.ndarray), method
        expected = getattr(model, method)(X)
        if method == "predict":
            np.testing.assert_array_equal(result, expected)
        else:
            _close(result, expected, 1e-12)


def test_wrong_number_of_features_at_predict():
    X, y, _ = _data()
    model = GradientDescentLogisticRegression().fit(da.from_array(X, chunks=CHUNK), y)
    with pytest.raises(ValueError, match="expecting 6 features"):
        model.predict(da.from_array(X[:, :4], chunks=CHUNK))


@pytest.mark.parametrize(
    "method", ["predict", "predict_proba", "predict_log_proba", "decision_function"]
)
def test_predicting_before_fit_raises_not_fitted(method):
    X, _, _ = _data()
    with pytest.raises(NotFittedError):
        getattr(GradientDescentLogisticRegression(), method)(da.from_array(X, chunks=CHUNK))


@pytest.mark.slow
def test_the_solver_does_not_know_dask_and_numpy_fits_do_not_import_it():
    assert "dask" not in inspect.getsource(gdlogreg._solver)
    code = (
        "import sys; import numpy as np; from gdlogreg import GradientDescentLogisticRegression"
        " as G; G().fit(np.r_[0., 1, 2, 3][:, None], [0, 0, 1, 1]).predict([[1.]]);"
        " assert not [m for m in sys.modules if m.startswith('dask')]"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.slow
def test_the_user_guide_example_runs(capsys):
    """The code blocks of docs/dask.rst, run in order (one starts a LocalCluster)."""
    pytest.importorskip("distributed")
    pytest.importorskip("dask.dataframe")
    page = Path(__file__).resolve().parents[1] / "docs" / "dask.rst"
    if not page.exists():
        pytest.skip("no docs/ in this checkout")
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", page.read_text())
    assert len(blocks) == 3
    namespace = {}
    for block in blocks:
        exec(textwrap.dedent(block), namespace)
    out = capsys.readouterr().out
    assert "accuracy: 0.9" in out and "True" in out and "['x0', 'x1', 'x2']" in out


# ---------------------------------------------------------- a real cluster
@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as client:
        yield client


@pytest.mark.slow
def test_fit_on_a_local_cluster_of_two_worker_processes(client):
    X, y, sw = _data(3)
    ref = GradientDescentLogisticRegression().fit(X, y, sample_weight=sw)
    Xd = da.from_array(X, chunks=CHUNK)
    swd = da.from_array(sw, chunks=CHUNK)
    model = GradientDescentLogisticRegression().fit(Xd, y, sample_weight=swd)
    _close(model.coef_, ref.coef_)
    _close(model.intercept_, ref.intercept_)
    proba = model.predict_proba(Xd)
    assert isinstance(proba, da.Array)
    _close(proba.compute(), ref.predict_proba(X))
    # The chunks were spread over both workers.
    assert len(client.scheduler_info()["workers"]) == 2


@pytest.mark.parametrize("kind", ["float", "int"])
def test_many_classes_warning_counts_samples_not_labels(kind):
    """scikit-learn's "more classes than half of the samples" warning on Dask as in
    memory: not for 25 float classes of 500 rows (the check of the 25 unique labels alone
    gave it), and given for 30 classes of 40 rows."""
    import warnings

    def fit(n, n_classes):
        y = (np.arange(n) % n_classes).astype(float if kind == "float" else int)
        X = np.random.default_rng(0).normal(size=(n, 3))
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            GradientDescentLogisticRegression(max_iter=3).fit(
                da.from_array(X, chunks=CHUNK), da.from_array(y, chunks=CHUNK))
        return sum("greater than 50%" in str(w.message) for w in record)

    assert fit(500, 25) == 0
    assert fit(40, 30) == 1
