"""Smoke test: the array benchmark runs end to end at a tiny size (every engine is checked inside it)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_arrays.py"


def test_bench_arrays_runs_at_a_tiny_scale(capsys):
    spec = importlib.util.spec_from_file_location("bench_arrays", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    result = bench.main(scale=0.02)
    out = capsys.readouterr().out
    assert "1. MLP" in out and "3. Jacobian" in out and "overhead per recorded array operation" in out
    assert "5. Hessian of Rosenbrock" in out
    assert set(result) == {"mlp", "grad", "jacobian", "overhead", "hessian"}
    for key in ("mlp", "grad", "jacobian", "hessian"):
        assert all(t > 0 for t in result[key].values())
    assert "semiring_ad.jacrev" in result["jacobian"] and "numpy hand backprop" in result["mlp"]
    assert "semiring_ad.hessian" in result["hessian"]
