"""The sum-of-products path solver over any semiring.

Forward sweep from seeds ``s`` (topological order)::

    α(v) = seed(v) ⊕ ⊕_{(u, v)} α(u) ⊗ w(u, v)

Backward sweep to seeds ``t`` (reverse topological order)::

    β(u) = seed(u) ⊕ ⊕_{(u, v)} w(u, v) ⊗ β(v)

Products are formed in path order and never reordered, so non-commutative
semirings (:data:`~semiring_ad.core.semirings.PATHS`, matrices) are safe.  Both
sweeps are loops over the :class:`~semiring_ad.core.graph.CompiledGraph` arrays:
linear in nodes + edges, iterative (a 10^6-node chain is fine).  Nodes no
seed reaches are skipped and reported as the semiring's zero.

Backends are interchangeable: ``"python"`` (the generic loop, any Python
objects) is always present; faster ones register themselves with
:func:`register_backend` and ``backend="auto"`` picks one by semiring and graph
shape.  Callers never change.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator, Mapping
from typing import Any, Protocol

import networkx as nx
import numpy as np

from ..errors import GraphTypeError, InputError, NodeNotFoundError, NotADAGError
from .cyclic import cyclic_path_sum, cyclic_solve
from .graph import CompiledGraph, WeightSpec, _compile_graph, _topological_order, compile_graph
from .modes import sweep_direction
from .results import NodeValues
from .semiring import Semiring
from .semirings import get_semiring
from .weights import checked_weights

__all__ = [
    "BACKENDS",
    "enumerate_paths",
    "path_sum",
    "register_backend",
    "solve_backward",
    "solve_forward",
    "sweep",
]


class Backend(Protocol):
    """What a solver backend provides.  ``active`` restricts the sweep to those positions."""

    def forward(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None) -> list: ...

    def backward(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None) -> list: ...

    def supports(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> bool: ...


class PythonBackend:
    """The generic loop: any semiring, any Python values (arrays included)."""

    name = "python"

    def supports(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> bool:
        return True

    def forward(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None) -> list:
        """Pull: α(v) = seed(v) ⊕ ⊕ α(u) ⊗ w(u, v) over in-edges, in topological order."""
        plus, times = s.plus, s.times
        ptr, src, w = cg.lists[0], cg.lists[1], cg.weights
        vals: list[Any] = [None] * cg.n_nodes
        for i, seed in seeds.items():
            vals[i] = seed
        order = range(min(seeds, default=0), cg.n_nodes) if active is None else active.tolist()
        for i in order:
            acc = vals[i]
            for k in range(ptr[i], ptr[i + 1]):
                a = vals[src[k]]
                if a is not None:
                    t = times(a, w[k])
                    acc = t if acc is None else plus(acc, t)
            vals[i] = acc
        return vals

    def backward(self, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any], active: np.ndarray | None) -> list:
        """Push: in reverse topological order, β(u) ⊕= w(u, v) ⊗ β(v) for each in-edge of v.

        β(v) is complete when v is reached (its successors come later in the
        order and have pushed already); the edges are visited in reverse tape
        order, as in the Baydin/Griewank adjoint trace.
        """
        plus, times = s.plus, s.times
        ptr, src, w = cg.lists[0], cg.lists[1], cg.weights
        vals: list[Any] = [None] * cg.n_nodes
        for i, seed in seeds.items():
            vals[i] = seed
        if active is None:
            order, inside = range(max(seeds, default=-1), -1, -1), None
        else:
            inside = np.zeros(cg.n_nodes, dtype=bool)
            inside[active] = True
            pushing = inside.copy()
            pushing[list(seeds)] = True  # a seed outside ``active`` keeps its value and still pushes
            order, inside = np.flatnonzero(pushing)[::-1].tolist(), inside.tolist()
        for v in order:
            b = vals[v]
            if b is None:
                continue
            for k in range(ptr[v + 1] - 1, ptr[v] - 1, -1):
                u = src[k]
                if inside is not None and not inside[u]:
                    continue
                t = times(w[k], b)
                a = vals[u]
                vals[u] = t if a is None else plus(a, t)
        return vals


BACKENDS: dict[str, Backend] = {"python": PythonBackend()}
"""Registered solver backends by name."""

_AUTO_ORDER: list[str] = []


def register_backend(name: str, backend: Backend, *, auto: bool = True) -> None:
    """Register a backend; with ``auto=True`` ``backend="auto"`` tries it before the generic loop."""
    BACKENDS[name] = backend
    if auto and name not in _AUTO_ORDER:
        _AUTO_ORDER.append(name)


def _pick_backend(name: str, cg: CompiledGraph, s: Semiring, seeds: dict[int, Any]) -> Backend:
    if name == "auto":
        for candidate in _AUTO_ORDER:
            if BACKENDS[candidate].supports(cg, s, seeds):
                return BACKENDS[candidate]
        return BACKENDS["python"]
    try:
        backend = BACKENDS[name]
    except KeyError:
        raise InputError(f"unknown backend {name!r}; expected 'auto' or one of {sorted(BACKENDS)}") from None
    if not backend.supports(cg, s, seeds):
        refusal = getattr(backend, "refusal", None)  # a backend may say why, e.g. "the graph is too small"
        raise InputError((refusal(cg, s, seeds) if refusal else None) or (
            f"backend {name!r} cannot solve semiring {s.name!r} with these seeds "
            "(it needs NumPy kernels and array-compatible values); use backend='python' or 'auto'"
        ))
    return backend


def sweep(
    cg: CompiledGraph,
    semiring: Semiring,
    seeds: Mapping[int, Any],
    direction: str = "forward",
    *,
    active: np.ndarray | None = None,
    backend: str = "auto",
) -> list:
    """Low-level sweep by topological position; unreached positions hold ``None``.

    ``seeds`` maps positions to seed values.  ``active`` (sorted positions)
    restricts the sweep to a cone.  This is what the AD layer calls; most
    users want :func:`solve_forward` / :func:`solve_backward`.
    """
    seeds = dict(seeds)
    if semiring.guard is not None:  # e.g. PATHS refuses a sweep whose sets of paths would not fit in memory
        semiring.guard(cg, seeds, direction, active)
    direction = sweep_direction(direction)
    chosen = _pick_backend(backend, cg, semiring, seeds)
    if direction == "forward":
        return chosen.forward(cg, semiring, seeds, active)
    return chosen.backward(cg, semiring, seeds, active)


# -- public solvers ------------------------------------------------------------


_SCAN_SEEDS, _SCANS, _TAIL = 4, 8, 1024
"""Up to ``_SCAN_SEEDS`` seeds are found by scanning the node list (a C loop; a whole scan costs about a
tenth of building the node → position dict) on the first ``_SCANS`` solves of a graph; then the dict
is built (the scans so far have cost about as much as building it).  A target is looked for among the
last ``_TAIL`` positions first (targets are mostly sinks, which come last in topological order)."""


def _positions(cg: CompiledGraph, spec: Any, s: Semiring, role: str) -> dict[int, Any]:
    items = spec.items() if isinstance(spec, Mapping) else [(spec, s.one)]
    scans = cg.__dict__.get("_scans", 0)
    scan = "index" not in cg.__dict__ and len(items) <= _SCAN_SEEDS and scans < _SCANS
    cg.__dict__["_scans"] = scans + scan
    find = cg.index.__getitem__ if not scan else cg.nodes.index if role == "source" else _from_end(cg.nodes)
    seeds: dict[int, Any] = {}
    for node, seed in items:
        try:
            seeds[find(node)] = seed
        except (KeyError, TypeError, ValueError):
            raise NodeNotFoundError(
                f"{role} {node!r} is not a node of the graph; pass a node id (the graph has "
                f"{cg.n_nodes} nodes, e.g. {cg.nodes[:5]!r}) or a dict {{node: seed}}"
            ) from None
    return seeds


def _from_end(nodes: list) -> Callable[[Any], int]:
    """``nodes.index``, but looking among the last ``_TAIL`` positions first (ValueError if absent)."""
    start = max(len(nodes) - _TAIL, 0)
    return lambda node: nodes.index(node, start) if node in nodes[start:] else nodes.index(node, 0, start)


def solve_forward(
    G: nx.DiGraph | CompiledGraph,
    semiring: Semiring | str,
    sources: Any,
    *,
    weight: WeightSpec = "weight",
    backend: str = "auto",
) -> NodeValues:
    """α(v) for every node: ⊕ over paths from a source of seed ⊗ w(e1) ⊗ … ⊗ w(ek).

    Parameters
    ----------
    G : networkx.DiGraph or CompiledGraph
        The weighted DAG (``weight`` is ignored for a compiled graph).  A
        graph with cycles is solved if the semiring has a Kleene star.
    semiring : Semiring or str
        The semiring, or its name in ``SEMIRINGS``.
    sources : node or dict
        One source node (seed = the semiring's one) or ``{node: seed}``.
    weight : str or callable
        Edge attribute or ``(u, v, data) -> weight``.
    backend : str
        ``"auto"``, ``"python"`` or a registered backend.

    Returns
    -------
    NodeValues
        A read-only mapping, every node → α(node), backed by the sweep's
        value arrays; nodes no path reaches map to the semiring's zero.
        ``.to_numpy()`` gives the values in topological order (``.nodes``),
        ``.reached`` says which nodes a path reaches, ``.to_dict()`` copies.

    Examples
    --------
    Reps's example f = (x + 4y)·((x + y)·y) at (3, 5): the forward sweep from
    ``x`` gives ∂v/∂x at every node; ∂f/∂x = 155.

    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("x", "a", 1), ("y", "a", 4), ("x", "b", 1), ("y", "b", 1),
    ...                            ("b", "c", 5), ("y", "c", 8), ("a", "f", 40), ("c", "f", 23)])
    >>> solve_forward(G, "plus_times", "x")["f"]
    155
    >>> solve_forward(G, "plus_times", {"y": 1})["f"]
    459
    """
    s = get_semiring(semiring)
    try:
        cg = checked_weights(_compile(G, weight), s)
    except NotADAGError:  # a cycle: solved with the semiring's star (core/cyclic.py), or named
        return cyclic_solve(G, s, sources, "forward", weight=weight)
    vals = sweep(cg, s, _positions(cg, sources, s, "source"), "forward", backend=backend)
    return NodeValues(cg, vals, s.zero)


def solve_backward(
    G: nx.DiGraph | CompiledGraph,
    semiring: Semiring | str,
    targets: Any,
    *,
    weight: WeightSpec = "weight",
    backend: str = "auto",
) -> NodeValues:
    """β(u) for every node: ⊕ over paths to a target of w(e1) ⊗ … ⊗ w(ek) ⊗ seed.

    Parameters are as in :func:`solve_forward`, with ``targets`` in place of
    ``sources``.  With derivative weights, β(u) = ∂f/∂u: reverse mode.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("x", "a", 1), ("y", "a", 4), ("x", "b", 1), ("y", "b", 1),
    ...                            ("b", "c", 5), ("y", "c", 8), ("a", "f", 40), ("c", "f", 23)])
    >>> beta = solve_backward(G, "plus_times", "f")
    >>> beta["x"], beta["y"]
    (155, 459)
    """
    s = get_semiring(semiring)
    try:
        cg = checked_weights(_compile(G, weight), s)
    except NotADAGError:  # a cycle: solved with the semiring's star (core/cyclic.py), or named
        return cyclic_solve(G, s, targets, "backward", weight=weight)
    vals = sweep(cg, s, _positions(cg, targets, s, "target"), "backward", backend=backend)
    return NodeValues(cg, vals, s.zero)


def _compile(G: Any, weight: WeightSpec) -> CompiledGraph:
    if not isinstance(G, (nx.DiGraph, CompiledGraph)):
        compile_graph(G)  # raises the descriptive GraphTypeError
    return _compile_graph(G, weight, name_cycle=False)  # a cycle goes to core/cyclic.py, which names its own


def _cone(cg: CompiledGraph, source: int, target: int) -> np.ndarray:
    """Sorted positions on some source→target path (SciPy breadth-first search both ways).

    Every such node lies between the two topological positions, so the
    searches run on that slice of the adjacency matrix only.
    """
    A = cg.adjacency()[source:target + 1, source:target + 1]
    from scipy.sparse.csgraph import breadth_first_order  # on first use: slow to import

    down = breadth_first_order(A, 0, directed=True, return_predecessors=False)
    up = breadth_first_order(A.T.tocsr(), target - source, directed=True, return_predecessors=False)
    return np.intersect1d(down, up, assume_unique=True) + source


def path_sum(
    G: nx.DiGraph | CompiledGraph,
    semiring: Semiring | str,
    source: Hashable,
    target: Hashable,
    *,
    method: str = "forward",
    weight: WeightSpec = "weight",
    backend: str = "auto",
) -> Any:
    """⊕ over all source→target paths of the ⊗ of their edge weights, in path order.

    ``method="forward"`` and ``"backward"`` sweep only the nodes on some
    source→target path; ``"enumerate"`` lists the paths (exponential; for
    teaching and checks).  A node is joined to itself by the empty path, whose
    weight is the semiring's one.

    Examples
    --------
    >>> import networkx as nx
    >>> from semiring_ad.core.semirings import MIN_PLUS, PATHS, path_weight
    >>> G = nx.DiGraph([("s", "a"), ("a", "t"), ("s", "t")])
    >>> nx.set_edge_attributes(G, {("s", "a"): 1.0, ("a", "t"): 1.0, ("s", "t"): 5.0}, "weight")
    >>> path_sum(G, MIN_PLUS, "s", "t")
    2.0
    >>> sorted(path_sum(G, PATHS, "s", "t", weight=path_weight, method="backward"))
    [(('s', 'a'), ('a', 't')), (('s', 't'),)]
    """
    s = get_semiring(semiring)
    try:
        cg = checked_weights(_compile(G, weight), s)
    except NotADAGError:  # a cycle: solved with the semiring's star (core/cyclic.py), or named
        if method == "enumerate":
            _topological_order(G)  # raises NotADAGError naming a cycle
            raise
        return cyclic_path_sum(G, s, source, target, weight=weight)
    i = next(iter(_positions(cg, source, s, "source")))
    j = next(iter(_positions(cg, target, s, "target")))
    if method == "enumerate":
        w = dict(zip(cg.edges, cg.weights))
        return s.sum(s.prod(w[e] for e in p) for p in enumerate_paths(cg, source, target))
    method = sweep_direction(method, what="method", extra=("enumerate",))
    if i > j:  # the target comes first in topological order: no path
        return s.zero
    active = _cone(cg, i, j)
    seed, read = (i, j) if method == "forward" else (j, i)
    out = sweep(cg, s, {seed: s.one}, method, active=active, backend=backend)[read]
    return s.zero if out is None else out


def enumerate_paths(G: nx.DiGraph | CompiledGraph, source: Hashable, target: Hashable) -> Iterator[tuple]:
    """Every source→target path as a tuple of edges (``(u, v)``, or ``(u, v, key)``).

    The declarative form of the path problem: exponentially many paths in
    general.  Uses ``networkx.all_simple_edge_paths`` (on a DAG every path is
    simple); ``source == target`` yields the empty path ``()``.

    >>> import networkx as nx
    >>> sorted(enumerate_paths(nx.DiGraph([(0, 1), (1, 2), (0, 2)]), 0, 2))
    [((0, 1), (1, 2)), ((0, 2),)]
    """
    if isinstance(G, CompiledGraph):
        H = G.to_networkx()
    elif isinstance(G, nx.DiGraph):
        H = G
        if not nx.is_directed_acyclic_graph(H):
            _topological_order(H)  # raises NotADAGError naming a cycle, as every solver does
    else:
        raise GraphTypeError(f"expected a networkx.DiGraph or CompiledGraph, got {type(G).__name__}")
    for node, role in ((source, "source"), (target, "target")):
        if node not in H:
            raise NodeNotFoundError(f"{role} {node!r} is not a node of the graph")
    if source == target:
        yield ()
        return
    for path in nx.all_simple_edge_paths(H, source, target):
        yield tuple(path)

