"""The two words for one mode: ``"backward"`` (the solvers' word) and ``"reverse"`` (AD's word).

Every function that takes a direction or a mode accepts both, and refuses
anything else with :class:`~semiring_ad.errors.InputError` (a ``ValueError``)
naming the words it takes.

>>> sweep_direction("reverse"), ad_mode("backward"), ad_mode("auto", extra=("auto",))
('backward', 'reverse', 'auto')
>>> sweep_direction("sideways")
Traceback (most recent call last):
  ...
semiring_ad.errors.InputError: direction must be 'forward' or 'backward' (also spelled 'reverse'), got 'sideways'
"""

from __future__ import annotations

from ..errors import InputError

__all__ = ["ad_mode", "sweep_direction"]

_BACKWARD = ("backward", "reverse")


def _normal(word: object, what: str, extra: tuple[str, ...]) -> str:
    if word == "forward" or (isinstance(word, str) and word in extra):
        return word  # type: ignore[return-value]
    if word in _BACKWARD:
        return "backward"
    accepted = ", ".join(repr(w) for w in ("forward", *extra))
    raise InputError(f"{what} must be {accepted} or 'backward' (also spelled 'reverse'), got {word!r}")


def sweep_direction(word: object, *, what: str = "direction", extra: tuple[str, ...] = ()) -> str:
    """``"forward"``, ``"backward"`` (for ``"backward"`` or ``"reverse"``), or one of ``extra``."""
    return _normal(word, what, extra)


def ad_mode(word: object, *, what: str = "mode", extra: tuple[str, ...] = ()) -> str:
    """``"forward"``, ``"reverse"`` (for ``"reverse"`` or ``"backward"``), or one of ``extra``."""
    out = _normal(word, what, extra)
    return "reverse" if out == "backward" else out
