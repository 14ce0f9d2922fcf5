"""The command line: ``python -m gdlogreg`` (or ``gdlogreg``).

Three subcommands:

- ``compare`` (the default): fit GradientDescentLogisticRegression and
  scikit-learn's LogisticRegression on the same data, print a table that
  compares them and optionally save the loss curve as a PNG.
- ``lr-search``: cross-validate plain gradient descent (``solver="gd"``) over a
  grid of constant learning rates, print a table and optionally save a plot of
  the score and the number of iterations against the learning rate.
- ``c-search``: cross-validate a grid of C (and optionally l1_ratio), print a
  table and the best parameters, optionally save the score against C (a
  heatmap over C × l1_ratio).

Both searches run GradientDescentLogisticRegressionCV: every (candidate,
fold) pair descends in one batch (one batch per fold when each fold is
standardized by its own training rows, the default).

Besides gdlogreg's public API, the cost J and the step bound 2/L come from its
core (:mod:`gdlogreg._problem`, :mod:`gdlogreg._objective`), where each formula
is written once.
"""

import argparse
import bz2
import codecs
import contextlib
import csv
import difflib
import gzip
import io
import logging
import lzma
import math
import os
import re
import shutil
import stat
import sys
import textwrap
import time
import warnings
import zlib

import numpy as np

from ._messages import class_indices, descent_bound, fmt_labels
from ._plot import _decade_ticks
from ._steps import RULES

DATASETS = ("breast_cancer", "digits", "wine", "iris")
COMMANDS = ("compare", "lr-search", "c-search")
DEFAULT_LEARNING_RATES = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
DEFAULT_CS = tuple(float(c) for c in np.logspace(-4, 4, 10))


class CLIError(Exception):
    """A problem with the user's input, reported as ``gdlogreg: error: ...``."""


# ---------------------------------------------------------------------- data
def load_data(dataset="breast_cancer", csv_path=None, target=None, drop=None, sep=","):
    """Load a bundled scikit-learn dataset or a CSV file.

    Parameters
    ----------
    dataset : {"breast_cancer", "digits", "wine", "iris"}, default="breast_cancer"
        The bundled dataset, used when ``csv_path`` is None.
    csv_path : str or None, default=None
        A CSV file (UTF-8, optionally with a byte-order mark; gzip, bzip2 or xz
        compressed too) with a header row. Every column but the target, the dropped
        ones and the leading unnamed ones (the row index) must be numeric.
    target : str or None, default=None
        The CSV column that holds the labels; None: the last column.
    drop : list of str or None, default=None
        CSV columns to leave out (an id column, say); an entry that is not a
        column name but holds commas names several (``"id,date"``), as
        ``--drop`` takes them.
    sep : str, default=","
        The one-character field separator of the CSV file.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
        The features, as floats.
    y : ndarray of shape (n_samples,)
        The labels (integers when they all read as whole numbers, else strings).
    name : str
        A short description of the data.

    Examples
    --------
    >>> from gdlogreg._cli import load_data
    >>> X, y, name = load_data("iris")
    >>> X.shape, name
    ((150, 4), 'iris')
    """
    if csv_path is None:
        from sklearn import datasets

        X, y = getattr(datasets, f"load_{dataset}")(return_X_y=True)
        return np.asarray(X, dtype=float), y, dataset.replace("_", " ")
    t = _read_table(csv_path, sep)
    target = t.header[-1] if target is None else target.strip()  # (names are stripped)
    drop = _drop_names(t, drop or [])
    j, keep = _feature_columns(t, target, drop)
    _check_first_row(t, j)
    hint = _target_hint(target)
    X, labels = _parse_rows(t, j, keep, hint)
    y = _labels(labels, t.lines[1:], target, hint, csv_path)
    return X, y, (f"{csv_path} (target {target!r}{_data_notes(t, j, keep, drop)}"
                  f"{_marker_note(y)})")


class _Table:
    """A CSV file as read: its ``path`` and separator ``sep``, the ``header`` (stripped
    names), the ``rows`` (the header row first), the physical ``lines`` each spans, and
    the names of the leading columns left out as the row ``index``."""

    def __init__(self, path, sep, rows, lines):
        self.path, self.sep, self.rows, self.lines = path, sep, rows, lines
        self.header = [h.strip() for h in rows[0]]
        self.index = []

    def number(self, i):
        """Column ``i`` of the header as the file counts it (1-based, the index columns
        included; review 175)."""
        return i + 1 + len(self.index)


def _read_table(csv_path, sep):
    """The CSV file as a :class:`_Table`, its empty last column and index columns left
    out, its header checked: the header rules read the columns that remain (a separator
    that ends each line made a first row of data pass for names; review 175)."""
    t = _Table(csv_path, sep, *_read_csv(csv_path, sep))
    _drop_trailing_empty_column(t.header, t.rows)
    t.index = _drop_index_columns(t.header, t.rows)
    _check_header(t.header, csv_path, _named_by_text(t))
    _check_other_separator(t)
    return t


def _data_notes(t, j, keep, drop):
    """The data line's notes: the index columns left out, a header of column numbers read
    as names, an unnamed column used as a feature, the columns dropped."""
    n = len(t.index)
    note = ("" if not n else ", the unnamed first column left out as the row index" if n == 1
            else f", the {n} unnamed first columns left out as the row index")
    note += _numbered_note(t.header)
    unnamed = [str(t.number(i)) for i in keep if _unnamed(t.header[i])]
    if unnamed:  # review 175: a nameless column among named ones, kept as a feature
        many = len(unnamed) > 1
        note += (f", the unnamed column{'s' * many} {', '.join(unnamed)} used as"
                 f" {'features' if many else 'a feature'}, which --drop '' leaves out")
    if drop:
        note += ", dropped " + ", ".join(repr(c) if c else "the unnamed columns" for c in drop)
    return note


def _compression(head):
    """``(kind, open)`` of a file whose first bytes are ``head``: gzip, bzip2 or xz, read
    decompressed as pandas reads them (review 175: a gzip file was "not UTF-8"); kind None
    and the builtin open for another."""
    if head.startswith(b"\x1f\x8b"):
        return "gzip", gzip.open
    if head.startswith(b"\xfd7zXZ\x00"):
        return "xz", lzma.open
    # bzip2: "BZh1" to "BZh9" and a block's magic (π's digits) or the stream's end (√π's),
    # not "BZh" alone: a CSV header may begin "BZh9_score" (review 178)
    if head[:3] == b"BZh" and head[3:4] in tuple(b"%d" % d for d in range(1, 10)) and (
            head[4:10] in (b"1AY&SY", b"\x17rE8P\x90")):
        return "bzip2", bz2.open
    return None, open


def _opener(csv_path):
    """``(kind, open)``: how to open the file as text (:func:`_compression`); a zip
    archive, several files, is refused. A pipe or FIFO (``--csv /dev/stdin``, bash's
    ``<(zcat data.csv.gz)``) is read once, into memory: reading its first bytes here
    consumed them, and the data read after lacked its first rows (review 204)."""
    try:
        regular = stat.S_ISREG(os.stat(csv_path).st_mode)
        with open(csv_path, "rb") as f:
            head = f.read() if not regular else f.read(10)
    except OSError:
        return None, open  # (the error is told where the file is read)
    if head.startswith(b"PK\x03\x04"):
        raise CLIError(f"{csv_path!r} is a zip archive, not a CSV file: unzip it and give"
                       " the CSV file inside to --csv.")
    kind, opener = _compression(head[:10])
    return kind, (opener if regular else _in_memory(head, kind, opener))


def _in_memory(data, kind, opener):
    """An ``open(path, mode, **kwargs)`` of the bytes ``data`` (a pipe's, read once),
    decompressed by ``opener`` where ``kind`` names a compression."""

    def open_(_path, mode="rb", **kwargs):
        raw = io.BytesIO(data)
        binary = raw if kind is None else opener(raw, "rb")
        return binary if "b" in mode else io.TextIOWrapper(binary, **kwargs)

    return open_


def _read_csv(csv_path, sep):
    """``(rows, lines)``: the non-empty rows of a CSV file (a header and at least two data
    rows), and the physical lines each spans, ``(first, last)``, for the messages (blank
    lines and quoted line breaks make them differ from the rows' count). A gzip, bzip2 or
    xz file is read decompressed."""
    rows, lines = [], []
    kind, opener = _opener(csv_path)
    try:
        with opener(csv_path, "rt", newline="", encoding="utf-8-sig") as f:
            reader = csv.reader(f, delimiter=sep)
            end = 0
            for row in reader:
                if row and not (len(row) == 1 and not row[0].strip()):  # blank, or spaces
                    rows.append(row)
                    lines.append((end + 1, reader.line_num))
                end = reader.line_num
    except (OSError, EOFError, lzma.LZMAError, zlib.error) as exc:
        what = f"its {kind} data is damaged or cut short: " if kind else ""
        raise CLIError(f"cannot read {csv_path!r}: {what}"
                       f"{getattr(exc, 'strerror', None) or exc}") from None
    except UnicodeDecodeError as exc:
        raise CLIError(_not_utf8(csv_path, exc, opener)) from None
    except csv.Error as exc:
        raise CLIError(f"cannot read {csv_path!r} as CSV: {exc}.") from None
    if len(rows) < 3:
        raise CLIError(f"{csv_path!r} needs a header row and at least two data rows.")
    return rows, lines


def _not_utf8(csv_path, exc, opener=open):
    """The message for a file that is not UTF-8: the first bad byte's place in the file and
    its line (the decoder's ``exc.start`` counts from the chunk it was decoding; review
    146)."""
    with opener(csv_path, "rb") as f:
        data = f.read()
    try:
        data.decode("utf-8-sig")
        at = exc.start  # (decodes whole: keep the decoder's count)
    except UnicodeDecodeError as whole:
        at = whole.start + (3 if data.startswith(b"\xef\xbb\xbf") else 0)
    line = data.count(b"\n", 0, at) + 1
    return (f"cannot read {csv_path!r}: it is not UTF-8 text (line {line}, byte {at + 1}:"
            f" {data[at:at + 1]!r}); save it as UTF-8 CSV.")


def _where(csv_path, lines):
    """"'data.csv', line 5" (or "lines 2-3": a quoted field that spans lines)."""
    first, last = lines
    return f"{csv_path!r}, line {first}" if first == last else f"{csv_path!r}, lines {first}-{last}"


def _drop_trailing_empty_column(header, rows):
    """Leave out a last column with neither a name nor a value: a separator that ends every
    line (as some exports write) would else be a feature or the labels' column of nothing."""
    if len(header) > 1 and not header[-1] and all(
        len(row) == len(header) and not row[-1].strip() for row in rows[1:]
    ):
        header.pop()
        for row in rows:
            row.pop()


