"""The path solver against oracles nobody here wrote.

* every registered semiring: forward, backward, enumeration, the seeded
  sweeps and every backend agree with brute force over
  ``networkx.all_simple_edge_paths``;
* each semiring's meaning against the networkx / NumPy / SymPy algorithm that
  answers the same question (Dijkstra, Bellman-Ford, ``dag_longest_path_length``,
  descendants/ancestors, path counts, ``inv(I - A)``, ``logsumexp``, ``expand``);
* order of products (the free PATHS semiring and 2x2 matrices), operation
  counts (the cone), and chains of 10^5 / 10^6 nodes.
"""

from __future__ import annotations

import math
import operator
from functools import reduce
from itertools import pairwise

import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
import strategies as strat
import sympy
from hypothesis import given
from scipy.special import logsumexp

from semiring_ad import (
    COUNTING,
    LOG,
    MAX_PLUS,
    MAX_TIMES,
    MIN_PLUS,
    OR_AND,
    PATHS,
    PLUS_TIMES,
    SEMIRINGS,
    SIGNED_LOG,
    SYMBOLIC,
    CompiledGraph,
    NodeNotFoundError,
    Semiring,
    check_laws,
    compile_graph,
    counted,
    enumerate_paths,
    path_sum,
    product,
    signed_log,
    solve_backward,
    solve_forward,
    sweep,
)
from semiring_ad.core.solver import BACKENDS

REGISTERED = sorted(SEMIRINGS)
METHODS = ("forward", "backward", "enumerate")

# -- oracles -------------------------------------------------------------------------


def edge_paths(G: nx.DiGraph, s, t) -> list[tuple]:
    """Every s→t path as a tuple of edge ids, by networkx (``[()]`` when s == t)."""
    return [tuple(p) for p in nx.all_simple_edge_paths(G, s, t)]


def brute_path_sum(G: nx.DiGraph, S: Semiring, s, t):
    """⊕ over networkx's paths of the ⊗ of edge weights, left to right in path order."""
    products = (reduce(S.times, (G.edges[e]["weight"] for e in p), S.one) for p in edge_paths(G, s, t))
    return reduce(S.plus, products, S.zero)


def cone(G: nx.DiGraph, s, t) -> set:
    """Nodes on some s→t path, by networkx."""
    return ({s} | nx.descendants(G, s)) & ({t} | nx.ancestors(G, t))


def with_weights(G: nx.DiGraph, fn) -> nx.DiGraph:
    """A copy of ``G`` whose edge weights are ``fn(old_weight)``."""
    H = G.copy()
    for *_, data in H.edges(data=True, keys=True) if H.is_multigraph() else H.edges(data=True):
        data["weight"] = fn(data["weight"])
    return H


def assert_equal_in(S: Semiring, got, expected, what: str = "") -> None:
    assert S.approx_equal(got, expected), f"{S.name} {what}: got {got!r}, expected {expected!r}"


def draw_pairs(data: st.DataObject, G: nx.DiGraph, n: int = 2) -> list[tuple]:
    return data.draw(st.lists(strat.node_pairs(G), min_size=1, max_size=n), label="pairs")


# -- every semiring: all methods agree with brute force ------------------------------------


@pytest.mark.parametrize("multigraph", [False, True], ids=["DiGraph", "MultiDiGraph"])
@pytest.mark.parametrize("name", REGISTERED)
def test_path_sum_methods_agree_with_enumeration(name, multigraph):
    S, graphs = SEMIRINGS[name], strat.semiring_dags(name, multigraph=multigraph)

    @strat.per_semiring_settings()
    @given(st.data())
    def check(data):
        G = data.draw(graphs, label="G")
        cg = compile_graph(G)
        for s, t in draw_pairs(data, G):
            expected = brute_path_sum(G, S, s, t)
            for method in METHODS:
                assert_equal_in(S, path_sum(cg, S, s, t, method=method), expected, f"path_sum {method} {s}->{t}")
            assert_equal_in(S, solve_forward(G, S, s)[t], expected, f"solve_forward({s})[{t}]")  # uncompiled
            assert_equal_in(S, solve_backward(cg, S, t)[s], expected, f"solve_backward({t})[{s}]")

    check()


