"""Review 139: the teacher and the data scientist at the command line and in a notebook.

Checked: ``python -m gdlogreg`` (compare, lr-search, c-search) on hostile CSV files (quoted
fields, a byte-order mark with semicolons, CRLF and CR-only line endings, blank lines,
header-only and empty files, a trailing separator, unicode names and labels, labels
written ``01``/``1.0``, inf/nan/1e308/subnormal features, 30 classes of 4 rows), every
option with bad values (0, negative, nan, inf, text, a float for an integer), conflicting
options, ``--plot`` with upper-case, empty and unknown extensions; exit codes and the one
line on the standard error. The displays (LossCurveDisplay, SearchScoreDisplay,
DescentPathDisplay and the CLI's lr-search / c-search figures) on degenerate input under
the Agg backend: one point, constant and NaN/inf curves, NaN/inf scores, one C, zero,
negative, infinite and subnormal Cs, heatmaps of one row, one column and one cell, a
60 × 40 grid; unfitted and wrong estimators. The docs: the examples of README.md,
docs/index.rst, docs/dask.rst (not the cluster block), docs/examples/*.py, the doctests of
tutorial.rst and search.rst, and the numbers quoted in their prose; the tutorial's 2/L
(σ′ ≤ ¼, and ½ for the softmax, with 1/(Cm) on the weights only) against the CLI's
``descent_step_bound``.

Held: everything the tests before the section "Fixed" check.

Found, each fixed (the section "Fixed" at the end tests each; gdlogreg/_cli.py and
gdlogreg/_plot.py unless named):

* ``c-search --Cs 1e-300 1e300 --plot c.png`` ends in a Python traceback
  (``OverflowError: cannot convert float infinity to integer``) after printing the table,
  as does ``SearchScoreDisplay`` drawn over those Cs: ``_log_limits`` returns a lower
  x-limit of exp(log(1e-300) - margin) = 0.0 on a log axis. Fixed: ``_log_limits`` keeps
  both limits positive and finite (the lower one at least the smallest subnormal), the
  line plot sets them before drawing (the linear autoscale overflowed too), and
  ``_decade_ticks`` ticks from 1e-307 up (a subnormal decade went unlabelled).
* ``gdlogreg c-search | head -1`` (and lr-search, compare when output is still to come)
  ends in a ``BrokenPipeError`` traceback, exit 1. Fixed: ``main`` catches it, points
  stdout at os.devnull and returns 141 (128 + SIGPIPE, as a shell reports such a command;
  docs/cli.rst).
* Scorer warnings escape the searches as raw Python warnings with file paths
  (``c-search --scoring precision`` on a minority class: sklearn's
  UndefinedMetricWarning, three times); ``lr-search --C 1e-300 --plot`` leaks matplotlib's
  "Data has no positive values" UserWarning (every mean n_iter 0 on a log axis). Fixed:
  ``_warnings_to`` turns the searches' and the plots' warnings (and matplotlib's logged
  ones, such as PostScript's want of transparency) into one ``warning: ...`` line each, as
  compare did; the iterations' axis is logarithmic only where every count is positive.
* CSV line numbers count only non-blank rows: after a blank line (or a quoted field that
  spans lines) the error names the wrong line. Fixed: ``_read_csv`` keeps each row's
  physical lines (the csv reader's ``line_num``); a record over several lines is
  "lines 2-3".
* ``--drop 'Gewicht, kg'`` cannot drop a column whose name holds a comma, and the
  error's list of columns (joined by ", ") shows it as two columns. Fixed: a --drop text
  that is a column's name is that column (``_drop_names``), and the lists quote each name.
* ``compare --dataset iris --C 1e-20`` (down to 5.6e-309): the reference LogisticRegression
  stops after one iteration at the start; the table calls it the reference and reports
  gdlogreg 1.78e-2 off, though gdlogreg's J is the lower (1.0985328 < log 3). Fixed: where
  the reference's J lies above gdlogreg's by more than its tolerance (any C), the table
  and a note say so and no longer call it the reference (``_reference_gap``).
* ``main([... "--plot", ...])`` from Python switches the caller's matplotlib backend to Agg.
  Fixed: the CLI's figures are drawn on an Agg canvas outside pyplot (``_new_figure``).
* DescentPathDisplay.from_estimator on a LogisticRegression or a
  GradientDescentLogisticRegressionCV says "fit the estimator with keep_path=True", a
  parameter neither has; SearchScoreDisplay over a grid of no parameter (``{}``) raises
  IndexError. Fixed: a TypeError naming the class, as the other displays give; a
  ValueError saying that no parameter was searched.
* docs/search.rst: "8932 against 12480 here" (warm against cold iterations); the code
  gives 421 against 938; "their slowest folds take about a hundred iterations": 54.
  Fixed: the prose states the bounds its doctests check (fewer than 4/5 of the
  iterations; more than 50, fewer than 300).
* A mistyped command (``gdlogreg lr_search``) says "unrecognized arguments: lr_search"
  rather than naming the commands. Fixed: "unknown command 'lr_search' (choose from
  compare, lr-search, c-search); did you mean 'lr-search'?" (``_with_command``).
* Smaller, fixed too: a separator that ends every line made an unnamed, empty last column
  the labels' ("no label in column ''", with no way around it): that column is left out;
  ``c-search --Cs inf`` was refused though the search fits C=inf: it is accepted, and
  SearchScoreDisplay draws an axis with a value that is not a finite number as categories.
"""

import contextlib
import io
import math
import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression as GD
from gdlogreg import GradientDescentLogisticRegressionCV as GDCV
from gdlogreg._cli import build_parser, descent_step_bound, load_data, main

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg"}


def _run(argv, capsys):
    """(status, stdout, stderr) of main(argv); argparse's SystemExit read as its code."""
    try:
        status = main(list(argv))
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def _write(tmp_path, content, name="data.csv"):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(content)
    return str(path)


ROWS = [(1.0, 2.0, 0), (3.0, 4.0, 1), (5.0, 6.0, 0), (7.0, 8.0, 1), (2.0, 1.0, 0), (4.0, 3.0, 1)]
PLAIN = "a,b,y\n" + "".join(f"{a},{b},{t}\n" for a, b, t in ROWS)


