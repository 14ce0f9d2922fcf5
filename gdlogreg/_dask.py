"""Dask backend: fit on ``dask.array`` / Dask DataFrame data, chunk by chunk.

The design keeps the three layers of the package apart:

- :class:`DaskObjective` is a :class:`~gdlogreg._objective.LogisticObjective`
  whose data (X, the targets, the sample weights) are Dask arrays, persisted
  once on the cluster (row chunks, all the columns of a row in one block). The
  parameters stay small numpy arrays on the client. Every quantity the solver
  asks for is a sum over rows, so it is computed as one partial result per row
  chunk (a task next to the chunk) and a tree reduction of those partials on
  the cluster; only the (tiny) sums come back to the client.
- The solver (:mod:`gdlogreg._solver`) is unchanged and never imports Dask: it
  receives floats and numpy gradients, and raw predictions z that behave like
  vectors (``z + t * Xd``, ``z_new - z_x``...).
- The estimator calls :func:`fit` and the ``predict*`` functions here when it
  sees Dask input (:func:`is_dask`, which does not import Dask).

Raw predictions are symbolic. z = X w + b is linear in the parameters, and
the solver only ever combines raw predictions linearly (a line-search trial is
``z + t * Xd``, a Nesterov point ``z_new + β (z_new - z_x)``). So
``raw_prediction(coef)`` computes nothing: it returns an :class:`_Affine`, the
parameters (W, b) of z, and the solver's arithmetic acts on those. z is formed
chunk by chunk, inside the tasks that need it, as ``x_chunk @ W.T + b``.
Nothing of size n is ever stored on the cluster besides the data, task graphs
do not grow with the iteration count, and each evaluation is exactly one pass
(one round trip to the cluster).

Fused passes. The loss at z and the gradient product ``X.T @ r`` need the same
chunks, so ``loss_residual`` computes both in the same tasks while residuals
are being used (always with constant steps, nearly always with
Barzilai–Borwein steps): one pass over X per iteration, reading each chunk for
``x @ w`` and ``x.T @ r`` (the two products an in-memory iteration makes).
When line-search trials are often rejected (backtracking), it computes the
loss alone (``x @ w`` only) and ``gradient`` makes a second pass for the
accepted trial only. With ``x @ w`` and ``x.T @ r`` of equal cost the fused
pass wins whenever more than half the residuals are used. Both routes run the
same per-chunk code and give the same numbers.
"""

import functools
import math
import uuid

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._compat import check_feature_names, get_namespace
from ._objective import LogisticObjective

# Fuse the gradient into the loss pass while more than this fraction of
# recent residuals was used (exponential average; see the module docstring).
FUSE_ABOVE = 0.5
# Fan-in of the reduction trees.
FAN_IN = 16


def is_dask(obj):
    """Whether ``obj`` is a Dask collection (array, DataFrame, Series); no import of Dask."""
    module = type(obj).__module__
    return module == "dask" or module.startswith(("dask.", "dask_expr"))


def _is_frame(obj):
    return is_dask(obj) and hasattr(obj, "to_dask_array")


# ---------------------------------------------------------------- per-chunk code
# Module-level functions: the tasks of a distributed cluster pickle them.


def _linear_block(x, W, b, multinomial):
    """z = x @ W.T + b for one row block (the same arithmetic as in memory)."""
    if multinomial:
        z = x @ W.T
        return z if b is None else z + b
    z = x @ W[0]
    return z if b is None else z + b[0]


