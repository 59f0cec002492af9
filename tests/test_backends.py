"""The vectorized backends ("numpy", "scipy", auto's "vectorized") agree with the generic loop.

Every semiring with NumPy kernels is picked up from ``SEMIRINGS``; random
DAGs (with parallel edges) are checked in both directions, with one scalar
seed and with vector seeds (a Jacobian per sweep), whole graph and cone.
"""

from __future__ import annotations

import math
from fractions import Fraction

import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st

from semiring_ad.core.backends import SweepResult, choose_backend, explain_backend
from semiring_ad.core.graph import CompiledGraph
from semiring_ad.core.semiring import Semiring
from semiring_ad.core.semirings import COUNTING, LOG, MAX_PLUS, MIN_PLUS, OR_AND, PLUS_TIMES, SEMIRINGS
from semiring_ad.core.solver import BACKENDS, _cone, path_sum, solve_backward, solve_forward, sweep

KERNEL_SEMIRINGS = [s for s in SEMIRINGS.values() if s.kernels is not None]
DIRECTIONS = ["forward", "backward"]

_FLOATS = {
    "plus_times": st.floats(-2, 2),
    "min_plus": st.floats(-10, 10),
    "max_plus": st.floats(-10, 10),
    "max_times": st.floats(0, 2),
    "log": st.floats(-5, 5),
}


def weight_strategy(s: Semiring) -> st.SearchStrategy:
    """Weights in the semiring's domain, sometimes its zero (reached but worthless paths)."""
    kind = np.dtype(s.kernels.dtype).kind
    if kind == "b":
        base = st.booleans()
    elif kind == "i":
        base = st.integers(-3, 3)
    else:
        base = _FLOATS.get(s.name, st.floats(0, 2))
    return st.one_of(base, st.just(float(s.zero))) if kind == "f" else base


@st.composite
def dags(draw: st.DrawFn, s: Semiring, max_nodes: int = 30) -> CompiledGraph:
    """A random DAG in topological order; a repeated pair gives parallel edges."""
    n = draw(st.integers(1, max_nodes))
    pairs = draw(st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=3 * n))
    edges = sorted((max(u, v), min(u, v)) for u, v in pairs if u != v)
    in_ptr = np.searchsorted([d for d, _ in edges], np.arange(n + 1), side="left")
    weights = draw(st.lists(weight_strategy(s), min_size=len(edges), max_size=len(edges)))
    src = np.array([u for _, u in edges], dtype=np.int64)
    return CompiledGraph.from_arrays(list(range(n)), in_ptr, src, weights)


def exact(s: Semiring) -> bool:
    """min/max/or and integer counts must agree exactly; sums of floats up to rounding."""
    return s.idempotent or np.dtype(s.kernels.dtype).kind != "f"


def same(s: Semiring, a: object, b: object, scale: float) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if exact(s):  # same value and same Python type (bool stays bool, int stays exact int)
        return a == b and type(a) is type(getattr(b, "item", lambda: b)())
    return a == b or math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12 * scale)


def assert_agree(s: Semiring, got: list, want: list) -> None:
    assert len(got) == len(want)
    finite = [abs(b) for b in want if b is not None and math.isfinite(b)]
    scale = 1.0 + max(finite, default=0.0)
    for i, (a, b) in enumerate(zip(got, want)):
        assert same(s, a, b, scale), f"position {i}: vectorized {a!r} != generic {b!r}"


def check_backends(cg: CompiledGraph, s: Semiring, seeds: dict, direction: str, want: list,
                   active: np.ndarray | None = None, column: int | None = None) -> None:
    """Every vectorized backend that accepts the sweep reproduces ``want``; the others refuse clearly."""
    for name in ("numpy", "scipy", "auto"):
        if name != "auto" and not BACKENDS[name].supports(cg, s, seeds):
            with pytest.raises(ValueError, match="cannot solve"):
                sweep(cg, s, seeds, direction, active=active, backend=name)
            continue
        got = list(sweep(cg, s, seeds, direction, active=active, backend=name))
        if column is not None:
            got = [None if r is None else r[column].item() for r in got]
        assert_agree(s, got, want)


@pytest.mark.parametrize("s", KERNEL_SEMIRINGS, ids=lambda s: s.name)
@given(data=st.data())
def test_scalar_seed_matches_python(s: Semiring, data: st.DataObject) -> None:
    cg = data.draw(dags(s))
    for direction in DIRECTIONS:
        seed = {data.draw(st.integers(0, cg.n_nodes - 1)): s.one}
        check_backends(cg, s, seed, direction, sweep(cg, s, seed, direction, backend="python"))


