"""What the estimator tells a user whose fit did not converge (ConvergenceWarning texts).

Part of the estimator layer: it reads a :class:`gdlogreg._solver.SolverResult`
and the estimator's parameters. 2/L is the constant step that guarantees
descent in the worst case (the curvature bound σ′ ≤ ¼, or ½ for the softmax,
everywhere); it is no stability limit: a larger step can still converge, as
the local curvature near the optimum is usually smaller.
"""

import math
import os
import sys

import numpy as np
from sklearn.utils.validation import column_or_1d

_PACKAGE = os.path.dirname(os.path.abspath(__file__))
_SKLEARN = os.path.dirname(os.path.abspath(np.__file__)).replace("numpy", "sklearn")

def separable(C):
    """Why J has no minimum where the classes are separable and the penalty is none: C =
    inf, or a C so large that C·Σs overflows and the penalty 1/(C·Σs) is 0
    (:meth:`gdlogreg._penalty.ElasticNet.scaled`)."""
    none = "there is no penalty (C=inf)" if C == math.inf else (
        f"the penalty is 0 in floating point (C={C:.3g}: C times the rows' total weight"
        " overflows)")
    return (
        "The classes are linearly separable, in full or in part (some rows can be classified"
        f" by a margin that grows without misclassifying others), and {none}: the cost has"
        " no minimum (it keeps decreasing as the weights grow without bound), so the weights"
        " depend on tol and max_iter. Use a "
        + ("finite C." if C == math.inf else "smaller C.")
    )


SEPARABLE = separable(math.inf)


def weightless_class(labels):
    """Classes whose rows weigh nothing (sample_weight times class_weight): J falls
    without bound as their unpenalised intercepts go to -inf."""
    one = len(labels) == 1
    return (
        f"The rows of class{'' if one else 'es'} {fmt_labels(labels)} weigh nothing (their"
        " sample_weight times class_weight is 0), and the intercept is not penalised: the"
        " cost has no minimum (it keeps decreasing as the intercept of"
        f" {'that class' if one else 'those classes'} falls without bound), so the model"
        " depends on tol and max_iter. Give those rows some weight, or drop them (and"
        " their label) from the data."
    )


def user_stacklevel():
    """The ``stacklevel`` that points a warning at the first frame outside gdlogreg and
    scikit-learn: the user's call, also through a Pipeline or a search."""
    level, frame = 1, sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith((_PACKAGE, _SKLEARN)):
        level += 1
        frame = frame.f_back
    return level


def _descent(step):
    if not step > 0.0:  # L overflowed (features near the float limit): no rate to name
        return (
            "2/L (L the Lipschitz constant of the gradient) underflows to 0 on features this"
            " large: no constant rate is sure to make J fall; standardize them, or use"
            " learning_rate='auto'"
        )
    return (
        f"2/L ≈ {step:.4g} (L the Lipschitz constant of the gradient) guarantees that J"
        " falls at every step; larger steps may converge too"
    )


def descent_bound(step):
    """2/L for a message: the number, or where it underflows to 0 (L overflowed on
    features near the float limit) what that means (review 164)."""
    if step > 0.0:
        return f"2/L = {step:.3g}"
    return "2/L, which underflows to 0 on features this large (standardize them)"


def unconverged(est, result, hint, descent_step, no_minimum):
    """The warning for a fit that did not converge, or None.

    ``hint``: the step rule's advice; ``descent_step()`` gives 2/L (computed
    only when the text needs it); ``no_minimum()`` why J has no minimum (a
    text), or None.
    """
    if result.stop_reason == "callback":
        return None
    cause = no_minimum() if result.stop_reason != "diverged" else None
    if result.stop_reason == "separated":
        return _separated(result, cause or separable(float(est.C)))
    if result.converged:
        return None if cause is None else _small_gradient(est, cause)
    fixed = not isinstance(est.learning_rate, str)
    if result.diverged:
        return _diverged(est, result, descent_step if fixed else None)
    if result.stop_reason == "stalled":
        if cause is not None:  # J falls as long as the weights grow
            return "The cost could not decrease any further in floating point. " + cause
        return _stalled(est, result, descent_step if fixed else None)
    n = int(est.max_iter)  # max_iter=True is 1, as in LogisticRegression's message
    head = f"GradientDescentLogisticRegression did not converge in {n} iteration{'s' * (n != 1)}"
    if cause is not None:
        return f"{head}. " + cause
    head += f" (solver={est.solver!r}, learning_rate={est.learning_rate!r})."
    return f"{head} {_fixed_step(est, result, descent_step) if fixed else hint}"


