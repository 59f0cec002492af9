"""The AD API: JAX names, each one a front end plus a path solve.

Every derivative here is a sum over paths in the traced graph, computed by
the core solver: forward mode is :func:`~semiring_ad.core.solver.sweep` forward from
the inputs (seeded with tangents), reverse mode is a backward sweep from the
outputs (seeded with cotangents).  Second order reuses the same tape: the
Hessian-vector product re-evaluates it at the dual point x + εv, so every edge
weight is a dual number, and sweeps backward over :data:`~semiring_ad.ad.dual.DUAL`.

Shapes follow JAX: a gradient has the shape of its argument; a Jacobian has
the output's shape followed by the input's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..core.modes import ad_mode
from ..core.solver import sweep
from ..errors import InputError, TraceError
from .accumulation import elimination_jacobian
from .array_dispatch import array_path
from .computation import (
    ComputationGraph,
    _adjoints,
    _concrete,
    _exact,
    _finish,
    _jacobian_matrix,
    _live_compiled,
    _pick,
    _scalar_output,
    _shape,
    _solve,
    jacobian_of_graph,
)
from .dispatch import new_level
from .dual import DUAL, Dual
from .tracing import _argnums, _pack, trace
from .vectorized import vmap_grad

__all__ = [
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacobian_of_graph",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
    "vmap_grad",
]

ArgNums = int | Sequence[int]




def _split(flat: list[Any], g: ComputationGraph) -> list[Any]:
    """Cut a flat per-input list into one piece per traced argument, shaped like it."""
    pieces, start = [], 0
    for shape in g.in_shapes:
        size = 1 if shape is None else int(np.prod(shape, dtype=int))
        pieces.append(_shape(flat[start:start + size], shape))
        start += size
    return pieces




def _gradient(g: ComputationGraph, tuple_out: bool) -> Any:
    out = _scalar_output(g, "grad")
    # One scalar seed on a tape swept once, on the tape's own lists: no compiled graph, no NumPy round trip.
    # The seed is the integer 1 at SymPy inputs, so symbolic gradients stay exact (no 1.0*x**2).
    vals = _adjoints(g, out)
    return _pack(_split(_pick(vals, g.inputs), g), tuple_out)


@array_path
def value_and_grad(f: Callable, argnums: ArgNums = 0, *, has_aux: bool = False,
                   per_element: bool = False) -> Callable[..., tuple[Any, Any]]:
    """Like :func:`grad`, but the function returns ``(f(x), ∇f(x))``.

    >>> import semiring_ad as sad
    >>> value_and_grad(lambda x: x ** 3)(2.0)
    (8.0, 12.0)
    """
    nums, tuple_out = _argnums(argnums)

    def vg(*args: Any) -> tuple[Any, Any]:
        g = trace(f, *args, argnums=nums)
        return g.value, _gradient(g, tuple_out)

    return vg


@array_path
def grad(f: Callable, argnums: ArgNums = 0, *, has_aux: bool = False, per_element: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar-valued ``f``, by reverse mode (a backward path solve).

    Parameters
    ----------
    f : callable
        Returns a scalar.
    argnums : int or sequence of int
        Which positional arguments to differentiate; a sequence gives a tuple
        of gradients.

    Returns
    -------
    callable
        ``grad(f)(*args)``: shaped like the argument (a float for a float, an
        array for an array or sequence).

    Examples
    --------
    Baydin et al.'s example f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5):

    >>> import semiring_ad as sad
    >>> f = lambda x1, x2: sad.log(x1) + x1 * x2 - sad.sin(x2)
    >>> dx1, dx2 = grad(f, argnums=(0, 1))(2.0, 5.0)
    >>> round(dx1, 4), round(dx2, 4)
    (5.5, 1.7163)
    >>> grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))
    array([2., 4.])
    >>> round(grad(grad(sad.tanh))(0.5), 6)  # nesting: -2 tanh(x) sech²(x)
    -0.726862
    """
    nums, tuple_out = _argnums(argnums)

    def gradient(*args: Any) -> Any:
        return _gradient(trace(f, *args, argnums=nums), tuple_out)

    return gradient


