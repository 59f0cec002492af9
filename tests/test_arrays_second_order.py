"""Second derivatives on arrays: hessian and hvp by forward-over-reverse over dual linear maps.

The array path is called directly (``semiring_ad.arrays``: no fallback), so a
failure cannot hide behind the element-wise path.  Oracles: scipy.optimize.rosen_hess
(closed form), central finite differences
of the gradient, the element-wise hessian (per_element=True, an independent
tracer: dual numbers over a scalar tape), and torch.func.hessian where installed.
"""

import numpy as np
import pytest
from scipy.optimize import rosen_der, rosen_hess

import semiring_ad as sad
from semiring_ad import arrays as sa
from semiring_ad.ad.dispatch import apply
from semiring_ad.ad.primitives import PRIMITIVES
from semiring_ad.errors import UnsupportedOperationError

RNG = np.random.default_rng(11)


def rosenbrock(x):
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def fd_hessian(f, x, h=1e-5):
    """Central differences of an independent gradient (scipy's or a closed form)."""
    cols = []
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = h
        cols.append(((f(x + e) - f(x - e)) / (2 * h)).reshape(-1))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("n", [2, 3, 10, 200])
def test_rosenbrock_hessian_equals_scipy_rosen_hess(n):
    x = RNG.normal(size=n)
    np.testing.assert_allclose(sa.hessian(rosenbrock)(x), rosen_hess(x), rtol=1e-12, atol=1e-9)


def test_rosenbrock_hvp_one_and_k_directions():
    x = RNG.normal(size=30)
    v, V = RNG.normal(size=30), RNG.normal(size=(30, 4))
    np.testing.assert_allclose(sa.hvp(rosenbrock, (x,), (v,)), rosen_hess(x) @ v, rtol=1e-11, atol=1e-9)
    np.testing.assert_allclose(sa.hvp(rosenbrock, (x,), (V,)), rosen_hess(x) @ V, rtol=1e-11, atol=1e-9)


def test_hessian_equals_finite_differences_of_the_gradient():
    x = RNG.normal(size=12)
    np.testing.assert_allclose(sa.hessian(rosenbrock)(x), fd_hessian(rosen_der, x), rtol=1e-6, atol=1e-4)


W = RNG.normal(size=(4, 5))


def network(x, W):
    h = np.tanh(W @ x + 0.1)
    return np.sum(np.exp(h) / np.sum(np.exp(h)) * np.log1p(x[:4] ** 2)) + np.sum(np.sin(x) * x) / np.max(h)


def test_network_hessian_equals_the_element_wise_hessian():
    x = RNG.normal(size=5)
    got = sa.hessian(network)(x, W)
    want = sad.hessian(lambda v: network(v, W), per_element=True)(x)
    np.testing.assert_allclose(got, np.asarray(want, dtype=float), rtol=1e-10, atol=1e-12)


