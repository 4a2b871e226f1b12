"""One process at a time: an exclusive lock file that names its holder."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def exclusive(path: Path, refused: Callable[[str], Exception]) -> Iterator[None]:
    """Hold an ``flock`` on ``path`` (created with its parents) for the block.

    The holder writes ``pid N since T`` into the file; a second process fails at once
    with ``refused(that text)`` instead of waiting.
    """
    import fcntl
    import os
    from datetime import UTC, datetime

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            raise refused(fh.read().strip() or "unknown") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%dT%H:%M:%SZ}")
        fh.flush()
        try:
            yield
        finally:
            fh.seek(0)
            fh.truncate()
            fcntl.flock(fh, fcntl.LOCK_UN)
