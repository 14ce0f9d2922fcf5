"""The problem: everything derived from the data once, before any descent.

- the sample weights times the class weights, normalised once: s = w / Σw
  and Σw (:func:`normalise_weights`, :func:`class_weight_vector`);
- the penalty scaled by 1/(C Σw) (:meth:`gdlogreg._penalty.ElasticNet.scaled`);
- the loss for the number of classes and its encoding of the labels;
- the backend that holds X (:func:`gdlogreg._backends.make_backend`);
- the standardization, an exact change of variables (:class:`Standardization`).

This layer knows nothing of solvers; of scikit-learn it uses ``compute_class_weight``
(``class_weight``'s rules) and the ``assume_finite`` setting.
"""

import copy
import math
import sys
from contextlib import contextmanager
from numbers import Real

import numpy as np
from sklearn.utils.class_weight import compute_class_weight

from ._backends import constant_columns, dtype_of, make_backend, namespace_of, refuse_non_finite
from ._loss import make_loss
from ._penalty import ElasticNet
from ._xp import concat, to_host


def normalise_weights(w):
    """``(s, Σw)``: the weights divided by their sum, and the sum.

    ``w``: an array of any namespace, or a Dask array (then s stays lazy). The
    sum is taken after division by the largest weight, so that huge weights
    give Σw = inf (no penalty), not an overflow.
    """
    top = float(_reduce(w, "max"))
    scaled = w / top
    partial = float(_reduce(scaled, "sum"))
    return scaled / partial, top * partial


def normalised_in(w, dtype, xp):
    """``(s, Σw)`` of :func:`normalise_weights`, s in ``dtype``; a positive weight whose
    share rounds to 0 there keeps the least positive number (a row of weight stays one:
    the stop on separated rows certifies only the rows that weigh in s)."""
    s, total = normalise_weights(as_data_dtype(w, dtype))
    if s.dtype != dtype:
        s = s.astype(dtype) if isinstance(s, np.ndarray) else xp.astype(s, dtype)
    lost = (s == 0) & (w > 0)
    least = np.finfo(_np_name(dtype)).smallest_subnormal
    if hasattr(s, "dask"):  # lazy: the rows' chunks take it as they are computed
        import dask.array as da

        return da.where(lost, least, s), total
    if isinstance(s, np.ndarray):  # (numpy < 2's asarray takes no device)
        return (np.where(lost, least, s).astype(s.dtype) if lost.any() else s), total
    if bool(xp.any(lost)):
        s = xp.where(lost, xp.asarray(float(least), dtype=dtype,
                                      device=getattr(s, "device", None)), s)
    return s, total


def _reduce(a, how):
    """max or sum of an array of any namespace (Dask arrays included)."""
    if hasattr(a, "dask") or isinstance(a, np.ndarray):
        return getattr(a, how)()
    from ._compat import get_namespace

    xp, _ = get_namespace(a)
    return getattr(xp, how)(a)


def class_weight_vector(class_weight, classes, counts):
    """The weight of each class, from the (weighted) number of samples of each.

    ``class_weight`` as in ``LogisticRegression`` (dict, "balanced" or None);
    ``counts`` the sum of the sample weights of each class (in any common
    unit: "balanced" gives Σ counts / (K · counts), scikit-learn's formula
    with sample weights, which does not change when all weights are scaled),
    so that in-memory and Dask fits share this one formula.
    """
    counts = np.asarray(counts, dtype=np.float64)
    classes = np.asarray(classes)
    if class_weight is None:
        return np.ones(len(classes))
    if isinstance(class_weight, dict):
        # every path (in memory, Dask, the search) checks its labels here, so that each
        # names the unknown label alike (review 136). As scikit-learn's
        # compute_class_weight, labels absent from the training data are ignored where
        # every present class has its weight (a fold without a rare class; review 191),
        # and refused where some present class has none (a misspelt label).
        present = set(classes.tolist())
        unknown = set(class_weight) - present
        if unknown and not present <= set(class_weight):
            raise ValueError(
                "class_weight names classes that are not in the training data:"
                f" {sorted(unknown, key=repr)}; the classes are {classes.tolist()}."
            )
        class_weight = {c: w for c, w in class_weight.items() if c in present}
        bad = {c: w for c, w in class_weight.items() if not _is_class_weight(w)}
        if bad:
            raise ValueError(
                "class_weight must give each class a finite, non-negative number;"
                f" got {_shown(bad)}."
            )
    else:
        counts = counts / counts.max()
        # A class weight Σ/(K·count) must stay finite: count >= K/max float.
        empty = classes[~(counts > len(classes) / np.finfo(np.float64).max)]
        if len(empty):
            raise ValueError(
                "class_weight='balanced' needs a positive total sample weight in every"
                f" class, but the samples of class {empty[:1].tolist()[0]!r} weigh nothing (or so"
                " little beside the heaviest class's, a share below n_classes / the largest"
                " float, that its balanced weight would overflow)."
            )
    weights = compute_class_weight(class_weight, classes=classes, y=classes, sample_weight=counts)
    return np.asarray(weights, dtype=np.float64)


