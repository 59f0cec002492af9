"""How ``backend="auto"`` chooses: a cost model in microseconds, one-time work included.

Estimates are CPU microseconds measured on the development machine (2 cores).
Per sweep: generic loop ≈ 0.3 per edge + 0.1 per node; level sweep ≈ 80 +
1.6 per level + 0.002 per edge and seed column for (+, ×), 80 + 2.5 per
level + 0.004 per edge and column otherwise; triangular solve ≈ 50 + 0.0045
per node and edge and column; Dijkstra ≈ 120 + 0.025 per edge (0.07 on wide
graphs).  Knowing which nodes stay ``None`` is free when every source (sink)
is seeded, or folded into the values (min/max: NaN marks unreached; or/and: a
3-valued code); else it adds ≈ 1.2 per level + 0.002 per edge to a level
sweep, 0.006 per edge to a triangular solve.

One-time work is priced by what is still missing on this graph and divided
by the number of sweeps the graph has seen (a graph swept once is judged with
all its setup, a graph swept often without): the loop's Python lists (0.1
per edge); the triangular solve's matrix, which is the in-edge CSR itself
(0.005 per edge); Dijkstra's CSR (0.02 per edge, plus the out-edge index
forward); and for the level sweep the out-edge index (0.02 per edge), the
levels (peeling: 0.03 per edge + 30 per level; a deep graph: one Python pass,
2 per node) and the plan (0.04 per edge + 4 per level, ELL blocks 0.05 per
edge more).  The levels are not computed just to price the level sweep: when
even a level sweep with free stages would lose, they are left alone; else
they are peeled for at most max(16, edges / 1024) rounds, and a deeper graph
is priced with its depth extrapolated from the share of nodes peeled.

So the first sweep of a fresh wide (+, ×) graph is a triangular solve (no
levels, no out-edges), and the graph moves to the level sweep once the sweeps
it has seen pay for the plan; deep, narrow graphs stay with SciPy or the
loop.  Vector seeds never go to ``"python"`` (its ``min``/``max`` cannot
compare arrays) nor to Dijkstra.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..graph import CompiledGraph
from ..semiring import Semiring
from ._engines import Request, dijkstra_sign, prepare
from ._scipy import fits_int32

__all__ = ["SMALL_EDGES", "choose_backend", "costs", "early_python", "explain_backend", "is_real_times"]

PY_EDGE, PY_NODE, LISTS_EDGE = 0.3, 0.1, 0.1
LV_FIXED, CSR_STAGE, CSR_EDGE, ELL_STAGE, ELL_EDGE = 80.0, 1.6, 0.002, 2.5, 0.004
REACH_STAGE, REACH_EDGE = 1.2, 0.002
TRI_FIXED, TRI_ELEM, BFS_EDGE, FACTOR_EDGE = 50.0, 0.0045, 0.006, 0.005
DIJKSTRA_FIXED, DIJKSTRA_EDGE, DIJKSTRA_WIDE, DIJKSTRA_SETUP = 120.0, 0.025, 0.07, 0.02
OUTS_EDGE, PEEL_EDGE, PEEL_STAGE, LOOP_NODE = 0.02, 0.03, 30.0, 2.0  # out-edge index; levels
PLAN_EDGE, PLAN_STAGE, ELL_BUILD_EDGE = 0.04, 4.0, 0.05  # the level plan, and its ELL blocks
RESTRICT_EDGE = 0.01  # cutting a cone out of the whole graph, per edge of the graph
SMALL_EDGES = 1000  # below this the generic loop wins (with setup) before any conversion is tried


def is_real_times(s: Semiring) -> bool:
    """Whether the kernels are (+, ×) on real or integer numbers."""
    k = s.kernels
    return k is not None and k.plus is np.add and k.times is np.multiply and np.dtype(k.dtype).kind in "fi"


def early_python(cg: CompiledGraph, seeds: dict[int, Any], active: np.ndarray | None) -> str | None:
    """``"python"`` when the loop certainly wins: a small graph, or a cone far cheaper to loop over
    than to cut out of the whole graph.  Never for array seeds (the loop cannot min/max arrays)."""
    if any(isinstance(v, np.ndarray) and v.ndim for v in seeds.values()):
        return None
    if cg.n_edges < SMALL_EDGES:
        return "python"
    if active is not None:
        cone_edges = len(active) * cg.n_edges / max(cg.n_nodes, 1)
        if PY_EDGE * cone_edges + PY_NODE * len(active) < LV_FIXED + RESTRICT_EDGE * cg.n_edges:
            return "python"
    return None


def _outs_missing(req: Request) -> float:
    """One-time cost of the out-edge index if not built yet."""
    return 0.0 if "outs" in req.prob.memo else OUTS_EDGE * req.prob.m


def costs(req: Request) -> dict[str, float]:
    """Estimated microseconds of each applicable backend for this request, setup spread over the uses."""
    prob, k, cg = req.prob, req.seeds.k or 1, req.cg
    uses = max(prob.uses, 1)
    real = is_real_times(req.s)
    out: dict[str, float] = {}
    if req.seeds.k is None:
        lists = 0.0 if "lists" in cg.__dict__ else LISTS_EDGE * cg.n_edges
        out["python"] = PY_EDGE * prob.m + PY_NODE * prob.n + lists / uses
    if fits_int32(prob) and real:
        setup = 0.0 if any(key[0] == "factor" for key in prob.memo) else FACTOR_EDGE * prob.m
        out["scipy"] = TRI_FIXED + TRI_ELEM * k * (prob.n + prob.m) + req.reach_needed * BFS_EDGE * prob.m
        out["scipy"] += setup / uses
    elif fits_int32(prob) and dijkstra_sign(req):  # a wide graph means a big heap: slower per edge
        built = any(key[0] == "dijkstra" and key[1] == req.direction for key in prob.memo)
        setup = 0.0 if built else DIJKSTRA_SETUP * prob.m + (_outs_missing(req) if req.direction == "forward" else 0)
        per_edge = DIJKSTRA_EDGE if prob.deep else DIJKSTRA_WIDE
        out["scipy"] = DIJKSTRA_FIXED + per_edge * prob.m + setup / uses
    level = _level_cost(req, real, k, min(out.values(), default=math.inf))
    if level is not None:
        out["numpy"] = level
    if np.dtype(req.s.kernels.dtype).kind == "i":  # a shadow sweep, then maybe a second one
        out = {name: 2 * c if name != "python" else c for name, c in out.items()}
    return out


def _level_cost(req: Request, real: bool, k: int, rival: float) -> float | None:
    """The level sweep's estimate with its missing one-time work spread over the uses; None when it
    cannot beat ``rival`` even with free stages (then the levels are not computed at all)."""
    prob, uses = req.prob, max(req.prob.uses, 1)
    stage, edge = (CSR_STAGE, CSR_EDGE) if real else (ELL_STAGE, ELL_EDGE)
    reach = req.reach_needed and not req.mode.sentinel
    built = ("plan", req.direction) in prob.memo
    plan = 0.0 if built else PLAN_EDGE * prob.m
    if not real and not (built and prob.plan(req.direction).has_ell()):
        plan += ELL_BUILD_EDGE * prob.m
    outs = _outs_missing(req)
    if prob.deep is None:  # levels not computed: is the level sweep worth pricing at all?
        floor = LV_FIXED + edge * k * prob.m + (outs + PEEL_EDGE * prob.m + plan) / uses
        if floor >= rival:
            return None
    steps = prob.estimated_stages()
    levels = 0.0 if prob.known_stages() is not None else LOOP_NODE * prob.n  # a deep graph's Python pass
    setup = outs + levels + (0.0 if built else plan + PLAN_STAGE * steps)
    cost = LV_FIXED + stage * steps + edge * k * prob.m
    if reach:
        cost += REACH_STAGE * steps + REACH_EDGE * prob.m
    return cost + setup / uses


def choose_backend(cg: CompiledGraph, semiring: Semiring, seeds: dict[int, Any], *,
                   direction: str = "forward", active: np.ndarray | None = None) -> str:
    """The backend ``backend="auto"`` runs for this sweep.

    Parameters
    ----------
    cg : CompiledGraph
        The graph.
    semiring : Semiring
        The semiring.
    seeds : dict
        Topological position → seed (scalar or 1-D array), as for :func:`semiring_ad.core.solver.sweep`.
    direction : {"forward", "backward"}
        The sweep's direction.
    active : numpy.ndarray, optional
        Sorted positions the sweep is restricted to (a cone).

    Returns
    -------
    str
        ``"numpy"`` (level sweep), ``"scipy"`` (triangular solve or Dijkstra) or
        ``"python"`` (the generic loop).

    Examples
    --------
    The first sweep of a fresh wide graph is a triangular solve (no levels to build); once the graph
    has been swept often enough to pay for the level plan, the level sweep:

    >>> import numpy as np
    >>> from semiring_ad.core.graph import CompiledGraph
    >>> from semiring_ad.core.semirings import PLUS_TIMES, SYMBOLIC
    >>> from semiring_ad.core.solver import sweep
    >>> small = CompiledGraph.from_arrays(range(3), [0, 0, 1, 2], [0, 1], [2.0, 3.0])
    >>> choose_backend(small, PLUS_TIMES, {0: 1.0}), choose_backend(small, SYMBOLIC, {0: 1})
    ('python', 'python')
    >>> rng = np.random.default_rng(0)
    >>> n = 20000
    >>> src = (rng.random((n - 1, 5)) * np.arange(1, n)[:, None]).astype(np.int64).ravel()
    >>> wide = CompiledGraph.from_arrays(range(n), np.r_[0, 0, 5 * np.arange(1, n)], src, rng.random(src.size))
    >>> choose_backend(wide, PLUS_TIMES, {0: 1.0})
    'scipy'
    >>> sweeps = 1
    >>> while sweep(wide, PLUS_TIMES, {0: 1.0}) and choose_backend(wide, PLUS_TIMES, {0: 1.0}) == "scipy":
    ...     sweeps += 1
    >>> choose_backend(wide, PLUS_TIMES, {0: 1.0}), 1 < sweeps < 200
    ('numpy', True)
    """
    return _choose(cg, semiring, seeds, direction, active)[0]


def explain_backend(cg: CompiledGraph, semiring: Semiring, seeds: dict[int, Any], *,
                    direction: str = "forward", active: np.ndarray | None = None) -> str:
    """One line: the backend ``"auto"`` runs and why (the graph's shape and the cost estimates).

    Parameters are those of :func:`choose_backend`.

    Examples
    --------
    >>> from semiring_ad.core.graph import CompiledGraph
    >>> from semiring_ad.core.semirings import PLUS_TIMES
    >>> chain = CompiledGraph.from_arrays(range(5000), [0, *range(5000)], range(4999), [0.5] * 4999)
    >>> print(explain_backend(chain, PLUS_TIMES, {0: 1.0}))  # doctest: +ELLIPSIS
    scipy: 5000 nodes, 4999 edges, levels not computed; scipy ≈ ... µs, python ≈ ... µs
    """
    name, why = _choose(cg, semiring, seeds, direction, active)
    return f"{name}: {why}"


def _choose(cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], direction: str,
            active: np.ndarray | None) -> tuple[str, str]:
    if s.kernels is None:
        return "python", f"semiring {s.name!r} has no NumPy kernels"
    if not seeds or cg.n_nodes == 0:
        return "python", "nothing to sweep"
    if early_python(cg, seeds, active):
        where = f"{cg.n_edges} edges" if active is None else f"a cone of {len(active)} of {cg.n_nodes} nodes"
        return "python", f"{where}: the generic loop costs less than converting to arrays"
    req = prepare(cg, s, dict(seeds), active, direction)
    if req is None:
        return "python", "weights or seeds do not convert to the kernel dtype without loss"
    estimates = costs(req)
    name = min(estimates.items(), key=lambda kv: kv[1])[0]
    shown = ", ".join(f"{k} ≈ {v:.0f} µs" for k, v in sorted(estimates.items(), key=lambda kv: kv[1]))
    if req.prob.deep is None:
        depth = "levels not computed"
    elif req.prob.deep:
        depth = f"deep (about {req.prob.estimated_stages()} levels, not computed)"
    else:
        depth = f"{req.prob.known_stages()} levels"
    shape = f"{req.prob.n} nodes, {req.prob.m} edges, {depth}"
    return name, f"{shape}; {shown}"
