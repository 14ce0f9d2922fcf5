"""What every step rule shares: the base class, the registry and small helpers."""

import math
from dataclasses import dataclass, field

import numpy as np

from .._xp import eps

RULES = {}


def register(cls):
    """Class decorator: make a step rule available as ``solver=cls.name``."""
    RULES[cls.name] = cls
    return cls


@dataclass
class Stats:
    """Statistics of the data kept across warm starts (eigenvector estimates)."""

    eigvec: dict = field(default_factory=dict)


def vdot(a, b, xp):
    """Σ a·b over all entries, as a Python float."""
    if isinstance(a, np.ndarray):
        return float(np.vdot(a, b))
    return float(xp.sum(a * b))


def infinite_if_overflowed(point, xp):
    """``point`` with J = inf if its coef overflowed: weights of inf can give a
    finite J (inf·x classifies every row), and must read as a divergence."""
    if not bool(xp.all(xp.isfinite(point.coef))):
        point.J = math.inf
    return point


class Drift:
    """When a rule must make z afresh from X: z + t·Xd, updated in place between fresh
    passes, rounds by about ε·|z| a step.

    Afresh every :attr:`every` updates (50 in float32, 1000 in float64), and sooner where
    the coefficients have shrunk since the last fresh z: the rounding of the larger z of
    the earlier steps stays in z, and a float32 fit from a far warm start stopped
    'converged' above J* (review 21). The steps' sizes are summed: afresh once they pass
    ``every`` times the latest, which a path of growing or steady coefficients reaches no
    sooner than the count.
    """

    def __init__(self, dtype):
        self.every = 50 if eps(dtype) > 1e-10 else 1000
        self._steps, self._sum = 0, 0.0

    def due(self, scale):
        """Whether z must be made afresh after an update to coefficients of size ``scale``
        (max |coef|; an array of one per column of a batch: afresh when any needs it)."""
        self._steps += 1
        self._sum = self._sum + scale
        if self._steps < self.every and (
            self._sum <= self.every * scale if isinstance(scale, float)
            else not np.any(self._sum > self.every * scale)
        ):
            return False
        self._steps, self._sum = 0, 0.0
        return True

    def subset(self, keep):
        """Keep the sums of the groups ``keep`` of a batch (the others left it)."""
        if np.ndim(self._sum):
            self._sum = self._sum[keep]


def coef_scale(coef, xp):
    """max |coef| as a float: the size of the raw prediction z that coef makes."""
    if isinstance(coef, np.ndarray):
        return float(np.abs(coef).max())  # coef has a row at least (a weight or b)
    return float(xp.max(xp.abs(coef)))


def quantize(t):
    """Round a step to the grid 2^(j/8) (at most 4.4 % off).

    A step computed from the iterates is a continuous function of them, so
    rounding differences (the order of a sum, a repeated row instead of a
    weight of 2) would grow along the path and two equivalent fits would stop
    at different iterates. On a grid, equivalent fits take identical steps.
    """
    return 2.0 ** (round(8.0 * math.log2(t)) / 8.0)


#: The interpolated trial after a refused one is kept in [CUT·t, t/(2(1 - c))] (Armijo's c):
#: where J(t) is far above J0 (a quasi-Newton step that misclassifies rows by large margins,
#: J exponential in t there) the quadratic's minimiser falls to 1e-9·t, and steps of that
#: size crawled where 0.1·t passed (benchmarks/README.md, "L-BFGS's interpolated trial kept
#: above a tenth"). Dennis and Schnabel 1983, Algorithm A6.3.1, bound the backtrack so.
CUT = 0.1


