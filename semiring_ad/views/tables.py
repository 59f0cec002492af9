"""Trace tables: a traced computation in the Baydin/Griewank layout.

This module owns the *evaluation trace* view of a
:class:`~semiring_ad.tracing.ComputationGraph`: the forward primal trace, the
forward tangent trace and the reverse adjoint trace, numbered as in Griewank &
Walther and Baydin et al.: inputs ``v_{1-n} … v_0``, intermediates ``v_1, v_2, …``.
Every row carries its defining expression, written with the primitive table's
own SymPy rules (``v_1 = log(v_{-1})``, ``v̇_1 = v̇_{-1}/v_{-1}``), and its value.

The numbers are the library's path solves, not a second engine: tangents are
one forward :func:`~semiring_ad.solver.sweep` from the seeded inputs, adjoints
one backward sweep from the seeded output.  The reverse table shows each
accumulation ``v̄_u = v̄_u + v̄_v · ∂v/∂u`` as the adjoint sweep pushes it (one row
per edge, in reverse tape order), with the running value; the last running
value of every node is the backward sweep's answer.

Tables render as text (``str``), Markdown, LaTeX (booktabs) and HTML (Jupyter's
``_repr_html_``), and expose their rows as data (:meth:`TraceTable.to_records`).
"""

from __future__ import annotations

import html
import numbers
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import sympy

from .. import primitives as prims
from ..errors import TraceError
from ..semirings import PLUS_TIMES
from ..solver import sweep
from ..tracing import ComputationGraph
from . import TEXT, baydin_indices, format_value, latex_value, output_names, plain_value, seed_map, text_width

__all__ = ["TraceRow", "TraceTable", "trace_table"]

_DOT, _BAR = "\u0307", "\u0304"  # combining dot above (tangents) and macron (adjoints)
_TITLES = {"primal": "Forward primal trace", "forward": "Forward tangent trace", "reverse": "Reverse adjoint trace"}


# -- rows and tables -----------------------------------------------------------------


@dataclass(frozen=True)
class TraceRow:
    """One row of a trace table: ``lhs = rhs``, and its value.

    ``section`` is ``"inputs"``, ``"body"`` or ``"outputs"`` (tables draw a rule
    between sections); ``node`` is the tape position the row defines or
    updates; ``edge`` is ``(u, v)`` for a reverse accumulation step.
    """

    section: str
    lhs: str
    rhs: str
    value: Any
    node: int | None = None
    edge: tuple[int, int] | None = None
    lhs_latex: str = field(default="", repr=False)
    rhs_latex: str = field(default="", repr=False)

    def __str__(self) -> str:
        return f"{self.lhs} = {self.rhs} = {format_value(self.value)}"


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
            raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(renderers)}")
        return renderers[fmt]()


# -- symbols -------------------------------------------------------------------------


class _Symbols:
    """The SymPy symbols of one table (v_i, v̇_i, v̄_i, x_j, y) and their LaTeX names."""

    def __init__(self, g: ComputationGraph) -> None:
        self.g = g
        self.index = baydin_indices(g)
        self.latex_names: dict[sympy.Symbol, str] = {}
        labels = g.labels()
        self.labels = {i: labels[i] for i in g.inputs}
        self.out_names = output_names(g)

    def _symbol(self, base: str, mark: str, sub: str, latex_base: str) -> sympy.Symbol:
        text_sub = sub if len(sub) == 1 else f"{{{sub}}}"
        sym = sympy.Symbol(f"{base}{mark}_{text_sub}" if sub else f"{base}{mark}")
        self.latex_names[sym] = f"{latex_base}_{{{sub}}}" if sub else latex_base
        return sym

    def v(self, node: int, mark: str = "") -> sympy.Symbol:
        """``v_i``, ``v̇_i`` (mark ``_DOT``) or ``v̄_i`` (mark ``_BAR``) for a tape position."""
        return self._symbol("v", mark, str(self.index[node]), _latex_mark("v", mark))

    def x(self, node: int, mark: str = "") -> sympy.Symbol:
        """An input's own name, e.g. ``x1``, ``ẋ1`` or ``x̄1``."""
        label = self.labels[node]
        sym = sympy.Symbol(f"{label[0]}{mark}{label[1:]}")
        base, sub, rest = sympy.latex(sympy.Symbol(label)).partition("_")
        self.latex_names[sym] = _latex_mark(base, mark) + sub + rest
        return sym

    def y(self, node: int, mark: str = "") -> sympy.Symbol:
        """The output's name: ``y`` (or ``y_k`` for several outputs)."""
        base, _, sub = self.out_names[node].partition("_")
        return self._symbol(base, mark, sub, _latex_mark(base, mark))

    def row(self, section: str, lhs: Any, rhs: Any, value: Any, node: int | None,
            edge: tuple[int, int] | None = None) -> TraceRow:
        """A :class:`TraceRow` with text and LaTeX renderings of ``lhs`` and ``rhs``."""
        names = self.latex_names
        return TraceRow(section, TEXT.doprint(lhs), TEXT.doprint(rhs), value, node, edge,
                        sympy.latex(lhs, order="none", symbol_names=names),
                        sympy.latex(rhs, order="none", symbol_names=names))


