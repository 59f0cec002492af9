"""The traced array program: :class:`ArrayGraph` and :func:`trace_arrays`.

:func:`trace_arrays` runs a function on :class:`~semiring_ad.ad.arrays.tape.ArrayTracer`
values (one node per array operation) and wraps the tape with its inputs (one
per leaf of the traced arguments, which may be pytrees) and its output.  A
pytree output (a dict, list or tuple of arrays) is recorded as one more node,
the concatenation of its flattened leaves, so every sweep has one output node;
:attr:`ArrayGraph.out_tree` and :attr:`ArrayGraph.out_shapes` cut results
back into the output's structure.  The sweeps themselves
(:meth:`ArrayGraph.pullback`, :meth:`ArrayGraph.pushforward`) are the core
solver's sweeps over :data:`~semiring_ad.core.linear_semiring.LINEAR` with a
dense seed of ``k`` rows (columns), specialised to the tape: one loop over its
edge lists, each node's ``k`` cotangents (tangents) an array rather than a
:class:`~semiring_ad.core.linear.Dense` map, so a graph of a few dozen nodes
costs a few microseconds of Python per edge (``ArrayGraph.compiled`` with
:func:`~semiring_ad.core.solver.sweep` gives the same result).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np

from ...core.graph import CompiledGraph
from ...errors import TraceError
from ..tracing import _normalize_argnums
from .pytree import LEAF, flatten, unflatten
from .tape import ArrayTape, ArrayTracer

__all__ = ["ArrayGraph", "trace_arrays"]


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
        The output's node (for a pytree output: the concatenation of its
        flattened leaves).
    in_shapes : list of tuple
        The leaves' shapes; ``scalar_in[k]`` says whether leaf ``k`` was a
        Python number (its derivatives come back as floats).
    trees : list
        One pytree definition per traced argument.
    out_tree, out_shapes :
        The output's pytree definition (``LEAF`` for one array) and its leaves' shapes.
    aux : object
        What ``f`` returned next to its output when traced with ``has_aux=True``
        (traced values replaced by their values).
    """

    tape: ArrayTape
    inputs: list[int]
    output: int
    in_shapes: list[tuple]
    scalar_in: list[bool]
    trees: list[Any]
    out_tree: Any = LEAF
    out_shapes: list[tuple] = field(default_factory=list)
    aux: Any = None

    @property
    def value(self) -> Any:
        """The function's value (a float for a 0-d result), with the output's structure."""
        return self.split_output(self.tape.values[self.output][None], finish=True)

    @property
    def out_shape(self) -> tuple:
        """The output node's shape (flat total size for a pytree output)."""
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

    def split_output(self, block: np.ndarray, finish: bool = False, trail: tuple = ()) -> Any:
        """``(k, *out_shape, *trail)`` -> the output's structure, each leaf ``(k, *leaf shape, *trail)``.

        ``finish`` drops ``k`` (which must be 1) and returns floats for 0-d leaves.
        """
        if self.out_tree is LEAF:
            leaves = [block]
        else:
            k = block.shape[0]
            flat = block.reshape((k, -1, *trail))
            sizes = np.cumsum([0] + [math.prod(s) for s in self.out_shapes])
            leaves = [flat[:, a:b].reshape((k, *s, *trail)) for a, b, s in zip(sizes, sizes[1:], self.out_shapes)]
        if finish:
            leaves = [_finish(x[0]) for x in leaves]
        return unflatten(self.out_tree, leaves)

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

    def _drop_intermediates(self) -> None:
        """Forget the values of the operations between the inputs and the output (the sweeps need only the
        edge maps), so that a backward sweep reuses their memory; the graph's views then lack those values."""
        keep = {self.output, *self.inputs}
        values = self.tape.values
        for i in range(len(values)):
            if i not in keep and self.tape.ptr[i] != self.tape.ptr[i + 1]:
                values[i] = None

    def pullback(self, cotangents: np.ndarray) -> list[np.ndarray]:
        """Reverse mode: ``cotangents`` of shape ``(k, *out_shape)`` -> per input ``(k, *in_shape)``.

        The backward sweep over LINEAR with a dense seed of ``k`` rows
        (:func:`~semiring_ad.core.solver.sweep`'s recurrence β(u) ⊕= w(u, v) ⊗ β(v)),
        run on the tape's own edge lists with the seed's rows kept as an array
        ``(k, *shape)`` per node: each ⊗ is the edge map's transpose applied to it.
        """
        k = cotangents.shape[0]
        seed = cotangents.reshape((k, *self.out_shape))
        vals = _backward(self.tape, self.output, seed)
        out: list[np.ndarray] = []
        for i, shape in zip(self.inputs, self.in_shapes):
            r = vals[i]
            if r is None:
                r = np.zeros((k, *shape))
            elif not r.flags.writeable or (r.base is None and any(r is o for o in out)) or (
                    r.base is not None and any(np.may_share_memory(r, o) for o in (seed, *out))):
                r = r.copy()  # a broadcast view, the seed, or another input's cotangent (x + y): the caller's own
            out.append(r)
        return out

    def pushforward(self, tangents: Sequence[np.ndarray]) -> np.ndarray:
        """Forward mode: per input ``(k, *in_shape)`` -> ``(k, *out_shape)``, one sweep for all k directions.

        The forward sweep over LINEAR seeded with dense maps from ``R^k``, run on
        the tape's edge lists with each node's ``k`` tangents kept as an array.
        """
        k = tangents[0].shape[0]
        out = _forward(self.tape, self.output, dict(zip(self.inputs, tangents)))
        return np.zeros((k, *self.out_shape)) if out is None else out


