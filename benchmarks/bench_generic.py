"""Benchmark: the public solvers on the generic ("python") backend against a plain networkx loop.

A random DAG of ~10^6 edges (2·10^5 nodes, each with 5 random earlier
parents; duplicates dropped) is built with NumPy directly as a
:class:`~semiring_ad.core.graph.CompiledGraph`.  For PLUS_TIMES and MIN_PLUS we time
``solve_forward(..., backend="python").to_numpy()`` (seeded at every source) and
``solve_backward`` (seeded at every sink) — the public calls, values read as
one array — median of 3 runs after one warm-up, and in the same run
the obvious networkx loop over the same graph and the same semiring operations::

    for v in topological_order: α(v) = ⊕ over G.pred[v] of α(u) ⊗ w(u, v)

so the ratio measures the data layout (CSR lists vs dicts of dicts), not the
arithmetic.  Both answers are compared, so the benchmark cannot time wrong
work.  ``compile_graph`` (networkx DiGraph → CompiledGraph) is timed at a
tenth of the size.

Run ``python benchmarks/bench_generic.py``; ``main(scale)`` shrinks or grows the graph.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # pin BLAS/OpenMP threads before NumPy is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import networkx as nx
import numpy as np

try:
    import semiring_ad
except ModuleNotFoundError:  # run as a script from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import semiring_ad

from semiring_ad import MIN_PLUS, PLUS_TIMES, CompiledGraph, Semiring, compile_graph, solve_backward, solve_forward

SOLVE = {"forward": solve_forward, "backward": solve_backward}

NODES = 200_000
PARENTS = 5
RUNS = 3


def random_dag(n_nodes: int, parents: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(src, dst, weight)`` of a random DAG on ``0..n-1``: node i >= 1 draws ``parents`` parents
    uniformly from ``0..i-1`` (duplicates dropped), so ``0..n-1`` is a topological order.
    Edges are sorted by ``dst``.  Weights in [0.1, 0.3] keep PLUS_TIMES values near 1."""
    rng = np.random.default_rng(seed)
    dst = np.repeat(np.arange(1, n_nodes, dtype=np.int64), parents)
    src = (rng.random(dst.size) * dst).astype(np.int64)
    key = np.sort(dst * n_nodes + src)
    key = key[np.concatenate(([True], key[1:] != key[:-1]))]
    dst, src = key // n_nodes, key % n_nodes
    return src, dst, rng.uniform(0.1, 0.3, size=key.size)


