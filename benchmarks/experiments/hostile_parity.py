"""Review 106: how often a fit that says ``converged`` is more than tol above J*, on the
fuzz's problems (tests/test_review106.py ``problems``), against LogisticRegression.

Draws N problems (hostile, or ``--mild``: ordinary scales, weights and C), fits both, and
where both fit, ours says converged, LogisticRegression (lbfgs/saga, tol=1e-10) stopped
before max_iter and J is comparable, records (J - J*)/J* with J* the lower of the two.
Prints the count compared and the worst cases by solver, X's storage and class weights.

    PYTHONPATH=. OMP_NUM_THREADS=1 python benchmarks/experiments/hostile_parity.py 600 --mild
"""

import collections
import sys
import warnings
from pathlib import Path

from hypothesis import HealthCheck, given, settings

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
import test_review106 as t


def main(n, mild):
    rows = []

    @settings(max_examples=n, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    @given(t.problems(mild=mild))
    def sweep(problem):
        X, y, sw, params = problem
        ref = t._reference(params)
        if t._fit(ref, X, y, sw)[0] is not None:
            return
        model = t.GradientDescentLogisticRegression(**params)
        if t._fit(model, X, y, sw)[0] is not None or not model.converged_:
            return
        if ref.n_iter_.max() >= ref.max_iter or not t._comparable(X, sw, params):
            return
        ours, theirs = t._J(model, X, y, sw, params), t._J(ref, X, y, sw, params)
        best = min(ours, theirs)
        cw = params["class_weight"]
        light = isinstance(cw, dict) and min(cw.values()) < 1e-3
        rows.append(((ours - best) / best, params["solver"], type(X).__name__,
                     str(model.coef_.dtype), "light class" if light else "-"))

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sweep()
    print(f"compared {len(rows)}")
    over = collections.Counter((r[1], r[2], r[3], r[4]) for r in rows
                               if r[0] > (1e-5 if r[3] == "float64" else 1e-4))
    print(f"above tol: {sum(over.values())}")
    for key, count in over.most_common():
        worst = max(r[0] for r in rows if (r[1], r[2], r[3], r[4]) == key)
        print(f"  {count:3d}  worst {worst:.1e}  {key}")


if __name__ == "__main__":
    main(int(sys.argv[1]), "--mild" in sys.argv)
