"""Element-level sparsity of an array graph, read off the structure of its edge maps.

An array graph has one node per array operation, but its Jacobian has one
entry per pair of *elements*.  Every :class:`~semiring_ad.core.linear.LinearMap`
kind knows which output elements depend on which input elements without
looking at its numbers: a diagonal is a sparse diagonal, a gather a
selection, a sum over an axis a block pattern, a broadcast a copy pattern,
a matrix product (or any two-operand ``einsum``) the pattern of its indices,
a dense map a dense block.  :func:`map_pattern` gives that boolean matrix
(out size × in size, ``scipy.sparse``) per kind — :data:`MAP_PATTERNS`, one
row per kind — without materialising structured maps.

:func:`jacobian_pattern_arrays` then runs the OR_AND path problem with those
matrices as edge weights: a forward sweep in tape order over the semiring of
sparse boolean matrices (⊗ a boolean sparse product, ⊕ an elementwise OR), the
seed of input ``k`` being its columns of the identity.  The patterns are
*structural*: an entry is left out only when it is zero at every point with
the same trace, so a diagonal's zeros at this point (``cos`` at π/2, the
mask of ``where``) still count.

:func:`hessian_pattern_arrays` adds second-order coupling (Walther 2008, at
array granularity): an elementwise table row couples, for each output
element, the inputs its arguments' elements depend on, for the argument
pairs whose second partial is not identically zero (read off the row's SymPy
rules, as at scalar level; the tape does not record which argument an
untraced constant took, so ``x / c`` counts as curved like ``c / x``:
conservative); a product of two traced operands (``matmul``,
``einsum``) couples the element pairs it multiplies; linear operations couple
nothing; any other operation couples everything each output element depends on.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ...core.linear import (
    Compose,
    Dense,
    Diagonal,
    Identity,
    LinearMap,
    MatMulLeft,
    MatMulRight,
    SumMaps,
    Transposed,
    Zero,
)
from ...core.linear_shape import Broadcast, Contract, Gather, Reshape, SumOver, Transpose
from ...errors import TraceError
from ..primitives import PRIMITIVES
from ..sparse_derivatives import _curved_pairs
from .dual_maps import CONSTANT_OPS

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["MAP_PATTERNS", "hessian_pattern_arrays", "jacobian_pattern_arrays", "map_pattern"]

_BILINEAR = frozenset({"matmul", "einsum"})


def _coo(rows: Any, cols: Any, shape: tuple[int, int]) -> sp.csr_array:
    import scipy.sparse as sp

    rows, cols = np.asarray(rows, dtype=np.int64).ravel(), np.asarray(cols, dtype=np.int64).ravel()
    out = sp.csr_array((np.ones(rows.size, dtype=bool), (rows, cols)), shape=shape)
    out.sum_duplicates()
    return out


def _full(m: LinearMap) -> sp.csr_array:
    import scipy.sparse as sp

    return sp.csr_array(np.ones((m.out_size, m.in_size), dtype=bool))


def _eye(m: LinearMap) -> sp.csr_array:
    import scipy.sparse as sp

    return sp.eye_array(m.in_size, dtype=bool, format="csr")


def _pairs(a: str, b: str, sizes: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """For every combination of the letters of ``a`` and ``b``: the flat index in ``a``'s and in ``b``'s shape."""
    letters = sorted(set(a) | set(b))
    grid = np.indices([sizes[c] for c in letters], dtype=np.int64).reshape(len(letters), -1) if letters else \
        np.zeros((0, 1), dtype=np.int64)
    at = dict(zip(letters, grid))

    def flat(sub: str) -> np.ndarray:
        if not sub:
            return np.zeros(grid.shape[1], dtype=np.int64)
        return np.ravel_multi_index(tuple(at[c] for c in sub), tuple(sizes[c] for c in sub))

    return flat(a), flat(b)


def _contraction(mine: str, out: str, sizes: dict[str, int]) -> sp.csr_array:
    """Pattern of ``x ↦ einsum(mine, ... -> out)`` in ``x``: out element ↔ input element when shared letters agree."""
    rows, cols = _pairs(out, mine, sizes)
    return _coo(rows, cols, (math.prod(sizes[c] for c in out), math.prod(sizes[c] for c in mine)))


def _matmul_letters(a_nd: int, b_nd: int) -> tuple[str, str, str]:
    a, b = "ij"[2 - a_nd:], "jk"[:b_nd]
    return a, b, a[:-1] + b[1:]


def _matmul_left(m: MatMulLeft) -> sp.csr_array:
    a, y, out = _matmul_letters(m.A.ndim, len(m.in_shape))
    return _contraction(y, out, dict(zip(a, m.A.shape)) | dict(zip(y, m.in_shape)))


def _matmul_right(m: MatMulRight) -> sp.csr_array:
    x, b, out = _matmul_letters(len(m.in_shape), m.B.ndim)
    return _contraction(x, out, dict(zip(x, m.in_shape)) | dict(zip(b, m.B.shape)))


def _einsum_parts(m: Contract) -> tuple[str, str, str]:
    ins, out = m._fwd_spec.replace("...", "").split("->")
    mine, theirs = ins.split(",")
    return mine, theirs, out


def _contract(m: Contract) -> sp.csr_array:
    mine, theirs, out = _einsum_parts(m)
    return _contraction(mine, out, dict(zip(mine, m.in_shape)) | dict(zip(theirs, m.other.shape)))


def _sum_over(m: SumOver) -> sp.csr_array:
    rows = np.broadcast_to(np.arange(m.out_size).reshape(m._kept), m.in_shape)
    return _coo(rows, np.arange(m.in_size), (m.out_size, m.in_size))


def _broadcast(m: Broadcast) -> sp.csr_array:
    cols = np.broadcast_to(np.arange(m.in_size).reshape(m.in_shape), m.out_shape)
    return _coo(np.arange(m.out_size), cols, (m.out_size, m.in_size))


def _transpose(m: Transpose) -> sp.csr_array:
    cols = np.transpose(np.arange(m.in_size).reshape(m.in_shape), m.axes)
    return _coo(np.arange(m.out_size), cols, (m.out_size, m.in_size))


def _gather(m: Gather) -> sp.csr_array:
    return _coo(np.arange(m.out_size), m.index, (m.out_size, m.in_size))


def _compose(m: Compose) -> sp.csr_array:
    out = map_pattern(m.maps[0])
    for inner in m.maps[1:]:
        out = map_pattern(inner) @ out
    return out


def _sum_maps(m: SumMaps) -> sp.csr_array:
    out = map_pattern(m.maps[0])
    for inner in m.maps[1:]:
        out = out + map_pattern(inner)
    return out


def _zero(m: LinearMap) -> sp.csr_array:
    import scipy.sparse as sp

    return sp.csr_array((m.out_size, m.in_size), dtype=bool)


MAP_PATTERNS: dict[type, Callable[[Any], sp.csr_array]] = {
    Identity: _eye, Zero: _zero, Diagonal: _eye, Dense: _full, Reshape: _eye,
    MatMulLeft: _matmul_left, MatMulRight: _matmul_right, Contract: _contract,
    SumOver: _sum_over, Broadcast: _broadcast, Transpose: _transpose, Gather: _gather,
    Compose: _compose, SumMaps: _sum_maps, Transposed: lambda m: map_pattern(m.inner).T.tocsr(),
}  # fmt: skip
"""LinearMap kind → its boolean element pattern (a kind without a row falls back to a full block)."""


def map_pattern(m: LinearMap) -> sp.csr_array:
    """The (out size × in size) boolean pattern of a linear map, from its kind (structural, not its numbers).

    >>> import numpy as np
    >>> from semiring_ad.core.linear_shape import SumOver
    >>> map_pattern(SumOver((2, 3), axes=(1,))).toarray().astype(int)
    array([[1, 1, 1, 0, 0, 0],
           [0, 0, 0, 1, 1, 1]])
    """
    for kind in type(m).__mro__:
        rule = MAP_PATTERNS.get(kind)
        if rule is not None:
            return rule(m)
    return _full(m)  # an unknown kind: every entry may be non-zero (conservative)


_SAME_ELEMENT = (Identity, Diagonal, Reshape)  # kinds whose pattern is the identity: element i ↔ element i


def _through(m: LinearMap, deps: sp.csr_array) -> sp.csr_array:
    """The pattern of ``m`` times ``deps`` (what the map's output elements depend on); no product for a diagonal."""
    return deps if type(m) in _SAME_ELEMENT else map_pattern(m) @ deps


def _needed(graph: Any) -> bytearray:
    """Which nodes are ancestors of the output (or the output): the only ones whose pattern matters."""
    t = graph.tape
    needed = bytearray(len(t))
    needed[graph.output] = 1
    for v in range(len(t) - 1, -1, -1):
        if needed[v]:
            for k in range(t.ptr[v], t.ptr[v + 1]):
                needed[t.parents[k]] = 1
    return needed


def _dependencies(graph: Any) -> tuple[dict[int, sp.csr_array], int]:
    """Per needed node: (node size × total input size) pattern of the input elements each element depends on."""
    import scipy.sparse as sp

    t = graph.tape
    sizes = [math.prod(s) for s in graph.in_shapes]
    n = sum(sizes)
    starts = dict(zip(graph.inputs, np.cumsum([0, *sizes]).tolist()))
    needed = _needed(graph)
    deps: dict[int, sp.csr_array] = {}
    for v in range(len(t)):
        if not needed[v]:
            continue
        size = int(np.size(t.values[v]))
        if v in starts:
            deps[v] = _coo(np.arange(size), starts[v] + np.arange(size), (size, n))
            continue
        acc = None
        for k in range(t.ptr[v], t.ptr[v + 1]):
            part = _through(t.maps[k], deps[t.parents[k]])
            acc = part if acc is None else acc + part
        deps[v] = sp.csr_array((size, n), dtype=bool) if acc is None else acc
    return deps, n


def jacobian_pattern_arrays(graph: Any) -> sp.csr_array:
    """The element-level Jacobian pattern of an :class:`~semiring_ad.ad.arrays.api.ArrayGraph`.

    Shape (output size, total input size): outputs and inputs flattened in
    row-major order, the inputs (the traced leaves) one after the other.

    >>> import numpy as np, semiring_ad as sad
    >>> g = sad.arrays.trace_arrays(lambda x: np.sin(x[1:] * x[:-1]).sum(axis=0), np.ones((3, 2)))
    >>> jacobian_pattern_arrays(g).toarray().astype(int)
    array([[1, 0, 1, 0, 1, 0],
           [0, 1, 0, 1, 0, 1]])
    """
    deps, _ = _dependencies(graph)
    return deps[graph.output].tocsr()


def _positions(op: str, n_edges: int) -> list[tuple[int, ...]]:
    """The argument positions each edge may stand for (an untraced argument leaves an edge's position open)."""
    arity = PRIMITIVES[op].arity
    if n_edges == arity:
        return [(k,) for k in range(arity)]
    return [tuple(range(arity))] * n_edges


def _elementwise_coupling(op: str, rows: list[sp.csr_array]) -> list[tuple[sp.csr_array, sp.csr_array]]:
    """The (R_a, R_b) pairs of an elementwise row whose second partial in (a, b) can be non-zero."""
    pairs = _curved_pairs(PRIMITIVES[op])
    positions = _positions(op, len(rows))
    out = []
    for e, (pe, re) in enumerate(zip(positions, rows)):
        for f, (pf, rf) in enumerate(zip(positions, rows)):
            if f < e:
                continue
            curved = [(a, a) for a in pe] if e == f else [(a, b) for a in pe for b in pf if a != b]
            if pairs is None or any(p in pairs for p in curved):
                out.append((re, rf))
    return out


def _bilinear_pairs(graph: Any, v: int) -> sp.csr_array:
    """Which elements of the two traced operands of a product ``v`` are multiplied together (size a × size b)."""
    t = graph.tape
    a, b = (t.values[t.parents[k]] for k in range(t.ptr[v], t.ptr[v + 1]))
    first = t.maps[t.ptr[v]]
    if isinstance(first, Contract):
        sa, sb, _ = _einsum_parts(first)
    else:
        sa, sb, _ = _matmul_letters(a.ndim, b.ndim)
    rows, cols = _pairs(sa, sb, dict(zip(sa, a.shape)) | dict(zip(sb, b.shape)))
    return _coo(rows, cols, (a.size, b.size))


def hessian_pattern_arrays(graph: Any) -> sp.csr_array:
    """The element-level Hessian pattern (total input size, square, symmetric) of a scalar array graph.

    Conservative: every structurally possible non-zero is in it.

    >>> import numpy as np, semiring_ad as sad
    >>> rosen = lambda x: np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1.0 - x[:-1]) ** 2)
    >>> hessian_pattern_arrays(sad.arrays.trace_arrays(rosen, np.zeros(4))).toarray().astype(int)
    array([[1, 1, 0, 0],
           [1, 1, 1, 0],
           [0, 1, 1, 1],
           [0, 0, 1, 1]])
    """
    import scipy.sparse as sp

    t = graph.tape
    if np.size(t.values[graph.output]) != 1:
        raise TraceError(f"a Hessian pattern needs a scalar output, got shape {np.shape(t.values[graph.output])}; "
                         "use jacobian_pattern_arrays for array outputs")
    deps, n = _dependencies(graph)
    H = sp.csr_array((n, n), dtype=bool)
    for v in deps:
        lo, hi = t.ptr[v], t.ptr[v + 1]
        op = t.ops[v]
        if lo == hi or op in CONSTANT_OPS:  # local maps that do not move with the point: no curvature
            continue
        if op in _BILINEAR:
            if hi - lo == 2:
                da, db = (deps[t.parents[k]] for k in range(lo, hi))
                H = H + da.T @ _bilinear_pairs(graph, v) @ db
            continue
        rows = [_through(t.maps[k], deps[t.parents[k]]) for k in range(lo, hi)]
        if op in PRIMITIVES:
            for ra, rb in _elementwise_coupling(op, rows):
                H = H + ra.T @ rb
        else:  # anything else: each output element couples everything it depends on
            r = rows[0]
            for other in rows[1:]:
                r = r + other
            H = H + r.T @ r
    return (H + H.T).tocsr()
