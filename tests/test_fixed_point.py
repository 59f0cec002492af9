"""Derivatives of fixed points (the implicit-function theorem as a Kleene star) against three oracles.

For x = a·cos x, the Babylonian square root and the stationary distribution
of a two-state Markov chain, the derivative of ``fixed_point`` equals

* the closed form (cos x / (1 + a sin x), 1/(2√a), -q/(p+q)², p/(p+q)²),
* central differences of the converged value,
* the derivative of the unrolled iteration (a traced loop of 200 steps),

inside ``grad``, ``jacfwd``, ``jacrev`` and nested derivatives; the recorded
graph has one node whatever the number of iterations; non-convergence and a
missing star are named errors.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import pytest
from hypothesis import given, settings

import semiring_ad as sad
from semiring_ad import ConvergenceError, NoStarError, fixed_point


def cos_map(x, a):
    return a * sad.cos(x)


def babylonian(x, a):
    return (x + a / x) / 2


def markov(x, p, q):
    """Probability of state 0 after one step of the chain [[1-p, p], [q, 1-q]]."""
    return x * (1 - p) + (1 - x) * q


def unrolled(g, x0, steps=200):
    def run(*params):
        x = x0
        for _ in range(steps):
            x = g(x, *params)
        return x

    return run


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


CASES = [
    # (map, x0, parameter range, closed-form derivative of the fixed point in its parameter)
    (cos_map, 0.0, (0.1, 0.9), lambda a, x: math.cos(x) / (1 + a * math.sin(x))),
    (babylonian, 1.0, (0.5, 9.0), lambda a, x: 1 / (2 * math.sqrt(a))),
]


@pytest.mark.parametrize(("g", "x0", "box", "closed"), CASES, ids=["a_cos_x", "babylonian_sqrt"])
@settings(max_examples=25, deadline=None)
@given(u=st.floats(0, 1))
def test_derivative_equals_closed_form_central_differences_and_unrolled_loop(g, x0, box, closed, u):
    a = box[0] + u * (box[1] - box[0])

    def x_of(a):
        return fixed_point(g, x0, a)

    x = x_of(a)
    assert x == pytest.approx(g(x, a), abs=1e-12)
    d = sad.grad(x_of)(a)
    assert d == pytest.approx(closed(a, x), rel=1e-9)
    assert d == pytest.approx(central(x_of, a), rel=1e-6)
    assert d == pytest.approx(sad.grad(unrolled(g, x0))(a), rel=1e-9)
    assert sad.jacfwd(x_of)(a) == pytest.approx(d) and sad.jacrev(x_of)(a) == pytest.approx(d)


@settings(max_examples=25, deadline=None)
@given(st.floats(0.1, 0.9))
def test_second_derivatives_nest(a):
    def x_of(a):
        return fixed_point(cos_map, 0.0, a)

    d2 = sad.grad(sad.grad(x_of))(a)
    assert d2 == pytest.approx(central(sad.grad(x_of), a, 1e-5), rel=1e-6)
    assert d2 == pytest.approx(sad.grad(sad.grad(unrolled(cos_map, 0.0)))(a), rel=1e-8)
    assert sad.jacfwd(sad.grad(x_of))(a) == pytest.approx(d2)
    root = sad.grad(sad.grad(lambda a: fixed_point(babylonian, 1.0, a)))(a)
    assert root == pytest.approx(-0.25 * a**-1.5, rel=1e-9)  # d²√a/da²


@settings(max_examples=25, deadline=None)
@given(st.floats(0.05, 0.95), st.floats(0.05, 0.95))
def test_stationary_distribution_of_a_two_state_chain(p, q):
    def pi0(p, q):
        return fixed_point(markov, 0.5, p, q)

    assert pi0(p, q) == pytest.approx(q / (p + q), abs=1e-10)
    dp, dq = sad.grad(pi0, argnums=(0, 1))(p, q)
    assert dp == pytest.approx(-q / (p + q) ** 2, rel=1e-7, abs=1e-9)
    assert dq == pytest.approx(p / (p + q) ** 2, rel=1e-7, abs=1e-9)
    assert dp == pytest.approx(central(lambda t: pi0(t, q), p), rel=1e-5, abs=1e-8)
    steps = int(60 / min(p + q, 2 - p - q)) + 50  # |1 - p - q| ** steps below 1e-26
    dpu, dqu = sad.grad(unrolled(markov, 0.5, steps), argnums=(0, 1))(p, q)
    assert (dp, dq) == (pytest.approx(dpu, rel=1e-7, abs=1e-9), pytest.approx(dqu, rel=1e-7, abs=1e-9))
    J = sad.jacobian(lambda v: [pi0(v[0], v[1]), 1 - pi0(v[0], v[1])])([p, q])
    assert J[1, 0] == pytest.approx(-dp) and J[0, 1] == pytest.approx(dq)


def test_one_node_whatever_the_number_of_iterations():
    slow = sad.trace(lambda a: fixed_point(cos_map, 0.0, a, tol=1e-15), 0.9)
    unrolled_graph = sad.trace(unrolled(cos_map, 0.0), 0.9)
    assert slow.n_nodes == 2 and slow.n_edges == 1  # the input and the fixed point
    assert unrolled_graph.n_nodes > 200


def test_non_convergence_is_a_named_error():
    with pytest.raises(ConvergenceError, match="did not converge in 50 iterations"):
        fixed_point(lambda x, a: a - x, 0.0, 1.0, max_iter=50)  # oscillates 0, 1, 0, 1, ...
    with pytest.raises(ConvergenceError, match="diverged"):
        fixed_point(lambda x, a: a * x * x + 1, 1.0, 3.0)
    with pytest.raises(ConvergenceError):
        sad.grad(lambda a: fixed_point(lambda x, a: 2 * x + a, 1.0, a, max_iter=30))(1.0)


def test_no_star_where_dg_dx_is_one():
    """g(x, a) = x - (x - a)**3 has the fixed point a with ∂g/∂x = 1: (1 - 1)^-1 does not exist."""
    with pytest.raises(NoStarError, match="plus_times"):
        sad.grad(lambda a: fixed_point(lambda x, a: x - (x - a) ** 3, 2.0, a))(2.0)


def test_hessian_and_hvp_replay_the_fixed_point_node():
    """Bug: replaying a tape looked rows up by name, and a fixed point's row is per call (not in the
    table), so hessian/hvp of a fixed point raised a bare KeyError.  Oracles: the unrolled iteration's
    Hessian and the nested grad of the fixed point."""
    import semiring_ad as sad

    def g(x, a):
        return a * sad.cos(x)

    def unrolled(a):
        x = 0.0
        for _ in range(300):
            x = g(x, a)
        return x

    def x_star(a):
        return sad.fixed_point(g, 0.0, a)

    a = 0.7
    nested = sad.grad(sad.grad(x_star))(a)
    assert math.isclose(sad.hessian(x_star)(a), sad.hessian(unrolled)(a), rel_tol=1e-9)
    assert math.isclose(sad.hessian(x_star)(a), nested, rel_tol=1e-12)
    assert math.isclose(sad.hvp(x_star, (a,), (2.0,)), 2.0 * nested, rel_tol=1e-12)
