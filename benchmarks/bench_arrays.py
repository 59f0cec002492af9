"""Benchmark: array-valued AD through the public ``semiring_ad.grad`` & co. against NumPy and torch.

The public functions take the array path (one node per array operation,
linear maps on the edges) for float NumPy arrays; that is what is measured.

Threads are pinned to one (BLAS and torch) before NumPy is imported, so the
ratios compare engines, not thread pools.  Every engine's result is checked
against the NumPy formula before it is timed.  Peers: torch (``torch.func``
and eager ``backward``, float64 tensors, one thread) when ``import torch``
works; JAX (``jax.jit`` of ``jax.grad``/``jacrev``/``jacfwd``/``hessian``, float64
via ``jax_enable_x64``, XLA pinned to one thread) when ``import jax`` works; a
peer that cannot be imported is skipped with a printed message.  JAX is not a
project extra (it is large, ~620 MB with jaxlib); install it next to the bench
extra with ``pip install -e ".[test,bench]" jax jaxlib`` (CPU wheels from PyPI).
JIT-compiled peers are compiled (and checked) before they are timed, so their
times exclude compilation.

1. **MLP** 784-256-256-10 (tanh), batch 128, softmax cross-entropy: the
   gradient with respect to all six weight arrays.  ``sad.grad`` against NumPy
   hand-written backprop, torch eager (``loss.backward()``),
   ``torch.func.grad`` and ``jax.jit(jax.grad)``.
2. **grad, f: R^1000 → R**, f(x) = Σ W2·tanh(W1·x + b1) (hidden width 100).
3. **jacrev and jacfwd, f: R^100 → R^100**, f(x) = W2·tanh(W1·x + b1): the
   array path against ``torch.func.jacrev``/``jacfwd``, the NumPy formula
   W2·diag(1 − tanh²)·W1, and the element-wise ``semiring_ad.jacrev(per_element=True)``.
4. **Overhead per recorded array operation**: a chain of ``N`` elementwise
   operations on a 1-element array, traced and differentiated; total time / N.
5. **Hessian of Rosenbrock**, vectorised NumPy code, n = 1000: ``sad.hessian``
   (forward-over-reverse: one forward sweep with n directions, one backward
   sweep over dual linear maps) against ``torch.func.hessian`` and SciPy's
   closed form ``rosen_hess``.

Times are the best of 15 rounds (40 for the MLP, 7 for the overhead), the engines of a case
interleaved round by round so that a changing load hits all of them alike.  Run
``python benchmarks/bench_arrays.py [scale]`` (``scale`` shrinks the sizes for
smoke tests).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")

import gc  # noqa: E402
import itertools  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

try:
    import semiring_ad as sad
except ModuleNotFoundError:  # run as a script from a source checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    import semiring_ad as sad

RTOL = 1e-9


def best_time(fn: Callable[[], Any], repeat: int = 5, number: int = 1) -> float:
    """Best wall time of ``number`` calls, over ``repeat`` runs, per call (gc off, as timeit)."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeat):
            t0 = time.perf_counter()
            for _ in range(number):
                fn()
            best = min(best, (time.perf_counter() - t0) / number)
    finally:
        gc.enable()
    return best


def best_times(fns: dict[str, Callable[[], Any]], repeat: int = 15, number: int = 1) -> dict[str, float]:
    """Best time per call of each engine, the engines interleaved round by round.

    Interleaving keeps the ratios fair on a shared machine whose load changes
    during the run: every engine sees the same quiet and busy moments.
    """
    best = dict.fromkeys(fns, float("inf"))
    gc.disable()
    try:
        for _ in range(repeat):
            for name, fn in fns.items():
                t0 = time.perf_counter()
                for _ in range(number):
                    fn()
                best[name] = min(best[name], (time.perf_counter() - t0) / number)
    finally:
        gc.enable()
    return best


def load_torch() -> Any:
    try:
        import torch
    except ImportError as exc:
        print(f"torch not importable ({exc}); its columns are skipped")
        return None
    torch.set_num_threads(1)
    return torch


def load_jax() -> Any:
    """JAX with float64 arrays (``XLA_FLAGS`` pins it to one thread, set at the top), or None."""
    try:
        import jax
    except ImportError as exc:
        print(f"jax not importable ({exc}); its columns are skipped (pip install jax jaxlib to add them)")
        return None
    jax.config.update("jax_enable_x64", True)
    return jax


