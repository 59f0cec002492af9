"""Graph files: JSON and GraphML straight to compiled arrays, and refusals of malformed files.

Oracles: networkx (its GraphML writer, its DAG algorithms, its compiled form of the
same graph), brute-force enumeration of paths, and plain Python arithmetic.
"""

from __future__ import annotations

import json
import random

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from semiring_ad.core.graph import compile_graph
from semiring_ad.core.semirings import SEMIRINGS
from semiring_ad.core.solver import enumerate_paths, path_sum, solve_forward
from semiring_ad.errors import InputError, NotADAGError
from semiring_ad.graph_files import READABLE, read_graph
from semiring_ad.io import load_graph
from tests.strategies import dags

WEIGHTS = {"plus_times": st.integers(-3, 3), "min_plus": st.integers(0, 9), "max_plus": st.integers(-5, 5),
           "max_times": st.integers(0, 4), "log": st.integers(-2, 2), "counting": st.integers(0, 3),
           "or_and": st.booleans()}  # fmt: skip


def _write_json(tmp_path, G, shuffle_seed=None):
    edges = [[u, v, d["weight"]] for u, v, d in G.edges(data=True)]
    if shuffle_seed is not None:
        random.Random(shuffle_seed).shuffle(edges)
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": edges, "nodes": list(G.nodes)}))
    return str(path)


@pytest.mark.parametrize("semiring", sorted(WEIGHTS))
@settings(max_examples=25, deadline=None)
@given(data=st.data(), shuffle=st.one_of(st.none(), st.integers(0, 10**6)))
def test_json_reader_agrees_with_networkx_compile(tmp_path_factory, semiring, data, shuffle):
    """Every node's forward value from the file equals the solve on the networkx graph (any edge order)."""
    G = data.draw(dags(weights=WEIGHTS[semiring], max_nodes=8))
    path = _write_json(tmp_path_factory.mktemp("g"), G, shuffle)
    cg = read_graph(path, semiring)
    assert sorted(map(str, cg.nodes)) == sorted(map(str, G.nodes)) and cg.n_edges == G.number_of_edges()
    source = next(iter(G.nodes))
    expected = solve_forward(compile_graph(G), SEMIRINGS[semiring], source)
    got = solve_forward(cg, SEMIRINGS[semiring], source)
    for v in G.nodes:
        assert got[v] == pytest.approx(expected[v]) if semiring != "or_and" else got[v] == expected[v]


def test_shortest_and_longest_paths_match_networkx_on_a_shuffled_file(tmp_path):
    rng = np.random.default_rng(1)
    G = nx.gnp_random_graph(60, 0.1, seed=2, directed=True)
    G = nx.DiGraph((u, v) for u, v in G.edges if u < v)
    for u, v in G.edges:
        G.edges[u, v]["weight"] = int(rng.integers(1, 9))
    path = _write_json(tmp_path, G, shuffle_seed=3)  # not in topological order: the reader sorts
    s, t = nx.dag_longest_path(G)[0], nx.dag_longest_path(G)[-1]
    assert path_sum(read_graph(path, "max_plus"), "max_plus", s, t) == nx.dag_longest_path_length(G)
    assert path_sum(read_graph(path, "min_plus"), "min_plus", s, t) == nx.shortest_path_length(G, s, t, "weight")


def test_parallel_edges_stay_separate_paths_and_isolated_nodes_are_kept(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["a", "b", 2], ["a", "b", 3], ["b", "c"]], "nodes": ["z"]}))
    cg = read_graph(str(path), "plus_times")
    assert cg.n_edges == 3 and "z" in cg.nodes and path_sum(cg, "plus_times", "a", "c") == 5.0
    paths = path_sum(read_graph(str(path), "paths"), "paths", "a", "c")
    assert len(paths) == 1 and len(list(enumerate_paths(cg, "a", "c"))) == 2  # PATHS: the same node sequence


def test_a_long_chain_listed_backwards_reads_without_recursion(tmp_path):
    n = 10**5
    path = tmp_path / "chain.json"
    path.write_text(json.dumps({"edges": [[f"n{i + 1}", f"n{i}", 1.0] for i in range(n)][::-1]}))  # reversed order
    cg = read_graph(str(path), "plus_times")
    assert cg.n_nodes == n + 1 and cg.nodes[0] == f"n{n}" and path_sum(cg, "plus_times", f"n{n}", "n0") == 1.0


def test_a_cycle_is_named(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["s", "a", 1], ["a", "b", 1], ["b", "a", 1], ["b", "t", 1]]}))
    with pytest.raises(NotADAGError, match=r"cycle ('a' -> 'b' -> 'a'|'b' -> 'a' -> 'b')"):
        read_graph(str(path), "plus_times")


def test_graphml_written_by_networkx_reads_the_same(tmp_path):
    G = nx.DiGraph()
    G.add_weighted_edges_from([("x", "a", 1.0), ("y", "a", 4.0), ("x", "b", 1.0), ("y", "b", 1.0), ("b", "c", 5.0),
                               ("y", "c", 8.0), ("a", "f", 40.0), ("c", "f", 23.0)])
    path = tmp_path / "g.graphml"
    nx.write_graphml(G, path)
    cg, weight = load_graph(str(path), "plus_times")
    assert weight == "weight" and path_sum(cg, "plus_times", "x", "f") == 155.0  # Reps's example


