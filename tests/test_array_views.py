"""Views of array traces (issue 11, item 5): trace tables, edge labels, explanations, drawings.

Oracles: the shapes of the same program evaluated step by step with NumPy,
the operation names written down by hand, networkx's path enumeration, and
central finite differences for the Jacobian an explanation sums.
"""

from __future__ import annotations

import html
import inspect
import unicodedata

import networkx as nx
import numpy as np
import pytest

import semiring_ad as sad
from semiring_ad.core import linear, linear_shape
from semiring_ad.core.linear import LinearMap
from semiring_ad.errors import InputError
from semiring_ad.views.dot import scene, to_dot
from semiring_ad.views.explain import explain
from semiring_ad.views.maps import MAP_KINDS, map_kind, map_label, shape_text

RNG = np.random.default_rng(5)
X, Y = RNG.normal(size=(8, 3)), RNG.normal(size=(8, 2))
W1, b1, W2, b2 = RNG.normal(size=(3, 4)), RNG.normal(size=4), RNG.normal(size=(4, 2)), RNG.normal(size=2)


def mlp_loss(W1, b1, W2, b2):
    """A hand-built MLP: batch 8, widths 3-4-2, tanh, mean squared error."""
    h = np.tanh(X @ W1 + b1)
    return np.mean((h @ W2 + b2 - Y) ** 2)


def mlp_steps(W1, b1, W2, b2):
    """The same program, one NumPy value per operation, with the operation's name (the oracle)."""
    steps = [("matmul", X @ W1)]
    steps.append(("add", steps[-1][1] + b1))
    steps.append(("tanh", np.tanh(steps[-1][1])))
    steps.append(("matmul", steps[-1][1] @ W2))
    steps.append(("add", steps[-1][1] + b2))
    steps.append(("subtract", steps[-1][1] - Y))
    steps.append(("power", steps[-1][1] ** 2))
    steps.append(("mean", np.mean(steps[-1][1])))
    return steps


@pytest.fixture(scope="module")
def mlp():
    return sad.arrays.trace_arrays(mlp_loss, W1, b1, W2, b2, argnums=(0, 1, 2, 3))


def test_array_trace_table_has_one_row_per_operation_with_numpy_shapes(mlp):
    table = sad.trace_table(mlp)
    assert isinstance(table, sad.ArrayTable)
    body = [r for r in table if r.section == "body"]
    steps = mlp_steps(W1, b1, W2, b2)
    assert [r.op for r in body] == [op for op, _ in steps] == [op for op in mlp.tape.ops if op is not None]
    assert [r.shape for r in body] == [np.shape(v) for _, v in steps]
    inputs = [r for r in table if r.section == "inputs"]
    assert [r.shape for r in inputs] == [W1.shape, b1.shape, W2.shape, b2.shape]
    assert [r.node for r in inputs] == mlp.inputs
    (out,) = [r for r in table if r.section == "outputs"]
    assert out.shape == () and float(out.value) == pytest.approx(float(steps[-1][1]), rel=1e-5)
    records = table.to_records()
    assert [rec["shape"] for rec in records[len(inputs):-1]] == [list(np.shape(v)) for _, v in steps]
    text = str(table)
    assert all(r.definition in text for r in table)
    assert "dtype" not in text  # every value is float64: the column would say nothing


def test_table_arguments_name_the_parents_and_their_maps(mlp):
    rows = {r.node: r for r in sad.trace_table(mlp)}
    t = mlp.tape
    for i, row in rows.items():
        if row.section != "body":
            continue
        parents = [t.parents[k] for k in range(t.ptr[i], t.ptr[i + 1])]
        assert [a.split(":")[0] for a in row.arguments] == [rows[p].name for p in parents]


def _central_gradient(f, args, h=1e-6):
    """Central differences of f(*args) for every element of every argument."""
    grads = []
    for k, a in enumerate(args):
        g = np.zeros_like(a)
        for idx in np.ndindex(a.shape):
            shifted = []
            for s in (h, -h):
                b = a.copy()
                b[idx] += s
                shifted.append(f(*args[:k], b, *args[k + 1:]))
            g[idx] = (shifted[0] - shifted[1]) / (2 * h)
        grads.append(g)
    return grads


def test_adjoint_table_pushes_every_edge_and_ends_at_the_gradient(mlp):
    table = sad.trace_table(mlp, "reverse")
    body = [r for r in table if r.section == "body"]
    assert len(body) == len(mlp.tape.parents)  # every edge reaches the output: one push each
    assert [r.edge[1] for r in body] == sorted((r.edge[1] for r in body), reverse=True)  # reverse tape order
    finals = {r.node: r.data for r in table if r.section == "outputs"}
    for node, want in zip(mlp.inputs, _central_gradient(mlp_loss, [W1, b1, W2, b2]), strict=True):
        np.testing.assert_allclose(finals[node], want, rtol=1e-6, atol=1e-9)
        last = [r for r in body if r.node == node][-1]  # the running value ends at the sweep's answer
        np.testing.assert_allclose(last.data, finals[node], rtol=1e-12)
    assert all(r.shape == np.shape(mlp.tape.values[r.node]) for r in body)


