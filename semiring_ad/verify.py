"""Moved to :mod:`semiring_ad.symbolic.verify` and :mod:`semiring_ad.symbolic.report`;
this module re-exports its names for one release.

Import from the new home (or from ``semiring_ad``); this path will be removed in 0.3.
The names load on first use (they need SymPy), so that ``semiring_ad`` can import
this module with the package and keep ``semiring_ad.verify`` the function.
"""

from typing import Any

__all__ = ["MethodResult", "VerificationReport", "verify"]  # noqa: F822  (see __getattr__)


def __getattr__(name: str) -> Any:
    if name in ("MethodResult", "VerificationReport"):
        from .symbolic import report

        return getattr(report, name)
    if name == "verify":
        from .symbolic.verify import verify

        return verify
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
