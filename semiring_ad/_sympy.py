"""SymPy on demand: ``import semiring_ad`` does not import SymPy.

SymPy takes longer to import than the rest of the library together, and most
calls (numeric AD, path solves, the command line's ``solve``) never touch it.
Code that may meet a SymPy object asks :func:`is_sympy`, which answers without
importing SymPy: if SymPy is not loaded, nothing can be a SymPy object.
Code that builds SymPy objects imports SymPy inside the function that does.

This module sits below every layer, beside :mod:`semiring_ad.errors`.

>>> is_sympy(1.0)
False
>>> import sympy
>>> is_sympy(sympy.Symbol("x")), is_symbol(sympy.Symbol("x")), is_symbol(sympy.Integer(2))
(True, True, False)
"""

from __future__ import annotations

import sys
from typing import Any

__all__ = ["is_symbol", "is_sympy", "sympy_module"]


def sympy_module() -> Any:
    """The ``sympy`` module, imported on the first call."""
    import sympy

    return sympy


def is_sympy(x: Any) -> bool:
    """Whether ``x`` is a SymPy object (``sympy.Basic``), without importing SymPy."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(x, sympy.Basic)


def is_symbol(x: Any) -> bool:
    """Whether ``x`` is a ``sympy.Symbol``, without importing SymPy."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(x, sympy.Symbol)
