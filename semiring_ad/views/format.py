"""The conventions every view shares, so that a node, a value or a seed reads the same everywhere:

* node names: inputs by their label (``x1``), other nodes ``v_1, v_2, …`` in
  the Griewank/Baydin numbering (inputs are ``v_{1-n} … v_0``), outputs ``f``
  (as in ``∂f/∂x``; ``y`` if an input is called ``f``);
* values as text with 6 significant digits (at least the 4 the tables need),
  in LaTeX, and as JSON-ready plain values;
* choosing an input/output and turning it (or a vector) into sweep seeds.
"""

from __future__ import annotations

import functools
import math
import numbers
import unicodedata
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from .._sympy import is_sympy
from ..ad.arrays.api import ArrayGraph
from ..ad.arrays.pytree import n_leaves, unflatten
from ..ad.computation import ComputationGraph
from ..core.linear import LinearMap
from ..core.semirings import PLUS_TIMES
from ..errors import NodeNotFoundError, TraceError
from .maps import map_label

__all__ = [
    "array_node_names",
    "baydin_indices",
    "format_value",
    "latex_value",
    "node_names",
    "output_names",
    "pick_node",
    "plain_value",
    "seed_map",
    "text_printer",
    "text_width",
]


# -- values --------------------------------------------------------------------------


@functools.cache
def _printers() -> tuple[Any, Any]:
    """SymPy's str printer with ``**`` -> ``^``, ``*`` -> ``·``, in Unicode NFC (``ẋ`` is one character).

    Built on first use (it needs SymPy): one keeping argument order, for a
    trace's formulas (``v̄_2·v_{-1}``), and one with SymPy's usual term order,
    for values.
    """
    from sympy.printing.str import StrPrinter

    class TextPrinter(StrPrinter):
        def doprint(self, expr: Any) -> str:
            return unicodedata.normalize("NFC", super().doprint(expr).replace("**", "^").replace("*", "·"))

    return TextPrinter({"order": "none", "full_prec": False}), TextPrinter({"full_prec": False})


def text_printer() -> Any:
    """The printer for a trace's formulas as text, keeping argument order: ``v̄_2·v_{-1}``."""
    return _printers()[0]


def format_value(value: Any, digits: int = 6) -> str:
    """A value as short text: floats with ``digits`` significant digits, integers exactly.

    >>> format_value(11.652071455223084), format_value(5.0), format_value(-0.2836621854632263)
    ('11.6521', '5', '-0.283662')
    """
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        return f"{x:.{digits}g}" if math.isfinite(x) or math.isnan(x) else ("inf" if x > 0 else "-inf")
    if is_sympy(value):
        return _printers()[1].doprint(value)
    if isinstance(value, LinearMap):
        return map_label(value)
    return str(value)


def latex_value(value: Any) -> str:
    """A value in LaTeX math: ``1e-07`` becomes ``1 \\cdot 10^{-7}``; SymPy through :func:`sympy.latex`.

    >>> latex_value(1e-07), latex_value(-0.5)
    ('1 \\\\cdot 10^{-7}', '-0.5')
    """
    if is_sympy(value):
        import sympy

        return sympy.latex(value)
    text = format_value(value)
    if "e" in text and isinstance(value, numbers.Real):
        mantissa, exponent = text.split("e")
        return f"{mantissa} \\cdot 10^{{{int(exponent)}}}"
    return {"inf": r"\infty", "-inf": r"-\infty"}.get(text, text)


