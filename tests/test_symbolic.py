"""SymPy front end and closed-form derivatives, checked against ``sympy.diff``.

Oracles: ``sympy.diff`` (symbolic), ``evalf`` at random points (numeric),
hand-derived derivatives from the seeds (Reps, Baydin), and counts of
distinct subexpressions (sharing).
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
import sympy
from hypothesis import assume, given

import semiring_ad as sad
from semiring_ad.ad.primitives import PRIMITIVES
from semiring_ad.errors import TraceError, UnknownPrimitiveError
from semiring_ad.symbolic.graphs import SymbolicGraph, from_sympy, symbolic_gradient, symbolic_jacobian

MODES = ("reverse", "forward")
X, Y = sympy.symbols("x y", real=True)


def _without_kink_convention(e: sympy.Expr) -> sympy.Expr:
    """Heaviside(a, h0) -> Heaviside(a): the value at a kink is the library's convention, not SymPy's."""
    return e.replace(sympy.Heaviside, lambda a, *h0: sympy.Heaviside(a))


def same(a: sympy.Expr, b: sympy.Expr) -> bool:
    """Symbolic equality: cheap ``expand`` first, then ``simplify``."""
    d = _without_kink_convention(sympy.sympify(a) - sympy.sympify(b))
    return d == 0 or sympy.expand(d) == 0 or sympy.simplify(d) == 0


def same_or_zero_at_points(a: sympy.Expr, b: sympy.Expr, symbols, points) -> bool:
    """``expand`` equality, else a - b evaluated to 30 digits is zero at every point.

    For the large random expressions ``simplify`` is slow (a minute) and still
    misses some identities; a nonzero analytic difference vanishing at random
    points to 1e-25 is practically impossible (random-evaluation identity test).
    """
    d = sympy.sympify(a) - sympy.sympify(b)
    if d == 0 or sympy.expand(d) == 0:
        return True
    scale = 1 + abs(complex(sympy.sympify(b).evalf(30, subs=dict(zip(symbols, points[0], strict=True)))))
    return all(abs(complex(d.evalf(30, subs=dict(zip(symbols, p, strict=True))))) < 1e-25 * scale for p in points)


def distinct_subexpressions(e: sympy.Expr) -> int:
    """Distinct subexpressions that contain a symbol (an independent, iterative count)."""
    seen, stack = set(), [e]
    while stack:
        s = stack.pop()
        if s not in seen and s.free_symbols:
            seen.add(s)
            stack.extend(s.args)
    return len(seen)


# -- every row of the table ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_row_partials_match_sympy_diff(name):
    row = PRIMITIVES[name]
    syms = [X, Y][: row.arity]
    expr = row.sympy(*syms)
    g = from_sympy(expr, syms)
    assert all(isinstance(w, sympy.Basic) for w in g.tape.partials)
    ops = [op for op in g.tape.ops if op not in (None, "const")]
    if isinstance(row.sympy, type):  # a SymPy class maps back to its own row: one node
        assert ops == [name]
    if ops == [name]:  # one node: each edge weight is the row's partial
        out = g.outputs[0]
        for u, v, w in g.to_networkx().edges(data="weight"):
            assert v == out
            assert same(w, sympy.diff(expr, g.symbols[u])), (name, u, w)
    for mode in MODES:  # any shape of graph: the path sums are the derivatives
        for d, s in zip(symbolic_gradient(expr, syms, mode), syms, strict=True):
            assert same(d, sympy.diff(expr, s)), (name, mode, d)


# -- the seeds -------------------------------------------------------------------


@pytest.mark.parametrize("mode", MODES)
def test_reps_example(mode):
    x, y = sympy.symbols("x y")
    f = (x + 4 * y) * (x + y) * y
    dx, dy = symbolic_gradient(f, mode=mode)
    assert sympy.expand(dx - (2 * x * y + 5 * y**2)) == 0
    assert sympy.expand(dy - (x**2 + 10 * x * y + 12 * y**2)) == 0
    g = from_sympy(f).at({x: 3, y: 5})
    assert g.value == 920.0
    assert g.jacobian(mode=mode).tolist() == [155.0, 459.0]


@pytest.mark.parametrize("mode", MODES)
def test_baydin_example(mode):
    x1, x2 = sympy.symbols("x1 x2")
    f = sympy.log(x1) + x1 * x2 - sympy.sin(x2)
    d1, d2 = symbolic_gradient(f, mode=mode)
    assert same(d1, 1 / x1 + x2)
    assert same(d2, x1 - sympy.cos(x2))
    J = from_sympy(f).at(x1=2.0, x2=5.0).jacobian(mode=mode)
    np.testing.assert_allclose(J, [5.5, 2.0 - math.cos(5.0)], rtol=1e-14)


# -- random expressions from the table's own builders ----------------------------

SYMS = sympy.symbols("x y z", positive=True)


def _positive(h):
    return 1 + h**2


def _bounded(h):
    return sympy.tanh(h)


def _half_unit(h):
    return sympy.tanh(h) / 2


# Arguments are wrapped so that they stay in the row's domain and values stay small.
_GUARDS = {
    "log": (_positive,), "sqrt": (_positive,), "reciprocal": (_positive,), "log1p": (_positive,),
    "arcsin": (_half_unit,), "arccos": (_half_unit,), "tan": (_bounded,), "exp": (_bounded,),
    "expm1": (_bounded,), "sinh": (_bounded,), "cosh": (_bounded,), "sigmoid": (_bounded,),
    "divide": (None, _positive), "power": (_positive, _bounded),
}  # fmt: skip


def _apply_row(name, kids):
    row = PRIMITIVES[name]
    guards = _GUARDS.get(name, (None,) * row.arity)
    return row.sympy(*(k if g is None else g(k) for k, g in zip(kids, guards, strict=False)))


def _has_kink(name):
    """Whether the row's derivative has a jump (Heaviside, sign): Max, Min, Abs, relu."""
    row = PRIMITIVES[name]
    expr = row.sympy(*[X, Y][: row.arity])
    return any(sympy.diff(expr, s).has(sympy.Heaviside, sympy.sign) for s in (X, Y))


