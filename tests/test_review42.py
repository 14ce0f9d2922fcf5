"""Review 42: threads and concurrency (gdlogreg/_backends/_threads.py).

Fits from several Python threads at once, and searches on joblib's threading and
loky backends, must each give the bits of the same fit run alone: a pass of one
fit holds the BLAS at one thread process-wide (``single_threaded_blas``), and the
thread count of another fit's passes must not read that hold as a limit. Every
wait has a timeout, so that a deadlock fails rather than hangs.
"""

import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg._backends import _array, _threads

TIMEOUT = 120  # seconds for any wait below


@pytest.fixture
def two_threads(monkeypatch):
    """Small row blocks, passes on threads at any size, a limit of two threads set by the
    BLAS (not pinned: ``thread_limit`` is the real one), whatever the machine."""
    if not _threads._blas_controllers():
        pytest.skip("threadpoolctl finds no BLAS here")
    monkeypatch.setattr(_array, "CHUNK", 37)
    monkeypatch.setattr(_array, "MIN_SHARE", 1)
    monkeypatch.setattr(_threads, "cores", lambda: 2)
    monkeypatch.setattr(_threads, "_env", None)  # whatever OMP_NUM_THREADS was at the start
    with threadpool_limits(2, user_api="blas"):
        if any(lib.num_threads != 2 for lib in _threads._blas_controllers()):
            pytest.skip("the BLAS here does not take two threads")
        yield


def _data(n_classes, fmt="dense", n=600, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.7)
    y = (X @ rng.standard_normal((d, n_classes))).argmax(axis=1)
    noise = rng.random(n) < 0.2
    y[noise] = rng.integers(0, n_classes, np.count_nonzero(noise))
    if fmt == "csr":
        X = sp.csr_matrix(X)
    elif fmt == "f32":
        X = X.astype(np.float32)
    return X, y


def _params(model):
    return np.r_[model.coef_.ravel(), np.ravel(model.intercept_)]


def _fit(est, X, y):
    return _params(clone(est).fit(X, y))


def test_a_pass_of_another_fit_is_not_a_thread_limit(two_threads):
    """While a pass of fit A holds the BLAS at one thread, fit B's passes still count
    two threads: B gives the bits it gives alone. Before: ``thread_limit`` read the
    hold as the user's limit, B ran its passes on one thread, and its gradient's sums
    (per thread's part) came out otherwise (dense 600 x 6, 3 classes: 1e-16 apart)."""
    X, y = _data(3)
    est = GD(solver="bb", tol=1e-10, max_iter=300)
    alone = _fit(est, X, y)
    assert _threads.thread_limit() == 2
    pass_of_a = _threads.single_threaded_blas()
    pass_of_a.__enter__()
    try:
        assert max(lib.num_threads for lib in _threads._blas_controllers()) == 1
        assert _threads.thread_limit() == 2
        during = _fit(est, X, y)
    finally:
        pass_of_a.__exit__(None, None, None)
    np.testing.assert_array_equal(during, alone)
    assert _threads._blas_users == 0
    assert all(lib.num_threads == 2 for lib in _threads._blas_controllers())


@pytest.mark.slow
@pytest.mark.parametrize("same_x", [True, False], ids=["same_X", "other_X"])
def test_fits_on_python_threads_at_once_give_their_fits_alone(two_threads, same_x):
    """Four estimators (binary, 3 classes, CSR, float32) fitted on a ThreadPoolExecutor,
    three rounds, each equal bit for bit to its fit alone; no deadlock."""
    X, y = _data(3)
    jobs = [
        (GD(solver="bb", tol=1e-10, max_iter=300), *_data(2, seed=1)),
        (GD(solver="nesterov", C=0.1, tol=1e-10, max_iter=300), X, y),
        (GD(solver="lbfgs", tol=1e-10, max_iter=300), *_data(3, "csr", seed=2)),
        (GD(solver="bb", tol=1e-6, max_iter=300), *_data(4, "f32", seed=3)),
    ]
    if same_x:
        jobs = [(est, X, y) for est, _, _ in jobs]
    alone = [_fit(*job) for job in jobs]
    with ThreadPoolExecutor(len(jobs)) as pool:
        for _ in range(3):
            futures = [pool.submit(_fit, *job) for job in jobs]
            together = [f.result(timeout=TIMEOUT) for f in futures]
            for a, b in zip(together, alone, strict=True):
                np.testing.assert_array_equal(a, b)
    assert _threads._blas_users == 0
    assert all(lib.num_threads == 2 for lib in _threads._blas_controllers())


