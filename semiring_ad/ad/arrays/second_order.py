"""Second derivatives on arrays (``hvp``, ``hessian``) and per-example gradients (``vmap_grad``).

Forward-over-reverse, with the same solver twice over
:data:`~semiring_ad.core.linear_semiring.LINEAR`: a forward sweep seeded with
k directions gives every node's tangent; the tape re-weighted with dual maps
(:mod:`~semiring_ad.ad.arrays.dual_maps`) is then swept backward once, and the
input nodes receive the gradient and the k Hessian-vector products together.
A Hessian is one such pair of sweeps with the n unit directions (identity
blocks), so its cost is that of about 2n gradients carried as arrays, not n
separate sweeps; ``hvp`` with k directions (an ``(n, k)`` block per argument)
is one pair of sweeps too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core.graph import CompiledGraph
from ...core.linear import Dense
from ...core.linear_semiring import LINEAR
from ...core.solver import sweep
from ...errors import TraceError
from .api import _argnums, _finish, _gradient, _regroup, _scalar_output
from .dual_maps import dual_weights, node_tangents
from .graph import ArrayGraph, trace_arrays
from .pytree import LEAF, flatten, unflatten

__all__ = ["hessian", "hvp", "hvp_of_graph", "vmap_grad"]


def hvp_of_graph(g: ArrayGraph, directions: Sequence[np.ndarray]) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Gradient and Hessian-vector products of a traced scalar program (traced with ``second_order=True``).

    ``directions`` holds one ``(k, *in_shape)`` array per input leaf (k
    directions at once); returns per input the gradient ``(*in_shape)`` and
    ``H·v`` for every direction, ``(k, *in_shape)``.
    """
    _scalar_output(g, "hessian")
    k = directions[0].shape[0]
    cg = g.compiled
    seeds = {i: Dense(v.reshape(k, -1).T, (k,), s) for i, v, s in zip(g.inputs, directions, g.in_shapes)}
    tangents = node_tangents(g.tape, k, sweep(cg, LINEAR, seeds, "forward", backend="python"))
    dual = CompiledGraph.from_arrays(range(len(g.tape)), cg.in_ptr, cg.in_src, dual_weights(g.tape, tangents, k))
    seed = np.zeros((1, 1 + k))
    seed[0, 0] = 1.0  # the output's cotangent 1 in the primal row, 0 in the k tangent rows
    vals = sweep(dual, LINEAR, {g.output: Dense(seed, (1 + k,), (1,))}, "backward", backend="python")
    grads, hvs = [], []
    for i, s in zip(g.inputs, g.in_shapes):
        block = np.zeros((1 + k, *s)) if vals[i] is None else vals[i].to_dense().reshape((1 + k, *s))
        grads.append(block[0])
        hvs.append(block[1:])
    return grads, hvs


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """Hessian-vector product H·v of a scalar ``f`` of arrays, shaped like the primal(s).

    Forward-over-reverse: one forward sweep carries the direction, one backward
    sweep over dual linear maps returns H·v — the cost of a few gradients.  A
    tangent of shape ``primal.shape + (k,)`` holds k directions (columns), all
    computed by the same two sweeps; the result then has that shape too.

    >>> import numpy as np
    >>> f = lambda x: np.sum(x ** 3)
    >>> hvp(f, (np.array([1.0, 2.0]),), (np.array([1.0, 1.0]),))   # diag(6x)·v
    array([ 6., 12.])
    >>> hvp(f, (np.array([1.0, 2.0]),), (np.eye(2),))              # two directions at once: H
    array([[ 6.,  0.],
           [ 0., 12.]])
    """
    primals, tangents = tuple(primals), tuple(tangents)
    g = trace_arrays(f, *primals, second_order=True)
    leaves = []
    for p, t in zip(primals, tangents):
        tl, tree = flatten(t)
        if tree != flatten(p)[1]:
            raise TraceError("hvp tangents need the primals' structure (the same dicts, lists and tuples)")
        leaves.extend(np.asarray(x, dtype=float) for x in tl)
    if len(tangents) != len(primals) or len(leaves) != len(g.in_shapes):
        raise TraceError(f"hvp needs one tangent per primal, got {len(tangents)} for {len(primals)}")
    block = [x.shape == s + x.shape[len(s):] and x.ndim == len(s) + 1 for x, s in zip(leaves, g.in_shapes)]
    if any(x.shape != s for x, s, b in zip(leaves, g.in_shapes, block) if not b) or len(set(block)) > 1:
        raise TraceError(f"hvp tangents must have the primals' shapes {g.in_shapes} (or those shapes plus one "
                         f"axis of k directions), got {[x.shape for x in leaves]}")
    many = block[0]
    dirs = [np.moveaxis(x, -1, 0) if many else x[None] for x in leaves]
    _, hvs = hvp_of_graph(g, dirs)
    pieces = [np.moveaxis(h, 0, -1) if many else _finish(h[0]) if s else h[0]
              for h, s in zip(hvs, g.scalar_in)]
    out = _regroup(g, pieces)
    return out[0] if len(out) == 1 else tuple(out)


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """The Hessian of a scalar ``f`` of arrays, by forward-over-reverse with all n directions at once.

    Blocks have shape ``shape_i + shape_j``.  A tuple ``argnums`` gives JAX's
    nested layout ``((H_00, H_01), (H_10, H_11))``; a pytree argument gives a
    tree of trees (the argument's structure, each leaf holding the argument's
    structure of blocks).  Keyword arguments are passed to ``f``.

    >>> import numpy as np
    >>> hessian(lambda x: x[0] ** 2 * x[1])(np.array([3.0, 5.0]))
    array([[10.,  6.],
           [ 6.,  0.]])
    >>> hxx, hxy = hessian(lambda x, y: np.sum(x * y) ** 2, argnums=(0, 1))(np.ones(2), np.ones(2))[0]
    >>> hxy   # 2·y·xᵀ + 2·(x·y)·I at x = y = (1, 1)
    array([[6., 2.],
           [2., 6.]])
    """
    nums, tuple_out = _argnums(argnums)

    def hess(*args: Any, **kwargs: Any) -> Any:
        g = trace_arrays(f, *args, argnums=nums, second_order=True, kwargs=kwargs)
        sizes = [int(np.prod(s, dtype=int)) for s in g.in_shapes]
        n = sum(sizes)
        starts = np.cumsum([0, *sizes])
        eye = np.eye(n)
        dirs = [eye[a:b].T.reshape((n, *s)) for a, b, s in zip(starts, starts[1:], g.in_shapes)]
        _, hvs = hvp_of_graph(g, dirs)
        flat = np.concatenate([h.reshape(n, -1) for h in hvs], axis=1)  # flat[c, r] = H[r, c], symmetric
        rows = []
        for a, b, si, sc in zip(starts, starts[1:], g.in_shapes, g.scalar_in):
            cols = [flat[c0:c1, a:b].T.reshape(si + sj) for c0, c1, sj in zip(starts, starts[1:], g.in_shapes)]
            cols = [_finish(c) if sc and scj else c for c, scj in zip(cols, g.scalar_in)]
            inner = _regroup(g, cols)
            rows.append(tuple(inner) if tuple_out else inner[0])
        outer = _regroup(g, rows)
        return tuple(outer) if tuple_out else outer[0]

    return hess


