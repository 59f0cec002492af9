"""The array tracer (semiring_ad.arrays): one node per array operation, solved over LINEAR.

Oracles: central finite differences, closed forms (scipy.optimize.rosen_der,
the softmax cross-entropy gradient), NumPy's own formulas, the element-wise
tracer on the same function, and HIPS autograd / torch where installed.
Every primitive of the table and every registered array rule is parametrized.
"""

import numpy as np
import pytest
from scipy.optimize import rosen, rosen_der
from test_primitives import KINKS, intervals

import semiring_ad as sad
from semiring_ad import arrays as sa
from semiring_ad.ad.dispatch import apply
from semiring_ad.ad.primitives import PRIMITIVES
from semiring_ad.errors import TraceError, UnsupportedOperationError

RNG = np.random.default_rng(2026)


def numeric_jacobian(f, x, h=1e-6):
    """Central differences: shape out_shape + in_shape."""
    x = np.asarray(x, dtype=float)
    y0 = np.asarray(f(x), dtype=float)
    J = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        J[(..., *idx)] = (np.asarray(f(x + e)) - np.asarray(f(x - e))) / (2 * h)
    return J


def sample(name, k, shape):
    lo, hi = intervals(name)[k]
    return RNG.uniform(lo, hi, size=shape)


def away(name, args):
    return name not in KINKS or np.all(np.abs(KINKS[name](*args)) > 0.05)


# -- every primitive of the table, elementwise on arrays, with broadcasting ------------------------


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_every_primitive_differentiates_elementwise_with_broadcasting(name):
    arity = PRIMITIVES[name].arity
    shapes = [(3, 4), (4,), ()][: arity] if arity > 1 else [(3, 4)]
    while True:
        args = [sample(name, k, s) for k, s in enumerate(shapes)]
        if away(name, args):
            break
    for k in range(arity):
        def f(x, k=k):
            full = list(args)
            full[k] = x
            return apply(name, *full)

        got = sa.jacrev(f)(args[k])
        want = numeric_jacobian(f, args[k])
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6, err_msg=f"{name} argument {k}")
        np.testing.assert_allclose(sa.jacfwd(f)(args[k]), got, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", sorted(PRIMITIVES))
def test_array_tracing_agrees_with_element_wise_tracing(name):
    arity = PRIMITIVES[name].arity
    args = [sample(name, k, (5,)) for k in range(arity)]
    while not away(name, args):  # resample off the kinks, where the one-sided conventions differ from FD
        args = [sample(name, k, (5,)) for k in range(arity)]

    def f(*xs):
        return (apply(name, *xs) * np.arange(1.0, 6.0)).sum()

    nums = tuple(range(arity))
    got = sa.grad(f, argnums=nums)(*args)
    want = sad.grad(f, argnums=nums)(*args)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, np.asarray(w, dtype=float), rtol=1e-12, atol=1e-14)


# -- the non-elementwise rules -------------------------------------------------------------------

