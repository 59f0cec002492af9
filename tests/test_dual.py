"""Dual numbers: the independent forward mode, nesting, and the DUAL semiring.

Oracles: the FLOAT partials of the primitive table (a different code path
from dual arithmetic), ``sympy.diff``, and closed-form higher derivatives.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
import sympy

from semiring_ad import functions as F
from semiring_ad.ad.dispatch import local_partials
from semiring_ad.ad.dual import DUAL, Dual, derivative, dual_equal
from semiring_ad.ad.primitives import PRIMITIVES
from semiring_ad.core.semiring import check_laws
from semiring_ad.core.semirings import SEMIRINGS, get_semiring
from semiring_ad.errors import DomainError, SemiringLawError

# Candidate points; a primitive is tested at those inside its domain.  Every
# coordinate is nonzero and the two coordinates differ, so no kink is hit.
UNARY = [(0.3,), (0.7,), (-0.6,), (1.3,)]
BINARY = [(0.3, 0.7), (1.3, -0.6), (0.7, 2.1), (-0.6, 0.3), (2.1, 1.3)]


def in_domain(name: str) -> list[tuple[float, ...]]:
    points = []
    for point in UNARY if PRIMITIVES[name].arity == 1 else BINARY:
        try:
            local_partials(name, *point)
        except DomainError:
            continue
        points.append(point)
    assert len(points) >= 2, f"no test points inside the domain of {name}"
    return points


CASES = [pytest.param(name, point, id=f"{name}-{point}") for name in sorted(PRIMITIVES) for point in in_domain(name)]


@pytest.mark.parametrize(("name", "point"), CASES)
def test_dual_tangent_equals_float_partial(name, point):
    value, partials = local_partials(name, *point)
    for i in range(len(point)):
        args = [Dual(x, 1.0) if k == i else x for k, x in enumerate(point)]
        out = F.apply(name, *args)
        assert isinstance(out, Dual) and out.level == 0
        assert out.value == pytest.approx(value, rel=1e-14)
        assert out.tangent == pytest.approx(partials[i], rel=1e-14)


@pytest.mark.parametrize(("name", "point"), CASES)
def test_dual_tangent_is_the_directional_derivative(name, point):
    direction = (0.7, -1.3)[: len(point)]
    out = F.apply(name, *(Dual(x, v) for x, v in zip(point, direction, strict=True)))
    _, partials = local_partials(name, *point)
    assert out.tangent == pytest.approx(sum(p * v for p, v in zip(partials, direction, strict=True)), rel=1e-12)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_dual_over_sympy_gives_the_symbolic_partial(name):
    syms = sympy.symbols(f"x0:{PRIMITIVES[name].arity}", positive=True)
    _, partials = local_partials(name, *syms)
    out = F.apply(name, Dual(syms[0], 1), *syms[1:])
    assert sympy.simplify(out.tangent - partials[0]) == 0


def parts(d: Dual) -> tuple:
    return d.value, d.tangent


def test_plain_numbers_mix_with_duals():
    x = Dual(3.0, 1.0)
    assert [parts(d) for d in (2 * x, x * 2, x + 1, 1 - x, -x, +x, abs(-x))] == [
        (6.0, 2.0), (6.0, 2.0), (4.0, 1.0), (-2.0, -1.0), (-3.0, -1.0), (3.0, 1.0), (3.0, 1.0),
    ]  # fmt: skip
    assert parts(6 / x) == pytest.approx((2.0, -2 / 3))
    assert parts(x / 2) == pytest.approx((1.5, 0.5))
    assert parts(2**x) == pytest.approx((8.0, 8 * math.log(2)))


def test_zero_tangents_are_skipped():
    assert parts(Dual(-2.0, 1.0) ** 3) == (-8.0, 12.0)  # a constant exponent never needs log(x)
    assert parts(Dual(-2.0, 1.0) ** Dual(3.0, 0.0)) == (-8.0, 12.0)
    with pytest.raises(DomainError, match="log"):
        Dual(-2.0, 1.0) ** Dual(3.0, 1.0)
    with pytest.raises(DomainError, match=r"log\(-1\.0\)"):
        F.log(Dual(-1.0, 1.0))


def test_repr_float_comparisons():
    assert repr(Dual(2.0, 1.0)) == "Dual(2.0, 1.0)"
    assert repr(Dual(2.0, 1.0, level=3)) == "Dual(2.0, 1.0, level=3)"
    assert Dual(2.5, 1.0).value == 2.5  # float(Dual) is refused: it would drop the tangent (test_regressions_ad)
    assert Dual(1.0, 5.0) < 2 < Dual(3.0, -1.0) and Dual(2.0, 1.0) == Dual(2.0, 9.0) == 2.0
    assert Dual(1.0, 0.0) <= Dual(1.0, 1.0) and not Dual(0.0, 1.0)


def test_numpy_interplay():
    assert dual_equal(np.sin(Dual(1.0, 1.0)), Dual(math.sin(1.0), math.cos(1.0)))
    xs = np.array([Dual(1.0, 1.0), Dual(2.0, 0.5)], dtype=object)
    ys = np.exp(xs) * xs
    assert dual_equal(ys[1], Dual(2 * math.exp(2), 0.5 * 3 * math.exp(2)))
    d = derivative(F.sin, np.array([0.0, 1.0]))
    np.testing.assert_allclose(d, np.cos([0.0, 1.0]))


# -- derivative vs sympy.diff ------------------------------------------------------------

COMPOSITES = [
    lambda x: F.sin(x) * F.exp(x) / (1 + x**2),
    lambda x: F.log(1 + F.sigmoid(x)) - F.tanh(x) ** 3,
    lambda x: F.sqrt(x) ** x,
    lambda x: F.arctan(x * x) + F.cosh(x) / F.expm1(x),
    lambda x: F.maximum(x, 0.5) * F.log1p(x) - F.relu(x - 2),
]


@pytest.mark.parametrize("f", COMPOSITES)
@pytest.mark.parametrize("x0", [0.4, 1.1, 2.7])
def test_derivative_matches_sympy(f, x0):
    x = sympy.Symbol("x", positive=True)
    want = float(sympy.diff(f(x), x).subs(x, x0).evalf())
    assert derivative(f, x0) == pytest.approx(want, rel=1e-12)


def test_derivative_of_a_symbol_is_symbolic():
    x = sympy.Symbol("x")
    assert sympy.simplify(derivative(lambda t: F.sin(t) ** 2, x) - sympy.sin(2 * x)) == 0


# -- nesting ------------------------------------------------------------------------------


def test_second_derivative_with_explicit_levels():
    x = Dual(Dual(2.0, 1.0, level=1), Dual(1.0, 0.0, level=1), level=2)
    y = x**3
    assert y.level == 2 and y.value.value == 8.0
    assert y.tangent.value == 12.0  # f'(2) = 3·2²
    assert y.tangent.tangent == 12.0  # f''(2) = 6·2


def test_nested_derivative():
    assert derivative(lambda x: derivative(lambda y: y**3, x), 2.0) == 12.0
    for x0 in (-1.0, 0.3, 2.0):
        assert derivative(lambda x: derivative(F.sin, x), x0) == pytest.approx(-math.sin(x0), rel=1e-15)
        third = derivative(lambda x: derivative(lambda y: derivative(F.exp, y), x), x0)
        assert third == pytest.approx(math.exp(x0), rel=1e-15)


def test_no_perturbation_confusion():
    """Siskind & Pearlmutter: d/dx [x · (d/dy (x + y))|y=1] = 1, not 2."""
    assert derivative(lambda x: x * derivative(lambda y: x + y, 1.0), 5.0) == 1


def test_perturbation_confusion_needs_distinct_levels():
    def d_dx(outer: int, inner: int) -> float:
        x = Dual(5.0, 1.0, outer)
        d_dy = (x + Dual(1.0, 1.0, inner)).tangent  # the ε_inner coefficient of x + y at y = 1
        return (x * d_dy).tangent

    assert d_dx(1, 2) == 1
    assert d_dx(1, 1) == 2  # one shared ε: the inner derivative also sees x's perturbation


# -- the DUAL semiring ------------------------------------------------------------------------


SAMPLES = [Dual(0, 0), Dual(1, 0), Dual(2.0, -1.5), Dual(-0.5, 3.0), 2.0, Dual(0.25, 0.0)]


def test_dual_semiring_laws():
    check_laws(DUAL, SAMPLES)
    assert SEMIRINGS["dual"] is DUAL and get_semiring("dual") is DUAL


def test_dual_law_checker_can_fail():
    wrong = replace(DUAL, times=lambda a, b: Dual(a.value * b.value, a.tangent * b.tangent))
    with pytest.raises(SemiringLawError):
        check_laws(wrong, [Dual(1, 0), Dual(2.0, 1.0), Dual(0.5, -1.0)])


def test_dual_equal():
    assert dual_equal(Dual(1.0, 2.0), Dual(1.0 + 1e-13, 2.0))
    assert not dual_equal(Dual(1.0, 2.0), Dual(1.0, 2.1))
    assert dual_equal(Dual(3.0, 0), 3.0) and not dual_equal(Dual(3.0, 1.0), 3.0)


def test_hessian_vector_product_by_a_dual_backward_sweep():
    """f(x, y) = (x·x)·y; edge weights at (x, y) + ε(1, 0) are duals; H·v = (2y, 2x) = (10, 6) at (3, 5)."""
    x, y = Dual(3.0, 1.0), Dual(5.0, 0.0)
    v1, (w_x1, w_x2) = local_partials("multiply", x, x)  # two edges x -> v1
    _, (w_v1, w_y) = local_partials("multiply", v1, y)
    grad_x = DUAL.sum([DUAL.prod([w_x1, w_v1]), DUAL.prod([w_x2, w_v1])])
    grad_y = DUAL.prod([w_y])
    assert (grad_x.value, grad_y.value) == (30.0, 9.0)  # the gradient (2xy, x²)
    assert (grad_x.tangent, grad_y.tangent) == (10.0, 6.0)  # H·v
