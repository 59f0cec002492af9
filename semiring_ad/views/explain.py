"""Path explanations: a derivative written out as Bauer's sum over paths.

This module owns :func:`explain`: for one input and one output it lists every
path of the graph with its edge factors and their product, and the total —
Reps's ``∂f/∂x = 1·40 + 1·5·23 = 155``.  The numbers come from the core:
:func:`~semiring_ad.core.solver.enumerate_paths` lists the paths, COUNTING counts
them, PLUS_TIMES sums them; with ``top=k`` the :func:`~semiring_ad.views.analysis.k_best`
semiring finds the ``k`` paths of largest ``|product|`` in one sweep, without
enumerating.  Explanations render as text, Markdown and LaTeX (Jupyter shows
the LaTeX).  It works on traced graphs, on array traces and on plain networkx
DiGraphs.  On an array trace the factors are the edges' linear maps, named by
kind (``W· then diag``), and products and total are taken in
:data:`~semiring_ad.core.linear_semiring.LINEAR`: the total is the Jacobian, as
a map (shown by its entries when small).
"""

from __future__ import annotations

import numbers
from collections.abc import Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from .._sympy import is_sympy
from ..ad.arrays.api import ArrayGraph
from ..ad.computation import ComputationGraph
from ..core.graph import WeightSpec, compile_graph
from ..core.linear import LinearMap
from ..core.linear_semiring import LINEAR
from ..core.semiring import Semiring
from ..core.semirings import COUNTING, PLUS_TIMES
from ..core.solver import enumerate_paths, path_sum
from ..errors import EnumerationLimitError, GraphTypeError, InputError, NodeNotFoundError
from .analysis import k_best, k_best_weight
from .array_tables import SHOWN, value_text
from .format import array_node_names, format_value, latex_value, node_names, output_names, pick_node, plain_value
from .maps import map_kind, shape_text

__all__ = ["Explanation", "PathTerm", "explain", "shown"]


@dataclass(frozen=True)
class PathTerm:
    """One path: its nodes, its edges (networkx ids), its factors in path order, their product."""

    nodes: tuple
    names: tuple[str, ...]
    edges: tuple
    factors: tuple
    product: Any

    def text(self) -> str:
        """``1·5·23`` (``1`` for the empty path)."""
        return _join(self.factors, "·", " then ").join(_factor(w) for w in self.factors) or "1"

    def latex(self) -> str:
        r"""``1 \cdot 5 \cdot 23``."""
        glue = _join(self.factors, r" \cdot ", r" \text{ then } ")
        return glue.join(_factor(w, latex=True) for w in self.factors) or "1"


def _join(factors: tuple, times: str, then: str) -> str:
    """Numbers multiply (``1·5·23``); linear maps compose in path order (``W· then diag``)."""
    return then if any(isinstance(w, LinearMap) for w in factors) else times


def shown(value: Any, latex: bool = False) -> str:
    """A product or total as text: a linear map by its Jacobian's entries when small, else its shapes.

    >>> import numpy as np
    >>> from semiring_ad.core.linear import Diagonal
    >>> shown(Diagonal(np.array([2.0, 3.0]), (2,))), shown(Diagonal(np.ones(3), (3,)))
    ('[[2, 0], [0, 3]]', 'Jacobian 3×3')
    """
    if not isinstance(value, LinearMap):
        return latex_value(value) if latex else format_value(value)
    if value.in_shape is None or value.out_shape is None:
        text = map_kind(value)
    elif value.in_size * value.out_size <= SHOWN:
        text = value_text(value.to_dense().reshape(value.out_shape + value.in_shape))
    else:
        text = f"Jacobian {shape_text(value.out_shape + value.in_shape)}"
    return rf"\text{{{text}}}" if latex else text


def _factor(w: Any, latex: bool = False) -> str:
    """A factor, parenthesized when negative or a sum; a linear map by its kind."""
    if isinstance(w, LinearMap):
        return rf"\text{{{map_kind(w)}}}" if latex else map_kind(w)
    shown = latex_value(w) if latex else format_value(w)
    needs = (isinstance(w, numbers.Real) and w < 0) or (is_sympy(w) and (w.is_Add or
                                                                                          shown.startswith("-")))
    return f"\\left({shown}\\right)" if needs and latex else (f"({shown})" if needs else shown)


