"""Plots of the descent and of a search: the cost per iteration, the path on the
cost surface, and the validation score over a search's grid.

The displays follow scikit-learn's Display API: build one with
``from_estimator`` (which fits nothing: it reads a fitted estimator), or
construct it from arrays and call :meth:`plot`; either way the display keeps
the Matplotlib artists (``ax_``, ``figure_`` and the lines) for further styling.

Matplotlib is needed only to plot (``pip install "gdlogreg[plot]"``): it is
imported inside the functions, so ``import gdlogreg`` works without it.
Besides gdlogreg's public API, the cost J of :class:`DescentPathDisplay` comes
from its core (loss, penalty, weights), where each formula is written once.
"""

import math
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier
from sklearn.utils.validation import check_array, check_is_fitted

from ._compat import check_sample_weight, convert_to_numpy, get_namespace
from ._loss import make_loss
from ._messages import class_indices
from ._penalty import ElasticNet
from ._problem import class_weight_vector, normalise_weights

__all__ = ["DescentPathDisplay", "LossCurveDisplay", "SearchScoreDisplay"]


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Plotting needs matplotlib: pip install 'gdlogreg[plot]' (or matplotlib)."
        ) from exc
    return plt


def _place_legend(ax, **kwargs):
    """A legend where it hides nothing: 'best' inside the axes, else outside.

    Matplotlib's 'best' only minimises the overlap; with many curves (or long
    labels) every place inside may cover one. Then the legend goes to the
    right of the axes, or below them, whichever first covers no other axes;
    if neither does, it stays at 'best'. Outside, it may reach beyond the
    figure's edge: ``savefig(bbox_inches="tight")`` and the constrained
    layout make room for it. Checked against the figure as it is now (a
    later change of limits or layout is not foreseen).
    """
    legend = ax.legend(loc="best", **kwargs)
    try:
        renderer = ax.figure.canvas.get_renderer()
    except AttributeError:  # a backend without an Agg renderer: keep 'best'
        return legend
    if not _covers_data(ax, legend, renderer):
        return legend
    legend.remove()
    frame = ax.get_window_extent(renderer)
    tight = ax.get_tightbbox(renderer)  # with the tick labels and the axis labels
    below = (tight.y0 - frame.y0) / frame.height - 0.02
    outside = (
        {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0},
        {"loc": "upper center", "bbox_to_anchor": (0.5, below), "borderaxespad": 0.0},
    )
    for where in outside:
        legend = ax.legend(**where, **kwargs)
        if not _blocks_the_figure(ax, legend, renderer):
            return legend
        legend.remove()
    return ax.legend(loc="best", **kwargs)


def _blocks_the_figure(ax, legend, renderer):
    """Whether a legend outside the axes covers other axes (with their labels)."""
    box = legend.get_window_extent(renderer).padded(-1)
    return any(
        other is not ax and other.get_visible()
        and box.overlaps(other.get_tightbbox(renderer))
        for other in ax.figure.axes
    )


def _covers_data(ax, legend, renderer, per_segment=8):
    """Whether the legend box hides a point or segment of a line, or a text, of the axes."""
    ax.get_xlim(), ax.get_ylim()  # settle the autoscaled limits before transforming
    box = legend.get_window_extent(renderer).padded(-1)
    frame = ax.get_window_extent(renderer)
    t = np.linspace(0.0, 1.0, per_segment, endpoint=False)[None, :, None]
    for line in ax.get_lines():
        xy = np.asarray(line.get_xydata(), dtype=float)
        if not line.get_visible() or xy.size == 0:
            continue
        pix = line.get_transform().transform(xy)
        if line.get_linestyle() not in ("None", "") and len(pix) > 1:
            # Sample each segment; a segment with a nan end is not drawn, nor one with an
            # inf end (inf - inf is nan: an inf score).
            with np.errstate(invalid="ignore", over="ignore"):
                seg = pix[:-1, None, :] + t * (pix[1:] - pix[:-1])[:, None, :]
            pix = np.vstack([seg.reshape(-1, 2), pix[-1:]])
        pix = pix[np.isfinite(pix).all(axis=1)]
        pix = pix[_inside(frame, pix)]  # the rest is clipped away
        if len(pix) and box.count_contains(pix) > 0:
            return True
    for text in ax.texts:
        if text.get_visible() and text.get_text().strip() and box.overlaps(
            text.get_window_extent(renderer)
        ):
            return True
    return False


def _inside(bbox, pix):
    return ((pix[:, 0] >= bbox.x0) & (pix[:, 0] <= bbox.x1)
            & (pix[:, 1] >= bbox.y0) & (pix[:, 1] <= bbox.y1))


def _check_fitted_with(est, attribute, display, what):
    """scikit-learn's NotFittedError for an estimator not fitted; a TypeError naming
    ``attribute`` for one fitted without it (another kind of estimator)."""
    check_is_fitted(est)
    if not hasattr(est, attribute):
        raise TypeError(
            f"{display} draws {attribute}, which {type(est).__name__} does not have: pass {what}."
        )


def _final_step(estimator):
    """The classifier itself, or the last step of a Pipeline."""
    if hasattr(estimator, "steps"):
        return estimator.steps[-1][1]
    return estimator


def _default_label(est):
    lr = est.learning_rate
    lr = f"{lr:g}" if isinstance(lr, Real) else repr(lr)
    return f"solver={est.solver!r}, learning_rate={lr}"


