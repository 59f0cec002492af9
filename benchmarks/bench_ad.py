"""Benchmark: the per-node cost of tracing and of the reverse sweep, and a small gradient per call.

1. A random scalar DAG of ``N = 10^5 · scale`` nodes: a few inputs, then each
   node is ``+``, ``×`` or ``sin`` of random earlier nodes (operations and
   operand indices drawn with NumPy beforehand, so only the library is timed).
   Reported separately, in µs per node:

   * *plain* — the same function on floats, for reference;
   * *record* — running the function on tracers (the tape, the Wengert list);
   * *compile* — the tape as the core's CSR arrays (``ComputationGraph.compiled``
     and the out-edge lists the backward sweep reads);
   * *reverse sweep* — one backward path solve in (+, ×) from the output;
   * *forward sweep* — one forward solve from the first input, for comparison.

   The gradient is checked against the forward sweep of every input.

2. Baydin et al.'s ln x1 + x1·x2 − sin x2: µs per gradient with a fresh trace
   (``grad``) and with the trace reused at a new point (``at`` + reverse sweep).

Run ``python benchmarks/bench_ad.py [scale]``; it prints a Markdown table and
the machine.
"""

from __future__ import annotations

import gc
import platform
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import semiring_ad as sad
from semiring_ad.core.solver import sweep

N_NODES = 100_000
N_INPUTS = 8
BAYDIN_CALLS = 2_000


