"""Tangent and adjoint traces of array programs: forward and reverse mode, one array per row.

The array counterparts of the Baydin/Griewank tangent and adjoint tables
(:mod:`semiring_ad.views.tables`).  Each value is an array of its node's shape,
and each edge's local Jacobian is a linear map, written by its kind in
brackets: ``v̇_2 = [diag] v̇_1`` applies the map to a tangent (a
Jacobian-vector product); ``x̄ = x̄ + v̄_1 [W·]`` applies its transpose to a
cotangent (a vector-Jacobian product: Baydin's ``v̄_u = v̄_u + v̄_v ∂v/∂u``).

The numbers are the library's path solves over
:data:`~semiring_ad.core.linear_semiring.LINEAR`, not a second engine: the
tangents are one forward :func:`~semiring_ad.core.solver.sweep` from the
seeded inputs, the adjoints one backward sweep from the seeded output; the
reverse table shows each push ``w(u, v) ⊗ β(v)`` as the sweep makes it, in
reverse tape order, with the running value (the last one of every node is the
sweep's answer).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..ad.arrays.api import ArrayGraph
from ..core.linear import Dense
from ..core.linear_semiring import LINEAR
from ..core.solver import sweep
from ..errors import InputError
from .array_tables import ArrayRow, ArrayTable, value_text
from .format import array_node_names, pick_node
from .maps import map_kind

__all__ = ["adjoint_table", "tangent_table"]

DOT, BAR = "\u0307", "\u0304"  # combining dot above (tangents) and macron (adjoints)


def _mark(name: str, mark: str) -> str:
    """``v_3`` -> ``v̄_3``, ``x['W1']`` -> ``x̄['W1']``: the mark on the first letter (NFC, as the scalar tables)."""
    return unicodedata.normalize("NFC", name[:1] + mark + name[1:])


def _as_array(m: Any, shape: tuple, direction: str) -> np.ndarray:
    """A sweep value (a map from R^1, or to R^1) as an array of the node's shape."""
    if m is None:
        return np.zeros(shape)
    mat = m.to_dense()
    return (mat[0] if direction == "backward" else mat[:, 0]).reshape(shape)


def _row(section: str, node: int, name: str, formula: str, value: np.ndarray, edge: Any = None) -> ArrayRow:
    return ArrayRow(section, node, name, "", (), value.shape, str(value.dtype), value_text(value), formula, edge,
                    value)


def _tangent_seeds(graph: ArrayGraph, names: dict, wrt: Any, tangent: Any) -> dict[int, np.ndarray]:
    """``{input node: tangent array}`` from ``wrt`` and/or ``tangent`` (see :func:`tangent_table`)."""
    shapes = dict(zip(graph.inputs, graph.in_shapes, strict=True))
    if isinstance(tangent, Mapping):
        given = {pick_node(graph.inputs, k, names, "input"): v for k, v in tangent.items()}
    else:
        node = pick_node(graph.inputs, wrt, names, "input")
        if tangent is None and int(np.prod(shapes[node], dtype=int)) != 1:
            raise InputError(f"input {names[node]} has shape {shapes[node]}: give its direction, "
                             "trace_table(g, 'forward', tangent=<array of that shape>)")
        given = {node: 1.0 if tangent is None else tangent}
    seeds = {}
    for node, t in given.items():
        t = np.asarray(t, dtype=float)
        if t.shape != shapes[node] and t.size != int(np.prod(shapes[node], dtype=int)):
            raise InputError(f"the tangent of {names[node]} must have its shape {shapes[node]}, got {t.shape}")
        seeds[node] = t.reshape(shapes[node])
    return seeds


