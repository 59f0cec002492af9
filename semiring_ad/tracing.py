"""Tracing: run a Python function on traced scalars and record a flat tape.

The tape is the Wengert list: one entry per operation with its primitive,
its arguments (node indices or constants), its value, and one edge per
traced argument carrying the local partial ∂v/∂u from the primitive table.
Parents and partials live in flat lists (CSR), so recording allocates no
per-node objects beyond the returned :class:`Tracer`, and no reference cycles.

A :class:`ComputationGraph` wraps a finished tape: its ``compiled`` form is the
core's :class:`~semiring_ad.graph.CompiledGraph` (tape order is a topological
order), ``to_networkx()`` builds the drawable view on demand, and ``at()``
re-evaluates the tape at another point — floats, NumPy arrays of points, dual
numbers or SymPy symbols — without running the function again.

Nesting: every trace gets a fresh *level*; a primitive applied to tracers of
several levels is recorded by the innermost (highest) one, which treats the
others as constants.  Their values flow into the value and partial rules,
which then record on the outer tape.  This is how ``grad(grad(f))`` works
without perturbation confusion.
"""

from __future__ import annotations

import gc
import numbers
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np
import sympy

from . import primitives as prims
from .errors import StaleTraceError, TraceError
from .functions import apply, new_level
from .graph import CompiledGraph

__all__ = ["ComputationGraph", "Tape", "Tracer", "trace"]

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


class Tape:
    """The flat record of one trace.  Node ``i`` has in-edges ``ptr[i]:ptr[i+1]``."""

    __slots__ = ("args", "finished", "guards", "labels", "level", "levels", "ops", "parents", "partials", "plain",
                 "ptr", "refs", "values")

    def __init__(self) -> None:
        self.level = new_level()
        self.finished = False  # set when trace() returns: its tracers must not be used afterwards
        self.ops: list[str | None] = []  # None for inputs, "const" for lifted constants
        self.args: list[tuple] = []  # per node: arguments, a node as ("n", i), a constant as ("c", value)
        self.values: list[Any] = []
        self.levels: list[int] = []
        self.ptr: list[int] = [0]
        self.parents: list[int] = []
        self.partials: list[Any] = []
        self.labels: list[str] = []
        self.guards: list[tuple] = []  # (position, comparison, (arg spec, arg spec), outcome)
        self.refs: list[tuple] = []  # refs[i] == ("n", i), made once and shared by every use of node i
        self.plain: bool | None = None  # all constants are floats/ints (set by _plain_constants)

    def __len__(self) -> int:
        return len(self.values)

    def leaf(self, value: Any, label: str, op: str | None = None) -> Tracer:
        """Record an input (``op=None``) or a constant node."""
        i = len(self.values)
        self.refs.append(("n", i))
        self.ops.append(op)
        self.args.append(())
        self.values.append(value)
        self.levels.append(0)
        self.ptr.append(len(self.parents))
        self.labels.append(label)
        return Tracer(self, i, value)

    def record(self, prim: prims.Primitive, args: Sequence[Any]) -> Tracer:
        """Apply ``prim`` at the values, record the node and its edges, return its tracer."""
        if self.finished:
            _leaked()
        vals, spec, plain, refs = [], [], True, self.refs
        for a in args:
            if type(a) is Tracer and a.tape is self:
                v = a.value
                spec.append(refs[a.index])
            else:
                if type(a) is Tracer and a.tape.finished:
                    _leaked()
                v = a
                spec.append(("c", a))
            t = type(v)
            if t is not float and t is not int:
                plain = False
            vals.append(v)
        m = prims.FLOAT if plain else prims.namespace_for(vals)
        out = prim.value(m, *vals)
        parents, partials, levels = self.parents, self.partials, self.levels
        level = 0
        for k, (kind, p) in enumerate(spec):
            if kind == "n":
                parents.append(p)
                partials.append(prim.partials[k](m, *vals, out))
                if levels[p] >= level:
                    level = levels[p] + 1
        i = len(self.values)
        refs.append(("n", i))
        self.ops.append(prim.name)
        self.args.append(tuple(spec))
        self.values.append(out)
        levels.append(level)
        self.ptr.append(len(parents))
        self.labels.append("")
        return Tracer(self, i, out)


