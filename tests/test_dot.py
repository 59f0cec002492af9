"""DOT drawings: parsed back by independent parsers (pydot, networkx), rendered by Graphviz.

The edge labels of Reps's example must be the numbers printed in the lecture
(``shared/seeds/004*``): 1, 4, 1, 1, 5, 8, 40, 23.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

import semiring_ad as sad
from semiring_ad.errors import MissingDependencyError
from semiring_ad.views import dot as dot_module
from semiring_ad.views import draw, explain, svg_or_none, to_dot

try:
    import pydot
except ImportError:  # pragma: no cover - pydot is optional
    pydot = None

needs_pydot = pytest.mark.skipif(pydot is None, reason="pydot is not installed: cannot parse the DOT text back")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # pydot's parser on pyparsing 3

REPS_EDGES = [("x", "a", 1), ("y", "a", 4), ("x", "b", 1), ("y", "b", 1),
              ("b", "c", 5), ("y", "c", 8), ("a", "f", 40), ("c", "f", 23)]


def reps_graph():
    G = nx.DiGraph()
    G.add_weighted_edges_from(REPS_EDGES)
    return G


def parse(text):
    (graph,) = pydot.graph_from_dot_data(text)
    return graph


def unquote(label):
    """A pydot label back to its text: strip the quotes, undo the escapes."""
    inner = label[1:-1] if label.startswith('"') else label
    out, i = [], 0
    while i < len(inner):
        if inner[i] == "\\" and i + 1 < len(inner):
            out.append({"n": "\n"}.get(inner[i + 1], inner[i + 1]))
            i += 2
        else:
            out.append(inner[i])
            i += 1
    return "".join(out)


def edge_labels(graph):
    return sorted(float(unquote(e.get_label())) for e in graph.get_edges())


def test_reps_edge_labels_without_a_parser():
    text = to_dot(reps_graph())
    labels = re.findall(r'^  n\d+ -> n\d+ \[label="([^"]*)"', text, flags=re.M)
    assert sorted(map(float, labels)) == sorted([1, 4, 1, 1, 5, 8, 40, 23])


@needs_pydot
def test_reps_edge_labels_are_the_seeds_numbers():
    assert edge_labels(parse(to_dot(reps_graph()))) == sorted([1, 4, 1, 1, 5, 8, 40, 23])


@needs_pydot
def test_traced_reps_edge_labels():
    g = sad.trace(lambda x, y: (x + 4 * y) * ((x + y) * y), 3.0, 5.0, names=["x", "y"])
    graph = parse(to_dot(g))
    # the traced graph has a node for 4·y: its edge y → 4y carries the 4, 4y → x+4y a 1
    assert edge_labels(graph) == sorted([1, 4, 1, 1, 1, 5, 8, 40, 23])
    labels = {unquote(n.get_label()) for n in graph.get_nodes() if n.get_label()}
    assert "v_5  multiply\n920" in labels and "x  input\n3" in labels


@needs_pydot
def test_networkx_reads_it_back(tmp_path):
    g = sad.trace(lambda x: x * x + sad.sin(x), 2.0)
    path = tmp_path / "g.dot"
    path.write_text(to_dot(g), encoding="utf-8")
    H = nx.nx_pydot.read_dot(path)
    assert H.number_of_nodes() == g.n_nodes and H.number_of_edges() == g.n_edges  # both x·x edges survive
    assert H.is_directed() and H.is_multigraph()


@needs_pydot
def test_labels_are_escaped():
    nasty = 'a"b\\c\nd {e} ; f -> g'
    G = nx.DiGraph([(nasty, "t", {"weight": 2.0})])
    nodes = {unquote(n.get_label()) for n in parse(to_dot(G, name='my "graph"')).get_nodes() if n.get_label()}
    assert nodes == {nasty, "t"}


@needs_pydot
def test_tangents_adjoints_and_highlight():
    g = sad.trace(lambda x1, x2: sad.log(x1) + x1 * x2 - sad.sin(x2), 2.0, 5.0, names=["x1", "x2"])
    graph = parse(to_dot(g, tangents="x1", adjoints=g.outputs[0], highlight=explain(g, "x1")))
    labels = {n.get_name(): unquote(n.get_label()) for n in graph.get_nodes() if n.get_label()}
    assert labels["n0"] == "x1  input\n2\nv\u0307 = 1\nv\u0304 = 5.5"
    assert labels["n1"].endswith("v\u0307 = 0\nv\u0304 = 1.71634")
    red = {(e.get_source(), e.get_destination()) for e in graph.get_edges() if e.get("color") == '"crimson"'}
    assert red == {("n0", "n2"), ("n2", "n4"), ("n4", "n6"), ("n0", "n3"), ("n3", "n4")}


@needs_pydot
def test_highlight_node_paths_on_a_digraph():
    graph = parse(to_dot(reps_graph(), highlight=[["y", "c", "f"]], tangents="y", adjoints="f"))
    red = [e for e in graph.get_edges() if e.get("penwidth")]
    assert len(red) == 2
    labels = [unquote(n.get_label()) for n in graph.get_nodes() if n.get_label()]
    assert "y\nv\u0307 = 1\nv\u0304 = 459" in labels


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_dot_renders_svg(tmp_path):
    svg = draw(reps_graph(), tmp_path / "g.svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg") and (tmp_path / "g.svg").exists()
    assert svg_or_none(reps_graph()) is not None
    done = subprocess.run(["dot", "-Tplain"], input=to_dot(reps_graph()), capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.count("\nedge ") == len(REPS_EDGES)


def test_draw_says_what_to_install(monkeypatch):
    monkeypatch.setattr(dot_module.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(MissingDependencyError, match="pip install matplotlib") as info:
        draw(reps_graph())
    assert "Graphviz" in str(info.value) and isinstance(info.value, ImportError)
    assert svg_or_none(reps_graph()) is None


@pytest.mark.skipif(shutil.which("dot") is not None, reason="Graphviz is installed: draw uses it")
def test_draw_falls_back_to_matplotlib(tmp_path):
    pytest.importorskip("matplotlib", reason="matplotlib is not installed")
    fig = draw(reps_graph(), tmp_path / "g.png")
    assert (tmp_path / "g.png").exists() and fig.axes


def test_rejects_other_objects():
    with pytest.raises(sad.GraphTypeError):
        to_dot({"not": "a graph"})
