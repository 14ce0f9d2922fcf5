"""Barzilai–Borwein (spectral) steps with the adaptive ABBmin choice, non-monotone."""

import math
from collections import deque

import numpy as np

from ._base import eps, quantize, register, vdot
from .armijo import Armijo

# ABBmin's switch: the short step when t₂ / t₁ < τ (t₂ <= t₁ always). τ starts at TAU and
# adapts as in Bonettini, Zanella and Zanni's SGP (2009): × SHRINK after a short step,
# × GROW after a long one; as many short steps as long ones leave τ where it was.
TAU, SHRINK, GROW = 0.5, 1 / 1.1, 1.1

# Whitened steps: after WHITEN_FIRST iterations (at once from a warm start) the steps take
# the metric of the curvature of J there (Objective.whitening; user guide, "Whitened
# steps"), and again WHITEN_AT·2ʲ iterations later; WHITEN_RHO > 0 asks the rows' mean
# curvature ratio ρ to be that large first (inf: never). Why 10: benchmarks/README.md,
# "The switch after 10 updates".
WHITEN_FIRST, WHITEN_AT, WHITEN_RHO = 10, 20, 0.0
# ... and again as soon as the spectral step in its coordinates reaches STALE or falls to
# 1/STALE (at least STALE_GAP iterations after the last take): in H's metric the steps are
# near 1 (Newton's); a step of STALE says J has flattened since (a nearly separable fit
# whose weights still grow), one of 1/STALE that J curves more than the metric holds. The
# fall: one column only, each such take backing off (:func:`stale_metric`). Not for K
# classes' mean block: it is not H, its steps need not be near 1, and the test would fire
# every few iterations (CHANGELOG.md, "bb takes its metric after 10 updates, and again
# where the steps show it stale"; benchmarks/README.md, "A metric whose steps fell").
STALE, STALE_GAP = 4.0, 5
# A take restarts GLL's non-monotone window too: the steps restart at 1 in a metric the
# window's J values were not taken in, and against their max the first step could raise J
# (benchmarks/README.md, "GLL's window restarted at a take").
# A gradient test's stop is confirmed where the steps hold a metric P (H⁻¹, the curvature
# of J where taken): λ² = gᵀP g, twice the Newton decrement, must be at most the certified
# test's target, J - J* <= λ² bounding a self-concordant J near its optimum (λ <= 0.68;
# Boyd and Vandenberghe 2004, §9.6.3; the quadratic model's ½ gᵀP g let stops past the
# target stand). Where P's decrement, times the most a column's curvature fell since P was
# taken (:func:`curvature_fall`), is above a CONFIRM-th of the target, H is taken again at
# the point and decides (a held P misreads a column whose curvature fell; review 107);
# after a refusal the steps go on in the new metric, at most CONFIRMS times a fit
# (benchmarks/README.md, "A stop confirmed by the Newton decrement"; "bb's confirmation:
# the curvature fall and λ²").
CONFIRM, CONFIRMS = 0.1, 10
# ... and a stop the held blocks would confirm goes to a take where a class block's diagonal
# fell more than 1/CONFIRM-fold since theirs, if that take and those this test sent the fit
# to before cost at most TAKE_SHARE of the iterations run (:func:`diagonal_fell`;
# CHANGELOG.md, "The diagonal's takes priced together (review 179)").
TAKE_SHARE = 0.5

# With an L1 part the metric does not apply (the prox needs a diagonal map), and proximal
# steps crawl where J's curvature on the support is ill-conditioned: for two classes in
# float64, where J's Hessian on the support may be taken
# (:meth:`gdlogreg._objective.Objective.stop_take_price`), from WHITEN_FIRST iterations on a
# step to the proximal Newton point, the least of J's model with its L1 term
# (:meth:`gdlogreg._objective.Objective.support_newton`) is tried, halved at most
# NEWTON_HALVINGS times, and kept where J falls; again after the take's price in iterations
# (rent or buy), the wait doubled after a step where J fell less than NEWTON_RATIO of the
# quadratic model's prediction (a trust region's test, Nocedal and Wright 2006, Algorithm
# 4.1: the support or the curvature is still moving). K classes: not adopted
# (benchmarks/README.md, "The support's Newton steps"; "Proximal Newton steps: the L1
# model solved").
NEWTON_HALVINGS, NEWTON_RATIO = 20, 0.25


