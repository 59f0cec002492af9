"""The tape and the tracer: recording a Wengert list with local partials on its edges.

The tape is the Wengert list: one entry per operation with its primitive,
its arguments (node indices or constants), its value, and one edge per
traced argument carrying the local partial ∂v/∂u from the primitive table.
Parents and partials live in flat lists (CSR), so recording allocates no
per-node objects beyond the returned :class:`Tracer`, and no reference cycles.

Nesting: every tape gets a fresh *level*; a primitive applied to tracers of
several levels is recorded by the innermost (highest) one, which treats the
others as constants.  Their values flow into the value and partial rules,
which then record on the outer tape.  This is how ``grad(grad(f))`` works
without perturbation confusion.

>>> tape = Tape()
>>> x = tape.leaf(3.0, "x")
>>> y = x * x + 1
>>> y.value, tape.parents, tape.partials
(10.0, [0, 0, 1], [3.0, 3.0, 1])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import DomainError, TraceError
from . import rules  # noqa: F401  (fills the table Tracer's methods are generated from)
from .collector import YOUNG_EVERY, tidy
from .dispatch import FLOAT, apply, namespace_for, new_level
from .finite import nonfinite, partial_error, value_error
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


class Tape:
    """The flat record of one trace.  Node ``i`` has in-edges ``ptr[i]:ptr[i+1]``."""

    __slots__ = ("args", "finished", "guards", "labels", "level", "levels", "local", "mixed", "ops", "parents",
                 "partials", "plain", "ptr", "refs", "values")

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
        self.mixed = False  # some value is not a float/int (checked as recorded; floats by check_tape)
        self.local: dict[int, Primitive] = {}  # node -> its row when that row is not in the table (fixed_point)

    def __len__(self) -> int:
        return len(self.values)

    def primitive(self, i: int) -> Primitive:
        """The row node ``i`` was recorded with (a per-call row such as a fixed point's, or the table's)."""
        return self.local.get(i) or PRIMITIVES[self.ops[i]]

    def leaf(self, value: Any, label: str, op: str | None = None) -> Tracer:
        """Record an input (``op=None``) or a constant node."""
        i = len(self.values)
        if type(value) is not float and type(value) is not int:
            self.mixed = True
        self.refs.append(("n", i))
        self.ops.append(op)
        self.args.append(())
        self.values.append(value)
        self.levels.append(0)
        self.ptr.append(len(self.parents))
        self.labels.append(label)
        return Tracer(self, i, value)

    def record(self, prim: Primitive, args: Sequence[Any]) -> Tracer:
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
        parents, partials, levels = self.parents, self.partials, self.levels
        level = 0
        try:
            for k, (kind, p) in enumerate(spec):
                if kind == "n":
                    parents.append(p)
                    partials.append(prim.partials[k](m, *vals, out))
                    if levels[p] >= level:
                        level = levels[p] + 1
        except (ArithmeticError, ValueError) as exc:
            del parents[self.ptr[-1]:], partials[self.ptr[-1]:]  # a caught error leaves the tape whole
            if not plain:
                raise  # a nested computation's error, which names its own call
            raise partial_error(prim, vals, k) from exc
        if not plain and any(nonfinite(w) for w in partials[self.ptr[-1]:]):
            _refuse_partial(self, prim, vals, spec)
        i = len(self.values)
        if not i & _TIDY_MASK:
            tidy()  # bound the user's cyclic garbage while the collector is paused
        refs.append(("n", i))
        self.ops.append(prim.name)
        if PRIMITIVES.get(prim.name) is not prim:
            self.local[i] = prim
        self.args.append(tuple(spec))
        self.values.append(out)
        levels.append(level)
        self.ptr.append(len(parents))
        self.labels.append("")
        return Tracer(self, i, out)


def _refuse_partial(tape: Tape, prim: Primitive, vals: list, spec: list) -> None:
    """Undo the node's edges and raise the finiteness rule's error for its first non-finite partial."""
    start = tape.ptr[-1]
    ws = tape.partials[start:]
    del tape.parents[start:], tape.partials[start:]
    traced = [k for k, (kind, _) in enumerate(spec) if kind == "n"]
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
        if self.tape.finished or (type(other) is Tracer and other.tape.finished):
            _leaked()
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
def _scalar(x: Any) -> Any:
    if type(x) is float and x - x == 0.0:
        return x
    if isinstance(x, (bool, np.bool_)):
        raise TraceError(f"cannot differentiate with respect to a boolean ({x!r}); pass a number")
    refuse_complex((x,), "was given as a point to differentiate at")
    if nonfinite(x):
        raise DomainError(f"cannot differentiate at a non-finite point ({x!r} holds an inf or a nan); "
                          "semiring_ad computes derivatives at finite points only (semiring_ad.ad.finite)")
    if isinstance(x, (int, np.integer, np.floating)):
        return float(x)
    return x


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
