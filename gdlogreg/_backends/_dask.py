"""Dask backend: the kernels on ``dask.array`` data, chunk by chunk on a cluster.

X, the targets and the weights are persisted once (row chunks holding whole
rows). The parameters stay small numpy arrays on the client, and every kernel
is a sum over rows: one task per row chunk, next to its data, then a tree
reduction (:meth:`DaskBackend._map_reduce`); only the small sums come back.

Raw predictions are symbolic. Z = X W + b is linear in the parameters and the
solver only combines raw predictions linearly (a trial Z + t·D, Nesterov's
Za + β (Za - Zb)), so :meth:`DaskBackend.linear` returns an :class:`Affine`,
the parameters of Z, and Z is formed inside the tasks that need it. Nothing of
size n is stored besides the data, and every loss pass is one round trip; a
pass that needs the residual computes Xᵀ R in the same tasks.
"""

import functools
import math
import uuid

import numpy as np

from .._loss import _weightless_at_zero
from ._array import HostArrays, _block_moments, _origin
from ._array import _combine as _array_combine

# Fan-in of the reduction trees.
FAN_IN = 16
#: Bytes that the partial Grams of a pass (:meth:`DaskBackend.centred_gram`) may hold at
#: once: their chunks are added in lanes, each a chain that keeps its running sum and one
#: chunk's part (a tree held every chunk's (d + 1)² part: 537 MiB for 16 MiB of X at
#: d = 1,024 in 64 chunks; review 161), as many lanes as fit, 2 to LANES at most.
LANE_BYTES = 1 << 28
LANES = 8


# ---------------------------------------------------------------- per-chunk code
# Module-level functions: the tasks of a distributed cluster pickle them.


def _linear_block(x, coef):
    """Z = x W + b for one row chunk; b is coef's row after W's, where it has one (a
    pass of another loss on the same Z, ``value`` or the dual gap's, does not say)."""
    d = x.shape[1]
    z = x @ coef[:d]
    return z + coef[d] if coef.shape[0] > d else z


def _gradient_parts(x, r):
    """[Xᵀ r (row-major), Σ r] of one chunk."""
    return [np.ravel(x.T @ r), np.ravel(r.sum(axis=0))]


def _loss_block(x, t, s, *, loss, coef, gradient, weights):
    """Partial [loss] or [loss, Xᵀ R, Σ R] of one row chunk (the loss of gdlogreg._loss)."""
    z = _linear_block(x, coef)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        value, r = loss.terms(z, t, weights if s is None else s, np, gradient)
    value = np.atleast_1d(value)  # one loss, or one per group of a batch
    if not gradient:
        return value.astype(np.float64)
    return np.concatenate([value, *_gradient_parts(x, r)]).astype(np.float64)


def _exact_block(x, t, s, *, loss, coef, weights):
    """:func:`_loss_block`'s [loss, Xᵀ R, Σ R] with the chunk and its weights read in
    float64 (the in-memory backends' ``exact_gradient``: a float32 fit's gradient without
    its products' rounding)."""
    s = None if s is None else np.asarray(s, dtype=np.float64)
    return _loss_block(np.asarray(x, dtype=np.float64), t, s, loss=loss, coef=coef,
                       gradient=True, weights=weights)


def _gram_block(x, t, s, *, coef, weights, rows=None, at=None):
    """Partial [Aᵀ (w ⊙ A V)] of one row chunk (A = [X, 1]): w = s, or the rows' s·ρ
    of the loss-like ``rows`` at z = A·at (the curvature-weighted Gram)."""
    z = _linear_block(x, coef)
    w = weights if s is None else s
    if rows is None:
        w = w if isinstance(w, float) or w.ndim == 2 else w[:, None]
    else:
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            w = rows.terms(_linear_block(x, at), t, w, np, True)[1]
    with np.errstate(over="ignore", invalid="ignore"):
        r = z * w
    part = np.concatenate(_gradient_parts(x, r)).astype(np.float64)
    if isinstance(w, float) or np.all(np.isfinite(part)):
        return part
    # a row of weight 0 whose x·V overflowed: 0 times its inf is nan (review 67)
    return np.concatenate(_gradient_parts(x, _weightless_at_zero(r, w, np))).astype(np.float64)


