"""The solver: gradient descent and its step-size rules.

The solver sees only an *objective* (see :mod:`gdlogreg._objective`): it never
touches the data, the labels or scikit-learn. From the objective it uses

- ``raw_prediction(coef)``: the linear map z = X w + b (one product ``X @ v``);
- ``loss_residual(z)``, ``loss(z)``, ``residual(z)``: the mean loss and its
  derivative in z (O(n));
- ``direction_product(d)``, ``trial_loss(z, Xd, λ)``, ``advance(z, Xd, λ)``: a
  line search along d: ``X @ d`` once, the loss at z + λ·Xd (O(n)), and the
  accepted step's z and residual (O(n); z may move in place, during the
  trial already when the solver expects the step to be accepted);
- ``gradient(r, coef)``: ∂J/∂coef from the residual (one product ``X.T @ r``);
- ``penalty``, ``nonsmooth_penalty``, ``prox``: the penalty (the L1 part apart);
- ``split``/``join``: the views (w, b) of the parameter array;
- ``optimality``: the size of the (sub)gradient, for the stopping test;
- ``curvature_matvec``: a bound of the Hessian, for the Lipschitz constant;
- ``standardized()``: the same objective in standardized coordinates.

Every method is "w := w - step · direction". Because z is linear in the
parameters, a trial step along a direction d is z + t · (X d): the product
``X @ d`` is computed once per iteration and each trial is O(n). So each
iteration costs one ``X @ v`` and one ``X.T @ r``.

With ``learning_rate="auto"`` the descent runs in standardized coordinates
(each feature centred and scaled by its weighted mean and standard deviation,
the latter combined with the L2 penalty's curvature, an exact change of
variables applied to the parameters only): this is
preconditioned gradient descent, with the same minimiser, that does not care
about the units or offsets of the features.

Stopping test (all methods): the fit has converged at iterate k when

    ‖g'(k)‖_∞  <=  max(tol · ‖g'(0)‖_∞ · √(J(k) / J(0)), 10 ε)

or when the gradient is at most ten times that size and the gap it could
still hide along directions where only the L2 penalty curves J is small,
at this iterate and at the one before:

    ‖g'(k)‖_∞  <=  max(10 · tol · ‖g'(0)‖_∞ · √(J(k) / J(0)), 10 ε)   and
    ½ Σ_j g'_j(i)² / (l2_reg · D_j²)  <=  tol / 30 · J(i)   for i = k - 1, k,

where g' is the gradient of J in standardized coordinates (the minimum-norm
subgradient with an L1 term), g'(0) and J(0) its value and the cost at the
all-zero start, and ε the machine epsilon of the data's dtype (the floor
matters only when the zero start is already optimal, so that its gradient is
rounding noise). Both sides change together with the units of the features
and the scale of the weights, so ``tol`` is a relative, unit-free accuracy;
the same test is used whatever the learning rate. The factor √(J/J(0)) makes
it a test on the *relative* gap: near the optimum J - J* ≈ ‖g‖²/(2μ), so
asking ‖g‖² ∝ J keeps (J - J*)/J* small also when J* is small (weak
penalty, nearly separable classes), where a fixed gradient threshold would
stop far too early in relative terms. The smallest curvature μ is where a
small gradient hides the largest gap: with exactly collinear features the
loss is flat along the direction that moves weight between them and only
the penalty, of curvature l2_reg·D_j² in primed coordinates, curves J. The
second test estimates the gap with that curvature. It is no bound (the
unpenalised intercept and its coupling with the weights are left out, and
on small, nearly separable data it can fall well below the gap for an
iterate; hence two in a row), but it is large exactly on such flat
stretches, so the looser gradient test is trusted only off them. Without a
pure L2 penalty only the first test applies. Nesterov's method tests the
gradient at its extrapolated point y, with J of its last iterate in the
factor (J(y) is computed only for the point it returns).
"""

import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np

SOLVERS = ("gd", "backtracking", "nesterov", "bb")

