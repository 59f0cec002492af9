"""Linear maps: the edge weights of array-valued derivatives, in structured form.

An array node's in-edge carries the local Jacobian ∂v/∂u as a linear map from
``u``'s shape to ``v``'s shape.  A :class:`LinearMap` keeps the structure the
operation gave it — identity, diagonal, "times a constant matrix", broadcast,
sum over axes, reshape, transpose, gather — so nothing is materialised unless
:meth:`LinearMap.to_dense` is asked for.  Every map applies to arrays with
extra *leading* batch axes (``k`` tangents or cotangents at once):

* :meth:`LinearMap.apply` — the map itself (a JVP), ``(*B, *in_shape) -> (*B, *out_shape)``;
* :meth:`LinearMap.apply_transpose` — its transpose (a VJP), ``(*B, *out_shape) -> (*B, *in_shape)``;
* :meth:`LinearMap.to_dense` — the matrix, shape ``(out size, in size)``.

The kinds that move or reduce data (broadcast, sum over axes, reshape,
transpose, gather) are in :mod:`semiring_ad.core.linear_shape`.
Composition and the semiring :data:`~semiring_ad.core.linear_semiring.LINEAR`
live in :mod:`semiring_ad.core.linear_semiring`.  This module is core: it
knows shapes and NumPy, nothing about tracing.

>>> import numpy as np
>>> W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
>>> m = MatMulLeft(W, (2,))   # y ↦ W @ y
>>> m.in_shape, m.out_shape, m.apply(np.array([1.0, 1.0]))
((2,), (3,), array([ 3.,  7., 11.]))
>>> m.apply_transpose(np.array([1.0, 0.0, 0.0]))
array([1., 2.])
>>> bool(np.array_equal(m.to_dense(), W))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError

__all__ = [
    "Compose", "Dense", "Diagonal", "Identity", "LinearMap", "MatMulLeft", "MatMulRight", "SumMaps", "Transposed",
    "Zero",
]  # fmt: skip

Shape = tuple[int, ...]


def _size(shape: Shape) -> int:
    return math.prod(shape)


def _as_shape(shape: Any) -> Shape | None:
    if type(shape) is tuple:  # the usual case: a NumPy shape
        return shape
    return None if shape is None else tuple(int(d) for d in shape)


class LinearMap:
    """A linear map from arrays of ``in_shape`` to arrays of ``out_shape``.

    Subclasses implement ``_fwd`` and ``_bwd`` on arrays with leading batch
    axes.  A shape of ``None`` (only :data:`~semiring_ad.core.linear_semiring.LINEAR`'s
    identities) means "any shape".
    """

    __slots__ = ("in_shape", "out_shape")
    kind = "linear"

    def __init__(self, in_shape: Shape | None, out_shape: Shape | None) -> None:
        self.in_shape = _as_shape(in_shape)
        self.out_shape = _as_shape(out_shape)

    @property
    def in_size(self) -> int:
        """Number of scalars in the domain."""
        return _size(self._shaped().in_shape)

    @property
    def out_size(self) -> int:
        """Number of scalars in the codomain."""
        return _size(self._shaped().out_shape)

    def _shaped(self) -> LinearMap:
        if self.in_shape is None or self.out_shape is None:
            raise ShapeError(
                f"{self!r} acts on any shape and has no size; give it one, e.g. Identity((3,)) or Zero((3,), (2,))"
            )
        return self

    def _check(self, x: Any, shape: Shape | None, what: str) -> np.ndarray:
        x = np.asarray(x)
        if shape is not None and (x.ndim < len(shape) or x.shape[x.ndim - len(shape):] != shape):
            raise ShapeError(
                f"{self.kind} map expects {what} ending in shape {shape}, got shape {x.shape}; "
                "leading axes are batch axes"
            )
        return x

    def apply(self, x: Any) -> np.ndarray:
        """The map applied to ``x`` (shape ``(*batch, *in_shape)``): a Jacobian-vector product."""
        return self._fwd(self._check(x, self.in_shape, "an input"))

    def apply_transpose(self, c: Any) -> np.ndarray:
        """The transpose applied to ``c`` (shape ``(*batch, *out_shape)``): a vector-Jacobian product."""
        return self._bwd(self._check(c, self.out_shape, "a cotangent"))

    def to_dense(self) -> np.ndarray:
        """The matrix of the map, shape ``(out size, in size)`` (row-major flattening of both shapes)."""
        n = self.in_size
        eye = np.eye(n).reshape((n, *self.in_shape))
        return np.ascontiguousarray(self._fwd(eye).reshape(n, self.out_size).T)

    def madds(self) -> int:
        """Scalar multiply-adds to apply the map to one vector (0 for pure data movement)."""
        return 0

    @property
    def T(self) -> LinearMap:
        """The transposed map, from ``out_shape`` to ``in_shape``."""
        return Transposed(self)

    def label(self) -> str:
        """A short description for drawings: the kind and the shapes."""
        return f"{self.kind} {self.in_shape}→{self.out_shape}"

    def __repr__(self) -> str:
        return f"<LinearMap {self.label()}>"

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        raise NotImplementedError


def _nb(x: np.ndarray, shape: Shape) -> int:
    return x.ndim - len(shape)


class Identity(LinearMap):
    """The identity on ``shape`` (``None``: on any shape, the ``one`` of LINEAR)."""

    __slots__ = ()
    kind = "identity"

    def __init__(self, shape: Shape | None) -> None:
        super().__init__(shape, shape)

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return x

    _bwd = _fwd

    def to_dense(self) -> np.ndarray:
        return np.eye(self.in_size)


class Zero(LinearMap):
    """The zero map (``None`` shapes: between any shapes, the ``zero`` of LINEAR)."""

    __slots__ = ()
    kind = "zero"

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return np.zeros(x.shape[: _nb(x, self.in_shape)] + self.out_shape)

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        return np.zeros(c.shape[: _nb(c, self.out_shape)] + self.in_shape)


class Diagonal(LinearMap):
    """Elementwise multiplication by ``d`` (broadcastable to ``shape``): a scaled or diagonal map.

    >>> Diagonal(np.array([2.0, 3.0]), (2,)).to_dense()
    array([[2., 0.],
           [0., 3.]])
    """

    __slots__ = ("d",)
    kind = "diag"

    def __init__(self, d: Any, shape: Shape) -> None:
        super().__init__(shape, shape)
        self.d = d = np.asarray(d)
        if d.ndim and d.shape != self.in_shape and (
                d.ndim > len(self.in_shape) or np.broadcast_shapes(d.shape, self.in_shape) != self.in_shape):
            raise ShapeError(f"a diagonal map on shape {self.in_shape} needs a factor broadcastable to it, "
                             f"got shape {self.d.shape}")

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return x * self.d

    _bwd = _fwd

    def madds(self) -> int:
        return self.in_size

    def label(self) -> str:
        return f"{'scale' if self.d.ndim == 0 else 'diag'} {self.in_shape}"


class Dense(LinearMap):
    """A materialised map: ``mat`` of shape ``(out size, in size)``.

    >>> Dense(np.ones((2, 3)), (3,), (2,)).apply(np.array([1.0, 2.0, 3.0]))
    array([6., 6.])
    """

    __slots__ = ("mat",)
    kind = "dense"

    def __init__(self, mat: Any, in_shape: Shape, out_shape: Shape) -> None:
        super().__init__(in_shape, out_shape)
        self.mat = np.asarray(mat)
        if self.mat.shape != (math.prod(self.out_shape), math.prod(self.in_shape)):
            raise ShapeError(f"a dense map {self.in_shape}→{self.out_shape} needs a matrix of shape "
                             f"{(self.out_size, self.in_size)}, got {self.mat.shape}")

    @classmethod
    def trusted(cls, mat: np.ndarray, in_shape: Shape, out_shape: Shape) -> Dense:
        """A dense map from arguments already known to fit (the solver's hot path: no checks)."""
        m = object.__new__(cls)
        m.in_shape, m.out_shape, m.mat = in_shape, out_shape, mat
        return m

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        lead = x.shape[: _nb(x, self.in_shape)]
        return (x.reshape((*lead, self.in_size)) @ self.mat.T).reshape(lead + self.out_shape)

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        lead = c.shape[: _nb(c, self.out_shape)]
        return (c.reshape((*lead, self.out_size)) @ self.mat).reshape(lead + self.in_shape)

    def to_dense(self) -> np.ndarray:
        return self.mat

    def madds(self) -> int:
        return self.mat.size


def _matmul_shape(a: Shape, b: Shape) -> Shape:
    if not (1 <= len(a) <= 2 and 1 <= len(b) <= 2) or a[-1] != b[0]:
        raise ShapeError(f"matmul maps take 1-D or 2-D operands with matching inner sizes, got {a} @ {b}")
    return a[:-1] + b[1:]


class MatMulLeft(LinearMap):
    """``y ↦ A @ y`` for a constant 1-D or 2-D ``A`` (the edge of ``A @ y`` from ``y``)."""

    __slots__ = ("A",)
    kind = "A·"

    def __init__(self, A: Any, in_shape: Shape) -> None:
        self.A = np.asarray(A)
        super().__init__(in_shape, _matmul_shape(self.A.shape, tuple(in_shape)))

    def _fwd(self, y: np.ndarray) -> np.ndarray:
        if len(self.in_shape) == 2:
            if y.ndim == 3 and y.shape[0] == 1:  # one tangent: a plain 2-D product (BLAS, no broadcasting loop)
                return (self.A @ y[0])[None]
            return np.matmul(self.A, y)
        return y @ (self.A.T if self.A.ndim == 2 else self.A)

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        A = self.A
        if A.ndim == 2:
            if len(self.in_shape) == 2:
                return (A.T @ c[0])[None] if c.ndim == 3 and c.shape[0] == 1 else np.matmul(A.T, c)
            return c @ A
        if len(self.in_shape) == 2:
            return A[:, None] * c[..., None, :]
        return c[..., None] * A

    def madds(self) -> int:
        return self.A.size * (self.in_shape[1] if len(self.in_shape) == 2 else 1)

    def label(self) -> str:
        return f"{'x'.join(map(str, self.A.shape))}· {self.in_shape}→{self.out_shape}"


class MatMulRight(LinearMap):
    """``x ↦ x @ B`` for a constant 1-D or 2-D ``B`` (the edge of ``x @ B`` from ``x``)."""

    __slots__ = ("B",)
    kind = "·B"

    def __init__(self, B: Any, in_shape: Shape) -> None:
        self.B = np.asarray(B)
        super().__init__(in_shape, _matmul_shape(tuple(in_shape), self.B.shape))

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        if x.ndim == 3 and x.shape[0] == 1 and len(self.in_shape) == 2:
            return (x[0] @ self.B)[None]
        return x @ self.B

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        if self.B.ndim == 1:
            return c[..., None] * self.B
        if c.ndim == 3 and c.shape[0] == 1:
            return (c[0] @ self.B.T)[None]
        return c @ self.B.T

    def madds(self) -> int:
        return self.B.size * (self.in_shape[0] if len(self.in_shape) == 2 else 1)

    def label(self) -> str:
        return f"·{'x'.join(map(str, self.B.shape))} {self.in_shape}→{self.out_shape}"


class Transposed(LinearMap):
    """The transpose of another map (a scatter is a transposed gather)."""

    __slots__ = ("inner",)
    kind = "transposed"

    def __init__(self, inner: LinearMap) -> None:
        super().__init__(inner.out_shape, inner.in_shape)
        self.inner = inner

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return self.inner._bwd(x)

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        return self.inner._fwd(c)

    def madds(self) -> int:
        return self.inner.madds()

    def label(self) -> str:
        return f"({self.inner.label()})ᵀ"


class Compose(LinearMap):
    """``maps[0]``, then ``maps[1]``, ...: a product kept lazy (flattened, applied in a loop)."""

    __slots__ = ("maps",)
    kind = "compose"

    def __init__(self, maps: Sequence[LinearMap]) -> None:
        flat: list[LinearMap] = []
        for m in maps:
            flat.extend(m.maps if isinstance(m, Compose) else (m,))
        super().__init__(flat[0].in_shape, flat[-1].out_shape)
        self.maps = tuple(flat)

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        for m in self.maps:
            x = m._fwd(x)
        return x

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        for m in reversed(self.maps):
            c = m._bwd(c)
        return c

    def madds(self) -> int:
        return sum(m.madds() for m in self.maps)

    def label(self) -> str:
        return " then ".join(m.kind for m in self.maps) + f" {self.in_shape}→{self.out_shape}"


class SumMaps(LinearMap):
    """``maps[0] + maps[1] + ...`` between the same shapes, kept lazy."""

    __slots__ = ("maps",)
    kind = "sum of maps"

    def __init__(self, maps: Sequence[LinearMap]) -> None:
        flat: list[LinearMap] = []
        for m in maps:
            flat.extend(m.maps if isinstance(m, SumMaps) else (m,))
        super().__init__(flat[0].in_shape, flat[0].out_shape)
        self.maps = tuple(flat)

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return sum((m._fwd(x) for m in self.maps[1:]), self.maps[0]._fwd(x))

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        return sum((m._bwd(c) for m in self.maps[1:]), self.maps[0]._bwd(c))

    def madds(self) -> int:
        return sum(m.madds() for m in self.maps) + self.out_size * (len(self.maps) - 1)
