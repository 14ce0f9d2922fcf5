"""In-memory backends: array-API arrays (torch, cupy, array-api-strict), and numpy/scipy.sparse.

A backend holds the data (X, the targets, the normalised weights s) and is the
only code that touches X. Its kernels:

- :meth:`ArrayBackend.linear`: Z = X W + b (one ``X @ V``);
- :meth:`ArrayBackend.rlinear`: [Xᵀ R; Σ R] (one ``X.T @ R``);
- :meth:`ArrayBackend.gram`: Aᵀ diag(s) A V, A = [X, 1] (the Hessian bound's product);
- :meth:`ArrayBackend.loss_pass`: a loss (see :mod:`gdlogreg._loss`) mapped over
  row blocks of Z + t·D (or of Z + X V, a line search's first trial, whose
  ``X @ V`` CSR X makes block by block in the pass), fused, if asked, with its
  gradient sums [Xᵀ R; Σ R];
- :meth:`ArrayBackend.combine`: Z_a + β (Z_a - Z_b) (O(n));
- :meth:`ArrayBackend.moments`: weighted column moments, for the standardization.

:class:`ArrayBackend` computes on whole arrays and returns new ones.
:class:`NumpyBackend` overrides the kernels for numpy and scipy.sparse X: row
blocks that stay in the CPU cache, raw predictions moved in place (but a
trial of one block, which may be refused, kept apart), residuals
written over a spent buffer or never stored whole (Xᵀ R summed block by block,
while each block is in the cache), and a class-major layout of Z for the softmax.
"""

import contextlib
import functools
import math

import numpy as np
import scipy.sparse as sp

from .._compat import (
    csc_matvec,
    csc_matvecs,
    csr_matvec,
    csr_matvecs,
    get_namespace,
    is_numpy_namespace,
)
from .._compat import device as _device
from .._loss import _weightless_at_zero
from .._xp import concat, to_host
from . import _threads


