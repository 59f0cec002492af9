"""Tracing: run a Python function on traced scalars and return its :class:`ComputationGraph`.

Each number among the arguments (or each element of an array argument)
becomes an input node on a fresh :class:`~semiring_ad.ad.tape.Tape`; the
function runs on :class:`~semiring_ad.ad.tape.Tracer` values, and whatever
it returns becomes the outputs.  The result wraps the tape
(:mod:`semiring_ad.ad.computation`).
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .._sympy import is_symbol, is_sympy
from ..errors import DomainError, TraceError
from . import collector
from .computation import ComputationGraph
from .finite import check_tape
from .tape import Tape, Tracer, _scalar

__all__ = ["ComputationGraph", "Tape", "Tracer", "trace"]


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
    if isinstance(x, Tracer) or isinstance(x, numbers.Number) or is_sympy(x) or hasattr(x, "__semiring_ad_level__"):
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
        label = names[pos] if names is not None else (str(args[k]) if is_symbol(args[k])
                                                     else f"x{k}" if len(args) > 1 else "x")
        call_args[k], leaves = _leaves(tape, args[k], label)
        inputs.extend(t.index for t in leaves)
        in_shapes.append(None if isinstance(call_args[k], Tracer) else call_args[k].shape)
    collector.pause()  # full collections would only rescan the tape (semiring_ad.ad.collector)
    try:
        out = f(*call_args)
        outputs, out_shape = _flatten_outputs(tape, out)
    except DomainError:
        check_tape(tape)  # an earlier overflow (inf, then e.g. sin(inf)) is the cause to report
        raise
    finally:
        tape.finished = True
        collector.resume()
    check_tape(tape)  # the finiteness rule for the float operations (semiring_ad.ad.finite)
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


def _argnums(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    """``argnums`` as a tuple, and whether the caller gets a tuple of results (a sequence was given)."""
    if isinstance(argnums, int):
        return (argnums,), False
    return tuple(argnums), True


def _pack(pieces: list[Any], tuple_out: bool) -> Any:
    return tuple(pieces) if tuple_out else pieces[0]
