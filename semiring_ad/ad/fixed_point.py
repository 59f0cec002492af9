"""Derivatives of fixed points: the implicit-function theorem as a Kleene star.

x* = g(x*, θ) is a graph with a cycle: θ → x with weight ∂g/∂θ and a loop
x → x with weight ∂g/∂x.  Its path sum θ → x* is ∂g/∂θ ⊗ (∂g/∂x)*, and in
the real semiring the star is (I − A)^-1:

    dx*/dθ = (I − ∂g/∂x)^-1 ∂g/∂θ,

the implicit-function theorem.  :func:`fixed_point` iterates x ← g(x, θ) to
convergence on plain numbers (or float arrays) and records **one** node per
component of x whose local partials are exactly that star, so memory does
not grow with the number of iterations and the derivative does not depend on
how the iteration got there.

The nodes of one call share their work: the per-call rows (``Tape.local``)
look the point up by the identity of their arguments, so the iteration and
the Jacobians ∂g/∂x, ∂g/∂θ (by the element-wise Jacobian of ``g``
at (x*, θ)) run once for all n nodes.  The rows answer every kind of point
the tape meets:

* floats — iterate, then ``numpy.linalg.solve`` (:mod:`~semiring_ad.ad.implicit`);
* traced or dual values of an outer transformation (``grad(grad(f))``,
  ``hessian``/``hvp`` replaying the tape at dual points) — the n nodes are
  recorded there too, and the partials are computed with the generic
  arithmetic, so they are differentiated in turn;
* NumPy arrays of points (``vmap_grad`` replaying the tape at a batch) — one
  fixed point per point; the partials come from one trace of ``g`` re-evaluated
  at all points (``ComputationGraph.at``) and a batched solve, or from a trace
  per point where ``g`` branches differently.

Under the array tracer (``semiring_ad.arrays.grad`` …) the call is handed to
:mod:`semiring_ad.ad.arrays.fixed_point` through NumPy's
``__array_function__`` protocol: one node, edge maps kept as linear maps.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import StaleTraceError, TraceError
from .computation import _concrete, _jacobian_matrix, jacobian_of_graph
from .dispatch import apply
from .implicit import implicit_solve, implicit_solve_batched, iterate, primal
from .primitives import Primitive
from .tracing import trace

__all__ = ["fixed_point"]

_PLAIN = (float, int)
_NUMBER = (float, int, np.integer, np.floating)
_CACHE_SIZE = 8


def _plain(x: Any) -> bool:
    if isinstance(x, (list, tuple)):
        x = np.asarray(x, dtype=object)
    if isinstance(x, np.ndarray):
        return x.dtype != object or all(isinstance(v, _NUMBER) for v in x.flat)
    return isinstance(x, _NUMBER)


def _as_param(p: Any) -> Any:
    """Lists and tuples as arrays (float arrays when they hold only numbers), as ``g`` will see them."""
    if isinstance(p, (list, tuple)):
        p = np.asarray(p, dtype=object)
    if isinstance(p, np.ndarray) and p.dtype == object and _plain(p):
        return primal(p)
    return p


def _array_hook(x: Any) -> Any:
    """The ``__array_function__`` of an array-traced value (this library's; not NumPy's arrays, nor others')."""
    if isinstance(x, (np.ndarray, np.generic)) or not type(x).__module__.startswith("semiring_ad."):
        return None
    return getattr(type(x), "__array_function__", None)


def fixed_point(g: Callable[..., Any], x0: Any, *params: Any, tol: float = 1e-12, max_iter: int = 10_000) -> Any:
    """The fixed point ``x = g(x, *params)``, differentiable in ``params`` by the implicit-function theorem.

    Parameters
    ----------
    g : callable
        ``g(x, *params)``, written with Python arithmetic, NumPy and
        ``semiring_ad``'s functions (it is differentiated by tracing); it maps
        x to a value of x's shape.
    x0 : float or array_like
        The starting point (a number, or an array for a vector fixed point);
        the result does not depend on it, nor does its derivative.
    *params : float, array_like or traced value
        The parameters; derivatives flow through them.
    tol : float
        Stop when max|x_{k+1} − x_k| <= tol · max(1, max|x_{k+1}|).
    max_iter : int
        At most this many applications of ``g``.

    Returns
    -------
    float, ndarray or traced value
        The fixed point, shaped like ``x0``.  Inside ``grad``/``jacfwd``/``jacrev``/
        ``hessian``/``vmap_grad`` (nested too) each component is one node whose
        partials are the rows of (I − ∂g/∂x)^-1 ∂g/∂θ, the star of the loop x → x.
        Inside ``semiring_ad.arrays.grad`` (and its siblings) the whole array is one node.

    Raises
    ------
    ConvergenceError
        If the iteration does not converge (or leaves the finite numbers).
    NoStarError
        If I − ∂g/∂x is singular at the fixed point: the star, and the derivative, do not exist.

    Examples
    --------
    x = a·cos x; the implicit-function theorem gives dx/da = cos x / (1 + a·sin x):

    >>> import math
    >>> import semiring_ad as sad
    >>> x_of = lambda a: fixed_point(lambda x, a: a * sad.cos(x), 0.0, a)
    >>> x = x_of(0.5)
    >>> round(x, 6), math.isclose(sad.grad(x_of)(0.5), math.cos(x) / (1 + 0.5 * math.sin(x)))
    (0.450184, True)

    Babylonian square root, x <- (x + a/x)/2: dx/da = 1/(2√a).

    >>> sad.grad(lambda a: fixed_point(lambda x, a: (x + a / x) / 2, 1.0, a))(4.0)
    0.25

    A vector fixed point x = A x + b: dx/db = (I − A)^-1.

    >>> A = np.array([[0.5, 0.25], [0.0, 0.5]])
    >>> sad.jacobian(lambda b: fixed_point(lambda x, b: A @ x + b, np.zeros(2), b))(np.ones(2))
    array([[2., 1.],
           [0., 2.]])
    """
    for x in (x0, *params):
        hook = _array_hook(x)
        if hook is not None:  # the array tracer: one node for the whole array
            return hook(x, fixed_point, (type(x),), (g, x0, *params), {"tol": tol, "max_iter": max_iter})
    shape = None if np.ndim(x0) == 0 and not isinstance(x0, (list, tuple, np.ndarray)) else np.shape(x0)
    start = primal(x0) if shape is None else primal(np.asarray(x0, dtype=object))
    params = tuple(_as_param(p) for p in params)
    traced = [k for k, p in enumerate(params) if not _plain(p)]
    if not traced:
        return iterate(g, start, params, tol, max_iter)
    call = _Call(g, start, shape, params, traced, tol, max_iter)
    outs = [apply(prim, *call.flat) for prim in call.primitives()]
    if shape is None:
        return outs[0]
    arr = np.empty(len(outs), dtype=object)
    for i, v in enumerate(outs):
        arr[i] = v
    return arr.reshape(shape)


class _Call:
    """One call of :func:`fixed_point`: its per-call rows and the cache they share."""

    def __init__(self, g: Callable[..., Any], start: Any, shape: tuple | None, params: tuple, traced: list[int],
                 tol: float, max_iter: int) -> None:
        self.g, self.start, self.shape, self.params = g, start, shape, params
        self.tol, self.max_iter = tol, max_iter
        self.layout: list[tuple[int, tuple | None]] = []
        self.flat: list[Any] = []
        for k in traced:
            p = params[k]
            if isinstance(p, (list, tuple, np.ndarray)):
                arr = np.asarray(p, dtype=object)
                self.layout.append((k, arr.shape))
                self.flat.extend(arr.reshape(-1))
            else:
                if type(p).__module__.startswith("sympy"):
                    raise TraceError("fixed_point takes numbers, arrays or traced values as parameters; a SymPy "
                                     "expression has no iteration to run (a fixed point has no closed form)")
                self.layout.append((k, None))
                self.flat.append(p)
        self.n = 1 if shape is None else int(np.prod(shape, dtype=int))
        self.cache: dict[tuple, list] = {}
        self.prims: list[Primitive] = []

    def primitives(self) -> list[Primitive]:
        p = len(self.flat)
        doc = "the fixed point x = g(x, *params); partials by the implicit-function theorem."
        self.prims = [Primitive("fixed_point", p, self._value(i), tuple(self._partial(i, k) for k in range(p)),
                                _no_sympy, None, doc) for i in range(self.n)]
        return self.prims

    # -- the point --------------------------------------------------------------
    def params_at(self, flat: list[Any]) -> tuple:
        """The parameters with the traced ones taken from ``flat`` (numbers, or object arrays)."""
        out, at = list(self.params), 0
        for k, shape in self.layout:
            if shape is None:
                out[k] = flat[at]
                at += 1
            else:
                size = int(np.prod(shape, dtype=int))
                chunk = flat[at:at + size]
                at += size
                arr = np.empty(size, dtype=object)
                for j, v in enumerate(chunk):
                    arr[j] = v
                out[k] = primal(arr).reshape(shape) if all(type(v) in _PLAIN for v in chunk) else arr.reshape(shape)
        return tuple(out)

    def _entry(self, args: tuple) -> list:
        """[args, x* components, dx*/dθ or None], computed once per point (keyed by the arguments' identity)."""
        key = tuple(map(id, args))
        entry = self.cache.get(key)
        if entry is not None and all(a is b for a, b in zip(entry[0], args)):
            return entry
        if all(isinstance(a, _NUMBER) for a in args):
            x = iterate(self.g, self.start, self.params_at([float(a) for a in args]), self.tol, self.max_iter)
            xs: list[Any] = [x] if self.shape is None else np.reshape(x, -1).tolist()
        elif any(isinstance(a, np.ndarray) for a in args):
            xs = self._batched(args)
        elif any(type(a).__module__.startswith("sympy") for a in args):
            raise TraceError("fixed_point has no SymPy counterpart: a fixed point has no closed form in general; "
                             "re-evaluate the trace at numbers (or dual numbers, arrays of points)")
        else:  # values of an outer transformation: record the n nodes there too
            xs = [apply(prim, *args) for prim in self.prims]
        if len(self.cache) >= _CACHE_SIZE:
            self.cache.pop(next(iter(self.cache)))
        entry = self.cache[key] = [args, xs, None]  # holding ``args`` keeps their ids from being reused
        return entry

    def _derivative(self, args: tuple, entry: list) -> Any:
        if entry[2] is None:
            if any(isinstance(a, np.ndarray) for a in args):
                entry[2] = self._batched_derivative(args, entry[1])
            else:
                entry[2] = self._implicit(entry[1], [float(a) if isinstance(a, np.floating) else a for a in args])
        return entry[2]

    def _h(self) -> Callable[[Any, Any], Any]:
        """g on flat vectors, (x, θ) -> g(x, θ) flattened: the function whose Jacobians the star needs."""
        shape = self.shape

        def h(xf: Any, tf: Any) -> Any:
            x = xf[0] if shape is None else xf.reshape(shape)
            out = self.g(x, *self.params_at(list(tf)))
            if shape is None:
                return [out]
            return np.asarray(out, dtype=object).reshape(-1)

        return h

    def _implicit(self, xs: list[Any], flat: list[Any]) -> np.ndarray:
        """(I − ∂g/∂x)^-1 ∂g/∂θ at (x*, θ): the Jacobians of ``g`` by the element-wise API, then the solve."""
        xa, ta = np.empty(len(xs), dtype=object), np.empty(len(flat), dtype=object)
        xa[:], ta[:] = xs, flat
        flat_j = _jacobian_matrix(trace(self._h(), xa, ta), "auto")  # (n, n + p): outputs × (x, θ)
        jx, jt = _concrete(flat_j[:, :self.n]), _concrete(flat_j[:, self.n:])
        return implicit_solve(np.asarray(jx).reshape(self.n, self.n), np.asarray(jt).reshape(self.n, len(flat)))

    def _implicit_at_points(self, at: np.ndarray, thetas: np.ndarray) -> np.ndarray:
        """(I − ∂g/∂x)^-1 ∂g/∂θ at N points at once, ``(N, n, p)``: one trace of g, re-evaluated at all points."""
        graph = trace(self._h(), at[0], thetas[0])
        J = jacobian_of_graph(graph.at(at.T, thetas.T))  # (n, n + p, N): the points' axis last
        J = np.moveaxis(np.broadcast_to(J, (self.n, self.n + thetas.shape[1], len(at))), -1, 0)
        return implicit_solve_batched(J[:, :, :self.n], J[:, :, self.n:])

    # -- arrays of points (vmap_grad) ---------------------------------------------
    def _points(self, args: tuple) -> tuple[tuple, list[list[Any]]]:
        arrays = np.broadcast_arrays(*[np.asarray(a, dtype=float) for a in args])
        points = arrays[0].shape
        return points, [[float(a[idx]) for a in arrays] for idx in np.ndindex(points)]

    def _batched(self, args: tuple) -> list[np.ndarray]:
        points, flats = self._points(args)
        per = [iterate(self.g, self.start, self.params_at(f), self.tol, self.max_iter) for f in flats]
        stacked = np.asarray(per, dtype=float).reshape(len(flats), self.n)
        return [stacked[:, i].reshape(points) for i in range(self.n)]

    def _batched_derivative(self, args: tuple, xs: list[np.ndarray]) -> np.ndarray:
        points, flats = self._points(args)
        at = np.stack([np.broadcast_to(x, points).reshape(-1) for x in xs], axis=-1)  # (number of points, n)
        try:
            stacked = self._implicit_at_points(at, np.asarray(flats, dtype=float).reshape(len(flats), -1))
        except StaleTraceError:  # g branches differently at some points: one trace per point
            stacked = np.asarray([self._implicit(at[j].tolist(), f) for j, f in enumerate(flats)], dtype=float)
        out = np.empty(stacked.shape[1:], dtype=object)  # (n, p) entries, each an array over the points
        for idx in np.ndindex(out.shape):
            out[idx] = stacked[(slice(None), *idx)].reshape(points)
        return out

    # -- the rows -------------------------------------------------------------------
    def _value(self, i: int) -> Callable[..., Any]:
        def value(m: Any, *args: Any) -> Any:
            return self._entry(args)[1][i]

        return value

    def _partial(self, i: int, k: int) -> Callable[..., Any]:
        def rule(m: Any, *args: Any) -> Any:
            *ps, _out = args
            ps = tuple(ps)
            d = self._derivative(ps, self._entry(ps))[i, k]  # row i of ∂g/∂θ ⊗ (∂g/∂x)*
            return float(d) if isinstance(d, np.floating) else d

        return rule


def _no_sympy(*args: Any) -> Any:
    raise TraceError("fixed_point has no SymPy counterpart: a fixed point has no closed form in general")