def vmap_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Per-example gradients of a scalar ``f``: every argument carries a leading batch axis.

    Each point is traced on its own (one array trace and one backward sweep
    per example; the array tracer does not batch a trace), and the gradients
    are stacked along the batch axis, as JAX's ``vmap(grad(f))``.  For one
    gradient of a batched loss, write the loss on the batch and use :func:`grad`.

    >>> import numpy as np
    >>> xs = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> vmap_grad(lambda x: np.sum(x ** 2))(xs)
    array([[2., 4.],
           [6., 8.]])
    """
    nums, tuple_out = _argnums(argnums)

    def batched(*args: Any, **kwargs: Any) -> Any:
        flat = [flatten(a) for a in args]
        sizes = {np.shape(x)[0] for leaves, _ in flat for x in leaves if np.ndim(x)}
        if len(sizes) != 1 or any(np.ndim(x) == 0 for leaves, _ in flat for x in leaves):
            raise TraceError("vmap_grad needs arguments with one common leading batch axis; got shapes "
                             f"{[np.shape(x) for leaves, _ in flat for x in leaves]}")
        batch = sizes.pop()
        results = []
        for b in range(batch):
            point = [unflatten(tree, [np.asarray(x)[b] for x in leaves]) for leaves, tree in flat]
            g = trace_arrays(f, *point, argnums=nums, kwargs=kwargs)
            results.append(flatten(_gradient(g, tuple_out)))
        if not results:
            return _empty(args, nums, tuple_out)
        tree = results[0][1]
        stacked = [np.stack([np.asarray(r[0][j], dtype=float) for r in results]) for j in range(len(results[0][0]))]
        return unflatten(tree, stacked)

    return batched


def _empty(args: Sequence[Any], nums: tuple[int, ...], tuple_out: bool) -> Any:
    pieces = []
    for k in nums:
        leaves, tree = flatten(args[k])
        pieces.append(unflatten(tree, [np.zeros(np.shape(x)) for x in leaves]) if tree is not LEAF
                      else np.zeros(np.shape(args[k])))
    return tuple(pieces) if tuple_out else pieces[0]


def sparse_hessian(f: Callable[..., Any], argnums: int = 0, coloring: str = "star") -> Callable[..., Any]:
    """The Hessian of a scalar ``f`` of arrays as a ``scipy.sparse.csr_array``, by colouring.

    The element pattern comes from the maps' structure
    (:func:`~semiring_ad.ad.arrays.sparsity.hessian_pattern_arrays`); a star
    colouring (or ``coloring="distance2"``) of it gives k seed directions, and
    ONE forward-over-reverse pass carrying all k of them gives ``H·S``, from
    which the entries are recovered (:func:`~semiring_ad.ad.arrays.sparse.sparse_hessian_arrays`).
    The result is (n, n) over the flattened leaves of argument ``argnums``,
    with attributes ``n_colors`` and ``colors``.

    >>> import numpy as np
    >>> from scipy.optimize import rosen_hess
    >>> rosen = lambda x: np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    >>> x = np.linspace(-1.0, 1.0, 50)
    >>> H = sparse_hessian(rosen)(x)
    >>> H.n_colors, bool(np.allclose(H.toarray(), rosen_hess(x)))
    (3, True)
    """
    from .sparse import sparse_hessian_arrays

    if not isinstance(argnums, int):
        raise TraceError(f"a sparse hessian takes one argnums (an int), got {argnums!r}")

    def hess(*args: Any, **kwargs: Any) -> Any:
        g = trace_arrays(f, *args, argnums=argnums, second_order=True, kwargs=kwargs)
        sizes = [int(np.prod(s, dtype=int)) for s in g.in_shapes]
        starts = np.cumsum([0, *sizes])

        def block(S: np.ndarray) -> np.ndarray:
            k = S.shape[1]
            if k == 0:  # nothing curved: no colours, no sweep
                return np.zeros(S.shape)
            dirs = [S[a:b].T.reshape((k, *s)) for a, b, s in zip(starts, starts[1:], g.in_shapes)]
            _, hvs = hvp_of_graph(g, dirs)
            return np.concatenate([h.reshape(k, -1) for h in hvs], axis=1).T

        return sparse_hessian_arrays(g, block, coloring=coloring)

    return hess