def interpolated(J0, slope, t, J):
    """The next trial step after J(t) refused Armijo's test: the minimiser of the quadratic
    through J0, the slope at 0 and J(t), at least CUT·t; t/4 where the quadratic has no
    minimum (J not finite). Floats, or numpy arrays of one entry per group of a batch."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        curv = np.where(np.isfinite(J), (J - J0 - slope * t) / (t * t), np.inf)
        step = np.where((curv > 0.0) & (curv < np.inf),
                        np.maximum(-slope / (2.0 * curv), CUT * t), 0.25 * t)
    return float(step) if np.ndim(step) == 0 else step


def lipschitz(objective, v0=None, n_iter=30, rtol=1e-3):
    """An estimate of the largest eigenvalue L of the Hessian bound, by power iteration.

    Returns ``(L, v)``, v the eigenvector estimate (a warm start passes it back
    as ``v0``). The start is a fixed pseudo-random vector, not all ones (whose
    Rayleigh quotient misses a top eigenvector orthogonal to it). Power
    iteration approaches L from below, so the estimate is padded by ``rtol``
    and the rules that use it keep a safeguard (see ``ConstantStep``).
    """
    if v0 is None or tuple(v0.shape) != tuple(objective.coef_shape):
        v0 = objective.backend.asarray(_start(objective.coef_shape))
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        lam, v = _power_iteration(objective, v0, n_iter, rtol)
    return lam * (1.0 + rtol), v


def _start(shape):
    """The power iteration's start: Gaussian with a fixed seed (the same for every
    fit), so almost surely not orthogonal to the top eigenvector."""
    return np.random.default_rng(0).standard_normal(shape)


def _power_iteration(objective, v, n_iter, rtol):
    xp, lam = objective.xp, 0.0
    for _ in range(n_iter):
        # Divide by max |v| first: for data of huge scale vᵀv would overflow.
        top = float(xp.max(xp.abs(v)))
        if top == 0.0 or not math.isfinite(top):
            break
        v = v / top
        v = v / math.sqrt(vdot(v, v, xp))
        Hv = objective.curvature_matvec(v)
        lam_new = vdot(v, Hv, xp)
        v = Hv
        settled = abs(lam_new - lam) <= rtol * abs(lam_new)
        lam = lam_new
        if settled:
            break
    return lam, v


class StepRule:
    """A step-size rule of gradient descent.

    Parameters
    ----------
    learning_rate : float or "auto"
        A float: the step α in the original coordinates. "auto": the rule
        descends in standardized coordinates with a step from the data.
    stats : Stats or None
        Statistics kept across warm starts.

    Attributes
    ----------
    step : float
        The step the rule last used, or the first trial of its next search
        (:attr:`used` tells them apart).
    stop_reason : str or None
        Set when ``update`` returns None: "converged" (a fixed point) or
        "stalled" (no decrease possible in floating point).
    """

    name = None
    #: What to suggest when a fit with ``learning_rate="auto"`` did not converge in
    #: max_iter iterations (a fixed rate gets the fixed step's advice:
    #: :func:`gdlogreg._messages._fixed_step`).
    hint = "Increase max_iter or use solver='bb'."
    #: Whether a warm start whose J is above the all-zero model's starts from that model
    #: instead (:func:`gdlogreg._solver.minimize`): the rules that adapt their steps to
    #: the curvature where they are, whose far warm starts crawled; False keeps the
    #: textbook path from the start given.
    zero_if_worse = False

    def __init__(self, learning_rate, stats=None):
        self.auto = isinstance(learning_rate, str)
        self.step = math.nan if self.auto else float(learning_rate)
        self.stats = Stats() if stats is None else stats
        self.stop_reason = None

    @property
    def used(self):
        """The step of the last update (the estimator's ``learning_rate_``), before any
        update the first one to try: ``step`` for a rule that keeps it as it goes."""
        return self.step

    @classmethod
    def check(cls, penalty):
        """Raise ValueError where the rule cannot minimise J with this penalty
        (:class:`gdlogreg._penalty.ElasticNet`): before a fit changes anything."""

    def start(self, objective, coef0):
        """The first Point: J and its gradient at coef0."""
        return objective.evaluate(coef0)

    def update(self, objective, point):
        """The next Point, or None (with ``stop_reason``) when there is none."""
        raise NotImplementedError

    def holds_metric(self):
        """Whether the rule holds a metric that confirms a gradient test's stop (its own
        ``confirms``); without one the solver takes J's Hessian at the stop where that is
        paid (:class:`gdlogreg._steps.bb.StopTakes`)."""
        return False

    def lipschitz_step(self, objective):
        """1/L for the Lipschitz estimate of ∇J in the objective's coordinates."""
        key = "standardized"
        L, self.stats.eigvec[key] = lipschitz(objective, self.stats.eigvec.get(key))
        # L = 0 (all-zero X, no intercept, no penalty): any step; L = nan or
        # inf (overflow): the safeguard of the rules finds one.
        step = 1.0 / L if 0.0 < L < math.inf else 1.0
        return step if step < math.inf else 1.0
