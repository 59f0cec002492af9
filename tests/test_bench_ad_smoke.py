"""Smoke test: the AD benchmark runs end to end at a tiny scale and reports sane numbers."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_ad.py"


def _load():
    spec = importlib.util.spec_from_file_location("bench_ad", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_bench_ad_runs_at_a_tiny_scale(capsys):
    bench = _load()
    result = bench.main(scale=0.001)
    out = capsys.readouterr().out
    assert out.startswith("| measurement | time |")
    assert "µs/node" in out and "µs/call" in out and "Machine:" in out and "NumPy" in out
    dag, small = result["dag"], result["baydin"]
    assert dag["nodes"] == 100
    for key in ("plain", "record", "compile", "reverse", "forward"):
        assert 0 < dag[f"{key}_us_per_node"] < 1e5
    assert math.isfinite(dag["gradient_norm"])
    assert 0 < small["fresh_us_per_call"] < 1e6 and 0 < small["reused_us_per_call"] < 1e6


def test_random_dag_only_points_backwards():
    bench = _load()
    ops, a, b = bench.random_dag(500, n_inputs=8, seed=3)
    k = np.arange(8, 500)
    assert set(np.unique(ops)) <= {0, 1, 2}
    assert (a < k).all() and (b < k).all() and (a >= 0).all() and (b >= 0).all()
