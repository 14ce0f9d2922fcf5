"""Host float64 algebra of J's Hessians on p coordinates (p × p, numpy): their Cholesky
factors with a floor under the spectrum, solves, the loss's flat directions, and the
solve of the quadratic model of J with an L1 part (:func:`l1_model_point`).

Pure functions of numpy arrays, below :mod:`gdlogreg._objective`, which takes the
Hessians from a backend's Gram (user guide, "The metric of whitened steps"; "Newton steps
on the support: an L1 part").
"""

import math

import numpy as np
from scipy.linalg import cho_solve
from scipy.linalg.blas import dtrsv as _trsv
from scipy.linalg.lapack import dpotrf as _potrf
from scipy.linalg.lapack import dpotrs as _potrs
from scipy.linalg.lapack import dpstrf as _pstrf

from ._backends._threads import scipy_blas_alone
from ._xp import eps


def _floor(dtype):
    """The floor under the metric's H, as a share of its mean diagonal (the rows' part in
    float64): 1e-13, 10 eps in float32 (see :func:`_floor_of`)."""
    return max(1e-13, 10.0 * eps(dtype))


def _floor_of(rows, penalty, count, dtype):
    """The floor under the metric's H of ``count`` coordinates, from the sums of its
    diagonal's parts: a share (:func:`_floor`) of the rows' mean, not of the penalty's,
    which stays near c (l2·D² of a feature of tiny units) where separable rows' is spent,
    and then swamped the curvature of a feature of huge units (benchmarks/README.md, "The
    metric's floor from the rows; a factored metric retaken as its cost allows").
    In float32 a share of the whole mean: the gradient's rounding there, blown up along
    those features, kept separable fits from converging (tests/test_review23.py, 28)."""
    whole = rows + (penalty if _coarse(dtype) else 0.0)
    return _floor(dtype) * max(whole, 0.0) / count


def _coarse(dtype):
    """Whether the metric's gradients carry a coarse rounding (float32): its floor is a
    share of H's whole diagonal, and the factored metric keeps the doubling schedule."""
    return eps(dtype) > 1e-10


def _add_diagonal(H, v):
    """H's diagonal += v, in place (H square; cheaper than numpy's diag_indices_from)."""
    H.flat[:: len(H) + 1] += v


def _kept(H, keep):
    """H on the coordinates ``keep`` (a mask) in both dimensions: H itself where all are."""
    return H if keep.all() else H[np.ix_(keep, keep)]


def _symmetrized(H):
    """½(H + Hᵀ) in H's own memory (numpy buffers the transposed operand), as a
    C-ordered array where H's memory is Fortran-ordered (LAPACK's): the same values and
    layout as the new array ``0.5 * (H + H.T)`` it replaces, so that P q rounds as it did.
    For its callers' own temporaries."""
    if H.flags.f_contiguous and not H.flags.c_contiguous:
        H = H.T  # symmetric once done: Hᵀ holds the same values, C-ordered
    H += H.T
    H *= 0.5
    return H


def _cho_solve(L, r):
    """C⁻¹ r (r: n × m, float64) for C = L Lᵀ, L its lower Cholesky factor: two triangular
    solves for one column (faster than dpotrs there; OpenBLAS runs dtrsv on one thread),
    LAPACK's dpotrs for more (CHANGELOG.md, "The low-rank metric retaken from its rows'
    Gram")."""
    if r.shape[1] == 1:
        return _trsv(L, _trsv(L, r[:, 0], lower=1), trans=1, lower=1)[:, None]
    with scipy_blas_alone(2.0 * len(L) ** 2 * r.shape[1]):
        t, info = _potrs(L, r, lower=True)  # cho_solve's LAPACK call
        return t if info == 0 else cho_solve((L, True), r)


def _factor(H, dtype, lam):
    """The lower Cholesky factor of the metric's H (``lam``: the penalty's part of its
    diagonal) with a floor under its spectrum (:func:`_floor_of`), in H's memory; None
    where H is not positive definite in floating point."""
    # the floor: H⁻¹ would otherwise blow up the gradients' rounding along a null direction
    # (a copy or a sum of columns at a weak penalty: the fit did not converge)
    penalty, q = float(lam.sum()), len(H)
    _add_diagonal(H, _floor_of(float(np.trace(H)) - penalty, penalty, q, dtype))
    # cho_factor's LAPACK call, without its checks (a quarter of a small take's time)
    if not np.isfinite(H).all():
        return None
    with scipy_blas_alone(q**3 / 3.0):
        # H symmetric: Hᵀ is H in LAPACK's order, factored in its memory (no copy)
        L, info = _potrf(H.T if H.flags.c_contiguous else H, lower=1, clean=0, overwrite_a=1)
    return L if info == 0 else None


