"""Graph-file syntax: UTF-8 JSON and GraphML bytes -> edge columns, every shape checked.

:mod:`semiring_ad.graph_files` reads the bytes and converts the weights; this module
only knows the two formats.  JSON is decoded strictly as UTF-8 (with a hint
for UTF-16 and Latin-1 files) and parsed by :mod:`json` without ``NaN`` or
``Infinity``; its edges are split into columns with C-level ``map`` calls.
GraphML is streamed with :func:`xml.etree.ElementTree.iterparse` (expat: no
external entities, bounded entity expansion); a ``weight`` value must match
the type its ``<key>`` declares.  Node ids are strings or integers in JSON,
strings in GraphML.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from .errors import InputError

__all__ = ["EdgeColumns", "graphml_columns", "json_columns"]


@dataclass
class EdgeColumns:
    """A graph file's content: declared nodes and one entry per edge (``None`` for a missing weight)."""

    nodes: list[Any]
    sources: list[Any]
    targets: list[Any]
    weights: list[Any]
    names: Callable[[int], str] = field(default=lambda k: f"edges[{k}]")

    def where(self, k: int) -> str:
        """How error messages name edge ``k``."""
        return self.names(k)


def _looks_utf16(data: bytes) -> bool:
    """A UTF-16 byte order mark, or ASCII text in UTF-16: every other byte of the start is NUL."""
    head = data[:64]
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and (any(head[::2]) != any(head[1::2])))


