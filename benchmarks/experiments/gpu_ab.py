"""Same-process A/B of default fits on a CUDA device: this checkout's gdlogreg against a
base revision's (``bench_ab.load_base``; or ``--base-dir``, a folder holding the base
package as ``gdlogreg_base``, for a machine without the repository's history).

    SCIPY_ARRAY_API=1 python benchmarks/experiments/gpu_ab.py --base 251307c [--repeats 5]

Sets (float32 on the device): binary 2e6 × 512 and 10 classes 1e6 × 256, Gaussian; and
"raw" binary 1e6 × 256 whose columns share a factor and span four orders of magnitude
around offsets (bb takes its curvature metric there). Interleaved fits, medians; n_iter
and the largest difference of the coefficients.
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import torch
from sklearn import config_context

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import gdlogreg  # noqa: E402


def data(n, d, K, dev, raw=False, seed=0):
    g = torch.Generator(device=dev).manual_seed(seed)
    X = torch.randn(n, d, device=dev, dtype=torch.float32, generator=g)
    W = torch.randn(d, max(K, 2), device=dev, generator=g) / d**0.5
    Z = X @ W + 0.5 * torch.randn(n, W.shape[1], device=dev, generator=g)
    y = torch.argmax(Z, dim=1) if K > 2 else (Z[:, 0] > Z[:, 1])
    if raw:  # a factor shared by every column (correlated), four orders of scale, offsets
        X += 3.0 * X[:, :1].clone()
        X *= torch.logspace(-2, 2, d, device=dev)
        X += torch.linspace(0.0, 100.0, d, device=dev)
    return X, y.to(torch.int64)


def timed(cls, X, y, dev):
    torch.cuda.synchronize() if dev.type == "cuda" else None
    t = time.perf_counter()
    with config_context(array_api_dispatch=True):
        est = cls().fit(X, y)
    torch.cuda.synchronize() if dev.type == "cuda" else None
    return time.perf_counter() - t, est


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default=None)
    ap.add_argument("--base-dir", default=None)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--scale", type=float, default=1.0, help="rows times this (dry runs)")
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    warnings.simplefilter("ignore")
    if a.base_dir:
        sys.path.insert(0, str(Path(a.base_dir).resolve()))
        import gdlogreg_base as base
    else:
        from bench_ab import load_base

        base = load_base(a.base)
    dev = torch.device(a.device)
    new_cls = gdlogreg.GradientDescentLogisticRegression
    base_cls = base.GradientDescentLogisticRegression
    print("| set | n_iter new, base | new s | base s | new/base | max |Δcoef| |")
    print("|---|---|---|---|---|---|")
    for name, n, d, K, raw in [("binary", 2_000_000, 512, 2, False),
                               ("10 classes", 1_000_000, 256, 10, False),
                               ("raw binary", 1_000_000, 256, 2, True)]:
        n = max(1000, int(n * a.scale))
        X, y = data(n, d, K, dev, raw)
        for cls in (new_cls, base_cls):  # warm-up: kernels, cuBLAS handles
            timed(cls, X, y, dev)
        times = {"new": [], "base": []}
        for _ in range(a.repeats):
            for key, cls in (("new", new_cls), ("base", base_cls)):
                t, est = timed(cls, X, y, dev)
                times[key].append(t)
                if key == "new":
                    new = est
                else:
                    old = est
        tn, tb = statistics.median(times["new"]), statistics.median(times["base"])
        diff = float(torch.max(torch.abs(torch.as_tensor(new.coef_) - torch.as_tensor(old.coef_))))
        print(f"| {name} {n}×{d} | {int(new.n_iter_[0])}, {int(old.n_iter_[0])} | {tn:.3f} |"
              f" {tb:.3f} | {tn / tb:.2f} | {diff:.1e} |", flush=True)
        del X, y


if __name__ == "__main__":
    main()
