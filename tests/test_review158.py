"""Review 158 (an outside audit of the search against GridSearchCV, 2026-12-05).

1. The ``cv`` splitter was shown ``np.zeros((n, 1))``, not the data: a splitter that holds
   out or orders rows by a feature (a site, a timestamp) failed or, worse, split by index.
2. ``get_metadata_routing`` registered ``check_cv(self.cv)``, which used up a generator:
   every fit under metadata routing then found no fold.
3. Array-API sample weights reached the scorer as host numpy (their dtype has no
   ``kind``), beside y in its namespace: namespace-checking metrics raised.
4. The model a scorer sees lacked the fit's own attributes (``converged_``, ``n_iter_``,
   ``loss_curve_``, ``stop_reason_``, ``learning_rate_``) that GridSearchCV's has.
5. ``score()`` passed the search itself to the scorer: one that calls ``est.score``
   recursed without end. GridSearchCV passes ``best_estimator_``.
"""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.datasets import make_classification
from sklearn.metrics import accuracy_score, make_scorer
from sklearn.model_selection import BaseCrossValidator, GridSearchCV, StratifiedKFold

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV

CS = [0.01, 0.1, 1.0]


def _data(n=90):
    return make_classification(n, 4, n_informative=3, n_redundant=0, random_state=0)


class _ByRankOfFeature0(BaseCrossValidator):
    """Folds of the rows in the order of feature 0 (a timestamp, say)."""

    def get_n_splits(self, X=None, y=None, groups=None):
        return 3

    def _iter_test_masks(self, X, y=None, groups=None):
        order = np.argsort(np.asarray(X)[:, 0], kind="stable")
        for part in np.array_split(order, 3):
            mask = np.zeros(len(order), dtype=bool)
            mask[part] = True
            yield mask


class _BySite(BaseCrossValidator):
    """Leave one site out; the site is the DataFrame's column "site"."""

    def get_n_splits(self, X=None, y=None, groups=None):
        return 3

    def _iter_test_masks(self, X, y=None, groups=None):
        for site in range(3):
            yield np.asarray(X["site"] == site)


def _assert_as_grid_search(search, grid_search):
    for key in ("mean_test_score", "split0_test_score", "split1_test_score"):
        np.testing.assert_allclose(search.cv_results_[key], grid_search.cv_results_[key],
                                   atol=1e-10)
    assert search.best_params_ == grid_search.best_params_


def test_the_splitter_sees_numpy_X():
    X, y = _data()
    grid = GridSearchCV(GD(), {"C": CS}, cv=_ByRankOfFeature0()).fit(X, y)
    _assert_as_grid_search(GDCV(Cs=CS, cv=_ByRankOfFeature0()).fit(X, y), grid)


def test_the_splitter_sees_the_users_dataframe():
    X, y = _data()
    X = pd.DataFrame(X, columns=list("abcd")).assign(site=np.arange(len(y)) % 3)
    grid = GridSearchCV(GD(), {"C": CS}, cv=_BySite()).fit(X, y)
    _assert_as_grid_search(GDCV(Cs=CS, cv=_BySite()).fit(X, y), grid)


def test_a_generator_cv_under_metadata_routing():
    X, y = _data()
    with sklearn.config_context(enable_metadata_routing=True):
        folds = StratifiedKFold(3).split(X, y)
        search = GDCV(Cs=CS, cv=folds)
        search.get_metadata_routing()  # before the fit: the generator is not consumed
        search.fit(X, y)
        assert search.n_splits_ == 3
        folds = StratifiedKFold(3).split(X, y)
        weights = np.linspace(0.5, 2.0, len(y))
        scorer = make_scorer(accuracy_score).set_score_request(sample_weight=True)
        search = GDCV(Cs=CS, cv=folds, scoring=scorer).fit(X, y, sample_weight=weights)
        assert search.n_splits_ == 3


def test_the_scorers_model_has_the_fits_attributes():
    X, y = _data()
    seen = []

    def scorer(est, X_test, y_test):
        # (learning_rate_ too, but the batch's last step is its own)
        assert est.learning_rate_ > 0.0
        seen.append((est.converged_, int(est.n_iter_[0]), est.stop_reason_,
                     len(est.loss_curve_)))
        return est.score(X_test, y_test) if est.converged_ else 0.0

    grid = GridSearchCV(GD(), {"C": CS}, cv=3, scoring=scorer).fit(X, y)
    grid_seen, seen[:] = list(seen), []
    search = GDCV(Cs=CS, cv=3, scoring=scorer).fit(X, y)
    _assert_as_grid_search(search, grid)
    # the fold fits' own: GridSearchCV's scorer saw its fold models (and the refit's none)
    assert sorted(seen) == sorted(grid_seen)


@pytest.mark.parametrize("refit", [True, False])
def test_score_passes_the_model(refit):
    X, y = _data()

    def scorer(est, X_test, y_test):
        assert isinstance(est, GD)
        return est.score(X_test, y_test) + est.C * 0.0

    search = GDCV(Cs=CS, cv=3, scoring=scorer, refit=refit).fit(X, y)
    assert search.score(X, y) == pytest.approx(float(np.mean(search.predict(X) == y)))
    if refit:
        grid = GridSearchCV(GD(), {"C": CS}, cv=3, scoring=scorer).fit(X, y)
        assert search.score(X, y) == pytest.approx(grid.score(X, y))


def test_array_api_weights_reach_the_scorer_in_ys_namespace():
    xps = pytest.importorskip("array_api_strict")
    try:
        with sklearn.config_context(array_api_dispatch=True):
            pass
    except (RuntimeError, ImportError):
        pytest.skip("array-API dispatch needs SCIPY_ARRAY_API=1")
    X, y = _data()
    weights = np.linspace(0.5, 2.0, len(y))
    seen = set()

    def scorer(est, X_test, y_test, sample_weight=None):
        seen.add((type(y_test).__module__.partition(".")[0],
                  type(sample_weight).__module__.partition(".")[0]))
        return float(np.mean(np.asarray(est.predict(X_test)) == np.asarray(y_test)))

    with sklearn.config_context(array_api_dispatch=True):
        GDCV(Cs=CS, cv=3, scoring=scorer).fit(
            xps.asarray(X), xps.asarray(y), sample_weight=xps.asarray(weights))
    assert seen == {("array_api_strict", "array_api_strict")}


def test_score_of_refit_false_with_plain_attributes_under_dispatch():
    """C_ is a float with use_legacy_attributes=False: the model score() builds read it
    through array-API conversion and raised under dispatch (review 161)."""
    X, y = _data()
    try:
        with sklearn.config_context(array_api_dispatch=True):
            search = GDCV(Cs=CS, cv=3, refit=False, use_legacy_attributes=False,
                          scoring="neg_log_loss").fit(X, y)
            score = search.score(X, y)
    except (RuntimeError, ImportError) as exc:  # no dispatch on this stack
        pytest.skip(str(exc))
    assert np.isfinite(score)
