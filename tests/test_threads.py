"""The numpy backend's O(n) passes on threads (gdlogreg/_backends/_threads.py).

Small data cut in many row blocks, with the size cut-off below which a pass
stays on one thread set to 0, so that every pass here runs on threads: they
must give what one thread gives (the same loss, bit for bit; the same
gradient up to rounding where Xᵀ R is summed per thread), the same answer at
every call, respect the thread limit (the BLAS held at one thread while the
pool's threads call it), keep numpy's error state in the workers, and fit the
same model.
"""

import threading
import time
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression, _compat
from gdlogreg._backends import _array, _threads
from gdlogreg._backends._array import ArrayBackend, NumpyBackend
from gdlogreg._loss import make_loss


@pytest.fixture
def threaded(monkeypatch):
    """Blocks of 23 rows, threads at any size; returns a setter of the thread count."""
    monkeypatch.setattr(_array, "CHUNK", 23)
    monkeypatch.setattr(_array, "MIN_SHARE", 1)

    def use(n):
        monkeypatch.setattr(_threads, "thread_limit", lambda: n)

    use(3)
    return use


def _data(fmt, dtype, n_classes, weighted, n=300, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.standard_normal((n, d)) * (rng.random((n, d)) < 0.5)).astype(dtype)
    if fmt != "dense":
        X = getattr(sp, f"{fmt}_matrix")(X)
    y = rng.integers(0, n_classes, n)
    sw = rng.random(n) * 3 if weighted else np.ones(n)
    s = (sw / sw.sum()).astype(dtype) if weighted else 1.0 / n
    loss = make_loss(n_classes, np)
    m = loss.n_columns(n_classes)
    Z = np.asfortranarray(rng.standard_normal((n, m)).astype(dtype) * 3)
    D = np.asfortranarray(rng.standard_normal((n, m)).astype(dtype))
    return X, loss, loss.encode(y, np), s, Z, D


def _pass(backend, loss, Z, D, t, move):
    Z, D = Z.copy(order="F"), None if D is None else D.copy(order="F")
    value, U, G = backend.loss_pass(loss, Z, D, t, gradient=True, move=move)
    return value, U, G, D


