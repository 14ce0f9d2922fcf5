"""Review 103: today's documentation and claims against the code as it runs.

Read from outside: 9b1d209..07bc593 (the scaled stop at C = inf, L-BFGS's count of refused
directions, review 101's float32 class blocks and dual_gap_, review 102's fixes), against
CHANGELOG.md, docs/*.rst, benchmarks/README.md and the docstrings and comments changed.

Found (docs fixed; each test runs the fit the doc now describes):
(1) docs/tutorial.rst: "``tol=0`` switches the stopping test off, so the fit makes exactly
``max_iter`` updates" (the lecture's fixed number of iterations). Since the scaled stop, a
fit without a penalty whose iterate classifies every row is scaled to J within tol's floor
(50 ε) of 0 and stops "separated": standardized wine with the tutorial's ``solver="gd"``,
``learning_rate=0.5``, ``tol=0``, ``max_iter=100`` stops after 83 updates (at 9b1d209: 100,
"max_iter"); iris's setosa against the rest after 5. The tutorial's own breast cancer fit
still runs 100 (no iterate classifies every tumour). Documented as an exception first; then
tol=0 switched the scaled stop off (no stopping test asked for, every update a gradient
step), and the tutorial's claim holds again.
(2) CHANGELOG.md told nothing of review 102's fixes (λ bounded to keep λ·coef finite; the
scaled iterate tested as any, scaled again where float32's rounding misses the bound), and
docs/architecture.rst said the fit "stops there" after the scaling: float32 breast cancer,
455 rows, scales by 112 and then, asked again at once, by 1.04.
(3) benchmarks/README.md's older sections ("C = inf on separated rows", review 94's table,
review 98's float32 separated rows and "no class blocks") gave counts the scaled stop and
the float32 class blocks changed, with no pointer: one-line pointers added.

Held (reproduced exactly, one BLAS thread): C = inf breast cancer 50 → 39 (the 38th iterate
by λ = 4.8, J 2.4e-3 → 6.9e-7), wine 24 → 8, raw digits 78 → 39 (bb); lbfgs without the
scaled stop standardized breast cancer 66, raw 949 (32 with it); digits standardized lbfgs
79 → 53 is the refusal count's; Kakadu raw lbfgs 92 (C = 1e3) and 82 (C = 1); "gd",
"nesterov", "backtracking" on standardized breast cancer run to max_iter with no iterate
classifying every row; review 94's seven separated fits: ours / LR iterations 14/76, 5/12,
32/35, 26/100, 2/23, 32/26, 53/66 and time ratios 0.50, 0.74, 1.13, 0.65, 0.36, 1.48, 1.89
(the README's 0.53, 0.83, 1.14, 0.71, 0.30, 1.55, 2.10: the same within the noise of fits of
milliseconds); digits' 5-fold neg_log_loss at C = inf −1.33 → −1.92; scale_to_stop's
monotone argument (a J passing ½ log 2 · s_min has every margin positive); the wide K-class
factored metric still float64 only, as the guide says; tests/test_docs.py passes.
"""

import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from conftest import blas_kernel
from gdlogreg import GradientDescentLogisticRegression as GD

ROOT = Path(__file__).resolve().parents[1]


def _text(*parts):
    return " ".join((ROOT.joinpath(*parts)).read_text().split())


def _fit(X, y, **kw):
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")  # C = inf on separated rows, tol=0: warned
        return GD(C=np.inf, **kw).fit(X, y)


