"""Benchmark: sparse Hessians by colouring, Rosenbrock's function (and an arrowhead).

The public call ``hessian(f, sparse=True)(x)`` on two ways of writing Rosenbrock:

* vectorised NumPy code on a float array takes the array path: one node per
  array operation, the element pattern from the edge maps' structure, a greedy
  star colouring (3 colours: the Hessian is tridiagonal) and ONE
  forward-over-reverse pass carrying the 3 seed directions, then recovery by
  symmetry into a ``scipy.sparse.csr_array``;
* a plain Python loop with ``per_element=True`` takes the element-wise path:
  one scalar trace, the OR_AND/nonlinear-interaction pattern, the same
  colouring and one dual backward sweep for all colours.

Same-run peers: ``torch.func.hessian`` of the vectorised torch Rosenbrock (when
torch is installed; dense n × n, one untimed call first); the library's dense
``hessian`` at a small n; ``coloring="distance2"`` against the default star
colouring, on Rosenbrock (3 colours each) and on an arrowhead Hessian
(n colours against 2).

Every result is checked against ``scipy.optimize.rosen_hess_prod`` (H v for random v).  Times are the
median of 3 calls (one call when it takes over a second); threads pinned to 1.  The first call in a
process pays SymPy's import and the one-time classification of the rows (which second partials
vanish); it is timed on its own at n = 10, before the other rows.
Run ``python benchmarks/bench_sparse.py [scale]``; ``scale`` multiplies the
large n (10^5 on the array path, 10^4 on the element-wise path).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # pin BLAS/OpenMP threads before NumPy is imported
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import rosen_hess_prod

try:
    import semiring_ad as sad
except ModuleNotFoundError:  # run as a script from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import semiring_ad as sad


def arrow(x: Any) -> Any:
    """An arrowhead Hessian: x0 couples with every other input, each input with itself."""
    return x[0] * sum(x[1:]) + sum(xi * xi for xi in x)


def rosen_vectorised(x: Any) -> Any:
    """Rosenbrock's function in NumPy (what a user traces with the array tracer)."""
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)


def rosen(x: Any) -> Any:
    """Rosenbrock's function as a plain Python loop (what a user traces)."""
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def timed(fn: Callable[[], Any], repeats: int = 3) -> tuple[float, Any]:
    """Median wall-clock seconds of ``repeats`` calls (a single call if the first takes over a second; 15
    calls if it takes under 50 ms, where the shared machine's noise is of the order of the call)."""
    times, out = [], None
    for _ in range(repeats if repeats == 1 else max(repeats, 15 if _first_is_fast(fn) else repeats)):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
        if times[0] > 1.0:
            break
    return statistics.median(times), out


def _first_is_fast(fn: Callable[[], Any]) -> bool:
    """One untimed call: does it take under 50 ms?"""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0 < 0.05


def max_error(H: Any, x: np.ndarray) -> float:
    """Largest |H v - rosen_hess_prod(x, v)| over two random directions (no dense n × n oracle needed)."""
    vs = np.random.default_rng(1).standard_normal((2, len(x)))
    products = [H @ v if sp.issparse(H) else np.asarray(H) @ v for v in vs]
    return max(float(np.abs(p - rosen_hess_prod(x, v)).max()) for p, v in zip(products, vs))


def torch_hessian(n: int) -> Callable[[np.ndarray], Any] | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)

    def f(x: Any) -> Any:
        return torch.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)

    hess = torch.func.hessian(f)
    return lambda x: hess(torch.from_numpy(x)).numpy()


def main(scale: float = 1.0) -> list[dict]:
    """Print and return the rows: method, n, seconds, colours, max |error| against rosen_hess."""
    rng = np.random.default_rng(0)
    big = max(1000, int(1e5 * scale))
    big_loop = max(1000, int(1e4 * scale))
    small_arrow = max(20, int(300 * min(scale, 1.0)))
    rows = []

    def add(method: str, n: int, fn: Callable[[np.ndarray], Any], f: Any = None, warm: bool = False,
            repeats: int = 3) -> float:
        x = rng.uniform(-1.5, 1.5, n)
        if warm:  # one untimed call first: lazy initialisation (torch's first call) is not the steady state
            fn(x)
        seconds, H = timed(lambda: fn(x), repeats)
        colors = getattr(H, "n_colors", "")
        error = max_error(H, x) if f is None else float(np.abs(H.toarray() - sad.hessian(f)(x)).max())
        rows.append({"method": method, "n": n, "seconds": seconds, "colors": colors, "error": error})
        return seconds

    vec = sad.hessian(rosen_vectorised, sparse=True)
    loop = sad.hessian(rosen, sparse=True, per_element=True)
    add("first call in this process (element-wise: SymPy import, rows classified once)", 10, loop, repeats=1)
    add("first call in this process (array path)", 10, vec, repeats=1)
    sparse_1000 = add("hessian(rosen_vectorised, sparse=True) (array path)", 1000, vec)
    add('hessian(rosen_vectorised, sparse=True, coloring="distance2")', 1000,
        sad.hessian(rosen_vectorised, sparse=True, coloring="distance2"))
    loop_1000 = add("hessian(rosen loop, sparse=True, per_element=True)", 1000, loop)
    peer = torch_hessian(1000)
    torch_1000 = add("torch.func.hessian (vectorised torch f, dense)", 1000, peer, warm=True) if peer else None
    add("hessian(rosen_vectorised) dense (array path: two sweeps carrying n directions)", 1000,
        sad.hessian(rosen_vectorised))
    add("hessian(rosen loop, per_element=True) dense, one dual sweep per input", 100 if scale >= 1 else 20,
        sad.hessian(rosen, per_element=True))
    add("hessian(arrow, sparse=True, per_element=True) (star)", small_arrow,
        sad.hessian(arrow, sparse=True, per_element=True), arrow)
    add('hessian(arrow, sparse=True, per_element=True, coloring="distance2")', small_arrow,
        sad.hessian(arrow, sparse=True, coloring="distance2", per_element=True), arrow)
    big_seconds = add("hessian(rosen_vectorised, sparse=True) (array path)", big, vec)
    loop_big = add("hessian(rosen loop, sparse=True, per_element=True)", big_loop, loop)

    print("| method | n | seconds | colours | max abs error (H v vs rosen_hess_prod; arrow: vs dense) |")
    print("|---|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['method']} | {r['n']:,} | {r['seconds']:.3f} | {r['colors']} | {r['error']:.1e} |")
    print()
    if torch_1000 is not None:
        ratio = torch_1000 / sparse_1000
        print(f"- n = 1000: torch.func.hessian / hessian(sparse=True) on the array path = {ratio:.1f}, target >= 10: "
              f"{'met' if ratio >= 10 else 'MISSED'} (torch warm); element-wise path: {torch_1000 / loop_1000:.2f}")
    else:
        print("- n = 1000: torch not installed, no ratio")
    print(f"- n = {big:,}, array path: {big_seconds:.2f} s, target < 1 s: {'met' if big_seconds < 1 else 'MISSED'}")
    print(f"- n = {big_loop:,}, element-wise path (8 scalar operations traced per element): {loop_big:.2f} s")
    return rows


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