def _class_gram_block(x, t, s, *, weights, at, mean, scale, rows):
    """``rows.gram_part`` of one row chunk (its rows (x - μ)·scale at z = A·at),
    flattened (the in-memory backends' ``class_gram``)."""
    with np.errstate(over="ignore", invalid="ignore"):
        A = (np.asarray(x, dtype=np.float64) - mean) * scale
    if s is not None:  # rows of weight 0 at 0: their inf (1e308 scaled) would be nan (review 67)
        A[s <= 0] = 0.0
    return rows.gram_part(A, _linear_block(x, at), weights if s is None else s[:, None],
                          np).ravel()


def _diagonal_block(x, t, s, *, weights, at, mean, scale, rows):
    """[Σ w a² (d), Σ w] of one row chunk's rows a = (x - μ)·scale at the rows' weights
    w = s·ρ at z = A·at (the in-memory backends' ``centred_diagonal``); for ``rows`` of m
    columns of weights (K classes' diagonals), the m columns at once, flattened
    ((d + 1)·m: the numpy kernel's Σ wᵀa²)."""
    with np.errstate(over="ignore", invalid="ignore"):
        A = (np.asarray(x, dtype=np.float64) - mean) * scale
    if s is not None:  # rows of weight 0 at 0: their inf (1e308 scaled) would be nan (review 67)
        A[s <= 0] = 0.0
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        w = rows.terms(_linear_block(x, at), t, weights if s is None else s, np, True)[1]
    m = getattr(rows, "n_weights", 1)
    w = np.asarray(w, dtype=np.float64).reshape(-1, m)
    if m > 1:
        A *= A
        return np.vstack([(w.T @ A).T, w.sum(axis=0)]).ravel()
    return np.append((w * A * A).sum(axis=0), w.sum())


def _chained(task, previous, *block):
    """``task(*block)`` added to ``previous``, the lane's sum so far (None at its start)."""
    part = task(*block)
    return part if previous is None else previous + part


def _centred_gram_block(x, t, s, *, weights, mean, scale, at=None, rows=None, cols=None):
    """[Σ w â âᵀ] of one row chunk, flattened ((d + 1)², float64), â = [(x - μ)·scale; 1]:
    w = s, or the rows' s·ρ at z = A·at (the in-memory backends' ``centred_gram``);
    ``cols``: x on those columns alone (``mean`` and ``scale`` already on them)."""
    with np.errstate(over="ignore", invalid="ignore"):
        # copied and centred in one pass (the columns gathered first)
        A = np.subtract(x if cols is None else np.take(x, cols, axis=1), mean,
                        dtype=np.float64)
        A *= scale
    w = weights if s is None else s
    if s is not None:  # rows of weight 0 at 0: their inf (1e308 scaled) would be nan (review 67)
        A[s <= 0] = 0.0
    if rows is not None:
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            w = rows.terms(_linear_block(x, at), t, w, np, True)[1]
    w = np.broadcast_to(np.asarray(w, dtype=np.float64).reshape(-1), (A.shape[0],))
    root = np.sqrt(w)
    A *= root[:, None]
    d = A.shape[1]
    G = np.empty((d + 1, d + 1))
    G[:d, :d] = A.T @ A
    G[d, :d] = G[:d, d] = root @ A
    G[d, d] = w.sum()
    return G.ravel()


def _scale_block(x, t, s, *, weights):
    """[max |x| (d), w, the row of largest weight w (d)] of one row chunk, over its rows
    of positive weight (a value on a row of weight 0 would shrink the others to
    underflow); zeros where it has none. Combined by :func:`_scale_combine`."""
    if s is not None and not np.all(s > 0):
        x, s = x[s > 0], s[s > 0]
    if not x.shape[0]:
        return np.zeros(2 * x.shape[1] + 1)
    j = 0 if s is None else int(np.argmax(s))
    top = np.maximum(np.max(x, axis=0), -np.min(x, axis=0))
    w = float(weights) if s is None else float(s[j])
    return np.concatenate([top, [w], x[j]]).astype(np.float64)


def _scale_combine(parts):
    """Combine :func:`_scale_block`'s parts: the largest |x|, the row of largest weight."""
    stacked = np.stack(parts)
    d = (stacked.shape[1] - 1) // 2
    best = stacked[int(np.argmax(stacked[:, d]))]
    return np.concatenate([stacked[:, :d].max(axis=0), best[d:]])


