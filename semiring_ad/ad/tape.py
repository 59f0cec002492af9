"""The tape and the tracer: recording a Wengert list with local partials on its edges.

The tape is the Wengert list in three flat records: per node its op code
and value, and per traced argument an edge (CSR: parents and partials ∂v/∂u).
Float operations take the fast paths of :mod:`semiring_ad.ad.fastpaths`; a
node allocates nothing beyond its value, partials and returned :class:`Tracer`.

Nesting: every tape gets a fresh *level*; a primitive applied to tracers of
several levels is recorded by the innermost (highest) one, which treats the
others as constants.  Their values flow into the value and partial rules,
which then record on the outer tape.  This is how ``grad(grad(f))`` works
without perturbation confusion.

>>> tape = Tape()
>>> x = tape.leaf(3.0, "x")
>>> y = x * x + 1
>>> y.value, tape.parents.tolist(), tape.partials
(10.0, [0, 0, 1], [3.0, 3.0, 1.0])
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import TraceError
from . import rules  # noqa: F401  (fills the table Tracer's methods are generated from)
from .collector import YOUNG_EVERY, tidy
from .dispatch import FLOAT, apply, namespace_for, new_level
from .fastpaths import install
from .finite import nonfinite, partial_error, value_error
from .finite import scalar_point as _scalar  # noqa: F401  (the tracers' and at()'s point check)
from .primitives import PRIMITIVES, Primitive, primitive_of_ufunc
from .refusals import Refusing, refuse_complex

__all__ = ["Tape", "Tracer"]

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}


_TIDY_MASK = YOUNG_EVERY - 1
_NODE = "n"


class Tape:
    """The flat record of one trace: per node an op code, its in-edges (CSR) and its value.

    Node ``i`` has in-edges ``ptr[i]:ptr[i+1]``: ``parents`` (``array('q')``)
    and ``partials`` (a list: floats on a float tape, SymPy, dual numbers or
    arrays otherwise).  Everything else is derived on demand: the argument
    specs (:attr:`args`; only nodes with a constant argument store theirs, in
    ``consts``) and the labels (only leaves have one, in ``names``); the
    topological levels are the compiled graph's.
    """

    __slots__ = ("consts", "finished", "guards", "level", "local", "mixed", "names", "ops", "parents", "partials",
                 "plain", "plans", "ptr", "values")

    def __init__(self) -> None:
        self.level = new_level()
        self.finished = False  # set when trace() returns: its tracers must not be used afterwards
        self.ops: list[str | None] = []  # None for inputs, "const" for lifted constants
        self.values: list[Any] = []
        self.ptr = array("q", (0,))
        self.parents = array("q")
        self.partials: list[Any] = []
        self.consts: dict[int, tuple] = {}  # node -> its argument spec, for nodes with a constant argument
        self.names: dict[int, str] = {}  # leaf -> its label
        self.guards: list[tuple] = []  # (position, comparison, (arg spec, arg spec), outcome)
        self.plain: bool | None = None  # all constants are floats/ints (set by _plain_constants)
        self.mixed = False  # some value is not a float/int (checked as recorded; floats by check_tape)
        self.local: dict[int, Primitive] = {}  # node -> its row when that row is not in the table (fixed_point)
        self.plans: dict[Any, Any] = {}  # replay plans (semiring_ad.ad.replay), shared with replayed tapes

    def __len__(self) -> int:
        return len(self.ops)

    def primitive(self, i: int) -> Primitive:
        """The row node ``i`` was recorded with (a per-call row such as a fixed point's, or the table's)."""
        return self.local.get(i) or PRIMITIVES[self.ops[i]]

    def spec(self, i: int) -> tuple:
        """Node ``i``'s arguments: ``("n", j)`` for node ``j``, ``("c", value)`` for a constant."""
        s = self.consts.get(i)
        if s is None:
            ptr = self.ptr
            s = tuple((_NODE, p) for p in self.parents[ptr[i]:ptr[i + 1]])
        return s

    @property
    def args(self) -> Sequence[tuple]:
        """Every node's argument spec (:meth:`spec`), as a read-only sequence built on access."""
        return _Specs(self)

    @property
    def labels(self) -> list[str]:
        """Per node: a leaf's label, ``""`` for an operation (built on demand)."""
        names = self.names
        return [names.get(i, "") for i in range(len(self.ops))]

    def leaf(self, value: Any, label: str, op: str | None = None) -> Tracer:
        """Record an input (``op=None``) or a constant node."""
        i = len(self.ops)
        if type(value) is not float and type(value) is not int:
            self.mixed = True
        self.ops.append(op)
        self.values.append(value)
        self.ptr.append(len(self.parents))
        self.names[i] = label
        return Tracer(self, i, value)

    def push1(self, op: str, out: float, p: int, w: float) -> Tracer:
        """Record a float node with one traced argument ``p`` and partial ``w`` (the tracer's fast paths)."""
        i = len(self.ops)
        if not i & _TIDY_MASK:
            tidy()
        self.ops.append(op)
        self.values.append(out)
        self.parents.append(p)
        self.partials.append(w)
        self.ptr.append(len(self.partials))
        return Tracer(self, i, out)

    def push1c(self, op: str, out: float, p: int, w: float, spec: tuple) -> Tracer:
        """As :meth:`push1` for a node that also has a constant argument (its ``spec`` is kept)."""
        tracer = self.push1(op, out, p, w)
        self.consts[tracer.index] = spec
        return tracer

    def record(self, prim: Primitive, args: Sequence[Any]) -> Tracer:
        """Apply ``prim`` at the values, record the node and its edges, return its tracer."""
        if self.finished:
            _leaked()
        vals, nodes, plain, const = [], [], True, False
        for a in args:
            if type(a) is Tracer and a.tape is self:
                v = a.value
                nodes.append(a.index)
            else:
                if type(a) is Tracer and a.tape.finished:
                    _leaked()
                v = a
                nodes.append(None)
                const = True
            t = type(v)
            if t is not float and t is not int:
                plain = False
            vals.append(v)
        if plain:
            m = FLOAT
        else:  # checked here; float operations are checked once per trace (finite.check_tape)
            refuse_complex(vals)
            m = namespace_for(vals)
            self.mixed = True
        try:
            out = prim.value(m, *vals)
        except OverflowError as exc:  # an int beyond the float range meets a float: 2**1024 * x
            raise value_error(prim, vals, float("inf")) from exc
        if not plain and nonfinite(out):
            raise value_error(prim, vals, out)
        parents, partials = self.parents, self.partials
        start = len(partials)
        try:
            for k, p in enumerate(nodes):
                if p is not None:
                    w = prim.partials[k](m, *vals, out)
                    partials.append(float(w) if plain and type(w) is int else w)  # floats: one-sweep Jacobians
                    parents.append(p)
        except (ArithmeticError, ValueError) as exc:
            del parents[start:], partials[start:]  # a caught error leaves the tape whole
            if not plain:
                raise  # a nested computation's error, which names its own call
            raise partial_error(prim, vals, k) from exc
        if not plain and any(nonfinite(w) for w in partials[start:]):
            _refuse_partial(self, prim, vals, nodes)
        i = len(self.ops)
        if not i & _TIDY_MASK:
            tidy()  # bound the user's cyclic garbage while the collector is paused
        self.ops.append(prim.name)
        if PRIMITIVES.get(prim.name) is not prim:
            self.local[i] = prim
        if const:
            self.consts[i] = tuple((_NODE, p) if p is not None else ("c", a) for p, a in zip(nodes, args))
        self.values.append(out)
        self.ptr.append(len(partials))
        return Tracer(self, i, out)


