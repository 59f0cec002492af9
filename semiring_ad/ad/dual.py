"""Dual numbers: differentiation arithmetic, an independent forward mode.

A :class:`Dual` ``a + b·ε`` (with ε² = 0) carries a value and a tangent.
Every operation on it goes through the primitive table
(:func:`semiring_ad.ad.dispatch.apply`), so each primitive works on duals with
no rule written here: the result's tangent is Σᵢ ∂out/∂argᵢ · tangentᵢ.
Arguments whose tangent is exactly zero are skipped, so ``x ** 3`` never
asks for ``log(x)``.

Nesting: a dual belongs to a *level*.  Duals of the same level share one ε;
a primitive applied to duals of several levels is handled by the highest,
which treats the others as constants (their values flow through the rules,
which then dispatch on them).  :func:`derivative` takes a fresh, higher level
for each call, which avoids Siskind and Pearlmutter's perturbation confusion.

This module also owns :data:`DUAL`, the semiring of dual numbers under + and ×:
a backward sweep over dual-valued edge weights yields Hessian-vector products.

>>> from semiring_ad.core.semiring import check_laws
>>> DUAL.times(Dual(3.0, 1.0), 2.0), DUAL.plus(Dual(3.0, 1.0), Dual(1.0, 1.0))
(Dual(6.0, 2.0), Dual(4.0, 2.0))
>>> check_laws(DUAL, [Dual(0, 0), Dual(2.0, -1.5), Dual(-0.5, 3.0), 2.0])
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable
from typing import Any

import numpy as np

from .._sympy import is_sympy
from ..core.semiring import Semiring
from ..core.semirings import SEMIRINGS
from ..errors import NoStarError
from . import rules  # noqa: F401  (fills the table Dual's methods are generated from)
from .dispatch import apply, local_partials, new_level
from .finite import nonfinite, partial_error, point_error, value_error
from .primitives import PRIMITIVES, Primitive, primitive_of_ufunc
from .refusals import Refusing

__all__ = ["DUAL", "Dual", "derivative", "dual_equal"]


def _binary(name: str) -> tuple[Callable[[Dual, Any], Any], Callable[[Dual, Any], Any]]:
    """The operator method and its reflected twin, both routed through the table."""

    def method(self: Dual, other: Any) -> Any:
        return apply(name, self, other)

    def reflected(self: Dual, other: Any) -> Any:
        return apply(name, other, self)

    return method, reflected


def _unary(name: str) -> Callable[[Dual], Any]:
    def method(self: Dual) -> Any:
        return apply(name, self)

    method.__name__ = name
    method.__doc__ = f"``{name}`` of a dual number (lets NumPy object arrays of duals call it)."
    return method


def _compare(op: Callable[[Any, Any], bool]) -> Callable[[Dual, Any], bool]:
    def method(self: Dual, other: Any) -> bool:
        return op(self.value, other.value if isinstance(other, Dual) else other)

    return method


class Dual(Refusing):
    """A dual number ``value + tangent·ε`` of a given nesting ``level``.

    Parameters
    ----------
    value : float, numpy.ndarray, sympy.Expr, Dual of another level, ...
    tangent : same kinds, default 0
    level : int, default 0
        Duals of one level share one ε; the highest level handles a mixed call.

    Examples
    --------
    >>> from semiring_ad.ad.functions import sin
    >>> x = Dual(2.0, 1.0)
    >>> x * x + 3 * x
    Dual(10.0, 7.0)
    >>> sin(Dual(0.0, 1.0))
    Dual(0.0, 1.0)
    >>> Dual(2.0, 1.0) ** 3  # 3·x² tangent, without log(x)
    Dual(8.0, 12.0)

    ``float()``, ``int()``, ``complex()`` (hence ``math.sin``), ``%``, ``//``
    and ``round`` raise :class:`~semiring_ad.errors.TraceError`: they would
    drop the tangent (:mod:`semiring_ad.ad.refusals`); use ``.value``.
    """

    __slots__ = ("level", "tangent", "value")
    _what = "a dual number"
    _loses = "which would drop its tangent (the derivative)"

    def __init__(self, value: Any, tangent: Any = 0, level: int = 0) -> None:
        self.value = value
        self.tangent = tangent
        self.level = level

    @property
    def __semiring_ad_level__(self) -> int:
        return self.level

    def __semiring_ad_apply__(self, primitive: Primitive, args: tuple[Any, ...]) -> Dual:
        """Apply ``primitive``: value by its value rule, tangent by the chain rule."""
        level = self.level
        values, tangents = [], []
        for a in args:
            if isinstance(a, Dual) and a.level == level:
                values.append(a.value)
                tangents.append(a.tangent)
            else:  # a constant at this level (a plain number, or a dual of another level)
                values.append(a)
                tangents.append(0)
        wrt = [i for i, t in enumerate(tangents) if not _is_zero(t)]
        out, partials = local_partials(primitive, *values, wrt=wrt)
        if nonfinite(out) or any(nonfinite(p) for p in partials):  # the finiteness rule (ad.finite)
            _refuse(primitive, values, wrt, out, partials)
        tangent: Any = 0
        for k, (i, p) in enumerate(zip(wrt, partials, strict=True)):
            term = p * tangents[i]
            tangent = term if k == 0 else tangent + term
        return Dual(out, tangent, level)

    def __repr__(self) -> str:
        suffix = f", level={self.level}" if self.level else ""
        return f"Dual({self.value!r}, {self.tangent!r}{suffix})"

    def __bool__(self) -> bool:
        return bool(self.value)

    def __array_ufunc__(self, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """``np.sin(dual)`` and ``array + dual`` go through the table too."""
        name = primitive_of_ufunc(ufunc)
        if method != "__call__" or name is None or kwargs:
            return NotImplemented
        return apply(name, *inputs)

    __add__, __radd__ = _binary("add")
    __sub__, __rsub__ = _binary("subtract")
    __mul__, __rmul__ = _binary("multiply")
    __truediv__, __rtruediv__ = _binary("divide")
    __pow__, __rpow__ = _binary("power")
    __lt__, __le__ = _compare(operator.lt), _compare(operator.le)
    __gt__, __ge__ = _compare(operator.gt), _compare(operator.ge)
    __eq__, __ne__ = _compare(operator.eq), _compare(operator.ne)  # type: ignore[assignment]
    __hash__ = None  # type: ignore[assignment]  # equal by value, like the numbers it stands for

    def conjugate(self) -> Dual:
        """Dual numbers here are real: the conjugate is the number itself (lets ``np.var`` work)."""
        return self

    @property
    def real(self) -> Dual:
        """The real part: the dual number itself."""
        return self

    def __neg__(self) -> Any:
        return apply("negative", self)

    def __pos__(self) -> Dual:
        return self

    def __abs__(self) -> Any:
        return apply("abs", self)


def _refuse(primitive: Primitive, values: list, wrt: list, out: Any, partials: tuple) -> None:
    """Raise the finiteness rule's error (:mod:`semiring_ad.ad.finite`) for a non-finite value or partial."""
    if any(isinstance(v, np.ndarray) for v in values):
        raise point_error(primitive, values, wrt, None)
    if nonfinite(out):
        raise value_error(primitive, values, out)
    raise partial_error(primitive, values, next(k for k, p in zip(wrt, partials) if nonfinite(p)))


