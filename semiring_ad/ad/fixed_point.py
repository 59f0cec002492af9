"""Derivatives of fixed points: the implicit-function theorem as a Kleene star.

x* = g(x*, θ) is a graph with a cycle: θ → x with weight ∂g/∂θ and a loop
x → x with weight ∂g/∂x.  Its path sum θ → x* is ∂g/∂θ ⊗ (∂g/∂x)*, and in
the real semiring the star is 1/(1 − a):

    dx*/dθ = (1 − ∂g/∂x)^-1 ∂g/∂θ,

the implicit-function theorem.  :func:`fixed_point` iterates x ← g(x, θ) to
convergence on plain numbers and records **one** node whose local partials
are exactly that star, so memory does not grow with the number of
iterations and the derivative does not depend on how the iteration got there.
The partials are computed with :func:`~semiring_ad.ad.api.grad` of ``g`` at
(x*, θ) and written with the generic arithmetic, so under nested derivatives
they are themselves recorded and differentiated.

Scope: scalar x and scalar parameters.  A vector fixed point needs the matrix
star (I − ∂g/∂x)^-1, i.e. linear maps as edge weights; re-evaluating a tape
at a new point (``ComputationGraph.at``, used by ``hessian``/``hvp``/
``vmap_grad``) finds primitives by name in the table and so cannot replay
this per-call node — use ``jacfwd(grad(f))`` for second derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..core.semirings import PLUS_TIMES
from ..errors import ConvergenceError, TraceError
from .api import grad
from .dispatch import apply
from .primitives import Primitive

__all__ = ["fixed_point"]


def _plain(args: tuple) -> bool:
    return all(type(a) in (float, int) for a in args)


def _primal(x: Any) -> float:
    """The number under any nesting of traced or dual values."""
    while not isinstance(x, (int, float)) and hasattr(x, "value"):
        x = x.value
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TraceError(f"fixed_point needs a number as its starting point x0, got {type(x).__name__}") from None


def _iterate(g: Callable[..., Any], x0: float, params: tuple, tol: float, max_iter: int) -> float:
    x = x0
    for k in range(max_iter):
        nxt = g(x, *params)
        if type(nxt) is not float:
            nxt = _primal(nxt)
        if not math.isfinite(nxt):
            raise ConvergenceError(
                f"fixed_point diverged: iterate {k + 1} of x <- g(x, *params) is {nxt} (from {x!r}) at "
                f"params={params!r}; start closer to the fixed point (x0) or check that |dg/dx| < 1 near it",
                (x, nxt))
        if abs(nxt - x) <= tol * max(1.0, abs(nxt)):
            return nxt
        x = nxt
    raise ConvergenceError(
        f"fixed_point did not converge in {max_iter} iterations at params={params!r}: the last step was "
        f"{abs(nxt - x):.3g} (tol={tol:g}), last iterate {nxt!r}; raise max_iter, loosen tol or start closer "
        "(the iteration converges where |dg/dx| < 1)", (x, nxt))


def fixed_point(g: Callable[..., Any], x0: Any, *params: Any, tol: float = 1e-12, max_iter: int = 10_000) -> Any:
    """The fixed point ``x = g(x, *params)``, differentiable in ``params`` by the implicit-function theorem.

    Parameters
    ----------
    g : callable
        ``g(x, *params)``, written with Python arithmetic and ``semiring_ad``'s
        functions (it is differentiated by tracing).
    x0 : float
        The starting point; the result does not depend on it, nor does its derivative.
    *params : float or traced value
        The parameters; derivatives flow through them.
    tol : float
        Stop when |x_{k+1} − x_k| <= tol · max(1, |x_{k+1}|).
    max_iter : int
        At most this many applications of ``g``.

    Returns
    -------
    float or traced value
        The fixed point.  Inside ``grad``/``jacfwd``/``jacrev`` (nested too) it is one
        node whose partial with respect to θ_i is ∂g/∂θ_i · (1 − ∂g/∂x)^-1,
        the star of the loop x → x.

    Raises
    ------
    ConvergenceError
        If the iteration does not converge (or leaves the finite numbers).
    NoStarError
        If ∂g/∂x = 1 at the fixed point: the star, and the derivative, do not exist.

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
    """
    start = _primal(x0)
    if not params:
        return _iterate(g, start, (), tol, max_iter)
    last: list = []

    def value(m: Any, *ps: Any) -> Any:
        if _plain(ps):
            return _iterate(g, start, ps, tol, max_iter)
        if any(type(p).__module__.startswith(("sympy", "numpy")) for p in ps):
            raise TraceError("fixed_point takes scalar parameters (floats or traced values); SymPy expressions "
                             "and arrays have no iteration to run here")
        return apply(prim, *ps)  # a value of an outer transformation: record the one node there too

    def partial(i: int) -> Callable[..., Any]:
        def rule(m: Any, *args: Any) -> Any:
            *ps, out = args
            key = (out, *ps)
            if not last or any(a is not b for a, b in zip(last[0], key, strict=True)):
                grads = grad(g, argnums=tuple(range(len(ps) + 1)))(out, *ps)
                last[:] = [key, grads[0], grads[1:]]
            gx, gps = last[1], last[2]
            return gps[i] * PLUS_TIMES.star(gx)  # ∂g/∂θ_i ⊗ (∂g/∂x)*: the path θ_i → x, round the loop

        return rule

    prim = Primitive("fixed_point", len(params), value, tuple(partial(i) for i in range(len(params))),
                     _no_sympy, None, "the fixed point x = g(x, *params); partials by the implicit-function theorem.")
    return apply(prim, *params)


def _no_sympy(*args: Any) -> Any:
    raise TraceError("fixed_point has no SymPy counterpart: a fixed point has no closed form in general")
