"""Views: how graphs and results are shown.

The views consume what the front ends and the solver produce and change
nothing.  Built on :mod:`semiring_ad.ad` and :mod:`semiring_ad.core`; a peer of
:mod:`semiring_ad.symbolic` (neither imports the other).

* :mod:`~semiring_ad.views.format` — the conventions every view shares: node
  names, values as text, LaTeX and JSON, seeds;
* :mod:`~semiring_ad.views.maps` — an array trace's edge maps as text
  (``W·``, ``diag``, ``sum over axis 0``) with their shapes;
* :mod:`~semiring_ad.views.tables` — Baydin/Griewank trace tables;
* :mod:`~semiring_ad.views.array_tables` — the trace table of an array
  program: one row per array operation, with its shape;
* :mod:`~semiring_ad.views.array_sweeps` — its tangent and adjoint tables
  (JVPs and VJPs of the edge maps, from the sweeps over ``LINEAR``);
* :mod:`~semiring_ad.views.explain` — a derivative as Bauer's sum over paths;
* :mod:`~semiring_ad.views.dot` — what a drawing shows, as Graphviz DOT text;
* :mod:`~semiring_ad.views.figure` — the same drawing with matplotlib;
* :mod:`~semiring_ad.views.drawing` — :func:`draw` and its :class:`Drawing`
  (Graphviz or matplotlib, saved by suffix), and the Jupyter drawing of a
  :class:`~semiring_ad.ad.computation.ComputationGraph` and of an
  :class:`~semiring_ad.ad.arrays.api.ArrayGraph`, which it attaches to
  those classes when imported;
* :mod:`~semiring_ad.views.analysis` — one graph, many semirings: sparsity,
  path counts, dominant paths.
"""

from .dot import to_dot
from .drawing import Drawing, draw, svg_or_none
from .explain import Explanation, PathTerm, explain
from .format import (
    baydin_indices,
    format_value,
    latex_value,
    node_names,
    output_names,
    pick_node,
    plain_value,
    seed_map,
)
from .tables import TraceRow, TraceTable, trace_table

__all__ = [
    "Drawing",
    "Explanation",
    "PathTerm",
    "TraceRow",
    "TraceTable",
    "baydin_indices",
    "draw",
    "explain",
    "format_value",
    "latex_value",
    "node_names",
    "output_names",
    "pick_node",
    "plain_value",
    "seed_map",
    "svg_or_none",
    "to_dot",
    "trace_table",
]
