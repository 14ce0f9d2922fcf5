"""The estimator: scikit-learn conventions around the objective and the solver."""

import math
import sys
import warnings
from contextlib import contextmanager
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from . import _dask, _messages
from ._backends import finite_weightless_rows
from ._backends._separation import separates
from ._compat import (
    CallbackSupportMixin,
    Interval,
    LinearClassifierMixin,
    StrOptions,
    check_classification_targets,
    check_same_namespace,
    check_sample_weight,
    convert_to_numpy,
    fit_context,
    get_namespace,
    get_namespace_and_device,
    is_numpy_namespace,
    max_precision_float_dtype,
    move_to,
    text_labels,
    warn_if_many_classes,
)
from ._loss import probabilities
from ._objective import Objective
from ._problem import (
    Identity,
    as_data_dtype,
    bulk_moments,
    check_finite_scalar_weight,
    check_some_weight,
    class_weight_vector,
    finite_sample_weight,
    is_nat,
    make_problem,
    weigh_classes,
    weight_dtype,
    weights_in_float_range,
    x_in_float_range,
)
from ._solver import SolverResult, exported_verdict, minimize
from ._steps import RULES, make_rule
from ._steps._base import Stats, eps, lipschitz


class GradientDescentLogisticRegression(
    CallbackSupportMixin, LinearClassifierMixin, ClassifierMixin, BaseEstimator
):
    """Logistic regression learned by batch gradient descent on the convex cost.

    The model is ŷ = σ(w·x + b) for two classes and the softmax of
    ``W x + b`` (multinomial) for more. Training minimises

    .. math::

        J(w, b) = \\frac{1}{\\sum_i s_i} \\sum_i s_i L(\\hat y_i, y_i)
                  + \\frac{1 - \\rho}{2 C \\sum_i s_i} \\lVert w \\rVert_2^2
                  + \\frac{\\rho}{C \\sum_i s_i} \\lVert w \\rVert_1

    (L the log-loss, s the sample weights times the class weights, ρ =
    ``l1_ratio``) by gradient descent: from zeros, repeat
    ``w := w - α·dw, b := b - α·db`` with ``dw = ∂J/∂w`` and ``db = ∂J/∂b``.
    J is ``LogisticRegression``'s objective divided by ``C Σ sᵢ``, so for the
    same ``C``, ``l1_ratio``, ``class_weight`` and ``sample_weight`` both
    estimators have the same minimiser.

    Parameters
    ----------
    C : float, default=1.0
        Inverse of the regularisation strength, exactly as in
        :class:`~sklearn.linear_model.LogisticRegression`. ``np.inf`` means no
        penalty. The intercept is never penalised.
    l1_ratio : float or None, default=0.0
        Elastic-net mixing: 0 is the L2 penalty, 1 the L1 penalty, in between
        a mix. With ``l1_ratio > 0`` each step is a proximal step
        (soft-thresholding), so ``coef_`` has exact zeros. None is 0, as
        ``LogisticRegression(l1_ratio=None)`` (its default up to scikit-learn 1.7:
        a grid or parameters saved from it fit here unchanged).
    fit_intercept : bool, default=True
        Whether to learn the intercept b.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in ``LogisticRegression``; they multiply the
        sample weights.
    solver : {"bb", "nesterov", "backtracking", "gd", "lbfgs"}, default="bb"
        The step-size rule of gradient descent. Every rule updates
        ``w := w - step·direction``; they differ in how the step is chosen:

        - ``"gd"``: the textbook constant step α (``learning_rate``).
        - ``"backtracking"``: Armijo backtracking line search, halving a trial
          step until J decreases enough.
        - ``"nesterov"``: Nesterov's accelerated gradient (FISTA with an L1
          term) with a constant step and adaptive restart.
        - ``"bb"``: Barzilai–Borwein (spectral) steps with a safeguarded
          non-monotone line search; the fastest gradient method in the
          benchmarks. With ``learning_rate="auto"`` and an L2 penalty or none,
          after a few iterations it continues in whitened steps: the metric of
          the curvature of J there (the Hessian, for two classes), which
          decorrelates collinear features and rescales the directions that
          confidently classified rows no longer curve. The metric is first
          taken at iteration ⌈p/8⌉, at most 10, for two classes where p (the
          features plus the intercept) is at most 512 and the rows at least 4p;
          at iteration 10 for K classes and elsewhere; later where taking it
          costs more than those iterations (wide data); and at once from a warm
          start (user guide, "Whitened steps").
        - ``"lbfgs"``: not a gradient method: the direction is curved by the
          last ten (Δw, Δgradient) pairs (L-BFGS), tried with a unit step on
          the same ray; fewer iterations where the problem is ill-conditioned
          (many classes, nearly separable data). L2 penalty only.
    learning_rate : float or "auto", default="auto"
        A positive float is the step α with no preconditioning. For
        ``solver="gd"`` it is exactly the textbook update
        ``w := w - α·dw, b := b - α·db``; for ``"nesterov"`` the constant
        step of the accelerated method; for ``"backtracking"`` the first trial
        step of every line search; for ``"bb"`` the first step, after which the
        spectral rule takes over. ``"auto"`` descends in standardized
        coordinates (each feature centred and scaled by its weighted mean and
        standard deviation, an exact change of variables with the same
        minimiser; in the original coordinates a preconditioner T·Tᵀ that
        couples w and b) and takes α from the data: ``1/L`` for a
        power-iteration estimate of the Lipschitz constant L of the gradient
        for ``"gd"`` and ``"nesterov"``, with a safeguard that halves α when a
        step raises J; the line search for the others. A fixed α that makes
        the cost blow up stops the fit, keeps the best finite iterate and warns
        with 2/L, the step that guarantees descent (larger steps may converge
        too, see the user guide).
    max_iter : int, default=1000
        Most gradient-descent iterations.
    tol : float, default=1e-5
        Stopping tolerance, a relative accuracy of J. With a penalty (finite
        ``C``) the fit stops once a duality gap, a certified upper bound on
        J - J* (``dual_gap_``), is at most ``tol / 10`` times J; then
        (J - J*)/J* <= (tol/10) / (1 - tol/10), about 1e-6 at the default.
        That bound can exceed the true gap many times over (it credits the
        loss with no curvature beyond the penalty's), so the fit also stops
        when the largest entry of the gradient of J in standardized
        coordinates (the minimum-norm subgradient with L1) falls below
        ``tol`` times the same quantity at the all-zero start, times
        √(J / J at the start) (above the default, √(tol · 1e-5) in place of
        ``tol``, and 1e-5 for a penalty with an L1 part: that test's gap grows
        as its tolerance squared, and this keeps the default's margin against
        the promise), and, with an L2 part in the
        penalty, at a gradient up to ten times that size when the gap that
        gradient could hide, were J curved by the penalty alone, is below
        ``tol / 30`` times J at two iterates in a row; whichever comes first
        (see the user guide, "When does it stop?"). Without a penalty
        (``C=np.inf``) the gradient tests apply, and a fit whose rows a margin
        classifies stops (``"separated"``) once J, its distance to its infimum
        0, is at most ``tol / 10`` times J at the start, or once its iterate
        scaled up is (its last step then scales the weights and intercept by
        that factor). The gradient test is
        unit-free: without a penalty it does not change when a feature is
        rescaled (with one, the problem itself depends on the units). The
        tolerance is floored at 50 machine epsilons of the input's dtype, so
        ``tol=0`` does not switch the tests off: it stops a fit once J is as
        close to J* as rounding allows (and takes no scaling step). A float32
        fit (numpy or scipy.sparse X) whose J has stalled above the gradient
        bound makes its gradient again in float64 (one pass over X) and stops
        where that gradient is within its float32 rounding and J's Newton
        decrement from it within ``tol / 10`` times J (without an L1 part).
    warm_start : bool, default=False
        Start from the previous ``coef_`` and ``intercept_`` instead of zeros.
        They must be finite: NaN or inf there raises a ``ValueError``. A refit on
        data of another number of features or classes (another shape of
        ``coef_``) starts from zeros, where ``LogisticRegression`` raises. For
        K classes under an L2 penalty alone the start drops the shift common to
        the classes (their mean coefficient), which the softmax ignores and the
        penalty does not: J only falls; and their intercepts' mean where it is
        larger than every intercept's distance from it (J the same, z's digits
        kept). With ``solver="bb"`` or ``"lbfgs"``, a
        start whose J is above the all-zero model's starts from that model
        instead (J is convex: the same optimum; far starts made those rules
        crawl), and ``loss_curve_`` begins there; the fixed-step solvers keep
        the path from the start given.
    verbose : int, default=0
        With ``verbose >= 1`` print a progress line (iteration, J, gradient
        size, step) for each of the first 20 iterations, then every
        ``max_iter // 20``-th and the last, and why the fit stopped; with
        ``verbose >= 2`` a line for every iteration.
    keep_path : bool, default=False
        Keep every iterate in ``coef_path_`` and ``intercept_path_`` (for the
        descent-path plot). Off by default: it costs memory, not time.

    Attributes
    ----------
    coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
        The weights w. One row for two classes, one row per class otherwise.
    intercept_ : ndarray of shape (1,) or (n_classes,)
        The intercept b (zeros when ``fit_intercept=False``).
    classes_ : ndarray of shape (n_classes,)
        The class labels (under array-API dispatch, an array of y's namespace and
        device, as ``LogisticRegression``'s).
    n_iter_ : ndarray of shape (1,)
        Number of parameter updates made (an array, as in ``LogisticRegression``).
    loss_curve_ : ndarray of shape (n_iter_ + 1,) or (n_iter_ + 2,)
        J at the start and after every update, penalty included. Its last
        entry is J of the returned model: when the fit diverged (or ended worse
        than its best iterate) the best finite iterate is returned and its J is
        appended after the values that show what happened (``n_iter_ + 2``
        entries). For ``solver="nesterov"`` the entries are J at the
        extrapolated points, where the gradient is taken.
    converged_ : bool
        Whether the stopping test was met.
    stop_reason_ : str
        Why the fit stopped: ``"converged"``, ``"max_iter"``, ``"diverged"``,
        ``"stalled"`` (no further decrease is possible in floating point),
        ``"separated"`` (no penalty, or one class holding all the rows'
        weight; every row classified by a margin: J has no minimum and is
        within ``tol`` of its infimum 0; not converged) or ``"callback"``.
    dual_gap_ : float
        A certified upper bound on J - J* for the returned model (absolute,
        in the units of J, the last entry of ``loss_curve_``): J minus the
        best lower bound on J* that the fit found, the value of the dual at a
        feasible dual point, among them the returned model's own (user guide,
        "When does it stop?"). The relative
        bound on (J - J*)/J* is
        ``dual_gap_ / (loss_curve_[-1] - dual_gap_)``. At most J (J* >= 0). NaN
        without a penalty (``C=np.inf``, or C times the sum of the sample
        weights beyond the float range), where no such bound exists; NaN too where a
        column's share of z = X·w + b, its mean times its weight, is so large that
        its rounding in X's dtype reaches 1e-3 (in float32 from about 1.7e4): J and
        the gap are then those of the rounded z, and certify nothing. A
        ConvergenceWarning says so, unless J's Newton decrement from the returned
        model's gradient made in float64 certifies that model (user guide, "When does
        it stop?").
    learning_rate_ : float
        The last step size used (α for a constant step). Under
        ``learning_rate="auto"`` it is in standardized coordinates, and in
        the whitened ones of ``"bb"``'s whitened steps where it took them
        (a step along -t·H⁻¹g, H the metric, user guide, "Whitened steps"). For
        ``"lbfgs"`` the t of a step along its quasi-Newton direction -t·Pg (P its
        L-BFGS estimate of H⁻¹; 1 the full step), or along -g where it took a
        gradient step.
    coef_path_ : ndarray of shape (len(loss_curve_), n_outputs, n_features)
        Every iterate of w, only with ``keep_path=True``: one for each entry of
        ``loss_curve_`` (``n_iter_ + 2`` with the best iterate appended).
    intercept_path_ : ndarray of shape (len(loss_curve_), n_outputs)
        Every iterate of b, only with ``keep_path=True``.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.linear_model.LogisticRegression : The same model, by quasi-Newton
        and other solvers.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from gdlogreg import GradientDescentLogisticRegression
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> gd = make_pipeline(StandardScaler(), GradientDescentLogisticRegression())
    >>> gd.fit(X, y).score(X, y)
    0.98...
    >>> lr = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    >>> bool((gd.predict(X) == lr.predict(X)).all())
    True
    """

    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="right")],
        "l1_ratio": [Interval(Real, 0, 1, closed="both"), None],
        "fit_intercept": ["boolean"],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "solver": [StrOptions(set(RULES))],
        "learning_rate": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "max_iter": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "keep_path": ["boolean"],
    }

    def __init__(
        self,
        *,
        C=1.0,
        l1_ratio=0.0,
        fit_intercept=True,
        class_weight=None,
        solver="bb",
        learning_rate="auto",
        max_iter=1000,
        tol=1e-5,
        warm_start=False,
        verbose=0,
        keep_path=False,
    ):
        self.C = C
        self.l1_ratio = l1_ratio
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.learning_rate = learning_rate
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.verbose = verbose
        self.keep_path = keep_path

    @fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Fit the model by gradient descent.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. CSR and CSC matrices are used as they are, with one
            exception: the factored metric of ``"bb"``'s and ``"lbfgs"``'s
            whitened steps on few rows (an L2 part in the penalty, at most 256
            rows, or 1,024 where they are no more than the features; user guide,
            "Whitened steps") copies X's rows of positive weight dense where X
            stores at least half of its entries or those rows span at most
            65,536 entries (rows × features); other sparse X is never densified.
            Data in float32 is fitted in float32. A ``dask.array`` or Dask
            DataFrame is fitted chunk by chunk where its chunks live (see the
            documentation's page on Dask).
        y : array-like of shape (n_samples,)
            Target labels (any hashable labels, at least two classes).
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples: the loss is their weighted
            mean and the penalty is divided by their sum, as in
            ``LogisticRegression``: multiplying every weight by k is the same
            as multiplying C by k (not the same model).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        # a fit that raises (bad data, a callback, Ctrl-C) leaves the previous model whole:
        # validation sets the new data's n_features_in_ and feature names first
        refuse_huge_ints(self, ("tol", "learning_rate"))
        with previous_model_kept(self):
            if _dask.is_dask(X):
                return _dask.fit(self, X, y, sample_weight)
            return self._fit_in_memory(X, y, sample_weight)

    def _fit_in_memory(self, X, y, sample_weight):
        """:meth:`fit` on numpy, scipy.sparse or array-API data."""
        X, y, sample_weight = _detached(X, y, sample_weight)
        _refuse_none_labels(y)
        xp, _, device_ = get_namespace_and_device(X)
        _refuse_complex(X, xp, y)
        # scikit-learn's finiteness check sums X: near the float limit the
        # partial sums overflow to ±inf and then nan, which is no error in X.
        with np.errstate(over="ignore", invalid="ignore"), x_in_float_range():
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc"],
                dtype=[xp.float64, xp.float32],
                y_numeric=False,
            )
        skipped = check_classification_targets(y)
        problem, weights, classes = self._problem_of(X, y, sample_weight, xp, device_)
        if skipped:
            warn_if_many_classes(y.shape[0], len(classes))
        # The labels' indices only for the convergence warning: not kept while the
        # fit runs (the backend holds the loss's own encoding of them).
        # the callbacks' metadata: the caller's weights, a number as one per row (review 171)
        given = np.full(X.shape[0], float(sample_weight)) if isinstance(
            sample_weight, Real) else sample_weight
        self._fit_problem(problem, X, y, lambda: _encode(_to_numpy(y))[1], weights, classes,
                          metadata_weight=given)
        self.classes_ = _classes_like(self.classes_, y)
        return self

    def _problem_of(self, X, y, sample_weight, xp, device_):
        """``(problem, weights, classes)`` for validated X and y."""
        # classes: a numpy array on the host (it may hold strings; the fitted classes_
        # moves to y's namespace at the end); numeric labels of an array-API namespace
        # keep their indices on their device.
        classes, y_idx = (
            _encode(y) if isinstance(y, np.ndarray) else _encode_array_api(y, xp, device_)
        )
        n_classes = len(classes)
        if n_classes < 2:
            raise ValueError(
                "GradientDescentLogisticRegression needs samples of at least 2 classes"
                f" in the data, but the data contains only one class: {classes[0]!r}."
            )
        weights = self._weights(X, y_idx, sample_weight, classes, xp, device_)
        finite_weightless_rows(X, weights)
        problem = self._make_problem(X, y_idx, weights, n_classes)
        return problem, weights, classes

    def _weights(self, X, y_idx, sample_weight, classes, xp, device_):
        """Sample weights times class weights, checked; None when all are equal."""
        if getattr(sample_weight, "ndim", None) == 0:  # np.array(2.0): a scalar, as the CV's
            sample_weight = float(sample_weight)
        check_finite_scalar_weight(sample_weight)
        if sample_weight is None and self.class_weight is None:
            return None  # the problem keeps equal weights as one number
        # float64 for numpy X: make_problem rounds them to X's dtype once normalised.
        # numpy's cast of weights beyond float32 X's range (array-API X) warns before
        # the check refuses their inf, as torch's does without a warning.
        with np.errstate(over="ignore"):
            if isinstance(sample_weight, Real):  # one weight for every row, in X's namespace
                sample_weight = xp.full(X.shape[0], float(sample_weight), dtype=weight_dtype(X),
                                        **({} if device_ is None else {"device": device_}))
            elif sample_weight is not None and not is_numpy_namespace(xp):
                sample_weight = _weights_to(sample_weight, xp, device_)
            with weights_in_float_range():
                weights = finite_sample_weight(check_sample_weight(
                    sample_weight, X, dtype=weight_dtype(X), ensure_non_negative=True
                ), xp)
        weights = as_data_dtype(weights, X.dtype)  # unless out of X's dtype's range
        check_some_weight(bool(xp.any(weights > 0)))
        if self.class_weight is None:
            return weights
        # float64 (weights of float32 X may span more than float32 does relative to their
        # largest: 1e-30 next to 1e30), scaled to at most 1 so that the class sums cannot
        # overflow
        w_host = _to_numpy(weights).astype(np.float64)
        idx = _to_numpy(y_idx).astype(np.intp)
        counts = np.bincount(idx, w_host / w_host.max(), len(classes))
        cw = class_weight_vector(self.class_weight, classes, counts)
        weights = weigh_classes(weights, cw[idx], xp, device_)  # no overflow, no 0 weight
        check_some_weight(bool(xp.any(weights > 0)))
        return weights

    def _make_problem(self, X, y_idx, weights, n_classes):
        """The problem layer for this data and this estimator's C, l1_ratio, fit_intercept
        (checked against the solver: a refit refused here leaves the previous model)."""
        problem = make_problem(
            X, y_idx, weights, n_classes,
            C=self.C, l1_ratio=self.l1_ratio or 0.0, fit_intercept=self.fit_intercept,
        )
        RULES[self.solver].check(problem.penalty)
        return problem

    def _fit_problem(self, problem, X, y, labels, sample_weight, classes, metadata_weight=None):
        """:meth:`_fit_descent` with ``classes_`` set, and the callback contexts dropped
        however it ends: left by a callback that raised, they would keep its callbacks in
        the model, which then fails to pickle (after a later fit without callbacks too).
        ``sample_weight``: the rows' weights times their class weights; the callbacks'
        metadata get the caller's ``metadata_weight`` (its ``sample_weight``, or None)."""
        try:  # (the previous model is kept by fit's previous_model_kept)
            self.classes_ = classes
            return self._fit_descent(problem, X, y, labels, sample_weight, metadata_weight)
        finally:
            self.__dict__.pop("_root_ctx", None)
            self.__dict__.pop("_iter_ctx", None)

    def _fit_descent(self, problem, X, y, labels, sample_weight, metadata_weight=None):
        """Run gradient descent on ``problem`` and set the fitted attributes.

        Shared by the in-memory and the Dask fits (``X`` is only passed on to
        the callbacks and, with ``labels()``, the labels' class indices, to the
        separability test of the warnings).
        """
        be = problem.backend
        auto = isinstance(self.learning_rate, str)
        objective = Objective(
            problem, problem.standardization if auto else Identity(problem.fit_intercept)
        )
        coef0 = problem.zeros()
        m, d = problem.n_columns, problem.n_features
        # coef_ set to None resets a warm start, and a list is a start, as in
        # LogisticRegression
        start = getattr(self, "coef_", None)
        warm = self.warm_start and start is not None and tuple(np.shape(start)) == (m, d)
        if warm:
            W = be.asarray(objective.penalty.floored(_common_shift_dropped(
                _finite_start("coef_", self._coef_host()), objective.penalty))).T
            b = be.asarray(_intercepts_centred(
                _finite_start("intercept_", _warm_intercept(self.intercept_, m)))
            ) if self.fit_intercept else None
            coef0 = objective.join(W, b)
        stats = Stats()
        if warm and hasattr(self, "_stats"):
            # Reuse the eigenvector of the last power iteration: a few products
            # then suffice to get the Lipschitz constant again.
            stats.eigvec = {
                k: v for k, v in self._stats.eigvec.items()
                if tuple(v.shape) == tuple(problem.coef_shape)
            }
        rule = make_rule(self.solver, self.learning_rate, stats)
        # Overflow is part of the algorithm, not an error: a step far too long, data
        # near the float limit. The solver sees inf (J = inf is a divergence, a trial
        # of J = inf is refused), so numpy's warnings are off while it runs.
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            result = self._minimize(objective, coef0, rule, problem, X, y, metadata_weight)
            if auto:
                result = self._bulk_descent(result, objective, X, y, metadata_weight)
        del rule  # it holds its last point's raw prediction (n x K): not while the test runs
        if self._callbacks_on:
            self._iter_ctx.call_on_fit_task_end(estimator=self)  # the step never taken

        # All at once (one dict update): a Ctrl-C between two of them would leave the new
        # coef_ with the old intercept_ (review 73).
        self.__dict__.pop("coef_path_", None)  # a refit without keep_path: not the last's
        self.__dict__.pop("intercept_path_", None)
        self.__dict__.update(self._fitted(result, problem, stats))
        if self._callbacks_on:
            self._root_ctx.call_on_fit_task_end(
                estimator=self, X=X, y=y, metadata={"sample_weight": metadata_weight},
                reconstruction_attributes={},
            )
        if self.verbose:
            if getattr(self, "_last_line", None):  # the last iterate is always shown
                print(self._last_line)
            self._last_line = None
            print(self._summary(result), file=sys.stdout)
        self._warn_if_unconverged(result, problem, X, labels, sample_weight)
        _warn_if_rounding_constant(problem)
        return self

    def _fitted(self, result, problem, stats):
        """The fitted attributes of the descent's ``result``, by name."""
        xp, be = problem.xp, problem.backend
        m, d = problem.n_columns, problem.n_features
        W, b = problem.split(problem.held_in_range(result.coef))
        W = problem.penalty.unfloored(W)
        if b is not None:
            b = _intercepts_summing_to_zero(b, xp)
        fitted = {
            # Fitted arrays live in the namespace and on the device of X.
            "coef_": _copy(W.T, problem.dtype, xp),
            "intercept_": _copy(b, problem.dtype, xp) if b is not None else be.zeros((m,)),
            # An array of shape (1,) as LogisticRegression's, in X's namespace
            "n_iter_": (
                np.asarray([result.n_iter], dtype=np.int32) if xp is np
                else xp.asarray([result.n_iter], dtype=xp.int32, device=be.device)
            ),
            "loss_curve_": (
                np.asarray(result.loss_curve, dtype=np.float64) if xp is np else xp.asarray(
                    result.loss_curve, dtype=max_precision_float_dtype(xp, be.device),
                    device=be.device,
                )
            ),
            "converged_": bool(result.converged),
            "stop_reason_": result.stop_reason,
            "dual_gap_": float(result.gap),
            "learning_rate_": float(result.step),
            "_stats": stats,
        }
        if self.keep_path:
            path = np.stack([be.to_numpy(c) for c in result.path])
            fitted["coef_path_"] = np.ascontiguousarray(path[:, :d, :].transpose(0, 2, 1))
            fitted["intercept_path_"] = (
                _intercepts_summing_to_zero(path[:, d, :], np) if self.fit_intercept
                else np.zeros((len(path), m), path.dtype)
            )
        return fitted

    def _bulk_descent(self, result, objective, X, y, sample_weight):
        """``result``, or where it stopped converged with a duality gap that certifies
        nothing (VACUOUS_GAP) and a few far rows set some column's spread
        (:func:`gdlogreg._problem.bulk_moments`), that descent continued from its model in
        coordinates that read those columns at their bulk's scale: one result, its
        iterations and J's curve both descents' (docs/user_guide.rst, "Standardized
        coordinates"; review 204: a sentinel code hid J* from every stopping test)."""
        J = result.loss_curve[-1]
        # (the check reads X: not where the gap certifies something, as at every stop of
        # the benchmark sets; at the false stops found its gap was J itself)
        if result.stop_reason != "converged" or result.gap < VACUOUS_GAP * J or (
                result.n_iter >= self.max_iter or not math.isfinite(J)):
            return result
        bulk = bulk_moments(objective.problem)
        if not bulk:
            return result
        # the stopping test's scale stays the first descent's: the all-zero model's
        # gradient in coordinates of the far rows' scale is theirs alone (1e10 for the
        # sentinel above), and the test passed at once there
        zero = objective.evaluate(objective.zeros())
        ref = (objective.optimality(zero), zero.J)
        del zero
        problem = objective.problem.at_bulk_scales(bulk)
        objective = Objective(problem, problem.standardization)
        rule = make_rule(self.solver, self.learning_rate, Stats())
        more = minimize(objective, objective.T.from_base(result.coef), rule,
                        max_iter=self.max_iter - result.n_iter, tol=self.tol,
                        callback=self._iteration_callback(problem, X, y, sample_weight),
                        keep_path=self.keep_path, ref=ref)
        return SolverResult(
            coef=more.coef, n_iter=result.n_iter + more.n_iter,
            loss_curve=result.loss_curve + more.loss_curve[1:], converged=more.converged,
            stop_reason=more.stop_reason, diverged=more.diverged, step=more.step,
            path=result.path + more.path[1:], J_rose=result.J_rose or more.J_rose, gap=more.gap)

    def _minimize(self, objective, coef0, rule, problem, X, y, sample_weight):
        return minimize(
            objective,
            objective.T.from_base(coef0),
            rule,
            max_iter=self.max_iter,
            tol=self.tol,
            callback=self._iteration_callback(problem, X, y, sample_weight),
            keep_path=self.keep_path,
        )

    def _iteration_callback(self, problem, X, y, sample_weight):
        """The solver's per-iterate callback: verbose lines and scikit-learn callbacks.

        Each gradient-descent iteration is a sub-task of the fit for
        scikit-learn's callback API (``set_callbacks``): its begin hook gets
        the parameters before the update, its end hook those after, and an
        end hook that returns True stops the fit.
        """
        # verbose=1: every iteration of the first 20, then about 20 lines, and the last one.
        every = 1 if self.verbose > 1 else max(1, self.max_iter // 20)
        self._callbacks_on = bool(getattr(self, "_skl_callbacks", None)) or hasattr(
            self, "_parent_callback_ctx"
        )
        if not self.verbose and not self._callbacks_on:
            return None
        metadata = {"sample_weight": sample_weight}
        xp = problem.xp

        curve = []  # J of the iterates so far, for the callbacks' fitted_estimator

        def attributes(coef, step):
            # Copies: with a float learning_rate coef is the solver's own iterate, and a
            # callback that changed its fitted_estimator's coef_ would change the fit. And
            # the fit's state there, as if stopped by a callback: not a previous fit's
            # n_iter_, loss_curve_, stop_reason_ (review 170)
            W, b = problem.split(coef)
            b = _copy(b, problem.dtype, xp) if b is not None else 0.0 * W[0]
            return {"coef_": _copy(W.T, problem.dtype, xp), "intercept_": b,
                    "classes_": self.classes_,
                    "n_iter_": np.array([len(curve) - 1], dtype=np.int32),
                    "loss_curve_": np.array(curve, dtype=np.float64), "converged_": False,
                    "stop_reason_": "callback", "dual_gap_": math.nan,
                    "learning_rate_": float(step)}

        if self._callbacks_on:
            root = self._init_callback_context(max_subtasks=self.max_iter + 1)
            root.call_on_fit_task_begin(estimator=self, X=X, y=y, metadata=metadata)
            self._root_ctx = root

            def begin(coef, step):
                ctx = root.subcontext(task_name="gradient-descent-iteration")
                ctx.call_on_fit_task_begin(
                    estimator=self, X=X, y=y, metadata=metadata,
                    reconstruction_attributes=lambda: attributes(coef, step),
                )
                return ctx

        def callback(k, coef, J, opt, step):
            if self.verbose:
                self._print_iteration(k, J, opt, step, every)
            if not self._callbacks_on:
                return False
            del curve[k:]  # (a start taken again from zero: review 143)
            curve.append(float(J))
            stop = k > 0 and self._iter_ctx.call_on_fit_task_end(
                estimator=self, X=X, y=y, metadata=metadata,
                reconstruction_attributes=lambda: attributes(coef, step),
            )
            # (k = 0: the start the solver took, which is not the warm start given where
            # that was worse than zero: review 143)
            self._iter_ctx = begin(coef, step)
            return bool(stop)

        return callback

    def _print_iteration(self, k, J, opt, step, every):
        """verbose's line of iterate k: every one of the first 20, then every ``every``-th;
        the others kept as the last line, shown at the end."""
        line = f"iter {k:6d}  J = {J:.10g}  |grad| = {opt:.3e}  step = {step:.3e}"
        shown = k < 20 or k % every == 0
        if shown:
            print(line)
        self._last_line = None if shown else line

    def _summary(self, result):
        return (
            f"{type(self).__name__}: stopped after {result.n_iter}"
            f" iteration{'s' if result.n_iter != 1 else ''}:"
            f" {result.stop_reason}; J = {result.loss_curve[-1]:.10g}"
        )

    def _warn_if_unconverged(self, result, problem, X, labels, weights):
        # why J has no minimum, kept for a search that fits this model as one of its
        # columns and names them in its own warning (review 183: a fold short of a class)
        self._why_no_minimum = None

        def no_minimum():
            self._why_no_minimum = _no_minimum(self, _penalty_free(problem), X, labels,
                                               weights, result.converged)
            return self._why_no_minimum

        msg = _messages.unconverged(self, result, RULES[self.solver].hint,
                                    lambda: _descent_step(problem), no_minimum)
        if msg is not None and result.stop_reason in ("max_iter", "stalled"):
            # (from 1e-4: a float32 year column, 3,900 times its spread, kept L1 fits at J*
            # from stopping and "Increase max_iter" could not help; review 196)
            offset = _offset_column(problem, None if problem.fit_intercept
                                    else self._coef_host(), noise=OFFSET_NOISE / 10.0)
            msg = msg if offset is None else f"{msg} {offset}"
            if offset is not None and _offset_column(problem, self._coef_host()):
                # (the gap of the rounded z, as at a converged stop below: 0 reported
                # 2.1e-6 above J* at max_iter; review 187)
                self.dual_gap_ = math.nan
        elif msg is None and result.converged and (
                offset := _offset_column(problem, self._coef_host())):
            # J, its gradient and the gap are those of z in X's dtype, where that column
            # cancels: neither the stop nor dual_gap_ certifies the model (float32 X, a
            # column of mean 1e5 ± 1: "converged", a gap of 0, 3.9e-5 above J*; review 163)
            # unless the model's own decrement, from its gradient made in float64, does
            self.dual_gap_ = math.nan
            if not self._export_certified(problem, result.n_iter):
                msg = _messages.uncertified_stop(offset)
        if msg is not None:
            warnings.warn(msg, ConvergenceWarning, stacklevel=_messages.user_stacklevel())

    def _export_certified(self, problem, spent):
        """Whether J's Newton decrement from the gradient made in float64 certifies the
        returned ``coef_`` and ``intercept_`` themselves, as rounded to X's dtype
        (:func:`gdlogreg._solver.exported_verdict`; a take of J's Hessian costing at most the
        ``spent`` iterations)."""
        objective = Objective(problem, Identity(problem.fit_intercept))
        be = problem.backend
        W = be.asarray(self._coef_host().T)
        b = be.asarray(_to_numpy(self.intercept_)) if problem.fit_intercept else None
        with np.errstate(over="ignore", invalid="ignore", under="ignore"):
            return exported_verdict(objective, objective.join(W, b), self.tol, spent)

    def _coef_host(self):
        """coef_ as a dense numpy array (it may be sparse after :meth:`sparsify`, or a list
        set by hand for a warm start)."""
        if sp.issparse(self.coef_):
            return self.coef_.toarray()
        return _to_numpy(self.coef_) if hasattr(self.coef_, "shape") else np.asarray(self.coef_)

    def densify(self):
        """Convert ``coef_`` to a dense array (undoes :meth:`sparsify`); the default format.

        Returns
        -------
        self : object
            The estimator.
        """
        check_is_fitted(self)
        if sp.issparse(self.coef_):
            self.coef_ = self.coef_.toarray()
        return self

    def sparsify(self):
        """Convert ``coef_`` to a scipy.sparse CSR matrix, as ``LogisticRegression`` does.

        Worth it when most weights are zero (an L1 penalty): predictions then
        use a sparse product. :meth:`densify` converts back.

        Returns
        -------
        self : object
            The estimator.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from gdlogreg import GradientDescentLogisticRegression
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = GradientDescentLogisticRegression(l1_ratio=1.0, C=0.1).fit(X, y)
        >>> type(clf.sparsify().coef_).__name__
        'csr_matrix'
        >>> bool((clf.predict(X) == clf.densify().predict(X)).all())
        True
        """
        check_is_fitted(self)
        self.coef_ = sp.csr_matrix(self._coef_host())
        return self

    def predict(self, X):
        """Class labels: ``classes_[z > 0]`` for two classes, the argmax of z otherwise.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        labels : ndarray of shape (n_samples,)
            Labels from ``classes_``. A Dask input gives a lazy Dask array,
            whose computation raises ``ValueError`` on a chunk with NaN or
            infinity, as the check of an in-memory X does at once.
        """
        if _dask.is_dask(X):
            return _dask.predict(self, X)
        _refuse_meta("X", X)
        return super().predict(X)

    def decision_function(self, X):
        """Raw prediction z = X·w + b.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            For two classes, z for the positive class ``classes_[1]``;
            otherwise z for each class.
        """
        if _dask.is_dask(X):
            return _dask.decision_function(self, X)
        _refuse_meta("X", X)
        xp, _, device_ = get_namespace_and_device(X)
        with np.errstate(over="ignore", invalid="ignore"):  # as in fit
            if is_numpy_namespace(xp):
                return self._numpy_scores(X)
            if sp.issparse(self.coef_):
                return super().decision_function(X)
            return self._array_api_scores(X, xp, device_)

    def _numpy_scores(self, X):
        """z = X·w + b for numpy or scipy.sparse X, as LinearClassifierMixin's, with b added
        in place: its ``X w + b`` held two arrays of the output's size."""
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="coef_", method="decision_function")
        with x_in_float_range():
            X = validate_data(self, X, accept_sparse="csr", reset=False)
        _check_width(self, X)
        scores = safe_sparse_dot(X, self.coef_.T, dense_output=True)
        if np.result_type(scores, self.intercept_) == scores.dtype:
            scores += self.intercept_
        else:  # int scores of an int coef_ set by hand (review 198): a new array, as LR's
            scores = scores + self.intercept_
        # a 1-D coef_ set by hand gives 1-D scores, as LinearClassifierMixin takes it
        return scores.reshape(-1) if scores.ndim > 1 and scores.shape[1] == 1 else scores

    def _array_api_scores(self, X, xp, device_):
        """z = X·w + b for array-API X, in the dtype numpy's product would have: torch
        multiplies no int X by float coef_ (nor float32 by float64), it raises."""
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="coef_", method="decision_function")
        _refuse_complex(X, xp)
        X = validate_data(self, X, reset=False)
        _check_width(self, X)
        dtype = X.dtype if xp.isdtype(X.dtype, "real floating") else (
            max_precision_float_dtype(xp, device_)
        )
        dtype = xp.result_type(dtype, self.coef_.dtype)
        coef = self.coef_ if self.coef_.ndim == 2 else xp.reshape(self.coef_, (1, -1))
        z = xp.astype(X, dtype, copy=False) @ xp.astype(coef, dtype, copy=False).T
        z = z + xp.astype(self.intercept_, dtype, copy=False)
        return xp.reshape(z, (-1,)) if z.ndim > 1 and z.shape[1] == 1 else z

    def predict_proba(self, X):
        """Probability of each class: σ(z) for two classes, softmax(z) otherwise.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        return self._proba(X, log=False, method="predict_proba")

    def predict_log_proba(self, X):
        """Logarithm of the probabilities, computed stably from z.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Samples.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        return self._proba(X, log=True, method="predict_log_proba")

    def _proba(self, X, *, log, method):
        if _dask.is_dask(X):
            return _dask.predict_proba(self, X, log=log)
        _refuse_meta("X", X)
        check_is_fitted(self)
        check_same_namespace(X, self, attribute="coef_", method=method)
        z = self.decision_function(X)
        return probabilities(z, get_namespace(z)[0], log=log, overwrite=True)  # z is ours

    @property
    def penalty(self):
        """The penalty ``l1_ratio`` makes: ``"l1"``, ``"elasticnet"`` or ``"l2"``.

        Read-only, not a parameter (set ``l1_ratio``): scikit-learn's
        :class:`~sklearn.feature_selection.SelectFromModel` reads an L1 fit from
        ``penalty == "l1"`` (its threshold is then 1e-5, every nonzero weight,
        as for ``LogisticRegression(l1_ratio=1)``, not the mean).
        """
        return _penalty_name(self.l1_ratio or 0.0)

    def __sklearn_is_fitted__(self):
        # A fit that raised may have set n_features_in_ (and, on a refit, left
        # the previous coef_ with another width): not fitted, so that predict
        # raises NotFittedError rather than a shape error. coef_ set by hand, without
        # n_features_in_, is fitted, as LogisticRegression's (review 165).
        coef = getattr(self, "coef_", None)
        width = getattr(self, "n_features_in_", None)
        return coef is not None and (width is None or np.shape(coef)[-1] == width)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.array_api_support = True
        return tags