def test_hessian_with_respect_to_a_matrix_and_a_tuple_argnums_has_jax_layout():
    x = RNG.normal(size=5)
    f = lambda x, W: np.sum(np.tanh(W @ x) ** 2)  # noqa: E731
    (hxx, hxw), (hwx, hww) = sa.hessian(f, argnums=(0, 1))(x, W)
    assert hxx.shape == (5, 5) and hxw.shape == (5, 4, 5) and hwx.shape == (4, 5, 5) and hww.shape == (4, 5, 4, 5)
    flat = lambda z: f(z[:5], z[5:].reshape(4, 5))  # noqa: E731
    full = np.asarray(sad.hessian(flat, per_element=True)(np.concatenate([x, W.ravel()])), dtype=float)
    np.testing.assert_allclose(hxx, full[:5, :5], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hxw.reshape(5, 20), full[:5, 5:], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hwx.reshape(20, 5), full[5:, :5], rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(hww.reshape(20, 20), full[5:, 5:], rtol=1e-10, atol=1e-12)


def test_hessian_of_a_dict_argument_is_a_tree_of_trees():
    params = {"a": RNG.normal(size=3), "b": RNG.normal(size=(2,))}
    f = lambda p: np.sum(p["a"] ** 2) * np.sum(np.exp(p["b"]))  # noqa: E731
    H = sa.hessian(f)(params)
    a, b = params["a"], params["b"]
    np.testing.assert_allclose(H["a"]["a"], 2 * np.eye(3) * np.sum(np.exp(b)))
    np.testing.assert_allclose(H["a"]["b"], 2 * np.outer(a, np.exp(b)))
    np.testing.assert_allclose(H["b"]["a"], 2 * np.outer(np.exp(b), a))
    np.testing.assert_allclose(H["b"]["b"], np.diag(np.exp(b)) * np.sum(a ** 2))


def test_hessian_through_matmul_of_two_traced_operands():
    A = RNG.normal(size=(3, 3))
    f = lambda X: np.sum((X @ X) * A) + np.einsum("ij,jk->ik", X, X.T).sum()  # noqa: E731
    X = RNG.normal(size=(3, 3))
    got = sa.hessian(f)(X).reshape(9, 9)
    want = np.asarray(sad.hessian(lambda v: f(v.reshape(3, 3)), per_element=True)(X.ravel()), dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_primitive_hessian_against_the_element_wise_tracer(name):
    arity = PRIMITIVES[name].arity
    lo, hi = {"arccos": (-0.8, 0.8), "arcsin": (-0.8, 0.8), "log": (0.5, 2), "log10": (0.5, 2), "log2": (0.5, 2),
              "sqrt": (0.5, 2), "log1p": (0.5, 2), "power": (0.5, 2), "reciprocal": (0.5, 2),
              "divide": (0.5, 2), "tan": (-1, 1)}.get(name, (-2, 2))
    x = RNG.uniform(lo, hi, size=arity * 3)

    def f(v):
        parts = [v[3 * k:3 * k + 3] for k in range(arity)]
        return np.sum(apply(name, *parts) * np.array([1.0, -2.0, 0.5]) * v[:3])

    got = sa.hessian(f)(x)
    want = np.asarray(sad.hessian(f, per_element=True)(x), dtype=float)
    np.testing.assert_allclose(got, want, rtol=1e-8, atol=1e-10, err_msg=name)


def test_hvp_costs_two_sweeps_whatever_k():
    """One forward and one backward sweep: the dual maps carry the k directions, no loop over them."""
    from semiring_ad.ad.arrays import second_order

    calls = []
    real = second_order.sweep

    def counting(*args, **kwargs):
        calls.append(args[3] if len(args) > 3 else kwargs.get("direction"))
        return real(*args, **kwargs)

    second_order.sweep = counting
    try:
        sa.hessian(rosenbrock)(RNG.normal(size=50))
    finally:
        second_order.sweep = real
    assert calls == ["forward", "backward"]


C3 = RNG.normal(size=(3, 3))
LINALG = {
    "inv": lambda A: np.sum(np.linalg.inv(A) * C3),
    "det": lambda A: np.linalg.det(A),
    "slogdet": lambda A: np.linalg.slogdet(A)[1],
    "norm": lambda A: np.linalg.norm(A) ** 3,
    "inv of a product, times det": lambda A: np.sum(np.linalg.inv(A @ A) * C3) * np.linalg.det(A),
}


@pytest.mark.parametrize("name", sorted(LINALG))
def test_linalg_hessians_equal_finite_differences_of_the_gradient(name):
    f = LINALG[name]
    A = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
    H = sa.hessian(f)(A).reshape(9, 9)
    gradient = sa.grad(f)  # first order: checked against finite differences in test_arrays.py
    fd = fd_hessian(lambda v: gradient(v.reshape(3, 3)), A.reshape(-1))
    np.testing.assert_allclose(H, fd, rtol=1e-6, atol=1e-7)


def test_an_operation_without_a_second_order_rule_says_so():
    with pytest.raises(UnsupportedOperationError, match="second derivatives through solve"):
        sa.hessian(lambda A: np.sum(np.linalg.solve(A, np.ones(2))))(np.eye(2) + 0.1)


def test_hessian_matches_torch():
    torch = pytest.importorskip("torch")
    x = RNG.normal(size=40)
    t = torch.func.hessian(lambda v: (100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2).sum())(
        torch.tensor(x)).numpy()
    np.testing.assert_allclose(sa.hessian(rosenbrock)(x), t, rtol=1e-12, atol=1e-9)
