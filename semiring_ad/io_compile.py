"""Edge batches -> :class:`~semiring_ad.core.graph.CompiledGraph`, without a networkx graph in between.

The graph-file readers (:mod:`semiring_ad.io_readers`) hand an
:class:`EdgeBuilder` the edges in batches of three columns — sources,
targets, raw weights — plus the nodes a file declares.  The builder numbers
node ids as they come (C-level dict and ``itertools`` calls; the batch's own
objects are then dropped, so a file's duplicate id strings do not pile up),
converts the weights with the caller's function, and keeps integer and
weight arrays.  :meth:`EdgeBuilder.compile` orders the nodes topologically and
lays the edges out as the solver's CSR arrays.  When the order of first
appearance (per batch: sources, then targets) is already topological — as it
is when edges are listed by source or by target in a topological order — no
sort is needed; otherwise the compiler's own topological sort
(:func:`~semiring_ad.core.toposort.topological_positions`, SciPy's strong
components) runs over the integer arrays.  A cycle is named with networkx, on
that error path only.

>>> b = EdgeBuilder(lambda raw, where: [float(w) for w in raw])
>>> b.add(["b", "a"], ["c", "b"], [2, 3])
>>> cg = b.compile()
>>> cg.nodes, cg.in_src.tolist(), list(cg.weights)
(['a', 'b', 'c'], [0, 1], [3.0, 2.0])
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from itertools import chain, count, filterfalse
from typing import Any

import networkx as nx
import numpy as np

from .core.graph import CompiledGraph
from .core.toposort import topological_positions
from .errors import NotADAGError

__all__ = ["EdgeBuilder", "compile_edges"]


def _cycle_error(nodes: list, src: np.ndarray, dst: np.ndarray) -> NotADAGError:
    """The error naming one cycle of the edges (networkx, on this error path only)."""
    cycle = [nodes[u] for u, _ in nx.find_cycle(nx.DiGraph(zip(src.tolist(), dst.tolist())))]
    shown = " -> ".join(map(repr, [*cycle, cycle[0]]))
    return NotADAGError(
        f"expected a directed acyclic graph, but the file has the cycle {shown}; "
        "remove an edge of the cycle (path sums over cycles need a Kleene star)",
        list(zip(cycle, [*cycle[1:], cycle[0]])),
    )


class EdgeBuilder:
    """Collects edges batch by batch and compiles them (see the module docstring).

    Parameters
    ----------
    convert : callable
        ``convert(raw_weights, where)`` -> the batch's weights (a NumPy array or a list);
        ``where(k)`` names the batch's edge ``k`` in error messages.
    """

    def __init__(self, convert: Callable[[list, int], Any]) -> None:
        self.convert = convert
        self.index: dict[Hashable, Any] = {}
        self.src: list[np.ndarray] = []
        self.dst: list[np.ndarray] = []
        self.weights: list[Any] = []
        self.declared: list[Hashable] = []
        self.n_edges = 0

    def _number(self, ids: Any) -> None:
        """Give each id not seen before the next number, in order (all C-level loops).

        ``dict.update`` inserts each pair before it pulls the next, so a repeated new id is already in the
        index when ``filterfalse`` checks it again.
        """
        index = self.index
        index.update(zip(filterfalse(index.__contains__, ids), count(len(index))))

    def add(self, sources: Sequence[Hashable], targets: Sequence[Hashable], weights: list,
            where: Callable[[int], str] | None = None) -> None:
        """One batch of edges: ids (hashable) and raw weights, one per edge; ``where`` names them
        (default ``edges[k]``, counted over the whole file)."""
        self._number(chain(sources, targets))
        m = len(sources)
        self.src.append(np.fromiter(map(self.index.__getitem__, sources), np.int64, m))
        self.dst.append(np.fromiter(map(self.index.__getitem__, targets), np.int64, m))
        offset = self.n_edges
        self.weights.append(self.convert(weights, where or (lambda k: f"edges[{offset + k}]")))
        self.n_edges += m

    def declare(self, nodes: Sequence[Hashable]) -> None:
        """Nodes listed on their own (isolated ones included); numbered after the edges' nodes."""
        self.declared.extend(nodes)

    def compile(self) -> CompiledGraph:
        """The compiled DAG.

        Raises
        ------
        NotADAGError
            If the edges contain a cycle; the message names its nodes.
        """
        self._number(self.declared)
        index, nodes = self.index, list(self.index)
        src = np.concatenate([np.zeros(0, np.int64), *self.src])
        dst = np.concatenate([np.zeros(0, np.int64), *self.dst])
        weights = (np.concatenate(self.weights) if self.weights and isinstance(self.weights[0], np.ndarray)
                   else list(chain.from_iterable(self.weights)))
        self.src, self.dst, self.weights = [], [], []
        if len(src) and not bool(np.all(src < dst)):  # not listed in topological order: sort
            by_target = np.argsort(dst, kind="stable")
            in_ptr = np.concatenate(([0], np.cumsum(np.bincount(dst, minlength=len(nodes))))).astype(np.int64)
            rank = topological_positions(len(nodes), in_ptr, src[by_target])  # the compiler's own sort
            if rank is None:
                raise _cycle_error(nodes, src, dst)
            placed = np.empty_like(rank)
            placed[rank] = np.arange(len(nodes), dtype=np.int64)
            nodes = [nodes[i] for i in placed.tolist()]
            src, dst = rank[src], rank[dst]
            index.update(zip(nodes, count()))
        perm = np.argsort(dst, kind="stable")  # in-edges grouped by target, in file order
        in_ptr = np.concatenate(([0], np.cumsum(np.bincount(dst, minlength=len(nodes))))).astype(np.int64)
        w = weights[perm] if isinstance(weights, np.ndarray) else [weights[k] for k in perm.tolist()]
        cg = CompiledGraph.from_arrays(nodes, in_ptr, src[perm], w)
        cg.__dict__["index"] = index  # the node -> position map is built already: seed the cached property
        return cg


def compile_edges(
    declared: Sequence[Hashable], sources: Sequence[Hashable], targets: Sequence[Hashable], weights: Any
) -> CompiledGraph:
    """A compiled DAG from whole edge columns (one batch); weights are taken as they are.

    >>> compile_edges(["z"], ["a"], ["b"], [1.5]).nodes
    ['a', 'b', 'z']
    """
    builder = EdgeBuilder(lambda raw, where: raw)
    builder.add(sources, targets, weights)
    builder.declare(declared)
    return builder.compile()
