"""Moved to :mod:`semiring_ad.core.graph`; this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .core.graph import CompiledGraph, WeightSpec, compile_graph

__all__ = [
    "CompiledGraph",
    "WeightSpec",
    "compile_graph",
]
