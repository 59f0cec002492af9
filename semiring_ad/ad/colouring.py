"""Colourings of sparsity patterns: which seed directions can share one sweep, and how to read entries back.

A colouring groups columns of a sparse Jacobian or Hessian so that the
columns of one colour are summed into one seed direction (a compressed
product ``B = A·S`` with ``S[j, c] = 1`` when ``colors[j] == c``); one sweep
carries every colour.  Two colourings live here:

* :func:`color_columns` — a **distance-2 colouring** (columns that share a
  non-zero row get different colours: a colouring of the column-intersection
  graph, greedy ``largest_first`` as networkx's).  Every entry is read directly:
  ``A[i, j] = B[i, colors[j]]`` (:func:`recover_direct`).  It serves Jacobians,
  and Hessians when asked (``coloring="distance2"``).
* :func:`star_color` — a **star colouring** of the adjacency graph of a
  symmetric pattern (Gebremedhin, Manne & Pothen 2005, "What color is your
  Jacobian?", SIAM Review 47(4), Algorithm 4.1, as in ColPack): a proper
  colouring in which every path on four vertices uses at least three colours.
  For a symmetric matrix it still allows direct recovery by symmetry
  (Coleman & Moré 1984): for each non-zero ``H[i, j]`` at least one of ``i``
  and ``j`` has no *other* neighbour with the other one's colour, and that
  side's compressed row holds the entry alone (:func:`recover_symmetric`).
  Distance-2 colourings are star colourings, never the other way round: an
  arrowhead pattern (one row and column full, plus the diagonal) needs ``n``
  colours at distance 2 and 2 as a star.

This module is structure only (NumPy, SciPy sparse, networkx): the sweeps
that form ``B`` are in :mod:`~semiring_ad.ad.sparse_derivatives` (scalar
tapes) and :mod:`~semiring_ad.ad.arrays.sparse` (array graphs).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from ..errors import InputError
from .collector import paused

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["COLORINGS", "color_columns", "color_hessian", "is_star_coloring", "recover_direct", "recover_symmetric",
           "star_color"]

COLORINGS = ("star", "distance2")
"""The colourings a sparse Hessian accepts (``coloring=``)."""


def color_columns(pattern: sp.sparray) -> np.ndarray:
    """Greedy ``largest_first`` colouring of the column-intersection graph of ``pattern`` (a distance-2 colouring).

    Columns that share a non-zero row get different colours.  The graph is
    ``PᵀP`` (a sparse product); the columns are visited by degree, descending
    (ties in column order), each taking the smallest colour no neighbour has:
    the colouring of networkx's ``greedy_color(G, "largest_first")`` on that
    graph, run on CSR lists.  Greedy uses at most Δ + 1 colours (Δ: the
    intersection graph's maximum degree) and at least the largest number of
    non-zeros in a row.

    >>> import numpy as np, scipy.sparse as sp
    >>> color_columns(sp.csr_array(np.eye(4, dtype=bool) | np.eye(4, k=1, dtype=bool))).tolist()
    [1, 0, 1, 0]
    """
    import scipy.sparse as sp

    P = sp.csr_array(pattern, dtype=bool)
    inter = (P.T @ P).tocsr()
    inter.setdiag(False)
    inter.eliminate_zeros()
    return _greedy(inter, np.argsort(-np.diff(inter.indptr), kind="stable"))


def _greedy(graph: sp.csr_array, order: np.ndarray) -> np.ndarray:
    """First-fit colouring of a CSR adjacency in ``order`` (the collector paused: no cycles are made)."""
    n = graph.shape[0]
    ptr, idx = graph.indptr.tolist(), graph.indices.tolist()
    color = [-1] * n
    forbidden = [-1] * (n + 1)
    with paused():
        for v in order.tolist():
            for w in idx[ptr[v]:ptr[v + 1]]:
                cw = color[w]
                if cw >= 0:
                    forbidden[cw] = v
            c = 0
            while forbidden[c] == v:
                c += 1
            color[v] = c
    return np.asarray(color, dtype=np.int64)


def _adjacency(pattern: sp.sparray) -> sp.csr_array:
    """The adjacency graph of a square pattern: symmetrised, without the diagonal, as CSR."""
    import scipy.sparse as sp

    if pattern.ndim != 2 or pattern.shape[0] != pattern.shape[1]:
        raise InputError(f"a star colouring needs a square (symmetric) pattern, got shape {pattern.shape}; "
                         "use color_columns for a Jacobian's pattern")
    P = sp.csr_array(pattern, dtype=bool)
    A = (P + P.T).tocoo()
    off = A.row != A.col
    n = pattern.shape[0]
    out = sp.csr_array((np.ones(int(off.sum()), dtype=bool), (A.row[off], A.col[off])), shape=(n, n))
    out.sum_duplicates()
    return out


def star_color(pattern: sp.sparray) -> np.ndarray:
    """A greedy star colouring of the adjacency graph of a symmetric ``pattern`` (GMP 2005, Algorithm 4.1).

    Vertices are coloured in ``largest_first`` order (degree, descending;
    ties by index), each with the smallest colour that is not forbidden:

    * the colour of a coloured neighbour ``w`` (a proper colouring);
    * the colour of a coloured ``x`` two steps away through an *uncoloured*
      ``w`` (so ``v`` and ``x`` cannot later end a two-coloured path through ``w``);
    * the colour of a coloured ``x`` two steps away through a *coloured* ``w``
      when ``x`` has another neighbour ``y`` with ``w``'s colour (``v–w–x–y``
      would be a path on four vertices with two colours).

    The result is a star colouring (the tests check every path on four
    vertices).  The count is a heuristic's, not the optimum's.  What it
    guarantees: at most Δ² + 1 colours (Δ: the largest degree; only vertices
    within distance 2 forbid colours); exactly 3 on a path of n ≥ 4 vertices,
    a tridiagonal Hessian (the interior is coloured in order, each vertex with
    at most two colours forbidden, and 3 is the star chromatic number of a
    path); 2 on a star, an arrowhead Hessian (its centre comes first).

    >>> import numpy as np, scipy.sparse as sp
    >>> tridiagonal = sp.csr_array(np.eye(6, dtype=bool) | np.eye(6, k=1, dtype=bool) | np.eye(6, k=-1, dtype=bool))
    >>> star_color(tridiagonal).tolist()
    [2, 0, 1, 0, 2, 0]
    """
    A = _adjacency(pattern)
    n = A.shape[0]
    ptr, idx = A.indptr.tolist(), A.indices.tolist()
    color = [-1] * n
    forbidden = [-1] * (n + 1)  # forbidden[c] == v: colour c is taken for vertex v
    with paused():  # lists and ints only: no cycles for the collector to find
        for v in np.argsort(-np.diff(A.indptr), kind="stable").tolist():
            for w in idx[ptr[v]:ptr[v + 1]]:
                cw = color[w]
                if cw >= 0:
                    forbidden[cw] = v
                for x in idx[ptr[w]:ptr[w + 1]]:
                    cx = color[x]
                    if cx < 0 or forbidden[cx] == v:
                        continue
                    if cw < 0:
                        forbidden[cx] = v
                    else:
                        for y in idx[ptr[x]:ptr[x + 1]]:
                            if y != w and color[y] == cw:
                                forbidden[cx] = v
                                break
            c = 0
            while forbidden[c] == v:
                c += 1
            color[v] = c
    return np.asarray(color, dtype=np.int64)


def is_star_coloring(pattern: sp.sparray, colors: np.ndarray) -> bool:
    """Whether ``colors`` is a star colouring of the adjacency graph of ``pattern``.

    Proper (adjacent vertices differ) and no path on four vertices uses only
    two colours; checked through its equivalent: every two-coloured connected
    piece is a star (networkx's components of each pair of colour classes).

    >>> import numpy as np, scipy.sparse as sp
    >>> path = sp.csr_array(np.eye(4, k=1, dtype=bool))
    >>> is_star_coloring(path, np.array([0, 1, 0, 2])), is_star_coloring(path, np.array([0, 1, 0, 1]))
    (True, False)
    """
    A = _adjacency(pattern).tocoo()
    colors = np.asarray(colors)
    if np.any(colors[A.row] == colors[A.col]):
        return False
    graph = nx.Graph(zip(A.row.tolist(), A.col.tolist()))
    for a in np.unique(colors).tolist():
        for b in np.unique(colors).tolist():
            if a >= b:
                continue
            two = graph.subgraph([v for v in graph if colors[v] in (a, b)])
            for piece in nx.connected_components(two):
                sub = two.subgraph(piece)
                if sub.number_of_edges() > 0 and max(d for _, d in sub.degree()) != sub.number_of_edges():
                    return False
    return True


def _finish(values: np.ndarray, pattern: sp.sparray, rows: np.ndarray, cols: np.ndarray,
            colors: np.ndarray) -> sp.csr_array:
    import scipy.sparse as sp

    out = sp.csr_array((values, (rows, cols)), shape=pattern.shape)
    out.n_colors = int(colors.max(initial=-1)) + 1
    out.colors = colors
    return out


def recover_direct(pattern: sp.sparray, colors: np.ndarray, compressed: np.ndarray) -> sp.csr_array:
    """Entry (i, j) of the full matrix is ``compressed[i, colors[j]]`` (a distance-2 colouring).

    The result is a ``scipy.sparse.csr_array`` with ``n_colors`` and ``colors`` attributes.

    >>> import numpy as np, scipy.sparse as sp
    >>> J = np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]])
    >>> colors = np.array([0, 0, 1])
    >>> recover_direct(sp.csr_array(J != 0), colors, J @ np.eye(2)[colors]).toarray()
    array([[1., 0., 2.],
           [0., 3., 0.]])
    """
    coo = pattern.tocoo()
    values = np.asarray(compressed, dtype=np.float64)[coo.row, colors[coo.col]]
    return _finish(values, pattern, coo.row, coo.col, colors)


def recover_symmetric(pattern: sp.sparray, colors: np.ndarray, compressed: np.ndarray) -> sp.csr_array:
    """The symmetric matrix with ``pattern`` from ``compressed = H·S``, for a star colouring ``colors``.

    ``H[i, i] = B[i, colors[i]]``; off the diagonal ``H[i, j] = B[i, colors[j]]``
    when ``j`` is ``i``'s only neighbour of its colour, else ``B[j, colors[i]]``
    (one of the two holds in a star colouring).  Raises
    :class:`~semiring_ad.errors.InputError` if neither holds (not a star colouring).

    >>> import numpy as np, scipy.sparse as sp
    >>> H = np.array([[4.0, 1.0, 1.0], [1.0, 5.0, 0.0], [1.0, 0.0, 6.0]])   # an arrowhead
    >>> colors = np.array([0, 1, 1])
    >>> recover_symmetric(sp.csr_array(H != 0), colors, H @ np.eye(2)[colors]).toarray()
    array([[4., 1., 1.],
           [1., 5., 0.],
           [1., 0., 6.]])
    """
    import scipy.sparse as sp

    colors = np.asarray(colors, dtype=np.int64)
    n, k = pattern.shape[0], int(colors.max(initial=-1)) + 1
    B = np.asarray(compressed, dtype=np.float64).reshape(n, max(k, 1))
    coo = sp.coo_array(pattern)
    coo.sum_duplicates()
    i, j = coo.row.astype(np.int64), coo.col.astype(np.int64)
    A = _adjacency(pattern).tocoo()
    width = max(k, 1)
    keys, counts = np.unique(A.row.astype(np.int64) * width + colors[A.col], return_counts=True)

    def alone(v: np.ndarray, c: np.ndarray) -> np.ndarray:  # exactly one neighbour of v has colour c
        want = v * width + c
        at = np.minimum(np.searchsorted(keys, want), max(len(keys) - 1, 0))
        return (keys[at] == want) & (counts[at] == 1) if len(keys) else np.zeros(len(v), dtype=bool)

    alone_i, alone_j = alone(i, colors[j]), alone(j, colors[i])
    diagonal = i == j
    if not np.all(diagonal | alone_i | alone_j) or np.any(~diagonal & (colors[i] == colors[j])):
        raise InputError("the colouring is not a star colouring of the pattern, so the compressed Hessian "
                         "cannot be decompressed; colour it with star_color (or color_columns)")
    values = np.where(diagonal | alone_i, B[i, colors[j]], B[j, colors[i]])
    return _finish(values, pattern, i, j, colors)


def color_hessian(pattern: sp.csr_array, coloring: str = "star") -> tuple[np.ndarray, Callable[..., sp.csr_array]]:
    """The colours of a Hessian pattern and the matching recovery: ``coloring`` is ``"star"`` or ``"distance2"``.

    >>> import numpy as np, scipy.sparse as sp
    >>> arrow = sp.csr_array(np.eye(5, dtype=bool) | (np.arange(5) == 0) | (np.arange(5) == 0)[:, None])
    >>> [int(color_hessian(arrow, c)[0].max()) + 1 for c in ("star", "distance2")]
    [2, 5]
    """
    if coloring == "star":
        return star_color(pattern), recover_symmetric
    if coloring == "distance2":
        return color_columns(pattern), recover_direct
    raise InputError(f"coloring must be one of {COLORINGS}, got {coloring!r}")
