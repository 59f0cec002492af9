"""Linear maps that move, reduce or contract data: broadcast, sums, reshape, transpose, gather, einsum.

The local Jacobians of NumPy's shape operations, reductions and indexing, as
:class:`~semiring_ad.core.linear.LinearMap` kinds.  None of them multiplies
(except a mean's scale), so their cost in multiply-adds is (nearly) zero.

>>> import numpy as np
>>> Broadcast((3,), (2, 3)).apply_transpose(np.ones((2, 3)))
array([2., 2., 2.])
>>> SumOver((2, 3), axes=(1,)).apply(np.arange(6.0).reshape(2, 3))
array([ 3., 12.])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import ShapeError
from .linear import LinearMap, Shape, _nb, _size

__all__ = ["Broadcast", "Contract", "Gather", "Reshape", "SumOver", "Transpose"]


class Broadcast(LinearMap):
    """NumPy broadcasting from ``in_shape`` to ``out_shape``; its transpose sums the copies."""

    __slots__ = ("_lead", "_ones")
    kind = "broadcast"

    def __init__(self, in_shape: Shape, out_shape: Shape) -> None:
        super().__init__(in_shape, out_shape)
        if np.broadcast_shapes(self.in_shape, self.out_shape) != self.out_shape:
            raise ShapeError(f"cannot broadcast shape {self.in_shape} to {self.out_shape}")
        self._lead = len(self.out_shape) - len(self.in_shape)
        self._ones = tuple(i for i, d in enumerate(self.in_shape) if d == 1 and self.out_shape[self._lead + i] != 1)

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        lead = x.shape[: _nb(x, self.in_shape)]
        return np.broadcast_to(x.reshape(lead + (1,) * self._lead + self.in_shape), lead + self.out_shape)

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        nb = _nb(c, self.out_shape)
        if self._lead:
            c = c.sum(axis=tuple(range(nb, nb + self._lead)))
        if self._ones:
            c = c.sum(axis=tuple(nb + i for i in self._ones), keepdims=True)
        return c


class SumOver(LinearMap):
    """Sum over ``axes`` (optionally keeping them), times ``scale`` (``1/n`` makes a mean)."""

    __slots__ = ("_kept", "axes", "keepdims", "scale")
    kind = "sum"

    def __init__(self, in_shape: Shape, axes: Sequence[int] | None, keepdims: bool = False, scale: float = 1.0):
        nd = len(in_shape)
        axes = tuple(range(nd)) if axes is None else tuple(sorted(int(a) % nd for a in axes)) if nd else ()
        kept = tuple(1 if i in axes else d for i, d in enumerate(in_shape))
        out = kept if keepdims else tuple(d for i, d in enumerate(in_shape) if i not in axes)
        super().__init__(in_shape, out)
        self.axes, self.keepdims, self.scale, self._kept = axes, keepdims, scale, kept

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        nb = _nb(x, self.in_shape)
        s = x.sum(axis=tuple(nb + a for a in self.axes), keepdims=self.keepdims)
        return s if self.scale == 1 else s * self.scale

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        lead = c.shape[: _nb(c, self.out_shape)]
        b = np.broadcast_to(c.reshape(lead + self._kept), lead + self.in_shape)
        return b if self.scale == 1 else b * self.scale

    def madds(self) -> int:
        return self.in_size

    def label(self) -> str:
        what = "mean" if self.scale != 1 else "sum"
        return f"{what} over axis {','.join(map(str, self.axes))} {self.in_shape}→{self.out_shape}"


class Reshape(LinearMap):
    """Reshape (row-major): a relabelling of the same scalars."""

    __slots__ = ()
    kind = "reshape"

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return x.reshape(x.shape[: _nb(x, self.in_shape)] + self.out_shape)

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        return c.reshape(c.shape[: _nb(c, self.out_shape)] + self.in_shape)


class Transpose(LinearMap):
    """Permute the axes: ``out.shape[i] = in.shape[axes[i]]`` (``np.transpose``)."""

    __slots__ = ("axes",)
    kind = "transpose"

    def __init__(self, in_shape: Shape, axes: Sequence[int] | None = None) -> None:
        nd = len(in_shape)
        self.axes = tuple(range(nd))[::-1] if axes is None else tuple(int(a) % nd for a in axes)
        super().__init__(in_shape, tuple(in_shape[a] for a in self.axes))

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        nb = _nb(x, self.in_shape)
        return np.transpose(x, tuple(range(nb)) + tuple(nb + a for a in self.axes))

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        nb = _nb(c, self.out_shape)
        return np.transpose(c, tuple(range(nb)) + tuple(nb + a for a in np.argsort(self.axes)))


class Gather(LinearMap):
    """``x ↦ x.flat[index]``: indexing and slicing; the transpose scatters (and adds repeats).

    >>> g = Gather.from_key((4,), np.s_[::2])
    >>> g.apply(np.arange(4.0)), g.apply_transpose(np.ones(2))
    (array([0., 2.]), array([1., 0., 1., 0.]))
    """

    __slots__ = ("_unique", "index")
    kind = "gather"

    def __init__(self, index: Any, in_shape: Shape) -> None:
        self.index = np.asarray(index, dtype=np.intp)
        super().__init__(in_shape, self.index.shape)
        # no index taken twice (then the transpose may assign instead of accumulate): O(n), no sort
        self._unique = self.index.size == 0 or int(np.bincount(self.index.reshape(-1) % max(1, _size(in_shape)),
                                                                minlength=1).max()) <= 1

    @classmethod
    def from_key(cls, in_shape: Shape, key: Any) -> Gather:
        """The gather of ``x[key]`` for ``x`` of shape ``in_shape`` (any NumPy index)."""
        return cls(np.arange(_size(in_shape)).reshape(in_shape)[key], in_shape)

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return x.reshape((*x.shape[:_nb(x, self.in_shape)], -1))[..., self.index]

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        lead = c.shape[: _nb(c, self.out_shape)]
        z = np.zeros((*lead, self.in_size), dtype=np.result_type(c, float))
        if self._unique:
            z[..., self.index] = c
        else:
            flat = z.reshape(-1, self.in_size)
            np.add.at(flat, (slice(None), self.index.reshape(-1)), c.reshape(flat.shape[0], -1))
        return z.reshape(lead + self.in_shape)


class Contract(LinearMap):
    """``x ↦ einsum(spec, x, other)`` (or ``einsum(spec, other, x)``): a two-operand contraction in one operand.

    ``spec`` is explicit (``"ij,jk->ik"``); ``position`` says which operand is ``x``.
    Every index of ``x`` must appear in the other operand or the output, and no
    index may repeat within an operand (no traces or diagonals).

    >>> A = np.arange(6.0).reshape(2, 3)
    >>> Contract("ij,jk->ik", A, 1, (3, 4)).to_dense().shape
    (8, 12)
    """

    __slots__ = ("_bwd_spec", "_fwd_spec", "_madds", "other")
    kind = "einsum"

    def __init__(self, spec: str, other: Any, position: int, in_shape: Shape) -> None:
        ins, out = spec.replace(" ", "").split("->")
        subs = ins.split(",")
        mine, theirs = subs[position], subs[1 - position]
        if len(set(mine)) != len(mine) or len(set(theirs)) != len(theirs) or not set(mine) <= set(theirs + out):
            raise ShapeError(f"einsum {spec!r}: only contractions without repeated or summed-away indices "
                             "are supported as linear maps")
        self.other = np.asarray(other)
        sizes = dict(zip(mine, in_shape)) | dict(zip(theirs, self.other.shape))
        super().__init__(in_shape, tuple(sizes[c] for c in out))
        self._fwd_spec = f"...{mine},{theirs}->...{out}"
        self._bwd_spec = f"...{out},{theirs}->...{mine}"
        self._madds = _size(tuple(sizes.values()))  # one multiply-add per combination of all indices

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        return np.einsum(self._fwd_spec, x, self.other)

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        return np.einsum(self._bwd_spec, c, self.other)

    def madds(self) -> int:
        return self._madds
