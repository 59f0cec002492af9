"""Sparse Jacobians and Hessians by graph colouring (compressed seeds, as CasADi and ColPack do).

One traced graph again answers several questions:

1. the **sparsity pattern**: the OR_AND path problem (is there a path from
   input j to output i?), solved once for all inputs at a time with index
   sets (a sparse bitset per node, so the cost follows the pattern and not
   n × nodes); for a Hessian, the nonlinear interactions of the tape
   (after Walther 2008, per argument pair): an operation whose second partial
   in arguments (a, b) is not identically zero couples every input a depends
   on with every input b depends on (``x0 * (x1 + x2)`` couples x0 with x1
   and x2, not x1 with x2).  Which operations
   are nonlinear in which arguments is read off the primitive table's own
   SymPy rules (a second partial that is not identically zero), so ``+``,
   ``−``, negation, scaling by a constant and ``x / c`` couple nothing, and a
   new row is classified without a list to update;
2. a **colouring** (:mod:`~semiring_ad.ad.colouring`): for a Jacobian a
   distance-2 colouring of the columns (columns j and k differ when some row
   has non-zeros in both; networkx's greedy ``largest_first``); for a
   Hessian by default a star colouring of its adjacency graph (Gebremedhin,
   Manne & Pothen 2005), which uses symmetry and needs at most as many
   colours as distance 2 on the patterns tested, far fewer on some (an
   arrowhead: 2 instead of n); ``coloring="distance2"`` keeps the column
   colouring (3 colours for a tridiagonal Hessian either way);
3. **one sweep for all colours**: the seeds of colour c are summed into the
   direction d_c, and the k directions travel as a length-k vector through
   one sweep — a PLUS_TIMES forward sweep for J·D; for H·D forward-over-reverse
   on arrays (tangents ẋ along D by one triangular solve, the tangents of the
   partials from each primitive's partial rules evaluated once per group of
   nodes with dual arrays, then one backward solve), or, for tapes whose
   values are not floats, a dual backward sweep over a dual replay;
4. **recovery**: entry (i, j) is row i of the product for colour(j)
   (distance 2), or, for a star colouring, that or row j of the product for
   colour(i), whichever holds the entry alone.

The result is a ``scipy.sparse.csr_array`` carrying ``n_colors`` and
``colors`` (the colour of each column) as attributes.  This module sits in
the AD layer next to :mod:`~semiring_ad.ad.api`, which calls it for
``jacobian(f, sparse=True)`` and ``hessian(f, sparse=True)``.
"""

from __future__ import annotations

import functools
import itertools
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.solver import sweep
from ..errors import SemiringADError, TraceError
from .collector import paused
from .colouring import color_columns, color_hessian, recover_direct
from .computation import ComputationGraph, _float_compiled, _solve
from .dispatch import GENERIC
from .dual import DUAL, Dual
from .functions import new_level
from .namespaces import SYMPY
from .primitives import Primitive

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["color_columns", "color_hessian", "hessian_pattern", "jacobian_pattern", "sparse_hessian_of_graph",
           "sparse_jacobian_of_graph"]



@functools.cache
def _curved_pairs(prim: Primitive) -> frozenset[tuple[int, int]] | None:
    """The argument pairs (i, j) whose second partial of ``prim`` is not identically zero, read off the
    row's own SymPy rules (``multiply``: {(0, 1), (1, 0)}; ``add``: none); None when the rules cannot say
    (then every pair counts: conservative)."""
    import sympy

    syms = sympy.symbols(f"a0:{prim.arity}", real=True)
    try:
        out = prim.value(SYMPY, *syms)
        firsts = [sympy.sympify(prim.partials[i](SYMPY, *syms, out)) for i in range(prim.arity)]
        return frozenset((i, j) for i in range(prim.arity) for j in range(prim.arity)
                         if sympy.diff(firsts[i], syms[j]) != 0)
    except Exception:  # a rule SymPy cannot differentiate (a per-call row, a step function's kink)
        return None


def _coupled_edges(prim: Primitive, kinds: tuple) -> tuple[tuple[int, int], ...]:
    """For a node of ``prim`` whose arguments have these kinds (``"n"``: traced): the pairs (e, f), e ≤ f, of its
    in-edges (traced arguments, in order) whose second partial is not identically zero."""
    traced = [k for k, kind in enumerate(kinds) if kind == "n"]
    pairs = _curved_pairs(prim)
    return tuple((e, f) for e, a in enumerate(traced) for f, b in enumerate(traced)
                 if f >= e and (pairs is None or (a, b) in pairs or (b, a) in pairs))