def _decode(data: bytes, path: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if _looks_utf16(data):
            hint = "it looks like UTF-16: convert it, e.g. iconv -f UTF-16 -t UTF-8"
        elif b"\x00" in data[:4096]:
            hint = "it looks like binary data"
        else:
            hint = "if it is Latin-1, convert it, e.g. iconv -f LATIN1 -t UTF-8"
        raise InputError(f"{path}: expected UTF-8 JSON text, but byte {exc.start} ({data[exc.start:exc.start + 1]!r}) "
                         f"is not UTF-8; {hint}") from None


def _check_ids(ids: list[Any], where: Callable[[int], str]) -> None:
    if set(map(type, ids)) <= {str, int}:
        return
    k = next(k for k, v in enumerate(ids) if type(v) not in (str, int))
    raise InputError(f"{where(k)}: a node id must be a string or an integer, got {ids[k]!r}")


def json_columns(data: bytes, path: str) -> EdgeColumns:
    """Columns of ``{"edges": [[u, v, w], ...], "nodes": [...]}``, validated strictly."""
    def refuse(value: str) -> None:
        raise InputError(f"{path}: {value} is not allowed in a graph file; use a number or a string such as \"inf\"")
    text = _decode(data, path)
    try:
        doc = json.loads(text, parse_constant=refuse)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    except InputError:
        raise
    except ValueError:  # Python's limit on integer literals
        raise InputError(f"{path}: an integer has more than 4300 digits; integers in a graph file are limited "
                         "to 4300 digits (a counting weight that large is almost certainly a mistake)") from None
    except RecursionError:
        raise InputError(f"{path}: the JSON is nested too deeply; expected {{\"edges\": [[u, v, w], ...]}}") from None
    if not isinstance(doc, dict) or "edges" not in doc or set(doc) - {"edges", "nodes"}:
        extra = sorted(set(doc) - {"edges", "nodes"}) if isinstance(doc, dict) else []
        raise InputError(f'{path}: expected a JSON object {{"edges": [[u, v, w], ...]}} with an optional "nodes" '
                         f"list{'; unknown keys: ' + ', '.join(map(repr, extra)) if extra else ''}")
    edges, nodes = doc["edges"], doc.get("nodes", [])
    del doc
    if not isinstance(edges, list) or not isinstance(nodes, list):
        raise InputError(f'{path}: "edges" and "nodes" must be JSON lists')
    lengths = set(map(len, edges)) if set(map(type, edges)) <= {list} else {0}
    if not lengths <= {2, 3}:
        k = next(k for k, e in enumerate(edges) if not isinstance(e, list) or len(e) not in (2, 3))
        raise InputError(f"edges[{k}] must be a list [u, v] or [u, v, w], got {edges[k]!r:.200}")
    sources, targets = list(map(itemgetter(0), edges)), list(map(itemgetter(1), edges))
    if 2 not in lengths:
        weights = list(map(itemgetter(2), edges))
    else:
        weights = [e[2] if len(e) == 3 else None for e in edges]
    del edges
    _check_ids(nodes, lambda k: f"nodes[{k}]")
    _check_ids(sources, lambda k: f"edges[{k}][0]")
    _check_ids(targets, lambda k: f"edges[{k}][1]")
    return EdgeColumns(nodes, sources, targets, weights)


_NS = "{http://graphml.graphdrawing.org/xmlns}"
_TYPES = {  # GraphML attr.type -> (pattern the text must match, what it means)
    "int": (r"[+-]?[0-9]+", "an integer"), "long": (r"[+-]?[0-9]+", "an integer"),
    "float": (r"[+-]?(inf(inity)?|nan|([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?)", "a number"),
    "double": (r"[+-]?(inf(inity)?|nan|([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?)", "a number"),
    "boolean": (r"true|false|1|0", "true/false or 0/1"), "string": (r"(?s).*", "text"),
}  # fmt: skip


class _GraphML:
    """The state of one streamed GraphML document."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.cols = EdgeColumns([], [], [], [], self.edge_name)
        self.key: str | None = None  # the <key> id of the edge attribute "weight"
        self.type, self.default = "string", None

    def edge_name(self, k: int) -> str:
        return f"{self.path}: edge {self.cols.sources[k]!r} -> {self.cols.targets[k]!r}"

    def fail(self, message: str) -> None:
        raise InputError(f"{self.path}: {message}")

    def key_element(self, elem: ET.Element) -> None:
        if elem.get("attr.name") == "weight" and elem.get("for", "all") in ("edge", "all"):
            self.key, self.type = elem.get("id"), elem.get("attr.type", "string").lower()
            if self.type not in _TYPES:
                self.fail(f"the weight key declares attr.type={self.type!r}; expected one of {', '.join(_TYPES)}")
            default = elem.find(f"{_NS}default")
            self.default = None if default is None else self.typed(default.text or "", "the weight key's default")

    def typed(self, text: str, where: str) -> str:
        pattern, meaning = _TYPES[self.type]
        if not re.fullmatch(pattern, text.strip(), re.I):
            self.fail(f"{where}: the weight is declared attr.type=\"{self.type}\" (expected {meaning}), "
                      f"but holds {text[:100]!r}")
        return text.strip() if self.type != "string" else text

    def edge_element(self, elem: ET.Element) -> None:
        u, v = elem.get("source"), elem.get("target")
        if u is None or v is None:
            self.fail("an <edge> needs both source and target attributes")
        if elem.get("directed", "true").lower() == "false":
            self.fail(f"edge {u!r} -> {v!r} is undirected (directed=\"false\"); graph files hold directed edges")
        w = self.default
        for data in elem.iter(f"{_NS}data"):
            if data.get("key") == self.key:
                w = self.typed(data.text or "", f"edge {u!r} -> {v!r}")
        self.cols.sources.append(u)
        self.cols.targets.append(v)
        self.cols.weights.append(w)

    def read(self, data: bytes) -> EdgeColumns:
        for event, elem in ET.iterparse(io.BytesIO(data), events=("start", "end")):
            tag = elem.tag
            if event == "start":
                if tag == f"{_NS}graph" and elem.get("edgedefault", "directed") != "directed":
                    self.fail("the GraphML graph is undirected; set edgedefault=\"directed\"")
                if tag in (f"{_NS}hyperedge", f"{_NS}port"):
                    self.fail(f"<{tag.removeprefix(_NS)}> is not supported; use plain directed <edge> elements")
                continue
            if tag == f"{_NS}key":
                self.key_element(elem)
            elif tag == f"{_NS}node":
                self.cols.nodes.append(elem.get("id"))
                elem.clear()
            elif tag == f"{_NS}edge":
                self.edge_element(elem)
                elem.clear()
        if not self.cols.sources and not self.cols.nodes:
            self.fail("no <node> or <edge> in the GraphML namespace; expected a GraphML document "
                      "(<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">)")
        return self.cols


def graphml_columns(data: bytes, path: str) -> EdgeColumns:
    """Columns of a GraphML document, with ``weight`` values checked against their declared type."""
    try:
        return _GraphML(path).read(data)
    except ET.ParseError as exc:
        raise InputError(f"{path}: not valid GraphML ({exc}); expected an XML document") from None
