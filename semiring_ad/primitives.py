"""The primitive table: every elementary operation, its value rule and its local partials.

This module owns the rules of differentiation, as data.  One :class:`Primitive`
row per operation holds a value rule and one partial per argument, each
written once against a *math namespace* ``m``; the namespace decides what the
numbers are:

* :data:`FLOAT` — Python floats via :mod:`math`; a value outside a function's
  domain raises :class:`~semiring_ad.errors.DomainError` (never a bare
  ``ValueError``, ``ZeroDivisionError``, ``OverflowError`` or a complex result);
* :data:`NUMPY` — elementwise on arrays, IEEE semantics (nan/inf, warnings);
* :data:`SYMPY` — SymPy expressions, exact (rules use integer constants);
* :data:`GENERIC` — every function dispatches through
  :func:`semiring_ad.functions.apply`, so rules also run on dual numbers,
  tracers and other objects that implement the dispatch protocol.

Tracing (edges weighted by partials), SymPy parsing, dual numbers and the
public math functions all read this table; nothing else knows a derivative.
A new primitive is one :func:`register_primitive` call, and the tests check it
against ``sympy.diff`` and finite differences automatically.

>>> local_partials("sin", 0.0)
(0.0, (1.0,))
>>> import sympy
>>> x = sympy.Symbol("x")
>>> local_partials("tanh", x)
(tanh(x), (1 - tanh(x)**2,))
"""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.special
import sympy

from .errors import DomainError, SemiringADError, UnknownPrimitiveError

__all__ = [
    "FLOAT", "GENERIC", "NAMESPACE_FUNCTIONS", "NUMPY", "PRIMITIVES", "SYMPY", "SYMPY_FUNCTIONS", "UFUNCS",
    "MathNamespace", "Primitive", "evaluate", "get_primitive", "local_partials", "namespace_for", "register_primitive",
]  # fmt: skip


@dataclass(frozen=True)
class Primitive:
    """One row of the primitive table.

    Attributes
    ----------
    name : str
        The operation's name, e.g. ``"sin"``.
    arity : int
        Number of arguments; ``len(partials) == arity``.
    value : callable
        ``value(m, *args)``: the result, written against a math namespace ``m``.
    partials : tuple of callable
        ``partials[i](m, *args, out)``: ∂out/∂args[i], reusing the computed
        value ``out`` where it helps (``exp`` -> ``out``).
    sympy : callable
        Builds the SymPy counterpart from SymPy arguments (``sympy.sin``).
    ufunc : numpy.ufunc or None
        The NumPy ufunc counterpart, if any.
    doc : str
        One line; states the domain and, for kinks, the convention.

    Examples
    --------
    >>> cube = Primitive("cube", 1, lambda m, x: x * x * x, (lambda m, x, out: 3 * x * x,),
    ...                  lambda x: x**3, None, "x**3.")
    >>> cube.value(FLOAT, 2.0), cube.partials[0](FLOAT, 2.0, 8.0)
    (8.0, 12.0)
    """

    name: str
    arity: int
    value: Callable[..., Any]
    partials: tuple[Callable[..., Any], ...]
    sympy: Callable[..., Any]
    ufunc: np.ufunc | None = None
    doc: str = ""

    def __post_init__(self) -> None:
        if len(self.partials) != self.arity:
            raise SemiringADError(
                f"primitive {self.name!r} has arity {self.arity} but {len(self.partials)} partial rule(s); "
                "give exactly one partial per argument"
            )
        if "\n" in self.doc:
            raise SemiringADError(f"primitive {self.name!r}: doc must be one line")


NAMESPACE_FUNCTIONS = (
    "exp", "expm1", "log", "log1p", "sqrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "sigmoid", "abs", "maximum", "minimum", "power", "divide",
    "sign", "step_ge", "step_gt",
)  # fmt: skip
"""What every math namespace provides.  ``sign(0) == 0``; ``step_ge(a, b)`` is
1 where ``a >= b`` else 0 and ``step_gt(a, b)`` is 1 where ``a > b`` else 0."""