def _leaked() -> None:
    raise TraceError(
        "a traced value escaped from a finished trace (e.g. stored in a list or a global inside the "
        "differentiated function) and was used afterwards; return it from the function instead, or "
        "convert it inside (semiring_ad values are only valid while their trace runs)"
    )


def _record(name: str, args: tuple) -> Any:
    """Record on the first argument's tape when every argument is a number or a tracer of it.

    Anything else (another tape's tracer, a dual number, an array) goes
    through :func:`~semiring_ad.functions.apply`, which picks the innermost level.
    """
    tape = None
    for a in args:
        t = type(a)
        if t is Tracer:
            if tape is None:
                tape = a.tape
            elif a.tape is not tape:
                return apply(name, *args)
        elif t is not float and t is not int:
            return apply(name, *args)
    return tape.record(prims.PRIMITIVES[name], args)


def _unary_method(name: str) -> Callable[[Tracer], Any]:
    def method(self: Tracer) -> Any:
        return _record(name, (self,))

    method.__name__ = name
    method.__doc__ = f"``{name}`` of a traced value (lets NumPy object arrays call it)."
    return method


class Tracer:
    """A traced scalar: a value plus its node on a tape.

    Supports Python arithmetic, comparisons (evaluated at the point and
    recorded, so ``if``/``for`` work; :meth:`ComputationGraph.at` checks them),
    ``semiring_ad``'s math functions, NumPy ufuncs, and NumPy object arrays of
    tracers.  Converting to ``float`` is refused: it would silently cut the
    derivative.
    """

    __slots__ = ("index", "tape", "value")
    __array_priority__ = 1000

    def __init__(self, tape: Tape, index: int, value: Any) -> None:
        self.tape = tape
        self.index = index
        self.value = value

    @property
    def __semiring_ad_level__(self) -> int:
        return self.tape.level

    def __semiring_ad_apply__(self, primitive: prims.Primitive, args: Sequence[Any]) -> Tracer:
        return self.tape.record(primitive, args)

    def __repr__(self) -> str:
        return f"Tracer(v{self.index}={self.value!r})"

    # -- arithmetic ------------------------------------------------------
    def __add__(self, o: Any) -> Any:
        return _record("add", (self, o))

    def __radd__(self, o: Any) -> Any:
        return _record("add", (o, self))

    def __sub__(self, o: Any) -> Any:
        return _record("subtract", (self, o))

    def __rsub__(self, o: Any) -> Any:
        return _record("subtract", (o, self))

    def __mul__(self, o: Any) -> Any:
        return _record("multiply", (self, o))

    def __rmul__(self, o: Any) -> Any:
        return _record("multiply", (o, self))

    def __truediv__(self, o: Any) -> Any:
        return _record("divide", (self, o))

    def __rtruediv__(self, o: Any) -> Any:
        return _record("divide", (o, self))

    def __pow__(self, o: Any) -> Any:
        return _record("power", (self, o))

    def __rpow__(self, o: Any) -> Any:
        return _record("power", (o, self))

    def __neg__(self) -> Any:
        return _record("negative", (self,))

    def __pos__(self) -> Tracer:
        return self

    def __abs__(self) -> Any:
        return _record("abs", (self,))

    # -- comparisons: evaluated at the point, recorded as guards ---------
    def _compare(self, op: str, other: Any, reflected: bool = False) -> bool:
        a, b = (other, self) if reflected else (self, other)
        va = a.value if isinstance(a, Tracer) else a
        vb = b.value if isinstance(b, Tracer) else b
        outcome = bool(_COMPARISONS[op](va, vb))
        tape = self.tape
        spec = tuple(("n", x.index) if type(x) is Tracer and x.tape is tape else ("c", x) for x in (a, b))
        tape.guards.append((len(tape.values), op, spec, outcome))
        return outcome

    def __lt__(self, o: Any) -> bool:
        return self._compare("<", o)

    def __le__(self, o: Any) -> bool:
        return self._compare("<=", o)

    def __gt__(self, o: Any) -> bool:
        return self._compare(">", o)

    def __ge__(self, o: Any) -> bool:
        return self._compare(">=", o)

    def __eq__(self, o: object) -> bool:  # type: ignore[override]
        return self._compare("==", o)

    def __ne__(self, o: object) -> bool:  # type: ignore[override]
        return self._compare("!=", o)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        """Truthiness at the point (``x != 0``), recorded like any comparison."""
        return self._compare("!=", 0)

    def conjugate(self) -> Tracer:
        """Traced values are real: the conjugate is the value itself (lets ``np.var`` work)."""
        return self

    @property
    def real(self) -> Tracer:
        """The real part: the traced value itself."""
        return self

    @property
    def imag(self) -> float:
        """The imaginary part of a real traced value: ``0.0``."""
        return 0.0

    def __float__(self) -> float:
        raise TraceError(
            "a traced value was converted to float (by float(), math.*, or a float NumPy array), "
            "which would cut it out of the derivative; use semiring_ad's functions (semiring_ad.sin, ...) "
            "or NumPy ufuncs on the traced value, and object arrays (np.array(xs, dtype=object))"
        )

    __int__ = __float__
    __index__ = __float__

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = prims.UFUNCS.get(ufunc)
        if method == "reduce" and len(inputs) == 1 and kwargs.get("axis") in (None, 0):
            return inputs[0]  # reducing a single traced scalar (np.sum(x) on a 0-d value)
        if method != "__call__" or name is None or kwargs:
            return NotImplemented
        if any(isinstance(x, np.ndarray) for x in inputs):
            return np.vectorize(lambda *xs: apply(name, *xs), otypes=[object])(*inputs)
        return apply(name, *inputs)