def _check_width(model, X):
    """X's columns against coef_'s where no fit set n_features_in_ (coef_ set by hand,
    which validate_data cannot check): a clear error, not numpy's matmul one."""
    width = np.shape(model.coef_)[-1]
    if not hasattr(model, "n_features_in_") and X.shape[1] != width:
        raise ValueError(
            f"X has {X.shape[1]} features, but {type(model).__name__} is expecting {width}"
            " features as input (the width of its coef_)."
        )


def _penalty_name(l1_ratios):
    """``"l1"``, ``"elasticnet"`` or ``"l2"`` for an l1_ratio, or for all of a search's
    (1 as scikit-learn's SelectFromModel tests it: ``np.isclose``)."""
    r = np.asarray(l1_ratios, dtype=np.float64)
    if np.all(np.isclose(r, 1.0)):
        return "l1"
    return "l2" if np.all(r == 0) else "elasticnet"


def _encode(y):
    """``(classes, y_idx)``: the sorted labels and each sample's index among them.

    As :class:`~sklearn.preprocessing.LabelEncoder`, but for numeric labels
    without its copies: two classes give a boolean y_idx (True for
    ``classes[1]``), one byte per sample. Strings (:func:`_compat.text_labels`) are
    peeled (:func:`_encode_strings`), not sorted.
    """
    if y.dtype.kind in "biuf":
        classes = np.unique(y)
        if len(classes) == 2:
            return classes, y == classes[1]
        return classes, np.searchsorted(classes, y)
    if y.ndim == 1 and text_labels(y):
        classes, y_idx = _encode_strings(y)
        return classes, (y_idx == 1 if len(classes) == 2 else y_idx)
    encoder = LabelEncoder()
    y_idx = encoder.fit_transform(y)
    if len(encoder.classes_) == 2:
        y_idx = y_idx == 1
    return encoder.classes_, y_idx


