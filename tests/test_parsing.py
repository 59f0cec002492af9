"""The safe text -> SymPy parser: grammar, precedence, the function whitelist, and hostile input.

Precedence is checked against Python's own rules without ever evaluating text:
hypothesis draws an expression tree, renders it with the fewest parentheses
Python's grammar needs (``ast.parse`` confirms the rendering means that tree),
and the parsed result, with numbers substituted, must equal the tree evaluated
directly with exact fractions.
"""

from __future__ import annotations

import ast
import keyword
import math
import operator
import os
import re
from fractions import Fraction

import hypothesis.strategies as st
import numpy as np
import pytest
import scipy.special
import sympy
from hypothesis import assume, given

from semiring_ad.errors import ExpressionError, SemiringADError
from semiring_ad.symbolic.parsing import FUNCTIONS, parse_assignment, parse_expression

x, y = sympy.symbols("x y")


def test_seed_example_equals_the_directly_built_expression():
    x1, x2 = sympy.symbols("x1 x2")
    assert parse_expression("ln(x1) + x1*x2 - sin(x2)") == sympy.log(x1) + x1 * x2 - sympy.sin(x2)


def test_variables_are_plain_symbols_without_assumptions():
    parsed = parse_expression("x")
    assert parsed == sympy.Symbol("x") and parsed.assumptions0 == sympy.Symbol("x").assumptions0
    assert parsed != sympy.Symbol("x", real=True)


@pytest.mark.parametrize(
    ("text", "value"),
    [("0.5", sympy.Rational(1, 2)), ("1e-3", sympy.Rational(1, 1000)), ("2.50E2", 250), (".25", sympy.Rational(1, 4)),
     ("1.", 1), ("007", 7), ("1e+2", 100), ("0.1", sympy.Rational(1, 10)), ("1" * 100, int("1" * 100))],
)  # fmt: skip
def test_numbers_are_exact(text, value):
    parsed = parse_expression(text)
    assert parsed == value and parsed.is_Rational


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_float_repr_parses_to_its_exact_decimal_value(value):
    exact = Fraction(repr(value))
    assert parse_expression(repr(value)) == sympy.Rational(exact.numerator, exact.denominator)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("-x**2", -(x**2)), ("-2**2", -4), ("2**3**2", 512), ("2^3^2", 512), ("(2**3)**2", 64),
     ("2**-1", sympy.Rational(1, 2)), ("2**-1**2", sympy.Rational(1, 2)), ("x-y-x", -y), ("x/y/x", 1 / y),
     ("+x", x), ("--x", x), ("2*-x", -2 * x),
     ("-x*y", -x * y), ("x^2", x**2), ("pi + e + E", sympy.pi + 2 * sympy.E), (" x\t+\n1 ", x + 1),
     ("pow(x, 2)", x**2), ("2**1024", sympy.Integer(2) ** 1024), ("x**-1024", x**-1024)],
)  # fmt: skip
def test_precedence_associativity_and_constants(text, expected):
    assert parse_expression(text) == expected


# -- precedence against Python, on random expression trees ---------------------------------------------------------
# A tree is ("num", text) | ("var", name) | ("paren", t) | ("unary", op, t) | ("bin", op, left, right, space).

ATOM, POWER, UNARY, PRODUCT, SUM = 5, 4, 3, 2, 1
PREC = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT, "**": POWER}
OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow}

numbers = st.one_of(
    st.integers(1, 1000).map(str),
    st.floats(1e-3, 1e3, allow_nan=False, allow_infinity=False).map(repr),
).map(lambda text: ("num", text))
leaves = st.one_of(numbers, st.sampled_from([("var", "x"), ("var", "y")]))
small_ints = st.integers(0, 3).map(lambda n: ("num", str(n)))
exponents = st.one_of(
    small_ints,
    small_ints.map(lambda t: ("unary", "-", t)),
    st.tuples(st.integers(0, 1), small_ints).map(lambda p: ("bin", "**", ("num", str(p[0])), p[1], "")),
)


def _extend(children):
    spaces = st.sampled_from(["", " "])
    return st.one_of(
        children.map(lambda t: ("paren", t)),
        st.tuples(st.sampled_from("+-"), children).map(lambda p: ("unary", *p)),
        st.tuples(st.sampled_from("+-*/"), children, children, spaces).map(lambda p: ("bin", *p)),
        st.tuples(children, exponents, spaces).map(lambda p: ("bin", "**", *p)),
    )


