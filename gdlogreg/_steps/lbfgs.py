"""L-BFGS directions on the ray: a quasi-Newton option next to the gradient rules."""

import functools
import math
from collections import deque

from ._base import Drift, StepRule, coef_scale, eps, interpolated, quantize, register, vdot
from .bb import (
    CONFIRMS,
    WHITEN_FIRST,
    HeldDiagonalFell,
    decrement,
    held_diagonal,
    metric_at,
    newton_confirms,
    spent_verdict,
    upgrades,
    whitens,
)

#: A metric is dropped once MISFIT steps in a row were cut below SHORT: its quasi-Newton
#: steps are far too long, it does not fit J's curvature. Since the line search cuts a trial
#: to a tenth at most (:data:`gdlogreg._steps._base.CUT`), that takes two refusals a step: a
#: step cut to 0.1 after one still descends well (a metric at C = inf whose unit step
#: misclassifies rows) and keeps it.
#: One whose steps once fit (MISFIT in a row not cut) is stale instead: set aside, its pairs
#: with it, until bb's schedule takes it again (dropped at once on separable data, it left
#: weight in X's null space that plain L-BFGS could not pull back; review 25). Once: stale
#: again after a retake, it does not keep up with J's curvature and is dropped (collinear
#: columns; CHANGELOG.md, "L-BFGS preconditioned by bb's metric").
#: MISFIT directions in a row refused by the search (each retried along the gradient, which
#: is no step of the metric's and counts for nothing) overshoot it too: isolated refusals
#: do not, runs of them do (review 97; benchmarks/README.md, "L-BFGS: a metric whose
#: directions are refused in a row is set aside").
#: A dropped metric is taken again RETAKE·2^a iterations later (a: the times one was set
#: aside before; :func:`retake`), not never: a metric that never fits costs a take each
#: doubling interval, log₂(max_iter/RETAKE) at most, and one that misfit on a stretch of
#: the path is not lost for the rest of it (benchmarks/README.md, "L-BFGS: a dropped metric
#: taken again after a back-off").
MISFIT, SHORT, ASIDE, RETAKE = 5, 0.1, 1, 20
NEVER = 1 << 62  # an iteration no fit reaches


def retake(k, aside):
    """The iteration a metric dropped at iteration k is taken again at: RETAKE·2^aside later
    (``aside``: the times one was set aside before; numbers or arrays of them)."""
    return k + RETAKE * 2**aside

#: The error of an L1 term (here and in the batched rule of gdlogreg._batch).
L2_ONLY = (
    "solver='lbfgs' handles the L2 penalty only (l1_ratio=0); use"
    " solver='bb' (or 'backtracking', 'nesterov', 'gd') with l1_ratio > 0."
)