def _unnamed(name):
    """Whether a column has no name: blank, or pandas' name for a column without one
    ("Unnamed: 0", a row index read back and written again; review 175)."""
    return not name or _PANDAS_UNNAMED.fullmatch(name) is not None


_PANDAS_UNNAMED = re.compile(r"Unnamed: \d+(_level_\d+)?")


def _drop_index_columns(header, rows):
    """Leave out the leading columns without a name (blank, or pandas' "Unnamed: 0"): the
    row index that pandas' ``to_csv()`` and R's ``write.csv`` write by default (0 to
    n - 1, a filtered, shuffled or concatenated frame's labels, R's row names "84.1" or
    "Mazda RX4", dates), one column a level of a MultiIndex (``pd.concat`` of named
    frames). As a feature it would be the rows' order, which a file sorted by class turns
    into the labels (reviews 164, 173, 175). The names left out."""
    if any(len(row) != len(header) for row in rows[1:]):
        return []
    n = 0
    while n < len(header) - 1 and _unnamed(header[n]):
        n += 1
    index = header[:n]
    for row in rows:
        del row[:n]
    del header[:n]
    return index


def _named_by_text(t):
    """Whether some field of the first row is text where every value below it is a number:
    a name, so the first row is the header (decimal names such as wavelengths, "400.5",
    then stand; review 178: refused, with advice to add the header the file had)."""
    for i, h in enumerate(t.header):
        values = [row[i] for row in t.rows[1:] if len(row) > i and row[i].strip()]
        if h and not _is_number(h) and values and all(_is_number(v) for v in values):
            return True
    return False


def _check_header(header, csv_path, named=False):
    """Refuse a first row of data (a name such as 0.25): read as a header it would lose a
    sample and name the columns by its values. ``named``: the row holds a name
    (:func:`_named_by_text`): decimal names stand."""
    if not any(header):
        raise CLIError(f"{csv_path!r}: the first row has no column names; the file needs a"
                       " header row (add one: the column names, --target names the labels'"
                       " column).")
    for h in header:
        try:
            value = float(h)
        except ValueError:
            continue
        if math.isfinite(value) and not value.is_integer() and not named:
            raise CLIError(
                f"{csv_path!r}: the first row holds {h!r}, a number, not a column name;"
                " the file needs a header row (add one: the column names, --target names"
                " the labels' column)."
            )
    if all(_is_number(h) for h in header) and _column_numbers(header) is None:
        # "1,2,1": numbers alone, not distinct whole numbers of at least 0, are a first
        # row of data (review 164); distinct ones may be pandas' names of a frame's
        # columns, some dropped or reordered ("27,22,7,30"; reviews 171, 173): read as
        # names, and the data line says so (:func:`_numbered_note`)
        raise CLIError(
            f"{csv_path!r}: the first row holds numbers alone ({', '.join(header[:4])}"
            f"{', ...' if len(header) > 4 else ''}), not column names: is it data? the file"
            " needs a header row (add one: the column names, --target names the labels'"
            " column)."
        )


def _check_first_row(t, j):
    """Refuse a first row of data whose target field is text: the other fields numbers
    (not pandas' distinct column numbers) and the target's name one of its own labels
    ("1,2,1,yes"; review 175: read as names, it lost a sample and named two features
    '1')."""
    others = [h for i, h in enumerate(t.header) if i != j]
    if not (others and all(_is_number(h) for h in others) and _column_numbers(others) is None):
        return
    if t.header[j] in {row[j].strip() for row in t.rows[1:] if len(row) > j}:
        raise CLIError(
            f"{t.path!r}: the first row looks like data, not column names (numbers, and"
            f" {t.header[j]!r}, which is also a label of that column); the file needs a"
            " header row (add one: the column names, --target names the labels' column).")


def _check_other_separator(t):
    """Refuse a column whose name and every value hold another separator: a ';' file read
    with commas, its name "Gewicht, kg" splitting the header ("kg;Groesse;y" then a
    column of text labels; review 175). (A header of one column is told so, later.)"""
    for i, name in enumerate(t.header if len(t.header) > 1 else ()):
        values = [row[i] for row in t.rows[1:] if len(row) == len(t.header)]
        for s in _OTHER_SEPARATORS:
            if s != t.sep and s in name and values and all(s in v for v in values):
                raise CLIError(
                    f"{t.path!r}: the column {name!r} and each of its values hold {s!r}:"
                    f" is the separator {s!r}? use --sep {_sep_arg(s)}.")


_OTHER_SEPARATORS = (";", "\t", "|")


def _column_numbers(header):
    """The header as column numbers where it may be them (distinct whole numbers of at
    least 0, as pandas names a frame's columns, some dropped or reordered), else None."""
    try:
        numbers = [int(h) for h in header]
    except ValueError:
        return None
    ok = bool(numbers) and min(numbers) >= 0 and len(set(numbers)) == len(numbers)
    return numbers if ok else None


def _numbered_note(header):
    """The data line's note where the header is column numbers not in increasing order
    (which pandas' own are, unless reordered): it may be a first row of data read as
    names."""
    numbers = _column_numbers(header)
    if numbers is None or all(a < b for a, b in zip(numbers, numbers[1:], strict=False)):
        return ""
    return ", the first row's numbers read as column names"


def _columns(header):
    """The column names for a message, each quoted: a name may hold a comma or a space."""
    return ", ".join(repr(h) for h in header)


def _drop_names(t, texts):
    """The columns to drop, each once: a text that names a column is that column (a comma
    and all, "Gewicht, kg"); '' the columns without a name (review 175); a column left
    out as the row index is left out already; another text is split at its commas
    (``--drop id,date``)."""
    names = []
    for text in texts:
        text = text.strip()
        if not text:
            names += _unnamed_columns(t)
        elif text in t.header:
            names.append(text)
        elif text not in t.index:
            parts = [c.strip() for c in text.split(",")]
            if not all(parts):
                raise CLIError(f"--drop {text!r}: an empty column name (not a column"
                               f" either); the columns are: {_columns(t.header)}.")
            names += [c for c in parts if c not in t.index]
    return list(dict.fromkeys(names))


def _unnamed_columns(t):
    """The names of the columns without one, for ``--drop ''``; none, but the index
    columns already left out, is an error."""
    names = [h for h in t.header if _unnamed(h)]
    if not (names or t.index):
        raise CLIError(f"--drop '': no column without a name in {t.path!r}; the columns"
                       f" are: {_columns(t.header)}{_sep_hint(t.header, t.sep)}.")
    return names


def _feature_columns(t, target, drop):
    """``(j, keep)``: the index of the target column and those of the features."""
    header = t.header
    if target not in header:
        raise _no_target_error(t, target)
    for col in drop:
        if col not in header:
            comma = any("," in h for h in header)
            raise CLIError(f"no column {col!r} to drop; the columns are: {_columns(header)}"
                           + (" (a name with a comma goes in a --drop of its own)" if comma
                              else "") + f"{_sep_hint(header, t.sep)}.")
        if col == target:
            raise CLIError(f"cannot drop the target column {target!r} (--target names another).")
    where = [str(t.number(i)) for i, h in enumerate(header) if h == target]
    if len(where) > 1:
        raise _twice_error(target, where, t.path)
    j = header.index(target)
    keep = [i for i, h in enumerate(header) if i != j and h not in drop]
    if not keep:
        raise _no_feature_error(t, target)
    return j, keep


def _no_target_error(t, target):
    """The error for a --target that names no column; where it names a column left out as
    the row index (``--target ''``), how to use that column (review 175)."""
    if target in t.index or (not target and t.index):
        return CLIError(
            f"{t.path!r}: the column {target!r} is the row index (a leading column without"
            " a name), left out; if it holds the labels, write a name for it in the header"
            f" row (such as 'label', before the first {_sep_arg(t.sep)}) and use --target"
            " label.")
    return CLIError(f"no column {target!r} in {t.path!r}; the columns are:"
                    f" {_columns(t.header)}{_sep_hint(t.header, t.sep)}.")


def _twice_error(target, where, csv_path):
    """The error for a target name found in several columns (``where``, 1-based; a header
    of numbers alone was refused before, :func:`_check_header`)."""
    times = "twice" if len(where) == 2 else f"{len(where)} times"
    columns = (" and ".join(where) if len(where) == 2
               else ", ".join(where[:6]) + (", ..." if len(where) > 6 else ""))
    return CLIError(f"{csv_path!r} has the target column {target!r} {times} (columns"
                    f" {columns}); rename all but one of them.")


def _no_feature_error(t, target):
    """The error for a CSV without a feature column; for one column, a hint at --sep."""
    n = len(t.index)
    index = (f" (the first {_plural(n, 'column')}, without a name, left out as the row index:"
             " name them in the header row to use them)" if n else "")
    if len(t.header) > 1:
        return CLIError(f"{t.path!r} has no feature column left besides the target"
                        f" {target!r}{index}.")
    return CLIError(f"{t.path!r} has a single column {t.header[0]!r}{index}"
                    f"{_sep_hint(t.header, t.sep)}.")


def _sep_hint(fields, sep):
    """A hint at --sep where the fields (a header, a row) hold another separator: ';',
    tab or '|' in any of them; ',' or a space (R's write.table; review 175) only where
    the whole line reads as one field."""
    seps = _OTHER_SEPARATORS + ((",", " ") if len(fields) == 1 else ())
    others = [s for s in seps if s != sep and any(s in f.strip() for f in fields)]
    return f"; is the separator {others[0]!r}? use --sep {_sep_arg(others[0])}" if others else ""


def _parse_rows(t, j, keep, hint):
    """``(X, labels)``: the features as finite floats, the labels as stripped text."""
    rows, lines, header, csv_path = t.rows, t.lines, t.header, t.path
    X = np.empty((len(rows) - 1, len(keep)))
    labels = []
    for r, (row, where) in enumerate(zip(rows[1:], lines[1:], strict=True)):
        where = _where(csv_path, where)
        if len(row) != len(header):
            raise CLIError(f"{where}: {len(row)} fields, the header has {len(header)}"
                           f"{_sep_hint(row, t.sep) or _sep_hint(header, t.sep)}.")
        label = row[j].strip()
        if not label:
            raise CLIError(f"{where}: no label in column {header[j]!r}{hint}.")
        labels.append(label)
        for c, i in enumerate(keep):
            X[r, c] = _feature_value(row[i], header[i], where)
    if not np.isfinite(X).all():
        r, c = (int(i[0]) for i in np.nonzero(~np.isfinite(X)))
        raise CLIError(
            f"{_where(csv_path, lines[r + 1])}: column {header[keep[c]]!r} holds"
            f" {rows[r + 1][keep[c]].strip()!r}: the features hold nan or infinite values"
            f" (they must be finite; missing values are not supported).")
    return X, labels