class MathNamespace:
    """A named set of math functions that the primitive rules are written against.

    Examples
    --------
    >>> FLOAT.step_ge(1.0, 1.0), NUMPY.step_ge(np.array([0.0, 2.0]), 1.0)
    (1, array([0., 1.]))
    """

    def __init__(self, name: str, **functions: Callable[..., Any]) -> None:
        missing = sorted(set(NAMESPACE_FUNCTIONS) - set(functions))
        if missing:
            raise SemiringADError(f"math namespace {name!r} lacks {', '.join(missing)}")
        self.name = name
        self.__dict__.update(functions)

    def __repr__(self) -> str:
        return f"<MathNamespace {self.name}>"


# -- FLOAT: math module, domain failures become DomainError -------------------

_FLOAT_DOMAINS = {
    "log": "x > 0", "log1p": "x > -1", "sqrt": "x >= 0", "arcsin": "-1 <= x <= 1", "arccos": "-1 <= x <= 1",
    "divide": "b != 0", "power": "x > 0, x = 0 with y >= 0, or x < 0 with an integer y (a real result)",
}  # fmt: skip


def _guarded(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    domain = _FLOAT_DOMAINS.get(name, "finite arguments")

    def call(*args: Any) -> Any:
        try:
            return fn(*args)
        except (ArithmeticError, ValueError) as exc:
            shown = f"{name}({', '.join(map(repr, args))})"
            if isinstance(exc, OverflowError):
                msg = f"{shown} overflows a float (the result exceeds {sys.float_info.max:.4g})"
            else:
                msg = f"{shown} is undefined: {name} is defined for {domain}"
            raise DomainError(msg) from exc

    call.__name__ = name
    return call


def _float_sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sign(x: Any) -> int:
    return 1 if x > 0 else (-1 if x < 0 else 0)


def _step_ge(a: Any, b: Any) -> int:
    return 1 if a >= b else 0


def _step_gt(a: Any, b: Any) -> int:
    return 1 if a > b else 0


FLOAT = MathNamespace(
    "float",
    sign=_sign,
    step_ge=_step_ge,
    step_gt=_step_gt,
    abs=abs,
    maximum=lambda a, b: a if a >= b else b,
    minimum=lambda a, b: a if a <= b else b,
    **{
        name: _guarded(name, fn)
        for name, fn in {
            "exp": math.exp, "expm1": math.expm1, "log": math.log, "log1p": math.log1p, "sqrt": math.sqrt,
            "sin": math.sin, "cos": math.cos, "tan": math.tan, "arcsin": math.asin, "arccos": math.acos,
            "arctan": math.atan, "sinh": math.sinh, "cosh": math.cosh, "tanh": math.tanh,
            "sigmoid": _float_sigmoid, "power": math.pow, "divide": lambda a, b: a / b,
        }.items()
    },
)  # fmt: skip
"""Python floats through :mod:`math`; failures raise :class:`DomainError`."""


# -- NUMPY: elementwise, IEEE semantics ---------------------------------------


def _np_power(a: Any, b: Any) -> Any:
    if np.result_type(a, b).kind in "iub":  # integers to negative powers are an error in NumPy
        return np.float_power(a, b)
    return np.power(a, b)


def _np_sigmoid(x: Any) -> Any:
    if np.asarray(x).dtype == object:  # expit has no object loop; NB: not overflow-safe
        return 1 / (1 + np.exp(-x))
    return scipy.special.expit(x)


NUMPY = MathNamespace(
    "numpy",
    exp=np.exp, expm1=np.expm1, log=np.log, log1p=np.log1p, sqrt=np.sqrt, sin=np.sin, cos=np.cos,
    tan=np.tan, arcsin=np.arcsin, arccos=np.arccos, arctan=np.arctan, sinh=np.sinh, cosh=np.cosh,
    tanh=np.tanh, sigmoid=_np_sigmoid, abs=np.abs, maximum=np.maximum, minimum=np.minimum,
    power=_np_power, divide=np.divide, sign=np.sign,
    step_ge=lambda a, b: np.where(a >= b, 1.0, 0.0),
    step_gt=lambda a, b: np.where(a > b, 1.0, 0.0),
)  # fmt: skip
"""NumPy functions, elementwise on arrays (nan/inf and warnings outside the domain)."""


# -- SYMPY: exact expressions -------------------------------------------------

SYMPY = MathNamespace(
    "sympy",
    exp=sympy.exp, expm1=lambda x: sympy.exp(x) - 1, log=sympy.log, log1p=lambda x: sympy.log(1 + x),
    sqrt=sympy.sqrt, sin=sympy.sin, cos=sympy.cos, tan=sympy.tan, arcsin=sympy.asin, arccos=sympy.acos,
    arctan=sympy.atan, sinh=sympy.sinh, cosh=sympy.cosh, tanh=sympy.tanh,
    sigmoid=lambda x: 1 / (1 + sympy.exp(-x)), abs=sympy.Abs, maximum=sympy.Max, minimum=sympy.Min,
    power=sympy.Pow, divide=lambda a, b: sympy.S(a) / sympy.S(b), sign=sympy.sign,
    step_ge=lambda a, b: sympy.Heaviside(a - b, 1),  # 1 at a == b
    step_gt=lambda a, b: sympy.Heaviside(a - b, 0),  # 0 at a == b
)  # fmt: skip
"""SymPy functions; ``step_ge``/``step_gt`` are Heaviside functions with the kink convention built in."""


# -- GENERIC: dispatch on the argument types ----------------------------------


def _dispatching(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        from .functions import apply  # deferred: functions imports this module

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
"""Each function calls :func:`semiring_ad.functions.apply`, which dispatches on
the argument types (dual numbers, tracers, floats, arrays, SymPy); the
comparison helpers compare with ``>=``/``>`` (by value for dual numbers)."""


def namespace_for(args: Iterable[Any]) -> MathNamespace:
    """The namespace for these arguments: FLOAT, NUMPY, SYMPY or GENERIC.

    All ``float``/``int`` -> FLOAT; else any NumPy array -> NUMPY; else any
    SymPy object -> SYMPY; else any NumPy scalar (``np.float32``) -> NUMPY;
    else all real numbers (``Fraction``) -> FLOAT; anything else (dual
    numbers, tracers) -> GENERIC.

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
    if any(isinstance(a, sympy.Basic) for a in args):
        return SYMPY
    if any(isinstance(a, np.generic) for a in args):
        return NUMPY
    if all(isinstance(a, numbers.Real) for a in args):
        return FLOAT
    return GENERIC


# -- the table ----------------------------------------------------------------


def _one(m: Any, *args: Any) -> int:
    return 1


def _minus_one(m: Any, *args: Any) -> int:
    return -1


def _row(name: str, value: Callable, partials: Sequence[Callable], sym: Callable, ufunc: Any, doc: str) -> Primitive:
    return Primitive(name, len(partials), value, tuple(partials), sym, ufunc, doc)


_BUILTIN = (
    _row("add", lambda m, a, b: a + b, (_one, _one), sympy.Add, np.add, "a + b."),
    _row("subtract", lambda m, a, b: a - b, (_one, _minus_one), lambda a, b: a - b, np.subtract, "a - b."),
    _row("multiply", lambda m, a, b: a * b, (lambda m, a, b, out: b, lambda m, a, b, out: a),
         sympy.Mul, np.multiply, "a * b."),
    _row("divide", lambda m, a, b: m.divide(a, b),
         (lambda m, a, b, out: m.divide(1, b), lambda m, a, b, out: -m.divide(out, b)),
         lambda a, b: a / b, np.divide, "a / b, defined for b != 0."),
    _row("negative", lambda m, x: -x, (_minus_one,), lambda x: -x, np.negative, "-x."),
    _row("power", lambda m, x, y: m.power(x, y),
         (lambda m, x, y, out: y * m.power(x, y - 1), lambda m, x, y, out: out * m.log(x)),
         sympy.Pow, np.power,
         "x ** y, real for x > 0, x = 0 with y >= 0, or x < 0 with integer y; "
         "∂/∂y = x**y log(x) needs x > 0 and is computed only when y is differentiated."),
    _row("square", lambda m, x: x * x, (lambda m, x, out: 2 * x,), lambda x: x**2, np.square, "x * x."),
    _row("sqrt", lambda m, x: m.sqrt(x), (lambda m, x, out: m.divide(1, 2 * out),), sympy.sqrt, np.sqrt,
         "square root, defined for x >= 0 (its derivative for x > 0)."),
    _row("reciprocal", lambda m, x: m.divide(1, x), (lambda m, x, out: -out * out,), lambda x: 1 / x,
         np.reciprocal, "1 / x, defined for x != 0."),
    _row("exp", lambda m, x: m.exp(x), (lambda m, x, out: out,), sympy.exp, np.exp, "e ** x."),
    _row("expm1", lambda m, x: m.expm1(x), (lambda m, x, out: out + 1,), lambda x: sympy.exp(x) - 1,
         np.expm1, "exp(x) - 1, accurate for small x."),
    _row("log", lambda m, x: m.log(x), (lambda m, x, out: m.divide(1, x),), sympy.log, np.log,
         "natural logarithm, defined for x > 0."),
    _row("log1p", lambda m, x: m.log1p(x), (lambda m, x, out: m.divide(1, 1 + x),), lambda x: sympy.log(1 + x),
         np.log1p, "log(1 + x), defined for x > -1, accurate for small x."),
    _row("sin", lambda m, x: m.sin(x), (lambda m, x, out: m.cos(x),), sympy.sin, np.sin, "sine."),
    _row("cos", lambda m, x: m.cos(x), (lambda m, x, out: -m.sin(x),), sympy.cos, np.cos, "cosine."),
    _row("tan", lambda m, x: m.tan(x), (lambda m, x, out: 1 + out * out,), sympy.tan, np.tan,
         "tangent, with poles at odd multiples of pi/2."),
    _row("arcsin", lambda m, x: m.arcsin(x), (lambda m, x, out: m.divide(1, m.sqrt(1 - x * x)),),
         sympy.asin, np.arcsin, "inverse sine, defined for -1 <= x <= 1 (its derivative for -1 < x < 1)."),
    _row("arccos", lambda m, x: m.arccos(x), (lambda m, x, out: -m.divide(1, m.sqrt(1 - x * x)),),
         sympy.acos, np.arccos, "inverse cosine, defined for -1 <= x <= 1 (its derivative for -1 < x < 1)."),
    _row("arctan", lambda m, x: m.arctan(x), (lambda m, x, out: m.divide(1, 1 + x * x),), sympy.atan,
         np.arctan, "inverse tangent."),
    _row("sinh", lambda m, x: m.sinh(x), (lambda m, x, out: m.cosh(x),), sympy.sinh, np.sinh, "hyperbolic sine."),
    _row("cosh", lambda m, x: m.cosh(x), (lambda m, x, out: m.sinh(x),), sympy.cosh, np.cosh,
         "hyperbolic cosine."),
    _row("tanh", lambda m, x: m.tanh(x), (lambda m, x, out: 1 - out * out,), sympy.tanh, np.tanh,
         "hyperbolic tangent."),
    _row("sigmoid", lambda m, x: m.sigmoid(x), (lambda m, x, out: out * (1 - out),),
         lambda x: 1 / (1 + sympy.exp(-x)), scipy.special.expit, "logistic function 1 / (1 + exp(-x))."),
    _row("abs", lambda m, x: m.abs(x), (lambda m, x, out: m.sign(x),), sympy.Abs, np.absolute,
         "|x|; kink at 0, where the derivative is sign(0) = 0."),
    _row("maximum", lambda m, a, b: m.maximum(a, b),
         (lambda m, a, b, out: m.step_ge(a, b), lambda m, a, b, out: m.step_gt(b, a)), sympy.Max, np.maximum,
         "larger of a and b; a tie goes to the first argument: ∂/∂a = [a >= b], ∂/∂b = [a < b]."),
    _row("minimum", lambda m, a, b: m.minimum(a, b),
         (lambda m, a, b, out: m.step_ge(b, a), lambda m, a, b, out: m.step_gt(a, b)), sympy.Min, np.minimum,
         "smaller of a and b; a tie goes to the first argument: ∂/∂a = [a <= b], ∂/∂b = [a > b]."),
    _row("relu", lambda m, x: m.maximum(x, 0), (lambda m, x, out: m.step_gt(x, 0),),
         lambda x: sympy.Max(x, 0), None, "max(x, 0); kink at 0, where the derivative is 0."),
)  # fmt: skip

PRIMITIVES: dict[str, Primitive] = {}
"""The primitive table, by name.  Add rows with :func:`register_primitive`."""

SYMPY_FUNCTIONS: dict[type, str] = {}
"""SymPy function classes -> primitive names (``sympy.sin`` -> ``"sin"``).
``Add``, ``Mul``, ``Max`` and ``Min`` are n-ary in SymPy: fold their
arguments left with the binary primitive."""

UFUNCS: dict[np.ufunc, str] = {}
"""NumPy ufuncs -> primitive names (``np.sin`` -> ``"sin"``, ``np.absolute`` -> ``"abs"``)."""


def register_primitive(prim: Primitive, *, replace: bool = False) -> Primitive:
    """Add a row to the table (and its ufunc / SymPy class to the lookup maps).

    Raises
    ------
    SemiringADError
        If a row of that name exists and ``replace`` is false.

    Examples
    --------
    >>> cube = Primitive("cube", 1, lambda m, x: x * x * x, (lambda m, x, out: 3 * x * x,),
    ...                  lambda x: x**3, None, "x**3.")
    >>> _ = register_primitive(cube)
    >>> local_partials("cube", 2.0)
    (8.0, (12.0,))
    >>> del PRIMITIVES["cube"]
    """
    if not isinstance(prim, Primitive):
        raise TypeError(f"register_primitive expects a Primitive, got {type(prim).__name__}")
    if prim.name in PRIMITIVES and not replace:
        raise SemiringADError(f"primitive {prim.name!r} is already registered; pass replace=True to overwrite it")
    PRIMITIVES[prim.name] = prim
    if prim.ufunc is not None:
        UFUNCS.setdefault(prim.ufunc, prim.name)
    if isinstance(prim.sympy, type) and issubclass(prim.sympy, sympy.Basic):
        SYMPY_FUNCTIONS.setdefault(prim.sympy, prim.name)
    return prim


for _prim in _BUILTIN:
    register_primitive(_prim)
UFUNCS.update({np.float_power: "power", np.fabs: "abs"})  # aliases: the same math


def get_primitive(name: str) -> Primitive:
    """The row named ``name``.

    Raises
    ------
    UnknownPrimitiveError
        Naming the unknown operation, the known ones and how to add a row.

    Examples
    --------
    >>> get_primitive("sin").doc
    'sine.'
    """
    try:
        return PRIMITIVES[name]
    except (KeyError, TypeError):
        raise UnknownPrimitiveError(
            f"unknown primitive {name!r}; known primitives: {', '.join(sorted(PRIMITIVES))}. "
            "To add one, register a row: register_primitive(Primitive(name, arity, value, partials, sympy, "
            "ufunc, doc)) from semiring_ad.primitives"
        ) from None


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
            _raise_domain_error(prim, args, None, exc)
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
            _raise_domain_error(prim, args, stage, exc)
    out = prim.value(m, *args)
    parts = tuple(prim.partials[i](m, *args, out) for i in indices)
    if m is SYMPY:
        return sympy.sympify(out), tuple(sympy.sympify(p) for p in parts)
    return out, parts


def _check_arity(prim: Primitive, args: Sequence[Any]) -> None:
    if len(args) != prim.arity:
        raise TypeError(f"primitive {prim.name!r} takes {prim.arity} argument(s), got {len(args)}")


def _real(v: Any) -> Any:
    if isinstance(v, complex):
        raise ValueError(f"the result {v!r} is complex")
    return v


def _raise_domain_error(prim: Primitive, args: Sequence[Any], stage: int | None, exc: Exception) -> None:
    """Re-raise a float failure as a DomainError naming the call, the argument and the domain."""
    call = f"{prim.name}({', '.join(map(repr, args))})"
    if stage is None and isinstance(exc, DomainError) and str(exc).startswith(call):
        raise exc  # already says it all
    where = call if stage is None else f"the partial of {call} with respect to argument {stage}"
    raise DomainError(f"{where} is undefined: {exc}. {prim.name}: {prim.doc}") from exc