@dataclass(frozen=True)
class Explanation:
    """The paths behind one derivative ∂target/∂source, and their sum.

    ``terms`` are all paths (enumeration order) or, with ``top=k``, the ``k``
    of largest ``|product|`` (best first); ``n_paths`` is the number of paths
    in total (COUNTING) and ``total`` their sum (PLUS_TIMES), both from the solver.
    """

    source: Hashable
    target: Hashable
    source_name: str
    target_name: str
    terms: tuple[PathTerm, ...]
    total: Any
    n_paths: int
    top: int | None = None
    shapes: dict | None = field(default=None, repr=False, compare=False)

    def route(self, term: PathTerm) -> str:
        """``x → a → f``; on an array trace with each node's shape, ``x:3 → v_1:50 → f:()``."""
        if self.shapes is None:
            return " → ".join(term.names)
        pairs = zip(term.nodes, term.names, strict=True)
        return " → ".join(f"{name}:{shape_text(self.shapes[v])}" for v, name in pairs)

    def __iter__(self) -> Iterator[PathTerm]:
        return iter(self.terms)

    def __len__(self) -> int:
        return len(self.terms)

    @property
    def complete(self) -> bool:
        """Whether every path is listed."""
        return len(self.terms) == self.n_paths

    def lhs(self, latex: bool = False) -> str:
        """``∂f/∂x`` (or its LaTeX fraction)."""
        if latex:
            return rf"\frac{{\partial {_latex_name(self.target_name)}}}{{\partial {_latex_name(self.source_name)}}}"
        return f"∂{self.target_name}/∂{self.source_name}"

    def equation(self, latex: bool = False) -> str:
        """``∂f/∂x = 1·40 + 1·5·23 = 155``; with missing paths ``+ …`` names how many."""
        terms = [t.latex() if latex else t.text() for t in self.terms]
        if isinstance(self.total, LinearMap) and len(terms) > 1:  # each path is a composition: bracket it
            terms = [rf"\left({t}\right)" if latex else f"({t})" for t in terms]
        missing = self.n_paths - len(self.terms)
        if missing:
            terms.append(rf"\dots_{{({missing}\ \text{{more}})}}" if latex else f"… ({missing} more)")
        total = shown(self.total, latex)
        if not terms:
            return f"{self.lhs(latex)} = {total}"
        return f"{self.lhs(latex)} = {' + '.join(terms)} = {total}"

    def _heading(self) -> str:
        which = f"the {len(self.terms)} largest |products| of " if not self.complete else ""
        plural = "path" if self.n_paths == 1 else "paths"
        return f"{self.lhs()}: {which}{self.n_paths} {plural} from {self.source_name} to {self.target_name}"

    def __str__(self) -> str:
        routes = [self.route(t) for t in self.terms]
        factors = [t.text() for t in self.terms]
        products = [shown(t.product) for t in self.terms]
        w1, w2, w3 = (max(map(len, col), default=0) for col in (routes, factors, products))
        lines = [self._heading()]
        lines += [f"  {r:<{w1}}  {f:<{w2}}  = {p:>{w3}}" for r, f, p in zip(routes, factors, products, strict=True)]
        return "\n".join([*lines, self.equation()])

    def to_markdown(self) -> str:
        """A Markdown table of the paths, then the equation."""
        lines = [f"**{self._heading()}**", "", "| path | factors | product |", "|:---|:---|---:|"]
        lines += [f"| {self.route(t)} | {t.text()} | {shown(t.product)} |" for t in self.terms]
        return "\n".join([*lines, "", f"`{self.equation()}`"])

    def to_latex(self) -> str:
        """The equation as display math, ``\\[ … \\]``."""
        return f"\\[ {self.equation(latex=True)} \\]"

    def _repr_latex_(self) -> str:
        return f"$$ {self.equation(latex=True)} $$"

    def to_records(self) -> list[dict[str, Any]]:
        """One dict per listed path: nodes (names), factors and product (floats where possible)."""
        return [{"path": list(t.names), "factors": [plain_value(w) for w in t.factors],
                 "product": plain_value(t.product)} for t in self.terms]

    def render(self, fmt: str = "text") -> str:
        """Render as ``"text"``, ``"markdown"`` or ``"latex"``."""
        renderers = {"text": self.__str__, "markdown": self.to_markdown, "latex": self.to_latex}
        if fmt not in renderers:
            raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(renderers)}")
        return renderers[fmt]()


def _latex_name(name: str) -> str:
    import sympy

    try:
        return sympy.latex(sympy.Symbol(name))
    except Exception:  # a name SymPy cannot typeset
        return rf"\text{{{name}}}"


