"""The how-tos of docs/architecture.rst work as written, and the layers hold.

The worked examples are taken from the page, added to a copy of the package
(the one file of a step rule; the file and the one line of a backend) and
used in a fresh interpreter.
"""

import ast
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import gdlogreg

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "architecture.rst"
PACKAGE = Path(gdlogreg.__file__).parent


def _blocks():
    """The page's python code blocks: {caption or index: code}."""
    text = PAGE.read_text()
    blocks = {}
    pattern = r"\.\. code-block:: python\n((?:   :\w+: .*\n)*)\n((?:(?:   .*)?\n)+)"
    for i, m in enumerate(re.finditer(pattern, text)):
        caption = re.search(r":caption: (\S+)", m.group(1))
        blocks[caption.group(1) if caption else i] = textwrap.dedent(m.group(2))
    return blocks


def _copy_package(tmp_path):
    dest = tmp_path / "gdlogreg"
    shutil.copytree(PACKAGE, dest, ignore=shutil.ignore_patterns("__pycache__"))
    return dest


def _run(tmp_path, code):
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}, timeout=120,
    )
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.mark.slow
def test_a_step_rule_is_one_new_file(tmp_path):
    package = _copy_package(tmp_path)
    (package / "_steps" / "decay.py").write_text(_blocks()["gdlogreg/_steps/decay.py"])
    out = _run(tmp_path, textwrap.dedent("""
        import warnings
        import numpy as np
        from sklearn.datasets import load_breast_cancer
        from sklearn.preprocessing import StandardScaler
        import gdlogreg
        from gdlogreg import GradientDescentLogisticRegression as G
        assert gdlogreg.__file__.startswith(ROOT)
        X, y = load_breast_cancer(return_X_y=True)
        X = StandardScaler().fit_transform(X)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m = G(solver="decay", max_iter=300).fit(X, y)
        ref = G().fit(X, y)
        curve = m.loss_curve_
        assert np.all(np.diff(curve) <= 1e-12), "1/L and smaller steps descend"
        assert curve[-1] < 0.25 * curve[0] and ref.loss_curve_[-1] < curve[-1]
        print("ok", m.learning_rate_)
    """).replace("ROOT", repr(str(tmp_path))))
    assert out.startswith("ok")


@pytest.mark.slow
def test_a_backend_is_one_new_file_and_one_line(tmp_path):
    package = _copy_package(tmp_path)
    blocks = _blocks()
    (package / "_backends" / "_blocks.py").write_text(blocks["gdlogreg/_backends/_blocks.py"])
    line = next(code for key, code in blocks.items() if "BlocksBackend(X" in code)
    init = package / "_backends" / "__init__.py"
    source = init.read_text()
    anchor = "    from ._array import make_array_backend\n"
    assert anchor in source
    init.write_text(source.replace(anchor, textwrap.indent(line, "    ") + anchor))
    out = _run(tmp_path, textwrap.dedent("""
        import numpy as np
        from sklearn.datasets import make_classification
        from gdlogreg._backends._blocks import BlocksBackend
        from gdlogreg._objective import Objective
        from gdlogreg._problem import make_problem
        from gdlogreg._solver import minimize
        from gdlogreg._steps import make_rule
        X, y = make_classification(300, 6, n_classes=3, n_informative=4, random_state=0)
        sw = np.linspace(0.5, 2, 300)
        kw = dict(C=0.5, l1_ratio=0.0, fit_intercept=True)
        fits = []
        for data in ([X[:100], X[100:250], X[250:]], X):
            problem = make_problem(data, y, sw, 3, **kw)
            objective = Objective(problem, problem.standardization)
            result = minimize(objective, problem.zeros(), make_rule("bb", "auto"))
            fits.append(result)
        assert isinstance(make_problem([X], y, None, 3, **kw).backend, BlocksBackend)
        a, b = fits
        assert abs(a.loss_curve[-1] - b.loss_curve[-1]) < 1e-10 * b.loss_curve[-1]
        np.testing.assert_allclose(a.coef, b.coef, rtol=1e-6, atol=1e-8)
        print("ok", len(a.loss_curve))
    """))
    assert out.startswith("ok")


def _imports(path):
    """The gdlogreg modules a file imports (relative imports resolved)."""
    tree = ast.parse(path.read_text())
    package = ["gdlogreg", *path.relative_to(PACKAGE).parent.parts]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - node.level + 1]
            name = ".".join(base + ([node.module] if node.module else []))
            found.add(name)
            found.update(f"{name}.{a.name}" for a in node.names)
    return found


# Each layer may import only the layers below it (the modules of docs/architecture.rst).
LAYERS = [
    ("estimator", [
        "_estimator", "_search", "_messages", "_dask", "_cli", "_plot", "__main__", "__init__",
    ]),
    ("solver", ["_solver", "_steps", "_batch"]),
    ("problem", ["_problem"]),
    ("objective", ["_objective"]),
    ("backends", ["_backends"]),
    ("loss", ["_loss", "_penalty"]),
    ("base", ["_xp", "_compat"]),
]


def _layer(module):
    top = module.split(".")[1] if "." in module else module
    for i, (_, names) in enumerate(LAYERS):
        if top in names:
            return i
    return None


@pytest.mark.slow
def test_imports_point_down_only():
    for path in PACKAGE.rglob("*.py"):
        here = _layer("gdlogreg." + ".".join(path.relative_to(PACKAGE).with_suffix("").parts))
        for name in _imports(path):
            there = _layer(name)
            if there is None or here is None or name.split(".")[1] == path.stem:
                continue
            assert there >= here, f"{path.relative_to(PACKAGE)} imports {name} (a layer above it)"


def test_the_solver_and_step_rules_never_touch_data_or_sklearn():
    for path in [PACKAGE / "_solver.py", *(PACKAGE / "_steps").glob("*.py")]:
        source = path.read_text()
        for word in ("sklearn", "scipy.sparse", "dask", ".X ", ".X)", "backend.X"):
            assert word not in source, (path.name, word)