# ----------------------------------------------------------------- hostile CSV files
@pytest.mark.parametrize("content, sep", [
    (PLAIN.replace("\n", "\r\n"), ","),                                   # Windows
    (PLAIN.replace("\n", "\r"), ","),                                     # old Mac
    ("\n\n" + PLAIN.replace("\n", "\n\n") + "\n\n", ","),                 # blank lines
    ("".join(",".join(f'"{v}"' for v in line.split(",")) + "\n"
             for line in PLAIN.splitlines()), ","),                        # every field quoted
    ("\ufeff" + PLAIN.replace(",", ";"), ";"),                            # Excel, Europe
    (PLAIN.replace(",", "\t"), "\t"),
    ("a , b ,y\n" + "".join(f" {a} ,{b}, {t} \n" for a, b, t in ROWS), ","),  # spaces
])
def test_csv_dialects_load_the_same_data(tmp_path, content, sep):
    X, y, _ = load_data(csv_path=_write(tmp_path, content), sep=sep)
    np.testing.assert_array_equal(X, [[a, b] for a, b, _ in ROWS])
    assert y.tolist() == [t for _, _, t in ROWS] and y.dtype.kind == "i"


@pytest.mark.parametrize("content, message", [
    ("", "needs a header row and at least two data rows"),
    ("\n\n\n", "needs a header row and at least two data rows"),
    ("a,b,y\r\n", "needs a header row and at least two data rows"),
    ("a,b,y\n1,2,0\n", "needs a header row and at least two data rows"),
    ("a,b,y\n1,nan,1\n3,4,0\n5,6,1\n", "nan or infinite"),
    ("a,b,y\n1,-inf,1\n3,4,0\n5,6,1\n", "nan or infinite"),
    ("a,b,y\n1,2,0\n3,4,1\n5,6,NA\n", "'NA' marks a missing value"),
    ("a,b,y\n1,2,0\n3,4,1\n5,6,0.5\n", "not a class label"),
    ("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,0\n", None),   # fine: the control
    ("a,b,y,\n1,2,0,\n3,4,1,\n5,6,0,\n", None),   # a trailing separator: fixed, below
    ("a,b,y\n1,2,0\n3,4,1\n5,1e308,0\n7,-1e308,1\n", "too large to standardize"),
    ("a,b,y\n1,2,0\n3,4,0\n5,6,0\n", "single class"),
    ("a;b;y\n1;2;0\n3;4;1\n5;6;0\n", "--sep ';'"),
    (b"a,b,y\n1,2,0\n3,\xe9,1\n5,6,0\n", "not UTF-8 text"),
])
def test_hostile_csv_exits_2_with_one_line(tmp_path, capsys, content, message):
    path = _write(tmp_path, content)
    status, _, err = _run(["compare", "--csv", path, "--test-size", "0", "--max-iter", "20"],
                          capsys)
    if message is None:
        assert status == 0, err
        return
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdlogreg: error: "), err
    assert message in lines[0], lines[0]


@pytest.mark.slow
def test_tiny_and_huge_features_fit_and_plot_without_a_warning(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + 0.3 * rng.normal(size=40) > 0).astype(int)
    for scale, extra in ((1e-300, []), (1e-320, []), (1e300, ["--no-standardize"])):
        content = "a,b,y\n" + "".join(
            f"{float(a * scale)!r},{float(b * scale)!r},{t}\n"
            for (a, b), t in zip(X, y, strict=True))
        path = _write(tmp_path, content)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            status, out, _ = _run(["compare", "--csv", path, "--test-size", "0", "--max-iter",
                                   "30", *extra, "--plot", str(tmp_path / "p.png")], capsys)
        assert status == 0
        assert "Plot saved to" in out
        leaked = [w for w in caught if not issubclass(w.category, ConvergenceWarning)]
        assert not leaked, [str(w.message) for w in leaked]


def test_unicode_names_and_labels(tmp_path, capsys):
    content = "α,β,Klasse\n" + "".join(
        f"{a},{b},{'grün' if t else 'rot'}\n" for a, b, t in ROWS)
    path = _write(tmp_path, content)
    X, y, name = load_data(csv_path=path)
    assert X.shape == (6, 2) and sorted(set(y.tolist())) == ["grün", "rot"]
    assert "'Klasse'" in name
    status, out, _ = _run(["--csv", path, "--target", "Klasse", "--drop", "β",
                           "--test-size", "0", "--max-iter", "20"], capsys)
    assert status == 0 and "1 feature, 2 classes" in " ".join(out.split())


def test_whole_number_labels_in_any_spelling_are_one_class(tmp_path):
    content = "a,y\n1,01\n2,1.0\n3,1\n4,0\n5,00\n6,0.0\n"
    _, y, _ = load_data(csv_path=_write(tmp_path, content))
    assert y.tolist() == [1, 1, 1, 0, 0, 0] and y.dtype.kind == "i"


def test_thirty_classes_of_four_rows(tmp_path, capsys):
    rng = np.random.default_rng(1)
    rows = [f"{rng.normal() + k},{rng.normal()},Klasse_{k}\n" for k in range(30) for _ in range(4)]
    path = _write(tmp_path, "a,b,y\n" + "".join(rows))
    status, out, _ = _run(["--csv", path, "--max-iter", "50"], capsys)
    assert status == 0 and "30 classes" in out and "30 to test" in " ".join(out.split())
    status, _, err = _run(["lr-search", "--csv", path, "--cv", "5"], capsys)
    assert status == 2 and "--cv 5 needs at least 5 samples of each class" in err
    status, _, err = _run(["c-search", "--csv", path, "--cv", "3", "--scoring", "roc_auc"],
                          capsys)
    assert status == 2 and "try --scoring roc_auc_ovr" in err and "30 classes" in err


