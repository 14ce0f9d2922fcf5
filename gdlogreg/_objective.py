"""The objective: value and gradient of the logistic-regression cost J.

This module knows the maths of the cost and nothing about scikit-learn or about
how it is minimised. For a parameter array ``coef`` of shape
``(n_outputs, n_features + fit_intercept)`` (one row for binary problems, one
row per class for the multinomial model; the last column is the intercept
``b`` when there is one) it computes

    J(w, b) = Σᵢ sᵢ L(zᵢ, yᵢ) / Σᵢ sᵢ  +  (1 - ρ) / (2 C Σᵢ sᵢ) ‖w‖²  +  ρ / (C Σᵢ sᵢ) ‖w‖₁

with the raw prediction z = X w + b, the sample weights s, ``C`` and the
elastic-net mixing ``ρ = l1_ratio``. Multiplying scikit-learn's
``LogisticRegression`` objective ``C Σ sᵢ Lᵢ + ρ‖w‖₁ + (1-ρ)/2 ‖w‖²`` by
``1 / (C Σ sᵢ)`` gives exactly J, so both have the same minimiser.

Everything works on the raw prediction z: :meth:`LogisticObjective.raw_prediction`
costs one product ``X @ v``, :meth:`LogisticObjective.loss_residual` is O(n) and
:meth:`LogisticObjective.gradient` costs one product ``X.T @ r``. Because z is
linear in ``coef``, a line search along a direction ``d`` needs ``X @ d`` once and
each trial step ``z + t (X d)`` is O(n).

Array backends (numpy, scipy.sparse, array-API arrays such as torch or cupy)
differ in how ``X @ v`` and ``X.T @ r`` are computed (:meth:`_matmul`,
:meth:`_rmatmul`); a subclass can override just those two (as the Dask
objective does). :func:`make_objective` gives numpy and scipy.sparse data the
same J computed in place and in cache-sized blocks
(:class:`gdlogreg._binary.BinaryObjective`) or class-major
(:class:`gdlogreg._multinomial.MultinomialObjective`); this class is the
plain formula they are tested against.
"""

import math

import numpy as np
import scipy.sparse as sp

from ._compat import device, get_namespace, is_numpy_namespace


def _relu(a, xp):
    """max(a, 0), exactly, without a scalar argument (not all namespaces take one)."""
    return 0.5 * (a + xp.abs(a))


def _log1pexp(z, xp):
    """Return log(1 + exp(z)) without overflow: max(z, 0) + log1p(exp(-|z|))."""
    return _relu(z, xp) + xp.log1p(xp.exp(-xp.abs(z)))


