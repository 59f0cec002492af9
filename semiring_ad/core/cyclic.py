"""Path sums on graphs with cycles, in semirings with a Kleene star.

The solvers in :mod:`~semiring_ad.core.solver` hand a graph here only when
compiling it found a cycle, so acyclic graphs keep their fast paths.  The
method is the classical one (Tarjan 1981): condense the strongly connected
components (networkx), visit them in topological order, and inside each
solve the small system x = b ⊕ x ⊗ A by vertex elimination with the star
(:mod:`~semiring_ad.core.elimination`), Markowitz order, then back-substitute.
A component of one vertex without a self-loop costs what a sweep step costs.

Forward: α(v) = seed(v) ⊕ ⊕_{(u, v)} α(u) ⊗ w(u, v).  Backward is forward on
the reversed graph with ⊗ taken the other way round, so products stay in path
order.  Without a star, or where a cycle's star is infinite (a negative cycle
in ``MIN_PLUS``), :class:`~semiring_ad.errors.NoStarError` names the cycle.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import Any

import networkx as nx

from ..errors import NodeNotFoundError
from .eliminator import ONE, Engine, elimination_order, no_star_error, weighted_edges
from .results import NodeOrder, NodeValues
from .semiring import Semiring
from .weights import checked_edge_weights

__all__ = ["cyclic_path_sum", "cyclic_solve"]

_SMALL = 16
"""Components of at most this many vertices are eliminated in their given order (fill at most 16² edges)."""


class _Source:
    """The super-source whose edge into v carries v's incoming value b(v)."""

    __repr__ = object.__repr__


def _seeds(G: nx.DiGraph, spec: Any, s: Semiring, role: str) -> dict[Hashable, Any]:
    items = spec.items() if isinstance(spec, Mapping) else [(spec, s.one)]
    seeds = {}
    for node, seed in items:
        try:
            ok = node in G
        except TypeError:
            ok = False
        if not ok:
            raise NodeNotFoundError(f"{role} {node!r} is not a node of the graph; pass a node id or a dict "
                                    "{node: seed}")
        seeds[node] = seed
    return seeds


def _checked_edges(G: nx.DiGraph, s: Semiring, weight: Any) -> list[tuple[Hashable, Hashable, Any]]:
    """``(u, v, w)`` for every edge, with the acyclic path's checks: NaN refused, ``w`` lifted into ``s``."""
    triples = list(weighted_edges(G, weight))
    names = list(G.edges(keys=True)) if G.is_multigraph() else [(u, v) for u, v, _ in triples]
    ws = checked_edge_weights([w for _, _, w in triples], names, s)
    return [(u, v, w) for (u, v, _), w in zip(triples, ws)]


def cyclic_solve(G: nx.DiGraph, s: Semiring, seeds: Any, direction: str = "forward", *,
                 weight: Any = "weight") -> NodeValues:
    """α (forward, from ``seeds``) or β (backward, to ``seeds``) at every node of a graph with cycles.

    ``seeds`` is a node (seeded with the semiring's one) or ``{node: seed}``.
    Returns a :class:`~semiring_ad.core.results.NodeValues`, as the acyclic solvers do.

    >>> import networkx as nx
    >>> from semiring_ad import MIN_PLUS
    >>> G = nx.DiGraph([("a", "b", {"weight": 1.0}), ("b", "a", {"weight": 1.0}), ("b", "c", {"weight": 2.0})])
    >>> cyclic_solve(G, MIN_PLUS, "a").to_dict()
    {'a': 0.0, 'b': 1.0, 'c': 3.0}
    """
    role = "source" if direction == "forward" else "target"
    seeds = _seeds(G, seeds, s, role)
    if s.star is None:
        raise no_star_error(G, s, nx.find_cycle(G)[0][0], None, None)
    return _solve(G, s, seeds, direction, _checked_edges(G, s, weight))


def _solve(G: nx.DiGraph, s: Semiring, seeds: dict, direction: str, edges: list) -> NodeValues:
    reverse = direction == "backward"
    pred: dict[Hashable, list[tuple[Hashable, Any]]] = {v: [] for v in G}
    for u, v, w in edges:
        if reverse:
            u, v = v, u
        pred[v].append((u, w))
    H = G.reverse(copy=False) if reverse else G
    vals, order = _sweep_components(G, H, s, pred, seeds, reverse)
    if reverse:
        order.reverse()  # components of the reversed graph, backwards: an order of G's components
    return NodeValues(NodeOrder(order), [vals.get(v) for v in order], s.zero)


