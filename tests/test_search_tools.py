"""GradientDescentLogisticRegressionCV as the command line and the docs use it.

A known limit of the search is kept here as an xfail(strict=False) test, with
the reason; the problems found while building on it are fixed and tested.
"""

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, GradientDescentLogisticRegressionCV


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def test_refit_false_averages_the_folds_best_models():
    X, y = load_iris(return_X_y=True)
    search = GradientDescentLogisticRegressionCV(Cs=[0.1, 1.0], cv=3, refit=False).fit(X, y)
    assert not hasattr(search, "best_estimator_")
    assert search.coef_.shape == (3, 4)
    assert np.all(np.isfinite(search.coef_))


@pytest.mark.xfail(
    strict=False,
    reason="a weakly penalised, nearly separable fold (C=1e4 on breast cancer) is not on the"
    " single fit's path to rounding: the batch converges at another iteration (329 vs 343"
    " for fold 0), |Δcoef| ~ 0.07, and a test sample flips (fold score 0.9474 vs 0.9561);"
    " whether it flips is rounding's (the last bits of the column moments decide it)",
)
def test_fold_scores_are_those_of_grid_search_at_weak_penalties(cancer):
    X, y = cancer
    Cs = [1e3, 1e4]
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours = GradientDescentLogisticRegressionCV(Cs=Cs, cv=folds).fit(X, y)
        grid = GridSearchCV(GradientDescentLogisticRegression(), {"C": Cs}, cv=folds).fit(X, y)
    for f in range(5):
        np.testing.assert_array_equal(ours.cv_results_[f"split{f}_test_score"],
                                      grid.cv_results_[f"split{f}_test_score"])


def test_fold_scores_are_those_of_grid_search_at_usual_penalties(cancer):
    # Where the fits are well conditioned, the batch's scores are GridSearchCV's exactly.
    X, y = cancer
    Cs = np.logspace(-3, 1, 5)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    ours = GradientDescentLogisticRegressionCV(Cs=Cs, cv=folds).fit(X, y)
    grid = GridSearchCV(GradientDescentLogisticRegression(), {"C": list(Cs)}, cv=folds)
    grid.fit(X, y)
    for f in range(5):
        np.testing.assert_array_equal(ours.cv_results_[f"split{f}_test_score"],
                                      grid.cv_results_[f"split{f}_test_score"])
    assert ours.best_params_ == grid.best_params_


def test_loss_curves_are_candidate_major_as_the_cli_reads_them(cancer):
    # The CLI pairs loss_curves_[c * n_folds + f] with n_iter_[0, f, ...] (candidate c).
    X, y = cancer
    rates = [0.1, 1.0, 1e4]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            Cs=[1.0], solver="gd", learning_rates=rates, cv=3, max_iter=60
        ).fit(X, y)
    n_iter = search.n_iter_[0].reshape(3, -1).T  # (candidates, folds)
    assert [p["learning_rate"] for p in search.cv_results_["params"]] == rates
    for c in range(3):
        for f in range(3):
            curve = search.loss_curves_[c * 3 + f]
            # n_iter_ + 1 entries, + 1 when the column rolled back to its best iterate.
            assert len(curve) - 1 - n_iter[c, f] in (0, 1)
    assert (n_iter[2] <= 2).all() and (n_iter[0] == 60).all()  # α = 1e4 diverges at once


