"""Regression: integer partials (from ``+`` and ``−``) made ``_jacobian_matrix`` sweep once per seed.

Float tapes now record float partials (``test_float_tapes_record_float_partials_for_every_rule``).

The one-sweep path (seed i carries the unit vector e_i) must be taken for any
tape of real partials; the values are checked against central finite
differences, an oracle independent of the sweeps.
"""

from __future__ import annotations

import numpy as np
import pytest

import semiring_ad as sad
from semiring_ad.ad import computation


def f(x):
    return [x[0] + x[1] * x[2], x[1] - sad.sin(x[0]), x[2] + x[0] * x[0] - x[1], x[0] * x[1] * x[2]]


def central_differences(fun, x, h=1e-6):
    x = np.asarray(x, dtype=float)
    cols = []
    for i in range(len(x)):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((np.asarray(fun(x + e), dtype=float) - np.asarray(fun(x - e), dtype=float)) / (2 * h))
    return np.stack(cols, axis=-1)


def numpy_f(x):
    return [x[0] + x[1] * x[2], x[1] - np.sin(x[0]), x[2] + x[0] * x[0] - x[1], x[0] * x[1] * x[2]]


def test_float_tapes_record_float_partials_for_every_rule():
    """The rules write ``+``'s and ``−``'s partials as ints (exact for SymPy); a float tape casts them."""
    g = sad.trace(lambda x, y: [x + y, x - y, 2 - x, -y, x + 1, sad.maximum(x, y), sad.relu(y), x / 2], 0.5, 1.5)
    assert g.tape.partials and all(type(w) is float for w in g.tape.partials)
    assert all(type(w) is float for w in g.at(0.7, -0.2).tape.partials)


@pytest.mark.parametrize("mode", ["forward", "reverse"])
def test_jacobian_with_integer_partials_takes_one_sweep(mode, monkeypatch):
    x = np.array([0.3, -1.2, 2.0])
    g = sad.trace(f, x)
    assert all(type(w) is float for w in g.tape.partials), "+ and - record float partials"
    calls = []
    real_solve = computation._solve

    def counting_solve(*args, **kwargs):
        calls.append(args[2])
        return real_solve(*args, **kwargs)

    monkeypatch.setattr(computation, "_solve", counting_solve)
    J = g.jacobian(mode)
    assert len(calls) == 1
    np.testing.assert_allclose(J, central_differences(numpy_f, x), rtol=1e-6, atol=1e-8)
    assert J.dtype == np.float64


def test_symbolic_tapes_keep_the_exact_per_seed_path():
    sympy = pytest.importorskip("sympy")
    a, b = sympy.symbols("a b")
    J = sad.trace(lambda x, y: [x + y, x * y], a, b).jacobian("forward")
    assert sympy.simplify(sympy.Matrix(J) - sympy.Matrix([[1, 1], [b, a]])) == sympy.zeros(2, 2)