# ------------------------------------------------------------------------ options
@pytest.mark.parametrize("argv, message", [
    (["--max-iter", "0"], "argument --max-iter: must be >= 1"),
    (["--max-iter", "1e3"], "argument --max-iter: '1e3' is not an integer"),
    (["--tol", "0"], "argument --tol: must be > 0"),
    (["--tol", "nan"], "argument --tol: must be > 0 and finite"),
    (["--tol", "1e400"], "argument --tol: must be > 0 and finite"),
    (["--test-size", "nan"], "argument --test-size"),
    (["--test-size", "1"], "--test-size must be below 1"),
    (["--l1-ratio", "nan"], "argument --l1-ratio"),
    (["--l1-ratio", "1.5"], "--l1-ratio must be between 0 and 1"),
    (["--C", "nan"], "argument --C: must be > 0 or 'inf'"),
    (["--C", "-1"], "argument --C"),
    (["--C", "ten"], "'ten' is not a number (or 'inf')"),
    (["--learning-rate", "AUTO"], "neither 'auto' nor a number"),
    (["--learning-rate", "inf"], "the learning rate must be > 0 and finite"),
    (["--random-state", "1.5"], "argument --random-state"),
    (["--sep", ""], "argument --sep: must be one character"),
    (["--sep", '"'], "argument --sep: must be one character"),
    (["--sep", ";"], "--sep needs --csv"),
    (["--drop", ","], "argument --drop: an empty column name"),
    (["--dataset", "iris", "--csv", "x.csv"], "--dataset and --csv name two data sets"),
    (["--dataset", ""], "unknown dataset ''"),
    (["--solver", "lbfgs", "--l1-ratio", "0.5"], "--solver lbfgs handles the L2 penalty only"),
    (["lr-search", "--learning-rates", "auto"], "constant learning rates, not 'auto'"),
    (["lr-search", "--learning-rates", "-1"], "the learning rate must be > 0"),
    (["lr-search", "--cv", "1"], "needs at least 2 folds"),
    (["lr-search", "--solver", "bb"], "unrecognized arguments: --solver bb"),
    (["c-search", "--Cs"], "argument --Cs: expected at least one argument"),
    (["c-search", "--Cs", "nan"], "argument --Cs: must be > 0 or 'inf'"),  # inf: fixed, below
    (["c-search", "--Cs", "0"], "argument --Cs: must be > 0"),
    (["c-search", "--l1-ratios", "1.5"], "argument --l1-ratios: must be between 0 and 1"),
    (["c-search", "--l1-ratios", "0", "1", "--solver", "lbfgs"], "--solver lbfgs handles"),
    (["--plot", "loss.tex"], "matplotlib cannot write the format 'tex'"),
    (["--plot", "loss."], "matplotlib cannot write the format ''"),
])
def test_bad_options_are_usage_errors_that_name_the_option(argv, message, capsys):
    if "--plot" in argv:
        pytest.importorskip("matplotlib")
    status, out, err = _run(argv, capsys)
    assert status == 2
    assert "Traceback" not in err and out == ""  # refused before any fit or output
    assert message in err.strip().splitlines()[-1], err


@pytest.mark.parametrize("argv, message", [
    (["--dataset", "iris", "--random-state", "-1"], "cannot split the data for testing"),
    (["--dataset", "iris", "--test-size", "0.999"], "cannot split the data for testing"),
    (["--dataset", "iris", "--test-size", "0.001"], "cannot split the data for testing"),
    (["c-search", "--dataset", "iris", "--random-state", "-1", "--cv", "2"],
     "cannot split the data into 2 folds with --random-state -1"),
    (["c-search", "--dataset", "iris", "--cv", "1000"], "--cv 1000 needs at least 1000"),
    (["c-search", "--dataset", "iris", "--scoring", ""], "unknown --scoring ''"),
    # The reference's penalty 1/C overflows from about 5.6e-309 down (docs/cli.rst).
    (["--dataset", "iris", "--C", "5.5e-309"], "too small for LogisticRegression"),
])
def test_data_errors_exit_2_on_one_line(argv, message, capsys):
    status, _, err = _run(argv, capsys)
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdlogreg: error: "), err
    assert message in lines[0]


def test_c_at_the_overflow_edge_of_the_reference_is_accepted():
    # docs/cli.rst: refused "below about 5.6e-309"; 5.6e-309 itself has a finite 1/C
    assert math.isfinite(1 / 5.6e-309) and math.isinf(1 / 5.5e-309)
    assert build_parser().parse_args(["compare", "--C", "5.6e-309"]).C == 5.6e-309


def test_plot_extension_in_upper_case_is_written(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "LOSS.PNG"
    status, out, _ = _run(["--dataset", "iris", "--test-size", "0", "--max-iter", "10",
                           "--plot", str(path)], capsys)
    assert status == 0 and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"Plot saved to {path}" in out


@pytest.mark.slow
def test_a_user_error_through_the_module_is_one_line_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "gdlogreg", "c-search", "--csv", str(tmp_path / "missing.csv")],
        capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        f"gdlogreg: error: cannot read {str(tmp_path / 'missing.csv')!r}: No such file or"
        " directory"]


