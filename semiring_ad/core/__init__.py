"""The path problem: semirings, edge-weighted DAGs and the sum-of-products solver.

This is the bottom layer.  It imports nothing from the rest of the package
but :mod:`semiring_ad.errors`; the AD front end, the SymPy front end and the
views are built on it.  Data flows semiring → graph → solver → backends:

* :mod:`~semiring_ad.core.semiring` — the :class:`Semiring` type, products,
  counting, and the law checker;
* :mod:`~semiring_ad.core.semirings` — the built-in instances and the
  :data:`SEMIRINGS` registry;
* :mod:`~semiring_ad.core.linear` and :mod:`~semiring_ad.core.linear_semiring` —
  structured linear maps (array Jacobians) and their semiring :data:`LINEAR`;
* :mod:`~semiring_ad.core.graph` — validation and the compiled array form;
* :mod:`~semiring_ad.core.solver` — forward and backward sweeps, path sums,
  path enumeration and the backend registry;
* :mod:`~semiring_ad.core.stars` — the Kleene stars of the built-in semirings;
  :mod:`~semiring_ad.core.eliminator` (the engine) and :mod:`~semiring_ad.core.elimination`
  (:func:`eliminate`) — vertex elimination in any order;
  :mod:`~semiring_ad.core.cyclic` — graphs with cycles (condensation + stars);
  :mod:`~semiring_ad.core.chain` — optimal bracketing of a Jacobian chain;
* :mod:`~semiring_ad.core.results` — the array-backed node → value mapping
  the solvers return;
* :mod:`~semiring_ad.core.backends` — the vectorized NumPy/SciPy backends
  (registered when this package is imported).
"""

from .backends import SweepResult, choose_backend, explain_backend  # registers the vectorized backends
from .chain import (
    Bracketing,
    bracketing_cost,
    forward_bracketing,
    matrix_free_costs,
    optimal_bracketing,
    reverse_bracketing,
)
from .elimination import eliminate, elimination_steps
from .graph import CompiledGraph, WeightSpec, compile_graph
from .linear import LinearMap
from .linear_semiring import LINEAR, as_linear_map
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
    paths_semiring,
    signed_log,
)
from .solver import BACKENDS, enumerate_paths, path_sum, register_backend, solve_backward, solve_forward, sweep

__all__ = [
    "BACKENDS",
    "Bracketing",
    "bracketing_cost",
    "forward_bracketing",
    "matrix_free_costs",
    "optimal_bracketing",
    "reverse_bracketing",
    "COUNTING",
    "LINEAR",
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
    "LinearMap",
    "NodeValues",
    "OpCounter",
    "Semiring",
    "SweepResult",
    "WeightSpec",
    "as_linear_map",
    "check_laws",
    "choose_backend",
    "compile_graph",
    "counted",
    "eliminate",
    "elimination_steps",
    "enumerate_paths",
    "explain_backend",
    "get_semiring",
    "path_sum",
    "path_weight",
    "paths_semiring",
    "product",
    "register_backend",
    "signed_log",
    "solve_backward",
    "solve_forward",
    "sweep",
]