def _comma_error(where, col, v):
    """The error for a number written with a comma (a decimal comma, or commas between
    thousands), in a feature or in the labels (review 175)."""
    return CLIError(
        f"{where}: column {col!r} holds {v!r}, a number with a comma (a decimal"
        " comma, or one between thousands), which is not read; write the file with"
        " decimal points and no thousands separator (R's write.csv, pandas'"
        " to_csv() without decimal=',')."
    )


def _feature_value(v, col, where):
    try:
        return _field_number(v)
    except ValueError:
        if _decimal_comma(v):  # "5,1" of write.csv2 / to_csv(decimal=","): a number
            raise _comma_error(where, col, v) from None
        raise CLIError(
            f"{where}: column {col!r} holds {v!r}, not a number"
            f" (features must be numeric; missing values are not supported); if"
            f" {col!r} holds the labels, use --target {_quote(col)}, to leave it"
            f" out --drop {_quote(col)}."
        ) from None


def _decimal_comma(v):
    """Whether a field is a number written with a decimal comma ("5,1", "-0,25") or with
    commas between thousands ("1,234,567", review 175)."""
    v = v.strip()
    head, comma, tail = v.partition(",")
    return (bool(comma) and _is_number(head) and tail.isdigit()) or bool(
        _THOUSANDS.fullmatch(v))


_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


# pandas.read_csv's default missing-value markers (but ""): in a column of whole numbers,
# such a label is a missing one, not a class of its own
_MISSING = frozenset({
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
})
# ... with "?", the UCI files' marker; among text labels those but "None" (a class: no
# disease, say; review 175)
_MISSING_NUMBERS = _MISSING | {"?"}
# among text labels only "?": "NA" (North America), "N/A", "None" may be classes (review 178)
_MISSING_TEXT = frozenset({"?"})


def _field_number(v):
    """A CSV field as a float; ValueError for text. Python's float also reads "1_0" as 10
    and non-ASCII digits ("１"): text, which as labels would merge with "10" and "1", and as
    features read as numbers nobody wrote (review 136)."""
    if "_" in v or not v.isascii():
        raise ValueError(v)
    return float(v)


def _labels(values, lines, target, hint, csv_path):
    """Whole numbers as integers ("1.0" too), other text as strings; refuse measurements,
    numbers with a comma, and missing labels (NA, ?, ...). ``lines``: each value's lines."""
    _refuse_missing(values, lines, target, hint, csv_path)
    try:
        numbers = np.array([_field_number(v) for v in values])
    except ValueError:
        _refuse_comma_numbers(values, lines, target, csv_path)
        return np.array([_whole_text(v) for v in values])
    # From 2**53 on a float no longer holds every whole number (2**53 + 1 reads as 2**53)
    bad = ~np.isfinite(numbers) | (numbers != np.round(numbers)) | (np.abs(numbers) >= 2**53)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise CLIError(
            f"{_where(csv_path, lines[i])}: column {target!r} holds {values[i]}, not a class"
            f" label (whole numbers below 2**53 in size, or text){hint}."
        )
    return numbers.astype(np.int64)


def _refuse_comma_numbers(values, lines, target, csv_path):
    """Labels that are numbers but some written with a comma ("7,25" of write.csv2): the
    decimal-comma error, as for a feature (review 175: they were text classes)."""
    commas = [i for i, v in enumerate(values) if not _is_number(v) and _decimal_comma(v)]
    if commas and all(_is_number(v) or _decimal_comma(v) for v in values):
        raise _comma_error(_where(csv_path, lines[commas[0]]), target, values[commas[0]])


def _whole_text(v):
    """A text label as it stands, but a whole number among text labels as the integer's
    text: "1.0" and "1" one class there too, as among numbers (review 146)."""
    try:
        x = _field_number(v)
    except ValueError:
        return v
    return str(int(x)) if math.isfinite(x) and x == round(x) and abs(x) < 2**53 else v


def _refuse_missing(values, lines, target, hint, csv_path):
    """Refuse missing labels (review 175: they were classes): among numbers pandas' markers
    (NA, nan, None, ...) and "?"; among text labels "?" alone. pandas' markers among text
    labels are kept as classes ("NA" for North America, a rare one too: review 178) and
    the data line says so (:func:`_marker_note`). The message names the marker, the rows
    that hold one and the way out."""
    numeric = all(_is_number(v) or v in _MISSING_NUMBERS for v in values)
    at = [i for i, v in enumerate(values) if v in (_MISSING_NUMBERS if numeric else
                                                    _MISSING_TEXT)]
    if not at:
        return
    i = at[0]
    rows = ", ".join(str(lines[k][0]) for k in at[:5]) + (", ..." if len(at) > 5 else "")
    markers = " or ".join(repr(m) for m in dict.fromkeys(values[k] for k in at))
    fix = ("remove the row or fill in its label" if len(at) == 1 else
           f"{len(at)} rows have none ({markers}; lines {rows}): remove them or fill in"
           " their labels")
    raise CLIError(
        f"{_where(csv_path, lines[i])}: no label in column {target!r} ({values[i]!r} marks a"
        f" missing value{'; the other labels are numbers' if numeric else ''}); {fix}{hint}."
    )


def _marker_note(y):
    """The data line's note for text labels that pandas reads as missing, kept as a class
    (:func:`_refuse_missing`)."""
    kept = sorted({v for v in y.tolist() if v in _MISSING - {"None"}}) if (
        y.dtype.kind == "U") else []
    return (f", {fmt_labels(kept)} read as a class (pandas reads it as a missing label)"
            if kept else "")


def _is_number(v):
    try:
        _field_number(v)
    except ValueError:
        return False
    return True


def _target_hint(target):
    return f"; the labels are read from column {target!r} (--target COL names another)"


def _quote(name):
    return name if name and all(c.isalnum() or c in "_-." for c in name) else repr(name)


def _sep_arg(sep):
    return "tab" if sep == "\t" else repr(sep)


def _separator(text):
    """The CSV field separator for argparse: one character; 'tab' or '\\t' for a tab."""
    sep = {"tab": "\t", "\\t": "\t"}.get(text.lower() if len(text) > 1 else text, text)
    if len(sep) != 1 or sep in "\"\r\n":
        raise argparse.ArgumentTypeError(
            f"must be one character (or 'tab'), not a quote or line break: got {text!r}"
        )
    return sep


def _column_list(text):
    """COL[,COL...] for --drop (repeatable): the text as given, read against the header
    (a column's name with a comma is that column, see ``_drop_names``); '' the columns
    without a name (review 175: the errors advise it); commas alone are refused here."""
    if text.strip() and not text.replace(",", "").strip():
        raise argparse.ArgumentTypeError(f"an empty column name in {text!r}")
    return text


# ------------------------------------------------------------------- helpers
# descent_step_bound prints 2/L as the bound itself (the estimator needs it to
# 0.1 % only): power iteration runs until L settles in its last digits.
_POWER_ITERATIONS = 1000
_POWER_RTOL = 1e-15


def _core_objective(X, y_idx, sample_weight, n_classes, *, C, l1_ratio, fit_intercept):
    """gdlogreg's J for this data, in the original coordinates (no preconditioning).

    The cost, the weights' normalisation, the penalty's scaling and the curvature
    bound are the core's (one formula, one place): the CLI does not write them again.
    """
    from gdlogreg._objective import Objective
    from gdlogreg._problem import Identity, make_problem

    problem = make_problem(
        X, y_idx, sample_weight, max(n_classes, 2), C=C, l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
    )
    return Objective(problem, Identity(fit_intercept))


def objective(estimator, X, y, sample_weight=None):
    """The cost J of a fitted linear classifier: mean log-loss plus the penalty.

    J = Σ sᵢ L(pᵢ, yᵢ) / m + (1 - ρ) / (2 C m) ‖w‖² + ρ / (C m) ‖w‖₁, m = Σ sᵢ,
    with ``C`` and ρ = ``l1_ratio`` read from the estimator. It is the same
    function for GradientDescentLogisticRegression and LogisticRegression, so
    their fits can be compared: gdlogreg's own J (its loss and penalty),
    evaluated at the estimator's ``coef_`` and ``intercept_``. The class
    weights of the estimator are not applied.

    Parameters
    ----------
    estimator : fitted classifier
        With ``classes_``, ``coef_``, ``intercept_``, ``C`` and ``l1_ratio``
        (missing or None: 0), as LogisticRegression has.
    X : array-like of shape (n_samples, n_features)
        The training data.
    y : array-like of shape (n_samples,)
        The labels.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    J : float
        The cost.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from gdlogreg import GradientDescentLogisticRegression
    >>> from gdlogreg._cli import objective
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = GradientDescentLogisticRegression().fit(X, y)
    >>> bool(abs(objective(clf, X, y) - clf.loss_curve_[-1]) < 1e-8)
    True
    """
    from sklearn.utils import check_array

    classes = np.asarray(estimator.classes_)
    with np.errstate(over="ignore", invalid="ignore"):  # its finite check's sum (near 1e308)
        X = check_array(X, accept_sparse="csr", dtype=np.float64)
    W = np.asarray(estimator.coef_, dtype=float).T  # (d, m)
    b = np.broadcast_to(np.asarray(getattr(estimator, "intercept_", 0.0), dtype=float),
                        (1, W.shape[1]))
    sw = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
    rho = float(getattr(estimator, "l1_ratio", 0.0) or 0.0)
    J = _core_objective(
        X, class_indices(classes, y), sw, len(classes), C=float(estimator.C), l1_ratio=rho,
        fit_intercept=True,
    )
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        return float(J.evaluate(np.vstack([W, b]), gradient=False).J)


