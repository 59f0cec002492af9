"""Graph files: read an edge-weighted DAG from JSON or GraphML, weights checked per semiring.

This module is a front end (it makes graphs, like tracing and
:func:`~semiring_ad.symbolic.graphs.from_sympy`): the command line's ``solve`` reads
its input here.  A file is read as bytes up to a size limit (``max_bytes``),
JSON must be UTF-8 (:mod:`json`, no ``NaN``/``Infinity`` literals, integers up
to Python's 4300 digits), GraphML goes through :mod:`semiring_ad.io_readers`
(streamed, weights checked against their declared type).  Weights are checked
and converted column by column (a NumPy array for the real semirings) and the
edges go straight into a :class:`~semiring_ad.core.graph.CompiledGraph`
(:mod:`semiring_ad.io_compile`): no networkx graph is built.  Parallel edges
stay separate paths.  Formulas in symbolic weights go through the safe
parser, never ``eval``.  :mod:`semiring_ad.io` keeps the names it documented
before this module existed.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from .core.graph import CompiledGraph
from .core.semirings import SEMIRINGS, path_weight
from .errors import InputError
from .io_compile import EdgeBuilder
from .io_readers import decode, read_graphml, read_json

__all__ = ["MAX_BYTES", "READABLE", "load_graph", "parse_weight", "read_graph"]

_REAL = {"plus_times", "min_plus", "max_plus", "max_times", "log"}
READABLE = sorted(_REAL | {"counting", "or_and", "symbolic", "paths"})
"""The semirings whose weights a graph file can hold (``solve --semiring`` choices)."""
MAX_BYTES = 256 * 2**20
"""Default size limit of a graph file (256 MiB, about 9 million JSON edges); ``solve --max-bytes`` changes it."""
_REAL_RE = re.compile(r"[+-]?(inf(inity)?|([0-9]{1,400}\.?[0-9]{0,400}|\.[0-9]{1,400})(e[+-]?[0-9]{1,4})?)", re.I)
_INT_RE = re.compile(r"[+-]?[0-9]{1,4000}")


def _real(w: Any) -> float:
    if isinstance(w, str) and _REAL_RE.fullmatch(w.strip()):
        return float(w)
    if isinstance(w, (int, float)) and not isinstance(w, bool):
        try:
            value = float(w)
        except OverflowError:
            raise TypeError("a number within the float range (about ±1.8e308, or \"inf\")") from None
        if not math.isnan(value):
            return value
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
    raise TypeError("an integer (at most 4000 digits)")


def _symbolic(w: Any) -> Any:
    if isinstance(w, bool) or not isinstance(w, (int, float, str)) or (isinstance(w, float) and not math.isfinite(w)):
        raise TypeError("a formula (a string such as \"2*x\") or a finite number")
    from .symbolic.parsing import parse_expression  # SymPy loads for symbolic weights only

    return parse_expression(w if isinstance(w, str) else repr(w))


def parse_weight(semiring: str, w: Any, where: str) -> Any:
    """An edge weight from a graph file, checked and converted for ``semiring`` (by name).

    >>> parse_weight("or_and", 1, "edge 0"), parse_weight("min_plus", "inf", "edge 0")
    (True, inf)
    >>> parse_weight("counting", 1.5, "edge 3")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    semiring_ad.errors.InputError: edge 3: the counting semiring needs an integer (at most 4000 digits) as weight, ...
    """
    convert = {"or_and": _boolean, "counting": _integer, "symbolic": _symbolic}.get(semiring, _real)
    try:
        value = convert(w)
        if semiring == "max_times" and value < 0:
            raise TypeError("a number >= 0")
    except TypeError as exc:
        shown = repr(w) if not isinstance(w, int) or w.bit_length() < 1000 else f"an integer of {len(str(w))} digits"
        raise InputError(f"{where}: the {semiring} semiring needs {exc} as weight, got {shown}") from None
    return value


def _converter(semiring: str) -> Any:
    """``convert(raw, where)`` for :class:`~semiring_ad.io_compile.EdgeBuilder`: a batch's weights for ``semiring``.

    The real semirings get a float array (vectorised when every weight is a JSON number), the others a list.
    """
    one = SEMIRINGS[semiring].one

    def convert(raw: list, where: Any) -> Any:
        if semiring == "paths":
            return [None] * len(raw)
        if semiring in _REAL and set(map(type, raw)) <= {int, float}:  # the common case, vectorised
            try:
                values = np.array(raw, dtype=np.float64)
            except OverflowError:
                values = None  # the loop below names the edge
            if values is not None and (semiring != "max_times" or not np.any(values < 0)):
                return values
        out = [one if w is None else parse_weight(semiring, w, where(k)) for k, w in enumerate(raw)]
        return np.asarray(out, dtype=np.float64) if semiring in _REAL else out

    return convert


def _read_bytes(path: str, max_bytes: int) -> bytes:
    """The file's bytes, refusing more than ``max_bytes`` (a device such as /dev/zero ends fast)."""
    with open(path, "rb") as handle:
        head = handle.read(65536)
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")) and head.count(b"\x00") * 3 > len(head):
            raise InputError(f"{path}: this is binary data (NUL bytes), not a JSON or GraphML graph file")
        if handle.seekable():  # read the file once, without a second copy of its start
            handle.seek(0)
            data = handle.read(max_bytes + 1)
        else:
            data = head + handle.read(max(0, max_bytes + 1 - len(head)))
    if len(data) > max_bytes:
        raise InputError(f"{path}: the file is larger than the limit of {max_bytes} bytes; "
                         "pass --max-bytes N (or max_bytes=N) to read bigger graph files")
    return data


