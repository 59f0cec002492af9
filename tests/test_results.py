"""The array-backed results of ``solve_forward`` / ``solve_backward`` (:class:`NodeValues`).

They must equal the ``dict`` the solvers returned before (``{node: value or
zero}`` built from the low-level sweep of the same backend), for every
registered semiring and every backend that supports it; ``reached`` must be
networkx's reachability; ``to_numpy`` must hold the same values in the
documented order.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from semiring_ad.core.graph import compile_graph
from semiring_ad.core.results import NodeValues
from semiring_ad.core.semirings import MIN_PLUS, PLUS_TIMES, SEMIRINGS
from semiring_ad.core.solver import BACKENDS, _positions, solve_backward, solve_forward, sweep
from semiring_ad.errors import NodeNotFoundError
from tests.strategies import per_semiring_settings, semiring_dags

SOLVES = {"forward": solve_forward, "backward": solve_backward}


def previous_dict(cg, s, seeds, direction, backend):
    """What the solvers returned before: a dict built from the sweep's list, zero where unreached."""
    vals = sweep(cg, s, seeds, direction, backend=backend)
    return {v: (s.zero if x is None else x) for v, x in zip(cg.nodes, vals)}


def same(a, b, s=None) -> bool:
    """Equal values: by the semiring's own equality where it has one (two sweeps build equal but distinct
    LINEAR maps and dual numbers), else exactly."""
    if s is not None and s.equal is not None:
        return s.approx_equal(a, b)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.array_equal(a, b))
    return a == b or (a != a and b != b)  # NaN equals NaN here


@pytest.mark.parametrize("direction", sorted(SOLVES))
@pytest.mark.parametrize("name", sorted(SEMIRINGS))
@per_semiring_settings()
@given(data=st.data())
def test_results_equal_the_previous_dict_for_every_backend(name, direction, data):
    s = SEMIRINGS[name]
    G = data.draw(semiring_dags(name))
    node = data.draw(st.sampled_from(list(G.nodes)))
    cg = compile_graph(G)
    seeds = _positions(cg, node, s, "seed")
    down = nx.descendants(G, node) if direction == "forward" else nx.ancestors(G, node)
    for backend in sorted(BACKENDS):
        if not BACKENDS[backend].supports(cg, s, seeds):
            continue
        old = previous_dict(cg, s, seeds, direction, backend)
        new = SOLVES[direction](cg, s, node, backend=backend)
        assert isinstance(new, NodeValues)
        assert list(new) == list(old) == new.nodes
        assert all(same(new[v], old[v], s) for v in old), backend
        assert all(same(a, b, s) for a, b in zip(new.to_dict().values(), old.values())), backend
        assert new.reached.tolist() == [v == node or v in down for v in new.nodes], backend
        array = new.to_numpy()
        assert len(array) == len(old) and all(same(a, old[v], s) for a, v in zip(array, new.nodes)), backend


@given(G=semiring_dags("plus_times", min_nodes=2))
def test_mapping_protocol_and_node_order(G):
    node = next(iter(G))
    alpha = solve_forward(G, PLUS_TIMES, node)
    old = alpha.to_dict()
    assert alpha == old and dict(alpha) == old and len(alpha) == G.number_of_nodes()
    assert alpha.get("no such node", "absent") == "absent" and node in alpha and "no such node" not in alpha
    assert [] not in alpha  # unhashable: simply not a key
    assert sorted(alpha.items(), key=repr) == sorted(old.items(), key=repr)
    order = list(G.nodes)
    np.testing.assert_array_equal(alpha.to_numpy(nodes=order), [old[v] for v in order])
    alpha.to_dict()["x"] = 1  # a copy: the result is unchanged
    assert alpha == old
    with pytest.raises(TypeError):
        alpha[node] = 3.0  # read-only


def test_missing_node_is_a_named_error():
    alpha = solve_forward(nx.DiGraph([(0, 1, {"weight": 2.0})]), PLUS_TIMES, 0)
    with pytest.raises(NodeNotFoundError, match="not a node"):
        alpha[7]
    with pytest.raises(NodeNotFoundError, match="not a node"):
        alpha.to_numpy(nodes=[0, 7])


def _wide_graph(n: int = 3000, parents: int = 3, seed: int = 1) -> nx.DiGraph:
    rng = np.random.default_rng(seed)
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for v in range(1, n):
        for u in set((rng.random(parents) * v).astype(int).tolist()):
            G.add_edge(u, v, weight=float(rng.uniform(0.1, 0.3)))
    return G


@pytest.mark.parametrize("direction", sorted(SOLVES))
@pytest.mark.parametrize("s", [PLUS_TIMES, MIN_PLUS], ids=lambda s: s.name)
def test_large_graph_reached_is_networkx_reachability(s, direction):
    """The vectorized path (≥ 1000 edges) searches reachability only when ``reached`` is read."""
    G = _wide_graph()
    node = 5 if direction == "forward" else 2000
    result = SOLVES[direction](G, s, node)
    down = nx.descendants(G, node) if direction == "forward" else nx.ancestors(G, node)
    expected = {v: v == node or v in down for v in G}
    values = result.to_numpy(nodes=list(G))
    assert all((values[i] == s.zero) != expected[v] or v == node for i, v in enumerate(G) if s is MIN_PLUS)
    assert dict(zip(result.nodes, result.reached.tolist())) == expected
    assert all(result[v] == s.zero for v in G if not expected[v])
