"""Per-sample log-losses: value and residual as functions of the raw prediction z.

The one place where the log-loss is written. Pure array functions of the
namespace ``xp`` (numpy, array-API arrays): no X, no layout, no backend.
A backend maps :meth:`BinaryLogLoss.terms` / :meth:`MultinomialLogLoss.terms`
over blocks of rows and sums what they return.

Each column group of z is an independent problem (see ``n_columns``): the
binary loss treats every column of z (n, m) on its own, the multinomial loss
one softmax over the K columns. With s the normalised sample weights
(Σ s = 1):

    binary:       L = log(1 + exp(z)) - y z,      ∂L/∂z = σ(z) - y
    multinomial:  L = logsumexp(z) - z_y,         ∂L/∂z = softmax(z) - onehot(y)

and the *residual* is R = s ⊙ ∂L/∂z, so that ∂(Σ s L)/∂W = Xᵀ R.
Derivations and the stability argument: docs/user_guide.rst, "The cost".
"""

import math

import numpy as np

from ._compat import SIMD_LOG1P
from ._xp import astype, concat, to_host


def weighted_sum(s, a, xp):
    """Σᵢ sᵢ aᵢ over the rows of a (summed over its columns too) as a float.

    ``s`` is a vector of row weights or one number (equal weights); or a
    matrix (rows, m) of weights per column (a batch of problems, see
    :class:`GroupedLoss`): then the sum of each column, a numpy vector.
    """
    if isinstance(s, float):
        return float(a.sum() if isinstance(a, np.ndarray) else xp.sum(a)) * s
    if s.ndim == 2:
        if isinstance(a, np.ndarray):
            return np.einsum("ij,ij->j", s, a).astype(np.float64)  # no temporary
        return to_host(xp.sum(s * a, axis=0))
    if a.ndim == 2:
        if isinstance(a, np.ndarray) and a.shape[1] == 1:
            return float(s @ a[:, 0])
        return float(xp.sum(s[:, None] * a))
    return float(s @ a) if isinstance(a, np.ndarray) else float(xp.sum(s * a))


def _finite(loss):
    """Whether a loss sum (a float, or a vector of them) is finite."""
    return math.isfinite(loss) if isinstance(loss, float) else bool(np.all(np.isfinite(loss)))


def _column(v):
    return v[:, None]


def _row_weights(s):
    """Row weights s (one number, a vector, or a matrix per column) shaped to scale (n, m)."""
    return s if isinstance(s, float) or s.ndim == 2 else s[:, None]


def _scale_rows(s, a):
    """s ⊙ a for row weights s (see :func:`_row_weights`) and a of shape (n, m)."""
    return a * _row_weights(s)


def _weightless_at_zero(z, s, xp):
    """z with its rows of weight 0 at 0 (z itself for equal weights): they are not in J
    whatever z holds there, but 0 times an overflowed z's inf or nan was nan in the sums."""
    if isinstance(s, float):
        return z
    return xp.where(_row_weights(s) > 0, z, xp.zeros_like(z))


def _with_weightless_at_zero(terms, z, s, xp):
    """``terms(z)``, taken again with z's rows of weight 0 at 0 where its sum is inf or nan
    (one pass more, only then)."""
    out = terms(z)
    if isinstance(s, float) or _finite(out[0]):
        return out
    return terms(_weightless_at_zero(z, s, xp))


