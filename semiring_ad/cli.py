"""The command line: ``semiring-ad`` (also ``python -m semiring_ad``).

This module owns the terminal front end: argument parsing, reading graph
files, and printing results in text, Markdown, LaTeX or JSON.  It computes
nothing itself — expressions go through :mod:`semiring_ad.symbolic.parsing` (never
``eval``/``sympify``) and :mod:`semiring_ad.symbolic`, derivatives through
the solver, tables and paths through :mod:`semiring_ad.views`.

Sub-commands: ``diff`` (value and gradient of a formula at a point, with
traces, paths, a drawing), ``solve`` (a path problem on a graph file in any
built-in semiring), ``semirings`` (the registry), ``demo``.

Exit codes: 0 success, 2 bad usage or bad input (the message goes to stderr),
1 internal failure.

>>> main(["diff", "x*y + y", "--at", "x=2", "y=3", "--format", "json"])
{
  "value": 9.0,
  "gradient": {
    "x": 3.0,
    "y": 3.0
  }
}
0
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .core.semirings import PLUS_TIMES, SEMIRINGS, get_semiring
from .core.solver import path_sum, solve_backward, solve_forward, sweep
from .demo import main as demo_main
from .errors import InputError, SemiringADError
from .io import READABLE, load_graph
from .views import explain, format_value, latex_value, output_names, plain_value, to_dot, trace_table

__all__ = ["build_parser", "main"]

EPILOG = """examples:
  semiring-ad diff "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5
  semiring-ad diff "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --trace --mode both
  semiring-ad diff "(x + 4*y)*((x + y)*y)" --at x=3 y=5 --paths --format markdown
  semiring-ad diff "x*sin(x)" --at x=1 --verify --dot graph.dot --format json
  semiring-ad solve graph.json --semiring min_plus --source s --target t
  semiring-ad solve graph.graphml --semiring counting --source s --format json
  semiring-ad semirings
  semiring-ad demo

graph files: JSON {"edges": [[u, v, w], ...], "nodes": [...]} ("nodes" optional,
an edge without w gets the semiring's one) or GraphML (weights from the edge
attribute "weight").  Weights: numbers for plus_times/min_plus/max_plus/log,
numbers >= 0 for max_times, integers for counting, true/false/0/1 for or_and,
formulas (strings) for symbolic; paths ignores them (each edge is its own path).

