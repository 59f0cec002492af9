"""Tracing: the tape, the graph view, re-evaluation with ``at()``, and tracing errors.

Oracles: the published traces of Baydin et al. (2018, Table 2/3) and Reps
(CS 703), ``sympy.diff`` of the same expression built with SymPy, path
enumeration over the ``networkx`` view (Bauer's formula, brute force), plain
``math`` loops and NumPy.
"""

from __future__ import annotations

import math

import expressions as ex
import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

import semiring_ad as sad
from semiring_ad import (
    ComputationGraph,
    DomainError,
    Dual,
    SemiringADError,
    StaleTraceError,
    TraceError,
    UnknownPrimitiveError,
    enumerate_paths,
    trace,
)
from semiring_ad.ad.primitives import PRIMITIVES

BAYDIN_POINT = (2.0, 5.0)
BAYDIN_VALUE = math.log(2.0) + 2.0 * 5.0 - math.sin(5.0)  # 11.6521
BAYDIN_GRAD = (1 / 2.0 + 5.0, 2.0 - math.cos(5.0))  # (5.5, 1.7163)


def baydin(x1, x2):
    return sad.log(x1) + x1 * x2 - sad.sin(x2)


def reps(x, y):
    return (x + 4 * y) * ((x + y) * y)


def path_sum_by_enumeration(G: nx.MultiDiGraph, source: int, target: int) -> float:
    """Bauer's formula, brute force: Σ over paths of Π of edge weights (keys keep parallel edges apart)."""
    total = 0.0
    for path in enumerate_paths(G, source, target):
        total += math.prod(G.edges[e]["weight"] for e in path)
    return total


# -- the worked examples --------------------------------------------------------


def test_baydin_trace_values_and_gradient():
    g = trace(baydin, *BAYDIN_POINT)
    assert isinstance(g, ComputationGraph)
    assert g.value == pytest.approx(11.652071455223084, rel=1e-15)
    assert g.value == pytest.approx(BAYDIN_VALUE, rel=1e-15)
    for mode in ("forward", "reverse", "auto"):
        J = g.jacobian(mode=mode)
        assert J.shape == (2,) and J.dtype == float
        np.testing.assert_allclose(J, BAYDIN_GRAD, rtol=1e-14)
        np.testing.assert_allclose(J, [5.5, 1.7163378145367738], rtol=1e-12)


def test_baydin_primal_trace_and_edge_weights():
    """Baydin's primal trace (v1 = ln v₋₁, v2 = v₋₁v0, v3 = sin v0, v4 = v1 + v2, v5 = v4 − v3) and its partials."""
    g = trace(baydin, *BAYDIN_POINT)
    G = g.to_networkx()
    by_op = {data["op"]: (n, data["value"]) for n, data in G.nodes(data=True)}
    assert sorted(by_op) == ["add", "input", "log", "multiply", "sin", "subtract"]
    assert by_op["log"][1] == pytest.approx(0.693, abs=1e-3)
    assert by_op["multiply"][1] == pytest.approx(10.000)
    assert by_op["sin"][1] == pytest.approx(-0.959, abs=1e-3)
    assert by_op["add"][1] == pytest.approx(10.693, abs=1e-3)
    assert by_op["subtract"][1] == pytest.approx(11.652, abs=1e-3)
    x1, x2 = g.inputs
    name = {x1: "x1", x2: "x2"}
    weights = {(name.get(u, G.nodes[u]["op"]), G.nodes[v]["op"]): w for u, v, w in G.edges(data="weight")}
    assert weights == pytest.approx({
        ("x1", "log"): 1 / 2.0, ("x1", "multiply"): 5.0, ("x2", "multiply"): 2.0, ("x2", "sin"): math.cos(5.0),
        ("log", "add"): 1.0, ("multiply", "add"): 1.0, ("add", "subtract"): 1.0, ("sin", "subtract"): -1.0,
    })  # fmt: skip
    assert G.nodes[x1]["label"] == "x0" and G.nodes[x2]["label"] == "x1"


def test_reps_example():
    g = trace(reps, 3.0, 5.0)
    assert g.value == 920.0
    np.testing.assert_array_equal(g.jacobian("forward"), [155.0, 459.0])
    np.testing.assert_array_equal(g.jacobian("reverse"), [155.0, 459.0])
    G = g.to_networkx()
    for x, expected in zip(g.inputs, (155.0, 459.0), strict=True):
        assert path_sum_by_enumeration(G, x, g.outputs[0]) == expected


