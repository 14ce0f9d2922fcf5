"""The objective J = loss + penalty, as a function of the parameters coef = [W; b].

For coef of shape (d + fit_intercept, m) (W the weights, one column per
output; b the intercept row) and the raw prediction Z = X W + b,

    J(W, b) = Σᵢ sᵢ L(Zᵢ, yᵢ)  +  ½ l2 ‖W‖²  +  l1 ‖W‖₁      (Σ s = 1)

with the loss of :mod:`gdlogreg._loss`, the penalty of :mod:`gdlogreg._penalty`
and the data of a backend (:mod:`gdlogreg._backends`), all set up once by
:mod:`gdlogreg._problem`. The objective works in the coordinates of a
``transform`` (the original ones, or the standardized ones of
:class:`gdlogreg._problem.Standardization`).

What the solver sees:

- :meth:`Objective.evaluate`: a :class:`Point`, J and its gradient at coef:
  one ``X @ V`` and one ``X.T @ R``;
- :meth:`Objective.along`: a :class:`Ray`, φ(t) = J(coef + t·d) along a
  direction: ``X @ d`` once, then O(n) per trial, because Z is linear in coef;
- :meth:`Objective.extrapolate`: a Point at a + β (a - b) from two points,
  O(n) for its raw prediction (Nesterov);
- ``prox``, ``optimality``, ``flat_gap``, ``curvature_matvec``;
- ``dual_point`` and ``dual_divergence``: a certified bound on J - J*.

Nothing is kept between calls: what a later call needs is in the returned
Point or Ray. Buffers change hands explicitly: a Ray takes its Point's raw
prediction, and ``evaluate(coef, reuse=point)`` recycles an old Point's.
"""

import copy
import functools
import math
from dataclasses import dataclass
from functools import partial

import numpy as np
from scipy.linalg.blas import dsymv as _symv
from scipy.linalg.blas import dsyr2 as _syr2
from scipy.linalg.blas import dsyrk as _syrk
from scipy.linalg.lapack import dpotrf as _potrf

from ._backends._array import _stored_share, stored_sums
from ._backends._threads import scipy_blas_alone
from ._compat import convert_to_numpy
from ._dense import (
    _add_diagonal,
    _cho_solve,
    _coarse,
    _factor,
    _flat_decrement,
    _floor,
    _floor_of,
    _floored_decrement,
    _inverse,
    _kept,
    _symmetrized,
    l1_model_point,
    least_on_line,
)
from ._loss import (
    ClassCurvatures,
    ClassPairCurvature,
    CurvatureShare,
    DirectionCurvature,
    InterceptCurvature,
    RowGram,
    SoftmaxCurvature,
    Stable,
    intercept_decrements,
    probabilities,
)
from ._xp import amax, astype, concat, eps, to_host

# Whitened steps (:meth:`Objective.whitening`): for at most MAX_WHITENED coordinates,
# and at most a quarter of the rows, Σ of the sample weights (applying H⁻¹, p² a column,
# then costs at most a quarter of the products with X, n·p; a weight of 2 counts as two
# rows, as a repeated row would: the same fit, scikit-learn's sample-weight equivalence),
# or the rows of positive weight where more (weights scaled down: the same J, C scaled).
MAX_WHITENED, WHITENED_ROWS = 512, 4
# Where that p × p inverse does not apply (wide data: more coordinates than a quarter of the
# rows, or than MAX_WHITENED), H⁻¹ is factored in the rows instead (LowRankMetric, Woodbury's
# identity) for at most LOW_RANK_ROWS rows and LOW_RANK_ENTRIES entries of their centred copy:
# then applying it costs about two products with those rows a column, and taking it n²·p.
LOW_RANK_ROWS, LOW_RANK_ENTRIES = 1024, 1 << 22
# ... and more than LOW_RANK_FEW rows only where the coordinates are at least as many (a
# product with P then costs at most twice those with X: 2np + 2n² a column); with fewer
# than WHITENED_ROWS times as many, its first take waits until the iterations have cost
# what it does (:meth:`Objective.whitening_start`): a take costs n²·p/2 + n³/3, which the
# iterations it saves need not pay for, and the plain steps need not converge (review 24;
# benchmarks/README.md, "Many rows, p between n and 4n: the factored metric taken once paid
# for").
LOW_RANK_FEW = 256
# ... where the take's flops (dsyrk's Gram, dpotrf's Cholesky: BLAS 3) run at BLAS3_RATE
# times the rate of an iteration's (two matrix-vector products, BLAS 2, bound by memory):
# the low end of the rates at one thread, more with threads (benchmarks/README.md, "The
# first take of the factored metric"; review 43), so a fit the take cannot speed up costs
# 1 + BLAS3_RATE/r of its time at most, r the true rate. One column only: for K classes
# the metric is the mean of the Hessian's class blocks, and taken sooner it cost iterations
# (CHANGELOG.md, "The factored metric's first take priced by what it costs").
BLAS3_RATE = 2.0
# K classes take the Hessian's class blocks (ClassMetric) where that take costs at most
# CLASS_TAKE iterations, about what it saves (benchmarks/README.md, "The classes' own
# blocks"); later, at a retake, where it costs at most the iterations run so far (rent or
# buy: the mean block's fits that crawl get it; review 49). CLASS_TAKE = 0 keeps the mean
# block throughout.
CLASS_TAKE = 16
# Sparse X's class metric (Objective._sparse_class_take, review 68): the products of many
# columns against an iteration's few, per column; a sparse Gram's cost per pair of a row's
# stored entries, and per stored entry, in an iteration's flops.
SPARSE_TAKE_RATE, SPARSE_GRAM, SPARSE_ENTRY = 3.0, 4.0, 20.0
# and its K dense p × p blocks: a factor and inverse each (2p³, BLAS 3 at SPARSE_BLAS_RATE
# times a sparse iteration's flop rate) and their centring and copies (SPARSE_BLOCK an
# entry), which dominate a take of many classes (review 70; CHANGELOG.md, "Sparse X's class
# blocks from sparse Grams")
SPARSE_BLAS_RATE, SPARSE_BLOCK = 20.0, 16.0
# Between the p × p metric and the factored one (more rows than 256 and between a quarter
# of them and as many coordinates), a take costs tens of iterations: there it follows at
# least RENT times its cost after the last (Objective.whitening_gap), so that the takes
# cost at most a RENT-th of the iterations run and the fits that crawl without it still get
# it (benchmarks/README.md, "Between the two metrics").
RENT = 3
# Host X of more than MAX_WHITENED and at most MAX_WIDE_WHITENED coordinates (no more than
# its rows) takes that p × p metric too: CSR X (one-hot levels) once the iterations have
# cost RENT times its take (:meth:`Objective._wide_price`), H's diagonal until then. The
# diagonal or plain steps crawled there on one-hot panels at large C (benchmarks/README.md,
# "The p × p metric of wide X").
MAX_WIDE_WHITENED = 2048
# Beyond, an L1 fit's stop takes the Gram of the support's columns alone
# (Objective._support_columns_price; CSC X of unsorted rows too, from a sorted copy of
# those columns: H's columns by products had cost 2.5 iterations a column, review 209).
# From this many coordinates the p × p metric of X whose parameters are host numpy (numpy,
# scipy.sparse, Dask) is held as H's Cholesky factor (:class:`FactoredMetric`); below, as
# H⁻¹ (its product one numpy call, its take cheap).
FACTORED_FROM = 128
# The price's times in ns at one thread, measured on one-hot CSR sets by
# experiments/wide_take.py (benchmarks/README.md, "The p × p metric of wide X"): a take of
# one p × p block, its Cholesky p³/3 (K blocks' and their inverses 7p³/3) at WIDE_BLAS
# flops a ns and its Gram's p × p sums and centring WIDE_ENTRY a coordinate pair (and
# WIDE_PAIR per pair of a row's stored entries); an iteration, WIDE_STORED per stored
# entry and WIDE_ROW per row for each column (two sparse products; the loss and residual)
# and WIDE_FIXED.
WIDE_BLAS, WIDE_ENTRY, WIDE_PAIR = 40.0, 20.0, 0.5
WIDE_STORED, WIDE_ROW, WIDE_FIXED = 1.5, 12.0, 54e3
# Dense X of two classes takes it once the iterations have cost one take, and each later
# take RENT takes' iterations after the last; of K classes as CSR X.
# Its Gram's n·p² flops at WIDE_GRAM a ns and WIDE_COPY a stored entry for its centred
# blocks; an iteration WIDE_DENSE an entry and WIDE_COLUMN an entry for each column
# (measured on eight dense shapes: benchmarks/README.md, "Dense X of 513 to 2,048
# coordinates").
WIDE_GRAM, WIDE_COPY, WIDE_DENSE, WIDE_COLUMN = 60.0, 1.0, 0.35, 0.1
# The Gram of the support's columns alone (Objective._support_columns_price), in ns at one
# thread: sparse X SUPPORT_PAIR a pair of a row's stored entries on S (products, then added
# into S's |S| × |S|), dense X n·|S|² flops at SUPPORT_GRAM a ns (the columns gathered a
# block of rows at a time); the eigenvalues of a refusal SUPPORT_EIGH a |S|³ (0.27 to 0.53
# measured for |S| of 200 to 525); an L1 fit's iteration SUPPORT_COEF a coefficient beyond
# the WIDE_* model's (its vector work: 220 µs an iteration of 709 x 3,753 CSR, 640 µs of
# 372 x 2,759 in 3 classes); the |S|² sums, centring and symmetrizing SUPPORT_ENTRY an
# entry and the factors SUPPORT_BLAS flops a ns (48 ns and 15 at |S| = 1,181, movielens),
# as measured (benchmarks/README.md, "The support's Gram of its columns alone").
SUPPORT_PAIR, SUPPORT_GRAM, SUPPORT_EIGH, SUPPORT_COEF = 40.0, 20.0, 0.4, 40.0
SUPPORT_ENTRY, SUPPORT_BLAS = 50.0, 15.0
# The products of K columns with X and the rows (BLAS 3) run at SOLVE_RATE times the rate of
# the factored metric's triangular solves (BLAS 2, one pair for each of K blocks), as
# measured at one thread (benchmarks/README.md, "Wide data of K classes: each class's own
# block").
SOLVE_RATE = 4.0
# H's diagonal alone (Objective._diagonal_metric) only where it is at least MIN_CONDITION
# from a multiple of the identity, the standardization's metric: a diagonal is no Newton
# step, and a restart of the steps near it would cost iterations for nothing. (H⁻¹ itself
# is taken whatever its condition: near the optimum its steps are Newton's;
# benchmarks/README.md, "The p × p metric as soon as it is paid".)
MIN_CONDITION = 10.0
# The diagonal metric (Objective._diagonal_metric) is kept at a retake, and bb's steps go
# on, where no entry has moved by more than this factor since it was taken: each restart of
# the steps from 1 cost iterations (CHANGELOG.md, "The diagonal metric where no H⁻¹
# applies").
DIAGONAL_MOVE = 2.0
# The products of the bound's columns in chunks of at most this many entries of Z (or a
# sixteenth of X if larger): a temporary of X's size would double a fit's memory.
GRAM_ENTRIES = 1 << 20
# A stop's decrement along a direction v (Objective.gradient_decrement), (gᵀv)²/(vᵀHv),
# twice the fall of J's quadratic model along -v at its least, is checked against J
# itself there and at its doublings, at most FALL_PROBES, while J falls (O(n) each, X v
# made once): J convex, J - J* is at least the fall found. The model predicts half the
# decrement; where J falls by more than the whole of it, the model misreads J (a plateau
# whose curvature drops away from the point; review 190, benchmarks/README.md, "Plateaus
# in float64"), and a metric held since an earlier iteration may not confirm the stop: it
# is taken again at the point, whose own direction decides. Falls within FALL_ROUNDING ε J
# are J's rounding.
FALL_PROBES, FALL_ROUNDING = 20, 64.0
# A stop with an L1 part also asks J's fall along the directions where the rows' Gram
# curves within VALLEY of its largest eigenvalue (Objective._data_valleys): columns
# collinear but for the data's own rounding, a valley that the Hessian from that Gram reads
# as flat (gdlogreg._dense.FLAT) and the floor of its factor as curved. Its curvature is
# measured from the rows, where X @ u does not cancel; at most MAX_VALLEYS directions, each
# class's copy of each (CHANGELOG.md, "Valleys of the data's own rounding").
VALLEY, MAX_VALLEYS = 1e-10, 8


def least_weights(s, xp, dtype):
    """The least positive entry of the normalised weights s (a number where every row
    weighs the same; per column of a batch's (n, m) weights): a host float or vector."""
    if isinstance(s, float):
        return s
    # s <= 1 (normalised): 2 stands in for the rows of no weight
    return to_host(xp.min(s + 2.0 * astype(s <= 0, dtype, xp), axis=0))


def weight_target(s, t, xp, dtype):
    """The target (the loss's code of a class, a host float) that every row of positive
    weight s has (normalised; per column of a batch's (n, m) weights: a vector), NaN where
    rows of two targets weigh, or where every row weighs the same (y holds two classes at
    least)."""
    if isinstance(s, float):
        return math.nan
    t = astype(t, dtype, xp)
    if s.ndim == 2:
        t = xp.reshape(t, (-1, 1))
    pos = s > 0
    # (full_like: on t's device, where an array API namespace puts the data)
    hi = to_host(xp.max(xp.where(pos, t, xp.full_like(t, -1e30)), axis=0))
    lo = to_host(xp.min(xp.where(pos, t, xp.full_like(t, 1e30)), axis=0))
    return np.where(hi == lo, hi, np.nan).astype(np.float64)


def one_target(s, t, xp, dtype):
    """Whether the rows of positive weight s (normalised; per column of a batch's (n, m)
    weights) all have one target t (the loss's encoded targets, (n,)): one class holds
    all the weight, so that with an intercept J's infimum is 0 whatever the penalty (w = 0
    and that class's intercept without bound; :func:`weight_target`). A host bool or
    vector; False where every row weighs the same."""
    return ~np.isnan(weight_target(s, t, xp, dtype))


def intercept_ray(loss, targets, shape, backend):
    """The direction (shaped ``shape`` = (d + 1, G·m): an intercept, G groups of m columns)
    that moves each group's intercepts toward its one target of ``targets`` (a host float a
    group, :func:`weight_target`; NaN: none, 0 there) along ``loss.toward``, 0 on the
    weights: J falls along it to its infimum 0. In ``backend``'s namespace and dtype."""
    m = shape[1] // len(targets)
    row = np.concatenate([np.zeros(m) if math.isnan(c) else loss.toward(c, m)
                          for c in targets])
    return concat([backend.zeros((shape[0] - 1, shape[1])), backend.asarray(row[None, :])],
                  backend.xp)


def intercepts_alone(coef, d, backend):
    """coef (d weights' rows, then the intercepts') with its weights at 0: where J's
    infimum is 0 it lies there (:meth:`Objective.ray_start`)."""
    return concat([backend.zeros((d, coef.shape[1])), coef[d:, ...]], backend.xp)


def least_along(value, J, t):
    """``(t, J(t))`` at the least found of a convex ``value(t)`` (J at t along a ray)
    from ``t``: doubled while it falls, or else halved until it falls below ``J``, its
    value at 0 (at most FALL_PROBES tries); (0, J) where it falls nowhere."""
    best, at, grow = J, 0.0, None
    for _ in range(FALL_PROBES):
        new = value(t)
        if new < best:
            best, at = new, t
        if grow is False and at > 0.0 or grow and not new <= best:
            break  # a halving that falls, or a doubling past the least
        grow = new <= best
        t = 2.0 * t if grow else 0.5 * t
    return at, best


def _host(backend, a):
    """A small array (parameters, gradients) as float64 numpy on the host."""
    if not isinstance(a, np.ndarray):
        a = convert_to_numpy(a, backend.xp)
    return np.asarray(a, dtype=np.float64)


@dataclass
class DualPoint:
    """A dual point θ[(1 - τ)(p - y) + τ(q - y)] (numpy arrays of shape (m,)) and its gap.

    ``penalty_share``: Σ P(w) + w·v + P*(-v) over the weights, exact;
    ``loss_bound``: an upper bound of the loss's share Σ s KL(p''‖p);
    ``distance``: max(τ, 1 - θ), how far p'' is from the model's p.
    """

    theta: object
    tau: object
    q: object
    penalty_share: float
    loss_bound: float
    distance: float


def standardized(point, T, std, coef=True):
    """(g', coef') of a point whose coordinates are T's, in the standardized ones
    ``std`` (no work when T is std); for the objective and the batch alike. ``coef``:
    whether coef' is asked (an L1 part's subgradient; None otherwise: a fit of a float
    learning rate maps its gradient every iteration, and the coefficients cost as much)."""
    if T is std:
        return point.grad, point.coef
    return std.grad_from_base(point.grad), std.from_base(point.coef) if coef else None


@dataclass
class Point:
    """An iterate: coef, J(coef) and the gradient of J's smooth part there.

    ``z`` is the raw prediction X W + b (in the backend's form), or None once
    it was handed to a :class:`Ray` or to :meth:`Objective.evaluate`.
    ``base``: coef in the original coordinates, [W; b], where the objective
    computed it (z is X W + b for it).
    """

    coef: object
    J: float
    grad: object
    z: object = None
    base: object = None


