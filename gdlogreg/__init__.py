"""gdlogreg: logistic regression by batch gradient descent, as a scikit-learn classifier."""

from ._estimator import GradientDescentLogisticRegression
from ._plot import DescentPathDisplay, LossCurveDisplay, SearchScoreDisplay
from ._search import GradientDescentLogisticRegressionCV

__all__ = ["DescentPathDisplay", "GradientDescentLogisticRegression",
    "GradientDescentLogisticRegressionCV",
    "LossCurveDisplay", "SearchScoreDisplay",
]
__version__ = "0.1.0"
