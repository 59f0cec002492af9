"""Sparse Jacobians and Hessians by colouring equal the dense ones and SciPy's Rosenbrock Hessian.

Oracles: the dense ``jacobian``/``hessian`` (different algorithms: one sweep
per seed), ``scipy.optimize.rosen_hess`` (hand-written), central finite
differences of the gradient, and the library's OR_AND sweep with dense
bit-vector seeds for the pattern.  Colour counts are checked against what
greedy distance-2 colouring guarantees: at least the most non-zeros in a row,
at most the column-intersection graph's maximum degree + 1; a star colouring
(the Hessians' default) is checked on every path of four vertices; exactly 3
colours for a tridiagonal Hessian either way (n >= 4; the star colouring
needs 2 for n = 3, a path of three vertices being a star).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import semiring_ad as sad
from semiring_ad.ad.colouring import is_star_coloring
from semiring_ad.ad.sparse_derivatives import color_columns, hessian_pattern, jacobian_pattern
from semiring_ad.core.semirings import OR_AND
from semiring_ad.core.solver import sweep

scipy_optimize = pytest.importorskip("scipy.optimize")


def rosen(x):
    total = 0.0
    for i in range(len(x) - 1):
        total = total + 100.0 * (x[i + 1] - x[i] ** 2) ** 2 + (1.0 - x[i]) ** 2
    return total


def check_colors(pattern, colors):
    P = pattern.toarray()
    k = int(colors.max()) + 1
    for row in P:  # columns sharing a row have distinct colours
        cols = np.flatnonzero(row)
        assert len(set(colors[cols].tolist())) == len(cols)
    inter = (P.T.astype(int) @ P.astype(int)) > 0
    np.fill_diagonal(inter, False)
    assert P.sum(axis=1).max(initial=0) <= k <= inter.sum(axis=1).max(initial=0) + 1


def check_hessian_colors(pattern, colors, coloring):
    if coloring == "star":
        assert is_star_coloring(pattern, colors)
    else:
        check_colors(pattern, colors)


@pytest.mark.parametrize("coloring", ["star", "distance2"])
@pytest.mark.parametrize("n", [2, 3, 7, 40])
def test_sparse_rosenbrock_hessian_equals_scipy_and_uses_three_colours(n, coloring):
    x = np.random.default_rng(n).uniform(-2, 2, n)
    H = sad.hessian(rosen, sparse=True, coloring=coloring)(x)
    np.testing.assert_allclose(H.toarray(), scipy_optimize.rosen_hess(x), rtol=1e-12, atol=1e-9)
    assert H.n_colors == (min(n, 3) if coloring == "distance2" else {2: 2, 3: 2}.get(n, 3))
    assert H.nnz == 3 * n - 2
    check_hessian_colors(hessian_pattern(sad.trace(rosen, x)), H.colors, coloring)


# random sparse functions: sums of products and unary functions of few variables
TERMS = st.lists(st.tuples(st.sampled_from(["mul", "sin", "exp", "sq", "lin", "div"]),
                           st.integers(0, 7), st.integers(0, 7)), min_size=1, max_size=12)


def make(terms):
    def f(x):
        out = []
        for kind, a, b in terms:
            if kind == "mul":
                out.append(x[a] * x[b])
            elif kind == "sin":
                out.append(sad.sin(x[a] + x[b]))
            elif kind == "exp":
                out.append(sad.exp(0.3 * x[a]) - x[b])
            elif kind == "sq":
                out.append((x[a] - 2.0 * x[b]) ** 2)
            elif kind == "div":
                out.append(x[a] / (2.0 + x[b] * x[b]))
            else:
                out.append(3.0 * x[a] - x[b] / 4.0)
        return out
    return f


@settings(max_examples=40, deadline=None)
@given(terms=TERMS, seed=st.integers(0, 100))
def test_sparse_jacobian_equals_dense_and_the_or_and_pattern(terms, seed):
    f = make(terms)
    x = np.random.default_rng(seed).uniform(-1, 1, 8)
    J = sad.jacobian(f, sparse=True, per_element=True)(x)  # the scalar-tape colouring
    np.testing.assert_allclose(J.toarray(), sad.jacobian(f)(x), rtol=1e-12, atol=1e-12)
    g = sad.trace(f, x)
    seeds = {node: np.eye(8, dtype=bool)[j] for j, node in enumerate(g.inputs)}
    bits = sweep(g.compiled.with_weights([True] * g.compiled.n_edges), OR_AND, seeds, backend="python")
    dense = np.array([np.zeros(8, bool) if bits[o] is None else bits[o] for o in g.outputs])
    np.testing.assert_array_equal(jacobian_pattern(g).toarray(), dense)
    check_colors(jacobian_pattern(g), J.colors)


@settings(max_examples=40, deadline=None)
@given(terms=TERMS, seed=st.integers(0, 100), coloring=st.sampled_from(["star", "distance2"]))
def test_sparse_hessian_equals_dense_and_finite_differences(terms, seed, coloring):
    parts = make(terms)

    def f(x):
        return sum(parts(x), 0.0)

    x = np.random.default_rng(seed).uniform(-1, 1, 8)
    H = sad.hessian(f, sparse=True, coloring=coloring, per_element=True)(x)  # scalar tape
    dense = sad.hessian(f)(x)
    np.testing.assert_allclose(H.toarray(), dense, rtol=1e-10, atol=1e-10)
    grad = sad.grad(f)
    h = 1e-5
    fd = np.stack([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(8)], axis=1)
    np.testing.assert_allclose(H.toarray(), fd, rtol=1e-5, atol=1e-5)
    assert np.all(np.abs(dense[hessian_pattern(sad.trace(f, x)).toarray() == 0]) == 0)  # pattern is conservative
    check_hessian_colors(hessian_pattern(sad.trace(f, x)), H.colors, coloring)


def test_color_columns_on_a_dense_pattern_needs_one_colour_per_column():
    import scipy.sparse as sp

    colors = color_columns(sp.csr_array(np.ones((2, 5), dtype=bool)))
    assert sorted(colors.tolist()) == list(range(5))


@pytest.mark.parametrize("name", sorted(sad.PRIMITIVES))
def test_sparse_hessian_equals_dense_for_every_primitive(name):
    prim = sad.PRIMITIVES[name]

    def f(x):
        inner = x[0] * x[1] + 0.1
        args = (inner,) if prim.arity == 1 else (inner, x[1] * x[2])
        return sad.apply(name, *args) * x[2]

    x = np.array([0.4, 0.7, 0.9])
    np.testing.assert_allclose(sad.hessian(f, sparse=True)(x).toarray(), sad.hessian(f)(x), rtol=1e-12, atol=1e-12)


def test_hessian_pattern_classifies_a_new_row_from_its_rules():
    """Linearity is read off each row's SymPy rules, not a list of names: a registered linear row couples
    nothing, a registered nonlinear one couples its argument's inputs.  Oracle: the dense Hessian."""
    from semiring_ad.ad.primitives import PRIMITIVES, Primitive, register_primitive

    rows = [Primitive("triple_test", 1, lambda m, x: 3 * x, (lambda m, x, out: 3,), lambda x: 3 * x, None, "3x."),
            Primitive("cube_test", 1, lambda m, x: x * x * x, (lambda m, x, out: 3 * x * x,), lambda x: x**3, None,
                      "x**3.")]
    for row in rows:
        register_primitive(row)
    try:
        def f(x):
            return sad.apply("triple_test", x[0] * x[1]) + sad.apply("cube_test", x[2] + x[3]) + sad.apply(
                "triple_test", x[4])

        x = [0.5, -1.0, 2.0, 0.3, 1.5]
        pattern = hessian_pattern(sad.trace(f, x)).toarray()
        dense = np.asarray(sad.hessian(f)(x), dtype=float)
        assert not np.any((dense != 0) & ~pattern)  # conservative: every non-zero is in the pattern
        assert not pattern[4].any() and not pattern[:, 4].any()  # the linear row couples nothing
        assert not pattern[:2, 2:].any() and pattern[2:4, 2:4].all()  # the cube couples x2 and x3 only
    finally:
        for row in rows:
            del PRIMITIVES[row.name]


@pytest.mark.parametrize("expr", ["x0 * (x1 + x2)", "x0 * (x1 + x2) + x1 ** 2", "sin(x0 + x1) * x2", "x0 / (x1 + 2)",
                                  "(x0 - x1) ** 2 + 3 * x2"])
def test_hessian_pattern_couples_argument_pairs_exactly_as_sympy_hessian(expr):
    """Per argument pair, not per node: x0 * (x1 + x2) couples x0 with x1 and x2, not x1 with x2.
    Oracle: the non-zeros of SymPy's Hessian (no cancellation in these expressions)."""
    import sympy

    xs = sympy.symbols("x0:3")
    e = sympy.sympify(expr)
    f = sympy.lambdify([xs], e, modules={"sin": sad.sin})
    structure = np.array([[sympy.diff(e, a, b) != 0 for b in xs] for a in xs])
    np.testing.assert_array_equal(hessian_pattern(sad.trace(f, [0.3, 0.5, 0.7])).toarray(), structure)
