"""GradientDescentLogisticRegressionCV: a cross-validated search at the cost of one fit.

Every (candidate, fold) pair is a column group of one coefficient matrix, and
all of them descend together (:mod:`gdlogreg._batch`): an iteration reads X
once for the whole search. A fold is a 0/1 mask on the sample weights, so X
is never split or copied; each group's problem is the one its single fit on
the fold's training rows solves, and it takes the same path.
"""

import collections
import copy
import inspect
import math
import sys
import time
import warnings
from contextlib import contextmanager
from numbers import Integral, Number, Real

import numpy as np
import scipy.sparse as sp
from scipy.stats import rankdata
from sklearn import get_config
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring, get_scorer, get_scorer_names
from sklearn.model_selection import ParameterGrid, check_cv
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.metadata_routing import (
    UNUSED,
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.validation import check_is_fitted, validate_data

from . import _batch, _dask, _messages
from ._backends import make_backend, namespace_of, refuse_non_finite
from ._backends._separation import _separable
from ._compat import (
    Interval,
    StrOptions,
    check_classification_targets,
    check_sample_weight,
    fit_context,
    get_namespace_and_device,
    max_precision_float_dtype,
    warn_if_many_classes,
)
from ._estimator import (
    GradientDescentLogisticRegression,
    _classes_like,
    _detached,
    _encode,
    _intercepts_summing_to_zero,
    _no_minimum,
    _penalty_name,
    _refuse_none_labels,
    _to_numpy,
    previous_model_kept,
    refuse_huge_ints,
)
from ._loss import make_loss
from ._objective import metric_bytes
from ._penalty import ElasticNet
from ._problem import (
    Standardization,
    _np_name,
    bulk_moments,
    check_finite_scalar_weight,
    check_some_weight,
    class_weight_vector,
    finite_sample_weight,
    make_problem,
    normalised_in,
    weights_in_float_range,
    x_in_float_range,
)
from ._steps.lbfgs import L2_ONLY

#: Bytes of working memory a batch may use (its raw predictions, residuals and
#: line-search buffers); a search that needs more runs in several batches.
MEMORY_BUDGET = 1 << 30


def _grid_constraints():
    base = dict(GradientDescentLogisticRegression._parameter_constraints)
    for name in ("C", "l1_ratio", "learning_rate", "warm_start", "keep_path"):
        base.pop(name)
    base.update(
        Cs=[Interval(Integral, 1, None, closed="left"), "array-like"],
        l1_ratios=["array-like", None],
        learning_rates=["array-like", None],
        cv=["cv_object"],
        # a name scikit-learn knows, refused here as LogisticRegressionCV refuses it (else
        # check_scoring would name itself, after the data are checked and split)
        scoring=[StrOptions(set(get_scorer_names())), callable, None],
        refit=["boolean"],
        memory_budget=[Interval(Integral, 1, None, closed="left")],
        warm_start_path=["boolean"],
        use_legacy_attributes=["boolean"],
    )
    return base


class GradientDescentLogisticRegressionCV(GradientDescentLogisticRegression):
    """Logistic regression by gradient descent with a built-in cross-validated search.

    Searches ``C`` (and, if given, ``l1_ratio`` and the learning rate) over a
    grid by k-fold cross-validation, as
    :class:`~sklearn.linear_model.LogisticRegressionCV` does, then refits the
    best candidate on all the data. Every (candidate, fold) pair is a column
    of one coefficient matrix and all descend together: an iteration costs
    one ``X @ W`` and one ``Xᵀ R`` for the whole search, and a column leaves
    the batch once its own stopping test is met. Each column follows the path
    its own fit (:class:`GradientDescentLogisticRegression` on the fold's
    training rows) would take, so the scores, and the chosen parameters, are
    those of ``GridSearchCV`` over that estimator with the same grid, folds
    and scoring. A fold whose training rows lack a class is fitted as
    ``GridSearchCV`` fits it, one candidate after another on the classes it
    has, and scored over every class as ``LogisticRegressionCV`` scores it
    (scorers of probabilities then differ from ``GridSearchCV``'s:
    docs/search.rst).

    Parameters
    ----------
    Cs : int or array-like of float, default=10
        The values of C: a list, or an int n for n values on a log scale from
        1e-4 to 1e4 (as ``LogisticRegressionCV``).
    l1_ratios : array-like of float or None, default=None
        The values of ``l1_ratio`` to search; None: the L2 penalty alone.
    learning_rates : array-like of (float or "auto") or None, default=None
        The learning rates to search (the step α of ``solver="gd"``, the first
        step of ``"bb"``); None: ``"auto"`` alone.
    cv : int, cross-validation generator or iterable, default=None
        As in ``GridSearchCV``: None is 5-fold stratified.
    scoring : str, callable or None, default=None
        A scikit-learn scorer; None: accuracy. Its scores are GridSearchCV's
        wherever that gives one, but on a fold whose training rows lack a class
        with a scorer of probabilities (docs/search.rst). A two-class metric of ``pos_label`` (f1,
        precision, recall, jaccard, Brier's, average precision) whose default
        does not score the labels (1 not among them; Brier's None on strings)
        scores the last class, as in ``LogisticRegressionCV`` (GridSearchCV
        raises there, and LogisticRegressionCV too on average precision).
    refit : bool, default=True
        Refit the best candidate on all the data (``coef_``, ``intercept_``).
        With False, ``coef_`` averages the folds' models at each fold's best
        candidate, as in ``LogisticRegressionCV``.
    fit_intercept, class_weight, solver, max_iter, tol, verbose :
        As in :class:`GradientDescentLogisticRegression`, for every column of
        the search. The solvers "bb", "gd" and "lbfgs" descend as one batch;
        "nesterov" and "backtracking" fit one candidate and fold after another.
        ``verbose`` prints a batch's iterations (columns left, the range of J, the
        largest gradient), what each batch holds and how its columns stopped, or each
        one-by-one column's fit, then the refit's.
    memory_budget : int, default=2**30
        Bytes of working memory for the batch (about four arrays of
        n_samples × columns and 20 of n_features × columns, the iterates'
        (the most on wide data), for "lbfgs" its pairs, 40 arrays of
        n_features × columns, and for "bb" and "lbfgs" each column's metric of
        whitened steps: two n_features² arrays, for K classes K + 2 of them or
        two (K·n_features)² ones, or, factored in the rows, an n_samples ×
        n_features copy and two n_samples² arrays, K + 1 of them for K
        classes): above it the search runs in several batches. K > 1 classes on
        numpy X of more than 131,072 / K rows (two blocks of the passes) run
        in batches of at most four (C, fold) columns of K classes (eight in
        float32), whose row blocks stay in the CPU caches.
    warm_start_path : bool, default=False
        Fit the values of C in stages, from the strongest penalty (smallest C)
        up, as ``LogisticRegressionCV`` does: each stage is one batch over the
        other axes of the grid and the folds, and each of its columns starts
        from the previous C's solution for the same fold (and l1_ratio and
        learning rate), or from zero where that diverged. Fewer iterations,
        and the same stopping test as a cold start (measured against the
        all-zero model), so the answers agree with the cold search's to the
        stopping accuracy, not to the bit; each stage's batch is narrower.
        The refit starts from the mean of the best candidate's fold
        solutions, as in ``LogisticRegressionCV``.
    use_legacy_attributes : bool, default=True
        The form of ``C_``, ``l1_ratio_``, ``scores_``, ``coefs_paths_`` and
        ``n_iter_``, as ``LogisticRegressionCV``'s parameter of that name sets
        it (scikit-learn 1.8; its default is False from 1.10): True, the
        dictionaries by class described below; False, floats ``C_`` and
        ``l1_ratio_`` and arrays with an l1_ratios axis before the Cs axis
        (``scores_`` and ``n_iter_`` of shape (n_folds, n_l1_ratios, n_Cs),
        ``coefs_paths_`` of (n_folds, n_l1_ratios, n_Cs, n_classes, n_dof),
        one class for two), the same values rearranged.

    Attributes
    ----------
    coef_, intercept_, classes_, n_features_in_, feature_names_in_ :
        Of the final model, as in :class:`GradientDescentLogisticRegression`.
    C_ : ndarray of shape (1,) or (n_classes,), or float
        The best C, repeated for each class (one entry for two classes); a
        float with ``use_legacy_attributes=False``. With ``refit=False``, the
        mean of the folds' best.
    l1_ratio_ : ndarray of shape (1,) or (n_classes,), or float
        The best l1_ratio, likewise.
    learning_rate_ : float or "auto"
        The best learning rate.
    Cs_, l1_ratios_ : ndarray
        The grid's values of C and l1_ratio, in X's namespace and in float64 (its
        largest float where it has none), as ``LogisticRegressionCV``'s.
    learning_rates_ : list
        The grid's learning rates (floats and "auto").
    scores_ : dict
        Class label -> array of shape (n_folds, n_Cs[, n_l1_ratios][,
        n_learning_rates]) of the validation scores (the same for every class),
        as in ``LogisticRegressionCV`` (the last axes only when searched).
        With ``use_legacy_attributes=False``, one array of shape (n_folds,
        n_l1_ratios, n_Cs[, n_learning_rates]).
    coefs_paths_ : dict
        Class label -> array of shape (n_folds, n_Cs[, ...], n_dof): each
        column's coefficients [w, b] (for two classes, the key is
        ``classes_[1]``); NaN for a class that the fold's training rows lack.
        With ``use_legacy_attributes=False``, one array of shape (n_folds,
        n_l1_ratios, n_Cs[, n_learning_rates], n_classes, n_dof), one class
        for two.
    n_iter_ : ndarray of shape (1, n_folds, n_Cs[, ...])
        Iterations of each column; with ``use_legacy_attributes=False`` of
        ``scores_``'s shape.
    cv_results_ : dict of ndarrays
        As ``GridSearchCV.cv_results_`` (``params``, ``param_*``,
        ``split{k}_test_score``, ``mean_test_score``, ``std_test_score``,
        ``rank_test_score``, fit and score times; a column's fit time is its
        share of its batch's).
    best_params_, best_score_, best_index_ :
        As in ``GridSearchCV``.
    best_estimator_ : GradientDescentLogisticRegression
        The refitted model (only with ``refit=True``).
    refit_time_ : float
        Seconds the refit took (only with ``refit=True``), as in ``GridSearchCV``.
    scorer_, multimetric_ :
        The scorer used (told every class, see docs/search.rst) and False, as in
        ``GridSearchCV``.
    n_splits_ : int
        The number of folds.
    loss_curves_ : list of ndarray
        J along each column's descent, in the order of ``cv_results_`` and
        folds (candidate-major).
    stop_reasons_ : list of str
        Why each column stopped (``"converged"``, ``"max_iter"``,
        ``"diverged"``, ``"stalled"``, ``"separated"`` or ``"callback"``), in
        the same order.

    See Also
    --------
    GradientDescentLogisticRegression : The estimator searched over.
    sklearn.linear_model.LogisticRegressionCV : The same search by quasi-Newton solvers.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from gdlogreg import GradientDescentLogisticRegressionCV
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> search = GradientDescentLogisticRegressionCV(Cs=[0.01, 0.1, 1, 10])
    >>> model = make_pipeline(StandardScaler(), search).fit(X, y)
    >>> search.best_params_
    {'C': 1}
    >>> round(search.best_score_, 3)
    0.981
    >>> search.scores_[1].shape  # (folds, Cs)
    (5, 4)
    """

    _parameter_constraints: dict = _grid_constraints()
    # Under metadata routing the search itself consumes neither: groups reach the cv's
    # split only where it requests them, as GridSearchCV's (a plain StratifiedKFold gets
    # none; set_fit_request(groups=True) still forces them), and score's weights the scorer
    # that requests them (LogisticRegressionCV's score request since scikit-learn 1.9;
    # review 147)
    __metadata_request__fit = {"groups": False}
    __metadata_request__score = {"sample_weight": UNUSED}

    def __init__(
        self,
        *,
        Cs=10,
        l1_ratios=None,
        learning_rates=None,
        cv=None,
        scoring=None,
        refit=True,
        fit_intercept=True,
        class_weight=None,
        solver="bb",
        max_iter=1000,
        tol=1e-5,
        verbose=0,
        memory_budget=MEMORY_BUDGET,
        warm_start_path=False,
        use_legacy_attributes=True,
    ):
        self.Cs = Cs
        self.l1_ratios = l1_ratios
        self.learning_rates = learning_rates
        self.cv = cv
        self.scoring = scoring
        self.refit = refit
        self.fit_intercept = fit_intercept
        self.class_weight = class_weight
        self.solver = solver
        self.max_iter = max_iter
        self.tol = tol
        self.verbose = verbose
        self.memory_budget = memory_budget
        self.warm_start_path = warm_start_path
        self.use_legacy_attributes = use_legacy_attributes

    @property
    def penalty(self):
        """The penalty of the chosen ``l1_ratio_`` (before the fit: of all ``l1_ratios``):
        ``"l1"``, ``"elasticnet"`` or ``"l2"``; read-only, as
        :attr:`GradientDescentLogisticRegression.penalty`, for
        :class:`~sklearn.feature_selection.SelectFromModel`."""
        if hasattr(self, "l1_ratio_"):  # an array, or a float (use_legacy_attributes=False)
            r = self.l1_ratio_
            return _penalty_name(r if isinstance(r, float) else _to_numpy(r))
        return _penalty_name([0.0] if self.l1_ratios is None else list(self.l1_ratios))

    def _base(self, **params):
        """The estimator searched over, with this search's fixed parameters."""
        return GradientDescentLogisticRegression(
            fit_intercept=self.fit_intercept, class_weight=self.class_weight,
            solver=self.solver, max_iter=self.max_iter, tol=self.tol, **params,
        )

    def _grid(self):
        """The parameter grid, in ``GridSearchCV``'s order, and its axes."""
        Cs = np.logspace(-4, 4, self.Cs) if isinstance(self.Cs, Integral) else self.Cs
        axes = {"C": _numbers("C", Cs)}
        if self.l1_ratios is not None:
            axes["l1_ratio"] = _numbers("l1_ratio", self.l1_ratios)
        if self.learning_rates is not None:
            axes["learning_rate"] = _numbers("learning_rate", self.learning_rates, auto=True)
        _check_axes(axes)
        if self.solver == "lbfgs" and any(v != 0.0 for v in axes.get("l1_ratio", [])):
            raise ValueError(L2_ONLY)  # before any column is fitted
        return list(ParameterGrid(axes)), axes

    @fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y, sample_weight=None, groups=None, **params):
        """Search the grid by cross-validation, then refit the best candidate.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (as for :meth:`GradientDescentLogisticRegression.fit`; CSC X is
            fitted as CSR, as ``GridSearchCV``'s folds are).
        y : array-like of shape (n_samples,)
            Target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights; each fold's fit uses those of its training rows.
        groups : array-like of shape (n_samples,), default=None
            Group labels for a group-aware ``cv`` splitter.
        **params : dict
            Metadata that the scorer (or the ``cv`` splitter) requests, routed to it
            under ``sklearn.set_config(enable_metadata_routing=True)`` only, as
            ``LogisticRegressionCV.fit`` routes them; the scorer of each fold gets the
            test rows' part of each per-sample array.

        Returns
        -------
        self : object
            The fitted search.
        """
        routed = self._routed("fit", params, groups=groups)
        try:
            with previous_model_kept(self):
                return self._search(X, y, sample_weight, groups, routed)
        finally:  # left by a callback or scorer that raised, they would fail the next pickle
            for name in ("_search_ctx", "_iteration_ctx", "_results", "_grid_", "_folds",
                         "_namespace", "_stop_asked"):
                self.__dict__.pop(name, None)

    def get_metadata_routing(self):
        """The routing of this search's metadata, as ``LogisticRegressionCV``'s: its
        own ``fit`` request, the ``cv`` splitter's (``fit`` → ``split``) and the
        scorer's (``fit`` and ``score`` → ``score``).

        Returns
        -------
        routing : sklearn.utils.metadata_routing.MetadataRouter
            The routing information.
        """
        return (
            MetadataRouter(owner=self)
            .add_self_request(self)
            # the splitter as given, as GridSearchCV's (check_cv would use up a generator)
            .add(splitter=self.cv,
                 method_mapping=MethodMapping().add(caller="fit", callee="split"))
            .add(scorer=check_scoring(self._base(), self.scoring),
                 method_mapping=MethodMapping().add(caller="score", callee="score")
                 .add(caller="fit", callee="score"))
        )

    def _routed(self, method, params, **named):
        """The metadata ``params`` of ``method`` routed: {"split": ..., "score": ...}.

        ``sample_weight`` is not routed here: the fits take it, and the scores by
        :func:`_weights_for_scores`'s rule. Without metadata routing, ``params`` are
        refused, as scikit-learn's estimators refuse them.
        """
        if not get_config()["enable_metadata_routing"]:
            if params:
                raise ValueError(_messages.unrouted_params(self, method, params))
            return {"split": {}, "score": {}}
        given = {k: v for k, v in {**named, **params}.items() if v is not None}
        routed = process_routing(self, method, **given)
        return {"split": dict(routed.splitter.get("split", {})),
                "score": dict(routed.scorer.get("score", {}))}

    def _search(self, X, y, sample_weight, groups, routed):
        """:meth:`fit`'s search and refit."""
        refuse_huge_ints(self, ("tol",))
        grid, axes = self._grid()
        X, y, sample_weight = _detached(X, y, sample_weight)
        _refuse_none_labels(y)
        X_in, y_in = X, y  # the user's, for the scorer
        if _dask.is_dask(X):
            X, y, y_idx, sample_weight, classes, _ = _dask.validated(self, X, y, sample_weight)
            host_weights = None if sample_weight is None else np.asarray(
                sample_weight.compute(), dtype=np.float64)  # checked: for the folds' checks
            y_host = np.asarray(y.compute())
            y_idx = np.asarray(y_idx.compute())
        else:
            xp, _, _ = get_namespace_and_device(X)
            # CSC X as CSR: GridSearchCV's folds are CSR (scikit-learn's ``indexable``), and
            # the columns are GridSearchCV's fits
            with np.errstate(over="ignore", invalid="ignore"), x_in_float_range():
                X, y = validate_data(
                    self, X, y, accept_sparse="csr", dtype=[xp.float64, xp.float32],
                    y_numeric=False,
                )
            y_host = _to_numpy(y)
            skipped = check_classification_targets(y_host)
            classes, y_idx = _encode(y_host)
            if skipped:
                warn_if_many_classes(len(y_host), len(classes))
            if len(classes) < 2:
                raise ValueError(
                    f"{type(self).__name__} needs samples of at least 2 classes in the data,"
                    f" but the data contains only one class: {classes.tolist()[0]!r}."
                )
            sample_weight, host_weights = _checked_weights(sample_weight, len(y_host))
            if get_config()["assume_finite"]:  # scikit-learn's check skipped: the search's
                refuse_non_finite(X)  # moments miss rows no training fold has (review 132)
        _check_class_weight(self.class_weight, classes)
        split_params = dict(routed["split"])
        # groups as the splitter requests them (an alias too: set_split_request(groups="g"))
        groups = split_params.pop("groups", groups)
        folds = list(check_cv(self.cv, y_host, classifier=True).split(
            *_split_inputs(X_in, X, y_in, y_host), groups, **split_params))
        scorer = check_scoring(self._base(), self.scoring)
        # every class told to the scorer, in the namespace and on the device of the y it
        # scores (numpy for numpy and Dask y: their scores are taken on the host)
        host = any(_dask.is_dask(a) for a in (X, y, y_in))
        scorer = _with_labels(scorer, classes if host else _classes_like(classes, y))
        scorer = _with_pos_label(scorer, classes)
        weights = _weights_for_scores(scorer, sample_weight, host_weights)
        folds = _check_folds(folds, len(y_host), host_weights, weights is not None)
        short = _short_folds(folds, np.asarray(y_idx), classes)
        self._namespace = namespace_of(X) + (X.dtype,)
        self._callbacks_begin(X, y, sample_weight)
        tic = time.perf_counter()
        results = self._fit_columns(X, y, y_idx, classes, sample_weight, grid, axes, folds,
                                    short)
        self._end_iteration()  # the update never taken
        fit_time = (time.perf_counter() - tic) / max(len(results), 1)
        free = self._without_minimum(X, y_idx, host_weights, classes, grid, folds, results,
                                     short)
        msg = _messages.search_unconverged(self, grid, len(folds), results, free)
        if msg is not None:
            warnings.warn(msg, ConvergenceWarning, stacklevel=_messages.user_stacklevel())
        self.classes_ = classes
        # Dask y's labels scored on the host: a Dask fold of object labels fails the
        # scorer's checks of ``labels`` (dask.isin refuses object dtype)
        y_scored = _scored(y_in, y_host if _dask.is_dask(y) else y)
        scores, score_times = self._score(_scored(X_in, X), y_scored, weights, results,
                                          folds, scorer, classes, grid,
                                          [_test_params(routed["score"], len(y_host), test)
                                           for _, test in folds])
        self._set_results(grid, axes, folds, results, scores, fit_time, score_times, classes)
        self.scorer_, self.multimetric_ = scorer, False
        self._refit(X, y, sample_weight)
        if not _dask.is_dask(y_in):  # in y's namespace, as the single fit's and the refit's
            self.classes_ = _classes_like(classes, y_in)
        self._callbacks_end(X, y, sample_weight)
        return self

    def _without_minimum(self, X, y_idx, host_weights, classes, grid, folds, results, short):
        """The columns (candidate·F + fold) fitted on training rows whose cost has no
        minimum ({column: why}): a class of no weight beside an unpenalised intercept, or,
        without a penalty (C = inf, or C·Σs past the float range), classes separable in
        full or in part; by the single
        fit's test (:func:`_no_minimum`), for the warning. Not on Dask X (the single fit's
        test takes no Dask either). The folds ``short`` of a class are fitted one by one
        on fewer classes: their single fits' own test says (``GroupResult.no_minimum``)."""
        if _dask.is_dask(X):
            return {}
        if short:  # the other folds by the test below, in their places
            kept = [f for f in range(len(folds)) if f not in short]
            F, G = len(folds), len(kept)
            found = self._without_minimum(
                X, y_idx, host_weights, classes, grid, [folds[f] for f in kept],
                [results[c * F + f] for c in range(len(grid)) for f in kept], {})
            found = {(g // G) * F + kept[g % G]: why for g, why in found.items()}
            return found | {g: results[g].no_minimum for g in range(len(results))
                            if g % F in short and results[g].no_minimum is not None}
        y_idx = np.asarray(y_idx, dtype=np.intp)
        # each fold's weights and Σ as its fit takes them (the class weights of its own rows,
        # rows repeated by the cv, X's dtype): whether C·Σs overflows is the fit's question
        rows = np.arange(len(y_idx))
        host_X = np.empty((len(y_idx), 0), dtype=_np_name(X.dtype))
        fold_weights = self._fold_weights(host_X, y_idx, host_weights, classes, [
            np.bincount(rows[train], minlength=len(y_idx)) for train, _ in folds])
        totals = [normalised_in(w, host_X.dtype, np)[1] for w in fold_weights]
        if not (self.fit_intercept or any(_free(grid, total) for total in totals)):
            return {}
        F, found = len(folds), {}
        for f, weights in enumerate(fold_weights):
            weights, free = weights.astype(np.float64), _free(grid, totals[f])
            separable = _once(_separable)  # the fold's program: the same for every candidate
            weightless = self.fit_intercept and np.bincount(
                y_idx[weights > 0], minlength=len(classes)).min() == 0
            for g in range(f, len(results), F) if weightless else (c * F + f for c in free):
                model = self._model(results[g].coef, classes, grid[g // F])
                why = _no_minimum(model, g // F in free, X, lambda: y_idx, weights,
                                  results[g].converged, separable)
                if why is not None:  # separable, or a class of no weight (not separable)
                    found[g] = why
        return found

    # ----------------------------------------------------------- the columns
    def _far_rows(self, X, y_idx, sample_weight, classes, folds):
        """Whether, in the training rows of some fold (its weights as its single fit has
        them: :meth:`_fold_weights`), a column of X (numpy or scipy.sparse) has its spread
        set by a few far rows (:func:`gdlogreg._problem.bulk_moments`; two reads of X a
        fold, and one of each candidate column): a single fit's stop there goes on at the
        column's bulk's scale, which the batch's columns do not, so they are fitted one
        after another (review 204). Asked of each fold, not of X as a whole: twelve far rows
        of 60 pass the whole's test where a fold's training rows holding one of them do not,
        and that fold's column stood "converged" 29 % above J* (review 207)."""
        if not folds or not (isinstance(X, np.ndarray) or sp.issparse(X)):
            return False
        rows = np.arange(len(y_idx))
        masks = [np.bincount(rows[train], minlength=len(y_idx)) for train, _ in folds]
        return any(
            bulk_moments(make_problem(X, y_idx, np.asarray(w, dtype=np.float64), len(classes),
                                      C=1.0, l1_ratio=0.0, fit_intercept=self.fit_intercept))
            for w in self._fold_weights(X, y_idx, sample_weight, classes, masks))

    def _fold_weights(self, X, y_idx, sample_weight, classes, fold_masks):
        """Each fold's weights: sample weights × class weights × the number of times each
        row trains in the fold (``fold_masks``; 0 for held-out rows)."""
        n = len(y_idx)
        if _dask.is_dask(X):  # the weights of the folds are host vectors, as y is
            X, xp, device = np.empty((n, 0), dtype=X.dtype), np, None
        else:
            xp, _, device = get_namespace_and_device(X)
        if sample_weight is None or np.isscalar(sample_weight):
            base = np.full(n, 1.0 if sample_weight is None else float(sample_weight))
        else:
            base = np.asarray(sample_weight.compute() if _dask.is_dask(sample_weight)
                              else _to_numpy(sample_weight), dtype=np.float64)
        out = []
        for f, mask in enumerate(fold_masks):  # every class trains in it: _check_folds
            with np.errstate(over="ignore"):
                w = base * mask
            if not np.isfinite(w).all():  # a huge weight, repeated by a bootstrap cv
                raise ValueError(_messages.bad_fold(f, "training", _messages.REPEATS_OVERFLOW))
            try:
                out.append(self._weights(
                    X, y_idx, w if xp is np else xp.asarray(w, device=device), classes, xp,
                    device))
            except ValueError as exc:  # this fold's rows alone: the data as a whole passed
                raise ValueError(f"The training rows of fold {f}: {exc}") from exc
        return out

    def _fit_columns(self, X, y, y_idx, classes, sample_weight, grid, axes, folds, short):
        """Every (candidate, fold) column's result, in the order candidate·F + fold: in
        batches (the solvers of :data:`gdlogreg._batch.RULES`) or one after another; the
        folds ``short`` of a class (:func:`_short_folds`) one after another, as
        GridSearchCV fits them (the batch shares one loss over all the classes)."""
        k = 1 if len(classes) == 2 else len(classes)
        # sparse X of more coefficients than rows: the columns' dense vector work (its O(p)
        # arrays an iteration) outweighs their products, which a batch of sparse products
        # does not share: single fits, one column at a time, whose loop has less of that
        # work than a batch of one (2.2 to 3.2 times as fast on tweets' 3,000 x 20,972
        # CSR, review 181; CHANGELOG.md, "The search on sparse X wider than tall")
        wide = sp.issparse(X) and (X.shape[1] + self.fit_intercept) * k > X.shape[0]
        F, results = len(folds), [None] * (len(grid) * len(folds))
        whole = [f for f in range(F) if f not in short]
        batched = self.solver in _batch.RULES and not wide and not self._far_rows(
            X, y_idx, sample_weight, classes, [folds[f] for f in whole])
        parts = [(whole, self._fit_batched if batched else self._fit_one_by_one),
                 (sorted(short), self._fit_one_by_one)]
        for kept, fit in parts:
            if not kept:
                continue
            path = _path(grid, axes, len(kept), self.warm_start_path)
            out = fit(X, y, y_idx, classes, sample_weight, grid, [folds[f] for f in kept],
                      path)
            for g, res in enumerate(out):  # group c·len(kept) + j is column c·F + kept[j]
                results[(g // len(kept)) * F + kept[g % len(kept)]] = res
        return results

    def _fit_batched(self, X, y, y_idx, classes, sample_weight, grid, folds, path):
        """Every (candidate, fold) column, as few batches as the memory budget allows
        (a batch per stage of ``path`` at least: see :func:`_path`)."""
        n_classes, F = len(classes), len(folds)
        # How often each row trains in each fold: 0/1, more where a cv (a bootstrap)
        # repeats rows, which then weigh what their repeats weigh in X[train].
        rows = np.arange(len(y_idx))
        masks = [np.bincount(rows[train], minlength=len(y_idx)) for train, _ in folds]
        weights = self._fold_weights(X, y_idx, sample_weight, classes, masks)
        xp, device = namespace_of(X)
        base_loss = make_loss(n_classes, xp, device)
        k = base_loss.n_columns(n_classes)
        S, sums, moments = _normalised(X, base_loss, y_idx, weights, xp)
        backend = make_backend(X, base_loss, y_idx, S)
        itemsize = np.dtype(str(X.dtype).split(".")[-1]).itemsize
        # Z, X d, the trial's Z and R (k columns each), and the weights.
        p = X.shape[1] + self.fit_intercept
        rule = _batch.RULES[self.solver]
        per_group = (4 * k + 1) * X.shape[0] * itemsize + rule.state_bytes(
            p, k, itemsize)  # and the rule's own (L-BFGS's pairs)
        if issubclass(rule, _batch._Metrics):  # and its whitened steps' metric
            wide = X.format == "csr" if sp.issparse(X) else (
                isinstance(X, np.ndarray) or _dask.is_dask(X))
            per_group += metric_bytes(len(y_idx), p, k, wide=wide)
        size = max(1, self.memory_budget // per_group)
        most = backend.most_groups(k) if hasattr(backend, "most_groups") else None
        if most is not None:  # K classes on many rows: blocks that stay in the caches
            size = min(size, most)
        results = [None] * (len(grid) * F)
        stages, previous = path
        for stage in stages:
            for lr_kind, members in _by_rule(grid, F, stage).items():
                for start in range(0, len(members), size):
                    part = members[start : start + size]
                    folds = np.array([g % F for g in part])
                    starts = [_warm_start(results, previous.get(g)) for g in part]
                    out = self._descend(
                        _batch_backend(backend, S, folds, k), base_loss, k, part, grid, F,
                        sums, moments, itemsize, lr_kind, starts,
                    )
                    for g, res in zip(part, out, strict=True):
                        results[g] = res
        if hasattr(backend, "n_passes"):  # Dask: round trips of the whole search
            self._dask_passes = backend.n_passes
        return results

    def _descend(self, backend, base_loss, k, part, grid, F, sums, moments, itemsize, kind,
                 starts):
        """One batch: the groups ``part`` (indices candidate·F + fold), whose weights are
        the columns of ``backend.s``, each from its start (``starts``: a host [w; b] in
        the original coordinates, or None for zeros)."""
        penalties, stds, lrs = [], [], []
        for g in part:
            params, f = grid[g // F], g % F
            pen = ElasticNet.scaled(params["C"], params.get("l1_ratio", 0.0), sums[f], itemsize)
            penalties.append(pen)
            stds.append(Standardization(
                moments[f], fit_intercept=self.fit_intercept, l2=pen.l2,
                curvature=base_loss.curvature, xp=backend.xp,
            ))
            lrs.append(params.get("learning_rate", "auto"))
        objective = _batch.make_batch(
            backend, base_loss, k, penalties=penalties,
            standardizations=stds, standardized=kind == "auto",
            fit_intercept=self.fit_intercept,
        )
        rule = _batch.RULES[self.solver]("auto" if kind == "auto" else lrs)
        coef0 = objective.zeros()
        d = backend.n_features
        starts = [c if c is None else np.concatenate([pen.floored(c[:d]), c[d:]])
                  for c, pen in zip(starts, penalties, strict=True)]  # (unfloored's inverse)
        if any(c is not None for c in starts):
            # Each group's start in the coordinates it descends in (its fold's
            # standardization, which depends on its C): T⁻¹ of [w; b].
            coef0 = objective.T.from_base(backend.asarray(np.concatenate(
                [np.zeros(coef0.shape[:1] + (k,)) if c is None else c for c in starts], axis=1)))
        if self.verbose:
            print(f"batch of {len(part)} columns:"
                  f" {_messages.candidates_text(grid, {g // F for g in part})}")
        # As in the single fit, overflow is part of the algorithm (see _fit_descent).
        with np.errstate(over="ignore", invalid="ignore", under="ignore", divide="ignore"):
            out = _batch.minimize_batch(
                objective, coef0, rule, max_iter=self.max_iter, tol=self.tol,
                callback=self._progress(len(part)),
            )
        if self.verbose:  # the batch's last iterations may fall between the printed ones
            print(_batch_summary(out))
        for result, pen in zip(out, penalties, strict=True):  # the single fits' weights
            result.coef[:d] = pen.unfloored(result.coef[:d])
        return out

    def _progress(self, n_columns):
        """The batch's per-iterate callback: verbose lines and scikit-learn's callbacks.

        Each iteration of the batch is a sub-task of the search for the
        callback API (``set_callbacks``); an end hook that returns True stops
        every column of the search.
        """
        every = 1 if self.verbose > 1 else max(1, self.max_iter // 20)
        root = getattr(self, "_search_ctx", None)
        if not self.verbose and root is None:
            return None

        def callback(k, active, J, opt):
            if self.verbose and (k < 20 or k % every == 0):
                print(
                    f"iter {k:6d}  columns left {len(active):4d}/{n_columns}"
                    f"  J in [{J.min():.6g}, {J.max():.6g}]  max |grad| = {opt.max():.3e}"
                )
            if root is None:
                return False
            # The previous iteration ends (k = 0: the last, never taken, of a batch before);
            # a stop asked there or in an earlier batch stops this one's columns too
            self._end_iteration()
            self._iteration_ctx = root.subcontext(task_name="search-iteration")
            self._iteration_ctx.call_on_fit_task_begin(estimator=self)
            return bool(self._stop_asked)

        return callback

    def _end_iteration(self):
        """End the callback task of the current batch iteration; True: a callback asks to
        stop (remembered: every later column of the search stops too, review 170)."""
        ctx = self.__dict__.pop("_iteration_ctx", None)
        asked = ctx is not None and bool(ctx.call_on_fit_task_end(estimator=self))
        self._stop_asked = getattr(self, "_stop_asked", False) or asked
        return asked

    def _callbacks_begin(self, X, y, sample_weight):
        """The root task of scikit-learn's callback API, if callbacks are set."""
        if not (getattr(self, "_skl_callbacks", None) or hasattr(self, "_parent_callback_ctx")):
            return
        self._stop_asked = False  # (an end hook's request to stop, once made)
        self._search_ctx = self._init_callback_context(max_subtasks=None)
        self._search_ctx.call_on_fit_task_begin(
            estimator=self, X=X, y=y, metadata={"sample_weight": sample_weight}
        )

    @contextmanager
    def _sub_task(self, name, est):
        """``est``'s fit as a sub-task of the search's callback root, the search's
        auto-propagated callbacks propagated to it (as GridSearchCV's fits and refit);
        nothing without callbacks. ``propagate_callback_context`` is a context manager:
        called bare it would propagate nothing."""
        root = getattr(self, "_search_ctx", None)
        if root is None:
            yield
            return
        ctx = root.subcontext(task_name=name)
        with ctx.propagate_callback_context(est):  # a propagated callback's hooks: est's
            ctx.call_on_fit_task_begin(estimator=self)
            yield
        if ctx.call_on_fit_task_end(estimator=self):  # a stop asked: the later columns stop
            self._stop_asked = True

    def _callbacks_end(self, X, y, sample_weight):
        root = getattr(self, "_search_ctx", None)
        if root is None:
            return
        root.call_on_fit_task_end(
            estimator=self, X=X, y=y, metadata={"sample_weight": sample_weight},
            reconstruction_attributes={},
        )
        del self._search_ctx

    def _fit_one_by_one(self, X, y, y_idx, classes, sample_weight, grid, folds, path):
        """The columns fitted one after another (solvers without a batched form), each
        warm-started from its previous C's fit where ``path`` says so."""
        F = len(folds)
        results, fitted = [None] * (len(grid) * F), {}
        stages, previous = path
        # the fits each previous one starts: a repeated C's twins start from the same one,
        # a copy for all but the last (review 167)
        starts = collections.Counter(previous.values())
        X = X.tocsr() if sp.issparse(X) else X  # its rows, as GridSearchCV's (see _score)
        for stage in stages:
            for i in stage:
                for f, (train, _) in enumerate(folds):
                    g, p = i * F + f, previous.get(i * F + f)
                    est = _take_start(fitted, starts, p)
                    if est is None or _warm_start(results, p) is None:
                        est = self._base(**grid[i], verbose=self.verbose)
                    else:  # the previous C's model (coef_, intercept_) is the start
                        est.set_params(**grid[i], warm_start=True)
                    # (one number: every row's, as the single fit takes it; review 182)
                    sw = sample_weight if sample_weight is None or isinstance(
                        sample_weight, Real) else _rows(sample_weight, train)
                    stopped = getattr(self, "_stop_asked", False)
                    if stopped:  # a callback asked to stop: the column stays at its start,
                        est.set_params(max_iter=0)  # as a batch's columns stop (review 170)
                    if self.verbose:  # each column's own lines follow (its verbose)
                        print(f"column {g + 1}/{len(results)}: {grid[i]}, fold {f}")
                    with warnings.catch_warnings():  # the search's one warning names them
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        with self._sub_task("search-column", est):
                            est.fit(_rows(X, train), _rows(y, train), sample_weight=sw)
                    results[g] = _one_result(est, self.fit_intercept, classes)
                    if stopped:
                        results[g].stop_reason, results[g].converged = "callback", False
                        est.set_params(max_iter=self.max_iter)
                    if self.warm_start_path:
                        fitted[g] = est
        return results

    # ------------------------------------------------------------- scoring
    def score(self, X, y, sample_weight=None, **score_params):
        """The search's ``scoring`` on (X, y) (accuracy where it is None), as
        ``LogisticRegressionCV.score`` and ``GridSearchCV.score`` give it; a
        two-class metric whose default ``pos_label`` does not score the labels
        scores the last class, as the search's own scores did (where those raise).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights, passed to the scorer.
        **score_params : dict
            Metadata that the scorer requests, routed to it under
            ``sklearn.set_config(enable_metadata_routing=True)`` only.

        Returns
        -------
        score : float
            The score of the fitted model.
        """
        routed = self._routed("score", score_params)["score"]
        if self.scoring is None and not routed:
            return super().score(X, y, sample_weight=sample_weight)
        scorer = get_scorer(self.scoring)
        if sample_weight is not None and _refuses_weights(scorer):
            # routed to nothing, as LogisticRegressionCV.score and GridSearchCV.score refuse
            # it (dropped, the score was unweighted without a word; review 167)
            raise TypeError(_messages.unrouted_weights(self))
        kw = {} if sample_weight is None else {"sample_weight": sample_weight}
        kw.update(routed)
        # the fit's pos_label rule: where the metric's default does not score these
        # labels (LogisticRegressionCV.score raises), the class its best_score_ scored
        # the refitted model, as GridSearchCV.score passes best_estimator_ (the search
        # itself made a scorer that calls est.score recurse, and one reading est.C fail)
        return _with_pos_label(scorer, _to_numpy(self.classes_))(
            self._scoring_model(), X, y, **kw)

    def _scoring_model(self):
        """The model :meth:`score` scores: ``best_estimator_``, or with ``refit=False`` a
        GradientDescentLogisticRegression holding this search's (averaged) model."""
        check_is_fitted(self)
        est = getattr(self, "best_estimator_", None)
        if est is not None:
            return est
        # (a model set by hand has no C_: the base estimator's, review 171)
        est = self._base(**({"C": _first(self.C_), "l1_ratio": _first(self.l1_ratio_)}
                            if hasattr(self, "C_") else {}))
        for name in ("coef_", "intercept_", "classes_", "n_features_in_",
                     "feature_names_in_"):
            if hasattr(self, name):
                setattr(est, name, getattr(self, name))
        return est

    def _model(self, coef, classes, params=None, named=True, result=None):
        """A fitted GradientDescentLogisticRegression with the column's coefficients
        (and its candidate's parameters, for a scorer that reads them); with the search's
        feature names unless ``named`` is False (a scorer given arrays, not the frame); with
        the column's ``result`` (:class:`gdlogreg._batch.GroupResult`), the fit's own
        attributes too, as GridSearchCV's fold model has them (a scorer may read
        ``converged_``)."""
        est = self._base(**(params or {}))
        d = self.n_features_in_
        est.coef_ = self._as_fitted(coef[:d].T)
        # K classes' intercepts summing to 0, as the single fits' (an average of columns too)
        est.intercept_ = self._as_fitted(_intercepts_summing_to_zero(coef[d], np)
                                         if len(coef) > d else np.zeros(coef.shape[1]))
        est.intercept_ = self._finite_floor(est.intercept_)
        est.classes_ = classes
        est.n_features_in_ = d
        if result is not None:
            est.n_iter_ = self._as_fitted([result.n_iter], dtype=_int32(self._namespace[0]))
            est.loss_curve_ = self._as_fitted(result.loss_curve, dtype=np.float64) if (
                self._namespace[0] is np) else self._as_fitted(result.loss_curve)
            est.converged_, est.stop_reason_ = bool(result.converged), result.stop_reason
            est.learning_rate_ = float(result.step)
        if named and hasattr(self, "feature_names_in_"):  # it scores the user's DataFrame
            est.feature_names_in_ = self.feature_names_in_
        return est

    def _finite_floor(self, b):
        """Intercepts with the -inf of a class a fold lacks (:func:`_never_absent`) as the
        most negative float of their dtype: the same predictions and probabilities, and a
        decision_function that scorers checking it accept (top_k_accuracy, review 197)."""
        xp = self._namespace[0]
        if not bool(xp.any(xp.isinf(b))):
            return b
        floor = -xp.finfo(b.dtype).max
        if xp is np:  # (numpy before 2.0 has no device= in asarray)
            return np.where(np.isinf(b), b.dtype.type(floor), b)
        return xp.where(xp.isinf(b), xp.asarray(floor, dtype=b.dtype,
                                                 device=getattr(b, "device", None)), b)

    def _as_param(self, a):
        """Hyperparameter values (C, l1_ratio) as a fitted attribute: float64 (where the
        namespace and device have it), as ``LogisticRegressionCV``'s, whatever X's
        dtype: a grid's 0.1 stays the 0.1 the user gave."""
        xp, device, _ = self._namespace
        return self._as_fitted(a, dtype=max_precision_float_dtype(xp, device))

    def _as_fitted(self, a, dtype=None):
        """A host array as a fitted attribute: in X's namespace, on its device and in
        its dtype (``dtype``: another one, e.g. int32 for iteration counts)."""
        xp, device, x_dtype = self._namespace
        dtype = x_dtype if dtype is None else dtype
        # A C beyond float32's range is inf there, as the fit's penalty 1/C was 0.
        with np.errstate(over="ignore"):
            if xp is np:
                return np.ascontiguousarray(a, dtype=dtype)
            return xp.asarray(np.ascontiguousarray(a), dtype=dtype, device=device)

    def _score(self, X, y, sample_weight, results, folds, scorer, classes, grid, params):
        """The validation score of every column, and the time it took.

        With sample weights (and a scorer that takes them) the score is
        weighted, as ``GridSearchCV`` does. The default scoring (the estimator's
        accuracy) of numpy X is taken by :func:`_accuracy`, the scorer's own
        arithmetic without its checks (benchmarks/README.md, "The default accuracy
        without the scorer's checks"). ``params``: each fold's metadata routed to the
        scorer.
        """
        F = len(folds)
        scores = np.empty((len(results) // F, F))
        times = np.empty_like(scores)
        by_hand = self._plain_accuracy(X, y) and not any(params)
        score = _accuracy if by_hand else (
            lambda model, X_test, y_test, **kw: _one_number(scorer(model, X_test, y_test, **kw)))
        if sp.issparse(X):  # rows of CSR, as GridSearchCV's ``indexable`` takes them (scipy's
            X = X.tocsr()  # row indexing of a CSC whose arrays outrun indptr corrupts the heap)
        # a Dask DataFrame's rows are scored as its array (no rows by position): models
        # without its names then, or each prediction would warn (review 145)
        named = hasattr(X, "iloc") or _is_polars(X)
        for f, (_, test) in enumerate(folds):  # a fold's test rows taken once, for all candidates
            tic = time.perf_counter()
            X_test, y_test = _rows(X, test), _rows(y, test)
            if by_hand and sp.issparse(X_test):  # in CSR once, not once a candidate
                X_test = X_test.tocsr()
            kw = {} if sample_weight is None else {
                "sample_weight": _summable(_rows(sample_weight, test))}
            kw.update(params[f])
            share = (time.perf_counter() - tic) / scores.shape[0]  # each candidate's share
            for c in range(scores.shape[0]):
                tic = time.perf_counter()
                model = self._model(_never_absent(results[c * F + f].coef, X.shape[1]),
                                    classes, grid[c], named, result=results[c * F + f])
                scores[c, f] = score(model, X_test, y_test, **kw)
                times[c, f] = time.perf_counter() - tic + share
            del X_test, y_test, kw  # one fold's rows at a time
        return scores, times

    def _plain_accuracy(self, X, y):
        """Whether the score is GradientDescentLogisticRegression's own accuracy
        (``scoring=None`` and the base estimator of that very class: a subclass may
        override ``score``, ``predict`` or ``decision_function``) of numpy X and y: then
        :func:`_accuracy` takes it."""
        return (self.scoring is None and type(self._base()) is GradientDescentLogisticRegression
                and (isinstance(X, np.ndarray) or sp.issparse(X))
                and isinstance(y, np.ndarray) and self._namespace[0] is np)

    def _set_results(self, grid, axes, folds, results, scores, fit_time, score_times, classes):
        F = len(folds)
        with np.errstate(invalid="ignore"):  # inf scores: std is nan, as GridSearchCV's
            mean, std = scores.mean(axis=1), scores.std(axis=1)
        if not np.isfinite(mean).all():
            warnings.warn(_messages.non_finite_scores(mean), UserWarning,
                          stacklevel=_messages.user_stacklevel())
        rank = rankdata(-np.where(np.isnan(mean), -np.inf, mean), method="min").astype(np.int32)
        # fit_time is one column's (one fold's fit), the mean over folds GridSearchCV reports
        cv_results = {"mean_fit_time": np.full(len(grid), fit_time),
                      "std_fit_time": np.zeros(len(grid)),
                      "mean_score_time": score_times.mean(axis=1),
                      "std_score_time": score_times.std(axis=1)}
        for name in axes:
            cv_results[f"param_{name}"] = _param_column([p[name] for p in grid])
        cv_results["params"] = grid
        for f in range(F):
            cv_results[f"split{f}_test_score"] = scores[:, f]
        cv_results.update(mean_test_score=mean, std_test_score=std, rank_test_score=rank)
        self.cv_results_ = cv_results
        self.best_index_ = int(np.argmin(rank))
        self.best_params_ = grid[self.best_index_]
        self.best_score_ = float(mean[self.best_index_])
        self.n_splits_ = F
        shape = tuple(len(v) for v in axes.values())
        self.Cs_ = self._as_param(axes["C"])
        self.l1_ratios_ = self._as_param(axes.get("l1_ratio", [0.0]))
        self.learning_rates_ = list(axes.get("learning_rate", ["auto"]))
        grid_scores = np.moveaxis(scores.reshape(*shape, F), -1, 0)
        coefs = np.stack([r.coef.T for r in results])  # (columns, k, n_dof)
        if self.fit_intercept:  # K classes' intercepts as the single fits' (summing to 0)
            coefs[..., -1] = _intercepts_summing_to_zero(coefs[..., -1], np)
        coefs = np.moveaxis(coefs.reshape(*shape, F, *coefs.shape[1:]), len(shape), 0)
        keys = classes[1:] if len(classes) == 2 else classes
        self.scores_ = {c: grid_scores for c in keys}
        self.coefs_paths_ = {c: coefs[..., j, :] for j, c in enumerate(keys)}
        self.n_iter_ = self._as_fitted(np.moveaxis(
            np.array([r.n_iter for r in results]).reshape(*shape, F), -1, 0
        )[None], dtype=_int32(self._namespace[0]))
        self.loss_curves_ = [r.loss_curve for r in results]
        self.stop_reasons_ = [r.stop_reason for r in results]
        self._results = results
        self._grid_, self._folds = grid, folds

    # --------------------------------------------------------------- refit
    def _refit_start(self, est):
        """With ``warm_start_path``, start the refit ``est`` from the mean of the best
        candidate's fold solutions, as LogisticRegressionCV does; True if it does."""
        if not self.warm_start_path:
            return False
        F, i = self.n_splits_, self.best_index_
        starts = [c for c in (_warm_start(self._results, i * F + f) for f in range(F))
                  if c is not None]
        if not starts:
            return False
        model = self._model(np.mean(starts, axis=0), self.classes_)
        est.set_params(warm_start=True)
        est.coef_, est.intercept_ = model.coef_, model.intercept_
        return True

    def _refit(self, X, y, sample_weight):
        best = self.best_params_
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        if self.refit:
            est = self._base(**best, verbose=self.verbose)
            self._refit_start(est)  # a warm start from the folds, with warm_start_path
            if self.verbose:
                print(f"refit {best} on all {X.shape[0]} rows")
            with self._sub_task("refit", est):
                tic = time.perf_counter()
                est.fit(X, y, sample_weight=sample_weight)
                self.refit_time_ = time.perf_counter() - tic
            # its parameters are the candidate's (the search's verbose printed its fit)
            est.set_params(warm_start=False, verbose=0)
            if hasattr(self, "feature_names_in_"):  # it was fitted on the validated array
                est.feature_names_in_ = self.feature_names_in_
            self.best_estimator_ = est
            self.coef_, self.intercept_ = est.coef_, est.intercept_
            C, l1_ratio, lr = best["C"], best.get("l1_ratio", 0.0), best.get("learning_rate",
                                                                               "auto")
        else:
            # Each fold's best candidate, averaged (LogisticRegressionCV's refit=False).
            F = self.n_splits_
            scores = np.column_stack([self.cv_results_[f"split{f}_test_score"]
                                      for f in range(F)])
            picks = np.argmax(np.where(np.isnan(scores), -np.inf, scores), axis=0)
            coef = _fold_mean([self._results[p * F + f].coef for f, p in enumerate(picks)])
            model = self._model(_never_absent(coef, self.n_features_in_), self.classes_)
            self.coef_, self.intercept_ = model.coef_, model.intercept_
            grid = self._grid_
            C = float(np.mean([grid[p]["C"] for p in picks]))
            for name in ("best_estimator_", "refit_time_"):  # a refit=True fit's before
                self.__dict__.pop(name, None)
            l1_ratio = float(np.mean([grid[p].get("l1_ratio", 0.0) for p in picks]))
            lr = grid[self.best_index_].get("learning_rate", "auto")
        self.C_ = self._as_param(np.full(n_out, C))
        self.l1_ratio_ = self._as_param(np.full(n_out, l1_ratio))
        self.learning_rate_ = lr
        if not self.use_legacy_attributes:
            self._simplify_attributes()
        del self._results, self._grid_, self._folds, self._namespace
        if self.verbose:
            print(f"{type(self).__name__}: best {best} with score {self.best_score_:.6g}",
                  file=sys.stdout)

    def _simplify_attributes(self):
        """``LogisticRegressionCV(use_legacy_attributes=False)``'s attributes (scikit-learn
        1.8, its default from 1.10): C_ and l1_ratio_ as floats, and one array each, with
        an l1_ratios axis (of 1 where none is searched) before the Cs axis, for scores_
        (n_folds, n_l1_ratios, n_Cs), n_iter_ (the same) and coefs_paths_ (n_folds,
        n_l1_ratios, n_Cs, n_classes, n_dof; one class for two); the learning rates'
        axis, where searched, after the Cs'. From the legacy ones, which :meth:`_refit` and
        :meth:`_set_results` set."""
        searched_l1 = self.l1_ratios is not None

        def grid_axes(a):  # (F, n_Cs[, n_l1][, n_lr], ...) -> (F, n_l1, n_Cs[, n_lr], ...)
            return np.swapaxes(a if searched_l1 else np.expand_dims(a, 2), 1, 2)

        scores = next(iter(self.scores_.values()))  # the same for every class
        # fitted arrays now, not a dict's entries: in X's namespace (scikit-learn's array-API
        # check), the scores in float64 as on numpy (or the device's widest float)
        xp, device, _ = self._namespace
        self.scores_ = self._as_fitted(grid_axes(scores),
                                       dtype=max_precision_float_dtype(xp, device))
        self.coefs_paths_ = self._as_fitted(
            grid_axes(np.stack(list(self.coefs_paths_.values()), axis=-2)))
        self.n_iter_ = self._as_fitted(grid_axes(_to_numpy(self.n_iter_)[0]),
                                       dtype=_int32(self._namespace[0]))
        self.C_ = float(_to_numpy(self.C_)[0])
        self.l1_ratio_ = float(_to_numpy(self.l1_ratio_)[0])


def _first(a):
    """The first value of a fitted hyperparameter (``C_`` of shape (K,), or a float)."""
    return float(a) if isinstance(a, (int, float)) else float(np.ravel(_to_numpy(a))[0])


def _split_inputs(X_in, X, y_in, y_host):
    """What the ``cv`` splitter sees, as GridSearchCV shows it the data (a splitter may hold
    out or order rows by a feature): the user's DataFrame or Series, numpy or sparse X as
    validated and y's labels; array-API and Dask data as host stand-ins (X's rows as
    zeros, y's labels)."""
    if _dask.is_dask(X_in) or not (isinstance(X, np.ndarray) or sp.issparse(X)):
        X_split = np.zeros((len(y_host), 1))
    else:
        X_split = _scored(X_in, X)
    y_frame = (hasattr(y_in, "iloc") or _is_polars(y_in)) and not _dask.is_dask(y_in)
    return X_split, (y_in if y_frame else y_host)


def _int32(xp):
    return np.int32 if xp is np else xp.int32


def _scored(given, validated):
    """What a scorer sees of X or y: the rows of the user's pandas or polars DataFrame or
    Series, as GridSearchCV passes them (a scorer may read a column by name; the candidate
    knows the frame's feature names), else of the validated array."""
    frame = hasattr(given, "iloc") or _is_polars(given)
    return given if frame and not _dask.is_dask(given) else validated


def _is_polars(a):
    """A polars DataFrame or Series (told by its module, without importing polars)."""
    return type(a).__module__.partition(".")[0] == "polars"


def _param_column(values):
    """A ``param_*`` column of cv_results_ in GridSearchCV's dtype: the values' own
    (float for numbers), object where one is a string ("auto")."""
    dtype = np.asarray(values).dtype
    dtype = object if dtype.kind == "U" else dtype
    return np.ma.MaskedArray(np.asarray(values, dtype=dtype), mask=False)


def _takes_weights(scorer):
    """Whether a scorer takes ``sample_weight`` (scikit-learn's test in GridSearchCV).

    Under metadata routing, not where the scorer refused them
    (``set_score_request(sample_weight=False)``) or asked for them by an alias (then
    routed by that name): ``LogisticRegressionCV`` and
    ``GridSearchCV`` route them by that request. Where it is left unset they are
    taken, as without routing (``LogisticRegressionCV`` raises then).
    """
    if _refuses_weights(scorer):
        return False
    if hasattr(scorer, "_accept_sample_weight"):
        return scorer._accept_sample_weight()
    func = getattr(scorer, "_score_func", scorer)
    return "sample_weight" in inspect.signature(func).parameters


def _refuses_weights(scorer):
    """Whether, under metadata routing, the scorer's request leaves ``sample_weight`` out:
    refused (False), or taken under an alias (``"sw2"``: routed by that name only)."""
    if not (get_config()["enable_metadata_routing"] and hasattr(scorer, "get_metadata_routing")):
        return False
    request = scorer.get_metadata_routing().score.requests.get("sample_weight")
    return request is False or isinstance(request, str)


def _weights_for_scores(scorer, sample_weight, host):
    """The weights the validation scores take, as GridSearchCV's, or None: none given, a
    scalar (no weighted mean changes), or a scorer that takes none, of which GridSearchCV
    warns without metadata routing (the fits are weighted, the scores not)."""
    if sample_weight is None or np.isscalar(sample_weight):
        return None
    if _takes_weights(scorer):
        return _scored_weights(sample_weight, host)
    if not get_config()["enable_metadata_routing"]:
        warnings.warn(_messages.unweighted_scores(scorer), UserWarning,
                      stacklevel=_messages.user_stacklevel())
    return None


def _with_labels(scorer, classes):
    """The scorer, told every class where its metric reads probabilities or decisions
    and takes ``labels``: a test fold may lack a class the model knows (log_loss
    raises then). LogisticRegressionCV passes ``labels=classes`` too
    (``sklearn/linear_model/_logistic.py``, ``_log_reg_scoring_path``); a test fold
    with every class scores as before.
    """
    func = getattr(scorer, "_score_func", None)
    method = getattr(scorer, "_response_method", "predict")
    if func is None or method == "predict" or "labels" in getattr(scorer, "_kwargs", {}):
        return scorer
    if "labels" not in inspect.signature(func).parameters:
        return scorer
    scorer = copy.copy(scorer)
    scorer._kwargs = {**scorer._kwargs, "labels": classes}
    return scorer


def _with_pos_label(scorer, classes):
    """The scorer of a two-class metric of ``pos_label`` (f1, precision, recall, jaccard,
    Brier's) told to score the last class where its default does not score these labels
    (:func:`_default_scores`: string labels, or {-1, 0}): there GridSearchCV raises, and
    LogisticRegressionCV passes ``pos_label=classes[-1]`` (``_log_reg_scoring_path``); a
    pos_label the user set, or a valid default, stays (GridSearchCV's scores)."""
    func = getattr(scorer, "_score_func", None)
    kwargs = getattr(scorer, "_kwargs", None)
    if len(classes) != 2 or func is None or kwargs is None or "pos_label" in kwargs:
        return scorer
    default = inspect.signature(func).parameters.get("pos_label")
    if default is None or kwargs.get("average", "binary") != "binary":
        return scorer
    if _default_scores(default.default, classes):
        return scorer
    scorer = copy.copy(scorer)
    scorer._kwargs = {**kwargs, "pos_label": classes[-1]}
    return scorer


def _default_scores(default, classes):
    """Whether a metric's default ``pos_label`` scores these two classes: a label among
    them (f1's 1), or None (Brier's: 1 of {0, 1} and {-1, 1}, else the greater label) where
    they are not strings, which scikit-learn refuses to order (review 55)."""
    if default is None:
        return np.asarray(classes).dtype.kind not in "OUS"
    return any(_same_label(c, default) for c in classes)


def _same_label(c, label):
    """Whether the class label c equals ``label`` as numpy compares them (a string: never)."""
    return not isinstance(c, str | bytes) and bool(np.asarray(c == label))


def _accuracy(model, X, y, sample_weight=None):
    """``model.score(X, y, sample_weight)`` for numpy X: ClassifierMixin's accuracy of
    LinearClassifierMixin's predictions, in their arithmetic (X in CSR as its checks make
    it, ``safe_sparse_dot(X, coef_.T) + intercept_``, z > 0 or the argmax, the weighted
    mean of the hits), so that it equals the scorer's to the last bit."""
    if sp.issparse(X) and X.format != "csr":
        X = X.tocsr()
    with np.errstate(over="ignore", invalid="ignore"):  # as decision_function
        z = safe_sparse_dot(X, model.coef_.T, dense_output=True) + model.intercept_
    pred = model.classes_[(z[:, 0] > 0).astype(int) if z.shape[1] == 1 else z.argmax(axis=1)]
    return float(np.average(pred == y, weights=sample_weight))


def _once(fn):
    """``fn``, called at the first call only; later calls return that first result."""
    memo = []

    def call(*args):
        if not memo:
            memo.append(fn(*args))
        return memo[0]
    return call


def _batch_summary(results):
    """A batch's verbose last line: its columns' stops and their iterations."""
    stops = {}
    for r in results:
        stops[r.stop_reason] = stops.get(r.stop_reason, 0) + 1
    its = [r.n_iter for r in results]
    return (f"batch done: {', '.join(f'{n} {why}' for why, n in sorted(stops.items()))};"
            f" {min(its)} to {max(its)} iterations")


def _test_params(params, n, test):
    """The metadata ``params`` of a fold's test rows: each array-like of n entries cut
    to rows ``test``, the others as given (scikit-learn's ``_check_method_params``)."""
    out = {}
    for name, value in params.items():
        shape = getattr(value, "shape", None)
        if shape is None and hasattr(value, "__len__") and not isinstance(value, (str, dict)):
            shape = (len(value),)
        if shape and shape[0] == n:  # COO and other sparse formats without rows by index
            out[name] = _rows(value.tocsr() if sp.issparse(value) else value, test)
        else:
            out[name] = value
    return out


def _one_number(value):
    """A score, or a TypeError: one real number, as GridSearchCV's ``_score`` takes it:
    unwrapped by ``.item()`` where that holds one (a numpy scalar, a one-element array),
    then any ``numbers.Number`` but a complex one (a Decimal, a Fraction; review 191)."""
    number = value
    if hasattr(number, "item"):
        try:
            number = number.item()
        except ValueError:  # (more than one element)
            pass
    if isinstance(number, Number) and not isinstance(number, complex):
        try:
            return float(number)
        except (TypeError, ValueError, OverflowError):
            pass
    raise TypeError(f"scoring must return one number; got {value!r}.")


def _summable(w):
    """The test rows' weights for the scorer, scaled by a power of two where their sum
    overflows (weights near the float limit): exact, so no weighted mean changes. A
    Series (passed on as GridSearchCV passes it) is scaled as its values are."""
    a = w.to_numpy() if hasattr(w, "iloc") else w
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f" or not a.size:
        return w
    with np.errstate(over="ignore"):
        if np.isfinite(a.sum()):
            return w
    # max < 2^e, so the sum of the n scaled weights is below n·2^-ceil(log2 n) <= 1
    e = int(np.frexp(a.max())[1]) + math.ceil(math.log2(len(a)))
    return np.ldexp(w, -e)


def _numbers(name, values, auto=False):
    """The grid's values of ``name`` as floats, integers and numpy floats kept (as
    GridSearchCV keeps them in ``params`` and a ``param_*`` column of their dtype: float32
    Cs give a float32 column), and "auto" where ``auto``; or a TypeError naming the
    parameter."""
    # a numpy array's own scalars (its object copy would hold Python floats)
    items = np.ravel(values) if isinstance(values, np.ndarray) else None
    values = np.asarray(values, dtype=object)
    if values.ndim > 1:  # ParameterGrid's rule: a grid is one-dimensional
        raise ValueError(f"The grid of {name} must be one-dimensional; got shape {values.shape}.")
    out = []
    for v in np.ravel(values) if items is None else items:
        if auto and isinstance(v, str):
            out.append(v)
            continue
        try:
            if isinstance(v, (str, bytes, complex, np.complexfloating)):
                raise TypeError
            number = float(v)
            # float64s as Python floats (the same column), narrower floats kept
            kept = isinstance(v, (Integral, np.floating)) and not isinstance(v, (bool, float))
            out.append(v if kept else number)
        except OverflowError:  # a Python int past the float range: 10**400
            raise ValueError(
                f"Every {name} of the grid must be in the float range (up to about 1.8e308);"
                " got an integer beyond it" + (" (use np.inf for no penalty)." if name == "C"
                                               else ".")
            ) from None
        except (TypeError, ValueError):
            raise TypeError(
                f"Every {name} of the grid must be a real number"
                + (' or "auto"' if auto else "") + f"; got {v!r}."
            ) from None
    return out


def _checked_weights(sample_weight, n):
    """The sample weights, checked once as the single fit checks them, before a fold
    masks them: ``(sample_weight, host)``, ``host`` a float64 numpy vector or None.

    A 0-d array is a scalar. Dask weights of in-memory X are computed here, so that
    their NaN is named (review 145); Dask X's are checked with it (``_dask.validated``).
    """
    if sample_weight is None:
        return sample_weight, None
    if _dask.is_dask(sample_weight):
        sample_weight = np.asarray(sample_weight.compute())
    if sp.issparse(sample_weight):  # np.asarray would make it a 0-d object array
        raise TypeError("sample_weight must be dense (a 1-D array), not a sparse matrix;"
                        " use sample_weight.toarray().ravel().")
    if getattr(sample_weight, "ndim", None) == 0:
        sample_weight = float(sample_weight)
    check_finite_scalar_weight(sample_weight)
    if isinstance(sample_weight, Real):
        host = np.full(n, float(sample_weight))
        check_sample_weight(host, np.empty((n, 0)), ensure_non_negative=True)
    else:
        with weights_in_float_range():
            host = finite_sample_weight(check_sample_weight(
                _to_numpy(sample_weight) if hasattr(sample_weight, "__array_namespace__")
                else np.asarray(sample_weight), np.empty((n, 0)), dtype=np.float64,
                ensure_non_negative=True,
            ), np)
    check_some_weight(bool(np.any(host > 0)))
    return sample_weight, host


def _scored_weights(sample_weight, host):
    """The weights the scores take: the user's container (a Series, as GridSearchCV
    passes it), but numbers given as strings or objects (``w.astype(str)``, which the
    fits take) as ``host``, the checked float64 ones, as LogisticRegressionCV scores."""
    weights = sample_weight if hasattr(sample_weight, "shape") else np.asarray(sample_weight)
    # an array-API dtype has no kind: its numbers are the user's, in y's namespace
    if host is not None and getattr(weights.dtype, "kind", "f") not in "biuf":
        return host
    return weights


def _check_class_weight(class_weight, classes):
    """A class_weight dict must name only labels of y (as the single fit requires),
    with finite non-negative values: checked once, not in a fold."""
    if isinstance(class_weight, dict):
        class_weight_vector(class_weight, classes, np.ones(len(classes)))  # labels, values


def _check_folds(folds, n, weights, weighted_scores):
    """The folds as (train, test) arrays, each checked: non-empty indices or masks of the
    n rows (lists and tuples of them too, as GridSearchCV takes them); with ``weights``
    (host, or None), training rows of some weight, and test rows too when the scores are
    weighted."""
    if not folds:
        raise ValueError(_messages.NO_FOLDS)
    out = []
    for f, pair in enumerate(folds):
        out.append(tuple(_fold_rows(f, kind, rows, n)
                         for kind, rows in zip(("training", "test"), pair, strict=True)))
        for kind, rows in zip(("training", "test"), out[-1], strict=True):
            if weights is None or not (kind == "training" or weighted_scores):
                continue
            if not np.any(weights[rows] > 0):
                raise ValueError(_messages.bad_fold(f, kind, _messages.WEIGHTLESS_TEST
                                                    if kind == "test" else "weigh nothing"))
    return out


def _free(grid, total):
    """The candidates of ``grid`` without a penalty on rows of weight ``total``: C = inf, or
    C·Σs past the float range (:meth:`ElasticNet.scaled`: its penalty is 0), as the single
    fit's ``_penalty_free``."""
    return [c for c, params in enumerate(grid)
            if ElasticNet.scaled(params["C"], 0.0, total).l2 == 0.0]


def _short_folds(folds, y_idx, classes):
    """The folds whose training rows lack some class: {fold: the classes' indices}. They
    are fitted as GridSearchCV fits them, one by one on the classes they have (the batch
    shares one loss over every class); a fold of one class is refused (a fit needs two)."""
    y_idx = y_idx.astype(np.intp)
    short = {}
    for f, (train, _) in enumerate(folds):
        present = np.bincount(y_idx[np.asarray(train)], minlength=len(classes)) > 0
        if present.sum() < 2:
            raise ValueError(_messages.fold_of_one_class(
                f, classes.tolist()[int(np.flatnonzero(present)[0])]))
        if not present.all():
            short[f] = np.flatnonzero(~present)
    return short


def _fold_rows(f, kind, rows, n):
    """The rows of one side of fold f, checked: integer indices or a boolean mask."""
    rows = np.asarray(rows)
    empty = rows.size == 0 or (rows.dtype.kind == "b" and not rows.any())
    if empty:
        raise ValueError(_messages.bad_fold(f, kind, "are empty") if kind == "test"
                         else f"Fold {f} has no training rows.")
    if rows.dtype.kind == "b":
        if rows.shape != (n,):
            raise ValueError(_messages.bad_fold(
                f, kind, f"are a boolean mask of shape {rows.shape}, not ({n},)"))
        return rows
    if rows.dtype.kind not in "iu" or rows.ndim != 1:
        raise ValueError(_messages.bad_fold(
            f, kind, f"must be a 1-D array of integer indices or a boolean mask; got"
            f" dtype {rows.dtype} and shape {rows.shape}"))
    bad = rows[(rows >= n) | (rows < -n)]
    if bad.size:
        raise ValueError(_messages.bad_fold(
            f, kind, f"hold the index {bad[0]}, out of range for {n} samples"))
    return rows


def _check_axes(axes):
    """Every value of the grid in the base estimator's range."""
    for name, values in axes.items():
        if not values:
            raise ValueError(f"The grid of {name} is empty.")
        for v in values:
            bad = (name == "C" and not (v > 0)) or (
                name == "l1_ratio" and not (0.0 <= v <= 1.0)
            ) or (name == "learning_rate" and (
                v != "auto" if isinstance(v, str) else not (0.0 < v < math.inf)))
            if bad:
                raise ValueError(f"Every {name} of the grid must be {_valid_values(name)}, as"
                                 f" for GradientDescentLogisticRegression; got {v!r}.")


def _valid_values(name):
    """What the base estimator takes for ``name``, in scikit-learn's words ("a float in
    the range (0.0, inf]"), from its parameter constraints."""
    return " or ".join(str(c) for c in
                       GradientDescentLogisticRegression._parameter_constraints[name])


def _by_rule(grid, F, candidates):
    """Groups (candidate·F + fold) of the ``candidates`` by learning-rate kind: "auto"
    ones descend in standardized coordinates, fixed steps in the original ones."""
    kinds = {}
    for i in candidates:
        params = grid[i]
        kind = "auto" if isinstance(params.get("learning_rate", "auto"), str) else "fixed"
        kinds.setdefault(kind, []).extend(range(i * F, (i + 1) * F))
    return kinds


def _take_start(fitted, starts, p):
    """The fitted model of group p that a later group starts from (None where there is
    none): taken where it is the last to start from it, else a copy of it."""
    if p not in fitted:
        return None
    starts[p] -= 1
    return fitted.pop(p) if starts[p] <= 0 else copy.deepcopy(fitted[p])


def _path(grid, axes, F, warm):
    """The order of the fits: (stages, previous).

    Cold: one stage of every candidate, no previous fits. Warm: a stage per
    value of C, from the smallest (strongest penalty) up, and ``previous``
    maps each group (candidate·F + fold) of a later stage to the group of the
    previous C with the same fold and the same other parameters (matched by
    value, whatever order the grid lists the candidates in).
    """
    if not warm:
        return [range(len(grid))], {}
    rank = {c: r for r, c in enumerate(sorted(set(axes["C"])))}
    stages = [[] for _ in rank]
    paths = {}  # the other parameters -> [(rank of C, candidate)]
    for i, params in enumerate(grid):
        stages[rank[params["C"]]].append(i)
        rest = tuple(sorted((key, repr(_plain(v))) for key, v in params.items() if key != "C"))
        paths.setdefault(rest, []).append((rank[params["C"]], i))
    previous = {}
    for members in paths.values():
        members.sort()
        last = {}  # rank of C -> the candidate fitted last at that rank
        for r, i in members:
            below = [q for q in last if q < r]
            if below:  # from the largest C below this one (a repeated C: not its twin)
                p = last[max(below)]
                previous.update({i * F + f: p * F + f for f in range(F)})
            last[r] = i
    return [stage for stage in stages if stage], previous


def _plain(value):
    """A numpy scalar as the Python number it holds (0.5 and np.float64(0.5) match)."""
    return value.item() if isinstance(value, np.generic) else value


def _warm_start(results, p):
    """The result of group p as a start ([w; b], original coordinates, host), or None
    (zeros) where there is none, it diverged, or it is not finite."""
    if p is None:
        return None
    res = results[p]
    if res.stop_reason == "diverged" or not np.all(np.isfinite(res.coef)):
        return None
    return res.coef


def _one_result(est, fit_intercept, classes):
    """A single fit's :class:`gdlogreg._batch.GroupResult`; a fit on training rows that
    lack some of the search's K ``classes`` (GridSearchCV's model of that fold knows them
    not) as K columns: NaN for the classes it lacks, ±w/2 for two classes it has (the
    softmax of K classes gives σ(w·x + b) between them)."""
    coef = np.vstack([_to_numpy(est.coef_).T, _to_numpy(est.intercept_)[None, :]])
    own = _to_numpy(est.classes_)
    if len(classes) > 2 and len(own) < len(classes):
        place = {c: i for i, c in enumerate(np.asarray(classes).tolist())}
        at = [place[c] for c in own.tolist()]
        full = np.full((len(coef), len(classes)), np.nan, dtype=coef.dtype)
        full[:, at] = coef if len(own) > 2 else np.hstack([-0.5 * coef, 0.5 * coef])
        coef = full
    return _batch.GroupResult(
        coef=coef if fit_intercept else coef[:-1],
        n_iter=int(_to_numpy(est.n_iter_)[0]),
        loss_curve=_to_numpy(est.loss_curve_), converged=est.converged_,
        stop_reason=est.stop_reason_, step=est.learning_rate_,
        no_minimum=getattr(est, "_why_no_minimum", None),
    )


def _fold_mean(coefs):
    """The folds' coefficients averaged, each class over the folds whose fits had it (NaN
    columns: :func:`_one_result`); NaN for a class that none had."""
    coefs = np.asarray(coefs)
    had = ~np.isnan(coefs)
    with np.errstate(invalid="ignore"):
        return np.where(had, coefs, 0.0).sum(axis=0) / had.sum(axis=0)


def _never_absent(coef, d):
    """A column's coefficients (d or d + 1 rows) to score: the classes its fold lacks (NaN
    columns, :func:`_one_result`) as never predicted, w = 0 and b = -inf (a probability
    of 0), as the fold's own model of the other classes predicts."""
    absent = np.all(np.isnan(coef), axis=0)
    if not absent.any():
        return coef
    out = np.vstack([coef[:d], coef[d:] if len(coef) > d else np.zeros((1, coef.shape[1]))])
    out[:d, absent], out[d, absent] = 0.0, -np.inf
    return out


def _batch_backend(backend, S, folds, k):
    """The backend of a batch whose groups have the weights of ``folds`` (S's columns).

    On numpy the weights are stored in Z's order: column-major, but row-major
    for binary problems on sparse X, where scipy's products want C order.
    """
    if not isinstance(S, np.ndarray):
        xp = backend.xp
        return backend.with_weights(xp.take(S, xp.asarray(folds, device=backend.device), axis=1))
    row_major = k == 1 and hasattr(backend, "row_major") and sp.issparse(backend.X)
    S = S[:, folds]
    batch = backend.with_weights(np.ascontiguousarray(S) if row_major else np.asfortranarray(S))
    if row_major:
        batch.row_major = True
    return batch


def _normalised(X, base_loss, y_idx, weights, xp):
    """The folds' normalised weights as columns of S, their sums, and their moments."""
    dtype = X.dtype
    cols, sums, moments = [], [], []
    for w in weights:
        s, total = normalised_in(w, dtype, xp)
        cols.append(s)
        sums.append(total)
        moments.append(make_backend(X, base_loss, y_idx, s).moments())
    S = np.stack(cols, axis=1) if isinstance(cols[0], np.ndarray) else xp.stack(cols, axis=1)
    return S, sums, moments


def _rows(a, idx):
    """Rows ``idx`` of an array, sparse matrix, DataFrame or Dask collection."""
    if hasattr(a, "iloc"):
        return a.iloc[idx]
    if _is_polars(a):  # rows by integer positions, as scikit-learn's _safe_indexing takes them
        return a[np.asarray(idx, dtype=np.int64)]
    if isinstance(a, np.ndarray) or hasattr(a, "tocsr"):
        return a[idx]
    if _dask.is_dask(a):
        return a[np.asarray(idx)]
    from ._compat import get_namespace, is_numpy_namespace

    xp, _ = get_namespace(a)
    if is_numpy_namespace(xp):  # a list, or an array-like that numpy's functions refuse
        return np.asarray(a)[idx]
    return xp.take(a, xp.asarray(idx, device=getattr(a, "device", None)), axis=0)



