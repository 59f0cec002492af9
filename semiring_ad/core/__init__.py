"""The path problem: semirings, edge-weighted DAGs and the sum-of-products solver.

This is the bottom layer.  It imports nothing from the rest of the package
but :mod:`semiring_ad.errors`; the AD front end, the SymPy front end and the
views are built on it.  Data flows semiring → graph → solver → backends:

* :mod:`~semiring_ad.core.semiring` — the :class:`Semiring` type, products,
  counting, and the law checker;
* :mod:`~semiring_ad.core.semirings` — the built-in instances and the
  :data:`SEMIRINGS` registry;
* :mod:`~semiring_ad.core.graph` — validation and the compiled array form;
* :mod:`~semiring_ad.core.solver` — forward and backward sweeps, path sums,
  path enumeration and the backend registry;
* :mod:`~semiring_ad.core.results` — the array-backed node → value mapping
  the solvers return;
* :mod:`~semiring_ad.core.backends` — the vectorized NumPy/SciPy backends
  (registered when this package is imported).
"""

from .backends import SweepResult, choose_backend, explain_backend  # registers the vectorized backends
from .graph import CompiledGraph, WeightSpec, compile_graph
from .results import NodeValues
from .semiring import Kernels, OpCounter, Semiring, check_laws, counted, product
from .semirings import (
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
from .solver import BACKENDS, enumerate_paths, path_sum, register_backend, solve_backward, solve_forward, sweep

__all__ = [
    "BACKENDS",
    "COUNTING",
    "LOG",
    "MAX_PLUS",
    "MAX_TIMES",
    "MIN_PLUS",
    "OR_AND",
    "PATHS",
    "PLUS_TIMES",
    "SEMIRINGS",
    "SIGNED_LOG",
    "CompiledGraph",
    "Kernels",
    "NodeValues",
    "OpCounter",
    "Semiring",
    "SweepResult",
    "WeightSpec",
    "check_laws",
    "choose_backend",
    "compile_graph",
    "counted",
    "enumerate_paths",
    "explain_backend",
    "get_semiring",
    "path_sum",
    "path_weight",
    "product",
    "register_backend",
    "signed_log",
    "solve_backward",
    "solve_forward",
    "sweep",
]
