"""The formulas of a trace table: the symbols v_i, v̇_i, v̄_i and each row's definition, in SymPy.

Every row of a trace table carries its defining expression, written with the
primitive table's own SymPy rules (``v_1 = log(v_{-1})``,
``v̇_1 = v̇_{-1}/v_{-1}``), and its value.  This module builds the rows
(:class:`TraceRow`) for the three traces; :mod:`semiring_ad.views.tables`
lays them out.  SymPy is imported when a table is first built.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..ad.computation import ComputationGraph
from ..ad.namespaces import SYMPY
from ..ad.primitives import get_primitive
from ..core.semirings import PLUS_TIMES
from ..core.solver import sweep
from .format import baydin_indices, format_value, output_names, text_printer

if TYPE_CHECKING:
    import sympy

__all__ = ["TraceRow", "TraceSymbols", "adjoint_rows", "primal_rows", "tangent_rows"]

DOT, BAR = "\u0307", "\u0304"  # combining dot above (tangents) and macron (adjoints)


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



class TraceSymbols:
    """The SymPy symbols of one table (v_i, v̇_i, v̄_i, x_j, y) and their LaTeX names."""

    def __init__(self, g: ComputationGraph) -> None:
        self.g = g
        self.index = baydin_indices(g)
        self.latex_names: dict[sympy.Symbol, str] = {}
        labels = g.labels()
        self.labels = {i: labels[i] for i in g.inputs}
        self.out_names = output_names(g)

    def _symbol(self, base: str, mark: str, sub: str, latex_base: str) -> sympy.Symbol:
        import sympy

        text_sub = sub if len(sub) == 1 else f"{{{sub}}}"
        sym = sympy.Symbol(f"{base}{mark}_{text_sub}" if sub else f"{base}{mark}")
        self.latex_names[sym] = f"{latex_base}_{{{sub}}}" if sub else latex_base
        return sym

    def v(self, node: int, mark: str = "") -> sympy.Symbol:
        """``v_i``, ``v̇_i`` (mark ``DOT``) or ``v̄_i`` (mark ``BAR``) for a tape position."""
        return self._symbol("v", mark, str(self.index[node]), _latex_mark("v", mark))

    def x(self, node: int, mark: str = "") -> sympy.Symbol:
        """An input's own name, e.g. ``x1``, ``ẋ1`` or ``x̄1``."""
        import sympy

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
        import sympy

        names = self.latex_names
        return TraceRow(section, text_printer().doprint(lhs), text_printer().doprint(rhs), value, node, edge,
                        sympy.latex(lhs, order="none", symbol_names=names),
                        sympy.latex(rhs, order="none", symbol_names=names))


def _latex_mark(base: str, mark: str) -> str:
    return {"": base, DOT: rf"\dot{{{base}}}", BAR: rf"\bar{{{base}}}"}[mark]


def _constant(value: Any) -> sympy.Expr:
    """A recorded constant as a SymPy number (integral floats as integers)."""
    import sympy

    if isinstance(value, sympy.Basic):
        return value
    if isinstance(value, numbers.Integral) or (isinstance(value, float) and value.is_integer()):
        return sympy.Integer(int(value))
    if isinstance(value, numbers.Real):
        return sympy.Float(float(value))
    return sympy.Symbol(format_value(value))


def _arguments(sym: TraceSymbols, node: int) -> list[sympy.Expr]:
    """The operation's arguments at ``node``: symbols for traced ones, numbers for constants."""
    return [sym.v(x) if kind == "n" else _constant(x) for kind, x in sym.g.tape.args[node]]


def _definition(sym: TraceSymbols, node: int) -> sympy.Expr:
    """``node``'s defining expression in its arguments' symbols, in argument order."""
    import sympy

    tape = sym.g.tape
    op = tape.ops[node]
    if op == "const":
        return _constant(tape.values[node])
    with sympy.evaluate(False):
        return get_primitive(op).sympy(*_arguments(sym, node))


def _local_partials(sym: TraceSymbols, node: int) -> list[sympy.Expr]:
    """∂node/∂u for each in-edge (traced argument) of ``node``, from the primitive's SymPy rules."""
    import sympy

    tape = sym.g.tape
    spec = tape.args[node]
    if not spec:
        return []
    prim, args, out = get_primitive(tape.ops[node]), _arguments(sym, node), sym.v(node)
    partials = []
    for k, (kind, x) in enumerate(spec):
        if kind != "n":
            continue
        try:
            partials.append(sympy.sympify(prim.partials[k](SYMPY, *args, out)))
        except Exception:  # a rule SymPy cannot express: name the partial instead
            partials.append(sympy.Symbol(f"∂{out}/∂{sym.v(x)}"))
    return partials


