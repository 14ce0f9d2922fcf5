"""The estimator and the CV search on a CUDA device (torch), and the same tests on
torch's CPU device.

Each test runs on ``device`` "cpu" and "cuda"; "cuda" skips where there is no
GPU (CI has none: these ran where one was lent, recorded in benchmarks/README.md,
"GPU"), so the file's logic is checked on every machine. The device-memory and
CuPy tests are for CUDA only.
"""

import numpy as np
import pytest
from scipy.special import logsumexp
from sklearn import config_context
from sklearn.datasets import load_breast_cancer, load_iris, make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

torch = pytest.importorskip("torch")
pytest.importorskip("scipy", minversion="1.14")  # sklearn's array-API dispatch needs it
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=needs_cuda)])
def device(request):
    return request.param


def _dev(a, device, dtype=None):
    return torch.asarray(a, device=device, dtype=dtype)


def _host(t):
    return t.cpu().numpy()


def _J(X, y, coef, intercept, C=1.0):
    """The cost in float64 on the host: mean log-loss + ‖W‖²/(2 C n) (softmax for K > 2)."""
    X, coef, intercept = (np.asarray(a, dtype=np.float64) for a in (X, coef, intercept))
    z = X @ coef.T + intercept
    if z.shape[1] == 1:
        z = z[:, 0]
        loss = np.logaddexp(0.0, z) - (y == y.max()) * z
    else:
        loss = logsumexp(z, axis=1) - z[np.arange(len(y)), np.searchsorted(np.unique(y), y)]
    return loss.mean() + np.sum(coef**2) / (2.0 * C * len(y))


def _fit_tight(X, y):
    ref = LogisticRegression(tol=1e-12, max_iter=10_000).fit(X, y)
    return ref.coef_, ref.intercept_


def _on_device(model, device, names=("coef_", "intercept_", "loss_curve_", "n_iter_")):
    for name in names:
        assert getattr(model, name).device.type == device, name


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_fit_on_the_gpu_matches_the_cpu(n_classes, dtype, device):
    X, y = make_classification(2000, 20, n_informative=10, n_classes=n_classes, random_state=0)
    X = X.astype(dtype)
    cpu = GradientDescentLogisticRegression().fit(X, y)
    Xg, yg = _dev(X, device), _dev(y, device)
    with config_context(array_api_dispatch=True):
        gpu = GradientDescentLogisticRegression().fit(Xg, yg)
        proba = gpu.predict_proba(Xg)
        pred = gpu.predict(Xg)
        decision = gpu.decision_function(Xg)
        score = gpu.score(Xg, yg)
    _on_device(gpu, device)
    for out in (proba, pred, decision):
        assert out.device.type == device
    assert gpu.coef_.dtype == getattr(torch, dtype)
    assert proba.dtype == getattr(torch, dtype)
    if dtype == "float64":
        np.testing.assert_allclose(_host(gpu.coef_), cpu.coef_, rtol=1e-6, atol=1e-8)
        np.testing.assert_array_equal(_host(pred), cpu.predict(X))
    else:
        # float32 sums in another order take another path to a point as good as
        # numpy's: both within the float32 tolerance (50 ε) of the optimum.
        X64 = X.astype(np.float64)
        J_star = _J(X64, y, *_fit_tight(X64, y))
        for coef, b in [(_host(gpu.coef_), _host(gpu.intercept_)), (cpu.coef_, cpu.intercept_)]:
            assert _J(X64, y, coef, b) - J_star <= 1e-5 * J_star
        assert (_host(pred) == cpu.predict(X)).mean() >= 0.995
    assert float(score) == pytest.approx(cpu.score(X, y), abs=1e-3)
    ref = LogisticRegression().fit(X, y)
    assert (_host(pred) == ref.predict(X)).mean() > 0.99


