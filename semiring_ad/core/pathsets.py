"""The budget of the :data:`~semiring_ad.core.semirings.PATHS` semiring: refuse a sweep that cannot fit.

A PATHS value is the set of paths itself, and a sweep keeps one at every node
it reaches.  On a chain of n nodes that is 1 + 2 + … + n edges in all (a 10^6-node
chain: 5·10^11); on a ladder of 24 diamonds, 2^24 paths at the last node alone.
Before such a sweep starts, :class:`PathBudget` predicts its size exactly with
one cheap sweep over numbers — each node's (number of paths, total length) in
the semiring of pairs ``(c, l) ⊗ (c', l') = (c·c', c·l' + l·c')`` — and raises
:class:`~semiring_ad.errors.EnumerationLimitError` as soon as the running total
passes the limit, usually long before the end of the graph.

The solver calls a semiring's ``guard`` (if any) before each sweep; this module
imports nothing from the solver, so the semirings module can attach the guard.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import EnumerationLimitError

if TYPE_CHECKING:
    import numpy as np

    from .graph import CompiledGraph

__all__ = ["PATHS_LIMIT", "PathBudget"]

PATHS_LIMIT = 2_000_000
"""Default budget of a PATHS sweep: paths plus edges stored over all nodes (some 100 MB)."""


def _size(value: Any) -> tuple[float, float]:
    """(number of paths, their total number of edges) of a PATHS value; a non-set counts as one edge."""
    if isinstance(value, Set):
        return float(len(value)), float(sum(len(p) for p in value))
    return 1.0, 1.0


@dataclass(frozen=True)
class PathBudget:
    """A guard for PATHS sweeps: at most ``limit`` paths + edges stored over all nodes.

    Called by the solver as ``guard(cg, seeds, direction, active)``; it mirrors
    the generic sweep (same order, same cone) over (count, length) pairs.

    >>> import networkx as nx
    >>> from semiring_ad.core.graph import compile_graph
    >>> from semiring_ad.core.semirings import path_weight
    >>> cg = compile_graph(nx.path_graph(100, create_using=nx.DiGraph), weight=path_weight)
    >>> PathBudget(limit=10**4)(cg, {0: frozenset({()})}, "forward", None)  # 100 paths, 4950 edges
    >>> PathBudget(limit=1000)(cg, {0: frozenset({()})}, "forward", None)
    Traceback (most recent call last):
    ...
    semiring_ad.errors.EnumerationLimitError: a PATHS sweep would store more than limit=1000 paths and edges ...
    """

    limit: int = PATHS_LIMIT

    def __call__(self, cg: CompiledGraph, seeds: dict[int, Any], direction: str, active: np.ndarray | None) -> None:
        ptr, src, w = cg.lists[0], cg.lists[1], cg.weights  # edge sizes on demand: the check may stop early
        count: list[float] = [0.0] * cg.n_nodes
        length: list[float] = [0.0] * cg.n_nodes
        total = 0.0
        for i, seed in seeds.items():
            count[i], length[i] = _size(seed)
        if direction == "forward":
            order = range(min(seeds, default=0), cg.n_nodes) if active is None else active.tolist()
            for v in order:
                c, n = count[v], length[v]
                for k in range(ptr[v], ptr[v + 1]):
                    cu, (wc, wl) = count[src[k]], _size(w[k])
                    c, n = c + cu * wc, n + length[src[k]] * wc + cu * wl
                count[v], length[v] = c, n
                total += c + n
                if total > self.limit:
                    self._refuse(total)
            return
        inside = None if active is None else set(active.tolist())
        for v in range(max(seeds, default=-1), -1, -1):
            if inside is not None and v not in inside and v not in seeds:
                continue
            c, n = count[v], length[v]
            total += c + n
            if total > self.limit:
                self._refuse(total)
            if not c:
                continue
            for k in range(ptr[v], ptr[v + 1]):
                u = src[k]
                if inside is None or u in inside:
                    wc, wl = _size(w[k])
                    count[u] += wc * c
                    length[u] += wl * c + wc * n

    def _refuse(self, total: float) -> None:
        raise EnumerationLimitError(
            f"a PATHS sweep would store more than limit={self.limit} paths and edges (at least {total:.3g}) "
            "over its nodes; count the paths with COUNTING, list the k best with explain(..., top=k), ask for "
            "one source and one target with path_sum, or raise the limit: paths_semiring(limit=...)")