def _shown(weights):
    """``weights`` (a dict) as a message shows it: an int too long for Python's str (past
    4,300 digits) shown by its size (review 198)."""
    try:
        return repr(weights)
    except ValueError:
        return repr({c: "an integer beyond the float range" for c in weights})


def _is_class_weight(w):
    """Whether ``w`` is a finite, non-negative number: a real number of any type, a 0-d
    array or a Decimal, as ``LogisticRegression`` takes (it puts them in a float64
    array); not a string, a boolean or a complex number."""
    if isinstance(w, (str, bytes, bool)) or np.ndim(w) != 0 or np.asarray(w).dtype.kind in "bc":
        return False
    try:
        return 0.0 <= float(w) < math.inf
    except (TypeError, ValueError, OverflowError):  # (a Python int past the float range)
        return False


def is_nat(v):
    """Whether the label ``v`` is NaT, numpy's or pandas' (a date's or a duration's missing
    value: a missing label; review 198)."""
    nat = getattr(sys.modules.get("pandas"), "NaT", None)  # pandas is not a dependency
    return (nat is not None and v is nat) or (
        isinstance(v, (np.datetime64, np.timedelta64)) and bool(np.isnat(v)))


@contextmanager
def x_in_float_range():
    """A ValueError for X that holds a Python int past the float range (object X holding
    10**400), which numpy's cast to float raises as an OverflowError from inside
    scikit-learn's ``check_array`` (review 208; sample_weight's: :func:`weights_in_float_range`)."""
    try:
        yield
    except OverflowError:
        raise ValueError("X holds a number beyond the float range (about 1.8e308); X must"
                         " hold finite numbers.") from None


@contextmanager
def weights_in_float_range():
    """A ValueError for sample weights that hold a Python int past the float range
    (10**400), which numpy's cast to float raises as an OverflowError (review 198)."""
    try:
        yield
    except OverflowError:
        raise ValueError("sample_weight holds a number beyond the float range (about"
                         " 1.8e308); sample weights must be finite.") from None


def check_finite_scalar_weight(sample_weight):
    """Refuse a scalar ``sample_weight`` that is inf or nan (arrays are checked by
    scikit-learn; a scalar would become a vector of inf, and s = inf/inf = nan)."""
    if isinstance(sample_weight, (Real, np.generic)):
        try:
            finite = math.isfinite(float(sample_weight))
        except (TypeError, ValueError):
            return  # not a number: scikit-learn's check says so
        except OverflowError:  # a Python int past the float range: 10**400
            raise ValueError("sample_weight must be finite, got an integer beyond the float"
                             " range (about 1.8e308).") from None
        if not finite:
            raise ValueError(f"sample_weight must be finite, got {float(sample_weight)!r}.")


def weight_dtype(X):
    """The dtype in which the weights are checked and multiplied: float64 for
    numpy and sparse X, so that float32 X does not round weights beyond
    float32's range (1e-60, 1e300) to 0 or inf before they are normalised
    (:func:`make_problem` rounds them after); X's dtype otherwise."""
    return np.float64 if isinstance(X, np.ndarray) or hasattr(X, "tocsr") else X.dtype


