"""Dual linear maps: forward-over-reverse on arrays, the backward sweep over tangent-carrying cotangents.

For scalars, a Hessian-vector product re-weights the tape with dual numbers
``w + ẇ·ε`` and sweeps backward over DUAL.  For arrays the weight of an edge
is a linear map ``M`` whose data (a diagonal, a matrix) depend on the point, and
its derivative along a direction ``v`` is another map ``Ṁ``.  The *dual map*

    D = [[M, 0], [Ṁ₁, M], …, [Ṁ_k, M]]

acts on stacks of ``1 + k`` arrays — row 0 the primal part, rows 1…k the ε
parts of k directions — and is itself a :class:`~semiring_ad.core.linear.LinearMap`.
So the tape re-weighted with dual maps is swept backward by the same solver over
the same semiring :data:`~semiring_ad.core.linear_semiring.LINEAR`: seeded with
the cotangent ``(1, 0, …, 0)`` of the output, each input receives the gradient in
row 0 and the k Hessian-vector products ``H·v_j`` in rows 1…k — one backward
sweep whatever k is (k columns of a Hessian, or k colours of a sparse one).

``Ṁ`` comes from the operation's operands and their tangents (one forward sweep
over LINEAR, seeded with the k directions, gives every node's tangent):

* elementwise rows of the primitive table: the partials evaluated on dual
  numbers whose parts are arrays (:class:`~semiring_ad.ad.dual.Dual` in the
  GENERIC namespace), so ``Ṁ`` is the diagonal of the partials' tangents;
  ``sign`` and the steps of ``abs``/``maximum``/``minimum``/``relu`` are locally
  constant, their tangent is zero;
* bilinear operations (``@``, ``np.dot``, two-operand ``einsum``): ``Ṁ`` is the
  same contraction with the other operand replaced by its tangent;
* shape changes, sums, indexing, joins, ``where``, ``clip``, ``max``/``min``:
  constant maps, ``Ṁ = 0``.

* other rules record their own tangent builder (``np.linalg.inv``, ``det``,
  ``slogdet``, ``norm``: :class:`FunctionTangent`).

``np.linalg.solve`` and ``prod`` have no second-order rule yet and raise
:class:`~semiring_ad.errors.UnsupportedOperationError`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ...core.linear import Dense, LinearMap
from ...core.linear_shape import Broadcast
from ...errors import UnsupportedOperationError
from ..dispatch import GENERIC, new_level
from ..dual import Dual
from ..namespaces import NAMESPACE_FUNCTIONS, NUMPY, MathNamespace
from ..primitives import PRIMITIVES

__all__ = ["CONSTANT_OPS", "DualMap", "FunctionTangent", "dual_weights", "node_tangents", "reduce_tangent"]

CONSTANT_OPS = frozenset({"sum", "mean", "max", "min", "reshape", "transpose", "expand_dims", "squeeze",
                          "broadcast_to", "getitem", "concatenate", "stack", "where", "clip", "const", None})
"""Operations whose local maps do not depend on the point (their tangent map is zero)."""


def _constant_step(name: str) -> Any:
    def step(*args: Any) -> Any:  # locally constant: evaluated on the values, no tangent
        return getattr(NUMPY, name)(*(a.value if isinstance(a, Dual) else a for a in args))

    return step


_TANGENT = MathNamespace("dual arrays", **{name: getattr(GENERIC, name) for name in NAMESPACE_FUNCTIONS}
                         | {name: _constant_step(name) for name in ("sign", "step_ge", "step_gt")})
"""GENERIC (every function dispatches on dual numbers), with sign and the steps constant."""


def _batch_axis(x: np.ndarray, shape: tuple) -> int:
    return x.ndim - len(shape)


class _DiagonalTangent:
    """``Ṁ_j``: broadcast from ``in_shape`` to ``out_shape``, then times ``dd[j]`` (shape ``(k, *out_shape)``)."""

    __slots__ = ("bc", "dd", "out_shape")

    def __init__(self, dd: np.ndarray, in_shape: tuple, out_shape: tuple) -> None:
        self.dd, self.out_shape = dd, out_shape
        self.bc = None if in_shape == out_shape else Broadcast(in_shape, out_shape)

    def pull(self, c: np.ndarray) -> np.ndarray:
        """``(*B, *out_shape)`` -> ``(*B, k, *in_shape)``: the k transposed tangent maps."""
        nb = _batch_axis(c, self.out_shape)
        e = c.reshape((*c.shape[:nb], 1, *self.out_shape)) * self.dd
        return e if self.bc is None else self.bc._bwd(e)

    def push(self, x: np.ndarray) -> np.ndarray:
        """``(*B, *in_shape)`` -> ``(*B, k, *out_shape)``."""
        if self.bc is not None:
            x = self.bc._fwd(x)
        nb = _batch_axis(x, self.out_shape)
        return x.reshape((*x.shape[:nb], 1, *self.out_shape)) * self.dd


class _BilinearTangent:
    """``Ṁ_j``: the contraction ``spec`` of the operand with the other operand's tangent ``odot[j]``."""

    __slots__ = ("odot", "pull_spec", "push_spec")

    def __init__(self, mine: str, theirs: str, out: str, odot: np.ndarray) -> None:
        k = next(c for c in "kzyxwvutsrqponm" if c not in mine + theirs + out)
        self.pull_spec = f"...{out},{k}{theirs}->...{k}{mine}"
        self.push_spec = f"...{mine},{k}{theirs}->...{k}{out}"
        self.odot = odot

    def pull(self, c: np.ndarray) -> np.ndarray:
        """``(*B, *out_shape)`` -> ``(*B, k, *in_shape)``."""
        return np.einsum(self.pull_spec, c, self.odot, optimize=True)

    def push(self, x: np.ndarray) -> np.ndarray:
        """``(*B, *in_shape)`` -> ``(*B, k, *out_shape)``."""
        return np.einsum(self.push_spec, x, self.odot, optimize=True)


