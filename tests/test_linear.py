"""LinearMap kinds and the LINEAR semiring.

Oracles: each map's dense matrix built independently with NumPy (``np.kron``,
``np.eye``, index arithmetic, ``np.add.at``), the adjoint identity
<c, A x> = <Aᵀ c, x>, the product of the matrices along every path listed by
``networkx.all_simple_paths``, and the cost formulas of seed 002.
"""

import itertools
import math

import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings

import semiring_ad as sad
from semiring_ad.core import linear as lm
from semiring_ad.core import linear_shape as ls
from semiring_ad.core.linear_semiring import LINEAR, as_linear_map, compose, multiply_adds
from semiring_ad.core.semiring import counted
from semiring_ad.core.solver import path_sum, solve_backward, solve_forward
from semiring_ad.errors import SemiringADError, ShapeError

RNG = np.random.default_rng(11)
A23, A34, V3 = RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=3)


def _gather_matrix(index, n):
    m = np.zeros((index.size, n))
    m[np.arange(index.size), index.reshape(-1)] = 1.0
    return m


def _sum_matrix(shape, axis):
    idx = np.arange(math.prod(shape)).reshape(shape)
    out = np.moveaxis(idx, axis, -1).reshape(-1, shape[axis])
    m = np.zeros((out.shape[0], idx.size))
    for r, cols in enumerate(out):
        m[r, cols] = 1.0
    return m


# (map, its dense matrix built independently)
KINDS = {
    "identity": (lm.Identity((2, 3)), np.eye(6)),
    "zero": (lm.Zero((3,), (2,)), np.zeros((2, 3))),
    "diag": (lm.Diagonal(np.arange(1.0, 7.0).reshape(2, 3), (2, 3)), np.diag(np.arange(1.0, 7.0))),
    "diag_broadcast": (lm.Diagonal(np.array([1.0, 2.0, 3.0]), (2, 3)), np.diag(np.tile([1.0, 2.0, 3.0], 2))),
    "scale": (lm.Diagonal(2.5, (4,)), 2.5 * np.eye(4)),
    "dense": (lm.Dense(A23, (3,), (2,)), A23),
    "A·vector": (lm.MatMulLeft(A23, (3,)), A23),
    "A·matrix": (lm.MatMulLeft(A23, (3, 4)), np.kron(A23, np.eye(4))),
    "a·matrix": (lm.MatMulLeft(V3, (3, 4)), np.kron(V3[None, :], np.eye(4))),
    "a·vector": (lm.MatMulLeft(V3, (3,)), V3[None, :]),
    "vector·B": (lm.MatMulRight(A34, (3,)), A34.T),
    "matrix·B": (lm.MatMulRight(A34, (2, 3)), np.kron(np.eye(2), A34.T)),
    "matrix·b": (lm.MatMulRight(V3, (2, 3)), np.kron(np.eye(2), V3[None, :])),
    "vector·b": (lm.MatMulRight(V3, (3,)), V3[None, :]),
    "broadcast_lead": (ls.Broadcast((3,), (2, 3)), np.vstack([np.eye(3), np.eye(3)])),
    "broadcast_ones": (ls.Broadcast((2, 1), (2, 3)), np.kron(np.eye(2), np.ones((3, 1)))),
    "sum_all": (ls.SumOver((2, 3), None), np.ones((1, 6))),
    "sum_axis0": (ls.SumOver((2, 3), (0,)), _sum_matrix((2, 3), 0)),
    "sum_axis1_keep": (ls.SumOver((2, 3), (-1,), keepdims=True), _sum_matrix((2, 3), 1)),
    "mean_axis1": (ls.SumOver((2, 3), (1,), scale=1 / 3), _sum_matrix((2, 3), 1) / 3),
    "reshape": (ls.Reshape((2, 3), (3, 2)), np.eye(6)),
    "transpose": (ls.Transpose((2, 3)), _gather_matrix(np.arange(6).reshape(2, 3).T, 6)),
    "gather_slice": (ls.Gather.from_key((5,), np.s_[1:4]), _gather_matrix(np.arange(1, 4), 5)),
    "gather_repeats": (ls.Gather(np.array([0, 0, 2]), (3,)), _gather_matrix(np.array([0, 0, 2]), 3)),
    "gather_2d": (ls.Gather.from_key((2, 3), (np.array([1, 0]), np.array([2, 2]))),
                  _gather_matrix(np.array([5, 2]), 6)),
    "scatter": (lm.Transposed(ls.Gather(np.array([0, 0, 2]), (3,))), _gather_matrix(np.array([0, 0, 2]), 3).T),
    "einsum_left": (ls.Contract("ij,jk->ik", A34, 0, (2, 3)), np.kron(np.eye(2), A34.T)),
    "einsum_right": (ls.Contract("ij,jk->ik", A23, 1, (3, 4)), np.kron(A23, np.eye(4))),
    "compose": (lm.Compose([lm.MatMulLeft(A23, (3,)), lm.Diagonal(np.array([2.0, -1.0]), (2,))]),
                np.diag([2.0, -1.0]) @ A23),
    "sum_of_maps": (lm.SumMaps([lm.MatMulLeft(A23, (3,)), lm.Dense(A23, (3,), (2,))]), 2 * A23),
}  # fmt: skip


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_to_dense_matches_the_matrix_built_by_hand(kind):
    m, dense = KINDS[kind]
    assert m.to_dense().shape == (m.out_size, m.in_size)
    np.testing.assert_allclose(m.to_dense(), dense, atol=1e-12)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_apply_and_transpose_agree_with_the_matrix_on_batches(kind):
    m, dense = KINDS[kind]
    x = RNG.normal(size=(4, *m.in_shape))
    c = RNG.normal(size=(4, *m.out_shape))
    y, xt = m.apply(x), m.apply_transpose(c)
    assert y.shape == (4, *m.out_shape) and xt.shape == (4, *m.in_shape)
    np.testing.assert_allclose(y.reshape(4, -1), x.reshape(4, -1) @ dense.T, atol=1e-12)
    np.testing.assert_allclose(xt.reshape(4, -1), c.reshape(4, -1) @ dense, atol=1e-12)
    # unbatched, and the adjoint identity <c, A x> = <Aᵀ c, x>
    np.testing.assert_allclose(np.vdot(c[0], m.apply(x[0])), np.vdot(m.apply_transpose(c[0]), x[0]), atol=1e-12)
    np.testing.assert_allclose(m.T.to_dense(), dense.T, atol=1e-12)


