"""Hypothesis strategies for the whole test suite, in one place.

Two kinds of data:

* **semiring values** — :func:`sample_values` (for ``check_laws``) and
  :func:`weight_values` (edge weights and seeds for path problems), keyed by
  the semiring's registry name.  A registered semiring with no entry here
  makes the tests that ask for it *fail* with "add a sample strategy for
  semiring X": a new semiring must come with samples, never be skipped.
* **random DAGs** — :func:`dags`: at most 9 nodes, labels a random
  permutation, edges only from an earlier to a later position of that
  permutation (so the graph is acyclic by construction, and node insertion
  order differs from the topological order the library must find).

Numeric choices, and why:

* Law samples are floats bounded by 10.  Floating-point + and × are only
  approximately associative/distributive; with |x| <= 10 the rounding error
  of any triple stays below ``check_laws``' default ``abs_tol=1e-12`` (the
  largest product is 10**2, whose ulp is ~1.4e-14).  Unbounded floats do fail
  (``(1e16 + -1e16) + 1 != 1e16 + (-1e16 + 1)``); ``test_semirings`` shows it.
* Path-problem weights for PLUS_TIMES and dual numbers are dyadic rationals
  k/4 with |k| <= 8: a product of <= 8 of them and a sum of <= 2**7 such
  products is exact in a float64, so forward, backward and enumeration must
  agree to the last bit whatever order they add in.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable

import hypothesis.strategies as st
import networkx as nx
import numpy as np
import pytest
import sympy
from hypothesis import settings

from semiring_ad.core.semirings import signed_log

MAX_NODES = 9
MAX_MULTI_NODES = 7
SYMBOLS = sympy.symbols("x y z")

# -- scalar building blocks ----------------------------------------------------

small_floats = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)
nonneg_floats = st.floats(min_value=0, max_value=10, allow_nan=False, allow_infinity=False)
dyadics = st.integers(-8, 8).map(lambda k: k / 4)
huge_ints = st.integers(2**64, 2**200)
counting_ints = st.one_of(st.integers(0, 5), huge_ints)


def _symbolic_exprs() -> st.SearchStrategy:
    leaves = st.one_of(st.sampled_from(SYMBOLS), st.integers(-3, 3).map(sympy.Integer))
    return st.recursive(
        leaves,
        lambda kids: st.one_of(st.builds(sympy.Add, kids, kids), st.builds(sympy.Mul, kids, kids)),
        max_leaves=3,
    )


def _path_sets() -> st.SearchStrategy:
    edge = st.tuples(st.sampled_from("abc"), st.sampled_from("abc"))
    path = st.lists(edge, max_size=2).map(tuple)
    return st.frozensets(path, max_size=2)


def _linear_maps(entries: st.SearchStrategy) -> st.SearchStrategy:
    """Maps R^2 -> R^2: plain 2x2 arrays (dense maps) and every structured kind that fits that shape.

    One shape for all, so any two samples compose and add (the laws need every pair and triple).
    """
    from semiring_ad.core import linear as lm
    from semiring_ad.core import linear_shape as ls

    matrices = st.lists(entries, min_size=4, max_size=4).map(lambda v: np.array(v, dtype=float).reshape(2, 2))
    vectors = st.lists(entries, min_size=2, max_size=2).map(lambda v: np.array(v, dtype=float))
    leaves = st.one_of(
        matrices,
        matrices.map(lambda a: lm.Dense(a, (2,), (2,))),
        vectors.map(lambda d: lm.Diagonal(d, (2,))),
        entries.map(lambda c: lm.Diagonal(np.float64(c), (2,))),
        matrices.map(lambda a: lm.MatMulLeft(a, (2,))),
        matrices.map(lambda a: lm.MatMulRight(a, (2,))),
        matrices.map(lambda a: lm.Transposed(lm.MatMulLeft(a, (2,)))),
        st.sampled_from([[1, 0], [0, 0], [1, 1]]).map(lambda i: ls.Gather(i, (2,))),
        st.just(lm.Identity((2,))),
        st.just(lm.Zero((2,), (2,))),
        st.just(lm.Compose([ls.SumOver((2,), None, keepdims=True), ls.Broadcast((1,), (2,))])),
        st.just(ls.Transpose((2,))),
    )
    return st.one_of(
        leaves,
        st.lists(leaves, min_size=2, max_size=3).map(lambda ms: lm.Compose([as_map(m) for m in ms])),
        st.lists(leaves, min_size=2, max_size=3).map(lambda ms: lm.SumMaps([as_map(m) for m in ms])),
    )


def as_map(w):
    from semiring_ad.core.linear_semiring import as_linear_map

    return as_linear_map(w)


def _duals(parts: st.SearchStrategy) -> st.SearchStrategy:
    # Imported lazily: semiring_ad.ad.dual may not exist yet, and is only needed
    # once a "dual" semiring is registered.
    from semiring_ad.ad.dual import Dual

    return st.builds(Dual, parts, parts)


# Samples for check_laws.  Where a value is left out, the comment says which law it would break.
_SAMPLES: dict[str, Callable[[], st.SearchStrategy]] = {
    "plus_times": lambda: st.one_of(small_floats, st.integers(-10, 10)),
    # Huge ints show COUNTING is exact: any rounding would break associativity at once.
    "counting": lambda: counting_ints,
    # MIN_PLUS lives on R ∪ {+inf}; -inf is not in the carrier: inf + -inf is nan, which breaks
    # annihilation (0 ⊗ a = 0 with 0 = +inf).
    "min_plus": lambda: st.one_of(small_floats, st.just(math.inf)),
    # Mirror image: MAX_PLUS lives on R ∪ {-inf}; +inf would give -inf + inf = nan.
    "max_plus": lambda: st.one_of(small_floats, st.just(-math.inf)),
    # Non-negative reals only (max does not distribute over × with negatives), and no +inf:
    # 0 * inf is nan, which breaks annihilation.
    "max_times": lambda: nonneg_floats,
    "or_and": lambda: st.booleans(),
    # Log-weights on R ∪ {-inf}; +inf would give -inf + inf = nan.
    "log": lambda: st.one_of(small_floats, st.just(-math.inf)),
    "symbolic": _symbolic_exprs,
    "paths": _path_sets,
    "dual": lambda: _duals(st.integers(-64, 64).map(lambda k: k / 16)),
    # (sign, log|x|) of moderate reals and the zero (0, -inf); equality compares the numbers.
    "signed_log": lambda: st.builds(signed_log, st.one_of(small_floats, st.just(0.0))),
    # Maps of R^2 with small integer entries: sums of products stay exact, so the laws hold to the bit.
    "linear": lambda: _linear_maps(st.integers(-3, 3)),
}

# Edge weights and seeds for path problems.  semiring_dags weights PATHS edges with their own ids
# instead (edge_id_weight), so the answer is the set of paths itself.
_WEIGHTS: dict[str, Callable[[], st.SearchStrategy]] = {
    "plus_times": lambda: dyadics,
    "counting": lambda: st.one_of(st.integers(0, 3), huge_ints),
    # +inf edges mean "no usable edge"; forward and backward must still agree.
    "min_plus": lambda: st.one_of(small_floats, st.just(math.inf)),
    "max_plus": lambda: st.one_of(small_floats, st.just(-math.inf)),
    "max_times": lambda: st.floats(min_value=0, max_value=2, allow_nan=False),
    "or_and": lambda: st.booleans(),
    "log": lambda: st.one_of(st.floats(min_value=-5, max_value=5, allow_nan=False), st.just(-math.inf)),
    # Monomials k·x keep SymPy's expand cheap on hundreds of paths.
    "symbolic": lambda: st.builds(lambda k, x: k * x, st.sampled_from([1, 2, -1]), st.sampled_from(SYMBOLS)),
    "paths": _path_sets,
    "dual": lambda: _duals(dyadics),
    "signed_log": lambda: st.builds(signed_log, dyadics),
    # 2x2 dense Jacobians and structured maps of R^2 with dyadic entries (exact, as for plus_times).
    "linear": lambda: _linear_maps(dyadics),
}


def _lookup(table: dict[str, Callable[[], st.SearchStrategy]], name: str) -> st.SearchStrategy:
    if name not in table:
        pytest.fail(
            f"add a sample strategy for semiring {name!r} in tests/strategies.py (known: {', '.join(sorted(table))})",
            pytrace=False,
        )
    return table[name]()


def sample_values(name: str) -> st.SearchStrategy:
    """Values of the registered semiring ``name`` on which every semiring law must hold."""
    return _lookup(_SAMPLES, name)


def weight_values(name: str) -> st.SearchStrategy:
    """Edge weights / seeds for path problems in the registered semiring ``name``."""
    return _lookup(_WEIGHTS, name)


def per_semiring_settings(share: int = 3) -> settings:
    """Settings for a property run once per registered semiring (and graph kind).

    The registry multiplies the number of runs, so each run gets ``1/share`` of
    the active profile's ``max_examples`` (at least 10): the suite stays within
    its time budget on 2 cores, and ``HYPOTHESIS_PROFILE=thorough`` still scales it.
    """
    return settings(max_examples=max(10, settings.default.max_examples // share))


def edge_id_weight(edge: tuple) -> frozenset:
    """PATHS weight of one edge: the set holding the one-edge path ``(edge,)``."""
    return frozenset({(edge,)})


# -- random DAGs -----------------------------------------------------------------


@st.composite
def dags(
    draw: st.DrawFn,
    *,
    multigraph: bool = False,
    weights: st.SearchStrategy | None = None,
    edge_ids: bool = False,
    min_nodes: int = 1,
    max_nodes: int | None = None,
) -> nx.DiGraph:
    """A random DAG (``MultiDiGraph`` with up to 3 parallel edges if ``multigraph``).

    Node labels are ints or strings; positions in a random permutation of them
    define the only allowed edge direction (earlier → later), so the graph is
    acyclic.  Each edge gets a ``"weight"`` drawn from ``weights``, or, with
    ``edge_ids=True``, the PATHS weight of its own id ``(u, v)`` / ``(u, v, key)``.
    Multigraphs default to at most 7 nodes: a complete one then has 3·4**5 paths
    between its ends, enough for enumeration oracles to stay fast.
    """
    if max_nodes is None:
        max_nodes = MAX_MULTI_NODES if multigraph else MAX_NODES
    n = draw(st.integers(min_nodes, max_nodes))
    kind = draw(st.sampled_from(["int", "str"]))
    labels: list[Hashable] = list(range(n)) if kind == "int" else [f"v{i}" for i in range(n)]
    order = draw(st.permutations(labels))
    G = nx.MultiDiGraph() if multigraph else nx.DiGraph()
    G.add_nodes_from(labels)  # insertion order is not the topological order
    pairs = [(order[i], order[j]) for i in range(n) for j in range(i + 1, n)]
    multiplicity = st.integers(0, 3) if multigraph else st.integers(0, 1)
    counts = draw(st.lists(multiplicity, min_size=len(pairs), max_size=len(pairs)))
    for (u, v), count in zip(pairs, counts, strict=True):
        for _ in range(count):
            if multigraph:
                edge = (u, v, G.add_edge(u, v))
            else:
                G.add_edge(u, v)
                edge = (u, v)
            if edge_ids:
                G.edges[edge]["weight"] = edge_id_weight(edge)
            elif weights is not None:
                G.edges[edge]["weight"] = draw(weights)
    return G


def semiring_dags(name: str, *, multigraph: bool = False, **kwargs) -> st.SearchStrategy:
    """Random DAGs weighted for the registered semiring ``name`` (PATHS: edge ids)."""
    if name == "paths":
        return dags(multigraph=multigraph, edge_ids=True, **kwargs)
    return dags(multigraph=multigraph, weights=weight_values(name), **kwargs)


def node_pairs(G: nx.DiGraph) -> st.SearchStrategy:
    """(source, target) pairs of nodes of ``G``."""
    nodes = list(G.nodes)
    return st.tuples(st.sampled_from(nodes), st.sampled_from(nodes))
