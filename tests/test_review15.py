"""Outside review of the command line and the plots, as a teacher, a data scientist
with their own CSV files and a hostile input generator (helper "review15").

Each test named after a defect failed before its fix: a traceback where one line
was due, a label, a column or a file other than the one asked for, or an error
message that named the wrong problem (or numpy's internals). A few controls next
to them (labels below 2**53, a duplicated name nobody asks for, the plot saved
where the message says) passed before and hold what the fixes must keep.
"""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest

import gdlogreg
from gdlogreg import DescentPathDisplay, GradientDescentLogisticRegression, LossCurveDisplay
from gdlogreg._cli import load_data, main

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(gdlogreg.__file__)))
ENV = {
    **os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg",
    "PYTHONPATH": os.pathsep.join(p for p in (SOURCE_ROOT, os.environ.get("PYTHONPATH")) if p),
}


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _one_line_error(capsys, status, expected):
    err = capsys.readouterr().err
    assert status == 2, err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    for text in expected:
        assert text in err, err


# ------------------------------------------------------------------ the command line
@pytest.mark.parametrize("command", [
    ["lr-search", "--learning-rates", "1", "--max-iter", "5"],
    ["c-search", "--Cs", "1", "--max-iter", "5"],
])
@pytest.mark.parametrize("seed", ["-1", "4294967296"])
def test_a_search_with_a_seed_numpy_refuses_is_one_line(command, seed, capsys):
    """--random-state -1 was a traceback (numpy's ValueError from StratifiedKFold) in
    lr-search and c-search; compare already said it in one line."""
    status = main([*command, "--dataset", "iris", "--cv", "3", "--random-state", seed])
    _one_line_error(capsys, status, ["--random-state", seed, "2**32 - 1"])


@pytest.mark.slow
def test_plot_when_matplotlib_cannot_be_imported_is_one_line(tmp_path):
    """A matplotlib that is found but cannot be imported (blocked, or broken) passed the
    find_spec check and then raised ImportError from deep inside, a traceback."""
    code = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'matplotlib':\n"
        "            raise ImportError('matplotlib is blocked')\n"
        "sys.meta_path.insert(0, Block())\n"
        "from gdlogreg._cli import main\n"
        "sys.exit(main(['--dataset', 'iris', '--plot', 'x.png']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=ENV, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "--plot needs matplotlib" in proc.stderr and "gdlogreg[plot]" in proc.stderr
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("big", ["100000000000000000000", "9007199254740993"])
def test_whole_number_labels_beyond_the_float_range_of_integers_are_refused(
        tmp_path, capsys, big):
    """Labels read as floats: 1e20 was cast to int64 as -9223372036854775808 (with a
    leaked RuntimeWarning), and 2**53 + 1 became 2**53, merging two classes."""
    rows = "".join(f"{i},{v}\n" for i, v in enumerate(["9007199254740991", big] * 4))
    path = _csv(tmp_path, "a,y\n" + rows)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        status = main(["--csv", path, "--test-size", "0"])
    _one_line_error(capsys, status, [f"holds {big}", "2**53"])


def test_whole_number_labels_below_2_to_the_53_stay_integers(tmp_path):
    path = _csv(tmp_path, "a,y\n1,9007199254740991\n2,-9007199254740991\n3,1.0\n")
    _, y, _ = load_data(csv_path=path)
    assert y.dtype == np.int64
    assert y.tolist() == [2**53 - 1, -(2**53 - 1), 1]


@pytest.mark.parametrize("header, argv, name", [
    ("a,b,y,y", [], "y"),                  # the default target, the last column
    ("a,b,b,y", ["--target", "b"], "b"),
])
def test_a_duplicated_target_name_is_refused(tmp_path, capsys, header, argv, name):
    """header 'a,b,y,y': the default target is the last column, but header.index('y')
    took the first 'y', read the labels from column 3 and used column 4 as a feature."""
    rng = np.random.default_rng(0)
    rows = "".join(
        f"{r[0]:.3f},{r[1]:.3f},{i % 2},{(i // 2) % 2}\n"
        for i, r in enumerate(rng.standard_normal((20, 2)))
    )
    path = _csv(tmp_path, header + "\n" + rows)
    status = main(["--csv", path, "--test-size", "0", *argv])
    _one_line_error(capsys, status, [f"{name!r}", "twice"])