def _inverse(H, keep, dtype, lam):
    """The metric P (p × p) of :meth:`Objective.whitening` from its H on the coordinates
    ``keep`` (``lam``: the penalty's part of its diagonal): H⁻¹ there (:func:`_factor`'s
    solves with the identity), the identity elsewhere; None where H is not positive
    definite."""
    L = _factor(H, dtype, lam)
    if L is None:
        return None
    # H's memory holds its factor, the identity's H⁻¹: three p × p arrays at the peak, not
    # six (benchmarks/README.md, "Dense X of 513 to 2,048 coordinates").
    # Not dpotri: OpenBLAS's gives other bits on two threads than on one
    q = len(L)
    with scipy_blas_alone(2.0 * q**3):
        inv, info = _potrs(L, np.eye(q, order="F"), lower=1, overwrite_b=1)
    if info != 0 or not np.isfinite(inv).all():
        return None
    inv = _symmetrized(inv)
    if keep.all():
        return inv
    P = np.eye(len(keep))
    P[np.ix_(keep, keep)] = inv
    return P


# An eigenvalue of the loss's curvature on the support within FLAT of its largest is an
# exact null direction (columns that are linear combinations of others, one-hot levels
# beside the intercept), flat but for rounding: nearly collinear columns (1e-10 apart
# once scaled) are a valley, not flat, and are read in H (review 149's offset columns).
FLAT = 1e-12
# The eigenvalues that find those directions are skipped where a pivoted Cholesky factor
# keeps every pivot above this share of the largest diagonal entry (:func:`_surely_curved`:
# 10^4 above FLAT, a margin for the pivots' growth; a refusal at a stop took the
# eigenvalues, 10|S|³ flops, on every ask: review 206's wide supports of hundreds).
FLAT_SCREEN = 1e-8
# The floor of H's factor (:func:`_factor`) reads a direction of less curvature as
# curved by the floor: gᵀH⁻¹g is then at least gᵀH_f⁻¹g + f‖H_f⁻¹g‖² (H_f = H + f·I,
# H⁻¹ = H_f⁻¹ + f H_f⁻¹H⁻¹), and where that second term passes this share of the first,
# the floor holds back part of the decrement (a valley of the data's own rounding).
FLOORED = 0.1


def _floored_decrement(H, lam, g, dtype):
    """``(λ², floored)``: gᵀH_f⁻¹g in :func:`_factor`'s floored H (inf where it is not
    positive definite), and whether the floor f holds back part of it (FLOORED's
    comment). H itself is not changed."""
    penalty = float(lam.sum())
    f = _floor_of(float(np.trace(H)) - penalty, penalty, len(H), dtype)
    L = _factor(np.array(H), dtype, lam)
    if L is None:
        return math.inf, False
    x = _cho_solve(L, g[:, None])[:, 0]
    lam2 = float(g @ x)
    return lam2, bool(f * float(x @ x) > FLOORED * lam2)


def least_on_line(beta, C, w, u, lam1):
    """``(t, fall)``: the least of φ(t) = β t + ½ C t² + Σⱼ lam1ⱼ (|wⱼ + t uⱼ| - |wⱼ|) over
    t >= 0 (convex, piecewise quadratic) and φ(0) - φ(t) >= 0: from 0, where the slope is
    β + Σⱼ lam1ⱼ (sign(wⱼ) uⱼ, or |uⱼ| for wⱼ = 0), the kinks -wⱼ/uⱼ ahead in order, each
    raising the slope by 2 lam1ⱼ|uⱼ|, to the stationary point of a piece or the first kink
    whose right slope is not negative (as :func:`gdlogreg._objective.best_shift`'s). t inf
    where the slope stays negative (C = 0); (0, 0) where it is not negative at 0."""
    slope = beta + float(lam1 @ np.where(w != 0.0, np.sign(w) * u, np.abs(u)))
    ahead = w * u < 0.0
    ts = -w[ahead] / u[ahead]
    order = np.argsort(ts)
    kinks, jumps = ts[order], (2.0 * lam1[ahead] * np.abs(u[ahead]))[order]
    t, fall = 0.0, 0.0
    for tk, jump in zip([*kinks.tolist(), math.inf], [*jumps.tolist(), 0.0], strict=True):
        if slope >= 0.0:
            break
        stop = t - slope / C if C > 0.0 else math.inf  # the piece's stationary point
        end = min(stop, tk)
        if end == math.inf:
            return math.inf, math.inf
        fall -= slope * (end - t) + 0.5 * C * (end - t) ** 2
        slope += C * (end - t)
        t = end
        if stop <= tk:
            break
        slope += jump
    return t, fall


