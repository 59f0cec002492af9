"""The AD API on NumPy arrays: one node per array operation, solved over LINEAR.

``semiring_ad.arrays.grad`` and friends have the signatures and shapes of
their JAX namesakes (a gradient is shaped like its argument; a Jacobian has
the output's shape followed by the input's).  Each is a trace plus one sweep
over :data:`~semiring_ad.core.linear_semiring.LINEAR` (the core solver's
recurrence, run on the tape's edge lists: :meth:`ArrayGraph.pullback`,
:meth:`ArrayGraph.pushforward`):

* reverse mode seeds the output with a cotangent map (k cotangents: ``k = 1``
  for ``grad``/``vjp``, ``k = output size`` for ``jacrev``) and sweeps
  backward — each ⊗ with an edge map is a vector-Jacobian product;
* forward mode seeds the inputs with a tangent map (``k = 1`` for ``jvp``,
  identity blocks for ``jacfwd``: all input directions in one sweep) and sweeps
  forward — each ⊗ is a Jacobian-vector product.

The public ``semiring_ad.grad`` & co. route float NumPy arrays here
(:mod:`semiring_ad.ad.array_dispatch`).  Use the array path for NumPy code on arrays of any size; use
the element-wise one for trace tables, per-element graphs, branches that must
be re-checked (``ComputationGraph.at``) and SymPy.  Second derivatives on
arrays are in :mod:`~semiring_ad.ad.arrays.second_order`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ...core.modes import ad_mode
from ...errors import TraceError
from .graph import ArrayGraph, _finish, trace_arrays
from .pytree import LEAF, flatten, n_leaves, unflatten

__all__ = ["ArrayGraph", "grad", "jacfwd", "jacobian", "jacrev", "jvp", "trace_arrays", "value_and_grad", "vjp"]

ArgNums = int | Sequence[int]


def _argnums(argnums: ArgNums) -> tuple[tuple[int, ...], bool]:
    return ((argnums,), False) if isinstance(argnums, (int, np.integer)) else (tuple(argnums), True)


def _regroup(g: ArrayGraph, pieces: list[Any]) -> list[Any]:
    """Per-leaf results -> one result per traced argument, with the argument's structure."""
    out, start = [], 0
    for tree in g.trees:
        n = n_leaves(tree)
        out.append(unflatten(tree, pieces[start:start + n]))
        start += n
    return out


def _pack(g: ArrayGraph, pieces: list[np.ndarray], tuple_out: bool, lead: tuple = ()) -> Any:
    done = _regroup(g, [_finish(p) if s and not lead else p for p, s in zip(pieces, g.scalar_in)])
    return tuple(done) if tuple_out else done[0]


def _scalar_output(g: ArrayGraph, name: str) -> None:
    if g.out_tree is not LEAF or g.out_shape != ():
        shown = f"shape {g.out_shape}" if g.out_tree is LEAF else "a container"
        raise TraceError(f"{name} needs a function with a scalar output, but it returned {shown}; "
                         "use jacrev (or vjp with a cotangent) for array outputs")