def descent_step_bound(X, y, C=1.0, l1_ratio=0.0, fit_intercept=True):
    """2/L: every constant learning rate below it decreases J at every step.

    L bounds the curvature of J everywhere: the largest eigenvalue of
    c · AᵀA / m plus the L2 part of the penalty, with A = [X, 1] (or X
    without intercept), m the number of samples and c the worst case of the
    loss's second derivative, σ′ ≤ ¼ for two classes and ½ for the softmax.
    It is the plain gradient step of ``solver="gd"`` (no preconditioning).
    This is a guarantee, not a limit: the curvature is smaller than c away
    from the start, and larger steps often converge too (on the standardized
    breast-cancer data 2/L ≈ 0.60, yet α = 3 and 10 converge). L is gdlogreg's
    own estimate (power iteration on its Hessian bound), run to convergence.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        The training data, as the estimator sees it (standardized or not).
    y : array-like of shape (n_samples,)
        The labels (only their number of classes matters).
    C : float, default=1.0
        Inverse regularisation strength; ``inf`` for none.
    l1_ratio : float, default=0.0
        Elastic-net mixing; only the L2 part adds curvature.
    fit_intercept : bool, default=True
        Whether the model has an intercept.

    Returns
    -------
    step : float
        2/L.

    Examples
    --------
    >>> import numpy as np
    >>> from gdlogreg._cli import descent_step_bound
    >>> X = np.array([[-1.0], [1.0], [-1.0], [1.0]])
    >>> step = descent_step_bound(X, [0, 0, 1, 1], C=np.inf)
    >>> round(step, 12)  # c = 1/4, eigenvalues of AᵀA/m: 1, 1
    8.0
    """
    from gdlogreg._steps._base import lipschitz

    X = np.asarray(X, dtype=float)
    _, y_idx = np.unique(np.asarray(y), return_inverse=True)
    J = _core_objective(
        X, y_idx, None, int(y_idx.max()) + 1, C=C, l1_ratio=l1_ratio,
        fit_intercept=fit_intercept,
    )
    L, _ = lipschitz(J, n_iter=_POWER_ITERATIONS, rtol=_POWER_RTOL)
    return 2.0 / L


def max_coef_difference(a, b):
    """Largest difference between the coefficients and intercepts of two fits.

    For more than two classes the rows are centred first: the softmax does
    not change when the same vector is added to every row of the weights (and
    the same number to every intercept), so without a penalty only the
    centred parameters are determined. An L2 penalty centres them anyway.

    Parameters
    ----------
    a, b : fitted linear classifiers
        With ``coef_`` and ``intercept_`` of the same shapes.

    Returns
    -------
    delta : float
        max |Δcoef| over the weights and the intercepts.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> import numpy as np
    >>> from gdlogreg._cli import max_coef_difference
    >>> a = SimpleNamespace(coef_=np.array([[1.0, 2.0]]), intercept_=np.array([0.5]))
    >>> b = SimpleNamespace(coef_=np.array([[1.0, 2.5]]), intercept_=np.array([0.4]))
    >>> max_coef_difference(a, b)
    0.5
    """
    params = []
    for est in (a, b):
        p = np.column_stack([np.asarray(est.coef_), np.asarray(est.intercept_)])
        if p.shape[0] > 1:
            p = p - p.mean(axis=0)
        params.append(p)
    return float(np.max(np.abs(params[0] - params[1])))


