"""Star and distance-2 colourings: validity by brute force, recovery by linear algebra, colour counts.

Oracles: enumeration of every path on four vertices (networkx's graph, plain
loops) for the star property; every pair of columns sharing a row for the
distance-2 property; the dense product ``H @ S`` (NumPy) decompressed back to
the random symmetric matrix it came from; ``scipy.optimize.rosen_hess`` for a
Hessian computed end to end.
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import semiring_ad as sad
from semiring_ad.ad.colouring import (
    color_columns,
    color_hessian,
    is_star_coloring,
    recover_direct,
    recover_symmetric,
    star_color,
)
from semiring_ad.errors import InputError


@st.composite
def symmetric_patterns(draw, max_n=9):
    n = draw(st.integers(1, max_n))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs))) if pairs else []
    A = np.eye(n, dtype=bool)
    for i, j in chosen:
        A[i, j] = A[j, i] = True
    return A


def four_vertex_paths(A):
    """Every path a–b–c–d on four distinct vertices of the graph with adjacency ``A`` (diagonal ignored)."""
    G = nx.from_numpy_array(A & ~np.eye(len(A), dtype=bool))
    for b, c in G.edges:
        for b_, c_ in ((b, c), (c, b)):
            for a in G[b_]:
                for d in G[c_]:
                    if len({a, b_, c_, d}) == 4:
                        yield a, b_, c_, d


def brute_force_star(A, colors):
    n = len(A)
    proper = all(colors[i] != colors[j] for i in range(n) for j in range(n) if i != j and A[i, j])
    return proper and all(len({colors[v] for v in path}) >= 3 for path in four_vertex_paths(A))


@settings(max_examples=300, deadline=None)
@given(A=symmetric_patterns())
def test_star_color_is_a_star_colouring_on_every_four_vertex_path(A):
    colors = star_color(sp.csr_array(A))
    assert brute_force_star(A, colors)
    assert is_star_coloring(sp.csr_array(A), colors)


@settings(max_examples=300, deadline=None)
@given(A=symmetric_patterns(), seed=st.integers(0, 2**16))
def test_is_star_coloring_agrees_with_brute_force_on_random_colourings(A, seed):
    colors = np.random.default_rng(seed).integers(0, 3, len(A))
    assert is_star_coloring(sp.csr_array(A), colors) == brute_force_star(A, colors)


@settings(max_examples=200, deadline=None)
@given(A=symmetric_patterns(max_n=14))
def test_star_needs_no_more_colours_than_distance2_and_respects_the_degree_bound(A):
    P = sp.csr_array(A)
    star, d2 = star_color(P), color_columns(P)
    delta = int((A.sum(axis=1) - 1).max())
    assert star.max() + 1 <= d2.max() + 1
    assert star.max() + 1 <= delta**2 + 1


@settings(max_examples=200, deadline=None)
@given(A=symmetric_patterns(max_n=12), seed=st.integers(0, 2**16), coloring=st.sampled_from(["star", "distance2"]))
def test_recovery_from_the_compressed_product_gives_the_symmetric_matrix_back(A, seed, coloring):
    rng = np.random.default_rng(seed)
    H = np.where(A, rng.standard_normal(A.shape), 0.0)
    H = np.triu(H) + np.triu(H, 1).T
    colors, recover = color_hessian(sp.csr_array(A), coloring)
    S = np.eye(colors.max() + 1)[colors]
    np.testing.assert_allclose(recover(sp.csr_array(A), colors, H @ S).toarray(), H, rtol=1e-12, atol=1e-12)


def test_distance2_columns_share_no_row():
    rng = np.random.default_rng(3)
    P = rng.random((30, 20)) < 0.15
    colors = color_columns(sp.csr_array(P))
    for j, k in itertools.combinations(range(20), 2):
        if np.any(P[:, j] & P[:, k]):
            assert colors[j] != colors[k]
    J = np.where(P, rng.standard_normal(P.shape), 0.0)
    np.testing.assert_array_equal(recover_direct(sp.csr_array(P), colors, J @ np.eye(colors.max() + 1)[colors])
                                  .toarray(), J)


@pytest.mark.parametrize("n", [4, 5, 6, 11, 200])
def test_tridiagonal_needs_exactly_three_star_colours(n):
    A = np.eye(n, dtype=bool) | np.eye(n, k=1, dtype=bool) | np.eye(n, k=-1, dtype=bool)
    colors = star_color(sp.csr_array(A))
    assert colors.max() + 1 == 3
    if n <= 11:
        assert brute_force_star(A, colors)


@pytest.mark.parametrize("hub", [0, 3, 9])
def test_arrowhead_needs_two_star_colours_and_n_distance2_colours(hub):
    n = 10
    A = np.eye(n, dtype=bool)
    A[hub, :] = A[:, hub] = True
    P = sp.csr_array(A)
    assert star_color(P).max() + 1 == 2
    assert color_columns(P).max() + 1 == n


def test_arrowhead_hessian_end_to_end_uses_two_colours():
    def f(x):
        return sum((x[0] * x[i] for i in range(1, len(x))), 0.0) + sum((xi**2 for xi in x), 0.0)

    x = np.linspace(0.5, 1.5, 12)
    H = sad.hessian(f, sparse=True)(x)
    H2 = sad.hessian(f, sparse=True, coloring="distance2")(x)
    np.testing.assert_allclose(H.toarray(), sad.hessian(f)(x).astype(float), rtol=1e-12)
    np.testing.assert_allclose(H2.toarray(), H.toarray(), rtol=1e-12)
    assert (H.n_colors, H2.n_colors) == (2, 12)


def test_recover_symmetric_refuses_a_colouring_that_is_not_a_star_colouring():
    A = np.eye(4, dtype=bool) | np.eye(4, k=1, dtype=bool) | np.eye(4, k=-1, dtype=bool)
    with pytest.raises(InputError, match="not a star colouring"):
        recover_symmetric(sp.csr_array(A), np.array([0, 1, 0, 1]), np.zeros((4, 2)))


def test_unknown_coloring_is_refused_naming_the_choices():
    with pytest.raises(InputError, match="distance2"):
        color_hessian(sp.csr_array(np.eye(2, dtype=bool)), "acyclic")


def test_star_color_refuses_a_rectangular_pattern():
    with pytest.raises(InputError, match="square"):
        star_color(sp.csr_array(np.ones((2, 3), dtype=bool)))


@settings(max_examples=100, deadline=None)
@given(A=symmetric_patterns(max_n=14), seed=st.integers(0, 2**16))
def test_color_columns_is_networkx_largest_first_on_the_intersection_graph(A, seed):
    P = np.random.default_rng(seed).random((len(A) + 2, len(A))) < 0.3
    inter = (P.T.astype(int) @ P.astype(int)) > 0
    G = nx.Graph()
    G.add_nodes_from(range(len(A)))
    G.add_edges_from((j, k) for j in range(len(A)) for k in range(j + 1, len(A)) if inter[j, k])
    expected = nx.greedy_color(G, strategy="largest_first")
    assert color_columns(sp.csr_array(P)).tolist() == [expected[j] for j in range(len(A))]
