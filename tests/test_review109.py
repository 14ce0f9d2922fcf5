"""Review 109: the newest stopping code (the intercepts' decrement, L-BFGS's retake, bb's
curvature-fall confirmation of 43dbd83) where its authors did not look.

Checked: benchmarks/experiments/curvature_fall.py, 300 seeded small problems (K = 2 and 3 to
20 classes, one feature, more features than rows, a constant column, class_weight dicts with
a zero, sample weights with zeros, raw or standardized, C 1e-3 to 1e5, with and without an
intercept, a sixth with an L1 part), "bb" and "lbfgs" at tol 1e-3, 1e-5, 1e-7 on dense
float64 and at 1e-5 on CSR: 2,108 fits, at this tree and at 43dbd83's parent; its --warm
mode, 200 problems fitted at C/10 and warm-started at C; benchmarks/experiments/
curvature_fall_cost.py on ten benchmark sets (raw and standardized, C 1, 100, 1e4: 59
fits); the paths of review 107's class of one row (where the fall rule decides) on CSR,
float32, torch CPU (float64 and float32), Dask (4 chunks), repeated rows for integer
weights, a search column, fit_intercept=False and warm starts; the search's columns
against their single fits; integer weights against repeated rows.

Held: on the class of one row every float64 path asks the same confirmations with the
same falls (36.0 refused, 2.3 accepted) and stops at the same iteration as dense numpy
(float32 asks none, by design); a warm start keeps nothing of the fit before (the same
path as a fresh estimator warm-started from the same coefficients); the fall's estimate is
good where it fires (the held metric read 2.8e-7, the fresh 6.6e-7: 2.36 against a fall
of 2.37). 43dbd83 changed no miss of the sweep and 3 iteration counts of 2,108 (28 -> 24,
43 -> 42, 22 -> 19, all on problems with a weightless class, which warn: the refusal's new
metric sent the path elsewhere; not "only more iterations"); it forced 7 retakes, 4 of them
needless (the fresh metric accepted the stop; all at tol = 1e-3). On the benchmark sets (59
fits) it fired once, and rightly: flights_carrier standardized at C = 1e4 stopped
"converged" at 538 iterations 6.33e-5 above J* before it (63 times the promise); the fall
(85.6) forced the retake that refused, and it stops at 889 2.5e-7 above (1.54x the time);
the 58 other fits keep their iterations, their times differ by noise (benchmarks/README.md,
"Review 109"). A weightless class (class_weight 0) warns that J has
no minimum, also from a dict; the search's columns follow their single fits (432 columns
of 25 swept problems; review 107's three folds at three Cs, nine columns leaving the batch
between iterations 30 and 36 through the falls' refusals, to 4e-15, Dask asking the same
falls) but on a nearly separable wide 3-class problem, where rounding (4e-11 at the
metric's first take) grows to 1.5 % mid-path (before 43dbd83 too; lengths equal). On Dask
(diamonds standardized, C = 100, 4 chunks) the take's curvatures' pass adds 3 passes to 34
iterations, within the timing's noise (1.91 s both); on float32, where no confirmation is
asked, that pass is made at every take all the same (left alone).

Found (strict xfails; gdlogreg/ left to the lead, who is changing the stopping code):
a warm start whose first iterate passes the gradient tests is "converged" at iteration 0
with no Newton decrement asked (bb holds no metric before its first update; L-BFGS asks
none): continuing a bb fit that ran out at max_iter=35 stops at once 3.3e-6 above J*,
exactly where the cold fit's confirmation refused; warm-started at C from C/10, bb 7.6e-6
and lbfgs 5.2e-6 above J*. The Newton decrement accepted within its target is not J - J*
in the one-row valley: the exact decrement reads the gap 1.36 to 1.40 times too small at
the three stops seen (fold 0: 6.62e-7 against the target 6.63e-7, J - J* 9.16e-7, 1.38e-6
relative). CSR misses where dense X of the same rows does not (a wide 3-class problem: bb
1.44e-6 and lbfgs 2.06e-6 above J*, dense 7e-9; since fixed, the stop's confirmation
without a metric: 7.3e-7 and 2.6e-8). Pure L1 misses on synthetic raw data,
one above tol itself (1.56e-5; 16 of the sweep's 18 misses have an L1 part, the other two
are that CSR problem's). Paths that should be one part by rounding: a search column on a nearly
separable wide fold (1.5 % mid-path), integer weights against repeated rows (quantize's
grid: 23 against 22 iterations; 8 of 204 pairs). Proposals tried by monkeypatching
(benchmarks/README.md, "Review 109"): a metric taken at a stop where bb holds none fixes
both warm starts and changes none of the sweep's 300 default bb fits; accepting the
decrement at half its target fixes fold 0 for 3 more iterations over those 300 fits.

Since fixed (the lead, 2026-12-02): the warm start's unconfirmed first iterate (a stop
there waits an iteration for the confirmation) and the accepted decrement's 1.4x under-read
(λ² = gᵀP g at most the target, 6dab76b); both are tests now.
"""

