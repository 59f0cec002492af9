"""Sphinx configuration: MyST pages, executed notebooks, an API reference from docstrings.

Build (warnings are errors, every notebook and every page with code cells is executed)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

Layout decisions
----------------
* The notebooks live in ``notebooks/`` at the top of the repository (MyST
  Markdown text notebooks, no outputs in git).  Sphinx cannot list documents
  outside its source directory, so this file links ``docs/notebooks`` to
  ``../notebooks`` before the build starts (a symlink; a copy where symlinks
  are not allowed).  The link is generated, not committed (``docs/.gitignore``):
  there is one copy of every notebook, ``sphinx-build docs …`` works from a
  fresh clone, and nothing else in the repository has to know about Sphinx.
  Each ``.md`` has a jupytext-paired ``.ipynb`` (no outputs) so that
  ``jupyter lab notebooks/`` opens them as notebooks; the build reads only the
  ``.md`` (``tests/test_notebooks.py`` keeps the pairs in sync).
* myst-nb executes every notebook and every page that has ``{code-cell}``
  blocks on every build (``nb_execution_mode = "force"``) and fails on the
  first error, so the docs build is the test that the notebooks run and that
  their ``assert`` statements hold.
* The kernels inherit ``PYTHONPATH`` with the repository root first, so they
  import the working tree's ``semiring_ad`` whether or not it is installed.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent

sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))
os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)


def _link_notebooks() -> None:
    """Make ``docs/notebooks`` show ``../notebooks``: a relative symlink, else a fresh copy."""
    link, target = DOCS / "notebooks", ROOT / "notebooks"
    if link.is_symlink() and link.resolve() == target.resolve():
        return
    if link.is_symlink() or link.is_file():
        link.unlink()
    try:
        if not link.exists():
            link.symlink_to(Path("..") / "notebooks", target_is_directory=True)
    except OSError:  # no symlinks here (e.g. Windows without developer mode): copy
        shutil.copytree(target, link, dirs_exist_ok=True)


_link_notebooks()

import semiring_ad  # noqa: E402  (after the path set-up above)

# -- project -------------------------------------------------------------------------
project = "semiring_ad"
author = "semiring_ad developers"
copyright = "semiring_ad developers, MIT License"
release = version = semiring_ad.__version__

# -- extensions ----------------------------------------------------------------------
extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "public_api",
]

exclude_patterns = ["_build", "jupyter_execute", ".jupyter_cache", "**.ipynb_checkpoints", "notebooks/README.md",
                    "notebooks/*.ipynb"]  # the .md is built; its paired .ipynb is for opening in Jupyter

# -- MyST and myst-nb ------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 180  # seconds per cell; every notebook runs in well under a minute
nb_merge_streams = True
nb_render_markdown_format = "myst"  # text/markdown outputs (tables built in cells) are parsed as MyST

# -- autodoc -------------------------------------------------------------------------
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True
autosummary_generate = False  # the public-api directive writes the entries; no stub files
add_module_names = False
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
napoleon_use_ivar = True  # "Attributes" sections as fields: properties documented below are not duplicated

# -- HTML ----------------------------------------------------------------------------
try:
    import furo  # noqa: F401

    html_theme = "furo"
except ImportError:  # the fallback theme ships with Sphinx
    html_theme = "alabaster"
html_title = f"semiring_ad {release}"
html_static_path: list[str] = []


# -- the benchmark results, when the benchmarks have written them ---------------------
RESULTS = ROOT / "benchmarks" / "RESULTS.md"
RESULTS_MARKER = "% BENCHMARK-RESULTS"


def _include_results(app, docname: str, source: list[str]) -> None:
    """On the performance page, replace the marker line by a MyST include of
    ``benchmarks/RESULTS.md`` if it exists, else by a note saying how to make it."""
    if docname != "performance" or RESULTS_MARKER not in source[0]:
        return
    if RESULTS.exists():
        app.env.note_dependency(str(RESULTS))  # an incremental build re-reads the page when it changes
        block = "```{include} ../benchmarks/RESULTS.md\n:heading-offset: 1\n```"
    else:
        block = (
            ":::{note}\nNo benchmark results yet: `benchmarks/RESULTS.md` does not exist in this checkout. "
            "The benchmarks write it; this page includes it automatically on the next build.\n:::"
        )
    source[0] = source[0].replace(RESULTS_MARKER, block)


# -- docstrings written as plain text ------------------------------------------------
_SUBSTITUTION = re.compile(r"(?<![\\`|])\|(?=[^\s|`])([^|`]*?[^\s|`\\])\|(?![|_])")


_BEFORE_NAPOLEON: dict[tuple[str, str], list[str]] = {}
_ONE_PARAGRAPH = ("data", "attribute", "property")


def _plain_text_docstrings(app, what, name, obj, options, lines: list[str]) -> None:
    """Runs before napoleon.  Absolute values written ``|x|`` are substitution references to
    reStructuredText (an error); escape such pairs, except inside inline literals and on the
    rows of grid tables."""
    for i, line in enumerate(lines):
        text = line.strip()
        if text.startswith("+") or (text.startswith("|") and text.endswith("|") and " | " in text):
            continue
        parts = re.split(r"(``.*?``)", line)
        lines[i] = "".join(p if p.startswith("``") else _SUBSTITUTION.sub(r"\\|\1\\|", p) for p in parts)
    if what in _ONE_PARAGRAPH:
        _BEFORE_NAPOLEON[(what, name)] = list(lines)


def _keep_attribute_docstrings(app, what, name, obj, options, lines: list[str]) -> None:
    """Runs after napoleon, which reads the first line of a data or property docstring as
    ``type: description`` whenever it has a colon ("The output value(s): a float, ...").
    Our attribute docstrings are prose, and autodoc shows their types from the annotations,
    so put the prose back."""
    original = _BEFORE_NAPOLEON.pop((what, name), None)
    if original is not None:
        lines[:] = original


def setup(app):
    app.connect("source-read", _include_results)
    app.connect("autodoc-process-docstring", _plain_text_docstrings, priority=400)  # before napoleon (500)
    app.connect("autodoc-process-docstring", _keep_attribute_docstrings, priority=600)  # after it
