"""Learning-rate search: cross-validated score and iterations against α.

Each constant learning rate of a log-spaced grid is cross-validated in a
pipeline that standardizes the features. Too small an α runs out of
iterations (``max_iter``) before the stopping test is met; a well-chosen one
converges in a few hundred iterations; too large a one diverges, and the
model it returns (its best iterate: here the start) scores poorly.
The command ``python -m gdlogreg lr-search`` does the same from the shell.
"""

import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression

X, y = load_breast_cancer(return_X_y=True)
cv = StratifiedKFold(3, shuffle=True, random_state=0)
learning_rates = np.logspace(-2, 2, 9)  # 0.01 ... 100; the largest diverges

scores, iterations, outcomes = [], [], []
for alpha in learning_rates:
    pipe = make_pipeline(
        StandardScaler(), GradientDescentLogisticRegression(solver="gd", learning_rate=alpha)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # reported below instead
        result = cross_validate(pipe, X, y, cv=cv, return_estimator=True)
    fitted = [p[-1] for p in result["estimator"]]
    scores.append(result["test_score"].mean())
    iterations.append(np.mean([np.max(clf.n_iter_) for clf in fitted]))
    outcomes.append(fitted[0].stop_reason_)
    print(f"α = {alpha:8.3g}: accuracy {scores[-1]:.4f}, {iterations[-1]:6.0f} iterations,"
          f" {outcomes[-1]}")

outcomes = np.array(outcomes)
fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 6), sharex=True, layout="constrained")
top.plot(learning_rates, scores, "o-")
top.set_ylabel("mean CV accuracy")
bottom.plot(learning_rates, iterations, color="0.6")
for outcome, marker, color in [("converged", "o", "C2"), ("max_iter", "s", "C1"),
                               ("diverged", "X", "red")]:
    mask = outcomes == outcome
    bottom.plot(learning_rates[mask], np.array(iterations)[mask], marker, color=color,
                markersize=9, markeredgecolor="black", linestyle="none", label=outcome)
bottom.set_xscale("log")
bottom.set_yscale("log")
bottom.set_xlabel("learning rate α")
bottom.set_ylabel("iterations")
bottom.legend()
for ax in (top, bottom):
    ax.grid(True, alpha=0.3)
