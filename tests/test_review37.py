"""Review 37: the project as a teacher and a data scientist first meet it (README, docs,
the command line and the plots), with hostile input to the CLI and the plots."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from gdlogreg import DescentPathDisplay, GradientDescentLogisticRegression, SearchScoreDisplay
from gdlogreg._cli import main

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize("rates", [["1e300"], ["1", "1e300"], ["1.5e308"]])
def test_lr_search_plot_of_a_learning_rate_near_the_float_limit(tmp_path, capsys, rates):
    # Was: a traceback from matplotlib's log-axis ticks (OverflowError: cannot convert
    # float infinity to integer): LogLocator ticks a decade beyond 1e308 on a span of
    # 300 decades. A learning rate the parser accepts must plot, or be refused.
    target = tmp_path / "lr.png"
    status = main(["lr-search", "--learning-rates", *rates, "--max-iter", "5", "--cv", "2",
                   "--plot", str(target)])
    assert status == 0, capsys.readouterr().err
    assert target.stat().st_size > 0


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning:matplotlib")
def test_search_heatmap_of_Cs_at_the_ends_of_the_float_range():
    # Was: the cells' outer edges exp(log C ± half a step) overflowed to inf (and
    # underflowed to 0), and pcolormesh refused them: "x and y arguments to pcolormesh
    # cannot have non-finite values" for the scores of Cs=[1e-320, 1e308].
    display = SearchScoreDisplay(
        param_names=["C", "l1_ratio"], param_values=[[1e-320, 1.0, 1e308], [0.0, 1.0]],
        mean_test_score=[[0.6, 0.6], [0.9, 0.8], [0.95, 0.94]],
        std_test_score=np.full((3, 2), 0.01), best_index=(2, 0), scoring="accuracy",
    ).plot()
    display.figure_.savefig(_buffer(), format="png")
    lo, hi = display.ax_.get_xlim()
    assert 0 < lo <= 1e-320 and 1e308 <= hi < np.inf


def test_descent_path_of_a_step_whose_cost_overflows():
    # Was: "zero-size array to reduction operation minimum which has no identity": a
    # constant step of 1e200 jumps to |w| ~ 1e199, where J overflows, and the window sized
    # to that iterate held no finite J. The iterates of infinite J are left out, as those
    # of non-finite w or b are.
    X, y = load_breast_cancer(return_X_y=True)
    x = StandardScaler().fit_transform(X)[:, [0]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = GradientDescentLogisticRegression(solver="gd", learning_rate=1e200,
                                                keep_path=True).fit(x, y)
    assert fit.stop_reason_ == "diverged" and not np.isfinite(fit.loss_curve_[1])
    display = DescentPathDisplay.from_estimator(fit, x, y, grid_resolution=20)
    assert np.isfinite(display.J_grid).any()
    assert np.all(np.isfinite(display.path_.get_xdata()))


def _buffer():
    import io

    return io.BytesIO()
