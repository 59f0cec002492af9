"""Re-evaluating a tape at a new point, only as far as the request reads; and the reverse sweep on a tape.

``ComputationGraph.at`` does not re-run the whole tape.  A :class:`Replay`
holds the new point and fills values and partials on demand, by *plans*
(cached per tape, shared by every replay of it):

* the guards: the values the recorded comparisons read, checked in tape order
  (``at`` runs this one at once, so a changed branch raises there);
* a derivative of the outputs: the partials of every edge into an ancestor of
  an output, and only the values those partial rules read — which arguments
  (and whether the result) a rule reads is read off its bytecode
  (:func:`reads`), so ``x * y`` needs ``x`` and ``y`` but ``a + b`` needs
  nothing, and ln x1 + x1·x2 − sin x2 needs no intermediate value at all;
* the outputs' values; and everything (when ``g.tape`` is read).

:func:`reverse` is the backward (+, ×) sweep on the tape's own CSR lists.

>>> import semiring_ad as sad
>>> g = sad.trace(lambda x1, x2: sad.log(x1) + x1 * x2 - sad.sin(x2), 2.0, 5.0)
>>> h = g._at((3.0, 4.0), cone=False)  # as vmap_grad re-evaluates (at() evaluates the outputs' cone)
>>> h._replay.vals  # nothing evaluated yet but the point
[3.0, 4.0, None, None, None, None, None]
>>> h.jacobian(mode="reverse").round(4).tolist(), h._replay.vals.count(None)
([4.3333, 3.6536], 5)
"""

from __future__ import annotations

import contextlib
import dis
from collections.abc import Callable, Sequence
from functools import cache
from typing import Any

import numpy as np

from ..errors import DomainError, StaleTraceError
from .dispatch import FLOAT, namespace_for
from .finite import RAISE, check_tape
from .primitives import PRIMITIVES, Primitive
from .straightline import float_code
from .tape import _COMPARISONS

__all__ = ["Replay", "check_guard", "plain_constants", "plan", "reads", "reverse", "reverse_floats"]

_LOADS = {"LOAD_FAST", "LOAD_FAST_CHECK", "LOAD_DEREF", "LOAD_CLOSURE", "LOAD_FAST_AND_CLEAR",
          "LOAD_FAST_LOAD_FAST", "DELETE_FAST", "STORE_FAST"}


@cache
def reads(rule: Callable[..., Any], n: int) -> tuple[bool, ...]:
    """Which of a rule's parameters its code reads: the namespace ``m``, then ``n`` operands; all, if unsure.

    >>> from semiring_ad.ad.primitives import PRIMITIVES
    >>> reads(PRIMITIVES["multiply"].partials[0], 3), reads(PRIMITIVES["add"].partials[0], 3)
    ((False, False, True, False), (False, False, False, False))
    """
    code = getattr(rule, "__code__", None)
    if code is None or getattr(rule, "__defaults__", None) or code.co_kwonlyargcount or not code.co_argcount:
        return (True,) * (n + 1)
    names = code.co_varnames[1:code.co_argcount]
    star = code.co_varnames[code.co_argcount] if code.co_flags & 0x04 else None
    loaded: set[str] = set(code.co_cellvars)
    for ins in dis.get_instructions(code):
        if ins.opname in _LOADS:
            loaded.update(ins.argval if isinstance(ins.argval, tuple) else (ins.argval,))
    out = [names[j] in loaded if j < len(names) else (star is not None and star in loaded) for j in range(n)]
    if star is None and len(names) < n:
        return (True,) * (n + 1)
    return (code.co_varnames[0] in loaded, *out)


def _const_nodes(tape: Any) -> list[int]:
    if "const nodes" not in tape.plans:
        tape.plans["const nodes"] = [i for i, op in enumerate(tape.ops) if op == "const"]
    return tape.plans["const nodes"]


def constant_partials(tape: Any, plain: bool = False) -> list[Any]:
    """Per edge: the partial when its rule reads nothing (``+``, ``−``: the same at every point), else None.

    ``plain``: as floats (the rules write ints, exact for SymPy).
    """
    key = ("constant float partials" if plain else "constant partials", PRIMITIVES.version)
    if plain:
        if key not in tape.plans:
            tape.plans[key] = [None if w is None else float(w) for w in constant_partials(tape)]
        return tape.plans[key]
    if key not in tape.plans:
        ptr, template = tape.ptr, [None] * len(tape.parents)
        for v in range(len(tape.ops)):
            if ptr[v] == ptr[v + 1]:
                continue
            prim, e = tape.primitive(v), ptr[v]
            for k, (kind, _) in enumerate(tape.spec(v)):
                if kind == "n":
                    if not any(reads(prim.partials[k], prim.arity + 1)):
                        template[e] = prim.partials[k](None, *[None] * prim.arity, None)
                    e += 1
        tape.plans[key] = template
    return tape.plans[key]