def compiled(n_nodes: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> CompiledGraph:
    in_ptr = np.concatenate(([0], np.cumsum(np.bincount(dst, minlength=n_nodes))))
    return CompiledGraph.from_arrays(list(range(n_nodes)), in_ptr, src, weight.tolist())


def networkx_graph(n_nodes: int, src: np.ndarray, dst: np.ndarray, weight: np.ndarray) -> nx.DiGraph:
    G = nx.DiGraph()
    G.add_nodes_from(range(n_nodes))
    G.add_weighted_edges_from(zip(src.tolist(), dst.tolist(), weight.tolist(), strict=True))
    return G


def nx_forward(G: nx.DiGraph, order: list, s: Semiring, seeds: dict) -> dict:
    """The plain loop: α(v) = seed(v) ⊕ ⊕ over G.pred[v] of α(u) ⊗ w(u, v)."""
    plus, times = s.plus, s.times
    val = dict(seeds)
    for v in order:
        acc = val.get(v)
        for u, d in G.pred[v].items():
            a = val.get(u)
            if a is not None:
                t = times(a, d["weight"])
                acc = t if acc is None else plus(acc, t)
        if acc is not None:
            val[v] = acc
    return val


def nx_backward(G: nx.DiGraph, order: list, s: Semiring, seeds: dict) -> dict:
    """The plain loop: β(u) = seed(u) ⊕ ⊕ over G.succ[u] of w(u, v) ⊗ β(v)."""
    plus, times = s.plus, s.times
    val = dict(seeds)
    for u in reversed(order):
        acc = val.get(u)
        for v, d in G.succ[u].items():
            b = val.get(v)
            if b is not None:
                t = times(d["weight"], b)
                acc = t if acc is None else plus(acc, t)
        if acc is not None:
            val[u] = acc
    return val


def median_time(fn: Callable[[], object], runs: int = RUNS) -> tuple[float, object]:
    """Median wall time of ``runs`` calls after one warm-up call, and the last result."""
    result = fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def same_answers(s: Semiring, cg: CompiledGraph, vals: np.ndarray, reference: dict) -> bool:
    zero = s.zero
    return all(
        s.approx_equal(x, reference.get(v, zero)) for v, x in zip(cg.nodes, vals.tolist(), strict=True)
    )


def machine() -> str:
    return (
        f"{platform.platform()} | {platform.processor() or platform.machine()} | "
        f"Python {platform.python_version()} | NumPy {np.__version__} | networkx {nx.__version__} | "
        f"semiring_ad {semiring_ad.__version__} | {os.cpu_count()} CPUs | load average {_load()}"
    )


def _load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except (AttributeError, OSError):  # not on every platform
        return "n/a"


def _rate(edges: int, seconds: float) -> str:
    return f"{edges / seconds / 1e6:.2f} M" if seconds > 0 else "inf"


def main(scale: float = 1.0) -> list[dict]:
    """Run the benchmark on ``scale`` × 2·10^5 nodes; print and return the table rows."""
    n_nodes = max(10, round(NODES * scale))
    print(f"machine: {machine()}")

    start = time.perf_counter()
    src, dst, weight = random_dag(n_nodes, PARENTS)
    cg = compiled(n_nodes, src, dst, weight)
    build_cg = time.perf_counter() - start
    start = time.perf_counter()
    G = networkx_graph(n_nodes, src, dst, weight)
    order = list(nx.topological_sort(G))
    build_nx = time.perf_counter() - start
    m = cg.n_edges
    sources = [v for v in cg.nodes if G.in_degree(v) == 0]
    sinks = [v for v in cg.nodes if G.out_degree(v) == 0]
    print(
        f"graph: {n_nodes} nodes, {m} edges, {len(sources)} sources, {len(sinks)} sinks; "
        f"built with NumPy as a CompiledGraph in {build_cg:.2f} s, as a networkx DiGraph "
        f"(+ topological sort) in {build_nx:.2f} s"
    )

    small = max(10, n_nodes // 10)
    G_small = networkx_graph(small, *random_dag(small, PARENTS, seed=1))
    t_compile, cg_small = median_time(lambda: compile_graph(G_small))
    print(
        f"compile_graph(networkx DiGraph, {small} nodes, {cg_small.n_edges} edges): "
        f"{t_compile:.3f} s = {_rate(cg_small.n_edges, t_compile)} edges/s"
    )

    rows = []
    for s in (PLUS_TIMES, MIN_PLUS):
        for direction, seeded, baseline in (("forward", sources, nx_forward), ("backward", sinks, nx_backward)):
            node_seeds = {v: s.one for v in seeded}
            solve = SOLVE[direction]
            t_ours, vals = median_time(lambda: solve(cg, s, node_seeds, backend="python").to_numpy())  # noqa: B023
            t_nx, reference = median_time(lambda: baseline(G, order, s, node_seeds))  # noqa: B023
            if not same_answers(s, cg, vals, reference):
                raise AssertionError(f"{s.name} {direction}: the solver and the networkx loop disagree")
            rows.append(
                {
                    "semiring": s.name,
                    "direction": direction,
                    "edges": m,
                    "sweep_s": t_ours,
                    "networkx_s": t_nx,
                    "ratio": t_nx / t_ours if t_ours else math.inf,
                }
            )

    print()
    print(
        '| semiring | direction | edges | solve(backend="python") s | edges/s | networkx loop s | edges/s '
        "| networkx / solve |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['semiring']} | {r['direction']} | {r['edges']:,} | {r['sweep_s']:.3f} | "
            f"{_rate(r['edges'], r['sweep_s'])} | {r['networkx_s']:.3f} | {_rate(r['edges'], r['networkx_s'])} "
            f"| {r['ratio']:.2f}× |"
        )
    print(f"\nmedian of {RUNS} runs after one warm-up; same semiring ⊕/⊗ callables in both loops.")
    return rows


if __name__ == "__main__":
    main()
