"""Review 175, an outside audit of the command line on files as people write them: every
leading unnamed column (a MultiIndex, pandas' "Unnamed: 0") is the row index; a first row
of data with text labels, or with a separator ending each line, is refused; --drop '' is
taken; decimal commas, missing-label markers and other separators in the labels are named;
a gzip file is read; --random-state is checked when parsed; unrecognized options name
their command; messages echo the text typed; compare on data without a minimum calls no
fit the reference."""

import gzip

import numpy as np
import pytest
from sklearn.datasets import load_iris

from gdlogreg._cli import load_data, main


def _run(argv, capsys):
    try:
        status = main(argv)
    except SystemExit as exc:  # argparse's errors
        status = exc.code
    out, err = capsys.readouterr()
    return status, " ".join(out.split()), " ".join(err.split())  # (unwrapped)


def _write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def _iris_rows(n=150, sep=","):
    X, y = load_iris(return_X_y=True)
    return ["".join(f"{v:g}{sep}" for v in x) + str(t) for x, t in zip(X[:n], y[:n], strict=True)]


def _one_line_error(status, err, message):
    assert status == 2 and "Traceback" not in err, err
    assert message in err, err


# ------------------------------------------------------------- the row index
def test_every_leading_unnamed_column_is_the_row_index(tmp_path):
    # pd.concat({"part1": df1, "part2": df2}).to_csv(): two index columns, both left out
    rows = [f"part{1 + i // 75},{i % 75},{r}" for i, r in enumerate(_iris_rows())]
    X, _, name = load_data(csv_path=_write(tmp_path, ",,sl,sw,pl,pw,y\n" + "\n".join(rows)))
    assert X.shape == (150, 4)
    assert "the 2 unnamed first columns left out as the row index" in name


@pytest.mark.parametrize("head, prefix", [(",Unnamed: 0,", "{i},{i},"), ("Unnamed: 0,", "{i},")])
def test_pandas_unnamed_0_is_the_row_index(tmp_path, head, prefix):
    # read_csv then to_csv (with or without index=False): the old index is "Unnamed: 0"
    rows = [prefix.format(i=i) + r for i, r in enumerate(_iris_rows())]
    X, _, name = load_data(csv_path=_write(tmp_path, head + "sl,sw,pl,pw,y\n" + "\n".join(rows)))
    assert X.shape == (150, 4) and "left out as the row index" in name


def test_target_naming_the_index_column_says_how_to_name_it(tmp_path, capsys):
    path = _write(tmp_path, ",a,b\n0,1.5,2.1\n1,3.2,4.0\n0,2.2,2.9\n1,3.3,4.4\n")
    status, _, err = _run(["--csv", path, "--target", ""], capsys)
    _one_line_error(status, err, "the column '' is the row index (a leading column without a"
                                 " name), left out; if it holds the labels, write a name")


def test_column_numbers_in_messages_count_the_files_columns(tmp_path, capsys):
    status, _, err = _run(["--csv", _write(tmp_path, ",a,y,y\n0,1,0,0\n1,2,1,1\n2,3,0,0\n")],
                          capsys)
    _one_line_error(status, err, "target column 'y' twice (columns 3 and 4)")


# ------------------------------------------------------------ unnamed columns
def test_drop_empty_name_leaves_out_the_unnamed_column(tmp_path, capsys):
    rows = [r.replace(",", ",note,", 1) for r in _iris_rows()]
    path = _write(tmp_path, "sl,,sw,pl,pw,y\n" + "\n".join(rows))
    status, _, err = _run(["--csv", path], capsys)
    _one_line_error(status, err, "to leave it out --drop ''")
    status, out, _ = _run(["--csv", path, "--drop", "", "--test-size", "0"], capsys)
    assert status == 0 and "150 samples, 4 features" in out
    assert "dropped the unnamed columns" in out


def test_an_unnamed_numeric_column_used_as_a_feature_is_said(tmp_path):
    rows = [r.replace(",", ",0.5,", 1) for r in _iris_rows()]
    X, _, name = load_data(csv_path=_write(tmp_path, "sl,,sw,pl,pw,y\n" + "\n".join(rows)))
    assert X.shape == (150, 5)
    assert "the unnamed column 2 used as a feature, which --drop '' leaves out" in name


# ------------------------------------------------------- first rows of data
def test_headerless_whole_numbers_with_text_labels_are_refused(tmp_path, capsys):
    rng = np.random.default_rng(0)
    rows = [f"{a},{b},{c},{'yes' if a > 4 else 'no'}" for a, b, c in rng.integers(0, 10, (40, 3))]
    path = _write(tmp_path, "1,2,1,yes\n" + "\n".join(rows))
    status, _, err = _run(["--csv", path], capsys)
    _one_line_error(status, err, "the first row looks like data, not column names")
    # a header of names with the same data is read
    X, _, _ = load_data(csv_path=_write(tmp_path, "a,b,c,y\n" + "\n".join(rows), "h.csv"))
    assert X.shape == (40, 3)