@pytest.mark.parametrize("s", KERNEL_SEMIRINGS, ids=lambda s: s.name)
@given(data=st.data())
def test_vector_seeds_match_python_per_column(s: Semiring, data: st.DataObject) -> None:
    cg = data.draw(dags(s))
    k = data.draw(st.integers(1, 4))
    pos = data.draw(st.lists(st.integers(0, cg.n_nodes - 1), min_size=1, max_size=3, unique=True))
    cols = [[data.draw(weight_strategy(s)) for _ in range(k)] for _ in pos]
    seeds = {p: np.array(c, dtype=s.kernels.dtype) for p, c in zip(pos, cols)}
    for direction in DIRECTIONS:
        for j in range(k):
            want = sweep(cg, s, {p: c[j] for p, c in zip(pos, cols)}, direction, backend="python")
            check_backends(cg, s, seeds, direction, want, column=j)


@pytest.mark.parametrize("s", KERNEL_SEMIRINGS, ids=lambda s: s.name)
@given(data=st.data())
def test_cone_matches_python(s: Semiring, data: st.DataObject) -> None:
    cg = data.draw(dags(s))
    i, j = sorted(data.draw(st.lists(st.integers(0, cg.n_nodes - 1), min_size=2, max_size=2)))
    active = _cone(cg, i, j)
    for direction, seed in (("forward", {i: s.one}), ("backward", {j: s.one})):
        want = sweep(cg, s, seed, direction, active=active, backend="python")
        check_backends(cg, s, seed, direction, want, active=active)


@pytest.mark.parametrize("s", [PLUS_TIMES, MIN_PLUS, OR_AND, COUNTING], ids=lambda s: s.name)
@given(data=st.data())
def test_any_active_set_matches_python(s: Semiring, data: st.DataObject) -> None:
    """``active`` need not be a cone and seeds may lie outside it (they keep their seed value)."""
    cg = data.draw(dags(s))
    nodes = st.integers(0, cg.n_nodes - 1)
    active = np.array(sorted(data.draw(st.sets(nodes, max_size=cg.n_nodes))), dtype=np.int64)
    seeds = {p: s.one for p in data.draw(st.sets(nodes, min_size=1, max_size=3))}
    for direction in DIRECTIONS:
        want = sweep(cg, s, seeds, direction, active=active, backend="python")
        check_backends(cg, s, seeds, direction, want, active=active)


def diamonds(count: int) -> CompiledGraph:
    """``count`` diamonds in a row: 2**count paths from the first node to the last."""
    in_ptr, in_src = [0, 0], []
    for d in range(count):
        top = 3 * d
        in_src += [top, top, top + 1, top + 2]  # left and right from the top; the next top from both
        in_ptr += [len(in_src) - 3, len(in_src) - 2, len(in_src)]
    return CompiledGraph.from_arrays(range(3 * count + 1), np.array(in_ptr), np.array(in_src), [1] * len(in_src))


@pytest.mark.parametrize("backend", ["auto", "numpy", "scipy"])
@pytest.mark.parametrize("count", [40, 58, 70])
def test_counting_never_wraps(backend: str, count: int) -> None:
    cg = diamonds(count)
    fwd = sweep(cg, COUNTING, {0: 1}, backend=backend)
    bwd = sweep(cg, COUNTING, {cg.n_nodes - 1: 1}, "backward", backend=backend)
    assert fwd[-1] == bwd[0] == 2**count
    assert type(fwd[-1]) is int and type(bwd[0]) is int


def test_counting_signed_and_int64_range() -> None:
    cg = diamonds(58).with_weights(lambda e, w: -1 if e[0] % 3 == 0 and e[1] % 3 == 1 else 1)
    want = sweep(cg, COUNTING, {0: 3}, backend="python")
    assert list(sweep(cg, COUNTING, {0: 3}, backend="numpy")) == want
    assert list(sweep(cg, COUNTING, {0: 3}, backend="scipy")) == want


def test_counting_overflow_with_vector_seeds_is_exact() -> None:
    cg = diamonds(70)
    rows = sweep(cg, COUNTING, {0: np.array([1, 2])}, backend="numpy")
    assert list(rows[-1]) == [2**70, 2**71]


def chain(n: int, w: float) -> CompiledGraph:
    return CompiledGraph.from_arrays(range(n), np.r_[0, np.arange(n)], np.arange(n - 1), np.full(n - 1, w))