def _index_sets(g: ComputationGraph, wanted: list[int]) -> dict[int, frozenset]:
    """The inputs (as column numbers) each wanted node depends on: OR_AND with one bit per input.

    Only the wanted nodes and their ancestors get a set, so a long running sum
    that nothing downstream needs costs nothing.
    """
    t = g.tape
    ptr, parents = t.ptr, t.parents
    needed = bytearray(len(t))
    for v in wanted:
        needed[v] = 1
    for v in range(len(t) - 1, -1, -1):  # reverse tape order: mark ancestors
        if needed[v]:
            for k in range(ptr[v], ptr[v + 1]):
                needed[parents[k]] = 1
    column = {node: j for j, node in enumerate(g.inputs)}
    empty: frozenset = frozenset()
    sets: dict[int, frozenset] = {}
    for v in range(len(t)):
        if not needed[v]:
            continue
        lo, hi = ptr[v], ptr[v + 1]
        if v in column:
            sets[v] = frozenset((column[v],))
        elif hi - lo == 1:
            sets[v] = sets[parents[lo]]
        else:
            sets[v] = empty.union(*(sets[parents[k]] for k in range(lo, hi)))
    return sets


def _csr(rows: list[int], cols: list[int], shape: tuple[int, int]) -> sp.csr_array:
    import scipy.sparse as sp

    data = np.ones(len(rows), dtype=bool)
    out = sp.csr_array((data, (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))), shape=shape)
    out.sum_duplicates()
    return out


@paused()  # no reference cycles are made: the collector would only rescan the tape
def jacobian_pattern(g: ComputationGraph) -> sp.csr_array:
    """The (outputs × inputs) boolean pattern: entry (i, j) is True when a path joins input j to output i.

    >>> import semiring_ad as sad
    >>> g = sad.trace(lambda x: [x[0] * x[1], sad.sin(x[2])], [1.0, 2.0, 3.0])
    >>> jacobian_pattern(g).toarray()
    array([[ True,  True, False],
           [False, False,  True]])
    """
    sets = _index_sets(g, list(g.outputs))
    rows = [i for i, out in enumerate(g.outputs) for _ in sets[out]]
    cols = [j for out in g.outputs for j in sets[out]]
    return _csr(rows, cols, (len(g.outputs), len(g.inputs)))


def _node_groups(g: ComputationGraph) -> dict[tuple, list[int]]:
    """The operation nodes grouped by (operation, argument kinds); a node of a per-call row is its own group."""
    t = g.tape
    ptr, ops, args, local = t.ptr, t.ops, t.args, t.local
    groups: dict[tuple, list[int]] = {}
    for v in range(len(t)):
        if ptr[v] < ptr[v + 1]:  # not an input or a constant
            groups.setdefault((ops[v] if v not in local else v, tuple(kind for kind, _ in args[v])), []).append(v)
    return groups


@paused()  # no reference cycles are made: the collector would only rescan the tape
def hessian_pattern(g: ComputationGraph, groups: dict[tuple, list[int]] | None = None) -> sp.csr_array:
    """The (inputs × inputs) boolean pattern of the Hessian of a scalar graph (nonlinear interactions).

    ``groups`` (internal) is the tape's nodes grouped by operation and argument kinds, when already known.

    Conservative: every structurally possible non-zero is included (an entry
    may be zero at a particular point, never the other way round).

    >>> import semiring_ad as sad
    >>> g = sad.trace(lambda x: x[0] * x[1] + sad.sin(x[2]) + 3.0 * x[3], [1.0, 2.0, 3.0, 4.0])
    >>> hessian_pattern(g).toarray().astype(int)
    array([[0, 1, 0, 0],
           [1, 0, 0, 0],
           [0, 0, 1, 0],
           [0, 0, 0, 0]])
    """
    t = g.tape
    ptr, parents = t.ptr, t.parents
    nonlinear = []
    for key, nodes in (_node_groups(g) if groups is None else groups).items():
        pairs = _coupled_edges(t.primitive(nodes[0]), key[1])  # one classification per kind of node
        if pairs:
            nonlinear.extend((v, pairs) for v in nodes)
    sets = _index_sets(g, [parents[k] for v, _ in nonlinear for k in range(ptr[v], ptr[v + 1])])
    coupled = list({(sets[parents[ptr[v] + e]], sets[parents[ptr[v] + f]]) for v, pairs in nonlinear
                    for e, f in pairs})
    n = len(g.inputs)
    # one row per coupled pair (A, B) in two membership matrices: H = Σ 1_A 1_Bᵀ (+ transpose) = MaᵀMb (+ ...)
    Ma, Mb = _membership([a for a, _ in coupled], n), _membership([b for _, b in coupled], n)
    H = (Ma.T @ Mb).tocsr()
    return (H + H.T).tocsr()