def _jitted(jax: Any, fn: Callable[..., Any], *args: Any) -> Callable[[], Any]:
    """A timed call of the compiled ``fn`` on ``args`` (device arrays), waiting for the result."""
    return lambda: jax.block_until_ready(fn(*args))


def _check(name: str, got: Any, want: Any) -> None:
    gots = got if isinstance(got, (tuple, list)) else [got]
    for g, w in zip(gots, want if isinstance(want, (tuple, list)) else [want]):
        np.testing.assert_allclose(np.asarray(g), w, rtol=RTOL, atol=1e-12, err_msg=name)


# -- 1. MLP -----------------------------------------------------------------------------------


def mlp_problem(batch: int, widths: tuple[int, ...], seed: int = 0) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = []
    for a, b in itertools.pairwise(widths):
        params += [rng.normal(size=(a, b)) / np.sqrt(a), np.zeros(b)]
    x = rng.normal(size=(batch, widths[0]))
    y = np.eye(widths[-1])[rng.integers(0, widths[-1], size=batch)]
    return params, x, y


def mlp_loss(x: Any, y: Any, *params: Any) -> Any:
    h = x
    n = len(params) // 2
    for k in range(n):
        h = h @ params[2 * k] + params[2 * k + 1]
        if k < n - 1:
            h = np.tanh(h)
    shifted = h - np.max(h, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(y * log_probs, axis=1))


def mlp_backprop(x: np.ndarray, y: np.ndarray, *params: np.ndarray) -> list[np.ndarray]:
    """The gradient written by hand: the reference a NumPy user would write."""
    n = len(params) // 2
    acts = [x]
    h = x
    for k in range(n):
        h = h @ params[2 * k] + params[2 * k + 1]
        if k < n - 1:
            h = np.tanh(h)
        acts.append(h)
    p = np.exp(h - h.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dz = (p - y) / x.shape[0]
    grads: list[np.ndarray] = [None] * (2 * n)  # type: ignore[list-item]
    for k in range(n - 1, -1, -1):
        grads[2 * k], grads[2 * k + 1] = acts[k].T @ dz, dz.sum(axis=0)
        if k:
            dz = (dz @ params[2 * k].T) * (1 - acts[k] ** 2)
    return grads


def bench_mlp(torch: Any, jax: Any, batch: int, widths: tuple[int, ...]) -> dict[str, float]:
    params, x, y = mlp_problem(batch, widths)
    nums = tuple(range(2, 2 + len(params)))
    ours = sad.grad(mlp_loss, argnums=nums)
    want = mlp_backprop(x, y, *params)
    _check("mlp semiring_ad", ours(x, y, *params), want)
    fns = {"semiring_ad.grad": lambda: ours(x, y, *params),
           "numpy hand backprop": lambda: mlp_backprop(x, y, *params)}
    if torch is not None:
        tx, ty = torch.tensor(x), torch.tensor(y)
        tp = [torch.tensor(p) for p in params]

        def t_loss(*ps: Any) -> Any:
            h = tx
            n = len(ps) // 2
            for k in range(n):
                h = h @ ps[2 * k] + ps[2 * k + 1]
                if k < n - 1:
                    h = torch.tanh(h)
            return -(ty * torch.log_softmax(h, dim=1)).sum(dim=1).mean()

        def eager() -> Any:
            leaves = [p.detach().requires_grad_() for p in tp]
            t_loss(*leaves).backward()
            return [p.grad for p in leaves]

        fgrad = torch.func.grad(t_loss, argnums=tuple(range(len(tp))))
        _check("mlp torch eager", [g.numpy() for g in eager()], want)
        _check("mlp torch.func", [g.numpy() for g in fgrad(*tp)], want)
        fns["torch eager backward"] = eager
        fns["torch.func.grad"] = lambda: fgrad(*tp)
    if jax is not None:
        jnp = jax.numpy

        def j_loss(*ps: Any) -> Any:
            h = x
            n = len(ps) // 2
            for k in range(n):
                h = h @ ps[2 * k] + ps[2 * k + 1]
                if k < n - 1:
                    h = jnp.tanh(h)
            return -jnp.mean(jnp.sum(y * jax.nn.log_softmax(h, axis=1), axis=1))

        jgrad = jax.jit(jax.grad(j_loss, argnums=tuple(range(len(params)))))
        jp = [jnp.asarray(p) for p in params]
        _check("mlp jax", [np.asarray(g) for g in jgrad(*jp)], want)
        fns["jax.jit(jax.grad)"] = _jitted(jax, jgrad, *jp)
    return best_times(fns, repeat=40)  # ~10 ms a call: more rounds, so that a quiet moment is caught


# -- 2. and 3. the two-layer map ----------------------------------------------------------------


def two_layer(n_in: int, hidden: int, n_out: int, seed: int = 1) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(hidden, n_in)) / np.sqrt(n_in), rng.normal(size=hidden),
            rng.normal(size=(n_out, hidden)) / np.sqrt(hidden), rng.normal(size=n_in))