X23 = RNG.normal(size=(2, 3))
SPD = RNG.normal(size=(3, 3)) + 3 * np.eye(3)
W34 = RNG.normal(size=(3, 4))
RULES = {
    "matmul_left": (lambda x: x @ W34, X23),
    "matmul_right": (lambda w: X23 @ w, W34),
    "matmul_rmatmul_ndarray": (lambda x: np.ones((4, 2)) @ x, X23),
    "matvec": (lambda v: W34.T @ v, RNG.normal(size=3)),
    "vecvec": (lambda v: v @ np.arange(3.0), RNG.normal(size=3)),
    "np.matmul_both_traced": (lambda x: np.matmul(x, x.T), X23),
    "np.dot": (lambda x: np.dot(x, W34), X23),
    "dot_method": (lambda x: x.dot(x), RNG.normal(size=3)),
    "sum": (lambda x: np.sum(x), X23),
    "sum_axis0": (lambda x: x.sum(axis=0), X23),
    "sum_axis_keepdims": (lambda x: np.sum(x, axis=-1, keepdims=True), X23),
    "np.add.reduce": (lambda x: np.add.reduce(x, axis=1), X23),
    "mean": (lambda x: x.mean(), X23),
    "mean_axis1": (lambda x: np.mean(x, axis=1), X23),
    "max_axis1": (lambda x: np.max(x, axis=1), X23),
    "min_keepdims": (lambda x: x.min(axis=0, keepdims=True), X23),
    "max_all": (lambda x: x.max(), X23),
    "reshape": (lambda x: x.reshape(3, 2) * np.arange(6.0).reshape(3, 2), X23),
    "np.reshape": (lambda x: np.reshape(x, (-1,)) ** 2, X23),
    "ravel": (lambda x: np.ravel(x) * 2.0, X23),
    "transpose": (lambda x: x.T @ x, X23),
    "np.transpose_axes": (lambda x: np.transpose(x[None], (2, 0, 1)) * 3.0, X23),
    "swapaxes": (lambda x: np.swapaxes(x, 0, 1) ** 2, X23),
    "expand_dims": (lambda x: np.expand_dims(x, 1) * np.ones((2, 4, 3)), X23),
    "squeeze": (lambda x: np.squeeze(x[:, None]) ** 3, X23),
    "broadcast_to": (lambda x: np.broadcast_to(x, (4, 2, 3)) * np.arange(24.0).reshape(4, 2, 3), X23),
    "getitem_int": (lambda x: x[1] * x[0], X23),
    "getitem_slice": (lambda x: x[:, ::2] ** 2, X23),
    "getitem_fancy_repeats": (lambda x: x[[0, 0, 1], [2, 2, 0]] * np.array([1.0, 2.0, 3.0]), X23),
    "getitem_bool_mask": (lambda x: x[x > 0] ** 2, X23),
    "iterate_rows": (lambda x: sum(row * row for row in x), X23),
    "concatenate": (lambda x: np.concatenate([x, 2 * x, np.ones((1, 3))], axis=0) ** 2, X23),
    "concatenate_axis1": (lambda x: np.concatenate([x, x ** 2], axis=1), X23),
    "stack": (lambda x: np.stack([x, np.sin(x)], axis=1), X23),
    "where": (lambda x: np.where(x > 0, x ** 2, -x), X23),
    "where_both_traced_broadcast": (lambda x: np.where(x > 0, x, x[0]), X23),
    "clip": (lambda x: np.clip(x, -0.5, 0.5) * x, X23),
    "maximum_relu": (lambda x: np.maximum(x, 0.0), X23),
    "sad_functions": (lambda x: sad.tanh(x) + sad.relu(x) * sad.sigmoid(x), X23),
    "scalar_mix": (lambda x: 2.0 ** x[0, 0] + 3 * x - 1, X23),
    "zero_d": (lambda x: x ** 3, np.array(0.7)),
    "linalg.inv": (lambda a: np.linalg.inv(a), SPD),
    "linalg.solve_matrix": (lambda a: np.linalg.solve(a, np.arange(3.0)), SPD),
    "linalg.solve_rhs": (lambda b: np.linalg.solve(SPD, b), RNG.normal(size=(3, 2))),
    "linalg.solve_both": (lambda a: np.linalg.solve(a, a[:, 0]), SPD),
    "linalg.det": (lambda a: np.linalg.det(a), SPD),
    "linalg.slogdet": (lambda a: np.linalg.slogdet(a)[1], SPD),
    "linalg.norm": (lambda x: np.linalg.norm(x), X23),
    "einsum_matmul": (lambda x: np.einsum("ij,jk->ik", x, W34), X23),
    "einsum_both_traced": (lambda x: np.einsum("ij,kj->ik", x, x), X23),
    "einsum_implicit_outer": (lambda v: np.einsum("i,j", v, np.arange(1.0, 3.0)), RNG.normal(size=3)),
    "prod": (lambda x: np.prod(x), X23),
    "prod_axis_with_zero": (lambda x: np.prod(x * np.array([1.0, 0.0, 1.0]), axis=1), X23),
    "logsumexp": (lambda x: sad.logsumexp(x, axis=1), X23 * 50),
    "softmax": (lambda x: sad.softmax(x), X23),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(RULES))