for _name in {p.ufunc.__name__ for p in prims.PRIMITIVES.values() if p.ufunc is not None and p.arity == 1}:
    if _name in prims.PRIMITIVES:
        setattr(Tracer, _name, _unary_method(_name))
Tracer.absolute = _unary_method("abs")  # type: ignore[attr-defined]
del _name

_SCALAR_TYPES = (numbers.Number, sympy.Basic)


def _leaves(tape: Tape, arg: Any, name: str) -> tuple[Any, list[Tracer]]:
    """Turn one argument into tracers, keeping its structure (scalar or object array)."""
    if isinstance(arg, (list, tuple)) or isinstance(arg, np.ndarray):
        arr = np.asarray(arg, dtype=object) if not isinstance(arg, np.ndarray) else arg
        if arr.dtype != object and not np.issubdtype(arr.dtype, np.number):
            raise TraceError(f"argument {name} has dtype {arr.dtype}; expected numbers")
        out = np.empty(arr.shape, dtype=object)
        flat = []
        for idx in np.ndindex(arr.shape):
            label = f"{name}[{', '.join(map(str, idx))}]"
            t = tape.leaf(_scalar(arr[idx]), label)
            out[idx] = t
            flat.append(t)
        return out, flat
    t = tape.leaf(_scalar(arg), name)
    return t, [t]


def _scalar(x: Any) -> Any:
    if isinstance(x, (bool, np.bool_)):
        raise TraceError(f"cannot differentiate with respect to a boolean ({x!r}); pass a number")
    if isinstance(x, (int, np.integer, np.floating)):
        return float(x)
    return x


def _flatten_outputs(tape: Tape, out: Any) -> tuple[list[int], tuple[int, ...] | None]:
    """Output node indices and the output shape (``None`` for a scalar)."""
    if isinstance(out, np.ndarray) and out.shape == ():
        out = out[()]  # a 0-d array is a scalar, as in JAX
    if isinstance(out, (list, tuple, np.ndarray)):
        arr = np.asarray(out, dtype=object)
        nodes = [_output_node(tape, x) for x in arr.reshape(-1)]
        return nodes, arr.shape
    return [_output_node(tape, out)], None


def _output_node(tape: Tape, x: Any) -> int:
    if type(x) is Tracer and x.tape is tape:
        return x.index
    if isinstance(x, Tracer) or isinstance(x, _SCALAR_TYPES) or hasattr(x, "__semiring_ad_level__"):
        return tape.leaf(x, "const", op="const").index  # independent of the inputs
    raise TraceError(
        f"the traced function returned {type(x).__name__}; expected a number, a traced value, "
        "a sequence or a NumPy array of them"
    )