@pytest.mark.parametrize("first", ["2,2,7,1,", "1,1,0,1,"])
def test_headerless_numbers_with_a_trailing_separator_are_refused(tmp_path, capsys, first):
    rng = np.random.default_rng(0)
    rows = [f"{a},{b},{c},{int(a > 4)}," for a, b, c in rng.integers(0, 10, (40, 3))]
    status, _, err = _run(["--csv", _write(tmp_path, first + "\n" + "\n".join(rows))], capsys)
    _one_line_error(status, err, "the first row holds numbers alone")


# ---------------------------------------------------------- commas and separators
@pytest.mark.parametrize("text, argv", [
    ("a;b;y\n9;10;7,00\n15;19;12,25\n0;2;0,50\n4;4;1,00\n", ["--sep", ";"]),
    ('a,b,y\n12,5,"7,25"\n18,0,"9,00"\n16,12,"11,00"\n', []),
])
def test_decimal_commas_in_the_target_are_named(tmp_path, capsys, text, argv):
    status, _, err = _run(["--csv", _write(tmp_path, text), *argv], capsys)
    _one_line_error(status, err, "line 2: column 'y' holds")
    assert "a number with a comma (a decimal comma" in err


def test_thousands_with_two_groups_are_named(tmp_path, capsys):
    text = "a;b;y\n1,234,567;2;0\n3;4;1\n5;6;0\n7;8;1\n"
    status, _, err = _run(["--csv", _write(tmp_path, text), "--sep", ";"], capsys)
    _one_line_error(status, err, "column 'a' holds '1,234,567', a number with a comma")


def test_a_semicolon_file_with_a_comma_in_a_name_gets_the_sep_hint(tmp_path, capsys):
    rows = "\n".join(f"{60 + i},{i % 7};{170 + i};{i % 2}" for i in range(20))
    path = _write(tmp_path, "Gewicht, kg;Groesse;y\n" + rows)
    status, _, err = _run(["--csv", path], capsys)
    _one_line_error(status, err, "is the separator ';'? use --sep ';'")
    status, out, _ = _run(["--csv", path, "--sep", ";", "--drop", "Gewicht, kg",
                           "--test-size", "0"], capsys)
    assert status == 0 and "20 samples, 1 feature, 2 classes" in out


def test_drop_on_a_semicolon_file_gets_the_sep_hint(tmp_path, capsys):
    path = _write(tmp_path, "sl;sw;y\n" + "\n".join(_iris_rows(100, ";")).replace(";0", ""))
    status, _, err = _run(["--csv", path, "--drop", "sl"], capsys)
    _one_line_error(status, err, "no column 'sl' to drop")
    assert "use --sep ';'" in err


def test_a_space_separated_file_gets_the_sep_hint_that_works(tmp_path, capsys):
    path = _write(tmp_path, "sl sw pl pw y\n" + "\n".join(_iris_rows(150, " ")))
    status, _, err = _run(["--csv", path], capsys)
    _one_line_error(status, err, "is the separator ' '? use --sep ' '")
    status, out, _ = _run(["--csv", path, "--sep", " ", "--test-size", "0"], capsys)
    assert status == 0 and "150 samples, 4 features, 3 classes" in out


# ---------------------------------------------------------------- gzip
def test_a_gzip_file_is_read(tmp_path):
    path = tmp_path / "iris.csv.gz"
    with gzip.open(path, "wt") as f:
        f.write("sl,sw,pl,pw,y\n" + "\n".join(_iris_rows()) + "\n")
    X, y, _ = load_data(csv_path=str(path))
    np.testing.assert_array_equal(X, load_iris().data)
    np.testing.assert_array_equal(y, load_iris().target)


def test_a_plain_file_beginning_like_bzip2_is_read_as_text(tmp_path):
    """Review 178: a header "BZh9_score,..." was taken for bzip2's magic and refused as
    damaged data; a real bzip2 file is still read."""
    import bz2

    text = "BZh9_score,b,y\n" + "\n".join(f"{i},{i % 3},{i % 2}" for i in range(20)) + "\n"
    X, y, _ = load_data(csv_path=_write(tmp_path, text, "bzh.csv"))
    assert X.shape == (20, 2) and set(y) == {0, 1}
    packed = tmp_path / "bzh.csv.bz2"
    packed.write_bytes(bz2.compress(text.encode()))
    np.testing.assert_array_equal(load_data(csv_path=str(packed))[0], X)


def test_decimal_names_stand_where_the_first_row_holds_a_name(tmp_path, capsys):
    """Review 178: wavelengths as column names ("400.5,401.0,401.5,y") were refused as a
    first row of data, with advice to add the header the file had. A text field above a
    column of numbers is a name, so the row is the header; without one it is still data."""
    body = "\n".join(f"{i},{i + 1},{i + 2},{i % 2}" for i in range(1, 21))
    X, y, _ = load_data(csv_path=_write(tmp_path, "400.5,401.0,401.5,y\n" + body, "w.csv"))
    assert X.shape == (20, 3) and set(y) == {0, 1}
    status, _, err = _run(["--csv", _write(tmp_path, "0.5,1.5,2.5,1\n" + body)], capsys)
    _one_line_error(status, err, "the first row holds '0.5', a number, not a column name")