def _is_zero(t: Any) -> bool:
    """Whether a tangent is exactly zero (then its partial is never computed)."""
    if type(t) is float or type(t) is int:
        return t == 0
    if isinstance(t, Dual):
        return _is_zero(t.value) and _is_zero(t.tangent)
    if isinstance(t, np.ndarray):
        return t.dtype != object and not t.any()
    if isinstance(t, numbers.Number) or is_sympy(t):
        return bool(t == 0)
    return False


def _tangent_at(y: Any, level: int) -> Any:
    """The ε-coefficient of ``y`` for the ε of ``level`` (0.0 if ``y`` does not depend on it)."""
    if not isinstance(y, Dual) or y.level < level:
        return 0.0
    if y.level == level:
        return y.tangent
    return Dual(_tangent_at(y.value, level), _tangent_at(y.tangent, level), y.level)


def derivative(f: Callable[[Any], Any], x: Any, *, level: int | None = None) -> Any:
    """f'(x) by one evaluation of ``f`` on the dual number ``x + ε`` (forward mode).

    Independent of tracing and graphs: the chain rule runs inside the
    arithmetic.  Each call takes a fresh, higher level (unless ``level`` is
    given), so nested calls give higher derivatives and never confuse their
    perturbations.  For an array ``x`` and an elementwise ``f`` the result is
    elementwise.

    Examples
    --------
    >>> from semiring_ad.ad.functions import sin, cos
    >>> derivative(lambda x: x**3, 2.0)
    12.0
    >>> derivative(lambda x: derivative(lambda y: y**3, x), 2.0)
    12.0
    >>> derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 5.0)  # no perturbation confusion
    1
    """
    level = new_level() if level is None else level
    return _tangent_at(f(Dual(x, 1, level)), level)


