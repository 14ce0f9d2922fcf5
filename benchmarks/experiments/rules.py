"""Candidate step rules for the iteration study, registered from outside the package.

Importing this module registers, next to gdlogreg's own rules:

- ``bb1``, ``bb2``: the long (sᵀs/sᵀy) or the short (sᵀy/yᵀy) Barzilai–Borwein
  step alone, in the same non-monotone line search as ``bb``;
- ``bbsz``: ``bb`` with the multinomial gradient projected onto the sum-zero
  subspace (each row of the weights' gradient minus its mean over classes);
- ``cg``: nonlinear conjugate gradient (Hestenes–Stiefel β, clipped at 0,
  restarted when the direction is not a descent direction) with a near-exact
  line search: quadratic interpolation of φ(t) = J(coef + t·d) from φ(0),
  φ'(0) = gᵀd and trial values on the ray (O(n) each, no product with X),
  as Minka (2003, "A comparison of numerical optimizers for logistic
  regression", section 3) recommends for logistic regression;
- ``lbfgs_ray``: L-BFGS (memory 10) on the same ray and Armijo test, searching
  every step (the package's ``solver="lbfgs"`` is ``lbfgsf``'s design: its unit
  step tried in the fused pass).

All work in the objective's coordinates (the standardized ones under
``learning_rate="auto"``), and only through the objective's public calls
(``evaluate``, ``along``, ``Ray``), as a core rule would. Nothing in the
gdlogreg package is changed: the estimator's ``solver`` constraint is widened
to the new names at import.
"""

import math
from collections import deque

import numpy as np
from sklearn.utils._param_validation import StrOptions

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._steps import RULES
from gdlogreg._steps._base import StepRule, quantize, vdot
from gdlogreg._steps._base import register as _register
from gdlogreg._steps.bb import BarzilaiBorwein


def register(cls):
    """Register a candidate rule; never over one of the package's (a study of
    ``solver="lbfgs"`` must time the package's rule, not a namesake here)."""
    if cls.name in RULES:
        raise RuntimeError(f"rule {cls.name!r} exists in gdlogreg: name the candidate otherwise")
    return _register(cls)


@register
class BB1(BarzilaiBorwein):
    """The long BB step t₁ = sᵀs/sᵀy only (Barzilai and Borwein 1988, eq. 5)."""

    name = "bb1"

    def next_step(self, objective, point, new, q, qq, lam):
        y = new.grad - point.grad
        qy = -vdot(q, y, objective.xp)
        t = lam * self.step * (qq / qy) if qy > 0 else 2.0 * self.step
        return quantize(min(max(t, 1e-10), 1e10))


@register
class BB2(BarzilaiBorwein):
    """The short BB step t₂ = sᵀy/yᵀy only."""

    name = "bb2"

    def next_step(self, objective, point, new, q, qq, lam):
        xp = objective.xp
        y = new.grad - point.grad
        qy, yy = -vdot(q, y, xp), vdot(y, y, xp)
        t = lam * self.step * (qy / yy) if qy > 0 and yy > 0 else 2.0 * self.step
        return quantize(min(max(t, 1e-10), 1e10))


def _sum_zero(objective, G):
    """G with the mean over classes taken off every row (multinomial only)."""
    if G.shape[1] < 3 or not isinstance(G, np.ndarray):
        return G
    return G - G.mean(axis=1, keepdims=True)


@register
class BBSumZero(BarzilaiBorwein):
    """``bb`` on the sum-zero subspace: the gradient's class mean removed."""

    name = "bbsz"

    def start(self, objective, coef0):
        p = super().start(objective, coef0)
        p.grad = _sum_zero(objective, p.grad)
        return p

    def update(self, objective, point):
        new = super().update(objective, point)
        if new is not None:
            new.grad = _sum_zero(objective, new.grad)
        return new


class _RaySearch(StepRule):
    """Shared by cg and lbfgs: a direction d, a line search on the ray, a point."""

    armijo = 1e-4

    def start(self, objective, coef0):
        c = objective.curvature
        p = objective.coef_shape[0]
        self.step = 1.0 / (c * p + min(objective.penalty.l2, c))  # Armijo's first step
        self.n_trials = 0
        return objective.evaluate(coef0)

    def _search(self, objective, point, d, slope, t0):
        """The point at the (near) minimiser of φ along d, or None."""
        ray = objective.along(point, d)
        J0 = point.J
        t, best_t, best_J = t0, 0.0, J0
        for _ in range(self.trials):
            J = ray(t)
            self.n_trials += 1
            if J < best_J:
                best_t, best_J = t, J
            # Quadratic model through φ(0), φ'(0) and φ(t): its minimiser.
            curv = (J - J0 - slope * t) / (t * t) if math.isfinite(J) else math.inf
            if curv <= 0:  # not convex along d at this scale: go further
                t_new = 4.0 * t
            else:
                t_new = -slope / (2.0 * curv)
            if abs(t_new - t) <= self.rtol * t and best_t == t:
                break
            t = t_new
        if best_t == 0.0 or best_J > J0 + self.armijo * best_t * slope:
            return None
        return ray.point(best_t), best_t


