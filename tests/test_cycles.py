"""Graphs with cycles: the solvers with a Kleene star, against SciPy, NumPy and networkx.

* MIN_PLUS with negative edges (no negative cycle) equals SciPy's
  ``floyd_warshall`` (every pair) and ``bellman_ford`` (one source);
* a negative cycle raises NoStarError naming the cycle and the semiring;
* OR_AND equals ``nx.transitive_closure``;
* PLUS_TIMES with spectral radius < 1 equals ``numpy.linalg.solve(I - A, …)``
  forward, backward and per pair; SYMBOLIC equals SymPy's linear solve;
* non-commutative 2×2 matrix weights keep path order through the star;
* semirings without a star (COUNTING, PATHS) still refuse cycles, naming one;
* acyclic graphs never reach the cyclic code;
* the built-in stars follow the issue's table, and check_laws catches a wrong one.
"""

from __future__ import annotations

import importlib.util
import math
from dataclasses import replace
from pathlib import Path

import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import NegativeCycleError, bellman_ford, floyd_warshall

import semiring_ad.core.cyclic as cyclic
from semiring_ad import (
    COUNTING,
    LOG,
    MAX_TIMES,
    MIN_PLUS,
    OR_AND,
    PATHS,
    PLUS_TIMES,
    SEMIRINGS,
    SIGNED_LOG,
    SYMBOLIC,
    NodeNotFoundError,
    NoStarError,
    NotADAGError,
    Semiring,
    SemiringLawError,
    check_laws,
    path_sum,
    path_weight,
    signed_log,
    solve_backward,
    solve_forward,
)
from semiring_ad.core.elimination import eliminate

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_cycles.py"


@st.composite
def digraphs(draw, max_nodes=8, weights=None):
    """A random directed graph on 0..n-1 (cycles and self-loops allowed), at most one edge per pair."""
    n = draw(st.integers(1, max_nodes))
    pairs = [(u, v) for u in range(n) for v in range(n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=3 * n))
    G = nx.DiGraph()
    G.add_nodes_from(range(n))
    for u, v in chosen:
        G.add_edge(u, v, weight=draw(weights) if weights is not None else 1.0)
    return G


def _matrix(G, fill=0.0):
    n = G.number_of_nodes()
    A = np.full((n, n), fill)
    for u, v, w in G.edges(data="weight"):
        A[u, v] = w
    return A


@st.composite
def no_negative_cycles(draw):
    """Reweighting by potentials: w(u, v) = c(u, v) + p(u) - p(v) with c >= 0 has negative edges but no
    negative cycle (a cycle's weight is the sum of its c's)."""
    G = draw(digraphs(weights=st.integers(0, 6)))
    p = draw(st.lists(st.integers(-5, 5), min_size=len(G), max_size=len(G)))
    for u, v, d in G.edges(data=True):
        d["weight"] = float(d["weight"] + p[u] - p[v])
    return G


@settings(max_examples=60)
@given(no_negative_cycles())
def test_min_plus_equals_floyd_warshall_and_bellman_ford(G):
    n = len(G)
    rows, cols = zip(*G.edges) if G.number_of_edges() else ((), ())
    data = [G.edges[e]["weight"] for e in G.edges]
    A = csr_matrix((data, (rows, cols)), shape=(n, n))  # explicit entries: a 0-weight edge stays an edge
    D = floyd_warshall(A, directed=True)
    for u in range(n):
        for v in range(n):
            want = 0.0 if u == v and D[u, v] >= 0 else D[u, v]
            assert path_sum(G, MIN_PLUS, u, v) == pytest.approx(want), (u, v)
    B = bellman_ford(A, directed=True, indices=0)
    forward = solve_forward(G, MIN_PLUS, 0)
    backward = solve_backward(G, MIN_PLUS, 0)
    for v in range(n):
        assert forward[v] == pytest.approx(B[v])
        assert backward[v] == pytest.approx(D[v, 0])


