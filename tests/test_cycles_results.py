"""Graphs with cycles return what acyclic ones do, check their weights the same way, and DUAL has a star.

* ``solve_forward``/``solve_backward`` on a cyclic graph return ``NodeValues`` whose
  values equal ``numpy.linalg.solve(I - A, …)``, whose ``reached`` equals
  networkx reachability, and whose node order respects the condensation;
* a NaN weight is refused (``WeightTypeError`` naming the edge) on the cyclic path
  too, and weights are lifted: OR_AND reads numbers as True (oracle:
  ``nx.descendants``), SIGNED_LOG converts them (oracle: PLUS_TIMES);
* DUAL's star (a + bε)* = 1/(1 − a) + b/(1 − a)² ε passes ``check_laws``, and a
  cyclic graph with dual weights A0 + εA1 solves to M = (I − A0)^-1 with
  ε part M A1 M (numpy) = the central difference of the PLUS_TIMES solve.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import given, settings

from semiring_ad import (
    DUAL,
    OR_AND,
    PLUS_TIMES,
    SIGNED_LOG,
    Dual,
    NodeValues,
    NoStarError,
    WeightTypeError,
    check_laws,
    path_sum,
    solve_backward,
    solve_forward,
)


def random_cyclic(seed: int, n: int = 7, p: float = 0.35) -> tuple[nx.DiGraph, np.ndarray]:
    """A random digraph with cycles, weights scaled to spectral radius 0.8, and its weight matrix."""
    rng = np.random.default_rng(seed)
    A = (rng.random((n, n)) < p) * rng.normal(size=(n, n))
    A[0, 1] = A[1, 0] = 0.5  # at least one cycle
    A *= 0.8 / max(np.abs(np.linalg.eigvals(A)).max(), 1e-9)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    G.add_weighted_edges_from((u, v, A[u, v]) for u, v in zip(*np.nonzero(A)))
    return G, A


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_cyclic_solves_return_node_values_in_component_order(seed):
    G, A = random_cyclic(seed)
    n = len(A)
    M = np.linalg.solve(np.eye(n) - A, np.eye(n))
    alpha = solve_forward(G, PLUS_TIMES, 0)
    beta = solve_backward(G, PLUS_TIMES, n - 1)
    assert isinstance(alpha, NodeValues) and isinstance(beta, NodeValues)
    assert np.allclose(alpha.to_numpy(nodes=range(n)), M[0], atol=1e-12)
    assert np.allclose(beta.to_numpy(nodes=range(n)), M[:, n - 1], atol=1e-12)
    reach = nx.descendants(G, 0) | {0}
    assert {v for v, r in zip(alpha.nodes, alpha.reached) if r} == reach
    assert all(alpha[v] == 0 for v in G if v not in reach)  # unreached: the semiring's zero
    C = nx.condensation(G)
    for values in (alpha, beta):
        position = {v: i for i, v in enumerate(values.nodes)}
        assert sorted(values.nodes) == list(range(n))
        for u, v in G.edges:
            cu, cv = C.graph["mapping"][u], C.graph["mapping"][v]
            assert cu == cv or position[u] < position[v]


@pytest.mark.parametrize("solve", [
    lambda G: solve_forward(G, PLUS_TIMES, "a"),
    lambda G: solve_backward(G, PLUS_TIMES, "b"),
    lambda G: path_sum(G, PLUS_TIMES, "a", "b"),
], ids=["solve_forward", "solve_backward", "path_sum"])
def test_a_nan_weight_on_a_cyclic_graph_is_refused(solve):
    """Bug: the cyclic path skipped the acyclic path's weight checks, so a NaN gave NaN answers."""
    G = nx.DiGraph([("a", "b", {"weight": 0.5}), ("b", "a", {"weight": 0.25}), ("c", "d", {"weight": math.nan}),
                    ("d", "c", {"weight": 0.5})])
    with pytest.raises(WeightTypeError, match=r"\('c', 'd'\) has a NaN weight"):
        solve(G)


@settings(max_examples=20, deadline=None)
@given(st.integers(0, 10**6))
def test_cyclic_weights_are_lifted_into_the_semiring(seed):
    G, A = random_cyclic(seed)
    n = len(A)
    reach = solve_forward(G, OR_AND, 0)
    assert {v for v in G if reach[v] is True} == nx.descendants(G, 0) | {0}
    M = np.linalg.solve(np.eye(n) - A, np.eye(n))
    signed = solve_forward(G, SIGNED_LOG, 0)
    for v in range(n):
        sign, mag = signed[v]
        assert sign * math.exp(mag) == pytest.approx(M[0, v], rel=1e-9, abs=1e-12)


def test_dual_star_follows_its_formula_and_the_laws():
    a, b = sympy.symbols("a b")
    star = DUAL.star(Dual(0.3, 2.0))
    assert star.value == pytest.approx(float((1 / (1 - a)).subs(a, 0.3)))
    assert star.tangent == pytest.approx(float((b * sympy.diff(1 / (1 - a), a)).subs({a: 0.3, b: 2.0})))
    nested = Dual(Dual(0.5, 1.0, 1), Dual(0.25, 0.0, 1), 2)
    check_laws(DUAL, [Dual(0, 0), Dual(2.0, -1.5), Dual(-0.5, 3.0), 2.0, Dual(1.0, 1.0), nested])
    with pytest.raises(NoStarError, match="dual") as info:
        DUAL.star(Dual(1.0, 3.0))
    assert info.value.semiring == "dual"


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10**6))
def test_cyclic_graph_with_dual_weights_differentiates_the_star(seed):
    G, A0 = random_cyclic(seed)
    n = len(A0)
    A1 = np.random.default_rng(seed + 1).normal(size=(n, n)) * (A0 != 0)
    D = nx.DiGraph()
    D.add_nodes_from(G)
    D.add_edges_from((u, v, {"weight": Dual(A0[u, v], A1[u, v])}) for u, v in G.edges)
    M = np.linalg.solve(np.eye(n) - A0, np.eye(n))
    dM = M @ A1 @ M
    got = solve_forward(D, DUAL, 0)
    assert np.allclose([got[v].value for v in range(n)], M[0], atol=1e-12)
    assert np.allclose([got[v].tangent for v in range(n)], dM[0], atol=1e-10)

    def plus_times_sum(h):
        H = nx.DiGraph()
        H.add_weighted_edges_from((u, v, A0[u, v] + h * A1[u, v]) for u, v in G.edges)
        return path_sum(H, PLUS_TIMES, 0, n - 1) if n - 1 in H and 0 in H else 0.0

    pair = path_sum(D, DUAL, 0, n - 1)
    pair = pair if isinstance(pair, Dual) else Dual(pair, 0.0)
    assert pair.tangent == pytest.approx((plus_times_sum(1e-6) - plus_times_sum(-1e-6)) / 2e-6, rel=1e-5, abs=1e-8)
