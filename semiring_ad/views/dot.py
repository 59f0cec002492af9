"""Drawings: Graphviz DOT text written by hand, and rendering it.

This module owns the picture of a graph: :func:`to_dot` writes DOT (no
graphviz/pydot dependency; every label is quoted and escaped) with nodes
labelled by operation and value, edges by their local partial ∂v/∂u, and
optionally each node's tangent (a forward sweep) or adjoint (a backward
sweep) and a highlighted path explanation.  :func:`draw` renders it: SVG via
the ``dot`` program when installed, else a matplotlib figure through
networkx's drawing, else it says what to install.  :func:`svg_or_none` is the
body of a Jupyter ``_repr_svg_``.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from collections.abc import Hashable, Iterable
from pathlib import Path
from typing import Any

import networkx as nx

from ..ad.computation import ComputationGraph
from ..core.graph import WeightSpec
from ..core.semirings import PLUS_TIMES
from ..core.solver import solve_backward, solve_forward
from ..errors import GraphTypeError, MissingDependencyError, SemiringADError
from .explain import Explanation
from .format import format_value, node_names, seed_map

__all__ = ["draw", "quote", "svg_or_none", "to_dot"]

HIGHLIGHT = 'color="crimson", fontcolor="crimson", penwidth=2.5'


def quote(text: Any) -> str:
    r"""``text`` as a DOT quoted string: backslashes and quotes escaped, newlines as ``\n``.

    >>> print(quote('say "hi"\\now'))
    "say \"hi\"\\now"
    >>> print(quote("two\nlines"))
    "two\nlines"
    """
    s = str(text).replace("\\", "\\\\").replace('"', '\\"')
    return '"' + s.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n") + '"'


def _weight_of(weight: WeightSpec, u: Any, v: Any, data: dict) -> Any:
    return weight(u, v, data) if callable(weight) else data.get(weight)


def _nx_view(graph: Any) -> tuple[nx.DiGraph, dict[Hashable, list[str]]]:
    """A networkx graph and each node's label lines (name and operation, value)."""
    if isinstance(graph, ComputationGraph):
        G, names = graph.to_networkx(), node_names(graph)
        lines = {v: [f"{names[v]}  {d['op']}", format_value(d["value"])] for v, d in G.nodes(data=True)}
        return G, lines
    if isinstance(graph, nx.DiGraph):
        lines = {}
        for v, d in graph.nodes(data=True):
            first = f"{v}  {d['op']}" if "op" in d else str(v)
            lines[v] = [first] + ([format_value(d["value"])] if "value" in d else [])
        return graph, lines
    raise GraphTypeError(f"to_dot needs a ComputationGraph or a networkx DiGraph, got {type(graph).__name__}")


def _annotate(graph: Any, lines: dict, tangents: Any, adjoints: Any, weight: WeightSpec) -> None:
    """Append ``v̇ = …`` (forward sweep) and ``v̄ = …`` (backward sweep) to the node labels."""
    for spec, mark, solve, role in ((tangents, "\u0307", solve_forward, "input"),
                                    (adjoints, "\u0304", solve_backward, "output")):
        if spec is None:
            continue
        if isinstance(graph, ComputationGraph):
            seeds = seed_map(graph, spec, None, role)
            values = solve(graph.compiled, PLUS_TIMES, seeds)
        else:
            values = solve(graph, PLUS_TIMES, spec, weight=weight)
        for v, val in values.items():
            lines[v].append(f"v{mark} = {format_value(val)}")


def _marked_edges(highlight: Any) -> set:
    """The edges to highlight: an Explanation's, or those of given paths (node or edge sequences)."""
    if highlight is None:
        return set()
    paths: Iterable = [t.edges for t in highlight.terms] if isinstance(highlight, Explanation) else highlight
    marked = set()
    for path in paths:
        items = list(path)
        if items and isinstance(items[0], tuple):
            marked.update(tuple(e) for e in items)
        else:
            marked.update(itertools.pairwise(items))
    return marked


