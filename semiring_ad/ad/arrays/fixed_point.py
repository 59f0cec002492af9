"""``fixed_point`` under the array tracer: one node whose edge maps are the implicit-function maps.

Inside ``semiring_ad.arrays.grad`` (``jacrev``, ``jacfwd`` …), a call of
:func:`semiring_ad.fixed_point` with array-traced arguments reaches
:func:`_fixed_point` through NumPy's ``__array_function__`` protocol (the
rule is registered for the ``fixed_point`` function itself).  It iterates
x ← g(x, θ) on plain arrays, traces ``g`` **once** at the fixed point, and
records one node x* with one edge per traced parameter θ_k carrying the map

    θ_k ↦ (I − ∂g/∂x)^-1 ∂g/∂θ_k,

that is ∂g/∂θ_k (the inner trace's path sum, kept lazy) then the star of the
loop x → x (:data:`~semiring_ad.core.linear_semiring.LINEAR`'s (I − A)^-1, a
dense n × n map).  Memory is one trace of ``g``, whatever the number of
iterations; a singular I − A is a :class:`~semiring_ad.errors.NoStarError`.

>>> import numpy as np, semiring_ad as sad
>>> A = np.array([[0.5, 0.25], [0.0, 0.5]])
>>> sad.arrays.jacobian(lambda b: sad.fixed_point(lambda x, b: A @ x + b, np.zeros(2), b))(np.ones(2))
array([[2., 1.],
       [0., 2.]])
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ...core.linear import Compose, Identity
from ...core.linear_semiring import LINEAR
from ...core.solver import sweep
from ...errors import TraceError
from ..fixed_point import fixed_point
from ..implicit import iterate
from .api import trace_arrays
from .tape import ArrayTracer, _tape_of, register_array_function, value_of

__all__: list[str] = []


def _plain_g(g: Callable[..., Any]) -> Callable[..., Any]:
    """``g`` on plain arrays, refusing a result that is still traced (``g`` closed over a traced value)."""

    def run(x: Any, *params: Any) -> Any:
        out = g(x, *params)
        if type(out) is ArrayTracer:
            raise TraceError("fixed_point: g(x, *params) depends on an array-traced value it closes over; pass "
                             "every traced value to fixed_point as a parameter, fixed_point(g, x0, theta), so its "
                             "derivative goes through the implicit-function theorem")
        return out

    return run


@register_array_function(fixed_point)
def _fixed_point(g: Callable[..., Any], x0: Any, *params: Any, tol: float = 1e-12, max_iter: int = 10_000) -> Any:
    tape = _tape_of((x0, *params))
    start = np.asarray(value_of(x0), dtype=float)
    start = float(start) if start.ndim == 0 else start
    values = tuple(value_of(p) for p in params)
    x = iterate(_plain_g(g), start, values, tol, max_iter)
    traced = [k for k, p in enumerate(params) if type(p) is ArrayTracer]
    if tape is None or not traced:
        return x
    x = np.asarray(x, dtype=float)
    inner = trace_arrays(g, x, *values, argnums=(0, *(k + 1 for k in traced)))
    if inner.out_shape != x.shape:
        raise TraceError(f"fixed_point: g(x, *params) returned shape {inner.out_shape} but x0 has shape "
                         f"{x.shape}; g must map x to an array of x's shape")
    # One backward sweep seeded with the identity: the map from every input of g to its output.
    maps = sweep(inner.compiled, LINEAR, {inner.output: Identity(x.shape)}, "backward", backend="python")
    loop = maps[inner.inputs[0]]
    star = None if loop is None else LINEAR.star(loop)  # (I − ∂g/∂x)^-1: the loop x → x, any number of times
    edges = []
    for k, node in zip(traced, inner.inputs[1:]):
        m = maps[node]
        if m is not None:
            edges.append((params[k].index, m if star is None else Compose((m, star))))
    return tape.record("fixed_point", x, edges)
