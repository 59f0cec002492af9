"""Vertex elimination against the sweeps, brute force and seed 002's cost formulas.

* every order (forward, reverse, Markowitz, min-fill, a random explicit one)
  in every registered semiring gives ``path_sum`` for every kept pair, on
  hypothesis DAGs, with the default and with random ``keep`` sets (kept
  vertices in the middle of paths are split);
* on a layered graph, forward-order elimination costs exactly seed 002's
  forward formula d_0 Σ_{l=2..L} d_l d_{l-1} and reverse order its reverse
  formula d_L Σ_{l=0..L-2} d_l d_{l+1} (counted multiplications);
* errors: a bad explicit order, a cycle without a star;
* the optimal bracketing of a Jacobian chain is the cheapest of all
  bracketings (brute force, costs counted from NumPy's shapes), and forward /
  reverse bracketing cost seed 002's formulas;
* ``jacobian(f, mode="elimination")`` in every order equals ``sympy.diff`` on
  random expressions, and ``accumulation_costs`` reports counted eliminations.
"""

from __future__ import annotations

from itertools import pairwise

import expressions as ex
import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
import strategies as strat
import sympy
from hypothesis import given, settings

import semiring_ad as sad
from semiring_ad import (
    COUNTING,
    PLUS_TIMES,
    SEMIRINGS,
    InputError,
    NoStarError,
    NotADAGError,
    accumulation_costs,
    counted,
    path_sum,
)
from semiring_ad.core.chain import bracketing_cost, forward_bracketing, optimal_bracketing, reverse_bracketing
from semiring_ad.core.elimination import ORDERS, eliminate, elimination_steps

REGISTERED = sorted(SEMIRINGS)


def _check_against_path_sum(G, s, J, kept):
    assert set(J) == set(kept)
    for a in kept:
        for b in kept:
            if a == b:
                continue
            want = path_sum(G, s, a, b, method="enumerate")
            got = J[a][b]["weight"] if J.has_edge(a, b) else s.zero
            assert s.approx_equal(got, want), (a, b, got, want)


@pytest.mark.parametrize("name", REGISTERED)
def test_every_order_equals_path_sum_in_every_semiring(name):
    s = SEMIRINGS[name]

    @strat.per_semiring_settings()
    @given(st.data())
    def run(data):
        G = data.draw(strat.semiring_dags(name, multigraph=data.draw(st.booleans()), max_nodes=7), label="G")
        if data.draw(st.booleans(), label="default keep"):
            keep = None
            kept = {v for v in G if not G.in_degree(v) or not G.out_degree(v)}
        else:
            kept = set(data.draw(st.lists(st.sampled_from(list(G)), min_size=1, unique=True), label="keep"))
            keep = kept
        rest = [v for v in G if v not in kept]
        orders = [*ORDERS, data.draw(st.permutations(rest), label="explicit order")]
        for order in orders:
            J = eliminate(G, s, order=order, keep=keep)
            _check_against_path_sum(G, s, J, kept)
            assert sorted(map(repr, J.graph["order"])) == sorted(map(repr, rest))

    run()


def layered(widths):
    """Complete bipartite edges between consecutive layers: the graph of a chain of dense Jacobians."""
    G = nx.DiGraph()
    for layer, (a, b) in enumerate(pairwise(widths)):
        G.add_nodes_from((layer, i) for i in range(a))
        G.add_edges_from(((layer, i), (layer + 1, j), {"weight": 1.0}) for i in range(a) for j in range(b))
    G.add_nodes_from((len(widths) - 1, j) for j in range(widths[-1]))
    return G


def seed_002_forward(d):
    """Seed 002: forward mode costs d_0 Σ_{l=2}^{L} d_l d_{l-1}."""
    L = len(d) - 1
    return d[0] * sum(d[k] * d[k - 1] for k in range(2, L + 1))


def seed_002_reverse(d):
    """Seed 002: reverse mode costs d_L Σ_{l=0}^{L-2} d_l d_{l+1}."""
    L = len(d) - 1
    return d[L] * sum(d[k] * d[k + 1] for k in range(0, L - 1))


@given(st.lists(st.integers(1, 5), min_size=2, max_size=6))
def test_forward_and_reverse_elimination_cost_seed_002_formulas(widths):
    G = layered(widths)
    for order, formula in (("forward", seed_002_forward), ("reverse", seed_002_reverse)):
        c = counted(PLUS_TIMES)
        J = eliminate(G, c, order=order)
        assert c.counter.times == formula(widths), (order, widths)
        last = len(widths) - 1
        for i in range(widths[0]):  # all-ones weights: each entry counts the paths, the product of the widths
            for j in range(widths[-1]):
                inner = 1
                for w in widths[1:-1]:
                    inner *= w
                assert J[(0, i)][(last, j)]["weight"] == inner


