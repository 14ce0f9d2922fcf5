"""Nesterov's accelerated gradient (FISTA with an L1 term), with adaptive restart."""

import math

from ._base import StepRule, eps, register
from ._base import infinite_if_overflowed as _infinite_if_overflowed


@register
class Nesterov(StepRule):
    """x_{k+1} = prox(y_k - α ∇J(y_k)),  y_{k+1} = x_{k+1} + β_k (x_{k+1} - x_k).

    β_k = (a_k - 1)/a_{k+1}, a_{k+1} = (1 + √(1 + 4 a_k²))/2 (Nesterov 1983;
    Beck and Teboulle 2009). The momentum is reset (a = 1) whenever J(x)
    rises: O'Donoghue and Candès' (2015) function restart. The raw prediction
    of y is combined from those of the x's, so an iteration costs one
    ``X @ x``, one ``X.T @ r(y)`` and two O(n) passes. The points the loop
    sees are the y's, where the gradient is known. ``learning_rate="auto"``:
    α = 1/L as for ``solver="gd"``, and a plain step (no momentum) that raises
    J halves α.
    """

    name = "nesterov"

    def start(self, objective, coef0):
        if self.auto:
            self.step = self.lipschitz_step(objective)
        self.a = 1.0
        self.x = objective.evaluate(coef0)
        return self.x

    def update(self, objective, y):
        new = self._update(objective, y)
        return new if self.auto else _infinite_if_overflowed(new, objective.xp)

    def _update(self, objective, y):
        x, tiny = self.x, 8.0 * eps(objective.dtype) * abs(self.x.J)
        # y's raw prediction (not x's: the first y is x), then a refused x_new's, is spent:
        # X @ x goes there (three n × K arrays at the peak otherwise)
        spent = None if y is x else y
        while True:
            alpha = self.step
            coef = objective.prox(y.coef - alpha * y.grad, alpha)
            x_new = objective.evaluate(coef, reuse=spent, gradient=False)  # X @ x and J(x)
            spent = x_new
            plain = y.coef is x.coef  # a gradient step from x itself
            rose = not x_new.J <= x.J + tiny  # nan too (weights past the float range)
            if rose and not plain and not math.isfinite(x_new.J):
                y = objective.gradient_at(x)  # the momentum went past it: plain from x
                continue
            if not (self.auto and plain and rose and alpha > 1e-12):
                break
            self.step = 0.5 * alpha  # 1/L was too long: L was underestimated
        if rose:
            a_next, beta = 1.0, 0.0  # restart: forget the momentum
        else:
            a_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * self.a * self.a))
            beta = (self.a - 1.0) / a_next
        self.x, self.a = x_new, a_next
        if beta == 0.0:
            x.z = None  # the last iterate's raw prediction is spent: no momentum to combine
            return objective.gradient_at(x_new)
        y_new = objective.extrapolate(x_new, x, beta)
        if not math.isfinite(y_new.J) and math.isfinite(x_new.J):
            # the momentum went past the float range (weights ~1e308 without a penalty,
            # features ~1e-310): restart from x_new, as where J(x) rises
            self.a = 1.0
            return objective.gradient_at(x_new)
        return y_new