# String labels: the first PEEL_CLASSES classes are found by comparing every label with
# one of them, O(n) each, cheaper than a sort of strings; the rest, if any, by one sort
# (benchmarks/README.md, "String labels without a sort").
PEEL_CLASSES = 8


def _encode_strings(y):
    """``(classes, y_idx)`` of a 1-D array of strings (:func:`_compat.text_labels`), as
    ``np.unique(y, return_inverse=True)`` or LabelEncoder: the classes in y's dtype (an
    object array of str for objects), sorted by code point."""
    code, labels = np.empty(y.shape[0], dtype=np.intp), []
    where, left = np.arange(y.shape[0]), y
    while left.size and len(labels) < PEEL_CLASSES:
        same = left == left[:1]  # (not left[0]: a str scalar loses a trailing NUL)
        code[where[same]] = len(labels)
        labels.append(left[0])
        where, left = where[~same], left[~same]
    if left.size:
        more, inverse = np.unique(left, return_inverse=True)
        code[where] = inverse.reshape(-1) + len(labels)
        labels.extend(more)
    labels = np.asarray(labels, dtype=y.dtype)
    order = np.argsort(labels, kind="stable")  # (objects: str's order, by code point)
    rank = np.empty_like(order)
    rank[order] = np.arange(order.shape[0])
    return labels[order], rank[code]


