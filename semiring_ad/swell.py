"""Moved to :mod:`semiring_ad.symbolic.swell`; this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .symbolic.swell import SwellRow, expression_swell, logistic_map, swell_table

__all__ = [
    "SwellRow",
    "expression_swell",
    "logistic_map",
    "swell_table",
]