def _flat_decrement(H, lam, g, w):
    """gᵀH⁻¹g of :meth:`Objective.support_decrement` where the loss is flat along some
    directions of the support (collinear columns, one-hot levels beside the intercept, the
    K classes' common shift): there J is the L1 term's, linear up to its first kink (a
    weight reaching 0), and H⁻¹ would read its slope as a huge distance. With N the null
    space of the loss's part H - diag(lam) (eigenvalues within FLAT of its largest), g's
    part off N in H + c·NNᵀ (c H's mean diagonal), and along u = -g_N/‖g_N‖ (slope
    s = ‖g_N‖, the penalty's curvature a = Σ lam u²) the fall of J up to its first kink
    t (w + t u crosses 0), twice it as λ² counts it. ``w``: the weights on the support (inf
    for an intercept: no kink). None where H is not positive definite."""
    L, gR, gN = _off_flat(H, lam, g)
    if L is None:
        return None
    out = float(gR @ _cho_solve(L, gR[:, None])[:, 0])
    u, t, slope, a = _flat_line(lam, gN, w)
    if u is None:
        return out
    if t == math.inf:  # (a = 0 and no kink: J falls without bound, as far as H reads)
        return math.inf
    return out + 2.0 * (slope * t - 0.5 * a * t * t)


def _flat_line(lam, gN, w):
    """``(u, t, s, a)``: the flat direction u = -g_N/‖g_N‖ of :func:`_flat_decrement`, J's
    slope s = ‖g_N‖ and the penalty's curvature a = Σ lam u² along it, and the step t that
    minimises J there, s/a or less: at most to the first kink (w + t u crosses 0; ``w``
    inf for an intercept). u None where g_N is 0."""
    slope = float(np.linalg.norm(gN))
    if not slope > 0.0:
        return None, 0.0, 0.0, 0.0
    u = -gN / slope
    a = float(lam @ (u * u))
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = u * w < 0.0
        t = float(np.min(np.abs(w[cross] / u[cross]), initial=np.inf))
    return u, min(t, slope / a) if a > 0.0 else t, slope, a


def _off_flat(H, lam, g):
    """``(L, g_R, g_N)``: g's parts along the exact null space N of the loss's part
    H - diag(lam) (eigenvalues within FLAT of its largest: the module comment above FLAT)
    and off it, and the Cholesky factor L of H + c·NNᵀ (c H's mean diagonal; None where not
    positive definite, or H not finite: extreme data), in which g_R's solve is H⁻¹'s off
    N."""
    if not np.isfinite(H).all():
        return None, g, np.zeros_like(g)
    N = _flat_basis(H, lam)
    gN = N @ (N.T @ g)
    H2 = H + (float(np.trace(H)) / len(H)) * (N @ N.T)
    return _factor(H2, np.float64, lam), g - gN, gN


# The L1 model's solve (:func:`l1_model_point`) takes at most SIGN_STEPS steps, and stops
# once its factors have cost the flops it is allowed (the Gram's it was taken from: rent
# or buy); each step lowers the model, so that a solve cut short is still a descent step.
SIGN_STEPS = 50
# A coordinate at 0 enters the active set where its slope passes its L1 weight by more
# than this share of it (below, the rounding of the model's gradient).
SIGN_ENTRY = 1e-9


