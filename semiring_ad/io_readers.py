"""Graph-file syntax: UTF-8 JSON and GraphML bytes -> batches of edges, every shape checked.

:mod:`semiring_ad.graph_files` reads the bytes and converts the weights; this
module only knows the two formats and hands the edges to an
:class:`~semiring_ad.io_compile.EdgeBuilder` in batches.  JSON is decoded
strictly as UTF-8 (with a hint for UTF-16 and Latin-1 files) and read by
:mod:`json`'s scanner without ``NaN`` or ``Infinity``, one edge at a time (the
document is never held whole); each batch is split into columns with
C-level ``map`` calls.  GraphML is streamed with
:func:`xml.etree.ElementTree.iterparse` (expat: no external entities,
bounded entity expansion); a ``weight`` value must match the type its
``<key>`` declares.  Node ids are strings or integers in JSON, strings in
GraphML.
"""

from __future__ import annotations

import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from operator import itemgetter
from typing import Any, NoReturn

from .errors import InputError, SemiringADError
from .io_compile import EdgeBuilder

__all__ = ["decode", "read_graphml", "read_json"]


def _looks_utf16(data: bytes) -> bool:
    """A UTF-16 byte order mark, or ASCII text in UTF-16: every other byte of the start is NUL."""
    head = data[:64]
    return data.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) > 1 and (any(head[::2]) != any(head[1::2])))


def decode(data: bytes, path: str) -> str:
    """The text of a JSON file: UTF-8 (a byte order mark is dropped), else an error with a hint."""
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


def _edge_batch(edges: list, offset: int, builder: EdgeBuilder) -> None:
    """Check one batch of JSON edges (``[u, v]`` or ``[u, v, w]``) and hand it to the builder."""
    lengths = set(map(len, edges)) if set(map(type, edges)) <= {list} else {0}
    if not lengths <= {2, 3}:
        k = next(k for k, e in enumerate(edges) if not isinstance(e, list) or len(e) not in (2, 3))
        raise InputError(f"edges[{offset + k}] must be a list [u, v] or [u, v, w], got {edges[k]!r:.200}")
    sources, targets = list(map(itemgetter(0), edges)), list(map(itemgetter(1), edges))
    weights = list(map(itemgetter(2), edges)) if 2 not in lengths else [e[2] if len(e) == 3 else None for e in edges]
    _check_ids(sources, lambda k: f"edges[{offset + k}][0]")
    _check_ids(targets, lambda k: f"edges[{offset + k}][1]")
    builder.add(sources, targets, weights)


class _Unusual(Exception):
    """The streaming reader met something it leaves to :func:`json.loads` (which names the problem)."""


_SPACE = re.compile(r"[ \t\n\r]*")


_CUT = re.compile(r"\][ \t\n\r]*,[ \t\n\r]*\[")
_CHUNK, _MIN_CHUNK = 1 << 22, 1 << 14  # characters of the edge list parsed at once


def _chunks(text: str, i: int, loads: Callable[[str], Any], builder: EdgeBuilder) -> int:
    """Parse the edge list from ``i`` in chunks of about 4 MB cut at ``], [``; return where to go on one by one.

    A cut inside a string leaves the chunk's last string open, so that chunk fails to parse and the caller
    goes on edge by edge from its start: a file of plain ``[u, v, w]`` edges is read exactly either way.
    """
    size = _CHUNK
    while size >= _MIN_CHUNK:
        cut = _CUT.search(text, i + size)
        if cut is None:  # near the end of the list: smaller chunks
            size //= 4
            continue
        try:
            part = loads(f"[{text[i : cut.start() + 1]}]")
        except json.JSONDecodeError:
            return i
        for start in range(0, len(part), _BATCH):
            _edge_batch(part[start : start + _BATCH], builder.n_edges, builder)
        i = cut.end() - 1
    return i


