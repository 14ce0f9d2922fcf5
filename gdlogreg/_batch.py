"""Many problems at once: a batch of independent column groups, one pass over X for all.

A hyperparameter search fits G problems that share X and y and differ in
their penalty (C, l1_ratio), their constant step (``solver="gd"``) and their
sample weights (a cross-validation fold is a 0/1 mask on the weights). Their
parameters are the column groups of one matrix coef = [W; b] of shape
(d + fit_intercept, G·k), k = 1 for two classes and K for K classes, so that
an iteration computes ``X @ W`` and ``Xᵀ R`` once for all of them: matrix
products instead of G matrix-vector products. Everything else is column-wise
(:class:`gdlogreg._loss.GroupedLoss` for the loss): each group has its own
step sizes, its own stopping test (that of :mod:`gdlogreg._solver`), its own
loss curve; a group that converged, diverged or stalled leaves the batch, so
that an iteration costs less as the search proceeds.

Each group follows the path of its own single fit: the same coordinates
(standardized with its fold's weighted moments and its l2), the same first
step and the same step rule (Barzilai–Borwein with GLL's non-monotone line
search, as :class:`gdlogreg._steps.bb.BarzilaiBorwein`; a constant step with
the safeguard of :class:`gdlogreg._steps.constant.ConstantStep`), written
here over vectors of groups. Only the reductions are batched, so the iterates
agree with the single fits' to rounding.
"""

import math
from dataclasses import dataclass

import numpy as np

from ._loss import (
    DirectionCurvature,
    GroupedLoss,
    InterceptCurvature,
    Stable,
    intercept_decrements,
)
from ._objective import (
    FALL_PROBES,
    FALL_ROUNDING,
    Objective,
    Point,
    best_shift,
    dense_metric_applies,
    intercept_ray,
    intercepts_alone,
    least_weights,
    paid_start,
    standardized,
    weight_target,
)
from ._penalty import _relu
from ._problem import Identity, Problem
from ._solver import (
    CG_REFUSALS,
    DECREMENT_TOL,
    DIVERGENCE_FACTOR,
    FIRST_CHECK,
    GAP_SHARE,
    HALF,
    LOOSE_FACTOR,
    PENALTY_GAP,
    POLISH_STEPS,
    SHIFT_BISECTIONS,
    STALL_ITERS,
    Monitor,
    SupportAsks,
    at_rounding,
    curvature_factor,
    decrement_target,
    diagonal_falls,
    exact_due,
    falling,
    fresh_above,
    gradient_tol,
    next_scale,
    rounding_verdict,
    scale_room,
    scale_to_stop,
    separated,
    shift_step,
    stalled,
)
from ._steps._base import Drift, _start, eps, interpolated, vdot
from ._steps.bb import (
    CONFIRM,
    CONFIRMS,
    GROW,
    SHRINK,
    STALE_GAP,
    TAU,
    WHITEN_FIRST,
    WHITEN_RHO,
    BarzilaiBorwein,
    curvature_fall,
    decrement,
    diagonal_fell,
    exact_metric,
    fell,
    first_newton,
    held_diagonal,
    newton_point,
    newton_wait,
    next_wait,
    refusal_step,
    stale_metric,
    take_due,
    taken_ratio,
    upgrades,
    whitens,
)
from ._steps.lbfgs import ASIDE, L2_ONLY, LBFGS, MISFIT, SHORT, retake
from ._xp import astype, concat, to_host


# ------------------------------------------------------------------ the data
class ColumnPenalty:
    """½ l2 ‖w‖² + l1 ‖w‖₁ with its own (l2, l1) per column (see :mod:`gdlogreg._penalty`).

    ``l2``, ``l1``: numpy vectors over the m columns, already scaled (one
    :meth:`gdlogreg._penalty.ElasticNet.scaled` per group).
    """

    def __init__(self, l2, l1, xp, dtype, device=None):
        self.l2_host, self.l1_host = np.asarray(l2, float), np.asarray(l1, float)
        self.xp, self.dtype = xp, dtype
        self.has_l2 = bool(np.any(self.l2_host != 0.0))
        self.has_l1 = bool(np.any(self.l1_host != 0.0))
        self.l2_part = self.l2_host > 0.0  # columns whose flat gap bounds something
        self.free = (self.l2_host == 0.0) & (self.l1_host == 0.0)  # columns of no penalty
        kw = {"dtype": dtype} if xp is np else {"dtype": dtype, "device": device}
        self.l2 = xp.asarray(self.l2_host, **kw)  # in the data's dtype: float32 stays float32
        self.l1 = xp.asarray(self.l1_host, **kw)

    def subset(self, cols):
        return ColumnPenalty(
            self.l2_host[cols], self.l1_host[cols], self.xp, self.dtype, _device(self.l2)
        )

    def values(self, W):
        """P of each column, a numpy vector."""
        xp = self.xp
        total = np.zeros(W.shape[1])
        if self.has_l2:
            if isinstance(W, np.ndarray):
                sq = np.einsum("ij,ij->j", W, W, dtype=np.float64)
            else:
                sq = to_host(xp.sum(W * W, axis=0))
            total += 0.5 * self.l2_host * sq
        if self.has_l1:
            total += self.l1_host * to_host(xp.sum(xp.abs(W), axis=0))
        if self.free.any():  # weights beyond the float range: inf, as ElasticNet.value's
            finite = np.asarray(to_host(xp.all(xp.isfinite(W), axis=0)), dtype=bool)
            total[self.free & ~finite] = math.inf
        return total

    def gradient(self, W):
        return self.l2 * W if self.has_l2 else None

    def prox(self, W, step, weights):
        """Soft-thresholding by step·l1 (per column) times ``weights`` (d, m) or None."""
        if not self.has_l1:
            return W
        thresh = self.l1 * step if weights is None else (self.l1 * step) * weights
        return self.xp.sign(W) * _relu(self.xp.abs(W) - thresh, self.xp)

    def subgradient(self, G, W, weights):
        """Minimum-norm subgradient of each entry (see ElasticNet.subgradient)."""
        xp = self.xp
        if not self.has_l1:
            return xp.abs(G)
        l1 = self.l1 if weights is None else self.l1 * weights
        return xp.where(W != 0, xp.abs(G + l1 * xp.sign(W)), _relu(xp.abs(G) - l1, xp))


def _device(a):
    return getattr(a, "device", None)


class BatchTransform:
    """Per-column :class:`gdlogreg._problem.Standardization` maps, stacked; or the identity.

    ``D``, ``mean``: (d, m) arrays (column j holds its group's D and μ), or
    None for the original coordinates.
    """

    def __init__(self, D, mean, fit_intercept, xp, held=None, start_mean=None):
        self.D, self.mean, self.fit_intercept, self.xp = D, mean, fit_intercept, xp
        #: (d, m) booleans, the constant columns, and μ for a start there, their x̄:
        #: a start's weight on them goes to the intercept (Standardization.from_base)
        self.held, self.start_mean = held, start_mean

    @property
    def identity(self):
        return self.D is None

    def subset(self, cols):
        if self.D is None:
            return self
        return BatchTransform(
            _take_cols(self.D, cols, self.xp), _take_cols(self.mean, cols, self.xp),
            self.fit_intercept, self.xp,
            *(None if a is None else _take_cols(a, cols, self.xp)
              for a in (self.held, self.start_mean)),
        )

    def _cat(self, W, b):
        return W if b is None else concat([W, b], self.xp)

    def to_base(self, coef):
        """(W', b') -> (W, b): W = D W', b = b' - Σ μ W (per column)."""
        if self.D is None:
            return coef
        d, xp = self.D.shape[0], self.xp
        W = coef[:d, ...] * self.D
        b = None
        if self.fit_intercept:
            b = coef[d:, ...] - xp.sum(self.mean * W, axis=0, keepdims=True)
        return self._cat(W, b)

    def from_base(self, coef):
        """(W, b) -> (W', b'), a constant column's weight handed to the intercept."""
        if self.D is None:
            return coef
        d, xp = self.D.shape[0], self.xp
        W, b = coef[:d, ...] / self.D, None
        if self.fit_intercept:
            mean = self.mean if self.held is None else self.start_mean
            b = coef[d:, ...] + xp.sum(mean * coef[:d, ...], axis=0, keepdims=True)
            if self.held is not None:
                W = xp.where(self.held, xp.zeros_like(W), W)
        return self._cat(W, b)

    def grad_from_base(self, grad):
        """Tᵀ g: g'_W = D (g_W - μ g_b), g'_b = g_b."""
        if self.D is None:
            return grad
        d = self.D.shape[0]
        if not self.fit_intercept:
            return grad * self.D
        return self._cat(self.D * (grad[:d, ...] - self.mean * grad[d:, ...]), grad[d:, ...])


def _take_cols(A, cols, xp):
    """Columns ``cols`` of A (numpy, another namespace, or a Dask array)."""
    if hasattr(A, "dask"):
        return A[:, np.asarray(cols)]
    if isinstance(A, np.ndarray):
        out = A[:, cols]
        return np.asfortranarray(out) if A.flags.f_contiguous and not A.flags.c_contiguous else out
    return xp.take(A, xp.asarray(cols, device=_device(A)), axis=1)


@dataclass
class BatchPoint:
    """An iterate of every group: coef, J per group (numpy), the gradient, the raw prediction."""

    coef: object
    J: np.ndarray
    grad: object
    z: object = None