def _expressions(names):
    leaves = st.one_of(st.sampled_from(SYMS), st.sampled_from([sympy.Integer(2), sympy.Rational(1, 3)]))
    rows = st.sampled_from(sorted(names))
    return st.recursive(
        leaves, lambda kids: st.builds(_apply_row, rows, st.lists(kids, min_size=2, max_size=2)), max_leaves=4
    )


# Symbolic equality of kinked derivatives needs case analysis SymPy cannot do (Heaviside(x - y)·
# Heaviside(Max(x, y) - 2) vs Heaviside(x - Max(2, y))), so those rows are checked numerically only.
smooth_expressions = _expressions([n for n in PRIMITIVES if not _has_kink(n)])
expressions = _expressions(PRIMITIVES)
points = st.tuples(*[st.floats(0.5, 2.0) for _ in SYMS])


@given(expr=smooth_expressions, samples=st.lists(points, min_size=3, max_size=3))
def test_random_expressions_symbolic_gradient(expr, samples):
    expected = [sympy.diff(expr, s) for s in SYMS]
    for mode in MODES:
        got = symbolic_gradient(expr, SYMS, mode)
        for a, b in zip(got, expected, strict=True):
            assert same_or_zero_at_points(a, b, SYMS, samples), (expr, mode, a, b)


def _at_a_kink(derivatives, subs) -> bool:
    """Whether a Heaviside or sign in the derivatives has a (near) zero argument at the point."""
    jumps = set().union(*(d.atoms(sympy.Heaviside, sympy.sign) for d in derivatives))
    return any(abs(complex(j.args[0].evalf(20, subs=subs))) < 1e-9 for j in jumps)


def _exact_value(e, subs) -> complex:
    """``e`` at ``subs`` to 20 digits; NaN where SymPy finds no finite number (zoo divides by zero)."""
    try:
        return complex(e.evalf(n=20, subs=subs))
    except (ZeroDivisionError, TypeError):
        return complex("nan")