# ------------------------------------------------------------------------ displays
@pytest.fixture
def plt():
    mpl = pytest.importorskip("matplotlib")
    mpl.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def _draw_quietly(plt, make):
    """Draw the figure ``make`` returns (or the current one); the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = make()
        fig = getattr(result, "figure_", None) or (result if hasattr(result, "canvas")
                                                   else plt.gcf())
        fig.canvas.draw()
    plt.close("all")
    return [f"{w.category.__name__}: {w.message}" for w in caught
            if issubclass(w.category, (RuntimeWarning, UserWarning))]


@pytest.mark.parametrize("curves, kw, log_scale", [
    ([[0.5]], {}, False),
    ([[0.5]], {}, True),
    ([[0.5, 0.5, 0.5]], {}, True),
    ([[np.nan, np.nan]], {}, True),
    ([[np.inf, 1.0, np.inf]], {}, False),
    ([[]], {}, False),
    ([], {}, True),
    ([[0.5]], {"stop_reasons": ["diverged"]}, False),
    ([[0.5, np.inf]], {"stop_reasons": ["diverged"]}, True),
    ([[0.5, 0.5], [0.5, 1e300, np.inf]], {"stop_reasons": [None, "diverged"]}, True),
    ([[0.5, 0.5], [0.5, 1e300, np.inf]], {"stop_reasons": [None, "diverged"]}, False),
    ([[1.0, 0.5]], {"reference": np.inf}, True),
    ([[1.0, 0.5]], {"reference": np.nan}, True),
    ([[1.0, 0.5]], {"reference": 5.0}, True),
    ([[1.0, 0.5]], {"n_iters": [100]}, False),
    ([[1.0, 0.5, 0.0]], {"stop_reasons": ["separated"]}, True),
    ([[1.0, 1.0 + 1e-16, 1.0]], {}, True),
])
def test_loss_curve_display_of_degenerate_curves(plt, curves, kw, log_scale):
    from gdlogreg import LossCurveDisplay

    assert _draw_quietly(plt, lambda: LossCurveDisplay(curves, **kw).plot(
        log_scale=log_scale)) == []


def _cv(params, mean, std=None):
    mean = np.asarray(mean, dtype=float)
    return {"params": params, "mean_test_score": mean,
            "std_test_score": np.zeros_like(mean) if std is None else np.asarray(std, float)}


HEAT = [{"C": c, "l1_ratio": r} for c in (1.0, 2.0) for r in (0.0, 1.0)]


@pytest.mark.parametrize("cv_results, kw", [
    (_cv([{"C": 1.0}], [0.9]), {}),
    (_cv([{"C": 1.0}], [np.nan]), {}),
    (_cv([{"C": 1.0}, {"C": 2.0}], [np.nan, np.nan]), {}),
    (_cv([{"C": 1.0}, {"C": 2.0}], [0.5, 0.6], [np.nan, 0.1]), {}),
    (_cv([{"C": 1.0}, {"C": 2.0}], [np.inf, 0.6]), {}),
    (_cv([{"C": 1.0}, {"C": 2.0}], [-np.inf, 0.6]), {}),
    (_cv([{"C": c} for c in (1.0, 2.0, 3.0)], [0.5] * 3), {}),
    (_cv([{"C": 0.0}, {"C": 1.0}], [0.5, 0.6]), {}),
    (_cv([{"C": -1.0}, {"C": 1.0}], [0.5, 0.6]), {}),
    (_cv([{"C": 1.0}, {"C": np.inf}], [0.5, 0.6]), {}),
    (_cv([{"C": 5e-324}, {"C": 1e-323}], [0.5, 0.6]), {}),
    (_cv([{"C": c} for c in np.logspace(-250, 250, 200)], np.linspace(0, 1, 200)), {}),
    (_cv([{"learning_rate": "auto"}, {"learning_rate": 1.0}], [0.5, 0.6]), {}),
    (_cv([{"fit_intercept": True}, {"fit_intercept": False}], [0.5, 0.6]), {}),
    (_cv([{"class_weight": None}, {"class_weight": "balanced"}], [0.5, 0.6]), {}),
    (_cv([{"C": c, "l1_ratio": 0.5} for c in (0.1, 1.0, 10.0)], [0.5, 0.6, 0.7]),
     {"params": ["C", "l1_ratio"]}),
    (_cv([{"C": 1.0, "l1_ratio": r} for r in (0.0, 0.5, 1.0)], [0.5, 0.6, 0.7]),
     {"params": ["C", "l1_ratio"]}),
    (_cv([{"C": 1.0, "l1_ratio": 0.5}], [0.5]), {"params": ["C", "l1_ratio"]}),
    (_cv([{"C": 1.0, "l1_ratio": 0.5}], [np.nan]), {"params": ["C", "l1_ratio"]}),
    (_cv(HEAT, [np.nan] * 4), {}),
    (_cv(HEAT, [0.5] * 4), {}),
    (_cv(HEAT, [np.inf, 0.1, 0.2, 0.3]), {}),
    (_cv(HEAT, [-np.inf, 0.1, 0.2, 0.3]), {}),
    (_cv([{"C": c, "l1_ratio": r} for c in (1.0, np.inf) for r in (0.0, 1.0)], [0, .1, .2, .3]),
     {}),
    (_cv([{"C": c, "l1_ratio": r} for c in (1e-320, 1e-310) for r in (0.0, 1.0)],
         [0, .1, .2, .3]), {}),
    (_cv([{"C": c, "l1_ratio": r} for c in np.logspace(-300, 300, 13) for r in (0.0, 1.0)],
         np.linspace(0, 1, 26)), {}),
    (_cv([{"C": c, "l1_ratio": r} for c in np.logspace(-4, 4, 60)
          for r in np.linspace(0, 1, 40)], np.linspace(0, 1, 2400)), {"annotate": False}),
])
def test_search_display_of_degenerate_grids_and_scores(plt, cv_results, kw):
    from gdlogreg import SearchScoreDisplay

    assert _draw_quietly(plt, lambda: SearchScoreDisplay.from_cv_results(cv_results, **kw)) == []


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_displays_refuse_unfitted_and_wrong_estimators_by_name(plt, iris):
    from gdlogreg import DescentPathDisplay, LossCurveDisplay, SearchScoreDisplay

    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        lr = LogisticRegression(max_iter=1000).fit(X, y)
        search = GDCV(Cs=[0.1, 1.0], cv=2, max_iter=50).fit(X, y)
        gd = GD(max_iter=50).fit(X, y)
    for make in (lambda: LossCurveDisplay.from_estimator(GD()),
                 lambda: SearchScoreDisplay.from_estimator(GDCV()),
                 lambda: DescentPathDisplay.from_estimator(GD(keep_path=True), X[:, :1], y)):
        with pytest.raises(NotFittedError):
            make()
    with pytest.raises(TypeError, match="LossCurveDisplay draws loss_curve_, which"
                                        " LogisticRegression does not have"):
        LossCurveDisplay.from_estimator(lr)
    with pytest.raises(TypeError, match="which GradientDescentLogisticRegressionCV does not"
                                        " have.*its best_estimator_"):
        LossCurveDisplay.from_estimator(search)
    with pytest.raises(TypeError, match="SearchScoreDisplay draws cv_results_, which"
                                        " GradientDescentLogisticRegression does not have"):
        SearchScoreDisplay.from_estimator(gd)
    with pytest.raises(ValueError, match="2 loss curves but 1 labels"):
        LossCurveDisplay.from_estimator([gd, gd], labels=["one"])
    with pytest.raises(ValueError, match="a dict with 'params'"):
        SearchScoreDisplay.from_cv_results(None)
    # The display of a search without refit draws its scores (best_index_ is there).
    assert _draw_quietly(plt, lambda: SearchScoreDisplay.from_estimator(
        GDCV(Cs=[0.1, 1.0], cv=2, refit=False, max_iter=50).fit(X, y))) == []


def test_descent_path_refuses_what_it_cannot_draw_by_name(plt, iris):
    from gdlogreg import DescentPathDisplay

    X, y = iris
    x, yb = X[:100, :1], y[:100]
    clf = GD(keep_path=True).fit(x, yb)
    cases = [
        (lambda: DescentPathDisplay.from_estimator(GD(keep_path=True).fit(X[:, :1], y),
                                                    X[:, :1], y),
         "binary problem with one feature; this fit has 3 coefficient row"),
        (lambda: DescentPathDisplay.from_estimator(clf, X[:100], yb),
         r"X must have exactly one column, got shape \(100, 4\)"),
        (lambda: DescentPathDisplay.from_estimator(clf, x, yb + 5),
         "labels the estimator was not fitted on, such as 5"),
        (lambda: DescentPathDisplay.from_estimator(clf, x, yb[:50]),
         "X has 100 samples but y has 50"),
        (lambda: DescentPathDisplay.from_estimator(clf, x, yb, grid_resolution=10.0),
         "grid_resolution must be an integer of at least 2"),
        (lambda: DescentPathDisplay.from_estimator(GD().fit(x, yb), x, yb), "keep_path=True"),
    ]
    for make, message in cases:
        with pytest.raises(ValueError, match=message):
            make()
    # Degenerate but drawable: two rows, a constant feature, a zero feature without intercept.
    for fit_intercept, xs, ys in ((True, [[0.0], [1.0]], [0, 1]),
                                  (True, [[1.0]] * 3, [0, 1, 1]),
                                  (False, [[0.0]] * 3, [0, 1, 1])):
        est = GD(keep_path=True, fit_intercept=fit_intercept).fit(xs, ys)
        assert _draw_quietly(plt, lambda e=est, a=xs, b=ys: DescentPathDisplay.from_estimator(
            e, a, b, grid_resolution=2)) == []


def _lr_result(lr, mean, reasons, n_iter=10.0, std=0.0):
    return {"learning_rate": lr, "mean": mean, "std": std, "n_iter": n_iter, "reasons": reasons}


@pytest.mark.parametrize("results, step_bound", [
    ([_lr_result(1.0, 0.9, ["converged"])], None),
    ([_lr_result(1.0, 0.9, ["converged"])], 0.5),
    ([_lr_result(100.0, 0.3, ["diverged"], 1.0), _lr_result(300.0, 0.3, ["diverged"], 1.0)],
     0.5),
    ([_lr_result(1.0, np.nan, ["converged"]), _lr_result(2.0, 0.5, ["max_iter"], 100.0)], 0.5),
    ([_lr_result(1.0, 0.5, ["converged"])], 1e-300),
])
def test_lr_search_figure_of_degenerate_results(plt, results, step_bound):
    from gdlogreg._cli import lr_search_figure

    assert _draw_quietly(plt, lambda: lr_search_figure(
        results, scoring="accuracy", max_iter=100, step_bound=step_bound)) == []


@pytest.mark.parametrize("params, mean, best", [
    ([{"C": 1.0}], [0.5], 0),
    ([{"C": 1.0, "l1_ratio": 0.5}, {"C": 2.0, "l1_ratio": 0.5}], [0.5, 0.6], 1),
    ([{"C": 1.0, "l1_ratio": 0.0}, {"C": 1.0, "l1_ratio": 1.0}], [0.5, 0.6], 1),
])
def test_c_search_figure_of_one_row(plt, params, mean, best):
    from gdlogreg._cli import c_search_figure

    cv_results = {"params": params, "mean_test_score": np.array(mean),
                  "std_test_score": np.zeros(len(mean))}
    assert _draw_quietly(plt, lambda: c_search_figure(cv_results, best,
                                                      scoring="accuracy")) == []


@pytest.mark.slow
def test_cli_searches_at_extreme_grids_plot_without_a_warning(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    for argv in (["lr-search", "--learning-rates", "1e-300", "1e300"],
                 ["lr-search", "--learning-rates", "5e-324", "1.7e308"],
                 ["c-search", "--Cs", "5e-324"],
                 ["c-search", "--Cs", "1e-300", "1", "--l1-ratios", "0", "1"]):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            status, out, err = _run([*argv, "--dataset", "iris", "--cv", "2", "--max-iter", "20",
                                     "--plot", str(tmp_path / "s.png")], capsys)
        assert status == 0, err
        assert "Plot saved to" in out
        assert not [w for w in caught if not issubclass(w.category, ConvergenceWarning)]


# ---------------------------------------------------------------------------- docs
@pytest.fixture(scope="module")
def cancer():
    X_raw, y = load_breast_cancer(return_X_y=True)
    return X_raw, StandardScaler().fit_transform(X_raw), y


def _tutorial_bound(X, C=1.0, c=0.25):
    """docs/tutorial.rst's descent_bound: 2/λmax(c AᵀA/m + diag(1/(Cm) on the weights))."""
    m, n = X.shape
    A = np.column_stack([X, np.ones(m)])
    penalty = np.diag(np.r_[np.full(n, 0.0 if np.isinf(C) else 1 / (C * m)), 0.0])
    return 2 / np.linalg.eigvalsh(c * A.T @ A / m + penalty).max()


