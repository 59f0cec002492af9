"""Whole-graph SciPy algorithms (the ``"scipy"`` backend's engines).

* (+, ×): in topological order the forward sweep α = s + Mα
  (``M[v, u] = w(u, v)``) is the unit lower-triangular system (I − M) α = s,
  the backward sweep its transpose (I − Mᵀ) β = s.  One compiled
  substitution (SuperLU, see :mod:`._kernels`) replaces thousands of
  per-level calls on deep, narrow graphs.  Its matrix is the in-edge CSR
  as it is (read as the columns of (I − M)ᵀ: no out-edges, no levels), so
  it is also the cheap first sweep on a freshly compiled graph.
* (min, +) with non-negative finite weights and seeds (and (max, +) with
  non-positive ones, negated): Dijkstra.
* Reachability for these paths: breadth-first search.

All three are sequential C loops: slower per edge than a level sweep on
wide graphs, far faster on deep ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ._kernels import unit_upper_solve
from ._plan import Problem

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["triangular_solve", "dijkstra_sweep", "bfs_reach", "fits_int32"]

_INT32 = np.iinfo(np.intc).max


def fits_int32(prob: Problem) -> bool:
    """Whether the problem's indices fit SciPy's 32-bit graph and factor indices."""
    return prob.n + prob.m < _INT32


def _factor(prob: Problem, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strictly upper part of ``(I − M)ᵀ`` in CSC: column ``v`` holds −w of ``v``'s in-edges at
    rows ``u < v`` — the in-edge CSR as it is (no out-edges, no levels, no reordering)."""
    return prob.in_ptr.astype(np.intc), prob.in_src.astype(np.intc), -np.asarray(w, dtype=np.float64)


def triangular_solve(prob: Problem, direction: str, tag: object, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Solve (I − M) x = b (forward) or (I − Mᵀ) x = b (backward); ``b`` is ``(n,)`` or ``(n, k)`` float64.

    ``U = (I − M)ᵀ`` is unit upper-triangular with the in-edges as its columns (:func:`_factor`):
    forward solves ``Uᵀ x = b``, backward ``U x = b``.
    """
    ptr, idx, data = prob.cached(("factor", tag), lambda: _factor(prob, w))
    return unit_upper_solve(ptr, idx, data, b, transpose=direction == "forward")


def _pushed(prob: Problem, direction: str, w: np.ndarray | None) -> sp.csr_array:
    """The edges a sweep pushes along (weighted, or ones) as a float64 CSR with 32-bit indices."""
    if direction == "forward":
        ptr, nbr, edge = prob.csr("backward")
        data = np.ones(prob.m) if w is None else w[edge]
    else:
        ptr, nbr = prob.in_ptr, prob.in_src
        data = np.ones(prob.m) if w is None else w
    import scipy.sparse as sp
    return sp.csr_array((np.asarray(data, dtype=np.float64), nbr.astype(np.intc), ptr.astype(np.intc)),
                        shape=(prob.n, prob.n))


def _with_root(A: sp.csr_array, seed_pos: np.ndarray, seed_vals: np.ndarray) -> sp.csr_array:
    """``A`` plus a virtual root ``n`` with an edge to every seed, weighted by the seed's value."""
    n = A.shape[0]
    indptr = np.append(A.indptr, A.indptr[-1] + len(seed_pos)).astype(np.intc)
    indices = np.concatenate((A.indices, seed_pos.astype(np.intc)))
    import scipy.sparse as sp
    return sp.csr_array((np.concatenate((A.data, seed_vals)), indices, indptr), shape=(n + 1, n + 1))


def dijkstra_sweep(prob: Problem, direction: str, tag: object, w: np.ndarray, sign: float,
                   seed_pos: np.ndarray, seed_vals: np.ndarray) -> np.ndarray:
    """(min, +) on ``sign`` × weights and seeds (non-negative, finite); ``inf`` where unreached.

    Dijkstra's distance of ``v`` is the minimum over in-edges of ``fl(dist(u) + w)``, the sweep's
    own formula with the same additions, so the values are identical.  Several seeds, or a
    non-zero seed, hang off a virtual root by edges weighted with the seed values.
    """
    from scipy.sparse.csgraph import dijkstra  # on first use: slow to import

    A = prob.cached(("dijkstra", direction, tag), lambda: _pushed(prob, direction, sign * w))
    if len(seed_pos) == 1 and seed_vals[0] == 0:
        return dijkstra(A, directed=True, indices=int(seed_pos[0]))
    return dijkstra(_with_root(A, seed_pos, sign * seed_vals), directed=True, indices=prob.n)[: prob.n]


def bfs_reach(prob: Problem, direction: str, seed_pos: np.ndarray) -> np.ndarray:
    """Reached flags (node order): breadth-first search from the seeds (several: from a virtual root)."""
    from scipy.sparse.csgraph import breadth_first_order  # on first use: slow to import

    A = prob.cached(("structure", direction), lambda: _pushed(prob, direction, None))
    if len(seed_pos) == 1:
        found = breadth_first_order(A, int(seed_pos[0]), directed=True, return_predecessors=False)
    else:
        root = _with_root(A, seed_pos, np.ones(len(seed_pos)))
        found = breadth_first_order(root, prob.n, directed=True, return_predecessors=False)
    reached = np.zeros(prob.n + 1, dtype=bool)
    reached[found] = True
    return reached[: prob.n]
