"""The cyclic garbage collector while a function is traced: paused, with bounded young collections.

A trace allocates a tracer and a few tuples per operation and keeps them
alive; the collector's full collections would rescan that growing tape again
and again (measured: 1.36× slower on a 4·10⁵-node trace), and the tape makes no
reference cycles.  So :func:`pause` turns automatic collection off while
traces run (:func:`resume` turns it back).  What the *user's* function makes is another matter: reference
cycles it drops would pile up until the trace ends (10⁵ small cyclic objects
grew a process by hundreds of MB).  So the tape calls :func:`tidy` every
:data:`YOUNG_EVERY` recorded operations, which collects the young
generations only: it frees the cycles dropped since the last call, and scans
each surviving object about once (survivors move to the oldest generation,
which is collected after the trace as usual).

Threads: the collector is global, so one lock and one counter of running
traces decide; the first trace to start remembers whether the collector was
on, and the last one to finish (normally or by an exception) restores that.
A collector the user had turned off stays off, and is never run by
:func:`tidy`.

>>> import gc
>>> before = gc.isenabled()
>>> with paused():
...     gc.isenabled()
False
>>> gc.isenabled() == before
True
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["YOUNG_EVERY", "pause", "paused", "resume", "tidy"]

YOUNG_EVERY = 1 << 13
"""Recorded operations between two young collections (a power of two: the tape tests ``i & (YOUNG_EVERY - 1)``)."""

_lock = threading.Lock()
_running = 0  # traces running now, in every thread
_restore = False  # whether the collector was on when the first of them started


def pause() -> None:
    """Turn automatic collection off; the first of the running traces remembers whether it was on.

    Every call is paired with :func:`resume` in a ``finally`` clause.
    """
    global _running, _restore
    with _lock:
        if _running == 0:
            _restore = gc.isenabled()
            gc.disable()
        _running += 1


def resume() -> None:
    """Undo one :func:`pause`; the last running trace restores the collector's state."""
    global _running
    with _lock:
        _running -= 1
        if _running == 0 and _restore:
            gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    """:func:`pause` for the duration of a ``with`` block (tracing calls the two functions directly)."""
    pause()
    try:
        yield
    finally:
        resume()


def tidy() -> None:
    """Collect the young generations, if the collector was on when tracing started (called by the tape)."""
    if _restore and _running:
        gc.collect(1)