@pytest.mark.slow
def test_grid_search_on_two_threading_jobs_gives_the_serial_search(two_threads):
    """GridSearchCV(n_jobs=2) on joblib's threading backend: the serial search's scores
    and best model, bit for bit, no oversubscription warning."""
    from joblib import parallel_backend

    X, y = _data(3, n=900)
    grid = {"C": [0.1, 1.0], "solver": ["bb", "nesterov"]}
    est = GD(tol=1e-8, max_iter=300)
    serial = GridSearchCV(est, grid, cv=3).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # joblib's oversubscription warning
        with parallel_backend("threading", n_jobs=2):
            parallel = GridSearchCV(est, grid, cv=3, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(parallel.cv_results_["mean_test_score"],
                                  serial.cv_results_["mean_test_score"])
    assert parallel.best_params_ == serial.best_params_
    np.testing.assert_array_equal(_params(parallel.best_estimator_),
                                  _params(serial.best_estimator_))
    assert _threads._blas_users == 0


# ------------------------------------------- threadpoolctl 3.8's owner of OpenBLAS


def _blas_threads():
    return [lib.num_threads for lib in _threads._blas_controllers()]


def _in_thread(fn):
    """``fn()`` on a new Python thread, with a timeout."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn).result(timeout=TIMEOUT)


def test_a_pass_on_another_thread_holds_the_blas_at_one_thread(two_threads):
    """The main thread sets the BLAS (here ``threadpool_limits(2)``); a pass on another
    thread must still hold it at one thread and give it back. Before: threadpoolctl
    3.8 let only the main thread (its first caller) set OpenBLAS and the pass's set
    did nothing: inside the pass the BLAS read [2, 2], so that each of the pool's
    threads ran two BLAS threads."""

    def hold():
        with _threads.single_threaded_blas():
            return _blas_threads()

    assert set(_in_thread(hold)) == {1}
    assert set(_blas_threads()) == {2} and _threads._blas_users == 0


def test_a_fit_on_a_live_thread_leaves_threadpool_limits_to_the_others(two_threads):
    """After a fit whose passes held the BLAS on a thread that lives on (a worker of a
    pool), ``threadpool_limits(1)`` in the main thread must limit the BLAS. Before: the
    pass's ``set_num_threads`` made that worker threadpoolctl 3.8's owner of OpenBLAS
    for as long as it lived, and every other thread's limits did nothing."""
    owner = getattr(type(_threads._blas_controllers()[0]), "clear_controlling_thread", None)
    X, y = _data(3)
    with ThreadPoolExecutor(1) as pool:  # the worker lives until the end of the block
        if owner is not None:
            owner(force=True)  # no thread owns OpenBLAS: the worker's pass would take it
        pool.submit(_fit, GD(max_iter=20), X, y).result(timeout=TIMEOUT)
        with threadpool_limits(1, user_api="blas"):
            assert set(_blas_threads()) == {1}
        assert set(_blas_threads()) == {2}


def test_a_large_fit_on_another_thread_gives_the_bits_of_the_main_thread():
    """100,000 x 20 dense, binary, two BLAS threads: the fit on a worker thread gives
    the bits of the fit on the main thread. Before: the worker's passes could not hold
    the BLAS at one thread, its block products ran on OpenBLAS's two threads and
    summed otherwise (coefficients 3e-16 apart)."""
    if not _threads._blas_controllers() or _threads.cores() < 2:
        pytest.skip("needs a BLAS that threadpoolctl finds and two cores")
    rng = np.random.default_rng(0)
    X = rng.standard_normal((100_000, 20))
    y = (X[:, 0] + rng.standard_normal(100_000) > 0).astype(int)
    est = GD(solver="bb", tol=1e-8, max_iter=30)
    with threadpool_limits(2, user_api="blas"):
        if set(_blas_threads()) != {2}:
            pytest.skip("the BLAS here does not take two threads")
        saved = _threads._env
        _threads._env = None  # whatever OMP_NUM_THREADS was at the start
        try:
            assert _threads.thread_limit() == 2
            np.testing.assert_array_equal(_in_thread(lambda: _fit(est, X, y)), _fit(est, X, y))
        finally:
            _threads._env = saved


def test_passes_overlapping_on_two_threads_give_the_blas_back(two_threads):
    """Thread A's pass enters, thread B's enters, A's ends, B's ends (the last, so the
    one that restores): the BLAS is back at two threads. Before: A, the first to set
    OpenBLAS, owned it in threadpoolctl 3.8 while it lived, B's restore did nothing
    and the process kept one BLAS thread after both fits."""
    import threading

    owner = getattr(type(_threads._blas_controllers()[0]), "clear_controlling_thread", None)
    if owner is not None:
        owner(force=True)  # no thread owns OpenBLAS: A's pass would take it
    a_in, b_in, a_out, a_done = (threading.Event() for _ in range(4))

    def pass_of_a():
        with _threads.single_threaded_blas():
            a_in.set()
            assert b_in.wait(TIMEOUT)
        a_out.set()
        assert a_done.wait(TIMEOUT)  # A lives on until B's pass has ended

    def pass_of_b():
        assert a_in.wait(TIMEOUT)
        with _threads.single_threaded_blas():
            b_in.set()
            assert a_out.wait(TIMEOUT)
        return _blas_threads()

    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(pass_of_a)
        try:
            after_b = pool.submit(pass_of_b).result(timeout=TIMEOUT)
        finally:
            a_done.set()
        a.result(timeout=TIMEOUT)
    assert set(after_b) == {2} and _threads._blas_users == 0


# ------------------------------------------------------------ the documented settings


def test_every_gdlogreg_variable_the_repository_names_is_read():
    """An environment variable ``GDLOGREG_*`` that the docs or the benchmarks tell users
    to set is read somewhere. Before: three benchmark scripts told users to run
    with ``GDLOGREG_NUM_THREADS=1``, which nothing reads (the pool follows the BLAS's
    limit, ``OMP_NUM_THREADS`` and threadpoolctl: docs/performance.rst)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    texts = [p for d in ("docs", "benchmarks") for p in (root / d).rglob("*")
             if p.suffix in {".py", ".rst", ".md", ".sh", ".txt"} and p.is_file()]
    texts.append(root / "README.md")
    named = set()
    for p in texts:
        named |= set(re.findall(r"\bGDLOGREG_[A-Z_]+[A-Z]", p.read_text(errors="replace")))
    code = "".join(p.read_text() for d in ("gdlogreg", "benchmarks")
                   for p in (root / d).rglob("*.py"))
    unread = sorted(v for v in named if f'"{v}"' not in code and f"'{v}'" not in code)
    assert not unread, f"named but never read: {unread}"
