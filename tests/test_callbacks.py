"""Progress output and scikit-learn's callback API on every gradient-descent iteration."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._compat import HAS_CALLBACKS

# The verbose output is there on every version; the callback API from scikit-learn 1.9 on.
needs_callbacks = pytest.mark.skipif(
    not HAS_CALLBACKS, reason="scikit-learn's callback API needs scikit-learn >= 1.9"
)


@pytest.fixture(scope="module")
def data():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


class Recorder:
    """A FitCallback that records the hooks and can ask to stop after n iterations."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.begins, self.ends, self.coefs = [], [], []

    def setup(self, estimator, context):
        self.setup_called = True

    def on_fit_task_begin(
        self, estimator, context, *, X=None, y=None, metadata=None, fitted_estimator=None
    ):
        self.begins.append(context.task_name)

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, metadata=None, fitted_estimator=None
    ):
        self.ends.append(context.task_name)
        if context.task_name != "fit" and fitted_estimator is not None:
            self.coefs.append(np.array(fitted_estimator.coef_))
        return self.stop_after is not None and len(self.coefs) >= self.stop_after

    def teardown(self, estimator, context):
        self.teardown_called = True


@needs_callbacks
def test_every_iteration_is_a_callback_task(data):
    X, y = data
    rec = Recorder()
    model = GradientDescentLogisticRegression().set_callbacks(rec).fit(X, y)
    iters = [name for name in rec.begins if name != "fit"]
    assert len(iters) == model.n_iter_ + 1  # one per update, plus the one never taken
    assert len(rec.coefs) == model.n_iter_
    np.testing.assert_allclose(rec.coefs[-1], model.coef_)
    assert rec.setup_called and rec.teardown_called
    assert len(rec.begins) == len(rec.ends)


@needs_callbacks
def test_callback_can_stop_the_fit(data):
    X, y = data
    rec = Recorder(stop_after=5)
    model = GradientDescentLogisticRegression(tol=1e-10).set_callbacks(rec).fit(X, y)
    assert model.n_iter_ == 5
    assert model.stop_reason_ == "callback"
    assert not model.converged_


@needs_callbacks
def test_scoring_monitor_logs_each_iteration(data):
    pytest.importorskip("pandas")
    from sklearn import callback

    X, y = data
    monitor = callback.ScoringMonitor(scoring="accuracy")
    model = GradientDescentLogisticRegression().set_callbacks(monitor).fit(X, y)
    df = monitor.get_logs().data_as_pandas
    assert len(df) >= model.n_iter_
    assert model.score(X, y) in set(df["accuracy"])
    assert df["accuracy"].nunique() > 1  # scored along the descent, not only at the end


@needs_callbacks
def test_progress_bar_through_grid_search(data, capsys):
    pytest.importorskip("rich")
    from sklearn import callback

    X, y = data
    pipe = make_pipeline(StandardScaler(), GradientDescentLogisticRegression())
    search = GridSearchCV(pipe, {"gradientdescentlogisticregression__C": [0.1, 1.0]}, cv=2)
    search.set_callbacks(callback.ProgressBar())
    search.fit(X, y)
    assert search.best_score_ > 0.9


def test_verbose_lines_and_summary(data, capsys):
    X, y = data
    GradientDescentLogisticRegression(verbose=2, max_iter=5, tol=1e-12).fit(X, y)
    out = capsys.readouterr().out.strip().splitlines()
    iter_lines = [line for line in out if line.startswith("iter")]
    assert len(iter_lines) == 6  # the start and 5 updates
    assert "J =" in iter_lines[0] and "|grad| =" in iter_lines[0] and "step =" in iter_lines[0]
    assert "max_iter" in out[-1]
