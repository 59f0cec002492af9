"""Vectorized solver backends for semirings that declare NumPy kernels.

This package owns the fast paths of the path solver: everything that turns a
:class:`~semiring_ad.core.graph.CompiledGraph` into NumPy/SciPy calls.  Importing it
registers three backends with :func:`semiring_ad.core.solver.register_backend`:

``"numpy"`` (:class:`NumpyBackend`)
    The level-synchronous sweep, stage by stage over topological levels
    (backward: the same levels in reverse).  For (+, ×) a stage is one SciPy
    CSR mat-vec; for any other ⊕/⊗ pair it is, per group of similar-degree
    targets, a gather, a ⊗ with the weights and a ⊕-reduce over a padded
    in-edge axis (so no empty ``reduceat`` segments).  Any semiring with
    kernels: PLUS_TIMES, MIN_PLUS, MAX_PLUS, MAX_TIMES, OR_AND, LOG, COUNTING.
    Seeds that are 1-D arrays of one length ``k`` make the values ``(n, k)``:
    a whole Jacobian per sweep.
``"scipy"`` (:class:`ScipyBackend`)
    One compiled whole-graph call: a sparse unit-triangular solve for (+, ×)
    ((I − M) α = s forward, its transpose backward), Dijkstra for (min, +)
    with non-negative weights and seeds (and (max, +) with non-positive ones).
``"vectorized"`` (:class:`VectorizedBackend`, the one ``backend="auto"`` tries)
    Runs ``"numpy"``, ``"scipy"`` or the generic ``"python"`` loop, per call.

How ``"auto"`` chooses (:func:`choose_backend` says which, :func:`explain_backend` why):

1. Graphs under 1000 edges (and cones far smaller than the graph) go to the
   generic loop at once: converting would cost more than looping.
2. The vectorized paths must reproduce the generic loop: the semiring has
   kernels, the weights convert to the kernel dtype without loss (floats for
   PLUS_TIMES, ints that fit int64 for COUNTING, bools for OR_AND; no NaN,
   nothing outside the semiring's domain), and the seeds are real scalars or
   1-D arrays of one length.  Otherwise ``"python"``.
3. Then a cost model, in microseconds of CPU time measured on the development
   machine (2 cores): generic loop ≈ 0.3 per edge + 0.1 per node; level
   sweep ≈ 80 + 1.6 per level + 0.003 per edge and seed column for (+, ×),
   80 + 2.5 per level + 0.005 per edge and column otherwise; triangular
   solve ≈ 50 + 0.01 per node and edge and column; Dijkstra ≈ 120 + 0.025 per
   edge (0.07 on wide graphs).  Knowing which nodes stay ``None`` is free when
   every source (sink) is seeded, or folded into the values (min/max: NaN
   marks unreached; or/and: a 3-valued code); else it adds ≈ 1.2 per level +
   0.002 per edge to a level sweep (a breadth-first search instead when the
   values show that few nodes are reached), 0.006 per edge to a triangular
   solve.
   One-time work (the level plan ≈ 0.08 per edge + 4 per level, the
   triangular factor, the loop's Python lists) is divided by the number of
   sweeps the graph has seen, so a graph swept once is judged with its setup
   and a graph swept repeatedly without.  The levels themselves are peeled
   with a few NumPy calls per level, at most max(16, edges / 1024) levels: a
   deeper graph is *deep*, and the level sweep is considered for it only from
   its second sweep on (or for vector seeds), when the levels are worth
   computing.  The cheapest estimate wins: wide graphs → ``"numpy"``; deep,
   narrow graphs → ``"scipy"`` where it applies, else ``"python"``.  Vector
   seeds never go to ``"python"`` (its ``min``/``max`` cannot compare arrays)
   nor to Dijkstra.

COUNTING never wraps around: a float64 shadow sweep with |weights| bounds
every intermediate (see :func:`~._engines.run_counting`); counts that would
not fit int64 are recomputed with exact Python integers by the generic loop,
under every backend name, so every backend returns exact ints.

Results are :class:`SweepResult` objects: list-like (``None`` for unreached
positions, Python scalars or 1-D rows) with :meth:`SweepResult.to_numpy`.
Everything derived from a graph (converted weights, levels, plans, factors)
is cached on the :class:`~semiring_ad.core.graph.CompiledGraph` (``__dict__``), so
repeated sweeps pay for it once; a cone (``active``) is cut out per call.

Examples
--------
>>> import numpy as np
>>> from semiring_ad.core.graph import CompiledGraph
>>> from semiring_ad.core.semirings import PLUS_TIMES, MIN_PLUS
>>> from semiring_ad.core.solver import sweep
>>> cg = CompiledGraph.from_arrays("xyab", [0, 0, 0, 2, 3], [0, 1, 2], [2.0, 3.0, 0.5])
>>> list(sweep(cg, PLUS_TIMES, {0: 1.0}, backend="numpy"))
[1.0, None, 2.0, 1.0]
>>> list(sweep(cg, MIN_PLUS, {3: 0.0}, "backward", backend="scipy"))
[2.5, 3.5, 0.5, 0.0]
>>> J = sweep(cg, PLUS_TIMES, {0: np.array([1.0, 0.0]), 1: np.array([0.0, 1.0])}, backend="numpy")
>>> J[3]
array([1. , 1.5])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..graph import CompiledGraph
from ..semiring import Semiring
from ..solver import PythonBackend, register_backend
from ._convert import Seeds, convert_seeds, kernel_weights
from ._engines import (
    CountingOverflow,
    Engine,
    Request,
    dijkstra_sign,
    finish,
    prepare,
    run_counting,
    run_levels,
    run_scipy,
)
from ._result import SweepResult
from ._scipy import fits_int32

__all__ = [
    "NumpyBackend",
    "ScipyBackend",
    "SweepResult",
    "VectorizedBackend",
    "choose_backend",
    "explain_backend",
]

# the cost model, microseconds (see the module docstring)
PY_EDGE, PY_NODE = 0.3, 0.1
LV_FIXED, CSR_STAGE, CSR_EDGE, ELL_STAGE, ELL_EDGE = 80.0, 1.6, 0.003, 2.5, 0.005
REACH_STAGE, REACH_EDGE = 1.2, 0.002
TRI_FIXED, TRI_ELEM, BFS_EDGE = 50.0, 0.01, 0.006
DIJKSTRA_FIXED, DIJKSTRA_EDGE, DIJKSTRA_WIDE = 120.0, 0.025, 0.07
RESTRICT_EDGE = 0.01  # cutting a cone out of the whole graph, per edge of the graph
SETUP_EDGE, SETUP_STAGE, LISTS_EDGE = 0.08, 4.0, 0.1  # one-time plans and factors; the loop's Python lists
SMALL_EDGES = 1000  # below this the generic loop wins (with setup) before any conversion is tried


def _is_real_times(s: Semiring) -> bool:
    k = s.kernels
    return k is not None and k.plus is np.add and k.times is np.multiply and np.dtype(k.dtype).kind in "fi"


class _Base:
    """Shared ``supports``/``forward``/``backward`` of the vectorized backends."""

    name = "vectorized"

    def supports(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> bool:
        """True when the semiring has kernels and the weights and seeds convert without loss.

        Integer kernels must be (+, ×): only for those is overflow detected.
        """
        k = s.kernels
        if k is None or (np.dtype(k.dtype).kind == "i" and not _is_real_times(s)):
            return False
        return kernel_weights(cg, s) is not None and convert_seeds(s, seeds) is not None

    def forward(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None) -> Any:
        """α by topological position (``None`` where unreached); see :func:`semiring_ad.core.solver.sweep`."""
        return self._run(cg, s, seeds, active, "forward")

    def backward(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None) -> Any:
        """β by topological position (``None`` where unreached)."""
        return self._run(cg, s, seeds, active, "backward")

    def _engine(self, req: Request) -> str:
        raise NotImplementedError

    def _early(self, cg: CompiledGraph, seeds: dict[int, Any], active: np.ndarray | None) -> str | None:
        """A decision taken before converting anything (None: convert, then :meth:`_engine`)."""
        return None

    def _run(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None,
             direction: str) -> Any:
        if not seeds or cg.n_nodes == 0:
            return [None] * cg.n_nodes
        if self._early(cg, seeds, active) == "python":
            return _python(cg, s, seeds, active, direction)
        req = prepare(cg, s, seeds, active, direction)
        if req is None:
            raise ValueError(f"backend {self.name!r} cannot solve semiring {s.name!r} with these weights "
                             "and seeds exactly; use backend='auto' or 'python'")
        req.prob.uses += 1
        name = self._engine(req)
        if name == "python":
            return _python(cg, s, seeds, active, direction)
        engine: Engine = run_scipy if name == "scipy" else run_levels
        if np.dtype(s.kernels.dtype).kind != "i":
            return finish(req, *engine(req, req.mode, req.w, req.seeds, (req.mode.key,), req.reach_needed))
        try:
            return finish(req, *run_counting(req, engine))
        except CountingOverflow:
            return _python(cg, s, seeds, active, direction)


class NumpyBackend(_Base):
    """The level-synchronous sweep, always (``backend="numpy"``).

    Examples
    --------
    >>> from semiring_ad.core.semirings import COUNTING
    >>> from semiring_ad.core.graph import CompiledGraph
    >>> cg = CompiledGraph.from_arrays("abc", [0, 0, 2, 3], [0, 0, 1], [1, 1, 1])
    >>> list(NumpyBackend().forward(cg, COUNTING, {0: 1}, None))
    [1, 2, 2]
    """

    name = "numpy"

    def _engine(self, req: Request) -> str:
        return "numpy"


class ScipyBackend(_Base):
    """One whole-graph SciPy call (``backend="scipy"``): triangular solve for (+, ×), Dijkstra for
    (min, +) with non-negative (or (max, +) with non-positive) finite weights and scalar seeds.

    Supports PLUS_TIMES and COUNTING (exact, see :func:`~._engines.run_counting`) always, MIN_PLUS
    and MAX_PLUS when the signs allow.
    """

    name = "scipy"

    def supports(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> bool:
        """True for (+, ×) kernels, and for (min, +)/(max, +) whose weights and seeds suit Dijkstra."""
        if not super().supports(cg, s, seeds):
            return False
        if _is_real_times(s) or not seeds:
            return True
        req = prepare(cg, s, dict(seeds), None, "forward")
        return req is not None and bool(dijkstra_sign(req))

    def _engine(self, req: Request) -> str:
        return "scipy" if fits_int32(req.prob) else "numpy"


class VectorizedBackend(_Base):
    """What ``backend="auto"`` runs: ``"numpy"``, ``"scipy"`` or ``"python"`` by cost (:func:`choose_backend`).

    Small graphs and small cones go to the generic loop before any conversion
    is tried, so ``"auto"`` costs nothing extra where the loop is the answer.
    """

    name = "vectorized"

    def supports(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> bool:
        """As the other vectorized backends, but False outright for small graphs (the loop wins)."""
        return _early_python(cg, seeds, None) is None and super().supports(cg, s, seeds)

    def _early(self, cg: CompiledGraph, seeds: dict[int, Any], active: np.ndarray | None) -> str | None:
        return _early_python(cg, seeds, active)

    def refusal(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> str | None:
        """Why :meth:`supports` says no when the graph is merely too small (read by the solver's error)."""
        small = s.kernels is not None and _early_python(cg, seeds, None)
        return (f"backend 'vectorized' leaves graphs under {SMALL_EDGES} edges to the faster generic loop; this one "
                f"has {cg.n_edges}: use backend='auto' (or 'numpy' to force arrays)") if small else None

    def _engine(self, req: Request) -> str:
        return min(_costs(req).items(), key=lambda kv: kv[1])[0]


def _early_python(cg: CompiledGraph, seeds: dict[int, Any], active: np.ndarray | None) -> str | None:
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


def _costs(req: Request) -> dict[str, float]:
    """Estimated microseconds of each applicable backend for this request, setup spread over the uses."""
    prob, k, cg = req.prob, req.seeds.k or 1, req.cg
    reach = req.reach_needed
    real = _is_real_times(req.s)
    costs: dict[str, float] = {}
    if req.seeds.k is None:
        lists = 0.0 if "lists" in cg.__dict__ else LISTS_EDGE * cg.n_edges
        costs["python"] = PY_EDGE * prob.m + PY_NODE * prob.n + lists / max(prob.uses, 1)
    if fits_int32(prob) and real:
        setup = 0.0 if any(key[0] == "factor" for key in prob.memo) else SETUP_EDGE * prob.m
        costs["scipy"] = TRI_FIXED + TRI_ELEM * k * (prob.n + prob.m) + reach * BFS_EDGE * prob.m
        costs["scipy"] += setup / max(prob.uses, 1)
    elif fits_int32(prob) and dijkstra_sign(req):  # a wide graph means a big heap: slower per edge
        costs["scipy"] = DIJKSTRA_FIXED + (DIJKSTRA_WIDE if prob.cheap_levels() else DIJKSTRA_EDGE) * prob.m
    if _levels_worth_it(req, costs):
        costs["numpy"] = _level_cost(req, real, reach, k)
    if np.dtype(req.s.kernels.dtype).kind == "i":  # a shadow sweep, then maybe a second one
        costs = {name: 2 * c if name != "python" else c for name, c in costs.items()}
    return costs


def _levels_worth_it(req: Request, costs: dict[str, float]) -> bool:
    """Whether to cost the level sweep: its levels are cheap (not a deep graph), or needed anyway
    (vector seeds), or the graph is being swept again and nothing whole-graph applies."""
    prob = req.prob
    if prob.cheap_levels() or req.seeds.k is not None:
        return True
    return prob.uses >= 2 and "scipy" not in costs


def _level_cost(req: Request, real: bool, reach: bool, k: int) -> float:
    """The level sweep's estimate, with the plan's one-time construction spread over the uses."""
    prob = req.prob
    steps = prob.n_stages()
    stage, edge = (CSR_STAGE, CSR_EDGE) if real else (ELL_STAGE, ELL_EDGE)
    cost = LV_FIXED + stage * steps + edge * k * prob.m
    if reach and not req.mode.sentinel:
        cost += REACH_STAGE * steps + REACH_EDGE * prob.m
    built = ("plan", req.direction) in prob.memo and (real or prob.plan(req.direction).has_ell())
    setup = 0.0 if built else SETUP_EDGE * prob.m + SETUP_STAGE * steps
    return cost + setup / max(prob.uses, 1)


def _python(cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None,
            direction: str) -> list:
    """The generic loop; vector seeds run once per column (its ``min``/``max`` cannot take arrays)."""
    py = PythonBackend()
    run = py.forward if direction == "forward" else py.backward
    conv = convert_seeds(s, seeds)
    if conv is None or conv.k is None:
        return run(cg, s, seeds, active)
    cols = [run(cg, s, {p: v[j] for p, v in zip(seeds, _rows(conv))}, active) for j in range(conv.k)]
    return [None if col[0] is None else np.array(list(col), dtype=object) for col in zip(*cols)]


def _rows(conv: Seeds) -> list:
    return [row.tolist() for row in conv.vals]


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
    >>> import numpy as np
    >>> from semiring_ad.core.graph import CompiledGraph
    >>> from semiring_ad.core.semirings import PLUS_TIMES
    >>> from semiring_ad.core.semirings import SYMBOLIC
    >>> small = CompiledGraph.from_arrays(range(3), [0, 0, 1, 2], [0, 1], [2.0, 3.0])
    >>> choose_backend(small, PLUS_TIMES, {0: 1.0}), choose_backend(small, SYMBOLIC, {0: 1})
    ('python', 'python')
    >>> rng = np.random.default_rng(0)
    >>> n = 20000
    >>> src = (rng.random((n - 1, 5)) * np.arange(1, n)[:, None]).astype(np.int64).ravel()
    >>> wide = CompiledGraph.from_arrays(range(n), np.r_[0, 0, 5 * np.arange(1, n)], src, rng.random(src.size))
    >>> choose_backend(wide, PLUS_TIMES, {0: 1.0})
    'numpy'
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
    scipy: 5000 nodes, 4999 edges, deep (levels not computed); scipy ≈ ... µs, python ≈ ... µs
    """
    name, why = _choose(cg, semiring, seeds, direction, active)
    return f"{name}: {why}"


def _choose(cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], direction: str,
            active: np.ndarray | None) -> tuple[str, str]:
    if s.kernels is None:
        return "python", f"semiring {s.name!r} has no NumPy kernels"
    if not seeds or cg.n_nodes == 0:
        return "python", "nothing to sweep"
    if _early_python(cg, seeds, active):
        where = f"{cg.n_edges} edges" if active is None else f"a cone of {len(active)} of {cg.n_nodes} nodes"
        return "python", f"{where}: the generic loop costs less than converting to arrays"
    req = prepare(cg, s, dict(seeds), active, direction)
    if req is None:
        return "python", "weights or seeds do not convert to the kernel dtype without loss"
    costs = _costs(req)
    name = min(costs.items(), key=lambda kv: kv[1])[0]
    shown = ", ".join(f"{k} ≈ {v:.0f} µs" for k, v in sorted(costs.items(), key=lambda kv: kv[1]))
    stages = req.prob.known_stages()
    depth = f"{stages} levels" if stages is not None else "deep (levels not computed)"
    shape = f"{req.prob.n} nodes, {req.prob.m} edges, {depth}"
    return name, f"{shape}; {shown}"


register_backend("vectorized", VectorizedBackend())
register_backend("numpy", NumpyBackend(), auto=False)
register_backend("scipy", ScipyBackend(), auto=False)
