"""Random expressions over the primitive table, built twice: as code and as SymPy.

One expression tree (:class:`Var`, :class:`Const`, :class:`Op`) gives

* :func:`as_function` — a Python function over ``semiring_ad.ad.dispatch.apply``
  (and Python operators for the arithmetic rows), so it runs on floats,
  tracers, dual numbers and NumPy arrays of points alike;
* :func:`as_sympy` — the same tree through every row's ``.sympy`` builder,
  for ``sympy.diff``, an oracle nobody here wrote.

Every row of ``PRIMITIVES`` is drawn (a new row is picked up automatically).

Domains, by construction
------------------------
Each argument slot of each row has an open interval inside the row's domain
and away from its poles (:data:`DOMAINS`; rows not listed get
:data:`DEFAULT_INTERVAL`, inside every elementary domain).  A child that is
not known to stay inside its slot's interval — every operation node, and a
variable whose box is not inside the interval — is wrapped in a *squash*: an
affine image of a bounded smooth row (sigmoid, tanh, sin or cos) onto exactly
that interval.  So every primitive is evaluated inside its domain at every
point of the variables' box :data:`VAR_BOX`, every value is bounded, and
nothing overflows, whatever the nesting.

Kinks
-----
The non-smooth rows are found from SymPy, not listed: a row whose
``sympy.diff`` contains ``sign``, ``Heaviside`` or a ``Piecewise`` has kinks
where those arguments vanish (:data:`KINKS`).  :func:`points` draws points
whose every kink argument is at least :data:`KINK_MARGIN` away from zero, and
:func:`expressions` drops trees with a kink that is (nearly) always tied,
such as ``maximum(x0, x0)`` or ``abs(0)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import hypothesis.strategies as st
import numpy as np
import sympy

from semiring_ad.ad.functions import apply
from semiring_ad.ad.primitives import PRIMITIVES

# -- domains --------------------------------------------------------------------

VAR_BOX = (-2.0, 2.0)
"""Variables are drawn from this box."""

WIDE = (-3.0, 3.0)
DEFAULT_INTERVAL = (0.25, 0.875)
DOMAINS: dict[str, list[tuple[float, float]]] = {
    "add": [WIDE, WIDE], "subtract": [WIDE, WIDE], "multiply": [WIDE, WIDE], "divide": [WIDE, (0.5, 3.0)],
    "maximum": [WIDE, WIDE], "minimum": [WIDE, WIDE], "power": [(0.25, 3.0), (-2.0, 2.0)],
    "negative": [WIDE], "square": [WIDE], "exp": [WIDE], "expm1": [WIDE], "sin": [WIDE], "cos": [WIDE],
    "arctan": [WIDE], "sinh": [WIDE], "cosh": [WIDE], "tanh": [WIDE], "sigmoid": [WIDE], "abs": [WIDE],
    "relu": [WIDE], "tan": [(-1.25, 1.25)], "sqrt": [(0.25, 4.0)], "reciprocal": [(0.25, 4.0)],
    "log": [(0.125, 4.0)], "log1p": [(-0.75, 4.0)], "arcsin": [(-0.875, 0.875)], "arccos": [(-0.875, 0.875)],
}  # fmt: skip
"""One closed interval per argument, strictly inside the row's domain; endpoints are dyadic."""

KINK_MARGIN = 1e-2
"""Points keep every kink argument at least this far from zero."""


def intervals(name: str) -> list[tuple[float, float]]:
    """The argument intervals of row ``name``."""
    return DOMAINS.get(name, [DEFAULT_INTERVAL] * PRIMITIVES[name].arity)


def _kink_functions(name: str) -> list[Callable[..., float]]:
    """Functions of the row's arguments that vanish exactly at its kinks (from ``sympy.diff``)."""
    prim = PRIMITIVES[name]
    args = sympy.symbols(f"a0:{prim.arity}", real=True)
    expr = sympy.sympify(prim.sympy(*args))
    loci: set[sympy.Expr] = set()
    for a in args:
        d = sympy.diff(expr, a)
        for atom in d.atoms(sympy.sign, sympy.Heaviside):
            loci.add(atom.args[0])
        for pw in d.atoms(sympy.Piecewise):
            for _, cond in pw.args:
                for rel in getattr(cond, "atoms", lambda *_: set())(sympy.core.relational.Relational):
                    loci.add(rel.lhs - rel.rhs)
    return [sympy.lambdify(args, locus, "math") for locus in sorted(loci, key=sympy.default_sort_key)]


KINKS: dict[str, list[Callable[..., float]]] = {}
"""Row name -> kink loci, for every non-smooth row (computed from SymPy at import)."""
for _name in PRIMITIVES:
    _loci = _kink_functions(_name)
    if _loci:
        KINKS[_name] = _loci
