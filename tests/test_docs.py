"""The documentation builds with warnings as errors (and renders the example plots)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("numpydoc")
pytest.importorskip("pydata_sphinx_theme")
pytest.importorskip("matplotlib")

DOCS = Path(__file__).resolve().parents[1] / "docs"


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
    for page in ["index", "user_guide", "cli", "api", "examples/index",
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
    for topic in ["Barzilai", "Armijo", "Nesterov", "Lipschitz", "standardized", "tol"]:
        assert topic in guide, topic