class BatchObjective:
    """J of each group, in the coordinates of ``transform`` (see the module docstring).

    Parameters
    ----------
    backend : backend
        Holds X, the targets and the weight matrix S (n, F), one column per fold.
    loss : GroupedLoss
    penalty : ColumnPenalty
    transform : BatchTransform
        The coordinates the rules descend in.
    std : BatchTransform
        The standardized coordinates, where the stopping test measures.
    fit_intercept : bool
    """

    def __init__(self, backend, loss, penalty, transform, std, fit_intercept, groups=None):
        self.backend, self.loss, self.penalty = backend, loss, penalty
        #: each group's (ElasticNet, Standardization), for its single objective
        self.groups = groups
        self.T, self.std = transform, std
        self.fit_intercept = fit_intercept
        self.xp = backend.xp
        self.dtype = backend.dtype
        self.n_features = backend.n_features
        self.k = loss.k
        self.n_groups = loss.n_groups
        self.curvature = loss.curvature

    @property
    def coef_shape(self):
        return (self.n_features + int(self.fit_intercept), self.n_groups * self.k)

    def columns(self, groups):
        """The columns of the groups ``groups`` (indices)."""
        if self.k == 1:
            return np.asarray(groups, dtype=np.intp)
        groups = np.asarray(groups, dtype=np.intp)
        return (groups[:, None] * self.k + np.arange(self.k)).ravel()

    def group_sum(self, per_column):
        """Per-column numbers (numpy, length m) summed over each group."""
        if self.k == 1:
            return per_column
        return per_column.reshape(self.n_groups, self.k).sum(axis=1)

    def column_dots(self, a, b):
        """Σ over rows of a ⊙ b for each column, summed over each group (numpy)."""
        if isinstance(a, np.ndarray):
            return self.group_sum(np.einsum("ij,ij->j", a, b).astype(np.float64))
        return self.group_sum(to_host(self.xp.sum(a * b, axis=0)))

    def group_max(self, A):
        """max over each group's columns of an array A (rows, m): a numpy vector."""
        top = to_host(self.xp.max(A, axis=0)) if A.shape[0] else np.zeros(A.shape[1])
        return top.reshape(self.n_groups, self.k).max(axis=1)

    def subset(self, groups):
        """The objective of the groups ``groups`` alone (their weights are copied)."""
        cols = self.columns(groups)
        be = self.backend
        # the weights in Z's layout (row-major for a sparse batch: _take_cols made them
        # column-major at the first shrink, and every block's products with them strided)
        backend = be.with_weights(_take_z(be.s, groups, self.xp))
        std = self.std.subset(cols)
        T = std if self.T is self.std else self.T.subset(cols)  # still the same map
        return BatchObjective(
            backend, GroupedLoss(self.loss.base, len(groups), self.k),
            self.penalty.subset(cols), T, std, self.fit_intercept,
            None if self.groups is None else [self.groups[g] for g in groups],
        )

    def group_objective(self, i):
        """The :class:`gdlogreg._objective.Objective` of group i alone (its single fit's)."""
        penalty, std = self.groups[i]
        be = self.backend
        problem = Problem(
            be.with_weights(_take_cols(be.s, [i], self.xp)[:, 0]), self.loss.base, penalty,
            fit_intercept=self.fit_intercept, n_columns=self.k, standardization=std,
        )
        return Objective(problem, std if self.T is self.std else Identity(self.fit_intercept))

    def whitening_starts(self, first, early):
        """Each group's first take from a cold start, as its single objective's
        :meth:`gdlogreg._objective.Objective.whitening_start` gives it where that has only
        ``first`` or the p × p metric's :func:`gdlogreg._objective.paid_start` to choose
        from (Dask: no factored metric), without a group's objective (it persists its
        weights there): the paid start where the metric of one column applies, the
        group's rows counted as its single fit counts them."""
        p, G, xp = self.coef_shape[0], self.n_groups, self.xp
        if not (early and self.k == 1 and self.T is self.std):
            return [first] * G
        rows = []  # the rows of positive weight of every group, counted once if asked

        def positive(i):
            if not rows:
                s = self.backend.s
                rows.append(np.broadcast_to(to_host(xp.sum(astype(s > 0, self.dtype, xp),
                                                           axis=0)), (G,)))
            return rows[0][i]

        return [paid_start(first, p) if penalty.smooth and dense_metric_applies(
                    p, penalty.total, lambda i=i: positive(i)) else first
                for i, (penalty, _) in enumerate(self.groups)]

    def zeros(self):
        return self.backend.zeros(self.coef_shape)

    def _weights(self, base):
        return base[: self.n_features, ...]

    def penalty_values(self, coef):
        """The penalty of each group at coef (this objective's coordinates)."""
        return self.group_sum(self.penalty.values(self._weights(self.T.to_base(coef))))

    def _grad(self, G, base):
        pen = self.penalty.gradient(self._weights(base))
        if pen is not None:
            d = self.n_features
            if isinstance(G, np.ndarray):
                G[:d, ...] += pen
            else:
                G = self.xp.concat([G[:d, ...] + pen, G[d:, ...]], axis=0)
        return self.T.grad_from_base(G)

    def pass_(self, coef, Z, gradient=True, V=None):
        """The point at coef whose raw prediction is Z (which it keeps): one fused pass.
        With ``V`` (original coordinates), at Z + X V, Z spent: moved by X V block by block
        in the pass where the backend can (``loss_pass``'s ``V``), the point's raw
        prediction in Z's memory."""
        value, U, G = self.backend.loss_pass(
            self.loss, Z, gradient=gradient, fit_intercept=self.fit_intercept,
            move=V is not None, V=V,
        )
        base = self.T.to_base(coef)
        J = np.asarray(value, dtype=np.float64) + self.group_sum(
            self.penalty.values(self._weights(base))
        )
        return BatchPoint(coef, J, self._grad(G, base) if gradient else None, U)

    def evaluate(self, coef, gradient=True):
        """Every group's point at coef: one ``X @ V``, one pass, one ``Xᵀ R``."""
        Z = self.backend.linear(self.T.to_base(coef), self.fit_intercept)
        return self.pass_(coef, Z, gradient=gradient)

    def settled(self, point, keep):
        """``point`` with the groups of ``keep`` (a mask) that have K classes and an L1
        part at the penalty's least over the shifts common to the classes, as each single
        fit's :meth:`gdlogreg._objective.Objective.settled`: J lower by the penalty's
        fall, the L2 part's gradient moved by l2·D²·c, the raw prediction kept (the
        softmax ignores the shift)."""
        k, d = self.k, self.n_features
        l1, l2 = self.penalty.l1_host[::k], self.penalty.l2_host[::k]
        groups = np.flatnonzero(keep & (l1 > 0.0)) if k > 1 else ()
        if not len(groups):
            return point
        W = to_host(point.coef[:d, ...])
        D = np.ones(W.shape) if self.T.D is None else to_host(self.T.D)
        pad, step = np.zeros(self.coef_shape), np.zeros(self.coef_shape)
        J = np.array(point.J, dtype=np.float64)
        for g in groups.tolist():
            cols = slice(g * k, (g + 1) * k)
            gap, c = best_shift(W[:, cols], D[:, g * k], l1[g], l2[g])
            if gap > 0.0:
                J[g] -= gap
                pad[:d, cols] = c[:, None]
                step[:d, cols] = (l2[g] * D[:, g * k] ** 2 * c)[:, None]
        if not pad.any():
            return point
        grad = point.grad
        if step.any() and grad is not None:
            grad = grad + self.backend.asarray(step)
        return BatchPoint(point.coef + self.backend.asarray(pad), J, grad, point.z)

    def raw(self, coef):
        """X W + b for coef in this objective's coordinates."""
        return self.backend.linear(self.T.to_base(coef), self.fit_intercept)

    def scaled_values(self, Z, lam):
        """J of each group at λ·coef, its raw prediction Z, without a penalty (λ one number
        per column): :meth:`Objective.scaled_value` of every group."""
        lam_cols = self.backend.asarray(lam - 1.0)
        value, _, _ = self.backend.loss_pass(Stable(self.loss), Z * lam_cols + Z)
        return np.asarray(value, dtype=np.float64)

    def shifted_values(self, coef, Z, D, t):
        """J of each group at coef + t·d for a direction d of the intercepts alone, Z and D
        their raw predictions (t one number per column): :meth:`Objective.ray_value` of
        every group."""
        value, _, _ = self.backend.loss_pass(Stable(self.loss), D * self.backend.asarray(t) + Z)
        return np.asarray(value, dtype=np.float64) + self.penalty_values(coef)

    def trial_values(self, coef, d, Z, D, lam):
        """J of each group at coef + λ·d, λ one number per column: O(n), nothing moves."""
        lam_cols = self.backend.asarray(lam)
        value, _, _ = self.backend.loss_pass(self.loss, D * lam_cols + Z)
        return np.asarray(value, dtype=np.float64) + self.penalty_values(coef + lam_cols * d)

    def prox(self, coef, step):
        """Soft-thresholding of the weights by step (a number per column); b untouched."""
        if not self.penalty.has_l1:
            return coef
        d = self.n_features
        W = self.penalty.prox(coef[:d, ...], step, None if self.T.identity else self.T.D)
        return W if not self.fit_intercept else concat([W, coef[d:, ...]], self.xp)

    # ------------------------------------------------------ stopping measures
    def optimality(self, point):
        """Largest entry of each group's minimum-norm subgradient, standardized coordinates."""
        g, c = standardized(point, self.T, self.std, self.penalty.has_l1)
        d = self.n_features
        W = None if c is None else c[:d, ...]
        top = self.group_max(self.penalty.subgradient(g[:d, ...], W, self.std.D))
        if self.fit_intercept:
            top = np.maximum(top, self.group_max(self.xp.abs(g[d:, ...])))
        return top

    def flat_gap(self, point):
        """Each group's ½ Σ g'²/(l2·D²), g' its minimum-norm subgradient (see
        Objective.flat_gap); inf without an L2 part."""
        g, c = standardized(point, self.T, self.std, self.penalty.has_l1)
        d = self.n_features
        W = None if c is None else c[:d, ...]
        U = self.penalty.subgradient(g[:d, ...], W, self.std.D) / self.std.D
        sq = to_host(self.xp.sum(U * U, axis=0))
        part = self.penalty.l2_part
        with np.errstate(divide="ignore", invalid="ignore"):
            gap = np.where(part, 0.5 * sq / np.where(part, self.penalty.l2_host, 1.0), np.inf)
        return self.group_sum(gap)

    def flat_noise(self, levels):
        """Each group's :meth:`gdlogreg._objective.Objective.flat_noise` at its level."""
        D = np.asarray(to_host(self.std.D), dtype=np.float64).reshape(self.n_features, -1)
        with np.errstate(divide="ignore", over="ignore"):
            inv = np.broadcast_to(np.sum(1.0 / (D * D), axis=0), (self.n_groups * self.k,))
        part = self.penalty.l2_part
        lev = np.repeat(np.asarray(levels, dtype=np.float64), self.k)
        with np.errstate(over="ignore", invalid="ignore"):
            per_column = 0.5 * lev * lev * inv / np.where(part, self.penalty.l2_host, 1.0)
        return self.group_sum(np.where(part, per_column, 0.0))

    def curvature_shares(self, point):
        """Each group's ρ (see Objective.curvature_share), one O(n·m) pass."""
        return self.stop_curvatures(point)[0]

    def stop_curvatures(self, point):
        """``(ρ, H)``: each group's curvature share and each column's intercept curvature
        (see Objective.stop_curvature), one O(n·m) pass."""
        Z = point.z if point.z is not None else self.raw(point.coef)
        rows = InterceptCurvature(self.k, self.coef_shape[1])
        H, _, _ = self.backend.loss_pass(rows, Z)
        return rows.shares(H), np.asarray(H, dtype=np.float64)

    def gradient_decrements(self, point, V=None, misread=False):
        """Each group's :meth:`gdlogreg._objective.Objective.gradient_decrement` along its
        columns of V (the gradient without): one ``X @ V`` and one pass over the pair
        (Z, X V) (0 for a group with an L1 part)."""
        g = point.grad
        V = g if V is None else V
        gg = self.column_dots(g, V)
        base = self.T.to_base(V)
        U = self.backend.linear(base, self.fit_intercept)
        Z = point.z if point.z is not None else self.raw(point.coef)
        rows = DirectionCurvature(self.k, self.n_groups)
        q, _, _ = self.backend.loss_pass(rows, Z, U, None)
        pen = self.group_sum(self.penalty.values(base[: self.n_features, ...]))
        gHg = np.asarray(q, dtype=np.float64) + 2.0 * pen
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            out = np.where(gHg > 0.0, gg * gg / np.where(gHg > 0.0, gHg, 1.0), np.inf)
            t = np.where(gHg > 0.0, gg / np.where(gHg > 0.0, gHg, 1.0), 0.0)
        l1 = self.penalty.l1_host.reshape(-1, self.k)[:, 0] > 0.0
        t[~(np.abs(gg) > 0.0) | l1] = 0.0
        fall = self._falls_along(point, V, Z, U, t)  # (Objective.gradient_decrement's)
        out = np.where(fall > out, np.inf if misread else fall, out)
        out[~(np.abs(gg) > 0.0)] = 0.0
        out[l1] = 0.0
        return out

    def _falls_along(self, point, V, Z, U, t):
        """Each group's :meth:`gdlogreg._objective.Objective._fall_along`: how far J falls
        along -V (``U`` = X V) at t, 2t, 4t, ... while it falls (t one number per group, 0
        where none is probed)."""
        J0 = np.asarray(point.J, dtype=np.float64)
        best, active = J0.copy(), np.isfinite(t) & (t != 0.0)
        for _ in range(FALL_PROBES):
            if not active.any():
                break
            J = self.trial_values(point.coef, V, Z, U, np.repeat(np.where(active, -t, 0.0),
                                                                 self.k))
            active &= J < best
            best = np.where(active, J, best)
            t = 2.0 * t
        fall = J0 - best
        return np.where(fall > FALL_ROUNDING * eps(self.dtype) * np.abs(J0), fall, 0.0)

    def curvature_matvec(self, V):
        """H v per group for the Hessian bound (see Objective.curvature_matvec)."""
        base = self.T.to_base(V)
        be, k = self.backend, self.k
        if k == 1:  # the weights' columns are the groups'
            G = be.gram(base, self.fit_intercept)
        else:  # class by class: column c of every group at once
            parts = [be.gram(base[:, c::k], self.fit_intercept) for c in range(k)]
            G = self.xp.reshape(self.xp.stack(parts, axis=2), (base.shape[0], -1))
        return self._grad(self.curvature * G, base)


def group_decrements(objective, point, groups, V=None, misread=False):
    """:meth:`BatchObjective.gradient_decrements` of the groups at the places ``groups``
    (along their columns of V, the whole batch's; the gradient without): their columns
    alone."""
    if len(groups) < objective.n_groups:
        if V is not None:
            V = _take_cols(V, objective.columns(groups), objective.xp)
        point, objective = _group_point(objective, point, groups)
    return objective.gradient_decrements(point, V, misread)


def _group_point(objective, point, groups):
    """(point, objective) of the groups at the places ``groups`` alone."""
    xp, cols = objective.xp, objective.columns(groups)
    # an array's columns; a symbolic one (Dask's) is made again for them
    z = _take_cols(point.z, cols, xp) if hasattr(point.z, "shape") else None
    grad = None if point.grad is None else _take_cols(point.grad, cols, xp)
    return (BatchPoint(_take_cols(point.coef, cols, xp), point.J[groups], grad, z),
            objective.subset(groups))


def group_curvatures(objective, point, groups):
    """:meth:`BatchObjective.stop_curvatures` of the groups at the places ``groups``:
    one pass over their columns alone."""
    if len(groups) < objective.n_groups:
        point, objective = _group_point(objective, point, groups)
    return objective.stop_curvatures(point)


# --------------------------------------------------------------- step rules
def quantize(t):
    """:func:`gdlogreg._steps._base.quantize` of a vector of steps."""
    return 2.0 ** (np.round(8.0 * np.log2(t)) / 8.0)


class _Rule:
    """What the batched rules share: the step of each group, and their subsets."""

    #: state arrays indexed by group, sliced when groups leave the batch
    _state = ("step",)

    #: when z is made afresh (rules that move it as z + t·Xd; see _steps._base.Drift)
    _drift = None

    def __init__(self, learning_rate):
        """``learning_rate``: "auto", or the step of each group (a vector)."""
        self.auto = isinstance(learning_rate, str)
        self.step = None if self.auto else np.array(learning_rate, dtype=np.float64)

    #: Arrays of p × k that a group's iterates hold whatever the rule (coef, gradient,
    #: a trial's, the base coordinates' and their temporaries): 19.5 measured for "gd" on
    #: wide data, where they, not the n × k arrays, fill the budget (review 40).
    iterate_arrays = 20

    @classmethod
    def state_bytes(cls, p, k, itemsize):
        """Memory a group's iterates and state hold beyond the n × k arrays and its step
        sizes (p rows, k columns)."""
        return cls.iterate_arrays * p * k * itemsize

    def subset(self, keep):
        for name in self._state:
            setattr(self, name, getattr(self, name)[keep])
        if self._drift is not None:
            self._drift.subset(keep)
        return self

    def holds_metrics(self, n):
        """Whether each of the ``n`` groups holds a metric that confirms its stops (its
        single rule's ``holds_metric``): none here."""
        return np.zeros(n, dtype=bool)

    def cols(self, objective, per_group):
        """A per-group vector as one entry per column, in the backend's namespace."""
        return objective.backend.asarray(np.repeat(per_group, objective.k))


