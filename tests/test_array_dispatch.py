"""The public API's choice of tracer (semiring_ad.ad.array_dispatch), pytree outputs, has_aux and kwargs.

Which path ran is read off the type the function saw (an ArrayTracer on the
array path, an object array of scalar tracers on the element-wise path).
Values are checked against closed forms, finite differences and the other path.
"""

import math

import numpy as np
import pytest

import semiring_ad as sad
from semiring_ad import arrays as sa
from semiring_ad.ad.arrays.tape import ArrayTracer

RNG = np.random.default_rng(5)


def spy(f):
    seen = []

    def g(*args, **kwargs):
        leaf = args[0]["w"] if isinstance(args[0], dict) else args[0]
        seen.append("array" if isinstance(leaf, ArrayTracer) else "element")
        return f(*args, **kwargs)

    return g, seen


@pytest.mark.parametrize("arg, path", [
    (np.array([0.5, 1.5]), "array"),
    ({"w": np.array([0.5, 1.5])}, "array"),
    ([0.5, 1.5], "element"),
    (np.array([1, 2]), "element"),
    (0.5, "element"),
])
def test_float_arrays_take_the_array_path_and_everything_else_the_element_wise_one(arg, path):
    def f(x):
        leaf = x["w"] if isinstance(x, dict) else x
        return np.sum(leaf * leaf) if not isinstance(leaf, (float,)) and np.ndim(leaf) else leaf * leaf

    g, seen = spy(f)
    sad.grad(g)(arg)
    assert seen == [path]


def test_per_element_forces_the_element_wise_path_and_gives_the_same_numbers():
    x = RNG.normal(size=4)
    g, seen = spy(lambda x: np.sum(np.tanh(x) ** 3))
    a = sad.grad(g)(x)
    b = sad.grad(g, per_element=True)(x)
    assert seen == ["array", "element"]
    np.testing.assert_allclose(a, np.asarray(b, dtype=float), rtol=1e-13)
    np.testing.assert_allclose(a, 3 * np.tanh(x) ** 2 * (1 - np.tanh(x) ** 2), rtol=1e-13)


@pytest.mark.parametrize("body", [
    lambda x: math.sin(x[0]) if False else sad.sin(x[0]) * float(x[1].value if hasattr(x[1], "value") else x[1]),
    lambda x: sum(xi * xi for xi in x.tolist()),          # ndarray method the tracer lacks
    lambda x: x[0] * x[1] if x[0] > x[1] else x[1] ** 2,  # a branch on traced scalars: fine on both
])
def test_what_the_array_tracer_cannot_do_falls_back_to_the_element_wise_path(body):
    x = np.array([2.0, 3.0])
    got = sad.grad(body)(x)
    want = sad.grad(body, per_element=True)(x)
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(want, dtype=float))


def test_fallback_on_float_conversion_reports_the_element_wise_error_when_both_fail():
    with pytest.raises(sad.TraceError, match="converted to float"):
        sad.grad(lambda x: math.sin(x[0]))(np.array([1.0, 2.0]))


def test_a_domain_error_is_reported_as_the_element_wise_path_reports_it():
    with pytest.raises(sad.DomainError):
        sad.grad(lambda x: np.sum(np.log(x)))(np.array([1.0, -1.0]))


def test_trace_per_element_switch():
    f = lambda x: np.sum(np.tanh(x) ** 2)  # noqa: E731
    x = np.ones(30)
    per_element = sad.trace(f, x)
    arrays = sad.trace(f, x, per_element=False)
    assert isinstance(per_element, sad.ComputationGraph) and per_element.n_nodes > 60
    assert isinstance(arrays, sa.ArrayGraph) and arrays.ops == [None, "tanh", "power", "sum"]
    assert math.isclose(per_element.value, arrays.value)


def test_pytree_outputs_have_jax_layout():
    x = RNG.normal(size=3)
    f = lambda x: {"sum": np.sum(x ** 2), "pair": (np.sin(x), 2.0 * x[:2])}  # noqa: E731
    J = sad.jacrev(f)(x)
    np.testing.assert_allclose(J["sum"], 2 * x)
    np.testing.assert_allclose(J["pair"][0], np.diag(np.cos(x)))
    np.testing.assert_allclose(J["pair"][1], 2 * np.eye(3)[:2])
    Jf = sad.jacfwd(f)(x)
    np.testing.assert_allclose(Jf["pair"][0], J["pair"][0])
    value, tangent = sad.jvp(f, (x,), (np.ones(3),))
    np.testing.assert_allclose(tangent["pair"][0], np.cos(x))
    assert math.isclose(value["sum"], np.sum(x ** 2))
    _, back = sad.vjp(f, x)
    (ct,) = back({"sum": 1.0, "pair": (np.zeros(3), np.ones(2))})
    np.testing.assert_allclose(ct, 2 * x + np.array([2.0, 2.0, 0.0]))


