"""Which tracer a derivative uses: the array path for NumPy arrays, the element-wise path otherwise.

Every public derivative function of :mod:`semiring_ad.ad.api` (``grad``,
``value_and_grad``, ``jacobian``/``jacfwd``/``jacrev``, ``jvp``, ``vjp``,
``hessian``, ``hvp``, ``vmap_grad``) calls :func:`hook` first.  At call time:

* a differentiated argument that is, or a pytree (dict, list, tuple) that
  contains, a float NumPy array with ``ndim >= 1`` takes the **array path**
  (:mod:`semiring_ad.ad.arrays`: one node per array operation, linear maps on
  the edges);
* anything else (Python numbers, lists of numbers, integer arrays, SymPy
  symbols, object arrays of traced values) takes the **element-wise path**:
  the function's own body in :mod:`semiring_ad.ad.api`, one node per scalar;
* ``per_element=True`` forces the element-wise path.

``vmap_grad`` (per-example gradients) also weighs the size of one example:
up to :data:`VMAP_ELEMENTWISE_MAX` scalars per example it keeps the
element-wise path, which traces one example and re-evaluates that tape at all
examples at once; above, it traces each example with the array tracer.

**Fallback.**  When the array path raises — an operation it has no rule for
(:class:`~semiring_ad.errors.UnsupportedOperationError`), a traced array
converted to a float or used as one truth value, a method NumPy arrays have
and the tracer does not — the element-wise path runs the function again and
its result (or error) is the answer, so no program that worked element-wise
stops working.  The price is a second run of the function (its side effects
happen twice) and the element-wise speed.  A result of the array path with a
NaN or infinity also goes to the element-wise path, which reports the domain
error precisely (:mod:`semiring_ad.ad.finite`).

Keyword arguments of the returned function are passed to ``f`` on both paths;
``has_aux=True`` (``f`` returns ``(output, aux)``) works on both paths too.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import TraceError
from . import tracing as _tracing
from .arrays import api as _arrays
from .arrays import second_order as _second
from .arrays.graph import trace_arrays
from .arrays.pytree import flatten, unflatten

__all__ = ["array_path", "trace", "uses_arrays"]

_RAW = [False]  # set while an element-wise body is built: API calls inside it stay element-wise


def _is_float_array(x: Any) -> bool:
    return type(x) is np.ndarray and x.ndim >= 1 and x.dtype.kind == "f"


def uses_arrays(args: Sequence[Any], argnums: Any = None, batched: bool = False) -> bool:
    """Whether the differentiated ``args`` hold a float NumPy array with ``ndim >= 1`` (``batched``: per point).

    >>> uses_arrays((np.ones(3),)), uses_arrays(([1.0, 2.0],)), uses_arrays((np.ones(3, dtype=int),))
    (True, False, False)
    """
    if argnums is None:
        nums: Sequence[int] = range(len(args))
    else:
        nums = (argnums,) if isinstance(argnums, (int, np.integer)) else argnums
    for k in nums:
        if not -len(args) <= k < len(args):
            return False  # the element-wise path reports the bad argnums
        for leaf in flatten(args[k])[0]:
            if _is_float_array(leaf) and (not batched or leaf.ndim >= 2):
                return True
    return False


VMAP_ELEMENTWISE_MAX = 1000
"""``vmap_grad`` keeps the element-wise path up to this many scalars per point (all arguments)."""


def _prefers_arrays(name: str, args: Sequence[Any], argnums: Any) -> bool:
    """The rule of the module docstring; ``vmap_grad`` also weighs the size of one point.

    The element-wise ``vmap_grad`` traces one point and re-evaluates that tape at
    every point at once (vectorised over the batch), which wins for small
    points; the array path traces each point, one node per array operation,
    which wins once a point has many scalars (an MLP's weights).
    """
    if name != "vmap_grad":
        return uses_arrays(args, argnums)
    if not uses_arrays(args, argnums, batched=True):
        return False
    sizes = [np.size(x) // max(1, np.shape(x)[0]) for a in args for x in flatten(a)[0] if np.ndim(x)]
    return sum(sizes) > VMAP_ELEMENTWISE_MAX


def _finite(result: Any) -> bool:
    """Whether no float leaf of ``result`` holds a NaN or an infinity (a sum is finite iff its terms are,
    barring overflow, which then only costs a detour through the element-wise path)."""
    for leaf in flatten(result)[0]:
        if isinstance(leaf, np.ndarray) and leaf.dtype.kind == "f" and not np.isfinite(leaf.sum()):
            return False
        if isinstance(leaf, float) and not np.isfinite(leaf):
            return False
    return True


def _plain(x: Any) -> Any:
    """A value with element-wise traced numbers replaced by their values (for ``aux``)."""
    if isinstance(x, np.ndarray) and x.dtype == object:
        return np.vectorize(_plain, otypes=[object])(x) if x.size else x
    value = getattr(x, "value", None)
    return x if value is None or not hasattr(x, "__semiring_ad_level__") else _plain(value)


class _Aux:
    """``f`` with keyword arguments bound and its aux output set aside (for the element-wise path)."""

    def __init__(self, f: Callable[..., Any], kwargs: dict, has_aux: bool) -> None:
        self.f, self.kwargs, self.has_aux, self.aux = f, kwargs, has_aux, None

    def __call__(self, *args: Any) -> Any:
        out = self.f(*args, **self.kwargs)
        if not self.has_aux:
            return out
        out, aux = out
        leaves, tree = flatten(aux)
        self.aux = unflatten(tree, [_plain(x) for x in leaves])
        return out


def _built(public: Callable[..., Any], f: Any, spec: tuple, options: dict) -> Any:
    """The element-wise body's result for ``public(f, *spec, **options)`` (nested API calls stay element-wise)."""
    _RAW[0] = True
    try:
        return public(f, *spec, **options)
    finally:
        _RAW[0] = False


def _closure(public: Callable[..., Any], name: str, f: Callable[..., Any], spec: tuple, options: dict,
             per_element: bool, has_aux: bool) -> Callable[..., Any]:
    """The function ``grad(f)`` & co. return: the array path or the element-wise body, chosen per call."""
    a = _SIGNATURES[name].bind(f, *spec, **options).arguments
    array_fn = None if per_element else _ARRAY_BUILDERS[name](f, a, has_aux)
    try:  # built now, so that a bad argument is reported where it is given, as before
        plain, failure = _built(public, f, spec, options), None
    except Exception as exc:  # e.g. a tuple argnums, which only the array hessian takes
        if array_fn is None:
            raise
        plain, failure = None, exc

    def elementwise(args: tuple, kwargs: dict) -> Any:
        if failure is not None:
            raise failure
        if not (kwargs or has_aux):
            return plain(*args)
        bound = _Aux(f, kwargs, has_aux)
        result = _built(public, bound, spec, options)(*args)
        if not has_aux:
            return result
        return ((result[0], bound.aux), result[1]) if name == "value_and_grad" else (result, bound.aux)

    argnums = a.get("argnums", 0)

    def routed(*args: Any, **kwargs: Any) -> Any:
        if array_fn is not None and (failure is not None or _prefers_arrays(name, args, argnums)):
            try:
                result = array_fn(*args, **kwargs)
            except Exception:  # any failure: the element-wise path decides (see the module docstring)
                result = None
            if result is not None and _finite(result):
                return result
        return elementwise(args, kwargs)

    routed.__name__ = routed.__qualname__ = name
    routed.__doc__ = public.__doc__
    return routed


def _immediate(public: Callable[..., Any], name: str, f: Callable[..., Any], spec: tuple, options: dict,
               per_element: bool, has_aux: bool) -> Any:
    """``jvp``, ``vjp``, ``hvp``: the array path's result, or the element-wise body's."""
    primals = spec if name == "vjp" else spec[0] if spec else ()
    array_fn = None if per_element else _ARRAY_NOW[name](options)
    if array_fn is not None and uses_arrays(tuple(primals)):
        try:
            result = array_fn(f, *spec, has_aux=has_aux)
        except Exception:  # any failure: the element-wise path decides
            result = None
        if result is not None and (name == "vjp" or _finite(result)):
            return result
    bound = _Aux(f, {}, has_aux) if has_aux else f
    result = _built(public, bound, spec, options)
    return (*result, bound.aux) if has_aux else result


def array_path(public: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator of the API functions: routes each call by its arguments (see the module docstring).

    The decorated function's own body is the element-wise path; its signature
    declares ``per_element`` (and ``has_aux``), which this wrapper consumes.
    """
    name = public.__name__
    _SIGNATURES[name] = inspect.signature(public)

    @functools.wraps(public)
    def wrapper(f: Callable[..., Any], *spec: Any, per_element: bool = False, has_aux: bool = False,
                **options: Any) -> Any:
        if _RAW[0] or (per_element and not has_aux and name in _ARRAY_NOW):
            return public(f, *spec, **options)
        if name in _ARRAY_NOW:
            return _immediate(public, name, f, spec, options, per_element, has_aux)
        return _closure(public, name, f, spec, options, per_element, has_aux)

    wrapper.__doc__ = _with_note(public.__doc__ or "")
    return wrapper


_NOTE = """Float NumPy arrays (``ndim >= 1``, also inside dicts, lists and tuples) take the array
    path, one node per array operation; anything else, or ``per_element=True``, the
    element-wise path, one node per scalar (trace tables, SymPy, ``ComputationGraph.at``).
    What the array path cannot do falls back to the element-wise path
    (:mod:`semiring_ad.ad.array_dispatch`).

    """


def _with_note(doc: str) -> str:
    """``doc`` with :data:`_NOTE` before its examples."""
    at = doc.find("Examples\n    --------")
    if at >= 0:
        return doc[:at] + "Notes\n    -----\n    " + _NOTE + doc[at:]
    at = doc.find(">>> ")
    return doc[:at] + _NOTE + doc[at:] if at >= 0 else doc + "\n\n    " + _NOTE


def _jacobian_builder(f: Callable[..., Any], a: dict, has_aux: bool) -> Any:
    mode, order = a.get("mode", "auto"), a.get("order", "markowitz")
    if mode not in ("auto", "forward", "reverse") or not (isinstance(order, str) and order == "markowitz"):
        return None
    return _arrays.jacobian(f, a.get("argnums", 0), mode=mode, has_aux=has_aux, sparse=bool(a.get("sparse")))


def _checked_grad(value_and_grad: Callable[..., Any], has_aux: bool) -> Callable[..., Any]:
    """``grad`` from ``value_and_grad``, so that a NaN value (not only a NaN gradient) is seen."""

    def gradient(*args: Any, **kwargs: Any) -> Any:
        value, result = value_and_grad(*args, **kwargs)
        if has_aux:
            value, aux = value
            result = (result, aux)
        return result if _finite(value) else None

    return gradient


def _hessian_builder(f: Callable[..., Any], a: dict, has_aux: bool) -> Any:
    if has_aux:
        return None
    if a.get("sparse"):
        return _second.sparse_hessian(f, a.get("argnums", 0), a.get("coloring", "star"))
    return _second.hessian(f, a.get("argnums", 0))


_SIGNATURES: dict[str, inspect.Signature] = {}
_ARRAY_BUILDERS: dict[str, Callable[..., Any]] = {
    "grad": lambda f, a, has_aux: _checked_grad(_arrays.value_and_grad(f, a.get("argnums", 0), has_aux=has_aux),
                                                has_aux),
    "value_and_grad": lambda f, a, has_aux: _arrays.value_and_grad(f, a.get("argnums", 0), has_aux=has_aux),
    "jacobian": _jacobian_builder,
    "hessian": _hessian_builder,
    "vmap_grad": lambda f, a, has_aux: None if has_aux else _second.vmap_grad(f, a.get("argnums", 0)),
}


def _array_vjp(f: Callable[..., Any], *primals: Any, has_aux: bool = False) -> Any:
    return _arrays.vjp(f, *primals, has_aux=has_aux)


def _array_hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any], has_aux: bool = False) -> Any:
    return _second.hvp(f, primals, tangents)


_ARRAY_NOW: dict[str, Callable[[dict], Any]] = {
    "jvp": lambda options: _arrays.jvp,
    "vjp": lambda options: _array_vjp,
    "hvp": lambda options: _array_hvp if options.get("method", "forward-over-reverse") == "forward-over-reverse"
    else None,
}


def trace(f: Callable[..., Any], *args: Any, argnums: int | Sequence[int] | None = None,
          names: Sequence[str] | None = None, per_element: bool = True) -> Any:
    """Run ``f(*args)`` on traced values: one node per scalar (default) or per array operation.

    ``per_element=True`` (the default) returns the
    :class:`~semiring_ad.ad.computation.ComputationGraph` of
    :func:`semiring_ad.ad.tracing.trace`: one node per scalar, which trace
    tables, ``explain``, drawings, ``ComputationGraph.at`` (re-evaluation with
    branch checks) and SymPy consume — use it for lectures and small
    functions.  ``per_element=False`` returns the
    :class:`~semiring_ad.ad.arrays.graph.ArrayGraph` of
    :func:`~semiring_ad.ad.arrays.graph.trace_arrays`: one node per array
    operation, whatever the arrays' sizes, with linear maps on the edges — use
    it to see or solve the graph of NumPy code at real sizes.

    Examples
    --------
    >>> import numpy as np, semiring_ad as sad
    >>> f = lambda x: np.sum(np.tanh(x) ** 2)
    >>> trace(f, np.ones(50)).n_nodes > 100, trace(f, np.ones(50), per_element=False).n_nodes
    (True, 4)
    """
    if per_element:
        return _tracing.trace(f, *args, argnums=argnums, names=names)
    if names is not None:
        raise TraceError("names label the per-element inputs; the array graph labels its inputs x0, x1, ... "
                         "(leave names out with per_element=False)")
    return trace_arrays(f, *args, argnums=argnums)
