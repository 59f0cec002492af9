"""The result of a vectorized sweep: a list-like view of one value array."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, overload

import numpy as np

__all__ = ["SweepResult"]


class SweepResult(Sequence):
    """Values by topological position, ``None`` where no seed reaches; backed by NumPy arrays.

    Behaves like the list the generic loop returns (indexing, iteration,
    ``len``, ``==`` with a list) without building ``n`` Python objects until
    asked.  Scalars come out as Python scalars (``float``, ``int``, ``bool``),
    rows of a many-seed sweep as fresh 1-D arrays.

    Parameters
    ----------
    values : numpy.ndarray
        Values by storage slot, ``(slots,)`` or ``(slots, k)``.
    reached : numpy.ndarray, callable or None
        Reached flag by storage slot (None: all reached), or a function that
        computes them on first need; a function is passed only when every
        unreached slot holds the semiring's zero already, so the values and
        :meth:`to_numpy` never need it.
    index : numpy.ndarray or None
        Storage slot of each position (None: identity).
    zero : object
        The semiring's zero, used by :meth:`to_numpy` for unreached nodes.

    Examples
    --------
    >>> import numpy as np
    >>> r = SweepResult(np.array([1.0, 0.0, 2.5]), np.array([True, False, True]), None, 0.0)
    >>> list(r), r[2], r == [1.0, None, 2.5]
    ([1.0, None, 2.5], 2.5, True)
    >>> r.to_numpy()
    array([1. , 0. , 2.5])
    """

    def __init__(self, values: np.ndarray, reached: np.ndarray | Callable[[], np.ndarray] | None,
                 index: np.ndarray | None, zero: Any) -> None:
        self._values, self._index, self._zero = values, index, zero
        self._lazy = reached if callable(reached) else None
        self._flags = None if callable(reached) else reached
        self._n = len(values) if index is None else len(index)

    @property
    def _reached(self) -> np.ndarray | None:
        if self._lazy is not None:
            self._flags, self._lazy = self._lazy(), None
        return self._flags

    def value_or_zero(self, i: int) -> Any:
        """The value at position ``i``, the semiring's zero where unreached (no reachability search needed)."""
        if self._lazy is None:
            v = self[i]
            return self._zero if v is None else v
        v = self._values[int(i % self._n if self._index is None else self._index[i])]
        return v.item() if v.ndim == 0 else v.copy()

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> Any: ...

    @overload
    def __getitem__(self, i: slice) -> list: ...

    def __getitem__(self, i: int | slice) -> Any:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(self._n))]
        if not -self._n <= i < self._n:
            raise IndexError(f"position {i} out of range for {self._n} nodes")
        j = int(i % self._n if self._index is None else self._index[i])
        if self._reached is not None and not self._reached[j]:
            return None
        v = self._values[j]
        return v.item() if v.ndim == 0 else v.copy()

    def _ordered(self, flags: bool = True) -> tuple[np.ndarray, np.ndarray | None]:
        vals = self._values if self._index is None else self._values[self._index]
        reached = None
        if flags and self._reached is not None:
            reached = self._reached if self._index is None else self._reached[self._index]
        return vals, reached

    def __iter__(self) -> Iterator[Any]:
        vals, reached = self._ordered()
        out = vals.tolist() if vals.ndim == 1 else list(vals.copy())
        if reached is not None:
            for i in np.flatnonzero(~reached).tolist():
                out[i] = None
        return iter(out)

    @property
    def reached(self) -> np.ndarray:
        """Boolean array by position: whether some seed reaches the node."""
        r = self._ordered()[1]
        return np.ones(self._n, dtype=bool) if r is None else r.copy()

    def to_numpy(self) -> np.ndarray:
        """Values by position as one array, with the semiring's zero where no seed reaches."""
        vals, reached = self._ordered(flags=self._lazy is None)
        vals = vals.copy()
        if reached is not None:
            vals[~reached] = self._zero
        return vals

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or len(other) != self._n:
            return NotImplemented if not isinstance(other, Sequence) else False
        return all(_same(a, b) for a, b in zip(self, other))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(repr(v) for v in self[:6])
        return f"SweepResult([{shown}{', ...' if self._n > 6 else ''}])"


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is b
    return bool(np.array_equal(a, b))
