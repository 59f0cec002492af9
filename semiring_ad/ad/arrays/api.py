"""The AD API on NumPy arrays: one node per array operation, solved over LINEAR.

``semiring_ad.arrays.grad`` and friends have the signatures and shapes of
their JAX namesakes (a gradient is shaped like its argument; a Jacobian has
the output's shape followed by the input's).  Each is a trace plus one sweep of
the core path solver over :data:`~semiring_ad.core.linear_semiring.LINEAR`:

* reverse mode seeds the output with a cotangent map (k cotangents: ``k = 1``
  for ``grad``/``vjp``, ``k = output size`` for ``jacrev``) and sweeps
  backward — each ⊗ with an edge map is a vector-Jacobian product;
* forward mode seeds the inputs with a tangent map (``k = 1`` for ``jvp``,
  identity blocks for ``jacfwd``: all input directions in one sweep) and sweeps
  forward — each ⊗ is a Jacobian-vector product.

This is the opt-in array path: the element-wise API (``semiring_ad.grad``)
is unchanged.  Use the array path for NumPy code on arrays of any size; use
the element-wise one for trace tables, per-element graphs, branches that must
be re-checked (``ComputationGraph.at``), SymPy and higher derivatives.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np

from ...core.graph import CompiledGraph
from ...core.linear import Dense
from ...core.linear_semiring import LINEAR
from ...core.modes import ad_mode
from ...core.solver import sweep
from ...errors import TraceError
from ..tracing import _normalize_argnums
from .pytree import flatten, n_leaves, unflatten
from .tape import ArrayTape, ArrayTracer

__all__ = ["ArrayGraph", "grad", "jacfwd", "jacobian", "jacrev", "jvp", "trace_arrays", "value_and_grad", "vjp"]

ArgNums = int | Sequence[int]


@dataclass
class ArrayGraph:
    """A traced array program: the tape, its input nodes and its output node.

    Attributes
    ----------
    tape : ArrayTape
        Values, operations and edge maps.
    inputs : list of int
        One node per leaf of the traced arguments (an array or a number;
        dicts, lists and tuples are containers).
    output : int
        The output's node.
    in_shapes : list of tuple
        The leaves' shapes; ``scalar_in[k]`` says whether leaf ``k`` was a
        Python number (its derivatives come back as floats).
    trees : list
        One pytree definition per traced argument.
    """

    tape: ArrayTape
    inputs: list[int]
    output: int
    in_shapes: list[tuple]
    scalar_in: list[bool]
    trees: list[Any]

    @property
    def value(self) -> Any:
        """The function's value (a float for a 0-d result)."""
        return _finish(self.tape.values[self.output])

    @property
    def out_shape(self) -> tuple:
        """The output's shape."""
        return self.tape.values[self.output].shape

    @property
    def n_nodes(self) -> int:
        """Number of recorded nodes: inputs plus one per array operation."""
        return len(self.tape)

    @property
    def ops(self) -> list[str | None]:
        """The operation of each node (``None`` for inputs)."""
        return list(self.tape.ops)

    @property
    def compiled(self) -> CompiledGraph:
        """The graph in compiled form, weighted by linear maps."""
        return self.tape.compiled()

    def to_networkx(self) -> nx.MultiDiGraph:
        """The graph view: nodes carry ``op``, ``shape`` and ``label``; each edge's ``weight`` is its
        :class:`~semiring_ad.core.linear.LinearMap` and ``label`` says its kind and shapes.

        ``path_sum(g.to_networkx(), LINEAR, input, output)`` is the Jacobian, as a linear map.
        """
        t = self.tape
        G = nx.MultiDiGraph()
        for i, (op, value, label) in enumerate(zip(t.ops, t.values, t.labels)):
            G.add_node(i, op=op, shape=value.shape, label=label or f"v{i}")
        for i in range(len(t)):
            for k in range(t.ptr[i], t.ptr[i + 1]):
                G.add_edge(t.parents[k], i, weight=t.maps[k], label=t.maps[k].label())
        return G

    def pullback(self, cotangents: np.ndarray) -> list[np.ndarray]:
        """Reverse mode: ``cotangents`` of shape ``(k, *out_shape)`` -> per input ``(k, *in_shape)``."""
        k = cotangents.shape[0]
        seed = Dense(cotangents.reshape(k, -1), self.out_shape, (k,))
        vals = sweep(self.compiled, LINEAR, {self.output: seed}, "backward", backend="python")
        return [_block(vals[i], k, shape, "backward") for i, shape in zip(self.inputs, self.in_shapes)]

    def pushforward(self, tangents: Sequence[np.ndarray]) -> np.ndarray:
        """Forward mode: per input ``(k, *in_shape)`` -> ``(k, *out_shape)``, one sweep for all k directions."""
        k = tangents[0].shape[0]
        seeds = {i: Dense(t.reshape(k, -1).T, (k,), shape) for i, t, shape in zip(self.inputs, tangents,
                                                                                   self.in_shapes)}
        vals = sweep(self.compiled, LINEAR, seeds, "forward", backend="python")
        return _block(vals[self.output], k, self.out_shape, "forward")


