"""The formula parser's lexer: text -> tokens, exact number literals, names, and error carets.

:mod:`semiring_ad.symbolic.parsing` builds expressions from these tokens.
Besides ASCII (``+ - * / ** ^``) the lexer reads the notation the library
prints, so output can be pasted back: ``·``, ``⋅`` and ``×`` are ``*``, ``÷``
is ``/``, ``−`` (the minus sign) is ``-``, and superscripts (``x²``, ``x⁻¹``)
are powers.  A number directly followed by a name or ``(`` is a product
(``2x``, ``3(x + 1)``); the parser inserts the ``*``.

>>> [(t.kind, t.text) for t in tokenize("2x² − y")]
[('number', '2'), ('name', 'x'), ('op', '**'), ('number', '2'), ('op', '-'), ('name', 'y'), ('end', '')]
"""

from __future__ import annotations

import keyword
import re
from typing import NamedTuple, NoReturn

import sympy

from ..errors import ExpressionError
from .vocabulary import CONSTANTS, FUNCTIONS, MAX_DIGITS, MAX_EXPONENT, Refused

__all__ = ["NAME", "NUMBER", "Token", "fail", "name_problem", "number", "tokenize"]

NAME = r"[A-Za-z_][A-Za-z0-9_]*"
NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
_TOKEN_RE = re.compile(rf"(?P<s>[ \t\r\n]+)|(?P<number>{NUMBER})|(?P<name>{NAME})|(?P<op>\*\*|[-+*/^·⋅×÷−])"
                       rf"|(?P<p>[(),])|(?P<sup>⁻?[{_SUPERSCRIPTS}]+)")
_OPS = {"·": "*", "⋅": "*", "×": "*", "÷": "/", "−": "-"}
_NUMBER_PARTS_RE = re.compile(r"([0-9]*)\.?([0-9]*)(?:[eE]([+-]?[0-9]+))?")


class Token(NamedTuple):
    kind: str  # "number", "name", "op", "(", ")", ",", "end" or "bad" (a character outside the grammar)
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; the first character outside the grammar becomes a final "bad" token."""
    tokens, pos = [], 0
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            return [*tokens, Token("bad", text[pos], pos)]
        kind, value = match.lastgroup, match.group()
        if kind == "sup":  # x²  ->  x ** 2;  x⁻¹  ->  x ** - 1
            tokens.append(Token("op", "**", pos))
            if value.startswith("⁻"):
                tokens.append(Token("op", "-", pos))
            digits = "".join(str(_SUPERSCRIPTS.index(c)) for c in value.lstrip("⁻"))
            tokens.append(Token("number", digits, pos))
        elif kind != "s":
            tokens.append(Token(value if kind == "p" else kind, _OPS.get(value, value), pos))
        pos = match.end()
    return [*tokens, Token("end", "", len(text))]


def number(literal: str) -> sympy.Rational:
    """The exact value of a decimal literal: ``"0.5"`` -> ``1/2``, ``"1e-3"`` -> ``1/1000``."""
    whole, fraction, exponent = _NUMBER_PARTS_RE.fullmatch(literal).groups()
    digits = sum(char.isdigit() for char in literal)
    if digits > MAX_DIGITS:
        raise Refused(f"number literal with {digits} digits", f"literals are limited to {MAX_DIGITS} digits")
    if abs(shift := int(exponent or 0)) > MAX_EXPONENT:
        raise Refused(f"decimal exponent {shift} is too large", f"the limit is {MAX_EXPONENT} in absolute value")
    mantissa, shift = int(whole + fraction), shift - len(fraction)
    return sympy.Rational(mantissa * 10**shift) if shift >= 0 else sympy.Rational(mantissa, 10**-shift)


def name_problem(name: str) -> str | None:
    """Why ``name`` cannot be a variable, or None if it can."""
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    if name.startswith("__"):
        return "names may not start with '__'"
    if name in FUNCTIONS:
        return f"{name!r} is a function; call it as {name}(...)"
    return f"{name!r} is the constant {CONSTANTS[name]}" if name in CONSTANTS else None


def fail(message: str, position: int | None, text: str) -> NoReturn:
    """Raise ExpressionError: ``message``, then the text around ``position`` with a caret under it."""
    if position is not None:
        start, end = max(0, position - 50), position + 30
        prefix, suffix = ("..." if start else ""), ("..." if end < len(text) else "")
        shown = "".join(char if char.isprintable() else " " for char in text[start:end])
        message += f"\n  {prefix}{shown}{suffix}\n  {' ' * (len(prefix) + position - start)}^"
    raise ExpressionError(message, position, text)
