"""Smoke test of benchmarks/run_benchmarks.py: its quick mode on tiny data.

It checks that the report has every table with the expected rows and columns,
that the cells hold numbers, and that the results block of an existing file is
replaced while the rest of the file is kept. The timings themselves are not
tested (they are benchmark figures).
"""

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "run_benchmarks.py"
DATASETS = ("breast_cancer", "digits", "csr", "float32")
pytestmark = pytest.mark.slow  # the report fixture runs the benchmark: 20 s


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("run_benchmarks", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def report(bench, tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "README.md"
    out.write_text(
        f"# Benchmarks\n\nIntro text.\n\n{bench.START_MARK}\nstale results\n"
        f"{bench.END_MARK}\n\nTrailing text.\n"
    )
    args = bench.parse_args(
        ["--quick", "--repeats", "1", "--datasets", ",".join(DATASETS), "--output", str(out)]
    )
    # Tiny probe budgets: this checks the report's shape, not the timings.
    args.cap_lo, args.cap_hi, args.cap_hi_textbook, args.cap_bb = 0.02, 0.05, 0.05, 0.2
    args.M_small = 5
    results = bench.run(args, log=lambda *a: None)
    bench.write_markdown(out, bench.render(results))
    return results, out.read_text()


def tables(text):
    """{section title: (header, rows)} of every markdown table after a ### title."""
    found, title, lines = {}, None, text.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].startswith("### "):
            title = lines[i][4:]
        elif lines[i].startswith("|") and title is not None:
            block = []
            while i < len(lines) and lines[i].startswith("|"):
                block.append([c.strip() for c in lines[i].strip("|").split("|")])
                i += 1
            assert set("".join(block[1])) <= set("-:"), block[1]
            found[title] = (block[0], block[2:])
            continue
        i += 1
    return found


def number(cell):
    """The first number in a cell, in seconds when it carries a unit."""
    m = re.search(r"([-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?)\s*(ms|s)?\b", cell)
    assert m, cell
    value = float(m.group(1))
    return value * 1e-3 if m.group(2) == "ms" else value


def test_results_block_replaced_rest_kept(bench, report):
    _, text = report
    assert text.startswith("# Benchmarks\n\nIntro text.\n\n" + bench.START_MARK)
    assert text.rstrip().endswith("Trailing text.")
    assert "stale results" not in text
    assert text.count(bench.START_MARK) == 1 and text.count(bench.END_MARK) == 1


def test_tables_rows_and_columns(bench, report):
    results, text = report
    found = tables(text)
    titles = [d["title"] for d in results["datasets"]]
    assert [d["key"] for d in results["datasets"]] == list(DATASETS)

    header, rows = found["Data sets and reference objective"]
    assert header[0] == "data set" and [r[0] for r in rows] == titles
    for r in rows:
        assert number(r[header.index("J*")]) > 0

    default = next(v for k, v in found.items() if k.startswith("Default fits"))
    assert default[0] == ["method", *titles]
    assert [r[0] for r in default[1]] == [*bench.DEFAULT_METHODS, "**ours(bb) / LR(lbfgs) time**"]
    for method, *cells in default[1][:-1]:
        for title, cell in zip(titles, cells, strict=True):
            if method == bench.SGD and title.startswith("digits"):
                assert cell == "n/a (OvR)"
                continue
            t, gap = cell.split(" / ")
            assert number(t) > 0 and float(gap) >= 0, cell
    assert all(number(c) > 0 for c in default[1][-1][1:])

    for g in ("1e-04", "1e-06"):
        title = f"Time to reach J* within {g}"
        header, rows = next(v for k, v in found.items() if k.startswith(title))
        assert header == ["method", *titles]
        assert [r[0] for r in rows] == [*bench.GAP_METHODS, "**numpy GD / ours(bb)**"]
        for _method, *cells in rows[:-1]:
            for cell in cells:
                assert cell == "n/a (OvR)" or cell.startswith("> ") or number(cell) > 0, cell
                if cell.startswith("> "):  # not reached: the longest fit tried and its gap
                    assert re.fullmatch(r"> .+ \(\d+\) \[.+\]", cell), cell

    header, rows = next(v for k, v in found.items() if k.startswith("Per-iteration time"))
    assert header == ["data set", "floor (ms)", "M", *bench.PER_ITER_METHODS, "bb setup (floors)"]
    assert [r[0] for r in rows] == titles
    assert all(number(r[1]) > 0 for r in rows)

    header, rows = next(v for k, v in found.items() if k.startswith("Peak memory"))
    assert header[:4] == ["data set", "X (MB)", "ours peak (MB)", "ours peak / X"]
    assert [r[0] for r in rows] == titles
    assert all(number(r[3]) >= 0 for r in rows)

    header, rows = found["Targets"]
    assert header == ["target", "measured", "met"]
    # five targets; the memory one is taken on sets of 10 MB or more (none in the quick
    # run: "–"); every solver's per-iteration time and the small sets' memory are rows
    # of their own, not targets
    assert len(rows) == 7 and all(r[2] in ("yes", "**no**", "–") for r in rows)
    assert [r[2] for r in rows].count("–") == 3
    assert rows[3][0].startswith("same, worst over those sets, each solver (not a target")
    assert rows[-2][0].startswith("same, sets with X <")


def test_objective_is_shared_and_sane(bench, report):
    """Every model is scored by the same J: the tight references agree with J*."""
    results, _ = report
    for d in results["datasets"]:
        assert d["J_star"] > 0
        # Our default fit and LogisticRegression's are both near J* on tiny data.
        assert d["default"]["ours(bb)"]["gap"] < 1e-4
        assert d["default"]["LR(newton-cholesky)"]["gap"] < 1e-4