# ABBmin's switch: the short step when t₂ / t₁ < τ (t₂ <= t₁ always). τ starts
# at ABB_TAU and adapts in the manner of Bonettini, Zanella and Zanni's SGP
# (whose factors are 0.9 and 1.1): × ABB_SHRINK after a short step, × ABB_GROW
# after a long one; with 1/1.1 and 1.1, as many short steps as long ones leave
# τ where it was.
ABB_TAU, ABB_SHRINK, ABB_GROW = 0.5, 1 / 1.1, 1.1

# The second stopping test (module docstring): a gradient up to LOOSE_FACTOR
# times the first test's bound, if the gap it could hide where only the
# penalty curves J is at most tol · PENALTY_GAP · J, there and at the
# iterate before.
LOOSE_FACTOR, PENALTY_GAP = 10.0, 1.0 / 30.0

# J above DIVERGENCE_FACTOR * (J at the start + 1) means the steps blow up.
DIVERGENCE_FACTOR = 10.0


@dataclass
class SolverResult:
    """What a run of gradient descent returns (in the objective's coordinates)."""

    coef: object
    n_iter: int
    loss_curve: list
    converged: bool
    stop_reason: str
    diverged: bool = False
    step: float = float("nan")
    stable_step: float = float("nan")
    path: list = field(default_factory=list)


@dataclass
class Stats:
    """Statistics of the data kept across warm starts (eigenvector estimates)."""

    eigvec: dict = field(default_factory=dict)


def _vdot(xp, a, b):
    """Σ a·b over all entries, as a Python float."""
    if isinstance(a, np.ndarray):
        return float(np.vdot(a, b))
    return float(xp.sum(a * b))


def _eps(dtype):
    return 1.2e-7 if "32" in str(dtype) else 2.3e-16


def lipschitz(objective, v0=None, n_iter=20, rtol=1e-3):
    """Lipschitz constant L of ∇J, by power iteration on ``curvature_matvec``.

    Returns ``(L, v)``, v the eigenvector estimate (a warm start passes it back
    as ``v0``, and a few products then suffice). Power iteration approaches
    the top eigenvalue from below; L is padded by ``rtol``.
    """
    xp = objective.xp
    v = objective.zeros() + 1.0 if v0 is None or v0.shape != objective.coef_shape else v0
    lam = 0.0
    for _ in range(n_iter):
        # Divide by max |v| first: for data of huge scale vᵀv would overflow.
        top = float(xp.max(xp.abs(v)))
        if top == 0.0 or not math.isfinite(top):
            break
        v = v / top
        v = v / math.sqrt(_vdot(xp, v, v))
        Hv = objective.curvature_matvec(v)
        lam_new = _vdot(xp, v, Hv)
        v = Hv
        settled = abs(lam_new - lam) <= rtol * abs(lam_new)
        lam = lam_new
        if settled:
            break
    return lam * (1.0 + rtol), v


def _quantize(t):
    """Round a step to the grid 2^(j/8) (at most 4.4 % off).

    The spectral step is a continuous function of the iterates, so rounding
    differences (the order of a sum, a repeated row instead of a weight of 2)
    would grow along the path and two equivalent fits would stop at different
    iterates. On a grid, equivalent fits take identical steps and follow the
    same path.
    """
    return 2.0 ** (round(8.0 * math.log2(t)) / 8.0)