def _latex_mark(base: str, mark: str) -> str:
    return {"": base, _DOT: rf"\dot{{{base}}}", _BAR: rf"\bar{{{base}}}"}[mark]


def _constant(value: Any) -> sympy.Expr:
    """A recorded constant as a SymPy number (integral floats as integers)."""
    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer()):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Real):
        return sympy.Float(float(value))
    return sympy.Symbol(format_value(value))


def _arguments(sym: _Symbols, node: int) -> list[sympy.Expr]:
    """The operation's arguments at ``node``: symbols for traced ones, numbers for constants."""
    return [sym.v(x) if kind == "n" else _constant(x) for kind, x in sym.g.tape.args[node]]


def _definition(sym: _Symbols, node: int) -> sympy.Expr:
    """``node``'s defining expression in its arguments' symbols, in argument order."""
    tape = sym.g.tape
    op = tape.ops[node]
    if op == "const":
        return _constant(tape.values[node])
    with sympy.evaluate(False):
        return prims.get_primitive(op).sympy(*_arguments(sym, node))


def _local_partials(sym: _Symbols, node: int) -> list[sympy.Expr]:
    """∂node/∂u for each in-edge (traced argument) of ``node``, from the primitive's SymPy rules."""
    tape = sym.g.tape
    spec = tape.args[node]
    if not spec:
        return []
    prim, args, out = prims.get_primitive(tape.ops[node]), _arguments(sym, node), sym.v(node)
    partials = []
    for k, (kind, x) in enumerate(spec):
        if kind != "n":
            continue
        try:
            partials.append(sympy.sympify(prim.partials[k](prims.SYMPY, *args, out)))
        except Exception:  # a rule SymPy cannot express: name the partial instead
            partials.append(sympy.Symbol(f"∂{out}/∂{sym.v(x)}"))
    return partials


def _times(adjoint_or_tangent: sympy.Symbol, partial: sympy.Expr) -> sympy.Expr:
    """``a · ∂`` kept readable: ``a`` for ∂ = 1, ``-a`` for ∂ = -1, coefficient first otherwise."""
    coeff, rest = partial.as_coeff_Mul()
    if rest == 1:
        return adjoint_or_tangent if coeff == 1 else sympy.Mul(coeff, adjoint_or_tangent, evaluate=False)
    with sympy.evaluate(False):
        factors = [adjoint_or_tangent, *sympy.Mul.make_args(rest)]
        return sympy.Mul(*([] if coeff == 1 else [coeff]), *factors)


# -- the three traces ----------------------------------------------------------------


def _primal_rows(sym: _Symbols) -> list[TraceRow]:
    g, values = sym.g, sym.g.tape.values
    rows = [sym.row("inputs", sym.v(i), sym.x(i), values[i], i) for i in g.inputs]
    inputs = set(g.inputs)
    rows += [sym.row("body", sym.v(i), _definition(sym, i), values[i], i) for i in range(g.n_nodes) if i not in inputs]
    rows += [sym.row("outputs", sym.y(o), sym.v(o), values[o], o) for o in g.outputs]
    return rows


def _tangent_rows(sym: _Symbols, seeds: dict[int, Any]) -> list[TraceRow]:
    g = sym.g
    alpha = sweep(g.compiled, PLUS_TIMES, seeds, "forward")
    value = [PLUS_TIMES.zero if a is None else a for a in alpha]
    rows = [sym.row("inputs", sym.v(i, _DOT), sym.x(i, _DOT), value[i], i) for i in g.inputs]
    inputs, ptr, parents = set(g.inputs), g.tape.ptr, g.tape.parents
    for i in (i for i in range(g.n_nodes) if i not in inputs):
        edges = range(ptr[i], ptr[i + 1])
        terms = [_times(sym.v(parents[k], _DOT), d) for k, d in zip(edges, _local_partials(sym, i), strict=True)]
        rhs = sympy.Add(*terms, evaluate=False) if len(terms) > 1 else (terms[0] if terms else sympy.S.Zero)
        rows.append(sym.row("body", sym.v(i, _DOT), rhs, value[i], i))
    rows += [sym.row("outputs", sym.y(o, _DOT), sym.v(o, _DOT), value[o], o) for o in g.outputs]
    return rows


