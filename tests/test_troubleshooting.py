"""The Troubleshooting page shows real messages: its cells run here, in order (issue 14).

Every cell tagged ``raises-exception`` must raise — the page shows that
exception's message as the docs build prints it — and every other cell must
run: each mistake still fails, and each documented fix still works.  The
library's own mistakes raise :class:`~semiring_ad.SemiringADError`; the one
that fails inside the user's function (a dict of inputs, before pytrees) is
named here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import semiring_ad as sad

PAGE = Path(__file__).resolve().parents[1] / "docs" / "troubleshooting.md"
CELL = re.compile(r"^```\{code-cell\} ipython3\n((?::[^\n]*\n)*)\n?(.*?)^```$", re.S | re.M)
NOT_OURS = {"A dict of inputs"}  # fails in the user's code: ``params["a"]`` on a tracer


def cells() -> list[tuple[str, str, bool]]:
    """(section, source, raises) for every code cell of the page."""
    text = PAGE.read_text(encoding="utf-8")
    out = []
    for m in CELL.finditer(text):
        headings = re.findall(r"^## (.+)$", text[: m.start()], flags=re.M)
        out.append((headings[-1] if headings else "", m.group(2), "raises-exception" in m.group(1)))
    return out


def test_the_page_is_in_the_toctree():
    assert "troubleshooting" in (PAGE.parent / "index.md").read_text(encoding="utf-8").split("```{toctree}")[1]


def test_every_mistake_fails_and_every_fix_works():
    namespace: dict = {}
    failing = 0
    for section, source, raises in cells():
        if not raises:
            exec(compile(source, f"troubleshooting: {section}", "exec"), namespace)
            continue
        with pytest.raises(Exception) as info:
            exec(compile(source, f"troubleshooting: {section}", "exec"), namespace)
        failing += 1
        if section not in NOT_OURS:
            assert isinstance(info.value, sad.SemiringADError), f"{section}: {info.value!r} is not the library's"
            assert len(str(info.value)) > 40, f"{section}: the message should say what to do: {info.value}"
    assert failing >= 9
