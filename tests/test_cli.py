"""The command line: ``gdlogreg compare``, ``lr-search`` and ``c-search`` on bundled data."""

import math
import os
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from sklearn.datasets import load_iris, load_wine

import gdlogreg
from gdlogreg._cli import build_parser, load_data, main

# The machines running the tests are small and shared: one BLAS thread each.
# The subprocesses import the gdlogreg under test (this checkout), not whichever
# copy is installed in the environment, whatever their working directory.
SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(gdlogreg.__file__)))
ENV = {
    **os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg",
    "PYTHONPATH": os.pathsep.join(
        p for p in (SOURCE_ROOT, os.environ.get("PYTHONPATH")) if p
    ),
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run_cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "gdlogreg", *args], capture_output=True, text=True,
        env=ENV, cwd=cwd, timeout=120,
    )


def table_rows(out):
    """The rows of the printed table (after the ---- rule), split on 2+ spaces."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("---"))
    rows = []
    for line in lines[start + 1:]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))
    return lines[start - 1], rows


def check_png(path, min_width=500, min_height=300):
    with open(path, "rb") as f:
        assert f.read(8) == PNG_SIGNATURE
    image = pytest.importorskip("matplotlib.image").imread(path)
    height, width = image.shape[:2]
    assert width >= min_width and height >= min_height
    # Not a blank canvas: many distinct colours were drawn.
    assert len(np.unique(image.reshape(-1, image.shape[2]), axis=0)) > 50


@pytest.fixture(autouse=True)
def _one_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


@pytest.mark.slow
def test_default_run_compares_on_breast_cancer_and_saves_the_plot(tmp_path):
    pytest.importorskip("matplotlib")
    # The README's command: `python -m gdlogreg`, here with --plot.
    proc = run_cli("--plot", "loss.png", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.startswith("Data: breast cancer: 569 samples, 30 features, 2 classes")
    header, rows = table_rows(out)
    for column in ("test accuracy", "test log-loss", "objective J (train)", "max |Δcoef|",
                   "n_iter", "fit time"):
        assert column in header
    assert [r[0] for r in rows] == ["gdlogreg (bb)", "LogisticRegression"]
    ours, ref = rows
    assert float(ours[1]) > 0.9 and float(ref[1]) > 0.9
    assert abs(float(ours[2]) - float(ref[2])) < 1e-3  # log-loss
    assert abs(float(ours[3]) - float(ref[3])) < 1e-6  # same objective value
    assert float(ours[4]) < 1e-2 and ref[4] == "(reference)"
    assert 0 < int(ours[5]) < 1000
    assert re.fullmatch(r"[\d.]+ (ms|s)", ours[6])
    assert "converged after" in out
    assert max(len(line) for line in out.splitlines()) <= 110
    check_png(tmp_path / "loss.png", min_width=800)


@pytest.mark.slow
def test_lr_search_reports_each_rate_and_the_diverging_one(tmp_path):
    pytest.importorskip("matplotlib")
    proc = run_cli(
        "lr-search", "--dataset", "iris", "--learning-rates", "0.1", "1", "1000",
        "--cv", "3", "--max-iter", "200", "--plot", str(tmp_path / "lr.png"),
    )
    assert proc.returncode == 0, proc.stderr
    header, rows = table_rows(proc.stdout)
    assert header.split()[:2] == ["learning", "rate"]
    assert "mean CV accuracy" in header and "outcome" in header
    assert [r[0] for r in rows] == ["0.1", "1", "1000"]
    by_rate = {r[0]: r for r in rows}
    assert by_rate["1000"][-1] == "diverged 3/3"
    assert "diverged" not in by_rate["1"][-1]
    assert float(by_rate["1"][1]) > 0.85
    assert float(by_rate["1000"][1]) < float(by_rate["1"][1])
    assert all(0 <= int(r[3]) <= 200 for r in rows)
    best = re.search(r"Best: learning_rate=(\S+) ", proc.stdout)
    assert best and best.group(1) != "1000"
    check_png(tmp_path / "lr.png")
    assert "ConvergenceWarning" not in proc.stderr  # summarised in the table instead


def test_csv_input_with_string_labels(tmp_path, capsys):
    X, y = load_wine(return_X_y=True)
    names = np.array(["barolo", "grignolino", "barbera"])[y]
    path = tmp_path / "wine.csv"
    with open(path, "w") as f:
        f.write("label," + ",".join(f"f{i}" for i in range(X.shape[1])) + "\n")
        for label, row in zip(names, X, strict=True):
            f.write(label + "," + ",".join(str(float(v)) for v in row) + "\n")
    assert main(["compare", "--csv", str(path), "--target", "label", "--test-size", "0"]) == 0
    out = capsys.readouterr().out
    prose = " ".join(out.split())  # the prose lines are wrapped
    assert f"Data: {path} (target 'label'): 178 samples, 13 features, 3 classes" in prose
    header, rows = table_rows(out)
    assert "train accuracy" in header
    assert float(rows[0][1]) > 0.95


def test_compare_options_reach_the_estimator(capsys):
    status = main([
        "--dataset", "iris", "--no-standardize", "--solver", "gd", "--learning-rate", "0.05",
        "--max-iter", "25", "--tol", "1e-3", "--C", "10",
    ])
    assert status == 0
    captured = capsys.readouterr()
    assert "(not standardized)" in captured.out
    assert (
        "gdlogreg: GradientDescentLogisticRegression(solver='gd', learning_rate=0.05, C=10,"
        " l1_ratio=0, tol=0.001, max_iter=25): max_iter after 25 iterations"
    ) in " ".join(captured.out.split())  # the prose lines are wrapped
    _, rows = table_rows(captured.out)
    assert rows[0][5] == "25"
    assert "warning: GradientDescentLogisticRegression did not converge" in captured.err


def test_objective_column_is_the_cost_of_the_fit(capsys):
    # The printed J of our model equals its last recorded loss_curve_ value.
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    from gdlogreg import GradientDescentLogisticRegression

    assert main(["--dataset", "iris", "--l1-ratio", "0.3", "--C", "5"]) == 0
    _, rows = table_rows(capsys.readouterr().out)
    X, y = load_iris(return_X_y=True)
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    X_train = StandardScaler().fit_transform(X_train)
    clf = GradientDescentLogisticRegression(C=5, l1_ratio=0.3).fit(X_train, y_train)
    assert float(rows[0][3]) == pytest.approx(clf.loss_curve_[-1], abs=1e-9)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--csv", "does-not-exist.csv"], "cannot read 'does-not-exist.csv'"),
        (["--target", "y"], "--target needs --csv"),
        (["--dataset", "mnist"], "unknown dataset 'mnist'"),
        (["--learning-rate", "0"], "the learning rate must be > 0"),
        (["--learning-rate", "fast"], "neither 'auto' nor a number"),
        (["--solver", "sgd"], "invalid choice: 'sgd'"),
        (["--l1-ratio", "2"], "--l1-ratio must be between 0 and 1"),
        (["lr-search", "--learning-rates", "auto"], "constant learning rates"),
        (["lr-search", "--cv", "1"], "at least 2 folds"),
        (["lr-search", "--scoring", "nonsense"], "unknown --scoring 'nonsense'"),
    ],
)
def test_bad_input_exits_2_with_a_message(argv, message, capsys):
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse errors
        status = exc.code
    assert status == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, message",
    [
        ("a,b,y\n1,2,0\n3,x,1\n4,5,0\n", "line 3: column 'b' holds 'x', not a number"),
        ("a,b,y\n1,2,0\n3,,1\n4,5,0\n", "line 3: column 'b' holds ''"),
        ("a,b,y\n1,2,0\n3,4\n", "line 3: 2 fields, the header has 3"),
        ("a,y\n1,0\n", "at least two data rows"),
        ("a,b,y\n1,2,0\n3,4,0\n", "single class"),
    ],
)
def test_bad_csv_is_explained(tmp_path, capsys, content, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    assert main(["--csv", str(path), "--test-size", "0"]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize(
    "content, argv, message",
    [
        ("a,y,y\n1,0,1\n2,1,0\n3,0,1\n", ["--target", "y"],
         "target column 'y' twice (columns 2 and 3); rename all but one"),
        # a header-less file: its first row of data names 30 columns '0'; the error says
        # the first row looks like data, its first numbers shown (not a list of 61)
        (",".join(["0", "1"] * 30 + ["0"]) + "\n" + ",".join(["1"] * 61) + "\n"
         + ",".join(["2"] * 61) + "\n", [],
         "the first row holds numbers alone (0, 1, 0, 1, ...), not column names: is it"
         " data? the file needs a header row"),
    ],
)
def test_csv_target_named_twice(tmp_path, capsys, content, argv, message):
    path = tmp_path / "data.csv"
    path.write_text(content)
    assert main(["--csv", str(path), *argv]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_unknown_csv_target_lists_the_columns(tmp_path, capsys):
    path = tmp_path / "data.csv"
    path.write_text("a,b,y\n1,2,0\n3,4,1\n")
    assert main(["--csv", str(path), "--target", "label"]) == 2
    err = capsys.readouterr().err
    assert "no column 'label'" in err and "the columns are: 'a', 'b', 'y'" in err


@pytest.mark.slow
def test_plot_errors_are_explained(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    target = tmp_path / "no-such-dir" / "loss.png"
    assert main(["--dataset", "iris", "--plot", str(target)]) == 2
    assert f"cannot write the plot to {str(target)!r}" in capsys.readouterr().err
    # Without matplotlib, --plot is refused before anything is fitted.
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from gdlogreg._cli import main\n"
        "sys.exit(main(['--dataset', 'iris', '--plot', 'x.png']))\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=ENV, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert "--plot needs matplotlib" in proc.stderr
    assert not (tmp_path / "x.png").exists()


def test_help_lists_the_commands(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: gdlogreg")
    assert "compare" in out and "lr-search" in out and "c-search" in out
    assert "examples:" in out
    for command, options in (
        ("compare", ["--dataset", "--csv", "--target", "--drop", "--sep", "--no-standardize",
                     "--C", "--solver", "--learning-rate", "--max-iter", "--tol", "--plot"]),
        ("lr-search", ["--learning-rates", "--cv", "--scoring", "--drop", "--sep", "2/L",
                       "--plot"]),
        ("c-search", ["--Cs", "--l1-ratios", "--cv", "--scoring", "--solver",
                      "--learning-rate", "--no-standardize", "--max-iter", "--tol", "--plot"]),
    ):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        for option in options:
            assert option in out, (command, option)


@pytest.mark.slow
def test_console_script_is_installed():
    exe = shutil.which("gdlogreg", path=os.path.dirname(sys.executable)) or shutil.which(
        "gdlogreg"
    )
    if exe is None:
        pytest.skip("the gdlogreg console script is not installed in this environment")
    proc = subprocess.run([exe, "--version"], capture_output=True, text=True, env=ENV,
                          timeout=60)
    assert proc.returncode == 0
    from gdlogreg import __version__

    assert proc.stdout.strip() == f"gdlogreg {__version__}"


# ------------------------------------------------------------ issues #13, #14
@pytest.mark.parametrize("text", ["inf", "Inf", "infinity", "np.inf"])
def test_C_inf_means_no_penalty(text):
    parser = build_parser()
    assert parser.parse_args(["compare", "--C", text]).C == math.inf
    assert parser.parse_args(["lr-search", "--C", text]).C == math.inf


@pytest.mark.parametrize("text", ["-inf", "nan", "0", "-1"])
def test_C_must_be_positive_or_inf(text, capsys):
    with pytest.raises(SystemExit) as exc:
        build_parser().parse_args(["compare", "--C", text])
    assert exc.value.code == 2
    assert "argument --C" in capsys.readouterr().err


def test_compare_with_C_inf_runs(capsys):
    status = main(["--dataset", "iris", "--C", "inf", "--test-size", "0", "--max-iter", "50"])
    assert status == 0
    out = capsys.readouterr().out
    assert "C=inf" in " ".join(out.split())  # the prose lines are wrapped
    _, rows = table_rows(out)
    assert [r[0] for r in rows] == ["gdlogreg (bb)", "LogisticRegression"]


@pytest.mark.slow
@pytest.mark.parametrize(
    "scoring, suggestion", [("f1", "f1_macro"), ("precision", "precision_macro"),
                            ("roc_auc", "roc_auc_ovr")],
)
def test_a_scorer_that_does_not_fit_the_data_is_one_line(scoring, suggestion):
    proc = run_cli("lr-search", "--dataset", "iris", "--scoring", scoring, "--cv", "3",
                   "--learning-rates", "1", "--max-iter", "20")
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("gdlogreg: error: --scoring")
    assert suggestion in lines[0] and "3 classes" in lines[0]


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


# Iris with an id column and two of its features: id,a,b,y.
IRIS_CSV_ROWS = [
    f"{i},{x[0]},{x[1]},{t}"
    for i, (x, t) in enumerate(zip(*load_iris(return_X_y=True), strict=True))
]


def test_csv_drop_leaves_columns_out(tmp_path, capsys):
    # An id column was used as a feature: --drop leaves it (and others) out.
    path = _csv(tmp_path, "id,a,b,y\n" + "\n".join(IRIS_CSV_ROWS) + "\n")
    assert main(["--csv", path, "--test-size", "0"]) == 0
    assert "3 features" in " ".join(capsys.readouterr().out.split())  # (lines wrap)
    assert main(["--csv", path, "--test-size", "0", "--drop", "id"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "(target 'y', dropped 'id'): 150 samples, 2 features, 3 classes" in out
    for argv in (["--drop", "id,a"], ["--drop", "id", "--drop", "a"], ["--drop", " id , a "]):
        assert main(["--csv", path, "--test-size", "0", *argv]) == 0
        assert "1 feature" in " ".join(capsys.readouterr().out.split())
    X, _, name = load_data(csv_path=path, drop=["id"])
    assert X.shape == (150, 2) and "dropped 'id'" in name


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--drop", "zz"], "no column 'zz' to drop; the columns are: 'id', 'a', 'b', 'y'"),
        (["--drop", "y"], "cannot drop the target column 'y'"),
        (["--drop", "id,a,b"], "no feature column left"),
        (["--sep", ";;"], "argument --sep: must be one character"),
    ],
)
def test_csv_drop_and_sep_errors(tmp_path, capsys, argv, message):
    path = _csv(tmp_path, "id,a,b,y\n1,2,3,0\n2,3,4,1\n3,4,5,0\n")
    try:
        status = main(["--csv", path, "--test-size", "0", *argv])
    except SystemExit as exc:
        status = exc.code
    assert status == 2
    err = capsys.readouterr().err
    assert message in err.strip().splitlines()[-1], err  # after argparse's usage lines


@pytest.mark.parametrize("option", [["--drop", "id"], ["--sep", ";"]])
def test_csv_options_need_csv(option, capsys):
    with pytest.raises(SystemExit) as exc:
        main(option)
    assert exc.value.code == 2
    assert f"{option[0]} needs --csv" in capsys.readouterr().err


@pytest.mark.parametrize("sep, arg", [(";", ";"), ("\t", "tab"), ("\t", "\\t"), ("|", "|")])
def test_csv_separator(tmp_path, capsys, sep, arg):
    rows = [r.replace(",", sep) for r in IRIS_CSV_ROWS]
    path = _csv(tmp_path, sep.join(["id", "a", "b", "y"]) + "\n" + "\n".join(rows) + "\n")
    assert main(["--csv", path, "--sep", arg, "--drop", "id", "--test-size", "0"]) == 0
    assert "150 samples, 2 features, 3 classes" in " ".join(capsys.readouterr().out.split())


def test_csv_with_another_separator_suggests_sep(tmp_path, capsys):
    path = _csv(tmp_path, "a;b;y\n1;2;0\n3;4;1\n5;6;0\n")
    assert main(["--csv", path, "--test-size", "0"]) == 2
    err = capsys.readouterr().err
    assert "--sep ';'" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "content, messages",
    [
        # The labels are in the first column: it is read as a feature.
        ("label,a,b\nx,1,2\ny,3,4\nx,5,6\n",
         ["column 'label' holds 'x', not a number", "--target label", "--drop label"]),
        # A label is missing.
        ("a,b,y\n1,2,\n3,4,1\n5,6,0\n", ["line 2: no label in column 'y'", "--target"]),
        # The last column is a measurement, not a label.
        ("a,b,c\n1,2,0.25\n3,4,1.5\n5,6,2.75\n",
         ["column 'c' holds 0.25", "not a class label", "--target"]),
    ],
)
def test_csv_label_problems_hint_at_target(tmp_path, capsys, content, messages):
    path = _csv(tmp_path, content)
    assert main(["--csv", path, "--test-size", "0"]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err
    for message in messages:
        assert message in err, (message, err)


def test_csv_integer_labels_written_as_floats(tmp_path):
    path = _csv(tmp_path, "a,y\n1,0.0\n2,1.0\n3,1\n4,0\n")
    _, y, _ = load_data(csv_path=path)
    assert y.tolist() == [0, 1, 1, 0] and y.dtype.kind == "i"


def test_csv_byte_order_mark_is_not_part_of_the_first_name(tmp_path, capsys):
    path = str(tmp_path / "data.csv")
    with open(path, "w", encoding="utf-8-sig") as f:  # as Excel writes it
        f.write("id,a,b,y\n" + "\n".join(IRIS_CSV_ROWS) + "\n")
    assert main(["--csv", path, "--drop", "id", "--test-size", "0"]) == 0


@pytest.mark.slow
def test_csv_that_is_not_text_is_one_line(tmp_path):
    path = _csv(tmp_path, b"\xff\xfe\x00\x01junk\n\x80\x81,\x82\n1,2\n", name="data.bin")
    proc = run_cli("--csv", path)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "not UTF-8 text" in lines[0], proc.stderr


def test_one_iteration_is_singular(tmp_path, capsys):
    assert main(["--dataset", "iris", "--solver", "gd", "--learning-rate", "0.1",
                 "--max-iter", "1", "--test-size", "0"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "max_iter after 1 iteration" in out and "1 iterations" not in out
    assert main(["lr-search", "--dataset", "iris", "--learning-rates", "0.1", "--cv", "2",
                 "--max-iter", "1"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1 iteration on average" in out and "1 iterations" not in out
    path = _csv(tmp_path, "id,a,y\n" + "\n".join(r.rsplit(",", 2)[0] + "," + r[-1]
                                             for r in IRIS_CSV_ROWS) + "\n")
    assert main(["--csv", path, "--drop", "id", "--test-size", "0"]) == 0
    assert "150 samples, 1 feature, 3 classes" in " ".join(capsys.readouterr().out.split())


def test_the_compare_figure_says_1_iteration():
    pytest.importorskip("matplotlib")
    from gdlogreg import GradientDescentLogisticRegression
    from gdlogreg._cli import compare_figure

    X, y = load_iris(return_X_y=True)
    clf = GradientDescentLogisticRegression(solver="gd", learning_rate=0.1, max_iter=1)
    with pytest.warns(Warning):
        clf.fit(X, y)
    fig = compare_figure(clf, 0.5)
    assert fig._suptitle.get_text() == "Gradient descent: max_iter after 1 iteration"
    fig.clf()


@pytest.mark.parametrize("dataset", ["breast_cancer", "iris"])
def test_2_over_L_guarantees_descent(dataset):
    # Every constant step below 2/L decreases J at every iteration: the bound
    # of the worst-case curvature (σ′ ≤ ¼, softmax ½).
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    from gdlogreg import GradientDescentLogisticRegression
    from gdlogreg._cli import descent_step_bound

    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    bound = descent_step_bound(X, y, C=1.0)
    clf = GradientDescentLogisticRegression(solver="gd", learning_rate=0.99 * bound,
                                            max_iter=300, tol=1e-12)
    with pytest.warns(Warning):  # stops at max_iter
        clf.fit(X, y)
    assert np.all(np.diff(clf.loss_curve_) <= 1e-15)
    if dataset == "breast_cancer":
        assert bound == pytest.approx(0.602, abs=0.005)  # the figure quoted in #14
    assert descent_step_bound(X, y, C=math.inf) > bound  # no penalty: less curvature


def test_lr_search_reports_2_over_L_without_calling_it_the_largest_stable_step(capsys):
    assert main(["lr-search", "--learning-rates", "0.3", "3", "--cv", "3",
                 "--max-iter", "30"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    match = re.search(r"2/L = ([\d.]+) ", out)
    assert match and 0.55 < float(match.group(1)) < 0.65, out
    assert "guaranteed descent" in out and "larger steps can still converge" in out
    assert "stable" not in out


# ------------------------------------------------- the sample output in the docs
CLI_PAGE = os.path.join(SOURCE_ROOT, "docs", "cli.rst")
NUMBER = re.compile(r"^(.*?)(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)(\D*)$")


def _console_blocks(text):
    """(argv, expected output) of each `$ python -m gdlogreg ...` console block."""
    blocks = []
    for block in re.split(r"\n\.\. code-block:: console\n", text)[1:]:
        lines = []
        for line in block.split("\n")[1:]:
            if line and not line.startswith("   "):
                break
            lines.append(line[3:])
        command, *output = "\n".join(lines).strip("\n").split("\n")
        assert command.startswith("$ python -m gdlogreg"), command
        blocks.append((command.split()[4:], "\n".join(output)))
    return blocks


def _close(want, got):
    """Counts within 1 % (or 2), e-notation within a factor 2, decimals to their last digit."""
    a, b = float(want), float(got)
    if "e" in want:  # max |Δcoef|: depends on where the fit stopped
        return a == b or (a * b > 0 and 0.5 <= b / a <= 2.0)
    if "." not in want:  # counts: rounding may move a stopping test by an iteration or two
        return abs(a - b) <= max(2.0, 0.01 * abs(a))
    decimals = len(want.split(".")[1])
    return abs(a - b) <= max(1e-6, 10.0 ** (1 - decimals))


def _same_output(expected, actual):
    """Compare word by word: numbers close (see _close), fit times skipped, the rest exactly."""
    want, got = expected.split(), actual.split()
    problems = [] if len(want) == len(got) else [f"{len(want)} words, got {len(got)}"]
    for i, (w, g) in enumerate(zip(want, got, strict=False)):
        if w == g:
            continue
        mw, mg = NUMBER.match(w), NUMBER.match(g)
        if mw and mg and mw.group(1, 3) == mg.group(1, 3):
            if i + 1 < len(want) and want[i + 1] in ("ms", "s"):
                continue  # a fit time
            if _close(mw.group(2), mg.group(2)):
                continue
        problems.append(f"{' '.join(want[max(0, i - 3):i + 1])!r}: got {g!r}")
        if len(problems) > 3:
            break  # the rest is likely shifted by an inserted or missing word
    return problems


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists(CLI_PAGE), reason="no docs/ in this checkout")
@pytest.mark.skipif(
    int(np.__version__.split(".")[0]) < 2,
    reason="the page quotes runs on the current stack (the main CI job checks it); unconverged"
    " fits, such as α = 30's oscillation, end elsewhere with older numpy and scikit-learn",
)
def test_the_sample_output_in_the_docs_is_current(tmp_path, monkeypatch, capsys):
    # The console blocks of docs/cli.rst are real runs: rerun them and compare.
    pytest.importorskip("matplotlib")
    with open(CLI_PAGE, encoding="utf-8") as f:
        blocks = _console_blocks(f.read())
    assert len(blocks) >= 2
    monkeypatch.chdir(tmp_path)
    for argv, expected in blocks:
        assert main(argv) == 0
        actual = capsys.readouterr().out
        problems = _same_output(expected, actual)
        assert not problems, (
            f"docs/cli.rst is stale for `gdlogreg {' '.join(argv)}` (rerun it and paste"
            f" the output): {problems}\n{actual}"
        )


def test_the_docs_comparison_is_strict_enough():
    out = "n_iter 705 accuracy 0.9789 J 0.0635191519 time 5.4 ms converged 5/5"
    assert _same_output(out, out.replace("5.4 ms", "7.1 ms")) == []
    assert _same_output(out, out.replace("705", "707")) == []
    assert _same_output(out, out.replace("705", "695"))  # docs/cli.rst had 705, the code 695
    assert _same_output(out, out.replace("0.9789", "0.9824"))
    assert _same_output(out, out.replace("0.9789", "0.9793")) == []
    assert _same_output(out, out.replace("0.0635191519", "0.0635191517")) == []
    assert _same_output(out, out.replace("0.0635191519", "0.0635291519"))
    assert _same_output(out, out.replace("converged", "max_iter"))
    assert _same_output(out, out + " extra")


def test_the_warning_of_a_diverged_fit_does_not_call_2_over_L_the_largest_stable_step(capsys):
    assert main(["--solver", "gd", "--learning-rate", "60", "--max-iter", "50"]) == 0
    err = " ".join(capsys.readouterr().err.split())
    assert "made the cost diverge" in err
    assert "stable" not in err
    assert re.search(r"2/L ≈ [\d.]+ .* guarantees that J falls at every step", err), err


# The formulas objective() and descent_step_bound() wrote themselves before they
# called gdlogreg's core: an independent check that the numbers did not move.
def _objective_by_log_loss(est, X, y, sample_weight=None):
    from sklearn.metrics import log_loss

    s = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    J = log_loss(y, est.predict_proba(X), sample_weight=s, labels=est.classes_)
    C, rho = float(est.C), float(getattr(est, "l1_ratio", 0.0) or 0.0)
    if math.isfinite(C):
        w = np.asarray(est.coef_)
        J += ((1 - rho) / 2 * np.sum(w**2) + rho * np.sum(np.abs(w))) / (C * s.sum())
    return float(J)


def _step_bound_by_eigh(X, y, C=1.0, l1_ratio=0.0, fit_intercept=True):
    m = X.shape[0]
    A = np.column_stack([X, np.ones(m)]) if fit_intercept else X
    c = 0.25 if len(np.unique(y)) <= 2 else 0.5
    H = c * (A.T @ A) / m
    if math.isfinite(C):
        diag = np.full(A.shape[1], (1.0 - l1_ratio) / (C * m))
        if fit_intercept:
            diag[-1] = 0.0
        H[np.diag_indices_from(H)] += diag
    return 2.0 / float(np.linalg.eigvalsh(H)[-1])


@pytest.mark.parametrize("dataset", ["breast_cancer", "iris"])
@pytest.mark.parametrize(
    "make",
    [
        lambda: gdlogreg.GradientDescentLogisticRegression(),
        lambda: gdlogreg.GradientDescentLogisticRegression(C=0.1, l1_ratio=0.5),
        lambda: gdlogreg.GradientDescentLogisticRegression(C=10.0, fit_intercept=False),
        lambda: __import__("sklearn.linear_model").linear_model.LogisticRegression(C=0.5),
    ],
)
def test_objective_is_the_log_loss_plus_the_penalty(dataset, make):
    # Any fitted classifier with coef_, intercept_, C (and l1_ratio):
    # gdlogreg's J at its parameters, the log-loss of its probabilities plus the penalty.
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    from gdlogreg._cli import objective

    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    sw = np.random.default_rng(0).uniform(0.2, 3.0, len(y))
    est = _quiet_fit(make(), X, y)
    for weights in (None, sw):
        assert objective(est, X, y, weights) == pytest.approx(
            _objective_by_log_loss(est, X, y, weights), rel=1e-12, abs=0.0
        )


def _quiet_fit(est, X, y):
    """Fit, without the convergence warnings (only the numbers matter here)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


