"""The notebooks open in Jupyter with one command, and teach without test scaffolding (issue 14, item 10).

Each ``notebooks/NN_*.md`` (MyST, what the docs build executes) has a
jupytext-paired ``.ipynb`` without outputs, so ``jupyter lab notebooks/``
opens them as notebooks.  The pair is read here with the standard library
only (``json`` and the MyST cell syntax), so the check runs without jupytext;
``jupytext --sync notebooks/*.md`` repairs a pair that drifted.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.md"))
CELL = re.compile(r"^```\{code-cell\} ipython3\n((?::[^\n]*\n)*)\n?(.*?)^```$", re.S | re.M)
HIDDEN = {"hide-cell", "remove-cell", "remove-input"}


def md_cells(path: Path) -> list[tuple[str, set[str]]]:
    """(source, tags) of every code cell of a MyST notebook."""
    cells = []
    for head, body in CELL.findall(path.read_text(encoding="utf-8")):
        tags = re.search(r":tags: \[(.*?)\]", head)
        cells.append((body.strip("\n"), {t.strip() for t in tags.group(1).split(",")} if tags else set()))
    return cells


def ipynb_cells(path: Path) -> list[dict]:
    return [c for c in json.loads(path.read_text(encoding="utf-8"))["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_has_an_ipynb_in_sync(notebook):
    paired = notebook.with_suffix(".ipynb")
    assert paired.is_file(), f"{paired.name} is missing; run: jupytext --sync {notebook.relative_to(ROOT)}"
    assert "formats: ipynb,md:myst" in notebook.read_text(encoding="utf-8"), "pair it: jupytext --set-formats"
    md, nb = md_cells(notebook), ipynb_cells(paired)
    assert [s for s, _ in md] == ["".join(c["source"]).strip("\n") for c in nb], (
        f"{paired.name} differs from {notebook.name}; run: jupytext --sync {notebook.relative_to(ROOT)}")
    assert [t for _, t in md] == [set(c["metadata"].get("tags", [])) for c in nb]
    assert all(not c["outputs"] and c["execution_count"] is None for c in nb), f"{paired.name} stores outputs"


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_oracle_asserts_live_in_hidden_cells(notebook):
    """A teaching cell has no top-level assert: the checks run in cells tagged hide-cell."""
    for source, tags in md_cells(notebook):
        if tags & HIDDEN:
            continue
        asserts = [n for n in ast.parse(source).body if isinstance(n, ast.Assert)]
        assert not asserts, f"{notebook.name}: move `{ast.unparse(asserts[0])[:60]}` into a hide-cell cell"


def test_there_is_a_notebooks_extra_and_one_command():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    extra = re.search(r"^notebooks = \[(.*?)\]$", text, flags=re.M)
    assert extra and all(name in extra.group(1) for name in ("jupyterlab", "jupytext", "matplotlib"))
    readme = (ROOT / "notebooks" / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[notebooks]" && jupyter lab notebooks/' in readme
