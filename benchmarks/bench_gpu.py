"""GPU benchmark: gradient descent on torch CUDA tensors under array-API dispatch.

Run where a GPU is present (it exits with a message otherwise)::

    SCIPY_ARRAY_API=1 python benchmarks/bench_gpu.py [--n 2000000 --d 512] [--json out.json]

``--device cpu`` with small sizes is a dry run of the script on torch's CPU device.
It reports, in one process:

- the floor: one ``X @ w`` plus one ``X.T @ r`` (float32) on the device, median of repeats;
- the time per iteration of ``GradientDescentLogisticRegression`` (each solver; bb
  also on ``--classes`` classes), as the marginal cost between a fit of ``k``
  and one of ``2k`` iterations, so that the one-time set-up is not counted;
- the default fit on the device, the same fit on the host's CPU (numpy, the
  default threads) and ``LogisticRegression()`` on the CPU (scikit-learn's
  lbfgs does not take CUDA arrays), each with its relative objective gap
  against a tight float64 fit on the device;
- the CV search (``GradientDescentLogisticRegressionCV``, ``--cs`` values of C,
  5 folds, every (C, fold) a column of one batched descent) on the device and
  on the CPU, against ``LogisticRegressionCV`` on the CPU with the same Cs and folds.
"""

import argparse
import json
import os
import statistics
import time
import warnings

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2_000_000)
    parser.add_argument("--d", type=int, default=512)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--cv-n", type=int, default=200_000)
    parser.add_argument("--cv-d", type=int, default=100)
    parser.add_argument("--cs", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--json", default=None)
    args = parser.parse_args()
    try:
        import torch
    except ImportError:
        raise SystemExit("PyTorch is not installed: nothing to measure.") from None
    if args.device == "cuda" and not torch.cuda.is_available():
        raise SystemExit("No CUDA device: run this where a GPU is lent.")
    from sklearn.exceptions import ConvergenceWarning

    warnings.simplefilter("ignore", ConvergenceWarning)
    warnings.simplefilter("ignore", FutureWarning)  # LogisticRegressionCV's 1.10 changes
    bench = Bench(torch, torch.device(args.device), args)
    out = {"device": bench.name, "torch": torch.__version__, "cpus": os.cpu_count()}
    print(f"device: {bench.name}, torch {torch.__version__}, {os.cpu_count()} CPUs", flush=True)
    for name, fn in [
        ("binary", bench.binary),
        ("multinomial", bench.multinomial),
        ("cv", bench.cv),
    ]:
        try:
            out[name] = fn()
        except Exception as exc:  # one failed part must not lose the others' figures
            print(f"{name}: FAILED {type(exc).__name__}: {exc}", flush=True)
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
        if args.json:
            with open(args.json, "w") as f:
                json.dump(out, f, indent=1, default=str)


class Bench:
    def __init__(self, torch, dev, args):
        self.torch, self.dev, self.args = torch, dev, args
        self.name = torch.cuda.get_device_name(0) if dev.type == "cuda" else "torch CPU"

    def sync(self):
        if self.dev.type == "cuda":
            self.torch.cuda.synchronize()

    def timed(self, fn):
        self.sync()
        t = time.perf_counter()
        out = fn()
        self.sync()
        return time.perf_counter() - t, out

    def fit(self, est, X, y):
        from sklearn import config_context

        with config_context(array_api_dispatch=True):
            return self.timed(lambda: est.fit(X, y))

    def data(self, n, d, n_classes, seed):
        torch = self.torch
        g = torch.Generator(device=self.dev).manual_seed(seed)
        X = torch.randn(n, d, device=self.dev, dtype=torch.float32, generator=g)
        W = torch.randn(d, max(n_classes, 2), device=self.dev, generator=g) / d**0.5
        Z = X @ W + 0.5 * torch.randn(n, W.shape[1], device=self.dev, generator=g)
        y = torch.argmax(Z, dim=1) if n_classes > 2 else (Z[:, 0] > Z[:, 1])
        return X, y.to(torch.int64)

    def floor(self, X, m):
        torch = self.torch
        V = torch.randn(X.shape[1], m, device=self.dev)
        R = torch.randn(X.shape[0], m, device=self.dev)
        times = [self.timed(lambda: (X @ V, X.T @ R))[0] for _ in range(20)]
        return statistics.median(times[5:])

    def per_iteration(self, X, y, solver, floor, k=20):
        from gdlogreg import GradientDescentLogisticRegression as G

        marg = []
        for _ in range(self.args.repeats):
            # tol=0 still stops where J no longer moves (float32 data on well-posed
            # problems: within 20 iterations): time per iteration actually made.
            t1, a = self.fit(G(solver=solver, max_iter=k, tol=0), X, y)
            t2, b = self.fit(G(solver=solver, max_iter=2 * k, tol=0), X, y)
            made = int(b.n_iter_[0]) - int(a.n_iter_[0])
            if made < k // 2:
                print(f"  {solver:9s} stops at {int(b.n_iter_[0])} iterations: not timed",
                      flush=True)
                return None
            marg.append((t2 - t1) / made)
        m = statistics.median(marg)
        print(f"  {solver:9s} per iteration {m * 1e3:.2f} ms = {m / floor:.2f} x floor", flush=True)
        return {"ms": m * 1e3, "x_floor": m / floor}

    def objective(self, X, y, coef, intercept):
        """J in float64 on the device: mean log-loss + ‖W‖²/(2n) (C = 1)."""
        torch = self.torch
        X = X.to(torch.float64)
        coef = torch.as_tensor(coef, dtype=torch.float64, device=self.dev)
        b = torch.as_tensor(intercept, dtype=torch.float64, device=self.dev)
        z = X @ coef.T + b
        if z.shape[1] == 1:
            yf = y.to(torch.float64)
            loss = torch.nn.functional.softplus(z[:, 0]) - yf * z[:, 0]
        else:
            loss = torch.logsumexp(z, dim=1) - z.gather(1, y[:, None])[:, 0]
        return float(loss.mean() + 0.5 / X.shape[0] * torch.sum(coef * coef))

    def compare_fits(self, X, y, with_lr):
        """Default fit on the device and on the CPU, LR() on the CPU: time and gap."""
        from sklearn.linear_model import LogisticRegression

        from gdlogreg import GradientDescentLogisticRegression as G

        torch = self.torch
        X64 = X.to(torch.float64)
        _, ref = self.fit(G(solver="lbfgs", tol=1e-12, max_iter=2000), X64, y)
        J_star = self.objective(X, y, ref.coef_, ref.intercept_)
        del X64
        Xc, yc = X.cpu().numpy(), y.cpu().numpy()
        rows = {}
        contenders = [
            ("gdlogreg default, device", lambda: self.fit(G(), X, y)),
            ("gdlogreg default, CPU", lambda: self.timed(lambda: G().fit(Xc, yc))),
        ]
        if with_lr:
            contenders.append(
                ("LogisticRegression(), CPU",
                 lambda: self.timed(lambda: LogisticRegression().fit(Xc, yc)))
            )
        for name, run in contenders:
            times = []
            for _ in range(self.args.repeats if "device" in name else 1):
                t, est = run()
                times.append(t)
            gap = (self.objective(X, y, est.coef_, est.intercept_) - J_star) / abs(J_star)
            it = est.n_iter_
            it = int(it[0]) if hasattr(it, "__getitem__") else int(it)
            rows[name] = {"s": statistics.median(times), "gap": gap, "n_iter": it}
            print(f"  | {name} | {statistics.median(times):.3f} s | gap {gap:.1e} | {it} it |",
                  flush=True)
        return rows

    def binary(self):
        a = self.args
        X, y = self.data(a.n, a.d, 2, 0)
        print(f"binary X: {a.n} x {a.d} float32 ({X.numel() * 4 / 1e9:.1f} GB)", flush=True)
        floor = self.floor(X, 1)
        gb = X.numel() * 4 / 1e9
        print(f"  floor X@w + X.T@r: {floor * 1e3:.2f} ms ({2 * gb / floor:.0f} GB/s)", flush=True)
        res = {"floor_ms": floor * 1e3, "GBps": 2 * gb / floor}
        res["per_iteration"] = {s: self.per_iteration(X, y, s, floor, k=k)
                                for s, k in (("gd", 20), ("nesterov", 20), ("bb", 5),
                                             ("lbfgs", 3))}
        res["fits"] = self.compare_fits(X, y, with_lr=True)
        return res

    def multinomial(self):
        a = self.args
        n, d = a.n // 2, a.d // 2
        X, y = self.data(n, d, a.classes, 1)
        print(f"multinomial X: {n} x {d} float32, {a.classes} classes", flush=True)
        floor = self.floor(X, a.classes)
        res = {"floor_ms": floor * 1e3}
        res["per_iteration"] = {"bb": self.per_iteration(X, y, "bb", floor, k=5)}
        res["fits"] = self.compare_fits(X, y, with_lr=False)
        return res

    def cv(self):
        from sklearn.linear_model import LogisticRegressionCV
        from sklearn.model_selection import StratifiedKFold

        from gdlogreg import GradientDescentLogisticRegressionCV as GCV

        a = self.args
        X, y = self.data(a.cv_n, a.cv_d, 2, 2)
        Xc, yc = X.cpu().numpy(), y.cpu().numpy()
        cv = StratifiedKFold(5)
        print(f"CV search: {a.cv_n} x {a.cv_d} float32, {a.cs} Cs x 5 folds", flush=True)
        rows = {}
        for name, run in [
            ("GDLRCV, device", lambda: self.fit(GCV(Cs=a.cs, cv=cv), X, y)),
            ("GDLRCV, CPU", lambda: self.timed(lambda: GCV(Cs=a.cs, cv=cv).fit(Xc, yc))),
            ("LogisticRegressionCV, CPU",
             lambda: self.timed(lambda: LogisticRegressionCV(Cs=a.cs, cv=cv).fit(Xc, yc))),
        ]:
            t, est = run()
            C = float(np.asarray(est.C_.cpu() if hasattr(est.C_, "cpu") else est.C_).ravel()[0])
            rows[name] = {"s": t, "C": C}
            print(f"  | {name} | {t:.3f} s | C_ = {C:.4g} |", flush=True)
        return rows


if __name__ == "__main__":
    main()