def test_negative_cycle_raises_naming_the_cycle_and_the_semiring():
    G = nx.DiGraph()
    G.add_weighted_edges_from([("s", "a", 1.0), ("a", "b", 2.0), ("b", "c", -4.0), ("c", "a", 1.0), ("c", "t", 0.0)])
    for solve in (lambda: path_sum(G, MIN_PLUS, "s", "t"), lambda: solve_forward(G, MIN_PLUS, "s"),
                  lambda: solve_backward(G, MIN_PLUS, "t"), lambda: eliminate(G, MIN_PLUS)):
        with pytest.raises(NoStarError) as info:
            solve()
        err = info.value
        assert isinstance(err, NotADAGError) and err.semiring == "min_plus"
        assert {u for u, _ in err.cycle} == {"a", "b", "c"}
        assert nx.is_simple_path(G, [u for u, _ in err.cycle]) and G.has_edge(err.cycle[-1][0], err.cycle[0][0])
        assert "negative cycle" in str(err) and "min_plus" in str(err)
    with pytest.raises(NegativeCycleError):  # the oracle agrees that it is one
        floyd_warshall(nx.to_scipy_sparse_array(G, nodelist=["s", "a", "b", "c", "t"]).tocsr())


def test_a_negative_cycle_off_the_cone_is_not_an_error():
    G = nx.DiGraph()
    G.add_weighted_edges_from([("s", "t", 3.0), ("t", "x", 1.0), ("x", "y", -2.0), ("y", "x", 1.0)])
    assert path_sum(G, MIN_PLUS, "s", "t") == 3.0


@settings(max_examples=60)
@given(digraphs(weights=st.just(True)))
def test_or_and_equals_transitive_closure(G):
    T = nx.transitive_closure(G, reflexive=False)
    for u in G:
        reach = solve_forward(G, OR_AND, u)
        back = solve_backward(G, OR_AND, u)
        for v in G:
            assert reach[v] == (u == v or T.has_edge(u, v))
            assert back[v] == (u == v or T.has_edge(v, u))
            assert path_sum(G, OR_AND, u, v) == reach[v]


@settings(max_examples=60)
@given(digraphs(weights=st.floats(-1, 1, allow_nan=False)), st.data())
def test_plus_times_equals_inverse_of_i_minus_a(G, data):
    A = _matrix(G)
    rho = max(abs(np.linalg.eigvals(A))) if len(G) else 0.0
    if rho >= 0.9:  # scale into the convergent range: spectral radius 0.9 at most
        factor = 0.9 / rho
        A = A * factor
        for _, _, d in G.edges(data=True):
            d["weight"] *= factor
    n = len(G)
    M = np.eye(n) - A
    b = np.array(data.draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=n, max_size=n)))
    alpha = solve_forward(G, PLUS_TIMES, {v: b[v] for v in G if b[v] != 0})
    beta = solve_backward(G, PLUS_TIMES, {v: b[v] for v in G if b[v] != 0})
    np.testing.assert_allclose([alpha[v] for v in G], np.linalg.solve(M.T, b), atol=1e-9)
    np.testing.assert_allclose([beta[v] for v in G], np.linalg.solve(M, b), atol=1e-9)
    inv = np.linalg.inv(M)
    for u in G:
        for v in G:
            assert path_sum(G, PLUS_TIMES, u, v) == pytest.approx(inv[u, v], abs=1e-9)


def test_log_is_plus_times_in_log_space_on_cycles():
    G = nx.DiGraph()
    G.add_weighted_edges_from([(0, 1, 0.5), (1, 0, 0.25), (1, 2, 0.5), (2, 2, 0.5), (2, 0, 0.1)])
    L = nx.DiGraph()
    L.add_weighted_edges_from((u, v, math.log(w)) for u, v, w in G.edges(data="weight"))
    inv = np.linalg.inv(np.eye(3) - _matrix(G))
    for u in G:
        for v in G:
            assert math.exp(path_sum(L, LOG, u, v)) == pytest.approx(inv[u, v])


def test_symbolic_two_cycle_equals_sympy_linear_solve():
    a, b, c = sympy.symbols("a b c")
    G = nx.DiGraph()
    G.add_weighted_edges_from([("x", "p", a), ("p", "q", b), ("q", "p", c), ("q", "y", 1)])
    got = path_sum(G, SYMBOLIC, "x", "y")
    p, q = sympy.symbols("p q")  # α(p) = a + c·α(q), α(q) = b·α(p)
    sol = sympy.solve([p - (a + c * q), q - b * p], [p, q])
    assert sympy.simplify(got - sol[q]) == 0


def test_max_times_star_on_a_cycle_is_one():
    G = nx.DiGraph()
    G.add_weighted_edges_from([("s", "a", 0.5), ("a", "b", 0.9), ("b", "a", 0.8), ("b", "t", 0.5)])
    assert path_sum(G, MAX_TIMES, "s", "t") == pytest.approx(0.5 * 0.9 * 0.5)


