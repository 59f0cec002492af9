"""The tracer's fast paths: ``+ − × /``, negation and the unary math functions on float tapes.

A traced float operation goes straight to the tape (:meth:`~semiring_ad.ad.tape.Tape.push1`,
``push2``): the value and its local partials are computed here with :mod:`math`,
as the table's FLOAT rules compute them (``tests/test_fastpaths.py`` checks
every row against :func:`~semiring_ad.ad.dispatch.local_partials`), and
recorded as floats.  Anything else — a non-float value, a tracer of another
tape, a finished trace, a domain error or an overflow — takes the generic
path (``_record``: the primitive table, nesting, refusals, the errors' wording).

:func:`install` puts the methods on the tracer class; when a row of the same
name is replaced (``register_primitive(..., replace=True)``) the generic
method comes back, so a replaced rule is always the one applied (and the fast one
when the built-in row is registered again).

>>> import semiring_ad as sad
>>> g = sad.trace(lambda x, y: x * y - sad.sin(x), 2.0, 3.0)
>>> g.tape.ops[2:], g.tape.partials
(['multiply', 'sin', 'subtract'], [3.0, 2.0, -0.4161468365471424, 1.0, -1.0])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from .collector import YOUNG_EVERY, tidy
from .namespaces import _float_sigmoid
from .primitives import PRIMITIVES, on_replace
from .rules import BUILTIN

__all__ = ["UNARY", "install"]

_LOG2, _LOG10 = math.log(2), math.log(10)

UNARY: dict[str, tuple[Callable[[float], float], Callable[[float, float], float]]] = {
    "sin": (math.sin, lambda x, out: math.cos(x)),
    "cos": (math.cos, lambda x, out: -math.sin(x)),
    "tan": (math.tan, lambda x, out: 1 + out * out),
    "exp": (math.exp, lambda x, out: out),
    "expm1": (math.expm1, lambda x, out: out + 1),
    "log": (math.log, lambda x, out: 1 / x),
    "log1p": (math.log1p, lambda x, out: 1 / (1 + x)),
    "log2": (math.log2, lambda x, out: 1 / (x * _LOG2)),
    "log10": (math.log10, lambda x, out: 1 / (x * _LOG10)),
    "sqrt": (math.sqrt, lambda x, out: 1 / (2 * out)),
    "tanh": (math.tanh, lambda x, out: 1 - out * out),
    "sinh": (math.sinh, lambda x, out: math.cosh(x)),
    "cosh": (math.cosh, lambda x, out: math.sinh(x)),
    "arctan": (math.atan, lambda x, out: 1 / (1 + x * x)),
    "arcsin": (math.asin, lambda x, out: 1 / math.sqrt(1 - x * x)),
    "arccos": (math.acos, lambda x, out: -(1 / math.sqrt(1 - x * x))),
    "sigmoid": (_float_sigmoid, lambda x, out: out * (1 - out)),
    "square": (lambda x: x * x, lambda x, out: 2 * x),
    "reciprocal": (lambda x: 1 / x, lambda x, out: -out * out),
}
"""Primitive name -> (value, partial(x, out)) on floats, the same arithmetic as the table's rows."""

_ONE, _MINUS_ONE = 1.0, -1.0  # shared: a `+` records no new float objects
_TIDY_MASK = YOUNG_EVERY - 1
_new = object.__new__


def _push2(tape: Any, op: str, out: float, p: int, wp: float, q: int, wq: float, tracer: type) -> Any:
    """``Tape.push2`` as a plain function (no bound-method lookup on the hot path)."""
    ops = tape.ops
    i = len(ops)
    if not i & _TIDY_MASK:
        tidy()
    ops.append(op)
    tape.values.append(out)
    parents, partials = tape.parents, tape.partials
    parents.append(p)
    parents.append(q)
    partials.append(wp)
    partials.append(wq)
    tape.ptr.append(len(partials))
    t = _new(tracer)  # the slots set here: no Python __init__ frame per node
    t.tape, t.index, t.value = tape, i, out
    return t


def _unary(name: str, value: Callable[[float], float], partial: Callable[[float, float], float],
           tracer: type, record: Callable[[str, tuple], Any]) -> Callable[[Any], Any]:
    def method(self: Any) -> Any:
        a, tape = self.value, self.tape
        if type(a) is float and not tape.finished:
            try:
                out = value(a)
                w = partial(a, out)
            except (ArithmeticError, ValueError):
                return record(name, (self,))  # the generic path raises the rule's error
            ops = tape.ops  # Tape.push1, inline (one call less per node)
            i = len(ops)
            if not i & _TIDY_MASK:
                tidy()
            ops.append(name)
            tape.values.append(out)
            tape.parents.append(self.index)
            partials = tape.partials
            partials.append(w)
            tape.ptr.append(len(partials))
            t = _new(tracer)
            t.tape, t.index, t.value = tape, i, out
            return t
        return record(name, (self,))

    method.__name__ = name
    method.__doc__ = f"``{name}`` of a traced value (lets NumPy object arrays call it)."
    return method


