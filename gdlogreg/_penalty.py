"""The penalty on the weights: L2, L1 and the elastic net between them.

    P(w) = ½ l2 ‖w‖² + l1 ‖w‖₁

with l2 = (1 - ρ)/(C Σs) and l1 = ρ/(C Σs) (see :func:`ElasticNet.scaled`, the
one place where the penalty is scaled). The intercept is never penalised:
these functions see the weights W (d, m) only. The L1 part is handled by its
proximal operator (soft-thresholding), as in ISTA/FISTA (Beck and Teboulle
2009) and SpaRSA (Wright, Nowak and Figueiredo 2009); the smooth L2 part by
its gradient. ``weights`` (a vector over the d features, broadcast over the
columns) scales the L1 term per feature, for the standardized coordinates.
Overflow to inf is a result here (a huge penalty, diverging weights), not an
error: the fit runs under ``np.errstate`` (see the estimator's ``_fit_descent``).
"""

import math

import numpy as np


def _relu(a, xp):
    """max(a, 0), exactly, without a scalar argument (not all namespaces take one)."""
    return 0.5 * a + 0.5 * xp.abs(a)  # exact halves: a + |a| would overflow near the limit


def _abs_sum(W, xp):
    """‖W‖₁ as a float; summed again in float64 where a float32 sum overflows."""
    if not isinstance(W, np.ndarray):
        return float(xp.sum(xp.abs(W)))
    total = float(np.sum(np.abs(W)))
    if total == math.inf and W.dtype.itemsize < 8:
        total = float(np.sum(np.abs(W), dtype=np.float64))
    return total


def _column(weights, xp):
    if isinstance(weights, np.ndarray):  # (the method: no module function's dispatch)
        return weights.reshape(-1, 1)
    return xp.reshape(weights, (-1, 1))


# The smallest C·Σs used, by the data's itemsize: below it the penalty is that
# of C·Σs = SCALE_FLOOR, so that l2, l2·W and ‖W‖² stay finite and normal in the
# data's dtype (C=5e-324 would give l2 = inf and J = inf·0 = nan). The weights are then
# -∇L/l2 to first order in C·Σs, linear in it: the fitted weights are scaled back by
# C·Σs / SCALE_FLOOR (:meth:`ElasticNet.unfloored`); at the floor they were 1e30 times
# the asked C's in float32 (C = 1e-60: J 75 times J at W = 0; review 212).
SCALE_FLOOR = {4: 1e-30, 8: 1e-290}

# Below this ‖W‖² is summed again from W / max|W|: its squares may be subnormal.
_SQ_FLOOR = {4: 1e-30, 8: 1e-280}


