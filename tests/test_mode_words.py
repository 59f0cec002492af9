"""Issue 14, items 5 and 8: one mode, two words; integers beyond the float range in the Python API.

Oracles: the "backward" spelling of each call (whose results the rest of the
suite checks against enumeration, SymPy and finite differences), and Python's
own float conversion for what "beyond the float range" means.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import sympy

import semiring_ad as sad
from semiring_ad.ad import arrays
from semiring_ad.core.graph import compile_graph
from semiring_ad.core.solver import sweep
from semiring_ad.errors import DomainError, InputError, SemiringADError

G = nx.DiGraph([("x", "a", {"weight": 2.0}), ("a", "y", {"weight": 3.0}), ("x", "y", {"weight": 5.0})])


def f(x1, x2):
    return [sad.log(x1) + x1 * x2, sad.sin(x2) * x1]


def test_sweep_and_path_sum_take_reverse_for_backward():
    cg = compile_graph(G)
    seeds = {cg.index["y"]: 1.0}
    assert sweep(cg, sad.PLUS_TIMES, seeds, "reverse") == sweep(cg, sad.PLUS_TIMES, seeds, "backward")
    assert sad.path_sum(G, sad.PLUS_TIMES, "x", "y", method="reverse") == 11.0
    assert sad.path_sum(G, sad.PLUS_TIMES, "x", "y", method="backward") == 11.0


@pytest.mark.parametrize("word", ["reverse", "backward"])
def test_jacobians_take_backward_for_reverse(word):
    expected = sad.jacobian(f, argnums=(0, 1), mode="forward")(2.0, 5.0)
    got = sad.jacobian(f, argnums=(0, 1), mode=word)(2.0, 5.0)
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float))
    g = sad.trace(f, 2.0, 5.0)
    np.testing.assert_allclose(g.jacobian(mode=word), g.jacobian(mode="forward"))
    x, y = sympy.symbols("x y")
    assert sad.symbolic_jacobian([x * y, sympy.sin(x)], mode=word) == sad.symbolic_jacobian(
        [x * y, sympy.sin(x)], mode="forward")
    w = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.testing.assert_allclose(arrays.jacobian(lambda v: w @ v, mode=word)(np.ones(2)), w)


@pytest.mark.parametrize("call", [
    lambda: sweep(compile_graph(G), sad.PLUS_TIMES, {0: 1.0}, "sideways"),
    lambda: sad.path_sum(G, sad.PLUS_TIMES, "x", "y", method="sideways"),
    lambda: sad.jacobian(f, mode="sideways"),
    lambda: sad.trace(f, 2.0, 5.0).jacobian(mode="sideways"),
    lambda: sad.symbolic_jacobian([sympy.Symbol("x")], mode="sideways"),
    lambda: arrays.jacobian(lambda v: v, mode="sideways"),
    lambda: sad.trace_table(sad.trace(lambda x: x * x, 2.0), "sideways"),
])
def test_any_other_word_is_the_librarys_error_naming_both_spellings(call):
    with pytest.raises(InputError) as info:
        call()
    assert isinstance(info.value, SemiringADError) and isinstance(info.value, ValueError)
    assert "sideways" in str(info.value) and "reverse" in str(info.value)


@pytest.mark.parametrize("build", [
    lambda x: sympy.Integer(2**1024) * x,
    lambda x: 10**400 + x,
    lambda x: sympy.Integer(10) ** 400 * x,
])
def test_sympy_integers_beyond_float_range_are_a_domain_error(build):
    with pytest.raises(OverflowError):
        float(2**1024)  # the oracle: this is what "beyond the float range" means
    x = sympy.Symbol("x")
    g = sad.from_sympy(build(x))
    with pytest.raises(DomainError, match="overflows a float"):
        g.at(1.0)


@pytest.mark.parametrize("fn", [lambda t: 2**1024 * t, lambda t: 10**400 + t, lambda t: t * 10**309])
def test_python_integers_beyond_float_range_are_a_domain_error(fn):
    with pytest.raises(DomainError, match=r"overflows a float") as info:
        sad.grad(fn)(1.0)
    assert "digits>" in str(info.value) and len(str(info.value)) < 400  # the number is not printed in full
