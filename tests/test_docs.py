"""The documentation builds with warnings as errors (and renders the example plots)."""

import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")
pytest.importorskip("matplotlib")

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


@pytest.mark.slow
@pytest.mark.skipif(not (DOCS / "conf.py").exists(), reason="no docs/ in this checkout")
def test_docs_build_without_warnings(tmp_path):
    env = {**os.environ, "MPLBACKEND": "Agg", "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
        capture_output=True, text=True, env=env, timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    html = tmp_path / "html"
    # The pages exist, the API reference was generated from the docstrings ...
    for page in ["index", "tutorial", "user_guide", "reference", "performance", "cli", "api",
                 "examples/index",
                 "generated/gdlogreg.GradientDescentLogisticRegression",
                 "generated/gdlogreg.LossCurveDisplay",
                 "generated/gdlogreg.DescentPathDisplay"]:
        assert (html / f"{page}.html").is_file(), page
    api = (html / "generated/gdlogreg.GradientDescentLogisticRegression.html").read_text()
    assert "learning_rate" in api and "loss_curve_" in api
    # ... the command-line help was included ...
    assert "lr-search" in (html / "cli.html").read_text()
    # ... and every example drew its figure.
    images = {p.name for p in (html / "_images").glob("*.png")}
    for script in (DOCS / "examples").glob("plot_*.py"):
        assert f"{script.stem}.png" in images, script.name
    guide = (html / "user_guide.html").read_text()
    for topic in ["Barzilai", "Armijo", "Nesterov", "Lipschitz", "standardized", "tol",
                  "Böhning", "Raydan", "Grippo", "set_callbacks"]:
        assert topic in guide, topic
    # 2/L is a guarantee of descent, not a stability limit, on every written page
    # (the API pages come from the docstrings, which the code owns).
    for page in html.rglob("*.html"):
        if "generated" not in page.parts and "_modules" not in page.parts:
            assert "largest stable" not in page.read_text(), page.name


def _conf():
    spec = importlib.util.spec_from_file_location("docs_conf", DOCS / "conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    return conf


@pytest.mark.slow
@pytest.mark.skipif(not (DOCS / "tutorial.rst").exists(), reason="no tutorial in this checkout")
def test_tutorial_examples_run_with_their_output():
    """The same check the documentation build makes, with a readable report."""
    failed, tried, report = _conf().run_page_doctests(DOCS / "tutorial.rst")
    assert tried > 20
    assert failed == 0, report


def _run_without_warnings(code):
    code = code.replace("LossCurveDisplay.from_estimator(model)",
                        "import matplotlib; matplotlib.use('Agg')\n"
                        "LossCurveDisplay.from_estimator(model)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ConvergenceWarning fails the quick start
        namespace = {"__name__": "__quickstart__"}
        exec(compile(code, "<quick start>", "exec"), namespace)
    return namespace


def test_readme_quick_start_converges_without_warning():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    ns = _run_without_warnings(code)
    assert ns["model"].stop_reason_ == "converged"
    assert ns["textbook"][-1].stop_reason_ == "converged"
    # The set-up commands stay verbatim (CI greps the second one).
    assert "pip install . && python -m gdlogreg" in readme
    assert 'pip install -e ".[test]" && pytest' in readme


def _rst_code_block(text, after):
    rest = text.split(after, 1)[1]
    block = rest.split(".. code-block:: python\n\n", 1)[1]
    lines = []
    for line in block.splitlines():
        if line and not line.startswith("   "):
            break
        lines.append(line)
    return textwrap.dedent("\n".join(lines))


@pytest.mark.skipif(not (DOCS / "index.rst").exists(), reason="no docs/ in this checkout")
def test_index_quick_start_converges_without_warning():
    code = _rst_code_block((DOCS / "index.rst").read_text(), "Install and run")
    ns = _run_without_warnings(code)
    assert ns["model"][-1].stop_reason_ == "converged"


@pytest.mark.skipif(not (DOCS / "user_guide.rst").exists(), reason="no docs/ in this checkout")
def test_user_guide_callback_example_runs():
    pytest.importorskip("sklearn.callback")
    pytest.importorskip("pandas")
    pytest.importorskip("rich")
    code = _rst_code_block((DOCS / "user_guide.rst").read_text(), ".. _callbacks:")
    ns = _run_without_warnings(code)
    assert len(ns["log"]) >= ns["model"].n_iter_
    assert ns["search"].best_score_ > 0.9