class LogisticObjective:
    """Weighted mean log-loss plus the L2/L1 penalty, as a function of ``coef``.

    Parameters
    ----------
    X : array of shape (n_samples, n_features)
        Dense array of any array-API namespace, or scipy.sparse matrix. Never
        copied or modified.
    y : array of shape (n_samples,)
        Binary problems: the targets 0. or 1. as floats of X's dtype.
        Multinomial problems: the integer class index of each sample.
    sample_weight : array of shape (n_samples,) or None
        Non-negative weights (class weights already multiplied in); None
        means all equal.
    n_classes : int
        Number of classes; 2 gives the binary (sigmoid) model with one
        coefficient row, more give the multinomial (softmax) model.
    C : float
        Inverse regularisation strength, as in ``LogisticRegression``; ``inf``
        means no penalty.
    l1_ratio : float
        Elastic-net mixing in [0, 1]: 0 is pure L2, 1 pure L1.
    fit_intercept : bool
        Whether the last column of ``coef`` is an (unpenalised) intercept.
    """

    def __init__(self, X, y, sample_weight, n_classes, *, C, l1_ratio, fit_intercept):
        xp, _ = get_namespace(X if not sp.issparse(X) else np.empty(0))
        self.xp = xp
        self._is_numpy = is_numpy_namespace(xp)
        self.X = X
        self.n_samples, self.n_features = X.shape
        self.fit_intercept = bool(fit_intercept)
        self.multinomial = n_classes > 2
        self.n_outputs = n_classes if self.multinomial else 1
        self.dtype = X.dtype

        # Normalised weights: J and its gradient are divided by the sum of the
        # weights, not by the number of rows. None: all weights equal.
        if sample_weight is None:
            kw = {} if self._is_numpy else {"device": device(X)}
            sample_weight = xp.ones(self.n_samples, dtype=X.dtype, **kw)
        # Summed after division by the largest weight, so that huge weights
        # give sw_sum = inf (no penalty), not an overflow.
        top = float(xp.max(sample_weight))
        sw = sample_weight / top
        partial = float(xp.sum(sw))
        self.sw_sum = top * partial
        sw = sw / partial
        self.sw = xp.astype(sw, X.dtype) if not self._is_numpy else sw.astype(X.dtype)
        if self.multinomial:
            # One-hot targets scaled by the weights, so that the residual is
            # sw * softmax(z) - sw_y.
            y_int = xp.astype(y, xp.int64) if not self._is_numpy else y.astype(np.int64)
            classes = xp.arange(n_classes, dtype=y_int.dtype)
            onehot = xp.astype(y_int[:, None] == classes[None, :], X.dtype)
            self.sw_y = self.sw[:, None] * onehot
        else:
            self.sw_y = self.sw * y
        self._trial = None

        self._set_penalty(C, l1_ratio)

    def _set_penalty(self, C, l1_ratio):
        # The penalty, scaled once, here: divide scikit-learn's objective by C Σs.
        scale = math.inf if C == math.inf else C * self.sw_sum
        self.l2_reg = (1.0 - l1_ratio) / scale if scale != math.inf else 0.0
        self.l1_reg = l1_ratio / scale if scale != math.inf else 0.0

    def _init_common(self, X, sample_weight, *, C, l1_ratio, fit_intercept):
        """Set-up shared by the numpy backends (gdlogreg._binary, gdlogreg._multinomial).

        Equal weights (``sample_weight=None``) are kept as one number, ``_w =
        1/n``, with ``sw = None``; other weights are normalised as in
        :meth:`__init__`.
        """
        self.xp, _ = get_namespace(np.empty(0, dtype=X.dtype))
        self._is_numpy = True
        self.X = X
        self.n_samples, self.n_features = n, _ = X.shape
        self.fit_intercept = bool(fit_intercept)
        self.dtype = np.dtype(X.dtype)
        if sample_weight is None:
            self.sw, self.sw_sum, self._w = None, float(n), 1.0 / n
        else:
            sample_weight = np.asarray(sample_weight)
            top = float(np.max(sample_weight))
            sw = sample_weight / top
            partial = float(np.sum(sw))
            self.sw_sum = top * partial
            sw /= partial
            self.sw, self._w = sw.astype(self.dtype, copy=False), None
        self.sw_y = None
        self._set_penalty(C, l1_ratio)

    # ------------------------------------------------------------------ layout
    @property
    def coef_shape(self):
        """Shape of the parameter array: ``(n_outputs, n_features + fit_intercept)``."""
        return (self.n_outputs, self.n_features + int(self.fit_intercept))

    def zeros(self):
        """The textbook start: all coefficients and the intercept at zero."""
        return self.xp.zeros(self.coef_shape, dtype=self.dtype, **self._device_kw())

    def _device_kw(self):
        if self._is_numpy:
            return {}
        return {"device": device(self.sw)}

    def split(self, coef):
        """Return the views ``(w, b)`` of ``coef``; ``b`` is None without intercept."""
        if self.fit_intercept:
            return coef[:, :-1], coef[:, -1]
        return coef, None

    def join(self, w, b):
        """Inverse of :meth:`split`."""
        if b is None:
            return w
        if isinstance(w, np.ndarray):  # the same, without the namespace wrapper's cost
            return np.concatenate([w, b[:, None]], axis=1)
        return self.xp.concat([w, b[:, None]], axis=1)

    # ----------------------------------------------------- the two big products
    def _matmul(self, W):
        """``X @ W.T`` for W of shape (n_outputs, n_features): (n,) or (n, K)."""
        if self.multinomial:
            return self.X @ W.T
        return self.X @ W[0, ...]

    def _rmatmul(self, R):
        """``R.T @ X`` for a residual R of shape (n,) or (n, K): (n_outputs, n_features)."""
        if self.multinomial:
            G = self.X.T @ R
            return G.T
        G = self.X.T @ R
        return G[None, :]

    def raw_prediction(self, coef):
        """The raw prediction z = X w + b; one product ``X @ v``."""
        w, b = self.split(coef)
        z = self._matmul(w)
        if b is not None:
            if isinstance(z, np.ndarray):  # a new array: add in place, no second one
                z += b if self.multinomial else b[0]
            else:
                z = z + (b if self.multinomial else b[0])
        return z

    # --------------------------------------------------------------- the loss
    def loss_residual(self, z):
        """Weighted mean log-loss at z and the residual r = ∂(mean loss)/∂z.

        O(n): one exponential and one log1p per entry of z. Binary:
        L = log(1 + exp(z)) - y z and r = s (σ(z) - y) / Σs. Multinomial:
        L = logsumexp(z) - z_y and r = s (softmax(z) - onehot(y)) / Σs.
        """
        xp = self.xp
        if self.multinomial:
            zmax = xp.max(z, axis=1, keepdims=True)
            e = xp.exp(z - zmax)
            se = xp.sum(e, axis=1, keepdims=True)
            lse = zmax + xp.log(se)
            loss = float(xp.sum(self.sw[:, None] * lse)) - float(xp.sum(self.sw_y * z))
            r = (self.sw[:, None] / se) * e - self.sw_y
            return loss, r
        loss = float(xp.sum(self.sw * _log1pexp(z, xp))) - float(xp.sum(self.sw_y * z))
        # σ(z) = (1 + tanh(z/2)) / 2 never overflows.
        r = self.sw * (0.5 + 0.5 * xp.tanh(0.5 * z)) - self.sw_y
        return loss, r

    def residual(self, z):
        """The residual r = ∂(mean loss)/∂z alone (see :meth:`loss_residual`)."""
        return self.loss_residual(z)[1]

    def loss(self, z):
        """Weighted mean log-loss at z (no residual); O(n)."""
        xp = self.xp
        if self.multinomial:
            zmax = xp.max(z, axis=1, keepdims=True)
            lse = zmax + xp.log(xp.sum(xp.exp(z - zmax), axis=1, keepdims=True))
            return float(xp.sum(self.sw[:, None] * lse)) - float(xp.sum(self.sw_y * z))
        return float(xp.sum(self.sw * _log1pexp(z, xp))) - float(xp.sum(self.sw_y * z))

    # ------------------------------------------- steps along a direction
    # The solver's line search uses these three; a backend may do them in
    # place and in chunks (see gdlogreg._binary). Here: plain arrays, and the
    # residual of the last trial kept for :meth:`advance`.
    def direction_product(self, d, at=None):
        """The raw prediction of a direction, ``X @ d_w + d_b``: one ``X @ v``.

        ``at``: the parameters of the current raw prediction (a backend that
        moves it in place during a trial restores it from them).
        """
        self._trial = None
        return self.raw_prediction(d)

    def trial_loss(self, z, Xd, lam, in_place=False):
        """Mean loss at the trial point z + lam·Xd; O(n), no product with X.

        ``in_place=True`` says the step is likely to be accepted: a backend
        may then move z to the trial point and put its residual in Xd's
        memory in the same pass (see :mod:`gdlogreg._binary`), undoing that
        if another trial follows. Here it changes nothing.
        """
        z_new = z + lam * Xd
        loss, r = self.loss_residual(z_new)
        self._trial = (z, Xd, lam, z_new, r)
        return loss

    def advance(self, z, Xd, lam):
        """Accept the step: the raw prediction z + lam·Xd and its residual.

        z and Xd are spent (a backend may reuse their memory).
        """
        trial, self._trial = self._trial, None
        if trial is not None and trial[0] is z and trial[1] is Xd and trial[2] == lam:
            return trial[3], trial[4]
        z_new = z + lam * Xd
        return z_new, self.loss_residual(z_new)[1]

    # ------------------------------------------------------------ the penalty
    def smooth_penalty(self, coef):
        """½ · l2_reg · ‖w‖² (the intercept is never penalised)."""
        if self.l2_reg == 0.0:
            return 0.0
        w, _ = self.split(coef)
        if self._is_numpy:
            sq = float(np.vdot(w, w))
            if math.isfinite(sq):
                return 0.5 * self.l2_reg * sq
        # ‖w‖² = m² ‖w/m‖² with m = max |w|: a diverging w gives J = inf, not
        # an overflow in the squares.
        m = float(self.xp.max(self.xp.abs(w)))
        if m == 0.0 or not math.isfinite(m):
            return 0.0 if m == 0.0 else math.inf
        return 0.5 * self.l2_reg * m * m * float(self.xp.sum((w / m) ** 2))

    def nonsmooth_penalty(self, coef):
        """l1_reg · ‖w‖₁."""
        if self.l1_reg == 0.0:
            return 0.0
        w, _ = self.split(coef)
        return self.l1_reg * float(self.xp.sum(self.xp.abs(w)))

    def penalty(self, coef):
        """The whole penalty: ½ · l2_reg · ‖w‖² + l1_reg · ‖w‖₁."""
        return self.smooth_penalty(coef) + self.nonsmooth_penalty(coef)

    def value(self, z, coef):
        """J at ``coef`` whose raw prediction is z; O(n + n_params)."""
        return self.loss(z) + self.penalty(coef)

    def gradient(self, r, coef):
        """Gradient of the smooth part of J from the residual: ``[dw | db]``.

        dw = X.T r + l2_reg · w (one product ``X.T @ r``) and db = Σ r.
        """
        xp = self.xp
        dw = self._rmatmul(r)
        w, _ = self.split(coef)
        if self.l2_reg != 0.0:
            dw = dw + self.l2_reg * w
        if not self.fit_intercept:
            return dw
        return self.join(dw, _astype(xp, self._row_sums(r), dw.dtype))

    def value_gradient(self, z, coef):
        """J at ``coef`` and the gradient of its smooth part; one ``X.T @ r``.

        z, the raw prediction at ``coef``, is spent: a backend may reuse its
        memory.
        """
        loss, r = self.loss_residual(z)
        return loss + self.penalty(coef), self.gradient(r, coef)

    # ---------------------------------------------------- the non-smooth part
    def prox(self, coef, step):
        """Proximal operator of ``step · l1_reg · ‖w‖₁``: soft-thresholding of w.

        ``step`` is a scalar. The intercept is left alone.
        """
        if self.l1_reg == 0.0:
            return coef
        w, b = self.split(coef)
        return self.join(_soft_threshold(w, self.l1_reg * step, self.xp), b)

    def optimality(self, grad, coef):
        """Largest entry of the minimum-norm subgradient of J (0 at the optimum)."""
        return _optimality(grad, coef, self.l1_reg, self)

    # ---------------------------------------------- statistics of the data
    def curvature_bound(self):
        """c with ∇²(mean loss) ≼ c · Aᵀ diag(s/Σs) A: ¼ (sigmoid) or ½ (softmax)."""
        return 0.5 if self.multinomial else 0.25

    def curvature_matvec(self, v):
        """Product of an upper bound of the Hessian of J with v (shaped like coef).

        c · Aᵀ diag(s/Σs) A v + l2_reg · [v_w, 0], with A = [X, 1]: one
        ``X @ v`` and one ``X.T @ r``. Its largest eigenvalue is the Lipschitz
        constant of ∇J used for the step size.
        """
        r = self.curvature_bound() * self._weigh(self.raw_prediction(v))
        w, _ = self.split(v)
        g = self._rmatmul(r)
        if self.l2_reg != 0.0:
            g = g + self.l2_reg * w
        if not self.fit_intercept:
            return g
        return self.join(g, _astype(self.xp, self._row_sums(r), g.dtype))

    def _row_sums(self, r):
        """Σᵢ rᵢ, one entry per output: the intercept's part of the gradient."""
        if isinstance(r, np.ndarray):  # the same, without the namespace wrapper's cost
            return r.sum(axis=0, keepdims=not self.multinomial)
        xp = self.xp
        return xp.sum(r, axis=0) if self.multinomial else xp.reshape(xp.sum(r), (1,))

    def _weigh(self, z):
        return self.sw[:, None] * z if self.multinomial else self.sw * z

    def column_moments(self):
        """Scale, weighted mean and weighted variance of each feature.

        Returns ``(scale, mean, var)``: ``scale`` is a per-column divisor (the
        largest ``|x|`` of the column; for sparse X only where needed, else 1), and
        ``mean`` and ``var`` are the moments of the column divided by its
        scale, so that no square overflows or underflows whatever the units
        (|x| up to 1e308). The variance of dense X is a two-pass sum (no
        cancellation for a feature with a large offset). Computed in blocks
        of rows (of columns for CSC), so that no temporary of more than a
        sixteenth of X (for small X, a quarter of X and at most 65,536
        entries) is made and sparse X is neither densified nor copied.
        """
        xp = self.xp
        X = self.X
        n, d = X.shape
        if sp.issparse(X):
            mean = self._sw_dot(X)
            sq = self._sparse_square_sums(lambda block: block)
            if not (np.all(np.isfinite(sq)) and np.all((sq > 0) | (mean == 0))):
                # Squares overflow or underflow: divide each column by its largest |x|.
                scale = np.maximum(
                    np.abs(X.max(axis=0).toarray().ravel()),
                    np.abs(X.min(axis=0).toarray().ravel()),
                ).astype(np.float64)
                scale = np.where(scale > 0, scale, 1.0)
                inv = sp.diags(1.0 / scale)
                sq = self._sparse_square_sums(lambda block: block @ inv)
                mean = mean / scale
            else:
                scale = np.ones(d)
            var = np.maximum(sq - mean * mean, 0.0)
            return scale.astype(X.dtype), mean.astype(X.dtype), var.astype(X.dtype)
        rows = max(1, min(4096, max(n // 16, min(n // 4, 65536 // max(d, 1)))))
        scale = xp.zeros(d, dtype=X.dtype, **self._device_kw())
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            scale = xp.maximum(scale, xp.max(xp.abs(X[start:stop, ...]), axis=0))
        scale = xp.where(scale > 0, scale, xp.ones_like(scale))
        mean = self._sw_dot(X) / scale
        var = xp.zeros(d, dtype=X.dtype, **self._device_kw())
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            block = X[start:stop, ...] / scale
            block -= mean
            block *= block
            var = var + self._sw_slice(start, stop) @ block
            del block  # before the next block is made: one block at a time
        return scale, mean, var

    def _sw_slice(self, start, stop):
        """The normalised weights of rows start:stop."""
        if self.sw is None:
            return np.full(min(stop, self.n_samples) - start, self._w, dtype=self.dtype)
        return self.sw[start:stop]

    def _sw_dot(self, A):
        """sᵀA / Σs: the weighted column means of A (dense or sparse).

        Float64 for sparse A, A's dtype for dense A. Equal weights: the column
        sums, accumulated in float64 without a copy of A or a weight vector.
        """
        if self.sw is None:
            if sp.issparse(A):
                return np.asarray(A.sum(axis=0, dtype=np.float64)).ravel() * self._w
            return (np.sum(A, axis=0, dtype=np.float64) * self._w).astype(A.dtype)
        if sp.issparse(A):
            return np.asarray(A.T @ np.asarray(self.sw), dtype=np.float64)
        return self.sw @ A

    def _sparse_square_sums(self, transform, nnz_per_block=1 << 16):
        """Σᵢ sᵢ x_ij² for sparse X, block by block (rows of CSR, columns of CSC).

        Blocks of about ``nnz_per_block`` stored entries: the copies made per
        block stay small next to X.
        """
        X = self.X
        n, d = X.shape
        out = np.zeros(d, dtype=np.float64)
        if X.format == "csc":
            step = max(1, d * nnz_per_block // max(X.nnz, 1))
            sw = np.asarray(self._sw_slice(0, n))
            for j in range(0, d, step):
                block = transform(X[:, j : j + step])
                out[j : j + step] = block.multiply(block).T @ sw
            return out
        X = X.tocsr() if X.format != "csr" else X
        step = max(1, n * nnz_per_block // max(X.nnz, 1))
        for i in range(0, n, step):
            block = transform(X[i : i + step])
            out += block.multiply(block).T @ np.asarray(self._sw_slice(i, i + step))
        return out

    def standardized(self):
        """The same objective in standardized coordinates (see :class:`Standardized`)."""
        return Standardized(self)


class Standardized:
    """J in standardized coordinates: an exact change of variables, same minimiser.

    With the weighted mean μ_j and standard deviation σ_j of each feature,
    the primed parameters (w', b') give w = D w' and b = b' - μᵀ D w'
    (D = diag(1/σ)), so that

        z = X w + b = (X - 1 μᵀ) D w' + b',

    the raw prediction of a model on standardized features. Gradient descent
    in (w', b') is gradient descent on the original problem preconditioned by
    M = T Tᵀ (T the map above): features of any unit and any offset descend at
    the same pace. X is never centred or copied: only the O(d) map T is
    applied to the parameters. Without an intercept, and for constant
    columns, nothing is centred and σ_j is the root mean square. With an L2
    penalty σ_j is replaced by √(σ_j² + l2_reg/c), the diagonal of the
    Hessian bound, so that a feature of tiny scale, whose weight the penalty
    dominates, is not given an enormous curvature.
    """

    def __init__(self, base):
        xp = base.xp
        self.base = base
        self.xp = xp
        # Moments of X_j / scale_j: the ratios below are unit-free.
        scale, mean, var = base.column_moments()
        sq = var + mean * mean
        center = base.fit_intercept
        if center:
            # A column that is (numerically) constant is not centred: it would
            # vanish and its weight could never move.
            centred = var > 1e-12 * sq
            mean = xp.where(centred, mean, xp.zeros_like(mean))
            var = xp.where(centred, var, sq)
        else:
            mean = xp.zeros_like(mean)
            var = sq
        self.mean = mean * scale
        # Jacobi preconditioner of the Hessian bound c·diag(σ²) + l2_reg: D_j =
        # 1/√(σ_j² + l2_reg/c), 1/σ_j without a penalty. The penalty term keeps
        # a feature whose scale is tiny next to the penalty's (1e-8 beside 1e8)
        # from a curvature ~l2_reg/σ_j² that would stall every step.
        ones = xp.ones_like(var)
        den = xp.hypot(scale * xp.sqrt(var), math.sqrt(base.l2_reg / base.curvature_bound()) * ones)
        self.D = xp.where(den > 0, 1.0 / xp.where(den > 0, den, ones), ones)
        for name in ("dtype", "n_outputs", "n_features", "fit_intercept", "l2_reg", "l1_reg"):
            setattr(self, name, getattr(base, name))
        self.coef_shape = base.coef_shape
        # numpy with an intercept: the maps below in two in-place operations
        # on one new array instead of views and a concatenation.
        self._fast = base._is_numpy and base.fit_intercept
        if self._fast:
            self._D1 = np.concatenate([self.D, np.ones(1, dtype=self.D.dtype)])
            self._mean_D = self.mean * self.D
        self._last = None
        # The L1 weights of the primed coordinates (a row, broadcast over classes).
        self._l1_weights = self.l1_reg * xp.reshape(self.D, (1, -1)) if self.l1_reg else 0.0
        self._pure_l2 = self.l2_reg > 0.0 and self.l1_reg == 0.0  # see penalty_gap
        self.split, self.join, self.zeros = base.split, base.join, base.zeros
        self.loss, self.loss_residual = base.loss, base.loss_residual
        self.residual = base.residual
        self.trial_loss, self.advance = base.trial_loss, base.advance
        self.curvature_bound = base.curvature_bound

    # the map T and its inverse and transpose
    def to_base(self, coef):
        """(w', b') -> (w, b): w = D w', b = b' - w·μ (a new array)."""
        if self._fast:
            out = coef * self._D1  # [w' D | b']
            out[:, -1] -= out[:, :-1] @ self.mean
            return out
        w, b = self.split(coef)
        w = w * self.D
        if b is None:
            return w
        return self.join(w, b - w @ self.mean)

    def _to_base(self, coef):
        """:meth:`to_base` for internal use: the last result is reused for the same array.

        The line search asks for the penalty and the gradient at the same
        iterate; the solver never changes an iterate in place.
        """
        last = self._last
        if last is not None and last[0] is coef:
            return last[1]
        out = self.to_base(coef)
        self._last = (coef, out)
        return out

    def from_base(self, coef):
        """(w, b) -> (w', b'): the inverse map."""
        w, b = self.split(coef)
        if b is None:
            return w / self.D
        return self.join(w / self.D, b + w @ self.mean)

    def grad_from_base(self, grad):
        """Gradient in base coordinates -> in primed coordinates (Tᵀ g)."""
        if self._fast:
            out = grad * self._D1  # [g_w D | g_b]
            out[:, :-1] -= grad[:, -1:] * self._mean_D
            return out
        gw, gb = self.split(grad)
        if gb is None:
            return gw * self.D
        return self.join((gw - gb[:, None] * self.mean) * self.D, gb)

    # the objective interface, in primed coordinates
    def raw_prediction(self, coef):
        return self.base.raw_prediction(self.to_base(coef))

    def gradient(self, r, coef):
        return self.grad_from_base(self.base.gradient(r, self._to_base(coef)))

    def direction_product(self, d, at=None):
        at = None if at is None else self._to_base(at)
        return self.base.direction_product(self.to_base(d), at)

    def value_gradient(self, z, coef):
        J, grad = self.base.value_gradient(z, self._to_base(coef))
        return J, self.grad_from_base(grad)

    def value(self, z, coef):
        return self.loss(z) + self.penalty(coef)

    def penalty(self, coef):
        return self.base.penalty(self._to_base(coef))

    def nonsmooth_penalty(self, coef):
        return self.base.nonsmooth_penalty(self._to_base(coef))

    def prox(self, coef, step):
        if self.l1_reg == 0.0:
            return coef
        w, b = self.split(coef)
        w = _soft_threshold(w, step * self._l1_weights, self.xp)
        return self.join(w, b)

    def optimality(self, grad, coef):
        return _optimality(grad, coef, self._l1_weights, self)

    def penalty_gap(self, grad):
        """½ Σ g'²/(l2_reg·D²) over the weights: the gap J - J* that the gradient
        g' could still hide if J were curved by the L2 penalty alone.

        The loss does not curve J at all along directions that leave X w
        unchanged (exactly collinear features; in the multinomial model the
        same vector added to every class's weights), only the penalty does,
        and there this is the gap. It is no bound elsewhere: the intercept
        is left out. inf without a pure L2 penalty.
        """
        if not self._pure_l2:
            return math.inf
        # g'_j / D_j (the weight's gradient in the original units, less
        # g_b·μ_j) is finite where l2_reg·D_j² underflows (features of huge
        # scale); squared and summed in float64 on numpy, where float32
        # squares would underflow.
        u = self.split(grad)[0] / self.xp.reshape(self.D, (1, -1))
        if isinstance(u, np.ndarray):
            u = u.astype(np.float64, copy=False)
            with np.errstate(over="ignore"):
                return 0.5 * float(np.vdot(u, u)) / self.l2_reg
        return 0.5 * float(self.xp.sum(u * u)) / self.l2_reg

    def curvature_matvec(self, v):
        return self.grad_from_base(self.base.curvature_matvec(self.to_base(v)))


def _astype(xp, a, dtype):
    if isinstance(a, np.ndarray):
        return a.astype(dtype, copy=False)
    return xp.astype(a, dtype)


def _soft_threshold(w, thresh, xp):
    return xp.sign(w) * _relu(xp.abs(w) - thresh, xp)


def _optimality(grad, coef, l1, objective):
    """Largest entry of the minimum-norm subgradient of J (0 at the optimum).

    Smooth case: ‖grad‖_∞. With an L1 term of weights l1 on w, an entry with
    w_j ≠ 0 contributes |g_j + l1_j · sign(w_j)| and one with w_j = 0
    contributes max(|g_j| - l1_j, 0); the intercept contributes |g_b|.
    """
    xp = objective.xp
    g = grad
    if objective.l1_reg != 0.0:
        w, _ = objective.split(coef)
        gw, gb = objective.split(grad)
        sub = xp.where(
            w != 0,
            xp.abs(gw + l1 * xp.sign(w)),
            _relu(xp.abs(gw) - l1, xp),
        )
        g = sub if gb is None else objective.join(sub, gb)
    if isinstance(g, np.ndarray):
        return float(np.abs(g).max())
    return float(xp.max(xp.abs(g)))


def make_objective(X, y, sample_weight, n_classes, *, C, l1_ratio, fit_intercept):
    """The objective for this data: :class:`LogisticObjective`, or its fast binary form.

    Parameters are those of :class:`LogisticObjective` (``sample_weight=None``:
    all weights equal). Two classes on numpy or scipy.sparse data get
    :class:`gdlogreg._binary.BinaryObjective`, the same J computed in chunks
    and in place; more classes on such data get
    :class:`gdlogreg._multinomial.MultinomialObjective`, class-major.
    """
    if isinstance(X, np.ndarray) or sp.issparse(X):
        if n_classes == 2:
            from ._binary import BinaryObjective

            return BinaryObjective(
                X, y, sample_weight, C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept
            )
        from ._multinomial import MultinomialObjective

        return MultinomialObjective(
            X, y, sample_weight, n_classes, C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept
        )
    return LogisticObjective(
        X, y, sample_weight, n_classes, C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept
    )