# A gradient test's stop where the rule holds no metric of a decrement (constant, Armijo and
# Nesterov steps; bb and L-BFGS before their first take or under H's diagonal alone) is
# confirmed in J's Hessian taken at the point once the iterations run have cost what the take
# does (:meth:`gdlogreg._objective.Objective.stop_take_price`): the gradient's own decrement is
# blind to a valley the rows curve little (review 149). After a refusal the stops wait
# (:func:`take_due`) until λ², predicted to fall as the gradient's square, reaches its target
# and the takes, this one counted, have cost at most the iterations run (rent or buy: at
# most twice the fit's time where every take is refused); or, whatever the prediction,
# STOP_WAIT prices after the refusal (at least an iteration).
STOP_WAIT = 3


def taken_ratio(objective, point, target, spent, price):
    """λ²/``target`` for λ² = gᵀH⁻¹g, H J's Hessian taken at ``point`` (one column's, or K
    classes' whole one: :func:`exact_metric`), or where λ² is within the target J's
    curvature along H⁻¹g's bound (:func:`along_metric`) over it, if larger; with an L1
    part, λ² on the weights' support
    (:meth:`gdlogreg._objective.Objective.support_decrement`). None where the
    take's ``price`` (in iterations) is above the ``spent`` ones or no such metric
    applies. At most 1: the stop stands."""
    if not price <= spent:
        return None
    # (in the standardized coordinates, where the metric is taken: λ² is the same in all)
    objective, point = objective.standardized_twin(), objective.standardized_point(point)
    if objective.penalty.l1 > 0.0:  # λ² of J on the weights' support, where it is smooth
        lam2 = objective.support_decrement(point, target)
        return None if lam2 is None else lam2 / target
    P = metric_at(objective, point, spent=spent)
    if P is None or not decrement(P) or not exact_metric(P, objective.coef_shape[1]):
        return None
    Pg = P @ point.grad
    ratio = float(vdot(point.grad, Pg, objective.xp)) / target
    if ratio <= 1.0:
        ratio = max(ratio, objective.gradient_decrement(point, Pg) / target)
    return ratio


def rounding_newton(objective, point, exact, target, spent):
    """``(ratio, coef)`` at a float32 stop at J's rounding: λ²/``target`` for λ² = gᵀH⁻¹g,
    g the gradient made in float64 and H J's Hessian at ``point`` floored at float64's
    share (:meth:`~gdlogreg._objective.Objective.exact_twin`), where its take costs at most
    the ``spent`` iterations; else (None, None). ``exact``: :meth:`gdlogreg._objective.
    Objective.exact_point` at ``point``. ``coef``: ``point``'s plus t times the Newton
    step -H⁻¹g at the least J made in float64 found from t = 1, doubled while it falls or
    halved until it does (:meth:`~gdlogreg._objective.Objective.exact_descent`), where
    ratio > 1 or where J falls there by more than λ² (the quadratic model misreads a valley
    whose curvature drops along the step, as raw pd_speech's: the ratio is then that fall's);
    None where it falls nowhere, or by less than NEWTON_RATIO of the model's fall (J at its
    rounding), or the ratio is at most 1. Not float32's J: X W's rounding in raw units
    (terms of 1e4 that cancel) swamps the step's fall there. float32's floor, 10 ε of H's
    mean diagonal, hid a nearly separated valley of raw units whose curvature is below it:
    AER::CreditCard raw stopped 1.2e-4 above J* (review 200; docs/user_guide.rst, "When
    does it stop?")."""
    twin = objective.exact_twin()
    at, _, J = exact
    if twin is None or not objective.stop_take_price(point=at) <= spent:
        return None, None
    at = objective.standardized_point(at)
    P = metric_at(twin, at, spent=spent)
    if P is None or not decrement(P) or not exact_metric(P, objective.coef_shape[1]):
        return None, None
    Pg = P @ at.grad
    lam2 = float(vdot(at.grad, Pg, np))
    new, fall, t = objective.exact_descent(point.coef, objective.from_standardized(-Pg), J)
    ratio = max(lam2, fall) / target
    # a fall short of NEWTON_RATIO of the quadratic model's, λ² t(1 - t/2) (its least's,
    # λ²/2, past t = 1), is the rounding of float32's coefficients: J falls nowhere to speak
    # of there, and such steps went on to max_iter (review 203)
    model = lam2 * (t * (1.0 - 0.5 * t) if t < 1.0 else 0.5)
    return ratio, new if ratio > 1.0 and fall >= NEWTON_RATIO * model else None