class _Metrics:
    """Each group's metric of whitened steps (bb's; L-BFGS's H₀), taken from its single
    objective: ``_P`` (an object array over the groups, None: the plain metric) and
    ``_at``, the iteration of each group's first take; K classes' blocks are taken at a
    retake once they cost what the iterations run did (both rules'; L-BFGS's not after a
    metric was set aside, as its single fit). ``class_rent``: the
    factored metric of K classes on each class's own block (bb's; not L-BFGS's H₀, as
    ``Objective._low_rank_metric``). ``diagonal``: H's diagonal where no H⁻¹ applies
    (both rules', as their single fits take it). ``early``: the p × p metric of one
    column first taken as soon as it is paid (bb's: ``Objective.whitening_start``)."""

    class_rent, diagonal, early = False, True, False

    def _start_metrics(self, objective, coef0):
        G = objective.n_groups
        self._P = np.full(G, None, dtype=object)
        self._curv = np.full((G, objective.k), np.nan)  # the columns' curvatures at a take
        self._fell_paid = np.zeros(G)  # the takes' price that diagonal_fell sent them to
        self._diag = np.full(G, None, dtype=object)  # the rows' curvature diagonal there
        # at once from a warm start (BarzilaiBorwein.start)
        warm = to_host(objective.xp.any(coef0 != 0, axis=0)).reshape(G, -1).any(axis=1)
        # else where its single fit takes it (Objective.whitening_start), from each group's
        # objective where a metric may wait for its price (the factored one, or the p × p
        # one between the two from a Gram kernel): one at a time, and on Dask, where each
        # persists its weights, only where the dense metric does not apply (review 31)
        be = objective.backend
        cold, gap = objective.whitening_starts(WHITEN_FIRST, self.early), [0] * G
        rows = hasattr(be, "centred_rows")
        if rows or hasattr(be, "centred_gram"):
            p = objective.coef_shape[0]
            for i in range(G):
                total = objective.groups[i][0].total
                if not rows and total is not None and dense_metric_applies(p, total, lambda: 0):
                    continue  # the dense metric's start, as whitening_starts gave it
                group = objective.group_objective(i)
                cold[i] = group.whitening_start(WHITEN_FIRST, self.early)
                # a take's cost in iterations where many (Objective.whitening_gap): there
                # the retakes follow at least that long after the last, as in single fits
                gap[i] = group.whitening_gap()
                del group
        self._at = np.array([0 if w else c for c, w in zip(cold, warm, strict=True)],
                            dtype=np.int64)
        self._gap = np.array(gap, dtype=np.int64)

    def holds_metrics(self, n):
        """BarzilaiBorwein.holds_metric of each group: a metric of a decrement held."""
        return np.array([P is not None and decrement(P) for P in self._P], dtype=bool)

    def _take(self, objective, point, groups):
        """Take the metric of each group of ``groups`` at ``point`` (:func:`metric_at`);
        returns those that took one (the others keep theirs)."""
        base = objective.T.to_base(point.coef)
        numpy = isinstance(point.z, np.ndarray)
        took = []
        for i in groups:
            cols = slice(i * objective.k, (i + 1) * objective.k)
            P = objective.group_objective(i).whitening(
                base[:, cols], point.z[:, cols] if numpy else None, self._P[i],
                self._spent(i), class_blocks=self.class_rent,
                diagonal=self.diagonal)
            if P is not None and P is not self._P[i]:  # (a diagonal one kept: no restart)
                self._P[i] = P
                took.append(i)
        return np.array(took, dtype=int)

    def _record(self, objective, point, took):
        """The columns' curvatures of the groups ``took`` that took a metric of a decrement
        (bb's and L-BFGS's takes: one pass over their columns)."""
        took = took[[decrement(self._P[i]) for i in took]] if len(took) else took
        if len(took):
            self._curv[took] = group_curvatures(objective, point, took)[1].reshape(
                len(took), objective.k)
            self._keep_diagonals(objective, point, took)

    def _keep_diagonals(self, objective, point, groups):
        """bb.held_diagonal of each group of ``groups`` at ``point``, for its metric just
        taken (its single fit's: K classes' blocks or mean only)."""
        if objective.k == 1:
            return
        base = objective.T.to_base(point.coef)
        for i in groups:
            self._diag[i] = held_diagonal(*self._group_at(objective, point, base, i),
                                          self._P[i])

    def _group_at(self, objective, point, base, i):
        """(group i's objective, its Point at ``point``: coef in its original coordinates,
        its raw prediction where on the host), for bb.held_diagonal and bb.diagonal_fell."""
        cols = slice(i * objective.k, (i + 1) * objective.k)
        z = point.z[:, cols] if isinstance(point.z, np.ndarray) else None
        return objective.group_objective(i), Point(None, None, None, z, base[:, cols])

    def _stale(self, objective, point, base, i):
        """Whether group i's held metric of K classes may not confirm its stop, as bb's
        (:func:`gdlogreg._steps.bb.upgrades`, :func:`gdlogreg._steps.bb.diagonal_fell`)."""
        if upgrades(objective.group_objective(i), self._P[i], self._spent(i)):
            return True
        if self._diag[i] is None:
            return False
        group, at = self._group_at(objective, point, base, i)
        fell = diagonal_fell(group, at, self._diag[i], self._spent(i), self._fell_paid[i])
        if fell:  # (as bb's _fell: the takes it sent the group to, counted)
            self._fell_paid[i] += group.blocks_take_price()
        return fell

    def _confirms(self, objective, point, groups, target, H, vetoed, metric_of, aside=None,
                  no_held=False):
        """:func:`gdlogreg._steps.bb.newton_confirms` of the groups at the places ``groups``
        (``target``: each one's; ``H``: their columns' curvatures, a row each; ``vetoed``:
        each group's refusals so far; ``metric_of()``: P g of the metrics held; ``aside``:
        the groups, a mask of all, whose metric was set aside, which take one at the stop,
        as :meth:`gdlogreg._steps.lbfgs.LBFGS.confirms`; ``no_held``: no held metric
        confirms, a take does, as bb's ``fresh``). Returns (whether each one's stop
        stands, whether a metric confirmed it, the groups that took a metric, those
        refused, which keep it: the others keep theirs, as their single fits)."""
        ok, none = np.ones(len(groups), dtype=bool), np.array([], dtype=int)
        metric = np.zeros(len(groups), dtype=bool)
        has = np.array([self._P[i] is not None and decrement(self._P[i]) for i in groups],
                       dtype=bool)
        fresh = np.zeros(len(groups), dtype=bool) if aside is None else aside[groups] & (
            np.array([self._P[i] is None for i in groups], dtype=bool))
        ok[fresh & (vetoed[groups] >= CONFIRMS)] = False  # their refusals spent
        fresh &= vetoed[groups] < CONFIRMS
        held = has & (vetoed[groups] < CONFIRMS)
        if not has.any():
            return self._confirm_taken(objective, point, groups, target, H, ok, metric,
                                       fresh, self._P.copy())
        Pg = metric_of()
        E = 0.5 * objective.column_dots(point.grad, Pg)
        fall = np.array([curvature_fall(self._curv[i], h) for i, h in zip(groups, H,
                                                                          strict=True)])
        # refusals spent: no take, the held metric's verdict (bb.spent_verdict: its
        # decrement times the fall, and J's curvature along P g)
        spent = has & ~held
        ok[spent] = E[groups][spent] * fall[spent] <= CONFIRM * target[spent]
        if ok[spent].any():
            where = np.flatnonzero(spent & ok)
            ok[where] = group_decrements(objective, point, groups[where], Pg,
                                         misread=True) <= target[where]
        if not held.any():
            return ok, metric, none, none
        # (a group whose take would be the whole class Hessian: that take decides, bb.upgrades)
        base = objective.T.to_base(point.coef) if objective.k > 1 else None
        upgrade = np.array([objective.k > 1 and held[j] and not exact_metric(
            self._P[i], objective.k) and self._stale(objective, point, base, i)
                            for j, i in enumerate(groups.tolist())], dtype=bool)
        small = held & ~upgrade & (E[groups] * fall <= CONFIRM * target) & ~np.asarray(
            no_held, dtype=bool)
        if small.any():  # and J's own curvature along P g (bb.along_metric)
            where = np.flatnonzero(small)
            small[where] = group_decrements(objective, point, groups[where], Pg,
                                            misread=True) <= target[where]
        metric[small] = True
        return self._confirm_taken(objective, point, groups, target, H, ok, metric,
                                   (held & ~small) | fresh, self._P.copy())

    def _confirm_taken(self, objective, point, groups, target, H, ok, metric, take, before):
        """:meth:`_confirms`' takes at the point of the groups ``take`` (a mask of
        ``groups``) and their verdicts, λ² and J's curvature along P g within the target
        (``before``: the metrics held, kept by the groups whose stop stands)."""
        none = np.array([], dtype=int)
        took = self._take(objective, point, groups[take])
        if not took.size:
            return ok, metric, took, none
        Pg = self._metric(objective, point.grad)
        E = objective.column_dots(point.grad, Pg)  # λ²
        place = np.searchsorted(groups, took)
        has = np.array([self._P[i] is not None and decrement(self._P[i]) for i in took],
                       dtype=bool)
        verdict = E[took] <= target[place]
        sel = np.flatnonzero(has & verdict)
        if sel.size:
            verdict[sel] = group_decrements(objective, point, took[sel], Pg) <= target[place][sel]
        ok[place] = verdict | ~has
        metric[place] = has & verdict
        refused = took[~ok[place]]
        self._P[took[ok[place]]] = before[took[ok[place]]]
        self._curv[refused] = H[np.searchsorted(groups, refused)]
        self._keep_diagonals(objective, point, refused)
        return ok, metric, took, refused

    def _spent(self, i):
        """The iterations group i's take may rent the class blocks for (its single fit's)."""
        return self._k

    def _metric(self, objective, q, fill=None):
        """P q for each group's metric (q's own columns where a group has none); with
        ``fill``, those groups' columns of ``fill`` (P q made already) instead."""
        if not any(P is not None for P in self._P):
            return q
        k = objective.k
        out = q.copy() if isinstance(q, np.ndarray) else objective.xp.asarray(q, copy=True)
        for i, P in enumerate(self._P):
            if P is not None:
                cols = slice(i * k, (i + 1) * k)
                out[:, cols] = P @ q[:, cols] if fill is None else fill[:, cols]
        return out


