"""Trace tables against the published Baydin/Griewank traces and against the AD API.

Oracles: the numbers printed in Baydin et al.'s survey (as transcribed in the
CSC412 slides, ``shared/seeds/003*``), ``numpy`` products of the Jacobian with
tangent/cotangent vectors, and SymPy's own ``diff``.
"""

from __future__ import annotations

import html.parser
import json
import math
import unicodedata

import hypothesis.strategies as st
import numpy as np
import pytest
import sympy
from hypothesis import given

import semiring_ad as sad
from semiring_ad.errors import NodeNotFoundError, TraceError
from semiring_ad.symbolic.graphs import from_sympy
from semiring_ad.views import formulas as formulas_module
from semiring_ad.views import trace_table


def baydin(x1, x2):
    """ln x1 + x1·x2 − sin x2, statement by statement as in the published trace."""
    v1 = sad.log(x1)
    v2 = x1 * x2
    v3 = sad.sin(x2)
    v4 = v1 + v2
    return v4 - v3


@pytest.fixture(scope="module")
def g():
    return sad.trace(baydin, 2.0, 5.0, names=["x1", "x2"])


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def body(table):
    return [r for r in table if r.section == "body"]


# -- the seed's published numbers ------------------------------------------------------------


def test_primal_trace_reproduces_baydin(g):
    t = trace_table(g, "primal")
    published = [("v_{-1}", 2), ("v_0", 5), ("v_1", 0.693), ("v_2", 10), ("v_3", -0.959),
                 ("v_4", 10.693), ("v_5", 11.652), ("f", 11.652)]  # Baydin's y: one name, f
    assert [(r.lhs, round(r.value, 3)) for r in t] == published
    assert [f"{r.lhs} = {r.rhs}" for r in body(t)] == [
        "v_1 = log(v_{-1})", "v_2 = v_{-1}·v_0", "v_3 = sin(v_0)", "v_4 = v_1 + v_2", "v_5 = v_4 - v_3"]


def test_tangent_trace_reproduces_baydin(g):
    t = trace_table(g, "forward", wrt="x1")
    assert [r.value for r in t if r.section == "inputs"] == [1, 0]
    assert [round(r.value, 3) for r in body(t)] == [0.5, 5, 0, 5.5, 5.5]
    assert t[-1].lhs == nfc("f\u0307") and t[-1].value == 5.5
    assert nfc("v\u0307_2 = v\u0307_{-1}·v_0 + v\u0307_0·v_{-1}") in [f"{r.lhs} = {r.rhs}" for r in t]


def test_adjoint_trace_reproduces_baydin(g):
    """Baydin's reverse trace read bottom-up: the sweep's order, one row per edge."""
    t = trace_table(g, "reverse")
    bar = "\u0304"
    published = [("5", 1), ("4", 1), ("3", -1), ("1", 1), ("2", 1), ("0", -0.284), ("{-1}", 5),
                 ("0", 1.716), ("{-1}", 5.5)]
    rows = [r for r in t if r.section != "outputs"]
    assert [(r.lhs, round(r.value, 3)) for r in rows] == [(f"v{bar}_{i}", v) for i, v in published]
    final = {r.lhs: round(r.value, 3) for r in t if r.section == "outputs"}
    assert final == {nfc(f"x{bar}1"): 5.5, nfc(f"x{bar}2"): 1.716}


def test_adjoint_rows_show_the_accumulation(g):
    t = trace_table(g, "reverse")
    text = [f"{r.lhs} = {r.rhs}" for r in body(t)]
    bar = "\u0304"
    assert f"v{bar}_0 = v{bar}_3·cos(v_0)" in text
    assert f"v{bar}_0 = v{bar}_0 + v{bar}_2·v_{{-1}}" in text
    assert f"v{bar}_{{-1}} = v{bar}_{{-1}} + v{bar}_1/v_{{-1}}" in text
    assert [r.edge for r in body(t)] == [(5, 6), (4, 6), (2, 5), (3, 5), (1, 4), (0, 3), (1, 3), (0, 2)]


def test_numbers_come_from_the_solver_sweeps(g, monkeypatch):
    calls = []
    real = formulas_module.sweep

    def spy(cg, semiring, seeds, direction="forward", **kw):
        calls.append((semiring.name, dict(seeds), direction))
        return real(cg, semiring, seeds, direction, **kw)

    monkeypatch.setattr(formulas_module, "sweep", spy)
    trace_table(g, "forward", wrt="x2")
    trace_table(g, "reverse")
    assert calls == [("plus_times", {1: 1}, "forward"), ("plus_times", {6: 1}, "backward")]


# -- seeds, vectors, several outputs ---------------------------------------------------------


