"""Moved to :mod:`semiring_ad.views.analysis`; this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
"""

from .views.analysis import (
    DominantPath,
    Scored,
    dominant_paths,
    jacobian_sparsity,
    k_best,
    k_best_weight,
    log_abs,
    path_counts,
)

__all__ = [
    "DominantPath",
    "Scored",
    "dominant_paths",
    "jacobian_sparsity",
    "k_best",
    "k_best_weight",
    "log_abs",
    "path_counts",
]