class _Specs(Sequence):
    """``tape.args``: node i's argument spec, derived from the CSR lists (and ``consts``) when read."""

    __slots__ = ("tape",)

    def __init__(self, tape: Tape) -> None:
        self.tape = tape

    def __len__(self) -> int:
        return len(self.tape.ops)

    def __getitem__(self, i: Any) -> Any:
        if isinstance(i, slice):
            return [self.tape.spec(j) for j in range(len(self))[i]]
        if i < 0:
            i += len(self)
        return self.tape.spec(i)


def _refuse_partial(tape: Tape, prim: Primitive, vals: list, nodes: list) -> None:
    """Undo the node's edges and raise the finiteness rule's error for its first non-finite partial."""
    start = tape.ptr[-1]
    ws = tape.partials[start:]
    del tape.parents[start:], tape.partials[start:]
    traced = [k for k, p in enumerate(nodes) if p is not None]
    raise partial_error(prim, vals, next(k for k, w in zip(traced, ws) if nonfinite(w)))


def _leaked() -> None:
    raise TraceError(
        "a traced value escaped from a finished trace (e.g. stored in a list or a global inside the "
        "differentiated function) and was used afterwards; return it from the function instead, or "
        "convert it inside (semiring_ad values are only valid while their trace runs)"
    )


