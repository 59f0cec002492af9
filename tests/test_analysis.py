"""One graph, many semirings: sparsity, path counts and dominant paths against oracles.

Oracles: the nonzero pattern of the numeric Jacobian (the AD API) at random
points for functions built to have no accidental zeros; brute-force
enumeration with ``networkx.all_simple_edge_paths``.
"""

from __future__ import annotations

import math
import operator
from functools import reduce

import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
import strategies as strat
from hypothesis import given

import semiring_ad as sad
from semiring_ad.core.solver import path_sum
from semiring_ad.errors import GraphTypeError, NodeNotFoundError
from semiring_ad.views.analysis import dominant_paths, jacobian_sparsity, k_best, k_best_weight, log_abs, path_counts


@st.composite
def patterned_functions(draw):
    """f_k(x) = Σ_{j in S_k} exp(a_kj · x_j) + c: every structural partial a·exp(a·x) is nonzero."""
    m, n = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    pattern = np.array(draw(st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=m, max_size=m)))
    scale = draw(st.lists(st.floats(0.5, 2.0), min_size=m * n, max_size=m * n))

    def f(x):
        return [sum((sad.exp(scale[k * n + j] * x[j]) for j in range(n) if pattern[k, j]), 1.0) for k in range(m)]

    point = draw(st.lists(st.floats(-2, 2), min_size=n, max_size=n))
    return f, point, pattern


@given(patterned_functions())
def test_sparsity_is_the_nonzero_pattern_of_the_jacobian(case):
    f, point, pattern = case
    S = jacobian_sparsity(f, point)
    J = sad.trace(f, point).jacobian().reshape(pattern.shape)
    assert S.dtype == bool and S.shape == pattern.shape
    assert (S == pattern).all() and (S == (J != 0)).all()


def test_sparsity_is_structural_not_numeric():
    # ∂(x·y)/∂x = y = 0 at this point, but the output still depends on x
    S = jacobian_sparsity(lambda x, y: [x * y, y], 1.0, 0.0)
    assert S.tolist() == [[True, True], [False, True]]


@given(strat.dags(multigraph=True))
def test_path_counts_match_enumeration(G):
    sources = [v for v in G if G.in_degree(v) == 0]
    sinks = [v for v in G if G.out_degree(v) == 0]
    counts = path_counts(G)
    expected = [[(1 if s == t else sum(1 for _ in nx.all_simple_edge_paths(G, s, t))) for s in sources]
                for t in sinks]
    assert counts.shape == (len(sinks), len(sources)) and counts.tolist() == expected


def test_path_counts_of_a_trace():
    g = sad.trace(lambda x, y: (x + 4 * y) * ((x + y) * y), 3.0, 5.0)
    assert path_counts(g).tolist() == [[2, 3]]
    assert path_counts(sad.trace(lambda x: x * x * x, 2.0)).tolist() == [[3]]


def test_path_counts_beyond_int64_are_exact():
    G = nx.MultiDiGraph()
    for i in range(70):  # two parallel edges per step: 2**70 paths
        G.add_edge(i, i + 1)
        G.add_edge(i, i + 1)
    counts = path_counts(G)
    assert counts.dtype == object and counts[0, 0] == 2**70


@given(strat.dags(weights=strat.dyadics, min_nodes=2))
def test_dominant_paths_have_the_largest_product(G):
    best = dominant_paths(G)
    sources = [v for v in G if G.in_degree(v) == 0]
    sinks = [v for v in G if G.out_degree(v) == 0]
    for r, t in enumerate(sinks):
        for j, s in enumerate(sources):
            paths = [()] if s == t else list(nx.all_simple_edge_paths(G, s, t))
            if not paths:
                assert best[r, j] is None
                continue
            products = [reduce(operator.mul, (G.edges[e]["weight"] for e in p), 1) for p in paths]
            d = best[r, j]
            assert math.isclose(abs(d.product), max(map(abs, products)))
            assert d.nodes[0] == s and d.nodes[-1] == t and len(d.edges) == len(d.nodes) - 1
            assert math.isclose(d.log_abs, log_abs(d.product)) or d.product == 0


def test_dominant_path_of_reps_example():
    G = nx.DiGraph()
    G.add_weighted_edges_from([("x", "a", 1), ("y", "a", 4), ("x", "b", 1), ("y", "b", 1),
                               ("b", "c", 5), ("y", "c", 8), ("a", "f", 40), ("c", "f", 23)])
    d = dominant_paths(G, inputs=["x", "y"], outputs=["f"])
    assert (d[0, 0].nodes, d[0, 0].product) == (("x", "b", "c", "f"), 115)
    assert (d[0, 1].nodes, d[0, 1].product) == (("y", "c", "f"), 184)


def test_k_best_semiring_with_the_core_solver():
    G = nx.DiGraph([("s", "a", {"w": 2.0}), ("a", "t", {"w": -3.0}), ("s", "t", {"w": 5.0}),
                    ("s", "b", {"w": 0.5}), ("b", "t", {"w": 1.0})])
    best = path_sum(G, k_best(2), "s", "t", weight=lambda u, v, d: k_best_weight(d["w"], (u, v)))
    assert [(round(math.exp(e.log_abs), 9) * e.sign, e.path) for e in best] == [
        (-6.0, (("s", "a"), ("a", "t"))), (5.0, (("s", "t"),))]


def test_errors():
    with pytest.raises(GraphTypeError):
        path_counts([1, 2])
    with pytest.raises(NodeNotFoundError):
        path_counts(nx.DiGraph([(0, 1)]), inputs=[5])
    with pytest.raises(TypeError, match="numeric"):
        log_abs("x")