def l1_model_point(g, H, lam1, lam2, w, flops=math.inf, rounding=0.0):
    """``(u, fall)``: the least point u of J's quadratic model at w with an L1 part,

        m(u) = gᵀ(u - w) + ½ (u - w)ᵀ H (u - w) + Σⱼ lam1ⱼ (|uⱼ| - |wⱼ|),

    (g the gradient of J's smooth part at w, H its Hessian, whose diagonal holds the L2
    part's ``lam2``; ``lam1`` 0 for an intercept), and the model's fall -m(u) > 0; None
    where the model falls by no more than ``rounding`` (J's) or H is not finite.
    Proximal Newton's step (Lee, Sun and Saunders 2014, "Proximal Newton-type methods for
    minimizing composite functions"), whose model is solved by feature-sign search (Lee,
    Battle, Raina and Ng 2007, "Efficient sparse coding algorithms", Algorithm 1): from
    u = w, each step solves the model with the signs held on the active set (the weights
    not 0, the intercepts), goes to the least point of the segment there, where weights may
    cross 0, and once the active set's model is at its least adds the weight at 0 whose
    slope passes its L1 weight the most. Along the loss's flat directions on the active set
    (pure L1: :data:`FLAT`) the model is the L1 term's, linear up to its first kink: the move
    to the kink (:func:`_flat_line`) where it predicts the larger fall. A step whose fall is
    within ``rounding`` is none. At most SIGN_STEPS steps and their factors' ``flops``."""
    if not (np.isfinite(H).all() and np.isfinite(g).all()):
        return None
    # (with an L2 part on every weight no direction is flat: Newton's step is exact)
    N = _flat_basis(H, lam2) if not lam2.any() else None
    u, fall, spent = w.copy(), 0.0, 0.0
    gq = g.copy()  # the smooth part's gradient in the model at u: g + H (u - w)
    sign = np.sign(u)
    active = (u != 0.0) | (lam1 == 0.0)
    solved = False  # whether the active set's model is at its least at u
    # (scipy's BLAS held once for the factors of every step: :class:`scipy_blas_alone`)
    with scipy_blas_alone(len(H) ** 3 / 3.0):
        for _ in range(SIGN_STEPS):
            if solved and not _enter(gq, lam1, active, sign):
                break
            idx = np.flatnonzero(active)
            HA, uA, lam1A = H[np.ix_(idx, idx)], u[idx], lam1[idx]
            step, flat, rest = _sign_step(HA.copy(), lam2[idx], gq[idx] + lam1A * sign[idx], uA,
                                          lam1A, None if N is None else _restricted(N, active))
            spent += len(idx) ** 3 / 3.0
            moved = None if step is None else _least_on_segment(gq[idx], HA, lam1A, uA, step)
            if moved is None or moved[2] <= rounding:
                # at the active set's least already (to J's rounding): a weight may enter
                if solved:
                    break
                solved = True
                continue
            v, end, drop = moved
            gq += H[:, idx] @ (v - uA)
            u[idx] = v
            fall += drop
            sign = np.sign(u)
            active = (u != 0.0) | (lam1 == 0.0)
            solved = end and not (flat or rest)
            if spent > flops:
                break
    return (u, fall) if fall > rounding and np.isfinite(u).all() else None


def _flat_basis(H, lam2):
    """An orthonormal basis (p × r) of the null space of the loss's part H - diag(lam2):
    its eigenvectors of eigenvalue within FLAT of the largest (r may be 0); none without
    the eigenvalues where :func:`_surely_curved` says so."""
    M = H - np.diag(lam2)
    if _surely_curved(M):
        return np.zeros((len(M), 0))
    e, V = np.linalg.eigh(M)
    return V[:, e <= FLAT * max(float(e[-1]), 0.0)]


def _surely_curved(M):
    """Whether the semidefinite M has no direction of curvature within FLAT of its largest:
    its Cholesky factor with diagonal pivoting (LAPACK's dpstrf, p³/3 flops where the
    eigenvalues cost about 10 p³) reaches full rank with every pivot above FLAT_SCREEN of
    M's largest diagonal entry. Such a factor reveals a null direction by a small last
    pivot (Higham, "Accuracy and Stability of Numerical Algorithms", 2002, §10.3; only
    matrices built against the pivoting hide one, and there a stop is refused, not passed)."""
    top = float(np.max(np.diag(M), initial=0.0))
    if not (top > 0.0 and np.isfinite(M).all()):
        return False
    with scipy_blas_alone(len(M) ** 3 / 3.0):
        _, _, rank, info = _pstrf(np.array(M, order="F"), tol=FLAT_SCREEN * top, lower=1,
                                  overwrite_a=1)
    return info == 0 and rank == len(M)


