"""The demo: one small DAG solved in every built-in semiring, and the two classic examples.

``python -m semiring_ad demo`` prints it.  It is also the smallest complete
example of the library: one graph, one solver, many semirings, many answers.
Then Baydin et al.'s ln x1 + x1·x2 − sin x2 at (2, 5) with its primal, tangent
and adjoint traces, and Reps's f = (x + 4y)·((x + y)·y) at (3, 5) with every
path behind ∂f/∂x and ∂f/∂y.
"""

from __future__ import annotations

import math
from typing import Any

import networkx as nx

from ._sympy import sympy_module
from .ad import functions as fn
from .ad.tracing import trace
from .core.semirings import SEMIRINGS, path_weight, signed_log
from .core.solver import path_sum
from .views import explain, trace_table

__all__ = ["baydin_lines", "demo_graph", "demo_lines", "main", "reps", "reps_graph", "reps_lines"]

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
        "signed_log": lambda u, v, d: signed_log(-d["weight"]),
        "symbolic": lambda u, v, d: sympy_module().Symbol(f"w_{u}{v}"),
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
    "signed_log": "(sign, log|answer|) with every weight negated: products of any length, no overflow",
    "symbolic": "the sum of products as a formula",
    "paths": "the paths themselves (the free semiring)",
}


def _show(value: object) -> str:
    if isinstance(value, frozenset):
        return "{" + ", ".join(" ".join(f"{u}{v}" for u, v in p) for p in sorted(value)) + "}"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_show(v) for v in value) + ")"
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


def baydin(x1: Any, x2: Any) -> Any:
    """Baydin et al.'s example, written in the order of their trace (v1 … v5)."""
    v1 = fn.log(x1)
    v2 = x1 * x2
    v3 = fn.sin(x2)
    v4 = v1 + v2
    return v4 - v3


def baydin_lines() -> list[str]:
    """Baydin et al.'s example at (2, 5): value, gradient, and the three trace tables."""
    g = trace(baydin, 2.0, 5.0, names=["x1", "x2"])
    x1bar, x2bar = g.jacobian(mode="reverse")
    lines = ["Baydin et al.: f = ln x1 + x1·x2 − sin x2 at (x1, x2) = (2, 5)",
             f"f = {g.value:.6g}, ∂f/∂x1 = {x1bar:.6g}, ∂f/∂x2 = {x2bar:.6g}", ""]
    for table in (trace_table(g, "primal"), trace_table(g, "forward", wrt="x1"), trace_table(g, "reverse")):
        lines += [*str(table).splitlines(), ""]
    return lines


def reps(x: Any, y: Any) -> Any:
    """Reps's example f = (x + 4y)·((x + y)·y), traced as written: v_1 = 4y, v_2 = x + v_1, v_3 = x + y, …"""
    return (x + 4 * y) * ((x + y) * y)


def reps_graph() -> nx.MultiDiGraph:
    """Reps's graph at (3, 5) as traced: nodes x, y, v_1 … v_5 (Baydin's names), each edge u→v weighted ∂v/∂u."""
    g = trace(reps, 3.0, 5.0, names=["x", "y"])
    return nx.relabel_nodes(g.to_networkx(), dict(enumerate(g.labels())))


def reps_lines() -> list[str]:
    """Every path behind ∂f/∂x and ∂f/∂y in Reps's graph (the lecture's 1·40 + 1·5·23 = 155)."""
    g = trace(reps, 3.0, 5.0, names=["x", "y"])
    lines = ["Reps: f = (x + 4y)·((x + y)·y) at (x, y) = (3, 5), edges labelled with ∂v/∂u", ""]
    for wrt in ("x", "y"):
        lines += [*str(explain(g, wrt)).splitlines(), ""]
    return lines


def main() -> int:
    """Print the demo."""
    print("\n".join([*demo_lines(), "", *baydin_lines(), *reps_lines()]).rstrip())
    return 0