trees = st.recursive(leaves, _extend, max_leaves=12)


def render(tree) -> tuple[str, int]:
    """The text of ``tree`` with the parentheses Python's grammar needs (plus the tree's own), and its precedence."""
    kind = tree[0]
    if kind in ("num", "var"):
        return tree[1], ATOM
    if kind == "paren":
        return f"({render(tree[1])[0]})", ATOM
    if kind == "unary":
        text, prec = render(tree[2])
        return tree[1] + (text if prec >= UNARY else f"({text})"), UNARY
    op, (left, lp), (right, rp), space = tree[1], render(tree[2]), render(tree[3]), tree[4]
    if op == "**":  # the base is a primary; the exponent may be a unary expression (2**-1)
        left_ok, right_ok = lp == ATOM, rp >= UNARY
    else:  # left-associative
        left_ok, right_ok = lp >= PREC[op], rp > PREC[op]
    left, right = (left if left_ok else f"({left})"), (right if right_ok else f"({right})")
    return f"{left}{space}{op}{space}{right}", PREC[op]


def strip_parens(tree):
    if tree[0] == "paren":
        return strip_parens(tree[1])
    if tree[0] == "num":
        return ("num", Fraction(tree[1]))
    if tree[0] == "unary":
        return ("unary", tree[1], strip_parens(tree[2]))
    if tree[0] == "bin":
        return ("bin", tree[1], strip_parens(tree[2]), strip_parens(tree[3]))
    return tree


AST_OPS = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.UAdd: "+", ast.USub: "-"}


def from_ast(node):
    """The tree Python's own parser sees (``ast.parse`` only parses; it evaluates nothing)."""
    if isinstance(node, ast.Constant):
        return ("num", Fraction(repr(node.value)))
    if isinstance(node, ast.Name):
        return ("var", node.id)
    if isinstance(node, ast.UnaryOp):
        return ("unary", AST_OPS[type(node.op)], from_ast(node.operand))
    return ("bin", AST_OPS[type(node.op)], from_ast(node.left), from_ast(node.right))


def evaluate(tree, env: dict[str, Fraction], sizes: list[int]) -> Fraction:
    """Evaluate the tree directly with exact fractions, recording the bit size of every intermediate."""
    kind = tree[0]
    if kind == "num":
        value = Fraction(tree[1])
    elif kind == "var":
        value = env[tree[1]]
    elif kind == "paren":
        value = evaluate(tree[1], env, sizes)
    elif kind == "unary":
        operand = evaluate(tree[2], env, sizes)
        value = -operand if tree[1] == "-" else +operand
    else:
        value = OPS[tree[1]](evaluate(tree[2], env, sizes), evaluate(tree[3], env, sizes))
    sizes.append(max(value.numerator.bit_length(), value.denominator.bit_length()))
    return value


@given(trees)
def test_renderer_matches_pythons_own_grammar(tree):
    text, _ = render(tree)
    assert from_ast(ast.parse(text, mode="eval").body) == strip_parens(tree), text


@given(trees, numbers, numbers, st.booleans())
def test_precedence_matches_python_on_random_trees(tree, x_value, y_value, caret):
    env = {"x": Fraction(x_value[1]), "y": Fraction(y_value[1])}
    sizes: list[int] = []
    try:
        expected = evaluate(tree, env, sizes)
    except ZeroDivisionError:
        assume(False)
    assume(max(sizes) <= 300)
    text, _ = render(tree)
    parsed = parse_expression(text.replace("**", "^") if caret else text)
    value = parsed.subs({x: sympy.Rational(x_value[1]), y: sympy.Rational(y_value[1])})
    assert value == sympy.Rational(expected.numerator, expected.denominator), text


# -- the function whitelist ------------------------------------------------------------------------------------------