def seed_values(name: str, node) -> st.SearchStrategy:
    if name == "paths":  # a marker path shows on which side of the products the seed sits
        return st.sampled_from([PATHS.one, frozenset({(("seed", node),)})])
    return strat.weight_values(name)


@pytest.mark.parametrize("multigraph", [False, True], ids=["DiGraph", "MultiDiGraph"])
@pytest.mark.parametrize("name", REGISTERED)
def test_seeded_sweeps_match_brute_force(name, multigraph):
    S, graphs = SEMIRINGS[name], strat.semiring_dags(name, multigraph=multigraph)

    @strat.per_semiring_settings()
    @given(st.data())
    def check(data):
        G = data.draw(graphs, label="G")
        nodes = list(G.nodes)
        picked = data.draw(st.lists(st.sampled_from(nodes), min_size=1, max_size=2, unique=True), label="seeded")
        seeds = {v: data.draw(seed_values(name, v), label=f"seed {v}") for v in picked}
        alpha = solve_forward(G, S, seeds)
        beta = solve_backward(G, S, seeds)
        assert set(alpha) == set(beta) == set(nodes)
        for v in nodes:
            fwd = S.sum(S.times(seed, brute_path_sum(G, S, s, v)) for s, seed in seeds.items())
            bwd = S.sum(S.times(brute_path_sum(G, S, v, t), seed) for t, seed in seeds.items())
            assert_equal_in(S, alpha[v], fwd, f"forward seeds {seeds} at {v}")
            assert_equal_in(S, beta[v], bwd, f"backward seeds {seeds} at {v}")

    check()


@pytest.mark.parametrize("backend", sorted(BACKENDS))
@pytest.mark.parametrize("name", REGISTERED)
def test_every_backend_that_accepts_a_semiring_matches_brute_force(name, backend):
    S, graphs = SEMIRINGS[name], strat.semiring_dags(name)

    @strat.per_semiring_settings()
    @given(st.data())
    def check(data):
        G = data.draw(graphs, label="G")
        cg = compile_graph(G)
        s = data.draw(st.sampled_from(cg.nodes), label="source")
        seeds = {cg.index[s]: S.one}
        if not BACKENDS[backend].supports(cg, S, seeds):
            return
        for direction in ("forward", "backward"):
            vals = sweep(cg, S, seeds, direction, backend=backend)
            for v, got in zip(cg.nodes, vals, strict=True):
                expected = brute_path_sum(G, S, s, v) if direction == "forward" else brute_path_sum(G, S, v, s)
                assert_equal_in(S, S.zero if got is None else got, expected, f"{backend} {direction} at {v}")

    check()


# -- PATHS: the paths themselves, in order -------------------------------------------------


def node_path_edges(path: list) -> tuple:
    return tuple(pairwise(path))


@given(st.data())
def test_paths_equal_networkx_simple_paths(data):
    G = data.draw(strat.dags(), label="G")
    for s, t in draw_pairs(data, G):
        expected = {node_path_edges(p) for p in nx.all_simple_paths(G, s, t)}
        for method in METHODS:
            got = path_sum(G, PATHS, s, t, method=method, weight=lambda u, v, d: frozenset({((u, v),)}))
            assert got == expected, method
        for p in expected:  # each path is a chain s -> ... -> t, in order
            assert all(e[1] == f[0] for e, f in pairwise(p))


@given(st.data())
def test_paths_in_multigraph_keep_parallel_edges_apart(data):
    G = data.draw(strat.dags(multigraph=True), label="G")
    cg = compile_graph(G, weight=lambda u, v, d: 0).with_weights(lambda e, w: frozenset({(e,)}))
    for s, t in draw_pairs(data, G):
        expected = set(edge_paths(G, s, t))
        forward = path_sum(cg, PATHS, s, t, method="forward")
        backward = path_sum(cg, PATHS, s, t, method="backward")
        assert forward == backward == expected
        assert len(forward) == len(list(nx.all_simple_paths(G, s, t)))  # one per parallel edge choice


def test_paths_products_keep_path_order():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "d")])
    ordered = frozenset({(("a", "b"), ("b", "c"), ("c", "d"))})
    w = {"weight": lambda u, v, d: frozenset({((u, v),)})}
    for method in METHODS:
        assert path_sum(G, PATHS, "a", "d", method=method, **w) == ordered
    assert solve_forward(G, PATHS, "a", **w)["d"] == ordered
    assert solve_backward(G, PATHS, "d", **w)["a"] == ordered
    # What a solver computing w(e2) ⊗ w(e1) would return instead:
    assert ordered != frozenset({(("c", "d"), ("b", "c"), ("a", "b"))})


