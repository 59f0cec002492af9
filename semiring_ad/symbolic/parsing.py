"""Safe text -> SymPy for the command line.

This module owns the translation of user text -- formulas such as
``semiring-ad diff "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5`` and point
specifications such as ``x1=2`` -- into SymPy and floats.

It never calls :func:`sympy.sympify`, ``parse_expr`` or ``S(...)`` on the text:
they hand it to Python's ``eval``, so ``__import__('os').system(...)`` would
run and ``10**10**10`` would be computed before anyone could refuse it.
Instead a tokenizer feeds an operator-precedence (shunting-yard) parser with
explicit stacks -- no Python recursion -- that knows only exact numbers, names,
``+ - * / ** ^``, parentheses and the functions in :data:`FUNCTIONS`.  Every
refusal is an :class:`~semiring_ad.errors.ExpressionError` naming the
position and showing it with a caret.  Limits: 10 000 characters; 100
parentheses, calls, signs and ``**`` open at once (SymPy's printer and
``diff`` recurse ~10 frames per level); 100 digits per literal; constant
exponents up to 1024 in absolute value; exact numbers up to 1100 bits (every
float's decimal form fits); roots of exact numbers up to 512 bits x degree
(SymPy factors them).  Sums and products are built n-ary, in linear time.

>>> parse_expression("ln(x1) + x1*x2 - sin(x2)")
x1*x2 + log(x1) - sin(x2)
>>> parse_expression("-x**2 + 0.5*2^-1")
1/4 - x**2
"""

from __future__ import annotations

import contextlib
import math
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from typing import NamedTuple, NoReturn

import sympy

from ..errors import ExpressionError
from .lexer import NAME, NUMBER, Token, fail, name_problem, number, tokenize
from .vocabulary import (
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_LENGTH,
    MAX_RADICAL,
    Refused,
    checked,
    exact_powers,
    power,
    radical_cost,
    reciprocal,
)

__all__ = ["FUNCTIONS", "Formula", "Step", "parse_assignment", "parse_expression", "parse_formula"]

_PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2, "unary": 3, "**": 4, "^": 4}  # -x**2 == -(x**2), as in Python
_POINT_RE = re.compile(rf"[ \t]*(?:(?P<name>{NAME})[ \t]*(?:=[ \t]*(?:(?P<value>[+-]?{NUMBER})[ \t]*)?)?)?")


class Step(NamedTuple):
    """One step of a formula in postfix order, as typed (see :func:`parse_formula`)."""

    kind: str  # "num" (value: exact SymPy number), "var" (value: Symbol), "+", "-", "*", "/", "pow", "neg",
    #            "pos" or "call" (value: the function's name)
    value: object
    pos: int


class Formula(NamedTuple):
    """A parsed formula: SymPy's canonical expression and the steps in the order the user typed them."""

    expr: sympy.Expr
    steps: list[Step]
    text: str


class _Pending(NamedTuple):
    """An operator, '(' or function call waiting on the parser's stack."""

    kind: str  # "binary", "unary", "paren" or "call"
    text: str  # operator text or function name
    prec: int  # 0 for '(' and calls, so that reductions stop there
    pos: int  # where errors point: the right operand of a binary operator, else the token itself
    base: int = 0  # calls: number of values below the first argument


class _Chain:
    """A pending n-ary sum or product: SymPy flattens and sorts it once, not once per operator."""

    def __init__(self, kind: str, first: sympy.Expr, pos: int) -> None:
        self.kind, self.pos, self.coeff, self.terms, self.cost = kind, pos, sympy.S.One, [], 0.0
        self.add(first)

    def add(self, value: sympy.Expr) -> None:
        if self.kind == "*":  # refuse a growing exact coefficient, or radicals SymPy would merge, early
            coeff, value = value.as_coeff_Mul()
            self.coeff = checked(self.coeff * coeff)
            self.cost += radical_cost(exact_powers(value, sympy.S.One))
            if self.cost > MAX_RADICAL:
                raise Refused("this product of roots of exact numbers is too large to simplify",
                               f"their total size is limited to {MAX_RADICAL} bits (bits of each number x degree)")
        self.terms.append(value)

    def build(self) -> sympy.Expr:
        return sympy.Add(*self.terms) if self.kind == "+" else sympy.Mul(self.coeff, *self.terms)


