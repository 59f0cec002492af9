"""Graphs: validation errors, the compiled form, and its round trips — networkx is the oracle."""

from __future__ import annotations

from collections.abc import Hashable

import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
import strategies as strat
from hypothesis import given

from semiring_ad import (
    COUNTING,
    MIN_PLUS,
    PLUS_TIMES,
    SEMIRINGS,
    CompiledGraph,
    GraphTypeError,
    MissingWeightError,
    NodeNotFoundError,
    NotADAGError,
    SemiringADError,
    UnknownSemiringError,
    compile_graph,
    enumerate_paths,
    path_sum,
    solve_backward,
    solve_forward,
)

REGISTERED = sorted(SEMIRINGS)
multi = st.booleans()


def edge_ids(G: nx.DiGraph) -> list[tuple]:
    return list(G.edges(keys=True)) if G.is_multigraph() else list(G.edges)


def all_solvers(G, semiring, node):
    """Call every public solver with ``node`` as source and target."""
    return [
        lambda: solve_forward(G, semiring, node),
        lambda: solve_forward(G, semiring, {node: semiring.one}),
        lambda: solve_backward(G, semiring, node),
        lambda: path_sum(G, semiring, node, node),
        lambda: path_sum(G, semiring, node, node, method="backward"),
        lambda: path_sum(G, semiring, node, node, method="enumerate"),
    ]


# -- errors -------------------------------------------------------------------------------


def test_every_error_derives_from_the_library_base():
    for cls in (NotADAGError, MissingWeightError, NodeNotFoundError, GraphTypeError, UnknownSemiringError):
        assert issubclass(cls, SemiringADError)
    assert issubclass(NodeNotFoundError, KeyError) and issubclass(GraphTypeError, TypeError)


@st.composite
def cyclic_graphs(draw):
    """A random weighted DAG plus one back edge closing a cycle (or a self-loop)."""
    G = draw(strat.dags(multigraph=draw(multi), weights=strat.dyadics, min_nodes=1))
    closable = [(u, v) for u in G for v in nx.descendants(G, u)]
    if closable and draw(st.booleans()):
        u, v = draw(st.sampled_from(closable))
        G.add_edge(v, u, weight=1.0)  # u ->* v already, so v -> u closes a cycle
    else:
        v = draw(st.sampled_from(list(G.nodes)))
        G.add_edge(v, v, weight=1.0)
    return G


@given(cyclic_graphs())
def test_cycle_raises_not_a_dag_naming_a_real_cycle(G):
    with pytest.raises(NotADAGError) as info:
        compile_graph(G)
    cycle, message = info.value.cycle, str(info.value)
    assert cycle, "the error carries the cycle's edges"
    for (a, b), (c, _) in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        assert G.has_edge(a, b)
        assert b == c, f"{cycle} is not a closed walk"
    assert len({a for a, _ in cycle}) == len(cycle), "a cycle visits each node once"
    for node, _ in cycle:
        assert repr(node) in message
    assert "cycle" in message
    for solve in all_solvers(G, COUNTING, next(iter(G))):  # no Kleene star: a cycle is an error
        with pytest.raises(NotADAGError) as raised:
            solve()
        assert raised.value.cycle and "cycle" in str(raised.value), "the solvers' errors name a cycle too"


@given(st.data())
def test_missing_weight_names_the_edge(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=strat.dyadics, min_nodes=2), label="G")
    edges = edge_ids(G)
    if not edges:
        G.add_edge(*list(G)[:2], weight=1.0)
        edges = edge_ids(G)
    edge = data.draw(st.sampled_from(edges), label="edge")
    del G.edges[edge]["weight"]
    with pytest.raises(MissingWeightError) as info:
        compile_graph(G)
    assert info.value.edge == edge
    assert repr(edge) in str(info.value)
    assert isinstance(info.value, KeyError) and isinstance(info.value, SemiringADError)
    for solve in all_solvers(G, PLUS_TIMES, edge[0]):
        with pytest.raises(MissingWeightError):
            solve()


def test_missing_weight_under_another_attribute_name():
    G = nx.DiGraph([("a", "b", {"weight": 1.0})])
    with pytest.raises(MissingWeightError, match=r"\('a', 'b'\).*'cost'"):
        compile_graph(G, weight="cost")
    G["a"]["b"]["cost"] = 4.0
    assert compile_graph(G, weight="cost").weights == [4.0]


