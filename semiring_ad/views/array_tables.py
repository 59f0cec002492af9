"""Trace tables of array programs: one row per array operation, with its shape.

The array tracer (:func:`~semiring_ad.ad.arrays.api.trace_arrays`) records one
node per NumPy operation, whatever the arrays' sizes, so its trace table is
the program's Wengert list at array granularity: the inputs, then one row per
operation — its name, its arguments (each with the kind of the edge's linear
map: ``x: W·`` for ``W @ x``, ``v_1: diag`` for ``tanh(v_1)``), the result's
shape, dtype and a short value — and the output ``f``.  The values are the
tape's own; nothing is recomputed.  :func:`~semiring_ad.views.tables.trace_table`
dispatches here for an :class:`~semiring_ad.ad.arrays.api.ArrayGraph`.

Tables render as text, Markdown and HTML (Jupyter) and expose their rows as data.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from ..ad.arrays.api import ArrayGraph
from ..errors import InputError
from .format import array_node_names, format_value, text_width
from .maps import map_kind, shape_text

__all__ = ["ArrayRow", "ArrayTable", "array_trace_table", "value_text"]

SHOWN = 6  # arrays of at most this many elements are shown in full


def value_text(value: Any) -> str:
    """A value in a table cell: a scalar, a small array in full, else its range.

    >>> value_text(np.float64(2.0)), value_text(np.array([1.0, 2.5])), value_text(np.arange(10.0))
    ('2', '[1, 2.5]', '[0 … 9]')
    """
    a = np.asarray(value)
    if a.ndim == 0:
        return format_value(a.item())
    if a.size == 0:
        return "[]"
    if a.size <= SHOWN:
        text = np.array2string(a, separator=", ", formatter={"float_kind": lambda v: format_value(float(v), 4)})
        return " ".join(text.split())
    return f"[{format_value(float(a.min()), 4)} … {format_value(float(a.max()), 4)}]"


@dataclass(frozen=True)
class ArrayRow:
    """One row: ``name = op(arguments)`` (or a tangent's or adjoint's formula), a shape, dtype and value.

    ``section`` is ``"inputs"``, ``"body"`` or ``"outputs"``; ``node`` the tape
    position; ``arguments`` the parents' names with their edge maps' kinds
    (``("x: W·",)``), in the order of the node's in-edges.  Tangent and adjoint
    rows carry their ``formula``; an adjoint accumulation row its ``edge`` ``(u, v)``.
    ``value`` is the value as short text, ``data`` the array itself.
    """

    section: str
    node: int
    name: str
    op: str
    arguments: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: str
    value: str
    formula: str = ""
    edge: tuple[int, int] | None = None
    data: Any = field(default=None, repr=False, compare=False)

    @property
    def definition(self) -> str:
        """``v_1 = matmul(x: W·)``; an input's is its name alone."""
        if self.formula:
            return self.formula
        if self.section == "inputs":
            return f"{self.name} (input)"
        if self.section == "outputs":
            return f"{self.name} = {self.arguments[0]}"
        return f"{self.name} = {self.op}({', '.join(self.arguments)})"