class _Parser:
    """Shunting-yard over the token list: a value stack and an operator stack, no recursion."""

    def __init__(self, text: str, allowed: frozenset[str] | None) -> None:
        self.text, self.allowed, self.tokens, self.index, self.depth = text, allowed, tokenize(text), 0, 0
        self.values: list[sympy.Expr | _Chain] = []
        self.stack: list[_Pending] = []
        self.program: list[Step] = []  # the reductions in order: the formula in postfix, as typed

    def parse(self) -> sympy.Expr:
        expect_operand = True
        while expect_operand or self.tokens[self.index].kind != "end":
            token = self.tokens[self.index]
            self.index += 1
            expect_operand = self._operand(token) if expect_operand else self._operator(token)
        self._reduce(0)
        if self.stack:
            what = "'('" if self.stack[-1].kind == "paren" else f"the call {self.stack[-1].text}("
            self._fail(f"unexpected end of input at position {len(self.text)}", len(self.text),
                       f"expected ')' to close {what} at position {self.stack[-1].pos}")
        return self._value(self.values[0])

    def _operand(self, token: Token) -> bool:
        """Handle a token where an operand must start; True if an operand is still expected."""
        if token.kind == "number":
            self.values.append(self._build(number, (token.text,), token.pos))
            self.program.append(Step("num", self.values[-1], token.pos))
        elif token.kind == "name" and self.tokens[self.index].kind == "(":
            if token.text not in FUNCTIONS:
                self._fail(f"unknown function {token.text!r} at position {token.pos}", token.pos,
                           "known functions: " + ", ".join(sorted(FUNCTIONS)))
            self.index += 1
            self._push(_Pending("call", token.text, 0, token.pos, len(self.values)))
            return True
        elif token.kind == "name":
            self.values.append(self._name(token))
            self.program.append(Step("var" if self.values[-1].is_Symbol else "num", self.values[-1], token.pos))
        elif token.kind == "(" or (token.kind == "op" and token.text in "+-"):
            kind, prec = ("paren", 0) if token.kind == "(" else ("unary", _PRECEDENCE["unary"])
            self._push(_Pending(kind, token.text, prec, token.pos))
            return True
        else:
            self._unexpected(token, "a number, a name, '(' or a sign")
        return False

    def _operator(self, token: Token) -> bool:
        """Handle a token after a complete operand; True if an operand must follow."""
        if token.kind in ("name", "(") and self.tokens[self.index - 2].kind == "number":  # 2x, 3(x + 1)
            self.index -= 1
            return self._operator(Token("op", "*", token.pos))
        if token.kind == "op":
            prec = _PRECEDENCE[token.text]
            self._reduce(prec, right_assoc=token.text in ("**", "^"))
            self._push(_Pending("binary", token.text, prec, self.tokens[self.index].pos))
            return True
        if token.kind in (")", ",") and self.stack:
            self._reduce(0)
            top = self.stack[-1] if self.stack else None
            if top and token.kind == "," and top.kind == "call":
                return True
            if top and token.kind == ")":
                self._close(self._pop())
                return False
        inner = next((entry.kind for entry in reversed(self.stack) if entry.kind in ("paren", "call")), None)
        expected = {"paren": "')'", "call": "',' or ')'"}.get(inner, "the end of the expression")
        self._unexpected(token, f"an operator or {expected}")

    def _name(self, token: Token) -> sympy.Expr:
        if token.text in CONSTANTS:
            return CONSTANTS[token.text]
        if problem := name_problem(token.text):
            self._fail(f"invalid variable name {token.text!r} at position {token.pos}", token.pos, problem)
        if self.allowed is not None and token.text not in self.allowed:
            self._fail(f"unknown variable {token.text!r} at position {token.pos}", token.pos,
                       "allowed variables: " + (", ".join(sorted(self.allowed)) or "none"))
        return sympy.Symbol(token.text)

    def _push(self, entry: _Pending) -> None:
        if entry.kind != "binary" or entry.prec == _PRECEDENCE["**"]:
            self.depth += 1
            if self.depth > MAX_DEPTH:
                self._fail(f"expression nested too deeply at position {entry.pos}", entry.pos,
                           f"at most {MAX_DEPTH} parentheses, calls, signs and '**' may be open at once")
        self.stack.append(entry)

    def _pop(self) -> _Pending:
        entry = self.stack.pop()
        self.depth -= entry.kind != "binary" or entry.prec == _PRECEDENCE["**"]
        return entry

    def _reduce(self, prec: int, right_assoc: bool = False) -> None:
        """Apply the pending operators that bind at least as tightly as an incoming operator of ``prec``."""
        while self.stack and self.stack[-1].kind in ("binary", "unary"):
            top = self.stack[-1]
            if top.prec < prec or (top.prec == prec and right_assoc):
                return
            self._pop()
            operand = self._value(self.values.pop())
            self.program.append(Step("pow" if top.prec == _PRECEDENCE["**"] else top.text, None, top.pos))
            if top.kind == "unary":
                self.program[-1] = Step("neg" if top.text == "-" else "pos", None, top.pos)
                self.values.append(self._build(operator.neg if top.text == "-" else operator.pos, (operand,), top.pos))
            elif top.prec == _PRECEDENCE["**"]:
                self.values.append(self._build(power, (self._value(self.values.pop()), operand), top.pos))
            else:
                self._extend(top, operand)

    def _extend(self, op: _Pending, right: sympy.Expr) -> None:
        """Apply ``+ - * /`` by extending the left operand's chain."""
        kind = "+" if op.text in "+-" else "*"
        if op.text in "-/":
            right = self._build(operator.neg if op.text == "-" else reciprocal, (right,), op.pos)
        left = self.values.pop()
        if not (isinstance(left, _Chain) and left.kind == kind):
            left = _Chain(kind, self._value(left), op.pos)
        with self._at(op.pos):
            left.add(right)
        self.values.append(left)

    def _close(self, entry: _Pending) -> None:
        """Finish a '(' or a call at its ')'."""
        if entry.kind == "paren":
            return
        (arity, build), args = FUNCTIONS[entry.text], self.values[entry.base :]
        if len(args) != arity:
            self._fail(f"{entry.text}() takes {arity} argument{'s' * (arity > 1)} but got {len(args)} "
                       f"at position {entry.pos}", entry.pos, f"write {entry.text}({', '.join('xy'[:arity])})")
        del self.values[entry.base :]
        self.program.append(Step("call", entry.text, entry.pos))
        self.values.append(self._build(build, tuple(self._value(arg) for arg in args), entry.pos))

    def _value(self, item: sympy.Expr | _Chain) -> sympy.Expr:
        return self._build(item.build, (), item.pos) if isinstance(item, _Chain) else item

    def _build(self, build: Callable[..., sympy.Expr], args: tuple, pos: int) -> sympy.Expr:
        with self._at(pos):
            return checked(build(*args))

    @contextlib.contextmanager
    def _at(self, pos: int) -> Iterator[None]:
        """Turn a refusal (or SymPy's own failure) inside the block into an ExpressionError at ``pos``."""
        try:
            yield
        except ExpressionError:
            raise
        except Refused as refusal:
            problem, hint = refusal.args
        except (ArithmeticError, TypeError, ValueError) as error:
            problem, hint = "SymPy cannot build this", str(error)
        except RecursionError:
            problem, hint = "expression nested too deeply for SymPy", "simplify it"
        else:
            return
        self._fail(f"{problem} at position {pos}", pos, hint)

    def _unexpected(self, token: Token, expected: str) -> NoReturn:
        words = {"bad": "character ", "number": "number ", "name": "name ", "op": "operator "}
        what = "end of input" if token.kind == "end" else f"{words.get(token.kind, '')}{token.text!r}"
        self._fail(f"unexpected {what} at position {token.pos}", token.pos, f"expected {expected}")

    def _fail(self, message: str, position: int, hint: str) -> NoReturn:
        fail(f"{message}; {hint}", position, self.text)


