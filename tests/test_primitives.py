"""The primitive table, its math namespaces and the public math functions.

Everything that loops over primitives is parametrized over ``PRIMITIVES``, so
a new row is checked automatically.  Oracles nobody here wrote: NumPy's
ufuncs, ``sympy.diff`` of the row's SymPy counterpart, and central finite
differences.
"""

from __future__ import annotations

import math
import zlib
from fractions import Fraction

import numpy as np
import pytest
import sympy
from hypothesis import assume, given
from hypothesis import strategies as st

from semiring_ad.ad import functions
from semiring_ad.ad.dispatch import GENERIC, evaluate, local_partials, namespace_for
from semiring_ad.ad.namespaces import FLOAT, NAMESPACE_FUNCTIONS, NUMPY, SYMPY
from semiring_ad.ad.primitives import (
    PRIMITIVES,
    SYMPY_FUNCTIONS,
    UFUNCS,
    Primitive,
    get_primitive,
    register_primitive,
)
from semiring_ad.errors import DomainError, SemiringADError, UnknownPrimitiveError

# One open interval per argument, inside the domain and away from poles.  A row
# not listed here is sampled on (0.2, 0.9), inside every elementary domain.
WIDE = (-3.0, 3.0)
DOMAINS = {
    "add": [WIDE, WIDE], "subtract": [WIDE, WIDE], "multiply": [WIDE, WIDE], "divide": [WIDE, (0.3, 3.0)],
    "maximum": [WIDE, WIDE], "minimum": [WIDE, WIDE], "power": [(0.2, 3.0), (-2.5, 2.5)],
    "negative": [WIDE], "square": [WIDE], "exp": [WIDE], "expm1": [WIDE], "sin": [WIDE], "cos": [WIDE],
    "arctan": [WIDE], "sinh": [WIDE], "cosh": [WIDE], "tanh": [WIDE], "sigmoid": [WIDE], "abs": [WIDE],
    "relu": [WIDE], "tan": [(-1.3, 1.3)], "sqrt": [(0.1, 5.0)], "reciprocal": [(0.2, 4.0)], "log": [(0.1, 5.0)],
    "log1p": [(-0.9, 5.0)], "arcsin": [(-0.9, 0.9)], "arccos": [(-0.9, 0.9)],
}  # fmt: skip
DEFAULT_INTERVAL = (0.2, 0.9)

# Kinks: a function of the arguments that vanishes exactly at the kink.
KINKS = {"abs": lambda x: x, "relu": lambda x: x, "maximum": lambda a, b: a - b, "minimum": lambda a, b: a - b}

# NumPy oracles for rows without a ufunc.
NUMPY_EXPRESSIONS = {"relu": lambda x: np.maximum(x, 0.0)}


def intervals(name: str) -> list[tuple[float, float]]:
    return DOMAINS.get(name, [DEFAULT_INTERVAL] * PRIMITIVES[name].arity)


def away_from_kink(name: str, point: tuple[float, ...], margin: float = 0.05) -> bool:
    return name not in KINKS or abs(KINKS[name](*point)) > margin


def sample_points(name: str, n: int = 5) -> list[tuple[float, ...]]:
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    points: list[tuple[float, ...]] = []
    while len(points) < n:
        point = tuple(float(rng.uniform(lo, hi)) for lo, hi in intervals(name))
        if away_from_kink(name, point):
            points.append(point)
    return points


CASES = [pytest.param(name, point, id=f"{name}-{k}") for name in sorted(PRIMITIVES)
         for k, point in enumerate(sample_points(name))]  # fmt: skip
NAMES = sorted(PRIMITIVES)
SMOOTH = [name for name in NAMES if name not in KINKS]


def symbols_for(name: str) -> tuple[sympy.Symbol, ...]:
    """Real symbols, positive where the sampled domain is (so SymPy may simplify log, sqrt, powers)."""
    return tuple(
        sympy.Symbol(f"x{i}", positive=True) if lo > 0 else sympy.Symbol(f"x{i}", real=True)
        for i, (lo, _) in enumerate(intervals(name))
    )


def numpy_oracle(name: str, point: tuple[float, ...]) -> float:
    prim = PRIMITIVES[name]
    if prim.ufunc is not None:
        return float(prim.ufunc(*point))
    if name in NUMPY_EXPRESSIONS:
        return float(NUMPY_EXPRESSIONS[name](*point))
    return float(prim.sympy(*map(sympy.Float, point)).evalf())


def finite_difference(name: str, point: tuple[float, ...], i: int) -> float:
    h = 1e-6 * max(1.0, abs(point[i]))
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    return (evaluate(name, *up) - evaluate(name, *down)) / (2 * h)


# -- the table itself -----------------------------------------------------------


