"""Topological levels (the level sweep's schedule), computed without a per-node Python loop.

``level(v)`` is the number of edges on the longest path into ``v``, as in
:attr:`semiring_ad.core.graph.CompiledGraph.levels`.  Peeling computes it with a
few NumPy calls per level (Kahn's algorithm: a level is the set of nodes whose
last predecessor was peeled one round earlier), so wide graphs need a few
milliseconds where a per-node loop needs hundreds.  Deep graphs would need
one round per level; a budget on the rounds detects them cheaply (they are
better served by whole-graph SciPy calls or the generic loop, which need no
levels), and :func:`levels_loop` finishes the job when levels are needed anyway.
"""

from __future__ import annotations

import numpy as np

__all__ = ["peel_levels", "levels_loop"]


def peel_levels(in_ptr: np.ndarray, out_ptr: np.ndarray, out_dst: np.ndarray,
                max_rounds: int | None = None) -> np.ndarray | None:
    """Longest-path levels by peeling; None if more than ``max_rounds`` levels would be needed.

    >>> import numpy as np
    >>> # 0 → 1 → 2 and 0 → 2: node 2 is on level 2 (its longest path in has 2 edges)
    >>> peel_levels(np.array([0, 0, 1, 3]), np.array([0, 2, 3, 3]), np.array([1, 2, 2])).tolist()
    [0, 1, 2]
    """
    n = len(in_ptr) - 1
    waiting = np.diff(in_ptr)  # predecessors not yet peeled
    level = np.zeros(n, dtype=np.int64)
    frontier = np.flatnonzero(waiting == 0)
    rounds = 0
    while len(frontier):
        first, counts = out_ptr[frontier], out_ptr[frontier + 1] - out_ptr[frontier]
        total = int(counts.sum())
        if total == 0:
            break
        rounds += 1
        if max_rounds is not None and rounds > max_rounds:
            return None
        targets = out_dst[np.repeat(first - np.cumsum(counts) + counts, counts) + np.arange(total)]
        np.subtract.at(waiting, targets, 1)
        ready = np.sort(targets[waiting[targets] == 0])
        if len(ready) > 1:
            keep = np.empty(len(ready), dtype=bool)
            keep[0] = True
            np.not_equal(ready[1:], ready[:-1], out=keep[1:])
            ready = ready[keep]
        frontier = ready
        level[frontier] = rounds
    return level


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