@given(expr=expressions, point=points)
def test_random_expressions_numeric_gradient(expr, point):
    subs = dict(zip(SYMS, point, strict=True))
    derivatives = [sympy.diff(expr, s) for s in SYMS]
    assume(not _at_a_kink(derivatives, subs))  # where the derivative jumps, conventions differ
    exact = [_exact_value(v, subs) for v in (expr, *derivatives)]
    # outside the domain (log(log(x)) at x = 1): the library raises DomainError, tested elsewhere
    assume(all(np.isfinite(v) and abs(v.imag) < 1e-12 for v in exact))
    J = from_sympy(expr, SYMS).at(subs).jacobian()
    expected = [v.real for v in exact[1:]]
    np.testing.assert_allclose(np.asarray(J, dtype=float), expected, rtol=1e-9, atol=1e-12)


# -- structure ---------------------------------------------------------------------


def test_shared_subexpression_is_one_node():
    x, y = sympy.symbols("x y")
    f = sympy.sin(x * y) + sympy.cos(x * y) * sympy.exp(x * y)
    g = from_sympy(f)
    assert g.n_nodes == distinct_subexpressions(f) == 8
    (xy,) = [i for i, v in enumerate(g.tape.values) if v == x * y]
    assert g.to_networkx().out_degree(xy) == 3


def test_outputs_share_nodes():
    x, y = sympy.symbols("x y")
    g = from_sympy([sympy.sin(x * y), sympy.cos(x * y)])
    assert g.tape.ops.count("multiply") == 1
    assert g.out_shape == (2,)


def test_chain_partial_products_are_shared():
    x, y, z = sympy.symbols("x y z")
    g = from_sympy(x * y * z + x * y)  # the chain's x*y is the term x*y
    assert g.tape.ops.count("multiply") == 2


@pytest.mark.parametrize(
    ("expr", "ops"),
    [
        ("x + y + z", ["add", "add"]),
        ("x*y*z", ["multiply", "multiply"]),
        ("x - y", ["subtract"]),
        ("1 - x", ["subtract"]),
        ("-x - y", ["negative", "subtract"]),
        ("x/y", ["divide"]),
        ("3/x", ["divide"]),
        ("1/x", ["reciprocal"]),
        ("sqrt(x)", ["sqrt"]),
        ("x**2", ["square"]),
        ("x**y", ["power"]),
        ("-x", ["negative"]),
        ("2*pi*x", ["multiply"]),
        ("Max(x, y, z)", ["maximum", "maximum"]),
    ],
)
def test_nary_and_power_mapping(expr, ops):
    e = sympy.parse_expr(expr)  # test-only: literal strings written here
    g = from_sympy(e)
    assert [op for op in g.tape.ops if op not in (None, "const")] == ops
    assert sympy.expand(g.value - e) == 0


def test_deep_expression_needs_no_recursion():
    x, y = sympy.symbols("x y")
    e, depth = x, 1500  # deeper than Python's default recursion limit of 1000
    for _ in range(depth):
        e = x * e + y  # e_n = x**(n+1) + y (1 + x + ... + x**(n-1))
    J = from_sympy(e).at(x=0.5, y=0.5).jacobian()
    dx = sum(k * 0.5 ** (k - 1) for k in range(1, depth)) * 0.5
    np.testing.assert_allclose(J, [dx, 2.0], rtol=1e-12)


# -- inputs, parameters, points ----------------------------------------------------


def test_inputs_order_and_parameters():
    a, x, y = sympy.symbols("a x y")
    assert from_sympy(y + x).symbols == [x, y]  # default: sorted by name
    assert from_sympy(y + x, ["y", "x"]).symbols == [y, x]
    assert list(symbolic_gradient(a * x**2, wrt=[x])) == [2 * a * x]  # a is a parameter


