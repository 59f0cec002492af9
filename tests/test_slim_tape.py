"""Issue 13.3, the slim scalar tape: flat records, float fast paths, sweeps on the tape, pruned re-evaluation.

Oracles: the primitive table's own rules through ``local_partials`` (the
generic path the fast paths short-cut), ``sympy.diff``, hand derivatives, a
fresh trace at the new point, and primitives that count their calls (a value
that is not evaluated is not counted).  Memory and speed are measured in
``benchmarks/bench_ad.py``, never here.
"""

from __future__ import annotations

import math

import expressions as ex
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

import semiring_ad as sad
from semiring_ad.ad.dispatch import local_partials
from semiring_ad.ad.fastpaths import UNARY
from semiring_ad.ad.primitives import PRIMITIVES, Primitive, register_primitive
from semiring_ad.ad.replay import reads
from semiring_ad.errors import DomainError, StaleTraceError

POINTS = (0.3, 0.7, -0.4, 1.9)


# -- the fast paths compute what the table's rules compute ------------------------------------------


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_fast_path_equals_the_rows_rule(name):
    fn = getattr(sad, name)
    for x in POINTS:
        try:
            want_value, (want_partial,) = local_partials(name, x)
        except DomainError:
            continue
        g = sad.trace(fn, x)
        assert g.tape.ops == [None, name]
        assert g.value == want_value and type(g.value) is float
        assert g.tape.partials == [want_partial] and type(g.tape.partials[0]) is float


@pytest.mark.parametrize("name", ["add", "subtract", "multiply", "divide"])
@pytest.mark.parametrize("shape", ["tracer-tracer", "tracer-const", "const-tracer", "tracer-int"])
def test_binary_fast_path_equals_the_rows_rule(name, shape):
    op = {"add": lambda a, b: a + b, "subtract": lambda a, b: a - b, "multiply": lambda a, b: a * b,
          "divide": lambda a, b: a / b}[name]
    a, b = 0.7, -1.9
    if shape == "tracer-tracer":
        g, wrt = sad.trace(op, a, b), (0, 1)
    elif shape == "tracer-const":
        g, wrt = sad.trace(lambda x: op(x, b), a), (0,)
    elif shape == "const-tracer":
        g, wrt = sad.trace(lambda y: op(a, y), b), (1,)
    else:
        b = 3
        g, wrt = sad.trace(lambda x: op(x, b), a), (0,)
    value, partials = local_partials(name, a, b, wrt=wrt)
    assert g.value == value
    assert g.tape.partials == [float(w) for w in partials]
    assert all(type(w) is float for w in g.tape.partials)
    assert [tuple(spec) for spec in g.tape.args][-1] == tuple(
        ("n", wrt.index(i)) if i in wrt else ("c", (a, b)[i]) for i in range(2))


def test_negation_records_a_float_partial():
    g = sad.trace(lambda x: -x, 2.5)
    assert (g.value, g.tape.ops[-1], g.tape.partials) == (-2.5, "negative", [-1.0])


@pytest.mark.parametrize(("f", "x", "match"), [
    (lambda x: sad.log(x), -1.0, r"log\(-1.0\) is undefined"),
    (lambda x: x / (x - x), 2.0, "divide"),
    (lambda x: 1.0 / (x - x), 2.0, "divide"),
    (lambda x: 2 ** 1100 * x, 2.0, "digits|overflow"),
    (lambda x: sad.sqrt(x - x), 2.0, "sqrt"),
])
def test_fast_paths_hand_errors_to_the_generic_path(f, x, match):
    with pytest.raises(DomainError, match=match):
        sad.grad(f)(x)