class BatchBB(_Metrics, _Rule):
    """:class:`gdlogreg._steps.bb.BarzilaiBorwein` for every group at once.

    Spectral steps (ABBmin) tried in GLL's non-monotone Armijo search (M = 10,
    c = 1e-4); the first trial is fused with the gradient at it. Returns with
    each new point a status per group: 0 going on, 1 a fixed point
    (converged), 2 no decrease possible (stalled).
    """

    memory, armijo, class_rent, early = 10, 1e-4, True, True
    zero_if_worse = BarzilaiBorwein.zero_if_worse  # (minimize_batch)
    _state = ("step", "_tau", "_short", "_memory", "_P", "_at", "_taken", "_gap", "_refused",
              "_falls", "_curv", "_diag", "_fell_paid", "_safe", "_dropped", "_newton_at",
              "_newton_wait")

    def start(self, objective, coef0):
        G = objective.n_groups
        if self.auto:
            c = objective.curvature
            p = objective.coef_shape[0]
            l2 = objective.penalty.l2_host.reshape(G, -1)[:, 0]
            self.step = quantize(1.0 / (c * p + np.minimum(l2, c)))
        self._tau = np.full(G, TAU)
        self._short = np.full((G, 3), np.inf)
        self._memory = np.full((G, self.memory), -np.inf)
        self._start_metrics(objective, coef0)  # each group's metric (bb's whitened steps)
        self._Pg = None  # (point, P g there): the last accepted point's (BarzilaiBorwein's)
        # the iteration each group last took it (none yet: the first is not held back)
        self._taken = -np.maximum(STALE_GAP, self._gap)
        self._refused = np.zeros(G, dtype=np.int64)  # BarzilaiBorwein.confirms's refusals
        self._falls = np.zeros(G, dtype=np.int64)  # ... and its takes where the steps fell
        self._safe = self.step.copy()  # the plain steps' first, where a metric is dropped
        self._dropped = np.full(G, np.inf)  # ... J where last dropped (BarzilaiBorwein's)
        self._k = 0
        self._drift = Drift(objective.dtype)  # when to undo the drift of z + t·Xd
        # the proximal Newton steps of the groups with an L1 part (BarzilaiBorwein's)
        self._newton_wait = np.full(G, np.inf)
        if self.auto and objective.penalty.has_l1 and objective.groups is not None:
            self._newton_wait[:] = [newton_wait(objective.group_objective(i)) for i in range(G)]
        self._newton_at = np.array([first_newton(w) for w in self._newton_wait])
        return objective.evaluate(coef0)

    def _newtons(self, objective, point):
        """{place: coef} of the groups whose proximal Newton step is due and lowers J
        (:meth:`BarzilaiBorwein._newton`'s, each from its single objective and point)."""
        out = {}
        for i in np.flatnonzero(self._k >= self._newton_at).tolist():
            group = objective.group_objective(i)
            # (its z made again: the batch's layout differs)
            new, kept = newton_point(group, group.evaluate(
                _take_cols(point.coef, objective.columns([i]), objective.xp)))
            self._newton_wait[i] = next_wait(self._newton_wait[i], kept)
            self._newton_at[i] = self._k + self._newton_wait[i]
            if new is not None:
                out[i] = new.coef
        return out

    def _whiten(self, objective, point, groups):
        """:meth:`BarzilaiBorwein._whiten` of the groups ``groups``, each its metric from
        its single objective."""
        if WHITEN_RHO > 0:
            groups = groups[objective.curvature_shares(point)[groups] >= WHITEN_RHO]
        took = self._take(objective, point, groups)
        self._restart(took)
        self._record(objective, point, took)

    def _restart(self, took):
        """BarzilaiBorwein._install's restart of the groups ``took``, in their new metric."""
        if took.size:
            self._Pg = None
            self._short[took], self._tau[took], self.step[took] = np.inf, TAU, 1.0
            self._memory[took] = -np.inf  # bb's restart of the non-monotone window

    def confirms(self, objective, point, groups, target, H, fresh=False):
        """:meth:`gdlogreg._steps.bb.BarzilaiBorwein.confirms` of the groups at the places
        ``groups`` (``target``: each one's; ``H``: their columns' curvatures, a row each;
        ``fresh``: no held metric confirms, a mask of them or one for all): (whether each
        one's stop stands, whether a metric confirmed it)."""
        ok, metric, took, refused = self._confirms(
            objective, point, groups, target, H, self._refused,
            lambda: self._metric_of(objective, point, point.grad), no_held=fresh)
        if took.size:
            self._Pg = None  # P g of the metrics held before
            self._taken[took] = self._k
        self._refused[refused] += 1
        self._restart(refused)
        return ok, metric

    def subset(self, keep):
        self._Pg = None  # the batch's point is another one now
        return super().subset(keep)

    def _metric_of(self, objective, point, q):
        """P q for a q whose metric groups' columns are point's gradient: from the P g
        that :meth:`_next_step` made where ``point`` is the point it accepted."""
        if self._Pg is not None and self._Pg[0] is point:
            return self._metric(objective, q, fill=self._Pg[1])
        return self._metric(objective, q)

    def update(self, objective, point):
        # a group that takes its Newton step takes no other this iteration (its state kept)
        jumps = self._newtons(objective, point)
        held = np.zeros(len(self.step), dtype=bool)
        held[list(jumps)] = True
        kept = (self.step[held], self._short[held], self._tau[held])
        has = np.array([P is not None for P in self._P])
        every = np.array([getattr(P, "every", np.inf) for P in self._P])
        exact = np.array([exact_metric(P, objective.k) for P in self._P], dtype=bool)
        since = self._k - self._taken
        stale = stale_metric(has, self.step, since, exact, every, self._gap, objective.k,
                             self._falls) & ~held
        groups = np.flatnonzero((whitens(self._k, self._at, self._gap, since) & ~held) | stale)
        if groups.size and self.auto:
            self._falls += stale & fell(self.step, objective.k)
            self._taken[groups] = self._k
            self._whiten(objective, point, groups)
        self._memory[:, :-1] = self._memory[:, 1:]
        self._memory[:, -1] = point.J
        t = self.cols(objective, self.step)
        q, Pq, d = self._direction(objective, point, t)
        qq = objective.column_dots(q, Pq)
        delta = -self.step * qq
        status = _stationary(objective, point, delta == 0.0)
        new, lam = self._search(objective, point, d, delta)
        status[(lam == 0.0) & (status == 0)] = 2
        lost = (lam == 0.0) & ~np.isfinite(new.J)
        if lost.any():  # λ = 0 along a direction that overflowed (a metric of spent
            # curvature): 0·inf is nan there; those groups stay where they began, as the
            # single fit's search ends (armijo.Armijo.update)
            new = objective.evaluate(_where_groups(objective, lost, point.coef, new.coef))
        self._k += 1
        if self._drift.due(objective.group_max(objective.xp.abs(new.coef))):
            new = objective.evaluate(new.coef)
        self.step = self._next_step(objective, point, new, Pq, qq, lam)
        # BarzilaiBorwein.update's stall in a metric: the metric dropped, the group where
        # it began (a pass at λ = 0), its plain steps from the safe first one
        lower = point.J < self._dropped - 64.0 * eps(objective.dtype) * np.abs(point.J)
        dropped = np.flatnonzero((status == 2) & lower & ~held & np.array(
            [P is not None for P in self._P]))
        if dropped.size:
            status[dropped], self._P[dropped], self._Pg = 0, None, None
            self._dropped[dropped] = point.J[dropped]
            self._short[dropped], self._tau[dropped] = np.inf, TAU
            self.step[dropped], self._memory[dropped] = self._safe[dropped], -np.inf
        if jumps:
            self.step[held], self._short[held], self._tau[held] = kept
            status, self._Pg = _jumped(objective, new, jumps, status), None
        return new, status

    def _direction(self, objective, point, t):
        """(q, P q, d) of every group: as the single fit's, -t·P g for a group without an
        L1 part (P its metric, or none), SpaRSA's prox step for a group with one. In a
        grid of l1_ratios, a pure L2 column takes g and its metric's P g, as its single fit,
        not the prox step's q = d / (-t) (CHANGELOG.md, "bb takes its metric after 10
        updates, and again where the steps show it stale; a grid of l1_ratios keeps each
        column's path")."""
        if not objective.penalty.has_l1:
            Pq = self._metric_of(objective, point, point.grad)
            return point.grad, Pq, -t * Pq
        d = objective.prox(point.coef - t * point.grad, t) - point.coef
        q = d / (-t)
        k = objective.k
        smooth = np.flatnonzero(objective.penalty.l1_host.reshape(-1, k)[:, 0] == 0.0)
        for i in smooth:  # q is this call's own: its groups without L1 take g
            q[:, i * k : (i + 1) * k] = point.grad[:, i * k : (i + 1) * k]
        Pq = self._metric_of(objective, point, q)
        for i in smooth:
            cols = slice(i * k, (i + 1) * k)
            d[:, cols] = -t[cols] * Pq[:, cols]
        return q, Pq, d

    def _accept(self, J, lam, delta, J_ref, slack):
        return J <= J_ref + self.armijo * lam * delta + slack

    def _search(self, objective, point, d, delta):
        """The accepted point of every group and its λ (0 where none was found): the
        unit step first (:func:`_unit_step_first`), then halving for the groups that
        refuse it."""
        J_ref = self._memory.max(axis=1)
        slack = 32.0 * eps(objective.dtype) * np.abs(J_ref)

        def backtrack(sub, ray, refused, J):
            return self._backtrack(sub, *ray, delta[refused], J_ref[refused], slack[refused])

        return _unit_step_first(
            objective, point, d, lambda J: self._accept(J, 1.0, delta, J_ref, slack), backtrack)

    def _backtrack(self, objective, coef, d, Z, D, delta, J_ref, slack):
        """λ in {½, ¼, ...} of each group, the first that passes the test (0: none)."""
        lam, pending = np.full(len(delta), 0.5), np.ones(len(delta), dtype=bool)
        while pending.any():
            J = objective.trial_values(coef, d, Z, D, np.repeat(lam, objective.k))
            pending &= ~self._accept(J, lam, delta, J_ref, slack)
            failed = pending & (lam < 1e-10)
            lam[failed], pending[failed] = 0.0, False
            lam[pending] *= 0.5
        return lam

    def _next_step(self, objective, point, new, q, qq, lam):
        """ABBmin per group (see BarzilaiBorwein.next_step); runs under the fit's errstate."""
        t = self.step
        y = new.grad - point.grad
        qy = -objective.column_dots(q, y)
        Py = y
        if any(P is not None for P in self._P):  # P y = P g' - P g (q), as the single fit's
            self._Pg = (new, self._metric(objective, new.grad))
            Py = self._metric(objective, y, fill=self._Pg[1] - q)
        yy = objective.column_dots(y, Py)
        ok = (qy > 0.0) & (yy > 0.0) & (yy < np.inf) & (qy < np.inf)
        t1 = lam * t * (qq / qy)
        t2 = lam * t * (qy / yy)
        # The last three short steps of the groups with a new one.
        if ok.all():
            self._short[:, :-1] = self._short[:, 1:]
            self._short[:, -1] = t2
        else:
            self._short[ok] = np.column_stack([self._short[ok, 1:], t2[ok]])
        short = ok & (t2 < self._tau * t1)
        out = np.where(ok, np.where(short, self._short.min(axis=1), t1), 2.0 * t)
        self._tau *= np.where(short, SHRINK, np.where(ok, GROW, 1.0))
        return quantize(np.clip(out, 1e-10, 1e10))


class BatchConstant(_Rule):
    """:class:`gdlogreg._steps.constant.ConstantStep` for every group at once.

    ``w := w - α·dw, b := b - α·db`` with each group's own α; under "auto"
    α = 1/L from a power iteration per group, halved for a group whose step
    raised J.
    """

    def start(self, objective, coef0):
        if self.auto:
            L = lipschitz(objective)
            with np.errstate(divide="ignore"):
                step = np.where((L > 0.0) & (L < np.inf), 1.0 / L, 1.0)
            self.step = np.where(step < np.inf, step, 1.0)
        return objective.evaluate(coef0)

    def update(self, objective, point):
        xp = objective.xp
        slack = 32.0 * eps(objective.dtype) * np.abs(point.J)
        alpha = self.step.copy()
        new = self._step(objective, point, alpha)
        while self.auto:
            rose = (new.J > point.J + slack) & (alpha >= 1e-12)
            if not rose.any():
                break
            alpha[rose] *= 0.5  # 1/L was too long for these groups
            again = self._step(objective, point, alpha)
            new = _merge(objective, new, again, rose)
        self.step = alpha
        if not self.auto:  # weights of inf may give a finite J: a divergence all the same
            finite = to_host(xp.all(xp.isfinite(new.coef), axis=0))
            new.J[objective.group_sum(finite) < objective.k] = math.inf
        return new, np.zeros(objective.n_groups, dtype=int)

    def _step(self, objective, point, alpha):
        a = self.cols(objective, alpha)
        coef = objective.prox(point.coef - a * point.grad, a)  # soft-thresholds w with L1
        return objective.evaluate(coef)


