"""gdlogreg._compat: the single door to private scikit-learn, and its fallbacks.

- the floors declared in pyproject.toml are the versions CI's oldest job pins;
- no module but ``_compat`` imports a private scikit-learn or scipy name;
- each fallback of ``_compat`` gives scikit-learn's answer where both exist.
"""

import ast
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn import config_context
from sklearn.datasets import load_iris

from gdlogreg import GradientDescentLogisticRegression, _compat

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gdlogreg"
PYPROJECT = ROOT / "pyproject.toml"
OLDEST = ROOT / ".ci" / "oldest.txt"

# Private imports outside _compat that are known and left alone, as (file, module):
# No module but _compat.py may import a private name.
KNOWN_PRIVATE = set()

# The fits here are short on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _sklearn_version():
    version = tuple(int(p) for p in re.findall(r"\d+", sklearn.__version__)[:2])
    assert version == _compat.SKLEARN_VERSION
    return version


# -- declared floors ---------------------------------------------------------------------


def _declared_floors():
    """{name: version} of the ``name>=version`` runtime dependencies in pyproject.toml."""
    text = PYPROJECT.read_text()
    deps = re.search(r"^dependencies\s*=\s*\[(.*?)\]", text, re.M | re.S).group(1)
    floors = {}
    for req in re.findall(r'"([^"]+)"', deps):
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", req)
        assert m, f"dependency {req!r} is not of the form name>=version"
        floors[m.group(1).lower()] = m.group(2)
    return floors


def _oldest_pins():
    pins = {}
    for line in OLDEST.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"{line!r} in {OLDEST.name} is not pinned with =="
            pins[name.strip().lower()] = version.strip()
    return pins


@pytest.mark.skipif(not OLDEST.exists(), reason="no .ci/ in this checkout")
def test_declared_floors_are_the_versions_ci_tests():
    floors = _declared_floors()
    assert set(floors) == {"numpy", "scipy", "scikit-learn"}
    pins = _oldest_pins()
    for name, version in floors.items():
        assert pins.get(name) == version, (
            f"pyproject.toml says {name}>={version} but .ci/oldest.txt pins"
            f" {name}=={pins.get(name)}"
        )


def test_installed_versions_meet_the_floors():
    from importlib.metadata import version

    def key(v):
        return tuple(int(p) for p in re.findall(r"\d+", v)[:3])

    for name, floor in _declared_floors().items():
        assert key(version(name)) >= key(floor), (name, version(name), floor)


# -- no private import outside _compat -------------------------------------------------------