def test_weight_callable_gets_u_v_data_and_none_is_missing():
    G = nx.DiGraph()
    G.add_edge("a", "b", cost=2.0)
    G.add_edge("b", "c", cost=3.0)
    seen = []

    def weight(u, v, d):
        seen.append((u, v, dict(d)))
        return 10 * d["cost"]

    cg = compile_graph(G, weight=weight)
    assert sorted(seen) == [("a", "b", {"cost": 2.0}), ("b", "c", {"cost": 3.0})]
    assert dict(zip(cg.edges, cg.weights, strict=True)) == {("a", "b"): 20.0, ("b", "c"): 30.0}
    assert path_sum(G, PLUS_TIMES, "a", "c", weight=weight) == 600.0
    with pytest.raises(MissingWeightError, match="callable"):
        compile_graph(G, weight=lambda u, v, d: None if v == "c" else 1.0)


@given(st.data())
def test_unknown_nodes_raise_node_not_found(data):
    G = data.draw(strat.dags(weights=strat.dyadics), label="G")
    cg = compile_graph(G)
    known = data.draw(st.sampled_from(list(G.nodes)), label="known")
    for graph in (G, cg):
        for missing in ("no such node", 10**6, [1, 2]):  # an unhashable id is not a node either
            for call in calls_naming(graph, known, missing):
                with pytest.raises(NodeNotFoundError) as info:
                    call()
                assert repr(missing) in str(info.value)


def calls_naming(graph, known, missing) -> list:
    """Every public entry point asked about the node ``missing`` (and the existing ``known``)."""
    seeds = {known: 1.0, missing: 1.0} if isinstance(missing, Hashable) else missing
    return [
        lambda: solve_forward(graph, PLUS_TIMES, missing),
        lambda: solve_backward(graph, PLUS_TIMES, seeds),
        lambda: solve_backward(graph, PLUS_TIMES, missing),
        lambda: path_sum(graph, PLUS_TIMES, missing, known),
        lambda: path_sum(graph, PLUS_TIMES, known, missing, method="backward"),
        lambda: path_sum(graph, PLUS_TIMES, known, missing, method="enumerate"),
        lambda: list(enumerate_paths(graph, known, missing)),
    ]


NOT_GRAPHS = [
    [("a", "b"), ("b", "c")],
    nx.Graph([("a", "b"), ("b", "c")]),
    {"a": ["b"]},
    np.eye(3),
    None,
]


@pytest.mark.parametrize("thing", NOT_GRAPHS, ids=["list", "undirected", "dict", "ndarray", "None"])
def test_non_graphs_raise_graph_type_error(thing):
    calls = [
        lambda: compile_graph(thing),
        lambda: solve_forward(thing, PLUS_TIMES, "a"),
        lambda: solve_backward(thing, PLUS_TIMES, "b"),
        lambda: path_sum(thing, PLUS_TIMES, "a", "b"),
        lambda: path_sum(thing, PLUS_TIMES, "a", "b", method="enumerate"),
        lambda: list(enumerate_paths(thing, "a", "b")),
    ]
    for call in calls:
        with pytest.raises(GraphTypeError) as info:
            call()
        assert isinstance(info.value, TypeError)
    with pytest.raises(GraphTypeError, match="undirected"):
        compile_graph(nx.Graph())


def test_unknown_semiring_name_raises_in_every_solver():
    G = nx.DiGraph([("a", "b", {"weight": 1.0})])
    for call in (
        lambda: solve_forward(G, "no_such", "a"),
        lambda: solve_backward(G, "no_such", "b"),
        lambda: path_sum(G, "no_such", "a", "b"),
    ):
        with pytest.raises(UnknownSemiringError, match="no_such"):
            call()


# -- the compiled form ---------------------------------------------------------------------


@given(st.data())
def test_compiled_graph_is_a_topological_csr_layout_of_the_networkx_graph(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=strat.dyadics), label="G")
    cg = compile_graph(G)
    assert isinstance(cg, CompiledGraph) and compile_graph(cg) is cg
    assert sorted(map(repr, cg.nodes)) == sorted(map(repr, G.nodes)) and cg.n_nodes == len(G)
    assert cg.n_edges == G.number_of_edges() and cg.is_multigraph == G.is_multigraph()
    index = cg.index
    assert all(index[e[0]] < index[e[1]] for e in edge_ids(G)), "nodes are in topological order"
    assert sorted(map(repr, cg.edges)) == sorted(map(repr, edge_ids(G)))
    for e, w in zip(cg.edges, cg.weights, strict=True):
        assert G.edges[e]["weight"] == w
    for i, v in enumerate(cg.nodes):  # in-edge CSR: the sources of v's in-edges, with multiplicity
        sources = sorted(cg.nodes[k] for k in cg.in_src[cg.in_ptr[i] : cg.in_ptr[i + 1]])
        assert sources == sorted(u for u, _ in G.in_edges(v)), v
    for i, u in enumerate(cg.nodes):  # out-edge CSR refers to the same edges
        for j in range(cg.out_ptr[i], cg.out_ptr[i + 1]):
            k = cg.out_edge[j]
            assert cg.in_src[k] == i and cg.in_dst[k] == cg.out_dst[j]
        assert cg.out_ptr[i + 1] - cg.out_ptr[i] == G.out_degree(u)