def _loss_block(x, y, s, *, W, b, multinomial, n_outputs, with_gradient):
    """Partial sums of one row block: [loss] or [loss, (X.T r) row-major, Σ r].

    x: the data, y: targets (0/1 floats, or class indices), s: sample weights
    / Σs; z = x Wᵀ + b. The formulas are those of
    :meth:`LogisticObjective.loss_residual`.
    """
    z = _linear_block(x, W, b, multinomial)
    if multinomial:
        zmax = np.max(z, axis=1, keepdims=True)
        e = np.exp(z - zmax)
        se = np.sum(e, axis=1, keepdims=True)
        lse = zmax + np.log(se)
        onehot = (y[:, None] == np.arange(n_outputs)[None, :]).astype(z.dtype)
        sw_y = s[:, None] * onehot
        loss = float(np.sum(s[:, None] * lse)) - float(np.sum(sw_y * z))
        if not with_gradient:
            return np.array([loss])
        r = (s[:, None] / se) * e - sw_y
        G = (x.T @ r).T
        gb = np.sum(r, axis=0)
    else:
        # Σ s (log1p(e) + max(z, 0) - y z) = s·log1p(e) + ½ s·|z| + (½ s - s y)·z
        abs_z = np.abs(z)
        e = np.exp(-abs_z)
        sw_y = s * y
        loss = float(s @ np.log1p(e)) + 0.5 * float(s @ abs_z) + float((0.5 * s - sw_y) @ z)
        if not with_gradient:
            return np.array([loss])
        q = 1.0 / (1.0 + e)
        r = s * np.where(z >= 0, q, e * q) - sw_y  # σ(z) from the same e
        G = x.T @ r
        gb = np.sum(r)
    return np.concatenate([[loss], np.ravel(G), np.ravel(gb)]).astype(np.float64)


def _curvature_block(x, y, s, *, W, b, c, multinomial):
    """Partial [Aᵀ (c s ⊙ A v), Σ c s ⊙ A v] of one row block (A = [X, 1])."""
    z = _linear_block(x, W, b, multinomial)
    r = c * (s[:, None] * z if multinomial else s * z)
    G = (x.T @ r).T if multinomial else x.T @ r
    gb = np.sum(r, axis=0)
    return np.concatenate([np.ravel(G), np.ravel(gb)]).astype(np.float64)


def _scale_block(x, y, s):
    """Partial [Σ s x, max |x|] of one row block (summed, resp. maxed, apart).

    max |x| = max(max x, -min x): no temporary of the size of the block.
    """
    top = np.maximum(np.max(x, axis=0), -np.min(x, axis=0))
    return np.concatenate([s @ x, top]).astype(np.float64)


def _variance_block(x, y, s, *, scale, mean, rows=4096):
    """Partial Σ s (x/scale - mean)² of one row block, in slices of ``rows`` rows.

    The slices keep the temporaries small, whatever the chunk size.
    """
    var = np.zeros(x.shape[1])
    for start in range(0, x.shape[0], rows):
        block = x[start : start + rows] / scale
        block -= mean
        block *= block
        var += s[start : start + rows] @ block
    return var


def _combine(parts, n_sum):
    """Combine partial results: the first ``n_sum`` entries add up, the rest by max."""
    stacked = np.stack(parts)
    if n_sum >= stacked.shape[1]:
        return stacked.sum(axis=0)
    return np.concatenate([stacked[:, :n_sum].sum(axis=0), stacked[:, n_sum:].max(axis=0)])


# ------------------------------------------------------------ raw predictions
class _Affine:
    """A raw prediction z = X Wᵀ + b, held as its parameters (W, b) (numpy).

    Supports what the solver does with raw predictions: sums, differences and
    products with a scalar, all on (W, b); z itself is formed inside the
    tasks that use it.
    """

    __slots__ = ("W", "b")
    __array_ufunc__ = None  # numpy scalars defer to the operators below

    def __init__(self, W, b):
        self.W, self.b = W, b

    def __add__(self, other):
        if not isinstance(other, _Affine):
            return NotImplemented
        return _Affine(self.W + other.W, None if self.b is None else self.b + other.b)

    def __sub__(self, other):
        if not isinstance(other, _Affine):
            return NotImplemented
        return _Affine(self.W - other.W, None if self.b is None else self.b - other.b)

    def __mul__(self, scalar):
        if isinstance(scalar, _Affine):
            return NotImplemented
        scalar = float(scalar)
        return _Affine(scalar * self.W, None if self.b is None else scalar * self.b)

    __rmul__ = __mul__

    def __neg__(self):
        return (-1.0) * self