def take_due(k, opt, price, takes, refused, last=False):
    """Whether a stop at iteration k, of gradient ``opt`` (its largest standardized entry),
    takes J's Hessian again after the refusal ``refused`` = (λ²/target, opt, iteration
    there), ``takes`` made before (the comment above STOP_WAIT); at the ``last`` iteration
    (``max_iter``) whatever the prediction, where afforded: the fit ends there either way,
    and a stop within the target was reported unconverged (wide L1 fits 1e-7 above J*)."""
    ratio, opt0, k0 = refused
    predicted = last or not opt0 > 0.0 or ratio * (opt / opt0) ** 2 <= 1.0
    afforded = (takes + 1) * price <= k
    return bool(predicted and afforded) or k >= k0 + max(1, math.ceil(STOP_WAIT * price))


class StopTakes:
    """A fit's takes at its stops where the rule holds no metric (the comment above
    STOP_WAIT): ``verdict(objective, point, target, k, opt, last)`` at iteration k is whether
    :func:`taken_ratio` is at most 1 (None where it is None), or False while a refusal's
    wait lasts (:func:`take_due`)."""

    def __init__(self):
        self.price, self.takes, self.refused = None, 0, None

    def verdict(self, objective, point, target, k, opt, last=False):
        if self.refused is not None and not take_due(k, opt, self.price, self.takes,
                                                     self.refused, last):
            return False
        if self.price is None or objective.penalty.l1 > 0.0:
            # (the fit's: its rows and coordinates; with an L1 part, its support's here)
            self.price = objective.stop_take_price(point=point)
        ratio = taken_ratio(objective, point, target, k, self.price)
        if ratio is None:
            return None
        self.takes += 1
        if ratio > 1.0:
            self.refused = (ratio, opt, k)
        return bool(ratio <= 1.0)


def newton_wait(objective):
    """The iterations between the proximal Newton steps (NEWTON_HALVINGS' comment) at
    first: the price of a take of J's Hessian (at least 1; between the two metrics the
    step's, :meth:`gdlogreg._objective.Objective.newton_take_price`), inf where none
    applies (without an L1 part, K classes, a backend without the Gram kernel, more
    coordinates than MAX_WHITENED or the rows)."""
    if objective.coef_shape[1] != 1 or not _newton_applies(objective):
        return math.inf
    price = objective.stop_take_price(support=False)  # (where the dense metric applies)
    if price == math.inf:
        price = objective.newton_take_price()
    return max(1, math.ceil(price)) if price < math.inf else math.inf


def _newton_applies(objective):
    """Whether a proximal Newton step may be taken: an L1 part, the Gram kernel. float32
    too: each step is kept only where J falls, and without them float32's prox steps
    crawled (the breast cancer set at C = 100: max_iter 1.3e-3 above J*, float64 33
    iterations; benchmarks/README.md, "float32 L1 fits take the Newton steps")."""
    return objective.penalty.l1 > 0.0 and hasattr(objective.backend, "centred_gram")


def refusal_step(objective, point, spent):
    """With an L1 part, at a stop that J's Hessian on the support refused
    (:class:`StopTakes`), where a take of it over every coordinate costs at most the
    ``spent`` iterations (rent or buy): the coef at J's least along a valley of the data's
    own rounding (:meth:`gdlogreg._objective.Objective.valley_step`: columns collinear but
    for that rounding, which the Gram's H reads as flat, along which the proximal steps
    crawl and a Newton step from H does not descend), or at its first halving where J
    falls below ``point``'s; None where there is none, or J falls nowhere along it. User
    guide, "Valleys of the data's own rounding"; a proximal Newton step there for K
    classes was measured and not adopted (benchmarks/README.md, "Valleys of the data's
    own rounding")."""
    if not _newton_applies(objective) or not objective.stop_take_price(point=None) <= spent:
        return None
    d = objective.valley_step(point)
    new = None if d is None else _halved(objective, point, d)
    return None if new is None else new.coef


def first_newton(wait):
    """The iteration of the first Newton step after waits of ``wait`` iterations."""
    return max(WHITEN_FIRST, wait)


def next_wait(wait, kept):
    """The wait after a Newton step (``kept``: J fell by at least NEWTON_RATIO of the
    model's prediction): twice as long where it did not."""
    return wait if kept else 2 * wait