def _moments_block(x, t, s, *, origin, weights):
    """[Σ s, ref, mean - ref, Σ s (a - mean)²] of one row chunk, a = (x·h - r) / q for
    ``origin`` = (r, h, q) (:func:`._array._origin`), in float64: the in-memory
    backend's blocks (:func:`._array._block_moments`), in slices of cache size,
    combined by :func:`_moments_combine`'s update."""
    d = x.shape[1]
    rows = max(1, min(4096, (1 << 19) // max(d, 1)))
    s = float(weights) if s is None else s.astype(np.float64)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        part = _array_combine([
            _block_moments(x[i : i + rows], s, i, origin, np.float64)
            for i in range(0, x.shape[0], rows)
        ])
    return _pack(part, d)


def _pack(part, d):
    """A part of the moments (None: no weight) as one float64 vector."""
    if part is None:
        return np.zeros(1 + 3 * d)
    total, ref, rel, m2 = part
    return np.concatenate([[total], ref, rel, m2]).astype(np.float64)


def _moments_combine(parts):
    """Combine packed parts of the moments (Chan, Golub & LeVeque's update)."""
    d = (len(parts[0]) - 1) // 3
    unpacked = [None if p[0] == 0.0 else (float(p[0]), *np.split(p[1:], 3)) for p in parts]
    return _pack(_array_combine(unpacked), d)


def _combine(parts, n_sum):
    """Combine partial results: the first ``n_sum`` entries add up, the rest by max."""
    stacked = np.stack(parts)
    if n_sum >= stacked.shape[1]:
        return stacked.sum(axis=0)
    return np.concatenate([stacked[:, :n_sum].sum(axis=0), stacked[:, n_sum:].max(axis=0)])


def _encode_block(block, loss):
    return loss.encode(block, np)


def rows_like(a, rows):
    """A Dask array chunked like ``rows``, from a Dask or numpy array (1-D, or 2-D whole rows)."""
    import dask.array as da

    chunks = (rows,) if np.ndim(a) == 1 else (rows, -1)  # (n, G): a weight column per group
    if not hasattr(a, "dask"):
        return da.from_array(np.asarray(a), chunks=chunks)
    if tuple(a.chunks[0]) != tuple(rows):
        a = a.rechunk(chunks)
    return a


# ------------------------------------------------------------ raw predictions
class Affine:
    """A raw prediction Z = X W + b held as its parameters coef = [W; b] (numpy).

    Sums, differences and products with a scalar act on coef; Z itself is
    formed inside the tasks that use it.
    """

    __slots__ = ("coef",)
    __array_ufunc__ = None  # numpy scalars defer to the operators below

    def __init__(self, coef):
        self.coef = coef

    def __add__(self, other):
        return Affine(self.coef + other.coef)

    def __sub__(self, other):
        return Affine(self.coef - other.coef)

    def __mul__(self, scalar):
        """Times a number, or a vector of one number per column."""
        return Affine(self.coef * (float(scalar) if np.ndim(scalar) == 0 else scalar))

    __rmul__ = __mul__


class DaskBackend(HostArrays):
    """The backend's kernels (see :class:`gdlogreg._backends._array.ArrayBackend`) on Dask.

    Parameters
    ----------
    X : dask.array of shape (n_samples, n_features)
        float32 or float64; rechunked to whole rows and persisted.
    loss : loss object
        Its ``encode`` turns the class indices into the loss's targets.
    y_idx : dask.array of shape (n_samples,)
        Class index of each sample.
    s : dask.array of shape (n_samples,) or float
        Normalised weights, or one number for equal weights.
    """

    #: Dense row chunks: the p × p metric of wide X (up to MAX_WIDE_WHITENED coordinates)
    #: from :meth:`centred_gram`, as for host dense X (gdlogreg._objective's _wide_kind).
    _sparse = _csr = _sparse_rows = False

    def __init__(self, X, loss, y_idx, s):
        import dask
        from dask.base import get_scheduler

        X = X.rechunk({1: -1})
        rows = X.chunks[0]
        t = rows_like(y_idx, rows).map_blocks(_encode_block, loss=loss, dtype=np.intp)
        self.xp = np
        self.n_samples, self.n_features = X.shape
        self.dtype = np.dtype(X.dtype)
        uniform = isinstance(s, float)
        if uniform:
            self.X, self.targets = dask.persist(X, t)
            self.s, self._weights = s, s
        else:
            s = rows_like(s, rows).astype(self.dtype)
            self.X, self.targets, self.s = dask.persist(X, t, s)
            self._weights = None
        self._set_blocks()
        self._get = get_scheduler(collections=[self.X])
        self._passes = [0]  # shared with with_weights' copies

    @property
    def n_passes(self):
        """Passes over X so far (of this backend and its copies), for the tests and benchmarks."""
        return self._passes[0]

    def with_weights(self, s):
        """The same (persisted) data with other weights: (n, G) for a batch of G problems."""
        import copy

        import dask

        new = copy.copy(self)
        (new.s,) = dask.persist(rows_like(s, self.X.chunks[0]).astype(self.dtype))
        new._weights = None
        new._set_blocks()
        return new

    def _set_blocks(self):
        """The graph of the persisted data and the keys of each row chunk: every
        pass adds one task per chunk and a reduction tree to it."""
        uniform = self._weights is not None
        arrays = (self.X, self.targets) if uniform else (self.X, self.targets, self.s)
        self._graph = {}
        for a in arrays:
            self._graph.update(a.__dask_graph__())
        x_keys = [k[0] for k in self.X.__dask_keys__()]
        t_keys = self.targets.__dask_keys__()
        s_keys = [None] * len(t_keys) if uniform else [
            k[0] if isinstance(k, list) else k for k in self.s.__dask_keys__()  # (n, G): 2-D keys
        ]
        self._blocks = list(zip(x_keys, t_keys, s_keys, strict=True))

    def _map_lanes(self, func, part_bytes, **kwargs):
        """Σ of ``func(x, t, s, **kwargs)`` over the row chunks, on the cluster, in lanes:
        each a chain of chunks whose task adds its part to the lane's sum, so that a lane
        holds two parts at most (LANE_BYTES); the lanes' sums added at the end. One round
        trip."""
        self._passes[0] += 1
        name = f"gdlogreg-{func.__name__}-{uuid.uuid4().hex}"
        task = functools.partial(func, weights=self._weights, **kwargs)
        graph = dict(self._graph)
        lanes = int(min(LANES, max(2, LANE_BYTES // max(2 * part_bytes, 1))))
        last = [None] * lanes
        for i, block in enumerate(self._blocks):
            key = (name, 0, i)
            graph[key] = (_chained, task, last[i % lanes], *block)
            last[i % lanes] = key
        top = (name, 1, 0)
        graph[top] = (_combine, [k for k in last if k is not None], math.inf)
        return np.asarray(self._get(graph, top))

    def _map_reduce(self, func, n_sum=None, reduce=None, **kwargs):
        """Combine ``func(x, t, s, **kwargs)`` over the row chunks, on the cluster.

        One task per chunk, then a tree of :func:`_combine` tasks (fan-in
        ``FAN_IN``): the first ``n_sum`` entries of the partial results add up,
        the others are maxed (all added by default); or of ``reduce(parts)``
        tasks. One round trip.
        """
        self._passes[0] += 1
        name = f"gdlogreg-{func.__name__}-{uuid.uuid4().hex}"
        task = functools.partial(func, weights=self._weights, **kwargs)
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
                graph[key] = (_combine, group, n_sum) if reduce is None else (reduce, group)
        return np.asarray(self._get(graph, keys[0]))

    # --------------------------------------------------------------- kernels
    def linear(self, coef, fit_intercept, out=None):
        """Z = X W + b, symbolically: its parameters."""
        return Affine(np.array(coef))

    def _unpack(self, packed, m, fit_intercept):
        d = self.n_features
        G = packed[: d * m].reshape(d, m)
        if fit_intercept:
            G = np.concatenate([G, packed[d * m :].reshape(1, m)])
        return G.astype(self.dtype)

    def gram(self, V, fit_intercept, rows=None, Z=None):
        at = {} if rows is None else {"rows": rows, "at": Z.coef}
        packed = self._map_reduce(_gram_block, coef=np.array(V), **at)
        return self._unpack(packed, V.shape[1], fit_intercept)

    def class_gram(self, mean, scale, Z, rows):
        """Σ of ``rows.gram_part`` over the chunks (numpy float64, as the in-memory
        ``class_gram``): one pass."""
        packed = self._map_reduce(_class_gram_block, at=Z.coef, rows=rows,
                                  mean=np.asarray(mean, np.float64),
                                  scale=np.asarray(scale, np.float64))
        return packed.reshape(rows.shape(self.n_features + 1))

    def centred_gram(self, mean, scale, rows=None, Z=None, cols=None):
        """Σᵢ wᵢ âᵢ âᵢᵀ, âᵢ = [(xᵢ - μ)·scale; 1], w = s or the rows' s·ρ at Z (numpy,
        float64, (d + 1)²; ``cols``: on those columns alone), as the in-memory backends':
        one pass over the chunks, the chunks' Grams added in lanes (:meth:`_map_lanes`: a
        few parts held at once) (J's Hessian for the p × p metric and the support's
        Newton steps, where the in-memory fit takes them)."""
        at = {} if rows is None else {"rows": rows, "at": Z.coef}
        mean, scale = np.asarray(mean, np.float64), np.asarray(scale, np.float64)
        if cols is not None:
            at["cols"], mean, scale = np.asarray(cols), mean[cols], scale[cols]
        d = len(scale)
        return self._map_lanes(_centred_gram_block, 8 * (d + 1) ** 2, mean=mean, scale=scale,
                               **at).reshape(d + 1, d + 1)

    def centred_diagonal(self, mean, scale, rows=None, Z=None):
        """The diagonal of the curvature-weighted centred Gram (numpy float64, d + 1: Σ w
        a² and Σ w), as the in-memory backends': one pass over the chunks; for ``rows``
        of m > 1 columns of weights (K classes' diagonals) all m in that pass, (d + 1, m),
        where a pass a class cost K round trips (review 179)."""
        if rows is None:  # (at an iterate)
            return None
        h = self._map_reduce(_diagonal_block, at=Z.coef, rows=rows,
                             mean=np.asarray(mean, np.float64),
                             scale=np.asarray(scale, np.float64)).astype(np.float64)
        m = getattr(rows, "n_weights", 1)
        return h if m == 1 else h.reshape(-1, m)

    def combine(self, Za, Zb, beta):
        return Za + beta * (Za - Zb)

    def spends_direction(self, loss, m):
        """A pass never writes over its inputs here."""
        return False

    def moves_in_place(self, loss, m):
        return False

    def loss_pass(self, loss, Z, D=None, t=0.0, *, gradient=False, fit_intercept=True,
                  move=False, keep=None, V=None):
        """The loss at U = Z + t·D (Z + X V) in one pass, with Xᵀ R and Σ R in the
        same tasks (whatever ``keep`` says: one round trip)."""
        if V is not None:
            D, t = self.linear(V, fit_intercept), 1.0
        if D is None:
            U = Z
        elif t is None:  # the pair [Z, D]: both made in the tasks
            U = Affine(np.concatenate([Z.coef, D.coef], axis=1))
        else:
            U = Z + D if t == 1.0 else D * t + Z
        packed = self._map_reduce(
            _loss_block, loss=loss, coef=U.coef, gradient=gradient
        )
        groups = getattr(loss, "n_groups", None)  # a batch: one loss per group
        value = float(packed[0]) if groups is None else packed[:groups]
        rest = packed[1 if groups is None else groups :]
        if not gradient:
            return value, U, None
        return value, U, self._unpack(rest, U.coef.shape[1], fit_intercept)

    def in_float64(self, Z):
        """Z made in float64 in the tasks (float32 chunks times float64 parameters)."""
        return Affine(np.asarray(Z.coef, dtype=np.float64))

    def exact_gradient(self, loss, base, fit_intercept):
        """(the loss's value, [Xᵀ R; Σ R]) at the original coefficients ``base`` ((d + 1
        or d) × m, float64), the chunks read in float64, as the in-memory backends'
        ``exact_gradient`` (a float32 fit's stop checks; one pass)."""
        base = np.asarray(base, dtype=np.float64)
        d, m = self.n_features, base.shape[1]
        packed = self._map_reduce(_exact_block, loss=loss, coef=base)
        G = packed[1 : 1 + d * m].reshape(d, m)
        if fit_intercept:
            G = np.concatenate([G, packed[1 + d * m :].reshape(1, m)])
        return float(packed[0]), G

    def moments(self):
        """``(scale, mean, var)`` as in memory, in two passes over X: the scale (and a
        row of positive weight), then the chunks' moments of X shifted by that row and
        divided by the scale (:func:`._array._origin`), combined as the in-memory
        blocks are."""
        d = self.n_features
        packed = self._map_reduce(_scale_block, reduce=_scale_combine)
        scale = packed[:d].astype(self.dtype)
        scale = np.where(scale > 0, scale, np.ones_like(scale))
        origin = _origin(packed[d + 1 :], scale, np.float64)
        packed = self._map_reduce(_moments_block, reduce=_moments_combine, origin=origin)
        total, ref, rel, m2 = packed[0], *np.split(packed[1:], 3)
        if not total > 0.0:  # no row of positive weight (refused before a fit)
            return scale, np.zeros(d, dtype=self.dtype), np.zeros(d, dtype=self.dtype)
        mean = origin[0] / origin[2] + (ref + rel)
        return scale, mean.astype(self.dtype), (m2 / total).astype(self.dtype)