class _Residual:
    """What ``loss_residual`` hands the solver: z, and the gradient sums if fused."""

    __slots__ = ("z", "packed", "used")

    def __init__(self, z, packed):
        self.z, self.packed, self.used = z, packed, False


# ------------------------------------------------------------------ objective
class DaskObjective(LogisticObjective):
    """:class:`LogisticObjective` on Dask arrays, computed chunk by chunk.

    Parameters are those of :class:`LogisticObjective`, with ``X`` a 2-D Dask
    array (float32 or float64) and ``y``, ``sample_weight`` 1-D Dask arrays
    with the same number of rows. X is rechunked to hold whole rows, y and the
    weights to X's row chunks, and all three are persisted once. The
    coefficients, gradients and statistics are numpy arrays of X's dtype.
    """

    def __init__(self, X, y, sample_weight, n_classes, *, C, l1_ratio, fit_intercept):
        import dask
        from dask.base import get_scheduler

        X = X.rechunk({1: -1})
        rows = X.chunks[0]
        y = _rows_like(y, rows)
        sample_weight = _rows_like(sample_weight, rows)
        self.xp, _ = get_namespace(np.zeros(1))
        self._is_numpy = True
        self.n_samples, self.n_features = X.shape
        self.fit_intercept = bool(fit_intercept)
        self.multinomial = n_classes > 2
        self.n_outputs = n_classes if self.multinomial else 1
        self.dtype = np.dtype(X.dtype)

        # Normalised weights, as in memory: divided by the largest weight
        # before they are summed (huge weights give sw_sum = inf, no overflow).
        top = float(sample_weight.max().compute())
        partial = float((sample_weight / top).sum().compute())
        self.sw_sum = top * partial
        sw = (sample_weight / top / partial).astype(self.dtype)
        y = y.astype(np.int64) if self.multinomial else y.astype(self.dtype)
        self.X, self.y, self.sw = dask.persist(X, y, sw)
        self.sw_y = None  # folded into the per-chunk code

        # The graph of the persisted data (keys -> chunks, or futures on a
        # cluster) and the keys of each row block: every pass adds one task
        # per row block and a reduction tree to it.
        self._graph = {}
        for a in (self.X, self.y, self.sw):
            self._graph.update(a.__dask_graph__())
        x_keys = [k[0] for k in self.X.__dask_keys__()]
        y_keys, sw_keys = self.y.__dask_keys__(), self.sw.__dask_keys__()
        self._blocks = list(zip(x_keys, y_keys, sw_keys, strict=True))
        self._get = get_scheduler(collections=[self.X])

        scale = math.inf if C == math.inf else C * self.sw_sum
        self.l2_reg = (1.0 - l1_ratio) / scale if scale != math.inf else 0.0
        self.l1_reg = l1_ratio / scale if scale != math.inf else 0.0

        self._use_rate = 1.0
        self._last = None
        self.n_passes = 0  # passes over X, for the tests and benchmarks

    # --------------------------------------------------------- map and reduce
    def _map_reduce(self, func, n_sum=None, **kwargs):
        """Combine ``func(x, y, s, **kwargs)`` over the row blocks, on the cluster.

        One task per row block (next to its data), then a tree of
        :func:`_combine` tasks (fan-in ``FAN_IN``): the first ``n_sum`` entries
        of the partial results are added up, the others maxed (all added by
        default). One round trip; returns a numpy vector.
        """
        self.n_passes += 1
        name = f"gdlogreg-{func.__name__}-{uuid.uuid4().hex}"
        task = functools.partial(func, **kwargs)
        graph = dict(self._graph)
        keys = []
        for i, block in enumerate(self._blocks):
            keys.append((name, 0, i))
            graph[keys[-1]] = (task, *block)
        n_sum = math.inf if n_sum is None else n_sum
        level = 0
        while len(keys) > 1 or level == 0:
            level += 1
            groups = [keys[j : j + FAN_IN] for j in range(0, len(keys), FAN_IN)]
            keys = [(name, level, j) for j in range(len(groups))]
            for key, group in zip(keys, groups, strict=True):
                graph[key] = (_combine, group, n_sum)
        return np.asarray(self._get(graph, keys[0]))

    # ------------------------------------------------------------ the products
    def raw_prediction(self, coef):
        """z = X w + b, symbolically: its parameters; z is formed chunk by chunk later."""
        W, b = self.split(coef)
        return _Affine(np.array(W), None if b is None else np.array(b))

    def _pass(self, z, with_gradient):
        """One pass over X: Σ over chunks of [loss] or [loss, X.T r, Σ r] at z."""
        return self._map_reduce(
            _loss_block,
            W=z.W,
            b=z.b,
            multinomial=self.multinomial,
            n_outputs=self.n_outputs,
            with_gradient=with_gradient,
        )

    def loss_residual(self, z):
        """The loss at z and a residual handle (with the gradient sums when fused)."""
        if self._last is not None:
            self._use_rate = 0.75 * self._use_rate + 0.25 * float(self._last.used)
        fuse = self._use_rate > FUSE_ABOVE
        packed = self._pass(z, with_gradient=fuse)
        self._last = _Residual(z, packed if fuse else None)
        return float(packed[0]), self._last

    def loss(self, z):
        """The loss at z: one pass over X (``x @ w`` only)."""
        return float(self._pass(z, with_gradient=False)[0])

    def gradient(self, r, coef):
        """[dw | db] from the residual handle: one pass over X unless fused."""
        r.used = True
        packed = r.packed if r.packed is not None else self._pass(r.z, with_gradient=True)
        K, d = self.n_outputs, self.n_features
        dw = packed[1 : 1 + K * d].reshape(K, d).astype(self.dtype)
        w, _ = self.split(coef)
        if self.l2_reg != 0.0:
            dw = dw + self.l2_reg * w
        if not self.fit_intercept:
            return dw
        return self.join(dw, packed[1 + K * d :].astype(self.dtype))

    def curvature_matvec(self, v):
        """c Aᵀ diag(s/Σs) A v + l2_reg [v_w, 0]: one pass over X."""
        W, b = self.split(v)
        K, d = self.n_outputs, self.n_features
        packed = self._map_reduce(
            _curvature_block,
            W=np.array(W),
            b=None if b is None else np.array(b),
            c=self.curvature_bound(),
            multinomial=self.multinomial,
        )
        g = packed[: K * d].reshape(K, d).astype(self.dtype)
        if self.l2_reg != 0.0:
            g = g + self.l2_reg * W
        if not self.fit_intercept:
            return g
        return self.join(g, packed[K * d :].astype(self.dtype))

    def column_moments(self, chunk_rows=None):
        """``(scale, mean, var)`` of each feature, as in memory: two passes over X.

        The first gives Σ s x and the largest |x| of each column, the second
        the variance of x/scale around the mean (a two-pass variance, as in
        memory).
        """
        d = self.n_features
        packed = self._map_reduce(_scale_block, n_sum=d)
        scale = packed[d:].astype(self.dtype)
        scale = np.where(scale > 0, scale, np.ones_like(scale))
        mean = packed[:d].astype(self.dtype) / scale
        var = self._map_reduce(_variance_block, scale=scale, mean=mean)
        return scale, mean, var.astype(self.dtype)


