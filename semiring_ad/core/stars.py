"""Kleene stars of the built-in semirings: the path sum of going round a cycle any number of times.

a* = 1 ⊕ a ⊕ a⊗a ⊕ … is what a self-loop of weight a contributes to every
path through its node, and the one operation a cyclic graph needs beyond
(⊕, ⊗, 0, 1) (Lehmann 1977; Tarjan 1981).  Where the sum is infinite the
star raises :class:`~semiring_ad.errors.NoStarError`; the solvers catch it and
name the cycle.

=============  ==================  ==========================
semiring       a*                  no finite star
=============  ==================  ==========================
PLUS_TIMES     1/(1 − a)           a = 1
LOG            −log(1 − exp a)     a ≥ 0
MIN_PLUS       0                   a < 0 (a negative cycle)
MAX_PLUS       0                   a > 0
MAX_TIMES      1                   a > 1
OR_AND         True                never
SIGNED_LOG     1/(1 − a)           a = 1
SYMBOLIC       1/(1 − a)           a = 1
DUAL           1/(1 − a) +         real part a = 1
               b/(1 − a)² ε        (ad/dual.py, a + bε)
COUNTING       —                   any cycle (infinitely many paths)
PATHS          —                   any cycle (an infinite set)
=============  ==================  ==========================

For PLUS_TIMES, 1/(1 − a) is the geometric series for |a| < 1 and its
analytic continuation (the unique solution of a* = 1 + a·a*) otherwise; the
matrix version is (I − A)^-1, which is what makes the implicit-function
theorem a star.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .._sympy import is_sympy
from ..errors import DomainError, NoStarError

__all__: list[str] = []


def _no_star(name: str, a: Any, why: str) -> NoStarError:
    return NoStarError(f"{name} has no finite star of {a!r} ({why})", semiring=name, value=a)


def _real_star(a: Any, name: str = "plus_times") -> Any:
    """1/(1 - a) for numbers, arrays (elementwise), SymPy expressions and traced values."""
    d = 1 - a
    if (isinstance(d, np.ndarray) and np.any(d == 0)) or (is_sympy(d) and d.expand() == 0):
        raise _no_star(name, a, "1 - a = 0: the loop's geometric series diverges")
    try:
        return 1 / d
    except (ZeroDivisionError, DomainError):
        raise _no_star(name, a, "1 - a = 0: the loop's geometric series diverges") from None


def _log_star(a: float) -> float:
    if a >= 0:
        raise _no_star("log", a, "a >= 0: exp(a) >= 1, so the geometric series diverges")
    return -math.log(-math.expm1(a))  # -log(1 - e^a), accurate for a near 0


def _min_plus_star(a: float) -> float:
    if a < 0:
        raise _no_star("min_plus", a, "a negative cycle: going round it again is always shorter")
    return 0.0


def _max_plus_star(a: float) -> float:
    if a > 0:
        raise _no_star("max_plus", a, "a positive cycle: going round it again is always longer")
    return 0.0


def _max_times_star(a: float) -> float:
    if a > 1:
        raise _no_star("max_times", a, "a cycle of weight > 1: going round it again always scores higher")
    return 1.0


def _or_star(a: Any) -> bool:
    return True


def _signed_log_star(a: tuple[int, float]) -> tuple[int, float]:
    """1/(1 - a) on (sign, log|x|) pairs, without leaving log space."""
    sign, mag = a
    if sign <= 0:  # 1 - a = 1 + |a| > 0
        one_minus = (1, mag + math.log1p(math.exp(-mag)) if mag > 0 else math.log1p(math.exp(mag)))
    elif mag < 0:  # 0 < a < 1
        one_minus = (1, math.log(-math.expm1(mag)))
    elif mag > 0:  # a > 1
        one_minus = (-1, mag + math.log(-math.expm1(-mag)))
    else:
        raise _no_star("signed_log", a, "1 - a = 0: the loop's geometric series diverges")
    return (one_minus[0], -one_minus[1])