# -- the graph view -------------------------------------------------------------


def test_inputs_outputs_are_networkx_node_ids():
    g = trace(lambda x, y: [x * y, sad.exp(x)], 1.0, 2.0)
    G = g.to_networkx()
    assert isinstance(G, nx.MultiDiGraph) and isinstance(G, nx.DiGraph)
    assert nx.is_directed_acyclic_graph(G)
    assert all(G.nodes[i]["op"] == "input" for i in g.inputs)
    assert [G.nodes[o]["op"] for o in g.outputs] == ["multiply", "exp"]
    assert [G.nodes[o]["value"] for o in g.outputs] == [2.0, math.e]
    assert G.number_of_nodes() == g.n_nodes == g.compiled.n_nodes
    assert G.number_of_edges() == g.n_edges


def test_square_by_repeated_operand_has_two_parallel_edges():
    """Bauer: x·x is two edges, two paths, ∂/∂x = x + x."""
    g = trace(lambda x: x * x, 3.0)
    G = g.to_networkx()
    (x,), (y,) = g.inputs, g.outputs
    assert G.number_of_edges(x, y) == 2
    assert [w for _, _, w in G.edges(data="weight")] == [3.0, 3.0]
    paths = list(enumerate_paths(G, x, y))
    assert len(paths) == 2
    assert path_sum_by_enumeration(G, x, y) == 6.0 == g.jacobian("reverse") == g.jacobian("forward")


@pytest.mark.parametrize("k", [1, 3, 6])
def test_repeated_squaring_sums_two_to_the_k_paths(k):
    def f(x):
        for _ in range(k):
            x = x * x
        return x

    g = trace(f, 1.01)
    G = g.to_networkx()
    paths = list(enumerate_paths(G, g.inputs[0], g.outputs[0]))
    assert len(paths) == 2**k
    expected = 2**k * 1.01 ** (2**k - 1)  # d/dx x^(2^k)
    assert path_sum_by_enumeration(G, g.inputs[0], g.outputs[0]) == pytest.approx(expected, rel=1e-12)
    assert g.jacobian("reverse") == pytest.approx(expected, rel=1e-12)
    assert g.jacobian("forward") == pytest.approx(expected, rel=1e-12)


