"""Topological order, levels and out-edge indices from CSR arrays, with NumPy/SciPy calls only.

:func:`~semiring_ad.core.graph.compile_graph` and the cached arrays of a
:class:`~semiring_ad.core.graph.CompiledGraph` are built here, without a
per-node Python loop:

* the order: SciPy's strongly connected components (Pearce's iterative
  algorithm, a compiled loop) number the components of a graph in reverse
  topological order of its condensation; run on the *reversed* graph (the
  in-edge CSR read as rows), the labels are a topological order of the
  graph itself.  Every result is checked (each edge must go forward), and a
  graph whose components are fewer than its nodes has a cycle;
* a cycle, when there is one: a strongly connected component with more
  than one node (or a self-loop), walked backwards along in-edges inside it
  until a node repeats;
* the out-edges: a CSR → CSC conversion is a stable counting sort in C;
* the levels (the longest path into each node): peeling (Kahn's algorithm,
  a few NumPy calls per level) for graphs whose depth is small against their
  size; a deep graph (a long chain) is finished by one Python pass instead,
  which is cheaper there than one round of NumPy calls per level.

This module sits under the graph module; it sees arrays only.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "find_cycle",
    "levels_loop",
    "longest_path_levels",
    "out_csr",
    "peel_levels",
    "peel_partial",
    "topological_positions",
]

PEEL_ROUNDS, PEEL_EDGES = 16, 1024  # peel at most max(16, m / 1024) rounds before calling a graph deep


def topological_positions(n: int, in_ptr: np.ndarray, in_src: np.ndarray) -> np.ndarray | None:
    """Position of every node in a topological order, or None if the graph has a cycle.

    ``in_ptr``/``in_src`` is the in-edge CSR in any node numbering (row ``v``
    lists the sources of ``v``'s in-edges).

    >>> import numpy as np
    >>> # 2 → 0 → 1: positions 1, 2, 0
    >>> topological_positions(3, np.array([0, 1, 2, 2]), np.array([2, 0])).tolist()
    [1, 2, 0]
    >>> topological_positions(2, np.array([0, 1, 2]), np.array([1, 0])) is None  # 0 ⇄ 1
    True
    """
    src, dst = in_src, np.repeat(np.arange(n, dtype=np.int64), np.diff(in_ptr))
    if n == 0 or not len(src):
        return np.arange(n, dtype=np.int64)
    if np.any(src == dst):
        return None
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components  # on first use: slow to import

    reversed_graph = sp.csr_array((np.ones(len(src), dtype=np.int8), in_src, in_ptr), shape=(n, n))
    count, labels = connected_components(reversed_graph, directed=True, connection="strong")
    if count < n:
        return None
    pos = labels.astype(np.int64, copy=False)
    if not np.all(pos[src] < pos[dst]):  # not the numbering documented above: sort by peeling instead
        levels = peel_levels(in_ptr, *out_csr(n, in_ptr, in_src)[:2])
        pos = np.empty(n, dtype=np.int64)
        pos[np.argsort(levels, kind="stable")] = np.arange(n)
    return pos


def find_cycle(n: int, in_ptr: np.ndarray, in_src: np.ndarray) -> list[int]:
    """The nodes of one directed cycle in edge order (``[]`` for a DAG); a self-loop gives ``[v]``.

    Every node of a strongly connected component with more than one node has an
    in-edge from inside it, so walking such in-edges backwards repeats a node
    after at most the component's size steps; the repeated stretch is a cycle.

    >>> import numpy as np
    >>> # 0 → 1 → 2 → 0 and 2 → 3
    >>> find_cycle(4, np.array([0, 1, 2, 3, 4]), np.array([2, 0, 1, 2]))
    [0, 1, 2]
    """
    dst = np.repeat(np.arange(n, dtype=np.int64), np.diff(in_ptr))
    loops = np.flatnonzero(in_src == dst)
    if len(loops):
        return [int(dst[loops[0]])]
    if not len(in_src):
        return []
    import scipy.sparse as sp
    from scipy.sparse.csgraph import connected_components  # on first use: slow to import

    graph = sp.csr_array((np.ones(len(in_src), dtype=np.int8), in_src, in_ptr), shape=(n, n))
    labels = connected_components(graph, directed=True, connection="strong")[1]
    big = np.flatnonzero(np.bincount(labels) > 1)
    if not len(big):
        return []
    inside = labels[in_src] == labels[dst]
    pred = np.full(n, -1, dtype=np.int64)
    pred[dst[inside]] = in_src[inside]  # one in-neighbour inside the component for each of its nodes
    step = pred.tolist()
    v, seen, walk = int(np.flatnonzero(labels == big[0])[0]), {}, []
    while v not in seen:
        seen[v] = len(walk)
        walk.append(v)
        v = step[v]
    cycle = walk[seen[v]:][::-1]  # walked against the edges: reverse into edge order
    first = cycle.index(min(cycle))
    return cycle[first:] + cycle[:first]  # from its lowest node, so the answer does not depend on the walk


def out_csr(n: int, in_ptr: np.ndarray, in_src: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(out_ptr, out_dst, out_edge)``: the out-edge CSR, ``out_edge[j]`` the in-edge index of out-edge ``j``.

    Out-edges of a node are listed by increasing in-edge index (a stable sort).

    >>> import numpy as np
    >>> [a.tolist() for a in out_csr(3, np.array([0, 0, 1, 3]), np.array([0, 0, 1]))]
    [[0, 2, 3, 3], [1, 2, 2], [0, 1, 2]]
    """
    m = len(in_src)
    import scipy.sparse as sp

    by_target = sp.csr_array((np.arange(m, dtype=np.int64), in_src, in_ptr), shape=(n, n))
    by_source = by_target.tocsc()  # counting sort in C; parallel edges stay (no duplicate summing)
    out_edge = by_source.data.astype(np.int64, copy=False)
    out_dst = by_source.indices.astype(np.int64, copy=False)
    return by_source.indptr.astype(np.int64, copy=False), out_dst, out_edge


def peel_levels(in_ptr: np.ndarray, out_ptr: np.ndarray, out_dst: np.ndarray,
                max_rounds: int | None = None) -> np.ndarray | None:
    """Longest-path levels by peeling; None if more than ``max_rounds`` levels would be needed.

    >>> import numpy as np
    >>> # 0 → 1 → 2 and 0 → 2: node 2 is on level 2 (its longest path in has 2 edges)
    >>> peel_levels(np.array([0, 0, 1, 3]), np.array([0, 2, 3, 3]), np.array([1, 2, 2])).tolist()
    [0, 1, 2]
    """
    return peel_partial(in_ptr, out_ptr, out_dst, max_rounds)[0]


def peel_partial(in_ptr: np.ndarray, out_ptr: np.ndarray, out_dst: np.ndarray,
                 max_rounds: int | None = None) -> tuple[np.ndarray | None, int]:
    """:func:`peel_levels`, and how many nodes were peeled before stopping (all of them, or fewer
    when the graph needs more than ``max_rounds`` levels: the share tells how deep it is).

    >>> import numpy as np
    >>> chain = np.array([0, 0, 1, 2, 3])  # 0 → 1 → 2 → 3
    >>> peel_partial(chain, np.array([0, 1, 2, 3, 3]), np.array([1, 2, 3]), max_rounds=1)
    (None, 2)
    """
    n = len(in_ptr) - 1
    waiting = np.diff(in_ptr)  # predecessors not yet peeled
    level = np.zeros(n, dtype=np.int64)
    frontier = np.flatnonzero(waiting == 0)
    peeled, rounds = len(frontier), 0
    while len(frontier):
        first, counts = out_ptr[frontier], out_ptr[frontier + 1] - out_ptr[frontier]
        total = int(counts.sum())
        if total == 0:
            break
        rounds += 1
        if max_rounds is not None and rounds > max_rounds:
            return None, peeled
        targets = out_dst[np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(total)]
        np.subtract.at(waiting, targets, 1)
        ready = np.sort(targets[waiting[targets] == 0])
        if len(ready) > 1:
            keep = np.empty(len(ready), dtype=bool)
            keep[0] = True
            np.not_equal(ready[1:], ready[:-1], out=keep[1:])
            ready = ready[keep]
        frontier = ready
        peeled += len(frontier)
        level[frontier] = rounds
    return level, peeled


def levels_loop(in_ptr: np.ndarray, in_src: np.ndarray) -> np.ndarray:
    """Longest-path levels by one pass in topological order (for deep graphs).

    >>> import numpy as np
    >>> levels_loop(np.array([0, 0, 1, 3]), np.array([0, 0, 1])).tolist()
    [0, 1, 2]
    """
    level = [0] * (len(in_ptr) - 1)
    ptr, src = in_ptr.tolist(), in_src.tolist()
    for i in range(len(level)):
        lo, hi = ptr[i], ptr[i + 1]
        if lo < hi:
            level[i] = 1 + max([level[s] for s in src[lo:hi]])
    return np.asarray(level, dtype=np.int64)


def longest_path_levels(in_ptr: np.ndarray, in_src: np.ndarray, out_ptr: np.ndarray,
                        out_dst: np.ndarray) -> np.ndarray:
    """Levels of a graph in topological order: peeled if shallow, else one Python pass.

    >>> import numpy as np
    >>> longest_path_levels(np.array([0, 0, 1, 3]), np.array([0, 0, 1]), np.array([0, 2, 3, 3]),
    ...                     np.array([1, 2, 2])).tolist()
    [0, 1, 2]
    """
    budget = max(PEEL_ROUNDS, len(in_src) // PEEL_EDGES)
    levels = peel_levels(in_ptr, out_ptr, out_dst, max_rounds=budget)
    return levels_loop(in_ptr, in_src) if levels is None else levels
