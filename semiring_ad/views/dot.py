"""What a drawing shows, and Graphviz DOT text written by hand.

This module owns the content of the picture of a graph, whatever renders it:
:func:`scene` labels nodes by name, operation and value, edges by their local
partial ∂v/∂u, optionally adds each node's tangent (a forward sweep) or
adjoint (a backward sweep), and marks highlighted paths.  An array trace's
nodes show their shape and its edges the kind of their linear map and its
shapes (:mod:`semiring_ad.views.maps`).  :func:`to_dot`
writes that scene as DOT (no graphviz/pydot dependency; every label is quoted
and escaped).  :mod:`semiring_ad.views.figure` draws the same scene with
matplotlib, and :mod:`semiring_ad.views.drawing` picks a renderer.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from ..ad.arrays.api import ArrayGraph
from ..ad.computation import ComputationGraph
from ..core.graph import WeightSpec
from ..core.semirings import PLUS_TIMES
from ..core.solver import solve_backward, solve_forward
from ..errors import GraphTypeError, InputError
from .explain import Explanation
from .format import array_node_names, format_value, node_names, seed_map
from .maps import shape_text

__all__ = ["Scene", "dot_text", "quote", "scene", "to_dot"]

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
    if isinstance(graph, ArrayGraph):
        G, names = graph.to_networkx(), array_node_names(graph)
        lines = {v: [f"{names[v]}  {d['op'] or 'input'}", f"shape {shape_text(d['shape'])}"]
                 for v, d in G.nodes(data=True)}
        lines[graph.output][0] += "  (f)"
        return G, lines
    if isinstance(graph, nx.DiGraph):
        lines = {}
        for v, d in graph.nodes(data=True):
            first = f"{v}  {d['op']}" if "op" in d else str(v)
            lines[v] = [first] + ([format_value(d["value"])] if "value" in d else [])
        return graph, lines
    raise GraphTypeError(f"to_dot needs a ComputationGraph, an ArrayGraph or a networkx DiGraph, "
                         f"got {type(graph).__name__}")


def _annotate(graph: Any, lines: dict, tangents: Any, adjoints: Any, weight: WeightSpec) -> None:
    """Append ``v̇ = …`` (forward sweep) and ``v̄ = …`` (backward sweep) to the node labels."""
    if isinstance(graph, ArrayGraph) and (tangents is not None or adjoints is not None):
        raise InputError("tangents= and adjoints= label the nodes of a scalar trace; an array trace's tangents and "
                         "adjoints are arrays: compute them with semiring_ad.arrays.jvp / vjp")
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


@dataclass(frozen=True)
class Scene:
    """What a drawing shows, for any renderer.

    ``nodes`` in drawing order with their label lines; ``edges`` as
    ``(u, v, label, highlighted)`` (parallel edges of a multigraph each once).
    """

    nodes: dict[Hashable, list[str]]
    edges: list[tuple[Hashable, Hashable, str, bool]]


def scene(
    graph: ComputationGraph | ArrayGraph | nx.DiGraph,
    *,
    weight: WeightSpec = "weight",
    tangents: Any = None,
    adjoints: Any = None,
    highlight: Any = None,
) -> Scene:
    """The labels and highlighted edges of a drawing (the options of :func:`to_dot`).

    >>> G = nx.DiGraph([("x", "f", {"weight": 2.5})])
    >>> scene(G, tangents="x", highlight=[["x", "f"]])
    Scene(nodes={'x': ['x', 'v̇ = 1'], 'f': ['f', 'v̇ = 2.5']}, edges=[('x', 'f', '2.5', True)])
    """
    G, lines = _nx_view(graph)
    _annotate(graph, lines, tangents, adjoints, weight)
    marked = _marked_edges(highlight)
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else ((u, v, None, d) for u, v, d in G.edges(data=True))
    spec = "weight" if isinstance(graph, (ComputationGraph, ArrayGraph)) else weight
    shown = []
    for u, v, key, data in edges:
        hot = (u, v) in marked or (key is not None and (u, v, key) in marked)
        shown.append((u, v, format_value(_weight_of(spec, u, v, data)), hot))
    return Scene({v: lines[v] for v in G.nodes}, shown)


def to_dot(
    graph: ComputationGraph | ArrayGraph | nx.DiGraph,
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
    graph : ComputationGraph, ArrayGraph or networkx.DiGraph
        Nodes are labelled with their name, operation and value (node
        attributes ``op``/``value`` of a DiGraph, if any; an array trace's
        nodes with their shape); edges with their weight (an array trace's
        with the kind of its linear map and its shapes, ``W· 3 → 2``).
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
        The graph's name; the layout direction (``"BT"``: inputs at the bottom;
        ``"TB"``, ``"LR"``, ``"RL"``).

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
    view = scene(graph, weight=weight, tangents=tangents, adjoints=adjoints, highlight=highlight)
    return dot_text(view, name=name, rankdir=rankdir)


def dot_text(view: Scene, *, name: str = "G", rankdir: str = "BT") -> str:
    """The DOT text of a :class:`Scene` (the body of :func:`to_dot`)."""
    ids = {v: f"n{k}" for k, v in enumerate(view.nodes)}
    out = [f"digraph {quote(name)} {{", f"  rankdir={rankdir};", '  node [shape=box, fontname="Helvetica"];']
    out += [f"  {ids[v]} [label={quote(chr(10).join(lines))}];" for v, lines in view.nodes.items()]
    for u, v, label, hot in view.edges:
        out.append(f"  {ids[u]} -> {ids[v]} [label={quote(label)}{', ' + HIGHLIGHT if hot else ''}];")
    return "\n".join([*out, "}"])
