"""Whether a fitted model's classes are separable on X: the diagnosis behind the warning
that J has no minimum (``C=np.inf``), a linear program over X's rows (HiGHS).

Numpy and scipy.sparse X only (the estimator asks nothing of Dask X); array-API X is
brought to the host. The program and its caps: docs/errors.rst (the warning that the
classes are separable).
"""

import math

import numpy as np
import scipy.sparse as sp
from scipy.special import expit

from .._compat import convert_to_numpy, get_namespace
from ._array import stored_per_row


def _to_numpy(a):
    """A host numpy copy of an array of any namespace (no copy for numpy)."""
    if isinstance(a, np.ndarray):
        return a
    xp, _ = get_namespace(a)
    return convert_to_numpy(a, xp)


def separates(X, coef, intercept, y_idx, keep, weights, converged, fit_intercept,
              separable=None):
    """Whether the fitted model (``coef`` (m, d), ``intercept``) shows X's rows ``keep``
    (those of positive weight; ``y_idx`` the class indices of all rows, numpy) separable
    in full or in part: it classifies every one, or (where :func:`_lp_worth_it`)
    :func:`_separation` finds a direction that raises some margin and lowers none.
    ``weights``: the rows' sample × class weights, or None. ``converged``: the fit claims
    a minimum (then only rows predicted near certainty can be separated). ``separable``:
    :func:`_separable`, or a caller's memo of it (a search's fold asks the same program of
    each candidate)."""
    with np.errstate(over="ignore", invalid="ignore"):  # data near the float limit
        z = _to_numpy(X @ coef.T)  # one n x K array: the intercepts in place
        z += _to_numpy(intercept)
    z = z if keep.all() else z[keep]
    y_idx = y_idx[keep]
    fitted = (z[:, 0] > 0) == (y_idx == 1) if z.shape[1] == 1 else z.argmax(1) == y_idx
    share = None if weights is None else _to_numpy(weights)[keep].astype(np.float64)
    return bool(fitted.all() or (_lp_worth_it(X, keep, y_idx, z, converged) and _separation(
        X, keep, y_idx, z, converged, fit_intercept, separable or _separable, share)))


def _separation(X, keep, y_idx, z, converged, fit_intercept, separable, weights=None):
    """Whether the rows ``keep`` are separable in full or in part: for a ``converged`` fit
    by :func:`_separable_near` where it applies, else by the program ``separable``
    (:func:`_separable` or a memo of it). ``weights``: the rows' (those ``keep``), or None."""
    k = z.shape[1]
    entries = _kept_entries(X, keep) * (1 if k == 1 else 2 * (k - 1))
    if converged and entries <= NEAR_ENTRIES and (
            X.shape[1] + int(fit_intercept)) * k <= NEAR_COLUMNS:
        # (a row whose share underflowed to 0, class weights of 5e-324 against 1e300, times
        # an overflowed exp: nan, not near certainty, as the rows of no pull)
        with np.errstate(over="ignore", invalid="ignore"):
            tiny = _pair_ratios(z, y_idx, weights) < NEAR_RATIO
        found = _separable_near(X, keep, y_idx, k, tiny, fit_intercept)
        if found is not None:
            return found
    columns = (X.shape[1] + int(fit_intercept)) * k
    if entries > LP_ENTRIES_TIMED:
        return False
    capped = entries <= LP_ENTRIES and entries * columns <= LP_WORK
    return separable(X, keep, y_idx, k, fit_intercept, None if capped else LP_SECONDS)


#: The linear program of :func:`_separable` only where its constraints hold at most this
#: many entries (about 0.1 s of HiGHS at the cap) and its entries times its columns are
#: at most LP_WORK (the simplex's iterations grow with the columns; about 0.2 s at the
#: cap; CHANGELOG.md, "Review 44" and "C = inf on separated rows") ...
LP_ENTRIES, LP_WORK = 200_000, 5_000_000
#: ... and above them, up to LP_ENTRIES_TIMED entries, under HiGHS's time limit of
#: LP_SECONDS, saying nothing where it runs out (as above the caps): the caps bound its
#: time poorly, and a partly separable fit beyond them would be told to raise max_iter,
#: which cannot help (CHANGELOG.md, "L-BFGS's interpolated trial kept above a tenth; ...").
LP_ENTRIES_TIMED, LP_SECONDS = 2_000_000, 1.0
#: ... and some row's own class is predicted within this of 1: at a stop on a direction
#: that separates rows, their residuals are small (iris at C = inf: 1e-14; fits with a
#: minimum: 2e-4 at the least; CHANGELOG.md, "Review 44").
LP_RESIDUAL = 1e-5