def _encode_array_api(y, xp, device_):
    """:func:`_encode` for y of an array-API namespace: numeric labels of X's namespace
    and device are sorted and indexed there (one sort, no copy to the host: benchmarks/
    README.md, "Second lent machine"), classes on the host. Other labels (strings, another
    namespace or device) on the host."""
    y_xp, _, y_device = get_namespace_and_device(y)
    if y_xp is not xp or y_device != device_ or not xp.isdtype(
            y.dtype, ("bool", "integral", "real floating")):
        return _encode(_to_numpy(y))
    values, inverse = xp.unique_inverse(y)
    classes = _to_numpy(values)
    return classes, (inverse == 1 if classes.shape[0] == 2 else inverse)


def _warn_if_rounding_constant(problem):
    """A UserWarning naming the first column held as constant (its spread within 4 ε of
    its root mean square) whose values differ by units in the last place all the same (a
    spread above ε/16 of it: rows of weight 1e-30 beside one of 1 leave 1e-15, a column
    constant by its weights): float32 2e6 + N(0, 1), 4 units in the last place, was
    fitted at weight 0 unwarned, 13 % above J* (LogisticRegression on float32 is as far;
    review 204)."""
    std = problem.standardization
    if not problem.fit_intercept:
        return
    held = _to_numpy(std.held).astype(bool)
    spread = _to_numpy(std.column_std).astype(np.float64)
    rms = _to_numpy(std.column_rms).astype(np.float64)
    varies = np.flatnonzero(held & (spread > eps(problem.dtype) / 16.0 * rms))
    if varies.size:
        j = int(varies[0])
        warnings.warn(_messages.rounding_constant(j, spread[j] / rms[j], str(problem.dtype)),
                      UserWarning, stacklevel=_messages.user_stacklevel())