def _fixed_step(est, result, descent_step):
    """The advice to a float learning_rate that ran out of iterations."""
    if est.solver in ("gd", "nesterov"):
        return _constant_step(est, result, descent_step())
    if est.solver == "backtracking" and est.learning_rate < descent_step():
        return _capped_step(est, descent_step())
    return (
        "Increase max_iter, use learning_rate='auto' or another solver, or scale"
        " the data (e.g. with StandardScaler)."
    )


def _capped_step(est, step):
    """solver='backtracking' at a float α below 2/L that ran out of iterations: each line
    search starts from α and only shortens it, so α caps every step (review 108)."""
    return (
        "Each line search of solver='backtracking' starts from learning_rate="
        f"{est.learning_rate!r} and only shortens it, so that step caps every step:"
        f" {_descent(step)}. Use a larger learning_rate or learning_rate='auto'."
    )


def _small_gradient(est, cause):
    """A fit stopped by a gradient test where J has no minimum (``cause``: why)."""
    size = float(np.max(np.abs(np.asarray(est._coef_host()))))
    return (
        "The fit stopped because the gradient became small, at weights of size up"
        f" to {size:.3g}. " + cause
    )


def _separated(result, cause):
    """A fit stopped where a margin classifies every row (J near its infimum 0): without a
    penalty, or where one class holds all the rows' weight (``cause`` says which)."""
    return (
        f"GradientDescentLogisticRegression stopped after {result.n_iter}"
        f" iteration{'' if result.n_iter == 1 else 's'}, where every row is classified by"
        f" a margin and J = {result.loss_curve[-1]:.3g} is within tol of its infimum 0. "
        + cause
    )


def rounding_constant(j, spread, dtype):
    """Column j of X varies, but by no more than its dtype's rounding of its mean: the
    standardization holds its weight at 0, as a constant column's."""
    return (
        f"Column {j} of X ({dtype}) varies by only {spread:.1e} of its mean, within a few"
        f" units of {dtype}'s last place: it is treated as constant and its weight held at"
        f" 0, though its values differ. Centre that column (e.g. with StandardScaler) or"
        f" pass X as float64 to fit its weight."
    )


def offset_column(j, ratio, dtype, eps, intercept=True):
    """Why the raw prediction z = X·w + b is noise in X's dtype: column ``j``'s mean is
    ``ratio`` times its spread, and X·w cancels against the intercept (review 65), or
    without one against the other columns' terms (review 198)."""
    digits = max(0, round(-np.log10(eps * ratio)))
    narrow = np.dtype(dtype).itemsize < 8
    if intercept:
        against = "the intercept"
        remedy = " Centre that column (e.g. with StandardScaler)" + (
            " or pass X as float64." if narrow else ".")
    else:
        against = "other columns' (there is no intercept)"
        remedy = (" Pass X as float64, or" if narrow else "") + (
            " centre the columns and fit an intercept (fit_intercept=True).")
    return (
        f"Column {j} of X ({dtype}) has a mean {ratio:.1e} times its standard deviation:"
        f" its share of X·w cancels against {against} and z keeps about {digits}"
        f" significant digit{'' if digits == 1 else 's'} in {dtype}, too few to reach tol."
        + remedy
    )


def uncertified_stop(offset):
    """A stop the rounding of z leaves uncertified (``offset``: :func:`offset_column`'s
    text; dual_gap_ is then NaN)."""
    return (
        "The stopping test passed, but it measured J from a raw prediction z that rounding"
        f" leaves inaccurate, so the fit may be above the accuracy tol asks for and"
        f" dual_gap_ is NaN. {offset}"
    )


def _diverged(est, result, descent_step):
    hint = (
        "Increase max_iter or use another solver." if descent_step is None
        else f"Use a smaller learning_rate or learning_rate='auto': {_descent(descent_step())}."
    )
    # max() skips a nan J (every comparison with nan is False): the peak is nan then.
    peak = np.max(np.asarray(result.loss_curve, dtype=np.float64))
    return (
        f"learning_rate={est.learning_rate!r} made the cost diverge (J rose from"
        f" {result.loss_curve[0]:.4g} to {peak:.4g}); returning the best"
        f" finite iterate (J = {result.loss_curve[-1]:.4g}){_the_start(result)}. " + hint
    )


