"""The command line: ``semiring-ad`` (also ``python -m semiring_ad``).

This module owns the entry point: the argument parser, the pre-pass that
lets formulas start with a sign (:mod:`semiring_ad.cli_args`), and the
mapping of failures to exit codes.  The sub-commands live in
:mod:`semiring_ad.cli_diff` (``diff``: value and gradient of a formula at a
point, with traces, paths, a drawing) and :mod:`semiring_ad.cli_solve`
(``solve``: a path problem on a graph file in any built-in semiring;
``semirings``: the registry); ``demo`` runs :mod:`semiring_ad.demo`.  What is
printed goes through :mod:`semiring_ad.cli_output` (strict JSON,
terminal-safe text, exact integers).  Expressions go through
:mod:`semiring_ad.symbolic.parsing` (never ``eval``/``sympify``).

Exit codes: 0 success, 2 bad usage or bad input (the message goes to stderr),
1 internal failure (or ``diff --verify`` found the exact methods disagree).

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
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .cli_args import did_you_mean, take_formula
from .cli_diff import OPTIONS, add_diff
from .cli_output import safe_lines
from .cli_solve import add_semirings, add_solve
from .demo import main as demo_main
from .errors import InputError, SemiringADError

__all__ = ["build_parser", "main"]

EPILOG = """examples:
  semiring-ad diff "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5
  semiring-ad diff "ln(x1) + x1*x2 - sin(x2)" --at x1=2 x2=5 --trace --mode both
  semiring-ad diff "(x + 4*y)*((x + y)*y)" --at x=3 y=5 --paths --format markdown
  semiring-ad diff "-x**2 + 1" --at x=1              (a formula may start with a sign)
  semiring-ad diff "x*sin(x)" --at x=1 --verify --dot graph.dot --format json
  semiring-ad solve graph.json --semiring min_plus --source s --target t
  semiring-ad solve graph.graphml --semiring counting --source s --format json
  semiring-ad semirings
  semiring-ad demo

graph files: JSON {"edges": [[u, v, w], ...], "nodes": [...]} in UTF-8 ("nodes" optional,
an edge without w gets the semiring's one) or GraphML (weights from the edge
attribute "weight").  Weights: numbers for plus_times/min_plus/max_plus/log,
numbers >= 0 for max_times, integers for counting, true/false/0/1 for or_and,
formulas (strings) for symbolic; paths ignores them (each edge is its own path).
Files over 256 MiB are refused unless --max-bytes says otherwise.

--format json writes strict JSON: infinities and NaN become the strings "inf", "-inf", "nan".
exit codes: 0 success, 2 bad usage or bad input, 1 internal failure (or --verify found a disagreement).
"""

COMMANDS = ("diff", "solve", "semirings", "demo")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(
        prog="semiring-ad", description="Automatic differentiation as a path problem over semirings.",
        epilog=EPILOG, formatter_class=formatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    add_diff(sub)
    add_solve(sub, EPILOG, formatter)
    add_semirings(sub)
    p = sub.add_parser("demo", help="one DAG in every semiring; Baydin's traces; Reps's paths")
    p.add_argument("--format", choices=("text",), default="text", help="the demo prints text only")
    p.set_defaults(func=lambda args: demo_main())
    return parser


def _prepared(parser: argparse.ArgumentParser, argv: list[str]) -> list[str]:
    """``argv`` with a misspelled command caught and the ``diff`` formula made safe for argparse."""
    at = next((k for k, a in enumerate(argv) if not a.startswith("-")), None)
    if at is None:
        return argv
    if argv[at] not in COMMANDS:
        parser.error(f"unknown command {argv[at]!r}{did_you_mean(argv[at], COMMANDS)} "
                     f"(choose from {', '.join(COMMANDS)})")
    if argv[at] == "diff":
        return [*argv[: at + 1], *take_formula(argv[at + 1 :], OPTIONS)]
    return argv


def _guarded(func: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    try:
        return int(func(args) or 0)
    except (SemiringADError, InputError, OSError) as exc:
        print(f"semiring-ad: error: {safe_lines(exc)}", file=sys.stderr)
        return 2
    except RecursionError:
        print("semiring-ad: error: the input is nested too deeply", file=sys.stderr)
        return 2
    except MemoryError:
        print("semiring-ad: error: out of memory; the input is too large", file=sys.stderr)
        return 2
    except Exception as exc:  # a bug, not bad input
        print(f"semiring-ad: internal error: {type(exc).__name__}: {safe_lines(exc)}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (argparse exits 2 on bad usage)."""
    parser = build_parser()
    args = parser.parse_args(_prepared(parser, list(sys.argv[1:] if argv is None else argv)))
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    return _guarded(args.func, args)