class Objective:
    """J in the coordinates of ``transform`` (see the module docstring).

    Parameters
    ----------
    problem : gdlogreg._problem.Problem
    transform : Identity or Standardization
        The coordinates of coef: T maps them to the original [W; b].
    """

    def __init__(self, problem, transform, exact_metric=False):
        self.problem = problem
        self.backend = problem.backend
        self.loss = problem.loss
        self.penalty = problem.penalty
        self.xp = problem.xp
        self.fit_intercept = problem.fit_intercept
        self.T = transform
        self.std = problem.standardization
        self.coef_shape = problem.coef_shape
        self.dtype = problem.dtype
        # The dtype whose rounding the metric's floor answers: float64 for a gradient made
        # in float64 (:meth:`exact_twin`), whose metric stays host float64 too.
        self.metric_dtype = np.float64 if exact_metric else self.dtype
        self.curvature = problem.loss.curvature
        # Whether a line search's trial pass writes over z (then a refusal is undone).
        self.trials_in_place = self.backend.moves_in_place(self.loss, self.coef_shape[-1])
        # The L1 weight of each coordinate: D in standardized coordinates.
        self._l1_weights = transform.D

    # ----------------------------------------------------------- evaluation
    def _weights(self, base):
        return base[: self.problem.n_features, ...]

    def _grad(self, G, base):
        """∂J/∂coef from the loss's [Xᵀ R; Σ R] at the base parameters ``base``."""
        pen = self.penalty.gradient(self._weights(base))
        if pen is not None:
            d = self.problem.n_features
            if isinstance(G, np.ndarray):
                G[:d] += pen
            else:
                G = concat([G[:d, ...] + pen, G[d:, ...]], self.xp)
        return self.T.grad_from_base(G)

    def penalty_at(self, coef):
        """The penalty at coef (in this objective's coordinates)."""
        return self.penalty.value(self._weights(self.T.to_base(coef)), self.xp)

    def evaluate(self, coef, reuse=None, gradient=True):
        """The Point at coef: Z = X W + b, J and (if asked) its gradient.

        One ``X @ V``, one O(n) pass and one ``X.T @ R``. ``reuse``: a Point
        whose raw prediction may be overwritten (it is spent).
        """
        out = None
        if reuse is not None:
            out, reuse.z = reuse.z, None
        base = self.T.to_base(coef)
        Z = self.backend.linear(base, self.fit_intercept, out=out)
        return self._pass(coef, Z, gradient=gradient, move=False, base=base)

    def gradient_at(self, point):
        """The Point at ``point.coef`` with its gradient; point's raw prediction is only read."""
        new = self._pass(point.coef, point.z, move=False, base=point.base)
        new.z = None
        return new

    def value(self, coef, z):
        """J at coef whose raw prediction is z: O(n), no product with X."""
        value, _, _ = self.backend.loss_pass(self.loss, z)
        return value + self.penalty_at(coef)

    def scaled_value(self, z, lam):
        """J at λ·coef for a coef whose raw prediction is z, without a penalty: O(n) from
        z + (λ - 1)·z, in the loss's form that cannot overflow (the scaled stop's,
        :func:`gdlogreg._solver.scale_to_stop`)."""
        value, _, _ = self.backend.loss_pass(Stable(self.loss), z, z, lam - 1.0)
        return value

    def along(self, point, d):
        """The :class:`Ray` φ(t) = J(point.coef + t·d); it takes point's raw prediction."""
        return Ray(self, point, d)

    def extrapolate(self, a, b, beta):
        """The Point at a + β (a - b), its raw prediction combined in O(n); b is spent."""
        coef = a.coef + beta * (a.coef - b.coef)
        Z = self.backend.combine(a.z, b.z, beta)
        b.z = None
        return self._pass(coef, Z)

    def _pass(self, coef, Z, D=None, t=0.0, gradient=True, move=True, accept=None, base=None,
              V=None):
        """The Point at coef whose raw prediction is Z + t·D (Z + X V): one fused loss pass.

        ``move=True``: Z (and D) are spent, the point's raw prediction may
        take Z's memory and the residual D's. ``accept``: a test of J; where
        it fails the point may come without its gradient (one product saved).
        ``base``: coef in the original coordinates, if known.
        """
        if base is None:
            base = self.T.to_base(coef)
        penalty = self.penalty.value(self._weights(base), self.xp)
        keep = None if accept is None else (lambda value: accept(value + penalty))
        value, U, G = self.backend.loss_pass(
            self.loss, Z, D, t, gradient=gradient, fit_intercept=self.fit_intercept, move=move,
            keep=keep, V=V,
        )
        grad = self._grad(G, base) if gradient and G is not None else None
        return Point(coef, value + penalty, grad, U, base)

    # --------------------------------------------------------- the L1 part
    def prox(self, coef, step):
        """Proximal step of the L1 term on the weights (soft-thresholding); b untouched."""
        if self.penalty.l1 == 0.0:
            return coef
        d = self.problem.n_features
        W = self.penalty.prox(coef[:d, ...], step, self.xp, self._l1_weights)
        if not self.fit_intercept:
            return W
        return concat([W, coef[d:, ...]], self.xp)

    # ------------------------------------------------- stopping measures
    def _standardized(self, point):
        return standardized(point, self.T, self.std, self.penalty.l1 != 0.0)

    def optimality(self, point):
        """Largest entry of the minimum-norm subgradient of J in standardized coordinates."""
        g, c = self._standardized(point)
        if self.penalty.l1 == 0.0 and isinstance(g, np.ndarray):  # ‖g‖_∞, intercept included
            return float(np.abs(g).max()) if g.size else 0.0
        d = self.problem.n_features
        sub = self.penalty.subgradient(g[:d, ...], None if c is None else c[:d, ...], self.xp,
                                       self.std.D)
        top = amax(sub, self.xp) if sub.shape[0] else 0.0
        if self.fit_intercept:
            top = max(top, amax(self.xp.abs(g[d:, ...]), self.xp))
        return top

    def exact_point(self, point):
        """``(at, rounding, J)``: ``point`` with its gradient made in float64 (Z, R and Xᵀ R
        from X's rows read in float64: one pass, the backend's ``exact_gradient``), the
        largest entry of its standardized gradient less that one, the float32 gradient's
        rounding there, and J made in float64 there. float32 X W rounds at ε times its
        terms' sizes: a column far from 0 for its spread (a calendar year), whose term the
        intercept cancels, puts a noise there that held the gradient above the stopping
        test's bound at J* (review 196). None where the backend has no such pass."""
        exact = getattr(self.backend, "exact_gradient", None)
        if exact is None:
            return None
        coef = np.asarray(point.coef, dtype=np.float64)
        base = self.T.to_base(coef)
        value, G = exact(self.loss, base, self.fit_intercept)
        at = Point(coef, point.J, self._grad(G, base), point.z, point.base)
        rounding = np.abs(standardized(at, self.T, self.std, False)[0]
                          - standardized(point, self.T, self.std, False)[0])
        return at, float(np.max(rounding, initial=0.0)), value + self.penalty_at(coef)

    def exact_value(self, coef):
        """J at coef made in float64 (:meth:`exact_point`'s pass; None where the backend
        has none)."""
        exact = getattr(self.backend, "exact_gradient", None)
        if exact is None:
            return None
        coef = np.asarray(to_host(coef), dtype=np.float64)
        return exact(self.loss, self.T.to_base(coef), self.fit_intercept)[0] + self.penalty_at(coef)

    def exact_descent(self, coef, d, J):
        """``(new, fall, t)``: coef + t·d at the least J made in float64
        (:meth:`exact_value`) found from t = 1, doubled while that J falls (at most
        FALL_PROBES times: the quadratic model misreads a valley whose curvature drops along
        d) or else halved until it falls below ``J``, coef's own (at most FALL_PROBES
        times), and how far it fell; (None, 0, 0) where it falls nowhere (in X's dtype: the
        iterate the fit goes on from)."""
        at, best = least_along(lambda t: self.exact_value(coef + t * d), J, 1.0)
        return (None if at == 0.0 else coef + at * d), J - best, at

    def flat_gap(self, point):
        """The gap the gradient could hide where only the L2 part of the penalty curves J.

        ½ Σ g'²/(l2·D²) over the weights, g' the standardized minimum-norm subgradient
        (the gradient without an L1 part; g'/D is the weight's in the original units,
        less g_b·μ): the gap along directions that leave X W unchanged (exactly
        collinear features; the same vector added to every class's weights), where
        the loss is flat and J is l2-strongly convex. No bound elsewhere (the
        intercept is left out); inf without an L2 part.
        """
        if not self.penalty.l2 > 0.0:
            return float("inf")
        g, c = self._standardized(point)
        d = self.problem.n_features
        if self.penalty.l1 != 0.0:
            g = self.penalty.subgradient(g[:d, ...], c[:d, ...], self.xp, self.std.D)
        return self.penalty.flat_gap(g[:d, ...] / self.xp.reshape(self.std.D, (-1, 1)), self.xp)

    def flat_noise(self, level):
        """The flat gap (:meth:`flat_gap`) of a standardized gradient whose every entry is
        ``level``, its rounding noise: ½ m level² Σ 1/(l2·D²); 0 without an L2 part."""
        if not self.penalty.l2 > 0.0:
            return 0.0
        D = np.asarray(_host(self.backend, self.std.D), dtype=np.float64)
        with np.errstate(divide="ignore", over="ignore"):
            inv = float(np.sum(1.0 / (D * D)))
        return 0.5 * self.coef_shape[1] * level * level * inv / self.penalty.l2

    # ---------------------------------------------------- the duality gap
    @property
    def has_dual(self):
        """Whether J has a penalty, and so a dual whose gap bounds J - J*."""
        return self.penalty.l2 > 0.0 or self.penalty.l1 > 0.0

    def dual_constants(self, zero_grad=None):
        """What the dual points need of the data, once a fit: ``(ȳ, x̄, G₀)``.

        ȳ = Σ s y (per column), x̄ = Xᵀ s and G₀ = Xᵀ(s ⊙ (p₀ - y)) the loss's
        weight gradient at z = 0 (numpy, float64). x̄ is the standardization's
        weighted column means (no pass); G₀ takes a loss pass with its gradient
        unless ``zero_grad``, the gradient of the all-zero model (in this
        objective's coordinates), is given. None without an intercept.
        """
        if not self.fit_intercept:
            return None
        be, d = self.backend, self.problem.n_features
        if zero_grad is None:
            _, _, G0 = be.loss_pass(
                self.loss, be.linear(self.zeros(), True), gradient=True, fit_intercept=True
            )
            G0 = _host(be, G0)
        else:  # at W = 0 the penalty's gradient is 0
            G0 = self._base_gradient(_host(be, zero_grad))
        xbar = _host(be, self.problem.standardization.column_mean)
        return self.loss.p_zero(G0.shape[1]) - G0[d], xbar, G0[:d]

    def _base_gradient(self, grad):
        """∂J/∂[W; b] from the gradient in this objective's coordinates (numpy)."""
        T, d = self.T, self.problem.n_features
        if T.D is None:
            return grad
        D = _host(self.backend, T.D)[:, None]
        if not self.fit_intercept:
            return grad / D
        out = grad.copy()
        out[:d] = grad[:d] / D + _host(self.backend, T.mean)[:, None] * grad[d]
        return out

    def dual_point(self, point, constants):
        """The dual point of a Point and the cheap parts of its duality gap, O(d·m).

        α = θ[(1 - τ)(p - y) + τ(q - y)] for the model's probabilities p
        (docs/user_guide.rst, "When does it stop?"): τ and q make it feasible
        for the unpenalised intercept, θ for pure L1. Returns a
        :class:`DualPoint` whose ``penalty_share`` is exact and ``loss_bound``
        bounds the loss's share Σ s KL(p''‖p) by convexity, without a pass.
        ``constants``: :meth:`dual_constants`.
        """
        be, pen, d = self.backend, self.penalty, self.problem.n_features
        coef = _host(be, self.T.to_base(point.coef) if point.base is None else point.base)
        grad = self._base_gradient(_host(be, point.grad))
        W, m = coef[:d], coef.shape[1]
        V = grad[:d] - pen.l2 * W  # the loss's part of ∂J/∂W
        loss = max(point.J - pen.value(W, np), 0.0)
        tau, q, kl_q = np.zeros(m), np.zeros(m), 0.0
        if constants is not None:
            ybar, xbar, G0 = constants
            tau, q = self.loss.dual_mix(ybar, grad[d])
            H = G0 + np.outer(xbar, q - self.loss.p_zero(m))  # Xᵀ(s ⊙ (q - y))
            V = (1.0 - tau) * V + tau * H
            # Σ s KL(q‖p) = Σ q log q + loss + Σ s (y - q)ᵀ z, z = X W + b
            kl_q = self.loss.neg_entropy(q) + loss - float(np.vdot(H, W))
            kl_q = max(kl_q + float(np.dot(ybar - q, coef[d])), 0.0)
        theta = pen.dual_scale(V, self.loss.group_max)
        shrink = 1.0 - float(np.min(theta))  # 0 with an L2 part
        bound = float(np.max(theta * tau)) * kl_q + shrink * loss
        return DualPoint(
            theta, tau, q, pen.dual_gap(W, theta * V if shrink else V), bound,
            max(float(np.max(tau)), shrink),
        )

    def dual_divergence(self, point, dual):
        """The loss's share of the gap at ``dual`` exactly: Σ s KL(p''‖p), one O(n) pass.

        Uses the point's raw prediction (only read), or ``X @ coef`` once
        without one.
        """
        be = self.backend
        Z = point.z
        if Z is None:
            Z = be.linear(self.T.to_base(point.coef), self.fit_intercept)
        row = (lambda a: a.reshape(1, -1)) if be.xp is np else (
            lambda a: be.asarray(a.reshape(1, -1))
        )
        rows = self.loss.dual_rows(row(dual.theta), row(dual.tau), row(dual.q))
        value, _, _ = be.loss_pass(rows, Z)
        if math.isnan(value) or value == -math.inf:
            # a KL is >= 0: a pass that lost its numbers certifies nothing (the cheap
            # bound stands), where clipped to 0 it would read as a zero gap
            return math.inf
        return max(value, 0.0)  # a share that rounds below 0 is 0

    # --------------------------------------------------------- curvature
    def curvature_matvec(self, v, rows=None, Z=None):
        """H v for the Hessian bound H = Tᵀ (c Aᵀ diag(s) A + l2 [I 0; 0 0]) T, A = [X, 1].

        c is the loss's curvature bound (¼ binary, ½ multinomial): H ≽ ∇²J
        everywhere, so its largest eigenvalue L bounds the Lipschitz constant
        of ∇J. One ``X @ V`` and one ``X.T @ R``. With the loss-like ``rows``
        (:class:`gdlogreg._loss.CurvatureShare`) and a raw prediction Z, s·ρ at Z
        in place of s and ``rows.scale`` in place of c: the curvature of :meth:`whitening`.
        """
        base = self.T.to_base(v)
        c = self.curvature if rows is None else rows.scale
        G = c * self.backend.gram(base, self.fit_intercept, rows, Z)
        return self._grad(G, base)

    def curvature_share(self, point):
        """ρ = Σ s·(the curvature of each row's loss over its bound), :class:`gdlogreg.
        _loss.CurvatureShare`'s sum, from the intercepts' curvatures of one O(n) pass
        (:meth:`stop_curvature`): 1 at the zero start, near 0 where the model classifies
        every row with confidence."""
        return self.stop_curvature(point)[0]

    def stop_curvature(self, point):
        """``(ρ, H)`` of the stopping test in one O(n·m) pass: the rows' curvature share
        (:meth:`curvature_share`) and the curvature of J along each intercept, Hₖ =
        Σ s pₖ(1 - pₖ) (:class:`gdlogreg._loss.InterceptCurvature`, numpy, m)."""
        m = self.coef_shape[1]
        rows = InterceptCurvature(1 if m == 1 else m, m)
        H, _, _ = self.backend.loss_pass(rows, self._raw(point))
        return float(rows.shares(H)[0]), H

    def _raw(self, point):
        """point's raw prediction z, made again (one ``X @ V``) where it was spent."""
        if point.z is not None:
            return point.z
        return self.backend.linear(
            self.T.to_base(point.coef) if point.base is None else point.base,
            self.fit_intercept)

    def gradient_decrement(self, point, v=None, misread=False):
        """(gᵀg)²/(gᵀ∇²J g) in these coordinates: by Cauchy–Schwarz, (gᵀg)² <=
        (gᵀH⁻¹g)(gᵀHg), a lower bound on λ² = gᵀH⁻¹g that needs no metric, the Rayleigh
        quotient of H along the gradient itself (the first step of conjugate gradients on
        H x = g). Where a descent without a metric stops by its gradient tests, the
        gradient is left in H's flat directions, where the bound is near λ². Along another
        direction ``v`` (a metric's P g), (gᵀv)²/(vᵀHv), the same bound. One ``X @ v``
        and one O(n·m) pass over the pair (z, X v) (:class:`gdlogreg._loss.
        DirectionCurvature`); 0 with an L1 part (no Newton decrement). At least how far J
        itself falls along -v (:meth:`_fall_along`), J - J* at least that; with
        ``misread``, inf where that fall is above the bound (FALL_PROBES' comment)."""
        if self.penalty.l1 > 0.0:
            return 0.0
        xp, g = self.xp, point.grad
        v = g if v is None else v
        gg = float(xp.sum(g * v))  # (its square: the bound holds for v of either sign)
        if not abs(gg) > 0.0:
            return 0.0
        base = self.T.to_base(v)
        m = self.coef_shape[1]
        rows = DirectionCurvature(1 if m == 1 else m, 1)
        U, Z = self.backend.linear(base, self.fit_intercept), self._raw(point)
        q, _, _ = self.backend.loss_pass(rows, Z, U, None)
        # the penalty's ½ l2 ‖W‖² curves J by l2 ‖W‖² along W: twice its value
        gHg = float(np.sum(q)) + 2.0 * self.penalty_at(v)
        if not gHg > 0.0:
            return math.inf
        bound, fall = gg * gg / gHg, self._fall_along(point, Z, U, base, gg / gHg)
        return math.inf if misread and fall > bound else max(bound, fall)

    def _fall_along(self, point, Z, U, base_v, t):
        """How far J falls below ``point``'s along -v (``U`` = X v, ``base_v`` v in the
        original coordinates) at t, 2t, 4t, ... while it falls (FALL_PROBES' comment); 0
        within J's rounding."""
        base = self.T.to_base(point.coef) if point.base is None else point.base
        best = point.J
        for _ in range(FALL_PROBES):
            value, _, _ = self.backend.loss_pass(self.loss, Z, U, -t)
            J = value + self.penalty.value(self._weights(base - t * base_v), self.xp)
            if not J < best:
                break
            best, t = J, 2.0 * t
        fall = point.J - best
        return fall if fall > FALL_ROUNDING * eps(self.dtype) * abs(point.J) else 0.0

    def diagonal_descent(self, point, wanted, steps):
        """``(fall, coef, used)``: how far J falls along -x and the coef at its least there
        (None where it falls nowhere beyond its rounding), x the Newton step H x = g
        solved by conjugate gradients (at most ``steps``, ``used`` of them, and no more once
        the quadratic model falls by ``wanted``) preconditioned by A, the diagonal of J's
        Hessian in X's own coordinates: [W; b] with X's columns as they stand, uncentred
        (the penalty's l2 on the weights). Its first step is the Jacobi step along A⁻¹g;
        for K classes A is each class's own block, and the products are with those blocks
        alone (:meth:`_hessian_product`). The least is sought from x itself
        (:func:`least_along`, along the point's :class:`Ray`, which takes its raw
        prediction): J convex, J - J* is at least the fall. A stop that no metric
        confirms asks it (:meth:`gdlogreg._solver.Monitor._confirmed`): where a few
        columns' rows are certain (rare words of text counts at a large C), their weights'
        valley is flat in X's coordinates but mixed with the intercept's curvature in the
        standardized ones, whose gradient and diagonal do not see it, and where many such
        valleys meet, a few steps of conjugate gradients do (trump tweets' counts at
        C = 1e4 stood "converged" 2e-5 above J*; user guide, "When does it stop?"). One
        read of X for A (the backend's ``centred_diagonal``, at mean 0), one ``X @ V`` and
        ``X.T @ R`` a step and O(n) passes; None with an L1 part or without that kernel."""
        point.z = self._raw(point)  # (made once: A, the products and the line search read it)
        pre = self._jacobi(point)
        if pre is None:
            return None
        x, used = self._cg(point, pre, wanted, steps)
        if x is None:
            return None
        ray = self.along(point, -self.backend.asarray(x))
        at, best = least_along(ray, point.J, 1.0)
        fall = point.J - best
        if not fall > FALL_ROUNDING * eps(self.dtype) * abs(point.J):
            return 0.0, None, used
        return fall, ray.coef + at * ray.d, used

    def _jacobi(self, point):
        """(g, P) of :meth:`diagonal_descent`: the gradient (host float64) and the map
        r -> T⁻¹ S² A⁻¹ T⁻ᵀ r of its preconditioner (host float64, these coordinates;
        S = diag(D, 1)); None without the kernel, with an L1 part or a diagonal not finite."""
        be, d, m = self.backend, self.problem.n_features, self.coef_shape[1]
        kernel = getattr(be, "centred_diagonal", None)
        if self.penalty.l1 > 0.0 or kernel is None:
            return None
        D = np.ones(d) if self.T.D is None else np.asarray(
            _host(be, self.T.D), dtype=np.float64).reshape(-1)
        rows = self._curvature_rows() if m == 1 else ClassCurvatures(m)
        A = kernel(np.zeros(d), D, rows, self._raw(point))
        if A is None:
            return None
        A = np.asarray(A, dtype=np.float64).reshape(d + 1, -1)[: self.coef_shape[0]]
        A = A * getattr(rows, "scale", 1.0)  # (the binary rows' ρ over its bound ¼)
        S2 = np.ones((self.coef_shape[0], 1))
        S2[:d, 0] = D * D  # X's coordinates scaled by D: A is the diagonal there
        A[:d] += self.penalty.l2 * S2[:d]
        held = getattr(self.T, "held", None)  # (constant columns: their weights stay 0)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inv = np.where(A > 0.0, S2 / A, 0.0)
        if held is not None:
            inv[:d][np.asarray(_host(be, held), dtype=bool).reshape(-1)] = 0.0
        if not np.all(np.isfinite(inv)):
            return None

        def P(r):
            z = inv * self._base_gradient(r)
            return np.asarray(_host(be, self.T.from_base(be.asarray(z))), dtype=np.float64)

        return np.asarray(_host(be, point.grad), dtype=np.float64), P

    def _hessian_product(self, v, Z):
        """H v at the raw prediction Z: J's Hessian for two classes (:meth:`curvature_matvec`
        at the rows' curvature share, the penalty's with it); for K, its classes' own
        blocks alone, Σ s pₖ(1 - pₖ) x xᵀ each (:class:`gdlogreg._loss.ClassCurvatures`;
        the softmax's coupling of the classes left out: H's block diagonal, positive
        definite, whose Newton step J's own line search then checks). One ``X @ V`` and
        one ``X.T @ R``."""
        m = self.coef_shape[1]
        if m == 1:
            return self.curvature_matvec(v, self._curvature_rows(), Z)
        base = self.T.to_base(v)
        return self._grad(self.backend.gram(base, self.fit_intercept, ClassCurvatures(m), Z),
                          base)

    def _cg(self, point, pre, wanted, steps):
        """(x, used): at most ``steps`` of conjugate gradients on H x = g preconditioned
        by P (Hestenes and Stiefel 1952; Nocedal and Wright 2006, Algorithm 5.3), H
        :meth:`_hessian_product`'s at the point, until the model's fall ½ gᵀx reaches
        ``wanted``."""
        be, (g, P) = self.backend, pre
        Z = self._raw(point)
        x, r = np.zeros_like(g), g.copy()
        y = P(r)
        p, ry = y.copy(), float(np.sum(r * y))
        used = 0
        while used < steps and ry > 0.0:
            Hp = np.asarray(_host(be, self._hessian_product(be.asarray(p), Z)),
                            dtype=np.float64)
            used += 1
            pHp = float(np.sum(p * Hp))
            if not pHp > 0.0:
                break
            a = ry / pHp
            x += a * p
            r -= a * Hp
            if 0.5 * float(np.sum(g * x)) >= wanted:
                break
            y = P(r)
            ry, before = float(np.sum(r * y)), ry
            p = y + (ry / before) * p
        return (x if used else None), used

    def intercept_decrement(self, point, floor=0.0, H=None):
        """maxₖ (|gₖ| - floor)₊²/Hₖ: the intercepts' gradient g over the diagonal of
        their Hessian block (:func:`gdlogreg._loss.intercept_decrements`; H from
        :meth:`stop_curvature`, its pass made here where not given).

        By Cauchy–Schwarz, (gᵀe)² <= (gᵀH⁻¹g)(eᵀHe), it is at most λ² = gᵀH⁻¹g, twice
        the Newton decrement (J - J* near the optimum), which a stop's confirmation holds
        to its target as bb's metric does (λ², not ½λ²): a lower bound that sees the valley of an
        intercept that neither the rows nor the penalty curve much (a nearly weightless
        class; review 106). ``floor``: the gradient's rounding noise, taken off each |gₖ|.
        0 without an intercept (the intercept's gradient is the same in every coordinates).
        """
        if not self.fit_intercept:
            return 0.0
        H = self.stop_curvature(point)[1] if H is None else H
        g = _host(self.backend, point.grad[self.problem.n_features:, ...])
        return float(intercept_decrements(g, H, floor, self.coef_shape[1])[0])

    def _curvature_rows(self):
        m = self.coef_shape[1]
        return CurvatureShare(2 if m == 1 else m)

    def curvature_diagonal(self, base, z=None):
        """The diagonal of the rows' curvature at the parameters ``base`` (z its raw
        prediction, made here where not given), in these standardized coordinates, without
        the penalty's: :meth:`whitening`'s for two classes, and for K each class's
        own Hessian block's (a column each, (p, K): the rows' mean curvature hides a rare
        class whose few rows became certain). From the backend's ``centred_diagonal``, a
        read of X a column (host float64); None without that kernel or outside
        standardized coordinates. What :func:`gdlogreg._steps.bb.diagonal_fell` compares
        from a take to a stop."""
        be, m = self.backend, self.coef_shape[1]
        kernel = getattr(be, "centred_diagonal", None)
        if kernel is None or self.T is not self.std:
            return None
        if z is None:
            z = be.linear(base, self.fit_intercept)
        mean, D = _host(be, self.std.mean), _host(be, self.std.D)
        # K classes: the K columns in one read where the kernel takes them, else a read each
        h = None if m == 1 else kernel(mean, D, ClassCurvatures(m), z)
        if h is None:
            rows = [self._curvature_rows()] if m == 1 else [
                ClassCurvatures(m, k) for k in range(m)]
            h = [kernel(mean, D, r, z) for r in rows]
            if any(c is None for c in h):
                return None
            h = np.stack([np.asarray(c, dtype=np.float64) for c in h], axis=1)
        h = np.asarray(h, dtype=np.float64).reshape(h.shape[0], -1)
        return h if self.fit_intercept else h[: self.problem.n_features]

    def whitening(self, base=None, z=None, previous=None, spent=0, class_blocks=True,
                  diagonal=False):
        """H⁻¹ (numpy, float64, p × p) for H the curvature of J in these coordinates at
        the parameters ``base`` ([W; b], original coordinates; ``z``: its raw prediction,
        if at hand), the metric of whitened steps; None where they do not apply.
        ``previous``: this objective's metric taken before, if any; a
        :class:`LowRankMetric` is retaken from its rows' Gram (n², not n²·p). ``spent``: the
        iterations the fit has run (:meth:`_class_metric_pays`).

        H = Tᵀ Aᵀ diag(s κ) A T + l2 [D² 0; 0 0] (A = [X, 1]), κᵢ = Σₖ pₖ(1 - pₖ)/K each
        row's mean curvature over the K classes at z = A·base
        (:class:`gdlogreg._loss.CurvatureShare`): the Hessian of J there for two classes (κ
        = σ(1 - σ)), for K the mean of its class blocks, a metric the classes share; without
        ``base``, κ = c: Böhning's bound H ≽ ∇²J. From the backend's centred Gram in one
        read of X (:meth:`_bound_from_gram`), else as :meth:`curvature_matvec` of the
        identity in column chunks. In u = Lᵀ coef (H = L Lᵀ) H is the identity, and a step
        along -H⁻¹ g is a gradient step there (LeCun et al. 1998, "Efficient BackProp",
        §4.3: decorrelated inputs; near the optimum, a Newton step). Only without an L1
        part (an L2 penalty or none; the L1 prox needs a diagonal map) in standardized
        coordinates, at most :data:`MAX_WHITENED` coordinates and a
        :data:`WHITENED_ROWS`-th of the rows (counted as :meth:`_rows` does), or between the
        two metrics (:meth:`_middle_applies`; host X of up to :data:`MAX_WIDE_WHITENED`
        coordinates, as a :class:`FactoredMetric`, where not waiting for its price,
        :meth:`_wide_price`; ``spent`` tells). A constant
        column (:attr:`Standardization.held`), a copy of the intercept, keeps the plain
        metric. None too where H is not positive definite in floating point. With
        ``diagonal``, where neither applies or the wide metric waits (sparse X of more than
        MAX_WHITENED coordinates or of few rows, dense X too wide for both), H's diagonal
        alone at ``base`` (:meth:`_diagonal_metric`).
        """
        p, be = self.coef_shape[0], self.backend
        if not self.penalty.smooth or self.T is not self.std:
            return None
        middle = not self._dense_applies() and self._middle_applies()
        wide = middle and p > MAX_WHITENED
        if wide and self._wide_rents() and spent < self._wide_price():
            middle = False  # the wide metric not paid yet: H's diagonal till then
        dense = middle or self._dense_applies()
        low_rank = not dense and self._low_rank_applies()
        if not (dense or low_rank or diagonal and base is not None):
            return None
        keep = self._unheld()
        if base is not None and z is None:
            z = be.linear(be.asarray(base), self.fit_intercept)
        if z is not None and self.metric_dtype != self.dtype:
            # (exact_twin: the rows' curvatures in float64 too; float32's rounding of them
            # and of their sums put H's least eigenvalue below 0 in a nearly separated valley)
            z = be.in_float64(z)
        at = () if base is None else (self._curvature_rows(), z)
        if not (dense or low_rank):
            return self._diagonal_metric(keep, *at, previous)
        if not dense:
            return self._low_rank_metric(keep, *at, previous=previous, spent=spent,
                                         class_blocks=class_blocks)
        return self._dense_metric(keep, at, spent, wide)

    def _dense_metric(self, keep, at, spent, wide):
        """:meth:`whitening`'s p × p metric on the coordinates ``keep`` (``at``: () for
        Böhning's bound, else the rows' curvature and the raw prediction z): for K classes
        at a point their whole Hessian or each class's own block where that pays
        (:meth:`_class_metric_pays`), else the mean of the blocks; ``wide``: above
        MAX_WHITENED coordinates."""
        p, be = self.coef_shape[0], self.backend
        if at and self._class_metric_pays(spent):
            bound = self._class_bound(keep, at[1])
            if bound is not None:
                H, kept, lam = bound  # (no test of H's condition: K classes couple)
                P = self._held_inverse(H, kept, lam)
                return None if P is None else ClassMetric(
                    P, self.coef_shape, be, None, self._metric_array)
        if at and self._class_metric_pays(spent, blocks=True):
            return _wide(self._class_blocks(keep, at[1]), wide)
        H = self._bound_from_gram(keep, *at)
        if H is None:  # no Gram kernel: H's columns by products with X
            H = self._bound_columns(np.flatnonzero(keep), *at)[keep]
        lam = np.zeros(p)
        lam[: self.problem.n_features] = self.penalty.l2 * _host(be, self.std.D) ** 2
        P = self._held_inverse(_symmetrized(H), keep, lam[keep], wide)
        if isinstance(P, FactoredMetric):
            P.exact = not wide and self.coef_shape[1] == 1
            P.decrement = not (wide and self._wide_rents())
            return P
        return None if P is None else self._metric_array(P)

    def _held_inverse(self, H, keep, lam, wide=False):
        """H⁻¹ (numpy) on the coordinates ``keep``, the identity elsewhere: as H's Cholesky
        factor (:class:`FactoredMetric`, a seventh of the inverse's flops) where H has
        FACTORED_FROM rows or more and X's parameters are host numpy, or ``wide``; else the
        inverse itself (:func:`_inverse`). None where H is not positive definite."""
        if wide or (self.xp is np and len(H) >= FACTORED_FROM):
            L = _factor(H, self.metric_dtype, lam)
            return None if L is None else FactoredMetric(L, keep)
        return _inverse(H, keep, self.metric_dtype, lam)

    def _unheld(self):
        """The coordinates the metric takes (a mask): all but the held columns
        (:attr:`Standardization.held`: constant ones, copies of the intercept)."""
        keep = np.ones(self.coef_shape[0], dtype=bool)
        if self.fit_intercept:
            keep[: self.problem.n_features] = ~_host(self.backend, self.std.held).astype(bool)
        return keep

    def _diagonal_metric(self, keep, rows, z, previous=None):
        """diag(H)⁻¹ on the coordinates ``keep`` (the identity on the others) for H
        :meth:`whitening`'s at the rows' weights s·ρ at z, from the backend's
        ``centred_diagonal`` (one read of X, no Gram): Jacobi's metric, the standardization's
        own corrected for the curvature where it differs from column to column (the
        penalty's l2·D², which standardization spreads as 1/variance: rare one-hot levels and
        hashed counts; and the rows' curvature, floored at its median column's). None
        where that diagonal is within MIN_CONDITION of a multiple of the identity (then it
        cost iterations) and without that kernel. In float32 too, with its floor
        (:func:`_floor_of`): without it one-hot CSR ran to max_iter there. ``previous``
        (a DiagonalMetric taken before) is kept, and the steps not restarted, where no
        coordinate's entry has moved by more than a factor DIAGONAL_MOVE since.
        benchmarks/README.md, "The diagonal metric"."""
        be = self.backend
        kernel = getattr(be, "centred_diagonal", None)
        if kernel is None:
            return None
        D = _host(be, self.std.D)
        h = kernel(_host(be, self.std.mean), D, rows, z)
        if h is None:
            return None
        d = len(D)
        h = rows.scale * (h if self.fit_intercept else h[:d])
        # the rows' part at least its median over the columns: a column whose rows'
        # curvature is spent keeps the median's step, not a longer one (amplified, the steps
        # along coupled one-hot levels crawled at weak penalties; review 74)
        h[:d] = np.maximum(h[:d], np.median(h[:d][keep[:d]]) if keep[:d].any() else 0.0)
        lam = self.penalty.l2 * D * D
        h[:d] += lam
        h, penalty = h[keep], float(lam[keep[:d]].sum())
        h += _floor_of(float(h.sum()) - penalty, penalty, len(h), self.dtype)
        if not (np.all(np.isfinite(h)) and h.min() > 0.0 and h.max() >= MIN_CONDITION * h.min()):
            return None
        inv = np.ones(len(keep))
        inv[keep] = 1.0 / h
        if isinstance(previous, DiagonalMetric):
            moved = inv / previous.host
            if moved.max() <= DIAGONAL_MOVE and moved.min() * DIAGONAL_MOVE >= 1.0:
                return previous
        return DiagonalMetric(be.asarray(inv[:, None]), inv)

    def _rows(self):
        """The rows the whitening rules count: the larger of Σ of the raw sample weights
        (a weight of 2 counts as two rows, as a repeated row would) and the rows of positive
        weight (weights scaled down, summing to 1 say, count each row once: the same J)."""
        total = self.penalty.total
        return self._positive_rows() if total is None else max(total, self._positive_rows())

    def _dense_applies(self):
        """Whether the dense p × p metric may be taken: at most MAX_WHITENED coordinates and
        a WHITENED_ROWS-th of :meth:`_rows` (the rows of positive weight, a sum on the
        device, counted only where Σ of the weights falls short)."""
        return dense_metric_applies(self.coef_shape[0], self.penalty.total, self._positive_rows)

    def _middle_applies(self):
        """Whether the p × p metric may be taken where its take costs many iterations
        (:meth:`whitening_gap`): at most MAX_WHITENED coordinates (host numpy X, CSR or
        dense: up to MAX_WIDE_WHITENED, :meth:`_wide_kind`), no more than
        :meth:`_rows` but more than a WHITENED_ROWS-th of them, where the factored metric
        does not apply (it is cheaper on few rows), for X with a Gram kernel, dense or CSR
        (one read of X: columns by products would cost p of them). With plain steps there
        the fits crawled (benchmarks/README.md, "Between the two metrics"; CSR X: review 95,
        CHANGELOG.md, "CSR X between the two metrics; K classes' CSR Grams in one
        product")."""
        p, total = self.coef_shape[0], self.penalty.total
        if p > MAX_WIDE_WHITENED or not self._gram_in_one_read():
            return False
        if p > MAX_WHITENED and self._wide_kind() is None:
            return False
        if self._dense_applies():
            return False
        # rows counted as :meth:`_rows` does, the device's sum only where Σ s falls short
        if not ((total is not None and p <= total) or p <= self._positive_rows()):
            return False
        return not self._low_rank_applies()

    def _gram_in_one_read(self):
        """Whether the backend takes the centred Gram in one read of X (dense, CSR or CSC
        X of sorted row indices, Dask's chunks; not other CSC X, whose H is p products with
        X)."""
        be = self.backend
        return hasattr(be, "centred_gram") and not (
            getattr(be, "_sparse", False) and not getattr(be, "_sparse_rows", False))

    def whitening_gap(self):
        """RENT times the iterations whose work a take of the p × p metric costs where it
        costs many (:meth:`_middle_applies`; 0 elsewhere): the Gram n·p²/2 and its factor
        and inverse about p³ (near the takes measured, but under their cost where K classes
        of few coordinates take their pK × pK Hessian instead, which its own rent or buy
        bounds; review 54, benchmarks/README.md, "Real data between the two metrics"),
        against an iteration's products 4npK and ITERATION_FLOPS (from FACTORED_FROM
        coordinates the take factors alone, p³/3: the price, kept as measured, is then above
        it). The first take from a cold start waits that long (a warm start's comes at once)
        and each later one, scheduled or stale, follows at least that long after the last
        (rent or buy, bb's ``whitens``): the takes cost at most a RENT-th of the iterations
        run, and a fit that crawls gets them."""
        if not self.penalty.smooth or self.T is not self.std or not self._middle_applies():
            return 0
        if self.coef_shape[0] > MAX_WHITENED:  # wide X (:meth:`_wide_price`): one dense
            return 0 if self._wide_rents() else self._wide_price()  # column's, else 0
        # n: the rows as counted (a weight of 2 paces it as a repeated row does)
        (p, k), n, be = self.coef_shape, self._rows(), self.backend
        # CSR X's products read its stored entries only: an iteration costs density times
        # less (its rows' share weighted as :meth:`_rows` counts them: review 162)
        density = _stored_share(be.X, be.s) if getattr(be, "_sparse", False) else 1
        return math.ceil(RENT * (n * p * p / 2 + p**3) / (4 * n * p * k * density
                                                          + ITERATION_FLOPS))

    def standardized_twin(self):
        """This objective in the standardized coordinates (itself where they are its own):
        the Newton decrement gᵀH⁻¹g is the same in any affine coordinates, and the metric
        of a stop's take (:func:`gdlogreg._steps.bb.taken_ratio`) is taken in those."""
        return self if self.T is self.std else Objective(self.problem, self.std)

    def exact_twin(self):
        """This objective in the standardized coordinates, its metrics floored at float64's
        share and kept in host float64, for a gradient made in float64
        (:meth:`exact_point`): float32's floor, 10 ε of H's mean diagonal, hides a valley
        whose curvature is below it (:func:`gdlogreg._steps.bb.rounding_newton`). None
        where X's backend makes no such gradient."""
        if getattr(self.backend, "exact_gradient", None) is None:
            return None
        return Objective(self.problem, self.std, exact_metric=True)

    def _metric_array(self, P):
        """A host metric's array as the steps apply it: the backend's namespace and dtype,
        or host float64 for :meth:`exact_twin`."""
        return P if self.metric_dtype != self.dtype else self.backend.asarray(P)

    def standardized_point(self, point):
        """``point`` in the standardized coordinates (:func:`standardized`), z kept."""
        if self.T is self.std:
            return point
        g, coef = standardized(point, self.T, self.std)
        return Point(coef, point.J, g, point.z, point.base)

    def stop_take_price(self, support=True, point=None):
        """What a take of J's Hessian at a stop costs in iterations, where the rule holds no
        metric (:class:`gdlogreg._steps.bb.StopTakes`): one column's p × p,
        :func:`paid_start`'s bound p/8; its rows' factored metric, :class:`LowRankMetric`'s
        (:meth:`_low_rank_price`); K classes' whole Hessian, :meth:`_class_take`'s; with an
        L1 part, :meth:`_support_take_price`'s at ``point`` (``support`` False: one
        column's where the dense metric applies, else inf). inf where no such take
        applies: between the two metrics (:meth:`whitening_gap`: there a take costs many
        iterations), K classes whose take would not be their whole Hessian."""
        if self.T is not self.std:  # (the take is the standardized twin's)
            return self.standardized_twin().stop_take_price(support, point)
        p, k = self.coef_shape
        if self.penalty.l1 > 0.0 and (support or k == 1 and self._dense_applies()):
            return self._support_take_price(point)
        if self._middle_applies():
            return math.inf
        if k > 1:
            if not (self._dense_applies() and self._class_metric_pays(math.inf)):
                return math.inf
            take, iteration = self._class_take(False, max(self._rows(), self._positive_rows()))
            return take / iteration
        if self._dense_applies():
            return p / 8
        n = None if self.penalty.l1 > 0.0 else self._low_rank_rows()
        return math.inf if n is None else self._low_rank_price(n)

    def newton_take_price(self):
        """What a proximal Newton step with an L1 part (:meth:`support_newton`) costs in
        iterations between the two metrics (:meth:`_middle_applies`: one column, at most
        MAX_WHITENED coordinates, no more than the rows): the Gram n·p²/2, the model's
        solve (its factors at most the Gram's flops, n·p²) and, without an L2 part, the
        eigenvalues of the loss's flat directions (about 10 p³), against an iteration's
        products and fixed cost (rent or buy: :func:`gdlogreg._steps.bb.newton_wait`); inf
        elsewhere."""
        if self.T is not self.std:
            return self.standardized_twin().newton_take_price()
        (p, k), be = self.coef_shape, self.backend
        if k != 1 or p > MAX_WHITENED or not self._middle_applies():
            return math.inf
        n = self._rows()
        density = _stored_share(be.X, be.s) if getattr(be, "_sparse", False) else 1
        flops = 1.5 * n * p * p + (0.0 if self.penalty.l2 > 0.0 else 10.0 * p**3)
        return flops / (4 * n * p * density + ITERATION_FLOPS)

    def support_newton_price(self):
        """What :meth:`support_newton`'s solve costs beyond its take, in iterations: over
        every coordinate m = K·p the model's factors (at most the Gram's flops, n·m²:
        :func:`gdlogreg._dense.l1_model_point`'s bound) and, without an L2 part where the
        loss may be flat (K classes, or m at least the rows of positive weight), its flat
        directions: their eigenvalues (about 10 m³) and their restrictions to the model's
        active sets (SVDs of about as much), against an iteration's products and fixed
        cost. float32's L1 stops ask it where their take is paid (:func:`gdlogreg._solver.
        support_verdict`): two classes of 276 × 1,848 CSR spent 2.3 s an ask there, an
        iteration 0.15 ms (review 211)."""
        (p, k), be = self.coef_shape, self.backend
        m, n = p * k, max(self._rows(), 1)
        density = _stored_share(be.X, be.s) if getattr(be, "_sparse", False) else 1
        flat = self.penalty.l2 == 0.0 and (k > 1 or m >= self._positive_rows())
        flops = n * m * m + m**3 / 3.0 + (20.0 * m**3 if flat else 0.0)
        return flops / (4 * n * m * density + ITERATION_FLOPS)

    def _support_take_price(self, point=None):
        """:meth:`stop_take_price` with an L1 part, whose take confirms a stop on the
        weights' support S (:meth:`support_decrement`) whatever the rows, wide X too, where
        the gradient tests alone stop near-separable fits above J* (review 189). Where the
        dense metric applies, as without an L1 part; elsewhere the Hessian over all m = K·p
        coordinates from one read of X, n·m²/2 flops, and the Cholesky factor of its part
        on S, |S|³/3 (|S| at ``point``, m without one; a refusal adds its eigenvalues),
        against an iteration's two products and fixed cost (rent or buy: the takes cost at
        most about the iterations run), up to MAX_WIDE_WHITENED coordinates, and for X whose
        Gram is one read (sparse X of K classes builds it by products: as without an L1
        part there); beyond, for sparse X of K classes and for CSC X of unsorted rows, the
        Gram of S's columns alone (:meth:`_support_columns_price`, :meth:`_support_gram`)."""
        p, k = self.coef_shape
        n, m = max(self._rows(), self._positive_rows()), k * p
        if self._dense_applies():
            if k == 1:
                return p / 8
            if self._class_metric_pays(math.inf):
                take, iteration = self._class_take(False, n)
                return take / iteration
        s = m if point is None else self._support_size(point)
        if not self._support_gram():
            # where the Gram of every coordinate does not apply (wide sparse L1 fits
            # "converged" 1.2e-5 above J*, review 206; sparse X of K classes): the Gram of
            # S's columns alone
            if not hasattr(self.backend, "centred_gram"):
                return math.inf
            return self._support_columns_price(s, point)
        return (n * m * m / 2 + s**3 / 3) / (4 * n * m + ITERATION_FLOPS)

    def _support_columns_price(self, s, point=None):
        """:meth:`_support_take_price` of the Gram of |S| = ``s`` columns of host X (one
        column of coefficients; K classes a Gram for each pair of classes), in iterations,
        by the WIDE_* model's times: sparse X its rows' pairs of stored entries on S's
        columns at ``point`` (one pass over X's indices; without a point as if spread
        evenly over the columns, where TF-IDF supports hold the frequent words) at
        SUPPORT_PAIR, dense X n·|S|² at SUPPORT_GRAM and a read of X; the |S|² sums,
        centring and symmetrizing at SUPPORT_ENTRY, the factor |S|³/3 at SUPPORT_BLAS, and
        a refusal's search for the loss's flat directions
        (:func:`gdlogreg._dense._flat_decrement`: most asks here are refused), a pivoted
        factor (:func:`gdlogreg._dense._surely_curved`) or, where the loss is flat along
        some, the eigenvalues at SUPPORT_EIGH; an iteration also SUPPORT_COEF a
        coefficient (benchmarks/README.md, "The support's Gram of its columns alone")."""
        be, (p, k), d = self.backend, self.coef_shape, self.problem.n_features
        u = min(s, p)  # the columns (K classes: at most the support's entries, or p)
        cols = None
        if point is not None:
            W = np.asarray(_host(be, point.coef[:d, ...])).reshape(d, k)
            cols = np.flatnonzero(np.any(W != 0.0, axis=1))
            u = len(cols) + p - d
        reads = k * (k + 1) // 2  # (K classes: a Gram for each pair of classes)
        if be._sparse:
            stored, pairs = self._stored_sums(self._rows())
            products = WIDE_STORED * stored * k
            gram = products / k  # (a read of X: each block cut to the columns)
            if cols is None:
                gram += SUPPORT_PAIR * pairs * (u / p) ** 2
            else:
                gram += SUPPORT_PAIR * self._stored_sums(self._rows(), cols)[1]
        else:
            n = self._rows()
            gram = n * u * u / SUPPORT_GRAM + WIDE_COPY * n * p
            products = n * p * (WIDE_DENSE + WIDE_COLUMN * k)
        # a refusal's screen for flat directions, p³/3, and where the loss is flat along
        # some (as many coordinates as rows of positive weight; K classes' intercepts, or
        # a column in every class: their common shift) their eigenvalues
        flat = SUPPORT_EIGH if k > 1 or s >= self._positive_rows() else 1.0 / 3.0 / SUPPORT_BLAS
        take = s**3 * (1.0 / 3.0 / SUPPORT_BLAS + flat) + reads * (SUPPORT_ENTRY * u * u + gram)
        return take / (products + k * WIDE_ROW * self._rows() + WIDE_FIXED
                       + SUPPORT_COEF * p * k)

    def _support_gram(self):
        """Whether :meth:`support_decrement`'s H comes from the Gram of every coordinate
        (one read of X, at most MAX_WIDE_WHITENED of them; not sparse X of K classes);
        else from the Gram of the support's columns (:meth:`_bound_on_support`,
        :meth:`_class_bound_on_support`) or, for two classes, H's columns on it."""
        p, k = self.coef_shape
        return k * p <= MAX_WIDE_WHITENED and self._gram_in_one_read() and not (
            k > 1 and getattr(self.backend, "_sparse", False))

    def _support_size(self, point):
        """|S| of :meth:`support_decrement` at ``point``: its weights that are not 0, and
        the intercepts."""
        d = self.problem.n_features
        W = _host(self.backend, point.coef[:d, ...])
        return int(np.count_nonzero(W)) + (self.coef_shape[1] if self.fit_intercept else 0)

    def _class_shift(self, coef):
        """:func:`best_shift` of the weights of ``coef`` (K classes, an L1 part)."""
        d = self.problem.n_features
        W = np.asarray(_host(self.backend, coef[:d, ...]), dtype=np.float64)
        return best_shift(W, *self._shift_scales)

    @functools.cached_property
    def _shift_scales(self):
        """``(D, l1, l2, l1·D, l2·D²)`` of :func:`best_shift` in these coordinates (host
        float64): fixed with the transform, taken once rather than at every step."""
        D = np.ones(self.problem.n_features) if self.T.D is None else np.asarray(
            _host(self.backend, self.T.D), dtype=np.float64).reshape(-1)
        l1, l2 = self.penalty.l1, self.penalty.l2
        return D, l1, l2, l1 * D, l2 * (D * D)

    def class_shift_gap(self, point):
        """How much J falls by the shifts common to the classes that minimise the penalty
        (:func:`best_shift`; 0 for one column or without an L1 part: from the zero start an
        L2 fit's weights sum to 0 over the classes, their optimum)."""
        if self.coef_shape[1] == 1 or not self.penalty.l1 > 0.0:
            return 0.0
        return self._class_shift(point.coef)[0]

    def recentred(self, coef):
        """``coef`` with each coordinate's class weights shifted by :func:`best_shift`'s c:
        the same loss (the softmax ignores the shift), J lower by :meth:`class_shift_gap`;
        no pass over X."""
        return self._shifted(coef, self._class_shift(coef)[1])

    def _shifted(self, coef, c):
        """``coef`` with each coordinate j's class weights shifted by c[j] (host)."""
        pad = np.zeros((self.coef_shape[0], 1))
        pad[: self.problem.n_features, 0] = c
        return coef + self.backend.asarray(pad)

    def settled(self, point):
        """``point`` with each coordinate's class weights shifted to the penalty's least
        over the shifts common to the classes (:meth:`recentred`), for K classes with an
        L1 part; ``point`` itself elsewhere and where J would not fall. The softmax
        ignores such a shift: the loss, its gradient and the raw prediction stay (z then
        differs from X W + b by one vector common to the classes, which no softmax reads);
        J falls by :meth:`class_shift_gap`, and the L2 part's gradient by l2·D²·c (Tᵀ of
        l2·D·c in the base coordinates, W = D W'). O(p·K), no pass over X. Without it the
        prox steps move the weights along these shifts only at the L1 term's pace: such
        fits ran to max_iter (user guide, "The classes' common shift")."""
        if self.coef_shape[1] == 1 or not self.penalty.l1 > 0.0:
            return point
        gap, c = self._class_shift(point.coef)
        if not gap > 0.0:
            return point
        grad = point.grad
        if self.penalty.l2 > 0.0 and grad is not None:
            D2 = 1.0 if self.T.D is None else np.asarray(
                _host(self.backend, self.T.D), dtype=np.float64).reshape(-1) ** 2
            grad = self._shifted(grad, self.penalty.l2 * D2 * c)
        return Point(self._shifted(point.coef, c), point.J - gap, grad, point.z)

    def support_decrement(self, point, target):
        """gᵀH_SS⁻¹g for a penalty with an L1 part, in these (standardized) coordinates: S
        the weights that are not 0 and the intercepts (not the held columns), g the
        minimum-norm subgradient on S (∇ + l1·D·sign w), H the Hessian of J's smooth part
        (the rows' and the L2 part's) at ``point``, one column's p × p or K classes' whole
        one (:meth:`stop_take_price` says where). Near ``point`` the weights keep their
        signs and J restricted to S is smooth: this is its λ², twice its Newton decrement
        (proximal Newton's; Lee, Sun and Saunders 2014, "Proximal Newton-type methods for
        minimizing composite functions"). Above ``target``, the loss's flat directions on S
        are read as the L1 term's (:func:`_flat_decrement`). For K classes at least twice
        the penalty's fall under the shifts common to the classes (:func:`best_shift`).
        None where H_SS is not positive definite or λ² is not a number (extreme data)."""
        with np.errstate(all="ignore"):
            lam2 = self._support_decrement(point, target)
        return lam2 if lam2 is None or not math.isnan(lam2) else None

    def _support_decrement(self, point, target):
        """:meth:`support_decrement`'s work."""
        system = self._support_system(point)
        if system is None:
            return None
        W, keep, g, H, lam = system
        k = self.coef_shape[1]
        # K classes: J - J* is at least the penalty's fall under the shifts common to the
        # classes, which leave the loss as it is (:func:`best_shift`)
        D = np.asarray(_host(self.backend, self.std.D), dtype=np.float64)
        shift = 2.0 * best_shift(W, D, self.penalty.l1, self.penalty.l2)[0] if k > 1 else 0.0
        if not g.size or shift > target:
            return shift
        lam2, floored = _floored_decrement(H, lam, g, self.dtype)
        if not lam2 <= target or floored:
            # where the loss is flat along part of the support (its L1 term linear there),
            # or H's floor read a direction of less curvature
            w = np.full(self.coef_shape, np.inf)
            w[: self.problem.n_features] = W
            lam2 = _flat_decrement(H, lam, g, w.ravel(order="F")[keep])
            if lam2 is None or lam2 > target:
                return None if lam2 is None else max(lam2, shift)
        # and the valleys of the data's own rounding, which H cannot read
        valley = self._valley_line(point)
        return max(lam2 + (0.0 if valley is None else 2.0 * valley[1]), shift)

    @property
    def _data_valleys(self):
        """The directions (orthonormal columns over coef's p rows, these coordinates, the
        held ones 0) along which the rows' standardized Gram (the backend's centred Gram,
        the intercept's row too) curves within VALLEY of its largest eigenvalue but X
        itself does not vanish: columns collinear but for the data's own rounding
        (Munnell's public capital, the sum of three of its columns rounded on its own),
        not exactly (one-hot levels beside the intercept: X u is then X @ u's rounding,
        :meth:`_rounding_only`). At most MAX_VALLEYS of the Gram's, those of the largest
        curvature, turned to the eigenvectors of X's own Gram along them (an eigenvector of
        the Gram mixes an exact null direction with a valley by its rounding, ε·λ_max/gap,
        more than X @ u's) and kept where X's part along them, made again, passes that
        rounding. An empty basis where none, without the Gram kernel, or for more than
        MAX_WHITENED coordinates or the rows (the eigenvalues' 10 p³ flops against the
        Gram's n p²/2). Once a standardization (the fit's, a search column's): a Gram and
        two ``X @ N``, kept on it (:attr:`gdlogreg._problem.Standardization.valleys`)."""
        if self.std.valleys is None:
            with np.errstate(all="ignore"):
                self.std.valleys = self._valleys_of_data()
        return self.std.valleys

    def _valleys_of_data(self):
        """:attr:`_data_valleys`'s work (in the standardized coordinates)."""
        p, d = self.coef_shape[0], self.problem.n_features
        keep = self._unheld()
        H = None if p > min(MAX_WHITENED, self._positive_rows()) else self._bound_from_gram(keep)
        if H is None or not np.isfinite(H).all():
            return np.zeros((p, 0))
        lam = np.zeros(p)
        lam[:d] = self.penalty.l2 * np.asarray(_host(self.backend, self.std.D),
                                               dtype=np.float64) ** 2
        try:
            e, V = np.linalg.eigh(H - np.diag(lam[keep]))
        except np.linalg.LinAlgError:  # (extreme scales: no eigenvalues, no valley read)
            return np.zeros((p, 0))
        r = int(np.count_nonzero(e <= VALLEY * max(float(e[-1]), 0.0)))
        N = np.zeros((p, min(r, MAX_VALLEYS)))
        N[keep] = V[:, r - N.shape[1] : r]
        if not N.shape[1]:
            return N
        G, _ = self._row_gram(N)
        if not np.isfinite(G).all():
            return np.zeros((p, 0))
        N = N @ np.linalg.eigh(G)[1]
        G, base = self._row_gram(N)
        return N[:, np.diag(G) > self._rounding_only(base) ** 2]

    def _row_gram(self, N):
        """``(Σ s aaᵀ, base)``: the weighted Gram of X's part a along N's columns (these
        coordinates; ``base`` them in the original ones), one ``X @ N`` and one pass
        (:class:`gdlogreg._loss.RowGram`), host float64."""
        be, r = self.backend, N.shape[1]
        base = self.T.to_base(astype(be.asarray(N), self.dtype, self.xp))
        G, _, _ = be.loss_pass(RowGram(r), be.linear(base, self.fit_intercept))
        return np.asarray(G, dtype=np.float64).reshape(r, r), base

    def _rounding_only(self, base):
        """What X @ v's rounding alone gives, as a root mean square over the rows, for each
        column of ``base`` (the original coordinates): a row's product of p + 2 terms rounds
        by at most (p + 2)·ε times Σⱼ |xⱼ vⱼ| + |v_b| (Higham 2002, §3.1), whose root mean
        square is at most Σⱼ |vⱼ|·rms(xⱼ) + |v_b| (Minkowski). Host float64."""
        p, d = self.coef_shape[0], self.problem.n_features
        v = np.abs(np.asarray(_host(self.backend, base), dtype=np.float64).reshape(p, -1))
        rms = np.asarray(_host(self.backend, self.std.column_rms), dtype=np.float64)
        size = rms @ v[:d] + (v[d] if self.fit_intercept else 0.0)
        return (p + 2) * eps(self.dtype) * size

    def _valley_line(self, point):
        """``(d, fall)``: the step d from ``point`` (these coordinates, host, coef's shape)
        to J's least along the valley of the data's own rounding (:attr:`_data_valleys`,
        each class's weights alone) where J's model falls the most, and its falls along
        each, summed; None where none falls. Along each u, from the rows, J's curvature c
        (:meth:`_valley_curvature`, None: u is flat to X @ u's rounding, skipped) plus the
        L2 part's, the smooth part's slope gᵀu and the L1 term with its kinks, weights at
        0 too (:func:`gdlogreg._dense.least_on_line`, u's sign the one that descends). The
        Hessian that H's Gram holds reads such a valley as flat (its curvature within
        rounding of the largest), and the gradient tests do not see it: J's fall along it
        can pass the target by 1e3 (review 192)."""
        N = self._data_valleys
        if not N.shape[1]:
            return None
        (p, k), d, be = self.coef_shape, self.problem.n_features, self.backend
        D = np.asarray(_host(be, self.std.D), dtype=np.float64)
        W = np.asarray(_host(be, point.coef), dtype=np.float64).reshape(p, k)
        w = np.where(np.arange(p)[:, None] < d, W, 0.0)
        g = np.asarray(_host(be, point.grad), dtype=np.float64).reshape(p, k)
        lam1, lam2 = np.zeros(p), np.zeros(p)
        lam1[:d], lam2[:d] = self.penalty.l1 * D, self.penalty.l2 * D * D
        best, total = None, 0.0
        for c, n in ((c, n) for n in N.T for c in range(k)):
            u = np.zeros((p, k))
            u[:, c] = n
            curv = self._valley_curvature(point, u)
            if curv is None:
                continue
            C = curv + float(lam2 @ (n * n))
            beta = float(g[:, c] @ n)
            line = max(((s,) + least_on_line(s * beta, C, w[:, c], s * n, lam1)
                        for s in (1.0, -1.0)), key=lambda x: x[2])
            if 0.0 < line[2] < math.inf:
                total += line[2]
                if best is None or line[2] > best[1]:
                    best = (line[0] * line[1] * u, line[2])
        return None if best is None else (best[0], total)

    def valley_step(self, point):
        """The step d from ``point`` (these coordinates) to J's least along a valley of the
        data's own rounding (:meth:`_valley_line`), or None where there is none: columns
        collinear but for the data's rounding, along which the proximal steps crawl and
        a Newton step from the Gram's H does not descend."""
        twin = self.standardized_twin()
        with np.errstate(all="ignore"):
            line = twin._valley_line(self.standardized_point(point))
        return None if line is None else self.from_standardized(line[0])

    def from_standardized(self, step):
        """A host step in the standardized coordinates as one in these (backend array)."""
        step = astype(self.backend.asarray(step), self.dtype, self.xp)
        return step if self.T is self.std else self.T.from_base(self.std.to_base(step))

    def _valley_curvature(self, point, u):
        """The loss's curvature Σ s uᵀ∇²L u along u (coef's shape, these coordinates) from
        the rows: one ``X @ u`` and one O(n·m) pass (:class:`gdlogreg._loss.
        DirectionCurvature`). None where it is within what X @ u's rounding alone gives
        (:meth:`_rounding_only`, times the loss's curvature bound)."""
        k, be = self.coef_shape[1], self.backend
        base = self.T.to_base(astype(be.asarray(u), self.dtype, self.xp))
        rows = DirectionCurvature(1 if k == 1 else k, 1)
        q, _, _ = be.loss_pass(rows, self._raw(point), be.linear(base, self.fit_intercept),
                               None)
        c = float(np.sum(q))
        return c if c > self.curvature * float(np.sum(self._rounding_only(base) ** 2)) else None

    def _support_system(self, point, shifts=False, whole=False):
        """``(W, keep, g, H, lam)`` of J restricted to the support S at ``point`` (these
        coordinates, host float64): the weights W (d × K), S as a mask of coef's entries
        in column order, the minimum-norm subgradient g on S, H J's smooth part's Hessian
        on S and ``lam`` the penalty's part of its diagonal (:meth:`support_decrement`);
        None where the backend gives no Gram. ``shifts``: K classes' H with a curvature
        along the shifts common to the classes (:meth:`_class_bound`'s). ``whole``: S all
        coordinates but the held ones, g the smooth part's gradient (no L1 term's)."""
        (p, k), d, be = self.coef_shape, self.problem.n_features, self.backend
        W = np.asarray(_host(be, point.coef[:d, ...]), dtype=np.float64).reshape(d, k)
        S = np.ones((p, k), dtype=bool)
        if not whole:
            S[:d] = W != 0.0
        S &= self._unheld()[:, None]
        base = self.T.to_base(point.coef) if point.base is None else point.base
        z = point.z if point.z is not None else be.linear(base, self.fit_intercept)
        lam = np.zeros(p)
        D = np.asarray(_host(be, self.std.D), dtype=np.float64)
        lam[:d] = self.penalty.l2 * D * D
        g = np.array(_host(be, point.grad), dtype=np.float64).reshape(p, k)
        if not whole:
            g[:d] += self.penalty.l1 * D[:, None] * np.sign(W)
        if k == 1:
            if self._support_gram() or self._dense_applies():
                H = self._bound_from_gram(S[:, 0], self._curvature_rows(), z)
            elif whole:  # (every coordinate's columns: p products each way)
                return None
            else:  # H on S alone (:meth:`_support_take_price`)
                H = self._bound_on_support(S[:, 0], self._curvature_rows(), z)
            if H is None:
                return None
            H, lam = _symmetrized(H), lam[S[:, 0]]
        elif self._support_gram() or self._dense_applies():
            H, _, lam = self._class_bound(np.ones(p, dtype=bool), z, shifts=shifts)
            H, lam = _kept(H, S.ravel(order="F")), lam[S.ravel(order="F")]
        elif whole:
            return None
        else:  # H on S alone (:meth:`_support_take_price`)
            H, lam = self._class_bound_on_support(S, z, shifts)
        keep = S.ravel(order="F")
        return W, keep, g.ravel(order="F")[keep], H, lam

    def support_newton(self, point):
        """``(d, fall)``: the step d from ``point`` (these coordinates) to J's proximal
        Newton point: the least point of J's quadratic model there with its L1 term, over
        every coordinate but the held ones (H the Hessian of J's smooth part, as
        :meth:`support_decrement`'s; :func:`gdlogreg._dense.l1_model_point`: weights may
        leave the support, enter it and change sign, as the model asks), and the model's
        fall; d None where the backend gives no Gram, H is not finite or the model falls
        by no more than J's rounding. The step of proximal Newton's method, where proximal
        gradient steps crawl (Lee, Sun and Saunders 2014; user guide, "Newton steps on the
        support")."""
        twin = self.standardized_twin()
        with np.errstate(all="ignore"):
            out = twin._support_step(self.standardized_point(point))
        if out is None:
            return None, 0.0
        step, fall = out
        return self.from_standardized(step), fall

    def support_direction(self, point):
        """The Newton step -H_SS⁻¹ g_S of J restricted to the support S at ``point`` (these
        coordinates; :meth:`support_decrement`'s system, H floored as there), 0 off S; None
        where H_SS is not positive definite or no Gram applies. Where the proximal Newton
        step (:meth:`support_newton`) gives none: the L1 model's solve may not finish
        (raw AER::CreditCard at C = 1e4, weights of 4e3 in standardized units)."""
        twin = self.standardized_twin()
        with np.errstate(all="ignore"):
            # (K classes: a curvature along the shifts common to the classes, as
            # :meth:`_support_step`'s: H⁻¹ blows their rounding up to huge steps there)
            system = twin._support_system(self.standardized_point(point), shifts=True)
            if system is None or not system[2].size:
                return None
            _, keep, g, H, lam = system
            L = _factor(np.array(H), np.float64, lam)
            if L is None:
                return None
            x = _cho_solve(L, g[:, None])[:, 0]
        if not np.isfinite(x).all():
            return None
        step = np.zeros(keep.size)
        step[keep] = -x
        return self.from_standardized(step.reshape(self.coef_shape, order="F"))

    def _support_step(self, point):
        """:meth:`support_newton`'s step in the standardized coordinates (host)."""
        # (K classes: the loss is flat along the shifts common to the classes, and H⁻¹
        # would blow their rounding up to huge steps there, as in the metric of K classes)
        system = self._support_system(point, shifts=True, whole=True)
        if system is None or not system[2].size:
            return None
        W, keep, g, H, lam2 = system
        (p, k), d = self.coef_shape, self.problem.n_features
        coef = np.zeros((p, k))
        coef[:d] = W
        lam1 = np.zeros((p, k))
        lam1[:d] = self.penalty.l1 * np.asarray(_host(self.backend, self.std.D),
                                                dtype=np.float64).reshape(d, 1)
        w = coef.ravel(order="F")[keep]
        # (the Gram's flops: the model's solve may cost about as much as the take; a fall
        # within J's rounding is none)
        out = l1_model_point(g, H, lam1.ravel(order="F")[keep], lam2, w,
                             flops=float(max(self._rows(), 1)) * len(w) ** 2,
                             rounding=FALL_ROUNDING * eps(np.float64) * abs(point.J))
        if out is None:
            return None
        step = np.zeros(p * k)
        step[keep] = out[0] - w
        return step.reshape((p, k), order="F"), out[1]

    def least_weight(self):
        """The least normalised weight of a row of positive weight (a host float)."""
        return float(least_weights(self.backend.s, self.backend.xp, self.dtype))

    def infimum_zero(self):
        """Whether J's infimum is 0 with a penalty too: an intercept, and one class holds
        all the rows' weight (:func:`one_target`: the others' rows weigh nothing)."""
        be = self.backend
        return self.fit_intercept and bool(one_target(be.s, be.targets, be.xp, self.dtype))

    def infimum_ray(self):
        """Where J's infimum is 0 (:meth:`infimum_zero`): (d, D), the direction of the
        intercepts along which every row's loss falls to 0 (:func:`intercept_ray`), in
        these coordinates, and its raw prediction D (X·0 + the intercepts' shift); else
        None."""
        be = self.backend
        if not self.fit_intercept:
            return None
        target = float(weight_target(be.s, be.targets, be.xp, self.dtype))
        if math.isnan(target):
            return None
        d = intercept_ray(self.loss, [target], self.coef_shape, be)
        return d, be.linear(self.T.to_base(d), True)

    def ray_start(self, coef):
        """(coef with its weights at 0, its raw prediction): the ray of
        :meth:`infimum_ray` starts there, where the infimum lies (the weights' penalty,
        1e-32 at weights of 1e-16, held J above the separated test's bound where a row
        weighs 1e-40; review 213)."""
        start = intercepts_alone(coef, self.problem.n_features, self.backend)
        return start, self.backend.linear(self.T.to_base(start), True)

    def ray_value(self, coef, z, D, t):
        """J at coef + t·d for a coef whose raw prediction is z and a direction d of the
        intercepts alone whose raw prediction is D (:meth:`infimum_ray`): O(n), the loss
        in its form that cannot overflow; the penalty, which the intercepts do not enter,
        at coef."""
        value, _, _ = self.backend.loss_pass(Stable(self.loss), z, D, t)
        return value + self.penalty_at(coef)

    def _positive_rows(self):
        """The rows of positive weight (:attr:`_positive_row_count`)."""
        return self._positive_row_count

    @functools.cached_property
    def _positive_row_count(self):
        """The rows of positive weight, counted once: a sum on the device, and on Dask a
        pass over the weights' chunks (asked at every price of a stop's take: 12 ms a
        time on 1,797 rows, most of a float32 L1 fit's time)."""
        be = self.backend
        return be.n_samples if isinstance(be.s, float) else int(
            to_host(be.xp.sum(astype(be.s > 0, be.dtype, be.xp))))

    def _low_rank_applies(self):
        """Whether :class:`LowRankMetric` may be taken: a penalty (its curvature is the
        diagonal part), a backend that gives the centred rows, and few enough of them:
        counted as :meth:`_rows` does (a held-out fold's rows, or rows of weight 0, are
        none; a weight of 2 counts as two rows: the same path as the fit on those rows),
        and the rows of positive weight it copies (the backends' ``centred_rows``)."""
        return self._low_rank_rows() is not None

    def _low_rank_rows(self):
        """The rows :class:`LowRankMetric` counts (:meth:`_rows`) where it may be taken
        (:meth:`_low_rank_applies`), else None; the rows of positive weight (a sum on the
        device) counted only where the penalty and the backend allow it."""
        be = self.backend
        if not (self.penalty.l2 > 0.0 and getattr(be, "gives_rows", False)):
            return None  # (sparse X of few stored entries: H's diagonal instead)
        n = self._rows()
        return n if _factored(n, self.coef_shape[0]) else None

    def whitening_start(self, first, early=False):
        """The iteration of the whitened steps' first take from a cold start: ``first``,
        or later where :class:`LowRankMetric` has more than LOW_RANK_FEW rows and fewer than
        WHITENED_ROWS times as many coordinates: there it waits until the iterations have
        cost what the take does (the rows' Gram n²p/2 and C's Cholesky n³/3, at BLAS3_RATE
        times the flop rate of an iteration's two products 4np and ITERATION_FLOPS for one
        column; for K classes in full, against 2npK), so that a fit it cannot speed up
        costs about twice its time at most (rent or buy), and one that crawls gets it.
        ``early`` (bb's): the p × p metric of one column sooner, as soon as it is paid
        (:func:`paid_start`)."""
        p, k = self.coef_shape
        if not self.penalty.smooth or self.T is not self.std:
            return first
        if self._dense_applies():
            return paid_start(first, p) if early and k == 1 else first
        gap = self.whitening_gap()
        if gap and p > MAX_WHITENED:  # one dense column: once a take's cost is run
            return max(first, math.ceil(gap / RENT))
        if gap:  # the p × p metric between the two (:meth:`_middle_applies`)
            return max(first, gap)
        n = self._low_rank_rows()
        if n is None or n <= LOW_RANK_FEW or WHITENED_ROWS * n <= p:
            return first
        return max(first, math.ceil(self._low_rank_price(n)))

    def _low_rank_price(self, n):
        """A take of :class:`LowRankMetric` on n rows in iterations (:meth:`whitening_start`)."""
        p, k = self.coef_shape
        take = n * n * p / 2 + n**3 / 3
        if k == 1:  # the take's BLAS-3 flops at BLAS3_RATE, an iteration's two products 4np
            take, products = take / BLAS3_RATE, 4 * n * p
        else:  # K classes: a metric the classes share, not their Hessian; taken sooner it
            products = 2 * n * p * k  # cost iterations (BLAS3_RATE's note)
        return take / (products + ITERATION_FLOPS)

    def _low_rank_metric(self, keep, rows=None, Z=None, previous=None, spent=0,
                         class_blocks=True):
        """H⁻¹ of :meth:`whitening` as a :class:`LowRankMetric`, from the backend's
        centred rows, or from ``previous``'s (this objective's metric taken before: the
        same rows and penalty); None without them, or where H is not positive definite.
        K classes at a point: each class's own diagonal block where that pays
        (:meth:`_low_rank_blocks_pay`) and ``class_blocks`` allows (not L-BFGS's H₀, whose
        fits on them crawl near C = inf; CHANGELOG.md, "Between the two metrics; review
        53"), else the mean of the blocks."""
        be = self.backend
        if rows is not None and class_blocks and self._low_rank_blocks_pay(spent):
            rows = SoftmaxCurvature(self.coef_shape[1], blocks=True)
        w = (self.curvature if rows is None else rows.scale) * be.row_weights(rows, Z)
        if not isinstance(previous, LowRankMetric):
            D = _host(be, self.std.D)
            A = be.centred_rows(_host(be, self.std.mean), D)
            if A is None:
                return None
            d = self.problem.n_features
            feat = np.flatnonzero(keep[:d])
            previous = LowRankMetric(A if len(feat) == d else A[:, feat],
                                     self.penalty.l2 * D[feat] ** 2, feat, self.fit_intercept,
                                     self.metric_dtype, self._rows())
            # applied on the host: q comes from, and P q goes to, the backend
            previous.to_host, previous.to_backend = partial(_host, be), self._metric_array
        if w.ndim == 2 and self.fit_intercept and not np.all(w.sum(axis=0) > 0.0):
            w = w.mean(axis=1)  # a class of no curvature anywhere (Σ w = 0): their mean
        P = previous.at(w)
        if P is not None and w.ndim == 2:  # the blocks' trace: Σ w‖a‖² (and Σ w: 1s)
            trace = float(np.mean(P.sq @ w)) + self.fit_intercept * float(w.sum(axis=0).mean())
            P.shift = self._shift_steps(trace, keep)
        return P

    def _low_rank_blocks_pay(self, spent=0):
        """Whether the factored metric of K classes takes each class's own diagonal block
        (:meth:`LowRankMetric.at` of an (n, K) w) rather than their mean: where its K
        Choleskys (K·n³/3) cost at most CLASS_TAKE iterations (the products with X and with
        the rows, 8npK, and ITERATION_FLOPS), or the ``spent`` iterations at a retake (rent
        or buy, as :meth:`_class_metric_pays`), and the K factors hold at most
        LOW_RANK_ENTRIES entries; in float32 too, as the dense metric's class blocks
        (:meth:`_class_metric_pays`; stop 82). And where their solves, K pairs of
        triangular ones (2Kn², at a SOLVE_RATE-th of the products' rate), add at most half
        an iteration: where they cost more, the blocks' fewer iterations cost more time
        (benchmarks/README.md, "Wide data of K classes: each class's own block")."""
        p, k = self.coef_shape
        n = self._low_rank_rows()
        # float32 too: the classes' mean block crawled there (HistData::Guerry raw, 85 rows
        # of 21 features, 5 classes: max_iter 5e-5 to 8e-3 above J*, float64 155 to 410)
        if k == 1 or n is None or k * n * n > LOW_RANK_ENTRIES:
            return False
        iteration = 8 * n * p * k + ITERATION_FLOPS
        if 2 * k * n * n * SOLVE_RATE > 0.5 * iteration:
            return False
        budget = max(CLASS_TAKE, spent) if CLASS_TAKE > 0 else 0
        return k * n**3 / 3 <= budget * iteration

    def _shift_steps(self, trace, keep):
        """The step of each coordinate along the shifts common to the classes, which the
        softmax ignores (only the penalty curves them), for a metric of K diagonal blocks of
        mean ``trace``: 1/(l2·D² + c), c the blocks' mean diagonal (with the penalty's), as
        the whole Hessian's H + c·Π gives (:meth:`_class_bound`); 1 on a held coordinate."""
        p = self.coef_shape[0]
        D = _host(self.backend, self.std.D)
        lam = np.zeros(p)
        lam[: len(D)] = self.penalty.l2 * D * D
        c = (trace + float(lam.sum())) / p
        # (no curvature at all, lam + c = 0: the rows certain and no penalty, X near 1e300:
        # the plain step 1 there, not 1/0 and numpy's warning; review 182)
        return np.divide(1.0, lam + c, out=np.ones(p), where=keep & (lam + c > 0.0))

    def whole_class_pays(self, spent=0):
        """Whether a take of the whitened steps' metric at a point, ``spent`` iterations
        into the fit, would be the whole Hessian of K classes (:meth:`_dense_metric`): a
        stop that a held metric of their blocks alone would confirm is confirmed in it
        instead (:func:`gdlogreg._steps.bb.newton_confirms`)."""
        if self.coef_shape[1] == 1 or not self.penalty.smooth or self.T is not self.std:
            return False
        return self._dense_applies() and self._class_metric_pays(spent)

    def _class_metric_pays(self, spent=0, blocks=False):
        """Whether the whitened steps of K classes take the Hessian's K × K class blocks
        (:class:`ClassMetric`) rather than their mean: where that take, a Gram of n·(Kp)²/2
        flops and about 2·(Kp)³ to factor and invert it (at an iteration's rate), costs at most
        CLASS_TAKE iterations (4npK and ITERATION_FLOPS), or at a retake the ``spent``
        iterations the fit has run (rent or buy: a fit that crawls on the mean block gets
        them at most twice its time), n the larger of :meth:`_rows` and the rows of positive
        weight (weights that sum to 1 are no fewer rows). ``blocks``: the K
        diagonal blocks alone (:meth:`_class_blocks`), K Grams of n·p² and K factors of
        2p³, counted at an iteration's rate. (From FACTORED_FROM coordinates the whole
        Hessian is factored alone, (Kp)³/3, and on CSR X whose rows go dense its Gram comes
        from dense blocks: this price, kept as measured, is then above the take's cost, and
        the takes keep their iterations.)"""
        p, k = self.coef_shape
        # float32 too: with the floors (10 ε of H's whole diagonal) its fits converge, where
        # the classes' mean block left many at max_iter or above J* (reviews 28, 101)
        if k == 1:
            return False
        n, kp = max(self._rows(), self._positive_rows()), k * p
        if not blocks and not whole_class_metric(kp, n, getattr(self.backend, "_sparse", False)):
            return False
        budget = max(CLASS_TAKE, spent) if CLASS_TAKE > 0 else 0  # 0: the class blocks off
        take, iteration = self._class_take(blocks, n)
        return take <= budget * iteration

    def _class_take(self, blocks, n):
        """(a take's flops, an iteration's) of :meth:`_class_metric_pays`, n its rows."""
        p, k = self.coef_shape
        if getattr(self.backend, "_sparse", False):
            sums = self._stored_sums(n)
            return (self._sparse_class_take(blocks, n, sums),
                    4 * sums[0] * k + 4 * n * k + ITERATION_FLOPS)
        # at an iteration's rate, not BLAS3_RATE (its products of K columns are matrix
        # products too: review 50; benchmarks/README.md, "Many classes: each class's own
        # diagonal block")
        kp = k * p
        take = k * (n * p * p + 2 * p**3) if blocks else n * kp * kp / 2 + 2 * kp**3
        return take, 4 * n * kp + ITERATION_FLOPS

    def blocks_take_price(self):
        """What a take of K classes' own Hessian blocks costs in iterations
        (:meth:`_class_take`'s flops, the rows counted as :meth:`_rows` does): what
        :func:`gdlogreg._steps.bb.diagonal_fell` weighs against the iterations run."""
        take, iteration = self._class_take(True, max(self._rows(), self._positive_rows()))
        return take / iteration

    def _stored_sums(self, n, cols=None):
        """``(Σ m·c, Σ m·c²)``: c the entries each row of sparse X stores (in the columns
        ``cols`` alone, if given) and m the row's count among the n rows (float64): n·s for
        the normalised weights s, so that the sparse takes' price counts the rows as
        :meth:`_rows` does, a held-out fold's (or a weight of 0) none, a weight of 2 as a
        repeated row (a search's column takes what its single fit takes, review 97;
        scikit-learn's sample-weight equivalence, review 162). By chunks of rows
        (:func:`gdlogreg._backends._array.stored_sums`)."""
        be = self.backend
        equal = isinstance(be.s, float)
        stored, pairs, _ = stored_sums(be.X, 1.0 if equal else be.s, cols)
        scale = n / max(be.X.shape[0], 1) if equal else n
        return scale * stored, scale * pairs

    def _sparse_class_take(self, blocks, n, sums):
        """What a take of the class metric costs for sparse X, in an iteration's flops
        (:meth:`_class_metric_pays`). CSR X's K diagonal blocks (``blocks``): K sparse Grams,
        Σ of each row's stored entries squared and SPARSE_ENTRY times its entries, at
        SPARSE_GRAM times an iteration's flop, and the K dense blocks' factors, inverses and
        centring (SPARSE_BLAS_RATE, SPARSE_BLOCK; review 70). Else the whole Hessian by
        products (:meth:`_class_columns`): p columns through X and K²p back and the n × K²p
        products between, the products of many columns SPARSE_TAKE_RATE times faster a
        column than an iteration's. The model against measured takes: benchmarks/README.md,
        "One-hot categorical data" (review 68). ``sums``: :meth:`_stored_sums`'s pair."""
        (p, k), (nnz, pairs) = self.coef_shape, sums
        if blocks and getattr(self.backend, "_sparse_rows", False):
            dense = 2.0 * p**3 / SPARSE_BLAS_RATE + SPARSE_BLOCK * p * p
            return k * (SPARSE_GRAM * (pairs + SPARSE_ENTRY * nnz) + dense)
        return (2 * nnz * p * (1 + k * k) + 4 * n * p * k * k) / SPARSE_TAKE_RATE

    def _wide_kind(self):
        """X's kind where it may take the wide p × p metric, "csr" or "dense" (host numpy
        X, Dask's dense chunks; :data:`MAX_WIDE_WHITENED`; "csr" also for CSC X of sorted
        row indices, whose Grams take its rows as CSR), else None (other CSC and array-API
        X)."""
        be = self.backend
        if not hasattr(be, "_csr"):
            return None
        return "csr" if be._sparse_rows else (None if be._sparse else "dense")

    def _wide_rents(self):
        """Whether the wide metric waits under H's diagonal until the iterations have
        cost RENT takes (:meth:`_wide_price`): CSR X, and dense X of K classes (their
        blocks' take costs K p × p ones; the mean block they share, taken sooner, cost
        iterations on Gaussian and 0/1 columns: benchmarks/README.md, "Dense X of 513 to
        2,048 coordinates"). One dense column takes it once the iterations have cost one
        take."""
        return self._wide_kind() == "csr" or self.coef_shape[1] > 1

    def _wide_price(self):
        """RENT times the iterations a take of the p × p metric costs where X has more
        than MAX_WHITENED coordinates (:data:`MAX_WIDE_WHITENED`), in time (the WIDE_*
        model; K classes: K blocks, :meth:`_class_blocks`). CSR X takes H's diagonal until
        the iterations have run that long (and dense X of K classes), its takes following
        bb's doubling schedule, each after at least half the iterations run: they cost at
        most 2/RENT of the fit. One dense column takes it once the iterations have cost one
        take (a few dozen iterations, where CSR X's cost hundreds) and again no sooner
        than RENT takes' iterations after the last (:meth:`whitening_gap`,
        :meth:`whitening_start`)."""
        be, (p, k), n = self.backend, self.coef_shape, self._rows()
        if be._sparse:  # CSR, or CSC of sorted row indices (:meth:`_wide_kind`)
            stored, pairs = self._stored_sums(n)
            gram = WIDE_PAIR * pairs
            products = WIDE_STORED * stored * k
        else:  # the Gram's n·p² flops by BLAS 3 and its blocks' centred copies
            gram = n * p * p / WIDE_GRAM + WIDE_COPY * n * p
            products = n * p * (WIDE_DENSE + WIDE_COLUMN * k)
        # one column's factor p³/3 (:class:`FactoredMetric`), K classes' blocks' inverses 7p³/3
        factor = (1.0 if k == 1 else 7.0) * p**3 / 3.0
        take = k * (factor / WIDE_BLAS + WIDE_ENTRY * p * p + gram)
        return math.ceil(RENT * take / (products + k * WIDE_ROW * n + WIDE_FIXED))

    def _class_blocks(self, keep, Z):
        """The metric of ``_class_metric_pays(blocks=True)``: each class's diagonal block of
        J's Hessian (the penalty's l2·D² in it) inverted on its own, the coupling left out
        (:class:`ClassMetric` of K blocks: not J's Hessian, never retaken as stale). From
        the backend's ``class_gram``, else from the whole Hessian by products. None where
        a block is not positive definite."""
        be, (p, k) = self.backend, self.coef_shape
        gram, rows = getattr(be, "class_gram", None), SoftmaxCurvature(k, blocks=True)
        D = _host(be, self.std.D)
        G = None if gram is None else gram(_host(be, self.std.mean), D, Z, rows)
        d = len(D)
        if G is None:  # the whole Hessian's diagonal blocks, by products
            H = SoftmaxCurvature(k).assemble(self._class_columns(Z)).reshape(k, p, k, p)
            G = np.stack([H[c, :, c, :] for c in range(k)])
        elif not self.fit_intercept:
            G = G[:, :d, :d]
        lam = np.zeros(p)
        lam[:d] = self.penalty.l2 * D * D
        shift = self._shift_steps(float(np.trace(G, axis1=1, axis2=2).mean()), keep)
        # the rows' part of each block's diagonal, (p, K): curvature_diagonal's here, free
        diagonal = np.diagonal(G, axis1=1, axis2=2).T.copy()
        for H in G:  # each block's inverse in its own place: one (K, p, p) stack at most
            _add_diagonal(H, lam)
            K = _kept(H, keep)
            P = _inverse(_symmetrized(K), keep, self.metric_dtype, lam[keep])
            if P is None:
                return None
            H[...] = P
        metric = ClassMetric(G, self.coef_shape, be, shift, self._metric_array)
        metric.rows_diagonal = diagonal
        return metric

    def _class_bound(self, keep, Z, shifts=True):
        """``(H', keep, lam)`` for :func:`_inverse`: H' from J's Hessian H over the K class
        columns at the raw prediction Z (the backend's :meth:`class_gram` and the penalty's
        l2·D² on each class's weights), on the coordinates ``keep`` of every class.

        The softmax ignores a shift common to the classes (v ⊗ 1, v of p coordinates): there
        H is the penalty's diagonal alone, 0 for the intercept and without a penalty, and
        the gradient nothing but that penalty's part and rounding. H' = H + c·Π, Π the
        projection on those shifts and c H's mean diagonal: on their complement H'⁻¹ is H⁻¹
        (H and Π commute), and along them a step of 1/(l2·D² + c), where H⁻¹'s own, 1/(l2·D²)
        (1e42 for a feature of huge units), blew the gradient's rounding there up to huge
        steps (review 48). ``shifts`` False: H itself (:meth:`support_decrement`)."""
        be, (p, k) = self.backend, self.coef_shape
        gram, rows = getattr(be, "class_gram", None), SoftmaxCurvature(k)
        D = _host(be, self.std.D)
        S = None if gram is None else gram(_host(be, self.std.mean), D, Z, rows)
        d = len(D)
        if S is None:  # by products with X, in these coordinates
            H = rows.assemble(self._class_columns(Z))
        else:  # the kernel's, with the intercept's row and column
            H = rows.assemble(S)
            if not self.fit_intercept:
                H = H.reshape(k, d + 1, k, d + 1)[:, :d, :, :d].reshape(k * d, k * d)
        lam = np.zeros(p)
        lam[:d] = self.penalty.l2 * D * D
        _add_diagonal(H, np.tile(lam, k))
        at = np.arange(p)
        if shifts:
            H.reshape(k, p, k, p)[:, at, :, at] += float(np.trace(H)) / (len(H) * k)  # c·Π
        kept = np.tile(keep, k)
        H = _kept(H, kept)
        return _symmetrized(H), kept, np.tile(lam, k)[kept]

    def _class_columns(self, Z):
        """Σ MᵀM of :meth:`gdlogreg._loss.SoftmaxCurvature.gram_part` in these coordinates
        (host float64, (Kp)²) by products with X, for a backend without ``class_gram``
        (sparse X too): column (l, i) is Tᵀ Âᵀ (s pₗ âᵢ pₖ)ₖ, one ``X @ V`` for a chunk of
        coordinates i and one ``X.T @ R`` of K² times as many columns, in chunks of at
        most :data:`GRAM_ENTRIES` entries of R (or a sixteenth of X's)."""
        be, xp, (p, k) = self.backend, self.xp, self.coef_shape
        n = max(be.n_samples, 1)
        P = probabilities(Z, xp)
        s = be.s if isinstance(be.s, float) else xp.reshape(be.s, (-1, 1))
        width = _chunk_columns(be, n * k * k)
        S = np.empty((k, p, k, p))
        for lo in range(0, p, width):
            c = min(width, p - lo)
            E = np.zeros((p, c))
            E[lo + np.arange(c), np.arange(c)] = 1.0
            # a row of weight 0 whose X overflows: inf times 0, set aside below
            with np.errstate(over="ignore", invalid="ignore"):
                U = be.linear(self.T.to_base(be.asarray(E)), self.fit_intercept) * s  # s âᵢ
                R = (U[:, :, None, None] * P[:, None, :, None]) * P[:, None, None, :]  # i, l, k
            if not isinstance(be.s, float):  # rows of weight 0 move nothing (review 66)
                R = xp.where(xp.reshape(s, (-1, 1, 1, 1)) > 0, R, xp.zeros_like(R))
            G = self.T.grad_from_base(be.rlinear(xp.reshape(R, (R.shape[0], -1)),
                                                 self.fit_intercept))
            S[:, :, :, lo : lo + c] = _host(be, G).reshape(p, c, k, k).transpose(3, 0, 2, 1)
        return S.reshape(k * p, k * p)

    def _bound_from_gram(self, keep, rows=None, Z=None):
        """H on the coordinates ``keep`` from the backend's centred Gram (one read of X):
        in standardized coordinates c Ĝ + l2 [D² 0; 0 0] (c·ρ for κ with ``rows``), Ĝ the
        Gram of the rows centred at μ (held columns: at 0) and scaled by D (in raw units it
        would overflow for features near 1e155), with a last row and column of 1s for the
        intercept. None without that kernel."""
        gram = getattr(self.backend, "centred_gram", None)
        D = _host(self.backend, self.std.D)
        G = None if gram is None else gram(_host(self.backend, self.std.mean), D, rows, Z)
        if G is None:
            return None
        d = len(D)
        c = self.curvature if rows is None else rows.scale
        H = c * (G if self.fit_intercept else G[:d, :d])
        _add_diagonal(H[:d, :d], self.penalty.l2 * D * D)
        return _kept(H, keep)

    def _bound_on_support(self, keep, rows, Z):
        """H on the coordinates ``keep`` (a support: weights and the intercept) where the
        Gram of every coordinate is not taken: from the centred Gram of the support's
        columns alone (one read of X, the products n·|S|²/2)."""
        d, be = self.problem.n_features, self.backend
        cols = np.flatnonzero(keep[:d])
        D = np.asarray(_host(be, self.std.D), dtype=np.float64)
        G = be.centred_gram(_host(be, self.std.mean), D, rows, Z, cols=cols)
        c = self.curvature if rows is None else rows.scale
        s = len(cols)
        H = c * (G if self.fit_intercept else G[:s, :s])
        _add_diagonal(H[:s, :s], self.penalty.l2 * D[cols] ** 2)
        return _kept(H, np.append(np.ones(s, dtype=bool), keep[d:]))

    def _class_bound_on_support(self, S, Z, shifts):
        """``(H, lam)`` of K classes on the support ``S`` (a (p, K) mask; these coordinates
        are the standardized ones) where the Hessian of every coordinate is not taken: the
        blocks (a, b) of the softmax's Hessian Σ s (δₐᵦ pₐ - pₐ p_b) â âᵀ on the columns
        in any class's support, each the backend's centred Gram of those columns at the
        row weights s·pₐ(1 - pₐ) or s·pₐ·p_b (K(K + 1)/2 reads of X), the penalty's l2·D²
        on the diagonal and, with ``shifts``, :meth:`_class_bound`'s curvature along the
        shifts common to the classes; H and lam on S."""
        be, (p, k), d = self.backend, self.coef_shape, self.problem.n_features
        cols = np.flatnonzero(S[:d].any(axis=1))
        D = np.asarray(_host(be, self.std.D), dtype=np.float64)
        mean, q = _host(be, self.std.mean), len(cols) + (p - d)
        H = np.empty((k, q, k, q))
        for a in range(k):
            for b in range(a, k):
                rows = ClassCurvatures(k, a) if a == b else ClassPairCurvature(k, a, b)
                G = be.centred_gram(mean, D, rows, Z, cols=cols)[:q, :q]
                H[a, :, b, :] = G if a == b else -G
                H[b, :, a, :] = H[a, :, b, :].T
        H = H.reshape(k * q, k * q)
        lam = np.zeros(q)
        lam[: len(cols)] = self.penalty.l2 * D[cols] ** 2
        lam = np.tile(lam, k)
        _add_diagonal(H, lam)
        if shifts:
            at = np.arange(q)
            H.reshape(k, q, k, q)[:, at, :, at] += float(np.trace(H)) / (len(H) * k)
        keep = S[np.append(cols, np.arange(d, p))].ravel(order="F")
        return _symmetrized(_kept(H, keep)), lam[keep]

    def _bound_columns(self, cols, rows=None, Z=None):
        """H's columns ``cols`` (host float64, p × len(cols)), in chunks whose products hold
        at most :data:`GRAM_ENTRIES` entries (or a sixteenth of X's; sparse X: a sixteenth
        of its stored entries, :func:`_chunk_columns`)."""
        be, p = self.backend, self.coef_shape[0]
        width = _chunk_columns(be, max(be.n_samples, 1))
        out = np.empty((p, len(cols)))
        for lo in range(0, len(cols), width):
            E = np.zeros((p, min(width, len(cols) - lo)))
            E[cols[lo : lo + width], np.arange(E.shape[1])] = 1.0
            out[:, lo : lo + E.shape[1]] = _host(be, self.curvature_matvec(be.asarray(E), rows, Z))
        return out

    def zeros(self):
        return self.problem.zeros()

    def split(self, coef):
        """Views (W, b) of coef = [W; b]; b is None without an intercept."""
        return self.problem.split(coef)

    def join(self, w, b):
        """Inverse of :meth:`split`."""
        if b is None:
            return w
        return concat([w, self.xp.reshape(b, (1, -1))], self.xp)


