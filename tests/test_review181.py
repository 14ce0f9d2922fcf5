"""Review 181 (an outside audit of the search against GridSearchCV on real data).

Sparse X of more coefficients than rows ran a batch of one column at a time, whose loop
makes several dense passes over the (d + 1) × k coefficients an iteration: on tweets' CSR
(3,000 × 20,972) the search took 2.5 to 3.2 times GridSearchCV's time. Those columns are
now single fits (benchmarks/README.md, "The search on sparse X wider than tall"); their
weights are the single fits' to the bit (a batch of one rounded otherwise: 1e-15 apart).
"""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.model_selection import StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as CV


@pytest.mark.parametrize("K", [2, 3])
def test_wide_sparse_columns_are_their_single_fits(K):
    rng = np.random.default_rng(0)
    X = sp.random(300, 2000, density=0.01, format="csr", random_state=0)
    y = rng.integers(0, K, 300)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    Cs = [1.0, 100.0]
    search = CV(Cs=Cs, cv=folds).fit(X, y)
    for c, C in enumerate(Cs):
        for f, (train, _) in enumerate(folds):
            single = GD(C=C).fit(X[train], y[train])
            for k, label in enumerate(search.coefs_paths_):
                np.testing.assert_array_equal(search.coefs_paths_[label][f, c, :-1],
                                              single.coef_[k])
            assert search.n_iter_[0, f, c] == single.n_iter_[0]


def test_tall_sparse_columns_stay_in_the_batch(capsys):
    rng = np.random.default_rng(1)
    X = sp.random(400, 20, density=0.2, format="csr", random_state=1)
    y = rng.integers(0, 2, 400)
    CV(Cs=[1.0, 10.0], cv=3, verbose=1).fit(X, y)
    out = capsys.readouterr().out
    assert "batch of 6 columns" in out and "column 1/6" not in out
