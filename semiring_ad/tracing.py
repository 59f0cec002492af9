"""Moved to :mod:`semiring_ad.ad.computation` and :mod:`semiring_ad.ad.tape` and :mod:`semiring_ad.ad.tracing`;
this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .ad.computation import ComputationGraph
from .ad.tape import Tape, Tracer
from .ad.tracing import trace

__all__ = [
    "ComputationGraph",
    "Tape",
    "Tracer",
    "trace",
]
