"""Edge weights checked and lifted into a semiring before a public solve.

Two rules, the same on every backend:

* **NaN is refused.**  A NaN weight has no meaning in any semiring (min and
  max would give answers that depend on the sweep's order: forward and
  backward would disagree), so :func:`~semiring_ad.core.solver.solve_forward`,
  ``solve_backward`` and ``path_sum`` raise :class:`WeightTypeError` naming
  the edge.  The low-level ``sweep`` (what the AD layer calls) is not
  checked: a NaN partial there is an honest NaN derivative.
* **Weights are lifted** when the semiring declares how
  (:attr:`Semiring.lift <semiring_ad.core.semiring.Semiring>`): COUNTING
  reads non-integer numbers as 1, OR_AND reads numbers as True, PATHS reads
  a number as the edge itself, SIGNED_LOG converts numbers with
  ``signed_log``.  A weight the semiring cannot lift is refused with a
  message naming the ``weight=`` to pass.

Both results are cached on the compiled graph, per semiring lift.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import SemiringADError, WeightTypeError
from .graph import CompiledGraph
from .semiring import Semiring

__all__ = ["checked_edge_weights", "checked_weights"]


def checked_weights(cg: CompiledGraph, s: Semiring) -> CompiledGraph:
    """``cg`` itself, or a copy with lifted weights; raises :class:`WeightTypeError` for NaN or unusable weights.

    >>> import networkx as nx
    >>> from semiring_ad.core.graph import compile_graph
    >>> from semiring_ad.core.semirings import OR_AND, PLUS_TIMES
    >>> cg = compile_graph(nx.DiGraph([("a", "b", {"weight": 2.5})]))
    >>> checked_weights(cg, PLUS_TIMES) is cg, checked_weights(cg, OR_AND).weights
    (True, [True])
    >>> checked_weights(compile_graph(nx.DiGraph([("a", "b", {"weight": float("nan")})])), PLUS_TIMES)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    semiring_ad.errors.WeightTypeError: edge ('a', 'b') has a NaN weight; NaN is not a value of any semiring ...
    """
    cache = cg.__dict__.setdefault("_checked_weights", {})
    if s.lift not in cache:
        if "_nan_checked" not in cg.__dict__:
            _refuse_nan(cg)
            cg.__dict__["_nan_checked"] = True
        cache[s.lift] = cg if s.lift is None else _lift(cg, s)
    return cache[s.lift]


def checked_edge_weights(weights: list, edges: list, s: Semiring) -> list:
    """The same two rules on plain lists (a graph with cycles, which does not compile): NaN refused, lifted.

    >>> from semiring_ad.core.semirings import OR_AND
    >>> checked_edge_weights([2.5, 0.0], [("a", "b"), ("b", "a")], OR_AND)
    [True, True]
    """
    bad = _nan_positions(weights)
    if len(bad):
        raise _nan_error(edges[int(bad[0])])
    return weights if s.lift is None else _lifted(weights, edges, s)


def _nan_positions(w: Any) -> Any:
    if isinstance(w, np.ndarray) and w.dtype.kind != "O":
        return np.flatnonzero(np.isnan(w)) if w.dtype.kind in "fc" else np.zeros(0, np.int64)
    try:
        arr = np.fromiter(w, dtype=np.float64, count=len(w))
        return np.flatnonzero(np.isnan(arr))
    except (TypeError, ValueError, OverflowError, SemiringADError):  # huge ints, duals: the floats only
        return [k for k, x in enumerate(w) if isinstance(x, (float, np.floating)) and x != x]


def _nan_error(edge: tuple) -> WeightTypeError:
    return WeightTypeError(
        f"edge {edge!r} has a NaN weight; NaN is not a value of any semiring (min and max would depend on the "
        "order of the sweep, so forward and backward would disagree): give the edge a number, or leave it "
        "out of the graph",
        edge,
    )


def _refuse_nan(cg: CompiledGraph) -> None:
    bad = _nan_positions(cg.weights)
    if len(bad):
        raise _nan_error(cg.edges[int(bad[0])])


def _lifted(w: Any, edges: list, s: Semiring) -> list:
    lift = s.lift
    lifted: list[Any] = [lift(x, e) for x, e in zip(w, edges)]
    for k, x in enumerate(lifted):
        if x is None:
            hint = " (for PATHS, weight=path_weight)" if s.name == "paths" else ""
            raise WeightTypeError(
                f"semiring {s.name!r} cannot use the weight {w[k]!r} ({type(w[k]).__name__}) of edge {edges[k]!r}: "
                f"its values look like {s.one!r}; pass weight=<attribute name, or callable (u, v, data) -> weight> "
                f"giving such values{hint}",
                edges[k],
            )
    return lifted


def _lift(cg: CompiledGraph, s: Semiring) -> CompiledGraph:
    w = cg.weights
    if isinstance(w, np.ndarray) and w.dtype.kind != "O" and _already(w, s):
        return cg
    lifted = _lifted(w, cg.edges, s)
    if all(a is b for a, b in zip(lifted, w)):
        return cg
    return cg.with_weights(lifted)


def _already(w: np.ndarray, s: Semiring) -> bool:
    """Whether an array of weights needs no lifting: bools for OR_AND, integers for COUNTING."""
    probe = s.lift(w.dtype.type(1), ())
    return probe is not None and type(probe) is w.dtype.type
