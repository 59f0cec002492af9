"""Regression tests for the AD layer: no silently wrong numbers (issue 15) and hardening (issue 14).

Each test is named after the case it pins.  Oracles: ``sympy.diff``, ``math``
closed forms, NumPy shapes, and the library's own scalar path where the claim is
that two paths follow one rule.
"""

from __future__ import annotations

import gc
import math
import operator
import threading

import networkx as nx
import numpy as np
import pytest
import sympy

import semiring_ad as sad
from semiring_ad.ad import collector
from semiring_ad.ad.dual import Dual, derivative
from semiring_ad.errors import DomainError, StaleTraceError, TraceError

# -- issue 15.1: conversions that would drop a tangent ------------------------------------

CONVERSIONS = {
    "float": float,
    "int": int,
    "index": operator.index,
    "complex": complex,
    "math.sin": math.sin,
    "range": range,
    "float array": lambda v: np.asarray([v], dtype=float),
    "0-d float array": lambda v: np.asarray(v, dtype=float),
}


@pytest.mark.parametrize("convert", CONVERSIONS.values(), ids=CONVERSIONS.keys())
def test_dual_conversions_refuse_instead_of_dropping_the_tangent(convert):
    with pytest.raises(TraceError, match="dual number") as info:
        convert(Dual(1.0, 1.0))
    assert "semiring_ad.sin" in str(info.value) or "complex" in str(info.value)


@pytest.mark.parametrize("convert", CONVERSIONS.values(), ids=CONVERSIONS.keys())
def test_tracer_conversions_refuse_instead_of_cutting_the_derivative(convert):
    with pytest.raises(TraceError, match="traced value"):
        sad.grad(lambda x: convert(x))(1.0)


def test_derivative_of_math_sin_raises_and_sad_sin_is_right():
    with pytest.raises(TraceError, match=r"semiring_ad\.sin"):
        derivative(math.sin, 1.0)
    assert derivative(sad.sin, 1.0) == pytest.approx(math.cos(1.0), rel=1e-15)


# -- issue 15.2: the finiteness rule, one rule for every path --------------------------------

CASES = {  # f, a point where some intermediate value or partial is not finite
    "sqrt(x*x) at 1e200": (lambda x: sad.sqrt(x * x), 1e200),
    "x*x*x at 1e200": (lambda x: x * x * x, 1e200),
    "exp(x)*exp(-x) at 800": (lambda x: sad.exp(x) * sad.exp(-x), 800.0),
    "x**2 at 1e200": (lambda x: x**2, 1e200),
    "1/x at 1e-310": (lambda x: 1.0 / x, 1e-310),
    "tanh(x*x) at 1e160": (lambda x: sad.tanh(x * x), 1e160),
    "sin(x*x) at 1e200": (lambda x: sad.sin(x * x), 1e200),  # sin(inf) fails later: the overflow is reported
}


@pytest.mark.parametrize(("f", "x"), CASES.values(), ids=CASES.keys())
def test_overflow_raises_on_the_scalar_path(f, x):
    with pytest.raises(DomainError):
        sad.value_and_grad(f)(x)
    with pytest.raises(DomainError):
        derivative(f, x)
    with pytest.raises(DomainError):
        sad.jacobian(f)(x)


ONLY_THE_VALUE = {"x**2 at 1e200"}  # the gradient 2x reads no non-finite number; only f(x) overflows


@pytest.mark.parametrize(("f", "x"), CASES.values(), ids=CASES.keys())
def test_overflow_raises_on_the_vmap_path_naming_the_point(f, x, request):
    if request.node.callspec.id not in ONLY_THE_VALUE:
        with pytest.raises(DomainError, match="at point 1 of the batch"):
            sad.vmap_grad(f)(np.array([1.0, x, 2.0]))
    g = sad.trace(f, 1.0)
    with pytest.raises(DomainError):
        g.at(x)


def test_vmap_grad_does_not_evaluate_an_overflowing_value_the_gradient_never_reads():
    """vmap_grad evaluates what the gradient reads (issue 13): ∂(x**2)/∂x = 2x reads x, not x**2 = inf."""
    xs = np.array([1.0, 1e200, 2.0])
    np.testing.assert_array_equal(sad.vmap_grad(lambda x: x**2)(xs), 2.0 * xs)