def newton_point(objective, point):
    """``(new, kept)``: the Point at the proximal Newton step from ``point``
    (:meth:`gdlogreg._objective.Objective.support_newton`), or at its first halving where
    J falls below ``point``'s (at most NEWTON_HALVINGS), and whether J fell there by at
    least NEWTON_RATIO of the quadratic model's prediction; None where J falls nowhere
    (``point``'s raw prediction as it was) or no step applies."""
    d, fall = objective.support_newton(point)
    if d is None:
        return None, False
    new = _halved(objective, point, d)
    return (None, False) if new is None else (new, point.J - new.J >= NEWTON_RATIO * fall)


def _halved(objective, point, d):
    """The Point at ``point`` + d, or at its first halving (at most NEWTON_HALVINGS) where
    J falls below ``point``'s; None where it falls nowhere (``point``'s raw prediction as
    it was)."""
    ray, lam = objective.along(point, d), 1.0
    for _ in range(NEWTON_HALVINGS + 1):
        new, _ = ray.trial(lam, lambda J: J < point.J, likely=lam == 1.0)
        if new is not None:
            return new
        lam *= 0.5
    point.z = ray.Z  # (the ray took it; a refused trial put it back)
    return None


def whitens(k, at, gap=0, since=math.inf):
    """Whether the steps take the metric at iteration k (a number, or an array of them),
    first taken at ``at``: at ``at``, then again at ``at`` + WHITEN_AT·2ʲ (j >= 0). A
    metric taken once stays that point's: far from the optimum (a warm start with huge
    coefficients, no curvature left on most rows: H near l2 D²) it misleads every later
    step (review 21); retaken at doubling intervals it follows the iterates for
    log₂(n_iter) Grams. ``gap``: the
    iterations a take costs, where that is many (Objective.whitening_gap): the intervals
    are max(gap, WHITEN_AT), and none follows the last take, scheduled or stale, ``since``
    iterations ago, sooner than ``gap`` (else a stale take and the schedule's next one
    could follow within a gap; review 56)."""
    every = _at_least(gap, WHITEN_AT)
    j = k - at
    m = j // every
    return ((j == 0) | ((j >= every) & (j % every == 0) & ((m & (m - 1)) == 0))) & (
        since >= gap)


def _at_least(gap, floor):
    """max(gap, floor) of a number or an array of them."""
    return gap + (floor - gap) * (gap < floor)


def metric_at(objective, point, previous=None, spent=0, class_blocks=True, diagonal=False):
    """The metric of whitened steps at ``point`` (H⁻¹ for H the curvature of J there,
    :meth:`gdlogreg._objective.Objective.whitening`; ``previous``: the one taken before,
    whose rows' part a retake reuses; ``spent``: the iterations run; ``class_blocks``:
    whether the factored metric of K classes may take each class's own block;
    ``diagonal``: H's diagonal where neither H⁻¹ applies), or None where none applies."""
    base = objective.T.to_base(point.coef) if point.base is None else point.base
    return objective.whitening(base, point.z, previous, spent, class_blocks, diagonal)


def stale_metric(has_metric, step, since, exact, every=math.inf, gap=0, columns=1, falls=0):
    """Whether a metric taken ``since`` iterations ago is stale: the spectral ``step`` in
    its coordinates has grown to :data:`STALE` or fallen to its inverse, or ``every``
    iterations have passed (the
    metric's own ``every``: :class:`gdlogreg._objective.LowRankMetric`, whose retake costs
    what that many iterations' products do; numbers, or arrays of them). Only where the
    metric is J's Hessian where taken (``exact``: one column, or the whole Hessian of K
    classes, :func:`exact_metric`): the mean of the class blocks is not the curvature and
    its steps need not be near 1. ``gap``: at least that many iterations after the last
    take (its cost, as :func:`whitens`). The step's fall to 1/STALE for one column only
    (``columns``: K classes' whole Hessian gives small steps right after its takes on
    nearly separated classes); and after ``falls`` such takes, no sooner than
    STALE_GAP·2^falls iterations after the last (:func:`fell`), so that a metric whose
    steps fall again at once is not retaken every STALE_GAP iterations to the end (review
    141; CHANGELOG.md, "A metric whose steps fell is taken again")."""
    after = since >= _at_least(gap, STALE_GAP)
    backed_off = since >= _at_least(gap, STALE_GAP * 2**falls)
    grew = (step >= STALE) & after
    return has_metric & (grew | (fell(step, columns) & backed_off) | (since >= every)) & exact


