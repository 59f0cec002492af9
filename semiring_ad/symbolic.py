"""SymPy front end: expressions become computation graphs; path sums become closed forms.

This module owns two directions of the SymPy bridge.  :func:`from_sympy`
parses a SymPy expression (or a list / Matrix of them) into a
:class:`SymbolicGraph` — a :class:`~semiring_ad.tracing.ComputationGraph`
whose tape is recorded with the same :class:`~semiring_ad.tracing.Tape` and
primitive rows as numeric tracing, so every edge weight is the row's local
partial written in the SYMPY namespace.  :func:`symbolic_gradient` and
:func:`symbolic_jacobian` then solve the path problem on that graph over the
:data:`~semiring_ad.semirings.SYMBOLIC` semiring with
:func:`~semiring_ad.solver.sweep`.  In the data flow it is a front end
(SymPy expression ─parse─> Graph) plus a thin "solver in the right semiring".

Decisions
---------
* **n-ary Add and Mul become left-fold chains of the binary rows** ``add`` /
  ``subtract`` and ``multiply`` / ``divide``.  The table's rows have a fixed
  arity, so a chain keeps every edge weight a partial the table already
  knows, and it is exactly the graph that tracing ``a + b + c`` in Python
  records.  For a product a chain is also the cheap form: the partial of
  ``t·c`` with respect to ``t`` is ``c``, whereas a single n-ary node would
  need the product of all other factors on each of its n edges.  A term with
  a negative coefficient is subtracted (``x - y`` is ``subtract``, not
  ``add(x, multiply(-1, y))``); a factor with a negative constant exponent
  divides; a coefficient -1 is ``negative``.
* ``Pow(x, -1)`` is ``reciprocal``, ``Pow(x, 1/2)`` is ``sqrt``,
  ``Pow(x, 2)`` is ``square``, anything else ``power``.  Other functions are
  looked up in :data:`~semiring_ad.primitives.SYMPY_FUNCTIONS` (n-ary
  ``Max``/``Min`` fold left); an unknown one raises
  :class:`~semiring_ad.errors.UnknownPrimitiveError`.
* A subexpression that contains no input symbol is a constant argument, not
  a node (as a Python constant is when tracing).  Symbols left out of
  ``inputs`` are such constants: parameters.
* Every subexpression is memoized — also the partial sums and products of a
  chain — so a shared subexpression is one shared node: a DAG, not a tree.
  The walk uses an explicit stack; expression depth never recurses here
  (SymPy's own constructors do recurse, so SymPy bounds the depth: nested
  ``sin`` of depth ~330 cannot be built, ``x*e + y`` of depth 3000 can).

>>> import sympy
>>> x1, x2 = sympy.symbols("x1 x2")
>>> g = from_sympy(sympy.log(x1) + x1 * x2 - sympy.sin(x2))
>>> g.tape.ops
[None, None, 'multiply', 'log', 'sin', 'add', 'subtract']
>>> symbolic_gradient(sympy.log(x1) + x1 * x2 - sympy.sin(x2))
[x2 + 1/x1, x1 - cos(x2)]
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import sympy

from . import primitives as prims
from .errors import TraceError, UnknownPrimitiveError
from .semirings import SYMBOLIC
from .solver import sweep
from .tracing import ComputationGraph, Tape, Tracer, trace

__all__ = ["SymbolicGraph", "from_sympy", "symbolic_gradient", "symbolic_jacobian"]

Node = Any  # a Tracer (a node of the tape) or a SymPy constant
_Plan = tuple[list[sympy.Basic], Callable[[], Node]]  # subexpressions to resolve first, then the builder


class _Builder:
    """Walks expressions bottom-up, recording one tape node per distinct non-constant subexpression."""

    def __init__(self, inputs: Sequence[sympy.Symbol]) -> None:
        self.tape = Tape()
        self.memo: dict[sympy.Basic, Node] = {s: self.tape.leaf(s, s.name) for s in inputs}
        self.constant: dict[sympy.Basic, bool] = dict.fromkeys(inputs, False)
        self.plans: dict[sympy.Basic, _Plan] = {}

    def node(self, e: sympy.Basic) -> Node:
        return self.memo[e]

    def traced(self, e: sympy.Basic) -> bool:
        """Whether ``e`` depends on an input (bottom-up, explicit stack, memoized)."""
        known, stack = self.constant, [e]
        while stack:
            top = stack[-1]
            if top in known:
                stack.pop()
                continue
            pending = [a for a in top.args if a not in known]
            if pending:
                stack.extend(pending)
            else:
                known[stack.pop()] = all(known[a] for a in top.args)
        return not known[e]

    def emit(self, name: str, *args: Node) -> Node:
        """Record primitive ``name`` on ``args``, reusing the node if its value exists already."""
        prim = prims.get_primitive(name)
        vals = [a.value if isinstance(a, Tracer) else a for a in args]
        key = sympy.sympify(prim.value(prims.SYMPY, *vals))
        if not any(isinstance(a, Tracer) for a in args):
            return key
        hit = self.memo.get(key)
        if isinstance(hit, Tracer):
            return hit
        out = self.tape.record(prim, args)
        self.memo[key] = out
        return out

    def resolve(self, root: sympy.Basic) -> Node:
        """The node (or constant) of ``root``, walking with an explicit stack."""
        stack, memo = [root], self.memo
        while stack:
            e = stack[-1]
            if e in memo:
                stack.pop()
                continue
            children, build = self._plan(e)
            pending = [c for c in children if c not in memo]
            if pending:
                stack.extend(reversed(pending))  # the first child is built first
            else:
                stack.pop()
                memo[e] = self._adopt(e, build())
        return memo[root]

    def _adopt(self, e: sympy.Basic, node: Node) -> Node:
        """Make ``e`` itself the value of its node.

        The rebuilt value equals ``e`` but is another object; keeping ``e``
        lets later dict lookups and SymPy's constructor cache compare by
        identity instead of recursing through deep expressions.
        """
        if isinstance(node, Tracer):
            node.value = self.tape.values[node.index] = e
        return node

    def _plan(self, e: sympy.Basic) -> _Plan:
        if e not in self.plans:
            self.plans[e] = _planner(e)(self, e) if self.traced(e) else ([], lambda: e)
        return self.plans[e]


def _negated(t: sympy.Expr) -> tuple[bool, sympy.Expr]:
    """``(True, -t)`` for a term with a negative numeric coefficient, else ``(False, t)``."""
    coeff = t.as_coeff_Mul()[0] if t.is_Mul else sympy.S.One
    return (True, -t) if coeff.is_negative else (False, t)


def _plan_add(b: _Builder, e: sympy.Add) -> _Plan:
    const = sympy.Add(*(t for t in e.args if not b.traced(t)))
    terms = sorted((_negated(t) for t in e.args if b.traced(t)), key=lambda st: st[0])  # positive first

    def build() -> Node:
        (neg, first), *rest = terms
        c = const
        if neg and c != 0:  # c - t, as Python would trace 1 - x
            acc, c = b.emit("subtract", c, b.node(first)), 0
        else:
            acc = b.emit("negative", b.node(first)) if neg else b.node(first)
        for neg, t in rest:
            acc = b.emit("subtract" if neg else "add", acc, b.node(t))
        if c != 0:
            acc = b.emit("subtract", acc, -c) if c.could_extract_minus_sign() else b.emit("add", acc, c)
        return acc

    return [t for _, t in terms], build


def _is_denominator(f: sympy.Expr) -> bool:
    return bool(f.is_Pow and f.exp.is_number and f.exp.is_extended_negative)


def _plan_mul(b: _Builder, e: sympy.Mul) -> _Plan:
    coeff = sympy.Mul(*(f for f in e.args if not b.traced(f)))
    factors = [f for f in e.args if b.traced(f)]
    nums = [f for f in factors if not _is_denominator(f)]
    dens = [f.base ** (-f.exp) for f in factors if _is_denominator(f)]

    def build() -> Node:
        acc, k = None, coeff
        for f in nums:
            acc = b.node(f) if acc is None else b.emit("multiply", acc, b.node(f))
        for d in dens:
            if acc is None:
                acc, k = (b.emit("reciprocal", b.node(d)) if k == 1 else b.emit("divide", k, b.node(d))), 1
            else:
                acc = b.emit("divide", acc, b.node(d))
        if k == -1:
            return b.emit("negative", acc)
        return acc if k == 1 else b.emit("multiply", k, acc)

    return nums + dens, build


_POWERS = {sympy.S.NegativeOne: "reciprocal", sympy.S.Half: "sqrt", sympy.Integer(2): "square"}


def _plan_pow(b: _Builder, e: sympy.Pow) -> _Plan:
    base, ex = e.args
    name = None if b.traced(ex) else _POWERS.get(ex)
    if name is not None:
        return [base], lambda: b.emit(name, b.node(base))
    return [base, ex], lambda: b.emit("power", b.node(base), b.node(ex))


def _plan_function(name: str, b: _Builder, e: sympy.Basic) -> _Plan:
    prim = prims.get_primitive(name)
    args = list(e.args)
    if len(args) == prim.arity:
        return args, lambda: b.emit(name, *map(b.node, args))
    if prim.arity == 2 and len(args) > 2:  # Max/Min are n-ary in SymPy: fold left, traced arguments first
        args.sort(key=lambda a: not b.traced(a))
        return args, lambda: functools.reduce(lambda acc, a: b.emit(name, acc, b.node(a)), args[1:], b.node(args[0]))
    raise UnknownPrimitiveError(
        f"SymPy's {type(e).__name__} with {len(args)} argument(s) does not fit the primitive {name!r}, "
        f"which takes {prim.arity}; rewrite the expression or register a row of that arity"
    )


_PLANNERS: dict[type, Callable[[_Builder, Any], _Plan]] = {
    sympy.Add: _plan_add,
    sympy.Mul: _plan_mul,
    sympy.Pow: _plan_pow,
}


def _planner(e: sympy.Basic) -> Callable[[_Builder, Any], _Plan]:
    """The planner for ``e``'s class: structural (Add, Mul, Pow) or a row of the table."""
    for cls in type(e).__mro__:
        if cls in _PLANNERS:
            return _PLANNERS[cls]
        if cls in prims.SYMPY_FUNCTIONS:
            return functools.partial(_plan_function, prims.SYMPY_FUNCTIONS[cls])
    name = getattr(type(e), "__name__", str(type(e)))
    raise UnknownPrimitiveError(
        f"cannot differentiate through {name}: SymPy's {name} has no row in the primitive table "
        f"(known SymPy functions: {', '.join(sorted(c.__name__ for c in prims.SYMPY_FUNCTIONS))}). "
        f"To add it, register a row whose sympy builder is the class: register_primitive(Primitive("
        f"'{name.lower()}', arity, value, partials, sympy={name}, ...)) from semiring_ad.primitives"
    )