def _restricted(N, active):
    """A basis of the null directions of the loss's part on the coordinates ``active``:
    those of span(N) that vanish off them (H's null space is N's, H semidefinite), as
    rows of the active coordinates."""
    if not N.shape[1] or active.all():
        return N[active]
    off = N[~active]
    _, s, Vt = np.linalg.svd(off, full_matrices=True)
    rank = int(np.count_nonzero(s > 1e-6))
    return N[active] @ Vt[rank:].T


def _enter(gq, lam1, active, sign):
    """Add to ``active`` the weight at 0 whose slope |∂ⱼ| passes its L1 weight the most
    (its sign that of -∂ⱼ, in ``sign``); False where none passes it: the model's least."""
    excess = np.where(active, -np.inf, np.abs(gq) - lam1 * (1.0 + SIGN_ENTRY))
    j = int(np.argmax(excess))
    if not excess[j] > 0.0:
        return False
    active[j], sign[j] = True, -np.sign(gq[j])
    return True


def _sign_step(HA, lam2A, r, uA, lam1A, NA):
    """``(s, flat, rest)``: the step s from the active coordinates ``uA`` to the least
    point of the model with their signs held (r its gradient there, ``HA`` H's part on
    them, which this factors in place) off the loss's flat directions ``NA``
    (:func:`_restricted`; None: none); or along them (``flat``) to the first kink or the L2
    part's least, where the model predicts there the larger fall (:func:`_flat_line`);
    ``rest``: whether the other move would lower the model too. s None where HA is not
    positive definite off NA."""
    flat = NA is not None and NA.shape[1] > 0
    rN = NA @ (NA.T @ r) if flat else None
    if flat:
        HA += (float(np.trace(HA)) / len(HA)) * (NA @ NA.T)
    L = _factor(HA, np.float64, lam2A)
    if L is None:
        return None, False, False
    rR = r - rN if flat else r
    x = _cho_solve(L, rR[:, None])[:, 0]
    newton = 0.5 * float(rR @ x)
    if not flat:
        return -x, False, False
    kinks = np.where(lam1A == 0.0, np.inf, uA)  # (an intercept has none)
    d, t, slope, a = _flat_line(lam2A, rN, kinks)
    along = slope * t - 0.5 * a * t * t if d is not None and t < math.inf else -math.inf
    if along > newton:
        return t * d, True, newton > 0.0
    return -x, False, along > 0.0


def _least_on_segment(gA, HA, lam1A, uA, s):
    """``(v, end, fall)``: the least point v of the model on the segment from the active
    coordinates ``uA`` to uA + s (``gA`` the smooth part's gradient in the model at uA, HA
    its Hessian there): at its end or where a weight crosses 0 (the one crossing there set
    to 0 exactly; those crossed before have changed sign); whether it is the end with no
    weight crossed on the way; and the model's fall from uA there. None where it does not
    fall."""
    cross = np.divide(-uA, s, out=np.full_like(uA, np.inf),
                      where=(uA != 0.0) & (lam1A > 0.0) & (s != 0.0))
    crossing = (cross > 0.0) & (cross < 1.0)
    Hs = HA @ s
    slope, curv = float(gA @ s), float(s @ Hs)
    if not crossing.any():  # (the common case: the end)
        v = uA + s
        fall = -(slope + 0.5 * curv + lam1A @ (np.abs(v) - np.abs(uA)))
        return (v, True, fall) if fall > 0.0 else None
    # the model along the segment: quadratic in t but for the L1 term's kinks
    T = np.append(cross[crossing], 1.0)
    V = uA + T[:, None] * s
    V[crossing & (np.abs(cross - T[:, None]) <= 1e-12 * T[:, None])] = 0.0  # (0 exactly)
    falls = -(T * slope + 0.5 * T * T * curv) - (np.abs(V) - np.abs(uA)) @ lam1A
    v = V[int(np.argmax(falls))]
    dv = v - uA
    fall = -float(gA @ dv + 0.5 * dv @ (HA @ dv) + lam1A @ (np.abs(v) - np.abs(uA)))
    return (v, False, fall) if fall > 0.0 else None
