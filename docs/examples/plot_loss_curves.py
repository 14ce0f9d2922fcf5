"""Loss curves: the cost J per iteration for several constant learning rates.

Plain gradient descent (``solver="gd"``) on the standardized breast-cancer
data, from zeros, with four learning rates α. Here 2/L = 0.60 is the step
that guarantees descent (a worst case, from σ′ ≤ ¼). α = 0.1 creeps down;
α = 1 gets there sooner; α = 10, far above 2/L, converges sooner still,
because near the minimum J is much less curved than the bound (its first
step raises J, where the bound is exact). α = 60 makes J jump up and the fit
stops as diverged (the cross), returning its best iterate and warning. On
the right, the distance to the best J on a log scale shows how fast each one
converges.
"""

import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from gdlogreg import GradientDescentLogisticRegression, LossCurveDisplay

X, y = load_breast_cancer(return_X_y=True)
X = StandardScaler().fit_transform(X)

fits = []
for alpha in [0.1, 1.0, 10.0, 60.0]:
    clf = GradientDescentLogisticRegression(solver="gd", learning_rate=alpha, max_iter=300)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # the slow and the diverging one
        fits.append(clf.fit(X, y))

labels = [f"α = {clf.learning_rate:g}: {clf.stop_reason_}" for clf in fits]
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
LossCurveDisplay.from_estimator(fits, labels=labels, ax=left)
left.set_ylim(0, 2)  # the diverging curve leaves the top of the plot
left.set_title("cost J")
LossCurveDisplay.from_estimator(fits, labels=labels, ax=right, log_scale=True)
right.set_title("J − min J (log scale)")