#: A duality gap of at least this share of J certifies nothing to speak of: a converged
#: stop there asks whether far rows set a column's spread (:meth:`_bulk_descent`).
VACUOUS_GAP = 0.5


# The rounding of z = X·w + b, as a share of it, past which an unconverged fit is told why:
# ε times a column's |mean| / spread (about 4 of float32's 7 digits lost at 1e-3).
OFFSET_NOISE = 1e-3


def _offset_column(problem, coef=None, noise=OFFSET_NOISE):
    """The text of :func:`_messages.offset_column` for the column of X whose mean is
    largest against its spread, where ε times that ratio is at least ``noise`` (X·w
    and the intercept cancel there; CHANGELOG.md, "An unconverged fit names a column that
    cancels in float32"); None elsewhere. With the fitted
    ``coef`` (K × d), where the rounding of that column's term of z, ε |μⱼ wⱼ|, is that
    large in logits (a weight of 0 leaves z exact: review 171); without an intercept only
    then, the columns' terms cancelling against each other's (review 198)."""
    std = problem.standardization
    if problem.fit_intercept:
        mean = np.abs(_to_numpy(std.mean).astype(np.float64))
        ratio = mean * _to_numpy(std.D).astype(np.float64)
        ratio = np.where(_to_numpy(std.held).astype(bool), 0.0, ratio)
    elif coef is None:
        return None
    else:  # columns far from 0 cancel against each other's terms (review 198)
        mean, spread = _column_spread(std)
        ratio = np.divide(mean, spread, out=np.zeros_like(mean), where=spread > 0.0)
    if not ratio.size:
        return None
    e = eps(problem.dtype)
    if coef is not None:  # the term's own rounding, in z's units, whatever the ratio: a
        # column of mean 3e3 times its spread and a large weight stopped 1.4e-6 to 1.8e-5
        # above J* unwarned (review 172)
        term = mean * np.max(np.abs(np.asarray(coef, dtype=np.float64)), axis=0)
        term = np.where(ratio > 0.0, term, 0.0)
        j = int(np.argmax(term))
        if not e * term[j] >= noise:
            return None
    else:
        j = int(np.argmax(ratio))
        if not e * ratio[j] >= noise:
            return None
    return _messages.offset_column(j, float(ratio[j]), "float32" if e > 1e-10 else "float64", e,
                                   intercept=problem.fit_intercept)