def test_a_replaced_row_wins_over_the_fast_path_and_the_builtin_row_brings_it_back():
    original = PRIMITIVES["sin"]
    doubled = Primitive("sin", 1, lambda m, x: 2 * m.sin(x), (lambda m, x, out: 2 * m.cos(x),), original.sympy)
    register_primitive(doubled, replace=True)
    try:
        assert sad.grad(sad.sin)(0.5) == pytest.approx(2 * math.cos(0.5), rel=1e-15)
        assert sad.trace(lambda x: x.sin(), 0.5).value == pytest.approx(2 * math.sin(0.5), rel=1e-15)
    finally:
        register_primitive(original, replace=True)
    assert sad.grad(sad.sin)(0.5) == math.cos(0.5)


# -- three flat records; everything else derived -----------------------------------------------------


def test_the_tape_keeps_three_flat_records_and_derives_the_rest():
    g = sad.trace(lambda x, y: sad.sin(x * y) + 2.0 * x, 1.5, 0.5)
    t = g.tape
    assert set(t.__slots__) >= {"ops", "values", "ptr", "parents", "partials"}
    assert not hasattr(t, "refs") and not hasattr(t, "levels")
    assert t.consts == {4: (("c", 2.0), ("n", 0))}  # only the node with a constant keeps its spec
    assert list(t.args) == [(), (), (("n", 0), ("n", 1)), (("n", 2),), (("c", 2.0), ("n", 0)),
                            (("n", 3), ("n", 4))]
    assert t.labels == ["x0", "x1", "", "", "", ""]
    assert g.labels() == ["x0", "x1", "v_1", "v_2", "v_3", "v_4"]
    assert list(g.compiled.levels) == [0, 0, 1, 2, 1, 3]  # from the CSR arrays, on demand


# -- pruned re-evaluation: what is not read is not evaluated ----------------------------------------


@pytest.fixture
def counted():
    """A primitive ``counted_square`` whose value and partial rules count their calls."""
    calls = {"value": 0, "partial": 0}

    def value(m, x):
        calls["value"] += 1
        return x * x

    def partial(m, x, out):
        calls["partial"] += 1
        return 2 * x

    register_primitive(Primitive("counted_square", 1, value, (partial,), lambda x: x**2))
    try:
        yield (lambda x: sad.apply("counted_square", x)), calls
    finally:
        del PRIMITIVES["counted_square"]


def test_at_does_not_evaluate_nodes_that_no_output_depends_on(counted):
    sq, calls = counted

    def f(x):
        sq(x)  # dead: no output depends on it
        return x * 3.0

    g = sad.trace(f, 2.0)
    calls.update(value=0, partial=0)
    h = g.at(5.0)
    assert (h.value, h.jacobian()) == (15.0, 3.0)
    assert sad.grad(lambda x: f(x))(5.0) == 3.0
    fresh = sad.trace(f, 5.0).tape.values
    calls.update(value=0, partial=0)
    h = g.at(5.0)
    h.jacobian()
    assert calls == {"value": 0, "partial": 0}
    assert h.tape.values == fresh  # reading the tape evaluates the rest
    assert calls == {"value": 1, "partial": 1}


def test_vmap_grad_evaluates_only_the_values_the_gradient_reads(counted):
    sq, calls = counted
    f = lambda x, y: sq(x) * 2.0 + y  # noqa: E731  the gradient reads x (the partial 2x), not x*x
    xs, ys = np.linspace(0.5, 1.5, 7), np.linspace(-1.0, 1.0, 7)
    calls.update(value=0, partial=0)
    dx, dy = sad.vmap_grad(f, argnums=(0, 1))(xs, ys)
    np.testing.assert_allclose(dx, 4.0 * xs, rtol=1e-15)
    np.testing.assert_array_equal(dy, np.ones(7))
    assert calls == {"value": 1, "partial": 2}  # the trace at the first point, then one partial on arrays


def test_at_evaluates_what_a_guard_reads_and_still_refuses_a_changed_branch(counted):
    sq, calls = counted

    def f(x):
        return x * 2.0 if sq(x) > 1.0 else x * 3.0

    g = sad.trace(f, 2.0)
    calls.update(value=0, partial=0)
    assert g.at(3.0).jacobian() == 2.0
    assert calls["value"] == 1  # the comparison reads x*x, though no output does
    with pytest.raises(StaleTraceError):
        g.at(0.5)


