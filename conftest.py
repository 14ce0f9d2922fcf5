"""Root pytest configuration.

scikit-learn's array-API estimator checks need SciPy's array-API mode, which is
read when SciPy is first imported: set it before anything imports SciPy.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