def _setup(graph: Any, wrt: Any, output: Any, weight: WeightSpec) -> tuple[nx.DiGraph, Any, Any, dict, str, Any]:
    """The networkx view, source, target, node names, output name and weight spec."""
    if isinstance(graph, ComputationGraph):
        names, outs = node_names(graph), output_names(graph)
        source = pick_node(graph.inputs, wrt, names, "input")
        target = pick_node(graph.outputs, output, outs, "output")
        return graph.to_networkx(), source, target, names, outs[target], "weight"
    if isinstance(graph, ArrayGraph):
        names = array_node_names(graph)
        source = pick_node(graph.inputs, wrt, names, "input")
        target = pick_node([graph.output], output, {graph.output: "f"}, "output")
        return graph.to_networkx(), source, target, names, "f", "weight"
    if isinstance(graph, nx.DiGraph):
        names = {v: str(v) for v in graph}
        if wrt not in graph:
            raise NodeNotFoundError(f"wrt={wrt!r} is not a node of the graph; pass the source node")
        if output is None:
            sinks = [v for v in nx.descendants(graph, wrt) if graph.out_degree(v) == 0]
            if len(sinks) != 1:
                raise NodeNotFoundError(f"{len(sinks)} sinks are reachable from {wrt!r}; pass output=<target node>")
            output = sinks[0]
        elif output not in graph:
            raise NodeNotFoundError(f"output={output!r} is not a node of the graph; pass the target node")
        return graph, wrt, output, names, str(output), weight
    raise GraphTypeError(f"explain needs a ComputationGraph, an ArrayGraph or a networkx DiGraph, "
                         f"got {type(graph).__name__}")


def explain(
    graph: ComputationGraph | ArrayGraph | nx.DiGraph,
    wrt: Any = None,
    output: Any = None,
    *,
    top: int | None = None,
    limit: int = 10_000,
    weight: WeightSpec = "weight",
) -> Explanation:
    """Every path from ``wrt`` to ``output`` with its factors and product, and their sum.

    Parameters
    ----------
    graph : ComputationGraph, ArrayGraph or networkx.DiGraph
        A trace (edge weights are the local partials), an array trace (edge
        weights are linear maps; products and the total are maps in
        ``LINEAR``) or any weighted DAG.
    wrt : node or name
        The input (a traced graph's input node id or label; a DiGraph's node).
        Optional for a trace with one input.
    output : node, optional
        The output; default: the trace's only output, or the DiGraph's only
        sink reachable from ``wrt``.
    top : int, optional
        List only the ``top`` paths of largest ``|product|``, found by the
        :func:`~semiring_ad.views.analysis.k_best` semiring without enumerating.
    limit : int
        Refuse to enumerate more paths than this.
    weight : str or callable
        Edge weights of a DiGraph (ignored for a trace).

    Raises
    ------
    EnumerationLimitError
        If there are more than ``limit`` paths and ``top`` is not given.

    Examples
    --------
    Reps's example f = (x + 4y)·((x + y)·y) at (3, 5):

    >>> import networkx as nx
    >>> G = nx.DiGraph()
    >>> G.add_weighted_edges_from([("x", "a", 1), ("y", "a", 4), ("x", "b", 1), ("y", "b", 1),
    ...                            ("b", "c", 5), ("y", "c", 8), ("a", "f", 40), ("c", "f", 23)])
    >>> print(explain(G, "x"))
    ∂f/∂x: 2 paths from x to f
      x → a → f      1·40    =  40
      x → b → c → f  1·5·23  = 115
    ∂f/∂x = 1·40 + 1·5·23 = 155
    >>> explain(G, "y", top=1).equation()
    '∂f/∂y = 8·23 + … (2 more) = 459'
    """
    H, source, target, names, target_name, spec = _setup(graph, wrt, output, weight)
    semiring = LINEAR if isinstance(graph, ArrayGraph) else PLUS_TIMES
    cg = compile_graph(H, spec)
    n_paths = path_sum(cg.with_weights([1] * cg.n_edges), COUNTING, source, target)
    total = path_sum(cg, semiring, source, target)
    if top is not None and semiring is LINEAR:
        raise InputError("top= ranks paths by |product|, which a linear map does not have; list all the paths of "
                         "an array trace (there are few: one node per array operation) or raise limit")
    if top is None:
        if n_paths > limit:
            raise EnumerationLimitError(
                f"{n_paths} paths lead from {names[source]} to {target_name}, more than limit={limit}; "
                f"pass top=k to list the k paths of largest |product| without enumerating them all, "
                "or raise limit")
        weights = dict(zip(cg.edges, cg.weights, strict=True))
        paths = [(e, [weights[x] for x in e]) for e in enumerate_paths(H, source, target)]
    else:
        kb = cg.with_weights([k_best_weight(w, k) for k, w in enumerate(cg.weights)])
        best = path_sum(kb, k_best(top), source, target)
        paths = [(tuple(cg.edges[k] for k in entry.path), [cg.weights[k] for k in entry.path]) for entry in best]
    terms = tuple(_term(edges, factors, source, names, semiring) for edges, factors in paths)
    shapes = {v: np.shape(value) for v, value in enumerate(graph.tape.values)} if semiring is LINEAR else None
    return Explanation(source, target, names[source], target_name, terms, total, int(n_paths), top, shapes)


def _term(edges: tuple, factors: list, source: Hashable, names: dict, semiring: Semiring) -> PathTerm:
    nodes = (source, *(e[1] for e in edges))
    return PathTerm(nodes, tuple(names[v] for v in nodes), tuple(edges), tuple(factors), semiring.prod(factors))