@given(st.data())
def test_levels_equal_longest_path_depth_from_networkx(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi)), label="G")
    cg = compile_graph(G, weight=lambda u, v, d: 1)
    structure = nx.DiGraph(G.edges())  # unweighted: every edge counts 1
    structure.add_nodes_from(G)
    generations = {v: k for k, gen in enumerate(nx.topological_generations(structure)) for v in gen}
    for v in G:
        depth = nx.dag_longest_path_length(structure.subgraph(nx.ancestors(structure, v) | {v}))
        assert cg.levels[cg.index[v]] == depth == generations[v], v
    assert cg.n_levels == len(list(nx.topological_generations(structure)))


@pytest.mark.parametrize("name", REGISTERED)
def test_compiled_graph_is_reused_by_every_solver(name):
    S, graphs = SEMIRINGS[name], strat.semiring_dags(name, multigraph=False)

    @strat.per_semiring_settings()
    @given(st.data())
    def check(data):
        G = data.draw(graphs, label="G")
        cg = compile_graph(G)
        s, t = data.draw(strat.node_pairs(G), label="pair")
        fwd_G, bwd_G, pair_G = solve_forward(G, S, s), solve_backward(G, S, t), path_sum(G, S, s, t)
        for _ in range(2):  # the same compiled graph, solved again, gives the same answers
            fwd, bwd = solve_forward(cg, S, s), solve_backward(cg, S, t)
            for v in G:
                assert S.approx_equal(fwd[v], fwd_G[v]) and S.approx_equal(bwd[v], bwd_G[v])
            for method in ("forward", "backward", "enumerate"):
                assert S.approx_equal(path_sum(cg, S, s, t, method=method), pair_G)
            assert sorted(map(repr, enumerate_paths(cg, s, t))) == sorted(map(repr, enumerate_paths(G, s, t)))

    check()


@given(st.data())
def test_with_weights_keeps_structure_and_changes_answers(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=strat.dyadics), label="G")
    cg = compile_graph(G)
    old = list(cg.weights)
    doubled = cg.with_weights(lambda e, w: 2 * w)
    listed = cg.with_weights([w + 1 for w in old])
    assert list(cg.weights) == old, "the original is unchanged"
    for new in (doubled, listed):
        assert new.nodes == cg.nodes and new.edges == cg.edges
        np.testing.assert_array_equal(new.in_ptr, cg.in_ptr)
        np.testing.assert_array_equal(new.in_src, cg.in_src)
    H = G.copy()
    for e in edge_ids(H):
        H.edges[e]["weight"] = 2 * H.edges[e]["weight"]
    s, t = data.draw(strat.node_pairs(G), label="pair")
    assert path_sum(doubled, PLUS_TIMES, s, t) == path_sum(H, PLUS_TIMES, s, t)
    assert solve_backward(doubled, MIN_PLUS, t) == solve_backward(H, MIN_PLUS, t)
    assert listed.weights == [w + 1 for w in old]


@given(st.data())
def test_to_networkx_round_trip(data):
    G = data.draw(strat.dags(multigraph=data.draw(multi), weights=strat.dyadics), label="G")
    cg = compile_graph(G)
    H = cg.to_networkx()
    assert type(H) is type(G)
    assert nx.utils.graphs_equal(G, H)
    cg2 = compile_graph(H)
    assert cg2.edges == cg.edges and cg2.weights == cg.weights
    s, t = data.draw(strat.node_pairs(G), label="pair")
    assert path_sum(cg2, COUNTING, s, t) == path_sum(G, COUNTING, s, t)
    renamed = cg.to_networkx(weight="cost")
    assert nx.utils.edges_equal(list(renamed.edges(data="cost")), list(G.edges(data="weight")))


