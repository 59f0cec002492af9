"""The primitive table: every elementary operation, its value rule and its local partials.

This module owns the rules of differentiation, as data, and the machinery
that registers them.  One :class:`Primitive` row per operation holds a value
rule and one partial per argument, each written once against a math
namespace ``m`` (:mod:`semiring_ad.ad.namespaces`), so the same row yields
float, NumPy, SymPy and dual-number edge weights.  The built-in rows are in
:mod:`semiring_ad.ad.rules`; evaluation and dispatch are in
:mod:`semiring_ad.ad.dispatch`.

Tracing (edges weighted by partials), SymPy parsing, dual numbers and the
public math functions all read this table; nothing else knows a derivative.
A new primitive is one :func:`register_primitive` call, and the tests check it
against ``sympy.diff`` and finite differences automatically.

>>> from semiring_ad.ad.dispatch import local_partials
>>> local_partials("sin", 0.0)
(0.0, (1.0,))
>>> import sympy
>>> x = sympy.Symbol("x")
>>> local_partials("tanh", x)
(tanh(x), (1 - tanh(x)**2,))
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import SemiringADError, UnknownPrimitiveError

__all__ = [
    "PRIMITIVES", "SYMPY_FUNCTIONS", "UFUNCS", "Primitive", "SympyFunction", "get_primitive",
    "on_replace", "primitive_of_ufunc", "register_primitive", "sympy_class",
]  # fmt: skip


@dataclass(frozen=True)
class Primitive:
    """One row of the primitive table.

    Attributes
    ----------
    name : str
        The operation's name, e.g. ``"sin"``.
    arity : int
        Number of arguments; ``len(partials) == arity``.
    value : callable
        ``value(m, *args)``: the result, written against a math namespace ``m``.
    partials : tuple of callable
        ``partials[i](m, *args, out)``: ∂out/∂args[i], reusing the computed
        value ``out`` where it helps (``exp`` -> ``out``).
    sympy : callable
        Builds the SymPy counterpart from SymPy arguments: a SymPy class
        (``sympy.sin``), a :class:`SympyFunction` naming one, or a function.
    ufunc : numpy.ufunc or None
        The NumPy ufunc counterpart, if any.
    doc : str
        One line; states the domain and, for kinks, the convention.

    Examples
    --------
    >>> cube = Primitive("cube", 1, lambda m, x: x * x * x, (lambda m, x, out: 3 * x * x,),
    ...                  lambda x: x**3, None, "x**3.")
    >>> from semiring_ad.ad.namespaces import FLOAT
    >>> cube.value(FLOAT, 2.0), cube.partials[0](FLOAT, 2.0, 8.0)
    (8.0, 12.0)
    """

    name: str
    arity: int
    value: Callable[..., Any]
    partials: tuple[Callable[..., Any], ...]
    sympy: Callable[..., Any]
    ufunc: np.ufunc | None = None
    doc: str = ""

    def __post_init__(self) -> None:
        if len(self.partials) != self.arity:
            raise SemiringADError(
                f"primitive {self.name!r} has arity {self.arity} but {len(self.partials)} partial rule(s); "
                "give exactly one partial per argument"
            )
        if "\n" in self.doc:
            raise SemiringADError(f"primitive {self.name!r}: doc must be one line")


class SympyFunction:
    """A SymPy function or class named by its attribute (``SympyFunction("sin")`` is ``sympy.sin``).

    Calling it imports SymPy on first use and forwards the call, so the
    built-in table does not import SymPy with the library.

    >>> SympyFunction("Abs")(-3)
    3
    >>> SympyFunction("Abs").resolve().__name__
    'Abs'
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def resolve(self) -> Any:
        """The SymPy object itself (imports SymPy)."""
        import sympy

        return getattr(sympy, self.name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.resolve()(*args, **kwargs)

    def __repr__(self) -> str:
        return f"sympy.{self.name}"


def sympy_class(prim: Primitive) -> type | None:
    """The SymPy class that builds ``prim``'s counterpart (``sympy.sin``), or None for a lambda.

    >>> from semiring_ad.ad.primitives import PRIMITIVES
    >>> sympy_class(PRIMITIVES["sin"]).__name__, sympy_class(PRIMITIVES["square"])
    ('sin', None)
    """
    fn = prim.sympy.resolve() if isinstance(prim.sympy, SympyFunction) else prim.sympy
    sympy = sys.modules.get("sympy")
    if sympy is not None and isinstance(fn, type) and issubclass(fn, sympy.Basic):
        return fn
    return None


class _Table(dict):
    """The table: a dict that counts its changes (``version``) and tells :func:`on_replace`'s listeners.

    Assigning or deleting a row (``PRIMITIVES[name] = row``, ``del``; also what
    ``monkeypatch.setitem`` does) counts; ``update``/``pop`` bypass the hook.
    """

    version = 0

    def __setitem__(self, name: str, prim: Primitive) -> None:
        old = self.get(name)
        super().__setitem__(name, prim)
        if old is not None and old is not prim:
            self._changed(name)

    def __delitem__(self, name: str) -> None:
        super().__delitem__(name)
        self._changed(name)

    def _changed(self, name: str) -> None:
        self.version += 1
        for listener in _ON_REPLACE:
            listener(name)


PRIMITIVES: dict[str, Primitive] = _Table()
"""The primitive table, by name.  Add rows with :func:`register_primitive`."""


class _SympyFunctions(Mapping):
    """SymPy class -> primitive name, worked out from the table on first read (it needs SymPy)."""

    def __init__(self) -> None:
        self._map: dict[type, str] | None = None

    def _built(self) -> dict[type, str]:
        if self._map is None:
            self._map = {}
            for prim in PRIMITIVES.values():
                cls = sympy_class(prim)
                if cls is not None:
                    self._map.setdefault(cls, prim.name)
        return self._map

    def invalidate(self) -> None:
        self._map = None

    def __getitem__(self, cls: type) -> str:
        return self._built()[cls]

    def __iter__(self) -> Iterator[type]:
        return iter(self._built())

    def __len__(self) -> int:
        return len(self._built())

    def __contains__(self, cls: object) -> bool:
        return cls in self._built()


SYMPY_FUNCTIONS: Mapping[type, str] = _SympyFunctions()
"""SymPy function classes -> primitive names (``sympy.sin`` -> ``"sin"``), built on first read.
``Add``, ``Mul``, ``Max`` and ``Min`` are n-ary in SymPy: fold their
arguments left with the binary primitive."""

UFUNCS: dict[np.ufunc, str] = {}
"""NumPy ufuncs -> primitive names (``np.sin`` -> ``"sin"``, ``np.absolute`` -> ``"abs"``).
Ufuncs of modules the library does not import (``scipy.special.expit``) are
added by :func:`primitive_of_ufunc` once their module is loaded."""

_LAZY_UFUNCS: dict[tuple[str, str], str] = {("scipy.special", "expit"): "sigmoid"}


def primitive_of_ufunc(ufunc: Any) -> str | None:
    """The primitive name of a ufunc, or None.

    >>> import numpy as np
    >>> primitive_of_ufunc(np.sin), primitive_of_ufunc(np.floor)
    ('sin', None)
    """
    name = UFUNCS.get(ufunc)
    if name is None and _LAZY_UFUNCS:
        for (module, attr), prim_name in list(_LAZY_UFUNCS.items()):
            loaded = sys.modules.get(module)
            if loaded is not None:
                UFUNCS.setdefault(getattr(loaded, attr), prim_name)
                del _LAZY_UFUNCS[(module, attr)]
        name = UFUNCS.get(ufunc)
    return name


_ON_REPLACE: list[Callable[[str], None]] = []


def on_replace(listener: Callable[[str], None]) -> None:
    """Call ``listener(name)`` whenever a row of the table is replaced or deleted (the fast paths step aside).

    >>> seen = []
    >>> on_replace(seen.append)
    >>> cube = Primitive("cube", 1, lambda m, x: x * x * x, (lambda m, x, out: 3 * x * x,), lambda x: x**3)
    >>> _ = register_primitive(cube)
    >>> _ = register_primitive(Primitive("cube", 1, cube.value, cube.partials, cube.sympy), replace=True)
    >>> del PRIMITIVES["cube"]; _ON_REPLACE.remove(seen.append)
    >>> seen
    ['cube', 'cube']
    """
    _ON_REPLACE.append(listener)


def register_primitive(prim: Primitive, *, replace: bool = False) -> Primitive:
    """Add a row to the table (and its ufunc / SymPy class to the lookup maps).

    Raises
    ------
    SemiringADError
        If a row of that name exists and ``replace`` is false.

    Examples
    --------
    >>> from semiring_ad.ad.dispatch import local_partials
    >>> cube = Primitive("cube", 1, lambda m, x: x * x * x, (lambda m, x, out: 3 * x * x,),
    ...                  lambda x: x**3, None, "x**3.")
    >>> _ = register_primitive(cube)
    >>> local_partials("cube", 2.0)
    (8.0, (12.0,))
    >>> del PRIMITIVES["cube"]
    """
    if not isinstance(prim, Primitive):
        raise TypeError(f"register_primitive expects a Primitive, got {type(prim).__name__}")
    if prim.name in PRIMITIVES and not replace:
        raise SemiringADError(f"primitive {prim.name!r} is already registered; pass replace=True to overwrite it")
    PRIMITIVES[prim.name] = prim  # a replaced row tells the listeners (_Table)
    if prim.ufunc is not None:
        UFUNCS.setdefault(prim.ufunc, prim.name)
    SYMPY_FUNCTIONS.invalidate()  # type: ignore[attr-defined]
    return prim


def get_primitive(name: str) -> Primitive:
    """The row named ``name``.

    Raises
    ------
    UnknownPrimitiveError
        Naming the unknown operation, the known ones and how to add a row.

    Examples
    --------
    >>> get_primitive("sin").doc
    'sine.'
    """
    try:
        return PRIMITIVES[name]
    except (KeyError, TypeError):
        raise UnknownPrimitiveError(
            f"unknown primitive {name!r}; known primitives: {', '.join(sorted(PRIMITIVES))}. "
            "To add one, register a row: register_primitive(Primitive(name, arity, value, partials, sympy, "
            "ufunc, doc)) from semiring_ad.ad.primitives"
        ) from None