def test_objective_of_a_separating_fit_is_the_recorded_cost():
    # Without a penalty wine is separated: most probabilities round to 1 and
    # log_loss, which clips them at 1 - eps, is off by 5e-7 relative; the
    # core's loss, from the raw predictions, is the cost the fit recorded (tol
    # at its floor: at the default the fit stops on the separation at J ~ 6e-7).
    from sklearn.preprocessing import StandardScaler

    from gdlogreg._cli import objective

    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    clf = gdlogreg.GradientDescentLogisticRegression(C=math.inf, max_iter=300, tol=1e-14)
    clf = _quiet_fit(clf, X, y)
    assert clf.loss_curve_[-1] < 1e-9
    assert objective(clf, X, y) == pytest.approx(clf.loss_curve_[-1], rel=1e-12, abs=0.0)


def test_objective_refuses_labels_the_estimator_does_not_know():
    from gdlogreg._cli import objective

    X, y = load_iris(return_X_y=True)
    clf = _quiet_fit(gdlogreg.GradientDescentLogisticRegression(max_iter=20), X, y)
    with pytest.raises(ValueError, match="not fitted on, such as 7"):
        objective(clf, X, np.where(y == 2, 7, y))


@pytest.mark.parametrize("dataset", ["breast_cancer", "iris", "wine", "digits"])
@pytest.mark.parametrize("standardize", [True, False])
@pytest.mark.parametrize(
    "kw", [{}, {"C": math.inf}, {"C": 0.01, "l1_ratio": 0.3}, {"fit_intercept": False},
           {"C": 1e-4}],
)
def test_descent_step_bound_is_the_exact_2_over_L(dataset, standardize, kw):
    # The core's power iteration, run to convergence, gives the top eigenvalue
    # of the dense Hessian bound to 1e-12.
    from sklearn import datasets
    from sklearn.preprocessing import StandardScaler

    from gdlogreg._cli import descent_step_bound

    X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
    if standardize:
        X = StandardScaler().fit_transform(X)
    assert descent_step_bound(X, y, **kw) == pytest.approx(
        _step_bound_by_eigh(X, y, **kw), rel=1e-12, abs=0.0
    )


