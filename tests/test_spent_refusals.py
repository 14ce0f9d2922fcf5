"""A stop once the Newton decrement's refusals are spent (``bb.spent_verdict``, review 144).

After CONFIRMS refusals a fit takes no more metrics to confirm a stop; the gradient tests
used to decide alone from there. The held metric's decrement (times the curvature fall
since its take, within a CONFIRM-th of the target) and J's curvature along its P g must
now still confirm it, single fits and the search's columns alike.
"""

import math

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.model_selection import StratifiedKFold

import gdlogreg._solver as _solver
from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg import _batch
from gdlogreg._steps import bb, lbfgs

# The oldest supported stack (numpy 1.23, scipy 1.9, its OpenBLAS 0.3.18-0.3.20) rounds
# float32 and multi-threaded products otherwise: paths that end by a hair there differ.
OLDEST_STACK = np.lib.NumpyVersion(np.__version__) < "1.25.0"


def _no_refusals_left(monkeypatch):
    for module in (bb, lbfgs, _batch):
        monkeypatch.setattr(module, "CONFIRMS", 0)


@pytest.mark.parametrize("C", [1e5, 1e6])
def test_search_columns_take_the_spent_verdict_of_their_single_fits(monkeypatch, C):
    """Raw iris, no refusal left from the start: every stop asks the held metric alone.
    The search's columns stop where their single fits do; and the verdict is asked (the
    fits without it stop sooner in a fold)."""
    monkeypatch.setattr(_solver, "FALL_SHARE_FLOAT64", math.inf)  # the decrement alone (review 190)
    X, y = load_iris(return_X_y=True)
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    _no_refusals_left(monkeypatch)
    search = GDCV(Cs=[C], cv=folds).fit(X, y)
    singles = [GD(C=C).fit(X[train], y[train]).n_iter_[0] for train, _ in folds]
    got = np.asarray(search.n_iter_).ravel()
    if OLDEST_STACK:  # (the batch's products round otherwise there: 63 against 62)
        assert np.all(np.abs(got - singles) <= 1), (got, singles)
    else:
        np.testing.assert_array_equal(got, singles)
    monkeypatch.setattr(bb, "spent_verdict", lambda *args: None)
    unasked = [GD(C=C).fit(X[train], y[train]).n_iter_[0] for train, _ in folds]
    assert any(u < s for u, s in zip(unasked, singles, strict=True)), (unasked, singles)