def parse_expression(text: str, *, variables: Iterable[str] | None = None, max_length: int = MAX_LENGTH) -> sympy.Expr:
    """Parse a formula into a SymPy expression, safely (nothing is evaluated as Python).

    Parameters
    ----------
    text : str
        Numbers (``2``, ``0.5``, ``1e-3``; exact), names, ``+ - * / **`` (``^``
        means ``**``, which is right-associative and binds tighter than unary
        minus), parentheses, calls of :data:`FUNCTIONS`, constants ``pi``, ``e``/``E``.
    variables : iterable of str, optional
        If given, the only names allowed as variables.
    max_length : int
        The longest text accepted (default 10 000 characters).

    Returns
    -------
    sympy.Expr
        Variables become plain ``sympy.Symbol(name)``, without assumptions.

    Raises
    ------
    ExpressionError
        For anything outside the grammar or the limits of the module docstring;
        the message names the position and shows it with a caret.

    Examples
    --------
    >>> parse_expression("sigmoid(x) + 1e-3*y^2", variables=["x", "y"])
    y**2/1000 + 1/(1 + exp(-x))
    >>> parse_expression("2**3**2"), parse_expression("-2**2")
    (512, -4)
    >>> parse_expression("x.real")
    Traceback (most recent call last):
      ...
    semiring_ad.errors.ExpressionError: unexpected character '.' at position 1; expected an operator or the end ...
      x.real
       ^
    """
    return parse_formula(text, variables=variables, max_length=max_length).expr


