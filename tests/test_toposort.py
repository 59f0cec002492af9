"""Compiling from networkx with array algorithms: order, levels, out-edges, keys, cycles.

Oracles: networkx (``topological_generations`` gives the longest-path levels,
``find_cycle``/``is_directed_acyclic_graph``), NumPy's stable ``argsort`` for
the out-edge CSR, and the graph's own edge list for the in-edge CSR.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from semiring_ad.core.graph import compile_graph
from semiring_ad.core.toposort import find_cycle, longest_path_levels, out_csr, topological_positions
from semiring_ad.errors import MissingWeightError, NotADAGError
from tests.strategies import dags


@given(G=dags(weights=st.integers(-3, 3), max_nodes=12))
def test_compiled_graph_is_topological_and_keeps_every_edge(G):
    cg = compile_graph(G)
    pos = cg.index
    assert sorted(cg.nodes, key=repr) == sorted(G.nodes, key=repr)
    assert all(pos[u] < pos[v] for u, v in G.edges)
    expected = [((u, v), d["weight"]) for u, v, d in G.edges(data=True)]
    assert sorted(zip(cg.edges, cg.weights), key=repr) == sorted(expected, key=repr)
    generations = {v: i for i, gen in enumerate(nx.topological_generations(G)) for v in gen}
    assert {v: int(lv) for v, lv in zip(cg.nodes, cg.levels)} == generations
    in_order = [pos[u] for v in cg.nodes for u in G.pred[v]]  # each target's in-edges in G.pred order
    assert cg.in_src.tolist() == in_order


@given(G=dags(multigraph=True, weights=st.integers(-3, 3)))
def test_multigraph_keeps_parallel_edges_with_their_keys(G):
    cg = compile_graph(G)
    expected = [((u, v, k), d["weight"]) for u, v, k, d in G.edges(keys=True, data=True)]
    assert sorted(zip(cg.edges, cg.weights), key=repr) == sorted(expected, key=repr)


@given(pairs=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30))
def test_out_csr_is_the_stable_sort_and_keys_count_repeats(pairs):
    edges = sorted((max(u, v), min(u, v)) for u, v in pairs if u != v)
    n = 10
    in_ptr = np.searchsorted([d for d, _ in edges], np.arange(n + 1))
    in_src = np.array([s for _, s in edges], dtype=np.int64)
    out_ptr, out_dst, out_edge = out_csr(n, in_ptr, in_src)
    expected = np.argsort(in_src, kind="stable")
    assert out_edge.tolist() == expected.tolist()
    assert out_dst.tolist() == [edges[k][0] for k in expected]
    assert out_ptr.tolist() == np.r_[0, np.cumsum(np.bincount(in_src, minlength=n))].tolist()
    from semiring_ad.core.graph import CompiledGraph

    cg = CompiledGraph.from_arrays(range(n), in_ptr, in_src, [1.0] * len(edges))
    seen: dict = {}
    loop_keys = []
    for e in edges:
        loop_keys.append(seen.get(e, 0))
        seen[e] = seen.get(e, 0) + 1
    assert cg.edge_keys == (loop_keys if any(loop_keys) else None)


@given(G=dags(min_nodes=2), extra=st.data())
def test_a_back_edge_makes_a_cycle_that_the_error_names(G, extra):
    order = list(nx.topological_sort(G))
    if not G.number_of_edges():
        return
    u, v = extra.draw(st.sampled_from(list(G.edges)))
    G.add_edge(v, u)  # closes the cycle u -> v -> u
    nx.set_edge_attributes(G, 1.0, "weight")
    with pytest.raises(NotADAGError, match="cycle") as info:
        compile_graph(G)
    cycle = info.value.cycle
    assert order and cycle, "the error carries the cycle's edges"
    assert all(G.has_edge(*e) for e in cycle)


def test_self_loop_and_missing_weight_are_named():
    with pytest.raises(NotADAGError, match="cycle 'a' -> 'a'"):
        compile_graph(nx.DiGraph([("a", "a", {"weight": 1.0})]))
    G = nx.DiGraph([("a", "b", {"weight": 1.0}), ("b", "c", {"length": 2.0})])
    with pytest.raises(MissingWeightError, match=r"\('b', 'c'\)"):
        compile_graph(G)


def test_deep_chain_levels_and_order_without_recursion():
    n = 200_000
    in_ptr = np.r_[0, np.arange(n)]
    in_src = np.arange(n - 1)
    assert topological_positions(n, in_ptr, in_src).tolist() == list(range(n))
    out_ptr, out_dst, _ = out_csr(n, in_ptr, in_src)
    assert longest_path_levels(in_ptr, in_src, out_ptr, out_dst).tolist() == list(range(n))
    G = nx.path_graph(50_000, create_using=nx.DiGraph)
    cg = compile_graph(G, weight=lambda u, v, d: 1.0)
    assert cg.nodes == list(range(50_000)) and cg.n_levels == 50_000


@given(n=st.integers(1, 12), pairs=st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=30))
def test_find_cycle_is_a_real_cycle_exactly_when_networkx_finds_one(n, pairs):
    edges = [(u % n, v % n) for u, v in pairs]
    G = nx.MultiDiGraph()
    G.add_nodes_from(range(n))
    G.add_edges_from(edges)
    by_target = sorted(edges, key=lambda e: e[1])
    in_ptr = np.searchsorted([v for _, v in by_target], np.arange(n + 1))
    cycle = find_cycle(n, in_ptr, np.array([u for u, _ in by_target], dtype=np.int64))
    assert (cycle == []) == nx.is_directed_acyclic_graph(G)
    assert len(set(cycle)) == len(cycle)
    assert all(G.has_edge(a, b) for a, b in zip(cycle, cycle[1:] + cycle[:1]))


def test_find_cycle_on_a_long_ring_without_recursion():
    n = 10**5
    cycle = find_cycle(n, np.arange(n + 1), np.r_[n - 1, np.arange(n - 1)])  # i - 1 -> i, and n - 1 -> 0
    assert cycle == list(range(n))