def _adjoint_rows(sym: _Symbols, seeds: dict[int, Any]) -> list[TraceRow]:
    """Seeds, one accumulation row per edge in reverse tape order, then the inputs' adjoints."""
    g = sym.g
    beta = sweep(g.compiled, PLUS_TIMES, seeds, "backward")
    rows = [sym.row("inputs", sym.v(o, _BAR), sym.y(o, _BAR), seeds[o], o) for o in g.outputs if o in seeds]
    running: dict[int, Any] = dict(seeds)
    ptr, parents, weights = g.tape.ptr, g.tape.parents, g.compiled.weights
    for v in range(g.n_nodes - 1, -1, -1):
        if beta[v] is None or ptr[v] == ptr[v + 1]:
            continue
        for k, d in zip(range(ptr[v], ptr[v + 1]), _local_partials(sym, v), strict=True):
            u, push = parents[k], PLUS_TIMES.times(weights[k], beta[v])
            term = _times(sym.v(v, _BAR), d)
            if u in running:
                running[u] = PLUS_TIMES.plus(running[u], push)
                term = sympy.Add(sym.v(u, _BAR), term, evaluate=False)
            else:
                running[u] = push
            rows.append(sym.row("body", sym.v(u, _BAR), term, running[u], u, (u, v)))
    zero = PLUS_TIMES.zero
    rows += [sym.row("outputs", sym.x(i, _BAR), sym.v(i, _BAR), zero if beta[i] is None else beta[i], i)
             for i in g.inputs]
    return rows


# -- seeds and the entry point -------------------------------------------------------


def _titled(mode: str, sym: _Symbols, rows: list[TraceRow], seeds: dict[int, Any], name: Any,
            mark: str) -> TraceTable:
    """The table with its title naming the seeds, e.g. ``Forward tangent trace (ẋ1 = 1)``."""
    symbols = [name(i, mark) for i in seeds]
    text = ", ".join(f"{TEXT.doprint(s)} = {format_value(v)}" for s, v in zip(symbols, seeds.values(), strict=True))
    latex = ", ".join(f"{sym.latex_names[s]} = {latex_value(v)}" for s, v in zip(symbols, seeds.values(), strict=True))
    return TraceTable(mode, f"{_TITLES[mode]} ({text})", tuple(rows), f"{_TITLES[mode]} (${latex}$)")


def trace_table(
    graph: ComputationGraph,
    mode: str = "forward",
    *,
    wrt: Any = None,
    tangent: Any = None,
    output: Any = None,
    cotangent: Any = None,
) -> TraceTable:
    """The primal, tangent or adjoint trace of a traced computation.

    Parameters
    ----------
    graph : ComputationGraph
        A trace (:func:`~semiring_ad.tracing.trace`, or a parsed expression at a point).
    mode : {"forward", "reverse", "primal"}
        ``"primal"``: values; ``"forward"``: tangents (one forward sweep);
        ``"reverse"``: adjoints with every accumulation step (one backward sweep).
    wrt, tangent : optional
        Forward mode's seed: an input (node id or name; seed 1), or a tangent
        vector (sequence aligned with ``graph.inputs``, or ``{input: value}``).
        Optional when there is a single input.
    output, cotangent : optional
        Reverse mode's seed: an output node id, or a cotangent (sequence
        aligned with ``graph.outputs`` or ``{output: value}``).

    Returns
    -------
    TraceTable

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
    ẏ = v̇_5                        = 5.5
    >>> [round(r.value, 3) for r in trace_table(g, "reverse") if r.section == "outputs"]
    [5.5, 1.716]
    """
    if not isinstance(graph, ComputationGraph):
        raise TraceError(f"trace tables need a ComputationGraph (from trace or a parsed expression), "
                         f"got {type(graph).__name__}")
    sym = _Symbols(graph)
    if mode == "primal":
        return TraceTable(mode, _TITLES[mode], tuple(_primal_rows(sym)))
    if mode == "forward":
        seeds = seed_map(graph, wrt, tangent, "input")
        return _titled(mode, sym, _tangent_rows(sym, seeds), seeds, sym.x, _DOT)
    if mode == "reverse":
        seeds = seed_map(graph, output, cotangent, "output")
        return _titled(mode, sym, _adjoint_rows(sym, seeds), seeds, sym.y, _BAR)
    raise ValueError(f"mode must be 'forward', 'reverse' or 'primal', got {mode!r}")
