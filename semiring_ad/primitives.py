"""Moved to :mod:`semiring_ad.ad.namespaces` and :mod:`semiring_ad.ad.dispatch` and :mod:`semiring_ad.ad.primitives`;
this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .ad.dispatch import GENERIC, evaluate, local_partials, namespace_for
from .ad.namespaces import FLOAT, NAMESPACE_FUNCTIONS, NUMPY, SYMPY, MathNamespace
from .ad.primitives import PRIMITIVES, SYMPY_FUNCTIONS, UFUNCS, Primitive, get_primitive, register_primitive

__all__ = [
    "FLOAT",
    "GENERIC",
    "MathNamespace",
    "NAMESPACE_FUNCTIONS",
    "NUMPY",
    "PRIMITIVES",
    "Primitive",
    "SYMPY",
    "SYMPY_FUNCTIONS",
    "UFUNCS",
    "evaluate",
    "get_primitive",
    "local_partials",
    "namespace_for",
    "register_primitive",
]