def vector_fn(x, y, z):
    return [x * y * z + sad.exp(x), sad.sin(y) * x, z * z]


@given(st.lists(st.floats(-3, 3), min_size=3, max_size=3), st.lists(st.floats(-3, 3), min_size=3, max_size=3))
def test_tangent_and_cotangent_vectors_are_jvp_and_vjp(v, w):
    g = sad.trace(vector_fn, 0.5, 1.5, -2.0)
    J = g.jacobian()
    fwd = trace_table(g, "forward", tangent=v)
    assert np.allclose([r.value for r in fwd if r.section == "outputs"], J @ np.array(v))
    rev = trace_table(g, "reverse", cotangent=w)
    assert np.allclose([r.value for r in rev if r.section == "outputs"], np.array(w) @ J)


def test_last_running_value_of_every_node_is_its_adjoint():
    g = sad.trace(vector_fn, 0.5, 1.5, -2.0)
    t = trace_table(g, "reverse", output=g.outputs[0])
    last = {r.node: r.value for r in t if r.section != "outputs"}
    beta = sad.solve_backward(g.compiled, "plus_times", {g.outputs[0]: 1.0})
    assert all(math.isclose(v, beta[n], rel_tol=1e-12, abs_tol=1e-12) for n, v in last.items())


def test_repeated_operand_is_two_rows():
    g = sad.trace(lambda x: x * x, 3.0)
    steps = body(trace_table(g, "reverse"))
    assert [r.value for r in steps] == [3.0, 6.0]
    assert trace_table(g, "forward")[-1].value == 6.0


def test_constants_and_constant_outputs():
    g = sad.trace(lambda x: [2.5 * x ** 3.0, 7.0], 2.0)
    t = trace_table(g, "primal")
    assert "v_1 = v_0^3" in [f"{r.lhs} = {r.rhs}" for r in t]
    assert "v_3 = 7" in [f"{r.lhs} = {r.rhs}" for r in t]
    assert trace_table(g, "reverse", cotangent=[1.0, 1.0])[-1].value == 30.0


def test_symbolic_graph_gives_symbolic_adjoints():
    x1, x2 = sympy.symbols("x1 x2")
    expr = sympy.log(x1) + x1 * x2 - sympy.sin(x2)
    t = trace_table(from_sympy(expr, [x1, x2]), "reverse")
    final = [r.value for r in t if r.section == "outputs"]
    assert [sympy.simplify(a - sympy.diff(expr, s)) for a, s in zip(final, (x1, x2), strict=True)] == [0, 0]


@pytest.mark.parametrize(("kwargs", "error"), [
    ({"mode": "forward"}, TraceError),  # two inputs, none chosen
    ({"mode": "forward", "wrt": "x9"}, NodeNotFoundError),
    ({"mode": "forward", "tangent": [1.0]}, TraceError),
    ({"mode": "forward", "wrt": "x1", "tangent": [1.0, 0.0]}, TraceError),
    ({"mode": "sideways"}, ValueError),
])
def test_bad_requests_say_what_to_do(g, kwargs, error):
    with pytest.raises(error):
        trace_table(g, **kwargs)


def test_needs_a_computation_graph():
    with pytest.raises(TraceError, match="ComputationGraph"):
        trace_table("not a graph")


# -- renderings ------------------------------------------------------------------------------


class _Cells(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows = 0

    def handle_starttag(self, tag, attrs):
        self.rows += tag == "tr"


def test_renderings(g):
    t = trace_table(g, "reverse")
    latex = t.to_latex()
    assert latex.startswith(r"\begin{tabular}") and latex.endswith(r"\end{tabular}")
    assert all(cmd in latex for cmd in (r"\toprule", r"\midrule", r"\bottomrule"))
    assert r"$\bar{v}_{0} = \bar{v}_{0} + \bar{v}_{2} v_{-1}$ & $1.71634$ \\" in latex
    assert r"\bar{x}_{1}" in latex and nfc("f\u0304") not in latex
    md = t.to_markdown().splitlines()
    assert md[2:4] == ["| definition | value |", "|:---|---:|"] and len(md) == 4 + len(t)
    parser = _Cells()
    parser.feed(t._repr_html_())
    assert parser.rows == len(t) + 1
    assert "11.6521" in str(trace_table(g, "primal"))  # at least 4 significant digits
    assert json.loads(json.dumps(t.to_records()))[0] == {
        "section": "inputs", "lhs": "v̄_5", "rhs": nfc("f\u0304"), "value": 1, "node": 6, "edge": None}
    assert t.render("markdown") == t.to_markdown()
    with pytest.raises(ValueError, match="unknown format"):
        t.render("rtf")