def fell(step, columns=1):
    """Whether the spectral step in a binary metric's coordinates fell to 1/STALE
    (numbers, or arrays of them): a take then counts among the ``falls`` of
    :func:`stale_metric`."""
    return (step <= 1.0 / STALE) & (columns == 1)


def curvature_fall(before, now):
    """How many times the curvature of J along a column fell at most since a metric was
    taken: maxₖ beforeₖ / nowₖ, at least 1 (the columns' curvatures Hₖ = Σ s pₖ(1 - pₖ),
    :meth:`gdlogreg._objective.Objective.stop_curvature`, numpy; 1 where either is
    unknown; inf where a column's fell to 0). H⁻¹ grows as H falls: the held metric's
    decrement times this estimates the decrement at the point."""
    if before is None or now is None:
        return 1.0
    before, now = np.asarray(before, dtype=np.float64), np.asarray(now, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(before > now, before / now, 1.0)
    return float(np.max(ratio, initial=1.0))


def newton_confirms(objective, point, Pg, curv, H, target, take, held=True):
    """``(verdict, P)``: whether a gradient test's stop at ``point`` stands by the Newton
    decrement (the module comment above CONFIRM), the metric P held there giving ``Pg``
    (P g), taken where its columns' curvatures were ``curv`` (they are ``H`` at the point).
    Where ½ gᵀP g times their fall (:func:`curvature_fall`) is within a CONFIRM-th of
    ``target`` and J's own curvature along P g (:func:`along_metric`) confirms it, the
    stop stands; else ``take()`` takes the metric at the point, and λ² = gᵀP g in it must
    be at most ``target``, along its P g too. P: the metric taken; verdict None (not
    confirmed by a metric) where none was taken, or it gives no decrement. ``held``
    False: the held metric may not confirm it (:func:`upgrades`), the take decides."""
    xp, g = objective.xp, point.grad
    if held and held_confirms(objective, point, Pg, curv, H, target):
        return True, None
    P = take()
    if P is None or not decrement(P):
        return None, None
    # λ² (not the decrement ½λ²) at most the target: module comment above CONFIRM
    Pg = P @ g
    return vdot(g, Pg, xp) <= target and along_metric(objective, point, Pg, target), P


def held_confirms(objective, point, Pg, curv, H, target):
    """Whether the metric held confirms a stop without a take: its decrement ½ gᵀP g,
    times the curvature fall since its take (:func:`curvature_fall`), within a CONFIRM-th
    of ``target``, and J's own curvature along P g (:func:`along_metric`) too, where J
    does not fall along it past the quadratic model (``misread``: a plateau the held
    metric misreads; a take at the point decides)."""
    E = 0.5 * vdot(point.grad, Pg, objective.xp) * curvature_fall(curv, H)
    return E <= CONFIRM * target and along_metric(objective, point, Pg, target, misread=True)


def spent_verdict(objective, point, Pg, curv, H, target):
    """A stop's verdict once CONFIRMS refusals are spent (no more takes): False where the
    held metric does not confirm it (:func:`held_confirms`; the steps go on in that
    metric), else None (the gradient tests decide, as without a metric; review 144,
    tests/test_review144.py)."""
    return None if held_confirms(objective, point, Pg, curv, H, target) else False


def upgrades(objective, P, spent):
    """Whether the held metric P (of K classes' blocks alone, not their Hessian) may not
    confirm a stop ``spent`` iterations into the fit, because a take there would be the
    whole Hessian (:meth:`gdlogreg._objective.Objective.whole_class_pays`): nearly
    separated classes put most of H into the blocks' coupling, which the blocks' decrement
    does not see (review 142; benchmarks/README.md, "Review 142: sparse X keeps the 512
    limit; the whole Hessian confirms the stops it would take")."""
    return not exact_metric(P, objective.coef_shape[1]) and objective.whole_class_pays(spent)


def held_diagonal(objective, point, P):
    """The rows' curvature diagonal at ``point`` where the metric P taken there is K classes'
    blocks or their mean, not J's Hessian (:func:`exact_metric`): what
    :func:`diagonal_fell` compares at a later stop; None otherwise (one column, the whole
    Hessian, no decrement, no diagonal kernel, float32)."""
    k = objective.coef_shape[1]
    if k == 1 or P is None or exact_metric(P, k) or not decrement(P) or not (
            eps(objective.dtype) < 1e-10):  # (float64: float32 stops confirm no metric)
        return None
    if getattr(P, "rows_diagonal", None) is not None:  # (the blocks' take computed it)
        return P.rows_diagonal
    base = objective.T.to_base(point.coef) if point.base is None else point.base
    return objective.curvature_diagonal(base, point.z)


def diagonal_fell(objective, point, before, spent=math.inf, paid=0.0):
    """Whether some coordinate's curvature (the diagonal of :func:`held_diagonal`, taken
    with the metric as ``before``) fell more than 1/CONFIRM-fold since: the held metric of
    K classes' blocks then misreads J's valley along it by more than the CONFIRM margin
    covers (nearly separated rare classes whose rows became certain), and a take decides
    (:func:`newton_confirms`). False without ``before``, and where the take, with the
    ``paid`` ones, would cost more than TAKE_SHARE of the ``spent`` iterations
    (:meth:`gdlogreg._objective.Objective.blocks_take_price`). ``paid``: the prices of the
    takes this test sent the fit to before (a refusal re-arms the test). CHANGELOG.md,
    "Held class blocks confirm no stop where a class block's diagonal fell (review 174)"
    and "The diagonal's takes priced together (review 179)"; benchmarks/README.md, "Held
    class blocks and the diagonal's fall"."""
    if before is None or objective.blocks_take_price() + paid > TAKE_SHARE * spent:
        return False
    base = objective.T.to_base(point.coef) if point.base is None else point.base
    now = objective.curvature_diagonal(base, point.z)
    return now is not None and curvature_fall(before, now) > 1.0 / CONFIRM


def along_metric(objective, point, Pg, target, misread=False):
    """Whether (gᵀP g)²/((P g)ᵀH (P g)) <= ``target``, H J's own Hessian at the point: by
    Cauchy–Schwarz a lower bound on λ² = gᵀH⁻¹g whatever P is, near it where P ≈ H⁻¹; where
    P misreads H (a metric the classes share for K classes of one row), above gᵀP g
    (:meth:`gdlogreg._objective.Objective.gradient_decrement` along P g, and J's own fall
    along it; ``misread``: False where J falls past the quadratic model)."""
    return objective.gradient_decrement(point, Pg, misread) <= target


def exact_metric(P, k):
    """Whether the metric P of k columns is J's Hessian where it was taken (one column's,
    but H's diagonal alone, or the whole Hessian of K classes)."""
    return getattr(P, "exact", k == 1)


def decrement(P):
    """Whether ½ gᵀP g in the metric P estimates J - J* (Newton's decrement): not H's
    diagonal alone (:class:`gdlogreg._objective.DiagonalMetric`)."""
    return getattr(P, "decrement", True)


class HeldDiagonalFell:
    """The held diagonal's fall test of bb and lbfgs: the rule keeps ``_diag`` (the
    diagonal taken with its metric) and ``_fell_paid`` (the takes' price this test sent
    the stops to, 0.0 at the start)."""

    def _fell(self, objective, point, spent):
        """:func:`diagonal_fell` against the held diagonal, its takes' price counted."""
        fell = diagonal_fell(objective, point, self._diag, spent, self._fell_paid)
        if fell:
            self._fell_paid += objective.blocks_take_price()
        return fell


@register
class BarzilaiBorwein(HeldDiagonalFell, Armijo):
    """Spectral steps t (Barzilai and Borwein 1988) in a non-monotone line search.

    With s = Δcoef and y = Δg, t₁ = sᵀs / sᵀy and t₂ = sᵀy / yᵀy; ABBmin
    (Frassoldati, Zanni and Zanghirati 2008) takes t₁ unless t₂ < τ·t₁ (the
    curvature along s varies), then the smallest t₂ of the last three
    iterations. Safeguarded to [1e-10, 1e10] and rounded to a grid
    (:func:`quantize`). The step is tried in the line search of
    :class:`Armijo` with GLL's non-monotone test, M = 10 and c = 1e-4
    (Raydan 1997; Grippo, Lampariello and Lucidi 1986); with an L1 term the steps are
    SpaRSA's (Wright, Nowak and Figueiredo 2009). Whitened steps: after WHITEN_FIRST
    iterations (from a warm start, at once) the direction is -t·P g with P = H⁻¹ for H the
    curvature of J at that iterate (:meth:`gdlogreg._objective.Objective.whitening`),
    retaken at doubling intervals (:func:`whitens`) and where the step shows it stale
    (:func:`stale_metric`), and the steps are BB's in the coordinates where P is the
    identity (docs/user_guide.rst).
    """

    name = "bb"
    hint = "Increase max_iter or tol."
    # from a start far out the scalar steps were the penalty's, 1/l2, where the rows'
    # curvature is spent, and the intercepts, which it does not curve, crawled (CHANGELOG.md,
    # "A warm start worse than zero starts at zero")
    zero_if_worse = True
    memory, armijo = 10, 1e-4
    likely_first_trial = True  # the spectral step is nearly always accepted

    def start(self, objective, coef0):
        self._short = deque(maxlen=3)  # the last short steps t₂
        self._tau = TAU
        self._P, self.rho = None, None
        self._curv = None  # the columns' curvatures where the held metric was taken
        self._diag = None  # the rows' curvature diagonal there (K classes' blocks only)
        self._Pg = None  # (point, P g there): the last accepted point's, for its direction
        # A warm start is near its optimum already: its curvature is the metric at once.
        self._at = 0 if bool(objective.xp.any(coef0 != 0)) else objective.whitening_start(
            WHITEN_FIRST, early=True)
        self._gap = objective.whitening_gap()  # a take's cost in iterations, where many
        self._taken = -max(STALE_GAP, self._gap)  # (none yet: the first is not held back)
        self._refused = 0  # the stops the Newton decrement refused (:meth:`confirms`)
        self._fell_paid = 0.0  # the takes' price that diagonal_fell sent the stops to
        self._falls = 0  # the takes where the steps fell (:func:`stale_metric`)
        point = super().start(objective, coef0)
        self._safe = self.step  # the plain steps' first, where a metric is dropped
        self._dropped = math.inf  # J where a metric was last dropped (a stall in one)
        # the proximal Newton steps (NEWTON_HALVINGS' comment): the next one's iteration
        # and the wait after it
        self._newton_wait = newton_wait(objective) if self.auto else math.inf
        self._newton_at = first_newton(self._newton_wait)
        return point

    def _newton(self, objective, point):
        """:func:`newton_point` from ``point``, where due (NEWTON_HALVINGS' comment): the
        Point there, or None (``point`` as it was, and the next one waits twice as
        long)."""
        new, kept = newton_point(objective, point)
        self._newton_wait = next_wait(self._newton_wait, kept)
        self._newton_at = self._k + self._newton_wait
        if new is None:
            return None
        self._memory.append(point.J)
        self._k += 1
        self._Pg = None
        return new

    def update(self, objective, point):
        if self._k >= self._newton_at:
            new = self._newton(objective, point)
            if new is not None:
                return new
        k = objective.coef_shape[1]
        stale = stale_metric(self._P is not None, self.step, self._k - self._taken,
                             exact_metric(self._P, k), getattr(self._P, "every", math.inf),
                             self._gap, k, self._falls)
        if self.auto and (whitens(self._k, self._at, self._gap, self._k - self._taken) or stale):
            self._falls += bool(stale and fell(self.step, k))
            self._taken = self._k
            self._whiten(objective, point)
        new = super().update(objective, point)
        if new is None and self.stop_reason == "stalled" and self._P is not None and (
                point.J < self._dropped - 64.0 * self._eps * abs(point.J)):
            # no step along the metric's direction lowers J (a far warm start's metric,
            # of no curvature left on a class; reviews 48, 62): the metric is dropped and
            # this iteration ends where it began (evaluated again: the ray took its z);
            # plain steps go on from the safe first one (bb's schedule takes a metric again
            # later). Only once J has fallen past its rounding since: J at its rounding
            # (float32 at tol = 0) stalls in every metric, and the stall is then the stop
            self._P, self._Pg, self.stop_reason, self._dropped = None, None, None, point.J
            self._short.clear()
            self._tau, self.step = TAU, self._safe
            self._memory.clear()
            self._k += 1
            return objective.evaluate(point.coef)
        return new

    def _whiten(self, objective, point):
        """Take the metric of the whitened steps where it applies
        (:meth:`gdlogreg._objective.Objective.whitening`, at this point); the spectral
        steps start again there, from 1 (near the optimum, the Newton step)."""
        self.rho = objective.curvature_share(point) if WHITEN_RHO > 0 else math.nan
        P = metric_at(objective, point, self._P, self._k, diagonal=True) if not (
            self.rho < WHITEN_RHO) else None
        if P is not None and P is not self._P:
            self._install(P)
            if decrement(P):  # (one O(n·m) pass; the take's product costs far more)
                self._curv = objective.stop_curvature(point)[1]
                self._diag = held_diagonal(objective, point, P)

    def _install(self, P):
        """Steps in the metric P from here: the spectral ones from 1, afresh (the steps go
        on where P is the metric held: a diagonal one kept at a retake)."""
        if P is self._P:
            return
        self._P, self._Pg = P, None
        self._short.clear()
        self._tau, self.step = TAU, 1.0
        self._memory.clear()  # GLL's window restarts: the first step lowers J here

    def holds_metric(self):
        """Whether the steps hold a metric whose decrement confirms a stop (:meth:`confirms`
        decides; else :class:`StopTakes`)."""
        return self._P is not None and decrement(self._P)

    def confirms(self, objective, point, target, H=None, fresh=False):
        """Whether a gradient test's stop at ``point`` stands (:func:`newton_confirms`,
        ``target`` J - J* allowed, ``H`` the columns' curvatures at the point): twice the
        Newton decrement, gᵀP g, at most ``target`` in a metric taken again here where the
        held one's decrement, scaled by the curvature fall since its take, is above a
        CONFIRM-th of the target (on a plateau the curvature changes within a few
        iterations; benchmarks/README.md, "A stop confirmed by the Newton decrement"), or
        where ``fresh`` (a tol looser than the default's, the take cheap:
        :func:`gdlogreg._solver.fresh_above`). None
        without a metric; after CONFIRMS refusals, no more takes: the held
        metric's :func:`spent_verdict`. A refusal keeps the new metric for the steps that
        follow."""
        if self._P is None or not decrement(self._P):
            return None
        if self._refused >= CONFIRMS:
            return spent_verdict(objective, point, self._metric_of(point, objective.xp),
                                 self._curv, H, target)

        def take():
            P = metric_at(objective, point, self._P, self._k, diagonal=True)
            if P is not None:
                self._taken = self._k
            return P

        held = not (fresh or upgrades(objective, self._P, self._k)
                    or self._fell(objective, point, self._k))
        ok, P = newton_confirms(objective, point, self._metric_of(point, objective.xp),
                                self._curv, H, target, take, held=held)
        if ok is False:
            self._refused += 1
            self._install(P)
            self._curv, self._diag = H, held_diagonal(objective, point, P)
        return ok

    def _metric(self, q, xp):
        """P q: q, or H⁻¹ q in whitened steps (P symmetric)."""
        return q if self._P is None else self._P @ q

    def _metric_of(self, point, xp):
        """P g at ``point``: made by :meth:`next_step` where ``point`` is the point it
        accepted (one product with P an iteration, not two)."""
        if self._Pg is not None and self._Pg[0] is point:
            return self._Pg[1]
        return self._metric(point.grad, xp)

    def next_step(self, objective, point, new, q, qq, lam):
        # s = -λt·q (q = Pg) and y = Δg, in scalar products with q alone:
        # sᵀy = -λt·qᵀy, t₁ = sᵀP⁻¹s/sᵀy = λt·gᵀPg/(-qᵀy), t₂ = sᵀy/yᵀPy
        # (Barzilai and Borwein's steps in the coordinates where P is the identity).
        xp, t = objective.xp, self.step
        y = new.grad - point.grad
        Py = y
        if self._P is not None:  # P y = P g' - P g (q): P g' serves the next direction too
            self._Pg = (new, self._P @ new.grad)
            Py = self._Pg[1] - q
        qy, yy = -vdot(q, y, xp), vdot(y, Py, xp)
        # sᵀy > 0, and yᵀy neither underflowed to 0 nor overflowed (a nan t₂
        # would stay among the short steps)
        if qy > 0.0 and 0.0 < yy < math.inf and qy < math.inf:
            t1, t2 = lam * t * (qq / qy), lam * t * (qy / yy)
            # The long step t₁ while the two estimates agree, else the smallest
            # short step of the last three: a short step makes the next long
            # one easier to take, and a long step the next short one.
            self._short.append(t2)
            if t2 < self._tau * t1:
                t, self._tau = min(self._short), self._tau * SHRINK
            else:
                t, self._tau = t1, self._tau * GROW
        else:
            t = 2.0 * t
        return quantize(min(max(t, 1e-10), 1e10))