class Ray:
    """φ(t) = J(coef + t·d) along a direction d from a Point.

    ``X @ d`` is computed once, by the first trial that needs it; every
    trial after it is O(n): Z + t·(X d). A likely first trial
    (:meth:`trial`) on a backend that moves Z in place needs none: its pass
    moves Z by X (t·d). The ray takes the point's raw prediction
    (``point.z`` becomes None).
    """

    def __init__(self, objective, point, d):
        self.objective = objective
        self.coef, self.d = point.coef, d
        T = objective.T
        # The original coordinates move along T d as Z along X T d (T is linear).
        self.base = T.to_base(point.coef) if point.base is None else point.base
        self.Z, point.z = objective.backend.linear(self.base, objective.fit_intercept) if (
            point.z is None) else point.z, None
        self.base_d = T.to_base(d)
        self.D = None  # X T d, once a trial needs it

    @staticmethod
    def _at(a, v, t):
        return a + v if t == 1.0 else a + t * v

    def _direction(self):
        if self.D is None:
            obj = self.objective
            self.D = obj.backend.linear(self.base_d, obj.fit_intercept)
        return self.D

    def __call__(self, t):
        """J(coef + t·d): O(n), nothing moves."""
        obj = self.objective
        value, _, _ = obj.backend.loss_pass(obj.loss, self.Z, self._direction(), t)
        W = obj._weights(self._at(self.base, self.base_d, t))
        return value + obj.penalty.value(W, obj.xp)

    def _pass(self, t, accept=None):
        coef, base = self._at(self.coef, self.d, t), self._at(self.base, self.base_d, t)
        if accept is not None and self.D is None and self.objective.trials_in_place:
            V = self.base_d if t == 1.0 else t * self.base_d  # Z moves by X (t·d) in the pass
            return self.objective._pass(coef, self.Z, accept=accept, base=base, V=V)
        return self.objective._pass(coef, self.Z, self._direction(), t, accept=accept, base=base)

    def point(self, t):
        """The Point at coef + t·d with its gradient (one ``X.T @ R``); the ray is spent."""
        point = self._pass(t)
        self.Z = self.D = None
        return point

    def trial(self, t, accept, likely=False):
        """``(point, J)``: J(coef + t·d), and the Point there if ``accept(J)`` holds, else None.

        One fused pass takes J and, if accepted, the gradient: an accepted
        trial costs what :meth:`point` alone costs, a refused one skips
        ``X.T @ R``. Where that pass moves Z in place (large data), a refused
        trial is undone exactly (``X @ coef`` again, and ``X @ d`` where the
        residual overwrote it), so only a ``likely`` trial is fused there; the
        others take J first (O(n)) and the point's pass once accepted.
        """
        if not likely and self.objective.trials_in_place:
            J = self(t)
            return (self.point(t) if accept(J) else None), J
        obj = self.objective
        point = self._pass(t, accept=accept)
        if accept(point.J):
            self.Z = self.D = None
            return point, point.J
        be = obj.backend
        if point.z is self.Z:  # moved in place: put Z back, and D where R overwrote it
            self.Z = be.linear(self.base, obj.fit_intercept, out=self.Z)
            if self.D is not None and be.spends_direction(obj.loss, self.Z.shape[1]):
                self.D = be.linear(self.base_d, obj.fit_intercept, out=self.D)
        return None, point.J


