"""Edge columns -> :class:`~semiring_ad.core.graph.CompiledGraph`, without a networkx graph in between.

The graph-file readers (:mod:`semiring_ad.graph_files`) produce three columns — edge
sources, edge targets, weights — plus the nodes a file declares.  This
module numbers the nodes with C-level dict and NumPy operations, orders them
topologically, and lays the edges out as the solver's CSR arrays.  When the
file's order of first appearance (sources, then targets) is already
topological — as it is when edges are listed by source or by target in a
topological order — no sort is needed; otherwise Kahn's algorithm runs over
integer arrays (iteratively: a 10^6-node chain is one loop).  A cycle is
named with networkx, on the nodes the sort could not place.

>>> cg = compile_edges([], ["b", "a"], ["c", "b"], [2.0, 3.0])
>>> cg.nodes, cg.in_src.tolist(), list(cg.weights)
(['a', 'b', 'c'], [0, 1], [3.0, 2.0])
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from itertools import chain, count
from typing import Any

import networkx as nx
import numpy as np

from .core.graph import CompiledGraph
from .errors import NotADAGError

__all__ = ["compile_edges"]


def _kahn(n: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Topological rank of each node (Kahn's algorithm, iterative); -1 for nodes on or after a cycle."""
    out_order = np.argsort(src, kind="stable")
    out_ptr = np.concatenate(([0], np.cumsum(np.bincount(src, minlength=n)))).tolist()
    out_dst = dst[out_order].tolist()
    indeg = np.bincount(dst, minlength=n).tolist()
    queue = [v for v in range(n) if indeg[v] == 0]
    head = 0
    while head < len(queue):
        u = queue[head]
        head += 1
        for v in out_dst[out_ptr[u] : out_ptr[u + 1]]:
            indeg[v] -= 1
            if indeg[v] == 0:
                queue.append(v)
    rank = np.full(n, -1, dtype=np.int64)
    rank[np.asarray(queue, dtype=np.int64)] = np.arange(len(queue), dtype=np.int64)
    return rank


def _cycle_error(nodes: list, src: np.ndarray, dst: np.ndarray, rank: np.ndarray) -> NotADAGError:
    """The error naming one cycle among the nodes Kahn's algorithm could not place."""
    left = (rank[src] < 0) & (rank[dst] < 0)
    H = nx.DiGraph(zip(src[left].tolist(), dst[left].tolist()))
    cycle = [nodes[u] for u, _ in nx.find_cycle(H)]
    shown = " -> ".join(map(repr, [*cycle, cycle[0]]))
    return NotADAGError(
        f"expected a directed acyclic graph, but the file has the cycle {shown}; "
        "remove an edge of the cycle (path sums over cycles need a Kleene star)",
        list(zip(cycle, [*cycle[1:], cycle[0]])),
    )


def _numbered(declared: Sequence[Hashable], sources: Sequence[Hashable], targets: Sequence[Hashable]) -> tuple:
    """Node ids -> numbers in order of first appearance (sources, then targets, then declared), and the edges.

    Sources first: a file whose edges are listed by a topological order of their sources (or of their
    targets) is then numbered topologically already, and needs no sort.

    All loops are C-level: one dict collects the ids in order, its values are then overwritten with the
    numbers (same keys, so the dict does not resize), and each edge end is looked up once.
    """
    index: dict[Hashable, Any] = dict.fromkeys(chain(sources, targets, declared))
    index.update(zip(index, count()))
    m = len(sources)
    src = np.fromiter(map(index.__getitem__, sources), np.int64, m)
    dst = np.fromiter(map(index.__getitem__, targets), np.int64, m)
    return index, src, dst


def compile_edges(
    declared: Sequence[Hashable], sources: Sequence[Hashable], targets: Sequence[Hashable], weights: Any
) -> CompiledGraph:
    """A compiled DAG from edge columns; node ids must be hashable (strings or integers in files).

    Parameters
    ----------
    declared : sequence
        Nodes listed on their own (isolated nodes included); may be empty.
    sources, targets : sequence
        One entry per edge.
    weights : sequence or numpy.ndarray
        One weight per edge, in edge order (parallel edges stay separate paths).

    Raises
    ------
    NotADAGError
        If the edges contain a cycle; the message names its nodes.
    """
    index, src, dst = _numbered(declared, sources, targets)
    nodes, m = list(index), len(sources)
    if m and not bool(np.all(src < dst)):  # not listed in topological order: sort
        rank = _kahn(len(nodes), src, dst)
        if np.any(rank < 0):
            raise _cycle_error(nodes, src, dst, rank)
        placed = np.empty_like(rank)
        placed[rank] = np.arange(len(nodes), dtype=np.int64)
        nodes = [nodes[i] for i in placed.tolist()]
        src, dst = rank[src], rank[dst]
        index.update(zip(nodes, count()))
    perm = np.argsort(dst, kind="stable")  # in-edges grouped by target, in file order
    in_ptr = np.concatenate(([0], np.cumsum(np.bincount(dst, minlength=len(nodes))))).astype(np.int64)
    if isinstance(weights, np.ndarray):
        w = weights[perm]
    else:
        w = [weights[k] for k in perm.tolist()]
    cg = CompiledGraph.from_arrays(nodes, in_ptr, src[perm], w)
    cg.__dict__["index"] = index  # the node -> position map is built already: seed the cached property
    return cg