class BinaryLogLoss:
    """The binary log-loss of every column of z, in terms of signed margins.

    Targets are kept as signs t = 1 - 2y (+1 for class 0, -1 for class 1, one
    byte a row). With the signed margin v = t·z:

        L = log1p(exp(v)),    ∂L/∂z = t·σ(v),    σ(v) = exp(v) / (1 + exp(v)),

    one ``exp`` and one ``log1p`` a row, nothing subtracted, so that the loss
    of a well-classified row keeps its relative accuracy however small. A
    block where exp(v) overflows is done again in the form
    log1p(exp(-|v|)) + max(v, 0), where nothing overflows.
    """

    #: σ′ ≤ ¼: ∇²L ≼ ¼ (Böhning and Lindsay 1988).
    curvature = 0.25

    @staticmethod
    def n_columns(n_classes):
        return 1

    @staticmethod
    def encode(y_idx, xp, device=None):
        """Targets as signs 1 - 2y (int8; y the 0/1 class index; on y_idx's device where
        it is an array of ``xp`` already)."""
        if xp is not np and not isinstance(y_idx, np.ndarray):
            one = xp.ones(y_idx.shape, dtype=xp.int8, device=device)
            first = y_idx if xp.isdtype(y_idx.dtype, "bool") else y_idx == 1
            return xp.where(first, -one, one)
        sign = np.ones(len(y_idx), dtype=np.int8)
        sign[np.asarray(y_idx) == 1] = -1
        if xp is np or device is None:
            return sign
        return xp.asarray(sign, device=device)

    @staticmethod
    def p_zero(m):
        """The probability that each column of z gives its class at z = 0."""
        return 0.5

    @staticmethod
    def toward(target, m):
        """The shift of z's columns (a host vector of m = 1) along which the loss of every
        row of the encoded ``target`` (a sign t) falls to 0: -t, as L = log1p(exp(t·z))."""
        return np.array([-float(target)])

    @staticmethod
    def neg_entropy(q):
        """Σ q log q over the two classes of each column (q of class 1, from
        :meth:`dual_mix`): 0, as q is 0 or 1 and 0 log 0 = 1 log 1 = 0."""
        return 0.0

    @staticmethod
    def group_max(a):
        """The largest entry of each independent problem: each column is one."""
        return a

    @staticmethod
    def dual_mix(ybar, gb):
        """``(τ, q)``: the mix p' = (1 - τ) p + τ q with Σᵢ sᵢ (p'ᵢ - yᵢ) = 0, per column.

        ybar = Σ s y and gb = Σ s (p - y) (numpy, float64, of class 1): the
        class the model over-predicts gets q = 0 and τ = its excess over its
        mean prediction (user guide, "When does it stop?").
        """
        up = gb > 0.0
        # the mean prediction of the over-predicted class: > 0 but for rounding
        den = np.where(up, ybar + gb, 1.0 - ybar - gb)
        ok = den > 0.0
        tau = np.where(ok, np.abs(gb) / np.where(ok, den, 1.0), 1.0)
        return np.minimum(tau, 1.0), np.where(up, 0.0, 1.0)

    @staticmethod
    def dual_rows(theta, tau, q):
        """The loss-like object of the dual pass (:class:`DualDivergence`)."""
        return DualDivergence(theta, tau, q, multinomial=False)

    def terms(self, z, t, s, xp, residual=True, stable=False):
        """Weighted loss sum of a block of rows and, if asked, its residual.

        z: raw predictions (rows, m); t: their signs (rows,); s: normalised
        weights (rows,), one number, or (rows, m) for a weight per column.
        Returns ``(loss, R)``, R of z's shape (None without ``residual``);
        with weights per column the loss is a vector, one sum per column.
        ``stable``: the form that cannot overflow at once (:class:`Stable`).
        """
        # In-place operators on the block's own temporaries: two of them live at once.
        # v = z times the int8 signs cast to z's dtype first: a product with a cast on
        # the fly costs more than the cast and a plain product (and the standard wants
        # one dtype); the cast is dropped at once, a third block-sized array.
        # exp(v) is inf where v is large: then the stable form below.
        sign = t[:, None] if isinstance(t, np.ndarray) else astype(t, z.dtype, xp)[:, None]
        if stable:
            return _with_weightless_at_zero(
                lambda z: self._stable_terms(z * sign, sign, s, xp, residual), z, s, xp)
        out = self._fast_terms(z, sign, s, xp, residual)
        if out is None and not isinstance(s, float):
            # a row of weight 0 that overflowed: the same form again with it at z = 0,
            # the sums of the fit without it to the last bit (the stable form's are not)
            z = _weightless_at_zero(z, s, xp)
            out = self._fast_terms(z, sign, s, xp, residual)
        return self._stable_terms(z * sign, sign, s, xp, residual) if out is None else out

    @staticmethod
    def _fast_terms(z, sign, s, xp, residual):
        """:meth:`terms` by exp(v), None where the loss sum is not finite."""
        e = _exp(z * astype(sign, z.dtype, xp), xp)
        u = 1.0 + e
        loss = _log1p(e, u, xp, s)
        if not _finite(loss):
            return None
        if not residual:
            return loss, None
        e /= u  # σ(v)
        e *= sign
        e *= _row_weights(s)
        return loss, e

    @staticmethod
    def _stable_terms(v, sign, s, xp, residual):
        """:meth:`terms` with e = exp(-|v|) <= 1: slower, nothing overflows."""
        a = xp.abs(v)
        e = xp.exp(-a)
        u = 1.0 + e
        loss = weighted_sum(s, _log1p(e, u, xp) + 0.5 * (v + a), xp)  # ½(v + |v|) = max(v, 0)
        if not residual:
            return loss, None
        sigma = xp.where(v >= 0, xp.ones_like(e), e) / u
        return loss, _scale_rows(s, sign * sigma)


# ½ log of the largest float32 / float64: the largest log Σ exp(z_k - z_y)
# used without the shift by the row's maximum.
_HALF_LOG_MAX = {
    4: 0.5 * math.log(float(np.finfo(np.float32).max)),
    8: 0.5 * math.log(float(np.finfo(np.float64).max)),
}


