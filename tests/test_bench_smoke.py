"""The generic benchmark runs end to end at a tiny size, so it cannot rot."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_generic.py"


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_generic", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_generic_main_runs_at_tiny_scale(capsys):
    bench = load_bench()
    rows = bench.main(scale=0.001)
    out = capsys.readouterr().out
    assert "machine:" in out and "CPUs" in out
    assert "| semiring | direction | edges |" in out
    assert {(r["semiring"], r["direction"]) for r in rows} == {
        (s, d) for s in ("plus_times", "min_plus") for d in ("forward", "backward")
    }
    for r in rows:
        assert r["edges"] > 0 and r["sweep_s"] > 0 and r["networkx_s"] > 0
        assert f"| {r['semiring']} | {r['direction']} |" in out


def test_bench_random_dag_is_a_dag_with_the_requested_shape():
    bench = load_bench()
    n = 300
    src, dst, weight = bench.random_dag(n, bench.PARENTS)
    assert (src < dst).all() and len(src) == len(dst) == len(weight)
    assert len(set(zip(src.tolist(), dst.tolist(), strict=True))) == len(src), "no duplicate edges"
    assert n - 1 <= len(src) <= (n - 1) * bench.PARENTS
    cg = bench.compiled(n, src, dst, weight)
    G = bench.networkx_graph(n, src, dst, weight)
    assert sorted(G.edges) == sorted(cg.edges)