class BatchLBFGS(_Metrics, _Rule):
    """:class:`gdlogreg._steps.lbfgs.LBFGS` for every group at once.

    Each group has its own pairs (s, y), its own H₀ scale and its own line
    search on the ray: the unit step is tried for every group in one fused
    pass; a group that refuses it interpolates on its own columns of Z and
    X d (at most three times, then it drops its pairs and searches along its
    gradient from a fresh pass). The pairs of all groups are stored together,
    one (p, m) array of s and of y an iteration, with ρ = 1/sᵀy per group (0
    where that group kept no pair then); a group uses its newest M entries
    with ρ ≠ 0, as its single fit keeps its newest M pairs. With ``"auto"`` steps each
    group's H₀ is γ P, P its metric of whitened steps (taken as the single fit takes it).
    """

    memory, armijo, trials = LBFGS.memory, LBFGS.armijo, LBFGS.trials
    zero_if_worse = LBFGS.zero_if_worse  # (minimize_batch)
    _state = ("step", "_t0", "_gamma", "_P", "_at", "_misfit", "_refused", "_fits", "_aside",
              "_gap", "_curv", "_diag", "_fell_paid", "_vetoed")

    @classmethod
    def state_bytes(cls, p, k, itemsize):
        """Memory of one group's pairs (s and y of 2M iterations: more only where groups
        skip pairs, sᵀy <= 0, for over M iterations and use older entries than the rest),
        and its iterates'."""
        return super().state_bytes(p, k, itemsize) + 4 * cls.memory * p * k * itemsize

    def start(self, objective, coef0):
        if objective.penalty.has_l1:
            raise ValueError(L2_ONLY)
        if self.auto:  # Armijo's safe first step from the trace bound, as LBFGS.start
            G, c, p = objective.n_groups, objective.curvature, objective.coef_shape[0]
            l2 = objective.penalty.l2_host.reshape(G, -1)[:, 0]
            self.step = quantize(1.0 / (c * p + np.minimum(l2, c)))
        self._t0 = self.step.copy()
        self._gamma = np.full(len(self.step), np.nan)  # sᵀy/yᵀPy of each group's newest pair
        self._pairs = []  # [s, y, ρ (a numpy vector over the groups)], oldest first
        self._width, self._xp = objective.k, objective.xp  # for subset: a group's columns
        self._start_metrics(objective, coef0)
        self._misfit = np.zeros(len(self.step), dtype=int)  # LBFGS._fit's count
        self._refused = np.zeros(len(self.step), dtype=int)  # ... its refusals' count
        self._fits = np.zeros(len(self.step), dtype=int)  # ... and LBFGS's _fits
        self._aside = np.zeros(len(self.step), dtype=int)  # ... and _aside
        self._vetoed = np.zeros(len(self.step), dtype=int)  # ... and the stops P refused
        self._k = 0
        self._drift = Drift(objective.dtype)  # when to undo the drift of z + t·Xd
        return objective.evaluate(coef0)

    def subset(self, keep):
        super().subset(keep)
        cols = (np.asarray(keep)[:, None] * self._width + np.arange(self._width)).ravel()
        for pair in self._pairs:
            pair[0], pair[1] = (_take_cols(a, cols, self._xp) for a in pair[:2])
            pair[2] = pair[2][keep]
        return self

    def _spent(self, i):
        """As LBFGS.update: no class blocks rented after a metric was set aside."""
        return 0 if self._aside[i] else self._k

    def _used(self):
        """Each entry's ρ where its group uses it (its newest M entries with ρ ≠ 0), else 0;
        entries no group uses are dropped (for good: a group's pairs only get newer)."""
        seen = np.zeros(len(self._t0), dtype=int)
        used = []
        for pair in reversed(self._pairs):
            rho = np.where(seen < self.memory, pair[2], 0.0)
            seen += pair[2] != 0.0
            used.append(rho)
        used.reverse()
        kept = [i for i, rho in enumerate(used) if rho.any()]
        self._pairs = [self._pairs[i] for i in kept]
        return [used[i] for i in kept]

    def _direction(self, objective, g):
        """-H g of every group by the two-loop recursion (LBFGS._direction, per group)."""
        q, alphas, used = g, [], self._used()
        for (s, y, _), rho in zip(reversed(self._pairs), reversed(used), strict=True):
            a = rho * objective.column_dots(s, q)
            alphas.append(a)
            q = q - self.cols(objective, a) * y
        has = np.array([P is not None for P in self._P])
        q = self._metric(objective, q) * self.cols(  # H₀ = γ P; P alone before a pair
            objective, np.where(np.isnan(self._gamma), np.where(has, 1.0, self._t0), self._gamma))
        for (s, y, _), rho, a in zip(self._pairs, used, reversed(alphas), strict=True):
            q = q + self.cols(objective, a - rho * objective.column_dots(y, q)) * s
        return -q

    def _clear(self, groups):
        """Drop the pairs of the groups ``groups`` (a mask)."""
        for pair in self._pairs:
            pair[2] = np.where(groups, 0.0, pair[2])
        self._gamma[groups] = np.nan

    def _whiten(self, objective, point):
        """LBFGS.update's takes of the metric, and the newest pair's γ in the new one."""
        groups = np.flatnonzero(whitens(self._k, self._at, self._gap))
        took = self._take(objective, point, groups) if groups.size and self.auto else ()
        self._record(objective, point, took)
        self._rescale(objective, took)

    def confirms(self, objective, point, groups, target, H, fresh=False):
        """:meth:`gdlogreg._steps.lbfgs.LBFGS.confirms` of the groups at the places
        ``groups``: whether each one's stop stands and whether a metric confirmed it (a
        refused one's H₀ the metric taken; ``fresh``: as BatchBB's)."""
        ok, metric, _, refused = self._confirms(
            objective, point, groups, target, H, self._vetoed,
            lambda: self._metric(objective, point.grad), aside=self._aside > 0,
            no_held=fresh)
        self._vetoed[refused] += 1
        self._rescale(objective, refused)
        return ok, metric

    def holds_metrics(self, n):
        """LBFGS.holds_metric of each group: a metric of a decrement held, or one set
        aside."""
        return np.array([decrement(P) if P is not None else a > 0
                         for P, a in zip(self._P, self._aside, strict=True)], dtype=bool)

    def _rescale(self, objective, took):
        """The newest pair's γ of the groups ``took`` in their new metric."""
        k, xp = objective.k, objective.xp
        for i in took:
            if np.isnan(self._gamma[i]):
                continue
            cols = slice(i * k, (i + 1) * k)
            s, y, rho = next(pair for pair in reversed(self._pairs) if pair[2][i] != 0.0)
            y = y[:, cols]
            yy = vdot(y, self._P[i] @ y, xp)
            self._gamma[i] = (1.0 / rho[i]) / yy if yy != 0.0 else np.inf

    def _fit(self, t, counted, refused):
        """LBFGS._fit of the groups ``counted`` (a step found along their metric's direction)
        and ``refused`` (that direction refused): set aside the metric of those whose steps
        it overshot (taken again after a back-off where it never fit, or went stale again)."""
        self._misfit = np.where(counted, np.where(t < SHORT, self._misfit + 1, 0), self._misfit)
        self._refused = np.where(refused, self._refused + 1, np.where(counted, 0, self._refused))
        fits = counted & (t >= SHORT) | (self._fits >= MISFIT)
        self._fits = np.where(counted | refused, np.where(fits, self._fits + 1, 0), self._fits)
        drop = (counted | refused) & (np.maximum(self._misfit, self._refused) >= MISFIT)
        if drop.any():  # backed off where it never fit, else until bb's schedule takes it
            self._P[drop], self._misfit[drop], self._refused[drop] = None, 0, 0
            off = drop & ((self._fits < MISFIT) | (self._aside >= ASIDE))
            self._at[off] = retake(self._k, self._aside[off])
            self._aside[drop] += 1
            self._clear(drop)

    def update(self, objective, point):
        self._whiten(objective, point)
        g = point.grad
        d = self._direction(objective, g)
        slope = objective.column_dots(g, d)
        fresh = np.isnan(self._gamma)
        bad = ~(slope < 0.0)
        # a metric's direction refused is retried along the gradient, its first too
        # (LBFGS.update: a far warm start's metric)
        metric = np.array([P is not None for P in self._P]) & ~bad
        if bad.any():  # no descent direction (or nan): start the pairs again
            self._clear(bad)
            fresh = fresh | bad
            d = _where_groups(objective, bad, -self.cols(objective, self._t0) * g, d)
            slope = np.where(bad, objective.column_dots(g, d), slope)
        status = _stationary(objective, point, slope == 0.0)  # it stays there
        new, t, found = _ray_search(self, objective, point, d, slope, fresh)
        lost = ~found & (~fresh | metric)
        if lost.any():  # retry along the gradient from a fresh pass, pairs dropped
            self._clear(lost)
            g, d = _retry(self, objective, point, new, t, found, d, lost)
        status[~found & (status == 0)] = 2  # stalled: no decrease along the gradient
        s = self.cols(objective, t) * d
        y = new.grad - g
        sy, yy = objective.column_dots(s, y), objective.column_dots(y, self._metric(objective, y))
        ok = found & (sy > 0.0) & (sy < np.inf)
        if ok.any():
            with np.errstate(divide="ignore", invalid="ignore"):
                self._pairs.append([s, y, np.where(ok, 1.0 / sy, 0.0)])
                self._gamma = np.where(ok, sy / yy, self._gamma)
        self.step = np.where(found, t, self.step)
        has = np.array([P is not None for P in self._P])  # (a retry is no step of P's)
        self._fit(t, found & has & ~lost, lost & has)
        self._k += 1
        if self._drift.due(objective.group_max(objective.xp.abs(new.coef))):
            new = objective.evaluate(new.coef)
        return new, status


def _stationary(objective, point, still):
    """1 for the groups whose step moves nothing (``still``) at a stationary point, else 0:
    a step that only rounds to nothing (t·g below the weights' ulp, or a slope that
    underflowed) is no fixed point (as in the single rules)."""
    if not still.any():
        return np.zeros(len(still), dtype=int)
    return np.where(still & (objective.optimality(point) == 0.0), 1, 0)


def _where_groups(objective, groups, A, B):
    """A in the columns of the groups ``groups`` (a mask), B elsewhere."""
    xp, mask = objective.xp, np.repeat(groups, objective.k)
    if not isinstance(A, np.ndarray):  # numpy < 2's asarray has no device keyword
        mask = xp.asarray(mask, device=_device(A))
    return xp.where(mask, A, B)


def _unit_step_first(objective, point, d, passes, search):
    """The line search the batched rules share: ``(new, λ)``, λ = 0 where none was found.

    The unit step is one fused pass for every group; where the backend moves Z in
    place (numpy, several row blocks: ``moves_in_place``) Z moves by X d in that pass,
    block by block, as a single fit's likely trial moves (no array X d, no array Z + X d:
    two n × m arrays an iteration, which on many rows cost more than the loss; review 134,
    benchmarks/README.md, "The batch's passes on 100,000 rows of K classes"), point's raw
    prediction spent; else X d is made once and Z kept.
    The groups whose ``passes(J)`` is False run ``search(sub, ray, refused,
    J)`` on their own columns (``sub`` their objective, ``ray`` their
    (coef, d, Z, X d); Z made again as X coef where it moved, as a single fit puts back
    its refused trial's), which returns their λ, and then one pass at it (at 0,
    their point, where none was found).
    """
    Z = point.z
    moved = isinstance(Z, np.ndarray) and objective.backend.moves_in_place(
        objective.loss, Z.shape[1])
    if moved:
        new = objective.pass_(point.coef + d, Z, V=objective.T.to_base(d))
    else:
        D = objective.raw(d)  # X @ d, once per iteration for every group
        new = objective.pass_(point.coef + d, Z + D)  # Z and D are kept
    lam = np.ones(objective.n_groups)
    refused = np.flatnonzero(~passes(new.J))
    if len(refused):
        cols, xp = objective.columns(refused), objective.xp
        sub = objective.subset(refused)
        coef, dr = _take_cols(point.coef, cols, xp), _take_cols(d, cols, xp)
        ray = (coef, dr, sub.raw(coef), sub.raw(dr)) if moved else (
            coef, dr, _take_z(Z, cols, xp), _take_z(D, cols, xp))
        lam[refused] = search(sub, ray, refused, new.J[refused])
        coef, dr, Zr, Dr = ray
        lam_cols = sub.backend.asarray(np.repeat(lam[refused], sub.k))
        _merge_columns(objective, new, refused, sub.pass_(coef + lam_cols * dr, Dr * lam_cols + Zr))
    return new, lam


def _ray_search(rule, objective, point, d, slope, patient):
    """The line search of LBFGS._search for every group: ``(new, t, found)``.

    The unit step first (:func:`_unit_step_first`); the groups that refuse it
    try the minimiser of the quadratic through J0, the slope and J(t), at most
    ``rule.trials`` times (on down to t = 1e-10 where ``patient``, along the
    gradient). ``found`` is False where no step passed (those groups keep
    their point).
    """
    J0 = point.J
    slack = 32.0 * eps(objective.dtype) * np.abs(J0)  # rounding error of J

    def interpolate(sub, ray, refused, J):
        t, ok = _interpolate(rule, sub, ray, J0[refused], slope[refused], slack[refused], J,
                             patient[refused])
        return np.where(ok, t, 0.0)

    new, t = _unit_step_first(
        objective, point, d, lambda J: J <= J0 + rule.armijo * slope + slack, interpolate)
    return new, t, t > 0.0


def _interpolate(rule, objective, ray, J0, slope, slack, J, patient):
    """The steps t (and whether each passed) after a refused unit step (LBFGS._search)."""
    coef, d, Z, D = ray
    t = np.ones(len(J0))
    pending, found = np.ones(len(J0), dtype=bool), np.ones(len(J0), dtype=bool)
    k = 0
    while True:
        give_up = pending & ((t < 1e-10) | ((k == rule.trials) & ~patient))
        found &= ~give_up
        pending &= ~give_up
        if not pending.any():
            return t, found
        t = np.where(pending, interpolated(J0, slope, t, J), t)
        J = np.where(pending, objective.trial_values(coef, d, Z, D, np.repeat(t, objective.k)), J)
        pending &= ~(J <= J0 + rule.armijo * t * slope + slack)
        k += 1


def _retry(rule, objective, point, new, t, found, d, lost):
    """The groups ``lost`` (their quasi-Newton search failed) search along -t₀ g from a
    fresh pass at their point (LBFGS.update's retry), merged into ``new``, ``t``,
    ``found``; returns the gradient and direction each group's pair is taken from."""
    idx = np.flatnonzero(lost)
    cols, xp = objective.columns(idx), objective.xp
    sub = objective.subset(idx)
    here = sub.evaluate(_take_cols(point.coef, cols, xp))
    t0 = rule._t0[idx]
    d_sub = -sub.backend.asarray(np.repeat(t0, sub.k)) * here.grad
    slope = sub.column_dots(here.grad, d_sub)
    grad = here.grad
    moved, t_sub, ok = _ray_search(rule, sub, here, d_sub, slope, np.ones(len(idx), dtype=bool))
    _merge_columns(objective, new, idx, moved)
    t[idx], found[idx] = t_sub, ok
    g = _put_cols(_copy(point.grad, xp), cols, grad, xp)
    return g, _put_cols(_copy(d, xp), cols, d_sub, xp)


def _copy(A, xp):
    return A.copy() if isinstance(A, np.ndarray) else xp.asarray(A, copy=True)


def _merge(objective, into, other, groups):
    """``into`` with the groups ``groups`` (a mask) taken from ``other`` (same batch)."""
    idx = np.flatnonzero(groups)
    cols = objective.columns(idx)
    sub = BatchPoint(_take_cols(other.coef, cols, objective.xp), other.J[idx],
                     _take_cols(other.grad, cols, objective.xp),
                     _take_z(other.z, cols, objective.xp))
    return _merge_columns(objective, into, idx, sub)


