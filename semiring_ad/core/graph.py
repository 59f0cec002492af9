"""Edge-weighted DAGs: validation and the compiled array form.

The solvers accept any ``networkx.DiGraph`` (``MultiDiGraph`` included: each
parallel edge is a path of its own) or a :class:`CompiledGraph`.  Compiling
does the work every solve shares once: one pass over the graph's
in-adjacency reads each edge's weight; the order and the acyclicity check are
array algorithms (:mod:`~semiring_ad.core.toposort`: SciPy's strong
components), and so is naming a cycle when there is one (the solvers, which
go on to solve cyclic graphs, skip the naming); the edges are laid out as
CSR arrays.  This module sits between the
semirings and the solver; it knows nothing about what a weight means.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from functools import cached_property
from itertools import chain, repeat
from typing import TYPE_CHECKING, Any

import networkx as nx
import numpy as np

from ..errors import GraphTypeError, MissingWeightError, NotADAGError
from .toposort import find_cycle, longest_path_levels, out_csr, topological_positions

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["CompiledGraph", "WeightSpec", "compile_graph"]

WeightSpec = str | Callable[[Any, Any, dict], Any]
"""An edge attribute name, or a callable ``(u, v, data) -> weight``."""


_STRUCTURE = ("index", "in_dst", "_outs", "levels", "lists", "edges", "edge_keys", "_adjacency")
"""Cached attributes that depend on the structure only (shared by :meth:`CompiledGraph.with_weights`)."""


class CompiledGraph:
    """A DAG laid out as arrays: nodes in topological order, edges in CSR.

    Positions, not node ids, index every array: node ``nodes[i]`` has
    in-edges ``in_ptr[i]:in_ptr[i+1]`` with sources ``in_src[k]`` and
    weights ``weights[k]``.  The out-edge CSR (``out_ptr``, ``out_dst``,
    ``out_edge``) refers to the same edges: ``out_edge[j]`` is the in-edge
    position ``k`` of the ``j``-th out-edge.  Because nodes are in
    topological order, every edge goes from a lower to a higher position.

    Build one with :func:`compile_graph` (from networkx) or
    :meth:`from_arrays` (from a tape).  Every solver accepts it in place of a
    graph, so repeated solves skip validation and sorting.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph([("a", "b", {"weight": 2}), ("b", "c", {"weight": 3})])
    >>> cg = compile_graph(G)
    >>> cg
    <CompiledGraph: 3 nodes, 2 edges, 3 levels>
    >>> cg.nodes, cg.weights
    (['a', 'b', 'c'], [2, 3])
    >>> cg.edges
    [('a', 'b'), ('b', 'c')]
    """

    def __init__(
        self,
        nodes: Sequence[Hashable],
        in_ptr: np.ndarray,
        in_src: np.ndarray,
        weights: Sequence[Any],
        *,
        keys: Sequence[Any] | None = None,
        levels: np.ndarray | None = None,
    ) -> None:
        self.nodes = list(nodes)
        self.in_ptr = np.asarray(in_ptr, dtype=np.int64)
        self.in_src = np.asarray(in_src, dtype=np.int64)
        self.weights = weights if isinstance(weights, (list, np.ndarray)) else list(weights)
        self.keys = None if keys is None else list(keys)
        n, m = len(self.nodes), len(self.in_src)
        if self.in_ptr.shape != (n + 1,) or self.in_ptr[-1] != m or len(self.weights) != m:
            raise ValueError(
                f"inconsistent CSR arrays: {n} nodes need in_ptr of length {n + 1} ending at "
                f"the number of edges {m}, and one weight per edge (got {len(self.weights)})"
            )
        if m and np.any(self.in_src >= self.in_dst):
            raise NotADAGError("edges must go from a lower to a higher topological position")
        if levels is not None:
            self.__dict__["levels"] = np.asarray(levels, dtype=np.int64)

    @classmethod
    def from_arrays(
        cls,
        nodes: Sequence[Hashable],
        in_ptr: np.ndarray,
        in_src: np.ndarray,
        weights: Sequence[Any],
        **kwargs: Any,
    ) -> CompiledGraph:
        """Build from arrays already in topological order (e.g. a tape)."""
        return cls(nodes, in_ptr, in_src, weights, **kwargs)

    # -- sizes and lookups -------------------------------------------------
    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)

    @property
    def n_edges(self) -> int:
        """Number of edges (parallel edges counted separately)."""
        return len(self.in_src)

    @cached_property
    def index(self) -> dict[Hashable, int]:
        """Map from node id to topological position."""
        return dict(zip(self.nodes, range(len(self.nodes))))

    @cached_property
    def in_dst(self) -> np.ndarray:
        """Target position of each in-edge (``in_ptr`` expanded)."""
        return np.repeat(np.arange(len(self.nodes), dtype=np.int64), np.diff(self.in_ptr))

    @cached_property
    def _outs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return out_csr(len(self.nodes), self.in_ptr, self.in_src)

    @property
    def out_edge(self) -> np.ndarray:
        """In-edge position of each out-edge, grouped by source (in-edge order within a source)."""
        return self._outs[2]

    @property
    def out_ptr(self) -> np.ndarray:
        """CSR row pointer of the out-edges."""
        return self._outs[0]

    @property
    def out_dst(self) -> np.ndarray:
        """Target position of each out-edge."""
        return self._outs[1]

    @cached_property
    def levels(self) -> np.ndarray:
        """Topological level of each node: the number of edges on the longest path into it."""
        return longest_path_levels(self.in_ptr, self.in_src, self.out_ptr, self.out_dst)

    @property
    def n_levels(self) -> int:
        """Number of distinct topological levels."""
        return int(self.levels.max()) + 1 if len(self.nodes) else 0

    @cached_property
    def edge_keys(self) -> list | None:
        """Keys that tell parallel edges apart: the given ``keys``, else 0, 1, … per repeated pair.

        ``None`` when no two edges join the same pair of nodes.
        """
        if self.keys is not None:
            return self.keys
        pair = self.in_dst * max(len(self.nodes), 1) + self.in_src
        order = np.argsort(pair, kind="stable")
        ranked = pair[order]
        if not len(ranked) or not np.any(ranked[1:] == ranked[:-1]):
            return None
        first = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
        runs = np.diff(np.r_[first, len(ranked)])
        keys = np.empty(len(ranked), dtype=np.int64)
        keys[order] = np.arange(len(ranked)) - np.repeat(first, runs)  # 0, 1, … within each repeated pair
        return keys.tolist()

    @cached_property
    def edges(self) -> list[tuple]:
        """Edge ids in in-edge order: ``(u, v)``, or ``(u, v, key)`` when parallel edges exist."""
        nodes, keys = self.nodes, self.edge_keys
        pairs = zip(self.in_src.tolist(), self.in_dst.tolist())
        if keys is None:
            return [(nodes[s], nodes[d]) for s, d in pairs]
        return [(nodes[s], nodes[d], k) for (s, d), k in zip(pairs, keys)]

    @property
    def is_multigraph(self) -> bool:
        """Whether edges carry keys (a ``MultiDiGraph`` input, or parallel edges such as ``x * x``)."""
        return self.edge_keys is not None

    # -- arrays for the backends -------------------------------------------
    @cached_property
    def lists(self) -> tuple[list[int], list[int], list[int], list[int], list[int]]:
        """``(in_ptr, in_src, out_ptr, out_dst, out_edge)`` as Python lists (fast to index)."""
        return (
            self.in_ptr.tolist(),
            self.in_src.tolist(),
            self.out_ptr.tolist(),
            self.out_dst.tolist(),
            self.out_edge.tolist(),
        )

    def weight_array(self, dtype: Any = np.float64) -> np.ndarray:
        """The weights as a NumPy array of ``dtype`` (cached per dtype)."""
        cache = self.__dict__.setdefault("_weight_arrays", {})
        key = np.dtype(dtype)
        if key not in cache:
            cache[key] = np.asarray(self.weights, dtype=dtype)
        return cache[key]

    def adjacency(self) -> sp.csr_matrix:
        """Structure as a SciPy CSR matrix ``A[u, v] = 1`` per edge (for reachability)."""
        if "_adjacency" not in self.__dict__:
            n = len(self.nodes)
            ones = np.ones(len(self.in_src), dtype=np.int64)  # duplicates sum to the edge count
            import scipy.sparse as sp
            self.__dict__["_adjacency"] = sp.csr_matrix((ones, (self.in_src, self.in_dst)), shape=(n, n))
        return self.__dict__["_adjacency"]

    # -- derived graphs ------------------------------------------------------
    def with_weights(self, weights: Sequence[Any] | Callable[[tuple, Any], Any]) -> CompiledGraph:
        """The same structure with other weights.

        ``weights`` is a sequence aligned with :attr:`edges`, or a callable
        ``(edge, old_weight) -> new_weight``.

        >>> import networkx as nx
        >>> cg = compile_graph(nx.DiGraph([(0, 1, {"weight": 2.0})]))
        >>> cg.with_weights(lambda e, w: -w).weights
        [-2.0]
        """
        if callable(weights):
            weights = [weights(e, w) for e, w in zip(self.edges, self.weights)]
        elif len(weights) != self.n_edges:
            raise ValueError(f"with_weights needs one weight per edge ({self.n_edges}), got {len(weights)}")
        _ = self.lists  # compute the structural caches once, here, so every copy shares them
        cg = object.__new__(CompiledGraph)  # the structure is already validated: share it
        for name in ("nodes", "in_ptr", "in_src", "keys", *_STRUCTURE):
            if name in self.__dict__:
                cg.__dict__[name] = self.__dict__[name]
        cg.weights = weights if isinstance(weights, (list, np.ndarray)) else list(weights)
        return cg

    def to_networkx(self, weight: str = "weight") -> nx.DiGraph:
        """A ``DiGraph`` (``MultiDiGraph`` if keyed) with the weights as edge attribute ``weight``."""
        G = nx.MultiDiGraph() if self.is_multigraph else nx.DiGraph()
        G.add_nodes_from(self.nodes)
        for e, w in zip(self.edges, self.weights):
            G.add_edge(*e, **{weight: w})
        return G

    def __repr__(self) -> str:
        return f"<CompiledGraph: {self.n_nodes} nodes, {self.n_edges} edges, {self.n_levels} levels>"


def _edge_weight(weight: WeightSpec, u: Any, v: Any, data: dict, key: Any = None) -> Any:
    if callable(weight):
        w = weight(u, v, data)
    else:
        w = data.get(weight)
    if w is None:
        edge = (u, v) if key is None else (u, v, key)
        how = "the weight callable returned None" if callable(weight) else f"no attribute {weight!r}"
        raise MissingWeightError(
            f"edge {edge!r} has no weight ({how}; its attributes are {dict(data)!r}); "
            "give every edge a weight or pass weight=<attribute name or callable (u, v, data) -> weight>",
            edge,
        )
    return w


def _topological_order(G: nx.DiGraph) -> list:
    try:
        return list(nx.topological_sort(G))
    except nx.NetworkXUnfeasible:
        raise _cycle_error([e[0] for e in nx.find_cycle(G)]) from None


def _cycle_error(nodes: list) -> NotADAGError:
    """The error naming the cycle through ``nodes`` (in edge order)."""
    shown = " -> ".join(map(repr, [*nodes, nodes[0]]))
    return NotADAGError(
        f"expected a directed acyclic graph, but it has the cycle {shown}; "
        "remove an edge of the cycle (path sums over cycles need a Kleene star)",
        list(zip(nodes, [*nodes[1:], nodes[0]])),
    )


def compile_graph(G: nx.DiGraph | CompiledGraph, weight: WeightSpec = "weight") -> CompiledGraph:
    """Validate a weighted DAG and lay it out as a :class:`CompiledGraph`.

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
        The DAG.  A ``MultiDiGraph`` keeps every parallel edge.  A
        ``CompiledGraph`` is returned unchanged.
    weight : str or callable
        Edge attribute holding the weight, or ``(u, v, data) -> weight``.

    Raises
    ------
    GraphTypeError
        If ``G`` is not a directed networkx graph.
    NotADAGError
        If ``G`` has a cycle; the message names its nodes.
    MissingWeightError
        If an edge has no weight; the message names the edge.

    Examples
    --------
    >>> import networkx as nx
    >>> compile_graph(nx.DiGraph([(1, 2), (2, 1)]), weight=lambda u, v, d: 1.0)
    Traceback (most recent call last):
      ...
    semiring_ad.errors.NotADAGError: expected a directed acyclic graph, but it has the cycle 1 -> 2 -> 1; remove an edge of the cycle (path sums over cycles need a Kleene star)
    """
    return _compile_graph(G, weight)


def _compile_graph(G: nx.DiGraph | CompiledGraph, weight: WeightSpec = "weight", *,
                   name_cycle: bool = True) -> CompiledGraph:
    """:func:`compile_graph`; ``name_cycle=False`` raises a :class:`NotADAGError` that does not name
    the cycle (finding one costs as much as compiling) for callers that catch it and go on, as the
    solvers do on their way to the cyclic path."""
    if isinstance(G, CompiledGraph):
        return G
    if not isinstance(G, nx.DiGraph):
        what = "an undirected networkx graph" if isinstance(G, nx.Graph) else type(G).__name__
        raise GraphTypeError(
            f"expected a networkx.DiGraph (or MultiDiGraph) or a CompiledGraph, got {what}; "
            "build a directed graph, e.g. nx.DiGraph(edges)"
        )
    nodes = list(G)
    index = dict(zip(nodes, range(len(nodes))))
    multi = G.is_multigraph()
    sources, targets, keys, weights = _in_edges(G, index, weight, multi)
    counts = np.bincount(targets, minlength=len(nodes))  # edges come grouped by target, in G's node order
    in_ptr_g = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    pos = topological_positions(len(nodes), in_ptr_g, sources)
    if pos is None:
        if name_cycle:
            raise _cycle_error([nodes[v] for v in find_cycle(len(nodes), in_ptr_g, sources)])
        raise NotADAGError("expected a directed acyclic graph, but it has a cycle; compile_graph(G) names one")
    order = np.empty(len(nodes), dtype=np.int64)
    order[pos] = np.arange(len(nodes))
    # move each target's block of in-edges to the target's topological position (no sort needed)
    lens = counts[order]
    starts = np.repeat(in_ptr_g[order] - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
    perm = starts + np.arange(len(sources), dtype=np.int64)
    in_ptr = np.concatenate(([0], np.cumsum(lens))).astype(np.int64)
    ordered = [nodes[i] for i in order.tolist()]
    permuted = perm.tolist()
    cg = CompiledGraph(ordered, in_ptr, pos[sources[perm]], [weights[k] for k in permuted],
                       keys=[keys[k] for k in permuted] if multi else None)
    cg.__dict__["index"] = dict(zip(ordered, range(len(ordered))))
    return cg


def _in_edges(G: nx.DiGraph, index: dict, weight: WeightSpec, multi: bool) -> tuple[np.ndarray, np.ndarray, list, list]:
    """One pass over the in-adjacency: source and target indices in G's node order, keys, weights."""
    sources: list = []
    counts: list[int] = []
    keys: list = []
    weights: list = []
    attr = None if callable(weight) else weight
    # networkx's own dict of dicts (views and subclasses may wrap it: any mapping of mappings works)
    pred = G._pred if isinstance(G._pred, dict) else G.pred
    plain = isinstance(pred, dict) and G.adjlist_inner_dict_factory is dict and G.edge_attr_dict_factory is dict
    if attr is not None and not multi and plain:  # the common case, with C-level iterators only
        nbrs = list(pred.values())
        counts = list(map(len, nbrs))
        sources = list(chain.from_iterable(nbrs))
        weights = list(map(dict.get, chain.from_iterable(map(dict.values, nbrs)), repeat(attr)))
    for v, preds in pred.items() if not counts else ():
        if multi:
            edges = [(u, k, d) for u, kd in preds.items() for k, d in kd.items()]
            sources.extend([e[0] for e in edges])
            keys.extend([e[1] for e in edges])
            weights.extend([d.get(attr) if attr is not None else weight(u, v, d) for u, _, d in edges])
            counts.append(len(edges))
        else:
            sources.extend(preds)
            weights.extend([d.get(attr) for d in preds.values()] if attr is not None
                           else [weight(u, v, d) for u, d in preds.items()])
            counts.append(len(preds))
    targets = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    try:
        has_none = None in weights  # compares by identity first; arrays as weights make it ambiguous
    except ValueError:
        has_none = True
    missing = next((k for k, w in enumerate(weights) if w is None), None) if has_none else None
    if missing is not None:
        u, v = sources[missing], list(G)[int(targets[missing])]
        key = keys[missing] if multi else None
        _edge_weight(weight, u, v, G.edges[(u, v, key) if multi else (u, v)], key)
    src = np.fromiter(map(index.__getitem__, sources), dtype=np.int64, count=len(sources))
    return src, targets, keys, weights