# ------------------------------------------------------------ the batched searches
def _count_search_fits(monkeypatch):
    """Count the fits of GradientDescentLogisticRegressionCV (and of the single estimator)."""
    from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV

    calls = {"cv": 0, "single": 0}
    cv_fit, single_fit = GradientDescentLogisticRegressionCV.fit, \
        GradientDescentLogisticRegression.fit

    def counted_cv(self, *a, **kw):
        calls["cv"] += 1
        return cv_fit(self, *a, **kw)

    def counted_single(self, *a, **kw):
        calls["single"] += 1
        return single_fit(self, *a, **kw)

    monkeypatch.setattr(GradientDescentLogisticRegressionCV, "fit", counted_cv)
    monkeypatch.setattr(GradientDescentLogisticRegression, "fit", counted_single)
    return calls


def _old_lr_search(X, y, rates, *, cv, standardize, C=1.0, max_iter=1000, scoring="accuracy"):
    """What lr-search computed before the batch: cross_validate one rate at a time."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from gdlogreg import GradientDescentLogisticRegression

    folds = StratifiedKFold(cv, shuffle=True, random_state=0)
    out = {}
    for lr in rates:
        clf = GradientDescentLogisticRegression(solver="gd", learning_rate=lr, C=C,
                                                max_iter=max_iter)
        model = make_pipeline(StandardScaler(), clf) if standardize else clf
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            res = cross_validate(model, X, y, cv=folds, scoring=scoring, return_estimator=True)
        fitted = [e[-1] if standardize else e for e in res["estimator"]]
        out[lr] = (res["test_score"].mean(), res["test_score"].std(),
                   np.mean([f.n_iter_[0] for f in fitted]),
                   sorted(f.stop_reason_ for f in fitted))
    return out


@pytest.mark.parametrize("standardize", [True, False])
def test_lr_search_is_batched_and_answers_as_one_fit_per_rate_and_fold(
    standardize, monkeypatch, capsys
):
    # The table is that of cross_validate over a Pipeline(StandardScaler, clf) per
    # rate (each fold scaled by its training rows), computed by one batch per fold
    # (standardized) or one batch for everything (raw features): no single fit.
    X, y = load_wine(return_X_y=True)
    rates = [1e-5, 1e-4, 0.1, 3.0, 1e4] if not standardize else [0.1, 1.0, 1e4]
    calls = _count_search_fits(monkeypatch)
    argv = ["lr-search", "--dataset", "wine", "--cv", "3", "--max-iter", "150",
            "--learning-rates", *map(str, rates)]
    assert main(argv + ([] if standardize else ["--no-standardize"])) == 0
    out = capsys.readouterr().out
    assert calls["cv"] == (3 if standardize else 1)
    # No single fit: the searches do not refit their best candidate.
    assert calls["single"] == 0
    monkeypatch.undo()
    expected = _old_lr_search(X, y, rates, cv=3, standardize=standardize, max_iter=150)
    _, rows = table_rows(out)
    assert [float(r[0]) for r in rows] == rates
    outcomes = set()
    for row, lr in zip(rows, rates, strict=True):
        mean, std, n_iter, reasons = expected[lr]
        assert float(row[1]) == pytest.approx(mean, abs=6e-5), lr
        assert float(row[2]) == pytest.approx(std, abs=6e-5), lr
        assert abs(float(row[3]) - n_iter) <= 1.0, lr
        parts = dict(part.split() for part in row[4].split(", "))
        assert parts == {r: f"{reasons.count(r)}/3" for r in set(reasons)}, lr
        outcomes |= set(parts)
    assert {"diverged", "max_iter"} <= outcomes  # the test sees more than one kind


def _grid_search(X, y, Cs, *, cv=3, l1_ratios=None, scoring="accuracy"):
    """The reference of c-search: GridSearchCV over Pipeline(StandardScaler, clf)."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from gdlogreg import GradientDescentLogisticRegression

    grid = {"gradientdescentlogisticregression__C": Cs}
    if l1_ratios is not None:
        grid["gradientdescentlogisticregression__l1_ratio"] = l1_ratios
    search = GridSearchCV(
        make_pipeline(StandardScaler(), GradientDescentLogisticRegression()), grid,
        cv=StratifiedKFold(cv, shuffle=True, random_state=0), scoring=scoring,
    )
    return search.fit(X, y)