def _gradient(g: ArrayGraph, tuple_out: bool) -> Any:
    """The gradient of a traced scalar program used once (its intermediate values are dropped first)."""
    _scalar_output(g, "grad")
    g._drop_intermediates()
    return _pack(g, [p[0] for p in g.pullback(np.ones((1,)))], tuple_out)


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """Like :func:`grad`, returning ``(f(x), ∇f(x))`` (``((f(x), aux), ∇f(x))`` with ``has_aux``).

    >>> import numpy as np
    >>> value_and_grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))
    (5.0, array([2., 4.]))
    """
    nums, tuple_out = _argnums(argnums)

    def vg(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        g = trace_arrays(f, *args, argnums=nums, has_aux=has_aux, kwargs=kwargs)
        value = g.value
        return ((value, g.aux) if has_aux else value), _gradient(g, tuple_out)

    return vg


def grad(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar ``f`` of arrays: one backward sweep over LINEAR (backpropagation).

    ``has_aux=True``: ``f`` returns ``(output, aux)`` and the result is
    ``(gradient, aux)``, as in JAX.  Keyword arguments are passed to ``f``.

    >>> import numpy as np
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> grad(lambda x: np.sum(np.tanh(W @ x)))(np.zeros(2))   # Wᵀ·(1 - tanh²(0))
    array([4., 6.])
    >>> grad(lambda x: (np.sum(x ** 2), x.shape), has_aux=True)(np.ones(2))
    (array([2., 2.]), (2,))
    """
    nums, tuple_out = _argnums(argnums)

    def gradient(*args: Any, **kwargs: Any) -> Any:
        g = trace_arrays(f, *args, argnums=nums, has_aux=has_aux, kwargs=kwargs)
        result = _gradient(g, tuple_out)
        return (result, g.aux) if has_aux else result

    return gradient


def _jacobian_of(g: ArrayGraph, mode: str, tuple_out: bool) -> Any:
    """The Jacobian blocks with JAX's layout: the output's structure, then the arguments'."""
    m = int(np.prod(g.out_shape, dtype=int))
    sizes = [int(np.prod(s, dtype=int)) for s in g.in_shapes]
    use = mode if mode != "auto" else ("forward" if sum(sizes) < m else "reverse")
    if use == "reverse":
        rows = g.pullback(np.eye(m).reshape((m, *g.out_shape)))
        blocks = [r.reshape((m, *s)) for r, s in zip(rows, g.in_shapes)]
    else:
        n = sum(sizes)
        eye, starts = np.eye(n), np.cumsum([0, *sizes])
        cols = g.pushforward([eye[a:b].T.reshape((n, *s)) for a, b, s in zip(starts, starts[1:], g.in_shapes)])
        flat = cols.reshape(n, m).T  # (m, n)
        blocks = [flat[:, a:b].reshape((m, *s)) for a, b, s in zip(starts, starts[1:], g.in_shapes)]
    if g.out_tree is LEAF:
        return _pack(g, [b.reshape(g.out_shape + s) for b, s in zip(blocks, g.in_shapes)], tuple_out,
                     lead=g.out_shape)
    per_leaf = [flatten(g.split_output(b[None], trail=s))[0] for b, s in zip(blocks, g.in_shapes)]
    outs = [_pack(g, [leaves[o][0] for leaves in per_leaf], tuple_out, lead=shape)
            for o, shape in enumerate(g.out_shapes)]
    return unflatten(g.out_tree, outs)


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0, mode: str = "auto",
             has_aux: bool = False, *, sparse: bool = False) -> Callable[..., Any]:
    """The Jacobian, shape ``out_shape + in_shape``: one sweep seeded with identity blocks.

    ``mode="reverse"`` seeds the output with all its unit cotangents,
    ``"forward"`` the inputs with all their unit tangents, ``"auto"`` the
    smaller side.  A pytree output (dict, list, tuple) gives a Jacobian per
    output leaf, in the output's structure (JAX's layout); ``has_aux=True``
    returns ``(jacobian, aux)``.  ``sparse=True`` returns a ``scipy.sparse.csr_array``
    (output size × total input size, flattened) from one forward sweep with
    one direction per colour of the element pattern (:mod:`~semiring_ad.ad.arrays.sparse`).

    >>> import numpy as np
    >>> jacobian(lambda x: x[::-1] * 2.0)(np.array([1.0, 2.0]))
    array([[0., 2.],
           [2., 0.]])
    >>> jacobian(lambda x: {"sum": np.sum(x), "twice": 2 * x})(np.ones(2))["sum"]
    array([1., 1.])
    """
    mode = ad_mode(mode, extra=("auto",))
    nums, tuple_out = _argnums(argnums)

    def jac(*args: Any, **kwargs: Any) -> Any:
        g = trace_arrays(f, *args, argnums=nums, has_aux=has_aux, kwargs=kwargs)
        if sparse:
            from .sparse import sparse_jacobian_of_array_graph

            result = sparse_jacobian_of_array_graph(g)
        else:
            result = _jacobian_of(g, mode, tuple_out)
        return (result, g.aux) if has_aux else result

    return jac


def jacfwd(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """:func:`jacobian` by one forward sweep carrying every input direction."""
    return jacobian(f, argnums, mode="forward", has_aux=has_aux)


def jacrev(f: Callable[..., Any], argnums: ArgNums = 0, has_aux: bool = False) -> Callable[..., Any]:
    """:func:`jacobian` by one backward sweep carrying every output cotangent."""
    return jacobian(f, argnums, mode="reverse", has_aux=has_aux)


def _flat_like(g: ArrayGraph, tangents: Sequence[Any], primals: Sequence[Any], what: str) -> list[np.ndarray]:
    ts = []
    for p, t in zip(primals, tangents):
        leaves, tree = flatten(t)
        if tree != flatten(p)[1]:
            raise TraceError(f"{what} need the primals' structure (the same dicts, lists and tuples)")
        ts.extend(np.asarray(x, dtype=float) for x in leaves)
    if len(tangents) != len(primals) or len(ts) != len(g.in_shapes):
        raise TraceError(f"{what}: one per primal, got {len(tangents)} for {len(primals)} primal(s)")
    return ts


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any],
        has_aux: bool = False) -> tuple[Any, ...]:
    """Forward mode: ``(f(*primals), J·tangents)`` by one forward sweep (``+ (aux,)`` with ``has_aux``).

    >>> import numpy as np
    >>> jvp(lambda x: np.sin(x), (np.zeros(2),), (np.array([1.0, 2.0]),))
    (array([0., 0.]), array([1., 2.]))
    """
    g = trace_arrays(f, *primals, has_aux=has_aux)
    ts = _flat_like(g, tangents, primals, "jvp tangents")
    if any(t.shape != s for t, s in zip(ts, g.in_shapes)):
        raise TraceError(f"jvp needs one tangent per primal with the primal's shape {g.in_shapes}, "
                         f"got shapes {[t.shape for t in ts]}")
    out = g.split_output(g.pushforward([t[None] for t in ts]), finish=True)
    return (g.value, out, g.aux) if has_aux else (g.value, out)


def vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> tuple[Any, ...]:
    """Reverse mode: ``(f(*primals), vjp_fn)``; ``vjp_fn(ct)`` gives one cotangent per primal.

    The cotangent has the output's structure; ``has_aux=True`` returns
    ``(f(*primals), vjp_fn, aux)``.

    >>> import numpy as np
    >>> out, back = vjp(lambda x: 3.0 * x, np.ones(2))
    >>> back(np.array([1.0, 2.0]))
    (array([3., 6.]),)
    """
    g = trace_arrays(f, *primals, has_aux=has_aux)

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        leaves, tree = flatten(cotangent)
        cts = [np.asarray(x, dtype=float) for x in leaves]
        shapes = g.out_shapes if g.out_shapes else [g.out_shape]
        if tree != g.out_tree or [c.shape for c in cts] != list(shapes):
            raise TraceError(f"vjp_fn expects a cotangent of the output's shape and structure {shapes}, "
                             f"got {[c.shape for c in cts]}")
        ct = cts[0] if tree is LEAF else np.concatenate([c.reshape(-1) for c in cts])
        return tuple(_regroup(g, [_finish(p[0]) if s else p[0] for p, s in zip(g.pullback(ct[None]), g.scalar_in)]))

    return (g.value, vjp_fn, g.aux) if has_aux else (g.value, vjp_fn)
