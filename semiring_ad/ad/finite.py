"""The finiteness rule: a number the AD layer computes is finite, or the computation stops.

**Rule.**  Every value and every local partial that the AD layer computes — on
a tape while tracing, when a tape is re-evaluated (:meth:`ComputationGraph.at`,
:func:`~semiring_ad.vmap_grad`), and in dual-number arithmetic — must be
finite.  The first one that is not (an overflow such as ``1e200 * 1e200``, a
division by zero, a result outside the domain, a non-finite point) raises
:class:`~semiring_ad.errors.DomainError` naming the operation, its arguments
and, for arrays of points, the first offending point.  It is one rule for
floats and for NumPy arrays: NumPy's IEEE flags are turned into errors while a
tape is re-evaluated (:data:`RAISE`), so ``vmap_grad`` stops where ``grad``
stops.  While tracing, float operations are checked once, when the traced
function returns (:func:`check_tape`, vectorized), and the error names the
first offending operation; other values are checked as they are recorded.

Why: a non-finite intermediate can come back finite one step later
(``sqrt(inf)`` has the partial ``1 / (2·inf) = 0``), and the derivative is then
a plausible wrong number: ``d sqrt(x·x)/dx`` at ``1e200`` came out as ``0.0``.
The path sums over finite edge weights need no such rule: ``+`` and ``×``
never turn an infinity back into a finite number, so a derivative too large
for a float comes out as ``inf`` or ``nan``, never as a finite wrong number.

>>> nonfinite(1.0), nonfinite(float("inf")), nonfinite(np.array([1.0, np.nan]))
(False, True, True)
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np

from ..errors import DomainError, TraceError
from .namespaces import FLOAT, NUMPY
from .primitives import Primitive
from .refusals import refuse_complex

__all__ = ["RAISE", "check_scalar", "check_tape", "nonfinite", "partial_error", "point_error", "scalar_point",
           "value_error"]

RAISE = {"over": "raise", "divide": "raise", "invalid": "raise"}
"""``np.errstate`` settings under which NumPy raises where the float path raises (underflow stays quiet)."""


def nonfinite(x: Any) -> bool:
    """Whether ``x`` is a float, NumPy scalar or float array holding an inf or a nan (SymPy, duals: False)."""
    t = type(x)
    if t is float:
        return x - x != 0.0
    if t is int or t is bool:
        return False
    if isinstance(x, (np.floating, np.complexfloating)) or (isinstance(x, np.ndarray) and x.dtype.kind in "fc"):
        return not bool(np.isfinite(x).all())
    return False


def _show(args: Any) -> str:
    return ", ".join(_one(a) for a in args)


def _one(a: Any) -> str:
    if isinstance(a, (float, np.floating)):
        return repr(float(a))
    if isinstance(a, int) and abs(a) > 10**20:  # beyond the float range, 2**1024 has 309 digits
        return f"<an integer of {len(str(abs(a)))} digits>" if abs(a) < 10**4000 else "<an integer of > 4000 digits>"
    return repr(a)


def value_error(prim: Primitive, args: Any, out: Any) -> DomainError:
    """The error for a value that is not finite: an overflow, or a non-finite argument."""
    call = f"{prim.name}({_show(args)})"
    if any(nonfinite(a) for a in args):
        why = f"{call} has a non-finite argument, so no derivative through it can be trusted"
    elif isinstance(out, float) and out != out:
        why = f"{call} is undefined (nan)"
    else:
        why = f"{call} overflows a float (the result exceeds {sys.float_info.max:.4g})"
    return DomainError(f"{why}; semiring_ad stops rather than return a derivative that may be silently wrong "
                       "(rescale the inputs, or use the LOG / SIGNED_LOG semirings for very large products)")


_ORDINALS = ("first", "second", "third")


def partial_error(prim: Primitive, args: Any, k: int) -> DomainError:
    """The error for a local partial that is infinite or undefined at ``args`` (e.g. sqrt at 0)."""
    with np.errstate(all="ignore"):
        try:
            vals = [np.float64(a) if isinstance(a, (int, float)) else a for a in args]
            w = prim.partials[k](NUMPY, *vals, prim.value(NUMPY, *vals))
            kind = "infinite" if np.all(np.isinf(w)) else "undefined"
        except (ArithmeticError, ValueError, TypeError):
            kind = "undefined"
    if prim.arity == 1:
        what = f"the derivative of {prim.name} is {kind} at {_show(args)}"
    else:
        what = (f"the partial derivative of {prim.name}({_show(args)}) with respect to its "
                f"{_ORDINALS[k] if k < len(_ORDINALS) else f'#{k + 1}'} argument is {kind}")
    return DomainError(f"{what}; differentiate at another point, or rewrite the function so that it avoids "
                       f"this one ({prim.name}: {prim.doc.rstrip('.')})")


def check_scalar(prim: Primitive, args: Any, wrt: Any) -> None:
    """Compute ``prim`` at float ``args`` and its partials in ``wrt``; raise the rule's DomainError if one fails."""
    try:
        out = prim.value(FLOAT, *args)  # the guarded FLOAT functions raise their own DomainError
    except OverflowError as exc:  # an int beyond the float range meets a float: 2**1024 * x
        raise value_error(prim, args, float("inf")) from exc
    if nonfinite(out):
        raise value_error(prim, args, out)
    for k in wrt:
        try:
            w = prim.partials[k](FLOAT, *args, out)
        except (ArithmeticError, ValueError) as exc:
            raise partial_error(prim, args, k) from exc
        if nonfinite(w):
            raise partial_error(prim, args, k)