@pytest.mark.parametrize(("content", "message"), [
    ("{\"edges\": [[\"s\u00e9\", \"t\", 1]]}".encode("latin-1"), "if it is Latin-1, convert it"),
    ("{\"edges\": [[\"s\", \"t\", 1]]}".encode("utf-16"), "looks like UTF-16"),
    (bytes(range(256)) * 4, "binary data"),
    (b"\x00" * 100_000, "binary data"),
    (b"\x89PNG\r\n\x1a\n" + bytes(range(1, 200)), "expected UTF-8 JSON text"),
])
def test_non_utf8_json_is_an_input_error_saying_what_was_expected(tmp_path, content, message):
    """Regression (issue 16.2): these gave 'internal error' with exit 1."""
    path = tmp_path / "g.json"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        read_graph(str(path), "plus_times")


GRAPHML = """<?xml version="1.0" encoding="UTF-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="d0" for="edge" attr.name="weight" attr.type="{type}"/>
<graph edgedefault="directed"><node id="s"/><node id="t"/>
<edge source="s" target="t"><data key="d0">{value}</data></edge></graph></graphml>"""


@pytest.mark.parametrize(("type_", "value", "message"), [
    ("int", "abc", 'declared attr.type="int" (expected an integer)'),
    ("int", "2.5", 'declared attr.type="int"'),
    ("double", "fast", 'declared attr.type="double" (expected a number)'),
    ("boolean", "maybe", "true/false"),
    ("complex", "1", "attr.type='complex'"),
])
def test_badly_typed_graphml_attributes_are_input_errors(tmp_path, type_, value, message):
    path = tmp_path / "g.graphml"
    path.write_text(GRAPHML.format(type=type_, value=value))
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        read_graph(str(path), "plus_times")


def test_graphml_weight_types_convert_per_semiring(tmp_path):
    path = tmp_path / "g.graphml"
    path.write_text(GRAPHML.format(type="int", value="7"))
    assert list(read_graph(str(path), "counting").weights) == [7]
    path.write_text(GRAPHML.format(type="double", value="inf"))
    assert path_sum(read_graph(str(path), "min_plus"), "min_plus", "s", "t") == float("inf")


def test_size_limit_is_configurable(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["s", "t", 1]] * 100}))
    with pytest.raises(InputError, match="larger than the limit of 100 bytes; pass --max-bytes"):
        read_graph(str(path), "plus_times", max_bytes=100)
    assert read_graph(str(path), "plus_times", max_bytes=10**6).n_edges == 100


def test_integers_over_4300_digits_are_refused_on_input(tmp_path):
    path = tmp_path / "g.json"
    path.write_text('{"edges": [["s", "t", 1' + "0" * 5000 + "]]}")
    with pytest.raises(InputError, match="limited to 4300 digits"):
        read_graph(str(path), "counting")


def test_real_weights_beyond_the_float_range_are_refused(tmp_path):
    path = tmp_path / "g.json"
    path.write_text('{"edges": [["s", "t", 1' + "0" * 400 + "]]}")
    with pytest.raises(InputError, match="edges\\[0\\]: the plus_times semiring needs a number within the float range"):
        read_graph(str(path), "plus_times")


def test_every_readable_semiring_reads_a_file(tmp_path):
    path = tmp_path / "g.json"
    path.write_text(json.dumps({"edges": [["s", "t", 1], ["t", "u"]]}))
    for name in READABLE:
        assert read_graph(str(path), name).n_edges == 2


TRICKY_IDS = ["a],[b", 'q"], ["r', "], [", "ü∂", 7, "7", "x\\n", " "]


@pytest.mark.parametrize("indent", [None, 2])
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_chunked_and_streamed_json_reads_exactly_what_json_loads_reads(tmp_path_factory, indent, data):
    """Tiny chunks and batches, ids that contain the chunk separator ``], [``: the edges are still exact."""
    from semiring_ad import io_readers

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(io_readers, "_CHUNK", 64)
        mp.setattr(io_readers, "_MIN_CHUNK", 8)
        mp.setattr(io_readers, "_BATCH", 5)
        _check_exact_read(tmp_path_factory, indent, data)


def _check_exact_read(tmp_path_factory, indent, data):
    ids = data.draw(st.lists(st.sampled_from(TRICKY_IDS) | st.integers(0, 30) | st.text(max_size=4), min_size=2,
                             max_size=12, unique_by=lambda v: (type(v), v)))
    order = {v: k for k, v in enumerate(ids)}
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=40))
    edges = [[u, v, data.draw(st.integers(1, 5))] for u, v in pairs if order[u] < order[v]]
    doc = {"nodes": ids, "edges": edges} if data.draw(st.booleans()) else {"edges": edges, "nodes": ids}
    path = tmp_path_factory.mktemp("g") / "g.json"
    path.write_text(json.dumps(doc, indent=indent, ensure_ascii=data.draw(st.booleans())), encoding="utf-8")
    G = nx.MultiDiGraph()  # the oracle: json.load and networkx
    G.add_nodes_from(json.loads(path.read_text(encoding="utf-8"))["nodes"])
    for u, v, w in json.loads(path.read_text(encoding="utf-8"))["edges"]:
        G.add_edge(u, v, weight=w)
    cg = read_graph(str(path), "counting")
    assert cg.n_edges == G.number_of_edges() and set(cg.nodes) == set(G.nodes)
    source = ids[0]
    assert dict(solve_forward(cg, "counting", source)) == dict(solve_forward(G, "counting", source))
