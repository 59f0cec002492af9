"""The semiring type: what a weight is and how weights combine, and the law checker.

A :class:`Semiring` is a value (⊕, ⊗, 0, 1) plus two flags and, where they
exist, NumPy kernels for the vectorized backend.  Every algorithm in the
library takes the semiring as a parameter; nothing else knows which one it is
running.  This module is the bottom of the core layer
(semiring → semirings → graph → solver) and imports nothing from the package
but its exceptions.  The built-in instances live in
:mod:`semiring_ad.core.semirings`.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

import numpy as np

from ..errors import NoStarError, SemiringLawError

__all__ = ["Kernels", "OpCounter", "Semiring", "check_laws", "counted", "product"]


@dataclass(frozen=True)
class Kernels:
    """NumPy kernels of a semiring, used by the vectorized backend.

    ``plus`` must be a binary ufunc with ``reduceat`` (``np.add``,
    ``np.minimum``, ``np.logaddexp`` ...); ``times`` a binary ufunc; ``dtype``
    the array dtype that holds the semiring's values.
    """

    plus: np.ufunc
    times: np.ufunc
    dtype: Any


@dataclass
class OpCounter:
    """Mutable tally of the ⊕ and ⊗ operations a :func:`counted` semiring performed."""

    plus: int = 0
    times: int = 0
    multiply_adds: int = field(default=0, repr=False)
    """Scalar multiply-adds of the ⊗ operations, for semirings that state a ``cost`` (LINEAR)."""

    def reset(self) -> None:
        """Set the counts back to zero."""
        self.plus = 0
        self.times = 0
        self.multiply_adds = 0

    @property
    def total(self) -> int:
        """``plus + times``."""
        return self.plus + self.times


@dataclass(frozen=True, eq=False)
class Semiring:
    """A semiring (⊕, ⊗, 0, 1) as a value.

    Parameters
    ----------
    name : str
        Short name, shown in reprs and tables.
    plus, times : callable
        The binary operations ⊕ and ⊗.  ⊕ must be associative and
        commutative, ⊗ associative and distributive over ⊕; ⊗ need not commute.
    zero, one : object
        The identities of ⊕ and ⊗; ``zero`` annihilates under ⊗.
    commutative : bool
        Whether ⊗ commutes.  Solvers never rely on it; :func:`check_laws`
        tests it only when claimed.
    idempotent : bool
        Whether ``a ⊕ a == a`` (true for min, max, or, union).
    description : str
        What an answer in this semiring means, in one line.
    notation : tuple of str
        How to print (⊕, ⊗, 0, 1), e.g. ``("min", "+", "inf", "0")``.
    kernels : Kernels, optional
        NumPy ufuncs for the vectorized backend; ``None`` means the generic loop.
    equal : callable, optional
        Equality used by :func:`check_laws` (e.g. symbolic simplification);
        default is ``==`` with a float tolerance.
    counter : OpCounter, optional
        Set by :func:`counted`.
    guard : callable, optional
        Called by the solver as ``guard(cg, seeds, direction, active)`` before
        each sweep, to refuse one that cannot fit (see :data:`~semiring_ad.core.semirings.PATHS`).
    star : callable, optional
        The Kleene star a* = 1 ⊕ a ⊕ a⊗a ⊕ …, the path sum of any number of
        turns round a cycle of weight a.  It raises
        :class:`~semiring_ad.errors.NoStarError` where the sum is infinite.
        ``None`` (the default): cycles have no path sum in this semiring.
    cost : callable, optional
        ``cost(a, b)``: scalar multiply-adds that ``a ⊗ b`` performs;
        :func:`counted` adds it to ``counter.multiply_adds``.
    lift : callable, optional
        ``lift(weight, edge)``: the weight as a value of this semiring (the
        weight itself when it is one already), or ``None`` when it cannot be
        used.  The public solvers apply it to every edge of a graph; ``None``
        (the default) takes every weight as it is.

    Examples
    --------
    A user-defined semiring in a few lines — the widest-path (bottleneck)
    semiring (max, min, -inf, +inf):

    >>> import math
    >>> WIDEST = Semiring("max_min", max, min, -math.inf, math.inf,
    ...                   idempotent=True, description="width of the widest path")
    >>> WIDEST.sum([3, 7, 5]), WIDEST.prod([3, 7, 5])
    (7, 3)
    >>> check_laws(WIDEST, [1, 2, 3, -math.inf, math.inf])
    """

    name: str
    plus: Callable[[Any, Any], Any]
    times: Callable[[Any, Any], Any]
    zero: Any
    one: Any
    commutative: bool = True
    idempotent: bool = False
    description: str = ""
    notation: tuple[str, str, str, str] = ("⊕", "⊗", "0", "1")
    kernels: Kernels | None = None
    equal: Callable[[Any, Any], bool] | None = field(default=None, repr=False)
    counter: OpCounter | None = field(default=None, repr=False)
    guard: Callable[..., None] | None = field(default=None, repr=False)
    star: Callable[[Any], Any] | None = field(default=None, repr=False)
    cost: Callable[[Any, Any], int] | None = field(default=None, repr=False)
    lift: Callable[[Any, tuple], Any] | None = field(default=None, repr=False)

    def sum(self, values: Iterable[Any]) -> Any:
        """⊕ of all ``values`` (the semiring's zero for none), left to right."""
        acc = self.zero
        for v in values:
            acc = self.plus(acc, v)
        return acc

    def prod(self, values: Iterable[Any]) -> Any:
        """⊗ of all ``values`` in the given order (the semiring's one for none)."""
        acc = self.one
        for v in values:
            acc = self.times(acc, v)
        return acc

    def approx_equal(self, a: Any, b: Any, *, rel_tol: float = 1e-9, abs_tol: float = 1e-12) -> bool:
        """Whether ``a`` and ``b`` are equal values of this semiring.

        Uses ``equal`` when given, else ``==`` with a float tolerance
        (componentwise for arrays).

        >>> from semiring_ad import LOG
        >>> LOG.approx_equal(0.1 + 0.2, 0.3)
        True
        """
        return _equal(self, a, b, rel_tol, abs_tol)

    def __repr__(self) -> str:
        p, t, z, o = self.notation
        return f"<Semiring {self.name}: ({p}, {t}, {z}, {o})>"



def product(s: Semiring, t: Semiring) -> Semiring:
    """The product semiring S × T: pairs, combined componentwise.

    One sweep over pairs answers two questions at once.

    >>> from semiring_ad import COUNTING, MIN_PLUS
    >>> st = product(MIN_PLUS, COUNTING)
    >>> st.plus((2.0, 1), (3.0, 4)), st.times((2.0, 1), (3.0, 4))
    ((2.0, 5), (5.0, 4))
    """

    def plus(a: tuple, b: tuple) -> tuple:
        return (s.plus(a[0], b[0]), t.plus(a[1], b[1]))

    def times(a: tuple, b: tuple) -> tuple:
        return (s.times(a[0], b[0]), t.times(a[1], b[1]))

    def equal(a: tuple, b: tuple) -> bool:
        return _equal(s, a[0], b[0]) and _equal(t, a[1], b[1])

    def star(a: tuple) -> tuple:
        return (s.star(a[0]), t.star(a[1]))

    return Semiring(
        f"{s.name}×{t.name}",
        plus,
        times,
        (s.zero, t.zero),
        (s.one, t.one),
        commutative=s.commutative and t.commutative,
        idempotent=s.idempotent and t.idempotent,
        description=f"({s.description}; {t.description})",
        notation=tuple(f"({a}, {b})" for a, b in zip(s.notation, t.notation)),
        equal=equal,
        star=star if s.star is not None and t.star is not None else None,
    )


def counted(s: Semiring) -> Semiring:
    """The same semiring, counting every ⊕ and ⊗ it performs in ``.counter``.

    Counted semirings have no NumPy kernels, so solvers run the generic loop
    and every operation is seen.

    >>> from semiring_ad import PLUS_TIMES
    >>> c = counted(PLUS_TIMES)
    >>> c.plus(c.times(2, 3), 4)
    10
    >>> c.counter
    OpCounter(plus=1, times=1)
    """
    counter = OpCounter()
    cost = s.cost

    def plus(a: Any, b: Any) -> Any:
        counter.plus += 1
        return s.plus(a, b)

    def times(a: Any, b: Any) -> Any:
        counter.times += 1
        if cost is not None:
            counter.multiply_adds += cost(a, b)
        return s.times(a, b)

    return replace(s, name=f"counted({s.name})", plus=plus, times=times, kernels=None, counter=counter)


def _equal(s: Semiring, a: Any, b: Any, rel_tol: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    if s.equal is not None:
        return bool(s.equal(a, b))
    if isinstance(a, (float, int, Fraction)) and isinstance(b, (float, int, Fraction)):
        if isinstance(a, float) or isinstance(b, float):
            return a == b or math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
        return a == b
    if isinstance(a, complex) or isinstance(b, complex):
        return a == b or abs(a - b) <= max(rel_tol * max(abs(a), abs(b)), abs_tol)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.allclose(a, b, rtol=rel_tol, atol=abs_tol, equal_nan=False))
    return bool(a == b)


def check_laws(
    semiring: Semiring,
    samples: Sequence[Any],
    *,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-12,
) -> None:
    """Check the semiring laws on every pair and triple of ``samples``.

    Checks both identities, annihilation by 0, associativity of ⊕ and ⊗,
    commutativity of ⊕, both distributive laws, idempotence of ⊕ where
    claimed, commutativity of ⊗ only where claimed and, if the semiring has
    a star, a* = 1 ⊕ a ⊗ a* = 1 ⊕ a* ⊗ a on every sample whose star exists
    (the others must raise :class:`~semiring_ad.errors.NoStarError`).  Floats compare with
    ``math.isclose(rel_tol, abs_tol)`` (floating-point ⊕ and ⊗ are only
    approximately associative and distributive); ``semiring.equal`` overrides.

    Raises
    ------
    SemiringLawError
        Naming the first law that fails and the counterexample.

    Examples
    --------
    >>> import operator
    >>> from semiring_ad import MIN_PLUS
    >>> check_laws(MIN_PLUS, [0.0, 1.5, -2.0, math.inf])
    >>> BROKEN = Semiring("broken", max, operator.add, 0.0, 0.0)  # 0 is not max's identity
    >>> check_laws(BROKEN, [-1.0, 2.0])
    Traceback (most recent call last):
      ...
    semiring_ad.errors.SemiringLawError: broken violates the identity of ⊕ (0 ⊕ a = a = a ⊕ 0) for a=-1.0: got 0.0 and 0.0
    """
    s = semiring
    z, o = s.zero, s.one

    def eq(a: Any, b: Any) -> bool:
        return _equal(s, a, b, rel_tol, abs_tol)

    def fail(law: str, args: tuple, *got: Any) -> None:
        named = ", ".join(f"{n}={v!r}" for n, v in zip("abc", args))
        shown = " and ".join(repr(g) for g in got)
        raise SemiringLawError(f"{s.name} violates {law} for {named}: got {shown}", law, args)

    for a in samples:
        if not (eq(s.plus(z, a), a) and eq(s.plus(a, z), a)):
            fail("the identity of ⊕ (0 ⊕ a = a = a ⊕ 0)", (a,), s.plus(z, a), s.plus(a, z))
        if not (eq(s.times(o, a), a) and eq(s.times(a, o), a)):
            fail("the identity of ⊗ (1 ⊗ a = a = a ⊗ 1)", (a,), s.times(o, a), s.times(a, o))
        if not (eq(s.times(z, a), z) and eq(s.times(a, z), z)):
            fail("annihilation (0 ⊗ a = 0 = a ⊗ 0)", (a,), s.times(z, a), s.times(a, z))
        if s.idempotent and not eq(s.plus(a, a), a):
            fail("idempotence of ⊕ (a ⊕ a = a)", (a,), s.plus(a, a))
        _check_star(s, a, eq, fail)
    for a, b in itertools.product(samples, repeat=2):
        if not eq(s.plus(a, b), s.plus(b, a)):
            fail("commutativity of ⊕", (a, b), s.plus(a, b), s.plus(b, a))
        if s.commutative and not eq(s.times(a, b), s.times(b, a)):
            fail("commutativity of ⊗ (declared commutative=True)", (a, b), s.times(a, b), s.times(b, a))
    for a, b, c in itertools.product(samples, repeat=3):
        lhs, rhs = s.plus(s.plus(a, b), c), s.plus(a, s.plus(b, c))
        if not eq(lhs, rhs):
            fail("associativity of ⊕", (a, b, c), lhs, rhs)
        lhs, rhs = s.times(s.times(a, b), c), s.times(a, s.times(b, c))
        if not eq(lhs, rhs):
            fail("associativity of ⊗", (a, b, c), lhs, rhs)
        lhs, rhs = s.times(a, s.plus(b, c)), s.plus(s.times(a, b), s.times(a, c))
        if not eq(lhs, rhs):
            fail("left distributivity (a ⊗ (b ⊕ c) = a⊗b ⊕ a⊗c)", (a, b, c), lhs, rhs)
        lhs, rhs = s.times(s.plus(a, b), c), s.plus(s.times(a, c), s.times(b, c))
        if not eq(lhs, rhs):
            fail("right distributivity ((a ⊕ b) ⊗ c = a⊗c ⊕ b⊗c)", (a, b, c), lhs, rhs)


def _check_star(s: Semiring, a: Any, eq: Callable[[Any, Any], bool], fail: Callable[..., None]) -> None:
    """The star law a* = 1 ⊕ a ⊗ a* = 1 ⊕ a* ⊗ a, where a* exists."""
    if s.star is None:
        return
    try:
        st = s.star(a)
    except NoStarError:
        return
    left, right = s.plus(s.one, s.times(a, st)), s.plus(s.one, s.times(st, a))
    if not (eq(left, st) and eq(right, st)):
        fail("the star law (a* = 1 ⊕ a ⊗ a* = 1 ⊕ a* ⊗ a)", (a,), st, left, right)
