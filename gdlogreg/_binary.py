"""The binary objective on numpy and scipy.sparse data, at the cost floor.

:class:`BinaryObjective` is :class:`~gdlogreg._objective.LogisticObjective`
for two classes and in-memory (numpy or scipy.sparse) data, computed so that
an iteration of gradient descent costs one ``X @ v``, one ``X.T @ r`` and as
little else as the hardware allows:

- The O(n) work runs in chunks of :data:`CHUNK` rows that stay in the CPU
  cache: per entry of z, one ``exp``, one ``log1p`` and a handful of
  cache-resident arithmetic, and no temporary of length n.
- ``X @ d`` is written into a buffer kept across iterations (with
  ``out=`` for dense X, and scipy's own CSR/CSC kernel for sparse X), and the
  residual of the accepted step is written over it once ``X @ d`` is spent, or,
  where memory allows (see ``fused``), computed in the same pass as the trial
  loss into a buffer of its own.
- The labels are kept as signs (one byte per row) and uniform sample
  weights as one number, so that the fit holds two or three vectors of
  length n besides X: the raw prediction z, ``X @ d`` and the residual.

The maths is that of the base class. With u the raw prediction of a row,
y its label, v = (1 - 2y)·u its signed margin (v = u for y = 0, -u for y = 1)
and e = exp(-|u|):

    L(u, y) = log(1 + exp(u)) - y u = log1p(e) + max(v, 0),
    ∂L/∂u  = σ(u) - y = (1 - 2y) σ(v),   σ(v) = (1 if v >= 0 else e) / (1 + e).

Every term is computed from e = exp(-|u|) <= 1: nothing overflows,
``max(v, 0) = (v + |v|) / 2`` is exact, and the loss of a well-classified row
is ``log1p(e)``, accurate however small it is (no cancellation between the
terms of large margins).
"""

import numpy as np
import scipy.sparse as sp

from ._objective import LogisticObjective

# Rows per chunk of the O(n) passes: four float64 scratch chunks (512 KiB)
# stay in the L2 cache.
CHUNK = 16384

try:  # scipy's sparse kernels write into a given output (y += A @ x).
    from scipy.sparse._sparsetools import csc_matvec, csr_matvec
except ImportError:  # pragma: no cover - a scipy without them: X @ v, then a copy
    csr_matvec = csc_matvec = None