FORMATS = ["dense", "csr", "csc"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("move", [False, True])
def test_threads_give_what_one_thread_gives(threaded, fmt, dtype, n_classes, weighted, move):
    X, loss, targets, s, Z, D = _data(fmt, dtype, n_classes, weighted)
    backend = NumpyBackend(X, targets, s)
    assert len(backend.row_blocks()) >= 12
    threaded(1)
    one = _pass(backend, loss, Z, D, 0.5, move)
    threaded(3)
    seen, worker_started = set(), threading.Event()
    terms = loss.terms

    def spy(*args, **kwargs):
        seen.add(threading.current_thread().name)
        if threading.current_thread() is threading.main_thread():
            worker_started.wait(5)  # so that a worker takes a part too
        else:
            worker_started.set()
        return terms(*args, **kwargs)

    loss.terms = spy
    three = _pass(backend, loss, Z, D, 0.5, move)
    assert any(name.startswith("gdlogreg") for name in seen)  # a worker took parts
    # The losses of the blocks are summed in block order on any number of threads.
    assert three[0] == one[0]
    assert three[2].dtype == dtype
    rtol = 1e-5 if dtype == np.float32 else 1e-13
    if fmt != "csc":  # Xᵀ R summed block by block per thread: rounding differs
        np.testing.assert_allclose(three[2], one[2], rtol=rtol, atol=rtol * np.abs(one[2]).max())
    else:
        np.testing.assert_array_equal(three[2], one[2])
    if move:  # U written over Z, R over D (the same on any number of threads)
        assert three[1].dtype == dtype
        np.testing.assert_array_equal(three[1], one[1])
        np.testing.assert_array_equal(three[3], one[3])
    else:  # Z and D only read
        assert three[1] is None and one[1] is None
        np.testing.assert_array_equal(three[3], D)
    # Against the whole-array backend (no blocks, no threads).
    Xd = X.toarray() if sp.issparse(X) else X
    ref = ArrayBackend(Xd, targets, s).loss_pass(loss, Z, D, 0.5, gradient=True)
    assert three[0] == pytest.approx(ref[0], rel=rtol)
    if move:
        np.testing.assert_allclose(three[1], ref[1], rtol=rtol)
    np.testing.assert_allclose(three[2], ref[2], rtol=10 * rtol, atol=10 * rtol)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("n_classes", [2, 4])
def test_threaded_passes_are_deterministic(threaded, fmt, n_classes):
    X, loss, targets, s, Z, D = _data(fmt, np.float64, n_classes, True, n=500)
    backend = NumpyBackend(X, targets, s)
    first = _pass(backend, loss, Z, D, 1.0, True)
    for _ in range(5):
        again = _pass(backend, loss, Z, D, 1.0, True)
        assert again[0] == first[0]
        np.testing.assert_array_equal(again[2], first[2])
        np.testing.assert_array_equal(again[1], first[1])


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_threaded_linear_and_combine(threaded, fmt, dtype, n_classes):
    X, loss, targets, s, Z, D = _data(fmt, dtype, n_classes, False)
    backend = NumpyBackend(X, targets, s)
    rng = np.random.default_rng(3)
    m = Z.shape[1]
    coef = rng.standard_normal((X.shape[1] + 1, m)).astype(dtype)
    Xd = X.toarray() if sp.issparse(X) else X
    expect = Xd.astype(np.float64) @ coef[:-1].astype(np.float64) + coef[-1]
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    for fit_intercept in (True, False):
        want = expect if fit_intercept else expect - coef[-1]
        Zl = backend.linear(coef, fit_intercept)
        assert Zl.dtype == dtype and Zl.shape == (X.shape[0], m)
        np.testing.assert_allclose(Zl, want, rtol=rtol, atol=rtol)
        out = backend.linear(coef, fit_intercept, out=np.asfortranarray(Z.copy()))
        np.testing.assert_allclose(out, want, rtol=rtol, atol=rtol)
    for fit_intercept in (True, False):
        G = backend.rlinear(Z, fit_intercept)
        want = Xd.T.astype(np.float64) @ Z
        if fit_intercept:
            want = np.vstack([want, Z.sum(axis=0, dtype=np.float64)])
        assert G.dtype == dtype
        np.testing.assert_allclose(G, want, rtol=rtol, atol=10 * rtol)
    Zb = D.copy(order="F")
    Zc = backend.combine(Z, Zb, 0.3)
    assert Zc is Zb
    np.testing.assert_allclose(Zc, Z + 0.3 * (Z - D), rtol=rtol)


def test_private_kernels_and_their_fallbacks(threaded, monkeypatch):
    """Both ways: scipy's kernels and the public fallbacks give the same passes."""
    X, loss, targets, s, Z, D = _data("csr", np.float64, 2, True)
    # The kernels on a block of rows whose index pointer is not shifted to 0.
    rows = slice(40, 97)
    ptr = X.indptr[rows.start : rows.stop + 1]
    rng = np.random.default_rng(0)
    w, r = rng.standard_normal(X.shape[1]), rng.standard_normal(rows.stop - rows.start)
    for matvec in (_compat.csr_matvec, _compat._csr_matvec_fallback):
        y = np.ones(rows.stop - rows.start)
        matvec(len(y), X.shape[1], ptr, X.indices, X.data, w, y)
        np.testing.assert_allclose(y, 1.0 + X[rows] @ w, rtol=1e-13)
    for matvec in (_compat.csc_matvec, _compat._csc_matvec_fallback):
        g = np.ones(X.shape[1])
        matvec(X.shape[1], len(r), ptr, X.indices, X.data, r, g)
        np.testing.assert_allclose(g, 1.0 + X[rows].T @ r, rtol=1e-13)
    backend = NumpyBackend(X, targets, s)
    coef = rng.standard_normal((X.shape[1] + 1, 1))
    kernel = (backend.linear(coef, True), _pass(backend, loss, Z, D, 0.5, True))
    monkeypatch.setattr(_array, "csr_matvec", _compat._csr_matvec_fallback)
    monkeypatch.setattr(_array, "csc_matvec", _compat._csc_matvec_fallback)
    public = (backend.linear(coef, True), _pass(backend, loss, Z, D, 0.5, True))
    np.testing.assert_allclose(public[0], kernel[0], rtol=1e-13)
    assert public[1][0] == kernel[1][0]
    np.testing.assert_allclose(public[1][2], kernel[1][2], rtol=1e-13)


def test_a_thread_limit_of_one_keeps_the_pass_serial(monkeypatch):
    monkeypatch.setattr(_array, "CHUNK", 23)
    monkeypatch.setattr(_array, "MIN_SHARE", 1)
    monkeypatch.setattr(_threads, "cores", lambda: 4)
    monkeypatch.setattr(_threads, "_env", None)  # whatever OMP_NUM_THREADS was at the start
    X, loss, targets, s, Z, D = _data("dense", np.float64, 2, False)
    backend = NumpyBackend(X, targets, s)
    used = []
    real = _threads._get_executor
    monkeypatch.setattr(_threads, "_get_executor", lambda: used.append(1) or real())
    with threadpool_limits(limits=1):
        assert _threads.thread_limit() == 1
        _pass(backend, loss, Z, D, 0.5, False)
    assert not used
    with threadpool_limits(limits=2):
        if all(lib.num_threads == 2 for lib in _threads._blas_controllers()):
            assert _threads.thread_limit() == 2
            _pass(backend, loss, Z, D, 0.5, False)
            assert used


class _FakeBLAS:
    def __init__(self, n):
        self.num_threads = n


def test_thread_limit_is_the_least_of_blas_omp_and_cores(monkeypatch):
    monkeypatch.setattr(_threads, "cores", lambda: 4)
    monkeypatch.setattr(_threads, "_env", None)
    monkeypatch.setattr(_threads, "_blas", [_FakeBLAS(3), _FakeBLAS(2)])
    assert _threads.thread_limit() == 2
    monkeypatch.setattr(_threads, "_blas", [_FakeBLAS(8)])
    assert _threads.thread_limit() == 4
    monkeypatch.setattr(_threads, "_blas", [])
    assert _threads.thread_limit() == 4
    monkeypatch.setattr(_threads, "_env", 3)
    assert _threads.thread_limit() == 3
    # OMP_NUM_THREADS is read once, with the BLAS libraries (as OpenMP reads it at start).
    monkeypatch.setattr(_threads, "_blas", None)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    _threads._blas_controllers()
    assert _threads._env == 1 and _threads.thread_limit() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert _threads.thread_limit() == 1
    for value, limit in (("2,1", 2), ("", None), ("zero", None), ("0", None)):
        monkeypatch.setenv("OMP_NUM_THREADS", value)
        assert _threads._env_limit() == limit


def test_small_passes_stay_on_one_thread(monkeypatch):
    monkeypatch.setattr(_array, "CHUNK", 23)
    monkeypatch.setattr(_threads, "thread_limit", lambda: 2)
    X, loss, targets, s, Z, D = _data("dense", np.float64, 2, False)  # 300 rows < MIN_SHARE
    backend = NumpyBackend(X, targets, s)
    assert backend._n_threads(1) == backend._n_threads(50) == 1
    monkeypatch.setattr(_array, "MIN_SHARE", 150)
    assert backend._n_threads(1) == 2 and backend._n_threads(3) == 2
    monkeypatch.setattr(_array, "MIN_SHARE", 151)
    assert backend._n_threads(1) == 1 and backend._n_threads(3) == 2


def test_workers_set_their_own_error_state(threaded):
    """exp overflows in the workers (margins of 1e3, Z - Zb of 2e308): no RuntimeWarning."""
    for n_classes in (2, 3):
        X, loss, targets, s, Z, D = _data("dense", np.float64, n_classes, False)
        backend = NumpyBackend(X, targets, s)
        Z *= 1e3
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            value, _, G = _pass(backend, loss, Z, D, 1.0, True)[:3]
            big = np.full_like(Z, 1e308)
            backend.combine(big, -big, 1.0)
        assert np.isfinite(value) and np.all(np.isfinite(G))


def test_an_error_in_a_part_is_raised_after_all_running_parts_end():
    started, ended = set(), set()

    def part(lo, hi):
        started.add(lo)
        if lo == 3:
            raise ValueError(f"part {lo}")
        time.sleep(0.01)  # still writing when the error is known
        ended.add(lo)
        return lo

    with pytest.raises(ValueError, match="part 3"):
        _threads.map_parts(part, 10, 3)
    assert 3 in started and started - {3} == ended
    assert _threads.map_parts(lambda lo, hi: (lo, hi), 2, 5) == [(0, 1), (1, 2)]
    assert _threads.map_parts(lambda lo, hi: (lo, hi), 9, 1) == [(0, 9)]


@pytest.mark.parametrize("fmt", ["dense", "csr"])
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("solver", ["bb", "nesterov"])
def test_fits_on_one_and_two_threads_agree(threaded, fmt, n_classes, solver):
    X, _, _, _, _, _ = _data(fmt, np.float64, n_classes, False, n=400, d=5)
    rng = np.random.default_rng(1)
    y = rng.integers(0, n_classes, 400)
    sw = rng.random(400) + 0.5
    models = []
    for n in (1, 2):
        threaded(n)
        model = GradientDescentLogisticRegression(solver=solver, tol=1e-8, max_iter=500)
        models.append(model.fit(X, y, sample_weight=sw))
    a, b = models
    # Each thread's part sums its share of Xᵀ R: the last bits of the gradient, so
    # of the path, depend on the number of threads; the model does not.
    np.testing.assert_allclose(a.coef_, b.coef_, rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(a.intercept_, b.intercept_, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize(
    "n, cores, n_blocks",
    [(100, 2, 1), (40_000, 1, 2), (40_000, 2, 2), (40_000, 64, 2), (70_000, 64, 8),
     (20_000, 2, 1), (200_000, 2, 8), (1_000_000, 2, 32), (1_000_000, 3, 33),
     (1_000_000, 64, 64)],
)
def test_row_blocks_cover_the_rows_in_equal_cache_sized_blocks(monkeypatch, n, cores, n_blocks):
    monkeypatch.setattr(_threads, "cores", lambda: cores)
    monkeypatch.setattr(_array, "CHUNK", 32768)  # the figures below are for this size
    monkeypatch.setattr(_array, "MIN_SHARE", 32768)
    blocks = _array._row_blocks(n)
    assert len(blocks) == n_blocks
    assert blocks[0].start == 0 and blocks[-1].stop == n
    assert all(a.stop == b.start for a, b in zip(blocks[:-1], blocks[1:], strict=True))
    sizes = [b.stop - b.start for b in blocks]
    assert max(sizes) <= _array.CHUNK and max(sizes) - min(sizes) <= 1
    assert n_blocks == 1 or min(sizes) >= _array.MIN_BLOCK


def test_the_caller_runs_the_parts_no_worker_has_taken():
    """With every worker busy, map_parts runs all the parts itself, in order."""
    pool = _threads._get_executor()
    release = threading.Event()
    busy = [pool.submit(release.wait, 10) for _ in range(pool._max_workers)]
    try:
        ran = []

        def part(lo, hi):
            ran.append(threading.current_thread().name)
            return lo, hi

        assert _threads.map_parts(part, 7, 3) == [(i, i + 1) for i in range(7)]
        assert _threads.map_parts(part, 40, 2) == [(5 * i, 5 * i + 5) for i in range(8)]
        assert ran == [threading.current_thread().name] * 15
    finally:
        release.set()
        for f in busy:
            f.result()


def _blas_threads():
    return [lib.num_threads for lib in _threads._blas_controllers()]


@pytest.mark.parametrize("n_classes", [2, 3])
def test_threaded_dense_products_call_the_blas_at_one_thread(threaded, monkeypatch, n_classes):
    """Where the pool's threads make a dense pass's products, the BLAS is held at one
    thread meanwhile (else each thread's product would start as many BLAS threads
    as there are cores), and given back its setting afterwards."""
    if not _threads._blas_controllers():
        pytest.skip("threadpoolctl finds no BLAS here")
    X, loss, targets, s, Z, D = _data("dense", np.float64, n_classes, False)
    backend = NumpyBackend(X, targets, s)
    seen = []
    add = NumpyBackend._add_block_gradient

    def spy(self, *args, **kwargs):
        seen.append(max(_blas_threads()))
        return add(self, *args, **kwargs)

    monkeypatch.setattr(NumpyBackend, "_add_block_gradient", spy)
    m = Z.shape[1]
    with threadpool_limits(2, user_api="blas"):
        if max(_blas_threads()) != 2:
            pytest.skip("the BLAS here does not take two threads")
        _, _, G = backend.loss_pass(loss, Z.copy(order="F"), gradient=True)
        Zl = backend.linear(np.ones((X.shape[1] + 1, m)), True)
        assert max(_blas_threads()) == 2  # given back
    assert len(seen) == len(backend.row_blocks(m)) and set(seen) == {1}
    ref = ArrayBackend(X, targets, s)
    np.testing.assert_allclose(G, ref.loss_pass(loss, Z, gradient=True)[2], rtol=1e-12)
    np.testing.assert_allclose(Zl, ref.linear(np.ones((X.shape[1] + 1, m)), True), rtol=1e-13)


def test_single_threaded_blas_restores_once_when_passes_overlap():
    """Two fits on two threads hold the BLAS at one thread in overlapping passes: the
    setting comes back when the last pass ends, not when the first does (which would
    leave the second's threads oversubscribed), and never stays at one."""
    if not _threads._blas_controllers():
        pytest.skip("threadpoolctl finds no BLAS here")
    with threadpool_limits(2, user_api="blas"):
        if max(_blas_threads()) != 2:
            pytest.skip("the BLAS here does not take two threads")
        first_in, second_out, inside = threading.Event(), threading.Event(), []

        def second():
            first_in.wait(5)
            with _threads.single_threaded_blas():
                inside.append(max(_blas_threads()))
            second_out.set()

        worker = threading.Thread(target=second)
        worker.start()
        with _threads.single_threaded_blas():
            first_in.set()
            second_out.wait(5)
            inside.append(max(_blas_threads()))  # the second pass ended: still one
        worker.join()
        assert inside == [1, 1]
        assert max(_blas_threads()) == 2


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_child_forked_during_a_pass_gets_the_blas_setting_back():
    """A process forked while another thread's pass holds the BLAS at one thread (joblib
    workers started from a thread) must not keep it there: it has no pass to end."""
    import os

    if not _threads._blas_controllers():
        pytest.skip("threadpoolctl finds no BLAS here")
    with threadpool_limits(2, user_api="blas"):
        if max(_blas_threads()) != 2:
            pytest.skip("the BLAS here does not take two threads")
        with _threads.single_threaded_blas():
            read, write = os.pipe()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
                pid = os.fork()
            if pid == 0:  # the child: report its BLAS threads and the pass count
                os.write(write, f"{max(_blas_threads())} {_threads._blas_users}".encode())
                os._exit(0)
            os.close(write)
            _, status = os.waitpid(pid, 0)
            reported = os.read(read, 64).decode().split()
            os.close(read)
            assert max(_blas_threads()) == 1  # the parent's pass goes on
        assert max(_blas_threads()) == 2
    assert status == 0 and reported == ["2", "0"]


# ---- scipy.linalg's own BLAS (scipy_blas_alone) ------------------------------------------
def _scipy_own():
    """The BLAS libraries scipy's wheel brought beside numpy's (skip where there are none)."""
    own = _threads._scipy_controllers()
    if not own:
        pytest.skip("scipy.linalg uses numpy's BLAS here (one library)")
    return own


def _numpy_blas():
    own = _threads._scipy_controllers()
    return [lib for lib in _threads._blas_controllers() if not any(lib is o for o in own)]


def test_scipy_own_blas_is_told_apart_from_numpys():
    """The libraries held are those under scipy's install (scipy.libs, scipy/.dylibs),
    never the one numpy's products use."""
    import os

    import scipy

    own = _scipy_own()
    root = os.path.realpath(os.path.dirname(scipy.__file__))
    for lib in own:
        assert os.path.realpath(lib.filepath).startswith((root + os.sep, root + ".libs"))
    assert _numpy_blas(), "numpy's BLAS was taken for scipy's"


def test_scipy_blas_alone_holds_scipys_library_alone_and_gives_it_back():
    """A small call: scipy's library at one thread inside, numpy's untouched, both back
    after; a call of SCIPY_ALONE_FLOPS or more keeps its threads; the passes' thread limit
    does not read scipy's hold."""
    own = _scipy_own()
    with threadpool_limits(2, user_api="blas"):
        if {lib.num_threads for lib in _threads._blas_controllers()} != {2}:
            pytest.skip("the BLAS here does not take two threads")
        limit = _threads.thread_limit()
        with _threads.scipy_blas_alone(1e3):
            assert [lib.num_threads for lib in own] == [1] * len(own)
            assert {lib.num_threads for lib in _numpy_blas()} == {2}
            assert _threads.thread_limit() == limit
        assert {lib.num_threads for lib in _threads._blas_controllers()} == {2}
        with _threads.scipy_blas_alone(_threads.SCIPY_ALONE_FLOPS):
            assert {lib.num_threads for lib in own} == {2}


def _overlapping(first, second):
    """Thread A enters ``first()``, then thread B ``second()``; A leaves first, then B reads
    scipy's threads inside its hold and leaves. Returns (what B read, scipy's threads after)."""
    own = _threads._scipy_controllers()
    a_in, b_in, a_out, seen = threading.Event(), threading.Event(), threading.Event(), []

    def thread_b():
        a_in.wait(5)
        with second():
            b_in.set()
            a_out.wait(5)
            seen.append(max(lib.num_threads for lib in own))

    worker = threading.Thread(target=thread_b)
    worker.start()
    with first():
        a_in.set()
        b_in.wait(5)
    a_out.set()
    worker.join()
    return seen, max(lib.num_threads for lib in own)


@pytest.mark.parametrize("first, second", [
    ("scipy", "scipy"), ("all", "scipy"), ("scipy", "all"), ("all", "all")])
def test_holds_overlapping_on_two_threads_end_with_the_last(first, second):
    """A's hold ends while B's goes on: scipy's library stays at one thread inside B's, of
    either kind (a pass's single_threaded_blas that ended gave scipy's library its threads
    back inside another fit's scipy_blas_alone, review 132), and gets them back after."""
    own = _scipy_own()
    kinds = {"scipy": lambda: _threads.scipy_blas_alone(1.0),
             "all": _threads.single_threaded_blas}
    with threadpool_limits(2, user_api="blas"):
        if {lib.num_threads for lib in own} != {2}:
            pytest.skip("scipy's BLAS here does not take two threads")
        seen, after = _overlapping(kinds[first], kinds[second])
        assert seen == [1] and after == 2
        assert set(_blas_threads()) == {2} and not _threads._held


def test_nested_holds_of_both_kinds_end_where_they_began():
    _scipy_own()
    with threadpool_limits(2, user_api="blas"):
        if set(_blas_threads()) != {2}:
            pytest.skip("the BLAS here does not take two threads")
        with _threads.single_threaded_blas(), _threads.scipy_blas_alone(1.0):
            assert max(_blas_threads()) == 1
        with _threads.scipy_blas_alone(1.0), _threads.single_threaded_blas():
            assert max(_blas_threads()) == 1
        assert set(_blas_threads()) == {2} and _threads._scipy_users == 0


def test_first_scans_of_the_blas_on_two_threads_find_the_same_controllers(monkeypatch):
    """Two threads' first calls made two lists of controllers, and scipy's library of one
    was not an object of the other: the thread limit then read another fit's hold."""
    _scipy_own()
    for _ in range(5):
        monkeypatch.setattr(_threads, "_blas", None)
        monkeypatch.setattr(_threads, "_scipy_blas", None)
        go, found = threading.Barrier(2), []

        def scan(go=go, found=found):
            go.wait(5)
            found.append((_threads._blas_controllers(), _threads._scipy_controllers()))

        workers = [threading.Thread(target=scan) for _ in range(2)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        blas = _threads._blas_controllers()
        for listed, own in found:
            assert listed is blas
            assert own and all(any(o is b for b in blas) for o in own)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs os.fork")
def test_a_child_forked_during_a_scipy_hold_gets_its_threads_back():
    import os

    own = _scipy_own()
    with threadpool_limits(2, user_api="blas"):
        if {lib.num_threads for lib in own} != {2}:
            pytest.skip("scipy's BLAS here does not take two threads")
        with _threads.scipy_blas_alone(1.0):
            read, write = os.pipe()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
                pid = os.fork()
            if pid == 0:
                os.write(write, f"{max(lib.num_threads for lib in own)} "
                                f"{_threads._scipy_users}".encode())
                os._exit(0)
            os.close(write)
            _, status = os.waitpid(pid, 0)
            reported = os.read(read, 64).decode().split()
            os.close(read)
            assert max(lib.num_threads for lib in own) == 1
        assert {lib.num_threads for lib in own} == {2}
    assert status == 0 and reported == ["2", "0"]


@pytest.mark.parametrize("n_classes", [2, 10])
def test_a_fits_small_lapack_calls_run_scipys_blas_on_one_thread(monkeypatch, n_classes):
    """Every Cholesky and solve of a take of the metric (the classes' blocks for 10
    classes, the factored metric of few rows for 2) runs with scipy's library at one
    thread while numpy's keeps its threads, and the fit is the one made where scipy's
    library has one thread throughout."""
    from gdlogreg import _dense, _objective

    own = _scipy_own()
    rng = np.random.default_rng(0)
    n, d = (600, 40) if n_classes > 2 else (120, 300)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, n_classes, n)
    seen = []
    # (the factors and solves live in _dense, the Gram's products in _objective)
    for module, name in ((_dense, "_potrf"), (_dense, "_potrs"), (_objective, "_syrk"),
                         (_objective, "_symv")):
        real = getattr(module, name)

        def spy(*args, real=real, **kwargs):
            seen.append((max(lib.num_threads for lib in own),
                         max(lib.num_threads for lib in _numpy_blas())))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, spy)
    with threadpool_limits(2, user_api="blas"):
        if {lib.num_threads for lib in _threads._blas_controllers()} != {2}:
            pytest.skip("the BLAS here does not take two threads")
        fit = GradientDescentLogisticRegression(C=10.0).fit(X, y)
        assert {lib.num_threads for lib in _threads._blas_controllers()} == {2}
        for lib in own:
            _threads._set_threads(lib, 1)
        try:
            alone = GradientDescentLogisticRegression(C=10.0).fit(X, y)
        finally:
            for lib in own:
                _threads._set_threads(lib, 2)
    assert seen and set(seen) == {(1, 2)}
    np.testing.assert_array_equal(fit.coef_, alone.coef_)
