"""``vmap_grad``: one trace, re-evaluated at a whole batch of points, one backward sweep.

The trace is re-evaluated on arrays (:meth:`ComputationGraph.at`) only as
far as the gradient reads (:mod:`semiring_ad.ad.replay`): the partials of
the output's ancestors and the values those partial rules read — for
ln x1 + x1·x2 − sin x2 that is cos x2 and 1/x1 and no intermediate value.
The sweep runs on the tape's own lists (:func:`~semiring_ad.ad.replay.reverse`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import TraceError
from .array_dispatch import array_path
from .computation import _at_every_point, _live_partials, _scalar_output
from .replay import reverse
from .tracing import _argnums, _normalize_argnums, _pack, trace

__all__ = ["vmap_grad"]


@array_path
def vmap_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0, *,
              per_element: bool = False) -> Callable[..., Any]:
    """The gradient of a scalar ``f`` at many points in one sweep (like JAX's ``vmap(grad(f))``).

    Every argument carries a leading batch axis.  ``f`` is traced once, at the
    first point; the tape is then re-evaluated at all points at once (every
    value and edge weight the gradient reads becomes an array over the batch)
    and one backward sweep gives all gradients.  A branch that would go
    differently at some point raises :class:`~semiring_ad.errors.StaleTraceError`.

    Examples
    --------
    >>> import semiring_ad as sad
    >>> xs, ys = np.linspace(0.0, 1.0, 5), np.full(5, 2.0)
    >>> dx, dy = vmap_grad(lambda x, y: sad.sin(x) * y, argnums=(0, 1))(xs, ys)
    >>> np.allclose(dx, 2.0 * np.cos(xs)), np.allclose(dy, np.sin(xs))
    (True, True)
    """
    nums, tuple_out = _argnums(argnums)

    def batched(*args: Any) -> Any:
        arrays = [np.asarray(a, dtype=float) for a in args]
        sizes = {a.shape[0] for a in arrays if a.ndim}
        if len(sizes) != 1 or any(a.ndim == 0 for a in arrays):
            raise TraceError(f"vmap_grad needs arguments with one common leading batch axis; got shapes "
                             f"{[a.shape for a in arrays]}")
        batch = sizes.pop()
        if batch == 0:  # an empty batch: empty gradients, shaped (0, *argument shape)
            return _pack([np.zeros(arrays[k].shape) for k in _normalize_argnums(nums, len(arrays))], tuple_out)
        # Trace every argument (a batched constant must follow the points too); report the asked ones.
        g = trace(f, *[a[0] for a in arrays])
        moved = [np.moveaxis(a, 0, -1) for a in arrays]  # batch axis last: (*shape, B)
        out = _scalar_output(g, "vmap_grad")
        gd = _at_every_point(g, moved)
        t = gd._structure
        vals = reverse(t.ptr, t.parents, _live_partials(gd), {out: 1.0}, len(t))
        flat = [np.broadcast_to(np.asarray(0.0 if vals[i] is None else vals[i], dtype=float), (batch,))
                for i in g.inputs]
        pieces, start = [], 0
        for shape in g.in_shapes:
            size = 1 if shape is None else int(np.prod(shape, dtype=int))
            if shape is None:  # the sweep's own array when it made one (no copy), else a fresh one
                pieces.append(_owned(vals[g.inputs[start]], flat[start], arrays))
            else:
                pieces.append(np.stack(flat[start:start + size], axis=-1).reshape((batch, *shape)))
            start += size
        pieces = [pieces[k] for k in _normalize_argnums(nums, len(arrays))]
        return _pack(pieces, tuple_out)

    return batched


def _owned(v: Any, broadcast: np.ndarray, arrays: list[np.ndarray]) -> np.ndarray:
    """``v`` if it is a float array of the batch's shape that shares no memory with an argument, else a copy."""
    if (isinstance(v, np.ndarray) and v.dtype == np.float64 and v.shape == broadcast.shape and v.flags.writeable
            and not any(np.may_share_memory(v, a) for a in arrays)):
        return v
    return np.array(broadcast)
