"""Moved to :mod:`semiring_ad.core.backends`; this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from ..core.backends import (
    NumpyBackend,
    ScipyBackend,
    SweepResult,
    VectorizedBackend,
    choose_backend,
    explain_backend,
)

__all__ = [
    "NumpyBackend",
    "ScipyBackend",
    "SweepResult",
    "VectorizedBackend",
    "choose_backend",
    "explain_backend",
]
