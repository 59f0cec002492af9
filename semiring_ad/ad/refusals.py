"""What traced values and dual numbers refuse, and the message that says what to do instead.

A :class:`~semiring_ad.ad.tape.Tracer` or a :class:`~semiring_ad.ad.dual.Dual`
stands for a real number *and its derivative*.  Anything that would keep the
number but lose the derivative is refused with
:class:`~semiring_ad.errors.TraceError` rather than allowed to give a
plausible wrong answer: ``float()``/``int()``/``complex()`` (which
``math.sin``, ``range`` and float NumPy arrays call), SymPy functions, the
piecewise-constant operators ``%``, ``//``, ``divmod``, ``round``,
``math.floor``/``ceil``/``trunc``, and complex numbers.  Both classes inherit
:class:`Refusing`.

>>> from semiring_ad.ad.dual import Dual
>>> import math
>>> math.sin(Dual(1.0, 1.0))
Traceback (most recent call last):
  ...
semiring_ad.errors.TraceError: a dual number was converted to float (by float(), int(), math.*, ...
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

import numpy as np

from ..errors import TraceError

__all__ = ["Refusing", "refuse_complex"]

_PIECEWISE = {
    "%": "x % y", "//": "x // y", "divmod": "divmod(x, y)", "round": "round(x)",
    "floor": "math.floor(x)", "ceil": "math.ceil(x)", "trunc": "math.trunc(x)",
}  # fmt: skip


def _called_from_sympy() -> bool:
    """Whether the conversion was asked for by SymPy (``sympy.sin(x)`` converts its argument)."""
    frame = sys._getframe(2)
    for _ in range(4):
        if frame is None:
            return False
        if str(frame.f_globals.get("__name__", "")).startswith("sympy"):
            return True
        frame = frame.f_back
    return False


class Refusing:
    """Mixin of the refused conversions and operators; ``_what`` names the value, ``_loses`` what is lost."""

    __slots__ = ()
    _what = "a traced value"
    _loses = "which would cut it out of the derivative"

    def __float__(self) -> NoReturn:
        if _called_from_sympy():
            raise TraceError(
                f"{self._what} was passed to a SymPy function (e.g. sympy.sin), {self._loses}; inside a "
                "differentiated function use semiring_ad's functions (semiring_ad.sin, ...), which accept "
                "traced values, floats and SymPy expressions alike; for a symbolic result call grad (or trace) "
                "at sympy.Symbol inputs, or use semiring_ad.symbolic_gradient"
            )
        raise TraceError(
            f"{self._what} was converted to float (by float(), int(), math.*, or a float NumPy array), "
            f"{self._loses}; use semiring_ad's functions (semiring_ad.sin, ...) or NumPy ufuncs on it, and "
            "object arrays (np.array(xs, dtype=object))"
        )

    def __int__(self) -> NoReturn:
        self.__float__()

    def __index__(self) -> NoReturn:
        self.__float__()

    def __complex__(self) -> NoReturn:
        raise TraceError(f"{self._what} was converted to complex, {self._loses}; semiring_ad differentiates "
                         "real functions: keep real and imaginary parts as two real values")

    def _piecewise(self, op: str) -> NoReturn:
        raise TraceError(
            f"{_PIECEWISE[op]} is not supported on {self._what}: it is piecewise constant in x, with jumps, so "
            "it has no useful derivative and no row in the primitive table.  Compute the integer part outside "
            "the differentiated function and pass it in (x - k * y with a constant k), or write the "
            "function with semiring_ad.maximum / minimum / abs, or register a primitive "
            "(semiring_ad.register_primitive) if you know the derivative you want"
        )

    def __mod__(self, other: Any) -> NoReturn:
        self._piecewise("%")

    def __rmod__(self, other: Any) -> NoReturn:
        self._piecewise("%")

    def __floordiv__(self, other: Any) -> NoReturn:
        self._piecewise("//")

    def __rfloordiv__(self, other: Any) -> NoReturn:
        self._piecewise("//")

    def __divmod__(self, other: Any) -> NoReturn:
        self._piecewise("divmod")

    def __rdivmod__(self, other: Any) -> NoReturn:
        self._piecewise("divmod")

    def __round__(self, ndigits: int | None = None) -> NoReturn:
        self._piecewise("round")

    def __floor__(self) -> NoReturn:
        self._piecewise("floor")

    def __ceil__(self) -> NoReturn:
        self._piecewise("ceil")

    def __trunc__(self) -> NoReturn:
        self._piecewise("trunc")


def refuse_complex(values: Any, role: str = "met a traced value") -> None:
    """Raise TraceError if one of ``values`` is a complex number (Python's or NumPy's) or a complex array."""
    for v in values:
        if isinstance(v, (complex, np.complexfloating)) or (isinstance(v, np.ndarray) and v.dtype.kind == "c"):
            raise TraceError(
                f"a complex number ({v!r}) {role}; semiring_ad differentiates real functions of real "
                "numbers only: split a complex quantity into its real and imaginary parts, two real values"
            )