MATRIX = Semiring(
    "matrix_2x2",
    operator.add,
    operator.matmul,
    np.zeros((2, 2)),
    np.eye(2),
    commutative=False,
    description="2x2 real matrices: a non-commutative ⊗ with a numeric oracle",
)
int_matrices = st.lists(st.integers(-2, 2), min_size=4, max_size=4).map(lambda x: np.array(x, float).reshape(2, 2))


def test_matrix_semiring_is_a_semiring_and_not_commutative():
    a, b = np.array([[0.0, 1.0], [0.0, 0.0]]), np.array([[0.0, 0.0], [1.0, 0.0]])
    check_laws(MATRIX, [a, b, a + 2 * b])
    assert not MATRIX.approx_equal(MATRIX.times(a, b), MATRIX.times(b, a))


@given(st.data())
def test_matrix_weights_multiply_in_path_order(data):
    # Oracle: numpy's multi_dot over networkx's paths; exact (small integer matrices).
    G = data.draw(strat.dags(multigraph=data.draw(st.booleans()), weights=int_matrices, max_nodes=7), label="G")
    for s, t in draw_pairs(data, G):
        expected = sum(
            (reduce(np.matmul, [G.edges[e]["weight"] for e in p], np.eye(2)) for p in edge_paths(G, s, t)),
            np.zeros((2, 2)),
        )
        for method in METHODS:
            np.testing.assert_array_equal(path_sum(G, MATRIX, s, t, method=method), expected)
        np.testing.assert_array_equal(solve_backward(G, MATRIX, t)[s], expected)


# -- each semiring's meaning, against the algorithm that answers it ---------------------------

nonneg = st.floats(min_value=0, max_value=10, allow_nan=False)
signed = st.floats(min_value=-10, max_value=10, allow_nan=False)
multi = st.booleans()


def no_path_is(value, fn, *args):
    try:
        return fn(*args)
    except nx.NetworkXNoPath:
        return value


@given(st.data())
def test_min_plus_equals_dijkstra(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=nonneg), label="G")
    for s, t in draw_pairs(data, G):
        forward = solve_forward(G, MIN_PLUS, s)
        dist = nx.single_source_dijkstra_path_length(G, s, weight="weight")
        for v in G:
            assert math.isclose(forward[v], dist.get(v, math.inf), rel_tol=1e-9, abs_tol=1e-12)
        expected = no_path_is(math.inf, nx.shortest_path_length, G, s, t, "weight")
        for method in METHODS:
            assert math.isclose(path_sum(G, MIN_PLUS, s, t, method=method), expected, rel_tol=1e-9, abs_tol=1e-12)
        backward = solve_backward(G, MIN_PLUS, t)
        to_t = nx.single_source_dijkstra_path_length(G.reverse(), t, weight="weight")
        for v in G:
            assert math.isclose(backward[v], to_t.get(v, math.inf), rel_tol=1e-9, abs_tol=1e-12)


@given(st.data())
def test_min_plus_with_negative_weights_equals_bellman_ford(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=signed), label="G")
    for s, _ in draw_pairs(data, G):
        forward = solve_forward(G, MIN_PLUS, s)
        dist = nx.single_source_bellman_ford_path_length(G, s, weight="weight")
        for v in G:
            assert math.isclose(forward[v], dist.get(v, math.inf), rel_tol=1e-9, abs_tol=1e-9)


@given(st.data())
def test_max_plus_equals_dag_longest_path_length(data):
    # nx.dag_longest_path_length is graph-wide and allows the empty path (length 0).  Add a
    # super-source and a super-sink joined to every node by weight-0 edges: every path
    # source* -> u ... v -> sink* then has the weight of u ... v, and u = v gives the empty path.
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=signed), label="G")
    source, sink = ("super", "source"), ("super", "sink")
    H = G.copy()
    for v in G:
        H.add_edge(source, v, weight=0.0)
        H.add_edge(v, sink, weight=0.0)
    expected = nx.dag_longest_path_length(G, weight="weight")
    for method in METHODS:
        assert math.isclose(path_sum(H, MAX_PLUS, source, sink, method=method), expected, abs_tol=1e-9)


