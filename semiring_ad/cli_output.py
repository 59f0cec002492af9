"""What the command line prints: valid JSON, terminal-safe text, exact integers of any size.

* **JSON** (:func:`print_json`) is strict: non-finite floats, which JSON
  cannot express, become the strings ``"inf"``, ``"-inf"`` and ``"nan"`` (the
  spellings graph files accept), everything else stays exact — node ids are
  never escaped.
* **Text** (:func:`safe`) escapes control characters (ANSI escape sequences,
  newlines, bidirectional overrides: everything Python does not call
  printable, except the space) the way ``repr`` would, so a graph file
  cannot clear the screen or forge output lines.
* **Integers** are printed exactly whatever their size (:func:`exact_ints`
  lifts Python's 4300-digit limit on int -> str while output is written;
  inputs keep the limit).

>>> safe("a\\x1b[2Jb\\nc"), safe("plain ∂y/∂x")
('a\\\\x1b[2Jb\\\\nc', 'plain ∂y/∂x')
>>> json_safe({"v": [float("inf"), float("nan"), 2.5]})
{'v': ['inf', 'nan', 2.5]}
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from collections.abc import Iterator
from typing import Any

__all__ = ["exact_ints", "json_safe", "print_json", "safe", "safe_lines"]


def safe(text: Any) -> str:
    """``str(text)`` with every non-printable character except the space escaped as ``repr`` escapes it."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def safe_lines(text: str) -> str:
    """Multi-line text with its line breaks kept and every other control character escaped."""
    return "\n".join(safe(line) for line in str(text).split("\n"))


def json_safe(value: Any) -> Any:
    """``value`` with non-finite floats replaced by ``"inf"``, ``"-inf"`` or ``"nan"`` (JSON has none)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


@contextlib.contextmanager
def exact_ints() -> Iterator[None]:
    """Within the block, ints of any size convert to text (exact path counts can have millions of digits)."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        yield
    finally:
        sys.set_int_max_str_digits(limit)


def print_json(doc: Any) -> int:
    """Print ``doc`` as strict JSON (see :func:`json_safe`); returns 0."""
    with exact_ints():
        print(json.dumps(json_safe(doc), indent=2, ensure_ascii=False, allow_nan=False))
    return 0