@given(ex.expression_and_point(n_vars=2, max_depth=3))
def test_bauer_path_enumeration_equals_gradient(case):
    e, point = case
    g = trace(ex.as_function(e), *point)
    G = g.to_networkx()
    brute = [path_sum_by_enumeration(G, x, g.outputs[0]) for x in g.inputs]
    np.testing.assert_allclose(g.jacobian("reverse"), brute, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(g.jacobian("forward"), brute, rtol=1e-9, atol=1e-12)


def test_compiled_graph_solves_like_the_networkx_view():
    g = trace(reps, 3.0, 5.0)
    for x, expected in zip(g.inputs, (155.0, 459.0), strict=True):
        assert sad.path_sum(g.compiled, sad.PLUS_TIMES, x, g.outputs[0]) == expected
        assert sad.path_sum(g.to_networkx(), sad.PLUS_TIMES, x, g.outputs[0]) == expected


@pytest.mark.parametrize("name", sorted(n for n, p in PRIMITIVES.items() if p.ufunc is not None))
def test_numpy_ufunc_on_a_single_tracer_records_its_row(name):
    """Every row with a ufunc: ``ufunc(tracer)`` records that row; value vs NumPy, partials vs sympy.diff."""
    prim = PRIMITIVES[name]
    point = tuple(lo + (hi - lo) * (0.3 + 0.2 * i) for i, (lo, hi) in enumerate(ex.intervals(name)))
    g = trace(lambda *xs: prim.ufunc(*xs), *point)
    G = g.to_networkx()
    assert G.nodes[g.outputs[0]]["op"] == name
    assert g.value == pytest.approx(float(prim.ufunc(*point)), rel=1e-13)
    symbols = sympy.symbols(f"a0:{prim.arity}", real=True)
    expr = prim.sympy(*symbols)
    oracle = [ex.sympy_value(sympy.diff(expr, s), symbols, point) for s in symbols]
    np.testing.assert_allclose(np.atleast_1d(g.jacobian("reverse")), oracle, rtol=1e-12)


def test_numpy_object_arrays_of_tracers():
    W = np.array([[1.0, -2.0, 0.5], [0.3, 0.7, -1.1]])
    x0 = np.array([0.2, -0.4, 0.9])
    g = trace(lambda x: np.sum(np.tanh(W @ x)), x0)
    expected = W.T @ (1 - np.tanh(W @ x0) ** 2)
    np.testing.assert_allclose(g.jacobian("reverse"), expected, rtol=1e-13)
    np.testing.assert_allclose(g.jacobian("forward"), expected, rtol=1e-13)
    h = trace(lambda x: np.sin(x) * x, x0)
    assert h.out_shape == (3,) and h.value.dtype == float
    np.testing.assert_allclose(h.jacobian(), np.diag(np.cos(x0) * x0 + np.sin(x0)), rtol=1e-13)


# -- comparisons, branches and at() ----------------------------------------------


def abs_by_branch(x):
    return x if x > 0 else -x


def halve_until_small(x):
    while x > 0.1:
        x = x / 2
    return x


@given(ex.expression_and_point(n_vars=2, max_depth=3), st.tuples(*[st.floats(*ex.VAR_BOX)] * 2))
def test_at_equals_a_fresh_trace(case, other):
    e, point = case
    f = ex.as_function(e)
    again = trace(f, *point).at(*other)
    fresh = trace(f, *other)
    assert again.value == pytest.approx(fresh.value, rel=1e-14, abs=1e-14)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(again.jacobian(mode), fresh.jacobian(mode), rtol=1e-13, atol=1e-14)


def test_changed_branch_raises_stale_trace_error():
    g = trace(abs_by_branch, 1.5)
    assert g.at(2.5).value == 2.5 and g.at(2.5).jacobian() == 1.0
    with pytest.raises(StaleTraceError, match="trace the function again") as info:
        g.at(-1.5)
    assert isinstance(info.value, SemiringADError) and isinstance(info.value, TraceError)
    assert issubclass(StaleTraceError, SemiringADError)
    assert trace(abs_by_branch, -1.5).jacobian() == -1.0


def test_changed_loop_count_raises_stale_trace_error():
    g = trace(halve_until_small, 0.3)  # two halvings
    assert g.at(0.35).value == pytest.approx(0.0875)
    with pytest.raises(StaleTraceError):
        g.at(0.9)  # three halvings
    with pytest.raises(StaleTraceError):
        g.at(np.array([0.3, 0.9]))  # one point of the array takes another branch


@given(ex.expression_and_point(n_vars=2, max_depth=3), st.lists(st.floats(*ex.VAR_BOX), min_size=6, max_size=6))
def test_at_with_arrays_of_points_equals_pointwise_traces(case, coords):
    e, point = case
    f = ex.as_function(e)
    xs = np.array(coords).reshape(2, 3)
    batched = trace(f, *point).at(*xs)
    value = np.broadcast_to(np.asarray(batched.value, dtype=float), (3,))
    J = batched.jacobian("reverse")
    for k in range(3):
        single = trace(f, *xs[:, k])
        assert value[k] == pytest.approx(single.value, rel=1e-13, abs=1e-14)
        for i in range(2):
            entry = np.broadcast_to(np.asarray(J[i], dtype=float), (3,))
            assert entry[k] == pytest.approx(single.jacobian("reverse")[i], rel=1e-12, abs=1e-14)


def test_bug_at_arrays_jacobian_is_a_float_array_of_full_shape():
    pts = np.array([1.0, 2.0, 3.0])
    J = trace(lambda x, y: x * x, 1.0, 2.0).at(pts, pts + 1).jacobian("reverse")
    assert J.dtype == float and J.shape == (2, 3)
    np.testing.assert_array_equal(J, [2 * pts, 0 * pts])
    J = trace(lambda x, y: x + y, 1.0, 2.0).at(pts, pts + 1).jacobian("reverse")
    assert J.dtype == float and J.shape == (2, 3)


def test_at_with_sympy_symbols_gives_sympy_diff():
    x, y = sympy.symbols("x y", positive=True)
    s = trace(baydin, *BAYDIN_POINT).at(x, y)
    expr = sympy.log(x) + x * y - sympy.sin(y)
    assert sympy.simplify(s.value - expr) == 0
    for entry, var in zip(s.jacobian("reverse"), (x, y), strict=True):
        assert sympy.simplify(entry - sympy.diff(expr, var)) == 0


def test_at_with_dual_numbers_gives_directional_derivative():
    d = trace(baydin, *BAYDIN_POINT).at(Dual(2.0, 1.0), Dual(5.0, 2.0))
    assert isinstance(d.value, Dual)
    assert d.value.value == pytest.approx(BAYDIN_VALUE)
    assert d.value.tangent == pytest.approx(BAYDIN_GRAD[0] + 2 * BAYDIN_GRAD[1])


# -- deep graphs -------------------------------------------------------------------


def test_chain_of_1e5_operations_forward_and_reverse():
    n = 100_000
    g = trace(lambda x: _sin_chain(x, n), 0.3)
    assert g.n_nodes == n + 1
    x, expected = 0.3, 1.0  # oracle: the chain rule as a plain loop, d sin^n = Π cos(x_k)
    for _ in range(n):
        expected *= math.cos(x)
        x = math.sin(x)
    assert g.value == pytest.approx(x, rel=1e-12)
    assert g.jacobian("forward") == pytest.approx(expected, rel=1e-9)
    assert g.jacobian("reverse") == pytest.approx(expected, rel=1e-9)


def _sin_chain(x, n):
    for _ in range(n):
        x = sad.sin(x)
    return x


# -- errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "convert",
    [float, int, math.sin, lambda t: np.array([t], dtype=float)],
    ids=["float", "int", "math.sin", "float-array"],
)
def test_converting_a_tracer_to_float_raises_trace_error(convert):
    with pytest.raises(TraceError, match="semiring_ad's functions"):
        trace(lambda x: convert(x), 1.0)