@given(st.data())
def test_or_and_equals_descendants_and_ancestors(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=st.booleans()), label="G")
    live = nx.MultiDiGraph() if G.is_multigraph() else nx.DiGraph()
    live.add_nodes_from(G)
    live.add_edges_from(e for e in (G.edges(keys=True) if G.is_multigraph() else G.edges) if G.edges[e]["weight"])
    for s, t in draw_pairs(data, G):
        down, up = nx.descendants(live, s) | {s}, nx.ancestors(live, t) | {t}
        assert solve_forward(G, OR_AND, s) == {v: v in down for v in G}
        assert solve_backward(G, OR_AND, t) == {v: v in up for v in G}
        for method in METHODS:
            assert path_sum(G, OR_AND, s, t, method=method) is (t in down)


@given(st.data())
def test_counting_with_unit_weights_equals_number_of_simple_paths(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi)), label="G")  # no weight attributes at all
    unit = lambda u, v, d: 1  # noqa: E731
    for s, t in draw_pairs(data, G):
        expected = len(list(nx.all_simple_paths(G, s, t)))  # [[s]] when s == t: the empty path
        for method in METHODS:
            assert path_sum(G, COUNTING, s, t, method=method, weight=unit) == expected


def test_counting_is_exact_for_path_counts_beyond_int64():
    # A ladder of 70 diamonds has 2**70 paths: more than int64 holds, and more than a float counts exactly.
    G = nx.DiGraph()
    for i in range(70):
        G.add_edges_from([(i, ("up", i)), (i, ("down", i)), (("up", i), i + 1), (("down", i), i + 1)], weight=1)
    for method in ("forward", "backward"):
        assert path_sum(G, COUNTING, 0, 70, method=method) == 2**70
    big = nx.DiGraph([(0, 1, {"weight": 2**64 + 1}), (1, 2, {"weight": 2**64 - 1})])
    assert path_sum(big, COUNTING, 0, 2) == 2**128 - 1


def topological_matrix(G: nx.DiGraph) -> tuple[list, np.ndarray]:
    """Nodes in networkx's topological order and the weighted adjacency matrix (parallel edges add)."""
    order = list(nx.topological_sort(G))
    pos = {v: i for i, v in enumerate(order)}
    A = np.zeros((len(order), len(order)))
    for u, v, w in G.edges(data="weight"):
        A[pos[u], pos[v]] += w
    return order, A


@given(st.data())
def test_plus_times_equals_inverse_of_identity_minus_adjacency(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=st.floats(-2, 2)), label="G")
    order, A = topological_matrix(G)
    M = np.linalg.inv(np.eye(len(order)) - A)  # (I - A)^-1 = I + A + A^2 + ..., A nilpotent
    forward = np.array([[solve_forward(G, PLUS_TIMES, s)[t] for t in order] for s in order])
    backward = np.array([[solve_backward(G, PLUS_TIMES, t)[s] for t in order] for s in order])
    for got in (forward, backward):
        np.testing.assert_allclose(got, M, rtol=1e-9, atol=1e-9)
    pos = {v: i for i, v in enumerate(order)}
    for s, t in draw_pairs(data, G):
        for method in ("forward", "backward"):
            got = path_sum(G, PLUS_TIMES, s, t, method=method)
            np.testing.assert_allclose(got, M[pos[s], pos[t]], rtol=1e-9, atol=1e-9)


@given(st.data())
def test_max_times_equals_most_probable_path(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=st.floats(0, 1)), label="G")
    for s, t in draw_pairs(data, G):
        probabilities = [math.prod(G.edges[e]["weight"] for e in p) for p in edge_paths(G, s, t)]
        expected = max(probabilities, default=0.0)
        for method in METHODS:
            assert math.isclose(path_sum(G, MAX_TIMES, s, t, method=method), expected, rel_tol=1e-9, abs_tol=0)


@given(st.data())
def test_log_equals_log_of_plus_times_with_exp_weights(data):
    logs = st.one_of(st.floats(-3, 3), st.just(-math.inf))
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=logs), label="G")
    E = with_weights(G, math.exp)
    for s, t in draw_pairs(data, G):
        linear = path_sum(E, PLUS_TIMES, s, t)
        expected = math.log(linear) if linear > 0 else -math.inf
        by_scipy = logsumexp([sum(G.edges[e]["weight"] for e in p) for p in edge_paths(G, s, t)] or [-math.inf])
        for method in METHODS:
            got = path_sum(G, LOG, s, t, method=method)
            assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-9)
            assert math.isclose(got, by_scipy, rel_tol=1e-9, abs_tol=1e-9)