REQUIRED = """add subtract multiply divide negative power square sqrt reciprocal exp expm1 log log1p sin cos tan
arcsin arccos arctan sinh cosh tanh sigmoid abs maximum minimum relu""".split()


def test_table_has_the_required_rows():
    assert set(REQUIRED) <= set(PRIMITIVES)


@pytest.mark.parametrize("name", NAMES)
def test_row_is_well_formed(name):
    prim = PRIMITIVES[name]
    assert prim.name == name
    assert prim.arity in (1, 2) and len(prim.partials) == prim.arity
    assert prim.doc and "\n" not in prim.doc
    if prim.ufunc is not None:
        assert isinstance(prim.ufunc, np.ufunc) and UFUNCS[prim.ufunc] == name
    if name in KINKS:
        assert "kink" in prim.doc or "tie" in prim.doc


def test_lookup_maps():
    for ufunc, name in [(np.add, "add"), (np.sin, "sin"), (np.power, "power"), (np.maximum, "maximum"),
                        (np.negative, "negative"), (np.reciprocal, "reciprocal"), (np.square, "square"),
                        (np.abs, "abs"), (np.absolute, "abs"), (np.divide, "divide")]:  # fmt: skip
        assert UFUNCS[ufunc] == name
    for cls, name in [(sympy.sin, "sin"), (sympy.exp, "exp"), (sympy.log, "log"), (sympy.Abs, "abs"),
                      (sympy.tanh, "tanh"), (sympy.asin, "arcsin"), (sympy.Pow, "power")]:  # fmt: skip
        assert SYMPY_FUNCTIONS[cls] == name
    assert all(name in PRIMITIVES for name in [*UFUNCS.values(), *SYMPY_FUNCTIONS.values()])
    x = sympy.Symbol("x")
    for cls, name in SYMPY_FUNCTIONS.items():  # the class really is what the counterpart builds
        if PRIMITIVES[name].arity == 1:
            assert isinstance(PRIMITIVES[name].sympy(x), cls)


@pytest.mark.parametrize("m", [FLOAT, NUMPY, SYMPY, GENERIC], ids=repr)
def test_every_namespace_is_complete(m):
    assert all(callable(getattr(m, f)) for f in NAMESPACE_FUNCTIONS)


def test_namespace_for():
    x = sympy.Symbol("x")
    assert namespace_for((1.0, 2, True, np.float64(1))) is FLOAT
    assert namespace_for((Fraction(1, 2),)) is FLOAT
    assert namespace_for((1.0, np.ones(2))) is NUMPY
    assert namespace_for((np.float32(1),)) is NUMPY
    assert namespace_for((x, 2.0)) is SYMPY
    assert namespace_for((object(),)) is GENERIC


# -- values ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "point"), CASES)
def test_float_value_matches_numpy(name, point):
    got = evaluate(name, *point)
    assert type(got) is float
    assert got == pytest.approx(numpy_oracle(name, point), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", NAMES)
def test_numpy_value_and_partials_match_float_elementwise(name):
    points = sample_points(name)
    arrays = [np.array(column) for column in zip(*points, strict=True)]
    out, parts = local_partials(name, *arrays)
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [evaluate(name, *p) for p in points], rtol=1e-12)
    for i, part in enumerate(parts):
        want = [local_partials(name, *p)[1][i] for p in points]
        np.testing.assert_allclose(np.broadcast_to(part, out.shape), want, rtol=1e-12)


@pytest.mark.parametrize(("name", "point"), CASES)
def test_generic_namespace_agrees_with_float(name, point):
    prim = PRIMITIVES[name]
    out = prim.value(GENERIC, *point)
    assert out == pytest.approx(evaluate(name, *point), rel=1e-14)
    for i, rule in enumerate(prim.partials):
        assert rule(GENERIC, *point, out) == pytest.approx(local_partials(name, *point)[1][i], rel=1e-14)


@pytest.mark.parametrize("name", NAMES)
def test_sympy_value_is_the_counterpart(name):
    syms = symbols_for(name)
    assert sympy.simplify(evaluate(name, *syms) - PRIMITIVES[name].sympy(*syms)) == 0


# -- partials -------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "point"), CASES)
def test_partials_match_sympy_diff(name, point):
    syms = symbols_for(name)
    expr = PRIMITIVES[name].sympy(*syms)
    at = dict(zip(syms, map(sympy.Float, point), strict=True))
    _, parts = local_partials(name, *point)
    for i, s in enumerate(syms):
        want = float(sympy.diff(expr, s).subs(at).evalf())
        assert float(parts[i]) == pytest.approx(want, rel=1e-10, abs=1e-12)


