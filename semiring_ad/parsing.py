"""Moved to :mod:`semiring_ad.symbolic.parsing`; this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .symbolic.parsing import FUNCTIONS, parse_assignment, parse_expression

__all__ = [
    "FUNCTIONS",
    "parse_assignment",
    "parse_expression",
]