@pytest.mark.parametrize("C", [1.0, 0.01, np.inf])
def test_the_tutorials_step_bound_is_the_clis(cancer, iris, C):
    _, X, y = cancer
    assert descent_step_bound(X, y, C=C) == pytest.approx(_tutorial_bound(X, C), rel=1e-10)
    # more classes: the softmax's worst curvature, ½ (user guide, Böhning)
    Xi, yi = iris
    assert descent_step_bound(Xi, yi, C=C) == pytest.approx(_tutorial_bound(Xi, C, c=0.5),
                                                            rel=1e-10)


def test_the_tutorials_prose_numbers(cancer):
    X_raw, X, y = cancer
    m = X.shape[0]
    assert f"{1 / m:.4f}" == "0.0018"                        # "adds 1/(Cm) = 0.0018"
    bound = _tutorial_bound(X)
    assert f"{bound:.2f}" == "0.60" and round(10 / bound) == 17   # "α = 10 is 17 times 2/L"
    std = X_raw.std(axis=0)
    names = load_breast_cancer().feature_names
    assert f"{std.min():.4f}" == "0.0026" and names[std.argmin()] == "fractal dimension error"
    assert round(std.max()) == 569 and names[std.argmax()] == "worst area"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ten = GD(solver="gd", learning_rate=10.0, max_iter=10_000).fit(X, y)
        sixty = GD(solver="gd", learning_rate=60.0, max_iter=10_000).fit(X, y)
    # "Its first step ... raises J (from 0.69 to 0.97)"
    assert [f"{v:.2f}" for v in ten.loss_curve_[:2]] == ["0.69", "0.97"]
    assert ten.stop_reason_ == "converged"
    # "α = 60 overshoots so far that J grows tenfold": the divergence test, J > 10 (J0 + 1)
    assert sixty.stop_reason_ == "diverged"
    assert max(sixty.loss_curve_) > 10 * (sixty.loss_curve_[0] + 1)


