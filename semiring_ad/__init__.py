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

# ``semiring_ad.verify`` is both a former module path (a re-export module) and the function.  Import the
# module now, so that the import system never binds it over the function later, and drop the binding:
# the name then resolves through __getattr__ below to the function.
from . import verify as _former_verify_module  # noqa: F401

# -- array-valued AD (issue 11): LINEAR, linear maps, and the opt-in array tracer ``semiring_ad.arrays``
from .ad import arrays as arrays  # the namespace semiring_ad.arrays (a module: not in __all__)
from .ad.accumulation import AccumulationCosts, accumulation_costs
from .ad.api import grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp, vmap_grad
from .ad.array_dispatch import trace  # per_element=True: ad.tracing.trace; False: the array graph
from .ad.arrays.linalg import logsumexp, softmax
from .ad.computation import ComputationGraph
from .ad.dual import DUAL, Dual
from .ad.fixed_point import fixed_point
from .ad.functions import (
    abs,
    absolute,
    add,
    apply,
    arccos,
    arcsin,
    arctan,
    arctan2,
    cos,
    cosh,
    divide,
    exp,
    exp2,
    expm1,
    hypot,
    log,
    log1p,
    log2,
    log10,
    maximum,
    minimum,
    multiply,
    negative,
    power,
    reciprocal,
    relu,
    sigmoid,
    sin,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
)
from .ad.primitives import PRIMITIVES, Primitive, get_primitive, register_primitive
from .ad.tape import Tracer
from .core.backends import SweepResult, choose_backend, explain_backend  # registers the vectorized backends
from .core.chain import (
    Bracketing,
    bracketing_cost,
    forward_bracketing,
    matrix_free_costs,
    optimal_bracketing,
    reverse_bracketing,
)
from .core.elimination import eliminate, elimination_steps
from .core.graph import CompiledGraph, compile_graph
from .core.linear import LinearMap
from .core.linear_semiring import LINEAR, as_linear_map
from .core.results import NodeValues
from .core.semiring import Kernels, OpCounter, Semiring, check_laws, counted, product
from .core.semirings import (
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
from .core.solver import enumerate_paths, path_sum, register_backend, solve_backward, solve_forward, sweep
from .errors import (
    ConvergenceError,
    DomainError,
    EnumerationLimitError,
    ExpressionError,
    GraphTypeError,
    InputError,
    MissingDependencyError,
    MissingWeightError,
    NodeNotFoundError,
    NoStarError,
    NotADAGError,
    SemiringADError,
    SemiringLawError,
    ShapeError,
    StaleTraceError,
    TraceError,
    UnknownPrimitiveError,
    UnknownSemiringError,
    UnsupportedOperationError,
    VerificationError,
    WeightTypeError,
)
from .views import Drawing, Explanation, PathTerm, TraceRow, TraceTable, draw, explain, to_dot, trace_table
from .views.analysis import DominantPath, dominant_paths, jacobian_sparsity, k_best, path_counts
from .views.array_tables import ArrayTable

globals().pop("verify")

# SymPy loads on first use of these names (PEP 562), not with the package: it takes longer to
# import than everything above together, and numeric AD, path solves and the CLI's solve never need it.
_LAZY = {
    "SYMBOLIC": "core.semirings",
    "SymbolicGraph": "symbolic.graphs",
    "from_sympy": "symbolic.graphs",
    "symbolic_gradient": "symbolic.graphs",
    "symbolic_jacobian": "symbolic.graphs",
    "verify": "symbolic.verify",
    "VerificationReport": "symbolic.report",
    "MethodResult": "symbolic.report",
    "expression_swell": "symbolic.swell",
    "logistic_map": "symbolic.swell",
    "swell_table": "symbolic.swell",
    "SwellRow": "symbolic.swell",
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value  # later lookups skip this hook
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


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
    "WeightTypeError",
    "InputError",
    "MissingDependencyError",
    "NoStarError",
    "ConvergenceError",
    "ShapeError",
    "UnsupportedOperationError",
    # array-valued AD
    "LINEAR",
    "LinearMap",
    "as_linear_map",
    "logsumexp",
    "softmax",
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
    "SIGNED_LOG",
    "signed_log",
    "SYMBOLIC",
    "PATHS",
    "SEMIRINGS",
    "get_semiring",
    "product",
    "counted",
    "check_laws",
    "path_weight",
    "paths_semiring",
    # graphs and solver
    "CompiledGraph",
    "compile_graph",
    "solve_forward",
    "solve_backward",
    "path_sum",
    "enumerate_paths",
    "sweep",
    "register_backend",
    "choose_backend",
    "explain_backend",
    "SweepResult",
    "eliminate",
    "elimination_steps",
    "Bracketing",
    "bracketing_cost",
    "forward_bracketing",
    "matrix_free_costs",
    "optimal_bracketing",
    "reverse_bracketing",
    "NodeValues",
    # primitives and math functions
    "PRIMITIVES",
    "Primitive",
    "get_primitive",
    "register_primitive",
    "apply",
    "abs",
    "absolute",
    "add",
    "arccos",
    "arcsin",
    "arctan",
    "arctan2",
    "cos",
    "cosh",
    "divide",
    "exp",
    "exp2",
    "expm1",
    "hypot",
    "log10",
    "log2",
    "log",
    "log1p",
    "maximum",
    "minimum",
    "multiply",
    "negative",
    "power",
    "reciprocal",
    "relu",
    "sigmoid",
    "sin",
    "sinh",
    "sqrt",
    "square",
    "subtract",
    "tan",
    "tanh",
    # dual numbers
    "Dual",
    "DUAL",
    # tracing and the AD API
    "trace",
    "Tracer",
    "ComputationGraph",
    "grad",
    "value_and_grad",
    "jacobian",
    "jacfwd",
    "jacrev",
    "jvp",
    "vjp",
    "hessian",
    "hvp",
    "vmap_grad",
    "accumulation_costs",
    "AccumulationCosts",
    "fixed_point",
    # SymPy in and out, verification
    "SymbolicGraph",
    "from_sympy",
    "symbolic_gradient",
    "symbolic_jacobian",
    "verify",
    "VerificationReport",
    "MethodResult",
    "expression_swell",
    "logistic_map",
    "swell_table",
    "SwellRow",
    # views and analysis
    "trace_table",
    "TraceTable",
    "TraceRow",
    "ArrayTable",
    "explain",
    "Explanation",
    "PathTerm",
    "to_dot",
    "draw",
    "Drawing",
    "jacobian_sparsity",
    "path_counts",
    "dominant_paths",
    "DominantPath",
    "k_best",
]