def _stream(text: str, decoder: json.JSONDecoder, builder: EdgeBuilder) -> dict[str, Any]:
    """Stream ``{"edges": [...], ...}``: edges go to the builder in batches, other members are returned."""
    scan, loads = decoder.scan_once, decoder.decode

    def skip(i: int, char: str | None = None) -> int:
        i = _SPACE.match(text, i).end()
        if char is not None:
            if text[i : i + 1] != char:
                raise _Unusual
            i = _SPACE.match(text, i + 1).end()
        return i

    try:
        members, i = {}, skip(0, "{")
        while text[i : i + 1] != "}":
            key, i = scan(text, i)
            i = skip(i, ":")
            if key == "edges" and "edges" in members:
                raise _Unusual  # a repeated key: json.loads keeps the last one
            if key != "edges" or "edges" in members or text[i : i + 1] != "[":
                members[key], i = scan(text, i)
            else:
                members["edges"], i = None, _chunks(text, skip(i, "["), loads, builder)
                batch: list = []
                while text[i : i + 1] != "]":
                    edge, i = scan(text, i)
                    batch.append(edge)
                    if len(batch) == _BATCH:
                        _edge_batch(batch, builder.n_edges, builder)
                        batch = []
                    i = skip(i)
                    if text[i : i + 1] == ",":
                        i = skip(i + 1)
                        if text[i : i + 1] == "]":
                            raise _Unusual
                _edge_batch(batch, builder.n_edges, builder)
                i += 1
            i = skip(i)
            if text[i : i + 1] == ",":
                i = skip(i + 1)
                if text[i : i + 1] == "}":
                    raise _Unusual
        if skip(i + 1) != len(text):
            raise _Unusual
    except (StopIteration, IndexError):
        raise _Unusual from None
    return members


_BATCH = 1 << 16


def read_json(text: str, path: str, builder: EdgeBuilder) -> None:
    """Feed ``{"edges": [[u, v, w], ...], "nodes": [...]}`` to ``builder``, validated strictly.

    The edge list is streamed in batches (the document is never held whole); anything the
    streaming reader does not expect is handed to :func:`json.loads`, whose message names it.
    """
    def refuse(value: str) -> None:
        raise InputError(f"{path}: {value} is not allowed in a graph file; use a number or a string such as \"inf\"")
    decoder = json.JSONDecoder(parse_constant=refuse)
    try:
        try:
            doc = _stream(text, decoder, builder)
        except _Unusual:
            builder.__init__(builder.convert)  # start again, from the whole document
            doc = decoder.decode(text)
            if isinstance(doc, dict) and isinstance(doc.get("edges"), list):
                edges = doc["edges"]
                for start in range(0, len(edges), _BATCH):
                    _edge_batch(edges[start : start + _BATCH], start, builder)
                doc["edges"] = None
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    except SemiringADError:  # our own refusals (some are ValueErrors too) pass unchanged
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
    nodes = doc.get("nodes", [])
    if doc["edges"] is not None or not isinstance(nodes, list):
        raise InputError(f'{path}: "edges" and "nodes" must be JSON lists')
    _check_ids(nodes, lambda k: f"nodes[{k}]")
    builder.declare(nodes)


_NS = "{http://graphml.graphdrawing.org/xmlns}"
_TYPES = {  # GraphML attr.type -> (pattern the text must match, what it means)
    "int": (r"[+-]?[0-9]+", "an integer"), "long": (r"[+-]?[0-9]+", "an integer"),
    "float": (r"[+-]?(inf(inity)?|nan|([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?)", "a number"),
    "double": (r"[+-]?(inf(inity)?|nan|([0-9]+\.?[0-9]*|\.[0-9]+)(e[+-]?[0-9]+)?)", "a number"),
    "boolean": (r"true|false|1|0", "true/false or 0/1"), "string": (r"(?s).*", "text"),
}  # fmt: skip


class _GraphML:
    """The state of one streamed GraphML document."""

    def __init__(self, path: str, builder: EdgeBuilder) -> None:
        self.path, self.builder = path, builder
        self.batch: tuple[list, list, list] = ([], [], [])
        self.key: str | None = None  # the <key> id of the edge attribute "weight"
        self.type, self.default = "string", None

    def fail(self, message: str) -> NoReturn:
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
        for column, value in zip(self.batch, (u, v, w)):
            column.append(value)
        if len(self.batch[0]) == _BATCH:
            self.flush()

    def flush(self) -> None:
        sources, targets, weights = self.batch
        self.builder.add(sources, targets, weights, lambda k: f"{self.path}: edge {sources[k]!r} -> {targets[k]!r}")
        self.batch = ([], [], [])

    def read(self, data: bytes) -> None:
        nodes = []
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
                nodes.append(elem.get("id"))
                elem.clear()
            elif tag == f"{_NS}edge":
                self.edge_element(elem)
                elem.clear()
        self.flush()
        if not self.builder.n_edges and not nodes:
            self.fail("no <node> or <edge> in the GraphML namespace; expected a GraphML document "
                      "(<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">)")
        self.builder.declare(nodes)


def read_graphml(data: bytes, path: str, builder: EdgeBuilder) -> None:
    """Feed a GraphML document to ``builder``, with ``weight`` values checked against their declared type."""
    try:
        _GraphML(path, builder).read(data)
    except ET.ParseError as exc:
        raise InputError(f"{path}: not valid GraphML ({exc}); expected an XML document") from None