def _rows_like(a, rows):
    """A 1-D Dask array chunked like ``rows`` from a Dask or numpy 1-D array."""
    import dask.array as da

    if not is_dask(a):
        return da.from_array(np.asarray(a), chunks=(rows,))
    if tuple(a.chunks[0]) != tuple(rows):
        a = a.rechunk((rows,))
    return a


# ------------------------------------------------------------- validation
def _check_X(estimator, X, *, reset):
    """A 2-D Dask array with whole rows in each block; checks features like validate_data."""
    import dask.array as da

    if _is_frame(X):
        import pandas as pd

        # The names as scikit-learn reads them from a pandas frame of the same columns.
        check_feature_names(estimator, pd.DataFrame(columns=X.columns), reset=reset)
        X = X.to_dask_array(lengths=True if reset else None)
    else:
        check_feature_names(estimator, X, reset=reset)
    if not isinstance(X, da.Array):
        raise TypeError(f"Expected a dask array or Dask DataFrame, got {type(X).__name__}.")
    if X.ndim != 2:
        raise ValueError(
            f"Expected 2D array, got {X.ndim}D array instead. Reshape your data"
            " with array.reshape(-1, 1) for a single feature or array.reshape(1, -1)"
            " for a single sample."
        )
    n_features = X.shape[1]
    if reset:
        if n_features < 1:
            raise ValueError("0 feature(s) (shape=(..., 0)) while a minimum of 1 is required.")
        estimator.n_features_in_ = n_features
    elif n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {n_features} features, but {type(estimator).__name__} is expecting"
            f" {estimator.n_features_in_} features as input."
        )
    if reset:
        if X.dtype not in (np.float32, np.float64):
            X = X.astype(np.float64)
        if any(math.isnan(c) for c in X.chunks[0]):
            X = X.compute_chunk_sizes()
        if X.shape[0] < 1:
            raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}).")
    return X.rechunk({1: -1})


