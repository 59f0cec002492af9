"""Benchmark: the derivative of a fixed point (one node, the implicit-function theorem) against unrolled loops.

The problem is the stationary distribution π(θ) of an S-state Markov chain,
P(θ) = P0 + Σ_k θ_k E_k where E_k moves probability from state k to k + 1,
found by iterating x ← x P(θ) / (x P(θ) 1); the timed function is the expected
reward π(θ)·w and its gradient, the public call a user makes:

* ``sad.arrays.grad`` and ``sad.grad`` of ``sad.fixed_point`` (one node; the
  derivative solves (I − ∂g/∂x) once);
* ``sad.arrays.grad`` of the unrolled iteration (K steps, K = the number of
  iterations the fixed point took: a tape of O(K) nodes);
* peers, when installed: autograd and torch differentiating the same unrolled
  iteration.

Every gradient is checked against numpy linear algebra (dπ/dθ_k = π E_k
(I − P + 1π)^-1), so the benchmark cannot time wrong work.  Median of 5 runs
after a warm-up; ratios are ours / peer in the same run.

Run ``python benchmarks/bench_fixed_point.py``; ``main(scale)`` changes S.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

try:
    import semiring_ad as sad
except ModuleNotFoundError:  # run as a script from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import semiring_ad as sad

STATES = (3, 10, 30)
RUNS = 5
TOL = 1e-12
LAZY = 0.9


def median_time(fn: Callable[[], object]) -> tuple[float, object]:
    out = fn()
    times = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def chain(S: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """P0 (a lazy chain: it stays put with probability 0.9, so it mixes slowly and the iteration takes
    a few hundred steps), the shift E = R − I, a point θ and the reward w."""
    rng = np.random.default_rng(seed)
    Q = rng.uniform(0.5, 1.5, (S, S))
    P0 = LAZY * np.eye(S) + (1 - LAZY) * Q / Q.sum(axis=1, keepdims=True)
    E = np.roll(np.eye(S), 1, axis=1) - np.eye(S)  # row k: −1 at k, +1 at k + 1
    theta = rng.uniform(-0.05, 0.05, S)  # keeps P(θ) a transition matrix
    return P0, E, theta, rng.normal(size=S)


def oracle(P0: np.ndarray, E: np.ndarray, theta: np.ndarray, w: np.ndarray) -> np.ndarray:
    P = P0 + theta[:, None] * E
    v = np.linalg.svd((P - np.eye(len(P))).T)[2][-1]
    pi = v / v.sum()
    Z = np.linalg.inv(np.eye(len(P)) - P + np.outer(np.ones(len(P)), pi))
    return pi * (E @ Z @ w)  # dπ/dθ_k · w = π_k (E Z w)_k: θ_k moves only row k


def row(S: int) -> dict:
    P0, E, theta, w = chain(S)

    def step(x, t):
        y = x @ P0 + (x * t) @ E
        return y / y.sum()

    start = np.full(S, 1.0 / S)
    steps = [0]

    def counting(x, t):
        steps[0] += 1
        return step(x, t)

    sad.fixed_point(counting, start, theta, tol=TOL)
    K = steps[0]

    def fixed(t):
        return sad.fixed_point(step, start, t, tol=TOL) @ w

    def unrolled(t):
        x = start
        for _ in range(K):
            x = step(x, t)
        return x @ w

    want = oracle(P0, E, theta, w)
    r = dict(S=S, K=K)
    for name, call in (("arrays_fixed", lambda: sad.arrays.grad(fixed)(theta)),
                       ("elementwise_fixed", lambda: sad.grad(fixed)(theta)),
                       ("arrays_unrolled", lambda: sad.arrays.grad(unrolled)(theta))):
        r[name], got = median_time(call)
        assert np.allclose(got, want, atol=1e-8), f"{name} disagrees with numpy linear algebra at S={S}"
    r["nodes_fixed"] = sad.arrays.trace_arrays(fixed, theta).n_nodes
    r["nodes_unrolled"] = sad.arrays.trace_arrays(unrolled, theta).n_nodes
    r["autograd"] = _autograd(unrolled, theta, want)
    r["torch"] = _torch(P0, E, start, w, K, theta, want)
    return r


def _autograd(unrolled: Callable, theta: np.ndarray, want: np.ndarray) -> float | None:
    try:
        import autograd
    except ImportError:
        return None
    t, got = median_time(lambda: autograd.grad(unrolled)(theta))  # numpy ops on autograd's boxes
    assert np.allclose(got, want, atol=1e-8), "autograd disagrees with numpy linear algebra"
    return t


def _torch(P0, E, start, w, K, theta, want) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    P0_t, E_t, x0, w_t = (torch.tensor(a, dtype=torch.float64) for a in (P0, E, start, w))

    def grad() -> np.ndarray:
        t = torch.tensor(theta, dtype=torch.float64, requires_grad=True)
        x = x0
        for _ in range(K):
            y = x @ P0_t + (x * t) @ E_t
            x = y / y.sum()
        (x @ w_t).backward()
        return t.grad.numpy()

    tt, got = median_time(grad)
    assert np.allclose(got, want, atol=1e-8), "torch disagrees with numpy linear algebra"
    return tt


def _ms(t: float | None) -> str:
    return "" if t is None else f"{t * 1e3:.2f}"


def _ratio(a: float, b: float | None) -> str:
    return "" if b is None else f"{a / b:.2f}×"


def main(scale: float = 1.0) -> list[dict]:
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"semiring_ad {sad.__version__}, numpy {np.__version__}")
    sizes = sorted({max(3, int(S * scale)) for S in STATES})
    rows = [row(S) for S in sizes]
    print("| states | iterations K | arrays.grad fixed_point ms | nodes | grad fixed_point ms "
          "| arrays.grad unrolled ms | nodes | autograd unrolled ms | torch unrolled ms "
          "| fixed / unrolled | fixed / autograd | fixed / torch |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        a = r["arrays_fixed"]
        print(f"| {r['S']} | {r['K']} | {_ms(a)} | {r['nodes_fixed']} | {_ms(r['elementwise_fixed'])} "
              f"| {_ms(r['arrays_unrolled'])} | {r['nodes_unrolled']} | {_ms(r['autograd'])} | {_ms(r['torch'])} "
              f"| {_ratio(a, r['arrays_unrolled'])} | {_ratio(a, r['autograd'])} | {_ratio(a, r['torch'])} |")
    return rows


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