@pytest.mark.slow
def test_search_page_examples_run_with_their_output():
    """docs/search.rst's ``>>>`` lines, as the documentation build runs them, readably."""
    import importlib.util
    from pathlib import Path

    pytest.importorskip("sphinx")  # docs/conf.py imports it
    docs = Path(__file__).resolve().parents[1] / "docs"
    if not (docs / "search.rst").exists():
        pytest.skip("no docs/ in this checkout")
    spec = importlib.util.spec_from_file_location("docs_conf", docs / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert "search.rst" in conf.DOCTESTED_PAGES
    failed, tried, report = conf.run_page_doctests(docs / "search.rst")
    assert tried > 20
    assert failed == 0, report


def _bench_cv():
    """benchmarks/bench_cv.py as a module (skip where the checkout has no benchmarks/)."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_cv.py"
    if not script.exists():
        pytest.skip("no benchmarks/ in this checkout")
    spec = importlib.util.spec_from_file_location("bench_cv", script)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


@pytest.mark.slow
def test_bench_cv_rows_on_tiny_data(monkeypatch):
    """benchmarks/bench_cv.py on 150 samples: every contender timed, the same choices."""
    bench = _bench_cv()
    X, y = load_breast_cancer(return_X_y=True)
    X, y = StandardScaler().fit_transform(X)[:150], y[:150]
    monkeypatch.setattr(bench, "CS", np.array([0.01, 0.1, 1.0]))
    monkeypatch.setattr(bench, "RATES", (0.1, 1.0, 1e4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        row = bench.c_search("tiny", X, y, 1, 0.0)
        lr = bench.lr_search("tiny", X, y, 1, 0.0)
    assert set(row["times"]) == {"ours", "LRCV", "GS1", "GS2"}
    assert all(t > 0 for t in row["times"].values())
    assert row["picks"]["ours"] == pytest.approx(row["picks"]["GS1"])
    assert row["diff"] == 0.0  # well-conditioned Cs: the batch's scores are GridSearchCV's
    assert lr["rate"] == 0.1  # the slowest of the rates that do not diverge (1e4 diverges)
    text = bench.report([row], [lr], bench.rb.machine_info())
    rows = [line for line in text.splitlines() if line.startswith("| tiny |")]
    assert len(rows) == 2 and "(α = 0.1," in rows[1]
    assert "OPENBLAS_NUM_THREADS" in text


def test_bench_cv_warm_rows_on_tiny_data(monkeypatch):
    """bench_cv.py --warm --cpu: cold, warm and LRCV timed; the warm one saves iterations."""
    bench = _bench_cv()
    X, y = load_breast_cancer(return_X_y=True)
    X, y = StandardScaler().fit_transform(X)[:150], y[:150]
    monkeypatch.setattr(bench, "CS", np.array([0.01, 0.1, 1.0, 10.0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", FutureWarning)
        row = bench.c_search("tiny", X, y, 1, 0.0, warm=True, cpu=True)
    assert set(row["times"]) == {"ours", "warm", "LRCV"}
    assert all(t > 0 for t in row["times"].values())
    assert row["picks"]["warm"] == pytest.approx(row["picks"]["ours"])
    assert row["iters"]["warm"] < row["iters"]["ours"]
    text = bench.report_warm([row], bench.rb.machine_info(), cpu=True)
    rows = [line for line in text.splitlines() if line.startswith("| tiny |")]
    assert len(rows) == 1 and f"{row['iters']['ours']} / {row['iters']['warm']}" in rows[0]
    assert "process_time" in text


def test_readme_search_example_runs_without_warning():
    """The README's "Hyperparameter search" block, after the quick start it builds on."""
    import re
    from pathlib import Path

    pytest.importorskip("matplotlib").use("Agg")
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    quick, search = (
        re.search(r"```python\n(.*?)```", readme.split(heading, 1)[1], re.S).group(1)
        for heading in ("## Quick start", "## Hyperparameter search")
    )
    namespace = {"__name__": "__readme__"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(compile(quick + search, "<README>", "exec"), namespace)
    found = namespace["search"]
    assert set(found.best_params_) == {"C"}
    assert found.best_score_ > 0.95
    # The values in the comment are those printed (the score rounded).
    assert f"{{'C': {found.best_params_['C']!r}}} {found.best_score_:.4f}" in search




@pytest.mark.parametrize(("standardize", "l1_ratio"), [(True, 0.5), (False, 0.0)])
def test_columns_stop_where_their_single_fits_stop(cancer, standardize, l1_ratio):
    # One fold, three Cs: the strongest penalty converges first and leaves the batch.
    # Elastic net on standardized data: C=10 runs to max_iter (single fit: 167 iterations);
    # L2 on the raw features: C=1 stops at 436 (single fit: 591).
    X, y = cancer if standardize else load_breast_cancer(return_X_y=True)
    train, test = next(StratifiedKFold(5).split(X, y))
    Cs = [0.01, 1.0, 10.0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search = GradientDescentLogisticRegressionCV(
            Cs=Cs, l1_ratios=[l1_ratio], cv=[(train, test)]
        ).fit(X, y)
        single = [
            GradientDescentLogisticRegression(C=C, l1_ratio=l1_ratio).fit(X[train], y[train])
            for C in Cs
        ]
    assert search.n_iter_.ravel().tolist() == [int(e.n_iter_[0]) for e in single]


@pytest.mark.parametrize("wide", [True, False])
def test_sparse_x_of_more_coefficients_than_rows_runs_one_column_at_a_time(wide, monkeypatch):
    """Sparse X with p·k > n: single fits, one column at a time (its dense O(p) vectors cost
    more than its sparse products, which a batch does not share: review 72; a batch of one
    still did more of that work than a single fit: review 181), else one batch; the fold
    scores are GridSearchCV's either way."""
    import scipy.sparse as sp

    from gdlogreg import _search

    rng = np.random.default_rng(0)
    n, d = 300, 600 if wide else 40
    X = sp.random(n, d, density=0.05, format="csr", random_state=1)
    y = (X @ rng.standard_normal(d) + 0.3 * rng.standard_normal(n) > 0).astype(int)
    widths = []
    descend = _search.GradientDescentLogisticRegressionCV._descend

    def spy(self, backend, base_loss, k, part, *args):
        widths.append(len(part))
        return descend(self, backend, base_loss, k, part, *args)

    monkeypatch.setattr(_search.GradientDescentLogisticRegressionCV, "_descend", spy)
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    Cs = [0.1, 1.0, 10.0]
    search = GradientDescentLogisticRegressionCV(Cs=Cs, cv=cv).fit(X, y)
    assert widths == ([] if wide else [9])
    grid = GridSearchCV(GradientDescentLogisticRegression(), {"C": Cs}, cv=cv).fit(X, y)
    for i in range(3):
        np.testing.assert_allclose(search.cv_results_[f"split{i}_test_score"],
                                   grid.cv_results_[f"split{i}_test_score"], atol=1e-12)


def test_a_sparse_batch_keeps_its_row_major_layout_when_columns_leave(monkeypatch):
    """A sparse batch's Z and weights are row-major (its products read them a row at a
    time); as columns leave they stay so, in one copy each: ``A[:, cols]`` of a row-major
    array is column-major, which made every later block's products strided (the weights)
    or took a second copy back (Z; the CSR search 0.88-0.96 of its time since)."""
    import scipy.sparse as sp

    from gdlogreg import _batch

    rng = np.random.default_rng(0)
    X = sp.random(2_000, 50, density=0.1, format="csr", random_state=1)
    y = (X @ rng.standard_normal(50) + 0.3 * rng.standard_normal(2_000) > 0).astype(int)
    seen = []
    shrink = _batch._shrink

    def spy(objective, point, active, rule, keep):
        out = shrink(objective, point, active, rule, keep)
        if not keep.all() and keep.sum() > 1:
            seen.append((out[0].backend.s.flags.c_contiguous, out[1].z.flags.c_contiguous))
        return out

    monkeypatch.setattr(_batch, "_shrink", spy)
    Cs = np.logspace(-4, 4, 6)  # the strong penalties' columns leave first
    GradientDescentLogisticRegressionCV(Cs=Cs, cv=3).fit(X, y)
    assert seen and all(s and z for s, z in seen), seen


def test_a_sparse_batch_pass_sums_its_gradient_by_blocks_without_storing_r():
    """A row-major sparse batch (binary columns) adds Xᵀ r block by block as the single
    CSR fit does: the residual of all n rows and m columns is never stored (it was, and
    then copied), and the pass gives what the class-major path gives, moves by X V
    included (made first: CSR's in-pass step moves one column)."""
    import tracemalloc

    import scipy.sparse as sp

    from gdlogreg._backends import _array
    from gdlogreg._loss import BinaryLogLoss, GroupedLoss

    rng = np.random.default_rng(0)
    n, d, m = 120_000, 40, 4  # 30 blocks: a block's temporaries (each thread's) stay small
    X = sp.random(n, d, density=0.1, format="csr", random_state=2)
    t = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
    s = rng.random((n, m))
    s /= s.sum(axis=0)
    loss = GroupedLoss(BinaryLogLoss(), m, 1)
    rows = _array.NumpyBackend(X, t, np.ascontiguousarray(s))
    rows.row_major = True
    cols = _array.NumpyBackend(X, t, np.asfortranarray(s))
    blocks = [slice(i, min(i + 4_000, n)) for i in range(0, n, 4_000)]
    for be in (rows, cols):
        be._cuts[m] = be._cuts[1] = blocks
    Z = rng.standard_normal((n, m))
    V = rng.standard_normal((d + 1, m))
    for move, D, kw in ((False, None, {}), (True, None, {}), (True, None, {"V": V})):
        # a copy each: a move writes over Z
        out = [be.loss_pass(loss, np.array(Z, order="C" if be is rows else "F"), D,
                            gradient=True, move=move, **kw) for be in (rows, cols)]
        np.testing.assert_allclose(out[0][0], out[1][0], rtol=1e-13)
        np.testing.assert_allclose(out[0][2], out[1][2], rtol=1e-12, atol=1e-16)
    Zc = np.ascontiguousarray(Z)
    tracemalloc.start()
    rows.loss_pass(loss, Zc, gradient=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    # 0.11 of Z on one thread and on two; R stored whole was 1.1 to 1.3
    assert peak < 0.5 * Zc.nbytes, peak / Zc.nbytes