def test_the_first_overflow_is_reported_not_a_later_consequence():
    batched = lambda f: lambda x: sad.vmap_grad(f)(np.array([x]))  # noqa: E731
    for compute in (sad.grad, lambda f: lambda x: derivative(f, x), batched):
        with pytest.raises(DomainError, match=r"multiply\(1e\+200, 1e\+200\) overflows"):
            compute(lambda x: sad.sin(x * x) + 1.0)(1e200)


def test_sqrt_of_x_squared_at_1e200_is_never_a_finite_wrong_derivative():
    """The reported case: (inf, 0.0) before; d/dx sqrt(x²) = 1 there, which floats cannot reach."""
    for compute in (sad.value_and_grad(lambda x: sad.sqrt(x * x)), sad.grad(lambda x: sad.sqrt(x * x))):
        with pytest.raises(DomainError, match=r"multiply\(1e\+200, 1e\+200\) overflows"):
            compute(1e200)


@pytest.mark.parametrize("x", [1e150, -3.0, 0.5, 1e-150])
def test_the_rule_gives_the_same_answer_on_both_paths_where_numbers_are_finite(x):
    f = lambda t: sad.sqrt(t * t + 1.0) * sad.exp(-t * t)  # noqa: E731
    scalar = sad.grad(f)(x)
    batched = sad.vmap_grad(f)(np.array([0.25, x]))[1]
    oracle = float(sympy.diff(sympy.sqrt(sympy.Symbol("t") ** 2 + 1) * sympy.exp(-sympy.Symbol("t") ** 2))
                   .subs(sympy.Symbol("t"), sympy.Float(x, 40)).evalf(30))
    assert scalar == pytest.approx(oracle, rel=1e-12, abs=1e-300)
    assert batched == pytest.approx(scalar, rel=1e-12, abs=1e-300)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_non_finite_points_are_refused_on_both_paths(bad):
    with pytest.raises(DomainError, match="non-finite point"):
        sad.grad(lambda x: x * x)(bad)
    with pytest.raises(DomainError, match="non-finite point"):
        sad.vmap_grad(lambda x: x * x)(np.array([1.0, bad]))


def test_a_caught_domain_error_leaves_the_tape_whole():
    def f(x):
        try:
            return sad.sqrt(x)  # the derivative of sqrt at 0 is infinite: refused
        except DomainError:
            return x * 3.0

    assert sad.grad(f)(0.0) == 3.0
    g = sad.trace(f, 0.0)
    assert len(g.tape.parents) == len(g.tape.partials) == g.tape.ptr[-1]


# -- issue 15.3: edge shapes -------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(0,), (0, 3), (0, 2, 2)])
def test_vmap_grad_on_an_empty_batch_returns_an_empty_result(shape):
    got = sad.vmap_grad(lambda x: np.sum(x * x))(np.zeros(shape))
    assert isinstance(got, np.ndarray) and got.shape == shape


def test_vmap_grad_on_an_empty_batch_with_several_arguments():
    dx, dy = sad.vmap_grad(lambda x, y: x * y, argnums=(0, 1))(np.array([]), np.array([]))
    assert dx.shape == dy.shape == (0,)


def test_zero_d_array_argument_behaves_like_jax():
    x0 = np.array(2.0)
    got = sad.grad(lambda x: (x * x).sum())(x0)
    assert isinstance(got, np.ndarray) and got.shape == () and float(got) == 4.0  # JAX: Array(4., shape=())
    got = sad.grad(lambda x: (x**3).mean() + x.max() + x.reshape(1)[0])(x0)
    assert got.shape == () and float(got) == pytest.approx(3 * 2.0**2 + 2.0)
    jac = sad.jacobian(lambda x: x * x)(x0)
    assert isinstance(jac, np.ndarray) and jac.shape == () and float(jac) == 4.0


# -- issue 15.4: escaped tracers -------------------------------------------------------------

ESCAPED_USES = {
    ">": lambda t: t > 0,
    "<": lambda t: t < 0,
    ">=": lambda t: t >= 0,
    "<=": lambda t: t <= 0,
    "==": lambda t: t == 3.0,
    "!=": lambda t: t != 3.0,
    "reflected": lambda t: 0 < t,
    "bool": bool,
    "if": lambda t: 1 if t else 0,
    "arithmetic": lambda t: t * 2,
}


@pytest.mark.parametrize("use", ESCAPED_USES.values(), ids=ESCAPED_USES.keys())
def test_an_escaped_tracer_cannot_be_compared_or_used(use):
    leak = []
    sad.trace(lambda x: leak.append(x) or x * x, 3.0)
    with pytest.raises(TraceError, match="escaped"):
        use(leak[0])