def test_c_search_table_and_best_are_those_of_grid_search(monkeypatch, capsys):
    X, y = load_iris(return_X_y=True)
    Cs = [0.01, 0.1, 1.0, 10.0]
    calls = _count_search_fits(monkeypatch)
    assert main(["c-search", "--dataset", "iris", "--cv", "3", "--Cs", "10", "0.01", "1",
                 "0.1", "--scoring", "neg_log_loss"]) == 0
    out = capsys.readouterr().out
    assert calls["cv"] == 3  # standardized: one batch per fold
    monkeypatch.undo()
    ref = _grid_search(X, y, Cs, scoring="neg_log_loss")
    header, rows = table_rows(out)
    assert header.split()[:5] == ["C", "mean", "CV", "neg_log_loss", "std"]
    assert [float(r[0]) for r in rows] == Cs  # sorted
    for row, mean, std in zip(rows, ref.cv_results_["mean_test_score"],
                              ref.cv_results_["std_test_score"], strict=True):
        assert float(row[1]) == pytest.approx(mean, abs=6e-5)
        assert float(row[2]) == pytest.approx(std, abs=6e-5)
        assert row[-1] == "converged 3/3"
    best_C = ref.best_params_["gradientdescentlogisticregression__C"]
    assert f"Best: C={best_C:.4g} (mean CV neg_log_loss {ref.best_score_:.4f}" in out
    assert "3 folds (one batch per fold" in out


