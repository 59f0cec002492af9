"""Element-level sparsity of array graphs, sparse array Jacobians, and sparse Hessians from H·S blocks.

Oracles: each map's ``to_dense()`` with random (generic) numbers — its non-zeros are the structure;
the dense array Jacobian (``semiring_ad.arrays.jacobian``, identity seeds); the element-wise tracer's
``jacobian_sparsity`` and ``hessian`` (one node per scalar, a different front end); central finite
differences; ``scipy.optimize.rosen_hess`` and ``rosen_hess_prod``.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import semiring_ad as sad
from semiring_ad.ad.arrays.sparse import sparse_hessian_arrays
from semiring_ad.ad.arrays.sparsity import (
    MAP_PATTERNS,
    hessian_pattern_arrays,
    jacobian_pattern_arrays,
    map_pattern,
)
from semiring_ad.ad.colouring import is_star_coloring
from semiring_ad.core.linear import (
    Compose,
    Dense,
    Diagonal,
    Identity,
    MatMulLeft,
    MatMulRight,
    SumMaps,
    Transposed,
    Zero,
)
from semiring_ad.core.linear_shape import Broadcast, Contract, Gather, Reshape, SumOver, Transpose
from semiring_ad.errors import ShapeError, TraceError

scipy_optimize = pytest.importorskip("scipy.optimize")
R = np.random.default_rng(0)


def rand(*shape):
    return R.uniform(0.5, 1.5, shape) * R.choice([-1.0, 1.0], shape)


MAPS = {
    "identity": Identity((2, 3)),
    "zero": Zero((3,), (2,)),
    "diagonal": Diagonal(rand(2, 3), (2, 3)),
    "scale": Diagonal(rand(), (4,)),
    "dense": Dense(rand(2, 3), (3,), (2,)),
    "A@y 2d,1d": MatMulLeft(rand(2, 3), (3,)),
    "A@y 2d,2d": MatMulLeft(rand(2, 3), (3, 4)),
    "A@y 1d,1d": MatMulLeft(rand(3), (3,)),
    "A@y 1d,2d": MatMulLeft(rand(3), (3, 4)),
    "x@B 1d,2d": MatMulRight(rand(3, 2), (3,)),
    "x@B 2d,2d": MatMulRight(rand(3, 2), (4, 3)),
    "x@B 1d,1d": MatMulRight(rand(3), (3,)),
    "x@B 2d,1d": MatMulRight(rand(3), (4, 3)),
    "einsum": Contract("ij,jk->ik", rand(2, 3), 1, (3, 4)),
    "einsum outer": Contract("i,j->ij", rand(3), 0, (2,)),
    "einsum batch": Contract("bij,bj->bi", rand(2, 3, 4), 1, (2, 4)),
    "sum axis 1": SumOver((2, 3, 2), axes=(1,)),
    "sum keepdims": SumOver((2, 3), axes=(0,), keepdims=True),
    "mean all": SumOver((2, 3), axes=None, scale=1 / 6),
    "broadcast": Broadcast((3,), (2, 3)),
    "broadcast ones": Broadcast((2, 1), (2, 3)),
    "reshape": Reshape((2, 3), (3, 2)),
    "transpose": Transpose((2, 3, 4), (2, 0, 1)),
    "gather": Gather.from_key((4, 3), np.s_[::2, 1:]),
    "gather repeats": Gather(np.array([0, 2, 2, 1]), (3,)),
    "scatter": Transposed(Gather(np.array([0, 2, 2, 1]), (3,))),
    "compose": Compose((Broadcast((3,), (2, 3)), Diagonal(rand(2, 3), (2, 3)), SumOver((2, 3), (1,)))),
    "sum of maps": SumMaps((Diagonal(rand(3), (3,)), Gather(np.array([2, 0, 1]), (3,)))),
}


@pytest.mark.parametrize("name", sorted(MAPS))
def test_map_pattern_is_the_structure_of_to_dense(name):
    m = MAPS[name]
    P = map_pattern(m)
    assert sp.issparse(P) and P.dtype == bool and P.shape == (m.out_size, m.in_size)
    np.testing.assert_array_equal(P.toarray(), m.to_dense() != 0)


def test_every_map_kind_has_a_pattern_row_or_is_tested_here():
    tested = {type(m) for m in MAPS.values()}
    assert set(MAP_PATTERNS) <= tested


def test_an_unknown_map_kind_gets_a_full_block():
    class Odd(Dense):
        kind = "odd"

    del_rule = MAP_PATTERNS.pop(Dense)
    try:
        assert map_pattern(Odd(np.eye(2), (2,), (2,))).toarray().all()
    finally:
        MAP_PATTERNS[Dense] = del_rule


W = rand(3, 5)
PROGRAMS = {
    "rosenbrock": lambda x: 100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2,
    "stencil": lambda x: np.exp(x[2:]) - 2.0 * x[1:-1] * x[:-2],
    "reverse": lambda x: np.sin(x[::-1]) * x,
    "matmul": lambda x: np.tanh(W @ x) * x[:3],
    "reshape-sum": lambda x: np.cos(x[:4].reshape(2, 2)).sum(axis=0) * x[4],
    "concatenate": lambda x: np.concatenate([x[:2] ** 2, np.log(x[3:] ** 2 + 1.0)]),
    "outer": lambda x: np.einsum("i,j->ij", x[:2], x[3:]).ravel(),
    "stack-transpose": lambda x: np.stack([x[:2], x[2:4] * x[4]]).T.ravel(),
    "broadcast": lambda x: (x[:, None] * x[None, :2]).ravel(),
    "where": lambda x: np.where(x > 0, x ** 2, -x),
    "max": lambda x: np.max(x.reshape(1, 5) * x[0], axis=1),
}


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_jacobian_pattern_equals_the_element_tracer_and_covers_the_dense_jacobian(name):
    f = PROGRAMS[name]
    x = rand(5)
    g = sad.arrays.trace_arrays(f, x)
    P = jacobian_pattern_arrays(g).toarray()
    J = np.asarray(sad.arrays.jacobian(f)(x)).reshape(P.shape)
    assert not np.any((J != 0) & ~P)  # conservative
    if name not in ("where", "max"):  # masks: the element tracer follows one branch, the maps keep both
        np.testing.assert_array_equal(P, sad.jacobian_sparsity(f, x))
    np.testing.assert_array_equal(sad.jacobian_sparsity(g), P)  # the view accepts an ArrayGraph


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_sparse_array_jacobian_equals_dense_and_finite_differences(name):
    f = PROGRAMS[name]
    x = rand(5)
    J = sad.arrays.jacobian(f, sparse=True)(x)
    dense = np.asarray(sad.arrays.jacobian(f)(x)).reshape(J.shape)
    np.testing.assert_allclose(J.toarray(), dense, rtol=1e-12, atol=1e-12)
    h = 1e-6
    fd = np.stack([(np.ravel(f(x + h * e)) - np.ravel(f(x - h * e))) / (2 * h) for e in np.eye(5)], axis=1)
    np.testing.assert_allclose(J.toarray(), fd, rtol=1e-6, atol=1e-6)
    assert 1 <= J.n_colors <= 5


def test_sparse_array_jacobian_of_a_long_stencil_uses_three_colours_in_one_sweep():
    f = PROGRAMS["stencil"]
    x = np.linspace(0.1, 1.0, 200)
    J = sad.arrays.jacobian(f, sparse=True)(x)
    assert J.n_colors == 3 and J.shape == (198, 200) and J.nnz == 3 * 198
    np.testing.assert_allclose(J.toarray(), sad.arrays.jacobian(f)(x), rtol=1e-12)


def test_sparse_array_jacobian_with_two_arguments_stacks_their_columns():
    def f(a, b):
        return a * b[:, None]

    a, b = rand(2, 3), rand(2)
    J = sad.arrays.jacobian(f, argnums=(0, 1), sparse=True)(a, b)
    ja, jb = sad.arrays.jacobian(f, argnums=(0, 1))(a, b)
    np.testing.assert_allclose(J.toarray(), np.hstack([ja.reshape(6, 6), jb.reshape(6, 2)]), rtol=1e-12)


SCALARS = {
    "rosenbrock": lambda x: np.sum(PROGRAMS["rosenbrock"](x)),
    "stencil": lambda x: np.sum(PROGRAMS["stencil"](x) ** 2),
    "matmul": lambda x: np.sum(np.tanh(W @ x)),
    "bilinear": lambda x: x[:2] @ (x[2:4] * 3.0) + x[4] * 0.5,
    "quadratic form": lambda x: x[:3] @ W[:, :3] @ x[2:],
    "outer": lambda x: np.sum(np.einsum("i,j->ij", x[:2], x[3:]) ** 2),
    "linear": lambda x: np.sum(3.0 * x - x[::-1] * 0.25),
    "det": lambda x: np.linalg.det(x[:4].reshape(2, 2)) + x[4] ** 2,
    "division": lambda x: np.sum(x[:3] / 2.0) + np.sum(1.0 / (x[3:] + 3.0)),
}
ELEMENT_ORACLE = {"det": lambda x: x[0] * x[3] - x[1] * x[2] + x[4] ** 2}  # np.linalg.det on object arrays fails


@pytest.mark.parametrize("name", sorted(SCALARS))
def test_hessian_pattern_is_symmetric_and_covers_the_element_tracer_hessian(name):
    f = SCALARS[name]
    x = rand(5)
    P = hessian_pattern_arrays(sad.arrays.trace_arrays(f, x)).toarray()
    H = np.asarray(sad.hessian(ELEMENT_ORACLE.get(name, f))(x), dtype=float)
    np.testing.assert_array_equal(P, P.T)
    assert not np.any((H != 0) & ~P)
    exact = ("rosenbrock", "stencil", "bilinear", "linear", "outer", "quadratic form")  # no cancellation
    if name in exact:
        np.testing.assert_array_equal(P, H != 0)


def element_hvp_block(f, x):
    return lambda S: np.stack([sad.hvp(f, (x,), (s,)) for s in S.T], axis=1)


@pytest.mark.parametrize("coloring", ["star", "distance2"])
@pytest.mark.parametrize("name", sorted(SCALARS))
def test_sparse_hessian_from_element_hvp_blocks_equals_the_dense_hessian(name, coloring):
    f = SCALARS[name]
    x = rand(5)
    g = sad.arrays.trace_arrays(f, x)
    oracle = ELEMENT_ORACLE.get(name, f)
    H = sparse_hessian_arrays(g, element_hvp_block(oracle, x), coloring=coloring)
    np.testing.assert_allclose(H.toarray(), np.asarray(sad.hessian(oracle)(x), dtype=float), rtol=1e-10, atol=1e-12)
    if coloring == "star":
        assert is_star_coloring(hessian_pattern_arrays(g), H.colors)


@pytest.mark.parametrize("n", [4, 50, 2000])
def test_sparse_rosenbrock_hessian_from_rosen_hess_prod_uses_three_colours(n):
    x = np.random.default_rng(n).uniform(-1.5, 1.5, n)
    g = sad.arrays.trace_arrays(SCALARS["rosenbrock"], x)
    H = sparse_hessian_arrays(g, lambda S: np.stack([scipy_optimize.rosen_hess_prod(x, s) for s in S.T], axis=1))
    assert H.n_colors == 3 and H.nnz == 3 * n - 2
    np.testing.assert_allclose(H.toarray(), scipy_optimize.rosen_hess(x), rtol=1e-12, atol=1e-9)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["mul", "sin", "sq", "lin", "sum"]), st.integers(0, 5), st.integers(1, 4)),
                min_size=1, max_size=6), st.integers(0, 99))
def test_random_slice_programs_hessian_pattern_covers_and_sparse_hessian_matches(terms, seed):
    def f(x):
        total = 0.0
        for kind, a, w in terms:
            u, v = x[a:a + w], x[(a + 1) % 3:(a + 1) % 3 + len(x[a:a + w])]
            if kind == "mul":
                total = total + np.sum(u * v[: len(u)] if len(v) >= len(u) else u * u)
            elif kind == "sin":
                total = total + np.sum(np.sin(u))
            elif kind == "sq":
                total = total + np.sum(u) ** 2
            elif kind == "lin":
                total = total + np.sum(2.0 * u)
            else:
                total = total + np.sum(np.exp(0.1 * x) * x[a])
        return total

    x = np.random.default_rng(seed).uniform(-1, 1, 8)
    g = sad.arrays.trace_arrays(f, x)
    if g.tape.ops[g.output] == "const":
        return
    H = np.asarray(sad.hessian(f)(x), dtype=float)
    P = hessian_pattern_arrays(g).toarray()
    assert not np.any((H != 0) & ~P)
    Hs = sparse_hessian_arrays(g, element_hvp_block(f, x))
    np.testing.assert_allclose(Hs.toarray(), H, rtol=1e-10, atol=1e-12)


def test_hessian_pattern_refuses_an_array_output():
    with pytest.raises(TraceError, match="scalar output"):
        hessian_pattern_arrays(sad.arrays.trace_arrays(lambda x: x * x, np.ones(3)))


def test_sparse_hessian_refuses_a_block_of_the_wrong_shape():
    g = sad.arrays.trace_arrays(SCALARS["rosenbrock"], np.ones(5))
    with pytest.raises(ShapeError, match=r"\(5, 3\)"):
        sparse_hessian_arrays(g, lambda S: np.zeros((5, 2)))


@pytest.mark.parametrize(("f", "x"), [(lambda x: np.sum(x ** 2), np.array([1.0, 2.0, 3.0])),
                                      (lambda s: np.array([1.0, 2.0]) * s, 2.0),
                                      (lambda x: 3.0 * np.ones(2), np.ones(3))],
                         ids=["scalar output", "scalar input", "constant output"])
def test_sparse_array_jacobian_edge_shapes_equal_the_dense_jacobian(f, x):
    J = sad.arrays.jacobian(f, sparse=True)(x)
    dense = np.asarray(sad.arrays.jacobian(f)(x), dtype=float).reshape(J.shape)
    np.testing.assert_allclose(J.toarray(), dense, rtol=1e-12)