@given(st.data())
def test_symbolic_equals_expanded_sum_over_paths_of_products(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi)), label="G")
    edges = G.edges(keys=True) if G.is_multigraph() else G.edges
    for e in edges:  # one symbol per edge: the answer's monomials are the paths
        G.edges[e]["weight"] = sympy.Symbol("w_" + "_".join(map(str, e)))
    for s, t in draw_pairs(data, G):
        paths = edge_paths(G, s, t)
        expected = sympy.expand(sympy.Add(*(sympy.Mul(*(G.edges[e]["weight"] for e in p)) for p in paths)))
        for method in METHODS:
            got = sympy.expand(path_sum(G, SYMBOLIC, s, t, method=method))
            assert got == expected, method
            assert len(sympy.Add.make_args(got)) == len(paths) or got == 0


# -- product and counted semirings ------------------------------------------------------------

MIN_PLUS_COUNTING = product(MIN_PLUS, COUNTING)


def test_product_counts_all_paths_not_only_the_shortest():
    # Two s->t paths of lengths 2 and 5: (shortest length, number of paths) = (2.0, 2), not (2.0, 1).
    G = nx.DiGraph()
    G.add_weighted_edges_from([("s", "a", 1.0), ("a", "t", 1.0), ("s", "t", 5.0)])
    G = with_weights(G, lambda w: (w, 1))
    assert path_sum(G, MIN_PLUS_COUNTING, "s", "t") == (2.0, 2)


@given(st.data())
def test_product_min_plus_counting_is_both_answers_in_one_sweep(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=nonneg), label="G")
    paired, units = with_weights(G, lambda w: (w, 1)), with_weights(G, lambda w: 1)
    for s, t in draw_pairs(data, G):
        length = path_sum(G, MIN_PLUS, s, t)
        count = path_sum(units, COUNTING, s, t)
        assert math.isclose(length, no_path_is(math.inf, nx.shortest_path_length, G, s, t, "weight"), abs_tol=1e-12)
        assert count == len(list(nx.all_simple_paths(G, s, t)))
        for method in METHODS:
            got = path_sum(paired, MIN_PLUS_COUNTING, s, t, method=method)
            assert MIN_PLUS_COUNTING.approx_equal(got, (length, count)), (method, got)
        assert MIN_PLUS_COUNTING.approx_equal(solve_forward(paired, MIN_PLUS_COUNTING, s)[t], (length, count))


def expected_cone_ops(G: nx.DiGraph, s, t) -> tuple[int, int]:
    """(⊕, ⊗) a sweep restricted to the s→t cone performs: one ⊗ per cone edge, and one ⊕ per
    cone edge beyond the first into each cone node other than the seed (that one starts from its seed)."""
    nodes = cone(G, s, t)
    if not nodes:
        return 0, 0
    edges = G.subgraph(nodes).number_of_edges()
    return edges - (len(nodes) - 1), edges


def counted_ops(G, semiring, s, t, method: str) -> tuple[int, int]:
    semiring.counter.reset()
    path_sum(G, semiring, s, t, method=method, weight=lambda u, v, d: 1.0)
    return semiring.counter.plus, semiring.counter.times


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_counted_chain_performs_one_times_per_edge(method):
    G = nx.path_graph(12, create_using=nx.DiGraph)
    c = counted(PLUS_TIMES)
    first, last = 0, 11
    n_edges = nx.shortest_path_length(G, first, last)
    assert counted_ops(G, c, first, last, method) == (0, n_edges)


@pytest.mark.parametrize("method", ["forward", "backward"])
@given(data=st.data())
def test_counted_path_sum_visits_only_the_cone(method, data):
    G = data.draw(strat.dags(multigraph=data.draw(multi)), label="G")
    s, t = data.draw(strat.node_pairs(G), label="pair")
    c = counted(PLUS_TIMES)
    before = counted_ops(G, c, s, t, method)
    assert before == expected_cone_ops(G, s, t)
    # Irrelevant additions: a large disconnected component, nodes that reach t but are not
    # reachable from s, and nodes reachable from s that do not reach t.
    H = G.copy()
    H.add_edges_from((("far", i), ("far", i + 1)) for i in range(500))
    H.add_edges_from((("far", i), ("far", i + 7)) for i in range(0, 490, 3))
    for i in range(20):
        H.add_edge(("in", i), t)
        H.add_edge(s, ("out", i))
        H.add_edge(("in", i), ("out", i))
    assert counted_ops(H, c, s, t, method) == before