def test_descent_path_example_prose(cancer):
    # docs/examples/plot_descent_path.py: 2/L = 7.9, α = 16 is twice it and converges
    # much sooner than α = 1
    X_raw, _, y = cancer
    x = StandardScaler().fit_transform(X_raw[:, [0]])
    assert f"{_tutorial_bound(x):.1f}" == "7.9" and round(16 / _tutorial_bound(x)) == 2
    slow = GD(solver="gd", learning_rate=1.0).fit(x, y)
    fast = GD(solver="gd", learning_rate=16.0).fit(x, y)
    assert slow.stop_reason_ == fast.stop_reason_ == "converged"
    assert fast.n_iter_[0] * 5 < slow.n_iter_[0]


def test_readme_search_prints_what_its_comment_says(cancer):
    _, X, y = cancer
    search = GDCV(Cs=[0.001, 0.01, 0.1, 1, 10, 100]).fit(X, y)
    assert search.best_params_ == {"C": 1}                   # {'C': 1} 0.9807 (rounded)
    assert round(search.best_score_, 4) == 0.9807


def _rst_blocks(path):
    text = path.read_text(encoding="utf-8")
    blocks = re.findall(r"\.\. code-block:: python\n\n((?:   .*\n|\n)+)", text)
    return [textwrap.dedent(b) for b in blocks]


@pytest.mark.slow
def test_the_dask_pages_local_examples_print_what_they_say():
    pytest.importorskip("dask.array")
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("pandas")
    blocks = [b for b in _rst_blocks(ROOT / "docs" / "dask.rst") if "LocalCluster" not in b]
    assert len(blocks) == 2
    namespace, out = {}, io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        for block in blocks:
            exec(compile(block, "<docs/dask.rst>", "exec"), namespace)
    lines = out.getvalue().splitlines()
    assert "True" in lines                                   # the in-memory fit's model
    accuracy = [float(v.split(":")[1]) for v in lines if v.startswith(("accuracy", "score"))]
    assert len(accuracy) == 3 and len(set(accuracy)) == 1    # "the same number"
    assert "['x0', 'x1', 'x2']" in lines


# =========================================================================== Fixed
# Each defect of the docstring's "Found", fixed; these tests failed before.

# 1. Log axes over Cs that span the float range: positive, finite limits at both ends.
EXTREME_CS = [[1e-300, 1e300], [5e-324, 1.7e308], [5e-324, sys.float_info.max],
              [1e-310, 1.79e308], [1e-300, 1.0, 1e300], [1.7e308], [5e-324]]


@pytest.mark.parametrize("Cs", EXTREME_CS)
@pytest.mark.parametrize("l1_ratios", [None, [0.0, 1.0]])
def test_search_display_over_cs_across_the_float_range(plt, Cs, l1_ratios):
    from gdlogreg import SearchScoreDisplay

    params = ([{"C": c} for c in Cs] if l1_ratios is None
              else [{"C": c, "l1_ratio": r} for c in Cs for r in l1_ratios])
    cv_results = _cv(params, np.linspace(0.5, 0.6, len(params)))
    shown = {}

    def draw():
        shown["display"] = SearchScoreDisplay.from_cv_results(cv_results)
        return shown["display"]

    assert _draw_quietly(plt, draw) == []
    ax = shown["display"].ax_
    if len(Cs) > 1 or l1_ratios is None:  # (one C of a heatmap: the l1_ratio axis alone)
        lo, hi = ax.get_xlim()
        assert 0 < lo <= min(Cs) and max(Cs) <= hi < math.inf


@pytest.mark.parametrize("Cs", EXTREME_CS)
def test_log_limits_are_positive_and_finite(Cs):
    from gdlogreg._plot import _log_limits

    limits = _log_limits(Cs)
    if limits is not None:  # (None: matplotlib's autoscale, which does not overflow there)
        lo, hi = limits
        assert 0 < lo <= min(Cs) and max(Cs) <= hi < math.inf


def test_c_search_over_the_float_range_plots(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    path = tmp_path / "c.png"
    status, out, err = _run(["c-search", "--dataset", "iris", "--cv", "2", "--max-iter", "20",
                             "--Cs", "1e-300", "1e300", "--plot", str(path)], capsys)
    assert status == 0 and "Traceback" not in err, err
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# 2. A reader that closes the pipe early: a quiet exit, status 141 (docs/cli.rst).
@pytest.mark.slow
@pytest.mark.parametrize("command", [["c-search", "--cv", "2"], ["lr-search", "--cv", "2"],
                                     ["compare"]])
def test_a_closed_pipe_ends_quietly_with_141(command):
    proc = subprocess.Popen(
        [sys.executable, "-m", "gdlogreg", *command, "--dataset", "iris", "--max-iter", "30"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, cwd=ROOT)
    proc.stdout.close()  # before anything is written: every write meets a closed pipe
    err = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_a_closed_pipe_inside_python_returns_141(monkeypatch, capsys):
    class Closed(io.StringIO):
        def write(self, text):
            raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(sys, "stdout", Closed())
    assert main(["--dataset", "iris", "--max-iter", "5", "--test-size", "0"]) == 141


# 3. The searches' and the plots' warnings: one "warning: ..." line each, nothing leaked.
def _warning_run(argv, capsys):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        status, out, err = _run(argv, capsys)
    assert status == 0, err
    assert [str(w.message) for w in caught] == []  # nothing reached Python's warnings
    lines = err.splitlines()
    assert all(line.startswith(("warning: ", "    ")) for line in lines), err
    return out, [line for line in lines if line.startswith("warning: ")]


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["c-search", "--dataset", "wine", "--Cs", "1e-4", "1", "--cv", "3", "--max-iter", "50"],
    ["lr-search", "--dataset", "wine", "--C", "1e-4", "--learning-rates", "1e-3", "--cv", "3"],
])
def test_scorer_warnings_of_the_searches_are_lines(argv, capsys):
    # C = 1e-4 predicts one class: precision is ill-defined for the others, in every fold
    _, notes = _warning_run([*argv, "--scoring", "precision_macro"], capsys)
    assert len(notes) == 1  # the same warning of the three folds, once