def _column_spread(std):
    """(|x̄|, σ) of X's columns, weighted (host float64): the offsets that cancel in X·w
    without an intercept."""
    mean = np.abs(_to_numpy(std.column_mean).astype(np.float64))
    return mean, _to_numpy(std.column_std).astype(np.float64)


def _to_numpy(a):
    """A host numpy copy of an array of any namespace (no copy for numpy)."""
    if isinstance(a, np.ndarray):
        return a
    xp, _ = get_namespace(a)
    return convert_to_numpy(a, xp)


def _classes_like(classes, y):
    """The fitted ``classes_`` (host labels) in y's namespace and on its device, as
    ``LogisticRegression``'s under array-API dispatch (``unique_values(y)``): scikit-learn
    puts them beside the predictions (``cross_val_predict``, ``log_loss(labels=...)``).
    numpy y (and labels of any kind) keep the host array."""
    xp, _, device_ = get_namespace_and_device(y)
    if isinstance(y, np.ndarray) or is_numpy_namespace(xp):
        return classes
    return xp.asarray(classes, device=device_)


def _weights_to(sample_weight, xp, device_):
    """Sample weights for X of the array-API namespace ``xp``, on its device: an array of
    a namespace (X's or another's, numpy's of numbers) moved as it is; anything else (a
    list, a pandas Series, numbers given as strings) read as numpy X's weights are first
    (pd.NA as NaN, for the checks to name); Dask weights computed; complex ones refused:
    scikit-learn's move_to takes arrays alone, and a Dask array has no DLPack export that
    works (review 145)."""
    if _dask.is_dask(sample_weight):
        sample_weight = sample_weight.compute()
    if not hasattr(sample_weight, "__dlpack__") or (  # not an array (a list, pandas)
            isinstance(sample_weight, np.ndarray) and sample_weight.dtype.kind in "OSUc"):
        sample_weight = check_array(sample_weight, ensure_2d=False, dtype=[np.float64, np.float32],
                                    ensure_all_finite=False, input_name="sample_weight")
    if "complex" in str(getattr(sample_weight, "dtype", "")):  # (torch's: numpy's refused)
        raise ValueError("Complex data not supported.")
    return move_to(sample_weight, xp=xp, device=device_)


