"""The recorded computation: a finished tape as a graph, re-evaluated, drawn and differentiated.

A :class:`ComputationGraph` wraps a finished tape: its ``compiled`` form is the
core's :class:`~semiring_ad.core.graph.CompiledGraph` (tape order is a
topological order), ``to_networkx()`` builds the drawable view on demand, and
``at()`` re-evaluates the tape at another point — floats, NumPy arrays of
points, dual numbers or SymPy symbols — without running the function again.
``jacobian()`` solves the path problem on it (:func:`jacobian_of_graph`).

Its Jupyter drawing (``_repr_svg_``) is a view: :mod:`semiring_ad.views.dot`
attaches it when imported (``import semiring_ad`` does), so this layer never
imports a view.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np

from .._sympy import is_sympy
from ..core.graph import CompiledGraph
from ..core.modes import ad_mode
from ..core.semirings import PLUS_TIMES
from ..core.solver import sweep
from ..errors import DomainError, StaleTraceError, TraceError
from .finite import check_scalar, point_error
from .replay import Replay, check_guard, plain_constants, plan, reverse, reverse_floats
from .tape import Tape, _scalar

__all__ = ["ComputationGraph", "jacobian_of_graph"]


class ComputationGraph:
    """A recorded computation: a tape whose edges carry local partials.

    Attributes
    ----------
    inputs, outputs : list of int
        Node ids (tape positions, the same ids as in :meth:`to_networkx`).
    value : float or ndarray
        The output value(s), shaped like the function's output.
    compiled : CompiledGraph
        The core's array form, for any solver and semiring.
    """

    def __init__(self, tape: Tape, inputs: list[int], outputs: list[int], out_shape: tuple | None,
                 in_shapes: tuple, argnums: tuple[int, ...]) -> None:
        self._tape: Tape | None = tape
        self._replay: Replay | None = None  # set by at(): values and partials evaluated on demand
        self._base: ComputationGraph | None = None  # the traced graph an at() graph re-evaluates
        self.inputs = inputs
        self.outputs = outputs
        self.out_shape = out_shape
        self.in_shapes = in_shapes
        self.argnums = argnums

    def __repr__(self) -> str:
        return (f"<ComputationGraph: {len(self.inputs)} inputs, {len(self.outputs)} outputs, "
                f"{self.n_nodes} nodes, {self.n_edges} edges>")

    @property
    def tape(self) -> Tape:
        """The tape, every value and partial filled (a graph from :meth:`at` evaluates the rest now)."""
        if self._tape is None:
            self._tape = self._replay.complete(_replay_error)  # type: ignore[union-attr]
        return self._tape

    @property
    def _structure(self) -> Tape:
        """The recorded tape whose structure (ops, edges, constants) this graph shares."""
        return self._tape if self._replay is None else self._replay.base

    @property
    def n_nodes(self) -> int:
        """Number of nodes on the tape."""
        return len(self._structure)

    @property
    def n_edges(self) -> int:
        """Number of edges (one per traced argument of each operation)."""
        return len(self._structure.parents)

    @property
    def value(self) -> Any:
        """The output value(s): a float, or an array shaped like the output."""
        if self._tape is None and not self._replay.cone:  # type: ignore[union-attr]  # the outputs' ancestors only
            base = self._replay.base  # type: ignore[union-attr]
            self._replay.run(plan(base, ("values", *self.outputs), self.outputs, (), False), _replay_error)
        vals = _values(self)
        return _shape([vals[i] for i in self.outputs], self.out_shape)

    @cached_property
    def compiled(self) -> CompiledGraph:
        """The tape as a :class:`CompiledGraph` (nodes are tape positions)."""
        if self._base is not None:  # same structure, new weights
            return self._base.compiled.with_weights(self.tape.partials)
        t = self.tape
        return CompiledGraph.from_arrays(range(len(t)), np.asarray(t.ptr), np.asarray(t.parents, dtype=np.int64),
                                         t.partials)

    def labels(self) -> list[str]:
        """A name per node, Baydin's: an input's name (``x1``), the others ``v_1, v_2, …`` in tape order.

        The same names as the trace tables, ``explain`` and ``draw``.
        """
        names, n = self._structure.names, self.n_nodes
        inputs, k = set(self.inputs), iter(range(1, n + 1))
        return [names.get(i, "") if i in inputs else f"v_{next(k)}" for i in range(n)]

    def to_networkx(self) -> nx.MultiDiGraph:
        """The graph view: nodes carry ``op``, ``value``, ``label``; edges ``weight`` = ∂v/∂u.

        A ``MultiDiGraph``: ``x * x`` keeps both edges (two paths, Bauer's x + x).
        """
        t = self.tape
        G = nx.MultiDiGraph()
        for i, (op, val, lab) in enumerate(zip(t.ops, t.values, self.labels())):
            G.add_node(i, op=op or "input", value=val, label=lab)
        for v in range(len(t)):
            for k in range(t.ptr[v], t.ptr[v + 1]):
                G.add_edge(t.parents[k], v, weight=t.partials[k])
        return G

    def jacobian(self, mode: str = "auto") -> Any:
        """The Jacobian, shaped output shape + input shape (JAX convention).

        ``mode`` is ``"forward"`` (one forward sweep per input, all at once),
        ``"reverse"`` (a backward sweep per output) or ``"auto"`` (whichever
        side is smaller).
        """
        return jacobian_of_graph(self, mode)

    def at(self, *args: Any) -> ComputationGraph:
        """Re-evaluate the same tape at a new point, without running ``f`` again.

        Arguments are given as to :func:`trace` (only the traced ones).  Values
        may be floats, NumPy arrays of points (every value and partial becomes
        an array), dual numbers or SymPy expressions.

        Only the outputs' ancestors are evaluated here (values and partials,
        :mod:`semiring_ad.ad.replay`), and the values the recorded comparisons
        read; the rest of the tape when ``tape`` (or a view) is read.

        Raises
        ------
        StaleTraceError
            If a comparison recorded while tracing comes out differently here.
        """
        return self._at(args, cone=True)

    def _at(self, args: Sequence[Any], cone: bool) -> ComputationGraph:
        """:meth:`at`; with ``cone=False`` only the guards now (a derivative evaluates what it reads)."""
        flat = self._flatten_point(args)
        base = self._structure
        state = Replay(base, self.inputs, flat, plain_constants(base), check_guard)
        outs = self.outputs if cone else ()
        state.run(plan(base, ("at", *outs), outs, outs, True), _replay_error)
        state.cone = cone
        g = ComputationGraph(None, self.inputs, self.outputs, self.out_shape, self.in_shapes,  # type: ignore[arg-type]
                             self.argnums)
        g._replay, g._base = state, self._base or self
        return g

    def _flatten_point(self, args: Sequence[Any]) -> list[Any]:
        if len(args) != len(self.in_shapes):
            raise TraceError(f"at() expects {len(self.in_shapes)} argument(s), one per traced argument; "
                             f"got {len(args)}")
        if not any(self.in_shapes):  # scalars only
            return [_scalar(a) for a in args]
        flat: list[Any] = []
        for a, shape in zip(args, self.in_shapes):
            if shape is None:
                flat.append(_scalar(a))
                continue
            arr = np.asarray(a, dtype=object) if not isinstance(a, np.ndarray) else a
            if arr.shape[: len(shape)] != shape:
                raise TraceError(f"at() got an argument of shape {arr.shape}; the trace had shape {shape}")
            flat.extend(_scalar(arr[idx]) for idx in np.ndindex(shape))
        return flat


def _replay_error(prim: Any, args: list, spec: tuple, exc: Exception | None) -> DomainError:
    """The finiteness rule's error for a re-evaluated node, at the first offending point for arrays."""
    wrt = [k for k, (kind, _) in enumerate(spec) if kind == "n"]
    if any(isinstance(a, np.ndarray) for a in args):
        return point_error(prim, args, wrt, exc)
    if all(type(a) in (float, int) for a in args):
        try:
            check_scalar(prim, args, wrt)  # the same message as the tracing path
        except DomainError as err:
            return err
    if isinstance(exc, DomainError):
        return exc
    return DomainError(f"{prim.name} gave a non-finite number ({exc}); semiring_ad stops rather than return "
                       "a derivative that may be silently wrong")


