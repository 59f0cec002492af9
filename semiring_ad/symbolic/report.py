"""The verification report: one Jacobian by several methods, as text, HTML or a dict.

:func:`~semiring_ad.symbolic.verify.verify` fills a :class:`VerificationReport`
with one :class:`MethodResult` per method; this module only shows them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["MethodResult", "VerificationReport"]

_SHOW = 6  # Jacobian entries shown in the text and HTML tables


@dataclass
class MethodResult:
    """One method's Jacobian (outputs × inputs) and how it compares with the reference."""

    name: str
    jacobian: np.ndarray | None
    note: str = ""
    rtol: float = 0.0
    atol: float = 0.0
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    ok: bool = False

    @property
    def available(self) -> bool:
        """Whether the method ran."""
        return self.jacobian is not None


@dataclass
class VerificationReport:
    """What :func:`verify` found: each method's Jacobian, its disagreement, and the verdict.

    ``methods`` maps method names to :class:`MethodResult`; ``results`` maps
    them to the (outputs × inputs) Jacobians (``None`` when not available).
    ``str(report)`` is a text table, ``_repr_html_`` an HTML one for Jupyter,
    ``to_dict()`` plain Python data.
    """

    inputs: list[str]
    outputs: list[str]
    point: list[float]
    value: list[float]
    reference: str
    methods: dict[str, MethodResult] = field(default_factory=dict)
    ok: bool = False

    @property
    def results(self) -> dict[str, np.ndarray | None]:
        """Each method's Jacobian, shape (outputs, inputs)."""
        return {name: m.jacobian for name, m in self.methods.items()}

    def _verdict(self) -> str:
        failed = [m.name for m in self.methods.values() if m.available and not m.ok]
        verdict = "OK" if self.ok else "MISMATCH"
        if self.ok and failed:
            verdict += f" (the exact methods agree; the {', '.join(failed)} estimate failed)"
        return f"verify at {self._where()}: {verdict} (reference: {self.reference})"

    def _where(self) -> str:
        return ", ".join(f"{n}={_num(v)}" for n, v in zip(self.inputs, self.point, strict=True))

    def _table(self) -> tuple[list[str], list[list[str]], list[str]]:
        """Header, rows of the methods that ran, and a line for each method's note (why it did not run, its steps)."""
        cells = [(r, c) for r in range(len(self.outputs)) for c in range(len(self.inputs))]
        shown = cells[:_SHOW]
        more = ["…"] if len(cells) > _SHOW else []
        header = ["method", *(f"∂{self.outputs[r]}/∂{self.inputs[c]}" for r, c in shown), *more]
        header += ["max abs err", "max rel err", "tolerance", "ok"]
        rows, missing = [], []
        for m in self.methods.values():
            if m.note:
                missing.append(f"{m.name}: {m.note}")
            if not m.available:
                continue
            vals = [_num(m.jacobian[r, c]) for r, c in shown] + ["…"] * len(more)
            if m.name == self.reference:
                errs = ["(reference)", "", ""]
            else:
                errs = [f"{m.max_abs_error:.2g}", f"{m.max_rel_error:.2g}", f"rtol={m.rtol:.0e} atol={m.atol:.1e}"]
            rows.append([m.name, *vals, *errs, "yes" if m.ok else ("NO (estimate failed)" if self.ok else "NO")])
        return header, rows, missing

    def __str__(self) -> str:
        header, rows, missing = self._table()
        widths = [max(len(row[k]) for row in [header, *rows]) for k in range(len(header))]
        lines = [self._verdict()]
        lines += ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                  for row in [header, *rows]]  # fmt: skip
        return "\n".join(lines + missing)

    def _repr_html_(self) -> str:
        header, rows, missing = self._table()
        esc = html.escape
        head = "".join(f"<th>{esc(h)}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
        body += "".join(f'<tr><td colspan="{len(header)}">{esc(line)}</td></tr>' for line in missing)
        title = self._verdict()
        return f"<table><caption>{esc(title)}</caption><tr>{head}</tr>{body}</table>"

    def to_dict(self) -> dict[str, Any]:
        """Plain Python data (lists and floats), e.g. for JSON."""
        methods = {
            name: {"available": m.available, "jacobian": None if m.jacobian is None else m.jacobian.tolist(),
                   "note": m.note, "rtol": m.rtol, "atol": m.atol, "max_abs_error": m.max_abs_error,
                   "max_rel_error": m.max_rel_error, "ok": m.ok}
            for name, m in self.methods.items()
        }  # fmt: skip
        return {"ok": self.ok, "reference": self.reference, "inputs": list(self.inputs),
                "outputs": list(self.outputs), "point": list(self.point), "value": list(self.value),
                "methods": methods}  # fmt: skip


def _num(v: float) -> str:
    return f"{v:.10g}"
