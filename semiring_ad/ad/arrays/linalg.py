"""Array rules for linear algebra, contractions and products: ``np.linalg``, ``einsum``, ``prod``.

Each local Jacobian is a composition of structured maps, never a dense
matrix: d(A⁻¹) = −A⁻¹·dA·A⁻¹ is "times −A⁻¹ on the left, then times A⁻¹ on
the right"; d det A = det A · ⟨A⁻ᵀ, dA⟩ is a diagonal followed by a sum.
Also the stable composites :func:`logsumexp` and :func:`softmax`, which work
on NumPy arrays and array-traced values alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.linear import Compose, Diagonal, MatMulLeft, MatMulRight
from ...core.linear_shape import Contract, SumOver
from ...errors import SemiringADError, ShapeError
from ..implicit import primal
from .dual_maps import FunctionTangent, reduce_tangent
from .tape import _tape_of, register_array_function, unsupported, value_of

__all__ = ["logsumexp", "softmax"]


def _traced(a: Any) -> bool:
    return _tape_of((a,)) is not None


def _square(name: str, a: np.ndarray) -> None:
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise unsupported(f"np.linalg.{name} of an array of shape {a.shape} (only one square 2-D matrix)")


def _record(name: str, args: tuple, value: Any, edges: list, tangents: Any = None) -> Any:
    """Record the node; ``tangents(node_tangents) -> [tangent per edge]`` serves forward-over-reverse."""
    tape = _tape_of(args)
    if tape is None:
        return value
    node = tape.record(name, np.asarray(value), edges)
    if tape.second is not None and tangents is not None:
        tape.second[node.index] = ("custom", lambda T: tangents(T, node.index))
    return node


def _inv_tangent(a: Any, Y: np.ndarray) -> Any:
    """Ṁ(U) = −(Ẏ·U·Y + Y·U·Ẏ) for the edge U ↦ −Y·U·Y of inv, with Ẏ the output's tangent."""

    def build(T: list, i: int) -> list:
        Yd = T[i]
        if Yd is None:
            return [None]
        return [FunctionTangent(
            lambda C: -(np.einsum("...pq,kpa,bq->...kab", C, Yd, Y) + np.einsum("...pq,pa,kbq->...kab", C, Y, Yd)),
            lambda U: -(np.einsum("...ab,kpa,bq->...kpq", U, Yd, Y) + np.einsum("...ab,pa,kbq->...kpq", U, Y, Yd)),
        )]

    return build


def _logdet_tangent(a: Any, Ainv: np.ndarray, det_node: bool) -> Any:
    """The moving gradient of det (d·A⁻ᵀ) or of log|det| (A⁻ᵀ) along the tangents."""

    def build(T: list, i: int) -> list:
        Ad = T[a.index]
        if Ad is None:
            return [None]
        moved = -np.einsum("pa,kab,bq->kqp", Ainv, Ad, Ainv)  # d(A⁻¹)ᵀ
        if det_node:
            d = float(np.linalg.det(a.value))
            moved = d * moved + T[i][:, None, None] * Ainv.T
        return [reduce_tangent(moved)]

    return build


@register_array_function(np.linalg.inv)
def _inv(a: Any) -> Any:
    A = np.asarray(value_of(a), dtype=float)
    _square("inv", A)
    Y = np.linalg.inv(A)
    edges = [(a.index, Compose((MatMulLeft(-Y, A.shape), MatMulRight(Y, A.shape))))] if _traced(a) else []
    return _record("inv", (a,), Y, edges, _inv_tangent(a, Y))


@register_array_function(np.linalg.solve)
def _solve(a: Any, b: Any) -> Any:
    A, B = np.asarray(value_of(a), dtype=float), np.asarray(value_of(b), dtype=float)
    _square("solve", A)
    if B.ndim not in (1, 2):
        raise unsupported(f"np.linalg.solve with a right-hand side of shape {B.shape} (only 1-D or 2-D)")
    X = np.linalg.solve(A, B)
    Ainv = np.linalg.inv(A)
    edges = []
    if _traced(a):  # dX = −A⁻¹·dA·X
        edges.append((a.index, Compose((MatMulRight(X, A.shape), MatMulLeft(-Ainv, X.shape)))))
    if _traced(b):
        edges.append((b.index, MatMulLeft(Ainv, B.shape)))
    return _record("solve", (a, b), X, edges)


@register_array_function(np.linalg.det)
def _det(a: Any) -> Any:
    A = np.asarray(value_of(a), dtype=float)
    _square("det", A)
    d = np.linalg.det(A)
    grad = d * np.linalg.inv(A).T  # ∂det/∂A = det · A⁻ᵀ
    edges = [(a.index, Compose((Diagonal(grad, A.shape), SumOver(A.shape, None))))] if _traced(a) else []
    return _record("det", (a,), d, edges, _logdet_tangent(a, np.linalg.inv(A), True) if edges else None)


@register_array_function(np.linalg.slogdet)
def _slogdet(a: Any) -> Any:
    A = np.asarray(value_of(a), dtype=float)
    _square("slogdet", A)
    sign, logdet = np.linalg.slogdet(A)
    Ainv = np.linalg.inv(A)
    edges = [(a.index, Compose((Diagonal(Ainv.T, A.shape), SumOver(A.shape, None))))] if _traced(a) else []
    return sign, _record("slogdet", (a,), logdet, edges, _logdet_tangent(a, Ainv, False) if edges else None)