class MultinomialLogLoss:
    """The multinomial (softmax) log-loss over the K columns of z.

    Each row is shifted by the score of its own class: with
    e_k = exp(z_k - z_y) and o = Σ_{k≠y} e_k (the term of y being 1),
    L = log1p(o), softmax(z)_k = e_k / (1 + o) and its own class's residual
    p_y - 1 = -o / (1 + o); nothing is subtracted and no maximum over the classes is
    needed. (log Σ e_k and s/Σe - s rounded a confident row's L and p_y - 1 to 0 where o
    is below ε: its gradient then lost the rows that J still holds, and a fit near
    separation backtracked in the noise; review 88.) Where some row's Σ e_k passes the
    square root of the dtype's largest number (a row misclassified by a margin
    of over 354, 44 in float32), s / Σ e_k would lose precision, and the block
    is shifted by each row's maximum instead (the log-sum-exp trick).
    """

    #: ∇²(log-sum-exp) ≼ ½ (I - 11ᵀ/K) ≼ ½ (Böhning 1992).
    curvature = 0.5

    def __init__(self, n_classes, xp, device=None):
        kw = {} if device is None else {"device": device}
        self.classes = xp.reshape(xp.arange(n_classes, **kw), (1, -1))

    @staticmethod
    def n_columns(n_classes):
        return n_classes

    @staticmethod
    def encode(y_idx, xp, device=None):
        """Targets as class indices (intp; int64 on y_idx's device where it is an array of
        ``xp`` already)."""
        if xp is not np and not isinstance(y_idx, np.ndarray):
            return xp.astype(y_idx, xp.int64)
        y = np.asarray(y_idx, dtype=np.intp)
        if xp is np or device is None:
            return y
        return xp.asarray(y, device=device)

    @staticmethod
    def p_zero(m):
        return 1.0 / m

    @staticmethod
    def toward(target, m):
        """The shift of z's m columns (a host vector) along which the loss of every row of
        class ``target`` falls to 0: e_target - 1/m, its own column's margin over every
        other's growing, the columns' sum kept."""
        out = np.full(m, -1.0 / m)
        out[int(target)] += 1.0
        return out

    @staticmethod
    def neg_entropy(q):
        """Σ_k q_k log q_k (q: float64 over the K classes)."""
        return float(np.sum(_xlogx(q)))

    @staticmethod
    def group_max(a):
        """The K columns are one problem: their largest entry, for every column."""
        return np.full_like(a, np.max(a))

    @staticmethod
    def dual_mix(ybar, gb):
        """As for the binary loss, over the K classes of one problem: τ = max_k gb_k / p̄_k."""
        pbar = ybar + gb
        up = gb > 0.0
        tau = float(np.max(np.where(up, gb / np.where(up, pbar, 1.0), 0.0), initial=0.0))
        if not tau > 0.0:
            return np.zeros_like(gb), ybar
        q = np.clip(pbar - gb / tau, 0.0, None)
        return np.full_like(gb, min(tau, 1.0)), q / np.sum(q)

    def dual_rows(self, theta, tau, q):
        return DualDivergence(theta, tau, q, multinomial=True, classes=self.classes)

    def terms(self, z, t, s, xp, residual=True, stable=False):
        """Weighted loss sum of a block of rows (rows, K) and, if asked, the residual;
        ``stable``: the form shifted by each row's maximum at once (:class:`Stable`)."""
        if stable:
            return _with_weightless_at_zero(
                lambda z: self._shifted_terms(z, t, s, xp, residual), z, s, xp)
        if isinstance(z, np.ndarray) and _class_major(z) and z.shape[0] > 0:
            out = self._class_major_terms(z, t, s, residual)
            if out is not None:
                return out
        at = self._class_index(z, t, xp)
        out = self._unshifted(z, at, xp)
        if out is None and not isinstance(s, float):
            # a row of weight 0 that overflowed: the same form again with it at z = 0,
            # the sums of the fit without it to the last bit (the shifted form's are not)
            z = _weightless_at_zero(z, s, xp)
            out = self._unshifted(z, at, xp)
        if out is None:
            out = self._shifted(z, at, xp)
        return self._sums(out, at, s, xp, residual)

    def _shifted(self, z, at, xp):
        """(E, Σe, lse, o) of :meth:`terms` shifted by each row's maximum z_max: E_k =
        exp(z_k - z_max), o = Σ_{k≠y} E_k (E_y left out), Σe = E_y + o. A row whose own
        class holds the maximum has E_y = 1, and its loss is log1p(o) and its residual
        -o/Σe, as in the unshifted form (a confident row beside one far off kept its
        last bits, not 0); another's is log Σe + z_max - z_y, and o >= 1 there."""
        zy = self._take(z, at, xp)
        zmax = xp.max(z, axis=1, keepdims=True)
        E = _exp(z - zmax, xp)
        ey = self._take(E, at, xp)[:, 0]
        E = self._put(E, at, 0.0, xp)
        other = xp.sum(E, axis=1)
        gap = (zmax - zy)[:, 0]
        # Σe of the own class's form where gap is not > 0: also where z_y = +inf (gap nan),
        # whose loss log1p(0) = 0 then has the residual 0, not nan
        se = xp.where(gap > 0, ey + other, 1.0 + other)
        lse = xp.where(gap > 0, xp.log(se) + gap, _log1p(other, 1.0 + other, xp))
        return E, se, lse, other

    def _shifted_terms(self, z, t, s, xp, residual):
        at = self._class_index(z, t, xp)
        return self._sums(self._shifted(z, at, xp), at, s, xp, residual)

    def _sums(self, out, at, s, xp, residual):
        """The loss sum and, if asked, the residual from (E, Σe, lse, o)."""
        E, se, lse, other = out
        loss = weighted_sum(s, lse, xp)
        if not residual:
            return loss, None
        E *= _column(s / se)  # s ⊙ softmax(z)
        # the own class's entry is 0 here: s ⊙ (p_y - 1) = -s·o/Σe, without cancelling
        return loss, self._put(E, at, -(s * other / se), xp)

    def _unshifted(self, z, at, xp):
        """(E, Σe, lse, o) of :meth:`terms` without the shift by each row's maximum (the
        own class's e_y = 1 left out of E: o = Σ_{k≠y} e_k), None where some row needs it."""
        E = self._put(_exp(z - self._take(z, at, xp), xp), at, 0.0, xp)
        other = xp.sum(E, axis=1)
        se = 1.0 + other
        lse = _log1p(other, se, xp)  # logsumexp(z) - z_y, per row
        # False also for inf and nan: decided before the weights multiply lse.
        if not float(xp.max(lse)) <= _HALF_LOG_MAX[np.dtype(_np_dtype(z)).itemsize]:
            return None
        return E, se, lse, other

    def _class_major_terms(self, z, t, s, residual):
        """:meth:`terms` for a class-major numpy z (the whole Z of one block, or a row
        block of a class-major Z): the same steps on the (K, rows) view, where every
        row of classes is contiguous and the sums over the classes add whole rows
        (the same numbers, 10 % faster). None where some row needs the shift by its
        maximum (the general path)."""
        n = z.shape[0]
        zt = z.T
        at = astype(t, self.classes.dtype, np) * n  # a new array: the flat positions
        at += np.arange(n)
        E = np.subtract(zt, self._own_scores(zt, t, at), order="C")  # z - z_y, (K, rows)
        np.exp(E, out=E)
        E.reshape(-1)[at] = 0.0  # e_y = 1 left out: o = Σ_{k≠y} e_k (class docstring)
        other = E.sum(axis=0)
        se = other + 1.0  # Σe
        lse = _log1p(other, se, np)  # logsumexp(z) - z_y, per row
        if not float(lse.max()) <= _HALF_LOG_MAX[z.dtype.itemsize]:
            # rows of weight 0 only (a held-out fold's, far off at a weak penalty): their
            # terms are 0 whatever z holds there, as at z = 0 on the general path, which
            # took three passes over the block for it (the search of 1,000 classes, C = 1e4)
            bad = ~(lse <= _HALF_LOG_MAX[z.dtype.itemsize])  # nan too
            if isinstance(s, float) or np.any(s[bad] > 0):
                return None
            E[:, bad], other[bad], se[bad], lse[bad] = 0.0, 0.0, 1.0, 0.0
        loss = weighted_sum(s, lse, np)
        if not residual:
            return loss, None
        np.divide(s, se, out=se)  # s / Σe
        E *= se  # s ⊙ softmax(z), 0 at the own class
        other *= se  # s·o/Σe
        E.reshape(-1)[at] = -other  # s ⊙ (p_y - 1) = -s·o/(1 + o), without cancelling
        return loss, E.T

    def _own_scores(self, zt, t, at):
        """z_y of each row of a class-major block (zt: its (K, rows) view; ``at``: the flat
        positions of z_y in a C-ordered (K, rows) array)."""
        if zt.flags.c_contiguous:
            return np.take(zt.reshape(-1), at)
        # a row block of a larger Z: (class, row) pairs
        return zt[astype(t, self.classes.dtype, np), np.arange(zt.shape[1])]

    def _class_index(self, z, t, xp):
        """Where each row's own class is: flat positions in a class-major numpy z, a
        (rows, classes) index pair in another numpy z (a row block of a class-major
        one), else t as a column."""
        t = astype(t, self.classes.dtype, xp)
        if isinstance(z, np.ndarray):
            n = z.shape[0]
            return t * n + np.arange(n) if z.flags.f_contiguous else (np.arange(n), t)
        return xp.reshape(t, (-1, 1))

    def _take(self, z, at, xp):
        """z[i, t_i] for each row, shape (rows, 1)."""
        if isinstance(at, tuple):
            return z[at][:, None]
        if at.ndim == 1:
            return np.take(z.T.reshape(-1), at)[:, None]
        if hasattr(xp, "take_along_axis"):
            return xp.take_along_axis(z, at, axis=1)
        return xp.sum(z * astype(at == self.classes, z.dtype, xp), axis=1, keepdims=True)

    def _put(self, R, at, v, xp):
        """R with v_i (a number, or one per row) at [i, t_i]."""
        if isinstance(at, tuple):  # R is the block's own new array
            R[at] = v
            return R
        if at.ndim == 1:
            R = R if R.flags.f_contiguous else np.asfortranarray(R)
            R.T.reshape(-1)[at] = v  # a view: R is class-major
            return R
        if isinstance(v, float):
            v = xp.asarray(v, dtype=R.dtype, device=getattr(R, "device", None))
        else:  # one per row: a column
            v = xp.reshape(v, (-1, 1))
        return xp.where(at == self.classes, v, R)