def dual_equal(a: Any, b: Any, rel_tol: float = 1e-9, abs_tol: float = 1e-12) -> bool:
    """Whether two duals (or numbers, as duals with zero tangent) agree in value and tangent.

    >>> dual_equal(Dual(1.0, 2.0), Dual(1.0 + 1e-13, 2.0)), dual_equal(Dual(1.0, 2.0), 1.0)
    (True, False)
    """
    if isinstance(a, Dual) or isinstance(b, Dual):
        (av, at), (bv, bt) = _parts(a), _parts(b)
        return dual_equal(av, bv, rel_tol, abs_tol) and dual_equal(at, bt, rel_tol, abs_tol)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return bool(np.allclose(a, b, rtol=rel_tol, atol=abs_tol))
    if isinstance(a, numbers.Real) and isinstance(b, numbers.Real) and not is_sympy(a):
        return math.isclose(a, b, rel_tol=rel_tol, abs_tol=abs_tol)
    return bool(a == b)


def _parts(x: Any) -> tuple[Any, Any]:
    return (x.value, x.tangent) if isinstance(x, Dual) else (x, 0)


def _dual_star(a: Any) -> Any:
    """(a + bε)* = 1/(1 − a) + b/(1 − a)² ε: the geometric series 1 + x + x² + … of the dual x = a + bε.

    The dual numbers are a commutative ring in which 1 − x is invertible exactly when its real part
    1 − a is not 0, so the star exists for a ≠ 1 (at any nesting of levels: the real part is what counts).
    """
    real = a
    while isinstance(real, Dual):
        real = real.value
    if np.any(real == 1):
        raise NoStarError(f"dual has no finite star of {a!r} (its real part is 1: 1 - a has no inverse)",
                          semiring="dual", value=a)
    return 1 / (1 - a)


DUAL = Semiring(
    "dual",
    operator.add,
    operator.mul,
    Dual(0, 0),
    Dual(1, 0),
    description="dual numbers a + bε (ε² = 0): over dual edge weights the ε parts are directional "
    "derivatives of the path sums (Hessian-vector products in a backward sweep)",
    notation=("+", "×", "Dual(0, 0)", "Dual(1, 0)"),
    equal=dual_equal,
    star=_dual_star,
)
"""(+, ×, Dual(0, 0), Dual(1, 0)) on :class:`Dual` numbers; plain numbers act
as duals with zero tangent.  The star is (a + bε)* = 1/(1 − a) + b/(1 − a)² ε
(a ≠ 1): the derivative of the real star 1/(1 − a) carried along ε.

>>> DUAL.star(Dual(0.5, 1.0))
Dual(2.0, 4.0)
"""

SEMIRINGS["dual"] = DUAL

for _name in sorted(n for n, p in PRIMITIVES.items() if p.arity == 1 and p.ufunc is not None and p.ufunc.__name__ == n):
    setattr(Dual, _name, _unary(_name))
