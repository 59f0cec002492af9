"""The public math functions (``semiring_ad.sin`` ...), one per row of the primitive table.

Every function here is generated from its row in
:data:`~semiring_ad.ad.primitives.PRIMITIVES` and calls
:func:`~semiring_ad.ad.dispatch.apply`, the single entry point, which picks
who computes it: a tracer or dual number among the arguments, else the
namespace of the argument types (floats, NumPy arrays, SymPy).

>>> import numpy as np, sympy
>>> sin(0.0), exp(np.array([0.0, 1.0])), tanh(sympy.Symbol("x"))
(0.0, array([1.        , 2.71828183]), tanh(x))
>>> apply("maximum", 2.0, 3)
3.0
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import rules  # noqa: F401  (fills the table the functions are generated from)
from .dispatch import apply, new_level
from .fastpaths import UNARY
from .primitives import PRIMITIVES
from .tape import Tracer

__all__ = [
    "abs", "absolute", "add", "apply", "arccos", "arcsin", "arctan", "arctan2", "cos", "cosh", "divide", "exp",
    "exp2", "expm1", "hypot", "log", "log1p", "log2", "log10", "maximum", "minimum", "multiply", "negative",
    "new_level", "power", "reciprocal", "relu", "sigmoid", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh",
]  # fmt: skip


_EXAMPLES = {
    "add": ("2.0, 3.0", "5.0"), "subtract": ("2.0, 3.0", "-1.0"), "multiply": ("2.0, 3.0", "6.0"),
    "divide": ("3.0, 2.0", "1.5"), "negative": ("2.0", "-2.0"), "power": ("2.0, 10", "1024.0"),
    "square": ("3.0", "9.0"), "sqrt": ("16.0", "4.0"), "reciprocal": ("4.0", "0.25"), "exp": ("0.0", "1.0"),
    "expm1": ("1e-10", "1.00000000005e-10"), "log": ("1.0", "0.0"), "log1p": ("-0.5", "-0.6931471805599453"),
    "sin": ("0.0", "0.0"), "cos": ("0.0", "1.0"), "tan": ("0.0", "0.0"), "arcsin": ("1.0", "1.5707963267948966"),
    "arccos": ("1.0", "0.0"), "arctan": ("1.0", "0.7853981633974483"), "sinh": ("0.0", "0.0"),
    "cosh": ("0.0", "1.0"), "tanh": ("0.0", "0.0"), "sigmoid": ("0.0", "0.5"), "abs": ("-2.0", "2.0"),
    "maximum": ("2.0, 3", "3.0"), "minimum": ("2.0, 3", "2.0"), "relu": ("-2.0", "0.0"),
    "arctan2": ("1.0, -1.0", "2.356194490192345"), "log10": ("1000.0", "3.0"), "log2": ("8.0", "3.0"),
    "exp2": ("10.0", "1024.0"), "hypot": ("3.0, 4.0", "5.0"),
}  # fmt: skip


def _make(name: str) -> Callable[..., Any]:
    """The public function for the row ``name``, with its docstring and example."""
    prim = PRIMITIVES[name]
    if prim.arity == 1:
        method = name if name in UNARY else None

        def function(x: Any) -> Any:
            if method is not None and type(x) is Tracer:  # the tracer's fast path, no dispatch
                return getattr(x, method)()
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
log10 = _make("log10")
log2 = _make("log2")
exp2 = _make("exp2")
hypot = _make("hypot")
sin = _make("sin")
cos = _make("cos")
tan = _make("tan")
arcsin = _make("arcsin")
arccos = _make("arccos")
arctan = _make("arctan")
arctan2 = _make("arctan2")
sinh = _make("sinh")
cosh = _make("cosh")
tanh = _make("tanh")
sigmoid = _make("sigmoid")
abs = _make("abs")  # the NumPy name; shadows the builtin inside this module only
absolute = abs
maximum = _make("maximum")
minimum = _make("minimum")
relu = _make("relu")