def test_cross_country_beats_both_modes_on_a_bottleneck():
    """Widths 5, 5, 1, 5, 5: forward and reverse cost 175, Markowitz 75 (the optimal bracketing's cost)."""
    G = layered([5, 5, 1, 5, 5])
    costs = {}
    for order in ORDERS:
        c = counted(PLUS_TIMES)
        eliminate(G, c, order=order)
        costs[order] = c.counter.times
    assert costs["forward"] == seed_002_forward([5, 5, 1, 5, 5]) == 175
    assert costs["reverse"] == seed_002_reverse([5, 5, 1, 5, 5]) == 175
    assert costs["markowitz"] == 75


def test_products_keep_path_order_on_a_kept_middle_vertex():
    G = nx.DiGraph([("a", "b"), ("b", "c"), ("a", "c")])
    w = {e: frozenset({(e,)}) for e in G.edges}
    nx.set_edge_attributes(G, w, "weight")
    J = eliminate(G, "paths", keep=["a", "b", "c"], order=[])
    assert J["a"]["c"]["weight"] == frozenset({(("a", "b"), ("b", "c")), (("a", "c"),)})
    assert J["a"]["b"]["weight"] == frozenset({(("a", "b"),)})


def test_explicit_order_must_list_every_eliminated_vertex_once():
    G = layered([1, 2, 1])
    with pytest.raises(InputError, match="exactly once"):
        eliminate(G, PLUS_TIMES, order=[(1, 0)])
    with pytest.raises(InputError, match="exactly once"):
        eliminate(G, PLUS_TIMES, order=[(1, 0), (1, 0), (1, 1)])
    with pytest.raises(InputError, match="markowitz"):
        eliminate(G, PLUS_TIMES, order="sideways")


def test_cycle_without_a_star_names_the_cycle_and_the_semiring():
    G = nx.DiGraph([("x", "a"), ("a", "b"), ("b", "a"), ("b", "y")])
    nx.set_edge_attributes(G, 1, "weight")
    with pytest.raises(NoStarError) as info:
        eliminate(G, COUNTING)
    assert isinstance(info.value, NotADAGError) and info.value.semiring == "counting"
    assert {frozenset(e) for e in info.value.cycle} == {frozenset(("a", "b"))}
    assert "'a'" in str(info.value) and "counting" in str(info.value)


def test_elimination_with_a_star_sums_the_geometric_series():
    """x -> a <-> b -> y with a -> b = 1/2, b -> a = 1/2: (1/2)·(1 + 1/4 + 1/16 + …) = 2/3."""
    G = nx.DiGraph()
    G.add_weighted_edges_from([("x", "a", 1.0), ("a", "b", 0.5), ("b", "a", 0.5), ("b", "y", 1.0)])
    for order in ORDERS:
        assert eliminate(G, PLUS_TIMES, order=order)["x"]["y"]["weight"] == pytest.approx(2 / 3)


def test_elimination_steps_end_in_the_eliminated_graph():
    G = layered([2, 3, 2])
    steps = list(elimination_steps(G, PLUS_TIMES, order="forward"))
    assert [v for v, _ in steps] == sorted((1, i) for i in range(3))
    last = steps[-1][1]
    J = eliminate(G, PLUS_TIMES, order="forward")
    assert {(u, v, d["weight"]) for u, v, d in last.edges(data=True)} == {
        (u, v, d["weight"]) for u, v, d in J.edges(data=True)}
    assert steps[0][1].number_of_nodes() == 6  # one vertex gone after the first step


# -- optimal bracketing of a Jacobian chain ---------------------------------------------------


def all_bracketings(i, j):
    """Every bracketing of J_j ··· J_i (Catalan many), as trees: l or (later, earlier)."""
    if i == j:
        return [i]
    return [(a, b) for k in range(i, j) for a in all_bracketings(k + 1, j) for b in all_bracketings(i, k)]


def multiply_out(tree, mats):
    """Evaluate a bracketing with NumPy, counting m·n·p per product from the shapes NumPy sees."""
    if isinstance(tree, int):
        return mats[tree], 0
    (A, ca), (B, cb) = multiply_out(tree[0], mats), multiply_out(tree[1], mats)
    return A @ B, ca + cb + A.shape[0] * A.shape[1] * B.shape[1]