class ArrayBackend:
    """Data and kernels for a dense array of any array-API namespace.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Never copied or modified.
    targets : array of shape (n_samples,)
        The loss's encoding of the labels (see :mod:`gdlogreg._loss`).
    s : array of shape (n_samples,) or float
        The normalised sample weights (Σ s = 1); one number when all are equal.
    """

    def __init__(self, X, targets, s):
        self.X = X
        self.xp, _ = get_namespace(X)
        self.device = _device(X)
        self.n_samples, self.n_features = X.shape
        self.dtype = X.dtype
        self.targets = targets
        self.s = s

    # ---------------------------------------------------------------- arrays
    def zeros(self, shape):
        return self.xp.zeros(shape, dtype=self.dtype, device=self.device)

    def ones(self, shape):
        return self.xp.ones(shape, dtype=self.dtype, device=self.device)

    def asarray(self, a):
        """A host array (or a scalar) as an array of this backend's namespace and dtype."""
        return self.xp.asarray(a, dtype=self.dtype, device=self.device)

    def to_numpy(self, a):
        return np.asarray(a.cpu() if hasattr(a, "cpu") else a)

    def errstate(self):
        """Where exp may overflow on purpose: numpy's warnings are silenced."""
        return contextlib.nullcontext()

    def with_weights(self, s):
        """The same data with other weights ``s`` (a batch: one column per problem)."""
        return type(self)(self.X, self.targets, s)

    def weights(self, rows):
        """The normalised weights of a block of rows (a slice), or the common weight."""
        return self.s if isinstance(self.s, float) else self.s[rows]

    def row_blocks(self):
        """The row blocks of the O(n) passes: here the whole array."""
        return (slice(0, self.n_samples),)

    # --------------------------------------------------------------- kernels
    def linear(self, coef, fit_intercept, out=None):
        """Z = X W + b for coef = [W; b] of shape (d + fit_intercept, m): (n, m)."""
        d = self.n_features
        Z = self.X @ coef[:d, ...]
        return Z + coef[d:, ...] if fit_intercept else Z

    def rlinear(self, R, fit_intercept):
        """[Xᵀ R; Σᵢ Rᵢ] (the last row only with an intercept): shape like coef."""
        G = self.X.T @ R
        if not fit_intercept:
            return G
        return concat([G, self.xp.sum(R, axis=0, keepdims=True)], self.xp)

    def combine(self, Za, Zb, beta):
        """Za + β (Za - Zb); Zb is spent."""
        return Za + beta * (Za - Zb)

    def gram(self, V, fit_intercept, rows=None, Z=None):
        """Aᵀ diag(w) A V, A = [X, 1] ([X] without intercept): one ``X @ V``, one ``X.T @ R``.

        w = s, the row weights; or with the loss-like ``rows`` (``CurvatureShare``) and a
        raw prediction Z, the rows' s·ρ at Z: the curvature-weighted Gram.
        """
        s = self.s
        if rows is not None:
            with self.errstate():
                s = rows.terms(Z, None, s, self.xp, True)[1]
        Z = self.linear(V, fit_intercept)
        # One number, a vector of row weights, or one weight vector per column (a batch).
        s = s if isinstance(s, float) or s.ndim == 2 else self.xp.reshape(s, (-1, 1))
        with self.errstate():
            if isinstance(Z, np.ndarray):
                Z *= s  # Z is this call's own: no second array of its size
            else:
                Z = Z * s
        G = self.rlinear(Z, fit_intercept)
        if isinstance(s, float) or bool(self.xp.all(self.xp.isfinite(G))):
            return G
        # a row of weight 0 whose X V overflowed: 0 times its inf was nan (review 67)
        return self.rlinear(_weightless_at_zero(Z, s, self.xp), fit_intercept)

    def loss_pass(self, loss, Z, D=None, t=0.0, *, gradient=False, fit_intercept=True,
                  move=False, keep=None, V=None):
        """The loss at U = Z + t·D (U = Z without D) and, if asked, its gradient sums.

        Returns ``(Σ s L(U), U, G)`` with G = [Xᵀ R; Σ R] for the residual R
        at U (one ``X.T @ R``; None unless ``gradient``). ``move=True`` says Z
        and D are spent: a backend may then put U in Z's memory and R in D's
        (:meth:`spends_direction`). ``keep``: a test of the loss value; where
        it fails the product ``X.T @ R`` is skipped (G is None) unless the
        pass already summed it. ``t=None``: U is the pair (Z, D), for a loss-like object
        that reads both (Dask's chunks: side by side, 2m columns). ``V`` (coefficients, no D):
        U = Z + X V, the product made in the pass where the backend can (numpy: C-ordered dense
        X over several row blocks, CSR X with one column; moved: added to Z
        block by block, no array D).
        """
        if V is not None:
            D, t = self.linear(V, fit_intercept), 1.0
        xp = self.xp
        if D is None:
            U = Z
        elif t is None:  # the pair (Z, D), for a loss-like object that reads both
            U = (Z, D)
        else:
            U = Z + D if t == 1.0 else D * t + Z
        with self.errstate():
            value, R = loss.terms(U, self.targets, self.s, xp, gradient)
        gradient = gradient and (keep is None or keep(value))
        return value, U, (self.rlinear(R, fit_intercept) if gradient else None)

    def spends_direction(self, loss, m):
        """Whether a moved pass with a gradient over m columns writes R over D."""
        return False

    def moves_in_place(self, loss, m):
        """Whether a moved pass over m columns that ``keep`` may refuse writes U over
        Z (a refused trial must then be undone with ``X @ coef``): not here, U is new."""
        return False

    # ------------------------------------------------------------ statistics
    def moments(self):
        """Scale, weighted mean and weighted variance of each feature.

        Returns ``(scale, mean, var)``: ``scale`` divides each column (its
        largest ``|x|``) so that no square overflows or underflows whatever the
        units (over the rows of positive weight: those of weight 0 move nothing,
        whatever they hold); ``mean`` and ``var`` are the moments of the scaled
        column. X is shifted by its row of largest weight before it is scaled
        (the difference is exact where x is within a factor 2 of that row's value,
        Sterbenz's lemma: a column near a large offset loses no digit of its
        spread), each row block (:data:`MOMENT_ENTRIES`) is centred at its own
        mean, and the blocks are combined (:func:`_combine`): no cancellation for
        a large offset, and a column constant over the rows of positive weight
        has a variance of exactly 0. The numpy backend takes the scale, a pass
        more, only where a sum or a square of the unscaled columns overflows or
        may underflow (else 1).
        """
        xp, X, s = self.xp, self.X, self.s
        row = X[:1, :] if isinstance(s, float) else xp.take(
            X, xp.reshape(xp.argmax(s), (1,)), axis=0)  # the row of largest weight
        scale = xp.zeros_like(row[0, :])
        for _, A in self._moment_blocks(row):  # max |x| (rows of positive weight)
            scale = xp.maximum(scale, xp.maximum(xp.max(A, axis=0), -xp.min(A, axis=0)))
        scale = xp.where(scale > 0, scale, xp.ones_like(scale))
        # (x - ref) / scale: the difference in X's dtype (which may be the widest there
        # is), then scaled; halved first where it could overflow (|x| > max / 2)
        half = xp.where(scale > float(xp.finfo(X.dtype).max) / 2, xp.full_like(scale, 0.5),
                        xp.ones_like(scale))
        ref_half, scale_half = row * half, scale * half
        ref = ref_half / scale_half
        parts = []
        for w, A in self._moment_blocks(row):
            total = float(A.shape[0]) if w is None else float(xp.sum(w))
            A = (A * half - ref_half) / scale_half  # a block's size, not X's
            mean = (xp.sum(A, axis=0) if w is None else xp.sum(w * A, axis=0)) / total
            A = A - mean
            A = A * A
            parts.append((total, ref[0, :], mean, xp.sum(A if w is None else w * A, axis=0)))
        acc = _combine(parts, xp)
        if acc is None:  # no row of positive weight (refused before a fit)
            zeros = xp.zeros_like(scale)
            return scale, zeros, xp.zeros_like(scale)
        total, ref, rel, m2 = acc
        return scale, ref + rel, m2 / total

    def _moment_blocks(self, ref):
        """``(w, A)`` of each row block of X (:data:`MOMENT_ENTRIES`) that holds a row
        of positive weight: w its weights as a column (None: equal weights), A its rows,
        those of weight 0 replaced by ``ref`` (a row of positive weight), so that they
        move neither the scale nor the moments, whatever they hold."""
        xp, X, s = self.xp, self.X, self.s
        n, d = self.n_samples, max(self.n_features, 1)
        step = max(1, max(min(MOMENT_ENTRIES, n * d // 8), MOMENT_ENTRIES >> 8) // d)
        for lo in range(0, n, step):
            hi = min(lo + step, n)  # the standard leaves stops past the end open
            if isinstance(s, float):
                yield None, X[lo:hi, :]
                continue
            w = s[lo:hi, None]
            if float(xp.sum(w)) > 0.0:  # else rows of no weight
                yield w, xp.where(w > 0, X[lo:hi, :], ref)


# Entries (rows × columns of Z) per block of the O(n) passes on numpy: the
# temporaries of one block (512 KiB each in float64) stay in the caches, whatever the
# number of classes or of a batch's columns; each block costs a few Python calls, hence
# not smaller (benchmarks/README.md, "A/B of the core redesign").
CHUNK = 65536

# Bytes of Z that a batch's block of K > 1 classes holds at most: its loss runs group by
# group on blocks of CHUNK entries a group, so G groups move blocks of G·CHUNK entries
# (products, residual) through the caches, which hold about 2 MiB (4 groups in float64)
# (benchmarks/README.md, "The batch's passes on 100,000 rows of K classes").
CLASS_BATCH_BYTES = 1 << 21

# Entries of Z (rows × columns) that a thread takes at least in a pass: handing a share
# to another thread and waiting for it costs about a pass over this many entries; a pass
# over fewer than twice as many stays on the calling thread (benchmarks/README.md,
# "Threads for the O(n) work").
MIN_SHARE = 32768

# Entries a block keeps at least where the blocks are cut finer than CHUNK
# so that every thread that runs gets one.
MIN_BLOCK = 8192

# Entries of X that the products by row blocks read in the time the loss takes for one
# entry of Z: a pass that multiplies by X's rows weighs m + (X's entries a row) /
# PRODUCT_ENTRIES a row where threads are counted, so that passes with X's products get
# threads for them too (benchmarks/README.md, "16 cores").
PRODUCT_ENTRIES = 5

# A column of dense X whose mean less the raw sums' shift c (0, or a first block's
# mean) is at most √RAW_SPREAD standard deviations keeps the raw sums Σ w a, Σ w a²
# of a = x - c (:meth:`NumpyBackend._raw_sums`): their variance Σ w a² / Σ w -
# (Σ w a / Σ w)² loses at most log2(1 + RAW_SPREAD) bits to the subtraction; a
# column farther (an offset, a constant) is summed again by the two-pass sums.
RAW_SPREAD = 64.0

# Entries of X in a block of the raw sums: the squares' buffer (512 KiB in
# float64) stays in the L2 cache (benchmarks/README.md, "Column moments: raw sums,
# two-pass only where they cancel (2026-11-30, Xeon)").
RAW_ENTRIES = 1 << 16

# Rows of a block of the raw sums at most: a long BLAS sum of a column of few values
# drifts one way, an error the subtraction amplifies up to 1 + RAW_SPREAD times
# (CHANGELOG.md, "Dense moments in a third of the time").
RAW_ROWS = 2048


# Entries of X in a row block of the array-API moments: an eighth of X, at most
# 2**24 (64 MiB in float32) and at least 2**16, so that the temporaries stay far
# below X's size (a GPU that holds X need not hold three of it) with few kernel
# launches.
MOMENT_ENTRIES = 1 << 24
#: A dense X of at most this many entries (512 KiB in float64) is one block of its Grams.
GRAM_WHOLE = 1 << 16
#: Rows of at least this many entries take their Grams in larger blocks
#: (:meth:`NumpyBackend._gram_rows`).
GRAM_WIDE = 256


class HostArrays:
    """Parameters as numpy arrays on the host (numpy, scipy.sparse and Dask data)."""

    device = None

    def zeros(self, shape):
        return np.zeros(shape, dtype=self.dtype)

    def ones(self, shape):
        return np.ones(shape, dtype=self.dtype)

    def asarray(self, a):
        return np.asarray(a, dtype=self.dtype)

    def to_numpy(self, a):
        return np.asarray(a)

    def in_float64(self, Z):
        """A raw prediction Z with its entries in float64 (the curvatures of
        :meth:`gdlogreg._objective.Objective.exact_twin`)."""
        return np.asarray(Z, dtype=np.float64)


def _row_blocks(n, m=1, work=0.0):
    """Slices of ``range(n)`` of at most :data:`CHUNK` entries of Z (m columns), as equal
    as can be.

    As many as a multiple of the cores where there are more blocks than
    cores, so that the threads' shares are equal; where there are fewer, one
    a core as long as each keeps :data:`MIN_BLOCK` entries, but only where a
    second thread will run (:data:`MIN_SHARE`): on one thread a block more is
    only a loss call more. The
    blocks depend on n and the machine only, not on the threads in use: a
    loss is summed alike on any number of them. ``work``: the entries of Z
    that a row's share of X's products weighs (:data:`PRODUCT_ENTRIES`).
    """
    m = max(m, 1)
    entries = int(n * (m + work))
    rows, c = max(1, CHUNK // m), _threads.cores()
    n_blocks = max(-(-n // rows), 1)
    if n_blocks >= c:
        n_blocks = -(-n_blocks // c) * c
    elif entries >= 2 * MIN_SHARE:
        n_blocks = max(n_blocks, min(c, entries // MIN_BLOCK, n))  # no empty block
    cut = _threads.bounds(n, n_blocks)
    return [slice(cut[i], cut[i + 1]) for i in range(n_blocks)]


#: Stored entries of sparse X a block of :meth:`NumpyBackend.exact_gradient` copies in
#: float64 (with their indices: about 1 MiB).
EXACT_ENTRIES = 1 << 16


def _stored_blocks(indptr, per_block):
    """(start, end) of runs of rows (CSR) or columns (CSC) holding about ``per_block``
    stored entries each (one line at least): even runs of lines were one copy of most of X
    where a few columns hold most entries (Zipf CSC, review 74)."""
    lines, start = len(indptr) - 1, 0
    while start < lines:
        end = int(np.searchsorted(indptr, indptr[start] + per_block, side="right")) - 1
        end = min(max(end, start + 1), lines)
        yield start, end
        start = end


class NumpyBackend(HostArrays, ArrayBackend):
    """:class:`ArrayBackend` for numpy and scipy.sparse (CSR, CSC) X, at the cost floor.

    Z has shape (n, m); for m > 1 it is stored column-major (class-major), so
    that ``Z = X W`` and ``Xᵀ R`` are matrix products and the softmax's sums
    over the K classes of a row run along the long axis. The O(n) passes run
    in blocks of at most :data:`CHUNK` rows, spread over threads
    (:mod:`._threads`); :meth:`loss_pass` with ``move=True`` moves Z in place,
    so that a line search holds two arrays of Z's size at most. Over several
    blocks the products of a pass with its gradient are made block by block,
    in both directions (for CSR X by scipy's kernels on X's own arrays), while
    the block is in the cache.
    """

    #: Z (and the residual) row-major for sparse X with m > 1: scipy's sparse
    #: products take and give C-ordered dense operands (a batch of binary problems).
    row_major = False

    def __init__(self, X, targets, s):
        self.X = X
        self.xp = np
        self.n_samples, self.n_features = X.shape
        self.dtype = np.dtype(X.dtype)
        self.targets = targets
        self.s = s
        self._sparse = sp.issparse(X)
        self._csr = self._sparse and X.format == "csr"
        # Sparse X whose blocks of rows come as CSR for the Grams: CSR, and CSC of sorted
        # row indices (each column's run of a block's rows found by binary search,
        # :func:`_sparse_rows`); other CSC X takes its Hessian by products with X
        self._sparse_rows = self._csr or (self._sparse and X.format == "csc"
                                          and bool(X.has_sorted_indices))
        self._indptr = _kernel_indptr(X) if self._csr else None
        # Row blocks of X that are contiguous (C-ordered dense X): its products can be
        # cut in them (np.dot would copy a block of an F-ordered or strided X; for
        # F-ordered X that copy pays where Z has as many columns as X: _x_by_rows).
        self._row_blocks_of_x = not self._sparse and X.flags.c_contiguous
        # The entries of Z that a row's share of the products by row blocks weighs.
        per_row = X.nnz / max(self.n_samples, 1) if self._csr else self.n_features
        by_rows = self._row_blocks_of_x or self._csr
        self._x_work = per_row / PRODUCT_ENTRIES if by_rows else 0.0
        # The row blocks for passes over m columns: m -> blocks.
        self._cuts = {}

    def errstate(self):
        return np.errstate(over="ignore", invalid="ignore", under="ignore")

    def with_weights(self, s):
        new = super().with_weights(s)
        new.row_major = self.row_major
        return new

    @functools.cached_property
    def gives_rows(self):
        """Whether :meth:`centred_rows` gives X's rows: dense X, sparse X that stores at
        least half of its entries (dense in all but its format: the copy is at most 4/3 of
        X's own arrays), and sparse X of at most SMALL_COPY entries. Other sparse X is never
        densified: there the factored metric's products would cost many times X's own, and
        its steps take H's diagonal instead (:meth:`gdlogreg._objective.Objective.whitening`).
        Asked of a backend once, where a metric is taken (an O(n) count for CSR X)."""
        X, s = self.X, self.s
        return not self._sparse or (
            _stored_share(X, s) >= 0.5 or _positive_count(s, X.shape[0]) * X.shape[1]
            <= SMALL_COPY)

    def _x_by_rows(self, m):
        """Whether the products with m columns are cut in X's row blocks: C-ordered dense
        X; F-ordered dense X too where m is at least its columns, whose block copies (np.dot
        copies a block of F-ordered rows: 2·rows·d entries) then cost less than the whole
        n × m arrays X V and R that one product each way needs (review 134)."""
        return self._row_blocks_of_x or (
            not self._sparse and self.X.flags.f_contiguous and m >= self.n_features)

    def most_groups(self, k):
        """The most groups of k > 1 columns a batch should hold where one group's Z spans
        more than two blocks of CHUNK entries (:data:`CLASS_BATCH_BYTES`); None: no bound
        (one column a group, whose blocks are sized by the batch's columns, or fewer
        rows: there a batch's shared Python is worth more than the caches; review 135)."""
        if k == 1 or self.n_samples * k <= 2 * CHUNK:
            return None
        return max(1, CLASS_BATCH_BYTES // (CHUNK * self.dtype.itemsize))

    def row_blocks(self, m=1):
        """The row blocks of a pass over Z of m columns (:func:`_row_blocks`)."""
        blocks = self._cuts.get(m)
        if blocks is None:
            blocks = self._cuts[m] = _row_blocks(self.n_samples, m, self._x_work)
        return blocks

    def _n_threads(self, m, products=False):
        """Threads for a pass over Z of m columns (with X's products by row blocks):
        each takes :data:`MIN_SHARE` entries' work or more."""
        work = m + (self._x_work if products else 0.0)
        most = min(len(self.row_blocks(m)), int(self.n_samples * work) // max(MIN_SHARE, 1))
        return 1 if most < 2 else min(most, _threads.thread_limit())

    def _map(self, fn, m, blocks=None, blas=False, products=False):
        """``[fn(lo, hi)]`` for each thread's contiguous share ``lo:hi`` of the row blocks
        (``blocks``, those of m columns by default) of a pass over m columns.

        ``blas``: fn calls the BLAS (dense products by blocks), held at one
        thread while several threads run fn. ``products`` (implied by ``blas``):
        fn multiplies by X's rows, which weighs in the count of threads.
        """
        n_blocks = len(self.row_blocks(m) if blocks is None else blocks)
        k = min(self._n_threads(m, products or blas), n_blocks)
        if blas and k > 1:
            with _threads.single_threaded_blas():
                return _threads.map_parts(fn, n_blocks, k)
        return _threads.map_parts(fn, n_blocks, k)

    def _new_z(self, m):
        """An uninitialised Z of shape (n, m), column-major."""
        return np.empty((m, self.n_samples), dtype=self.dtype).T

    def linear(self, coef, fit_intercept, out=None):
        """Z = X W + b, into ``out`` (an (n, m) array from this backend) if given.

        Z may overflow (a trial step far too long, data near the float limit):
        the loss is then inf and the step rule backs off; no warning.
        """
        d, m = self.n_features, coef.shape[1]
        W = coef[:d]
        if not np.count_nonzero(W):  # the all-zero start: Z = b, no product (X is finite)
            if out is None:
                row_major = self._sparse and self.row_major and m > 1
                out = np.empty((self.n_samples, m), self.dtype) if row_major else self._new_z(m)
            out[...] = coef[d] if fit_intercept else 0.0
            return out
        if self._csr and m == 1:
            return self._csr_matvec(W[:, 0], coef[d, 0] if fit_intercept else 0.0, out)
        if self._csr:
            return self._csr_linear(W, coef[d] if fit_intercept else 0.0, out)
        if self._sparse:
            P = (self.X @ W[:, 0])[:, None] if m == 1 else self.X @ W  # matvec for one column
            if out is None:
                out = P if m == 1 or self.row_major else np.asfortranarray(P)
            else:
                out[...] = P
            del P
        else:
            return self._dense_linear(W, coef[d] if fit_intercept else None, out)
        if fit_intercept:
            out += coef[d]
        return out

    def _dense_linear(self, W, b, out):
        """X W + b for dense X into ``out`` (a new Z without it), by the row blocks of a
        pass over W's columns on the pool's threads (the BLAS at one thread meanwhile,
        as in :meth:`loss_pass`); each row's product is the same as in one call."""
        out = self._new_z(W.shape[1]) if out is None else out
        blocks = self.row_blocks(W.shape[1])
        if len(blocks) == 1 or not self._x_by_rows(W.shape[1]):  # one product, BLAS threads
            self._linear_rows(self.X, out, W, b)
            return out

        def part(lo, hi):
            with self.errstate():  # per thread: an overflowing trial's Z warns in none
                for rows in blocks[lo:hi]:
                    self._linear_rows(self.X[rows], out[rows], W, b)

        self._map(part, W.shape[1], blas=True)
        return out

    @staticmethod
    def _linear_rows(X, z, W, b):
        """z = X W + b for rows X of dense X and their rows z of Z."""
        if W.shape[1] == 1:
            np.matmul(X, W[:, 0], out=z[:, 0])
        else:  # the rows of a class-major Z: (Wᵀ Xᵀ)ᵀ
            np.matmul(W.T, X.T, out=z.T)
        if b is not None:
            z += b

    def _csr_matvec(self, w, b, out):
        """X w + b for CSR X into ``out[:, 0]``: each block set to b, then X_block w added.

        The product is written where it is kept (no new array, no second pass
        for the intercept), block by block on the threads.
        """
        out = self._new_z(1) if out is None else out
        w = np.ascontiguousarray(w, dtype=self.dtype)
        z = out[:, 0]

        blocks = self.row_blocks(1)

        def part(lo, hi):
            for rows in blocks[lo:hi]:
                self._csr_block(z[rows], rows, w, b)

        self._map(part, 1, products=True)
        return out

    def _csr_linear(self, W, b, out):
        """X W + b for CSR X and W of several columns into ``out`` (a new Z without it),
        block by block on the threads: scipy's kernel writes each block's rows into a
        row-major buffer of the block, copied into Z. The whole product would be an
        n × m array, and for the class-major Z a second one (three n × m arrays beside
        the Z or R a line search holds)."""
        m = W.shape[1]
        if out is None:
            out = np.empty((self.n_samples, m), self.dtype) if self.row_major else self._new_z(m)
        W = np.ascontiguousarray(W, dtype=self.dtype)  # the kernel's one dtype, as for m = 1
        blocks = self.row_blocks(m)
        # a row-major Z (the search's binary columns): each block's rows are contiguous
        # there, and the kernel writes them in place (no buffer, no copy)
        direct = out.flags.c_contiguous and out.dtype == self.dtype

        def part(lo, hi):
            with self.errstate():
                for rows in blocks[lo:hi]:
                    z = out[rows] if direct else np.empty((rows.stop - rows.start, m),
                                                          self.dtype)
                    z[...] = b
                    csr_matvecs(z.shape[0], self.n_features, m,
                                self._indptr[rows.start : rows.stop + 1], self.X.indices,
                                self.X.data, W.ravel(), z.ravel())
                    if not direct:
                        out[rows] = z

        self._map(part, m, products=True)
        return out

    def rlinear(self, R, fit_intercept):
        d, m = self.n_features, R.shape[1]
        if self._csr:  # block by block on the threads, each into its own G
            shape, blocks = (d + int(fit_intercept), m), self.row_blocks(m)

            def part(lo, hi):
                G = np.zeros(shape, self.dtype)
                with self.errstate():  # per thread, as in loss_pass
                    for i in range(lo, hi):
                        self._add_block_gradient(G, i, R[blocks[i]], fit_intercept, m)
                return [], G, None

            return _gather(self._map(part, m, blocks, products=True))[1]
        G = np.empty((d + int(fit_intercept), m), dtype=self.dtype)
        X = self.X
        if m == 1 and not self._sparse and R.dtype == X.dtype and (
            X.flags.c_contiguous or X.flags.f_contiguous
        ):  # into G, no temporary (np.dot would copy a strided X)
            np.dot(R[:, 0], X, out=G[:d, 0])
        elif m == 1:
            G[:d, 0] = X.T @ R[:, 0]
        elif self._sparse:
            G[:d] = X.T @ R
        else:  # (Rᵀ X)ᵀ: R is class-major, so this is one row-major product
            G[:d] = (R.T @ X).T
        if fit_intercept:
            G[d] = R.sum(axis=0)
        return G

    def combine(self, Za, Zb, beta):
        """Za + β (Za - Zb) written over Zb, block by block on the threads."""

        blocks = self.row_blocks(Za.shape[1])

        def part(lo, hi):
            with self.errstate():  # per thread: numpy's error state is thread-local
                for rows in blocks[lo:hi]:
                    zc = np.subtract(Za[rows], Zb[rows], out=Zb[rows])
                    zc *= beta
                    zc += Za[rows]

        self._map(part, Za.shape[1])
        return Zb

    def _plan(self, loss, m, gradient):
        """(sum Xᵀ R block by block?, the blocks' width, the row blocks) of a pass over m columns.

        C-ordered dense X over several blocks, and CSR X with one column or a row-major
        Z (a sparse batch's): Xᵀ r is added block by block into G while r is in the
        cache (R is never stored whole), and a move by X V of one column is made block
        by block too (no D). CSR X with a class-major Z of several columns keeps R and
        multiplies it in large blocks (rlinear): scipy's kernel reads R's rows. Blocks of
        cache size for the arrays one call of the loss makes.
        """
        width = loss.block_columns(m) if hasattr(loss, "block_columns") else m
        blocks = self.row_blocks(width)
        dense = self._x_by_rows(m) and len(blocks) > 1
        return gradient and (dense or self._csr and (m == 1 or self.row_major)), width, blocks

    def spends_direction(self, loss, m):
        by_blocks, _, blocks = self._plan(loss, m, True)
        return not by_blocks and len(blocks) > 1

    def moves_in_place(self, loss, m):
        """Over several blocks (or CSR X with one column): one block's trial is kept apart."""
        by_blocks, _, blocks = self._plan(loss, m, True)
        return by_blocks or len(blocks) > 1

    def loss_pass(self, loss, Z, D=None, t=0.0, *, gradient=False, fit_intercept=True,
                  move=False, keep=None, V=None):
        """As :meth:`ArrayBackend.loss_pass`, in row blocks, on threads and in place.

        ``move=True``: U is written over Z and R over D (over Z without D,
        and then U is returned as None unless one block kept R apart), except
        in a pass of one block that ``keep`` may refuse, which keeps U apart
        (:meth:`moves_in_place`); otherwise Z and D are only read and R is a
        new array. With C-ordered dense X over several blocks and CSR X with one column
        (:meth:`_plan`), Xᵀ R is summed block by block while each block of R
        is in the cache, and R is never stored whole. The blocks are cut into
        contiguous parts that the threads take in turn; the blocks' losses are
        summed in block order (the same sum on any number of threads), the
        parts' shares of Xᵀ R in part order (the same sum for the same number
        of threads).
        """
        by_blocks, width, blocks = self._plan(loss, Z.shape[1], gradient)
        # CSR's block step moves one column (a batch's V: X V made first)
        in_pass = by_blocks and move and not (self._csr and Z.shape[1] > 1)
        D, t, step = self._moves(V, D, t, in_pass, fit_intercept)
        R = None
        if gradient and not by_blocks and len(blocks) > 1:
            R = (Z if D is None else D) if move else np.empty_like(Z)
        shape = (self.n_features + fit_intercept, Z.shape[1])
        moving = move and D is not None
        if len(blocks) == 1 and not by_blocks:  # one block on this thread: no map
            # A trial that may be refused is kept apart (a block's memory), so
            # that a refusal leaves Z as it was: no undo (moves_in_place).
            in_place = moving and keep is None
            with self.errstate():
                U = self._block(Z, D, t, blocks[0], in_place)
                total, r = loss.terms(U, self.targets, self.weights(blocks[0]), np, gradient)
            keeps = gradient and (keep is None or keep(total))
            G = self.rlinear(r, fit_intercept) if keeps else None
            return total, Z if in_place or D is None else (U if move else None), G

        def part(lo, hi):
            values, G, r = [], np.zeros(shape, self.dtype) if by_blocks else None, None
            with self.errstate():  # per thread: numpy's error state is thread-local
                for i in range(lo, hi):
                    rows = blocks[i]
                    U = self._block(Z, D, t, rows, moving) if step is None else step(Z, rows)
                    value, r = loss.terms(U, self.targets[rows], self.weights(rows), np, gradient)
                    values.append(value)
                    if by_blocks:
                        self._add_block_gradient(G, i, r, fit_intercept, width)
                    elif R is not None:
                        R[rows] = r
                    if by_blocks or R is not None:  # this block's arrays go before the next's
                        U = r = None
            return values, G, r

        parts = self._map(part, Z.shape[1], blocks, blas=by_blocks and not self._sparse,
                          products=by_blocks)
        total, G, r = _gather(parts)
        if gradient and not by_blocks and (keep is None or keep(total)):
            G = self.rlinear(r if R is None else R, fit_intercept)  # one block: r is R
        if R is Z:  # moved without D: the residual is in Z's memory, U is gone
            return total, None, G
        return total, Z if move or D is None else None, G

    def _moves(self, V, D, t, in_pass, fit_intercept):
        """``(D, t, step)`` of a pass moved by X V: block by block in the pass where it
        can be (``step``: :meth:`_plan`'s block products), else D = X V made here; as
        given without V."""
        if V is None:
            return D, t, None
        if in_pass:
            return None, 0.0, self._block_step(V, fit_intercept)
        return self.linear(V, fit_intercept), 1.0, None

    def _block_step(self, V, fit_intercept):
        """``step(Z, rows)``: Z's block moved in place by X_block W + c, for V = [W; c].

        The move is summed apart, as :meth:`linear` makes D, and then added, as
        Z + D is: summed onto z the row's products would each round at z's
        scale, and near the optimum of an ill-scaled float32 fit the gradient
        differences that set the spectral steps would be that noise (CHANGELOG.md,
        "The fused first trial makes its own X @ d on CSR data").
        """
        d, m = self.n_features, V.shape[1]
        if self._csr:
            v = np.ascontiguousarray(V[:d, 0], dtype=self.dtype)
            c = V[d, 0] if fit_intercept else 0.0

            def step(Z, rows):
                z = Z[rows]
                n_rows = rows.stop - rows.start
                z[:, 0] += self._csr_block(np.empty(n_rows, self.dtype), rows, v, c)
                return z
            return step
        W, c = V[:d], V[d] if fit_intercept else None

        def dense_step(Z, rows):
            z = Z[rows]
            P = np.empty((m, rows.stop - rows.start), self.dtype).T  # class-major, as Z
            self._linear_rows(self.X[rows], P, W, c)  # as linear makes D
            z += P
            return z
        return dense_step

    def _csr_block(self, out, rows, w, b):
        """``out`` = X_block w + b for the row block ``rows`` of CSR X (a vector of its rows)."""
        out[...] = b
        csr_matvec(rows.stop - rows.start, self.n_features,
                   self._indptr[rows.start : rows.stop + 1], self.X.indices, self.X.data, w, out)
        return out

    def _add_block_gradient(self, G, i, r, fit_intercept, width=None):
        """G += [X_iᵀ r; Σ r] for the i-th row block of X (CSR, one column: written into G);
        the blocks those of passes over ``width`` columns (r's by default)."""
        blocks = self._cuts[r.shape[1] if width is None else width]
        X, d, rows = self.X, self.n_features, blocks[i]
        if not self._sparse:  # as rlinear: Xᵀ r, or (Rᵀ X)ᵀ for a class-major R
            # np.dot, not @: numpy 2.4's matmul holds the GIL in these products, which
            # serialises the threads (np.dot releases it; X is C-ordered: no copy)
            if r.shape[1] == 1:
                G[:d, 0] += np.dot(r[:, 0], X[rows])
            else:
                G[:d] += np.dot(r.T, X[rows]).T
        elif r.shape[1] == 1:
            csc_matvec(d, rows.stop - rows.start, self._indptr[rows.start : rows.stop + 1],
                       X.indices, X.data, np.asarray(r[:, 0], dtype=self.dtype), G[:d, 0])
        else:  # Xᵀ of the block is CSC on X's arrays: its kernel adds into G (C-ordered)
            csc_matvecs(d, rows.stop - rows.start, r.shape[1],
                        self._indptr[rows.start : rows.stop + 1], X.indices, X.data,
                        np.ascontiguousarray(r, dtype=self.dtype).ravel(), G[:d].reshape(-1))
        if fit_intercept:
            G[d] += r.sum(axis=0)

    @staticmethod
    def _block(Z, D, t, rows, move):
        """Z + t·D on a block of rows; written over Z's block with ``move``; the pair
        [Z, D] of the block with t = None (:meth:`ArrayBackend.loss_pass`)."""
        if D is None:
            return Z[rows]
        if t is None:
            return Z[rows], D[rows]
        out = Z[rows] if move else None
        if t == 1.0:
            return np.add(Z[rows], D[rows], out=out)
        return np.add(D[rows] * t, Z[rows], out=out)  # rounded as t·D + Z everywhere

    def exact_gradient(self, loss, base, fit_intercept):
        """(the loss's value, [Xᵀ R; Σ R]) at the original coefficients ``base`` ((d + 1
        or d) × m, float64), X's row blocks read in float64: a float32 fit's gradient
        without its own products' rounding (a stop's check, one pass). Numpy, float64; the
        loss's ``terms`` as :meth:`loss_pass` takes them. X is copied a cache-sized block
        at a time (:meth:`_exact_blocks`): a pass's block of up to 65,536 rows, copied
        whole, put two float64 copies of half a float32 X at the peak (benchmarks/README.md,
        "A float32 stop's float64 gradient in cache-sized blocks")."""
        d, m = self.n_features, base.shape[1]
        W, b = base[:d], base[d] if fit_intercept else 0.0
        G, total = np.zeros((d + int(fit_intercept), m)), 0.0
        with self.errstate():
            if self._sparse and not self._csr:  # CSC: z by columns, then Xᵀ r by columns
                return self._csc_exact_gradient(loss, W, b, G, fit_intercept)
            for rows in self._exact_blocks(m):
                A = self.X[rows].astype(np.float64)
                value, r = loss.terms(np.asfortranarray(A @ W + b), self.targets[rows],
                                      self._float64_weights(rows), np, True)
                total += float(value)
                G[:d] += A.T @ r
                if fit_intercept:
                    G[d] += r.sum(axis=0)
                del A  # (before the next block's copy)
        return total, G

    def _exact_blocks(self, m):
        """The row blocks of :meth:`exact_gradient`: each of a pass's blocks cut in runs of
        :meth:`_moment_rows` rows (dense X), or of about 2^16 stored entries (CSR X), copies
        that stay in the cache (a pass's block of up to 65,536 rows, copied whole, put two
        float64 copies of half of a float32 X at the peak: review 216)."""
        for block in self.row_blocks(m):
            if not self._sparse:
                step = self._moment_rows()
                for i in range(block.start, block.stop, step):
                    yield slice(i, min(i + step, block.stop))
                continue
            indptr = self._indptr[block.start : block.stop + 1]
            for a, e in _stored_blocks(indptr, EXACT_ENTRIES):
                yield slice(block.start + a, block.start + e)

    def _float64_weights(self, rows):
        s = self.weights(rows)
        return s if isinstance(s, float) else s.astype(np.float64)

    def _csc_exact_gradient(self, loss, W, b, G, fit_intercept):
        """:meth:`exact_gradient` of CSC X: z = X W + b summed over runs of columns of about
        2^16 stored entries each (a row block of CSC X is a read of all its columns), the
        loss's terms on all rows, then each run's Xᵀ r."""
        X, d = self.X, self.n_features
        Z = np.zeros((self.n_samples, W.shape[1]), order="F")  # (the loss's layout)
        runs = list(_stored_blocks(X.indptr, EXACT_ENTRIES))
        for a, e in runs:
            Z += X[:, a:e].astype(np.float64) @ W[a:e]
        Z += b
        everything = slice(0, self.n_samples)
        value, r = loss.terms(np.asfortranarray(Z), self.targets,
                              self._float64_weights(everything), np, True)
        del Z
        for a, e in runs:
            G[a:e] += X[:, a:e].astype(np.float64).T @ r
        if fit_intercept:
            G[d] += r.sum(axis=0)
        return float(value), G

    def centred_gram(self, mean, scale, rows=None, Z=None, cols=None):
        """Σᵢ wᵢ âᵢ âᵢᵀ for âᵢ = [aᵢ; 1], aᵢ = (xᵢ - μ)·scale (numpy, float64, (d + 1)²),
        w = s this backend's row weights, or with the loss-like ``rows``
        (``CurvatureShare``) and a raw prediction Z the rows' s·ρ at Z (the
        curvature-weighted Gram); the last row and column are Σ w a and Σ w. ``cols``
        (sorted column indices): aᵢ on those columns alone ((len(cols) + 1)², still one
        read of X). Dense X in
        one read: each cache-sized block of rows centred and scaled in float64 (nothing
        cancels: a raw Gram less μμᵀ would lose the spread of an offset column; and
        scaled before the products, which overflow in raw units for features near
        1e155), times √w, its products summed in block order on the pool's threads
        (BLAS at one thread meanwhile). CSR X, and CSC X of sorted row indices (cut as
        CSR, :func:`_csr_blocks`): :meth:`_sparse_gram`; other CSC X only with ``cols``
        (the Gram of every column is None there)."""
        if self._sparse:
            if self._sparse_rows or cols is not None:
                return self._sparse_gram(mean, scale, rows, Z, cols)
            return None
        d = self.n_features if cols is None else len(cols)
        blocks = self.row_blocks(1)

        def part(lo, hi):
            G = np.zeros((d + 1, d + 1))
            for i, A in self._centred_blocks(mean, scale, blocks[lo:hi],
                                             self._gram_rows(products=True), cols):
                w = self._gram_weights(i, A.shape[0], rows, Z)
                # rows of weight 0 (a held-out fold's) left out; not those whose curvature
                # underflowed: the same sum, but in other blocks of rounding, which moves
                # float32 paths (CHANGELOG.md, "Takes of the class metric: rows of weight 0
                # skipped, the blocks applied by BLAS")
                A, w = _live_rows(self._gram_weights(i, A.shape[0], None, None), A, w)
                root = np.sqrt(w)  # w >= 0
                A *= root
                G[:d, :d] += np.dot(A.T, A)
                G[d, :d] += (root.T @ A).ravel() if root.ndim else root * A.sum(axis=0)
                G[d, d] += float(w * A.shape[0]) if np.ndim(w) == 0 else float(w.sum())
            return [], G, None

        G = _gather(self._map(part, 1, blas=True))[1]
        G[:d, d] = G[d, :d]
        return G

    def centred_diagonal(self, mean, scale, rows=None, Z=None):
        """The diagonal of :meth:`centred_gram` without the Gram (numpy, float64, d + 1):
        Σᵢ wᵢ aᵢⱼ² for each column and Σ w last, at the same weights, in one read of X; for
        the diagonal metric (:meth:`gdlogreg._objective.Objective.whitening`). Dense X by
        :meth:`centred_gram`'s blocks, also for ``rows`` of ``n_weights`` > 1 columns of
        weights ((d + 1, m): :class:`gdlogreg._loss.ClassCurvatures`); sparse X, CSR or
        CSC: :meth:`_sparse_diagonal_by_products`, else :meth:`_sparse_diagonal` (m > 1
        columns by products only, else None: a read a column)."""
        if self._sparse and getattr(rows, "n_weights", 1) > 1:  # K classes: CSR's by products
            return self._sparse_diagonal_by_products(mean, scale, rows, Z)
        if self._sparse:
            fast = self._sparse_diagonal_by_products(mean, scale, rows, Z)
            return fast if fast is not None else self._sparse_diagonal(
                mean, scale, self._sparse_weights(rows, Z))
        d, m = self.n_features, getattr(rows, "n_weights", 1)
        blocks = self.row_blocks(1)

        def part(lo, hi):
            out = np.zeros(d + 1) if m == 1 else np.zeros((d + 1, m))
            for i, A in self._centred_blocks(mean, scale, blocks[lo:hi], self._gram_rows()):
                w = self._gram_weights(i, A.shape[0], rows, Z)
                A *= A
                if m > 1:  # a column of weights each (rows, m): the m diagonals at once
                    out[:d] += (w.T @ A).T
                    out[d] += w.sum(axis=0)
                    continue
                out[:d] += (w.T @ A).ravel() if np.ndim(w) else w * A.sum(axis=0)
                out[d] += float(w * A.shape[0]) if np.ndim(w) == 0 else float(w.sum())
            return [], out, None

        return _gather(self._map(part, 1, blas=True))[1]

    def _sparse_weights(self, rows, Z):
        """The weights of :meth:`centred_gram` for sparse X as one vector of n (float64),
        made CHUNK rows at a time: the curvature's temporaries of a chunk, not of n rows."""
        n = self.n_samples
        w = np.empty(n)
        for i in range(0, n, CHUNK):
            k = min(CHUNK, n - i)
            w[i : i + k] = np.asarray(self._gram_weights(i, k, rows, Z),
                                      dtype=np.float64).reshape(-1)
        return w

    def _sparse_diagonal_by_products(self, mean, scale, rows, Z):
        """:meth:`centred_diagonal` of sparse X by two sparse products with the weights,
        Σ w x and Σ w x², by blocks of a 64th of X's stored entries (or 32,768), each a copy
        whose data are then squared in place (CSR's blocks of rows with their own weights),
        then Σ w (x - μ)² = Σ w x² - 2μ Σ w x + μ² Σ w: as much as one
        iteration's products, far less than :meth:`_sparse_diagonal`'s gathers (review
        74). ``rows`` of K columns of weights (K classes' diagonals) in the same products,
        (d + 1, K), where a read a class cost K (review 179): CSR X, and CSC X (its rows cut
        as CSR: canonical CSC has sorted row indices). The columns where
        that subtraction may lose more than 1e-4 of the entry (a
        large offset against its spread, a constant column) or a square overflows (a row of
        weight 0 holding 1e200 made it nan) are taken again as dense columns, centred and
        scaled before they are squared, where they are few (at most a quarter of X's
        entries); None where they are more, and for CSC X of repeated entries cut by rows:
        the exact kernel then (K columns: a read each). Each block of X not canonical
        (unsorted indices, as CountVectorizer's ``max_features`` and ``min_df`` leave them,
        or repeated entries, whose parts must not be squared alone) sums its repeats in its
        copy first: the gathers took 6 ms of a 23 ms fit on trump tweets' TF-IDF."""
        X, (n, d), m = self.X, self.X.shape, getattr(rows, "n_weights", 1)
        by_rows = self._csr or m > 1  # (K columns of CSC X: its rows cut as CSR's)
        canonical = X.has_canonical_format
        if not canonical and by_rows and not self._csr:
            return None
        w = None if by_rows else self._sparse_weights(rows, Z)
        shape = d if m == 1 else (d, m)
        S1, S2, total = np.zeros(shape), np.zeros(shape), np.zeros(() if m == 1 else m)
        with np.errstate(over="ignore", invalid="ignore"):
            for i, end, B in self._diagonal_blocks(by_rows):
                if not canonical:
                    B.sum_duplicates()  # (B is this block's own copy)
                wb = w
                if by_rows:  # this block's rows' weights: a column, or K
                    wb = np.asarray(self._gram_weights(i, end - i, rows, Z), dtype=np.float64)
                    wb = np.broadcast_to(wb.reshape(-1), (end - i,)) if m == 1 else (
                        wb.reshape(end - i, m))
                    total += wb.sum(axis=0)
                lines = slice(0, d) if by_rows else slice(i, end)
                S1[lines] += B.T @ wb
                np.square(B.data, out=B.data)
                S2[lines] += B.T @ wb
        total = total if by_rows else float(w.sum())
        mu, D = np.asarray(mean, dtype=np.float64), np.asarray(scale, dtype=np.float64)
        if m > 1:  # (a column of K: each class's weights)
            mu, D = mu[:, None], D[:, None]
        with np.errstate(over="ignore", invalid="ignore"):
            size = S2 + 2.0 * np.abs(mu * S1) + mu * mu * total
            h = (S2 - 2.0 * mu * S1 + mu * mu * total) * D * D
            # (μ = 0: nothing cancels, a column of no curvature is 0; the uncentred
            # diagonal of Objective._jacobi on X with empty columns took the gathers)
            good = np.isfinite(size) & ((h >= 1e4 * np.finfo(float).eps * size * D * D)
                                        | (mu == 0.0))
        bad = np.flatnonzero(~good if m == 1 else ~good.all(axis=1))
        if len(bad) * n > max(X.nnz // 4, 1 << 16) or (len(bad) and m > 1):
            return None
        if len(bad):  # those columns dense, centred and scaled first (weight-0 rows at 0)
            w = self._sparse_weights(rows, Z) if w is None else w
            A = (X[:, bad].toarray().astype(np.float64) - mu[bad]) * D[bad]
            A[w <= 0] = 0.0
            h[bad] = w @ (A * A)
        return np.append(h, total) if m == 1 else np.vstack([h, total])

    def _diagonal_blocks(self, by_rows):
        """(i, end, B) for :meth:`_sparse_diagonal_by_products`: copies of runs of rows
        i:end (``by_rows``; CSR, or CSC of sorted row indices cut as CSR by
        :func:`_csr_blocks`) or of columns i:end (CSC) of about a 64th of X's stored
        entries (or 32,768) each, whose data may be written."""
        X, (n, d) = self.X, self.X.shape
        per_block = max(1 << 15, X.nnz // 64)
        if by_rows and not self._csr:
            for i, B in _csr_blocks(X, max(1, per_block * n // max(X.nnz, 1))):
                yield i, i + B.shape[0], B
            return
        kind = sp.csr_matrix if self._csr else sp.csc_matrix
        for i, end in _stored_blocks(X.indptr, per_block):
            a, b = X.indptr[i], X.indptr[end]
            # a copy of the block (scipy copies a slice's arrays anyway), its data then
            # squared in place: X's own arrays are never written
            yield i, end, kind((X.data[a:b], X.indices[a:b], X.indptr[i : end + 1] - a),
                               shape=(end - i, d) if self._csr else (n, end - i), copy=True)

    def _sparse_diagonal(self, mean, scale, w, nnz_per_block=1 << 16):
        """:meth:`centred_diagonal` of sparse X at the row weights ``w`` (a number or a
        column), by blocks of rows (CSR) or columns (CSC) of about ``nnz_per_block`` stored
        entries (:func:`_stored_blocks`), each a float64 copy (X is never copied whole):
        Σ w (x - μ)²D² over the stored entries, each centred before it is squared, plus
        (μD)² times the weight of the rows a column does not store (none where it stores
        every row of positive weight). Not Σ w (xD)² less 2μD Σ w xD plus (μD)² Σ w: that
        cancels for a column of a large offset against its spread (review 74). The entries
        of rows of weight 0 are left out: their squares overflowed (review 67); duplicate
        entries are summed first."""
        X, (n, d) = self.X, self.X.shape
        w = np.broadcast_to(np.asarray(w, dtype=np.float64).reshape(-1), (n,))
        D = np.asarray(scale, dtype=np.float64)
        mu = np.asarray(mean, dtype=np.float64) * D
        S2, stored, count = np.zeros(d), np.zeros(d), np.zeros(d)
        for i, end in _stored_blocks(X.indptr, nnz_per_block):
            B = (X[i:end] if self._csr else X[:, i:end]).astype(np.float64)
            B.sum_duplicates()  # an entry stored twice: its sum squared, not each part
            rows = np.repeat(np.arange(B.shape[0]), np.diff(B.indptr)) + i if self._csr else (
                B.indices)
            cols = B.indices if self._csr else np.repeat(np.arange(B.shape[1]),
                                                         np.diff(B.indptr)) + i
            wb = w[rows]
            live = wb > 0
            B.data *= D[cols] * live
            B.data -= mu[cols] * live
            S2 += np.bincount(cols, B.data * B.data * wb, minlength=d)
            stored += np.bincount(cols, wb, minlength=d)
            count += np.bincount(cols, live, minlength=d)
        total = float(w.sum())
        missing = np.where(count == np.count_nonzero(w > 0), 0.0, np.maximum(total - stored, 0.0))
        return np.append(S2 + mu * mu * missing, total)

    def _centred_blocks(self, mean, scale, blocks, step, cols=None):
        """(i, A) for each run of ``step`` rows from i in ``blocks`` of dense X: A = (x - μ)·scale
        in float64, in one buffer reused (a new copy per block would live beside the last
        one: two blocks at the peak), scaled before any product
        (raw units overflow for features near 1e155); ``cols``: on those columns alone."""
        mu = np.asarray(mean, dtype=np.float64)
        D = np.asarray(scale, dtype=np.float64)
        if cols is not None:
            mu, D = mu[cols], D[cols]
        buf = np.empty((min(step, self.n_samples), len(D)))
        for block in blocks:
            for i in range(block.start, block.stop, step):
                A = buf[: min(i + step, block.stop) - i]
                if self._sparse:  # CSR rows that go dense (class_gram): scattered
                    _dense_block(_sparse_rows(self.X, i, i + len(A)), out=A)
                    A -= mu  # in place: the block's one temporary, A itself
                elif cols is not None:  # the block's columns gathered: one temporary
                    np.subtract(np.take(self.X[i : i + len(A)], cols, axis=1), mu, out=A)
                else:  # x - μ in float64 into A: the copy and the centring in one pass
                    np.subtract(self.X[i : i + len(A)], mu, out=A)
                A *= D
                if not isinstance(self.s, float):
                    # a row of weight 0 moves nothing, whatever it holds: 0 times its
                    # inf (1e308 scaled) was nan in the Gram (review 66)
                    zero = self.s[i : i + len(A)] == 0
                    A[zero if zero.ndim == 1 else zero.all(axis=1)] = 0.0
                yield i, A

    def class_gram(self, mean, scale, Z, rows):
        """Σ of ``rows.gram_part`` over dense X's blocks of rows âᵢ (as
        :meth:`centred_gram`'s) at their raw predictions Z (numpy float64). CSR X (and CSC
        X of sorted row indices, cut as CSR): the K diagonal blocks alone
        (``rows.blocks``), each class's sparse Gram at its rows' weights s·pₖ(1 - pₖ)
        (:meth:`_sparse_grams`: Σ of stored entries² a row, far cheaper than the whole
        Hessian by products; review 68), or the whole Hessian where its rows go dense
        (below); else None (other CSC X)."""
        if self._sparse and not (self._sparse_rows and rows.blocks):
            # the whole Hessian of CSR X by its row blocks made dense, where they go dense
            # and their n·(Kq)²/2 products by BLAS cost less than SPARSE_PRODUCT_RATE times
            # the 2·nnz·q·K² of the products with X (Objective._class_columns)
            q, k = self.n_features + 1, rows.n_classes
            if not (self._sparse_rows and self._rows_go_dense() and self.n_samples * (k * q) ** 2
                    <= SPARSE_PRODUCT_RATE * 4 * self.X.nnz * q * k * k):
                return None
        elif self._sparse:
            s = self.s

            def weights(i, k):  # s·pₖ(1 - pₖ), (k, K)
                return rows.terms(Z[i : i + k], None, s if isinstance(s, float)
                                  else s[i : i + k], np, True)[1]

            return self._sparse_grams(mean, scale, weights)
        q = self.n_features + 1
        # a part's temporaries of rows × width entries: at most 2^19 (4 MiB); no more
        # blocks than that needs (each costs a few numpy calls, and with ``rows.blocks`` a
        # (K, q, q) sum)
        step = max(1, (1 << 19) // rows.width(q))
        blocks = self.row_blocks(1)

        def part(lo, hi):
            S = np.zeros(rows.shape(q))
            for i, A in self._centred_blocks(mean, scale, blocks[lo:hi], step):
                w = self._gram_weights(i, len(A), None, None)
                A, z, w = _live_rows(w, A, Z[i : i + len(A)], w)
                if len(A):  # (a block of held-out rows alone adds nothing)
                    S = rows.gram_part(A, z, w, np, out=S)
            return [], S, None

        return _gather(self._map(part, 1, blas=True))[1]

    def centred_rows(self, mean, scale):
        """The rows aᵢ = (xᵢ - μ)·scale of dense X (numpy, float64, n × d, a copy: for the
        low-rank metric of few rows, bounded by its caller), the rows of positive weight s
        only (a held-out fold's, or a weight of 0, is no row: the fit without it); None
        where sparse X is not dense enough to give them (:attr:`gives_rows`)."""
        if not self.gives_rows:
            return None
        pos = _positive(self.s)
        X = self.X if pos is None else self.X[pos]
        if self._sparse:
            A = np.asarray(X.toarray(), dtype=np.float64)
        else:
            A = X.astype(np.float64) if pos is None else np.asarray(X, np.float64)
        A -= np.asarray(mean, dtype=np.float64)
        A *= np.asarray(scale, dtype=np.float64)
        return A

    def row_weights(self, rows=None, Z=None):
        """The weights of :meth:`centred_gram` (s, or s·ρ at Z with ``rows``) of the rows
        of :meth:`centred_rows`, as a vector (numpy, float64); a matrix (n, K) where
        ``rows`` weighs each class's rows on its own (SoftmaxCurvature's blocks)."""
        w = np.asarray(self._gram_weights(0, self.n_samples, rows, Z), dtype=np.float64)
        if w.ndim < 2 or w.shape[1] == 1:
            w = np.broadcast_to(w.ravel(), (self.n_samples,))
        pos = _positive(self.s)
        return np.array(w) if pos is None else w[pos]

    def _sparse_gram(self, mean, scale, rows, Z, cols=None):
        """:meth:`centred_gram` of CSR X (or CSC X of sorted row indices), its rows never
        densified (:meth:`_sparse_grams` of one weight column). CSC X of unsorted row
        indices with ``cols``: a copy of those columns alone, its indices sorted (a
        support's, at most its stored entries: never a copy of X's)."""
        X = self.X
        if not self._sparse_rows:
            X = X[:, cols]
            X.sort_indices()
            mean, scale, cols = np.asarray(mean)[cols], np.asarray(scale)[cols], None
        return self._sparse_grams(mean, scale, lambda i, k: self._gram_weights(i, k, rows, Z),
                                  cols=cols, X=X)[0]

    def _rows_go_dense(self, X=None):
        """Whether sparse X's rows (CSR, or CSC cut as CSR) go dense for their Grams
        (:func:`_dense_pays`): their pairs of stored entries reach rows·d."""
        X = self.X if X is None else X
        n, d = X.shape
        return int(np.sum(stored_per_row(X) ** 2)) >= n * d

    def _sparse_grams(self, mean, scale, weights, nnz_per_block=1 << 14, cols=None, X=None):
        """Σ w x xᵀ, Σ w x and Σ w of CSR X (or CSC X cut as CSR: :func:`_csr_blocks`) for
        each column of the row weights ``weights(i, k)`` of rows i:i+k (one number, or
        (k, K) columns), by blocks of rows (sparse products of about ``nnz_per_block``
        stored entries, in float64; ``cols``: x on those columns alone, each block's taken
        as CSR), then
        centred and scaled, (S - μcᵀ - cμᵀ + Σw μμᵀ)·D on both sides for c = Σ w x, as
        :meth:`centred_gram` gives them: (K, d + 1, d + 1). That subtraction cancels for a
        column of a large offset against its spread (no copy of X can centre it here): H
        is the metric of the steps, not the objective, and a non-positive one leaves them
        plain. ``X``: sparse X's own rows in its place (CSR, or CSC of sorted indices)."""
        X = self.X if X is None else X
        n, d = X.shape
        step = max(1, nnz_per_block * n // max(X.nnz, 1))
        if self._rows_go_dense(X):
            # blocks that go dense (:func:`_dense_pays`) of up to 2^19 entries, as the dense
            # Grams' (:meth:`_gram_rows`): dsyrk's d × d product a block
            step = max(step, min(n, (1 << 19) // max(d, 1)))
        S, c, total = None, None, None
        mu = np.asarray(mean, dtype=np.float64)
        D = np.asarray(scale, dtype=np.float64)
        if cols is not None:
            mu, D, d = mu[cols], D[cols], len(cols)
            # blocks whose products on the columns fill a d × d (of the pairs of their
            # stored entries, as if spread evenly): added in one pass each (_add_block_grams)
            pairs = float(np.sum(stored_per_row(X).astype(np.float64) ** 2)) * (d / X.shape[1]) ** 2
            step = max(step, min(n, int(d * d * n / max(pairs, 1.0))))
        for i, B in _csr_blocks(X, step):
            w = weights(i, B.shape[0])
            k = 1 if np.ndim(w) == 0 else w.shape[1]
            if S is None:
                S, c, total = np.zeros((k, d, d)), np.zeros((k, d)), np.zeros(k)
            _add_block_grams(B if cols is None else B[:, cols], w, S, c)
            total += float(w * B.shape[0]) if np.ndim(w) == 0 else np.sum(w, axis=0)
        G = np.empty((len(S), d + 1, d + 1))
        for j in range(len(S)):
            G[j, :d, :d] = (S[j] - np.outer(mu, c[j]) - np.outer(c[j], mu)
                            + total[j] * np.outer(mu, mu)) * (D[:, None] * D[None, :])
            G[j, d, :d] = G[j, :d, d] = (c[j] - total[j] * mu) * D
            G[j, d, d] = total[j]
        return G

    def _gram_weights(self, i, k, rows, Z):
        """The weights of rows i:i+k in :meth:`centred_gram`: s (one number, or a column),
        or s·ρ at Z (a column)."""
        s = self.s if isinstance(self.s, float) else self.s[i : i + k]
        if rows is None:
            return s if isinstance(s, float) else s[:, None]
        return rows.terms(Z[i : i + k], None, s, np, True)[1]

    # ------------------------------------------------------------ statistics
    def moments(self):
        if self._sparse:
            return self._sparse_moments()
        X = self.X
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            mean, var = self._raw_sums()
        if self._unscaled_ok(mean, var):
            return np.ones(X.shape[1], dtype=X.dtype), mean, var
        # Sums or squares overflow, or squares underflow, in X's dtype: divide
        # each column by its largest |x| first (as the sparse moments do), over the
        # rows of positive weight: a value on a row of weight 0 (a held-out fold's)
        # would shrink the others to underflow.
        scale, rows = np.zeros(X.shape[1], dtype=X.dtype), self._moment_rows()
        for i in range(0, X.shape[0], rows):
            A = _positive_rows(X[i : i + rows], self.s, i)
            if A.shape[0]:
                scale = np.maximum(scale, np.max(np.abs(A), axis=0))
        scale = np.where(scale > 0, scale, 1).astype(X.dtype)
        with np.errstate(over="ignore", invalid="ignore"):
            mean, var = self._dense_sums(scale)
        return scale, mean, var

    def column_ranges(self):
        """(lo, hi): each column's least and largest value (host float64), over the rows of
        positive weight of dense X, by the moments' row blocks; over every row of CSR or
        CSC X, from its stored values (each alone, where duplicates sum) and 0 where a
        column has a row not stored: scipy's own ``min`` sorts the caller's indices in
        place. None for another sparse format."""
        X = self.X
        if self._sparse:
            return _sparse_ranges(X)
        lo = np.full(X.shape[1], np.inf)
        hi = np.full(X.shape[1], -np.inf)
        rows = self._moment_rows()
        for i in range(0, X.shape[0], rows):
            A = _positive_rows(X[i : i + rows], self.s, i)
            if A.shape[0]:
                np.minimum(lo, A.min(axis=0), out=lo)
                np.maximum(hi, A.max(axis=0), out=hi)
        return lo, hi

    def column_zeros(self, cols):
        """A lower bound on the weight of the rows where each column of ``cols`` is 0
        (host float64): the rows' whole weight less that of the rows on which sparse X
        stores an entry of the column (a repeat counted again), or dense X's zeros, by
        the moments' row blocks. :func:`gdlogreg._problem.bulk_moments` skips a column
        whose zeros hold more than half the weight (its median and MAD are 0) without
        :meth:`column_samples`."""
        X, s, cols = self.X, self.s, np.asarray(cols, dtype=np.int64)
        equal = isinstance(s, float)
        total = s * X.shape[0] if equal else float(np.sum(s))
        if not self._sparse:
            out = np.zeros(len(cols))
            rows = self._moment_rows()
            for i in range(0, X.shape[0], rows):
                zero = X[i : i + rows, cols] == 0
                out += zero.sum(axis=0) * s if equal else s[i : i + rows] @ zero
            return out
        if X.format == "csc":
            count = np.diff(X.indptr)[cols]
            stored = count * s if equal else np.add.reduceat(
                np.append(s[X.indices], 0.0), X.indptr[:-1])[cols] * (count > 0)
        else:
            at = np.isin(X.indices, cols)
            w = None if equal else np.repeat(s, np.diff(X.indptr))[at]
            stored = np.bincount(X.indices[at], weights=w, minlength=X.shape[1])[cols]
            stored = stored * s if equal else stored
        return np.maximum(total - stored, 0.0)

    def column_samples(self, cols):
        """(x, w) of each column j of ``cols`` (ascending), in their order (a generator):
        its non-zero values on the rows of positive weight with those rows' weights, and
        one 0 holding the weight of its other rows where that is positive (host float64;
        sparse X's duplicates summed, the caller's X left as it is). A weighted median or
        moment of the column from its non-zeros alone (:func:`gdlogreg._problem.
        bulk_moments`): a read of CSR X for all the columns at once, where each column's
        read and a sort of its n rows cost movielens's 5,000 one-hot candidates 9 s
        (benchmarks/README.md, "The bulk's check from the non-zeros")."""
        X, s, n = self.X, self.s, self.X.shape[0]
        if not self._sparse:
            for j in cols:
                x = np.asarray(X[:, j], dtype=np.float64)
                rows = np.flatnonzero(x)
                yield _gathered(x[rows], rows, s, n)
            return
        if X.format == "csc":
            for j in cols:
                part = slice(X.indptr[j], X.indptr[j + 1])
                yield _gathered(X.data[part], X.indices[part], s, n)
            return
        at = np.flatnonzero(np.isin(X.indices, cols))  # csr: one read of its indices
        order = np.argsort(X.indices[at], kind="stable")
        at = at[order]
        rows = np.searchsorted(X.indptr, at, side="right") - 1
        bounds = np.searchsorted(X.indices[at], np.r_[cols, np.iinfo(np.int64).max])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            yield _gathered(X.data[at[lo:hi]], rows[lo:hi], s, n)

    def _gram_rows(self, products=False):
        """Rows per block of the dense Grams and their diagonals: the whole of a small X
        (at most :data:`GRAM_WHOLE` entries, cache-sized: one product, where small blocks'
        Python calls would cost as much), else :meth:`_moment_rows`; for the Gram's
        ``products`` of rows of GRAM_WIDE entries or more, blocks of up to 2^19 entries
        (4 MiB): each block's dsyrk writes a d × d product, which on small blocks cost more
        than their cache saved (benchmarks/README.md, "Sparse Grams by BLAS on dense
        blocks")."""
        n, d = self.X.shape
        if n * max(d, 1) <= GRAM_WHOLE:
            return max(n, 1)
        rows = self._moment_rows()
        return max(rows, min(n, (1 << 19) // d)) if products and d >= GRAM_WIDE else rows

    def _moment_rows(self):
        """Rows per block of the dense moments: temporaries of at most a sixteenth
        of X (a quarter of small X, up to 65,536 entries), and of 2^19 entries (4 MiB
        in float64) at most, which stay in the cache (wide X's blocks of many rows
        would not)."""
        n, d = self.X.shape
        d = max(d, 1)
        return max(1, min(4096, (1 << 19) // d, max(-(-n // 16), min(-(-n // 4), 65536 // d))))

    def _raw_sums(self):
        """Weighted mean and variance of each column of dense X, in X's dtype, in one read.

        Each block of rows (:data:`RAW_ENTRIES` entries, :data:`RAW_ROWS` rows at
        most) gives Σ w, Σ w a and Σ w a² (matrix-vector products with w, and a
        square into the thread's buffer, in the L2 cache; float64 for float32 X),
        summed in block order (the same sums on any number of threads); then
        mean = c + Σ w a / Σ w and var = Σ w a² / Σ w - (mean - c)², for a = x - c:
        c = 0, or where over a quarter of the columns are far from 0 (raw
        features: ages, prices) each column's mean over a first block
        (:meth:`_raw_origin`). The subtraction cancels where a column's mean less
        c is large against its spread, so the columns where (mean - c)² exceeds
        :data:`RAW_SPREAD` times the variance (offsets, constants, overflowed or
        NaN sums) are summed again by :meth:`_dense_sums` (the corrected two-pass
        sums), those columns only. The others keep a variance within about
        (1 + RAW_SPREAD)·k·ε of the exact one (k the rows of a block), which the
        standardization, an exact change of variables whatever its scale, does not
        feel. One read of X where the two-pass sums take two (benchmarks/README.md,
        "Column moments: raw sums, two-pass only where they cancel"). Rows of weight 0
        add nothing (X is finite; a square that overflows gives a NaN sum: summed
        again).
        """
        n, d = self.X.shape
        rows = max(1, min(RAW_ROWS, RAW_ENTRIES // max(d, 1), -(-n // 4)))  # ¼ of small X
        dtype = np.float64 if self.dtype == np.float32 else self.dtype
        blocks = self.row_blocks(1)
        s = self.s if isinstance(self.s, float) else self.s.astype(dtype, copy=False)
        origin = self._raw_origin(rows, s, dtype)

        def part(lo, hi):
            buf, out = np.empty((min(rows, n), d), dtype), []
            ones = np.ones(min(rows, n), dtype) if isinstance(s, float) else None
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):  # per thread
                for block in blocks[lo:hi]:
                    total, sums = 0.0, np.zeros((2, d), dtype)
                    for i in range(block.start, block.stop, rows):
                        A = self.X[i : min(i + rows, block.stop)]
                        k = A.shape[0]
                        if ones is not None:  # equal weights: counts, exact
                            w, total = ones[:k], total + k
                        else:
                            w = s[i : i + k]
                            total += float(w.sum())
                        _add_raw_sums(sums, A, w, origin, buf[:k])
                    out.append((total, sums))
            return out

        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            parts = [b for share in self._map(part, 1, blas=True) for b in share]
            total, sums = 0.0, np.zeros((2, d), dtype)
            for t, b in parts:
                total, sums = total + t, sums + b
            if not total > 0.0:  # no row of positive weight (refused before a fit)
                zeros = np.zeros(d, dtype=self.dtype)
                return zeros, zeros.copy()
            mean = sums[0] / total  # the mean less the origin
            var = sums[1] / total - mean * mean
            again = np.flatnonzero(~(mean * mean <= RAW_SPREAD * var))  # nan too
            if origin is not None:
                mean += origin
            if again.size:
                # over half the columns (offset features): all of X, a view; a copy of
                # that many columns a block costs more than the two passes
                cols = None if 2 * again.size > d else again
                m2, v2 = self._dense_sums(None, cols)
                if cols is None:
                    m2, v2 = m2[again], v2[again]
                mean[again], var[again] = m2, v2
            return mean.astype(self.dtype), var.astype(self.dtype)

    def _raw_origin(self, rows, s, dtype):
        """Where over a quarter of the columns are far from 0 (raw features: ages,
        prices): their mean over the first ``rows`` rows, about which :meth:`_raw_sums`
        sums instead (a subtraction a block: cheaper than summing those columns
        again); else None. None too where those rows weigh nothing."""
        A = self.X[:rows]
        w = np.ones(A.shape[0], dtype) if isinstance(s, float) else s[: A.shape[0]]
        total = float(w.sum())
        if not total > 0.0:
            return None
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            A = A.astype(dtype, copy=False)
            mean = (w @ A) / total
            var = (w @ np.square(A)) / total - mean * mean
            far = ~(mean * mean <= RAW_SPREAD * var)
        if 4 * np.count_nonzero(far) <= A.shape[1]:
            return None
        return np.where(np.isfinite(mean), mean, 0.0)

    def _dense_sums(self, scale, cols=None):
        """Weighted mean and variance of each column of dense X / scale (scale None: of
        X; ``cols``: of those columns only), in X's dtype, in one read of X.

        Each cache-sized block of rows (:meth:`_moment_rows`) gives its weight,
        mean and centred sum of squares (:func:`_block_moments`), in float64 for
        float32 X (whose squares then neither overflow nor underflow), and the
        blocks are combined in order (:func:`_combine`): each block is centred
        at its own mean, with the corrected two-pass sums, so nothing cancels;
        a block's mean is held apart from its correction, so that an offset does
        not round the blocks' differences, and a column constant over
        the rows of positive weight has a variance under 1e-36 of its mean
        square. Divided by a scale, X is first shifted by its row of largest
        weight (:func:`_origin`), so that the division rounds the spread, not
        the offset. The pass's row blocks run on the pool's threads (the same
        sums on any number of them; benchmarks/README.md, "16 cores").
        """
        rows = self._moment_rows()
        dtype = np.float64 if self.dtype == np.float32 else self.dtype
        if dtype != self.dtype:  # a block's float64 copy: as many bytes as before
            rows = max(1, rows // 2)
        blocks = self.row_blocks(1)
        s = self.s if isinstance(self.s, float) else self.s.astype(dtype, copy=False)
        origin = None if scale is None else _origin(
            self.X[0 if isinstance(s, float) else int(np.argmax(s))], scale, dtype)

        def part(lo, hi):
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):  # per thread
                return [
                    _combine([
                        _block_moments(self._rows_of(i, min(i + rows, block.stop), cols), s, i,
                                       origin, dtype)
                        for i in range(block.start, block.stop, rows)
                    ])
                    for block in blocks[lo:hi]
                ]

        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            acc = _combine([b for share in self._map(part, 1, blas=True) for b in share])
            if acc is None:  # no row of positive weight (refused before a fit)
                zeros = np.zeros(self.n_features if cols is None else len(cols), self.dtype)
                return zeros, zeros.copy()
            total, ref, rel, m2 = acc
            mean = ref + rel if origin is None else origin[0] / origin[2] + (ref + rel)
            return mean.astype(self.dtype), (m2 / total).astype(self.dtype)

    def _rows_of(self, lo, hi, cols):
        """X's rows lo:hi, of the columns ``cols`` only (a copy) unless None."""
        return self.X[lo:hi] if cols is None else self.X[lo:hi][:, cols]

    def _unscaled_ok(self, mean, var):
        """Whether the moments of unscaled X are exact to rounding: nothing
        overflowed (nor the mean square var + mean²), and no column whose
        squares could have underflowed (a variance under tiny/ε² with a mean
        under 1/(4ε) times its root) holds anything but zeros. A column of a
        larger mean is exact: its variance, whatever its rounding, is then
        under (4ε)² of its mean square, and :func:`constant_columns` takes it
        for a constant column."""
        with np.errstate(over="ignore", invalid="ignore"):
            if not np.all(np.isfinite(var + mean * mean)):  # the mean square, too
                return False
        info = np.finfo(self.X.dtype)
        low = info.tiny / (info.eps * info.eps)
        doubt = np.flatnonzero((var < low) & (np.abs(mean) < math.sqrt(low) / (4 * info.eps)))
        return all(not np.any(self.X[:, j]) for j in doubt)

    def _sparse_moments(self):
        """Moments of sparse X, neither densified nor copied (see :meth:`moments`)."""
        X = self.X
        d = X.shape[1]
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            mean, var = self._sparse_sums(None)
            # as they will be used: in X's dtype
            sq = var + mean * mean
            mean_x, sq_x = mean.astype(X.dtype), sq.astype(X.dtype)
        scale = np.ones(d)
        if not (
            np.all(np.isfinite(sq_x) & np.isfinite(mean_x))
            and np.all((sq_x >= np.finfo(X.dtype).tiny) | ((sq == 0) & (mean == 0)))
        ):
            # Sums or squares overflow, or squares underflow (to zero or to subnormals,
            # which keep few digits), in X's dtype: divide each column by its largest
            # |x| (divide: 1/scale overflows for subnormal columns).
            scale = self._sparse_scale()
            scale = np.where(scale > 0, scale, 1.0)
            with np.errstate(over="ignore", invalid="ignore", under="ignore"):
                mean, var = self._sparse_sums(scale)
        return scale.astype(X.dtype), mean.astype(X.dtype), var.astype(X.dtype)

    def _sparse_scale(self, nnz_per_block=1 << 16):
        """Each column's largest |x| over the rows of positive weight, in float64, over
        the runs of :meth:`_sparse_sums` (not ``X.max(axis=0)``: scipy converts CSR X
        to CSC, a copy, and sums the duplicates of CSC X in place, rewriting the
        caller's arrays)."""
        X = self.X
        scale = np.zeros(X.shape[1])
        for lo, data, indices, counts in _runs(X, nnz_per_block):
            by_rows = X.format == "csr"
            cols = indices if by_rows else _outer(lo, counts)
            values = np.abs(data)
            if not isinstance(self.s, float):  # over the rows of positive weight only
                values = np.where(self.s[_outer(lo, counts) if by_rows else indices] > 0,
                                  values, 0)
            with np.errstate(invalid="ignore"):  # NaN in X: refused from the moments
                np.maximum.at(scale, cols, values)
        return scale

    def _sparse_sums(self, scale, nnz_per_block=1 << 16):
        """Weighted mean and variance of each column of X / scale (scale None: 1), in
        float64, over X's stored entries.

        Over the stored entries in runs of about ``nnz_per_block`` (whole rows of
        CSR, whole columns of CSC), added into their columns by ``np.bincount``, so
        nothing of X's size is copied and equal weights make no vector of length n.
        One pass gives Σ s x and Σ s x², and the variance Σ s x² - mean². Where
        that cancels (under 1e-6 of Σ s x²: a column far from 0 against its
        spread, or constant) a second pass over those columns' entries takes the
        deviations d from that mean, formed before the division by the scale (-mean
        for the zeros not stored): Σ s d² - (Σ s d)² / Σ s, the corrected two-pass
        sum (Chan, Golub & LeVeque 1983), in which the mean's rounding cancels. Rows
        of weight 0 are left out (:meth:`_sparse_entries`). A column stored on every
        row of positive weight has no zeros not stored (their weight exactly 0), so a
        constant column's variance is its mean's rounding cubed, far under
        :func:`constant_columns`' bound.
        """
        X = self.X
        d = X.shape[1]
        equal = isinstance(self.s, float)
        sums, squares = np.zeros(d), np.zeros(d)
        for cols, v, w in self._sparse_entries(scale, None, nnz_per_block):
            sums += np.bincount(cols, v if equal else v * w, d)
            v *= v
            if not equal:
                v *= w
            squares += np.bincount(cols, v, d)
        # Σ s: 1 for equal weights; normalised float32 weights may sum to 1 ± 1e-7
        total = 1.0 if equal else float(np.sum(self.s, dtype=np.float64))
        scale_sums = self.s if equal else 1.0 / total
        mean, squares = sums * scale_sums, squares * scale_sums
        var = np.maximum(squares - mean * mean, 0.0)
        again = (var <= 1e-6 * squares) & (squares > 0)
        if not again.any():
            return mean, var
        # the columns that cancel, again: deviations from the mean, stored entries' weight;
        # (x·h - mean·q) / q, q = scale·h (:func:`_origin`): x / scale would round each x at
        # ε of the mean, not of the spread
        unit = np.ones(d) if scale is None else scale
        r, h, q = _origin(mean * unit, unit, np.float64)
        weight, stored, dev, dev2 = np.zeros(d), np.zeros(d), np.zeros(d), np.zeros(d)
        for cols, v, w in self._sparse_entries(None, again, nnz_per_block):
            if h is not None:
                v *= h[cols]
            v -= r[cols]
            v /= q[cols]
            if equal:
                weight += np.bincount(cols, None, d)
            else:
                w = w.astype(np.float64)
                weight += np.bincount(cols, w, d)
                stored += np.bincount(cols, w > 0, d)
            dev += np.bincount(cols, v if equal else v * w, d)
            v *= v
            dev2 += np.bincount(cols, v if equal else v * w, d)
        if equal:  # counts: exact, then times s
            rest = (float(X.shape[0]) - weight) * self.s
            dev, dev2 = dev * self.s, dev2 * self.s
        else:
            full = stored == np.count_nonzero(self.s > 0)
            rest = np.where(full, 0.0, np.maximum(total - weight, 0.0))
        # the zeros not stored, of deviation -mean
        dev -= rest * mean
        dev2 += rest * mean * mean
        shift = dev / total
        corrected = np.maximum(dev2 - dev * shift, 0.0) / total
        return np.where(again, mean + shift, mean), np.where(again, corrected, var)

    def _sparse_entries(self, scale, cols_kept, nnz_per_block):
        """``(cols, v, w)`` of each run of :func:`_runs`: the stored entries' columns,
        values / scale (float64, new arrays) and weights (None: equal), of the columns
        ``cols_kept`` (None: all). Entries on rows of weight 0 are left out, whatever
        they hold (an inf once scaled: 0·inf would be NaN)."""
        X, equal = self.X, isinstance(self.s, float)
        by_rows = X.format == "csr"
        for lo, data, indices, counts in _runs(X, nnz_per_block):
            outer = None if by_rows and equal else _outer(lo, counts)
            cols, rows = (indices, outer) if by_rows else (outer, indices)
            v = data.astype(np.float64)
            w = None if equal else self.s[rows]
            keep = None if equal or np.all(w > 0) else w > 0
            if cols_kept is not None:
                keep = cols_kept[cols] if keep is None else keep & cols_kept[cols]
            if keep is not None:
                cols, v, w = cols[keep], v[keep], None if equal else w[keep]
            if scale is not None:
                v /= scale[cols]
            yield cols, v, w


def _block_moments(A, s, i, origin, dtype):
    """(Σ w, m₀, mean - m₀, Σ w (a - mean)²) of the rows ``A`` of X (rows i: of X, w
    their weights: s[i:], or the scalar s for equal weights) shifted and divided as
    ``origin`` says (:func:`_origin`; None: as they are), in ``dtype``; None for rows
    of no weight (:func:`_combine` adds them). Rows of weight 0 are left out, as if
    dropped, whatever they hold.

    The corrected two-pass sums (Chan, Golub & LeVeque 1983): with m₀ = Σ w a / Σ w
    and d = a - m₀, Σ w (a - mean)² = Σ w d² - (Σ w d)² / Σ w, in which m₀'s
    rounding cancels: a column constant over the rows of positive weight has
    d the same on every row, and a variance of m₀'s relative rounding (at most
    kε for k rows) cubed times its mean square: under 1e-36 of it, far under
    :func:`constant_columns`' (4ε)². Kept apart, m₀ and the correction Σ w d / Σ w
    let the blocks' means be compared without the offset's rounding (two m₀ within
    a factor 2 of each other, an offset column's, differ exactly: Sterbenz's lemma).
    """
    k = A.shape[0]
    own = False  # whether A is a new array, which may be written over
    if isinstance(s, float):  # equal weights: counts, exact (a product with ones: BLAS)
        w, total = np.ones(k, dtype=dtype), float(k)
    else:
        w = s[i : i + k]
        if not np.all(w > 0):  # rows of weight 0 are left out, whatever they hold (an
            A, w, own = A[w > 0], w[w > 0], True  # inf once scaled: 0·inf would be NaN)
        total = float(w.sum())
        if not total > 0.0:  # rows of zero weight (or underflowed ones) move nothing
            return None
    if A.dtype != dtype:  # float32 X: a float64 copy, scaled in float64 (x / scale keeps
        A, own = A.astype(dtype), True  # its digits; a cast in the subtraction: 2x slower)
    if origin is not None:  # (x·h - r) / q
        r, h, q = origin
        if h is not None:
            A, own = np.multiply(A, h, out=A if own else None), True
        A = np.subtract(A, r, out=A if own else None)
        A /= q
        own = True
    m0 = (w @ A) / total
    A = np.subtract(A, m0, out=A if own else None)
    dev = w @ A
    A *= A
    shift = dev / total
    return total, m0, shift, np.maximum(w @ A - dev * shift, 0.0)


def _add_raw_sums(sums, A, w, origin, buf):
    """sums += [Σ w a; Σ w a²] for the rows A of X, a = x - origin (None: x), in
    ``buf``'s dtype (float64 for float32 X); ``buf``, of A's shape, is written over."""
    if origin is not None:
        A = np.subtract(A, origin, out=buf)
    elif A.dtype != buf.dtype:  # float32 X: its rows in float64
        buf[...] = A
        A = buf
    sums[0] += w @ A
    sums[1] += w @ np.square(A, out=buf)


def _origin(row, scale, dtype):
    """``(r, h, q)``: the moments' blocks take (x·h - r) / q, in ``dtype``, for ``row``
    a row of X of positive weight and ``scale`` each column's largest |x|: r = row·h,
    q = scale·h, h = ½ where x - row could overflow (|x| > max / 2; None: 1 everywhere).

    Shifted before it is divided, a column near a large offset keeps its spread's
    digits: x - row is exact where x is within a factor 2 of row (Sterbenz), and the
    division rounds the deviation, not the offset (x / scale first rounds each x at
    ε of its mean square: a variance to ε·rms/sd, 5 % at a spread of 2 ε, not ε).
    The scaled column's mean is r / q plus the blocks' mean.
    """
    big = np.asarray(scale, dtype=np.float64) > float(np.finfo(dtype).max) / 2
    h = np.where(big, 0.5, 1.0).astype(dtype)
    r, q = np.asarray(row, dtype=dtype) * h, np.asarray(scale, dtype=dtype) * h
    return r, (h if big.any() else None), q


def _sparse_ranges(X):
    """:meth:`NumpyBackend.column_ranges` of CSR or CSC X (None for another format), read
    a block of rows (CSR) or columns (CSC) at a time (:func:`_canonical_blocks`), each
    block's repeats summed in a copy of it: the parts of a far value stored as two
    entries read as a range a third narrower, and its column passed as one no row sets
    (the fit's model then differed from the canonical X's by 15 %)."""
    if X.format not in ("csr", "csc"):
        return None
    n, d = X.shape
    lo, hi = np.full(d, np.inf), np.full(d, -np.inf)
    count = np.zeros(d, dtype=np.int64)
    for B, first in _canonical_blocks(X):
        data = np.asarray(B.data, dtype=np.float64)
        if X.format == "csr":
            cols = B.indices
        else:
            cols = np.repeat(np.arange(B.shape[1]) + first, np.diff(B.indptr))
        np.minimum.at(lo, cols, data)
        np.maximum.at(hi, cols, data)
        count += np.bincount(cols, minlength=d)
    short = count < n  # a row not stored: a 0
    return np.where(short, np.minimum(lo, 0.0), lo), np.where(short, np.maximum(hi, 0.0), hi)


def _canonical_blocks(X):
    """Runs of rows (CSR) or columns (CSC) of X of about CANONICAL_ENTRIES stored entries,
    each a copy of X's, its repeats summed where X has any: (block, the index of its first
    column, 0 for CSR). A block's own arrays, never X's whole: in float64 and int64 they
    were two X's at the peak of a float32 search (review 216)."""
    csr = X.format == "csr"  # (at least d entries: a block's counts over the d columns)
    for a, e in _stored_blocks(X.indptr, max(CANONICAL_ENTRIES, X.shape[1])):
        B = X[a:e] if csr else X[:, a:e]
        if not X.has_canonical_format:
            B = B.copy()  # (a slice may share X's arrays: summed in a copy)
            B.sum_duplicates()
        yield B, 0 if csr else a


#: Stored entries of a block of :func:`_canonical_blocks`.
CANONICAL_ENTRIES = 1 << 16


def _gathered(values, rows, s, n):
    """:meth:`NumpyBackend.column_samples`'s (x, w) of a column whose entries ``values``
    lie on ``rows`` (repeats summed) of n, the rows' weights s (an array, or equal)."""
    rows, at = np.unique(np.asarray(rows, dtype=np.int64), return_inverse=True)
    x = np.bincount(at.reshape(-1), weights=np.asarray(values, dtype=np.float64),
                    minlength=len(rows))
    if isinstance(s, float):
        w, rest = np.full(len(rows), s), s * (n - len(rows))
    else:
        w = np.asarray(s[rows], dtype=np.float64)
        rest = float(np.sum(s)) - float(np.sum(w))
    keep = (x != 0.0) & (w > 0.0)
    zero = max(rest, 0.0) + float(np.sum(w[~keep]))  # (a weight-0 row's 0 adds 0)
    if not zero > 0.0:
        return x[keep], w[keep]
    return np.append(x[keep], 0.0), np.append(w[keep], zero)


def _positive_rows(A, s, i):
    """The rows of the block ``A`` (rows i: of X) whose weight (s[i:], or the scalar s)
    is positive: A itself where all are, else a copy of those rows."""
    if isinstance(s, float):
        return A
    pos = s[i : i + A.shape[0]] > 0
    return A if np.all(pos) else A[pos]


def _combine(parts, xp=np):
    """(Σ s, ref, mean - ref, Σ s (x - mean)²) of the union of sets of rows, from each
    set's (None: a set of no weight), in their order: Σ M_b + Σ w_b (m_b - m)², terms
    that are all >= 0 (Chan, Golub & LeVeque, "Updating formulae and a pairwise
    algorithm for computing sample variances", 1979). A mean is held as a reference
    ref (a value near it) and mean - ref: the means' differences are taken as
    (ref_b - ref) + (rel_b - rel), each exact or rounded at its own small scale,
    never at an offset's; equal means combine to that mean exactly (a constant
    column keeps a variance of 0). ``xp``: the namespace of the means."""
    parts = [p for p in parts if p is not None]
    if len(parts) < 2:
        return parts[0] if parts else None
    total = float(sum(p[0] for p in parts))
    ref, rel = parts[0][1], parts[0][2]
    deltas = xp.stack([(p[1] - ref) + (p[2] - rel) for p in parts])
    w = [p[0] for p in parts]
    w = np.asarray(w, dtype=deltas.dtype) if xp is np else xp.asarray(
        w, dtype=deltas.dtype, device=_device(deltas))
    shift = (w @ deltas) / total
    deltas = deltas - shift
    m2 = parts[0][3]
    for p in parts[1:]:
        m2 = m2 + p[3]
    return total, ref, rel + shift, m2 + w @ (deltas * deltas)


def _kernel_indptr(X):
    """X.indptr in the dtype of X.indices where it is wider (and the entries fit).

    scipy's kernels take one index type, the wider of the two: an int64 indptr next
    to int32 indices made every block's product convert all of X.indices. The
    (n + 1)-entry copy of indptr is made once instead.
    """
    ptr, ind = X.indptr, X.indices
    wider = ptr.dtype.itemsize > ind.dtype.itemsize and ind.dtype in (np.int32, np.int64)
    return ptr.astype(ind.dtype) if wider and X.nnz <= np.iinfo(ind.dtype).max else ptr


def _runs(X, nnz_per_block):
    """``(lo, data, indices, counts)`` of the runs of about ``nnz_per_block`` stored
    entries of sparse X: the entries of rows (CSR) or columns (CSC) lo, lo + 1, ...,
    ``counts`` of each, as views of X's arrays. In canonical format a run may start and
    end inside a row or column (a tall CSC X of few columns makes runs of the same
    size); else runs are whole rows or columns, copied with their duplicates added up
    (an entry stored twice is the sum of the two)."""
    indptr = X.indptr
    if X.has_canonical_format:
        key = indptr.dtype.type  # a key of another integer type would copy indptr
        for a in range(0, X.nnz, nnz_per_block):
            b = min(a + nnz_per_block, X.nnz)
            # the rows (columns) that hold entries a:b
            lo = int(np.searchsorted(indptr, key(a), side="right")) - 1
            hi = int(np.searchsorted(indptr, key(b), side="left"))
            yield lo, X.data[a:b], X.indices[a:b], np.diff(np.clip(indptr[lo : hi + 1], a, b))
        return
    by_rows = X.format == "csr"
    size = X.shape[0] if by_rows else X.shape[1]  # the compressed axis
    step = max(1, size * nnz_per_block // max(X.nnz, 1))
    for lo in range(0, size, step):
        run = X[lo : lo + step] if by_rows else X[:, lo : lo + step]
        run.sum_duplicates()
        yield lo, run.data, run.indices, np.diff(run.indptr)


def _outer(lo, counts):
    """The row (CSR) or column (CSC) of each entry of a run of :func:`_runs`."""
    return np.repeat(np.arange(lo, lo + len(counts)), counts)


def _live_rows(w, *arrays):
    """``arrays`` (row blocks) on the rows of positive weight ``w`` (a number, or a column)
    alone, where some have none: a held-out fold's rows in a search's take add nothing to
    its Gram, a third of its products at 3 folds. ``w``: the sample weights."""
    if np.ndim(w) == 0:
        return arrays
    live = w.ravel() > 0 if w.ndim == 1 or w.shape[1] == 1 else np.any(w > 0, axis=1)
    return arrays if live.all() else tuple(a[live] for a in arrays)


def _gather(parts):
    """(Σ losses in block order, Σ of the parts' G in part order, the last r) of the parts."""
    total = 0.0
    for values, _, _ in parts:
        for value in values:
            total += value
    G = parts[0][1]
    for _, G_part, _ in parts[1:]:
        if G is not None:
            G += G_part
    return total, G, parts[-1][2]


class DenseArrayBackend(ArrayBackend):
    """:class:`ArrayBackend` for one dense array of an array-API namespace (torch, CuPy,
    array-api-strict), with the curvature Gram read from X's row blocks on its device.

    :class:`ArrayBackend`'s kernels need no more than ``linear`` and ``rlinear`` (and
    ``moments``) of a subclass; this one reads ``self.X`` itself.
    """

    def centred_gram(self, mean, scale, rows=None, Z=None, cols=None):
        """Σᵢ wᵢ âᵢ âᵢᵀ for âᵢ = [aᵢ; 1], aᵢ = (xᵢ - μ)·scale (host numpy, float64,
        (d + 1)²), w = s or, with the loss-like ``rows`` and a raw prediction Z, the rows'
        s·ρ at Z; the last row and column are Σ w a and Σ w (``cols``: aᵢ on those
        columns alone, as NumpyBackend's). In one read of X on its
        device, by row blocks of at most a sixteenth of X (:data:`MOMENT_ENTRIES`), each
        copied to float64, centred, scaled and times √w in place: one product
        ``Aᵀ A`` a block, where H's columns by products take an ``X @ V`` and an
        ``X.T @ R`` for each chunk of columns. None where the namespace has no float64
        (the column products then)."""
        xp, dev = self.xp, self.device
        d = self.X.shape[1] if cols is None else len(cols)
        blocks = self._weighted_blocks(mean, scale, rows, Z, cols)
        if blocks is None:  # pragma: no cover - e.g. MPS
            return None
        f64 = xp.float64
        S = xp.zeros((d, d), dtype=f64, device=dev)
        c = xp.zeros((1, d), dtype=f64, device=dev)
        total = xp.zeros((1, 1), dtype=f64, device=dev)  # summed there: no sync a block
        for A, w in blocks:
            root = xp.sqrt(w)
            A *= root
            S += A.T @ A
            c += root.T @ A
            total += xp.sum(w, axis=0, keepdims=True)
            del A  # freed before the next block's copy: one block at the peak, not two
        G = np.empty((d + 1, d + 1))
        G[:d, :d] = to_host(S)
        G[d, :d] = G[:d, d] = to_host(c)[0]
        G[d, d] = to_host(total)[0, 0]
        return G

    def centred_diagonal(self, mean, scale, rows=None, Z=None):
        """The diagonal of :meth:`centred_gram` without the Gram (host numpy, float64,
        d + 1: Σ w aⱼ² and Σ w last), from the same blocks on X's device; None where the
        namespace has no float64, and for ``rows`` of several columns of weights."""
        if getattr(rows, "n_weights", 1) > 1:
            return None
        xp, d = self.xp, self.X.shape[1]
        blocks = self._weighted_blocks(mean, scale, rows, Z)
        if blocks is None:  # pragma: no cover - e.g. MPS
            return None
        out = xp.zeros((1, d + 1), dtype=xp.float64, device=self.device)
        for A, w in blocks:
            A *= A
            out += concat([xp.sum(A * w, axis=0, keepdims=True),
                           xp.sum(w, axis=0, keepdims=True)], xp, axis=1)
            del A
        return to_host(out)[0]

    def _weighted_blocks(self, mean, scale, rows, Z, cols=None):
        """(A, w) for X's row blocks of at most a sixteenth of X (:data:`MOMENT_ENTRIES`):
        A the rows centred and scaled (:meth:`_centred`, a float64 copy on X's device; on
        the columns ``cols`` alone), w their weights as a column, s or with ``rows`` the
        rows' s·ρ at Z (a generator); None where the namespace has no float64."""
        xp, dev, (n, d) = self.xp, self.device, self.X.shape
        mean, scale = np.asarray(mean, dtype=np.float64), np.asarray(scale, dtype=np.float64)
        if cols is not None:
            mean, scale = mean[cols], scale[cols]
        try:
            f64 = xp.float64
            mu = xp.asarray(mean, dtype=f64, device=dev)
            D = xp.asarray(scale, dtype=f64, device=dev)
            taken = None if cols is None else xp.asarray(
                np.asarray(cols, dtype=np.int64), device=dev)
        except (AttributeError, TypeError, RuntimeError):  # pragma: no cover - e.g. MPS
            return None
        step = max(1, min(MOMENT_ENTRIES, max(n * d // 16, MOMENT_ENTRIES >> 8)) // max(d, 1))

        def blocks():
            for lo in range(0, n, step):
                hi = min(lo + step, n)
                s = self.s if isinstance(self.s, float) else self.s[lo:hi]
                if rows is not None:
                    with self.errstate():
                        s = rows.terms(Z[lo:hi, ...], None, s, xp, True)[1]
                # the weights as a column (one number for equal weights and no rows)
                w = xp.full((hi - lo, 1), s, dtype=f64, device=dev) if isinstance(s, float) \
                    else xp.reshape(xp.astype(s, f64), (-1, 1))
                yield self._centred(lo, hi, mu, D, taken), w

        return blocks()

    def _centred(self, lo, hi, mu, D, cols=None):
        """Rows lo:hi of X centred and scaled, (x - μ)·D in float64 (a copy; on the columns
        ``cols`` alone, a device array of indices), its rows of weight 0 at 0: whatever
        they hold they move nothing, but 0 times their inf (1e308 scaled) was nan in the
        Grams (review 67; NumpyBackend's ``_centred_blocks``)."""
        xp = self.xp
        rows = self.X[lo:hi, :]
        A = xp.astype(rows if cols is None else xp.take(rows, cols, axis=1), xp.float64,
                      copy=True)
        A -= mu  # in place: the copy is the block's one temporary
        A *= D
        if isinstance(self.s, float):
            return A
        return xp.where(xp.reshape(self.s[lo:hi] > 0, (-1, 1)), A, xp.zeros_like(A))

    def class_gram(self, mean, scale, Z, rows):
        """Σ of ``rows.gram_part`` (numpy float64) over X's row blocks on its device, the
        rows (x - μ)·scale at their raw predictions Z (as :class:`NumpyBackend`'s); None
        where the namespace has no float64."""
        xp, X, dev = self.xp, self.X, self.device
        n, d = X.shape
        try:
            mu = xp.asarray(np.asarray(mean, dtype=np.float64), dtype=xp.float64, device=dev)
            D = xp.asarray(np.asarray(scale, dtype=np.float64), dtype=xp.float64, device=dev)
        except (AttributeError, TypeError, RuntimeError):  # pragma: no cover - e.g. MPS
            return None
        S = xp.zeros(rows.shape(d + 1), dtype=xp.float64, device=dev)
        step = max(1, min(MOMENT_ENTRIES, max(n * d // 16, MOMENT_ENTRIES >> 8))
                   // rows.width(d + 1))
        for lo in range(0, n, step):
            hi = min(lo + step, n)
            A = self._centred(lo, hi, mu, D)
            s = self.s if isinstance(self.s, float) else xp.reshape(
                xp.astype(self.s[lo:hi], xp.float64), (-1, 1))
            S = rows.gram_part(A, Z[lo:hi, ...], s, xp, out=S)
        return to_host(S).astype(np.float64)

    #: :meth:`centred_rows` gives X's rows (dense X)
    gives_rows = True

    def centred_rows(self, mean, scale):
        """As :meth:`NumpyBackend.centred_rows`, on the host: X copied there (few rows,
        bounded by the caller)."""
        pos = _positive(self.s)
        X = self.X if pos is None else self.xp.take(
            self.X, self.xp.asarray(np.flatnonzero(pos), device=self.device), axis=0)
        A = np.array(to_host(X), dtype=np.float64)
        A -= np.asarray(mean, dtype=np.float64)
        A *= np.asarray(scale, dtype=np.float64)
        return A

    def row_weights(self, rows=None, Z=None):
        """As :meth:`NumpyBackend.row_weights`: made on X's device, copied to the host."""
        s = self.s
        if rows is not None:
            with self.errstate():
                s = rows.terms(Z, None, s, self.xp, True)[1]
        if isinstance(s, float):
            return np.full(self.n_samples, s)
        w = np.asarray(to_host(s), dtype=np.float64)
        w = w.ravel() if w.ndim < 2 or w.shape[1] == 1 else w
        pos = _positive(self.s)
        return w if pos is None else w[pos]  # equal weights made s·ρ at Z: all the rows


#: Sparse X whose rows of positive weight hold at most this many entries gives its rows to
#: the factored metric whatever it stores (512 KiB in float64: a copy of no weight), as
#: dense X does: tiny one-hot sets crawl on H's diagonal (CHANGELOG.md, "The search fits
#: CSC X as CSR; tiny sparse X gives its rows").
SMALL_COPY = 1 << 16


def _positive_count(s, n):
    """The rows of positive weight s (n for equal weights; a matrix: in any column)."""
    if isinstance(s, float):
        return n
    w = np.asarray(to_host(s))
    return int(np.count_nonzero((w.reshape(len(w), -1) > 0).any(axis=1)))


#: Row indices of CSC X counted at most this many at a time (:func:`stored_per_row`).
COUNT_CHUNK = 1 << 16


def stored_per_row(X, cols=None):
    """The entries sparse X (CSR or CSC) stores in each row (int64); ``cols`` (sorted column
    indices): in those columns alone. Read a run of about :func:`_count_chunk` stored
    entries at a time: ``np.bincount`` casts int32 indices to int64, and on them all that
    temporary was about X's own size (review 168); the columns' marks and their running
    sums over all of CSR X's indices, or the columns' row indices joined for one count,
    three arrays of X's stored entries (1.3 to 2 X at a fit's peak with an L1 part;
    review 216)."""
    n = X.shape[0]
    if X.format == "csr":
        if cols is None:
            return np.diff(X.indptr).astype(np.int64, copy=False)
        inside = np.zeros(X.shape[1], dtype=bool)
        inside[cols] = True
        counts = np.empty(n, dtype=np.int64)
        for a, e in _stored_blocks(X.indptr, _count_chunk(n)):
            first = X.indptr[a]
            ends = np.concatenate([[0], np.cumsum(inside[X.indices[first : X.indptr[e]]],
                                                  dtype=np.int64)])
            counts[a:e] = ends[X.indptr[a + 1 : e + 1] - first] - ends[X.indptr[a:e] - first]
        return counts
    counts = np.zeros(n, dtype=np.int64)
    if cols is None:
        for lo in range(0, len(X.indices), _count_chunk(n)):
            counts += np.bincount(X.indices[lo : lo + _count_chunk(n)], minlength=n)
        return counts
    runs, size = [], 0  # the columns' runs of row indices, joined a chunk at a time
    for j in list(cols) + [None]:
        if j is not None:
            runs.append(X.indices[X.indptr[j] : X.indptr[j + 1]])
            size += len(runs[-1])
        if runs and (j is None or size >= _count_chunk(n)):
            counts += np.bincount(np.concatenate(runs), minlength=n)
            runs, size = [], 0
    return counts


def _count_chunk(n):
    """Stored entries counted at a time by :func:`stored_per_row`: COUNT_CHUNK, or n where
    more (a count's own temporary is n long: the chunks then cost at most as much)."""
    return max(COUNT_CHUNK, n)


def stored_sums(X, s, cols=None):
    """(Σ w c, Σ w c², Σ w): c the entries each row of sparse X (CSR or CSC) stores (in the
    columns ``cols`` alone, sorted indices, if given), w its weight s (the normalised
    weights, or one number; a matrix: summed over its columns), in float64. A chunk of
    CHUNK rows at a time, CSR's counts from its ``indptr``: no vector of n floats (the
    counts, their float64 copy and a vector of equal weights were 0.1 of a CSR fit's X
    at its peak; benchmarks/README.md, "Sparse X's row counts in chunks")."""
    n = X.shape[0]
    if X.format == "csr" and cols is None:
        chunks = (np.diff(X.indptr[i : i + CHUNK + 1]) for i in range(0, n, CHUNK))
    else:
        counts = stored_per_row(X, cols)
        chunks = (counts[i : i + CHUNK] for i in range(0, n, CHUNK))
    w = None
    if not isinstance(s, float):
        w = np.asarray(to_host(s), dtype=np.float64)
        w = w.sum(axis=1) if w.ndim == 2 else w.ravel()
    first = second = 0.0
    for i, c in zip(range(0, n, CHUNK), chunks, strict=True):
        c = c.astype(np.float64)
        wc = c if w is None else w[i : i + CHUNK] * c
        first, second = first + float(wc.sum()), second + float(wc @ c)
    total = float(n) if w is None else float(w.sum())
    if w is None:  # each row weighs s
        return s * first, s * second, s * total
    return first, second, total


def _stored_share(X, s):
    """The share of sparse X's entries that it stores, each row's count weighted by s (the
    normalised weights, or one number; a matrix: summed over its columns): rows of weight 0
    count for nothing and a weight of 2 as a repeated row, the share of the fit without
    them, or with the row repeated (scikit-learn's sample-weight equivalence)."""
    stored, _, rows = stored_sums(X, 1.0 if isinstance(s, float) else s)
    return stored / (rows * X.shape[1]) if rows > 0.0 and X.shape[1] else 0.0


def _positive(s):
    """The rows of positive weight s (a boolean mask on the host), None for equal weights."""
    return None if isinstance(s, float) else np.asarray(to_host(s)).ravel() > 0


def make_array_backend(X, targets, s):
    """The in-memory backend for X: numpy/scipy.sparse, or the array-API one."""
    if sp.issparse(X) or is_numpy_namespace(get_namespace(X)[0]):
        return NumpyBackend(X, targets, s)
    return DenseArrayBackend(X, targets, s)


#: The most entries of a block of CSR rows made dense for the Gram's products (8 MiB).
DENSE_BLOCK_ENTRIES = 1 << 20
#: How many times faster BLAS 3 runs a dense block's products than scipy's sparse products
#: with X run theirs, a flop each (NumpyBackend.class_gram's choice for CSR X).
SPARSE_PRODUCT_RATE = 8.0


def _dense_pays(B, pairs):
    """Whether the Gram of a block B of CSR rows costs less by BLAS on the block made dense
    (rows·d² products) than by sparse products (``pairs``: each row's stored entries
    squared): where the block is dense to a quarter or more, or its pairs are at least
    rows·d and the dense block at most DENSE_BLOCK_ENTRIES. A pair of the sparse products
    costs far more than a dense product (the d × d sums they scatter into, against BLAS;
    benchmarks/README.md, "Sparse Grams by BLAS on dense blocks")."""
    rows, d = B.shape
    if 4 * B.nnz >= rows * d:
        return True
    return rows * d <= DENSE_BLOCK_ENTRIES and int(pairs.sum()) >= rows * d


#: CSC X's rows for the sparse Grams are cut a chunk of at most a CSC_SHARE-th of its stored
#: entries or CSC_CHUNK at a time (:func:`_csr_blocks`): at most about CSC_SHARE chunks,
#: whose binary searches cost O(d log n) each, and temporaries of a few percent of X.
CSC_CHUNK, CSC_SHARE = 1 << 14, 64


def _column_cuts(X, row):
    """For CSC X of sorted row indices: in each column, the position of its first stored
    entry of row ``row`` or later (int64, d): a binary search in every column at once,
    the columns still searching fewer at each halving."""
    if row <= 0:
        return X.indptr[:-1].astype(np.int64)
    a, b = X.indptr[:-1].astype(np.int64), X.indptr[1:].astype(np.int64)
    if row >= X.shape[0]:
        return b
    live = np.flatnonzero(a < b)
    while len(live):
        mid = (a[live] + b[live]) // 2
        before = X.indices[mid] < row
        a[live[before]] = mid[before] + 1
        b[live[~before]] = mid[~before]
        live = live[a[live] < b[live]]
    return a


def _sparse_rows(X, lo, hi):
    """Rows lo:hi of sparse X as CSR float64 (a copy of those rows only): CSR X sliced;
    CSC X of sorted row indices (:attr:`NumpyBackend._sparse_rows`) by each column's run
    of those rows (:func:`_column_cuts`), then turned to CSR. Duplicate entries stay."""
    if X.format == "csr":
        return X[lo:hi].astype(np.float64)
    start, end = _column_cuts(X, lo), _column_cuts(X, hi)
    counts = end - start
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    at = np.arange(ptr[-1], dtype=np.int64) + np.repeat(start - ptr[:-1], counts)
    block = sp.csc_matrix((X.data[at].astype(np.float64), X.indices[at] - lo, ptr),
                          shape=(hi - lo, X.shape[1]))
    return block.tocsr()


def _csr_blocks(X, step):
    """(i, B) for each run of ``step`` rows of sparse X from row 0, B those rows as CSR
    float64 (:func:`_sparse_rows`): CSC X is cut in chunks of whole runs of at most
    CSC_CHUNK stored entries or a CSC_SHARE-th of X's (or one run), counted row by row
    (rows that crowd most entries into a few made one chunk of most of X where the chunks
    were cut by the mean row; review 184), each then sliced as CSR, so that the runs are
    CSR X's."""
    n = X.shape[0]
    if X.format == "csr":
        for i in range(0, n, step):
            yield i, X[i : i + step].astype(np.float64)
        return
    ends = np.cumsum(stored_per_row(X))  # the entries of rows 0..i
    size, lo = max(CSC_CHUNK, X.nnz // CSC_SHARE), 0
    while lo < n:
        below = int(ends[lo - 1]) if lo else 0
        fit = int(np.searchsorted(ends, below + size, side="right"))  # rows lo:fit fit
        hi = min(n, lo + max(1, (fit - lo) // step) * step)
        chunk = _sparse_rows(X, lo, hi)
        for j in range(0, chunk.shape[0], step):
            yield lo + j, chunk[j : j + step]
        lo = hi


def _dense_block(B, out=None):
    """A block of CSR rows as a dense float64 array (duplicate entries summed), for the
    Gram's products by BLAS (:func:`_dense_pays`): a block of
    :meth:`NumpyBackend._sparse_grams`, never X
    (scattered here: X's own ``toarray`` is never called)."""
    if out is None:
        A = np.zeros(B.shape)
    else:
        A = out
        A.fill(0.0)
    rows = np.repeat(np.arange(B.shape[0]), np.diff(B.indptr))
    if B.has_canonical_format:  # no duplicate entries: one scatter
        A[rows, B.indices] = B.data
    else:  # duplicates sum, as the sparse products do
        np.add.at(A, (rows, B.indices), B.data)
    return A


def _add_block_grams(B, w, S, c):
    """Add Σ w x xᵀ and Σ w x of a block B of CSR rows to S (K, d, d) and c (K, d) for each
    column of its weights w (one number, or (rows, K)): by BLAS where that pays
    (:func:`_dense_pays`), by :func:`_pair_grams` for K columns where its pairs are few,
    else by sparse products, one per column."""
    k, d = len(S), B.shape[1]
    pairs = np.diff(B.indptr).astype(np.int64) ** 2  # (int32 squares overflow past 46,340)
    if _dense_pays(B, pairs):
        A = _dense_block(B)
        root = np.sqrt(w)  # w >= 0: (√w A)ᵀ(√w A), which numpy gives to dsyrk (half a product)
        for j in range(k):
            Ar = A * root if np.ndim(w) == 0 else A * root[:, j : j + 1]
            S[j] += Ar.T @ Ar
            c[j] += Ar.T @ root[:, j] if np.ndim(w) else root * Ar.sum(axis=0)
        return
    if k > 1 and d * d * k <= 1 << 21 and pairs.sum() <= 1 << 18:
        S += _pair_grams(B, w, pairs)
        c += np.asarray(B.T @ w).T
        return
    for j in range(k):
        Bw = B * w if np.ndim(w) == 0 else B.multiply(w[:, j : j + 1]).tocsr()
        P = B.T @ Bw
        if 4 * P.nnz >= d * d:  # dense to a quarter: one sequential pass over S
            S[j] += P.toarray()
        else:  # added as it is, no dense d × d temporary: P's entries are unique (a
            # product's), so a plain fancy add is np.add.at's sum, at a fraction of its
            # cost (70 ns an entry into a d × d of d in the 1000s)
            P = P.tocoo()
            S[j].ravel()[P.row.astype(np.int64) * d + P.col] += P.data
        c[j] += np.asarray(Bw.sum(axis=0)).ravel()


def _pair_grams(B, W, pairs):
    """Σᵢ Wᵢⱼ xᵢ xᵢᵀ for every column j of W (rows, K) at once, (K, d, d): each row's pairs
    of stored entries (``pairs``: their count a row) as one sparse rows × d² matrix, and one
    product with W, where one sparse product a class costs scipy's overhead K times
    (CHANGELOG.md, "CSR X between the two metrics; K classes' CSR Grams in one
    product")."""
    d, r = B.shape[1], np.diff(B.indptr)
    # each row times √ of its largest weight before the products, W divided by it: a row of
    # weight 0 (a held-out fold's, values near 1e300 included) adds 0, never inf · 0
    top = W.max(axis=1)
    data = B.data * np.repeat(np.sqrt(top), r)
    W = np.divide(W, top[:, None], out=np.zeros_like(W), where=top[:, None] > 0)
    first = np.repeat(B.indptr[:-1], pairs)
    q = np.arange(pairs.sum()) - np.repeat(np.cumsum(pairs) - pairs, pairs)
    width = np.repeat(r, pairs)
    a, b = first + q // width, first + q % width
    cols = B.indices[a].astype(np.int64) * d + B.indices[b]
    M = sp.csr_matrix((data[a] * data[b], cols, np.r_[0, np.cumsum(pairs)]),
                      shape=(B.shape[0], d * d))
    return np.asarray(M.T @ W).T.reshape(W.shape[1], d, d)