@pytest.mark.parametrize(("name", "point"), CASES)
def test_partials_match_finite_differences(name, point):
    _, parts = local_partials(name, *point)
    for i in range(len(point)):
        assert float(parts[i]) == pytest.approx(finite_difference(name, point, i), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", SMOOTH)
def test_sympy_partials_simplify_to_diff(name):
    syms = symbols_for(name)
    expr = PRIMITIVES[name].sympy(*syms)
    _, parts = local_partials(name, *syms)
    for i, s in enumerate(syms):
        assert sympy.simplify(parts[i] - sympy.diff(expr, s)) == 0, (name, i, parts[i])


@pytest.mark.parametrize("name", NAMES)
def test_sympy_rules_are_exact(name):
    out, parts = local_partials(name, *symbols_for(name))
    for e in (out, *parts):
        assert isinstance(e, sympy.Basic) and not e.atoms(sympy.Float), e


def test_wrt_skips_partials_not_asked_for():
    assert local_partials("power", -2.0, 3.0, wrt=(0,)) == (-8.0, (12.0,))  # no log(-2)
    with pytest.raises(DomainError, match="with respect to its second argument is undefined"):
        local_partials("power", -2.0, 3.0)
    x = sympy.Symbol("x")
    assert local_partials("power", x, 3, wrt=(0,)) == (x**3, (3 * x**2,))


# -- kinks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "want"),
    [("abs", (0.0,), (0,)), ("relu", (0.0,), (0,)), ("maximum", (1.5, 1.5), (1, 0)), ("minimum", (1.5, 1.5), (1, 0))],
)
def test_kink_conventions(name, args, want):
    assert local_partials(name, *args)[1] == want
    arrays = [np.array([a]) for a in args]
    assert [float(np.ravel(p)[0]) for p in local_partials(name, *arrays)[1]] == list(want)
    assert local_partials(name, *map(sympy.S, args))[1] == tuple(map(sympy.S, want))
    syms = sympy.symbols(f"a0:{len(args)}", real=True)
    sym_parts = local_partials(name, *syms)[1]
    assert tuple(p.subs(dict(zip(syms, args, strict=True))) for p in sym_parts) == want
    assert tuple(PRIMITIVES[name].partials[i](GENERIC, *args, 0.0) for i in range(len(args))) == want


@pytest.mark.parametrize("name", sorted(KINKS))
@pytest.mark.parametrize("side", [-1, 1])
def test_kink_ops_on_both_sides_match_sympy(name, side):
    prim = PRIMITIVES[name]
    point = (0.5 * side,) if prim.arity == 1 else (0.3 + 0.5 * side, 0.3)
    syms = symbols_for(name)
    expr = prim.sympy(*syms)
    at = dict(zip(syms, point, strict=True))
    parts = local_partials(name, *point)[1]
    assert [float(p) for p in parts] == [float(sympy.diff(expr, s).subs(at)) for s in syms]


@pytest.mark.parametrize("name", ["maximum", "minimum"])
@pytest.mark.parametrize("point", [(1.0, 1.0), (1.0, 2.0), (2.0, 1.0)])
def test_exactly_one_argument_gets_the_derivative(name, point):
    assert sum(local_partials(name, *point)[1]) == 1


# -- errors -------------------------------------------------------------------------------


DOMAIN_ERRORS = [
    (("log", -1.0), ["log(-1.0)", "x > 0"]),
    (("sqrt", -1.0), ["sqrt(-1.0)", "x >= 0"]),
    (("arcsin", 2.0), ["arcsin(2.0)", "-1 <= x <= 1"]),
    (("power", -8, 1 / 3), ["power(-8, 0.333", "integer"]),
    (("divide", 1.0, 0.0), ["divide(1.0, 0.0)", "b != 0"]),
    (("divide", 1, 0), ["divide(1, 0)", "b != 0"]),
    (("reciprocal", 0.0), ["reciprocal(0.0)", "x != 0"]),
    (("log1p", -2.0), ["log1p(-2.0)", "x > -1"]),
    (("exp", 1000.0), ["exp(1000.0)", "overflow"]),
    (("power", 10.0, 400.0), ["power(10.0, 400.0)", "overflow"]),
]


@pytest.mark.parametrize(("call", "words"), DOMAIN_ERRORS, ids=[c[0][0] for c in DOMAIN_ERRORS])
def test_domain_errors_name_the_call_and_the_domain(call, words):
    name, *args = call
    for compute in (evaluate, local_partials, functions.apply, lambda n, *a: getattr(functions, n)(*a)):
        with pytest.raises(DomainError) as info:
            compute(name, *args)
        assert isinstance(info.value, ValueError)
        for word in words:
            assert word in str(info.value)


def test_undefined_partial_is_a_domain_error_naming_the_partial():
    with pytest.raises(DomainError, match=r"the derivative of sqrt is infinite at 0\.0"):
        local_partials("sqrt", 0.0)