def to_dot(
    graph: ComputationGraph | nx.DiGraph,
    *,
    weight: WeightSpec = "weight",
    tangents: Any = None,
    adjoints: Any = None,
    highlight: Any = None,
    name: str = "G",
    rankdir: str = "BT",
) -> str:
    """Graphviz DOT text for a traced graph or a weighted networkx DiGraph.

    Parameters
    ----------
    graph : ComputationGraph or networkx.DiGraph
        Nodes are labelled with their name, operation and value (node
        attributes ``op``/``value`` of a DiGraph, if any); edges with their weight.
    weight : str or callable
        Edge weights of a DiGraph (a trace's are its partials).
    tangents : input or seed vector, optional
        Also show each node's tangent ``v̇``: a forward sweep seeded at this
        input (node id, name, ``{input: value}`` or a vector).
    adjoints : output or cotangent, optional
        Also show each node's adjoint ``v̄``: a backward sweep from this output.
    highlight : Explanation or iterable of paths, optional
        Paths to draw in crimson: an :func:`~semiring_ad.views.explain.explain`
        result, or paths as node sequences or edge sequences.
    name, rankdir : str
        The graph's name; the layout direction (``"BT"``: inputs at the bottom).

    Examples
    --------
    >>> G = nx.DiGraph([("x", "f", {"weight": 2.5})])
    >>> print(to_dot(G))
    digraph "G" {
      rankdir=BT;
      node [shape=box, fontname="Helvetica"];
      n0 [label="x"];
      n1 [label="f"];
      n0 -> n1 [label="2.5"];
    }
    """
    G, lines = _nx_view(graph)
    _annotate(graph, lines, tangents, adjoints, weight)
    marked = _marked_edges(highlight)
    ids = {v: f"n{k}" for k, v in enumerate(G.nodes)}
    out = [f"digraph {quote(name)} {{", f"  rankdir={rankdir};", '  node [shape=box, fontname="Helvetica"];']
    out += [f"  {ids[v]} [label={quote(chr(10).join(lines[v]))}];" for v in G.nodes]
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else ((u, v, None, d) for u, v, d in G.edges(data=True))
    spec = "weight" if isinstance(graph, ComputationGraph) else weight
    for u, v, key, data in edges:
        label = format_value(_weight_of(spec, u, v, data))
        hot = (u, v) in marked or (key is not None and (u, v, key) in marked)
        out.append(f"  {ids[u]} -> {ids[v]} [label={quote(label)}{', ' + HIGHLIGHT if hot else ''}];")
    return "\n".join([*out, "}"])


def _svg(dot_text: str, program: str) -> str:
    done = subprocess.run([program, "-Tsvg"], input=dot_text, capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise SemiringADError(f"Graphviz 'dot' failed (exit {done.returncode}): {done.stderr.strip()}")
    return done.stdout


def svg_or_none(graph: ComputationGraph | nx.DiGraph, *, max_nodes: int = 300, **options: Any) -> str | None:
    """SVG text of the drawing if Graphviz's ``dot`` is installed, else ``None`` (the body of ``_repr_svg_``).

    Graphs with more than ``max_nodes`` nodes also give ``None``, so that
    displaying a big trace in Jupyter falls back to its text repr instead of
    a drawing nobody can read.
    """
    program = shutil.which("dot")
    size = graph.n_nodes if isinstance(graph, ComputationGraph) else len(graph)
    return _svg(to_dot(graph, **options), program) if program and size <= max_nodes else None


def _repr_svg_(self: ComputationGraph) -> str | None:
    """The drawing, for Jupyter (``None`` without Graphviz or past 300 nodes: text repr instead)."""
    return svg_or_none(self)


# The graph lives in the AD layer, which never imports a view: the view attaches its Jupyter drawing.
ComputationGraph._repr_svg_ = _repr_svg_  # type: ignore[attr-defined]


def _figure(graph: ComputationGraph | nx.DiGraph, weight: WeightSpec) -> Any:
    """A matplotlib figure drawn with networkx, one row per topological generation."""
    import matplotlib.pyplot as plt

    G, lines = _nx_view(graph)
    spec = "weight" if isinstance(graph, ComputationGraph) else weight
    H = nx.DiGraph()  # a copy: parallel edges share one arrow, labelled with every weight
    H.add_nodes_from(G)
    weights: dict[tuple, list[str]] = {}
    for u, v, d in G.edges(data=True):
        H.add_edge(u, v)
        weights.setdefault((u, v), []).append(format_value(_weight_of(spec, u, v, d)))
    layers = {v: k for k, generation in enumerate(nx.topological_generations(H)) for v in generation}
    nx.set_node_attributes(H, layers, "layer")
    pos = nx.multipartite_layout(H, subset_key="layer", align="horizontal")
    fig, ax = plt.subplots(figsize=(8, 6))
    nx.draw_networkx(H, pos, ax=ax, labels={v: "\n".join(lines[v]) for v in H}, node_color="#f0f0f0",
                     node_shape="s", node_size=1800, font_size=8)
    nx.draw_networkx_edge_labels(H, pos, edge_labels={e: ", ".join(w) for e, w in weights.items()}, ax=ax,
                                 font_size=8)
    ax.set_axis_off()
    return fig


def draw(graph: ComputationGraph | nx.DiGraph, path: str | Path | None = None, **options: Any) -> Any:
    """Render the graph: SVG text via Graphviz if installed, else a matplotlib figure.

    ``options`` go to :func:`to_dot` (the matplotlib fallback uses only
    ``weight``).  With ``path``, the SVG (or the figure, in the format its
    suffix names) is also written there.

    Raises
    ------
    MissingDependencyError
        If neither Graphviz's ``dot`` program nor matplotlib is installed.
    """
    program = shutil.which("dot")
    if program:
        svg = _svg(to_dot(graph, **options), program)
        if path is not None:
            Path(path).write_text(svg, encoding="utf-8")
        return svg
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise MissingDependencyError(
            "drawing needs Graphviz's 'dot' program (install Graphviz, e.g. 'apt install graphviz' or "
            "'brew install graphviz') or matplotlib ('pip install matplotlib'); to_dot(graph) gives the "
            "DOT text without either") from None
    fig = _figure(graph, options.get("weight", "weight"))
    if path is not None:
        fig.savefig(path)
    return fig