def _the_start(result):
    """', the start: no step lowered J' where the model returned is the one the fit started
    from (no iterate's J below the first; review 108), else ''."""
    J0 = result.loss_curve[0]
    if any(J < J0 for J in result.loss_curve[1:]):
        return ""
    return ", the start: no step lowered J"


def _stalled(est, result, descent_step):
    if descent_step is not None and result.n_iter == 0:
        return (
            f"learning_rate={est.learning_rate!r} is too large for this data: no step of the"
            " line search, down to 1e-10 times it, decreased the cost, so the model was left"
            " at its start. Use a smaller learning_rate or learning_rate='auto': "
            f"{_descent(descent_step())}."
        )
    return (
        "The line search could not decrease the cost any further in floating point before"
        " the stopping test was met; the model is as accurate as the precision of the data"
        " allows. Consider a larger tol."
    )


def _constant_step(est, result, step):
    """A constant step that ran out of iterations: too large only if J rose and the step
    is at least 2/L (below it J rises with nesterov's momentum, or by rounding)."""
    if result.J_rose and est.learning_rate >= step:
        start = _the_start(result)
        returned = f" The model returned is the best iterate{start}." if start else ""
        return (
            f"J rose at some iterations: learning_rate={est.learning_rate!r} is too large"
            f" for steady descent on this data.{returned} {_descent(step)}. Use a smaller"
            " learning_rate or learning_rate='auto'."
        )
    if result.J_rose:
        why = ("the momentum of solver='nesterov' carried the iterates past the minimum"
               " (it restarts there)" if est.solver == "nesterov"
               else "by the rounding of J in the data's precision")
        return (
            f"J rose at some iterations, {why}; learning_rate={est.learning_rate!r} is"
            f" below 2/L and stable, but max_iter was reached first ({_descent(step)})."
            " Increase max_iter or tol, or use learning_rate='auto'."
        )
    if result.n_iter > 0 and not result.loss_curve[-1] < result.loss_curve[0]:
        return (
            f"J did not fall at all: learning_rate={est.learning_rate!r} is too small to"
            " change the weights in floating point. Increase the learning_rate"
            f" ({_descent(step)}) or use learning_rate='auto'."
        )
    return (
        f"J fell at every iteration: learning_rate={est.learning_rate!r} is stable, but"
        " max_iter was reached first. Increase max_iter or the learning_rate"
        f" ({_descent(step)}), or use learning_rate='auto'."
    )


def candidates_text(grid, candidates):
    """The first three of ``candidates`` (grid indices) by their parameters, for a line."""
    shown = [grid[i] for i in sorted(candidates)[:3]]
    more = len(candidates) - len(shown)
    return ", ".join(map(str, shown)) + (f" and {more} more" if more > 0 else "")