def _sweep_components(G: nx.DiGraph, H: nx.DiGraph, s: Semiring, pred: dict, seeds: dict,
                      reverse: bool) -> tuple[dict[Hashable, Any], list[Hashable]]:
    """The values by node, and the nodes in the order their components were solved."""
    times, plus = s.times, s.plus
    mul = (lambda a, b: times(b, a)) if reverse else times
    C = nx.condensation(H)
    members = C.graph["mapping"]
    vals: dict[Hashable, Any] = {}
    order: list[Hashable] = []
    rank = {v: i for i, v in enumerate(G)}  # members are a set: the graph's order makes runs repeatable
    for c in nx.topological_sort(C):
        members_c = C.nodes[c]["members"]
        comp = sorted(members_c, key=rank.__getitem__) if len(members_c) > 1 else members_c
        order.extend(comp)
        b: dict[Hashable, Any] = {}
        inside: list[tuple[Hashable, Hashable, Any]] = []
        for v in comp:
            acc = seeds.get(v)
            for u, w in pred[v]:
                if members[u] == c:
                    inside.append((u, v, w))
                    continue
                a = vals.get(u)
                if a is not None:
                    t = mul(a, w)
                    acc = t if acc is None else plus(acc, t)
            if acc is not None:
                b[v] = acc
        if not inside:  # one vertex, no self-loop: a sweep step
            if b:
                vals.update(b)
            continue
        if b:  # a component no value reaches stays unreached (and its cycles are never asked about)
            vals.update(_solve_component(G, s, b, inside, reverse))
    return vals, order


def _solve_component(G: nx.DiGraph, s: Semiring, b: dict, inside: list, reverse: bool) -> dict[Hashable, Any]:
    """x = b ⊕ x ⊗ A on one strongly connected component: eliminate with the star, back-substitute."""
    engine = Engine(s, reverse=reverse, on_no_star=lambda v, loop, exc: _raise(G, s, v, loop, exc))
    source = _Source()
    engine.add_node(source)
    for u, v, w in inside:
        engine.add_edge(u, v, w)
    for v, x in b.items():
        engine.add_edge(source, v, x)
    nodes = [v for v in engine.succ if v is not source]
    rank = {v: i for i, v in enumerate(nodes)}
    # Markowitz keeps the fill of a large component low (a ring stays a ring); a small one is cheaper as it comes.
    order = nodes if len(nodes) <= _SMALL else elimination_order(engine, nodes, "markowitz", rank.__getitem__)
    steps = []
    for v in order:
        steps.append((v, *engine.eliminate(v)))
    x: dict[Hashable, Any] = {source: ONE}
    plus, mul = s.plus, engine.mul
    for v, ins, c in reversed(steps):  # x_v = (⊕ x_u ⊗ A_uv over the vertices eliminated after v) ⊗ c*
        acc = None
        for u, a in ins.items():
            xu = x.get(u)
            if xu is not None:
                t = mul(xu, a)
                acc = t if acc is None else plus(engine.real(acc), engine.real(t))
        x[v] = None if acc is None else engine.real(mul(acc, c))
    del x[source]
    return {v: xv for v, xv in x.items() if xv is not None}


def _raise(G: nx.DiGraph, s: Semiring, v: Hashable, loop: Any, exc: Any) -> None:
    raise no_star_error(G, s, v, loop, exc) from exc


def cyclic_path_sum(G: nx.DiGraph, s: Semiring, source: Hashable, target: Hashable, *,
                    weight: Any = "weight") -> Any:
    """⊕ over all source → target walks (cycles included) of their weights, in path order.

    Only the vertices on some source → target walk are visited, so a negative
    cycle elsewhere does not matter.  ``source == target`` gives the star of
    the cycles through it (the semiring's one on no cycle).

    >>> import networkx as nx
    >>> from semiring_ad import PLUS_TIMES
    >>> G = nx.DiGraph([("s", "t", {"weight": 1.0}), ("t", "s", {"weight": 0.5})])
    >>> cyclic_path_sum(G, PLUS_TIMES, "s", "t")  # 1 + 0.5 + 0.25 + … = 2
    2.0
    """
    _seeds(G, source, s, "source")
    _seeds(G, target, s, "target")
    if s.star is None:
        raise no_star_error(G, s, nx.find_cycle(G)[0][0], None, None)
    edges = _checked_edges(G, s, weight)  # every edge, as the acyclic path_sum checks them
    cone = (nx.descendants(G, source) | {source}) & (nx.ancestors(G, target) | {target})
    if source not in cone:
        return s.zero
    inside = [(u, v, w) for u, v, w in edges if u in cone and v in cone]
    return _solve(G.subgraph(cone), s, {source: s.one}, "forward", inside)[target]
