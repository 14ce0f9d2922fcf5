"""Armijo backtracking: halve a trial step until J decreases enough (Armijo 1966)."""

import functools
import math
from collections import deque

from ._base import Drift, StepRule, coef_scale, eps, quantize, register, vdot


@register
class Armijo(StepRule):
    """Descent with a backtracking line search along the (proximal) gradient step.

    Direction d = prox(coef - t·g, t) - coef (= -t·g without L1). Accept
    coef + λ·d for the largest λ in {1, ½, ¼, ...} with

        J(coef + λ d) <= max(J over the last M iterates) + c·λ·Δ,
        Δ = -‖d‖²/t   (= gᵀd without L1; with the L1 term h an upper bound
                      of gᵀd + h(coef + d) - h(coef)),

    differences of J below its rounding error ignored. Here M = 1 (monotone)
    and c = ½; each search starts from twice the last accepted step, or from
    α for a float learning rate. Trials are O(n) on the ray z + λ·(X d).
    """

    name = "backtracking"
    #: GLL's memory M (Grippo, Lampariello and Lucidi 1986) and the constant c.
    memory, armijo = 1, 0.5
    #: Where a trial moves Z in place (large data), a refused one is undone at
    #: the cost of two products with X: a rule whose first trial is nearly
    #: always accepted says so, and it is fused there too (``Ray.trial``).
    likely_first_trial = False

    def start(self, objective, coef0):
        self._memory = deque(maxlen=self.memory)
        self._used = None  # λt of the last accepted step
        self._alpha = self.step  # a float learning rate: each search's first trial
        self._k = 0
        if self.auto:
            # A safe first step from the trace bound of the standardized Hessian.
            # There the penalty's curvature l2·D² is at most c (see
            # Standardization): a huge l2 (tiny sample weights) must not make
            # the first step, and so every later one, vanishingly small.
            c = objective.curvature
            p = objective.coef_shape[0]
            self.step = quantize(1.0 / (c * p + min(objective.penalty.l2, c)))
        self._drift = Drift(objective.dtype)  # when to undo the drift of z + λ·Xd
        self._eps = eps(objective.dtype)
        return objective.evaluate(coef0)

    def update(self, objective, point):
        t, xp = self.step, objective.xp
        self._memory.append(point.J)
        # d = -t·q with q the (proximal) gradient: q = grad without L1. (A far
        # too long first step may overflow d: the line search then shortens it.)
        if objective.penalty.l1 != 0.0:
            d = objective.prox(point.coef - t * point.grad, t) - point.coef
            q = Pq = d / (-t)
        else:  # Pq = P g, P the metric of the steps (bb's whitened steps), g without one
            q = point.grad
            Pq = self._metric_of(point, xp)
            d = -t * Pq
        # The decrease the step promises: Δ = -t·qᵀPq (prox optimality; unlike
        # gᵀd + h(coef + d) - h(coef) it cannot lose its sign to rounding, and
        # it does not square t).
        qq = vdot(q, Pq, xp)
        delta = -t * qq
        if delta == 0.0 and objective.optimality(point) == 0.0:
            # a fixed point of the (proximal) gradient step: optimal. A step that only
            # rounds to nothing (t·g below the weights' ulp) is none: the search takes
            # it, and the next step is longer (or, a fixed α, max_iter ends the fit).
            self.stop_reason = "converged"
            return None
        new, lam = self._search(objective, point, d, delta)
        if new is None:
            self.stop_reason = "stalled"
            return None
        self._k += 1
        if self._drift.due(coef_scale(new.coef, objective.xp)):
            new = objective.evaluate(new.coef, reuse=new)
        self._used = lam * t
        self.step = self.next_step(objective, point, new, Pq, qq, lam)
        return new

    @property
    def used(self):
        """λt of the last accepted step: ``step`` is the next search's first trial."""
        return self.step if self._used is None else self._used

    def _metric(self, q, xp):
        """P q for the metric P of the steps: q itself here (P = I)."""
        return q

    def _metric_of(self, point, xp):
        """P g at ``point``: g itself here."""
        return point.grad

    def _search(self, objective, point, d, delta):
        """Backtracking along the ray: the accepted Point and its λ, or (None, λ)."""
        J_ref = max(self._memory)
        slack = 32.0 * self._eps * abs(J_ref)  # rounding error of J

        def accept(J, lam):
            return J <= J_ref + self.armijo * lam * delta + slack

        ray = objective.along(point, d)  # X @ d, once per iteration
        lam = 1.0
        while True:  # J at z + λ·Xd: O(n); the gradient once accepted
            new, _ = ray.trial(lam, functools.partial(accept, lam=lam),
                               likely=lam == 1.0 and self.likely_first_trial)
            if new is not None:
                return new, lam
            if lam < 1e-10:
                return None, lam
            lam *= 0.5

    def next_step(self, objective, point, new, q, qq, lam):
        """The first trial step of the next search: 2λt (α for a float learning rate).

        ``q`` is the step's direction over -t (P g), ``qq`` = gᵀPg.
        """
        used = lam * self.step
        t = 2.0 * used if self.auto else self._alpha
        J_ref = max(self._memory)
        if new.J > J_ref + self.armijo * lam * (-self.step * qq):
            # Accepted thanks to the rounding slack alone (float32 near the
            # optimum): J no longer tells a good step from a bad one, so cap the
            # step by the inverse curvature along it, ‖s‖/‖Δg‖, or it doubles (or a
            # long α is taken again) until the iterates wander in the noise of J.
            y = new.grad - point.grad
            yy = vdot(y, self._metric(y, objective.xp), objective.xp)
            if yy > 0.0:  # ‖s‖ / ‖y‖ with s = -λt·q
                t = min(t, used * math.sqrt(qq / yy))
        return t