class DiagonalMetric:
    """diag(H)⁻¹ (:meth:`Objective._diagonal_metric`), applied as ``P @ q`` to q of shape
    (p, m): each coordinate's step scaled by its curvature, the classes' columns alike (the
    mean of their diagonal blocks, as the p × p metric the classes share)."""

    #: not J's Hessian: bb does not retake it where its spectral steps grow (they need not
    #: be near 1 here, and each retake restarts the steps), and its ½ gᵀP g is no
    #: estimate of J - J*: it confirms no stop
    exact, decrement = False, False

    def __init__(self, inv, host):
        self.inv, self.host = inv, host  # (p, 1) in the backend's namespace; (p,) numpy

    def __matmul__(self, q):
        return q * self.inv


def _wide(P, wide):
    """K classes' blocks (:class:`ClassMetric`) as X above MAX_WHITENED coordinates holds
    them (``wide``): their ½ gᵀP g confirms no stop; P itself elsewhere or None."""
    if P is not None and wide:  # K blocks: never retaken as stale already
        P.decrement = False
    return P


class FactoredMetric:
    """H⁻¹ of the p × p metric applied as ``P @ q`` by H's Cholesky factor L on the
    coordinates ``keep`` (two triangular solves, the identity elsewhere; host numpy
    parameters: numpy, scipy.sparse and Dask X, not array-API devices): an
    application costs what a product with H⁻¹ does, and the take p³/3 flops where the
    inverse cost 7p³/3 (benchmarks/README.md, "The metric's Cholesky factor"). Of host X from
    :data:`FACTORED_FROM` coordinates (fewer: the inverse, whose product is one numpy
    call), and above MAX_WHITENED always (:meth:`Objective._wide_price`).

    ``exact``: J's Hessian where taken (one column below MAX_WHITENED), which bb retakes
    where its spectral steps grow. Above MAX_WHITENED a take costs what dozens or hundreds
    of iterations do: not retaken so; bb's schedule retakes it. ``decrement``: whether its
    ½ gᵀP g confirms a stop; above MAX_WHITENED one dense column's, whose take costs dozens
    of iterations (without it correlated columns at a weak penalty stop above the promise;
    review 133), not CSR X's, whose take costs hundreds (the gradient tests and the duality
    gap stop it, as under H's diagonal)."""

    def __init__(self, L, keep, exact=False, decrement=False):
        self.L, self.keep, self.exact, self.decrement = L, keep, exact, decrement
        self.rows = slice(None) if keep.all() else keep

    @property
    def nbytes(self):
        """The memory it holds (its factor's; the search's budget counts it, metric_bytes)."""
        return self.L.nbytes

    def __matmul__(self, q):
        out = np.array(q, dtype=np.float64)
        flat = out.reshape(len(out), -1)
        flat[self.rows] = _cho_solve(self.L, flat[self.rows])
        return out.astype(np.asarray(q).dtype, copy=False)