def test_at_forms_agree_and_errors_name_symbols():
    x, y = sympy.symbols("x y")
    g = from_sympy(x * sympy.exp(y) + sympy.pi * x)
    forms = [g.at(1.0, 0.0), g.at({x: 1.0, y: 0.0}), g.at({"x": 1.0, "y": 0.0}), g.at(y=0.0, x=1.0)]
    for h in forms:
        assert isinstance(h, SymbolicGraph)
        assert type(h.value) is float
        np.testing.assert_allclose(h.jacobian(), [1 + math.pi, 1.0])
    with pytest.raises(TraceError, match=r"missing \['y'\]"):
        g.at({x: 1.0})
    with pytest.raises(TraceError, match=r"unknown \['w'\]"):
        g.at(x=1.0, y=2.0, w=3.0)
    a = sympy.Symbol("a")
    assert sympy.simplify(g.at(a, 0).value - (1 + sympy.pi) * a) == 0  # SymPy points stay symbolic


def test_at_dual_numbers_and_arrays():
    x = sympy.Symbol("x")
    g = from_sympy(sympy.sin(x) * 3)
    d = g.at(sad.Dual(0.0, 1.0)).value
    assert (d.value, d.tangent) == (0.0, 3.0)
    np.testing.assert_allclose(g.at(np.array([0.0, math.pi / 2])).value, [0.0, 3.0])


@pytest.mark.parametrize("mode", MODES)
def test_matrix_jacobian_matches_sympy(mode):
    x, y = sympy.symbols("x y")
    F = sympy.Matrix([[x * y, sympy.exp(x)], [sympy.tanh(y) / x, 7]])
    J = symbolic_jacobian(F, mode=mode)
    expected = F.reshape(4, 1).jacobian([x, y])
    assert J.shape == (4, 2)
    assert (J - expected).applyfunc(sympy.simplify) == sympy.zeros(4, 2)


def test_constant_and_identity_outputs():
    x = sympy.Symbol("x")
    assert symbolic_jacobian([x, sympy.Integer(3)], mode="forward") == sympy.Matrix([[1], [0]])
    g = from_sympy(sympy.Integer(3))
    assert g.inputs == [] and g.at().value == 3


def test_simplify_flag():
    x = sympy.Symbol("x")
    (d,) = symbolic_gradient(sympy.sin(x) ** 2 + sympy.cos(x) ** 2, simplify=True)
    assert d == 0


def test_gradient_needs_one_output():
    x = sympy.Symbol("x")
    with pytest.raises(TraceError, match="symbolic_jacobian"):
        symbolic_gradient([x, x**2])


# -- errors ------------------------------------------------------------------------


@pytest.mark.parametrize("make", [sympy.gamma, sympy.Function("f")], ids=["gamma", "undefined f"])
def test_unknown_function_is_named(make):
    x = sympy.Symbol("x")
    name = make(x).func.__name__
    with pytest.raises(UnknownPrimitiveError, match=rf"through {name}:.*register_primitive"):
        from_sympy(sympy.sin(make(x)) + x)


def test_unknown_function_of_constants_is_a_constant():
    x = sympy.Symbol("x")
    c = sympy.gamma(sympy.Rational(1, 3))
    assert list(symbolic_gradient(c * x)) == [c]


def test_text_is_refused():
    with pytest.raises(TypeError, match="parse_expression"):
        from_sympy("x + 1")


# -- tracing Python functions on SymPy symbols (no from_sympy involved) -----------


def test_trace_runs_on_symbols():
    x1, x2 = sympy.symbols("x1 x2")
    g = sad.trace(lambda a, b: sad.log(a) + a * b - sad.sin(b), x1, x2)
    assert g.labels()[:2] == ["x1", "x2"]
    assert g.value == sympy.log(x1) + x1 * x2 - sympy.sin(x2)
    # SymPy expressions, except the rules' plain int constants (add's partial is the int 1)
    assert all(isinstance(w, (sympy.Basic, int)) for w in g.tape.partials)
    assert any(isinstance(w, int) for w in g.tape.partials)
    np.testing.assert_allclose(g.at(2.0, 5.0).jacobian(), [5.5, 2.0 - math.cos(5.0)])
    for mode in MODES:
        d1, d2 = symbolic_gradient(lambda a, b: sad.log(a) + a * b - sad.sin(b), wrt=[x1, x2], mode=mode)
        assert same(d1, 1 / x1 + x2) and same(d2, x1 - sympy.cos(x2))


def test_python_function_needs_symbols():
    with pytest.raises(TraceError, match="wrt"):
        symbolic_gradient(lambda a: a * a)
