"""The public math functions (``semiring_ad.sin`` ...) and the dispatch protocol.

This module owns one decision: who computes a primitive for these arguments.
Every function here is generated from its row in
:data:`~semiring_ad.primitives.PRIMITIVES` and calls :func:`apply`, the single
entry point:

1. An argument whose type defines ``__semiring_ad_apply__(self, primitive, args)``
   and ``__semiring_ad_level__`` intercepts the call.  Among several such
   arguments the one with the *highest* level handles it (the innermost
   transformation wins; it treats the others as constants).  An instance
   attribute ``level`` overrides ``__semiring_ad_level__``; ties go to the
   leftmost argument.  Tracers and :class:`~semiring_ad.dual.Dual` numbers
   hook in this way.
2. Otherwise the argument types pick a math namespace: floats and ints ->
   FLOAT (returns a ``float``; outside the domain raises
   :class:`~semiring_ad.errors.DomainError`), NumPy arrays -> NUMPY
   (elementwise), SymPy objects -> SYMPY (exact expressions).

:func:`new_level` hands out increasing levels, so a transformation started
inside another one outranks it.

>>> import numpy as np, sympy
>>> sin(0.0), exp(np.array([0.0, 1.0])), tanh(sympy.Symbol("x"))
(0.0, array([1.        , 2.71828183]), tanh(x))
>>> apply("maximum", 2.0, 3)
3.0
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from .primitives import FLOAT, GENERIC, PRIMITIVES, Primitive, evaluate, get_primitive, namespace_for

__all__ = [
    "abs", "absolute", "add", "apply", "arccos", "arcsin", "arctan", "cos", "cosh", "divide", "exp", "expm1",
    "log", "log1p", "maximum", "minimum", "multiply", "negative", "new_level", "power", "reciprocal", "relu",
    "sigmoid", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh",
]  # fmt: skip

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
    """Apply primitive ``op`` (a name or a :class:`~semiring_ad.primitives.Primitive`) to ``args``.

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


_EXAMPLES = {
    "add": ("2.0, 3.0", "5.0"), "subtract": ("2.0, 3.0", "-1.0"), "multiply": ("2.0, 3.0", "6.0"),
    "divide": ("3.0, 2.0", "1.5"), "negative": ("2.0", "-2.0"), "power": ("2.0, 10", "1024.0"),
    "square": ("3.0", "9.0"), "sqrt": ("16.0", "4.0"), "reciprocal": ("4.0", "0.25"), "exp": ("0.0", "1.0"),
    "expm1": ("1e-10", "1.00000000005e-10"), "log": ("1.0", "0.0"), "log1p": ("-0.5", "-0.6931471805599453"),
    "sin": ("0.0", "0.0"), "cos": ("0.0", "1.0"), "tan": ("0.0", "0.0"), "arcsin": ("1.0", "1.5707963267948966"),
    "arccos": ("1.0", "0.0"), "arctan": ("1.0", "0.7853981633974483"), "sinh": ("0.0", "0.0"),
    "cosh": ("0.0", "1.0"), "tanh": ("0.0", "0.0"), "sigmoid": ("0.0", "0.5"), "abs": ("-2.0", "2.0"),
    "maximum": ("2.0, 3", "3.0"), "minimum": ("2.0, 3", "2.0"), "relu": ("-2.0", "0.0"),
}  # fmt: skip


def _make(name: str) -> Callable[..., Any]:
    """The public function for the row ``name``, with its docstring and example."""
    prim = PRIMITIVES[name]
    if prim.arity == 1:

        def function(x: Any) -> Any:
            return apply(name, x)

        params = "x : float, int, numpy.ndarray, sympy.Expr, or a dual number or tracer"
    else:

        def function(a: Any, b: Any) -> Any:  # type: ignore[misc]
            return apply(name, a, b)

        params = "a, b : float, int, numpy.ndarray, sympy.Expr, or dual numbers or tracers"
    call, expected = _EXAMPLES[name]
    function.__name__ = function.__qualname__ = name
    function.__doc__ = (
        f"{prim.doc[0].upper()}{prim.doc[1:]}\n\n"
        f"Generated from the ``{name}`` row of the primitive table; dispatches through :func:`apply`.\n\n"
        f"Parameters\n----------\n{params}\n\n"
        "Returns\n-------\nfloat, numpy.ndarray, sympy.Expr, or the intercepting argument's type\n\n"
        f"Examples\n--------\n>>> {name}({call})\n{expected}\n"
    )
    return function


add = _make("add")
subtract = _make("subtract")
multiply = _make("multiply")
divide = _make("divide")
negative = _make("negative")
power = _make("power")
square = _make("square")
sqrt = _make("sqrt")
reciprocal = _make("reciprocal")
exp = _make("exp")
expm1 = _make("expm1")
log = _make("log")
log1p = _make("log1p")
sin = _make("sin")
cos = _make("cos")
tan = _make("tan")
arcsin = _make("arcsin")
arccos = _make("arccos")
arctan = _make("arctan")
sinh = _make("sinh")
cosh = _make("cosh")
tanh = _make("tanh")
sigmoid = _make("sigmoid")
abs = _make("abs")  # the NumPy name; shadows the builtin inside this module only
absolute = abs
maximum = _make("maximum")
minimum = _make("minimum")
relu = _make("relu")
