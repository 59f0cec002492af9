"""The built-in semirings and the registry that finds them by name.

Each instance's docstring states its tuple (⊕, ⊗, 0, 1) and what an answer
means.  Adding a semiring is one instance and, if it should be found by name,
one entry in :data:`SEMIRINGS`; the test suite picks up every registered
instance.  :data:`SYMBOLIC` is built on first use, so that importing the
library does not import SymPy.
"""

from __future__ import annotations

import math
import operator
from typing import Any

import numpy as np

from ..errors import UnknownSemiringError
from .pathsets import PATHS_LIMIT, PathBudget
from .registry import SemiringRegistry
from .semiring import Kernels, Semiring
from .stars import _log_star, _max_plus_star, _max_times_star, _min_plus_star, _or_star, _real_star, _signed_log_star

__all__ = [
    "COUNTING",
    "LOG",
    "MAX_PLUS",
    "MAX_TIMES",
    "MIN_PLUS",
    "OR_AND",
    "PATHS",
    "PLUS_TIMES",
    "SEMIRINGS",
    "SIGNED_LOG",
    "SemiringRegistry",
    "SYMBOLIC",  # noqa: F822  (built on first use by the module __getattr__ below)
    "get_semiring",
    "path_weight",
    "paths_semiring",
    "signed_log",
]


def _logaddexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    if a < b:
        a, b = b, a
    return a + math.log1p(math.exp(b - a))


def _or(a: Any, b: Any) -> Any:
    return a | b


def _and(a: Any, b: Any) -> Any:
    return a & b


def _union(a: frozenset, b: frozenset) -> frozenset:
    return a | b


def _concat(a: frozenset, b: frozenset) -> frozenset:
    return frozenset(p + q for p in a for q in b)



def _symbolic_equal(a: Any, b: Any) -> bool:
    import sympy

    d = sympy.expand(a - b)
    return d == 0 or sympy.cancel(sympy.together(d)) == 0  # rational functions (stars) need cancel


def path_weight(u: Any, v: Any, data: Any = None) -> frozenset:
    """Edge weight for :data:`PATHS`: the set holding the one-edge path ``((u, v),)``.

    Pass it as ``weight=path_weight`` to any solver.

    >>> sorted(path_weight("a", "b"))
    [(('a', 'b'),)]
    """
    return frozenset({((u, v),)})


_NUMBER = (int, float, np.integer, np.floating)


def _is_number(w: Any) -> bool:
    return isinstance(w, _NUMBER) and not isinstance(w, (bool, np.bool_))


def _lift_count(w: Any, edge: tuple) -> Any:
    """Integers are multiplicities; any other real number is not a count: the edge counts once."""
    if isinstance(w, (int, np.integer)) and not isinstance(w, (bool, np.bool_)):
        return w
    return 1 if _is_number(w) else None


def _lift_bool(w: Any, edge: tuple) -> Any:
    """Booleans as they are; a number only says the edge exists."""
    if isinstance(w, (bool, np.bool_)):
        return w
    return True if _is_number(w) else None


def _lift_path(w: Any, edge: tuple) -> Any:
    """Sets of paths as they are; a number stands for the edge itself (:func:`path_weight`)."""
    if isinstance(w, frozenset):
        return w
    return frozenset({(tuple(edge),)}) if _is_number(w) or isinstance(w, bool) else None


PLUS_TIMES = Semiring(
    "plus_times",
    operator.add,
    operator.mul,
    0,
    1,
    description="sum over paths of the product of weights (derivatives, (I - A)^-1)",
    notation=("+", "×", "0", "1"),
    kernels=Kernels(np.add, np.multiply, np.float64),
    star=_real_star,
)
"""(+, ×, 0, 1) over anything that adds and multiplies: floats, ints,
Fractions, complex numbers, NumPy arrays.  Bauer's formula: the answer is the
derivative when weights are local partials."""

COUNTING = Semiring(
    "counting",
    operator.add,
    operator.mul,
    0,
    1,
    description="number of paths (with unit weights), exact: Python ints never overflow",
    notation=("+", "×", "0", "1"),
    kernels=Kernels(np.add, np.multiply, np.int64),
    lift=_lift_count,
)
"""(+, ×, 0, 1) on exact Python integers; with weight 1 on every edge the
answer is the number of paths.  Integer weights are multiplicities; the
solvers read any other numeric weight (a length, a probability) as 1, so a
weighted graph gives its number of paths."""