def _lp_worth_it(X, keep, y_idx, z, converged):
    """Whether separability is asked (:func:`_separation`): numpy or SciPy X (not Dask),
    and, where the fit ``converged``, a row of weight whose 1 - p (two classes) or p_k / p_y
    for some other class k is below LP_RESIDUAL (z: the rows' raw predictions, those of
    weight only). A fit stopped early need not have gone far along a separation."""
    if hasattr(X, "dask") or not len(z):
        return False
    k = z.shape[1]
    if not converged:
        return True
    if k == 1:  # 1 - p = expit(-margin)
        return bool(np.min(expit(np.where(y_idx == 1, -z[:, 0], z[:, 0]))) < LP_RESIDUAL)
    # K classes: a pair's p_k / p_y, not 1 - p_y (a part separated from class k alone
    # leaves p_y far from 1: review 94)
    own = z[np.arange(len(z)), y_idx]
    with np.errstate(invalid="ignore"):  # z of inf: NaN, not asked; a class at a time:
        least = [np.min(z[y_idx != c, c] - own[y_idx != c], initial=np.inf)  # no n x K
                 for c in range(k)]
    return bool(np.min(least) < math.log(LP_RESIDUAL))  # a NaN: False, as before


def _kept_entries(X, keep):
    """The entries of X's rows ``keep`` (those of positive weight), the linear program's:
    rows of weight 0 cost it nothing, as rows removed."""
    if not sp.issparse(X):
        return int(np.count_nonzero(keep)) * X.shape[1]
    if X.format in ("csr", "csc"):
        return int(stored_per_row(X)[keep].sum())
    return int(np.bincount(X.tocoo().row, minlength=X.shape[0])[keep].sum())


def _separable(X, keep, y_idx, n_columns, fit_intercept, time_limit=None):
    """Whether a direction of the weights raises some row's margin and lowers none: the
    largest sum of margins over weights in [-1, 1] (a linear program) is above 0; False
    where it runs out of ``time_limit`` seconds."""
    return _program(_margin_matrix(X, keep, y_idx, n_columns, fit_intercept),
                    time_limit=time_limit)


def _margin_matrix(X, keep, y_idx, n_columns, fit_intercept):
    """A (CSR), whose product with the weights (and intercepts) stacked is the margins of
    the rows ``keep``: one per row (t·(w·x + b), t = ±1) for two classes, one per row and
    other class k (z_y - z_k, k by k) for K; X's columns scaled to [-1, 1] (a better-posed
    program: the weights of A's columns are the model's times those scales)."""
    return _pairs_of(_scaled_rows(X, keep, fit_intercept)[0], y_idx, n_columns)


def _scaled_rows(X, keep, fit_intercept):
    """X's rows ``keep`` (CSR, float64) with its columns scaled to [-1, 1] and a column of
    ones for the intercept, and the scales (1 for a column of zeros or the intercept)."""
    X = sp.csr_matrix(X if sp.issparse(X) else _to_numpy(X), dtype=np.float64, copy=True)
    X = X[keep]
    X.sum_duplicates()
    X.eliminate_zeros()  # a column of zeros has no scale
    scale = abs(X).max(axis=0).toarray().ravel()
    X.data /= scale[X.indices]  # divided, not times 1/scale: subnormal columns overflow it
    scale = np.append(np.where(scale > 0.0, scale, 1.0), [1.0] * int(fit_intercept))
    return (sp.hstack([X, np.ones((X.shape[0], 1))], format="csr") if fit_intercept
            else X), scale


def _pairs_of(X, y_idx, n_columns):
    """:func:`_margin_matrix` of the scaled rows X (:func:`_scaled_rows`)."""
    if n_columns == 1:  # margins t·(w·x + b), t = ±1
        return sp.diags(2.0 * (y_idx == 1) - 1.0) @ X
    return sp.vstack([  # the margins z_y - z_k of each row against each other class k
        sp.hstack([sp.diags((y_idx[y_idx != k] == j) - float(j == k)) @ X[y_idx != k]
                   for j in range(n_columns)])
        for k in range(n_columns)
    ], format="csr")


