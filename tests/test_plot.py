"""LossCurveDisplay and DescentPathDisplay: the artists they draw and the numbers behind them."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import gdlogreg
from gdlogreg import (
    DescentPathDisplay,
    GradientDescentLogisticRegression,
    LossCurveDisplay,
    SearchScoreDisplay,
)

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def cancer():
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def one_feature(cancer):
    X, y = cancer
    return X[:, [0]], y  # mean radius, standardized


def _gd(lr, **kw):
    kw.setdefault("max_iter", 100)
    return GradientDescentLogisticRegression(solver="gd", learning_rate=lr, **kw)


def _fit(est, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, y, **kw)


# ------------------------------------------------------------ LossCurveDisplay
def test_loss_curves_one_line_per_fit_with_the_recorded_values(cancer):
    X, y = cancer
    fits = [_fit(_gd(lr), X, y) for lr in (0.1, 1.0, 10.0)]
    display = LossCurveDisplay.from_estimator(fits)
    assert len(display.lines_) == 3
    assert display.ax_ is display.lines_[0].axes
    assert display.figure_ is display.ax_.figure
    for line, est in zip(display.lines_, fits, strict=True):
        np.testing.assert_array_equal(line.get_xdata(), np.arange(est.n_iter_[0] + 1))
        np.testing.assert_allclose(line.get_ydata(), est.loss_curve_[: est.n_iter_[0] + 1])
    labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert labels == [
        "solver='gd', learning_rate=0.1",
        "solver='gd', learning_rate=1",
        "solver='gd', learning_rate=10",
    ]
    assert display.ax_.get_yscale() == "linear"
    assert display.markers_ == [None, None, None]


def test_a_diverging_fit_is_drawn_rising_and_marked(cancer):
    X, y = cancer
    good = _fit(_gd(1.0), X, y)
    bad = _fit(_gd(60.0), X, y)
    assert bad.stop_reason_ == "diverged"
    display = LossCurveDisplay.from_estimator([good, bad], labels=["α=1", "α=60"])
    line = display.lines_[1]
    ydata = line.get_ydata()
    # Drawn up to the iterate where it stopped, not the rolled-back best J.
    assert len(ydata) == bad.n_iter_ + 1 < len(bad.loss_curve_)
    assert ydata[-1] > 5 * ydata[0]  # visibly above the start
    marker = display.markers_[1]
    assert marker is not None and display.markers_[0] is None
    assert marker.get_xdata()[0] == bad.n_iter_
    assert marker.get_ydata()[0] == pytest.approx(ydata[-1])
    assert line.get_label() == "α=60 (diverged)"


def test_log_scale_plots_distance_to_the_best_value(cancer):
    X, y = cancer
    fits = [_fit(_gd(lr, max_iter=50), X, y) for lr in (1.0, 10.0)]
    display = LossCurveDisplay.from_estimator(fits, log_scale=True)
    assert display.ax_.get_yscale() == "log"
    J_star = min(float(np.min(e.loss_curve_)) for e in fits)
    for line, est in zip(display.lines_, fits, strict=True):
        expected = est.loss_curve_[: est.n_iter_[0] + 1] - J_star
        y_plot = line.get_ydata()
        positive = expected > 0
        np.testing.assert_allclose(y_plot[positive], expected[positive])
        assert np.isnan(y_plot[~positive]).all()  # the minimum itself has no log
    assert "J*" in display.ax_.get_ylabel()

    ref = J_star - 1e-3
    display = LossCurveDisplay.from_estimator(fits, log_scale=True, reference=ref)
    np.testing.assert_allclose(
        display.lines_[0].get_ydata(), fits[0].loss_curve_[: fits[0].n_iter_[0] + 1] - ref
    )


def test_loss_curve_accepts_a_pipeline_and_an_axis(cancer):
    X, y = cancer
    pipe = make_pipeline(StandardScaler(), GradientDescentLogisticRegression()).fit(X, y)
    fig, ax = plt.subplots()
    display = LossCurveDisplay.from_estimator(pipe, ax=ax, color="black")
    assert display.ax_ is ax and display.figure_ is fig
    assert len(ax.get_lines()) == 1
    assert display.lines_[0].get_color() == "black"
    np.testing.assert_allclose(display.lines_[0].get_ydata(), pipe[-1].loss_curve_)


def test_loss_curve_display_from_arrays_and_errors():
    display = LossCurveDisplay([[3.0, 2.0, 1.0], [3.0, 5.0]], labels=["a", "b"],
                               stop_reasons=["converged", "diverged"]).plot()
    assert [len(line.get_ydata()) for line in display.lines_] == [3, 2]
    assert display.markers_[0] is None and display.markers_[1] is not None
    with pytest.raises(ValueError, match="2 loss curves but 1 labels"):
        LossCurveDisplay([[1.0], [2.0]], labels=["a"])
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(GradientDescentLogisticRegression())


# ---------------------------------------------------------- DescentPathDisplay
def test_descent_path_draws_every_iterate_on_the_contours(one_feature):
    x, y = one_feature
    clf = GradientDescentLogisticRegression(solver="gd", learning_rate=2.0, keep_path=True)
    clf.fit(x, y)
    assert clf.converged_
    display = DescentPathDisplay.from_estimator(clf, x, y, grid_resolution=60)
    # One red dot per iterate, start and end marked.
    w, b = display.path_.get_xdata(), display.path_.get_ydata()
    assert len(w) == clf.n_iter_ + 1
    np.testing.assert_allclose(w, clf.coef_path_[:, 0, 0])
    np.testing.assert_allclose(b, clf.intercept_path_[:, 0])
    assert display.path_.get_color() == "red"
    assert (display.start_.get_xdata()[0], display.start_.get_ydata()[0]) == (0.0, 0.0)
    assert display.end_.get_xdata()[0] == pytest.approx(clf.coef_[0, 0])
    assert display.end_.get_ydata()[0] == pytest.approx(clf.intercept_[0])
    assert display.end_.get_xdata()[0] == w[-1]  # converged: the last iterate is the model
    # Filled contours of J on a square grid centred on the last iterate.
    assert display.contour_ is not None and display.colorbar_ is not None
    assert display.J_grid.shape == (60, 60)
    assert display.ax_.get_xlabel() == "weight w" and display.ax_.get_ylabel() == "intercept b"
    w_range = np.ptp(display.w_grid[0])
    assert w_range == pytest.approx(np.ptp(display.b_grid[:, 0]))
    assert display.w_grid[0].min() < w.min() and display.w_grid[0].max() > w.max()
    # The lowest grid point is the grid point next to the minimum found by the fit.
    i, j = np.unravel_index(np.argmin(display.J_grid), display.J_grid.shape)
    step = w_range / 59
    assert abs(display.w_grid[i, j] - clf.coef_[0, 0]) <= step
    assert abs(display.b_grid[i, j] - clf.intercept_[0]) <= step
    # Descent: J falls along the path.
    assert np.all(np.diff(display.J_path) <= 1e-12)


# Fits whose J the display computes again: penalties, sample and class weights.
COST_CASES = pytest.mark.parametrize(
    "params, weighted",
    [
        ({"C": 1.0}, False),
        ({"C": 0.01, "l1_ratio": 0.5}, True),
        ({"C": np.inf, "class_weight": "balanced"}, True),
        ({"C": 0.05, "class_weight": {0: 3.0, 1: 1.0}}, False),
        ({"fit_intercept": False, "C": 0.3, "l1_ratio": 0.2, "class_weight": "balanced"}, True),
    ],
)


@COST_CASES
def test_J_on_the_path_is_the_estimators_cost(one_feature, params, weighted):
    # The display computes J from the public parameters only; it must agree
    # with the loss_curve_ the estimator recorded.
    x, y = one_feature
    sw = np.random.default_rng(0).uniform(0.5, 2.0, size=len(y)) if weighted else None
    clf = GradientDescentLogisticRegression(
        solver="gd", learning_rate=1.0, max_iter=30, keep_path=True, **params
    )
    _fit(clf, x, y, sample_weight=sw)
    display = DescentPathDisplay.from_estimator(
        clf, x, y, sample_weight=sw, grid_resolution=10, colorbar=False
    )
    assert display.colorbar_ is None
    np.testing.assert_allclose(display.J_path, clf.loss_curve_[: len(display.J_path)],
                               rtol=1e-10, atol=1e-12)


def test_descent_path_through_a_pipeline(cancer):
    X, y = cancer
    raw = load_breast_cancer().data[:, [0]]  # unscaled: the pipeline scales it
    pipe = make_pipeline(
        StandardScaler(), GradientDescentLogisticRegression(keep_path=True)
    ).fit(raw, y)
    display = DescentPathDisplay.from_estimator(pipe, raw, y, grid_resolution=20)
    clf = pipe[-1]
    np.testing.assert_allclose(display.J_path, clf.loss_curve_[: len(display.J_path)],
                               rtol=1e-10)


@pytest.mark.parametrize("alpha, reason", [(30.0, "max_iter"), (300.0, "diverged")])
def test_descent_path_of_an_unconverged_fit_stars_the_returned_model(one_feature, alpha, reason):
    # Such a fit returns its best iterate and appends it to coef_path_; the
    # display draws the steps taken and puts the star on the returned model.
    x, y = one_feature
    clf = _fit(_gd(alpha, max_iter=40, keep_path=True), x, y)
    assert clf.stop_reason_ == reason
    assert len(clf.coef_path_) == clf.n_iter_ + 2
    display = DescentPathDisplay.from_estimator(clf, x, y, grid_resolution=30)
    assert len(display.path_.get_xdata()) == clf.n_iter_ + 1
    assert display.path_.get_xdata()[-1] == clf.coef_path_[clf.n_iter_, 0, 0]
    assert display.end_.get_xdata()[0] == pytest.approx(clf.coef_[0, 0])
    assert display.end_.get_ydata()[0] == pytest.approx(clf.intercept_[0])
    assert display.end_.get_label() == "fitted model"
    # The grid is centred on the returned model and covers every step.
    assert display.w_grid[0].mean() == pytest.approx(clf.coef_[0, 0])
    assert display.w_grid.min() < display.path_.get_xdata().min()
    assert display.b_grid.max() > display.path_.get_ydata().max()


def test_descent_path_without_intercept_is_a_curve(one_feature):
    x, y = one_feature
    clf = GradientDescentLogisticRegression(
        solver="gd", learning_rate=1.0, fit_intercept=False, keep_path=True, max_iter=40
    )
    _fit(clf, x, y)
    display = DescentPathDisplay.from_estimator(clf, x, y, grid_resolution=50)
    assert display.contour_ is None and display.surface_ is not None
    assert len(display.surface_.get_xdata()) == 50
    assert len(display.path_.get_xdata()) == clf.n_iter_ + 1
    # The dots sit on the curve: their height is J of the recorded iterates.
    np.testing.assert_allclose(display.path_.get_ydata(), clf.loss_curve_[: clf.n_iter_[0] + 1])
    assert display.ax_.get_ylabel() == "cost J(w)"


def test_descent_path_refuses_what_it_cannot_draw(cancer, one_feature):
    X, y = cancer
    x, _ = one_feature
    with pytest.raises(ValueError, match="keep_path=True"):
        DescentPathDisplay.from_estimator(GradientDescentLogisticRegression().fit(x, y), x, y)
    two = GradientDescentLogisticRegression(keep_path=True).fit(X[:, :2], y)
    with pytest.raises(ValueError, match="one feature"):
        DescentPathDisplay.from_estimator(two, X[:, :2], y)
    Xi, yi = load_iris(return_X_y=True)
    multi = GradientDescentLogisticRegression(keep_path=True).fit(Xi[:, :1], yi)
    with pytest.raises(ValueError, match="binary problem"):
        DescentPathDisplay.from_estimator(multi, Xi[:, :1], yi)
    with pytest.raises(NotFittedError):
        DescentPathDisplay.from_estimator(GradientDescentLogisticRegression(), x, y)


def test_explicit_levels_and_axis(one_feature):
    x, y = one_feature
    clf = GradientDescentLogisticRegression(keep_path=True).fit(x, y)
    fig, ax = plt.subplots()
    levels = [0.30, 0.32, 0.35, 0.4, 0.5]
    display = DescentPathDisplay.from_estimator(
        clf, x, y, ax=ax, levels=levels, grid_resolution=20, path_color="magenta"
    )
    assert display.ax_ is ax and display.figure_ is fig
    np.testing.assert_allclose(display.contour_.levels, levels)
    assert display.path_.get_color() == "magenta"


@pytest.mark.slow
def test_the_package_imports_without_matplotlib():
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "import gdlogreg\n"
        "from gdlogreg import LossCurveDisplay\n"
        "try:\n"
        "    LossCurveDisplay([[1.0, 0.5]]).plot()\n"
        "except ImportError as e:\n"
        "    print('ImportError:', e)\n"
    )
    # Import the gdlogreg under test, not whichever copy is installed.
    root = os.path.dirname(os.path.dirname(os.path.abspath(gdlogreg.__file__)))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH")) if p
    )}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env, cwd=os.path.dirname(root)).stdout
    assert "ImportError: Plotting needs matplotlib" in out


def test_one_step_is_singular(one_feature):
    x, y = one_feature
    clf = _fit(_gd(1.0, max_iter=1, keep_path=True), x, y)
    display = DescentPathDisplay.from_estimator(clf, x, y, grid_resolution=10)
    assert display.path_.get_label() == "gradient descent (1 step)"


# ------------------------------------------------------------------- legends
def _display_points(artist, ax, per_segment=12):
    """The points an artist draws, in pixels, with its segments sampled densely."""
    from matplotlib.collections import LineCollection

    if isinstance(artist, LineCollection):
        paths = [np.asarray(seg, float) for seg in artist.get_segments()]
    else:
        paths = [np.asarray(artist.get_xydata(), float)]
    transform = artist.get_transform()
    points = []
    for xy in paths:
        xy = xy[np.isfinite(xy).all(axis=1)] if xy.size else xy.reshape(0, 2)
        if not len(xy):
            continue
        drawn_as_line = getattr(artist, "get_linestyle", lambda: "-")() not in ("None", "")
        if drawn_as_line and len(xy) > 1:
            t = np.linspace(0, 1, per_segment, endpoint=False)
            pix = transform.transform(xy)
            dense = pix[:-1, None, :] + t[None, :, None] * (pix[1:] - pix[:-1])[:, None, :]
            pix = np.vstack([dense.reshape(-1, 2), pix[-1:]])
        else:
            pix = transform.transform(xy)
        points.append(pix)
    if not points:
        return np.empty((0, 2))
    pix = np.vstack(points)
    box = ax.get_window_extent()
    inside = ((pix[:, 0] >= box.x0) & (pix[:, 0] <= box.x1)
              & (pix[:, 1] >= box.y0) & (pix[:, 1] <= box.y1))
    return pix[inside]  # the rest is clipped away


def legend_collisions(fig):
    """What the legends of a figure cover: curves, markers, texts and labels, or axes."""
    from matplotlib.collections import LineCollection

    fig.canvas.draw()
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
    assert legends, "no legend drawn"
    hits = []
    for legend in legends:
        box = legend.get_window_extent().padded(-1)
        for ax in fig.axes:
            if ax.get_label() == "<colorbar>":
                continue
            if legend in fig.legends and box.overlaps(ax.get_window_extent()):
                hits.append(f"the axes {ax.get_title()!r}")
            for artist in ax.get_lines() + [
                c for c in ax.collections if isinstance(c, LineCollection)
            ]:
                pix = _display_points(artist, ax)
                if artist.get_visible() and len(pix) and box.count_contains(pix) > 0:
                    hits.append(f"line {artist.get_label()!r}")
            texts = list(ax.texts) + [ax.xaxis.label, ax.yaxis.label, ax.title]
            texts += ax.get_xticklabels() + ax.get_yticklabels()
            for text in texts:
                if text.get_visible() and text.get_text().strip() \
                        and box.overlaps(text.get_window_extent()):
                    hits.append(f"text {text.get_text()!r}")
        if fig._suptitle is not None and box.overlaps(fig._suptitle.get_window_extent()):
            hits.append("the title")
    return hits


def test_loss_curve_legend_stays_inside_when_there_is_room(cancer):
    X, y = cancer
    fits = [_fit(_gd(lr), X, y) for lr in (0.1, 1.0, 10.0)]
    display = LossCurveDisplay.from_estimator(fits)
    assert legend_collisions(display.figure_) == []
    legend = display.ax_.get_legend().get_window_extent()
    assert display.ax_.get_window_extent().contains(*legend.p0)


def test_loss_curve_legend_moves_out_of_crowded_axes():
    # Curves through every corner of the axes: no place inside is free.
    t = np.linspace(0.0, 1.0, 60)
    curves = [1.0 - t, t, 0.5 + 0.5 * np.cos(6 * np.pi * t), 0.5 - 0.5 * np.cos(6 * np.pi * t),
              np.full_like(t, 0.02), np.full_like(t, 0.98), np.full_like(t, 0.5)]
    labels = [f"a fairly long legend entry number {i}" for i in range(len(curves))]
    display = LossCurveDisplay(curves, labels=labels).plot()
    assert legend_collisions(display.figure_) == []


@pytest.mark.slow
def test_cli_figures_keep_legends_off_the_curves(cancer):
    from gdlogreg._cli import compare_figure, lr_search_figure

    X, y = cancer
    clf = GradientDescentLogisticRegression().fit(X, y)
    fig = compare_figure(clf, float(np.min(clf.loss_curve_)) - 1e-9)
    assert legend_collisions(fig) == []
    fig = lr_search_figure(LR_SEARCH_RESULTS, scoring="accuracy", max_iter=1000)
    assert legend_collisions(fig) == []


def _result(lr, mean, std, n_iter, reason, n=5):
    return {"learning_rate": lr, "mean": mean, "std": std, "n_iter": n_iter,
            "reasons": [reason] * n, "outcome": f"{reason} {n}/{n}"}


# The table of `gdlogreg lr-search` on breast cancer (docs/cli.rst).
LR_SEARCH_RESULTS = [
    _result(0.01, 0.9771, 0.0143, 1000, "max_iter"),
    _result(0.03, 0.9771, 0.0143, 1000, "max_iter"),
    _result(0.1, 0.9824, 0.0147, 1000, "max_iter"),
    _result(0.3, 0.9789, 0.0119, 1000, "max_iter"),
    _result(1.0, 0.9789, 0.0142, 1000, "max_iter"),
    _result(3.0, 0.9789, 0.0142, 695, "converged"),
    _result(10.0, 0.9789, 0.0142, 216, "converged"),
    _result(30.0, 0.9789, 0.0181, 1000, "max_iter"),
    _result(100.0, 0.3726, 0.0039, 1, "diverged"),
]


# ------------------------------------------------------ a diverged curve's scale
@pytest.mark.parametrize("log_scale", [False, True])
def test_a_diverged_curve_does_not_squash_the_others(cancer, log_scale):
    X, y = cancer
    fits = [_fit(_gd(lr), X, y) for lr in (1.0, 10.0, 60.0)]
    assert [f.stop_reason_ == "diverged" for f in fits] == [False, False, True]
    display = LossCurveDisplay.from_estimator(fits, log_scale=log_scale,
                                              labels=["α=1", "α=10", "α=60"])
    lo, hi = display.ax_.get_ylim()
    ys = [line.get_ydata() for line in display.lines_]
    others = np.concatenate(ys[:2])
    others = others[np.isfinite(others)]
    # The y-range fits the curves that did not diverge ...
    assert lo <= others.min() and others.max() <= hi
    if log_scale:
        assert np.log10(hi) - np.log10(others.max()) < 0.5
    else:
        assert hi - others.max() < 0.2 * np.ptp(others)
    # ... the diverged one leaves it, and the places where it does are marked.
    bad = ys[2]
    assert np.nanmax(bad) > 2 * hi
    marks = display.offscale_[2]
    assert display.offscale_[:2] == [None, None] and marks is not None
    np.testing.assert_array_equal(marks.get_xdata(), np.flatnonzero(bad > hi))
    assert marks.get_transform() == display.ax_.get_xaxis_transform()
    assert marks.get_color() == display.lines_[2].get_color()
    note = marks.get_label()
    assert note.startswith("α=60") and "above the plot" in note
    assert f"{np.nanmax(bad):.3g}" in note
    assert note in [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend_collisions(display.figure_) == []


def test_without_a_diverged_curve_the_y_range_is_matplotlibs(cancer):
    X, y = cancer
    fits = [_fit(_gd(lr), X, y) for lr in (1.0, 10.0)]
    display = LossCurveDisplay.from_estimator(fits)
    assert display.offscale_ == [None, None]
    assert display.ax_.get_autoscaley_on()


# ------------------------------------------------------------ lr-search and 2/L
def test_lr_search_figure_marks_2_over_L_as_guaranteed_descent():
    from gdlogreg._cli import lr_search_figure

    fig = lr_search_figure(LR_SEARCH_RESULTS, scoring="accuracy", max_iter=1000,
                           step_bound=0.602)
    for ax in fig.axes:
        marks = [line for line in ax.get_lines()
                 if np.allclose(line.get_xdata(), 0.602) and len(line.get_xdata()) == 2]
        assert len(marks) == 1, ax.get_ylabel()
    texts = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "2/L ≈ 0.602 (guaranteed descent)" in texts
    everything = " ".join(texts + [t.get_text() for ax in fig.axes for t in ax.texts])
    assert "stable" not in everything
    assert legend_collisions(fig) == []


# J(w, b) as DescentPathDisplay wrote it before it called gdlogreg's core (with
# scikit-learn's class weights): an independent check that the numbers did not move.
def _cost_by_logaddexp(w, b, x, t, s, C, l1_ratio):
    m = float(s.sum())
    z = w.ravel()[:, None] * x[None, :] + b.ravel()[:, None]
    J = (np.logaddexp(0.0, z) - t * z) @ (s / m)
    if C != np.inf:
        wf = w.ravel()
        J = J + ((1.0 - l1_ratio) / 2.0 * wf**2 + l1_ratio * np.abs(wf)) / (C * m)
    return J.reshape(w.shape)


@COST_CASES
def test_the_contours_are_the_cost_as_it_was(one_feature, params, weighted):
    from sklearn.utils.class_weight import compute_class_weight

    x, y = one_feature
    sw = np.random.default_rng(1).uniform(0.2, 3.0, size=len(y)) if weighted else None
    clf = _fit(_gd(1.0, max_iter=20, keep_path=True, **params), x, y, sample_weight=sw)
    display = DescentPathDisplay.from_estimator(
        clf, x, y, sample_weight=sw, grid_resolution=25, colorbar=False
    )
    s = np.ones(len(y)) if sw is None else sw
    if clf.class_weight is not None:
        cw = compute_class_weight(clf.class_weight, classes=clf.classes_, y=y, sample_weight=s)
        s = s * cw[y]
    b_grid = np.zeros_like(display.w_grid) if display.b_grid is None else display.b_grid
    expected = _cost_by_logaddexp(display.w_grid, b_grid, x[:, 0], y.astype(float), s,
                                  clf.C, clf.l1_ratio)
    np.testing.assert_allclose(display.J_grid, expected, rtol=1e-12, atol=0.0)


# ------------------------------------------------------------ SearchScoreDisplay
@pytest.fixture(scope="module")
def c_search(cancer):
    from gdlogreg import GradientDescentLogisticRegressionCV

    X, y = cancer
    return GradientDescentLogisticRegressionCV(Cs=[10.0, 0.001, 0.1, 1.0], cv=3).fit(X, y)


@pytest.fixture(scope="module")
def c_l1_search(cancer):
    from gdlogreg import GradientDescentLogisticRegressionCV

    X, y = cancer
    return GradientDescentLogisticRegressionCV(
        Cs=[0.01, 0.1, 1.0], l1_ratios=[0.0, 0.5, 1.0], cv=3, scoring="neg_log_loss"
    ).fit(X, y)


def test_search_display_is_exported():
    assert "SearchScoreDisplay" in gdlogreg.__all__
    assert gdlogreg.SearchScoreDisplay is SearchScoreDisplay


def test_search_display_line_is_the_mean_score_over_log_C(c_search):
    display = SearchScoreDisplay.from_estimator(c_search)
    cv = c_search.cv_results_
    order = np.argsort(cv["param_C"].astype(float))
    C = cv["param_C"].astype(float)[order]
    mean, std = cv["mean_test_score"][order], cv["std_test_score"][order]
    np.testing.assert_allclose(display.line_.get_xdata(), C)
    np.testing.assert_allclose(display.line_.get_ydata(), mean)
    assert display.ax_.get_xscale() == "log"
    assert display.ax_.get_xlabel() == "C"
    assert display.ax_.get_ylabel() == "mean CV accuracy"
    # The band spans mean ± std at every C.
    band = display.band_.get_paths()[0].vertices
    for c, m, s in zip(C, mean, std, strict=True):
        ys = band[np.isclose(band[:, 0], c), 1]
        assert ys.min() == pytest.approx(m - s) and ys.max() == pytest.approx(m + s)
    # The star is at the search's best C and its score.
    best = c_search.best_params_["C"]
    np.testing.assert_allclose(display.best_marker_.get_xydata(), [[best, c_search.best_score_]])
    assert f"C={best:.3g}" in display.best_marker_.get_label()
    assert display.image_ is None


def test_search_display_heatmap_over_C_and_l1_ratio(c_l1_search):
    fig, ax = plt.subplots()
    display = SearchScoreDisplay.from_estimator(c_l1_search, ax=ax)
    assert display.ax_ is ax and display.line_ is None
    cv = c_l1_search.cv_results_
    expected = np.empty((3, 3))  # (C, l1_ratio)
    for p, m in zip(cv["params"], cv["mean_test_score"], strict=True):
        expected[[0.01, 0.1, 1.0].index(p["C"]), [0.0, 0.5, 1.0].index(p["l1_ratio"])] = m
    np.testing.assert_allclose(display.mean_test_score, expected)
    # pcolormesh's array is row-major over (l1_ratio, C).
    np.testing.assert_allclose(np.asarray(display.image_.get_array()).reshape(3, 3),
                               expected.T)
    assert ax.get_xscale() == "log" and ax.get_yscale() == "linear"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("C", "l1_ratio")
    # The outline is around the best cell: its centre is the best (C, l1_ratio).
    xy = display.best_marker_.get_xydata()
    best = c_l1_search.best_params_
    assert np.sqrt(xy[:, 0].min() * xy[:, 0].max()) == pytest.approx(best["C"])
    assert (xy[:, 1].min() + xy[:, 1].max()) / 2 == pytest.approx(best["l1_ratio"])
    assert expected.max() == pytest.approx(c_l1_search.best_score_)
    assert len(display.texts_) == 9
    assert display.colorbar_ is not None
    assert "neg_log_loss" in display.colorbar_.ax.get_ylabel()


def test_search_display_of_three_parameters_needs_params(cancer):
    from gdlogreg import GradientDescentLogisticRegressionCV

    X, y = cancer
    search = GradientDescentLogisticRegressionCV(
        Cs=[0.1, 1.0], l1_ratios=[0.0, 0.5], learning_rates=[0.1, 1.0], solver="gd",
        cv=2, max_iter=50,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    with pytest.raises(ValueError, match="varies 3 parameters"):
        SearchScoreDisplay.from_estimator(search)
    with pytest.raises(ValueError, match="one or two distinct"):
        SearchScoreDisplay.from_estimator(search, params=["C", "tol"])
    # The parameters not plotted are held at the best candidate's values.
    display = SearchScoreDisplay.from_estimator(search, params=["C", "learning_rate"])
    best = search.best_params_
    cv = search.cv_results_
    for i, C in enumerate([0.1, 1.0]):
        for j, lr in enumerate([0.1, 1.0]):
            k = cv["params"].index({"C": C, "l1_ratio": best["l1_ratio"], "learning_rate": lr})
            assert display.mean_test_score[i, j] == pytest.approx(cv["mean_test_score"][k])
    assert display.ax_.get_yscale() == "log"  # learning rates on a log axis too
    assert display.fixed_params == {"l1_ratio": best["l1_ratio"]}
    assert display.ax_.get_title().endswith(f"(at l1_ratio={best['l1_ratio']:.3g})")


def test_search_display_from_grid_search_cv_results(cancer):
    # Any cv_results_ in GridSearchCV's format: a pipeline's prefixed C on a log axis.
    from sklearn.model_selection import GridSearchCV

    X, y = cancer
    pipe = make_pipeline(StandardScaler(), GradientDescentLogisticRegression())
    grid = GridSearchCV(pipe, {"gradientdescentlogisticregression__C": [0.01, 1.0]}, cv=2)
    grid.fit(X, y)
    display = SearchScoreDisplay.from_estimator(grid)
    assert display.ax_.get_xscale() == "log"
    np.testing.assert_allclose(display.line_.get_ydata(), grid.cv_results_["mean_test_score"])
    assert display.best_marker_.get_ydata()[0] == pytest.approx(grid.best_score_)


def test_search_display_categorical_axis_and_nan_scores():
    # "auto" among the learning rates: a categorical axis; a failed candidate is a gap.
    display = SearchScoreDisplay.from_cv_results(
        {"params": [{"learning_rate": v} for v in (1.0, "auto", 0.1)],
         "mean_test_score": np.array([0.9, 0.95, np.nan]),
         "std_test_score": np.array([0.01, 0.0, np.nan])},
    )
    assert display.param_values == [["auto", 0.1, 1.0]]
    np.testing.assert_allclose(display.line_.get_ydata(), [0.95, np.nan, 0.9])
    assert [t.get_text() for t in display.ax_.get_xticklabels()] == ["'auto'", "0.1", "1"]
    assert display.ax_.get_xscale() == "linear"
    np.testing.assert_allclose(display.best_marker_.get_xydata(), [[0, 0.95]])


def test_search_display_needs_a_fitted_search():
    from gdlogreg import GradientDescentLogisticRegressionCV

    with pytest.raises(NotFittedError):
        SearchScoreDisplay.from_estimator(GradientDescentLogisticRegressionCV())


def _one_feature(scale=1.0):
    rng = np.random.RandomState(0)
    x = rng.randn(40, 1)
    y = (x[:, 0] + np.random.RandomState(1).randn(40) > 0).astype(int)
    return x * scale, y


@pytest.mark.parametrize("margin", [-5, np.inf, np.nan, "wide"])
def test_descent_path_margin_is_checked(margin):
    x, y = _one_feature()
    clf = GradientDescentLogisticRegression(keep_path=True).fit(x, y)
    with pytest.raises(ValueError, match="margin must be a finite number >= 0"):
        DescentPathDisplay.from_estimator(clf, x, y, margin=margin)


def test_descent_path_of_a_feature_near_the_float_maximum_is_drawn():
    """J near 1e299 on the grid: matplotlib's band above the last level (at 1e250) raised
    "upper_level must be larger than lower_level" from inside contourf."""
    x, y = _one_feature(1e300)
    clf = GradientDescentLogisticRegression(keep_path=True).fit(x, y)
    display = DescentPathDisplay.from_estimator(clf, x, y, colorbar=False)
    assert display.contour_ is not None
    plt.close("all")


def test_search_score_display_checks_its_arguments():
    x, y = _one_feature()
    search = gdlogreg.GradientDescentLogisticRegressionCV(Cs=3, cv=3).fit(x, y)
    with pytest.raises(ValueError, match="best_index is 100, but cv_results holds 3"):
        SearchScoreDisplay.from_cv_results(search.cv_results_, best_index=100)
    with pytest.raises(TypeError, match="best_index must be an integer, got 1.5"):
        SearchScoreDisplay.from_cv_results(search.cv_results_, best_index=1.5)
    with pytest.raises(ValueError, match="cv_results must be a search's cv_results_"):
        SearchScoreDisplay.from_cv_results({})
    with pytest.raises(ValueError, match="cv_results must be a search's cv_results_"):
        SearchScoreDisplay.from_cv_results([1, 2])
    display = SearchScoreDisplay.from_cv_results(search.cv_results_, best_index=-1)
    assert display is not None
    plt.close("all")
