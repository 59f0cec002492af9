"""The sparse-Hessian benchmark runs at a tiny scale and its results match scipy's rosen_hess."""

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
    assert all(r["colors"] == 3 for r in rows if "sparse" in r["method"])
    assert "target" in capsys.readouterr().out