MIN_PLUS = Semiring(
    "min_plus",
    min,
    operator.add,
    math.inf,
    0.0,
    idempotent=True,
    description="length of the shortest path",
    notation=("min", "+", "inf", "0"),
    kernels=Kernels(np.minimum, np.add, np.float64),
    star=_min_plus_star,
)
"""(min, +, +inf, 0), the tropical semiring: shortest path lengths."""

MAX_PLUS = Semiring(
    "max_plus",
    max,
    operator.add,
    -math.inf,
    0.0,
    idempotent=True,
    description="length of the longest (critical) path",
    notation=("max", "+", "-inf", "0"),
    kernels=Kernels(np.maximum, np.add, np.float64),
    star=_max_plus_star,
)
"""(max, +, -inf, 0): longest/critical path lengths (``nx.dag_longest_path_length``)."""

MAX_TIMES = Semiring(
    "max_times",
    max,
    operator.mul,
    0.0,
    1.0,
    idempotent=True,
    description="probability of the most probable path (Viterbi), weights >= 0",
    notation=("max", "×", "0", "1"),
    kernels=Kernels(np.maximum, np.multiply, np.float64),
    star=_max_times_star,
)
"""(max, ×, 0, 1) on non-negative reals: the Viterbi semiring."""

OR_AND = Semiring(
    "or_and",
    _or,
    _and,
    False,
    True,
    idempotent=True,
    description="whether any path exists (reachability, sparsity patterns)",
    notation=("or", "and", "False", "True"),
    kernels=Kernels(np.logical_or, np.logical_and, np.bool_),
    star=_or_star,
    lift=_lift_bool,
)
"""(or, and, False, True), the Boolean semiring: reachability.  Weights are bools;
the solvers read a numeric weight as True (the edge exists)."""

LOG = Semiring(
    "log",
    _logaddexp,
    operator.add,
    -math.inf,
    0.0,
    description="log of the sum over paths of the product of exp(weights), without overflow",
    notation=("logaddexp", "+", "-inf", "0"),
    kernels=Kernels(np.logaddexp, np.add, np.float64),
    star=_log_star,
)
"""(logaddexp, +, -inf, 0): PLUS_TIMES on logarithms.  Weights are log-weights."""

def _signed_logaddexp(a: tuple[int, float], b: tuple[int, float]) -> tuple[int, float]:
    (sa, la), (sb, lb) = a, b
    if sa == 0:
        return b
    if sb == 0:
        return a
    if la < lb:
        (sa, la), (sb, lb) = (sb, lb), (sa, la)
    if sa == sb:
        return (sa, la + math.log1p(math.exp(lb - la)))
    rest = -math.expm1(lb - la)  # 1 - |b|/|a|, accurate when they nearly cancel
    if rest <= 0.0:
        return (0, -math.inf)
    return (sa, la + math.log(rest))


def _signed_log_times(a: tuple[int, float], b: tuple[int, float]) -> tuple[int, float]:
    sign = a[0] * b[0]
    return (sign, a[1] + b[1]) if sign else (0, -math.inf)


def _signed_log_equal(a: tuple[int, float], b: tuple[int, float]) -> bool:
    (sa, la), (sb, lb) = a, b
    if max(la, lb) < 700:  # representable: compare the numbers themselves
        return math.isclose(sa * math.exp(la), sb * math.exp(lb), rel_tol=1e-9, abs_tol=1e-12)
    return sa == sb and math.isclose(la, lb, rel_tol=1e-12, abs_tol=1e-9)


def signed_log(x: float) -> tuple[int, float]:
    """A real number as a :data:`SIGNED_LOG` value ``(sign, log|x|)``.

    >>> signed_log(-2.0)
    (-1, 0.6931471805599453)
    >>> signed_log(0.0)
    (0, -inf)
    """
    if x == 0:
        return (0, -math.inf)
    return (1 if x > 0 else -1, math.log(abs(x)))


def _lift_signed_log(w: Any, edge: tuple) -> Any:
    """(sign, log|x|) pairs as they are; a real number through :func:`signed_log`."""
    if isinstance(w, tuple) and len(w) == 2:
        return w
    return signed_log(float(w)) if _is_number(w) else None