def refuse_huge_ints(estimator, names):
    """A clear ValueError for a parameter among ``names`` that is a Python int beyond the
    float range (10**400: a Real, as the constraints accept), which the fit would turn
    into an OverflowError from deep inside (review 198)."""
    for name in names:
        value = getattr(estimator, name, None)
        if isinstance(value, Integral) and not isinstance(value, bool):
            try:
                float(value)
            except OverflowError:
                raise ValueError(
                    f"{name} must be a number in the float range (up to about 1.8e308), but"
                    " got an integer beyond it."
                ) from None


def _refuse_none_labels(y):
    """A clear error for object labels that hold None or pandas' NA (a missing label),
    which numpy's sort or pandas would refuse from deep inside the label checks (NaN gets
    scikit-learn's "Input y contains NaN"); and for dates or durations that hold NaT,
    their NaN, which the label encoder made a class of each row (review 198)."""
    kind = getattr(getattr(y, "dtype", None), "kind", None)
    if kind in ("M", "m") or (kind is None and hasattr(y, "dtypes")):  # a one-column frame
        y = np.asarray(y)  # (a time zone's dates come as objects)
        kind = y.dtype.kind
    if kind in ("M", "m"):
        if bool(np.any(np.isnat(y))):
            raise ValueError(_messages.MISSING_DATE_LABEL)
        return
    if isinstance(y, (list, tuple)) or kind == "O":
        labels = np.asarray(y, dtype=object).ravel()
        na = getattr(sys.modules.get("pandas"), "NA", None)  # pandas is not a dependency
        if labels.size and any(v is None or v is na for v in labels):
            raise ValueError(_messages.MISSING_LABEL)
        if labels.size and any(is_nat(v) for v in labels):
            raise ValueError(_messages.MISSING_DATE_LABEL)


def _detached(*arrays):
    """The arrays, torch tensors that require grad as detached views (no copy): the fit
    is no function autograd differentiates, and its host copies of them would raise.
    Tensors on torch's "meta" device (shapes without values) are refused."""
    for name, a in zip(("X", "y", "sample_weight"), arrays, strict=False):
        _refuse_meta(name, a)
    return tuple(a.detach() if getattr(a, "requires_grad", False) else a for a in arrays)


def _refuse_meta(name, a):
    """A clear error for a tensor on torch's "meta" device (shapes without values), or a
    sparse torch tensor (COO, CSR: the array API has no sparse arrays; review 185), which
    torch would refuse from deep inside the fit or the prediction."""
    if getattr(getattr(a, "device", None), "type", None) == "meta":
        raise ValueError(f"{name} is a tensor on the 'meta' device, which holds no values"
                         " to fit on or predict from; create it on a device with data"
                         " (cpu, cuda).")
    layout = getattr(a, "layout", None)
    if layout is not None and "strided" not in str(layout) and hasattr(a, "to_dense"):
        raise TypeError(f"{name} is a sparse tensor ({layout}), which gdlogreg does not"
                        " take: pass a scipy.sparse matrix (fitted as sparse)"
                        " or a dense tensor (X.to_dense()).")


def _refuse_complex(X, xp, y=None):
    """As check_array refuses complex numpy X: torch's cast to float drops the imaginary
    part with a warning of its own. And labels of an array-API namespace's complex dtype,
    as scikit-learn's checks refuse numpy's (review 145)."""
    if not is_numpy_namespace(xp) and xp.isdtype(X.dtype, "complex floating"):
        raise ValueError("Complex data not supported.")
    if not isinstance(y, np.ndarray) and "complex" in str(getattr(y, "dtype", "")):
        raise ValueError("Complex data not supported.")