def _block(m: Any, k: int, shape: tuple, direction: str) -> np.ndarray:
    """A sweep's result (a dense map to or from R^k, or None) as an array ``(k, *shape)``."""
    if m is None:
        return np.zeros((k, *shape))
    mat = m.to_dense()
    return (mat if direction == "backward" else mat.T).reshape((k, *shape))


def _finish(v: np.ndarray) -> Any:
    return float(v) if np.ndim(v) == 0 else v


def trace_arrays(f: Callable[..., Any], *args: Any, argnums: ArgNums | None = None) -> ArrayGraph:
    """Run ``f`` on array tracers: one node per array operation.

    >>> import numpy as np
    >>> W = np.arange(6.0).reshape(2, 3)
    >>> g = trace_arrays(lambda x: np.tanh(W @ x).sum(), np.ones(3))
    >>> g.n_nodes, g.ops
    (4, [None, 'matmul', 'tanh', 'sum'])
    """
    if not callable(f):
        raise TraceError(f"expected a callable to trace, got {type(f).__name__}")
    nums = _normalize_argnums(argnums, len(args))
    tape = ArrayTape()
    call_args, inputs, shapes, scalar, trees = list(args), [], [], [], []
    for k in nums:
        leaves, tree = flatten(args[k])
        tracers = []
        for j, leaf in enumerate(leaves):
            x = np.asarray(leaf)
            if x.dtype == object or not (np.issubdtype(x.dtype, np.floating) or np.issubdtype(x.dtype, np.integer)):
                raise TraceError(f"argument {k} has a leaf of dtype {x.dtype}; the array tracer differentiates "
                                 "real arrays and numbers (in dicts, lists and tuples)")
            x = np.asarray(x, dtype=float)  # no copy for float64: values are never written to
            t = tape.leaf(x, (f"x{k}" if len(args) > 1 else "x") + (f"[{j}]" if tree is not None else ""))
            tracers.append(t)
            inputs.append(t.index)
            shapes.append(x.shape)
            scalar.append(not isinstance(leaf, np.ndarray) and np.ndim(leaf) == 0)
        call_args[k] = unflatten(tree, tracers)
        trees.append(tree)
    try:
        out = f(*call_args)
    finally:
        tape.finished = True
    if type(out) is ArrayTracer and out.tape is tape:
        node = out.index
    else:
        try:
            value = np.asarray(out, dtype=float)  # a constant: independent of the inputs
        except (TypeError, ValueError, TraceError):
            raise TraceError(f"the traced function returned {type(out).__name__}; expected one array (or a "
                             "number); containers of arrays are not supported by the array tracer yet") from None
        tape.finished = False
        node = tape.leaf(value, "const", op="const").index
        tape.finished = True
    return ArrayGraph(tape, inputs, node, shapes, scalar, trees)


def _argnums(argnums: ArgNums) -> tuple[tuple[int, ...], bool]:
    return ((argnums,), False) if isinstance(argnums, int) else (tuple(argnums), True)


def _regroup(g: ArrayGraph, pieces: list[Any]) -> list[Any]:
    """Per-leaf results -> one result per traced argument, with the argument's structure."""
    out, start = [], 0
    for tree in g.trees:
        n = n_leaves(tree)
        out.append(unflatten(tree, pieces[start:start + n]))
        start += n
    return out


def _pack(g: ArrayGraph, pieces: list[np.ndarray], tuple_out: bool, lead: tuple = ()) -> Any:
    done = _regroup(g, [_finish(p) if s and not lead else p for p, s in zip(pieces, g.scalar_in)])
    return tuple(done) if tuple_out else done[0]


def _scalar_output(g: ArrayGraph, name: str) -> None:
    if g.out_shape != ():
        raise TraceError(f"{name} needs a function with a scalar output, but it returned shape {g.out_shape}; "
                         "use jacrev (or vjp with a cotangent) for array outputs")


