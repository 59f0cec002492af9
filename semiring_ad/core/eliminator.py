"""The vertex-elimination engine: a graph as dicts of weighted edges, the elimination step, the orders.

Eliminating v adds w(u, v) ⊗ c* ⊗ w(v, w) to the edge u → w for every
predecessor u and successor w (c the weight of a self-loop on v, if any) and
deletes v.  :mod:`~semiring_ad.core.elimination` builds the public
:func:`~semiring_ad.core.elimination.eliminate` on it, and
:mod:`~semiring_ad.core.cyclic` solves strongly connected components with it.
Products keep path order; a product with :data:`ONE` (a unit edge the
library made) is free and not counted.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable, Iterable, Iterator
from itertools import pairwise
from typing import Any

import networkx as nx

from ..errors import GraphTypeError, InputError, MissingWeightError, NoStarError
from .semiring import Semiring

__all__ = ["ONE", "ORDERS", "Engine", "cycle_through", "elimination_order", "no_star_error", "ranks",
           "weighted_edges"]

ORDERS = ("forward", "reverse", "markowitz", "min_fill")
"""The named elimination orders; an explicit list of vertices is the other choice."""


class _One:
    """The semiring's one on an edge made by the library (a split node): ⊗ by it is free and not counted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "ONE"


ONE = _One()


class Engine:
    """A graph as dicts of weighted in- and out-edges, and the elimination step on it.

    ``reverse=True`` multiplies the other way round (``b ⊗ a`` for ``a ⊗ b``):
    a backward solve is a forward one on the reversed graph in the opposite
    semiring.  ``on_no_star(v, loop)`` is called when a self-loop has no star.
    """

    __slots__ = ("on_no_star", "plus", "pred", "s", "star", "succ", "times")

    def __init__(self, s: Semiring, *, reverse: bool = False,
                 on_no_star: Callable[[Hashable, Any, NoStarError | None], None] | None = None) -> None:
        self.s, self.plus, self.star = s, s.plus, s.star
        times = s.times
        self.times = (lambda a, b: times(b, a)) if reverse else times
        self.pred: dict[Hashable, dict[Hashable, Any]] = {}
        self.succ: dict[Hashable, dict[Hashable, Any]] = {}
        self.on_no_star = on_no_star

    def add_node(self, v: Hashable) -> None:
        """Add ``v`` with no edges (if absent)."""
        if v not in self.succ:
            self.succ[v], self.pred[v] = {}, {}

    def add_edge(self, u: Hashable, v: Hashable, w: Any) -> None:
        """Add the edge u → v; a parallel edge is ⊕-ed into the existing one."""
        self.add_node(u)
        self.add_node(v)
        old = self.succ[u].get(v)
        new = w if old is None else self.plus(self.real(old), self.real(w))
        self.succ[u][v] = self.pred[v][u] = new

    def real(self, x: Any) -> Any:
        """``x``, with the free ONE replaced by the semiring's one."""
        return self.s.one if x is ONE else x

    def mul(self, a: Any, b: Any) -> Any:
        """a ⊗ b in path order; a product with ONE costs nothing."""
        if a is ONE:
            return b
        if b is ONE:
            return a
        return self.times(a, b)

    def loop_star(self, v: Hashable, loop: Any) -> Any:
        """c* for the self-loop ``loop`` on ``v``."""
        if self.star is None:
            if self.on_no_star is not None:
                self.on_no_star(v, loop, None)
            raise NoStarError(f"{self.s.name} has no Kleene star, so the self-loop on {v!r} has no path sum",
                              [(v, v)], self.s.name, loop)
        try:
            return self.star(self.real(loop))
        except NoStarError as exc:
            if self.on_no_star is not None:
                self.on_no_star(v, loop, exc)
            raise

    def cost(self, v: Hashable) -> int:
        """Markowitz degree |pred(v)| · |succ(v)| (self-loops excluded)."""
        p, s = self.pred[v], self.succ[v]
        return (len(p) - (v in p)) * (len(s) - (v in s))

    def fill(self, v: Hashable) -> int:
        """Number of edges eliminating ``v`` would create."""
        succ = self.succ
        outs = [w for w in succ[v] if w != v]
        return sum(1 for u in self.pred[v] if u != v for w in outs if w not in succ[u])

    def eliminate(self, v: Hashable) -> tuple[dict[Hashable, Any], Any]:
        """Remove ``v``: every u → v → w becomes u → w.  Returns v's in-edges and c* (ONE without a loop)."""
        ins, outs = self.pred.pop(v), self.succ.pop(v)
        loop = outs.pop(v, None)
        ins.pop(v, None)
        c = ONE if loop is None else self.loop_star(v, loop)
        succ, pred, plus, mul = self.succ, self.pred, self.plus, self.mul
        for u in ins:
            del succ[u][v]
        for w in outs:
            del pred[w][v]
        for u, a in ins.items():
            if c is not ONE:
                a = mul(a, c)
            su = succ[u]
            for w, b in outs.items():
                t = mul(a, b)
                old = su.get(w)
                new = t if old is None else plus(self.real(old), self.real(t))
                su[w] = pred[w][u] = new
        return ins, c