def _record(name: str, args: tuple) -> Any:
    """Record on the first argument's tape when every argument is a number or a tracer of it.

    Anything else (another tape's tracer, a dual number, an array) goes
    through :func:`~semiring_ad.ad.dispatch.apply`, which picks the innermost level.
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
    return tape.record(PRIMITIVES[name], args)


def _unary_method(name: str) -> Callable[[Tracer], Any]:
    def method(self: Tracer) -> Any:
        return _record(name, (self,))

    method.__name__ = name
    method.__doc__ = f"``{name}`` of a traced value (lets NumPy object arrays call it)."
    return method


class Tracer(Refusing):
    """A traced scalar: a value plus its node on a tape.

    Supports Python arithmetic, comparisons (evaluated at the point and
    recorded, so ``if``/``for`` work; :meth:`ComputationGraph.at` checks them),
    ``semiring_ad``'s math functions, NumPy ufuncs, NumPy object arrays of
    tracers, and the array methods of a NumPy scalar (``x.sum()``, so a 0-d
    array argument behaves as in JAX).  Converting to ``float`` (``math.sin``),
    SymPy functions, ``%``, ``//`` and ``round`` are refused
    (:mod:`semiring_ad.ad.refusals`): they would silently cut the derivative.
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

    def __semiring_ad_apply__(self, primitive: Primitive, args: Sequence[Any]) -> Tracer:
        return self.tape.record(primitive, args)

    def __repr__(self) -> str:
        return f"Tracer(v{self.index}={self.value!r})"

    # -- arithmetic: + − × / and negation are fast paths (semiring_ad.ad.fastpaths) ----
    def __pow__(self, o: Any) -> Any:
        return _record("power", (self, o))

    def __rpow__(self, o: Any) -> Any:
        return _record("power", (o, self))

    def __pos__(self) -> Tracer:
        return self

    def __abs__(self) -> Any:
        return _record("abs", (self,))

    # -- comparisons: evaluated at the point, recorded as guards ---------
    def _compare(self, op: str, other: Any, reflected: bool = False) -> bool:
        if self.tape.finished or (type(other) is Tracer and other.tape.finished):
            _leaked()
        a, b = (other, self) if reflected else (self, other)
        va = a.value if isinstance(a, Tracer) else a
        vb = b.value if isinstance(b, Tracer) else b
        outcome = bool(_COMPARISONS[op](va, vb))
        tape = self.tape
        spec = tuple(("n", x.index) if type(x) is Tracer and x.tape is tape else ("c", x) for x in (a, b))
        tape.guards.append((len(tape.ops), op, spec, outcome))
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

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        name = primitive_of_ufunc(ufunc)
        if method == "reduce" and len(inputs) == 1 and kwargs.get("axis") in (None, 0):
            return inputs[0]  # reducing a single traced scalar (np.sum(x) on a 0-d value)
        if method != "__call__" or name is None or kwargs:
            return NotImplemented
        if any(isinstance(x, np.ndarray) for x in inputs):
            return np.vectorize(lambda *xs: apply(name, *xs), otypes=[object])(*inputs)
        return apply(name, *inputs)


for _name in {p.ufunc.__name__ for p in PRIMITIVES.values() if p.ufunc is not None and p.arity == 1}:
    if _name in PRIMITIVES:
        setattr(Tracer, _name, _unary_method(_name))
Tracer.absolute = _unary_method("abs")  # type: ignore[attr-defined]
del _name
install(Tracer, _record, _unary_method)  # the float fast paths: + − × /, negation, sin, exp, log, ...


def _array_method(name: str) -> Callable[..., Any]:
    def method(self: Tracer, *args: Any, **kwargs: Any) -> Any:
        return getattr(np.asarray(self, dtype=object), name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = f"As ``numpy.ndarray.{name}`` of a 0-d array holding the traced value (as in JAX)."
    return method


for _name in ("sum", "prod", "mean", "max", "min", "item", "reshape", "ravel", "flatten", "squeeze", "tolist"):
    setattr(Tracer, _name, _array_method(_name))
Tracer.ndim, Tracer.shape, Tracer.size = 0, (), 1  # type: ignore[attr-defined]  # a traced scalar is 0-d
del _name
