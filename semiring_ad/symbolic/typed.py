"""Trace a parsed formula as typed: the command line's graph keeps the user's term order.

:func:`~semiring_ad.symbolic.parsing.parse_formula` keeps the steps of a
formula in postfix order as typed; :func:`trace_formula` replays them on
traced inputs (a stack, no recursion), so ``ln(x1) + x1*x2 - sin(x2)`` gives
Baydin's numbering (v_1 = ln x1, v_2 = x1·x2, …) instead of the order of
SymPy's canonical form, and ``a - b`` stays one subtraction.  Constant
sub-formulas are folded exactly in SymPy first; a constant that does not fit
a float (``2**1024``, ``1e309``) is refused with an
:class:`~semiring_ad.errors.ExpressionError` naming its position.

>>> from semiring_ad.symbolic.parsing import parse_formula
>>> g = trace_formula(parse_formula("ln(x1) + x1*x2 - sin(x2)"), {"x1": 2.0, "x2": 5.0})
>>> g.tape.ops[2:], round(g.value, 4)
(['log', 'multiply', 'add', 'sin', 'subtract'], 11.6521)
"""

from __future__ import annotations

import operator
import sys
from collections.abc import Mapping
from typing import Any

import sympy

from ..ad import functions as F
from ..ad.computation import ComputationGraph
from ..ad.tracing import trace
from .lexer import fail
from .parsing import Formula
from .vocabulary import FUNCTIONS, power

__all__ = ["trace_formula"]

_ALIASES = {"ln": "log", "asin": "arcsin", "acos": "arccos", "atan": "arctan", "logistic": "sigmoid",
            "max": "maximum", "min": "minimum", "pow": "power"}  # fmt: skip
_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "pow": operator.pow}
_EXACT = {**_BINARY, "pow": power}


def _number(c: sympy.Expr, pos: int, text: str) -> int | float:
    """An exact constant as a Python number, refused if it does not fit a float."""
    if c.is_Integer and abs(int(c)) < 2**53:
        return int(c)
    try:
        value = float(c)
    except (OverflowError, TypeError):
        value = float("inf")
    if abs(value) > sys.float_info.max:
        fail(f"the constant at position {pos} is beyond the float range (about ±1.8e308); diff evaluates in "
             "double precision: rescale the formula or use smaller constants", pos, text)
    return value


def _replay(formula: Formula, inputs: Mapping[str, Any]) -> Any:
    stack: list[tuple[Any, bool, int]] = []  # (value, exact SymPy constant?, position)
    for kind, value, pos in formula.steps:
        if kind in ("num", "var"):
            stack.append((value, True, pos) if kind == "num" else (inputs[value.name], False, pos))
            continue
        if kind in ("neg", "pos"):
            x, exact, _ = stack.pop()
            stack.append((-x if kind == "neg" else x, exact, pos))
            continue
        arity = 2 if kind in _BINARY else FUNCTIONS[value][0]
        args = stack[len(stack) - arity :]
        del stack[len(stack) - arity :]
        if all(exact for _, exact, _ in args):  # fold constants exactly, as the parser did
            build = _EXACT[kind] if kind in _EXACT else FUNCTIONS[value][1]
            stack.append((build(*(a for a, _, _ in args)), True, min(p for _, _, p in args)))
            continue
        numbers = [_number(a, p, formula.text) if exact else a for a, exact, p in args]
        function = _BINARY[kind] if kind in _BINARY else getattr(F, _ALIASES.get(value, value))
        stack.append((function(*numbers), False, pos))
    result, exact, pos = stack[0]
    return _number(result, 0, formula.text) if exact else result


def trace_formula(formula: Formula, point: Mapping[str, float]) -> ComputationGraph:
    """The computation graph of ``formula`` at ``point`` (``{name: value}``; the inputs, in this order)."""
    names = list(point)
    return trace(lambda *xs: _replay(formula, dict(zip(names, xs))), *point.values(), names=names)
