"""Graph files: read an edge-weighted DAG from JSON or GraphML, weights checked per semiring.

This module is a front end (it makes graphs, like tracing and
:func:`~semiring_ad.symbolic.graphs.from_sympy`): the command line's ``solve`` reads
its input here.  JSON is parsed with :mod:`json` (no ``NaN``/``Infinity``
literals), GraphML with networkx; formulas in symbolic weights go through the
safe parser, never ``eval``.  Files become ``MultiDiGraph`` objects so parallel
edges stay separate paths.
"""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import networkx as nx

from .core.semirings import SEMIRINGS, path_weight
from .errors import InputError

__all__ = ["READABLE", "load_graph", "parse_weight"]

_REAL = {"plus_times", "min_plus", "max_plus", "max_times", "log"}
READABLE = sorted(_REAL | {"counting", "or_and", "symbolic", "paths"})
"""The semirings whose weights a graph file can hold (``solve --semiring`` choices)."""
_REAL_RE = re.compile(r"[+-]?(inf(inity)?|([0-9]{1,400}\.?[0-9]{0,400}|\.[0-9]{1,400})(e[+-]?[0-9]{1,4})?)", re.I)
_INT_RE = re.compile(r"[+-]?[0-9]{1,4000}")


def _real(w: Any) -> float:
    if isinstance(w, str) and _REAL_RE.fullmatch(w.strip()):
        return float(w)
    if isinstance(w, (int, float)) and not isinstance(w, bool) and not math.isnan(w):
        return w
    raise TypeError("a number (or \"inf\"/\"-inf\")")


def _boolean(w: Any) -> bool:
    table = {True: True, False: False, "true": True, "false": False, "1": True, "0": False}  # 1 == True, 0 == False
    key = w.strip().lower() if isinstance(w, str) else w
    if isinstance(key, float) or key not in table:
        raise TypeError("true/false or 0/1")
    return table[key]


def _integer(w: Any) -> int:
    if isinstance(w, int) and not isinstance(w, bool):
        return w
    if isinstance(w, str) and _INT_RE.fullmatch(w.strip()):
        return int(w)
    raise TypeError("an integer")


def _symbolic(w: Any) -> Any:
    if isinstance(w, bool) or not isinstance(w, (int, float, str)) or (isinstance(w, float) and not math.isfinite(w)):
        raise TypeError("a formula (a string such as \"2*x\") or a finite number")
    from .symbolic.parsing import parse_expression  # SymPy loads for symbolic weights only

    return parse_expression(w if isinstance(w, str) else repr(w))


def parse_weight(semiring: str, w: Any, where: str) -> Any:
    """An edge weight from a graph file, checked and converted for ``semiring`` (by name).

    >>> parse_weight("or_and", 1, "edge 0"), parse_weight("min_plus", "inf", "edge 0")
    (True, inf)
    >>> parse_weight("counting", 1.5, "edge 3")
    Traceback (most recent call last):
      ...
    semiring_ad.errors.InputError: edge 3: the counting semiring needs an integer as weight, got 1.5
    """
    convert = {"or_and": _boolean, "counting": _integer, "symbolic": _symbolic}.get(semiring, _real)
    try:
        value = convert(w)
        if semiring == "max_times" and value < 0:
            raise TypeError("a number >= 0")
    except TypeError as exc:
        raise InputError(f"{where}: the {semiring} semiring needs {exc} as weight, got {w!r}") from None
    return value


def _json_graph(text: str, semiring: str) -> nx.DiGraph:
    """A DiGraph from ``{"edges": [[u, v, w], ...], "nodes": [...]}``, validated strictly."""
    def refuse(value: str) -> None:
        raise InputError(f"{value} is not allowed in a graph file; use a number or a string")
    doc = json.loads(text, parse_constant=refuse)
    if not isinstance(doc, dict) or "edges" not in doc or set(doc) - {"edges", "nodes"}:
        extra = sorted(set(doc) - {"edges", "nodes"}) if isinstance(doc, dict) else []
        raise InputError('expected a JSON object {"edges": [[u, v, w], ...]} with an optional "nodes" '
                             f"list{'; unknown keys: ' + ', '.join(map(repr, extra)) if extra else ''}")
    if not isinstance(doc["edges"], list) or not isinstance(doc.get("nodes", []), list):
        raise InputError('"edges" and "nodes" must be JSON lists')
    G = nx.MultiDiGraph()
    for k, v in enumerate(doc.get("nodes", [])):
        G.add_node(_node_id(v, f"nodes[{k}]"))
    one = SEMIRINGS[semiring].one
    for k, e in enumerate(doc["edges"]):
        if not isinstance(e, list) or len(e) not in (2, 3):
            raise InputError(f"edges[{k}] must be a list [u, v] or [u, v, w], got {e!r}")
        u, v = _node_id(e[0], f"edges[{k}][0]"), _node_id(e[1], f"edges[{k}][1]")
        w = one if len(e) == 2 or semiring == "paths" else parse_weight(semiring, e[2], f"edges[{k}]")
        G.add_edge(u, v, weight=w)
    return G


def _node_id(v: Any, where: str) -> Any:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise InputError(f"{where}: a node id must be a string or an integer, got {v!r}")
    return v


def _graphml_graph(path: str, semiring: str) -> nx.DiGraph:
    """A MultiDiGraph from GraphML, with every edge's "weight" attribute checked."""
    try:
        G = nx.read_graphml(path, force_multigraph=True)
    except (ET.ParseError, nx.NetworkXError) as exc:
        raise InputError(f"{path}: not valid GraphML ({exc})") from None
    if not G.is_directed():
        raise InputError(f"{path}: the GraphML graph is undirected; set edgedefault=\"directed\"")
    for u, v, d in G.edges(data=True):
        if semiring == "paths":
            continue
        if "weight" not in d:
            raise InputError(f"{path}: edge {u!r} -> {v!r} has no \"weight\" attribute")
        d["weight"] = parse_weight(semiring, d["weight"], f"edge {u!r} -> {v!r}")
    return G


def load_graph(path: str, semiring: str) -> tuple[nx.DiGraph, Any]:
    """The graph of a ``.json`` or ``.graphml`` file and the weight spec for the solver."""
    if Path(path).suffix.lower() in (".graphml", ".xml"):
        G = _graphml_graph(path, semiring)
    else:
        try:
            G = _json_graph(Path(path).read_text(encoding="utf-8"), semiring)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc})") from None
    return G, (path_weight if semiring == "paths" else "weight")