def _check_vector(v, n_samples, rows, name):
    """A 1-D Dask array chunked like ``rows`` (Dask Series, arrays or numpy)."""
    import dask.array as da

    if _is_frame(v):
        v = v.to_dask_array(lengths=True)
    if not is_dask(v):
        v = np.asarray(v)
    if v.ndim == 2 and v.shape[1] == 1:
        v = v.reshape(-1) if is_dask(v) else v.ravel()
    if v.ndim != 1:
        raise ValueError(f"{name} should be a 1d array, got an array of shape {v.shape} instead.")
    if is_dask(v) and any(math.isnan(c) for c in v.chunks[0]):
        v = v.compute_chunk_sizes()
    if v.shape[0] != n_samples:
        raise ValueError(
            f"Found input variables with inconsistent numbers of samples:"
            f" [{n_samples}, {v.shape[0]}] ({name})."
        )
    return _rows_like(v, rows) if is_dask(v) else da.from_array(v, chunks=(rows,))


# ---------------------------------------------------------------- the fit
def fit(estimator, X, y, sample_weight=None):
    """Fit ``estimator`` (a GradientDescentLogisticRegression) on Dask data.

    The data are validated lazily (dtype, shape, features), persisted once,
    then checked in one pass (finite values, non-negative weights, the class
    labels); the fit is the same :func:`~gdlogreg._solver.minimize` as in
    memory, on a :class:`DaskObjective`.
    """
    import dask
    import dask.array as da

    X = _check_X(estimator, X, reset=True)
    n, rows = X.shape[0], X.chunks[0]
    dtype = np.dtype(X.dtype)
    y = _check_vector(y, n, rows, "y")
    if sample_weight is None:
        sw = da.ones(n, chunks=(rows,), dtype=dtype)
    elif np.ndim(sample_weight) == 0 and not is_dask(sample_weight):
        sw = da.full(n, float(sample_weight), chunks=(rows,), dtype=dtype)
    else:
        sw = _check_vector(sample_weight, n, rows, "sample_weight").astype(dtype)

    X, y, sw = dask.persist(X, y, sw)
    classes, finite, sw_min, sw_max = dask.compute(
        da.unique(y), da.isfinite(X).all(), sw.min(), sw.max()
    )
    if not finite:
        raise ValueError("Input X contains NaN or infinity.")
    if not (sw_min >= 0):
        raise ValueError("Negative values in data passed to `sample_weight`.")
    check_classification_targets(classes)
    n_classes = len(classes)
    if n_classes < 2:
        raise ValueError(
            "GradientDescentLogisticRegression needs samples of at least 2 classes"
            f" in the data, but the data contains only one class: {classes[0]!r}."
        )
    y_idx = y.map_blocks(_label_index, classes=classes, dtype=np.intp, meta=np.empty(0, np.intp))
    positive = sw_max > 0
    if estimator.class_weight is not None:
        # Weighted class counts in one pass; compute_class_weight's formula on them.
        counts = da.bincount(y_idx, weights=sw, minlength=n_classes).compute()
        cw = compute_class_weight(
            estimator.class_weight, classes=classes, y=classes, sample_weight=counts
        )
        sw = sw * y_idx.map_blocks(_take, values=cw.astype(dtype), dtype=dtype)
        positive = bool(np.any((counts > 0) & (cw > 0)))
    if not positive:
        raise ValueError(
            "The sample weights (times the class weights) sum to zero: there"
            " is nothing to fit."
        )
    y_target = (y_idx == 1).astype(dtype) if n_classes == 2 else y_idx

    objective = DaskObjective(
        X,
        y_target,
        sw,
        n_classes,
        C=estimator.C,
        l1_ratio=estimator.l1_ratio,
        fit_intercept=estimator.fit_intercept,
    )
    del y_target
    estimator.classes_ = classes
    estimator._fit_objective(objective, objective.X, y, y_idx, sw)
    estimator._dask_passes = objective.n_passes
    return estimator