@pytest.mark.slow
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(
    "params",
    [
        {"solver": "gd"},
        {"solver": "nesterov"},
        # With an L1 part the sums' order (torch's, not numpy's) moves the path by
        # rounding: fitted to tol=1e-10 both reach the same model.
        {"solver": "backtracking", "l1_ratio": 0.5, "tol": 1e-10, "max_iter": 5000},
        {"solver": "bb", "l1_ratio": 1.0, "C": 0.5, "tol": 1e-10, "max_iter": 5000},
        {"solver": "lbfgs"},
        {"class_weight": "balanced", "fit_intercept": False},
        {"solver": "gd", "learning_rate": 0.5, "max_iter": 50},
        {"C": np.inf, "max_iter": 200},
    ],
)
def test_every_path_on_the_gpu_matches_numpy(n_classes, params, device):
    """Each solver and penalty, weighted, with class weights: the numpy fit's model."""
    X, y = make_classification(300, 8, n_informative=5, n_classes=n_classes, random_state=1)
    sw = np.linspace(0.5, 2.0, len(y))
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression(**params).fit(
            _dev(X, device), _dev(y, device), sample_weight=_dev(sw, device)
        )
        proba = model.predict_proba(_dev(X, device))
    _on_device(model, device)
    ref = GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sw)
    atol = 1e-6 if "l1_ratio" in params else 1e-8
    if params.get("C") == np.inf:
        # 3 of the 8 features are redundant: without a penalty the minimisers are a plane
        # (X with the intercept of rank 7 of 9), where the whitened steps (review 85) leave
        # each backend's rounding; J and the predictions are the same model's (J to 1.3e-12
        # on the CPU's array API, binary, the metric taken from iteration 2)
        J = float(_host(model.loss_curve_[-1]))
        assert abs(J - ref.loss_curve_[-1]) <= 1e-11 * ref.loss_curve_[-1]
        np.testing.assert_allclose(_host(proba), ref.predict_proba(X), rtol=1e-5, atol=1e-6)
    else:
        np.testing.assert_allclose(_host(model.coef_), ref.coef_, rtol=1e-6, atol=atol)
        np.testing.assert_allclose(_host(model.intercept_), ref.intercept_, rtol=1e-6,
                                   atol=atol)
        np.testing.assert_allclose(_host(proba), ref.predict_proba(X), rtol=1e-6, atol=atol)
    if "l1_ratio" not in params:  # to tol=1e-10 an L1 path's length is rounding's (418 or 558)
        n_ref = int(ref.n_iter_[0])
        assert abs(int(model.n_iter_[0]) - n_ref) <= max(2, n_ref // 10)


def test_warm_start_on_the_gpu_continues_from_its_model(device):
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression(warm_start=True, tol=1e-8)
        model.fit(_dev(X, device), _dev(y, device))
        first = _host(model.coef_).copy()
        model.fit(_dev(X, device), _dev(y, device))
    assert int(model.n_iter_[0]) <= 3
    np.testing.assert_allclose(_host(model.coef_), first, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
@pytest.mark.parametrize("loader", [load_breast_cancer, load_iris])
def test_cv_search_on_the_gpu_matches_numpy(loader, solver, device):
    """The batched search (every C and fold a column of W) on the device: numpy's scores."""
    X, y = loader(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    params = dict(Cs=[0.01, 1.0, 100.0], tol=1e-8, solver=solver)
    ref = GradientDescentLogisticRegressionCV(**params).fit(X, y)
    with config_context(array_api_dispatch=True):
        search = GradientDescentLogisticRegressionCV(**params).fit(
            _dev(X, device), _dev(y, device)
        )
        pred = search.predict(_dev(X, device))
    assert pred.device.type == device
    np.testing.assert_array_equal(_host(search.C_), ref.C_)
    for f in range(5):
        key = f"split{f}_test_score"
        np.testing.assert_allclose(search.cv_results_[key], ref.cv_results_[key], atol=1e-9)
    np.testing.assert_allclose(_host(search.coef_), ref.coef_, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize(
    "bad, match",
    [
        ("nan", "NaN"),
        ("inf_weight", "sample_weight"),
        ("one_class", "class"),
    ],
)
def test_bad_input_on_the_gpu_is_refused(bad, match, device):
    X, y = make_classification(100, 4, random_state=0)
    sw = np.ones(len(y))
    if bad == "nan":
        X[3, 1] = np.nan
    elif bad == "inf_weight":
        sw[5] = np.inf
    else:
        y[:] = 1
    with config_context(array_api_dispatch=True), pytest.raises(ValueError, match=match):
        GradientDescentLogisticRegression().fit(
            _dev(X, device), _dev(y, device), sample_weight=_dev(sw, device)
        )


@needs_cuda
def test_a_fit_on_the_gpu_allocates_no_copy_of_x():
    """Peak device memory of a fit: a few n-vectors beside X, never a second X."""
    n, d = 400_000, 64
    g = torch.Generator(device="cuda").manual_seed(0)
    X = torch.randn(n, d, device="cuda", dtype=torch.float32, generator=g)
    y = (X[:, 0] + 0.5 * torch.randn(n, device="cuda", generator=g) > 0).to(torch.float32)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    base = torch.cuda.memory_allocated()
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression().fit(X, y)
    torch.cuda.synchronize()
    extra = torch.cuda.max_memory_allocated() - base
    assert extra < 0.5 * X.numel() * X.element_size(), extra
    assert model.coef_.dtype == torch.float32
    cpu = GradientDescentLogisticRegression().fit(_host(X), _host(y))
    np.testing.assert_allclose(_host(model.coef_), cpu.coef_, rtol=2e-3, atol=2e-3)


@pytest.mark.parametrize("n_classes", [2, 3])
@needs_cuda
def test_cupy_arrays_fit_as_numpy_does(n_classes):
    """CuPy input (array-API dispatch through array_api_compat): numpy's model, on the GPU."""
    cp = pytest.importorskip("cupy")
    X, y = make_classification(500, 10, n_informative=6, n_classes=n_classes, random_state=2)
    sw = np.linspace(0.5, 2.0, len(y))
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression().fit(
            cp.asarray(X), cp.asarray(y), sample_weight=cp.asarray(sw)
        )
        proba = model.predict_proba(cp.asarray(X))
    assert isinstance(model.coef_, cp.ndarray) and isinstance(proba, cp.ndarray)
    ref = GradientDescentLogisticRegression().fit(X, y, sample_weight=sw)
    np.testing.assert_allclose(cp.asnumpy(model.coef_), ref.coef_, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(cp.asnumpy(proba), ref.predict_proba(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_whitened_steps_on_the_gpu_follow_numpys_path(n_classes, device, monkeypatch):
    """Raw, badly scaled features: bb switches to the curvature metric (its Gram taken on the
    device, weighted by s·κ) and takes numpy's path, far shorter than the plain steps'."""
    from gdlogreg import _batch
    from gdlogreg._steps import bb

    X, y = make_classification(3000, 12, n_informative=6, n_classes=n_classes, random_state=3)
    X = X * np.logspace(-2, 3, X.shape[1]) + np.linspace(0.0, 1e3, X.shape[1])
    sw = np.linspace(0.5, 2.0, len(y))
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression().fit(
            _dev(X, device), _dev(y, device), sample_weight=_dev(sw, device)
        )
    ref = GradientDescentLogisticRegression().fit(X, y, sample_weight=sw)
    assert model.converged_ and ref.converged_
    n, n_ref = int(model.n_iter_[0]), int(ref.n_iter_[0])
    assert abs(n - n_ref) <= 2, (n, n_ref)
    np.testing.assert_allclose(_host(model.coef_), ref.coef_, rtol=1e-5, atol=1e-7)
    monkeypatch.setattr(bb, "WHITEN_RHO", np.inf)
    monkeypatch.setattr(_batch, "WHITEN_RHO", np.inf)
    plain = GradientDescentLogisticRegression(max_iter=5000).fit(X, y, sample_weight=sw)
    assert n * 2 <= int(plain.n_iter_[0]), (n, plain.n_iter_)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_the_curvature_gram_on_the_gpu_is_numpys(n_classes, weighted, device):
    """The centred Gram of the whitened steps' metric, taken by row blocks on the device
    in float64 (plain, and weighted by s·ρ at a prediction Z): numpy's to rounding."""
    from gdlogreg._loss import CurvatureShare
    from gdlogreg._problem import make_problem

    X, y = make_classification(3000, 12, n_informative=6, n_classes=n_classes, random_state=3)
    X = (X * np.logspace(-2, 3, X.shape[1]) + 1e3).astype(np.float32)
    y_idx = y == 1 if n_classes == 2 else y
    sw = np.linspace(0.5, 2.0, len(y)) if weighted else None
    mean, scale = X.mean(axis=0, dtype=np.float64), 1.0 / X.std(axis=0, dtype=np.float64)
    m = 1 if n_classes == 2 else n_classes
    V = np.random.default_rng(0).standard_normal((13, m)).astype(np.float32) * 0.01
    args = dict(C=1.0, l1_ratio=0.0, fit_intercept=True)
    cpu = make_problem(X, y_idx, sw, n_classes, **args).backend
    with config_context(array_api_dispatch=True):
        gpu = make_problem(_dev(X, device), _dev(y_idx, device),
                           None if sw is None else _dev(sw, device, torch.float32),
                           n_classes, **args).backend
        rows = CurvatureShare(max(m, 2))
        Z = cpu.linear(V, True)  # one Z for both: float32 products round otherwise
        for at in [(), (rows,)]:
            G = gpu.centred_gram(mean, scale, *at, *[_dev(np.array(Z), device)] * len(at))
            ref = cpu.centred_gram(mean, scale, *at, *[Z] * len(at))
            assert isinstance(G, np.ndarray) and G.dtype == np.float64
            # s and ρ in float32 (X's dtype: the weights' normalisation and exp round
            # alike to an ulp on either side), the sums in float64
            tol = 1e-6 if at or weighted else 1e-12
            np.testing.assert_allclose(G, ref, rtol=tol, atol=tol * np.abs(ref).max())


@pytest.mark.parametrize("labels", ["float", "bool", "int8"])
def test_labels_are_encoded_on_the_device_as_numpy_encodes_them(labels, device):
    X, y = make_classification(400, 6, n_informative=4, n_classes=3, random_state=4)
    y = {"float": y * 3.0 - 1.0, "bool": y == 1, "int8": y.astype(np.int8)}[labels]
    params = dict(class_weight="balanced")
    ref = GradientDescentLogisticRegression(**params).fit(X, y)
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression(**params).fit(_dev(X, device), _dev(y, device))
        pred = model.predict(_dev(X, device))
    # classes_ in y's namespace and on its device, as LogisticRegression's (unique_values(y))
    assert type(model.classes_) is type(_dev(y, device))
    assert _host(model.classes_).dtype == ref.classes_.dtype
    np.testing.assert_array_equal(_host(model.classes_), ref.classes_)
    np.testing.assert_allclose(_host(model.coef_), ref.coef_, rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(_host(pred), ref.predict(X))


def test_numeric_labels_on_xs_device_are_not_encoded_on_the_host(device, monkeypatch):
    """The host encoder (numpy's unique of labels copied off the device: a quarter of a
    GPU fit of 2e6 rows) is not called for labels of X's namespace and device."""
    from gdlogreg import _estimator

    def host(y):
        raise AssertionError("labels encoded on the host")

    X, y = make_classification(300, 5, random_state=0)
    monkeypatch.setattr(_estimator, "_encode", host)
    with config_context(array_api_dispatch=True):
        model = GradientDescentLogisticRegression().fit(_dev(X, device), _dev(y, device))
    np.testing.assert_array_equal(model.classes_, [0, 1])
