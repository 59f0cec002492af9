"""Expression swell: symbolic derivatives grow exponentially, computation graphs linearly.

Seed 003 (Baydin et al.) uses the logistic map l₁ = x, l_{k+1} = 4 l_k (1 − l_k):
written out, l₄ is already 64x(1−x)(1−2x)²(1−8x+8x²)², and its derivative
as a formula is longer still.  This module measures that, row by row:

* ``expanded_ops`` and ``derivative_ops`` — ``sympy.count_ops`` of the
  expanded closed form lₙ(x) and of its ``sympy.diff``: a polynomial of
  degree 2ⁿ⁻¹, so both roughly double per step;
* ``nested_derivative_ops`` — the same for ``sympy.diff`` of the unexpanded
  recurrence (a tree in which l_k appears twice, so it doubles too);
* ``graph_nodes``, ``graph_edges`` — the traced graph of the loop, which
  grows by the same 3 nodes and 4 edges per step;
* ``dag_nodes`` — :func:`~semiring_ad.symbolic.graphs.from_sympy` of the unexpanded
  recurrence: SymPy's tree, memoized into a DAG, is linear too — the swell
  is in writing the tree out, not in the mathematics;
* ``reverse_ops`` — the ⊕ and ⊗ operations one backward sweep performs on
  the traced graph (counted with :func:`~semiring_ad.core.semiring.counted`): the
  derivative by path solving costs a constant per edge.

It is a view in the data flow: it builds graphs with the front ends and
measures a solve; it computes nothing the rest of the library uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy

from ..ad.tracing import trace
from ..core.semiring import counted
from ..core.semirings import PLUS_TIMES
from ..core.solver import sweep
from .graphs import from_sympy

__all__ = ["SwellRow", "expression_swell", "logistic_map", "swell_table"]


def logistic_map(x: Any, n: int) -> Any:
    """lₙ for l₁ = x and l_{k+1} = 4 l_k (1 − l_k): ``n - 1`` steps of the loop.

    Works on anything with ``*`` and ``-``: floats, tracers, SymPy symbols.

    >>> import sympy
    >>> logistic_map(0.25, 2), logistic_map(sympy.Symbol("x"), 2)
    (0.75, 4*x*(1 - x))
    """
    v = x
    for _ in range(n - 1):
        v = 4 * v * (1 - v)
    return v


@dataclass(frozen=True)
class SwellRow:
    """Sizes for one n; see the module docstring for what each column counts."""

    n: int
    expanded_ops: int
    derivative_ops: int
    nested_derivative_ops: int
    graph_nodes: int
    graph_edges: int
    dag_nodes: int
    reverse_ops: int


def _graph_sizes(n: int) -> tuple[int, int, int]:
    """Nodes, edges and backward-sweep operations of the traced loop."""
    g = trace(lambda x: logistic_map(x, n), 0.25)
    s = counted(PLUS_TIMES)
    sweep(g.compiled, s, {g.outputs[0]: 1.0}, "backward", backend="python")
    return g.n_nodes, g.n_edges, s.counter.total


def expression_swell(n_max: int = 8) -> list[SwellRow]:
    """One :class:`SwellRow` for each n = 1 … ``n_max`` (the default runs in well under a second).

    The closed form has degree 2ⁿ⁻¹; it is expanded and differentiated as a
    :class:`sympy.Poly` (the same expressions as ``sympy.expand`` and
    ``sympy.diff`` give, far faster), and ``sympy.diff`` of the nested form
    dominates the cost.

    Examples
    --------
    >>> rows = expression_swell(5)
    >>> [r.derivative_ops for r in rows]
    [0, 2, 8, 20, 44]
    >>> [r.graph_nodes for r in rows], [r.reverse_ops for r in rows]
    ([1, 4, 7, 10, 13], [0, 5, 10, 15, 20])
    """
    x = sympy.Symbol("x")
    closed, nested, rows = sympy.Poly(x, x), x, []
    for n in range(1, n_max + 1):
        if n > 1:
            closed = 4 * closed * (1 - closed)  # Poly arithmetic: the same expansion, much faster
            nested = 4 * nested * (1 - nested)
        nodes, edges, ops = _graph_sizes(n)
        rows.append(
            SwellRow(
                n=n,
                expanded_ops=sympy.count_ops(closed.as_expr()),
                derivative_ops=sympy.count_ops(closed.diff(x).as_expr()),  # == sympy.diff(expanded, x)
                nested_derivative_ops=sympy.count_ops(sympy.diff(nested, x)),
                graph_nodes=nodes,
                graph_edges=edges,
                dag_nodes=from_sympy(nested, [x]).n_nodes,
                reverse_ops=ops,
            )
        )
    return rows


def swell_table(rows: list[SwellRow]) -> str:
    """The rows as an aligned text table.

    >>> print(swell_table(expression_swell(3)))
    n  expanded_ops  derivative_ops  nested_derivative_ops  graph_nodes  graph_edges  dag_nodes  reverse_ops
    1             0               0                      0            1            0          1            0
    2             4               2                      2            4            4          4            5
    3            10               8                     21            7            8          7           10
    """
    names = list(SwellRow.__dataclass_fields__)
    cells = [names, *([str(getattr(r, k)) for k in names] for r in rows)]
    widths = [max(len(row[k]) for row in cells) for k in range(len(names))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in cells)
