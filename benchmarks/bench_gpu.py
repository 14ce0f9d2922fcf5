"""GPU benchmark: gradient descent on torch CUDA tensors under array-API dispatch.

Run where a GPU is present (it exits with a message otherwise)::

    SCIPY_ARRAY_API=1 python benchmarks/bench_gpu.py [--n 2000000 --d 512]

It reports, on one device, in one process:

- the floor: one ``X @ w`` plus one ``X.T @ r`` (float32), median of repeats;
- the time per iteration of ``GradientDescentLogisticRegression`` (each solver),
  as the marginal cost between a fit of ``k`` and one of ``2k`` iterations, so
  that the one-time set-up (column statistics, power iteration) is not counted;
- the time for our default fit and for ``LogisticRegression()`` (lbfgs) with
  array-API dispatch on the same GPU, and the objective each reaches, against
  the tight reference fit;
- ``LogisticRegression()`` on the CPU, for scale.
"""

import argparse
import statistics
import time
import warnings


def _sync(torch):
    torch.cuda.synchronize()


def objective(torch, X, y, coef, intercept, C):
    z = X @ coef.T + intercept
    z = z[:, 0]
    loss = torch.mean(torch.nn.functional.softplus(z) - y * z)
    return float(loss + 0.5 / (C * X.shape[0]) * torch.sum(coef * coef))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--d", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("PyTorch is not installed: nothing to measure.") from None
    if not torch.cuda.is_available():
        raise SystemExit("No CUDA device: run this where a GPU is lent.")
    from sklearn import config_context
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from gdlogreg import GradientDescentLogisticRegression

    warnings.simplefilter("ignore", ConvergenceWarning)
    dev = torch.device("cuda")
    print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    g = torch.Generator(device=dev).manual_seed(0)
    X = torch.randn(args.n, args.d, device=dev, dtype=torch.float32, generator=g)
    w_true = torch.randn(args.d, device=dev, generator=g) / args.d**0.5
    y = (torch.rand(args.n, device=dev, generator=g) < torch.sigmoid(X @ w_true)).float()
    gb = args.n * args.d * 4 / 1e9
    print(f"X: {args.n} x {args.d} float32 ({gb:.1f} GB)")

    w = torch.randn(args.d, device=dev)
    r = torch.randn(args.n, device=dev)
    floor = []
    for _ in range(20):
        _sync(torch)
        t = time.perf_counter()
        X @ w
        X.T @ r
        _sync(torch)
        floor.append(time.perf_counter() - t)
    floor = statistics.median(floor[5:])
    print(f"floor X@w + X.T@r: {floor * 1e3:.2f} ms ({2 * gb / floor:.0f} GB/s)")

    def fit(est):
        _sync(torch)
        t = time.perf_counter()
        with config_context(array_api_dispatch=True):
            est.fit(X, y)
        _sync(torch)
        return time.perf_counter() - t, est

    for solver in ["gd", "nesterov", "bb"]:
        marg = []
        for _ in range(args.repeats):
            t1, _ = fit(GradientDescentLogisticRegression(solver=solver, max_iter=20, tol=0))
            t2, _ = fit(GradientDescentLogisticRegression(solver=solver, max_iter=40, tol=0))
            marg.append((t2 - t1) / 20)
        m = statistics.median(marg)
        print(f"{solver:9s} per iteration {m * 1e3:.2f} ms = {m / floor:.2f} x floor")

    ref = LogisticRegression(tol=1e-10, max_iter=1000)
    _, ref = fit(ref)
    J_ref = objective(torch, X, y, ref.coef_, ref.intercept_, 1.0)
    rows = []
    for name, make in [
        ("gdlogreg default", GradientDescentLogisticRegression),
        ("LogisticRegression()", LogisticRegression),
    ]:
        times = []
        for _ in range(args.repeats):
            t, est = fit(make())
            times.append(t)
        gap = (objective(torch, X, y, est.coef_, est.intercept_, 1.0) - J_ref) / J_ref
        rows.append((name, statistics.median(times), gap))
    Xc, yc = X.cpu().numpy(), y.cpu().numpy()
    t = time.perf_counter()
    cpu = LogisticRegression().fit(Xc, yc)
    t = time.perf_counter() - t
    cpu_gap = (
        objective(
            torch,
            X,
            y,
            torch.as_tensor(cpu.coef_, device=dev),
            torch.as_tensor(cpu.intercept_, device=dev),
            1.0,
        )
        - J_ref
    ) / J_ref
    rows.append(("LogisticRegression() CPU", t, cpu_gap))
    print("| fit | time (s) | objective gap |\n|---|---|---|")
    for name, t, gap in rows:
        print(f"| {name} | {t:.3f} | {gap:.1e} |")


if __name__ == "__main__":
    main()