def test_reads_is_conservative_when_a_rule_hands_its_argument_on():
    def helper(v):
        return v

    assert reads(lambda m, a, b, out: helper(a), 3) == (False, True, False, False)
    assert reads(lambda m, *args: args[0], 2) == (False, True, True)
    assert reads(max, 2) == (True, True, True)


@settings(max_examples=60, deadline=None)
@given(ex.expression_and_point(n_vars=2, max_depth=3), st.tuples(*[st.floats(*ex.VAR_BOX)] * 2))
def test_pruned_at_derivatives_equal_a_fresh_traces(case, other):
    e, point = case
    f = ex.as_function(e)
    h = sad.trace(f, *point).at(*other)
    fresh = sad.trace(f, *other)
    np.testing.assert_allclose(h.jacobian("reverse"), fresh.jacobian("reverse"), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.jacobian("forward"), fresh.jacobian("forward"), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(np.asarray(h.tape.values, dtype=float), np.asarray(fresh.tape.values, dtype=float),
                               rtol=1e-14, atol=1e-14)


# -- the reverse sweep on the tape's own lists -------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(ex.expression_and_point(n_vars=2, max_depth=3))
def test_grad_on_the_tape_equals_sympy_diff(case):
    e, point = case
    syms = sympy.symbols("x0 x1", real=True)
    expr = ex.as_sympy(e, syms)
    want = [ex.sympy_value(ex.real_diff(expr, s), syms, point) for s in syms]
    got = sad.grad(ex.as_function(e), argnums=(0, 1))(*point)
    np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)


def test_vmap_grad_returns_fresh_arrays_even_when_the_gradient_is_an_argument():
    xs, ys = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    dx, dy = sad.vmap_grad(lambda x, y: x * y, argnums=(0, 1))(xs, ys)
    np.testing.assert_array_equal(dx, ys)
    np.testing.assert_array_equal(dy, xs)
    assert not np.may_share_memory(dx, ys) and not np.may_share_memory(dy, xs)
    dx[:] = 0.0
    np.testing.assert_array_equal(ys, [3.0, 4.0])


def test_vmap_grad_of_a_difference_defers_no_sign():
    xs, ys = np.linspace(1.0, 3.0, 5), np.linspace(0.0, 6.0, 5)
    d1, d2 = sad.vmap_grad(lambda a, b: sad.log(a) + a * b - sad.sin(b), argnums=(0, 1))(xs, ys)
    np.testing.assert_allclose(d1, 1.0 / xs + ys, rtol=1e-15)
    np.testing.assert_allclose(d2, xs - np.cos(ys), rtol=1e-15)
    d = sad.vmap_grad(lambda a: -sad.sin(a) - sad.cos(a))(xs)
    np.testing.assert_allclose(d, np.sin(xs) - np.cos(xs), rtol=1e-14)


@pytest.mark.parametrize(("f", "good", "bad"), [
    (lambda x: 1.0 / x, 2.0, 0.0),
    (lambda x: sad.log(x) * x, 2.0, -1.0),
    (lambda x: sad.sqrt(x) + x, 4.0, 0.0),
    (lambda x: x / (x - 2.0), 3.0, 2.0),
])
def test_a_reused_trace_raises_the_tracers_error_where_the_point_leaves_the_domain(f, good, bad):
    """The straight-line replay hands an error back to the generic loop, which words it as tracing does."""
    with pytest.raises(DomainError) as traced:
        sad.trace(f, bad)
    g = sad.trace(f, good)
    with pytest.raises(DomainError) as replayed:
        g.at(bad)
    assert str(replayed.value) == str(traced.value)
    assert g.at(good).jacobian() == sad.trace(f, good).jacobian()  # the cached plan still works
