"""Path explanations against Reps's published example and brute-force enumeration.

Oracles: the path sums printed in Reps's CS 703 lecture (``shared/seeds/004*``),
``networkx.all_simple_paths`` / ``all_simple_edge_paths`` for the paths and
their number, and sorting the enumerated products for ``top=k``.
"""

from __future__ import annotations

import math
import operator
from functools import reduce

import hypothesis.strategies as st
import networkx as nx
import pytest
import strategies as strat
import sympy
from hypothesis import given

import semiring_ad as sad
from semiring_ad.core.semiring import check_laws
from semiring_ad.errors import EnumerationLimitError, NodeNotFoundError
from semiring_ad.symbolic.graphs import from_sympy
from semiring_ad.views import explain
from semiring_ad.views.analysis import Scored, k_best

REPS_EDGES = [("x", "a", 1), ("y", "a", 4), ("x", "b", 1), ("y", "b", 1),
              ("b", "c", 5), ("y", "c", 8), ("a", "f", 40), ("c", "f", 23)]


@pytest.fixture
def reps():
    G = nx.DiGraph()
    G.add_weighted_edges_from(REPS_EDGES)
    return G


def reps_function(x, y):
    return (x + 4 * y) * ((x + y) * y)


def test_reps_df_dx_is_two_paths(reps):
    e = explain(reps, "x")
    assert sorted(t.product for t in e) == [40, 115]
    assert [t.names for t in e] == [("x", "a", "f"), ("x", "b", "c", "f")]
    assert (e.total, e.n_paths, e.target) == (155, 2, "f")
    assert e.equation() == "∂f/∂x = 1·40 + 1·5·23 = 155"


def test_reps_df_dy(reps):
    e = explain(reps, "y", output="f")
    assert sorted(t.product for t in e) == [115, 160, 184]
    assert e.total == 459 == sum(t.product for t in e)


def test_reps_traced_has_the_same_paths():
    g = sad.trace(reps_function, 3.0, 5.0, names=["x", "y"])
    ex, ey = explain(g, "x"), explain(g, "y")
    assert sorted(t.product for t in ex) == [40.0, 115.0] and ex.total == 155.0
    assert sorted(t.product for t in ey) == [115.0, 160.0, 184.0] and ey.total == 459.0
    assert ex.equation() == "∂f/∂x = 1·40 + 1·5·23 = 155"  # the output is f: an input is called y


def test_symbolic_graph_gives_symbolic_products():
    x, y = sympy.symbols("x y")
    e = explain(from_sympy((x + 4 * y) * ((x + y) * y), [x, y]), "x")
    assert sympy.expand(e.total - sympy.diff((x + 4 * y) * (x + y) * y, x)) == 0
    assert sympy.expand(sum(t.product for t in e) - e.total) == 0


def test_repeated_operand_gives_two_paths():
    e = explain(sad.trace(lambda x: x * x, 3.0))
    assert [t.product for t in e] == [3.0, 3.0] and e.total == 6.0 and e.n_paths == 2


def test_limit_refuses_and_points_to_top(reps):
    with pytest.raises(EnumerationLimitError, match="top=k"):
        explain(reps, "y", limit=2)
    assert len(explain(reps, "y", limit=2, top=2)) == 2


def test_top_lists_best_first_and_counts_all(reps):
    e = explain(reps, "y", top=2)
    assert [t.product for t in e] == [184, 160] and e.n_paths == 3 and not e.complete
    assert e.equation() == "∂f/∂y = 8·23 + 4·40 + … (1 more) = 459"


def test_no_path_and_empty_path(reps):
    e = explain(reps, "x", output="y")
    assert (len(e), e.n_paths, e.total) == (0, 0, 0)
    assert e.equation() == "∂y/∂x = 0"
    same = explain(reps, "f", output="f")
    assert [t.product for t in same] == [1] and same.total == 1


def test_unknown_nodes(reps):
    with pytest.raises(NodeNotFoundError):
        explain(reps, "nope")
    with pytest.raises(NodeNotFoundError):
        explain(sad.trace(reps_function, 3.0, 5.0), "q")


def test_renderings(reps):
    e = explain(reps, "x")
    assert e.to_latex() == r"\[ \frac{\partial f}{\partial x} = 1 \cdot 40 + 1 \cdot 5 \cdot 23 = 155 \]"
    assert e._repr_latex_().startswith("$$ ")
    md = e.to_markdown()
    assert "| x → b → c → f | 1·5·23 | 115 |" in md
    assert e.to_records()[1] == {"path": ["x", "b", "c", "f"], "factors": [1, 5, 23], "product": 115}
    neg = nx.DiGraph([("s", "t", {"weight": -2.0})])
    assert explain(neg, "s").equation(latex=True).endswith(r"\left(-2\right) = -2")


# -- against enumeration on random graphs ------------------------------------------------------


@st.composite
def weighted_pairs(draw, multigraph=False):
    G = draw(strat.dags(multigraph=multigraph, weights=strat.dyadics, min_nodes=2))
    s, t = draw(strat.node_pairs(G))
    return G, s, t


def _products(G, s, t):
    if s == t:
        return [1]
    return [reduce(operator.mul, (G.edges[e]["weight"] for e in p), 1) for p in nx.all_simple_edge_paths(G, s, t)]


@given(weighted_pairs(), st.integers(1, 5))
def test_top_k_are_the_k_largest_products(case, k):
    G, s, t = case
    e = explain(G, s, output=t, top=k)
    expected = sorted(map(abs, _products(G, s, t)), reverse=True)[:k]
    assert len(e) == len(expected)
    assert all(math.isclose(abs(a.product), b) for a, b in zip(e, expected, strict=True))
    assert e.n_paths == (1 if s == t else len(list(nx.all_simple_paths(G, s, t))))


@given(weighted_pairs(multigraph=True))
def test_full_enumeration_matches_networkx(case):
    G, s, t = case
    e = explain(G, s, output=t)
    assert sorted(t.product for t in e) == sorted(_products(G, s, t))
    assert e.n_paths == len(e) and math.isclose(e.total, sum(_products(G, s, t)), abs_tol=1e-9)


def test_k_best_is_a_semiring():
    entries = [Scored(math.log(2), 1, (0,)), Scored(0.0, -1, (1,)), Scored(-math.log(2), 1, (2,)),
               Scored(-math.inf, 0, (3,))]
    # values of k_best(2): at most 2 entries, best first
    samples = [(), ((0.0, 1, ()),), *[(e,) for e in entries], tuple(entries[:2]), tuple(entries[2:])]
    check_laws(k_best(2), samples)
    with pytest.raises(ValueError):
        k_best(0)