def read_graph(path: str, semiring: str, *, max_bytes: int = MAX_BYTES) -> CompiledGraph:
    """Read a ``.json`` or ``.graphml`` graph file into a compiled DAG with weights for ``semiring``.

    Parameters
    ----------
    path : str
        A JSON file ``{"edges": [[u, v, w], ...], "nodes": [...]}`` (UTF-8) or a
        GraphML file (suffix ``.graphml`` or ``.xml``; weights in the edge
        attribute ``weight``).
    semiring : str
        One of :data:`READABLE`: how weights are checked and converted.  An edge
        without a weight gets the semiring's one; ``paths`` ignores weights.
    max_bytes : int
        Refuse bigger files (default :data:`MAX_BYTES`).

    Raises
    ------
    InputError
        For a file that is too big, not UTF-8 JSON or GraphML, badly shaped, or
        whose weights the semiring cannot take; the message says what was expected.
    NotADAGError
        If the edges contain a cycle.

    Examples
    --------
    >>> import json, tempfile
    >>> with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
    ...     json.dump({"edges": [["s", "a", 2], ["a", "t", 1], ["s", "t", 5]]}, f)
    >>> read_graph(f.name, "min_plus")
    <CompiledGraph: 3 nodes, 3 edges, 3 levels>
    """
    builder = EdgeBuilder(_converter(semiring))
    if Path(path).suffix.lower() in (".graphml", ".xml"):
        read_graphml(_read_bytes(path, max_bytes), path, builder)
    else:
        read_json(decode(_read_bytes(path, max_bytes), path), path, builder)
    cg = builder.compile()
    if semiring == "paths":
        return cg.with_weights([path_weight(*e[:2]) for e in cg.edges])
    return cg


def load_graph(path: str, semiring: str, *, max_bytes: int = MAX_BYTES) -> tuple[CompiledGraph, str]:
    """The compiled graph of a graph file (see :func:`read_graph`) and the weight spec for the solver.

    The graph is a :class:`~semiring_ad.core.graph.CompiledGraph` (every solver
    accepts it; ``.to_networkx()`` gives a networkx graph), so the spec is
    always ``"weight"`` (unused).
    """
    return read_graph(path, semiring, max_bytes=max_bytes), "weight"
