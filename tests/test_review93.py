"""Review 93: today's documentation of the stop on separated rows against the code (02d9944..HEAD).

Checked by running it: the iteration counts of benchmarks/README.md's "C = inf on separated
rows" (breast cancer 50, wine 24, digits 78/74, tissue 28, pd_speech 135, iris 31, credit 14,
resume 23, Kershaw 46, and LogisticRegression's), the iterations where J reaches 1e-4 and
tol · J(0), J at the stop (4e-7 to 2e-6), the times against LogisticRegression (ratios, one
thread, median of 3), the search's columns against the single fits (weighted, bb, gd,
nesterov), float32 and CSR, the loss-curve plot's J* = 0, the docs build and its doctests.

Defects (docs): the estimator's ``tol`` still said "Without a penalty only the gradient
tests apply"; the user guide's list of ``stop_reason_`` values and the tutorial's lacked
"separated", and README's ``tol`` told no such stop; ``LossCurveDisplay.from_estimator``'s
``reference`` still said "the smallest J of all curves"; the docs said a C = inf fit on
separated rows stops within tol of 0, but "gd", "nesterov", "backtracking" (and "lbfgs")
reach ``max_iter`` first on breast cancer (gd: J = 5e-2 after 1000 iterations); errors.rst
left out the null-space program's own cap; benchmarks/README.md's older sections still said
breast cancer, wine and digits run to max_iter and Kershaw got no warning.
"""

import math
import re
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, LossCurveDisplay
from gdlogreg._backends import _separation

ROOT = Path(__file__).resolve().parents[1]


def _text(path):
    return re.sub(r"\s+", " ", (ROOT / path).read_text(encoding="utf-8"))