@register
class ConjugateGradient(_RaySearch):
    """Nonlinear CG, Hestenes–Stiefel β⁺, with a near-exact line search on the ray."""

    name = "cg"
    trials, rtol = 4, 0.05

    def start(self, objective, coef0):
        self._d = None
        return super().start(objective, coef0)

    def update(self, objective, point):
        xp, g = objective.xp, point.grad
        d = -g
        if self._d is not None:
            y = g - self._g
            dy = vdot(self._d, y, xp)
            beta = max(0.0, vdot(g, y, xp) / dy) if dy > 0 else 0.0
            d = -g + beta * self._d
        slope = vdot(g, d, xp)
        if not slope < 0:
            d, slope = -g, -vdot(g, g, xp)
        if slope == 0.0:
            self.stop_reason = "converged"
            return None
        # First trial: the last step's decrease per unit slope (Nocedal and Wright
        # 2006, eq. 3.60), or Armijo's safe step on the first iteration.
        t0 = self.step if self._d is None else self._t * self._slope / slope
        found = self._search(objective, point, d, slope, t0)
        if found is None:
            if self._d is None:
                self.stop_reason = "stalled"
                return None
            self._d = None  # restart along -g (the ray spent the point's z)
            return self.update(objective, objective.evaluate(point.coef))
        new, t = found
        self._g, self._d, self._t, self._slope = g, d, t, slope
        self.step = t
        return new


@register
class LBFGS(_RaySearch):
    """L-BFGS (Nocedal 1980), memory 10, on the ray; unit step tried first."""

    name = "lbfgs_ray"
    trials, rtol, memory = 3, 0.2, 10

    def start(self, objective, coef0):
        self._pairs = deque(maxlen=self.memory)
        self._last = None
        return super().start(objective, coef0)

    def _direction(self, g, xp):
        q, alphas = g.copy(), []
        for s, y, rho in reversed(self._pairs):
            a = rho * vdot(s, q, xp)
            alphas.append(a)
            q -= a * y
        if self._pairs:
            s, y, _ = self._pairs[-1]
            q *= vdot(s, y, xp) / vdot(y, y, xp)
        else:
            q *= self.step
        for (s, y, rho), a in zip(self._pairs, reversed(alphas), strict=True):
            q += (a - rho * vdot(y, q, xp)) * s
        return -q

    def update(self, objective, point):
        xp, g = objective.xp, point.grad
        d = self._direction(g, xp)
        slope = vdot(g, d, xp)
        if not slope < 0:
            self._pairs.clear()
            d = -self.step * g
            slope = vdot(g, d, xp)
        if slope == 0.0:
            self.stop_reason = "converged"
            return None
        found = self._search(objective, point, d, slope, 1.0)
        if found is None:
            if not self._pairs:
                self.stop_reason = "stalled"
                return None
            self._pairs.clear()
            return self.update(objective, objective.evaluate(point.coef))
        new, t = found
        s, y = t * d, new.grad - g
        sy = vdot(s, y, xp)
        if sy > 0:
            self._pairs.append((s, y, 1.0 / sy))
        return new



@register
class BBColumns(BarzilaiBorwein):
    """A long BB step per column of coef (per class), in ``bb``'s non-monotone search.

    t_k = s_kᵀs_k / s_kᵀy_k for each column k (Barzilai and Borwein's t₁ on
    that column alone): a diagonal, per-class spectral preconditioner. Classes
    of few rows have small curvature (E[p_k (1 - p_k)] ≤ π_k, π_k the class's
    share of the rows), so one step for all classes is set by the most curved
    class and crawls on the rare ones. The line search scales all columns by
    the same λ. Binary problems (one column) get plain t₁.
    """

    name = "bbcol"

    def start(self, objective, coef0):
        self._t = None
        return super().start(objective, coef0)

    def update(self, objective, point):
        xp = objective.xp
        g = point.grad
        if self._t is None:
            self._t = np.full(g.shape[1], self.step)
        self._memory.append(point.J)
        d = -g * self._t
        delta = vdot(g, d, xp)
        if delta == 0.0:
            self.stop_reason = "converged"
            return None
        new, lam = self._search(objective, point, d, delta)
        if new is None:
            self.stop_reason = "stalled"
            return None
        s, y = lam * d, new.grad - g
        sy = np.einsum("ik,ik->k", s, y)
        ss = np.einsum("ik,ik->k", s, s)
        ok = sy > 0
        t = np.where(ok, ss / np.where(ok, sy, 1.0), 2.0 * self._t)
        self._t = np.clip(t, 1e-10, 1e10)
        self.step = float(np.median(self._t))
        return new


@register
class LBFGSFused(LBFGS):
    """``lbfgs_ray`` whose unit step is tried in a fused pass (``Ray.trial``), as bb's.

    An accepted unit step then costs what one gradient evaluation costs (one
    ``X @ d``, one loss pass with its ``Xᵀ R``); only a refused one falls back
    to the interpolating search (after undoing the move).
    """

    name = "lbfgsf"

    def _search(self, objective, point, d, slope, t0):
        J0 = point.J
        ray = objective.along(point, d)
        self.n_trials += 1
        new = ray.trial(1.0, lambda J: J <= J0 + self.armijo * slope, likely=True)[0]
        if new is not None:
            return new, 1.0
        J, t, best_t, best_J = ray(1.0), 1.0, 0.0, J0
        for _ in range(self.trials):
            if J < best_J:
                best_t, best_J = t, J
            curv = (J - J0 - slope * t) / (t * t) if math.isfinite(J) else math.inf
            t = 0.25 * t if curv <= 0 or not math.isfinite(curv) else -slope / (2.0 * curv)
            J = ray(t)
            self.n_trials += 1
        if J < best_J:
            best_t, best_J = t, J
        if best_t == 0.0 or best_J > J0 + self.armijo * best_t * slope:
            return None
        return ray.point(best_t), best_t


# The estimator validates ``solver`` against the names known at its import.
GradientDescentLogisticRegression._parameter_constraints = {
    **GradientDescentLogisticRegression._parameter_constraints,
    "solver": [StrOptions(set(RULES))],
}