EXPECTED = {  # name -> (SymPy expression for name(x[, y]), numeric reference)
    "exp": (sympy.exp(x), np.exp),
    "expm1": (sympy.exp(x) - 1, np.expm1),
    "log": (sympy.log(x), np.log),
    "ln": (sympy.log(x), math.log),
    "log1p": (sympy.log(1 + x), np.log1p),
    "sqrt": (sympy.sqrt(x), np.sqrt),
    "sin": (sympy.sin(x), np.sin),
    "cos": (sympy.cos(x), np.cos),
    "tan": (sympy.tan(x), np.tan),
    "arcsin": (sympy.asin(x), np.arcsin),
    "asin": (sympy.asin(x), math.asin),
    "arccos": (sympy.acos(x), np.arccos),
    "acos": (sympy.acos(x), math.acos),
    "arctan": (sympy.atan(x), np.arctan),
    "atan": (sympy.atan(x), math.atan),
    "sinh": (sympy.sinh(x), np.sinh),
    "cosh": (sympy.cosh(x), np.cosh),
    "tanh": (sympy.tanh(x), np.tanh),
    "sigmoid": (1 / (1 + sympy.exp(-x)), scipy.special.expit),
    "logistic": (1 / (1 + sympy.exp(-x)), scipy.special.expit),
    "abs": (sympy.Abs(x), abs),
    "square": (x**2, np.square),
    "reciprocal": (1 / x, np.reciprocal),
    "relu": (sympy.Max(0, x), lambda v: max(v, 0.0)),
    "maximum": (sympy.Max(x, y), np.maximum),
    "max": (sympy.Max(x, y), max),
    "minimum": (sympy.Min(x, y), np.minimum),
    "min": (sympy.Min(x, y), min),
    "pow": (x**y, np.power),
}


def test_every_whitelisted_function_has_a_reference():
    assert set(EXPECTED) == set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_parses_to_the_right_sympy_function(name):
    expected, reference = EXPECTED[name]
    arity = FUNCTIONS[name][0]
    parsed = parse_expression(f"{name}({', '.join('xy'[:arity])})")
    assert parsed == expected
    points = [(0.3, 0.7), (0.8, 0.2)] + ([(-0.4, 0.6)] if name in ("relu", "abs", "max", "min", "square") else [])
    for point in points:
        got = float(parsed.subs({x: point[0], y: point[1]}))
        assert got == pytest.approx(float(reference(*point[:arity])), rel=1e-12, abs=1e-15), (name, point)


# -- refusals --------------------------------------------------------------------------------------------------------

HOSTILE = [
    ("__import__('os').system('touch /tmp/pwned')", 0),
    ("x.real", 1),
    ("lambda: 1", 0),
    ("(lambda x: x)(1)", 1),
    ("[1,2]", 0),
    ('"a"', 0),
    ("x; y", 1),
    ("x = 1", 2),
    ("2**99999", 3),
    ("x**5000", 3),
    ("10**10**10", 4),
    ("9" * 200, 0),
    ("sin(x, y)", 0),
    ("foo(x)", 0),
    ("", 0),
    ("x +", 3),
    ("(x", 2),
    ("x)", 1),
    ("sin()", 4),
    ("max(x)", 0),
    ("1,2", 1),
    ("(1, 2)", 2),
    ("2x y", 3),
    ("x if y else 1", 2),
    ("__x + 1", 0),
    ("sin + 1", 0),
    ("pi(2)", 0),
    ("x**1025", 3),
    ("1e5000", 0),
    ("1/(x - x)", 2),
    ("log(0)", 0),
    ("x ** y ** 2 . 5", 12),
    ("\u0663", 0),
    ("x\u00a0+ 1", 1),
    ("{x}", 0),
    ("x:y", 1),
]


@pytest.mark.parametrize(("text", "position"), HOSTILE)
def test_hostile_input_is_refused_at_the_offending_position(text, position):
    existed = os.path.exists("/tmp/pwned")
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    err = info.value
    assert isinstance(err, SemiringADError) and isinstance(err, ValueError)
    assert err.position == position and err.text == text
    message = str(err)
    assert f"at position {position}" in message
    first, shown, caret = message.splitlines()
    assert re.fullmatch(rf".+ at position {position}; .+", first), first  # the problem, then what to do
    if len(text) < 40:
        assert shown == "  " + text.replace("\u00a0", " ")
        assert caret == " " * (2 + position) + "^"
    assert existed or not os.path.exists("/tmp/pwned")


def test_code_injection_never_runs(tmp_path):
    target = tmp_path / "pwned"
    for text in (f"__import__('os').system('touch {target}')", f"open('{target}', 'w')", "exec('1')", "eval('1')"):
        with pytest.raises(ExpressionError):
            parse_expression(text)
    assert not target.exists()


@pytest.mark.parametrize("depth", [101, 500, 1000])
@pytest.mark.parametrize("opener", ["(", "-", "sin(", "x**"])
def test_deep_nesting_is_an_expression_error_not_a_recursion_error(depth, opener):
    closer = ")" if opener.endswith("(") else ""
    text = opener * depth + "x" + closer * depth
    with pytest.raises(ExpressionError, match="nested too deeply") as info:
        parse_expression(text)
    assert text[info.value.position] == opener[0]