@array_path
def jacobian(f: Callable[..., Any], argnums: ArgNums = 0, mode: str = "auto",
             order: str | Sequence[Any] = "markowitz", *, sparse: bool = False, has_aux: bool = False,
             per_element: bool = False) -> Callable[..., Any]:
    """The Jacobian of ``f``: ``(m, n)`` for f: ℝⁿ → ℝᵐ (output shape + input shape).

    ``mode="forward"`` solves from the inputs (cheap for few inputs),
    ``"reverse"`` from the outputs (cheap for few outputs), ``"auto"`` picks
    the side with fewer seeds.  ``"elimination"`` eliminates the intermediate
    vertices in ``order`` (``"forward"``, ``"reverse"``, ``"markowitz"``,
    ``"min_fill"`` or a list of tape positions; see ``accumulation_costs``).
    All give the same numbers: the same path sums.
    ``sparse=True`` returns a ``scipy.sparse.csr_array`` (outputs × inputs,
    both flattened) found by colouring, with attributes ``n_colors`` and
    ``colors`` (see :mod:`~semiring_ad.ad.sparse_derivatives`).

    >>> import semiring_ad as sad
    >>> f = lambda x: [x[0] * x[1], sad.sin(x[0])]
    >>> jacobian(f)([1.0, 2.0]).round(4)
    array([[2.    , 1.    ],
           [0.5403, 0.    ]])
    """
    mode, (nums, tuple_out) = ad_mode(mode, extra=("auto", "elimination")), _argnums(argnums)

    def jac(*args: Any) -> Any:
        g = trace(f, *args, argnums=nums)
        if sparse:
            from .sparse_derivatives import sparse_jacobian_of_graph

            return sparse_jacobian_of_graph(g)
        flat = elimination_jacobian(g, order) if mode == "elimination" else _jacobian_matrix(g, mode)
        lead = () if g.out_shape is None else g.out_shape
        pieces, start = [], 0
        for shape in g.in_shapes:
            size = 1 if shape is None else int(np.prod(shape, dtype=int))
            block = flat[:, start:start + size]
            start += size
            full = lead + (() if shape is None else shape)
            pieces.append(_concrete(block.reshape(full)) if full or shape is not None else _finish(block[0, 0]))
        return _pack(pieces, tuple_out)

    return jac


def jacfwd(f: Callable[..., Any], argnums: ArgNums = 0, **options: Any) -> Callable[..., Any]:
    """:func:`jacobian` in forward mode (a forward sweep from every input); ``has_aux``, ``per_element`` as there."""
    return jacobian(f, argnums, mode="forward", **options)


def jacrev(f: Callable[..., Any], argnums: ArgNums = 0, **options: Any) -> Callable[..., Any]:
    """:func:`jacobian` in reverse mode (a backward sweep from every output); ``has_aux``, ``per_element`` as there."""
    return jacobian(f, argnums, mode="reverse", **options)


def _flat_like(g: ComputationGraph, values: Sequence[Any], what: str) -> list[Any]:
    try:
        return g._flatten_point(values)
    except TraceError as exc:
        raise TraceError(f"{what} must match the primals' structure: {exc}") from None


@array_path
def jvp(f: Callable, primals: Sequence[Any], tangents: Sequence[Any], *, has_aux: bool = False,
        per_element: bool = False) -> tuple[Any, ...]:
    """Forward mode: ``(f(*primals), J·tangents)``, one forward sweep seeded with the tangents.

    >>> import semiring_ad as sad
    >>> jvp(lambda x, y: x * y, (3.0, 5.0), (1.0, 0.0))
    (15.0, 5.0)
    """
    g = trace(f, *primals)
    seeds: dict[int, Any] = {}
    for node, t in zip(g.inputs, _exact(g, _flat_like(g, tangents, "tangents"))):
        seeds[node] = t
    vals = _pick(_solve(g, seeds, "forward"), g.outputs)
    return g.value, _shape(vals, g.out_shape)


@array_path
def vjp(f: Callable, *primals: Any, has_aux: bool = False, per_element: bool = False) -> tuple[Any, ...]:
    """Reverse mode: ``(f(*primals), vjp_fn)`` with ``vjp_fn(cotangent)`` = one cotangent per primal.

    >>> out, back = vjp(lambda x, y: x * y, 3.0, 5.0)
    >>> out, back(1.0)
    (15.0, (5.0, 3.0))
    """
    g = trace(f, *primals)

    def vjp_fn(cotangents: Any) -> tuple[Any, ...]:
        cts = [cotangents] if g.out_shape is None else list(np.asarray(cotangents, dtype=object).reshape(-1))
        if len(cts) != len(g.outputs):
            raise TraceError(f"vjp_fn expects a cotangent shaped like the output {g.out_shape}, "
                             f"got {len(cts)} value(s)")
        seeds: dict[int, Any] = {}
        for node, ct in zip(g.outputs, cts):
            seeds[node] = seeds[node] + ct if node in seeds else ct
        return tuple(_split(_pick(_solve(g, seeds, "backward"), g.inputs), g))

    return g.value, vjp_fn


