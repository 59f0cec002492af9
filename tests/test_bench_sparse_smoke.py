"""The sparse-Hessian benchmark runs at a tiny scale; its results match scipy's rosen_hess (and the dense
Hessian for the arrowhead), with the colour counts each colouring guarantees."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_sparse.py"


def test_bench_sparse_runs_at_a_tiny_scale(capsys):
    spec = importlib.util.spec_from_file_location("bench_sparse_under_test", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = bench.main(0.001)
    assert all(r["error"] < 1e-8 for r in rows)
    assert all(r["colors"] == 3 for r in rows if ("sparse=True" in r["method"] and "arrow" not in r["method"])
               or "first call" in r["method"])
    assert sum("sparse=True" in r["method"] and "arrow" not in r["method"] for r in rows) >= 4
    arrow = {r["method"]: r for r in rows if "arrow" in r["method"]}
    assert [r["colors"] for r in arrow.values()] == [2, next(iter(arrow.values()))["n"]]  # star, then distance 2
    assert "target" in capsys.readouterr().out