def bench_grad(torch: Any, jax: Any, n_in: int, hidden: int) -> dict[str, float]:
    W1, b1, W2, x = two_layer(n_in, hidden, 1)
    f = lambda v: np.sum(W2 @ np.tanh(W1 @ v + b1))  # noqa: E731
    want = W1.T @ ((1 - np.tanh(W1 @ x + b1) ** 2) * W2[0])
    g = sad.grad(f)
    _check("grad semiring_ad", g(x), want)
    fns = {"semiring_ad.grad": lambda: g(x),
           "numpy formula": lambda: W1.T @ ((1 - np.tanh(W1 @ x + b1) ** 2) * W2[0])}
    if torch is not None:
        tW1, tb1, tW2, tx = (torch.tensor(a) for a in (W1, b1, W2, x))
        tg = torch.func.grad(lambda v: (tW2 @ torch.tanh(tW1 @ v + tb1)).sum())
        _check("grad torch", tg(tx).numpy(), want)
        fns["torch.func.grad"] = lambda: tg(tx)
    if jax is not None:
        jnp = jax.numpy
        jg = jax.jit(jax.grad(lambda v: jnp.sum(W2 @ jnp.tanh(W1 @ v + b1))))
        jx = jnp.asarray(x)
        _check("grad jax", np.asarray(jg(jx)), want)
        fns["jax.jit(jax.grad)"] = _jitted(jax, jg, jx)
    return best_times(fns, number=20)


def bench_jacobian(torch: Any, jax: Any, n: int, elementwise_too: bool = True) -> dict[str, float]:
    W1, b1, W2, x = two_layer(n, n, n)
    f = lambda v: W2 @ np.tanh(W1 @ v + b1)  # noqa: E731
    want = W2 @ ((1 - np.tanh(W1 @ x + b1) ** 2)[:, None] * W1)
    jr, jf = sad.jacrev(f), sad.jacfwd(f)
    _check("jacrev", jr(x), want)
    _check("jacfwd", jf(x), want)
    fns = {"semiring_ad.jacrev": lambda: jr(x), "semiring_ad.jacfwd": lambda: jf(x),
           "numpy formula": lambda: W2 @ ((1 - np.tanh(W1 @ x + b1) ** 2)[:, None] * W1)}
    if torch is not None:
        tW1, tb1, tW2, tx = (torch.tensor(a) for a in (W1, b1, W2, x))
        tf = lambda v: tW2 @ torch.tanh(tW1 @ v + tb1)  # noqa: E731
        tjr, tjf = torch.func.jacrev(tf), torch.func.jacfwd(tf)
        _check("torch jacrev", tjr(tx).numpy(), want)
        _check("torch jacfwd", tjf(tx).numpy(), want)
        fns["torch.func.jacrev"] = lambda: tjr(tx)
        fns["torch.func.jacfwd"] = lambda: tjf(tx)
    if jax is not None:
        jnp = jax.numpy
        jf_ = lambda v: W2 @ jnp.tanh(W1 @ v + b1)  # noqa: E731
        jjr, jjf, jx = jax.jit(jax.jacrev(jf_)), jax.jit(jax.jacfwd(jf_)), jnp.asarray(x)
        _check("jax jacrev", np.asarray(jjr(jx)), want)
        _check("jax jacfwd", np.asarray(jjf(jx)), want)
        fns["jax.jit(jax.jacrev)"] = _jitted(jax, jjr, jx)
        fns["jax.jit(jax.jacfwd)"] = _jitted(jax, jjf, jx)
    row = best_times(fns, number=10)
    if elementwise_too:  # object arrays of scalar tracers: far too slow to interleave
        g = lambda v: W2 @ np.tanh(W1 @ v + b1)  # noqa: E731
        ew = sad.jacrev(g, per_element=True)
        _check("element-wise jacrev", ew(x), want)
        row["semiring_ad.jacrev(per_element=True)"] = best_time(lambda: ew(x), repeat=2)
    return row


# -- 4. overhead per operation --------------------------------------------------------------------


