"""Where a default fit's time goes on a CUDA device (the set-up outside the iterations).

    python benchmarks/experiments/gpu_fit_profile.py [--device cuda] [--n 2000000 --d 512]

Prints, for a binary and a 10-class default fit: the fit's time against
``n_iter_`` times an iteration's; torch.profiler's kernels by device time; and a
cProfile of the Python calls by cumulative time (run with CUDA_LAUNCH_BLOCKING=1 for
the time of each launch to fall on its caller).
"""

import argparse
import cProfile
import pstats
import time
import warnings

import torch
from sklearn import config_context

from gdlogreg import GradientDescentLogisticRegression as G


def data(n, d, K, dev, seed=0):
    g = torch.Generator(device=dev).manual_seed(seed)
    X = torch.randn(n, d, device=dev, dtype=torch.float32, generator=g)
    W = torch.randn(d, max(K, 2), device=dev, generator=g) / d**0.5
    Z = X @ W + 0.5 * torch.randn(n, W.shape[1], device=dev, generator=g)
    y = torch.argmax(Z, dim=1) if K > 2 else (Z[:, 0] > Z[:, 1])
    return X, y.to(torch.int64)


def sync(dev):
    if dev.type == "cuda":
        torch.cuda.synchronize()


def fit(X, y, dev, **kw):
    sync(dev)
    t = time.perf_counter()
    with config_context(array_api_dispatch=True):
        est = G(**kw).fit(X, y)
    sync(dev)
    return time.perf_counter() - t, est


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--n", type=int, default=2_000_000)
    ap.add_argument("--d", type=int, default=512)
    ap.add_argument("--rows", type=int, default=25)
    a = ap.parse_args()
    warnings.simplefilter("ignore")  # the 1-iteration fit's ConvergenceWarning
    dev = torch.device(a.device)
    for K, n, d in ((2, a.n, a.d), (10, a.n // 2, a.d // 2)):
        X, y = data(n, d, K, dev)
        fit(X, y, dev)  # warm-up (kernels, cuBLAS handles)
        t, est = fit(X, y, dev)
        t1, _ = fit(X, y, dev, max_iter=1, tol=0)
        print(f"\n### K={K}, {n} x {d}: fit {t * 1e3:.1f} ms, {int(est.n_iter_[0])} iterations;"
              f" a fit of 1 iteration {t1 * 1e3:.1f} ms", flush=True)
        acts = [torch.profiler.ProfilerActivity.CPU]
        if dev.type == "cuda":
            acts.append(torch.profiler.ProfilerActivity.CUDA)
        with torch.profiler.profile(activities=acts) as prof:
            fit(X, y, dev)
        key = "cuda_time_total" if dev.type == "cuda" else "cpu_time_total"
        print(prof.key_averages().table(sort_by=key, row_limit=a.rows), flush=True)
        pr = cProfile.Profile()
        pr.enable()
        fit(X, y, dev)
        pr.disable()
        pstats.Stats(pr).sort_stats("cumulative").print_stats(a.rows)
        del X, y


if __name__ == "__main__":
    main()