def _class_major(z):
    """Whether each class column of a numpy z (rows, K) is contiguous (z.T's rows are):
    the whole of a class-major Z, or a row block of one."""
    return z.flags.f_contiguous or (z.ndim == 2 and z.strides[0] == z.itemsize)


class GroupedLoss:
    """The loss of a batch of independent problems on the same X and y (a search).

    z has G groups of k columns (k = 1 binary, K multinomial), group g in
    columns g·k to g·k + k - 1, each group a problem of its own with the loss
    ``base`` and its own weights: column g of the weight matrix S (rows, G)
    (a cross-validation fold is a 0/1 mask on the sample weights).
    :meth:`terms` returns the loss of each group, a numpy vector.
    """

    def __init__(self, base, n_groups, k):
        self.base, self.n_groups, self.k = base, n_groups, k
        self.curvature = base.curvature
        self.encode = base.encode

    def block_columns(self, m):
        """The columns one call of the base loss sees (a backend sizes its row blocks by
        them): all m for the binary loss, one group's K for the softmax."""
        return m if self.k == 1 else self.k

    def terms(self, z, t, S, xp, residual=True, stable=False):
        """Loss of each group of a block of rows, and, if asked, the residual (z's shape)."""
        k, kw = self.k, {"stable": True} if stable else {}  # (a base of curvature: no form)
        if k == 1:  # the binary loss takes a weight per column
            return self.base.terms(z, t, S, xp, residual, **kw)
        values, parts = np.empty(self.n_groups), []
        for g in range(self.n_groups):
            values[g], r = self.base.terms(z[:, g * k : (g + 1) * k], t, S[:, g], xp,
                                           residual, **kw)
            parts.append(r)
        if not residual:
            return values, None
        if isinstance(z, np.ndarray):
            R = np.empty((z.shape[1], z.shape[0]), dtype=z.dtype).T  # class-major, as z
            for g, r in enumerate(parts):
                R[:, g * k : (g + 1) * k] = r
            return values, R
        return values, xp.concat(parts, axis=1)


class Stable:
    """``loss`` whose terms take the form that cannot overflow at once: the scaled stop's
    J at λ·z (:func:`gdlogreg._solver.scale_to_stop`, λ up to 2^16), where the fast forms
    overflow and were taken two or three times a try before the stable one."""

    def __init__(self, loss):
        self.loss = loss

    def __getattr__(self, name):
        return getattr(self.loss, name)

    def terms(self, z, t, s, xp, residual=True):
        return self.loss.terms(z, t, s, xp, residual, stable=True)


class CurvatureShare:
    """A loss-like object for a backend's pass: Σ s·ρᵢ, the rows' mean curvature ratio ρ.

    ρᵢ is the curvature of row i's loss against its bound at z = 0: p(1 - p)/¼
    for two classes (p = σ(z)), (1 - Σₖ pₖ²)/(1 - 1/K) for K (softmax p, as
    Σₖ pₖ(1 - pₖ) = 1 - Σₖ pₖ²): 1 at the zero start, near 0 where every row is
    classified with confidence. With ``residual`` its rows' s·ρ weigh the rows of
    the curvature metric of bb's whitened steps (benchmarks/README.md,
    "Whitened coordinates"). ``n_classes``: K (2 for the binary loss).
    """

    #: no loss to descend: what :class:`GroupedLoss` reads of its base
    curvature = encode = None

    def __init__(self, n_classes):
        self.n_classes = n_classes
        #: ρ times this is the rows' mean curvature over the classes, Σₖ pₖ(1 - pₖ)/K: for
        #: two classes σ(1 - σ), the binary loss's ∂²L/∂z²; for K, the mean of the
        #: diagonal blocks of the softmax Hessian, the metric the classes can share
        self.scale = (n_classes - 1) / n_classes**2

    def ratios(self, z, xp):
        """ρᵢ of each row of z (rows, m), shaped (rows, 1)."""
        if self.n_classes == 2:
            e = xp.exp(-xp.abs(z))  # σ(1 - σ) = e/(1 + e)², e = exp(-|z|) <= 1
            return 4.0 * e / ((1.0 + e) * (1.0 + e))
        p = xp.exp(z - xp.max(z, axis=1, keepdims=True))
        p = p / xp.sum(p, axis=1, keepdims=True)
        return (1.0 - xp.sum(p * p, axis=1, keepdims=True)) / (1.0 - 1.0 / self.n_classes)

    def terms(self, z, t, s, xp, residual=False):
        """Σ s ρ and, with ``residual``, the rows' s·ρ (rows, 1): the weights of the
        curvature-weighted Gram (:meth:`gdlogreg._objective.Objective.whitening`)."""
        def of(z):
            rho = self.ratios(z, xp)
            return weighted_sum(s, rho, xp), (_scale_rows(s, rho) if residual else None)

        return _with_weightless_at_zero(of, z, s, xp)