def _times(adjoint_or_tangent: sympy.Symbol, partial: sympy.Expr) -> sympy.Expr:
    """``a · ∂`` kept readable: ``a`` for ∂ = 1, ``-a`` for ∂ = -1, coefficient first otherwise."""
    import sympy

    coeff, rest = partial.as_coeff_Mul()
    if rest == 1:
        return adjoint_or_tangent if coeff == 1 else sympy.Mul(coeff, adjoint_or_tangent, evaluate=False)
    with sympy.evaluate(False):
        factors = [adjoint_or_tangent, *sympy.Mul.make_args(rest)]
        return sympy.Mul(*([] if coeff == 1 else [coeff]), *factors)


# -- the three traces ----------------------------------------------------------------


def primal_rows(sym: TraceSymbols) -> list[TraceRow]:
    g, values = sym.g, sym.g.tape.values
    rows = [sym.row("inputs", sym.v(i), sym.x(i), values[i], i) for i in g.inputs]
    inputs = set(g.inputs)
    rows += [sym.row("body", sym.v(i), _definition(sym, i), values[i], i) for i in range(g.n_nodes) if i not in inputs]
    rows += [sym.row("outputs", sym.y(o), sym.v(o), values[o], o) for o in g.outputs]
    return rows


def tangent_rows(sym: TraceSymbols, seeds: dict[int, Any]) -> list[TraceRow]:
    import sympy

    g = sym.g
    alpha = sweep(g.compiled, PLUS_TIMES, seeds, "forward")
    value = [PLUS_TIMES.zero if a is None else a for a in alpha]
    rows = [sym.row("inputs", sym.v(i, DOT), sym.x(i, DOT), value[i], i) for i in g.inputs]
    inputs, ptr, parents = set(g.inputs), g.tape.ptr, g.tape.parents
    for i in (i for i in range(g.n_nodes) if i not in inputs):
        edges = range(ptr[i], ptr[i + 1])
        terms = [_times(sym.v(parents[k], DOT), d) for k, d in zip(edges, _local_partials(sym, i), strict=True)]
        rhs = sympy.Add(*terms, evaluate=False) if len(terms) > 1 else (terms[0] if terms else sympy.S.Zero)
        rows.append(sym.row("body", sym.v(i, DOT), rhs, value[i], i))
    rows += [sym.row("outputs", sym.y(o, DOT), sym.v(o, DOT), value[o], o) for o in g.outputs]
    return rows


def adjoint_rows(sym: TraceSymbols, seeds: dict[int, Any]) -> list[TraceRow]:
    """Seeds, one accumulation row per edge in reverse tape order, then the inputs' adjoints."""
    import sympy

    g = sym.g
    beta = sweep(g.compiled, PLUS_TIMES, seeds, "backward")
    rows = [sym.row("inputs", sym.v(o, BAR), sym.y(o, BAR), seeds[o], o) for o in g.outputs if o in seeds]
    running: dict[int, Any] = dict(seeds)
    ptr, parents, weights = g.tape.ptr, g.tape.parents, g.compiled.weights
    for v in range(g.n_nodes - 1, -1, -1):
        if beta[v] is None or ptr[v] == ptr[v + 1]:
            continue
        for k, d in zip(range(ptr[v], ptr[v + 1]), _local_partials(sym, v), strict=True):
            u, push = parents[k], PLUS_TIMES.times(weights[k], beta[v])
            term = _times(sym.v(v, BAR), d)
            if u in running:
                running[u] = PLUS_TIMES.plus(running[u], push)
                term = sympy.Add(sym.v(u, BAR), term, evaluate=False)
            else:
                running[u] = push
            rows.append(sym.row("body", sym.v(u, BAR), term, running[u], u, (u, v)))
    zero = PLUS_TIMES.zero
    rows += [sym.row("outputs", sym.x(i, BAR), sym.v(i, BAR), zero if beta[i] is None else beta[i], i)
             for i in g.inputs]
    return rows
