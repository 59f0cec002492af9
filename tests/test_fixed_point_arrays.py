"""Vector fixed points, in the element-wise API, the array tracer and vmap_grad, against independent oracles.

The stationary distribution π(θ) of a parameterised 3-state Markov chain
(π = π P(θ), normalised) is found by iterating x ← x P(θ) / (x P(θ) 1).  Its
derivative from ``fixed_point`` must equal

* numpy linear algebra: π from the null space of (P − I)ᵀ (``np.linalg.svd``),
  and dπ/dθ_k = π D_k (I − P + 1π)^-1 (differentiate π(I − P) = 0, π1 = 1),
* central differences of that null-space π,
* the Jacobian of the unrolled iteration (a traced loop),

and x = a·cos x, Babylonian √a (elementwise on vectors) the closed forms,
central differences and unrolled loops; one call records one node (array
tracer) or one node per component (element-wise), whatever the number of
iterations.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings

import semiring_ad as sad
from semiring_ad import ConvergenceError, NoStarError, TraceError, fixed_point

P0 = np.array([[0.6, 0.3, 0.1], [0.2, 0.5, 0.3], [0.25, 0.25, 0.5]])
D = np.zeros((3, 3, 3))  # P(θ) = P0 + Σ θ_k D_k: every D_k moves mass within one row (rows keep summing to 1)
D[0, 0, :2] = -1, 1
D[1, 1, 1:] = -1, 1
D[2, 2, [0, 2]] = 1, -1


def transition(theta):
    return P0 + np.einsum("k,kij->ij", theta, D)


def step(x, theta):
    y = x @ transition(theta)
    return y / y.sum()


def stationary(theta):
    return fixed_point(step, np.full(3, 1 / 3), theta)


def null_space_pi(theta):
    """The oracle: the left null vector of P − I (numpy SVD), normalised."""
    P = P0 + np.einsum("k,kij->ij", theta, D)
    v = np.linalg.svd((P - np.eye(3)).T)[2][-1]
    return v / v.sum()


def null_space_jacobian(theta):
    P, pi = P0 + np.einsum("k,kij->ij", theta, D), null_space_pi(theta)
    Z = np.linalg.inv(np.eye(3) - P + np.outer(np.ones(3), pi))
    return np.stack([pi @ D[k] @ Z for k in range(3)], axis=1)


def central_jacobian(f, x, h=1e-6):
    cols = []
    for k in range(len(x)):
        e = np.zeros(len(x))
        e[k] = h
        cols.append((f(x + e) - f(x - e)) / (2 * h))
    return np.stack(cols, axis=-1)


def unrolled(g, x0, steps):
    def run(*params):
        x = x0
        for _ in range(steps):
            x = g(x, *params)
        return x

    return run


thetas = st.tuples(*[st.floats(-0.15, 0.15)] * 3).map(np.array)
JACOBIANS = {
    "elementwise_jacfwd": sad.jacfwd,
    "elementwise_jacrev": sad.jacrev,
    "arrays_jacfwd": sad.arrays.jacfwd,
    "arrays_jacrev": sad.arrays.jacrev,
}


@pytest.mark.parametrize("jac", JACOBIANS.values(), ids=JACOBIANS.keys())
@settings(max_examples=10, deadline=None)
@given(theta=thetas)
def test_markov_stationary_distribution_derivative_equals_null_space_linear_algebra(jac, theta):
    pi = stationary(theta)
    assert np.allclose(pi, null_space_pi(theta), atol=1e-11)
    J = jac(stationary)(theta)
    assert J.shape == (3, 3)
    assert np.allclose(J, null_space_jacobian(theta), atol=1e-9)
    assert np.allclose(J, central_jacobian(null_space_pi, theta), atol=1e-7)
    assert np.allclose(J.sum(axis=0), 0.0, atol=1e-12)  # π stays normalised


def test_markov_derivative_equals_the_unrolled_iteration():
    theta = np.array([0.1, -0.05, 0.12])
    loop = unrolled(step, np.full(3, 1 / 3), 80)
    assert np.allclose(sad.jacobian(stationary)(theta), sad.jacobian(loop)(theta), atol=1e-10)
    assert np.allclose(sad.arrays.jacobian(stationary)(theta), sad.arrays.jacobian(loop)(theta), atol=1e-10)


def test_markov_gradient_of_a_scalar_of_pi_in_both_apis():
    theta, w = np.array([0.05, 0.1, -0.1]), np.array([1.0, -2.0, 0.5])  # the expected reward π·w
    want = null_space_jacobian(theta).T @ w
    assert np.allclose(sad.grad(lambda t: stationary(t) @ w)(theta), want, atol=1e-10)
    assert np.allclose(sad.arrays.grad(lambda t: stationary(t) @ w)(theta), want, atol=1e-10)


SCALAR_CASES = [
    (lambda x, a: a * np.cos(x), 0.0, (0.1, 0.9), lambda a, x: np.cos(x) / (1 + a * np.sin(x))),
    (lambda x, a: (x + a / x) / 2, 1.0, (0.5, 9.0), lambda a, x: 1 / (2 * np.sqrt(a))),
]


@pytest.mark.parametrize(("g", "x0", "box", "closed"), SCALAR_CASES, ids=["a_cos_x", "babylonian_sqrt"])
@settings(max_examples=10, deadline=None)
@given(u=st.lists(st.floats(0, 1), min_size=3, max_size=3))
def test_vector_versions_of_the_scalar_examples_in_the_array_tracer(g, x0, box, closed, u):
    a = box[0] + np.array(u) * (box[1] - box[0])

    def x_of(a):
        return fixed_point(g, np.full(3, x0), a)

    x = x_of(a)
    J = sad.arrays.jacobian(x_of)(a)
    assert np.allclose(J, np.diag(closed(a, x)), rtol=1e-9, atol=1e-12)
    assert np.allclose(J, central_jacobian(x_of, a), rtol=1e-6, atol=1e-8)
    assert np.allclose(J, sad.arrays.jacobian(unrolled(g, np.full(3, x0), 300))(a), rtol=1e-9, atol=1e-12)
    assert np.allclose(sad.jacobian(x_of)(a), J, rtol=1e-12)
    s = a[0]  # and the scalar case under the array tracer
    assert sad.arrays.grad(lambda s: fixed_point(g, x0, s))(s) == pytest.approx(closed(s, x[0]), rel=1e-9)


def test_array_tracer_records_one_node_whatever_the_number_of_iterations():
    g = sad.arrays.trace_arrays(stationary, np.array([0.1, 0.0, 0.1]))
    loose = sad.arrays.trace_arrays(lambda t: fixed_point(step, np.full(3, 1 / 3), t, tol=1e-4), np.zeros(3))
    assert g.ops == loose.ops == [None, "fixed_point"]
    assert len(g.tape.maps) == 1  # one edge θ → π*: ∂g/∂θ then the star (I − ∂g/∂x)^-1, a linear map
    assert sad.arrays.trace_arrays(unrolled(step, np.full(3, 1 / 3), 80), np.zeros(3)).n_nodes > 80 * 3


def test_elementwise_api_records_one_node_per_component():
    g = sad.trace(stationary, np.array([0.1, 0.0, 0.1]))
    assert g.n_nodes == 3 + 3 and g.n_edges == 3 * 3  # three inputs, three components with three partials each


def test_vector_fixed_point_second_derivatives_nest_and_replay():
    A = np.array([[0.3, 0.2], [-0.1, 0.4]])

    def f(b):
        return (fixed_point(lambda x, b: A @ sad.sin(x) + b, np.zeros(2), b) ** 2).sum()

    b = np.array([0.7, -0.4])
    loop = unrolled(lambda x, b: A @ sad.sin(x) + b, np.zeros(2), 200)
    want = sad.hessian(lambda b: (loop(b) ** 2).sum())(b)
    assert np.allclose(sad.hessian(f)(b), want, atol=1e-10)
    assert np.allclose(sad.jacfwd(sad.grad(f))(b), want, atol=1e-10)
    assert np.allclose(sad.hvp(f, (b,), (np.array([1.0, 2.0]),)), want @ [1.0, 2.0], atol=1e-10)


def test_vmap_grad_of_a_fixed_point():
    """Bug: vmap_grad of a function calling fixed_point raised TraceError (the per-call row refused arrays)."""
    a = np.linspace(0.1, 0.9, 7)
    d = sad.vmap_grad(lambda a: fixed_point(lambda x, a: a * sad.cos(x), 0.0, a))(a)
    x = np.array([fixed_point(lambda x, a: a * sad.cos(x), 0.0, ai) for ai in a])
    assert np.allclose(d, np.cos(x) / (1 + a * np.sin(x)), rtol=1e-10)
    thetas = np.array([[0.1, 0.0, 0.1], [-0.1, 0.05, 0.0], [0.0, 0.0, 0.0]])
    w = np.array([1.0, -2.0, 0.5])
    batched = sad.vmap_grad(lambda t: stationary(t) @ w)(thetas)
    assert np.allclose(batched, [null_space_jacobian(t).T @ w for t in thetas], atol=1e-10)


def test_errors_for_vector_fixed_points():
    with pytest.raises(ConvergenceError, match="did not converge in 20 iterations"):
        sad.arrays.grad(lambda a: fixed_point(lambda x, a: a - x, np.zeros(2), a, max_iter=20).sum())(np.ones(2))
    with pytest.raises(ConvergenceError, match="diverged"):
        sad.jacobian(lambda a: fixed_point(lambda x, a: a * x * x + 1, np.ones(2), a))(np.full(2, 3.0))
    # g(x, b) = x - (x - b)**3 has the fixed point b with dg/dx = I there: I - dg/dx is singular, no star
    with pytest.raises(NoStarError, match="linear"):
        sad.jacobian(lambda b: fixed_point(lambda x, b: x - (x - b) ** 3, np.ones(2), b))(np.ones(2))
    with pytest.raises(NoStarError, match="linear"):
        sad.arrays.jacobian(lambda b: fixed_point(lambda x, b: x - (x - b) ** 3, np.ones(2), b))(np.ones(2))
    with pytest.raises(TraceError, match="closes over"):
        sad.arrays.grad(lambda a: fixed_point(lambda x, b: a * np.cos(x), 0.0, 1.0))(0.5)
    with pytest.raises(TraceError, match="shape"):
        sad.jacobian(lambda a: fixed_point(lambda x, a: np.append(x, a), np.zeros(2), a))(np.ones(2))


def test_no_derivative_needed_gives_plain_arrays():
    x = fixed_point(step, np.full(3, 1 / 3), np.zeros(3))
    assert isinstance(x, np.ndarray) and x.dtype == float and math.isclose(x.sum(), 1.0)


def test_list_parameters_act_as_arrays():
    """x = x/2 + b has x* = 2b: constant and traced entries of a list parameter, oracle the closed form."""
    assert np.allclose(fixed_point(lambda x, b: 0.5 * x + b, np.zeros(2), [1.0, 2.0]), [2.0, 4.0], atol=1e-10)
    scaled = sad.grad(lambda a: fixed_point(lambda x, b, a: 0.5 * x + b * a, np.zeros(2), [1.0, 2.0], a).sum())
    assert scaled(1.0) == pytest.approx(2 * (1.0 + 2.0))
    one_entry = sad.grad(lambda a: fixed_point(lambda x, b: 0.5 * x + b, np.zeros(2), [1.0, a]).sum())
    assert one_entry(1.0) == pytest.approx(2.0)


def test_vmap_grad_of_a_fixed_point_whose_map_branches():
    """g branches on its parameter: the one trace of g at the first point is stale elsewhere, so the
    batched partials fall back to a trace per point.  Oracle: grad at each point, and the closed forms."""

    def g(x, a):
        if a > 0.5:
            return a * sad.cos(x)
        return (x + a / x) / 2

    a = np.array([0.2, 0.7, 0.4, 0.9])
    got = sad.vmap_grad(lambda a: fixed_point(g, 1.0, a))(a)
    assert np.allclose(got, [sad.grad(lambda a: fixed_point(g, 1.0, a))(ai) for ai in a], rtol=1e-12)
    x = np.array([fixed_point(g, 1.0, ai) for ai in a])
    closed = np.where(a > 0.5, np.cos(x) / (1 + a * np.sin(x)), 1 / (2 * np.sqrt(a)))
    assert np.allclose(got, closed, rtol=1e-9)


def test_bench_fixed_point_runs_at_tiny_scale(capsys):
    """The benchmark checks every gradient it times against numpy linear algebra; here at S = 3."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_fixed_point.py"
    spec = importlib.util.spec_from_file_location("bench_fixed_point_under_test", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(scale=0.01)
    assert "| states | iterations K |" in capsys.readouterr().out
    assert [r["S"] for r in rows] == [3] and rows[0]["nodes_fixed"] < rows[0]["nodes_unrolled"]
