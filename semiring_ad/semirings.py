"""Moved to :mod:`semiring_ad.core.semiring` and :mod:`semiring_ad.core.semirings`;
this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .core.semiring import Kernels, OpCounter, Semiring, check_laws, counted, product
from .core.semirings import (
    COUNTING,
    LOG,
    MAX_PLUS,
    MAX_TIMES,
    MIN_PLUS,
    OR_AND,
    PATHS,
    PLUS_TIMES,
    SEMIRINGS,
    SIGNED_LOG,
    get_semiring,
    path_weight,
    signed_log,
)


def __getattr__(name: str) -> object:
    if name == "SYMBOLIC":  # built on first use: it needs SymPy
        from .core.semirings import SYMBOLIC

        return SYMBOLIC
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "COUNTING",
    "Kernels",
    "LOG",
    "MAX_PLUS",
    "MAX_TIMES",
    "MIN_PLUS",
    "OR_AND",
    "OpCounter",
    "PATHS",
    "PLUS_TIMES",
    "SEMIRINGS",
    "SIGNED_LOG",
    "SYMBOLIC",  # noqa: F822  (see __getattr__)
    "Semiring",
    "check_laws",
    "counted",
    "get_semiring",
    "path_weight",
    "product",
    "signed_log",
]
