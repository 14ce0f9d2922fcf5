"""Review 164: the command line and the displays, as a demanding user drives them."""

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer

from gdlogreg._cli import main


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_scorer_that_refuses_a_predicted_class_is_refused_before_fitting(capsys):
    # the dummy predicting the majority class (1) passed; the folds' models predict 0s,
    # and the Poisson deviance raised inside the search, with a traceback
    assert main(["c-search", "--scoring", "neg_mean_poisson_deviance", "--cv", "2"]) == 2
    err = capsys.readouterr().err
    assert "--scoring 'neg_mean_poisson_deviance' cannot score this data" in err
    assert "Traceback" not in err


def _sorted_noise(n=200):
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=n), rng.normal(size=n)
    y = np.repeat([0, 1], n // 2)  # sorted by class: the row number is the label
    return a, b, y


@pytest.mark.parametrize("start, order", [(0, None), (1, None), (0, "shuffled")])
def test_an_unnamed_index_column_is_left_out(tmp_path, capsys, start, order):
    a, b, y = _sorted_noise()
    index = np.arange(start, start + len(y))
    if order:  # a shuffled frame's index: distinct whole numbers, not in order
        index = np.random.default_rng(1).permutation(index)
    rows = "".join(f"{i},{u:.17g},{v:.17g},{t}\n"
                   for i, u, v, t in zip(index, a, b, y, strict=True))
    with_index = _csv(tmp_path, ",a,b,y\n" + rows)
    plain = _csv(tmp_path, "a,b,y\n" + "".join(r.split(",", 1)[1] for r in
                                               rows.splitlines(keepends=True)), "plain.csv")
    assert main(["--csv", with_index]) == 0
    out = capsys.readouterr().out
    assert main(["--csv", plain]) == 0
    ref = capsys.readouterr().out
    assert "the unnamed first column left out as the row index" in " ".join(out.split())
    assert "2 features" in out

    def row(text):  # gdlogreg's row of the table, its time left out
        return next(line for line in text.splitlines() if line.startswith("gdlogreg ("))[:-10]

    assert row(out) == row(ref)  # the same fit as without the column


@pytest.mark.parametrize("index", [
    ["0", "1", "2", "3"] * 10,                                   # pd.concat of copies
    [f"{i}.1" for i in range(40)],                               # R's resampled row names
    [f'"Car {i}"' for i in range(40)],                           # R's text row names
    [f"2020-01-{i % 28 + 1:02d}" for i in range(40)],            # a date index
])
def test_any_unnamed_first_column_is_left_out_as_the_row_index(tmp_path, capsys, index):
    # review 173: an index of repeated numbers, R's "84.1", text or dates stayed in as a
    # feature (or refused the file), and no --drop could name it
    a, b, y = _sorted_noise(40)
    rows = "".join(f"{i},{u:.17g},{v:.17g},{t}\n"
                   for i, u, v, t in zip(index, a, b, y, strict=True))
    assert main(["--csv", _csv(tmp_path, ",a,b,y\n" + rows)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "2 features" in out and "left out as the row index" in out


def test_an_index_beside_the_target_alone_leaves_no_feature(tmp_path, capsys):
    rows = "".join(f"{i},{i % 2}\n" for i in range(20))
    assert main(["--csv", _csv(tmp_path, ",target\n" + rows)]) == 2
    assert "has a single column 'target'" in capsys.readouterr().err


def test_a_first_row_of_numbers_is_refused_but_numbered_columns_are_names(tmp_path, capsys):
    data = "3,4,1\n5,6,0\n7,8,1\n1,3,0\n2,5,1\n4,4,0\n5,5,1\n"
    assert main(["--csv", _csv(tmp_path, "1,2,1\n" + data), "--test-size", "0"]) == 2
    assert "the first row holds numbers alone (1, 2, 1)" in capsys.readouterr().err
    # pandas' names of a frame's columns, DataFrame(np.c_[X, y]).to_csv(index=False)
    assert main(["--csv", _csv(tmp_path, "0,1,2\n" + data), "--test-size", "0"]) == 0
    # (the report wraps its lines: a long temporary path puts a break anywhere)
    out = " ".join(capsys.readouterr().out.split())
    assert "(target '2')" in out and "read as column names" not in out
    # reordered (review 173), or a first row of data: read as names, and said so
    assert main(["--csv", _csv(tmp_path, "7,2,0\n" + data), "--test-size", "0"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(target '0', the first row's numbers read as column names)" in out


def test_decimal_commas_and_another_separator_are_named(tmp_path, capsys):
    path = _csv(tmp_path, "a;b;y\n5,1;3,5;0\n4,9;3,0;1\n4,7;3,2;0\n")
    assert main(["--csv", path, "--sep", ";"]) == 2
    assert "decimal comma" in capsys.readouterr().err
    path = _csv(tmp_path, "a;b;y\n5;3;0\n4;3;1\n4;2;0\n", "semi.csv")
    assert main(["--csv", path, "--target", "y"]) == 2
    assert "use --sep ';'" in capsys.readouterr().err


def test_target_name_is_stripped_as_drop_names_are(tmp_path, capsys):
    path = _csv(tmp_path, "a,b,y\n1,2,0\n3,4,1\n2,2,0\n5,3,1\n")
    assert main(["--csv", path, "--target", " y", "--test-size", "0"]) == 0
    assert "(target 'y')" in " ".join(capsys.readouterr().out.split())  # (lines wrap)


def test_a_reference_that_did_not_converge_is_not_called_one(tmp_path, capsys):
    # a feature near the float limit: lbfgs stops at its start (status 2, ABNORMAL)
    rng = np.random.default_rng(0)
    a, b = rng.uniform(-1.0, 1.0, 100) * 1e308, rng.normal(size=100)
    y = (b + 0.5 * rng.normal(size=100) > 0).astype(int)
    lines = "a,b,y\n" + "".join(f"{u:.17g},{v:.17g},{t}\n" for u, v, t in zip(a, b, y,
                                                                        strict=True))
    argv = ["--csv", _csv(tmp_path, lines), "--no-standardize", "--solver", "bb",
            "--learning-rate", "1", "--max-iter", "50"]
    assert main(argv) == 0
    captured = capsys.readouterr()
    out = " ".join(captured.out.split())
    assert "lbfgs failed to converge" in captured.err
    assert "fitted tightly as the reference" not in out
    assert "it did not converge" in out and "(not converged)" in out


def test_cv_of_fewer_than_two_folds_says_two(capsys):
    for k in ("0", "1"):
        with pytest.raises(SystemExit):
            main(["lr-search", "--cv", k])
        assert f"needs at least 2 folds, got {k}" in capsys.readouterr().err


def test_an_underflowed_descent_bound_is_named_not_printed_as_zero():
    from gdlogreg._messages import descent_bound

    assert descent_bound(0.594) == "2/L = 0.594"
    assert "underflows to 0" in descent_bound(0.0) and "= 0" not in descent_bound(0.0)


@pytest.mark.parametrize("argv, message", [
    (["--l1-ratio", "1.5"], "gdlogreg compare: error: --l1-ratio must be between 0 and 1, got 1.5"),
    (["--test-size", "1"], "gdlogreg compare: error: --test-size must be below 1, got 1"),
    (["lr-search", "--dataset", "iris", "--csv", "x.csv"],
     "gdlogreg lr-search: error: --dataset and --csv name two data sets"),
])
def test_option_errors_name_their_command(capsys, argv, message):
    with pytest.raises(SystemExit):
        main(argv)
    assert message in capsys.readouterr().err


# ----------------------------------------------------------------- the displays
def _fitted(**params):
    from sklearn.preprocessing import StandardScaler

    from gdlogreg import GradientDescentLogisticRegression

    X, y = load_breast_cancer(return_X_y=True)
    return GradientDescentLogisticRegression(**params).fit(StandardScaler().fit_transform(X), y)


def test_loss_curve_labels_given_as_one_string_name_one_curve():
    pytest.importorskip("matplotlib")
    from gdlogreg import LossCurveDisplay

    model = _fitted()
    assert LossCurveDisplay.from_estimator(model, labels="bb").labels == ["bb"]
    with pytest.raises(ValueError, match="2 loss curves but 1 labels"):
        LossCurveDisplay.from_estimator([model, model], labels="bb")
    assert LossCurveDisplay([[0.7, 0.5]], labels="gd").labels == ["gd"]


def test_a_flat_list_of_values_is_one_loss_curve():
    pytest.importorskip("matplotlib")
    from gdlogreg import LossCurveDisplay

    display = LossCurveDisplay([0.69, 0.4, 0.3]).plot()
    assert [line.get_xdata().tolist() for line in display.lines_] == [[0, 1, 2]]


@pytest.mark.parametrize("levels", [0, -2, 2.5, [1.0], [3.0, 2.0], [0.0, np.nan]])
def test_descent_path_levels_are_checked(levels):
    pytest.importorskip("matplotlib")
    from gdlogreg import DescentPathDisplay

    X, y = load_breast_cancer(return_X_y=True)
    x = (X[:, [0]] - X[:, 0].mean()) / X[:, 0].std()
    model = _fitted(keep_path=True).fit(x, y)
    with pytest.raises(ValueError, match="levels must be a positive integer or an increasing"):
        DescentPathDisplay.from_estimator(model, x, y, levels=levels)


def test_search_display_from_estimator_takes_scoring_and_best_index():
    pytest.importorskip("matplotlib")
    from sklearn.model_selection import GridSearchCV
    from sklearn.preprocessing import StandardScaler

    from gdlogreg import (
        GradientDescentLogisticRegression,
        GradientDescentLogisticRegressionCV,
        SearchScoreDisplay,
    )

    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    grid = GridSearchCV(GradientDescentLogisticRegression(), {"C": [0.01, 1.0, 100.0]},
                        scoring=["accuracy", "neg_log_loss"], refit=False, cv=3).fit(X, y)
    shown = SearchScoreDisplay.from_estimator(grid, scoring="neg_log_loss")
    expected = SearchScoreDisplay.from_cv_results(grid.cv_results_, scoring="neg_log_loss")
    np.testing.assert_array_equal(shown.mean_test_score, expected.mean_test_score)
    assert shown.best_index == expected.best_index
    search = GradientDescentLogisticRegressionCV(Cs=[0.01, 1.0, 100.0], cv=3).fit(X, y)
    assert SearchScoreDisplay.from_estimator(search, best_index=0).best_index == (0,)
