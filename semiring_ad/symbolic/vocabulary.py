"""The parser's vocabulary: whitelisted functions and constants, and the limits on exact numbers.

Every function the command line's parser accepts is a builder here that
checks its arguments before SymPy sees them: a constant exponent over 1024
in absolute value, an exact number over 1100 bits, or a root whose
simplification would factor a number over 512 bits × degree is refused with
:class:`Refused` (the parser turns it into an
:class:`~semiring_ad.errors.ExpressionError` at the right position).

>>> power(sympy.Symbol("x"), sympy.Integer(3))
x**3
>>> power(sympy.Integer(2), sympy.Integer(5000))
Traceback (most recent call last):
  ...
semiring_ad.symbolic.vocabulary.Refused: ('exponent 5000 is too large', 'the limit is 1024 in absolute value')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator

import sympy

__all__ = [
    "CONSTANTS", "FUNCTIONS", "MAX_BITS", "MAX_DEPTH", "MAX_DIGITS", "MAX_EXPONENT", "MAX_LENGTH", "MAX_RADICAL",
    "Refused", "checked", "exact_powers", "power", "radical_cost", "rational_bits", "reciprocal",
]  # fmt: skip

MAX_LENGTH, MAX_DEPTH, MAX_DIGITS, MAX_EXPONENT, MAX_BITS, MAX_RADICAL = 10_000, 100, 100, 1024, 1100, 512


class Refused(Exception):
    """A builder refuses its arguments: ``args == (problem, hint)``; the parser adds the position."""


def rational_bits(number: sympy.Expr) -> float:
    """log2 of the larger of numerator and denominator of a Rational (0 for anything else)."""
    return math.log2(max(abs(number.p), number.q)) if number.is_Rational else 0.0


def exact_powers(value: sympy.Expr, exponent: sympy.Expr) -> Iterator[tuple[sympy.Rational, float]]:
    """``(r, bits)`` for each exact factor ``b**r`` of ``value**exponent``: numbers SymPy computes or factors."""
    for factor in sympy.Mul.make_args(value):
        base, power = factor.as_base_exp()
        if base.is_Rational and power.is_Rational:
            yield power * exponent, rational_bits(base)


def radical_cost(powers: Iterable[tuple[sympy.Rational, float]]) -> float:
    """Bits of the numbers SymPy factors to simplify exact radicals (it is slow on big ones)."""
    return sum(bits * max(r.q, abs(r.p) // r.q) for r, bits in powers if not r.is_Integer)


def _check_power(base: sympy.Expr, exponent: sympy.Expr) -> None:
    """Refuse ``base**exponent`` if SymPy would expand it into a huge exact number."""
    _check_log_terms(exponent)
    if not exponent.is_Rational:  # SymPy leaves symbolic exponents alone
        return
    if abs(exponent) > MAX_EXPONENT:
        size = rational_bits(exponent)
        shown = str(exponent) if size < 100 else f"of about {int(size * 0.302)} digits"
        raise Refused(f"exponent {shown} is too large", f"the limit is {MAX_EXPONENT} in absolute value")
    powers = list(exact_powers(base, exponent))
    if (bits := sum(bits * abs(r) for r, bits in powers)) > MAX_BITS:
        raise Refused(f"the power would be an exact number of about {int(bits)} bits", f"the limit is {MAX_BITS}")
    if (cost := radical_cost(powers)) > MAX_RADICAL:
        raise Refused(f"simplifying this root would factor a number of about {int(cost)} bits",
                       f"roots of exact numbers are limited to {MAX_RADICAL} bits (bits of the number x degree)")


def _check_log_terms(argument: sympy.Expr) -> None:
    """Refuse terms ``k*log(b)`` that SymPy turns into ``b**k`` inside ``exp`` or a power."""
    for term in sympy.Add.make_args(argument):
        logs = [factor for factor in sympy.Mul.make_args(term) if isinstance(factor, sympy.log)]
        if len(logs) == 1:
            _check_power(logs[0].args[0], term / logs[0])


def power(base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
    _check_power(base, exponent)
    return sympy.Pow(base, exponent)


def _exp(argument: sympy.Expr) -> sympy.Expr:
    _check_log_terms(argument)
    return sympy.exp(argument)


def reciprocal(value: sympy.Expr) -> sympy.Expr:
    if value == 0:
        raise Refused("division by zero", "the divisor is exactly 0")
    return 1 / value


def checked(value: sympy.Expr) -> sympy.Expr:
    """``value`` unless it is undefined or carries an exact coefficient over the size limit."""
    if value in (sympy.S.NaN, sympy.S.ComplexInfinity, sympy.S.Infinity, sympy.S.NegativeInfinity):
        raise Refused(f"the expression is undefined ({value})", "it divides by zero or hits a pole such as log(0)")
    if rational_bits(value.as_coeff_Mul()[0]) > MAX_BITS:
        raise Refused("an exact number is too large", f"exact numbers are limited to {MAX_BITS} bits")
    return value


#: The whitelisted functions: name -> (arity, builder taking SymPy arguments).
FUNCTIONS: dict[str, tuple[int, Callable[..., sympy.Expr]]] = {
    "exp": (1, _exp), "expm1": (1, lambda x: _exp(x) - 1),
    "log": (1, sympy.log), "ln": (1, sympy.log), "log1p": (1, lambda x: sympy.log(1 + x)),
    "sqrt": (1, lambda x: power(x, sympy.S.Half)), "sin": (1, sympy.sin), "cos": (1, sympy.cos), "tan": (1, sympy.tan),
    "arcsin": (1, sympy.asin), "asin": (1, sympy.asin), "arccos": (1, sympy.acos), "acos": (1, sympy.acos),
    "arctan": (1, sympy.atan), "atan": (1, sympy.atan),
    "sinh": (1, sympy.sinh), "cosh": (1, sympy.cosh), "tanh": (1, sympy.tanh),
    "sigmoid": (1, lambda x: 1 / (1 + _exp(-x))), "logistic": (1, lambda x: 1 / (1 + _exp(-x))),
    "abs": (1, sympy.Abs), "square": (1, lambda x: power(x, sympy.Integer(2))),
    "reciprocal": (1, reciprocal), "relu": (1, lambda x: sympy.Max(0, x)),
    "maximum": (2, sympy.Max), "max": (2, sympy.Max), "minimum": (2, sympy.Min), "min": (2, sympy.Min),
    "pow": (2, power),
}  # fmt: skip

CONSTANTS: dict[str, sympy.Expr] = {"pi": sympy.pi, "e": sympy.E, "E": sympy.E}