exit codes: 0 success, 2 bad usage or bad input, 1 internal failure (or --verify found a disagreement).
"""

FORMATS = ("text", "markdown", "latex", "json")


# -- diff ----------------------------------------------------------------------------


def _point(assignments: Sequence[str]) -> dict[str, float]:
    from .symbolic.parsing import parse_assignment  # SymPy loads with diff only: solve never needs it

    point: dict[str, float] = {}
    for text in assignments:
        name, value = parse_assignment(text)
        if name in point:
            raise InputError(f"--at gives {name} twice; give each variable once")
        point[name] = value
    return point


def _gradient(g: Any, mode: str) -> dict[str, Any]:
    """∂y/∂x for every input: one backward sweep (reverse) or one forward sweep per input."""
    names, out, cg = g.labels(), g.outputs[0], g.compiled
    if mode == "reverse":
        beta = sweep(cg, PLUS_TIMES, {out: 1.0}, "backward")
        return {names[i]: 0.0 if beta[i] is None else beta[i] for i in g.inputs}
    grad = {}
    for i in g.inputs:
        alpha = sweep(cg, PLUS_TIMES, {i: 1.0}, "forward")
        grad[names[i]] = 0.0 if alpha[out] is None else alpha[out]
    return grad


def _summary(expr: Any, g: Any, grads: dict[str, dict[str, Any]], fmt: str) -> str:
    """The formula, its value and the gradient(s), in ``fmt``."""
    import sympy

    y, value = output_names(g)[g.outputs[0]], g.value
    if fmt == "latex":
        rows = [rf"{y} &= {sympy.latex(expr)} = {latex_value(value)}"]
        for mode, grad in grads.items():
            rows += [rf"\frac{{\partial {y}}}{{\partial {sympy.latex(sympy.Symbol(n))}}} &= {latex_value(d)}"
                     rf" && \text{{({mode})}}" for n, d in grad.items()]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
    if fmt == "markdown":
        lines = [f"**{y} = `{expr}`**", "", "| quantity | value | mode |", "|:---|---:|:---|",
                 f"| {y} | {format_value(value)} | |"]
        lines += [f"| ∂{y}/∂{n} | {format_value(d)} | {m} |" for m, grad in grads.items() for n, d in grad.items()]
        return "\n".join(lines)
    lines = [f"{y} = {expr}", f"value: {format_value(value)}"]
    for mode, grad in grads.items():
        lines.append(f"gradient ({mode} mode):")
        lines += [f"  ∂{y}/∂{n} = {format_value(d)}" for n, d in grad.items()]
    return "\n".join(lines)


def _tables(g: Any, mode: str) -> list[Any]:
    tables = [trace_table(g, "primal")]
    if mode in ("forward", "both"):
        tables += [trace_table(g, "forward", wrt=i) for i in g.inputs]
    if mode in ("reverse", "both"):
        tables.append(trace_table(g, "reverse"))
    return tables


def _explanations(g: Any, top: int | None) -> list[Any]:
    try:
        return [explain(g, i, top=top) for i in g.inputs]
    except SemiringADError as exc:
        raise InputError(str(exc).replace("pass top=k", "pass --top K")) from None


def run_diff(args: argparse.Namespace) -> int:
    """``semiring-ad diff``: value and gradient of a formula at a point (exit 1 if ``--verify`` fails)."""
    import sympy

    from .symbolic.graphs import from_sympy
    from .symbolic.parsing import parse_expression
    from .symbolic.verify import verify

    point = _point(args.at)
    expr = parse_expression(args.expression, variables=list(point))
    symbols = [sympy.Symbol(n) for n in point]
    g = from_sympy(expr, symbols).at(*point.values())
    modes = ("forward", "reverse") if args.mode == "both" else (args.mode,)
    grads = {m: _gradient(g, m) for m in modes}
    extras = {"trace": _tables(g, args.mode) if args.trace else [],
              "paths": _explanations(g, args.top) if args.paths else [],
              "verify": [verify(expr, at=point, wrt=symbols)] if args.verify else []}
    if args.dot:
        dot = to_dot(g, adjoints=None if args.mode == "forward" else g.outputs[0],
                     tangents=g.inputs[0] if args.mode != "reverse" and g.inputs else None)
        Path(args.dot).write_text(dot + "\n", encoding="utf-8")
    if args.format == "json":
        _print_json(_diff_json(g, grads, extras, args.dot))
    else:
        print("\n\n".join([_summary(expr, g, grads, args.format), *_rendered(extras, args.format)]))
    return 0 if all(report.ok for report in extras["verify"]) else 1


def _diff_json(g: Any, grads: dict[str, dict[str, Any]], extras: dict[str, list], dot: str | None) -> dict:
    doc: dict[str, Any] = {"value": plain_value(g.value), "gradient": _plain(list(grads.values())[-1])}
    if len(grads) > 1:
        doc["modes"] = {m: _plain(d) for m, d in grads.items()}
    if extras["trace"]:
        doc["trace"] = [{"mode": t.mode, "title": t.title, "rows": t.to_records()} for t in extras["trace"]]
    if extras["paths"]:
        doc["paths"] = {e.source_name: _explanation_json(e) for e in extras["paths"]}
    if extras["verify"]:
        doc["verify"] = extras["verify"][0].to_dict()
    if dot:
        doc["dot"] = str(dot)
    return doc


def _rendered(extras: dict[str, list], fmt: str) -> list[str]:
    """Trace tables, path explanations and the verification report in ``fmt``."""
    parts = [t.render(fmt) for t in extras["trace"]] + [e.render(fmt) for e in extras["paths"]]
    fence = {"markdown": ("```", "```"), "latex": (r"\begin{verbatim}", r"\end{verbatim}")}.get(fmt)
    for report in extras["verify"]:
        parts.append(f"{fence[0]}\n{report}\n{fence[1]}" if fence else str(report))
    return parts


def _explanation_json(e: Any) -> dict[str, Any]:
    return {"equation": e.equation(), "n_paths": e.n_paths, "total": plain_value(e.total), "paths": e.to_records()}


# -- solve ---------------------------------------------------------------------------


def _node(G: Any, text: str | None, role: str) -> Any:
    """The graph node whose id prints as ``text``."""
    if text is None:
        return None
    hits = [v for v in G if str(v) == text]
    if len(hits) != 1:
        what = "no node" if not hits else f"{len(hits)} nodes"
        raise InputError(f"--{role} {text!r} matches {what} of the graph; nodes: "
                             f"{', '.join(map(str, list(G)[:20]))}{' ...' if len(G) > 20 else ''}")
    return hits[0]


def run_solve(args: argparse.Namespace) -> int:
    """``semiring-ad solve``: a path problem on a graph file."""
    s = get_semiring(args.semiring)
    G, weight = load_graph(args.graph, s.name)
    source, target = _node(G, args.source, "source"), _node(G, args.target, "target")
    if source is not None and target is not None:
        value = path_sum(G, s, source, target, method="backward" if args.backward else "forward", weight=weight)
        doc: dict[str, Any] = {"value": _jsonable(value)}
    elif source is not None and not args.backward:
        doc = {"values": {str(v): _jsonable(x) for v, x in solve_forward(G, s, source, weight=weight).items()}}
    elif target is not None and args.backward:
        doc = {"values": {str(v): _jsonable(x) for v, x in solve_backward(G, s, target, weight=weight).items()}}
    else:
        raise InputError("give --source (forward sweep), --source and --target (one path sum), "
                             "or --target with --backward (backward sweep)")
    if args.format == "json":
        return _print_json(doc)
    if "value" in doc:
        print(f"{s.name} path sum from {source} to {target}: {_show(doc['value'])}")
    else:
        width = max(map(len, doc["values"]), default=0)
        print("\n".join(f"{v:<{width}}  {_show(x)}" for v, x in doc["values"].items()))
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
        return "{" + ", ".join(" → ".join(str(e[0]) for e in p) + f" → {p[-1][1]}" if p else "()"
                               for p in value) + "}"
    return format_value(value)


# -- semirings, output, entry point --------------------------------------------------


def run_semirings(args: argparse.Namespace) -> int:
    """``semiring-ad semirings``: the registry with (⊕, ⊗, 0, 1) and what an answer means."""
    rows = [(s.name, "(" + ", ".join(s.notation) + ")", s.description) for s in SEMIRINGS.values()]
    if args.format == "json":
        return _print_json([{"name": n, "notation": list(SEMIRINGS[n].notation), "description": d}
                            for n, _, d in rows])
    w1, w2 = (max(len(r[k]) for r in rows) for k in (0, 1))
    print("\n".join(f"{n:<{w1}}  {t:<{w2}}  {d}" for n, t, d in rows))
    return 0


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in values.items()}


def _print_json(doc: Any) -> int:
    print(json.dumps(doc, indent=2, ensure_ascii=False, allow_nan=False))
    return 0


def _add_diff(sub: Any) -> None:
    p = sub.add_parser("diff", help="value and gradient of a formula at a point",
                       description="Differentiate a formula (parsed safely, never evaluated as Python).")
    p.add_argument("expression", help='the formula, e.g. "ln(x1) + x1*x2 - sin(x2)"')
    p.add_argument("--at", nargs="*", default=[], metavar="NAME=VALUE", help="the point, e.g. --at x1=2 x2=5")
    p.add_argument("--mode", choices=("forward", "reverse", "both"), default="reverse",
                   help="forward: one forward sweep per input; reverse: one backward sweep (default)")
    p.add_argument("--trace", action="store_true", help="print the primal, tangent and/or adjoint trace tables")
    p.add_argument("--paths", action="store_true", help="list every path behind each partial derivative")
    p.add_argument("--top", type=_positive, metavar="K", help="with --paths: only the K paths of largest |product|")
    p.add_argument("--verify", action="store_true",
                   help="cross-check the derivative by symbolic, forward, reverse, dual and finite differences "
                        "(exit code 1 if they disagree)")
    p.add_argument("--dot", metavar="FILE", help="write the graph as Graphviz DOT to FILE")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.set_defaults(func=run_diff)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="semiring-ad", description="Automatic differentiation as a path problem over semirings.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_diff(sub)
    p = sub.add_parser("solve", help="solve a path problem on a graph file (JSON or GraphML)",
                       epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("graph", help="a .json file {\"edges\": [[u, v, w], ...]} or a .graphml file")
    p.add_argument("--semiring", required=True, choices=[n for n in READABLE if n in SEMIRINGS])
    p.add_argument("--source", help="source node (forward sweep)")
    p.add_argument("--target", help="target node: print one path sum instead of every node's value")
    p.add_argument("--backward", action="store_true", help="sweep backward (from --target)")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run_solve)
    p = sub.add_parser("semirings", help="list the built-in semirings")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(func=run_semirings)
    sub.add_parser("demo", help="one DAG in every semiring; Baydin's traces; Reps's paths").set_defaults(
        func=lambda args: demo_main())
    return parser


def _guarded(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return int(func(args) or 0)
    except (SemiringADError, InputError, OSError) as exc:
        print(f"semiring-ad: error: {exc}", file=sys.stderr)
        return 2
    except RecursionError:
        print("semiring-ad: error: the input is nested too deeply", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug, not bad input
        print(f"semiring-ad: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (argparse exits 2 on bad usage)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return _guarded(args.func, args)