# -- orders ---------------------------------------------------------------------------------


def ranks(G: nx.DiGraph) -> dict[Hashable, int]:
    """Topological position of every node (of its strongly connected component, for a cyclic graph)."""
    try:
        order = list(nx.topological_sort(G))
    except nx.NetworkXUnfeasible:
        C = nx.condensation(G)
        order = [v for c in nx.topological_sort(C) for v in sorted(C.nodes[c]["members"], key=_stable_key)]
    return {v: i for i, v in enumerate(order)}


def _stable_key(v: Hashable) -> tuple[str, str]:
    return (type(v).__name__, repr(v))


def elimination_order(engine: Engine, candidates: Iterable[Hashable], order: str,
                      rank: Callable[[Hashable], int]) -> Iterator[Hashable]:
    """Yield the vertices of ``candidates`` in ``order``, each chosen on the graph as it is then.

    The caller eliminates each vertex before asking for the next.  Markowitz
    and min-fill break ties by ``rank`` (topological position), and are kept
    in lazy heaps: a popped key is recomputed and the vertex re-queued if it
    has changed.
    """
    cands = list(candidates)
    if order in ("forward", "reverse"):
        yield from sorted(cands, key=rank, reverse=order == "reverse")
        return
    if order not in ("markowitz", "min_fill"):
        raise InputError(f"order must be one of {', '.join(ORDERS)} or a list of vertices, got {order!r}")
    key = engine.cost if order == "markowitz" else engine.fill
    left = set(cands)
    heap = [(key(v), rank(v), i, v) for i, v in enumerate(cands)]
    heapq.heapify(heap)
    tick = len(heap)
    while heap:
        k, r, _, v = heapq.heappop(heap)
        if v not in left:
            continue
        now = key(v)
        if now != k:
            heapq.heappush(heap, (now, r, tick, v))
            tick += 1
            continue
        near = set(engine.pred[v]) | set(engine.succ[v])
        if order == "min_fill":  # a new edge u -> w changes the fill of every x with u -> x -> w
            for u in list(engine.pred[v]):
                near.update(engine.succ[u])
        left.discard(v)
        yield v
        for x in near & left:
            heapq.heappush(heap, (key(x), rank(x), tick, x))
            tick += 1


# -- graphs in, graphs out ------------------------------------------------------------------


def weighted_edges(G: nx.DiGraph, weight: str | Callable[[Any, Any, dict], Any]) -> Iterator[tuple]:
    """``(u, v, w)`` for every edge of ``G`` (each parallel edge of a ``MultiDiGraph`` once)."""
    if not isinstance(G, nx.DiGraph):
        what = "an undirected networkx graph" if isinstance(G, nx.Graph) else type(G).__name__
        raise GraphTypeError(f"expected a networkx.DiGraph (or MultiDiGraph), got {what}; "
                             "build a directed graph, e.g. nx.DiGraph(edges)")
    items = G.edges(keys=True, data=True) if G.is_multigraph() else ((u, v, None, d) for u, v, d in G.edges(data=True))
    for u, v, key, data in items:
        w = weight(u, v, data) if callable(weight) else data.get(weight)
        if w is None:
            edge = (u, v) if key is None else (u, v, key)
            raise MissingWeightError(
                f"edge {edge!r} has no weight (its attributes are {dict(data)!r}); give every edge a weight "
                "or pass weight=<attribute name or callable (u, v, data) -> weight>", edge)
        yield u, v, w


def cycle_through(G: nx.DiGraph, v: Hashable) -> list[tuple]:
    """The edges of a shortest cycle through ``v`` (a self-loop if there is one), or ``[]``."""
    if G.has_edge(v, v):
        return [(v, v)]
    best: list | None = None
    for w in G.successors(v):
        try:
            path = nx.shortest_path(G, w, v)
        except nx.NetworkXNoPath:
            continue
        if best is None or len(path) < len(best):
            best = path
    if best is None:
        return []
    nodes = [v, *best]
    return list(pairwise(nodes))


def no_star_error(G: nx.DiGraph, s: Semiring, v: Hashable, loop: Any, exc: NoStarError | None) -> NoStarError:
    """The error for a cycle through ``v`` whose path sum does not exist in ``s``."""
    cycle = cycle_through(G, v)
    shown = " -> ".join(map(repr, [e[0] for e in cycle] + [cycle[0][0]])) if cycle else repr(v)
    if exc is None:
        why = (f"semiring {s.name} has no Kleene star (a* = 1 ⊕ a ⊕ a⊗a ⊕ …), so a path sum over a cycle "
               "is undefined (infinitely many paths)")
        todo = "remove an edge of the cycle, or solve in a semiring with a star (e.g. plus_times, min_plus, or_and)"
    else:
        why = f"{exc}"
        todo = "change the weights on the cycle so that its star exists"
    return NoStarError(f"the graph has the cycle {shown} and {why}; {todo}", cycle, s.name,
                       None if exc is None else exc.value)