def _merge_columns(objective, into, groups, sub):
    """``into`` with the groups ``groups`` (indices) replaced by the point ``sub`` of theirs."""
    cols, xp = objective.columns(groups), objective.xp
    into.coef = _put_cols(into.coef, cols, sub.coef, xp)
    into.grad = _put_cols(into.grad, cols, sub.grad, xp)
    into.z = _put_cols(into.z, cols, sub.z, xp)
    into.J[groups] = sub.J
    return into


def _put_cols(A, cols, B, xp):
    """A with its columns ``cols`` set to B's: in place on numpy, a new array elsewhere."""
    if isinstance(A, np.ndarray):
        A[:, cols] = B
        return A
    if hasattr(A, "coef"):  # a symbolic (Dask) raw prediction
        return type(A)(_put_cols(A.coef, cols, B.coef, np))
    index = np.arange(A.shape[1])
    index[cols] = A.shape[1] + np.arange(len(cols))
    both = xp.concat([A, B], axis=1)
    return xp.take(both, xp.asarray(index, device=_device(A)), axis=1)


def lipschitz(objective, n_iter=30, rtol=1e-3):
    """The power-iteration estimate of L for every group (see gdlogreg._steps._base.lipschitz).

    Each group starts from the single fit's start vector and stops when its
    own estimate settles, so each gets the L its single fit would get.
    """
    xp, k = objective.xp, objective.k
    shape = (objective.coef_shape[0], k)
    v = objective.backend.asarray(np.tile(_start(shape), (1, objective.n_groups)))
    lam = np.zeros(objective.n_groups)
    live = np.ones(objective.n_groups, dtype=bool)
    with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
        for _ in range(n_iter):
            top = objective.group_max(xp.abs(v))
            live &= (top > 0.0) & np.isfinite(top)
            if not live.any():
                break
            v = v / objective.backend.asarray(np.repeat(np.where(live, top, 1.0), k))
            norm = np.sqrt(objective.group_sum(to_host(xp.sum(v * v, axis=0))))
            v = v / objective.backend.asarray(np.repeat(np.where(live, norm, 1.0), k))
            Hv = objective.curvature_matvec(v)
            lam_new = objective.group_sum(to_host(xp.sum(v * Hv, axis=0)))
            settled = np.abs(lam_new - lam) <= rtol * np.abs(lam_new)
            lam = np.where(live, lam_new, lam)
            live &= ~settled
            v = Hv
            if not live.any():
                break
    return lam * (1.0 + rtol)


RULES = {"bb": BatchBB, "gd": BatchConstant, "lbfgs": BatchLBFGS}


# ------------------------------------------------------------------ the loop
@dataclass
class GroupResult:
    """What the descent of one group returns (coef in the original coordinates)."""

    coef: object
    n_iter: int
    loss_curve: np.ndarray
    converged: bool
    stop_reason: str
    step: float
    #: why the column's J has no minimum, where its single fit said (a search's fold short
    #: of a class, :func:`gdlogreg._search._one_result`); else the search's own test
    no_minimum: str | None = None


