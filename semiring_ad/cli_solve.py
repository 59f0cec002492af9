"""``semiring-ad solve`` and ``semiring-ad semirings``: path problems on graph files, and the registry.

Graph files are read by :func:`semiring_ad.graph_files.read_graph` straight into a
compiled graph (no networkx graph), with a size limit (``--max-bytes``).
Node ids are printed through :func:`~semiring_ad.cli_output.safe` in text
output (a graph file cannot send escape sequences to the terminal) and
exactly in JSON; path counts are exact whatever their size.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

from .cli_args import did_you_mean
from .cli_output import exact_ints, print_json, safe
from .core.semirings import SEMIRINGS
from .core.solver import path_sum, solve_backward, solve_forward
from .errors import InputError
from .graph_files import MAX_BYTES, READABLE, read_graph
from .views import format_value, plain_value

__all__ = ["add_semirings", "add_solve", "run_semirings", "run_solve", "semiring_name"]


def semiring_name(text: str) -> str:
    """The registry name of a ``--semiring`` value, spelled as :func:`~semiring_ad.core.semirings.get_semiring` accepts.

    >>> semiring_name("Min-Plus")
    'min_plus'
    """
    key = text.lower().replace("-", "_")
    if key in READABLE:
        return key
    if key in SEMIRINGS:
        raise InputError(f"the {key} semiring cannot read weights from a graph file; choose one of "
                         f"{', '.join(READABLE)}")
    raise InputError(f"unknown semiring {text!r}{did_you_mean(key, READABLE)} (choose from {', '.join(READABLE)}; "
                     "`semiring-ad semirings` lists them)")


def _node(nodes: list, text: str | None, role: str) -> Any:
    """The graph node whose id prints as ``text``."""
    if text is None:
        return None
    hits = [v for v in nodes if str(v) == text]
    if len(hits) != 1:
        what = "no node" if not hits else f"{len(hits)} nodes"
        shown = ", ".join(safe(repr(v)) for v in nodes[:20])
        raise InputError(f"--{role} {text!r} matches {what} of the graph; nodes: {shown}"
                         f"{' ...' if len(nodes) > 20 else ''}")
    return hits[0]


def run_solve(args: argparse.Namespace) -> int:
    """``semiring-ad solve``: a path problem on a graph file."""
    name = semiring_name(args.semiring)
    cg = read_graph(args.graph, name, max_bytes=args.max_bytes)
    s = SEMIRINGS[name]
    source, target = _node(cg.nodes, args.source, "source"), _node(cg.nodes, args.target, "target")
    if source is not None and target is not None:
        value = path_sum(cg, s, source, target, method="backward" if args.backward else "forward")
        doc: dict[str, Any] = {"value": _jsonable(value)}
    elif source is not None and not args.backward:
        doc = {"values": {str(v): _jsonable(x) for v, x in solve_forward(cg, s, source).items()}}
    elif target is not None and args.backward:
        doc = {"values": {str(v): _jsonable(x) for v, x in solve_backward(cg, s, target).items()}}
    else:
        raise InputError("give --source (forward sweep), --source and --target (one path sum), "
                         "or --target with --backward (backward sweep)")
    if args.format == "json":
        return print_json(doc)
    with exact_ints():
        if "value" in doc:
            print(f"{s.name} path sum from {safe(source)} to {safe(target)}: {_show(doc['value'])}")
        else:
            rows = [(safe(v), _show(x)) for v, x in doc["values"].items()]
            width = max((len(v) for v, _ in rows), default=0)
            print("\n".join(f"{v:<{width}}  {x}" for v, x in rows))
    return 0


def _jsonable(value: Any) -> Any:
    """A solver value as JSON: numbers, bools, ``"inf"`` for infinities, paths as lists of edges."""
    if isinstance(value, frozenset):
        return sorted([[list(map(_jsonable, e)) for e in p] for p in value], key=str)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, (int, float, bool, str)):
        return value
    return plain_value(value)


def _show(value: Any) -> str:
    if isinstance(value, list):
        return "{" + ", ".join(" → ".join(safe(e[0]) for e in p) + f" → {safe(p[-1][1])}" if p else "()"
                               for p in value) + "}"
    return safe(format_value(value))


def run_semirings(args: argparse.Namespace) -> int:
    """``semiring-ad semirings``: the registry with (⊕, ⊗, 0, 1) and what an answer means."""
    rows = [(s.name, "(" + ", ".join(s.notation) + ")", s.description) for s in SEMIRINGS.values()]
    if args.format == "json":
        return print_json([{"name": n, "notation": list(SEMIRINGS[n].notation), "description": d}
                           for n, _, d in rows])
    w1, w2 = (max(len(r[k]) for r in rows) for k in (0, 1))
    print("\n".join(f"{n:<{w1}}  {t:<{w2}}  {d}" for n, t, d in rows))
    return 0


def _size(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of bytes, got {text!r}")
    return int(text)


def add_solve(sub: Any, epilog: str, formatter: Any) -> None:
    """Add the ``solve`` sub-command to ``sub``."""
    p = sub.add_parser("solve", help="solve a path problem on a graph file (JSON or GraphML)",
                       epilog=epilog, formatter_class=formatter)
    p.add_argument("graph", help="a .json file {\"edges\": [[u, v, w], ...]} or a .graphml file")
    p.add_argument("--semiring", required=True, metavar="NAME",
                   help=f"one of {', '.join(READABLE)} (case and '-' or '_' as you like)")
    p.add_argument("--source", help="source node (forward sweep)")
    p.add_argument("--target", help="target node: print one path sum instead of every node's value")
    p.add_argument("--backward", action="store_true", help="sweep backward (from --target)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="json: node ids exact, infinities as \"inf\"/\"-inf\"")
    p.add_argument("--max-bytes", type=_size, default=MAX_BYTES, metavar="N",
                   help=f"refuse graph files bigger than N bytes (default {MAX_BYTES})")
    p.set_defaults(func=run_solve)


def add_semirings(sub: Any) -> None:
    """Add the ``semirings`` sub-command to ``sub``."""
    p = sub.add_parser("semirings", help="list the built-in semirings")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run_semirings)
