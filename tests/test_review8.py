"""Outside review of the dual pass and a hostile-input sweep (review8).

The loss's share of the duality gap, Σ s KL(p''‖p) (``_loss.DualDivergence``),
feeds the certified stopping test and ``dual_gap_``: it must stay finite, >= 0
and an upper bound on J - J* at every dual point the solver builds, among them
the scaled ones of pure L1 (θ = l1 / ‖V‖∞ ≪ 1, p'' ≈ y). Then the public API
on degenerate and hostile inputs: a sensible model or a clear error.
"""

import math
import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from test_stopping_gap import _kl_reference as _kl_long_double
from test_stopping_gap import _share_and_reference

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._loss import BinaryLogLoss, MultinomialLogLoss


def _kl_reference(z, t, s, theta, tau, q, n_classes):
    """test_stopping_gap's long-double Σ s KL(p''‖p), for one θ and τ for every column."""
    m = 1 if n_classes == 2 else n_classes
    return _kl_long_double(z, t, s, np.full((1, m), theta), np.full((1, m), tau), q, n_classes)


# ----------------------------------------------------------------- the dual pass

@pytest.mark.parametrize("n_classes", [2, 3, 10])
@pytest.mark.parametrize("theta", [1e-17, 1e-40, 1e-300])
@pytest.mark.parametrize("tau", [0.0, 0.5])
def test_dual_divergence_with_a_tiny_theta_is_the_kl_not_minus_inf(n_classes, theta, tau):
    """Pure L1 far from its optimum scales the dual point by θ = l1/‖V‖∞ ≪ 1: then
    p'' ≈ y, a = p'' <= θ·b in the classes a row is not, and δ/b = a/b - 1 rounds
    to -1: log1p(δ/b) = -inf made the share -inf (clipped to 0 by the objective: a
    gap of 0 at the first iterate). Each such class adds about b; the sum is the KL."""
    rng = np.random.default_rng(3)
    n, m = 200, 1 if n_classes == 2 else n_classes
    z = rng.standard_normal((n, m)) * 2.0
    if n_classes == 2:
        t = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
        loss = BinaryLogLoss()
        q = np.array([[0.3]])
    else:
        t = rng.integers(0, n_classes, n).astype(np.int8)
        loss = MultinomialLogLoss(n_classes, np)
        q = rng.random((1, m))
        q /= q.sum()
    s = rng.random(n)
    s /= s.sum()
    value, expected = _share_and_reference(loss, z, t, s, theta, tau, q, n_classes)
    assert math.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-9)


def test_dual_divergence_fuzz_against_the_long_double_kl():
    """Random dual points (θ from 1e-300 to 1, τ and q at 0, 1 and between, zero row
    weights), decision values of scale 1e-3 to 600, 2 to 10 classes: the share is
    finite, >= 0 and the long-double KL to 1e-8 (or 1e-15 absolute: the rounding of
    a·log1p(δ/b) - δ is about ε Σ s|δ|). Before the review8 fix, tiny θ gave -inf or nan."""
    rng = np.random.default_rng(20261129)
    for _ in range(400):
        n_classes = int(rng.choice([2, 3, 5, 10]))
        m, n = 1 if n_classes == 2 else n_classes, int(rng.integers(1, 30))
        z = rng.standard_normal((n, m)) * 10 ** rng.uniform(-3, 2.8)
        theta = float(rng.choice([1.0, 10 ** rng.uniform(-300, 0)]))
        tau = float(rng.choice([0.0, 1.0, rng.random(), 10 ** rng.uniform(-12, 0)]))
        if n_classes == 2:
            t = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
            q = np.array([[float(rng.choice([0.0, 1.0, rng.random()]))]])
            loss = BinaryLogLoss()
        else:
            t = rng.integers(0, n_classes, n).astype(np.int8)
            q = rng.random((1, m)) * (rng.random((1, m)) < 0.7) + 1e-300
            q /= q.sum()
            loss = MultinomialLogLoss(n_classes, np)
        s = rng.random(n) * (rng.random(n) < 0.8) + 1e-3
        s /= s.sum()
        value, expected = _share_and_reference(loss, z, t, s, theta, tau, q, n_classes)
        assert math.isfinite(value) and value >= 0.0, (theta, tau, value)
        assert value == pytest.approx(expected, rel=1e-8, abs=1e-15), (theta, tau)