# -- issue 14.1: derivatives of x**n at 0 --------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2, 3, 4])
@pytest.mark.parametrize("order", [1, 2, 3])
def test_derivatives_of_integer_powers_at_zero_are_the_limits(n, order):
    s = sympy.Symbol("s")
    want = float(sympy.diff(s**n, s, order).subs(s, 0))
    f = lambda x: x**n  # noqa: E731
    for _ in range(order):
        f = sad.grad(f)
    assert f(0.0) == want
    if order == 2:
        assert sad.hessian(lambda x: x**n)(0.0) == want
    if order == 1:
        assert derivative(lambda x: x**n, 0.0) == want


def test_dual_zero_to_the_zero_and_vmap_at_zero_are_not_nan():
    d = Dual(0.0, 1.0) ** 0
    assert (d.value, d.tangent) == (1.0, 0.0)
    got = sad.vmap_grad(lambda x: x**2 + x**0)(np.array([0.0, 1.5]))
    assert got.tolist() == [0.0, 3.0]


def test_non_integer_powers_at_zero_still_say_the_derivative_is_infinite():
    with pytest.raises(DomainError, match="infinite"):
        sad.grad(lambda x: x**0.5)(0.0)
    assert sad.grad(lambda x: x**1.5)(0.0) == 0.0
    with pytest.raises(DomainError, match="infinite"):
        sad.grad(sad.grad(lambda x: x**1.5))(0.0)


# -- issue 14.4: the garbage collector while tracing ------------------------------------------


def _restores(gc_on: bool, f) -> bool:
    (gc.enable if gc_on else gc.disable)()
    try:
        try:
            sad.grad(f)(1.0)
        except (ZeroDivisionError, TraceError):
            pass
        return gc.isenabled() is gc_on
    finally:
        gc.enable()


@pytest.mark.parametrize("gc_on", [True, False])
@pytest.mark.parametrize("f", [lambda x: x * x, lambda x: 1 / 0, lambda x: {"not": x}, lambda x: sad.grad(sad.sin)(x)],
                         ids=["normal", "raises", "bad output", "nested"])
def test_gc_state_is_restored_on_every_exit_path(gc_on, f):
    assert _restores(gc_on, f)