def format_table(header, rows, left=(0,)):
    """Align the columns of a table: the ``left`` columns to the left, the others right.

    Parameters
    ----------
    header : list of str
        Column titles.
    rows : list of list
        The cells; non-strings are formatted with ``str``.
    left : tuple of int, default=(0,)
        Indices of the columns of text, aligned to the left.

    Returns
    -------
    table : str
        The table, with a rule under the header.

    Examples
    --------
    >>> from gdlogreg._cli import format_table
    >>> print(format_table(["name", "n"], [["a", 1], ["bcd", 22]]))
    name   n
    ----  --
    a      1
    bcd   22
    """
    cells = [[str(c) for c in header]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    left = [i in left or i - len(header) in left for i in range(len(header))]

    def line(r):
        return "  ".join(
            c.ljust(w) if lf else c.rjust(w) for c, w, lf in zip(r, widths, left, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(cells[0]), rule] + [line(r) for r in cells[1:]])


class _Given(float):
    """A float parsed from an option, with the ``text`` typed for it: a message echoes the
    text, not the float's shortest form ("--C 1e-320", not 9.99989e-321; review 175)."""

    def __new__(cls, value, text=None):
        self = super().__new__(cls, value)
        self.text = text
        return self


def _typed(value):
    """The text typed for an option's value, else the value printed."""
    return getattr(value, "text", None) or f"{value:g}"


def _number(text, *, positive, auto=False):
    """A finite float, > 0 (``positive``) or >= 0, or "auto" if ``auto``; for argparse."""
    if auto and text == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        kind = "neither 'auto' nor a number" if auto else "not a number"
        raise argparse.ArgumentTypeError(f"{text!r} is {kind}") from None
    if not math.isfinite(value) or not (value > 0 if positive else value >= 0):
        what = "the learning rate must be" if auto else "must be"
        finite = "" if math.isfinite(value) else " and finite"  # "> 0, got inf" read as a slip
        raise argparse.ArgumentTypeError(
            f"{what} {'>' if positive else '>='} 0{finite}, got {text}")
    return _Given(value, text)


def _inverse_regularisation(text):
    """C for argparse: a number > 0, or inf (also "infinity", "np.inf") for no penalty."""
    value = "inf" if text.strip().lower() in ("np.inf", "numpy.inf", "math.inf") else text
    try:
        value = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (or 'inf')") from None
    if not value > 0:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be > 0 or 'inf', got {text}")
    return _Given(value, text)


def _learning_rate(text):
    return _number(text, positive=True, auto=True)


def _positive_float(text):
    return _number(text, positive=True)


def _nonnegative_float(text):
    return _number(text, positive=False)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def _dataset(text):
    name = text.replace("-", "_").lower()
    if name not in DATASETS:
        raise argparse.ArgumentTypeError(
            f"unknown dataset {text!r} (choose from {', '.join(DATASETS)})"
        )
    return name


def _plural(n, word, plural=None):
    """"1 iteration", "2 iterations"; ``n`` may be a number or its printed form."""
    one = str(n) in ("1", "1.0")
    return f"{n} {word if one else plural or word + 's'}"


def _fmt_lr(lr):
    return repr(lr) if isinstance(lr, str) else _fmt_param(lr)


def _fmt_param(value):
    """A searched C, l1_ratio or learning rate as the shortest text that reads back as
    the same float (repr's, "10" for 10.0): fewer digits could merge two candidates or
    misname the C chosen (review 146)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _fmt_time(seconds):
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _load(args):
    return load_data(args.dataset, args.csv, args.target, drop=args.drop, sep=args.sep)


def _describe(X, y, name, standardize):
    n_classes = len(np.unique(y))
    scaled = "standardized" if standardize else "not standardized"
    return (
        f"Data: {name}: {_plural(X.shape[0], 'sample')}, {_plural(X.shape[1], 'feature')},"
        f" {_plural(n_classes, 'class', 'classes')}"
        f" ({scaled})"
    )


def _say(text, width=100):
    """Print a line of prose wrapped to ``width`` columns (the tables are not wrapped)."""
    print(textwrap.fill(text, width=width, subsequent_indent="    ",
                        break_long_words=False, break_on_hyphens=False))


def _save(fig, path):
    try:
        # The format named: else matplotlib adds ".png" again to a name like "..png"
        fig.savefig(path, dpi=100, bbox_inches="tight",
                    format=os.path.splitext(path)[1][1:] or "png")
    except OSError as exc:
        raise CLIError(f"cannot write the plot to {path!r}: {exc.strerror or exc}") from None
    except (RuntimeError, ValueError) as exc:  # a backend's own (LaTeX for PGF, say)
        raise CLIError(f"cannot write the plot to {path!r}: {exc}") from None
    print(f"Plot saved to {path}")


def _timed_fit(est, X, y, budget=0.5, repeats=5):
    """Fit, and return the best time of up to ``repeats`` fits within ``budget`` s.

    The first fit of a process pays for lazy imports and warm-up; repeating
    the (deterministic) fit while it is cheap gives a fair time.
    """
    best, spent = math.inf, 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        est.fit(X, y)
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
        if spent > budget:
            break
    return best


class _LoggedWarnings(logging.Handler):
    """The messages of the warnings matplotlib logs (PostScript's want of transparency):
    without a handler, logging's last resort prints them bare on the standard error."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _warnings_to(notes, ignore=(), categories=None):
    """Collect the warnings raised inside (but the ``ignore`` categories), and those
    matplotlib logs, into ``notes`` as ``warning: ...`` lines, each distinct one once,
    rather than let them reach the standard error as Python prints them (with a path);
    their categories into the set ``categories`` if given.
    The caller's filters hold inside ("error" still raises, as under the tests)."""
    logged = _LoggedWarnings()
    logger = logging.getLogger("matplotlib")
    logger.addHandler(logged)
    try:
        with warnings.catch_warnings(record=True) as caught:
            for category in ignore:
                warnings.simplefilter("ignore", category)
            yield
    finally:
        logger.removeHandler(logged)
    if categories is not None:
        categories.update(w.category for w in caught)
    for text in [str(w.message) for w in caught] + logged.messages:
        line = "warning: " + " ".join(text.split())
        if line not in notes:
            notes.append(line)


def _print_notes(notes):
    """The ``warning: ...`` lines on the standard error, after what stdout holds so far."""
    sys.stdout.flush()
    for note in notes:
        print(textwrap.fill(note, width=100, subsequent_indent="    "), file=sys.stderr)
    sys.stderr.flush()


def _new_figure(figsize, nrows=1, ncols=1, **kwargs):
    """``(fig, axes)``: a figure on an Agg canvas, outside pyplot, so that the caller's
    backend and pyplot's figures are left as they were (``main`` may run in a notebook)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(nrows, ncols, **kwargs)


def _plot(path, make):
    """Save the figure ``make()`` draws to ``path``; its warnings as ``warning:`` lines."""
    notes = []
    # matplotlib's log-axis margins overflow (harmlessly) for values near the float limit
    with _warnings_to(notes), np.errstate(over="ignore", invalid="ignore"):
        _save(make(), path)
    _print_notes(notes)


# ------------------------------------------------------------------ compare
def run_compare(args):
    """The ``compare`` subcommand; returns the exit code."""
    from sklearn.metrics import accuracy_score, log_loss

    from gdlogreg import GradientDescentLogisticRegression

    X, y, name = _load(args)
    if len(np.unique(y)) < 2:
        raise CLIError("the target has a single class: there is nothing to classify.")
    X_train, X_test, y_train, y_test, split, where = _compare_split(X, y, args)
    ours = GradientDescentLogisticRegression(
        C=args.C, l1_ratio=args.l1_ratio, solver=args.solver,
        learning_rate=args.learning_rate, max_iter=args.max_iter, tol=args.tol,
    )
    ref, lr_solver, ref_l1_ratio, ref_tol = _reference_model(args)
    unconverged = set()
    fits, notes = _fit_both({"ours": ours, "ref": ref}, X_train, y_train, unconverged)
    J = {"ours": objective(ours, X_train, y_train), "ref": objective(ref, X_train, y_train)}
    ref_iter = int(np.max(ref.n_iter_))
    state, note = _reference_state(args, notes, unconverged,
                                   _reference_gap(J["ref"], J["ours"], ref_tol), ref_iter)
    cells = {"ours": f"{max_coef_difference(ours, ref):.2e}", "ref": _REF_CELL[state]}
    if state == "no minimum":  # coefficients that depend on tol and max_iter: not compared
        cells["ours"] = "(not compared)"
    rows = []
    for label, key, est, n_iter in (
        (f"gdlogreg ({args.solver})", "ours", ours, int(ours.n_iter_[0])),
        ("LogisticRegression", "ref", ref, ref_iter),
    ):
        rows.append([
            label,
            f"{accuracy_score(y_test, est.predict(X_test)):.4f}",
            f"{log_loss(y_test, est.predict_proba(X_test), labels=est.classes_):.5f}",
            f"{J[key]:.10f}",
            cells[key],
            n_iter,
            _fmt_time(fits[key]),
        ])

    _say(_describe(X, y, name, args.standardize) + f"; {split}")
    _say(
        f"gdlogreg: GradientDescentLogisticRegression(solver={args.solver!r},"
        f" learning_rate={_fmt_lr(args.learning_rate)}, C={args.C:g},"
        f" l1_ratio={args.l1_ratio:g}, tol={args.tol:g}, max_iter={args.max_iter}):"
        f" {ours.stop_reason_} after {_plural(int(ours.n_iter_[0]), 'iteration')}"
    )
    _say(
        f"LogisticRegression: solver={lr_solver!r}, C={args.C:g}, l1_ratio={ref_l1_ratio:g},"
        f" tol={ref_tol:g}, " + _REF_LINE[state]
    )
    print()
    header = [
        "model", f"{where} accuracy", f"{where} log-loss", "objective J (train)",
        "max |Δcoef|", "n_iter", "fit time",
    ]
    print(format_table(header, rows))
    if note:
        print()
        _say(note)
    _print_notes(notes)

    if args.plot:
        print()
        _plot(args.plot, lambda: compare_figure(ours, J["ref"]))
    return 0


# How the table and the line of LogisticRegression name it, by :func:`_reference_state`
_REF_CELL = {"reference": "(reference)", "J above": "(J above gdlogreg's)",
             "not converged": "(not converged)", "no minimum": "(no minimum)"}
_REF_LINE = {
    "reference": "fitted tightly as the reference",
    "J above": "meant as the reference, but it stopped above gdlogreg's J (see the note below)",
    "not converged": "meant as the reference, but it did not converge (see the note below)",
    "no minimum": "no reference here: the cost has no minimum (see the note below)",
}
_APART = ("it is no reference here, and max |Δcoef| measures how far apart the two fits are,"
          " not how far gdlogreg is from the answer.")


def _reference_state(args, notes, unconverged, gap, ref_iter):
    """``(state, note)``: whether LogisticRegression is the reference, and the note below
    the table where it is not. Not where the cost has no minimum (gdlogreg's warning:
    separable classes, no penalty), whatever its fit: each fit's coefficients then grow
    with its tol and max_iter (review 175); nor where its J lies above gdlogreg's, nor
    where its solver says it did not converge, whatever its J (lbfgs stopped at its start
    on features near 1e308, review 164)."""
    from ._messages import separable

    if any(separable(float(args.C)) in n for n in notes):
        return "no minimum", (
            "Note: the cost has no minimum here (separable classes, no penalty): it keeps"
            " falling as the weights grow, so each fit's coefficients depend on its tol and"
            " max_iter, LogisticRegression's as gdlogreg's. Neither is a reference and"
            " max |Δcoef| is not shown; compare the scores and J, or use a finite --C.")
    if gap is not None:
        return "J above", (
            f"Note: LogisticRegression stopped at a J {gap:.3g} above gdlogreg's (after"
            f" {_plural(ref_iter, 'iteration')}): it did not reach the minimum, so " + _APART)
    if "ref" in unconverged:
        return "not converged", (
            f"Note: LogisticRegression did not converge (after {_plural(ref_iter, 'iteration')};"
            " its warning is below): " + _APART)
    return "reference", None


def _reference_gap(J_ref, J_ours, ref_tol):
    """How far the reference's J lies above gdlogreg's, where by more than the reference's
    tolerance (relative to J, or absolute below 1); else None. Then it stopped short of the
    minimum (lbfgs can stop at its start under a penalty 1/C of 1e20, review 139)."""
    gap = J_ref - J_ours
    return gap if gap > ref_tol * max(abs(J_ours), 1.0) else None


def _compare_split(X, y, args):
    """``(X_train, X_test, y_train, y_test, split, where)``, standardized if asked.

    ``split`` describes the split, ``where`` names the data that is scored.
    """
    from sklearn.model_selection import train_test_split

    if args.test_size > 0:
        try:
            X_train, X_test, y_train, y_test = train_test_split(
                X, y, test_size=args.test_size, random_state=args.random_state, stratify=y
            )
        except ValueError as exc:
            raise CLIError(f"cannot split the data for testing: {exc}") from None
        split = f"stratified split: {len(y_train)} to train, {len(y_test)} to test"
        where = "test"
    else:
        X_train, X_test, y_train, y_test = X, X, y, y
        split = "all samples used to train and to score (--test-size 0)"
        where = "train"
    if args.standardize:
        X_train, X_test = _standardized(X_train, X_train, X_test)
    return X_train, X_test, y_train, y_test, split, where


def _standardized(X_fit, *Xs):
    """Each of ``Xs`` scaled by the mean and std of ``X_fit`` (StandardScaler), or a
    CLIError where those overflow (features near the float limit): StandardScaler
    then warns and gives nan (sums) or leaves a feature unscaled (squares)."""
    from sklearn.preprocessing import StandardScaler

    with np.errstate(over="ignore", invalid="ignore"):
        scaler = StandardScaler().fit(X_fit)
        if not (np.isfinite(scaler.mean_).all() and np.isfinite(scaler.var_).all()):
            raise CLIError(
                "the features are too large to standardize (their mean or variance"
                " overflows the float range); rerun with --no-standardize."
            )
        return [scaler.transform(X) for X in Xs]


def _reference_model(args):
    """``(LogisticRegression, solver, l1_ratio, tol)``: the reference, fitted tightly."""
    from sklearn.linear_model import LogisticRegression

    from ._compat import logistic_penalty

    if math.isinf(1.0 / args.C):  # its penalty 1/C is inf: saga raises, lbfgs warns, stays at 0
        raise CLIError(
            f"--C {_typed(args.C)} is too small for LogisticRegression, the reference: its penalty"
            " strength 1/C overflows the float range (use --C 1e-308 or more)."
        )
    # Without a penalty (C=inf) l1_ratio changes nothing: lbfgs fits the same J.
    ref_l1_ratio = args.l1_ratio if math.isfinite(args.C) else 0.0
    lr_solver = "saga" if ref_l1_ratio > 0 else "lbfgs"
    ref_tol = 1e-6 if lr_solver == "saga" else 1e-8
    ref = LogisticRegression(
        C=args.C, solver=lr_solver, tol=ref_tol, max_iter=10_000, **logistic_penalty(ref_l1_ratio)
    )
    return ref, lr_solver, ref_l1_ratio, ref_tol


def _fit_both(models, X, y, unconverged=None):
    """``(times, notes)``: fit each model (timed) and keep its warnings, each once; the
    keys of the models that warned of no convergence into the set ``unconverged``."""
    from sklearn.exceptions import ConvergenceWarning

    notes = []
    times = {}
    for key, est in models.items():
        categories = set()
        # (each once: the timed fits repeat the same warning). The reference's numpy
        # warnings are noise of its own (its finite check's sum overflows on features
        # near 1e308: "invalid value encountered in reduce"); gdlogreg's fit raises none.
        ignore = (RuntimeWarning,) if key == "ref" else ()
        with _warnings_to(notes, ignore=ignore, categories=categories):
            times[key] = _timed_fit(est, X, y)
        if unconverged is not None and any(issubclass(c, ConvergenceWarning)
                                           for c in categories):
            unconverged.add(key)
    return times, notes


def compare_figure(ours, J_ref):
    """The figure of ``compare --plot``: J per iteration, and J - J* on a log scale.

    One legend for both panels, below them, where it covers no curve.
    """
    from gdlogreg import LossCurveDisplay

    fig, (ax1, ax2) = _new_figure((11, 4.6), 1, 2)
    lr = _fmt_lr(ours.learning_rate)
    label = f"gdlogreg, solver={ours.solver!r}, learning_rate={lr}"
    LossCurveDisplay.from_estimator(ours, labels=[label], ax=ax1)
    ax1.axhline(J_ref, color="black", linestyle="--", linewidth=1,
                label=f"LogisticRegression: J = {J_ref:.6g}")
    ax1.set_title("Cost J per iteration")
    J_star = min(J_ref, float(np.min(ours.loss_curve_)))
    marker = "." if ours.n_iter_[0] <= 100 else None
    LossCurveDisplay.from_estimator(ours, labels=[label], ax=ax2, log_scale=True,
                                    reference=J_star, marker=marker)
    ax2.set_title("Distance to the optimum (log scale)")
    _figure_legend(fig, (ax1, ax2))
    fig.suptitle(
        f"Gradient descent: {ours.stop_reason_} after {_plural(int(ours.n_iter_[0]), 'iteration')}"
    )
    return fig


def _figure_legend(fig, axes, ncols=2):
    """One legend below the panels (each label once) instead of one inside each."""
    handles, labels = [], []
    for ax in axes:
        if ax.get_legend() is not None:
            ax.get_legend().remove()
        for h, lbl in zip(*ax.get_legend_handles_labels(), strict=True):
            if lbl not in labels:
                handles.append(h)
                labels.append(lbl)
    return fig.legend(handles, labels, loc="outside lower center", ncols=ncols,
                      fontsize="small", frameon=False)


# ---------------------------------------------------------------- searches
def _check_search_data(X, y, args):
    """Refuse, before any fit, data and a scorer that cannot be cross-validated."""
    from sklearn.metrics import get_scorer

    classes, counts = np.unique(y, return_counts=True)
    if len(counts) < 2:
        raise CLIError("the target has a single class: there is nothing to classify.")
    if counts.min() < args.cv:  # the class named (review 175)
        raise CLIError(
            f"--cv {args.cv} needs at least {args.cv} samples of each class;"
            f" the smallest class, {fmt_labels(classes[[np.argmin(counts)]])}, has"
            f" {counts.min()}."
        )
    try:
        get_scorer(args.scoring)
    except ValueError:
        raise CLIError(
            f"unknown --scoring {args.scoring!r}; try accuracy, balanced_accuracy,"
            " neg_log_loss or f1_macro (see sklearn.metrics.get_scorer_names())."
        ) from None
    _check_scorer(args.scoring, X, y)


def _fold_data(X, y, args):
    """The folds, and the data each is searched on: ``[(X_f, [(train, test)]), ...]``.

    With --standardize each fold's data is X scaled by the mean and std of the
    fold's training rows, as ``Pipeline(StandardScaler(), clf)`` would, so each
    fold is a batch of its own; without, every fold descends in one batch.
    """
    from sklearn.model_selection import StratifiedKFold

    cv = StratifiedKFold(args.cv, shuffle=True, random_state=args.random_state)
    try:
        splits = list(cv.split(X, y))
    except ValueError as exc:  # numpy's seeding: 0 <= --random-state < 2**32
        raise CLIError(f"cannot split the data into {args.cv} folds with --random-state"
                       f" {args.random_state}: {exc}.") from None
    if not args.standardize:
        return [(X, splits)]
    return [(_standardized(X[train], X)[0], [(train, test)]) for train, test in splits]


def batched_search(X, y, args, *, solver, **grid):
    """Cross-validate a grid with GradientDescentLogisticRegressionCV, batched.

    Parameters
    ----------
    X, y : ndarray
        The data (raw: each fold is standardized on its training rows if
        ``args.standardize``).
    args : argparse.Namespace
        ``cv``, ``random_state``, ``standardize``, ``scoring``, ``max_iter``
        and ``tol``.
    solver : str
        The step rule of every column.
    **grid : dict
        ``Cs``, ``l1_ratios``, ``learning_rates`` of the search.

    Returns
    -------
    results : dict
        ``params`` (the candidates, in ``cv_results_``'s order), ``scores``,
        ``n_iter`` (arrays of shape (n_candidates, n_folds)), ``reasons``
        (a list per candidate of each fold's outcome) and ``notes`` (the
        warnings of the fits and the scorer, as ``warning: ...`` lines).
    """
    from sklearn.exceptions import ConvergenceWarning

    from gdlogreg import GradientDescentLogisticRegressionCV

    scores, n_iter, reasons, params, notes = [], [], [], None, []
    for X_f, splits in _fold_data(X, y, args):
        # refit=False: the table needs no refit of the best candidate
        search = GradientDescentLogisticRegressionCV(
            cv=splits, scoring=args.scoring, solver=solver, max_iter=args.max_iter,
            tol=args.tol, refit=False, **grid,
        )
        # Unconverged and diverged fits are the point here: the table says so.
        with _warnings_to(notes, ignore=(ConvergenceWarning,)):
            search.fit(X_f, y)
        cv, F = search.cv_results_, len(splits)
        params = cv["params"]
        scores.append(np.column_stack([cv[f"split{f}_test_score"] for f in range(F)]))
        its = search.n_iter_[0].reshape(F, -1).T  # (candidates, folds)
        n_iter.append(its)
        reasons.append([search.stop_reasons_[c * F : (c + 1) * F] for c in range(len(params))])
    return {
        "params": params,
        "scores": np.hstack(scores),
        "n_iter": np.hstack(n_iter),
        "reasons": [sum((r[c] for r in reasons), []) for c in range(len(params))],
        "notes": notes,
    }


def _fold_step_bound(X, y, args):
    """2/L of the training part of each fold (standardized as the search is); the least."""
    return min(descent_step_bound(X_f[train], y[train], C=args.C)
               for X_f, splits in _fold_data(X, y, args) for train, _ in splits)


# ---------------------------------------------------------------- lr-search
def run_lr_search(args):
    """The ``lr-search`` subcommand; returns the exit code."""
    X, y, name = _load(args)
    _check_search_data(X, y, args)
    step_bound = _fold_step_bound(X, y, args)
    learning_rates = sorted(set(args.learning_rates))
    found = batched_search(X, y, args, solver="gd", Cs=[args.C],
                           learning_rates=learning_rates)
    results = []
    for p, scores, its, reasons in zip(found["params"], found["scores"], found["n_iter"],
                                       found["reasons"], strict=True):
        results.append({
            "learning_rate": p["learning_rate"],
            "mean": float(np.mean(scores)),
            "std": float(np.std(scores)),
            "n_iter": float(np.mean(its)),
            "reasons": reasons,
            "outcome": _outcome(reasons),
        })
    results.sort(key=lambda r: r["learning_rate"])

    _say(_describe(X, y, name, args.standardize))
    _say(
        f"Plain gradient descent (solver='gd'), constant learning rates, C={args.C:g},"
        f" tol={args.tol:g}, max_iter={args.max_iter}; {args.cv}-fold stratified CV,"
        f" scoring={args.scoring!r}"
    )
    curvature = "σ′ ≤ ¼" if len(np.unique(y)) <= 2 else "½ of the softmax"
    _say(
        f"{descent_bound(step_bound)} (the smallest over the training folds): every"
        " learning rate below it decreases J at every step (guaranteed descent, from the"
        f" worst-case curvature {curvature}); larger steps can still converge."
    )
    print()
    rows = [
        [_fmt_lr(r["learning_rate"]), f"{r['mean']:.4f}", f"{r['std']:.4f}",
         f"{r['n_iter']:.0f}", r["outcome"]]
        for r in results
    ]
    header = ["learning rate", f"mean CV {args.scoring}", "std", "mean n_iter", "outcome"]
    print(format_table(header, rows, left=(0, -1)))
    print()
    _say(_best_rate_text(results, args.scoring, step_bound))
    _print_notes(found.get("notes", ()))
    if args.plot:
        _plot(args.plot, lambda: lr_search_figure(
            results, scoring=args.scoring, max_iter=args.max_iter, step_bound=step_bound))
    return 0


def _best_rate_text(results, scoring, step_bound):
    """The last line of lr-search: the best rate that diverged in no fold, or that none is."""
    ok = [r for r in results if "diverged" not in r["reasons"]]
    if not ok:  # no rate to name: each one's score is that of a model it gave up on
        return ("No learning rate of the grid is stable: each one diverged in at least one"
                f" fold. Try rates below {descent_bound(step_bound)}, or"
                " learning_rate='auto'.")
    best_score = max(r["mean"] for r in ok)
    # Among the best scores (within rounding), prefer the fewest iterations.
    best = min(
        (r for r in ok if r["mean"] >= best_score - 1e-12),
        key=lambda r: (r["n_iter"], -r["learning_rate"]),
    )
    return (
        f"Best: learning_rate={_fmt_lr(best['learning_rate'])} (mean CV {scoring}"
        f" {best['mean']:.4f}, {_plural(format(best['n_iter'], '.0f'), 'iteration')}"
        f" on average; {best['outcome']})"
    )


# ----------------------------------------------------------------- c-search
def run_c_search(args):
    """The ``c-search`` subcommand; returns the exit code."""
    X, y, name = _load(args)
    _check_search_data(X, y, args)
    Cs = sorted(set(args.Cs))
    grid = {"Cs": Cs}
    if args.l1_ratios is not None:
        grid["l1_ratios"] = sorted(set(args.l1_ratios))
    if args.learning_rate != "auto":
        grid["learning_rates"] = [args.learning_rate]
    if args.warm:
        grid["warm_start_path"] = True
    found = batched_search(X, y, args, solver=args.solver, **grid)
    params, scores = found["params"], found["scores"]
    mean, std = scores.mean(axis=1), scores.std(axis=1)
    best = int(np.argmax(mean))  # the first of the best, as GridSearchCV's rank 1

    n_cand = len(params)
    _say(_describe(X, y, name, args.standardize))
    per_fold = (" (one batch per fold: each fold standardized by its training rows)"
                if args.standardize else " (one batch)")
    if args.warm:
        per_fold = per_fold.replace("one batch", "a batch per C, warm-started along C")
    _say(
        f"GradientDescentLogisticRegressionCV(solver={args.solver!r},"
        f" learning_rate={_fmt_lr(args.learning_rate)}, tol={args.tol:g},"
        f" max_iter={args.max_iter}): {_plural(n_cand, 'candidate')} ×"
        f" {args.cv} folds{per_fold}; {args.cv}-fold stratified CV, scoring={args.scoring!r}"
    )
    print()
    searched = ["C"] + (["l1_ratio"] if "l1_ratios" in grid else [])
    header = searched + [f"mean CV {args.scoring}", "std", "mean n_iter", "outcome"]
    rows = [
        [_fmt_param(p[k]) for k in searched]
        + [f"{m:.4f}", f"{s:.4f}", f"{np.mean(i):.0f}", _outcome(r)]
        for p, m, s, i, r in zip(params, mean, std, found["n_iter"], found["reasons"],
                                 strict=True)
    ]
    print(format_table(header, rows, left=(*range(len(searched)), -1)))
    print()
    where = ", ".join(f"{k}={_fmt_param(params[best][k])}" for k in searched)
    _say(
        f"Best: {where} (mean CV {args.scoring} {mean[best]:.4f} ± {std[best]:.4f};"
        f" {_outcome(found['reasons'][best])})"
    )
    _print_notes(found.get("notes", ()))
    if args.plot:
        cv_results = {"params": [{k: p[k] for k in searched} for p in params],
                      "mean_test_score": mean, "std_test_score": std}
        _plot(args.plot, lambda: c_search_figure(cv_results, best, scoring=args.scoring))
    return 0


def c_search_figure(cv_results, best_index, *, scoring):
    """The figure of ``c-search --plot``: the mean CV score against C (a line on a
    log axis), or over C × l1_ratio (a heatmap), the best candidate marked."""
    from gdlogreg import SearchScoreDisplay

    two = len(cv_results["params"][0]) > 1
    fig, ax = _new_figure((8, 5) if two else (7, 4.5))
    SearchScoreDisplay.from_cv_results(cv_results, best_index=best_index, scoring=scoring,
                                       ax=ax)
    return fig


# Scorers for two classes, and the averaged forms that score more.
_MULTICLASS_SCORING = {
    name: f"{name}_macro" for name in ("f1", "precision", "recall", "jaccard")
} | {"roc_auc": "roc_auc_ovr", "average_precision": "roc_auc_ovr"}


#: The classes whose constant predictions :func:`_check_scorer` tries at most.
_SCORER_CLASSES = 50


def _check_scorer(scoring, X, y):
    """Refuse, in one line, a scorer that cannot score this data (before any fit).

    The scorer is tried on a classifier that predicts the class frequencies,
    and on one predicting each class: whatever fails there (a binary scorer on
    three classes, string labels with no positive class, a deviance that refuses
    a label 0) fails the same way on the folds.
    """
    from sklearn.dummy import DummyClassifier
    from sklearn.metrics import get_scorer

    scorer = get_scorer(scoring)
    dummy = DummyClassifier(strategy="prior").fit(X, y)
    # and classifiers that predict each class: a scorer may refuse a prediction (a Poisson
    # deviance a class 0) that the majority class is not (review 164)
    models = [dummy] + [DummyClassifier(strategy="constant", constant=c).fit(X, y)
                        for c in dummy.classes_[:_SCORER_CLASSES]]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ill-defined scores of the dummy
            for model in models:
                scorer(model, X, y)
    except (ValueError, TypeError) as exc:
        n_classes = len(dummy.classes_)
        labels = dummy.classes_
        if n_classes > 2 and scoring in _MULTICLASS_SCORING:
            hint = (f"it scores two classes and the target has {n_classes} classes;"
                    f" try --scoring {_MULTICLASS_SCORING[scoring]}")
        else:
            detail = " ".join(str(exc).split()) or type(exc).__name__
            hint = f"{detail} (the target has {n_classes} classes: {fmt_labels(labels)})"
            if scoring in _MULTICLASS_SCORING:
                hint += f"; try --scoring {_MULTICLASS_SCORING[scoring]}"
        raise CLIError(f"--scoring {scoring!r} cannot score this data: {hint}.") from None


def _outcome(reasons):
    n = len(reasons)
    order = ("converged", "separated", "max_iter", "diverged", "stalled", "callback")
    parts = [f"{r} {reasons.count(r)}/{n}" for r in order if r in reasons]
    return ", ".join(parts)


def lr_search_figure(results, *, scoring, max_iter, step_bound=None):
    """The figure of ``lr-search --plot``: CV score and iterations against α.

    ``step_bound`` (2/L, see :func:`descent_step_bound`) is drawn as a dotted
    line: the steps left of it are guaranteed to decrease J; it is a
    worst-case bound, not the largest step that converges.
    """
    lrs = np.array([r["learning_rate"] for r in results])
    mean = np.array([r["mean"] for r in results])
    std = np.array([r["std"] for r in results])
    iters = np.array([r["n_iter"] for r in results])
    diverged = np.array(["diverged" in r["reasons"] for r in results])
    converged = np.array([all(x == "converged" for x in r["reasons"]) for r in results])
    other = ~diverged & ~converged

    # the right margin, kept finite for a rate near the float range's top
    top = min(float(lrs.max()) * 1.5, sys.float_info.max)
    fig, (ax1, ax2) = _new_figure((7, 7), 2, 1, sharex=True)
    ax1.errorbar(lrs, mean, yerr=std, color="C0", marker="o", capsize=3,
                 label="mean ± std over the folds")
    ax1.set_ylabel(f"CV {scoring}")
    ax1.set_title("Plain gradient descent: which learning rate?")
    ax2.plot(lrs, iters, color="0.5", linewidth=1)
    groups = (
        (converged, "o", "C2", "converged (every fold)"),
        (other, "s", "C1", f"stopped at max_iter={max_iter} (some folds)"),
        (diverged, "X", "red", "diverged (some folds)"),
    )
    for mask, marker, color, label in groups:
        if mask.any():
            ax2.plot(lrs[mask], iters[mask], marker, color=color, markersize=9,
                     markeredgecolor="black", label=label, linestyle="none")
    if diverged.any():
        for ax in (ax1, ax2):
            ax.axvspan(lrs[diverged].min() / 1.5, top, color="red", alpha=0.08)
        ax1.plot(lrs[diverged], mean[diverged], "X", color="red", markersize=10,
                 markeredgecolor="black")
        ax1.text(lrs[diverged].min() / 1.4, 0.5, "diverges", color="red", rotation=90,
                 ha="left", va="center", transform=ax1.get_xaxis_transform())
    if (iters > 0).all():  # a log axis has no 0: fits that stopped at their start
        ax2.set_yscale("log")
    ax2.set_ylabel("iterations (mean)")
    ax2.set_xscale("log")
    ax2.set_xlabel("learning rate α  (w := w − α·dw)")
    lo, hi = lrs.min() / 1.5, top
    if step_bound is not None and step_bound > 0.0:  # (0: underflowed, no line to draw)
        lo, hi = min(lo, step_bound / 1.5), max(hi, step_bound * 1.5)
        for ax in (ax1, ax2):
            ax.axvline(step_bound, color="C4", linestyle=":", linewidth=1.5,
                       label=f"2/L ≈ {step_bound:.3g} (guaranteed descent)")
    ax2.set_xlim(lo, hi)
    _decade_ticks(ax2)
    for ax in (ax1, ax2):
        ax.grid(True, alpha=0.3)
    _figure_legend(fig, (ax1, ax2))
    return fig


# ------------------------------------------------------------------- parser
def _add_data_options(p):
    g = p.add_argument_group("data")
    g.add_argument(
        "--dataset", type=_dataset, default=None, metavar="NAME",
        help="bundled scikit-learn dataset: " + ", ".join(DATASETS)
        + " (default: breast_cancer)",
    )
    g.add_argument("--csv", metavar="FILE",
                   help="use a CSV file with a header row instead (numeric features)")
    g.add_argument("--target", metavar="COL",
                   help="the CSV column with the labels (default: the last column)")
    g.add_argument("--drop", type=_column_list, action="append", metavar="COL[,COL...]",
                   help="CSV columns to leave out, such as an id (repeatable; a column"
                   " whose name holds a comma by its whole name)")
    g.add_argument("--sep", type=_separator, default=",", metavar="CHAR",
                   help="the CSV field separator, e.g. ';' or tab (default: ',')")
    g.add_argument(
        "--no-standardize", dest="standardize", action="store_false",
        help="fit on the raw features (default: standardize each feature first)",
    )
    g.add_argument("--random-state", type=int, default=0, metavar="N",
                   help="seed of the data split, 0 to 2**32 - 1 (default: 0)")


def _add_stopping_options(g, per_fit=""):
    """--max-iter and --tol, the estimator's stopping parameters."""
    g.add_argument("--max-iter", type=_positive_int, default=1000, metavar="N",
                   help=f"most iterations{per_fit} (default: 1000)")
    g.add_argument("--tol", type=_positive_float, default=1e-5,
                   help="relative tolerance of the stopping test (default: 1e-5)")


def _add_plot_option(p, what, func):
    """--plot FILE.png (saving ``what``), and the function that runs the subcommand."""
    p.add_argument("--plot", metavar="FILE.png", help=what)
    p.set_defaults(func=func, command_parser=p)  # (its errors show its own usage)


def _formatter(prog):
    return argparse.RawDescriptionHelpFormatter(prog, max_help_position=30)


def build_parser():
    """The argument parser of ``python -m gdlogreg``.

    Returns
    -------
    parser : argparse.ArgumentParser
        With the subcommands ``compare``, ``lr-search`` and ``c-search``.

    Examples
    --------
    >>> from gdlogreg._cli import build_parser
    >>> args = build_parser().parse_args(["lr-search", "--cv", "3"])
    >>> args.command, args.cv
    ('lr-search', 3)
    """
    from gdlogreg import __version__

    parser = argparse.ArgumentParser(
        prog="gdlogreg",
        description=(
            "Logistic regression by batch gradient descent: fit it next to\n"
            "scikit-learn's LogisticRegression, or search for a learning rate or C.\n"
            "Without a command, runs 'compare' on the breast-cancer data."
        ),
        epilog=(
            "examples:\n"
            "  gdlogreg                                   compare on breast cancer\n"
            "  gdlogreg compare --dataset wine --plot loss.png\n"
            "  gdlogreg compare --csv data.csv --target label --solver gd"
            " --learning-rate 0.5\n"
            "  gdlogreg lr-search --plot lr.png\n"
            "  gdlogreg c-search --l1-ratios 0 0.5 1 --plot c.png\n"
            "\n'gdlogreg COMMAND --help' lists the options of a command."
        ),
        formatter_class=_formatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", title="commands")

    p = sub.add_parser(
        "compare",
        help="fit gdlogreg and LogisticRegression and compare them (default)",
        description=(
            "Fit GradientDescentLogisticRegression and scikit-learn's LogisticRegression"
            " (lbfgs, fitted tightly as the reference) on the same training data and"
            " print accuracy, log-loss, the objective J, the largest difference of the"
            " coefficients, the number of iterations and the fit time of each."
        ),
    )
    _add_data_options(p)
    p.add_argument("--test-size", type=_nonnegative_float, default=0.25, metavar="F",
                   help="fraction held out to score accuracy and log-loss; 0 scores on the"
                   " training data (default: 0.25)")
    m = p.add_argument_group("model (GradientDescentLogisticRegression)")
    m.add_argument("--C", type=_inverse_regularisation, default=1.0,
                   help="inverse regularisation strength, as in LogisticRegression;"
                   " 'inf' for none (default: 1.0)")
    m.add_argument("--l1-ratio", type=_nonnegative_float, default=0.0, metavar="RHO",
                   help="elastic-net mixing, 0 = L2 ... 1 = L1 (default: 0)")
    m.add_argument("--solver", choices=tuple(RULES), default="bb",
                   help="step-size rule (default: bb)")
    m.add_argument("--learning-rate", type=_learning_rate, default="auto", metavar="ALPHA",
                   help="constant step α, or 'auto' (default: auto)")
    _add_stopping_options(m)
    _add_plot_option(p, "save the loss curve (J per iteration) to this PNG file", run_compare)

    p = sub.add_parser(
        "lr-search",
        help="cross-validate plain gradient descent over learning rates",
        description=(
            "Cross-validate GradientDescentLogisticRegression(solver='gd') with each"
            " constant learning rate and report the mean CV score, the iterations and"
            " whether the fits converged, stopped at max_iter or diverged. Also"
            " reports 2/L, the step below which every step decreases the cost"
            " (a worst-case bound: larger steps can still converge). The rates and"
            " folds descend together (GradientDescentLogisticRegressionCV)."
        ),
    )
    _add_data_options(p)
    p.add_argument(
        "--learning-rates", type=_learning_rate_float, nargs="+",
        default=list(DEFAULT_LEARNING_RATES), metavar="ALPHA",
        help="the learning rates to try (default: "
        + " ".join(f"{v:g}" for v in DEFAULT_LEARNING_RATES) + ")",
    )
    _add_search_options(p)
    p.add_argument("--C", type=_inverse_regularisation, default=1.0,
                   help="inverse regularisation strength; 'inf' for none (default: 1.0)")
    _add_stopping_options(p, " per fit")
    _add_plot_option(p, "save the score and the iterations against the learning rate",
                     run_lr_search)
    _add_c_search_parser(sub)
    return parser


def _add_search_options(p):
    """--cv and --scoring, shared by the searches."""
    p.add_argument("--cv", type=_cv_folds, default=5, metavar="K",
                   help="number of stratified folds (default: 5)")
    p.add_argument("--scoring", default="accuracy",
                   help="scikit-learn scoring name, e.g. accuracy, neg_log_loss"
                   " (default: accuracy)")


def _add_c_search_parser(sub):
    p = sub.add_parser(
        "c-search",
        help="cross-validate a grid of C (and l1_ratio), all folds in one batch",
        description=(
            "Cross-validate GradientDescentLogisticRegression over a grid of C (and of"
            " l1_ratio with --l1-ratios) with GradientDescentLogisticRegressionCV, where"
            " every candidate and fold descend together, and report the mean CV score,"
            " its std over the folds, the iterations and how the fits ended, then the"
            " best parameters."
        ),
    )
    _add_data_options(p)
    p.add_argument(
        "--Cs", type=_inverse_regularisation, nargs="+", default=list(DEFAULT_CS), metavar="C",
        help="the values of C, 'inf' for no penalty (default: 10 values from 1e-4 to 1e4,"
        " log-spaced)",
    )
    p.add_argument("--l1-ratios", type=_unit_float, nargs="+", metavar="RHO",
                   help="also search the elastic-net mixing over these values in [0, 1]")
    p.add_argument("--warm", action="store_true",
                   help="fit the Cs from the smallest up, each from the previous C's"
                        " solution (warm_start_path): fewer iterations, the same scores"
                        " to the stopping accuracy")
    _add_search_options(p)
    m = p.add_argument_group("model (GradientDescentLogisticRegression)")
    m.add_argument("--solver", choices=tuple(RULES), default="bb",
                   help="step-size rule (default: bb; bb, gd and lbfgs descend as one"
                        " batch)")
    m.add_argument("--learning-rate", type=_learning_rate, default="auto", metavar="ALPHA",
                   help="constant step α, or 'auto' (default: auto)")
    _add_stopping_options(m, " per fit")
    _add_plot_option(p, "save the mean score against C (a heatmap over C × l1_ratio)",
                     run_c_search)


def _unit_float(text):
    value = _nonnegative_float(text)
    if value > 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1, got {text}")
    return value


def _learning_rate_float(text):
    value = _learning_rate(text)
    if value == "auto":
        raise argparse.ArgumentTypeError("lr-search tries constant learning rates, not 'auto'")
    return value


def _cv_folds(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if value < 2:  # (0 and negatives too: ">= 1" would name a count that is refused)
        raise argparse.ArgumentTypeError(f"needs at least 2 folds, got {text}")
    return value


def _check_solver_penalty(parser, args):
    """Refuse, before any fit, ``--solver lbfgs`` with an L1 term (the estimator would
    raise only once fitting; without a penalty, C=inf, l1_ratio changes nothing)."""
    if getattr(args, "solver", None) != "lbfgs":
        return
    l1 = [getattr(args, "l1_ratio", 0.0)] if math.isfinite(getattr(args, "C", 1.0)) else []
    l1 += getattr(args, "l1_ratios", None) or []
    if any(r > 0 for r in l1):
        parser.error("--solver lbfgs handles the L2 penalty only (l1_ratio 0); use"
                     " --solver bb (or backtracking, nesterov, gd) with an L1 penalty.")


def _plot_path(parser, path):
    """The file --plot writes: with a format matplotlib can write, refused before any
    fit otherwise; without an extension, matplotlib's default, PNG (it adds ".png").
    An empty path is refused (``--plot "$OUT"`` with OUT unset would draw nothing)."""
    if not path.strip():
        parser.error("--plot needs a file name (it was given an empty one)")
    try:  # not installed, or found but not importable (broken, blocked)
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError as exc:
        parser.error(f"--plot needs matplotlib: pip install 'gdlogreg[plot]' (or matplotlib)"
                     f" ({exc})")
    if path.endswith(("/", os.sep)) or os.path.isdir(path):
        parser.error(f"--plot {path!r} is a directory; give a file name in it, such as"
                     f" {os.path.join(path, 'loss.png')!r}.")
    suffix = os.path.splitext(path)[1]
    if not suffix:
        return path + ".png"
    formats = FigureCanvasBase.get_supported_filetypes()
    if suffix[1:].lower() not in formats:
        parser.error(f"--plot {path!r}: matplotlib cannot write the format"
                     f" {suffix[1:]!r}; use one of {', '.join(sorted(formats))} (e.g. .png).")
    if suffix[1:].lower() == "pgf" and not any(
            shutil.which(tex) for tex in ("xelatex", "lualatex", "pdflatex")):
        parser.error(f"--plot {path!r}: matplotlib writes PGF with LaTeX, and no xelatex,"
                     f" lualatex or pdflatex is on the PATH; use .pdf or .svg, or install"
                     f" LaTeX.")
    return path


def _check_seed(args):
    """--random-state out of numpy's seeds (0 to 2**32 - 1), refused before the data is
    read, naming the command and the value (review 175: scikit-learn's text after the
    data was loaded, or nothing with --test-size 0)."""
    seed = args.random_state
    if 0 <= seed < 2**32:
        return
    command = args.command_parser.prog.split()[-1]
    split = ("for testing" if command == "compare"
             else f"into {args.cv} folds with --random-state {seed}")
    raise CLIError(f"{command} --random-state {seed}: a seed (scikit-learn's random_state)"
                   f" runs from 0 to 2**32 - 1; cannot split the data {split}.")


def _check_plot_folder(path):
    """--plot into a folder that does not exist: said before the fit or search, not after
    it (review 146)."""
    folder = os.path.dirname(path or "")
    if folder and not os.path.isdir(folder):
        raise CLIError(f"cannot write the plot to {path!r}: the folder {folder!r} does not"
                       f" exist.")


def _check_data_options(parser, args):
    """The CSV options need --csv; --dataset and --csv are alternatives (a --dataset given
    with --csv would be ignored without a word)."""
    if args.csv is not None:
        if args.dataset is not None:
            parser.error("--dataset and --csv name two data sets: give one of them")
        return
    args.dataset = args.dataset or "breast_cancer"
    for option, given in (("--target", args.target is not None), ("--drop", args.drop),
                          ("--sep", args.sep != ",")):
        if given:
            parser.error(f"{option} needs --csv")


def _replace_unencodable_output():
    """Let stdout and stderr write '?' for what their encoding lacks (σ′, Δ, α, ≈ on a
    cp1252 console or pipe, as on Windows) rather than end in a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        try:
            utf8 = codecs.lookup(getattr(stream, "encoding", None) or "").name == "utf-8"
        except LookupError:
            utf8 = False
        if not utf8 and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def main(argv=None):
    """Run the command line.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments; None reads ``sys.argv[1:]``. Without a subcommand,
        ``compare`` is run.

    Returns
    -------
    status : int
        0 on success, 2 for an error in the data (reported on one line of the
        standard error), 141 where the reader of the standard output closed it
        early (``gdlogreg c-search | head -1``): the status a shell gives a
        command that SIGPIPE ended (128 + 13), without a traceback.

    Raises
    ------
    SystemExit
        On a usage error (an unknown command, an unknown or invalid option:
        code 2, with the usage on the standard error) and after ``--help`` or
        ``--version`` (code 0), as argparse exits; ``python -m gdlogreg``
        exits with the same status either way.

    Examples
    --------
    >>> from gdlogreg._cli import main
    >>> main(["compare", "--dataset", "iris", "--test-size", "0"])  # doctest: +ELLIPSIS
    Data: iris: 150 samples, 4 features, 3 classes (standardized); all samples ...
    ...
    0
    """
    _replace_unencodable_output()
    parser = build_parser()
    args, extra = parser.parse_known_args(
        _with_command(parser, sys.argv[1:] if argv is None else argv))
    # the command's own parser: its usage and "gdlogreg compare: error:", as argparse gives
    # for the options it refuses itself (review 164), for unrecognized ones too (review 175)
    parser = getattr(args, "command_parser", parser)
    if extra:
        parser.error(_unrecognized(parser, extra))
    _check_data_options(parser, args)
    if getattr(args, "l1_ratio", 0.0) > 1:
        parser.error(f"--l1-ratio must be between 0 and 1, got {_typed(args.l1_ratio)}")
    if getattr(args, "test_size", 0.0) >= 1:
        parser.error(f"--test-size must be below 1, got {_typed(args.test_size)}")
    _check_solver_penalty(parser, args)
    if args.plot is not None:
        args.plot = _plot_path(parser, args.plot)
    try:
        _check_seed(args)
        _check_plot_folder(args.plot)
        status = args.func(args)
        sys.stdout.flush()  # a closed pipe fails here, not in the interpreter's exit
    except CLIError as exc:
        print(f"gdlogreg: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader stopped reading (| head): end quietly
        _discard_stdout()
        return 141
    return status


def _unrecognized(parser, extra):
    """The error for arguments the command does not know: where the first option is
    another command's, which (``compare --scoring``); else a close option of its own."""
    message = f"unrecognized arguments: {' '.join(extra)}"
    option = next((a.split("=")[0] for a in extra if a.startswith("--")), None)
    if option is None:
        return message
    command = parser.prog.split()[-1]
    others = [c for c, p in _command_parsers().items()
              if c != command and option in p._option_string_actions]
    if others:
        return message + f" ({option} is an option of {' and '.join(others)}, not of {command})"
    close = difflib.get_close_matches(option, list(parser._option_string_actions), n=1)
    return message + (f"; did you mean {close[0]}?" if close else "")


def _command_parsers():
    """The commands' parsers, by name."""
    sub = next(a for a in build_parser()._actions
               if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def _with_command(parser, argv):
    """``argv`` with its command: ``compare`` put first where it starts with an option or
    is empty; a first word that is no command is refused by name (as compare's stray
    argument, its error would hide the commands)."""
    argv = list(argv)
    if argv and argv[0] in ("-h", "--help", "--version"):
        return argv
    if not argv or argv[0].startswith("-"):
        return ["compare"] + argv
    if argv[0] not in COMMANDS:
        close = difflib.get_close_matches(argv[0].replace("_", "-").lower(), COMMANDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        parser.error(f"unknown command {argv[0]!r} (choose from {', '.join(COMMANDS)}){hint}")
    return argv


def _discard_stdout():
    """Point the standard output at os.devnull, so that what its buffer still holds is not
    written to the closed pipe again at exit (the recipe of Python's signal module docs)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no file descriptor (a StringIO)
        pass