def test_tutorial_says_tol_0_takes_only_gradient_steps():
    """The tutorial's "tol=0 ... exactly max_iter updates" (the lecture's fixed number of
    iterations) held again once tol=0 switched the scaled stop off (the finding above, first
    documented as an exception): standardized wine with the tutorial's gd runs all 100
    updates at tol=0, and stops "separated" after 83 with a positive tol."""
    tutorial = _text("docs", "tutorial.rst")
    assert "exactly ``max_iter`` updates" in tutorial
    assert "the fit never scales a separating iterate to the stop" in tutorial
    X, y = load_wine(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    fit = _fit(X, y, solver="gd", learning_rate=0.5, tol=0, max_iter=100)
    assert (fit.stop_reason_, int(fit.n_iter_[0])) == ("max_iter", 100)
    fit = _fit(X, y, solver="gd", learning_rate=0.5, tol=1e-12, max_iter=100)
    assert (fit.stop_reason_, int(fit.n_iter_[0])) == ("separated", 83)
    # the tutorial's own data: exactly max_iter updates, no iterate classifying every row
    X, y = load_breast_cancer(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    fit = _fit(X, y, solver="gd", learning_rate=0.5, tol=0, max_iter=100, keep_path=True)
    assert (fit.stop_reason_, int(fit.n_iter_[0])) == ("max_iter", 100)
    margins = [((2 * y - 1) * (X @ np.ravel(w) + np.ravel(b)[0])).min()
               for w, b in zip(fit.coef_path_, fit.intercept_path_, strict=True)]
    assert max(margins) <= 0.0


def _bc_subset32(seed=12):
    X, y = load_breast_cancer(return_X_y=True)
    idx = np.random.default_rng(seed).choice(len(y), int(0.8 * len(y)), replace=False)
    return X[idx].astype(np.float32), y[idx]


def test_a_float32_scaled_iterate_is_scaled_again_as_changelog_and_architecture_say(
        monkeypatch):
    """On the path the CHANGELOG measured (the metric first taken at 10: since it is taken
    at 4 here, p = 31, this subset's first scaled iterate passes, 28× at once).

    2026-12-06: since the small data's metric take of one Gram product (2f77ae5) the subset
    of seed 12 (112, then 1.04) no longer misses: its first scaled iterate (by 54) passes.
    Of seeds 0 to 999, 120 alone still misses (by 1.0007 times the bound) with the Haswell
    kernels, scaled by 10 and then 1.04: the CHANGELOG says so, the test runs that subset."""
    from gdlogreg import _objective

    if blas_kernel() != "Haswell":  # a float32 path: the kernels' rounding decides the miss
        pytest.skip(f"the CHANGELOG's float32 path is the Haswell kernels', not {blas_kernel()}")
    monkeypatch.setattr(_objective, "paid_start", lambda first, p: first)
    changelog, arch = _text("CHANGELOG.md"), _text("docs", "architecture.rst")
    found = re.search(r"it is scaled again at once \(there by (\d+) and then ([\d.]+); since "
                      r".*?: the subset of seed (\d+) misses by [\d.]+ times, scaled by (\d+) "
                      r"and then ([\d.]+)\)", changelog)
    assert found is not None, "CHANGELOG does not state review 102's fixes"
    assert "misses the bound by rounding (float32): then it is scaled again at once" in arch
    seed, first, second = int(found.group(3)), int(found.group(4)), float(found.group(5))
    X, y = _bc_subset32(seed)
    fit = _fit(X, y, keep_path=True)
    W = np.asarray(fit.coef_path_, dtype=np.float64).reshape(len(fit.coef_path_), -1)
    ratios = [(W[i] @ W[i - 1]) / (W[i - 1] @ W[i - 1]) for i in (-2, -1)]
    assert fit.stop_reason_ == "separated"
    assert round(ratios[0]) == first and round(ratios[1], 2) == second
    assert fit.loss_curve_[-2] > fit.tol / 10 * fit.loss_curve_[0]  # the first one missed
    assert fit.loss_curve_[-1] <= min(fit.tol / 10 * fit.loss_curve_[0],
                                      0.5 * math.log(2.0) / len(y))


def test_benchmarks_readme_older_c_inf_table_points_to_the_scaled_stop():
    """The older "C = inf on separated rows" table (50, 24, 78 iterations) is history; a
    pointer gives today's counts, which the fits reproduce."""
    from sklearn.datasets import load_digits

    found = re.search(r"bb at C = inf on breast cancer (\d+) → (\d+) iterations, wine (\d+) → "
                      r"(\d+), raw digits (\d+) → (\d+); \"C = inf: a separating iterate "
                      r"scaled to the stop\"", _text("benchmarks", "README.md"))
    assert found is not None, "no pointer from the older C = inf table"
    figures = [int(g) for g in found.groups()]
    for i, load in enumerate((load_breast_cancer, load_wine, load_digits)):
        fit = _fit(*load(return_X_y=True), solver="bb")
        assert (fit.stop_reason_, int(fit.n_iter_[0])) == ("separated", figures[2 * i + 1])
