"""The demo: one small DAG solved in every built-in semiring.

``python -m semiring_ad demo`` prints it.  It is also the smallest complete
example of the library: one graph, one solver, many semirings, many answers.
"""

from __future__ import annotations

import math

import networkx as nx
import sympy

from .semirings import SEMIRINGS, path_weight
from .solver import path_sum

__all__ = ["demo_graph", "demo_lines", "main"]

#: Edges of the demo DAG with a numeric weight each.
DEMO_EDGES = [("s", "a", 2.0), ("s", "b", 1.0), ("a", "b", 0.5), ("a", "t", 3.0), ("b", "t", 4.0)]


def demo_graph() -> nx.DiGraph:
    """The demo DAG: s→a→t, s→b→t and s→a→b→t, with weights 2, 1, 0.5, 3, 4."""
    G = nx.DiGraph()
    G.add_weighted_edges_from(DEMO_EDGES)
    return G


def _weights() -> dict:
    """How each semiring reads the demo's edges (attribute name or callable)."""
    return {
        "plus_times": "weight",
        "counting": lambda u, v, d: 1,
        "min_plus": "weight",
        "max_plus": "weight",
        "max_times": lambda u, v, d: d["weight"] / 4,
        "or_and": lambda u, v, d: True,
        "log": lambda u, v, d: math.log(d["weight"]),
        "symbolic": lambda u, v, d: sympy.Symbol(f"w_{u}{v}"),
        "paths": path_weight,
    }


_MEANING = {
    "plus_times": "sum over paths of the product of weights (a derivative, if weights are partials)",
    "counting": "number of s→t paths (unit weights)",
    "min_plus": "length of the shortest s→t path",
    "max_plus": "length of the longest s→t path",
    "max_times": "probability of the most probable path (weights / 4 as probabilities)",
    "or_and": "is t reachable from s?",
    "log": "log of the plus_times answer, computed on log-weights",
    "symbolic": "the sum of products as a formula",
    "paths": "the paths themselves (the free semiring)",
}


def _show(value: object) -> str:
    if isinstance(value, frozenset):
        return "{" + ", ".join(" ".join(f"{u}{v}" for u, v in p) for p in sorted(value)) + "}"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def demo_lines() -> list[str]:
    """The demo's output, one line per semiring (plus a header)."""
    G = demo_graph()
    edges = ", ".join(f"{u}→{v} ({w:g})" for u, v, w in DEMO_EDGES)
    lines = [f"One DAG, many semirings.  Edges: {edges}", "path_sum(G, semiring, 's', 't'):", ""]
    for name, weight in _weights().items():
        s = SEMIRINGS[name]
        fwd = path_sum(G, s, "s", "t", weight=weight)
        bwd = path_sum(G, s, "s", "t", weight=weight, method="backward")
        same = "" if s.approx_equal(fwd, bwd) else "  (backward differs!)"
        lines.append(f"  {name:<10} {_show(fwd):<38} {_MEANING[name]}{same}")
    return lines


def main() -> int:
    """Print the demo."""
    print("\n".join(demo_lines()))
    return 0
