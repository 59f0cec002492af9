"""A replay plan on floats as one straight-line Python function (generated once per plan, then reused).

A small reused trace (Baydin's example: 6 nodes) re-evaluated at a float
point spends most of a generic loop's time on the loop itself: building each
node's argument list, picking the namespace, looking up the rule.  Here a
plan (:func:`semiring_ad.ad.replay.plan`) becomes one function whose lines
are ``vals[4] = vals[2] * vals[3]`` and ``parts[5] = 1 / vals[0]``: the
built-in ``+ − × /`` rows inline, the unary rows through the same float
functions as the tracer's fast paths (:data:`~semiring_ad.ad.fastpaths.UNARY`),
any other row through its rule.  It returns the sum of what it computed (the
caller's finiteness check) or ``None`` on any error, after which the caller's
generic loop redoes the step and raises the rule's error.

>>> from semiring_ad.ad.tape import Tape
>>> tape = Tape()
>>> x = tape.leaf(2.0, "x")
>>> y = (x * x).sin()
>>> from semiring_ad.ad.replay import plan
>>> print(source(plan(tape, "all", range(3), range(3), True), [None, None, None]))
def run(vals, parts, check):
    try:
        vals[1] = vals[0] * vals[0]
        parts[0] = vals[0]
        parts[1] = vals[0]
        vals[2] = U1(vals[1])
        parts[2] = D1(vals[1], vals[2])
    except (ArithmeticError, ValueError, SemiringADError):
        return None
    return 0.0 + vals[1] + parts[0] + parts[1] + vals[2] + parts[2]
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import SemiringADError
from .dispatch import FLOAT
from .fastpaths import UNARY
from .rules import BUILTIN

__all__ = ["MAX_STEPS", "float_code", "source"]

MAX_STEPS = 2000
"""Longer plans keep the generic loop (compiling a huge function costs more than it saves)."""

_ROWS = {p.name: p for p in BUILTIN}
_VALUE = {"add": "{0} + {1}", "subtract": "{0} - {1}", "multiply": "{0} * {1}", "divide": "{0} / {1}",
          "negative": "-{0}"}
_PARTIAL = {("multiply", 0): "{1}", ("multiply", 1): "{0}", ("divide", 0): "1 / {1}",
            ("divide", 1): "-({2} / {1})"}


def _cast(w: Any) -> Any:
    return float(w) if type(w) is int else w


def source(steps: list[tuple], template: list[Any], env: dict[str, Any] | None = None) -> str:
    """The generated function's text; ``env`` receives the names it uses (rules, constants, guards)."""
    env = {} if env is None else env
    lines, fresh = [], []
    for j, (i, prim, spec, want, edges) in enumerate(steps):
        if i is None:
            env[f"G{j}"] = prim
            lines.append(f"check(G{j}, vals)")
            continue
        args = []
        for a, (kind, x) in enumerate(spec):
            if kind == "n":
                args.append(f"vals[{x}]")
            else:
                env[f"C{j}_{a}"] = x
                args.append(f"C{j}_{a}")
        builtin = _ROWS.get(prim.name) is prim
        out = f"vals[{i}]"
        if want:
            if builtin and prim.name in _VALUE:
                value = _VALUE[prim.name].format(*args)
            elif builtin and prim.name in UNARY:
                env[f"U{j}"] = UNARY[prim.name][0]
                value = f"U{j}({args[0]})"
            else:
                env[f"V{j}"] = prim.value
                value = f"V{j}(FLOAT, {', '.join(args)})"
            lines.append(f"{out} = {value}")
            fresh.append(out)
        for k, e in edges:
            if template[e] is not None:
                continue  # a constant partial, already there
            if builtin and (prim.name, k) in _PARTIAL:
                partial = _PARTIAL[prim.name, k].format(*args, out)
            elif builtin and prim.name in UNARY:
                env[f"D{j}"] = UNARY[prim.name][1]
                partial = f"D{j}({args[0]}, {out})"
            else:
                env[f"P{j}_{k}"] = prim.partials[k]
                partial = f"cast(P{j}_{k}(FLOAT, {', '.join([*args, out])}))"
            lines.append(f"parts[{e}] = {partial}")
            fresh.append(f"parts[{e}]")
    body = "\n".join(f"        {line}" for line in lines) or "        pass"
    return (f"def run(vals, parts, check):\n    try:\n{body}\n"
            "    except (ArithmeticError, ValueError, SemiringADError):\n        return None\n"
            f"    return {' + '.join(['0.0', *fresh])}")


def float_code(tape: Any, steps: list[tuple], template: list[Any]) -> Callable[..., Any] | None:
    """The plan's function (cached on the tape with the plan), or None for a long plan."""
    if len(steps) > MAX_STEPS:
        return None
    key = ("float code", id(steps))
    if key not in tape.plans:
        env: dict[str, Any] = {"FLOAT": FLOAT, "SemiringADError": SemiringADError, "cast": _cast}
        text = source(steps, template, env)
        exec(compile(text, "<semiring_ad replay plan>", "exec"), env)
        tape.plans[key] = (env["run"], steps)  # the plan stays alive with its code, so its id stays unique
    return tape.plans[key][0]
