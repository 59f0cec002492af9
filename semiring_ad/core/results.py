"""What :func:`~semiring_ad.core.solver.solve_forward` and ``solve_backward`` return.

A :class:`NodeValues` is a read-only mapping node → value backed by the
sweep's own storage: the value arrays of a vectorized backend (a
:class:`~semiring_ad.core.backends.SweepResult`) or the list of the generic
loop.  Building it is O(1) Python work; no per-node object exists until a
value is asked for.  It sits between the solver and its callers, and knows
the compiled graph's node order and the semiring's zero, nothing else.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import NodeNotFoundError

if TYPE_CHECKING:
    from .graph import CompiledGraph

__all__ = ["NodeOrder", "NodeValues"]

_NUMBERS = (bool, int, float, np.bool_, np.integer, np.floating)


class NodeOrder:
    """The node order of a solve that has no compiled graph (a graph with cycles): ``nodes`` and ``index``.

    >>> NodeOrder(["b", "a"]).index
    {'b': 0, 'a': 1}
    """

    __slots__ = ("index", "nodes")

    def __init__(self, nodes: Iterable[Hashable]) -> None:
        self.nodes = list(nodes)
        self.index = {v: i for i, v in enumerate(self.nodes)}

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.nodes)


class NodeValues(Mapping):
    """Node → value after a sweep; read-only, backed by the sweep's value arrays.

    Iteration, ``len``, ``in``, ``[node]``, ``.get``, ``.items()`` and ``==``
    behave as for the ``dict`` the solvers used to return: keys are the
    graph's nodes in :attr:`nodes` order, and a node no seed reaches maps to
    the semiring's zero.

    Parameters
    ----------
    cg : CompiledGraph or NodeOrder
        The graph that was swept (its ``nodes``, ``index`` and ``n_nodes``; a
        :class:`NodeOrder` for a graph with cycles, which does not compile).
    values : sequence
        Values by topological position, ``None`` where unreached (a
        ``SweepResult`` or a list).
    zero : object
        The semiring's zero.

    Attributes
    ----------
    nodes : list
        The node order of :meth:`to_numpy`, :attr:`reached` and iteration: the
        compiled graph's topological order (``compile_graph(G).nodes``); on a
        graph with cycles, an order of its strongly connected components.

    Examples
    --------
    >>> import networkx as nx
    >>> from semiring_ad.core.solver import solve_forward
    >>> G = nx.DiGraph([("s", "a", {"weight": 2.0}), ("a", "t", {"weight": 3.0}), ("u", "t", {"weight": 1.0})])
    >>> alpha = solve_forward(G, "min_plus", "s")
    >>> alpha["t"], alpha["u"]
    (5.0, inf)
    >>> alpha.nodes, alpha.to_numpy(), alpha.reached
    (['s', 'a', 'u', 't'], array([ 0.,  2., inf,  5.]), array([ True,  True, False,  True]))
    >>> alpha.to_numpy(nodes=["t", "s"])
    array([5., 0.])
    >>> alpha == {"s": 0.0, "u": float("inf"), "a": 2.0, "t": 5.0}
    True
    """

    __slots__ = ("_cg", "_dict", "_values", "_zero")

    def __init__(self, cg: CompiledGraph | NodeOrder, values: Sequence[Any], zero: Any) -> None:
        self._cg, self._values, self._zero, self._dict = cg, values, zero, None

    @property
    def nodes(self) -> list:
        """The nodes in the order of :meth:`to_numpy` (topological order)."""
        return self._cg.nodes

    @property
    def zero(self) -> Any:
        """The value of unreached nodes (the semiring's zero)."""
        return self._zero

    # -- the Mapping protocol ------------------------------------------------------
    def __getitem__(self, node: Hashable) -> Any:
        try:
            i = self._cg.index[node]
        except (KeyError, TypeError):
            raise NodeNotFoundError(f"{node!r} is not a node of the solved graph ({len(self)} nodes)") from None
        vals = self._values
        if hasattr(vals, "value_or_zero"):
            return vals.value_or_zero(i)
        v = vals[i]
        return self._zero if v is None else v

    def __iter__(self) -> Iterator[Hashable]:
        return iter(self._cg.nodes)

    def __len__(self) -> int:
        return self._cg.n_nodes

    def __contains__(self, node: object) -> bool:
        try:
            return node in self._cg.index
        except TypeError:
            return False

    def items(self) -> Any:
        """``(node, value)`` pairs (a view of :meth:`to_dict`, built once)."""
        return self._as_dict().items()

    def values(self) -> Any:
        """The values in :attr:`nodes` order."""
        return self._as_dict().values()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, NodeValues):
            other = other._as_dict()
        return self._as_dict() == other if isinstance(other, Mapping) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    # -- arrays ---------------------------------------------------------------------
    @property
    def reached(self) -> np.ndarray:
        """Boolean array in :attr:`nodes` order: whether some path from a seed reaches the node."""
        vals = self._values
        if hasattr(vals, "reached"):
            return vals.reached
        return np.fromiter((v is not None for v in vals), dtype=bool, count=len(vals))

    def to_numpy(self, nodes: Iterable[Hashable] | None = None) -> np.ndarray:
        """The values as one array, unreached nodes filled with the semiring's zero.

        Parameters
        ----------
        nodes : iterable, optional
            The nodes to return, in this order (default :attr:`nodes`, the
            topological order; pass ``G.nodes`` for the networkx order).

        Returns
        -------
        numpy.ndarray
            ``(n,)`` for scalar values (float, int or bool as the semiring's
            kernels store them), ``(n, k)`` for ``k`` seed directions at once,
            and an object array when the values are not numbers (SymPy
            expressions, path sets, pairs).
        """
        vals = self._values
        if hasattr(vals, "to_numpy"):
            out = vals.to_numpy()
        else:
            out = _stack([self._zero if v is None else v for v in vals])
        if nodes is None:
            return out
        index = self._cg.index
        try:
            pos = np.fromiter((index[v] for v in nodes), dtype=np.int64)
        except (KeyError, TypeError) as exc:
            raise NodeNotFoundError(f"to_numpy: {exc.args[0]!r} is not a node of the solved graph") from None
        return out[pos]

    def to_dict(self) -> dict[Hashable, Any]:
        """A new ``dict`` node → value (unreached nodes map to the semiring's zero)."""
        return dict(self._as_dict())

    def _as_dict(self) -> dict[Hashable, Any]:
        if self._dict is None:
            vals = self._values
            array = vals.to_numpy() if hasattr(vals, "to_numpy") else None
            if array is not None and array.ndim == 1:
                filled = array.tolist()
            else:
                zero = self._zero
                filled = [zero if v is None else v for v in vals]
            self._dict = dict(zip(self._cg.nodes, filled))
        return self._dict

    def __repr__(self) -> str:
        n = len(self)
        shown = ", ".join(f"{v!r}: {self[v]!r}" for v in self._cg.nodes[:4])
        more = ", ..." if n > 4 else ""
        return f"NodeValues({{{shown}{more}}}, {int(self.reached.sum())} of {n} reached)"


def _stack(filled: list) -> np.ndarray:
    """Numbers → a numeric array; equal-shape arrays → stacked; anything else → a 1-D object array."""
    if all(isinstance(v, _NUMBERS) for v in filled):
        return np.asarray(filled)
    shapes = {np.shape(v) for v in filled if isinstance(v, np.ndarray)}
    if len(shapes) == 1 and all(isinstance(v, np.ndarray) for v in filled):
        return np.stack(filled)
    out = np.empty(len(filled), dtype=object)
    for i, v in enumerate(filled):  # one by one: NumPy would unpack tuples and sets into new axes
        out[i] = v
    return out
