"""Trace tables: a traced computation in the Baydin/Griewank layout.

This module owns the *evaluation trace* view of a
:class:`~semiring_ad.ad.computation.ComputationGraph`: the forward primal trace, the
forward tangent trace and the reverse adjoint trace, numbered as in Griewank &
Walther and Baydin et al.: inputs ``v_{1-n} … v_0``, intermediates ``v_1, v_2, …``,
and the output ``f`` (Baydin's y: the library names the output ``f`` everywhere, as in ``∂f/∂x``).
Every row carries its defining expression and its value; the rows are built
in :mod:`semiring_ad.views.formulas`.

The numbers are the library's path solves, not a second engine: tangents are
one forward :func:`~semiring_ad.core.solver.sweep` from the seeded inputs, adjoints
one backward sweep from the seeded output.  The reverse table shows each
accumulation ``v̄_u = v̄_u + v̄_v · ∂v/∂u`` as the adjoint sweep pushes it (one row
per edge, in reverse tape order), with the running value; the last running
value of every node is the backward sweep's answer.

Tables render as text (``str``), Markdown, LaTeX (booktabs) and HTML (Jupyter's
``_repr_html_``), and expose their rows as data (:meth:`TraceTable.to_records`).
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from ..ad.arrays.api import ArrayGraph
from ..ad.computation import ComputationGraph
from ..errors import InputError, TraceError
from .array_sweeps import adjoint_table, tangent_table
from .array_tables import ArrayTable, array_trace_table
from .format import (
    format_value,
    latex_value,
    plain_value,
    seed_map,
    text_printer,
    text_width,
)
from .formulas import BAR, DOT, TraceRow, TraceSymbols, adjoint_rows, primal_rows, tangent_rows

__all__ = ["TraceRow", "TraceTable", "trace_table"]

_TITLES = {"primal": "Forward primal trace", "forward": "Forward tangent trace", "reverse": "Reverse adjoint trace"}


# -- rows and tables -----------------------------------------------------------------

@dataclass(frozen=True)
class TraceTable:
    """A trace table: a title, its rows, and renderings.

    Build one with :func:`trace_table`.  ``str(table)`` is aligned text;
    :meth:`to_markdown`, :meth:`to_latex` and :meth:`to_html` give the other
    formats; :meth:`to_records` the rows as plain dicts (JSON-ready values).
    """

    mode: str
    title: str
    rows: tuple[TraceRow, ...]
    title_latex: str = field(default="", repr=False)

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[TraceRow]:
        return iter(self.rows)

    def __getitem__(self, i: int) -> TraceRow:
        return self.rows[i]

    def _sections(self) -> list[list[TraceRow]]:
        groups: list[list[TraceRow]] = []
        for row in self.rows:
            if not groups or groups[-1][-1].section != row.section:
                groups.append([])
            groups[-1].append(row)
        return groups

    def __str__(self) -> str:
        lefts = [f"{r.lhs} = {r.rhs}" for r in self.rows]
        width = max(map(text_width, lefts), default=0)
        rule = "─" * (width + 14)
        lines, k = [self.title, rule], 0
        for n, group in enumerate(self._sections()):
            if n:
                lines.append(rule)
            for row in group:
                pad = " " * (width - text_width(lefts[k]))
                lines.append(f"{lefts[k]}{pad}  = {format_value(row.value)}")
                k += 1
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table (title as a bold caption)."""
        lines = [f"**{self.title}**", "", "| definition | value |", "|:---|---:|"]
        lines += [f"| `{r.lhs} = {r.rhs}` | {format_value(r.value)} |" for r in self.rows]
        return "\n".join(lines)

    def to_latex(self) -> str:
        """A booktabs ``tabular`` (needs ``\\usepackage{booktabs}``), one math cell per column."""
        title = rf"\multicolumn{{2}}{{l}}{{{self.title_latex or self.title}}} \\"
        lines = [r"\begin{tabular}{lr}", r"\toprule", title, r"\midrule"]
        for n, group in enumerate(self._sections()):
            if n:
                lines.append(r"\midrule")
            lines += [f"${r.lhs_latex} = {r.rhs_latex}$ & ${latex_value(r.value)}$ \\\\" for r in group]
        lines += [r"\bottomrule", r"\end{tabular}"]
        return "\n".join(lines)

    def to_html(self) -> str:
        """An HTML table, one ``<tbody>`` per section."""
        parts = [f"<table><caption>{html.escape(self.title)}</caption>",
                 "<thead><tr><th>definition</th><th>value</th></tr></thead>"]
        for group in self._sections():
            cells = "".join(f"<tr><td style=\"text-align:left\">{html.escape(f'{r.lhs} = {r.rhs}')}</td>"
                            f"<td style=\"text-align:right\">{html.escape(format_value(r.value))}</td></tr>"
                            for r in group)
            parts.append(f"<tbody style=\"border-top: 1px solid\">{cells}</tbody>")
        return "".join(parts) + "</table>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as dicts: section, lhs, rhs, value (a float where possible), node, edge."""
        out = []
        for row in self.rows:
            record = asdict(row)
            del record["lhs_latex"], record["rhs_latex"]
            record["value"] = plain_value(row.value)
            record["edge"] = None if row.edge is None else list(row.edge)
            out.append(record)
        return out

    def render(self, fmt: str = "text") -> str:
        """Render as ``"text"``, ``"markdown"``, ``"latex"`` or ``"html"``."""
        renderers = {"text": self.__str__, "markdown": self.to_markdown, "latex": self.to_latex,
                     "html": self.to_html}
        if fmt not in renderers:
            raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(renderers)}")
        return renderers[fmt]()


# -- symbols -------------------------------------------------------------------------


# -- seeds and the entry point -------------------------------------------------------


