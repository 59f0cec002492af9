"""The numbers behind :func:`~semiring_ad.ad.fixed_point.fixed_point`: iterate, then solve the implicit system.

* :func:`iterate` runs x ← g(x, *params) on plain numbers or float arrays until
  the step is below the tolerance, and raises
  :class:`~semiring_ad.errors.ConvergenceError` when it does not converge or
  leaves the finite numbers.
* :func:`implicit_solve` is the star of the loop x → x applied to the edges
  θ → x: dx*/dθ = (I − ∂g/∂x)^-1 ∂g/∂θ.  Float Jacobians go to
  ``numpy.linalg.solve``; Jacobians whose entries are traced or dual values
  (nested derivatives) are eliminated entry by entry with the generic
  arithmetic, so the solve itself is recorded and differentiated (NumPy's
  LAPACK cannot take object arrays).  One unknown is the scalar star
  1/(1 − a) of ``PLUS_TIMES``.

Both the element-wise API (:mod:`semiring_ad.ad.fixed_point`) and the array
tracer (:mod:`semiring_ad.ad.arrays.fixed_point`) use them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..core.semirings import PLUS_TIMES
from ..errors import ConvergenceError, NoStarError, TraceError

__all__ = ["implicit_solve", "implicit_solve_batched", "iterate", "primal"]


def primal(x: Any) -> Any:
    """The number (or float array) under any nesting of traced or dual values."""
    if isinstance(x, np.ndarray):
        if x.dtype != object:
            return np.asarray(x, dtype=float)
        return np.array([primal(v) for v in x.reshape(-1)], dtype=float).reshape(x.shape)
    while not isinstance(x, (int, float)) and hasattr(x, "value"):
        x = x.value
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TraceError(f"fixed_point needs numbers (or arrays of numbers) as its starting point x0, got "
                         f"{type(x).__name__}") from None


_CLOSED_OVER = ("fixed_point: g(x, *params) returned a traced or dual value while iterating on numbers, so g "
                "closes over a value being differentiated; pass it to fixed_point as a parameter, "
                "fixed_point(g, x0, theta), so that its derivative goes through the implicit-function theorem")


def _as_iterate(nxt: Any, like: Any) -> Any:
    """An iterate as a float (or a float array shaped like ``like``); a traced result is refused."""
    if isinstance(like, float):
        if isinstance(nxt, (int, float, np.integer, np.floating)):
            return float(nxt)
        if isinstance(nxt, np.ndarray) and nxt.shape == () and nxt.dtype != object:
            return float(nxt)
        if hasattr(nxt, "value") or isinstance(nxt, np.ndarray):
            raise TraceError(_CLOSED_OVER if hasattr(nxt, "value") or nxt.dtype == object else
                             f"fixed_point: g(x, *params) returned shape {nxt.shape} but x0 is a number")
        return primal(nxt)
    arr = nxt if isinstance(nxt, np.ndarray) else np.asarray(nxt, dtype=object)
    if arr.dtype == object:
        if not all(isinstance(v, (int, float, np.integer, np.floating)) for v in arr.flat):
            raise TraceError(_CLOSED_OVER)
        arr = arr.astype(float)
    arr = np.asarray(arr, dtype=float)
    if arr.shape != like.shape:
        raise TraceError(f"fixed_point: g(x, *params) returned shape {arr.shape} but x0 has shape {like.shape}; "
                         "g must map x to an array of x's shape")
    return arr


def iterate(g: Callable[..., Any], x0: Any, params: tuple, tol: float, max_iter: int) -> Any:
    """x ← g(x, *params) from ``x0`` (a float or a float array) until |Δx| <= tol · max(1, |x|) (max norm).

    >>> iterate(lambda x, a: (x + a / x) / 2, 1.0, (2.0,), 1e-15, 100)
    1.414213562373095
    """
    x, nxt = x0, x0
    for k in range(max_iter):
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a non-finite iterate is named below
            nxt = _as_iterate(g(x, *params), x0)
        if not np.all(np.isfinite(nxt)):
            raise ConvergenceError(
                f"fixed_point diverged: iterate {k + 1} of x <- g(x, *params) is {nxt} (from {x!r}) at "
                f"params={params!r}; start closer to the fixed point (x0) or check that |dg/dx| < 1 near it",
                (x, nxt))
        if np.max(np.abs(nxt - x)) <= tol * max(1.0, float(np.max(np.abs(nxt)))):
            return nxt
        x = nxt
    raise ConvergenceError(
        f"fixed_point did not converge in {max_iter} iterations at params={params!r}: the last step was "
        f"{float(np.max(np.abs(nxt - x))):.3g} (tol={tol:g}), last iterate {nxt!r}; raise max_iter, loosen tol or "
        "start closer (the iteration converges where the spectral radius of dg/dx is below 1)", (x, nxt))


def _real(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _singular(value: Any) -> NoStarError:
    return NoStarError("linear has no finite star of dg/dx at the fixed point (I - dg/dx is singular), so the "
                       "fixed point does not depend smoothly on the parameters there: the derivative does not "
                       "exist", semiring="linear", value=value)


def implicit_solve(jx: np.ndarray, jt: np.ndarray) -> np.ndarray:
    """(I − jx)^-1 jt: the derivative of a fixed point from ∂g/∂x (n, n) and ∂g/∂θ (n, p).

    >>> implicit_solve(np.array([[0.5]]), np.array([[1.0, 2.0]]))
    array([[2., 4.]])
    >>> implicit_solve(np.array([[0.5, 0.0], [0.25, 0.5]]), np.eye(2))
    array([[2., 0.],
           [1., 2.]])
    """
    n = jx.shape[0]
    if n == 1:  # the scalar star 1/(1 - a), in whatever arithmetic the entries carry
        a = jx[0, 0]
        star = PLUS_TIMES.star(float(a) if isinstance(a, np.floating) else a)
        out = np.empty(jt.shape, dtype=object)
        for k in range(jt.shape[1]):
            out[0, k] = jt[0, k] * star
        return out.astype(float) if all(_real(v) for v in out.flat) else out
    if all(_real(v) for v in jx.flat) and all(_real(v) for v in jt.flat):
        gap = np.eye(n) - np.asarray(jx, dtype=float)
        sv = np.linalg.svd(gap, compute_uv=False)
        if sv[-1] <= 1e-12 * max(1.0, sv[0]):
            raise _singular(jx)
        return np.linalg.solve(gap, np.asarray(jt, dtype=float))
    return _eliminate(jx, jt)


def implicit_solve_batched(jx: np.ndarray, jt: np.ndarray) -> np.ndarray:
    """:func:`implicit_solve` at N points at once: ``jx`` (N, n, n), ``jt`` (N, n, p) floats -> (N, n, p).

    >>> implicit_solve_batched(np.array([[[0.5]], [[0.75]]]), np.ones((2, 1, 1)))[:, 0, 0]
    array([2., 4.])
    """
    n = jx.shape[1]
    gap = np.eye(n) - jx
    if n == 1:
        bad = np.flatnonzero(gap[:, 0, 0] == 0)
        if len(bad):
            PLUS_TIMES.star(float(jx[bad[0], 0, 0]))  # raises the scalar star's NoStarError
        return jt / gap
    sv = np.linalg.svd(gap, compute_uv=False)
    bad = np.flatnonzero(sv[:, -1] <= 1e-12 * np.maximum(1.0, sv[:, 0]))
    if len(bad):
        raise _singular(jx[bad[0]])
    return np.linalg.solve(gap, jt)


def _eliminate(jx: np.ndarray, jt: np.ndarray) -> np.ndarray:
    """Gaussian elimination of (I − jx) X = jt on traced or dual entries, pivoting on the primal values."""
    n, p = jt.shape
    a = [[(1 if i == j else 0) - jx[i, j] for j in range(n)] for i in range(n)]
    b = [[jt[i, k] for k in range(p)] for i in range(n)]
    scale = max(1.0, max(abs(primal(v)) for row in a for v in row))
    for c in range(n):
        piv = max(range(c, n), key=lambda r: abs(primal(a[r][c])))
        if abs(primal(a[piv][c])) <= 1e-12 * scale:
            raise _singular(jx)
        a[c], a[piv], b[c], b[piv] = a[piv], a[c], b[piv], b[c]
        inv = 1 / a[c][c]
        for r in range(c + 1, n):
            f = a[r][c] * inv
            if _real(f) and f == 0:
                continue
            a[r] = [x - f * y for x, y in zip(a[r], a[c])]
            b[r] = [x - f * y for x, y in zip(b[r], b[c])]
    x = np.empty((n, p), dtype=object)
    for r in range(n - 1, -1, -1):
        for k in range(p):
            acc = b[r][k]
            for j in range(r + 1, n):
                acc = acc - a[r][j] * x[j, k]
            x[r, k] = acc / a[r][r]
    return x

