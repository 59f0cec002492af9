"""The array rules: NumPy functions that are not elementwise, each with its local linear maps.

Elementwise functions come from the primitive table (one row serves scalars,
SymPy, duals and arrays); this module adds the rest — matrix products,
reductions, shape changes, indexing, joining, selection — as
:func:`~semiring_ad.ad.arrays.tape.register_array_function` rules.  Each rule
computes the value with NumPy and records one structured
:class:`~semiring_ad.core.linear.LinearMap` per traced argument.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import numpy as np

from ...core.linear import Compose, Diagonal, MatMulLeft, MatMulRight, Transposed
from ...core.linear_shape import Broadcast, Gather, Reshape, SumOver, Transpose
from .tape import (
    ARRAY_FUNCTIONS,
    ArrayTracer,
    _tape_of,
    broadcast_diagonal,
    elementwise,
    register_array_function,
    unsupported,
    value_of,
)

__all__ = ["ARRAY_FUNCTIONS"]

_sum_over = functools.lru_cache(maxsize=512)(SumOver)
"""Sums over axes are immutable and depend on shapes and axes alone: one instance each, reused across traces."""


def _traced(a: Any) -> bool:
    return type(a) is ArrayTracer


def _only_defaults(name: str, **extra: Any) -> None:
    for key, v in extra.items():
        if v is not None and v is not np._NoValue:
            raise unsupported(f"np.{name}(..., {key}=...)")


def _axes(axis: Any) -> tuple | None:
    return None if axis is None else (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)


def _unary(name: str, x: Any, value: np.ndarray, m: Any) -> Any:
    """Record ``value`` as the result of ``name`` on ``x`` with edge map ``m`` (or return it if untraced)."""
    if not _traced(x):
        return value
    return x.tape.record(name, value, [(x.index, m)])


@register_array_function(np.matmul)
def _matmul(a: Any, b: Any, **kwargs: Any) -> Any:
    _only_defaults("matmul", **kwargs)
    va, vb = np.asarray(value_of(a), dtype=float), np.asarray(value_of(b), dtype=float)
    if not (1 <= va.ndim <= 2 and 1 <= vb.ndim <= 2):
        raise unsupported(f"np.matmul of operands with shapes {va.shape} and {vb.shape} (only 1-D and 2-D "
                          "operands; reshape stacked matrices into one 2-D product)")
    out = np.asarray(va @ vb)
    edges = []
    if _traced(a):
        edges.append((a.index, MatMulRight(vb, va.shape)))
    if _traced(b):
        edges.append((b.index, MatMulLeft(va, vb.shape)))
    tape = _tape_of((a, b))
    node = tape.record("matmul", out, edges)
    if tape.second is not None:  # a bilinear operation, for forward-over-reverse (.dual_maps)
        sa, sb = "ij"[2 - va.ndim:], "jl"[: vb.ndim]
        spec = f"{sa},{sb}->{sa[:-1] + sb[1:]}"
        tape.second[node.index] = ("bilinear", spec, tuple(x.index if _traced(x) else None for x in (a, b)))
    return node


@register_array_function(np.dot)
def _dot(a: Any, b: Any, out: Any = None) -> Any:
    _only_defaults("dot", out=out)
    if np.ndim(value_of(a)) == 0 or np.ndim(value_of(b)) == 0:
        return elementwise("multiply", (a, b))
    return _matmul(a, b)


@register_array_function(np.sum)
def _sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    _only_defaults("sum", dtype=dtype, out=out, **kw)
    v = value_of(a)
    m = _sum_over(v.shape, _axes(axis), bool(keepdims))
    return _unary("sum", a, np.asarray(np.sum(v, axis=axis, keepdims=keepdims)), m)


@register_array_function(np.mean)
def _mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    _only_defaults("mean", dtype=dtype, out=out, **kw)
    v = value_of(a)
    value = np.asarray(np.mean(v, axis=axis, keepdims=keepdims))
    m = _sum_over(v.shape, _axes(axis), bool(keepdims), value.size / v.size if v.size else 1.0)
    return _unary("mean", a, value, m)


def _extremum(name: str, fn: Any, a: Any, axis: Any, keepdims: bool) -> Any:
    v = value_of(a)
    value = np.asarray(fn(v, axis=axis, keepdims=keepdims))
    kept = fn(v, axis=axis, keepdims=True)
    mask = (v == kept).astype(float)
    share = mask / mask.sum(axis=axis, keepdims=True)  # ties share the derivative, as in JAX
    m = Compose((Diagonal(share, v.shape), _sum_over(v.shape, _axes(axis), bool(keepdims))))
    return _unary(name, a, value, m)


@register_array_function(np.max, np.amax)
def _max(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    _only_defaults("max", out=out, **kw)
    return _extremum("max", np.max, a, axis, keepdims)


@register_array_function(np.min, np.amin)
def _min(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    _only_defaults("min", out=out, **kw)
    return _extremum("min", np.min, a, axis, keepdims)


@register_array_function(np.reshape)
def _reshape(a: Any, newshape: Any = None, order: str = "C", **kw: Any) -> Any:
    shape = kw.pop("shape", newshape)
    if order != "C" or kw:
        raise unsupported(f"np.reshape(..., order={order!r})")
    v = value_of(a)
    value = np.reshape(v, shape)
    return _unary("reshape", a, value, Reshape(v.shape, value.shape))


@register_array_function(np.ravel)
def _ravel(a: Any, order: str = "C") -> Any:
    return _reshape(a, -1, order)


@register_array_function(np.transpose)
def _transpose(a: Any, axes: Any = None) -> Any:
    v = value_of(a)
    m = Transpose(v.shape, axes)
    return _unary("transpose", a, np.transpose(v, m.axes), m)


@register_array_function(np.swapaxes)
def _swapaxes(a: Any, axis1: int, axis2: int) -> Any:
    perm = list(range(np.ndim(value_of(a))))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return _transpose(a, perm)


@register_array_function(np.expand_dims)
def _expand_dims(a: Any, axis: Any) -> Any:
    v = value_of(a)
    value = np.expand_dims(v, axis)
    return _unary("expand_dims", a, value, Reshape(v.shape, value.shape))


@register_array_function(np.squeeze)
def _squeeze(a: Any, axis: Any = None) -> Any:
    v = value_of(a)
    value = np.squeeze(v, axis)
    return _unary("squeeze", a, value, Reshape(v.shape, value.shape))


@register_array_function(np.broadcast_to)
def _broadcast_to(array: Any, shape: Any, subok: bool = False) -> Any:
    v = value_of(array)
    value = np.broadcast_to(v, shape)
    return _unary("broadcast_to", array, value, Broadcast(v.shape, value.shape))


class BasicGather(Gather):
    """A :class:`~semiring_ad.core.linear_shape.Gather` by basic slicing (slices and integers).

    The same map, applied as a view (and scattered into one slice) rather than
    through an index array: ``x[1:]`` on k tangents at once is a copy-free view.
    """

    __slots__ = ("key",)

    def __init__(self, in_shape: tuple, key: tuple) -> None:
        super().__init__(np.arange(int(np.prod(in_shape, dtype=int))).reshape(in_shape)[key], in_shape)
        self.key = key

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return x[(slice(None),) * (x.ndim - len(self.in_shape)) + self.key]

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        nb = c.ndim - len(self.out_shape)
        z = np.zeros(c.shape[:nb] + self.in_shape, dtype=np.result_type(c, float))
        z[(slice(None),) * nb + self.key] = c
        return z


def _basic(key: Any, ndim: int) -> tuple | None:
    """``key`` as a tuple of slices and integers, or ``None`` if it is any other kind of index."""
    key = key if isinstance(key, tuple) else (key,)
    if len(key) > ndim or not all(type(k) is slice or type(k) is int for k in key):
        return None
    return key


@register_array_function("getitem")
def _getitem(a: Any, key: Any) -> Any:
    v = a.value
    if _traced(key) or (isinstance(key, tuple) and any(_traced(k) for k in key)):
        raise unsupported("indexing with an array-traced index")
    value = np.asarray(v[key])
    basic = _basic(key, v.ndim)
    m = Gather.from_key(v.shape, key) if basic is None else BasicGather(v.shape, basic)
    return _unary("getitem", a, value, m)


def _join(name: str, arrays: Any, value: np.ndarray, blocks: list[np.ndarray]) -> Any:
    """Record a join: input ``k`` lands on the flat positions ``blocks[k]`` of ``value``."""
    edges = [(a.index, Transposed(Gather(block, value.shape))) for a, block in zip(arrays, blocks) if _traced(a)]
    tape = _tape_of(arrays)
    return value if tape is None else tape.record(name, value, edges)


@register_array_function(np.concatenate)
def _concatenate(arrays: Any, axis: int = 0, out: Any = None, **kw: Any) -> Any:
    _only_defaults("concatenate", out=out, **kw)
    arrays = list(arrays)
    vals = [np.asarray(value_of(a)) for a in arrays]
    value = np.concatenate(vals, axis=axis)
    index = np.arange(value.size).reshape(value.shape)
    bounds = np.cumsum([0] + [x.shape[axis] for x in vals])
    blocks = [np.take(index, np.arange(lo, hi), axis=axis) for lo, hi in itertools.pairwise(bounds)]
    return _join("concatenate", arrays, value, blocks)


@register_array_function(np.stack)
def _stack(arrays: Any, axis: int = 0, out: Any = None, **kw: Any) -> Any:
    _only_defaults("stack", out=out, **kw)
    arrays = list(arrays)
    value = np.stack([np.asarray(value_of(a)) for a in arrays], axis=axis)
    index = np.arange(value.size).reshape(value.shape)
    return _join("stack", arrays, value, [np.take(index, k, axis=axis) for k in range(len(arrays))])


@register_array_function(np.where)
def _where(condition: Any, x: Any = None, y: Any = None) -> Any:
    if x is None or y is None:
        raise unsupported("np.where(condition) with one argument")
    cond = np.asarray(value_of(condition), dtype=bool)
    vx, vy = value_of(x), value_of(y)
    value = np.asarray(np.where(cond, vx, vy), dtype=float)
    edges = []
    for arg, pick in ((x, cond), (y, ~cond)):
        if _traced(arg):
            d = np.broadcast_to(pick, value.shape).astype(float)
            edges.append((arg.index, broadcast_diagonal(d, arg.value.shape, value.shape)))
    tape = _tape_of((condition, x, y))
    return value if tape is None else tape.record("where", value, edges)


@register_array_function(np.clip)
def _clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, **kw: Any) -> Any:
    _only_defaults("clip", out=out, **kw)
    if _traced(a_min) or _traced(a_max):
        raise unsupported("np.clip with traced bounds (use np.maximum/np.minimum)")
    v = value_of(a)
    value = np.clip(v, a_min, a_max)
    inside = np.ones(v.shape, dtype=bool)
    if a_min is not None:
        inside &= v >= a_min
    if a_max is not None:
        inside &= v <= a_max
    return _unary("clip", a, value, Diagonal(inside.astype(float), v.shape))


@register_array_function(np.shape)
def _shape(a: Any) -> tuple:
    return np.shape(value_of(a))


@register_array_function(np.ndim)
def _ndim(a: Any) -> int:
    return np.ndim(value_of(a))


@register_array_function(np.size)
def _size(a: Any, axis: Any = None) -> int:
    return np.size(value_of(a), axis)