def test_pytree_output_and_pytree_input_nest_output_first():
    p = {"a": RNG.normal(size=2), "b": RNG.normal(size=(2, 2))}
    J = sad.jacobian(lambda p: [p["b"] @ p["a"], np.sum(p["a"])])(p)
    np.testing.assert_allclose(J[0]["a"], p["b"])
    assert J[0]["b"].shape == (2, 2, 2) and J[1]["b"].shape == (2, 2)
    np.testing.assert_allclose(J[1]["a"], np.ones(2))


@pytest.mark.parametrize("per_element", [False, True])
def test_has_aux_on_both_paths(per_element):
    x = np.array([1.0, 2.0])
    f = lambda x: (np.sum(x ** 2), {"first": x[0]})  # noqa: E731
    g, aux = sad.grad(f, has_aux=True, per_element=per_element)(x)
    np.testing.assert_allclose(np.asarray(g, dtype=float), 2 * x)
    assert float(aux["first"]) == 1.0
    (value, aux), g = sad.value_and_grad(f, has_aux=True, per_element=per_element)(x)
    assert value == 5.0 and float(aux["first"]) == 1.0
    J, aux = sad.jacrev(lambda x: (x ** 2, "tag"), has_aux=True, per_element=per_element)(x)
    np.testing.assert_allclose(np.asarray(J, dtype=float), np.diag(2 * x))
    assert aux == "tag"
    out, tangent, aux = sad.jvp(lambda x: (x ** 2, 7), (x,), (np.ones(2),), has_aux=True, per_element=per_element)
    np.testing.assert_allclose(np.asarray(tangent, dtype=float), 2 * x)
    assert aux == 7
    out, back, aux = sad.vjp(lambda x: (x ** 2, 7), x, has_aux=True, per_element=per_element)
    assert aux == 7
    np.testing.assert_allclose(np.asarray(out, dtype=float), x ** 2)
    np.testing.assert_allclose(np.asarray(back(np.ones(2))[0], dtype=float), 2 * x)


@pytest.mark.parametrize("per_element", [False, True])
def test_keyword_arguments_are_passed_to_f(per_element):
    f = lambda x, *, scale: np.sum(scale * x ** 2)  # noqa: E731
    x = np.array([1.0, 3.0])
    np.testing.assert_allclose(np.asarray(sad.grad(f, per_element=per_element)(x, scale=3.0), dtype=float), 6 * x)
    np.testing.assert_allclose(np.asarray(sad.hessian(f, per_element=per_element)(x, scale=0.5), dtype=float),
                               np.eye(2))


def test_vmap_grad_on_big_array_points_matches_a_loop_of_closed_forms():
    W = RNG.normal(size=(3, 1200))
    xs = RNG.normal(size=(6, 1200))
    f = lambda x: np.sum(np.tanh(W @ x))  # noqa: E731
    g, seen = spy(f)
    got = sad.vmap_grad(g, argnums=0)(xs)
    assert seen == ["array"] * 6  # 1200 scalars per point: the array path, one trace per example
    np.testing.assert_allclose(sad.vmap_grad(f, per_element=True)(xs[:2]), got[:2], rtol=1e-12)
    want = np.stack([W.T @ (1 - np.tanh(W @ x) ** 2) for x in xs])
    np.testing.assert_allclose(got, want, rtol=1e-12)
    d0, d1 = sad.arrays.vmap_grad(lambda x, y: np.sum(x * y), argnums=(0, 1))(xs, 2 * xs)
    np.testing.assert_allclose(d0, 2 * xs)
    np.testing.assert_allclose(d1, xs)


def test_vmap_grad_of_scalar_or_small_points_stays_element_wise():
    g, seen = spy(lambda x: sad.sin(x) * 2.0)
    np.testing.assert_allclose(sad.vmap_grad(g)(np.linspace(0, 1, 4)), 2 * np.cos(np.linspace(0, 1, 4)))
    g, seen2 = spy(lambda x: np.sum(sad.sin(x)))
    xs = RNG.normal(size=(5, 3))
    np.testing.assert_allclose(sad.vmap_grad(g)(xs), np.cos(xs))
    assert seen == ["element"] and seen2 == ["element"]  # traced once, re-evaluated at all points


def test_hessian_tuple_argnums_on_numbers_takes_the_array_path():
    (hxx, hxy), (hyx, hyy) = sad.hessian(lambda x, y: x ** 2 * y, argnums=(0, 1))(3.0, 5.0)
    assert (hxx, hxy, hyx, hyy) == (10.0, 6.0, 6.0, 0.0)


def test_hvp_default_path_with_k_directions():
    x = RNG.normal(size=6)
    V = RNG.normal(size=(6, 3))
    f = lambda x: np.sum(np.exp(x) * x)  # noqa: E731
    H = np.diag(np.exp(x) * (x + 2))
    np.testing.assert_allclose(sad.hvp(f, (x,), (V,)), H @ V, rtol=1e-12)
    np.testing.assert_allclose(sad.hvp(f, (x,), (V[:, 0],), method="reverse-over-reverse"), H @ V[:, 0], rtol=1e-12)