class FunctionTangent:
    """``Ṁ`` given by two functions: ``pull(c)`` -> ``(*B, k, *in_shape)``, ``push(x)`` -> ``(*B, k, *out_shape)``.

    What an array rule returns from the tangent builder it records in ``tape.second``
    (``("custom", builder)``, ``builder(tangents) -> one tangent per edge``).
    """

    __slots__ = ("pull", "push")

    def __init__(self, pull: Any, push: Any) -> None:
        self.pull, self.push = pull, push


def reduce_tangent(gdot: np.ndarray) -> FunctionTangent:
    """The tangent of ``u ↦ Σ g * u`` (a scalar output) when ``g`` moves by ``gdot`` (shape ``(k, *in_shape)``)."""
    nd = gdot.ndim - 1
    letters = "abcdefgh"[:nd]
    return FunctionTangent(lambda c: c.reshape(c.shape + (1,) * (nd + 1)) * gdot,
                           lambda x: np.einsum(f"...{letters},k{letters}->...k", x, gdot))


class DualMap(LinearMap):
    """The dual of ``inner`` for k directions: on ``(1 + k, *shape)`` stacks, ``[[M, 0], [Ṁ_j, M]]``.

    ``tangent`` is ``None`` when ``Ṁ = 0`` (then ``D`` is ``M`` on every row).

    >>> from semiring_ad.core.linear import Diagonal
    >>> x, v = np.array([1.0, 2.0]), np.array([[1.0, 0.0]])   # the edge of x**2: diag(2x), tangent diag(2v)
    >>> D = DualMap(Diagonal(2 * x, (2,)), _DiagonalTangent(2 * v, (2,), (2,)), 1)
    >>> D.apply_transpose(np.array([[1.0, 1.0], [0.0, 0.0]]))   # row 0: 2x; row 1: 2v
    array([[2., 4.],
           [2., 0.]])
    """

    __slots__ = ("inner", "k", "tangent")
    kind = "dual"

    def __init__(self, inner: LinearMap, tangent: Any, k: int) -> None:
        super().__init__((1 + k, *inner.in_shape), (1 + k, *inner.out_shape))
        self.inner, self.tangent, self.k = inner, tangent, k

    @staticmethod
    def _stack(r: np.ndarray, x: np.ndarray, nb: int, extra: np.ndarray) -> np.ndarray:
        """Rows 1…k of ``r`` (the inner map applied to ``x``) plus ``extra``, in place when ``r`` is new."""
        if not r.flags.writeable or r.base is not None or np.may_share_memory(r, x):
            r = np.array(r)
        r[(slice(None),) * nb + (slice(1, None),)] += extra
        return r

    def _bwd(self, c: np.ndarray) -> np.ndarray:
        r = self.inner._bwd(c)
        if self.tangent is None:
            return r
        nb = _batch_axis(c, self.out_shape)
        return self._stack(r, c, nb, self.tangent.pull(c[(slice(None),) * nb + (0,)]))

    def _fwd(self, x: np.ndarray) -> np.ndarray:
        r = self.inner._fwd(x)
        if self.tangent is None:
            return r
        nb = _batch_axis(x, self.in_shape)
        return self._stack(r, x, nb, self.tangent.push(x[(slice(None),) * nb + (0,)]))

    def madds(self) -> int:
        return self.inner.madds() * (1 + self.k) + (0 if self.tangent is None else self.inner.out_size * self.k)

    def label(self) -> str:
        return f"dual[{self.k}] {self.inner.label()}"