SIGNED_LOG = Semiring(
    "signed_log",
    _signed_logaddexp,
    _signed_log_times,
    (0, -math.inf),
    (1, 0.0),
    description="sum over paths of products of signed weights, as (sign, log|value|): no overflow",
    notation=("signed logaddexp", "(×, +)", "(0, -inf)", "(1, 0)"),
    equal=_signed_log_equal,
    star=_signed_log_star,
    lift=_lift_signed_log,
)
"""PLUS_TIMES on (sign, log|x|) pairs: products of thousands of factors neither
overflow nor lose their sign.  The solvers convert numeric weights with
:func:`signed_log`.  The
derivative of the logistic map over 10^4 steps (seed 003) is one example:
``log|d l_N / d l_0| / N`` tends to the Lyapunov exponent ln 2."""

def paths_semiring(limit: int | None = PATHS_LIMIT) -> Semiring:
    """The free semiring of :data:`PATHS`, refusing sweeps that would store more than ``limit`` paths + edges.

    Every node a sweep reaches keeps its set of paths, so the memory grows
    with the number of paths times their length (quadratic on a chain,
    exponential on a ladder of diamonds).  Before each sweep the solver checks
    the exact size (see :mod:`semiring_ad.core.pathsets`) and raises
    :class:`~semiring_ad.errors.EnumerationLimitError` past ``limit``;
    ``limit=None`` removes the guard.

    >>> import networkx as nx
    >>> from semiring_ad import path_sum, EnumerationLimitError
    >>> ladder = nx.DiGraph()
    >>> for k in range(30):  # 30 diamonds in a row: 2**30 paths
    ...     ladder.add_edges_from([(k, (k, "up")), (k, (k, "down")), ((k, "up"), k + 1), ((k, "down"), k + 1)])
    >>> try:
    ...     path_sum(ladder, PATHS, 0, 30, weight=path_weight)
    ... except EnumerationLimitError as e:
    ...     print(str(e)[:70])
    a PATHS sweep would store more than limit=2000000 paths and edges (at
    >>> len(path_sum(ladder, paths_semiring(limit=10**7), 0, 12, weight=path_weight))
    4096
    """
    return Semiring(
        "paths",
        _union,
        _concat,
        frozenset(),
        frozenset({()}),
        commutative=False,
        idempotent=True,
        description="the set of paths itself (the free semiring); weight edges with path_weight",
        notation=("∪", "concat", "{}", "{()}"),
        lift=_lift_path,
        guard=None if limit is None else PathBudget(limit),
    )


PATHS = paths_semiring()
"""The free semiring: a value is a frozenset of paths (tuples of edges); ⊕ is
union, ⊗ concatenates each path of the left operand with each of the right.
⊗ does not commute, so it checks that products keep path order.  A sweep that
would store more than 2·10^6 paths + edges raises
:class:`~semiring_ad.errors.EnumerationLimitError`; :func:`paths_semiring`
sets another limit.  The solvers read a numeric weight as the edge itself (as
:func:`path_weight` does)."""


def _make_symbolic() -> Semiring:
    import sympy  # on first use: SymPy takes longer to import than the rest of the library

    return Semiring(
        "symbolic",
        operator.add,
        operator.mul,
        sympy.S.Zero,
        sympy.S.One,
        description="the sum of products as a SymPy expression",
        notation=("+", "×", "0", "1"),
        equal=_symbolic_equal,
        star=lambda a: _real_star(a, "symbolic"),
    )


SEMIRINGS = SemiringRegistry(
    {s.name: s for s in (PLUS_TIMES, COUNTING, MIN_PLUS, MAX_PLUS, MAX_TIMES, OR_AND, LOG, SIGNED_LOG)}
)
"""Registry of the built-in semirings by lowercase name."""
SEMIRINGS.register_lazy("symbolic", _make_symbolic)
SEMIRINGS["paths"] = PATHS


def __getattr__(name: str) -> Any:
    if name == "SYMBOLIC":  # (+, ×, S.Zero, S.One) on SymPy expressions, built on first use
        return SEMIRINGS["symbolic"]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_semiring(semiring: str | Semiring) -> Semiring:
    """Return ``semiring`` itself, or the registered semiring of that name.

    >>> get_semiring("min_plus") is MIN_PLUS
    True
    """
    if isinstance(semiring, Semiring):
        return semiring
    key = str(semiring).lower().replace("-", "_")
    try:
        return SEMIRINGS[key]
    except KeyError:
        raise UnknownSemiringError(
            f"unknown semiring {semiring!r}; expected one of {', '.join(sorted(SEMIRINGS))} "
            "or a Semiring instance"
        ) from None
