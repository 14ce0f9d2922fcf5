"""Review 37: the project as a teacher and a data scientist first meet it (README, docs,
the command line and the plots), with hostile input to the CLI and the plots."""

import numpy as np
import pytest

from gdlogreg import SearchScoreDisplay
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


def _buffer():
    import io

    return io.BytesIO()