class _Monitor:
    """Records J, runs the stopping and divergence tests, calls the callback."""

    def __init__(
        self, tol, floor, ref, measure, penalty_gap, to_base, max_iter, callback, keep_path
    ):
        self.tol, self.floor = tol, floor
        # (‖g'(0)‖_∞, J(0)) of the all-zero model; None: the start is that model,
        # and its first iterate gives them.
        self.ref = ref
        # [grad, J, penalty-gap verdict] of the last two iterates tested
        self._last = self._before = None
        self.measure = measure
        self.penalty_gap = penalty_gap
        self.to_base = to_base
        self.max_iter = max_iter
        self.callback = callback
        self.keep_path = keep_path
        self.loss_curve = []
        self.path = []
        self.best_J = math.inf
        self.best_coef = None
        self.J_start = None
        self.reason = None
        self.converged = False
        self.diverged = False

    def __call__(self, k, coef, J, grad, step):
        """Record iterate k and test it; True when the loop must stop."""
        self.loss_curve.append(J)
        if self.keep_path:
            self.path.append(self.to_base(coef))
        if self.J_start is None:
            self.J_start = J
        opt = self.measure(grad, coef)
        if not (math.isfinite(J) and math.isfinite(opt)) or J > DIVERGENCE_FACTOR * (
            self.J_start + 1.0
        ):
            self.diverged, self.reason = True, "diverged"
        elif self.passes(opt, J, grad):
            self.converged, self.reason = True, "converged"
        elif k >= self.max_iter:
            self.reason = "max_iter"
        if not self.diverged and J < self.best_J:
            self.best_J, self.best_coef = J, coef
        # The callback sees every iterate, the last one too; it may ask to stop.
        if self.callback is not None and self.callback(k, self.to_base(coef), J, opt, step):
            self.reason = self.reason or "callback"
        return self.reason is not None

    def passes(self, opt, J, grad):
        """The stopping test (module docstring): optimality opt, cost J, gradient grad."""
        if self.ref is None:
            self.ref = (opt, J)
        if self._last is None or self._last[0] is not grad:  # a new iterate
            self._before, self._last = self._last, [grad, J, None]
        grad_ref, J_ref = self.ref
        shrink = math.sqrt(min(1.0, max(J, 0.0) / J_ref)) if J_ref > 0 else 1.0
        bound = self.tol * grad_ref * shrink
        if opt <= max(bound, self.floor):
            return True
        if opt > max(LOOSE_FACTOR * bound, self.floor) or self._before is None:
            return False
        return self._small_penalty_gap(self._last) and self._small_penalty_gap(self._before)

    def _small_penalty_gap(self, iterate):
        """The second test's gap estimate for ``[grad, J, verdict]``, computed once."""
        if iterate[2] is None:
            grad, J = iterate[0], iterate[1]
            iterate[2] = self.penalty_gap(grad) <= PENALTY_GAP * self.tol * J
        return iterate[2]

    def result(self, coef, k, step):
        """Build the result; an unconverged run returns its best finite iterate."""
        if not self.converged and self.best_coef is not None and (
            self.diverged or self.loss_curve[-1] > self.best_J
        ):
            # Roll back to the best iterate seen: loss_curve_ shows what happened
            # and ends with the objective of the model that is returned.
            coef = self.best_coef
            self.loss_curve.append(self.best_J)
            if self.keep_path:
                self.path.append(self.to_base(coef))
        return SolverResult(
            coef=self.to_base(coef),
            n_iter=k,
            loss_curve=self.loss_curve,
            converged=self.converged,
            stop_reason=self.reason,
            diverged=self.diverged,
            step=step,
            path=self.path,
        )