def random_dag(n_nodes: int, n_inputs: int = N_INPUTS, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Operations (0 = +, 1 = ×, 2 = sin) and two operand indices per non-input node, each earlier."""
    rng = np.random.default_rng(seed)
    k = np.arange(n_inputs, max(n_nodes, n_inputs + 1))
    ops = rng.integers(0, 3, size=k.size)
    a = (rng.random(k.size) * k).astype(np.int64)
    b = (rng.random(k.size) * k).astype(np.int64)
    return ops, a, b


def dag_function(ops: np.ndarray, a: np.ndarray, b: np.ndarray) -> Callable[..., Any]:
    """``f(*inputs)`` evaluating the DAG; returns its last node."""
    ops_l, a_l, b_l = ops.tolist(), a.tolist(), b.tolist()
    sin = sad.sin

    def f(*xs: Any) -> Any:
        v = list(xs)
        push = v.append
        for op, i, j in zip(ops_l, a_l, b_l, strict=True):
            if op == 0:
                push(v[i] + v[j])
            elif op == 1:
                push(v[i] * v[j])
            else:
                push(sin(v[i]))
        return v[-1]

    return f


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Best wall time of ``repeat`` runs (seconds) and the last result.

    The garbage collector is off while timing, as in :mod:`timeit`: 10^5 live
    tracers would otherwise trigger full collections inside the measurement.
    """
    best, out = float("inf"), None
    gc.collect()
    gc.disable()
    try:
        for _ in range(repeat):
            out = None
            t = time.perf_counter()
            out = fn()
            best = min(best, time.perf_counter() - t)
    finally:
        gc.enable()
    return best, out


def bench_dag(n_nodes: int, repeat: int = 3) -> dict[str, float]:
    """Per-node times (µs) for record, compile, reverse and forward sweeps."""
    ops, a, b = random_dag(n_nodes)
    f = dag_function(ops, a, b)
    x0 = np.random.default_rng(1).uniform(-1.0, 1.0, N_INPUTS).tolist()
    t_plain, _ = _best(lambda: f(*x0), repeat)
    t_record, g = _best(lambda: sad.trace(f, *x0), repeat)
    n = g.n_nodes

    def compile_fresh() -> Any:
        g.__dict__.pop("compiled", None)  # compiled is a cached property
        cg = g.compiled
        cg.lists  # noqa: B018  the CSR lists the sweeps read, built lazily
        return cg

    t_compile, cg = _best(compile_fresh, repeat)
    out = g.outputs[0]
    t_reverse, back = _best(lambda: sweep(cg, sad.PLUS_TIMES, {out: 1.0}, "backward"), repeat)
    t_forward, _ = _best(lambda: sweep(cg, sad.PLUS_TIMES, {g.inputs[0]: 1.0}, "forward"), repeat)
    gradient = np.array([0.0 if back[i] is None else back[i] for i in g.inputs])
    check = np.asarray(g.jacobian(mode="forward"), dtype=float)
    if not np.allclose(gradient, check, rtol=1e-9, atol=1e-12, equal_nan=True):
        raise AssertionError(f"reverse and forward gradients differ: {gradient} vs {check}")
    us = 1e6 / n
    return {
        "nodes": float(n),
        "edges": float(g.n_edges),
        "plain_us_per_node": t_plain * us,
        "record_us_per_node": t_record * us,
        "compile_us_per_node": t_compile * us,
        "reverse_us_per_node": t_reverse * us,
        "forward_us_per_node": t_forward * us,
        "gradient_norm": float(np.linalg.norm(gradient)),
    }


def baydin(x1: Any, x2: Any) -> Any:
    return sad.log(x1) + x1 * x2 - sad.sin(x2)


def bench_baydin(calls: int) -> dict[str, float]:
    """µs per gradient of Baydin's example: fresh trace vs reused trace (``at``)."""
    calls = max(calls, 1)
    points = np.random.default_rng(2).uniform(1.0, 3.0, size=(calls, 2)).tolist()
    grad = sad.grad(baydin, argnums=(0, 1))
    g = sad.trace(baydin, 2.0, 5.0)

    def fresh() -> Any:
        return [grad(x1, x2) for x1, x2 in points]

    def reused() -> Any:
        return [g.at(x1, x2).jacobian(mode="reverse") for x1, x2 in points]

    t_fresh, r1 = _best(fresh, 3)
    t_reused, r2 = _best(reused, 3)
    if not np.allclose(np.array(r1, dtype=float), np.array(r2, dtype=float), rtol=1e-12):
        raise AssertionError("fresh and reused traces give different gradients")
    assert np.allclose(grad(2.0, 5.0), (5.5, 2.0 - np.cos(5.0)))
    return {"fresh_us_per_call": t_fresh * 1e6 / calls, "reused_us_per_call": t_reused * 1e6 / calls}


def machine() -> str:
    return (
        f"{platform.platform()}; {platform.processor() or platform.machine()}; "
        f"Python {platform.python_version()}; NumPy {np.__version__}; semiring_ad {sad.__version__}"
    )


def table(dag: dict[str, float], small: dict[str, float]) -> str:
    n = int(dag["nodes"])
    rows = [
        "| measurement | time |",
        "|---|---|",
        f"| random DAG ({n} nodes, {int(dag['edges'])} edges): plain float evaluation, for reference | "
        f"{dag['plain_us_per_node']:.2f} µs/node |",
        f"| random DAG: record (trace) | {dag['record_us_per_node']:.2f} µs/node |",
        f"| random DAG: compile tape to CSR arrays | {dag['compile_us_per_node']:.2f} µs/node |",
        f"| random DAG: reverse sweep (one gradient) | {dag['reverse_us_per_node']:.2f} µs/node |",
        f"| random DAG: forward sweep (one input) | {dag['forward_us_per_node']:.2f} µs/node |",
        f"| Baydin gradient, fresh trace (`grad`) | {small['fresh_us_per_call']:.1f} µs/call |",
        f"| Baydin gradient, reused trace (`at` + reverse) | {small['reused_us_per_call']:.1f} µs/call |",
    ]
    return "\n".join(rows)


def main(scale: float = 1.0) -> dict[str, Any]:
    """Run both benchmarks at ``scale`` (1.0 = 10^5 nodes), print the table and the machine, return the numbers."""
    n_nodes = max(int(N_NODES * scale), N_INPUTS + 2)
    dag = bench_dag(n_nodes)
    small = bench_baydin(int(BAYDIN_CALLS * min(scale, 1.0)) or 1)
    text = table(dag, small)
    print(text)
    print()
    print(f"Machine: {machine()}")
    return {"dag": dag, "baydin": small, "table": text, "machine": machine()}


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