@given(st.lists(st.integers(1, 6), min_size=2, max_size=7), st.randoms(use_true_random=False))
def test_optimal_bracketing_is_the_cheapest_of_all_by_brute_force(widths, rnd):
    L = len(widths) - 1
    mats = {l_: np.array([[rnd.uniform(-1, 1) for _ in range(widths[l_ - 1])] for _ in range(widths[l_])])
            for l_ in range(1, L + 1)}
    chain = mats[L]
    for l_ in range(L - 1, 0, -1):
        chain = chain @ mats[l_]
    costs = {}
    for tree in all_bracketings(1, L):
        value, cost = multiply_out(tree, mats)
        np.testing.assert_allclose(value, chain, atol=1e-9)
        assert bracketing_cost(widths, tree) == cost
        costs[tree] = cost
    best = optimal_bracketing(widths)
    assert best.cost == min(costs.values()) == costs[best.tree]
    assert forward_bracketing(widths).cost == seed_002_forward(widths)
    assert reverse_bracketing(widths).cost == seed_002_reverse(widths)
    assert best.cost <= min(seed_002_forward(widths), seed_002_reverse(widths))


def test_bracketing_of_a_long_chain_needs_no_recursion():
    widths = [3] * 3001
    b = forward_bracketing(widths)
    assert b.cost == seed_002_forward(widths)
    assert optimal_bracketing([2, 3] * 40).cost <= reverse_bracketing([2, 3] * 40).cost


def test_bad_widths_and_trees_are_named():
    with pytest.raises(InputError, match="positive integers"):
        optimal_bracketing([3])
    with pytest.raises(InputError, match="adjacent"):
        bracketing_cost([1, 2, 3, 4], (3, 1))


# -- the AD side: jacobian(mode="elimination") and accumulation_costs ------------------------


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_elimination_jacobian_equals_sympy_diff_in_every_order(data):
    e1, point = data.draw(ex.expression_and_point(n_vars=3), label="e1")
    e2 = data.draw(ex.expressions(n_vars=3).filter(lambda e: ex.kink_distance(e, point) > ex.KINK_MARGIN),
                   label="e2")
    f1, f2 = ex.as_function(e1), ex.as_function(e2)
    xyz = sympy.symbols("x0:3")

    def f(x, y, z):
        a, b = f1(x, y, z), f2(x, y, z)
        return [a, b, a * b]  # an output that feeds another output: a kept vertex in the middle

    s1, s2 = ex.as_sympy(e1, xyz), ex.as_sympy(e2, xyz)
    want = np.array([[ex.sympy_value(ex.real_diff(e, v), xyz, point) for v in xyz] for e in (s1, s2, s1 * s2)])
    for order in ORDERS:
        got = sad.jacobian(f, argnums=(0, 1, 2), mode="elimination", order=order)(*point)
        np.testing.assert_allclose(np.stack(got, axis=-1), want, rtol=1e-7, atol=1e-9)


def test_accumulation_costs_table_matches_counted_elimination_on_a_layered_function():
    """A two-layer map built from scalars: its graph is seed 002's chain of dense factors (with sums as
    extra vertices), and the table's rows are the counts of eliminating it in each order."""
    W1 = np.arange(1.0, 7.0).reshape(3, 2) / 10
    W2 = np.arange(1.0, 7.0).reshape(2, 3) / 10

    def f(x):
        h = [sad.tanh(sum(W1[i, j] * x[j] for j in range(2))) for i in range(3)]
        return [sum(W2[k, i] * h[i] for i in range(3)) for k in range(2)]

    table = accumulation_costs(f, [0.3, -0.2])
    g = sad.trace(f, [0.3, -0.2])
    for order in ORDERS:
        c = counted(PLUS_TIMES)
        eliminate(g.to_networkx(), c, order=order, keep=set(g.inputs) | set(g.outputs))
        assert table[order] == c.counter.times
    assert table.best in ORDERS and table[table.best] == min(table[o] for o in ORDERS)
    assert "markowitz" in str(table) and "| min_fill |" in table.to_markdown() and "<table>" in table._repr_html_()
    with pytest.raises(KeyError):
        table["sideways"]
    J = sad.jacobian(f, mode="elimination")([0.3, -0.2])
    np.testing.assert_allclose(J, sad.jacfwd(f)([0.3, -0.2]))