def point_error(prim: Primitive, args: Any, wrt: Any, exc: Exception) -> DomainError:
    """The error for NumPy arrays of points: the first point where the scalar rule fails, and its message."""
    arrays = [a for a in args if isinstance(a, np.ndarray) and a.ndim]
    shape = np.broadcast_shapes(*(a.shape for a in arrays)) if arrays else ()
    for idx in np.ndindex(shape):
        point = [float(np.broadcast_to(a, shape)[idx]) if isinstance(a, np.ndarray) else a for a in args]
        if not all(isinstance(p, (int, float)) for p in point):
            break
        try:
            check_scalar(prim, point, wrt)
        except DomainError as inner:
            where = idx[0] if len(idx) == 1 else idx
            return DomainError(f"at point {where} of the batch: {inner}")
    return DomainError(f"{prim.name} gave a non-finite number on an array of points ({exc}); "
                       "semiring_ad stops rather than return a derivative that may be silently wrong")


def _floats(xs: list) -> np.ndarray:
    return np.fromiter((x if type(x) is float else 0.0 for x in xs), float, len(xs))


def check_tape(tape: Any) -> None:
    """Raise the rule's error for the first float value or partial on ``tape`` that is not finite.

    Operations on floats are checked here, once per trace (a check per
    operation cost about 10% of the tracing time, measured): one ``sum`` when
    every value is a float, else vectorized; the others are checked as they
    are recorded.  The error names the first offending operation, as the
    scalar path would (:func:`check_scalar`).
    """
    values, partials = tape.values, tape.partials
    if not getattr(tape, "mixed", True):  # all floats and ints: an inf or nan anywhere makes the sum one
        total = sum(values, 0.0) + sum(partials, 0.0)
        if total - total == 0.0:
            return
        v, w = np.array(values, dtype=float), np.array(partials, dtype=float)
    else:
        v, w = _floats(values), _floats(partials)
    bad = set(np.flatnonzero(~np.isfinite(v)).tolist())
    edges = np.flatnonzero(~np.isfinite(w))
    if edges.size:
        bad.update((np.searchsorted(tape.ptr, edges, side="right") - 1).tolist())
    for i in sorted(bad):
        op = tape.ops[i]
        if op is None or op == "const":
            continue  # an input (checked by the tracer) or an output constant: nothing to differentiate
        spec = tape.args[i]
        args = [values[x] if kind == "n" else x for kind, x in spec]
        if not all(type(a) in (float, int) for a in args):
            continue
        check_scalar(tape.primitive(i), args, [k for k, (kind, _) in enumerate(spec) if kind == "n"])


def scalar_point(x: Any) -> Any:
    """A point to differentiate at as a float (or the object itself: SymPy, dual numbers), else the error."""
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