def parse_formula(text: str, *, variables: Iterable[str] | None = None, max_length: int = MAX_LENGTH) -> Formula:
    """Parse a formula (as :func:`parse_expression`) and keep the steps in the order they were typed.

    ``Formula.expr`` is SymPy's canonical expression; ``Formula.steps`` is the
    formula in postfix order, exactly as typed (``a - b`` stays a subtraction,
    terms keep their order), for tracing it as written.

    >>> f = parse_formula("ln(x1) + x1*x2 - sin(x2)")
    >>> [step.kind if step.kind not in ("var", "call") else str(step.value) for step in f.steps]
    ['x1', 'ln', 'x1', 'x2', '*', '+', 'x2', 'sin', '-']
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected the expression as a string, got {type(text).__name__}")
    if len(text) > max_length:
        raise ExpressionError(f"expression is {len(text)} characters long; the limit is {max_length} "
                              "(the command line's --max-length raises it)", None, text)
    if not text.strip(" \t\r\n"):
        fail("empty expression at position 0; expected a formula such as 'ln(x1) + x1*x2'", 0, text)
    if isinstance(variables, str):
        raise ExpressionError(f"variables must be a collection of names, not the string {variables!r}")
    parser = _Parser(text, None if variables is None else frozenset(variables))
    return Formula(parser.parse(), parser.program, text)




def parse_assignment(text: str) -> tuple[str, float]:
    """Parse a point specification ``NAME=NUMBER`` such as ``x1=2``, ``x2=-0.5`` or ``y=1e-3``.

    A regular expression validates the text before ``float()`` sees the
    number, so ``nan``, ``inf``, ``1_000`` and expressions are refused.

    Raises
    ------
    ExpressionError
        If the text is not ``NAME=NUMBER``, the name cannot be a variable, or
        the number overflows a float.

    Examples
    --------
    >>> parse_assignment("x1=2"), parse_assignment(" y = 1e-3 ")
    (('x1', 2.0), ('y', 0.001))
    >>> parse_assignment("x1=2+3")
    Traceback (most recent call last):
      ...
    semiring_ad.errors.ExpressionError: invalid point at position 4; expected NAME=NUMBER such as ...
      x1=2+3
          ^
    """
    if not isinstance(text, str):
        raise ExpressionError(f"expected the point as a string such as 'x1=2', got {type(text).__name__}")
    match = _POINT_RE.match(text[:MAX_LENGTH])
    if match.end() != len(text) or match["value"] is None:
        fail(f"invalid point at position {match.end()}; expected NAME=NUMBER such as x1=2, x2=-0.5 or y=1e-3",
              match.end(), text)
    name, value = match["name"], float(match["value"])
    if problem := name_problem(name):
        fail(f"invalid variable name {name!r} at position {match.start('name')}; {problem}", match.start("name"), text)
    if not math.isfinite(value):
        fail(f"value out of the float range at position {match.start('value')}; floats end near 1.8e308",
              match.start("value"), text)
    return name, value