def weigh_classes(weights, factors, xp, device=None):
    """``weights × factors`` (the sample weights times each one's class weight).

    ``factors``: a float64 numpy vector; multiplied in the weights' dtype when
    it fits there (float32 weights and class weights as before), else in float64
    (numpy weights) or, for array-API weights, in their dtype by powers of two
    (:func:`_weigh_by_powers`: a device may have no float64).

    Where the product would overflow, or send a positive weight to 0, both are
    first divided by their largest entry, and the product is scaled back by the
    product of those maxima, clipped to the float range: a sum of weights
    beyond the float limit then counts as overflowed (no penalty), one below
    it as tiny (the largest penalty; see ``ElasticNet.scaled``).
    """
    if isinstance(weights, np.ndarray):
        if as_data_dtype(factors, weights.dtype).dtype != weights.dtype:
            weights = weights.astype(np.float64)  # float32 cannot hold the class weights
        factors = factors.astype(weights.dtype)
    elif not _fits(factors, weights.dtype):
        return _weigh_by_powers(weights, factors, xp, device)
    else:
        factors = xp.asarray(factors, dtype=weights.dtype, device=device)
    with np.errstate(over="ignore", under="ignore"):
        out = weights * factors
        top = float(xp.max(out))
        lost = bool(xp.any((out == 0) & (weights > 0) & (factors > 0)))
        if math.isfinite(top) and not lost:
            return out
        f_top = float(xp.max(factors))
        return _rescaled(weights, f_top, factors / f_top, xp)


def _rescaled(weights, f_top, relative, xp):
    """The fallback of :func:`weigh_classes`: ``(w / w_top) · scale · (f / f_top)``, the
    scale ``w_top · f_top`` clipped to the normal range of the weights' dtype."""
    w_top = float(xp.max(weights))
    info = np.finfo(_np_name(weights.dtype))
    scale = min(max(w_top * f_top, float(info.tiny) * 2.0**53), float(info.max))
    # Each step at most the scale: scale / f_top overflowed for a tiny f_top, and
    # a zero weight times inf gave nan.
    return (weights / w_top) * scale * relative


def _fits(factors, dtype):
    """Whether each positive factor is a normal number of ``dtype``."""
    info = np.finfo(_np_name(dtype))
    positive = factors[factors > 0]
    return not positive.size or (positive.min() >= info.tiny and positive.max() <= info.max)