def minimize(
    objective,
    coef0,
    *,
    solver="bb",
    learning_rate="auto",
    max_iter=1000,
    tol=1e-5,
    stats=None,
    callback=None,
    keep_path=False,
):
    """Minimise J by gradient descent from ``coef0``.

    Parameters
    ----------
    objective : LogisticObjective
        The cost (see :mod:`gdlogreg._objective`).
    coef0 : array
        Start, shaped ``objective.coef_shape``; not modified.
    solver : {"gd", "backtracking", "nesterov", "bb"}
        The step-size rule (see the estimator's documentation).
    learning_rate : float or "auto"
        A float is the textbook constant step α in the original coordinates.
        ``"auto"`` descends in standardized coordinates with a step from the
        data.
    max_iter : int
        Most parameter updates.
    tol : float
        Relative accuracy of the stopping test (module docstring), floored at
        50 machine epsilons of the data's dtype.
    stats : Stats or None
        Statistics cached across warm starts; filled in here.
    callback : callable or None
        ``callback(k, coef, J, optimality, step)``, called with every iterate
        (the start is k = 0, the last one included); returning True stops
        the run.
    keep_path : bool
        Keep every iterate in ``result.path`` (for plots).

    Returns
    -------
    SolverResult
        With ``coef`` in the objective's (original) coordinates.
    """
    stats = Stats() if stats is None else stats
    auto = isinstance(learning_rate, str)
    std = objective.standardized()
    if auto:
        work, start, to_base = std, std.from_base(coef0), std.to_base

        def measure(grad, coef):
            return std.optimality(grad, coef)

        penalty_gap = std.penalty_gap

    else:
        work, start = objective, coef0

        def to_base(coef):
            return coef

        def measure(grad, coef):
            return std.optimality(std.grad_from_base(grad), std.from_base(coef))

        def penalty_gap(grad):
            return std.penalty_gap(std.grad_from_base(grad))

    # Scale of the stopping test: the standardized gradient at the zero start
    # (the first gradient of a fit from zeros; computed apart for a warm start).
    ref = None
    xp = objective.xp
    if bool(xp.any(coef0 != 0)):
        zeros = objective.zeros()
        loss0, r0 = objective.loss_residual(objective.raw_prediction(zeros))
        grad0 = std.optimality(std.grad_from_base(objective.gradient(r0, zeros)), zeros)
        ref = (grad0, loss0)
    tol = max(tol, 50.0 * _eps(objective.dtype))

    floor = 10.0 * _eps(objective.dtype)
    monitor = _Monitor(
        tol, floor, ref, measure, penalty_gap, to_base, max_iter, callback, keep_path
    )
    if solver in ("gd", "nesterov"):
        if auto:
            key = "standardized"
            L, stats.eigvec[key] = lipschitz(work, stats.eigvec.get(key))
            alpha = 1.0 / L
        else:
            alpha = float(learning_rate)
        run = _gradient_descent if solver == "gd" else _nesterov
        result = run(work, start, alpha, monitor)
    else:
        result = _line_search_descent(work, start, learning_rate, monitor, bb=solver == "bb")
    if not auto and not result.converged and result.stop_reason != "callback":
        # For the warning: the largest stable constant step 2/L (only on failure).
        L, _ = lipschitz(objective)
        result.stable_step = 2.0 / L if L > 0 else math.inf
    return result


def _gradient_descent(objective, coef, alpha, monitor):
    """Batch gradient descent with a constant step: w := w - α·dw, b := b - α·db."""
    k = 0
    while True:
        z = objective.raw_prediction(coef)  # z = X w + b
        J, grad = objective.value_gradient(z, coef)  # J and [dw | db]; z is spent
        del z  # its memory may serve the next z
        if monitor(k, coef, J, grad, alpha):
            break
        dw, db = objective.split(grad)
        w, b = objective.split(coef)
        w = w - alpha * dw
        if b is not None:
            b = b - alpha * db
        coef = objective.prox(objective.join(w, b), alpha)  # soft-threshold w with L1
        k += 1
    return monitor.result(coef, k, alpha)


def _nesterov(objective, coef, alpha, monitor):
    """Nesterov's accelerated gradient (FISTA with an L1 term), adaptive restart.

    y_k = x_k + β_k (x_k - x_{k-1}) with β_k = (a_{k-1} - 1) / a_k and
    a_k = (1 + √(1 + 4 a_{k-1}²)) / 2; x_{k+1} = prox(y_k - α ∇J(y_k)). The
    momentum is reset (a = 1) whenever J rises (O'Donoghue & Candès' function
    restart), which keeps the method fast on strongly convex problems. The
    raw predictions of y are combined linearly from those of x, so each
    iteration costs one ``X @ x`` and one ``X.T @ r(y)``, and O(n): J at x
    and the residual at y. The stopping test is taken at y, where the
    gradient is known, and a converged fit returns y.
    """
    eps = _eps(objective.dtype)
    x, z_x = coef, objective.raw_prediction(coef)
    J_x = objective.value(z_x, x)
    y, z_y, a = x, z_x, 1.0
    k = 0
    while True:
        grad_y = objective.gradient(objective.residual(z_y), y)  # X.T @ r(y)
        # The test's √(J/J(0)) takes J(x), close to J(y); J(y) itself (an
        # O(n) pass) is computed only when y is returned.
        if monitor.passes(monitor.measure(grad_y, y), J_x, grad_y) and y is not x:
            # converged at y: return it (x, its raw prediction and J move to y)
            x, z_x, J_x = y, z_y, objective.value(z_y, y)
        if monitor(k, x, J_x, grad_y, alpha):
            break
        x_new = objective.prox(y - alpha * grad_y, alpha)
        z_new = objective.raw_prediction(x_new)  # X @ x
        J_new = objective.value(z_new, x_new)
        if J_new > J_x + 8.0 * eps * abs(J_x):
            a_next, beta = 1.0, 0.0  # restart: forget the momentum
        else:
            a_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * a * a))
            beta = (a - 1.0) / a_next
        if beta == 0.0:
            y, z_y = x_new, z_new
        else:
            y = x_new + beta * (x_new - x)
            if isinstance(z_x, np.ndarray):  # in the memory of z_x, spent now
                z_y = np.subtract(z_new, z_x, out=z_x)
                z_y *= beta
                z_y += z_new
            else:
                z_y = z_new + beta * (z_new - z_x)
        x, z_x, J_x, a = x_new, z_new, J_new, a_next
        k += 1
    return monitor.result(x, k, alpha)


