"""The command line: ``semiring-ad`` (also ``python -m semiring_ad``).

Exit codes: 0 success, 2 bad usage or bad input, 1 internal failure.
User input is parsed, never evaluated as Python.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import __version__
from .demo import main as demo_main
from .errors import SemiringADError

__all__ = ["main", "build_parser"]

EPILOG = """examples:
  semiring-ad demo
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-command per task."""
    parser = argparse.ArgumentParser(
        prog="semiring-ad",
        description="Automatic differentiation as a path problem over semirings.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    demo = sub.add_parser("demo", help="solve one small DAG in every built-in semiring")
    demo.set_defaults(func=lambda args: demo_main())
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except SemiringADError as exc:
        print(f"semiring-ad: error: {exc}", file=sys.stderr)
        return 2
