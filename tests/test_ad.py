"""The AD API (grad, value_and_grad, jacobian, jacfwd, jacrev, jvp, vjp, hessian, hvp).

Oracles nobody here wrote: ``sympy.diff`` / ``sympy.hessian`` of the same
expression built with SymPy, central finite differences, SciPy's Rosenbrock
derivatives (``scipy.optimize.rosen_der/rosen_hess/rosen_hess_prod``), NumPy
linear algebra for closed-form array gradients, and the published worked
examples (Baydin et al. 2018; Reps, CS 703).  Dual numbers
(``semiring_ad.ad.dual.Dual``) are a second, graph-free forward mode.

Tolerances: the AD results against each other and against SymPy (30 digits)
agree to rtol 1e-9 (rounding in different summation orders); central
differences with h = 1e-6 to rtol/atol 1e-6 (truncation h²f'''/6 plus
rounding eps·f/h, both below 1e-8 on the bounded random expressions).
"""

from __future__ import annotations

import math

import expressions as ex
import numpy as np
import pytest
import sympy
from hypothesis import given
from hypothesis import strategies as st
from scipy.optimize import rosen_der, rosen_hess, rosen_hess_prod

import semiring_ad as sad
from semiring_ad import (
    Dual,
    SemiringADError,
    TraceError,
    Tracer,
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from semiring_ad.ad.api import vmap_grad
from semiring_ad.ad.primitives import PRIMITIVES

X = sympy.symbols("x0:2", real=True)
BAYDIN_VALUE = math.log(2.0) + 10.0 - math.sin(5.0)
BAYDIN_GRAD = (5.5, 2.0 - math.cos(5.0))
RTOL = 1e-9
FD_TOL = 1e-6


def baydin(x1, x2):
    return sad.log(x1) + x1 * x2 - sad.sin(x2)


def reps(x, y):
    return (x + 4 * y) * ((x + y) * y)


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


def _is_float(r):
    return isinstance(r, float) and not isinstance(r, Tracer)


def _is_float_array(r, shape):
    return isinstance(r, np.ndarray) and r.dtype == float and r.shape == shape


# -- worked examples through every entry point ------------------------------------


def test_baydin_with_every_entry_point():
    p = (2.0, 5.0)
    assert grad(baydin)(*p) == pytest.approx(5.5, rel=1e-15)
    assert grad(baydin, argnums=1)(*p) == pytest.approx(1.7163378145367738, rel=1e-14)
    assert grad(baydin, argnums=(0, 1))(*p) == pytest.approx(BAYDIN_GRAD, rel=1e-14)
    value, g = value_and_grad(baydin, argnums=(0, 1))(*p)
    assert value == pytest.approx(11.652071455223084, rel=1e-15) and value == pytest.approx(BAYDIN_VALUE)
    assert g == pytest.approx(BAYDIN_GRAD, rel=1e-14)
    vec = lambda x: baydin(x[0], x[1])  # noqa: E731
    for jac in (jacfwd, jacrev, jacobian):
        J = jac(vec)(np.array(p))
        assert _is_float_array(J, (2,))
        np.testing.assert_allclose(J, BAYDIN_GRAD, rtol=1e-14)
    for mode in ("forward", "reverse", "auto"):
        assert jacobian(baydin, argnums=(0, 1), mode=mode)(*p) == pytest.approx(BAYDIN_GRAD, rel=1e-14)
    # Baydin's forward-mode table seeds ẋ1 = 1, ẋ2 = 0 and reads ẏ = 5.5.
    out, tangent = jvp(baydin, p, (1.0, 0.0))
    assert (out, tangent) == pytest.approx((BAYDIN_VALUE, 5.5), rel=1e-14)
    assert jvp(baydin, p, (0.0, 1.0))[1] == pytest.approx(BAYDIN_GRAD[1], rel=1e-14)
    # ... and the reverse table seeds ȳ = 1 and reads (x̄1, x̄2) = (5.5, 1.716).
    out, back = vjp(baydin, *p)
    assert out == pytest.approx(BAYDIN_VALUE)
    assert back(1.0) == pytest.approx(BAYDIN_GRAD, rel=1e-14)
    assert back(2.0) == pytest.approx((11.0, 2 * BAYDIN_GRAD[1]), rel=1e-14)


def test_reps_example():
    assert value_and_grad(reps, argnums=(0, 1))(3.0, 5.0) == (920.0, (155.0, 459.0))
    for jac in (jacfwd, jacrev):
        np.testing.assert_array_equal(jac(lambda v: reps(v[0], v[1]))([3.0, 5.0]), [155.0, 459.0])
    assert vjp(reps, 3.0, 5.0)[1](1.0) == (155.0, 459.0)
    assert jvp(reps, (3.0, 5.0), (1.0, 1.0)) == (920.0, 155.0 + 459.0)


# -- random expressions: five independent computations of one gradient ---------------


def _check_gradient(e, point, n_vars):
    f = ex.as_function(e)
    s = ex.as_sympy(e, X[:n_vars])
    oracle = np.array([ex.sympy_value(ex.real_diff(s, v), X[:n_vars], point) for v in X[:n_vars]])
    nums = tuple(range(n_vars))
    value, rev = value_and_grad(f, argnums=nums)(*point)
    assert value == pytest.approx(ex.sympy_value(s, X[:n_vars], point), rel=1e-12, abs=1e-12)
    fwd = jacfwd(f, argnums=nums)(*point)
    assert all(_is_float(g) for g in rev + fwd)
    duals = []
    for i in nums:
        d = f(*(Dual(x, 1.0) if k == i else x for k, x in enumerate(point)))
        duals.append(d.tangent if isinstance(d, Dual) else 0.0)
    fd = [ex.central_difference(f, point, i) for i in nums]
    np.testing.assert_allclose(rev, oracle, rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(fwd, oracle, rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(duals, oracle, rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(fd, oracle, rtol=FD_TOL, atol=FD_TOL)


@given(ex.expression_and_point(n_vars=2, max_depth=3))
def test_random_expressions_forward_reverse_dual_fd_sympy_agree(case):
    _check_gradient(*case, n_vars=2)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_row_forward_reverse_dual_fd_sympy_agree(name):
    """Deterministic coverage of every row (the random test may miss a new one)."""
    e = ex.row_expression(name)
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(20):
        point = tuple(rng.uniform(*ex.VAR_BOX, size=2))
        if ex.kink_distance(e, point) > ex.KINK_MARGIN:
            _check_gradient(e, point, n_vars=2)
            checked += 1
    assert checked >= 3


def test_kinks_are_found_from_sympy():
    assert {"abs", "maximum", "minimum", "relu"} <= set(ex.KINKS)
    assert not {"sin", "multiply", "power", "sqrt"} & set(ex.KINKS)


@given(ex.expressions(n_vars=2, max_depth=3), st.data())
def test_expressions_stay_in_domain_everywhere_in_the_box(e, data):
    """The strategy's promise: every primitive is in its domain (no DomainError, finite values)."""
    point = data.draw(st.tuples(*[st.floats(*ex.VAR_BOX)] * 2))
    assert math.isfinite(ex.evaluate(e, point))


@given(ex.expression_and_point(n_vars=2, max_depth=3), st.lists(st.floats(*ex.VAR_BOX), min_size=8, max_size=8))
def test_vmap_grad_equals_pointwise_grad(case, coords):
    e, _ = case
    f = ex.as_function(e)
    xs, ys = np.array(coords).reshape(2, 4)
    dx, dy = vmap_grad(f, argnums=(0, 1))(xs, ys)  # traced at the first point, swept at all four
    assert _is_float_array(dx, (4,)) and _is_float_array(dy, (4,))
    for k in range(4):
        # NumPy's and math's tanh/exp may differ by an ulp, and a partial such as 1 - tanh(u)**2 near
        # saturation amplifies that to ~1e-10 relative (found by hypothesis): same formula, other rounding.
        np.testing.assert_allclose((dx[k], dy[k]), grad(f, argnums=(0, 1))(xs[k], ys[k]), rtol=1e-9, atol=1e-14)


# -- shapes follow JAX --------------------------------------------------------------


def test_gradient_shapes_and_types():
    A = np.array([[1.0, 2.0, 3.0], [0.5, -1.0, 0.25]])
    assert _is_float(grad(lambda x: x**3)(2.0)) and grad(lambda x: x**3)(2.0) == 12.0
    assert _is_float(grad(lambda x: x**3)(2)) and grad(lambda x: 7.0)(1.0) == 0.0
    g = grad(lambda x: np.sum(x**2))(A)
    assert _is_float_array(g, (2, 3))
    np.testing.assert_array_equal(g, 2 * A)
    g = grad(lambda x: x[0] * x[1])([3.0, 4.0])
    assert _is_float_array(g, (2,)) and list(g) == [4.0, 3.0]
    gx, gy = grad(lambda x, y: np.sum(x * y), argnums=(0, 1))(A[0], A[1])
    assert _is_float_array(gx, (3,)) and _is_float_array(gy, (3,))
    np.testing.assert_array_equal(gx, A[1])
    np.testing.assert_array_equal(gy, A[0])
    (only,) = grad(lambda x, y: x * y, argnums=(1,))(3.0, 4.0)
    assert only == 3.0
    assert grad(lambda x, y: x * y, argnums=-1)(3.0, 4.0) == 3.0


def test_jacobian_shapes_and_types():
    f = lambda x: [x[0] * x[1], sad.sin(x[0]), x[1]]  # noqa: E731  ℝ² → ℝ³
    expected = np.array([[2.0, 1.0], [math.cos(1.0), 0.0], [0.0, 1.0]])
    for jac in (jacobian, jacfwd, jacrev):
        J = jac(f)([1.0, 2.0])
        assert _is_float_array(J, (3, 2))
        np.testing.assert_allclose(J, expected, rtol=1e-15)
        assert _is_float_array(jac(lambda x: np.sum(x**2))(np.ones(4)), (4,))  # scalar output → (n,)
        assert jac(lambda x: x**2)(3.0) == 6.0 and _is_float(jac(lambda x: x**2)(3.0))
        J = jac(lambda x: [x, x**2, 1.0])(3.0)  # scalar input → (m,)
        assert _is_float_array(J, (3,)) and list(J) == [1.0, 6.0, 0.0]
    M = np.arange(6.0).reshape(2, 3)
    J = jacobian(lambda x: x * x)(M)  # output shape + input shape
    assert _is_float_array(J, (2, 3, 2, 3))
    np.testing.assert_array_equal(J, np.einsum("ij,ik,jl->ijkl", 2 * M, np.eye(2), np.eye(3)))
    W = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    J = jacrev(lambda x: W @ x.T)(np.ones((2, 2)))  # (3, 2) output, (2, 2) input
    assert _is_float_array(J, (3, 2, 2, 2))
    np.testing.assert_array_equal(J, np.einsum("ik,jl->ijlk", W, np.eye(2)))
    Jx, Jy = jacobian(lambda x, y: [x * y, x + y], argnums=(0, 1))(3.0, 4.0)
    assert _is_float_array(Jx, (2,)) and list(Jx) == [4.0, 1.0] and list(Jy) == [3.0, 1.0]


def test_jvp_vjp_hvp_shapes():
    x = np.array([1.0, 2.0, 3.0])
    out, t = jvp(lambda v: v**2, (x,), (np.ones(3),))
    assert _is_float_array(out, (3,)) and _is_float_array(t, (3,))
    np.testing.assert_array_equal(t, 2 * x)
    out, back = vjp(lambda v, s: v * s, x, 2.0)
    ct_v, ct_s = back(np.array([1.0, 0.0, 1.0]))
    assert _is_float_array(ct_v, (3,)) and _is_float(ct_s)
    np.testing.assert_array_equal(ct_v, [2.0, 0.0, 2.0])
    assert ct_s == 4.0
    Hv = hvp(lambda v: np.sum(v**3), (x,), (np.ones(3),))
    assert _is_float_array(Hv, (3,))
    np.testing.assert_array_equal(Hv, 6 * x)
    H = hessian(lambda v: np.sum(v**3))(x.reshape(3, 1))
    assert _is_float_array(H, (3, 1, 3, 1))
    assert _is_float(hessian(lambda s: s**3)(2.0)) and hessian(lambda s: s**3)(2.0) == 12.0


# -- arrays ------------------------------------------------------------------------


RNG = np.random.default_rng(1234)
W = RNG.normal(size=(4, 3))
X0 = RNG.normal(size=3)


def test_grad_of_sum_tanh_matvec():
    """∇ₓ Σ tanh(Wx) = Wᵀ(1 − tanh²(Wx)) and ∇_W = (1 − tanh²(Wx)) xᵀ.

    rtol 1e-10: the object-array matmul sums in another order than BLAS, and
    1 − tanh² amplifies that rounding where |Wx| is large.
    """
    s = 1 - np.tanh(W @ X0) ** 2
    np.testing.assert_allclose(grad(lambda x: np.sum(np.tanh(W @ x)))(X0), W.T @ s, rtol=1e-10)
    np.testing.assert_allclose(grad(lambda w: np.sum(np.tanh(w @ X0)))(W), np.outer(s, X0), rtol=1e-10)
    np.testing.assert_allclose(jacobian(lambda x: np.tanh(W @ x))(X0), s[:, None] * W, rtol=1e-10)


def test_grad_of_numpy_ufuncs_on_arrays():
    np.testing.assert_allclose(grad(lambda x: np.sum(np.sin(x) * x))(X0), np.cos(X0) * X0 + np.sin(X0), rtol=1e-14)
    np.testing.assert_allclose(grad(lambda x: np.sum(np.exp(x)))(X0), np.exp(X0), rtol=1e-14)
    np.testing.assert_allclose(grad(lambda x: np.linalg.norm(x))(X0), X0 / np.linalg.norm(X0), rtol=1e-14)
    np.testing.assert_allclose(grad(lambda x: np.mean(x**2))(X0), 2 * X0 / 3, rtol=1e-14)
    assert grad(lambda x: np.tanh(x))(0.5) == pytest.approx(1 - math.tanh(0.5) ** 2, rel=1e-15)
    assert grad(lambda x: np.sqrt(np.exp(x)))(0.5) == pytest.approx(math.exp(0.25) / 2, rel=1e-15)


def test_softmax_jacobian():
    def softmax(z):
        e = np.exp(z)
        return e / np.sum(e)

    z = np.array([0.5, -1.0, 2.0, 0.1])
    s = np.exp(z) / np.exp(z).sum()
    np.testing.assert_allclose(jacfwd(softmax)(z), np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(jacrev(softmax)(z), np.diag(s) - np.outer(s, s), rtol=1e-12, atol=1e-15)


def test_least_squares_gradient_and_hessian():
    A = RNG.normal(size=(5, 3))
    b = RNG.normal(size=5)
    loss = lambda t: np.sum((A @ t - b) ** 2)  # noqa: E731
    np.testing.assert_allclose(grad(loss)(X0), 2 * A.T @ (A @ X0 - b), rtol=1e-12)
    np.testing.assert_allclose(hessian(loss)(X0), 2 * A.T @ A, rtol=1e-12)
    theta = np.linalg.lstsq(A, b, rcond=None)[0]  # the gradient vanishes at NumPy's least-squares solution
    np.testing.assert_allclose(grad(loss)(theta), 0.0, atol=1e-12)


# -- Hessians ------------------------------------------------------------------------

ROSEN_POINTS = [np.array(p) for p in ([-1.2, 1.0], [1.0, 1.0, 1.0], [0.5, -0.3, 2.0, 1.1], [0.0, 0.0, 0.0])]


def _fd_hessian(f, x, h=1e-5):
    g = grad(f)
    cols = []
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        cols.append((g(x + e) - g(x - e)) / (2 * h))
    return np.array(cols).T


@pytest.mark.parametrize("x", ROSEN_POINTS, ids=lambda x: f"n{x.size}")
def test_rosenbrock_hessian_against_scipy_sympy_and_finite_differences(x):
    n = x.size
    np.testing.assert_allclose(grad(rosenbrock)(x), rosen_der(x), rtol=1e-13, atol=1e-12)
    H = hessian(rosenbrock)(x)
    assert _is_float_array(H, (n, n))
    np.testing.assert_allclose(H, rosen_hess(x), rtol=1e-13, atol=1e-12)
    xs = sympy.symbols(f"y0:{n}", real=True)
    expr = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(n - 1))
    Hs = sympy.hessian(expr, xs)
    oracle = np.array([[ex.sympy_value(Hs[i, j], xs, x) for j in range(n)] for i in range(n)])
    np.testing.assert_allclose(H, oracle, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(H, _fd_hessian(rosenbrock, x), rtol=1e-6, atol=1e-5)
    np.testing.assert_allclose(jacobian(grad(rosenbrock))(x), oracle, rtol=1e-13, atol=1e-12)
    v = np.linspace(-1.0, 1.5, n)
    for method in ("forward-over-reverse", "reverse-over-reverse"):
        Hv = hvp(rosenbrock, (x,), (v,), method=method)
        np.testing.assert_allclose(Hv, rosen_hess_prod(x, v), rtol=1e-13, atol=1e-12)
        np.testing.assert_allclose(Hv, H @ v, rtol=1e-13, atol=1e-12)


@given(ex.expression_and_point(n_vars=2, max_depth=2),
       st.tuples(st.floats(-2, 2), st.floats(-2, 2)))  # fmt: skip
def test_random_expression_hessians(case, v):
    e, point = case
    f = ex.as_function(e)
    vec = lambda x: f(x[0], x[1])  # noqa: E731
    x = np.array(point)
    Hs = sympy.hessian(ex.real_form(ex.as_sympy(e, X)), X)
    oracle = np.array([[ex.sympy_value(Hs[i, j], X, point) for j in range(2)] for i in range(2)])
    H = hessian(vec)(x)
    assert _is_float_array(H, (2, 2))
    np.testing.assert_allclose(H, oracle, rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(jacfwd(grad(vec))(x), oracle, rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(jacrev(grad(vec))(x), oracle, rtol=RTOL, atol=RTOL)
    np.testing.assert_allclose(_fd_hessian(vec, x), oracle, rtol=1e-5, atol=1e-5)
    for method in ("forward-over-reverse", "reverse-over-reverse"):
        np.testing.assert_allclose(hvp(vec, (x,), (np.array(v),), method=method), H @ np.array(v), rtol=RTOL, atol=RTOL)
        np.testing.assert_allclose(hvp(f, point, v, method=method), H @ np.array(v), rtol=RTOL, atol=RTOL)


# -- nesting ---------------------------------------------------------------------------


@given(ex.expression_and_point(n_vars=1, max_depth=2))
def test_grad_of_grad_is_the_second_derivative(case):
    e, (x,) = case
    f = ex.as_function(e)
    d2 = ex.real_diff(ex.as_sympy(e, X[:1]), X[0], X[0])
    oracle = ex.sympy_value(d2, X[:1], (x,))
    assert grad(grad(f))(x) == pytest.approx(oracle, rel=RTOL, abs=RTOL)
    assert hessian(f)(x) == pytest.approx(oracle, rel=RTOL, abs=RTOL)
    assert jacfwd(jacrev(f))(x) == pytest.approx(oracle, rel=RTOL, abs=RTOL)


def test_third_derivative_of_tanh():
    t = sympy.Symbol("t")
    oracle = float(sympy.diff(sympy.tanh(t), t, 3).subs(t, 2).evalf(30))
    assert oracle == pytest.approx(0.2526540651, abs=1e-10)
    assert grad(grad(grad(sad.tanh)))(2.0) == pytest.approx(oracle, rel=1e-13)
    assert jacfwd(jacrev(grad(sad.tanh)))(2.0) == pytest.approx(oracle, rel=1e-13)
    assert grad(hessian(sad.tanh))(2.0) == pytest.approx(oracle, rel=1e-13)
    assert grad(lambda x: hvp(sad.tanh, (x,), (1.0,)))(2.0) == pytest.approx(oracle, rel=1e-13)


@given(st.floats(-100, 100))
def test_no_perturbation_confusion(x):
    """Siskind & Pearlmutter: d/dx [x · (d/dy (x + y))(y=1)] = 1 (a confused AD says 2)."""
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(x) == 1.0
    assert jacfwd(lambda x: x * jacfwd(lambda y: x + y)(1.0))(x) == 1.0
    assert jvp(lambda x: x * jvp(lambda y: x + y, (1.0,), (1.0,))[1], (x,), (1.0,))[1] == 1.0


def test_derivative_of_a_function_that_calls_grad():
    """g(x) = x · ∂/∂y sin(x·y) at y = x = x² cos(x²); its derivative from SymPy."""
    xs, ys = sympy.symbols("x y", real=True)
    gs = xs * sympy.diff(sympy.sin(xs * ys), ys).subs(ys, xs)
    g = lambda x: x * grad(lambda y: sad.sin(x * y))(x)  # noqa: E731
    for x in (-1.3, 0.2, 0.9, 2.0):
        assert g(x) == pytest.approx(x**2 * math.cos(x**2), rel=1e-14)
        assert grad(g)(x) == pytest.approx(ex.sympy_value(sympy.diff(gs, xs), [xs], [x]), rel=1e-12)
        assert jacfwd(g)(x) == pytest.approx(ex.sympy_value(sympy.diff(gs, xs), [xs], [x]), rel=1e-12)
        assert grad(grad(g))(x) == pytest.approx(ex.sympy_value(sympy.diff(gs, xs, 2), [xs], [x]), rel=1e-12)


def test_gradient_of_a_hessian_vector_product_with_respect_to_a_parameter():
    """d/da [∂²/∂y² (a y³)](y=2) = 12, through both hvp methods and hessian."""
    for method in ("forward-over-reverse", "reverse-over-reverse"):
        assert grad(lambda a, method=method: hvp(lambda y: a * y**3, (2.0,), (1.0,), method=method))(1.0) == 12.0
    assert grad(lambda a: hessian(lambda y: a * y**3)(2.0))(1.0) == 12.0


# -- deep graphs -------------------------------------------------------------------------


def test_chain_of_1e5_operations_through_the_api():
    n = 100_000

    def chain(x):
        for _ in range(n):
            x = sad.sin(x)
        return x

    x, expected = 0.7, 1.0  # oracle: the chain rule as a plain loop, d sinⁿ(x)/dx = Π cos(xₖ)
    for _ in range(n):
        expected *= math.cos(x)
        x = math.sin(x)
    out, tangent = jvp(chain, (0.7,), (1.0,))
    assert out == pytest.approx(x, rel=1e-12)
    assert tangent == pytest.approx(expected, rel=1e-9)
    assert grad(chain)(0.7) == pytest.approx(expected, rel=1e-9)


# -- errors ------------------------------------------------------------------------------


def test_grad_of_a_vector_valued_function_points_to_jacobian():
    with pytest.raises(TraceError, match="jacobian"):
        grad(lambda x: x * 2)(np.array([1.0, 2.0]))
    with pytest.raises(TraceError, match="jacobian"):
        value_and_grad(lambda x: [x, x])(1.0)
    with pytest.raises(TraceError, match="scalar output"):
        hessian(lambda x: [x, x])(1.0)
    with pytest.raises(TraceError, match="scalar output"):
        hvp(lambda x: [x, x], (1.0,), (1.0,))


@pytest.mark.parametrize("argnums", [2, -3, (0, 5)])
def test_out_of_range_argnums_raise(argnums):
    for transform in (grad, jacobian, jacfwd, value_and_grad):
        with pytest.raises(TraceError, match="out of range"):
            transform(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


@pytest.mark.parametrize("argnums", ["a", 1.0, None])
def test_argnums_of_the_wrong_type_raise(argnums):
    with pytest.raises((TypeError, SemiringADError)):
        grad(lambda x, y: x * y, argnums=argnums)(1.0, 2.0)


def test_other_argument_errors():
    with pytest.raises(ValueError, match="mode"):
        jacobian(lambda x: x, mode="sideways")(1.0)
    with pytest.raises(ValueError, match="method"):
        hvp(lambda x: x * x, (1.0,), (1.0,), method="sideways")
    with pytest.raises(TraceError, match="tangents"):
        jvp(lambda x: np.sum(x), (np.ones(3),), (np.ones(2),))
    _, back = vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(TraceError, match="cotangent"):
        back(np.ones(2))
    with pytest.raises(TraceError, match="argnums"):
        grad(lambda: 1.0)()


def test_bug_duplicate_argnums_are_refused_instead_of_giving_zero():
    """Regression: argnums=(0, 0) used to give (0.0, 2.0) silently; now it is refused."""
    with pytest.raises(TraceError, match="twice"):
        grad(lambda x, y: x * y, argnums=(0, 0))(1.0, 2.0)


def test_bug_grad_of_a_zero_dimensional_array_output():
    assert grad(lambda x: np.asarray(x * x))(3.0) == 6.0


def test_bug_numpy_var_of_tracers():
    x = np.array([0.5, -2.0, 1.0])
    np.testing.assert_allclose(grad(lambda v: np.var(v))(x), 2 * (x - x.mean()) / x.size, rtol=1e-14)


def test_bug_vmap_grad_batched_constant_follows_the_points():
    """Regression: a batched argument outside argnums kept the first example's value."""
    t, x = np.ones(3), np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(sad.vmap_grad(lambda t, x: t * x, argnums=0)(t, x), x)
    dx, dt = sad.vmap_grad(lambda t, x: sad.sin(t) * x, argnums=(1, 0))(t, x)
    np.testing.assert_allclose(dx, np.sin(t))
    np.testing.assert_allclose(dt, np.cos(t) * x)
