"""The level-synchronous sweeps (the ``"numpy"`` backend's engine).

Stage by stage (a :class:`~._plan.LevelPlan`), every target of the stage
pulls from nodes of earlier stages:

* for (+, ×) one SciPy CSR mat-vec per stage, accumulated straight into the
  stage's slice of the value array (gather, ⊗ and ⊕ fused, no padding);
* for any other ⊕/⊗ ufunc pair, per stage one gather (``take``) and one ⊗
  over the padded blocks of all its ELL groups, then per group one
  ⊕-reduce over the padded in-edge axis into the group's slice.

Values are 1-D, or ``(n + 1, k)`` for ``k`` seeds at once (a whole Jacobian in
one sweep).  Reachability (the positions the generic loop leaves ``None``) is
folded into the values where the mode has a sentinel, else it is one boolean
CSR mat-vec per stage (or ∨, ∧) — or a breadth-first search, or nothing when
every source (sink) is seeded (see :func:`~._engines.run_levels`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._convert import Mode, Seeds
from ._kernels import csr_matvec
from ._plan import LevelPlan, Problem

__all__ = ["csr_sweep", "level_reach", "level_sweep", "reduce0"]

_BIG_GROUP = 200  # pairwise logaddexps above which one exp/log pass is cheaper
_LOWEST = np.finfo(np.float64).min


def _logsumexp0(v: np.ndarray, out: np.ndarray) -> None:
    """``np.logaddexp.reduce(v, axis=0, out=out)`` as max + log(sum(exp(v - max))), in place on ``v``."""
    shift = np.maximum(np.maximum.reduce(v, axis=0), _LOWEST)  # all -inf: shift finite, result -inf
    np.subtract(v, shift, out=v)
    np.exp(v, out=v)
    total = np.add.reduce(v, axis=0)
    np.log(total, out=total)
    np.add(total, shift, out=out)


def reduce0(plus: np.ufunc, v: np.ndarray, out: np.ndarray) -> None:
    """⊕-reduce ``v`` over axis 0 into ``out`` (one exp/log pass for logaddexp on big groups)."""
    if plus is np.logaddexp and (v.shape[0] - 1) * (v.size // v.shape[0]) > _BIG_GROUP:
        _logsumexp0(v, out)
    else:
        plus.reduce(v, axis=0, out=out)


def _seed_fix(starts: np.ndarray, slots: np.ndarray, vals: np.ndarray) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Seeds on targets, by step: the step overwrites them, so their value is ⊕-ed in afterwards."""
    fix: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    on_target = slots >= starts[0] if len(starts) else np.zeros(len(slots), dtype=bool)
    if not on_target.any():
        return fix
    step = np.searchsorted(starts, slots[on_target], side="right") - 1
    for g in np.unique(step).tolist():
        sel = step == g
        fix[g] = (slots[on_target][sel], vals[on_target][sel])
    return fix


def _start(prob: Problem, plan: LevelPlan, mode: Mode, seeds: Seeds) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The value array with every slot unreached and the seeds in place; also their slots and values."""
    shape = (prob.n + 1,) if seeds.k is None else (prob.n + 1, seeds.k)
    x = np.full(shape, mode.unreached, dtype=mode.dtype)
    slots = plan.rank[seeds.pos]
    vals = mode.encode(seeds.vals)
    x[slots] = vals
    return x, slots, vals


def level_sweep(prob: Problem, direction: str, mode: Mode, tag: Any, w: np.ndarray,
                seeds: Seeds) -> tuple[np.ndarray, np.ndarray]:
    """ELL sweep for any ⊕/⊗ ufuncs; returns ``(x, rank)``: values by slot (``n + 1``) and node → slot."""
    plan = prob.plan(direction)
    stages = plan.ell().stages

    def make() -> list[np.ndarray]:
        enc = mode.encode(w)
        return plan.weights(np.concatenate((enc, np.asarray([mode.pad_weight], dtype=enc.dtype))))

    wstages = prob.cached(("ell-w", direction, tag), make)
    if seeds.k is not None:
        wstages = prob.cached(("ell-w3", direction, tag), lambda: [a[..., None] for a in wstages])
    x, slots, vals = _start(prob, plan, mode, seeds)
    fix = _seed_fix(plan.step_starts(), slots, vals)
    with np.errstate(all="ignore"):
        _ell_loop(x, stages, wstages, mode.plus, mode.times, direction == "forward", fix)
    return x, plan.rank


def _ell_loop(x: np.ndarray, stages: list, wstages: list, plus: np.ufunc, times: np.ufunc, forward: bool,
              fix: dict[int, tuple[np.ndarray, np.ndarray]]) -> None:
    """The hot loop: per stage one gather and one ⊗, per group of the stage one ⊕-reduce."""
    take, red, tail = x.take, plus.reduce, x.shape[1:]
    if plus is np.logaddexp:
        def red(v: np.ndarray, axis: int, out: np.ndarray) -> None:
            reduce0(plus, v, out)
    for (src, groups), ws in zip(stages, wstages):
        v = take(src, 0, None, "clip")
        if forward:
            times(v, ws, out=v)
        else:
            times(ws, v, out=v)
        for g, a, b, view in groups:
            if view is None:
                red(v, axis=0, out=x[a:b])
            else:
                lo, hi, shape = view
                red(v[lo:hi].reshape(shape + tail), axis=0, out=x[a:b])
            if g in fix:
                at, sv = fix[g]
                x[at] = plus(x[at], sv)


def csr_sweep(prob: Problem, direction: str, mode: Mode, tag: Any, w: np.ndarray,
              seeds: Seeds) -> tuple[np.ndarray, np.ndarray]:
    """(+, ×) sweep: one CSR mat-vec per stage, accumulated onto the (zero or seeded) targets."""
    plan = prob.plan(direction)
    data = prob.cached(("csr-w", direction, tag), lambda: np.ascontiguousarray(w[plan.edge], dtype=mode.dtype))
    x, _, _ = _start(prob, plan, mode, seeds)
    idx, ptr = plan.idx, plan.ptr
    base = plan.base
    with np.errstate(all="ignore"):
        for a, b in plan.stages:
            csr_matvec(ptr[a - base: b - base + 1], idx, data, x, x[a:b])
    return x, plan.rank


def level_reach(prob: Problem, direction: str, seed_pos: np.ndarray) -> np.ndarray:
    """Reached flags by storage slot: the same stages as boolean (∨, ∧) CSR mat-vecs."""
    plan = prob.plan(direction)
    ones = prob.cached(("csr-ones", direction), lambda: np.ones(len(plan.idx), dtype=bool))
    r = np.zeros(prob.n + 1, dtype=bool)
    r[plan.rank[seed_pos]] = True
    idx, ptr, base = plan.idx, plan.ptr, plan.base
    for a, b in plan.stages:
        csr_matvec(ptr[a - base: b - base + 1], idx, ones, r, r[a:b])
    return r
