"""The package's shape: layers, no import cycles, module sizes, former module paths, a light import.

The layers (docs/design.md): base (``errors``, ``_sympy``) ← ``core`` ← ``ad`` ←
``symbolic`` and ``views`` (peers: neither imports the other) ← the top
(``io``, ``cli``, ``demo``, the package's ``__init__`` and the re-export
modules of the former flat layout).  The imports are read with :mod:`ast`,
function-level ones included, so a deferred import cannot hide an arrow
against the flow; the oracle for cycles is networkx's cycle search.
"""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

import semiring_ad

PACKAGE = Path(semiring_ad.__file__).parent
BASE = {"semiring_ad.errors", "semiring_ad._sympy"}
RANK = {"base": 0, "core": 1, "ad": 2, "symbolic": 3, "views": 3, "top": 4}

# The flat layout's modules and the names each documented (its __all__ before the move).
FORMER = {
    "semirings": ["COUNTING", "Kernels", "LOG", "MAX_PLUS", "MAX_TIMES", "MIN_PLUS", "OR_AND", "OpCounter", "PATHS",
                  "PLUS_TIMES", "SEMIRINGS", "SIGNED_LOG", "SYMBOLIC", "Semiring", "check_laws", "counted",
                  "get_semiring", "path_weight", "product", "signed_log"],
    "graph": ["CompiledGraph", "WeightSpec", "compile_graph"],
    "solver": ["BACKENDS", "enumerate_paths", "path_sum", "register_backend", "solve_backward", "solve_forward",
               "sweep"],
    "backends": ["NumpyBackend", "ScipyBackend", "SweepResult", "VectorizedBackend", "choose_backend",
                 "explain_backend"],
    "tracing": ["ComputationGraph", "Tape", "Tracer", "trace"],
    "primitives": ["FLOAT", "GENERIC", "MathNamespace", "NAMESPACE_FUNCTIONS", "NUMPY", "PRIMITIVES", "Primitive",
                   "SYMPY", "SYMPY_FUNCTIONS", "UFUNCS", "evaluate", "get_primitive", "local_partials",
                   "namespace_for", "register_primitive"],
    "functions": ["abs", "absolute", "add", "apply", "arccos", "arcsin", "arctan", "cos", "cosh", "divide", "exp",
                  "expm1", "log", "log1p", "maximum", "minimum", "multiply", "negative", "new_level", "power",
                  "reciprocal", "relu", "sigmoid", "sin", "sinh", "sqrt", "square", "subtract", "tan", "tanh"],
    "ad": ["grad", "hessian", "hvp", "jacfwd", "jacobian", "jacobian_of_graph", "jacrev", "jvp", "value_and_grad",
           "vjp", "vmap_grad"],
    "dual": ["DUAL", "Dual", "derivative", "dual_equal"],
    "symbolic": ["SymbolicGraph", "from_sympy", "symbolic_gradient", "symbolic_jacobian"],
    "verify": ["MethodResult", "VerificationReport", "verify"],
    "analysis": ["DominantPath", "Scored", "dominant_paths", "jacobian_sparsity", "k_best", "k_best_weight",
                 "log_abs", "path_counts"],
    "parsing": ["FUNCTIONS", "parse_assignment", "parse_expression"],
    "swell": ["SwellRow", "expression_swell", "logistic_map", "swell_table"],
    "io": ["READABLE", "load_graph", "parse_weight"],
    "views": ["Drawing", "Explanation", "PathTerm", "TraceRow", "TraceTable", "baydin_indices", "draw", "explain",
              "format_value", "latex_value", "node_names", "output_names", "pick_node", "plain_value", "seed_map",
              "svg_or_none", "to_dot", "trace_table"],
}  # fmt: skip


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _layer(module: str) -> str:
    if module in BASE:
        return "base"
    parts = module.split(".")
    if (len(parts) > 2 and parts[1] in ("core", "ad", "symbolic", "views")) or module in (
        "semiring_ad.core", "semiring_ad.ad", "semiring_ad.symbolic", "semiring_ad.views"
    ):
        return parts[1]
    return "top"


