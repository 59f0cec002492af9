"""Command-line arguments that argparse alone gets wrong: formulas starting with '-', and typos.

* A formula may start with a sign (``semiring-ad diff "-x**2 + 1" --at x=1``) or
  follow ``--`` (``diff -- "-x" --at x=1``).  :func:`take_formula` finds the
  formula among the ``diff`` arguments before argparse sees them and hands it
  over as ``--formula=TEXT``, which argparse never mistakes for an option.
  ``--at`` takes only ``NAME=VALUE`` words, so it cannot swallow the formula.
* :func:`did_you_mean` suggests the closest known word for a misspelled
  sub-command or semiring.

>>> take_formula(["-x**2 + 1", "--at", "x=1"], {"--at": "at"})
['--at', 'x=1', '--formula=-x**2 + 1']
>>> take_formula(["--at", "x=1", "y=2", "x*y", "--trace"], {"--at": "at", "--trace": 0})
['--at', 'x=1', 'y=2', '--trace', '--formula=x*y']
>>> did_you_mean("min-plu", ["min_plus", "max_plus", "counting"])
"; did you mean 'min_plus'?"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["did_you_mean", "take_formula"]


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """``"; did you mean 'x'?"`` for the closest known word, or ``""``."""
    known = list(known)
    key = str(word).lower().replace("-", "_")
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.5)
    return f"; did you mean {close[0]!r}?" if close else ""


def _option(token: str, options: Mapping[str, int | str]) -> str | None:
    """The option a ``--name`` token means (argparse accepts unique prefixes), or None."""
    name = token.split("=", 1)[0]
    if name in options:
        return name
    hits = [o for o in options if o.startswith(name)]
    return hits[0] if len(hits) == 1 else None


def take_formula(args: Sequence[str], options: Mapping[str, int | str]) -> list[str]:
    """The ``diff`` arguments with the formula moved to a final ``--formula=TEXT``.

    ``options`` maps each option to the number of values it takes, or ``"at"``
    for ``--at`` (every following word containing ``=``).  The formula is the
    word after ``--``, else the first word that is neither an option nor an
    option's value (a word starting with a single ``-``, such as ``-x``, counts
    as a formula).  Anything after the formula is left to argparse.
    """
    out: list[str] = []
    extra: list[str] = []  # further words: argparse reports them as a second formula
    formula: str | None = None
    i = 0
    while i < len(args):
        token = args[i]
        i += 1
        if token == "--" and formula is None and i < len(args):
            formula, i = args[i], i + 1
        elif token.startswith("--") and token != "--":
            out.append(token)
            option = _option(token, options)
            if option is None or "=" in token:
                continue
            if options[option] == "at":
                while i < len(args) and "=" in args[i] and not args[i].startswith("-"):
                    out.append(args[i])
                    i += 1
            else:
                out += args[i : i + int(options[option])]
                i += int(options[option])
        elif token == "-h" or (formula is not None and token.startswith("-")):
            out.append(token)
        elif formula is not None:
            extra.append(token)
        else:
            formula = token
    return out + ([f"--formula={formula}"] if formula is not None else []) + extra
