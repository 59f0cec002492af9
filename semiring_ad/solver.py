"""Moved to :mod:`semiring_ad.core.solver`; this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .core.solver import (
    BACKENDS,
    enumerate_paths,
    path_sum,
    register_backend,
    solve_backward,
    solve_forward,
    sweep,
)

__all__ = [
    "BACKENDS",
    "enumerate_paths",
    "path_sum",
    "register_backend",
    "solve_backward",
    "solve_forward",
    "sweep",
]