# ------------------------------------------------------------ missing labels
@pytest.mark.parametrize("marker, labels", [
    *((m, ("0", "1")) for m in ["?", "NA", "N/A", "nan", "NULL"]), ("?", ("cat", "dog"))])
def test_missing_label_markers_are_refused_with_their_rows(tmp_path, capsys, marker, labels):
    rows = [f"{i},{i % 3},{labels[i % 2]}" for i in range(20)]
    rows[4] = rows[4].rsplit(",", 1)[0] + "," + marker
    rows[9] = rows[9].rsplit(",", 1)[0] + "," + marker
    status, _, err = _run(["--csv", _write(tmp_path, "a,b,y\n" + "\n".join(rows))], capsys)
    _one_line_error(status, err, f"line 6: no label in column 'y' ({marker!r} marks a missing"
                                 " value")
    assert f"2 rows have none ({marker!r}; lines 6, 11): remove them" in err


def test_a_question_mark_among_text_labels_is_refused_none_is_a_class(tmp_path, capsys):
    rows = [f"{i},{i % 3},{('None', 'Mild', 'Severe')[i % 3]}" for i in range(30)]
    path = _write(tmp_path, "a,b,y\n" + "\n".join(rows[:-1] + ["1,2,?"]))
    status, _, err = _run(["--csv", path], capsys)
    _one_line_error(status, err, "line 31: no label in column 'y' ('?' marks a missing value);"
                                 " remove the row or fill in its label")
    # "None" among text labels is a class (no disease, say), not a missing label
    _, y, _ = load_data(csv_path=_write(tmp_path, "a,b,y\n" + "\n".join(rows), "n.csv"))
    assert sorted(set(y)) == ["Mild", "None", "Severe"]
    # pandas' markers among text labels may be classes ("N/A": not applicable; "NA": North
    # America, a rare one too, review 178): kept, and said
    rows = [f"{i},{i % 3},{('N/A', 'Mild', 'Severe')[i % 3]}" for i in range(30)]
    _, y, name = load_data(csv_path=_write(tmp_path, "a,b,y\n" + "\n".join(rows), "a.csv"))
    assert "N/A" in set(y) and "'N/A' read as a class" in name
    rows = [f"{i},{i % 3},{('AS', 'EU')[i % 2]}" for i in range(40)] + ["1,1,NA", "2,0,NA"]
    _, y, name = load_data(csv_path=_write(tmp_path, "a,b,y\n" + "\n".join(rows), "r.csv"))
    assert "NA" in set(y) and "'NA' read as a class" in name


def test_the_cv_error_names_the_smallest_class(tmp_path, capsys):
    rows = [f"{i},{i % 3},{'ab'[i % 2]}" for i in range(20)] + ["3,4,c"]
    path = _write(tmp_path, "a,b,y\n" + "\n".join(rows))
    status, _, err = _run(["c-search", "--csv", path], capsys)
    _one_line_error(status, err, "the smallest class, 'c', has 1")


# ------------------------------------------------------------------ options
@pytest.mark.parametrize("argv, message", [
    # checked before the data is read (and with --test-size 0, where nothing is split)
    (["compare", "--random-state", "-1", "--test-size", "0", "--csv", "no-such.csv"],
     "gdlogreg: error: compare --random-state -1: a seed (scikit-learn's random_state) runs"
     " from 0 to 2**32 - 1"),
    (["c-search", "--random-state", "4294967296", "--csv", "no-such.csv"],
     "gdlogreg: error: c-search --random-state 4294967296: a seed"),
    (["compare", "--scoring", "accuracy"],
     "gdlogreg compare: error: unrecognized arguments: --scoring accuracy (--scoring is an"
     " option of lr-search and c-search, not of compare)"),
    (["lr-search", "--max_iter", "5"],
     "gdlogreg lr-search: error: unrecognized arguments: --max_iter 5; did you mean"
     " --max-iter?"),
    (["compare", "--l1-ratio", "1.0000000001"],
     "--l1-ratio must be between 0 and 1, got 1.0000000001"),
])
def test_option_errors_name_the_command_and_the_text_typed(argv, message, capsys):
    status, _, err = _run(argv, capsys)
    _one_line_error(status, err, message)


def test_the_c_too_small_error_echoes_the_text_typed(capsys):
    status, _, err = _run(["--dataset", "iris", "--C", "1e-320"], capsys)
    _one_line_error(status, err, "--C 1e-320 is too small for LogisticRegression")


def test_compare_without_a_minimum_names_no_reference(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 2))
    y = (X[:, 0] > 0).astype(int)
    X[:, 0] += np.where(y == 1, 1.0, -1.0)  # a margin: separable
    path = _write(tmp_path, "a,b,y\n" + "\n".join(f"{a:.6f},{b:.6f},{t}" for (a, b), t
                                                   in zip(X, y, strict=True)))
    status, out, err = _run(["--csv", path, "--C", "inf"], capsys)
    assert status == 0 and "the cost has no minimum" in err
    assert "(reference)" not in out and "fitted tightly as the reference" not in out
    assert "(no minimum)" in out and "(not compared)" in out
    assert "each fit's coefficients depend on its tol and max_iter" in out