@pytest.mark.parametrize("a", sorted(KINDS))
@pytest.mark.parametrize("b", ["dense", "diag", "A·vector", "reshape", "compose"])
def test_compose_is_the_matrix_product_in_path_order(a, b):
    ma, da = KINDS[a]
    mb, db = KINDS[b]
    bridge = lm.Dense(RNG.normal(size=(mb.in_size, ma.out_size)), ma.out_shape, mb.in_shape)
    got = compose(compose(ma, bridge), mb)
    np.testing.assert_allclose(got.to_dense(), db @ bridge.mat @ da, atol=1e-10)


def test_shape_mismatch_is_a_shape_error_naming_both_maps():
    with pytest.raises(ShapeError, match=r"output shape \(2,\) must equal the second's input shape \(4,\)"):
        LINEAR.times(lm.MatMulLeft(A23, (3,)), lm.Identity((4,)))
    with pytest.raises(ShapeError, match=r"b\.shape"):
        LINEAR.times(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ShapeError, match="2-D NumPy array"):
        as_linear_map(np.ones(3))
    with pytest.raises(SemiringADError):
        lm.MatMulLeft(A23, (3, 4)).apply(np.ones(4))


# -- path sums over matrices -------------------------------------------------------------


@st.composite
def matrix_dags(draw):
    """A random DAG whose node v has a dimension d_v, edge u→v weighted by a (d_v, d_u) matrix."""
    n = draw(st.integers(2, 7))
    dims = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for i in range(n):
        for j in range(i + 1, n):
            if draw(st.booleans()):
                entries = draw(st.lists(st.integers(-3, 3), min_size=dims[i] * dims[j], max_size=dims[i] * dims[j]))
                G.add_edge(i, j, weight=np.array(entries, dtype=float).reshape(dims[j], dims[i]))
    return G, dims