def test_a_duplicated_name_nobody_asks_for_still_runs(tmp_path):
    path = _csv(tmp_path, "a,a,y\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    X, y, _ = load_data(csv_path=path)
    assert X.shape == (20, 2) and y.tolist() == [i % 2 for i in range(20)]


@pytest.mark.parametrize("plot", [".", "{tmp}", "{tmp}/"])
def test_plot_to_a_directory_is_refused_before_fitting(tmp_path, capsys, monkeypatch, plot):
    """--plot . wrote '..png.png' and printed 'Plot saved to ..png' (matplotlib added
    .png again to the name the CLI had made); --plot DIR/ wrote DIR/.png.png."""
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    path = plot.format(tmp=tmp_path)
    with pytest.raises(SystemExit) as exc:  # argparse's usage error, before any fit
        main(["--dataset", "iris", "--test-size", "0", "--plot", path])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "is a directory" in captured.err.strip().splitlines()[-1], captured.err
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("plot, written", [("loss", "loss.png"), (".png", ".png.png"),
                                           ("..png", "..png.png")])
def test_the_plot_is_saved_where_the_message_says(tmp_path, capsys, monkeypatch, plot,
                                                  written):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    assert main(["--dataset", "iris", "--test-size", "0", "--max-iter", "5",
                 "--plot", plot]) == 0
    assert f"Plot saved to {written}\n" in capsys.readouterr().out
    assert os.listdir(tmp_path) == [written]
    assert (tmp_path / written).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_lr_search_on_three_classes_names_the_curvature_once(capsys):
    """'from the worst-case curvature softmax curvature ≤ ½': the word twice."""
    assert main(["lr-search", "--dataset", "iris", "--learning-rates", "1",
                 "--max-iter", "5"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "curvature softmax curvature" not in out
    assert "the worst-case curvature ½ of the softmax" in out


# ------------------------------------------------------------------------ the plots
@pytest.fixture
def one_feature():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 1))
    y = (x[:, 0] + 0.8 * rng.standard_normal(60) > 0).astype(int)
    return x, y


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_descent_path_refuses_nan_in_X_naming_it(one_feature, bad):
    """NaN in X gave numpy's 'zero-size array to reduction operation minimum'."""
    pytest.importorskip("matplotlib")
    x, y = one_feature
    clf = GradientDescentLogisticRegression(keep_path=True).fit(x, y)
    x = x.copy()
    x[3, 0] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        DescentPathDisplay.from_estimator(clf, x, y)


@pytest.mark.parametrize("labels", [np.array(["no", "yes"]), np.array([0, 2])])
def test_descent_path_refuses_labels_the_fit_does_not_know(one_feature, labels):
    """y in other labels than classes_ was read by searchsorted as some class index
    (or one past the last): a J of other data, drawn without a word."""
    pytest.importorskip("matplotlib")
    x, y = one_feature
    clf = GradientDescentLogisticRegression(keep_path=True).fit(x, y)
    with pytest.raises(ValueError, match="labels the estimator was not fitted on"):
        DescentPathDisplay.from_estimator(clf, x, labels[y])


def test_loss_curve_of_a_fitted_search_does_not_say_not_fitted(one_feature):
    """A fitted GradientDescentLogisticRegressionCV (or LogisticRegression) has no
    loss_curve_: the error said 'not fitted yet', which it is."""
    pytest.importorskip("matplotlib")
    from sklearn.exceptions import NotFittedError
    from sklearn.linear_model import LogisticRegression

    from gdlogreg import GradientDescentLogisticRegressionCV

    x, y = one_feature
    for est in (GradientDescentLogisticRegressionCV(Cs=[1.0], cv=3).fit(x, y),
                LogisticRegression().fit(x, y)):
        with pytest.raises(TypeError, match="loss_curve_") as info:
            LossCurveDisplay.from_estimator(est)
        assert "not fitted" not in str(info.value)
        assert type(est).__name__ in str(info.value)
    with pytest.raises(NotFittedError):  # unfitted: still sklearn's NotFittedError
        LossCurveDisplay.from_estimator(GradientDescentLogisticRegression())


def test_search_display_of_a_fitted_estimator_that_is_no_search(one_feature):
    """A fitted GradientDescentLogisticRegression has no cv_results_: 'not fitted yet'."""
    pytest.importorskip("matplotlib")
    from sklearn.exceptions import NotFittedError

    from gdlogreg import GradientDescentLogisticRegressionCV, SearchScoreDisplay

    x, y = one_feature
    with pytest.raises(TypeError, match="cv_results_") as info:
        SearchScoreDisplay.from_estimator(GradientDescentLogisticRegression().fit(x, y))
    assert "not fitted" not in str(info.value)
    with pytest.raises(NotFittedError):
        SearchScoreDisplay.from_estimator(GradientDescentLogisticRegressionCV())


def test_search_display_of_all_nan_scores_marks_the_first_as_grid_search_does():
    """Every mean NaN (every fit failed) stopped at numpy's 'All-NaN slice encountered';
    GridSearchCV ranks such candidates all 1, its best_index_ the first."""
    pytest.importorskip("matplotlib")
    from gdlogreg import SearchScoreDisplay

    nan = [np.nan, np.nan]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        display = SearchScoreDisplay.from_cv_results(
            {"params": [{"C": 1.0}, {"C": 2.0}], "mean_test_score": nan, "std_test_score": nan}
        )
    assert display.best_index == (0,)


def test_search_display_of_no_candidate_says_so():
    """An empty cv_results gave numpy's 'attempt to get argmax of an empty sequence'."""
    pytest.importorskip("matplotlib")
    from gdlogreg import SearchScoreDisplay

    with pytest.raises(ValueError, match="no candidate"):
        SearchScoreDisplay.from_cv_results(
            {"params": [], "mean_test_score": [], "std_test_score": []}
        )


def test_a_csv_without_a_header_row_is_refused(tmp_path, capsys):
    """A file without a header: its first row of data was taken for the column names,
    the fit ran on one sample less with a target named '1' and no word of it."""
    rows = "".join(f"{0.5 * i - 3.25:.2f},{(7 * i) % 5 + 0.5},{i % 2}\n" for i in range(20))
    status = main(["--csv", _csv(tmp_path, rows), "--test-size", "0"])
    _one_line_error(capsys, status, ["'-3.25'", "needs a header row"])


def test_column_names_that_are_whole_numbers_are_a_header(tmp_path):
    """pandas writes the header '0,1,2' for a frame of a numpy array: still names."""
    path = _csv(tmp_path, "0,1,2\n" + "".join(f"{i}.5,{i % 3},{i % 2}\n" for i in range(20)))
    X, y, name = load_data(csv_path=path)
    assert X.shape == (20, 2) and "target '2'" in name
