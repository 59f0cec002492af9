"""One name for one thing (issue 14, items 7 and 8).

Every view names a node as ``g.labels()`` does — Baydin's ``v_1 … v_5`` for
Baydin et al.'s example, whose published trace is the oracle — the output is
``f`` everywhere, and the mode words ``reverse`` and ``backward`` mean the same.
"""

from __future__ import annotations

import pytest

import semiring_ad as sad
from semiring_ad.views import explain, node_names, output_names, trace_table
from semiring_ad.views.dot import scene


def baydin(x1, x2):
    v1 = sad.log(x1)
    v2 = x1 * x2
    v3 = sad.sin(x2)
    v4 = v1 + v2
    return v4 - v3


@pytest.fixture
def g():
    return sad.trace(baydin, 2.0, 5.0, names=["x1", "x2"])


def test_labels_are_baydins_names(g):
    """Regression: g.labels() and to_networkx() said v2…v6 where the tables said v_1…v_5."""
    published = ["x1", "x2", "v_1", "v_2", "v_3", "v_4", "v_5"]  # Baydin et al., table 2
    ops = ["input", "input", "log", "multiply", "sin", "add", "subtract"]
    assert g.labels() == published
    G = g.to_networkx()
    assert [G.nodes[v]["label"] for v in G] == published and [G.nodes[v]["op"] for v in G] == ops


def test_every_view_uses_the_same_names(g):
    names = g.labels()
    assert list(node_names(g).values()) == names
    primal = trace_table(g, "primal")
    assert [r.lhs for r in primal if r.section == "body"] == names[2:]
    assert [lines[0].split()[0] for lines in scene(g).nodes.values()] == names
    paths = {tuple(names[v] for v in term.nodes) for term in explain(g, "x1").terms}
    assert paths == {("x1", "v_1", "v_4", "v_5"), ("x1", "v_2", "v_4", "v_5")}


def test_the_output_is_f_everywhere(g):
    assert output_names(g) == {g.outputs[0]: "f"}
    assert trace_table(g, "primal")[-1].lhs == "f"
    assert explain(g, "x1").equation().startswith("∂f/∂x1 = ")
    reps = sad.trace(lambda x, y: (x + 4 * y) * ((x + y) * y), 3.0, 5.0, names=["x", "y"])
    assert explain(reps, "y").equation().startswith("∂f/∂y = ")  # an input called y changes nothing
    other = sad.trace(lambda f: f * f, 3.0, names=["f"])
    assert output_names(other) == {other.outputs[0]: "y"}  # only an input called f moves it


@pytest.mark.parametrize("word", ["reverse", "backward"])
def test_reverse_and_backward_are_one_mode(g, word):
    table = trace_table(g, word)
    assert table.mode == "reverse" and table.rows == trace_table(g, "reverse").rows


def test_an_unknown_mode_is_the_librarys_error(g):
    with pytest.raises(sad.SemiringADError, match="'backward'"):
        trace_table(g, "sideways")
