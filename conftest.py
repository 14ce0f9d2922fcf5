"""Root pytest configuration.

scikit-learn's array-API estimator checks need SciPy's array-API mode, which is
read when SciPy is first imported: set it before anything imports SciPy.
"""

import os
import sys

import pytest

os.environ.setdefault("SCIPY_ARRAY_API", "1")


@pytest.fixture(autouse=True)
def _close_figures():
    """Close the pyplot figures a test or doctest left open: a worker that runs many
    plotting tests would otherwise pass matplotlib's 20 open figures, whose RuntimeWarning
    fails whichever test opens the next one (an order that depends on the draw of
    tests to workers)."""
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