def _weigh_by_powers(weights, factors, xp, device):
    """``weights × factors`` in the weights' dtype for factors beyond its range
    (balanced class weights of ~1e39 over sample weights of 1e-20), no wider dtype.

    Each factor is split on the host into m · 2^k: m in [1, 2) and multiplied
    last when k >= 0, in [0.5, 1) and multiplied first when k < 0, and 2^k in
    pieces that the dtype holds. Every step then moves the same way from w to
    w·f: none overflows or goes subnormal where the product is a normal number,
    and only m's cast and the step by m round (powers of two are exact). Where a
    product leaves the range, the rescaled fallback of :func:`weigh_classes`.
    """
    dtype = weights.dtype
    info = np.finfo(_np_name(dtype))
    mant, k = np.frexp(factors)  # factors = mant · 2^k, mant in [0.5, 1)
    up = k > 0
    k = np.where(up, k - 1, k)
    # |k| <= maxexp - minexp + nmant for a product in range (a subnormal w to the
    # largest float): a few pieces of at most 2^(maxexp - 1) or 2^minexp each.
    lo, hi = int(info.minexp), int(info.maxexp) - 1
    steps = [np.where(up, 1.0, mant)]
    for _ in range(-(-(hi - lo + int(info.nmant)) // min(hi, -lo))):
        piece = np.clip(k, lo, hi)
        k = k - piece
        steps.append(np.ldexp(1.0, piece))
    steps.append(np.where(up, 2.0 * mant, 1.0))
    with np.errstate(over="ignore", under="ignore"):
        out = weights
        for step in steps:
            if np.any(step != 1.0):  # an exact 1 changes nothing
                out = out * xp.asarray(step, dtype=dtype, device=device)
        top = float(xp.max(out))
        lost = bool(xp.any((out == 0) & (weights > 0) & xp.asarray(factors > 0, device=device)))
        if math.isfinite(top) and not lost:
            return out
        f_top = float(factors.max())
        relative = xp.asarray(factors / f_top, dtype=dtype, device=device)
        return _rescaled(weights, f_top, relative, xp)


def check_some_weight(positive):
    """Refuse a fit where every sample weighs nothing (``positive`` False)."""
    if not positive:
        raise ValueError(
            "The sample weights (times the class weights) sum to zero: there"
            " is nothing to fit."
        )


class Identity:
    """The original coordinates: coef = [W; b] as it is."""

    def __init__(self, fit_intercept):
        self.fit_intercept = fit_intercept
        self.D = None

    def to_base(self, coef):
        return coef

    from_base = grad_from_base = to_base


def _times(a, scale, xp):
    """a · scale for moments of x / scale (scale the column's largest |x|), held at ±the
    largest float: a mean or root mean square a rounding above 1 (float32 weights that
    sum to 1 + ε) times a scale near the float limit overflows, with a warning."""
    with np.errstate(over="ignore"):
        p = a * scale
    big = float(xp.finfo(p.dtype).max)
    return xp.where(p > big, xp.full_like(p, big), xp.where(p < -big, xp.full_like(p, -big), p))


class Standardization:
    """An exact change of variables to standardized coordinates, same minimiser.

    With the weighted mean μ_j and standard deviation σ_j of each feature the
    primed parameters give W = D W' and b = b' - μᵀ D W' (D = diag(1/σ)), so
    that Z = X W + b = (X - 1 μᵀ) D W' + b', the raw prediction of a model on
    standardized features. Descent in (W', b') is descent on the original
    problem preconditioned by T Tᵀ (T the map above; it couples w and b when
    the columns are centred): features of any unit and offset descend at the
    same pace. X is never centred or copied: only the O(d·m) map T is applied
    to the parameters. Without an intercept, and for constant columns, nothing
    is centred and σ_j is the root mean square; with an intercept a constant
    column's σ_j is then made 2^26 times larger, which holds its weight (the
    intercept's copy) at 0, a start's weight there handed to the intercept
    (:meth:`from_base`). With an L2 penalty σ_j is
    replaced by √(σ_j² + l2/c), c the loss's curvature bound, so that a feature
    whose weight the penalty dominates is not given an enormous curvature.
    """

    def __init__(self, moments, *, fit_intercept, l2, curvature, xp):
        scale, mean, var = moments
        #: x̄ = Σ s x, the weighted mean of each column (also of those not centred)
        self.column_mean = _times(mean, scale, xp)
        sq = var + mean * mean
        #: the weighted root mean square of each column, the size X @ v rounds at
        self.column_rms = _times(xp.sqrt(sq), scale, xp)
        #: the weighted standard deviation of each column (centred, whether or not the
        #: coordinates are): its offset against its spread, without an intercept too
        self.column_std = _times(xp.sqrt(var), scale, xp)
        if fit_intercept:
            # A column constant to X's precision is not centred: it would vanish
            # and its weight could never move.
            centred = ~constant_columns(mean, var, xp)
            mean = xp.where(centred, mean, xp.zeros_like(mean))
            var = xp.where(centred, var, sq)
        else:
            mean = xp.zeros_like(mean)
            var = sq
        self.xp = xp
        self.fit_intercept = fit_intercept
        #: the directions of the data's own rounding in these coordinates, found once by
        #: the objective at a stop (gdlogreg._objective.Objective._data_valleys)
        self.valleys = None
        self.mean = _times(mean, scale, xp)
        ones = xp.ones_like(var)
        # σ_j is kept in [tiny, 1/tiny] (tiny the smallest normal number), so
        # that D and 1/D are finite and normal: a column of subnormal numbers,
        # or one near the float limit, must not give D = inf or D = 0.
        info = xp.finfo(var.dtype)
        tiny = float(getattr(info, "smallest_normal", None) or info.tiny)
        floor = min(math.sqrt(l2 / curvature), 1.0 / tiny)
        den = xp.hypot(_times(xp.sqrt(var), scale, xp), floor * ones)
        safe = xp.where(den < tiny, tiny * ones, xp.where(den > 1.0 / tiny, ones / tiny, den))
        self.D = xp.where(den > 0, 1.0 / safe, ones)
        if fit_intercept:
            # A constant column is a copy of the intercept: along (w_c, -b) only the
            # penalty curves J, and descent crawled there (gd: 3,000 iterations for
            # 58). Its scale is cut by 2^-26, so that its weight moves by rounding's
            # amount: the optimum's is 0 under a penalty, and any split is one without.
            self.D = xp.where(centred, self.D, xp.maximum(self.D * 2.0**-26, tiny * ones))
            #: the constant columns, whose weight a start hands to the intercept, and
            #: μ for a start: x̄ there (the column's part goes to b), else the centring's
            self.held = ~centred
            self.start_mean = xp.where(self.held, self.column_mean, self.mean)
            self._D1 = xp.reshape(concat([self.D, ones[:1]], xp), (-1, 1))
            self._mean_D = xp.reshape(self.mean * self.D, (-1, 1))

    def to_base(self, coef):
        """(W', b') -> (W, b): W = D W', b = b' - μᵀ W (a new array)."""
        if not self.fit_intercept:
            return coef * self.xp.reshape(self.D, (-1, 1))
        out = coef * self._D1
        if isinstance(out, np.ndarray):
            out[-1] -= self.mean @ out[:-1]
            return out
        xp = self.xp
        b = out[-1:, ...] - xp.reshape(self.mean, (1, -1)) @ out[:-1, ...]
        return concat([out[:-1, ...], b], xp)

    def from_base(self, coef):
        """(W, b) -> (W', b'): the inverse map. A start's weight on a constant column
        (:attr:`held`) goes to the intercept (x̄ w, the same predictions, a penalty
        no larger): held there, it could not move otherwise."""
        xp = self.xp
        W = coef[: self.D.shape[0], ...] / xp.reshape(self.D, (-1, 1))
        if not self.fit_intercept:
            return W
        held = xp.reshape(self.held, (-1, 1))
        W = xp.where(held, xp.zeros_like(W), W)
        b = coef[-1:, ...] + xp.reshape(self.start_mean, (1, -1)) @ coef[:-1, ...]
        return concat([W, b], xp)

    def grad_from_base(self, grad):
        """A gradient in base coordinates -> in primed coordinates (Tᵀ g)."""
        if not self.fit_intercept:
            return grad * self.xp.reshape(self.D, (-1, 1))
        out = grad * self._D1
        if isinstance(out, np.ndarray):
            out[:-1] -= self._mean_D * grad[-1]
            return out
        return concat([out[:-1, ...] - self._mean_D * grad[-1:, ...], out[-1:, ...]], self.xp)


class Problem:
    """The data, loss and penalty of one fit, and its standardization.

    Parameters
    ----------
    backend : backend
        Holds X, the encoded targets and the normalised weights s.
    loss : BinaryLogLoss or MultinomialLogLoss
    penalty : ElasticNet
    fit_intercept : bool
    n_columns : int
        m, the number of columns of W: 1 for two classes, K for K classes.
    standardization : Standardization or None
        The map, when it is known already (a column of a search); else it is
        computed from the backend's moments.
    """

    def __init__(self, backend, loss, penalty, *, fit_intercept, n_columns, standardization=None):
        self.backend = backend
        self.xp = backend.xp
        self.loss = loss
        self.penalty = penalty
        self.fit_intercept = bool(fit_intercept)
        self.n_features = backend.n_features
        self.n_columns = n_columns
        self.coef_shape = (self.n_features + int(self.fit_intercept), n_columns)
        self.dtype = backend.dtype
        self.standardization = standardization or Standardization(
            finite_moments(backend.moments(), self.xp, backend.X),
            fit_intercept=self.fit_intercept,
            l2=penalty.l2,
            curvature=loss.curvature,
            xp=self.xp,
        )

    def at_bulk_scales(self, bulk):
        """A copy of this problem whose standardization reads the columns of ``bulk``
        (:func:`bulk_moments`) at their bulk's mean and spread, the others as before; the
        columns' own moments (``column_mean``, ``column_rms``, ``column_std``: the sizes
        X's products round at) stay those of every row. The same J and minimiser: only
        the coordinates of descent change."""
        std, xp = self.standardization, self.xp
        mean, rms = to_host(std.column_mean), to_host(std.column_rms)
        scale = np.where(rms > 0.0, rms, 1.0)
        mean, var = mean / scale, (to_host(std.column_std) / scale) ** 2  # no overflow
        for j, (m, sd) in bulk.items():
            mean[j], var[j] = m / scale[j], (sd / scale[j]) ** 2
        dtype = std.column_mean.dtype
        moments = tuple(xp.asarray(a, dtype=dtype) for a in (scale, mean, var))
        new = Standardization(moments, fit_intercept=self.fit_intercept, l2=self.penalty.l2,
                              curvature=self.loss.curvature, xp=xp)
        new.column_mean, new.column_rms = std.column_mean, std.column_rms
        new.column_std = std.column_std
        out = copy.copy(self)
        out.standardization = new
        return out

    def zeros(self):
        """The textbook start: every weight and the intercept at zero."""
        return self.backend.zeros(self.coef_shape)

    def held_in_range(self, coef):
        """coef with its ±inf entries held at ±the largest float of its dtype: a column of
        subnormal scale (1e-38 in float32) whose weight's optimum lies past the float range
        comes back as the representable weight nearest it, not as an inf model (a hostile
        fuzz case; tests/test_hostile.py)."""
        xp = self.xp
        big = float(xp.finfo(coef.dtype).max)
        if bool(xp.all(xp.abs(coef) <= big)) or not bool(xp.any(xp.isinf(coef))):
            return coef
        return xp.where(coef > big, xp.full_like(coef, big),
                        xp.where(coef < -big, xp.full_like(coef, -big), coef))

    def split(self, coef):
        """Views (W, b) of coef = [W; b]; b is None without an intercept."""
        d = self.n_features
        return coef[:d, ...], (coef[d, ...] if self.fit_intercept else None)


#: A column is read at the scale of its bulk where its spread over every row is at least
#: BULK_RATIO times the bulk's: the rows within BULK_MADS weighted median absolute
#: deviations of its weighted median (:func:`bulk_moments`).
BULK_RATIO, BULK_MADS = 1e3, 50.0
#: A column is skipped unread where its zeros hold more than (1/2 + TIE) of the weight.
TIE = 1e-9


def bulk_moments(problem):
    """{j: (mean, sd)}: the weighted mean and standard deviation (host float64, X's
    units) of the bulk of each column whose spread a few far rows set, BULK_RATIO times
    the bulk's or more (its rows within BULK_MADS weighted MADs of its weighted median);
    {} where the backend reads no columns. A candidate is a column one of whose rows could hold a
    quarter of its variance (|x - x̄|² s_max >= σ²/4, s the normalised weights); one
    read of X for the ranges, and the candidates' non-zeros (``column_samples``: one more
    read of CSR X, or a read of each dense column). A sentinel code (-5e12
    among values of spread 10) sets σ 1e11 times the bulk's: in those coordinates the
    bulk's own spread is 1e-11 and its weight's optimum 3e11, a valley the stopping
    tests read as flat (review 204)."""
    be = problem.backend
    if getattr(be, "column_ranges", None) is None:
        return {}
    std = problem.standardization
    centre = to_host(std.column_mean) if problem.fit_intercept else 0.0
    spread = to_host(std.column_std if problem.fit_intercept else std.column_rms)
    s = be.s
    s_max = float(s) if isinstance(s, float) else float(np.max(to_host(s)))
    ranges = be.column_ranges()
    if ranges is None:
        return {}
    lo, hi = ranges
    dev = np.maximum(hi - centre, centre - lo)
    with np.errstate(over="ignore", invalid="ignore"):
        candidates = np.flatnonzero((spread > 0.0) & (2.0 * math.sqrt(s_max) * dev >= spread))
    if len(candidates):  # (zeros of more than half the weight: median and MAD 0; a tie
        # within rounding is read, as dense and sparse X round their sums apart)
        total = s * be.n_samples if isinstance(s, float) else float(np.sum(to_host(s)))
        candidates = candidates[be.column_zeros(candidates) <= (0.5 + TIE) * total]
    out = {}
    for j, (x, w) in zip(candidates, be.column_samples(candidates), strict=True):
        bulk = _bulk_of(x, w, float(spread[j]))
        if bulk is not None:
            out[int(j)] = bulk
    return out


def _weighted_median(x, w):
    """The least x at which the weights w of the values up to it reach half their sum."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cw, 0.5 * cw[-1]), len(x) - 1)])


def _bulk_of(x, w, spread):
    """(mean, standard deviation) of the bulk of a column given as values x of positive
    weights w (each row, or a value standing for several: the backend's
    ``column_samples``), or None where its spread is not BULK_RATIO times below
    ``spread`` or is 0; its sums of x / max |x| (values near the float limit: no square
    overflows)."""
    if not len(x):
        return None
    med = _weighted_median(x, w)
    dist = np.abs(x - med)
    mad = _weighted_median(dist, w)
    if not mad > 0.0:
        return None
    near = dist <= BULK_MADS * mad
    xb, wb = x[near], w[near] / np.sum(w[near])
    scale = float(np.max(np.abs(xb)))
    if not scale > 0.0:
        return None
    xb = xb / scale
    mean = float(np.sum(wb * xb))
    sd = scale * math.sqrt(float(np.sum(wb * (xb - mean) ** 2)))
    if not (sd > 0.0 and spread >= BULK_RATIO * sd):
        return None
    return mean * scale, sd


def finite_moments(moments, xp, X):
    """X's moments ``(scale, mean, var)``, refused where they are not finite because X holds
    NaN or inf (on a row of positive weight): scikit-learn's check of X finds them first,
    but not under ``sklearn.set_config(assume_finite=True)``, where the fit ended on a NaN
    model (review 131). X itself is read only then (:func:`refuse_non_finite`): moments
    not finite on finite X (a sparse column at the float limit under unequal weights,
    review 132) are used, not refused."""
    if not all(bool(xp.all(xp.isfinite(m))) for m in moments):
        refuse_non_finite(X)
    return moments


def finite_sample_weight(sample_weight, xp):
    """Refuse checked sample weights that are NaN or inf: scikit-learn's check skips their
    finiteness under ``sklearn.set_config(assume_finite=True)``, and the normalised weights
    were then NaN (the fit failed deep in the solver, review 131)."""
    if not bool(xp.all(xp.isfinite(sample_weight))):
        raise ValueError("Input sample_weight contains NaN or infinity.")
    return sample_weight


def make_problem(X, y_idx, sample_weight, n_classes, *, C, l1_ratio, fit_intercept):
    """The problem for X (numpy, scipy.sparse, array API or Dask) and class indices y_idx.

    ``sample_weight``: the sample weights times the class weights (an array of
    X's namespace, or None for equal weights).
    """
    xp, device = namespace_of(X)
    dtype = dtype_of(X)
    loss = make_loss(n_classes, xp, device)
    if sample_weight is None:
        n = y_idx.shape[0]
        s, sw_sum = 1.0 / n, float(n)
    else:
        s, sw_sum = normalised_in(sample_weight, dtype, xp)
    backend = make_backend(X, loss, y_idx, s)
    penalty = ElasticNet.scaled(C, l1_ratio, sw_sum, itemsize=np.dtype(_np_name(dtype)).itemsize)
    return Problem(
        backend, loss, penalty, fit_intercept=fit_intercept, n_columns=loss.n_columns(n_classes)
    )


def _np_name(dtype):
    """The numpy dtype name of a dtype of any namespace (float32 or float64)."""
    return "float32" if "32" in str(dtype) else "float64"


def as_data_dtype(w, dtype):
    """The weights in the data's dtype when they fit its range exactly, as
    before they were checked in float64 (the same fit, to the last bit); else
    as they are, to be normalised first and rounded after."""
    if w.dtype == dtype or hasattr(w, "dask"):
        return w
    info = np.finfo(_np_name(dtype))
    positive = w[w > 0] if isinstance(w, np.ndarray) else None
    if positive is None or (
        positive.size
        and positive.min() >= info.tiny
        and positive.max() <= info.max
    ):
        return w.astype(dtype) if isinstance(w, np.ndarray) else _xp_astype(w, dtype)
    return w


def _xp_astype(a, dtype):
    from ._compat import get_namespace

    xp, _ = get_namespace(a)
    return xp.astype(a, dtype)