def _membership(groups: list[frozenset], n: int) -> sp.csr_array:
    """The (len(groups) × n) boolean matrix whose row p marks the members of ``groups[p]``."""
    lens = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
    cols = np.fromiter(itertools.chain.from_iterable(groups), dtype=np.int64, count=int(lens.sum()))
    return _csr(np.repeat(np.arange(len(groups)), lens), cols, (len(groups), n))


@paused()  # no reference cycles are made: the collector would only rescan the tape
def sparse_jacobian_of_graph(g: ComputationGraph) -> sp.csr_array:
    """The (outputs × inputs) Jacobian of a numeric traced graph as a CSR array, one forward sweep.

    >>> import semiring_ad as sad
    >>> J = sparse_jacobian_of_graph(sad.trace(lambda x: [x[0] * x[1], 2.0 * x[2]], [1.0, 2.0, 3.0]))
    >>> J.toarray(), J.n_colors
    (array([[2., 1., 0.],
           [0., 0., 2.]]), 2)
    """
    pattern = jacobian_pattern(g)
    colors = color_columns(pattern)
    k = int(colors.max(initial=-1)) + 1
    numeric = _float_compiled(g)
    if numeric is None:
        raise TraceError("a sparse Jacobian needs numeric values (floats at one point); "
                         "use jacobian(f) for symbolic, dual or many-point evaluations")
    eye = np.eye(max(k, 1))
    seeds: dict[int, Any] = {}
    for j, node in enumerate(g.inputs):
        seeds[node] = seeds.get(node, 0.0) + eye[colors[j]]
    vals = _solve(g, seeds, "forward", cg=numeric)
    rows = np.array([np.zeros(max(k, 1)) if vals[i] is None else vals[i] for i in g.outputs]).reshape(-1, max(k, 1))
    return recover_direct(pattern, colors, rows)


@paused()  # no reference cycles are made: the collector would only rescan the tape
def sparse_hessian_of_graph(g: ComputationGraph, coloring: str = "star") -> sp.csr_array:
    """The Hessian of a scalar numeric traced graph as a CSR array: one dual backward sweep for all colours.

    ``coloring="star"`` (the default) colours the pattern's adjacency graph
    with a star colouring and recovers by symmetry; ``"distance2"`` colours
    its columns so that every entry is read directly.

    >>> import numpy as np, semiring_ad as sad
    >>> f = lambda x: x[0] ** 2 * x[1] + sad.sin(x[2])
    >>> H = sparse_hessian_of_graph(sad.trace(f, np.array([3.0, 5.0, 1.0])))
    >>> H.toarray().round(4), H.n_colors
    (array([[10.    ,  6.    ,  0.    ],
           [ 6.    ,  0.    ,  0.    ],
           [ 0.    ,  0.    , -0.8415]]), 2)
    """
    if len(g.outputs) != 1 or len(g.in_shapes) != 1:
        raise TraceError(f"a Hessian needs a scalar output and one traced argument; got {len(g.outputs)} outputs "
                         f"and {len(g.in_shapes)} arguments")
    groups = _node_groups(g)
    pattern = hessian_pattern(g, groups)
    colors, recover = color_hessian(pattern, coloring)
    k = max(int(colors.max(initial=-1)) + 1, 1)
    directions = np.eye(k)[colors] if len(colors) else np.zeros((0, k))
    try:
        products = _hessian_products(g, directions, groups)
    except (TypeError, ValueError, ArithmeticError, SemiringADError):
        products = None  # values or partials that are not plain floats: the dual replay below
    if products is not None:
        return recover(pattern, colors, products)
    level = new_level()  # above every tape alive now: the innermost transformation
    duals = [Dual(g.tape.values[node], directions[j], level) for j, node in enumerate(g.inputs)]
    shape = g.in_shapes[0]
    point = duals[0] if shape is None else np.asarray(duals, dtype=object).reshape(shape)
    gd = g.at(point)
    vals = sweep(gd.compiled, DUAL, {g.outputs[0]: Dual(1.0, 0.0, level)}, "backward")
    rows = []
    for node in g.inputs:
        d = vals[node]
        tangent = d.tangent if isinstance(d, Dual) and d.level == level else 0.0
        rows.append(np.broadcast_to(np.asarray(tangent, dtype=np.float64), (k,)))
    return recover(pattern, colors, np.array(rows).reshape(-1, k))