class ClassMetric:
    """H'⁻¹ over the K class columns at once (numpy, float64, pK × pK, or its Cholesky
    factor as a :class:`FactoredMetric`, from :meth:`Objective._class_bound`), applied as
    ``P @ q`` to q of shape (p, K): the softmax
    Hessian's class blocks -Σ s pₖpₗ ââᵀ couple the classes' steps, which the mean block
    the classes otherwise share leaves out (Böhning 1992, "Multinomial logistic regression
    algorithm", for the block structure). Or K blocks (K, p, p) from
    :meth:`Objective._class_blocks`: each class's own diagonal block's inverse, their
    coupling left out, applied off the shifts common to the classes (where the Hessian
    lives: the softmax ignores them); along them ``shift``, a step per coordinate."""

    def __init__(self, P, shape, backend, shift=None, to_backend=None):
        self.P, self.shape, self.shift = P, shape, shift
        #: the rows' part of each class block's diagonal where taken, (p, K), or None
        #: (:meth:`Objective._class_blocks` sets it: :func:`gdlogreg._steps.bb.held_diagonal`)
        self.rows_diagonal = None
        #: J's Hessian where taken (but along the classes' common shifts): bb retakes it
        #: where it went stale, as a binary fit's; not the blocks alone (K, p, p)
        self.exact = getattr(P, "ndim", 2) == 2
        # q to the host, and P q back to the backend's namespace and dtype (``to_backend``:
        # another way back, host float64 for Objective.exact_twin's)
        self.to_host = partial(_host, backend)
        self.to_backend = backend.asarray if to_backend is None else to_backend

    def __matmul__(self, q):
        q = self.to_host(q)
        if self.exact:
            v = (self.P @ np.reshape(q, -1, order="F")).reshape(self.shape, order="F")
            return self.to_backend(v)
        # (I - Π) B (I - Π) + Π diag(shift) Π, Π the projection on the common shifts: the
        # blocks B on their complement, where the Hessian lives (symmetric)
        m = q.mean(axis=1, keepdims=True)
        # each class's block times its column: K matrix-vector products by BLAS (numpy's
        # einsum loops in C without it, slower)
        v = np.ascontiguousarray(np.matmul(self.P, (q - m).T[:, :, None])[:, :, 0].T)
        v += m * self.shift[:, None] - v.mean(axis=1, keepdims=True)
        return self.to_backend(v)


