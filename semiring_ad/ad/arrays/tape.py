"""The array tape: one node per array operation, a linear map on every edge.

An :class:`ArrayTracer` wraps a NumPy array and records each operation applied
to it as one node of an :class:`ArrayTape`, whatever the array's size.  The
edge from an argument ``u`` to the result ``v`` carries the local Jacobian
∂v/∂u as a structured :class:`~semiring_ad.core.linear.LinearMap` (a diagonal
for elementwise functions, "times W" for ``@``, a sum for ``.sum()`` ...), so
the graph is solved by the same path solver over
:data:`~semiring_ad.core.linear_semiring.LINEAR`.

Operations reach the tracer three ways: Python operators, NumPy ufuncs
(``__array_ufunc__``: the ufuncs of the primitive table) and NumPy functions
(``__array_function__``: :data:`ARRAY_FUNCTIONS`, filled by
:mod:`semiring_ad.ad.arrays.rules`).  Anything else raises
:class:`~semiring_ad.errors.UnsupportedOperationError` naming the function.

Comparisons are evaluated on the values and return plain boolean arrays; they
are not recorded (unlike the per-element tracer, whose guards re-check
branches), so a traced array program is valid at the point it was traced.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from ...core.graph import CompiledGraph
from ...core.linear import Compose, Diagonal, Identity, LinearMap
from ...core.linear_shape import Broadcast
from ...errors import TraceError, UnsupportedOperationError
from .. import rules  # noqa: F401  (fills the primitive table the elementwise rule reads)
from ..namespaces import NUMPY
from ..primitives import PRIMITIVES, primitive_of_ufunc

__all__ = ["ARRAY_FUNCTIONS", "ArrayTape", "ArrayTracer", "elementwise", "register_array_function"]

ARRAY_FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {}
"""NumPy function -> rule ``rule(*args, **kwargs)`` that records it on the array tape."""

_UNTRACED_UFUNCS = frozenset({np.greater, np.greater_equal, np.less, np.less_equal, np.equal, np.not_equal,
                              np.isfinite, np.isnan, np.isinf, np.signbit})


def register_array_function(*funcs: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: ``rule`` records ``funcs`` (NumPy functions) on the array tape.

    A rule computes the value from the arguments' values and calls
    :meth:`ArrayTape.record` with one :class:`~semiring_ad.core.linear.LinearMap`
    per traced argument.
    """

    def register(rule: Callable[..., Any]) -> Callable[..., Any]:
        for f in funcs:
            ARRAY_FUNCTIONS[f] = rule
        return rule

    return register


class ArrayTape:
    """The flat record of an array trace: values, operations, and in-edges (CSR) with their maps."""

    __slots__ = ("finished", "labels", "maps", "ops", "parents", "ptr", "second", "values")

    def __init__(self) -> None:
        self.values: list[np.ndarray] = []
        self.ops: list[str | None] = []
        self.labels: list[str] = []
        self.ptr: list[int] = [0]
        self.parents: list[int] = []
        self.maps: list[LinearMap] = []
        self.finished = False
        self.second: dict[int, tuple] | None = None
        """Per node, what second order needs (the operands), when asked for (:mod:`.dual_maps`)."""

    def __len__(self) -> int:
        return len(self.values)

    def leaf(self, value: np.ndarray, label: str, op: str | None = None) -> ArrayTracer:
        """Record an input (``op=None``) or a constant."""
        return self.record(op, value, (), label)

    def record(self, op: str | None, value: Any, edges: Any, label: str = "") -> ArrayTracer:
        """Record a node with ``value`` and in-edges ``[(parent index, LinearMap), ...]``."""
        if self.finished:
            raise TraceError("an array traced value escaped from a finished trace and was used afterwards; "
                             "return it from the function instead")
        i = len(self.values)
        for p, m in edges:
            self.parents.append(p)
            self.maps.append(m)
        self.values.append(value)
        self.ops.append(op)
        self.labels.append(label)
        self.ptr.append(len(self.parents))
        return ArrayTracer(self, i, value)

    def compiled(self) -> CompiledGraph:
        """The tape as a :class:`~semiring_ad.core.graph.CompiledGraph` weighted by linear maps."""
        return CompiledGraph.from_arrays(range(len(self.values)), np.asarray(self.ptr, dtype=np.int64),
                                         np.asarray(self.parents, dtype=np.int64), self.maps)


def _tape_of(args: Any) -> ArrayTape:
    tape = None
    for a in args:
        if type(a) is ArrayTracer:
            if tape is None:
                tape = a.tape
            elif a.tape is not tape:
                raise UnsupportedOperationError(
                    "values of two different array traces met in one operation (a nested array "
                    "transformation); nesting is not supported by the array tracer yet: use the element-wise "
                    "API (semiring_ad.grad ...) for higher derivatives"
                )
        elif isinstance(a, np.ndarray) and a.dtype == object:
            raise UnsupportedOperationError("an object array met an array-traced value; mixing the element-wise "
                                            "tracer with the array tracer is not supported")
    return tape