def _backward(tape: ArrayTape, output: int, seed: np.ndarray) -> list[Any]:
    """Cotangents ``(k, *shape)`` of the leaves (``None``: no path to the output), by one reverse pass.

    A node's cotangent is complete when the pass reaches it (its consumers come
    later on the tape); a sum of two or more contributions is a fresh array,
    accumulated in place.
    """
    ptr, parents, maps = tape.ptr, tape.parents, tape.maps
    vals: list[Any] = [None] * len(tape.values)
    owned = [False] * len(vals)
    vals[output] = seed
    for v in range(output, -1, -1):
        c = vals[v]
        if c is None or ptr[v] == ptr[v + 1]:  # unreached, or a leaf (an input keeps its cotangent)
            continue
        vals[v] = None  # pushed: freed as soon as its last use is done (lower peak memory, fewer page faults)
        for e in range(ptr[v + 1] - 1, ptr[v] - 1, -1):
            u = parents[e]
            d = maps[e]._bwd(c)
            a = vals[u]
            if a is None:
                vals[u] = d
            elif owned[u]:
                a += d
            else:
                vals[u], owned[u] = a + d, True
    return vals


def _forward(tape: ArrayTape, output: int, seeds: dict[int, np.ndarray]) -> Any:
    """The output's tangents ``(k, *out_shape)`` (``None``: no path from a seed), by one forward pass."""
    ptr, parents, maps = tape.ptr, tape.parents, tape.maps
    vals: list[Any] = [None] * (output + 1)
    for i, t in seeds.items():
        vals[i] = t
    for v in range(min(seeds, default=0), output + 1):
        acc = vals[v]
        for e in range(ptr[v], ptr[v + 1]):
            t = vals[parents[e]]
            if t is not None:
                d = maps[e]._fwd(t)
                acc = d if acc is None else acc + d
        vals[v] = acc
    return vals[output]


def _finish(v: np.ndarray) -> Any:
    return float(v) if np.ndim(v) == 0 else v


def _concrete(tree: Any) -> Any:
    """``tree`` with every traced value replaced by its value (for ``has_aux``)."""
    leaves, definition = flatten(tree)
    return unflatten(definition, [x.value if type(x) is ArrayTracer else x for x in leaves])


def _output(tape: ArrayTape, out: Any) -> tuple[int, Any, list[tuple]]:
    """The output node, tree and leaf shapes; a pytree output becomes one concatenation node."""
    leaves, tree = flatten(out)
    if tree is not LEAF and not leaves:
        raise TraceError("the traced function returned an empty container; expected arrays or numbers")
    shapes, flat = [], []
    for x in leaves:
        if type(x) is ArrayTracer and x.tape is tape:
            shapes.append(x.value.shape)
            flat.append(x if tree is LEAF else np.reshape(x, -1))
            continue
        try:
            value = np.asarray(x, dtype=float)  # a constant: independent of the inputs
        except (TypeError, ValueError, TraceError):
            raise TraceError(f"the traced function returned {type(x).__name__}; expected arrays or numbers (or "
                             "dicts, lists and tuples of them)") from None
        shapes.append(value.shape)
        flat.append(value if tree is LEAF else value.reshape(-1))
    joined = flat[0] if tree is LEAF else np.concatenate(flat)
    if type(joined) is not ArrayTracer:
        joined = tape.leaf(np.asarray(joined, dtype=float), "const", op="const")
    return joined.index, tree, shapes


def trace_arrays(f: Callable[..., Any], *args: Any, argnums: int | Sequence[int] | None = None,
                 has_aux: bool = False, second_order: bool = False, kwargs: dict | None = None) -> ArrayGraph:
    """Run ``f`` on array tracers: one node per array operation.

    ``has_aux=True``: ``f`` returns ``(output, aux)``; ``aux`` is kept (with
    values for traced values) as :attr:`ArrayGraph.aux`.  ``second_order``
    records the operands second derivatives need (:mod:`.dual_maps`).
    ``kwargs`` are passed to ``f`` untraced.

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
    if second_order:
        tape.second = {}
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
    aux = None
    try:
        out = f(*call_args, **(kwargs or {}))
        if has_aux:
            if not (isinstance(out, (tuple, list)) and len(out) == 2):
                raise TraceError(f"has_aux=True needs f to return a pair (output, aux), got {type(out).__name__}")
            out, aux = out
            aux = _concrete(aux)
        node, out_tree, out_shapes = _output(tape, out)
    finally:
        tape.finished = True
    return ArrayGraph(tape, inputs, node, shapes, scalar, trees, out_tree, out_shapes, aux)