class BatchMonitor:
    """:class:`gdlogreg._solver.Monitor` for every group: records, tests, finishes groups.

    Loss curves, results and the best iterate of each group are kept on the
    host, indexed by the group's place in the whole search; the best iterate
    in the coordinates of the descent (each group's map T is fixed).
    """

    def __init__(self, n_groups, k, dtype, tol, max_iter, callback=None, confirm=None,
                 held=None):
        self.k, self.dtype = k, dtype
        self.confirm = confirm if eps(dtype) < 1e-10 else None  # Monitor's
        # Monitor's StopTakes of each group (float64): the rule's metrics held (``held(n)``),
        # and each group's refusals and the iteration its stops wait for
        self.held = held if eps(dtype) < 1e-10 else None
        self._price = np.full(n_groups, np.nan)  # (asked once)
        self._takes = np.zeros(n_groups, dtype=np.int64)
        self._refused = {}  # group: (λ²/target, opt, iteration) of its last refusal
        self._jump = {}  # group: its next point's coef, the classes' shift (Monitor.jump)
        self._polish = set()  # groups whose next point is a refused rounding stop's step
        self._polished = {}  # group: Monitor._polished
        self._asks = {}  # group: Monitor._asks (its penalty with an L1 part)
        self._exact_J = {}  # group: Monitor._exact_J
        self._take_price = {}  # group: Monitor._take_price
        self._cg_used = {}  # group: Monitor._cg_used
        self._cg_refused = {}  # group: Monitor._cg_refused
        self.warm = None  # each group's start is warm (minimize_batch sets it)
        self.tol = max(float(tol), 50.0 * eps(dtype))  # a numpy float16 tol underflows
        self.floor = 10.0 * eps(dtype)
        self.max_iter = max_iter
        self.callback = callback
        self.curves = [[] for _ in range(n_groups)]
        self.results = [None] * n_groups
        self.best_J = np.full(n_groups, np.inf)
        self.best_coef = None
        self.ref = (np.zeros(n_groups), np.zeros(n_groups))  # ‖g'(0)‖_∞ and J(0)
        # The previous iterate (objective, point without z, groups, flat-gap verdicts or
        # None): the second test looks back at it, as Monitor._gaps does.
        self._last = None
        self._flat = None  # this iterate's flat-gap verdicts, once computed
        # The gradient at which each group's certified test (Monitor's) runs next.
        self._next_check = np.full(n_groups, np.inf)
        self._next_exact = np.zeros(n_groups, dtype=int)  # Monitor's, of each group
        self._zero_grad, self._dual = {}, {}
        self._has_ref = False  # set by ``reference``, before the start if that is warm
        self._least = {}  # each group's least normalised row weight, once asked (C = inf)
        self._zero = {}  # each group's J's infimum 0 with a penalty, once asked
        self._target = {}  # each group's one target where it has one (weight_target)
        self._next_scale = np.ones(n_groups, dtype=int)  # Monitor's, of each group
        self._scaling = tol > 0.0  # Monitor's: tol=0, no scaling step
        self._scale_by = {}  # group: λ, its next step λ·coef (Monitor.scale_by)

    def reference(self, active, objective, zero, opt=None):
        """Set the scale of the test, (‖g'(0)‖_∞, J(0)), from ``zero``: every group's
        all-zero model (a warm start measures against it, as Monitor's ``ref``)."""
        opt = objective.optimality(zero) if opt is None else opt
        self.ref[0][active], self.ref[1][active] = opt, zero.J
        self._next_check[active] = FIRST_CHECK * self._grad_tol(objective) * opt
        for i, g in enumerate(active):
            self._zero_grad[g] = _take_cols(zero.grad, objective.columns([i]), objective.xp)
        self._has_ref = True

    def _grad_tol(self, objective):
        """Monitor's ``grad_tol`` of each group of ``objective`` (the default's where its
        penalty has an L1 part)."""
        return gradient_tol(self.tol, objective.penalty.l1_host[:: self.k] > 0.0)

    def _cols(self, groups):
        if self.k == 1:
            return groups
        return (np.asarray(groups)[:, None] * self.k + np.arange(self.k)).ravel()

    def record(self, k, active, objective, point):
        """Record iterate k of the groups ``active``; the reason each must stop (or None)."""
        J = point.J
        for g, value in zip(active.tolist(), J.tolist(), strict=True):
            self.curves[g].append(value)
        opt = objective.optimality(point)
        if k == 0 and not self._has_ref:  # the start (zeros) sets the scale of the test
            self.reference(active, objective, point, opt)
        reason = self._test(k, active, objective, point, J, opt)
        self._keep_best(active, objective, point, J, reason)
        if self.callback is not None and self.callback(k, active, J, opt):
            reason[reason == None] = "callback"  # noqa: E711 (an object array)
        return reason

    def _test(self, k, active, objective, point, J, opt):
        """Monitor._passes and the divergence test, per group."""
        grad_ref, J_ref = self.ref[0][active], self.ref[1][active]
        with np.errstate(divide="ignore", invalid="ignore"):
            shrink = np.where(J_ref > 0, np.sqrt(np.minimum(1.0, np.maximum(J, 0) / J_ref)), 1.0)
        grad_tol = self._grad_tol(objective)
        bound, floor = grad_tol * grad_ref * shrink, self.floor * shrink  # Monitor's
        self._flat = None
        # Monitor._passes' first tests (float32): None where neither decides
        decided = self._rounding_first(k, active, objective, point, opt, bound, floor)
        mask = decided != None  # noqa: E711 (an object array)
        passes = self._bound_passes(active, objective, point, opt, bound, floor) & ~mask
        H = {}  # the intercepts' curvatures of the groups that pass, from that same pass
        if passes.any():  # again with the bound of the rows' curvature (Monitor's)
            factor = np.ones(len(active))
            idx = np.flatnonzero(passes)
            factor[passes], H_cols = self._curvature_factors(objective, point, idx,
                                                             grad_tol[idx])
            H = dict(zip(idx.tolist(), H_cols.reshape(len(idx), self.k), strict=True))
            tight = factor < 1.0
            if tight.any():  # and, with an L2 part, a small flat gap here (Monitor's)
                again = self._bound_passes(
                    active, objective, point, opt, factor * bound, factor * floor)
                passes &= ~tight | (again & self._flat_where_tight(
                    active, objective, point, tight, factor * floor))
        for i in np.flatnonzero(passes):  # Monitor._confirmed's: J no longer falls
            passes[i] = not falling(self.curves[active[i]], self.tol, self.dtype)
        if passes.any():
            self._confirmed(k, active, objective, point, opt, floor, passes, H)
        passes[mask] = decided[mask].astype(bool)
        self._last = (objective, BatchPoint(point.coef, J, point.grad), active, self._flat)
        diverged = ~(np.isfinite(J) & np.isfinite(opt)) | (J > DIVERGENCE_FACTOR * (J_ref + 1.0))
        # Each group's certified test runs only where its gradient says the gap may be
        # near its target (Monitor._next_check, mirrored here for all groups at once).
        near = ~passes & ~diverged & ~mask & (opt <= self._next_check[active])
        for i in np.flatnonzero(near):
            passes[i] = self._gap_passes(k, active[i], i, objective, point, opt[i], bound[i])
            mon = self._dual.get(active[i])
            if mon is not None:
                self._next_check[active[i]] = mon._next_check
        reason = np.full(len(active), None, dtype=object)
        reason[k >= self.max_iter] = "max_iter"
        reason[passes] = "converged"
        scaled = self.scaling(active)  # tested as any; asked again at once (Monitor's)
        for g in active[scaled].tolist():
            del self._scale_by[g]
        self._next_scale[active[scaled]] = k
        sep = self._separated(active, objective, J, J_ref)
        scales = self._scales(k, active, objective, point, J_ref,
                              ~sep & ~diverged & (k < self.max_iter))
        reason[scales] = None  # their next step scales them to the stop (Monitor's)
        reason[sep] = "separated"
        reason[diverged] = "diverged"
        return reason

    def scaling(self, active):
        """Whether each group's next step is its scaled iterate (or, at the monitor's
        call, this iterate is)."""
        return np.array([g in self._scale_by for g in active.tolist()], dtype=bool)

    def scale_by(self, active):
        """λ of each group whose next step is λ·coef (Monitor.scale_by), 0 elsewhere."""
        return np.array([self._scale_by.get(g, 0.0) for g in active.tolist()])

    def _separated(self, active, objective, J, J_ref):
        """Monitor._separated of each group: without a penalty, J within tol of its
        infimum 0 on rows that a margin classifies (the rows' least weight asked once);
        with a penalty too where one class holds all the group's weight (asked once)."""
        free = objective.penalty.free.reshape(len(active), -1)[:, 0]
        near = J <= GAP_SHARE * self.tol * J_ref
        near &= free | self._infimum_zero_of(active, objective, near & ~free)
        if not near.any():
            return near
        return near & separated(J, J_ref, self.tol, self._least_of(active, objective, near))

    def _infimum_zero_of(self, active, objective, asked):
        """Whether J's infimum is 0 in each group with a penalty (False where not
        ``asked``): an intercept, one class holding all its weight (its target kept,
        :func:`gdlogreg._objective.weight_target`), asked of the weights once a group."""
        new = [i for i in np.flatnonzero(asked) if active[i] not in self._zero]
        if new:
            be = objective.backend
            one = np.atleast_1d(weight_target(be.s, be.targets, objective.xp, objective.dtype))
            for i in new:
                target = float(one[min(i, len(one) - 1)])
                self._zero[active[i]] = objective.fit_intercept and not math.isnan(target)
                self._target[active[i]] = target
        return np.array([self._zero.get(g, False) for g in active], dtype=bool)

    def _least_of(self, active, objective, asked):
        """The least normalised row weight of each group (0 where not ``asked``), asked of
        the weights once a group."""
        new = [i for i in np.flatnonzero(asked) if active[i] not in self._least]
        if new:
            least = np.atleast_1d(least_weights(objective.backend.s, objective.xp,
                                                objective.dtype))
            for i in new:
                self._least[active[i]] = float(least[min(i, len(least) - 1)])
        return np.array([self._least.get(g, 0.0) for g in active])

    def _scales(self, k, active, objective, point, J_ref, ask):
        """Monitor._scales of the groups ``ask`` without a penalty, where due: whether
        each group's iterate scaled by some λ passes the separated test (``_scale_by``)."""
        free = objective.penalty.free.reshape(len(active), -1)[:, 0]
        due = ask & (k >= self._next_scale[active]) & self._scaling
        out = np.zeros(len(active), dtype=bool)
        if not due.any() or point.z is None:
            return out
        shift = due & ~free & (point.J <= HALF * J_ref)
        if shift.any() and (shift := shift & self._infimum_zero_of(
                active, objective, shift)).any():
            out = self._shifts(k, active, objective, point, J_ref, shift)
        due &= free
        if not due.any():
            return out
        idx = np.flatnonzero(due)
        self._next_scale[active[idx]] = next_scale(k)
        least = self._least_of(active, objective, due)[idx]
        xp, cols = objective.xp, objective.columns(idx)
        sub, coef = objective.subset(idx), _take_cols(point.coef, cols, xp)
        Z = _take_z(point.z, cols, xp)

        def values(lam):  # J at λ·z: no product with X (the penalty is 0)
            return sub.scaled_values(Z, np.repeat(lam, sub.k))

        lam, _ = scale_to_stop(
            values, lambda J: separated(J, J_ref[idx], self.tol, least), point.J[idx],
            scale_room(sub, coef, len(idx)))
        for i, scale in zip(idx, lam, strict=True):
            if scale > 0.0:
                self._scale_by[int(active[i])] = float(scale)
                out[i] = True
        return out

    def _shifts(self, k, active, objective, point, J_ref, shift):
        """Monitor._shifts of the groups ``shift`` (a penalty, J's infimum 0): whether each
        one's iterate with its intercepts shifted along its ray passes the separated test
        for some shift; that iterate its next point (``_jump``), asked again at once."""
        idx = np.flatnonzero(shift)
        self._next_scale[active[idx]] = next_scale(k)
        least = self._least_of(active, objective, shift)[idx]
        xp, cols, k_ = objective.xp, objective.columns(idx), self.k
        sub, coef = objective.subset(idx), _take_cols(point.coef, cols, xp)
        # the weights at 0, where the infimum lies (Objective.ray_start)
        coef = intercepts_alone(coef, objective.n_features, sub.backend)
        Z = sub.raw(coef)
        d = intercept_ray(objective.loss.base, [self._target[int(active[i])] for i in idx],
                          sub.coef_shape, sub.backend)
        D, step = sub.raw(d), shift_step(least)

        def values(lam):  # J at the intercepts shifted: Z + t·D, no product with X
            return sub.shifted_values(coef, Z, D, np.repeat(step * np.log2(lam), k_))

        lam, _ = scale_to_stop(
            values, lambda J: separated(J, J_ref[idx], self.tol, least), point.J[idx],
            bisections=SHIFT_BISECTIONS)
        out = np.zeros(len(active), dtype=bool)
        for j, (i, scale) in enumerate(zip(idx, lam, strict=True)):
            if scale > 0.0:
                g, c = int(active[i]), slice(j * k_, (j + 1) * k_)
                self._jump[g] = coef[:, c] + float(step[j] * math.log2(scale)) * d[:, c]
                self._next_scale[g] = k + 1
                out[i] = True
        return out

    def _confirmed(self, k, active, objective, point, opt, floor, passes, H):
        """Monitor._confirmed of the groups that pass (``passes``, updated in place): the
        rule's Newton decrement (``confirm``) and the intercepts' (from their curvatures
        ``H``, a dict of the places that passed), each at most the certified test's
        target."""
        asked = [i for i in np.flatnonzero(passes & (opt > floor))
                 if not stalled(self.curves[active[i]], self.dtype)]
        rounding = self._rounding_confirms(k, active, objective, point, passes, asked)
        if self.confirm is not None and self.warm is not None:
            # Monitor._confirmed: a warm group's first iterate waits an iteration
            first = np.array([len(self.curves[active[i]]) == 1 and self.warm[active[i]]
                              for i in asked], dtype=bool)
            passes[np.array(asked, dtype=int)[first]] = False
            asked = [i for i, f in zip(asked, first, strict=True) if not f]
        if not asked:
            return
        asked = np.array(asked)
        target = GAP_SHARE * self.tol * point.J[asked]
        H_asked = np.stack([H[i] for i in asked.tolist()])
        metric = np.zeros(len(asked), dtype=bool)  # confirmed in the rule's metric
        # Monitor._confirmed's: the default tol's target where a take costs little
        fresh = self._fresh(k, active, objective, asked)
        strict = np.where(fresh.get("fresh", False), decrement_target(target, self.tol), target)
        if self.confirm is not None:
            passes[asked], metric = self.confirm(objective, point, asked, strict, H_asked,
                                                 **fresh)
        if rounding is not None:  # (not a metric's confirmation: the tests below ask too)
            passes[asked] = [v is not False for v in rounding(asked)]
        if self.held is not None:  # J's Hessian taken at the stop (Monitor's StopTakes)
            ok, taken = self._stop_takes(k, active, objective, point, asked, strict,
                                         passes[asked] & ~metric, opt)
            passes[asked] &= ok
            metric |= taken
        if self.confirm is not None or self.held is not None or rounding is not None:
            keep = passes[asked]
            asked, target, H_asked = asked[keep], target[keep], H_asked[keep]
            metric = metric[keep]
            if not len(asked):
                return
        if objective.fit_intercept:
            g = to_host(point.grad[objective.n_features:, ...])
            g = g.reshape(-1, self.k)[asked]
            floors = np.repeat(floor[asked], self.k)
            passes[asked] = intercept_decrements(g, H_asked, floors, self.k) <= target
            keep = passes[asked]
            asked, target, metric = asked[keep], target[keep], metric[keep]
        asked, target = asked[~metric], target[~metric]
        if len(asked):  # without a metric, the gradient's own direction (Monitor._confirmed)
            passes[asked] = group_decrements(objective, point, asked) <= target
            self._diagonals(k, active, objective, point, asked[passes[asked]],
                            target[passes[asked]], passes)

    def _diagonals(self, k, active, objective, point, asked, target, passes):
        """Monitor._diagonal_falls of the groups at the places ``asked`` (their targets
        ``target``): a group whose J falls beyond its share along the Newton step of
        conjugate gradients in X's coordinates is refused (``passes``, in place) and its
        next point is J's least there."""
        if not len(asked):
            return
        base = objective.T.to_base(point.coef)
        for i, t in zip(asked.tolist(), target.tolist(), strict=True):
            g = int(active[i])
            if self._cg_refused.get(g, 0) >= CG_REFUSALS:
                continue
            group, single = self._single(objective, point, i, base)
            refused, new, self._cg_used[g] = diagonal_falls(group, single, t, k,
                                                            self._cg_used.get(g, 0.0))
            if refused:
                passes[i] = False
                self._jump[g] = new
                self._cg_refused[g] = self._cg_refused.get(g, 0) + 1

    def _fresh(self, k, active, objective, asked):
        """Monitor._fresh of the groups at the places ``asked``: the keywords of the rule's
        ``confirms`` (``fresh``, a mask of them, where any; each group's price asked once,
        its single fit's)."""
        if not self.tol > DECREMENT_TOL:
            return {}
        for i in asked.tolist():
            if int(active[i]) not in self._take_price:
                self._take_price[int(active[i])] = objective.group_objective(
                    i).stop_take_price(support=False)
        fresh = fresh_above(self.tol, [self._take_price[int(active[i])] for i in asked], k)
        return {"fresh": fresh} if fresh.any() else {}

    def _rounding_confirms(self, k, active, objective, point, passes, asked):
        """Monitor._confirmed's float32 verdicts from the float64 gradient's decrement: of
        the groups that pass at J's rounding (``passes`` but not ``asked``), updated in
        place; and a function of the places ``asked`` giving theirs
        (:meth:`_rounding_stands`). None in float64."""
        if eps(self.dtype) < 1e-10:
            return None
        base = objective.T.to_base(point.coef)
        for i in np.setdiff1d(np.flatnonzero(passes), asked):
            passes[i] = self._rounding_stands(k, active, objective, point, i, base) is not False
        return lambda places: [self._rounding_stands(k, active, objective, point, i, base)
                               for i in places.tolist()]

    def _rounding_first(self, k, active, objective, point, opt, bound, floor):
        """Monitor._passes' first tests of each float32 group: a refused rounding stop's
        Newton step asked again at once (Monitor._rounding_stands), else, where J stalled
        with the gradient above ``bound`` and the floor, its stop at J's rounding
        (:func:`gdlogreg._solver.at_rounding`, on its single fit's schedule); each group's
        verdict, None where neither decides (an object array)."""
        out = np.full(len(active), None, dtype=object)
        if eps(self.dtype) < 1e-10:
            return out
        for i in np.flatnonzero(np.isin(active, list(self._polish))):
            verdict = self._rounding_stands(k, active, objective, point, i)
            out[i] = verdict if verdict is True or verdict is False else None
        above = (out == None) & (opt > np.maximum(bound, floor))  # noqa: E711
        base = None
        for i in np.flatnonzero(above & (k >= self._next_exact[active])):
            g = active[i]
            if not exact_due(self.dtype, k, self._next_exact[g], self.curves[g],
                             min(self.best_J[g], float(point.J[i]))):
                continue
            self._next_exact[g] = k + STALL_ITERS
            base = objective.T.to_base(point.coef) if base is None else base
            group, single = self._single(objective, point, i, base)
            passes, new, self._exact_J[g] = at_rounding(
                group, single, float(bound[i]), self.tol, k, self._exact_J.get(g),
                self._support_asks(objective, i, int(g)))
            if new is not None:
                self._jump[g] = new
                self._polish.add(int(g))
            if passes or new is not None:
                out[i] = passes
        return out

    def _single(self, objective, point, i, base):
        """(its objective, its point) of the group at place i, as its single fit has them
        (its z made again: the batch's layout differs; ``base``: the batch's original
        coefficients)."""
        xp, cols = objective.xp, objective.columns([i])
        return objective.group_objective(i), Point(
            _take_cols(point.coef, cols, xp), float(point.J[i]),
            _take_cols(point.grad, cols, xp), None, _take_cols(base, cols, xp))

    def _support_asks(self, objective, i, g):
        """Group g's :class:`gdlogreg._solver.SupportAsks` (at place i), made at its first
        ask; None without an L1 part (Monitor._asks)."""
        if not objective.groups[i][0].l1 > 0.0:  # (its penalty)
            return None
        return self._asks.setdefault(g, SupportAsks())

    def _rounding_stands(self, k, active, objective, point, i, base=None):
        """Monitor._rounding_stands of the group at place i: whether its float32 stop at
        J's rounding stands (None where no take applies); where refused, its next point is
        the Newton step, asked again at once."""
        g = int(active[i])
        asks = self._support_asks(objective, i, g)
        if asks is not None and k < asks.next:
            self._polish.discard(g)
            return False  # (Monitor._rounding_stands)
        base = objective.T.to_base(point.coef) if base is None else base
        group, single = self._single(objective, point, i, base)
        target = decrement_target(GAP_SHARE * self.tol * single.J, self.tol)
        verdict, new = rounding_verdict(group, single, target, k, asks=asks)
        if asks is not None:  # (Monitor._rounding_stands)
            verdict = asks.stands(verdict, new, k, self._polished.get(g, 0))
        elif verdict is False and self._polished.get(g, 0) >= POLISH_STEPS:
            verdict, new = None, None
        self._polish.discard(g)
        if new is not None and not verdict:
            self._jump[g] = new
            self._polish.add(g)
            self._polished[g] = self._polished.get(g, 0) + 1
        return verdict

    def _stop_takes(self, k, active, objective, point, asked, target, ask, opt):
        """:class:`gdlogreg._steps.bb.StopTakes` of the groups at the places ``asked``
        whose rule holds no metric, where ``ask``: (whether each one's stop stands, whether
        J's Hessian taken there confirmed it), each group on its single fit's schedule."""
        ok, taken = np.ones(len(asked), dtype=bool), np.zeros(len(asked), dtype=bool)
        ask = ask & ~self.held(len(active))[asked]
        if not ask.any():
            return ok, taken
        base = objective.T.to_base(point.coef)
        shifts = objective.k > 1 and objective.penalty.has_l1  # (Monitor.jump's case)
        for j in np.flatnonzero(ask):
            i, g = asked[j], active[asked[j]]
            waits = g in self._refused and not take_due(
                k, float(opt[i]), float(self._price[g]), int(self._takes[g]), self._refused[g],
                k >= self.max_iter)
            if waits and not shifts:  # (no group objective made: a copy of its weights)
                ok[j] = False
                continue
            group, single = self._single(objective, point, i, base)
            ok[j], taken[j] = (False, False) if waits else self._stop_take(
                k, g, group, single, float(target[j]), float(opt[i]))
            if not taken[j] and shifts and g not in self._jump and (
                    2.0 * group.class_shift_gap(single) > target[j]):
                ok[j] = False  # (Monitor._confirmed's)
                self._jump[g] = group.recentred(single.coef)
        return ok, taken

    def _stop_take(self, k, g, group, single, target, opt):
        """StopTakes.verdict of group g (its objective ``group``, its point ``single``)
        where no refusal's wait holds it: (whether its stop stands, whether J's Hessian
        taken there confirmed it)."""
        if np.isnan(self._price[g]) or group.penalty.l1 > 0.0:  # (StopTakes.verdict's)
            self._price[g] = group.stop_take_price(point=single)
        ratio = taken_ratio(group, single, target, k, float(self._price[g]))
        if ratio is None:
            return True, False
        self._takes[g] += 1
        if ratio > 1.0:
            self._refused[g] = (ratio, opt, k)
            step = refusal_step(group, single, k)  # (Monitor._confirmed's)
            if step is not None:
                self._jump[g] = step
        return ratio <= 1.0, ratio <= 1.0

    def jumps(self, active):
        """{place: coef} of the groups whose next point is their classes' shift or a refused
        stop's step (:func:`gdlogreg._steps.bb.refusal_step`), taken."""
        return {i: self._jump.pop(g) for i, g in enumerate(active.tolist()) if g in self._jump}

    def _bound_passes(self, active, objective, point, opt, bound, floor):
        """Monitor._bound_passes of every group: the first gradient test, or the second
        with a small flat gap here (computed once an iterate) and at the iterate before."""
        passes = opt <= np.maximum(bound, floor)
        loose = ~passes & (opt <= np.maximum(LOOSE_FACTOR * bound, floor))
        if loose.any():
            if self._flat is None:
                self._flat = objective.flat_gap(point) <= PENALTY_GAP * self.tol * point.J
            passes |= loose & self._flat & self._flat_before(active)
        return passes

    def _flat_where_tight(self, active, objective, point, tight, level):
        """Whether each group's flat gap is small here (computed once an iterate), no more
        than its rounding noise at the gradient's floor ``level``, or its J stalled; True
        where its penalty has no L2 part: the tight bound's second condition (Monitor's)."""
        part = objective.penalty.l2_part.reshape(len(tight), -1)[:, 0]
        if not (tight & part).any():
            return np.ones(len(tight), dtype=bool)
        gap = objective.flat_gap(point)
        if self._flat is None:
            self._flat = gap <= PENALTY_GAP * self.tol * point.J
        ok = ~part | self._flat | (gap <= objective.flat_noise(level))
        for i in np.flatnonzero(tight & ~ok):
            ok[i] = stalled(self.curves[active[i]], self.dtype)
        return ok

    def _curvature_factors(self, objective, point, groups, grad_tol):
        """curvature_factor of the groups at the places ``groups`` of the batch, from their
        curvature shares (as their single fits' Monitors, at their ``grad_tol``), and their
        columns' intercept curvatures: one pass over their columns."""
        rho, H = group_curvatures(objective, point, groups)  # (H: the intercepts' decrement's)
        return curvature_factor(rho, grad_tol), H

    def _flat_before(self, active):
        """The second test's verdict at the previous iterate of each group in ``active``
        (False at the first), computed now if that iterate did not need it."""
        if self._last is None:
            return np.zeros(len(active), dtype=bool)
        objective, point, before, verdict = self._last
        if verdict is None:
            verdict = objective.flat_gap(point) <= PENALTY_GAP * self.tol * point.J
        return verdict[np.searchsorted(before, active)]  # the batch only loses groups

    def _gap_passes(self, k, g, i, objective, point, opt, bound):
        """Group g's certified test (``Monitor._gap_passes``, on its single objective)."""
        mon = self._dual.get(g)
        if mon is None:
            view = objective.group_objective(i)
            if not view.has_dual:
                self._next_check[g] = -np.inf  # no penalty: no dual, never again
                return False
            mon = self._dual[g] = Monitor(view, self.tol, self.max_iter)
            mon.ref, mon._zero_grad = (self.ref[0][g], self.ref[1][g]), self._zero_grad.pop(g)
            mon._next_check = self._next_check[g]
        mon.k = k
        cols = objective.columns([i])
        xp = objective.xp
        here = Point(_take_cols(point.coef, cols, xp), float(point.J[i]),
                     _take_cols(point.grad, cols, xp))
        return mon._gap_passes(float(opt), here, float(bound))

    def _keep_best(self, active, objective, point, J, reason):
        better = (reason != "diverged") & (J < self.best_J[active])
        if not better.any():
            return
        if self.best_coef is None:
            self.best_coef = np.zeros((point.coef.shape[0], len(self.curves) * self.k))
        self.best_J[active[better]] = J[better]
        cols = objective.columns(np.flatnonzero(better))
        self.best_coef[:, self._cols(active[better])] = to_host(point.coef)[:, cols]

    def finish(self, g, i, objective, point, k, reason, step):
        """Finish group g, at place i of the batch, with ``reason``."""
        curve = self.curves[g]
        cols = objective.columns([i])
        coef = point.coef[:, cols] if isinstance(point.coef, np.ndarray) else _take_cols(
            point.coef, cols, objective.xp)
        converged = reason == "converged"
        if not converged and np.isfinite(self.best_J[g]) and (
            reason == "diverged" or curve[-1] > self.best_J[g]
        ):
            # Roll back to the best iterate, as Monitor.result does.
            coef = objective.backend.asarray(self.best_coef[:, self._cols([g])])
            curve.append(float(self.best_J[g]))
        self.results[g] = GroupResult(
            coef=to_host(objective.T.subset(cols).to_base(coef), np.dtype(coef.dtype.name)
                         if isinstance(coef, np.ndarray) else np.float64),
            n_iter=k, loss_curve=np.asarray(curve),
            converged=converged, stop_reason=reason, step=float(step),
        )


