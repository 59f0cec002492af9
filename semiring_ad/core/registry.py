"""The registry type behind :data:`~semiring_ad.core.semirings.SEMIRINGS`: names to semirings,
some built on first read.

It lives apart from the instances so that the instances' module stays about
the instances.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping

from .semiring import Semiring

__all__ = ["SemiringRegistry"]


class SemiringRegistry(MutableMapping):
    """Lowercase name -> :class:`Semiring`, in registration order.

    A dict in every way that matters, except that an entry may be registered
    as a factory (:meth:`register_lazy`) and is built the first time it is
    read: :data:`SYMBOLIC` needs SymPy, which ``import semiring_ad`` does not
    load.

    >>> from semiring_ad import PATHS, PLUS_TIMES
    >>> reg = SemiringRegistry({"plus_times": PLUS_TIMES})
    >>> reg.register_lazy("paths_again", lambda: PATHS)
    >>> list(reg), reg["paths_again"] is PATHS
    (['plus_times', 'paths_again'], True)
    """

    def __init__(self, entries: dict[str, Semiring] | None = None) -> None:
        self._entries: dict[str, Semiring | Callable[[], Semiring]] = dict(entries or {})

    def register_lazy(self, name: str, factory: Callable[[], Semiring]) -> None:
        """Register ``factory()`` under ``name``, called on the first read."""
        self._entries[name] = factory

    def __getitem__(self, name: str) -> Semiring:
        entry = self._entries[name]
        if not isinstance(entry, Semiring):
            entry = self._entries[name] = entry()
        return entry

    def __setitem__(self, name: str, semiring: Semiring) -> None:
        self._entries[name] = semiring

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __repr__(self) -> str:
        return f"SemiringRegistry({', '.join(self._entries)})"
