"""semiring_ad: automatic differentiation as a path problem over semirings.

Record a computation as a DAG whose edge u→v carries ∂v/∂u; every derivative
is then a sum over paths of products of edge weights (Bauer 1974).  The core
is a sum-of-products path solver over a pluggable semiring; the AD API is
that solver in the semiring of real numbers.

>>> import networkx as nx
>>> G = nx.DiGraph([("x", "y", {"weight": 3.0}), ("y", "z", {"weight": 2.0})])
>>> path_sum(G, PLUS_TIMES, "x", "z"), path_sum(G, MIN_PLUS, "x", "z")
(6.0, 5.0)
"""

from .errors import (
    DomainError,
    EnumerationLimitError,
    ExpressionError,
    GraphTypeError,
    MissingWeightError,
    NodeNotFoundError,
    NotADAGError,
    SemiringADError,
    SemiringLawError,
    StaleTraceError,
    TraceError,
    UnknownPrimitiveError,
    UnknownSemiringError,
    VerificationError,
)
from .graph import CompiledGraph, compile_graph
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
    SYMBOLIC,
    Kernels,
    OpCounter,
    Semiring,
    check_laws,
    counted,
    get_semiring,
    path_weight,
    product,
)
from .solver import enumerate_paths, path_sum, register_backend, solve_backward, solve_forward, sweep

__version__ = "0.1.0"

__all__ = [
    "__version__",
    # errors
    "SemiringADError",
    "NotADAGError",
    "MissingWeightError",
    "NodeNotFoundError",
    "GraphTypeError",
    "SemiringLawError",
    "UnknownSemiringError",
    "UnknownPrimitiveError",
    "DomainError",
    "TraceError",
    "StaleTraceError",
    "ExpressionError",
    "EnumerationLimitError",
    "VerificationError",
    # semirings
    "Semiring",
    "Kernels",
    "OpCounter",
    "PLUS_TIMES",
    "COUNTING",
    "MIN_PLUS",
    "MAX_PLUS",
    "MAX_TIMES",
    "OR_AND",
    "LOG",
    "SYMBOLIC",
    "PATHS",
    "SEMIRINGS",
    "get_semiring",
    "product",
    "counted",
    "check_laws",
    "path_weight",
    # graphs and solver
    "CompiledGraph",
    "compile_graph",
    "solve_forward",
    "solve_backward",
    "path_sum",
    "enumerate_paths",
    "sweep",
    "register_backend",
]