@register
class LBFGS(HeldDiagonalFell, StepRule):
    """Limited-memory BFGS (Nocedal 1980) with a line search on the ray.

    The direction is d = -H g, H the L-BFGS inverse-Hessian estimate from the
    last M = 10 pairs (s, y) = (Δcoef, Δgradient) with sᵀy > 0, by the
    two-loop recursion with H₀ = (sᵀy / yᵀy) I (Nocedal and Wright 2006,
    Algorithm 7.4). With ``learning_rate="auto"``, H₀ = (sᵀy / yᵀPy) P from the
    iteration where ``"bb"`` takes its whitened steps' metric P (H⁻¹ of J's curvature
    there, retaken on bb's schedule; :func:`gdlogreg._steps.bb.whitens`): L-BFGS
    preconditioned by P (Nocedal and Wright 2006, §7.2), P alone (a Newton step) before
    the first pair. A P whose steps are cut below 0.1 five times in a row, or whose
    directions the search refuses five times in a row, is dropped if five of its
    steps in a row were never uncut, and taken again 20·2ᵃ iterations later (a the times
    one was set aside); one that did fit is set aside until bb's schedule takes it again,
    once (stale again, it is dropped). A gradient test's stop is confirmed by the Newton
    decrement in P, as bb's (:meth:`confirms`).
    The unit step is tried first in one fused pass (``Ray.trial``, Armijo's test with
    c = 1e-4), as ``"bb"`` tries its spectral step; a refused one is followed by at most
    three quadratic interpolations on the ray, O(n) each, each at least a tenth of the
    trial before (:func:`gdlogreg._steps._base.interpolated`), and then by a search along
    the gradient. With no pair (and no P) yet, or where d is no descent direction, the
    direction is -t₀ g (Armijo's first step), searched on down to 1e-10 t₀. Not a
    gradient method: it curves the step by the pairs, so it needs fewer
    iterations on ill-conditioned problems (many classes, d near n;
    benchmarks/README.md, "Iteration study"). The L2 penalty only: an L1 term
    needs a proximal rule.
    """

    name = "lbfgs"
    hint = "Increase max_iter or tol."
    zero_if_worse = True  # (as bb's)
    memory, armijo, trials = 10, 1e-4, 3
    _fits = _aside = _refused = _misfit = _k = 0  # (start sets them)

    @classmethod
    def check(cls, penalty):
        if penalty.l1 != 0.0:
            raise ValueError(L2_ONLY)

    def start(self, objective, coef0):
        self.check(objective.penalty)
        if self.auto:  # Armijo's safe first step from the trace bound
            c, p = objective.curvature, objective.coef_shape[0]
            self.step = quantize(1.0 / (c * p + min(objective.penalty.l2, c)))
        self._t0 = self.step
        self._pairs = deque(maxlen=self.memory)
        self._k = 0
        self._drift = Drift(objective.dtype)  # when to undo the drift of z + t·Xd
        self._P, self._misfit = None, 0  # H₀'s metric, and the steps in a row it overshot
        self._refused = 0  # ... and its directions in a row the search refused
        self._fits = 0  # its steps in a row not cut (kept from MISFIT on)
        self._aside = 0  # the times a stale metric was set aside
        self._gamma = None  # H₀'s scale from the newest pair
        # (confirms) the columns' curvatures where P was taken; the stops it refused
        self._curv, self._vetoed = None, 0
        self._diag = None  # the rows' curvature diagonal there (K classes' mean metric)
        self._fell_paid = 0.0  # the takes' price that diagonal_fell sent the stops to
        # as bb takes its metric: at once from a warm start
        self._at = 0 if bool(objective.xp.any(coef0 != 0)) else objective.whitening_start(
            WHITEN_FIRST)
        self._gap = objective.whitening_gap()  # a take's cost in iterations, where many
        return objective.evaluate(coef0)

    def _fit(self, t, k=None):
        """Count a step t cut below SHORT with the metric (t = None: its direction refused)
        at iteration k (this one by default); after MISFIT cut or MISFIT refused in a row,
        set the metric aside until bb's schedule takes it again where MISFIT of its steps
        in a row were not cut once (stale) and it was set aside fewer than ASIDE times, else
        drop it, to be taken again after a back-off (:func:`retake`; it never fit, or it
        went stale again)."""
        if self._P is None:
            return
        k = self._k if k is None else k
        if t is None:
            self._refused += 1
        else:
            self._refused = 0
            self._misfit = self._misfit + 1 if t < SHORT else 0
        self._fits = self._fits + 1 if t is not None and t >= SHORT or self._fits >= MISFIT else 0
        if max(self._misfit, self._refused) >= MISFIT:  # its pairs with it (cut too)
            self._P, self._misfit, self._refused = None, 0, 0
            if self._fits < MISFIT or self._aside >= ASIDE:
                self._at = retake(k, self._aside)
            self._aside += 1
            self._pairs.clear()

    def _direction(self, g, xp):
        """-H g by the two-loop recursion (None where the newest pair gives no scale)."""
        q, alphas = g, []  # rebound, never written in place (array-API arrays have no .copy)
        for s, y, rho in reversed(self._pairs):
            a = rho * vdot(s, q, xp)
            alphas.append(a)
            q = q - a * y
        if self._pairs and self._gamma is None:  # yᵀPy underflowed where sᵀy did not
            return None  # (J ~ 1e-150): no scale
        if self._P is not None:  # H₀ = γ P, P alone (Newton's step) before a pair
            q = self._P @ q
        q = q * (self._gamma if self._pairs else 1.0 if self._P is not None else self._t0)
        for (s, y, rho), a in zip(self._pairs, reversed(alphas), strict=True):
            q = q + (a - rho * vdot(y, q, xp)) * s
        return -q

    def _scale(self, s, y, xp):
        """H₀'s scale γ = sᵀy / yᵀPy from a pair (None where yᵀPy underflowed)."""
        yy = vdot(y, y if self._P is None else self._P @ y, xp)
        return None if yy == 0.0 else vdot(s, y, xp) / yy

    def update(self, objective, point):
        if self.auto and whitens(self._k, self._at, self._gap):
            # (the mean's; H's diagonal where no H⁻¹ applies). K classes' blocks at a retake
            # once they cost the iterations run, as bb's (review 97), not after a metric was
            # set aside (they misfit there)
            spent = 0 if self._aside else self._k
            P = metric_at(objective, point, self._P, spent, class_blocks=False, diagonal=True)
            if P is not None:
                self._install(objective, P)
                if decrement(P):  # (one O(n·m) pass, as bb's take)
                    self._curv = objective.stop_curvature(point)[1]
                    self._diag = held_diagonal(objective, point, P)
        return self._update(objective, point)

    def _install(self, objective, P):
        """H₀'s metric P from here, the newest pair's scale γ in it."""
        self._P = P
        if self._pairs:
            self._gamma = self._scale(*self._pairs[-1][:2], objective.xp)

    def holds_metric(self):
        """Whether :meth:`confirms` decides a stop: a metric of a decrement held, or one
        set aside (taken again at the stop); else :class:`gdlogreg._steps.bb.StopTakes`."""
        held = self._P is not None
        return decrement(self._P) if held else bool(self._aside)

    def confirms(self, objective, point, target, H=None, fresh=False):
        """Whether a gradient test's stop at ``point`` stands, as bb's
        (:meth:`gdlogreg._steps.bb.BarzilaiBorwein.confirms`,
        :func:`gdlogreg._steps.bb.newton_confirms`) in H₀'s metric P (J's curvature where
        taken, not the pairs' estimate): None without one. A refusal makes the metric taken
        at the point H₀'s (the pairs kept, γ in it). Where the metric was set aside (it
        misfit J's curvature on the way: an ill-conditioned valley, whose gradient's own
        decrement reads far too little), one taken at the point decides, and once its
        refusals are spent the stop is refused (review 148). ``fresh``: as bb's."""
        held = self._P is not None
        if held and not decrement(self._P) or not held and not self._aside:
            return None
        if self._vetoed >= CONFIRMS:
            return spent_verdict(objective, point, self._P @ point.grad, self._curv, H,
                                 target) if held else False
        spent = 0 if self._aside else self._k  # (as update's takes)
        ok, P = newton_confirms(
            objective, point, self._P @ point.grad if held else None, self._curv, H, target,
            lambda: metric_at(objective, point, self._P, spent, class_blocks=False,
                              diagonal=True),
            held=held and not (fresh or upgrades(objective, self._P, spent)
                               or self._fell(objective, point, spent)))
        if ok is False:
            self._vetoed += 1
            self._install(objective, P)
            self._curv, self._diag = H, held_diagonal(objective, point, P)
        return ok

    def _update(self, objective, point, along_gradient=False):
        xp, g = objective.xp, point.grad
        d = None if along_gradient else self._direction(g, xp)
        slope = math.nan if d is None else vdot(g, d, xp)
        # d = -t₀ g without pairs or metric: the step along -g (learning_rate_) is t·t₀
        per = self._t0 if not self._pairs and self._P is None else 1.0
        plain = along_gradient or self._P is None  # (a direction of no metric's)
        if not slope < 0.0:  # not a descent direction (or nan): start the pairs again
            self._pairs.clear()
            d, per, plain = -self._t0 * g, self._t0, True
            slope = vdot(g, d, xp)
        if slope == 0.0 and objective.optimality(point) == 0.0:  # a stationary point
            # (not where t₀·‖g‖² only underflowed: the search takes that step)
            self.stop_reason = "converged"
            return None
        found = self._search(objective, point, d, slope, patient=not self._pairs)
        if found is None:
            if not self._pairs and plain:
                self.stop_reason = "stalled"
                return None
            # retry along the gradient, the pairs dropped (the ray took z: evaluate again);
            # a metric's first direction too (a far warm start's, taken where the rows'
            # curvature is spent, stalled at 0: CHANGELOG.md, "L-BFGS from a far warm start")
            k = self._k
            new = self._update(objective, objective.evaluate(point.coef), along_gradient=True)
            self._fit(None, k)  # then count the refusal at its iteration (as the batch does)
            return new
        new, t = found
        s, y = t * d, new.grad - g
        sy = vdot(s, y, xp)
        if 0.0 < sy < math.inf:
            self._pairs.append((s, y, 1.0 / sy))
            self._gamma = self._scale(s, y, xp)
        self.step = t * per
        if not along_gradient:  # (a retry is no step of the metric's)
            self._fit(t)
        self._k += 1
        if self._drift.due(coef_scale(new.coef, xp)):
            new = objective.evaluate(new.coef, reuse=new)
        return new

    def _search(self, objective, point, d, slope, patient=False):
        """The accepted (Point, t) on the ray coef + t·d, or None.

        At most :attr:`trials` interpolations along a quasi-Newton direction
        (then the pairs are dropped); along the gradient (``patient``) on down
        to t = 1e-10, as Armijo's search, so that a float learning_rate far too
        long still descends.
        """
        J0 = point.J
        slack = 32.0 * eps(objective.dtype) * abs(J0)  # rounding error of J

        def accept(J, t):
            return J <= J0 + self.armijo * t * slope + slack

        ray = objective.along(point, d)  # X @ d, once
        t, k = 1.0, 0
        new, J = ray.trial(t, lambda J: accept(J, 1.0), likely=True)
        while new is None:
            if t < 1e-10 or (k == self.trials and not patient):
                return None
            t = interpolated(J0, slope, t, J)
            new, J = ray.trial(t, functools.partial(accept, t=t))
            k += 1
        return new, t