import importlib.util
import math
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

import gdlogreg._solver as _solver
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg._steps import bb
from gdlogreg._steps._base import vdot

EXPERIMENTS = Path(__file__).resolve().parents[1] / "benchmarks" / "experiments"


@pytest.fixture(autouse=True)
def _decrement_alone(monkeypatch):
    """These tests follow the decrement's confirmations; float64's fall test (review 190)
    would hold their stops back before the decrement is asked."""
    monkeypatch.setattr(_solver, "FALL_SHARE_FLOAT64", math.inf)



def _script(name):
    spec = importlib.util.spec_from_file_location(name, EXPERIMENTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


imbalanced = _script("imbalanced_stop")
PROMISE = imbalanced.PROMISE  # tol/10/(1 - tol/10) at the default tol

# review 107's class of one row (3 classes, 240 rows, integer weights, C = 1.7e5): the
# problem where 43dbd83's fall decides (test_review107)
_ONE_ROW_CLASS = {"n": 240, "d": 10, "K": 3, "rare": 1, "sep": 0.0, "scale": "standardized",
                  "cw": "none", "sw": "ints", "C": 173712.57293857165, "l1_ratio": 0.0,
                  "fit_intercept": True, "repeat": False, "seed": 1426790371}


def _one_row():
    p = imbalanced.draw(None, _ONE_ROW_CLASS)
    return p["X"], p["y"], p["sw"], p["C"]


def _J(model, X, y, s, C, l1_ratio=0.0):
    return imbalanced.J_of(np.asarray(model.coef_), np.asarray(model.intercept_), X, y,
                           np.asarray(s, dtype=np.float64), C, l1_ratio)


def _J_star(X, y, s, C):
    ref = LogisticRegression(solver="newton-cholesky", C=C, tol=1e-12, max_iter=1000).fit(
        X, y, sample_weight=s)
    return _J(ref, X, y, s, C)


@pytest.fixture
def confirmations(monkeypatch):
    """(iteration, curvature fall, verdict) of every confirmation bb asks, single or batch."""
    import gdlogreg._batch as batch

    seen, single, many = [], bb.BarzilaiBorwein.confirms, batch.BatchBB.confirms

    def spy(self, objective, point, target, H=None):
        fall = bb.curvature_fall(self._curv, H)
        verdict = single(self, objective, point, target, H)  # (None: no metric to say)
        seen.append((self._k, round(fall, 1), verdict is not False))
        return verdict

    def spy_batch(self, objective, point, groups, target, H):
        falls = [bb.curvature_fall(self._curv[i], h) for i, h in zip(groups, H, strict=True)]
        ok, metric = many(self, objective, point, groups, target, H)
        seen.extend((self._k, round(f, 1), bool(v)) for f, v in zip(falls, ok, strict=True))
        return ok, metric

    monkeypatch.setattr(bb.BarzilaiBorwein, "confirms", spy)
    monkeypatch.setattr(batch.BatchBB, "confirms", spy_batch)
    return seen


# ------------------------------------------------------------------------------- held
def _paths():
    X, y, sw, C = _one_row()
    yield "csr", lambda: GD(C=C).fit(sp.csr_matrix(X), y, sample_weight=sw)
    idx = np.repeat(np.arange(len(y)), sw.astype(int))
    yield "repeated rows", lambda: GD(C=C).fit(X[idx], y[idx])
    yield "search column", lambda: GDCV(Cs=[C], cv=[(np.arange(len(y)), np.arange(3))],
                                        refit=False).fit(X, y, sample_weight=sw)
    try:
        import dask.array as da
    except ImportError:
        pass
    else:
        yield "dask", lambda: GD(C=C).fit(da.from_array(X, chunks=(60, 10)),
                                          da.from_array(y, chunks=60),
                                          sample_weight=da.from_array(sw, chunks=60))
    try:
        import torch
        from sklearn import config_context

        with config_context(array_api_dispatch=True):
            pass
    except (ImportError, RuntimeError):
        return

    def on_torch():
        with config_context(array_api_dispatch=True):
            return GD(C=C).fit(torch.asarray(X), torch.asarray(y),
                               sample_weight=torch.asarray(sw))

    yield "torch", on_torch


def test_every_float64_path_asks_the_falls_dense_numpy_asks(confirmations):
    """The class of one row: dense numpy refuses at 35 (fall 36.0) and 36 (fall 2.3; λ²,
    since 6dab76b) and accepts at 37 (fall 1.8); CSR, repeated rows for integer weights, a
    search column on every row, Dask and torch CPU ask the same, with the same falls, and
    stop at 37."""
    X, y, sw, C = _one_row()
    dense = GD(C=C).fit(X, y, sample_weight=sw)
    reference = list(confirmations)
    assert reference == [(35, 36.0, False), (36, 2.3, False), (37, 1.8, True)], reference
    for name, fit in _paths():
        del confirmations[:]
        model = fit()
        assert confirmations == reference, name
        n_iter = np.asarray(getattr(model, "n_iter_", [len(dense.loss_curve_) - 1])).ravel()
        assert int(n_iter[0]) == int(dense.n_iter_[0]), name


@pytest.mark.slow
def test_the_search_columns_follow_their_single_fits_through_the_falls(confirmations):
    """Review 107's three folds at C = 1e4, 1.7e5, 1e6: nine columns that leave the batch
    between iterations 30 and 36, the falls refusing at 29 to 34 (falls 1.4 to 41.6): each
    column is its single fit's path (to 4e-15), and on Dask (4 chunks) the batch asks the
    same confirmations with the same falls."""
    X, y, sw, _ = _one_row()
    rows = np.arange(len(y))
    folds = [(np.setdiff1d(rows, test), test)
             for test in np.array_split(np.flatnonzero(y != 2), 3)]
    Cs = [1e4, _ONE_ROW_CLASS["C"], 1e6]
    search = GDCV(Cs=Cs, cv=folds, refit=False).fit(X, y, sample_weight=sw)
    seen = list(confirmations)
    assert sum(not v for _, _, v in seen) >= 5 and max(f for _, f, _ in seen) > 10
    lengths = set()
    for c, C in enumerate(Cs):
        for f, (train, _) in enumerate(folds):
            single = GD(C=C).fit(X[train], y[train], sample_weight=sw[train])
            column = search.loss_curves_[c * len(folds) + f]
            assert len(column) == len(single.loss_curve_), (C, f)
            np.testing.assert_allclose(column, single.loss_curve_, rtol=1e-12)
            lengths.add(len(column))
    assert len(lengths) > 3  # the columns leave the batch at different iterations
    da = pytest.importorskip("dask.array")
    del confirmations[:]
    GDCV(Cs=Cs, cv=folds, refit=False).fit(da.from_array(X, chunks=(60, 10)),
                                           da.from_array(y, chunks=60),
                                           sample_weight=da.from_array(sw, chunks=60))
    assert confirmations == seen


def test_float32_asks_no_confirmation(confirmations):
    """float32's gradients carry rounding the metric would weigh: no confirmation, and the
    curvatures' pass at a take changes nothing of its path."""
    X, y, sw, C = _one_row()
    model = GD(C=C).fit(X.astype(np.float32), y, sample_weight=sw)
    assert confirmations == [] and model.converged_


def test_a_warm_start_keeps_nothing_of_the_fit_before(confirmations):
    """Warm-started at C after a fit at C/10 (whose stop the fall confirmed at 35): the
    same confirmations and path as a fresh estimator warm-started from those coefficients
    (no curvatures of the first fit's take leak into the second)."""
    X, y, sw, C = _one_row()
    first = GD(C=C / 10, warm_start=True).fit(X, y, sample_weight=sw)
    coef, intercept = first.coef_.copy(), first.intercept_.copy()
    del confirmations[:]
    first.set_params(C=C)
    again = first.fit(X, y, sample_weight=sw)
    seen = list(confirmations)
    del confirmations[:]
    fresh = GD(C=C, warm_start=True)
    fresh.coef_, fresh.intercept_, fresh.classes_ = coef, intercept, first.classes_
    fresh.fit(X, y, sample_weight=sw)
    assert confirmations == seen
    np.testing.assert_array_equal(again.loss_curve_, fresh.loss_curve_)


def test_the_fall_estimates_the_fresh_decrement_where_it_fires(monkeypatch):
    """At the one-row stop of fold 0 the metric held (taken an iteration before) reads
    ½ gᵀPg = 2.8e-7, the fresh one 6.6e-7: the fall, 2.37, is their ratio to 1 %."""
    X, y, sw, C = _fold0()
    seen, real = [], bb.BarzilaiBorwein.confirms

    def spy(self, objective, point, target, H=None):
        if self._P is not None and bb.decrement(self._P):
            held = 0.5 * vdot(point.grad, self._metric_of(point, objective.xp), objective.xp)
            fresh = bb.metric_at(objective, point, None, self._k, diagonal=True)
            seen.append((held, 0.5 * vdot(point.grad, fresh @ point.grad, objective.xp),
                         bb.curvature_fall(self._curv, H)))
        return real(self, objective, point, target, H)

    monkeypatch.setattr(bb.BarzilaiBorwein, "confirms", spy)
    GD(C=C).fit(X, y, sample_weight=sw)
    fired = [(held, fresh, fall) for held, fresh, fall in seen if fall > 2.0]
    assert fired  # (since 6dab76b: 9.13 at 33 and 2.37 at 34)
    for held, fresh, fall in fired:
        assert abs(fresh / held / fall - 1.0) < 0.02, (held, fresh, fall)


# ---------------------------------------------------------------------------- defects
def _fold0():
    """Fold 0 of review 107's search: every row but a third of the two large classes'."""
    X, y, sw, C = _one_row()
    test = np.array_split(np.flatnonzero(y != 2), 3)[0]
    train = np.setdiff1d(np.arange(len(y)), test)
    return X[train], y[train], sw[train], C


@pytest.mark.parametrize(("solver", "start"), [("bb", 35), ("lbfgs", 27), ("bb", "C/10"),
                                               ("lbfgs", "C/10")])
def test_a_warm_start_at_its_stop_is_confirmed(solver, start):
    """The class of one row at C = 1.7e5. A cold bb fit refuses the gradient tests' stop at
    iteration 35 (the fresh decrement 1.41e-6 J, above the target 6.7e-7) and stops at 36,
    7.0e-7 above J*. Stopped by max_iter=35 and fitted again with warm_start=True, the
    start is that very iterate: the Monitor tests it before bb's first update takes a
    metric, ``confirms`` returns True without one, and the refit says "converged" after 0
    iterations, 3.31e-6 above J* (at max_iter 31 and 33: 4 and 2 more iterations, 1.38e-6
    and 1.26e-6). Warm-started at C from the fit at C/10: 0 iterations, bb 7.62e-6 (the
    fresh decrement there 3.05e-6 J against 6.7e-7), lbfgs 5.15e-6 (its cold fit: 6.7e-10).
    Proposed: where bb holds no metric at a gradient-test stop of an "auto" fit, take one
    there (metric_at) and let it decide, as a stale one (a warm start takes it at once
    anyway; a refusal keeps it); L-BFGS's H₀ the same where it has one to take.
    Was a strict xfail; fixed after the review: a warm start's first iterate waits an
    iteration for the confirmation where the rule asks one (Monitor._confirmed, the batch's
    alike): bb after max_iter=35 stops at 2 iterations 9.0e-8 above J*, lbfgs after 27 at 6
    (7.7e-10), from C/10 bb 1.7e-7 and lbfgs 3.9e-7 (2 each)."""
    X, y, sw, C = _one_row()
    if start == "C/10":
        model = GD(C=C / 10, solver=solver, warm_start=True).fit(X, y, sample_weight=sw)
        model.set_params(C=C)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the first fit runs out
            model = GD(C=C, solver=solver, warm_start=True, max_iter=start).fit(
                X, y, sample_weight=sw)
        model.set_params(max_iter=1000)
    model.fit(X, y, sample_weight=sw)
    gap = (_J(model, X, y, sw, C) - _J_star(X, y, sw, C)) / _J_star(X, y, sw, C)
    assert not model.converged_ or gap <= PROMISE, (model.n_iter_, gap)


def test_the_accepted_decrement_bounds_the_gap():
    """Review 107's fold 0 (its search's xfail; since 43dbd83 its worst column): bb's last
    confirmation retakes the metric (held 2.8e-7 times a fall of 2.37 is above a tenth of
    the target) and the fresh decrement, 6.62e-7, is within the target 6.63e-7; J - J* is
    9.16e-7. The ratio J - J* over the accepted decrement was 1.36 (all rows), 1.38 (fold
    0) and 1.40 (fold 2): the class's curvature falls 2.3-fold an iteration along its
    valley, where log(1 + e^-t) ~ e^-t has J - J* = 2·½g²/H. Proposed: accept at half the
    target (or scale the fresh decrement by the fall since the previous take, 2.4 here).
    Was a strict xfail; fixed by 6dab76b (λ² = gᵀP g, twice the decrement, at most the
    target; reviewed at 43dbd83): 1.9e-7 above J*."""
    X, y, sw, C = _fold0()
    model = GD(C=C).fit(X, y, sample_weight=sw)
    gap = (_J(model, X, y, sw, C) - _J_star(X, y, sw, C)) / _J_star(X, y, sw, C)
    assert model.converged_
    assert gap <= PROMISE, gap


_fall_sweep = _script("curvature_fall")


def _problem(index):
    """Problem ``index`` of curvature_fall.py's sweep at seed 0."""
    rng = np.random.default_rng(0)
    for _ in range(index):
        _fall_sweep.draw(rng)
    return _fall_sweep.draw(rng)


@pytest.mark.parametrize("solver", ["bb", "lbfgs"])
def test_csr_of_a_wide_problem_converged_within_the_promise(solver):
    """The sweep's problem 145: standardized Gaussian rows (so CSR holds every entry),
    3 classes, 150 features for 121 rows. Dense stops at 49 (bb) and 41 (lbfgs) within
    1e-8 (bb's stop confirmed in its low-rank metric: decrement 9.2e-9 J); CSR at 58 and
    42, 1.44e-6 and 2.06e-6 above J* (dual_gap_ 0.7 % and 1.4 % of J: no certificate; J* =
    1.29e-6, nearly separated). On CSR bb holds no metric (whitening gives None, the
    diagonal too), so ``confirms`` says True without one: the gradient tests alone stopped
    it, as at the warm starts' iteration 0. Was a strict xfail (1.44e-6 and 2.06e-6 above
    J*); the stop is now confirmed without a metric too: λ² >= (gᵀg)²/(gᵀHg) along the
    gradient (:meth:`gdlogreg._objective.Objective.gradient_decrement`, one X @ g and one
    pass) must be at most the target. CSR: 63 iterations, 7.3e-7 (bb); 47, 2.6e-8 (lbfgs)."""
    p = _problem(145)
    s = _fall_sweep.weights(p)
    dense = GD(solver=solver, C=p["C"]).fit(p["X"], p["y"])
    model = GD(solver=solver, C=p["C"]).fit(sp.csr_matrix(p["X"]), p["y"])
    J_star = min(_J_star(p["X"], p["y"], s, p["C"]), _J(dense, p["X"], p["y"], s, p["C"]))
    gap = (_J(model, p["X"], p["y"], s, p["C"]) - J_star) / J_star
    assert model.converged_
    assert gap <= PROMISE, gap


# Was a strict xfail: bb stopped 'converged' 3.95e-6 above J*. Review 149's take at the
# stop (the weights' support, the classes' common shift) refuses it.
def test_pure_l1_raw_converged_within_the_promise():
    """The sweep's problem 7. bb's own fit at tol=1e-13 (474 iterations) is J*'s bound;
    tol = 1e-7 stops 5.8e-8 above it, the default 3.95e-6 (148 iterations). Of the sweep's
    18 misses 16 have an L1 part (review 108 found pure L1 on Tobacco, 4.8e-6): problem 241
    (4 classes, 182 x 9 raw, C = 7.6e3) stops 1.56e-5 above J*, above tol itself."""
    p = _problem(7)
    s = _fall_sweep.weights(p)
    kw = {"C": p["C"], "l1_ratio": 1.0}
    model = GD(**kw).fit(p["X"], p["y"])
    tight = GD(tol=1e-13, max_iter=20000, **kw).fit(p["X"], p["y"])
    J_star = min(_J(m, p["X"], p["y"], s, p["C"], 1.0) for m in (model, tight))
    gap = (_J(model, p["X"], p["y"], s, p["C"], 1.0) - J_star) / J_star
    assert model.converged_
    assert gap <= PROMISE, gap


@pytest.mark.xfail(strict=True, reason=(
    "a search column on a nearly separable wide 3-class fold (124 x 225, C = 4.8e5) leaves "
    "its single fit's path by 1.5 % mid-path (same length, same final J to 2.5e-9): "
    "rounding of 4e-11 at the first take grows at a non-monotone step"))
def test_a_wide_search_column_follows_its_single_fit():
    """The draw of curvature_fall.py at seed 5, second problem (standardized Gaussian,
    186 x 225, 3 classes, no weights), one KFold(3, shuffle, random_state=1) fold. The
    column and its single fit agree to 1e-16 for 10 iterations, to 4e-11 from the first
    take of the metric, then J rises at iteration 19 in both by different amounts (4.6e-3
    apart) and again at 29 (8.6e-4): both stop at 43 within 2.5e-9 of each other. The same
    before 43dbd83. Of 432 columns of 25 such problems (three folds, three Cs, bb and lbfgs)
    these were the only ones off by more than 1e-6."""
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(5)
    _fall_sweep.draw(rng)
    p = _fall_sweep.draw(rng)
    X, y, C = p["X"], p["y"], 100 * p["C"]
    fold = list(KFold(3, shuffle=True, random_state=1).split(X))[1]
    with threadpool_limits(1):  # (rounding decides: the same BLAS sums every run)
        search = GDCV(Cs=[C], cv=[fold], refit=False).fit(X, y)
        single = GD(C=C).fit(X[fold[0]], y[fold[0]])
    column = search.loss_curves_[0]
    assert len(column) == len(single.loss_curve_)
    np.testing.assert_allclose(column, single.loss_curve_, rtol=1e-6)


def test_integer_weights_take_the_repeated_rows_path():
    """curvature_fall.py's draw at seed 1, problem 17 (one raw feature, 182 rows, 3 classes,
    pure L1 at C = 0.525) with weights 0 to 3 (the rows repeated as often: 276 rows). Until
    stop 73 a strict xfail: J agreed to 6e-16 for 13 iterations, then the spectral step before
    quantize differed by rounding, quantize (a grid of 2^(1/8)) sent it to 3.08 in one fit and
    2.83 in the other, and they stopped at 23 and 22 iterations, 1.3e-5 apart. Since the
    classes' common shift after every step (tests/test_class_shift.py) both stop at 15
    iterations, J equal to 7e-16."""
    rng = np.random.default_rng(1)
    for _ in range(17):
        _fall_sweep.draw(rng)
    p = _fall_sweep.draw(rng)
    X, y = p["X"], p["y"]
    w = np.random.default_rng(17).integers(0, 4, len(y)).astype(float)
    for k in np.unique(y):
        first = np.flatnonzero(y == k)[0]
        w[first] = max(w[first], 1.0)
    idx = np.repeat(np.arange(len(y)), w.astype(int))
    kw = {"C": p["C"], "l1_ratio": p["l1_ratio"]}
    with threadpool_limits(1):
        weighted = GD(**kw).fit(X, y, sample_weight=w)
        repeated = GD(**kw).fit(X[idx], y[idx])
    assert len(weighted.loss_curve_) == len(repeated.loss_curve_)
    np.testing.assert_allclose(weighted.loss_curve_, repeated.loss_curve_, rtol=1e-6)
