"""gdlogreg: logistic regression by batch gradient descent, as a scikit-learn classifier."""

from ._estimator import GradientDescentLogisticRegression

__all__ = ["GradientDescentLogisticRegression"]
__version__ = "0.1.0"