def search_unconverged(est, grid, n_folds, results, no_minimum=None):
    """The warning of a search some of whose fits did not converge, or whose fits
    ``no_minimum`` ({column index: why}) had a cost without a minimum; or None."""
    no_minimum = no_minimum or {}
    stopped = {}
    for g, res in enumerate(results):
        # (a stop on separated rows is told with its fold's missing minimum)
        if not res.converged and not (res.stop_reason == "separated" and g in no_minimum):
            stopped.setdefault(res.stop_reason, set()).add(g // n_folds)
    if not stopped and not no_minimum:
        return None

    def which(candidates):
        return candidates_text(grid, candidates)

    parts = [
        f"{sum(1 for r in results if r.stop_reason == reason)} of {len(results)} fits"
        f" {_SEARCH_REASONS.get(reason, reason)} ({which(cands)})"
        for reason, cands in sorted(stopped.items())
    ]
    text = f"{type(est).__name__}: "
    if parts:
        text += "; ".join(parts) + (
            f" (solver={est.solver!r}, max_iter={int(est.max_iter)}). Their validation scores"
            " are those of their last (best finite) iterate."
        )
        # no advice where a callback stopped the fit (the user's stop) or its cost has no
        # minimum (more iterations only grow the weights; the single fit gives none there)
        if any(not r.converged and r.stop_reason != "callback" and g not in no_minimum
               for g, r in enumerate(results)):
            text += " Increase max_iter or tol, or leave out the parameters that diverge."
    if no_minimum:
        text += (" " if parts else "") + (
            f"The training rows of {len(no_minimum)} of {len(results)} fits"
            f" ({which({g // n_folds for g in no_minimum})}) give a cost without a"
            " minimum. " + " ".join(sorted(set(no_minimum.values())))  # the single fit's why
        )
    return text


_SEARCH_REASONS = {
    "max_iter": "stopped at max_iter before converging",
    "diverged": "diverged",
    "stalled": "stalled (no decrease possible in floating point)",
    "callback": "were stopped by a callback",
    "separated": "stopped where a margin classifies every training row (J near 0)",
}


# ------------------------------------------------- the search's input errors
def fold_of_one_class(fold, label):
    """A training fold whose rows are all of one class (a fit needs two)."""
    return (
        f"The training rows of fold {fold} are all of class {label!r}: a fit needs samples"
        " of at least 2 classes. Use a stratified cv, or fewer folds."
    )


def bad_fold(fold, kind, problem):
    """A (train, test) pair of ``cv`` that cannot be searched: ``problem`` says why."""
    return f"The {kind} rows of fold {fold} {problem}."


REPEATS_OVERFLOW = (
    "weigh more than the largest float where the cv repeats them (sample_weight times"
    " the number of repeats); use smaller sample weights"
)

NO_FOLDS = "cv gave no fold: it must give at least one (train, test) pair."
MISSING_LABEL = ("Input y contains None or pd.NA (a missing label); drop those rows or give"
                 " them a label.")
MISSING_DATE_LABEL = ("Input y contains NaT (a missing date or duration label); drop those rows"
                      " or give them a label.")

WEIGHTLESS_TEST = (
    "weigh nothing (their sample weights are all zero): their weighted score is"
    " undefined. Use folds whose test rows have some weight, or a scoring that takes"
    " no sample weights"
)


def unrouted_params(obj, method, params):
    """Metadata given to a method without metadata routing (scikit-learn's message)."""
    return (
        f"Passing extra keyword arguments to {type(obj).__name__}.{method} is only supported"
        " if enable_metadata_routing=True, which you can set using `sklearn.set_config`."
        f" Extra parameters passed are: {sorted(params)}."
    )


def unrouted_weights(obj):
    """sample_weight given to the search's score whose scorer refuses it or takes it under
    an alias, under metadata routing (scikit-learn's message for metadata routed to
    nothing)."""
    return (
        f"{type(obj).__name__}.score got unexpected argument(s) {{'sample_weight'}}, which"
        " are not routed to any object: the scorer's set_score_request refuses"
        " sample_weight or takes it under another name."
    )


def unweighted_scores(scorer):
    """sample_weight given to a search whose scorer takes none (GridSearchCV's warning)."""
    return (
        f"The scoring {scorer} does not support sample_weight: the folds are fitted with"
        " the weights but scored without them, which may choose another candidate than"
        " weighted scores would. Use a scorer that takes sample_weight (a metric with a"
        " sample_weight parameter, or a callable (estimator, X, y, sample_weight=None))."
    )


def non_finite_scores(mean_scores):
    """Some candidates' mean scores are nan or inf (GridSearchCV's warning)."""
    return f"One or more of the test scores are non-finite: {mean_scores}"


def fmt_labels(labels, most=5):
    """The first ``most`` labels, as a message shows them ('a', 1, ...)."""
    shown = ", ".join(repr(v.item() if hasattr(v, "item") else v) for v in labels[:most])
    return shown + (", ..." if len(labels) > most else "")


def class_indices(classes, y):
    """The index of each label in ``classes`` (sorted, as ``classes_`` is)."""
    y = column_or_1d(y, warn=True)  # a column vector as fit takes it, with its warning
    try:
        idx = np.clip(np.searchsorted(classes, y), 0, len(classes) - 1)
        # compared as Python objects: numpy 1.x compares str with int arrays as a whole
        # (one False and a FutureWarning), not element by element
        unknown = ~np.asarray(np.equal(classes[idx].astype(object), y.astype(object)),
                              dtype=bool)
    except TypeError:
        # labels that do not order against classes_ (str against int, None, NaN among
        # strings, pd.NA): looked up one by one, so that only they are named unknown
        index = {c: i for i, c in enumerate(classes.tolist())}
        idx = np.array([index.get(v, -1) for v in y.tolist()], dtype=np.intp)
        unknown = idx < 0
        idx[unknown] = 0
    if unknown.any():
        raise ValueError(
            "y holds labels the estimator was not fitted on, such as"
            f" {fmt_labels(y[unknown][:1])}; its classes are {fmt_labels(classes)}."
        )
    return idx