class LowRankMetric:
    """H⁻¹ for H = Âᵀ diag(w) Â + diag(λ, 0), Â = [A, 1] of n rows and p > n/4 coordinates,
    held as its factors (Woodbury's identity), applied as ``P @ q`` (numpy, float64).

    The intercept is eliminated exactly: with σ = Σ w and μ̃ = Aᵀw/σ, the weights' block
    is M = Bᵀ B + Λ, B = diag(√w)(A - 1μ̃ᵀ), and H⁻¹ [q_w; q_b] = [v; q_b/σ - μ̃ᵀv] for
    v = M⁻¹(q_w - μ̃ q_b); M⁻¹ = Λ^-½ (I - Eᵀ C⁻¹ E) Λ^-½ with E = B Λ^-½ and C = I + E Eᵀ
    (n × n, eigenvalues >= 1: its Cholesky factor is well conditioned). Λ = λ + a floor,
    1e-13 of H's mean diagonal (:func:`_floor`). Coordinates outside ``feat`` (held
    columns) keep the identity, as in :func:`_inverse`.

    The rows' part A' = A Λ^-½ and its Gram G = A' A'ᵀ (n²·p) serve every take (:meth:`at`)
    whose floor leaves Λ as it was to REUSE_GRAM: then a take costs n² and C's Cholesky
    (n³/3), as E Eᵀ = diag(√w)(G - a1ᵀ - 1aᵀ + γ11ᵀ)diag(√w) with a = G w/σ and γ = wᵀG w/σ²;
    E itself is never formed (E u = √w ⊙ (A'u - 1 μ'ᵀu), μ' = Λ^-½ μ̃).

    No test of H's condition number (nor on the p × p path: MIN_CONDITION's note): an
    estimate would refuse collinear columns, where the metric helps most
    (benchmarks/README.md, "Wide data: the metric factored in the rows").
    """

    #: The largest relative change of Λ (by a take's floor) that keeps the rows' Gram.
    REUSE_GRAM = 1e-6

    def __init__(self, A, lam, feat, fit_intercept, dtype, rows=None):
        """From the rows A (n × len(feat), float64, taken over: scaled in place), the
        penalty's curvature λ of each column (``rows``: the rows counted, Σ of the sample
        weights, default n); no metric until :meth:`at` takes one."""
        # at least the rows copied: weights below 1 (summing to 1, say) factor them all
        rows = len(A) if rows is None else max(rows, len(A))
        self.A, self.lam, self.intercept, self.dtype = A, lam, fit_intercept, dtype
        self.sq = np.einsum("ij,ij->i", A, A)  # the rows' squared norms, for each floor
        # the iterations that cost what a retake does (C's Cholesky n³/3, Aᵀw and P g again
        # 3np, C 4n²; an iteration: two products with X and two with A, 4np, and its fixed
        # cost): two classes retake it that often (gdlogreg._steps.bb.stale_metric); n the
        # rows as the whitening rules count them (Σ of the sample weights: a weight of 2
        # paces it as a repeated row does). Not in float32 (:func:`_coarse`): each retake
        # restarts the steps from 1 along a metric of its rounded gradient, and costs
        # iterations (review 30; CHANGELOG.md, "The metric's floor from the rows' curvature;
        # factored metrics retaken as their cost allows")
        n, p = rows, A.shape[1]
        self.every = math.inf if _coarse(dtype) else math.ceil(
            (n**3 / 3 + 3 * n * p + 4 * n * n) / (4 * n * p + ITERATION_FLOPS))
        self.G = self.root = None  # the Gram of A' (A once scaled) and Λ^½, at self.floor
        self.floor = math.nan
        # the kept features: a slice where they are all (views, not copies, of q's rows)
        whole = len(feat) and feat[0] == 0 and feat[-1] == len(feat) - 1
        self.feat = slice(0, len(feat)) if whole else feat
        self.factor = self.sw = self.mu = self.mu_raw = self.sigma = None  # a take's (at)
        #: K classes' own blocks (:meth:`at` of an (n, K) w): a step per coordinate along
        #: the shifts common to the classes (:class:`ClassMetric`'s), set by its caller
        self.shift = None
        # q to the host, and P q back to the backend's namespace (numpy: as they are)
        self.to_host, self.to_backend = np.asarray, np.asarray

    def _floor_at(self, W, sigma, mu_raw):
        """The floor under H at the weights W (n, m) (:func:`_floor_of`): the rows' part of
        its diagonal is Σᵢ wᵢ‖aᵢ - μ̃‖², and σ for the intercept; for K blocks, their mean's
        (one floor: one Gram of the rows serves them all)."""
        if W.shape[1] == 1:  # one metric: vector products, as the binary fits' path has them
            spread = float(W[:, 0] @ self.sq)
            if self.intercept:
                spread += float(sigma[0] - sigma[0] * float(mu_raw[:, 0] @ mu_raw[:, 0]))
        else:
            spread = float(np.mean(self.sq @ W))
            if self.intercept:
                spread += float(np.mean(sigma - sigma * np.einsum("ij,ij->j", mu_raw, mu_raw)))
        return _floor_of(spread, float(self.lam.sum()), len(self.lam) + int(self.intercept),
                         self.dtype)

    def _rows_at(self, floor):
        """(A', G, root) at this floor: this metric's where Λ moves by at most REUSE_GRAM,
        else A rescaled (a new array: other takes share A') and its Gram (n²·p)."""
        root = np.sqrt(self.lam + floor)
        if self.G is not None and np.all(np.abs(root * root - self.root * self.root)
                                         <= self.REUSE_GRAM * self.root * self.root):
            return self.A, self.G, self.root
        A = self.A if self.G is None else self.A * (self.root / root)
        if self.G is None:
            A /= root  # the rows taken over: scaled in place, no copy
        if not A.shape[1]:  # every feature held: no columns (dsyrk refuses k = 0)
            return A, np.zeros((len(A), len(A))), root
        # A' A'ᵀ's lower triangle, the upper one 0 (half a product's flops; not mirrored:
        # C's Cholesky reads the lower one alone)
        with scipy_blas_alone(A.shape[0] ** 2 * A.shape[1]):
            return A, _syrk(1.0, A.T, trans=1, lower=1), root

    def at(self, w):
        """The metric at the rows' weights w (n,), sharing this one's rows (and their Gram
        where the floor allows); or at each class's own w (n, K): K classes' diagonal
        blocks, each factored on its own (K Choleskys of n × n, one Gram), for
        ``P @ q`` off the shifts common to the classes (:attr:`shift`). None where H is not
        positive definite in floating point (or Σ w is not positive, or A is not finite)."""
        W = w.reshape(len(w), -1)
        sigma = (np.array([w.sum()]) if w.ndim == 1 else W.sum(axis=0)) if self.intercept else None
        if self.intercept and not np.all(sigma > 0.0):
            return None
        # μ̃ in A's units: from A' where A has been scaled (A = A' root); (p, m), by a
        # matrix-vector product for one metric (the rounding of the binary fits' path)
        mu_raw = None
        if self.intercept:
            mu_raw = ((self.A.T @ w)[:, None] if w.ndim == 1 else self.A.T @ W) / sigma
            if self.root is not None:
                mu_raw *= self.root[:, None]
        floor = self._floor_at(W, sigma, mu_raw)
        if floor <= self.floor <= floor * FLOOR_SHARE / _floor(self.dtype):
            floor = self.floor  # the rows' Gram kept (n²·p); a lower floor would not be safe
        if self.G is None and not np.all(np.isfinite(self.A)):
            return None
        if not np.all(self.lam + floor > 0.0):
            return None
        out = copy.copy(self)
        out.A, out.G, out.root = self._rows_at(floor)
        out.floor = floor
        out.inv_root = (1.0 / out.root)[:, None]
        sw = np.sqrt(W)
        out.factor = []
        for c in range(W.shape[1]):  # C's Cholesky factor, one for each block
            L = _cholesky_of(_centred(out.G, W[:, c], sigma[c] if self.intercept else None,
                                      sw[:, c], self.intercept))
            if L is None:
                return None
            out.factor.append(L)
        if self.intercept:
            out.mu_raw, out.mu = mu_raw, mu_raw / out.root[:, None]  # μ̃ and μ' (p, m)
            out.sigma = sigma + floor
        out.sw, out.shift = sw, None
        return out

    def _solve(self, r):
        """C⁻¹ r (r: n × m) with C's Cholesky factor (:func:`_cho_solve`); with K blocks,
        column c by block c's."""
        if len(self.factor) > 1:
            return np.column_stack([_cho_solve(L, r[:, c : c + 1])[:, 0]
                                    for c, L in enumerate(self.factor)])
        return _cho_solve(self.factor[0], r)

    def __matmul__(self, q):
        out = np.array(self.to_host(q), dtype=np.float64)
        if self.shift is None:
            return self.to_backend(self._applied(out))
        # K blocks: (I - Π) B (I - Π) + Π diag(shift) Π, Π the projection on the common
        # shifts (:class:`ClassMetric`'s)
        m = out.mean(axis=1, keepdims=True)
        out -= m
        v = self._applied(out)
        v += m * self.shift[:, None] - v.mean(axis=1, keepdims=True)
        return self.to_backend(v)

    def _applied(self, out):
        """H⁻¹ q for q = ``out`` (host float64, overwritten), its blocks' where K: two
        products with the rows for all the columns, and C's solves."""
        d = len(out) - self.intercept
        u = out[self.feat]  # a view where every feature is kept: overwritten below anyway
        if self.intercept:
            u = u - self.mu_raw * out[d]
        u *= self.inv_root
        Eu = self.A @ u
        if self.intercept:
            Eu -= _dots(self.mu, u)
        t = self._solve(Eu * self.sw) * self.sw
        Et = self.A.T @ t
        if self.intercept:
            Et -= self.mu * t.sum(axis=0)
        u -= Et
        u *= self.inv_root
        out[self.feat] = u
        if self.intercept:
            out[d] = out[d] / self.sigma - _dots(self.mu_raw, u)
        return out


