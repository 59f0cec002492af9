"""Lossless conversion of weights and seeds to a semiring's kernel dtype, and the array encodings.

A :class:`Mode` says how one semiring's values live in a NumPy array: the
storage dtype, the ⊕/⊗ ufuncs the sweep calls, the value that marks an
unreached node, and how to decode the final array into (values, reached).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..graph import CompiledGraph
from ..semiring import Semiring

__all__ = ["Mode", "Seeds", "convert_seeds", "kernel_weights", "mode_of"]

_EXACT_FLOAT_INT = 2**53
_NAN_PLUS = {np.minimum: np.fmin, np.maximum: np.fmax}


@dataclass(frozen=True)
class Mode:
    """How one semiring's values are stored and combined in the vectorized sweeps.

    ``sentinel`` modes fold reachability into the values (NaN for min/max,
    a 0/1/2 code for or/and); the others keep unreached nodes at the
    semiring's zero and compute reachability separately.
    """

    key: tuple
    dtype: np.dtype
    plus: np.ufunc
    times: np.ufunc
    unreached: Any
    pad_weight: Any
    sentinel: bool
    encode: Callable[[np.ndarray], np.ndarray]
    decode: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]]


def _identity(a: np.ndarray) -> np.ndarray:
    return a


def _decode_nan(x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    reached = ~np.isnan(x if x.ndim == 1 else x[:, 0])
    return x, reached


def _encode_bool(a: np.ndarray) -> np.ndarray:
    return np.where(a, 2, 1).astype(np.uint8)


def _decode_bool(x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    reached = (x if x.ndim == 1 else x[:, 0]) > 0
    return x == 2, reached


def _decode_plain(x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    return x, None


def mode_of(s: Semiring) -> Mode:
    """The storage :class:`Mode` for a semiring with kernels.

    >>> from semiring_ad.core.semirings import MIN_PLUS, OR_AND
    >>> mode_of(MIN_PLUS).plus is np.fmin, mode_of(OR_AND).dtype
    (True, dtype('uint8'))
    """
    k = s.kernels
    dtype = np.dtype(k.dtype)
    one = np.asarray(s.one, dtype=dtype)[()]
    if dtype == np.bool_ and k.plus is np.logical_or and k.times is np.logical_and:
        return Mode((k, "or-and-code"), np.dtype(np.uint8), np.maximum, np.minimum, 0, 2, True,
                    _encode_bool, _decode_bool)
    if dtype.kind == "f" and k.plus in _NAN_PLUS:
        return Mode((k, "nan"), dtype, _NAN_PLUS[k.plus], k.times, np.nan, one, True, _identity, _decode_nan)
    zero = np.asarray(s.zero, dtype=dtype)[()]
    return Mode((k, "plain"), dtype, k.plus, k.times, zero, one, False, _identity, _decode_plain)


def _to_kernel_dtype(a: np.ndarray, s: Semiring, strict: bool) -> np.ndarray | None:
    """``a`` in the kernel dtype if the generic loop would compute the same values, else None.

    ``strict`` (weights) refuses integers for a float kernel whose one is an
    integer: with integer weights the generic loop computes exact Python ints.
    """
    target = np.dtype(s.kernels.dtype)
    kind = a.dtype.kind
    if a.size == 0:
        return a.astype(target)
    if target == np.bool_:
        return a if kind == "b" else None
    if target.kind == "i":
        if kind not in "biu" or (kind == "u" and a.size and a.max() > np.iinfo(target).max):
            return None
        return a.astype(target, copy=False)
    if target.kind != "f" or kind not in "fbiu" or (kind == "f" and a.dtype.itemsize > target.itemsize):
        return None
    if kind != "f" and ((strict and not isinstance(s.one, float))
                        or (a.size and np.abs(a.astype(np.float64)).max() > _EXACT_FLOAT_INT)):
        return None
    return a.astype(target, copy=False)  # no copy of weights already in the kernel dtype


def _in_domain(a: np.ndarray, s: Semiring) -> bool:
    """0 ⊕ a == a and 0 ⊗ a == a ⊗ 0 == 0 elementwise: unreached zeros stay inert (rejects NaN)."""
    k = s.kernels
    if k.plus is np.add and k.times is np.multiply and s.zero == 0:  # exactly the finite numbers: one pass
        return bool(np.isfinite(a).all())
    zero = np.asarray(s.zero, dtype=a.dtype)
    with np.errstate(all="ignore"):
        return bool(np.all(k.plus(zero, a) == a) and np.all(k.times(zero, a) == zero)
                    and np.all(k.times(a, zero) == zero))


def _convert(values: Any, s: Semiring, strict: bool) -> np.ndarray | None:
    try:
        a = values if isinstance(values, np.ndarray) else np.asarray(values)
    except (ValueError, TypeError, OverflowError):
        return None
    out = _to_kernel_dtype(a, s, strict)
    if out is None or not _in_domain(out, s):
        return None
    return out


def kernel_weights(cg: CompiledGraph, s: Semiring) -> np.ndarray | None:
    """The weights in ``s``'s kernel dtype, or None if that would change the answer (cached on ``cg``).

    >>> import numpy as np
    >>> from semiring_ad.core.graph import CompiledGraph
    >>> from semiring_ad.core.semirings import PLUS_TIMES, COUNTING
    >>> cg = CompiledGraph.from_arrays([0, 1], [0, 0, 1], [0], [2])
    >>> kernel_weights(cg, PLUS_TIMES) is None, kernel_weights(cg, COUNTING)
    (True, array([2]))
    """
    cache = cg.__dict__.setdefault("_kernel_weights", {})
    if s.kernels not in cache:
        w = _convert(cg.weights, s, strict=True)
        if w is not None:
            w = w.view()  # may share the graph's own array: read-only, so no sweep writes into it
            w.flags.writeable = False
        cache[s.kernels] = None if w is None or w.ndim != 1 or len(w) != cg.n_edges else w
    return cache[s.kernels]


@dataclass
class Seeds:
    """Converted seeds: ``pos`` (int64 positions), ``vals`` (``(len,)`` or ``(len, k)``), ``k`` (None: scalars)."""

    pos: np.ndarray
    vals: np.ndarray
    k: int | None


def convert_seeds(s: Semiring, seeds: dict[int, Any]) -> Seeds | None:
    """Seeds as arrays in the kernel dtype, or None if any seed is not a real scalar or a 1-D array
    of the common length, or would change the answer (the same rules as the weights, but integer
    seeds are fine for float kernels).

    >>> from semiring_ad.core.semirings import PLUS_TIMES
    >>> convert_seeds(PLUS_TIMES, {3: np.array([1.0, 0.0]), 5: 2.0}).vals.tolist()
    [[1.0, 0.0], [2.0, 2.0]]
    """
    values = list(seeds.values())
    pos = np.fromiter(seeds, dtype=np.int64, count=len(seeds))
    dims = [np.ndim(v) for v in values]
    if max(dims, default=0) == 0 and len(values) <= _FEW:
        ok = all(_scalar_ok(v, s) for v in values)
        return Seeds(pos, np.array(values, dtype=np.dtype(s.kernels.dtype)), None) if ok else None
    lengths = {np.shape(v)[0] for v, d in zip(values, dims) if d == 1}
    if max(dims, default=0) > 1 or len(lengths) > 1:
        return None
    k = lengths.pop() if lengths else None
    rows = [np.broadcast_to(np.asarray(v), (k,)) if k is not None else v for v in values]
    try:
        raw = np.array(rows) if rows else np.zeros((0,) if k is None else (0, k))
    except (ValueError, TypeError, OverflowError):
        return None
    vals = _convert(raw, s, strict=False) if raw.size else raw.astype(np.dtype(s.kernels.dtype))
    return None if vals is None else Seeds(pos, vals, k)


_FEW = 32
_REAL = (bool, int, float, np.bool_, np.integer, np.floating)


def _scalar_ok(v: Any, s: Semiring) -> bool:
    """One scalar seed: the per-element version of ``_convert(..., strict=False)``."""
    if not isinstance(v, _REAL):
        return False
    target = np.dtype(s.kernels.dtype)
    if target == np.bool_:
        return isinstance(v, (bool, np.bool_))
    if isinstance(v, (float, np.floating)):
        if target.kind != "f" or np.dtype(type(v)).itemsize > target.itemsize:
            return False
    elif not (-_EXACT_FLOAT_INT <= v <= _EXACT_FLOAT_INT if target.kind == "f" else -(2**63) <= v < 2**63):
        return False
    k, a = s.kernels, target.type(v)
    zero = target.type(s.zero)
    with np.errstate(all="ignore"):
        return bool(k.plus(zero, a) == a and k.times(zero, a) == zero and k.times(a, zero) == zero)