def _imports(module: str) -> set[str]:
    """Every package module ``module`` imports, at module level or inside a function."""
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.startswith("semiring_ad")}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("semiring_ad"):
                target = node.module
            else:
                continue
            for alias in node.names:  # `from . import rules` names a module, not an attribute
                found.add(f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target)
    return {m for m in found if m in MODULES and m != module}


GRAPH = nx.DiGraph((m, t) for m in MODULES for t in _imports(m))


def test_the_walk_sees_the_package():
    """Oracle check: the walk finds known arrows, so an empty graph cannot pass the tests below."""
    assert ("semiring_ad.ad.tracing", "semiring_ad.ad.tape") in GRAPH.edges
    assert ("semiring_ad.views.dot", "semiring_ad.ad.computation") in GRAPH.edges
    assert ("semiring_ad.ad.functions", "semiring_ad.ad.rules") in GRAPH.edges  # a `from . import` of a module
    assert len(GRAPH) > 40


def test_no_import_cycles():
    cycles = list(nx.simple_cycles(GRAPH))
    assert not cycles, f"import cycles: {cycles}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_follow_the_layers(module):
    """A module imports only its own layer or lower ones; symbolic and views never import each other."""
    mine = _layer(module)
    for target in sorted(_imports(module)):
        theirs = _layer(target)
        assert RANK[theirs] <= RANK[mine], f"{module} ({mine}) imports {target} ({theirs}), a higher layer"
        assert {mine, theirs} != {"symbolic", "views"}, f"{module} imports its peer {target}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_stay_small(module):
    lines = len(MODULES[module].read_text().splitlines())
    assert lines <= 410, f"{module} has {lines} lines; split it by responsibility (guide: ~400)"


@pytest.mark.parametrize("former", sorted(FORMER))
def test_former_module_paths_keep_their_names(former):
    module = importlib.import_module(f"semiring_ad.{former}")
    assert sorted(module.__all__) == sorted(FORMER[former])
    for name in FORMER[former]:
        assert getattr(module, name) is not None


def test_former_paths_are_the_same_objects_as_the_new_homes():
    from semiring_ad.ad.computation import ComputationGraph
    from semiring_ad.core.semirings import SYMBOLIC
    from semiring_ad.core.solver import sweep
    from semiring_ad.semirings import SYMBOLIC as former_symbolic
    from semiring_ad.solver import sweep as former_sweep
    from semiring_ad.tracing import ComputationGraph as former_graph

    assert (former_symbolic, former_sweep, former_graph) == (SYMBOLIC, sweep, ComputationGraph)


def test_every_public_name_is_importable_from_the_package():
    for name in semiring_ad.__all__:
        assert getattr(semiring_ad, name) is not None, name
    assert callable(semiring_ad.verify)  # the function, although semiring_ad.verify is also a module path
    importlib.import_module("semiring_ad.verify")
    assert callable(semiring_ad.verify)


def test_import_does_not_load_sympy_or_slow_scipy_parts():
    """``import semiring_ad`` (and the CLI module) leave SymPy and SciPy's slow subpackages for first use."""
    heavy = ["sympy", "scipy.special", "scipy.sparse.linalg", "scipy.sparse.csgraph", "matplotlib"]
    code = (
        "import sys, semiring_ad, semiring_ad.cli; "
        f"print([m for m in {heavy!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_symbolic_names_load_on_first_use():
    code = (
        "import sys, semiring_ad as sad; before = 'sympy' in sys.modules; "
        "import sympy; x = sympy.Symbol('x'); "
        "print(before, sad.symbolic_gradient(x**2)[0], sad.SYMBOLIC.zero, 'symbolic' in sad.SEMIRINGS)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "2*x", "0", "True"]
