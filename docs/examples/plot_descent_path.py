"""The descent path: gradient descent on the cost J(w, b) of a one-feature model.

One feature of the breast-cancer data (the mean radius of the cell nuclei,
standardized), two parameters: the weight w and the intercept b. The cost
J(w, b) is a convex bowl; each red dot is one iterate of
``w := w - α·dw, b := b - α·db``, starting from (0, 0).
Here 2/L, the step that guarantees descent, is 7.9. A small step creeps down
the valley; α = 16, twice 2/L, overshoots and zig-zags across it, yet
converges much sooner: near the minimum J is less curved than the bound.
"""

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.preprocessing import StandardScaler

from gdlogreg import DescentPathDisplay, GradientDescentLogisticRegression

X, y = load_breast_cancer(return_X_y=True)
x = StandardScaler().fit_transform(X[:, [0]])  # mean radius, standardized

fig, axes = plt.subplots(1, 2, figsize=(11, 4.6), layout="constrained")
for ax, alpha in zip(axes, [1.0, 16.0], strict=True):
    clf = GradientDescentLogisticRegression(
        solver="gd", learning_rate=alpha, keep_path=True
    ).fit(x, y)
    DescentPathDisplay.from_estimator(clf, x, y, ax=ax)
    ax.set_title(f"learning rate α = {alpha:g}: {clf.stop_reason_} in {clf.n_iter_[0]} steps")
