"""Math namespaces: the numbers a primitive rule is evaluated in.

Every rule in the primitive table is written once against a namespace ``m``
(``m.sin(x)``, ``m.divide(1, x)``); the namespace decides what the numbers are:

* :data:`FLOAT` — Python floats via :mod:`math`; a value outside a function's
  domain raises :class:`~semiring_ad.errors.DomainError` (never a bare
  ``ValueError``, ``ZeroDivisionError``, ``OverflowError`` or a complex result);
* :data:`NUMPY` — elementwise on arrays, IEEE semantics (nan/inf, warnings);
* :data:`SYMPY` — SymPy expressions, exact (rules use integer constants);
  SymPy is imported on the first call, not with the library.

The fourth, :data:`~semiring_ad.ad.dispatch.GENERIC`, dispatches on the
argument types and lives with the dispatcher.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from .._sympy import sympy_module as _sympy
from ..errors import DomainError, SemiringADError

__all__ = ["FLOAT", "NAMESPACE_FUNCTIONS", "NUMPY", "SYMPY", "MathNamespace"]


NAMESPACE_FUNCTIONS = (
    "exp", "expm1", "exp2", "log", "log1p", "log2", "log10", "sqrt", "sin", "cos", "tan", "arcsin", "arccos",
    "arctan", "arctan2", "sinh", "cosh", "tanh", "sigmoid", "abs", "maximum", "minimum", "power", "divide",
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
    "log": "x > 0", "log2": "x > 0", "log10": "x > 0",
    "log1p": "x > -1", "sqrt": "x >= 0", "arcsin": "-1 <= x <= 1", "arccos": "-1 <= x <= 1",
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
            "exp2": lambda x: math.pow(2.0, x), "log2": math.log2, "log10": math.log10, "arctan2": math.atan2,
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
    from scipy.special import expit  # on first use: scipy.special is slow to import

    return expit(x)


def _object_arctan2(y: Any, x: Any) -> Any:
    for v in (y, x):  # a traced value or dual number among the elements computes it
        hook = getattr(type(v), "__semiring_ad_apply__", None)
        if hook is not None:
            from .primitives import PRIMITIVES  # the row is registered by the time arrays of tracers exist

            return hook(v, PRIMITIVES["arctan2"], (y, x))
    return math.atan2(y, x)


def _np_arctan2(y: Any, x: Any) -> Any:
    if np.asarray(y).dtype == object or np.asarray(x).dtype == object:  # no object loop calls a method of both
        return np.frompyfunc(_object_arctan2, 2, 1)(y, x)
    return np.arctan2(y, x)


NUMPY = MathNamespace(
    "numpy",
    exp=np.exp, expm1=np.expm1, exp2=np.exp2, log=np.log, log1p=np.log1p, log2=np.log2, log10=np.log10,
    sqrt=np.sqrt, arctan2=_np_arctan2, sin=np.sin, cos=np.cos,
    tan=np.tan, arcsin=np.arcsin, arccos=np.arccos, arctan=np.arctan, sinh=np.sinh, cosh=np.cosh,
    tanh=np.tanh, sigmoid=_np_sigmoid, abs=np.abs, maximum=np.maximum, minimum=np.minimum,
    power=_np_power, divide=np.divide, sign=np.sign,
    step_ge=lambda a, b: np.where(a >= b, 1.0, 0.0),
    step_gt=lambda a, b: np.where(a > b, 1.0, 0.0),
)  # fmt: skip
"""NumPy functions, elementwise on arrays (nan/inf and warnings outside the domain)."""


# -- SYMPY: exact expressions, SymPy imported on first use -------------------


SYMPY = MathNamespace(
    "sympy",
    exp=lambda x: _sympy().exp(x), expm1=lambda x: _sympy().exp(x) - 1, log=lambda x: _sympy().log(x),
    exp2=lambda x: _sympy().Pow(2, x), arctan2=lambda y, x: _sympy().atan2(y, x),
    log2=lambda x: _sympy().log(x, 2), log10=lambda x: _sympy().log(x, 10),
    log1p=lambda x: _sympy().log(1 + x), sqrt=lambda x: _sympy().sqrt(x), sin=lambda x: _sympy().sin(x),
    cos=lambda x: _sympy().cos(x), tan=lambda x: _sympy().tan(x), arcsin=lambda x: _sympy().asin(x),
    arccos=lambda x: _sympy().acos(x), arctan=lambda x: _sympy().atan(x), sinh=lambda x: _sympy().sinh(x),
    cosh=lambda x: _sympy().cosh(x), tanh=lambda x: _sympy().tanh(x),
    sigmoid=lambda x: 1 / (1 + _sympy().exp(-x)), abs=lambda x: _sympy().Abs(x),
    maximum=lambda a, b: _sympy().Max(a, b), minimum=lambda a, b: _sympy().Min(a, b),
    power=lambda a, b: _sympy().Pow(a, b), divide=lambda a, b: _sympy().S(a) / _sympy().S(b),
    sign=lambda x: _sympy().sign(x),
    step_ge=lambda a, b: _sympy().Heaviside(a - b, 1),  # 1 at a == b
    step_gt=lambda a, b: _sympy().Heaviside(a - b, 0),  # 0 at a == b
)  # fmt: skip
"""SymPy functions; ``step_ge``/``step_gt`` are Heaviside functions with the kink convention built in."""
