"""Jacobian accumulation by vertex elimination on a traced graph, and what each order costs.

Forward and reverse mode are two orders of eliminating the intermediate
vertices of the computational graph; Markowitz and min-fill ("cross-country")
orders can need fewer multiplications than both (Griewank & Walther,
ch. 9–10).  :func:`elimination_jacobian` is ``jacobian(f, mode="elimination")``;
:func:`accumulation_costs` counts the multiplications of every named order
on one traced function, side by side, with the core's
:func:`~semiring_ad.core.elimination.eliminate` in a ``counted`` semiring.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..core.elimination import ORDERS, eliminate
from ..core.semiring import counted
from ..core.semirings import PLUS_TIMES
from .computation import ComputationGraph
from .tracing import trace

__all__ = ["AccumulationCosts", "accumulation_costs", "elimination_jacobian"]


def _eliminated(g: ComputationGraph, semiring: Any, order: str | Sequence[Hashable]) -> Any:
    keep = set(g.inputs) | set(g.outputs)
    return eliminate(g.to_networkx(), semiring, order=order, keep=keep)


def elimination_jacobian(g: ComputationGraph, order: str | Sequence[Hashable] = "markowitz") -> np.ndarray:
    """The (m, n) Jacobian of a traced graph, by eliminating its intermediate vertices in ``order``.

    ``order`` is ``"forward"``, ``"reverse"``, ``"markowitz"``, ``"min_fill"``
    or a list of the tape positions to eliminate (every node that is neither
    an input nor an output).

    >>> import semiring_ad as sad
    >>> g = sad.trace(lambda x, y: [x * y, sad.sin(x)], 1.0, 2.0)
    >>> elimination_jacobian(g).astype(float).round(4)
    array([[2.    , 1.    ],
           [0.5403, 0.    ]])
    """
    J = _eliminated(g, PLUS_TIMES, order)
    out = np.zeros((len(g.outputs), len(g.inputs)), dtype=object)
    out[:] = 0.0
    for r, o in enumerate(g.outputs):
        for c, i in enumerate(g.inputs):
            if o == i:
                out[r, c] = 1.0  # the empty path: the output is the input itself
            elif J.has_edge(i, o):
                out[r, c] = J[i][o]["weight"]
    return out


@dataclass(frozen=True)
class AccumulationCosts:
    """Multiplications (and additions) of Jacobian accumulation by vertex elimination, per order.

    ``rows`` holds one ``(order, multiplications, additions)`` per order, in
    the order asked; ``n_inputs``, ``n_outputs``, ``n_nodes`` and ``n_edges``
    give the traced graph's size.  ``table["markowitz"]`` is that order's
    number of multiplications.
    """

    rows: tuple[tuple[str, int, int], ...]
    n_inputs: int
    n_outputs: int
    n_nodes: int
    n_edges: int

    def __getitem__(self, order: str) -> int:
        """The number of multiplications of ``order``."""
        for name, times, _ in self.rows:
            if name == order:
                return times
        raise KeyError(f"no row for order {order!r}; the rows are {[r[0] for r in self.rows]}")

    @property
    def best(self) -> str:
        """The order with the fewest multiplications (the first such, on a tie)."""
        return min(self.rows, key=lambda r: r[1])[0]

    def _header(self) -> str:
        return (f"Jacobian accumulation by vertex elimination: {self.n_outputs}×{self.n_inputs} Jacobian, "
                f"{self.n_nodes} nodes, {self.n_edges} edges")

    def __str__(self) -> str:
        width = max(len("order"), *(len(r[0]) for r in self.rows))
        lines = [self._header(), f"{'order':<{width}}  {'multiplications':>15}  {'additions':>9}"]
        lines += [f"{name:<{width}}  {times:>15}  {plus:>9}" for name, times, plus in self.rows]
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The table as GitHub/MyST Markdown."""
        lines = [f"*{self._header()}*", "", "| order | multiplications | additions |", "|---|---:|---:|"]
        lines += [f"| {name} | {times} | {plus} |" for name, times, plus in self.rows]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def _repr_html_(self) -> str:
        body = "".join(f"<tr><td>{name}</td><td style='text-align:right'>{times}</td>"
                       f"<td style='text-align:right'>{plus}</td></tr>" for name, times, plus in self.rows)
        return (f"<table><caption>{self._header()}</caption><thead><tr><th>order</th><th>multiplications</th>"
                f"<th>additions</th></tr></thead><tbody>{body}</tbody></table>")


def accumulation_costs(f: Callable[..., Any], *args: Any, argnums: int | Sequence[int] | None = None,
                       orders: Sequence[str] = ORDERS) -> AccumulationCosts:
    """Trace ``f`` at ``args`` and count the multiplications of each elimination order.

    Parameters
    ----------
    f : callable
        The function, as for :func:`~semiring_ad.ad.tracing.trace`.
    *args
        The point.
    argnums : int or sequence of int, optional
        Which arguments are inputs (default: all).
    orders : sequence of str
        The named orders to compare (default: forward, reverse, markowitz, min_fill).

    Returns
    -------
    AccumulationCosts
        A small table: ``print`` it, or show it in Jupyter (HTML / Markdown).

    Examples
    --------
    A bottleneck: five inputs are summed into one value that feeds five outputs.
    Forward and reverse pay for the 5 × 5 fan on both sides; Markowitz does not.

    >>> import semiring_ad as sad
    >>> def f(x):
    ...     h = [sad.sin(xi) for xi in x]
    ...     s = sum(h[1:], h[0])
    ...     return [sad.exp(s * k) for k in range(1, 6)]
    >>> costs = accumulation_costs(f, [0.1, 0.2, 0.3, 0.4, 0.5])
    >>> costs["forward"] > costs["markowitz"] < costs["reverse"]
    True
    """
    g = trace(f, *args, argnums=argnums)
    rows = []
    for order in orders:
        c = counted(PLUS_TIMES)
        _eliminated(g, c, order)
        rows.append((order, c.counter.times, c.counter.plus))
    return AccumulationCosts(tuple(rows), len(g.inputs), len(g.outputs), g.n_nodes, g.n_edges)