class ClassCurvatures:
    """A loss-like object for a backend's pass: the softmax's curvature along each class's
    own scores, s·pₖ(1 - pₖ) a row and class (the row weights of the diagonals of the
    classes' Hessian blocks): Σ s pₖ(1 - pₖ) and, with ``residual``, the rows' weights
    (rows, K), as :class:`CurvatureShare` gives its one column
    (:meth:`gdlogreg._objective.Objective.curvature_diagonal`); ``k``: class k's column
    alone (rows, 1), for a backend whose kernel takes one."""

    curvature = encode = None

    def __init__(self, n_classes, k=None):
        self.n_classes, self.k = n_classes, k
        #: the columns of weights a row (a backend's ``centred_diagonal`` reads it)
        self.n_weights = n_classes if k is None else 1

    def terms(self, z, t, s, xp, residual=False):
        k = self.k

        def of(z):
            p = xp.exp(z - xp.max(z, axis=1, keepdims=True))
            if k is None and isinstance(p, np.ndarray):  # in place, the same numbers: two
                p /= p.sum(axis=1, keepdims=True)  # arrays of z's size at a time, where
                c = np.subtract(1.0, p)  # three were (a K-class Newton step on CSR of
                c *= p  # 20 entries a row held 1.8 X; review 216)
                del p
                total = weighted_sum(s, c, xp)
                if residual:
                    c *= _row_weights(s)
                return total, (c if residual else None)
            p = (p if k is None else p[:, k : k + 1]) / xp.sum(p, axis=1, keepdims=True)
            c = p * (1.0 - p)
            return weighted_sum(s, c, xp), (_scale_rows(s, c) if residual else None)

        return _with_weightless_at_zero(of, z, s, xp)


class ClassPairCurvature:
    """A loss-like object for a backend's pass: s·pₐ·p_b a row (one column), the weights of
    the softmax Hessian's block (a, b), a ≠ b, less its sign: -Σ s pₐ p_b â âᵀ
    (:meth:`gdlogreg._objective.Objective._class_bound_on_support`)."""

    curvature = encode = None

    def __init__(self, n_classes, a, b):
        self.n_classes, self.a, self.b = n_classes, a, b

    def terms(self, z, t, s, xp, residual=False):
        a, b = self.a, self.b

        def of(z):
            p = xp.exp(z - xp.max(z, axis=1, keepdims=True))
            p = p / xp.sum(p, axis=1, keepdims=True)
            c = p[:, a : a + 1] * p[:, b : b + 1]
            return weighted_sum(s, c, xp), (_scale_rows(s, c) if residual else None)

        return _with_weightless_at_zero(of, z, s, xp)


class InterceptCurvature:
    """A loss-like object for a backend's pass: the curvature of J along each intercept,
    Σ s·∂²L/∂zₖ² of each column k of z, a numpy vector (the diagonal of the Hessian's
    intercept block): σ(1 - σ) for the binary loss, pₖ(1 - pₖ) for the softmax's class k
    (``k`` columns a problem, K). ``n_groups``: the number of columns, as many sums (a
    backend packs that many, as for :class:`GroupedLoss`); a weight matrix (rows, G) holds
    one column of weights per group of ``k`` columns."""

    curvature = encode = None

    def __init__(self, k, n_columns):
        self.k, self.n_groups = k, n_columns

    def terms(self, z, t, s, xp, residual=False):
        """Each column's Σ s·∂²L/∂z² (no residual)."""
        k = self.k

        def of(z):
            if k == 1:
                e = xp.exp(-xp.abs(z))  # σ(1 - σ) = e/(1 + e)², e = exp(-|z|) <= 1
                C = e / ((1.0 + e) * (1.0 + e))
            else:  # one softmax per group of k columns
                n = z.shape[0]
                u = xp.reshape(z, (n, -1, k))
                P = xp.exp(u - xp.max(u, axis=2, keepdims=True))
                P = P / xp.sum(P, axis=2, keepdims=True)
                C = xp.reshape(P * (1.0 - P), (n, -1))
            if not isinstance(s, float) and s.ndim == 2 and k > 1:  # a weight per group
                n = C.shape[0]
                C = xp.reshape(xp.reshape(C, (n, -1, k)) * s[:, :, None], (n, -1))
            else:
                C = _scale_rows(s, C)
            return np.asarray(to_host(xp.sum(C, axis=0)), dtype=np.float64), None

        return _with_weightless_at_zero(of, z, s, xp)

    def shares(self, H):
        """Each problem's Σ s ρ (:class:`CurvatureShare`) from its columns' sums H of this
        pass: 4H for the binary loss (ρ = σ(1 - σ)/¼), Σₖ Hₖ/(1 - 1/K) for K classes
        (ρ = Σₖ pₖ(1 - pₖ)/(1 - 1/K)), so that one pass serves both."""
        H = np.asarray(H, dtype=np.float64)
        if self.k == 1:
            return 4.0 * H
        return H.reshape(-1, self.k).sum(axis=1) / (1.0 - 1.0 / self.k)


