"""H's diagonal metric on and off: which fits it helps and which it hurts.

Where no H⁻¹ applies (sparse X of more than MAX_WHITENED coordinates or of few rows, dense
X too wide for both the p × p and the factored metric), bb's steps take H's diagonal
(:meth:`gdlogreg._objective.Objective._diagonal_metric`). This runs each fit of
iteration_ab.py's groups twice in this process, as the code is ("base": with the diagonal)
and with that metric refused ("new"), and prints the fits whose iterations or J differ
(iteration_ab's ``compare``): iterations, J's relative difference, and with ``--repeats``
the median process times.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/diagonal_ab.py --groups oh,sparse,r6 [--repeats 3]
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

import iteration_ab  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression, _objective  # noqa: E402


class Plain(GradientDescentLogisticRegression):
    """The default fit with H's diagonal metric refused (its kernel's answer None)."""

    def fit(self, *args, **kwargs):
        on = _objective.Objective._diagonal_metric
        _objective.Objective._diagonal_metric = lambda self, *a, **k: None
        try:
            return super().fit(*args, **kwargs)
        finally:
            _objective.Objective._diagonal_metric = on


def main(argv=None):
    ap = iteration_ab.parser(__doc__.splitlines()[0], base=False)
    a = ap.parse_args(argv)
    iteration_ab.compare((("base", GradientDescentLogisticRegression), ("new", Plain)), a)


if __name__ == "__main__":
    main()
