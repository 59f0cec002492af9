"""The PATHS semiring refuses sweeps that would not fit in memory (issue 14, item 5).

Oracle: the size the guard predicts is checked against the size of the sets
the unguarded sweep actually stores (paths + edges over all nodes), on random
DAGs; the refused cases are the report's: a 10^6-node chain and ladders of
20-24 diamonds, in Python and through ``semiring-ad solve --semiring paths``.
"""

from __future__ import annotations

import json

import networkx as nx
import numpy as np
import pytest
from hypothesis import given
from strategies import dags, node_pairs, per_semiring_settings

import semiring_ad as sad
from semiring_ad.cli import main
from semiring_ad.core.graph import CompiledGraph


def stored(values) -> int:
    """Paths + edges held by the sets a sweep returned (the unguarded sweep's real size)."""
    return sum(len(paths) + sum(len(p) for p in paths) for paths in values)


def ladder(n: int) -> nx.DiGraph:
    """n diamonds in a row: 2**n paths from 0 to n."""
    G = nx.DiGraph()
    for k in range(n):
        G.add_edges_from([(k, (k, "up")), (k, (k, "down")), ((k, "up"), k + 1), ((k, "down"), k + 1)])
    return G


def chain(n: int) -> CompiledGraph:
    """The chain 0 → 1 → … → n-1 with PATHS weights, built without networkx (fast for 10^6 nodes)."""
    ptr = np.concatenate([[0, 0], np.arange(1, n)])
    return CompiledGraph.from_arrays(range(n), ptr, np.arange(n - 1), [sad.path_weight(k, k + 1) for k in range(n - 1)])


@per_semiring_settings()
@given(data=dags(edge_ids=True, max_nodes=8).flatmap(lambda G: node_pairs(G).map(lambda st: (G, st))))
def test_guard_predicts_the_exact_size(data):
    G, (s, t) = data
    for seed, solve in ((s, sad.solve_forward), (t, sad.solve_backward)):
        size = stored(solve(G, sad.paths_semiring(limit=None), seed).values())
        assert solve(G, sad.paths_semiring(limit=size), seed) == solve(G, sad.paths_semiring(limit=None), seed)
        with pytest.raises(sad.EnumerationLimitError):
            solve(G, sad.paths_semiring(limit=size - 1), seed)


@pytest.mark.parametrize("method", ["forward", "backward"])
def test_path_sum_on_the_cone_matches_enumeration(method):
    G = nx.relabel_nodes(ladder(6), str)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = sad.path_weight(u, v)
    got = sad.path_sum(G, sad.PATHS, "0", "6", method=method)
    assert got == frozenset(tuple(p) for p in nx.all_simple_edge_paths(G, "0", "6"))


def test_paths_on_a_million_node_chain_is_refused():
    cg = chain(10**6)
    with pytest.raises(sad.EnumerationLimitError, match="COUNTING"):
        sad.solve_forward(cg, sad.PATHS, 0)
    with pytest.raises(sad.EnumerationLimitError, match=r"paths_semiring\(limit="):
        sad.solve_backward(cg, "paths", 10**6 - 1)
    assert sad.solve_forward(chain(1000), sad.PATHS, 0)[999] == frozenset({tuple((k, k + 1) for k in range(999))})


@pytest.mark.parametrize("n", [20, 24])
def test_paths_on_a_ladder_of_diamonds_is_refused(n):
    G = ladder(n)
    with pytest.raises(sad.EnumerationLimitError):
        sad.path_sum(G, sad.PATHS, 0, n, weight=sad.path_weight)
    with pytest.raises(sad.EnumerationLimitError):
        sad.solve_forward(G, sad.counted(sad.PATHS), 0, weight=sad.path_weight)  # counted keeps the guard
    assert sad.path_sum(G, sad.COUNTING, 0, n, weight=lambda u, v, d: 1) == 2**n  # what the message suggests


def test_cli_solve_paths_on_a_ladder_is_refused(tmp_path, capsys):
    path = tmp_path / "ladder.json"
    path.write_text(json.dumps({"edges": [[str(u), str(v)] for u, v in ladder(22).edges]}), encoding="utf-8")
    assert main(["solve", str(path), "--semiring", "paths", "--source", "0", "--target", "22"]) != 0
    assert "limit=" in capsys.readouterr().err