def test_tangent_table_ends_at_the_directional_derivative(mlp):
    direction = RNG.normal(size=W1.shape)
    table = sad.trace_table(mlp, "forward", tangent={"x0": direction})
    (out,) = [r for r in table if r.section == "outputs"]
    h = 1e-6
    central = (mlp_loss(W1 + h * direction, b1, W2, b2) - mlp_loss(W1 - h * direction, b1, W2, b2)) / (2 * h)
    assert float(out.data) == pytest.approx(central, rel=1e-6)
    assert str(table).startswith(unicodedata.normalize("NFC", "Forward tangent trace (x\u03070 = ["))


def test_array_tangent_and_adjoint_tables_need_a_direction_for_arrays(mlp):
    with pytest.raises(InputError, match="tangent"):
        sad.trace_table(mlp, "forward", wrt="x0")
    g = sad.arrays.trace_arrays(lambda x: np.sin(x), np.ones(3))
    with pytest.raises(InputError, match="cotangent"):
        sad.trace_table(g, "reverse")
    rows = sad.trace_table(g, "reverse", cotangent=np.array([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(rows[-1].data, np.cos(np.ones(3)) * [1.0, 0.0, 2.0])


EXPECTED_MLP_EDGES = {  # (parent op or input, child op) -> kind: what each edge's map is, by hand
    ("x0", "matmul"): "W·",  # X @ W1, from W1: the constant X on the left
    ("matmul", "add"): "identity",
    ("x1", "add"): "broadcast",  # b1 broadcast over the batch
    ("add", "tanh"): "diag",
    ("tanh", "matmul"): "·B",  # h @ W2, from h: W2 on the right
    ("x2", "matmul"): "W·",  # h @ W2, from W2: h on the left
    ("x3", "add"): "broadcast",
    ("subtract", "power"): "diag",
    ("power", "mean"): "mean over all axes",
}


def test_edge_labels_name_the_kind_of_each_map_and_its_shapes(mlp):
    G = mlp.to_networkx()
    shapes = {v: np.shape(mlp.tape.values[v]) for v in G}
    ops = {v: d["op"] or d["label"] for v, d in G.nodes(data=True)}
    view = scene(mlp)
    seen = set()
    for u, v, label, _ in view.edges:
        key = (ops[u], ops[v])
        if key in EXPECTED_MLP_EDGES:
            assert label.startswith(EXPECTED_MLP_EDGES[key] + " "), (key, label)
            seen.add(key)
        assert label.endswith(f"{shape_text(shapes[u])} → {shape_text(shapes[v])}"), label
    assert seen == set(EXPECTED_MLP_EDGES)
    dot = to_dot(mlp)
    assert dot.count(" -> ") == G.number_of_edges()
    assert '[label="mean over all axes 8×2 → ()"]' in dot
    assert "(f)" in view.nodes[mlp.output][0]


def test_drawing_options_that_need_scalar_values_are_refused(mlp):
    with pytest.raises(InputError, match="jvp"):
        to_dot(mlp, adjoints=mlp.output)


def _central_jacobian(f, x, h=1e-6):
    cols = [(f(x + h * e) - f(x - h * e)) / (2 * h) for e in np.eye(x.size)]
    return np.stack(cols, axis=-1)


def test_explain_sums_the_paths_of_maps_into_the_jacobian():
    A = RNG.normal(size=(3, 3))

    def f(x):
        return np.sin(A @ x + x.sum()) * x[0]

    x0 = RNG.normal(size=3)
    g = sad.arrays.trace_arrays(f, x0)
    e = explain(g)
    G = g.to_networkx()
    assert e.n_paths == len(e.terms) == len(list(nx.all_simple_edge_paths(G, g.inputs[0], g.output)))
    np.testing.assert_allclose(e.total.to_dense(), _central_jacobian(f, x0), rtol=1e-6, atol=1e-8)
    summed = sum(t.product.to_dense() for t in e.terms)
    np.testing.assert_allclose(summed, e.total.to_dense(), rtol=1e-12)
    for term in e.terms:
        assert term.text() == " then ".join(map_kind(w) for w in term.factors)
    assert "gather" in str(e) and "Jacobian 3×3" in str(e)  # 9 entries: too many to show
    shapes = {v: np.shape(g.tape.values[v]) for v in G}
    for term in e.terms:  # each path shown with its nodes' shapes: the edges' in → out
        assert e.route(term) == " → ".join(f"{n}:{shape_text(shapes[v])}" for v, n in zip(term.nodes, term.names))
        assert e.route(term) in str(e)
    with pytest.raises(InputError, match="top="):
        explain(g, top=1)


def test_explain_shows_a_small_jacobian_by_its_entries():
    g = sad.arrays.trace_arrays(lambda x: (x * x).sum(), np.array([1.0, 2.0]))
    assert explain(g).equation().endswith("= [2, 4]")  # d/dx Σ x² = 2x; two paths (x·x is two edges)


def test_array_graph_renders_itself_in_jupyter(mlp):
    out = mlp._repr_html_()
    for row in sad.trace_table(mlp):
        assert html.escape(row.definition) in out


CONCRETE_MAPS = sorted(
    {cls for mod in (linear, linear_shape) for _, cls in inspect.getmembers(mod, inspect.isclass)
     if issubclass(cls, LinearMap) and cls is not LinearMap and cls.__module__ == mod.__name__},
    key=lambda c: c.__name__,
)


@pytest.mark.parametrize("cls", CONCRETE_MAPS, ids=lambda c: c.__name__)
def test_every_kind_of_linear_map_has_a_description(cls):
    """A new kind of map in core gets its words in views.maps.MAP_KINDS."""
    assert cls in MAP_KINDS


SAMPLES = [  # (map, the label a reader expects)
    (linear.Identity((2,)), "identity 2 → 2"),
    (linear.Zero((2,), (3,)), "zero 2 → 3"),
    (linear.Diagonal(np.ones(3), (3,)), "diag 3 → 3"),
    (linear.Diagonal(np.float64(0.5), (3,)), "scale 0.5 3 → 3"),
    (linear.Dense(np.ones((2, 3)), (3,), (2,)), "dense 3 → 2"),
    (linear.MatMulLeft(np.ones((4, 3)), (3, 5)), "W· 3×5 → 4×5"),
    (linear.MatMulRight(np.ones((3, 2)), (5, 3)), "·B 5×3 → 5×2"),
    (linear.MatMulLeft(np.ones(3), (3,)), "wᵀ· 3 → ()"),
    (linear_shape.Broadcast((3,), (2, 3)), "broadcast 3 → 2×3"),
    (linear_shape.SumOver((2, 3), (0,)), "sum over axis 0 2×3 → 3"),
    (linear_shape.SumOver((2, 3), None, scale=1 / 6), "mean over all axes 2×3 → ()"),
    (linear_shape.Reshape((2, 3), (6,)), "reshape 2×3 → 6"),
    (linear_shape.Transpose((2, 3)), "transpose 2×3 → 3×2"),
    (linear_shape.Gather.from_key((4,), np.s_[1:3]), "gather 4 → 2"),
    (linear.Transposed(linear_shape.Gather.from_key((4,), np.s_[1:3])), "scatter 2 → 4"),
    (linear_shape.Contract("ij,jk->ik", np.ones((2, 3)), 1, (3, 4)), "einsum jk,ij->ik 3×4 → 2×4"),  # x's first
    (linear.Compose((linear_shape.Broadcast((3,), (2, 3)), linear.Diagonal(np.ones((2, 3)), (2, 3)))),
     "broadcast then diag 3 → 2×3"),
    (linear.SumMaps((linear.Identity((2,)), linear.Diagonal(np.ones(2), (2,)))), "identity + diag 2 → 2"),
]


@pytest.mark.parametrize(("m", "expected"), SAMPLES, ids=[e for _, e in SAMPLES])
def test_map_labels(m, expected):
    assert map_label(m) == expected
    assert sad.views.format_value(m) == expected


def test_inputs_inside_containers_are_named_by_their_path():
    params = {"layers": [{"W": RNG.normal(size=(2, 3)), "b": RNG.normal(size=2)}, {"W": RNG.normal(size=(1, 2))}],
              "scale": 2.0}

    def f(p):
        h = np.tanh(p["layers"][0]["W"] @ np.ones(3) + p["layers"][0]["b"])
        return (p["layers"][1]["W"] @ h).sum() * p["scale"]

    g = sad.arrays.trace_arrays(f, params)
    names = sad.views.format.array_node_names(g)
    paths = [names[i] for i in g.inputs]
    assert len(set(paths)) == len(paths) == 4
    for i, path in zip(g.inputs, paths, strict=True):
        assert path.startswith("x[")
        np.testing.assert_array_equal(np.asarray(eval(path, {"x": params})), g.tape.values[i])
