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

import contextlib
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
from .dispatch import FLOAT, namespace_for
from .finite import RAISE, check_scalar, check_tape, point_error
from .primitives import PRIMITIVES
from .tape import _COMPARISONS, Tape, _scalar

__all__ = ["ComputationGraph", "jacobian_of_graph"]

_FLOATS_ONLY = contextlib.nullcontext()


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
        self.tape = tape
        self.inputs = inputs
        self.outputs = outputs
        self.out_shape = out_shape
        self.in_shapes = in_shapes
        self.argnums = argnums

    def __repr__(self) -> str:
        return (f"<ComputationGraph: {len(self.inputs)} inputs, {len(self.outputs)} outputs, "
                f"{len(self.tape)} nodes, {len(self.tape.parents)} edges>")

    @property
    def n_nodes(self) -> int:
        """Number of nodes on the tape."""
        return len(self.tape)

    @property
    def n_edges(self) -> int:
        """Number of edges (one per traced argument of each operation)."""
        return len(self.tape.parents)

    @property
    def value(self) -> Any:
        """The output value(s): a float, or an array shaped like the output."""
        vals = [self.tape.values[i] for i in self.outputs]
        return _shape(vals, self.out_shape)

    @cached_property
    def compiled(self) -> CompiledGraph:
        """The tape as a :class:`CompiledGraph` (nodes are tape positions)."""
        t = self.tape
        return CompiledGraph.from_arrays(range(len(t)), np.asarray(t.ptr), np.asarray(t.parents, dtype=np.int64),
                                         t.partials, levels=np.asarray(t.levels))

    def labels(self) -> list[str]:
        """A name per node, Baydin's: an input's name (``x1``), the others ``v_1, v_2, …`` in tape order.

        The same names as the trace tables, ``explain`` and ``draw``.
        """
        inputs, k = set(self.inputs), iter(range(1, len(self.tape) + 1))
        return [self.tape.labels[i] if i in inputs else f"v_{next(k)}" for i in range(len(self.tape))]

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

        Raises
        ------
        StaleTraceError
            If a comparison recorded while tracing comes out differently here.
        """
        flat = self._flatten_point(args)
        tape = _replay(self.tape, dict(zip(self.inputs, flat)))
        g = ComputationGraph(tape, self.inputs, self.outputs, self.out_shape, self.in_shapes, self.argnums)
        g.__dict__["compiled"] = self.compiled.with_weights(tape.partials)  # same structure, new weights
        return g

    def _flatten_point(self, args: Sequence[Any]) -> list[Any]:
        if len(args) != len(self.in_shapes):
            raise TraceError(f"at() expects {len(self.in_shapes)} argument(s), one per traced argument; "
                             f"got {len(args)}")
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


def _replay(tape: Tape, point: dict[int, Any]) -> Tape:
    """A new tape with the same structure, evaluated at ``point`` (input index -> value)."""
    new = Tape.__new__(Tape)
    new.level, new.ops, new.args, new.levels, new.ptr = tape.level, tape.ops, tape.args, tape.levels, tape.ptr
    new.parents, new.labels, new.guards, new.refs = tape.parents, tape.labels, tape.guards, tape.refs
    new.local = tape.local
    new.finished = True
    new.plain = _plain_constants(tape)
    vals: list[Any] = []
    partials: list[Any] = []
    table, float_ns = PRIMITIVES, FLOAT
    # Float inputs and float constants keep every value a float: pick FLOAT once, not per node.
    plain = all(type(v) is float for v in point.values()) and _plain_constants(tape)
    pending = tape.guards[::-1]  # a stack: the next guard to check is last
    # The finiteness rule on arrays of points: NumPy raises where floats raise (floats need no errstate).
    with _FLOATS_ONLY if plain else np.errstate(**RAISE):
        for i, (op, spec) in enumerate(zip(tape.ops, tape.args)):
            while pending and pending[-1][0] <= i:
                _check_guard(pending.pop(), vals)
            if op is None:
                vals.append(point[i])
                continue
            if op == "const":
                vals.append(tape.values[i])
                continue
            prim = tape.local.get(i) or table[op]
            args = [vals[x] if kind == "n" else x for kind, x in spec]
            m = float_ns if plain else namespace_for(args)
            try:
                out = prim.value(m, *args)
                for k, (kind, _) in enumerate(spec):
                    if kind == "n":
                        partials.append(prim.partials[k](m, *args, out))
            except (ArithmeticError, ValueError) as exc:
                raise _replay_error(prim, args, spec, exc) from exc
            vals.append(out)
        while pending:
            _check_guard(pending.pop(), vals)
    new.values, new.partials, new.mixed = vals, partials, not plain
    if plain:  # floats are checked once (NumPy raised by itself; dual numbers check their own arithmetic)
        check_tape(new)
    return new


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
        return g.at(*moved)
    except StaleTraceError as exc:
        raise StaleTraceError(
            f"vmap_grad traces f once, at the first point, and reuses that trace for the whole batch, but f "
            f"branches differently at another point ({exc}).  Write the branch without Python if/comparisons "
            "(np.where(cond, a, b), semiring_ad.maximum / minimum / abs / relu), or call grad(f) at each point"
        ) from None


def _exact(g: ComputationGraph, seeds: list[Any]) -> list[Any]:
    """Seeds as given, but integral floats as ints when an input is symbolic (1, not 1.0: exact results)."""
    if not any(is_sympy(g.tape.values[i]) for i in g.inputs):
        return seeds
    return [int(v) if isinstance(v, float) and v.is_integer() else v for v in seeds]


def _plain_constants(tape: Tape) -> bool:
    """Whether every constant on the tape is a Python float or int (computed once per tape)."""
    if tape.plain is None:
        tape.plain = all(type(x) in (float, int) for spec in tape.args for kind, x in spec if kind == "c") and all(
            type(v) in (float, int) for op, v in zip(tape.ops, tape.values) if op == "const"
        )
    return tape.plain


def _check_guard(guard: tuple, vals: list[Any]) -> None:
    _, op, spec, outcome = guard
    a, b = (vals[x] if kind == "n" else x for kind, x in spec)
    now = _COMPARISONS[op](a, b)
    if isinstance(now, np.ndarray):
        same = bool(np.all(now == outcome))
    else:
        same = bool(now) == outcome
    if not same:
        raise StaleTraceError(
            f"the comparison {_show(a)} {op} {_show(b)} was {outcome} when the function was traced "
            "but differs at this point, so the recorded branch no longer applies; trace the function again here"
        )


def _show(x: Any) -> str:
    return f"{x:.6g}" if isinstance(x, float) else repr(x)


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
    return sweep(g.compiled if cg is None else cg, semiring, seeds, direction, backend=backend)


def _float_compiled(g: ComputationGraph) -> CompiledGraph | None:
    """``g.compiled`` with float64 weights if every partial is a real number, else None.

    The primitive rules write constants as integers (``+`` and ``−`` record the
    partials 1 and −1, exact for SymPy), so a numeric tape mixes ints and
    floats; as one float array the vectorized backends take it in one sweep.
    """
    if "_float_compiled" not in g.__dict__:
        partials = g.tape.partials
        real = all(type(w) is float or _is_real(w) for w in partials)
        g.__dict__["_float_compiled"] = (
            g.compiled.with_weights(np.asarray(partials, dtype=np.float64)) if real else None)
    return g.__dict__["_float_compiled"]


def _pick(vals: list, nodes: Sequence[int]) -> list:
    return [0.0 if vals[i] is None else vals[i] for i in nodes]

def jacobian_of_graph(g: ComputationGraph, mode: str = "auto") -> Any:
    """The Jacobian of a traced graph, output shape + input shape.

    With several traced arguments their inputs are flattened into one axis.
    """
    flat = _jacobian_matrix(g, mode)
    lead = () if g.out_shape is None else g.out_shape
    tail = g.in_shapes[0] if len(g.in_shapes) == 1 else (len(g.inputs),)
    full = lead + (() if tail is None else tail)
    values = g.tape.values
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
    for k, node in enumerate(seeds_from):  # seed 1 (exact): SymPy weights stay exact
        vals = _pick(_solve(g, {node: 1}, direction), read_at)
        if mode == "forward":
            J[:, k] = vals
        else:
            J[k, :] = vals
    return J