def _pair_gram(X, rows, y_idx, n_columns, pairs, intercept):
    """AᵀA over the pairs ``pairs`` (a bool each, in A's order) of :func:`_margin_matrix`
    but in X's own units (its columns unscaled), from X's rows ``rows`` (indices), without
    A: dense, a Gram of the rows of each class and other class."""
    if n_columns == 1:
        return _gram(X, rows[pairs], intercept)
    q, K, start = X.shape[1] + int(intercept), n_columns, 0
    G = np.zeros((K * q, K * q))
    for k in range(K):  # the pair (row i, class k) adds x xᵀ at (y_i, y_i) and (k, k),
        of = np.flatnonzero(y_idx != k)  # and -x xᵀ at (y_i, k) and (k, y_i)
        of, start = of[pairs[start:start + len(of)]], start + len(of)
        for c in np.unique(y_idx[of]):
            S = _gram(X, rows[of[y_idx[of] == c]], intercept)
            for a, b, sign in ((c, c, 1.0), (k, k, 1.0), (c, k, -1.0), (k, c, -1.0)):
                G[a * q:(a + 1) * q, b * q:(b + 1) * q] += sign * S
    return G


def _stored_tops(X):
    """The largest |x| that sparse X (CSR or CSC) stores in each column, from its arrays
    (a scale: duplicate entries are not summed first). scipy's ``abs(X)`` and ``X.max``
    sum the duplicates of the caller's X in place and sort its indices (review 182)."""
    X = X if X.format in ("csr", "csc") else X.tocsr()
    size, top = np.abs(X.data), np.zeros(X.shape[1], dtype=np.float64)
    if X.format == "csr":
        np.maximum.at(top, X.indices, size)
        return top
    stored = np.flatnonzero(np.diff(X.indptr) > 0)  # each column's run of entries
    if len(stored):
        top[stored] = np.maximum.reduceat(size, X.indptr[stored])
    return top


def _gram_units(X):
    """X for the Grams of :func:`_separable_near`: float64, its columns times powers of 2
    where a column's largest entry is outside [1e-60, 1e60] (squares past the float range
    would read as a column of zeros or inf; the Grams' unit diagonal undoes the factors)."""
    X = X if sp.issparse(X) else _to_numpy(X)
    top = (_stored_tops(X) if sp.issparse(X)
           else np.maximum(X.max(axis=0, initial=0.0), -X.min(axis=0, initial=0.0))
           ).astype(np.float64)  # no copy of X for abs
    wild = (top > 0.0) & ((top < 1e-60) | (top > 1e60))
    if X.dtype == np.float64 and not wild.any():
        return X
    units = np.ldexp(1.0, np.clip(-np.frexp(top)[1] * wild, -1000, 1000))
    if sp.issparse(X):
        return sp.csr_matrix(X @ sp.diags(units), dtype=np.float64)
    return np.asarray(X, dtype=np.float64) * units


def _gram(X, rows, intercept):
    """[X 1]ᵀ[X 1] of X's rows ``rows`` (float64; [X]ᵀ[X] without the intercept)."""
    R = X[rows]
    G = (R.T @ R).toarray() if sp.issparse(R) else np.asarray(R.T @ R, dtype=np.float64)
    if not intercept:
        return G
    total = np.asarray(R.sum(axis=0), dtype=np.float64).ravel()
    return np.block([[G, total[:, None]], [total[None, :], np.array([[float(len(rows))]])]])


def _pair_ratios(z, y_idx, weights=None):
    """exp(-margin) of each of :func:`_margin_matrix`'s rows, from the raw predictions z:
    p_k / p_y of each row and other class k (1 - p_y ≈ it for two classes), times the
    row's weight over the mean where below it: a row's pull on the gradient is its weight
    times p_k, so a converged fit leaves a light row of a separation farther from 1."""
    share = np.ones(len(z)) if weights is None else weights / np.max(weights)
    share = np.minimum(share / np.mean(share), 1.0)  # over the largest: no overflow
    if z.shape[1] == 1:
        return np.exp(np.where(y_idx == 1, -z[:, 0], z[:, 0])) * share
    own = z[np.arange(len(z)), y_idx]
    return np.concatenate([np.exp(z[y_idx != k, k] - own[y_idx != k]) * share[y_idx != k]
                           for k in range(z.shape[1])])


