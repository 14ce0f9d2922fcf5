"""Review 107: is ``converged_`` true? The stopping promise on imbalanced and weighted problems.

(docstring completed at the end of the review)
"""

import importlib.util
import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from gdlogreg import GradientDescentLogisticRegression

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "experiments" / "imbalanced_stop.py"
_spec = importlib.util.spec_from_file_location("imbalanced_stop", SCRIPT)
sweep = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sweep)

PROMISE = sweep.PROMISE  # tol/10/(1 - tol/10) at the default tol = 1e-5


def _gap(p, solver, form="dense", **kw):
    """(model, relative gap to J*, whether a ConvergenceWarning came) of one fit."""
    rows, _ = sweep.check(p, solvers=(solver,), forms=(form,), **kw)
    (row,) = rows
    return row


# ----------------------------------------------------------------------------- defects

# A class of one row among 240 (three classes, ten standardized Gaussian features, integer
# sample weights 1 to 4, no penalty to speak of at C = 1.7e5): the one row is separable from
# the rest, and its class's direction is a valley that only its own spent curvature and a
# weak penalty bend.
_ONE_ROW_CLASS = {"n": 240, "d": 10, "K": 3, "rare": 1, "sep": 0.0, "scale": "standardized",
                  "cw": "none", "sw": "ints", "C": 173712.57293857165, "l1_ratio": 0.0,
                  "fit_intercept": True, "repeat": False, "seed": 1426790371}


@pytest.mark.xfail(strict=True, reason=(
    "bb (the default solver, dense float64, default tol) stops 'converged' 3.3e-6 above J* "
    "(3.3 times the promise) on a class of one row at C = 1.7e5: J still falling by half its "
    "remaining gap an iteration with the step doubling, the gradient tests and the Newton "
    "decrement passed"))
def test_a_class_of_one_row_bb_converged_within_the_promise():
    """35 iterations, J = 0.66790385 against J* = 0.66790164 (lbfgs: 38 iterations,
    6.7e-10); the dual gap was 36 % of J (no certificate). C = 1e3 stops 1.7e-8 above,
    1e4 3.2e-7, 1e5 2.6e-6, 1e6 4.8e-6: the miss grows as the penalty fades."""
    solver, form, converged, stop, n_iter, gap, warned = _gap(
        sweep.draw(None, _ONE_ROW_CLASS), "bb", ref_max_iter=2000)
    assert converged and n_iter < 100  # where it stopped, not a longer run
    assert gap <= PROMISE, gap


def test_a_class_of_one_row_lbfgs_holds():
    """The same problem by lbfgs: converged within the promise (6.7e-10)."""
    _, _, converged, _, _, gap, _ = _gap(sweep.draw(None, _ONE_ROW_CLASS), "lbfgs",
                                         ref_max_iter=2000)
    assert converged and gap <= PROMISE, gap
