"""Sparse Jacobians and Hessians of array graphs: element patterns, colourings, compressed sweeps.

The pattern comes from the maps' structure (:mod:`~semiring_ad.ad.arrays.sparsity`),
the colouring from :mod:`~semiring_ad.ad.colouring`; then

* a **Jacobian** is one forward sweep over LINEAR carrying ``k = n_colors``
  tangent directions at once (the seed of colour ``c`` is the sum of the
  unit tangents of its columns), decompressed entry by entry;
* a **Hessian** needs ``H·S`` for the ``(n, k)`` block of seeds ``S``: any
  callable ``hvp_block(S)`` does (an array Hessian-vector product with k
  directions, the element-wise :func:`semiring_ad.hvp`, or a hand-written
  one); the star colouring then recovers ``H`` by symmetry.

Both return a ``scipy.sparse.csr_array`` over the flattened output and the
flattened traced leaves (one after the other), with ``n_colors`` and ``colors``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ...errors import ShapeError
from ..colouring import color_columns, color_hessian, recover_direct
from .sparsity import hessian_pattern_arrays, jacobian_pattern_arrays

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["seed_block", "sparse_hessian_arrays", "sparse_jacobian_of_array_graph"]


def seed_block(colors: np.ndarray) -> np.ndarray:
    """The ``(n, k)`` 0/1 matrix ``S`` with ``S[j, colors[j]] = 1``: the compressed seed directions.

    >>> seed_block(np.array([0, 1, 0]))
    array([[1., 0.],
           [0., 1.],
           [1., 0.]])
    """
    return np.eye(max(int(colors.max(initial=-1)) + 1, 1))[colors]


def sparse_jacobian_of_array_graph(graph: Any) -> sp.csr_array:
    """The Jacobian of an :class:`~semiring_ad.ad.arrays.api.ArrayGraph` as a CSR array, by one forward sweep.

    ``semiring_ad.arrays.jacobian(f, sparse=True)`` calls it.

    >>> import numpy as np, semiring_ad as sad
    >>> g = sad.arrays.trace_arrays(lambda x: x[1:] * x[:-1], np.array([1.0, 2.0, 3.0, 4.0]))
    >>> J = sparse_jacobian_of_array_graph(g)
    >>> J.toarray(), J.n_colors
    (array([[2., 1., 0., 0.],
           [0., 3., 2., 0.],
           [0., 0., 4., 3.]]), 2)
    """
    pattern = jacobian_pattern_arrays(graph)
    colors = color_columns(pattern)
    S = seed_block(colors)
    k = S.shape[1]
    starts = np.cumsum([0, *(math.prod(s) for s in graph.in_shapes)])
    tangents = [S[a:b].T.reshape((k, *shape)) for a, b, shape in zip(starts, starts[1:], graph.in_shapes)]
    compressed = np.asarray(graph.pushforward(tangents)).reshape(k, -1).T
    return recover_direct(pattern, colors, compressed)


def sparse_hessian_arrays(graph: Any, hvp_block: Callable[[np.ndarray], Any], *,
                          coloring: str = "star") -> sp.csr_array:
    """The Hessian of a scalar array graph from products ``H·S``: pattern, colouring, one block, recovery.

    Parameters
    ----------
    graph : ArrayGraph
        ``semiring_ad.arrays.trace_arrays(f, x)`` of a scalar ``f``; only its
        structure is read (:func:`~semiring_ad.ad.arrays.sparsity.hessian_pattern_arrays`).
    hvp_block : callable
        ``hvp_block(S)`` returns ``H @ S`` as an ``(n, k)`` array for the
        ``(n, k)`` seed block ``S`` (n: the total size of the traced leaves,
        flattened; k: the number of colours).
    coloring : {"star", "distance2"}
        Star colouring with recovery by symmetry (fewer colours), or a
        distance-2 colouring read directly.

    Returns
    -------
    scipy.sparse.csr_array
        ``(n, n)``, with ``n_colors`` and ``colors`` attributes.

    Examples
    --------
    >>> import numpy as np, semiring_ad as sad
    >>> from scipy.optimize import rosen, rosen_hess, rosen_hess_prod
    >>> x = np.linspace(-1.0, 1.0, 6)
    >>> g = sad.arrays.trace_arrays(lambda x: np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2), x)
    >>> H = sparse_hessian_arrays(g, lambda S: np.stack([rosen_hess_prod(x, s) for s in S.T], axis=1))
    >>> H.n_colors, bool(np.allclose(H.toarray(), rosen_hess(x)))
    (3, True)
    """
    pattern = hessian_pattern_arrays(graph)
    colors, recover = color_hessian(pattern, coloring)
    S = seed_block(colors)
    block = np.asarray(hvp_block(S), dtype=np.float64)
    if block.shape != S.shape:
        raise ShapeError(f"hvp_block(S) must return H @ S of shape {S.shape} (inputs × colours), got {block.shape}")
    return recover(pattern, colors, block)