@pytest.mark.parametrize("backend", ["auto", "numpy", "scipy"])
def test_deep_chain(backend: str) -> None:
    n = 10**5
    cg = chain(n, 1.0 + 1e-6)
    fwd = sweep(cg, PLUS_TIMES, {0: 1.0}, backend=backend)
    bwd = sweep(cg, PLUS_TIMES, {n - 1: 1.0}, "backward", backend=backend)
    assert math.isclose(fwd[n - 1], (1 + 1e-6) ** (n - 1), rel_tol=1e-9)
    assert math.isclose(bwd[0], fwd[n - 1], rel_tol=1e-9)
    if backend != "scipy":
        short = sweep(cg, MIN_PLUS, {0: 0.0}, backend=backend)
        assert math.isclose(short[n - 1], (n - 1) * (1 + 1e-6), rel_tol=1e-9)
        assert short[0] == 0.0


def wide(n: int, k: int = 5, seed: int = 0) -> CompiledGraph:
    """``k`` in-edges per node from uniformly random earlier nodes."""
    rng = np.random.default_rng(seed)
    i = np.arange(1, n)
    src = np.sort((rng.random((n - 1, k)) * i[:, None]).astype(np.int64), axis=1)
    in_ptr = np.r_[0, 0, np.arange(1, n) * k]
    return CompiledGraph.from_arrays(range(n), in_ptr, src.ravel(), rng.uniform(-1, 1, (n - 1) * k))


@pytest.mark.parametrize("s", [PLUS_TIMES, MIN_PLUS, LOG], ids=lambda s: s.name)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_wide_graph(s: Semiring, direction: str) -> None:
    cg = wide(3000)
    seed = {0: s.one} if direction == "forward" else {2999: s.one, 2000: s.one}
    check_backends(cg, s, seed, direction, sweep(cg, s, seed, direction, backend="python"))


@pytest.mark.parametrize(("s", "direction", "seed", "first"), [
    (PLUS_TIMES, "forward", 0, "scipy"), (PLUS_TIMES, "backward", 19999, "scipy"),
    (MIN_PLUS, "backward", 19999, "numpy"),  # signed weights: no Dijkstra, and the loop costs more than the plan
])
def test_auto_on_wide_graph_settles_on_numpy(s: Semiring, direction: str, seed: int, first: str) -> None:
    """A fresh wide (+, ×) graph is first solved by SciPy (no levels, no plan to build), then, once
    its sweeps pay for the level plan, by the level sweep; every answer equals the generic loop's."""
    cg = wide(20000)
    seeds = {seed: s.one}
    assert choose_backend(cg, s, seeds, direction=direction) == first
    assert first == "numpy" or "levels not computed" in explain_backend(cg, s, seeds, direction=direction)
    want = sweep(cg, s, seeds, direction, backend="python")
    for _ in range(300):
        assert_agree(s, list(sweep(cg, s, seeds, direction)), want)
        if choose_backend(cg, s, seeds, direction=direction) == "numpy":
            break
    assert explain_backend(cg, s, seeds, direction=direction).startswith("numpy: 20000 nodes")
    assert_agree(s, list(sweep(cg, s, seeds, direction)), want)


def test_auto_shapes() -> None:
    deep, signed = chain(20000, 0.5), chain(20000, -0.5)
    assert choose_backend(deep, PLUS_TIMES, {0: 1.0}) == "scipy"  # triangular solve
    assert choose_backend(deep, MIN_PLUS, {0: 0.0}) == "scipy"  # Dijkstra: weights >= 0
    assert choose_backend(signed, MIN_PLUS, {0: 0.0}) == "python"
    assert choose_backend(deep, MAX_PLUS, {0: 0.0}) == "python"
    assert choose_backend(signed, MAX_PLUS, {0: 0.0}) == "scipy"  # Dijkstra on negated weights
    assert choose_backend(deep, MIN_PLUS, {0: np.zeros(3)}) == "numpy"  # the loop cannot min arrays
    assert choose_backend(chain(5, 0.5), PLUS_TIMES, {0: 1.0}) == "python"


def _one_edge(w: object) -> CompiledGraph:
    return CompiledGraph.from_arrays(["x", "y"], [0, 0, 1], [0], [w])


@pytest.mark.parametrize(("s", "w"), [
    (PLUS_TIMES, Fraction(1, 3)), (PLUS_TIMES, complex(1, 1)), (PLUS_TIMES, sympy.Symbol("a")),
    (PLUS_TIMES, 2), (PLUS_TIMES, float("nan")), (PLUS_TIMES, math.inf), (COUNTING, 2.0),
    (COUNTING, 2**70), (OR_AND, 1), (MIN_PLUS, -math.inf), (SEMIRINGS["max_times"], -1.0),
])
def test_unsupported_weights_fall_back(s: Semiring, w: object) -> None:
    cg = _one_edge(w)
    assert not BACKENDS["numpy"].supports(cg, s, {0: s.one})
    assert choose_backend(cg, s, {0: s.one}) == "python"
    with pytest.raises(ValueError, match="cannot solve"):
        sweep(cg, s, {0: s.one}, backend="numpy")