@pytest.mark.parametrize("semiring", [COUNTING, PATHS], ids=lambda s: s.name)
def test_semirings_without_a_star_refuse_cycles_naming_one(semiring):
    assert semiring.star is None
    G = nx.DiGraph([("s", "a"), ("a", "b"), ("b", "a"), ("b", "t")])
    kw = {"weight": path_weight} if semiring is PATHS else {"weight": lambda u, v, d: 1}
    for solve in (lambda: path_sum(G, semiring, "s", "t", **kw), lambda: solve_forward(G, semiring, "s", **kw),
                  lambda: solve_backward(G, semiring, "t", **kw)):
        with pytest.raises(NoStarError, match=f"semiring {semiring.name} has no Kleene star") as info:
            solve()
        assert {u for u, _ in info.value.cycle} == {"a", "b"}


def test_acyclic_graphs_never_reach_the_cyclic_code(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an acyclic graph went to the cyclic solver")

    monkeypatch.setattr("semiring_ad.core.solver.cyclic_solve", refuse)
    monkeypatch.setattr("semiring_ad.core.solver.cyclic_path_sum", refuse)
    G = nx.DiGraph()
    G.add_weighted_edges_from([(0, 1, 2.0), (1, 2, 3.0), (0, 2, 1.0)])
    assert solve_forward(G, PLUS_TIMES, 0)[2] == 7.0
    assert solve_backward(G, PLUS_TIMES, 2)[0] == 7.0
    assert path_sum(G, PLUS_TIMES, 0, 2) == 7.0
    assert cyclic.cyclic_solve is not refuse


def test_a_ring_of_twenty_thousand_nodes_is_one_component_solved_in_linear_time():
    """One strongly connected component of 2·10^4 vertices: Markowitz order keeps the fill constant
    (a quadratic fill would not finish); distances on a ring are known in closed form."""
    n = 20_000
    G = nx.DiGraph()
    G.add_weighted_edges_from((i, (i + 1) % n, 1.0) for i in range(n))
    d = solve_forward(G, MIN_PLUS, 0)
    assert d[n - 1] == n - 1 and d[n // 2] == n // 2
    assert solve_backward(G, MIN_PLUS, 0)[1] == n - 1
    P = nx.DiGraph()
    P.add_weighted_edges_from((i, (i + 1) % n, 0.5) for i in range(n))
    assert path_sum(P, PLUS_TIMES, 0, 0) == pytest.approx(1 / (1 - 0.5**n))


@settings(max_examples=30, deadline=None)
@given(digraphs(max_nodes=5, weights=st.integers(0, 10**6)))
def test_products_keep_path_order_on_cycles_with_matrix_weights(G):
    """2×2 matrices under (+, @) do not commute; with star A* = (I - A)^-1 the path sum s -> t is block
    (s, t) of (I - M)^-1 for the block matrix M of the edges (NumPy's inverse is the oracle)."""
    rng = np.random.default_rng(len(G) + G.number_of_edges())
    blocks = {e: rng.uniform(-1, 1, (2, 2)) for e in G.edges}
    n = len(G)
    M = np.zeros((2 * n, 2 * n))
    for (u, v), B in blocks.items():
        M[2 * u:2 * u + 2, 2 * v:2 * v + 2] = B
    rho = max(abs(np.linalg.eigvals(M))) if n else 0.0
    scale = 0.8 / rho if rho > 0.8 else 1.0
    for e in blocks:
        blocks[e] = blocks[e] * scale
    M *= scale
    I2 = np.eye(2)
    MAT = Semiring("matrices", np.add, np.matmul, np.zeros((2, 2)), I2, commutative=False,
                   equal=lambda a, b: np.allclose(a, b, atol=1e-9), star=lambda a: np.linalg.inv(I2 - a))
    inv = np.linalg.inv(np.eye(2 * n) - M)
    w = lambda u, v, d: blocks[u, v]  # noqa: E731
    for s in G:
        forward = solve_forward(G, MAT, s, weight=w)
        backward = solve_backward(G, MAT, s, weight=w)
        for t in G:
            np.testing.assert_allclose(forward[t], inv[2 * s:2 * s + 2, 2 * t:2 * t + 2], atol=1e-9)
            np.testing.assert_allclose(backward[t], inv[2 * t:2 * t + 2, 2 * s:2 * s + 2], atol=1e-9)
            np.testing.assert_allclose(path_sum(G, MAT, s, t, weight=w), inv[2 * s:2 * s + 2, 2 * t:2 * t + 2],
                                       atol=1e-9)


# -- the stars themselves -----------------------------------------------------------------------

STAR_TABLE = [
    # (semiring name, a with a finite star, its star by the table's formula, a without one)
    ("plus_times", 0.25, 1 / (1 - 0.25), 1.0),
    ("log", math.log(0.25), -math.log(1 - 0.25), 0.0),
    ("min_plus", 3.0, 0.0, -0.5),
    ("max_plus", -3.0, 0.0, 0.5),
    ("max_times", 0.5, 1.0, 1.5),
    ("or_and", False, True, None),
]


@pytest.mark.parametrize(("name", "a", "star", "bad"), STAR_TABLE, ids=[r[0] for r in STAR_TABLE])
def test_built_in_stars_follow_the_table(name, a, star, bad):
    s = SEMIRINGS[name]
    assert s.star(a) == pytest.approx(star)
    if bad is None:
        assert s.star(True) is True
    else:
        with pytest.raises(NoStarError, match=name) as info:
            s.star(bad)
        assert info.value.semiring == name and info.value.value == bad


def test_symbolic_and_signed_log_stars():
    x = sympy.Symbol("x")
    assert sympy.simplify(SYMBOLIC.star(x) - 1 / (1 - x)) == 0
    with pytest.raises(NoStarError):
        SYMBOLIC.star(sympy.S.One)
    for v in (-3.0, -0.5, 0.0, 0.5, 2.0):
        sign, mag = SIGNED_LOG.star(signed_log(v))
        assert sign * math.exp(mag) == pytest.approx(1 / (1 - v))
    with pytest.raises(NoStarError):
        SIGNED_LOG.star(signed_log(1.0))


def test_every_registered_semiring_of_the_table_has_its_star():
    """The issue's table: no star for COUNTING and PATHS only (LINEAR's is (I - A)^-1, DUAL's
    1/(1 - a) + b/(1 - a)^2 ε)."""
    without = {name for name in SEMIRINGS if SEMIRINGS[name].star is None}
    assert without == {"counting", "paths"}


def test_check_laws_catches_a_wrong_star():
    wrong = replace(PLUS_TIMES, name="wrong_star", star=lambda a: 1 / (1 + a))
    with pytest.raises(SemiringLawError, match="star law"):
        check_laws(wrong, [0.5, 0.25])
    check_laws(PLUS_TIMES, [0.5, 0.25, 1.0, 2.0])  # 1.0 has no star: skipped, not a failure


def test_bench_cycles_runs_at_tiny_scale(capsys):
    spec = importlib.util.spec_from_file_location("bench_cycles", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(scale=0.001)
    out = capsys.readouterr().out
    assert "| family | semiring |" in out and {r["family"] for r in rows} == {"blocks", "torus"}
    assert all(r["ours"] > 0 and r["peer_t"] > 0 for r in rows)


def test_unknown_nodes_on_a_cyclic_graph_are_named():
    G = nx.DiGraph([("a", "b", {"weight": 0.5}), ("b", "a", {"weight": 0.5})])
    for solve in (lambda: solve_forward(G, PLUS_TIMES, "zz"), lambda: solve_backward(G, PLUS_TIMES, "zz"),
                  lambda: path_sum(G, PLUS_TIMES, "a", "zz")):
        with pytest.raises(NodeNotFoundError, match="'zz'"):
            solve()


def test_linear_cycle_of_matrices_equals_the_block_linear_system():
    """LINEAR's star (I - A)^-1: a two-node cycle of random 3x3 maps (spectral radius < 1) between x and y.
    Oracle: the block system v = x + B·u, u = A·v solved by numpy for the x -> y Jacobian."""
    from semiring_ad import LINEAR, path_sum

    rng = np.random.default_rng(7)
    A, B = (0.3 * rng.standard_normal((3, 3)) for _ in range(2))
    eye = np.eye(3)
    G = nx.DiGraph()
    G.add_edge("x", "v", weight=eye)
    G.add_edge("v", "u", weight=A)  # u = A v
    G.add_edge("u", "v", weight=B)  # v = x + B u
    G.add_edge("v", "y", weight=eye)
    expected = np.linalg.solve(eye - B @ A, eye)  # v = (I - BA)^-1 x
    np.testing.assert_allclose(path_sum(G, LINEAR, "x", "y"), expected, rtol=1e-10)
    G.add_edge("u", "v", weight=np.linalg.inv(A))  # B A = I: the loop's series diverges
    with pytest.raises(NoStarError, match="linear"):
        path_sum(G, LINEAR, "x", "y")
