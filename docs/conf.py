"""Sphinx configuration of gdlogreg's documentation.

Build with ``sphinx-build -W -b html docs docs/_build/html`` (``pip install -e ".[docs]"``).
Everything is built offline: the example plots are rendered by Matplotlib's
plot directive while the pages are built, and the ``>>>`` examples of the
tutorial are run (with their output compared) before the pages are read, so
that a stale output fails a ``-W`` build.
"""

import doctest
import io
import os
import re
import warnings
from pathlib import Path

from sphinx.util import logging

import gdlogreg

os.environ.setdefault("MPLBACKEND", "Agg")

project = "gdlogreg"
author = "The gdlogreg developers"
copyright = "The gdlogreg developers"
version = release = gdlogreg.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "generated/*.examples"]
root_doc = "index"

# API reference: one page per public object, generated from the docstrings.
autosummary_generate = True
autodoc_default_options = {
    "members": True,
    # scikit-learn's metadata-routing setters, documented by scikit-learn.
    "exclude-members": "set_fit_request, set_score_request",
}
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False

# Plots of the examples, rendered at build time (no network needed).
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]
plot_rcparams = {"figure.dpi": 100, "savefig.bbox": "tight"}
plot_pre_code = "import numpy as np\nimport matplotlib.pyplot as plt\n"

html_theme = "pydata_sphinx_theme"
html_title = f"gdlogreg {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "navigation_with_keys": False,
}
html_static_path = []


def _write_cli_help(app):
    """Write the --help texts of the command line for the CLI page."""
    os.environ["COLUMNS"] = "76"
    os.environ["NO_COLOR"] = "1"
    from gdlogreg._cli import build_parser

    parser = build_parser()
    out = Path(app.srcdir) / "generated"
    out.mkdir(exist_ok=True)
    texts = {"main": parser.format_help()}
    for name, sub in parser._subparsers._group_actions[0].choices.items():
        texts[name] = sub.format_help()
    for name, text in texts.items():
        path = out / f"cli-{name}.txt"
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


# Pages whose ">>>" examples are executed at every build (doctest).
DOCTESTED_PAGES = ["tutorial.rst", "search.rst"]


def run_page_doctests(path):
    """Run the ``>>>`` examples of one page; return (failures, attempted, report)."""
    text = Path(path).read_text(encoding="utf-8")
    test = doctest.DocTestParser().get_doctest(
        text, {"__name__": "__doctest__"}, Path(path).name, str(path), 0
    )
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    out = io.StringIO()
    with warnings.catch_warnings():  # a page's warnings filters stay on the page
        runner.run(test, out=out.write)
    return runner.failures, runner.tries, out.getvalue()


def _doctest_pages(app):
    logger = logging.getLogger(__name__)
    for page in DOCTESTED_PAGES:
        failed, tried, report = run_page_doctests(Path(app.srcdir) / page)
        if failed:
            logger.warning(
                "%s: %d of %d doctest examples failed:\n%s", page, failed, tried, report
            )


_TYPE_LINE = re.compile(r"^(\s*[\w*]+(?:\s*,\s*[\w*]+)* : )(.+)$")
_TRAILING_UNDERSCORE = re.compile(r"(\w)_(?=[\s,)\]]|$)")


def _escape_attribute_names(app, what, name, obj, options, lines):
    """Escape names ending in "_" in numpydoc type lines ("(n_iter_ + 1,)").

    In reStructuredText ``word_`` is a link to a target ``word``; a type such
    as ``ndarray of shape (n_features_in_,)`` would be an unknown link. Runs
    before numpydoc turns the sections into reStructuredText.
    """
    for i, line in enumerate(lines):
        m = _TYPE_LINE.match(line)
        if m:
            lines[i] = m.group(1) + _TRAILING_UNDERSCORE.sub(r"\1\\_", m.group(2))


def setup(app):
    app.connect("autodoc-process-docstring", _escape_attribute_names, priority=100)
    app.connect("builder-inited", _write_cli_help)
    app.connect("builder-inited", _doctest_pages)
