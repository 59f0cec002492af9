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

   * *`sad.grad`* — the public call: record, then one reverse sweep on the
     tape's own lists (no compiled graph);
   * *memory* — ``tracemalloc``'s peak during ``sad.grad`` per node (the
     tape, the tracers the function holds, the adjoints), target ≤ 400 B.

2. Baydin et al.'s ln x1 + x1·x2 − sin x2: µs per gradient with a fresh trace
   (``grad``) and with the trace reused at a new point (``at`` + reverse sweep),
   target ≤ 15 µs.

3. ``vmap_grad`` of Baydin's function at 10^6 · scale points against the NumPy
   hand-written gradient (1/x1 + x2, x1 − cos x2), alternated run by run;
   target ≤ 1.3× its time.

Run ``python benchmarks/bench_ad.py [scale]``; it prints a Markdown table, the
targets met or missed, the machine and the load.
"""

from __future__ import annotations

import os

os.environ["OMP_NUM_THREADS"] = "1"  # pin BLAS/OpenMP threads before NumPy is imported
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import gc
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

try:
    import semiring_ad as sad
except ModuleNotFoundError:  # run as a script from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import semiring_ad as sad
from semiring_ad.core.solver import sweep

N_NODES = 100_000
N_INPUTS = 8
BAYDIN_CALLS = 2_000
N_POINTS = 1_000_000
TARGETS = {"bytes_per_node": 400.0, "baydin_reused_us": 15.0, "vmap_over_numpy": 1.3}


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
    grad = sad.grad(f, argnums=tuple(range(N_INPUTS)))
    gc.collect()
    tracemalloc.start()  # first, while nothing else of this benchmark is alive
    grad(*x0)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
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
    t_grad, public = _best(lambda: grad(*x0), repeat)
    gradient = np.array([0.0 if back[i] is None else back[i] for i in g.inputs])
    check = np.asarray(g.jacobian(mode="forward"), dtype=float)
    if not np.allclose(gradient, check, rtol=1e-9, atol=1e-12, equal_nan=True):
        raise AssertionError(f"reverse and forward gradients differ: {gradient} vs {check}")
    if not np.allclose(np.asarray(public, dtype=float), check, rtol=1e-9, atol=1e-12, equal_nan=True):
        raise AssertionError(f"sad.grad and the forward sweeps differ: {public} vs {check}")

    us = 1e6 / n
    return {
        "nodes": float(n),
        "edges": float(g.n_edges),
        "plain_us_per_node": t_plain * us,
        "record_us_per_node": t_record * us,
        "compile_us_per_node": t_compile * us,
        "reverse_us_per_node": t_reverse * us,
        "forward_us_per_node": t_forward * us,
        "grad_us_per_node": t_grad * us,
        "bytes_per_node": peak / n,
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
    cpu = float("inf")  # CPU time too: on a shared, loaded machine the wall clock counts the waits
    for _ in range(3):
        start = time.process_time()
        reused()
        cpu = min(cpu, time.process_time() - start)
    if not np.allclose(np.array(r1, dtype=float), np.array(r2, dtype=float), rtol=1e-12):
        raise AssertionError("fresh and reused traces give different gradients")
    assert np.allclose(grad(2.0, 5.0), (5.5, 2.0 - np.cos(5.0)))
    return {"fresh_us_per_call": t_fresh * 1e6 / calls, "reused_us_per_call": t_reused * 1e6 / calls,
            "reused_cpu_us_per_call": cpu * 1e6 / calls}


def baydin_numpy(x1: np.ndarray, x2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The gradient of Baydin's function written by hand in NumPy: the reference."""
    return 1.0 / x1 + x2, x1 - np.cos(x2)