_STATUS = {1: "converged", 2: "stalled"}


def minimize_batch(objective, coef0, rule, *, max_iter=1000, tol=1e-5, callback=None):
    """Minimise every group's J by gradient descent from ``coef0`` (zeros: the textbook start).

    Returns a list of :class:`GroupResult`, one per group. ``callback(k,
    active, J, optimality)`` sees every iterate of the groups still in the
    batch (``active`` their indices); returning True stops them all. A warm
    start (``coef0`` not all zero, in the objective's coordinates) keeps the
    stopping test of a cold one: its scale is that of the all-zero model.
    """
    monitor = BatchMonitor(
        objective.n_groups, objective.k, objective.dtype, tol, max_iter, callback,
        getattr(rule, "confirms", None), rule.holds_metrics
    )
    active = np.arange(objective.n_groups)
    if bool(objective.xp.any(coef0 != 0)):  # as gdlogreg._solver.minimize: one more pass
        monitor.reference(active, objective, objective.evaluate(objective.zeros()))
        # (Monitor._confirmed: a warm group's first iterate waits for the confirmation)
        monitor.warm = to_host(objective.xp.any(coef0 != 0, axis=0)).reshape(
            objective.n_groups, -1).any(axis=1)
    point = rule.start(objective, coef0)
    if monitor.warm is not None and getattr(rule, "zero_if_worse", False):
        # a group whose warm start's J is above its all-zero model's starts there, as its
        # single fit (gdlogreg._solver.minimize, StepRule.zero_if_worse)
        worse = np.flatnonzero(~(np.asarray(point.J) <= monitor.ref[1]))
        if len(worse):
            cols = objective.columns(worse)
            zero = objective.xp.zeros_like(_take_cols(coef0, cols, objective.xp))
            point = rule.start(objective, _put_cols(_copy(coef0, objective.xp), cols, zero,
                                                    objective.xp))
    k = 0
    while len(active):
        reason = monitor.record(k, active, objective, point)
        done = reason != None  # noqa: E711 (an object array)
        for i in np.flatnonzero(done):
            monitor.finish(active[i], i, objective, point, k, reason[i], rule.step[i])
        objective, point, active = _shrink(objective, point, active, rule, ~done)
        if not len(active):
            break
        scale = monitor.scale_by(active)  # taken before the rule spends point's z
        jumps = monitor.jumps(active)
        held = _held_state(rule, jumps)
        new, status = rule.update(objective, point)  # w := w - α·dw, b := b - α·db
        _restore_state(rule, held)  # (a jumped group's rule as its single fit's: not updated)
        if scale.any():  # w, b := λ·w, λ·b in those groups instead (Monitor.scale_by)
            status = _scaled(objective, point, new, scale, status)
        new = _settled(objective, new, rule, status == 0, scale, jumps)
        if jumps:  # the classes' weights shifted in those groups instead (Monitor.jump)
            status = _jumped(objective, new, jumps, status)
        for i in np.flatnonzero(status):  # a fixed point, or stalled: it stops where it is
            monitor.finish(active[i], i, objective, new, k, _STATUS[status[i]], rule.step[i])
        k += 1
        objective, point, active = _shrink(objective, new, active, rule, status == 0)
    return monitor.results


def _held_state(rule, jumps):
    """The rule's state of the groups at the places of ``jumps`` ({place: coef}), copied
    before its update: a single fit whose next point is the monitor's jump takes no step
    of its rule there, and its rule's state (the spectral step, the memory) stays as it
    was; None without jumps."""
    if not jumps:
        return None
    idx = np.array(sorted(jumps), dtype=int)
    return idx, {name: np.array(getattr(rule, name)[idx], copy=True)
                 for name in rule._state if getattr(rule, name, None) is not None}


def _restore_state(rule, held):
    """Put back the state :func:`_held_state` copied (its groups' places unchanged)."""
    if held is None:
        return
    idx, saved = held
    for name, value in saved.items():
        getattr(rule, name)[idx] = value


def _settled(objective, new, rule, stepped, scale, jumps):
    """``new`` with the groups the rule stepped (not scaled, not jumped) at their classes'
    best common shift (:meth:`BatchObjective.settled`), as :func:`gdlogreg._solver.minimize`
    takes it: after an adaptive rule's step only (a float α keeps the lecture's path)."""
    if not rule.auto:
        return new
    stepped = stepped & ~scale.astype(bool)
    stepped[list(jumps)] = False
    return objective.settled(new, stepped)


def _scaled(objective, point, new, scale, status):
    """``new`` with the groups of ``scale`` > 0 at λ·coef (λ their scale) in place of their
    rule's step; the status of each group (0 for those)."""
    idx = np.flatnonzero(scale)
    cols, xp = objective.columns(idx), objective.xp
    sub = objective.subset(idx)
    lam = sub.backend.asarray(np.repeat(scale[idx], sub.k))
    _merge_columns(objective, new, idx, sub.evaluate(_take_cols(point.coef, cols, xp) * lam))
    return np.where(scale > 0.0, 0, status)


def _jumped(objective, new, jumps, status):
    """``new`` with the groups of ``jumps`` ({place: coef}) at their coef in place of their
    rule's step; the status of each group (0 for those)."""
    idx = np.array(sorted(jumps), dtype=int)
    sub = objective.subset(idx)
    _merge_columns(objective, new, idx, sub.evaluate(
        concat([jumps[i] for i in idx.tolist()], objective.xp, axis=1)))
    status = status.copy()
    status[idx] = 0
    return status


def _shrink(objective, point, active, rule, keep):
    """The batch without the groups that left it (not ``keep``)."""
    if keep.all():
        return objective, point, active
    groups = np.flatnonzero(keep)
    cols = objective.columns(groups)
    xp = objective.xp
    sub = objective.subset(groups)
    point = BatchPoint(
        _take_cols(point.coef, cols, xp), point.J[groups],
        _take_cols(point.grad, cols, xp), _take_z(point.z, cols, xp),
    )
    rule.subset(groups)
    return sub, point, active[groups]


def _take_z(Z, cols, xp):
    """Columns of a raw prediction in the backend's layout (class-major on numpy)."""
    if isinstance(Z, np.ndarray):  # in Z's own order (row-major for a sparse batch)
        if Z.flags.c_contiguous and Z.shape[1] > 1:
            # one copy: Z[:, cols] of a row-major Z is column-major, and copying it back
            # took as long again (benchmarks/README.md, "The sparse batch's row-major layout")
            return np.take(Z, cols, axis=1)
        return np.asfortranarray(Z[:, cols])
    if hasattr(Z, "coef"):  # a symbolic (Dask) raw prediction
        return type(Z)(Z.coef[:, cols])
    return _take_cols(Z, cols, xp)


def make_batch(backend, base_loss, k, *, penalties, standardizations, standardized,
               fit_intercept):
    """The batch objective of the groups whose weights are the columns of ``backend.s``,
    given each group's penalty (:class:`gdlogreg._penalty.ElasticNet`) and
    :class:`gdlogreg._problem.Standardization`.
    """
    xp = backend.xp
    loss = GroupedLoss(base_loss, len(penalties), k)
    penalty = ColumnPenalty(
        np.repeat([p.l2 for p in penalties], k), np.repeat([p.l1 for p in penalties], k),
        xp, backend.dtype, getattr(backend, "device", None),
    )
    D = xp.stack([xp.reshape(s.D, (-1,)) for s in standardizations for _ in range(k)], axis=1)
    mean = xp.stack([xp.reshape(s.mean, (-1,)) for s in standardizations for _ in range(k)],
                    axis=1)
    held = start = None
    if fit_intercept:  # the constant columns: a start's weight there goes to the intercept
        held = xp.stack([s.held for s in standardizations for _ in range(k)], axis=1)
        start = xp.stack([xp.reshape(s.start_mean, (-1,))
                          for s in standardizations for _ in range(k)], axis=1)
    std = BatchTransform(D, mean, fit_intercept, xp, held, start)
    T = std if standardized else BatchTransform(None, None, fit_intercept, xp)
    return BatchObjective(backend, loss, penalty, T, std, fit_intercept,
                          list(zip(penalties, standardizations, strict=True)))