def trace(f: Callable[..., Any], *args: Any, argnums: int | Sequence[int] | None = None,
          names: Sequence[str] | None = None) -> ComputationGraph:
    """Run ``f(*args)`` on traced values and return its :class:`ComputationGraph`.

    Parameters
    ----------
    f : callable
        Written with Python arithmetic, ``semiring_ad``'s functions or NumPy
        ufuncs; may branch and loop on comparisons.
    *args : float, sequence, ndarray, SymPy symbol, ...
        The point.  Each number (or array element) becomes one input node.
    argnums : int or sequence of int, optional
        Which arguments to trace (default: all); the rest are constants.
    names : sequence of str, optional
        Input labels (default ``x0, x1, ...`` or the symbol names).

    Examples
    --------
    >>> import semiring_ad as sad
    >>> g = trace(lambda x1, x2: sad.log(x1) + x1 * x2 - sad.sin(x2), 2.0, 5.0)
    >>> round(g.value, 3)
    11.652
    >>> g.jacobian(mode="reverse").round(3)
    array([5.5  , 1.716])
    """
    if not callable(f):
        raise TraceError(f"expected a callable to trace, got {type(f).__name__}")
    nums = _normalize_argnums(argnums, len(args))
    tape = Tape()
    call_args, inputs, in_shapes = list(args), [], []
    for pos, k in enumerate(nums):
        label = names[pos] if names is not None else (str(args[k]) if isinstance(args[k], sympy.Symbol)
                                                     else f"x{k}" if len(args) > 1 else "x")
        call_args[k], leaves = _leaves(tape, args[k], label)
        inputs.extend(t.index for t in leaves)
        in_shapes.append(None if isinstance(call_args[k], Tracer) else call_args[k].shape)
    collecting = gc.isenabled()
    gc.disable()  # the tape makes no reference cycles; collections would only rescan it (~2x slower)
    try:
        out = f(*call_args)
        outputs, out_shape = _flatten_outputs(tape, out)
    finally:
        tape.finished = True
        if collecting:
            gc.enable()
    return ComputationGraph(tape, inputs, outputs, out_shape, tuple(in_shapes), nums)


def _normalize_argnums(argnums: Any, n: int) -> tuple[int, ...]:
    if argnums is None:
        return tuple(range(n))
    nums = (argnums,) if isinstance(argnums, (int, np.integer)) else argnums
    if not isinstance(nums, (tuple, list)) or not all(isinstance(k, (int, np.integer)) for k in nums):
        raise TraceError(f"argnums must be an int or a sequence of ints, got {argnums!r}")
    for k in nums:
        if not -n <= k < n:
            raise TraceError(f"argnums {k} is out of range for {n} positional argument(s)")
    out = tuple(int(k) % n for k in nums)
    if len(set(out)) != len(out):
        raise TraceError(f"argnums {argnums!r} names an argument twice; list each argument once")
    return out


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

    def _repr_svg_(self) -> str | None:
        """The drawing, for Jupyter (``None`` without Graphviz or past 300 nodes: text repr instead)."""
        from .views.dot import svg_or_none  # views import tracing

        return svg_or_none(self)

    def labels(self) -> list[str]:
        """A label per node: the input's name, or ``v<i>`` for intermediates."""
        return [lab if lab else f"v{i}" for i, lab in enumerate(self.tape.labels)]

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
        from .ad import jacobian_of_graph

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
    new.finished = True
    new.plain = _plain_constants(tape)
    vals: list[Any] = []
    partials: list[Any] = []
    table, float_ns, namespace_for = prims.PRIMITIVES, prims.FLOAT, prims.namespace_for
    # Float inputs and float constants keep every value a float: pick FLOAT once, not per node.
    plain = all(type(v) is float for v in point.values()) and _plain_constants(tape)
    pending = tape.guards[::-1]  # a stack: the next guard to check is last
    for i, (op, spec) in enumerate(zip(tape.ops, tape.args)):
        while pending and pending[-1][0] <= i:
            _check_guard(pending.pop(), vals)
        if op is None:
            vals.append(point[i])
            continue
        if op == "const":
            vals.append(tape.values[i])
            continue
        prim = table[op]
        args = [vals[x] if kind == "n" else x for kind, x in spec]
        m = float_ns if plain else namespace_for(args)
        out = prim.value(m, *args)
        for k, (kind, _) in enumerate(spec):
            if kind == "n":
                partials.append(prim.partials[k](m, *args, out))
        vals.append(out)
    while pending:
        _check_guard(pending.pop(), vals)
    new.values, new.partials = vals, partials
    return new


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