@register_array_function(np.linalg.norm)
def _norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> Any:
    if ord is not None or axis is not None or keepdims:
        raise unsupported("np.linalg.norm with ord, axis or keepdims (only the 2-norm / Frobenius norm of "
                          "the whole array)")
    v = np.asarray(value_of(x), dtype=float)
    n = np.linalg.norm(v)
    if _traced(x) and n == 0:
        raise ShapeError("the norm is not differentiable at the zero array")
    edges = [(x.index, Compose((Diagonal(v / n, v.shape), SumOver(v.shape, None))))] if _traced(x) else []

    def tangents(T: list, i: int) -> list:  # d(v/n) = v̇/n − v·ṅ/n²
        vd = T[x.index]
        return [None if vd is None else reduce_tangent(vd / n - T[i].reshape((-1,) + (1,) * v.ndim) * v / n**2)]

    return _record("norm", (x,), n, edges, tangents if edges else None)


def _explicit(spec: str) -> str:
    spec = spec.replace(" ", "")
    if "->" in spec:
        return spec
    letters = spec.replace(",", "")
    return f"{spec}->{''.join(sorted(c for c in set(letters) if letters.count(c) == 1))}"


@register_array_function(np.einsum)
def _einsum(subscripts: Any, *operands: Any, **kwargs: Any) -> Any:
    if not isinstance(subscripts, str) or len(operands) != 2 or kwargs or "." in subscripts:
        raise unsupported("np.einsum other than two operands with explicit letter subscripts")
    spec = _explicit(subscripts)
    a, b = operands
    va, vb = np.asarray(value_of(a), dtype=float), np.asarray(value_of(b), dtype=float)
    value = np.einsum(spec, va, vb)
    edges = []
    for pos, (arg, other) in enumerate(((a, vb), (b, va))):
        if _traced(arg):
            try:
                edges.append((arg.index, Contract(spec, other, pos, (va, vb)[pos].shape)))
            except ShapeError as exc:
                raise unsupported(f"np.einsum({subscripts!r}, ...) ({exc})") from None
    node = _record("einsum", (a, b), value, edges)
    tape = _tape_of((a, b))
    if tape is not None and tape.second is not None:  # a bilinear operation, for forward-over-reverse
        tape.second[node.index] = ("bilinear", spec, tuple(x.index if _traced(x) else None for x in (a, b)))
    return node


@register_array_function(np.prod)
def _prod(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, keepdims: bool = False, **kw: Any) -> Any:
    if dtype is not None or out is not None or kw or not (axis is None or isinstance(axis, (int, np.integer))):
        raise unsupported("np.prod with dtype, out, initial, where or a tuple of axes")
    v = np.asarray(value_of(a), dtype=float)
    value = np.prod(v, axis=axis, keepdims=keepdims)
    flat = v.reshape(-1) if axis is None else np.moveaxis(v, axis, -1)
    ones = np.ones((*flat.shape[:-1], 1))
    before = np.cumprod(np.concatenate([ones, flat[..., :-1]], axis=-1), axis=-1)
    after = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    others = before * after  # product of every other element: exact at zeros, unlike prod / x
    others = others.reshape(v.shape) if axis is None else np.moveaxis(others, -1, axis)
    axes = None if axis is None else (axis,)
    edges = [(a.index, Compose((Diagonal(others, v.shape), SumOver(v.shape, axes, keepdims))))] if _traced(a) else []
    return _record("prod", (a,), value, edges)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> Any:
    """log Σ exp(x) over ``axis``, computed stably (the maximum is subtracted as a constant).

    Works on NumPy arrays and on array-traced values (``semiring_ad.arrays``).

    >>> float(logsumexp(np.array([1000.0, 1000.0])))  # no overflow
    1000.6931471805599
    """
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)  # a list of numbers or of element-wise traced values
    m = _shift(x, axis)
    s = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    return s if keepdims else np.squeeze(s, axis=axis) if axis is not None else np.reshape(s, ())


def _shift(x: Any, axis: Any) -> Any:
    """The largest number of ``x`` along ``axis``, as a constant (0 where it is not finite).

    Any constant gives the same log Σ exp; the largest keeps ``exp`` from
    overflowing.  Element-wise traced or dual entries (an object array) give
    their numbers; SymPy entries give no number, and the shift is 0.
    """
    v = value_of(x)
    if isinstance(v, np.ndarray) and v.dtype == object:
        try:
            v = primal(v)
        except SemiringADError:
            return 0.0
    m = np.max(v, axis=axis, keepdims=True)
    return np.where(np.isfinite(m), m, 0.0)


def softmax(x: Any, axis: int = -1) -> Any:
    """exp(x) / Σ exp(x) along ``axis``, computed stably.

    >>> softmax(np.array([0.0, np.log(3.0)])).round(6)
    array([0.25, 0.75])
    """
    if isinstance(x, (list, tuple)):
        x = np.asarray(x)
    return np.exp(x - logsumexp(x, axis=axis, keepdims=True))
