"""Shared test helpers: an independent computation of the cost J, row blocks, fuzz sizes."""

import os

import numpy as np
import pytest
from scipy.special import logsumexp

from gdlogreg._backends import _array, _threads
from gdlogreg._steps import bb

# CI (CI=true) draws the same hypothesis examples on every run, so that a submission's CI
# passes or fails on its code, not on the draw; local runs draw afresh, and found the case
# of tests/test_hostile.py::test_a_weight_past_float32s_range_is_held_at_its_largest_float
try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:  # (hypothesis is in the test extra; the doctests run without it)
    _hypothesis_settings = None
if _hypothesis_settings is not None and os.environ.get("CI", "").lower() in ("1", "true"):
    _hypothesis_settings.register_profile("ci", derandomize=True)
    _hypothesis_settings.load_profile("ci")


def backend_of_kind(X, s, kind):
    """``(backend, ctx)``: the backend of ``kind`` for numpy X and the weights s (a float:
    equal): "dense", "fortran", "float32", "csr", "csc", "dask", or an array namespace's
    module name (its dispatch context entered: ctx, to exit; None elsewhere)."""
    from gdlogreg._backends import make_backend
    from gdlogreg._loss import BinaryLogLoss

    y = np.zeros(X.shape[0], dtype=np.intp)
    if kind in ("dense", "fortran", "float32", "csr", "csc"):
        import scipy.sparse as sp

        data = {"dense": X, "fortran": np.asfortranarray(X), "float32": X.astype(np.float32),
                "csr": sp.csr_matrix(X), "csc": sp.csc_matrix(X)}[kind]
        return make_backend(data, BinaryLogLoss(), y, s), None
    if kind == "dask":
        da = pytest.importorskip("dask.array")
        chunks = max(1, X.shape[0] // 3)
        sd = s if isinstance(s, float) else da.from_array(s, chunks=(chunks,))
        return make_backend(da.from_array(X, chunks=(chunks, -1)), BinaryLogLoss(), y, sd), None
    pytest.importorskip("scipy", minversion="1.14")  # sklearn's array-API dispatch needs it
    from sklearn import config_context

    xp = pytest.importorskip(kind)
    ctx = config_context(array_api_dispatch=True)
    ctx.__enter__()
    sa = s if isinstance(s, float) else xp.asarray(s)
    return make_backend(xp.asarray(X), BinaryLogLoss(), y, sa), ctx


def objective(X, y, coef, intercept, classes, *, C=1.0, l1_ratio=0.0, sample_weight=None):
    """J(w, b) computed from scratch (not with gdlogreg's code).

    Weighted mean log-loss plus (1 - l1_ratio)/(2 C Σs) ‖w‖² + l1_ratio/(C Σs) ‖w‖₁:
    LogisticRegression's objective divided by C Σs.
    """
    X = X.toarray() if hasattr(X, "toarray") else np.asarray(X)
    X = X.astype(np.float64)
    s = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    coef = np.asarray(coef, np.float64)
    z = X @ coef.T + np.asarray(intercept, np.float64)
    if coef.shape[0] == 1:
        t = (np.asarray(y) == classes[1]).astype(float)
        losses = np.logaddexp(0.0, z[:, 0]) - t * z[:, 0]
    else:
        idx = np.searchsorted(classes, y)
        losses = logsumexp(z, axis=1) - z[np.arange(len(idx)), idx]
    penalty = 0.0
    if np.isfinite(C):
        penalty = ((1 - l1_ratio) / 2 * np.sum(coef**2) + l1_ratio * np.abs(coef).sum()) / (
            C * s.sum()
        )
    return float(s @ losses / s.sum() + penalty)


def blas_kernel():
    """OpenBLAS's kernels under numpy ("Haswell", "SkylakeX", ...), or None. The counts
    the docs quote of long or ill-posed fits, and float32 paths, are one machine's
    rounding: the project's were measured with the Haswell kernels (an AMD EPYC at one
    thread), and the SkylakeX ones (AVX-512: a Zen 4 EPYC, an Intel Xeon) sum in another
    order. ``OPENBLAS_CORETYPE=Haswell`` gives those figures on either."""
    from threadpoolctl import threadpool_info

    np.ones(1) @ np.ones(1)  # numpy's OpenBLAS loaded
    for info in threadpool_info():
        if info.get("internal_api") == "openblas" and "numpy" in info.get("filepath", ""):
            return info.get("architecture")
    return None


def fuzz_examples(n):
    """A property test's number of examples: n in the suite, GDLOGREG_FUZZ_SCALE times n
    for a sweep (``GDLOGREG_FUZZ_SCALE=50 pytest tests/test_review90.py``)."""
    return max(1, round(n * float(os.environ.get("GDLOGREG_FUZZ_SCALE", "1"))))


@pytest.fixture
def J():
    return objective


@pytest.fixture(params=["one", "several", "threads"])
def blocks(request, monkeypatch):
    """One row block; several of 37 rows (the last partial); several on three threads."""
    if request.param != "one":
        monkeypatch.setattr(_array, "CHUNK", 37)
    if request.param == "threads":
        monkeypatch.setattr(_array, "MIN_SHARE", 1)
        monkeypatch.setattr(_threads, "thread_limit", lambda: 3)
    return request.param


@pytest.fixture
def verdicts(monkeypatch):
    """The verdicts of bb's BarzilaiBorwein.confirms (the Newton decrement's), in order."""
    seen, real = [], bb.BarzilaiBorwein.confirms

    def spy(self, objective, point, target, H=None):
        verdict = real(self, objective, point, target, H)
        seen.append(verdict)
        return verdict

    monkeypatch.setattr(bb.BarzilaiBorwein, "confirms", spy)
    return seen


@pytest.fixture
def routing():
    """scikit-learn's metadata routing on for the test (reviews 83, 86)."""
    import sklearn

    with sklearn.config_context(enable_metadata_routing=True):
        yield
