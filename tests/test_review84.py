"""Review 84: the search's one-by-one path, its splitters and scikit-learn 1.9's callbacks.

Against GridSearchCV over GradientDescentLogisticRegression with the same cv. Fixed: the
search's refit never got its auto-propagated callbacks (``propagate_callback_context``, a
context manager, was called bare: a ProgressBar or ScoringMonitor on the search saw none
of the refit's iterations, GridSearchCV's saw them); the one-by-one path (``solver=
"nesterov"``, ``"backtracking"``) gave its callbacks no task at all for its column fits
(GridSearchCV: one per candidate and fold, the fit's iterations under it) and printed
nothing for ``verbose`` but the last line (its docstring: verbose "for every column");
a search every column of which a callback stopped was told to "Increase max_iter or tol".

Checked and held (solver "nesterov" and "backtracking", "gd" for learning_rates; wine,
standardized): every ``split*_test_score`` and ``best_params_`` equal to GridSearchCV's
to the last bit with warm_start_path, l1_ratios, learning_rates, class_weight (dict,
balanced, balanced with sample weights with zeros), CSR, float32, two classes, and the
splitters LeaveOneOut, LeavePGroupsOut with groups, RepeatedStratifiedKFold, ShuffleSplit
(train_size=0.3), PredefinedSplit with -1 rows, a generator of index pairs, boolean
masks; TimeSeriesSplit and overlapping folds on class-sorted rows are refused with a
ValueError naming the fold and the missing class.
"""

import numpy as np
import pytest
from sklearn.datasets import load_wine
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from test_callbacks import needs_callbacks

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

CS = [0.1, 1.0]


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


class Tasks:
    """An auto-propagated FitCallback that records (estimator class, task name) of every
    task that begins and ends."""

    max_propagation_depth = None

    def __init__(self):
        self.begun, self.ended = [], []

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context, *, fitted_estimator=None):
        self.begun.append((type(estimator).__name__, context.task_name))

    def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
        self.ended.append((type(estimator).__name__, context.task_name))

    def count(self, name):
        return sum(1 for _, task in self.begun if task == name)


def _fits(rec):
    return rec.begun.count(("GradientDescentLogisticRegression", "fit"))


@needs_callbacks
@pytest.mark.parametrize("solver", ["bb", "nesterov"])
def test_the_searchs_refit_gets_its_propagated_callbacks(wine, solver):
    """The refit's fit was never a task: the callback saw none of its iterations."""
    X, y = wine
    rec = Tasks()
    search = GradientDescentLogisticRegressionCV(Cs=CS, cv=3, solver=solver)
    search.set_callbacks(rec).fit(X, y)
    refit_iters = search.best_estimator_.n_iter_[0]
    # as GridSearchCV's refit: a fit task of the refitted estimator, merged with the
    # search's refit task, and its iterations under it
    assert _fits(rec) >= 1
    assert rec.count("gradient-descent-iteration") >= refit_iters + 1
    assert sorted(rec.begun) == sorted(rec.ended)


@needs_callbacks
def test_one_by_one_columns_are_tasks_as_grid_search_cvs_fits(wine):
    """solver="nesterov": the callback saw the search's begin, the refit, its end, and
    nothing of the six column fits, which GridSearchCV shows one task each."""
    X, y = wine
    rec, ref = Tasks(), Tasks()
    GradientDescentLogisticRegressionCV(Cs=CS, cv=3, solver="nesterov").set_callbacks(
        rec).fit(X, y)
    GridSearchCV(GradientDescentLogisticRegression(solver="nesterov"), {"C": CS},
                 cv=3).set_callbacks(ref).fit(X, y)
    assert _fits(rec) == _fits(ref) == 2 * 3 + 1
    assert rec.count("gradient-descent-iteration") == ref.count("gradient-descent-iteration")
    assert sorted(rec.begun) == sorted(rec.ended)


@needs_callbacks
def test_a_propagated_stop_stops_each_one_by_one_column(wine):
    """A callback that stops every fit after 3 iterations: each column (and the refit) is
    the 3rd iterate, with stop_reason "callback", as under GridSearchCV."""

    class StopAt3(Tasks):
        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            return context.task_name == "gradient-descent-iteration" and context.task_id >= 2

    X, y = wine
    search = GradientDescentLogisticRegressionCV(Cs=CS, cv=3, solver="backtracking")
    with pytest.warns(ConvergenceWarning, match="were stopped by a callback"):
        search.set_callbacks(StopAt3()).fit(X, y)
    assert set(search.stop_reasons_) == {"callback"}
    assert (np.asarray(search.n_iter_) == 3).all()
    assert search.best_estimator_.stop_reason_ == "callback"
    assert not search.best_estimator_.converged_


@pytest.mark.parametrize("solver", ["nesterov", "backtracking"])
def test_one_by_one_verbose_prints_every_column(wine, solver, capsys):
    """verbose=1 "as in GradientDescentLogisticRegression, for every column": it printed
    the best candidate's line alone."""
    X, y = wine
    search = GradientDescentLogisticRegressionCV(Cs=CS, cv=3, solver=solver, verbose=1)
    search.fit(X, y)
    out = capsys.readouterr().out
    n_iter = np.asarray(search.n_iter_)[0]  # (folds, Cs)
    for f in range(3):
        for c in range(len(CS)):
            summary = f"stopped after {n_iter[f, c]} iteration"
            assert summary in out
    # six columns and the refit (it printed nothing either)
    assert out.count("GradientDescentLogisticRegression: stopped after") == 7
    assert out.count("iter      0  J =") == 7
    assert out.count("column ") == 6
    assert out.count("refit {") == 1


def test_one_by_one_scores_equal_grid_search_cv_on_a_generator_cv(wine):
    """A generator of (train, test) pairs, consumed once, and the same pairs in a list."""
    X, y = wine
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    search = GradientDescentLogisticRegressionCV(
        Cs=CS, cv=(pair for pair in folds), solver="nesterov", class_weight="balanced"
    ).fit(X, y)
    ref = GridSearchCV(GradientDescentLogisticRegression(solver="nesterov",
                                                         class_weight="balanced"),
                       {"C": CS}, cv=folds).fit(X, y)
    for f in range(3):
        key = f"split{f}_test_score"
        np.testing.assert_array_equal(search.cv_results_[key], ref.cv_results_[key])
    assert search.best_params_ == ref.best_params_


@needs_callbacks
def test_a_search_stopped_by_a_callback_is_not_told_to_raise_max_iter(wine):
    """Every column stopped by the user's callback: the warning said "Increase max_iter or
    tol, or leave out the parameters that diverge", advice for fits that ran out of
    iterations or diverged, not for a stop the user asked for."""

    class StopAt3(Tasks):
        def on_fit_task_end(self, estimator, context, *, fitted_estimator=None):
            return context.task_name == "search-iteration" and context.task_id >= 2

    X, y = wine
    search = GradientDescentLogisticRegressionCV(Cs=CS, cv=3).set_callbacks(StopAt3())
    with pytest.warns(ConvergenceWarning, match="were stopped by a callback") as record:
        search.fit(X, y)
    assert set(search.stop_reasons_) == {"callback"}
    assert not any("max_iter or tol" in str(w.message) for w in record)
