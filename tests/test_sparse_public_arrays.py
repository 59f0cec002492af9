"""``semiring_ad.hessian(f, sparse=True)`` and ``jacobian(f, sparse=True)`` on float arrays take the array path:
element pattern from the maps, a colouring, one forward-over-reverse pass for all colours (issues 11 and 13)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import rosen_hess

import semiring_ad as sad
from semiring_ad.ad.arrays import second_order


def rosen(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


@given(n=st.integers(2, 60), seed=st.integers(0, 2**16))
@settings(max_examples=25, deadline=None)
def test_sparse_rosenbrock_hessian_equals_scipy(n, seed):
    x = np.random.default_rng(seed).normal(size=n)
    H = sad.hessian(rosen, sparse=True)(x)
    np.testing.assert_allclose(H.toarray(), rosen_hess(x), rtol=1e-10, atol=1e-9)
    assert H.n_colors <= 3  # star colouring of a path: at most 3 colours


@pytest.mark.parametrize("coloring", ["star", "distance2"])
def test_sparse_hessian_of_coupled_program_equals_dense(coloring):
    rng = np.random.default_rng(3)
    x, A = rng.normal(size=8), rng.normal(size=(8, 8))

    def f(x):
        return np.sum(np.sin(x) * np.roll(x, 1)) + np.sum(np.tanh(A[:2] @ x) ** 2)

    H = sad.hessian(f, sparse=True, coloring=coloring)(x)
    np.testing.assert_allclose(H.toarray(), sad.hessian(f)(x), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(H.toarray(), sad.hessian(f, per_element=True)(x), rtol=1e-10, atol=1e-10)


def test_public_sparse_hessian_is_one_second_order_pass(monkeypatch):
    calls = []
    real = second_order.hvp_of_graph
    monkeypatch.setattr(second_order, "hvp_of_graph", lambda g, d: calls.append(d[0].shape) or real(g, d))
    H = sad.hessian(rosen, sparse=True)(np.linspace(-1.0, 1.0, 200))
    assert calls == [(H.n_colors, 200)]


def test_sparse_jacobian_on_arrays_equals_dense_and_finite_differences():
    x = np.linspace(0.1, 1.0, 30)

    def f(x):
        return np.concatenate([np.sin(x[1:]) * x[:-1], np.exp(x[:3])])

    J = sad.jacobian(f, sparse=True)(x)
    np.testing.assert_allclose(J.toarray(), sad.jacobian(f)(x), rtol=1e-12)
    h = 1e-6
    fd = np.stack([(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)], axis=1)
    np.testing.assert_allclose(J.toarray(), fd, atol=1e-7)
    assert J.n_colors < x.size
