"""Parity with LogisticRegression on scikit-learn's bundled data (raw and standardized).

For the same C, l1_ratio, class_weight, sample_weight and fit_intercept our cost is
LogisticRegression's objective divided by C·Σs (README, "What it computes"), so both
must reach the same minimiser. On real data, where the ill-conditioning lives, each
case checks, with J computed from scratch in float64 (conftest's ``objective``) and
J* the lowest J of the tight fits (LR newton-cholesky at tol=1e-12 for L2, LR saga at
tol=1e-12 for L1 and elastic net, ours at tol=1e-10):

- ours at its default stop is within max(LogisticRegression()'s own gap, 1e-6) of J*;
- ours at tol=1e-10 is within 1e-9 of J* (float32: within 1e-6, as the solver
  floors tol at 50 ε of the data's dtype);
- the coefficients have J*'s sign and scale, the probabilities and predictions are J*'s
  (to 1e-2 and 99 %);
- on standardized data the default fit converges without a warning.

The full sweep (more C, raw L1, the sets of benchmarks/datasets.py) is
benchmarks/experiments/parity_real.py; its table is in benchmarks/README.md.
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_breast_cancer, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "experiments" / "parity_real.py"


def _load_sweep():
    """The sweep script as a module (its case table, weights and LR parameters)."""
    spec = importlib.util.spec_from_file_location("parity_real", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LOADERS = {"breast_cancer": load_breast_cancer, "wine": load_wine, "iris": load_iris}

# The cases are the sweep's (benchmarks/experiments/parity_real.py), one table: a subset,
# with C moved off 1 for two of them.
SWEEP = _load_sweep()
CASES = {
    name: SWEEP.CASES[name]
    for name in ("L2 C=1e-3", "L2 C=1", "L2 C=1e3", "L1 C=1", "EN ρ=.5 C=1", "no intercept",
                 "balanced", "float32")
} | {"sample_weight": (dict(C=0.1), "sample_weight"), "CSR": (dict(C=10.0), "csr")}

# Raw data: the ill-conditioned problems (wine's proline ~1e3 next to hue ~1). L1 on raw
# data is left to the script: saga, the tight reference, does not converge there.
RAW = ("L2 C=1e-3", "L2 C=1", "L2 C=1e3", "no intercept", "balanced", "sample_weight", "CSR")

PARAMS = [
    pytest.param(name, "std", case, id=f"{name}-std-{case}")
    for name in ("breast_cancer", "wine")
    for case in CASES
] + [
    pytest.param(name, "raw", case, id=f"{name}-raw-{case}")
    for name in ("wine", "iris")
    for case in RAW
]


@pytest.fixture(scope="module")
def data():
    out = {}
    for name, loader in LOADERS.items():
        X, y = loader(return_X_y=True)
        out[name, "raw"] = (X, y)
        out[name, "std"] = (StandardScaler().fit_transform(X), y)
    return out


def fit(est, X, y, sample_weight):
    """(estimator, warning messages of the fit)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y, sample_weight=sample_weight)
    return est, [str(w.message) for w in caught]


def has_sign_and_scale(coef, intercept, ref_coef, ref_intercept):
    """<w, w*>/<w*, w*> in [0.9, 1.1], no flipped large coefficient, intercepts close
    (softmax intercepts compared up to their common shift)."""
    W, Wr = np.ravel(coef), np.ravel(ref_coef)
    scale = float(W @ Wr) / float(Wr @ Wr)
    big = np.abs(Wr) > 0.1 * np.abs(Wr).max()
    b, br = np.ravel(intercept).astype(float), np.ravel(ref_intercept)
    if b.size > 1:
        b, br = b - b.mean(), br - br.mean()
    return (
        0.9 <= scale <= 1.1
        and np.all(np.sign(W[big]) == np.sign(Wr[big]))
        and np.all(np.abs(b - br) <= 0.1 * (1 + np.abs(br)))
    )


@pytest.mark.slow
@pytest.mark.parametrize("name, prep, case", PARAMS)
def test_parity_with_logistic_regression(data, J, name, prep, case):
    X, y = data[name, prep]
    params, variant = CASES[case]
    rho = params.get("l1_ratio", 0.0)
    sw = np.random.default_rng(0).uniform(0.1, 3.0, len(y)) if variant == "sample_weight" else None
    Xin = {"float32": X.astype(np.float32), "csr": sp.csr_matrix(X)}.get(variant, X)
    classes = np.unique(y)
    s = SWEEP.weights(y, params, sw)

    def gap_of(model):
        j = J(X, y, model.coef_, model.intercept_, classes, C=params["C"], l1_ratio=rho,
              sample_weight=s)
        return j

    ours, caught = fit(GradientDescentLogisticRegression(**params), Xin, y, sw)
    tight, _ = fit(GradientDescentLogisticRegression(tol=1e-10, max_iter=20_000, **params),
                   Xin, y, sw)
    default_solver = "lbfgs" if rho == 0 else "saga"
    # l1_ratio as each scikit-learn version takes it (before 1.8: with penalty="elasticnet")
    lr_params = SWEEP.lr_params(params)
    lr_default, _ = fit(LogisticRegression(solver=default_solver, **lr_params), Xin, y, sw)
    if rho == 0:
        ref = LogisticRegression(solver="newton-cholesky", tol=1e-12, max_iter=500, **lr_params)
    else:
        ref = LogisticRegression(solver="saga", tol=1e-12, max_iter=5000, **lr_params)
    ref, _ = fit(ref, X, y, sw)
    Js = {m: gap_of(m) for m in (ref, tight)}
    best = min(Js, key=Js.get)
    J_star = Js[best]

    def gap(model):
        return (gap_of(model) - J_star) / J_star

    assert gap(ours) <= max(gap(lr_default), 1e-6)
    assert gap(tight) <= (1e-6 if variant == "float32" else 1e-9)
    assert has_sign_and_scale(ours.coef_, ours.intercept_, best.coef_, best.intercept_)
    # A gap of 1e-6 moves a probability by up to ~1e-3 on the near-separable C=1e3 fits.
    np.testing.assert_allclose(ours.predict_proba(Xin), best.predict_proba(X), atol=1e-2)
    assert np.mean(ours.predict(Xin) == best.predict(X)) >= 0.99
    if prep == "std":
        assert ours.converged_ and not caught, caught