def _tri_solve(cg: Any, rhs: np.ndarray, transpose: bool) -> np.ndarray:
    """The PLUS_TIMES sweep with a seed in every row of ``rhs``, as one sparse triangular solve.

    Forward: (I − M) X = rhs with ``M[v, u] = w(u, v)``; backward: (I − M)ᵀ X = rhs.
    """
    import scipy.sparse as sp
    from scipy.sparse.linalg import spsolve_triangular  # on first use: slow to import

    n = cg.n_nodes
    M = sp.csr_array((cg.weight_array(), cg.in_src, cg.in_ptr), shape=(n, n))
    L = (sp.identity(n, format="csr") - M).tocsr()
    if transpose:
        return spsolve_triangular(L.T.tocsr(), rhs, lower=False, unit_diagonal=True)
    return spsolve_triangular(L, rhs, lower=True, unit_diagonal=True)


def _hessian_products(g: ComputationGraph, directions: np.ndarray,
                      groups: dict[tuple, list[int]] | None = None) -> np.ndarray | None:
    """H·D for a float tape (``(inputs, k)``), forward-over-reverse on arrays; None if not a float tape.

    With β the adjoints (β(u) = Σ w(u, v) β(v)), differentiating along D
    gives β̇(u) = Σ ẇ(u, v) β(v) + w(u, v) β̇(v): a backward sweep of the
    same weights seeded with s(u) = Σ ẇ(u, v) β(v).  The tangents ẇ of the
    partials come from evaluating each primitive's partial rules once per
    group of nodes with dual arrays (value, tangent = ẋ along D).
    """
    cg, t = _float_compiled(g), g.tape
    if cg is None or not {*map(type, t.values)} <= {float, int}:
        return None
    n, k = len(t), directions.shape[1]
    vals = np.asarray(t.values, dtype=np.float64)
    inputs = np.asarray(g.inputs, dtype=np.int64)
    seeds = np.zeros((n, k))
    seeds[inputs] = directions
    xdot = _tri_solve(cg, seeds, transpose=False)
    unit = np.zeros(n)
    unit[g.outputs[0]] = 1.0
    beta = _tri_solve(cg, unit, transpose=True)
    ptr, args = t.ptr, t.args
    wdot = np.zeros((cg.n_edges, k))
    level = new_level()
    starts = np.asarray(ptr, dtype=np.int64)
    for (_, kinds), nodes in (_node_groups(g) if groups is None else groups).items():
        prim, at = t.primitive(nodes[0]), np.asarray(nodes, dtype=np.int64)
        operands: list[Any] = []
        for a, kind in enumerate(kinds):
            items = [args[v][a][1] for v in nodes]
            if kind == "n":
                idx = np.asarray(items, dtype=np.int64)
                operands.append(Dual(vals[idx][:, None], xdot[idx], level))
            else:
                operands.append(np.asarray(items, dtype=np.float64)[:, None])
        out = Dual(vals[at][:, None], xdot[at], level)
        edge = starts[at]
        for a, kind in enumerate(kinds):
            if kind != "n":
                continue
            p = prim.partials[a](GENERIC, *operands, out)
            if isinstance(p, Dual) and p.level == level:
                wdot[edge] = np.broadcast_to(np.asarray(p.tangent, dtype=np.float64), (len(nodes), k))
            edge = edge + 1
    source = np.zeros((n, k))
    np.add.at(source, cg.in_src, wdot * beta[cg.in_dst][:, None])
    return _tri_solve(cg, source, transpose=True)[inputs]
