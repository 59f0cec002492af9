"""``semiring-ad diff``: value and gradient of a formula at a point, with traces, paths, checks and a drawing.

The formula is parsed safely (:func:`~semiring_ad.symbolic.parsing.parse_formula`,
never ``eval``) and traced as typed
(:func:`~semiring_ad.symbolic.typed.trace_formula`), so trace tables number
the nodes in the user's term order (Baydin's v_i).  Derivatives come from the
solver; tables, paths and drawings from :mod:`semiring_ad.views`; the
cross-check from :func:`~semiring_ad.symbolic.verify.verify`.  Work that grows
faster than the formula is bounded: ``--trace`` and ``--paths`` by the graph
size, ``--verify`` by inputs × graph size (:data:`LIMITS`), each refused with a
message that says what to drop.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .cli_output import print_json, safe_lines
from .core.semirings import PLUS_TIMES
from .core.solver import sweep
from .errors import InputError, SemiringADError
from .views import explain, format_value, latex_value, output_names, plain_value, to_dot, trace_table

__all__ = ["LIMITS", "add_diff", "run_diff"]

FORMATS = ("text", "markdown", "latex", "json")
LIMITS = {"trace": 5_000, "paths": 1_000, "verify": 4_000}
"""What the extras may cost (each about 3 s at the limit): table rows (nodes × tables) for ``--trace``, graph
nodes for ``--paths`` (listing paths grows faster than the graph), nodes × inputs for ``--verify``."""
OPTIONS = {"--at": "at", "--mode": 1, "--trace": 0, "--paths": 0, "--top": 1, "--verify": 0, "--dot": 1,
           "--format": 1, "--max-length": 1, "--help": 0, "--formula": 1}  # fmt: skip
"""The options of ``diff`` and how many values each takes (for :func:`~semiring_ad.cli_args.take_formula`)."""


def _point(assignments: list[str]) -> dict[str, float]:
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


def _summary(formula: Any, g: Any, grads: dict[str, dict[str, Any]], fmt: str) -> str:
    """The formula (as typed; SymPy's form in LaTeX), its value and the gradient(s), in ``fmt``."""
    y, value, typed = output_names(g)[g.outputs[0]], g.value, " ".join(formula.text.split())
    if fmt == "latex":
        import sympy

        rows = [rf"{y} &= {sympy.latex(formula.expr)} = {latex_value(value)}"]
        for mode, grad in grads.items():
            rows += [rf"\frac{{\partial {y}}}{{\partial {sympy.latex(sympy.Symbol(n))}}} &= {latex_value(d)}"
                     rf" && \text{{({mode})}}" for n, d in grad.items()]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
    if fmt == "markdown":
        lines = [f"**{y} = `{typed}`**", "", "| quantity | value | mode |", "|:---|---:|:---|",
                 f"| {y} | {format_value(value)} | |"]
        lines += [f"| ∂{y}/∂{n} | {format_value(d)} | {m} |" for m, grad in grads.items() for n, d in grad.items()]
        return "\n".join(lines)
    lines = [f"{y} = {typed}", f"value: {format_value(value)}"]
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


def _check_size(g: Any, args: argparse.Namespace) -> None:
    """Refuse the extras whose cost grows faster than the formula, before they start."""
    n = g.n_nodes
    tables = 1 + (len(g.inputs) if args.mode != "reverse" else 0) + (args.mode != "forward")
    if args.trace and n * tables > LIMITS["trace"]:
        raise InputError(f"--trace would print {tables} tables of {n} rows, over the limit of {LIMITS['trace']} rows; "
                         "drop --trace, use --mode reverse (one adjoint table), or differentiate a smaller formula")
    if args.paths and n > LIMITS["paths"]:
        raise InputError(f"the formula's graph has {n} nodes; --paths lists paths only up to {LIMITS['paths']} "
                         "nodes: drop --paths or differentiate a smaller formula")
    if args.verify and n * max(1, len(g.inputs)) > LIMITS["verify"]:
        raise InputError(f"--verify differentiates the formula once per input: {len(g.inputs)} inputs x {n} nodes "
                         f"is over the limit of {LIMITS['verify']}; drop --verify or check fewer inputs")


def _graph(args: argparse.Namespace) -> tuple[Any, Any, dict[str, float]]:
    """The parsed formula, its graph at the point, and the point; clear errors for what is missing."""
    from .symbolic.parsing import parse_formula
    from .symbolic.typed import trace_formula

    texts = [t for t in (args.formula, args.expression) if t is not None]
    if len(texts) != 1:
        got = f"got {len(texts)}: " + ", ".join(map(repr, texts)) if texts else "got none"
        raise InputError(f"diff needs one formula, e.g. semiring-ad diff \"x*sin(x)\" --at x=1; {got}")
    point = _point(args.at)
    formula = parse_formula(texts[0], max_length=args.max_length)
    needed = list(dict.fromkeys(s.value.name for s in formula.steps if s.kind == "var"))
    missing = [n for n in needed if n not in point]
    if missing:
        example = " ".join(f"{n}=…" for n in missing)
        raise InputError(f"no value for {', '.join(missing)}: add --at {example} (the point, one NAME=VALUE "
                         f"per variable{', e.g. --at ' + ' '.join(f'{n}=1' for n in needed) if not point else ''})")
    return formula, trace_formula(formula, point), point


def run_diff(args: argparse.Namespace) -> int:
    """``semiring-ad diff``: value and gradient of a formula at a point (exit 1 if ``--verify`` fails)."""
    if args.dot == "":
        raise InputError("--dot needs a file name, or - for standard output; got an empty string")
    if args.top is not None and not args.paths:
        print("semiring-ad: warning: --top has no effect without --paths", file=sys.stderr)
    formula, g, point = _graph(args)
    _check_size(g, args)
    modes = ("forward", "reverse") if args.mode == "both" else (args.mode,)
    grads = {m: _gradient(g, m) for m in modes}
    extras: dict[str, list] = {"trace": _tables(g, args.mode) if args.trace else [],
                               "paths": _explanations(g, args.top) if args.paths else [], "verify": []}
    if args.verify:
        import sympy

        from .symbolic.verify import verify

        extras["verify"] = [verify(formula.expr, at=point, wrt=[sympy.Symbol(n) for n in point])]
    dot = None
    if args.dot:
        dot = to_dot(g, adjoints=None if args.mode == "forward" else g.outputs[0],
                     tangents=g.inputs[0] if args.mode != "reverse" and g.inputs else None)
        if args.dot != "-":
            Path(args.dot).write_text(dot + "\n", encoding="utf-8")
    if args.format == "json":
        print_json(_diff_json(g, grads, extras, args.dot, dot))
    else:
        parts = [_summary(formula, g, grads, args.format), *_rendered(extras, args.format)]
        print(safe_lines("\n\n".join(parts)) + ("\n\n" + dot if args.dot == "-" else ""))
    return 0 if all(report.ok for report in extras["verify"]) else 1


def _diff_json(g: Any, grads: dict[str, dict[str, Any]], extras: dict[str, list], where: str | None,
               dot: str | None) -> dict:
    doc: dict[str, Any] = {"value": plain_value(g.value), "gradient": _plain(list(grads.values())[-1])}
    if len(grads) > 1:
        doc["modes"] = {m: _plain(d) for m, d in grads.items()}
    if extras["trace"]:
        doc["trace"] = [{"mode": t.mode, "title": t.title, "rows": t.to_records()} for t in extras["trace"]]
    if extras["paths"]:
        doc["paths"] = {e.source_name: _explanation_json(e) for e in extras["paths"]}
    if extras["verify"]:
        doc["verify"] = extras["verify"][0].to_dict()
    if where:
        doc["dot"] = str(where)
        if where == "-":
            doc["dot_source"] = dot
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


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {k: plain_value(v) for k, v in values.items()}


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return int(text)


def add_diff(sub: Any) -> None:
    """Add the ``diff`` sub-command to ``sub`` (argparse sub-parsers)."""
    from .symbolic.vocabulary import MAX_LENGTH

    p = sub.add_parser("diff", help="value and gradient of a formula at a point",
                       description="Differentiate a formula (parsed safely, never evaluated as Python). A formula "
                                   "may start with a sign (diff \"-x**2\" --at x=1) or follow -- (diff -- -x ...).")
    p.add_argument("expression", nargs="?", help='the formula, e.g. "ln(x1) + x1*x2 - sin(x2)"; also accepts '
                                                 "· × − ÷, superscripts (x²) and 2x")
    p.add_argument("--formula", help=argparse.SUPPRESS)
    p.add_argument("--at", nargs="*", default=[], metavar="NAME=VALUE", help="the point, e.g. --at x1=2 x2=5")
    p.add_argument("--mode", choices=("forward", "reverse", "both"), default="reverse",
                   help="forward: one forward sweep per input; reverse: one backward sweep (default)")
    p.add_argument("--trace", action="store_true", help="print the primal, tangent and/or adjoint trace tables")
    p.add_argument("--paths", action="store_true", help="list every path behind each partial derivative")
    p.add_argument("--top", type=_positive, metavar="K", help="with --paths: only the K paths of largest |product|")
    p.add_argument("--verify", action="store_true",
                   help="cross-check the derivative by symbolic, forward, reverse, dual and finite differences "
                        "(exit code 1 if the exact methods disagree)")
    p.add_argument("--dot", metavar="FILE", help="write the graph as Graphviz DOT to FILE (- for standard output)")
    p.add_argument("--format", choices=FORMATS, default="text",
                   help="json: non-finite numbers are written as the strings \"inf\", \"-inf\", \"nan\"")
    p.add_argument("--max-length", type=_positive, default=MAX_LENGTH, metavar="N",
                   help=f"refuse formulas longer than N characters (default {MAX_LENGTH})")
    p.set_defaults(func=run_diff)
