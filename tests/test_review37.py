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


@pytest.mark.slow
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


def _user_guide():
    from pathlib import Path

    text = (Path(__file__).parents[1] / "docs" / "user_guide.rst").read_text()
    return " ".join(text.split())


def test_user_guide_collinear_example_matches_the_fits():
    # Was: "the default fit takes 64 iterations (gap 1.1e-7 ...)": since bb's whitened
    # steps it takes 12, and the example shows the effect only for the other solvers.
    import re

    from sklearn.datasets import make_classification

    text = _user_guide()
    X, y = make_classification(5000, 40, n_informative=10, n_redundant=2, shuffle=False,
                               random_state=1)
    claimed = int(re.search(r"The default fit takes (\d+) iterations", text).group(1))
    default = GradientDescentLogisticRegression().fit(X, y)
    assert abs(int(default.n_iter_[0]) - claimed) <= 3
    if "``solver=\"backtracking\"`` runs to ``max_iter``" in text:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            slow = GradientDescentLogisticRegression(solver="backtracking").fit(X, y)
        assert slow.stop_reason_ == "max_iter"


def test_user_guide_breast_cancer_dual_gap_matches_the_fit():
    # Was: "2.0e-3 against 9e-6 (the true J − J* 7e-9)": numbers of an older version; the
    # default fit then stopped on the certified test, 5.9e-10 above J*; since the p × p
    # metric's early take (issue #16) the gradient tests stop it at 8.1e-13.
    import re

    text = _user_guide()
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    fit = GradientDescentLogisticRegression().fit(X, y)
    J_star = GradientDescentLogisticRegression(tol=1e-12, max_iter=10_000).fit(X, y)
    true_gap = fit.loss_curve_[-1] - J_star.loss_curve_[-1]
    claimed = float(re.search(r"the true J − J\* ([0-9.]+e-[0-9]+)", text).group(1))
    assert claimed / 3 <= true_gap <= claimed * 3
    claimed_bound = float(re.search(r"own bound gave ([0-9.]+e-[0-9]+),\s+which is "
                                    r"``dual_gap_``", text).group(1))
    assert claimed_bound / 1.1 <= fit.dual_gap_ <= claimed_bound * 1.1


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["compare", "--dataset", "iris", "--test-size", "0"],
    ["lr-search", "--learning-rates", "1", "--max-iter", "20", "--cv", "2"],
    ["compare", "--help"],
])
def test_cli_on_an_output_encoding_without_greek_letters(argv):
    # Was: a UnicodeEncodeError traceback and exit status 1 where stdout is cp1252 (a
    # Windows console or a redirected pipe): the table's 'max |Δcoef|', lr-search's
    # 'σ′ ≤ ¼', the help's 'α'. Now what the encoding lacks is written as '?'.
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).parents[1]
    env = {**os.environ, "PYTHONIOENCODING": "cp1252", "MPLBACKEND": "Agg",
           "PYTHONPATH": str(root) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "gdlogreg", *argv], capture_output=True,
                          env=env, cwd=root, timeout=300)
    assert done.returncode == 0, done.stderr.decode("cp1252", "replace")
    assert b"Traceback" not in done.stderr
    assert done.stdout.strip()


def test_cli_refuses_a_dataset_and_a_csv_file_together(tmp_path, capsys):
    # Was: `compare --csv data.csv --dataset digits` fitted the CSV file and said nothing
    # of the --dataset asked for.
    path = tmp_path / "data.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    with pytest.raises(SystemExit) as exc:  # argparse's usage error
        main(["compare", "--csv", str(path), "--dataset", "digits"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "--dataset and --csv" in err and "Traceback" not in err
    assert main(["compare", "--csv", str(path), "--test-size", "0"]) == 0
    assert main(["compare", "--dataset", "iris", "--test-size", "0", "--max-iter", "5"]) == 0
