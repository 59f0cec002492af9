"""Moved to :mod:`semiring_ad.ad.dual`; this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .ad.dual import DUAL, Dual, derivative, dual_equal

__all__ = [
    "DUAL",
    "Dual",
    "derivative",
    "dual_equal",
]