def _at_every_point(g: ComputationGraph, moved: list[np.ndarray]) -> ComputationGraph:
    """``g.at(*moved)`` for :func:`~semiring_ad.ad.api.vmap_grad`, whose stale branches get its own advice."""
    try:
        return g._at(moved, cone=False)  # the gradient evaluates only what it reads
    except StaleTraceError as exc:
        raise StaleTraceError(
            f"vmap_grad traces f once, at the first point, and reuses that trace for the whole batch, but f "
            f"branches differently at another point ({exc}).  Write the branch without Python if/comparisons "
            "(np.where(cond, a, b), semiring_ad.maximum / minimum / abs / relu), or call grad(f) at each point"
        ) from None


def _values(g: ComputationGraph) -> list[Any]:
    """The graph's values list (``None`` where an at() graph has not evaluated yet; inputs are always there)."""
    return g._replay.vals if g._tape is None else g._tape.values  # type: ignore[union-attr]


def _live_partials(g: ComputationGraph) -> list[Any]:
    """The partials, those on the outputs' ancestors at least (``None`` on edges an at() graph skipped)."""
    if g._tape is not None:
        return g._tape.partials
    if g._replay.cone:  # type: ignore[union-attr]
        return g._replay.parts  # type: ignore[union-attr]
    base = g._replay.base  # type: ignore[union-attr]
    g._replay.run(plan(base, ("derive", *g.outputs), (), g.outputs, False), _replay_error)  # type: ignore[union-attr]
    return g._replay.parts  # type: ignore[union-attr]