def plan(tape: Any, key: Any, values: Sequence[int], derive: Sequence[int], guards: bool) -> list[tuple]:
    """Steps ``(node, row, spec, compute value?, [(k, edge), ...])`` in tape order (cached under ``key``).

    ``values``: nodes whose values are wanted; ``derive``: nodes whose
    ancestors' edges get partials (an output's derivative); ``guards``:
    include the comparisons (a step ``(None, guard, ...)`` at its position).
    """
    key = (key, PRIMITIVES.version)  # a row changed since: plan again with the table's rows now
    steps = tape.plans.get(key)
    if steps is not None:
        return steps
    n, ptr, ops = len(tape.ops), tape.ptr, tape.ops
    want, live = bytearray(n), bytearray(n)
    for v in values:
        want[v] = 1
    for v in derive:
        live[v] = 1
    if guards:
        for _, _, spec, _ in tape.guards:
            for kind, x in spec:
                if kind == "n":
                    want[x] = 1
    chosen: list[tuple] = []
    for v in range(n - 1, -1, -1):
        if ops[v] is None or ops[v] == "const" or not (want[v] or live[v]):
            continue
        prim, spec = tape.primitive(v), tape.spec(v)
        edges, e = [], ptr[v]
        if live[v]:
            for k, (kind, x) in enumerate(spec):
                if kind != "n":
                    continue
                live[x] = 1
                seen = reads(prim.partials[k], prim.arity + 1)[1:]
                for j, (kj, xj) in enumerate(spec):
                    if kj == "n" and seen[j]:
                        want[xj] = 1
                if seen[-1]:
                    want[v] = 1
                edges.append((k, e))
                e += 1
        if want[v]:
            for kind, x in spec:
                if kind == "n":
                    want[x] = 1
        chosen.append((v, prim, spec, bool(want[v]), edges))
    chosen.reverse()
    if guards and tape.guards:
        steps, pending = [], tape.guards[::-1]
        for step in chosen:
            while pending and pending[-1][0] <= step[0]:
                steps.append((None, pending.pop(), (), False, ()))
            steps.append(step)
        steps += [(None, g, (), False, ()) for g in pending[::-1]]
    else:
        steps = chosen
    tape.plans[key] = steps
    return steps


def plain_constants(tape: Any) -> bool:
    """Whether every constant on the tape is a Python float or int (computed once per tape)."""
    if tape.plain is None:
        tape.plain = all(type(x) in (float, int) for spec in tape.consts.values() for kind, x in spec
                         if kind == "c") and all(type(tape.values[i]) in (float, int) for i in _const_nodes(tape))
    return tape.plain


def check_guard(guard: tuple, vals: list[Any]) -> None:
    """Raise :class:`StaleTraceError` when a recorded comparison comes out differently at the new values."""
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


class Replay:
    """A tape's values and partials at a new point, filled as plans ask (``None`` = not evaluated yet)."""

    __slots__ = ("base", "check", "cone", "parts", "plain", "vals")

    def __init__(self, base: Any, inputs: Sequence[int], point: Sequence[Any], plain_constants: bool,
                 check: Callable[[tuple, list], None]) -> None:
        self.base = base
        vals: list[Any] = [None] * len(base.ops)
        for c in _const_nodes(base):
            vals[c] = base.values[c]
        for i, x in zip(inputs, point):
            vals[i] = x
        self.vals = vals
        self.plain = plain = plain_constants and not [x for x in point if type(x) is not float]
        self.parts: list[Any] = list(constant_partials(base, plain))
        self.check = check  # the guard check (raises StaleTraceError)
        self.cone = False  # set once the outputs' ancestors are all evaluated (values and partials)

    def run(self, steps: list[tuple], on_error: Callable[[Primitive, list, tuple, Exception], Exception],
            full: bool = False) -> None:
        """Evaluate the steps' missing values and partials; the finiteness rule as the tracer applies it.

        An error in a partial evaluation completes the tape first, so it names
        the node a full replay names (the first offending one in tape order).
        """
        if not steps:
            return
        vals, parts, plain = self.vals, self.parts, self.plain
        if plain and not full and not self.base.local:
            code = float_code(self.base, steps, constant_partials(self.base, True))
            total = None if code is None else code(vals, parts, self.check)
            if total is not None:
                if total - total == 0.0:
                    return
                self.complete(on_error)  # raises the finiteness rule's error for the first offending node
            # on an error (None) the loop below redoes the failing step and raises the rule's error
        fresh: list[Any] = []
        with contextlib.nullcontext() if plain else np.errstate(**RAISE):
            for i, prim, spec, want, edges in steps:
                if i is None:
                    self.check(prim, vals)
                    continue
                args = [vals[x] if kind == "n" else x for kind, x in spec]
                m = FLOAT if plain else namespace_for([a for a in args if a is not None])
                try:
                    out = vals[i]
                    if want and out is None:
                        out = vals[i] = prim.value(m, *args)
                        fresh.append(out)
                    for k, e in edges:
                        if parts[e] is None:
                            w = prim.partials[k](m, *args, out)
                            parts[e] = w = float(w) if plain and type(w) is int else w
                            fresh.append(w)
                except (ArithmeticError, ValueError) as exc:
                    if not full:
                        self.complete(on_error)
                    raise on_error(prim, args, spec, exc) from exc
        if plain and not full:
            total = sum(fresh, 0.0)
            if total - total != 0.0:
                self.complete(on_error)  # raises the finiteness rule's error for the first offending node
                raise DomainError("a re-evaluated value or partial is not finite")

    def complete(self, on_error: Callable[..., Exception]) -> Any:
        """Every value and partial, as a finished tape sharing the structure (checked by the finiteness rule)."""
        base = self.base
        n = len(base.ops)
        self.run(plan(base, "all", range(n), range(n), True), on_error, full=True)
        new = type(base).__new__(type(base))
        for slot in type(base).__slots__:
            setattr(new, slot, getattr(base, slot))
        new.values, new.partials, new.finished, new.mixed = self.vals, self.parts, True, not self.plain
        if self.plain:
            check_tape(new)
        return new