del _name, _loci

_SQUASHES = tuple(name for name in ("sigmoid", "tanh", "sin", "cos") if name in PRIMITIVES)
"""Bounded smooth rows used to map any value into an interval."""

_OPERATORS: dict[str, Callable[..., Any]] = {
    "add": lambda a, b: a + b, "subtract": lambda a, b: a - b, "multiply": lambda a, b: a * b,
    "divide": lambda a, b: a / b, "power": lambda a, b: a**b, "negative": lambda a: -a,
}  # fmt: skip
"""Rows that may also be written with a Python operator (exercises the dunder methods)."""


# -- the tree -------------------------------------------------------------------


@dataclass(frozen=True)
class Var:
    """The variable ``x{index}``."""

    index: int


@dataclass(frozen=True)
class Const:
    """An exact rational constant (a float in code, a Rational in SymPy)."""

    value: Fraction


@dataclass(frozen=True)
class Op:
    """Row ``name`` applied to ``args``; ``operator`` writes it as ``a + b`` etc."""

    name: str
    args: tuple[Any, ...]
    operator: bool = False


Expr = Var | Const | Op


def evaluate(e: Expr, xs: Sequence[Any]) -> Any:
    """The tree at ``xs`` (floats, tracers, duals, arrays ...), through ``apply`` or operators."""
    if isinstance(e, Var):
        return xs[e.index]
    if isinstance(e, Const):
        return float(e.value)
    args = [evaluate(a, xs) for a in e.args]
    if e.operator:
        return _OPERATORS[e.name](*args)
    return apply(e.name, *args)


def as_function(e: Expr) -> Callable[..., Any]:
    """``f(*xs)``: the tree as a Python function."""

    def f(*xs: Any) -> Any:
        return evaluate(e, xs)

    return f


def as_sympy(e: Expr, symbols: Sequence[sympy.Symbol]) -> sympy.Expr:
    """The same tree built with the rows' SymPy builders."""
    if isinstance(e, Var):
        return symbols[e.index]
    if isinstance(e, Const):
        return sympy.Rational(e.value.numerator, e.value.denominator)
    return sympy.sympify(PRIMITIVES[e.name].sympy(*(as_sympy(a, symbols) for a in e.args)))


def kink_distance(e: Expr, point: Sequence[float]) -> float:
    """The smallest |kink argument| over the tree's non-smooth nodes at ``point`` (inf if none)."""
    best = math.inf

    def walk(node: Expr) -> float:
        nonlocal best
        if not isinstance(node, Op):
            return float(evaluate(node, point))
        vals = [walk(a) for a in node.args]
        for locus in KINKS.get(node.name, ()):
            best = min(best, abs(float(locus(*vals))))
        return float(apply(node.name, *vals))

    walk(e)
    return best


def size(e: Expr) -> int:
    """Number of operation nodes."""
    return 0 if not isinstance(e, Op) else 1 + sum(size(a) for a in e.args)


def rows(e: Expr) -> set[str]:
    """The rows the tree uses."""
    return set() if not isinstance(e, Op) else {e.name}.union(*(rows(a) for a in e.args))


def squash(e: Expr, interval: tuple[float, float], kind: str) -> Expr:
    """``e`` mapped onto ``interval`` by the bounded row ``kind``.

    lo + (hi - lo)·sigmoid(e), or mid + half·tanh/sin/cos(e): smooth, and onto the interval.
    """
    lo, hi = Fraction(interval[0]), Fraction(interval[1])
    if kind == "sigmoid":
        base, scale = lo, hi - lo
    else:
        base, scale = (lo + hi) / 2, (hi - lo) / 2
    return Op("add", (Const(base), Op("multiply", (Const(scale), Op(kind, (e,))))))


# -- strategies -----------------------------------------------------------------


def _inside(inner: tuple[float, float], outer: tuple[float, float]) -> bool:
    return outer[0] <= inner[0] and inner[1] <= outer[1]


@st.composite
def _tree(
    draw: st.DrawFn, n_vars: int, depth: int, interval: tuple[float, float] | None, names: tuple[str, ...]
) -> Expr:
    """A tree whose values lie in ``interval`` (anywhere if None) at every point of the box."""
    kinds = ["op", "op", "var", "const"] if depth > 0 else ["var", "var", "const"]
    kind = draw(st.sampled_from(kinds))
    if kind == "const":
        lo, hi = interval or VAR_BOX
        k = draw(st.integers(1, 7))
        return Const(Fraction(lo) + (Fraction(hi) - Fraction(lo)) * k / 8)
    if kind == "var":
        e: Expr = Var(draw(st.integers(0, n_vars - 1)))
        known: tuple[float, float] | None = VAR_BOX
    else:
        name = draw(st.sampled_from(names))
        args = tuple(draw(_tree(n_vars, depth - 1, iv, names)) for iv in intervals(name))
        e = Op(name, args, name in _OPERATORS and draw(st.booleans()))
        known = None
    if interval is not None and (known is None or not _inside(known, interval)):
        e = squash(e, interval, draw(st.sampled_from(_SQUASHES)))
    return e