def test_from_arrays_rejects_inconsistent_or_backward_edges():
    with pytest.raises(ValueError, match="inconsistent"):
        CompiledGraph.from_arrays(["a", "b"], np.array([0, 1]), np.array([0]), [1.0])
    with pytest.raises(NotADAGError):  # node 0's in-edge comes from node 1: not topological
        CompiledGraph.from_arrays(["a", "b"], np.array([0, 1, 1]), np.array([1]), [1.0])


# -- trivial paths --------------------------------------------------------------------------


@pytest.mark.parametrize("name", REGISTERED)
def test_source_equals_target_is_one_and_target_before_source_is_zero(name):
    S, graphs = SEMIRINGS[name], strat.semiring_dags(name, multigraph=False)

    @strat.per_semiring_settings()
    @given(st.data())
    def check(data):
        G = data.draw(graphs, label="G")
        cg = compile_graph(G)
        v = data.draw(st.sampled_from(cg.nodes), label="v")
        for method in ("forward", "backward", "enumerate"):
            assert S.approx_equal(path_sum(cg, S, v, v, method=method), S.one)  # the empty path, nothing else
        first, last = cg.nodes[0], cg.nodes[-1]
        if first != last:  # the target comes before the source in topological order: no path
            for method in ("forward", "backward", "enumerate"):
                assert S.approx_equal(path_sum(cg, S, last, first, method=method), S.zero)
            assert S.approx_equal(solve_forward(cg, S, last)[first], S.zero)
            assert S.approx_equal(solve_backward(cg, S, first)[last], S.zero)

    check()


def test_to_networkx_drops_parallel_edges_of_a_keyless_compiled_graph():
    """Bug (graph.CompiledGraph.to_networkx): with ``keys is None`` it builds a DiGraph, so the
    second of two parallel edges (from_arrays, as the tracer builds ``x * x``) overwrites the first."""
    cg = CompiledGraph.from_arrays(["x", "y"], np.array([0, 0, 2]), np.array([0, 0]), [3.0, 4.0])
    assert cg.n_edges == 2 and cg.edges == [("x", "y", 0), ("x", "y", 1)]  # keyed apart, as networkx would
    H = cg.to_networkx()
    assert H.number_of_edges() == cg.n_edges
    assert sorted(w for *_, w in H.edges(data="weight")) == [3.0, 4.0]


def test_adjacency_counts_parallel_edges_without_int8_overflow():
    """Bug (graph.CompiledGraph.adjacency): the CSR matrix is int8 and duplicate entries are summed,
    so 128 parallel edges read -128 and 256 read 0 (an explicit zero: "no edge" to any caller that
    trusts the values), against the docstring's "A[u, v] = 1 per edge"."""
    for parallel in (127, 128, 256):
        cg = CompiledGraph.from_arrays(["x", "y"], np.array([0, 0, parallel]), np.zeros(parallel, int), [1] * parallel)
        assert cg.adjacency()[0, 1] == parallel


def test_enumerate_paths_accepts_a_cyclic_graph_silently():
    """Bug (solver.enumerate_paths): DESIGN.md, "a cycle is an error that names the cycle", and every
    other solver raises NotADAGError, but enumerate_paths hands a networkx graph straight to
    nx.all_simple_edge_paths, which lists the *simple* paths of a cyclic graph: here it returns
    [((0, 1), (1, 2))] although 0 -> 1 -> 0 -> 1 -> 2 ... are paths too."""
    G = nx.DiGraph([(0, 1), (1, 0), (1, 2)])
    with pytest.raises(NotADAGError, match="cycle"):
        list(enumerate_paths(G, 0, 2))


def test_solvers_do_not_name_a_cycle_they_go_on_to_solve(monkeypatch):
    """Regression: compiling inside the solvers named a cycle (networkx's sort, then find_cycle: half
    the time on a big ring) in an error the cyclic path then discarded."""
    import semiring_ad.core.graph as graph_module

    def naming(G):
        raise AssertionError("a cycle was named on the way to the cyclic solver")

    monkeypatch.setattr(graph_module, "_topological_order", naming)
    G = nx.DiGraph([(0, 1, {"weight": 1.0}), (1, 2, {"weight": 2.0}), (2, 0, {"weight": 0.5})])
    assert solve_forward(G, MIN_PLUS, 0)[2] == 3.0
    assert solve_backward(G, MIN_PLUS, 2)[0] == 3.0
    assert path_sum(G, MIN_PLUS, 0, 2) == 3.0
    with pytest.raises(NotADAGError, match=r"the cycle 0 -> 1 -> 2 -> 0;") as raised:
        compile_graph(G)  # the public compile names it (from its arrays)
    assert raised.value.cycle == [(0, 1), (1, 2), (2, 0)]