def test_unknown_primitive_raises():
    with pytest.raises(UnknownPrimitiveError, match="nope") as info:
        sad.apply("nope", 1.0)
    assert isinstance(info.value, SemiringADError)
    assert "register_primitive" in str(info.value)
    with pytest.raises(UnknownPrimitiveError):
        trace(lambda x: sad.apply("nope", x), 1.0)


@pytest.mark.parametrize(
    "f, x",
    [
        (lambda x: sad.log(x - 3.0), 1.0),
        (lambda x: sad.sqrt(-x), 2.0),
        (lambda x: 1.0 / (x - x), 1.0),
        (lambda x: sad.arcsin(x * 2), 0.75),
    ],
    ids=["log", "sqrt", "divide", "arcsin"],
)
def test_domain_errors_of_traced_values(f, x):
    with pytest.raises(DomainError) as info:
        trace(f, x)
    assert isinstance(info.value, SemiringADError) and isinstance(info.value, ValueError)
    assert "defined for" in str(info.value)


@pytest.mark.parametrize("f, args, match", [
    (3, (1.0,), "callable"),
    (lambda x: "text", (1.0,), "returned str"),
    (lambda x: None, (1.0,), "returned NoneType"),
    (lambda x: x, (True,), "boolean"),
    (lambda x: x, (np.array(["a"]),), "dtype"),
])  # fmt: skip
def test_untraceable_functions_raise_trace_error(f, args, match):
    with pytest.raises(TraceError, match=match):
        trace(f, *args)


def test_at_checks_its_arguments():
    g = trace(lambda x, y: x * y, 1.0, np.array([1.0, 2.0]))
    with pytest.raises(TraceError, match="expects 2 argument"):
        g.at(1.0)
    with pytest.raises(TraceError, match="shape"):
        g.at(1.0, np.array([1.0, 2.0, 3.0]))


def test_bug_leaked_tracer_raises_instead_of_returning_a_tracer():
    leaked = []
    sad.grad(lambda x: leaked.append(x) or x * x)(1.0)
    with pytest.raises(TraceError):
        sad.grad(lambda y: leaked[0] * y)(2.0)


def test_bug_truthiness_of_a_tracer_follows_its_value():
    f = lambda x: x * 1.0 if x else x * 2.0  # noqa: E731
    assert f(0.0) == 0.0 and sad.grad(f)(1.0) == 1.0
    assert sad.grad(f)(0.0) == 2.0  # the float program takes the else branch at 0.0