def test_lr_search_plot_of_fits_that_never_step(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    out, notes = _warning_run(["lr-search", "--dataset", "iris", "--cv", "2", "--C", "1e-300",
                               "--learning-rates", "1", "10", "--plot",
                               str(tmp_path / "lr.png")], capsys)
    assert "Plot saved to" in out and notes == []


def test_lr_search_figure_of_zero_iterations_has_a_linear_axis(plt):
    from gdlogreg._cli import lr_search_figure

    results = [_lr_result(1.0, 0.3, ["converged"], 0.0), _lr_result(10.0, 0.3, ["converged"], 0.0)]
    figs = []
    assert _draw_quietly(plt, lambda: figs.append(lr_search_figure(
        results, scoring="accuracy", max_iter=10)) or figs[0]) == []
    assert figs[0].axes[1].get_yscale() == "linear"
    positive = lr_search_figure([_lr_result(1.0, 0.3, ["converged"], 5.0)], scoring="accuracy",
                                max_iter=10)
    assert positive.axes[1].get_yscale() == "log"


@pytest.mark.slow
def test_matplotlibs_logged_warnings_are_lines(tmp_path):
    # matplotlib logs (not warns) that PostScript has no transparency: logging printed it bare
    pytest.importorskip("matplotlib")
    proc = subprocess.run(
        [sys.executable, "-m", "gdlogreg", "--dataset", "iris", "--test-size", "0",
         "--plot", str(tmp_path / "loss.eps")],
        capture_output=True, text=True, env=ENV, cwd=ROOT, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert all(line.startswith(("warning: ", "    ")) for line in proc.stderr.splitlines()), (
        proc.stderr)


# 4. CSV errors name the physical line (blank lines, quoted line breaks).
@pytest.mark.parametrize("content, where", [
    ("a,b,y\n1,2,0\n\n3,4,1\n\n5,x,0\n7,8,1\n", "line 6: column 'b' holds 'x'"),
    ('a,b,y\n1,"2\n",0\n3,4,1\n5,x,0\n', "line 5: column 'b' holds 'x'"),
    ('a,b,y\n1,"x\n",0\n3,4,1\n5,6,1\n', "lines 2-3: column 'b' holds"),
    ("\n\na,b,y\n1,2,0\n\n3,4\n5,6,1\n", "line 6: 2 fields, the header has 3"),
    ('a,b,y\n1,"2\n\n",0\n3,4,\n5,6,1\n', "line 5: no label in column 'y'"),
    ("a,b,y\n1,2,0\n\n3,4,1\n5,6,NA\n7,8,1\n", "line 5: no label in column 'y' ('NA'"),
])
def test_csv_errors_name_the_physical_line(tmp_path, content, where):
    from gdlogreg._cli import CLIError

    with pytest.raises(CLIError, match=re.escape(where)):
        load_data(csv_path=_write(tmp_path, content))


# 5. A reference that stopped above gdlogreg's J is said so, and not called the reference.
def test_a_reference_above_gdlogregs_j_is_no_reference(capsys):
    status, out, _ = _run(["--dataset", "iris", "--C", "1e-20"], capsys)
    text = " ".join(out.split())
    assert status == 0
    assert "(reference)" not in text and "fitted tightly as the reference" not in text
    assert "(J above gdlogreg's)" in text and "Note: LogisticRegression stopped at a J" in text


def test_any_reference_above_gdlogregs_j_is_no_reference(monkeypatch, capsys):
    import gdlogreg._cli as cli

    real = cli._reference_model

    def loose(args):  # any C: a reference stopped after one iteration
        ref, *rest = real(args)
        return (ref.set_params(max_iter=1), *rest)

    monkeypatch.setattr(cli, "_reference_model", loose)
    status, out, err = _run(["--dataset", "wine", "--test-size", "0"], capsys)
    assert status == 0 and "Note: LogisticRegression stopped at a J" in " ".join(out.split())
    assert all(line.startswith(("warning: ", "    ")) for line in err.splitlines())


def test_the_reference_gap_needs_more_than_the_tolerance():
    from gdlogreg._cli import _reference_gap

    assert _reference_gap(0.5 + 1e-10, 0.5, 1e-8) is None         # rounding
    assert _reference_gap(0.5, 0.5 + 1e-3, 1e-8) is None          # below gdlogreg's
    assert _reference_gap(1.0986, 1.0985, 1e-8) == pytest.approx(1e-4)
    assert _reference_gap(1e-3 + 2e-8, 1e-3, 1e-8) == pytest.approx(2e-8)  # absolute below 1


def test_compare_keeps_the_reference_where_it_is_one(capsys):
    status, out, _ = _run(["--dataset", "iris", "--test-size", "0"], capsys)
    assert status == 0 and "(reference)" in out and "Note:" not in out


# 6. --drop takes a column's whole name, commas and all; the lists quote each name.
EU = "id;Gewicht, kg;Größe;y\n1;1;5;0\n2;3;4;1\n3;5;3;0\n4;7;1;1\n"


@pytest.mark.parametrize("drop, features", [
    (["Gewicht, kg"], 2), (["id", "Gewicht, kg"], 1), (["id,Größe"], 1),
    (["Gewicht, kg", "Gewicht, kg"], 2),
])
def test_drop_a_column_whose_name_holds_a_comma(tmp_path, capsys, drop, features):
    path = _write(tmp_path, EU)
    argv = [a for d in drop for a in ("--drop", d)]
    status, out, err = _run(["--csv", path, "--sep", ";", "--test-size", "0", "--max-iter",
                             "20", *argv], capsys)
    assert status == 0, err
    assert _plural_features(features) in " ".join(out.split())
    X, _, _ = load_data(csv_path=path, sep=";", drop=drop)
    assert X.shape == (4, features)


def _plural_features(n):
    return f"{n} feature{'s' if n != 1 else ''},"


@pytest.mark.parametrize("drop, message", [
    ("id,Gewicht, kg", "no column 'Gewicht' to drop; the columns are: 'id', 'Gewicht, kg',"
                       " 'Größe', 'y' (a name with a comma goes in a --drop of its own)."),
    ("id,,y", "--drop 'id,,y': an empty column name"),
])
def test_drop_errors_quote_the_column_names(tmp_path, capsys, drop, message):
    path = _write(tmp_path, EU)
    status, _, err = _run(["--csv", path, "--sep", ";", "--drop", drop], capsys)
    assert status == 2 and message in err.strip().splitlines()[-1], err


def test_unknown_target_lists_quoted_names(tmp_path, capsys):
    status, _, err = _run(["--csv", _write(tmp_path, EU), "--sep", ";", "--target", "kg"],
                          capsys)
    assert status == 2 and "the columns are: 'id', 'Gewicht, kg', 'Größe', 'y'." in err


# 7. main() leaves the caller's matplotlib backend and pyplot's figures alone.
@pytest.mark.slow
def test_main_leaves_the_callers_backend_alone(tmp_path, capsys):
    mpl = pytest.importorskip("matplotlib")
    import matplotlib.pyplot as pyplot

    before = mpl.get_backend()
    mpl.use("svg")
    try:
        open_figures = pyplot.get_fignums()
        for argv in (["compare", "--test-size", "0"],
                     ["lr-search", "--cv", "2", "--learning-rates", "0.1", "1"],
                     ["c-search", "--cv", "2", "--Cs", "0.1", "1"]):
            status, out, err = _run([*argv, "--dataset", "iris", "--max-iter", "20", "--plot",
                                     str(tmp_path / "p.png")], capsys)
            assert status == 0 and "Plot saved to" in out, err
            assert mpl.get_backend().lower() == "svg"
            assert pyplot.get_fignums() == open_figures
    finally:
        mpl.use(before)


# 8. The displays refuse a wrong estimator and a grid of no parameter by name.
def test_descent_path_names_a_wrong_estimator(plt, iris):
    from gdlogreg import DescentPathDisplay

    X, y = iris
    x, yb = X[:100, :1], y[:100]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        wrong = [LogisticRegression().fit(x, yb), GDCV(Cs=[1.0], cv=2, max_iter=50).fit(x, yb)]
    for est in wrong:
        with pytest.raises(TypeError, match=f"DescentPathDisplay draws coef_path_, which"
                                            f" {type(est).__name__} does not have"):
            DescentPathDisplay.from_estimator(est, x, yb)
    with pytest.raises(NotFittedError):
        DescentPathDisplay.from_estimator(LogisticRegression(), x, yb)


def test_search_display_of_a_grid_of_no_parameter(plt, iris):
    from sklearn.model_selection import GridSearchCV

    from gdlogreg import SearchScoreDisplay

    X, y = iris
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GridSearchCV(GD(max_iter=20), {}, cv=2).fit(X, y)
    for make in (lambda: SearchScoreDisplay.from_estimator(search),
                 lambda: SearchScoreDisplay.from_cv_results(search.cv_results_, params="C")):
        with pytest.raises(ValueError, match="no searched parameter"):
            make()


# 9. docs/search.rst quotes what its code gives (bounds its doctests check, not counts).
@pytest.mark.slow
def test_the_search_page_prose_is_what_its_code_gives():
    import doctest
    import inspect

    from sklearn.linear_model import LogisticRegressionCV

    # the page compares with LogisticRegressionCV(use_legacy_attributes=False), which
    # scikit-learn 1.7 (the oldest supported) does not take
    if "use_legacy_attributes" not in inspect.signature(LogisticRegressionCV).parameters:
        pytest.skip("docs/search.rst's LogisticRegressionCV needs a newer scikit-learn")

    page = ROOT / "docs" / "search.rst"
    text = page.read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(text, {"__name__": "__doctest__"}, page.name,
                                               str(page), 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    report = io.StringIO()
    with warnings.catch_warnings():
        runner.run(test, out=report.write, clear_globs=False)
    assert runner.failures == 0, report.getvalue()
    search, warm = test.globs["search"], test.globs["warm"]
    slowest = search.n_iter_[0].max(axis=0)
    prose = " ".join(text.split())
    assert "from a handful (fewer than 10) to several dozen (more than 50, fewer than 300;" in prose
    assert slowest[0] < 10 and 50 < slowest[-1] < 300
    assert "# under 4/5 of the iterations" in prose
    assert warm.n_iter_.sum() < 0.8 * search.n_iter_.sum()
    assert not re.search(r"#\s*\d+ against \d+", prose)  # no counts quoted in a comment
    assert "about a hundred" not in prose


# 10. A mistyped command is named; without a command, compare still runs.
@pytest.mark.parametrize("word, hint", [("lr_search", "lr-search"), ("compar", "compare"),
                                        ("C-Search", "c-search"), ("fit", None)])
def test_a_mistyped_command_is_named(word, hint, capsys):
    status, out, err = _run([word, "--dataset", "iris"], capsys)
    assert status == 2 and out == ""
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"gdlogreg: error: unknown command {word!r} (choose from compare,"
                           " lr-search, c-search)"), err
    assert (f"did you mean {hint!r}?" in last) if hint else "did you mean" not in last


def test_without_a_command_compare_runs(capsys):
    status, out, _ = _run(["--dataset", "wine", "--max-iter", "50", "--test-size", "0"], capsys)
    assert status == 0 and "Data: wine" in out


# Smaller: a trailing separator on every line; c-search --Cs inf.
def test_a_separator_ending_every_line_adds_no_column(tmp_path):
    from gdlogreg._cli import CLIError

    content = "a,b,y,\n" + "".join(f"{a},{b},{t},\n" for a, b, t in ROWS)
    X, y, _ = load_data(csv_path=_write(tmp_path, content))
    np.testing.assert_array_equal(X, [[a, b] for a, b, _ in ROWS])
    assert y.tolist() == [t for _, _, t in ROWS]
    # a last column with a value is still a column
    with pytest.raises(CLIError, match="column '' holds '', not a number"):
        load_data(csv_path=_write(tmp_path, "a,b,y,\n1,2,0,\n3,4,1,x\n5,6,0,\n"),
                  target="y")


def test_c_search_over_an_infinite_c(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    status, out, err = _run(["c-search", "--dataset", "iris", "--cv", "2", "--max-iter", "50",
                             "--Cs", "1", "inf", "--plot", str(tmp_path / "c.png")], capsys)
    assert status == 0, err
    assert re.search(r"^inf\s+0\.\d{4}", out, re.M) and "Plot saved to" in out


def test_search_display_draws_an_infinite_c_as_a_category(plt):
    from gdlogreg import SearchScoreDisplay

    display = SearchScoreDisplay.from_cv_results(_cv([{"C": 1.0}, {"C": np.inf}], [0.5, 0.6]))
    assert display.ax_.get_xscale() == "linear"
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["1", "inf"]
    np.testing.assert_array_equal(display.line_.get_ydata(), [0.5, 0.6])  # both drawn