def _live_compiled(g: ComputationGraph) -> CompiledGraph:
    """``g.compiled``, or for an at() graph its outputs' part (a skipped edge weighs 0: no path to an output)."""
    if g._tape is not None or g._base is None:
        return g.compiled
    if "_live_compiled" not in g.__dict__:
        g.__dict__["_live_compiled"] = g._base.compiled.with_weights([0.0 if w is None else w
                                                                      for w in _live_partials(g)])
    return g.__dict__["_live_compiled"]


def _scalar_output(g: ComputationGraph, name: str) -> int:
    if g.out_shape is not None:
        raise TraceError(
            f"{name} needs a function with a scalar output, but it returned shape {g.out_shape}; "
            "use jacobian (or vjp with a cotangent) for vector outputs"
        )
    return g.outputs[0]


def _float_tape(g: ComputationGraph) -> bool:
    """Whether every value and partial is a float (a float trace, or an at() graph at a float point)."""
    return (g._replay.plain if g._tape is None else not g._tape.mixed) and not g._structure.local  # type: ignore


def _adjoints(g: ComputationGraph, out: int) -> list[Any]:
    """The backward (+, ×) sweep from ``out`` (seed 1) on the tape's own lists: every node's adjoint."""
    t, partials = g._structure, _live_partials(g)
    if _float_tape(g):
        return reverse_floats(t.ptr, t.parents, partials, out, len(t))
    return reverse(t.ptr, t.parents, partials, {out: _exact(g, [1.0])[0]}, len(t))


def _exact(g: ComputationGraph, seeds: list[Any]) -> list[Any]:
    """Seeds as given, but integral floats as ints when an input is symbolic (1, not 1.0: exact results)."""
    values = _values(g)
    if not any(is_sympy(values[i]) for i in g.inputs):
        return seeds
    return [int(v) if isinstance(v, float) and v.is_integer() else v for v in seeds]


def _shape(vals: list[Any], shape: tuple | None) -> Any:
    if shape is None:
        return _finish(vals[0])
    arr = np.empty(len(vals), dtype=object)
    arr[:] = [_finish(v) for v in vals]
    arr = arr.reshape(shape)
    return _concrete(arr)


def _finish(v: Any) -> Any:
    if isinstance(v, (bool, np.bool_)):
        return v
    if isinstance(v, (int, float, np.integer, np.floating)):
        return float(v)
    return v


def _concrete(arr: np.ndarray) -> np.ndarray:
    """An object array of numbers as a float array; of numbers and float arrays (values at many
    points) as one float array with the points' axes last; anything else unchanged."""
    items = list(arr.flat)
    if not all(_is_real(v) or (isinstance(v, np.ndarray) and v.dtype != object) for v in items):
        return arr
    if all(_is_real(v) for v in items):
        return arr.astype(float)
    points = np.broadcast_shapes(*(np.shape(v) for v in items))
    stacked = np.stack([np.broadcast_to(np.asarray(v, dtype=float), points) for v in items])
    return stacked.reshape(arr.shape + points)


def _is_real(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))