@dataclass(frozen=True)
class ArrayTable:
    """The trace of an array program: one :class:`ArrayRow` per input, operation and output.

    ``str(table)`` is aligned text; :meth:`to_markdown` and :meth:`to_html`
    the other formats; :meth:`to_records` the rows as dicts.
    """

    title: str
    rows: tuple[ArrayRow, ...]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[ArrayRow]:
        return iter(self.rows)

    def __getitem__(self, i: int) -> ArrayRow:
        return self.rows[i]

    @property
    def mixed_dtypes(self) -> bool:
        """Whether the dtype column says anything (not every value is float64)."""
        return any(r.dtype != "float64" for r in self.rows)

    def _columns(self) -> tuple[list[str], list[list[str]]]:
        head = ["definition", "shape"] + (["dtype"] if self.mixed_dtypes else []) + ["value"]
        body = [[r.definition, shape_text(r.shape)] + ([r.dtype] if self.mixed_dtypes else []) + [r.value]
                for r in self.rows]
        return head, body

    def __str__(self) -> str:
        head, body = self._columns()
        widths = [max(text_width(x) for x in col) for col in zip(head, *body, strict=True)]
        rule = "─" * (sum(widths) + 2 * (len(widths) - 1))
        line = lambda cells: "  ".join(c + " " * (w - text_width(c))  # noqa: E731
                                       for c, w in zip(cells, widths, strict=True)).rstrip()
        lines, section = [self.title, rule, line(head), rule], self.rows[0].section if self.rows else ""
        for row, cells in zip(self.rows, body, strict=True):
            if row.section != section:
                lines.append(rule)
                section = row.section
            lines.append(line(cells))
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """A GitHub-flavoured Markdown table (title as a bold caption)."""
        head, body = self._columns()
        lines = [f"**{self.title}**", "", "| " + " | ".join(head) + " |", "|" + "|".join(":---" for _ in head) + "|"]
        lines += ["| " + " | ".join(f"`{c}`" if k == 0 else c for k, c in enumerate(cells)) + " |" for cells in body]
        return "\n".join(lines)

    def to_html(self) -> str:
        """An HTML table, one ``<tbody>`` per section."""
        head, body = self._columns()
        parts = [f"<table><caption>{html.escape(self.title)}</caption><thead><tr>",
                 "".join(f"<th>{html.escape(h)}</th>" for h in head), "</tr></thead>"]
        section = None
        for row, cells in zip(self.rows, body, strict=True):
            if row.section != section:
                parts.append(("</tbody>" if section else "") + '<tbody style="border-top: 1px solid">')
                section = row.section
            parts.append("<tr>" + "".join(f'<td style="text-align:left">{html.escape(c)}</td>' for c in cells)
                         + "</tr>")
        return "".join(parts) + ("</tbody>" if section else "") + "</table>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def to_records(self) -> list[dict[str, Any]]:
        """The rows as dicts (section, node, name, op, arguments, shape, dtype, value, formula, edge)."""
        out = []
        for row in self.rows:
            record = asdict(row)
            del record["data"]
            record["arguments"], record["shape"] = list(row.arguments), list(row.shape)
            record["formula"], record["edge"] = row.definition, None if row.edge is None else list(row.edge)
            out.append(record)
        return out

    def render(self, fmt: str = "text") -> str:
        """Render as ``"text"``, ``"markdown"`` or ``"html"``."""
        renderers = {"text": self.__str__, "markdown": self.to_markdown, "html": self.to_html}
        if fmt not in renderers:
            raise InputError(f"unknown format {fmt!r}; expected one of {', '.join(renderers)}")
        return renderers[fmt]()


def array_trace_table(graph: ArrayGraph) -> ArrayTable:
    """The (primal) trace table of an array program: one row per input, array operation and output.

    ``trace_table(g)`` gives it; ``trace_table(g, "forward", tangent=...)``
    and ``trace_table(g, "reverse")`` the tangent and adjoint tables
    (:mod:`semiring_ad.views.array_sweeps`).

    Parameters
    ----------
    graph : ArrayGraph
        A trace by :func:`semiring_ad.arrays.trace_arrays`.

    Examples
    --------
    >>> import numpy as np, semiring_ad as sad
    >>> W = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 1.0]])
    >>> g = sad.arrays.trace_arrays(lambda x: np.tanh(W @ x).sum(), np.zeros(3))
    >>> print(array_trace_table(g))
    Array trace (4 nodes for 3 operations)
    ─────────────────────────────────────────────────
    definition                       shape  value
    ─────────────────────────────────────────────────
    x (input)                        3      [0, 0, 0]
    ─────────────────────────────────────────────────
    v_1 = matmul(x: W·)              2      [0, 0]
    v_2 = tanh(v_1: diag)            2      [0, 0]
    v_3 = sum(v_2: sum over axis 0)  ()     0
    ─────────────────────────────────────────────────
    f = v_3                          ()     0
    """
    t, names = graph.tape, array_node_names(graph)
    rows = []
    for i, (op, value) in enumerate(zip(t.ops, t.values, strict=True)):
        args = tuple(f"{names[t.parents[k]]}: {map_kind(t.maps[k])}" for k in range(t.ptr[i], t.ptr[i + 1]))
        section = "inputs" if op is None else "body"
        rows.append(ArrayRow(section, i, names[i], op or "input", args, value.shape, str(value.dtype),
                             value_text(value), data=value))
    out = t.values[graph.output]
    rows.append(ArrayRow("outputs", graph.output, "f", "output", (names[graph.output],), out.shape, str(out.dtype),
                         value_text(out), data=out))
    n_ops = sum(op is not None for op in t.ops)
    return ArrayTable(f"Array trace ({len(t)} nodes for {n_ops} operations)", tuple(rows))