class LossCurveDisplay:
    """The cost J against the gradient-descent iteration, for one or several fits.

    Build it with :meth:`from_estimator` from fitted
    :class:`~gdlogreg.GradientDescentLogisticRegression` estimators (or
    pipelines ending with one), or from the recorded curves directly. Each
    curve is J at the start and after every update (``loss_curve_``). A fit
    that diverged is drawn up to the iterate where it stopped, which is marked
    with a cross, and its label says so; so that it does not flatten the other
    curves, the y-range is fitted to those, and where the diverged curve rises
    above it is marked with ▲ on the top edge and a legend entry that gives
    its highest value. With ``log_scale=True`` the plot shows
    the suboptimality J - J* on a logarithmic axis, J* the smallest J of all
    curves, 0 where a fit stopped ``"separated"`` (its J has infimum 0 and no
    minimum), or ``reference``; points at J* or below are left out.

    Parameters
    ----------
    loss_curves : list of array-like
        J for each fit, start included. A curve longer than ``n_iters[i] + 1``
        (a fit that returned an earlier, better iterate appends its J) is drawn
        only up to iteration ``n_iters[i]``.
    labels : list of str, default=None
        Legend entries, one per curve. None: "fit 0", "fit 1", ...
    stop_reasons : list of str, default=None
        Why each fit stopped (``stop_reason_``); ``"diverged"`` is marked,
        and ``"separated"`` sets J* to 0.
    n_iters : list of int, default=None
        Number of updates of each fit (``n_iter_``). None: the length of the
        curve minus one.
    reference : float, default=None
        J* for ``log_scale=True``. None: the smallest value of all curves, or 0
        where a fit stopped ``"separated"``.

    Attributes
    ----------
    lines_ : list of matplotlib.lines.Line2D
        One line per curve.
    markers_ : list of matplotlib.lines.Line2D or None
        The cross at the last iterate of each diverged fit (None for the others).
    offscale_ : list of matplotlib.lines.Line2D or None
        For a diverged fit that rises above the y-range of the others, the ▲
        marks on the top edge at its iterates out of view (None for the others
        and when nothing is out of view).
    ax_ : matplotlib.axes.Axes
        The axes of the curves.
    figure_ : matplotlib.figure.Figure
        The figure that holds them.

    See Also
    --------
    DescentPathDisplay : The iterates drawn on the contours of J(w, b).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.preprocessing import StandardScaler
    >>> from gdlogreg import GradientDescentLogisticRegression, LossCurveDisplay
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> X = StandardScaler().fit_transform(X)
    >>> fits = [
    ...     GradientDescentLogisticRegression(solver="gd", learning_rate=lr, tol=1e-2).fit(X, y)
    ...     for lr in (1.0, 10.0)
    ... ]
    >>> display = LossCurveDisplay.from_estimator(fits, log_scale=True)
    >>> len(display.lines_)
    2
    >>> display.ax_.get_yscale()
    'log'
    """

    def __init__(self, loss_curves, *, labels=None, stop_reasons=None, n_iters=None,
                 reference=None):
        if len(loss_curves) and all(isinstance(c, Real) or getattr(c, "ndim", None) == 0
                                    for c in loss_curves):
            loss_curves = [loss_curves]  # one curve's values, not curves of one value each
        self.loss_curves = [np.asarray(c, dtype=float).ravel() for c in loss_curves]
        n = len(self.loss_curves)
        labels = [labels] if isinstance(labels, str) else labels  # one name, not letters
        self.labels = list(labels) if labels is not None else [f"fit {i}" for i in range(n)]
        self.stop_reasons = list(stop_reasons) if stop_reasons is not None else [None] * n
        self.n_iters = (
            [int(k) for k in n_iters]
            if n_iters is not None
            else [len(c) - 1 for c in self.loss_curves]
        )
        if not (len(self.labels) == len(self.stop_reasons) == len(self.n_iters) == n):
            raise ValueError(
                f"Got {n} loss curves but {len(self.labels)} labels,"
                f" {len(self.stop_reasons)} stop reasons and {len(self.n_iters)} n_iters."
            )
        self.reference = reference

    def _reference(self):
        if self.reference is not None:
            return float(self.reference)
        if "separated" in self.stop_reasons:  # J's infimum 0, not the last J, is J*
            return 0.0
        finite = [c[np.isfinite(c)] for c in self.loss_curves]
        finite = [c for c in finite if c.size]
        return float(min(c.min() for c in finite)) if finite else 0.0

    def plot(self, ax=None, *, log_scale=False, **kwargs):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None creates a new figure.
        log_scale : bool, default=False
            Plot J - J* on a log axis instead of J (see the class description).
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot` for every curve.

        Returns
        -------
        display : LossCurveDisplay
            This display, with ``lines_``, ``markers_``, ``offscale_``, ``ax_``
            and ``figure_``.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from gdlogreg import LossCurveDisplay
        >>> display = LossCurveDisplay([[0.69, 0.4, 0.3, 0.29]], labels=["gd"]).plot()
        >>> display.lines_[0].get_ydata().tolist()
        [0.69, 0.4, 0.3, 0.29]
        """
        if ax is None:  # pyplot only here: drawing on a given axes leaves its state alone
            _, ax = _pyplot().subplots()
        J_star = self._reference() if log_scale else 0.0
        self.lines_, self.markers_ = [], []
        drawn = []
        for curve, label, reason, k in zip(
            self.loss_curves, self.labels, self.stop_reasons, self.n_iters, strict=True
        ):
            history = curve[: k + 1].copy()
            history[~np.isfinite(history)] = np.nan
            y = history - J_star
            if log_scale:
                y[y <= 0] = np.nan  # at or below J*: no point on a log axis
            diverged = reason == "diverged"
            line_label = (
                f"{label} (diverged)" if diverged and "diverged" not in str(label) else label
            )
            (line,) = ax.plot(np.arange(history.size), y, label=line_label, **kwargs)
            self.lines_.append(line)
            marker = None
            if diverged and np.isfinite(y).any():
                last = int(np.flatnonzero(np.isfinite(y))[-1])
                (marker,) = ax.plot(
                    [last], [y[last]], marker="X", markersize=10, linestyle="none",
                    color=line.get_color(), markeredgecolor="black",
                )
            self.markers_.append(marker)
            drawn.append((y, diverged, str(label), line.get_color()))
        ax.set_xlabel("iteration")
        if log_scale:
            ax.set_yscale("log")
            ax.set_ylabel(f"J − J*   (J* = {J_star:.6g})")
        else:
            ax.set_ylabel("cost J")
        self.offscale_ = self._clip_to_the_others(ax, drawn, log_scale)
        ax.grid(True, which="major", alpha=0.3)
        if any(lbl for lbl in self.labels):
            _place_legend(ax)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @staticmethod
    def _clip_to_the_others(ax, drawn, log_scale):
        """Fit the y-range to the curves that did not diverge; mark where the others leave it.

        A diverged curve climbs orders of magnitude above the rest and would
        flatten them against the bottom of the plot. If one does, the y-range
        is set to the finite values of the curves that did not diverge (its
        bottom also to the diverged ones), and each iterate of a diverged
        curve above that range gets a ▲ on the top edge, labelled with its
        highest value. Returns the ▲ line of each curve (None for the others).
        """
        offscale = [None] * len(drawn)
        kept = [y[np.isfinite(y)] for y, diverged, _, _ in drawn if not diverged]
        kept = [y for y in kept if y.size]
        everything = [y[np.isfinite(y)] for y, _, _, _ in drawn]
        everything = [y for y in everything if y.size]
        if not kept or all(not d for _, d, _, _ in drawn):
            return offscale
        lo = min(float(y.min()) for y in everything)
        hi = max(float(y.max()) for y in kept)
        if log_scale:
            ratio = (hi / lo) ** 0.05 if hi > lo else 2.0
            bottom, top = lo / ratio, hi * ratio
        else:
            pad = 0.05 * (hi - lo) if hi > lo else 0.05 * max(abs(hi), 1.0)
            bottom, top = lo - pad, hi + pad
        above = [
            (i, np.flatnonzero(np.nan_to_num(y, nan=-np.inf) > top))
            for i, (y, diverged, _, _) in enumerate(drawn) if diverged
        ]
        if not any(idx.size for _, idx in above):
            return offscale
        ax.set_ylim(bottom, top)
        quantity = "J − J*" if log_scale else "J"
        for i, idx in above:
            if not idx.size:
                continue
            y, _, label, color = drawn[i]
            peak = float(np.nanmax(y))
            (offscale[i],) = ax.plot(
                idx, np.ones(idx.size), marker="^", linestyle="none", color=color,
                markersize=7, markeredgecolor="black", markeredgewidth=0.5, clip_on=False,
                transform=ax.get_xaxis_transform(), zorder=3,
                label=f"{label}: above the plot at ▲ ({quantity} up to {peak:.3g})",
            )
        return offscale

    @classmethod
    def from_estimator(cls, estimator, *, labels=None, reference=None, ax=None,
                       log_scale=False, **kwargs):
        """Plot the loss curves of fitted estimators.

        Parameters
        ----------
        estimator : estimator or list of estimators
            Fitted :class:`~gdlogreg.GradientDescentLogisticRegression`
            (or pipelines whose last step is one).
        labels : list of str, default=None
            Legend entries. None: the solver and the learning rate of each.
        reference : float, default=None
            J* for ``log_scale=True``; None: the smallest J of all curves, or
            0 where a fit stopped ``"separated"``.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None creates a new figure.
        log_scale : bool, default=False
            Plot J - J* on a log axis.
        **kwargs : dict
            Passed to :meth:`matplotlib.axes.Axes.plot`.

        Returns
        -------
        display : LossCurveDisplay
            The display, its curves drawn.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt
        >>> fig, ax = plt.subplots()
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from gdlogreg import GradientDescentLogisticRegression, LossCurveDisplay
        >>> X, y = load_iris(return_X_y=True)
        >>> pipe = make_pipeline(StandardScaler(), GradientDescentLogisticRegression())
        >>> display = LossCurveDisplay.from_estimator(pipe.fit(X, y), labels=["bb"], ax=ax)
        >>> display.ax_ is ax, display.ax_.get_ylabel()
        (True, 'cost J')
        """
        estimators = list(estimator) if isinstance(estimator, (list, tuple)) else [estimator]
        fitted = [_final_step(e) for e in estimators]
        for est in fitted:
            _check_fitted_with(
                est, "loss_curve_", "LossCurveDisplay", "a fitted GradientDescentLogisticRegression"
                " (of a search with refit=True, its best_estimator_)",
            )
        if labels is None:
            labels = [_default_label(est) for est in fitted]
        display = cls(
            [est.loss_curve_ for est in fitted],
            labels=labels,
            stop_reasons=[getattr(est, "stop_reason_", None) for est in fitted],
            n_iters=[int(np.max(est.n_iter_)) for est in fitted],
            reference=reference,
        )
        return display.plot(ax=ax, log_scale=log_scale, **kwargs)


def _cost_1d(w, b, x, y_idx, weights, C, l1_ratio):
    """J(w, b) of the one-feature binary model, for arrays w and b of one shape.

    x: the feature, y_idx: the 0/1 class indices, weights: the sample weights
    times the class weights (not normalised). The loss and the penalty are the
    core's. Its loss sums over the columns of z, so J is taken one (w, b) at a
    time, z = w x + b a single column.
    """
    loss = make_loss(2, np)
    t = loss.encode(y_idx, np)
    s, sw_sum = normalise_weights(weights)
    penalty = ElasticNet.scaled(C, l1_ratio, sw_sum)
    w = np.asarray(w, dtype=float)
    b = np.asarray(b, dtype=float)
    J = np.empty(w.size)
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for k, (wk, bk) in enumerate(zip(w.ravel(), b.ravel(), strict=True)):
            value, _ = loss.terms((wk * x + bk)[:, None], t, s, np, residual=False)
            J[k] = value + penalty.value(np.array([[wk]]), np)
    return J.reshape(w.shape)


def _path_data(estimator, est, X, y, sample_weight):
    """(x, the labels' class indices, the fit's row weights) for
    :meth:`DescentPathDisplay.from_estimator`, checked as a fit checks them; X through a
    pipeline's other steps first."""
    if est is not estimator:
        X = estimator[:-1].transform(X)
    # as a fit checks X: complex, empty, non-finite or not 2-D is refused by name
    x = check_array(X, accept_sparse=True, dtype=np.float64, input_name="X")
    x = x.toarray() if sp.issparse(x) else x
    if x.shape[1] != 1:
        raise ValueError(f"X must have exactly one column, got shape {x.shape}.")
    s = check_sample_weight(sample_weight, x, dtype=np.float64, ensure_non_negative=True)
    x = x[:, 0]
    y = np.asarray(y)
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"X has {x.shape[0]} samples but y has {y.shape[0]}.")
    y_idx = class_indices(_host_classes(est), y)
    return x, y_idx, _fit_weights(est, y_idx, s)


def _host_classes(est):
    """The estimator's ``classes_`` as a host numpy array (an array-API fit's are in its
    labels' namespace)."""
    classes = est.classes_
    return classes if isinstance(classes, np.ndarray) else convert_to_numpy(
        classes, get_namespace(classes)[0])


def _fit_weights(est, y_idx, s):
    """The sample weights ``s`` (checked) times the estimator's class weights, as its
    fit used them."""
    if est.class_weight is None:
        return s
    classes = _host_classes(est)
    counts = np.bincount(y_idx, weights=s, minlength=len(classes))
    return s * class_weight_vector(est.class_weight, classes, counts)[y_idx]


def _check_levels(levels):
    """A clear error for contour levels matplotlib or numpy would refuse deep inside: a
    count below 1, or fewer than two levels, not finite or not increasing."""
    if np.ndim(levels) == 0:
        if isinstance(levels, bool) or not isinstance(levels, Integral) or levels < 1:
            raise ValueError(f"levels must be a positive integer or an increasing array of"
                             f" at least 2 levels, got {levels!r}.")
        return
    arr = np.asarray(levels, dtype=float)
    if arr.ndim != 1 or arr.size < 2 or not np.all(np.isfinite(arr)) or np.any(
            np.diff(arr) <= 0):
        raise ValueError("levels must be a positive integer or an increasing array of at"
                         f" least 2 finite levels, got {levels!r}.")


class DescentPathDisplay:
    """The gradient-descent path on the contours of the cost J(w, b).

    For a binary problem with one feature the cost is a convex bowl over the
    plane of the weight w and the intercept b. The display draws its contours
    and the iterates of the fit as red dots stepping down to the minimum
    (the lecture's picture). The estimator must have been fitted with
    ``keep_path=True``. Without an intercept it draws the curve J(w) with the
    iterates on it.

    J is evaluated from the estimator's public parameters and the data::

        J(w, b) = Σ sᵢ L(σ(w xᵢ + b), yᵢ) / m
                  + (1 - ρ) / (2 C m) w²  +  ρ / (C m) |w|

    with L the log-loss, s the sample weights times the class weights, m their
    sum (the number of samples without weights) and ρ = ``l1_ratio``.

    Parameters
    ----------
    coef_path : ndarray of shape (n_steps,)
        The weight w at each iterate.
    intercept_path : ndarray of shape (n_steps,) or None
        The intercept b at each iterate; None for a fit without intercept.
    w_grid : ndarray of shape (n_b, n_w) or (n_w,)
        Weights where J was evaluated (a mesh grid with an intercept).
    b_grid : ndarray of shape (n_b, n_w) or None
        Intercepts where J was evaluated; None without intercept.
    J_grid : ndarray, same shape as ``w_grid``
        J on the grid.
    J_path : ndarray of shape (n_steps,), default=None
        J at each iterate (needed without intercept to place the dots).
    fitted_point : tuple of two floats, default=None
        Where to put the star of the fitted model: (w, b), or (w, J(w))
        without intercept. None: the last iterate. (A fit that did not
        converge returns its best iterate, which need not be the last.)

    Attributes
    ----------
    contour_ : matplotlib.contour.QuadContourSet or None
        The filled contours (None without intercept).
    surface_ : matplotlib.lines.Line2D or None
        The curve J(w) (None with an intercept).
    path_ : matplotlib.lines.Line2D
        The iterates, joined in order.
    start_ : matplotlib.lines.Line2D
        The marker of the first iterate.
    end_ : matplotlib.lines.Line2D
        The star of the fitted model.
    colorbar_ : matplotlib.colorbar.Colorbar or None
        The colour bar of J, when drawn.
    ax_ : matplotlib.axes.Axes
        The axes of the contours (or of the curve J(w)) and of the path.
    figure_ : matplotlib.figure.Figure
        The figure that holds them.

    See Also
    --------
    LossCurveDisplay : J against the iteration.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_breast_cancer
    >>> from gdlogreg import DescentPathDisplay, GradientDescentLogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> x = X[:, [0]]  # one feature: the mean radius, standardized
    >>> x = (x - x.mean()) / x.std()
    >>> clf = GradientDescentLogisticRegression(solver="gd", learning_rate=1.0,
    ...                                         keep_path=True).fit(x, y)
    >>> display = DescentPathDisplay.from_estimator(clf, x, y, grid_resolution=40)
    >>> bool(len(display.path_.get_xdata()) == clf.n_iter_[0] + 1)
    True
    """

    def __init__(self, *, coef_path, intercept_path, w_grid, b_grid, J_grid, J_path=None,
                 fitted_point=None):
        self.coef_path = np.asarray(coef_path, dtype=float).ravel()
        self.intercept_path = (
            None if intercept_path is None else np.asarray(intercept_path, dtype=float).ravel()
        )
        self.w_grid = np.asarray(w_grid, dtype=float)
        self.b_grid = None if b_grid is None else np.asarray(b_grid, dtype=float)
        self.J_grid = np.asarray(J_grid, dtype=float)
        self.J_path = None if J_path is None else np.asarray(J_path, dtype=float).ravel()
        self.fitted_point = None if fitted_point is None else tuple(map(float, fitted_point))

    def plot(self, ax=None, *, levels=15, cmap="viridis", path_color="red", colorbar=True,
             equal_aspect=True):
        """Draw the contours (or the curve) and the path.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None creates a new figure.
        levels : int or array-like, default=15
            Contour levels: a number gives levels packed geometrically towards
            the smallest J of the grid (so the rings around the minimum show),
            an array gives the levels themselves.
        cmap : str or Colormap, default="viridis"
            Colour map of the filled contours.
        path_color : color, default="red"
            Colour of the iterates.
        colorbar : bool, default=True
            Whether to add a colour bar for J.
        equal_aspect : bool, default=True
            Draw w and b to the same scale, so that each gradient step is
            perpendicular to the contour it starts from.

        Returns
        -------
        display : DescentPathDisplay
            This display, with the artists set.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from gdlogreg import DescentPathDisplay
        >>> w, b = np.meshgrid(np.linspace(-2, 2, 5), np.linspace(-2, 2, 5))
        >>> display = DescentPathDisplay(
        ...     coef_path=[0.0, 0.5, 0.8], intercept_path=[0.0, 0.2, 0.25],
        ...     w_grid=w, b_grid=b, J_grid=w**2 + b**2 + 1.0,
        ... ).plot(colorbar=False)
        >>> display.path_.get_xdata().tolist()
        [0.0, 0.5, 0.8]
        """
        plt = _pyplot()
        if ax is None:
            _, ax = plt.subplots()
        n_steps = self.coef_path.size
        path_label = f"gradient descent ({n_steps - 1} step{'' if n_steps == 2 else 's'})"
        self.contour_ = self.surface_ = self.colorbar_ = None
        _check_levels(levels)
        if self.b_grid is not None:
            if np.ndim(levels) == 0:
                finite = self.J_grid[np.isfinite(self.J_grid)]
                if not finite.size:  # (a huge margin: J overflows everywhere; review 198)
                    raise ValueError(
                        "No J on the grid is finite: it overflows everywhere there. Use a"
                        " smaller margin (from_estimator)."
                    )
                lo, hi = float(finite.min()), float(finite.max())
                span = hi - lo if hi > lo else 1.0
                levels = lo + span * np.concatenate([[0.0], np.geomspace(1e-3, 1.0, int(levels))])
            from matplotlib.colors import BoundaryNorm

            levels = np.asarray(levels, dtype=float)
            cmap = plt.get_cmap(cmap)
            # One distinct colour per band, however the levels are spaced; matplotlib's
            # band above the last level ends at 1e250, so levels above it (J of features
            # near 1e300) are drawn without that band.
            extend = "max" if levels[-1] < 1e250 else "neither"
            norm = BoundaryNorm(levels, ncolors=cmap.N, extend=extend)
            self.contour_ = ax.contourf(
                self.w_grid, self.b_grid, self.J_grid, levels=levels, cmap=cmap, norm=norm,
                extend=extend,
            )
            ax.contour(
                self.w_grid, self.b_grid, self.J_grid, levels=levels, colors="white",
                linewidths=0.5, alpha=0.6,
            )
            if colorbar:
                self.colorbar_ = ax.figure.colorbar(
                    self.contour_, ax=ax, label="cost J(w, b)", format="%.4g"
                )
            xs, ys = self.coef_path, self.intercept_path
            ax.set_ylabel("intercept b")
            if equal_aspect:
                ax.set_aspect("equal", adjustable="box")
        else:
            (self.surface_,) = ax.plot(self.w_grid, self.J_grid, color="0.3", label="cost J(w)")
            xs = self.coef_path
            ys = self.J_path if self.J_path is not None else np.interp(
                xs, self.w_grid, self.J_grid
            )
            ax.set_ylabel("cost J(w)")
        (self.path_,) = ax.plot(
            xs, ys, "-o", color=path_color, markersize=4, linewidth=1, label=path_label,
            zorder=3,
        )
        (self.start_,) = ax.plot(
            xs[:1], ys[:1], "s", color="white", markeredgecolor="black", markersize=9,
            label="start", zorder=4,
        )
        end = (xs[-1], ys[-1]) if self.fitted_point is None else self.fitted_point
        (self.end_,) = ax.plot(
            [end[0]], [end[1]], "*", color="gold", markeredgecolor="black", markersize=16,
            label="fitted model", zorder=4,
        )
        ax.set_xlabel("weight w")
        ax.legend(loc="best", framealpha=0.9)
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, sample_weight=None, grid_resolution=100,
                       margin=0.3, ax=None, **kwargs):
        """Evaluate J around the recorded path of a fitted estimator and draw both.

        Parameters
        ----------
        estimator : GradientDescentLogisticRegression or Pipeline
            Fitted with ``keep_path=True`` on one feature and two classes. For
            a pipeline, X goes through its other steps first.
        X : array-like of shape (n_samples, n_features)
            The training data of the fit (one column after any transformers).
        y : array-like of shape (n_samples,)
            Its labels.
        sample_weight : array-like of shape (n_samples,), default=None
            The sample weights of the fit.
        grid_resolution : int, default=100
            Grid points along each axis, at least 2.
        margin : float, default=0.3
            How far the grid extends beyond the path, as a fraction of the
            path's extent. The grid is a square centred on the fitted model.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None creates a new figure.
        **kwargs : dict
            Passed to :meth:`plot` (``levels``, ``cmap``, ``path_color``,
            ``colorbar``, ``equal_aspect``).

        Returns
        -------
        display : DescentPathDisplay
            The display, with J evaluated on the grid and the path drawn.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> import numpy as np
        >>> from gdlogreg import DescentPathDisplay, GradientDescentLogisticRegression
        >>> x = np.array([[-2.0], [-1.0], [-0.5], [0.5], [1.0], [2.0]])
        >>> y = np.array([0, 0, 1, 0, 1, 1])
        >>> clf = GradientDescentLogisticRegression(keep_path=True).fit(x, y)
        >>> display = DescentPathDisplay.from_estimator(clf, x, y, grid_resolution=30)
        >>> display.J_grid.shape
        (30, 30)
        """
        est = _final_step(estimator)
        if not hasattr(est, "keep_path"):  # another kind of estimator: name it, as the others do
            _check_fitted_with(est, "coef_path_", "DescentPathDisplay",
                               "a GradientDescentLogisticRegression fitted with keep_path=True")
        check_is_fitted(est, "coef_")
        if not hasattr(est, "coef_path_"):
            raise ValueError(
                "DescentPathDisplay needs the iterates: fit the estimator with keep_path=True."
            )
        if est.coef_path_.shape[1:] != (1, 1):
            raise ValueError(
                "DescentPathDisplay draws J(w, b) for a binary problem with one feature;"
                f" this fit has {est.coef_path_.shape[1]} coefficient row(s) and"
                f" {est.coef_path_.shape[2]} feature(s)."
            )
        if not (isinstance(grid_resolution, Integral) and grid_resolution >= 2):
            raise ValueError(
                f"grid_resolution must be an integer of at least 2, got {grid_resolution!r}."
            )
        if not (isinstance(margin, Real) and 0 <= margin < math.inf):
            raise ValueError(f"margin must be a finite number >= 0, got {margin!r}.")
        x, y_idx, s = _path_data(estimator, est, X, y, sample_weight)

        # The iterates actually taken: a fit that ended worse than its best
        # iterate appends that best one (the model returned) after them.
        n_steps = int(np.max(est.n_iter_)) + 1
        w_path = np.asarray(est.coef_path_, dtype=float)[:n_steps, 0, 0]
        b_path = np.asarray(est.intercept_path_, dtype=float)[:n_steps, 0]
        C, rho = float(est.C), float(est.l1_ratio or 0.0)
        if not est.fit_intercept:
            b_path = np.zeros_like(w_path)
        # Left out: iterates of non-finite w, b or J (a diverged step's J overflows, and a
        # window sized to reach it would hold no finite J to draw).
        J_path = _cost_1d(w_path, b_path, x, y_idx, s, C, rho)
        finite = np.isfinite(w_path) & np.isfinite(b_path) & np.isfinite(J_path)
        w_path, b_path, J_path = w_path[finite], b_path[finite], J_path[finite]
        w_fit, b_fit = float(est.coef_[0, 0]), float(est.intercept_[0])

        # A square window centred on the fitted model, the same scale on both
        # axes: then the steps cross the contours at right angles, as they do.
        half = max(np.max(np.abs(w_path - w_fit)), np.max(np.abs(b_path - b_fit)))
        half *= 1.0 + margin
        if not half > 0:
            half = max(1.0, abs(w_fit), abs(b_fit))

        def axis(centre):
            return np.linspace(centre - half, centre + half, grid_resolution)

        if est.fit_intercept:
            W, B = np.meshgrid(axis(w_fit), axis(b_fit))
            display = cls(
                coef_path=w_path, intercept_path=b_path, w_grid=W, b_grid=B,
                J_grid=_cost_1d(W, B, x, y_idx, s, C, rho), J_path=J_path,
                fitted_point=(w_fit, b_fit),
            )
        else:
            w = axis(w_fit)
            J_fit = float(_cost_1d(np.array([w_fit]), np.zeros(1), x, y_idx, s, C, rho)[0])
            display = cls(
                coef_path=w_path, intercept_path=None, w_grid=w, b_grid=None,
                J_grid=_cost_1d(w, np.zeros_like(w), x, y_idx, s, C, rho), J_path=J_path,
                fitted_point=(w_fit, J_fit),
            )
        return display.plot(ax=ax, **kwargs)


# ------------------------------------------------------------- search scores
def _metric_key(cv_results, scoring):
    """The metric's key in cv_results (``mean_test_<key>``): "score" for a single metric,
    ``scoring`` for a multi-metric search's, or a ValueError listing them."""
    if "mean_test_score" in cv_results:
        return "score"
    metrics = sorted(k[len("mean_test_"):] for k in cv_results if k.startswith("mean_test_"))
    if scoring in metrics:
        return scoring
    if not metrics:
        raise ValueError("cv_results holds no validation score: it has no 'mean_test_score'.")
    raise ValueError(
        f"cv_results holds the scores of several metrics ({', '.join(metrics)}): pass"
        " scoring=<one of them> to SearchScoreDisplay.from_estimator or .from_cv_results."
    )


def _is_number(v):
    return isinstance(v, Real) and not isinstance(v, bool)


def _axis_values(values):
    """The distinct values of a parameter, in order: text first (as given), then numbers sorted.

    Told apart by equality, not by hash: a grid over ``class_weight`` holds dicts."""
    distinct = []
    for v in values:
        if v not in distinct:
            distinct.append(v)
    text = [v for v in distinct if not _is_number(v)]
    return text + sorted(v for v in distinct if _is_number(v))


def _axis_kind(name, values, log_scale):
    """"category" (any value not a finite number: C=inf, no penalty, has no place on a
    numeric axis and would be left out of the plot), "log" or "linear" for one axis."""
    if not all(_is_number(v) and math.isfinite(v) for v in values):
        return "category"
    positive = all(v > 0 for v in values)
    if log_scale is None:
        log_scale = name in ("C", "learning_rate") or name.endswith(("__C", "__learning_rate"))
    return "log" if log_scale and positive else "linear"


def _edges(values, kind):
    """The cell edges of a heatmap axis: midpoints (geometric on a log axis)."""
    if kind == "category":
        return np.arange(len(values) + 1) - 0.5
    v = np.asarray(values, dtype=float)
    t = np.log(v) if kind == "log" else v
    mid = (t[1:] + t[:-1]) / 2 if len(t) > 1 else np.array([])
    half = (t[-1] - t[0]) / (2 * (len(t) - 1)) if len(t) > 1 else (1.15 if kind == "log" else 0.5)
    edges = np.concatenate([[t[0] - half], mid, [t[-1] + half]])
    if kind != "log":
        return edges
    # The outer edges of Cs near the ends of the float range would be 0 or inf.
    tiny, huge = np.finfo(float).smallest_subnormal, np.finfo(float).max
    edges = np.exp(np.clip(edges, np.log(tiny), np.log(huge)))
    # (exp(log(v)) may round to just inside v there: the outer cells still hold their values)
    edges[0], edges[-1] = min(edges[0], v[0]), max(edges[-1], v[-1])
    return edges


def _log_limits(values, margin=0.05):
    """The limits of a log axis over ``values`` where matplotlib's autoscale would
    overflow: its margins (a twentieth of the span in log units, a decade around one value)
    reach past the largest float from Cs near 1e290 on, and the axis falls back to (1, 10)
    (review 136). Then the margins inside the positive finite floats, at both ends (a grid
    from 1e-300 also reaches below the smallest float, and a lower limit of 0 breaks the
    ticks, review 139); None elsewhere (the autoscale's own: it reads limits below 1e-287
    as a zero range and resets, review 138), and without a finite positive value."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if not len(v):
        return None
    lo, hi = float(np.log(v.min())), float(np.log(v.max()))
    pad = margin * (hi - lo) if hi > lo else math.log(10.0)
    finfo = np.finfo(float)
    if hi + pad < math.log(finfo.max):
        return None
    with np.errstate(under="ignore"):
        bottom = max(float(np.exp(lo - pad)), float(finfo.smallest_subnormal))
    return bottom, float(finfo.max)


def _decade_ticks(ax, which="x"):
    """Ticks at whole decades on a log axis that reaches near the float range's top.

    There matplotlib's LogLocator also ticks a decade one stride beyond the range,
    10**309 = inf, and its formatter fails (OverflowError); here at most nine decades,
    all finite. An axis elsewhere keeps matplotlib's ticks.
    """
    lo, hi = ax.get_xlim() if which == "x" else ax.get_ylim()
    if not (0.0 < lo < hi < math.inf):
        return
    # (from 1e-307 up: a subnormal decade, 1e-323, is not one to the formatter, unlabelled)
    first = max(math.ceil(math.log10(lo)), math.ceil(math.log10(np.finfo(float).tiny)))
    last = math.floor(math.log10(hi))
    if last + (last - first + 1) < 300:
        return
    stride = max(1, math.ceil((last - first + 1) / 9))
    ticks = [10.0**e for e in range(first, last + 1, stride)]
    set_ticks = ax.set_xticks if which == "x" else ax.set_yticks
    set_ticks(ticks)
    set_ticks([], minor=True)  # (the minor LogLocator's decades overflow there too)


def _fmt_value(v):
    return f"{v:.3g}" if _is_number(v) else repr(v)


def _check_best_sets(best, params):
    """Refuse a best candidate that does not set a plotted parameter (its grid, of a list
    of grids, does not search it): it has no place on the plot."""
    unset = [n for n in params if n not in best]
    if unset:
        raise ValueError(
            f"The best candidate ({best!r}) does not set {', '.join(unset)}: its grid (of a"
            " list of grids) does not search it, so it has no place on the plot. Plot from"
            " the fitted search (from_estimator fills in the estimator's own values), or"
            " pass params= or best_index= of a candidate that sets it."
        )


def _with_defaults(search):
    """The search's ``cv_results_`` with each candidate's params completed by the
    estimator's own values: the candidates of one grid of a list of grids
    (``[{"C": ...}, {"C": ..., "l1_ratio": ...}]``) were fitted at the estimator's
    ``l1_ratio``, and belong on that axis at that value."""
    results = search.cv_results_
    estimator = getattr(search, "estimator", None)
    grid = list(results.get("params", [])) if hasattr(results, "get") else []
    if not hasattr(estimator, "get_params") or not grid:
        return results
    names = list(dict.fromkeys(name for p in grid for name in p))
    if all(len(p) == len(names) for p in grid):
        return results
    own = estimator.get_params(deep=True)
    filled = [{**p, **{n: own[n] for n in names if n in own and n not in p}} for p in grid]
    return {**results, "params": filled}


def _searched_params(names, values, params):
    """The one or two parameters to plot: ``params``, or those with more than one value."""
    if not names:  # GridSearchCV over {}: one candidate, nothing to plot the score against
        raise ValueError(
            "cv_results holds no searched parameter (every candidate's params is {}): there"
            " is no axis to plot the scores against."
        )
    if params is None:
        params = [n for n in names if len(values[n]) > 1] or names[:1]
        if len(params) > 2:
            raise ValueError(
                f"The search varies {len(params)} parameters ({', '.join(params)}); a plot"
                " shows one or two: pass params=[...] with one or two of them (the others"
                " are held at the best candidate's values)."
            )
        return params
    params = [params] if isinstance(params, str) else list(params)
    unknown = [p for p in params if p not in names]
    if unknown or not 1 <= len(params) <= 2 or len(set(params)) != len(params):
        raise ValueError(
            f"params must name one or two distinct searched parameters, among"
            f" {', '.join(names)}; got {params!r}."
        )
    return params


class SearchScoreDisplay:
    """The mean validation score (± its std over the folds) over a search's grid.

    One parameter: the mean score against it, with a band of ± one standard
    deviation over the folds (on a log axis for ``C`` and the learning rate).
    Two parameters: a heatmap of the mean score, each cell annotated with the
    mean and the std. The best candidate is marked: a star on the line, an
    outline around its cell on the heatmap. A search of
    more parameters is shown through the best candidate: the parameters not
    plotted are held at its values.

    Build it with :meth:`from_estimator` (a fitted
    :class:`~gdlogreg.GradientDescentLogisticRegressionCV`, or any search with a
    ``cv_results_`` in ``GridSearchCV``'s format), :meth:`from_cv_results`, or
    from arrays, then call :meth:`plot`.

    Parameters
    ----------
    param_names : list of str
        The one or two parameters of the axes (the first along x).
    param_values : list of list
        The values of each, in the order of the grid's axes.
    mean_test_score : ndarray of shape (n_0,) or (n_0, n_1)
        Mean validation score of each grid point (nan where none).
    std_test_score : ndarray of the same shape
        Its standard deviation over the folds.
    best_index : tuple of int
        The grid position of the best candidate.
    scoring : str, default=None
        The name of the score, for the labels; None: "score".
    fixed_params : dict, default=None
        The parameters held at the best candidate's values (not plotted),
        named in the title.

    Attributes
    ----------
    ax_ : matplotlib.axes.Axes
        The axes drawn on.
    figure_ : matplotlib.figure.Figure
        Its figure.
    line_ : matplotlib.lines.Line2D or None
        The mean score against the parameter (one parameter).
    band_ : matplotlib.collections.PolyCollection or None
        Mean ± std (one parameter).
    image_ : matplotlib.collections.QuadMesh or None
        The heatmap of the mean score (two parameters).
    colorbar_ : matplotlib.colorbar.Colorbar or None
        The heatmap's colorbar.
    texts_ : list of matplotlib.text.Text
        The annotations of the heatmap's cells.
    best_marker_ : matplotlib.lines.Line2D
        The star at the best candidate (one parameter), or the outline of
        its cell (two).

    See Also
    --------
    GradientDescentLogisticRegressionCV : The search whose scores are plotted.
    """

    def __init__(self, *, param_names, param_values, mean_test_score, std_test_score,
                 best_index, scoring=None, fixed_params=None):
        self.param_names = list(param_names)
        self.param_values = [list(v) for v in param_values]
        self.mean_test_score = np.asarray(mean_test_score, dtype=float)
        self.std_test_score = np.asarray(std_test_score, dtype=float)
        self.best_index = tuple(int(i) for i in np.atleast_1d(best_index))
        self.scoring = scoring
        self.fixed_params = dict(fixed_params or {})

    def plot(self, ax=None, *, log_scale=None, cmap="viridis", annotate=True, colorbar=True):
        """Draw the scores.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None creates a new figure.
        log_scale : bool or None, default=None
            A log axis for numeric, positive parameters; None: for ``C`` and
            ``learning_rate`` (also as ``step__C``) only. A parameter with a
            value that is not a finite number (``C=inf``) is drawn with one
            evenly spaced tick per value instead.
        cmap : str, default="viridis"
            The colormap of the heatmap.
        annotate : bool, default=True
            Write mean ± std into the heatmap's cells.
        colorbar : bool, default=True
            Draw the heatmap's colorbar.

        Returns
        -------
        self : SearchScoreDisplay
            With the artists in the attributes ending in ``_``.
        """
        if ax is None:  # pyplot only here: drawing on a given axes leaves its state alone
            _, ax = _pyplot().subplots()
        self.ax_, self.figure_ = ax, ax.figure
        self.line_ = self.band_ = self.image_ = self.colorbar_ = None
        self.texts_ = []
        kinds = [_axis_kind(n, v, log_scale) for n, v in
                 zip(self.param_names, self.param_values, strict=True)]
        score = self.scoring or "score"
        best = self.mean_test_score[self.best_index]
        where = ", ".join(f"{n}={_fmt_value(v[i])}" for n, v, i in
                          zip(self.param_names, self.param_values, self.best_index, strict=True))
        label = f"best: {where} ({best:.4g})"
        if len(self.param_names) == 1:
            self._plot_line(ax, kinds[0], score, label)
        else:
            self._plot_heatmap(ax, kinds, score, label, cmap, annotate, colorbar)
        if self.fixed_params:
            held = ", ".join(f"{k}={_fmt_value(v)}" for k, v in self.fixed_params.items())
            ax.set_title(f"{ax.get_title()} (at {held})")
        return self

    def _coords(self, axis, kind):
        values = self.param_values[axis]
        return np.arange(len(values), dtype=float) if kind == "category" else np.asarray(
            values, dtype=float)

    def _categories(self, ax, axis, kind, which):
        if kind == "category":
            values = self.param_values[axis]
            set_ticks = ax.set_xticks if which == "x" else ax.set_yticks
            set_ticks(np.arange(len(values)), [_fmt_value(v) for v in values])
        elif kind == "log":
            (ax.set_xscale if which == "x" else ax.set_yscale)("log")

    def _plot_line(self, ax, kind, score, label):
        x = self._coords(0, kind)
        mean, std = self.mean_test_score, self.std_test_score
        limits = _log_limits(x) if kind == "log" else None
        if limits is not None:  # before the data, whose linear autoscale overflows there too
            ax.set_xlim(*limits)  # and before the log scale, whose autoscale would overflow
        self.band_ = ax.fill_between(x, mean - std, mean + std, color="C0", alpha=0.2,
                                     label="± std over the folds")
        (self.line_,) = ax.plot(x, mean, marker="o", color="C0", label=f"mean CV {score}")
        b = self.best_index[0]
        (self.best_marker_,) = ax.plot(
            [x[b]], [mean[b]], marker="*", markersize=16, color="C3",
            markeredgecolor="black", linestyle="none", label=label, zorder=3,
        )
        self._categories(ax, 0, kind, "x")
        if kind == "log":
            _decade_ticks(ax)
        ax.set_title(f"Mean CV {score} over the grid")
        ax.set_xlabel(self.param_names[0])
        ax.set_ylabel(f"mean CV {score}")
        ax.grid(True, alpha=0.3)
        _place_legend(ax, fontsize="small")

    def _plot_heatmap(self, ax, kinds, score, label, cmap, annotate, colorbar):
        mean, std = self.mean_test_score, self.std_test_score
        xe, ye = (_edges(self.param_values[i], kinds[i]) for i in (0, 1))
        # the limits first: matplotlib's autoscale margins around cells that reach the
        # float maximum (C near 1e300) would overflow, as would a log scale's (review 136)
        ax.set_xlim(xe[0], xe[-1])
        ax.set_ylim(ye[0], ye[-1])
        self.image_ = ax.pcolormesh(xe, ye, np.ma.masked_invalid(mean.T), cmap=cmap,
                                    shading="flat")
        x, y = self._coords(0, kinds[0]), self._coords(1, kinds[1])
        if colorbar:
            self.colorbar_ = self.figure_.colorbar(self.image_, ax=ax,
                                                   label=f"mean CV {score}")
        if annotate:
            norm, cm = self.image_.norm, self.image_.get_cmap()
            for i, j in np.ndindex(mean.shape):
                if np.isfinite(mean[i, j]):
                    dark = np.mean(cm(norm(mean[i, j]))[:3]) < 0.5
                    self.texts_.append(ax.text(
                        x[i], y[j], f"{mean[i, j]:.3f}\n±{std[i, j]:.3f}", ha="center",
                        va="center", fontsize="x-small", color="white" if dark else "black",
                    ))
        # The best cell outlined (a star would hide its annotation).
        b0, b1 = self.best_index
        cx, cy = xe[[b0, b0 + 1, b0 + 1, b0, b0]], ye[[b1, b1, b1 + 1, b1 + 1, b1]]
        (self.best_marker_,) = ax.plot(cx, cy, color="C3", linewidth=3, label=label, zorder=3)
        ax.set_title(f"Mean CV {score}; {label}")
        self._categories(ax, 0, kinds[0], "x")
        self._categories(ax, 1, kinds[1], "y")
        for axis, kind, set_ticks in ((0, kinds[0], ax.set_xticks), (1, kinds[1], ax.set_yticks)):
            if kind == "linear":  # a tick at each row or column of cells
                set_ticks(self.param_values[axis], [_fmt_value(v) for v in self.param_values[axis]])
        ax.set_xlim(xe[0], xe[-1])  # (set_ticks widens them to the ticks)
        ax.set_ylim(ye[0], ye[-1])
        for which, kind in zip("xy", kinds, strict=True):
            if kind == "log":
                _decade_ticks(ax, which)
        ax.set_xlabel(self.param_names[0])
        ax.set_ylabel(self.param_names[1])

    @classmethod
    def from_cv_results(cls, cv_results, *, params=None, best_index=None, scoring=None,
                        ax=None, **kwargs):
        """Plot the scores of a ``cv_results_`` dict (``GridSearchCV``'s format).

        Parameters
        ----------
        cv_results : dict
            With ``params``, ``mean_test_score`` and ``std_test_score`` (and,
            if no ``best_index``, ``rank_test_score`` or the means decide); of a
            multi-metric search, ``mean_test_<scoring>`` and the like.
        params : str or list of str, default=None
            The one or two parameters to plot; None: those that take more
            than one value. The others are held at the best candidate's values.
        best_index : int, default=None
            The best candidate's index in ``cv_results``; None: the first of
            rank 1 (as ``GridSearchCV.best_index_``), or the highest mean.
        scoring : str, default=None
            The score's name, for the labels; for the ``cv_results`` of a
            multi-metric search, the metric to plot (required there).
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None creates a new figure.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : SearchScoreDisplay
            The display, drawn.

        Raises
        ------
        ValueError
            If ``cv_results`` is not a search's results, holds no candidate or
            no searched parameter (a grid of ``{}``),
            if ``best_index`` is out of range, or if it holds several metrics
            and ``scoring`` names none of them.
        TypeError
            If ``best_index`` is not an integer.
        """
        if not hasattr(cv_results, "keys") or "params" not in cv_results:
            raise ValueError(
                "cv_results must be a search's cv_results_ (a dict with 'params' and"
                f" 'mean_test_score'), got {type(cv_results).__name__}"
                + (f" with keys {sorted(map(str, cv_results))}." if hasattr(cv_results, "keys")
                   else ".")
            )
        grid = list(cv_results["params"])
        if not grid:
            raise ValueError("cv_results holds no candidate: its 'params' is empty.")
        key = _metric_key(cv_results, scoring)
        mean = np.asarray(cv_results[f"mean_test_{key}"], dtype=float)
        std = np.asarray(cv_results[f"std_test_{key}"], dtype=float)
        names = list(dict.fromkeys(name for p in grid for name in p))
        values = {n: _axis_values([p[n] for p in grid if n in p]) for n in names}
        params = _searched_params(names, values, params)
        if best_index is None:
            if f"rank_test_{key}" in cv_results:
                best_index = int(np.argmin(cv_results[f"rank_test_{key}"]))
            else:  # every mean NaN: the first, as GridSearchCV ranks them (all rank 1)
                best_index = 0 if np.isnan(mean).all() else int(np.nanargmax(mean))
        if not isinstance(best_index, Integral) or isinstance(best_index, bool):
            raise TypeError(f"best_index must be an integer, got {best_index!r}.")
        if not -len(grid) <= best_index < len(grid):
            raise ValueError(
                f"best_index is {best_index}, but cv_results holds {len(grid)} candidate(s)."
            )
        best = grid[best_index]
        _check_best_sets(best, params)
        shape = tuple(len(values[p]) for p in params)
        grid_mean, grid_std = np.full(shape, np.nan), np.full(shape, np.nan)
        for i, p in enumerate(grid):
            # a candidate of another grid (a list of grids) that does not set a plotted
            # parameter has no place on its axis
            if all(n in p for n in params) and all(
                    p.get(n) == best.get(n) for n in names if n not in params):
                pos = tuple(values[n].index(p[n]) for n in params)
                grid_mean[pos], grid_std[pos] = mean[i], std[i]
        display = cls(
            param_names=params, param_values=[values[p] for p in params],
            mean_test_score=grid_mean, std_test_score=grid_std,
            best_index=tuple(values[n].index(best[n]) for n in params), scoring=scoring,
            fixed_params={n: best[n] for n in names if n not in params and len(values[n]) > 1},
        )
        return display.plot(ax=ax, **kwargs)

    @classmethod
    def from_estimator(cls, search, *, params=None, scoring=None, best_index=None, ax=None,
                       **kwargs):
        """Plot the validation scores of a fitted search.

        Parameters
        ----------
        search : fitted search
            A :class:`~gdlogreg.GradientDescentLogisticRegressionCV`, or
            :class:`~sklearn.model_selection.GridSearchCV` and the like (with
            ``cv_results_`` and ``best_index_``); of a multi-metric search, the
            metric of its ``refit`` is plotted.
        params : str or list of str, default=None
            The one or two parameters to plot; None: those that take more
            than one value.
        scoring : str, default=None
            The score's name for the labels; of a multi-metric search, the
            metric to plot (the best candidate then that metric's first of rank
            1, where it is not the metric of ``refit``). None: the search's.
        best_index : int, default=None
            The best candidate's index; None: the search's ``best_index_``
            (see ``scoring``).
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None creates a new figure.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : SearchScoreDisplay
            The display, drawn.

        Examples
        --------
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from sklearn.datasets import load_breast_cancer
        >>> from sklearn.preprocessing import StandardScaler
        >>> from gdlogreg import GradientDescentLogisticRegressionCV, SearchScoreDisplay
        >>> X, y = load_breast_cancer(return_X_y=True)
        >>> X = StandardScaler().fit_transform(X)
        >>> search = GradientDescentLogisticRegressionCV(Cs=[0.01, 0.1, 1, 10]).fit(X, y)
        >>> display = SearchScoreDisplay.from_estimator(search)
        >>> display.ax_.get_xscale(), display.ax_.get_xlabel()
        ('log', 'C')
        """
        _check_fitted_with(search, "cv_results_", "SearchScoreDisplay",
                           "a fitted search such as GradientDescentLogisticRegressionCV")
        own = getattr(search, "scoring", None)
        multimetric = getattr(search, "multimetric_", False)
        if multimetric:  # the metric that chose best_index_
            own = search.refit if isinstance(search.refit, str) else None
        elif own is None:  # the estimator's own score: accuracy for a classifier
            own = "accuracy" if is_classifier(search) else None
        elif not isinstance(own, str):
            own = getattr(own, "__name__", None)
        if best_index is None and not (multimetric and scoring not in (None, own)):
            best_index = getattr(search, "best_index_", None)  # (another metric: its own)
        return cls.from_cv_results(
            _with_defaults(search), params=params, best_index=best_index,
            scoring=own if scoring is None else scoring, ax=ax, **kwargs,
        )