def _solve(g: ComputationGraph, seeds: dict[int, Any], direction: str, semiring: Any = PLUS_TIMES,
           backend: str = "auto", cg: CompiledGraph | None = None) -> list:
    return sweep(_live_compiled(g) if cg is None else cg, semiring, seeds, direction, backend=backend)


def _float_compiled(g: ComputationGraph) -> CompiledGraph | None:
    """``g.compiled`` with float64 weights if every partial is a real number, else None.

    A float tape records float partials (the rules' integer constants are cast
    as recorded), so as one float array the vectorized backends take it in
    one sweep.  An at() graph's skipped edges weigh 0 (no path to an output).
    """
    if "_float_compiled" not in g.__dict__:
        partials = [0.0 if w is None else w for w in _live_partials(g)]
        real = all(type(w) is float or _is_real(w) for w in partials)
        g.__dict__["_float_compiled"] = (
            _live_compiled(g).with_weights(np.asarray(partials, dtype=np.float64)) if real else None)
    return g.__dict__["_float_compiled"]


def _pick(vals: list, nodes: Sequence[int]) -> list:
    return [0.0 if vals[i] is None else vals[i] for i in nodes]

def jacobian_of_graph(g: ComputationGraph, mode: str = "auto") -> Any:
    """The Jacobian of a traced graph, output shape + input shape.

    With several traced arguments their inputs are flattened into one axis.
    """
    lead = () if g.out_shape is None else g.out_shape
    tail = g.in_shapes[0] if len(g.in_shapes) == 1 else (len(g.inputs),)
    full = lead + (() if tail is None else tail)
    if len(g.outputs) == 1 and mode in ("auto", "reverse", "backward") and _float_tape(g):
        t = g._structure  # one float sweep on the tape's own lists; no arrays of points
        adj = reverse_floats(t.ptr, t.parents, _live_partials(g), g.outputs[0], len(t))
        if not full:
            return adj[g.inputs[0]]
        row = np.array([adj[i] for i in g.inputs])
        return row if len(full) == 1 else row.reshape(full)
    flat = _jacobian_matrix(g, mode)
    values = _values(g)
    arrays = [values[i] for i in g.inputs if isinstance(values[i], np.ndarray)]
    points = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    if points:  # evaluated at many points (``at`` with arrays): every entry gets the points' axes, last
        entries = [np.broadcast_to(np.asarray(e, dtype=float), points) for e in flat.flat]
        return np.stack(entries).reshape(full + points)
    return _concrete(flat.reshape(full)) if full else _finish(flat[0, 0])


def _jacobian_matrix(g: ComputationGraph, mode: str) -> np.ndarray:
    """The (m, n) Jacobian as an object array of entries."""
    n, m = len(g.inputs), len(g.outputs)
    mode = ad_mode(mode, extra=("auto",))
    if mode == "auto":
        mode = "forward" if n < m else "reverse"
    J = np.zeros((m, n), dtype=object)
    J[:] = 0.0
    seeds_from, read_at = (g.inputs, g.outputs) if mode == "forward" else (g.outputs, g.inputs)
    direction = "forward" if mode == "forward" else "backward"
    numeric = _float_compiled(g) if len(seeds_from) > 1 else None
    if numeric is not None:  # one sweep: seed i carries the unit vector e_i
        eye = np.eye(len(seeds_from))
        seeds: dict[int, Any] = {}
        for k, node in enumerate(seeds_from):
            seeds[node] = seeds.get(node, 0.0) + eye[k]
        vals = _solve(g, seeds, direction, cg=numeric)
        rows = [np.zeros(len(seeds_from)) if vals[i] is None else vals[i] for i in read_at]
        block = np.asarray(rows, dtype=float)  # (len(read_at), len(seeds_from))
        J[:] = block if mode == "forward" else block.T
        return J
    t = g._structure
    for k, node in enumerate(seeds_from):  # seed 1 (exact): SymPy weights stay exact
        if direction == "backward":  # on the tape's own lists, the outputs' part of an at() graph only
            vals = _pick(reverse(t.ptr, t.parents, _live_partials(g), {node: 1}, len(t)), read_at)
        else:
            vals = _pick(_solve(g, {node: 1}, direction), read_at)
        if mode == "forward":
            J[:, k] = vals
        else:
            J[k, :] = vals
    return J