def _symbols_in(exprs: Sequence[sympy.Basic]) -> list[sympy.Symbol]:
    """Every Symbol in ``exprs``, sorted by name (an explicit-stack walk)."""
    seen: set[sympy.Basic] = set()
    stack, found = list(exprs), set()
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if isinstance(e, sympy.Symbol):
            found.add(e)
        stack.extend(e.args)
    return sorted(found, key=lambda s: (s.name, sympy.default_sort_key(s)))


def _as_exprs(expr: Any) -> tuple[list[sympy.Basic], tuple[int, ...] | None]:
    """Flat list of expressions and the output shape (``None`` for one expression)."""
    if isinstance(expr, sympy.MatrixBase):
        return list(expr), expr.shape
    if isinstance(expr, (list, tuple, np.ndarray)):
        arr = np.asarray(expr, dtype=object)
        return [_as_expr(e) for e in arr.reshape(-1)], arr.shape
    return [_as_expr(expr)], None


def _as_expr(e: Any) -> sympy.Basic:
    if isinstance(e, sympy.Basic):
        return e
    if isinstance(e, numbers.Number) and not isinstance(e, bool):
        return sympy.sympify(e)
    hint = "; parse text with semiring_ad.parsing.parse_expression first" if isinstance(e, str) else ""
    raise TypeError(f"from_sympy expects SymPy expressions (or a list / Matrix of them), got {type(e).__name__}{hint}")