@pytest.mark.parametrize("C", [1e15, 1e25])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_pure_l1_with_a_huge_C_certifies_no_gap_it_does_not_have(C, n_classes):
    """A pure-L1 fit with C = 1e15 stopped after one iterate reported ``dual_gap_ =
    0.0`` where J - J* is 0.03 (the -inf share above, clipped to 0). The gap must
    bound J - J* from above; J* <= J of a long fit."""
    X, y = make_classification(200, 5, n_informative=3, n_classes=n_classes,
                               flip_y=0.3, random_state=0)
    short = GradientDescentLogisticRegression(C=C, l1_ratio=1.0, max_iter=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # max_iter: ConvergenceWarning
        short.fit(X, y)
    long = GradientDescentLogisticRegression(C=C, l1_ratio=1.0, max_iter=5000, tol=1e-10)
    long.fit(X, y)
    excess = short.loss_curve_[-1] - long.loss_curve_[-1]
    assert excess > 1e-3
    assert short.dual_gap_ >= excess * (1 - 1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("theta", [1e-30, 0.3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_dual_divergence_in_an_array_api_namespace(n_classes, theta, dtype):
    """The same share in a non-numpy namespace (array_api_strict, in its own dtype):
    finite and the KL, also where θ·b/b is below float32's ε."""
    xps = pytest.importorskip("array_api_strict")
    rng = np.random.default_rng(5)
    n, m = 64, 1 if n_classes == 2 else n_classes
    z = rng.standard_normal((n, m)) * 3.0
    if n_classes == 2:
        t = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
        loss, q = BinaryLogLoss(), np.array([[0.4]])
    else:
        t = rng.integers(0, n_classes, n).astype(np.int8)
        loss, q = MultinomialLogLoss(n_classes, xps), np.full((1, m), 1.0 / m)
    dt = getattr(xps, dtype)
    rows = loss.dual_rows(xps.asarray(np.full((1, m), theta), dtype=dt),
                          xps.asarray(np.full((1, m), 0.5), dtype=dt), xps.asarray(q, dtype=dt))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, _ = rows.terms(xps.asarray(z, dtype=dt), xps.asarray(t), 1.0 / n, xps)
    z_rounded = z.astype(dtype)
    expected = _kl_reference(z_rounded, t, np.full(n, 1.0 / n), theta, 0.5, q, n_classes)
    assert math.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-4 if dtype == "float32" else 1e-9)


@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize(("C", "l1_ratio", "fit_intercept", "weights", "dtype"), [
    (1.0, 0.0, True, None, np.float64),
    (1e-3, 0.5, True, "zeros", np.float64),
    (1e4, 1.0, True, "huge", np.float64),
    (1e8, 1.0, False, None, np.float32),
    (0.05, 1.0, True, "tiny", np.float32),
])
def test_dual_gap_bounds_the_excess_at_every_stop(n_classes, C, l1_ratio, fit_intercept,
                                                  weights, dtype):
    """``dual_gap_`` after 1, 5 and all iterations: finite, >= 0, at most J and at least
    J - J* (J* <= J of a tight fit of the same problem), L2 to pure L1, weights with
    zeros and of 1e±200, float32, with and without an intercept."""
    X, y = make_classification(150, 6, n_informative=4, n_classes=n_classes,
                               n_clusters_per_class=1, flip_y=0.1, random_state=2)
    X = (X * [1.0, 1e3, 1.0, 1e-2, 1.0, 1.0]).astype(dtype)
    sw = {None: None, "zeros": np.where(np.arange(150) % 3 == 0, 0.0, 1.0),
          "huge": np.where(np.arange(150) % 4 == 0, 3e200, 1e200),
          "tiny": np.where(np.arange(150) % 4 == 0, 3e-200, 1e-200)}[weights]
    params = dict(C=C, l1_ratio=l1_ratio, fit_intercept=fit_intercept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # ConvergenceWarning
        tight = GradientDescentLogisticRegression(**params, tol=1e-10, max_iter=5000)
        J_star = tight.fit(X, y, sample_weight=sw).loss_curve_[-1]
        for max_iter in (1, 5, 1000):
            model = GradientDescentLogisticRegression(**params, max_iter=max_iter)
            model.fit(X, y, sample_weight=sw)
            J, gap = model.loss_curve_[-1], model.dual_gap_
            slack = (1e-6 if dtype == np.float32 else 1e-10) * J
            assert math.isfinite(gap) and 0.0 <= gap <= J * (1 + 1e-12), (max_iter, gap, J)
            assert gap >= J - J_star - slack, (max_iter, gap, J - J_star)


# ------------------------------------------------------------------ the CLI

@pytest.mark.parametrize("l1_ratio", ["0", "0.5"])
def test_cli_compare_refuses_a_C_whose_inverse_overflows(l1_ratio, capsys):
    """``compare --C 1e-320``: LogisticRegression, the reference, has an infinite
    penalty 1/C there; with --l1-ratio 0.5 its saga raised from its Cython code (a
    traceback, exit 1), with 0 it warned 'invalid value' and reported as reference
    a model it never fitted. Now a one-line error, exit 2, before any fit."""
    from gdlogreg._cli import main

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from the reference either
        status = main(["compare", "--dataset", "iris", "--C", "1e-320",
                       "--l1-ratio", l1_ratio, "--max-iter", "20"])
    assert status == 2
    err = capsys.readouterr().err
    assert "gdlogreg: error:" in err and "1/C" in err and "Traceback" not in err


# ------------------------------------------------------------ hostile inputs

@pytest.mark.parametrize("attr", ["coef_", "intercept_"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_warm_start_from_a_non_finite_model_is_a_clear_error(attr, value):
    """warm_start=True from a coef_ or intercept_ holding NaN or inf (set by hand, or
    loaded from a broken file) returned a NaN model (or an inf intercept) with the
    warning 'J rose from nan to nan; returning the best finite iterate'. Now a
    ValueError names the attribute; the model is left as it was."""
    X, y = make_classification(60, 4, random_state=0)
    model = GradientDescentLogisticRegression(warm_start=True).fit(X, y)
    bad = np.full_like(getattr(model, attr), value)
    setattr(model, attr, bad)
    with pytest.raises(ValueError, match=f"warm_start.*{attr}.*(NaN|inf)"):
        model.fit(X, y)
    assert getattr(model, attr) is bad


@pytest.mark.parametrize("n_classes", [2, 3])
def test_dual_divergence_takes_0_log_0_as_0_where_log_p_overflows(n_classes):
    """Decision values near the float limit (X near 1e308): log p overflows to -inf
    (binary: 0.5(|z| + z) at z > 9e307; multinomial: z - max z at a spread above
    1.8e308) where the class has a = p'' = 0. The user guide's 0 log 0 = 0 made
    that 0·inf = nan, and the whole share nan; each such entry adds 0 (a = b = 0)."""
    big = 1e308
    if n_classes == 2:
        # rows of class 1 (t = -1) predicted surely right; q = 1: class 0 has a = 0
        z, t = np.array([[big], [0.5]]), np.array([-1, -1], dtype=np.int8)
        rows = BinaryLogLoss().dual_rows(np.array([[0.5]]), np.array([[0.3]]), np.array([[1.0]]))
        q = np.array([[1.0]])
    else:
        # class 0 surely right; q puts nothing on class 2 and θ = 1: a = 0 there
        z, t = np.array([[big, 0.0, -big], [0.1, 0.2, 0.3]]), np.array([0, 2], dtype=np.int8)
        q = np.array([[0.5, 0.5, 0.0]])
        rows = MultinomialLogLoss(3, np).dual_rows(np.ones((1, 3)), np.full((1, 3), 0.3), q)
    s = np.array([0.5, 0.5])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, _ = rows.terms(z, t, s, np)
    theta, tau = (0.5, 0.3) if n_classes == 2 else (1.0, 0.3)
    expected = _kl_reference(z, t, s, theta, tau, q, n_classes)
    assert math.isfinite(value)
    assert value == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize("method", ["predict", "predict_proba", "decision_function"])
@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_dask_predictions_of_non_finite_X_raise_as_numpy_ones_do(method, value):
    """A fit on Dask X refuses NaN and inf; the lazy predictions computed a label
    (argmax of NaN) or a row of NaN for them, where numpy X raises. Now computing
    them raises the same ValueError as the fit."""
    da = pytest.importorskip("dask.array")
    X, y = make_classification(60, 4, random_state=0)
    model = GradientDescentLogisticRegression().fit(X, y)
    bad = X.copy()
    bad[37, 2] = value
    with pytest.raises(ValueError, match="NaN|infinity"):
        getattr(model, method)(bad)
    lazy = getattr(model, method)(da.from_array(bad, chunks=(20, 4)))
    with pytest.raises(ValueError, match="Input X contains NaN or infinity"):
        lazy.compute()
    np.testing.assert_array_equal(  # the finite chunks are untouched
        getattr(model, method)(da.from_array(X, chunks=(20, 4))).compute(),
        getattr(model, method)(X))


def _array_api_float32(lib, X, y, sw):
    """X (float32), y and float64 weights in torch's or array_api_strict's namespace."""
    if lib == "torch":
        torch = pytest.importorskip("torch")
        return (torch.asarray(X, dtype=torch.float32), torch.asarray(y),
                torch.asarray(sw, dtype=torch.float64))
    xps = pytest.importorskip("array_api_strict")
    return xps.asarray(X.astype(np.float32)), xps.asarray(y), xps.asarray(sw)


@pytest.mark.parametrize("lib", ["torch", "array_api_strict"])
def test_array_api_float32_weights_beyond_float32_are_refused_cleanly(lib):
    """Weights of 1e300 with float32 array-API X are checked in X's dtype (numpy X:
    float64, then normalised): torch said 'sample_weight contains infinity or a value
    too large', array_api_strict first leaked numpy's 'overflow encountered in cast'
    RuntimeWarning. Either a fit as numpy's or that ValueError, and no warning."""
    from sklearn import config_context

    X, y = make_classification(60, 3, n_informative=2, n_redundant=0, random_state=0)
    sw = np.full(60, 1e300)
    ref = GradientDescentLogisticRegression().fit(X.astype(np.float32), y, sample_weight=sw)
    Xa, ya, swa = _array_api_float32(lib, X, y, sw)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            model = GradientDescentLogisticRegression().fit(Xa, ya, sample_weight=swa)
        except ValueError as exc:
            assert "sample_weight" in str(exc)
            return
    coef = np.asarray(model.coef_.cpu() if lib == "torch" else model.coef_)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-4)


@pytest.mark.parametrize("lib", ["torch", "array_api_strict"])
def test_array_api_float32_balanced_weights_of_1e_minus_20_and_1e20(lib):
    """Balanced class weights over sample weights 1e-20 (one class) and 1e20 (the others),
    all in float32's range: the fit of float32 array-API X is numpy float32 X's."""
    from sklearn import config_context

    X, _ = make_classification(60, 3, n_informative=2, n_redundant=0, random_state=0)
    y = np.arange(60) % 3
    sw = np.where(y == 0, 1e-20, 1e20)
    ref = GradientDescentLogisticRegression(class_weight="balanced")
    ref.fit(X.astype(np.float32), y, sample_weight=sw)
    Xa, ya, swa = _array_api_float32(lib, X, y, sw)
    with config_context(array_api_dispatch=True), warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        model = GradientDescentLogisticRegression(class_weight="balanced")
        model.fit(Xa, ya, sample_weight=swa)
    coef = np.asarray(model.coef_.cpu() if lib == "torch" else model.coef_)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("cv", [False, True])
@pytest.mark.parametrize("scalar", [False, True])
def test_dask_float32_weights_beyond_float32_are_refused_without_a_warning(cv, scalar):
    """Dask float32 X casts the weights to float32 in its chunks: 1e300 (an array or
    one number) leaked numpy's 'overflow encountered in cast' RuntimeWarning, then
    'contains infinity' for finite weights. Now the ValueError alone, saying the
    value is too large."""
    da = pytest.importorskip("dask.array")
    from gdlogreg import GradientDescentLogisticRegressionCV

    X, y = make_classification(60, 3, n_informative=2, n_redundant=0, random_state=0)
    model = GradientDescentLogisticRegressionCV(Cs=2) if cv else (
        GradientDescentLogisticRegression())
    sw = 1e300 if scalar else da.from_array(np.full(60, 1e300), chunks=20)
    with pytest.raises(ValueError, match="sample_weight contains infinity or a value too large"):
        model.fit(da.from_array(X.astype(np.float32), chunks=(20, 3)), da.from_array(y, chunks=20),
                  sample_weight=sw)


def test_one_sample_weight_beyond_float32_for_float32_X_is_the_array_of_it():
    """``sample_weight=1e300`` with float32 numpy X made its vector in float32: numpy's
    'overflow encountered in cast' RuntimeWarning, then an error; the array
    ``np.full(n, 1e300)`` fits (weights checked in float64, normalised, then rounded).
    Now the number is that array."""
    X, y = make_classification(60, 3, n_informative=2, n_redundant=0, random_state=0)
    X = X.astype(np.float32)
    ref = GradientDescentLogisticRegression().fit(X, y, sample_weight=np.full(60, 1e300))
    model = GradientDescentLogisticRegression().fit(X, y, sample_weight=1e300)
    np.testing.assert_array_equal(model.coef_, ref.coef_)
    assert model.coef_.dtype == np.float32


def _float32_only(lib, w):
    """Float32 weights, their namespace and device: array_api_strict's device without
    float64 (a device such as Apple MPS), or torch on the CPU."""
    if lib == "torch":
        torch = pytest.importorskip("torch")
        from sklearn.externals.array_api_compat import torch as xp

        return torch.asarray(w), xp, None, lambda a: a.numpy()
    xps = pytest.importorskip("array_api_strict")
    dev = xps.Device("no_float64")
    return (xps.asarray(w, device=dev), xps, dev,
            lambda a: np.asarray(xps.asarray(a, device=xps.Device("CPU_DEVICE"))))


@pytest.mark.parametrize("lib", ["torch", "array_api_strict"])
def test_float32_weights_times_class_weights_beyond_float32_without_float64(lib):
    """_problem.weigh_classes on float32 array-API weights and float64 class weights
    beyond float32's range: each product in float32's range comes out within two
    roundings of the float64 product, computed in float32 alone (the device has no
    float64), among them pairs no single rescaling of the factors holds (1e-30 × 1e60
    beside 1e30 × 1e-60), at both ends of the range and from a subnormal weight. The
    cast of the factors gave inf (torch: then 0 or nan weights; array_api_strict:
    numpy's cast-overflow RuntimeWarning). Products beyond the range still take the
    rescaled fallback: the largest at the float limit, none nan."""
    from gdlogreg._problem import weigh_classes

    w = np.array([1e-20, 1e20, 1e-30, 1e30, 1.5e-38, 3e38, 3.4e38, 0.0, 5.0, 1e-42, 2.0],
                 dtype=np.float32)
    f = np.array([6.7e39, 0.67, 1e60, 1e-60, 2.0**200, 2.0**-250, 0.75, 1e300, 0.0, 2.0**170,
                  0.5])
    ref = w.astype(np.float64) * f
    wa, xp, dev, host = _float32_only(lib, w)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        out = weigh_classes(wa, f, xp, dev)
        wb = _float32_only(lib, np.array([1e30, 1e-30, 1.0, 2.0], dtype=np.float32))[0]
        over = host(weigh_classes(wb, np.array([1e40, 1e40, 1e-50, 0.5]), xp, dev))
    assert out.dtype == wa.dtype
    np.testing.assert_allclose(host(out), ref, rtol=2.0**-23, atol=0)
    # (w / 1e30) · the float limit · (f / 1e40): 1e-60 and 1e-90 are 0 in float32
    np.testing.assert_array_equal(over[:3], [np.finfo(np.float32).max, 0.0, 0.0])
    assert np.isfinite(over).all()


@pytest.mark.parametrize("lib", ["numpy", "torch", "array_api_strict"])
def test_float32_balanced_weights_of_1e_minus_30_and_1e30(lib):
    """Sample weights of 1e-30 (one class) and 1e30 (the others), both in float32's range,
    with balanced class weights: the class sums were taken of the float32 weights over
    their largest, 1e-60, which is 0 in float32 ('class 0 weighs nothing'). In float64
    they fit as float64 X does."""
    from sklearn import config_context

    X, _ = make_classification(60, 3, n_informative=2, n_redundant=0, random_state=0)
    y = np.arange(60) % 2
    sw = np.where(y == 0, 1e-30, 1e30)
    ref = GradientDescentLogisticRegression(class_weight="balanced").fit(X, y, sample_weight=sw)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        if lib == "numpy":
            model = GradientDescentLogisticRegression(class_weight="balanced")
            model.fit(X.astype(np.float32), y, sample_weight=sw)
            coef = model.coef_
        else:
            Xa, ya, swa = _array_api_float32(lib, X, y, sw)
            with config_context(array_api_dispatch=True):
                model = GradientDescentLogisticRegression(class_weight="balanced")
                model.fit(Xa, ya, sample_weight=swa)
            coef = np.asarray(model.coef_.cpu() if lib == "torch" else model.coef_)
    np.testing.assert_allclose(coef, ref.coef_, rtol=1e-3, atol=1e-5)
