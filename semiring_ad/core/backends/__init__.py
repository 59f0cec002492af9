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

How ``"auto"`` chooses (:func:`choose_backend` says which, :func:`explain_backend` why; the cost
model is in :mod:`._cost`):

1. Graphs under 1000 edges (and cones far smaller than the graph) go to the
   generic loop at once: converting would cost more than looping.
2. The vectorized paths must reproduce the generic loop: the semiring has
   kernels, the weights convert to the kernel dtype without loss (floats for
   PLUS_TIMES, ints that fit int64 for COUNTING, bools for OR_AND; no NaN,
   nothing outside the semiring's domain), and the seeds are real scalars or
   1-D arrays of one length.  Otherwise ``"python"``.
3. Then the cheapest estimate wins, in microseconds, with the one-time work
   still missing on this graph (out-edge index, levels, level plan, factor,
   the loop's lists) divided by the number of sweeps the graph has seen.  The
   first sweep of a fresh wide (+, ×) graph is therefore a triangular solve
   on the in-edge arrays as they are, and the graph moves to the level sweep
   once its sweeps pay for the plan; deep, narrow graphs go to ``"scipy"``
   where it applies, else ``"python"``.

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
from ._cost import SMALL_EDGES, choose_backend, costs, early_python, explain_backend, is_real_times
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


class _Base:
    """Shared ``supports``/``forward``/``backward`` of the vectorized backends."""

    name = "vectorized"

    def supports(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> bool:
        """True when the semiring has kernels and the weights and seeds convert without loss.

        Integer kernels must be (+, ×): only for those is overflow detected.
        """
        k = s.kernels
        if k is None or (np.dtype(k.dtype).kind == "i" and not is_real_times(s)):
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
        if is_real_times(s) or not seeds:
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
        return early_python(cg, seeds, None) is None and super().supports(cg, s, seeds)

    def _early(self, cg: CompiledGraph, seeds: dict[int, Any], active: np.ndarray | None) -> str | None:
        return early_python(cg, seeds, active)

    def refusal(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> str | None:
        """Why :meth:`supports` says no when the graph is merely too small (read by the solver's error)."""
        small = s.kernels is not None and early_python(cg, seeds, None)
        return (f"backend 'vectorized' leaves graphs under {SMALL_EDGES} edges to the faster generic loop; this one "
                f"has {cg.n_edges}: use backend='auto' (or 'numpy' to force arrays)") if small else None

    def _engine(self, req: Request) -> str:
        return min(costs(req).items(), key=lambda kv: kv[1])[0]


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


register_backend("vectorized", VectorizedBackend())
register_backend("numpy", NumpyBackend(), auto=False)
register_backend("scipy", ScipyBackend(), auto=False)