def bench_overhead(n_ops: int) -> dict[str, float]:
    def chain(v: Any) -> Any:
        for _ in range(n_ops // 2):
            v = np.sin(v) * 1.0001
        return np.sum(v)

    x = np.array([0.3])
    g = sad.grad(chain)
    t = best_times({"ours": lambda: g(x), "plain": lambda: chain(x)}, repeat=7)
    return {"µs per op (trace + backward)": t["ours"] / n_ops * 1e6,
            "µs per op (plain NumPy)": t["plain"] / n_ops * 1e6}


# -- 5. Hessian of Rosenbrock ----------------------------------------------------------------------


def rosenbrock(x: Any) -> Any:
    return np.sum(100 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def bench_hessian(torch: Any, jax: Any, n: int) -> dict[str, float]:
    from scipy.optimize import rosen_hess

    x = np.random.default_rng(3).normal(size=n)
    want = rosen_hess(x)
    h = sad.hessian(rosenbrock)
    _check("hessian semiring_ad", h(x), want)
    fns = {"semiring_ad.hessian": lambda: h(x), "scipy rosen_hess (closed form)": lambda: rosen_hess(x)}
    if torch is not None:
        th = torch.func.hessian(lambda v: (100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2).sum())
        tx = torch.tensor(x)
        _check("hessian torch", th(tx).numpy(), want)
        fns["torch.func.hessian"] = lambda: th(tx)
    if jax is not None:
        jh, jx = jax.jit(jax.hessian(rosenbrock)), jax.numpy.asarray(x)  # rosenbrock is array-generic
        _check("hessian jax", np.asarray(jh(jx)), want)
        fns["jax.jit(jax.hessian)"] = _jitted(jax, jh, jx)
    return best_times(fns, repeat=7)


def _table(title: str, row: dict[str, float], ref: str, unit: float = 1e3, label: str = "ms") -> str:
    lines = [f"\n{title}", f"| engine | {label} | ratio to {ref} |", "|---|---:|---:|"]
    for name, t in row.items():
        ratio = f"{t / row[ref]:.2f}×" if ref in row else ""
        lines.append(f"| {name} | {t * unit:.3f} | {ratio} |")
    return "\n".join(lines)


def main(scale: float = 1.0) -> dict[str, Any]:
    """Run every case (``scale`` < 1 shrinks the sizes), print the tables, return the timings."""
    torch, jax = load_torch(), load_jax()
    width = max(4, int(256 * scale))
    widths = (max(4, int(784 * scale)), width, width, 10)
    batch = max(4, int(128 * scale))
    n_grad, n_jac = max(4, int(1000 * scale)), max(4, int(100 * scale))
    out = {
        "mlp": bench_mlp(torch, jax, batch, widths),
        "grad": bench_grad(torch, jax, n_grad, max(4, int(100 * scale))),
        "jacobian": bench_jacobian(torch, jax, n_jac),
        "overhead": bench_overhead(max(20, int(2000 * scale))),
        "hessian": bench_hessian(torch, jax, max(4, int(1000 * scale))),
    }
    print(f"threads pinned to 1; numpy {np.__version__}" + (f"; torch {torch.__version__}" if torch else "")
          + (f"; jax {jax.__version__} (x64, jit, compile time excluded)" if jax else ""))
    print(_table(f"1. MLP {'-'.join(map(str, widths))}, batch {batch}: gradient of all weights",
                 out["mlp"], "numpy hand backprop"))
    ours = out["mlp"]["semiring_ad.grad"]
    peers = [p for p in ("numpy hand backprop", "torch eager backward", "jax.jit(jax.grad)") if p in out["mlp"]]
    print("semiring_ad.grad / " + ", / ".join(f"{p} = {ours / out['mlp'][p]:.2f}×" for p in peers)
          + " (targets ≤ 1.3×, ≤ 1.0×, ≤ 2×)")
    print(_table(f"2. grad of f: R^{n_grad} -> R", out["grad"], "torch.func.grad" if torch else "numpy formula"))
    print(_table(f"3. Jacobian of f: R^{n_jac} -> R^{n_jac}", out["jacobian"],
                 "torch.func.jacrev" if torch else "numpy formula"))
    print("\n4. overhead per recorded array operation: "
          + ", ".join(f"{k} = {v:.2f}" for k, v in out["overhead"].items()))
    print(_table(f"5. Hessian of Rosenbrock, n = {max(4, int(1000 * scale))}", out["hessian"],
                 "torch.func.hessian" if torch else "scipy rosen_hess (closed form)"))
    return out


if __name__ == "__main__":
    main(float(sys.argv[1]) if len(sys.argv) > 1 else 1.0)