def value_and_grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., tuple[Any, Any]]:
    """Like :func:`grad`, returning ``(f(x), ∇f(x))``.

    >>> import numpy as np
    >>> value_and_grad(lambda x: (x ** 2).sum())(np.array([1.0, 2.0]))
    (5.0, array([2., 4.]))
    """
    nums, tuple_out = _argnums(argnums)

    def vg(*args: Any) -> tuple[Any, Any]:
        g = trace_arrays(f, *args, argnums=nums)
        _scalar_output(g, "grad")
        pieces = [p[0] for p in g.pullback(np.ones((1,)))]
        return g.value, _pack(g, pieces, tuple_out)

    return vg


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The gradient of a scalar ``f`` of arrays: one backward sweep over LINEAR (backpropagation).

    >>> import numpy as np
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> grad(lambda x: np.sum(np.tanh(W @ x)))(np.zeros(2))   # Wᵀ·(1 - tanh²(0))
    array([4., 6.])
    """
    vg = value_and_grad(f, argnums)
    return lambda *args: vg(*args)[1]


def jacobian(f: Callable[..., Any], argnums: ArgNums = 0, mode: str = "auto", *,
             sparse: bool = False) -> Callable[..., Any]:
    """The Jacobian, shape ``out_shape + in_shape``: one sweep seeded with identity blocks.

    ``mode="reverse"`` seeds the output with all its unit cotangents,
    ``"forward"`` the inputs with all their unit tangents, ``"auto"`` the
    smaller side.  ``sparse=True`` returns a ``scipy.sparse.csr_array``
    (output size × total input size, flattened) from one forward sweep with
    one direction per colour of the element pattern (:mod:`~semiring_ad.ad.arrays.sparse`).

    >>> import numpy as np
    >>> jacobian(lambda x: x[::-1] * 2.0)(np.array([1.0, 2.0]))
    array([[0., 2.],
           [2., 0.]])
    """
    mode = ad_mode(mode, extra=("auto",))
    nums, tuple_out = _argnums(argnums)

    def jac(*args: Any) -> Any:
        g = trace_arrays(f, *args, argnums=nums)
        if sparse:
            from .sparse import sparse_jacobian_of_array_graph
            return sparse_jacobian_of_array_graph(g)
        m = int(np.prod(g.out_shape, dtype=int))
        sizes = [int(np.prod(s, dtype=int)) for s in g.in_shapes]
        use = mode if mode != "auto" else ("forward" if sum(sizes) < m else "reverse")
        if use == "reverse":
            rows = g.pullback(np.eye(m).reshape((m, *g.out_shape)))
            pieces = [r.reshape(g.out_shape + s) for r, s in zip(rows, g.in_shapes)]
        else:
            n = sum(sizes)
            eye, starts = np.eye(n), np.cumsum([0, *sizes])
            cols = g.pushforward([eye[a:b].T.reshape((n, *s)) for a, b, s in zip(starts, starts[1:], g.in_shapes)])
            flat = cols.reshape(n, m).T  # (m, n)
            pieces = [flat[:, a:b].reshape(g.out_shape + s) for a, b, s in zip(starts, starts[1:], g.in_shapes)]
        return _pack(g, pieces, tuple_out, lead=g.out_shape)

    return jac


def jacfwd(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """:func:`jacobian` by one forward sweep carrying every input direction."""
    return jacobian(f, argnums, mode="forward")


def jacrev(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """:func:`jacobian` by one backward sweep carrying every output cotangent."""
    return jacobian(f, argnums, mode="reverse")


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``(f(*primals), J·tangents)`` by one forward sweep.

    >>> import numpy as np
    >>> jvp(lambda x: np.sin(x), (np.zeros(2),), (np.array([1.0, 2.0]),))
    (array([0., 0.]), array([1., 2.]))
    """
    g = trace_arrays(f, *primals)
    ts = []
    for p, t in zip(primals, tangents):
        leaves, tree = flatten(t)
        if tree != flatten(p)[1]:
            raise TraceError("jvp needs tangents with the primals' structure (the same dicts, lists and tuples)")
        ts.extend(np.asarray(x, dtype=float) for x in leaves)
    if len(tangents) != len(primals) or any(t.shape != s for t, s in zip(ts, g.in_shapes)):
        raise TraceError(f"jvp needs one tangent per primal with the primal's shape {g.in_shapes}, "
                         f"got shapes {[t.shape for t in ts]}")
    out = g.pushforward([t[None] for t in ts])[0]
    return g.value, _finish(out)


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[[Any], tuple[Any, ...]]]:
    """Reverse mode: ``(f(*primals), vjp_fn)``; ``vjp_fn(ct)`` gives one cotangent per primal.

    >>> import numpy as np
    >>> out, back = vjp(lambda x: 3.0 * x, np.ones(2))
    >>> back(np.array([1.0, 2.0]))
    (array([3., 6.]),)
    """
    g = trace_arrays(f, *primals)

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        ct = np.asarray(cotangent, dtype=float)
        if ct.shape != g.out_shape:
            raise TraceError(f"vjp_fn expects a cotangent of the output's shape {g.out_shape}, got {ct.shape}")
        return tuple(_regroup(g, [_finish(p[0]) if s else p[0] for p, s in zip(g.pullback(ct[None]), g.scalar_in)]))

    return g.value, vjp_fn
