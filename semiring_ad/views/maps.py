"""Linear maps as text: the kind of an edge's map and its shapes, for tables, explanations and drawings.

An array trace's edge u→v carries ∂v/∂u as a structured
:class:`~semiring_ad.core.linear.LinearMap`.  This module says what such a
map *is* in the words of the operation that made it — ``diag`` for an
elementwise function, ``W·`` for ``W @ x`` (a constant matrix on the left),
``·B`` for ``x @ B``, ``sum over axis 0``, ``broadcast``, ``reshape``,
``gather`` for indexing and ``scatter`` for its transpose — and what it maps
from and to (``128×784 → 128×256``).  The dispatch is a table keyed by the map's
class (the most specific class of its MRO wins), so a new kind of map is one
entry of :data:`MAP_KINDS`; an unknown map falls back to its ``kind``.

>>> import numpy as np
>>> from semiring_ad.core.linear import MatMulLeft
>>> map_label(MatMulLeft(np.ones((3, 2)), (2,)))
'W· 2 → 3'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.linear import (
    Compose,
    Dense,
    Diagonal,
    Identity,
    LinearMap,
    MatMulLeft,
    MatMulRight,
    SumMaps,
    Transposed,
    Zero,
)
from ..core.linear_shape import Broadcast, Contract, Gather, Reshape, SumOver, Transpose

__all__ = ["MAP_KINDS", "map_kind", "map_label", "shape_text"]


def shape_text(shape: tuple | None) -> str:
    """A shape as compact text: ``()`` for a scalar, ``3`` for a vector, ``2×3`` for a matrix.

    >>> shape_text(()), shape_text((3,)), shape_text((128, 784)), shape_text(None)
    ('()', '3', '128×784', 'any')
    """
    if shape is None:
        return "any"
    return "×".join(map(str, shape)) if shape else "()"


def _axes_text(axes: tuple[int, ...], ndim: int) -> str:
    if len(axes) == ndim and ndim != 1:
        return "all axes"
    return f"axis {axes[0]}" if len(axes) == 1 else f"axes {','.join(map(str, axes))}"


def _diagonal(m: Diagonal) -> str:
    if m.d.ndim == 0:
        return f"scale {float(m.d):.4g}"
    return "diag"


def _sum_over(m: SumOver) -> str:
    what = "sum" if m.scale == 1 else "mean"
    return f"{what} over {_axes_text(m.axes, len(m.in_shape))}"


def _transpose(m: Transpose) -> str:
    if len(m.axes) <= 2:
        return "transpose"
    return f"transpose {tuple(m.axes)}"


def _transposed(m: Transposed) -> str:
    if type(m.inner) is Gather:
        return "scatter"
    inner = map_kind(m.inner)
    return f"({inner})ᵀ" if " " in inner else f"{inner}ᵀ"


def _contract(m: Contract) -> str:
    return "einsum " + m._fwd_spec.replace("...", "")


def _compose(m: Compose) -> str:
    return " then ".join(map_kind(part) for part in m.maps)


def _sum_maps(m: SumMaps) -> str:
    return " + ".join(map_kind(part) for part in m.maps)


MAP_KINDS: dict[type, Callable[[Any], str]] = {
    Identity: lambda m: "identity",
    Zero: lambda m: "zero",
    Diagonal: _diagonal,
    Dense: lambda m: "dense",
    MatMulLeft: lambda m: "W·" if m.A.ndim == 2 else "wᵀ·",
    MatMulRight: lambda m: "·B" if m.B.ndim == 2 else "·w",
    Transposed: _transposed,
    Compose: _compose,
    SumMaps: _sum_maps,
    Broadcast: lambda m: "broadcast",
    SumOver: _sum_over,
    Reshape: lambda m: "reshape",
    Transpose: _transpose,
    Gather: lambda m: "gather",
    Contract: _contract,
}
"""Map class -> ``describe(map) -> str``: the kind of a map in the words of its operation."""


def map_kind(m: Any) -> str:
    """The kind of a linear map, as the operation that made it would say it.

    A 2-D NumPy array (a dense Jacobian, as ``LINEAR`` accepts) is ``dense``.

    >>> import numpy as np
    >>> from semiring_ad.core.linear import Compose, Diagonal, MatMulRight
    >>> from semiring_ad.core.linear_shape import Broadcast, SumOver
    >>> map_kind(SumOver((4, 3), axes=(0,))), map_kind(MatMulRight(np.ones((3, 2)), (4, 3)))
    ('sum over axis 0', '·B')
    >>> map_kind(Compose((Broadcast((3,), (4, 3)), Diagonal(np.ones((4, 3)), (4, 3)))))
    'broadcast then diag'
    """
    if isinstance(m, np.ndarray):
        return "dense"
    for cls in type(m).__mro__:
        describe = MAP_KINDS.get(cls)
        if describe is not None:
            return describe(m)
    return getattr(m, "kind", type(m).__name__)


def map_label(m: Any) -> str:
    """The kind of a map and its shapes, ``in → out``: the label of an array trace's edge.

    >>> import numpy as np
    >>> from semiring_ad.core.linear_shape import Gather
    >>> map_label(Gather.from_key((5,), np.s_[1:3]))
    'gather 5 → 2'
    >>> map_label(np.eye(2))
    'dense 2 → 2'
    """
    if isinstance(m, np.ndarray):
        return f"dense {m.shape[1]} → {m.shape[0]}" if m.ndim == 2 else f"array {shape_text(m.shape)}"
    if not isinstance(m, LinearMap):
        return str(m)
    return f"{map_kind(m)} {shape_text(m.in_shape)} → {shape_text(m.out_shape)}"
