"""Vertex elimination: sums over paths by removing intermediate vertices, in any order.

Eliminating a vertex v adds, for every predecessor u and successor w (Griewank
& Walther, *Evaluating Derivatives*, ch. 9–10)::

    w(u, w) ⊕= w(u, v) ⊗ c* ⊗ w(v, w)        (c = the weight of a self-loop on v, if any)

and deletes v.  Once every vertex but the kept ones is gone, the edge (s, t)
carries the path sum from s to t.  Topological order is forward mode, reverse
order is reverse mode, and other orders ("cross-country", Markowitz, min-fill)
can need fewer multiplications than both; finding the best is NP-complete
(Naumann 2008).  With a Kleene star (:mod:`~semiring_ad.core.stars`) the same
step sums over cycles: this is the algebraic path problem (Lehmann 1977).

Products are formed in path order and never reordered, so ``PATHS`` and
matrix weights are safe.  With :func:`~semiring_ad.core.semiring.counted`
the semiring's counter holds the order's cost.  The engine is in
:mod:`~semiring_ad.core.eliminator`; :mod:`~semiring_ad.core.cyclic` uses it
inside strongly connected components.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from typing import Any

import networkx as nx

from ..errors import InputError, NodeNotFoundError, NoStarError
from .eliminator import ONE, ORDERS, Engine, elimination_order, no_star_error, ranks, weighted_edges
from .semiring import Semiring
from .semirings import get_semiring

__all__ = ["ORDERS", "eliminate", "elimination_steps"]


class _Split:
    """The inner copy of a kept vertex that has both in- and out-edges (see :func:`eliminate`)."""

    __slots__ = ("node", "role")

    def __init__(self, node: Hashable, role: str) -> None:
        self.node, self.role = node, role

    def __hash__(self) -> int:
        return hash((_Split, self.node, self.role))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Split) and other.node == self.node and other.role == self.role

    def __repr__(self) -> str:
        return f"{self.role}({self.node!r})"


def eliminate(
    G: nx.DiGraph,
    semiring: Semiring | str,
    order: str | Sequence[Hashable] = "markowitz",
    keep: Iterable[Hashable] | None = None,
    *,
    weight: str | Callable[[Any, Any, dict], Any] = "weight",
) -> nx.DiGraph:
    """Sum over paths by vertex elimination: a graph on ``keep`` whose edge (s, t) holds the path sum s → t.

    Parameters
    ----------
    G : networkx.DiGraph
        The weighted graph (a ``MultiDiGraph``'s parallel edges are paths of
        their own).  Cycles are allowed when the semiring has a star.
    semiring : Semiring or str
        Any semiring; ⊗ is applied in path order.
    order : str or sequence
        ``"forward"`` (topological order: forward mode), ``"reverse"``
        (reverse mode), ``"markowitz"`` (fewest |pred|·|succ| first),
        ``"min_fill"`` (fewest new edges first), or an explicit list of the
        vertices to eliminate (every node not kept, each once).
    keep : iterable, optional
        The vertices to keep; default: the sources and the sinks.  A kept
        vertex that has both in- and out-edges is split into an end and a
        start joined through an inner copy (free unit edges), so its edges
        still carry whole path sums.
    weight : str or callable
        Edge attribute or ``(u, v, data) -> weight``.

    Returns
    -------
    networkx.DiGraph
        On the kept vertices, ``"weight"`` = the path sum; an edge exists
        where some path does.  ``graph["order"]`` lists the vertices in the
        order they were eliminated.  With a ``counted`` semiring its
        ``counter.times`` is the order's number of multiplications.

    Raises
    ------
    NoStarError
        A cycle whose path sum does not exist in the semiring (named).

    Examples
    --------
    Reps's example f = (x + 4y)·((x + y)·y) at (3, 5): ∂f/∂x = 155, ∂f/∂y = 459.

    >>> import networkx as nx
    >>> from semiring_ad import PLUS_TIMES, counted
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("x", "a", 1), ("y", "a", 4), ("x", "b", 1), ("y", "b", 1),
    ...                            ("b", "c", 5), ("y", "c", 8), ("a", "f", 40), ("c", "f", 23)])
    >>> J = eliminate(G, PLUS_TIMES)
    >>> J["x"]["f"]["weight"], J["y"]["f"]["weight"]
    (155, 459)
    >>> cost = counted(PLUS_TIMES)
    >>> _ = eliminate(G, cost, order="forward")
    >>> cost.counter.times  # a, b, c each have two predecessors and one successor
    6
    """
    s = get_semiring(semiring)
    edges = list(weighted_edges(G, weight))
    kept = _kept(G, keep)
    engine = Engine(s, on_no_star=lambda v, loop, exc: _raise_no_star(G, s, v, loop, exc))
    for v in G:
        engine.add_node(v)
    split = {k for k in kept if G.in_degree(k) and G.out_degree(k)}

    def inner(v: Hashable) -> Hashable:
        return _Split(v, "through") if v in split else v

    for k in split:
        engine.add_edge(k, _Split(k, "through"), ONE)
        engine.add_edge(_Split(k, "through"), _Split(k, "end"), ONE)
    for u, v, w in edges:
        engine.add_edge(inner(u), inner(v), w)
    for k in split:  # the start keeps only the unit edge, the inner copy takes every original edge
        engine.add_node(k)
    rank_of = ranks(G)

    def rank(v: Hashable) -> int:
        return rank_of[v.node if isinstance(v, _Split) else v]

    inners = sorted((_Split(k, "through") for k in split), key=rank)
    if isinstance(order, str):
        candidates = [v for v in G if v not in kept] + inners
        sequence: Iterable[Hashable] = elimination_order(engine, candidates, order, rank)
    else:
        sequence = [*_check_order(G, kept, order), *inners]
    done = []
    for v in sequence:
        engine.eliminate(v)
        if not isinstance(v, _Split):
            done.append(v)
    return _result(engine, kept, done)


def _raise_no_star(G: nx.DiGraph, s: Semiring, v: Hashable, loop: Any, exc: NoStarError | None) -> None:
    raise no_star_error(G, s, v.node if isinstance(v, _Split) else v, loop, exc) from exc


def _kept(G: nx.DiGraph, keep: Iterable[Hashable] | None) -> set:
    if keep is None:
        return {v for v in G if not G.in_degree(v) or not G.out_degree(v)}
    kept = set(keep)
    missing = [v for v in kept if v not in G]
    if missing:
        raise NodeNotFoundError(f"keep names {missing[:5]!r}, which are not nodes of the graph")
    return kept


def _check_order(G: nx.DiGraph, kept: set, order: Sequence[Hashable]) -> list:
    order = list(order)
    expected = {v for v in G if v not in kept}
    if len(order) != len(set(order)) or set(order) != expected:
        extra = [v for v in order if v not in expected]
        missing = [v for v in expected if v not in set(order)]
        raise InputError(
            f"an explicit order must list every vertex that is not kept exactly once ({len(expected)} vertices); "
            f"got {len(order)} entries, unexpected {extra[:5]!r}, missing {missing[:5]!r}, "
            f"repeated: {len(order) != len(set(order))}"
        )
    return order


def _result(engine: Engine, kept: set, done: list) -> nx.DiGraph:
    J = nx.DiGraph(order=done)
    J.add_nodes_from(v for v in engine.succ if not isinstance(v, _Split))
    for u, outs in engine.succ.items():
        if isinstance(u, _Split):
            continue
        for w, x in outs.items():
            t = w.node if isinstance(w, _Split) else w
            if t == u and x is ONE:
                continue  # the empty path from a vertex to itself, not a path sum anyone asked for
            J.add_edge(u, t, weight=engine.real(x))
    return J


def elimination_steps(
    G: nx.DiGraph,
    semiring: Semiring | str,
    order: str | Sequence[Hashable] = "markowitz",
    keep: Iterable[Hashable] | None = None,
    *,
    weight: str | Callable[[Any, Any, dict], Any] = "weight",
) -> Iterator[tuple[Hashable, nx.DiGraph]]:
    """Eliminate one vertex at a time and yield ``(vertex, graph after the step)``, for drawing.

    Unlike :func:`eliminate`, kept vertices are not split: each yielded graph
    is exactly the elimination graph after that step (its edges hold partial
    path sums through the vertices eliminated so far).

    >>> import networkx as nx
    >>> G = nx.DiGraph([("x", "a", {"weight": 2}), ("a", "y", {"weight": 3}), ("x", "y", {"weight": 1})])
    >>> [(v, dict(H["x"])) for v, H in elimination_steps(G, "plus_times")]
    [('a', {'y': {'weight': 7}})]
    """
    s = get_semiring(semiring)
    kept = _kept(G, keep)
    engine = Engine(s, on_no_star=lambda v, loop, exc: _raise_no_star(G, s, v, loop, exc))
    for v in G:
        engine.add_node(v)
    for u, v, w in weighted_edges(G, weight):
        engine.add_edge(u, v, w)
    rank_of = ranks(G)
    if isinstance(order, str):
        sequence: Iterable[Hashable] = elimination_order(engine, [v for v in G if v not in kept], order,
                                                         rank_of.__getitem__)
    else:
        sequence = _check_order(G, kept, order)
    for v in sequence:
        engine.eliminate(v)
        H = nx.DiGraph()
        H.add_nodes_from(engine.succ)
        H.add_edges_from((u, w, {"weight": engine.real(x)}) for u, outs in engine.succ.items() for w, x in outs.items())
        yield v, H