@pytest.mark.parametrize("first_fails", [False, True])
def test_gc_is_restored_when_two_threads_trace_at_once(first_fails):
    """Thread A's trace ends (normally or by an error) while B's runs: the collector stays paused for B,
    and is on again once both are done."""
    both_inside, a_done = threading.Barrier(2, timeout=10), threading.Event()
    seen, errors = {}, []

    def traced_a(x):
        both_inside.wait()
        return x / (0.0 if first_fails else 1.0)

    def traced_b(x):
        both_inside.wait()
        a_done.wait(timeout=10)
        seen["b after a"] = gc.isenabled()
        return x * x

    def run(f, done=None):
        try:
            sad.grad(f)(1.0)
        except DomainError:
            pass
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            if done is not None:
                done.set()

    assert gc.isenabled()
    threads = [threading.Thread(target=run, args=(traced_a, a_done)), threading.Thread(target=run, args=(traced_b,))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert seen == {"b after a": False}
    assert gc.isenabled()


def test_cyclic_garbage_made_while_tracing_is_bounded():
    class Cyclic:
        alive = 0

        def __init__(self):
            Cyclic.alive += 1
            self.me = self

        def __del__(self):
            Cyclic.alive -= 1

    peak, n = [0], 20 * collector.YOUNG_EVERY

    def f(x):
        for i in range(n):
            Cyclic()  # a reference cycle, garbage at once
            x = x * 1.0
            if i % 256 == 0:
                peak[0] = max(peak[0], Cyclic.alive)
        return x

    assert gc.isenabled()
    assert sad.grad(f)(2.0) == 1.0
    assert peak[0] <= 2 * collector.YOUNG_EVERY  # with the collector simply off: all n of them


# -- issue 14.12: messages for the unsupported -----------------------------------------------

PIECEWISE = {
    "%": lambda x: x % 2.0, "r%": lambda x: 5.0 % x, "//": lambda x: x // 2.0, "r//": lambda x: 5.0 // x,
    "divmod": lambda x: divmod(x, 2.0), "round": round, "floor": math.floor, "ceil": math.ceil, "trunc": math.trunc,
}  # fmt: skip


@pytest.mark.parametrize("f", PIECEWISE.values(), ids=PIECEWISE.keys())
def test_piecewise_operators_name_themselves_and_say_what_to_do(f):
    for run in (sad.grad(f), lambda x: derivative(f, x)):
        with pytest.raises(TraceError, match=r"not supported on a (traced value|dual number).*piecewise constant"):
            run(1.5)


@pytest.mark.parametrize("z", [1 + 2j, np.complex128(1 + 2j), np.array([1 + 2j, 1.0])])
def test_complex_points_are_refused(z):
    with pytest.raises(TraceError, match="complex"):
        sad.grad(lambda x: np.sum(x * x))(z)


@pytest.mark.parametrize("c", [1j, np.complex128(2j)])
def test_complex_constants_inside_the_function_are_refused(c):
    with pytest.raises(TraceError, match="complex"):
        sad.grad(lambda x: x * c)(1.0)


def test_sympy_function_on_a_tracer_says_to_use_sad_sin():
    with pytest.raises(TraceError, match=r"SymPy function.*semiring_ad\.sin"):
        sad.grad(lambda x: sympy.sin(x))(1.0)


def test_derivative_of_sqrt_at_zero_says_it_is_infinite():
    for compute in (sad.grad(sad.sqrt), lambda x: derivative(sad.sqrt, x),
                    lambda x: sad.vmap_grad(sad.sqrt)(np.array([x]))):
        with pytest.raises(DomainError, match="the derivative of sqrt is infinite at 0"):
            compute(0.0)


def test_vmap_grad_on_a_branching_function_says_what_to_use():
    with pytest.raises(StaleTraceError, match=r"np\.where.*maximum.*grad\(f\) at each point"):
        sad.vmap_grad(lambda x: x if x > 0 else -x)(np.array([1.0, -1.0]))
    assert sad.vmap_grad(lambda x: sad.abs(x))(np.array([1.0, -1.0])).tolist() == [1.0, -1.0]


def test_vectorized_backend_on_a_small_graph_says_the_graph_is_too_small():
    G = nx.DiGraph()
    G.add_weighted_edges_from([("s", "a", 2.0), ("a", "t", 3.0)])
    with pytest.raises(ValueError, match=r"under 1000 edges.*this one has 2"):
        sad.path_sum(G, sad.PLUS_TIMES, "s", "t", backend="vectorized")
    assert sad.path_sum(G, sad.PLUS_TIMES, "s", "t", backend="numpy") == 6.0
    with pytest.raises(ValueError, match="cannot solve semiring 'symbolic'"):  # a real refusal stays one
        sad.path_sum(G, sad.SYMBOLIC, "s", "t", backend="vectorized")


# -- issue 14.13: symbolic results stay exact --------------------------------------------------


def test_grad_at_a_sympy_symbol_is_exact():
    x = sympy.Symbol("x")
    got = sad.grad(lambda a: a**2 * sad.sin(a))(x)
    assert got.atoms(sympy.Float) == set()
    assert sympy.simplify(got - sympy.diff(x**2 * sympy.sin(x), x)) == 0
    dx, dy = sad.grad(lambda a, b: a * b + a**3, argnums=(0, 1))(x, sympy.Symbol("y"))
    assert dx.atoms(sympy.Float) == set() and dy == x


def test_second_order_and_forward_mode_at_sympy_symbols_are_exact():
    x, y = sympy.symbols("x y")
    f = x**2 * sympy.sin(x)
    got = sad.hessian(lambda a: a**2 * sad.sin(a))(x)
    assert got.atoms(sympy.Float) == set() and sympy.simplify(got - sympy.diff(f, x, 2)) == 0
    assert sad.hvp(lambda a, b: a**2 * b, (x, y), (1, 0)) == (2 * y, 2 * x)
    _, tangent = sad.jvp(lambda a: a**2 * sad.sin(a), (x,), (1,))
    assert tangent.atoms(sympy.Float) == set() and sympy.simplify(tangent - sympy.diff(f, x)) == 0


def test_symbolic_gradient_is_the_transposed_jacobian_matrix():
    x, y = sympy.symbols("x y")
    f = x**2 * y + sympy.sin(x)
    g, J = sad.symbolic_gradient(f), sad.symbolic_jacobian(f)
    assert isinstance(g, sympy.MatrixBase) and isinstance(J, sympy.MatrixBase)
    assert g.shape == (2, 1) and J.shape == (1, 2) and g == J.T
    assert list(g) == [sympy.diff(f, x), sympy.diff(f, y)]
    dx, dy = g  # unpacks and indexes like the former list
    assert (dx, dy) == (g[0], g[1])
