"""SymPy front end: expressions become computation graphs; path sums become closed forms.

This module owns two directions of the SymPy bridge.  :func:`from_sympy`
parses a SymPy expression (or a list / Matrix of them) into a
:class:`SymbolicGraph` — a :class:`~semiring_ad.ad.computation.ComputationGraph`
whose tape is recorded with the same :class:`~semiring_ad.ad.tape.Tape` and
primitive rows as numeric tracing, so every edge weight is the row's local
partial written in the SYMPY namespace.  :func:`symbolic_gradient` and
:func:`symbolic_jacobian` then solve the path problem on that graph over the
:data:`~semiring_ad.core.semirings.SYMBOLIC` semiring with
:func:`~semiring_ad.core.solver.sweep`.  In the data flow it is a front end
(SymPy expression ─parse─> Graph) plus a thin "solver in the right semiring".

The conversion itself (and its decisions: n-ary chains, powers, constants,
memoized subexpressions, no recursion) is :mod:`semiring_ad.symbolic.convert`.

>>> import sympy
>>> x1, x2 = sympy.symbols("x1 x2")
>>> g = from_sympy(sympy.log(x1) + x1 * x2 - sympy.sin(x2))
>>> g.tape.ops
[None, None, 'multiply', 'log', 'sin', 'add', 'subtract']
>>> list(symbolic_gradient(sympy.log(x1) + x1 * x2 - sympy.sin(x2)))
[x2 + 1/x1, x1 - cos(x2)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sympy

from ..ad.computation import ComputationGraph
from ..ad.tape import Tape, Tracer
from ..ad.tracing import trace
from ..core.modes import ad_mode
from ..core.semirings import SYMBOLIC
from ..core.solver import sweep
from ..errors import TraceError
from .convert import Builder, as_exprs, as_inputs, numeric_twin

__all__ = ["SymbolicGraph", "from_sympy", "symbolic_gradient", "symbolic_jacobian"]

class SymbolicGraph(ComputationGraph):
    """A :class:`ComputationGraph` built from SymPy expressions; ``at`` also takes ``{symbol: value}``.

    Attributes
    ----------
    symbols : list of sympy.Symbol
        The inputs, in order (``inputs[i]`` is the node of ``symbols[i]``).
    exprs : list of sympy.Expr
        The expressions, flattened (row-major for a Matrix).

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> g = from_sympy(x * y + sympy.sin(x))
    >>> g.at({x: 0.0, y: 5.0}).jacobian()
    array([6., 0.])
    >>> g.at(y=5, x=0).value, g.at(0.0, 5.0).value
    (0.0, 0.0)
    """

    def __init__(
        self,
        tape: Tape,
        inputs: list[int],
        outputs: list[int],
        out_shape: tuple | None,
        symbols: list[sympy.Symbol],
        exprs: list[sympy.Basic],
        tapes: tuple[Tape, Tape],
    ) -> None:
        n = len(inputs)
        super().__init__(tape, inputs, outputs, out_shape, (None,) * n, tuple(range(n)))
        self.symbols = symbols
        self.exprs = exprs
        self._tapes = tapes  # (symbolic, numeric twin)

    def at(self, *args: Any, **named: Any) -> SymbolicGraph:
        """Re-evaluate at a point: positional values, one ``{symbol or name: value}`` dict, or keywords.

        Numbers (floats, dual numbers, arrays) give numeric edge weights; SymPy
        values keep them symbolic.
        """
        flat = self._point(args, named)
        symbolic = any(isinstance(v, sympy.Basic) for v in flat)
        base = ComputationGraph(
            self._tapes[0] if symbolic else self._tapes[1],
            self.inputs,
            self.outputs,
            self.out_shape,
            self.in_shapes,
            self.argnums,
        )
        g = base.at(*flat)
        return SymbolicGraph(g.tape, self.inputs, self.outputs, self.out_shape, self.symbols, self.exprs, self._tapes)

    def _point(self, args: tuple, named: dict) -> list[Any]:
        if not named and not (len(args) == 1 and isinstance(args[0], Mapping)):
            return list(args)
        if args and named:
            raise TraceError("at() takes positional values, one dict, or keywords; not a mix")
        mapping = args[0] if args else named
        given = {(k.name if isinstance(k, sympy.Symbol) else str(k)): v for k, v in mapping.items()}
        names = [s.name for s in self.symbols]
        missing = [n for n in names if n not in given]
        unknown = sorted(set(given) - set(names))
        if missing or unknown:
            raise TraceError(f"at() needs one value per input {names}; missing {missing}, unknown {unknown}")
        return [given[n] for n in names]


def from_sympy(expr: Any, inputs: Sequence[Any] | None = None) -> SymbolicGraph:
    """The computation graph of a SymPy expression, with SymPy local partials as edge weights.

    Parameters
    ----------
    expr : sympy.Expr, list of sympy.Expr or sympy.Matrix
        The expression(s); several share one graph (and their common nodes).
    inputs : sequence of sympy.Symbol or str, optional
        The input symbols in order (default: the free symbols sorted by
        name).  Other symbols are treated as constant parameters.

    Returns
    -------
    SymbolicGraph
        Its ``value`` is the expression rebuilt from the tape; ``at`` evaluates
        it at a point, after which every AD function applies.

    Raises
    ------
    UnknownPrimitiveError
        For a function with no row in the primitive table; the message names
        it and says how to register one.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> g = from_sympy((x + 4 * y) * (x + y) * y)
    >>> g
    <ComputationGraph: 2 inputs, 1 outputs, 7 nodes, 9 edges>
    >>> g.at(3, 5).value, g.at({x: 3, y: 5}).jacobian().tolist()
    (920.0, [155.0, 459.0])
    >>> from_sympy(sympy.gamma(x))
    Traceback (most recent call last):
      ...
    semiring_ad.errors.UnknownPrimitiveError: cannot differentiate through gamma: ...
    """
    exprs, out_shape = as_exprs(expr)
    symbols = as_inputs(inputs, exprs)
    b = Builder(symbols)
    outputs = []
    for e in exprs:
        node = b.resolve(e)
        outputs.append(node.index if isinstance(node, Tracer) else b.tape.leaf(node, "const", op="const").index)
    b.tape.partials = [sympy.sympify(w) for w in b.tape.partials]  # the rules return int 1 for add's partial
    inputs_idx = list(range(len(symbols)))
    return SymbolicGraph(b.tape, inputs_idx, outputs, out_shape, symbols, exprs, (b.tape, numeric_twin(b.tape)))


def _graph(exprs: Any, wrt: Sequence[Any] | None) -> ComputationGraph:
    if callable(exprs) and not isinstance(exprs, sympy.Basic):
        if wrt is None:
            raise TraceError("to differentiate a Python function symbolically, pass its symbols as wrt=[...]")
        return trace(exprs, *wrt)
    return from_sympy(exprs, wrt)


def _path_sums(g: ComputationGraph, mode: str) -> list[list[sympy.Expr]]:
    """The (outputs × inputs) path sums over SYMBOLIC: one sweep per output or per input."""
    mode = ad_mode(mode)
    one, zero = SYMBOLIC.one, SYMBOLIC.zero
    J = [[zero] * len(g.inputs) for _ in g.outputs]
    if mode == "reverse":
        for r, out in enumerate(g.outputs):
            vals = sweep(g.compiled, SYMBOLIC, {out: one}, "backward")
            J[r] = [zero if vals[i] is None else sympy.sympify(vals[i]) for i in g.inputs]
    else:
        for c, inp in enumerate(g.inputs):
            vals = sweep(g.compiled, SYMBOLIC, {inp: one}, "forward")
            for r, out in enumerate(g.outputs):
                J[r][c] = zero if vals[out] is None else sympy.sympify(vals[out])
    return J


def symbolic_jacobian(
    exprs: Any, wrt: Sequence[Any] | None = None, mode: str = "reverse", simplify: bool = False
) -> sympy.Matrix:
    """The Jacobian in closed form, as sums over paths of products of SymPy edge weights.

    Parameters
    ----------
    exprs : sympy.Expr, list or Matrix of them, or a Python function
        Outputs, flattened row-major (one Jacobian row each).  A Python
        function is traced on the symbols ``wrt`` (:func:`~semiring_ad.trace`).
    wrt : sequence of sympy.Symbol, optional
        Inputs in order (default: the free symbols sorted by name).
    mode : {"reverse", "forward"}
        A backward sweep per output, or a forward sweep per input.
    simplify : bool
        Apply ``sympy.simplify`` to every entry.

    Examples
    --------
    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> symbolic_jacobian([x * y, sympy.exp(x)], mode="forward")
    Matrix([
    [     y, x],
    [exp(x), 0]])
    """
    J = _path_sums(_graph(exprs, wrt), mode)
    M = sympy.Matrix(len(J), len(J[0]) if J else 0, [e for row in J for e in row])
    return M.applyfunc(sympy.simplify) if simplify else M


def symbolic_gradient(
    expr: Any, wrt: Sequence[Any] | None = None, mode: str = "reverse", simplify: bool = False
) -> sympy.Matrix:
    """The gradient of one expression in closed form: a column ``sympy.Matrix`` (see :func:`symbolic_jacobian`).

    The gradient is the transpose of the one-row Jacobian,
    ``symbolic_gradient(f) == symbolic_jacobian(f).T``, so both functions return
    a ``sympy.Matrix`` (``.subs``, ``.applyfunc``, ``.T``, matrix algebra).  A
    column indexes, iterates and unpacks like the list returned before 0.2:
    ``g[0]``, ``list(g)``, ``dx, dy = g``.

    Examples
    --------
    Reps' example f = (x + 4y)(x + y)y, whose partials are 2xy + 5y² and x² + 10xy + 12y²:

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> [sympy.expand(d) for d in symbolic_gradient((x + 4 * y) * (x + y) * y)]
    [2*x*y + 5*y**2, x**2 + 10*x*y + 12*y**2]
    >>> symbolic_gradient(lambda a, b: a * b + a, wrt=[x, y], mode="forward")
    Matrix([
    [y + 1],
    [    x]])
    """
    J = symbolic_jacobian(expr, wrt, mode, simplify)
    if J.rows != 1:
        raise TraceError(f"symbolic_gradient needs one expression, got {J.rows} outputs; use symbolic_jacobian")
    return J.T
