"""Python's cyclic garbage collector held off while a stage makes many objects that live
on: after a scan at a million merchants, each automatic full collection walks every
object the process holds, and making the run's files would trigger dozens of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block (as it was after it).

    A run's files and context are made of hundreds of thousands of small objects that
    live on (rows, records, pieces of HTML), and every few thousand of them the
    collector walks every object the process holds: after a scan at a million
    merchants, that walk is most of the work of writing its files. Reference counting
    frees what is not kept as before; cycles wait for the next collection."""
    import gc

    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()