def tangent_table(graph: ArrayGraph, *, wrt: Any = None, tangent: Any = None) -> ArrayTable:
    """The forward tangent trace of an array program: one JVP per operation.

    Parameters
    ----------
    graph : ArrayGraph
    wrt : input, optional
        The input to seed (node id or name); optional with one input.
    tangent : array or dict, optional
        Its direction (an array of its shape; needed unless it has one
        element), or ``{input: array}`` to seed several inputs.

    Examples
    --------
    >>> import numpy as np, semiring_ad as sad
    >>> g = sad.arrays.trace_arrays(lambda x: np.sum(x * x), np.array([1.0, 2.0]))
    >>> print(tangent_table(g, tangent=np.array([1.0, 0.0])))
    Forward tangent trace (ẋ = [1, 0])
    ──────────────────────────────────────────
    definition                   shape  value
    ──────────────────────────────────────────
    ẋ                            2      [1, 0]
    ──────────────────────────────────────────
    v̇_1 = [diag] ẋ + [diag] ẋ    2      [2, 0]
    v̇_2 = [sum over axis 0] v̇_1  ()     2
    ──────────────────────────────────────────
    ḟ = v̇_2                      ()     2
    """
    names = array_node_names(graph)
    seeds = _tangent_seeds(graph, names, wrt, tangent)
    t = graph.tape
    alpha = sweep(t.compiled(), LINEAR, {i: Dense(v.reshape(-1, 1), (1,), v.shape) for i, v in seeds.items()},
                  "forward", backend="python")
    rows = [_row("inputs", i, names[i], _mark(names[i], DOT), v) for i, v in seeds.items()]
    for v in range(len(t)):
        if t.ptr[v] == t.ptr[v + 1] or alpha[v] is None:
            continue
        terms = [f"[{map_kind(t.maps[k])}] {_mark(names[t.parents[k]], DOT)}" for k in range(t.ptr[v], t.ptr[v + 1])
                 if alpha[t.parents[k]] is not None]
        value = _as_array(alpha[v], t.values[v].shape, "forward")
        rows.append(_row("body", v, names[v], f"{_mark(names[v], DOT)} = {' + '.join(terms)}", value))
    out = graph.output
    rows.append(_row("outputs", out, "f", f"{_mark('f', DOT)} = {_mark(names[out], DOT)}",
                     _as_array(alpha[out], graph.out_shape, "forward")))
    shown = ", ".join(f"{_mark(names[i], DOT)} = {value_text(v)}" for i, v in seeds.items())
    return ArrayTable(f"Forward tangent trace ({shown})", tuple(rows))


def adjoint_table(graph: ArrayGraph, *, cotangent: Any = None) -> ArrayTable:
    """The reverse adjoint trace of an array program: one VJP per edge, as the backward sweep pushes it.

    Parameters
    ----------
    graph : ArrayGraph
    cotangent : array, optional
        The output's seed, of the output's shape; default 1 for a scalar output.

    Examples
    --------
    >>> import numpy as np, semiring_ad as sad
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> g = sad.arrays.trace_arrays(lambda x: np.sum(W @ x), np.zeros(2))
    >>> print(adjoint_table(g))
    Reverse adjoint trace (f̄ = 1)
    ──────────────────────────────────────────
    definition                   shape  value
    ──────────────────────────────────────────
    f̄                            ()     1
    ──────────────────────────────────────────
    v̄_1 = v̄_2 [sum over axis 0]  2      [1, 1]
    x̄ = v̄_1 [W·]                 2      [4, 6]
    ──────────────────────────────────────────
    x̄ (gradient)                 2      [4, 6]
    """
    names = array_node_names(graph)
    out, t = graph.output, graph.tape
    if cotangent is None and graph.out_shape != ():
        raise InputError(f"the output has shape {graph.out_shape}: give its cotangent, "
                         "trace_table(g, 'reverse', cotangent=<array of that shape>)")
    ct = np.asarray(1.0 if cotangent is None else cotangent, dtype=float)
    if ct.size != int(np.prod(graph.out_shape, dtype=int)):
        raise InputError(f"the cotangent must have the output's shape {graph.out_shape}, got {ct.shape}")
    ct = ct.reshape(graph.out_shape)
    beta = sweep(t.compiled(), LINEAR, {out: Dense(ct.reshape(1, -1), graph.out_shape, (1,))}, "backward",
                 backend="python")
    rows = [_row("inputs", out, "f", _mark("f", BAR), ct)]
    running: dict[int, Any] = {out: beta[out]}
    for v in range(len(t) - 1, -1, -1):
        if beta[v] is None:
            continue
        for k in range(t.ptr[v], t.ptr[v + 1]):
            u = t.parents[k]
            push = LINEAR.times(t.maps[k], beta[v])
            term = f"{_mark(names[v], BAR)} [{map_kind(t.maps[k])}]"
            if u in running:
                running[u] = LINEAR.plus(running[u], push)
                term = f"{_mark(names[u], BAR)} + {term}"
            else:
                running[u] = push
            value = _as_array(running[u], t.values[u].shape, "backward")
            rows.append(_row("body", u, names[u], f"{_mark(names[u], BAR)} = {term}", value, (u, v)))
    rows += [_row("outputs", i, names[i], f"{_mark(names[i], BAR)} (gradient)",
                  _as_array(beta[i], t.values[i].shape, "backward")) for i in graph.inputs]
    return ArrayTable(f"Reverse adjoint trace ({_mark('f', BAR)} = {value_text(ct)})", tuple(rows))