def _chunk_columns(be, per_column):
    """The columns of a chunk of products with X whose results hold ``per_column`` entries
    a column: at most GRAM_ENTRIES entries, or a sixteenth of X's where that is more (a
    column at least), X's entries as stored (not sparse X's dense shape, by which a chunk
    of its columns made dense outgrew X; review 168)."""
    stored = int(be.X.nnz) if getattr(be, "_sparse", False) else be.n_samples * be.n_features
    return max(1, max(GRAM_ENTRIES, stored // 16) // per_column)


def _dots(M, U):
    """The scalar products of M's columns with U's (M of one column: with each of U's)."""
    return M[:, 0] @ U if M.shape[1] == 1 else np.einsum("ij,ij->j", M, U)


#: A retake keeps its metric's floor while that is at most this share of the mean diagonal
#: it is taken from: 10 times float64's own share; never in float32 (10 ε already, and a
#: floor kept there bent the metric; review 28).
FLOOR_SHARE = 1e-12
#: An iteration's fixed cost (about 100 µs of Python) in flops, at 10 GFlop/s: the
#: retakes of :class:`LowRankMetric` are paced by it and by the products.
ITERATION_FLOPS = 1e6


def _centred(G, w, sigma, sw, intercept):
    """C = I + diag(√w)(G - h1ᵀ - 1hᵀ)diag(√w) of :class:`LowRankMetric`, a = G w/σ,
    h = a - γ/2 and γ = wᵀG w/σ² (G alone without the intercept), on G's lower triangle (its
    upper one is read as 0, and C's is left as it falls: not read). A new Fortran-ordered
    array, as dsyrk's G is: two stride-1 passes for diag(√w) G diag(√w), then the centring
    as one rank-2 update of the triangle (dsyr2 with u = √w ⊙ h), which
    :func:`_cholesky_of` factors in place (CHANGELOG.md, "The factored metric's C in one
    layout; figures that name their BLAS kernels")."""
    C = np.multiply(G, sw[:, None], order="F")
    C *= sw
    if intercept:
        with scipy_blas_alone(4.0 * len(G) ** 2):
            a = _symv(1.0 / sigma, G, w, lower=1)
            h = a - 0.5 * float(w @ a) / sigma  # γ split between the two rank-one terms
            C = _syr2(-1.0, sw * h, sw, a=C, lower=1, overwrite_a=1)
    C.flat[:: len(C) + 1] += 1.0
    return C


def _cholesky_of(C):
    """C's Cholesky factor L (C = L Lᵀ, Fortran order, from C's lower triangle; C is
    overwritten), or None where C is not finite or not positive definite in floating
    point. Solved with at each use: an explicit C⁻¹ loses C's conditioning (up to 1e16 on
    raw features)."""
    if not np.isfinite(C).all():
        return None
    # C is Fortran-ordered: LAPACK factors it in place (scipy's cho_factor copies)
    with scipy_blas_alone(len(C) ** 3 / 3.0):
        L, info = _potrf(C, lower=1, clean=0, overwrite_a=1)
    return L if info == 0 else None


def _factored(n, p):
    """Whether n rows (as counted) and p coordinates are few enough for LowRankMetric."""
    few = n <= LOW_RANK_FEW or n <= p
    return n <= LOW_RANK_ROWS and n * p <= LOW_RANK_ENTRIES and few


def metric_bytes(n, p, k=1, wide=False):
    """At most the bytes that the metric of whitened steps holds for n rows, p
    coordinates and k columns (a search's memory budget counts them for each group): the
    p × p inverse and its H, or the factored metric's centred rows and n × n matrices
    (its Gram, and C's factor: K of them for K classes' own blocks,
    :meth:`Objective._low_rank_blocks_pay`), with each block's μ̃, μ' (p), √w (n) and σ,
    and the rows' norms, λ, Λ^½, its inverse and the shifts' steps; 0 where neither
    applies. The p × p one between the two too (n < 4p: :meth:`Objective._middle_applies`);
    for K classes the larger of their Hessian's pK × pK inverse and H (:class:`ClassMetric`,
    :func:`whole_class_metric`) and their K diagonal blocks beside one block's pair. ``wide``: X
    takes the p × p metric up to MAX_WIDE_WHITENED coordinates (host numpy X, CSR or
    dense: :meth:`Objective._wide_kind`)."""
    dense = _dense_bytes(p, k, n) if p <= (MAX_WIDE_WHITENED if wide else MAX_WHITENED) and (
        p <= n) else 0
    if WHITENED_ROWS * p <= n:
        return dense
    factors = k if 1 < k and k * n * n <= LOW_RANK_ENTRIES else 1
    # K blocks' means are p × K: with many classes they outweigh the rows and factors
    # (review 53)
    held = n * p + n * n + factors * (n * n + 2 * p + n + 1) + 4 * p + n
    return max(dense, 8 * held if _factored(n, p) else 0)


def _dense_bytes(p, k, n):
    """The p × p metric's bytes for k columns and n rows (:func:`metric_bytes`): K classes
    may take their Hessian's class blocks (:meth:`Objective._class_metric_pays`,
    :func:`whole_class_metric`), several times the p × p pair (review 56)."""
    if k == 1:
        return 16 * p * p
    whole = 16 * (k * p) ** 2 if whole_class_metric(k * p, n) else 0
    return max(whole, 8 * (k + 2) * p * p)


def dense_metric_applies(p, total, positive_rows):
    """Whether the dense p × p metric may be taken on p coordinates: at most MAX_WHITENED
    of them and a WHITENED_ROWS-th of the rows, ``total`` (Σ of the raw sample weights, or
    None) or else ``positive_rows()`` (the rows of positive weight, a sum on the device,
    asked only where ``total`` falls short). The single fit's rule and the batch's groups'."""
    if p > MAX_WHITENED:
        return False
    return (total is not None and WHITENED_ROWS * p <= total) or (
        WHITENED_ROWS * p <= positive_rows())


def whole_class_metric(kp, n, sparse=False):
    """Whether the whitened steps of K classes may hold their whole Hessian over kp = K·p
    coordinates (:class:`ClassMetric` of J's Hessian) for n rows: at most MAX_WHITENED of
    them; or, for dense X (``sparse`` False), at most MAX_WIDE_WHITENED, as one wide
    column's p × p metric, where an application, two triangular solves of (Kp)² flops
    each, costs at most the products of an iteration, 4n·Kp (kp <= 2n). Its price in
    iterations is :meth:`Objective._class_metric_pays`'s. Sparse X builds it by products
    with X (:meth:`Objective._class_columns`, p(1 + K²) columns): above MAX_WHITENED a
    take costs hundreds of iterations (review 142). Why the whole Hessian: the class blocks
    alone leave nearly separable classes crawling or stopped above the promise (review
    141; benchmarks/README.md, "The whole Hessian of K classes up to 2,048 coordinates")."""
    return kp <= MAX_WHITENED or (not sparse and kp <= MAX_WIDE_WHITENED and kp <= 2 * n)


def paid_start(first, p):
    """bb's first take of the p × p metric of one column from a cold start: once the
    iterations run have cost what it does, at least 1 and at most ``first``. Its Gram's
    n·p²/2 flops at BLAS3_RATE times an iteration's flop rate, and p³ to factor and invert
    it (at most n·p²/4 where the metric applies, n >= WHITENED_ROWS·p), cost at most p/8
    iterations' 4np: a bound of p alone, so that dense, CSR, array-API and Dask X, and a
    search's folds, take it at the same iteration (the same path). Near the optimum a
    step in that metric is Newton's. K classes wait for ``first``: their metric is the
    blocks' mean or a pK × pK Hessian, and taken sooner it cost iterations
    (benchmarks/README.md, "The p × p metric as soon as it is paid")."""
    return min(first, max(1, math.ceil(p / 8)))


#: Penalties of two shifts within TIE of each other (relative) are a tie in
#: :func:`best_shift`: 64 float64 epsilons, the rounding of a sum over K classes.
TIE = 64 * np.finfo(np.float64).eps


def best_shift(W, D, l1, l2, l1D=None, l2D2=None):
    """``(gap, c)``: gap = Σⱼ Pⱼ(wⱼ) - min_c Pⱼ(wⱼ + c·1) for the weights W (d × K, in
    coordinates where a weight's penalty is Pⱼ(v) = l1·Dⱼ Σₖ|vₖ| + ½ l2·Dⱼ² Σₖ vₖ²), c the
    minimising shift of each coordinate: the softmax ignores a shift common to the classes,
    so J falls by exactly this much along such shifts and J - J* is at least it.
    Pⱼ(wⱼ + c) is convex and piecewise quadratic in c, kinked at c = -wⱼₖ: its minimum is
    at the first kink whose right slope is not negative, or at the stationary point of the
    piece below it; O(d·K log K). Where Pⱼ is flat between two kinks (an even K, no L2
    part), and where the fall is within rounding (TIE), the least move is taken: rounding
    chose either end, and a weight of 2 and a repeated row took different shifts.
    ``l1D``, ``l2D2``: l1·D and l2·D², where the caller holds them."""
    W = np.asarray(W, dtype=np.float64)
    d, k = W.shape
    # (extreme weights or scales overflow or underflow here: such a coordinate gains nothing)
    with np.errstate(all="ignore"):
        if l1D is None:
            l1D, l2D2 = l1 * D, l2 * (D * D)
        S = W.sum(axis=1, keepdims=True)
        moved = ~_unshifted(W, S[:, 0], l1D, l2D2)  # most coordinates after most steps: O(d·K)
        if not moved.any():
            return 0.0, np.zeros(d)
        # the others alone (each coordinate's shift is its own)
        out, (W, S, l1D, l2D2) = np.zeros(d), (v[moved] for v in (W, S, l1D, l2D2))
        a, b = l1D[:, None], (0.5 * l2D2)[:, None]
        rows = np.arange(len(W))
        kinks = np.sort(-W, axis=1)
        # Pⱼ's slope left of kink i (i kinks below): l1·Dⱼ(2i - K) + l2·Dⱼ²(S + K·c),
        # rising in i: the first kink whose right slope is not negative is counted
        left = a * (2.0 * np.arange(k) - k) + 2.0 * b * (S + k * kinks)
        first = (left + 2.0 * a < 0.0).sum(axis=1)  # k: past the last kink
        at = np.minimum(first, k - 1)
        kink = kinks[rows, at]
        # the stationary point of the piece below kink `first`
        stat = -(a[:, 0] * (2.0 * first - k) / (2.0 * b[:, 0]) + S[:, 0]) / k
        c = np.where((first < k) & (left[rows, at] <= 0.0), kink, stat)
        if l2 == 0.0 and k % 2 == 0:  # flat between the middle kinks: the least move
            c = np.clip(0.0, kinks[:, k // 2 - 1], kinks[:, k // 2])
        before = a[:, 0] * np.abs(W).sum(axis=1) + b[:, 0] * (W * W).sum(axis=1)
        V = W + c[:, None]
        fall = before - a[:, 0] * np.abs(V).sum(axis=1) - b[:, 0] * (V * V).sum(axis=1)
        keep = (fall > TIE * np.abs(before)) & np.isfinite(c)
    out[moved] = np.where(keep, c, 0.0)
    return float(fall[keep].sum()), out


def _unshifted(W, S, a, b):
    """Whether c = 0 minimises each coordinate's penalty Pⱼ(wⱼ + c) of :func:`best_shift`
    (a = l1·D, b = l2·D², S = Σₖ wⱼₖ), a mask: 0 is in its subdifferential there, its slope
    left of 0, a(#(w > 0) - #(w <= 0)) + bS, not above 0 and the right one,
    a(#(w >= 0) - #(w < 0)) + bS, not below. After most steps of a fit most are (a class's
    weight was left at 0), and their sort and penalties' sums are not needed. False where
    a weight is not finite."""
    k = W.shape[1]
    lift = b * S
    return (a * (2.0 * (W > 0.0).sum(axis=1) - k) + lift <= 0.0) & (
        a * (k - 2.0 * (W < 0.0).sum(axis=1)) + lift >= 0.0)