def value_of(a: Any) -> Any:
    """The value of a traced array, or ``a`` itself."""
    return a.value if type(a) is ArrayTracer else a


_identity = functools.lru_cache(maxsize=512)(Identity)
_broadcast = functools.lru_cache(maxsize=512)(Broadcast)
"""The shape-only maps are immutable and depend on shapes alone: one instance per shape (pair), reused
by every trace (a tape re-traced in a loop checks and builds no shapes)."""


def broadcast_diagonal(d: Any, in_shape: tuple, out_shape: tuple) -> LinearMap:
    """The map ``u ↦ d * broadcast(u)``: the local Jacobian of an elementwise op with partial ``d``."""
    if isinstance(d, int) and d == 1:
        diag: LinearMap = _identity(out_shape)
    elif type(d) is np.ndarray and (d.shape == out_shape or d.ndim == 0):  # fits: skip the checks (hot path)
        diag = object.__new__(Diagonal)
        diag.in_shape = diag.out_shape = out_shape
        diag.d = d
    else:
        diag = Diagonal(d, out_shape)
    if in_shape == out_shape:
        return diag
    bc = _broadcast(in_shape, out_shape)
    return bc if isinstance(diag, Identity) else Compose((bc, diag))


def elementwise(name: str, args: tuple) -> Any:
    """Record primitive ``name`` of the table applied elementwise (with broadcasting) to ``args``."""
    prim = PRIMITIVES[name]
    tape, vals = None, []
    for a in args:
        if type(a) is ArrayTracer:
            if tape is None:
                tape = a.tape
            elif a.tape is not tape:
                _tape_of(args)  # raises, naming the problem
            vals.append(a.value)
        else:
            if type(a) is np.ndarray and a.dtype == object:
                _tape_of(args)
            vals.append(a)
    out = prim.value(NUMPY, *vals)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    edges = []
    for k, a in enumerate(args):
        if type(a) is ArrayTracer:
            edges.append((a.index, broadcast_diagonal(prim.partials[k](NUMPY, *vals, out), a.value.shape, out.shape)))
    node = tape.record(name, out, edges)
    if tape.second is not None:  # the operands, for the tangents of the partials (forward-over-reverse)
        tape.second[node.index] = ("elementwise", tuple(a.index if type(a) is ArrayTracer else None for a in args),
                                   tuple(None if type(a) is ArrayTracer else a for a in args))
    return node


def unsupported(what: str) -> UnsupportedOperationError:
    """The error for a NumPy function or ufunc the array tracer has no rule for."""
    return UnsupportedOperationError(
        f"{what} is not supported on array-traced values. Elementwise functions: add a row to the primitive "
        "table (semiring_ad.register_primitive(Primitive(...)) with its ufunc); other NumPy functions: register a "
        "rule with semiring_ad.ad.arrays.register_array_function(np.<function>); or trace element by element "
        "with the scalar API (semiring_ad.grad ...)"
    )


def _op(name: str, swap: bool = False) -> Callable[..., Any]:
    def method(self: ArrayTracer, other: Any) -> Any:
        return elementwise(name, (other, self) if swap else (self, other))

    method.__name__ = name
    return method