@given(st.data())
def test_counted_solve_forward_touches_only_reachable_edges(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi)), label="G")
    s = data.draw(st.sampled_from(list(G.nodes)), label="source")
    reach = {s} | nx.descendants(G, s)
    edges = G.subgraph(reach).number_of_edges()
    c = counted(PLUS_TIMES)
    solve_forward(G, c, s, weight=lambda u, v, d: 1.0)
    assert (c.counter.plus, c.counter.times) == (edges - (len(reach) - 1), edges)


# -- deep graphs: iterative, linear ------------------------------------------------------------


def chain_from_arrays(n: int) -> CompiledGraph:
    """0 -> 1 -> ... -> n-1 built directly as CSR arrays (node i's one in-edge comes from i-1)."""
    in_ptr = np.concatenate(([0, 0], np.arange(1, n, dtype=np.int64)))
    in_src = np.arange(n - 1, dtype=np.int64)
    return CompiledGraph.from_arrays(list(range(n)), in_ptr, in_src, [1.0] * (n - 1))


def test_chain_of_a_million_nodes_solves_without_recursion():
    n = 10**6
    cg = chain_from_arrays(n)
    assert (cg.n_nodes, cg.n_edges) == (n, n - 1)
    forward = solve_forward(cg, PLUS_TIMES, 0)
    assert forward[n - 1] == 1.0 and forward[n // 2] == 1.0 and len(forward) == n
    backward = solve_backward(cg, PLUS_TIMES, n - 1)
    assert backward[0] == 1.0 and backward[n // 2] == 1.0


def test_chain_of_a_hundred_thousand_nodes_through_networkx():
    n = 10**5
    G = nx.path_graph(n, create_using=nx.DiGraph)
    nx.set_edge_attributes(G, 1.0, "weight")
    cg = compile_graph(G)
    assert path_sum(G, PLUS_TIMES, 0, n - 1) == 1.0
    assert path_sum(cg, PLUS_TIMES, 0, n - 1, method="backward") == 1.0
    assert solve_forward(cg, MIN_PLUS, 0)[n - 1] == n - 1
    assert solve_backward(cg, COUNTING, n - 1)[0] == 1.0


def test_path_sum_cone_search_visits_every_descendant_of_the_source(monkeypatch):
    """Bug (solver._cone): DESIGN.md says "nodes outside the relevant cone are not visited when one
    pair is asked for", but path_sum finds the cone with a breadth-first search over *all*
    descendants of the source and *all* ancestors of the target (after transposing the whole
    adjacency matrix), so asking for the first edge of a long chain costs O(whole graph).
    Every node of the cone lies between the two topological positions, so the searches can be
    confined to them.  The spy counts the nodes each search returns; the cone here is {0, 1}."""
    import scipy.sparse.csgraph as csgraph  # the solver imports its search from here on first use

    visited: list[int] = []
    real = csgraph.breadth_first_order

    def spy(*args, **kwargs):
        order = real(*args, **kwargs)
        visited.append(len(order))
        return order

    monkeypatch.setattr(csgraph, "breadth_first_order", spy)
    n = 10_000
    cg = chain_from_arrays(n)
    for method in ("forward", "backward"):
        assert path_sum(cg, PLUS_TIMES, 0, 1, method=method) == 1.0
    span = cg.index[1] - cg.index[0] + 1
    assert max(visited, default=0) <= span, f"a search for the cone {{0, 1}} visited {max(visited)} nodes"


def test_enumerate_drops_parallel_edges_of_a_keyless_compiled_graph():
    """Bug (solver.path_sum, method="enumerate"; graph.CompiledGraph.to_networkx): a CompiledGraph
    built with from_arrays and no keys -- what tracing.ComputationGraph.compiled builds -- may hold
    parallel edges (``x * x`` is two edges x -> y, DESIGN.md: "hence two paths").  Enumeration
    goes through ``to_networkx()``, which makes a DiGraph and keeps one of them, and looks weights
    up in ``dict(zip(cg.edges, cg.weights))``, which keeps the last.  Oracle: the path count of
    the same graph as a networkx MultiDiGraph."""
    cg = CompiledGraph.from_arrays(["x", "y"], np.array([0, 0, 2]), np.array([0, 0]), [3.0, 4.0])
    G = nx.MultiDiGraph([("x", "y", {"weight": 3.0}), ("x", "y", {"weight": 4.0})])
    assert path_sum(G, PLUS_TIMES, "x", "y", method="enumerate") == 7.0
    assert path_sum(cg, PLUS_TIMES, "x", "y", method="forward") == 7.0
    assert path_sum(cg, PLUS_TIMES, "x", "y", method="enumerate") == 7.0
    assert len(list(enumerate_paths(cg, "x", "y"))) == len(list(nx.all_simple_paths(G, "x", "y"))) == 2


@given(st.data())
def test_signed_log_is_the_image_of_plus_times(data):
    """SIGNED_LOG on (sign, log|w|) gives (sign, log|·|) of the PLUS_TIMES answer (oracle: plain floats)."""
    G = data.draw(strat.dags(), label="G")
    s, t = data.draw(strat.node_pairs(G), label="pair")
    w = {e: data.draw(strat.dyadics, label=str(e)) for e in G.edges}
    real = path_sum(G, PLUS_TIMES, s, t, weight=lambda u, v, d: w[(u, v)])
    for method in ("forward", "backward", "enumerate"):
        got = path_sum(G, SIGNED_LOG, s, t, weight=lambda u, v, d: signed_log(w[(u, v)]), method=method)
        assert SIGNED_LOG.approx_equal(got, signed_log(real)), (method, got, real)


def test_signed_log_gives_the_lyapunov_exponent_where_floats_overflow():
    """Logistic map l' = 4 l (1 - l), N = 10^4: the float derivative overflows, the signed-log
    path sum gives log|d l_N / d l_0| whose average is the Lyapunov exponent ln 2 (oracle: the
    same sum computed directly as sum(log|4 - 8 l_k|) along the orbit with numpy)."""
    import semiring_ad as sad

    def chain(x):
        for _ in range(10_000):
            x = 4 * x * (1 - x)
        return x

    g = sad.trace(chain, 0.3)
    with np.errstate(all="ignore"):
        assert not np.isfinite(g.jacobian("reverse"))  # plain floats overflow: inf or nan
    cg = g.compiled.with_weights(lambda e, w: signed_log(w))
    sign, logabs = path_sum(cg, SIGNED_LOG, g.inputs[0], g.outputs[0])
    orbit = [0.3]
    for _ in range(10_000 - 1):
        orbit.append(4 * orbit[-1] * (1 - orbit[-1]))
    oracle = np.sum(np.log(np.abs(4 - 8 * np.array(orbit))))
    assert sign in (-1, 1) and logabs == pytest.approx(oracle, rel=1e-9)
    assert logabs / 10_000 == pytest.approx(np.log(2), abs=0.01)


def test_seeds_found_by_scanning_a_fresh_graph_match_the_index():
    """A fresh graph's first solves find their seeds by scanning the node list, later ones by the
    node index: the same positions, and the same refusals, either way."""
    nodes = [("n", i) for i in range(40)]
    src = np.repeat(np.arange(39), 1)
    fresh = CompiledGraph.from_arrays(nodes, np.r_[0, np.arange(40)], src, [2.0] * 39)
    indexed = CompiledGraph.from_arrays(nodes, np.r_[0, np.arange(40)], src, [2.0] * 39)
    _ = indexed.index
    for _ in range(12):  # past the scans: the index is built on the way
        for cg in (fresh, indexed):
            assert solve_backward(cg, PLUS_TIMES, ("n", 39))[("n", 0)] == 2.0**39
            assert solve_forward(cg, PLUS_TIMES, {("n", 3): 1.0, ("n", 5): 2.0})[("n", 6)] == 2.0**3 + 4.0
            for bad in (("n", 40), ["not", "hashable"], np.array([1, 2])):
                with pytest.raises(NodeNotFoundError):
                    solve_forward(cg, PLUS_TIMES, bad)
    assert "index" in fresh.__dict__