def plain_value(value: Any) -> Any:
    """A JSON-friendly form of a value: bool, int or float, else its text.

    >>> import sympy
    >>> plain_value(np.float64(2.5)), plain_value(sympy.Symbol("x") + 1)
    (2.5, 'x + 1')
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    return format_value(value)


def text_width(text: str) -> int:
    """Terminal columns of ``text``: combining marks (the dot of ``v̇``) take none.

    >>> len("v̇_1"), text_width("v̇_1")
    (4, 3)
    """
    return sum(not unicodedata.combining(c) for c in text)


# -- node names ----------------------------------------------------------------------


def baydin_indices(g: ComputationGraph) -> dict[int, int]:
    """Griewank/Baydin numbering: inputs ``1-n … 0`` (in input order), other nodes ``1, 2, …``.

    >>> import semiring_ad as sad
    >>> baydin_indices(sad.trace(lambda a, b: a * b + a, 1.0, 2.0))
    {0: -1, 1: 0, 2: 1, 3: 2}
    """
    n = len(g.inputs)
    index = {node: k - n + 1 for k, node in enumerate(g.inputs)}
    rest = (i for i in range(g.n_nodes) if i not in index)
    index.update({i: k for k, i in enumerate(rest, start=1)})
    return dict(sorted(index.items()))


def node_names(g: ComputationGraph) -> dict[int, str]:
    """Display names: an input's label (``x1``), else ``v_<Baydin index>`` (those of ``g.labels()``).

    >>> import semiring_ad as sad
    >>> node_names(sad.trace(lambda x1, x2: x1 * x2, 2.0, 5.0, names=["x1", "x2"]))
    {0: 'x1', 1: 'x2', 2: 'v_1'}
    """
    return dict(enumerate(g.labels()))


def _leaf_paths(tree: Any, base: str) -> list[str]:
    """``base['W1']``, ``base[0]``, ...: the path to each leaf of a pytree, in leaf order (JAX's key paths)."""
    n = n_leaves(tree)
    paths: list[str] = [""] * n
    stack = [(unflatten(tree, list(range(n))), base)]
    while stack:
        node, path = stack.pop()
        if isinstance(node, dict):
            stack.extend((v, f"{path}[{k!r}]") for k, v in node.items())
        elif type(node) in (list, tuple):
            stack.extend((v, f"{path}[{i}]") for i, v in enumerate(node))
        else:
            paths[node] = path
    return paths


def array_node_names(g: ArrayGraph) -> dict[int, str]:
    """Display names of an array trace's nodes: inputs by their path in the arguments, the others ``v_1, v_2, …``.

    >>> import numpy as np, semiring_ad as sad
    >>> array_node_names(sad.arrays.trace_arrays(lambda x: np.tanh(x).sum(), np.ones(3)))
    {0: 'x', 1: 'v_1', 2: 'v_2'}
    >>> g = sad.arrays.trace_arrays(lambda p: (p["W"] @ p["b"]).sum(), {"W": np.ones((2, 2)), "b": np.ones(2)})
    >>> [array_node_names(g)[i] for i in g.inputs]
    ["x['W']", "x['b']"]
    """
    names, k = {}, 0
    for i, (op, label) in enumerate(zip(g.tape.ops, g.tape.labels, strict=True)):
        if op is None:
            names[i] = label or f"x{i}"
        else:
            k += 1
            names[i] = f"v_{k}"
    start = 0
    for tree in g.trees:  # leaves of containers: their key paths instead of a running index
        n = n_leaves(tree)
        if tree is not None:
            nodes = g.inputs[start:start + n]
            base = names[nodes[0]].split("[")[0]
            names.update(zip(nodes, _leaf_paths(tree, base), strict=True))
        start += n
    return names


def output_names(g: ComputationGraph) -> dict[int, str]:
    """Output names: ``f`` (``f_1, f_2, …`` for several), as in ``∂f/∂x``; ``y`` if an input is called ``f``.

    >>> import semiring_ad as sad
    >>> output_names(sad.trace(lambda x, y: [x * y, x + y], 2.0, 5.0, names=["x", "y"]))
    {2: 'f_1', 3: 'f_2'}
    """
    taken = {g.labels()[i] for i in g.inputs}
    base = next(b for b in ("f", "y", "out", "output") if b not in taken)
    if len(g.outputs) == 1:
        return {g.outputs[0]: base}
    return {o: f"{base}_{k + 1}" for k, o in enumerate(g.outputs)}


# -- choosing nodes and seeds --------------------------------------------------------


def pick_node(nodes: Sequence[Hashable], key: Any, names: Mapping[Hashable, str], role: str) -> Hashable:
    """One of ``nodes``, by node id or by display name; the only one when ``key`` is None.

    >>> pick_node([0, 1], "x2", {0: "x1", 1: "x2"}, "input")
    1
    """
    if key is None:
        if len(nodes) == 1:
            return nodes[0]
        raise TraceError(f"the graph has {len(nodes)} {role}s; say which one (a node id or name)")
    if not isinstance(key, bool) and key in nodes:
        return key
    hits = [v for v in nodes if names.get(v) == key]
    if len(hits) == 1:
        return hits[0]
    shown = ", ".join(f"{v!r} ({names.get(v, v)})" for v in nodes)
    raise NodeNotFoundError(f"{role} {key!r} is not one of the graph's {role}s; expected a node id or name: {shown}")


def seed_map(g: ComputationGraph, pick: Any, vector: Any, role: str) -> dict[int, Any]:
    """Sweep seeds ``{node: value}`` for a trace's inputs (``role="input"``) or outputs (``"output"``).

    ``pick`` chooses one node (seed 1); ``vector`` (or a ``pick`` that is a
    dict or sequence) gives a seed per node, aligned with ``g.inputs`` /
    ``g.outputs`` or keyed by node id or name.

    >>> import semiring_ad as sad
    >>> g = sad.trace(lambda x1, x2: x1 * x2, 2.0, 5.0, names=["x1", "x2"])
    >>> seed_map(g, "x2", None, "input"), seed_map(g, [0.5, 2.0], None, "input")
    ({1: 1}, {0: 0.5, 1: 2.0})
    """
    nodes = g.inputs if role == "input" else g.outputs
    names = node_names(g) if role == "input" else output_names(g)
    if pick is not None and vector is not None:
        raise TraceError(f"give either the {role} or a seed vector, not both")
    if isinstance(pick, (Mapping, list, tuple, np.ndarray)):
        pick, vector = None, pick
    if vector is None:
        return {pick_node(nodes, pick, names, role): PLUS_TIMES.one}
    if isinstance(vector, Mapping):
        return {pick_node(nodes, k, names, role): v for k, v in vector.items()}
    flat = list(np.asarray(vector, dtype=object).reshape(-1))
    if len(flat) != len(nodes):
        raise TraceError(f"the seed vector has {len(flat)} entries; the graph has {len(nodes)} {role}s")
    return dict(zip(nodes, flat, strict=True))