def _array_table(graph: ArrayGraph, mode: str | None, wrt: Any, tangent: Any, output: Any,
                 cotangent: Any) -> ArrayTable:
    """The primal, tangent or adjoint table of an array trace."""
    mode = {"backward": "reverse", None: "primal"}.get(mode, mode)
    if output is not None and output not in (graph.output, "f"):
        raise InputError(f"an array trace has one output (node {graph.output}, 'f'), got output={output!r}")
    if mode == "primal":
        return array_trace_table(graph)
    if mode == "forward":
        return tangent_table(graph, wrt=wrt, tangent=tangent)
    if mode == "reverse":
        return adjoint_table(graph, cotangent=cotangent)
    raise InputError(f"mode must be 'forward', 'reverse' (or 'backward') or 'primal', got {mode!r}")


def _titled(mode: str, sym: TraceSymbols, rows: list[TraceRow], seeds: dict[int, Any], name: Any,
            mark: str) -> TraceTable:
    """The table with its title naming the seeds, e.g. ``Forward tangent trace (ẋ1 = 1)``."""
    symbols = [name(i, mark) for i in seeds]
    printer = text_printer()
    text = ", ".join(f"{printer.doprint(s)} = {format_value(v)}" for s, v in zip(symbols, seeds.values(), strict=True))
    latex = ", ".join(f"{sym.latex_names[s]} = {latex_value(v)}" for s, v in zip(symbols, seeds.values(), strict=True))
    return TraceTable(mode, f"{_TITLES[mode]} ({text})", tuple(rows), f"{_TITLES[mode]} (${latex}$)")


def trace_table(
    graph: ComputationGraph | ArrayGraph,
    mode: str | None = None,
    *,
    wrt: Any = None,
    tangent: Any = None,
    output: Any = None,
    cotangent: Any = None,
) -> TraceTable | ArrayTable:
    """The primal, tangent or adjoint trace of a traced computation.

    Parameters
    ----------
    graph : ComputationGraph or ArrayGraph
        A trace (:func:`~semiring_ad.ad.tracing.trace`, or a parsed expression at a point),
        or an array trace (:func:`semiring_ad.arrays.trace_arrays`: one row per
        array operation with its shape, the values arrays; see
        :mod:`semiring_ad.views.array_tables` and :mod:`semiring_ad.views.array_sweeps`).
    mode : {"forward", "reverse", "primal"}, optional
        ``"primal"``: values; ``"forward"``: tangents (one forward sweep);
        ``"reverse"`` (or ``"backward"``, the solvers' word): adjoints with
        every accumulation step (one backward sweep).  The default is
        ``"forward"`` for a scalar trace and ``"primal"`` for an array trace.
    wrt, tangent : optional
        Forward mode's seed: an input (node id or name; seed 1), or a tangent
        vector (sequence aligned with ``graph.inputs``, or ``{input: value}``).
        Optional when there is a single input.  For an array trace the
        tangent is an array of the input's shape (or ``{input: array}``).
    output, cotangent : optional
        Reverse mode's seed: an output node id, or a cotangent (sequence
        aligned with ``graph.outputs`` or ``{output: value}``).  For an array
        trace, a cotangent of the output's shape (default 1 for a scalar).

    Returns
    -------
    TraceTable or ArrayTable

    Raises
    ------
    InputError
        For another ``mode``.

    Examples
    --------
    Baydin et al.'s example ln x1 + x1·x2 − sin x2 at (2, 5):

    >>> import semiring_ad as sad
    >>> def f(x1, x2):
    ...     v1 = sad.log(x1); v2 = x1 * x2; v3 = sad.sin(x2); v4 = v1 + v2
    ...     return v4 - v3
    >>> g = sad.trace(f, 2.0, 5.0, names=["x1", "x2"])
    >>> print(trace_table(g, "forward", wrt="x1"))
    Forward tangent trace (ẋ1 = 1)
    ───────────────────────────────────────────
    v̇_{-1} = ẋ1                    = 1
    v̇_0 = ẋ2                       = 0
    ───────────────────────────────────────────
    v̇_1 = v̇_{-1}/v_{-1}            = 0.5
    v̇_2 = v̇_{-1}·v_0 + v̇_0·v_{-1}  = 5
    v̇_3 = v̇_0·cos(v_0)             = 0
    v̇_4 = v̇_1 + v̇_2                = 5.5
    v̇_5 = v̇_4 - v̇_3                = 5.5
    ───────────────────────────────────────────
    ḟ = v̇_5                        = 5.5
    >>> [round(r.value, 3) for r in trace_table(g, "reverse") if r.section == "outputs"]
    [5.5, 1.716]
    """
    if isinstance(graph, ArrayGraph):
        return _array_table(graph, mode, wrt, tangent, output, cotangent)
    if not isinstance(graph, ComputationGraph):
        raise TraceError(f"trace tables need a ComputationGraph (from trace or a parsed expression) or an "
                         f"ArrayGraph (from semiring_ad.arrays.trace_arrays), "
                         f"got {type(graph).__name__}")
    mode = "forward" if mode is None else {"backward": "reverse"}.get(mode, mode) if isinstance(mode, str) else mode
    sym = TraceSymbols(graph)
    if mode == "primal":
        return TraceTable(mode, _TITLES[mode], tuple(primal_rows(sym)))
    if mode == "forward":
        seeds = seed_map(graph, wrt, tangent, "input")
        return _titled(mode, sym, tangent_rows(sym, seeds), seeds, sym.x, DOT)
    if mode == "reverse":
        seeds = seed_map(graph, output, cotangent, "output")
        return _titled(mode, sym, adjoint_rows(sym, seeds), seeds, sym.y, BAR)
    raise InputError(f"mode must be 'forward', 'reverse' (or 'backward') or 'primal', got {mode!r}")