class ArrayTracer:
    """A traced NumPy array: a value plus its node on an :class:`ArrayTape`."""

    __slots__ = ("index", "tape", "value")
    __array_priority__ = 1000

    def __init__(self, tape: ArrayTape, index: int, value: np.ndarray) -> None:
        self.tape = tape
        self.index = index
        self.value = value

    def __repr__(self) -> str:
        return f"ArrayTracer(v{self.index}, shape={self.value.shape})"

    __semiring_ad_level__ = 0  # the array tracer does not nest; _tape_of refuses two tapes

    def __semiring_ad_apply__(self, primitive: Any, args: Any) -> Any:
        """``semiring_ad.sin(x)`` and the other table functions, elementwise."""
        return elementwise(primitive.name, tuple(args))

    shape = property(lambda self: self.value.shape, doc="The array's shape.")
    ndim = property(lambda self: self.value.ndim, doc="Number of axes.")
    size = property(lambda self: self.value.size, doc="Number of elements.")
    dtype = property(lambda self: self.value.dtype, doc="The value's dtype.")

    def __len__(self) -> int:
        return len(self.value)

    def __iter__(self) -> Any:
        return (self[i] for i in range(len(self)))

    __add__, __radd__ = _op("add"), _op("add", swap=True)
    __sub__, __rsub__ = _op("subtract"), _op("subtract", swap=True)
    __mul__, __rmul__ = _op("multiply"), _op("multiply", swap=True)
    __truediv__, __rtruediv__ = _op("divide"), _op("divide", swap=True)
    __pow__, __rpow__ = _op("power"), _op("power", swap=True)

    def __neg__(self) -> Any:
        return elementwise("negative", (self,))

    def __pos__(self) -> ArrayTracer:
        return self

    def __abs__(self) -> Any:
        return elementwise("abs", (self,))

    def __matmul__(self, other: Any) -> Any:
        return ARRAY_FUNCTIONS[np.matmul](self, other)

    def __rmatmul__(self, other: Any) -> Any:
        return ARRAY_FUNCTIONS[np.matmul](other, self)

    def _compare(self, ufunc: np.ufunc, other: Any) -> np.ndarray:
        return ufunc(self.value, value_of(other))

    __lt__ = lambda self, o: self._compare(np.less, o)  # noqa: E731
    __le__ = lambda self, o: self._compare(np.less_equal, o)  # noqa: E731
    __gt__ = lambda self, o: self._compare(np.greater, o)  # noqa: E731
    __ge__ = lambda self, o: self._compare(np.greater_equal, o)  # noqa: E731
    __eq__ = lambda self, o: self._compare(np.equal, o)  # type: ignore[assignment]  # noqa: E731
    __ne__ = lambda self, o: self._compare(np.not_equal, o)  # type: ignore[assignment]  # noqa: E731
    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        return bool(self.value)

    def __getitem__(self, key: Any) -> Any:
        return ARRAY_FUNCTIONS["getitem"](self, key)

    def __float__(self) -> float:
        raise TraceError("an array-traced value was converted to a float, which would cut it out of the "
                         "derivative; keep it an array (use NumPy functions on it)")

    __int__ = __index__ = __float__

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TraceError("an array-traced value was converted to a plain NumPy array (np.array/np.asarray of "
                         "traced values, or a NumPy function without a rule), which would cut it out of the "
                         "derivative; build arrays with np.stack or np.concatenate, and use NumPy functions and "
                         "operators on traced values directly")

    def __setitem__(self, key: Any, value: Any) -> None:
        raise UnsupportedOperationError(
            "assignment into an array-traced value (x[i] = v) is not supported: traced arrays are immutable, as "
            "in JAX; build the result with np.where, np.concatenate or np.stack instead"
        )

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method == "__call__" and not kwargs:
            if ufunc in _UNTRACED_UFUNCS:
                return ufunc(*(value_of(x) for x in inputs))
            if ufunc is np.matmul:
                return ARRAY_FUNCTIONS[np.matmul](*inputs)
            name = primitive_of_ufunc(ufunc)
            if name is not None:
                return elementwise(name, inputs)
        elif method == "reduce" and ufunc in (np.add, np.maximum, np.minimum) and len(inputs) == 1:
            fn = {np.add: np.sum, np.maximum: np.max, np.minimum: np.min}[ufunc]
            return ARRAY_FUNCTIONS[fn](inputs[0], **kwargs)
        shown = f"np.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        raise unsupported(shown + (f" with {', '.join(sorted(kwargs))}=" if kwargs else ""))

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        rule = ARRAY_FUNCTIONS.get(func)
        if rule is None:
            raise unsupported(f"{getattr(func, '__module__', 'numpy')}.{func.__name__}")
        return rule(*args, **kwargs)

    # -- methods, as on ndarray --------------------------------------------------
    @property
    def T(self) -> Any:
        """The transpose (all axes reversed)."""
        return ARRAY_FUNCTIONS[np.transpose](self)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Sum over ``axis`` (all by default)."""
        return ARRAY_FUNCTIONS[np.sum](self, axis=axis, keepdims=keepdims)

    def mean(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Mean over ``axis`` (all by default)."""
        return ARRAY_FUNCTIONS[np.mean](self, axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Maximum over ``axis``; ties share the derivative equally."""
        return ARRAY_FUNCTIONS[np.max](self, axis=axis, keepdims=keepdims)

    def min(self, axis: Any = None, keepdims: bool = False) -> Any:
        """Minimum over ``axis``; ties share the derivative equally."""
        return ARRAY_FUNCTIONS[np.min](self, axis=axis, keepdims=keepdims)

    def reshape(self, *shape: Any) -> Any:
        """The same values in another shape."""
        return ARRAY_FUNCTIONS[np.reshape](self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *axes: Any) -> Any:
        """Permute the axes (reverse them by default)."""
        return ARRAY_FUNCTIONS[np.transpose](self, (axes[0] if len(axes) == 1 else axes) or None)

    def ravel(self) -> Any:
        """Flatten to one axis."""
        return ARRAY_FUNCTIONS[np.reshape](self, -1)

    flatten = ravel

    def dot(self, other: Any) -> Any:
        """``np.dot(self, other)``."""
        return ARRAY_FUNCTIONS[np.dot](self, other)

    def squeeze(self, axis: Any = None) -> Any:
        """Drop axes of length one."""
        return ARRAY_FUNCTIONS[np.squeeze](self, axis)

    def swapaxes(self, a: int, b: int) -> Any:
        """Exchange two axes."""
        return ARRAY_FUNCTIONS[np.swapaxes](self, a, b)

    def clip(self, a_min: Any = None, a_max: Any = None) -> Any:
        """Limit the values to ``[a_min, a_max]``."""
        return ARRAY_FUNCTIONS[np.clip](self, a_min, a_max)
