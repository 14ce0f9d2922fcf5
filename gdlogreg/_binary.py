"""The binary objective on numpy and scipy.sparse data, at the cost floor.

:class:`BinaryObjective` is :class:`~gdlogreg._objective.LogisticObjective`
for two classes and in-memory (numpy or scipy.sparse) data, computed so that
an iteration of gradient descent costs one ``X @ v``, one ``X.T @ r`` and as
little else as the hardware allows:

- The O(n) work runs in chunks of :data:`CHUNK` rows that stay in the CPU
  cache: per entry of z, one ``exp``, one ``log1p`` and a handful of
  cache-resident arithmetic, and no temporary of length n.
- ``X @ d`` is written into a buffer kept across iterations (with
  ``out=`` for dense X, and scipy's own CSR/CSC kernel for sparse X, which
  adds to a buffer filled with the intercept's part). The residual of the
  accepted step is written over it once ``X @ d`` is spent, so that the
  line-search solvers hold two vectors of length n besides X: the raw
  prediction z and ``X @ d`` (then the residual). Gradient descent with a
  constant step holds one: :meth:`value_gradient` writes the residual over
  z, whose memory the next :meth:`raw_prediction` reuses. With CSR X,
  ``X.T @ r`` is summed chunk by chunk in every residual pass, while each
  chunk of r is in the cache, and :meth:`gradient` uses that sum.
- A trial step asked for ``in_place`` (the solver's first trial of a
  spectral step, which is nearly always accepted) is computed in one pass:
  z moves to the trial point and the buffer of ``X @ d`` receives its
  residual, with one ``exp`` per row. If the step is then refused, the next
  trial undoes it, computing ``X @ d`` and z once more (two products with
  X). Other trials compute the loss alone (one ``exp`` and one ``log1p`` per
  row); the accepted one's residual is then a pass of its own (one ``exp``
  per row).
- The labels are kept as signs (one byte per row) and uniform sample
  weights as one number.

The maths is that of the base class. With u the raw prediction of a row,
y its label and v = (1 - 2y)·u its signed margin (v = u for y = 0, -u for
y = 1):

    L(u, y) = log(1 + exp(u)) - y u = log1p(exp(v)),
    ∂L/∂u  = σ(u) - y = (1 - 2y) σ(v),
    σ(v) = exp(v) / (1 + exp(v)) = 1 / (1 + exp(-v)).

One ``exp`` and one ``log1p`` per row and nothing subtracted: the loss of a
well-classified row, log1p(exp(v)) with exp(v) tiny, is accurate however
small it is, and σ(v) keeps its relative accuracy in both tails. exp(-v) =
inf (v < -709 in float64) gives σ(v) = 0, its limit; where exp(v) overflows
(v > 709, or 88 in float32) the chunk is done again in the form
``log1p(exp(-|v|)) + max(v, 0)``, where nothing overflows and
``max(v, 0) = (v + |v|) / 2`` is exact (:meth:`BinaryObjective._exact`).
"""

import math

import numpy as np
import scipy.sparse as sp

from ._objective import LogisticObjective