class DirectionCurvature:
    """A loss-like object for a backend's pass over the pair (Z, U) (``loss_pass`` with
    ``t=None``): the curvature of the loss along a direction, Σᵢ sᵢ uᵢᵀ∇²L(zᵢ) uᵢ, for z
    the raw prediction and u = X v + c the direction's (its first and last m columns):
    σ(1 - σ) u² for the binary loss, Σₖ pₖuₖ² - (Σₖ pₖuₖ)² for a softmax over each group
    of ``k`` columns. One sum for each of the ``n_groups`` problems (numpy)."""

    curvature = encode = None

    def __init__(self, k, n_groups):
        self.k, self.n_groups = k, n_groups

    @staticmethod
    def block_columns(m):
        """The columns of a block this pass reads: the pair's 2m."""
        return 2 * m

    def terms(self, zu, t, s, xp, residual=False):
        """Each group's Σ s uᵀ∇²L u (no residual); ``zu`` the pair (z, u), or the two side
        by side (2m columns: Dask's chunks)."""
        if isinstance(zu, tuple):
            z, u = zu
        else:
            m = zu.shape[1] // 2
            z, u = zu[:, :m], zu[:, m:]
        k = self.k

        def of(zu):
            z, u = zu
            if k == 1:
                e = xp.exp(-xp.abs(z))  # σ(1 - σ) = e/(1 + e)², e = exp(-|z|) <= 1
                C = e / ((1.0 + e) * (1.0 + e)) * (u * u)
            else:  # one softmax per group of k columns
                n = z.shape[0]
                g = xp.reshape(z, (n, -1, k))
                P = xp.exp(g - xp.max(g, axis=2, keepdims=True))
                P = P / xp.sum(P, axis=2, keepdims=True)
                U = xp.reshape(u, (n, -1, k))
                PU = P * U
                # Σ p u² - (Σ p u)² = Σ p (u - Σ p u)²: a variance, no cancellation below 0
                C = xp.sum(P * (U - xp.sum(PU, axis=2, keepdims=True)) ** 2, axis=2)
            return np.asarray(to_host(xp.sum(_scale_rows(s, C), axis=0)),
                              dtype=np.float64), None

        out = of((z, u))
        if isinstance(s, float) or _finite(out[0]):
            return out
        # rows of weight 0 whose z or u overflowed: both at 0 (as _with_weightless_at_zero)
        return of((_weightless_at_zero(z, s, xp), _weightless_at_zero(u, s, xp)))


class RowGram:
    """A loss-like object for a backend's pass: Σᵢ sᵢ uᵢuᵢᵀ over the rows of u (m
    columns), the weighted Gram of X's part along m directions, read from the products
    themselves (no cancellation but theirs: :meth:`gdlogreg._objective.Objective.
    _data_valleys`); m² sums, row-major (numpy)."""

    curvature = encode = None

    def __init__(self, m):
        self.n_groups = m * m  # (Dask's pass reads this many sums)

    @staticmethod
    def block_columns(m):
        """The columns of a block this pass reads: u's m."""
        return m

    def terms(self, u, t, s, xp, residual=False):
        """The m² sums of Σ s u uᵀ (no residual)."""
        def of(u):
            G = _scale_rows(s, u).T @ u
            return np.asarray(to_host(G), dtype=np.float64).reshape(-1), None

        out = of(u)
        if isinstance(s, float) or _finite(out[0]):
            return out
        return of(_weightless_at_zero(u, s, xp))  # (as DirectionCurvature's)