@contextmanager
def previous_model_kept(estimator):
    """A fit that raises before it sets ``coef_`` (a callback or scorer that raised, Ctrl-C)
    gets its previous ``classes_``, ``n_features_in_`` and ``feature_names_in_`` back (none
    on a first fit): the previous model stays whole, not its coefficients with the new
    labels (which would predict an IndexError) or the new data's names (which would refuse
    the frame the model was fitted on; review 170)."""
    kept = {name: estimator.__dict__.get(name) for name in _KEPT_WITH_COEF}
    coef = estimator.__dict__.get("coef_")
    try:
        yield
    except BaseException:
        if estimator.__dict__.get("coef_") is coef:
            for name, value in kept.items():
                estimator.__dict__.pop(name, None)
                if value is not None:
                    estimator.__dict__[name] = value
        raise


#: The attributes a fit sets before ``coef_`` that belong to the model (restored with it
#: where the fit raised: :func:`previous_model_kept`).
_KEPT_WITH_COEF = ("classes_", "n_features_in_", "feature_names_in_")


def _common_shift_dropped(W, penalty):
    """A warm start's K class columns W (numpy, K × d) less their mean over the classes,
    where the penalty is L2 alone: the softmax ignores a shift common to the classes, the
    penalty does not, so J falls (the class-shared metric crawls along such a shift:
    review 55). W itself where its mean would overflow (coefficients near the float
    limit)."""
    if len(W) < 2 or penalty.l1 != 0.0 or not penalty.l2 > 0.0:
        return W
    with np.errstate(over="ignore", invalid="ignore"):
        shifted = W - (W / len(W)).sum(axis=0)
    return shifted if np.all(np.isfinite(shifted)) else W


def _intercepts_centred(b):
    """A warm start's K class intercepts b (numpy) less their mean where that mean is
    larger than every intercept's distance from it: the softmax ignores a shift common to
    the classes and no penalty holds the intercepts, so J is the same, and a large one
    costs z its digits (review 143). A fit's own intercepts, whose mean is rounding, are
    left as they are (a search's warm columns start from them as given). b itself where
    the mean would overflow."""
    if len(b) < 2:
        return b
    with np.errstate(over="ignore", invalid="ignore"):
        mean = (b / len(b)).sum()
        centred = b - mean
        shift = np.isfinite(mean) and abs(mean) > np.max(np.abs(centred))
    return centred if shift and np.all(np.isfinite(centred)) else b


def _intercepts_summing_to_zero(b, xp):
    """K >= 3 classes' fitted intercepts b less their mean, as ``LogisticRegression``'s sum
    to 0: the softmax ignores a shift common to the classes and no penalty holds the
    intercepts, so the model and J are the same. An L1 part leaves W's class sums
    non-zero, and b = b' - μᵀW (the standardization undone) then carried a common offset
    of up to μ's size (an outside audit, 2026-12-05). b itself where the mean is not
    finite."""
    if b.shape[-1] < 3:
        return b
    with np.errstate(over="ignore", invalid="ignore"):
        out = b - xp.sum(b / b.shape[-1], axis=-1, keepdims=True)
    return out if bool(xp.all(xp.isfinite(out))) else b


def _warm_intercept(intercept, m):
    """A warm start's ``intercept_`` (host numpy) if of shape (m,), as coef_'s m rows: one
    assigned by hand of another shape would fail deep inside, in numpy's concatenation."""
    b = np.asarray(_to_numpy(intercept) if hasattr(intercept, "shape") else intercept)
    if b.shape != (m,):
        raise ValueError(
            f"warm_start=True starts from coef_ and intercept_, but intercept_ has shape"
            f" {b.shape}, not ({m},) as coef_'s {m} row(s); set intercept_ to match coef_."
        )
    return b


def _finite_start(name, a):
    """``a`` (host numpy), the warm start's ``coef_`` or ``intercept_``, if finite: from
    NaN or inf the descent has no finite iterate to return; numbers of another dtype (a
    list, an object array set by hand) as float64; complex ones refused (numpy's cast would
    drop their imaginary parts: review 136)."""
    if np.iscomplexobj(a):
        raise ValueError(
            f"warm_start=True starts from {name}, which holds complex values; set {name} to"
            " an array of real numbers or fit with warm_start=False."
        )
    try:
        a = np.asarray(a, dtype=np.float64)
    except OverflowError:  # a Python int past the float range: 10**400
        raise ValueError(
            f"warm_start=True starts from {name}, which holds an integer beyond the float"
            f" range (about 1.8e308); set {name} to finite floats or fit with"
            " warm_start=False."
        ) from None
    except (TypeError, ValueError):
        raise ValueError(
            f"warm_start=True starts from {name}, which holds values that are not numbers;"
            f" set {name} to an array of floats or fit with warm_start=False."
        ) from None
    if not np.isfinite(a).all():
        raise ValueError(
            f"warm_start=True starts from {name}, which holds NaN or inf values; set"
            f" {name} to finite values or fit with warm_start=False."
        )
    return a


def _copy(a, dtype, xp):
    """A copy of ``a`` in its namespace (numpy < 2 has no ``asarray(copy=)``)."""
    if isinstance(a, np.ndarray):
        return np.array(a, dtype=dtype)
    return xp.asarray(a, dtype=dtype, copy=True)


def _descent_step(problem):
    """2/L in the original coordinates, L the Lipschitz bound of ∇J (power iteration)."""
    L, _ = lipschitz(Objective(problem, Identity(problem.fit_intercept)))
    return 2.0 / L if L > 0 else math.inf


def _penalty_free(problem):
    """Whether the problem has no penalty (C = inf)."""
    return not (problem.penalty.l2 > 0.0 or problem.penalty.l1 > 0.0)


def _no_minimum(estimator, free, X, labels, weights, converged=False, separable=None):
    """Why J has no minimum (a text for the warning), or None: a class whose rows weigh
    nothing, its intercept unpenalised (it falls without bound), or, without a penalty
    (``free``), classes separable in full or in part (J falls along a direction that
    raises no row's loss and lowers some). Rows of weight 0 are not in J and are left
    out. ``labels()``: the labels' class indices (encoded on the host: only where one of
    the tests can apply). ``converged``: the fit claims a minimum (then only rows
    predicted near certainty can be separated). ``separable``: the program of
    :func:`gdlogreg._backends._separation.separates`, or a
    caller's memo of it (a search's fold asks the same program of each candidate)."""
    if not (free or (estimator.fit_intercept and _some_weightless(weights))):
        return None
    y_idx = _to_numpy(labels()).astype(np.intp)
    keep = np.ones(len(y_idx), bool) if weights is None else _to_numpy(weights) > 0
    weightless = np.bincount(y_idx[keep], minlength=len(estimator.classes_)) == 0
    if estimator.fit_intercept and weightless.any():
        return _messages.weightless_class(estimator.classes_[weightless])
    if not free:
        return None
    check_is_fitted(estimator)
    if separates(X, estimator.coef_, estimator.intercept_, y_idx, keep, weights, converged,
                 estimator.fit_intercept, separable):
        return _messages.separable(float(estimator.C))
    return None


def _some_weightless(weights):
    """Whether some row weighs nothing (weights: sample times class weights, or None), on
    the weights' namespace and device (Dask: computed)."""
    if weights is None:
        return False
    xp, _ = get_namespace(weights)
    return not bool(xp.all(weights > 0))