# Rows per chunk of the O(n) passes: the three float64 scratch chunks (768
# KiB) stay in a 1 MiB L2 cache, and the ~10 numpy calls per chunk cost
# little next to the arithmetic (32768 rows: 2% faster per iteration than
# 16384 on the 300k-row CSR benchmark, the same as 65536).
CHUNK = 32768

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
    """

    def __init__(self, X, y, sample_weight, *, C, l1_ratio, fit_intercept):
        self._init_common(X, sample_weight, C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
        self.multinomial = False
        self.n_outputs = 1
        # sign = 1 - 2y: +1 for class 0, -1 for class 1, one byte per row.
        positive = np.asarray(y) == 1
        self._sign = 1 - 2 * positive.view(np.int8)
        del positive

        self._product = None  # X @ d, then the residual of the accepted step
        # d and the parameters of z, to restore both after a refused in-place trial
        self._direction = self._at = None
        self._moved = None  # (z, Xd, lam): z moved to z + lam·Xd, Xd holds its residual
        self._chunks = None
        # CSR: X.T @ r is summed chunk by chunk while r is written.
        self._early_gradient = csc_matvec is not None and sp.issparse(X) and X.format == "csr"
        # [r, X.T @ r, Σ r] of the last residual r written with CSR X (see _rmatmul)
        self._early = [None, None, None]
        self._spare = None  # the memory of a spent z (see value_gradient)

    def _device_kw(self):
        return {}

    # ------------------------------------------------------------ products
    def direction_product(self, d, at=None):
        """``X @ d_w + d_b`` into a buffer owned by the objective.

        The result stays valid until the next call of this method or of
        :meth:`advance` (which turns it into the residual). ``at``: the
        parameters of the current raw prediction z, with which a refused
        in-place trial restores z exactly (see :meth:`trial_loss`).
        """
        if self._moved is not None:  # an in-place trial neither accepted nor undone
            self._undo_move()
        self._direction, self._at = d, at
        P = self._product
        if P is None:
            P = self._product = np.empty(self.n_samples, dtype=self.dtype)
        return self._linear(d, P)

    def _linear(self, coef, out):
        """``X @ w + b`` into ``out``: one product with X, no other vector."""
        if out is self._early[0]:
            self._early = [None, None, None]
        w, b = self.split(coef)
        w = np.ascontiguousarray(w[0], dtype=self.dtype)
        X = self.X
        if sp.issparse(X) and csr_matvec is not None and X.format in ("csr", "csc"):
            # The kernel adds X @ w to out: start from the intercept's part.
            out.fill(0.0 if b is None else b[0])
            m, k = X.shape
            kernel = csr_matvec if X.format == "csr" else csc_matvec
            kernel(m, k, X.indptr, X.indices, X.data, w, out)
            b = None
        elif isinstance(X, np.ndarray):
            np.matmul(X, w, out=out)
        else:
            out[...] = X @ w
        if b is not None:
            out += b[0]
        return out

    def raw_prediction(self, coef):
        """z = X w + b, in the memory of the last spent z if there is one."""
        out, self._spare = self._spare, None
        if out is None:
            out = np.empty(self.n_samples, dtype=self.dtype)
        return self._linear(coef, out)

    def value_gradient(self, z, coef):
        """J at ``coef`` and its gradient; z is spent.

        The residual is written over z (for CSR X, X.T @ r is summed in the
        same pass), and z's memory serves the next :meth:`raw_prediction`:
        gradient descent with a constant step then holds one vector of
        length n and allocates none per iteration.
        """
        loss = self._pass(z, r_out=z)
        grad = self.gradient(z, coef)
        self._spare = z
        return loss + self.penalty(coef), grad

    def _rmatmul(self, R):
        r, g, total = self._early
        if g is not None and R is r:
            # Forget r once its sums are taken: the record must not keep it alive.
            keep = total is not None and self.fit_intercept
            self._early = [r, None, total] if keep else [None, None, None]
            return g[None, :]
        return super()._rmatmul(R)

    def _row_sums(self, r):
        early, _, total = self._early
        if total is not None and r is early:
            self._early = [None, None, None]
            return np.full(1, total, dtype=self.dtype)
        return super()._row_sums(r)

    def _weigh(self, z):
        return z * self._w if self.sw is None else self.sw * z

    # ------------------------------------------------------------- the loss
    def _scratch(self):
        """Three chunk-sized arrays of X's dtype, kept across passes."""
        if self._chunks is None:
            m = min(CHUNK, self.n_samples)
            self._chunks = tuple(np.empty(m, dtype=self.dtype) for _ in range(3))
        return self._chunks

    def _exact(self, u, i, j, r=None):
        """The weighted loss sum of the rows i:j at u (their raw predictions).

        With e = exp(-|v|) <= 1: slower, but nothing overflows; for the
        chunks where exp(v) does (v > 709 in float64, > 88 in float32).
        Writes the residual into r if given. Chunk-sized temporaries only.
        """
        sign = self._sign[i:j]
        s = self._w if self.sw is None else self.sw[i:j]
        v = u * sign
        a = np.abs(v)
        e = np.exp(-a)
        loss = np.log1p(e)
        loss += 0.5 * (v + a)  # max(v, 0), exactly
        if r is not None:
            sigma = np.where(v >= 0, 1, e) / (1 + e)
            np.multiply(sigma * s, sign, out=r)
        return float(loss.sum() if self.sw is None else s @ loss)

    def _pass(self, z, Xd=None, lam=0.0, r_out=None, move=False):
        """Loss (and residual) pass at u = z + lam·Xd (u = z without Xd).

        Returns the weighted mean loss and writes the residual
        s·(σ(u) - y)/Σs into ``r_out`` when given. ``move=True`` writes u
        over z (and then ``r_out`` may be Xd itself), else z and Xd are only
        read; a residual at a trial point is asked for with ``move=True``.
        Per row: one ``exp`` and one ``log1p``, and for the residual an add
        and a division; a chunk where exp(v) overflows is done again by
        :meth:`_exact`. With CSR X and ``r_out``, also X.T @ r and Σ r,
        chunk by chunk (see :meth:`_rmatmul`).
        """
        if r_out is not None and Xd is not None and not move:
            raise ValueError("a residual at a trial point needs move=True")
        ua, ea, fa = self._scratch()
        sign, sw = self._sign, self.sw
        n = self.n_samples
        early = self._early_gradient and r_out is not None
        g = np.zeros(self.n_features, dtype=self.dtype) if early else None
        r_total = total = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            for i in range(0, n, CHUNK):
                j = min(i + CHUNK, n)
                m = j - i
                e, q, f = ea[:m], ua[:m], fa[:m]
                u = z[i:j]
                if Xd is not None:
                    out = u if move else q
                    if lam == 1.0:
                        u = np.add(u, Xd[i:j], out=out)
                    else:  # λ·Xd + z, rounded as :meth:`advance` rounds it
                        u = np.add(np.multiply(Xd[i:j], lam, out=q), u, out=out)
                if r_out is None:
                    f = sign[i:j]
                else:  # the signs as floats, for the two products with them
                    np.copyto(f, sign[i:j])
                np.multiply(u, f, out=e)  # v
                np.exp(e, out=e)  # exp(v): inf where v is large
                if r_out is None:
                    np.log1p(e, out=e)
                    part = float(e.sum() if sw is None else sw[i:j] @ e)
                    total += part if math.isfinite(part) else self._exact(u, i, j)
                    continue
                r = r_out[i:j]
                np.log1p(e, out=q)  # (with Xd, u is z's chunk: move=True)
                part = float(q.sum() if sw is None else sw[i:j] @ q)
                if not math.isfinite(part):
                    total += self._exact(u, i, j, r)
                else:
                    total += part
                    np.add(e, 1.0, out=q)
                    np.divide(e, q, out=q)  # σ(v) = exp(v) / (1 + exp(v))
                    np.multiply(q, f, out=r)
                    if sw is None:
                        r *= self._w
                    else:
                        r *= sw[i:j]
                if early:
                    r_total += self._add_block_gradient(g, i, j, r)
        if early:
            self._early = [r_out, g, r_total]
        return total * self._w if sw is None else total

    def _add_block_gradient(self, g, i, j, r):
        """X[i:j].T @ r added to g (CSR X, r the residual of rows i:j); returns Σ r."""
        X = self.X
        csc_matvec(self.n_features, j - i, X.indptr[i : j + 1], X.indices, X.data, r, g)
        return float(r.sum())

    def _residual_pass(self, z, out, Xd=None, lam=0.0):
        """The residual s·(σ(u) - y)/Σs into ``out``; with Xd, z := z + lam·Xd first.

        In place: z moves to u = z + lam·Xd and ``out`` may be Xd itself.
        σ(v) = 1 / (1 + exp(-v)): exp(-v) = inf gives σ(v) = 0, its limit.
        With CSR X, also X.T @ r and Σ r, chunk by chunk (see
        :meth:`_rmatmul`).
        """
        ta, fa, _ = self._scratch()
        sign, sw = self._sign, self.sw
        n = self.n_samples
        w = self._w
        early = self._early_gradient
        g = np.zeros(self.n_features, dtype=self.dtype) if early else None
        total = 0.0
        with np.errstate(over="ignore"):
            for i in range(0, n, CHUNK):
                j = min(i + CHUNK, n)
                m = j - i
                t, f = ta[:m], fa[:m]
                x, zc = out[i:j], z[i:j]
                if Xd is not None:
                    if lam == 1.0:
                        zc += Xd[i:j]
                    else:
                        zc += np.multiply(Xd[i:j], lam, out=t)  # λ·Xd + z
                np.negative(sign[i:j], out=f)  # -sign, as floats
                np.multiply(zc, f, out=t)  # -v
                np.exp(t, out=t)
                np.subtract(-1.0, t, out=t)  # -(1 + exp(-v))
                np.divide(w if sw is None else sw[i:j], t, out=t)  # -s·σ(v)
                np.multiply(t, f, out=x)  # s·sign·σ(v) = s·(σ(u) - y)
                if early:
                    total += self._add_block_gradient(g, i, j, x)
        self._early = [out, g, total] if early else [None, None, None]
        return out

    def residual(self, z):
        """The residual at z alone (a new array): one ``exp`` per row, no ``log1p``."""
        return self._residual_pass(z, np.empty_like(z))

    def loss(self, z):
        """Weighted mean log-loss at z; O(n), no temporary of length n."""
        return self._pass(z)

    def loss_residual(self, z):
        """Weighted mean log-loss at z and the residual (a new array)."""
        r = np.empty_like(z)
        return self._pass(z, r_out=r), r

    def _undo_move(self):
        """Undo an in-place trial: z back where it was, X @ d again into its buffer.

        z is computed again from the parameters given to
        :meth:`direction_product` (``at``), or else as z - lam·Xd, which is
        off by the rounding of the trial point.
        """
        z, Xd, lam = self._moved
        self._moved = None
        self._linear(self._direction, Xd)
        if self._at is not None:
            self._linear(self._at, z)
            return
        t = self._scratch()[0]
        for i in range(0, self.n_samples, CHUNK):
            j = min(i + CHUNK, self.n_samples)
            if lam == 1.0:
                z[i:j] -= Xd[i:j]
            else:
                z[i:j] -= np.multiply(Xd[i:j], lam, out=t[: j - i])

    def trial_loss(self, z, Xd, lam, in_place=False):
        """Mean loss at z + lam·Xd (O(n), in chunks).

        ``in_place=True``: z moves to the trial point and Xd's buffer
        receives its residual in the same pass, ready for :meth:`advance`;
        a later trial along the same direction first undoes that (``X @ d``
        once more, and z again from the ``at`` of :meth:`direction_product`).
        Otherwise z and Xd are only read.
        """
        if self._moved is not None:
            self._undo_move()
        if not in_place or Xd is not self._product:
            return self._pass(z, Xd, lam)
        loss = self._pass(z, Xd, lam, r_out=Xd, move=True)
        self._moved = (z, Xd, lam)
        return loss

    def advance(self, z, Xd, lam):
        """Move z to z + lam·Xd in place; return it and the residual there.

        Xd is spent: its buffer holds the residual afterwards.
        """
        moved, self._moved = self._moved, None
        if moved is not None:
            if moved[0] is z and moved[1] is Xd and moved[2] == lam:
                return z, Xd  # done by the in-place trial
            self._moved = moved
            self._undo_move()
        return z, self._residual_pass(z, Xd, Xd, lam)