#: :func:`_separable_near` where A has at most this many columns ((d + 1)·K): the
#: eigenvectors of two q × q Grams (about 20 ms at q = 512), and this many entries (its
#: program, over a few columns, is capped at LP_ENTRIES) ...
NEAR_COLUMNS, NEAR_ENTRIES = 512, 2_000_000
#: ... whose eigenvalues up to this fraction of the largest span the null space, where
#: the pairs near certainty are those of p_k / p_y below NEAR_RATIO: wider than
#: LP_RESIDUAL (a converged fit can leave such a row at 1.3e-5); more pairs only widen
#: the null space the program searches.
NULL_TOL, NEAR_RATIO = 1e-10, 1e-3


def _separable_near(X, keep, y_idx, n_columns, tiny, fit_intercept):
    """:func:`_separable` at a converged stop, on X's rows ``keep`` and the pairs ``tiny``
    predicted near certainty; None where A (:func:`_margin_matrix`) has more than
    NEAR_COLUMNS columns or the program more than LP_ENTRIES entries.

    At a stop of small gradient a direction that raises some margins and lowers none
    raises only pairs near certainty (the gradient along it, -Σ s r·margin, is small), so
    it zeroes the other pairs' margins: it lies in the null space N of their rows of A.
    Where N is that of all of A no margin moves (not separable); else the program runs over
    N's coordinates alone, a few columns where A has (d + 1)·K."""
    if (X.shape[1] + int(fit_intercept)) * n_columns > NEAR_COLUMNS:
        return None
    rows, X = np.flatnonzero(keep), _gram_units(X)
    with np.errstate(over="ignore", invalid="ignore"):  # data near the float limit
        G = _pair_gram(X, rows, y_idx, n_columns, np.ones(len(tiny), dtype=bool),
                       fit_intercept)
        rest = _pair_gram(X, rows, y_idx, n_columns, ~tiny, fit_intercept)
    if not (np.isfinite(G).all() and np.isfinite(rest).all()):
        return None
    scale = np.sqrt(np.diag(G))
    scale = 1.0 / np.where(scale > 0.0, scale, 1.0)  # the Grams of unit diagonal
    every, fixed = np.linalg.eigh(scale[:, None] * G * scale)
    top = max(float(every.max()), np.finfo(np.float64).tiny)
    values, vectors = np.linalg.eigh(scale[:, None] * rest * scale)
    N, M = vectors[:, values <= NULL_TOL * top], fixed[:, every <= NULL_TOL * top]
    # N's directions that move some margin: its part orthogonal to M, A's own null space
    # (M ⊆ N; for K classes it holds the shift of every class by one vector)
    U, sv, _ = np.linalg.svd(N - M @ (M.T @ N), full_matrices=False)
    N = U[:, sv > 0.5]
    if not N.shape[1]:
        return False
    A, columns = _scaled_rows(X, keep, fit_intercept)  # N in X's units; A's x = scale·u
    B = np.asarray(_pairs_of(A, y_idx, n_columns)
                   @ ((np.tile(columns, n_columns) * scale)[:, None] * N))
    # the program over the pairs N moves (rest's pairs, in its null space, move by
    # rounding alone), a smaller program; its answer is checked on all pairs
    size = np.abs(B).max(axis=1)
    moves = size > 1e-12 * size.max(initial=0.0)
    if not moves.any():
        return False
    if np.count_nonzero(moves) * N.shape[1] > LP_ENTRIES:
        return None
    return _program(B[moves], every=B)


def _program(A, every=None, time_limit=None):
    """Whether the margins A x over x in [-1, 1] can be all >= 0 and some > 0 (A sparse
    or dense): the largest sum of margins, a linear program (HiGHS); the answer's
    margins are checked on the rows of ``every`` where given (A's and more). False where
    it runs out of ``time_limit`` seconds (HiGHS's own limit; None: none)."""
    from scipy.optimize import linprog

    options = {"primal_feasibility_tolerance": 1e-10}
    if time_limit is not None:
        options["time_limit"] = time_limit
    res = linprog(-np.asarray(A.sum(axis=0)).ravel(), A_ub=-A, b_ub=np.zeros(A.shape[0]),
                  bounds=(-1.0, 1.0), method="highs", options=options)
    if res.status != 0:
        return False
    margins = (A if every is None else every) @ res.x
    return bool(margins.max() > 1e-6 and margins.min() >= -1e-9)