def _as_inputs(inputs: Sequence[Any] | None, exprs: list[sympy.Basic]) -> list[sympy.Symbol]:
    present = _symbols_in(exprs)
    if inputs is None:
        return present
    by_name = {s.name: s for s in present}
    syms = [s if isinstance(s, sympy.Symbol) else by_name.get(str(s), sympy.Symbol(str(s))) for s in inputs]
    if len(set(syms)) != len(syms):
        raise TraceError(f"inputs must be distinct symbols, got {list(inputs)!r}")
    return syms


def _lower(v: Any) -> Any:
    """A SymPy real constant as an int or float (for numeric replay); anything else unchanged."""
    if isinstance(v, sympy.Integer):
        return int(v)
    if isinstance(v, sympy.Basic) and v.is_number and v.is_extended_real:
        return float(v)
    return v


def _numeric_twin(tape: Tape) -> Tape:
    """The same tape with SymPy constants as Python numbers, so floats and duals replay in FLOAT/GENERIC."""
    twin = Tape.__new__(Tape)
    for slot in Tape.__slots__:
        setattr(twin, slot, getattr(tape, slot))
    twin.plain = None  # its constants differ: recompute
    twin.args = [tuple((k, _lower(v)) if k == "c" else (k, v) for k, v in spec) for spec in tape.args]
    twin.values = [_lower(v) if op == "const" else v for op, v in zip(tape.ops, tape.values, strict=True)]
    return twin


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
    exprs, out_shape = _as_exprs(expr)
    symbols = _as_inputs(inputs, exprs)
    b = _Builder(symbols)
    outputs = []
    for e in exprs:
        node = b.resolve(e)
        outputs.append(node.index if isinstance(node, Tracer) else b.tape.leaf(node, "const", op="const").index)
    b.tape.partials = [sympy.sympify(w) for w in b.tape.partials]  # the rules return int 1 for add's partial
    inputs_idx = list(range(len(symbols)))
    return SymbolicGraph(b.tape, inputs_idx, outputs, out_shape, symbols, exprs, (b.tape, _numeric_twin(b.tape)))


