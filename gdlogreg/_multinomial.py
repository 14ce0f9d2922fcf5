"""The multinomial objective on numpy and scipy.sparse data, class-major.

:class:`MultinomialObjective` is :class:`~gdlogreg._objective.LogisticObjective`
for K > 2 classes and in-memory data, with the raw prediction stored
class-major, Z of shape (K, n): ``Z = W @ X.T + b`` and the gradient
``R @ X`` are matrix-matrix products, and the softmax's sum over the K
classes of each row runs along the long axis, as K element-wise passes over
rows, instead of n short reductions over the K entries of each row.

With z the K raw predictions of a row, y its class and s its normalised weight:

    L = logsumexp(z) - z_y,     ∂L/∂z = softmax(z) - onehot(y),

L is taken as log Σ exp(z - z_y), the sum being at least 1; where that sum
is too large for the residual's precision, as max(z) + log Σ exp(z - max(z)) - z_y.
"""

import math

import numpy as np
import scipy.sparse as sp

from ._objective import LogisticObjective

# ½ log of the largest float32 / float64: the largest log Σ exp(z_k - z_y)
# used without the shift by the row's maximum.
_HALF_LOG_MAX = {
    4: 0.5 * math.log(float(np.finfo(np.float32).max)),
    8: 0.5 * math.log(float(np.finfo(np.float64).max)),
}


class MultinomialObjective(LogisticObjective):
    """Multinomial :class:`LogisticObjective` for numpy and scipy.sparse X.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_samples, n_features)
        float32 or float64; never copied or modified.
    y : array of shape (n_samples,)
        The class index of each sample, 0 to n_classes - 1.
    sample_weight : array of shape (n_samples,) or None
        Non-negative weights; None means all equal (kept as one number).
    n_classes : int
        K > 2.
    C, l1_ratio, fit_intercept
        As for :class:`LogisticObjective`.
    """

    def __init__(self, X, y, sample_weight, n_classes, *, C, l1_ratio, fit_intercept):
        self._init_common(X, sample_weight, C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
        self.multinomial = True
        self.n_outputs = int(n_classes)
        # Position of each row's true class in the flattened (K, n) array.
        self._flat_y = np.asarray(y, dtype=np.intp) * self.n_samples
        self._flat_y += np.arange(self.n_samples)
        self._trial = None
        # Buffers of shape (K, n) kept across iterations: X @ d, the trial
        # point, the residual.
        self._product = self._spare = self._residual = None

    # --------------------------------------------------------- products
    def _matmul(self, W):
        """``W @ X.T``: (K, n), C-ordered."""
        if sp.issparse(self.X):
            return np.ascontiguousarray((self.X @ W.T).T)
        return W @ self.X.T

    def _rmatmul(self, R):
        """``R @ X`` for R of shape (K, n): (K, n_features)."""
        if sp.issparse(self.X):
            return np.asarray(self.X.T @ R.T).T
        return R @ self.X

    def raw_prediction(self, coef):
        """Z = W X.T + b, of shape (n_classes, n_samples)."""
        w, b = self.split(coef)
        Z = self._matmul(w)
        if b is not None:
            Z += b[:, None]
        return Z

    def direction_product(self, d, at=None):
        """``d_w X.T + d_b`` into a buffer, valid until the next call (``at`` unused)."""
        w, b = self.split(d)
        P = self._product
        if P is None:
            P = self._product = np.empty((self.n_outputs, self.n_samples), dtype=self.dtype)
        if isinstance(self.X, np.ndarray):
            np.matmul(w, self.X.T, out=P)
        else:
            P[...] = self._matmul(w)
        if b is not None:
            P += b[:, None]
        self._trial = None
        return P

    def trial_loss(self, z, Xd, lam, in_place=False):
        """Mean loss at z + lam·Xd, formed in a kept buffer; its residual kept too."""
        U = self._spare
        if U is None or U.shape != z.shape or U is z:
            U = np.empty_like(z)
        if lam == 1.0:
            np.add(z, Xd, out=U)
        else:
            np.multiply(Xd, lam, out=U)
            U += z
        if self._residual is None or self._residual.shape != z.shape:
            self._residual = np.empty_like(z)
        loss, R = self._softmax_terms(U, True, out=self._residual)
        self._trial = (z, Xd, lam, U, R)
        return loss

    def advance(self, z, Xd, lam):
        """The accepted trial point and its residual; z's memory is reused next."""
        trial, self._trial = self._trial, None
        if trial is not None and trial[0] is z and trial[1] is Xd and trial[2] == lam:
            U, R = trial[3], trial[4]
        else:
            U = z + lam * Xd
            R = self._softmax_terms(U, True)[1]
        self._spare = z
        return U, R

    def _weigh(self, Z):
        return Z * (self._w if self.sw is None else self.sw)

    # ---------------------------------------------------------- the loss
    def _softmax_terms(self, Z, residual, out=None):
        """(loss, R): the mean loss and, if asked, the residual (K, n), in ``out``.

        Each row is shifted by the score of its own class: with
        e_k = exp(z_k - z_y), L = log Σ e_k (Σ e_k >= 1, the term of y being
        1) and softmax(z) = e / Σ e. Nothing is subtracted after the log, and
        no maximum over the classes is needed. Where some row's Σ e_k passes
        the square root of the dtype's largest number (a row misclassified
        by a margin of over 354, 44 in float32), or overflows, s / Σ e_k
        would lose precision or vanish, and the rows are shifted by their
        maximum instead.
        """
        s = self._w if self.sw is None else self.sw
        zy = np.take(Z.reshape(-1), self._flat_y)
        E = np.subtract(Z, zy, out=out, dtype=Z.dtype)
        with np.errstate(over="ignore"):
            np.exp(E, out=E)
        se = E.sum(axis=0)
        lse = np.log(se)  # logsumexp(z) - z_y, per row
        # False also for inf and nan: decided before the weights multiply lse.
        if not float(lse.max()) <= _HALF_LOG_MAX[Z.dtype.itemsize]:
            zmax = Z.max(axis=0)
            np.subtract(Z, zmax, out=E)
            np.exp(E, out=E)
            se = E.sum(axis=0)
            lse = np.log(se)
            lse += zmax
            lse -= zy
        loss = float(lse.sum()) * s if self.sw is None else float(s @ lse)
        if not residual:
            return loss, None
        np.divide(s, se, out=se)
        E *= se
        flat = E.reshape(-1)
        flat[self._flat_y] -= s  # s · (softmax(z) - onehot(y))
        return loss, E

    def loss(self, z):
        """Weighted mean log-loss at Z (K, n)."""
        return self._softmax_terms(z, False)[0]

    def loss_residual(self, z):
        """Weighted mean log-loss at Z and the residual s·(softmax(Z) - onehot(y))/Σs."""
        return self._softmax_terms(z, True)

    def _row_sums(self, r):
        return r.sum(axis=1)