def _binary(tracer: type, record: Callable[[str, tuple], Any]) -> dict[str, Callable[..., Any]]:
    """The arithmetic dunders, each with its float fast path inline (no helper call on the hot path)."""

    def __add__(self: Any, o: Any) -> Any:
        a, tape, t = self.value, self.tape, type(o)
        if type(a) is float and not tape.finished:
            if t is tracer:
                if o.tape is tape and type(o.value) is float:
                    return _push2(tape, "add", a + o.value, self.index, _ONE, o.index, _ONE, tracer)
            elif t is float or t is int:
                try:
                    out = a + o
                except OverflowError:
                    return record("add", (self, o))
                return tape.push1c("add", out, self.index, _ONE, (("n", self.index), ("c", o)))
        return record("add", (self, o))

    def __radd__(self: Any, o: Any) -> Any:
        a, tape, t = self.value, self.tape, type(o)
        if type(a) is float and (t is float or t is int) and not tape.finished:
            try:
                out = o + a
            except OverflowError:
                return record("add", (o, self))
            return tape.push1c("add", out, self.index, _ONE, (("c", o), ("n", self.index)))
        return record("add", (o, self))

    def __sub__(self: Any, o: Any) -> Any:
        a, tape, t = self.value, self.tape, type(o)
        if type(a) is float and not tape.finished:
            if t is tracer:
                if o.tape is tape and type(o.value) is float:
                    return _push2(tape, "subtract", a - o.value, self.index, _ONE, o.index, _MINUS_ONE, tracer)
            elif t is float or t is int:
                try:
                    out = a - o
                except OverflowError:
                    return record("subtract", (self, o))
                return tape.push1c("subtract", out, self.index, _ONE, (("n", self.index), ("c", o)))
        return record("subtract", (self, o))

    def __rsub__(self: Any, o: Any) -> Any:
        a, tape, t = self.value, self.tape, type(o)
        if type(a) is float and (t is float or t is int) and not tape.finished:
            try:
                out = o - a
            except OverflowError:
                return record("subtract", (o, self))
            return tape.push1c("subtract", out, self.index, _MINUS_ONE, (("c", o), ("n", self.index)))
        return record("subtract", (o, self))

    def __mul__(self: Any, o: Any) -> Any:
        a, tape, t = self.value, self.tape, type(o)
        if type(a) is float and not tape.finished:
            if t is tracer:
                b = o.value
                if o.tape is tape and type(b) is float:
                    return _push2(tape, "multiply", a * b, self.index, b, o.index, a, tracer)
            elif t is float or t is int:
                try:
                    out = a * o
                except OverflowError:
                    return record("multiply", (self, o))
                return tape.push1c("multiply", out, self.index, float(o), (("n", self.index), ("c", o)))
        return record("multiply", (self, o))

    def __rmul__(self: Any, o: Any) -> Any:
        a, tape, t = self.value, self.tape, type(o)
        if type(a) is float and (t is float or t is int) and not tape.finished:
            try:
                out = o * a
            except OverflowError:
                return record("multiply", (o, self))
            return tape.push1c("multiply", out, self.index, float(o), (("c", o), ("n", self.index)))
        return record("multiply", (o, self))

    def __truediv__(self: Any, o: Any) -> Any:
        a, tape, t = self.value, self.tape, type(o)
        if type(a) is float and not tape.finished:
            try:
                if t is tracer:
                    b = o.value
                    if o.tape is tape and type(b) is float:
                        out = a / b
                        return _push2(tape, "divide", out, self.index, 1 / b, o.index, -(out / b), tracer)
                elif t is float or t is int:
                    out = a / o
                    return tape.push1c("divide", out, self.index, 1 / o, (("n", self.index), ("c", o)))
            except ArithmeticError:
                pass  # division by zero or overflow: the generic path raises the rule's error
        return record("divide", (self, o))

    def __rtruediv__(self: Any, o: Any) -> Any:
        a, tape, t = self.value, self.tape, type(o)
        if type(a) is float and (t is float or t is int) and not tape.finished:
            try:
                out = o / a
                return tape.push1c("divide", out, self.index, -(out / a), (("c", o), ("n", self.index)))
            except ArithmeticError:
                pass
        return record("divide", (o, self))

    def __neg__(self: Any) -> Any:
        a, tape = self.value, self.tape
        if type(a) is float and not tape.finished:
            return tape.push1("negative", -a, self.index, _MINUS_ONE)
        return record("negative", (self,))

    return {f.__name__: f for f in (__add__, __radd__, __sub__, __rsub__, __mul__, __rmul__, __truediv__,
                                    __rtruediv__, __neg__)}


_DUNDERS = {"add": ("__add__", "__radd__"), "subtract": ("__sub__", "__rsub__"),
            "multiply": ("__mul__", "__rmul__"), "divide": ("__truediv__", "__rtruediv__"),
            "negative": ("__neg__",)}


def install(tracer: type, record: Callable[[str, tuple], Any], generic: Callable[[str], Callable[..., Any]]) -> None:
    """Put the fast methods on ``tracer``; a replaced row of the same name gets ``generic(name)`` back.

    ``record(name, args)`` is the generic path; the unary methods are named
    after their primitive (``x.sin()``, ``x.sigmoid()``).
    """
    fast = _binary(tracer, record)
    for name, (value, partial) in UNARY.items():
        setattr(tracer, name, _unary(name, value, partial, tracer, record))
    for f in fast.values():
        setattr(tracer, f.__name__, f)

    builtin = {p.name: p for p in BUILTIN}

    def restore(name: str) -> None:
        ours = PRIMITIVES.get(name) is builtin.get(name)  # the built-in row is back: so is its fast path
        if name in UNARY:
            setattr(tracer, name, _unary(name, *UNARY[name], tracer, record) if ours else generic(name))
        for dunder in _DUNDERS.get(name, ()):
            setattr(tracer, dunder, fast[dunder] if ours else _generic_binary(name, record, dunder.startswith("__r")))

    on_replace(restore)


def _generic_binary(name: str, record: Callable[[str, tuple], Any], reflected: bool) -> Callable[..., Any]:
    if name == "negative":
        return lambda self: record(name, (self,))
    if reflected:
        return lambda self, o: record(name, (o, self))
    return lambda self, o: record(name, (self, o))
