"""Dispatch: who computes a primitive for these arguments, and the one entry point :func:`apply`.

1. An argument whose type defines ``__semiring_ad_apply__(self, primitive, args)``
   and ``__semiring_ad_level__`` intercepts the call.  Among several such
   arguments the one with the *highest* level handles it (the innermost
   transformation wins; it treats the others as constants).  An instance
   attribute ``level`` overrides ``__semiring_ad_level__``; ties go to the
   leftmost argument.  Tracers and :class:`~semiring_ad.ad.dual.Dual` numbers
   hook in this way.
2. Otherwise the argument types pick a math namespace (:func:`namespace_for`):
   floats and ints -> FLOAT (returns a ``float``; outside the domain raises
   :class:`~semiring_ad.errors.DomainError`), NumPy arrays -> NUMPY
   (elementwise), SymPy objects -> SYMPY (exact expressions).

:data:`GENERIC` is the namespace whose every function calls :func:`apply`, so
a rule evaluated in it runs on dual numbers and tracers too.  :func:`new_level`
hands out increasing levels, so a transformation started inside another one
outranks it.

>>> import numpy as np, sympy
>>> apply("maximum", 2.0, 3)
3.0
>>> evaluate("sin", np.array([0.0])), local_partials("tanh", sympy.Symbol("x"))
(array([0.]), (tanh(x), (1 - tanh(x)**2,)))
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .._sympy import is_sympy
from ..errors import DomainError
from .finite import partial_error
from .namespaces import FLOAT, NAMESPACE_FUNCTIONS, NUMPY, SYMPY, MathNamespace, _sign, _step_ge, _step_gt
from .primitives import Primitive, get_primitive

__all__ = ["GENERIC", "apply", "evaluate", "local_partials", "namespace_for", "new_level"]


def _dispatching(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        return apply(name, *args)

    call.__name__ = name
    return call


def _by_comparison(name: str, compare: Callable[..., int]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        m = namespace_for(args)
        return compare(*args) if m is GENERIC else getattr(m, name)(*args)

    call.__name__ = name
    return call


GENERIC = MathNamespace(
    "generic",
    sign=_by_comparison("sign", _sign),
    step_ge=_by_comparison("step_ge", _step_ge),
    step_gt=_by_comparison("step_gt", _step_gt),
    **{name: _dispatching(name) for name in NAMESPACE_FUNCTIONS if not name.startswith(("sign", "step_"))},
)
"""Each function calls :func:`apply`, which dispatches on
the argument types (dual numbers, tracers, floats, arrays, SymPy); the
comparison helpers compare with ``>=``/``>`` (by value for dual numbers)."""


def namespace_for(args: Iterable[Any]) -> MathNamespace:
    """The namespace for these arguments: FLOAT, NUMPY, SYMPY or GENERIC.

    All ``float``/``int`` -> FLOAT; else any NumPy array -> NUMPY; else any
    SymPy object -> SYMPY; else any NumPy scalar (``np.float32``) -> NUMPY;
    else all real numbers (``Fraction``) -> FLOAT; anything else (dual
    numbers, tracers) -> GENERIC.

    >>> import sympy
    >>> namespace_for((1.0, 2)), namespace_for((1.0, np.ones(2))), namespace_for((sympy.Symbol("x"),))
    (<MathNamespace float>, <MathNamespace numpy>, <MathNamespace sympy>)
    """
    args = tuple(args)
    for a in args:
        if not isinstance(a, (float, int)):
            break
    else:
        return FLOAT
    if any(isinstance(a, np.ndarray) for a in args):
        return NUMPY
    if any(is_sympy(a) for a in args):
        return SYMPY
    if any(isinstance(a, np.generic) for a in args):
        return NUMPY
    if all(isinstance(a, numbers.Real) for a in args):
        return FLOAT
    return GENERIC


def evaluate(name: str | Primitive, *args: Any, m: MathNamespace | None = None) -> Any:
    """The value of primitive ``name`` at ``args``; ``m=None`` picks the namespace (:func:`namespace_for`).

    >>> evaluate("power", 2.0, 10), evaluate("maximum", np.array([1.0, 5.0]), 2.0)
    (1024.0, array([2., 5.]))
    >>> evaluate("log", -1.0)
    Traceback (most recent call last):
      ...
    semiring_ad.errors.DomainError: log(-1.0) is undefined: log is defined for x > 0
    """
    prim = name if isinstance(name, Primitive) else get_primitive(name)
    if m is FLOAT or (m is None and namespace_for(args) is FLOAT):
        _check_arity(prim, args)
        try:
            out = prim.value(FLOAT, *args)
            return out if type(out) is float else float(_real(out))
        except (ArithmeticError, ValueError) as exc:
            _raise_domain_error(prim, args, exc)
    return local_partials(prim, *args, m=m, wrt=())[0]


def local_partials(
    name: str | Primitive, *args: Any, m: MathNamespace | None = None, wrt: Iterable[int] | None = None
) -> tuple[Any, tuple[Any, ...]]:
    """The value and the local partials ∂out/∂args[i] for each index in ``wrt`` (default: all).

    Partials of arguments not in ``wrt`` are never computed, so ``x ** 3``
    differentiated in ``x`` needs no ``log(x)``.  FLOAT values come back as
    ``float``; SymPy results are SymPy objects (exact).

    >>> local_partials("power", -2.0, 3, wrt=(0,))
    (-8.0, (12.0,))
    >>> local_partials("maximum", 1.0, 1.0)  # a tie goes to the first argument
    (1.0, (1, 0))
    """
    prim = name if isinstance(name, Primitive) else get_primitive(name)
    _check_arity(prim, args)
    m = namespace_for(args) if m is None else m
    indices = range(prim.arity) if wrt is None else wrt
    if m is FLOAT:
        stage = None
        try:
            out = float(_real(prim.value(FLOAT, *args)))
            parts = []
            for stage in indices:
                parts.append(_real(prim.partials[stage](FLOAT, *args, out)))
            return out, tuple(parts)
        except (ArithmeticError, ValueError) as exc:
            if stage is not None:
                raise partial_error(prim, args, stage) from exc
            _raise_domain_error(prim, args, exc)
    out = prim.value(m, *args)
    parts = tuple(prim.partials[i](m, *args, out) for i in indices)
    if m is SYMPY:
        import sympy

        return sympy.sympify(out), tuple(sympy.sympify(p) for p in parts)
    return out, parts


def _check_arity(prim: Primitive, args: Sequence[Any]) -> None:
    if len(args) != prim.arity:
        raise TypeError(f"primitive {prim.name!r} takes {prim.arity} argument(s), got {len(args)}")


def _real(v: Any) -> Any:
    if isinstance(v, complex):
        raise ValueError(f"the result {v!r} is complex")
    return v


def _raise_domain_error(prim: Primitive, args: Sequence[Any], exc: Exception) -> None:
    """Re-raise a float failure as a DomainError naming the call, the argument and the domain."""
    call = f"{prim.name}({', '.join(map(repr, args))})"
    if isinstance(exc, DomainError) and str(exc).startswith(call):
        raise exc  # already says it all
    raise DomainError(f"{call} is undefined: {exc}. {prim.name}: {prim.doc}") from exc


_PLAIN = frozenset((float, int, bool))
_LEVELS = itertools.count(1)


def new_level() -> int:
    """A fresh level for a new transformation; later calls give higher levels.

    A transformation started inside another one (a nested derivative) then
    outranks it, which is what keeps their perturbations apart.

    >>> new_level() < new_level()
    True
    """
    return next(_LEVELS)


def apply(op: str | Primitive, *args: Any) -> Any:
    """Apply primitive ``op`` (a name or a :class:`~semiring_ad.ad.primitives.Primitive`) to ``args``.

    Dispatch: the highest-level argument implementing ``__semiring_ad_apply__``
    handles the call; otherwise floats -> FLOAT, arrays -> NUMPY, SymPy -> SYMPY.

    Raises
    ------
    UnknownPrimitiveError
        If ``op`` names no row of the table.
    DomainError
        For float arguments outside the primitive's domain.
    TypeError
        For a wrong number of arguments or arguments no namespace understands.

    Examples
    --------
    >>> apply("power", 2.0, 3)
    8.0
    >>> apply("divide", 1.0, 0.0)
    Traceback (most recent call last):
      ...
    semiring_ad.errors.DomainError: divide(1.0, 0.0) is undefined: divide is defined for b != 0
    """
    prim = op if isinstance(op, Primitive) else get_primitive(op)
    if len(args) != prim.arity:
        raise TypeError(f"{prim.name} takes {prim.arity} argument(s), got {len(args)}")
    for a in args:
        if type(a) not in _PLAIN:
            break
    else:  # hot path: plain numbers
        try:
            out = prim.value(FLOAT, *args)
        except (ArithmeticError, ValueError):
            out = None  # evaluate() below raises the DomainError that names the call
        return out if type(out) is float else evaluate(prim, *args, m=FLOAT)
    if len(args) == 1:  # one argument: no levels to compare
        hook = getattr(type(args[0]), "__semiring_ad_apply__", None)
        if hook is not None:
            return hook(args[0], prim, args)
    handler = _handler(args)
    if handler is not None:
        return handler.__semiring_ad_apply__(prim, args)
    m = namespace_for(args)
    if m is GENERIC:
        kinds = ", ".join(type(a).__name__ for a in args)
        raise TypeError(
            f"semiring_ad.{prim.name} got arguments of type ({kinds}); expected floats, NumPy arrays, SymPy "
            "expressions, or objects whose type implements __semiring_ad_apply__ and __semiring_ad_level__"
        )
    return evaluate(prim, *args, m=m)


def _handler(args: tuple[Any, ...]) -> Any:
    """The argument of highest level that implements the dispatch protocol, or None."""
    best, best_level = None, None
    for a in args:
        cls = type(a)
        if cls in _PLAIN or not (hasattr(cls, "__semiring_ad_apply__") and hasattr(cls, "__semiring_ad_level__")):
            continue
        level = getattr(a, "level", None)
        if level is None:
            level = a.__semiring_ad_level__
        if best is None or level > best_level:
            best, best_level = a, level
    return best
