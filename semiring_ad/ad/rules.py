"""The built-in rows of the primitive table: one value rule and one partial per argument.

Each row is written once against a math namespace ``m`` (see
:mod:`semiring_ad.ad.namespaces`); constants are integers so SymPy partials
stay exact.  Importing this module registers the rows (the ``semiring_ad.ad``
package does so first).  A new primitive is one more row, or a
:func:`~semiring_ad.ad.primitives.register_primitive` call from user code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._sympy import sympy_module as _sympy
from .primitives import UFUNCS, Primitive, SympyFunction, register_primitive

__all__ = ["BUILTIN"]

S = SympyFunction


def _one(m: Any, *args: Any) -> int:
    return 1


def _minus_one(m: Any, *args: Any) -> int:
    return -1


def _power_dx(m: Any, x: Any, y: Any, out: Any) -> Any:
    """∂(x**y)/∂x = y x**(y-1); for a constant exponent 0 it is 0 everywhere, x = 0 included (x**0 == 1).

    Without the special case ``0 * 0**-1`` fails at x = 0, although every derivative of xⁿ exists there.
    Only plain numbers are tested, so a traced exponent records no comparison.
    """
    if (type(y) is int or type(y) is float or isinstance(y, np.number)) and y == 0:
        return 0
    return y * m.power(x, y - 1)


def _row(name: str, value: Callable, partials: Sequence[Callable], sym: Callable, ufunc: Any, doc: str) -> Primitive:
    return Primitive(name, len(partials), value, tuple(partials), sym, ufunc, doc)


BUILTIN = (
    _row("add", lambda m, a, b: a + b, (_one, _one), S("Add"), np.add, "a + b."),
    _row("subtract", lambda m, a, b: a - b, (_one, _minus_one), lambda a, b: a - b, np.subtract, "a - b."),
    _row("multiply", lambda m, a, b: a * b, (lambda m, a, b, out: b, lambda m, a, b, out: a),
         S("Mul"), np.multiply, "a * b."),
    _row("divide", lambda m, a, b: m.divide(a, b),
         (lambda m, a, b, out: m.divide(1, b), lambda m, a, b, out: -m.divide(out, b)),
         lambda a, b: a / b, np.divide, "a / b, defined for b != 0."),
    _row("negative", lambda m, x: -x, (_minus_one,), lambda x: -x, np.negative, "-x."),
    _row("power", lambda m, x, y: m.power(x, y), (_power_dx, lambda m, x, y, out: out * m.log(x)),
         S("Pow"), np.power,
         "x ** y, real for x > 0, x = 0 with y >= 0, or x < 0 with integer y; ∂/∂x = y x**(y-1) "
         "(0 for a constant y = 0, also at x = 0); "
         "∂/∂y = x**y log(x) needs x > 0 and is computed only when y is differentiated."),
    _row("square", lambda m, x: x * x, (lambda m, x, out: 2 * x,), lambda x: x**2, np.square, "x * x."),
    _row("sqrt", lambda m, x: m.sqrt(x), (lambda m, x, out: m.divide(1, 2 * out),), S("sqrt"), np.sqrt,
         "square root, defined for x >= 0 (its derivative for x > 0)."),
    _row("reciprocal", lambda m, x: m.divide(1, x), (lambda m, x, out: -out * out,), lambda x: 1 / x,
         np.reciprocal, "1 / x, defined for x != 0."),
    _row("exp", lambda m, x: m.exp(x), (lambda m, x, out: out,), S("exp"), np.exp, "e ** x."),
    _row("expm1", lambda m, x: m.expm1(x), (lambda m, x, out: out + 1,), lambda x: _sympy().exp(x) - 1,
         np.expm1, "exp(x) - 1, accurate for small x."),
    _row("log", lambda m, x: m.log(x), (lambda m, x, out: m.divide(1, x),), S("log"), np.log,
         "natural logarithm, defined for x > 0."),
    _row("log10", lambda m, x: m.log10(x), (lambda m, x, out: m.divide(1, x * m.log(10)),),
         lambda x: _sympy().log(x, 10), np.log10, "base-10 logarithm, defined for x > 0."),
    _row("log2", lambda m, x: m.log2(x), (lambda m, x, out: m.divide(1, x * m.log(2)),),
         lambda x: _sympy().log(x, 2), np.log2, "base-2 logarithm, defined for x > 0."),
    _row("exp2", lambda m, x: m.exp2(x), (lambda m, x, out: out * m.log(2),), lambda x: 2**x, np.exp2,
         "2 ** x."),
    _row("hypot", lambda m, a, b: m.sqrt(a * a + b * b),
         (lambda m, a, b, out: m.divide(a, out), lambda m, a, b, out: m.divide(b, out)),
         lambda a, b: _sympy().sqrt(a**2 + b**2), np.hypot,
         "sqrt(a**2 + b**2); not differentiable at a = b = 0."),
    _row("log1p", lambda m, x: m.log1p(x), (lambda m, x, out: m.divide(1, 1 + x),), lambda x: _sympy().log(1 + x),
         np.log1p, "log(1 + x), defined for x > -1, accurate for small x."),
    _row("sin", lambda m, x: m.sin(x), (lambda m, x, out: m.cos(x),), S("sin"), np.sin, "sine."),
    _row("cos", lambda m, x: m.cos(x), (lambda m, x, out: -m.sin(x),), S("cos"), np.cos, "cosine."),
    _row("tan", lambda m, x: m.tan(x), (lambda m, x, out: 1 + out * out,), S("tan"), np.tan,
         "tangent, with poles at odd multiples of pi/2."),
    _row("arcsin", lambda m, x: m.arcsin(x), (lambda m, x, out: m.divide(1, m.sqrt(1 - x * x)),),
         S("asin"), np.arcsin, "inverse sine, defined for -1 <= x <= 1 (its derivative for -1 < x < 1)."),
    _row("arccos", lambda m, x: m.arccos(x), (lambda m, x, out: -m.divide(1, m.sqrt(1 - x * x)),),
         S("acos"), np.arccos, "inverse cosine, defined for -1 <= x <= 1 (its derivative for -1 < x < 1)."),
    _row("arctan", lambda m, x: m.arctan(x), (lambda m, x, out: m.divide(1, 1 + x * x),), S("atan"),
         np.arctan, "inverse tangent."),
    _row("arctan2", lambda m, y, x: m.arctan2(y, x),
         (lambda m, y, x, out: m.divide(x, x * x + y * y), lambda m, y, x, out: -m.divide(y, x * x + y * y)),
         S("atan2"), np.arctan2, "angle of the point (x, y), in (-pi, pi]; not differentiable at the origin."),
    _row("sinh", lambda m, x: m.sinh(x), (lambda m, x, out: m.cosh(x),), S("sinh"), np.sinh, "hyperbolic sine."),
    _row("cosh", lambda m, x: m.cosh(x), (lambda m, x, out: m.sinh(x),), S("cosh"), np.cosh,
         "hyperbolic cosine."),
    _row("tanh", lambda m, x: m.tanh(x), (lambda m, x, out: 1 - out * out,), S("tanh"), np.tanh,
         "hyperbolic tangent."),
    _row("sigmoid", lambda m, x: m.sigmoid(x), (lambda m, x, out: out * (1 - out),),
         lambda x: 1 / (1 + _sympy().exp(-x)), None, "logistic function 1 / (1 + exp(-x))."),
    _row("abs", lambda m, x: m.abs(x), (lambda m, x, out: m.sign(x),), S("Abs"), np.absolute,
         "|x|; kink at 0, where the derivative is sign(0) = 0."),
    _row("maximum", lambda m, a, b: m.maximum(a, b),
         (lambda m, a, b, out: m.step_ge(a, b), lambda m, a, b, out: m.step_gt(b, a)), S("Max"), np.maximum,
         "larger of a and b; a tie goes to the first argument: ∂/∂a = [a >= b], ∂/∂b = [a < b]."),
    _row("minimum", lambda m, a, b: m.minimum(a, b),
         (lambda m, a, b, out: m.step_ge(b, a), lambda m, a, b, out: m.step_gt(a, b)), S("Min"), np.minimum,
         "smaller of a and b; a tie goes to the first argument: ∂/∂a = [a <= b], ∂/∂b = [a > b]."),
    _row("relu", lambda m, x: m.maximum(x, 0), (lambda m, x, out: m.step_gt(x, 0),),
         lambda x: _sympy().Max(x, 0), None, "max(x, 0); kink at 0, where the derivative is 0."),
)  # fmt: skip
"""The built-in rows, in table order.  ``sigmoid``'s ufunc, ``scipy.special.expit``,
is mapped on first use by :func:`~semiring_ad.ad.primitives.primitive_of_ufunc`."""

for _prim in BUILTIN:
    register_primitive(_prim)
UFUNCS.update({np.float_power: "power", np.fabs: "abs"})  # aliases: the same math
