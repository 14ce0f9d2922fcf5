"""The textbook rule: a constant step α, ``w := w - α·dw, b := b - α·db``."""


from ._base import StepRule, eps, register
from ._base import infinite_if_overflowed as _infinite_if_overflowed


@register
class ConstantStep(StepRule):
    """Batch gradient descent with a constant step (a proximal step with L1).

    ``learning_rate="auto"``: α = 1/L for the power-iteration estimate of the
    Lipschitz constant L of ∇J in standardized coordinates. Power iteration
    approaches L from below, so a safeguard backs it: a step that raises J
    (beyond rounding) is taken again from the same iterate with α halved, and
    J never rises. A float α is used as it is, as in the lecture; a diverging
    α stops the fit (see the estimator's warnings).
    """

    name = "gd"
    hint = "Increase max_iter or use solver='bb'."

    def start(self, objective, coef0):
        if self.auto:
            self.step = self.lipschitz_step(objective)
        return objective.evaluate(coef0)

    def update(self, objective, point):
        new = self._update(objective, point)
        return new if self.auto else _infinite_if_overflowed(new, objective.xp)

    def _update(self, objective, point):
        slack = 32.0 * eps(objective.dtype) * abs(point.J)
        recycle = point  # its raw prediction's memory serves the next one
        while True:
            alpha = self.step
            dw, db = objective.split(point.grad)  # dw = ∂J/∂w, db = ∂J/∂b
            w, b = objective.split(point.coef)
            w = w - alpha * dw
            b = None if b is None else b - alpha * db
            coef = objective.prox(objective.join(w, b), alpha)  # soft-thresholds w with L1
            new = objective.evaluate(coef, reuse=recycle)
            if not self.auto or new.J <= point.J + slack or alpha < 1e-12:
                return new
            recycle, self.step = new, 0.5 * alpha  # 1/L was too long: L was underestimated