def _private_imports(path):
    """(module, name) of each private scikit-learn/scipy module or name that a file imports."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules = [node.module]
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
            names = []
        else:
            continue
        for module in modules:
            if module.split(".")[0] not in ("sklearn", "scipy"):
                continue
            if any(part.startswith("_") for part in module.split(".")):
                found.append((module, None))
            found += [(module, n) for n in names if n.startswith("_")]
    return found


def test_private_imports_scan_finds_them(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "import sklearn.utils._array_api\n"
        "from sklearn.base import _fit_context, clone\n"
        "from sklearn.utils import check_array\n"
        "from .x import _y\n"
        "def f():\n    from scipy.sparse._sparsetools import csr_matvec\n"
    )
    assert _private_imports(source) == [
        ("sklearn.utils._array_api", None),
        ("sklearn.base", "_fit_context"),
        ("scipy.sparse._sparsetools", None),
    ]


def test_only_compat_imports_private_sklearn_or_scipy():
    offenders = []
    for path in sorted(PACKAGE.glob("*.py")):
        if path.name == "_compat.py":
            continue
        for module, name in _private_imports(path):
            if (path.name, module) not in KNOWN_PRIVATE:
                offenders.append(f"{path.name}: {module}" + (f".{name}" if name else ""))
    assert not offenders, offenders


# -- fallbacks against scikit-learn ----------------------------------------------------------


def _sklearn_has(module, name):
    return hasattr(__import__(module, fromlist=[name]), name)


def _needs(module, name):
    return pytest.mark.skipif(
        not _sklearn_has(module, name), reason=f"this scikit-learn has no {module}.{name}"
    )


def _is_sklearn(obj, module):
    return getattr(obj, "__module__", "").startswith(module)


def test_compat_uses_sklearn_where_it_has_the_name():
    """The fallback is used exactly where scikit-learn lacks the name."""
    expect = {
        "move_to": ("sklearn.utils._array_api", "move_to"),
        "check_same_namespace": ("sklearn.utils._array_api", "check_same_namespace"),
        "is_numpy_namespace": ("sklearn.utils._array_api", "_is_numpy_namespace"),
        "convert_to_numpy": ("sklearn.utils._array_api", "_convert_to_numpy"),
        "max_precision_float_dtype": ("sklearn.utils._array_api", "_max_precision_float_dtype"),
        "check_sample_weight": ("sklearn.utils.validation", "_check_sample_weight"),
        "check_feature_names": ("sklearn.utils.validation", "_check_feature_names"),
        "fit_context": ("sklearn.base", "_fit_context"),
    }
    for ours, (module, name) in expect.items():
        has = _sklearn_has(module, name)
        assert _is_sklearn(getattr(_compat, ours), "sklearn") == has, ours
    assert _compat.HAS_CALLBACKS == (_sklearn_version() >= (1, 9))
    from sklearn.linear_model._base import LinearClassifierMixin

    assert issubclass(_compat.LinearClassifierMixin, LinearClassifierMixin)
    ours = _compat.LinearClassifierMixin
    assert ours.decision_function is LinearClassifierMixin.decision_function
    # before 1.9 scikit-learn's predict cannot take host classes_ with array-API indices
    assert (ours.predict is LinearClassifierMixin.predict) == (_sklearn_version() >= (1, 9))
    if not _compat.HAS_CALLBACKS:
        assert _compat.CallbackSupportMixin is _compat._CallbackSupportMixinFallback


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


# numpy and, where installed and usable, array_api_strict under dispatch.
NAMESPACES = [pytest.param(None, id="numpy"), pytest.param("array_api_strict", id="strict")]


def _xp_or_skip(name):
    if name is None:
        return None
    xp = pytest.importorskip(name)
    try:
        with config_context(array_api_dispatch=True):
            _compat.get_namespace(xp.asarray([1.0]))
    except (ImportError, RuntimeError) as exc:  # e.g. scipy too old for array-API dispatch
        pytest.skip(f"no array-API dispatch here: {exc}")
    return xp


@pytest.mark.parametrize("name", NAMESPACES)
def test_small_array_fallbacks_match_sklearn(name):
    xp_mod = _xp_or_skip(name)
    a = np.array([[1.5, -2.0], [3.0, 4.25]])
    with config_context(array_api_dispatch=xp_mod is not None):
        arr = a if xp_mod is None else xp_mod.asarray(a)
        xp, _, dev = _compat.get_namespace_and_device(arr)
        assert _compat._is_numpy_namespace_fallback(xp) == _compat.is_numpy_namespace(xp)
        np.testing.assert_array_equal(
            _compat._convert_to_numpy_fallback(arr, xp), _compat.convert_to_numpy(arr, xp)
        )
        assert isinstance(_compat._convert_to_numpy_fallback(arr, xp), np.ndarray)
        assert _compat._max_precision_float_dtype_fallback(
            xp, dev
        ) == _compat.max_precision_float_dtype(xp, dev)


@pytest.mark.parametrize("name", NAMESPACES)
def test_move_to_fallback(name):
    xp_mod = _xp_or_skip(name)
    a = np.arange(6.0)
    with config_context(array_api_dispatch=xp_mod is not None):
        target = a if xp_mod is None else xp_mod.asarray(a)
        xp, _, dev = _compat.get_namespace_and_device(target)
        moved = _compat._move_to_fallback(a, xp=xp, device=dev)
        assert _compat.get_namespace_and_device(moved)[0] == xp
        np.testing.assert_array_equal(_compat.convert_to_numpy(moved, xp), a)
        assert _compat._move_to_fallback(target, xp=xp, device=dev) is target
        none, moved2 = _compat._move_to_fallback(None, a, xp=xp, device=dev)
        assert none is None
        np.testing.assert_array_equal(_compat.convert_to_numpy(moved2, xp), a)
        back = _compat._move_to_fallback(target, xp=np, device=None)
        assert isinstance(back, np.ndarray)
        np.testing.assert_array_equal(back, a)
        if _sklearn_has("sklearn.utils._array_api", "move_to"):
            ref = _compat.move_to(a, xp=xp, device=dev)
            assert type(ref) is type(moved)
            np.testing.assert_array_equal(
                _compat.convert_to_numpy(ref, xp), _compat.convert_to_numpy(moved, xp)
            )
    X = sp.random(4, 3, density=0.5, format="csr", random_state=0)
    assert _compat._move_to_fallback(X, xp=np, device=None) is X


def test_check_same_namespace_fallback(iris):
    X, y = iris
    model = GradientDescentLogisticRegression(max_iter=5, tol=0).fit(X, y)
    for check in {_compat.check_same_namespace, _compat._check_same_namespace_fallback}:
        check(X, model, attribute="coef_", method="predict")
        check(X.tolist(), model, attribute="coef_", method="predict")
        check(sp.csr_matrix(X), model, attribute="coef_", method="predict")
        with config_context(array_api_dispatch=False):
            check(X, model, attribute="coef_", method="predict")
    xp = _xp_or_skip("array_api_strict")
    with config_context(array_api_dispatch=True):
        strict = GradientDescentLogisticRegression(max_iter=5, tol=0).fit(
            xp.asarray(X), xp.asarray(y)
        )
        checks = [_compat._check_same_namespace_fallback]
        if _sklearn_has("sklearn.utils._array_api", "check_same_namespace"):
            checks.append(_compat.check_same_namespace)
        for check in checks:
            check(xp.asarray(X), strict, attribute="coef_", method="predict")
            with pytest.raises(ValueError, match="must use the same namespace"):
                check(X, strict, attribute="coef_", method="predict")
            with pytest.raises(ValueError, match="must use the same namespace"):
                check(xp.asarray(X), model, attribute="coef_", method="predict")


@pytest.mark.parametrize(
    "sample_weight",
    [None, 2.0, [1, 2, 3, 4], np.array([0.5, 1.0, 0.0, 2.0], np.float32), "neg", "2d", "len"],
)
@pytest.mark.parametrize("dtype", [None, np.float32, np.float64, np.int64])
def test_check_sample_weight_fallback(sample_weight, dtype):
    X = np.ones((4, 2))
    bad = {"neg": [1.0, -1.0, 1.0, 1.0], "2d": np.ones((4, 1)), "len": [1.0, 2.0]}
    sw = bad.get(sample_weight, sample_weight) if isinstance(sample_weight, str) else sample_weight
    results = []
    for check in (_compat.check_sample_weight, _compat._check_sample_weight_fallback):
        try:
            results.append(check(sw, X, dtype=dtype, ensure_non_negative=True))
        except ValueError as exc:
            results.append(type(exc))
    ref, ours = results
    if isinstance(ref, type):
        assert ours is ref
    else:
        assert ours.dtype == ref.dtype and ours.shape == ref.shape
        np.testing.assert_array_equal(ours, ref)


def test_check_feature_names_fallback():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(np.ones((3, 2)), columns=["a", "b"])
    other = pd.DataFrame(np.ones((3, 2)), columns=["b", "a"])

    class Est:
        pass

    def run(check, fit_X, X):
        est = Est()
        check(est, fit_X, reset=True)
        names = getattr(est, "feature_names_in_", None)
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                check(est, X, reset=False)
                error = None
            except ValueError:
                error = ValueError
        return (None if names is None else list(names)), [type(x.message) for x in w], error

    cases = [(frame, frame), (frame, other), (frame, np.ones((3, 2))), (np.ones((3, 2)), frame)]
    cases.append((np.ones((3, 2)), np.ones((3, 2))))
    for fit_X, X in cases:
        assert run(_compat._check_feature_names_fallback, fit_X, X) == run(
            _compat.check_feature_names, fit_X, X
        )
    mixed = pd.DataFrame(np.ones((3, 2)), columns=["a", 1])
    for check in (_compat.check_feature_names, _compat._check_feature_names_fallback):
        with pytest.raises(TypeError):
            check(Est(), mixed, reset=True)


def test_fit_context_fallback():
    from sklearn.utils._param_validation import InvalidParameterError

    calls = []

    class Fallback(GradientDescentLogisticRegression):
        @_compat._fit_context_fallback(prefer_skip_nested_validation=True)
        def fit(self, X, y):
            calls.append(sklearn.get_config()["skip_parameter_validation"])
            return self

    Fallback().fit(None, None)
    assert calls == [True]
    for est in (Fallback(C=-1.0), GradientDescentLogisticRegression(C=-1.0)):
        with pytest.raises(InvalidParameterError, match="'C' parameter"):
            est.fit(np.ones((4, 2)), [0, 1, 0, 1])
    with config_context(skip_parameter_validation=True):
        Fallback(C=-1.0).fit(None, None)


def test_linear_classifier_mixin_fallback(iris):
    X, y = iris

    class Fallback(_compat._LinearClassifierMixinFallback, GradientDescentLogisticRegression):
        pass

    for classes in (y, np.array(["a", "b", "c"])[y], y == 2):
        ref = GradientDescentLogisticRegression(max_iter=20, tol=0).fit(X, classes)
        ours = Fallback(max_iter=20, tol=0).fit(X, classes)
        np.testing.assert_array_equal(
            _compat._LinearClassifierMixinFallback.decision_function(ours, X),
            ref.decision_function(X),
        )
        np.testing.assert_array_equal(
            _compat._LinearClassifierMixinFallback.predict(ours, X), ref.predict(X)
        )
        np.testing.assert_array_equal(
            _compat._LinearClassifierMixinFallback.predict(ours, sp.csr_matrix(X)),
            ref.predict(X),
        )


@pytest.mark.parametrize(
    "y",
    [
        np.array([0, 1, 1, 0]),
        np.array([3, 1, 2, 2], dtype=np.uint8),
        np.array([True, False, True, True]),
        np.array([0, 0, 0]),  # one class: 'binary' for the check, refused later by fit
        np.array([0.0, 1.0, 1.0]),
        np.array([0.0, 0.5, 1.0]),  # continuous
        np.array(["a", "b", "a"]),
        np.array(["a"]),  # one class: the estimator's own message
        np.array([b"a", b"b"]),  # bytes: refused by scikit-learn
        np.array([["a"], ["b"]]),  # 2-D strings
        np.array(["a", "b", "c"], dtype=object),  # a pandas column of text
        np.array(["a", None, "b"], dtype=object),
        np.array(["a", np.nan, "b"], dtype=object),
        np.array(["a", 1, "b"], dtype=object),
        np.array([1, "a", "b"], dtype=object),
        np.array(["a", b"b"], dtype=object),
        np.array(["a", 1, 2.5], dtype=object),  # mixed types
        np.array([[0, 1], [1, 1], [1, 0]]),  # multilabel indicator
        np.array([[1.5], [0.0], [2.0]]),
    ],
    ids=str,
)
def test_label_check_agrees_with_scikit_learn(y):
    """The fast path (1-D integer, boolean or text numpy labels) passes exactly where
    scikit-learn's check_classification_targets passes, with its message otherwise."""
    from sklearn.utils.multiclass import check_classification_targets as sklearn_check

    from gdlogreg._compat import check_classification_targets

    try:
        sklearn_check(y)
    except (ValueError, TypeError) as exc:
        with pytest.raises(type(exc), match=re.escape(str(exc))):
            check_classification_targets(y)
    else:
        check_classification_targets(y)


@pytest.mark.parametrize("l1_ratio", [0.0, 1.0])
def test_logistic_penalty_gives_the_elastic_net_on_every_version(l1_ratio):
    """Before scikit-learn 1.8 ``l1_ratio`` alone is ignored (with a warning) under the
    default penalty "l2": the CLI's reference was an L2 fit next to our L1 one."""
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True)
    X = (X - X.mean(axis=0)) / X.std(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = LogisticRegression(
            C=0.05, solver="saga", tol=1e-8, max_iter=20_000,
            **_compat.logistic_penalty(l1_ratio),
        ).fit(X, y)
    assert (np.sum(ref.coef_ == 0) > 0) == (l1_ratio > 0)  # L1 makes exact zeros