def node_tangents(tape: Any, k: int, vals: list) -> list[Any]:
    """Every node's tangent ``(k, *shape)`` (``None`` if constant) from a forward sweep's results ``vals``."""
    out: list[Any] = []
    for value, m in zip(tape.values, vals):
        if m is None:
            out.append(None)
        else:
            mat = m.mat if type(m) is Dense else m.to_dense()
            out.append(mat.T.reshape((k, *value.shape)))
    return out


def _padded(t: np.ndarray, shape: tuple, nd: int) -> np.ndarray:
    return t.reshape((t.shape[0],) + (1,) * (nd - len(shape)) + shape)


def _elementwise(tape: Any, i: int, info: tuple, tangents: list, level: int) -> list[Any]:
    """The tangent maps of node ``i``'s edges, an elementwise row: partials on dual numbers."""
    prim = PRIMITIVES[tape.ops[i]]
    out = tape.values[i]
    nd = out.ndim
    duals = []
    for a, const in zip(info[1], info[2]):
        if a is None:
            duals.append(const)
        elif tangents[a] is None:
            duals.append(tape.values[a])
        else:
            duals.append(Dual(tape.values[a], _padded(tangents[a], tape.values[a].shape, nd), level))
    od = Dual(out, tangents[i], level) if tangents[i] is not None else out
    result = []
    for pos, a in enumerate(info[1]):
        if a is None:
            continue
        d = prim.partials[pos](_TANGENT, *duals, od)
        if not isinstance(d, Dual) or d.level != level or np.ndim(d.tangent) == 0:
            result.append(None)
            continue
        # every tangent is padded to (k, *out ndim), so the partial's tangent is (k, *broadcastable to out)
        result.append(_DiagonalTangent(np.asarray(d.tangent, dtype=float), tape.values[a].shape, out.shape))
    return result


def _bilinear(tape: Any, info: tuple, tangents: list) -> list[Any]:
    ins, out = info[1].split("->")
    subs = ins.split(",")
    nodes = info[2]
    result = []
    for pos, node in enumerate(nodes):
        if node is None:
            continue
        other = nodes[1 - pos]
        if other is None or tangents[other] is None:
            result.append(None)
            continue
        result.append(_BilinearTangent(subs[pos], subs[1 - pos], out, tangents[other]))
    return result


def dual_weights(tape: Any, tangents: list, k: int) -> list[DualMap]:
    """The tape's edge maps as dual maps for the k directions whose node tangents are ``tangents``."""
    level = new_level()
    weights: list[DualMap] = []
    for i in range(len(tape)):
        lo, hi = tape.ptr[i], tape.ptr[i + 1]
        if lo == hi:
            continue
        op = tape.ops[i]
        info = tape.second.get(i)
        if op in CONSTANT_OPS:
            tans = [None] * (hi - lo)
        elif info is None:
            raise UnsupportedOperationError(
                f"second derivatives through {op} are not supported by the array tracer yet (no tangent rule for "
                "its local maps); hessian and hvp fall back to the element-wise tracer (per_element=True)"
            )
        elif info[0] == "elementwise":
            tans = _elementwise(tape, i, info, tangents, level)
        elif info[0] == "custom":
            tans = info[1](tangents)
        else:
            tans = _bilinear(tape, info, tangents)
        for m, t in zip(tape.maps[lo:hi], tans, strict=True):
            weights.append(DualMap(m, t, k))
    return weights