@given(st.sampled_from(NAMES), st.lists(st.floats(allow_nan=False, width=64), min_size=2, max_size=2))
def test_float_namespace_never_leaks_other_errors(name, xs):
    args = xs[: PRIMITIVES[name].arity]
    try:
        out, parts = local_partials(name, *args)
    except DomainError:
        return
    assert type(out) is float
    assert not any(isinstance(p, complex) for p in parts)


def test_unknown_primitive():
    with pytest.raises(UnknownPrimitiveError) as info:
        get_primitive("sinc")
    message = str(info.value)
    assert "'sinc'" in message and "arcsin" in message and "register_primitive(Primitive(" in message
    assert isinstance(info.value, KeyError)
    with pytest.raises(UnknownPrimitiveError):
        functions.apply("sinc", 1.0)


# -- registering a row ------------------------------------------------------------------


@pytest.fixture
def cube():
    prim = Primitive("cube", 1, lambda m, x: x * x * x, (lambda m, x, out: 3 * x * x,), lambda x: x**3,
                     np.cbrt, "x ** 3 (test row; np.cbrt stands in for a ufunc).")  # fmt: skip
    yield register_primitive(prim)
    del PRIMITIVES["cube"]
    del UFUNCS[np.cbrt]


def test_register_primitive(cube):
    assert get_primitive("cube") is cube and UFUNCS[np.cbrt] == "cube"
    assert local_partials("cube", 2.0) == (8.0, (12.0,))
    assert functions.apply("cube", sympy.Symbol("x")) == sympy.Symbol("x") ** 3
    with pytest.raises(SemiringADError, match="replace=True"):
        register_primitive(cube)
    assert register_primitive(cube, replace=True) is cube


def test_malformed_row_is_refused():
    with pytest.raises(SemiringADError, match="one partial per argument"):
        Primitive("bad", 2, lambda m, a, b: a, (lambda m, a, b, out: 1,), sympy.Add)


# -- the public functions and the dispatch protocol ---------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_every_row_has_a_public_function(name):
    f = getattr(functions, name)
    assert f.__name__ == name and "Examples" in f.__doc__
    point = sample_points(name)[0]
    assert f(*point) == evaluate(name, *point)
    assert np.allclose(f(*map(np.array, point)), evaluate(name, *point))
    syms = symbols_for(name)
    assert f(*syms) == evaluate(name, *syms)


def test_function_names():
    assert functions.absolute is functions.abs
    assert type(functions.add(1, 2)) is float and functions.add(1, 2) == 3.0
    assert functions.add(Fraction(1, 2), Fraction(1, 3)) == pytest.approx(5 / 6)
    with pytest.raises(TypeError, match="takes 1 argument"):
        functions.apply("sin", 1.0, 2.0)
    with pytest.raises(TypeError, match="__semiring_ad_apply__"):
        functions.sin("not a number")


class Probe:
    """Intercepts every call and records it."""

    __semiring_ad_level__ = 1

    def __init__(self, tag: str, level: int | None = None) -> None:
        self.tag = tag
        if level is not None:
            self.level = level

    def __semiring_ad_apply__(self, primitive, args):
        return (self.tag, primitive.name, args)


def test_protocol_object_intercepts():
    p = Probe("p")
    assert functions.sin(p) == ("p", "sin", (p,))
    assert functions.add(2.0, p) == ("p", "add", (2.0, p))


def test_highest_level_handles_the_call():
    low, high = Probe("low", level=1), Probe("high", level=5)
    assert functions.multiply(low, high)[0] == "high"
    assert functions.multiply(high, low)[0] == "high"
    assert functions.multiply(Probe("a"), Probe("b"))[0] == "a"  # a tie goes to the leftmost
    assert functions.multiply(Probe("class-level"), Probe("instance", level=0))[0] == "class-level"


def test_new_level_increases():
    assert functions.new_level() < functions.new_level()


# -- property tests -------------------------------------------------------------------------


@st.composite
def in_domain(draw):
    name = draw(st.sampled_from(NAMES))
    point = tuple(draw(st.floats(lo, hi, exclude_min=True, exclude_max=True)) for lo, hi in intervals(name))
    assume(away_from_kink(name, point, margin=1e-3))
    return name, point


@given(in_domain())
def test_property_value_matches_numpy(case):
    name, point = case
    assert evaluate(name, *point) == pytest.approx(numpy_oracle(name, point), rel=1e-12, abs=1e-15)


@given(in_domain())
def test_property_partials_match_finite_differences(case):
    name, point = case
    _, parts = local_partials(name, *point)
    for i in range(len(point)):
        assert math.isclose(parts[i], finite_difference(name, point, i), rel_tol=1e-5, abs_tol=1e-6)
