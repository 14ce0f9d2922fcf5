"""Same-process A/B of the loss's terms: Fast2Sum's log(1 + e) against numpy's log1p.

One block of rows as the backend passes it (65,536 entries of z), binary and 10 classes,
float64 and float32, with ``gdlogreg._loss.SIMD_LOG1P`` off (Fast2Sum) and on (log1p);
time of a call less that of the copy of z it works on, min of 5 × 20 calls, medians of 3
interleaved.

    OPENBLAS_NUM_THREADS=1 python benchmarks/experiments/log1p_ab.py
"""

import statistics
import sys
import timeit
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from gdlogreg import _loss
from gdlogreg._loss import make_loss


def best(f):
    return min(timeit.repeat(f, number=20, repeat=5)) / 20


def case(k, dtype, rows, rng):
    loss = make_loss(k, np)
    z = (rng.standard_normal((rows, 1 if k == 2 else k)) * 3).astype(dtype)
    z = np.asfortranarray(z)  # class-major, as the backend's
    t = loss.encode(rng.integers(0, k, rows), np)
    s = rng.random(rows).astype(dtype)
    s /= s.sum()

    def call():
        loss.terms(z.copy(order="K"), t, s, np, True)

    def copy():
        z.copy(order="K")

    times = {False: [], True: []}
    for flag in (False, True) * 3:
        _loss.SIMD_LOG1P = flag
        times[flag].append(best(call) - best(copy))
    a, b = statistics.median(times[False]), statistics.median(times[True])
    print(f"K={k} {np.dtype(dtype).name} rows={rows}: Fast2Sum {a * 1e3:.3f} ms, "
          f"log1p {b * 1e3:.3f} ms, log1p / Fast2Sum {b / a:.2f}; "
          f"ns a row {a / rows * 1e9:.1f} -> {b / rows * 1e9:.1f}")


def main():
    rng = np.random.default_rng(0)
    print("numpy", np.__version__, "SIMD_LOG1P here:", _loss.SIMD_LOG1P)
    for dtype in (np.float64, np.float32):
        case(2, dtype, 65536, rng)
        case(10, dtype, 6553, rng)


if __name__ == "__main__":
    main()
