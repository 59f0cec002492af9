"""One graph, many semirings: structural questions about a derivative graph.

This module owns the analyses that re-weight one compiled graph
(:meth:`~semiring_ad.core.graph.CompiledGraph.with_weights`) and hand it to the
core solver in another semiring — no new algorithm, only new weights:

=======================  ============  ===========================================
question                 semiring      edge weight
=======================  ============  ===========================================
which outputs depend     ``OR_AND``    ``True`` (structure only)
on which inputs?
how many paths per       ``COUNTING``  ``1``
Jacobian entry?
the dominant path        ``MAX_PLUS``  ``log |∂v/∂u|``, then a Viterbi traceback
the k largest paths      :func:`k_best`  ``(log |∂v/∂u|, sign, (edge,))``
=======================  ============  ===========================================

It sits beside the AD API (front end + solver); the views (path explanations,
the command line) use it.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import networkx as nx
import numpy as np

from ..ad.arrays.api import ArrayGraph
from ..ad.arrays.sparsity import jacobian_pattern_arrays
from ..ad.computation import ComputationGraph
from ..ad.tracing import trace
from ..core.graph import CompiledGraph, WeightSpec, compile_graph
from ..core.semiring import Semiring
from ..core.semirings import COUNTING, MAX_PLUS, OR_AND, PLUS_TIMES
from ..core.solver import sweep
from ..errors import GraphTypeError, InputError, NodeNotFoundError

__all__ = [
    "DominantPath",
    "Scored",
    "dominant_paths",
    "jacobian_sparsity",
    "k_best",
    "k_best_weight",
    "log_abs",
    "path_counts",
]

GraphLike = ComputationGraph | nx.DiGraph | CompiledGraph


# -- the k-best semiring -------------------------------------------------------------


class Scored(NamedTuple):
    """One entry of a :func:`k_best` value: a path with its log-magnitude and sign."""

    log_abs: float
    sign: int
    path: tuple


def log_abs(w: Any) -> float:
    """``log |w|`` of a real weight (``-inf`` for 0).

    >>> log_abs(-math.e), log_abs(0.0)
    (1.0, -inf)
    """
    if not isinstance(w, numbers.Real):
        raise TypeError(f"expected a real edge weight, got {type(w).__name__} {w!r}; "
                        "magnitudes need numeric weights (evaluate a symbolic graph at a point first)")
    return math.log(abs(float(w))) if w != 0 else -math.inf


def _sign(w: Any) -> int:
    return (w > 0) - (w < 0)


def k_best_weight(w: Any, label: Hashable) -> tuple[Scored, ...]:
    """The :func:`k_best` weight of an edge with real weight ``w``, naming the edge ``label``.

    >>> k_best_weight(-2.0, 7)
    (Scored(log_abs=0.6931471805599453, sign=-1, path=(7,)),)
    """
    return (Scored(log_abs(w), _sign(w), (label,)),)


def k_best(k: int) -> Semiring:
    """The semiring of the ``k`` paths of largest ``|product|``.

    A value is a tuple of at most ``k`` :class:`Scored` entries
    ``(log|product|, sign, path)``, best first (ties broken by the path, so
    paths must be tuples of comparable labels, e.g. edge positions).  ⊕
    merges two such lists and keeps the best ``k``; ⊗ combines every pair
    (adding logs, multiplying signs, concatenating paths in order) and keeps
    the best ``k``.  0 is the empty tuple, 1 the single empty path.  Because
    ``|a·b| = |a|·|b|`` is monotone in each factor, the best ``k`` paths
    through a node extend the best ``k`` prefixes into it, so one sweep finds
    them without enumerating (Mohri 2002, the k-shortest-distance semiring).

    ``equal`` compares the magnitudes only: tied paths may be exchanged.

    Examples
    --------
    >>> import networkx as nx
    >>> from semiring_ad.core.solver import path_sum
    >>> G = nx.DiGraph([("s", "a", {"w": 2.0}), ("a", "t", {"w": 3.0}), ("s", "t", {"w": -10.0})])
    >>> best = path_sum(G, k_best(1), "s", "t", weight=lambda u, v, d: k_best_weight(d["w"], (u, v)))
    >>> best[0].sign, best[0].path
    (-1, (('s', 't'),))
    """
    if not isinstance(k, numbers.Integral) or k < 1:
        raise InputError(f"k must be a positive integer, got {k!r}")

    def top(entries: Any) -> tuple[Scored, ...]:
        return tuple(sorted(entries, key=lambda e: (-e[0], e[2]))[:k])

    def plus(a: tuple, b: tuple) -> tuple:
        return top((*a, *b))

    def times(a: tuple, b: tuple) -> tuple:
        return top(Scored(x[0] + y[0], x[1] * y[1], x[2] + y[2]) for x in a for y in b)

    def equal(a: tuple, b: tuple) -> bool:
        return len(a) == len(b) and all(x[0] == y[0] or math.isclose(x[0], y[0], rel_tol=1e-9, abs_tol=1e-12)
                                        for x, y in zip(a, b, strict=True))

    return Semiring(
        f"k_best({k})", plus, times, (), (Scored(0.0, 1, ()),), commutative=False,
        description=f"the {k} paths of largest |product|, as (log|product|, sign, path)",
        notation=(f"merge, keep {k}", f"pairwise, keep {k}", "()", "((0, +1, ()),)"), equal=equal,
    )


# -- endpoints -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Endpoints:
    cg: CompiledGraph
    inputs: list[int]  # positions in cg
    outputs: list[int]


def _positions(cg: CompiledGraph, nodes: Sequence[Hashable], role: str) -> list[int]:
    try:
        return [cg.index[v] for v in nodes]
    except KeyError as exc:
        raise NodeNotFoundError(f"{role} {exc.args[0]!r} is not a node of the graph") from None


def _endpoints(graph: GraphLike, inputs: Sequence[Hashable] | None, outputs: Sequence[Hashable] | None,
               weight: WeightSpec) -> _Endpoints:
    """The compiled graph and input/output positions; a DiGraph defaults to its sources and sinks."""
    if isinstance(graph, ComputationGraph):
        cg = graph.compiled
        ins, outs = graph.inputs, graph.outputs
    elif isinstance(graph, nx.DiGraph):
        cg = compile_graph(graph, weight)
        ins = [v for v in graph if graph.in_degree(v) == 0]  # in the graph's node order
        outs = [v for v in graph if graph.out_degree(v) == 0]
    elif isinstance(graph, CompiledGraph):
        cg = graph
        ins = [cg.nodes[i] for i in np.flatnonzero(np.diff(cg.in_ptr) == 0)]  # in topological order
        outs = [cg.nodes[i] for i in np.flatnonzero(np.diff(cg.out_ptr) == 0)]
    else:
        raise GraphTypeError(f"expected a ComputationGraph, a networkx DiGraph or a CompiledGraph, "
                             f"got {type(graph).__name__}")
    ins = ins if inputs is None else inputs
    outs = outs if outputs is None else outputs
    return _Endpoints(cg, _positions(cg, ins, "input"), _positions(cg, outs, "output"))


def _per_entry(ep: _Endpoints, s: Semiring, cg: CompiledGraph) -> list[list[Any]]:
    """``table[o][i]`` = the path sum from input ``i`` to output ``o`` (None if no path)."""
    table: list[list[Any]] = [[None] * len(ep.inputs) for _ in ep.outputs]
    for j, i in enumerate(ep.inputs):
        vals = sweep(cg, s, {i: s.one}, "forward")
        for r, o in enumerate(ep.outputs):
            table[r][j] = vals[o]
    return table


# -- the analyses --------------------------------------------------------------------


def jacobian_sparsity(f: Callable[..., Any] | GraphLike, *args: Any, inputs: Sequence[Hashable] | None = None,
                      outputs: Sequence[Hashable] | None = None) -> np.ndarray:
    """Which outputs depend on which inputs, structurally: OR_AND with every edge ``True``.

    Parameters
    ----------
    f : callable or graph
        A function (traced at ``*args``, one node per scalar), a
        :class:`ComputationGraph`, a networkx DiGraph (inputs default to its
        sources, outputs to its sinks), or an array graph
        (:func:`semiring_ad.arrays.trace_arrays`: the element-level pattern is read
        off its edge maps' structure, :func:`~semiring_ad.ad.arrays.sparsity.jacobian_pattern_arrays`;
        ``inputs``/``outputs`` do not apply).
    *args
        The point at which to trace ``f``; the pattern does not depend on it
        except through branches.

    Returns
    -------
    numpy.ndarray of bool, shape (m, n)
        ``[k, j]`` is True iff some path joins input ``j`` to output ``k``
        (outputs and inputs flattened; always 2-D).

    Examples
    --------
    >>> import semiring_ad as sad
    >>> jacobian_sparsity(lambda x: [x[0] * x[1], sad.sin(x[2])], [1.0, 2.0, 3.0])
    array([[ True,  True, False],
           [False, False,  True]])
    >>> import numpy as np
    >>> jacobian_sparsity(sad.arrays.trace_arrays(lambda x: x[1:] * x[:-1], np.ones(3)))
    array([[ True,  True, False],
           [False,  True,  True]])
    """
    if isinstance(f, ArrayGraph):
        if inputs is not None or outputs is not None:
            raise InputError("jacobian_sparsity of an array graph covers all its traced leaves and its output; "
                             "inputs= and outputs= select nodes of scalar graphs only")
        return jacobian_pattern_arrays(f).toarray()
    graph = f if isinstance(f, (ComputationGraph, nx.DiGraph, CompiledGraph)) else trace(f, *args)
    ep = _endpoints(graph, inputs, outputs, _any_weight)
    table = _per_entry(ep, OR_AND, ep.cg.with_weights([True] * ep.cg.n_edges))
    return np.array([[bool(x) for x in row] for row in table], dtype=bool).reshape(len(ep.outputs), len(ep.inputs))


def _any_weight(u: Any, v: Any, data: dict) -> bool:
    return True


def path_counts(graph: GraphLike, *, inputs: Sequence[Hashable] | None = None,
                outputs: Sequence[Hashable] | None = None) -> np.ndarray:
    """The number of paths behind each Jacobian entry: COUNTING with every edge ``1``.

    Returns an ``(m, n)`` integer array (``int64``, or exact Python ints in an
    object array if a count exceeds it).  A repeated operand (``x * x``) is
    two edges, hence two paths.

    Examples
    --------
    >>> import semiring_ad as sad
    >>> path_counts(sad.trace(lambda x, y: x * x + x * y, 1.0, 2.0))
    array([[3, 1]])
    """
    ep = _endpoints(graph, inputs, outputs, _any_weight)
    table = _per_entry(ep, COUNTING, ep.cg.with_weights([1] * ep.cg.n_edges))
    counts = [[0 if x is None else int(x) for x in row] for row in table]
    big = any(c >= 2**63 for row in counts for c in row)
    return np.array(counts, dtype=object if big else np.int64).reshape(len(ep.outputs), len(ep.inputs))


@dataclass(frozen=True)
class DominantPath:
    """The path of largest ``|product|`` from ``input`` to ``output``.

    ``nodes`` and ``edges`` follow the path in order (edges as in
    :attr:`CompiledGraph.edges`); ``product`` is the ordered product of its
    partials; ``log_abs`` the MAX_PLUS value ``log |product|``.
    """

    output: Hashable
    input: Hashable
    nodes: tuple
    edges: tuple
    product: Any
    log_abs: float


def _traceback(cg: CompiledGraph, vals: Sequence[Any], logw: list[float], source: int, target: int) -> list[int]:
    """Edge positions of a best source→target path: from the target, follow an in-edge attaining the max."""
    path, v = [], target
    ptr, src = cg.lists[0], cg.lists[1]
    while v != source:
        best, arg = -math.inf, None
        for k in range(ptr[v], ptr[v + 1]):
            a = vals[src[k]]
            if a is not None and (arg is None or a + logw[k] > best):
                best, arg = a + logw[k], k
        path.append(arg)
        v = src[arg]
    return path[::-1]


def dominant_paths(graph: GraphLike, *, inputs: Sequence[Hashable] | None = None,
                   outputs: Sequence[Hashable] | None = None, weight: WeightSpec = "weight") -> np.ndarray:
    """The dominant path of each Jacobian entry: MAX_PLUS on ``log |∂v/∂u|``, then a traceback.

    Returns an ``(m, n)`` object array of :class:`DominantPath` (``None``
    where no path joins the pair).  Paths whose product is 0 still count (with
    ``log_abs = -inf``) when no other path exists.

    Examples
    --------
    Reps's f = (x + 4y)·((x + y)·y) at (3, 5): of ∂f/∂y = 4·1·40 + 1·5·23 + 8·23,
    the dominant path is y → (x + y)·y → f, with product 8·23 = 184.

    >>> import semiring_ad as sad
    >>> g = sad.trace(lambda x, y: (x + 4 * y) * ((x + y) * y), 3.0, 5.0)
    >>> best = dominant_paths(g)[0, 1]
    >>> best.nodes, best.product
    ((1, 5, 6), 184.0)
    """
    ep = _endpoints(graph, inputs, outputs, weight)
    cg = ep.cg
    logw = [log_abs(w) for w in cg.weights]
    cg_log = cg.with_weights(logw)
    out = np.empty((len(ep.outputs), len(ep.inputs)), dtype=object)
    for j, i in enumerate(ep.inputs):
        vals = sweep(cg_log, MAX_PLUS, {i: MAX_PLUS.one}, "forward")
        for r, o in enumerate(ep.outputs):
            if vals[o] is None:
                continue
            ks = _traceback(cg, vals, logw, i, o)
            nodes = (cg.nodes[i], *(cg.nodes[int(cg.in_dst[k])] for k in ks))
            out[r, j] = DominantPath(cg.nodes[o], cg.nodes[i], nodes, tuple(cg.edges[k] for k in ks),
                                     PLUS_TIMES.prod(cg.weights[k] for k in ks), float(vals[o]))
    return out