def _hvp_dual(g: ComputationGraph, tangents: Sequence[Any], name: str = "hvp") -> list[Any]:
    """Forward-over-reverse on a traced graph: backward sweep over DUAL at x + εv."""
    out = _scalar_output(g, name)
    level = new_level()  # above every tape alive now: the innermost transformation
    point = g._flatten_point([_unflat_like(g, k) for k in range(len(g.in_shapes))])
    vs = _exact(g, _flat_like(g, tangents, "tangents"))
    duals = [Dual(x, v, level) for x, v in zip(point, vs)]
    gd = g.at(*_regroup(g, duals))
    vals = sweep(_live_compiled(gd), DUAL, {out: Dual(*_exact(g, [1.0, 0.0]), level)}, "backward")
    res = []
    for i in g.inputs:
        d = vals[i]
        res.append(_finish(d.tangent) if isinstance(d, Dual) and d.level == level else 0.0)
    return res


def _unflat_like(g: ComputationGraph, k: int) -> Any:
    """The k-th traced argument's value at the traced point."""
    start = sum(1 if s is None else int(np.prod(s, dtype=int)) for s in g.in_shapes[:k])
    shape = g.in_shapes[k]
    size = 1 if shape is None else int(np.prod(shape, dtype=int))
    vals = [g.tape.values[i] for i in g.inputs[start:start + size]]
    return vals[0] if shape is None else np.asarray(vals, dtype=object).reshape(shape)


def _regroup(g: ComputationGraph, flat: list[Any]) -> list[Any]:
    out, start = [], 0
    for shape in g.in_shapes:
        size = 1 if shape is None else int(np.prod(shape, dtype=int))
        chunk = flat[start:start + size]
        start += size
        out.append(chunk[0] if shape is None else np.asarray(chunk, dtype=object).reshape(shape))
    return out


@array_path
def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], *,
        method: str = "forward-over-reverse", per_element: bool = False) -> Any:
    """Hessian-vector product H·v of a scalar ``f``, shaped like the primal(s).

    ``method="forward-over-reverse"`` (default) traces ``f`` once, re-evaluates
    the tape at the dual point x + εv — every edge weight becomes a dual number
    — and solves backward over ``DUAL``: the real parts are the gradient, the
    ε parts are H·v.  One tape, one sweep, no nested tracing: that is why it is
    the default (seed 002: forward over reverse is the cheap way to a Hessian).
    ``method="reverse-over-reverse"`` differentiates v·∇f(x) by reverse mode
    again (nested tapes), as seed 002 describes for deep learning.

    >>> hvp(lambda x, y: x ** 2 * y, (3.0, 5.0), (1.0, 0.0))
    (10.0, 6.0)
    >>> hvp(lambda x, y: x ** 2 * y, (3.0, 5.0), (1.0, 0.0), method="reverse-over-reverse")
    (10.0, 6.0)
    """
    if method == "forward-over-reverse":
        g = trace(f, *primals)
        pieces = _split(_hvp_dual(g, tangents), g)
    elif method == "reverse-over-reverse":
        vs = list(tangents)
        nums = tuple(range(len(primals)))

        def v_dot_grad(*xs: Any) -> Any:
            gs = grad(f, argnums=nums)(*xs)
            return sum((np.sum(gi * vi) for gi, vi in zip(gs, vs)), 0.0)

        pieces = list(grad(v_dot_grad, argnums=nums)(*primals))
    else:
        raise InputError(f"method must be 'forward-over-reverse' or 'reverse-over-reverse', got {method!r}")
    return pieces[0] if len(pieces) == 1 else tuple(pieces)


@array_path
def hessian(f: Callable, argnums: ArgNums = 0, *, sparse: bool = False, coloring: str = "star",
            per_element: bool = False) -> Callable:
    """The Hessian of a scalar ``f`` with respect to one argument, by forward-over-reverse.

    One trace; then one dual backward sweep per input direction (a column of H each).
    ``sparse=True`` colours the Hessian's sparsity pattern (``coloring="star"``
    by default, or ``"distance2"``; see :mod:`~semiring_ad.ad.colouring`) and runs
    one dual sweep for all colours: a ``scipy.sparse.csr_array`` with ``n_colors``.

    >>> hessian(lambda x: x[0] ** 2 * x[1])([3.0, 5.0])
    array([[10.,  6.],
           [ 6.,  0.]])
    """
    if not isinstance(argnums, int):
        raise TraceError("hessian takes a single argnums (an int); call it once per argument pair")

    def hess(*args: Any) -> Any:
        g = trace(f, *args, argnums=argnums)
        if sparse:
            from .sparse_derivatives import sparse_hessian_of_graph
            return sparse_hessian_of_graph(g, coloring)
        n = len(g.inputs)
        shape = g.in_shapes[0]
        cols = []
        for k in range(n):
            e = np.zeros(n)
            e[k] = 1.0
            v = e[0] if shape is None else e.reshape(shape)
            cols.append(_hvp_dual(g, [v], "hessian"))
        H = np.empty((n, n), dtype=object)
        for k, col in enumerate(cols):
            H[:, k] = col
        if shape is None:
            return _finish(H[0, 0])
        return _concrete(H.reshape(shape + shape))

    return hess