def test_nesting_up_to_the_limit_is_accepted():
    assert parse_expression("(" * 100 + "x" + ")" * 100) == x
    assert parse_expression("-" * 100 + "x") == x
    assert parse_expression("sin(" * 99 + "x" + ")" * 99).free_symbols == {x}


def test_overlong_input_is_refused_but_long_flat_input_is_fast():
    with pytest.raises(ExpressionError, match="limit is 10000") as info:
        parse_expression("x+" * 5000 + "x")
    assert info.value.position is None
    text = " - ".join(f"x{i}*y{i}" for i in range(800))  # 9 600 characters: parsed in linear, not quadratic, time
    assert len(parse_expression(text).args) == 800


@pytest.mark.parametrize(
    "text",
    ["(2**1000)**1000", "((2**512)**2)**2", "square(square(square(square(2**1000*x))))", "exp(1e300*log(2))",
     "e**(2000*log(x))", "(2*e)**(1e300*log(3))", "1e-400", "9**1024", "(2**1020 + 8)**(1023/1024)",
     "*".join(f"sqrt(2**200 + {2 * i + 1})" for i in range(40)), "pow(10, 10**10)", "1e300*1e300*1e300*1e300"],
)  # fmt: skip
def test_runaway_evaluation_is_refused(text):
    with pytest.raises(ExpressionError, match=r"too large|limit"):
        parse_expression(text)


def test_undefined_and_incomparable_values_are_expression_errors():
    for text in ("1/0", "x/0", "reciprocal(0)", "tan(pi/2)", "0**-1", "max(sqrt(-1), 1)"):
        with pytest.raises(ExpressionError):
            parse_expression(text)


def test_variables_restrict_the_free_names():
    assert parse_expression("x*y + pi", variables=["x", "y"]) == x * y + sympy.pi
    with pytest.raises(ExpressionError, match="allowed variables: x, y") as info:
        parse_expression("x + z", variables=("x", "y"))
    assert info.value.position == 4
    with pytest.raises(ExpressionError, match="not the string"):
        parse_expression("x", variables="xy")


@given(st.lists(st.sampled_from([*"xy1e.()+-*/^, =_'[]a\"29", "sin", "**", "max", "\t"]), max_size=30).map("".join))
def test_arbitrary_text_gives_an_expression_or_an_expression_error(text):
    try:
        result = parse_expression(text)
    except ExpressionError as err:
        assert err.position is None or 0 <= err.position <= len(text)
    else:
        assert isinstance(result, sympy.Expr)


# -- point specifications --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [("x1=2", ("x1", 2.0)), ("x2=-0.5", ("x2", -0.5)), ("y=1e-3", ("y", 0.001)), (" y = +.5 ", ("y", 0.5)),
     ("z=1E3", ("z", 1000.0)), ("_t=7.", ("_t", 7.0))],
)  # fmt: skip
def test_parse_assignment_accepts_name_equals_number(text, expected):
    assert parse_assignment(text) == expected


@pytest.mark.parametrize(
    ("text", "position"),
    [("x1", 2), ("=2", 0), ("x=", 2), ("x=nan", 2), ("x=inf", 2), ("x=1_000", 3), ("x=2+3", 3), ("x==2", 2),
     ("x=__import__('os')", 2), ("2=x", 0), ("x=1e999", 2), ("__x=1", 0), ("sin=1", 0), ("e=1", 0), ("x=0x10", 3),
     ("x=1;y=2", 3), ("lambda=1", 0), ("x=1 2", 4), ("", 0)],
)  # fmt: skip
def test_parse_assignment_refuses_everything_else(text, position):
    with pytest.raises(ExpressionError) as info:
        parse_assignment(text)
    assert info.value.position == position
    assert re.match(rf".+ at position {position}; .+\n  .*\n *\^$", str(info.value)), str(info.value)


names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,8}", fullmatch=True).filter(
    lambda n: not keyword.iskeyword(n) and not n.startswith("__") and n not in FUNCTIONS and n not in ("pi", "e", "E")
)


@given(names, st.floats(allow_nan=False, allow_infinity=False))
def test_parse_assignment_round_trips_any_finite_float(name, value):
    assert parse_assignment(f"{name}={value!r}") == (name, value)