class _Negated:
    """−x for an array x, not yet computed: ``a + (−x)`` becomes ``a − x``, one array operation instead of two."""

    __slots__ = ("x",)

    def __init__(self, x: Any) -> None:
        self.x = x


def _times(w: Any, b: Any) -> Any:
    """w × b, exactly, with ``1 × b = b``, ``−1 × b = −b`` and ``w × ±1.0 = ±w`` for Python numbers."""
    tw, tb = type(w), type(b)
    if tb is _Negated:
        t = _times(w, b.x)
        return t.x if type(t) is _Negated else (_Negated(t) if isinstance(t, np.ndarray) else -t)
    if (tw is float or tw is int) and (w == 1 or w == -1):
        return b if w == 1 else (_Negated(b) if tb is np.ndarray else -b)
    if tb is float and (b == 1.0 or b == -1.0):
        return w if b == 1.0 else (_Negated(w) if tw is np.ndarray else -w)
    return w * b


def _plus(a: Any, t: Any) -> Any:
    if type(t) is _Negated:
        return _Negated(a.x + t.x) if type(a) is _Negated else a - t.x
    return t - a.x if type(a) is _Negated else a + t


def reverse(ptr: Sequence[int], parents: Sequence[int], partials: Sequence[Any], seeds: dict[int, Any],
            n: int) -> list[Any]:
    """The backward (+, ×) sweep on CSR lists: adjoints, ``None`` where no path reaches.

    As the core's generic loop (edges in reverse tape order, ``w × β(v)``),
    with exact shortcuts for the partials ±1 and the adjoint ±1.0, and array
    negations deferred into a later subtraction: at many points each saves
    an array operation (the sum ln x1 + x1·x2 − sin x2 costs none).
    """
    vals: list[Any] = [None] * n
    for i, s in seeds.items():
        vals[i] = s
    for v in range(max(seeds, default=-1), -1, -1):
        b = vals[v]
        if b is None:
            continue
        for k in range(ptr[v + 1] - 1, ptr[v] - 1, -1):
            t = _times(partials[k], b)
            u = parents[k]
            a = vals[u]
            vals[u] = t if a is None else _plus(a, t)
    for i, x in enumerate(vals):
        if type(x) is _Negated:
            vals[i] = -x.x
    return vals


def reverse_floats(ptr: Sequence[int], parents: Sequence[int], partials: list[float], seed: int,
                   n: int) -> list[float]:
    """:func:`reverse` for a float tape and one seed 1.0: adjoints as floats, 0.0 where no path reaches."""
    adj = [0.0] * n
    adj[seed] = 1.0
    hi = ptr[seed + 1]
    for v in range(seed, -1, -1):
        lo = ptr[v]
        b = adj[v]
        if b and hi > lo:
            if hi - lo == 2:
                adj[parents[lo + 1]] += partials[lo + 1] * b
                adj[parents[lo]] += partials[lo] * b
            else:
                for k in range(hi - 1, lo - 1, -1):
                    adj[parents[k]] += partials[k] * b
        hi = lo
    return adj