def bench_vmap(n_points: int, rounds: int = 5) -> dict[str, float]:
    """Best-of-``rounds`` seconds of ``vmap_grad`` and of the NumPy hand derivative, alternated run by run."""
    rng = np.random.default_rng(3)
    x1, x2 = rng.uniform(1.0, 3.0, n_points), rng.uniform(0.0, 6.0, n_points)
    vg = sad.vmap_grad(baydin, argnums=(0, 1))
    got, want = vg(x1, x2), baydin_numpy(x1, x2)
    if not all(np.allclose(a, b, rtol=1e-12, atol=0.0) for a, b in zip(got, want)):
        raise AssertionError("vmap_grad differs from the hand-written NumPy gradient")
    best = {"vmap": float("inf"), "numpy": float("inf")}
    for _ in range(rounds):
        for key, run in (("vmap", lambda: vg(x1, x2)), ("numpy", lambda: baydin_numpy(x1, x2))):
            t, _ = _best(run, 1)
            best[key] = min(best[key], t)
    return {"points": float(n_points), "vmap_s": best["vmap"], "numpy_s": best["numpy"],
            "vmap_over_numpy": best["vmap"] / best["numpy"]}


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:  # not on every platform
        return "unknown"


def machine() -> str:
    return (
        f"{platform.platform()}; {platform.processor() or platform.machine()}; "
        f"Python {platform.python_version()}; NumPy {np.__version__}; semiring_ad {sad.__version__}"
    )


def table(dag: dict[str, float], small: dict[str, float], many: dict[str, float]) -> str:
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
        f"| random DAG: `sad.grad` (record + reverse on the tape) | {dag['grad_us_per_node']:.2f} µs/node |",
        f"| random DAG: memory at `sad.grad`'s peak (tracemalloc) | {dag['bytes_per_node']:.0f} B/node |",
        f"| Baydin gradient, fresh trace (`grad`) | {small['fresh_us_per_call']:.1f} µs/call |",
        f"| Baydin gradient, reused trace (`at` + reverse) | {small['reused_us_per_call']:.1f} µs/call |",
        f"| Baydin gradient, reused trace, CPU time (`time.process_time`) | "
        f"{small['reused_cpu_us_per_call']:.1f} µs/call |",
        f"| Baydin `vmap_grad` at {int(many['points']):,} points | {many['vmap_s'] * 1e3:.1f} ms |",
        f"| NumPy hand-written gradient at the same points | {many['numpy_s'] * 1e3:.1f} ms |",
    ]
    return "\n".join(rows)


def verdicts(dag: dict[str, float], small: dict[str, float], many: dict[str, float]) -> str:
    """Each target of issue 13 (the scalar tape) with its figure: met or MISSED."""
    def line(what: str, got: float, goal: float, unit: str) -> str:
        return f"- {what}: {got:.{1 if unit != 'B' else 0}f} {unit}, target ≤ {goal:g} {unit}: " + (
            "met" if got <= goal else "MISSED")

    return "\n".join([
        line("memory at `sad.grad`'s peak", dag["bytes_per_node"], TARGETS["bytes_per_node"], "B"),
        line("Baydin, reused trace (wall clock)", small["reused_us_per_call"], TARGETS["baydin_reused_us"], "µs"),
        line("Baydin, reused trace (CPU time)", small["reused_cpu_us_per_call"], TARGETS["baydin_reused_us"], "µs"),
        line("`vmap_grad` / NumPy hand derivative", many["vmap_over_numpy"], TARGETS["vmap_over_numpy"], "×"),
    ])


def main(scale: float = 1.0) -> dict[str, Any]:
    """Run both benchmarks at ``scale`` (1.0 = 10^5 nodes), print the table and the machine, return the numbers."""
    n_nodes = max(int(N_NODES * scale), N_INPUTS + 2)
    dag = bench_dag(n_nodes)
    small = bench_baydin(int(BAYDIN_CALLS * min(scale, 1.0)) or 1)
    many = bench_vmap(max(int(N_POINTS * scale), 10))
    text = table(dag, small, many)
    print(text)
    print()
    print("Targets (issue 13, the scalar tape):\n")
    print(verdicts(dag, small, many))
    print()
    print(f"Machine: {machine()}; load average {load_average()} (2 cores shared: figures are noisy)")
    return {"dag": dag, "baydin": small, "vmap": many, "table": text, "machine": machine()}


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