def test_every_array_rule_matches_finite_differences_in_both_modes(case):
    f, x = RULES[case]
    want = numeric_jacobian(f, x)
    rev, fwd = sa.jacrev(f)(x), sa.jacfwd(f)(x)
    assert rev.shape == fwd.shape == want.shape
    np.testing.assert_allclose(rev, want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(fwd, rev, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", sorted(RULES))
def test_jvp_and_vjp_are_the_jacobian_applied(case):
    f, x = RULES[case]
    J = sa.jacrev(f)(x)
    out_shape = J.shape[: J.ndim - x.ndim]
    v, c = RNG.normal(size=x.shape), RNG.normal(size=out_shape)
    Jm = J.reshape(int(np.prod(out_shape)), x.size)
    value, tangent = sa.jvp(f, (x,), (v,))
    np.testing.assert_allclose(value, f(x))
    np.testing.assert_allclose(np.reshape(tangent, -1), Jm @ v.reshape(-1), atol=1e-12)
    _, back = sa.vjp(f, x)
    np.testing.assert_allclose(back(c)[0].reshape(-1), c.reshape(-1) @ Jm, atol=1e-12)


# -- closed forms ---------------------------------------------------------------------------------


def rosenbrock(x):
    return np.sum(100.0 * (x[1:] - x[:-1] ** 2) ** 2 + (1 - x[:-1]) ** 2)


@pytest.mark.parametrize("n", [2, 5, 1000])
def test_rosenbrock_gradient_is_scipys_rosen_der(n):
    x = RNG.uniform(-2, 2, size=n)
    value, g = sa.value_and_grad(rosenbrock)(x)
    assert value == pytest.approx(rosen(x), rel=1e-12)
    np.testing.assert_allclose(g, rosen_der(x), rtol=1e-11)
    assert sa.trace_arrays(rosenbrock, x).n_nodes < 20  # one node per array operation, whatever n is


def softmax_cross_entropy(logits, labels):
    shifted = logits - np.max(logits, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    return -np.mean(np.sum(labels * log_probs, axis=1))


def test_softmax_cross_entropy_gradient_is_softmax_minus_labels():
    logits = RNG.normal(size=(8, 5)) * 3
    labels = np.eye(5)[RNG.integers(0, 5, size=8)]
    p = np.exp(logits - logits.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(sa.grad(softmax_cross_entropy)(logits, labels), (p - labels) / 8, atol=1e-14)


def test_mlp_gradients_with_respect_to_every_weight_match_hand_backprop():
    x, y = RNG.normal(size=(16, 6)), np.eye(3)[RNG.integers(0, 3, size=16)]
    W1, b1, W2, b2 = RNG.normal(size=(6, 5)), RNG.normal(size=5), RNG.normal(size=(5, 3)), RNG.normal(size=3)

    def loss(W1, b1, W2, b2):
        return softmax_cross_entropy(np.tanh(x @ W1 + b1) @ W2 + b2, y)

    h = np.tanh(x @ W1 + b1)
    z = h @ W2 + b2
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    dz = (p - y) / 16
    dh = dz @ W2.T * (1 - h**2)
    want = (x.T @ dh, dh.sum(0), h.T @ dz, dz.sum(0))
    got = sa.grad(loss, argnums=(0, 1, 2, 3))(W1, b1, W2, b2)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=1e-13)


def test_linear_solve_derivative_is_the_closed_form():
    A, b = SPD, RNG.normal(size=3)
    x = np.linalg.solve(A, b)
    Ainv = np.linalg.inv(A)
    dA, db = sa.jacrev(lambda A, b: np.linalg.solve(A, b), argnums=(0, 1))(A, b)
    np.testing.assert_allclose(db, Ainv, atol=1e-13)
    np.testing.assert_allclose(dA, -np.einsum("ij,k->ijk", Ainv, x), atol=1e-13)  # ∂x_i/∂A_jk = -A⁻¹_ij x_k


def test_logsumexp_and_softmax_are_stable_and_work_on_plain_arrays():
    big = np.array([1000.0, 1000.0, -np.inf])
    assert sad.logsumexp(big) == pytest.approx(1000.0 + np.log(2.0))
    np.testing.assert_allclose(sad.softmax(big), [0.5, 0.5, 0.0])
    np.testing.assert_allclose(sa.grad(lambda x: sad.logsumexp(x))(big[:2]), [0.5, 0.5])


def test_the_array_graph_is_a_networkx_graph_whose_path_sum_over_linear_is_the_jacobian():
    W1, W2 = RNG.normal(size=(4, 3)), RNG.normal(size=(2, 4))
    f = lambda x: W2 @ np.tanh(W1 @ x) + np.sin(x[:2]) * x[0]  # noqa: E731  (several paths from x)
    x = RNG.normal(size=3)
    g = sa.trace_arrays(f, x)
    G = g.to_networkx()
    assert G.number_of_nodes() == g.n_nodes and all("label" in d for _, _, d in G.edges(data=True))
    for method in ("forward", "backward", "enumerate"):
        J = sad.path_sum(G, sad.LINEAR, g.inputs[0], g.output, method=method)
        np.testing.assert_allclose(J.to_dense(), numeric_jacobian(f, x), rtol=1e-6, atol=1e-8)


def test_jacobian_of_a_two_layer_map_is_the_matrix_formula():
    W1, b1, W2 = RNG.normal(size=(7, 5)), RNG.normal(size=7), RNG.normal(size=(4, 7))
    x = RNG.normal(size=5)
    want = W2 @ np.diag(1 - np.tanh(W1 @ x + b1) ** 2) @ W1
    for jac in (sa.jacrev, sa.jacfwd, sa.jacobian):
        np.testing.assert_allclose(jac(lambda x: W2 @ np.tanh(W1 @ x + b1))(x), want, atol=1e-13)


def test_several_arguments_and_scalars_keep_their_shapes():
    f = lambda a, B: np.sum(a * B) + a[0] ** 2  # noqa: E731
    a, B = RNG.normal(size=3), RNG.normal(size=(2, 3))
    ga, gB = sa.grad(f, argnums=(0, 1))(a, B)
    assert ga.shape == (3,) and gB.shape == (2, 3)
    np.testing.assert_allclose(gB, np.broadcast_to(a, (2, 3)))
    np.testing.assert_allclose(ga, B.sum(0) + np.array([2 * a[0], 0, 0]))
    g = sa.grad(lambda s, v: s * np.sum(v), argnums=(0, 1))(2.0, np.ones(3))
    assert isinstance(g[0], float) and g[0] == 3.0
    jf, jr = sa.jacfwd(f, argnums=(0, 1))(a, B), sa.jacrev(f, argnums=(0, 1))(a, B)
    for p, q in zip(jf, jr):
        np.testing.assert_allclose(p, q)


def test_an_output_independent_of_the_input_has_zero_derivative():
    assert np.array_equal(sa.grad(lambda x: 3.0)(np.ones(2)), np.zeros(2))
    np.testing.assert_array_equal(sa.jacrev(lambda x, y: y * 2, argnums=0)(np.ones(2), np.ones(3)), np.zeros((3, 2)))


# -- errors ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("call", "named"), [
    (lambda x: np.linalg.eigvalsh(x), "numpy.linalg.eigvalsh"), (lambda x: np.cumsum(x), "numpy.cumsum"),
    (lambda x: np.floor(x), "np.floor"), (lambda x: np.sort(x), "numpy.sort"),
    (lambda x: np.linalg.norm(x, ord=1), "np.linalg.norm with ord"), (lambda x: np.sum(x, out=x), "out="),
])  # fmt: skip
def test_an_unsupported_numpy_function_names_itself_and_how_to_register(call, named):
    with pytest.raises(UnsupportedOperationError) as info:
        sa.grad(lambda x: np.sum(call(x)))(np.eye(2))
    msg = str(info.value)
    assert named in msg and "register" in msg
    assert isinstance(info.value, TraceError) and isinstance(info.value, TypeError)


def test_misuse_is_reported_by_the_library():
    with pytest.raises(TraceError, match="scalar output"):
        sa.grad(lambda x: x * 2)(np.ones(2))
    with pytest.raises(TraceError, match="converted to a float"):
        sa.grad(lambda x: float(x[0]))(np.ones(2))
    with pytest.raises(TraceError, match="cotangent of the output's shape"):
        sa.vjp(lambda x: x * 2, np.ones(2))[1](np.ones(3))
    with pytest.raises(TraceError, match="dtype"):
        sa.grad(lambda x: x)(np.array(["a"]))
    with pytest.raises(TraceError, match=r"np\.stack"):
        sa.grad(lambda x: np.sum(np.array([x[0], x[1]])))(np.ones(2))

    def assign(x):
        x[0] = 1.0
        return np.sum(x)

    with pytest.raises(UnsupportedOperationError, match=r"np\.where"):
        sa.grad(assign)(np.ones(2))


def test_autograd_agrees_where_installed():
    autograd = pytest.importorskip("autograd")
    anp = pytest.importorskip("autograd.numpy")
    W1, W2 = RNG.normal(size=(6, 4)), RNG.normal(size=(3, 6))

    def f(x, np=np):
        return np.sum(np.tanh(W2 @ np.tanh(W1 @ x)) ** 2) + np.mean(np.exp(x))

    x = RNG.normal(size=4)
    np.testing.assert_allclose(sa.grad(f)(x), autograd.grad(lambda v: f(v, np=anp))(x), rtol=1e-12)


# -- pytrees ----------------------------------------------------------------------------------------


def test_pytree_arguments_give_results_of_the_same_structure():
    params = {"W": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2), "extra": [1.5, (RNG.normal(size=2),)]}
    x = RNG.normal(size=(4, 3))

    def loss(p):
        return np.sum(np.tanh(x @ p["W"] + p["b"]) * p["extra"][0] * p["extra"][1][0])

    def flat_loss(W, b, s, v):
        return loss({"W": W, "b": b, "extra": [s, (v,)]})

    g = sa.grad(loss)(params)
    assert set(g) == {"W", "b", "extra"} and type(g["extra"]) is list and type(g["extra"][1]) is tuple
    leaves = (params["W"], params["b"], params["extra"][0], params["extra"][1][0])
    want = [numeric_jacobian(lambda a, k=k: flat_loss(*leaves[:k], a, *leaves[k + 1:]), leaves[k]) for k in range(4)]
    for got, w in zip((g["W"], g["b"], g["extra"][0], g["extra"][1][0]), want):
        np.testing.assert_allclose(got, w, rtol=1e-6, atol=1e-8)
    assert isinstance(g["extra"][0], float)
    # jvp along a pytree tangent is the inner product with the gradient; vjp returns the structure
    tangent = {"W": np.ones((3, 2)), "b": np.zeros(2), "extra": [0.0, (np.ones(2),)]}
    _, t = sa.jvp(loss, (params,), (tangent,))
    assert t == pytest.approx(g["W"].sum() + g["extra"][1][0].sum(), rel=1e-12)
    (back,) = sa.vjp(loss, params)[1](1.0)
    np.testing.assert_allclose(back["W"], g["W"])
    jac = sa.jacfwd(lambda p: p["W"].sum(axis=0) * p["b"])({"W": np.ones((3, 2)), "b": np.ones(2)})
    np.testing.assert_allclose(jac["b"], 3 * np.eye(2))
    np.testing.assert_allclose(jac["W"], np.stack([np.tile([1.0, 0.0], (3, 1)), np.tile([0.0, 1.0], (3, 1))]))
    with pytest.raises(TraceError, match="structure"):
        sa.jvp(loss, (params,), ({"W": np.ones((3, 2))},))


def test_torch_func_agrees_where_installed():
    torch = pytest.importorskip("torch")
    W1, b1, W2 = RNG.normal(size=(6, 4)), RNG.normal(size=6), RNG.normal(size=(3, 6))
    x = RNG.normal(size=4)

    def f(v, lib=np):
        return lib.tanh(W2 @ lib.sin(W1 @ v + b1)) * lib.exp(v[:3])

    def tf(v):
        tW1, tb1, tW2 = (torch.tensor(a) for a in (W1, b1, W2))
        return torch.tanh(tW2 @ torch.sin(tW1 @ v + tb1)) * torch.exp(v[:3])

    want = torch.func.jacrev(tf)(torch.tensor(x)).numpy()
    np.testing.assert_allclose(sa.jacrev(f)(x), want, rtol=1e-12)
    np.testing.assert_allclose(sa.jacfwd(f)(x), want, rtol=1e-12)
