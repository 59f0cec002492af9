"""Issue 14, items 2 and 3: semirings whose values are not numbers, on a numerically weighted graph,
and NaN weights.

Regression tests named after the bugs: COUNTING silently returned the
PLUS_TIMES float; OR_AND, PATHS and SIGNED_LOG crashed with raw TypeErrors;
MIN_PLUS with a NaN edge gave different answers forward and backward.
Oracles: networkx path enumeration and reachability, and the PLUS_TIMES sum
for SIGNED_LOG.
"""

from __future__ import annotations

import math

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from semiring_ad.core.semirings import COUNTING, OR_AND, PATHS, PLUS_TIMES, SEMIRINGS, SIGNED_LOG
from semiring_ad.core.solver import BACKENDS, path_sum, solve_backward, solve_forward
from semiring_ad.errors import WeightTypeError
from tests.strategies import dags, node_pairs

FLOAT_DAGS = dags(weights=st.floats(0.1, 3.0), min_nodes=2)


@given(data=st.data())
def test_counting_on_a_float_weighted_graph_counts_paths(data):
    G = data.draw(FLOAT_DAGS)
    s, t = data.draw(node_pairs(G))
    expected = 1 if s == t else sum(1 for _ in nx.all_simple_paths(G, s, t))
    got = path_sum(G, COUNTING, s, t)
    assert got == expected and type(got) is int
    assert solve_forward(G, COUNTING, s)[t] == expected == solve_backward(G, COUNTING, t)[s]


@given(data=st.data())
def test_or_and_on_a_float_weighted_graph_is_reachability(data):
    G = data.draw(FLOAT_DAGS)
    s, t = data.draw(node_pairs(G))
    assert path_sum(G, OR_AND, s, t) is (s == t or nx.has_path(G, s, t))


@given(data=st.data())
def test_paths_on_a_float_weighted_graph_lists_the_paths(data):
    G = data.draw(FLOAT_DAGS)
    s, t = data.draw(node_pairs(G))
    expected = {()} if s == t else {tuple(p) for p in nx.all_simple_edge_paths(G, s, t)}
    assert set(path_sum(G, PATHS, s, t)) == expected


@given(data=st.data())
def test_signed_log_on_a_float_weighted_graph_is_the_signed_log_of_the_sum(data):
    G = data.draw(dags(weights=st.floats(-3.0, 3.0).filter(lambda w: abs(w) > 0.1), min_nodes=2))
    s, t = data.draw(node_pairs(G))
    total = path_sum(G, PLUS_TIMES, s, t)
    sign, log = path_sum(G, SIGNED_LOG, s, t)
    assert SIGNED_LOG.approx_equal((sign, log), (0, -math.inf) if abs(total) < 1e-12 else
                                   (1 if total > 0 else -1, math.log(abs(total))))


@pytest.mark.parametrize("s", [OR_AND, COUNTING, PATHS, SIGNED_LOG], ids=lambda s: s.name)
def test_unusable_weights_name_the_weight_to_pass(s):
    G = nx.DiGraph([("a", "b", {"weight": "heavy"})])
    with pytest.raises(WeightTypeError, match="weight=") as info:
        path_sum(G, s, "a", "b")
    assert info.value.edge == ("a", "b")


@pytest.mark.parametrize("name", sorted(SEMIRINGS))
def test_nan_weights_are_refused_by_every_solver_and_backend(name):
    s = SEMIRINGS[name]
    G = nx.DiGraph()
    G.add_edge("s", "a", weight=1.0)
    G.add_edge("a", "t", weight=math.nan)
    G.add_edge("s", "t", weight=2.0)
    for backend in sorted(BACKENDS):
        calls = [(solve_forward, ("s",)), (solve_backward, ("t",)), (path_sum, ("s", "t"))]
        for solve, nodes in calls:
            with pytest.raises(WeightTypeError, match="NaN") as info:
                solve(G, s, *nodes, backend=backend)
            assert info.value.edge == ("a", "t")