def _label_index(block, classes):
    return np.searchsorted(classes, block)


def _take(block, values):
    return values[block]


# ------------------------------------------------------------ predictions
def _decision_block(x, coef, intercept):
    scores = x @ coef.T + intercept
    return scores.reshape(-1) if scores.shape[1] == 1 else scores


def _proba_block(x, coef, intercept, log):
    z = _decision_block(x, coef, intercept)
    if z.ndim == 1:
        if log:
            return np.stack([log_expit(-z), log_expit(z)], axis=1)
        return np.stack([expit(-z), expit(z)], axis=1)
    return log_softmax(z, axis=1) if log else softmax(z, axis=1)


def _predict_block(x, coef, intercept, classes):
    z = _decision_block(x, coef, intercept)
    idx = (z > 0).astype(np.intp) if z.ndim == 1 else np.argmax(z, axis=1)
    return classes[idx]


def _map_rows(estimator, X, func, n_out, dtype, **kwargs):
    check_is_fitted(estimator)
    X = _check_X(estimator, X, reset=False)
    coef = np.asarray(estimator.coef_)
    intercept = np.asarray(estimator.intercept_)
    if n_out is None:
        chunks, drop = X.chunks[:1], 1
        meta = np.empty(0, dtype=dtype)
    else:
        chunks, drop = (X.chunks[0], (n_out,)), None
        meta = np.empty((0, 0), dtype=dtype)
    return X.map_blocks(
        func,
        coef=coef,
        intercept=intercept,
        dtype=dtype,
        chunks=chunks,
        drop_axis=drop,
        meta=meta,
        **kwargs,
    )


def _score_dtype(estimator, X):
    return np.result_type(X.dtype, np.asarray(estimator.coef_).dtype)


def decision_function(estimator, X):
    """Lazy z = X w + b for Dask X (n,) or (n, K)."""
    n_out = None if np.shape(estimator.coef_)[0] == 1 else np.shape(estimator.coef_)[0]
    return _map_rows(estimator, X, _decision_block, n_out, _score_dtype(estimator, X))


def predict_proba(estimator, X, log=False):
    """Lazy class probabilities (or their logs) for Dask X."""
    n_out = len(estimator.classes_)
    dtype = _score_dtype(estimator, X)
    return _map_rows(estimator, X, _proba_block, n_out, dtype, log=log)


def predict_log_proba(estimator, X):
    """Lazy log-probabilities for Dask X."""
    return predict_proba(estimator, X, log=True)


def predict(estimator, X):
    """Lazy predicted labels for Dask X."""
    classes = np.asarray(estimator.classes_)
    return _map_rows(estimator, X, _predict_block, None, classes.dtype, classes=classes)
