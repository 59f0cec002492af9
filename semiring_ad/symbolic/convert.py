"""SymPy expressions to tapes: the walk that records an expression with the primitive rows.

Each SymPy node is planned (which subexpressions to resolve first, then which
row) and recorded on a :class:`~semiring_ad.ad.tape.Tape` with the same
primitive rows as numeric tracing, so every edge weight is the row's local
partial in the SYMPY namespace.  :mod:`semiring_ad.symbolic.graphs` wraps the
result in a :class:`~semiring_ad.symbolic.graphs.SymbolicGraph`.

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
  looked up in :data:`~semiring_ad.ad.primitives.SYMPY_FUNCTIONS` (n-ary
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
>>> x = sympy.Symbol("x")
>>> b = Builder([x])
>>> y = b.resolve(sympy.sin(x) * x)
>>> b.tape.ops
[None, 'sin', 'multiply']
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy

from ..ad.namespaces import SYMPY
from ..ad.primitives import SYMPY_FUNCTIONS, get_primitive
from ..ad.tape import Tape, Tracer
from ..errors import TraceError, UnknownPrimitiveError

__all__ = ["Builder", "as_exprs", "as_inputs", "numeric_twin", "symbols_in"]

Node = Any  # a Tracer (a node of the tape) or a SymPy constant
_Plan = tuple[list[sympy.Basic], Callable[[], Node]]  # subexpressions to resolve first, then the builder


class Builder:
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
        prim = get_primitive(name)
        vals = [a.value if isinstance(a, Tracer) else a for a in args]
        key = sympy.sympify(prim.value(SYMPY, *vals))
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


def _plan_add(b: Builder, e: sympy.Add) -> _Plan:
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


def _plan_mul(b: Builder, e: sympy.Mul) -> _Plan:
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


def _plan_pow(b: Builder, e: sympy.Pow) -> _Plan:
    base, ex = e.args
    name = None if b.traced(ex) else _POWERS.get(ex)
    if name is not None:
        return [base], lambda: b.emit(name, b.node(base))
    return [base, ex], lambda: b.emit("power", b.node(base), b.node(ex))


def _plan_function(name: str, b: Builder, e: sympy.Basic) -> _Plan:
    prim = get_primitive(name)
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


_PLANNERS: dict[type, Callable[[Builder, Any], _Plan]] = {
    sympy.Add: _plan_add,
    sympy.Mul: _plan_mul,
    sympy.Pow: _plan_pow,
}


def _planner(e: sympy.Basic) -> Callable[[Builder, Any], _Plan]:
    """The planner for ``e``'s class: structural (Add, Mul, Pow) or a row of the table."""
    for cls in type(e).__mro__:
        if cls in _PLANNERS:
            return _PLANNERS[cls]
        if cls in SYMPY_FUNCTIONS:
            return functools.partial(_plan_function, SYMPY_FUNCTIONS[cls])
    name = getattr(type(e), "__name__", str(type(e)))
    raise UnknownPrimitiveError(
        f"cannot differentiate through {name}: SymPy's {name} has no row in the primitive table "
        f"(known SymPy functions: {', '.join(sorted(c.__name__ for c in SYMPY_FUNCTIONS))}). "
        f"To add it, register a row whose sympy builder is the class: register_primitive(Primitive("
        f"'{name.lower()}', arity, value, partials, sympy={name}, ...)) from semiring_ad.ad.primitives"
    )


def symbols_in(exprs: Sequence[sympy.Basic]) -> list[sympy.Symbol]:
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


def as_exprs(expr: Any) -> tuple[list[sympy.Basic], tuple[int, ...] | None]:
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
    hint = "; parse text with semiring_ad.symbolic.parsing.parse_expression first" if isinstance(e, str) else ""
    raise TypeError(f"from_sympy expects SymPy expressions (or a list / Matrix of them), got {type(e).__name__}{hint}")


def as_inputs(inputs: Sequence[Any] | None, exprs: list[sympy.Basic]) -> list[sympy.Symbol]:
    present = symbols_in(exprs)
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


def numeric_twin(tape: Tape) -> Tape:
    """The same tape with SymPy constants as Python numbers, so floats and duals replay in FLOAT/GENERIC."""
    twin = Tape.__new__(Tape)
    for slot in Tape.__slots__:
        setattr(twin, slot, getattr(tape, slot))
    twin.plain, twin.plans = None, {}  # its constants differ: recompute, and replan (plans hold the specs)
    twin.consts = {i: tuple((k, _lower(v)) if k == "c" else (k, v) for k, v in spec)
                   for i, spec in tape.consts.items()}
    twin.values = [_lower(v) if op == "const" else v for op, v in zip(tape.ops, tape.values, strict=True)]
    return twin
