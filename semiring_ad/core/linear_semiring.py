"""LINEAR: the semiring of linear maps, in which a path's product is a chain-rule Jacobian.

(⊕, ⊗, 0, 1) = (add maps, "a, then b", the zero map, the identity).  A path
u → … → t multiplies its edge maps in path order, so its product is the
Jacobian ∂t/∂u, shape (dim t, dim u), and ⊕ over paths is Bauer's formula with
matrices for numbers.  ⊗ does not commute; the solver never reorders.

Weights are :class:`~semiring_ad.core.linear.LinearMap` objects or plain 2-D
NumPy arrays (dense maps: ``a ⊗ b == b @ a`` for arrays, and arrays in give an
array out).  The identities act on any shape.  A forward sweep seeded with a
dense map ℝ^k → space of the source (k tangents) computes JVPs; a backward
sweep seeded with a map from the target's space to ℝ^k (k cotangents) computes
VJPs; each ⊗ with a structured map applies it without materialising it.
:func:`~semiring_ad.core.semiring.counted` counts the scalar multiply-adds of
every ⊗ in ``counter.multiply_adds``.

>>> import networkx as nx
>>> from semiring_ad.core.solver import path_sum
>>> A, B = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])   # s → a → t
>>> G = nx.DiGraph([("s", "a", {"weight": B}), ("a", "t", {"weight": A})])
>>> path_sum(G, LINEAR, "s", "t")    # ∂t/∂s = A·B
array([[11.]])
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import NoStarError, ShapeError
from .linear import Compose, Dense, Diagonal, Identity, LinearMap, SumMaps, Zero
from .semiring import Semiring
from .semirings import SEMIRINGS

__all__ = ["LINEAR", "as_linear_map", "compose", "multiply_adds"]

_ANY_ONE = Identity(None)
_ANY_ZERO = Zero(None, None)


def as_linear_map(w: Any) -> LinearMap:
    """``w`` as a :class:`LinearMap`: maps unchanged, a 2-D array as a dense map ℝⁿ → ℝᵐ.

    >>> as_linear_map(np.eye(2)).label()
    'dense (2,)→(2,)'
    """
    if isinstance(w, LinearMap):
        return w
    if isinstance(w, np.ndarray) and w.ndim == 2:
        return Dense(w, (w.shape[1],), (w.shape[0],))
    shown = f"an array of shape {w.shape}" if isinstance(w, np.ndarray) else type(w).__name__
    raise ShapeError(f"a LINEAR weight must be a LinearMap or a 2-D NumPy array (a dense Jacobian), got {shown}")


def _fits(a: LinearMap, b: LinearMap) -> None:
    if a.out_shape != b.in_shape:
        raise ShapeError(
            f"cannot compose {a.label()} with {b.label()}: the first map's output shape {a.out_shape} "
            f"must equal the second's input shape {b.in_shape} (check the edge weights along the path)"
        )


def compose(a: LinearMap, b: LinearMap) -> LinearMap:
    """The map "``a``, then ``b``" (matrix ``B·A``); dense operands make a dense result.

    >>> d = compose(Dense(np.eye(2), (2,), (2,)), Diagonal(np.array([2.0, 3.0]), (2,)))
    >>> d.kind, d.mat.tolist()
    ('dense', [[2.0, 0.0], [0.0, 3.0]])
    """
    if type(b) is Dense and type(a) is not Dense and a.out_shape == b.in_shape and a.in_shape is not None:
        q = b.mat.shape[0]  # the backward sweep's hot path: pull b's q rows back through a, as q cotangents
        if isinstance(a, (Identity, Zero)):
            return b if isinstance(a, Identity) else Zero(a.in_shape, b.out_shape)
        pulled = a._bwd(b.mat.reshape((q, *b.in_shape)))
        return Dense.trusted(pulled.reshape(q, math.prod(a.in_shape)), a.in_shape, b.out_shape)
    if a.out_shape is None or b.in_shape is None:  # LINEAR's own identities act on any shape
        if a is _ANY_ZERO or b is _ANY_ZERO:
            return _ANY_ZERO
        return b if a is _ANY_ONE else a
    _fits(a, b)
    if isinstance(a, Identity):
        return b
    if isinstance(b, Identity):
        return a
    if isinstance(a, Zero) or isinstance(b, Zero):
        return Zero(a.in_shape, b.out_shape)
    if isinstance(a, Dense):
        if isinstance(b, Dense):
            return Dense(b.mat @ a.mat, a.in_shape, b.out_shape)
        n = a.in_size  # push a's n columns through b, as n tangents
        pushed = b._fwd(a.mat.T.reshape((n, *a.out_shape)))
        return Dense(pushed.reshape(n, b.out_size).T, a.in_shape, b.out_shape)
    if isinstance(b, Dense):
        q = b.out_size  # pull b's q rows back through a, as q cotangents
        return Dense(a._bwd(b.mat.reshape((q, *b.in_shape))).reshape(q, a.in_size), a.in_shape, b.out_shape)
    if isinstance(a, Diagonal) and isinstance(b, Diagonal):
        return Diagonal(a.d * b.d, a.in_shape)
    return Compose((a, b))


def _add(a: LinearMap, b: LinearMap) -> LinearMap:
    if a is _ANY_ZERO:
        return b
    if b is _ANY_ZERO:
        return a
    if a is _ANY_ONE or b is _ANY_ONE:
        other = b if a is _ANY_ONE else a
        if other is _ANY_ONE:
            raise ShapeError("I ⊕ I on an unknown shape has no representation; use Identity(shape) for a shaped one")
        a, b = (Identity(other.in_shape), other) if a is _ANY_ONE else (other, Identity(other.in_shape))
    if (a.in_shape, a.out_shape) != (b.in_shape, b.out_shape):
        raise ShapeError(f"cannot add {a.label()} and {b.label()}: maps added at a node must have the same "
                         "input and output shapes")
    if isinstance(a, Zero):
        return b
    if isinstance(b, Zero):
        return a
    if isinstance(a, Dense) or isinstance(b, Dense):
        return Dense(a.to_dense() + b.to_dense(), a.in_shape, a.out_shape)
    if isinstance(a, Diagonal) and isinstance(b, Diagonal):
        return Diagonal(a.d + b.d, a.in_shape)
    return SumMaps((a, b))


def _plus(a: Any, b: Any) -> Any:
    if type(a) is np.ndarray and type(b) is np.ndarray:
        if a.shape != b.shape:
            raise ShapeError(f"cannot add dense maps of shapes {a.shape} and {b.shape}")
        return a + b
    if type(a) is np.ndarray and b is _ANY_ZERO:
        return a
    if type(b) is np.ndarray and a is _ANY_ZERO:
        return b
    out = _add(as_linear_map(a), as_linear_map(b))
    return out.to_dense() if isinstance(out, Dense) and np.ndarray in (type(a), type(b)) else out


def _times(a: Any, b: Any) -> Any:
    if type(b) is Dense and isinstance(a, LinearMap):  # the hot path of backward sweeps
        return compose(a, b)
    if type(a) is np.ndarray and type(b) is np.ndarray:
        if a.ndim != 2 or b.ndim != 2 or a.shape[0] != b.shape[1]:
            raise ShapeError(f"cannot compose a dense map of shape {a.shape} with one of shape {b.shape}: "
                             "'a, then b' is b @ a and needs b.shape[1] == a.shape[0]")
        return b @ a
    if a is _ANY_ONE and type(b) is np.ndarray:
        return b
    if b is _ANY_ONE and type(a) is np.ndarray:
        return a
    out = compose(as_linear_map(a), as_linear_map(b))
    return out.to_dense() if isinstance(out, Dense) and np.ndarray in (type(a), type(b)) else out


def multiply_adds(a: Any, b: Any) -> int:
    """Scalar multiply-adds that ``a ⊗ b`` performs (structured products that stay lazy cost 0).

    Chains of dense maps reproduce the textbook costs: forward mode on widths
    d_0 … d_L costs d_0·Σ d_l·d_{l−1}, reverse mode d_L·Σ d_l·d_{l+1}.

    >>> multiply_adds(np.ones((3, 2)), np.ones((4, 3)))   # (4x3)·(3x2)
    24
    """
    if a is _ANY_ONE or b is _ANY_ONE or a is _ANY_ZERO or b is _ANY_ZERO:
        return 0
    a, b = as_linear_map(a), as_linear_map(b)
    if isinstance(a, (Identity, Zero)) or isinstance(b, (Identity, Zero)):
        return 0
    if isinstance(a, Dense):
        return b.madds() * a.in_size
    if isinstance(b, Dense):
        return a.madds() * b.out_size
    if isinstance(a, Diagonal) and isinstance(b, Diagonal):
        return a.in_size
    return 0


def _equal(a: Any, b: Any) -> bool:
    if a is b:
        return True
    a_special, b_special = a is _ANY_ONE or a is _ANY_ZERO, b is _ANY_ONE or b is _ANY_ZERO
    if a_special or b_special:
        if a_special and b_special:
            return False
        special, other = (a, b) if a_special else (b, a)
        m = as_linear_map(other)
        dense = m.to_dense()
        if special is _ANY_ZERO:
            return bool(np.allclose(dense, 0.0, rtol=0, atol=1e-12))
        return m.in_shape == m.out_shape and bool(np.allclose(dense, np.eye(m.in_size), rtol=1e-9, atol=1e-12))
    ma, mb = as_linear_map(a), as_linear_map(b)
    if (ma.in_shape, ma.out_shape) != (mb.in_shape, mb.out_shape):
        return False
    return bool(np.allclose(ma.to_dense(), mb.to_dense(), rtol=1e-9, atol=1e-12))


def _star(a: Any) -> Any:
    """(I − A)^-1, the sum I + A + A² + … of going round a loop of map ``a`` any number of times."""
    if a is _ANY_ZERO:
        return _ANY_ONE
    m = as_linear_map(a)
    if a is _ANY_ONE or m.in_shape != m.out_shape:
        why = "I - I is singular" if a is _ANY_ONE else f"a map {m.in_shape} -> {m.out_shape} is not square"
        raise NoStarError(f"linear has no star of this map ({why})", semiring="linear", value=a)
    eye, mat = np.eye(m.in_size), m.to_dense()
    gap = eye - mat
    singular = np.linalg.svd(gap, compute_uv=False)
    # Numerically singular counts as singular: past rounding of A itself, the inverse would be noise.
    inv = None if singular[-1] <= 1e-8 * max(1.0, singular[0], np.abs(mat).max()) else np.linalg.solve(gap, eye)
    if inv is None or not np.all(np.isfinite(inv)):
        raise NoStarError("linear has no finite star of this map (I - A is singular: the loop's series diverges)",
                          semiring="linear", value=a)
    return inv if type(a) is np.ndarray else Dense(inv, m.in_shape, m.out_shape)


LINEAR = Semiring(
    "linear",
    _plus,
    _times,
    _ANY_ZERO,
    _ANY_ONE,
    commutative=False,
    description="Jacobians: sum over paths of the chain-rule products J_k···J_1 (linear maps)",
    notation=("+", "then", "0", "I"),
    equal=_equal,
    cost=multiply_adds,
    star=_star,
)
"""(add maps, "a then b", zero map, identity) on :class:`~semiring_ad.core.linear.LinearMap` weights
and 2-D arrays (dense Jacobians).  Its star is (I − A)^-1 (singular I − A: no star), so a cyclic graph
of matrices solves like a linear system.

>>> import networkx as nx
>>> A = np.array([[0.5, 0.0], [0.25, 0.5]])
>>> G = nx.DiGraph([("x", "v", {"weight": np.eye(2)}), ("v", "v", {"weight": A}), ("v", "y", {"weight": np.eye(2)})])
>>> from semiring_ad import path_sum
>>> np.allclose(path_sum(G, LINEAR, "x", "y"), np.linalg.inv(np.eye(2) - A))
True
"""
SEMIRINGS["linear"] = LINEAR