def brute_force(G, dims, s, t):
    total = np.zeros((dims[t], dims[s]))
    for path in nx.all_simple_paths(G, s, t):
        prod = np.eye(dims[s])
        for u, v in itertools.pairwise(path):
            prod = G.edges[u, v]["weight"] @ prod  # J_k ··· J_1
        total += prod
    return total


@settings(max_examples=40)
@given(matrix_dags())
def test_path_sum_of_matrices_is_the_sum_over_paths_of_their_products(data):
    G, dims = data
    s, t = 0, len(dims) - 1
    want = brute_force(G, dims, s, t)
    for method in ("forward", "backward", "enumerate"):
        got = path_sum(G, LINEAR, s, t, method=method)
        if not nx.has_path(G, s, t):
            assert got is LINEAR.zero
            continue
        assert isinstance(got, np.ndarray), method
        np.testing.assert_array_equal(got, want)


@settings(max_examples=20)
@given(matrix_dags())
def test_structured_weights_give_the_same_path_sums_as_their_dense_matrices(data):
    G, dims = data
    s, t = 0, len(dims) - 1
    if not nx.has_path(G, s, t):
        return
    H = G.copy()  # the same maps, kept structured: x ↦ W @ x for vectors of length d_u
    for u, v, w in H.edges(data="weight"):
        H.edges[u, v]["weight"] = lm.MatMulLeft(w, (dims[u],))
    for method in ("forward", "backward"):
        np.testing.assert_allclose(path_sum(H, LINEAR, s, t, method=method).to_dense(), brute_force(G, dims, s, t))


# -- costs: seed 002 ------------------------------------------------------------------------


@pytest.mark.parametrize("widths", [(5, 4, 3, 2), (2, 3, 4, 5, 6), (7, 1, 7), (3, 8, 8, 8, 1)])
def test_counted_linear_reproduces_the_forward_and_reverse_cost_formulas(widths):
    L = len(widths) - 1
    G = nx.DiGraph()
    for layer in range(1, L + 1):
        G.add_edge(layer - 1, layer, weight=RNG.normal(size=(widths[layer], widths[layer - 1])))
    d = widths
    forward_formula = d[0] * sum(d[k] * d[k - 1] for k in range(2, L + 1))
    reverse_formula = d[L] * sum(d[k] * d[k + 1] for k in range(0, L - 1))
    for method, formula in (("forward", forward_formula), ("backward", reverse_formula)):
        c = counted(LINEAR)
        jac = path_sum(G, c, 0, L, method=method)
        assert c.counter.multiply_adds == formula, method
        np.testing.assert_allclose(jac, np.linalg.multi_dot([G.edges[k - 1, k]["weight"] for k in range(L, 0, -1)]))


def test_multiply_adds_of_structured_products():
    assert multiply_adds(np.ones((3, 2)), np.ones((4, 3))) == 24
    assert multiply_adds(np.ones((3, 2)), lm.Diagonal(np.ones(3), (3,))) == 3 * 2
    assert multiply_adds(lm.MatMulLeft(A23, (3,)), np.ones((5, 2))) == 6 * 5
    assert multiply_adds(LINEAR.one, np.ones((2, 2))) == 0


def test_tangent_and_cotangent_seeds_carry_k_directions():
    W1, W2 = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 4))
    G = nx.DiGraph([("x", "h", {"weight": lm.MatMulLeft(W1, (3,))}), ("h", "y", {"weight": lm.MatMulLeft(W2, (4,))})])
    V = RNG.normal(size=(3, 5))  # 5 tangents: a map R^5 -> R^3
    fwd = solve_forward(G, LINEAR, {"x": lm.Dense(V, (5,), (3,))})["y"]
    np.testing.assert_allclose(fwd.to_dense(), W2 @ W1 @ V)
    C = RNG.normal(size=(6, 2))  # 6 cotangents: a map R^2 -> R^6
    bwd = solve_backward(G, LINEAR, {"y": lm.Dense(C, (2,), (6,))})["x"]
    np.testing.assert_allclose(bwd.to_dense(), C @ W2 @ W1)


def test_linear_is_registered_and_exported():
    assert sad.SEMIRINGS["linear"] is sad.LINEAR is LINEAR
    assert not LINEAR.commutative and LINEAR.kernels is None