@pytest.mark.parametrize("seeds", [{0: np.ones((2, 2))}, {0: np.ones(2), 1: np.ones(3)}, {0: "a"}])
def test_unsupported_seeds(seeds: dict) -> None:
    assert not BACKENDS["numpy"].supports(_one_edge(1.0), PLUS_TIMES, seeds)


def test_results_behave_like_lists() -> None:
    cg = wide(50)
    got = sweep(cg, PLUS_TIMES, {10: 1.0}, backend="numpy")
    want = sweep(cg, PLUS_TIMES, {10: 1.0}, backend="python")
    assert isinstance(got, SweepResult) and len(got) == 50
    assert got[:10] == [None] * 10 and got[-1] == pytest.approx(want[-1]) and got[10] == 1.0
    assert np.array_equal(got.reached, [v is not None for v in want])
    assert got.to_numpy()[:10].tolist() == [0.0] * 10
    assert solve_forward(cg, PLUS_TIMES, {10: 1.0}, backend="numpy")[3] == 0


def test_path_sum_uses_cone() -> None:
    cg = wide(400)
    for s in (PLUS_TIMES, MIN_PLUS):
        a = path_sum(cg, s, 3, 399, backend="numpy")
        b = path_sum(cg, s, 3, 399, backend="python")
        assert math.isclose(a, b, rel_tol=1e-9)


def test_jacobian_in_one_sweep() -> None:
    cg = wide(500)
    seeds = dict(enumerate(np.eye(4)))
    for direction in DIRECTIONS:
        got = sweep(cg, PLUS_TIMES, seeds, direction, backend="auto")
        want = sweep(cg, PLUS_TIMES, seeds, direction, backend="python")  # the loop adds arrays too
        assert [g is None for g in got] == [w is None for w in want]
        assert all(np.allclose(g, w, rtol=1e-12, atol=1e-12) for g, w in zip(got, want) if w is not None)


def test_public_scipy_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without SciPy's private kernels the public functions give the same answers."""
    from semiring_ad.core.backends import _kernels

    monkeypatch.setattr(_kernels, "_raw_matvec", lambda: None)
    monkeypatch.setattr(_kernels, "_raw_gstrs", lambda: None)
    cg = wide(300)
    for s, name in ((PLUS_TIMES, "numpy"), (PLUS_TIMES, "scipy"), (MIN_PLUS, "numpy")):
        for direction, seed in (("forward", {5: s.one}), ("backward", {299: s.one, 150: s.one})):
            want = sweep(cg, s, seed, direction, backend="python")
            assert_agree(s, list(sweep(cg, s, seed, direction, backend=name)), want)
    rows = sweep(cg, PLUS_TIMES, {0: np.eye(2)[0], 1: np.eye(2)[1]}, backend="numpy")
    assert np.allclose(rows[299], [sweep(cg, PLUS_TIMES, {i: 1.0}, backend="python")[299] or 0.0 for i in (0, 1)])


def _chain_with_leaf(n: int, leaf: int) -> CompiledGraph:
    """A chain ``0 → 1 → … → n-1`` that skips ``leaf``, which hangs off ``leaf - 1`` (a sink far from the end)."""
    edges = [(u, u + 1 + (u + 1 == leaf)) for u in range(n - 1) if u != leaf] + [(leaf - 1, leaf)]
    edges = sorted((v, u) for u, v in edges if v < n)
    dst, src = np.array(edges).T
    return CompiledGraph.from_arrays(range(n), np.searchsorted(dst, np.arange(n + 1)), src, np.ones(len(src)))


@pytest.mark.parametrize("backend", ["numpy", "scipy"])
@pytest.mark.parametrize("seeded", [(2999,), (40, 2999), (40,)])
def test_backward_reached_with_a_sink_before_the_tail(backend: str, seeded: tuple) -> None:
    """Regression for the tail shortcut of the 'every sink seeded?' test: a sink outside the last
    positions is found (fresh graphs, so the shortcut runs first); reached = the seeds' ancestors."""
    cg = _chain_with_leaf(3000, 40)
    got = solve_backward(cg, PLUS_TIMES, {t: 1.0 for t in seeded}, backend=backend)
    G = cg.to_networkx()
    want = set(seeded).union(*(nx.ancestors(G, t) for t in seeded))
    assert np.flatnonzero(got.reached).tolist() == sorted(want)


@pytest.mark.parametrize("target", [0, 1000, 1500, 2999])
def test_target_found_inside_and_outside_the_tail(target: int) -> None:
    """Targets are looked for among the last positions first; any position is found, in a fresh graph."""
    got = solve_backward(chain(3000, 1.0), PLUS_TIMES, target)
    assert np.flatnonzero(got.reached).tolist() == list(range(target + 1))
