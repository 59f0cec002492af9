"""The array path's own sweeps (ArrayGraph.pullback/pushforward) against the core solver and NumPy formulas."""

from __future__ import annotations

import numpy as np
import pytest

import semiring_ad as sad
from semiring_ad.ad.arrays.graph import trace_arrays
from semiring_ad.core.linear import Dense
from semiring_ad.core.linear_semiring import LINEAR
from semiring_ad.core.solver import sweep


def _mlp(x, W1, b1, W2):
    h = np.tanh(x @ W1 + b1)
    z = h @ W2
    z = z - np.max(z, axis=1, keepdims=True)
    return -np.mean(np.sum(z - np.log(np.sum(np.exp(z), axis=1, keepdims=True)), axis=1))


@pytest.fixture
def problem():
    rng = np.random.default_rng(7)
    return rng.normal(size=(5, 4)), rng.normal(size=(4, 6)), rng.normal(size=6), rng.normal(size=(6, 3))


def test_pullback_equals_the_core_backward_sweep_over_linear(problem):
    g = trace_arrays(_mlp, *problem, argnums=(1, 2, 3))
    vals = sweep(g.compiled, LINEAR, {g.output: Dense(np.ones((1, 1)), (), (1,))}, "backward", backend="python")
    for got, i, shape in zip(g.pullback(np.ones((1,))), g.inputs, g.in_shapes):
        np.testing.assert_allclose(got, vals[i].to_dense().reshape((1, *shape)), rtol=1e-12, atol=1e-14)


def test_pushforward_equals_the_core_forward_sweep_over_linear(problem):
    x, W1, b1, _ = problem
    g = trace_arrays(lambda v: np.tanh(W1.T @ v + b1) * 2.0, x[0])
    t = np.random.default_rng(1).normal(size=(3, 4))
    vals = sweep(g.compiled, LINEAR, {g.inputs[0]: Dense(t.T, (3,), (4,))}, "forward", backend="python")
    np.testing.assert_allclose(g.pushforward([t]), vals[g.output].to_dense().T, rtol=1e-12, atol=1e-14)


def test_gradients_of_a_sum_of_two_inputs_are_distinct_writable_arrays():
    # x + y hands the same cotangent to both inputs, and sum(x) a read-only broadcast view: the caller gets its own
    gx, gy = sad.grad(lambda x, y: np.sum(x + y), argnums=(0, 1))(np.ones(3), np.ones(3))
    gx *= 2.0  # a read-only or shared result would raise or change gy
    np.testing.assert_array_equal(gx, [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(gy, [1.0, 1.0, 1.0])


def test_a_node_used_twice_sums_its_cotangents_without_touching_the_seed():
    seed = np.array([[1.0, 2.0]])
    g = trace_arrays(lambda x: x * 3.0 + x * x, np.array([1.0, -2.0]))
    (got,) = g.pullback(seed)
    np.testing.assert_allclose(got, seed * (3.0 + 2 * np.array([1.0, -2.0])))
    np.testing.assert_array_equal(seed, [[1.0, 2.0]])


def test_value_and_grad_keeps_the_value_when_intermediates_are_dropped(problem):
    x, W1, b1, W2 = problem
    value, grads = sad.value_and_grad(_mlp, argnums=(1, 2, 3))(x, W1, b1, W2)
    assert value == pytest.approx(_mlp(x, W1, b1, W2), rel=1e-12)
    eps, e = 1e-6, np.zeros_like(W2)
    e[2, 1] = 1.0  # central difference in one weight
    fd = (_mlp(x, W1, b1, W2 + eps * e) - _mlp(x, W1, b1, W2 - eps * e)) / (2 * eps)
    assert grads[2][2, 1] == pytest.approx(fd, rel=1e-6)
