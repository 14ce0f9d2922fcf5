"""Review 146: the command line on a data scientist's CSV files and options.

Each check runs ``gdlogreg._cli.main`` in-process (docs/cli.rst names it for use
from Python) except one that runs ``python -m gdlogreg`` for the exit status and
the absence of a traceback. Six defects it found, fixed since (strict xfails when filed):
a PGF plot without LaTeX ended in a traceback after the fit (now refused before it); the
non-UTF-8 error gave the decoder chunk's byte, not the file's (now the file's, and the
line); a nan or inf feature, and a nan or measurement label, named no line (now the line,
and the column; "nan" as a missing label, as "NA"); ``--plot ''`` was ignored (now
refused); c-search printed C to 4 digits (0.03 and 0.0300001 one row; now repr's).
"""

import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from test_cli import table_rows  # shared

import gdlogreg
from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._cli import load_data, main

pytest.importorskip("matplotlib")

SOURCE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(gdlogreg.__file__)))
ENV = {
    **os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MPLBACKEND": "Agg",
    "PYTHONPATH": os.pathsep.join(p for p in (SOURCE_ROOT, os.environ.get("PYTHONPATH")) if p),
}


@pytest.fixture(autouse=True)
def _one_thread():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        yield


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    X = np.round(rng.normal(size=(n, 3)), 4)
    y = (X[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _csv_text(X, labels, header=("a", "b", "c", "y"), sep=",", nl="\n"):
    lines = [sep.join(header)] + [
        sep.join([*(repr(float(v)) for v in x), str(lab)]) for x, lab in zip(X, labels, strict=True)
    ]
    return nl.join(lines) + nl


def _write(path, text, encoding="utf-8"):
    with open(path, "w", newline="", encoding=encoding) as f:
        f.write(text)
    return str(path)


def _run(capsys, argv):
    """``(status, stdout, stderr)`` of main(argv); argparse's exit as its code."""
    try:
        status = main(argv)
    except SystemExit as exc:
        status = exc.code
    out, err = capsys.readouterr()
    return status, out, err


def _assert_one_line_error(status, err, *needles):
    assert status == 2, err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdlogreg: error: "), err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def _table(out):
    return table_rows(out)[1]


# ------------------------------------------------------------ held: help, status
def test_help_of_every_command_and_version(capsys):
    for argv in ([], ["compare"], ["lr-search"], ["c-search"]):
        status, out, err = _run(capsys, [*argv, "--help"])
        assert status == 0 and "usage: gdlogreg" in out and not err
    status, out, _ = _run(capsys, ["--version"])
    assert status == 0 and out.strip() == f"gdlogreg {gdlogreg.__version__}"


@pytest.mark.slow
def test_subprocess_error_status_and_no_traceback(tmp_path):
    """``python -m gdlogreg``: a data error and a usage error both exit 2, one line."""
    missing = str(tmp_path / "nope.csv")
    r = subprocess.run([sys.executable, "-m", "gdlogreg", "c-search", "--csv", missing],
                       capture_output=True, text=True, env=ENV, timeout=120)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    expected = f"gdlogreg: error: cannot read {missing!r}: No such file or directory"
    assert r.stderr.strip() == expected
    assert r.stdout == ""


# -------------------------------------------------- held: CSV dialects, same model
def test_csv_dialects_give_the_same_table(tmp_path, capsys):
    X, y = _data()
    plain = _csv_text(X, y)
    variants = {
        "plain.csv": (plain, []),
        "bom.csv": ("\ufeff" + plain, []),
        "crlf.csv": (plain.replace("\n", "\r\n"), []),
        "cr.csv": (plain.replace("\n", "\r"), []),
        "semi.csv": (_csv_text(X, y, sep=";"), ["--sep", ";"]),
        "tab.csv": (_csv_text(X, y, sep="\t"), ["--sep", "tab"]),
        "blank_tail.csv": (plain + "\n\n\n", []),
        "trailing_sep.csv": (plain.replace("\n", ",\n"), []),
        "quoted.csv": ("\n".join('"' + line.replace(",", '","') + '"' if line else ""
                                 for line in plain.split("\n")), []),
        "padded_header.csv": (plain.replace("a,b,c,y", " a , b ,c, y ", 1), []),
    }
    tables = {}
    for name, (text, extra) in variants.items():
        path = _write(tmp_path / name, text)
        status, out, err = _run(capsys, ["compare", "--csv", path, *extra])
        assert status == 0 and not err, (name, err)
        tables[name] = [row[:-1] for row in _table(out)]  # without the fit time
        assert "60 samples, 3 features, 2 classes" in " ".join(out.split()), name
    first = tables["plain.csv"]
    for name, table in tables.items():
        assert table == first, name


# --------------------------------------- held: the numbers are the Python API's
def test_compare_equals_the_estimator_on_text_labels(tmp_path, capsys):
    from sklearn.metrics import accuracy_score, log_loss
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, _ = _data(n=90, seed=4)
    y = np.array(["été chaud", "  hiver ", "printemps"])[np.argmax(X, axis=1)]
    path = _write(tmp_path / "text.csv", _csv_text(X, y))
    status, out, err = _run(capsys, ["compare", "--csv", path, "--C", "0.3",
                                     "--test-size", "0.3", "--random-state", "4"])
    assert status == 0, err
    assert "90 samples, 3 features, 3 classes" in " ".join(out.split())
    ours = _table(out)[0]

    Xl, yl, _ = load_data(csv_path=path)
    assert sorted(set(yl)) == ["hiver", "printemps", "été chaud"]  # stripped
    X_tr, X_te, y_tr, y_te = train_test_split(Xl, yl, test_size=0.3, random_state=4,
                                              stratify=yl)
    sc = StandardScaler().fit(X_tr)
    m = GradientDescentLogisticRegression(C=0.3).fit(sc.transform(X_tr), y_tr)
    assert ours[1] == f"{accuracy_score(y_te, m.predict(sc.transform(X_te))):.4f}"
    assert ours[2] == f"{log_loss(y_te, m.predict_proba(sc.transform(X_te))):.5f}"
    assert ours[3] == f"{m.loss_curve_[-1]:.10f}"
    assert ours[5] == str(m.n_iter_[0])


def test_c_search_equals_gridsearchcv(tmp_path, capsys):
    from sklearn.model_selection import GridSearchCV, StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = _data()
    path = _write(tmp_path / "d.csv", _csv_text(X, y))
    Cs = [0.01, 0.1, 1.0, 10.0]
    status, out, err = _run(capsys, ["c-search", "--csv", path, "--cv", "3",
                                     "--random-state", "2", "--Cs", *map(str, Cs)])
    assert status == 0, err
    gs = GridSearchCV(
        make_pipeline(StandardScaler(), GradientDescentLogisticRegression()),
        {"gradientdescentlogisticregression__C": Cs},
        cv=StratifiedKFold(3, shuffle=True, random_state=2),
    ).fit(X, y)
    rows = _table(out)
    assert [r[1] for r in rows] == [f"{s:.4f}" for s in gs.cv_results_["mean_test_score"]]
    assert [r[2] for r in rows] == [f"{s:.4f}" for s in gs.cv_results_["std_test_score"]]
    best = gs.best_params_["gradientdescentlogisticregression__C"]
    assert f"Best: C={best:g} " in out


# ------------------------------------------- held: bad input, one line, status 2
BAD_FILES = [
    ("", [], "needs a header row and at least two data rows"),
    ("a,b,c,y\n", [], "needs a header row and at least two data rows"),
    ("a,b,c,y\n1,2,3,0\n4,5,6,1\n", ["--target", "label"], "no column 'label'"),
    ("a,y,c,y\n1,2,3,0\n4,5,6,1\n7,8,9,0\n", [], "rename all but one"),
    ("a,b,c,y\n1,2,3,1\n4,5,6,1\n7,8,9,1\n", [], "single class"),
    ("a,b,c,y\n1,2,3,0.5\n4,5,6,1\n7,8,9,0\n", [], "holds 0.5, not a class label"),
    ("a,b,c,y\n1,2,3,0\n4,NA,6,1\n7,8,9,0\n", [], "line 3: column 'b' holds 'NA'"),
    ("a,b,c,y\n1,2,3,0\n4,,6,1\n7,8,9,0\n", [], "line 3: column 'b' holds ''"),
    ('a,b,c,y\n1,2,3,0\n"1,234",5,6,1\n7,8,9,0\n', [], "line 3: column 'a' holds '1,234'"),
    ("a,b,c,y\n1,2,3,0\n4,5,6,NA\n7,8,9,1\n", [], "line 3: no label in column 'y'"),
    ("a,b,c,y\n1,2,3,0\n4,5,6\n7,8,9,1\n", [], "line 3: 3 fields, the header has 4"),
    ("a;b;c;y\n1;2;3;0\n4;5;6;1\n7;8;9;0\n", [], "use --sep ';'"),
    ("a,b,c,y\n1e300,2,3,0\n-1e300,5,6,1\n1e300,8,9,0\n-1e300,1,1,1\n1e300,2,2,0\n"
     "-1e300,3,3,1\n1e300,4,4,0\n-1e300,5,5,1\n", [], "rerun with --no-standardize"),
]


@pytest.mark.parametrize("text, extra, needle", BAD_FILES)
def test_bad_csv_is_one_line_status_2(tmp_path, capsys, text, extra, needle):
    path = _write(tmp_path / "bad.csv", text)
    status, out, err = _run(capsys, ["compare", "--csv", path, *extra])
    _assert_one_line_error(status, err, needle)
    assert out == ""


def test_unreadable_csv_paths(tmp_path, capsys):
    status, _, err = _run(capsys, ["lr-search", "--csv", str(tmp_path)])
    _assert_one_line_error(status, err, "Is a directory")
    path = tmp_path / "latin.csv"
    path.write_bytes("é,b,y\n1,2,0\n3,4,1\n".encode("latin-1"))
    status, _, err = _run(capsys, ["c-search", "--csv", str(path)])
    _assert_one_line_error(status, err, "not UTF-8", "byte 1:")


BAD_OPTIONS = [
    ["compare", "--C", "-1"], ["compare", "--C", "nan"], ["compare", "--C", "0"],
    ["compare", "--C", "one"], ["compare", "--C", "1e-320"], ["compare", "--tol", "0"],
    ["compare", "--tol", "inf"], ["compare", "--tol", "nan"], ["compare", "--max-iter", "0"],
    ["compare", "--max-iter", "1.5"], ["compare", "--learning-rate", "-0.1"],
    ["compare", "--learning-rate", "inf"], ["compare", "--l1-ratio", "1.5"],
    ["compare", "--l1-ratio", "nan"], ["compare", "--test-size", "1"],
    ["compare", "--test-size", "-0.1"], ["compare", "--dataset", "mnist"],
    ["compare", "--sep", ";"], ["compare", "--dataset", "iris", "--csv", "x.csv"],
    ["compare", "--solver", "lbfgs", "--l1-ratio", "0.5"], ["compare", "--plot", "x.docx"],
    ["lr-search", "--learning-rates", "auto"], ["lr-search", "--learning-rates", "0"],
    ["lr-search", "--cv", "1"], ["c-search", "--Cs", "-1"], ["c-search", "--l1-ratios", "2"],
    ["c-search", "--cv", "two"], ["lr_search"],
]


def test_bad_option_values_are_usage_errors(capsys):
    for argv in BAD_OPTIONS:
        status, out, err = _run(capsys, argv)
        assert status == 2, argv
        assert "Traceback" not in err and "error:" in err.splitlines()[-1], (argv, err)
        assert out == "", argv


def test_scorer_and_folds_refused_before_fitting(tmp_path, capsys):
    X, y = _data()
    path = _write(tmp_path / "tf.csv", _csv_text(X, np.where(y == 1, "True", "False")))
    status, _, err = _run(capsys, ["c-search", "--csv", path, "--scoring", "f1"])
    _assert_one_line_error(status, err, "try --scoring f1_macro")
    status, _, err = _run(capsys, ["c-search", "--csv", path, "--scoring", "acc"])
    _assert_one_line_error(status, err, "unknown --scoring 'acc'")
    status, _, err = _run(capsys, ["lr-search", "--csv", path, "--cv", "59"])
    _assert_one_line_error(status, err, "--cv 59 needs at least 59 samples")
    status, _, err = _run(capsys, ["c-search", "--csv", path, "--random-state", "-1"])
    _assert_one_line_error(status, err, "--random-state -1")


# ------------------------------------------------------------------ held: plots
@pytest.mark.slow
def test_plots_in_unusual_formats(tmp_path, capsys):
    X, y = _data()
    path = _write(tmp_path / "d.csv", _csv_text(X, y))
    magic = {"Shot.PNG": b"\x89PNG", "c.svgz": b"\x1f\x8b", "c.pdf": b"%PDF",
             "c.jpeg": b"\xff\xd8", "noext": b"\x89PNG"}
    for name, head in magic.items():
        target = tmp_path / name
        status, out, err = _run(capsys, ["c-search", "--csv", path, "--cv", "2",
                                         "--Cs", "1", "inf", "--plot", str(target)])
        written = target if target.suffix else target.with_suffix(".png")
        assert status == 0 and not err, (name, err)
        assert f"Plot saved to {written}" in out
        assert written.read_bytes()[:len(head)] == head, name


def test_plot_into_a_missing_directory(tmp_path, capsys):
    X, y = _data()
    path = _write(tmp_path / "d.csv", _csv_text(X, y))
    target = str(tmp_path / "no" / "such" / "lr.png")
    status, out, err = _run(capsys, ["lr-search", "--csv", path, "--cv", "2",
                                     "--learning-rates", "1", "--plot", target])
    _assert_one_line_error(status, err, f"cannot write the plot to {target!r}")


# ---------------------------------------------------------------------- defects
def test_nan_feature_error_names_line_and_column(tmp_path, capsys):
    X, y = _data()
    lines = _csv_text(X, y).splitlines()
    lines[5] = "1.0,nan,2.0,0"  # line 6 of the file, column 'b'
    path = _write(tmp_path / "nan.csv", "\n".join(lines) + "\n")
    status, _, err = _run(capsys, ["compare", "--csv", path])
    _assert_one_line_error(status, err, "line 6", "'b'")


def test_bad_label_error_names_the_line(tmp_path, capsys):
    X, y = _data()
    lines = _csv_text(X, y).splitlines()
    lines[40] = lines[40].rsplit(",", 1)[0] + ",nan"  # line 41
    path = _write(tmp_path / "lab.csv", "\n".join(lines) + "\n")
    status, _, err = _run(capsys, ["compare", "--csv", path])
    _assert_one_line_error(status, err, "line 41")


def test_non_utf8_byte_position_is_the_files(tmp_path, capsys):
    rng = np.random.default_rng(3)
    X = rng.normal(size=(1500, 2))
    lines = ["a,b,y"] + [f"{a:.6f},{b:.6f},{'oui' if a > 0 else 'non'}" for a, b in X]
    lines[1000] = lines[1000][:-3] + "ouié"  # line 1001, written in Latin-1
    data = ("\n".join(lines) + "\n").encode("latin-1")
    path = tmp_path / "latin_deep.csv"
    path.write_bytes(data)
    offset = data.index(b"\xe9") + 1
    status, _, err = _run(capsys, ["compare", "--csv", str(path)])
    assert status == 2 and "not UTF-8" in err
    assert f"byte {offset}:" in err or "line 1001" in err, err


@pytest.mark.skipif(shutil.which("xelatex") is not None, reason="xelatex installed")
def test_pgf_plot_without_latex_is_an_error_line(tmp_path, capsys):
    X, y = _data()
    path = _write(tmp_path / "d.csv", _csv_text(X, y))
    status, _, err = _run(capsys, ["compare", "--csv", path,
                                   "--plot", str(tmp_path / "loss.pgf")])
    # refused before any fit, as an unknown format is: a usage error (status 2)
    assert status == 2 and "Traceback" not in err, err
    last = err.strip().splitlines()[-1]
    assert last.startswith("gdlogreg compare: error: ") and "pgf" in last and "LaTeX" in last, err


def test_empty_plot_path_is_refused(tmp_path, capsys):
    X, y = _data()
    path = _write(tmp_path / "d.csv", _csv_text(X, y))
    status, _, err = _run(capsys, ["compare", "--csv", path, "--plot", ""])
    assert status == 2 and "--plot" in err


def test_c_search_rows_name_distinct_cs(tmp_path, capsys):
    X, y = _data()
    path = _write(tmp_path / "d.csv", _csv_text(X, y))
    Cs = ["0.03", "0.0300001", "0.0300002"]
    status, out, err = _run(capsys, ["c-search", "--csv", path, "--cv", "3", "--Cs", *Cs])
    assert status == 0, err
    labels = [row[0] for row in _table(out)]
    assert sorted(float(c) for c in labels) == sorted(float(c) for c in Cs), labels


def test_a_line_of_spaces_is_a_blank_line(tmp_path, capsys):
    """A last line of spaces (an editor's) is skipped as a blank line is, not refused as a
    row of one field; the same table as without it."""
    X, y = _data()
    plain = _write(tmp_path / "plain.csv", _csv_text(X, y))
    spaced = _write(tmp_path / "spaced.csv", _csv_text(X, y) + "   \n")
    outs = [_run(capsys, ["compare", "--csv", p]) for p in (plain, spaced)]
    assert [o[0] for o in outs] == [0, 0], outs[1][2]
    assert [r[:-1] for r in _table(outs[0][1])] == [r[:-1] for r in _table(outs[1][1])]  # no time


def test_a_missing_plot_folder_is_refused_before_the_fit(tmp_path, capsys):
    X, y = _data()
    path = _write(tmp_path / "d.csv", _csv_text(X, y))
    status, out, err = _run(capsys, ["compare", "--csv", path,
                                     "--plot", str(tmp_path / "missing" / "loss.png")])
    assert status == 2 and "does not exist" in err and "missing" in err
    assert out == ""  # nothing fitted


def test_whole_numbers_among_text_labels_are_one_class(tmp_path):
    """"1" and "1.0" are one class among text labels too, as docs/cli.rst says."""
    X, y = _data()
    labels = np.where(y == 1, "1", "other").astype(object)
    labels[::5] = np.where(y[::5] == 1, "1.0", "other")
    X2, y2, _ = load_data(csv_path=_write(tmp_path / "d.csv", _csv_text(X, labels)))
    assert sorted(set(y2.tolist())) == ["1", "other"]
    np.testing.assert_array_equal(y2 == "1", y == 1)


@pytest.mark.slow
def test_lr_search_rows_name_distinct_rates(tmp_path, capsys):
    """As c-search's Cs: learning rates printed as the floats they are (6 digits merged
    0.03 and 0.03000001)."""
    X, y = _data()
    path = _write(tmp_path / "d.csv", _csv_text(X, y))
    status, out, err = _run(capsys, ["lr-search", "--csv", path, "--cv", "3",
                                     "--learning-rates", "0.03", "0.03000001", "1"])
    assert status == 0, err
    assert [r[0] for r in _table(out)] == ["0.03", "0.03000001", "1"]