def test_c_search_warm_chooses_the_cold_C_in_fewer_iterations(capsys):
    args = ["c-search", "--dataset", "breast_cancer", "--cv", "3", "--Cs", "0.01", "0.1", "1",
            "10"]
    assert main(args) == 0
    cold = capsys.readouterr().out
    assert main([*args, "--warm"]) == 0
    warm = capsys.readouterr().out
    assert "a batch per C, warm-started along C per fold" in warm
    best = re.compile(r"Best: C=(\S+) ")
    assert best.search(warm).group(1) == best.search(cold).group(1)
    iterations = [sum(float(r[3]) for r in table_rows(out)[1]) for out in (cold, warm)]
    assert iterations[1] < iterations[0]


@pytest.mark.slow
def test_c_search_default_grid_and_l1_ratios(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    X, y = load_wine(return_X_y=True)
    assert main(["c-search", "--dataset", "wine", "--cv", "2", "--Cs", "0.1", "1",
                 "--l1-ratios", "0", "1", "--max-iter", "300", "--no-standardize",
                 "--plot", str(tmp_path / "c.png")]) == 0
    out = capsys.readouterr().out
    header, rows = table_rows(out)
    assert header.split()[:2] == ["C", "l1_ratio"]
    assert [(r[0], r[1]) for r in rows] == [("0.1", "0"), ("0.1", "1"), ("1", "0"), ("1", "1")]
    assert "(one batch)" in out
    means = [float(r[2]) for r in rows]
    best = re.search(r"Best: C=(\S+), l1_ratio=(\S+) \(mean CV accuracy ([\d.]+)", out)
    assert best and float(best.group(3)) == max(means)
    assert rows[means.index(max(means))][:2] == [best.group(1), best.group(2)]
    check_png(tmp_path / "c.png")
    args = build_parser().parse_args(["c-search"])
    assert args.Cs == pytest.approx(np.logspace(-4, 4, 10))
    assert args.l1_ratios is None and args.solver == "bb" and args.learning_rate == "auto"


def test_c_search_figure_is_a_line_over_log_C_or_a_heatmap():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    from gdlogreg._cli import c_search_figure

    one = {"params": [{"C": c} for c in (0.1, 1.0, 10.0)],
           "mean_test_score": np.array([0.8, 0.9, 0.85]),
           "std_test_score": np.array([0.01, 0.02, 0.03])}
    fig = c_search_figure(one, 1, scoring="accuracy")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_xlabel() == "C"
    np.testing.assert_allclose(ax.lines[0].get_xydata(), [[0.1, 0.8], [1, 0.9], [10, 0.85]])
    plt.close(fig)
    two = {"params": [{"C": c, "l1_ratio": r} for c in (0.1, 1.0) for r in (0.0, 1.0)],
           "mean_test_score": np.array([0.8, 0.7, 0.9, 0.6]),
           "std_test_score": np.zeros(4)}
    fig = c_search_figure(two, 2, scoring="accuracy")
    ax = fig.axes[0]
    assert ax.get_xlabel() == "C" and ax.get_ylabel() == "l1_ratio"
    np.testing.assert_allclose(ax.collections[0].get_array().reshape(2, 2),
                               [[0.8, 0.9], [0.7, 0.6]])  # rows: l1_ratio, columns: C
    plt.close(fig)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["c-search", "--Cs", "0"], "must be > 0"),
        (["c-search", "--Cs", "nan"], "must be > 0 or 'inf'"),
        (["c-search", "--l1-ratios", "1.5"], "between 0 and 1"),
        (["c-search", "--cv", "1"], "at least 2 folds"),
        (["c-search", "--solver", "newton"], "invalid choice"),
    ],
)
def test_c_search_refuses_bad_options(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_c_search_refuses_a_scorer_before_fitting(monkeypatch, capsys):
    calls = _count_search_fits(monkeypatch)
    assert main(["c-search", "--dataset", "iris", "--scoring", "f1", "--cv", "3"]) == 2
    assert "try --scoring f1_macro" in capsys.readouterr().err
    assert calls == {"cv": 0, "single": 0}


@pytest.mark.slow
def test_lr_search_names_no_best_rate_when_every_rate_diverged():
    """A grid of rates that all diverge has no best one: the search says so (and what
    to try) instead of naming the least bad diverged rate."""
    proc = run_cli("lr-search", "--dataset", "iris", "--learning-rates", "1000", "3000",
                   "--cv", "3", "--max-iter", "50")
    assert proc.returncode == 0, proc.stderr
    _, rows = table_rows(proc.stdout)
    assert all(r[-1].startswith("diverged") for r in rows)
    text = " ".join(proc.stdout.split())  # the message is wrapped
    assert "Best:" not in text
    assert "No learning rate of the grid is stable" in text
    assert "2/L = " in text.split("No learning rate")[1]
