"""Threads for the O(n) passes over row blocks of in-memory numpy data.

numpy's ufuncs and scipy.sparse's product kernels release the GIL, so the
row blocks of a pass run in parallel on Python threads. How many: the thread
limit in effect for the BLAS (what :func:`threadpoolctl.threadpool_limits`
sets, and what ``OMP_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` / ``MKL_NUM_THREADS``
set at start), at most ``OMP_NUM_THREADS`` and the cores this process may run
on. One executor for the process, made on first use and kept.
"""

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor, wait

_lock = threading.Lock()
_init_lock = threading.Lock()  # the first scan of the BLAS libraries (_blas_controllers)
_executor = None
_blas = None  # threadpoolctl's controllers of the BLAS libraries, found once
_env = None  # OMP_NUM_THREADS when they were found


def cores():
    """The number of cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1  # pragma: no cover - not on Linux


def _env_limit():
    """``OMP_NUM_THREADS`` as a positive integer (its first level), or None."""
    value = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    return int(value) if value.isdigit() and int(value) > 0 else None


def _blas_controllers():
    """The BLAS libraries' controllers and OMP_NUM_THREADS, found at the first call.

    The variable is read once, as OpenMP and the BLAS read it at their start:
    a later change (Dask's workers set it to 1 in the environment they
    share with their parent) does not limit the passes; threadpoolctl does.
    Found once under a lock of their own, so that every thread sees one controller
    object per library (review 132).
    """
    global _blas, _env
    if _blas is None:
        with _init_lock:
            if _blas is None:
                _env = _env_limit()
                try:
                    from threadpoolctl import ThreadpoolController

                    found = ThreadpoolController().select(user_api="blas").lib_controllers
                except Exception:  # pragma: no cover - threadpoolctl missing or failing
                    found = []
                _blas = list(found)
    return _blas


def _scipy_own(libs):
    """Those of ``libs`` that scipy.linalg brought with it, where they are not numpy's:
    scipy's wheels bundle an OpenBLAS of their own beside numpy's (in ``scipy.libs`` or
    ``scipy/.dylibs``); none where both use one library, as conda's and distributions'
    builds do, or where scipy is linked to a library outside its install."""
    try:
        import scipy

        root = os.path.realpath(os.path.dirname(scipy.__file__))
    except Exception:  # pragma: no cover - no scipy to tell apart
        return []
    homes = (root + os.sep, root + ".libs" + os.sep)
    return [lib for lib in libs
            if getattr(lib, "filepath", None) and os.path.realpath(lib.filepath).startswith(homes)]


def _scipy_controllers():
    """The BLAS libraries that scipy.linalg brought with it beside numpy's (:func:`_scipy_own`
    of :func:`_blas_controllers`: the same objects; found on first use, and again where
    that list is another one)."""
    global _scipy_blas
    blas = _blas_controllers()
    found = _scipy_blas
    if found is None or found[0] is not blas:
        with _init_lock:
            found = _scipy_blas = (blas, _scipy_own(blas))
    return found[1]


def thread_limit():
    """The threads the O(n) passes may use: the BLAS's limit, OMP_NUM_THREADS (at start), the cores.

    Each BLAS's current setting is read at every call (a C call, no scan of
    the loaded libraries), so a :func:`threadpoolctl.threadpool_limits`
    block around a fit applies to these passes too. A library held at one thread
    (:func:`single_threaded_blas`, :class:`scipy_blas_alone`) counts at the setting its
    holds saved: that hold, a pass of another fit running on another thread, is no limit
    of this fit, whose bits would otherwise depend on when the two fits ran.
    """
    limits = [cores()]
    blas = _blas_controllers()
    if _env is not None:
        limits.append(_env)
    with _lock:
        settings = [_held[id(b)][2] if id(b) in _held else b.num_threads for b in blas]
    for n in settings:
        if isinstance(n, int) and n > 0:
            limits.append(n)
    return min(limits)


# The libraries held at one thread: id -> [controller, holds, the setting to restore]. One
# count per library, whichever hold took it, so that a hold that ends restores no library
# that another thread's hold still holds (review 132).
_held = {}
_blas_users = 0  # passes inside single_threaded_blas (all the libraries held)


def _hold(libs):
    """Hold each of ``libs`` at one thread (counted); the caller holds ``_lock``."""
    for lib in libs:
        h = _held.get(id(lib))
        if h is not None:
            h[1] += 1
            continue
        n = lib.num_threads
        _held[id(lib)] = [lib, 1, n]
        if n != 1:
            _set_threads(lib, 1)


def _release(libs):
    """End a hold of each of ``libs``; the last gives it back its setting (``_lock`` held)."""
    for lib in libs:
        h = _held[id(lib)]
        h[1] -= 1
        if h[1] == 0:
            del _held[id(lib)]
            if h[2] != 1:
                _set_threads(lib, h[2])


def _set_threads(lib, n):
    """Set a BLAS's threads for the process, from whichever thread a pass runs on.

    threadpoolctl 3.8's ``set_num_threads`` of OpenBLAS (pthreads) acts only in
    the first thread that calls it while that thread lives, and does nothing in
    the others: a fit's passes on another thread would keep OpenBLAS's threads (and
    change the fit's bits), and the owner thread would make every other thread's
    ``threadpool_limits`` a no-op. Its ``_real_set_num_threads`` sets the library
    without taking ownership (older threadpoolctl: ``set_num_threads``).
    """
    getattr(lib, "_real_set_num_threads", lib.set_num_threads)(n)


@contextlib.contextmanager
def single_threaded_blas():
    """The BLAS at one thread while this block runs (passes whose own threads call it).

    Row blocks on k threads, each calling a BLAS that starts its own threads,
    would run k times as many threads as cores; scikit-learn's KMeans limits
    the BLAS alike around its threads. Counted, so that overlapping passes
    (fits on several threads) restore the setting once, when the last ends.
    (A user's ``threadpool_limits`` entered on another thread meanwhile, and left after,
    restores what it read: one thread. The settings are the process's.)
    """
    global _blas_users
    libs = _blas_controllers()
    with _lock:
        _blas_users += 1
        _hold(libs)
    try:
        yield
    finally:
        with _lock:
            _blas_users -= 1
            _release(libs)


# --- scipy.linalg's own BLAS ----------------------------------------------------------------
_scipy_blas = None  # (_blas, those of its controllers that scipy.linalg loaded beside numpy's)
_scipy_users = 0  # blocks inside scipy_blas_alone that hold them

# Floating-point operations of a scipy.linalg call below which it runs on one thread
# (:class:`scipy_blas_alone`): below it threads gain less than a stall costs
# (benchmarks/README.md, "scipy's OpenBLAS beside numpy's", "Why 10⁸").
SCIPY_ALONE_FLOPS = 1e8


class scipy_blas_alone:  # a context manager, named as one
    """scipy.linalg's own BLAS at one thread while this block runs a call of ``flops``
    floating-point operations, below :data:`SCIPY_ALONE_FLOPS`.

    Two OpenBLAS libraries (numpy's and scipy's wheels each bundle one) have a pool of
    threads each, which poll for a while after a call: a call of one library on several
    threads then waits for cores that the other's threads hold, and the next call of the
    other waits in turn, many times the call's own time (benchmarks/README.md, "scipy's
    OpenBLAS beside numpy's"). On one thread scipy's call never wakes its own pool.
    Counted with :func:`single_threaded_blas`'s holds, library by library (a class:
    entered at every solve of a factored metric).
    """

    __slots__ = ("libs",)

    def __init__(self, flops):
        self.libs = _scipy_controllers() if flops < SCIPY_ALONE_FLOPS else None

    def __enter__(self):
        global _scipy_users
        if self.libs:
            with _lock:
                _scipy_users += 1
                _hold(self.libs)

    def __exit__(self, *exc):
        global _scipy_users
        if self.libs:
            with _lock:
                _scipy_users -= 1
                _release(self.libs)


def _get_executor():
    global _executor
    with _lock:
        if _executor is None:
            # One thread fewer than the cores: the calling thread takes a share.
            _executor = ThreadPoolExecutor(
                max_workers=max(cores() - 1, 1), thread_name_prefix="gdlogreg"
            )
        return _executor


def _forget_executor():  # pragma: no cover - runs in a forked child
    """After a fork the child has none of the parent's threads: make a new executor, and
    give the BLAS back the setting that a pass of another thread held at one thread."""
    global _executor, _lock, _init_lock, _blas_users, _scipy_users
    _executor, _lock, _init_lock = None, threading.Lock(), threading.Lock()
    for lib, _, n in _held.values():
        if n != 1:
            _set_threads(lib, n)
    _held.clear()
    _blas_users = _scipy_users = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_executor)


def bounds(n_items, n_parts):
    """Boundaries of ``n_parts`` contiguous parts of ``range(n_items)``, as equal as can be."""
    return [n_items * i // n_parts for i in range(n_parts + 1)]


# Parts a pass is cut into per thread: the threads take them in turn, so that a
# thread that waits for a core (a busy machine) holds up a small part only.
PARTS_PER_THREAD = 4


def map_parts(fn, n_items, n_threads):
    """``[fn(lo, hi) for each part]`` over a static partition of ``range(n_items)``.

    ``min(n_items, PARTS_PER_THREAD · n_threads)`` contiguous parts (one for one
    thread), in order. ``n_threads`` threads, the calling one and the
    executor's, take the parts in turn from a shared counter until none is
    left. The parts depend only on ``n_items`` and ``n_threads``, not on which
    thread runs which, so the same call gives the same answer. ``fn`` may run
    in another thread: what is thread-local (``np.errstate``) it must set itself.
    """
    k = max(min(n_threads, n_items), 1)
    if k == 1:
        return [fn(0, n_items)]
    n_parts = min(n_items, PARTS_PER_THREAD * k)
    cut = bounds(n_items, n_parts)
    out = [None] * n_parts
    lock, taken, failed = threading.Lock(), [0], []

    def run():
        while not failed:
            with lock:
                i = taken[0]
                taken[0] += 1
            if i >= n_parts:
                return
            try:
                out[i] = fn(cut[i], cut[i + 1])
            except BaseException:
                failed.append(True)  # the others stop taking parts
                raise

    pool = _get_executor()
    futures = [pool.submit(run) for _ in range(k - 1)]
    try:
        run()
    finally:
        # None may still write into the caller's arrays when this returns. (A
        # cancelled future counts as done for wait() only once dequeued.)
        for f in futures:
            f.cancel()
        wait([f for f in futures if not f.cancelled()])
    for f in futures:
        if not f.cancelled():
            f.result()  # raises a worker's error
    return out