def _line_search_descent(objective, coef, learning_rate, monitor, bb):
    """Descent with a line search: Armijo backtracking, or Barzilai–Borwein.

    Direction: d = prox(coef - t·g, t) - coef (= -t·g without L1). Accept
    coef + λ·d for the largest λ in {1, ½, ¼, ...} with

        J(coef + λ d) <= max(J over the last M iterates) + c·λ·Δ,
        Δ = -‖d‖²/t   (= gᵀd without L1; an upper bound of
                      gᵀd + h(coef + d) - h(coef) with the L1 term h),

    c = 1e-4 with BB steps and c = ½ for the monotone rule (differences of J
    below its rounding error are ignored).
    ``bb=False`` is the monotone Armijo rule (M = 1): each line search starts
    from twice the last accepted step, or from α with a float learning rate.
    ``bb=True`` sets t by the Barzilai–Borwein (spectral) rule with the
    adaptive choice ABBmin of Frassoldati, Zanni and Zanghirati between
    t₁ = sᵀs / sᵀy and t₂ = sᵀy / yᵀy (s = Δcoef, y = Δg): t₁, unless
    t₂ < τ·t₁ (the curvature along s varies), then the smallest t₂ of the
    last three iterations, with the threshold τ adapted in the manner of
    Bonettini, Zanella and Zanni's SGP (τ₀ = 0.5, ÷ 1.1 after a short step,
    × 1.1 after a long one); safeguarded to [1e-10, 1e10] and rounded to a
    grid (see :func:`_quantize`), with the non-monotone test of Grippo,
    Lampariello and Lucidi (M = 10). Trial points reuse z + λ·(X d): one
    ``X @ d`` per iteration.
    """
    xp = objective.xp
    memory = deque(maxlen=10 if bb else 1)
    short = deque(maxlen=3)  # the last short BB steps t₂
    tau = ABB_TAU
    if isinstance(learning_rate, str):
        # A safe first step from the trace bound of the standardized Hessian.
        # There the penalty's curvature l2_reg·D² is at most c (see
        # Standardized): a huge l2_reg (tiny sample weights) must not make the
        # first step, and so every later one, vanishingly small.
        c = objective.curvature_bound()
        t = 1.0 / (c * objective.coef_shape[1] + min(objective.l2_reg, c))
        t = _quantize(t)
    else:
        t = float(learning_rate)
    eps = _eps(objective.dtype)
    refresh = 50 if eps > 1e-10 else 1000
    has_l1 = objective.l1_reg != 0.0
    # Sufficient decrease: the classic 1e-4 with the spectral steps; 0.5 for
    # the monotone rule, whose doubled trial step would otherwise be accepted
    # up to 2/L, where the stiffest direction barely contracts.
    armijo = 1e-4 if bb else 0.5
    z = objective.raw_prediction(coef)
    loss, r = objective.loss_residual(z)
    J = loss + objective.penalty(coef)
    grad = objective.gradient(r, coef)
    del r  # only z and X @ d are kept between iterations
    k = 0
    while True:
        if monitor(k, coef, J, grad, t):
            break
        memory.append(J)
        # d = -t·q with q the (proximal) gradient: q = grad without L1.
        if has_l1:
            d = objective.prox(coef - t * grad, t) - coef
            q = d / (-t)
        else:
            q, d = grad, -t * grad
        # The decrease the step promises: Δ = -‖d‖²/t = -t·‖q‖², which bounds
        # gᵀd + h(coef + d) - h(coef) from above (prox optimality) and, unlike
        # that difference, cannot lose its sign to rounding. (‖d‖² itself
        # may overflow for a huge t; t·‖q‖² does not square t.)
        qq = _vdot(xp, q, q)
        delta = -t * qq
        if delta == 0.0:
            # coef is a fixed point of the (proximal) gradient step: optimal.
            monitor.converged, monitor.reason = True, "converged"
            break
        Xd = objective.direction_product(d, at=coef)  # X @ d, once per iteration
        J_ref = max(memory)
        slack = 32.0 * eps * abs(J_ref)  # rounding error of J (z itself is rounded)
        lam = 1.0
        while True:
            coef_new = coef + d if lam == 1.0 else coef + lam * d
            # J at z + λ·Xd: O(n), no product with X
            # The first BB trial is nearly always accepted: the objective may
            # then move z there in the same pass that computes the residual.
            J_new = objective.trial_loss(z, Xd, lam, in_place=bb and lam == 1.0)
            J_new += objective.penalty(coef_new)
            if J_new <= J_ref + armijo * lam * delta + slack:
                break
            if lam < 1e-10:
                break
            lam *= 0.5
        if lam < 1e-10:
            monitor.reason = "stalled"
            break
        k += 1
        # z := z + λ·Xd (in place where the objective can) and r, its residual
        z, r = objective.advance(z, Xd, lam)
        del Xd
        if k % refresh == 0:  # undo the drift of z + λ·Xd
            z = r = None
            z = objective.raw_prediction(coef_new)
            loss, r = objective.loss_residual(z)
            J_new = loss + objective.penalty(coef_new)
        grad_new = objective.gradient(r, coef_new)  # X.T @ r
        del r
        if bb:
            # s = Δcoef = -λt·q and y = Δg, in scalar products with q alone:
            # sᵀy = -λt·qᵀy, t₁ = sᵀs/sᵀy = λt·‖q‖²/(-qᵀy), t₂ = sᵀy/yᵀy.
            y = grad_new - grad
            qy, yy = -_vdot(xp, q, y), _vdot(xp, y, y)
            # sᵀy > 0, and yᵀy neither underflowed to 0 nor overflowed (a nan
            # t₂ would stay among the short steps)
            if qy > 0.0 and 0.0 < yy < math.inf and qy < math.inf:
                t1, t2 = lam * t * (qq / qy), lam * t * (qy / yy)
                # ABBmin: the long step t₁ while the two estimates agree, else
                # the smallest short step t₂ of the last three. A short step
                # makes the next long one easier to take, and a long step the
                # next short one.
                short.append(t2)
                if t2 < tau * t1:
                    t, tau = min(short), tau * ABB_SHRINK
                else:
                    t, tau = t1, tau * ABB_GROW
            else:
                t = 2.0 * t
            t = _quantize(min(max(t, 1e-10), 1e10))
        elif isinstance(learning_rate, str):
            t = 2.0 * lam * t
            if J_new > J_ref + armijo * lam * delta:
                # Accepted thanks to the rounding slack alone (float32 near the
                # optimum): J no longer tells a good step from a bad one, so
                # cap the step by the inverse curvature along it, ‖s‖/‖Δg‖,
                # or it doubles until the iterates wander in the noise of J.
                y = grad_new - grad
                yy = _vdot(xp, y, y)
                if yy > 0.0:  # ‖s‖ / ‖y‖ with s = -λt·q (t here is 2λt)
                    t = min(t, 0.5 * t * math.sqrt(qq / yy))
        coef, J, grad = coef_new, J_new, grad_new
    return monitor.result(coef, k, t)
