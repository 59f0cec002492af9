"""DOT drawings: parsed back by independent parsers (pydot, networkx), rendered by Graphviz.

The edge labels of Reps's example must be the numbers printed in the lecture
(``shared/seeds/004*``): 1, 4, 1, 1, 5, 8, 40, 23.
"""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

import semiring_ad as sad
from semiring_ad.errors import MissingDependencyError
from semiring_ad.views import draw, explain, svg_or_none, to_dot
from semiring_ad.views import drawing as drawing_module

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
    picture = draw(reps_graph(), tmp_path / "g.svg")
    assert picture.engine == "graphviz"
    root = ET.fromstring(picture.to_svg())
    assert root.tag.endswith("svg") and (tmp_path / "g.svg").read_text(encoding="utf-8") == picture.to_svg()
    assert picture._repr_svg_() == picture.to_svg() and picture._repr_png_() is None  # one picture in Jupyter
    assert svg_or_none(reps_graph()) is not None
    done = subprocess.run(["dot", "-Tplain"], input=to_dot(reps_graph()), capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout.count("\nedge ") == len(REPS_EDGES)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_graphviz_png_is_a_png_not_svg_text(tmp_path):
    """Regression: draw(g, "graph.png") wrote SVG text into the .png file."""
    draw(reps_graph(), tmp_path / "g.png")
    assert (tmp_path / "g.png").read_bytes().startswith(PNG)


def test_draw_says_what_to_install(monkeypatch):
    monkeypatch.setattr(drawing_module.shutil, "which", lambda name: None)
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now fails
    with pytest.raises(MissingDependencyError, match="pip install matplotlib") as info:
        draw(reps_graph())
    assert "Graphviz" in str(info.value) and isinstance(info.value, ImportError)
    assert svg_or_none(reps_graph()) is None
    g = sad.trace(lambda x: x * x, 2.0)
    assert g._repr_svg_() is None and g._repr_png_() is None  # the text repr, then


def test_draw_options_are_checked():
    with pytest.raises(sad.InputError, match="rankdir"):
        draw(reps_graph(), rankdir="sideways")
    with pytest.raises(sad.InputError, match="engine"):
        draw(reps_graph(), engine="tikz")


PNG = b"\x89PNG\r\n\x1a\n"
needs_matplotlib = pytest.mark.skipif(importlib.util.find_spec("matplotlib") is None,
                                      reason="matplotlib is not installed (the test extra has it)")


def without_graphviz(monkeypatch):
    monkeypatch.setattr(drawing_module.shutil, "which", lambda name: None)


@needs_matplotlib
def test_draw_falls_back_to_matplotlib(tmp_path, monkeypatch):
    without_graphviz(monkeypatch)
    picture = draw(reps_graph(), tmp_path / "g.png")
    assert picture.engine == "matplotlib" and (tmp_path / "g.png").read_bytes().startswith(PNG)
    assert type(picture.figure).__module__ == "matplotlib.figure" and picture.figure.axes


@needs_matplotlib
@pytest.mark.parametrize("engine", ["matplotlib", pytest.param("graphviz", marks=pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot program is not installed"))])
def test_save_chooses_the_format_from_the_suffix(tmp_path, engine):
    picture = draw(reps_graph(), engine=engine)
    assert picture.save(tmp_path / "g.png").read_bytes().startswith(PNG)
    assert picture.save(tmp_path / "g.PDF").read_bytes().startswith(b"%PDF")
    assert ET.parse(picture.save(tmp_path / "g.svg")).getroot().tag.endswith("svg")
    assert picture.save(tmp_path / "g.dot").read_text(encoding="utf-8") == to_dot(reps_graph())
    with pytest.raises(sad.InputError, match="no suffix"):
        picture.save(tmp_path / "graph")
    with pytest.raises(sad.InputError, match=r"'xyz'.*png"):
        picture.save(tmp_path / "g.xyz")


@needs_matplotlib
def test_jupyter_shows_a_drawing_once(monkeypatch):
    """Regression: without Graphviz, draw returned a pyplot figure that Jupyter showed twice."""
    from IPython.core.formatters import DisplayFormatter

    without_graphviz(monkeypatch)
    formats, _ = DisplayFormatter().format(draw(reps_graph()))
    assert set(formats) == {"text/plain", "image/png"} and formats["image/png"].startswith(PNG)


@needs_matplotlib
def test_a_trace_shows_as_a_picture_without_graphviz(monkeypatch):
    """Regression: a traced graph on its own showed only as text when Graphviz was missing."""
    from IPython.core.formatters import DisplayFormatter

    without_graphviz(monkeypatch)
    g = sad.trace(lambda x1, x2: sad.log(x1) + x1 * x2 - sad.sin(x2), 2.0, 5.0)
    formats, _ = DisplayFormatter().format(g)
    assert set(formats) == {"text/plain", "image/png"} and formats["image/png"].startswith(PNG)
    big = sad.trace(lambda x: sum(x * k for k in range(200)), 1.0)
    assert big.n_nodes > 300 and big._repr_png_() is None


@needs_matplotlib
def test_matplotlib_honours_highlight_tangents_and_adjoints(monkeypatch):
    """Regression: the matplotlib fallback dropped highlight=, tangents= and adjoints=."""
    from matplotlib.colors import to_rgba

    without_graphviz(monkeypatch)
    g = sad.trace(lambda x1, x2: sad.log(x1) + x1 * x2 - sad.sin(x2), 2.0, 5.0, names=["x1", "x2"])
    why = explain(g, "x1")
    picture = draw(g, tangents="x1", adjoints=g.outputs[0], highlight=why)
    ax = picture.figure.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert "x1  input\n2\nv\u0307 = 1\nv\u0304 = 5.5" in texts
    arrows = [a.arrow_patch for a in ax.texts if getattr(a, "arrow_patch", None) is not None]
    red = [a for a in arrows if a.get_edgecolor() == to_rgba("crimson")]
    assert len(red) == len({e[:2] for t in why.terms for e in t.edges}) == 5


@needs_matplotlib
def test_drawing_does_not_use_pyplot():
    """The figure is made without pyplot's global state: pyplot is never imported."""
    code = ("import sys, semiring_ad as sad; g = sad.trace(lambda x: x * sad.sin(x), 1.0); "
            "p = sad.draw(g, engine='matplotlib'); p.to_png(); print('matplotlib.pyplot' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_rejects_other_objects():
    with pytest.raises(sad.GraphTypeError):
        to_dot({"not": "a graph"})