def _fit(X, y, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est = GradientDescentLogisticRegression(C=np.inf, **params).fit(X, y)
    return est, " ".join(str(w.message) for w in caught)


def _cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _doc_section(doc, name):
    """The text of parameter ``name`` in a numpydoc docstring (whitespace folded)."""
    block = re.search(rf"\n\s*{name} :.*?(?=\n\s*\w+ :|\n\s*-{{3,}}|\Z)", doc, re.S)
    return re.sub(r"\s+", " ", block.group(0))


def test_every_stop_reason_is_listed_where_the_docs_list_them():
    """A fit at C = inf on breast cancer stops "separated"; the user guide's and the
    tutorial's lists of ``stop_reason_`` and README's ``tol`` name it."""
    est, _ = _fit(*_cancer())
    assert est.stop_reason_ == "separated" and not est.converged_
    reasons = re.findall(r'``"(\w+)"``',
                         _doc_section(GradientDescentLogisticRegression.__doc__, "stop_reason_"))
    assert "separated" in reasons and len(reasons) == 6
    guide = _text("docs/user_guide.rst")
    listed = guide[guide.index("Every fit records why it stopped"):]
    listed = listed[:listed.index("``n_iter_``")]
    tutorial = _text("docs/tutorial.rst")
    tutorial = tutorial[tutorial.index("**Stopping.**"):][:800]
    for reason in reasons:
        assert f'``"{reason}"``' in listed, reason
        assert f'``"{reason}"``' in tutorial, reason
    assert 'stop_reason_ == "separated"' in _text("README.md")


def test_tol_doc_tells_the_separated_stop_and_its_condition_holds():
    """``tol`` said only the gradient tests apply at C = inf. The stop is at J <= tol/10 ·
    J(0) with J < ½ log 2 · s_min, every row classified (breast cancer: 50 iterations; 39
    since its 38th iterate is scaled to the stop, 2026-12-02)."""
    tol_doc = _doc_section(GradientDescentLogisticRegression.__doc__, "tol")
    assert "only the gradient tests apply" not in tol_doc
    assert '``"separated"``' in tol_doc
    X, y = _cancer()
    est, message = _fit(X, y)
    J = np.asarray(est.loss_curve_)
    assert est.n_iter_[0] == 39 and (est.predict(X) == y).all()
    assert J[-1] <= est.tol / 10 * J[0] and J[-1] < 0.5 * math.log(2) / len(y)
    assert not (J[:-1] <= est.tol / 10 * J[0]).all()  # not the stop before it: J[-2] above
    assert "within tol of its infimum 0" in message


def test_loss_curve_display_reference_doc_says_separated():
    """``from_estimator``'s ``reference`` still said "the smallest J of all curves"; with a
    fit stopped "separated" J* is 0: the last point is the last J, not left out."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    est, _ = _fit(*_cancer())
    display = LossCurveDisplay.from_estimator(est, log_scale=True)
    y = display.lines_[0].get_ydata()
    assert len(y) == len(est.loss_curve_) and y[-1] == est.loss_curve_[-1]
    plt.close(display.figure_)
    assert "separated" in _doc_section(LossCurveDisplay.from_estimator.__doc__, "reference")
    assert "separated" in _doc_section(LossCurveDisplay.__doc__, "stop_reasons")


def test_slower_solvers_reach_max_iter_on_separated_rows_as_documented():
    """The docs said a C = inf fit on separated rows stops within tol of 0: "gd" on
    breast cancer reaches max_iter at J = 5e-2, warned that the classes are separable."""
    est, message = _fit(*_cancer(), solver="gd")
    assert est.stop_reason_ == "max_iter" and 4e-2 < est.loss_curve_[-1] < 6e-2
    assert "did not converge in 1000 iterations" in message and "separable" in message
    guide = _text("docs/user_guide.rst")
    assert "J = 5e-2 after 1000 iterations" in guide
    assert 'may reach ``max_iter`` first' in guide
    assert 'may reach ``max_iter`` first' in _text("docs/errors.rst")


def test_errors_rst_caps_are_the_code_constants():
    """The caps errors.rst quotes are LP_ENTRIES, LP_WORK, NEAR_ENTRIES, NEAR_COLUMNS; the
    null-space test's own program stops at LP_ENTRIES (undocumented before)."""
    errors = _text("docs/errors.rst")
    assert (_separation.LP_ENTRIES, _separation.LP_WORK) == (200_000, 5_000_000)
    assert (_separation.NEAR_ENTRIES, _separation.NEAR_COLUMNS) == (2_000_000, 512)
    assert (_separation.LP_ENTRIES_TIMED, _separation.LP_SECONDS) == (2_000_000, 1.0)
    assert ("runs under a time limit of one second (its constraints above 200,000 entries, "
            "or entries times columns above 5,000,000) and is not run above 2,000,000 "
            "entries (the null-space test's above 2,000,000 entries or 512 columns, its "
            "program over the pairs it moves above 200,000)") in errors


def test_null_space_program_is_capped_at_lp_entries(monkeypatch):
    """Iris at C = inf (setosa apart): the null-space test names it; with its program's
    cap LP_ENTRIES below the moved pairs it answers None (the full program decides)."""
    X, y = load_iris(return_X_y=True)
    est, message = _fit(X, y)
    assert est.stop_reason_ == "converged" and "separable" in message
    z = X @ est.coef_.T + est.intercept_
    keep = np.ones(len(y), dtype=bool)
    tiny = _separation._pair_ratios(z, y) < _separation.NEAR_RATIO
    assert _separation._separable_near(X, keep, y, 3, tiny, True) is True
    monkeypatch.setattr(_separation, "LP_ENTRIES", 1)
    assert _separation._separable_near(X, keep, y, 3, tiny, True) is None


def test_benchmark_figures_of_the_new_section():
    """benchmarks/README.md: breast cancer 50 and wine 24 iterations; bb reaches J = 1e-4
    at 43 and 18, tol · J(0) at 47 and 21; the older sections point to the new one. Since
    2026-12-02 the separating iterate is scaled to the stop: 39 and 8 iterations, the last
    one the scaling (the section's figures with the scaling off, SCALE_POWERS = 0; breast
    cancer's 50, 43, 47 are 52, 45, 49 since the p × p metric's early take, as the section
    says)."""
    from gdlogreg import _solver

    readme = _text("benchmarks/README.md")
    assert "Breast cancer's 43 and 47 are 45 and 49 since" in readme
    for load, stop, at_1e4, at_tol, scaled in ((load_breast_cancer, 52, 45, 49, 39),
                                               (load_wine, 24, 18, 21, 8)):
        X, y = load(return_X_y=True)
        est, _ = _fit(X, y)
        assert (est.n_iter_[0], est.stop_reason_) == (scaled, "separated")
        powers, _solver.SCALE_POWERS = _solver.SCALE_POWERS, 0
        try:
            est, _ = _fit(X, y)
        finally:
            _solver.SCALE_POWERS = powers
        J = np.asarray(est.loss_curve_)
        assert (est.n_iter_[0], est.stop_reason_) == (stop, "separated")
        assert np.argmax(J <= 1e-4) == at_1e4 and np.argmax(J <= est.tol * J[0]) == at_tol
    assert "bb reaches 1e-4 at iteration 43 (breast cancer), 18 (wine)" in readme
    assert "tol · J(0) at 47, 21," in readme
    assert readme.count('"C = inf on separated rows" below') >= 4
