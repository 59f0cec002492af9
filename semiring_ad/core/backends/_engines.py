"""Prepared requests and the ways to run them: level sweep, whole-graph SciPy, exact counting.

Every engine returns ``(values, reached, slot)``: values by storage slot,
reached flags by slot (None: all reached) and the slot of each problem node
(None: identity).  :func:`finish` maps that back to positions of the
compiled graph as a :class:`~._result.SweepResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, partial
from typing import Any

import numpy as np

from ..graph import CompiledGraph
from ..semiring import Semiring
from ..semirings import PLUS_TIMES
from ._convert import Mode, Seeds, convert_seeds, kernel_weights, mode_of
from ._levels import csr_sweep, level_reach, level_sweep
from ._plan import Problem, problem_of, restrict
from ._result import SweepResult
from ._scipy import bfs_reach, dijkstra_sweep, triangular_solve

__all__ = [
    "CountingOverflow",
    "Request",
    "dijkstra_sign",
    "finish",
    "prepare",
    "run_counting",
    "run_levels",
    "run_scipy",
]

Engine = Callable[["Request", Mode, np.ndarray, Seeds, tuple, bool], tuple]
"""``engine(request, mode, weights, seeds, cache tag, reach?) -> (values, reached, slot)``."""
_FLOAT_EXACT = 2.0**52  # float64 sums of integers below 2**53 are exact; one bit of margin for rounding
_INT64_SAFE = 2.0**62
_BFS_SHARE = 0.15  # below this share of non-zero values, search from the seeds instead of sweeping all levels


class CountingOverflow(ArithmeticError):
    """An exact count would not fit int64; the caller falls back to Python integers."""


@dataclass
class Request:
    """One sweep, converted: the (possibly restricted) problem, weights and seeds in kernel dtype."""

    cg: CompiledGraph
    s: Semiring
    direction: str
    prob: Problem
    w: np.ndarray
    seeds: Seeds
    mode: Mode

    @cached_property
    def reach_needed(self) -> bool:
        """Whether some node may be unreached (else the reached flags are skipped)."""
        return not self.prob.all_reached(self.direction, self.seeds.pos)


def prepare(cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None,
            direction: str) -> Request | None:
    """Convert weights and seeds, restrict to the cone; None when the vectorized path cannot be exact."""
    k = s.kernels
    if k is None or (np.dtype(k.dtype).kind == "i" and not (k.plus is np.add and k.times is np.multiply)):
        return None  # integer kernels other than (+, ×): wrap-around could not be ruled out
    w = kernel_weights(cg, s)
    conv = convert_seeds(s, seeds) if w is not None else None
    if conv is None:
        return None
    prob = problem_of(cg)
    if active is not None:
        prob = restrict(prob, np.asarray(active, dtype=np.int64), conv.pos, direction)
        w = w[prob.edge_ids]
        conv = Seeds(np.searchsorted(prob.nodes, conv.pos), conv.vals, conv.k)
    return Request(cg, s, direction, prob, w, conv, mode_of(s))


def run_levels(req: Request, mode: Mode, w: np.ndarray, seeds: Seeds, tag: tuple, reach: bool) -> tuple:
    """The level-synchronous sweep: CSR mat-vecs for (+, ×), ELL gather/⊗/reduce otherwise."""
    sweep = csr_sweep if mode.plus is np.add and mode.times is np.multiply else level_sweep
    x, rank = sweep(req.prob, req.direction, mode, tag, w, seeds)
    values, reached = mode.decode(x)
    if reached is None and reach:  # unreached slots hold the zero: search only when the flags are asked for
        reached = partial(_reach_by_slot, req, x, mode, rank, seeds.pos)
    return values, reached, rank[:-1]


def _reach_by_slot(req: Request, x: np.ndarray, mode: Mode, rank: np.ndarray, seed_pos: np.ndarray) -> np.ndarray:
    """Reached flags by slot: a breadth-first search if few nodes are reached, else a boolean level sweep.

    An unreached node keeps exactly the semiring's zero (the domain check makes zero ⊗ w = zero),
    so the non-zero values bound the reached set from below and tell which search is cheaper.
    """
    column = x if x.ndim == 1 else x[:, 0]
    if np.count_nonzero(column != mode.unreached) < _BFS_SHARE * req.prob.n:
        flags = np.zeros(len(rank), dtype=bool)
        flags[rank[:-1]] = bfs_reach(req.prob, req.direction, seed_pos)
        return flags
    return level_reach(req.prob, req.direction, seed_pos)


def dijkstra_sign(req: Request) -> float:
    """+1 for (min, +), −1 for (max, +) (negated), 0 if Dijkstra cannot give this sweep exactly.

    Needs scalar seeds and finite weights and seeds of one sign: ≥ 0 for min, ≤ 0 for max.
    """
    k = req.s.kernels
    if k.times is not np.add or k.plus not in (np.minimum, np.maximum) or req.seeds.k is not None:
        return 0.0
    sign = 1.0 if k.plus is np.minimum else -1.0
    ok = req.prob.cached(("dijkstra-ok", sign), lambda: bool(np.all(np.isfinite(req.w) & (sign * req.w >= 0))))
    vals = req.seeds.vals
    return sign if ok and bool(np.all(np.isfinite(vals) & (sign * vals >= 0))) else 0.0


def run_scipy(req: Request, mode: Mode, w: np.ndarray, seeds: Seeds, tag: tuple, reach: bool) -> tuple:
    """One whole-graph SciPy call: triangular solve for (+, ×), Dijkstra for (min, +)/(max, +)."""
    sign = dijkstra_sign(req) if mode.plus is not np.add else 0.0
    if sign:
        dist = dijkstra_sweep(req.prob, req.direction, tag, w, sign, seeds.pos, seeds.vals)
        return sign * dist, np.isfinite(dist), None
    b = np.zeros((req.prob.n,) if seeds.k is None else (req.prob.n, seeds.k))
    b[seeds.pos] = seeds.vals
    x = triangular_solve(req.prob, req.direction, tag, w.astype(np.float64, copy=False), b)
    reached = partial(bfs_reach, req.prob, req.direction, seeds.pos) if reach else None  # x is 0 where unreached
    return x, reached, None


def run_counting(req: Request, engine: Engine) -> tuple:
    """Exact integer path sums without wrap-around.

    A float64 *shadow* sweep with |weights| and |seeds| bounds every partial
    sum and product the exact computation forms.  Below 2**52 float64
    arithmetic on these integers is exact, so the shadow (all inputs
    non-negative) or one signed float64 sweep is the answer; below 2**62 an
    int64 level sweep cannot overflow; above, :class:`CountingOverflow`.
    """
    fmode, reach = mode_of(PLUS_TIMES), req.reach_needed
    w_abs, s_abs = np.abs(req.w).astype(np.float64), np.abs(req.seeds.vals).astype(np.float64)
    shadow, reached, slot = engine(req, fmode, w_abs, Seeds(req.seeds.pos, s_abs, req.seeds.k), ("abs",), reach)
    reached = reached() if callable(reached) else reached
    bound = float(shadow.max(initial=0.0))
    if bound < _FLOAT_EXACT:
        if (req.w < 0).any() or (req.seeds.vals < 0).any():
            signed = Seeds(req.seeds.pos, req.seeds.vals.astype(np.float64), req.seeds.k)
            shadow, _, slot = engine(req, fmode, req.w.astype(np.float64), signed, ("signed",), False)
        return shadow.astype(np.int64), reached, slot
    if bound < _INT64_SAFE:
        values, _, slot = run_levels(req, req.mode, req.w, req.seeds, ("int64",), False)
        if reached is not None and len(reached) != len(values):  # shadow used another slot order
            reached = _reorder(reached, slot)
        return values, reached, slot
    raise CountingOverflow(f"path counts reach about {bound:.3g}, beyond int64")


def _reorder(reached: np.ndarray, slot: np.ndarray) -> np.ndarray:
    """Reached flags by node → by storage slot (plus an unreached dummy slot)."""
    out = np.zeros(len(slot) + 1, dtype=bool)
    out[slot] = reached[: len(slot)]
    return out


def finish(req: Request, values: np.ndarray, reached: np.ndarray | None, slot: np.ndarray | None) -> SweepResult:
    """Map engine output back to positions of the compiled graph."""
    nodes = req.prob.nodes
    if nodes is None:
        return SweepResult(values, reached, slot, req.s.zero)
    n = req.prob.n
    dummy = len(values)  # every node outside the cone reads this slot: the zero, unreached
    values = np.concatenate((values, np.full((1, *values.shape[1:]), req.s.zero, dtype=values.dtype)))
    index = np.full(req.cg.n_nodes, dummy, dtype=np.int64)
    index[nodes] = np.arange(n) if slot is None else slot
    if callable(reached):
        return SweepResult(values, partial(_with_dummy, reached, dummy), index, req.s.zero)
    return SweepResult(values, _with_dummy(reached, dummy), index, req.s.zero)


def _with_dummy(reached: np.ndarray | Callable[[], np.ndarray] | None, dummy: int) -> np.ndarray:
    """Reached flags by slot with the unreached dummy slot appended."""
    flags = reached() if callable(reached) else reached
    return np.append(np.ones(dummy, dtype=bool) if flags is None else flags, False)