def _graph(exprs: Any, wrt: Sequence[Any] | None) -> ComputationGraph:
    if callable(exprs) and not isinstance(exprs, sympy.Basic):
        if wrt is None:
            raise TraceError("to differentiate a Python function symbolically, pass its symbols as wrt=[...]")
        return trace(exprs, *wrt)
    return from_sympy(exprs, wrt)


def _path_sums(g: ComputationGraph, mode: str) -> list[list[sympy.Expr]]:
    """The (outputs × inputs) path sums over SYMBOLIC: one sweep per output or per input."""
    if mode not in ("forward", "reverse"):
        raise ValueError(f"mode must be 'forward' or 'reverse', got {mode!r}")
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
) -> list[sympy.Expr]:
    """The gradient of one expression in closed form (see :func:`symbolic_jacobian`).

    Examples
    --------
    Reps' example f = (x + 4y)(x + y)y, whose partials are 2xy + 5y² and x² + 10xy + 12y²:

    >>> import sympy
    >>> x, y = sympy.symbols("x y")
    >>> [sympy.expand(d) for d in symbolic_gradient((x + 4 * y) * (x + y) * y)]
    [2*x*y + 5*y**2, x**2 + 10*x*y + 12*y**2]
    >>> symbolic_gradient(lambda a, b: a * b + a, wrt=[x, y], mode="forward")
    [y + 1, x]
    """
    J = symbolic_jacobian(expr, wrt, mode, simplify)
    if J.rows != 1:
        raise TraceError(f"symbolic_gradient needs one expression, got {J.rows} outputs; use symbolic_jacobian")
    return list(J.row(0))
