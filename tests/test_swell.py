"""Expression swell (seed 003): the symbolic derivative doubles per step, the graph grows by a constant.

Oracles: ``sympy.expand`` + ``sympy.diff`` + ``sympy.count_ops`` directly
(the module uses Poly arithmetic for speed), the closed form l₄ printed in
the seed, and finite differences for the traced derivative.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pytest
import sympy

import semiring_ad as sad
from semiring_ad.symbolic.swell import SwellRow, expression_swell, logistic_map, swell_table


@pytest.fixture(scope="module")
def rows() -> list[SwellRow]:
    start = time.perf_counter()
    out = expression_swell()
    assert time.perf_counter() - start < 5.0, "the default size must stay quick"
    return out


def test_rows_cover_one_to_n(rows):
    assert [r.n for r in rows] == list(range(1, len(rows) + 1))
    assert len(rows) >= 7


def test_symbolic_derivative_grows_exponentially(rows):
    for column in ("derivative_ops", "nested_derivative_ops", "expanded_ops"):
        sizes = [getattr(r, column) for r in rows]
        ratios = [b / a for a, b in itertools.pairwise(sizes[2:])]  # from n = 3 on
        assert all(q >= 1.8 for q in ratios), (column, ratios)


def test_graph_grows_linearly(rows):
    for column in ("graph_nodes", "graph_edges", "dag_nodes", "reverse_ops"):
        steps = set(np.diff([getattr(r, column) for r in rows]).tolist())
        assert len(steps) == 1 and steps.pop() > 0, column
    assert [r.dag_nodes for r in rows] == [r.graph_nodes for r in rows]  # SymPy's tree, memoized, is the loop's DAG
    assert rows[-1].reverse_ops < rows[-1].derivative_ops / 5


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_counts_match_plain_sympy(rows, n):
    x = sympy.Symbol("x")
    expanded = sympy.expand(logistic_map(x, n))
    assert rows[n - 1].expanded_ops == sympy.count_ops(expanded)
    assert rows[n - 1].derivative_ops == sympy.count_ops(sympy.diff(expanded, x))
    assert rows[n - 1].nested_derivative_ops == sympy.count_ops(sympy.diff(logistic_map(x, n), x))


def test_closed_form_from_the_seed():
    x = sympy.Symbol("x")
    seed = 64 * x * (1 - x) * (1 - 2 * x) ** 2 * (1 - 8 * x + 8 * x**2) ** 2
    assert sympy.expand(logistic_map(x, 4) - seed) == 0


def test_traced_derivative_matches_finite_differences():
    x, h = 0.3, 1e-6
    g = sad.grad(lambda v: logistic_map(v, 6))(x)
    fd = (logistic_map(x + h, 6) - logistic_map(x - h, 6)) / (2 * h)
    assert g == pytest.approx(fd, rel=1e-6)


def test_table_has_a_header_and_a_line_per_row(rows):
    lines = swell_table(rows).splitlines()
    assert lines[0].split()[0] == "n" and len(lines) == len(rows) + 1
    assert lines[-1].split()[0] == str(rows[-1].n)