class BinaryObjective(LogisticObjective):
    """Binary :class:`LogisticObjective` for numpy and scipy.sparse X.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        float32 or float64; never copied or modified.
    y : array of shape (n_samples,)
        The labels as 0 and 1 (any numeric or boolean dtype).
    sample_weight : array of shape (n_samples,) or None
        Non-negative weights; None means all equal (kept as one number).
    C, l1_ratio, fit_intercept
        As for :class:`LogisticObjective`.
    fused : bool or None
        Compute the residual of each trial step in the pass that computes
        its loss, into a third vector of length n (one ``exp`` fewer per
        iteration). None: when that vector and the other two cost at most
        a tenth of X's memory, or X is small.
    """

    def __init__(
        self, X, y, sample_weight, *, C, l1_ratio, fit_intercept, fused=None
    ):
        self._init_common(X, sample_weight, C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
        self.multinomial = False
        self.n_outputs = 1
        n = self.n_samples
        # sign = 1 - 2y: +1 for class 0, -1 for class 1, one byte per row.
        positive = np.asarray(y) == 1
        self._sign = 1 - 2 * positive.view(np.int8)
        del positive

        itemsize = self.dtype.itemsize
        if fused is None:
            x_bytes = _nbytes(X)
            fused = n <= 4 * CHUNK or 3 * n * itemsize + n <= 0.1 * x_bytes
        self.fused = bool(fused)
        self._product = None  # X @ d, then the residual of the accepted step
        self._residual = None  # the fused residual
        self._trial = None  # (z, Xd, lam) of the residual in self._residual
        self._chunks = None

    def _device_kw(self):
        return {}

    # ------------------------------------------------------------ products
    def direction_product(self, d):
        """``X @ d_w + d_b`` into a buffer owned by the objective.

        The result stays valid until the next call of this method or of
        :meth:`advance` (which turns it into the residual).
        """
        w, b = self.split(d)
        w = np.ascontiguousarray(w[0], dtype=self.dtype)
        P = self._product
        if P is None:
            P = self._product = np.empty(self.n_samples, dtype=self.dtype)
        X = self.X
        if sp.issparse(X) and csr_matvec is not None and X.format in ("csr", "csc"):
            P.fill(0.0)
            m, k = X.shape
            kernel = csr_matvec if X.format == "csr" else csc_matvec
            kernel(m, k, X.indptr, X.indices, X.data, w, P)
        elif isinstance(X, np.ndarray):
            np.matmul(X, w, out=P)
        else:
            P[...] = X @ w
        if b is not None:
            P += b[0]
        self._trial = None
        return P

    def _weigh(self, z):
        return z * self._w if self.sw is None else self.sw * z

    # ------------------------------------------------------------- the loss
    def _scratch(self):
        if self._chunks is None:
            m = min(CHUNK, self.n_samples)
            self._chunks = (
                *(np.empty(m, dtype=self.dtype) for _ in range(4)),
                np.empty(m, dtype=bool),
            )
        return self._chunks

    def _pass(self, z, Xd=None, lam=0.0, r_out=None, move=False, want_loss=True):
        """One chunked pass over the rows; returns the mean loss (or None).

        At u = z + lam·Xd (u = z without Xd): the weighted mean loss (when
        ``want_loss``), the residual s·(σ(u) - y)/Σs written into ``r_out``
        (when given) and u written into z (when ``move``). ``r_out`` may be
        ``Xd`` itself: each chunk of Xd is read before it is overwritten.
        """
        ua, ea, ta, qa, ha = self._scratch()
        sign, sw = self._sign, self.sw
        n = self.n_samples
        log_sum = relu2_sum = 0.0
        for i in range(0, n, CHUNK):
            j = min(i + CHUNK, n)
            m = j - i
            e, t, q = ea[:m], ta[:m], qa[:m]
            s = None if sw is None else sw[i:j]
            if Xd is None:
                u = z[i:j]
            else:
                u = ua[:m]
                np.multiply(Xd[i:j], lam, out=u)
                u += z[i:j]  # z + λ·Xd, rounded as :meth:`advance` rounds it
                if move:
                    z[i:j] = u
            np.abs(u, out=e)
            np.multiply(u, sign[i:j], out=t)  # v, the signed margin
            if r_out is not None:
                h = np.greater_equal(t, 0, out=ha[:m])
            if want_loss:
                t += e  # 2·max(v, 0), exactly
                relu2_sum += float(t.sum() if s is None else s @ t)
            np.negative(e, out=e)
            np.exp(e, out=e)  # e = exp(-|u|)
            if want_loss:
                np.log1p(e, out=q)
                log_sum += float(q.sum() if s is None else s @ q)
            if r_out is not None:
                np.maximum(e, h, out=t)  # 1 where v >= 0, e elsewhere
                np.add(e, 1.0, out=q)
                np.divide(t, q, out=t)  # σ(v)
                r = r_out[i:j]
                np.multiply(t, sign[i:j], out=r)  # σ(u) - y
                if s is None:
                    r *= self._w
                else:
                    r *= s
        if not want_loss:
            return None
        loss = log_sum + 0.5 * relu2_sum
        return loss * self._w if sw is None else loss

    def loss(self, z):
        """Weighted mean log-loss at z; O(n), no temporary of length n."""
        return self._pass(z)

    def loss_residual(self, z):
        """Weighted mean log-loss at z and the residual (a new array)."""
        r = np.empty_like(z)
        return self._pass(z, r_out=r), r

    def trial_loss(self, z, Xd, lam):
        """Mean loss at z + lam·Xd without forming it (O(n), in chunks)."""
        if not self.fused:
            return self._pass(z, Xd, lam)
        if self._residual is None:
            self._residual = np.empty(self.n_samples, dtype=self.dtype)
        loss = self._pass(z, Xd, lam, r_out=self._residual)
        self._trial = (z, Xd, lam)
        return loss

    def advance(self, z, Xd, lam):
        """Move z to z + lam·Xd in place; return it and the residual there.

        Xd is spent: its buffer holds the residual afterwards (unless the
        residual of this very step was computed by :meth:`trial_loss`).
        """
        trial, self._trial = self._trial, None
        if trial is not None and trial[0] is z and trial[1] is Xd and trial[2] == lam:
            ua = self._scratch()[0]
            for i in range(0, self.n_samples, CHUNK):
                j = min(i + CHUNK, self.n_samples)
                u = ua[: j - i]
                np.multiply(Xd[i:j], lam, out=u)
                z[i:j] += u
            return z, self._residual
        self._pass(z, Xd, lam, r_out=Xd, move=True, want_loss=False)
        return z, Xd


def _nbytes(X):
    if sp.issparse(X):
        return sum(a.nbytes for a in (X.data, X.indices, X.indptr))
    return X.nbytes