def intercept_decrements(g, H, floor, k):
    """(|gₖ| - floor)₊²/Hₖ of each column (g the intercepts' gradient, H their curvatures
    from :class:`InterceptCurvature`, ``floor`` one number or one per column), the largest
    of each group of k columns (numpy): a lower bound on each problem's λ² = gᵀH⁻¹g
    (:meth:`gdlogreg._objective.Objective.intercept_decrement`)."""
    g = np.maximum(np.abs(np.asarray(g, dtype=np.float64)).ravel() - floor, 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        dec = np.where(g > 0.0, g * g / np.asarray(H, dtype=np.float64).ravel(), 0.0)
    return dec.reshape(-1, k).max(axis=1)


class SoftmaxCurvature:
    """The softmax loss's Hessian over all K class columns, for :class:`gdlogreg._objective.
    ClassMetric`: Σᵢ sᵢ (diag(pᵢ) - pᵢpᵢᵀ) ⊗ âᵢâᵢᵀ (pᵢ = softmax(zᵢ)), or with ``blocks``
    its K diagonal blocks Σᵢ sᵢ pᵢₖ(1 - pᵢₖ) âᵢâᵢᵀ alone; a backend's ``class_gram`` sums
    :meth:`gram_part` over its blocks of rows, :meth:`assemble` makes the Hessian of it."""

    #: the weights of :meth:`terms` are each class's curvature as it is
    scale = 1.0

    def __init__(self, n_classes, blocks=False):
        self.n_classes, self.blocks = n_classes, blocks

    def terms(self, z, t, s, xp, residual=False):
        """Σ s·Σₖ pₖ(1 - pₖ) and, with ``residual``, the rows' weights of the K diagonal
        blocks, s·pₖ(1 - pₖ) (rows, K): for the factored metric of K classes
        (:class:`gdlogreg._objective.LowRankMetric`), whose blocks are Âᵀ diag(those) Â."""
        def of(z):
            P = xp.exp(z - xp.max(z, axis=1, keepdims=True))  # each row's largest: exp(0)
            P = P / xp.sum(P, axis=1, keepdims=True)
            R = P * (1.0 - P)
            return weighted_sum(s, R, xp), (_scale_rows(s, R) if residual else None)

        return _with_weightless_at_zero(of, z, s, xp)

    def shape(self, q):
        """The shape of :meth:`gram_part` for q = d + 1 coordinates."""
        k = self.n_classes
        return (k, q, q) if self.blocks else (k * q, k * q)

    def width(self, q):
        """Entries per row of :meth:`gram_part`'s largest temporary, which sizes the
        backends' blocks of rows: M (Kq), or with ``blocks`` P and one class's rows."""
        k = self.n_classes
        return max(k, q) if self.blocks else k * q

    def gram_part(self, A, z, w, xp, out=None):
        """One block's share (float64): MᵀM for Mᵢ = √wᵢ pᵢ ⊗ âᵢ, âᵢ = [aᵢ; 1] (the
        off-diagonal blocks' Gram, :meth:`assemble`), or with ``blocks`` the K Grams of
        âᵢ √(wᵢ pᵢₖ(1 - pᵢₖ)). A: the rows aᵢ centred and scaled, float64; z: their raw
        predictions (rows, K); w: one weight, or a column. ``out``: a sum to add it to,
        one class at a time with ``blocks`` (no second (K, q, q) stack)."""
        # the whole Hessian's M from a C-ordered z (a row block of a class-major Z is not):
        # then M is made in its final layout and reshaping it copies nothing (a copy was a
        # third of the take)
        z = astype(z, A.dtype, xp) if self.blocks or xp is not np else np.ascontiguousarray(
            z, dtype=A.dtype)
        z = _weightless_at_zero(z, w, xp)  # an overflowed z of weight 0: nan times 0
        P = xp.exp(z - xp.max(z, axis=1, keepdims=True))  # each row's largest: exp(0)
        P = P / xp.sum(P, axis=1, keepdims=True)
        root = math.sqrt(w) if isinstance(w, float) else xp.sqrt(w)
        A = concat([A, xp.ones_like(A[:, :1])], xp, axis=1)
        if not self.blocks:
            G = _gram(xp.reshape((P * root)[:, :, None] * A[:, None, :], (A.shape[0], -1)))
            return G if out is None else _added(out, G)
        R = xp.sqrt(P * (1.0 - P)) * root
        grams = (_gram(A * R[:, c : c + 1]) for c in range(self.n_classes))
        if out is None:
            return xp.stack(list(grams))
        for c, G in enumerate(grams):
            out[c, ...] += G
        return out

    def assemble(self, S):
        """The Hessian (numpy float64) from the summed parts: the K blocks as they are; or
        from S = Σ MᵀM, whose off-diagonal blocks are -Σ s pₖpₗ ââᵀ, a diagonal one
        Σ s pₖ(1 - pₖ) ââᵀ the sum of its row's others (1 - pₖ = Σₗ≠ₖ pₗ: a sum of positive
        terms, nothing cancels)."""
        if self.blocks:
            return S
        k = self.n_classes
        q = len(S) // k
        B = (0.5 * (S + S.T)).reshape(k, q, k, q)
        H = -B
        for c in range(k):
            H[c, :, c, :] += B[c].sum(axis=1)  # Σₗ Bₖₗ - Bₖₖ
        return H.reshape(k * q, k * q)


def _gram(M):
    """MᵀM (numpy makes it by dsyrk)."""
    return M.T @ M


def _added(out, G):
    out += G
    return out


def _log1p(e, u, xp, s=None):
    """log(1 + e) for e >= 0 given u = 1 + e as rounded, to 1 ulp in float64; with row
    weights ``s``, Σ s·log(1 + e) (:func:`weighted_sum`) in one block-sized array less.

    Where numpy's ``log1p`` is vectorised (``SIMD_LOG1P``), it alone. Elsewhere
    log(u) corrected to first order by u's rounding error (1 + e) - u, which
    -((u - 1) - e) gives exactly where e <= 1 (Dekker's Fast2Sum, 1971): the
    accuracy of ``log1p`` (also where u rounds to 1: log(u) = 0, the rest e)
    at the cost of ``log`` and three cheap passes, where numpy's ``log1p`` is
    not vectorised and costs about three logs a row. u is the loss's own 1 + e,
    which its residual e/u needs anyway. Derivation: user guide, "What an
    iteration costs".
    """
    if not isinstance(e, np.ndarray) or SIMD_LOG1P:  # vectorised: one pass, <= 1 ulp
        out = xp.log1p(e)
        return out if s is None else weighted_sum(s, out, xp)
    with np.errstate(invalid="ignore"):  # e = inf: nan, a loss not finite as log1p's inf
        out = np.log(u)
        if s is not None:  # Σ s log u - Σ s c, c in log u's memory once summed
            total = weighted_sum(s, out, np)
            c = np.subtract(u, 1.0, out=out)
        else:
            c = u - 1.0
        c -= e
        c /= u
        if s is not None:
            return total - weighted_sum(s, c, np)
        out -= c
    return out


def _exp(a, xp):
    """exp of a new array, in its own memory on numpy."""
    return np.exp(a, out=a) if isinstance(a, np.ndarray) else xp.exp(a)


def _np_dtype(a):
    """numpy dtype of an array of any namespace (float32 or float64)."""
    if isinstance(a, np.ndarray):
        return a.dtype
    return np.float32 if "32" in str(a.dtype) else np.float64



def _xlogx(a):
    """a log a, with 0 log 0 = 0 (numpy)."""
    return a * np.log(np.where(a > 0, a, 1.0))


class DualDivergence:
    """Σᵢ sᵢ KL(p''ᵢ ‖ pᵢ): the loss's share of the duality gap at a dual point.

    p is the model's class distribution at z (softmax; σ(z) and 1 - σ(z) for
    a binary column) and p'' = θ[(1 - τ) p + τ q] + (1 - θ) y the dual point,
    y the one-hot label (docs/user_guide.rst, "When does it stop?"). By
    Fenchel–Young, L(z) + L*(α) - α z = KL(p'' ‖ p) for α = p'' - y.
    ``theta``, ``tau``, ``q``: arrays of shape (1, m), one entry per column of z.

    Loss-like: :meth:`terms` has the contract of the losses' ``terms`` with
    ``residual=False``, so that every backend's ``loss_pass`` maps it over
    the rows. Each class adds a log(a/b) - (a - b) >= 0 (a = p'', b = p,
    summing to the KL), with δ = a - b computed from θ, τ, q and y, not as a
    difference of a and b, and log(a/b) = log1p(δ/b): no cancellation of the
    first order where a is close to b. numpy blocks in float64.
    """

    def __init__(self, theta, tau, q, *, multinomial, classes=None):
        self.theta, self.tau, self.q = theta, tau, q
        self.multinomial = multinomial
        self.classes = classes
        # p'' = c_y·y + c_q·q + c_p·p, and δ = p'' - p = c_y·y + c_q·q - (c_y + c_q)·p
        self._c = (1.0 - theta, theta * tau, theta * (1.0 - tau))

    def terms(self, z, t, s, xp, residual=False):
        """``(Σ s KL, None)`` for a block of rows."""
        # δ/b is inf or nan where b underflows (then not used): no warning, also
        # from a numpy-backed namespace
        numpy = isinstance(z, np.ndarray)

        def of(z):
            return (self._sliced_terms(z, t, s) if numpy else self._terms(z, t, s, xp),)

        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            return _with_weightless_at_zero(of, z, s, np if numpy else xp)[0], None

    def _sliced_terms(self, z, t, s):
        """:meth:`_terms` of a numpy block, in slices of :data:`SLICE` entries (two a
        binary row, K a multinomial one), in float64: the temporaries stay small
        next to Z (this pass may run at a fit's peak of memory) and few enough
        that the Python around them costs little."""
        total, n = 0.0, z.shape[0]
        step = max(1, self.SLICE // (z.shape[1] * (1 if self.multinomial else 2)))
        for lo in range(0, n, step):
            rows = slice(lo, min(lo + step, n))
            weights = s if isinstance(s, float) else s[rows]
            total += self._terms(z[rows].astype(np.float64), t[rows], weights, np)
        return total

    #: Entries (rows × classes) of a numpy block taken at once by :meth:`_sliced_terms`.
    SLICE = 8192

    def _terms(self, z, t, s, xp):
        total = 0.0
        for logb, b, y, q in self._classes(z, t, xp):
            total += weighted_sum(s, self._divergence(logb, b, y, q, xp), xp)
        return total

    def _classes(self, z, t, xp):
        """(log p, p, y, q) of each group of classes: the K columns, or the two of a
        binary column (y a 0/1 array)."""
        if self.multinomial:
            logb = z - xp.max(z, axis=1, keepdims=True)
            se = xp.sum(xp.exp(logb), axis=1, keepdims=True)
            logb = logb - xp.log(se)
            y = astype(xp.reshape(t, (-1, 1)) == self.classes, z.dtype, xp)
            return [(logb, xp.exp(logb), y, self.q)]
        sign = t if isinstance(t, np.ndarray) else astype(t, z.dtype, xp)
        y = 0.5 - 0.5 * sign[:, None]  # the signs t = 1 - 2y
        # log σ(±z) = -(max(∓z, 0) + log1p(exp(-|z|))): nothing overflows
        a = xp.abs(z)
        soft = xp.log1p(xp.exp(-a))
        log_p1, log_p0 = -(0.5 * (a - z) + soft), -(0.5 * (a + z) + soft)
        return [(log_p1, xp.exp(log_p1), y, self.q),
                (log_p0, xp.exp(log_p0), 1.0 - y, 1.0 - self.q)]

    def _divergence(self, logb, b, y, q, xp):
        """a log(a/b) - δ for a = p'' and b = p, entrywise, δ = a - b.

        log(a/b) = log1p(δ/b), exact to rounding however close a is to b;
        where b is subnormal or 0 (its log, from the log-softmax, stays exact)
        or a <= b/2, log a - log b instead: there δ/b is near -1 and rounds to
        -1 (log1p: -inf) where a/b < ε, as at a pure-L1 dual point scaled by
        θ ≪ 1, while log a - log b has no cancellation (|log(a/b)| >= log 2).
        """
        c_y, c_q, c_p = self._c
        fixed = c_y * y + c_q * q
        delta = fixed - (c_y + c_q) * b
        a = fixed + c_p * b
        out = a * xp.log1p(delta / b) - delta
        far = (b < xp.finfo(b.dtype).smallest_normal) | (a <= 0.5 * b)
        if bool(xp.any(far)):
            a_pos = a > 0.0
            log_a = xp.log(xp.where(a_pos, a, xp.ones_like(a)))
            # 0 log 0 = 0 also where log b overflowed to -inf (z near the float limit)
            a_log = xp.where(a_pos, a * (log_a - logb), xp.zeros_like(a))
            out = xp.where(far, a_log - delta, out)
        return out


def probabilities(z, xp, log=False, overwrite=False):
    """Class probabilities (or their logs) from decision values, stably.

    z: (n,) for two classes, the score of the second; (n, K) otherwise.
    Two classes: [σ(-z), σ(z)]; more: softmax(z). numpy uses scipy's
    ``expit``/``log_expit``/``softmax`` (``overwrite``: z's own memory, the same
    formula); other namespaces the log-sum-exp form (the log-softmax of
    [-z/2, z/2] for two classes).
    """
    # z - max(z) overflows to -inf for z near ±1e308: the right 0 (log: -inf), so
    # numpy's overflow warning (numpy-backed namespaces too) is no error.
    with np.errstate(over="ignore"):
        if isinstance(z, np.ndarray):
            from scipy.special import expit, log_expit, log_softmax, softmax

            if z.ndim == 1:  # written into the output: np.stack of f(-z), f(z) held 2 more
                f = log_expit if log else expit
                out = np.empty((z.shape[0], 2), dtype=np.result_type(z, np.float32))
                f(np.negative(z, out=out[:, 0]), out=out[:, 0])
                f(z, out=out[:, 1])
                return out
            z = _clip_infinite(z, np)
            if overwrite:  # scipy's make three arrays of z's size
                return _softmax_over(z, log)
            return log_softmax(z, axis=1) if log else softmax(z, axis=1)
        z = _clip_infinite(z, xp)
        if z.ndim == 1:
            z = xp.stack([-z, z], axis=1) * 0.5
        z = z - xp.max(z, axis=1, keepdims=True)  # log(Σ exp) is not lost beside a huge max
        out = z - xp.log(xp.sum(xp.exp(z), axis=1, keepdims=True))
        return out if log else xp.exp(out)


def _softmax_over(z, log, rows_per_block=8192):
    """softmax(z) or log_softmax(z) of numpy z written over z, as scipy's computes them
    (exp(z - max) / Σ, and z - max - log Σ exp(z - max)): the exponentials of the
    logs' sums by row blocks."""
    z -= z.max(axis=1, keepdims=True)
    if not log:
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z
    for lo in range(0, z.shape[0], rows_per_block):
        block = z[lo : lo + rows_per_block]
        block -= np.log(np.exp(block).sum(axis=1, keepdims=True))
    return z


def _clip_infinite(z, xp):
    """z with ±inf (decision values beyond the float range) at ±the largest float, so
    that inf - inf in softmax's z - max(z) gives 1 and 0, not nan; nan stays nan."""
    if bool(xp.all(xp.isfinite(z))):
        return z
    big = float(xp.finfo(z.dtype).max)
    out = xp.where(z > big, big, xp.where(z < -big, -big, z))
    # z's dtype: numpy before 2 (value-based casting) made float32 z float64 here
    return out if out.dtype == z.dtype else astype(out, z.dtype, xp)


def make_loss(n_classes, xp, device=None):
    """The loss of a problem with ``n_classes`` classes: binary or multinomial."""
    if n_classes == 2:
        return BinaryLogLoss()
    return MultinomialLogLoss(n_classes, xp, device)