class ElasticNet:
    """½ l2 ‖W‖² + l1 ‖W‖₁; pure L2 with l1 = 0, pure L1 with l2 = 0."""

    def __init__(self, l2, l1, total=None, floor_share=1.0):
        self.l2, self.l1 = float(l2), float(l1)
        #: C·Σs over the floor it was raised to (:data:`SCALE_FLOOR`), 1 where not raised
        self.floor_share = float(floor_share)
        #: Σ of the raw sample weights (the rows, a weight of 2 counting as two), from
        #: :meth:`scaled`; None where not known
        self.total = total

    @classmethod
    def scaled(cls, C, l1_ratio, sw_sum, itemsize=8):
        """``LogisticRegression``'s penalty divided by C Σs: J has its minimiser.

        C Σs is floored at :data:`SCALE_FLOOR` for data of ``itemsize`` bytes
        (it may underflow to 0, or be subnormal).
        """
        # Python floats: C=np.float32(1e-8) would compute C·Σs and the penalty in float32
        # (numpy's scalar promotion), overflowing or underflowing to another problem.
        try:
            C, l1_ratio = float(C), float(l1_ratio)
        except OverflowError:  # a Python int past the float range: 10**400
            raise ValueError(
                "C must be a number in the float range (up to about 1.8e308), but got an"
                " integer beyond it; use C=np.inf for no penalty, or a float C."
            ) from None
        scale = C * float(sw_sum)
        if scale == math.inf:  # Σs kept: the whitening rules count a weight of 2 as two rows
            return cls(0.0, 0.0, float(sw_sum))
        floor = SCALE_FLOOR[4 if itemsize == 4 else 8]
        share = 1.0 if scale >= floor else scale / floor
        scale = max(scale, floor)
        return cls((1.0 - l1_ratio) / scale, l1_ratio / scale, float(sw_sum), share)

    def unfloored(self, W):
        """The weights W (original coordinates) of a fit at this penalty as the weights of
        the C asked where C·Σs was raised to its floor: times :attr:`floor_share` (the
        note at :data:`SCALE_FLOOR`; an L1 part's zeros stay 0). W itself elsewhere."""
        return W if self.floor_share == 1.0 else W * self.floor_share

    def floored(self, W):
        """The weights W of the C asked (a warm start's, original coordinates) as those of
        the fit at the floor: :meth:`unfloored`'s inverse (0 where C·Σs underflowed to 0;
        a start scaled down again at each warm fit shrank to 0; review 213)."""
        if self.floor_share == 1.0:
            return W
        return W / self.floor_share if self.floor_share > 0.0 else W * 0.0

    @property
    def smooth(self):
        """No L1 part (an L2 penalty or none): where the whitened steps apply. C = inf
        too: without them it took many times the iterations of a large finite C (review 85;
        CHANGELOG.md, "Whitened steps without a penalty")."""
        return self.l1 == 0.0

    def value(self, W, xp):
        """P(W) as a float; a diverging W gives inf, not an overflow warning."""
        if self.l2 == 0.0 and self.l1 == 0.0:
            # No penalty to see them: weights beyond the float range (features ~1e-310,
            # whose unpenalized optimum is ~1e310, reached from finite standardized
            # coordinates) give inf too, so that the step that made them is refused.
            return 0.0 if bool(xp.all(xp.isfinite(W))) else math.inf
        total = 0.0
        if self.l2 != 0.0:
            sq, floor = math.inf, 0.0
            if isinstance(W, np.ndarray):
                sq, floor = float(np.vdot(W, W)), _SQ_FLOOR[4 if W.dtype.itemsize == 4 else 8]
            if not floor <= sq < math.inf:
                # ‖W‖² = t² ‖W/t‖² with t = max |W|: no overflow in the squares.
                top = float(xp.max(xp.abs(W)))
                if top == 0.0 or not math.isfinite(top):
                    return 0.0 if top == 0.0 else math.inf
                sq = float(xp.sum((W / top) ** 2))
                total += 0.5 * (self.l2 * top) * top * sq  # top² may underflow
            else:
                total += 0.5 * self.l2 * sq
        if self.l1 != 0.0:
            total += self.l1 * _abs_sum(W, xp)
        return total

    def gradient(self, W):
        """Gradient of the smooth (L2) part: l2·W, or None without one."""
        if self.l2 == 0.0:
            return None
        return self.l2 * W

    def prox(self, W, step, xp, weights=None):
        """Proximal operator of step·l1·‖weights ⊙ W‖₁: soft-thresholding."""
        if self.l1 == 0.0:
            return W
        thresh = self.l1 * step if weights is None else (self.l1 * step) * _column(weights, xp)
        return xp.sign(W) * _relu(xp.abs(W) - thresh, xp)

    def subgradient(self, G, W, xp, weights=None):
        """The minimum-norm subgradient of J over the weights, given G = ∇(smooth part).

        An entry with w ≠ 0 gives |g + l1·sign(w)|, one with w = 0 gives
        max(|g| - l1, 0) (0 at the optimum); without L1 it is |G|.
        """
        if self.l1 == 0.0:
            return xp.abs(G)
        l1 = self.l1 if weights is None else self.l1 * _column(weights, xp)
        return xp.where(W != 0, xp.abs(G + l1 * xp.sign(W)), _relu(xp.abs(G) - l1, xp))

    def dual_scale(self, V, group_max):
        """θ = min(1, l1 / top) per column of a dual matrix V (numpy), top the
        largest |v| of the column's problem (``group_max`` of the columns' maxima).

        θ·V lies where P* is finite (‖v‖_∞ <= l1) when there is no L2 part;
        with one P* is finite everywhere and θ = 1.
        """
        theta = np.ones(V.shape[1])
        if self.l2 == 0.0:
            top = group_max(np.max(np.abs(V), axis=0, initial=0.0))
            over = top > self.l1  # so top > 0: no division by zero
            theta[over] = self.l1 / top[over]
        return theta

    def dual_gap(self, W, V):
        """Σ P(w) + w·v + P*(-v) >= 0 over the weights: the penalty's share of the duality gap.

        W the weights, V = Xᵀ(s ⊙ α) at a dual point α (numpy, float64); P* the
        convex conjugate, ½ (|v| - l1)₊² / l2, or 0 on ‖v‖_∞ <= l1 for pure L1
        (see :meth:`dual_scale`). Written as a sum of nonnegative terms, so
        that no large terms cancel: where w and v have opposite signs and
        |v| > l1 the entry is ½ (l2|w| - (|v| - l1))² / l2 exactly.
        """
        if self.l1 == 0.0:  # each entry ½ (l2 w + v)² / l2, as below
            E = self.l2 * W + V
            return 0.5 * float(np.vdot(E, E / self.l2))
        a, sv = np.abs(W), np.sign(W) * V
        h = np.abs(V) - self.l1
        cross = np.maximum(self.l1 + sv, 0.0) * a
        if self.l2 == 0.0:
            return float(np.sum(cross))
        l2, hp = self.l2, np.maximum(h, 0.0)
        e = l2 * a - h
        opposed = 0.5 * e * (e / l2)
        other = 0.5 * (l2 * a) * a + cross + 0.5 * hp * (hp / l2)
        return float(np.sum(np.where((sv < 0.0) & (h > 0.0), opposed, other)))

    def flat_gap(self, U, xp):
        """½ Σ U²/l2: the gap J - J* that a weight (minimum-norm sub)gradient U (in the
        original units) could hide along directions that only the L2 part of the penalty
        curves; inf without an L2 part.

        Summed in float64 on numpy, where float32 squares would underflow.
        """
        if not self.l2 > 0.0:
            return math.inf
        if isinstance(U, np.ndarray):
            U = U.astype(np.float64, copy=False)
            return 0.5 * float(np.vdot(U, U)) / self.l2
        return 0.5 * float(xp.sum(U * U)) / self.l2