_PROBES = np.random.default_rng(20240611).uniform(*VAR_BOX, size=(16, 4))


def degenerate(e: Expr, n_vars: int) -> bool:
    """Whether a kink is tied at most probe points (``maximum(x, x)``, ``abs(0)``): no point would pass."""
    if not any(name in KINKS for name in rows(e)):
        return False
    near = sum(kink_distance(e, p[:n_vars]) < 4 * KINK_MARGIN for p in _PROBES)
    return near > len(_PROBES) // 4


def expressions(n_vars: int = 2, max_depth: int = 3, root: str | None = None) -> st.SearchStrategy:
    """Random trees over every row of ``PRIMITIVES`` in ``n_vars`` variables.

    ``root`` forces the top row (to give every row its own test).
    """
    names = tuple(sorted(PRIMITIVES))
    if root is None:
        tree = _tree(n_vars, max_depth, None, names)
    else:
        tree = st.tuples(*(_tree(n_vars, max_depth - 1, iv, names) for iv in intervals(root))).map(
            lambda args: Op(root, args)
        )
    return tree.filter(lambda e: not degenerate(e, n_vars))


def points(e: Expr, n_vars: int) -> st.SearchStrategy:
    """Points of the box at least :data:`KINK_MARGIN` away from every kink of ``e``."""
    coord = st.floats(*VAR_BOX, allow_nan=False, allow_infinity=False)
    return st.tuples(*[coord] * n_vars).filter(lambda p: kink_distance(e, p) > KINK_MARGIN)


@st.composite
def expression_and_point(
    draw: st.DrawFn, n_vars: int = 2, max_depth: int = 3, root: str | None = None
) -> tuple[Expr, tuple[float, ...]]:
    """A tree and an in-domain point away from its kinks."""
    e = draw(expressions(n_vars, max_depth, root))
    return e, draw(points(e, n_vars))


def row_expression(name: str, n_vars: int = 2) -> Op:
    """Row ``name`` on the variables, each squashed (by sin) into its slot only where the box is not inside it."""
    args = []
    for i, iv in enumerate(intervals(name)):
        v: Expr = Var(i % n_vars)
        args.append(v if _inside(VAR_BOX, iv) else squash(v, iv, "sin"))
    return Op(name, tuple(args))


# -- oracles --------------------------------------------------------------------


def real_form(expr: sympy.Expr) -> sympy.Expr:
    """``expr`` with every ``Abs(z)`` written ``sqrt(z**2)``: equal for real z, and differentiable by SymPy.

    SymPy cannot always prove a subexpression real (``acos(u)`` is complex for
    |u| > 1), and then differentiates ``Abs(z)`` through ``re z`` and ``im z``,
    leaving ``Derivative(sign(z), x)`` unevaluated in second derivatives.  Our
    subexpressions are real by construction, so the rewrite is exact; where
    SymPy does know z is real, ``sqrt(z**2)`` folds back to ``Abs(z)``.
    """
    return expr.replace(sympy.Abs, lambda z: sympy.sqrt(z**2))


def real_diff(expr: sympy.Expr, *variables: sympy.Symbol) -> sympy.Expr:
    """``sympy.diff`` of :func:`real_form` by each variable in turn (faster than ``diff(e, x, 2)``)."""
    expr = real_form(expr)
    for v in variables:
        expr = sympy.diff(expr, v)
    return expr


def sympy_value(expr: sympy.Expr, symbols: Sequence[sympy.Symbol], point: Sequence[float]) -> float:
    """``expr`` at ``point``, substituted exactly and evaluated to 30 digits."""
    subs = {s: sympy.Float(x, 30) for s, x in zip(symbols, point, strict=True)}
    return float(sympy.sympify(expr).xreplace(subs).evalf(30))


def central_difference(f: Callable[..., Any], point: Sequence[float], i: int, h: float = 1e-6) -> float:
    """(f(x + h eᵢ) − f(x − h eᵢ)) / 2h on plain floats."""
    up, down = list(point), list(point)
    up[i] += h
    down[i] -= h
    return (float(f(*up)) - float(f(*down))) / (2 * h)
